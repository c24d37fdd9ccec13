"""Plots of training: the loss curve and a classifier's decision boundary.

matplotlib draws them with its Agg backend on a bare `Figure` (no pyplot, no
window, no global state), so they work on a server, in CI and in tests. The
format comes from the file's suffix, and files are written atomically.
matplotlib is imported when a plot is made: `import viz` stays quick.
"""

from __future__ import annotations

import io
import os
from numbers import Real
from pathlib import Path
from typing import Callable, Sequence, Union

from engine import Value
from engine.names import number

from .atomic import check_target, write_atomically

PLOT_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
NEGATIVE, POSITIVE = "#2f6fbf", "#d9822b"  # the class colours: blue below 0, orange above
PathLike = Union[str, os.PathLike]


def plot_loss(history: Sequence, path: PathLike, title: str = "Training loss", log_scale: bool = False) -> Path:
    """Plot the loss after each training step (a list of numbers or `Value`s) to `path`."""
    _check_path(path)
    losses = [_number(x, "history") for x in history]
    if not losses:
        raise ValueError("plot_loss: the history is empty, there is nothing to plot")
    if log_scale and min(losses) <= 0:
        raise ValueError("plot_loss: log_scale needs every loss > 0")
    fig, ax = _figure(size=(7.5, 4.5))
    ax.plot(range(len(losses)), losses, color="#2f6fbf", linewidth=2, marker="o" if len(losses) <= 30 else None)
    if log_scale:
        ax.set_yscale("log")
    ax.set(xlabel="step", ylabel="loss", title=title)
    from matplotlib.ticker import MaxNLocator  # (imported when a plot is made, as above)

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole: no tick at 0.5 for 5 steps
    ax.grid(True, alpha=0.3)
    return _save(fig, path)


def plot_decision_boundary(
    model: Callable, X: Sequence, y: Sequence, path: PathLike, grid: int = 60, title: str = "Decision boundary"
) -> Path:
    """Colour the plane by the sign of `model`'s score and draw the points on top.

    `model([x1, x2])` returns a score (a `Value`, a number, or a one-element
    list of either); its sign is the class. `X` holds 2-feature points and `y`
    their labels: y > 0 is the positive class ({-1, 1} and {0, 1} both work, and
    the legend then names them: y = −1 and y = +1, y = 0 and y = 1).
    The model is evaluated on a `grid` x `grid` lattice, so keep `grid` modest.
    """
    _check_path(path)  # before the model runs on the whole grid
    points = [_point(p) for p in X]
    labels = [_number(v, "y") for v in y]
    if not points or len(points) != len(labels):
        raise ValueError(
            f"plot_decision_boundary: need as many labels as points, got {len(points)} and {len(labels)}"
        )
    if isinstance(grid, bool) or not isinstance(grid, int) or grid < 2:
        raise ValueError(f"grid must be an int >= 2, got {grid!r}")
    xs, ys = _axis(p[0] for p in points), _axis(p[1] for p in points)
    xs, ys = _lattice(*xs, grid), _lattice(*ys, grid)
    scores = [[_score(model([x, y_])) for x in xs] for y_ in ys]

    fig, ax = _figure(size=(6.5, 5.5))
    flat = [s for row in scores for s in row]
    sides = [min(min(flat), 0.0) - 1.0, 0.0, max(max(flat), 0.0) + 1.0]  # below 0 | above 0
    ax.contourf(xs, ys, scores, levels=sides, colors=["#d4e4ff", "#ffe1b8"])
    ax.contour(xs, ys, scores, levels=[0.0], colors="#333333", linewidths=1.5)
    names = _class_names(labels)
    for positive, colour in ((False, NEGATIVE), (True, POSITIVE)):
        chosen = [p for p, label in zip(points, labels) if (label > 0) == positive]
        ax.scatter([p[0] for p in chosen], [p[1] for p in chosen], c=colour, edgecolors="black", s=36,
                   label=names[positive], zorder=3)
    ax.set(xlabel="x₁", ylabel="x₂", title=title)
    ax.legend(loc="upper right", framealpha=0.9)
    return _save(fig, path)


def _class_names(labels: Sequence[float]) -> tuple[str, str]:
    """The legend's names of the two classes (≤ 0, > 0): what the labels are when
    they take one value each side (`y = −1`, `y = +1`; `y = 0`, `y = 1`), else the sign."""
    values = sorted(set(labels))
    if len(values) != 2 or not values[0] <= 0 < values[1]:
        return "y ≤ 0", "y > 0"
    low, high = (number(v).replace("-", "−") for v in values)
    return f"y = {low}", f"y = {'+' if values[0] < 0 else ''}{high}"


def _check_path(path: PathLike) -> None:
    """Fail now, not after the drawing, if `path` has an unknown suffix or no folder."""
    _format(path)
    check_target(path)


def _figure(size: tuple):
    """A fresh Agg figure and its axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100, layout="constrained")
    fig.set_facecolor("white")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _save(fig, path: PathLike) -> Path:
    buffer = io.BytesIO()
    from matplotlib import rc_context

    # SVG text stays text (selectable, searchable, editable in a report), not outlines.
    with rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format=_format(path), dpi=150)
    return write_atomically(path, buffer.getvalue())


def _format(path: PathLike) -> str:
    fmt = PLOT_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ValueError(f"cannot tell the format of {str(path)!r}: end it in one of {', '.join(PLOT_FORMATS)}")
    return fmt


def _number(x, what: str) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{what} must hold numbers or Values, got {type(x).__name__}")
    return float(x)


def _point(p) -> tuple[float, float]:
    if len(p) != 2:
        raise ValueError(f"plot_decision_boundary draws 2-feature points, got one with {len(p)}")
    return _number(p[0], "X"), _number(p[1], "X")


def _score(out) -> float:
    if isinstance(out, (list, tuple)):
        if len(out) != 1:
            raise ValueError(f"the model must return one score, got {len(out)} outputs")
        out = out[0]
    return _number(out, "the model's output")


def _axis(values) -> tuple[float, float]:
    """The data's range on one axis, with a margin of 10% (at least 0.5) each side."""
    values = list(values)
    low, high = min(values), max(values)
    margin = max(0.1 * (high - low), 0.5)
    return low - margin, high + margin


def _lattice(low: float, high: float, n: int) -> list[float]:
    return [low + (high - low) * i / (n - 1) for i in range(n)]
