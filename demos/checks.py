"""The expected number beside the engine's: one printed row per derived quantity.

Every demo works a derivation out twice: once independently of the backward
pass, once by it. The independent number is one of four kinds, and the row
says which, so "article" is never claimed for a number the article does not
give:

- `ARTICLE`: a number the article itself gives (the notes' f = x·y = −12);
- `FORMULA`: the article's own formula (its equation, its code) worked out at
  the demo's numbers: the formula is the article's, the number is not in it;
- `CLOSED`: a closed form worked out here (by hand, or in numpy), not the article's;
- `NUMERIC`: central differences, (f(x + ε) − f(x − ε)) / 2ε.

A `Checks` prints the two side by side with a tick when they agree and a cross
when they do not, and remembers whether anything disagreed, so the demo can
exit non-zero. Small vectors and matrices (up to `FULL` entries) are printed in
full; bigger ones print their largest difference.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import TextIO

#: Relative and absolute tolerance for "the same number": the article's formula
#: and the engine add the same terms in a different order, nothing more.
RTOL, ATOL = 1e-9, 1e-12

ARTICLE, FORMULA, CLOSED, NUMERIC = "article", "article's formula", "closed form", "numeric"

#: Rows with at most this many entries print every entry.
FULL = 8

#: The terminal width every line keeps to (a projector font).
WIDTH = 80


def flatten(x) -> list[float]:
    """A number, a Value, or nested lists / arrays of them, as a flat list of floats."""
    if hasattr(x, "tolist"):  # numpy arrays and scalars
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        return [f for item in x for f in flatten(item)]
    return [float(getattr(x, "data", x))]


def shape(x) -> tuple[int, ...]:
    """(n,) for a flat list, (rows, columns) for a list of equal rows, () for a number."""
    if hasattr(x, "tolist"):
        x = x.tolist()
    if not isinstance(x, (list, tuple)):
        return ()
    inner = {shape(item) for item in x}
    if len(inner) == 1 and (only := inner.pop()) and len(only) == 1:
        return (len(x), only[0])
    return (len(flatten(x)),)


def agree(expected: float, engine: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """True when two numbers are equal up to rounding (and neither is nan)."""
    return math.isclose(expected, engine, rel_tol=rtol, abs_tol=atol)


def number(x: float, digits: int = 10) -> str:
    """A number in the shortest faithful form to `digits` significant digits:
    -3, 0.7071067812, 1.5e-17 (never -0)."""
    text = f"{x:.{digits}g}"
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class Row:
    """One printed comparison."""

    what: str
    expected: list[float]
    engine: list[float]
    ok: bool
    source: str = CLOSED
    shape: tuple = ()

    def worst(self) -> float:
        """The largest |expected − engine| over all entries."""
        return max(abs(a - e) for a, e in zip(self.expected, self.engine))


class Checks:
    """Prints expected-vs-engine rows and counts the crosses."""

    def __init__(self, out: TextIO, tick: str = "✓", cross: str = "✗"):
        self.out = out
        self.tick, self.cross = tick, cross
        self.rows: list[Row] = []

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if not row.ok]

    def compare(self, what: str, expected, engine, source: str = CLOSED, rtol: float = RTOL,
                atol: float = ATOL) -> bool:
        """Print `what`: the expected value(s) beside the engine's, ticked or crossed.

        `source` says where the expected number comes from (`ARTICLE`, `FORMULA`,
        `CLOSED` or `NUMERIC`). Every entry must agree for a tick.
        """
        a, e = flatten(expected), flatten(engine)
        ok = len(a) == len(e) and all(agree(x, y, rtol, atol) for x, y in zip(a, e))
        row = Row(what, a, e, ok, source, shape(expected))
        self.rows.append(row)
        self.out.write("\n".join(self._format(row)) + "\n")
        return ok

    def expect(self, what: str, claim: bool, detail: str = "") -> bool:
        """A yes/no claim (e.g. "hidden units stay identical"), ticked or crossed."""
        self.rows.append(Row(what, [1.0], [1.0 if claim else 0.0], bool(claim), source="claim"))
        mark = self.tick if claim else self.cross
        line = f"  {mark} {what}"
        if detail and columns(line) + columns(detail) + 4 <= WIDTH:
            line += f"  ({detail})"
        elif detail:
            line += "\n" + "\n".join(wrap(f"      ({detail})", indent=1))
        self.out.write(line + "\n")
        return bool(claim)

    def _format(self, row: Row) -> list[str]:
        mark = self.tick if row.ok else self.cross
        head = f"  {mark} {row.what}"
        if len(row.expected) != len(row.engine):
            return [head, f"      {row.source} has {len(row.expected)} numbers, engine {len(row.engine)}"]
        if len(row.expected) == 1:
            right = f"{row.source:>{max(11, len(row.source) + 2)}} {number(row.expected[0]):>16}  engine {number(row.engine[0]):>16}"
            if columns(head) + 1 + len(right) <= WIDTH:
                return [head + " " * (WIDTH - len(right) - columns(head)) + right]
            compact = f"{row.source} {number(row.expected[0])}  engine {number(row.engine[0])}"
            if columns(head) + 2 + len(compact) <= WIDTH:
                return [f"{head}  {compact}"]
            return [head, right.rjust(WIDTH)]
        if len(row.expected) <= FULL:
            return [head + _size(row.shape, len(row.expected)), *_in_full(row)]
        right = f"{len(row.expected)} entries, largest |{row.source} − engine| = {row.worst():.1e}"
        if columns(head) + 2 + len(right) <= WIDTH:
            return [head + " " * (WIDTH - len(right) - columns(head)) + right]
        return [head, right.rjust(WIDTH)]

    def summary(self) -> str:
        bad = self.failed
        against = sum(1 for row in self.rows if row.source in (ARTICLE, FORMULA))
        if not bad:
            tail = f" ({against} against the article's own formulas)" if against else ""
            return f"{self.tick} all {len(self.rows)} checks pass{tail}"
        names = ", ".join(row.what for row in bad)
        return "\n".join(wrap(f"{self.cross} {len(bad)} of {len(self.rows)} checks DISAGREE: {names}", indent=2))


def _size(shape_: tuple, n: int) -> str:
    if len(shape_) == 2:
        return f"  ({shape_[0]}×{shape_[1]})"
    return f"  ({n} entries)"


def _in_full(row: Row) -> list[str]:
    """Every entry, the expected numbers above the engine's, a matrix row (or
    four entries) per line."""
    per_line = row.shape[1] if len(row.shape) == 2 and 1 < row.shape[1] <= 4 else 4
    width = max(11, len(row.source))  # the source and the engine's numbers start in one column
    lines = []
    for start in range(0, len(row.expected), per_line):
        for name, numbers in ((row.source, row.expected), ("engine", row.engine)):
            cells = "".join(f"{number(x, 7):>14}" for x in numbers[start:start + per_line])
            lines.append(f"      {name:<{width}}{cells}")
    return lines


def columns(text: str) -> int:
    """How many terminal columns `text` takes: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, indent: int = 2, width: int = WIDTH) -> list[str]:
    """`text` broken at spaces into lines of at most `width` columns, every line
    after the first indented by `indent` more spaces than the first."""
    lead = len(text) - len(text.lstrip(" "))
    words = text.strip(" ").split(" ")
    lines, line = [], " " * lead
    for word in words:
        if line.strip() and columns(line) + 1 + columns(word) > width:
            lines.append(line)
            line = " " * (lead + indent) + word
        else:
            line = line + (" " if line.strip() else "") + word
    lines.append(line)
    return lines


def marks_for(stream: TextIO) -> tuple[str, str]:
    """✓ and ✗ where the stream can print them, otherwise "ok" and "XX"."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        "✓✗→∂".encode(encoding)
        return "✓", "✗"
    except (UnicodeEncodeError, LookupError):
        return "ok", "XX"
