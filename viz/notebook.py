"""Rich display in Jupyter (JupyterLab, classic Notebook, VS Code), trusted or not.

A notebook saved with its outputs and opened by someone who did not run it is
*untrusted*, JupyterLab's default. JupyterLab then shows no image/svg+xml
output ("Cannot display an untrusted SVG"), runs no script and shows no widget;
it passes HTML through its sanitizer, which removes <iframe>, <svg>, <style> and
<script> but keeps <img> (with a data: URL too) and inline styles such as
max-width; of the types it may show it picks HTML first, then PNG, then text.
(Trusted, it also shows an image/svg+xml output at full size, however narrow
the cell.) So every display here carries a picture and words that survive that:

- a Graphviz graph (`draw_dot`): its SVG as an <img> in HTML, never wider than
  the cell; a PNG for a front end that shows no HTML; a line of text;
- a `viz.Stepper`: the step-through page in a sandboxed <iframe> (buttons,
  slider and keys work in the browser, no kernel needed) and, where the iframe
  is removed, a still picture of its current frame with a line saying how to
  get the page (run the cell, or trust the notebook);
- `Stepper.widget()`: ipywidgets controls for a live kernel, with that still
  picture for where widgets do not show;
- a `Value`: a card (its name, data, grad and how it was made, in its role's
  colours, as in the pictures) with its graph underneath when the graph is
  small, its parameters coloured as parameters (see `card_role`).

`import viz` teaches IPython the card and the graphs' display (`register`);
the engine itself stays free of display code.
"""

from __future__ import annotations

import base64
import html
import re
import struct
from typing import TYPE_CHECKING, Optional

import graphviz

from engine import Value, topological_order
from engine.names import is_constant, number, op_symbol, visible

from .description import check_size, declared_roles
from .html import embedded_page
from .graph import PNG_DPI, ROLE_COLOURS, GraphvizNotFound, draw_dot, graph_bytes

if TYPE_CHECKING:
    from .frames import Stepper

#: A Value's card draws its graph below it up to this many values.
CARD_GRAPH_LIMIT = 40
#: How to see the step-through page where a still picture stands in for it.
TRUST_HINT = ("The step-through page (buttons, slider, ←/→) shows in a trusted notebook: run this cell, "
              "or trust the notebook (JupyterLab: Command Palette, Ctrl+Shift+C, then Trust Notebook).")
#: What the still picture of `Stepper.widget()` stands in for.
WIDGET_HINT = "the controls are ipywidgets, which show with a running kernel: run this cell"
#: Hides the still picture wherever the page's <iframe> was kept. A sanitizer that
#: removes the iframe removes this <style> too (or, keeping it, no iframe matches).
_STILL_RULE = "<style>.stepgrad-stepper > iframe + .stepgrad-still { display: none }</style>"
_PICTURE_STYLE = "max-width: 100%; height: auto"  # never wider than the cell; the sanitizer keeps both


# --- Graphviz graphs ------------------------------------------------------------


_DOT_ID = r'"(?:[^"\\]|\\.)*"|[\w.]+'  # a DOT node id: quoted, or a word
_DOT_KEYWORDS = {"graph", "digraph", "subgraph", "node", "edge", "strict"}


def graph_caption(graph: graphviz.Graph | graphviz.Digraph) -> str:
    """One line saying what a graph shows, for where its picture cannot be: how
    many boxes and ops (a stepgrad picture, whose ids come from `element_ids`),
    or nodes, and how many edges."""
    nodes, edges = set(), 0
    for line in graph.source.splitlines():
        edge = re.match(rf"\s*({_DOT_ID})\s*-[->]\s*({_DOT_ID})", line)
        if edge:
            nodes.update(edge.groups())
            edges += 1
            continue
        node = re.match(rf"\s*({_DOT_ID})\s*(\[|$)", line)
        if node and node.group(1) not in _DOT_KEYWORDS:
            nodes.add(node.group(1))
    boxes = sum(bool(re.fullmatch(r"v\d+", n)) for n in nodes)
    ops = sum(bool(re.fullmatch(r"v\d+op", n)) for n in nodes)
    if boxes and boxes + ops == len(nodes):
        drawn = f"{_count(boxes, 'box')}, {_count(ops, 'op')}"
    else:
        drawn = _count(len(nodes), "node")
    return f"<a graph drawn by Graphviz: {drawn} and {_count(edges, 'edge')}>"


def graph_bundle(graph: graphviz.Graph | graphviz.Digraph) -> tuple[dict, dict]:
    """A graph's display: as HTML, its SVG as an <img>, shown trusted or not and
    never wider than the cell (JupyterLab shows an image/svg+xml output only
    when trusted, and then at full size however narrow the cell); a PNG for a
    front end that shows no HTML (a PDF export); its caption as text. Only the
    text where Graphviz cannot draw it."""
    text = graph_caption(graph)
    try:
        svg = graph_bytes(graph, "svg")
        png = graph_bytes(graph, "png")
    except GraphvizNotFound:
        return {"text/plain": f"{text}\n(no picture: the Graphviz program 'dot' is not installed)"}, {}
    except RuntimeError as error:  # a timeout, or dot refusing the graph
        return {"text/plain": f"{text}\n(no picture: {error})"}, {}
    return ({"text/html": _img(svg, text), "image/png": _base64(png), "text/plain": text},
            {"image/png": {"width": png_css_width(png)}})


def png_css_width(png: bytes) -> int:
    """The width in CSS pixels at which a PNG of `graph_bytes` is as big as the SVG
    of the same graph: it is drawn at PNG_DPI, the SVG at 96 CSS pixels an inch."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    (width,) = struct.unpack(">I", png[16:20])
    return max(1, round(width * 96 / PNG_DPI))


# --- the Stepper ----------------------------------------------------------------


def stepper_bundle(stepper: "Stepper") -> dict:
    """A Stepper's display: its caption as text and, with Graphviz, as HTML: the
    page where iframes show (a trusted notebook), else a still picture of the
    current frame and how to get the page (an untrusted one)."""
    bundle = {"text/plain": repr(stepper)}
    try:
        still = stepper.svg().encode("utf-8")
        page = embedded_page(stepper.recording.description, start=stepper.k)
    except GraphvizNotFound:  # without Graphviz a notebook still shows where we are, as text
        return bundle
    note = f"Step {stepper.k} of {len(stepper) - 1}, as a still picture. {TRUST_HINT}"
    bundle["text/html"] = (f'{_STILL_RULE}<div class="stepgrad-stepper">{page}'
                           f'<div class="stepgrad-still">{_img(still, stepper.caption)}{_note(note)}</div></div>')
    return bundle


def stepper_widget(stepper: "Stepper"):
    """ipywidgets controls (First, Prev, Next, Last, a slider) over a Stepper's
    Graphviz frames, for a live kernel. Where widgets do not show (no kernel, or
    an untrusted notebook), its display is the frame it showed when it was
    displayed, as a still picture, and a line saying so."""
    import ipywidgets as widgets

    picture = widgets.HTML()
    caption = widgets.HTML()
    slider = widgets.IntSlider(value=stepper.k, min=0, max=len(stepper) - 1, description="step",
                               continuous_update=False)

    def show(change=None) -> None:
        stepper.goto(slider.value)
        caption.value = f"<pre style='white-space:pre-wrap'>{html.escape(stepper.caption)}</pre>"
        picture.value = stepper.svg()

    buttons = []
    for text, target in [("« First", lambda: 0), ("◀ Prev", lambda: max(slider.value - 1, 0)),
                         ("Next ▶", lambda: min(slider.value + 1, len(stepper) - 1)),
                         ("Last »", lambda: len(stepper) - 1)]:
        button = widgets.Button(description=text)
        button.on_click(lambda _, target=target: setattr(slider, "value", target()))
        buttons.append(button)
    slider.observe(show, names="value")
    show()
    return _controls_class()([widgets.HBox([*buttons, slider]), caption, picture], stepper=stepper)


_CONTROLS: Optional[type] = None


def _controls_class() -> type:
    """The widget class of `stepper_widget`, made once ipywidgets is imported."""
    global _CONTROLS
    if _CONTROLS is None:
        import ipywidgets as widgets

        class StepperControls(widgets.VBox):
            """A VBox whose display also holds, for where widgets do not show,
            a still picture of the frame shown when it was displayed."""

            def __init__(self, children, *, stepper: "Stepper"):
                super().__init__(children)
                self.stepper = stepper

            def _repr_mimebundle_(self, **kwargs) -> dict:
                bundle = super()._repr_mimebundle_(**kwargs) or {}
                bundle["text/plain"] = f"{self.stepper!r}\n({WIDGET_HINT})"
                try:
                    still = self.stepper.svg().encode("utf-8")
                except GraphvizNotFound:
                    return bundle
                note = f"Step {self.stepper.k} of {len(self.stepper) - 1}, as a still picture: {WIDGET_HINT}."
                bundle["text/html"] = _img(still, self.stepper.caption) + _note(note)
                return bundle

        _CONTROLS = StepperControls
    return _CONTROLS


# --- a Value's card -------------------------------------------------------------


def card_role(value: Value, roles: dict[Value, str]) -> str:
    """The role a card colours `value` with: a value made by an op is the output
    of the graph drawn beneath it; a leaf is what it was declared (`parameters=`,
    `constants=` of any picture, film, page or Stepper), else a constant when
    it is a plain number, else an input, as in the pictures."""
    if value.parents:
        return "output"
    return roles.get(value) or ("constant" if is_constant(value) else "input")


def value_html(value: Value) -> str:
    """A `Value` as HTML: a card with its name, data and grad in its role's
    colours, then its graph (when small and Graphviz is there), its leaves
    coloured by what they were declared (see `card_role`)."""
    try:
        check_size(value, CARD_GRAPH_LIMIT)
        small = True
    except ValueError:
        small = False
    roles = declared_roles(topological_order(value) if small else [value])
    role = card_role(value, roles)
    fill, border = ROLE_COLOURS[role]
    made = f" = {html.escape(op_symbol(value.op))}(…)" if value.parents else ""
    name = html.escape(visible(value.label)) if value.label else "Value"
    card = (
        f'<div style="font-family: monospace; display: inline-block; border: 2px solid {border}; '
        f'background-color: {fill}; color: black; border-radius: 4px; padding: 4px 10px; margin: 2px 0">'
        f"<b>{name}</b>{made}&nbsp;&nbsp; data {html.escape(number(value.data))}"
        f"&nbsp;&nbsp; grad {html.escape(number(value.grad))}"
        f'&nbsp;&nbsp; <span style="color: {border}">{role}</span>'
        "</div>"
    )
    if not value.parents or not small:
        return card
    try:
        graph = draw_dot(value, max_nodes=CARD_GRAPH_LIMIT,
                         parameters=[n for n, r in roles.items() if r == "parameter"],
                         constants=[n for n, r in roles.items() if r == "constant"])
        svg = graph_bytes(graph, "svg")
    except RuntimeError:  # no Graphviz, a timeout, or dot refusing the graph: the card alone
        return card
    # As an <img>, not inline <svg>: a sanitizer removes <svg> and leaves its text behind.
    return card + f"<div>{_img(svg, f'the graph of {name}: {graph_caption(graph)}')}</div>"


# --- shared ---------------------------------------------------------------------


def _img(svg: bytes, alt: str) -> str:
    """A Graphviz SVG as an <img>: sharp at any zoom, as big as it was drawn and
    never wider than its cell. (Inline <svg> a sanitizer removes, leaving its
    text behind; an <img> with a data: URL it keeps, and no script runs in it.)"""
    return (f'<img src="data:image/svg+xml;base64,{_base64(svg)}" alt="{html.escape(alt, quote=True)}"'
            f' style="{_PICTURE_STYLE}">')


def _note(text: str) -> str:
    return f'<p style="font-family: sans-serif; font-size: 13px; color: #444">{html.escape(text)}</p>'


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 'es' if thing.endswith('x') else 's'}"


def register(ipython=None) -> bool:
    """Teach this IPython session the displays above (done by `import viz`): a
    `Value` as its card, a Graphviz graph as `graph_bundle`.
    Returns whether there was a session to register with."""
    if ipython is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        ipython = get_ipython()
    if ipython is None:
        return False
    formatter = ipython.display_formatter
    formatter.formatters["text/html"].for_type(Value, value_html)
    for kind in (graphviz.Digraph, graphviz.Graph):
        formatter.mimebundle_formatter.for_type(kind, graph_bundle)
    return True
