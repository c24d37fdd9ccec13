"""How a backward step is written, as a student writes it on the board:

    w2.grad += ∂(x2·w2)/∂w2 × (x2·w2).grad = x2 × 0.5 = 0 × 0.5 = 0  →  w2.grad = 0 + 0 = 0

The local derivative's formula (`x2` above, `1 − o²` for tanh) is the op's own
derivative rule run on names (engine.symbolic): nothing here knows any op by name.
A fused node (`add_all`, `dot`) says which parent multiplies which: its recorded
layout (engine.core.fused).
"""

from __future__ import annotations

from typing import Callable, Optional

from ..core import BackwardStep, Dot, Sum, Value, topological_order
from ..symbolic import NotWritable, Symbol, as_caption, reads, write
from .naming import node_names
from .text import number, operand


def local_formula(node: Value, k: int, name: Callable[[Value], str]) -> Optional[tuple[str, list[Value]]]:
    """∂node/∂(its k-th parent) written with names, and the nodes whose numbers it
    reads: for o = a·b, k = 0 gives ("b", [b]). None where the rule cannot be
    written (a hand-made node, or a rule that works on numbers only): the caption
    then shows the number only."""
    op = node.op
    if isinstance(op, Sum):
        return "1", []
    if isinstance(op, Dot):
        return _dot_partner(node, k, name)
    rule = getattr(op, "derivatives", None)
    if rule is None:
        return None
    names = [Symbol.name(operand(name(p)), p.data, p) for p in node.parents]
    out = Symbol.name(operand(name(node)), node.data, node)
    try:
        formulas = write(rule, [*names, out])
    except (NotWritable, ArithmeticError, ValueError):
        return None
    if k >= len(formulas):
        return None
    return as_caption(formulas[k], number), reads(formulas[k])


def _dot_partner(node: Value, k: int, name: Callable[[Value], str]) -> tuple[str, list[Value]]:
    """In a dot, ∂/∂wᵢ is the xᵢ it multiplies (and back), ∂/∂b is 1: read off the layout."""
    op = node.op
    for w, x in op.pairs:
        for mine, partner in ((w, x), (x, w)):
            if mine == k and type(mine) is int:
                if type(partner) is int:
                    return operand(name(node.parents[partner])), [node.parents[partner]]
                return number(node.local_grads[k]), []  # the partner was a plain number
    return "1", []  # the bias


def is_fused(node: Value) -> bool:
    """Whether `node` is one node for many terms (`add_all`, `dot`)."""
    return isinstance(node.op, (Sum, Dot))


def fused_terms(node: Value) -> tuple[list[tuple], float]:
    """The terms a fused node (`add_all`, `dot`) adds up, from its recorded layout, and
    the plain number it adds besides (a bias given as a number, products of two numbers):
    each term is `(value,)` for a term taken as it is (a bias), or `(value, partner)`
    for a product, the partner a `Value` or the plain number it was multiplied by."""
    terms, rest = [], 0.0
    for term in node.op.terms(node):
        if isinstance(term[0], Value):
            terms.append(term)
        elif len(term) == 2 and isinstance(term[1], Value):
            terms.append((term[1], term[0]))  # a number times a Value: the Value first
        else:
            rest += term[0] * term[1] if len(term) == 2 else term[0]
    return terms, rest


def term_number(partner) -> float:
    """The number a fused-sum term's partner stands for: a `Value`'s data, or the plain number."""
    return partner.data if isinstance(partner, Value) else float(partner)


def fused_op_name(node: Value) -> str:
    """A fused node's symbol as shown: `Σ`, `Σw·x`, or `Σw·x+b` when the dot has a bias."""
    return node.op.symbol


def default_namer(node: Value) -> Callable[[Value], str]:
    """Names for one caption when none are given: those of `node`'s own graph."""
    return node_names(topological_order(node)).__getitem__


def step_caption(step: BackwardStep, name: Optional[Callable[[Value], str]] = None,
                 before: Optional[float] = None, position: Optional[int] = None) -> str:
    """What one backward step does, as a student writes it (see the module docstring).

    `step` is an `engine.BackwardStep`; `name(value)` gives each node's name
    (by default `node_names` of the step's own graph); `before` is the parent's
    gradient before the step (by default the step's `parent_grad_before`);
    `position` is the parent's place among the node's parents (by default the
    step's `position`), which tells apart the two edges of `a * a`.
    """
    name = name or default_namer(step.node)
    n, p = operand(name(step.node)), operand(name(step.parent))
    local, up, contribution = number(step.local_grad), number(step.upstream), number(step.contribution)
    if position is None:
        position = step.position
    formula = local_formula(step.node, position, name)
    product = f"{operand(local)} × {operand(up)}"
    if formula is not None and formula[0] != local:
        product = f"{_factor(formula[0])} × {operand(up)} = {product}"
    if before is None:
        before = step.parent_grad_before
    total = f"{p}.grad = {number(before)} + {operand(contribution)} = {number(step.parent_grad)}"
    caption = f"{p}.grad += ∂{n}/∂{p} × {n}.grad = {product} = {contribution}  →  {total}"
    uses = [k for k, parent in enumerate(step.node.parents) if parent is step.parent]
    if len(uses) > 1:  # x·x: one node, two edges, each passing its own share
        caption += f"  ({_ordinal(uses.index(position) + 1)} of the {len(uses)} edges from {p} into {n})"
    return caption


def _ordinal(k: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(k, f"{k}th")


def _factor(text: str) -> str:
    """A formula as one factor of a product: `(1 − o²) × 0.5`, `(−1) × 0.5`."""
    return f"({text})" if text.startswith(("-", "−")) or " " in text else text


def _caption(step: BackwardStep, fmt: str = ".4f", name=None) -> str:
    """The step's arithmetic, as a student writes it (`engine.names.step_caption`).
    Numbers are always in their shortest faithful form; `fmt` is accepted for older callers only."""
    return step_caption(step, name)


BackwardStep.caption = _caption  # every step can say what it does: `step.caption()`
