"""stepgrad's neural networks, built on the engine's `Value`s.

micrograd's code runs with only its imports changed:

    from nn import MLP
    model = MLP(2, [16, 16, 1])
    score = model([2.0, 3.0])

The pieces, one file per idea:

- checks.py    the argument checks the others share (each rule once)
- module.py    `Module`, `Neuron`, `Layer`, `MLP`
- losses.py    MSE, binary cross-entropy (from probabilities or logits), hinge,
               softmax and cross-entropy (one example or a batch), L2, accuracy
- optim.py     `SGD` (with momentum and weight decay) and `Adam`
- data.py      toy datasets: moons, XOR, circles, spirals
- train.py     `fit`, the training loop, and its `History`
- serialize.py `save` and `load` (JSON, written atomically)
- torch_bridge.py `to_torch` and `from_torch`: the same network in PyTorch (optional extra)
"""

from .module import ACTIVATIONS, INITS, MLP, Layer, Module, Neuron
from .losses import (accuracy, binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, hinge_loss, l2,
                     mean_cross_entropy, mse_loss, softmax)
from .optim import SGD, Adam, DivergenceError, Optimizer
from .data import make_circles, make_moons, make_spirals, make_xor
from .train import LOSSES, History, fit
from .serialize import load, save
from .torch_bridge import from_torch, to_torch

__all__ = [
    "Module", "Neuron", "Layer", "MLP", "ACTIVATIONS", "INITS",
    "mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "hinge_loss", "softmax",
    "cross_entropy", "mean_cross_entropy", "l2", "accuracy",
    "Optimizer", "SGD", "Adam", "DivergenceError",
    "make_moons", "make_xor", "make_circles", "make_spirals",
    "fit", "History", "LOSSES",
    "save", "load",
    "to_torch", "from_torch",
]
