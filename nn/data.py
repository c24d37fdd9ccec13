"""Toy datasets, made in code: two moons, XOR, circles and spirals.

Each function returns (X, y): X a list of (x₁, x₂) float pairs, y a list of labels
(+1/−1 for the two-class sets, as micrograd's hinge loss wants; class indices
0, 1, … for spirals). The same seed gives the same points on every run. The
points come shuffled, so any prefix is a fair sample.
"""

from __future__ import annotations

import math
import random
from typing import Optional

from .checks import non_negative, real_number

Point = tuple[float, float]
Dataset = tuple[list[Point], list[int]]


def _rng(seed: Optional[int]) -> random.Random:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"seed must be an int or None, got {seed!r}")
    return random.Random(seed)


def _check(n, noise, name: str, least: int = 1) -> float:
    """Check n and the noise level; return the noise as a float."""
    if isinstance(n, bool) or not isinstance(n, int) or n < least:
        raise ValueError(f"{name}: n must be an integer >= {least}, got {n!r}")
    return non_negative(noise, f"{name}: noise")


def _linspace(start: float, stop: float, n: int) -> list[float]:
    """n evenly spaced numbers from start to stop inclusive (numpy's linspace)."""
    if n == 1:
        return [start]
    return [start + (stop - start) * i / (n - 1) for i in range(n)]


def _jittered_shuffled(points: list[Point], labels: list[int], noise: float, rng: random.Random) -> Dataset:
    """Add Gaussian noise (standard deviation `noise`) to every coordinate, then shuffle."""
    noisy = [(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)) for x, y in points]
    order = list(range(len(points)))
    rng.shuffle(order)
    return [noisy[i] for i in order], [labels[i] for i in order]


def make_moons(n: int = 100, noise: float = 0.1, seed: Optional[int] = 0) -> Dataset:
    """Two interleaving half circles (scikit-learn's make_moons): the upper moon is
    labelled −1, the lower one +1. The classic micrograd demo data."""
    noise = _check(n, noise, "make_moons", least=2)
    rng = _rng(seed)
    n_upper = n // 2
    upper = [(math.cos(t), math.sin(t)) for t in _linspace(0.0, math.pi, n_upper)]
    lower = [(1 - math.cos(t), 0.5 - math.sin(t)) for t in _linspace(0.0, math.pi, n - n_upper)]
    return _jittered_shuffled(upper + lower, [-1] * len(upper) + [1] * len(lower), noise, rng)


def make_xor(n: int = 100, noise: float = 0.1, seed: Optional[int] = 0) -> Dataset:
    """Points around the four corners of the unit square: +1 where exactly one
    coordinate is 1 (x₁ XOR x₂), −1 otherwise. No line separates the classes.
    `make_xor(4, noise=0)` is the truth table itself."""
    noise = _check(n, noise, "make_xor")
    rng = _rng(seed)
    corners = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    points = [corners[i % 4] for i in range(n)]
    labels = [1 if (x == 1.0) != (y == 1.0) else -1 for x, y in points]
    return _jittered_shuffled(points, labels, noise, rng)


def make_circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: Optional[int] = 0) -> Dataset:
    """A circle of radius `factor` (+1) inside one of radius 1 (−1) (scikit-learn's make_circles)."""
    noise = _check(n, noise, "make_circles", least=2)
    factor = real_number(factor, "make_circles: factor", "between 0 and 1", lambda v: 0 < v < 1)
    rng = _rng(seed)
    n_outer = n // 2
    n_inner = n - n_outer

    def circle(count: int, radius: float) -> list[Point]:  # `count` points, not repeating the start at 2π
        return [(radius * math.cos(2 * math.pi * i / count), radius * math.sin(2 * math.pi * i / count))
                for i in range(count)]

    points = circle(n_outer, 1.0) + circle(n_inner, factor)
    return _jittered_shuffled(points, [-1] * n_outer + [1] * n_inner, noise, rng)


def make_spirals(n: int = 300, classes: int = 3, noise: float = 0.2, seed: Optional[int] = 0) -> Dataset:
    """`classes` arms spiralling out from the centre (the cs231n spiral), n points
    in all, labelled 0 … classes−1. `noise` perturbs each point's angle, in radians."""
    noise = _check(n, noise, "make_spirals")
    if isinstance(classes, bool) or not isinstance(classes, int) or not 2 <= classes <= n:
        raise ValueError(f"make_spirals: classes must be an integer from 2 to n ({n}), got {classes!r}")
    rng = _rng(seed)
    points, labels = [], []
    for label in range(classes):
        count = n // classes + (label < n % classes)  # spread the remainder over the first arms
        radii = _linspace(0.0, 1.0, count)
        angles = _linspace(label * 4.0, (label + 1) * 4.0, count)
        for r, t in zip(radii, angles):
            t += rng.gauss(0.0, noise)
            points.append((r * math.sin(t), r * math.cos(t)))
            labels.append(label)
    return _jittered_shuffled(points, labels, 0.0, rng)
