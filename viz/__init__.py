"""stepgrad's pictures: the computation graph, the backward pass frame by frame, plots.

- `draw_dot`, `render`, `GraphvizNotFound` (graph.py): the graph as Graphviz, PNG, SVG, PDF;
- `backward_frames`, `Stepper` (frames.py): the backward pass one edge at a time;
- `plot_loss`, `plot_decision_boundary` (plots.py): matplotlib, no display needed;
- `stepper_html` (html.py): a self-contained page that steps through both passes.
"""

from .graph import GraphvizNotFound, draw_dot, element_ids, node_names, node_roles, render
from .frames import Stepper, backward_frames
from .html import stepper_html
from .plots import plot_decision_boundary, plot_loss

__all__ = [
    "draw_dot", "render", "GraphvizNotFound", "element_ids", "node_names", "node_roles",
    "backward_frames", "Stepper", "stepper_html", "plot_loss", "plot_decision_boundary",
]
