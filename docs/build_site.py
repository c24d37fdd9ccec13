"""docs/ as a small static site: a screenshot of each step-through page, and an index.

    python docs/build_site.py chain_rule neuron topo_order logistic reverse_network

(`make docs` runs it after writing docs/NAME.html with `python -m demos NAME --html`.)
For each NAME with a docs/NAME.html, opens the page in Chromium (Playwright, Debian's
/usr/bin/chromium or CHROMIUM=path), steps halfway through the backward pass, so one
edge is lit and some gradients are filled in, and writes docs/NAME-page.png (the
browser window's view: what a student sees on opening the page). Then writes
docs/index.html: one link and one screenshot per page, for a class's start page.
A name without a page is skipped with a note.
"""

from __future__ import annotations

import html
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
                # reduced motion: the lit edge's flowing dashes and the fades hold still, so a
                # screenshot shows the step, not a moment of an animation
                page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1, reduced_motion="reduce")
                page.goto(page_path.as_uri())
                page.wait_for_selector("#values tbody tr")
                steps = int(page.evaluate("() => document.getElementById('slider').max"))
                for _ in range(max(1, steps // 2)):
                    page.keyboard.press("ArrowRight")
                page.wait_for_timeout(600)  # "follow the step" pans the picture smoothly: let it arrive
                target = DOCS / f"{name}-page.png"
                write_atomically(target, page.screenshot(full_page=False))
                print(f"docs/{target.name}: step {max(1, steps // 2)} of {steps}")
                page.close()
        finally:
            browser.close()
    write_atomically(DOCS / "index.html", index_page([name for name, _ in pages]))
    print(f"docs/index.html: {len(pages)} pages")
    return 0


def index_page(names: list[str]) -> str:
    """A start page: each demo's one-line description, its screenshot, a link to its page."""
    from demos import registry

    items = []
    for name in names:
        summary = html.escape(registry.summary(name)) if name in registry.NAMES else ""
        items.append(
            f'<li><a href="{name}.html"><img src="{name}-page.png" alt="the {name} page" width="480"></a>'
            f'<p><a href="{name}.html"><code>{name}</code></a>: {summary}</p></li>')
    return INDEX.replace("{{items}}", "\n".join(items))


INDEX = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>stepgrad: step through the chain rule</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
ul { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr));
     gap: 1.5rem; }
img { width: 100%; height: auto; border: 1px solid #ccc; border-radius: 4px; }
p { margin: 0.4rem 0; }
</style>
</head>
<body>
<h1>stepgrad: step through the chain rule</h1>
<p>Each page walks one small graph forward node by node and backward edge by edge, with every
value's data and gradient. Step with &larr;/&rarr;, Home/End or the slider. Each page is one
self-contained file: it works offline, on a projector or on a phone.</p>
<ul>
{{items}}
</ul>
<p>Made with <code>make docs</code> (<code>python -m demos NAME --html docs/NAME.html</code>).</p>
</body>
</html>
"""


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
