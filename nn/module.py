"""Neurons, layers and multi-layer perceptrons, with micrograd's calling conventions.

    model = MLP(2, [16, 16, 1])        # 2 inputs, two hidden ReLU layers, 1 linear output
    score = model([0.5, -1.0])         # a Value (a layer of one output returns a Value)
    model.parameters()                 # 337 Values: layer by layer, neuron by neuron, w then b

A neuron computes act(w·x + b). With `fused=True` (the default) the pre-activation
w·x + b is ONE node of the graph (`engine.dot`): fast, and its local derivatives are
exactly the inputs and the weights. With `fused=False` it is built from one node per
multiply and per add, so a small picture shows every step of the chain rule.
"""

from __future__ import annotations

import math
import random
from typing import Optional, Sequence, Union

from engine import OPS, Op, Value, dot
from engine.names import GivenName

from .checks import choice, flag, is_finite_number, positive_int, short, some

def activations() -> dict[str, Optional[Op]]:
    """The activation functions a neuron can apply to its pre-activation, by name: every
    op of `engine.OPS` marked as an activation (a student's own too, made with
    `define_op(..., activation=True)`), and "linear", which applies nothing."""
    return {**{name: op for name, op in OPS.items() if op.activation}, "linear": None}


#: The engine's own activations (relu, tanh, sigmoid, linear), as `activations()` gives them at import.
ACTIVATIONS = activations()

#: Weight initialisation schemes. Biases always start at 0, as in micrograd.
INITS = ("uniform", "glorot", "zeros")

Input = Union[Value, float, Sequence]


# ---- the base class: finding parameters by name --------------------------------


class Module:
    """Anything with parameters. Subclasses list the attributes that hold them.

    `_parameter_fields` names those attributes, in order; each holds a `Value`, a
    `Module` or a list of either. Every method below is built on one walk over
    them, so a new kind of module only has to say where its parameters live.
    """

    _parameter_fields: tuple[str, ...] = ()

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(dotted name, parameter) pairs, e.g. ("layers.0.neurons.3.w.1", Value).

        A `Value` shared by two places (tied weights) is listed once, under its
        first name, as in PyTorch: an optimizer must not step it twice."""
        found, seen = [], set()
        stack: list[tuple[str, object]] = [("", self)]  # an explicit stack, like every walk here
        while stack:
            name, item = stack.pop()
            if isinstance(item, Value):
                if id(item) not in seen:
                    seen.add(id(item))
                    found.append((name, item))
            else:
                stack.extend(reversed(_children(name, item)))
        return found

    def parameters(self) -> list[Value]:
        """Every trainable `Value`: layer by layer, neuron by neuron, weights then bias."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0 (do it before each `backward()`)."""
        for p in self.parameters():
            p.grad = 0.0

    def num_parameters(self) -> int:
        """How many numbers training adjusts."""
        return len(self.parameters())

    def state_dict(self) -> dict[str, float]:
        """Parameter name -> current value (plain floats, in parameter order)."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict, strict: bool = True) -> None:
        """Copy values from `state` (name -> number) into the parameters.

        With `strict`, names the model lacks or `state` lacks are errors. Values
        must be finite real numbers. Everything is checked before anything is
        written, so a refused state leaves the model as it was.
        """
        if not isinstance(state, dict):
            raise ValueError(f"load_state_dict needs a dict of name -> number, got {type(state).__name__}")
        params = dict(self.named_parameters())
        problems = []
        if strict:
            missing = [name for name in params if name not in state]
            unexpected = [name for name in state if name not in params]
            if missing:
                problems.append(f"missing: {some(missing)}")
            if unexpected:
                problems.append(f"unexpected: {some(unexpected)}")
        bad = [name for name in params if name in state and not is_finite_number(state[name])]
        if bad:
            problems.append(f"not finite numbers: {some(f'{name}={short(state[name])}' for name in bad)}")
        if problems:
            raise ValueError(f"load_state_dict into {self!r}: " + "; ".join(problems))
        for name, p in params.items():
            if name in state:
                p.data = float(state[name])  # a real number, checked above (never a Value)

    def _label_parameters(self) -> None:
        """Label each parameter with its dotted name, so graphs and gradcheck reports say which it is.

        Done once, by the outermost module: the modules it builds are made with
        `name_parameters=False`, since only it knows the full names."""
        for name, p in self.named_parameters():
            p.label = name


def _children(prefix: str, item) -> list[tuple[str, object]]:
    """The named things directly inside a module or a list of them."""
    if isinstance(item, Module):
        pairs = [(field, getattr(item, field)) for field in item._parameter_fields]
    else:
        pairs = [(str(i), child) for i, child in enumerate(item)]
    return [(f"{prefix}.{name}" if prefix else name, child) for name, child in pairs]


# ---- initial weights ------------------------------------------------------------


def _initial_weight(init: str, nin: int, fan_out: int, rng) -> float:
    """One starting weight. `uniform` is micrograd's U(-1, 1); `glorot` scales the
    range to the layer's size so activations neither explode nor vanish; `zeros`
    makes every neuron in a layer identical (the symmetry demo)."""
    if init == "uniform":
        return rng.uniform(-1, 1)
    if init == "glorot":
        limit = math.sqrt(6) / math.sqrt(nin + fan_out)
        return rng.uniform(-limit, limit)
    return 0.0


# ---- the three modules ---------------------------------------------------------


class Neuron(Module):
    """One neuron: act(w₁x₁ + … + wₙxₙ + b).

    `activation` is "relu", "tanh", "sigmoid" or "linear"; if it is not given,
    micrograd's `nonlin` decides (True: relu, False: linear). `init` is "uniform",
    "glorot" (which needs the layer's `fan_out`) or "zeros". Random numbers come
    from `rng` (a `random.Random`), or from the global `random` module, so that
    micrograd's `random.seed(1337)` habit still gives the same weights.
    `name_parameters=False` leaves the labels to a module that builds this one.
    """

    _parameter_fields = ("w", "b")

    def __init__(self, nin: int, nonlin: bool = True, activation: Optional[str] = None, init: str = "uniform",
                 rng: Optional[random.Random] = None, fused: bool = True, fan_out: int = 1, *,
                 name_parameters: bool = True):
        nin, fan_out = positive_int(nin, "Neuron nin"), positive_int(fan_out, "Neuron fan_out")
        flag(nonlin, "Neuron nonlin")
        if activation is None:
            activation = "relu" if nonlin else "linear"
        elif not nonlin and activation != "linear":
            raise ValueError(f"Neuron: nonlin=False means linear, but activation={short(activation)} was also given")
        known = activations()
        self.activation = choice(activation, tuple(known), "activation")
        self.init = choice(init, INITS, "init")
        self.fused = flag(fused, "Neuron fused")
        rng = rng or random
        self.w = [Value(_initial_weight(init, nin, fan_out, rng)) for _ in range(nin)]
        self.b = Value(0.0)
        self._activate = known[activation]
        self.place = ""  # where the neuron sits: its values are named z{place}, h{place} (see place())
        if name_parameters:
            self._label_parameters()

    def __call__(self, x: Input) -> Value:
        """The neuron's output for inputs `x` (numbers or `Value`s, or one `Value`).

        The values it makes are named as a textbook names them, by the neuron's place:
        `z1[3]` the pre-activation w·x + b, `h1[3]` the activation of it."""
        if isinstance(x, Value):
            x = (x,)
        act = dot(self.w, x, self.b) if self.fused else self._unfused_preactivation(x)
        act.label = self._names[0]
        if self._activate is None:
            return act
        out = self._activate(act)
        out.label = self._names[1]
        return out

    @property
    def place(self) -> str:
        """Where the neuron sits, "1[3]" for neuron 3 of layer 1: its values are named
        z1[3] (the pre-activation) and h1[3] (the activation)."""
        return self._place

    @place.setter
    def place(self, place: str) -> None:
        self._place = place
        self._names = (GivenName(f"z{place}"), GivenName(f"h{place}"))

    def _unfused_preactivation(self, x: Sequence) -> Value:
        """w·x + b as a chain: ((w₁x₁ + w₂x₂) + …) + b, one node per * and +.
        Added up in the order `dot` uses, so both give the same numbers (to rounding)."""
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: {len(self.w)} weights but {len(x)} inputs")
        act = self.w[0] * x[0]
        for wi, xi in zip(self.w[1:], x[1:]):
            act = act + wi * xi
        return act + self.b

    def config(self) -> dict:
        """The constructor arguments that rebuild this neuron's shape (not its weights)."""
        return {"nin": len(self.w), "activation": self.activation, "init": self.init, "fused": self.fused}

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r}{_fused_note(self.fused)})"


class Layer(Module):
    """`nout` neurons, each seeing all `nin` inputs. A layer of one neuron returns a
    `Value`; a wider one returns a list. Extra keyword arguments go to every `Neuron`."""

    _parameter_fields = ("neurons",)

    def __init__(self, nin: int, nout: int, *, name_parameters: bool = True, **neuron_kwargs):
        nout = positive_int(nout, "Layer nout")
        neuron_kwargs.setdefault("fan_out", nout)
        self.neurons = [Neuron(nin, **neuron_kwargs, name_parameters=False) for _ in range(nout)]
        self.place("")
        if name_parameters:
            self._label_parameters()

    def place(self, number) -> None:
        """Name the values this layer computes after its number in a network (an MLP
        numbers its layers from 1): neuron j makes z{number}[j] and h{number}[j]."""
        for j, neuron in enumerate(self.neurons):
            neuron.place = f"{number}[{j}]" if len(self.neurons) > 1 or number != "" else ""

    def __call__(self, x: Input) -> Union[Value, list[Value]]:
        """Every neuron's output for inputs `x`: a list, or one `Value` for a layer of one."""
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def config(self) -> dict:
        """The constructor arguments that rebuild this layer's shape (not its weights)."""
        first = self.neurons[0].config()
        return {"nin": first.pop("nin"), "nout": len(self.neurons), **first}

    def __repr__(self) -> str:
        first = self.neurons[0]
        return f"Layer({len(first.w)}, {len(self.neurons)}, activation={first.activation!r}{_fused_note(first.fused)})"


class MLP(Module):
    """A multi-layer perceptron: `nin` inputs, then a layer per entry of `nouts`.

    Hidden layers use `activation`, the last layer `output_activation`
    (micrograd: ReLU hidden, linear output). With `seed`, the weights are the
    same on every run and machine (`random.Random(seed)`); without it they come
    from the global `random`, as in micrograd.
    """

    _parameter_fields = ("layers",)

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu", output_activation: str = "linear",
                 init: str = "uniform", seed: Optional[int] = None, fused: bool = True):
        nin = positive_int(nin, "MLP nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"MLP nouts must be a non-empty list of layer sizes, got {short(nouts)}")
        sizes = [nin] + [positive_int(n, "MLP layer size") for n in nouts]
        self.nin, self.nouts = nin, sizes[1:]
        known = tuple(activations())
        self.activation = choice(activation, known, "MLP activation")
        self.output_activation = choice(output_activation, known, "MLP output_activation")
        self.init = choice(init, INITS, "MLP init")
        self.fused = flag(fused, "MLP fused")
        rng = random.Random(seed) if seed is not None else None
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation=output_activation if i == last else activation,
                  init=init, rng=rng, fused=fused, name_parameters=False)
            for i in range(len(nouts))
        ]
        for i, layer in enumerate(self.layers):
            layer.place(i + 1)
        self._label_parameters()

    def __call__(self, x: Input) -> Union[Value, list[Value]]:
        """The network's output for inputs `x`: each layer's outputs are the next one's inputs."""
        given = 1 if isinstance(x, Value) else len(x)
        if given != self.nin:  # checked once here, not in every neuron
            raise ValueError(f"{self!r} takes {self.nin} inputs, got {given}")
        for layer in self.layers:
            x = layer(x)
        return x

    def config(self) -> dict:
        """The constructor arguments that rebuild this network's shape (not its weights)."""
        return {"nin": self.nin, "nouts": list(self.nouts), "activation": self.activation,
                "output_activation": self.output_activation, "init": self.init, "fused": self.fused}

    def __repr__(self) -> str:
        c = self.config()
        return (f"MLP({c['nin']}, {c['nouts']}, activation={c['activation']!r}, "
                f"output_activation={c['output_activation']!r}{_fused_note(c['fused'])})")


def _fused_note(fused: bool) -> str:
    return "" if fused else ", fused=False"
