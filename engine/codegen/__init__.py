"""The backward pass as code: a graph turned into straight-line Python.

    >>> from engine import Value, to_python
    >>> x, w = Value(2.0, "x"), Value(-3.0, "w")
    >>> y = x * w
    >>> y.label = "y"
    >>> f = to_python(y, [w])
    >>> print(f.source)
    def forward_backward(w):
        # forward: one line per node
        x = 2.0
        y = x * w
        # tanh(inf) = 1 could hide an overflow: the sum of the values above is
        # finite only if each one is; if not, the graph engine redoes the call
        if not -inf < y < inf:
            raise NotFinite
        # backward: each line adds local derivative × upstream to a parent's grad
        grad_y = 1.0
        grad_w = 0.0
        # w.grad += ∂y/∂w × y.grad
        grad_w += x * grad_y
        return y, (grad_w,)
    >>> f([5.0])
    (10.0, (2.0,))

`to_python(root, wrt)` writes one assignment per node (the forward pass), then
one line per edge of the graph in the order `backward()` walks them (the backward
pass), each `parent's grad += local derivative × upstream`. The leaves in `wrt`
become the function's arguments; every other leaf is baked in as a constant, and
so is every node that does not depend on `wrt` (nothing it passes back can reach them).

The generated code does the SAME float operations, in the same order, as the
graph engine: each op's forward value and local derivatives written from the op's
own rules (plan.py), fused sums as the same builtin `sum()` call, and every
gradient summed in the order of the backward walk. So it returns the same floats,
bit for bit, on every Python. Where the engine does something other than plain
arithmetic, the code hands over to it:

- An op with a domain the code cannot decide in advance (log, sqrt, division by
  a variable, powers) is called through the op itself, so a log of a negative
  number raises the same error naming the op.
- The engine's numbers are finite: an op whose result is not raises, and the
  walk's policy turns 0 × inf into 0 or raises for a nan. Straight-line code
  just multiplies, so a value or gradient that comes out as nan or ±inf (or
  an error inside the code) sends that call to the engine itself (replay.py):
  a copy of the graph at the new numbers, built by the same ops and walked by
  `backward()`, whose answer or error is returned.
- An overflow in between can leave no trace in what is returned: tanh(inf)
  is 1.0, relu(-inf) is 0.0. So after every `limits.CHECK_EVERY` forward lines the
  code adds up the values they computed, one `+` per node: the sum is finite
  only if each of them is (or, rarely, it overflows although they are all
  finite: a false alarm, which costs a replay, never a wrong answer). A check
  that fails raises `NotFinite`, and the engine takes over as above and names
  the op. Values of an op the code calls with its checks are left out of the sums.

A big graph (more than `limits.GATHER_ABOVE` lines written edge by edge) gets its
backward pass one line per node instead (emit.py), and big code is split into
functions of at most `limits.LINES_PER_PART` lines (split.py). Nothing here recurses.
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional, Sequence

from ..core import Constant, Value, as_float, topological_order
from . import limits
from .emit import forward_line, segments, step_lines
from .plan import FUNCTION_NAME, NotFinite, Plan, shown
from .replay import matches, replay
from .split import compile_parts, parts, source_parts


class CompiledGraph:
    """A graph as a Python function of its parameters: value and gradients.

    `source` is the generated code; calling the object runs it on new numbers
    for the `wrt` leaves (same order) and returns `(value, grads)`.
    `step_lines[i]` is the line of `source` (1-based) that applies backward step
    `i` of `engine.backward_steps(root)`, or None for a step the code leaves out
    (an edge into a node that does not depend on `wrt`).
    """

    def __init__(self, plan: Plan):
        self._plan = plan
        self._body, self._gathered = segments(plan)
        self._parts = parts(self._body, limits.LINES_PER_PART)
        self.wrt: tuple[Value, ...] = plan.wrt
        self.step_lines: tuple[Optional[int], ...] = tuple(step_lines(plan, self._body, len(self._parts) == 1))
        self._function: Callable = compile_parts(plan, self._body, self._gathered, self._parts)

    @property
    def line_count(self) -> int:
        """How many lines the function's body has (comments included; not the `def` lines)."""
        return sum(len(segment.lines) for segment in self._body)

    @property
    def source(self) -> str:
        """The generated Python (written out on each access: it can be large)."""
        return "\n\n".join(source_parts(self._plan, self._body, self._gathered, self._parts))

    def matches(self, root: Value, wrt: Iterable[Value]) -> bool:
        """Whether `root`'s graph is the compiled one, up to the values of its `wrt` leaves:
        the same ops joined the same way, and the same constants (the code has them baked in)."""
        return matches(self._plan, root, tuple(wrt))

    def line(self, step_index: int) -> Optional[str]:
        """The source line that applies backward step `step_index`, or None."""
        number = self.step_lines[step_index]
        return None if number is None else self.source.split("\n")[number - 1]

    def __call__(self, values: Sequence) -> tuple[float, tuple[float, ...]]:
        """(value of the root, d root / d each wrt leaf) at `values`, one number per wrt leaf."""
        numbers = [as_float(v, "to_python value") for v in values]
        if len(numbers) != len(self.wrt):
            raise TypeError(f"this compiled graph takes {len(self.wrt)} number(s), one per wrt leaf; "
                            f"got {len(numbers)}")
        try:
            result = self._function(*numbers)
        except (ArithmeticError, ValueError):
            return replay(self._plan, numbers)  # the engine's own error (or answer)
        value, grads = result[0], result[1]
        if value - value != 0.0 or any(g - g != 0.0 for g in grads):  # nan or ±inf: the engine decides
            return replay(self._plan, numbers)
        return result

    def __repr__(self) -> str:
        return f"CompiledGraph({len(self.wrt)} parameters, {self.line_count} lines)"


def to_python(root: Value, wrt: Iterable[Value], also: Iterable[Value] = ()) -> CompiledGraph:
    """Turn the graph of `root` into straight-line Python with `wrt` as arguments.

    `wrt` are leaves of the graph (the parameters); every other leaf, and every
    node that does not depend on `wrt`, becomes a constant. See the module's
    docstring for what the code looks like and why its floats are the engine's.
    `also`: more nodes of the graph whose values the function returns too (a
    model's scores, say): then a call gives `(value, grads, also_values)`.
    """
    if not isinstance(root, Value):
        raise TypeError(f"to_python needs a Value as root, got {type(root).__name__}")
    wrt = _checked_wrt(wrt)
    return CompiledGraph(Plan(root, wrt, tuple(also)))


def _checked_wrt(wrt) -> tuple[Value, ...]:
    wrt = tuple(wrt) if not isinstance(wrt, Value) else (wrt,)
    seen: set = set()
    for leaf in wrt:
        if not isinstance(leaf, Value):
            raise TypeError(f"to_python: wrt must hold Values, got {type(leaf).__name__}: {leaf!r}")
        if leaf.parents:
            raise ValueError(f"to_python: wrt must hold leaves (the parameters), but {shown(leaf)} "
                             f"was made by {str(leaf.op)!r}")
        if type(leaf) is Constant:
            raise ValueError(f"to_python: wrt must hold variables, but {shown(leaf)} is a Constant "
                             "(a number of the formula: it gets no gradient)")
        if leaf in seen:
            raise ValueError(f"to_python: {shown(leaf)} appears twice in wrt")
        seen.add(leaf)
    return wrt


def _every_leaf(root: Value) -> list[Value]:
    """Every leaf that a backward pass gives a gradient (constants get none)."""
    return [node for node in topological_order(root) if not node.parents and type(node) is not Constant]


def step_code(root: Value, wrt: Optional[Iterable[Value]] = None) -> list[Optional[str]]:
    """The generated line of each backward step, aligned with `engine.backward_steps(root)`.

    For a step-through page: step i's chain rule as code, e.g. ``grad_w1 += x1 * grad_x1w1``.
    `wrt` defaults to every leaf of the graph, so that every step has its line; with
    fewer, a step into a node that does not depend on them has none (None). Nothing is compiled.
    """
    plan = Plan(root, _checked_wrt(_every_leaf(root) if wrt is None else wrt))
    body, _ = segments(plan)
    lines = [line.strip() for part in source_parts(plan, body, False, [(0, len(body))])
             for line in part.split("\n")]
    return [None if number is None else lines[number - 1] for number in step_lines(plan, body, True)]


def forward_code(root: Value, wrt: Optional[Iterable[Value]] = None) -> list[Optional[str]]:
    """The generated forward line of each node of `engine.topological_order(root)` (same index).

    For a step-through page's forward pass: node i's assignment, e.g. ``x1w1 = x1 * w1``.
    A leaf in `wrt` (default: every leaf) is an argument of the function and has no line
    (None); a constant the code folds in is written as its number. Nothing is compiled.
    """
    plan = Plan(root, _checked_wrt(_every_leaf(root) if wrt is None else wrt))
    return [forward_line(plan, node) for node in plan.order]


__all__ = ["CompiledGraph", "to_python", "step_code", "forward_code", "NotFinite", "FUNCTION_NAME", "limits"]
