"""viz.plot_loss and viz.plot_decision_boundary: real pictures, labelled axes,
the right side of the boundary coloured, clean failures."""

import os
import xml.etree.ElementTree as ET

import pytest

import viz
import engine.files
from engine import Value

SVG = "{http://www.w3.org/2000/svg}"


def svg_words(path):
    return {"".join(t.itertext()).strip() for t in ET.parse(path).getroot().iter(f"{SVG}text")}


def test_loss_plot_is_a_png_with_a_curve(tmp_path):
    from PIL import Image

    path = viz.plot_loss([Value(1.0), 0.5, 0.3, 0.2, 0.15], tmp_path / "loss.png")
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(path) as image:
        assert image.width > 300 and image.height > 200
        colours = {rgb for _, rgb in image.convert("RGB").getcolors(maxcolors=10**6)}
        assert (0x2F, 0x6F, 0xBF) in colours  # the curve's blue is drawn


def test_loss_plot_labels_its_axes(tmp_path):
    words = svg_words(viz.plot_loss([3.0, 2.0, 1.0], tmp_path / "loss.svg", title="My loss"))
    assert {"step", "loss", "My loss"} <= words


def model_by_x1(point):
    """Score = x1: the positive class is the right half of the plane."""
    return Value(point[0]) * 1.0


BLUE, ORANGE = (0xD4, 0xE4, 0xFF), (0xFF, 0xE1, 0xB8)  # the negative and the positive side


@pytest.mark.parametrize("feature, X, where", [
    # score = x1: the right half is positive (no point on the middle row)
    (0, [[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]], {(0.3, 0.5): BLUE, (0.75, 0.5): ORANGE}),
    # score = x2 on a wide, flat cloud: the top half is positive (no point in the middle column)
    (1, [[0.0, -1.0], [0.0, 1.0], [10.0, -1.0], [10.0, 1.0]], {(0.5, 0.7): BLUE, (0.5, 0.3): ORANGE}),
])
def test_decision_boundary_colours_each_side_by_the_sign_of_the_score(tmp_path, feature, X, where):
    from PIL import Image

    y = [1 if p[feature] > 0 else -1 for p in X]
    path = viz.plot_decision_boundary(lambda p: Value(p[feature]), X, y, tmp_path / "boundary.png", grid=20)
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        w, h = rgb.size
        assert {spot: rgb.getpixel((int(w * spot[0]), int(h * spot[1]))) for spot in where} == where


@pytest.mark.parametrize("labels, legend", [
    ([-1, 1, -1, 1], {"y = −1", "y = +1"}),       # the moons' labels: say what they are
    ([0, 1, 0, 1], {"y = 0", "y = 1"}),
    ([0.0, 1.0, 0.0, 1.0], {"y = 0", "y = 1"}),
    ([-2, 0.5, 3, -1], {"y ≤ 0", "y > 0"}),         # more than two values: the sign decides
])
def test_the_legend_names_the_labels_the_points_carry(tmp_path, labels, legend):
    X = [[0, 0], [1, 0], [0, 1], [1, 1]]
    path = viz.plot_decision_boundary(lambda p: p[0] - 0.5, X, labels, tmp_path / "b.svg", grid=5)
    words = svg_words(path)
    assert legend <= words
    assert not {"y ≤ 0", "y > 0", "y = −1", "y = +1", "y = 0", "y = 1"} - legend & words


def test_decision_boundary_calls_the_model_once_per_grid_point_and_labels_axes(tmp_path):
    calls = []

    def model(point):
        calls.append(point)
        return [point[0] - point[1]]  # a one-element list is a score too

    path = viz.plot_decision_boundary(model, [[0, 0], [1, 1]], [0, 1], tmp_path / "b.svg", grid=7)
    assert len(calls) == 49
    assert {"x₁", "x₂"} <= svg_words(path)


@pytest.mark.parametrize("call, error, words", [
    (lambda p: viz.plot_loss([], p), ValueError, "empty"),
    (lambda p: viz.plot_loss(["1"], p), TypeError, "str"),
    (lambda p: viz.plot_loss([0.0, 1.0], p, log_scale=True), ValueError, "log_scale"),
    (lambda p: viz.plot_decision_boundary(model_by_x1, [[0, 0]], [1, 1], p), ValueError, "as many"),
    (lambda p: viz.plot_decision_boundary(model_by_x1, [[0, 0, 0]], [1], p), ValueError, "2-feature"),
    (lambda p: viz.plot_decision_boundary(lambda q: [1, 2], [[0, 0]], [1], p), ValueError, "one score"),
    (lambda p: viz.plot_decision_boundary(model_by_x1, [[0, 0]], [1], p, grid=1), ValueError, "grid"),
    (lambda p: viz.plot_loss([1.0], p.with_suffix(".jpeg")), ValueError, r"\.png"),
])
def test_bad_input_is_named_and_writes_nothing(tmp_path, call, error, words):
    with pytest.raises(error, match=words):
        call(tmp_path / "plot.png")
    assert os.listdir(tmp_path) == []


def test_an_unwritable_path_fails_cleanly_and_keeps_the_old_file(tmp_path, monkeypatch):
    calls = []
    with pytest.raises(OSError, match="cannot write"):  # found before the model is run
        viz.plot_decision_boundary(calls.append, [[0, 0]], [1], tmp_path / "missing" / "b.png")
    assert calls == []
    old = tmp_path / "loss.png"
    old.write_bytes(b"old")
    monkeypatch.setattr(engine.files.os, "replace", lambda a, b: (_ for _ in ()).throw(PermissionError("no")))
    with pytest.raises(PermissionError, match="cannot write"):
        viz.plot_loss([1.0], old)
    assert old.read_bytes() == b"old" and os.listdir(tmp_path) == ["loss.png"]
