"""The backward pass as a film: one picture per chain-rule step.

`engine.backward_steps` applies the chain rule one edge at a time. Frame 0 is
the picture before the first step (only the seed, d root/d root = 1, is in);
frame k is the picture after k steps, with the edge of step k drawn in red and
its arithmetic as the caption. `backward_frames` writes the frames to files;
`Stepper` shows them one at a time in a notebook.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Optional, Union

import graphviz

from engine import BackwardStep, Value, backward_steps, topological_order

from .atomic import write_atomically
from .graph import NUMBER_FORMAT, GraphvizNotFound, draw_dot, graph_bytes, node_names

SEED = 1.0  # d root / d root: where every backward pass starts
FRAME_FORMATS = ("png", "svg", "pdf")
GIF_SECONDS_PER_FRAME = 1.5
_OWN_OPTIONS = ("highlight", "grads", "caption", "number_width")  # set by each frame itself


class BackwardRecording:
    """One backward pass through `root`'s graph, recorded so any frame can be drawn.

    Making it runs the pass (exactly `root.backward()`: interior gradients are
    recomputed, leaves accumulate), through `engine.backward_steps`.
    `draw_opts` are `draw_dot`'s (rankdir, fmt, parameters, max_nodes, ...).
    """

    def __init__(self, root: Value, **draw_opts):
        clash = [name for name in _OWN_OPTIONS if name in draw_opts]
        if clash:
            raise TypeError(f"each frame sets {', '.join(clash)} itself; leave it out of the options")
        # Draw once BEFORE running the backward pass: a graph too big to draw, or a
        # bad option (a typo, a wrong rankdir), is refused while no gradient has changed.
        draw_dot(root, **draw_opts)
        self.order = topological_order(root)
        self.root = root
        self.draw_opts = draw_opts
        self.names = node_names(self.order)
        self.fmt = draw_opts.get("fmt", NUMBER_FORMAT)
        before = {node: node.grad for node in self.order}
        self.steps: list[BackwardStep] = list(backward_steps(root, SEED))
        # The state the engine starts from: interior gradients restart at 0,
        # leaves keep what they had, and the root receives the seed.
        self.start = {node: 0.0 if node.parents else before[node] for node in self.order}
        self.start[root] += SEED
        self.edges = edge_positions(self.steps)
        widest = [format(x, self.fmt) for x in [*self.start.values(), *(s.parent_grad for s in self.steps)]]
        widest += [format(node.data, self.fmt) for node in self.order]
        self.number_width = max(map(len, widest))

    def __len__(self) -> int:
        """The number of frames: one per step, plus the one before the first step."""
        return len(self.steps) + 1

    def grads_after(self, k: int) -> dict[Value, float]:
        """Every node's gradient after the first k steps, exactly as the engine had it."""
        grads = dict(self.start)
        for step in self.steps[:k]:
            grads[step.parent] = step.parent_grad
        return grads

    def caption(self, k: int) -> str:
        """What frame k says: the seed, or step k's arithmetic."""
        if k == 0:
            name = self.names[self.root]
            return (
                f"start: {name}.grad = {SEED:{self.fmt}}  (∂{name}/∂{name} = 1);  "
                f"{len(self.steps)} chain-rule steps to go"
            )
        return f"step {k}/{len(self.steps)}:  {self.steps[k - 1].caption(self.fmt, self.names.get)}"

    def graph(self, k: int) -> graphviz.Digraph:
        """Frame k as a Graphviz graph."""
        self.check_frame(k)
        return draw_dot(
            self.root, **self.draw_opts, grads=self.grads_after(k), caption=self.caption(k),
            highlight=self.edges[k - 1] if k else None, number_width=self.number_width,
        )

    def check_frame(self, k: int) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < len(self):
            raise IndexError(f"frame {k!r} does not exist: there are frames 0 to {len(self) - 1}")


def edge_positions(steps: list[BackwardStep]) -> list[tuple[Value, int]]:
    """For each step, the edge it applies as (node, k): node's k-th parent.

    The engine yields a node's edges together, in argument order, so counting
    tells apart the two edges of `a + a`, which join the same pair of nodes.
    """
    edges = []
    previous, k = None, 0
    for step in steps:
        k = k + 1 if step.node is previous else 0
        previous = step.node
        assert step.node.parents[k] is step.parent, "backward_steps changed its order"
        edges.append((step.node, k))
    return edges


def backward_frames(
    root: Value, out_dir: Union[str, os.PathLike], fmt: str = "png", gif: bool = False, **draw_opts
) -> list[Path]:
    """Run `root`'s backward pass and draw it: `frame_000.<fmt>` before the first
    step, then one frame per step. Returns the frame paths, in order.

    Each frame highlights the edge being applied and is captioned with its
    arithmetic; the gradients in frame k are exactly the engine's after k
    steps. With `gif=True` also writes `backward.gif`, the frames as an
    animation. `out_dir` is created if needed; frame files left there by an
    earlier, longer film are removed. Like `root.backward()`, this fills in
    the graph's gradients (leaves accumulate).
    """
    if fmt not in FRAME_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FRAME_FORMATS)}, got {fmt!r}")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"cannot write frames into {str(out_dir)!r}: it is a file")
    recording = BackwardRecording(root, **draw_opts)
    out_dir.mkdir(parents=True, exist_ok=True)
    digits = max(3, len(str(len(recording) - 1)))
    paths, pngs = [], []
    for k in range(len(recording)):
        graph = recording.graph(k)
        data = graph_bytes(graph, fmt)
        paths.append(write_atomically(out_dir / f"frame_{k:0{digits}d}.{fmt}", data))
        if gif:
            pngs.append(data if fmt == "png" else graph_bytes(graph, "png"))
    remove_stale_frames(out_dir, fmt, keep=paths)
    if gif:
        write_atomically(out_dir / "backward.gif", animated_gif(pngs))
    return paths


def remove_stale_frames(out_dir: Path, fmt: str, keep: list[Path]) -> None:
    """Delete frame files of this format that this run did not write (an older, longer film)."""
    pattern = re.compile(rf"frame_\d+\.{fmt}")
    keep_names = {p.name for p in keep}
    for path in out_dir.iterdir():
        if pattern.fullmatch(path.name) and path.name not in keep_names:
            path.unlink()


def animated_gif(pngs: list[bytes]) -> bytes:
    """The PNG frames as one looping GIF, each on a white canvas as big as the largest."""
    from PIL import Image  # Pillow comes with matplotlib; only GIFs need it

    images = [Image.open(io.BytesIO(png)).convert("RGB") for png in pngs]
    size = (max(im.width for im in images), max(im.height for im in images))
    canvases = []
    for im in images:
        canvas = Image.new("RGB", size, "white")
        canvas.paste(im, ((size[0] - im.width) // 2, 0))
        canvases.append(canvas)
    durations = [int(GIF_SECONDS_PER_FRAME * 1000)] * len(canvases)
    durations[-1] *= 3  # rest on the final gradients before starting again
    out = io.BytesIO()
    canvases[0].save(out, format="GIF", save_all=True, append_images=canvases[1:], duration=durations, loop=0)
    return out.getvalue()


class Stepper:
    """Step through `root`'s backward pass in a notebook, one chain-rule step at a time.

    >>> from engine import Value
    >>> x, y = Value(4.0, label="x"), Value(-3.0, label="y")
    >>> s = Stepper(x * y)
    >>> s.next()      # in a notebook the cell shows the frame: step 1's edge in red
    <Stepper frame 1/2: step 1/2:  x.grad += ∂v2/∂x × v2.grad = (-3.0000) × (1.0000) = -3.0000  →  x.grad = -3.0000>
    >>> len(s), s.goto(len(s) - 1).grads[y]
    (3, 4.0)

    Making a Stepper runs the backward pass once (like `f.backward()`); stepping
    only changes which recorded frame is shown. `draw_opts` are `draw_dot`'s.
    """

    def __init__(self, root: Value, **draw_opts):
        self.recording = BackwardRecording(root, **draw_opts)
        self.k = 0

    def __len__(self) -> int:
        """How many frames: the number of steps + 1."""
        return len(self.recording)

    def next(self) -> "Stepper":
        """One step forward (stays on the last frame); returns self, so a cell shows it."""
        return self.goto(min(self.k + 1, len(self) - 1))

    def prev(self) -> "Stepper":
        """One step back (stays on frame 0)."""
        return self.goto(max(self.k - 1, 0))

    def goto(self, k: int) -> "Stepper":
        """Show frame k (0 = before the first step, len(self) - 1 = the last)."""
        self.recording.check_frame(k)
        self.k = k
        return self

    @property
    def step(self) -> Optional[BackwardStep]:
        """The step frame k shows applied (None on frame 0)."""
        return self.recording.steps[self.k - 1] if self.k else None

    @property
    def caption(self) -> str:
        return self.recording.caption(self.k)

    @property
    def grads(self) -> dict[Value, float]:
        """Every node's gradient in the current frame."""
        return self.recording.grads_after(self.k)

    def graph(self) -> graphviz.Digraph:
        """The current frame as a Graphviz graph."""
        return self.recording.graph(self.k)

    def _repr_svg_(self) -> str:
        return graph_bytes(self.graph(), "svg").decode("utf-8")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        # Without Graphviz a notebook still shows where we are, as text.
        bundle = {"text/plain": repr(self)}
        try:
            bundle["image/svg+xml"] = self._repr_svg_()
        except GraphvizNotFound:
            pass
        return bundle

    def __repr__(self) -> str:
        return f"<Stepper frame {self.k}/{len(self) - 1}: {self.caption}>"
