"""The backward pass as a film: one picture per chain-rule step.

The film is always a FRESH pass (`viz.fresh_backward_pass`): every gradient
starts at 0, d root/d root = 1, and the gradients stored in the graph are left
exactly as they were. Frame 0 is the picture before the first step; frame k
is the picture after k steps, with the edge of step k drawn in red (its arrow
pointing back, the way the gradient flows), the numbers it reads shaded, and
its arithmetic as the caption. Steps into constants are not shown: a number
has no gradient a student needs to see.

`backward_frames` writes the frames to files; `Stepper` shows them one at a
time in a notebook.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Optional, Union

import graphviz

from engine import Value

from .atomic import write_atomically
from .description import Description, Step, describe
from .graph import check_style, graph_bytes, picture

FRAME_FORMATS = ("png", "svg", "pdf")
GIF_SECONDS_PER_FRAME = 1.5
MANIFEST = ".stepgrad-film.json"  #: in a film's folder: the files backward_frames wrote there
_OWN_OPTIONS = ("highlight", "grads", "caption", "number_width")  # set by each frame itself
_DRAW_OPTIONS = ("rankdir", "show_data", "show_grad", "fmt", "max_nodes", "parameters", "constants")
#: A film of a graph with more values than this shows each step's neighbourhood, not the whole graph.
NEIGHBOURHOOD_ABOVE = 30
#: The most steps a film draws by default (each frame is one Graphviz run): a longer
#: pass gets frame 0 and the frames of its first MAX_FRAMES steps, and says so.
MAX_FRAMES = 60


class BackwardRecording:
    """A fresh backward pass through `root`'s graph, described so any frame can be drawn.

    `draw_opts` are `draw_dot`'s (rankdir, fmt, parameters, max_nodes, ...).
    The graph's stored gradients are not changed.
    """

    def __init__(self, root: Value, **draw_opts):
        clash = [name for name in _OWN_OPTIONS if name in draw_opts]
        if clash:
            raise TypeError(f"each frame sets {', '.join(clash)} itself; leave it out of the options")
        unknown = [name for name in draw_opts if name not in _DRAW_OPTIONS]
        if unknown:
            raise TypeError(f"unknown drawing option(s): {', '.join(unknown)} "
                            f"(known: {', '.join(_DRAW_OPTIONS)})")
        self.style = {k: draw_opts[k] for k in ("rankdir", "show_data", "show_grad") if k in draw_opts}
        check_style(self.style.get("rankdir", "LR"), draw_opts.get("fmt"))
        self.description: Description = describe(
            root, draw_opts.get("parameters", ()), draw_opts.get("max_nodes", 500), draw_opts.get("fmt"),
            constants=draw_opts.get("constants", ()))
        self.root = root
        self.order = self.description.order
        self.names = self.description.names
        self.steps: list[Step] = self.description.steps
        number = self.description.number
        widest = [number(s.record.parent_grad) for s in self.steps] + ["1", "0"]
        widest += [number(node.data) for node in self.order]
        self.number_width = max(map(len, widest))

    def __len__(self) -> int:
        """The number of frames: one per shown step, plus the one before the first step."""
        return len(self.steps) + 1

    def grads_after(self, k: int) -> dict[Value, float]:
        """Every node's gradient after the first k steps of the fresh pass."""
        return self.description.grads_after(k)

    def caption(self, k: int) -> str:
        """What frame k says: the seed, or step k's arithmetic."""
        return self.description.step_caption(k)

    def graph(self, k: int) -> graphviz.Digraph:
        """Frame k as a Graphviz graph: the whole graph, or on a big graph (more than
        `NEIGHBOURHOOD_ABOVE` values) the neighbourhood of step k, drawn readably."""
        self.check_frame(k)
        step = self.steps[k - 1] if k else None
        only, caption = None, self.caption(k)
        if len(self.order) > NEIGHBOURHOOD_ABOVE:
            only = self.neighbourhood(step)
            caption += f"   [{len(only)} of {len(self.order)} values shown: this step's neighbourhood]"
        return picture(
            self.description, **self.style, grads=self.grads_after(k), caption=caption,
            edge=(step.node, step.position) if step else None, step=step, backward_arrows=True,
            number_width=self.number_width, only=only,
        )

    def neighbourhood(self, step: Optional[Step]) -> set[Value]:
        """What a frame of a big graph shows: the op this step goes back through,
        with all its inputs and what it reads (before the first step: the root's op)."""
        node = step.node if step else self.root
        return {node, *node.parents, *(step.reads if step else ())}

    def check_frame(self, k: int) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < len(self):
            raise IndexError(f"frame {k!r} does not exist: there are frames 0 to {len(self) - 1}")


def backward_frames(
    root: Value, out_dir: Union[str, os.PathLike], fmt: str = "png", gif: bool = False,
    max_frames: Optional[int] = MAX_FRAMES, **draw_opts
) -> list[Path]:
    """Draw a fresh backward pass of `root`: `frame_000.<fmt>` before the first
    step, then one frame per step, all the same size. Returns the frame paths.

    Each frame highlights the edge being applied and the numbers it reads, and
    is captioned with its arithmetic. With `gif=True` also writes
    `backward.gif`, the frames as an animation. The gradients stored in the
    graph are not changed.

    `out_dir` is made if needed. It must be empty or hold an earlier film by
    this function (listed in its `.stepgrad-film.json`): the new film replaces
    the old one whole (written aside, then swapped in), so an interrupted run
    never leaves old and new frames mixed, and no file this function did not
    write is ever deleted.

    A pass of more than `max_frames` steps (default `MAX_FRAMES`; None: no
    limit) is cut: frame 0 and the frames of its first `max_frames` steps are
    drawn (frame k is still step k), a line on stderr and the manifest say so.
    Each frame is one Graphviz run; hundreds of them take many minutes.
    """
    if fmt not in FRAME_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FRAME_FORMATS)}, got {fmt!r}")
    if max_frames is not None and (isinstance(max_frames, bool) or not isinstance(max_frames, int)
                                   or max_frames < 1):
        raise ValueError(f"max_frames must be a positive int or None, got {max_frames!r}")
    out_dir = film_folder(out_dir)  # before the pass: a bad folder fails in a second
    recording = BackwardRecording(root, **draw_opts)
    steps = len(recording) - 1
    drawn = len(recording) if max_frames is None else min(len(recording), max_frames + 1)
    note = None
    if drawn < len(recording):
        note = (f"the backward pass has {steps} steps; the film shows the first {drawn - 1} "
                f"(frames 0 to {drawn - 1}; max_frames={max_frames}), each step's caption has the rest")
        sys.stderr.write(f"backward_frames: {note}\n")
    digits = max(3, len(str(drawn - 1)))
    names = [f"frame_{k:0{digits}d}.{fmt}" for k in range(drawn)]
    pictures = [graph_bytes(recording.graph(k), fmt) for k in range(drawn)]
    files = dict(zip(names, same_canvas(pictures, fmt)))
    if gif:
        pngs = list(files.values()) if fmt == "png" else same_canvas(
            [graph_bytes(recording.graph(k), "png") for k in range(drawn)], "png")
        files["backward.gif"] = animated_gif(pngs)
    swap_in_film(out_dir, files, {"steps": steps, "frames": drawn, "cut": note} if note else None)
    return [out_dir / name for name in names]


def film_folder(out_dir: Union[str, os.PathLike]) -> Path:
    """`out_dir` as a Path, after checking a film can go there (see `backward_frames`)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"cannot write frames into {str(out_dir)!r}: it is a file")
    ancestor = out_dir
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if ancestor.exists() and not ancestor.is_dir():
        raise NotADirectoryError(f"cannot write frames into {str(out_dir)!r}: {str(ancestor)!r} is a file")
    if not os.access(ancestor if ancestor.exists() else ".", os.W_OK):
        raise PermissionError(f"cannot write frames into {str(out_dir)!r}: {str(ancestor)!r} is not writable")
    if out_dir.is_dir():
        foreign = sorted(set(os.listdir(out_dir)) - set(film_files(out_dir)) - {MANIFEST})
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise FileExistsError(
                f"cannot write frames into {str(out_dir)!r}: it holds files backward_frames did not write "
                f"({shown}); choose an empty or new folder"
            )
    return out_dir


def film_files(out_dir: Path) -> list[str]:
    """The files an earlier film wrote in `out_dir`, from its manifest ([] if none)."""
    try:
        listed = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [name for name in listed if isinstance(name, str) and "/" not in name and name not in ("", ".", "..")]


def swap_in_film(out_dir: Path, files: dict[str, bytes], about: Optional[dict] = None) -> None:
    """Write `files` into a fresh folder beside `out_dir`, then swap it in for the
    old film; delete only the old film's own files. `about` (what was cut from
    the film, if anything) goes into the manifest beside the file list."""
    out_dir = Path(os.path.realpath(out_dir)) if out_dir.is_symlink() else out_dir
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.new-"))
    try:
        for name, data in files.items():
            write_atomically(fresh / name, data)
        manifest = {"files": sorted(files), **(about or {})}
        write_atomically(fresh / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
        os.chmod(fresh, stat_mode(out_dir))
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.old-"))
            os.rmdir(old)  # only its unused name is wanted
            os.rename(out_dir, old)
            os.rename(fresh, out_dir)
            remove_film(old)
        else:
            os.rename(fresh, out_dir)
    except BaseException:
        if fresh.exists():
            remove_film(fresh, extra=list(files))
        raise


def stat_mode(folder: Path) -> int:
    """The permission bits the film's folder should have: the old folder's, else 0777 minus umask."""
    try:
        return os.stat(folder).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o777 & ~umask


def remove_film(folder: Path, extra: tuple = ()) -> None:
    """Delete the files a film wrote in `folder` (its manifest's, and `extra`), then
    the folder if that left it empty. Anything else stays where it is."""
    for name in {*film_files(folder), *extra, MANIFEST}:
        try:
            (folder / name).unlink()
        except FileNotFoundError:
            pass
    try:
        folder.rmdir()
    except OSError:
        pass  # someone else's file is in it: leave it


def same_canvas(pictures: list[bytes], fmt: str) -> list[bytes]:
    """Every frame on a canvas as big as the largest, so slides do not jump."""
    if fmt == "png" and len(pictures) > 1:
        return [_png_on_canvas(p, _png_canvas(pictures)) for p in pictures]
    if fmt == "svg" and len(pictures) > 1:
        sizes = [_svg_size(p) for p in pictures]
        if all(sizes):
            width, height = max(w for w, _ in sizes), max(h for _, h in sizes)
            return [_svg_on_canvas(p, width, height) for p in pictures]
    return pictures


def _png_canvas(pngs: list[bytes]) -> tuple[int, int]:
    from PIL import Image  # Pillow comes with matplotlib

    sizes = [Image.open(io.BytesIO(png)).size for png in pngs]
    return max(w for w, _ in sizes), max(h for _, h in sizes)


def _png_on_canvas(png: bytes, size: tuple[int, int]) -> bytes:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.size == size:
        return png
    canvas = Image.new("RGB", size, "white")
    canvas.paste(image, ((size[0] - image.width) // 2, 0))
    out = io.BytesIO()
    canvas.save(out, format="PNG", dpi=image.info.get("dpi", (144, 144)))
    return out.getvalue()


_SVG_SIZE = re.compile(rb'<svg width="([\d.]+)pt" height="([\d.]+)pt"\s+viewBox="[^"]*"')


def _svg_size(svg: bytes) -> Optional[tuple[float, float]]:
    found = _SVG_SIZE.search(svg)
    return (float(found.group(1)), float(found.group(2))) if found else None


def _svg_on_canvas(svg: bytes, width: float, height: float) -> bytes:
    # Graphviz draws from the top-left corner of its viewBox: a larger box only adds white space.
    w, h = _svg_size(svg)
    shift = (width - w) / 2
    return _SVG_SIZE.sub(
        f'<svg width="{width:g}pt" height="{height:g}pt" viewBox="{-shift:g} 0 {width:g} {height:g}"'.encode(),
        svg, count=1)


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
    """Step through a fresh backward pass of `root`, one chain-rule step at a time.

    >>> from engine import Value
    >>> x, y = Value(4.0, label="x"), Value(-3.0, label="y")
    >>> s = Stepper(x * y)
    >>> s.next()      # in a notebook the cell shows the frame: step 1's edge in red
    <Stepper frame 1/2: step 1/2:  x.grad += ∂(x·y)/∂x × (x·y).grad = y × 1 = (-3) × 1 = -3  →  x.grad = 0 + (-3) = -3>
    >>> len(s), s.goto(len(s) - 1).grads[y], y.grad   # the graph's own gradients are untouched
    (3, 4.0, 0.0)

    In Jupyter, a Stepper shows the step-through page (buttons, slider, keys;
    it works without a live kernel too, in a trusted notebook; an untrusted one
    shows a still picture of the current frame); `.widget()` gives ipywidgets
    controls driving the Graphviz frames instead. `draw_opts` are `draw_dot`'s.
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
    def step(self) -> Optional[Step]:
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

    def svg(self) -> str:
        """The current frame as SVG text."""
        return graph_bytes(self.graph(), "svg").decode("utf-8")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        # The step-through page, with a still picture for a notebook that hides it (viz/notebook.py).
        from .notebook import stepper_bundle

        return stepper_bundle(self)

    def widget(self):
        """ipywidgets controls (First, Prev, Next, Last, a slider) over the Graphviz frames,
        for a live kernel. Needs ipywidgets."""
        from .notebook import stepper_widget

        return stepper_widget(self)

    def __repr__(self) -> str:
        return f"<Stepper frame {self.k}/{len(self) - 1}: {self.caption}>"
