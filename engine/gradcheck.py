"""Checking gradients the way the cs224n notes do: by central differences.

    numeric_i = (f(x + ε·e_i) − f(x − ε·e_i)) / 2ε

computed in float64 and compared with what `backward()` gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from .value import Value, as_float


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

    @property
    def error(self) -> float:
        return abs(self.analytic - self.numeric)


@dataclass(frozen=True)
class GradcheckReport:
    """Every input's analytic and numeric gradient; `ok` if all agree."""

    rows: tuple[GradcheckRow, ...]
    atol: float
    rtol: float

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    def __str__(self) -> str:
        lines = [f"{'input':>10} {'x':>12} {'backward':>14} {'numeric':>14} {'|diff|':>10}"]
        for r in self.rows:
            name = r.label or f"x{r.index}"
            mark = "ok" if r.ok else f"MISMATCH (allowed {self.atol:g} + {self.rtol:g}·|numeric|)"
            lines.append(f"{name:>10} {r.x:>12.6g} {r.analytic:>14.8g} {r.numeric:>14.8g} {r.error:>10.2e}  {mark}")
        return "\n".join(lines)


def gradcheck(f: Callable[..., Value], inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3) -> GradcheckReport:
    """Compare `backward()` with central differences for every input of `f`.

    `f` takes one `Value` per input and returns a `Value`; `inputs` are numbers
    or `Value`s (whose data and labels are used; their gradients are left alone).
    Returns the report; raises `GradcheckError` (an AssertionError) carrying the
    report if any input's gradients disagree by more than atol + rtol·|numeric|.
    """
    if not callable(f):
        raise TypeError(f"gradcheck needs a function, got {type(f).__name__}")
    points = [as_float(x.data if isinstance(x, Value) else x, "gradcheck input") for x in inputs]
    labels = [x.label if isinstance(x, Value) else "" for x in inputs]
    if not points:
        raise ValueError("gradcheck needs at least one input")
    if not eps > 0:
        raise ValueError(f"gradcheck: eps must be positive, got {eps!r}")

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
        above, below = list(points), list(points)
        above[i] += eps
        below[i] -= eps
        numeric = (evaluate(above)[0].data - evaluate(below)[0].data) / (2 * eps)
        analytic = leaves[i].grad
        ok = abs(analytic - numeric) <= atol + rtol * abs(numeric)
        rows.append(GradcheckRow(i, labels[i], x, analytic, numeric, ok))
    report = GradcheckReport(tuple(rows), atol, rtol)
    if not report.ok:
        raise GradcheckError(report)
    return report
