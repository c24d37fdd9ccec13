"""The step-through page on big graphs, in a real browser, as a student sees it.

The moons page (MLP(2, [16, 16, 1]), 402 values, 641 backward steps) and the
window_ner page (a drawing 1777 × 18495 pt) are opened at 1920×1080 and at
390×844. The tests measure what is on the screen: bounding boxes inside the
viewport, label sizes in screen pixels (the font size times the drawing's
scale on screen), and the time of a step with performance.now() in the page.
Which steps a node/neuron/layer step groups, and which steps pass 0, are
worked out here from the engine's own backward pass and the model's layout,
not from the page's data.
"""

import io
import json
import re
import statistics
from pathlib import Path

import pytest

from engine import backward_steps, topological_order
from tests.test_viz_html_browser import launch, open_page, save_screenshot  # noqa: F401 (fixtures)
from viz.html import stepper_html

pytestmark = pytest.mark.browser

#: draw_dot's label size, in points of the drawing.
LABEL_POINTS = 14


def demo_graph(name):
    """A demo's main graph, as `python -m demos NAME --html` steps through it."""
    from demos.cli import run_demo
    from demos.session import Options

    session = run_demo(name, Options(render=False), io.StringIO(), io.StringIO())
    return session


@pytest.fixture(scope="module")
def moons(tmp_path_factory):
    session = demo_graph("moons")
    path = stepper_html(session.main_graph, tmp_path_factory.mktemp("moons") / "moons.html",
                        parameters=session.main_parameters, constants=session.main_constants)
    return session, path


@pytest.fixture(scope="module")
def window_ner(tmp_path_factory):
    session = demo_graph("window_ner")
    path = stepper_html(session.main_graph, tmp_path_factory.mktemp("ner") / "ner.html",
                        parameters=session.main_parameters, constants=session.main_constants)
    return session, path


def data_in(path):
    text = Path(path).read_text(encoding="utf-8")
    return json.loads(re.search(r'id="stepgrad-data">(.*?)</script>', text, re.S).group(1))


# What a part of the page looks like on screen: its rectangle, and for texts the
# font size in screen pixels (the font size in the drawing times the drawing's
# scale on screen, measured from the text's own transform to the screen).
ON_SCREEN = """(el) => {
  const r = el.getBoundingClientRect();
  const texts = Array.from(el.querySelectorAll('text')).filter((t) => t.textContent.trim());
  const sizes = texts.map((t) => parseFloat(getComputedStyle(t).fontSize) * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b));
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
          texts: texts.map((t) => t.textContent.trim()), smallest: sizes.length ? Math.min(...sizes) : 0,
          heights: texts.map((t) => t.getBoundingClientRect().height)};
}"""


def inside(rect, area, slack=1.0):
    return (rect["left"] >= area["left"] - slack and rect["top"] >= area["top"] - slack
            and rect["right"] <= area["right"] + slack and rect["bottom"] <= area["bottom"] + slack)


def viewport(page):
    size = page.viewport_size
    return {"left": 0, "top": 0, "right": size["width"], "bottom": size["height"]}


def view_rect(page):
    return page.evaluate("() => document.querySelector('.graph-view').getBoundingClientRect().toJSON()")


def closeup_parts(page):
    """The close-up's copies of boxes and the op, as they are on screen."""
    return page.evaluate(f"""() => Array.from(document.querySelectorAll('#closeup-svg g.node'),
        {ON_SCREEN})""")


def assert_readable_step(page, data, k, label_px, main_on_screen=True):
    """After k steps: the value that changes, the op, the value whose gradient
    flows back and every value the step reads are all on screen, their labels
    at least `label_px` tall, in the close-up; and the value that changes is on
    screen at that size in the graph's own view too."""
    step = data["backward"]["steps"][k - 1]
    names = {data["nodes"][i]["name"] for i in [step["target"], step["upstream"], *step["reads"]]}
    parts = closeup_parts(page)
    shown = {part["texts"][0]: part for part in parts if part["texts"]}
    assert names <= set(shown), (k, names, set(shown))
    op = [part for part in parts if len(part["texts"]) == 1 and part["texts"][0] not in names]
    assert len(op) == 1, (k, [p["texts"] for p in parts])  # the op the step goes back through
    screen = viewport(page)
    for part in [*shown.values(), *op]:
        assert inside(part, screen), (k, part["texts"], part)
        assert part["smallest"] >= label_px, (k, part["texts"][0], part["smallest"])
    # the numbers in the copy are the ones in the graph's box: the data, and the new gradient
    target = shown[data["nodes"][step["target"]]["name"]]
    assert step["grad"][0] in target["texts"] and data["nodes"][step["target"]]["data"][0] in target["texts"]
    # the graph's own view: the value that changes, inside the view and the screen, readable
    box = page.evaluate(f"() => ({ON_SCREEN})(document.querySelector('.graph-view .node.target'))")
    assert inside(box, view_rect(page)) and (inside(box, screen) or not main_on_screen), (k, box)
    assert box["smallest"] >= label_px, (k, box["smallest"])


def test_following_a_step_keeps_its_values_on_screen_at_24_px(open_page, moons):
    _, path = moons
    data = data_in(path)
    page, _ = open_page(path, 1920, 1080)
    n = len(data["backward"]["steps"])
    assert n == 641
    # step 320 is the issue's: its red edge ran off the bottom of the view
    for k in (1, 2, 17, 320, 321, n // 2, n - 1, n):
        page.locator("#slider").fill(str(k))
        assert_readable_step(page, data, k, 24)
        if k == 320:
            save_screenshot(page, "moons-320-desktop", full_page=False)
    # the label size is measured, not assumed: a text's height on screen agrees with it
    heights = page.evaluate(f"() => ({ON_SCREEN})(document.querySelector('.graph-view .node.target')).heights")
    assert min(heights) >= 24


def test_the_phone_shows_the_box_a_step_reads_whole(open_page, moons):
    """Item 5 of issue 25: at 390×844 the box a step reads was cut at the right."""
    _, path = moons
    data = data_in(path)
    page, _ = open_page(path, 390, 844)
    for k in (320, 2, 600):
        page.locator("#slider").fill(str(k))
        page.locator("#closeup").scroll_into_view_if_needed()
        assert_readable_step_on_phone(page, data, k)
    save_screenshot(page, "moons-phone", full_page=False)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def assert_readable_step_on_phone(page, data, k):
    step = data["backward"]["steps"][k - 1]
    names = {data["nodes"][i]["name"] for i in [step["target"], step["upstream"], *step["reads"]]}
    parts = {p["texts"][0]: p for p in closeup_parts(page) if p["texts"]}
    width = page.viewport_size["width"]
    for name in names:
        part = parts[name]
        assert 0 <= part["left"] and part["right"] <= width, (k, name, part)
        assert part["smallest"] >= 14, (k, name, part["smallest"])


@pytest.mark.parametrize("which", ["moons", "window_ner"])
def test_whole_graph_shows_all_of_a_tall_graph(open_page, moons, window_ner, which):
    _, path = moons if which == "moons" else window_ner
    page, _ = open_page(path, 1920, 1080)
    page.locator("#slider").fill("5")
    page.keyboard.press("0")
    drawing = page.evaluate("() => document.querySelector('.graph-view svg g.graph').getBoundingClientRect().toJSON()")
    view = view_rect(page)
    assert inside(drawing, view), (drawing, view)
    assert inside(view, viewport(page)), view  # and the view itself is on the screen
    # the drawing fills the view in one direction (it is not a small speck)
    assert max(drawing["width"] / view["width"], drawing["height"] / view["height"]) > 0.8
    save_screenshot(page, f"{which}-whole", full_page=False)


def test_the_start_view_is_the_seed_readable_not_a_slice(open_page, window_ner):
    _, path = window_ner
    data = data_in(path)
    page, _ = open_page(path, 1920, 1080)
    root = page.evaluate(f"() => ({ON_SCREEN})(document.getElementById('{data['nodes'][-1]['parts'][0]}'))")
    assert inside(root, view_rect(page)) and root["smallest"] >= 24, root
    save_screenshot(page, "ner-start", full_page=False)


def test_a_step_takes_under_30_ms_on_the_moons_page(open_page, moons):
    """performance.now() around Next, to the end of the layout it causes (the
    target's rectangle is read, which makes the browser lay the page out),
    with a frame painted between steps as between a student's clicks.

    The median of 100 steps, in three rounds: the best round counts, so that
    other work on a loaded 2-core machine does not decide it. Measured here,
    old page and new interleaved in one browser: at a load average of 9-11 the
    old page's round medians were 99-271 ms and the new one's 19-32 ms; lightly
    loaded, 34-38 ms before and 12-15 ms now."""
    _, path = moons
    page, _ = open_page(path, 1920, 1080)
    medians = []
    for _ in range(3):
        page.keyboard.press("Home")
        times = page.evaluate("""async () => {
            const next = document.getElementById('next'), times = [];
            const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
            await frame();
            for (let i = 0; i < 100; i++) {
                const start = performance.now();
                next.click();
                document.querySelector('.graph-view .node.target').getBoundingClientRect();
                times.push(performance.now() - start);
                await frame();
            }
            return times;
        }""")
        assert page.text_content("#status").endswith("step 100 of 641")
        medians.append(statistics.median(times))
    assert min(medians) < 30, f"median step times of three rounds: {[f'{m:.1f} ms' for m in medians]}"


# --- stepping by node, neuron, layer; skipping steps that pass 0 ----------------------


def engine_steps(session, data):
    """The engine's own backward pass of the page's graph, one record per step the
    page shows (the page leaves out steps into constants), matched by edge."""
    root = session.main_graph
    order = topological_order(root)
    records = list(backward_steps(root))
    matched, j = [], 0
    for step in data["backward"]["steps"]:
        node, parent = order[step["upstream"]], order[step["target"]]
        while not (records[j].node is node and records[j].parent is parent):
            j += 1
        matched.append(records[j])
        j += 1
    return matched


def neuron_and_layer(session, record):
    """(layer, neuron) of the node a step passes back from, from the model's own
    parameter names: a Σw·x+b node owns parameters named layers.L.neurons.N.*,
    and its activation is the node made from it alone."""
    node = record.node
    if len(node.parents) == 1:  # an activation: its neuron is its input's
        node = node.parents[0]
    for parent in node.parents:
        found = re.match(r"layers\.(\d+)\.neurons\.(\d+)\.", parent.label or "")
        if found:
            return found.group(1), found.group(2)
    return None


def stops(page, grain, skip=False):
    """Press Next from step 0 to the end: the step number after each press."""
    page.keyboard.press("Home")
    page.select_option("#grain", grain)
    if skip != page.is_checked("#skip-zero"):
        page.click("#skip-zero")
    page.keyboard.press("Home")
    return page.evaluate("""() => {
        const next = document.getElementById('next'), slider = document.getElementById('slider'), seen = [];
        while (Number(slider.value) < Number(slider.max) && seen.length < 5000) {
            next.click();
            seen.push(Number(slider.value));
        }
        return seen;
    }""")


def runs(keys):
    """Where each run of equal keys ends (a key of None is a run of its own), as step counts."""
    ends = []
    for k, key in enumerate(keys):
        if key is None or k + 1 == len(keys) or keys[k + 1] != key:
            ends.append(k + 1)
    return ends


def test_next_steps_a_whole_node_neuron_or_layer(open_page, moons):
    session, path = moons
    data = data_in(path)
    records = engine_steps(session, data)
    page, _ = open_page(path, 1920, 1080)
    options = page.eval_on_selector_all("#grain option", "os => os.map(o => o.value)")
    assert options == ["edge", "node", "neuron", "layer"]
    assert stops(page, "edge") == list(range(1, len(records) + 1))
    assert stops(page, "node") == runs([id(r.node) for r in records])
    by_neuron = [neuron_and_layer(session, r) for r in records]
    assert stops(page, "neuron") == runs(by_neuron)
    layer_stops = stops(page, "layer")
    assert layer_stops == runs([key and key[0] for key in by_neuron])
    assert len(layer_stops) < 20  # the layers of MLP(2, [16, 16, 1]) and the steps outside them
    # After a neuron step the page shows the engine's gradients of that moment,
    # and the status says which steps it applied.
    page.select_option("#grain", "neuron")
    page.keyboard.press("Home")
    page.click("#next")
    page.click("#next")
    page.click("#next")
    k = int(page.eval_on_selector("#slider", "s => s.value"))
    first = runs(by_neuron)[1] + 1
    assert k == runs(by_neuron)[2]
    assert re.search(rf"steps {first}–{k} of 641 · neuron .*: {k - first + 1} edges", page.text_content("#status"))
    grads = page.eval_on_selector_all("#values tbody td:nth-child(5)", "tds => tds.map(td => Number(td.dataset.exact))")
    names = [node["name"] for node in data["nodes"]]
    last = {}  # the last gradient each edge wrote is what the table holds
    for record in records[:k]:
        last[id(record.parent)] = record.parent_grad
    order = topological_order(session.main_graph)
    for i, node in enumerate(order):
        if id(node) in last:
            assert grads[i] == last[id(node)], names[i]
    save_screenshot(page, "moons-neuron-step", full_page=False)


def test_skip_zero_steps_only_over_steps_that_pass_exactly_0(open_page, moons):
    session, path = moons
    data = data_in(path)
    records = engine_steps(session, data)
    zero = [r.contribution == 0.0 for r in records]
    assert 0 < sum(zero) < len(zero)  # dead ReLUs: the moons pass has both kinds
    page, _ = open_page(path, 1920, 1080)
    seen = stops(page, "edge", skip=True)
    expected = [k + 1 for k, z in enumerate(zero) if not z]
    assert seen[:len(expected)] == expected and seen[len(expected):] in ([], [len(records)])
    # by neuron: a neuron step is skipped only when every edge in it passes 0
    by_neuron = [neuron_and_layer(session, r) for r in records]
    ends = runs(by_neuron)
    starts = [0] + ends[:-1]
    kept = [end for start, end in zip(starts, ends) if not all(zero[start:end])]
    seen = stops(page, "neuron", skip=True)
    assert seen[:len(kept)] == kept and seen[len(kept):] in ([], [len(records)])
    # and back again: Prev visits the same stops in reverse
    back = page.evaluate("""() => {
        const prev = document.getElementById('prev'), slider = document.getElementById('slider'), seen = [];
        while (Number(slider.value) > 0 && seen.length < 5000) { prev.click(); seen.push(Number(slider.value)); }
        return seen;
    }""")
    assert back == [end for end in reversed(kept) if end < len(records)] + [0]


def test_projector_mode_scales_the_caption_and_the_labels(open_page, moons, tmp_path):
    session, path = moons
    data = data_in(path)
    page, _ = open_page(path, 1920, 1080)
    page.locator("#slider").fill("320")
    normal = page.evaluate("() => parseFloat(getComputedStyle(document.getElementById('caption')).fontSize)")
    page.click("#projector")
    caption = page.evaluate("() => parseFloat(getComputedStyle(document.getElementById('caption')).fontSize)")
    assert normal < 40 <= caption
    assert page.get_attribute("#projector", "aria-pressed") == "true"
    # every label 1.6 times the 24 px of the normal page (viz.graph.PROJECTOR_SCALE);
    # the close-up is on the screen, the graph's view below it may be scrolled to
    for k in (320, 2, 640):
        page.locator("#slider").fill(str(k))
        assert_readable_step(page, data, k, 1.6 * 24, main_on_screen=False)
        if k == 320:
            save_screenshot(page, "moons-projector", full_page=False)
    # A page made with projector=True opens in projector mode.
    made = stepper_html(session.main_graph, tmp_path / "projector.html", parameters=session.main_parameters,
                        constants=session.main_constants, projector=True)
    page, _ = open_page(made, 1920, 1080)
    assert page.evaluate("() => document.documentElement.classList.contains('projector')")
    assert data_in(made)["projector"] is True and data["projector"] is False
