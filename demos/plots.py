"""The demos' own matplotlib picture (forward_vs_reverse's cost plot).

Like viz's plots: a bare `Figure` on the Agg backend (no window, no pyplot
state), written atomically with `viz.atomic.write_atomically`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

from viz.atomic import write_atomically


def cost_plot(rows: Sequence[tuple], path: Path) -> Path:
    """Edges visited against depth: one reverse pass, and forward mode (frugal and whole-graph).

    `rows` are (depth, weights, reverse edges, forward edges, forward whole-graph edges).
    """
    from matplotlib.figure import Figure  # imported when drawing: listing the demos stays quick

    depths = [row[0] for row in rows]
    fig = Figure(figsize=(6.5, 4.2))
    ax = fig.subplots()
    ax.plot(depths, [row[2] for row in rows], "o-", label="reverse mode: one pass")
    ax.plot(depths, [row[3] for row in rows], "s-", label="forward mode: a pass per weight, edges below it")
    ax.plot(depths, [row[4] for row in rows], "^--", label="forward mode: a pass per weight, whole graph")
    ax.set_yscale("log")
    ax.set(xlabel="weight layers (4 units wide, linear, as in article 002)", ylabel="edges visited",
           title="Why backpropagation runs backwards")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return write_atomically(path, buffer.getvalue())
