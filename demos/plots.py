"""The demos' own matplotlib pictures (cost plot, decision boundaries, loss curves).

Like viz's plots: a bare `Figure` on the Agg backend (no window, no pyplot
state), written atomically with `engine.files.write_atomically`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

from engine.files import write_atomically


def cost_plot(rows: Sequence[tuple], path: Path) -> Path:
    """`cost_figure(rows)`, written to `path` as a PNG."""
    return _save(cost_figure(rows), path)


def cost_figure(rows: Sequence[tuple]):
    """Edges visited against depth: one reverse pass, and forward mode (frugal and whole-graph).

    Left, on a linear scale: reverse mode grows in a straight line, forward mode
    in a parabola. Right, on a log scale: all three, whole-graph forward mode too.
    `rows` are (depth, weights, reverse edges, forward edges, forward whole-graph edges).
    """
    from matplotlib.figure import Figure  # imported when drawing: listing the demos stays quick

    depths = [row[0] for row in rows]
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    linear, log = fig.subplots(1, 2)
    for ax in (linear, log):
        ax.plot(depths, [row[2] for row in rows], "o-", label="reverse mode: one pass")
        ax.plot(depths, [row[3] for row in rows], "s-", label="forward mode: a pass per weight, edges below it")
        ax.set(xlabel="weight layers (4 units wide, linear, as in article 002)", ylabel="edges visited")
        ax.grid(alpha=0.3, which="both")
    log.plot(depths, [row[4] for row in rows], "^--", label="forward mode: a pass per weight, whole graph")
    linear.set_title("linear scale: a line against a parabola")
    log.set_yscale("log")
    log.set_title("log scale, with forward mode over the whole graph")
    # below both panels, where it covers no point (inside, it sat on reverse mode's line)
    fig.legend(*log.get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize=9)
    fig.suptitle("Why backpropagation runs backwards")
    return fig


#: The XOR panels' ticks: every half, so that no two numbers touch.
TICKS = (-0.5, 0.0, 0.5, 1.0, 1.5)


def boundaries_side_by_side(models: Sequence[tuple], X, t, path: Path, title: str) -> Path:
    """`boundaries_figure(models, X, t, title)`, written to `path` as a PNG."""
    return _save(boundaries_figure(models, X, t, title), path)


def boundaries_figure(models: Sequence[tuple], X, t, title: str):
    """Each (model, caption) as a panel: the probability σ(score) over the plane,
    its 0.5 contour (the decision boundary) and the points coloured by class."""
    import numpy as np
    from matplotlib.figure import Figure

    xs = np.linspace(-0.5, 1.5, 61)
    fig = Figure(figsize=(4.2 * len(models) + 1.2, 4.8), layout="constrained")
    # one y axis for all panels, numbered once at the left: no panel's numbers run into its neighbour
    axes = fig.subplots(1, len(models), squeeze=False, sharey=True)[0]
    for ax, (model, caption) in zip(axes, models):
        grid = np.array([[1 / (1 + np.exp(-model([x, y]).data)) for x in xs] for y in xs])
        shade = ax.contourf(xs, xs, grid, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
        ax.contour(xs, xs, grid, levels=[0.5], colors="black", linewidths=1.5)
        for label, marker in ((0.0, "o"), (1.0, "s")):
            points = [x for x, target in zip(X, t) if target == label]
            ax.scatter([p[0] for p in points], [p[1] for p in points], marker=marker, s=120,
                       c="tab:blue" if label == 0 else "tab:red", edgecolors="black", label=f"t = {label:g}")
        ax.set(title=caption, xlabel="x₁", ylabel="x₂" if ax is axes[0] else "", aspect="equal",
               xticks=TICKS, yticks=TICKS)
    fig.colorbar(shade, ax=list(axes), label="σ(score): probability of t = 1", shrink=0.8)
    # below the panels, where it covers no point
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=9)
    fig.suptitle(title)
    return fig


def two_loss_curves(fixed: Sequence[float], fixed_lr: float, article: Sequence[float], article_lr: float,
                    target_norm: float, path: Path) -> Path:
    """`two_loss_curves_figure(...)`, written to `path` as a PNG."""
    return _save(two_loss_curves_figure(fixed, fixed_lr, article, article_lr, target_norm), path)


def two_loss_curves_figure(fixed: Sequence[float], fixed_lr: float, article: Sequence[float], article_lr: float,
                           target_norm: float):
    """Article 002's network trained two ways: its backward pass started from
    the loss's gradient 2(p − target) (left, log scale: it reaches the target)
    and from the article's starting gradient 2p (right, against the article's
    epochs: it bottoms out and returns to Σt²)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.semilogy(range(len(fixed)), fixed, color="tab:green")
    left.set(title=f"starting gradient 2(p − target): lr {fixed_lr:g}", xlabel="step",
             ylabel="C = Σ(p − target)²")
    left.grid(alpha=0.3, which="both")
    stride = article_lr / 1e-7
    epochs = [k * stride for k in range(1, len(article) + 1)]
    right.loglog(epochs, article, color="tab:red", label="the article's loop (starting gradient 2p)")
    right.axhline(target_norm, color="black", linestyle="--", linewidth=1, label=f"Σt² = {target_norm:.2f}")
    right.axvline(500_000, color="gray", linestyle=":", linewidth=1, label="the article stops (500 000)")
    lowest = min(range(len(article)), key=article.__getitem__)
    right.plot([epochs[lowest]], [article[lowest]], "o", color="tab:red")
    right.set(title="the article's code: starting gradient 2p, lr 1e-7",
              xlabel=f"epochs at lr 1e-7 (a point per {stride:,.0f})", ylabel="C")
    right.grid(alpha=0.3, which="both")
    right.legend(fontsize=8)
    fig.suptitle("article 002's linear 4→4→4→4 network")
    return fig


def _save(fig, path: Path) -> Path:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return write_atomically(path, buffer.getvalue())
