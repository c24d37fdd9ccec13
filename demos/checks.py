"""The article beside the engine: one printed row per derived quantity.

Every demo works a derivation out twice: once the way the article does it (a
closed form, written with plain floats or numpy), once by the engine's backward
pass. A `Checks` prints the two side by side with a tick when they agree and a
cross when they do not, and remembers whether anything disagreed, so the demo
can exit non-zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TextIO

#: Relative and absolute tolerance for "the same number": the article's formula
#: and the engine add the same terms in a different order, nothing more.
RTOL, ATOL = 1e-9, 1e-12


def flatten(x) -> list[float]:
    """A number, a Value, or nested lists / arrays of them, as a flat list of floats."""
    if hasattr(x, "tolist"):  # numpy arrays and scalars
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        return [f for item in x for f in flatten(item)]
    return [float(getattr(x, "data", x))]


def agree(article: float, engine: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """True when two numbers are equal up to rounding (and neither is nan)."""
    return math.isclose(article, engine, rel_tol=rtol, abs_tol=atol)


@dataclass(frozen=True)
class Row:
    """One printed comparison."""

    what: str
    article: list[float]
    engine: list[float]
    ok: bool

    def worst(self) -> float:
        """The largest |article − engine| over all entries."""
        return max(abs(a - e) for a, e in zip(self.article, self.engine))


class Checks:
    """Prints article-vs-engine rows and counts the crosses."""

    def __init__(self, out: TextIO, tick: str = "✓", cross: str = "✗"):
        self.out = out
        self.tick, self.cross = tick, cross
        self.rows: list[Row] = []

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if not row.ok]

    def compare(self, what: str, article, engine, rtol: float = RTOL, atol: float = ATOL) -> bool:
        """Print `what`: the article's value(s) beside the engine's, ticked or crossed.

        A single number prints both values; a vector or matrix prints its size
        and the largest difference (every entry must agree for a tick).
        """
        a, e = flatten(article), flatten(engine)
        ok = len(a) == len(e) and all(agree(x, y, rtol, atol) for x, y in zip(a, e))
        row = Row(what, a, e, ok)
        self.rows.append(row)
        self.out.write(self._format(row) + "\n")
        return ok

    def expect(self, what: str, claim: bool, detail: str = "") -> bool:
        """A yes/no claim from the article (e.g. "hidden units stay identical")."""
        self.rows.append(Row(what, [1.0], [1.0 if claim else 0.0], bool(claim)))
        mark = self.tick if claim else self.cross
        self.out.write(f"  {mark} {what}" + (f"  ({detail})" if detail else "") + "\n")
        return bool(claim)

    def _format(self, row: Row) -> str:
        mark = self.tick if row.ok else self.cross
        if len(row.article) != len(row.engine):
            return f"  {mark} {row.what}: article has {len(row.article)} numbers, engine {len(row.engine)}"
        if len(row.article) == 1:
            return f"  {mark} {row.what:<38} article {row.article[0]:>15.10g}   engine {row.engine[0]:>15.10g}"
        return f"  {mark} {row.what:<38} {len(row.article)} entries, largest |article − engine| = {row.worst():.1e}"

    def summary(self) -> str:
        bad = self.failed
        if not bad:
            return f"{self.tick} all {len(self.rows)} checks agree with the article"
        names = ", ".join(row.what for row in bad)
        return f"{self.cross} {len(bad)} of {len(self.rows)} checks DISAGREE: {names}"


def marks_for(stream: TextIO) -> tuple[str, str]:
    """✓ and ✗ where the stream can print them, otherwise "ok" and "XX"."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        "✓✗→∂".encode(encoding)
        return "✓", "✗"
    except (UnicodeEncodeError, LookupError):
        return "ok", "XX"
