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
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Optional, Union

import graphviz

from engine import Value

from .atomic import check_target, write_atomically
from .description import Description, Step, describe
from .graph import (PNG_DPI, PNG_MAX_INCHES, PROJECTOR_SCALE, GraphvizNotFound, check_style, graph_bytes,
                    picture)

FRAME_FORMATS = ("png", "svg", "pdf")
#: How long a GIF or MP4 shows each frame, by default (the last one three times as long).
FRAME_MS = 1500
#: A frame's caption is wrapped at this many characters, so a long one never makes
#: the picture wider (which made Graphviz shrink that frame's graph: a film that jumped).
CAPTION_CHARS = 72
MANIFEST = ".stepgrad-film.json"  #: in a film's folder: the files backward_frames wrote there
_OWN_OPTIONS = ("highlight", "grads", "caption", "number_width")  # set by each frame itself
_DRAW_OPTIONS = ("rankdir", "show_data", "show_grad", "fmt", "max_nodes", "parameters", "constants", "projector")
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
        self.style["font_scale"] = PROJECTOR_SCALE if draw_opts.get("projector") else 1.0
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

    def full_caption(self, k: int) -> str:
        """Frame k's caption: the step's arithmetic, and on a big graph what is shown of it."""
        caption = self.caption(k)
        if len(self.order) > NEIGHBOURHOOD_ABOVE:
            only = self.neighbourhood(self.steps[k - 1] if k else None)
            caption += f"   [{len(only)} of {len(self.order)} values shown: this step's neighbourhood]"
        return caption

    def graph(self, k: int, captioned: bool = True) -> graphviz.Digraph:
        """Frame k as a Graphviz graph: the whole graph, or on a big graph (more than
        `NEIGHBOURHOOD_ABOVE` values) the neighbourhood of step k, drawn readably.
        `captioned=False` leaves the caption out (a slide writes it itself)."""
        self.check_frame(k)
        step = self.steps[k - 1] if k else None
        only = self.neighbourhood(step) if len(self.order) > NEIGHBOURHOOD_ABOVE else None
        caption = wrapped(self.full_caption(k)) if captioned else ""
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


def wrapped(caption: str, width: int = CAPTION_CHARS) -> str:
    """A caption in lines of at most `width` characters, broken between words."""
    return "\n".join(textwrap.wrap(caption, width, break_long_words=True, break_on_hyphens=False)) or caption


def backward_frames(
    root: Value, out_dir: Union[str, os.PathLike], fmt: str = "png", gif: bool = False,
    max_frames: Optional[int] = MAX_FRAMES, *, mp4: bool = False, frame_ms: int = FRAME_MS, **draw_opts
) -> list[Path]:
    """Draw a fresh backward pass of `root`: `frame_000.<fmt>` before the first
    step, then one frame per step, all the same size. Returns the frame paths.

    Each frame highlights the edge being applied and the numbers it reads, and
    is captioned with its arithmetic. With `gif=True` also writes
    `backward.gif`, and with `mp4=True` `backward.mp4` (needs the ffmpeg
    program), the frames as a film showing each for `frame_ms` milliseconds.
    Every frame is drawn at one scale (PNG: one resolution, at most 2304 px a
    side), so the graph never jumps between frames. `projector=True` draws every
    font `PROJECTOR_SCALE` times larger. The gradients stored in the graph are
    not changed.

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
    if isinstance(frame_ms, bool) or not isinstance(frame_ms, int) or not 20 <= frame_ms <= 60_000:
        raise ValueError(f"frame_ms must be a whole number of milliseconds from 20 to 60000, got {frame_ms!r}")
    if mp4:
        ffmpeg_program()  # missing: fail now, with how to install it, not after drawing
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
    graphs = [recording.graph(k) for k in range(drawn)]
    pictures = one_scale(graphs) if fmt == "png" else [graph_bytes(graph, fmt) for graph in graphs]
    files = dict(zip(names, same_canvas(pictures, fmt)))
    if gif or mp4:
        pngs = list(files.values()) if fmt == "png" else same_canvas(one_scale(graphs), "png")
        if gif:
            files["backward.gif"] = animated_gif(pngs, frame_ms)
        if mp4:
            files["backward.mp4"] = film_mp4(pngs, frame_ms)
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


def one_scale(graphs: list[graphviz.Digraph]) -> list[bytes]:
    """PNG frames all drawn at one resolution: PNG_DPI, or less if the biggest
    frame would be more than 2304 px a side (instead of each frame shrunk by
    its own factor, which made the graph jump when one caption was longer)."""
    pngs = [graph_bytes(graph, "png", dpi=PNG_DPI) for graph in graphs]
    biggest = max(max(_png_size(png)) for png in pngs)
    limit = PNG_MAX_INCHES * PNG_DPI
    if biggest <= limit:
        return pngs
    dpi = PNG_DPI * limit / biggest
    return [graph_bytes(graph, "png", dpi=dpi) for graph in graphs]


def _png_size(png: bytes) -> tuple[int, int]:
    # The IHDR chunk: width and height, big-endian, at bytes 16-24 of every PNG.
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


FFMPEG_HELP = """writing an MP4 needs the program 'ffmpeg', which is not on PATH.
Install it, then open a new terminal:
  Debian/Ubuntu:  sudo apt-get install ffmpeg
  macOS:          brew install ffmpeg
  Windows:        winget install ffmpeg
A GIF (gif=True) needs no extra program."""


class FFmpegNotFound(RuntimeError):
    """The ffmpeg program is missing; the message says how to install it."""

    def __init__(self, message: str = FFMPEG_HELP):
        super().__init__(message)


def ffmpeg_program() -> str:
    program = shutil.which("ffmpeg")
    if program is None:
        raise FFmpegNotFound()
    return program


def film_mp4(pngs: list[bytes], frame_ms: int = FRAME_MS) -> bytes:
    """The PNG frames (one size) as an H.264 MP4 that plays anywhere: each frame
    `frame_ms` long, the last three times as long, on white, at 25 frames a second."""
    program = ffmpeg_program()
    with tempfile.TemporaryDirectory(prefix="stepgrad-mp4-") as folder:
        lines = []
        for k, png in enumerate(pngs):
            name = f"f{k:05d}.png"
            Path(folder, name).write_bytes(png)
            lines += [f"file '{name}'", f"duration {frame_ms * (3 if k == len(pngs) - 1 else 1) / 1000:.3f}"]
        lines.append(f"file 'f{len(pngs) - 1:05d}.png'")  # the concat format's last duration needs this
        Path(folder, "list.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        out = Path(folder, "film.mp4")
        done = subprocess.run(
            [program, "-nostdin", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", "list.txt",
             "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white,fps=25", "-c:v", "libx264",
             "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(out)],
            cwd=folder, capture_output=True, timeout=600, check=False)
        if done.returncode != 0 or not out.exists():
            detail = done.stderr.decode("utf-8", "replace").strip()
            raise RuntimeError(f"ffmpeg could not make the MP4: {detail}")
        return out.read_bytes()


def animated_gif(pngs: list[bytes], frame_ms: int = FRAME_MS) -> bytes:
    """The PNG frames as one looping GIF, each on a white canvas as big as the
    largest, each shown `frame_ms` milliseconds (the last three times as long)."""
    from PIL import Image  # Pillow comes with matplotlib; only GIFs need it

    images = [Image.open(io.BytesIO(png)).convert("RGB") for png in pngs]
    size = (max(im.width for im in images), max(im.height for im in images))
    canvases = []
    for im in images:
        canvas = Image.new("RGB", size, "white")
        canvas.paste(im, ((size[0] - im.width) // 2, 0))
        canvases.append(canvas)
    durations = [frame_ms] * len(canvases)
    durations[-1] *= 3  # rest on the final gradients before starting again
    out = io.BytesIO()
    canvases[0].save(out, format="GIF", save_all=True, append_images=canvases[1:], duration=durations, loop=0)
    return out.getvalue()


# --- slides: a step on a 16:9 page ------------------------------------------------------

SLIDE_SIZE = (1920, 1080)
#: A slide's caption, in pixels: at least the 40 px issue 25 asks of a projector at 1920 px.
SLIDE_CAPTION_PX = 44
_SLIDE_MARGIN = 48


def slide(root: Value, path: Union[str, os.PathLike], step: int = 1, **draw_opts) -> Path:
    """Write step `step` of a fresh backward pass (0: before the first) as one
    16:9 slide, 1920 × 1080: its caption on top in SLIDE_CAPTION_PX-pixel
    letters, the frame's graph under it, as large as fits. `path` ends in .png
    or .pdf. `draw_opts` are `draw_dot`'s; `projector` is True unless given."""
    path = Path(path)
    fmt = _slide_format(path)
    check_target(path)
    recording = BackwardRecording(root, **{"projector": True, **draw_opts})
    recording.check_frame(step)
    image = _slide_image(recording, step)
    return write_atomically(path, _slide_bytes([image], fmt))


def backward_slides(root: Value, path: Union[str, os.PathLike], max_frames: Optional[int] = MAX_FRAMES,
                    **draw_opts) -> Path:
    """Every step of a fresh backward pass as 16:9 slides (1920 × 1080) in one
    PDF, a page a step, frame 0 first (see `slide`; `max_frames` as in `backward_frames`)."""
    path = Path(path)
    if _slide_format(path) != "pdf":
        raise ValueError(f"backward_slides writes one PDF of all the slides; end the name in .pdf, got {str(path)!r}")
    check_target(path)
    recording = BackwardRecording(root, **{"projector": True, **draw_opts})
    count = len(recording) if max_frames is None else min(len(recording), max_frames + 1)
    return write_atomically(path, _slide_bytes([_slide_image(recording, k) for k in range(count)], "pdf"))


def _slide_format(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf"):
        raise ValueError(f"a slide is a .png or a .pdf, got {str(path)!r}")
    return fmt


def _slide_font():
    from matplotlib import get_data_path  # matplotlib ships the DejaVu fonts: no system font needed
    from PIL import ImageFont

    return ImageFont.truetype(str(Path(get_data_path(), "fonts", "ttf", "DejaVuSansMono.ttf")), SLIDE_CAPTION_PX)


def _slide_image(recording: "BackwardRecording", k: int):
    from PIL import Image, ImageDraw

    width, height = SLIDE_SIZE
    canvas = Image.new("RGB", SLIDE_SIZE, "white")
    draw = ImageDraw.Draw(canvas)
    font = _slide_font()
    per_line = max(10, int((width - 2 * _SLIDE_MARGIN) // font.getlength("0")))
    lines = textwrap.wrap(recording.full_caption(k), per_line, break_long_words=True, break_on_hyphens=False)
    line_height = round(SLIDE_CAPTION_PX * 1.25)
    y = _SLIDE_MARGIN // 2
    for line in lines:
        draw.text((_SLIDE_MARGIN, y), line, fill="#1b1b1b", font=font)
        y += line_height
    top = y + _SLIDE_MARGIN // 2
    draw.line([(_SLIDE_MARGIN, top - 12), (width - _SLIDE_MARGIN, top - 12)], fill="#d62728", width=4)
    room_w, room_h = width - 2 * _SLIDE_MARGIN, height - top - _SLIDE_MARGIN // 2
    graph = recording.graph(k, captioned=False)
    svg = graph_bytes(graph, "svg")
    w, h = _svg_size(svg) or (room_w, room_h)
    # as large as fits, but no larger than twice the projector's size (a tiny graph is not a poster)
    dpi = 72 * min(room_w / w, room_h / h, 2 * PNG_DPI / 72)
    picture_png = Image.open(io.BytesIO(graph_bytes(graph, "png", dpi=dpi))).convert("RGB")
    if picture_png.width > room_w or picture_png.height > room_h:  # rounding: never past the slide's edge
        picture_png.thumbnail((room_w, room_h))
    canvas.paste(picture_png, ((width - picture_png.width) // 2, top + (room_h - picture_png.height) // 2))
    return canvas


def _slide_bytes(images: list, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "pdf":  # 1920 px at 96 dpi: a 20 × 11.25 inch page
        images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=96.0)
    else:
        images[0].save(out, format="PNG")
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
