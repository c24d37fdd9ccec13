"""The step-through page: one self-contained HTML file that walks a graph's
forward pass node by node and a fresh backward pass edge by edge.

Python does all the numbers. `viz.describe` names every node, formats every
value and every caption and runs the fresh backward pass; this module writes
that description into the page as JSON, and the page's JavaScript only shows
what it was given. So what a student sees is exactly what the engine computed.

The picture is the same renderer's as the PNGs, as Graphviz SVG, inline; the
CSS and JavaScript in viz/html_assets/ are inlined too, so the file opens
from disk, with no network, on a projector, on a phone or inside a notebook.
The page's Content-Security-Policy allows only its own script and style (by
their SHA-256 hashes): nothing a label could smuggle in would run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator, Optional

from engine import Value, forward_code, step_code
from engine.names import visible

from .atomic import check_target, write_atomically
from .description import MAX_NODES, Description, Step, describe, written
from .graph import PROJECTOR_SCALE, edge_parts, graph_bytes, neurons, picture

#: The passes a page can open on (both are always in the page).
MODES = ("backward", "forward")
#: Above this many values the page opens zoomed on the current step, with the
#: rest of the graph dimmed (its neighbourhood view); below it shows the whole graph.
BIG_GRAPH = 40

__all__ = ["stepper_html", "stepper_page", "page_data", "embedded_page", "written", "MODES"]


def stepper_html(
    root: Value,
    path: str | os.PathLike,
    mode: str = "backward",
    *,
    title: Optional[str] = None,
    parameters: Iterable[Value] = (),
    max_nodes: Optional[int] = MAX_NODES,
    constants: Iterable[Value] = (),
    code: bool = False,
    projector: bool = False,
) -> Path:
    """Write a step-through page for `root`'s graph to `path` and return the path.

    The page holds both passes: the forward pass (each value appears, in
    topological order, with how it was computed) and the backward pass (the
    gradient flows back one edge per step). `mode` is the one it opens on.
    Step with the buttons, ←/→, Home/End or the slider; zoom with the wheel,
    a pinch, +/− or the buttons, and drag to pan.

    The backward pass shown is a fresh one (`viz.fresh_backward_pass`): every
    gradient starts at 0 and d root/d root = 1. The gradients stored in the
    graph are left exactly as they were. `parameters`, `constants` and
    `max_nodes` are `draw_dot`'s. The file is written atomically; its folder must exist.

    With `code=True` the page also shows, under the caption, the line of
    `engine.to_python`'s generated code that does the current step: the
    chain-rule line of a backward step (`engine.step_code`), the assignment of
    a forward step (`engine.forward_code`). The parameters, inputs (labelled
    leaves) are the function's arguments; constants are written as numbers.

    With `projector=True` the page opens in projector mode (its Projector
    button, key p): all text, the graph's labels included, at one larger scale.
    """
    path = check_target(path)  # before the work, not after
    page = stepper_page(root, mode, title=title, parameters=parameters, max_nodes=max_nodes, code=code,
                        constants=constants, projector=projector)
    return write_atomically(path, page.encode("utf-8"))


def stepper_page(root: Value, mode: str = "backward", *, title: Optional[str] = None,
                 parameters: Iterable[Value] = (), max_nodes: Optional[int] = MAX_NODES,
                 code: bool = False, constants: Iterable[Value] = (), projector: bool = False) -> str:
    """The text of the step-through page (see `stepper_html`)."""
    if mode not in MODES:
        raise ValueError(f"stepper_html: mode must be one of {', '.join(map(repr, MODES))}, got {mode!r}")
    description = describe(root, parameters, max_nodes, constants=constants)  # also refuses a root that is not a Value
    return page_from(description, mode, title=title, code=code, projector=projector)


def page_from(description: Description, mode: str = "backward", *, title: Optional[str] = None,
              start: int = 0, code: bool = False, projector: bool = False) -> str:
    """The page for an already-made description (the Stepper embeds this)."""
    data = page_data(description, code=code)
    data["mode"] = mode
    data["start"] = start
    data["projector"] = bool(projector)
    data["projector_scale"] = PROJECTOR_SCALE
    # Drawn with every gradient at 0 and every number padded to one width, so
    # the page can write any step's numbers into the boxes without moving them.
    drawing = picture(description, grads=dict.fromkeys(description.order, 0.0), number_width=data["width"])
    title = visible(title, limit=200) if title else f"stepgrad: stepping through {description.names[description.root]}"
    style, script = _asset("stepper.css"), _asset("stepper.js")
    return fill_template(
        _asset("stepper.html"),
        title=html.escape(title),
        csp=content_security_policy(style, script),
        style=style,
        script=script,
        svg=inline_svg(graph_bytes(drawing, "svg").decode("utf-8")),
        data=json_for_script(data),
    )


def embedded_page(description: Description, start: int = 0, height: str = "640px") -> str:
    """The page in an <iframe srcdoc>, sandboxed to its own scripts: how a notebook shows it."""
    page = page_from(description, "backward", start=start)
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" sandbox="allow-scripts" '
        f'title="stepgrad step-through" style="width: 100%; height: {height}; border: 1px solid #ddd">'
        "</iframe>"
    )


# --- what the page shows, worked out in Python ---------------------------------


def page_data(d: Description, code: bool = False) -> dict:
    """Everything the page displays, as JSON-ready data.

    Numbers go in as [shown, exact] pairs: the text on the page, and repr() of
    the float (in tooltips, and for tests to compare exactly). A step says
    which value it changes ("target"), which values it reads ("rows", and
    "reads": whose data; "upstream": whose grad), which SVG ids light up, and
    its caption; a backward step also carries the target's new gradient.
    With `code`, every step also carries its line of generated code ("code").
    """
    root = d.root
    index = d.index
    zeros = [_shown(d, 0.0) for _ in d.order]
    data = {
        "big": len(d.order) > BIG_GRAPH,
        "nodes": [
            {"name": d.names[node], "op": d.op_text(node) if node.parents else "", "role": d.roles[node],
             "data": _shown(d, node.data), "parts": _all_parts(d.ids[node])}
            for node in d.order
        ],
        "forward": {
            "start": "Nothing is computed yet: press Next (→) to compute the first value.",
            "grads": zeros,
            "steps": [forward_step(d, node) for node in d.order],
        },
        "backward": {
            # Step 0 is the seed: d root / d root = 1, every other gradient 0.
            "start": f"{d.names[root]}.grad = 1   (∂{d.names[root]}/∂{d.names[root]} = 1: the seed)",
            "grads": [_shown(d, 1.0) if node is root else zero for node, zero in zip(d.order, zeros)],
            "steps": [backward_step(d, step) for step in d.steps],
        },
    }
    data["width"] = max(len(text) for text, _ in _all_numbers(data))
    data["grains"] = grains(d)
    data["code"] = code
    if code:
        backward_lines, forward_lines = code_lines(d)
        for step, line in zip(data["backward"]["steps"], backward_lines):
            step["code"] = line
        for step, line in zip(data["forward"]["steps"], forward_lines):
            step["code"] = line
    return data


def code_lines(d: Description) -> tuple[list[str], list[str]]:
    """The generated line of each shown backward step and of each forward step.

    The code's arguments are the graph's parameters and inputs; its constants
    are numbers, as on the page. A backward step is matched to its line by its
    edge (node, position), not by its place in the pass: the page leaves out
    the steps into constants, so its k-th step is not the engine's k-th.
    Where the code has no line, a comment says why.
    """
    arguments = [node for node in d.order if not node.parents and d.roles[node] != "constant"]
    by_edge = {}
    records = d.records
    try:
        lines = step_code(d.root, arguments)
        made = forward_code(d.root, arguments)
    except ValueError as error:  # e.g. a node made by hand, with an op the code cannot call
        raise ValueError(f"stepper_html(code=True): {error}") from None
    if len(records) != len(lines):  # the two walks must agree edge for edge
        raise RuntimeError(f"engine.step_code gave {len(lines)} lines for {len(records)} backward steps")
    for record, line in zip(records, lines):
        by_edge[(id(record.node), record.position)] = line
    backward = []
    for step in d.steps:
        line = by_edge[(id(step.node), step.position)]
        backward.append(line if line is not None else
                        f"# no line: {d.names[step.parent]} does not depend on the arguments")
    forward = []
    for node, line in zip(d.order, made):
        if line is None:
            argument = not node.parents and d.roles[node] != "constant"
            why = "an argument of the generated function" if argument else "a number, written where it is used"
            line = f"# {d.names[node]}: {why}"
        forward.append(line)
    return backward, forward


def forward_step(d: Description, node: Value) -> dict:
    """The forward step that computes `node`: it and its op light up, with the edges in."""
    own = d.ids[node]
    return {
        "target": d.index[node],
        "rows": [d.index[p] for p in node.parents],
        "reads": [d.index[p] for p in node.parents],
        "lit": _all_parts(own) + [d.ids[p]["node"] for p in node.parents],
        "caption": d.forward_caption(node),
    }


def backward_step(d: Description, step: Step) -> dict:
    """One backward step: the edge from the parent at `step.position` into the node,
    with both its ends lit, the numbers it reads, and the parent's new gradient."""
    return {
        "target": d.index[step.parent],
        "rows": [d.index[step.node], *(d.index[n] for n in step.reads)],
        "reads": [d.index[n] for n in step.reads],
        "upstream": d.index[step.node],
        "lit": edge_parts(step.node, step.position, d.ids),
        "grad": _shown(d, step.record.parent_grad),
        "caption": step.caption,
        # Exactly 0 (local derivative × upstream): the page can skip such steps.
        "zero": step.record.contribution == 0.0,
    }


#: Matches an `nn` parameter's dotted name: its layer ("layers.1") and neuron ("neurons.6").
LAYER_OF = re.compile(r"^(?P<layer>(?:.*\.)?layers\.\d+)\.neurons\.\d+\.(?:w\.\d+|b)$")


def grains(d: Description) -> dict:
    """How the page can step the backward pass other than edge by edge.

    Each grain gives every shown backward step a key; consecutive steps with
    the same key are one step of that grain (a key of None: the step alone).
    - "node": the node whose gradient the step passes back (all its edges);
    - "neuron": the neuron (`viz.graph.neurons`: Σw·x+b with the parameters
      only it uses, and its activation) of that node;
    - "layer": the layer of that neuron, read from nn's parameter labels
      (``layers.1.neurons.6.w.10``): known only when every parameter the neuron
      owns names the same layer. Nothing is guessed from the graph's shape.
    A grain no step has is left out, so the page offers only what is known.
    Each grain carries a "names" list; a key is an index into it.
    """
    head_of = neurons(d)
    layers_of: dict[Value, set] = {}
    for member, head in head_of.items():
        if d.roles[member] == "parameter":
            found = LAYER_OF.match(member.label or "")
            layers_of.setdefault(head, set()).add(found.group("layer") if found else None)
    layer_of_head = {head: next(iter(found)) for head, found in layers_of.items() if len(found) == 1}
    result = {}
    keyings = {
        "node": lambda node: (node, d.names[node]),
        "neuron": lambda node: (head_of[node], f"neuron {d.names[head_of[node]]}") if node in head_of else None,
        "layer": lambda node: ((lambda layer: (layer, f"layer {visible(layer, 60)}") if layer else None)
                               (layer_of_head.get(head_of.get(node)))),
    }
    for grain, key_of in keyings.items():
        names, index, keys = [], {}, []
        for step in d.steps:
            found = key_of(step.node)
            if found is None:
                keys.append(None)
                continue
            key, name = found
            if key not in index:
                index[key] = len(names)
                names.append(name)
            keys.append(index[key])
        if names:
            result[grain] = {"keys": keys, "names": names}
    return result


def _shown(d: Description, x: float) -> list[str]:
    """A number as the page shows it, and exactly."""
    return [d.number(x), repr(x)]


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
    """Graphviz's SVG file made to sit inside HTML: no XML prolog; its natural
    size kept as data attributes (the page's script sizes and zooms it, since
    the page's policy allows no inline style attributes); and no <title>s
    (they would show internal ids like "v2op" as tooltips)."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<title>[^<]*</title>\n?", "", svg)
    return re.sub(
        r'<svg width="([^"]*)" height="([^"]*)"',
        r'<svg role="img" aria-labelledby="graph-title" data-width="\1" data-height="\2"',
        svg,
        count=1,
    )


def content_security_policy(style: str, script: str) -> str:
    """Nothing loads from anywhere; only the page's own style and script run (by hash)."""
    return (
        "default-src 'none'; "
        f"style-src '{_sha256(style)}'; script-src '{_sha256(script)}'; img-src data:"
    )


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


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
