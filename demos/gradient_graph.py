"""The neuron's do/dw1 as a graph of its own, stepped through."""

import engine
from engine import Value, grad, zero_grad

from . import neuron

SEED = 0


def run(s) -> None:
    # the neuron demo's graph and numbers: o = tanh(x1·w1 + x2·w2 + b) = 1/√2
    x1, x2, w1, w2, b, n, o = neuron.build()
    s.say(f"o = tanh(x1·w1 + x2·w2 + b) = {o.data:.4f}  (the neuron demo's numbers)")

    s.heading("backward(create_graph=True): every gradient is a Value with a graph")
    o.backward(create_graph=True)
    do_dn, do_dw1 = n.grad, w1.grad
    do_dn.label, do_dw1.label = "gn", "gw1"  # short names for captions: gn = do/dn, gw1 = do/dw1
    o_squared = do_dn.parents[1]  # do/dn = 1 − o·o, tanh's own rule run on the node o
    o_squared.label = "o²"
    s.say("tanh's rule 1 − out² ran on the node o itself, so do/dn = 1 − o·o is a node;")
    s.say("the add nodes pass it on unchanged, and w1's product multiplies it by x1:")
    s.say(f"  gw1 = do/dw1 = x1 · gn = x1 · (1 − o²) = {x1.data:g} × {do_dn.data:.4f} = {do_dw1.data:.4f}")
    nodes = engine.topological_order(do_dw1)
    s.say(f"  its graph: {len(nodes)} nodes, the forward pass's {len(engine.topological_order(o))} among them "
          "(o depends on them all)")
    s.main_graph = do_dw1
    s.main_parameters = [w1, w2, b]

    s.heading("the backward pass of do/dw1: how it changes with every input")
    s.frames(do_dw1)
    s.step_through(do_dw1)
    s.render(do_dw1, "graph.png")

    s.heading("by hand: d/dv [x1·(1 − o²)] = x1·(−2o)·(1 − o²)·dn/dv  (+ (1 − o²) if v = x1)")
    t, slope = o.data, 1 - o.data**2
    s.compare("do/dw1 = x1·(1 − o²)", x1.data * slope, do_dw1)
    s.compare("d²o/dw1² = −2·x1²·o·(1 − o²)", -2 * x1.data**2 * t * slope, w1.grad)
    s.compare("d²o/dw1 db = −2·x1·o·(1 − o²)", -2 * x1.data * t * slope, b.grad)
    s.compare("d²o/dw1 dx1 = (1−o²)(1 − 2·x1·w1·o)", slope * (1 - 2 * x1.data * w1.data * t), x1.grad)
    s.compare("d²o/dw1 dw2 = −2·x1·x2·o·(1 − o²)", -2 * x1.data * x2.data * t * slope + 0.0, w2.grad)
    s.gradcheck("gw1", _do_dw1, [x1, x2, w1, w2, b])  # Values: the worst row is named, not numbered
    zero_grad(do_dw1)


def _do_dw1(x1, x2, w1, w2, b) -> Value:
    """do/dw1 as a function of the five inputs (engine.grad), for central differences."""
    return grad(lambda w: (x1 * w + x2 * w2 + b).tanh())(w1)
