"""nn.Module, Neuron, Layer, MLP: shapes, names, initialisation, fused vs unfused graphs."""

import math
import random

import pytest

from engine import Value, topological_order
from nn import MLP, SGD, Layer, Module, Neuron, hinge_loss


def interior_ops(root):
    """The symbols of the ops of the nodes that were computed (leaves have no op)."""
    return [str(node.op) for node in topological_order(root) if node.parents]


def test_mlp_has_micrograds_337_parameters():
    sizes = [2, 16, 16, 1]
    expected = sum((nin + 1) * nout for nin, nout in zip(sizes, sizes[1:]))  # weights + bias per neuron
    assert expected == 337
    assert MLP(2, [16, 16, 1]).num_parameters() == expected
    assert len(MLP(2, [16, 16, 1]).parameters()) == expected


def test_same_weights_and_outputs_as_micrograd_after_random_seed(micrograd):
    random.seed(1337)
    theirs = micrograd.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    for x in ([0.5, -1.5], [2.0, 0.25], [-0.3, 0.9]):
        assert ours(x).data == pytest.approx(theirs(x).data, rel=1e-12, abs=1e-12)


def test_parameter_order_and_names():
    model = MLP(3, [4, 2], seed=0)
    named = model.named_parameters()
    assert [p for _, p in named] == model.parameters()
    names = [name for name, _ in named]
    assert len(set(names)) == len(names) == 4 * 4 + 2 * 5
    assert names[:5] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.w.2",
                         "layers.0.neurons.0.b", "layers.0.neurons.1.w.0"]
    assert names[-1] == "layers.1.neurons.1.b"
    assert dict(named)["layers.0.neurons.3.w.1"] is model.layers[0].neurons[3].w[1]
    # labels carry the names, so a drawn graph or a gradcheck report says which weight is which
    assert model.layers[1].neurons[0].b.label == "layers.1.neurons.0.b"
    assert [name for name, _ in Neuron(2).named_parameters()] == ["w.0", "w.1", "b"]


def test_seed_gives_the_same_weights_and_leaves_global_random_alone():
    state = random.getstate()
    first, again, other = MLP(2, [8, 1], seed=7), MLP(2, [8, 1], seed=7), MLP(2, [8, 1], seed=8)
    assert random.getstate() == state
    assert first.state_dict() == again.state_dict()
    assert first.state_dict() != other.state_dict()


def test_without_seed_the_global_random_decides():
    random.seed(3)
    a = MLP(2, [4, 1])
    random.seed(3)
    b = MLP(2, [4, 1])
    assert a.state_dict() == b.state_dict()


def weights_and_biases(model):
    named = model.named_parameters()
    return [p.data for n, p in named if not n.endswith(".b")], [p.data for n, p in named if n.endswith(".b")]


def test_init_schemes():
    weights, biases = weights_and_biases(MLP(2, [64, 64, 1], seed=0))
    assert all(-1 <= w <= 1 for w in weights) and max(map(abs, weights)) > 0.95
    assert biases == [0.0] * len(biases)

    weights, _ = weights_and_biases(MLP(2, [64, 64, 1], init="zeros"))
    assert weights == [0.0] * len(weights)

    model = MLP(2, [64, 64, 1], init="glorot", seed=0)
    for layer, (nin, nout) in zip(model.layers, [(2, 64), (64, 64), (64, 1)]):
        limit = math.sqrt(6.0 / (nin + nout))
        layer_weights = [w.data for neuron in layer.neurons for w in neuron.w]
        assert max(map(abs, layer_weights)) <= limit
        assert max(map(abs, layer_weights)) > 0.9 * limit  # uses the whole range, not a smaller one


def neuron_with(weights, bias, **kwargs):
    neuron = Neuron(len(weights), **kwargs)
    for w, value in zip(neuron.w, weights):
        w.data = value
    neuron.b.data = bias
    return neuron


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("activation, g", [
    ("relu", lambda z: max(z, 0.0)),
    ("tanh", math.tanh),
    ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
    ("linear", lambda z: z),
])
def test_neuron_computes_activation_of_w_dot_x_plus_b(activation, g, fused):
    x = [0.5, -2.0, 3.0]
    for weights, bias in (([0.2, 0.3, -0.1], 0.4), ([-0.2, 0.3, -0.1], -0.4)):
        z = sum(w * xi for w, xi in zip(weights, x)) + bias
        out = neuron_with(weights, bias, activation=activation, fused=fused)(x)
        assert out.data == pytest.approx(g(z), rel=1e-12, abs=1e-15)


def test_nonlin_keeps_micrograds_meaning():
    assert Neuron(2).activation == "relu"
    assert Neuron(2, nonlin=False).activation == "linear"
    assert Neuron(2, activation="tanh").activation == "tanh"
    with pytest.raises(ValueError, match="nonlin=False"):
        Neuron(2, nonlin=False, activation="tanh")


def test_mlp_uses_hidden_and_output_activations():
    model = MLP(2, [3, 3, 1], activation="tanh", output_activation="sigmoid")
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "tanh", "sigmoid"]
    assert [layer.neurons[0].activation for layer in MLP(2, [3, 1]).layers] == ["relu", "linear"]


def test_one_output_is_a_value_and_feeds_the_next_layer():
    model = MLP(2, [16, 1, 1], seed=0)  # breaks micrograd: its layer of one returns a bare Value
    out = model([1.0, -1.0])
    assert isinstance(out, Value)
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    wide = Layer(2, 3)([1.0, 2.0])
    assert isinstance(wide, list) and len(wide) == 3
    assert isinstance(Neuron(1)(Value(2.0)), Value)
    one_input = Layer(1, 3, activation="tanh")  # a lone Value is one input, for a layer as for a neuron
    assert [v.data for v in one_input(Value(2.0))] == [math.tanh(n.w[0].data * 2.0) for n in one_input.neurons]


def test_fused_builds_one_node_per_preactivation_and_unfused_one_per_operation():
    x = [Value(0.5), Value(-1.0), Value(2.0)]
    assert interior_ops(Neuron(3, nonlin=False, fused=True)(x)) == ["Σw·x+b"]
    assert sorted(interior_ops(Neuron(3, nonlin=False, fused=False)(x))) == ["+"] * 3 + ["×"] * 3
    assert len(interior_ops(Neuron(3, activation="tanh", fused=False)(x))) == 7


def test_fused_and_unfused_give_the_same_gradients():
    X = [[0.3, -1.2], [1.5, 0.7], [-0.4, 0.2], [2.0, -2.0]]
    y = [1, -1, 1, -1]
    grads = []
    for fused in (True, False):
        model = MLP(2, [5, 4, 1], activation="tanh", seed=11, fused=fused)
        loss = hinge_loss([model(x) for x in X], y, margin=3.0)
        loss.backward()
        grads.append((loss.data, [p.grad for p in model.parameters()]))
    (loss_f, g_f), (loss_u, g_u) = grads
    assert loss_f == pytest.approx(loss_u, rel=1e-13)
    assert any(g != 0.0 for g in g_f)
    assert g_f == pytest.approx(g_u, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("fused", [True, False])
def test_wrong_number_of_inputs_is_refused(fused):
    with pytest.raises(ValueError, match="3 weights but 2 inputs"):
        Neuron(3, fused=fused)([1.0, 2.0])


def test_repr_names_shape_and_activation():
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2, [16, 16, 1], activation='relu', output_activation='linear')"
    assert repr(Layer(3, 4, activation="tanh")) == "Layer(3, 4, activation='tanh')"
    assert repr(Neuron(5, nonlin=False, fused=False)) == "Neuron(5, activation='linear', fused=False)"


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [4, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_state_dict_round_trip_and_strictness():
    model, other = MLP(2, [3, 1], seed=1), MLP(2, [3, 1], seed=2)
    other.load_state_dict(model.state_dict())
    assert other.state_dict() == model.state_dict()
    before = other.state_dict()

    state = model.state_dict()
    del state["layers.0.neurons.1.b"]
    state["layers.9.w.0"] = 1.0
    with pytest.raises(ValueError, match=r"missing: layers\.0\.neurons\.1\.b.*unexpected: layers\.9\.w\.0"):
        other.load_state_dict(state)
    bad = dict(model.state_dict(), **{"layers.1.neurons.0.w.2": "0.5", "layers.0.neurons.0.b": True})
    with pytest.raises(ValueError, match=r"not finite numbers: layers\.0\.neurons\.0\.b=True, "
                                         r"layers\.1\.neurons\.0\.w\.2='0\.5'"):
        other.load_state_dict(bad)
    with pytest.raises(ValueError, match="nan"):
        other.load_state_dict(dict(model.state_dict(), **{"layers.0.neurons.0.b": math.nan}))
    assert other.state_dict() == before  # nothing is written when anything is refused

    other.load_state_dict({"layers.0.neurons.0.b": 0.25, "extra": 1.0}, strict=False)
    assert other.layers[0].neurons[0].b.data == 0.25
    with pytest.raises(ValueError, match="dict"):
        other.load_state_dict([("layers.0.neurons.0.b", 1.0)])


@pytest.mark.parametrize("make, message", [
    (lambda: MLP(0, [1]), "nin"),
    (lambda: MLP(2, []), "nouts"),
    (lambda: MLP(2, [4, 0]), "layer size"),
    (lambda: MLP(2, [4, 1], activation="softmax"), "activation"),
    (lambda: MLP(2, [1], activation="nope"), "activation"),
    (lambda: MLP(2, [4, 1], init="he"), "init"),
    (lambda: Layer(2, 0), "nout"),
    (lambda: Neuron(2.5), "nin"),
])
def test_bad_shapes_and_names_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_an_mlp_called_with_the_wrong_number_of_inputs_says_so():
    model = MLP(2, [3, 1])
    with pytest.raises(ValueError, match=r"MLP\(2, \[3, 1\].*takes 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="takes 2 inputs, got 1"):
        model(Value(1.0))


# ---- regressions: nan inputs, flags, fan_out, labels once, short messages ----------


@pytest.mark.parametrize("x, bad", [((math.nan, 0.5), "nan"), ((0.5, -math.inf), "inf")])
def test_a_non_finite_input_is_an_error_not_turned_into_zero(x, bad):
    with pytest.raises(ValueError, match=bad):  # relu(nan) once made this output 0.0
        MLP(2, [8, 1], seed=1)(x)


@pytest.mark.parametrize("make, message", [
    (lambda: Neuron(2, fused="false"), "Neuron fused must be True or False, got 'false'"),
    (lambda: MLP(2, [1], fused=0), "MLP fused must be True or False"),
    (lambda: Layer(2, 3, fused="no"), "fused must be True or False"),
    (lambda: Neuron(2, nonlin="False"), "nonlin must be True or False"),
    (lambda: Neuron(2, init="glorot", fan_out=-1), "fan_out must be a positive integer, got -1"),
    (lambda: Neuron(2, init="glorot", fan_out=0), "fan_out must be a positive integer"),
    (lambda: MLP(2, [1], init="he"), "MLP init must be one of"),
])
def test_flags_and_sizes_are_checked_not_coerced(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_parameters_are_labelled_once_by_the_outermost_module(monkeypatch):
    calls = []
    original = Module._label_parameters
    monkeypatch.setattr(Module, "_label_parameters", lambda self: calls.append(type(self).__name__) or original(self))
    model = MLP(2, [3, 3, 1], seed=0)
    assert calls == ["MLP"]  # not once per neuron, layer and network
    assert [p.label for p in model.layers[2].parameters()] == [f"layers.2.neurons.0.{n}" for n in
                                                               ("w.0", "w.1", "w.2", "b")]
    calls.clear()
    layer = Layer(2, 2)
    assert calls == ["Layer"] and layer.neurons[1].b.label == "neurons.1.b"
    calls.clear()
    assert Neuron(2).w[1].label == "w.1" and calls == ["Neuron"]


def test_load_state_dict_messages_stay_short_and_huge_ints_are_not_finite():
    model = MLP(2, [3, 1], seed=0)
    state = dict(model.state_dict(), **{f"junk.{i}" + "x" * 1000: 1.0 for i in range(10_000)})
    with pytest.raises(ValueError, match=r"unexpected: junk\.0x+\.\.\., .* and 9995 more") as caught:
        model.load_state_dict(state)
    assert len(str(caught.value)) < 1000
    with pytest.raises(ValueError, match=r"not finite numbers: layers\.0\.neurons\.0\.b=<an integer of 1329 bits>"):
        model.load_state_dict(dict(model.state_dict(), **{"layers.0.neurons.0.b": 10 ** 400}))


def test_a_shared_parameter_is_listed_once_so_fit_steps_it_once():
    class Tied(Module):
        """Two neurons sharing their first weight."""

        _parameter_fields = ("a", "b")

        def __init__(self):
            self.a, self.b = Neuron(2, nonlin=False), Neuron(2, nonlin=False)
            self.b.w[0] = self.a.w[0]

        def __call__(self, x):
            return self.a(x) + self.b(x)

    model = Tied()
    assert [name for name, _ in model.named_parameters()] == ["a.w.0", "a.w.1", "a.b", "b.w.1", "b.b"]
    SGD(model.parameters(), lr=0.1)  # no "same Value" refusal


def test_numpy_integers_are_sizes_and_the_model_still_saves(tmp_path):
    import numpy as np

    from nn import load, save

    model = MLP(np.int64(2), [np.int32(3), np.int64(1)], seed=0)
    assert model.config()["nouts"] == [3, 1] and type(model.config()["nin"]) is int
    save(model, tmp_path / "m.json")  # JSON cannot hold a numpy integer: sizes are plain ints
    assert load(tmp_path / "m.json").state_dict() == model.state_dict()
    assert Layer(np.int64(2), np.int64(2)).config()["nout"] == 2
