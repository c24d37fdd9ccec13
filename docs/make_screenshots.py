"""Screenshots of the step-through pages in docs/, for the README (run by `make docs`).

    python docs/make_screenshots.py chain_rule neuron topo_order logistic reverse_network

For each NAME with a docs/NAME.html, opens the page in Chromium (Playwright, Debian's
/usr/bin/chromium or CHROMIUM=path), steps halfway through the backward pass, so one
edge is lit and some gradients are filled in, and writes docs/NAME-page.png
(the browser window's view: what a student sees on opening the page).
A name without a page is skipped with a note.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from engine.files import write_atomically

DOCS = Path(__file__).resolve().parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}


def chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise SystemExit("the screenshots need Chromium: Debian/Ubuntu: sudo apt-get install chromium "
                         "(or set CHROMIUM=/path/to/chrome)")
    return path


def main(names: list[str]) -> int:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit("the screenshots need Playwright: pip install 'stepgrad[dev]'") from None
    pages = [(name, DOCS / f"{name}.html") for name in names]
    for name, page_path in pages:
        if not page_path.exists():
            print(f"docs/{name}-page.png: skipped, there is no docs/{name}.html")
    pages = [(name, path) for name, path in pages if path.exists()]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            for name, page_path in pages:
                page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
                page.goto(page_path.as_uri())
                page.wait_for_selector("#values tbody tr")
                steps = int(page.evaluate("() => document.getElementById('slider').max"))
                for _ in range(max(1, steps // 2)):
                    page.keyboard.press("ArrowRight")
                target = DOCS / f"{name}-page.png"
                write_atomically(target, page.screenshot(full_page=False))
                print(f"docs/{target.name}: step {max(1, steps // 2)} of {steps}")
                page.close()
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
