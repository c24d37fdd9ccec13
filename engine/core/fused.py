"""Fused ops: many inputs, ONE node.

`add_all(values)` is Σ values and `dot(weights, inputs, bias)` is Σ wᵢ·xᵢ + b,
each as a single node with a parent per `Value` instead of a chain of `+` and
`*` nodes. The local derivatives are the ones a chain would give (1 for a term
of a sum; xᵢ for wᵢ and wᵢ for xᵢ), so gradients are the same; the graph is
smaller, and a neuron's pre-activation is one step of the backward pass.

A fused node's op records the node's shape when it is made — which parent is a
weight and which its input, which partner was a plain number, which parent is the
bias — so pictures, captions and generated code read it instead of working it
out from the numbers.
"""

from __future__ import annotations

import operator
from functools import lru_cache
from typing import Iterable, Optional, Sequence, Union

from .value import Constant, Value, as_float, lift, made_node

#: A term of a dot: the index of a parent, `RECORDED` (a plain number: the one recorded
#: as its partner's local derivative, ∂(w·x)/∂w = x) or, for a product of two plain
#: numbers, the number itself.
Factor = Union[int, None, float]
RECORDED = None


class Sum:
    """The op of an `add_all` node: the sum of its parents, each with local derivative 1."""

    name, symbol, form, arity, activation, code, exponent = "add_all", "Σ", "call", None, False, None, None

    def derivatives(self, *parents_and_out) -> tuple:
        """The derivative of a sum by each term is 1 (on numbers and on Values alike)."""
        return (1.0,) * (len(parents_and_out) - 1)

    def terms(self, node: Value) -> list[tuple]:
        """What the node adds up: one `(parent,)` per term, in order."""
        return [(parent,) for parent in node.parents]

    def write(self, args: list[str]) -> str:
        return f"Σ({', '.join(args)})"

    def __str__(self) -> str:
        return self.symbol

    def __repr__(self) -> str:
        return "Sum()"

    def __reduce__(self):
        return (_the_sum, ())


class Dot:
    """The op of a `dot` node, with its layout: `pairs` lists the products (w, x) in the
    order they are added, each factor a parent's index, `RECORDED` or a number (see
    `Factor`); `bias` is the bias's parent index, a plain number, or None."""

    name, form, arity, activation, code, exponent = "dot", "call", None, False, None, None
    __slots__ = ("pairs", "bias", "symbol")

    def __init__(self, pairs: tuple, bias: Union[int, float, None]):
        self.pairs, self.bias = pairs, bias
        self.symbol = "Σw·x" if bias is None else "Σw·x+b"

    def derivatives(self, *parents_and_out) -> tuple:
        """∂/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ (the partner Value itself, or the recorded number), ∂/∂b = 1."""
        *parents, out = parents_and_out
        local = [0.0] * len(parents)
        for w, x in self.pairs:
            if type(w) is int:
                local[w] = parents[x] if type(x) is int else out.local_grads[w]
            if type(x) is int:
                local[x] = parents[w] if type(w) is int else out.local_grads[x]
        if type(self.bias) is int:
            local[self.bias] = 1.0
        return tuple(local)

    def terms(self, node: Value) -> list[tuple]:
        """What the node adds up, in order: `(w, x)` per product (each a parent, or the
        plain number it stood for), then `(bias,)` (a parent or a plain number)."""
        def factor(f: Factor, partner: Factor):
            if type(f) is int:
                return node.parents[f]
            return node.local_grads[partner] if f is RECORDED else f
        terms = [(factor(w, x), factor(x, w)) for w, x in self.pairs]
        if self.bias is not None:
            terms.append((node.parents[self.bias] if type(self.bias) is int else self.bias,))
        return terms

    def write(self, args: list[str]) -> str:
        return f"{self.symbol}({', '.join(args)})"

    def __str__(self) -> str:
        return self.symbol

    def __repr__(self) -> str:
        return f"Dot(pairs={self.pairs!r}, bias={self.bias!r})"


SUM = Sum()


def _the_sum() -> Sum:
    return SUM


def add_all(values: Iterable, start=0.0) -> Value:
    """Σ values (+ start) as ONE node with a parent per value, not a chain of +.

    Every local derivative is 1. Plain numbers become `Constant` parents, and so
    does a `start` other than 0 (a `start` that is a Value is the first parent).
    """
    parents = [lift(v) for v in values]
    if isinstance(start, Value):
        parents.insert(0, start)
    elif as_float(start, "add_all start") != 0.0:
        parents.insert(0, Constant(start))
    numbers = [p.data for p in parents]
    total = sum(numbers, 0.0)
    if total - total != 0.0:  # nan or ±inf
        total = _finite(total, "add_all", numbers)
    return made_node(total, SUM, tuple(parents), (1.0,) * len(parents))


def dot(weights: Sequence, inputs: Sequence, bias: Optional[object] = None) -> Value:
    """Σ wᵢ·xᵢ (+ bias) as ONE node: a neuron's pre-activation in a single step.

    Each `Value` among the weights, the inputs and the bias becomes a parent, in
    that order (weights, then inputs, then bias); the local derivative for wᵢ is
    xᵢ, for xᵢ it is wᵢ, for the bias 1. Plain numbers take part in the sum but
    are not parents: a data point's features need no node of their own.
    """
    weights, inputs = tuple(weights), tuple(inputs)
    n = len(weights)
    if n != len(inputs):
        raise ValueError(f"dot: {n} weights but {len(inputs)} inputs")
    if bias is not None and not isinstance(bias, Value):
        bias = as_float(bias, "dot bias")
    weight_kinds, input_kinds = set(map(type, weights)), set(map(type, inputs))
    if weight_kinds == input_kinds == _VALUES:  # a hidden layer, an attention row: every factor a parent
        w_data, x_data = list(map(_data, weights)), list(map(_data, inputs))
        parents, local_grads = weights + inputs, x_data + w_data  # ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ
        op = _dot_of_values(n, bias is not None) if type(bias) is not float else Dot(_dot_of_values(n, False).pairs, bias)
    elif weight_kinds == _VALUES and input_kinds <= _FLOATS and type(bias) is not float:  # a first layer
        w_data = list(map(_data, weights))
        x_data = [x if type(x) is float and x - x == 0.0 else as_float(x, "dot input") for x in inputs]
        parents, local_grads = weights, x_data[:]  # ∂/∂wᵢ = xᵢ, the data point's number
        op = _dot_with_number_inputs(n, bias is not None)
    else:
        w_data, x_data = _numbers(weights, "dot weight"), _numbers(inputs, "dot input")
        parents, local_grads, op = _mixed(weights, inputs, w_data, x_data, bias)
    total = sum(map(operator.mul, w_data, x_data))
    if isinstance(bias, Value):
        parents += (bias,)
        local_grads.append(1.0)
        total += bias.data
    elif bias is not None:
        total += bias
    if type(total) is not float or total - total != 0.0:  # no terms at all (the int 0), or not finite
        total = _finite(total, "dot", w_data + x_data)
    return made_node(total, op, parents, tuple(local_grads))


@lru_cache(maxsize=None)
def _dot_of_values(n: int, has_bias: bool) -> Dot:
    """The layout of a dot of n Values with n Values: parents w₀…wₙ₋₁, x₀…xₙ₋₁ (, b)."""
    return Dot(tuple((i, n + i) for i in range(n)), 2 * n if has_bias else None)


def _mixed(weights: tuple, inputs: tuple, w_data: list, x_data: list, bias):
    """Parents, local derivatives and layout of a dot where some factors are plain numbers."""
    parents, local_grads, index = [], [], {}
    # keyed by side, not by `items is inputs`: dot(t, t) passes one tuple as both sides
    for is_input, items, partners in ((False, weights, x_data), (True, inputs, w_data)):
        for i, item in enumerate(items):
            if isinstance(item, Value):
                index[id(item), i, is_input] = len(parents)
                parents.append(item)
                local_grads.append(partners[i])  # ∂(w·x)/∂w = x: the partner's number
    pairs = []
    for i, (w, x) in enumerate(zip(weights, inputs)):
        w_at = index.get((id(w), i, False)) if isinstance(w, Value) else None
        x_at = index.get((id(x), i, True)) if isinstance(x, Value) else None
        if w_at is None and x_at is None:
            pairs.append((w_data[i], x_data[i]))  # two plain numbers: a constant term
        else:
            pairs.append((w_at, x_at))  # a None here: RECORDED, the partner's local derivative
    bias_at = len(parents) if isinstance(bias, Value) else bias
    if all(type(w) is int for w, _ in pairs) and all(x is RECORDED for _, x in pairs) and type(bias_at) is not float:
        op = _dot_with_number_inputs(len(pairs), bias_at is not None)  # a first layer: shared
    else:
        op = Dot(tuple(pairs), bias_at)
    return tuple(parents), local_grads, op


@lru_cache(maxsize=None)
def _dot_with_number_inputs(n: int, has_bias: bool) -> Dot:
    """The layout of a dot of n weight Values with n plain numbers (a network's first layer)."""
    return Dot(tuple((i, RECORDED) for i in range(n)), n if has_bias else None)


def _numbers(items: tuple, what: str) -> list[float]:
    """Every item's number (a Value's data, or the plain number checked)."""
    return [item.data if isinstance(item, Value) else as_float(item, what) for item in items]


def _finite(total, name: str, numbers: list[float]) -> float:
    """`total` as a float, or the policy's error for a sum that is not finite."""
    total = float(total)  # sum() of an empty list is the int 0
    if total - total != 0.0:  # nan or ±inf
        shown = ", ".join(repr(x) for x in numbers[:4]) + (", ..." if len(numbers) > 4 else "")
        if total != total:
            raise ValueError(f"{name}({shown}): the result is not a number (nan)")
        raise OverflowError(f"{name}({shown}): the result is too large for a float")
    return total


_data = operator.attrgetter("data")
_VALUES = {Value}
_FLOATS = {float, int}
