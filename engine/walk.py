"""The backward pass, on one page: put the nodes in order, then apply the chain rule.

1. `topological_order(root)`: every node after all of its parents.
2. Walk that order backwards, from the root. When a node is reached, every node
   that uses it has already passed its share back, so `node.grad` (d root / d node,
   the "upstream" gradient) is complete; pass it on to each parent:

       contribution = local_grad × upstream
       parent.grad += contribution

`backward()` is this walk; `backward_steps()` is the same walk, reporting each
edge as a `BackwardStep`. Nothing here recurses (a graph may be a million nodes
deep, far past Python's recursion limit): every walk keeps its own stack.

Numbers (the README's "Numbers: the policy"): a zero on either side of the
product contributes 0, even against an infinite local derivative (sqrt at 0);
a gradient that becomes nan, or a leaf's gradient that becomes ±inf, is an
error naming the edge.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple

from .value import Value, as_float


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on (itself included), each after all its parents.

    A depth-first search with an explicit stack instead of recursion. When a
    node is first popped it goes back on the stack under a `_PARENTS_DONE`
    marker, with its unplaced parents on top; by the time the marker comes off
    again, every parent has been placed, so the node can follow them. Parents
    are visited in argument order, so the order is the same every run. A node
    met again while its own parents are being placed is its own ancestor: a
    cycle, which only a hand-edited `parents` tuple can make.
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order needs a Value, got {type(root).__name__}")
    order: list[Value] = []
    placed: dict[Value, bool] = {}  # True once placed; False while its parents are being placed
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is _PARENTS_DONE:
            node = stack.pop()
            placed[node] = True
            order.append(node)
        elif node not in placed:
            if not node.parents:  # a leaf waits for nothing: place it at once
                placed[node] = True
                order.append(node)
                continue
            placed[node] = False
            stack.append(node)
            stack.append(_PARENTS_DONE)
            for parent in reversed(node.parents):
                if parent not in placed:
                    stack.append(parent)
                elif not placed[parent]:  # met again before it is placed: it is an ancestor
                    raise ValueError(_cycle_message(node, parent))
    return order


#: The stack marker in `topological_order` (not a Value, so never confused with one).
_PARENTS_DONE = object()


class BackwardStep(NamedTuple):
    """One application of the chain rule along one edge (node -> parent)."""

    index: int                 #: 0-based position of this step in the pass
    node: Value                #: the node whose gradient is being passed back
    parent: Value              #: the parent receiving a share of it
    position: int              #: the parent's index in node.parents (`a + a` has two edges)
    local_grad: float          #: ∂node/∂parent, recorded in the forward pass
    upstream: float            #: node.grad: ∂out/∂node, complete by now
    contribution: float        #: local_grad × upstream
    parent_grad_before: float  #: parent.grad before this step
    parent_grad: float         #: parent.grad after: parent_grad_before + contribution

    def caption(self, fmt: str = ".4f", name=None) -> str:
        """The step's arithmetic, e.g.
        ``a.grad += ∂c/∂a × c.grad = (-3.0000) × (1.0000) = -3.0000  →  a.grad = -3.0000``.

        `name(value)` gives a node's name; by default its label, or its op.
        """
        name = name or (lambda v: v.label or v.op or "leaf")
        n, p = name(self.node), name(self.parent)
        return (
            f"{p}.grad += ∂{n}/∂{p} × {n}.grad = ({self.local_grad:{fmt}}) × ({self.upstream:{fmt}})"
            f" = {self.contribution:{fmt}}  →  {p}.grad = {self.parent_grad:{fmt}}"
        )


def backward(root: Value, grad: float = 1.0) -> None:
    """Accumulate d root / d leaf into every leaf's `.grad` (see `Value.backward`)."""
    for _ in _chain_rule(root, _seed(root, grad), record=False):
        pass


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[BackwardStep]:
    """Run the backward pass one edge at a time, yielding a `BackwardStep` each.

    Exhausting the generator is exactly `root.backward(grad)`. Gradients are
    reset (interior) when the first step is requested.
    """
    return _chain_rule(root, _seed(root, grad), record=True)


def _chain_rule(root: Value, grad: float, record: bool) -> Iterator[BackwardStep]:
    """The one backward walk. With `record`, it yields a step per edge."""
    order = topological_order(root)
    for node in order:
        if node.parents:  # interior gradients are recomputed; leaves accumulate
            node.grad = 0.0
    root.grad += grad
    index = 0
    for node in reversed(order):
        upstream = node.grad
        if not record and (upstream == 0.0 or not node.parents):
            continue  # nothing to pass back: every contribution would be 0, or there is no parent
        position = 0
        for parent, local in zip(node.parents, node.local_grads):
            contribution = local * upstream
            before = parent.grad
            after = before + contribution
            if after - after != 0.0:  # nan or ±inf (a cheap test, no call): the policy decides
                contribution, after = _by_the_policy(node, parent, position, local, upstream, before)
            parent.grad = after
            if record:
                yield BackwardStep(index, node, parent, position, local, upstream, contribution, before, after)
                index += 1
            position += 1


def _by_the_policy(node: Value, parent: Value, position: int, local: float, upstream: float,
                   before: float) -> tuple[float, float]:
    """The contribution and new gradient when the plain sum is not finite.

    0 × anything is 0 (a zero gradient passes nothing back, and a zero slope
    passes back nothing, even of an infinite gradient). A nan, or an infinite
    gradient on a leaf (where the answer is read), is an error naming the edge.
    """
    contribution = 0.0 if local == 0 or upstream == 0 else local * upstream
    after = before + contribution
    problem = "nan" if after != after else "±inf" if not parent.parents and after - after != 0.0 else ""
    if problem:
        raise (ValueError if problem == "nan" else OverflowError)(
            f"backward: a gradient became {problem} on the edge from {_node_name(node)} to its input "
            f"{position} ({_node_name(parent)}): {before!r} + {local!r} × {upstream!r}; "
            f"the derivative does not exist as a number here"
        )
    return contribution, after


def _node_name(node: Value) -> str:
    what = f"{node.label!r}" if node.label else (str(node.op) or "a leaf")
    return f"{what} = {node.data!r}"


def _cycle_message(node: Value, parent: Value) -> str:
    return (
        f"the graph has a cycle: {_node_name(parent)} is a parent of {_node_name(node)} and also "
        "depends on it (was a `parents` tuple changed by hand?); a computation graph must be acyclic"
    )


def _seed(root, grad) -> float:
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value, got {type(root).__name__}")
    return as_float(grad, "backward grad")


def zero_grad(root: Value) -> None:
    """Set `.grad` to 0 on every node of `root`'s graph (leaves included)."""
    for node in topological_order(root):
        node.grad = 0.0
