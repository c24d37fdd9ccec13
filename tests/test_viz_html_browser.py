"""The step-through page in a real browser: Debian's Chromium, driven by Playwright.

What a student sees after pressing Next k times is compared with an independent
replay: `engine.backward_steps` run here, on a separate copy of the graph.
Screenshots go to out/test-artifacts/ (desktop and phone widths).
"""

from pathlib import Path

import pytest

from engine import Value, backward_steps, topological_order
from engine.names import node_names, number, step_caption, visible
from viz.html import stepper_html

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "out" / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE = '</script><script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2">'


def neuron(label_x2="x2"):
    """micrograd's neuron, with w1 used twice (o = tanh(n) · w1) so one node gets two edges."""
    x1, x2, w1, w2 = Value(2.0, "x1"), Value(0.0, label_x2), Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    t = n.tanh()
    t.label = "t"
    o = t * w1
    o.label = "o"
    return o


def replay(k: int):
    """The table and caption after k backward steps, worked out here from the engine."""
    root = neuron()
    order = topological_order(root)
    names = node_names(order)
    steps = backward_steps(root)
    caption = "o.grad = 1"
    before = {}
    for _, step in zip(range(k), steps):
        caption = step_caption(step, names.get, before=before.get(step.parent, 0.0))
        before[step.parent] = step.parent_grad
    grads = [node.grad for node in order]
    if k == 0:  # the generator has not started: the page shows the seed, o.grad = 1
        grads = [1.0 if node is root else 0.0 for node in order]
    return grads, caption


STEPS = sum(1 for _ in backward_steps(neuron()))


@pytest.fixture(scope="module")
def launch(playwright_api):
    """One Chromium for the whole module, started by the first test that needs it."""
    sync_api = playwright_api
    browsers = {}
    with sync_api.sync_playwright() as playwright:
        def get(path):
            if path not in browsers:
                browsers[path] = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            return browsers[path]
        yield get
        for browser in browsers.values():
            browser.close()


@pytest.fixture
def page_file(tmp_path, dot_program):
    return stepper_html(neuron(), tmp_path / "neuron.html")


@pytest.fixture
def open_page(chromium_path, dot_program, launch):
    """open_page(path, width, height) -> (page, requests made); closed after the test."""
    contexts = []

    def opener(path, width=1280, height=900):
        context = launch(chromium_path).new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        requests, errors = [], []
        page.on("request", lambda request: requests.append(request.url))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type in ("error", "warning") else None)
        page.goto(Path(path).as_uri())
        page.wait_for_selector("#values tbody tr")
        assert errors == []
        page.errors = errors  # checked again at the end of the test
        return page, requests

    yield opener
    for context in contexts:
        for page in context.pages:
            assert page.errors == [], page.errors  # no console error, no CSP violation
        context.close()


def shown(page):
    """What the page shows now: status, caption, and the grad column (text and exact)."""
    return page.evaluate("""() => ({
        status: document.getElementById("status").textContent,
        caption: document.getElementById("caption").textContent,
        grads: Array.from(document.querySelectorAll("#values tbody td:nth-child(5)"),
                          (td) => [td.textContent, Number(td.dataset.exact)]),
    })""")


def assert_self_contained(requests, path):
    """The page asked for itself and nothing else (no network, no other file)."""
    assert [url for url in requests if not url.startswith("data:")] == [Path(path).as_uri()], requests


def save_screenshot(page, name, full_page=True):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"html-stepper-{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 10_000  # a picture, not a blank page


def assert_shows_step(page, k):
    grads, caption = replay(k)
    now = shown(page)
    assert now["status"].endswith(f"step {k} of {STEPS}")
    assert [exact for _, exact in now["grads"]] == grads  # exactly the engine's floats
    assert [text for text, _ in now["grads"]] == [number(g) for g in grads]
    assert now["caption"].startswith(caption)


def test_next_k_times_shows_the_engines_gradients_offline(open_page, page_file):
    page, requests = open_page(page_file)
    assert_shows_step(page, 0)
    for k in range(1, STEPS + 1):
        page.keyboard.press("ArrowRight")
        assert_shows_step(page, k)
    page.keyboard.press("ArrowRight")  # past the end: stays on the last step
    assert_shows_step(page, STEPS)
    # The current edge and its two nodes are lit in the picture: the last step is w1 <- v2 (x1·w1).
    lit = page.evaluate("() => Array.from(document.querySelectorAll('.graph-view svg .lit'), (el) => el.id).sort()")
    assert len(lit) == 5 and {"v1", "v2"} <= set(lit)  # v1 = w1, v2 = x1·w1, + its op and two edges
    assert_self_contained(requests, page_file)
    save_screenshot(page, "desktop")


def test_home_end_slider_buttons_and_keyboard_only(open_page, page_file):
    page, _ = open_page(page_file)
    page.keyboard.press("End")
    assert_shows_step(page, STEPS)
    page.keyboard.press("Home")
    assert_shows_step(page, 0)
    page.locator("#slider").fill("4")
    assert_shows_step(page, 4)
    page.locator("#slider").focus()
    page.keyboard.press("ArrowRight")  # the slider moves itself one step, not two
    assert_shows_step(page, 5)
    page.click("#prev")
    assert_shows_step(page, 4)
    # With the pass's radio button focused, the arrows still step the pass (they do not flip it).
    page.locator('input[name="mode"][value="backward"]').focus()
    page.keyboard.press("ArrowRight")
    assert page.is_checked('input[name="mode"][value="backward"]')
    assert_shows_step(page, 5)
    page.keyboard.press("ArrowLeft")
    assert page.is_checked('input[name="mode"][value="backward"]')
    assert_shows_step(page, 4)
    # Keyboard only: Tab to the Next button, press Enter; its focus ring is visible.
    page.locator("#first").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "next"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # the page's own focus ring, 3px, not the browser default
    page.keyboard.press("Enter")
    assert_shows_step(page, 5)


def test_forward_mode_reveals_the_values_in_topological_order(open_page, page_file):
    page, _ = open_page(page_file)
    page.check('input[name="mode"][value="forward"]')
    order = topological_order(neuron())
    for k in range(len(order) + 1):
        assert page.text_content("#status").endswith(f"step {k} of {len(order)}")
        data = page.eval_on_selector_all("#values tbody td:nth-child(4)", "tds => tds.map(td => td.textContent)")
        assert data == [number(v.data) if i < k else "…" for i, v in enumerate(order)]
        if k < len(order):
            page.locator("#next").click()
    assert page.get_attribute("#next", "aria-disabled") == "true"
    # Back to the backward pass: it kept its own place, step 0.
    page.check('input[name="mode"][value="backward"]')
    assert_shows_step(page, 0)


def test_a_label_with_script_in_it_is_shown_as_text(open_page, tmp_path):
    root = neuron(label_x2=HOSTILE)
    path = stepper_html(root, tmp_path / "hostile.html")
    page, requests = open_page(path)
    assert page.evaluate("() => window.pwned") is None
    names = page.eval_on_selector_all("#values tbody td:nth-child(2)", "tds => tds.map(td => td.textContent)")
    assert visible(HOSTILE) in names
    assert visible(HOSTILE) in page.eval_on_selector_all("svg text", "ts => ts.map(t => t.textContent)")
    assert_self_contained(requests, path)


def test_fits_a_phone_and_200_percent_zoom(open_page, tmp_path):
    long_label = stepper_html(neuron(label_x2="the_second_input_with_a_long_name"), tmp_path / "long.html")
    for width, height, name in ((390, 844, "phone"), (640, 450, "zoom200")):  # 1280 px at 200%
        page, _ = open_page(long_label, width, height)
        page.keyboard.press("End")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"
        # The table fits too (only the picture may scroll sideways, by design).
        table = page.evaluate("() => { const t = document.querySelector('.table-wrap'); return t.scrollWidth - t.clientWidth; }")
        assert table <= 0, f"{name}: the table is {table}px wider than its place"
        save_screenshot(page, name)


@pytest.mark.parametrize("width, height", [(1280, 800), (1920, 1080)])
def test_a_small_graph_is_shown_whole_at_every_step_with_no_close_up(open_page, page_file, width, height):
    """A newcomer saw the neuron's 11 values half hidden beside a close-up of one box: a graph
    under viz.html.BIG_GRAPH values stays whole (labels legible), and needs no close-up."""
    page, _ = open_page(page_file, width, height)
    for k in (0, 4, 11):
        page.locator("#slider").fill(str(k))
        assert page.locator("#closeup").is_hidden()
        drawing = page.evaluate("() => document.querySelector('.graph-view svg g.graph').getBoundingClientRect().toJSON()")
        view = page.evaluate("() => document.querySelector('.graph-view').getBoundingClientRect().toJSON()")
        assert (view["left"] - 1 <= drawing["left"] and drawing["right"] <= view["right"] + 1
                and view["top"] - 1 <= drawing["top"] and drawing["bottom"] <= view["bottom"] + 1), (k, drawing, view)
    save_screenshot(page, f"small-whole-{width}")


def test_home_and_end_never_scroll_even_with_the_radio_focused(open_page, page_file):
    page, _ = open_page(page_file, 390, 600)  # a phone: the page is taller than the screen
    page.evaluate("() => window.scrollTo(0, 300)")
    page.locator('input[name="mode"][value="backward"]').focus()
    y = page.evaluate("() => window.scrollY")
    page.keyboard.press("End")
    assert_shows_step(page, STEPS)
    page.keyboard.press("Home")
    assert_shows_step(page, 0)
    assert page.evaluate("() => window.scrollY") == y
    assert page.is_checked('input[name="mode"][value="backward"]')


def view_box(page):
    """The part of the drawing in the graph's window: x, y, width, height, in the drawing's units."""
    return page.evaluate("() => document.querySelector('.graph-view').dataset.box.split(' ').map(Number)")


def test_zoom_and_pan_by_buttons_keys_wheel_and_drag(open_page, page_file):
    page, _ = open_page(page_file)
    page.keyboard.press("0")  # the whole graph
    whole = view_box(page)
    page.click("#zoom-in")
    zoomed = view_box(page)
    assert zoomed[2] == pytest.approx(whole[2] / 1.4, rel=1e-6)
    page.keyboard.press("-")
    assert view_box(page)[2] == pytest.approx(whole[2], rel=1e-6)
    box = page.locator(".graph-view").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -300)  # wheel up: zoom in, around the pointer
    page.wait_for_function(f"() => Number(document.querySelector('.graph-view').dataset.box.split(' ')[2]) < {whole[2] * 0.9}")
    before = view_box(page)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 100, box["y"] + box["height"] / 2 - 50, steps=5)
    page.mouse.up()
    after = view_box(page)
    assert after[0] > before[0] and after[1] > before[1] and after[2] == pytest.approx(before[2])  # panned
    page.keyboard.press("0")
    assert view_box(page)[2] == pytest.approx(whole[2], rel=1e-6)


def big_network():
    """One sample through MLP(3, [16, 16, 1]) and a hinge loss: about 700 backward steps."""
    from nn import MLP

    model = MLP(3, [16, 16, 1], seed=1)
    out = model([Value(0.5, "x1"), Value(-0.3, "x2"), Value(0.8, "x3")])
    loss = (1 - out).relu()
    loss.label = "loss"
    return loss, model.parameters()


@pytest.fixture(scope="module")
def big_page(tmp_path_factory):
    loss, params = big_network()
    return stepper_html(loss, tmp_path_factory.mktemp("big") / "big.html", parameters=params)


@pytest.mark.parametrize("width, height, name", [(1920, 1080, "big-desktop"), (390, 844, "big-phone")])
def test_a_700_step_page_follows_its_current_edge(open_page, big_page, dot_program, width, height, name):
    page, _ = open_page(big_page, width, height)
    steps = page.evaluate("() => Number(document.getElementById('slider').max)")
    assert steps >= 700
    for k in (1, steps // 2, steps // 2 + 1, steps - 3, steps):
        page.locator("#slider").fill(str(k))
        view = page.locator(".graph-view").bounding_box()
        # The value whose gradient changes is on screen (and its op and edge, when they fit readably).
        lit = page.evaluate("""() => Array.from(document.querySelectorAll('.graph-view .node.target'),
            (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })""")
        assert len(lit) == 1, f"step {k}: {len(lit)} targets"
        for left, top, right, bottom in lit:
            assert view["x"] - 1 <= left and right <= view["x"] + view["width"] + 1, (k, left, right, view)
            assert view["y"] - 1 <= top and bottom <= view["y"] + view["height"] + 1, (k, top, bottom, view)
        # and at a readable size: the target box's name is drawn at least 12 px tall
        size = page.evaluate("""() => { const t = document.querySelector('.graph-view .node.target text');
                                        return t ? t.getBoundingClientRect().height : 0; }""")
        assert size >= 12, f"step {k}: text {size:.1f} px tall"
        if k == steps // 2:
            save_screenshot(page, f"{name}-middle", full_page=False)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
