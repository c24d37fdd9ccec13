"""Fused ops: many inputs, ONE node.

`add_all(values)` is Σ values and `dot(weights, inputs, bias)` is Σ wᵢ·xᵢ + b,
each as a single node with a parent per `Value` instead of a chain of `+` and
`*` nodes. The local derivatives are the ones a chain would give (1 for a term
of a sum; xᵢ for wᵢ and wᵢ for xᵢ), so gradients are the same; the graph is
smaller, and a neuron's pre-activation is one step of the backward pass.
"""

from __future__ import annotations

import operator
from typing import Iterable, Optional, Sequence

from .value import Value, _node, as_float, lift


def add_all(values: Iterable, start=0.0) -> Value:
    """Σ values (+ start) as ONE node with a parent per value, not a chain of +.

    Every local derivative is 1. Plain numbers are lifted to constant leaves.
    """
    parents = [lift(v) for v in values]
    if isinstance(start, Value):
        parents.insert(0, start)
        start = 0.0
    total = sum([p.data for p in parents], as_float(start, "add_all start"))
    return _node(_finite(total, "add_all", parents), "Σ", tuple(parents), (1.0,) * len(parents))


def dot(weights: Sequence, inputs: Sequence, bias: Optional[object] = None) -> Value:
    """Σ wᵢ·xᵢ (+ bias) as ONE node: a neuron's pre-activation in a single step.

    Each `Value` among the weights, the inputs and the bias becomes a parent, in
    that order (weights, then inputs, then bias); the local derivative for wᵢ is
    xᵢ, for xᵢ it is wᵢ, for the bias 1. Plain numbers take part in the sum but
    are not parents: a data point's features need no node of their own.
    """
    weights, inputs = list(weights), list(inputs)
    if len(weights) != len(inputs):
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs")
    w_data, w_nodes = _numbers_and_nodes(weights, "dot weight")
    x_data, x_nodes = _numbers_and_nodes(inputs, "dot input")
    parents = w_nodes + x_nodes
    # ∂/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ, for the Values among them
    local_grads = _partners(weights, w_nodes, x_data) + _partners(inputs, x_nodes, w_data)
    total = sum(map(operator.mul, w_data, x_data))
    if isinstance(bias, Value):
        parents.append(bias)
        local_grads.append(1.0)
        total += bias.data
    elif bias is not None:
        total += as_float(bias, "dot bias")
    return _node(_finite(total, "dot", parents), "Σw·x+b", tuple(parents), tuple(local_grads))


def _finite(total, name: str, parents: list) -> float:
    """`total` as a float, or the policy's error: a sum too large for a float."""
    total = float(total)  # sum() of an empty list is the int 0
    if total - total != 0.0:  # nan or ±inf
        shown = ", ".join(repr(p.data) for p in parents[:4]) + (", ..." if len(parents) > 4 else "")
        raise OverflowError(f"{name}({shown}): the result is too large for a float")
    return total


def _numbers_and_nodes(items: list, what: str) -> tuple[list[float], list[Value]]:
    """Every item's number, and the items that are `Value`s (the ones that become parents)."""
    nodes = [v for v in items if isinstance(v, Value)]
    if len(nodes) == len(items):  # all Values (weights, a hidden layer's inputs)
        return list(map(_data, nodes)), nodes
    if not nodes:  # all plain numbers (a data point)
        return [as_float(v, what) for v in items], nodes
    return [v.data if isinstance(v, Value) else as_float(v, what) for v in items], nodes


def _partners(items: list, nodes: list[Value], partner_numbers: list[float]) -> list[float]:
    """The local derivative of each Value among `items`: the number it is multiplied by."""
    if len(nodes) == len(items):
        return partner_numbers
    if not nodes:
        return []
    return [n for item, n in zip(items, partner_numbers) if isinstance(item, Value)]


_data = operator.attrgetter("data")
