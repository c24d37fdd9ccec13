"""What a node is called, everywhere: pictures, captions, pages, films, notebooks and
generated code all name the nodes of a graph from here, so they agree by construction.

- a value with a label is its label (`x1`, `w2`, `loss`). A label that several nodes
  carry (the same code run for each window of a sentence, each point of a batch) is
  made unique visibly, `z0#1`, `z0#2` in graph order, and warned about once;
- a constant without a label (the 2 in `2 * x`) is its number;
- an unlabelled variable is its number too, made unique the same way (`0.5#2`);
- an unlabelled result is the formula that made it, `x1·w1`, `x1·w1+x2·w2`, `tanh(n)`,
  with brackets only where the order of operations needs them, when that is short and
  unique; otherwise its op and a count in graph order, `mul3`, `dot2`, `tanh1`, which
  is also what the generated code calls it.

`identifiers` gives each name's Python identifier for generated code (`x1·w1` is
`x1_w1`), so a line of code and the picture beside it name the same value alike.
"""

from __future__ import annotations

import keyword
import re
import warnings
from typing import Iterable

from ..core import Constant, Dot, Op, Sum, Value
from .text import is_token, number, visible

#: Longest formula used as a name; a longer one is named by its op and a count (`mul3`).
MAX_EXPRESSION = 20

#: How tightly a name binds when it goes into a bigger formula (as in engine.symbolic).
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5
#: How tightly Python's operators bind: an op's `infix` is one of them.
_BINDS = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "%": PRODUCT, "**": POWER}


class GivenName(str):
    """A label a library gave a value (nn names a neuron's values `z1[3]`, `h1[3]` by its
    place): the same network run on many points repeats them, so repeated ones are
    numbered (`z1[3]#2`) without the warning a user's own repeated label gets."""

    __slots__ = ()


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


def op_word(node: Value) -> str:
    """The word a node is counted under when its formula is too long: its op's name
    (`mul`, `tanh`), `dot` or `sum` for the fused ones, `pow` for x ** n."""
    op = node.op
    if isinstance(op, Sum):
        return "sum"
    if isinstance(op, Dot):
        return "dot"
    if getattr(op, "exponent", None) is not None:
        return "pow"
    word = re.sub(r"\W", "_", getattr(op, "name", None) or str(op), flags=re.ASCII).strip("_")
    return word if word and not word[0].isdigit() else f"op_{word}"


def node_names(order: list[Value], parameters: Iterable[Value] = ()) -> dict[Value, str]:
    """The one display name of every node in `order` (a topological order, every node
    after its parents): see the module docstring. One pass, in graph order, so a long
    chain's names stay short (a formula is built only from names already settled)."""
    repeated = _repeated_labels(order)
    given = {visible(node.label) for node in order if type(node.label) is GivenName}
    labels: dict[Value, str] = {}
    seen_labels: dict[str, int] = {}
    for node in order:
        if node.label:
            name = visible(node.label)
            if name in repeated:
                seen_labels[name] = seen_labels.get(name, 0) + 1
                name = f"{name}#{seen_labels[name]}"
            labels[node] = name
    names: dict[Value, str] = {}
    levels: dict[Value, int] = {}
    taken = set(labels.values())  # a name an unlabelled node may not take
    counts: dict[str, int] = {}   # per op word, for `mul3`
    numbers: dict[str, int] = {}  # per number, for the unlabelled variables `0.5#2`
    for node in order:
        if node in labels:
            name, level = labels[node], ATOM if is_token(labels[node]) else SUM
        elif not node.parents:  # a negative number is bracketed wherever it goes: x+(-1)
            name, level = number(node.data), ATOM if node.data >= 0 else SUM
            if not isinstance(node, Constant) and name in taken:  # constants may share: a number is a number
                numbers[name] = numbers.get(name, 1) + 1
                name = f"{name}#{numbers[name]}"
        else:
            name, level = _formula(node, names, levels)
            if len(name) > MAX_EXPRESSION or name in taken:
                word = op_word(node)
                counts[word] = counts.get(word, 0) + 1
                while f"{word}{counts[word]}" in taken:
                    counts[word] += 1
                name, level = f"{word}{counts[word]}", ATOM
        names[node], levels[node] = name, level
        if not isinstance(node, Constant) or node.label:
            taken.add(name)
    repeated = {label: count for label, count in repeated.items() if label not in given}
    if repeated:
        shown = ", ".join(f"{label} ({count} nodes)" for label, count in list(repeated.items())[:4])
        more = f" and {len(repeated) - 4} more" if len(repeated) > 4 else ""
        first = next(iter(repeated))
        warnings.warn(f"several nodes carry one label: {shown}{more}; they are shown as {first}#1, "
                      f"{first}#2, ... in graph order (give each its own label to name them)", stacklevel=2)
    return names


def _repeated_labels(order: list[Value]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node in order:
        if node.label:
            name = visible(node.label)
            counts[name] = counts.get(name, 0) + 1
    return {label: count for label, count in counts.items() if count > 1}


def _formula(node: Value, names: dict, levels: dict) -> tuple[str, int]:
    """`node` written as its op applied to its parents' names: x1·w1, a+b, −a, a², tanh(a)."""
    op = node.op
    args = [names[p] for p in node.parents]
    if getattr(op, "form", "") == "infix" and op.infix in _BINDS and len(args) == 2:
        level = _BINDS[op.infix]
        symbol = "·" if op.symbol == "×" else op.symbol  # names are compact: x1·w1+x2·w2
        left_needs = level + 1 if op.infix == "**" else level
        left = _wrap(args[0], levels[node.parents[0]], left_needs)
        right = _wrap(args[1], levels[node.parents[1]], level + 1)
        return f"{left}{symbol}{right}", level
    if getattr(op, "form", "") == "prefix" and len(args) == 1:
        return f"{op.symbol}{_wrap(args[0], levels[node.parents[0]], UNARY)}", UNARY
    if getattr(op, "form", "") == "power" and len(args) == 1:
        return f"{_wrap(args[0], levels[node.parents[0]], POWER + 1)}{op.symbol}", POWER
    if isinstance(op, (Sum, Dot)):  # a sum written out: a+b+c, w1·x1+w2·x2+b
        terms = []
        for term in op.terms(node):
            factors = [(names[f], levels[f]) if isinstance(f, Value) else (number(f), ATOM if f >= 0 else SUM)
                       for f in term]
            if len(factors) == 2:
                terms.append(f"{_wrap(*factors[0], PRODUCT)}·{_wrap(*factors[1], PRODUCT + 1)}")
            else:
                terms.append(_wrap(*factors[0], SUM + 1))
        return "+".join(terms) or "0", SUM
    if isinstance(op, Op):
        return op.write(args), ATOM
    return f"{op_symbol(op)}({', '.join(args)})", ATOM  # a node made by hand


def _wrap(name: str, level: int, needs: int) -> str:
    return name if level >= needs else f"({name})"


def identifiers(order: list[Value], names: dict[Value, str], reserved: Iterable[str] = ()) -> dict[Value, str]:
    """A Python identifier per named node, made from its display name (`x1·w1` -> `x1_w1`,
    `W1[0,1]` -> `W1_0_1`, `mul3` -> `mul3`), unique, never a keyword or a `reserved` name.
    Constants without a label get none (the code writes their number)."""
    reserved = set(reserved) | set(keyword.kwlist)
    found: dict[Value, str] = {}
    taken: set[str] = set()
    for node in order:
        if isinstance(node, Constant) and not node.label:
            continue
        base = identifier(names[node]) if (node.label or node.parents) else "v"
        name, k = base, 1
        while name in taken or name in reserved:
            k += 1
            name = f"{base}_{k}" if base[-1:].isdigit() else f"{base}{k}"
        taken.add(name)
        found[node] = name
    return found


def identifier(text: str) -> str:
    """`text` as a Python identifier: other characters become _, a leading digit gets v_."""
    name = re.sub(r"\W", "_", text, flags=re.ASCII).strip("_")
    name = re.sub(r"__+", "_", name)
    if not name:
        return "v"
    return "v_" + name if name[0].isdigit() else name
