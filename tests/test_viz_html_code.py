"""The step-through page's code line (stepper_html(..., code=True)).

Each shown step must carry the line of `engine.to_python`'s source that does
that step. The page leaves out the steps into constants, so its k-th step is
not the engine's k-th: these tests find the engine's step by its edge and ask
the compiled program (`CompiledGraph.line`) for its line, a route that does not
go through the page's own matching.
"""

import json
import re
from pathlib import Path

import pytest

from demos.as_code import neuron
from engine import Constant, Value, backward_steps, step_code, to_python, topological_order
from viz.description import describe
from viz.html import page_data, stepper_html, stepper_page

ARTIFACTS = Path(__file__).resolve().parent.parent / "out" / "test-artifacts"


def data_in(path):
    text = Path(path).read_text(encoding="utf-8")
    return json.loads(re.search(r'id="stepgrad-data">(.*?)</script>', text, re.S).group(1))


def engine_line_of(root, wrt):
    """(node, parent) -> the compiled program's line for that backward step."""
    compiled = to_python(root, wrt)
    return {(id(step.node), id(step.parent)): compiled.line(step.index) for step in backward_steps(root)}


def test_each_backward_step_of_the_neuron_holds_its_line_of_the_code():
    o, leaves = neuron()
    order = topological_order(o)
    data = page_data(describe(o, leaves), code=True)
    line_of = engine_line_of(o, leaves)
    steps = data["backward"]["steps"]
    assert len(steps) == 9
    for step in steps:
        edge = (id(order[step["upstream"]]), id(order[step["target"]]))
        assert step["code"] == line_of[edge].strip()
    # A few written out, as a student reads them.
    assert steps[0]["code"] == "grad_n = (1 - o * o) * grad_o"
    assert steps[2]["code"] == "grad_b += grad_n"
    assert steps[-1]["code"] == "grad_w1 += x1 * grad_x1w1"


def test_each_forward_step_holds_its_assignment_and_leaves_say_why_they_have_none():
    o, leaves = neuron()
    source = [line.strip() for line in to_python(o, leaves).source.splitlines()]
    data = page_data(describe(o, leaves), code=True)
    by_name = {node["name"]: step["code"] for node, step in zip(data["nodes"], data["forward"]["steps"])}
    assert by_name["x1w1"] == "x1w1 = x1 * w1"
    assert by_name["o"] == "o = tanh(n)"
    assert by_name["b"] == "# b: an argument of the generated function"
    for line in by_name.values():
        assert line.startswith("#") or line in source


def test_steps_into_constants_are_left_out_and_the_rest_keep_their_own_lines():
    # c and d are marked constants for the page (a data point, say): the page skips the steps
    # into them, so its steps and the engine's are numbered differently; every line must
    # still be its edge's.
    x, w = Value(1.5, "x"), Value(-0.5, "w")
    c, d = Value(2.0, "c"), Value(3.0, "d")
    y = (x * c + w * x * d).tanh()
    y.label = "y"
    order = topological_order(y)
    data = page_data(describe(y, [w], constants=[c, d]), code=True)
    line_of = engine_line_of(y, [x, w])
    steps = data["backward"]["steps"]
    engine_steps = list(backward_steps(y))
    assert len(steps) < len(engine_steps)  # some steps were left out
    for step in steps:
        edge = (id(order[step["upstream"]]), id(order[step["target"]]))
        assert line_of[edge] is not None and step["code"] == line_of[edge].strip()
    assert steps[3]["code"] == "grad_w_x = d * grad_w_x_d"  # w·x and w·x·d: the picture's names
    assert steps[-1]["code"] == "grad_x += c * grad_x_c"
    # Matching by position in the pass instead would give other lines.
    by_index = step_code(y, [x, w])[:len(steps)]
    assert [step["code"] for step in steps] != by_index


def test_a_value_the_arguments_do_not_reach_has_a_comment_not_someone_elses_line():
    x = Value(2.0, "x")
    k = Constant(3.0) * Constant(4.0)  # made of constants only: the code folds it into a number
    k.label = "k"
    y = x * k
    y.label = "y"
    data = page_data(describe(y), code=True)
    names = [node["name"] for node in data["nodes"]]
    by_target = {names[step["target"]]: step["code"] for step in data["backward"]["steps"]}
    assert by_target["x"] == "grad_x += k * grad_y"
    assert by_target["k"] == "# no line: k does not depend on the arguments"


HOSTILE = '</script><script>window.pwned = 1</script><code onclick="x()">'


def test_a_hostile_label_stays_text_in_the_code_line():
    x, w = Value(2.0, HOSTILE), Value(-3.0, "w")
    y = x * w
    y.label = "y"
    page = stepper_page(y, code=True)
    assert len(re.findall(r"<script\b", page)) == 2 and len(re.findall(r"</script>", page)) == 2
    data = json.loads(re.search(r'id="stepgrad-data">(.*?)</script>', page, re.S).group(1))
    names = [node["name"] for node in data["nodes"]]
    forward = dict(zip(names, (step["code"] for step in data["forward"]["steps"])))
    assert forward[names[0]] == f"# {names[0]}: an argument of the generated function"
    lines = [step["code"] for step in data["backward"]["steps"]]
    assert lines == [line.strip() for line in step_code(y, [x, w])]
    assert all("<" not in line for line in lines)  # the code's names are identifiers


def test_a_hand_made_node_gets_code_lines_from_what_it_records_with_a_warning(tmp_path):
    x = Value(2.0, "x")
    made = Value(3.0, op="mystery", parents=(x,), local_grads=(0.5,))
    with pytest.warns(UserWarning, match="made by hand"):
        page = stepper_page(made * x, code=True)
    assert "0.5 * grad_" in page


def test_without_code_the_page_has_no_code_lines(tmp_path, dot_program):
    o, leaves = neuron()
    data = data_in(stepper_html(o, tmp_path / "plain.html", parameters=leaves))
    assert data["code"] is False
    assert all("code" not in step for step in data["backward"]["steps"] + data["forward"]["steps"])


# --- in a browser -------------------------------------------------------------------


@pytest.mark.browser
def test_stepping_shows_the_line_of_each_step(tmp_path, dot_program, chromium_path, playwright_api):
    o, leaves = neuron()
    path = stepper_html(o, tmp_path / "code.html", parameters=leaves, code=True)
    order = topological_order(o)
    line_of = engine_line_of(o, leaves)
    steps = list(backward_steps(o))  # the neuron has no constants: every step is shown
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=args)
        try:
            for width, height, name in ((1920, 1080, "desktop"), (390, 844, "phone")):
                page = browser.new_page(viewport={"width": width, "height": height})
                errors, requests = [], []
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
                page.on("request", lambda request: requests.append(request.url))
                page.goto(path.as_uri())
                page.wait_for_selector("#values tbody tr")
                assert page.text_content("#code-line") == ""  # step 0: the seed, no line yet
                for k, step in enumerate(steps, 1):
                    page.keyboard.press("ArrowRight")
                    assert page.text_content("#status").endswith(f"step {k} of {len(steps)}")
                    assert page.text_content("#code-line") == line_of[(id(step.node), id(step.parent))].strip()
                    if k == 4:
                        save(page, f"code-{name}")
                font = page.evaluate("() => getComputedStyle(document.getElementById('code-line')).fontFamily")
                assert "mono" in font.lower()
                page.check('input[name="mode"][value="forward"]')
                for _ in range(3):
                    page.keyboard.press("ArrowRight")
                assert page.text_content("#code-line") == "x1w1 = x1 * w1"  # the third value: x1, w1, x1·w1
                assert order[2].label == "x1w1"
                assert page.is_visible("#code-line")
                # fits the width: nothing scrolls sideways
                assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
                assert errors == []
                assert [url for url in requests if not url.startswith("data:")] == [path.as_uri()]
                page.close()
        finally:
            browser.close()


def save(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"html-stepper-{name}.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
