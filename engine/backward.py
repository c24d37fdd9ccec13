"""The backward pass: the chain rule applied edge by edge, in reverse
topological order.

    contribution = local_grad × upstream        (upstream = d out / d node)
    parent.grad += contribution

`backward()` and `backward_steps()` are the same walk; the step trace only
also reports each edge as it is applied.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple

import math

from .graph import topological_order
from .op import NoDerivative
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


def backward(root: Value, grad: float = 1.0, create_graph: bool = False) -> None:
    """Accumulate d root / d leaf into every leaf's `.grad` (see `Value.backward`)."""
    if create_graph:
        _chain_rule_on_values(root, grad)
        return
    for _ in _chain_rule(root, _checked(root, grad), record=False):
        pass


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[BackwardStep]:
    """Run the backward pass one edge at a time, yielding a `BackwardStep` each.

    Exhausting the generator is exactly `root.backward(grad)`. Gradients are
    reset (interior) when the first step is requested.
    """
    return _chain_rule(root, _checked(root, grad), record=True)


# ---- gradients of gradients -----------------------------------------------------
# With create_graph=True the walk is the same, but on Values instead of floats:
# each local derivative is its op's rule re-run on the parents (Values), and
# contribution = local × upstream and parent.grad + contribution are made by the
# ops themselves. So every gradient is a node of a new graph that computes it
# from the leaves, and can be drawn, stepped through and differentiated again.
# It is a loop of its own, so the float walk above stays exactly as fast.


def _chain_rule_on_values(root: Value, grad) -> None:
    """The backward walk with create_graph=True: every `.grad` it fills is a `Value`."""
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value, got {type(root).__name__}")
    seed = grad if isinstance(grad, Value) else as_float(grad, "backward grad")
    order = topological_order(root)
    for node in order:
        if node.parents:  # interior gradients are recomputed; leaves accumulate
            node.grad = 0.0
    root.grad = _plus(root.grad, seed)
    for node in reversed(order):
        upstream = node.grad
        if not node.parents or _is_number(upstream, 0.0):
            continue  # nothing reached this node, or it has no parent to pass to
        for parent, local in zip(node.parents, local_grads_as_values(node)):
            parent.grad = _plus(parent.grad, _times(local, upstream))
    for node in order:  # a gradient that stayed a number (a constant) becomes a constant leaf
        if not isinstance(node.grad, Value):
            node.grad = Value(node.grad)


def local_grads_as_values(node: Value) -> tuple:
    """∂node/∂parent for each parent, as `Value`s that depend on the parents.

    The op's own derivative rule, run again with the parents (and the node as
    `out`) instead of their numbers: the rule written once serves both ways.
    A constant derivative (add's 1.0) stays a plain number.
    """
    rule = _rule_of(node)
    if rule is None:
        for local in node.local_grads:
            if isinstance(local, NoDerivative):
                local.fail()
        return _numbers_only(node, "it was made by hand, with numbers for its local derivatives")
    try:
        local_grads = tuple(rule(*node.parents, node))
    except TypeError as problem:  # e.g. math.cos(value): a rule written for floats only
        return _numbers_only(node, f"its derivative rule works on numbers only ({problem})")
    for local in local_grads:
        if isinstance(local, NoDerivative):
            local.fail()
    return local_grads


def _rule_of(node: Value):
    """The Value-aware derivative rule of the op that made `node`, or None."""
    op = getattr(node.op, "op", None)  # DRAFT: engine's Op-is-a-str replaces this
    return None if op is None else op.derivatives


def _numbers_only(node: Value, why: str) -> tuple:
    """The recorded local derivatives, each as a node that refuses to be differentiated.

    The first derivative through `node` is then right; differentiating again
    raises `NotImplementedError` naming the op, instead of a silently wrong answer
    (a number taken as a constant would drop the derivative of the derivative).
    """
    name = str(node.op) or "a hand-made node"
    stop = NoDerivative(f"{name}: cannot differentiate its derivative, because {why}; "
                        "write the rule with Value-aware functions (+ - * / **, engine.generic_exp, ...)")
    return tuple(Value(local, "", f"∂{name}", node.parents, (stop,) * len(node.parents))
                 for local in node.local_grads)


def _is_number(x, number: float) -> bool:
    return not isinstance(x, Value) and x == number


def _times(local, upstream):
    """local × upstream, skipping the exact no-ops (× 1, and 0 × a finite number) so
    that a gradient's graph stays as small as the arithmetic allows."""
    if _is_number(local, 1.0):
        return upstream
    if _is_number(upstream, 1.0):
        return local
    if _is_number(local, 0.0) and isinstance(upstream, Value) and math.isfinite(upstream.data):
        return 0.0
    return local * upstream


def _plus(before, contribution):
    """before + contribution, where a plain 0 adds nothing (and no node)."""
    if _is_number(before, 0.0):
        return contribution
    if _is_number(contribution, 0.0):
        return before
    return before + contribution
