"""Article 002's cost argument: forward mode needs a pass per weight, reverse mode one pass."""

import engine
from engine import Value, add_all

from .layers import flat, matrix, uniform, vecmat
from .plots import cost_plot

ARTICLE = "002"
SEED = 5

WIDTH = 4                     # article 002's layers are 4 wide
DEPTHS = range(1, 7)          # weight layers: 1 … 6
TARGET = [0.5, 0.7, 0.3, 0.1]


def network(rng, depth: int):
    """Article 002's linear, bias-free network, `depth` weight layers deep, and its loss."""
    x = [rng.random() for _ in range(WIDTH)]
    layers = [matrix(uniform(rng, WIDTH, WIDTH), f"W{k + 1}_") for k in range(depth)]
    out = x
    for W in layers:
        out = vecmat(out, W)
    loss = add_all((p - t) ** 2 for p, t in zip(out, TARGET))
    return layers, loss


def forward_mode(root: Value, wrt: Value) -> tuple[float, int]:
    """d root / d wrt by one forward (tangent) pass, and how many edges it had to
    visit: only those whose parent depends on `wrt` — forward mode at its most frugal."""
    tangent = {wrt: 1.0}
    edges = 0
    for node in engine.topological_order(root):
        reached = [(parent, local) for parent, local in zip(node.parents, node.local_grads) if parent in tangent]
        if reached and node is not wrt:
            edges += len(reached)
            tangent[node] = sum(local * tangent[parent] for parent, local in reached)
    return tangent.get(root, 0.0), edges


def reverse_edges_formula(n: int, depth: int) -> int:
    """Edges in the graph, which one reverse pass visits once each: n² for the first
    layer (its inputs are data, not nodes), 2n² for each later one (weights and the
    previous layer's outputs), and 4n for the loss Σ(p − t)²."""
    return n * n + 2 * n * n * (depth - 1) + 4 * n


def forward_edges_formula(n: int, depth: int) -> int:
    """Σ over every weight of the edges below it: its own edge, then n into the next
    layer, n² into each layer after that, and 3 per output it reaches on the way to
    the loss. The article's sum (end − 2) + (end − 3) + …, counted edge by edge."""
    total = 0
    for layer in range(1, depth + 1):
        if layer == depth:
            below = 1 + 3
        else:
            below = 1 + n + (depth - layer - 1) * n * n + 3 * n
        total += n * n * below
    return total


def run(s) -> None:
    s.say(f"networks {WIDTH} wide, 1 to {DEPTHS[-1]} weight layers deep, loss Σ(p − target)²")
    s.say("reverse: one backward pass gives every weight's gradient, visiting each edge once;")
    s.say("forward: one tangent pass per weight, each visiting the edges below that weight.")
    rows = []
    for depth in DEPTHS:
        layers, loss = network(s.rng, depth)
        weights = flat(layers)
        reverse = sum(1 for _ in engine.backward_steps(loss))
        forward = [forward_mode(loss, w) for w in weights]
        forward_total = sum(edges for _, edges in forward)
        whole_graph = len(weights) * reverse  # engine.forward_grad walks the whole graph each pass
        s.heading(f"{depth} layer{'s' * (depth > 1)}: {len(weights)} weights")
        s.compare("edges in one reverse pass", reverse_edges_formula(WIDTH, depth), reverse)
        s.compare("edges in all forward passes", forward_edges_formula(WIDTH, depth), forward_total)
        s.compare("forward mode's gradients = reverse's", [d for d, _ in forward], [w.grad for w in weights])
        s.compare("engine.forward_grad = reverse's", [engine.forward_grad(loss, w) for w in weights],
                  [w.grad for w in weights])
        rows.append((depth, len(weights), reverse, forward_total, whole_graph))
        s.pause(f"depth {depth} done")

    s.heading("the work, edge by edge")
    s.say(f"  {'layers':>6} {'weights':>8} {'reverse':>9} {'forward':>9} {'ratio':>7} {'forward, whole graph':>21}")
    for depth, n_weights, reverse, forward_total, whole_graph in rows:
        s.say(f"  {depth:>6} {n_weights:>8} {reverse:>9} {forward_total:>9} {forward_total / reverse:>7.1f}"
              f" {whole_graph:>21}")
    s.say("  one reverse pass costs about what one forward pass does; forward mode pays it once per weight.")
    s.plot(lambda path: cost_plot(rows, path), "cost.png")
