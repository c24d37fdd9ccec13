"""`engine.to_python` and every way of adding up, on every Python the README promises.

From Python 3.12 on, builtin sum() of floats compensates its rounding, so a sum()
and a chain of `+` over the same floats can give different numbers: 1e16 + 1 - 1e16 + 1
is 1.0 added left to right and 2.0 compensated. The compiled code must add up the way
the graph engine did, at numbers other than the ones it was compiled at, on every
version: each case is compiled at numbers where every way of adding agrees, then run
at numbers where they do not, and compared with the graph engine, bit for bit.
"""

from __future__ import annotations

import functools
import operator

import pytest

from engine import Value, add_all, dot, to_python
from tests.test_codegen import assert_same_floats, sum_compensates

#: Where a compensated sum and a chain of `+` differ (2.0 against 1.0, products too:
#: 1e8·1e8 = 1e16 exactly), and where every way of adding agrees.
CANCELLING = [1e16, 1.0, -1e16, 1.0]
CANCELLING_PAIRS = [1e8, 1.0, -1e8, 1.0] + [1e8, 1.0, 1e8, 1.0]
CALM = [0.5, 1.5, -2.0, 3.0]
CALM_PAIRS = [0.5, 1.5, -2.0, 3.0, 0.25, -1.0, 2.0, 0.75]

CASES = {
    "+ as written": (lambda v: v[0] + v[1] + v[2] + v[3], CALM, CANCELLING),
    "add_all": (lambda v: add_all(v), CALM, CANCELLING),
    "add_all from a Value start": (lambda v: add_all(v[1:], v[0]), CALM, CANCELLING),
    "dot of Values": (lambda v: dot(v[:4], v[4:]), CALM_PAIRS, CANCELLING_PAIRS),
    "dot of Values and numbers": (lambda v: dot(v, [1e8, 1.0, 1e8, 1.0]), [0.5, 1.5, -2.0, 3.0],
                                  [1e8, 1.0, -1e8, 1.0]),
    "dot with a Value bias": (lambda v: dot(v[1:], [1.0, 1.0, 1.0], v[0]), CALM, CANCELLING),
    "add_all from a number": (lambda v: add_all(v, 2.5), CALM, CANCELLING),
    "builtin sum()": pytest.param(lambda v: sum(v), CALM, CANCELLING),
    "builtin sum() of products": pytest.param(
        lambda v: sum(w * x for w, x in zip(v[:4], v[4:])), CALM_PAIRS, CANCELLING_PAIRS),
    # (x4 takes no part: a parameter outside the graph, whose gradient is 0)
    "builtin sum() of products from a bias (micrograd's neuron)": pytest.param(
        lambda v: sum((w * x for w, x in zip(v[1:4], v[5:])), v[0]), CALM_PAIRS,
        [1e16, 1.0, -1e8, 1.0, 0.0, 1.0, 1e8, 1.0]),
    "functools.reduce": pytest.param(lambda v: functools.reduce(operator.add, v), CALM, CANCELLING),
}


def graph(build, numbers: list[float]) -> tuple[list[Value], Value]:
    leaves = [Value(x, f"x{i}") for i, x in enumerate(numbers)]
    out = build(leaves) * 1.0  # one node more, so that the sum is not the root
    return leaves, out


@pytest.mark.parametrize("build, calm, cancelling", CASES.values(), ids=CASES.keys())
def test_the_code_adds_up_as_the_graph_engine_did_at_numbers_where_the_ways_differ(build, calm, cancelling):
    leaves, out = graph(build, calm)
    compiled = to_python(out, leaves)
    fresh, expected = graph(build, cancelling)
    expected.backward()
    assert_same_floats(compiled(cancelling), (expected.data, tuple(x.grad for x in fresh)))


def test_the_cancelling_numbers_tell_the_ways_of_adding_apart_where_sum_compensates():
    """The numbers above have teeth: on a Python whose sum() compensates they give another
    number added left to right; before 3.12, sum() is the chain itself."""
    products = [w * x for w, x in zip(CANCELLING_PAIRS[:4], CANCELLING_PAIRS[4:])]
    for terms in (CANCELLING, products):
        chain = 0.0
        for term in terms:
            chain += term
        assert chain == 1.0
        assert sum(terms) == (2.0 if sum_compensates() else 1.0)
