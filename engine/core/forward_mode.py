"""Forward mode: the derivative with respect to ONE input, carried upwards.

The same recorded local derivatives as the backward pass, walked the other way:
from the inputs up, each node's tangent (d node / d wrt) is

    tangent(node) = Σ local_grad × tangent(parent)

One forward pass gives the derivative of every node with respect to one input;
one backward pass gives the derivative of one output with respect to every
input. Demos compare the cost of the two.

Numbers follow the backward pass's rule: 0 × anything is 0; a nan, or an
infinite result, is an error. A constant's tangent is 0, like any number's.
"""

from __future__ import annotations

from .value import Constant, Value
from .walk import topological_order


def forward_grad(root: Value, wrt: Value) -> float:
    """d root / d wrt by forward mode, from the same recorded local derivatives."""
    if not isinstance(wrt, Value):
        raise TypeError(f"forward_grad: wrt must be a Value, got {type(wrt).__name__}")
    if type(wrt) is Constant:
        raise ValueError("forward_grad: wrt is a Constant, a number of the formula, which takes no gradient")
    tangent: dict[Value, float] = {wrt: 1.0}
    for node in topological_order(root):
        if node is wrt or not node.parents:
            continue
        total = 0.0
        for parent, local in zip(node.parents, node.local_grads):
            parent_tangent = tangent.get(parent, 0.0)
            if parent_tangent != 0.0 and local != 0.0:  # 0 × anything is 0, even × inf
                total += local * parent_tangent
        if total != total:
            raise ValueError(f"forward_grad: the tangent of {node.op or 'a node'} = {node.data!r} became nan")
        tangent[node] = total
    result = tangent.get(root, 0.0)
    if result - result != 0.0:
        raise OverflowError(f"forward_grad: d root / d wrt is {result!r}: the derivative does not exist as a number")
    return result
