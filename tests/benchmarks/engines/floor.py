"""The plain-float floor: each workload by hand, over Python floats, no graph.

The forward pass keeps what the backward pass needs; the backward pass applies
gradients derived on paper. This is the speed limit for pure Python: any engine
that builds a graph does this same arithmetic plus the bookkeeping.
"""

from __future__ import annotations

from operator import mul

from .. import workloads
from ..workloads import CHAIN_SCALE, CHAIN_SHIFT, MOONS_ALPHA, Result


def _dot(w, x) -> float:
    return sum(map(mul, w, x))


def _forward(layers, x):
    """Every layer's pre-activations and outputs for one point (ReLU hidden, linear last)."""
    last = len(layers) - 1
    pres, outs = [], [x]
    for i, layer in enumerate(layers):
        pre = [_dot(w, x) + b for w, b in layer]
        x = pre if i == last else [z if z > 0 else 0.0 for z in pre]
        pres.append(pre)
        outs.append(x)
    return pres, outs


def _backward(layers, grads, pres, outs, upstream) -> None:
    """Add d loss / d parameter into `grads` (same shape as layers) for one point."""
    last = len(layers) - 1
    for i in range(last, -1, -1):
        if i != last:  # through the ReLU
            upstream = [g if z > 0 else 0.0 for g, z in zip(upstream, pres[i])]
        x = outs[i]
        for (gw, gb), g in zip(grads[i], upstream):
            if g:
                gw[:] = [gwi + g * xi for gwi, xi in zip(gw, x)]
                gb[0] += g
        if i:
            columns = zip(*[w for w, _ in layers[i]])  # input j's weight in every neuron
            upstream = [_dot(column, upstream) for column in columns]


def moons(steps: int, fused: bool = True, points: int = 100) -> Result:
    """The moons demo step by hand: hinge loss + α·Σp², its gradient, SGD.
    (`fused` changes nothing here: there is no graph to fuse.)"""
    X, y = workloads.moons_data(points)
    layers = [[(list(w), b) for w, b in layer] for layer in workloads.moons_weights()]
    losses, first_grads = [], None
    n = len(X)
    for step in range(steps):
        grads = [[([0.0] * len(w), [0.0]) for w, _ in layer] for layer in layers]
        data_loss = 0.0
        for x, yi in zip(X, y):
            pres, outs = _forward(layers, x)
            margin = 1 - yi * outs[-1][0]
            if margin > 0:  # relu(margin): only points inside the margin pass a gradient
                data_loss += margin
                _backward(layers, grads, pres, outs, [-yi / n])
        flat = workloads.flat_parameters(layers)
        loss = data_loss / n + MOONS_ALPHA * sum(p * p for p in flat)
        flat_grads = [g + 2 * MOONS_ALPHA * p
                      for g, p in zip(workloads.flat_parameters([[(gw, gb[0]) for gw, gb in gl] for gl in grads]), flat)]
        losses.append(loss)
        if first_grads is None:
            first_grads = flat_grads
        lr = workloads.learning_rate(step)
        updated = iter([p - lr * g for p, g in zip(flat, flat_grads)])
        layers = [[([next(updated) for _ in w], next(updated)) for w, _ in layer] for layer in layers]
    return Result({"losses": losses, "grads": first_grads})


def moons_unfused(steps: int) -> Result:
    """The same as `moons`: with no graph there is nothing to fuse."""
    return moons(steps, fused=False)


def moons_as_written(steps: int) -> Result:
    """micrograd's demo as written computes the same step as `moons` (summed in another order)."""
    return moons(steps)


def chain(depth: int) -> Result:
    """x <- a·x + c repeated: d x_D / d x_0 = a^D, one multiply per step backward."""
    x = 1.0
    for _ in range(depth):
        x = x * CHAIN_SCALE + CHAIN_SHIFT
    grad = 1.0
    for _ in range(depth):
        grad *= CHAIN_SCALE
    return Result({"value": x, "grads": [grad]})


def wide(n: int) -> Result:
    """Σ aᵢbᵢ: d/daᵢ = bᵢ, d/dbᵢ = aᵢ."""
    a, b = workloads.pair_inputs(n)
    total = sum(map(mul, a, b))
    return Result({"value": total, "grads": workloads.sample(b, a)})


def ops(n: int) -> Result:
    """`workloads.ops_term` and its two partial derivatives, derived by hand."""
    a_data, b_data = workloads.pair_inputs(n)
    total, grad_a, grad_b = 0.0, [], []
    for a, b in zip(a_data, b_data):
        s = a + b
        q = (a * b + 2.0) / s
        t = q - a * a - 3.0 * b + 1.0 / a
        out = 5.0 - t
        if out > 0:
            total += out
            # d out = -d t;  d q/da = (b·s - (ab + 2)) / s² = (b - q) / s, likewise for b
            grad_a.append(-((b - q) / s - 2 * a - 1.0 / (a * a)))
            grad_b.append(-((a - q) / s - 3.0))
        else:
            grad_a.append(0.0)
            grad_b.append(0.0)
    return Result({"value": total, "grads": workloads.sample(grad_a, grad_b)})


class Floor:
    """The floor behind the same `run` as the graph engines."""

    name = "floor"

    def run(self, workload: str, size: int) -> Result:
        return globals()[workload](size)

    def prepare(self, workload: str, size: int):
        return lambda: self.run(workload, size)


ENGINE = Floor()
