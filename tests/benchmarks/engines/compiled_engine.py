"""stepgrad's moons graph turned into Python once (`engine.to_python`), then run every step.

The graph is built and compiled before the clock starts; a timed step is one call
of the generated function (the loss and all 337 gradients) and the SGD update on
plain floats. The function is called WARM_UP times first, also before the clock:
CPython specializes a function's instructions only after it has run a few times,
and straight-line code runs each instruction once per call, so the first calls
are slower (about 1.5×) than every later step of a training run. `moons_compile` times the compiling itself (`to_python` on a graph
already built), to be read against one graph-engine step of the same model.

The data and the starting weights are the suite's, so every number the step
produces (each step's loss, the first step's gradients) must equal stepgrad's,
bit for bit: the generated code does the same float operations in the same order.
"""

from __future__ import annotations

from typing import Callable

import engine
from .. import workloads
from ..workloads import MOONS_ALPHA, Result, learning_rate, moons_data, moons_weights
from .stepgrad_engine import ENGINE as STEPGRAD


def moons_graph(points: int = 100):
    """(loss, parameters): the suite's moons loss at the starting weights, built by stepgrad."""
    X, y = moons_data(points)
    model, params = STEPGRAD.mlp(moons_weights(), fused=True)
    scores = [model(x) for x in X]
    hinge = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = engine.add_all(hinge) * (1.0 / len(hinge))
    reg_loss = MOONS_ALPHA * engine.add_all([p * p for p in params])
    return data_loss + reg_loss, params


#: Calls of the compiled function before the clock starts (Python 3.11 quickens a
#: function's code on its 8th call).
WARM_UP = 10


class Compiled:
    """The generated code behind the same `run` / `prepare` as the graph engines."""

    name = "compiled"

    def prepare(self, workload: str, size: int) -> Callable[[], Result]:
        """Everything but the timed part: the graph, and for `moons` the compiled function."""
        if workload == "moons":
            loss, params = moons_graph()
            function = engine.to_python(loss, params)
            weights = [p.data for p in params]
            for _ in range(WARM_UP):
                function(weights)  # (a pure function: the weights stay as they are)
            return lambda: train(function, weights, size)
        if workload == "moons_compile":
            loss, params = moons_graph()
            return lambda: Result({"lines": engine.to_python(loss, params).line_count}, loss)
        raise ValueError(f"the compiled engine runs moons and moons_compile, not {workload!r}")

    def run(self, workload: str, size: int) -> Result:
        return self.prepare(workload, size)()


def train(function, weights: list[float], steps: int) -> Result:
    """`steps` SGD steps with micrograd's schedule: the generated function gives the
    loss and the gradients, the update is plain floats (as `GraphEngine.sgd`)."""
    losses, first_grads = [], None
    for step in range(steps):
        loss, grads = function(weights)
        losses.append(loss)
        if first_grads is None:
            first_grads = list(grads)
        lr = learning_rate(step)
        weights = [w - lr * g for w, g in zip(weights, grads)]
    return Result({"losses": losses, "grads": first_grads})


ENGINE = Compiled()
assert workloads.MOONS_LAYERS == (2, 16, 16, 1)  # the model stepgrad's adapter builds
