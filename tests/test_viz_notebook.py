"""docs/stepping_through.ipynb, executed with nbclient and ipykernel: a graph,
a Value's display and a Stepper; the Stepper's page is then driven in Chromium
from the saved output alone (no kernel), as a reader of the notebook would."""

import html
import math
import re
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "stepping_through.ipynb"


@pytest.fixture(scope="module")
def executed():
    nbformat = _need("nbformat")
    nbclient = _need("nbclient")
    _need("ipykernel")
    _need("ipywidgets")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent.parent)}}).execute()
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _need(module):
    from tests.conftest import _require

    return _require(module, f"{module} is not installed (pip install 'stepgrad[dev]')")


def output(cell, kind):
    found = [o for o in cell.outputs if kind in o.get("data", {})]
    assert found, f"no {kind} output in: {cell.source[:60]!r}"
    return found[0]["data"][kind]


def test_the_graph_and_a_value_display_richly(executed):
    graph = output(executed[0], "image/svg+xml")
    assert "(x1·w1)" in graph and "0.7071" in graph and "tanh" in graph
    card = output(executed[1], "text/html")
    assert "<b>o</b>" in card and "data 0.7071" in card and "grad 1" in card and "<svg" in card


def test_stepping_leaves_the_stored_gradients_alone(executed):
    printed = "".join(o.get("text", "") for o in executed[3].outputs)
    slope = 1 - math.tanh(0.8813735870195432) ** 2  # do/dn = 0.5
    expected = [round(v, 4) for v in (-3.0 * slope, 2.0 * slope, 1.0 * slope, 0.0)]  # x1, w1, x2, w2
    assert f"stored gradients, untouched: {expected}" in printed
    assert "step 7/9:  w2.grad += ∂(x2·w2)/∂w2 × (x2·w2).grad = x2 × 0.5 = 0 × 0.5 = 0" in printed


def test_the_widget_is_a_real_ipywidgets_view(executed):
    view = output(executed[4], "application/vnd.jupyter.widget-view+json")
    assert view["model_id"]


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
