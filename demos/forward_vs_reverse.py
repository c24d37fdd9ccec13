"""Article 002's cost argument: forward mode needs a pass per weight, reverse mode one pass."""

import math

import engine
from engine import Value, add_all

from .layers import flat, leaves_named, matrix, named, uniform, vecmat
from .plots import cost_plot

ARTICLE = "002"
SEED = 5

WIDTH = 4                     # article 002's layers are 4 wide
DEPTHS = range(1, 7)          # weight layers: 1 … 6
TARGET = [0.5, 0.7, 0.3, 0.1]
TARGET_LABELS = [f"target[{j}]" for j in range(len(TARGET))]


#: The article's words: its count of forward mode's work, layer by layer (思考).
ARTICLE_COUNT = "end - 2 + end - 3 + end - 4 + … + end-0"
#: ... and of backpropagation's: every w's gradient for the cost of one forward pass.
ARTICLE_BP = "用和前向传播相同的计算量计算出所有w的梯度"


def network(rng, depth: int):
    """Article 002's linear, bias-free network, `depth` weight layers deep, and its
    loss; every node named, the targets labelled leaves (constants of the graph)."""
    x = [rng.random() for _ in range(WIDTH)]
    layers = [matrix(uniform(rng, WIDTH, WIDTH), f"W{k + 1}_") for k in range(depth)]
    out = x
    for k, W in enumerate(layers, start=1):
        out = vecmat(out, W, label="p" if k == depth else f"h{k}_")
    terms = []
    for j, (p, t) in enumerate(zip(out, TARGET)):
        difference = named(p - Value(t, TARGET_LABELS[j]), f"{p.label}−{TARGET_LABELS[j]}")
        terms.append(named(difference ** 2, f"({difference.label})²"))
    return layers, named(add_all(terms), "C")



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
    s.say("(the article's linear, bias-free layers, one input vector)")
    s.say("reverse: one backward pass gives every weight's gradient, each edge once;")
    s.say("forward: one tangent pass per weight, each visiting the edges below that weight.")
    s.note("the article counts in whole layers (its sum, below); the edge counts, the widths "
           "and the depths are ours")
    rows, agree = [], []
    for depth in DEPTHS:
        layers, loss = network(s.rng, depth)
        weights = flat(layers)
        reverse = sum(1 for _ in engine.backward_steps(loss))
        forward = [forward_mode(loss, w) for w in weights]
        forward_total = sum(edges for _, edges in forward)
        whole_graph = len(weights) * reverse  # engine.forward_grad walks the whole graph each pass
        agree.append(all(math.isclose(d, w.grad, rel_tol=1e-9, abs_tol=1e-12) for (d, _), w in zip(forward, weights)))
        rows.append((depth, len(weights), reverse, forward_total, whole_graph))
        if depth == 1:
            s.main_graph, s.main_parameters, s.main_constants = loss, weights, leaves_named(loss, TARGET_LABELS)

    s.heading("the work, edge by edge")
    s.say(f"  {'layers':>6} {'weights':>8} {'reverse':>8} {'forward':>8} {'ratio':>6} {'forward, whole graph':>21}")
    for depth, n_weights, reverse, forward_total, whole_graph in rows:
        s.say(f"  {depth:>6} {n_weights:>8} {reverse:>8} {forward_total:>8} {forward_total / reverse:>6.1f}"
              f" {whole_graph:>21}")
    s.say("  reverse: the edges of one backward pass; forward: Σ over the weights of the")
    s.say("  edges below each (forward mode at its most frugal); whole graph: what")
    s.say("  engine.forward_grad walks, the whole graph once per weight")
    s.compare("reverse: n² + 2n²(L − 1) + 4n, L = 1 … 6", [reverse_edges_formula(WIDTH, d) for d in DEPTHS],
              [row[2] for row in rows])
    s.compare("forward: Σ_weights edges below, L = 1 … 6", [forward_edges_formula(WIDTH, d) for d in DEPTHS],
              [row[3] for row in rows])
    per_net = ", ".join(str(row[1]) for row in rows)
    s.say(f"  one tangent pass per weight ({per_net}; {sum(row[1] for row in rows)} in all):")
    s.say(f"  forward mode gives the same gradients as reverse mode: {'yes' if all(agree) else 'NO'}")
    s.say("  (both multiply the same recorded local derivatives, in a different order:")
    s.say("  an explanation, not a check)")
    forward_counts = [row[3] for row in rows]
    reverse_counts = [row[2] for row in rows]
    first = [b - a for a, b in zip(reverse_counts, reverse_counts[1:])]
    second = [c - 2 * b + a for a, b, c in zip(forward_counts, forward_counts[1:], forward_counts[2:])]
    s.expect("reverse grows linearly: the same number of edges per layer", len(set(first)) == 1,
             f"+{first[0]} per layer")
    s.expect("forward grows quadratically: constant second differences", len(set(second)) == 1 and second[0] > 0,
             f"second difference {second[0]}")
    s.say("  one reverse pass costs about what one forward pass does; forward mode pays it")
    s.say("  once per weight, so its total grows with depth × weights: quadratically.")
    s.pause("table done")

    article_count(s, rows)
    s.plot(lambda path: cost_plot(rows, path), "cost.png")
    s.fresh_backward(s.main_graph)
    s.render(s.main_graph, "graph.png")


def article_count(s, rows) -> None:
    """The article's own count, in layers, and what it leaves out: a pass per weight."""
    s.heading("the article's count: layers passed to get every layer's gradients")
    s.say("  forward (从前到后): layer 1's weights need layers 2…end, layer 2's 3…end, …;")
    s.say(f"  the article adds these up: “{ARTICLE_COUNT}”,")
    s.say("    (end − 2) + (end − 3) + … + (end − end) = (end − 1)(end − 2)/2")
    s.note("it writes the last term as \"end-0\"; counted as it counts the others, the last "
           "layer's term is end − end = 0")
    s.say(f"  reverse (BP): “{ARTICLE_BP}”")
    s.say("  (every w's gradient for the cost of one forward pass): end − 1 layers")
    s.say("  both columns count in layers, as the article does; end = L + 1 layers of nodes")
    s.say(f"  {'end':>5} {'article sum':>12} {'reverse':>8}")
    worse = []
    for depth in DEPTHS:
        end = depth + 1
        article_sum = sum(end - k for k in range(2, end + 1))
        remark = ""
        if article_sum < end - 1:
            remark = "reverse looks worse"
        elif article_sum == end - 1:
            remark = "no better" + (": the article's x→y→z→p" if end == 4 else "")
        if remark:
            worse.append(end)
        s.say(f"  {end:>5} {article_sum:>12} {end - 1:>8}   {remark}".rstrip())
    s.expect("by this count reverse mode is worse or no better up to end = 4",
             worse == [2, 3, 4], f"end = {', '.join(map(str, worse))}")
    by_depth = {row[0]: row for row in rows}
    _, n_weights, reverse, forward, _ = by_depth[3]  # x→y→z→p: 3 weight layers
    s.say("  so by the article's own count, reverse mode does not pay for nets of up")
    s.say("  to 4 layers, its own x→y→z→p among them. The count leaves out one forward")
    s.say(f"  pass per weight: each of a layer's {WIDTH} × {WIDTH} = {WIDTH * WIDTH} weights needs a forward pass")
    s.say("  of its own, where one reverse pass serves them all. Counted that way, edge")
    s.say(f"  by edge (the first table), x→y→z→p ({n_weights} weights) takes {forward} edges forward")
    s.say(f"  against {reverse} reverse: {forward / reverse:.1f} times as many.")
    s.expect("counted per weight, reverse visits fewer edges at every depth",
             all(row[2] < row[3] for row in rows), f"L = {DEPTHS[0]} … {DEPTHS[-1]}")
