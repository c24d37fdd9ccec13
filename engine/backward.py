"""The backward pass: the chain rule applied edge by edge, in reverse
topological order.

    contribution = local_grad × upstream        (upstream = d out / d node)
    parent.grad += contribution

`backward()` and `backward_steps()` are the same walk; the step trace only
also reports each edge as it is applied.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple

from .graph import topological_order
from .value import Value, as_float


class BackwardStep(NamedTuple):
    """One application of the chain rule along one edge (node -> parent)."""

    index: int           #: 0-based position of this step in the pass
    node: Value          #: the node whose gradient is being passed back
    parent: Value        #: the parent receiving a share of it
    local_grad: float    #: ∂node/∂parent, recorded in the forward pass
    upstream: float      #: node.grad: ∂out/∂node, complete by now
    contribution: float  #: local_grad × upstream
    parent_grad: float   #: parent.grad after adding the contribution

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


def _checked(root, grad) -> float:
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value, got {type(root).__name__}")
    return as_float(grad, "backward grad")


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
        for parent, local in zip(node.parents, node.local_grads):
            # 0 × anything is 0 here, even × inf: a zero gradient passes nothing back.
            contribution = local * upstream if upstream != 0.0 else 0.0
            parent.grad += contribution
            if record:
                yield BackwardStep(index, node, parent, local, upstream, contribution, parent.grad)
                index += 1


def backward(root: Value, grad: float = 1.0) -> None:
    """Accumulate d root / d leaf into every leaf's `.grad` (see `Value.backward`)."""
    for _ in _chain_rule(root, _checked(root, grad), record=False):
        pass


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[BackwardStep]:
    """Run the backward pass one edge at a time, yielding a `BackwardStep` each.

    Exhausting the generator is exactly `root.backward(grad)`. Gradients are
    reset (interior) when the first step is requested.
    """
    return _chain_rule(root, _checked(root, grad), record=True)
