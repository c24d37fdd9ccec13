"""Pictures, films and slides for a room: one font scale, one scale per film,
speed settings, MP4, 16:9 slides, and pictures that stay legible however big
the graph (issue 25, item 4).

Sizes are measured in the images themselves: the height of a box's border in
pixels against the same box in the SVG in points (so a label's pixel size is
14 pt times that ratio), the height of a caption's ink, the number of frames
and their durations read back from the GIF and the MP4.
"""

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from io import BytesIO

import numpy as np
import pytest
from PIL import Image

import viz
from engine import Value, topological_order
from viz import pieces
from viz.description import describe
from viz.frames import FFmpegNotFound, backward_frames, backward_slides, slide
from viz.graph import LABEL_POINTS, PROJECTOR_SCALE, ROLE_COLOURS, graph_bytes, render

SVG = "{http://www.w3.org/2000/svg}"
INPUT_BORDER = ROLE_COLOURS["input"][1]
OUTPUT_BORDER = ROLE_COLOURS["output"][1]


def horner(degree=50, x0=0.5):
    """p(x) = (…((a50·x + a49)·x + a48)·x …) + a0 with a_k = 1/(k+1): the 50-degree
    polynomial by Horner's rule, a chain of 100 ops (∂p/∂x = Σ k·a_k·x^(k-1))."""
    x = Value(x0, "x")
    p = Value(1.0 / (degree + 1), f"a{degree}")
    for k in range(degree - 1, -1, -1):
        p = p * x + Value(1.0 / (k + 1), f"a{k}")
    p.label = "p"
    return p, x


def full_mlp():
    """One point through MLP(2, [16, 16, 1]), every value drawn (collapse=False): 404 values."""
    from nn import MLP

    model = MLP(2, [16, 16, 1], seed=1)
    s = model([Value(0.5, "x1"), Value(-0.3, "x2")])
    s.label = "s"
    return s, model.parameters()


def colour_mask(image, hex_colour, tolerance=40):
    rgb = np.asarray(image.convert("RGB")).astype(int)
    target = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return np.abs(rgb - target).sum(axis=2) <= tolerance


def longest_vertical_run(mask):
    """The longest run of True down any column: a box's left or right border."""
    best = 0
    for column in mask.T:
        padded = np.concatenate([[0], column.astype(int), [0]])
        edges = np.flatnonzero(np.diff(padded))
        if len(edges):
            best = max(best, int((edges[1::2] - edges[::2]).max()))
    return best


def box_height_in_points(svg, node_id):
    """A box's height in the SVG (points): its border polygon's vertical extent."""
    root = ET.fromstring(svg)
    for g in root.iter(f"{SVG}g"):
        if g.get("id") == node_id:
            ys = [float(y) for poly in g.iter(f"{SVG}polygon")
                  for y in re.findall(r"[-\d.]+,([-\d.]+)", poly.get("points"))]
            return max(ys) - min(ys)
    raise AssertionError(f"no box {node_id}")


def ink_line_heights(image, top, bottom):
    """The heights (px) of the lines of dark text between rows top and bottom."""
    grey = np.asarray(image.convert("L"))[top:bottom]
    rows = (grey < 100).any(axis=1).astype(int)
    padded = np.concatenate([[0], rows, [0]])
    edges = np.flatnonzero(np.diff(padded))
    return list(edges[1::2] - edges[::2])


# --- a picture too big for one legible PNG ----------------------------------------------


@pytest.mark.parametrize("which", ["horner", "full_mlp"])
def test_a_big_picture_is_cut_into_pieces_not_shrunk(tmp_path, dot_program, which):
    """Before: Horner came out 2304×303 px and the full MLP 145×2304, labels
    shrunk to a few pixels. Now every sheet is at most 2304 px wide, and a label
    (14 pt) is at least pieces.MIN_LABEL_PX tall, measured on an input box."""
    if which == "horner":
        root, parameters = horner()[0], []
        box_id = "v1"  # x or a coefficient: an input box, three rows
    else:
        root, parameters = full_mlp()
        box_id = next(f"v{i}" for i, n in enumerate(topological_order(root)) if n.label == "x1")
    root.backward()
    path = render(root, tmp_path / f"{which}.png", parameters=parameters, collapse=False)
    sheets = sorted(tmp_path.glob(f"{which}*.png"))
    assert path == tmp_path / f"{which}.png" and path in sheets
    natural = box_height_in_points(graph_bytes(viz.draw_dot(root, parameters=parameters, collapse=False), "svg"),
                                   box_id)
    smallest = []
    for sheet in sheets:
        with Image.open(sheet) as image:
            assert image.width <= pieces.max_pixels(), (sheet.name, image.size)
            border = longest_vertical_run(colour_mask(image, INPUT_BORDER))
        if border:
            smallest.append(LABEL_POINTS * border / natural)
    # (half a pixel for the measurement: a border's run in pixels against its polygon in points)
    assert smallest and min(smallest) >= pieces.MIN_LABEL_PX - 0.5, smallest
    if which == "horner":
        assert len(sheets) <= 3


def test_the_pieces_hold_every_value_once(dot_program):
    """Each value is drawn whole (its box with numbers) in exactly one piece; in
    another piece it is only a one-line reference "from part k", k its own piece."""
    root, _ = horner()
    d = describe(root)
    parts = pieces.piece_pictures(d)
    assert len(parts) > 1
    whole = {}
    for k, part in enumerate(parts):
        for node_id, label in re.findall(r'^\s*(v\d+) \[label=<(.*?)> id=', part.source, re.M):
            if "from part" in label:
                where = int(re.search(r"from part (\d+)", label).group(1))
                assert where - 1 < k, (node_id, k, where)  # a value comes from an earlier part
            else:
                assert node_id not in whole, node_id
                whole[node_id] = k
    assert set(whole) == {f"v{i}" for i in range(len(d.order))}


def test_a_picture_that_fits_is_one_file_as_before(tmp_path, dot_program):
    root, _ = horner(degree=3)
    render(root, tmp_path / "small.png")
    assert [p.name for p in tmp_path.iterdir()] == ["small.png"]


# --- projector mode: one font scale ------------------------------------------------------


def test_projector_pictures_have_a_40_px_caption_at_1920(tmp_path, dot_program):
    root, _ = horner(degree=1)
    for projector in (False, True):
        path = render(root, tmp_path / f"p{projector}.png", caption="p(x) by Horner's rule", projector=projector)
        with Image.open(path) as image:
            shown = min(1.0, 1920 / image.width)  # on a 1920-px screen, a wider picture is shrunk to fit
            # the caption is the first line of ink at the top of the picture
            first = ink_line_heights(image, 0, image.height // 3)[0] * shown
        if projector:
            assert first >= 40, first
        else:
            assert first < 40
    assert PROJECTOR_SCALE == 1.6  # the page's projector mode reads the same number (viz.html)


# --- films: one scale, speed, MP4 ---------------------------------------------------------


def long_named():
    """A graph one of whose values has a long name: the captions of its steps
    are far longer than the others'."""
    x = Value(2.0, "x")
    long = Value(3.0, "a_coefficient_with_a_rather_long_name_to_make_the_caption_wide")
    y = x * long + x
    y.label = "y"
    return y


def test_every_frame_of_a_film_is_drawn_at_one_scale(tmp_path, dot_program):
    """Before: a frame with a long caption was shrunk more than the others, so
    the graph jumped (1573 vs 2033 px). The output box y is as tall in every frame
    where it is not lit (frame 0, short caption; frames 3 and 4, the long ones)."""
    paths = backward_frames(long_named(), tmp_path, gif=True)
    heights = {}
    for k, path in enumerate(paths):
        with Image.open(path) as image:
            assert image.width <= 2304
            run = longest_vertical_run(colour_mask(image, OUTPUT_BORDER))
        if run > 80:  # the box y itself, not the legend's small swatch
            heights[k] = run
    assert {0, 3, 4} <= set(heights) and len(set(heights.values())) == 1, heights


def test_the_gif_speed_setting(tmp_path, dot_program):
    backward_frames(long_named(), tmp_path, gif=True, frame_ms=250)
    with Image.open(tmp_path / "backward.gif") as gif:
        durations = []
        for k in range(gif.n_frames):
            gif.seek(k)
            durations.append(gif.info["duration"])
    assert durations == [250] * (len(durations) - 1) + [750]
    with pytest.raises(ValueError, match="frame_ms"):
        backward_frames(long_named(), tmp_path / "bad", gif=True, frame_ms=0)


def test_an_mp4_with_a_speed_setting(tmp_path, dot_program, ffmpeg_program):
    paths = backward_frames(long_named(), tmp_path, mp4=True, frame_ms=400)
    probe = subprocess.run(
        [shutil.which("ffprobe") or "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=codec_name,width,height,pix_fmt:format=duration", "-of", "default=nw=1", str(tmp_path / "backward.mp4")],
        capture_output=True, text=True, check=True).stdout
    facts = dict(line.split("=", 1) for line in probe.split())
    assert facts["codec_name"] == "h264" and facts["pix_fmt"] == "yuv420p"
    with Image.open(paths[0]) as first:
        assert abs(int(facts["width"]) - first.width) <= 1 and abs(int(facts["height"]) - first.height) <= 1
    frames = len(paths)
    expected = (frames - 1) * 0.4 + 3 * 0.4  # the last frame rests three times as long
    assert abs(float(facts["duration"]) - expected) < 0.1, facts


def test_a_missing_ffmpeg_is_a_clear_error_before_any_work(tmp_path, dot_program, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "ffmpeg" else "/usr/bin/" + name)
    with pytest.raises(FFmpegNotFound, match="apt-get install ffmpeg"):
        backward_frames(long_named(), tmp_path / "film", mp4=True)
    assert not (tmp_path / "film").exists()


# --- 16:9 slides -----------------------------------------------------------------------------


def test_a_slide_is_1920_by_1080_with_a_40_px_caption(tmp_path, dot_program):
    path = slide(long_named(), tmp_path / "step2.png", step=2)
    with Image.open(path) as image:
        assert image.size == (1920, 1080)
        lines = ink_line_heights(image, 0, 400)
    # the caption's first line: DejaVu Sans Mono at 44 px inks about 0.9 of that ("(", "∂" reach both ends)
    assert lines[0] >= 0.8 * 40, lines
    pdf = backward_slides(long_named(), tmp_path / "all.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", data)) == 5  # frames 0-4
    with pytest.raises(ValueError, match=r"\.png or a \.pdf"):
        slide(long_named(), tmp_path / "step.jpg")


def test_sheets_never_replace_a_file_stepgrad_did_not_write(tmp_path, dot_program, monkeypatch):
    monkeypatch.setattr(pieces, "SHEET_HEIGHT", 600)  # a piece a sheet: several sheets from a short chain
    root, _ = horner(degree=12)
    mine = tmp_path / "horner-2.png"
    mine.write_bytes(b"a student's own file")
    with pytest.raises(FileExistsError, match="horner-2.png exists and was not drawn by stepgrad"):
        render(root, tmp_path / "horner.png")
    assert mine.read_bytes() == b"a student's own file" and not (tmp_path / "horner.png").exists()
    mine.unlink()
    render(root, tmp_path / "horner.png")
    first = sorted(p.name for p in tmp_path.iterdir())
    assert len(first) >= 2
    render(root, tmp_path / "horner.png")  # again: its own sheets are replaced, nothing else
    assert sorted(p.name for p in tmp_path.iterdir()) == first
