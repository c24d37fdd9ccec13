"""One tanh neuron, o = tanh(x1·w1 + x2·w2 + b), stepped node by node (micrograd's numbers)."""

import math

from engine import Value

SEED = 0


def build(sum_label: str = "sum"):
    """The neuron, every node labelled; returns x1, x2, w1, w2, b, n, o.
    micrograd's numbers: b is chosen so that n = 0.8814 and o = tanh(n) = 1/√2.
    `sum_label` names x1w1 + x2w2 (micrograd's lecture calls it x1w1x2w2)."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1w1", "x2w2"
    total = x1w1 + x2w2
    total.label = sum_label
    n = total + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return x1, x2, w1, w2, b, n, o


def run(s) -> None:
    x1, x2, w1, w2, b, n, o = build()
    s.main_graph = o
    s.main_parameters = [w1, w2, b]
    s.say(f"forward: n = x1·w1 + x2·w2 + b = {n.data:.4f},  o = tanh(n) = {o.data:.4f}")

    s.frames(o)
    s.step_through(o)

    s.heading("by hand: do/dn = 1 − o², then each product passes it on times the other factor")
    e2n = math.exp(2 * n.data)
    tanh_n = (e2n - 1) / (e2n + 1)  # tanh written out, not the engine's
    slope = 1 - tanh_n**2
    s.compare("o = (e^2n − 1)/(e^2n + 1)", tanh_n, o)
    s.compare("do/dn = 1 − o²", slope, n.grad)
    s.compare("do/db = 1 − o²", slope, b.grad)
    s.compare("do/dw1 = x1·(1 − o²)", x1.data * slope, w1.grad)
    s.compare("do/dx1 = w1·(1 − o²)", w1.data * slope, x1.grad)
    s.compare("do/dw2 = x2·(1 − o²)", x2.data * slope, w2.grad)
    s.compare("do/dx2 = w2·(1 − o²)", w2.data * slope, x2.grad)
    s.say("  x2 = 0, so w2 gets no gradient: a weight on a silent input cannot learn.")
    s.render(o, "graph.png")
