"""Rich display in Jupyter (JupyterLab, classic Notebook, VS Code).

- a `graphviz.Digraph` from `draw_dot` shows itself as a picture (the graphviz package does that);
- a `viz.Stepper` shows the step-through page, embedded: buttons, slider and
  keys work in the browser, with no live kernel (`.widget()` gives ipywidgets
  controls instead);
- a `Value` shows as a small card (its name, data, grad and how it was made)
  with its graph underneath when the graph is small: `import viz` teaches
  IPython this (the engine itself stays free of display code).
"""

from __future__ import annotations

import html

from engine import Value
from engine.names import number, op_symbol, visible

#: A Value's card draws its graph below it up to this many values.
CARD_GRAPH_LIMIT = 40


def value_html(value: Value) -> str:
    """A `Value` as HTML: a card with its name, data and grad, then its graph (when small and Graphviz is there)."""
    made = f" = {html.escape(op_symbol(value.op))}(…)" if value.parents else ""
    name = html.escape(visible(value.label)) if value.label else "Value"
    card = (
        '<div style="font-family: monospace; display: inline-block; border: 2px solid #5a5a5a; '
        'border-radius: 4px; padding: 4px 10px; margin: 2px 0">'
        f"<b>{name}</b>{made}&nbsp;&nbsp; data {html.escape(number(value.data))}"
        f"&nbsp;&nbsp; grad {html.escape(number(value.grad))}"
        "</div>"
    )
    if not value.parents:
        return card
    from .description import check_size
    from .graph import GraphvizNotFound, draw_dot, graph_bytes

    try:
        check_size(value, CARD_GRAPH_LIMIT)
        svg = graph_bytes(draw_dot(value, max_nodes=CARD_GRAPH_LIMIT), "svg").decode("utf-8")
    except (ValueError, GraphvizNotFound, RuntimeError):
        return card
    return card + "<div>" + svg[svg.index("<svg"):] + "</div>"


def register(ipython=None) -> bool:
    """Show `Value`s with `value_html` in this IPython session (done by `import viz`).
    Returns whether there was a session to register with."""
    if ipython is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        ipython = get_ipython()
    if ipython is None:
        return False
    ipython.display_formatter.formatters["text/html"].for_type(Value, value_html)
    return True
