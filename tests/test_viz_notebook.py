"""docs/stepping_through.ipynb, executed with nbclient and ipykernel: a graph,
a Value's display and a Stepper; the Stepper's page is then driven in Chromium
from the saved output alone (no kernel), as a reader of the notebook would.
What an untrusted JupyterLab shows of the saved notebook is in test_viz_notebook_lab.py.

Run as a script, this module re-executes the notebook and saves its outputs
into docs/ (do it after changing what a display shows):

    .venv/bin/python -m tests.test_viz_notebook
"""

import base64
import html
import math
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import viz
from engine import Value, add_all, topological_order
from viz import description
from viz.graph import ROLE_COLOURS
from viz.notebook import graph_bundle, graph_caption, png_css_width, value_html

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "stepping_through.ipynb"
SVG = "{http://www.w3.org/2000/svg}"


def execute(nbformat, nbclient):
    """The notebook, executed now in a fresh kernel (with no timings recorded in it)."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=180, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(NOTEBOOK.parent.parent)}}).execute()
    return notebook


@pytest.fixture(scope="module")
def executed():
    nbformat = _need("nbformat")
    nbclient = _need("nbclient")
    _need("ipykernel")
    _need("ipywidgets")
    return [cell for cell in execute(nbformat, nbclient).cells if cell.cell_type == "code"]


def _need(module):
    from tests.conftest import _require

    return _require(module, f"{module} is not installed (pip install 'stepgrad[dev]')")


def output(cell, kind):
    found = [o for o in cell.outputs if kind in o.get("data", {})]
    assert found, f"no {kind} output in: {cell.source[:60]!r}"
    return found[0]["data"][kind]


def pictures(page: str) -> list[str]:
    """The SVG files that an HTML output shows as <img>s (data: URLs)."""
    return [base64.b64decode(data).decode("utf-8")
            for data in re.findall(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)]


def box_fills(svg: str) -> dict[str, str]:
    """Each value box of a Graphviz picture: its name (first text) -> its fill colour."""
    fills = {}
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        if group.get("class") == "node" and re.fullmatch(r"v\d+", group.get("id", "")):
            texts = [t.text for t in group.iter(f"{SVG}text") if t.text]
            fill = next(p.get("fill") for p in group.iter() if p.get("fill") not in (None, "none", "transparent"))
            fills[texts[0]] = fill.lower()
    return fills


def neuron():
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, (x1, x2, w1, w2, b)


# --- the executed notebook ----------------------------------------------------------


def test_the_graph_shows_as_a_picture_that_any_notebook_shows(executed):
    shown = output(executed[0], "text/html")
    [svg] = pictures(shown)
    assert "x1·w1" in svg and "0.7071" in svg and "tanh" in svg
    assert 'style="max-width: 100%; height: auto"' in shown  # never wider than the cell
    assert "<svg" not in shown  # an untrusted notebook strips inline SVG and shows its text
    png = base64.b64decode(output(executed[0], "image/png"))
    assert png.startswith(b"\x89PNG")
    # 10 values, 5 ops; each op has an edge from each operand and one to its result: 9 + 5
    assert output(executed[0], "text/plain") == "<a graph drawn by Graphviz: 10 boxes, 5 ops and 14 edges>"


def test_a_value_shows_as_a_card_with_its_parameters_coloured_as_parameters(executed):
    card = output(executed[1], "text/html")
    assert "<b>o</b>" in card and "data 0.7071" in card and "grad 1" in card and "<svg" not in card
    assert f"background-color: {ROLE_COLOURS['output'][0]}" in card  # o is the output of its graph
    [svg] = pictures(card)
    fills = box_fills(svg)  # the notebook passed parameters=[w1, w2, b] to draw_dot above
    assert {name: fills[name] for name in ("w1", "w2", "b", "x1", "x2", "o")} == {
        "w1": ROLE_COLOURS["parameter"][0], "w2": ROLE_COLOURS["parameter"][0], "b": ROLE_COLOURS["parameter"][0],
        "x1": ROLE_COLOURS["input"][0], "x2": ROLE_COLOURS["input"][0], "o": ROLE_COLOURS["output"][0]}


def test_stepping_leaves_the_stored_gradients_alone(executed):
    printed = "".join(o.get("text", "") for o in executed[3].outputs)
    slope = 1 - math.tanh(0.8813735870195432) ** 2  # do/dn = 0.5
    expected = [round(v, 4) for v in (-3.0 * slope, 2.0 * slope, 1.0 * slope, 0.0)]  # x1, w1, x2, w2
    assert f"stored gradients, untouched: {expected}" in printed
    assert "step 7/9:  w2.grad += ∂(x2·w2)/∂w2 × (x2·w2).grad = x2 × 0.5 = 0 × 0.5 = 0" in printed


def test_the_stepper_has_a_still_picture_and_says_how_to_get_the_page(executed):
    shown = output(executed[2], "text/html")
    still = shown[shown.index('<div class="stepgrad-still">'):]
    [svg] = pictures(still)
    assert "start: o.grad = 1" in svg  # the frame the page opens on: the seed
    assert "Step 0 of 9, as a still picture." in still and "Trust Notebook" in still
    assert output(executed[2], "text/plain").startswith("<Stepper frame 0/9: start: o.grad = 1")


def test_the_widget_is_a_real_ipywidgets_view_with_a_still_picture(executed):
    view = output(executed[4], "application/vnd.jupyter.widget-view+json")
    assert view["model_id"]
    [svg] = pictures(output(executed[4], "text/html"))
    assert "step 7/9:" in svg  # the frame it showed: the cell above went to step 7
    assert "VBox(" not in output(executed[4], "text/plain")
    assert "running kernel" in output(executed[4], "text/plain")


def test_the_saved_notebook_holds_what_todays_code_shows(executed):
    """docs/stepping_through.ipynb was executed with this code (python -m tests.test_viz_notebook)."""
    nbformat = _need("nbformat")
    saved = [cell for cell in nbformat.read(NOTEBOOK, as_version=4).cells if cell.cell_type == "code"]
    assert [c.source for c in saved] == [c.source for c in executed]
    for old, new in zip(saved, executed):
        kinds = [sorted(o.get("data", {})) for o in old.outputs], [sorted(o.get("data", {})) for o in new.outputs]
        assert kinds[0] == kinds[1], old.source
        texts = [o.get("data", {}).get("text/plain", o.get("text")) for o in old.outputs]
        assert texts == [o.get("data", {}).get("text/plain", o.get("text")) for o in new.outputs], old.source


def test_the_stepper_output_steps_in_a_browser_without_a_kernel(executed, chromium_path, playwright_api):
    frame = output(executed[2], "text/html")
    page_text = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert 'sandbox="allow-scripts"' in frame
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 900, "height": 640})
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.set_content(page_text)
            for _ in range(7):
                page.keyboard.press("ArrowRight")
            assert page.text_content("#status") == "Backward pass: step 7 of 9"
            assert page.text_content("#caption").startswith("w2.grad += ∂(x2·w2)/∂w2 × (x2·w2).grad = x2 × 0.5")
            assert errors == []
        finally:
            browser.close()


# --- the displays, without a kernel ---------------------------------------------------


def test_a_graph_display_is_html_png_and_a_caption(dot_program):
    o, _ = neuron()
    order = topological_order(o)
    data, metadata = graph_bundle(viz.draw_dot(o))
    ops = sum(1 for n in order if n.parents)
    edges = sum(len(n.parents) for n in order) + ops
    assert data["text/plain"] == f"<a graph drawn by Graphviz: {len(order)} boxes, {ops} ops and {edges} edges>"
    png = base64.b64decode(data["image/png"])
    width = int.from_bytes(png[16:20], "big")
    assert metadata == {"image/png": {"width": round(width * 96 / 144)}}  # 144 dpi shown at 96 CSS px an inch
    assert png_css_width(png) == metadata["image/png"]["width"]
    [svg] = pictures(data["text/html"])
    assert ET.fromstring(svg).tag == f"{SVG}svg"
    with pytest.raises(ValueError, match="not a PNG"):
        png_css_width(b"GIF89a" + bytes(30))


def test_the_caption_of_any_graphviz_graph_counts_what_it_draws():
    import graphviz

    graph = graphviz.Graph()
    graph.node("a b")
    graph.edge("a b", "c")
    graph.edge("c", "d")  # d only ever appears in an edge
    graph.attr(label="not a node")
    assert graph_caption(graph) == "<a graph drawn by Graphviz: 3 nodes and 2 edges>"
    lone = graphviz.Digraph()
    lone.node("x")
    assert graph_caption(lone) == "<a graph drawn by Graphviz: 1 node and 0 edges>"


def test_a_graph_without_graphviz_is_its_caption(monkeypatch, tmp_path):
    o, _ = neuron()
    monkeypatch.setenv("PATH", str(tmp_path))
    data, metadata = graph_bundle(viz.draw_dot(o))
    assert set(data) == {"text/plain"} and metadata == {}
    assert "Graphviz program 'dot' is not installed" in data["text/plain"]


def test_the_card_colours_what_was_declared_the_latest_declaration_winning(dot_program):
    o, (x1, x2, w1, w2, b) = neuron()
    parameter, constant, inputs = (ROLE_COLOURS[r][0] for r in ("parameter", "constant", "input"))
    fills = box_fills(pictures(value_html(o))[0])
    assert fills["w1"] == fills["b"] == inputs  # nothing declared yet: labelled leaves are inputs
    viz.draw_dot(o, parameters=[w1, w2, b])
    fills = box_fills(pictures(value_html(o))[0])
    assert fills["w1"] == fills["w2"] == fills["b"] == parameter and fills["x1"] == inputs
    assert f"background-color: {parameter}" in value_html(w1) and ">parameter</span>" in value_html(w1)
    viz.Stepper(o, constants=[b])  # b, declared again: now a constant
    drawn = pictures(value_html(o))[0]
    assert box_fills(drawn)["w1"] == parameter and "b = 6.8814" in drawn  # a constant's box: name = number
    assert f"background-color: {constant}" in value_html(b)


def test_the_declared_roles_are_bounded_and_hold_leaves_only(monkeypatch):
    monkeypatch.setattr(description, "DECLARED_LIMIT", 10)
    monkeypatch.setattr(description, "_declared", {})
    leaves = [Value(float(i), f"p{i}") for i in range(12)]
    made = leaves[0] * leaves[1]
    root = add_all(leaves + [made])
    description.describe(root, parameters=leaves[:8] + [made])
    description.describe(root, parameters=leaves[8:])  # 12 declared leaves: past the limit
    kept = description.declared_roles(topological_order(root))
    assert made not in kept  # a value made by an op is never kept (it would keep its graph alive)
    assert len(kept) <= 10 and set(leaves[8:]) <= set(kept)  # the latest declaration is kept whole


def test_a_hostile_label_stays_text_on_the_card(dot_program):
    x = Value(2.0, '<img src=x onerror="alert(1)">')
    y = x * 3
    y.label = "</div><script>alert(2)</script>"
    card = value_html(y)
    assert "<script>" not in card and "<img src=x" not in card
    assert "&lt;/div&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in card
    assert all(tag in ("div", "b", "span", "img", "/div", "/b", "/span")
               for tag in re.findall(r"<(/?\w+)", card))


if __name__ == "__main__":  # re-execute the notebook and save its outputs into docs/
    import nbclient
    import nbformat

    from engine.files import write_atomically

    write_atomically(NOTEBOOK, nbformat.writes(execute(nbformat, nbclient)) + "\n")
    print(f"wrote {NOTEBOOK}", file=sys.stderr)
