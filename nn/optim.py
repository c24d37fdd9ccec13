"""Optimizers: turn the gradients that `backward()` left in `.grad` into better parameters.

    opt = SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 100)   # micrograd's schedule
    for k in range(100):
        loss = ...
        opt.zero_grad()
        loss.backward()
        opt.step()

`lr` is a number or a function of the step index k (0 for the first `step()`).
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, Union

from engine import Value

LearningRate = Union[float, Callable[[int], float]]


class Optimizer:
    """What every optimizer shares: the parameters, the step count and the learning rate."""

    def __init__(self, params: Iterable[Value], lr: LearningRate):
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: the parameter list is empty")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{type(self).__name__}: params[{i}] is a {type(p).__name__}, not a Value")
        if not callable(lr):
            _non_negative(lr, f"{type(self).__name__} lr")
        self.lr = lr
        self.steps = 0  #: how many times step() has run

    def current_lr(self) -> float:
        """The learning rate the next `step()` will use."""
        if not callable(self.lr):
            return self.lr
        return _non_negative(self.lr(self.steps), f"{type(self).__name__} lr({self.steps})")

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0 (gradients of leaves accumulate otherwise)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter once, using its current `.grad`."""
        self._update(self.current_lr())
        self.steps += 1

    def _update(self, lr: float) -> None:
        raise NotImplementedError


def _non_negative(x, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not x >= 0 or not math.isfinite(x):
        raise ValueError(f"{what} must be a finite number >= 0, got {x!r}")
    return float(x)


def _fraction(x, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0.0 <= x < 1.0:
        raise ValueError(f"{what} must be a number in [0, 1), got {x!r}")
    return float(x)


class SGD(Optimizer):
    """Stochastic gradient descent: p ← p − lr · v.

    Without momentum v is the gradient g (plus weight_decay · p, the gradient of
    ½·weight_decay·p²). With momentum μ, v ← μ·v + g: a running sum that keeps
    moving in directions the gradient keeps pointing (PyTorch's formula).
    """

    def __init__(self, params: Iterable[Value], lr: LearningRate, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.momentum = _fraction(momentum, "SGD momentum")
        self.weight_decay = _non_negative(weight_decay, "SGD weight_decay")
        self.velocity = [0.0] * len(self.params)

    def _update(self, lr: float) -> None:
        mu, decay, velocity = self.momentum, self.weight_decay, self.velocity
        for i, p in enumerate(self.params):
            g = p.grad + decay * p.data
            if mu:  # velocity starts at 0, so the first step is plain g, as in PyTorch
                g = velocity[i] = mu * velocity[i] + g
            p.data -= lr * g


class Adam(Optimizer):
    """Adam: SGD with a per-parameter step size.

    m ← β₁·m + (1 − β₁)·g        a running mean of the gradient
    v ← β₂·v + (1 − β₂)·g²       a running mean of its square
    p ← p − lr · m̂ / (√v̂ + ε)   m̂, v̂: m, v corrected for starting at 0
    """

    def __init__(self, params: Iterable[Value], lr: LearningRate = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8):
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam betas must be a pair (beta1, beta2), got {betas!r}")
        self.beta1, self.beta2 = _fraction(betas[0], "Adam beta1"), _fraction(betas[1], "Adam beta2")
        if not _non_negative(eps, "Adam eps") > 0:
            raise ValueError(f"Adam eps must be > 0, got {eps!r}")
        self.eps = float(eps)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def _update(self, lr: float) -> None:
        b1, b2, m, v = self.beta1, self.beta2, self.m, self.v
        t = self.steps + 1
        correction1, correction2 = 1 - b1 ** t, 1 - b2 ** t
        for i, p in enumerate(self.params):
            g = p.grad
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            p.data -= lr * (m[i] / correction1) / (math.sqrt(v[i] / correction2) + self.eps)
