"""A big body split into functions of at most `limits.LINES_PER_PART` lines, each
compiled on its own (one module of 600,000 lines takes gigabytes to compile), with
the values still needed passed from part to part in a tuple.

Which values cross a boundary follows from the graph: a variable crosses if it is
assigned in a segment before the boundary and read in one after it.
"""

from __future__ import annotations

from typing import Callable, Iterator

from ..core import Value
from .emit import Segment
from .plan import FUNCTION_NAME, Plan


def parts(body: list[Segment], most_lines: int) -> list[tuple[int, int]]:
    """(first segment, end segment) of each part: as many whole segments as fit."""
    found, start, lines = [], 0, 0
    for i, segment in enumerate(body):
        size = len(segment.lines)
        if lines and lines + size > most_lines:
            found.append((start, i))
            start, lines = i, 0
        lines += size
    found.append((start, len(body)))
    return found


def crossing(plan: Plan, body: list[Segment], gathered: bool, split: list[tuple[int, int]]) -> list[list[str]]:
    """For each part after the first, the variables it needs from the parts before it."""
    spans = _spans_gathered(plan, body) if gathered else _spans(plan, body)
    found = []
    for start, _ in split[1:]:
        alive = sorted((a, name) for a, last, name in spans if a < start <= last)
        found.append([name for _, name in alive])
    return found


def _spans(plan: Plan, body: list[Segment]) -> list[tuple[int, int, str]]:
    """(assigned in, last read in, name) of every variable, edge-by-edge form.

    A node's value is read by its children's forward and backward lines and by
    its own backward lines; its gradient is started by the first child the walk
    reaches, added to by the others, and read by its own backward lines."""
    index = {(s.kind, id(s.node)): i for i, s in enumerate(body) if s.node is not None}
    backward_header = next(i for i, s in enumerate(body) if s.kind == "backward header")
    end = len(body) - 1  # the return
    children: dict[Value, list[Value]] = {}
    for node in plan.rules:
        for parent in node.parents:
            if parent in plan.var:
                children.setdefault(parent, []).append(node)
    spans: list[tuple[int, int, str]] = []
    wrt_set, returned = set(plan.wrt), {plan.root, *plan.also}
    checked_at = _checked_at(body)
    for node, name in plan.var.items():
        if node in wrt_set:
            assigned = -1
        else:
            assigned = index.get(("forward", id(node)), index.get(("constant", id(node))))
        readers = [index[("backward", id(c))] for c in children.get(node, ())]
        if node in plan.rules:
            readers.append(index[("backward", id(node))])
        if node in checked_at:
            readers.append(checked_at[node])
        if node in returned:
            readers.append(end)
        if readers:
            spans.append((assigned, max(readers), name))
    for node, name in plan.grad.items():
        own = index.get(("backward", id(node)))
        reached = [index[("backward", id(c))] for c in children.get(node, ()) if c in plan.live]
        if node in wrt_set or node is plan.root:
            spans.append((backward_header, end if node in wrt_set else own, name))
        elif reached:
            spans.append((min(reached), own, name))
    return spans


def _spans_gathered(plan: Plan, body: list[Segment]) -> list[tuple[int, int, str]]:
    """`_spans` for the gathered form. There a node's gradient is written at its own
    segment (a parameter's at the end) and reads, for every use, the user's gradient
    and its local derivative, which reads the user's inputs and value (and prelude)."""
    index = {id(s.node): i for i, s in enumerate(body) if s.kind == "gather"}
    leaves = next(i for i, s in enumerate(body) if s.kind == "leaves")
    backward_header = leaves - 1 - len(index)
    end = len(body) - 1
    wrt_set, returned = set(plan.wrt), {plan.root, *plan.also}

    def gathered_at(node: Value) -> int:
        return leaves if node in wrt_set else index[id(node)]

    # where the local derivatives of each node are read: its live parents' gathers
    read_locals = {node: [gathered_at(p) for p in node.parents if p in plan.live] for node in plan.rules}
    forward_at = {id(s.node): i for i, s in enumerate(body) if s.kind in ("forward", "constant")}
    spans: list[tuple[int, int, str]] = []
    users: dict[Value, list[Value]] = {}
    for node in plan.rules:
        for parent in node.parents:
            if parent in plan.var:
                users.setdefault(parent, []).append(node)
    checked_at = _checked_at(body)
    for node, name in plan.var.items():
        readers = list(read_locals.get(node, ()))  # its value in its own local derivatives
        if node in checked_at:
            readers.append(checked_at[node])
        for user in users.get(node, ()):
            readers.append(forward_at[id(user)])
            readers += read_locals[user]  # as an input of a user's local derivatives
        if node in returned:
            readers.append(end)
        if readers:
            spans.append((-1 if node in wrt_set else forward_at[id(node)], max(readers), name))
    for node, name in plan.grad.items():
        if node in wrt_set:
            spans.append((leaves, end, name))
        elif node in plan.rules and read_locals[node]:
            assigned = backward_header if node is plan.root else index[id(node)]
            spans.append((assigned, max(read_locals[node]), name))
            prelude = plan.rules[node].prelude
            if prelude is not None:
                spans.append((index[id(node)], max(read_locals[node]), prelude.split(" = ", 1)[0]))
    return spans


def _checked_at(body: list[Segment]) -> dict[Value, int]:
    """The segment of the finiteness check that reads each checked value."""
    return {value: i for i, s in enumerate(body) if s.kind == "check" for value in s.node}


def source_parts(plan: Plan, body: list[Segment], gathered: bool, split: list[tuple[int, int]],
                 comments: bool = True) -> Iterator[str]:
    """The source, one function at a time (parts first, the function last).

    Without `comments`, the comment lines are left out (what is compiled:
    Python would skip them anyway, after reading them)."""
    params = ", ".join(plan.var[leaf] if leaf in plan.var else f"unused_{i}" for i, leaf in enumerate(plan.wrt))
    passed = crossing(plan, body, gathered, split) if len(split) > 1 else []
    for number, (start, end) in enumerate(split, 1):
        if len(split) == 1:
            lines = [f"def {FUNCTION_NAME}({params}):"]
        elif number == 1:
            lines = [f"def _part1({params}):"]
        else:
            lines = [f"def _part{number}(state):"]
            if passed[number - 2]:
                lines.append(f"    ({', '.join(passed[number - 2])},) = state")
        for segment in body[start:end]:
            for text in segment.lines:
                if comments or text[0] != "#":
                    lines.append(f"    {text}")
        if number < len(split):
            state_out = passed[number - 1]
            comma = "," if len(state_out) == 1 else ""
            lines.append(f"    return ({', '.join(state_out)}{comma})")
        yield "\n".join(lines)
    if len(split) > 1:
        calls = "".join(f"    state = _part{n}(state)\n" for n in range(2, len(split)))
        yield (f"def {FUNCTION_NAME}({params}):\n    state = _part1({params})\n{calls}"
               f"    return _part{len(split)}(state)")


def compile_parts(plan: Plan, body: list[Segment], gathered: bool, split: list[tuple[int, int]]) -> Callable:
    """Compile the function part by part (each its own, small, code object)."""
    namespace = dict(plan.namespace)
    for part in source_parts(plan, body, gathered, split, comments=False):
        exec(compile(part, f"<to_python {FUNCTION_NAME}>", "exec"), namespace)
    return namespace[FUNCTION_NAME]
