"""Walking the graph: topological order, zeroing gradients, forward mode.

Nothing here recurses: a student's graph may be a million nodes deep, far past
Python's recursion limit, so every walk keeps its own explicit stack.
"""

from __future__ import annotations

from .value import Value


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on (itself included), each after all its parents.

    A depth-first search with an explicit stack instead of recursion. When a
    node is first popped it goes back on the stack under a `_PARENTS_DONE`
    marker, with its unvisited parents on top; by the time the marker comes
    off again, every parent has been placed, so the node can follow them.
    Parents are visited in argument order, so the order is the same every run.
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order needs a Value, got {type(root).__name__}")
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is _PARENTS_DONE:
            order.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            if not node.parents:  # a leaf waits for nothing: place it at once
                order.append(node)
                continue
            stack.append(node)
            stack.append(_PARENTS_DONE)
            for parent in reversed(node.parents):
                if parent not in visited:
                    stack.append(parent)
    return order


#: The stack marker in `topological_order` (not a Value, so never confused with one).
_PARENTS_DONE = object()


def zero_grad(root: Value) -> None:
    """Set `.grad` to 0 on every node of `root`'s graph (leaves included)."""
    for node in topological_order(root):
        node.grad = 0.0


def forward_grad(root: Value, wrt: Value) -> float:
    """d root / d wrt by forward mode, from the same recorded local derivatives.

    Walks the graph once from the inputs up, carrying each node's tangent
    (d node / d wrt) = Σ local_grad × tangent(parent). One forward pass gives the
    derivative with respect to ONE input; reverse mode gives all of them at once.
    """
    if not isinstance(wrt, Value):
        raise TypeError(f"forward_grad: wrt must be a Value, got {type(wrt).__name__}")
    tangent: dict[Value, float] = {wrt: 1.0}
    for node in topological_order(root):
        if node is wrt or not node.parents:
            continue
        total = 0.0
        for parent, local in zip(node.parents, node.local_grads):
            parent_tangent = tangent.get(parent, 0.0)
            if parent_tangent:
                total += local * parent_tangent
        tangent[node] = total
    return tangent.get(root, 0.0)
