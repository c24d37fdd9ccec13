"""The workloads, written once for every graph-building engine.

Each workload takes an engine adapter `E` (see engines/graph_engine.py) and a
size, builds a graph with ordinary Python operators, runs the backward pass and
returns a `Result`: the numbers every engine must agree on (`check`), and the
graph itself (`keep`), so that freeing it happens after the clock stops. The
plain-float floor (engines/floor.py) computes the same numbers by hand.

The inputs (moons points, starting weights) are made here, from fixed seeds,
so every engine starts from exactly the same numbers.
"""

from __future__ import annotations

import math
import random
from typing import Any, NamedTuple

# ---- the inputs -----------------------------------------------------------------

MOONS_LAYERS = (2, 16, 16, 1)  # micrograd's demo: MLP(2, [16, 16, 1])
MOONS_ALPHA = 1e-4             # L2 strength of the demo's loss
CHAIN_SCALE, CHAIN_SHIFT = 1.0001, 0.0001  # x <- x * 1.0001 + 0.0001
OPS_PER_TERM = 13              # the user-level ops in `ops_term` below


def moons_data(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles (sklearn's make_moons), labels -1 / +1."""
    rng = random.Random(seed)
    outer, inner = n // 2, n - n // 2
    X, y = [], []
    for i in range(outer):
        t = math.pi * i / max(outer - 1, 1)
        X.append([math.cos(t) + rng.gauss(0, noise), math.sin(t) + rng.gauss(0, noise)])
        y.append(-1.0)
    for i in range(inner):
        t = math.pi * i / max(inner - 1, 1)
        X.append([1 - math.cos(t) + rng.gauss(0, noise), 0.5 - math.sin(t) + rng.gauss(0, noise)])
        y.append(1.0)
    return X, y


def moons_weights(seed: int = 1337) -> list[list[tuple[list[float], float]]]:
    """Starting weights: per layer, per neuron, (weights, bias); micrograd's U(-1, 1), bias 0."""
    rng = random.Random(seed)
    return [
        [([rng.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)]
        for nin, nout in zip(MOONS_LAYERS, MOONS_LAYERS[1:])
    ]


def flat_parameters(weights) -> list[float]:
    """The weights in micrograd's parameter order: layer, neuron, w then b."""
    return [p for layer in weights for w, b in layer for p in (*w, b)]


def learning_rate(step: int) -> float:
    """The demo's schedule over 100 steps."""
    return 1.0 - 0.9 * step / 100


def pair_inputs(n: int, seed: int = 7) -> tuple[list[float], list[float]]:
    """n pairs (a, b) in [0.5, 1.5), inside every op's domain in `ops_term`."""
    rng = random.Random(seed)
    return [0.5 + rng.random() for _ in range(n)], [0.5 + rng.random() for _ in range(n)]


# ---- the workloads on a graph engine -------------------------------------------------


class Result(NamedTuple):
    check: dict[str, Any]   # numbers all engines must agree on
    keep: Any = None        # the graph, freed after timing


def moons(E, steps: int, fused: bool = True, points: int = 100) -> Result:
    """`steps` SGD steps of micrograd's moons demo: hinge loss + 1e-4·L2, 100 points.

    check: every step's loss and the first step's gradient of every parameter.
    """
    X, y = moons_data(points)
    model, params = E.mlp(moons_weights(), fused)
    losses, first_grads = [], None
    for step in range(steps):
        scores = [model(x) for x in X]
        hinge = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = E.total(hinge) * (1.0 / len(hinge))
        reg_loss = MOONS_ALPHA * E.total([p * p for p in params])
        loss = data_loss + reg_loss
        E.zero_grad(params)
        E.backward(loss)
        losses.append(E.value(loss))
        if first_grads is None:
            first_grads = [E.grad(p) for p in params]
        E.sgd(params, learning_rate(step))
    return Result({"losses": losses, "grads": first_grads}, (model, loss))


def moons_unfused(E, steps: int) -> Result:
    """`moons` with every neuron built from binary * and + (no fused dot)."""
    return moons(E, steps, fused=False)


def build_chain(E, depth: int):
    """(x0, x): x <- x·1.0001 + 0.0001 applied `depth` times (4 nodes a step:
    the product, the sum and a constant leaf for each number)."""
    x0 = E.leaf(1.0)
    x = x0
    for _ in range(depth):
        x = x * CHAIN_SCALE + CHAIN_SHIFT
    return x0, x


def chain(E, depth: int) -> Result:
    """The chain, forward and backward. check: x and d x / d x0."""
    x0, x = build_chain(E, depth)
    E.backward(x)
    return Result({"value": E.value(x), "grads": [E.grad(x0)]}, x)


def wide(E, n: int) -> Result:
    """Σ aᵢ·bᵢ over n pairs, summed the engine's own way; backward."""
    a_data, b_data = pair_inputs(n)
    a, b = [E.leaf(v) for v in a_data], [E.leaf(v) for v in b_data]
    out = E.total([ai * bi for ai, bi in zip(a, b)])
    E.backward(out)
    return Result({"value": E.value(out), "grads": [E.grad(v) for v in sample(a, b)]}, out)


def ops_term(a, b):
    """One mixed expression using every op micrograd also has (13 ops)."""
    t = (a * b + 2.0) / (a + b) - a ** 2   # * + + / ** -
    t = t + 3.0 * -b + 1.0 / a             # neg, number * Value, number / Value, + +
    return (5.0 - t).relu()                # number - Value, relu


def ops(E, n: int) -> Result:
    """n copies of `ops_term` on different inputs, summed; backward."""
    a_data, b_data = pair_inputs(n)
    a, b = [E.leaf(v) for v in a_data], [E.leaf(v) for v in b_data]
    out = E.total([ops_term(ai, bi) for ai, bi in zip(a, b)])
    E.backward(out)
    return Result({"value": E.value(out), "grads": [E.grad(v) for v in sample(a, b)]}, out)


def sample(a: list, b: list, count: int = 5) -> list:
    """The first and last few of `a`, then of `b`: the inputs (or their gradients)
    whose gradients are compared, enough to catch a disagreement."""
    return a[:count] + a[-count:] + b[:count] + b[-count:]


def count_nodes(E, root) -> int:
    """How many distinct nodes `root` depends on (an explicit stack: micrograd's
    own walk would recurse)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for parent in E.parents(stack.pop()):
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


# The code students bring, unchanged but for the `Value` class (see as_written.py).
from .as_written import (  # noqa: E402,F401
    microgpt, microgpt_idioms, moons_as_written, prepare_microgpt, prepare_microgpt_idioms, prepare_moons_as_written)
