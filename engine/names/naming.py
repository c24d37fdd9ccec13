"""What a node is called, everywhere.

Pictures, step-through pages, captions, demos and generated code all name the
nodes of a graph the same way, from here:

- a value with a label is its label (`x1`, `w2`, `loss`);
- a constant without a label (the 2 in `2 * x`) is its number;
- an unlabelled result is the short expression that made it, `(x1·w1)`,
  `tanh(n)`, when that is short and unique; otherwise `v<i>`, with i its
  position in the topological order (the same i as in the picture's ids).
"""

from __future__ import annotations

from typing import Iterable

from ..core import Constant, Op, Value
from .text import number, operand, visible

#: Longest sub-expression used as a name; a longer one becomes `v<i>`.
MAX_EXPRESSION = 16


def op_symbol(op) -> str:
    """How the op of a node is shown: its own symbol (`×`, `σ`, `²`), made visible; a
    hand-made node's op (a str) as written; a leaf's ("")."""
    if op is None:
        return ""
    return visible(op.symbol if hasattr(op, "symbol") else str(op), limit=16)


def is_constant(node: Value, parameters: Iterable[Value] = ()) -> bool:
    """A number of the formula (an `engine.Constant`): shown as its number (or its label
    and number), with no gradient step into it."""
    return isinstance(node, Constant)


def node_names(order: list[Value], parameters: Iterable[Value] = ()) -> dict[Value, str]:
    """The one display name of every node in `order` (a topological order,
    every node after its parents): see the module docstring."""
    params = set(parameters)
    names: dict[Value, str] = {}
    taken: set[str] = set()
    for node in order:
        if node.label:
            name = visible(node.label)
        elif isinstance(node, Constant):
            name = number(node.data)
        elif not node.parents:
            name = number(node.data) if node not in params else ""
        else:
            name = _expression(node, names)
            if len(name) > MAX_EXPRESSION or name in taken:
                name = ""
        names[node] = name
        taken.add(name)
    for i, node in enumerate(order):
        if not names[node]:
            names[node] = f"v{i}"
    return names


def _expression(node: Value, names: dict[Value, str]) -> str:
    """`node` written as its op applied to its parents' names, compactly: (a·b), (a+b), tanh(a)."""
    args = [names.get(p) or "?" for p in node.parents]
    if "?" in args:
        return ""
    args = [operand(a) for a in args]  # x + (-1), not x+-1
    op = node.op
    form = getattr(op, "form", "call")
    if form == "infix" and len(args) == 2:
        symbol = "·" if op.symbol == "×" else op.symbol
        return f"({args[0]}{symbol}{args[1]})"
    if form in ("prefix", "power") and len(args) == 1:
        return f"({op.write(args)})"
    if isinstance(op, Op) or hasattr(op, "write"):
        return op.write(args)
    return f"{op_symbol(op)}({', '.join(args)})"
