"""Checking gradients the way the cs224n notes do: by finite differences.

    numeric_i = (f(x + h·e_i) − f(x − h·e_i)) / 2h,      h = ε · max(1, |x_i|)

computed in float64 and compared with what `backward()` gives. The step grows
with |x_i| (for x = 1e12, x ± 1e-6 is x again), and at the edge of a domain
(sqrt at 0, log near 0), where f cannot be evaluated on one side, the estimate
is one-sided: (−3f(x) + 4f(x + h) − f(x + 2h)) / 2h, or its mirror image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Callable, Iterable

from .core import Value, as_float

#: What f may raise just outside its domain (then the other side is used).
_OUTSIDE_THE_DOMAIN = (ValueError, ArithmeticError)


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
            mark = "MISMATCH" if not r.ok else "ok by atol" if r.by_atol else "ok"
            if r.method != "central":
                mark += ", " + r.method.replace("central, ", "")
            lines.append(f"{_cut(r.label or f'x{r.index}', 8):>8} {r.x:>10.4g} {r.analytic:>12.6g} "
                         f"{r.numeric:>12.6g} {r.error:>9.2e}  {mark}")
        lines.append(f"ok: |diff| <= atol + rtol·|numeric| = {self.atol:g} + {self.rtol:g}·|numeric|")
        lines.append("ok by atol: the rtol part alone would not have been enough")
        lines.append(f"step: h = {self.eps:g}·max(1, |x|), central unless the row says otherwise")
        return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def gradcheck(f: Callable[..., Value], inputs: Iterable, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3) -> GradcheckReport:
    """Compare `backward()` with finite differences for every input of `f`.

    `f` takes one `Value` per input and returns a `Value`; `inputs` is any
    iterable of numbers or `Value`s (whose data and labels are used; their
    gradients are left alone). The step for input i is eps·max(1, |x_i|);
    differences are central, or one-sided where f is undefined on one side.
    Returns the report; raises `GradcheckError` (an AssertionError) carrying the
    report if any input's gradients disagree by more than atol + rtol·|numeric|.
    The report says when atol alone decided that an input agrees.
    """
    if not callable(f):
        raise TypeError(f"gradcheck needs a function, got {type(f).__name__}")
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
    rows = []
    for i, x in enumerate(points):
        h = eps * max(1.0, abs(x))

        def at(shift: float) -> float:
            moved = list(points)
            moved[i] = x + shift
            return evaluate(moved)[0].data

        numeric, method = _difference(at, out.data, h, eps * abs(x), f"x{i} = {x!r}")
        analytic = leaves[i].grad
        error = abs(analytic - numeric)
        ok = error <= atol + rtol * abs(numeric)
        rows.append(GradcheckRow(i, labels[i], x, analytic, numeric, ok, h, method,
                                 by_atol=ok and error > rtol * abs(numeric)))
    report = GradcheckReport(tuple(rows), atol, rtol, eps)
    if not report.ok:
        raise GradcheckError(report)
    return report


def _difference(at: Callable[[float], float], here: float, h: float, small: float,
                where: str) -> tuple[float, str]:
    """The finite-difference slope at a point: central where f is defined on both
    sides (first with step h, then with the purely relative step ε·|x|, which
    stays on x's side of 0, where most domains end), else one-sided with step h."""
    above, below = _try(at, h), _try(at, -h)
    if above is not None and below is not None:
        return (above - below) / (2 * h), "central"
    if 0 < small < h and (a := _try(at, small)) is not None and (b := _try(at, -small)) is not None:
        return (a - b) / (2 * small), "central, step ε·|x|"
    try:
        if above is not None:  # f stops just below x: a one-sided difference from above
            return (-3 * here + 4 * above - at(2 * h)) / (2 * h), "one-sided +"
        if below is not None:
            return (3 * here - 4 * below + at(-2 * h)) / (2 * h), "one-sided −"
    except _OUTSIDE_THE_DOMAIN:
        pass
    raise ValueError(f"gradcheck: f cannot be evaluated within {h:g} of {where} on either side")


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
