"""Hypothesis strategies that draw random expression graphs, for property-based gradient tests.

    from hypothesis import given
    from engine import gradcheck
    from engine.strategies import expressions

    @given(expressions())
    def test_backward_agrees_with_central_differences(expr):
        gradcheck(expr, expr.inputs)

An `Expression` is a little program: inputs x0 … x{n-1}, then steps, each one op
applied to earlier inputs, earlier steps or small constants; the last step is the
output. A step may be used by several later steps, so the graph it builds is a DAG
with shared sub-expressions, not just a tree. Because it is a program and not a
graph, the same expression can be rebuilt at any inputs (at x ± ε, for central
differences) or in another library (PyTorch, via a table of functions by op name).

Where the ops come from: `engine.OPS`, the table `define_op` fills. A step is kept
only if the op is safe at the drawn inputs *with a margin*:

- its `domain` accepts every input moved by ±MARGIN (so log never sees 0.001),
- no input is within MARGIN of one of its `kinks` (relu and abs at 0; for x % y,
  where x / y is whole),
- its value and local derivatives, and every node's derivative with respect to
  every input, stay within ±BOUND (so exp cannot overflow and 1/x stays tame).

A step that fails is drawn again (a few times, then left out). So a student's
new op, defined with its domain, is drawn and tested with no change here.

The shape: each step's first operand usually continues a "loose end" (a step no
later step uses yet), otherwise it starts a new branch; its other operands are any
earlier node (that is where sharing comes from). At the end the loose ends are
tied together by binary ops, so every step counts towards the output.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Optional, Sequence, Union

try:
    from hypothesis import strategies as st
except ImportError as missing:  # hypothesis is a test tool, not a dependency of the engine
    raise ImportError(
        "engine.strategies needs the 'hypothesis' package, which comes with stepgrad's dev extra: "
        "pip install 'stepgrad[dev]'"
    ) from missing

from .core import OPS, Op, Value, power_by

#: How far every op input stays from a domain boundary or a kink.
MARGIN = 0.01
#: The largest magnitude any node's value or derivative may take.
BOUND = 100.0
#: Plain numbers that may stand in for one operand of a binary op.
CONSTANTS = (2.0, 3.0, 0.5, -1.0)
#: The exponents n of the fixed powers x ** n drawn when no `ops` are named.
DEFAULT_POWERS = (2.0, 3.0, -1.0, 0.5, -2.0)
#: How many times a step is redrawn before it is left out.
ATTEMPTS = 5


class Constant(NamedTuple):
    """A plain number used as an operand (it becomes a constant leaf)."""

    value: float


class Step(NamedTuple):
    """One op applied to earlier nodes (by index: inputs first, then steps) or constants."""

    op: Op
    operands: tuple  #: each an int (index of an earlier node) or a `Constant`
    exponent: Optional[float] = None  #: for x ** n, the fixed n (and `op` is `power_by(n)`)


# ---- the drawn object -----------------------------------------------------------


class Expression:
    """A random expression, rebuildable on any inputs; prints as a formula.

    >>> from engine.core.ops import tanh, mul, add
    >>> expr = Expression((0.5, -1.0), (Step(mul, (0, 1)), Step(tanh, (2,)), Step(add, (3, 0))))
    >>> expr
    tanh(x0 * x1) + x0   at x0=0.5, x1=-1.0
    >>> round(expr(0.5, -1.0).data, 4)
    0.0379
    """

    def __init__(self, inputs: Sequence[float], steps: Sequence[Step]):
        self.inputs = tuple(inputs)  #: the point the expression was drawn safe at
        self.steps = tuple(steps)

    def leaves(self) -> list[Value]:
        """Fresh input leaves x0, x1, … holding `self.inputs`."""
        return [Value(x, f"x{i}") for i, x in enumerate(self.inputs)]

    def nodes(self, *inputs, table: Optional[Mapping[str, Callable]] = None) -> list:
        """Every node of the expression: the inputs, then each step's result (output last).

        Without `table`, steps run the engine's ops (numbers become constant leaves).
        With one, the step of op `name` runs `table[name](*operands)` and x ** n runs
        `table["pow"](x, n)` — e.g. a table of PyTorch functions builds the same graph
        in PyTorch.
        """
        if len(inputs) != len(self.inputs):
            raise TypeError(f"this expression takes {len(self.inputs)} input(s), got {len(inputs)}")
        nodes = list(inputs)
        for step in self.steps:
            args = [o.value if isinstance(o, Constant) else nodes[o] for o in step.operands]
            nodes.append(step.op(*args) if table is None else _apply_from_table(table, step, args))
        return nodes

    def __call__(self, *inputs) -> Any:
        """The output, built from `inputs` (numbers or `Value`s) with the engine's ops."""
        return self.nodes(*inputs)[-1]

    def formula(self) -> str:
        """The expression as text, e.g. ``tanh(x0 * x1) + x0``.

        A step used more than once is named once (``t0 = x0 * x1; tanh(t0) + t0``)
        so that sharing shows and the text stays short.
        """
        uses = [0] * (len(self.inputs) + len(self.steps))
        for step in self.steps:
            for o in step.operands:
                if not isinstance(o, Constant):
                    uses[o] += 1
        texts = [(f"x{i}", ATOM) for i in range(len(self.inputs))]
        definitions = []
        for step in self.steps:
            text = _step_text(step, [_constant_text(o.value) if isinstance(o, Constant) else texts[o]
                                     for o in step.operands])
            if uses[len(texts)] > 1:
                name = f"t{len(definitions)}"
                definitions.append(f"{name} = {text[0]}")
                text = (name, ATOM)
            texts.append(text)
        return "; ".join(definitions + [texts[-1][0]])

    def __repr__(self) -> str:
        point = ", ".join(f"x{i}={x!r}" for i, x in enumerate(self.inputs))
        return f"{self.formula()}   at {point}"

    def _repr_pretty_(self, printer, cycle) -> None:  # what hypothesis prints for a failing example
        printer.text(repr(self))


def _apply_from_table(table: Mapping[str, Callable], step: Step, args: list):
    try:
        function = table[step.op.name]
    except KeyError:
        raise KeyError(f"the table has no function for the op {step.op.name!r}") from None
    return function(*args) if step.exponent is None else function(*args, step.exponent)


# ---- printing: precedence decides the parentheses ---------------------------------

SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5
INFIX = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "%": PRODUCT, "**": POWER}


def _constant_text(value: float) -> tuple[str, int]:
    return f"{value:g}", UNARY if value < 0 else ATOM


def _step_text(step: Step, operands: list[tuple[str, int]]) -> tuple[str, int]:
    """(text, precedence) of one step, given its operands' (text, precedence)."""
    op = step.op
    if step.exponent is not None:
        return f"{_wrap(operands[0], POWER + 1)} ** {_constant_text(step.exponent)[0]}", POWER
    if op.arity == 2 and op.infix in INFIX:  # the Python operator the op is (`*` for mul)
        level = INFIX[op.infix]
        # Left-associative: the right operand needs a stronger binding, so x0 - (x1 - x2)
        # keeps its parentheses; ** gets them on both sides, for the reader's sake.
        left_needs = level + 1 if op.infix == "**" else level
        return f"{_wrap(operands[0], left_needs)} {op.infix} {_wrap(operands[1], level + 1)}", level
    if op.arity == 1 and op.infix == "-":
        return f"-{_wrap(operands[0], UNARY + 1)}", UNARY
    return f"{op.name}({', '.join(text for text, _ in operands)})", ATOM


def _wrap(operand: tuple[str, int], needs: int) -> str:
    text, level = operand
    return text if level >= needs else f"({text})"


# ---- the strategies ---------------------------------------------------------------


def values(min_value: float = -5, max_value: float = 5) -> st.SearchStrategy[float]:
    """Finite floats in [min_value, max_value]: the inputs of an expression."""
    for name, bound in (("min_value", min_value), ("max_value", max_value)):
        if not _is_finite_number(bound):
            raise ValueError(f"values: {name} must be a finite number, got {bound!r}")
    if min_value > max_value:
        raise ValueError(f"values: min_value {min_value!r} is above max_value {max_value!r}")
    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)


def expressions(max_leaves: int = 5, max_ops: int = 40, ops: Optional[Iterable[Union[str, Op]]] = None,
                powers: Optional[Iterable[float]] = None) -> st.SearchStrategy[Expression]:
    """Random expressions over 1 to `max_leaves` inputs (drawn by `values()`) with up to `max_ops` steps.

    `ops` are op names from `engine.OPS` or `Op` objects (also ones made with
    `define_op(..., register=False)`); by default every op in `engine.OPS` at the
    time of the call. `powers` are the exponents n of fixed powers x ** n to mix in:
    by default `DEFAULT_POWERS` when `ops` is not given, none when it is.
    """
    for name, limit in (("max_leaves", max_leaves), ("max_ops", max_ops)):
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"expressions: {name} must be a whole number >= 1, got {limit!r}")
    menu = _menu(ops, powers)
    return _draw_expression(max_leaves, max_ops, menu)


def _menu(ops, powers) -> list[Step]:
    """What a step can be: each op, and each fixed power, with operands still to fill in."""
    if ops is None:
        chosen, powers = list(OPS.values()), DEFAULT_POWERS if powers is None else powers
    else:
        chosen, powers = [_resolve(op) for op in ops], () if powers is None else powers
    menu = [Step(op, ()) for op in chosen]
    for n in powers:
        if not _is_finite_number(n):
            raise ValueError(f"expressions: a power must be a finite number, got {n!r}")
        menu.append(Step(power_by(float(n)), (), float(n)))
    if not menu:
        raise ValueError("expressions: no ops to draw from (give at least one op or power)")
    return menu


def _resolve(op: Union[str, Op]) -> Op:
    if isinstance(op, Op):
        chosen = op
    elif isinstance(op, str):
        if op not in OPS:
            raise ValueError(f"expressions: no op named {op!r} in engine.OPS (known: {', '.join(OPS)})")
        chosen = OPS[op]
    else:
        raise TypeError(f"expressions: ops must be op names or Op objects, got {type(op).__name__}: {op!r}")
    if not isinstance(chosen.arity, int) or chosen.arity < 1:
        raise ValueError(f"expressions: op {chosen.name!r} has arity {chosen.arity!r}; it needs at least one input")
    return chosen


@st.composite
def _draw_expression(draw, max_leaves: int, max_ops: int, menu: list[Step]) -> Expression:
    n_inputs = draw(st.integers(1, max_leaves), label="number of inputs")
    graph = _Graph([draw(values()) for _ in range(n_inputs)])
    n_steps = draw(st.integers(1, max_ops), label="number of steps")
    for _ in range(n_steps):
        if len(graph.steps) + len(graph.loose_ends) - 1 >= n_steps:  # room left to tie the loose ends?
            break
        _add_step(graph, lambda: _draw_step(draw, menu, graph))
    binary = [template for template in menu if template.op.arity == 2]
    while len(graph.loose_ends) > 1 and binary and len(graph.steps) < max_ops:
        # Tie the loose ends together, so that every step counts towards the output.
        *_, older, newer = graph.loose_ends
        if not _add_step(graph, lambda: draw(st.sampled_from(binary))._replace(operands=(older, newer))):
            graph.loose_ends.remove(older)  # nothing fits: leave that branch out
    return graph.expression()


def _add_step(graph: "_Graph", draw_step: Callable[[], Step]) -> bool:
    """Draw a step until one is safe to add (at most ATTEMPTS times); say whether one was."""
    return any(graph.try_add(draw_step()) for _attempt in range(ATTEMPTS))


def _draw_step(draw, menu: list[Step], graph: "_Graph") -> Step:
    """An op from the menu with its operands: earlier nodes (recent ones first) or a constant.

    The first operand usually continues a loose end (a step nothing uses yet), so
    that most steps reach the output; otherwise it starts a new branch anywhere.
    """
    template = draw(st.sampled_from(menu))
    arity = template.op.arity
    operands = [graph.size - 1 - draw(st.integers(0, graph.size - 1)) for _ in range(arity)]
    if graph.loose_ends and draw(st.sampled_from((True, True, True, False))):
        operands[0] = graph.loose_ends[-1 - draw(st.integers(0, len(graph.loose_ends) - 1))]
    if arity >= 2:  # now and then one operand is a plain number: x0 * 2, 2 ** x1
        constant_at = draw(st.sampled_from((None,) * 6 + tuple(range(arity))))
        if constant_at is not None:
            operands[constant_at] = Constant(draw(st.sampled_from(CONSTANTS)))
    return template._replace(operands=tuple(operands))


class _Graph:
    """The nodes drawn so far, as floats, with each node's derivative w.r.t. every input."""

    def __init__(self, inputs: list[float]):
        self.inputs = inputs
        self.data = list(inputs)
        self.tangents = [tuple(1.0 if i == j else 0.0 for j in range(len(inputs))) for i in range(len(inputs))]
        self.steps: list[Step] = []
        self.loose_ends: list[int] = []  #: steps that no later step uses (yet), oldest first

    @property
    def size(self) -> int:
        return len(self.data)

    def try_add(self, step: Step) -> bool:
        """Add `step` if its op is safe here (see the module's docstring); say whether it was."""
        xs = [o.value if isinstance(o, Constant) else self.data[o] for o in step.operands]
        evaluated = _safe_evaluation(step.op, xs)
        if evaluated is None:
            return False
        out, local_grads = evaluated
        zero = (0.0,) * len(self.inputs)
        parent_tangents = [zero if isinstance(o, Constant) else self.tangents[o] for o in step.operands]
        tangent = tuple(math.fsum(g * t[i] for g, t in zip(local_grads, parent_tangents))
                        for i in range(len(self.inputs)))
        if not all(abs(t) <= BOUND for t in tangent):
            return False
        self.loose_ends = [end for end in self.loose_ends if end not in step.operands] + [self.size]
        self.data.append(out)
        self.tangents.append(tangent)
        self.steps.append(step)
        return True

    def expression(self) -> Expression:
        """The steps the last one depends on, renumbered; no steps at all means just x0."""
        if not self.steps:
            return Expression(self.inputs[:1], ())
        n = len(self.inputs)
        needed = {n + len(self.steps) - 1}
        for index in range(n + len(self.steps) - 1, n - 1, -1):  # later steps only use earlier nodes
            if index in needed:
                needed.update(o for o in self.steps[index - n].operands if not isinstance(o, Constant))
        kept = [i for i in range(n, n + len(self.steps)) if i in needed]
        new_index = {**{i: i for i in range(n)}, **{old: n + k for k, old in enumerate(kept)}}
        steps = [self.steps[old - n] for old in kept]
        steps = [s._replace(operands=tuple(o if isinstance(o, Constant) else new_index[o] for o in s.operands))
                 for s in steps]
        return Expression(self.inputs, steps)


def _safe_evaluation(op: Op, xs: list[float]) -> Optional[tuple[float, tuple]]:
    """`op`'s value and local derivatives at `xs`, or None if `xs` is too close to trouble."""
    try:
        if op.domain is not None and any(op.domain(*probe) is not None for probe in _probes(xs)):
            return None
        if _near_a_kink(op, xs):
            return None
        out = op.forward(*xs)
        local_grads = tuple(op.derivatives(*xs, out))
    except (ArithmeticError, ValueError, TypeError):
        return None
    if len(local_grads) != len(xs) or not all(_moderate(v) for v in (out, *local_grads)):
        return None
    return out, local_grads


def _near_a_kink(op: Op, xs: list[float]) -> bool:
    """Is an input within MARGIN of one of `op`'s kinks? `kinks` is a tuple of inputs
    (relu's 0), or, for kinks that depend on several inputs at once (x % y jumps
    where x / y is whole), a function giving the distance of `xs` to the nearest one."""
    if callable(op.kinks):
        return op.kinks(*xs) < MARGIN
    return any(abs(x - kink) < MARGIN for x in xs for kink in op.kinks)


def _probes(xs: list[float]) -> Iterable[list[float]]:
    """`xs` itself, then `xs` with one input moved by ±MARGIN."""
    yield xs
    for i in range(len(xs)):
        for shift in (-MARGIN, MARGIN):
            moved = list(xs)
            moved[i] += shift
            yield moved


def _moderate(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v) and abs(v) <= BOUND


def _is_finite_number(v) -> bool:
    """An int or float (not a bool) that is neither infinite nor nan."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
