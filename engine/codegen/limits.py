"""The sizes that shape generated code (read at each call: tests change them)."""

from __future__ import annotations

import sys

#: The most lines (comments included) one generated function holds before the
#: code is split into parts. Python's memory for compiling grows with a part's
#: size (moons written edge by edge, 138,000 lines: a peak of about 140 MB at this size,
#: 275 MB as one function); smaller parts pass more values from part to part
#: (12,000: 30% slower to compile).
LINES_PER_PART = 40_000

#: The most terms a sum is written with `+` (deeper nesting strains Python's compiler).
LONGEST_CHAIN = 200

#: Before Python 3.12, builtin sum() of floats is the chain 0.0 + a + b + … exactly;
#: the code then writes the chain (no tuple to build, nothing for the collector).
#: From 3.12 sum() compensates its rounding, and the code calls sum() itself, as the
#: engine does: the same floats on every version.
CHAINED_SUM = sys.version_info < (3, 12)

#: Above this many lines, the backward pass is written one line per node instead of
#: one per edge: `grad_v = 0.0 + local × upstream + …` over v's uses, in the walk's
#: order, which adds the same contributions in the same order (the same floats),
#: compiles about a third faster and runs about a quarter faster (moons: 15,000 lines
#: instead of 138,000). Nobody reads a graph this big edge by edge.
GATHER_ABOVE = 40_000

#: The most forward lines whose values one finiteness check adds up (one `+` per
#: node, then one comparison; short enough a sum for Python's compiler).
CHECK_EVERY = 100
