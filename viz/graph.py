"""Drawing a computation graph with Graphviz: every `Value` a box, every op a circle.

Each value is a box with three rows, its name, `data` and `grad`; each op is its
own small circle labelled by the op (`+`, `*`, `tanh`, `Σw·x+b`, ...), and the
edges run parent -> op -> result, the way the forward pass computes.

Boxes are coloured by the node's ROLE, read off the graph like this:

- output:       the root (the value you call `.backward()` on);
- parameter:    a value passed in `parameters=` (e.g. `model.parameters()`);
- input:        any other leaf with a label (`Value(2.0, label="x")`);
- constant:     a leaf without a label (a plain number like the 2 in `2 * x`);
- intermediate: everything else: the results of ops on the way to the output.

Every element has a stable SVG id built from its place in
`engine.topological_order` (see `element_ids`), so the same graph always gives
byte-identical DOT, and a web page can find and restyle any part of the picture.
"""

from __future__ import annotations

import os
import shutil
from html import escape
from pathlib import Path
from typing import Iterable, Mapping, Optional, Union

import graphviz

from engine import Value, topological_order

from .atomic import check_target, write_atomically

ROLES = ("input", "parameter", "constant", "intermediate", "output")

#: (fill, border) of each role: pale fills, so black text stays readable on a projector.
ROLE_COLOURS = {
    "input": ("#d4e4ff", "#2f6fbf"),
    "parameter": ("#ffe1b8", "#d9822b"),
    "constant": ("#ebebeb", "#8a8a8a"),
    "intermediate": ("#ffffff", "#5a5a5a"),
    "output": ("#ccefd3", "#2e8b57"),
}
HIGHLIGHT = "#d62728"     #: the edge being applied and the nodes at its ends
HIGHLIGHT_FILL = "#ffd9d9"  #: behind the gradient that a step just changed
LINE = "#5a5a5a"
TEXT_FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
NUMBER_FONT = "DejaVu Sans Mono,Menlo,Consolas,monospace"  # digits line up, frames do not jitter
RANKDIRS = ("LR", "TB", "RL", "BT")
NUMBER_FORMAT = ".4f"  #: how numbers are written, in boxes, captions and the step-through page

#: What `render` makes for each file suffix ("dot" is the DOT source itself).
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
PNG_DPI = 144  # sharp when a projector or a slide scales the picture up

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


class GraphvizNotFound(RuntimeError):
    """The Graphviz `dot` program is missing; the message says how to install it."""

    def __init__(self, message: str = INSTALL_HELP):
        super().__init__(message)


# --- names, ids and roles: what each node is called and how it is drawn -----------


def node_names(order: list[Value]) -> dict[Value, str]:
    """What pictures and captions call each node: its label, else `v<i>`,
    where i is its position in the topological order (the same i as its SVG id)."""
    return {node: node.label or f"v{i}" for i, node in enumerate(order)}


def element_ids(order: list[Value]) -> dict[Value, dict]:
    """The SVG id of every part of the picture, by node.

    For the node at position i of `order`:
      "node": "v<i>"           its box (whose texts are name, "data", number, "grad", number)
      "op":   "v<i>op"         its op circle (None for a leaf)
      "out":  "v<i>out"        the edge op -> node (None for a leaf)
      "ins":  ["v<i>in<k>"...] the edge from its k-th parent into the op, k = 0, 1, ...
    """
    ids = {}
    for i, node in enumerate(order):
        made = bool(node.parents)
        ids[node] = {
            "node": f"v{i}",
            "op": f"v{i}op" if made else None,
            "out": f"v{i}out" if made else None,
            "ins": [f"v{i}in{k}" for k in range(len(node.parents))],
        }
    return ids


def node_roles(order: list[Value], parameters: Iterable[Value] = ()) -> dict[Value, str]:
    """The role of each node (see the module docstring); the root is the last in `order`."""
    params = set()
    for p in parameters:
        if not isinstance(p, Value):
            raise TypeError(f"parameters must be Values, got {type(p).__name__}")
        params.add(p)
    root = order[-1]

    def role(node: Value) -> str:
        if node is root:
            return "output"
        if node in params:
            return "parameter"
        if node.parents:
            return "intermediate"
        return "input" if node.label else "constant"

    return {node: role(node) for node in order}


# --- walking the graph, refusing graphs too big to draw ---------------------------


def count_values(root: Value, stop_after: int) -> int:
    """How many values `root` depends on (itself included), counting no further
    than `stop_after` + 1: enough to know the graph is too big, without walking it all."""
    seen = {root}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if parent not in seen:
                seen.add(parent)
                if len(seen) > stop_after:
                    return len(seen)
                stack.append(parent)
    return len(seen)


def drawable_order(root: Value, max_nodes: Optional[int] = 500) -> list[Value]:
    """`topological_order(root)`, after checking the graph has at most `max_nodes` values."""
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot needs a Value, got {type(root).__name__}")
    if max_nodes is not None:
        if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
            raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
        if count_values(root, stop_after=max_nodes) > max_nodes:
            raise ValueError(
                f"the graph has more than max_nodes={max_nodes} values (counting stopped there), "
                "too many to lay out and read. Draw a smaller sub-graph (call draw_dot on an "
                "intermediate value), or pass max_nodes=None if you really want all of it"
            )
    return topological_order(root)


# --- the picture --------------------------------------------------------------------


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_data: bool = True,
    show_grad: bool = True,
    fmt: str = NUMBER_FORMAT,
    highlight: Highlight = None,
    max_nodes: Optional[int] = 500,
    *,
    parameters: Iterable[Value] = (),
    grads: Optional[Mapping[Value, float]] = None,
    caption: str = "",
    number_width: int = 0,
) -> graphviz.Digraph:
    """The computation graph of `root` as a `graphviz.Digraph` (no Graphviz program needed).

    >>> x, y = Value(4.0, label="x"), Value(-3.0, label="y")
    >>> f = x * y
    >>> graph = draw_dot(f)      # in Jupyter, a cell ending in `graph` shows the picture
    >>> graph.source.count("->")  # x -> *, y -> *, * -> f
    3

    - `rankdir`: "LR" (left to right, the default), "TB", "RL" or "BT".
    - `show_data`, `show_grad`: which rows the boxes have; `fmt` formats the numbers.
    - `highlight`: a `Value` to outline, or `(node, k)`: the edge from node's k-th
      parent into node, with both its ends (this is how a backward step is drawn).
    - `max_nodes`: refuse (`ValueError`) a graph with more values than this, quickly;
      None draws any size.
    - `parameters`: values to colour as parameters (e.g. `model.parameters()`).
    - `grads`: show these gradients instead of each node's `.grad` (a snapshot).
    - `caption`: a line of text above the legend.
    - `number_width`: pad every number to at least this many characters, so that
      pictures of the same graph with different numbers have the same layout.
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    try:
        format(0.0, fmt)
    except (ValueError, TypeError):
        raise ValueError(f"fmt must be a number format such as '.4f' or '.3g', got {fmt!r}") from None
    order = drawable_order(root, max_nodes)
    ids = element_ids(order)
    lit, receiver = highlighted(highlight, ids)
    grads = {node: node.grad for node in order} if grads is None else grads
    number = _number_formatter(fmt, number_width)
    names = node_names(order)
    roles = node_roles(order, parameters)

    graph = graphviz.Digraph(name="stepgrad", graph_attr=_graph_style(rankdir), node_attr={"fontname": TEXT_FONT})
    # A caption goes on a borderless cluster around the whole graph: at the top,
    # and apart from the legend, which then looks the same in every picture.
    body = graphviz.Digraph(name="cluster_caption", graph_attr=_caption_style(caption)) if caption else graph
    for node in order:
        own = ids[node]
        rows = []
        if show_data:
            rows.append(("data", number(node.data), False))
        if show_grad:
            rows.append(("grad", number(grads[node]), node is receiver))
        label = _box(names[node], rows, roles[node], own["node"] in lit)
        body.node(own["node"], label=label, id=own["node"], shape="plain")
        if node.parents:
            _draw_op(body, node, own, ids, lit)
    if caption:
        graph.subgraph(body)
    return graph


def highlighted(highlight: Highlight, ids: dict[Value, dict]) -> tuple[set[str], Optional[Value]]:
    """The ids to draw in red, and the node whose gradient the highlighted edge feeds."""
    if highlight is None:
        return set(), None
    if isinstance(highlight, Value):
        if highlight not in ids:
            raise ValueError(f"highlight: {highlight!r} is not in this graph")
        return {ids[highlight]["node"]}, None
    try:
        node, k = highlight
    except (TypeError, ValueError):
        raise TypeError(
            f"highlight must be a Value or a (node, parent_position) pair, got {type(highlight).__name__}"
        ) from None
    if node not in ids or not isinstance(k, int) or not 0 <= k < len(node.parents):
        raise ValueError(f"highlight: no edge into {node!r} from parent number {k!r} in this graph")
    return set(edge_parts(node, k, ids)), node.parents[k]


def edge_parts(node: Value, k: int, ids: dict[Value, dict]) -> list[str]:
    """The ids that show the edge from `node`'s k-th parent: the edge into the op,
    the op and its edge out, and the boxes at both ends (what a backward step lights up)."""
    own = ids[node]
    return [own["node"], own["op"], own["out"], own["ins"][k], ids[node.parents[k]]["node"]]


def _draw_op(graph: graphviz.Digraph, node: Value, own: dict, ids: dict, lit: set) -> None:
    """The op circle of `node`, the edge into it from each parent, and the edge out."""
    op_lit = own["op"] in lit
    graph.node(
        own["op"], label=node.op or "?", id=own["op"], shape="ellipse", style="filled",
        fillcolor="#fdf6e3", color=HIGHLIGHT if op_lit else LINE, penwidth="3" if op_lit else "1.2",
        fontsize="15", margin="0.06,0.02", width="0.5", height="0.4",
    )
    for k, parent in enumerate(node.parents):
        graph.edge(ids[parent]["node"], own["op"], id=own["ins"][k], **_edge_style(own["ins"][k] in lit))
    graph.edge(own["op"], own["node"], id=own["out"], **_edge_style(own["out"] in lit))


def _edge_style(lit: bool) -> dict:
    if lit:
        return {"color": HIGHLIGHT, "penwidth": "3.5", "arrowsize": "1.0"}
    return {"color": LINE, "penwidth": "1.2", "arrowsize": "0.8"}


def _box(name: str, rows: list, role: str, lit: bool) -> str:
    """A value's box as a Graphviz HTML label: name on top, then one row per number."""
    fill, border = ROLE_COLOURS[role]
    cells = [f'<TR><TD COLSPAN="2" ALIGN="CENTER"><B>{escape(name)}</B></TD></TR>']
    for what, text, changed in rows:
        back = f' BGCOLOR="{HIGHLIGHT_FILL}"' if changed else ""
        shown = f"<B>{escape(text)}</B>" if changed else escape(text)
        cells.append(
            f'<TR><TD ALIGN="LEFT"{back}><FONT COLOR="#555555">{what}</FONT></TD>'
            f'<TD ALIGN="RIGHT"{back}><FONT FACE="{NUMBER_FONT}">{shown}</FONT></TD></TR>'
        )
    # The border is always 3 wide (only its colour changes), so a highlight never moves the layout.
    return (
        f'<<TABLE BORDER="3" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" '
        f'BGCOLOR="{fill}" COLOR="{HIGHLIGHT if lit else border}">{"".join(cells)}</TABLE>>'
    )


def _number_formatter(fmt: str, width: int):
    # A no-break space pads on the left: Graphviz would drop an ordinary leading space.
    return lambda x: format(x, fmt).rjust(width, "\u00a0")


def legend() -> str:
    """The graph's label: the one legend, the same in every picture."""
    swatches = "".join(
        f'<TD BGCOLOR="{fill}" COLOR="{border}" BORDER="2" CELLPADDING="5">{role}</TD>'
        for role, (fill, border) in ROLE_COLOURS.items()
    )
    return f'<<TABLE BORDER="0" CELLSPACING="8"><TR>{swatches}</TR></TABLE>>'


def _graph_style(rankdir: str) -> dict:
    return {
        "rankdir": rankdir, "bgcolor": "white", "pad": "0.3", "nodesep": "0.35", "ranksep": "0.45",
        "fontname": TEXT_FONT, "fontsize": "14", "labelloc": "b", "labeljust": "c", "label": legend(),
    }


def _caption_style(caption: str) -> dict:
    return {
        "label": f'<<FONT POINT-SIZE="18">{escape(caption)}</FONT>>', "labelloc": "t", "labeljust": "c",
        "peripheries": "0", "fontname": TEXT_FONT, "margin": "12",
    }


# --- turning the picture into a file ------------------------------------------------


def graph_bytes(graph: graphviz.Digraph, fmt: str) -> bytes:
    """Lay out `graph` with Graphviz `dot` and return the file's bytes ("png", "svg", "pdf"),
    or its DOT source for "dot". Raises `GraphvizNotFound` when `dot` is missing."""
    if fmt == "dot":
        return graph.source.encode("utf-8")
    if shutil.which("dot") is None:
        raise GraphvizNotFound()
    if fmt == "png":
        graph = graph.copy()
        graph.graph_attr["dpi"] = str(PNG_DPI)
    try:
        return graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound as err:
        raise GraphvizNotFound() from err
    except graphviz.CalledProcessError as err:
        detail = (err.stderr or b"").decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz could not draw the graph: {detail}") from err


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
    """
    path = Path(path)
    fmt = format_of(path)
    check_target(path)  # before the work of drawing, not after
    return write_atomically(path, graph_bytes(draw_dot(root, **draw_opts), fmt))
