"""A graph too big for one legible picture, drawn in pieces.

A PNG is at most `PNG_MAX_INCHES` × `PNG_DPI` pixels a side (2304). Graphviz
used to shrink any bigger drawing to fit, whatever that did to its labels: the
50-degree Horner polynomial came out 2304 × 303 px and a whole MLP(2, [16, 16, 1])
145 × 2304, with labels a few pixels tall. Now a drawing is shrunk only as far
as its labels stay `MIN_LABEL_PX` tall; a bigger one is cut into pieces.

How it is cut: the values in the order they are computed (the topological
order) are split into runs, each drawn as its own picture of at most
`max_points()` a side, halving a run until it fits. A value a run uses from an
earlier run is drawn in it again as a one-line box without its op, noted
"from part k". A run never separates a value from the leaves only it uses (a
neuron's weights and bias stay with their Σw·x+b).
A long chain (Horner) becomes a few short chains; a tall network becomes a few
neurons at a time. The pieces are packed left to right, top to bottom, onto
sheets of at most 2304 × `SHEET_HEIGHT` px, each piece captioned "part i of n";
the first sheet is the file asked for, further ones are NAME-2.png, NAME-3.png...
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Optional

import graphviz

from engine import Value

from .description import Description
from .graph import LABEL_POINTS, PNG_DPI, PNG_MAX_INCHES, graph_bytes, picture

#: A picture's labels are never drawn smaller than this many pixels (28 px unshrunk at PNG_DPI).
MIN_LABEL_PX = 18
#: The most pixels a sheet of pieces is tall (its width is the PNG cap, 2304).
SHEET_HEIGHT = 2 * PNG_MAX_INCHES * PNG_DPI
_GAP = 24  # pixels between pieces on a sheet
STAMP = "stepgrad viz.pieces"  #: written into every sheet, so a later drawing knows it may replace it

_SVG_SIZE = re.compile(rb'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def max_pixels() -> int:
    """The most pixels a PNG is wide or tall."""
    return PNG_MAX_INCHES * PNG_DPI


def max_points() -> float:
    """The largest drawing (points a side) that fits a PNG with labels `MIN_LABEL_PX` tall."""
    natural = PNG_DPI / 72  # pixels per point before any shrinking
    least = MIN_LABEL_PX / (LABEL_POINTS * natural)  # the most a drawing may be shrunk
    return max_pixels() / (natural * least)


def drawing_size(graph: graphviz.Digraph) -> tuple[float, float]:
    """The laid-out drawing's width and height in points (one Graphviz run)."""
    found = _SVG_SIZE.search(graph_bytes(graph, "svg"))
    if not found:
        raise RuntimeError("Graphviz's SVG gave no size")
    return float(found.group(1)), float(found.group(2))


def fits(graph: graphviz.Digraph) -> bool:
    return max(drawing_size(graph)) <= max_points()


def runs(n: int, draw, guess: int) -> list[tuple[int, int]]:
    """Split range(n) into runs [a, b) whose pictures fit: each run as long as
    it can be, found by doubling from `guess` and then halving the step (a few
    Graphviz runs a piece). `draw(a, b, None)` draws a run. A run of one that is
    too big alone is kept, and what follows it joins it while that adds no size."""
    done, a = [], 0
    while a < n:
        limit = max(max_points(), max(drawing_size(draw(a, a + 1, None))))
        good, bad = a + 1, None  # a run to `good` fits; one to `bad` does not
        b = min(n, a + max(2, guess))
        while good < n:
            if b > good:
                if max(drawing_size(draw(a, b, None))) <= limit:
                    good = b
                else:
                    bad = b
            if bad is None:
                b = min(n, a + 2 * (good - a))
            elif bad - good <= max(1, (good - a) // 8):  # close enough: within an eighth
                break
            else:
                b = (good + bad) // 2
        done.append((a, good))
        guess = good - a
        a = good
    return done


def units(d: Description) -> list[list[Value]]:
    """The values in the order they are computed, grouped so that a piece never
    separates a value from the leaves only it uses (a neuron's weights and bias,
    a polynomial's coefficient): each unit is such leaves, then the value."""
    users: dict[Value, int] = {node: 0 for node in d.order}
    for node in d.order:
        for parent in set(node.parents):
            users[parent] += 1
    owned = {parent for node in d.order for parent in node.parents if not parent.parents and users[parent] == 1}
    groups = []
    for node in d.order:
        if node in owned:
            continue
        groups.append([p for p in dict.fromkeys(node.parents) if p in owned] + [node])
    return groups


def piece_pictures(d: Description, caption: str = "", **style) -> list[graphviz.Digraph]:
    """The pieces of `d`'s picture (see the module docstring), each a Graphviz graph.
    `style` is `picture`'s (rankdir, show_data, show_grad, grads, number_width, font_scale)."""
    groups = units(d)
    part_of: dict[Value, int] = {}

    def draw(a: int, b: int, numbers: Optional[tuple]) -> graphviz.Digraph:
        chunk = [node for group in groups[a:b] for node in group]
        members = set(chunk)
        context = {}
        for node in chunk:
            for parent in node.parents:
                if parent not in members:
                    context[parent] = f"from part {part_of[parent] + 1}" if numbers else "from part 00"
        k, total = numbers or (98, 99)
        note = f"part {k + 1} of {total}"
        if k == 0:
            note += " · a box 'from part k' is drawn whole in part k"
        text = f"{caption}\n{note}" if caption else note
        return picture(d, **style, caption=text, only=members | set(context), context=context)

    spans = runs(len(groups), draw, guess=12)
    for k, (a, b) in enumerate(spans):
        for group in groups[a:b]:
            for node in group:
                part_of[node] = k
    return [draw(a, b, (k, len(spans))) for k, (a, b) in enumerate(spans)]


def common_dpi(graphs: list[graphviz.Digraph]) -> float:
    """One resolution for every piece: PNG_DPI, or less so that the biggest piece
    is at most max_pixels() a side, but never so little that labels are less
    than MIN_LABEL_PX tall (one value with a hundred inputs is bigger, not smaller)."""
    biggest = max(max(drawing_size(graph)) for graph in graphs)
    least = MIN_LABEL_PX / LABEL_POINTS * 72  # the dpi that draws a label MIN_LABEL_PX tall
    return max(least, PNG_DPI * min(1.0, max_pixels() / (biggest * PNG_DPI / 72)))


def sheets(pngs: list[bytes]) -> list[bytes]:
    """Pack PNG pieces left to right, top to bottom, onto white sheets of at most
    max_pixels() wide and SHEET_HEIGHT tall (a piece is never scaled or cut)."""
    from PIL import Image  # Pillow comes with matplotlib
    from PIL.PngImagePlugin import PngInfo

    images = [Image.open(io.BytesIO(png)).convert("RGB") for png in pngs]
    width = max_pixels()
    placed: list[list[tuple[Image.Image, int, int]]] = [[]]
    x = y = row = 0
    for image in images:
        if x and x + image.width > width:  # a new row
            x, y, row = 0, y + row + _GAP, 0
        if placed[-1] and y + image.height > SHEET_HEIGHT:  # a new sheet
            placed.append([])
            x = y = row = 0
        placed[-1].append((image, x, y))
        x += image.width + _GAP
        row = max(row, image.height)
    out = []
    for sheet in placed:
        w = max(x + im.width for im, x, _ in sheet)
        h = max(y + im.height for im, _, y in sheet)
        canvas = Image.new("RGB", (w, h), "white")
        for image, x, y in sheet:
            canvas.paste(image, (x, y))
        buffer = io.BytesIO()
        stamp = PngInfo()
        stamp.add_text("Software", STAMP)
        canvas.save(buffer, format="PNG", dpi=(PNG_DPI, PNG_DPI), pnginfo=stamp)
        out.append(buffer.getvalue())
    return out


def sheet_path(path: Path, k: int) -> Path:
    """Where sheet k (1, 2, ...) goes: `path` itself, then NAME-2.png, NAME-3.png..."""
    return path if k == 1 else path.with_name(f"{path.stem}-{k}{path.suffix}")


def ours(path: Path) -> bool:
    """Is `path` a sheet this module wrote (its PNG says so)?"""
    from PIL import Image

    try:
        with Image.open(path) as image:
            return image.info.get("Software") == STAMP
    except (OSError, ValueError):
        return False


def write_sheets(path: Path, drawn: list[bytes]) -> None:
    """Write the sheets: `path`, then NAME-2.png... A NAME-k.png that is there
    already is replaced only if an earlier call wrote it (else a clear error,
    before anything is written); sheets left over from an earlier, longer
    drawing of the same name are removed. No other file is touched."""
    from .atomic import write_atomically

    extra = [sheet_path(path, k) for k in range(2, len(drawn) + 1)]
    foreign = [str(p) for p in extra if p.exists() and not ours(p)]
    if foreign:
        raise FileExistsError(
            f"the graph is drawn in {len(drawn)} sheets, {path.name} and {path.stem}-2{path.suffix}...; "
            f"{', '.join(foreign[:3])} exists and was not drawn by stepgrad: move it, or choose another name")
    for k, data in enumerate(drawn, start=1):
        write_atomically(sheet_path(path, k), data)
    k = len(drawn) + 1
    while sheet_path(path, k).exists() and ours(sheet_path(path, k)):
        sheet_path(path, k).unlink()
        k += 1
