"""The same network with the same weights in PyTorch (float64): same loss, same gradients."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine import Value
from nn import (MLP, binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, hinge_loss, l2, make_moons,
                make_spirals, mean_cross_entropy, mse_loss, softmax)

pytestmark = pytest.mark.parity


def torch_copy(torch, model):
    """Each layer's weights as an (nout × nin) matrix and its biases as a vector, as leaf tensors."""
    layers = []
    for layer in model.layers:
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        layers.append((W, b, layer.neurons[0].activation))
    return layers


def torch_forward(torch, layers, X):
    activations = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda z: z}
    h = torch.tensor(X, dtype=torch.float64)
    for W, b, activation in layers:
        h = activations[activation](h @ W.T + b)
    return h


def torch_gradients(layers):
    """The gradients in micrograd's parameter order: neuron by neuron, weights then bias."""
    grads = []
    for W, b, _ in layers:
        for row, bias in zip(W.grad.tolist(), b.grad.tolist()):
            grads += row + [bias]
    return grads


def torch_l2(layers):
    return sum((W * W).sum() + (b * b).sum() for W, b, _ in layers)


MOONS = make_moons(30, noise=0.1, seed=4)
SPIRALS = make_spirals(30, classes=3, seed=4)
CASES = {
    # name: (dataset, model, our loss (scores, labels), torch loss (F, outputs, labels tensor))
    "hinge+l2 relu (micrograd's moons)": (
        MOONS, dict(nin=2, nouts=[16, 16, 1]),
        lambda s, y, m: hinge_loss(s, y) + 1e-4 * l2(m.parameters()),
        lambda t, F, out, y, layers: F.relu(1 - y * out[:, 0]).mean() + 1e-4 * torch_l2(layers)),
    "bce with logits, tanh": (
        MOONS, dict(nin=2, nouts=[8, 8, 1], activation="tanh"),
        lambda s, y, m: binary_cross_entropy_with_logits(s, [(v + 1) / 2 for v in y]),
        lambda t, F, out, y, layers: F.binary_cross_entropy_with_logits(out[:, 0], (y + 1) / 2)),
    "bce of a sigmoid output": (
        MOONS, dict(nin=2, nouts=[8, 1], activation="tanh", output_activation="sigmoid"),
        lambda s, y, m: binary_cross_entropy(s, [(v + 1) / 2 for v in y]),
        lambda t, F, out, y, layers: F.binary_cross_entropy(out[:, 0], (y + 1) / 2)),
    "mse, sigmoid hidden": (
        MOONS, dict(nin=2, nouts=[6, 1], activation="sigmoid"),
        lambda s, y, m: mse_loss(s, y),
        lambda t, F, out, y, layers: F.mse_loss(out[:, 0], y)),
    "cross-entropy, 3 classes": (
        SPIRALS, dict(nin=2, nouts=[8, 3], activation="relu"),
        lambda s, y, m: mean_cross_entropy(s, y),
        lambda t, F, out, y, layers: F.cross_entropy(out, y.long())),
}


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "unfused"])
@pytest.mark.parametrize("case", CASES)
def test_mlp_loss_and_gradients_match_pytorch(torch, case, fused):
    (X, y), shape, our_loss, their_loss = CASES[case]
    model = MLP(**shape, seed=9, fused=fused)
    layers = torch_copy(torch, model)

    loss = our_loss([model(x) for x in X], y, model)
    loss.backward()
    reference = their_loss(torch, torch.nn.functional, torch_forward(torch, layers, X),
                           torch.tensor(y, dtype=torch.float64), layers)
    reference.backward()

    assert loss.data == pytest.approx(reference.item(), rel=1e-9, abs=1e-12)
    ours, theirs = [p.grad for p in model.parameters()], torch_gradients(layers)
    assert any(g != 0.0 for g in theirs)
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)


# The `torch` fixture only hands over the module, so sharing it between examples is safe.
torch_in_property = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@torch_in_property
@given(pairs=st.lists(st.tuples(st.floats(-1e4, 1e4), st.floats(0, 1)), min_size=1, max_size=5))
def test_bce_with_logits_matches_pytorch_for_any_logit(torch, pairs):
    logits = [Value(z) for z, _ in pairs]
    targets = [t for _, t in pairs]
    loss = binary_cross_entropy_with_logits(logits, targets)
    loss.backward()
    z = torch.tensor([v.data for v in logits], dtype=torch.float64, requires_grad=True)
    reference = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor(targets, dtype=torch.float64))
    reference.backward()
    assert loss.data == pytest.approx(reference.item(), rel=1e-9, abs=1e-12)
    assert [v.grad for v in logits] == pytest.approx(z.grad.tolist(), rel=1e-9, abs=1e-12)


@torch_in_property
@given(values=st.lists(st.floats(-500, 500), min_size=1, max_size=6))
def test_softmax_matches_pytorch(torch, values):
    ours = [p.data for p in softmax(values)]
    theirs = torch.softmax(torch.tensor(values, dtype=torch.float64), dim=0).tolist()
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-300)


# Logits from tiny to 1e307 in size, both signs, with spreads far beyond e^709 (where a naive
# log Σ e^z overflows), and logits close together around a huge common value (where a naive
# log Σ e^z − z_t rounds to 0: 1e16 and 1e16 gave 0.0 instead of log 2).
wide_logits = st.lists(st.one_of(st.floats(-1e307, 1e307), st.floats(-50, 50)), min_size=1, max_size=6)
huge_but_close = st.builds(lambda base, offsets: [base + o for o in offsets],
                           st.one_of(st.floats(-1e17, 1e17), st.sampled_from([1e15, 1e16, -1e16])),
                           st.lists(st.floats(-30, 30), min_size=1, max_size=6))


@torch_in_property
@example(values=[1e16, 1e16], target=0)
@example(values=[1e15, 1e15], target=1)
@given(values=st.one_of(wide_logits, huge_but_close), target=st.integers(0, 5))
def test_cross_entropy_matches_pytorch_over_a_wide_range_of_logits(torch, values, target):
    target %= len(values)
    logits = [Value(z) for z in values]
    loss = cross_entropy(logits, target)
    loss.backward()
    z = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    reference = torch.nn.functional.cross_entropy(z.unsqueeze(0), torch.tensor([target]))
    reference.backward()
    # the loss is (m − z_t) + log Σ e^(z − m), m = max z: one rounding of m − z_t, then a log in [0, log n]
    gap = max(values) - values[target]
    assert loss.data == pytest.approx(reference.item(), rel=1e-12, abs=1e-15 * (1.0 + gap))
    assert [v.grad for v in logits] == pytest.approx(z.grad.tolist(), rel=1e-9, abs=1e-12)
