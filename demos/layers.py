"""Networks written out by hand from engine Values, the way the articles write them.

The articles use numpy matrices; these helpers make the same shapes out of
`Value`s (labelled, so a picture or a step caption says which weight is which)
and read numbers back out, so the article's numpy formula and the engine's
gradient can be compared entry by entry.
"""

from __future__ import annotations

import random
from typing import Iterable, Optional, Sequence

from engine import Value, dot, topological_order


def named(value: Value, label: str) -> Value:
    """Give an intermediate value a name (for pictures and step captions); returns it."""
    value.label = label
    return value


def leaves_named(root: Value, labels: Iterable[str]) -> list[Value]:
    """The leaves of `root`'s graph labelled with one of `labels`: the targets or
    a margin a demo hands to viz as constants (data, nothing to learn)."""
    wanted = set(labels)
    return [v for v in topological_order(root) if not v.parents and v.label in wanted]


def vector(numbers: Sequence[float], label: str) -> list[Value]:
    """Leaves label0, label1, … holding `numbers`."""
    return [Value(x, f"{label}{i}") for i, x in enumerate(numbers)]


def matrix(rows: Sequence[Sequence[float]], label: str) -> list[list[Value]]:
    """Leaves label[i,j] holding a matrix given as a list of rows."""
    return [[Value(x, f"{label}[{i},{j}]") for j, x in enumerate(row)] for i, row in enumerate(rows)]


def uniform(rng: random.Random, rows: int, cols: int, low: float = 0.0, high: float = 1.0) -> list[list[float]]:
    """A rows × cols matrix of numbers drawn from U[low, high) (numpy's rand is U[0, 1))."""
    return [[rng.uniform(low, high) for _ in range(cols)] for _ in range(rows)]


def data(values) -> list:
    """The numbers held by a (nested) list of Values (or plain numbers), same shape."""
    if isinstance(values, (list, tuple)):
        return [data(v) for v in values]
    return values.data if isinstance(values, Value) else float(values)


def grads(values) -> list:
    """The gradients held by a (nested) list of Values, same shape."""
    return [grads(v) for v in values] if isinstance(values, (list, tuple)) else values.grad


def transpose(rows: Sequence[Sequence]) -> list[list]:
    return [list(column) for column in zip(*rows)]


def matvec(W: Sequence[Sequence], x: Sequence, b: Optional[Sequence] = None, label: str = "z") -> list[Value]:
    """z = W·x + b, one `dot` node per row: z_j = Σ_i W[j][i]·x_i + b_j (cs224n's, Ng's layout)."""
    biases = b if b is not None else [None] * len(W)
    return [named(dot(row, x, bias), f"{label}{j}") for j, (row, bias) in enumerate(zip(W, biases))]


def vecmat(x: Sequence, W: Sequence[Sequence], b: Optional[Sequence] = None, label: str = "z") -> list[Value]:
    """z = x·W + b: z_j = Σ_i x_i·W[i][j] + b_j (numpy's x @ W, the layout of articles 000, 002, 003)."""
    return matvec(transpose(W), x, b, label)


def activate(zs: Sequence[Value], function: str, label: str = "a") -> list[Value]:
    """Apply `function` ("sigmoid", "tanh", …) to each z, labelling the results."""
    return [named(getattr(z, function)(), f"{label}{j}") for j, z in enumerate(zs)]


def flat(nested) -> list:
    """A nested list of Values as one flat list (a network's parameters)."""
    return [v for item in nested for v in flat(item)] if isinstance(nested, (list, tuple)) else [nested]
