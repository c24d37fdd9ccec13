"""The same network in PyTorch: `to_torch(model)` and `from_torch(module)`.

    model = MLP(2, [16, 16, 1], seed=1)
    net = to_torch(model)      # Sequential(Linear(2, 16), ReLU(), Linear(16, 16), ReLU(), Linear(16, 1))
    net(torch.tensor([[0.5, -1.0]], dtype=torch.float64))   # model([0.5, -1.0]), to rounding
    back = from_torch(net)     # an MLP again, with the PyTorch weights

How the pieces map, one to one:

    Neuron i of a Layer    row i of a Linear's weight (its w), entry i of its bias (its b)
    Layer(nin, nout)       Linear(nin, nout), then its activation: ReLU(), Tanh(), Sigmoid(),
                           or nothing for "linear"
    MLP(nin, nouts)        those, layer after layer, in one Sequential

Everything is float64, as in stepgrad. Whether a neuron is `fused` (w·x + b as
one node or as a chain) changes the picture, not the numbers, so it has no
PyTorch counterpart; `from_torch(module, fused=...)` chooses it. PyTorch returns
a batch: for inputs of shape (N, nin) an output of shape (N, nout), where
stepgrad returns one `Value` for a layer of one neuron and a list otherwise.

PyTorch is an optional extra (`pip install 'stepgrad[torch]'`): it is imported
only when one of these functions is called, and a missing torch is an
`ImportError` that says how to install it.
"""

from __future__ import annotations

import math
from typing import Any, Union

from .module import MLP, Layer, Neuron, activations
from .serialize import MAX_PARAMETERS

#: stepgrad's activation names, and the PyTorch module class name each op names (`Op.torch`).
TORCH_ACTIVATIONS = {name: op.torch for name, op in activations().items() if op is not None and op.torch}


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError(
            "the PyTorch bridge needs PyTorch, an optional extra of stepgrad: "
            "pip install 'stepgrad[torch]'   (CPU torch 2.13.0)"
        ) from None
    return torch


# ---- stepgrad -> PyTorch ---------------------------------------------------------------


def to_torch(model: Union[MLP, Layer, Neuron]) -> Any:
    """A `torch.nn.Sequential` computing what `model` computes, with the same weights in float64.

    `model` is an `MLP`, a `Layer` or a `Neuron`. The PyTorch parameters are
    copies: training one does not change the other (use `from_torch` to bring
    weights back).
    """
    torch = _torch()
    modules = []
    for index, neurons in enumerate(_layers_of(model)):
        activation = _layer_activation(neurons, index)
        weights = [[w.data for w in neuron.w] for neuron in neurons]
        biases = [neuron.b.data for neuron in neurons]
        linear = torch.nn.Linear(len(weights[0]), len(weights), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(biases, dtype=torch.float64))
        modules.append(linear)
        if activation != "linear":
            modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[activation])())
    return torch.nn.Sequential(*modules)


def _layers_of(model) -> list[list[Neuron]]:
    """The neurons of each layer of `model`, layer by layer."""
    if isinstance(model, MLP):
        return [layer.neurons for layer in model.layers]
    if isinstance(model, Layer):
        return [model.neurons]
    if isinstance(model, Neuron):
        return [[model]]
    raise TypeError(f"to_torch needs an nn.MLP, nn.Layer or nn.Neuron, got {type(model).__name__}")


def _layer_activation(neurons: list[Neuron], index: int) -> str:
    """The one activation of a layer's neurons (a Linear is followed by one activation for all)."""
    activations = {neuron.activation for neuron in neurons}
    if len(activations) != 1:
        raise ValueError(f"to_torch: layer {index} mixes activations ({', '.join(sorted(activations))}); "
                         "a PyTorch Linear is followed by one activation for all its outputs")
    return activations.pop()


# ---- PyTorch -> stepgrad ---------------------------------------------------------------


def from_torch(module: Any, fused: bool = True) -> MLP:
    """An `MLP` with `module`'s weights: the reverse of `to_torch`.

    `module` is a `torch.nn.Sequential` of `Linear` layers (with bias), each
    followed by at most one of `ReLU`, `Tanh`, `Sigmoid` (or `Identity`); a
    single `Linear` also works. All hidden layers must share one activation,
    as in `MLP(nin, nouts, activation=..., output_activation=...)`. Anything
    else is a `ValueError` naming the module that does not fit, before anything
    is built: a module whose output is not what its class computes (a subclass
    with its own forward, a forward hook), weights without numbers (the meta
    device) or not real, and more than `MAX_PARAMETERS` parameters (the most
    `nn.load` reads too: every one becomes a `Value`).
    """
    torch = _torch()
    if isinstance(module, torch.nn.Linear):
        module = torch.nn.Sequential(module)
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(f"from_torch needs a torch.nn.Sequential (or a Linear), got {type(module).__name__}")
    _check_computes_as_its_class(torch, module, "the Sequential", torch.nn.Sequential)
    layers = _linear_layers(torch, module)
    activations = [activation for _, activation in layers]
    hidden = set(activations[:-1])
    if len(hidden) > 1:
        raise ValueError(f"from_torch: the hidden layers use different activations ({', '.join(activations[:-1])}); "
                         "stepgrad's MLP uses one activation for every hidden layer")
    linears = [linear for linear, _ in layers]
    count = sum((linear.in_features + 1) * linear.out_features for linear in linears)
    if count > MAX_PARAMETERS:
        raise ValueError(f"from_torch: the network has {count} parameters, more than from_torch builds "
                         f"({MAX_PARAMETERS}, as many as nn.load reads): each becomes a stepgrad Value")
    for previous, linear in zip(linears, linears[1:]):
        if linear.in_features != previous.out_features:
            raise ValueError(f"from_torch: a Linear with {previous.out_features} outputs is followed by one "
                             f"with {linear.in_features} inputs")
    model = MLP(linears[0].in_features, [linear.out_features for linear in linears],
                activation=hidden.pop() if hidden else "relu", output_activation=activations[-1],
                init="zeros", fused=fused)
    for layer, linear in zip(model.layers, linears):
        weights = linear.weight.detach().to(torch.float64).tolist()
        biases = linear.bias.detach().to(torch.float64).tolist()
        for neuron, row, bias in zip(layer.neurons, weights, biases):
            for w, x in zip(neuron.w, row):
                w.data = _finite(x, linear)
            neuron.b.data = _finite(bias, linear)
    return model


def _linear_layers(torch, sequential) -> list[tuple[Any, str]]:
    """(Linear, the activation after it) for each Linear; refuses anything else."""
    names = {getattr(torch.nn, cls): name for name, cls in TORCH_ACTIVATIONS.items()}
    names[torch.nn.Identity] = "linear"
    layers: list[list] = []
    for position, child in enumerate(sequential):
        if isinstance(child, torch.nn.Linear):
            _check_computes_as_its_class(torch, child, f"module {position}", torch.nn.Linear)
            if child.bias is None:
                raise ValueError(f"from_torch: module {position} ({child}) has no bias; "
                                 "every stepgrad neuron has one")
            _check_weights(child, position)
            layers.append([child, "linear"])
        elif type(child) in names:
            _check_computes_as_its_class(torch, child, f"module {position}", type(child))
            if not layers or layers[-1][1] != "linear":
                raise ValueError(f"from_torch: module {position} ({child}) does not follow a Linear")
            layers[-1][1] = names[type(child)]
        else:
            known = ", ".join(["Linear", *TORCH_ACTIVATIONS.values(), "Identity"])
            raise ValueError(f"from_torch: module {position} is {child!r}; stepgrad has these: {known}")
    if not layers:
        raise ValueError("from_torch: the Sequential has no Linear layer")
    return [(linear, activation) for linear, activation in layers]


def _check_computes_as_its_class(torch, module, which: str, cls: type) -> None:
    """Refuse a module whose output is not what `cls` computes: a subclass with its own
    forward (a scaled or LoRA Linear), or a forward hook that may change the output."""
    if type(module).forward is not cls.forward:
        raise ValueError(f"from_torch: {which} is a {type(module).__name__}, a {cls.__name__} with its own "
                         f"forward: its output need not be what a {cls.__name__} computes from its weights")
    hooks = [getattr(module, name, None) for name in ("_forward_hooks", "_forward_pre_hooks")]
    hooks += [getattr(torch.nn.modules.module, name, None)
              for name in ("_global_forward_hooks", "_global_forward_pre_hooks")]
    if any(hooks):
        raise ValueError(f"from_torch: {which} ({type(module).__name__}) runs forward hooks, which may change "
                         "its output; remove them first")


def _check_weights(linear, position: int) -> None:
    """Weights that hold real numbers, in the shapes the Linear says."""
    weight, bias = linear.weight, linear.bias
    if weight.is_meta or bias.is_meta:
        raise ValueError(f"from_torch: module {position} ({linear}) is on the meta device: its weights hold "
                         "no numbers to copy")
    if not (weight.is_floating_point() and bias.is_floating_point()):
        raise ValueError(f"from_torch: module {position} ({linear}) holds {weight.dtype} weights; "
                         "stepgrad's are real numbers")
    if tuple(weight.shape) != (linear.out_features, linear.in_features) or tuple(bias.shape) != (linear.out_features,):
        raise ValueError(f"from_torch: module {position} ({linear}) has a weight of shape {tuple(weight.shape)} "
                         f"and a bias of shape {tuple(bias.shape)}, not what its sizes say")


def _finite(x: float, linear) -> float:
    if not math.isfinite(x):
        raise ValueError(f"from_torch: {linear} holds a non-finite weight ({x!r})")
    return float(x)
