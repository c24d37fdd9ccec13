"""stepgrad's pictures: the computation graph, the backward pass frame by frame, plots.

- `describe`, `fresh_backward_pass` (description.py): the one description every
  picture reads (names, roles, ids, numbers, the steps of a fresh pass);
- `draw_dot`, `render`, `GraphvizNotFound` (graph.py): the graph as Graphviz, PNG, SVG, PDF;
- `backward_frames`, `Stepper` (frames.py): a fresh backward pass one edge at a time
  (PNG/SVG/PDF frames, GIF, MP4), and `slide`, `backward_slides`: 16:9 slides of it;
- `stepper_html` (html.py): a self-contained page that steps through both passes;
- `plot_loss`, `plot_decision_boundary` (plots.py): matplotlib, no display needed;
- notebook.py: rich display in Jupyter (a Value as a card, a Stepper as the page).
"""

from .description import describe, element_ids, fresh_backward_pass, node_roles
from .graph import GraphvizNotFound, GraphvizTimeout, draw_dot, node_names, render
from .frames import FFmpegNotFound, Stepper, backward_frames, backward_slides, slide
from .html import stepper_html
from .plots import plot_decision_boundary, plot_loss
from . import notebook as _notebook

_notebook.register()  # in a notebook, a Value shows as a card with its graph

__all__ = [
    "describe", "fresh_backward_pass", "draw_dot", "render", "GraphvizNotFound", "GraphvizTimeout",
    "element_ids", "node_names", "node_roles", "backward_frames", "backward_slides", "slide", "FFmpegNotFound",
    "Stepper", "stepper_html",
    "plot_loss", "plot_decision_boundary",
]
