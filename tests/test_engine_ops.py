"""Every op: forward value and local derivatives, each against two independent
truths — the closed form written out here, and central differences of the
forward value."""

import math

import pytest

from engine import OPS as ENGINE_OPS, Constant, Value

EPS = 1e-6


def central_difference(f, xs, i):
    up, down = list(xs), list(xs)
    up[i] += EPS
    down[i] -= EPS
    return (f(*up) - f(*down)) / (2 * EPS)


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


# name, how stepgrad builds it, the closed-form value, the closed-form partials, points
OPS = [
    ("add", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: (1, 1), [(1.5, -2.0), (0.0, 3.0)]),
    ("sub", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: (1, -1), [(1.5, -2.0)]),
    ("mul", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: (b, a), [(1.5, -2.0), (4.0, -3.0)]),
    ("div", lambda a, b: a / b, lambda a, b: a / b, lambda a, b: (1 / b, -a / b**2), [(1.5, -2.0), (-3.0, 0.5)]),
    ("pow", lambda a, b: a**b, lambda a, b: a**b, lambda a, b: (b * a ** (b - 1), a**b * math.log(a)),
     [(1.5, 2.5), (0.3, -1.2)]),
    ("neg", lambda a: -a, lambda a: -a, lambda a: (-1,), [(2.0,), (-0.5,)]),
    ("abs", lambda a: abs(a), lambda a: abs(a), lambda a: (math.copysign(1, a),), [(2.0,), (-0.5,)]),
    ("square", lambda a: a**2, lambda a: a * a, lambda a: (2 * a,), [(-3.0,), (0.7,)]),
    ("cube", lambda a: a**3, lambda a: a**3, lambda a: (3 * a * a,), [(-1.3,), (2.0,)]),
    ("inverse", lambda a: a**-1, lambda a: 1 / a, lambda a: (-1 / a**2,), [(-1.3,), (2.0,)]),
    ("root", lambda a: a**0.5, lambda a: math.sqrt(a), lambda a: (0.5 / math.sqrt(a),), [(2.0,), (0.25,)]),
    ("exp", lambda a: a.exp(), math.exp, lambda a: (math.exp(a),), [(0.0,), (-2.0,), (3.0,)]),
    ("log", lambda a: a.log(), math.log, lambda a: (1 / a,), [(0.5,), (7.0,)]),
    ("sqrt", lambda a: a.sqrt(), math.sqrt, lambda a: (1 / (2 * math.sqrt(a)),), [(0.5,), (9.0,)]),
    ("tanh", lambda a: a.tanh(), math.tanh, lambda a: (1 / math.cosh(a) ** 2,), [(0.0,), (0.8813735870195432,), (-2.0,)]),
    ("sigmoid", lambda a: a.sigmoid(), sigmoid, lambda a: (sigmoid(a) * (1 - sigmoid(a)),), [(0.0,), (3.0,), (-1.5,)]),
    ("relu", lambda a: a.relu(), lambda a: max(a, 0.0), lambda a: (1.0 if a > 0 else 0.0,), [(2.0,), (-1.0,)]),
    ("rsub", lambda a: 3 - a, lambda a: 3 - a, lambda a: (-1,), [(1.0,)]),
    ("rdiv", lambda a: 3 / a, lambda a: 3 / a, lambda a: (-3 / a**2,), [(1.5,)]),
    ("rpow", lambda a: 2**a, lambda a: 2**a, lambda a: (2**a * math.log(2),), [(1.5,), (-0.5,)]),
]


@pytest.mark.parametrize("name,build,value,partials,points", OPS, ids=[op[0] for op in OPS])
def test_forward_matches_closed_form(name, build, value, partials, points):
    for xs in points:
        out = build(*[Value(x) for x in xs])
        assert out.data == pytest.approx(value(*xs), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name,build,value,partials,points", OPS, ids=[op[0] for op in OPS])
def test_local_grads_match_closed_form_and_central_differences(name, build, value, partials, points):
    for xs in points:
        leaves = [Value(x) for x in xs]
        out = build(*leaves)
        out.backward()
        for i, leaf in enumerate(leaves):
            assert leaf.grad == pytest.approx(partials(*xs)[i], rel=1e-12, abs=1e-12), (name, xs, i)
            assert leaf.grad == pytest.approx(central_difference(value, xs, i), rel=1e-6, abs=1e-6), (name, xs, i)


def test_a_node_records_its_parents_in_argument_order_and_its_local_grads():
    a, b = Value(2.0, "a"), Value(5.0, "b")
    c = a * b
    assert c.parents == (a, b) and c.local_grads == (5.0, 2.0) and c.op is ENGINE_OPS["mul"] and str(c.op) == "×"
    d = 3.0 - a  # a number on the left becomes a Constant, first in order
    assert d.parents[1] is a and d.parents[0].data == 3.0 and d.local_grads == (1.0, -1.0)
    assert type(d.parents[0]) is Constant and type(a) is Value
    assert a.op is None and a.parents == () and a.local_grads == () and a.grad == 0.0


def test_relu_and_abs_have_derivative_zero_at_zero_like_pytorch():
    for build in (lambda v: v.relu(), abs):
        x = Value(0.0)
        build(x).backward()
        assert x.grad == 0.0


@pytest.mark.parametrize("x", [1000.0, -1000.0, 1e308, -1e308])
def test_tanh_and_sigmoid_do_not_overflow_at_large_inputs(x):
    for op, limit in ((Value.tanh, math.copysign(1.0, x)), (Value.sigmoid, 1.0 if x > 0 else 0.0)):
        leaf = Value(x)
        out = op(leaf)
        out.backward()
        assert out.data == limit
        assert leaf.grad == 0.0


def test_power_by_a_value_exponent_takes_both_derivatives():
    x, y = Value(2.0), Value(3.0)
    (x**y).backward()
    assert x.grad == pytest.approx(3 * 2.0**2) and y.grad == pytest.approx(8 * math.log(2.0))


def test_zero_base_powers_have_the_one_sided_slopes():
    for n, slope in ((2, 0.0), (1, 1.0), (0.5, math.inf)):
        assert (Value(0.0) ** n).local_grads == (slope,)
    for n, slope in ((2, 0.0), (1, 1.0)):
        x = Value(0.0)
        (x**n).backward()
        assert x.grad == slope
    # an infinite slope reaching a leaf is not a number a student can use: the pass says so
    with pytest.raises(OverflowError, match=r"gradient became ±inf on the edge from \*\*0.5 = 0.0 to its input 0"):
        (Value(0.0) ** 0.5).backward()


def test_comparisons_look_at_data_but_equality_and_hash_are_identity():
    a, b = Value(1.0), Value(1.0)
    assert a <= b and a >= b and not a < b and a < 2 and b > 0.5
    assert a != b and a == a
    assert len({a, b}) == 2 and {a: "x"}[a] == "x"


def test_a_value_reads_like_a_float():
    v = Value(3.14159, label="pi")
    assert f"{v:.3f}" == "3.142" and round(v, 2).data == 3.14 and round(v).data == 3.0 and v.data == 3.14159
    v.grad = 0.5
    assert repr(v) == "Value(label='pi', data=3.14159, grad=0.5)"
    assert repr(Value(2)) == "Value(data=2.0, grad=0.0)"


def test_numbers_of_every_real_kind_are_stored_as_floats():
    from fractions import Fraction

    for data in (3, 3.0, Fraction(3, 1)):
        v = Value(data)
        assert type(v.data) is float and v.data == 3.0
    import numpy as np  # a dependency of stepgrad (the demos use it), not of the engine
    assert type(Value(np.float32(0.5)).data) is float and Value(np.int64(7)).data == 7.0
