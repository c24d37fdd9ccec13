"""Checking gradients the way the cs224n notes do: by finite differences.

    numeric_i = (f(x + h·e_i) − f(x − h·e_i)) / 2h

computed in float64 and compared with what `backward()` gives. At the edge of a
domain (sqrt at 0, log near 0), where f cannot be evaluated on one side, the
estimate is one-sided: (−3f(x) + 4f(x + h) − f(x + 2h)) / 2h, or its mirror image.

The step h for input i. A difference quotient has two errors. Truncation, about
h²·|f'''|/6, shrinks with h. Rounding grows as h shrinks: f is only known to
about δf = u·Σ|v·∂f/∂v| over the values v of its graph (each value is rounded by
up to u·|v|, u = 2⁻⁵³ ≈ 1.1e-16, float64's unit roundoff, and that reaches f
times ∂f/∂v; backward has just computed every ∂f/∂v), so the quotient is off by
up to about δf/h. The step is eps·max(1, |x_i|), which keeps truncation small
for x of any size (for x = 1e12, x ± 1e-6 is x again), unless δf/h would then
be more than a quarter of the tolerance atol + rtol·|∂f/∂x_i| (f = 1e10·x + y:
δf ≈ 3e-6 swamps a step of 1e-6 in y): then h is raised to 4·δf/tolerance, at
most `MAX_RELATIVE_STEP`·max(1, |x_i|).

Why a row disagrees, when it does (`GradcheckRow.why`), from the numbers:
"domain edge" (a one-sided difference), "rounding" (the disagreement is no
larger than 2δf/h, what rounding alone can make of two values of f: the numeric
value is unreliable, which says nothing against the gradient; a row whose δf/h
exceeds the tolerance even at the step used is not taken as agreeing either), "kink" (the estimate moves when the step is halved, or the
slopes either side of x differ and the difference does not halve with the step,
as it would where f is smooth: a corner like relu's or abs's, or a bend too sharp
for the step, within h of x), else "mismatch" (f looks smooth at this step and
the two still disagree: suspect a derivative rule).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from numbers import Real
from typing import Callable, Iterable, NamedTuple, Optional, Sequence

from .core import Value, as_float, topological_order
from .names import visible

#: What f may raise just outside its domain (then the other side is used).
_OUTSIDE_THE_DOMAIN = (ValueError, ArithmeticError)
#: float64's unit roundoff: a rounded result is within a factor 1 ± u of the exact one.
UNIT_ROUNDOFF = sys.float_info.epsilon / 2
#: Rounding may use at most this share of the tolerance (1/4) before the step is raised.
ROUNDING_SHARE = 4.0
#: The largest step, relative to max(1, |x|), that a raised step may take.
MAX_RELATIVE_STEP = 1e-2

#: What `GradcheckRow.why` says, for a row that disagrees.
REASONS = ("domain edge", "rounding", "kink", "mismatch")


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with its finite-difference estimate."""

    def __init__(self, report: "GradcheckReport"):
        super().__init__("gradcheck failed:\n" + str(report))
        self.report = report


@dataclass(frozen=True)
class GradcheckRow:
    """One input's verdict."""

    index: int
    label: str
    x: float
    analytic: float
    numeric: float
    ok: bool
    step: float = 0.0          #: h, the finite-difference step used for this input
    method: str = "central"    #: "central", or "one-sided +" / "one-sided −" at a domain edge
    by_atol: bool = False      #: ok only thanks to atol (the relative test alone would have failed)
    rounding: float = 0.0      #: δf/h: how far rounding in f may move `numeric` at this step
    why: str = ""              #: for a row that disagrees, one of REASONS (see the module); "" if ok
    raised: bool = False       #: the step was raised above eps·max(1, |x|) because of rounding

    @property
    def error(self) -> float:
        return abs(self.analytic - self.numeric)


@dataclass(frozen=True)
class GradcheckReport:
    """Every input's analytic and numeric gradient; `ok` if all agree."""

    rows: tuple[GradcheckRow, ...]
    atol: float
    rtol: float
    eps: float = 1e-6

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    def __str__(self) -> str:
        """A table that fits 80 columns: one row per input, then how `ok` was decided."""
        lines = [f"{'input':>8} {'x':>10} {'backward':>12} {'numeric':>12} {'|diff|':>9}"]
        for r in self.rows:
            mark = "ok" if r.ok and not r.by_atol else "ok by atol" if r.ok else \
                "UNRELIABLE" if r.why == "rounding" else "MISMATCH"
            if r.method != "central":
                mark += ", " + r.method.replace("central, ", "")
            lines.append(f"{visible(r.label or f'x{r.index}', 8):>8} {r.x:>10.4g} {r.analytic:>12.6g} "
                         f"{r.numeric:>12.6g} {r.error:>9.2e}  {mark}")
            if r.raised or r.why == "rounding":
                lines.append(f"{'':19} h = {r.step:.1e}{' (raised)' if r.raised else ''}: rounding may move "
                             f"numeric by {r.rounding:.1e}")
        lines.append(f"ok: |diff| <= atol + rtol·|numeric| = {self.atol:g} + {self.rtol:g}·|numeric|")
        if any(r.ok and r.by_atol for r in self.rows):  # (a legend for the rows that say so, only)
            lines.append("ok by atol: the rtol part alone would not have been enough")
        lines.append(f"step: h = {self.eps:g}·max(1, |x|), central unless the row says otherwise")
        if any(r.raised for r in self.rows):
            lines.append("(raised): a larger step, so that rounding in f stays inside the tolerance")
        if any(r.why == "rounding" for r in self.rows):
            lines.append("UNRELIABLE: rounding in f is too large for a finite difference to check this")
        return "\n".join(lines)


class _Estimate(NamedTuple):
    """A finite-difference slope, how it was taken, and what it was taken from."""

    slope: float
    method: str
    step: float
    above: Optional[float] = None  # f(x + step), f(x − step) for a central difference
    below: Optional[float] = None


def gradcheck(f: Callable[..., Value], inputs: Iterable, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, *, value_at: Optional[Callable[[Sequence[float]], float]] = None
              ) -> GradcheckReport:
    """Compare `backward()` with finite differences for every input of `f`.

    `f` takes one `Value` per input and returns a `Value`; `inputs` is any
    iterable of numbers or `Value`s (whose data and labels are used; their
    gradients are left alone). The step for input i is eps·max(1, |x_i|), raised
    where rounding in f would swamp it (see the module); differences are central,
    or one-sided where f is undefined on one side.
    Returns the report; raises `GradcheckError` (an AssertionError) carrying the
    report if any input's gradients disagree by more than atol + rtol·|numeric|,
    or if rounding in f may move the numeric value by more than that.
    The report says when atol alone decided that an input agrees, and for each
    disagreement, why it likely arose (`GradcheckRow.why`).

    `value_at`, if given, is f's value at a point as a float, `value_at(xs)` for a
    list of one number per input: a faster way to the same numbers than building
    f's graph at every point (`Formula.value_at`, from engine/parse.py, gives one for a
    formula). backward still runs on f's graph; the finite differences use
    `value_at`, which must agree with f at the inputs.
    """
    if not callable(f):
        raise TypeError(f"gradcheck needs a function, got {type(f).__name__}")
    if value_at is not None and not callable(value_at):
        raise TypeError(f"gradcheck: value_at must be a function, got {type(value_at).__name__}")
    try:
        inputs = list(inputs)
    except TypeError:
        raise TypeError(f"gradcheck: inputs must be an iterable of numbers, got {type(inputs).__name__}") from None
    points = [as_float(x.data if isinstance(x, Value) else x, "gradcheck input") for x in inputs]
    labels = [x.label if isinstance(x, Value) else "" for x in inputs]
    if not points:
        raise ValueError("gradcheck needs at least one input")
    eps, atol, rtol = _tolerance(eps, "eps", positive=True), _tolerance(atol, "atol"), _tolerance(rtol, "rtol")

    def evaluate(xs: list[float]) -> tuple[Value, list[Value]]:
        leaves = [Value(x, label) for x, label in zip(xs, labels)]
        out = f(*leaves)
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
        return out, leaves

    out, leaves = evaluate(points)
    out.backward()
    if value_at is not None:
        start = value_at(list(points))
        if not math.isclose(start, out.data, rel_tol=1e-12, abs_tol=1e-300):
            raise ValueError(f"gradcheck: value_at gives {start!r} at the inputs, but f gives {out.data!r}")
    rounding = _rounding(out)
    rows = []
    for i, x in enumerate(points):

        def at(shift: float) -> float:
            moved = list(points)
            moved[i] = x + shift
            return value_at(moved) if value_at is not None else evaluate(moved)[0].data

        analytic = _number(leaves[i].grad)
        usual = eps * max(1.0, abs(x))
        tolerance = atol + rtol * abs(analytic)
        wanted = ROUNDING_SHARE * rounding / tolerance if tolerance > 0 else math.inf
        h = max(usual, min(wanted, MAX_RELATIVE_STEP * max(1.0, abs(x))))
        estimate = _difference(at, out.data, h, eps * abs(x), f"x{i} = {x!r}")
        numeric = estimate.slope
        error = abs(analytic - numeric)
        allowed = atol + rtol * abs(numeric)
        noise = rounding / estimate.step
        # agreement within a rounding error larger than the tolerance would prove nothing
        ok = error <= allowed and noise <= allowed
        why = "" if ok else _why(at, out.data, estimate, error, noise, allowed)
        rows.append(GradcheckRow(i, labels[i], x, analytic, numeric, ok, estimate.step, estimate.method,
                                 by_atol=ok and error > rtol * abs(numeric), rounding=noise, why=why,
                                 raised=estimate.step > usual))
    report = GradcheckReport(tuple(rows), atol, rtol, eps)
    if not report.ok:
        raise GradcheckError(report)
    return report


def _rounding(out: Value) -> float:
    """δf = u·Σ|v·∂f/∂v| over the values v of f's graph: about how far rounding
    may have moved f (backward has just set every ∂f/∂v)."""
    total = math.fsum(abs(node.data * _number(node.grad)) for node in topological_order(out))
    return UNIT_ROUNDOFF * total if math.isfinite(total) else math.inf


def _number(x) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _difference(at: Callable[[float], float], here: float, h: float, small: float, where: str) -> _Estimate:
    """The finite-difference slope at a point: central where f is defined on both
    sides (first with step h, then with the purely relative step ε·|x|, which
    stays on x's side of 0, where most domains end), else one-sided with step h."""
    above, below = _try(at, h), _try(at, -h)
    if above is not None and below is not None:
        return _Estimate((above - below) / (2 * h), "central", h, above, below)
    if 0 < small < h and (a := _try(at, small)) is not None and (b := _try(at, -small)) is not None:
        return _Estimate((a - b) / (2 * small), "central, step ε·|x|", small, a, b)
    try:
        if above is not None:  # f stops just below x: a one-sided difference from above
            return _Estimate((-3 * here + 4 * above - at(2 * h)) / (2 * h), "one-sided +", h)
        if below is not None:
            return _Estimate((3 * here - 4 * below + at(-2 * h)) / (2 * h), "one-sided −", h)
    except _OUTSIDE_THE_DOMAIN:
        pass
    raise ValueError(f"gradcheck: f cannot be evaluated within {h:g} of {where} on either side")


def _why(at: Callable[[float], float], here: float, estimate: _Estimate, error: float, noise: float,
         tolerance: float) -> str:
    """Why a row disagrees, from the numbers (see the module): one of REASONS."""
    if estimate.above is None:
        return "domain edge"
    if error <= 2 * noise:  # no larger than what rounding alone can make of the two values
        return "rounding"
    h = estimate.step
    above, below = _try(at, h / 2), _try(at, -h / 2)
    if above is None or below is None:
        return "domain edge"
    # Where f is smooth within the step, the slope hardly moves when the step is
    # halved (by about h²·|f'''|/8), and the bend (right slope − left slope, about
    # h·|f''|) halves with it. A corner, or a bend too sharp for the step, moves the
    # slope or keeps the bend. Rounding moves a slope by up to δf/step, a bend by 4δf/step.
    bend = abs(estimate.above - 2 * here + estimate.below) / h
    half_bend = abs(above - 2 * here + below) / (h / 2)
    settled = abs((above - below) / h - estimate.slope) <= tolerance + 3 * noise
    halves = bend <= tolerance or abs(half_bend - bend / 2) <= bend / 4 + 12 * noise
    return "mismatch" if settled and halves else "kink"


def _try(at: Callable[[float], float], shift: float):
    try:
        return at(shift)
    except _OUTSIDE_THE_DOMAIN:
        return None


def _tolerance(x, name: str, positive: bool = False) -> float:
    if isinstance(x, bool) or not isinstance(x, Real) or not math.isfinite(x) or x < 0 or (positive and x == 0):
        need = "a finite number > 0" if positive else "a finite number >= 0"
        raise ValueError(f"gradcheck: {name} must be {need}, got {x!r}")
    return float(x)
