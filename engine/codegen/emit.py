"""The lines of the generated function, from a `Plan`.

The body is a list of segments, each a few lines about one node: a named
constant, a node's forward line, a check that the values so far are finite, a
node's backward lines (a comment and a chain-rule line per parent), plus the
headers and the return. Parts of a split function begin at segment boundaries
(split.py), so which variables cross a boundary follows from the graph alone.

The backward lines follow `backward()`'s walk exactly: nodes in reverse
topological order, each node's parents in order, so every gradient adds the
same contributions in the same order as the engine.
"""

from __future__ import annotations

from typing import Optional

from ..core import Constant, Value
from ..names import operand
from . import limits
from .plan import Plan, literal

FORWARD_HEADER = "# forward: one line per node"
GATHERED_HEADER = "# backward, a line per node (a big graph): grad = Σ over uses of local × upstream"
BACKWARD_HEADER = "# backward: each line adds local derivative × upstream to a parent's grad"
#: The comment above each check (two lines).
CHECK_COMMENT = ("# tanh(inf) = 1 could hide an overflow: the sum of the values above is",
                 "# finite only if each one is; if not, the graph engine redoes the call")


class Segment:
    """A few lines about one node (or none, for a header or the return)."""

    __slots__ = ("kind", "node", "lines")

    def __init__(self, kind: str, node, lines: list[str]):
        self.kind, self.node, self.lines = kind, node, lines


def segments(plan: Plan) -> tuple[list[Segment], bool]:
    """Every segment of the body, in order, and whether the backward pass is gathered
    (a line per node, for big graphs: see limits.GATHER_ABOVE)."""
    edge_by_edge = _segments(plan, gathered=False)
    if sum(len(s.lines) for s in edge_by_edge) <= limits.GATHER_ABOVE:
        return edge_by_edge, False
    return _segments(plan, gathered=True), True


def _segments(plan: Plan, gathered: bool) -> list[Segment]:
    out = [Segment("forward header", None, [FORWARD_HEADER])]
    out += [Segment("constant", node, [f"{plan.var[node]} = {literal(node.data)}"])
            for node in plan.order if node in plan.var and node not in plan.live]
    chunk: list[Value] = []  # the checked values since the last check
    for node in plan.order:
        if node in plan.rules:
            out.append(Segment("forward", node, [f"{plan.var[node]} = {plan.rules[node].forward}"]))
            if plan.rules[node].checked:
                chunk.append(node)
            if len(chunk) == limits.CHECK_EVERY:
                out.append(_check(plan, tuple(chunk)))
                chunk = []
    if chunk:
        out.append(_check(plan, tuple(chunk)))
    out.append(Segment("backward header", None, _backward_header(plan, gathered)))
    if gathered:
        uses = _uses(plan)
        out += [Segment("gather", node, _gathered(plan, node, uses)) for node in reversed(plan.order)
                if node in plan.rules]
        out.append(Segment("leaves", None, _leaves(plan, uses)))
    else:
        assigned = {plan.grad[leaf] for leaf in plan.wrt if leaf in plan.live}
        out += [Segment("backward", node, _backward(plan, node, assigned)) for node in reversed(plan.order)
                if node in plan.rules]
    out.append(Segment("return", None, [_return(plan)]))
    return out


def _check(plan: Plan, chunk: tuple) -> Segment:
    total = " + ".join(plan.var[value] for value in chunk)
    return Segment("check", chunk, [*CHECK_COMMENT, f"if not -inf < {total} < inf:", "    raise NotFinite"])


def _backward_header(plan: Plan, gathered: bool) -> list[str]:
    lines = [GATHERED_HEADER if gathered else BACKWARD_HEADER]
    root, wrt_set = plan.root, set(plan.wrt)
    if root in plan.live and root not in wrt_set:
        lines.append(f"{plan.grad[root]} = 1.0")
    if gathered:
        return lines
    lines += [f"{plan.grad[leaf]} = 0.0" for leaf in plan.wrt if leaf in plan.live]
    if root in wrt_set:
        lines.append(f"{plan.grad[root]} += 1.0")
    return lines


def _backward(plan: Plan, node: Value, assigned: set) -> list[str]:
    """A node's chain-rule lines: a comment (BackwardStep.caption's words) and a line per live parent."""
    rule, upstream, lines = plan.rules[node], plan.grad[node], []
    if rule.prelude is not None:
        lines.append(rule.prelude)
    n = operand(plan.display[node])
    for parent, local in zip(node.parents, rule.locals):
        if parent not in plan.live:
            continue
        target = plan.grad[parent]
        p = operand(plan.display[parent])
        lines.append(f"# {p}.grad += ∂{n}/∂{p} × {n}.grad")
        lines.append(_contribution(target, local, upstream, target in assigned))
        assigned.add(target)
    return lines


def _contribution(target: str, local: str, upstream: str, accumulate: bool) -> str:
    """One chain-rule line: `target += local * upstream` (or `=` for its first contribution).

    × 1.0 and × -1.0 are written as + and −: the same floats, for every upstream.
    """
    if local == "1.0":
        return f"{target} += {upstream}" if accumulate else f"{target} = {upstream}"
    if local == "-1.0":
        return f"{target} -= {upstream}" if accumulate else f"{target} = -{upstream}"
    expression = f"{local} * {upstream}"
    return f"{target} += {expression}" if accumulate else f"{target} = {expression}"


def _uses(plan: Plan) -> dict[Value, list[tuple[Value, int]]]:
    """For each node the code names: (child, position) of every use, in the walk's order."""
    uses: dict[Value, list[tuple[Value, int]]] = {}
    for node in reversed(plan.order):
        if node in plan.rules:
            for k, parent in enumerate(node.parents):
                if parent in plan.live:
                    uses.setdefault(parent, []).append((node, k))
    return uses


def _gathered_lines(plan: Plan, node: Value, uses: dict, start: str) -> list[str]:
    """`grad = start + local × upstream + …` over every use of `node`, in the walk's
    order (the same contributions, added in the same order as the walk adds them),
    in statements of at most LONGEST_CHAIN terms."""
    terms = []
    for child, k in uses.get(node, ()):
        local, upstream = plan.rules[child].locals[k], plan.grad[child]
        terms.append(f"+ {upstream}" if local == "1.0" else f"- {upstream}" if local == "-1.0"
                     else f"+ {local} * {upstream}")
    target = plan.grad[node]
    lines = []
    for i in range(0, max(len(terms), 1), limits.LONGEST_CHAIN):
        head = start if i == 0 else target
        lines.append(f"{target} = {' '.join([head, *terms[i:i + limits.LONGEST_CHAIN]])}")
    return lines


def _gathered(plan: Plan, node: Value, uses: dict) -> list[str]:
    """Big graphs: a node's gradient in one statement, then its own prelude."""
    n = operand(plan.display[node])
    lines = []
    if node is not plan.root:
        lines.append(f"# {n}.grad = Σ over its uses: ∂use/∂{n} × use.grad")
        lines += _gathered_lines(plan, node, uses, "0.0")
    if plan.rules[node].prelude is not None:
        lines.append(plan.rules[node].prelude)
    return lines


def _leaves(plan: Plan, uses: dict) -> list[str]:
    lines = ["# the parameters' gradients, each summed over its uses in the walk's order"]
    for leaf in plan.wrt:
        if leaf in plan.live:
            lines += _gathered_lines(plan, leaf, uses, "1.0" if leaf is plan.root else "0.0")
    return lines


def _return(plan: Plan) -> str:
    grads = [plan.grad[leaf] if leaf in plan.live else "0.0" for leaf in plan.wrt]
    comma = "," if len(grads) == 1 else ""
    returned = f"return {plan.term(plan.root)}, ({', '.join(grads)}{comma})"
    if plan.also:
        comma = "," if len(plan.also) == 1 else ""
        returned += f", ({', '.join(plan.term(node) for node in plan.also)}{comma})"
    return returned


def step_lines(plan: Plan, body: list[Segment], single_function: bool) -> list[Optional[int]]:
    """For each step of `engine.backward_steps(root)` (an edge into a parent that is not a
    constant), the 1-based line of the source that applies it; None for a step the code
    leaves out (an edge into a node that does not depend on wrt) or in a split function."""
    line_of_edge: dict[tuple[int, int], int] = {}
    if single_function:
        line = 2  # line 1 is the `def`
        for segment in body:
            if segment.kind == "backward":
                node = segment.node
                first = line + (plan.rules[node].prelude is not None) + 1
                live = [k for k, parent in enumerate(node.parents) if parent in plan.live]
                for j, k in enumerate(live):
                    line_of_edge[(id(node), k)] = first + 2 * j
            line += len(segment.lines)
    return [line_of_edge.get((id(node), k)) for node in reversed(plan.order)
            for k, parent in enumerate(node.parents) if type(parent) is not Constant]


def forward_line(plan: Plan, node: Value) -> Optional[str]:
    """The line that gives `node` its value (None: an argument, or a number written inline)."""
    if node in plan.rules:
        return f"{plan.var[node]} = {plan.rules[node].forward}"
    if node in plan.var and node not in plan.live:
        return f"{plan.var[node]} = {literal(node.data)}"
    return None
