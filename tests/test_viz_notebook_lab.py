"""docs/stepping_through.ipynb as a reader who did not run it sees it: its saved
outputs, opened untrusted (JupyterLab's default for such a notebook) in a real
JupyterLab in Chromium, with no kernel. Every output must show a picture
within its cell and readable text, and nothing of what JupyterLab shows for
what it will not render (a repr, SVG source, a widget's repr). Then the
notebook is trusted the way the Stepper's note says, and the step-through
page must replace its still picture and step.

Screenshots go to out/test-artifacts/ (1920×1080 and 390×844).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_viz_html_browser import ARTIFACTS, CHROMIUM_ARGS
from tests.test_viz_notebook import NOTEBOOK

pytestmark = pytest.mark.browser

TOKEN = "stepgrad-test"
SIZES = {"desktop": (1920, 1080), "phone": (390, 844)}
#: What JupyterLab shows of an output it will not render, or an inline SVG stripped to its text.
NEVER_SHOWN = ["<graphviz.", " at 0x", "<svg", "VBox(children=", "Cannot display an untrusted SVG",
               "Error displaying widget", "Loading widget", "v0->v2op"]
#: Per code cell of the notebook: (how many pictures it shows, text it shows).
EXPECTED = [
    (1, []),
    (1, ["o = tanh(…)", "data 0.7071", "grad 1", "output"]),
    (1, ["Step 0 of 9, as a still picture.", "Command Palette", "Trust Notebook"]),
    (0, ["step 7/9:  w2.grad += ∂(x2·w2)/∂w2", "stored gradients, untouched: [-1.5, 1.0, 0.5, 0.0]"]),
    (1, ["Step 7 of 9, as a still picture", "running kernel"]),
]
# JupyterLab's settings for the test: no news pop-up, every cell in the page (no windowing).
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server on a free localhost port, in its own config, data and runtime
    folders (so no notebook is trusted), serving a copy of the saved notebook. It starts
    no kernel and fetches nothing; it is stopped, with everything it started, at the end."""
    from tests.conftest import _require

    _require("jupyterlab", "JupyterLab is not installed (pip install 'stepgrad[dev]')")
    home = tmp_path_factory.mktemp("jupyterlab")
    for folder in ("config", "data", "runtime", "notebooks", "settings"):
        (home / folder).mkdir()
    for name, values in SETTINGS.items():
        (home / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "settings" / name).write_text(json.dumps(values))
    (home / "config" / "jupyter_server_config.json").write_text(json.dumps({
        "ServerApp": {"allow_root": True, "open_browser": False, "port_retries": 0,
                      # If this process dies without stopping it, the server stops itself when idle.
                      "shutdown_no_activity_timeout": 300},
        "IdentityProvider": {"token": TOKEN},
        "LabApp": {"news_url": None, "extension_manager": "readonly", "notebook_starts_kernel": False,
                   "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
                   "user_settings_dir": str(home / "settings"), "workspaces_dir": str(home / "workspaces")},
    }))
    shutil.copy(NOTEBOOK, home / "notebooks" / "untrusted.ipynb")  # a copy, never signed
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTER_PLATFORM_DIRS": "1"}
    log = home / "server.log"
    started = time.monotonic()
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--ip=127.0.0.1", f"--port={port}",
             f"--ServerApp.root_dir={home / 'notebooks'}"],
            env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            if server.poll() is not None:
                pytest.fail(f"jupyter lab exited ({server.returncode}):\n{log.read_text()[-3000:]}")
            if time.monotonic() - started > 90:
                pytest.fail(f"jupyter lab did not answer in 90 s:\n{log.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        yield {"url": url, "log": log, "started": started}
    finally:
        _stop(server)


def _stop(server: subprocess.Popen) -> None:
    """Stop the server and every process of its session (it was started in a new one)."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            break
        try:
            server.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    try:  # nothing of its group may be left
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def outputs(page) -> list[dict]:
    """What each code cell's output area shows: its visible text, and each visible picture."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('.jp-CodeCell .jp-OutputArea'), (area) => {
        const box = area.getBoundingClientRect();
        const shown = (el) => el.offsetParent !== null && el.getBoundingClientRect().height > 0
                              && getComputedStyle(el).visibility !== 'hidden';
        return {
            text: area.innerText,
            left: box.left, right: box.right,
            pictures: Array.from(area.querySelectorAll('img'), (img) => ({
                shown: shown(img), complete: img.complete, natural: img.naturalWidth,
                left: img.getBoundingClientRect().left, right: img.getBoundingClientRect().right,
                width: img.getBoundingClientRect().width, src: img.src.slice(0, 30)})).filter((p) => p.shown),
            frames: Array.from(area.querySelectorAll('iframe')).filter(shown).length,
        };
    })""")


def screenshots(page, name: str) -> list[Path]:
    """The page scrolled to each code cell's output in turn, as screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(page.locator(".jp-CodeCell .jp-OutputArea").count()):
        page.locator(".jp-CodeCell .jp-OutputArea").nth(i).evaluate("(el) => el.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(150)
        path = ARTIFACTS / f"notebook-{name}-out{i + 1}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000  # a picture, not a blank page
        paths.append(path)
    return paths


def test_the_saved_notebook_untrusted_shows_pictures_and_text(jupyterlab, chromium_path, playwright_api):
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=dict(zip(("width", "height"), SIZES["desktop"])))
            requests = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(f"{jupyterlab['url']}/doc/tree/untrusted.ipynb?token={TOKEN}")
            page.wait_for_function(f"""() => {{  // every output rendered, every picture loaded
                const areas = Array.from(document.querySelectorAll('.jp-CodeCell .jp-OutputArea'));
                return areas.length === {len(EXPECTED)}
                       && areas.every((area) => area.querySelector('.jp-OutputArea-output') !== null)
                       && Array.from(document.querySelectorAll('.jp-OutputArea img')).every((img) => img.complete);
            }}""", timeout=90_000)
            rendered = time.monotonic() - jupyterlab["started"]
            assert "Notebook untrusted.ipynb is not trusted" in jupyterlab["log"].read_text()
            for name, (width, height) in SIZES.items():
                page.set_viewport_size({"width": width, "height": height})
                page.wait_for_timeout(300)
                for cell, (seen, (pictures, texts)) in enumerate(zip(outputs(page), EXPECTED), start=1):
                    where = f"{name}, output of code cell {cell}"
                    for text in texts:
                        assert text in seen["text"], f"{where}: {text!r} not shown in {seen['text'][:300]!r}"
                    for hidden in NEVER_SHOWN:
                        assert hidden not in seen["text"], f"{where} shows {hidden!r}"
                    assert seen["frames"] == 0, where  # untrusted: no step-through page
                    assert len(seen["pictures"]) == pictures, (where, seen["pictures"])
                    for picture in seen["pictures"]:
                        assert picture["complete"] and picture["natural"] > 0, (where, picture)
                        # within its cell: no picture runs past the output area
                        assert seen["left"] - 1 <= picture["left"] and picture["right"] <= seen["right"] + 1, \
                            (where, picture, seen["left"], seen["right"])
                screenshots(page, f"untrusted-{name}")
            local = ("data:", "blob:", "about:", jupyterlab["url"] + "/")
            assert [url for url in requests if not url.startswith(local)] == []  # nothing from the network

            # Trusted as the Stepper's note says (Command Palette, Trust Notebook): the page
            # takes the still picture's place, and steps.
            page.set_viewport_size({"width": 1920, "height": 1080})
            page.locator(".jp-Notebook").click(position={"x": 5, "y": 5})
            page.keyboard.press("Control+Shift+C")
            page.keyboard.type("Trust Notebook")
            page.keyboard.press("Enter")
            page.locator(".jp-Dialog button.jp-mod-accept").click()
            page.wait_for_selector(".jp-OutputArea iframe", timeout=30_000)
            stepper = outputs(page)[2]
            assert stepper["frames"] == 1 and stepper["pictures"] == [], stepper  # the still is hidden
            assert "still picture" not in stepper["text"]
            inside = page.frame_locator(".jp-OutputArea iframe")
            inside.locator("#status").wait_for()
            # The drawing fills the page's view: the page ran before JupyterLab had laid out
            # its output (the view 0 px wide), and must size the drawing once it has a width.
            drawing = inside.locator("svg[role=img]")
            page.wait_for_timeout(300)
            assert drawing.evaluate("(svg) => svg.getBoundingClientRect().width") \
                == pytest.approx(drawing.evaluate("(svg) => svg.parentElement.clientWidth"), abs=2)
            for _ in range(7):
                inside.locator("#next").click()
            assert inside.locator("#status").text_content() == "Backward pass: step 7 of 9"
            assert inside.locator("#caption").text_content().startswith("w2.grad += ∂(x2·w2)/∂w2")
            area = page.locator(".jp-CodeCell .jp-OutputArea").nth(2)
            area.evaluate("(el) => el.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / "notebook-trusted-desktop-out3.png"))
        finally:
            browser.close()
    print(f"JupyterLab rendered the notebook {rendered:.1f} s after the server was started")
