"""Every number a caption shows can be worked out again from the caption's own text.

The truth here is arithmetic on the printed numbers, not the code that printed
them: a backward caption says `... = L × U = C  →  p.grad = B + C = A`, so L·U
must be C and B + C must be A (up to the rounding of four digits); a forward
caption of a sum or product says `... = a + b = c` or `... = a × b = c`.
"""

import pytest

import viz
from engine import Value, dot


def _labelled(value, label):
    value.label = label
    return value


def _graphs():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    yield "neuron", _labelled(((x1 * w1 + x2 * w2) + b).tanh(), "o")
    a, c = Value(1.7, label="a"), Value(-0.45, label="c")
    mixed = (a * a) / (c - 2.0) + (a ** 3).exp() * 1e-3 + (a + c).log() - c.sigmoid() * 0.3
    yield "mixed", _labelled(mixed, "f")
    ws = [Value(0.1 * i - 0.35, label=f"w{i}") for i in range(6)]
    xs = [Value(0.7 - 0.2 * i, label=f"x{i}") for i in range(6)]
    yield "dot", _labelled((dot(ws, xs) + Value(0.25, label="bias")).tanh(), "z")


def _close(x: float, y: float) -> bool:
    """Equal up to four printed digits carried through one operation."""
    return abs(x - y) <= 1e-3 * max(abs(x), abs(y)) + 2e-4


def _number(text: str) -> float:
    return float(text.strip("()"))


@pytest.mark.parametrize("name, root", list(_graphs()), ids=[n for n, _ in _graphs()])
def test_every_backward_caption_recomputes_from_its_own_numbers(name, root):
    d = viz.describe(root)
    assert d.steps
    for k in range(1, len(d.steps) + 1):
        caption = d.step_caption(k)
        left, right = caption.split("  →  ")
        right = right.split("  (")[0]  # a note after the arithmetic ("1st of the 2 edges from a into a·a")
        *_, product, contribution = left.split(" = ")
        local, upstream = product.split(" × ")
        assert _close(_number(local) * _number(upstream), _number(contribution)), caption
        _, total, after = right.rsplit(" = ", 2)
        before, added = total.split(" + ")
        assert _number(added) == _number(contribution), caption
        assert _close(_number(before) + _number(added), _number(after)), caption


@pytest.mark.parametrize("name, root", list(_graphs()), ids=[n for n, _ in _graphs()])
def test_every_forward_caption_of_a_sum_or_product_recomputes(name, root):
    d = viz.describe(root)
    checked = 0
    for node in d.order:
        if str(node.op) not in ("+", "×", "−") or len(node.parents) != 2:
            continue
        *_, by_value, value = d.forward_caption(node).split(" = ")
        for symbol, combine in ((" + ", float.__add__), (" × ", float.__mul__), (" − ", float.__sub__)):
            if symbol in by_value:
                left, right = by_value.split(symbol)
                assert _close(combine(_number(left), _number(right)), _number(value)), d.forward_caption(node)
                checked += 1
    assert checked
