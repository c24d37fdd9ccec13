"""The backward pass, on one page: put the nodes in order, then apply the chain rule.

1. `topological_order(root)`: every node after all of its parents.
2. Walk that order backwards, from the root. When a node is reached, every node
   that uses it has already passed its share back, so `node.grad` (d root / d node,
   the "upstream" gradient) is complete; pass it on to each parent:

       contribution = local_grad × upstream
       parent.grad += contribution

   A `Constant` (a number of the formula, like the 2 in 2·x) keeps no gradient:
   what is added to it is dropped (value.py), and stepping through shows no step into it.

`backward()` runs this walk; `backward_steps()` runs the same walk, reporting each
edge as a `BackwardStep`. `backward(create_graph=True)` is the same walk on
`Value`s instead of numbers (at the end of the page), so gradients are graphs.
Nothing here recurses (a graph may be a million nodes deep, far past Python's
recursion limit): every walk keeps its own stack.

Numbers (the README's "Numbers: the policy"): a zero on either side of the
product contributes 0, even against an infinite local derivative (sqrt at 0);
a gradient that becomes nan, or a leaf's gradient that becomes ±inf, is an
error naming the edge.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple

from .op import NoDerivative
from .value import Constant, Value, as_float, made_node


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on (itself included), each after all its parents.

    A depth-first search with an explicit stack instead of recursion. When a
    node is first popped it goes back on the stack under a `_PARENTS_DONE`
    marker, with its unplaced parents on top; by the time the marker comes off
    again, every parent has been placed, so the node can follow them. Parents
    are visited in argument order, so the order is the same every run. A parent
    that is still open (its own parents not all placed yet) is on the path that
    led here: a cycle, which only a hand-edited `parents` tuple can make.
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order needs a Value, got {type(root).__name__}")
    order: list[Value] = []
    visited: set[Value] = set()
    open_nodes: set[Value] = set()  # visited, parents not yet all placed: the current path
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is _PARENTS_DONE:
            node = stack.pop()
            open_nodes.discard(node)
            order.append(node)
        elif node not in visited:
            visited.add(node)
            if not node.parents:  # a leaf waits for nothing: place it at once
                order.append(node)
                continue
            open_nodes.add(node)
            stack.append(node)
            stack.append(_PARENTS_DONE)
            for parent in reversed(node.parents):
                if parent not in visited:
                    stack.append(parent)
                elif parent in open_nodes:  # its own descendant: a cycle
                    raise ValueError(_cycle_message(node, parent))
    return order


#: The stack marker in `topological_order` (not a Value, so never confused with one).
_PARENTS_DONE = object()


class BackwardStep(NamedTuple):
    """One application of the chain rule along one edge (node -> parent).

    `step.caption()` writes its arithmetic as a student does (engine.names)."""

    index: int                 #: 0-based position of this step in the pass
    node: Value                #: the node whose gradient is being passed back
    parent: Value              #: the parent receiving a share of it
    position: int              #: the parent's index in node.parents (`a + a` has two edges)
    local_grad: float          #: ∂node/∂parent, recorded in the forward pass
    upstream: float            #: node.grad: ∂out/∂node, complete by now
    contribution: float        #: local_grad × upstream
    parent_grad_before: float  #: parent.grad before this step
    parent_grad: float         #: parent.grad after: parent_grad_before + contribution


def backward(root: Value, grad: float = 1.0, create_graph: bool = False) -> None:
    """Accumulate d root / d leaf into every leaf's `.grad`.

    Leaves accumulate across calls, as in PyTorch; interior gradients are
    recomputed each time, so two calls give exactly twice the leaf gradients.
    With `create_graph=True` every gradient it fills is a `Value` whose graph
    computes it from the leaves: its own `backward()` gives second derivatives.
    """
    if create_graph:
        _chain_rule_on_values(root, grad)
        return
    for _ in _chain_rule(root, _seed(root, grad), record=False):
        pass  # (without records the walk yields nothing: the loop runs it to the end)


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[BackwardStep]:
    """Run the backward pass one edge at a time, yielding a `BackwardStep` each.

    Exhausting the generator is exactly `root.backward(grad)`. Gradients are
    reset (interior) when the first step is requested. Edges into constants are
    not steps: nothing is passed along them.
    """
    return _chain_rule(root, _seed(root, grad), record=True)


def _chain_rule(root: Value, grad: float, record: bool) -> Iterator[BackwardStep]:
    """The one backward walk; with `record`, it yields a `BackwardStep` per edge as it applies it."""
    order = topological_order(root)
    for node in order:
        if node.parents:  # interior gradients are recomputed; leaves accumulate
            node.grad = 0.0
    root.grad += grad
    index = 0
    for node in reversed(order):
        upstream = node.grad
        if not node.parents or (upstream == 0.0 and not record):
            continue  # a leaf passes nothing on; from a zero gradient every share is 0 (shown when stepping)
        position = -1
        for parent, local in zip(node.parents, node.local_grads):
            contribution = local * upstream
            before = parent.grad
            after = before + contribution
            if after - after != 0.0:  # nan or ±inf (a cheap test, no call): the policy decides
                contribution, after = _by_the_policy(node, parent, local, upstream, before)
            parent.grad = after  # (a Constant drops it)
            if record:
                position += 1
                if type(parent) is not Constant:
                    yield BackwardStep(index, node, parent, position, local, upstream, contribution, before, after)
                    index += 1


def _by_the_policy(node: Value, parent: Value, local: float, upstream: float,
                   before: float) -> tuple[float, float]:
    """The contribution and new gradient when the plain sum is not finite.

    0 × anything is 0 (a zero gradient passes nothing back, and a zero slope
    passes back nothing, even of an infinite gradient). A constant takes whatever
    comes (and drops it). A nan, or an infinite gradient on a leaf (where the answer
    is read), is an error naming the edge.
    """
    if type(parent) is Constant:
        return 0.0, 0.0
    if isinstance(before, Value):
        raise TypeError(
            f"backward: {_node_name(parent)} holds a gradient that is a Value (from backward(create_graph=True)); "
            "set it to 0 (zero_grad) before a backward pass that adds numbers to it"
        )
    contribution = 0.0 if local == 0 or upstream == 0 else local * upstream
    after = before + contribution
    problem = "nan" if after != after else "±inf" if not parent.parents and after - after != 0.0 else ""
    if problem:
        position = next(k for k, (p, g) in enumerate(zip(node.parents, node.local_grads))
                        if p is parent and (g == local or g != g))
        raise (ValueError if problem == "nan" else OverflowError)(
            f"backward: a gradient became {problem} on the edge from {_node_name(node)} to its input "
            f"{position} ({_node_name(parent)}): {before!r} + {local!r} × {upstream!r}; "
            f"the derivative does not exist as a number here"
        )
    return contribution, after


# ---- gradients of gradients: the same walk on Values ----------------------------
# With create_graph=True each local derivative is its op's rule run again, on the
# parents themselves (and the node as `out`) instead of their numbers, and
# local × upstream and before + contribution are made by the ops. So every
# gradient is a node of a new graph that computes it from the leaves: it can be
# drawn, stepped through, and differentiated again. A loop of its own, so that
# the float walk above stays exactly as it is.


def _chain_rule_on_values(root: Value, grad) -> None:
    """The backward walk with create_graph=True: every `.grad` it fills is a `Value`.

    A gradient is not always a new node: d eˣ/dx is the node eˣ itself, and an
    add passes its upstream on unchanged, so several nodes' `.grad` may be one
    and the same `Value` — as the arithmetic says they are.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value, got {type(root).__name__}")
    seed = grad if isinstance(grad, Value) else as_float(grad, "backward grad")
    order = topological_order(root)
    varies = set()  # the nodes that depend on a leaf that is not a constant (PyTorch's requires_grad)
    for node in order:
        if node.parents:  # interior gradients are recomputed; leaves accumulate
            node.grad = 0.0
            if any(id(parent) in varies for parent in node.parents):
                varies.add(id(node))
        elif type(node) is not Constant:
            varies.add(id(node))
    root.grad = _plus(root.grad, seed)
    for node in reversed(order):
        upstream = node.grad
        if not node.parents or _is_the_number(upstream, 0.0) or id(node) not in varies:
            continue  # no parent to pass to, nothing reached this node, or it is made of constants only
        try:
            local_grads = local_grads_as_values(node)
        except (ArithmeticError, ValueError) as problem:
            raise type(problem)(f"backward(create_graph=True): the derivative rule of {_node_name(node)}: "
                                f"{problem}") from None
        _check_recorded(node, local_grads)
        for position, (parent, local) in enumerate(zip(node.parents, local_grads)):
            if id(parent) not in varies:
                continue  # a number of the formula, or a node made of them, keeps no gradient, of any order
            if not isinstance(local, Value) and local - local != 0.0:  # an infinite slope (sqrt at 0)
                if _number(upstream) == 0.0:
                    continue  # 0 × an infinite slope is 0, as in the float walk (the README's policy)
                after = _number(parent.grad) + local * _number(upstream)
                raise _not_finite(node, parent, position, local, upstream, after)
            try:
                after = _plus(parent.grad, _times(local, upstream))
            except (ArithmeticError, ValueError) as problem:
                raise type(problem)(f"backward(create_graph=True): on the edge from {_node_name(node)} to its "
                                    f"input {position} ({_node_name(parent)}): {problem}") from None
            if not isinstance(after, Value) and after - after != 0.0:  # a plain nan or ±inf (sqrt's slope at 0)
                raise _not_finite(node, parent, position, local, upstream, after)
            parent.grad = after
    for node in order:  # a gradient that stayed a plain number depends on no leaf: a constant
        if not isinstance(node.grad, Value) and type(node) is not Constant:
            node.grad = Constant(node.grad)


def _check_recorded(node: Value, local_grads: tuple) -> None:
    """Refuse to go on if the rule, run again, disagrees with what `node` recorded.

    backward() uses the numbers recorded when the node was made; this walk runs the
    rule again on the parents. They differ only if a parent's `.data` was changed
    after the node was made (or the node was made by hand with other numbers): then
    the two walks would give two answers, so neither is given.
    """
    for position, (recorded, local) in enumerate(zip(node.local_grads, local_grads)):
        now = _number(local)
        if recorded != now and not (isinstance(recorded, float) and abs(recorded - now) <= 1e-9 * abs(now)):
            raise ValueError(
                f"backward(create_graph=True): {_node_name(node)} recorded the local derivative {recorded!r} "
                f"for its input {position} ({_node_name(node.parents[position])}), but its op's rule gives "
                f"{now!r} at the inputs' numbers now: a .data was changed after the node was made (or the "
                f"node was made by hand with other numbers); build the graph again"
            )


def _number(x) -> float:
    """A gradient's number, whether it is a plain float or a `Value`."""
    return x.data if isinstance(x, Value) else x


def _not_finite(node: Value, parent: Value, position: int, local, upstream, after: float) -> ArithmeticError:
    """The error for a gradient that is no longer a number, in the float walk's words
    (and type: OverflowError for ±inf, ValueError for nan): a gradient that is a
    graph cannot hold one, whatever node it belongs to."""
    problem = "nan" if after != after else "±inf"
    before = _number(parent.grad)
    return (ValueError if problem == "nan" else OverflowError)(
        f"backward(create_graph=True): a gradient became {problem} on the edge from {_node_name(node)} to its "
        f"input {position} ({_node_name(parent)}): {before!r} + {_number(local)!r} × {_number(upstream)!r}; "
        f"the derivative does not exist as a number here"
    )


def local_grads_as_values(node: Value) -> tuple:
    """∂node/∂parent for each parent, as `Value`s computed from the parents.

    The op's own derivative rule, run again on the parents (and the node as
    `out`): one rule, written once, serves the float pass and this one. A
    constant derivative (add's 1.0) stays a plain number.
    """
    rule = getattr(node.op, "derivatives", None)  # an Op, or a fused op; a hand-made node has none
    if rule is None:
        _refuse_unknown(node.local_grads)
        return _differentiable_once(node, "it was made by hand, with numbers for its local derivatives")
    try:
        local_grads = tuple(rule(*node.parents, node))
    except TypeError as problem:  # e.g. math.cos(value): a rule written for numbers only
        return _differentiable_once(node, f"its derivative rule works on numbers only ({problem})")
    _refuse_unknown(local_grads)
    return local_grads


def _refuse_unknown(local_grads: tuple) -> None:
    """Raise if a local derivative is unknown (an op defined with derivatives=None)."""
    for local in local_grads:
        if isinstance(local, NoDerivative):
            local.fail()


def _differentiable_once(node: Value, why: str) -> tuple:
    """The recorded local derivatives, each as a node that refuses to be differentiated.

    The first derivative through `node` is right; differentiating it again raises
    `NotImplementedError` naming the op, rather than giving a silently wrong answer
    (a number taken as a constant would drop the derivative of the derivative).
    """
    name = str(node.op) if node.op is not None else "a hand-made node"
    refusal = NoDerivative(f"{name}: its derivative cannot be differentiated, because {why}; write the rule "
                           "with Value-aware functions (+ - * / **, engine.generic_exp, engine.generic_sin, ...)")
    return tuple(made_node(local, f"∂{name}", node.parents, (refusal,) * len(node.parents))
                 for local in node.local_grads)


def _is_the_number(x, number: float) -> bool:
    return not isinstance(x, Value) and x == number


def _times(local, upstream):
    """local × upstream, skipping what changes no number (× 1, 0 × a finite number)
    so that a gradient's graph is as small as the arithmetic allows."""
    if _is_the_number(local, 1.0):
        return upstream
    if _is_the_number(upstream, 1.0):
        return local
    if _is_the_number(local, 0.0) and (not isinstance(upstream, Value) or upstream.data - upstream.data == 0.0):
        return 0.0
    return local * upstream


def _plus(before, contribution):
    """before + contribution, where a plain 0 adds nothing (and makes no node)."""
    if _is_the_number(before, 0.0):
        return contribution
    if _is_the_number(contribution, 0.0):
        return before
    return before + contribution


def _node_name(node: Value) -> str:
    """How an error names a node: its label, else its op (`sqrt`, `**0.5`), else "a leaf"."""
    op = node.op
    if node.label:
        what = repr(node.label)
    elif getattr(op, "exponent", None) is not None:
        what = f"**{op.exponent:g}"
    else:
        what = getattr(op, "name", None) or str(op or "a leaf")
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


# `x.backward()` is this page's walk.
Value.backward = backward
