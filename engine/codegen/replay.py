"""The graph engine's own answer, where the straight-line code hands over to it:
the same graph rebuilt at new numbers by the same ops, then `backward()` (replay);
and whether a new graph is the compiled one (matches), for `nn.fit(compiled=True)`.
"""

from __future__ import annotations

from ..core import RECORDED, Constant, Dot, Op, Sum, Value, add_all, dot, topological_order
from ..core.value import made_node
from .plan import Plan, same_float


def replay(plan: Plan, numbers: list[float]) -> tuple:
    """`root`'s value and the gradients of the wrt leaves at `numbers`, by the engine:
    the answer, or the engine's own error naming the op. The copy shares nothing with
    the original graph, so its gradients are left as they were."""
    copies: dict[Value, Value] = {leaf: Value(x, leaf.label) for leaf, x in zip(plan.wrt, numbers)}
    for node in plan.order:
        if node in copies:
            continue
        if node not in plan.live:
            copies[node] = Constant(node.data, node.label)
            continue
        parents = [copies[p] for p in node.parents]
        op = node.op
        if isinstance(op, Sum):
            copies[node] = add_all(parents)
        elif isinstance(op, Dot):
            weights, inputs = _factors(node, parents)
            bias = parents[op.bias] if type(op.bias) is int else op.bias
            copies[node] = dot(weights, inputs, bias)
        elif isinstance(op, Op):
            copies[node] = op(*parents)
        else:  # made by hand: what it records
            copies[node] = made_node(node.data, op, tuple(parents), node.local_grads)
    root = copies[plan.root]
    root.backward()
    grads = tuple(copies[leaf].grad if leaf in copies else 0.0 for leaf in plan.wrt)
    if plan.also:
        return root.data, grads, tuple(copies[node].data for node in plan.also)
    return root.data, grads


def _factors(node: Value, parents: list) -> tuple[list, list]:
    """A dot's weights and inputs again, from its recorded layout (Values or the plain numbers)."""
    def factor(f, partner):
        if type(f) is int:
            return parents[f]
        return node.local_grads[partner] if f is RECORDED else f
    pairs = node.op.pairs
    return [factor(w, x) for w, x in pairs], [factor(x, w) for w, x in pairs]


def matches(plan: Plan, root: Value, wrt: tuple[Value, ...]) -> bool:
    """Whether `root`'s graph is the compiled one, up to the values of its `wrt` leaves:
    the same ops joined the same way, and the same numbers wherever the code has
    them baked in (constants, a dot's plain-number factors, a hand-made node)."""
    order = topological_order(root)
    if len(order) != len(plan.order) or len(wrt) != len(plan.wrt):
        return False
    old_position = {node: i for i, node in enumerate(plan.order)}
    new_position = {node: i for i, node in enumerate(order)}
    if any(old_position.get(a) != new_position.get(b) for a, b in zip(plan.wrt, wrt)):
        return False
    for old, new in zip(plan.order, order):
        if not _same_op(old.op, new.op) or len(old.parents) != len(new.parents):
            return False
        if any(old_position[a] != new_position[b] for a, b in zip(old.parents, new.parents)):
            return False
        hand_made = old.parents and not isinstance(old.op, (Op, Sum, Dot))
        if old not in plan.live or hand_made:
            if not same_float(old.data, new.data):  # a number the code has baked in
                return False
        if old in plan.live and (isinstance(old.op, Dot) or hand_made):
            baked = [k for k, g in enumerate(old.local_grads) if _baked(old, k)]
            if any(not same_float(old.local_grads[k], new.local_grads[k]) for k in baked):
                return False
    return True


def _same_op(a, b) -> bool:
    if a is b:
        return True
    if isinstance(a, Dot) and isinstance(b, Dot):
        return a.pairs == b.pairs and a.bias == b.bias
    return not isinstance(a, (Op, Sum, Dot)) and not isinstance(b, (Op, Sum, Dot)) and a == b


def _baked(node: Value, k: int) -> bool:
    """Whether the code has node's k-th local derivative baked in as a number: a dot's
    plain-number partner, or any local derivative of a node made by hand."""
    if isinstance(node.op, Dot):
        return any((w == k and x is RECORDED) or (x == k and w is RECORDED) for w, x in node.op.pairs
                   if type(w) is int or type(x) is int)
    return True
