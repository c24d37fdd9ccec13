"""Optimizers: turn the gradients that `backward()` left in `.grad` into better parameters.

    opt = SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 100)   # micrograd's schedule
    for k in range(100):
        loss = ...
        opt.zero_grad()
        loss.backward()
        opt.step()

`lr` is a number or a function of the step index k (0 for the first `step()`).
Every setting may be any real number (int, float, numpy float, Fraction).

A step is all or nothing: the new value of every parameter (and the optimizer's
running averages) is computed first and checked to be finite, and only then
written. A step that would make any number nan or infinite raises
`DivergenceError` and changes nothing, so a model never ends up half updated.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, Union

from engine import Value

from .checks import non_negative, unit_fraction

LearningRate = Union[float, Callable[[int], float]]


class DivergenceError(ArithmeticError):
    """A step would have made a parameter nan or infinite (the parameters are left as they were)."""


class Optimizer:
    """What every optimizer shares: the parameters, the step count and the learning rate.

    A subclass says how to compute one step in `_proposal(lr)`: the new value of
    every parameter, and its new running state, without writing anything.
    """

    def __init__(self, params: Iterable[Value], lr: LearningRate):
        name = type(self).__name__
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: the parameter list is empty")
        first_place: dict[int, int] = {}
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{name}: params[{i}] is a {type(p).__name__}, not a Value")
            # The same Value twice would be stepped twice per step(): twice the learning rate, silently.
            j = first_place.setdefault(id(p), i)
            if j != i:
                raise ValueError(f"{name}: params[{i}] is the same Value as params[{j}]{_named(p)}; "
                                 "list each parameter once")
        if not callable(lr):
            lr = non_negative(lr, f"{name} lr")
        self.lr = lr
        self.steps = 0  #: how many times step() has run

    def current_lr(self) -> float:
        """The learning rate the next `step()` will use."""
        if not callable(self.lr):
            return self.lr
        return non_negative(self.lr(self.steps), f"{type(self).__name__} lr({self.steps})")

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0 (gradients of leaves accumulate otherwise)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter once, using its current `.grad`: all of them, or (on an error) none."""
        lr = self.current_lr()
        new_data, new_state = self._proposal(lr)
        self._check_finite(new_data, new_state, lr)
        old_data, old_state = [p.data for p in self.params], {name: getattr(self, name) for name in new_state}
        try:
            self._write(new_data, new_state)
        except BaseException:  # e.g. an impatient second Ctrl-C arriving mid-write: put everything back
            self._write(old_data, old_state)
            raise
        self.steps += 1

    def _write(self, data: list[float], state: dict[str, list[float]]) -> None:
        for name, numbers in state.items():
            setattr(self, name, numbers)
        for p, x in zip(self.params, data):
            p.data = x

    def _proposal(self, lr: float) -> tuple[list[float], dict[str, list[float]]]:
        """The parameters' new values and the new running state (attribute name -> list), written nowhere."""
        raise NotImplementedError

    def _check_finite(self, new_data: list[float], new_state: dict[str, list[float]], lr: float) -> None:
        for i, x in enumerate(new_data):
            if not math.isfinite(x):
                p = self.params[i]
                raise DivergenceError(
                    f"{type(self).__name__} step {self.steps}: params[{i}]{_named(p)} would become {x!r} "
                    f"(value {p.data!r}, gradient {_gradient(p)!r}, lr {lr!r}); nothing was changed")
        for name, numbers in new_state.items():
            for i, x in enumerate(numbers):
                if not math.isfinite(x):
                    raise DivergenceError(
                        f"{type(self).__name__} step {self.steps}: its {name}[{i}] would become {x!r} "
                        f"(gradient {_gradient(self.params[i])!r}); nothing was changed")


def _gradient(p: Value) -> float:
    """The number in `p.grad` (a `Value` after `backward(create_graph=True)`)."""
    return p.grad.data if isinstance(p.grad, Value) else p.grad


def _named(p: Value) -> str:
    return f" ({p.label})" if p.label else ""


class SGD(Optimizer):
    """Stochastic gradient descent: p ← p − lr · v.

    Without momentum v is the gradient g (plus weight_decay · p, the gradient of
    ½·weight_decay·p²). With momentum μ, v ← μ·v + g: a running sum that keeps
    moving in directions the gradient keeps pointing (PyTorch's formula).
    """

    def __init__(self, params: Iterable[Value], lr: LearningRate, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.momentum = unit_fraction(momentum, "SGD momentum")
        self.weight_decay = non_negative(weight_decay, "SGD weight_decay")
        self.velocity = [0.0] * len(self.params)

    def _proposal(self, lr: float) -> tuple[list[float], dict[str, list[float]]]:
        mu, decay = self.momentum, self.weight_decay
        gradients = [_gradient(p) + decay * p.data for p in self.params]
        if not mu:
            return [p.data - lr * g for p, g in zip(self.params, gradients)], {}
        # velocity starts at 0, so the first step is plain g, as in PyTorch
        velocity = [mu * v + g for v, g in zip(self.velocity, gradients)]
        return [p.data - lr * v for p, v in zip(self.params, velocity)], {"velocity": velocity}


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
        self.beta1, self.beta2 = unit_fraction(betas[0], "Adam beta1"), unit_fraction(betas[1], "Adam beta2")
        self.eps = non_negative(eps, "Adam eps")
        if not self.eps > 0:
            raise ValueError(f"Adam eps must be > 0, got {eps!r}")
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def _proposal(self, lr: float) -> tuple[list[float], dict[str, list[float]]]:
        b1, b2, eps = self.beta1, self.beta2, self.eps
        t = self.steps + 1
        correction1, correction2 = 1 - b1 ** t, 1 - b2 ** t
        gradients = [_gradient(p) for p in self.params]
        m = [b1 * m_i + (1 - b1) * g for m_i, g in zip(self.m, gradients)]
        v = [b2 * v_i + (1 - b2) * g * g for v_i, g in zip(self.v, gradients)]
        new_data = [p.data - lr * (m_i / correction1) / (math.sqrt(v_i / correction2) + eps)
                    for p, m_i, v_i in zip(self.params, m, v)]
        return new_data, {"m": m, "v": v}
