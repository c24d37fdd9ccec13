"""Drawing a computation graph with Graphviz: every `Value` a box, every op a circle.

Each value is a box with three rows, its name, `data` and `grad`; each op is its
own small circle labelled by the op (`+`, `×`, `tanh`, `Σw·x+b`, ...), and the
edges run parent -> op -> result, the way the forward pass computes. A constant
(a plain number in the graph, like the 2 in `2 * x`) is a small box holding
its number: it has no gradient a student needs to see.

Boxes are coloured by the node's ROLE (see `viz.describe.node_roles`): output,
parameter (passed in `parameters=`), input (a labelled leaf), constant,
intermediate. Every name comes from `engine.names` (the same names as in the
captions, the page and the demos), every user text is made visible and
escaped, and every element has a stable SVG id from its place in
`engine.topological_order` (see `element_ids`), so the same graph always
gives byte-identical DOT and a web page can find and restyle any part.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html import escape as _html_escape
from pathlib import Path
from typing import Iterable, Mapping, Optional, Union

import graphviz

from engine import Dot, Value
from engine.names import node_names, visible  # node_names: what every picture calls a node

from .atomic import check_target, write_atomically
from .description import MAX_NODES, ROLES, Description, Step, describe, element_ids, node_roles

__all__ = ["draw_dot", "render", "GraphvizNotFound", "GraphvizTimeout", "element_ids", "node_names",
           "node_roles", "ROLES"]

#: (fill, border) of each role: pale fills, so black text stays readable on a projector.
ROLE_COLOURS = {
    "input": ("#d4e4ff", "#2f6fbf"),
    "parameter": ("#ffe1b8", "#d9822b"),
    "constant": ("#ebebeb", "#8a8a8a"),
    "intermediate": ("#ffffff", "#5a5a5a"),
    "output": ("#ccefd3", "#2e8b57"),
}
NEURON_COLOURS = ("#ffffff", "#d9822b")  #: a collapsed neuron: white, with the parameters' border
HIGHLIGHT = "#d62728"     #: the edge being applied and the nodes at its ends
HIGHLIGHT_FILL = "#ffd9d9"  #: behind the gradient that a step just changed
READ_FILL = "#fff3b0"     #: behind the numbers a step reads
LINE = "#5a5a5a"
TEXT_FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
NUMBER_FONT = "DejaVu Sans Mono,Menlo,Consolas,monospace"  # digits line up, frames do not jitter
RANKDIRS = ("LR", "TB", "RL", "BT")

#: What `render` makes for each file suffix ("dot" is the DOT source itself).
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
PNG_DPI = 144  # sharp when a projector or a slide scales the picture up
#: A PNG is never larger than this many inches (× PNG_DPI pixels) a side: Graphviz scales a bigger drawing down.
PNG_MAX_INCHES = 16
#: draw_dot collapses neurons (see `collapsed_picture`) in graphs of more values than this.
COLLAPSE_ABOVE = 30
#: Projector mode (pages, pictures, films): every font this many times larger. At
#: 1920 px the page's caption is then 40 px tall, a PNG's 58 px (18 pt × 1.6 at PNG_DPI).
PROJECTOR_SCALE = 1.6
#: The size of a box's labels, in points (Graphviz's default): 28 px at PNG_DPI.
LABEL_POINTS = 14
#: Seconds `dot` may take before it is stopped: a layout that slow is unreadable anyway.
DOT_TIMEOUT = 60.0

#: A highlight: one node, or the edge from `node`'s k-th parent into `node`.
Highlight = Union[Value, tuple[Value, int], None]

INSTALL_HELP = """\
drawing the graph needs the Graphviz program 'dot', which is not on PATH.
Install Graphviz, then open a new terminal:
  Debian/Ubuntu:  sudo apt-get install graphviz
  macOS:          brew install graphviz
  Windows:        winget install graphviz   (then add its bin folder, e.g.
                  C:\\Program Files\\Graphviz\\bin, to PATH)
`draw_dot` still works without it: its .source is the graph as DOT text."""


def escape(text: str) -> str:
    """A user's text made safe inside a Graphviz HTML label: <, >, &, quotes as
    entities, and every backslash doubled (Graphviz would read `\\N` as the node's id)."""
    return _html_escape(text, quote=True).replace("\\", "\\\\")


class GraphvizNotFound(RuntimeError):
    """The Graphviz `dot` program is missing; the message says how to install it."""

    def __init__(self, message: str = INSTALL_HELP):
        super().__init__(message)


class GraphvizTimeout(RuntimeError):
    """Graphviz took longer than its time limit to lay out the graph."""


# --- the picture --------------------------------------------------------------------


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_data: bool = True,
    show_grad: bool = True,
    fmt: Optional[str] = None,
    highlight: Highlight = None,
    max_nodes: Optional[int] = MAX_NODES,
    *,
    parameters: Iterable[Value] = (),
    constants: Iterable[Value] = (),
    grads: Optional[Mapping[Value, float]] = None,
    caption: str = "",
    number_width: int = 0,
    collapse: Optional[bool] = None,
    projector: bool = False,
) -> graphviz.Digraph:
    """The computation graph of `root` as a `graphviz.Digraph` (no Graphviz program needed).

    >>> x, y = Value(4.0, label="x"), Value(-3.0, label="y")
    >>> f = x * y
    >>> graph = draw_dot(f)      # in Jupyter, a cell ending in `graph` shows the picture
    >>> graph.source.count("->")  # x -> ×, y -> ×, × -> f
    3

    - `rankdir`: "LR" (left to right, the default), "TB", "RL" or "BT".
    - `show_data`, `show_grad`: which rows the boxes have; `fmt` formats the numbers
      (default: the shortest faithful form, `-3`, `0.7071`, `1.2e+20`).
    - `highlight`: a `Value` to outline, or `(node, k)`: the edge from node's k-th
      parent into node, with both its ends (this is how a backward step is drawn).
    - `max_nodes`: refuse (`ValueError`) a graph with more values than this, or
      more than 3 × this many edges, quickly; None draws any size.
    - `parameters`: values to colour as parameters (e.g. `model.parameters()`).
    - `constants`: labelled leaves that are constants (a data point `y`, a ½):
      drawn like a number, `y = 1`, with no gradient.
    - `grads`: show these gradients instead of each node's `.grad` (a snapshot).
    - `caption`: a line of text above the picture.
    - `number_width`: pad every number to at least this many characters, so that
      pictures of the same graph with different numbers have the same layout.
    - `collapse`: draw each neuron (its weights and bias, Σw·x+b and its
      activation) as ONE box. None (the default) collapses graphs of more than
      `COLLAPSE_ABOVE` values, so a network's picture stays readable; a
      highlight always shows the full graph.
    - `projector`: every font `PROJECTOR_SCALE` times larger (for the back row),
      the same scale as the step-through page's projector mode and the films'.
    """
    check_style(rankdir, fmt)
    scale = PROJECTOR_SCALE if projector else 1.0
    description = describe(root, parameters, max_nodes, number_format=fmt, constants=constants)
    edge = None
    if isinstance(highlight, Value):
        if highlight not in description.index:
            raise ValueError(f"highlight: {highlight!r} is not in this graph")
    elif highlight is not None:
        edge = checked_edge(highlight, description)
    if collapse is None:
        collapse = len(description.order) > COLLAPSE_ABOVE and highlight is None
    if collapse:
        return collapsed_picture(description, rankdir=rankdir, show_data=show_data, show_grad=show_grad,
                                 grads=grads, caption=caption, number_width=number_width, font_scale=scale)
    return picture(description, rankdir=rankdir, show_data=show_data, show_grad=show_grad,
                   grads=grads, caption=caption, number_width=number_width,
                   lit_node=highlight if isinstance(highlight, Value) else None, edge=edge, font_scale=scale)


def check_style(rankdir: str, fmt: Optional[str]) -> None:
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if fmt is not None:
        try:
            format(0.0, fmt)
        except (ValueError, TypeError):
            raise ValueError(f"fmt must be a number format such as '.4f' or '.3g', got {fmt!r}") from None


def checked_edge(highlight, description: Description) -> tuple[Value, int]:
    try:
        node, k = highlight
    except (TypeError, ValueError):
        raise TypeError(
            f"highlight must be a Value or a (node, parent_position) pair, got {type(highlight).__name__}"
        ) from None
    if node not in description.index or isinstance(k, bool) or not isinstance(k, int) \
            or not 0 <= k < len(node.parents):
        raise ValueError(f"highlight: no edge into {node!r} from parent number {k!r} in this graph")
    return node, k


def edge_parts(node: Value, k: int, ids: dict[Value, dict]) -> list[str]:
    """The ids that show the edge from `node`'s k-th parent: the edge into the op,
    the op and its edge out, and the boxes at both ends (what a backward step lights up)."""
    own = ids[node]
    return [own["node"], own["op"], own["out"], own["ins"][k], ids[node.parents[k]]["node"]]


def picture(
    description: Description, *, rankdir: str = "LR", show_data: bool = True, show_grad: bool = True,
    grads: Optional[Mapping[Value, float]] = None, caption: str = "", number_width: int = 0,
    lit_node: Optional[Value] = None, edge: Optional[tuple[Value, int]] = None, step: Optional[Step] = None,
    backward_arrows: bool = False, graph_attr: Optional[dict] = None, only: Optional[set] = None,
    font_scale: float = 1.0, context: Optional[Mapping[Value, str]] = None,
) -> graphviz.Digraph:
    """Draw a described graph: the renderer every picture, frame and page goes through.

    `edge` (node, k) is lit in red; with `step`, the numbers the step reads are
    shaded too (the node's gradient and the data its local derivative uses),
    and with `backward_arrows` the lit edge points back, the way the gradient flows.
    `only`: draw just these values (a neighbourhood of a big graph), with the
    ops and edges between them. `context`: values drawn as boxes without their
    op (they are drawn whole elsewhere), each with its note (e.g. "from part 2").
    `font_scale`: every font this many times larger (projector mode).
    """
    d = description
    ids = d.ids
    lit = set(edge_parts(*edge, ids)) if edge else set()
    if lit_node is not None:
        lit.add(ids[lit_node]["node"])
    receiver = edge[0].parents[edge[1]] if edge else None
    read_data = set(step.reads) if step else set()
    read_grad = {step.node} if step else set()
    grads = {node: node.grad for node in d.order} if grads is None else grads
    number = _padded(d.number, number_width)
    shown_roles = None if only is None else [d.roles[n] for n in only]
    context = context or {}
    style = {**_graph_style(rankdir, d, shown_roles, font_scale), **(graph_attr or {})}
    graph = graphviz.Digraph(name="stepgrad", graph_attr=style, node_attr=_node_style(font_scale))
    # A caption goes on a borderless cluster around the whole graph: at the top,
    # and apart from the legend, which then looks the same in every picture.
    body = graphviz.Digraph(name="cluster_caption", graph_attr=_caption_style(caption, font_scale)) \
        if caption else graph
    for node in d.order:
        if only is not None and node not in only:
            continue
        own = ids[node]
        role = d.roles[node]
        if role == "constant":
            label = _constant_box(_constant_text(d, node), own["node"] in lit)
        elif node in context:
            label = _reference_box(d.names[node], context[node], role)
        else:
            rows = []
            if show_data:
                rows.append(("data", number(node.data), "read" if node in read_data else ""))
            if show_grad:
                mark = "changed" if node is receiver else "read" if node in read_grad else ""
                rows.append(("grad", number(grads[node]), mark))
            label = _box(d.names[node], rows, role, own["node"] in lit)
        body.node(own["node"], label=label, id=own["node"], shape="plain")
        if node.parents and node not in context and (only is None or any(p in only for p in node.parents)):
            _draw_op(body, d, node, lit, backward_arrows, only, font_scale)
    if caption:
        graph.subgraph(body)
    return graph


def neurons(d: Description) -> dict[Value, Value]:
    """Each node that belongs to a neuron, mapped to the neuron's head (the value it shows).

    A neuron is a Σw·x+b node (`engine.dot`) with the parameters only it uses,
    and its activation when that is the only use of the sum. Parameters used
    elsewhere (shared weights) stay boxes of their own.
    """
    users: dict[Value, list[Value]] = {node: [] for node in d.order}
    for node in d.order:
        for parent in node.parents:
            users[parent].append(node)
    head_of: dict[Value, Value] = {}
    for node in d.order:
        if not isinstance(node.op, Dot):
            continue
        own = [p for p in dict.fromkeys(node.parents)
               if d.roles[p] == "parameter" and not p.parents and set(users[p]) == {node}]
        head = node
        after = users[node]
        if len(after) == 1 and getattr(after[0].op, "activation", False) and len(after[0].parents) == 1:
            head = after[0]
        if len(own) < 2 and head is node:
            continue
        for member in (node, head, *own):
            head_of[member] = head
    return head_of


def collapsed_picture(
    description: Description, *, rankdir: str = "LR", show_data: bool = True, show_grad: bool = True,
    grads: Optional[Mapping[Value, float]] = None, caption: str = "", number_width: int = 0,
    font_scale: float = 1.0,
) -> graphviz.Digraph:
    """The graph with every neuron drawn as one box (see `neurons`): its name,
    what it computes (`σ(Σw·x+b)`; `σ(Σw·x)` without a bias), its output's data and grad, and how many
    parameters it holds. Everything else is drawn as in `picture`."""
    d = description
    head_of = neurons(d)
    if not head_of:
        return picture(d, rankdir=rankdir, show_data=show_data, show_grad=show_grad, grads=grads,
                       caption=caption, number_width=number_width, font_scale=font_scale)
    grads = {node: node.grad for node in d.order} if grads is None else grads
    number = _padded(d.number, number_width)
    kept = len({head_of.get(node, node) for node in d.order})
    sums = {d.op_text(_neuron_sum(head, members)) for head, members in _members(head_of).items()}
    what = {frozenset({"Σw·x+b"}): "Σw·x+b and its activation, with the weights and bias",
            frozenset({"Σw·x"}): "Σw·x and its activation, with the weights"}.get(
        frozenset(sums), "Σw·x or Σw·x+b and its activation, with the weights (and bias)")
    note = f"a neuron box is {what} only it uses ({len(d.order)} values drawn as {kept} boxes)"
    shown_roles = [d.roles[n] for n in d.order if n not in head_of or head_of[n] is n] + ["neuron"]
    style = _graph_style(rankdir, d, shown_roles, font_scale)
    style["label"] = (f'<<TABLE BORDER="0" CELLSPACING="0"><TR><TD>{style["label"][1:-1]}</TD></TR>'
                      f'<TR><TD><FONT POINT-SIZE="{13 * font_scale:g}">{escape(note)}</FONT></TD></TR></TABLE>>')
    graph = graphviz.Digraph(name="stepgrad", graph_attr=style, node_attr=_node_style(font_scale))
    body = graphviz.Digraph(name="cluster_caption", graph_attr=_caption_style(caption, font_scale)) \
        if caption else graph
    params = {head: 0 for head in head_of.values()}
    for member, head in head_of.items():
        params[head] += d.roles[member] == "parameter"
    drawn_edges = set()
    for node in d.order:
        head = head_of.get(node)
        if head is not None and node is not head:
            continue  # drawn inside its neuron's box
        own = d.ids[node]
        role = d.roles[node]
        rows = []
        if show_data:
            rows.append(("data", number(node.data), ""))
        if show_grad:
            rows.append(("grad", number(grads[node]), ""))
        if head is not None:
            members = [m for m, h in head_of.items() if h is node]
            label = _neuron_box(d, node, members, rows, role, font_scale)
        elif role == "constant":
            label = _constant_box(_constant_text(d, node), False)
        else:
            label = _box(d.names[node], rows, role, False)
        body.node(own["node"], label=label, id=own["node"], shape="plain")
        if not node.parents:
            continue
        if head is not None:  # the neuron's inputs: every parent of its members from outside it
            for member in members:
                for parent in member.parents:
                    source = head_of.get(parent, parent)
                    if head_of.get(parent) is node or (source, node) in drawn_edges:
                        continue
                    drawn_edges.add((source, node))
                    body.edge(d.ids[source]["node"], own["node"], **_edge_style(False))
            continue
        body.node(own["op"], label=f"<{escape(d.op_text(node))}>", id=own["op"], shape="ellipse", style="filled",
                  fillcolor="#fdf6e3", color=LINE, penwidth="1.2", fontsize=f"{15 * font_scale:g}",
                  margin="0.06,0.02", width="0.5", height="0.4")
        for k, parent in enumerate(node.parents):
            body.edge(d.ids[head_of.get(parent, parent)]["node"], own["op"], id=own["ins"][k], **_edge_style(False))
        body.edge(own["op"], own["node"], id=own["out"], **_edge_style(False))
    if caption:
        graph.subgraph(body)
    return graph


def _draw_op(graph: graphviz.Digraph, d: Description, node: Value, lit: set, backward_arrows: bool,
             only: Optional[set] = None, font_scale: float = 1.0) -> None:
    """The op circle of `node`, the edge into it from each parent, and the edge out."""
    own = d.ids[node]
    op_lit = own["op"] in lit
    graph.node(
        own["op"], label=f"<{escape(d.op_text(node))}>", id=own["op"], shape="ellipse", style="filled",
        fillcolor="#fdf6e3", color=HIGHLIGHT if op_lit else LINE, penwidth="3" if op_lit else "1.2",
        fontsize=f"{15 * font_scale:g}", margin="0.06,0.02", width="0.5", height="0.4",
    )
    for k, parent in enumerate(node.parents):
        if only is not None and parent not in only:
            continue
        edge_id = own["ins"][k]
        graph.edge(d.ids[parent]["node"], own["op"], id=edge_id,
                   **_edge_style(edge_id in lit, backward_arrows))
    graph.edge(own["op"], own["node"], id=own["out"], **_edge_style(own["out"] in lit, backward_arrows))


def _edge_style(lit: bool, backward: bool = False) -> dict:
    if lit:
        style = {"color": HIGHLIGHT, "penwidth": "3.5", "arrowsize": "1.0"}
        if backward:  # the gradient flows from the result back to the parent
            style["dir"] = "back"
        return style
    return {"color": LINE, "penwidth": "1.2", "arrowsize": "0.8"}


def _box(name: str, rows: list, role: str, lit: bool) -> str:
    """A value's box as a Graphviz HTML label: name on top, then one row per number."""
    fill, border = ROLE_COLOURS[role]
    cells = [f'<TR><TD COLSPAN="2" ALIGN="CENTER"><B>{escape(name)}</B></TD></TR>']
    for what, text, mark in rows:
        back = {"changed": f' BGCOLOR="{HIGHLIGHT_FILL}"', "read": f' BGCOLOR="{READ_FILL}"'}.get(mark, "")
        shown = f"<B>{escape(text)}</B>" if mark == "changed" else escape(text)
        cells.append(
            f'<TR><TD ALIGN="LEFT"{back}><FONT COLOR="#555555">{what}</FONT></TD>'
            f'<TD ALIGN="RIGHT"{back}><FONT FACE="{NUMBER_FONT}">{shown}</FONT></TD></TR>'
        )
    # The border is always 3 wide (only its colour changes), so a highlight never moves the layout.
    return (
        f'<<TABLE BORDER="3" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" '
        f'BGCOLOR="{fill}" COLOR="{HIGHLIGHT if lit else border}">{"".join(cells)}</TABLE>>'
    )


def _reference_box(name: str, note: str, role: str) -> str:
    """A value drawn whole elsewhere: its name and where, on one line, in its role's colours."""
    fill, border = ROLE_COLOURS[role]
    return (
        f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" BGCOLOR="{fill}" COLOR="{border}">'
        f'<TR><TD><B>{escape(name)}</B> <FONT COLOR="#555555"><I>{escape(note)}</I></FONT></TD></TR></TABLE>>'
    )


def _neuron_box(d: Description, head: Value, members: list[Value], rows: list, role: str,
                font_scale: float = 1.0) -> str:
    """A collapsed neuron: `a2_0 = σ(Σw·x+b)`, what it holds, and its output's numbers on one row."""
    params = [m for m in members if d.roles[m] == "parameter"]
    total = _neuron_sum(head, members)
    inner = d.op_text(head) if total is head else f"{d.op_text(head)}({d.op_text(total)})"
    labels = [p.label for p in params if p.label]
    prefix = os.path.commonprefix(labels).rstrip(".wb[_") if len(labels) == len(params) and labels else ""
    holds = f"{escape(visible(prefix, 40))} · " if len(prefix) > 1 else ""
    fill, border = (ROLE_COLOURS["output"] if role == "output" else NEURON_COLOURS)
    numbers = "".join(
        f'<TD ALIGN="LEFT"><FONT COLOR="#555555">{what}</FONT></TD>'
        f'<TD ALIGN="RIGHT"><FONT FACE="{NUMBER_FONT}">{escape(text)}</FONT></TD>' for what, text, _ in rows
    )
    return (
        f'<<TABLE BORDER="3" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" BGCOLOR="{fill}" COLOR="{border}">'
        f'<TR><TD COLSPAN="{max(1, 2 * len(rows))}" ALIGN="CENTER"><B>{escape(d.names[head])}</B> = '
        f'{escape(inner)}'
        + (f'<BR/><FONT POINT-SIZE="{11 * font_scale:g}" COLOR="#555555">{holds}{len(params)} parameters</FONT>'
           if params else "")
        + f'</TD></TR><TR>{numbers}</TR></TABLE>>'
    )


def _members(head_of: dict[Value, Value]) -> dict[Value, list[Value]]:
    """Each neuron's head, with every node drawn in its box."""
    members: dict[Value, list[Value]] = {}
    for member, head in head_of.items():
        members.setdefault(head, []).append(member)
    return members


def _neuron_sum(head: Value, members: list[Value]) -> Value:
    """A neuron's dot node (its op_text says `Σw·x+b`, or `Σw·x` without a bias):
    the head itself, or the member the head's activation was made from."""
    return next((p for p in head.parents if p.parents and p in members), head)


def _constant_text(d: Description, node: Value) -> str:
    """A constant's box text: its number, or `y = 1` when a demo named it."""
    name, value = d.names[node], d.number(node.data)
    return value if name == value else f"{name} = {value}"


def _constant_box(text: str, lit: bool) -> str:
    """A constant: just its number, in a small grey box."""
    fill, border = ROLE_COLOURS["constant"]
    return (
        f'<<TABLE BORDER="2" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" BGCOLOR="{fill}" '
        f'COLOR="{HIGHLIGHT if lit else border}"><TR><TD><FONT FACE="{NUMBER_FONT}">{escape(text)}</FONT>'
        f'</TD></TR></TABLE>>'
    )


def _padded(number, width: int):
    # A no-break space pads on the left: Graphviz would drop an ordinary leading space.
    return (lambda x: number(x).rjust(width, "\u00a0")) if width else number


def legend(roles: Iterable[str] = ROLES) -> str:
    """The graph's label: a swatch for each role present, in a fixed order."""
    present = set(roles)
    swatches = "".join(
        f'<TD BGCOLOR="{fill}" COLOR="{border}" BORDER="2" CELLPADDING="5">{role}</TD>'
        for role, (fill, border) in {**ROLE_COLOURS, "neuron": NEURON_COLOURS}.items() if role in present
    )
    return f'<<TABLE BORDER="0" CELLSPACING="8"><TR>{swatches}</TR></TABLE>>'


def _node_style(font_scale: float = 1.0) -> dict:
    # A box's HTML label takes its default size from here: 14 pt, as Graphviz's own default.
    return {"fontname": TEXT_FONT, "fontsize": f"{LABEL_POINTS * font_scale:g}"}


def _graph_style(rankdir: str, d: Description, roles: Optional[Iterable[str]] = None,
                 font_scale: float = 1.0) -> dict:
    return {
        "rankdir": rankdir, "bgcolor": "white", "pad": "0.3", "nodesep": "0.35", "ranksep": "0.45",
        "fontname": TEXT_FONT, "fontsize": f"{LABEL_POINTS * font_scale:g}", "labelloc": "b", "labeljust": "c",
        "label": legend(d.roles.values() if roles is None else roles),
        # Bound the layout's effort: without these, `dot` spends minutes on a few hundred nodes.
        "mclimit": "0.5", "nslimit": "4", "nslimit1": "4", "searchsize": "30",
    }


#: The caption's size in points (× font_scale): 36 px at PNG_DPI, 58 px in projector mode.
CAPTION_POINTS = 18


def _caption_style(caption: str, font_scale: float = 1.0) -> dict:
    lines = "<BR/>".join(escape(line) for line in caption.split("\n"))
    return {
        "label": f'<<FONT POINT-SIZE="{CAPTION_POINTS * font_scale:g}">{lines}</FONT>>', "labelloc": "t",
        "labeljust": "c",
        "peripheries": "0", "fontname": TEXT_FONT, "margin": "12",
    }


# --- turning the picture into a file ------------------------------------------------


def graph_bytes(graph: graphviz.Digraph, fmt: str, timeout: float = DOT_TIMEOUT,
                dpi: Optional[float] = None) -> bytes:
    """Lay out `graph` with Graphviz `dot` and return the file's bytes ("png", "svg", "pdf"),
    or its DOT source for "dot". Raises `GraphvizNotFound` when `dot` is missing and
    `GraphvizTimeout` when it runs longer than `timeout` seconds.

    A PNG is drawn at PNG_DPI and shrunk to at most PNG_MAX_INCHES a side; with
    `dpi`, at exactly that resolution (the caller keeps it small enough)."""
    if fmt == "dot":
        return graph.source.encode("utf-8")
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFound()
    source = graph.source
    if fmt == "png":
        graph = graph.copy()
        graph.graph_attr["dpi"] = f"{dpi:.3f}" if dpi else str(PNG_DPI)
        if not dpi:
            graph.graph_attr["size"] = f"{PNG_MAX_INCHES},{PNG_MAX_INCHES}"
        source = graph.source
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except FileNotFoundError as err:
        raise GraphvizNotFound() from err
    except subprocess.TimeoutExpired:
        raise GraphvizTimeout(
            f"Graphviz 'dot' took more than {timeout:g} s to lay out a graph of "
            f"{source.count(' -> ')} edges and was stopped. Draw a smaller sub-graph "
            "(call draw_dot on an intermediate value)"
        ) from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz could not draw the graph: {detail}")
    return done.stdout


def format_of(path: Path) -> str:
    """The format a file name asks for, from its suffix; a clear error for any other."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"cannot tell what to write from the file name {str(path)!r}: "
            f"end it in one of {', '.join(FORMATS)}"
        )
    return fmt


def render(root: Value, path: Union[str, os.PathLike], **draw_opts) -> Path:
    """Draw `root`'s graph into `path`: .png, .svg, .pdf (or .dot/.gv for the DOT source).

    `draw_opts` are those of `draw_dot`. The file is written atomically: if
    anything fails, an older file at `path` is left as it was.

    A PNG is at most 2304 px a side, and its labels are never shrunk below
    `viz.pieces.MIN_LABEL_PX` to fit: a bigger graph (a long chain, a whole
    network) is drawn in pieces on one sheet, or several (NAME-2.png, ...;
    see viz/pieces.py). SVG and PDF are drawn whole: they scale without loss.
    """
    path = Path(path)
    fmt = format_of(path)
    check_target(path)  # before the work of drawing, not after
    graph = draw_dot(root, **draw_opts)
    if fmt != "png":
        return write_atomically(path, graph_bytes(graph, fmt))
    from . import pieces

    if pieces.fits(graph):
        return write_atomically(path, graph_bytes(graph, fmt))
    parts = pieces.piece_pictures(**_piece_options(root, draw_opts))
    dpi = pieces.common_dpi(parts)  # every piece at one scale
    pieces.write_sheets(path, pieces.sheets([graph_bytes(part, "png", dpi=dpi) for part in parts]))
    return path


def _piece_options(root: Value, opts: dict) -> dict:
    """What `viz.pieces.piece_pictures` needs from draw_dot's options (pieces are never collapsed)."""
    d = describe(root, opts.get("parameters", ()), opts.get("max_nodes", MAX_NODES),
                 number_format=opts.get("fmt"), constants=opts.get("constants", ()))
    grads = opts.get("grads")
    return {
        "d": d, "caption": opts.get("caption", ""), "rankdir": opts.get("rankdir", "LR"),
        "show_data": opts.get("show_data", True), "show_grad": opts.get("show_grad", True),
        "grads": grads, "number_width": opts.get("number_width", 0),
        "font_scale": PROJECTOR_SCALE if opts.get("projector") else 1.0,
    }
