"""nn.to_torch / nn.from_torch: the same network in PyTorch gives the same outputs,
loss, gradients and training step (float64), and comes back unchanged."""

import io
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from nn import MLP, Layer, Neuron, from_torch, hinge_loss, l2, make_moons, mse_loss, to_torch

# The same tolerance as tests/test_nn_parity.py: PyTorch adds a dot product's terms in its own order.
CLOSE = dict(rel=1e-9, abs=1e-12)
torch_in_property = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def linears(net, torch):
    return [m for m in net if isinstance(m, torch.nn.Linear)]


def torch_gradients(net, torch):
    """PyTorch's gradients in stepgrad's parameter order: neuron by neuron, weights then bias."""
    grads = []
    for linear in linears(net, torch):
        for row, bias in zip(linear.weight.grad.tolist(), linear.bias.grad.tolist()):
            grads += row + [bias]
    return grads


def torch_weights(net, torch):
    weights = []
    for linear in linears(net, torch):
        for row, bias in zip(linear.weight.tolist(), linear.bias.tolist()):
            weights += row + [bias]
    return weights


def outputs(model, X):
    """stepgrad's outputs as rows, like PyTorch's (N, nout)."""
    rows = []
    for x in X:
        out = model(x)
        rows.append([out.data] if not isinstance(out, list) else [v.data for v in out])
    return rows


# ---- the moons model ----------------------------------------------------------------


@pytest.mark.parity
@pytest.mark.parametrize("fused", [True, False], ids=["fused", "unfused"])
def test_moons_model_same_outputs_loss_and_gradients(torch, fused):
    X, y = make_moons(40, noise=0.1, seed=3)
    model = MLP(2, [16, 16, 1], seed=1, fused=fused)
    net = to_torch(model)
    assert [type(m).__name__ for m in net] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert all(p.dtype == torch.float64 for p in net.parameters())

    scores = [model(x) for x in X]
    loss = hinge_loss(scores, y) + 1e-4 * l2(model.parameters())
    loss.backward()
    out = net(torch.tensor(X, dtype=torch.float64))
    labels = torch.tensor(y, dtype=torch.float64)
    reference = torch.relu(1 - labels * out[:, 0]).mean() + 1e-4 * sum((p * p).sum() for p in net.parameters())
    reference.backward()

    assert out[:, 0].tolist() == pytest.approx([s.data for s in scores], **CLOSE)
    assert loss.data == pytest.approx(reference.item(), **CLOSE)
    theirs = torch_gradients(net, torch)
    assert any(g != 0.0 for g in theirs)
    assert [p.grad for p in model.parameters()] == pytest.approx(theirs, **CLOSE)


@pytest.mark.parity
def test_one_training_step_gives_the_same_weights_in_both(torch):
    X, y = make_moons(30, noise=0.1, seed=5)
    model = MLP(2, [8, 8, 1], activation="tanh", seed=2)
    net = to_torch(model)
    ours = nn.SGD(model.parameters(), lr=0.5, momentum=0.9)
    theirs = torch.optim.SGD(net.parameters(), lr=0.5, momentum=0.9)
    for _ in range(2):  # two steps, so momentum takes part
        ours.zero_grad()
        loss = mse_loss([model(x) for x in X], y)
        loss.backward()
        ours.step()
        theirs.zero_grad()
        torch.nn.functional.mse_loss(net(torch.tensor(X))[:, 0], torch.tensor(y)).backward()
        theirs.step()
    after = [p.data for p in model.parameters()]
    assert after == pytest.approx(torch_weights(net, torch), **CLOSE)
    assert [p.data for p in from_torch(net).parameters()] == pytest.approx(after, **CLOSE)
    assert after != [p.data for p in MLP(2, [8, 8, 1], activation="tanh", seed=2).parameters()]


# ---- any MLP ----------------------------------------------------------------------------

ACTIVATION = st.sampled_from(["relu", "tanh", "sigmoid", "linear"])


@pytest.mark.parity
@torch_in_property
@given(nin=st.integers(1, 4), nouts=st.lists(st.integers(1, 5), min_size=1, max_size=3),
       activation=ACTIVATION, output_activation=ACTIVATION, fused=st.booleans(), seed=st.integers(0, 2**16),
       X=st.lists(st.lists(st.floats(-3, 3), min_size=4, max_size=4), min_size=1, max_size=4))
def test_a_random_mlp_matches_in_outputs_loss_and_gradients(torch, nin, nouts, activation, output_activation,
                                                            fused, seed, X):
    X = [x[:nin] for x in X]
    model = MLP(nin, nouts, activation=activation, output_activation=output_activation, seed=seed, fused=fused)
    net = to_torch(model)
    targets = [[0.5 * (i - j) for j in range(nouts[-1])] for i in range(len(X))]

    ours = outputs(model, X)
    flat = [o for x in X for o in ([model(x)] if nouts[-1] == 1 else model(x))]
    loss = mse_loss(flat, [t for row in targets for t in row])
    loss.backward()
    out = net(torch.tensor(X, dtype=torch.float64))
    reference = torch.nn.functional.mse_loss(out, torch.tensor(targets, dtype=torch.float64))
    reference.backward()

    assert out.tolist() == [pytest.approx(row, **CLOSE) for row in ours]
    assert loss.data == pytest.approx(reference.item(), **CLOSE)
    assert [p.grad for p in model.parameters()] == pytest.approx(torch_gradients(net, torch), **CLOSE)
    back = from_torch(net, fused=fused)
    assert back.state_dict() == model.state_dict()  # the weights travel as float64: exactly
    expected = {**model.config(), "init": "zeros"}
    if len(nouts) == 1:  # no hidden layer: the hidden activation is not in the network at all
        expected["activation"] = back.config()["activation"]
    assert back.config() == expected


@pytest.mark.parity
def test_a_neuron_and_a_layer_export_too(torch):
    neuron = Neuron(3, activation="sigmoid", rng=__import__("random").Random(0))
    layer = Layer(3, 2, activation="tanh", rng=__import__("random").Random(1))
    x = [0.3, -1.2, 2.0]
    assert to_torch(neuron)(torch.tensor([x]))[0, 0].item() == pytest.approx(neuron(x).data, **CLOSE)
    assert to_torch(layer)(torch.tensor([x]))[0].tolist() == pytest.approx([v.data for v in layer(x)], **CLOSE)


@pytest.mark.parity
def test_from_torch_takes_a_bare_linear_and_identity(torch):
    linear = torch.nn.Linear(3, 2, dtype=torch.float64)
    model = from_torch(linear)
    assert model.config()["output_activation"] == "linear" and model.nouts == [2]
    net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Identity(), torch.nn.Linear(4, 1), torch.nn.Sigmoid())
    assert from_torch(net).config()["activation"] == "linear"


@pytest.mark.parity
@pytest.mark.parametrize("build, problem", [
    (lambda t: t.nn.Sequential(t.nn.Linear(2, 3), t.nn.LeakyReLU()), "module 1 is LeakyReLU"),
    (lambda t: t.nn.Sequential(t.nn.Linear(2, 3, bias=False)), "has no bias"),
    (lambda t: t.nn.Sequential(t.nn.ReLU(), t.nn.Linear(2, 3)), "does not follow a Linear"),
    (lambda t: t.nn.Sequential(t.nn.Linear(2, 3), t.nn.ReLU(), t.nn.Tanh()), "does not follow a Linear"),
    (lambda t: t.nn.Sequential(t.nn.Linear(2, 3), t.nn.ReLU(), t.nn.Linear(3, 3), t.nn.Tanh(), t.nn.Linear(3, 1)),
     "different activations"),
    (lambda t: t.nn.Sequential(t.nn.Linear(2, 3), t.nn.Linear(4, 1)), "followed by one with 4 inputs"),
    (lambda t: t.nn.Sequential(), "no Linear"),
])
def test_from_torch_refuses_what_an_mlp_cannot_hold(torch, build, problem):
    with pytest.raises(ValueError, match=problem):
        from_torch(build(torch))


@pytest.mark.parity
def test_from_torch_refuses_non_finite_weights_and_other_objects(torch):
    linear = torch.nn.Linear(2, 1, dtype=torch.float64)
    with torch.no_grad():
        linear.weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match="non-finite"):
        from_torch(linear)
    with pytest.raises(TypeError, match="Sequential"):
        from_torch(torch.nn.ReLU())
    with pytest.raises(TypeError, match="MLP, nn.Layer or nn.Neuron"):
        to_torch([1, 2])


@pytest.mark.parity
def test_from_torch_refuses_weights_without_numbers_before_building_anything(torch, monkeypatch):
    # a meta-device Linear of 2000×1000 built 840 MB of Values, then raised a raw NotImplementedError
    monkeypatch.setattr(nn.torch_bridge, "MLP", lambda *a, **k: pytest.fail("an MLP was built"))
    for linear in (torch.nn.Linear(2000, 1000, device="meta"), torch.nn.Linear(3, 2, device="meta")):
        with pytest.raises(ValueError) as caught:
            from_torch(torch.nn.Sequential(linear, torch.nn.ReLU()))
        assert str(caught.value) == (f"from_torch: module 0 ({linear}) is on the meta device: its weights hold "
                                     "no numbers to copy")


@pytest.mark.parity
def test_from_torch_has_a_size_cap_checked_before_building(torch, monkeypatch):
    monkeypatch.setattr(nn.torch_bridge, "MLP", lambda *a, **k: pytest.fail("an MLP was built"))
    big = torch.nn.Sequential(torch.nn.Linear(2000, 1000), torch.nn.ReLU(), torch.nn.Linear(1000, 1))
    count = 2001 * 1000 + 1001
    assert count > nn.serialize.MAX_PARAMETERS  # the same cap as nn.load's
    with pytest.raises(ValueError, match=f"^from_torch: the network has {count} parameters, more than from_torch "
                                         f"builds \\({nn.serialize.MAX_PARAMETERS}, as many as nn.load reads\\)"):
        from_torch(big)


@pytest.mark.parity
def test_from_torch_refuses_a_module_that_computes_something_else(torch):
    class Scaled(torch.nn.Linear):  # a LoRA- or scaling-style Linear: the same weights, another output
        def forward(self, x):
            return 2 * super().forward(x)

    class Plain(torch.nn.Linear):  # a subclass that computes what a Linear computes is fine
        pass

    class Shuffled(torch.nn.Sequential):
        def forward(self, x):
            return super().forward(x.flip(-1))

    with pytest.raises(ValueError, match="^from_torch: module 0 is a Scaled, a Linear with its own forward"):
        from_torch(torch.nn.Sequential(Scaled(3, 2), torch.nn.Tanh()))
    with pytest.raises(ValueError, match="^from_torch: module 0 is a Scaled"):
        from_torch(Scaled(3, 2))
    with pytest.raises(ValueError, match="^from_torch: the Sequential is a Shuffled, a Sequential with its own"):
        from_torch(Shuffled(torch.nn.Linear(3, 2)))
    hooked = torch.nn.Linear(3, 2)
    hooked.register_forward_hook(lambda module, inputs, output: output * 2)
    with pytest.raises(ValueError, match=r"module 0 \(Linear\) runs forward hooks"):
        from_torch(hooked)
    plain = Plain(3, 2, dtype=torch.float64)
    x = torch.tensor([[0.5, -1.0, 2.0]], dtype=torch.float64)
    model = from_torch(plain)
    assert [v.data for v in model([0.5, -1.0, 2.0])] == pytest.approx(plain(x)[0].tolist(), **CLOSE)


def test_without_pytorch_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'stepgrad\[torch\]'"):
        to_torch(MLP(2, [1], seed=0))
    with pytest.raises(ImportError, match="optional extra"):
        from_torch(object())


# ---- the demo -----------------------------------------------------------------------------


@pytest.mark.parity
def test_the_to_pytorch_demo_shows_the_same_predictions_draws_them_and_a_page(torch, tmp_path, dot_program):
    from demos.cli import main

    out = io.StringIO()
    pictures, page = tmp_path / "pics", tmp_path / "page.html"
    status = main(["to_pytorch", "--out", str(pictures), "--html", str(page)], stdin=io.StringIO(""), stdout=out)
    text = out.getvalue()
    assert status == 0, text
    assert "✗" not in text and "✓ all 6 checks" in text
    assert "Sequential(" in text
    assert (pictures / "side_by_side.png").read_bytes().startswith(b"\x89PNG")
    assert f"step-through page: {page}" in text and "s0.grad" in page.read_text(encoding="utf-8")
    assert max(len(line) for line in text.splitlines() if str(tmp_path) not in line) <= 80


def test_the_to_pytorch_demo_without_pytorch_says_so_in_one_line(monkeypatch, tmp_path):
    """No torch: one line naming the extra, exit status 2, before any work."""
    from demos.cli import main

    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    out = io.StringIO()
    status = main(["to_pytorch", "--out", str(tmp_path / "pics")], stdin=io.StringIO(""), stdout=out)
    assert status == 2
    assert out.getvalue() == "to_pytorch needs PyTorch: pip install 'stepgrad[torch]'\n"
    assert not list(tmp_path.iterdir())


@pytest.mark.parity
def test_the_readme_example_runs_as_printed(torch, capsys):
    """The README's copy-paste example (not a doctest: it needs the optional torch)."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### The same network in PyTorch"):]
    code = section[section.index("```python\n") + len("```python\n"):section.index("```\n", section.index("```python"))]
    assert "to_torch(model)" in code and "from_torch(net)" in code
    exec(compile(code, "README.md", "exec"), {})
    printed = float(capsys.readouterr().out.strip())
    assert printed < 1e-12  # "about 1e-15"
