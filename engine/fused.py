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

from . import hot_paths
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
    if total - total != 0.0:  # nan or ±inf
        total = _finite(total, "add_all", [p.data for p in parents])
    return _node(total, SUM, tuple(parents), (1.0,) * len(parents))


def dot(weights: Sequence, inputs: Sequence, bias: Optional[object] = None) -> Value:
    """Σ wᵢ·xᵢ (+ bias) as ONE node: a neuron's pre-activation in a single step.

    Each `Value` among the weights, the inputs and the bias becomes a parent, in
    that order (weights, then inputs, then bias); the local derivative for wᵢ is
    xᵢ, for xᵢ it is wᵢ, for the bias 1. Plain numbers take part in the sum but
    are not parents: a data point's features need no node of their own.
    """
    weights, inputs = tuple(weights), tuple(inputs)
    if len(weights) != len(inputs):
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs")
    if {*map(type, weights), *map(type, inputs)} == _VALUES_ONLY and (bias is None or type(bias) is Value):
        return _dot_of_values(weights, inputs, bias)  # the same node, its steps written out (hot_paths.py)
    return _dot(weights, inputs, bias)


def _dot(weights: tuple, inputs: tuple, bias) -> Value:
    """`dot`'s general steps: any mix of numbers and `Value`s."""
    weights, inputs = list(weights), list(inputs)
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
    if type(total) is not float or total - total != 0.0:  # no terms at all (0), or not finite
        total = _finite(total, "dot", w_data + x_data)
    # the op that knows the layout (for gradients of gradients): one of two shared ones, nearly always
    if not w_nodes or not x_nodes:
        op = DOT_WITH_NUMBER_PARTNERS if isinstance(bias, Value) else DOT_WITH_NUMBER_PARTNERS_NO_BIAS
    elif len(w_nodes) == len(weights) and len(x_nodes) == len(inputs):
        op = DOT_OF_VALUES
    else:
        op = _mixed_dot_op(weights, inputs, isinstance(bias, Value))
    return _node(total, op, tuple(parents), tuple(local_grads))


# ---- the op on a fused node: its symbol, and its Value-aware derivative rule ----------
# The float pass reads the recorded local derivatives like any node's. For gradients
# of gradients (backward(create_graph=True)) the walk asks the node's op for the same
# derivatives as Values: `op.derivatives(*parents, out)`, as for every `Op`. The
# objects are shared, one per layout, so a dot costs no more than before.


class FusedOp(str):
    """The `op` of an `add_all` or `dot` node: a str (its symbol, as before) that also
    knows the node's derivative rule, written on Values."""

    def __new__(cls, symbol: str, derivatives, has_bias: Optional[bool] = None):
        op = super().__new__(cls, symbol)
        op.derivatives = derivatives
        # a dot's last parent is its bias (True) or not (False); None: its layout tells
        # (a dot of Values has a bias when its number of parents is odd)
        op.has_bias = has_bias
        return op


def _every_one(*parents_and_out) -> tuple:
    """Σ's rule: the derivative of a sum by each term is 1."""
    return (1.0,) * (len(parents_and_out) - 1)


def _recorded(*parents_and_out) -> tuple:
    """A dot whose every partner is a plain number: its recorded derivatives are constants."""
    return parents_and_out[-1].local_grads


def _paired(*parents_and_out) -> tuple:
    """A dot of Values with Values: parents w₁…wₙ, x₁…xₙ (and b); ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1."""
    *parents, out = parents_and_out
    n = len(parents) // 2
    return tuple(parents[n:2 * n]) + tuple(parents[:n]) + (1.0,) * (len(parents) % 2)


def _with_partners(partners: tuple):
    """The rule of a dot mixing Values and numbers: `partners[k]` is the index of
    parent k's partner among the parents, or None when the partner is a number."""
    def derivatives(*parents_and_out) -> tuple:
        *parents, out = parents_and_out
        recorded = out.local_grads
        return tuple(recorded[k] if j is None else parents[j] for k, j in enumerate(partners)) \
            + recorded[len(partners):]  # the bias: 1
    return derivatives


def _in_pairs(*parents_and_out) -> tuple:
    """Σw·x's rule (a sum() of products folded into one node, hot_paths.py): parents in
    pairs (w, x), after a plain first term when their number is odd; ∂/∂w = x, ∂/∂x = w,
    ∂/∂first = 1."""
    *parents, out = parents_and_out
    first = len(parents) % 2
    return (1.0,) * first + tuple(parents[i + 1 if (i - first) % 2 == 0 else i - 1]
                                  for i in range(first, len(parents)))


SUM = FusedOp("Σ", _every_one)
SUM_OF_PRODUCTS = FusedOp("Σw·x", _in_pairs)
hot_paths.running_sums_make(SUM, SUM_OF_PRODUCTS)  # a builtin sum() folded into one node makes these
DOT = "Σw·x+b"
DOT_WITH_NUMBER_PARTNERS = FusedOp(DOT, _recorded, has_bias=True)
DOT_WITH_NUMBER_PARTNERS_NO_BIAS = FusedOp(DOT, _recorded, has_bias=False)
DOT_OF_VALUES = FusedOp(DOT, _paired)


def _mixed_dot_op(weights: list, inputs: list, has_bias: bool) -> FusedOp:
    """The op of a dot with Values and numbers mixed: per Value, where its partner is among the parents."""
    position, at = 0, []
    for item in weights + inputs:
        at.append(position if isinstance(item, Value) else None)
        position += isinstance(item, Value)
    n = len(weights)
    partners = tuple(at[n + i] for i, w in enumerate(weights) if isinstance(w, Value)) \
        + tuple(at[i] for i, x in enumerate(inputs) if isinstance(x, Value))
    return FusedOp(DOT, _with_partners(partners), has_bias)


def _finite(total, name: str, numbers: list[float]) -> float:
    """`total` as a float, or the policy's error for a sum that is not finite."""
    total = float(total)  # sum() of an empty list is the int 0
    if total - total != 0.0:  # nan or ±inf
        shown = ", ".join(repr(x) for x in numbers[:4]) + (", ..." if len(numbers) > 4 else "")
        if total != total:
            raise ValueError(f"{name}({shown}): the result is not a number (nan)")
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


_VALUES_ONLY = {Value}
_dot_of_values = hot_paths.written_out_dot(_node, _finite, DOT_OF_VALUES)
