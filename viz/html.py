"""The step-through page: one self-contained HTML file that walks a graph's
forward pass node by node and its backward pass edge by edge.

Python does all the numbers. It runs `engine.topological_order` and
`engine.backward_steps`, formats every value and every caption, and writes them
into the page as JSON; the page's JavaScript only shows what it was given. So
what a student sees is exactly what the engine computed.

The picture is `draw_dot`'s, as Graphviz SVG, inline (the same look as the
PNGs); the CSS and JavaScript in viz/html_assets/ are inlined too, so the file
opens from disk, with no network, on a projector or on a phone.
"""

from __future__ import annotations

import html
import json
import os
import re
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator, Optional

from engine import BackwardStep, Value, backward_steps

from .atomic import check_target, write_atomically
from .frames import edge_positions
from .graph import NUMBER_FORMAT, draw_dot, drawable_order, edge_parts, element_ids, graph_bytes, node_names

#: The passes a page can open on (both are always in the page).
MODES = ("backward", "forward")


def stepper_html(
    root: Value,
    path: str | os.PathLike,
    mode: str = "backward",
    *,
    title: Optional[str] = None,
    parameters: Iterable[Value] = (),
    max_nodes: Optional[int] = 500,
) -> Path:
    """Write a step-through page for `root`'s graph to `path` and return the path.

    The page holds both passes: the forward pass (each value appears, in
    topological order, with how it was computed) and the backward pass (the
    gradient flows back one edge per step). `mode` is the one it opens on.
    Step with the buttons, ←/→, Home/End or the slider.

    The backward pass shown is a fresh one, run on the side: every gradient
    starts at 0 and d root/d root = 1. The gradients stored in the graph are
    left exactly as they were. `parameters` and `max_nodes` are `draw_dot`'s.
    The file is written atomically; its folder must exist.
    """
    path = check_target(path)  # before the work, not after
    page = stepper_page(root, mode, title=title, parameters=parameters, max_nodes=max_nodes)
    return write_atomically(path, page.encode("utf-8"))


def stepper_page(root: Value, mode: str = "backward", *, title: Optional[str] = None,
                 parameters: Iterable[Value] = (), max_nodes: Optional[int] = 500) -> str:
    """The text of the step-through page (see `stepper_html`)."""
    if mode not in MODES:
        raise ValueError(f"stepper_html: mode must be one of {', '.join(map(repr, MODES))}, got {mode!r}")
    order = drawable_order(root, max_nodes)  # also refuses a root that is not a Value
    names = node_names(order)
    data = page_data(order, names, element_ids(order))
    data["mode"] = mode
    # Drawn with every gradient at 0 and every number padded to one width, so
    # the page can write any step's numbers into the boxes without moving them.
    picture = draw_dot(root, grads=dict.fromkeys(order, 0.0), number_width=data["width"],
                       parameters=parameters, max_nodes=None)
    title = title or f"stepgrad: stepping through {names[root]}"
    return fill_template(
        _asset("stepper.html"),
        title=html.escape(title),
        style=_asset("stepper.css"),
        script=_asset("stepper.js"),
        svg=inline_svg(graph_bytes(picture, "svg").decode("utf-8")),
        data=json_for_script(data),
    )


# --- what the page shows, worked out in Python ---------------------------------


def page_data(order: list[Value], names: dict[Value, str], ids: dict[Value, dict]) -> dict:
    """Everything the page displays, as JSON-ready data.

    Numbers go in as [shown, exact] pairs: the text on the page, and repr() of
    the float (in tooltips, and for tests to compare exactly). A step says
    which value it changes ("target"), which table rows and SVG ids light up,
    and its caption; a backward step also carries the target's new gradient.
    """
    root = order[-1]
    index = {node: i for i, node in enumerate(order)}
    zeros = [_shown(0.0) for _ in order]
    steps = fresh_backward_pass(order)
    edges = edge_positions(steps)  # (node, k): tells apart the two edges of `a + a`
    backward = [backward_step(step, k, index, names, ids) for step, (_, k) in zip(steps, edges)]
    data = {
        "nodes": [
            {"name": names[node], "op": node.op, "data": _shown(node.data), "parts": _all_parts(ids[node])}
            for node in order
        ],
        "forward": {
            "start": "Nothing is computed yet: press Next (→) to compute the first value.",
            "grads": zeros,
            "steps": [forward_step(node, index, names, ids) for node in order],
        },
        "backward": {
            # Step 0 is the seed: d root / d root = 1, every other gradient 0.
            "start": f"{names[root]}.grad = {1.0:{NUMBER_FORMAT}}   (∂{names[root]}/∂{names[root]} = 1: the seed)",
            "grads": [_shown(1.0) if node is root else zero for node, zero in zip(order, zeros)],
            "steps": backward,
        },
    }
    data["width"] = max(len(text) for text, _ in _all_numbers(data))
    return data


def forward_step(node: Value, index: dict[Value, int], names: dict[Value, str], ids: dict[Value, dict]) -> dict:
    """The forward step that computes `node`: it and its op light up, with the edges in."""
    own = ids[node]
    return {
        "target": index[node],
        "rows": [index[p] for p in node.parents],
        "lit": _all_parts(own) + [ids[p]["node"] for p in node.parents],
        "caption": forward_caption(node, names),
    }


def backward_step(step: BackwardStep, arg: int, index: dict[Value, int], names: dict[Value, str],
                  ids: dict[Value, dict]) -> dict:
    """One backward step: the edge from the parent at position `arg` into the node,
    with both its ends lit, and the parent's new gradient."""
    return {
        "target": index[step.parent],
        "rows": [index[step.node]],
        "lit": edge_parts(step.node, arg, ids),
        "grad": _shown(step.parent_grad),
        "caption": step.caption(NUMBER_FORMAT, names.get),
    }


def fresh_backward_pass(order: list[Value]) -> list[BackwardStep]:
    """Every backward step from all-zero gradients (leaves included); the
    graph's own gradients are put back afterwards."""
    with gradients_restored(order):
        for node in order:  # `order` is the whole graph: no need for zero_grad to walk it again
            node.grad = 0.0
        return list(backward_steps(order[-1]))


@contextmanager
def gradients_restored(order: list[Value]) -> Iterator[None]:
    """On the way out, give every node back the gradient it had on the way in."""
    saved = [node.grad for node in order]
    try:
        yield
    finally:
        for node, grad in zip(order, saved):
            node.grad = grad


def forward_caption(node: Value, names: dict[Value, str]) -> str:
    """How `node` was computed, e.g. ``o = tanh(n) = tanh(0.8814) = 0.7071``."""
    value = f"{node.data:{NUMBER_FORMAT}}"
    if not node.parents:
        kind = "an input" if node.label else "a constant"
        return f"{names[node]} = {value}   ({kind})"
    by_name = written(node.op, [names[p] for p in node.parents])
    by_value = written(node.op, [f"{p.data:{NUMBER_FORMAT}}" for p in node.parents])
    return f"{names[node]} = {by_name} = {by_value} = {value}"


def written(op: str, args: list[str]) -> str:
    """An op applied to its arguments the way a blackboard writes it:
    ``a * b``, ``a**2``, ``tanh(n)``, ``Σ(a, b, c)``; ``2.0000 * (-3.0000)``."""
    if op.startswith("**") and len(args) == 1:  # x ** 2: the exponent is part of the op
        return f"{_operand(args[0])}{op}"
    if len(args) == 2 and not op[:1].isalpha():  # + - * / **
        return f"{_operand(args[0])} {op} {_operand(args[1])}"
    return f"{op}({', '.join(args)})"


def _operand(text: str) -> str:
    # A negative number beside an operator gets brackets: 2 * (-3), (-2)**2.
    return f"({text})" if text.startswith("-") else text


def _shown(x: float) -> list[str]:
    """A number as the page shows it, and exactly."""
    return [f"{x:{NUMBER_FORMAT}}", repr(x)]


def _all_numbers(data: dict) -> Iterator[list[str]]:
    yield from (node["data"] for node in data["nodes"])
    yield from data["backward"]["grads"]
    yield from (step["grad"] for step in data["backward"]["steps"])


def _all_parts(own: dict) -> list[str]:
    """Every SVG id of a node's picture (the forward pass dims those not reached)."""
    parts = [own["node"], own["op"], own["out"], *own["ins"]]
    return [i for i in parts if i]  # a leaf has no op circle and no edge out


# --- putting the page together --------------------------------------------------


def inline_svg(svg: str) -> str:
    """Graphviz's SVG file made to sit inside HTML: no XML prolog; sized by CSS,
    which gets the natural width as --natural-width (a phone scrolls sideways
    rather than shrink the text past reading); and no <title>s (they would show
    internal ids like "v2op" as tooltips)."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<title>[^<]*</title>\n?", "", svg)
    return re.sub(
        r'<svg width="([^"]*)" height="[^"]*"',
        r'<svg role="img" aria-labelledby="graph-title" style="--natural-width: \1"',
        svg,
        count=1,
    )


def json_for_script(data: dict) -> str:
    """JSON that is safe inside <script type="application/json">.

    Labels are a user's strings: "</script>" in one must not end the element.
    Writing <, > and & as \\u003c, \\u003e, \\u0026 keeps the same JSON value.
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def fill_template(template: str, **slots: str) -> str:
    """Replace each {{name}} in `template` in one pass, so no slot's text is read as a slot."""
    missing = set(re.findall(r"\{\{(\w+)\}\}", template)) - set(slots)
    if missing:
        raise KeyError(f"template slots without a value: {sorted(missing)}")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: slots[m.group(1)], template)


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("html_assets", name).read_text(encoding="utf-8")
