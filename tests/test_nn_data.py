"""Toy datasets: deterministic, the right shapes and labels, and the right geometry."""

import math
from collections import Counter
from fractions import Fraction

import numpy as np

import pytest

from nn import make_circles, make_moons, make_spirals, make_xor

MAKERS = [make_moons, make_xor, make_circles, make_spirals]


@pytest.mark.parametrize("make", MAKERS)
def test_same_seed_same_points_other_seed_other_points(make):
    X, y = make(60, seed=5)
    assert (X, y) == make(60, seed=5)
    assert X != make(60, seed=6)[0]
    assert len(X) == len(y) == 60
    assert all(len(p) == 2 and all(isinstance(c, float) for c in p) for p in X)


@pytest.mark.parametrize("make", [make_moons, make_xor, make_circles])
def test_binary_sets_are_labelled_plus_minus_one_and_balanced(make):
    _, y = make(100)
    assert Counter(y) == {1: 50, -1: 50}


def test_moons_lie_on_their_half_circles_without_noise():
    X, y = make_moons(41, noise=0.0)
    assert Counter(y) == {-1: 20, 1: 21}
    for (a, b), label in zip(X, y):
        if label == -1:  # upper moon: the unit half circle above the x axis
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:            # lower moon: shifted right by 1 and down by 0.5, and flipped
            assert math.hypot(a - 1, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12


def test_noise_moves_points_by_about_its_size():
    clean, _ = make_moons(400, noise=0.0, seed=1)
    noisy, _ = make_moons(400, noise=0.1, seed=1)
    # the same rng stream shuffles both alike, so point i of one is point i of the other
    offsets = [c - d for p, q in zip(clean, noisy) for c, d in zip(p, q)]
    spread = math.sqrt(sum(o * o for o in offsets) / len(offsets))
    assert 0.08 < spread < 0.12


def test_xor_without_noise_is_the_truth_table():
    X, y = make_xor(4, noise=0.0)
    assert sorted(zip(X, y)) == [((0.0, 0.0), -1), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), -1)]


def test_circles_without_noise():
    X, y = make_circles(50, noise=0.0, factor=0.3)
    for point, label in zip(X, y):
        assert math.hypot(*point) == pytest.approx(0.3 if label == 1 else 1.0)


def test_spirals_have_class_indices_and_stay_in_the_unit_disc():
    X, y = make_spirals(100, classes=3, noise=0.3)
    assert Counter(y) == {0: 34, 1: 33, 2: 33}
    assert all(math.hypot(*p) <= 1.0 + 1e-12 for p in X)
    assert sorted(set(make_spirals(20, classes=5)[1])) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("call, message", [
    (lambda: make_moons(0), "n must be an integer >= 2"),
    (lambda: make_moons(10.5), "n must be an integer"),
    (lambda: make_xor(10, noise=-0.1), "noise"),
    (lambda: make_circles(10, factor=1.5), "factor"),
    (lambda: make_spirals(10, classes=1), "classes"),
    (lambda: make_moons(10, seed="abc"), "seed"),
])
def test_bad_arguments_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("noise", [np.float32(0.1), Fraction(1, 10), 0])
def test_any_real_number_is_a_noise_level(noise):
    assert make_moons(6, noise=noise) == make_moons(6, noise=float(noise))


@pytest.mark.parametrize("noise", [10 ** 400, math.nan, -0.1, "0.1"])
def test_a_bad_noise_level_is_a_value_error(noise):
    with pytest.raises(ValueError, match="make_moons: noise must be a finite number >= 0"):
        make_moons(6, noise=noise)
