"""The engine's speed paths build what the plain rules build.

- add, mul and relu written out for two Values (primitives.py) against `Op.__call__`;
- a builtin sum() folded into one Σ node (value.py, "A running sum is one node")
  against the same sum written as a chain of `+`: the same floats, bit for bit;
- `backward()` written out (walk.py) against the recording walk `backward_steps()`.
"""

import functools
import math
import operator
import random
import sys

import pytest
from hypothesis import given

import engine
from engine import OPS, Value, add_all, backward_steps, topological_order
from engine.strategies import expressions


def _same_node(a: Value, b: Value) -> None:
    assert (a.data, a.grad, a.label, a.op, a.parents, a.local_grads) == (
        b.data, b.grad, b.label, b.op, b.parents, b.local_grads)
    assert a.op is b.op


# ---- add, mul, relu written out ------------------------------------------------


@pytest.mark.parametrize("x", [-2.5, -0.0, 0.0, 1e-300, 3.0])
@pytest.mark.parametrize("y", [-1.5, 0.0, 7.25])
def test_add_and_mul_of_two_values_build_the_general_node(x, y):
    a, b = Value(x), Value(y)
    for name in ("add", "mul"):
        _same_node(OPS[name].apply(a, b), OPS[name](a, b))


@pytest.mark.parametrize("x", [-2.0, -0.0, 0.0, 5e-324, 3.5])
def test_relu_of_a_value_builds_the_general_node(x):
    a = Value(x)
    _same_node(OPS["relu"].apply(a), OPS["relu"](a))


@pytest.mark.parametrize("name, x, y", [("add", 1.7e308, 1.7e308), ("mul", 1e200, -1e200)])
def test_an_overflow_on_the_fast_path_is_the_general_error(name, x, y):
    messages = []
    for call in (OPS[name], OPS[name].apply):
        with pytest.raises(OverflowError) as caught:
            call(Value(x), Value(y))
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and name in messages[0]


# ---- a running sum is one node ---------------------------------------------------

# issue 21: on Python 3.10 nothing is ever folded. The check that a `+` was asked for by a
# call (engine/hot_paths.py, _asked_by_a_function_call) looks for the calling frame's call
# opcode in `_CALLS` (PRECALL, CALL, CALL_FUNCTION_EX, CALL_KW); 3.10 calls sum() with
# CALL_FUNCTION (or CALL_METHOD, CALL_FUNCTION_KW), which is not there. The values are the
# chain's all the same; only the one-node graph is missing. The folding is being deleted.
NOT_FOLDED_ON_310 = pytest.mark.xfail(
    sys.version_info < (3, 11), strict=True,
    reason="issue 21: hot_paths._CALLS lacks 3.10's call opcodes, so sum() is never folded there")


def _chain(values, start=0):
    """The sum as a chain of `+` nodes: what sum() made before it was folded. The
    running total is a named variable, so no `+` here is ever folded."""
    total = start
    for v in values:
        total = total + v
    return total


def _leaves(n, seed=0):
    rng = random.Random(seed)
    return [Value(rng.uniform(-3, 3), label=f"x{i}") for i in range(n)]


@NOT_FOLDED_ON_310
@pytest.mark.parametrize("n", [1, 2, 3, 16, 255, 256, 257, 1000])
def test_sum_is_one_node_with_the_chain_s_floats(n):
    xs = _leaves(n)
    folded, chain = sum(xs), _chain(xs)
    assert folded.data == chain.data  # the same floats, added in the same order
    nodes = topological_order(folded)
    # one node per 256 terms (a Σ, or a + where a single term is left over), and the leaves
    assert len(nodes) == n + math.ceil(n / 256)
    assert {str(node.op) for node in nodes if node.parents} <= {"Σ", "+"}
    assert len(topological_order(chain)) == 2 * n + 1  # a + node per term, and the constant 0
    folded.backward()
    grads = [x.grad for x in xs]
    for x in xs:
        x.grad = 0.0
    chain.backward()
    assert grads == [x.grad for x in xs] == [1.0] * n


def test_sum_of_products_matches_the_chain_in_value_and_every_gradient():
    ws, xs = _leaves(50, seed=1), _leaves(50, seed=2)
    y = Value(0.3)

    def loss(total):
        # the sum feeds a nonlinear tail, and x0 is used again outside it
        return (total * y).tanh() + xs[0] * xs[0]

    folded = loss(sum(w * x for w, x in zip(ws, xs)))
    chain = loss(_chain([w * x for w, x in zip(ws, xs)]))
    assert folded.data == chain.data
    results = []
    for root in (folded, chain):
        for v in ws + xs + [y]:
            v.grad = 0.0
        root.backward()
        results.append([v.grad for v in ws + xs + [y]])
    assert results[0] == results[1]  # bit for bit


@NOT_FOLDED_ON_310
def test_sum_with_a_value_start_folds_after_the_start_and_leaves_the_start_alone():
    b, xs = Value(0.5, label="b"), _leaves(4)
    s = b + xs[0]  # a named partial sum: somebody holds it, so it is never changed
    before = (s.data, s.op, s.parents)
    total = sum(xs[1:], s)
    assert (s.data, s.op, s.parents) == before
    assert total.op == "Σ" and total.parents == (s, *xs[1:])
    assert total.data == _chain(xs[1:], s).data


@NOT_FOLDED_ON_310
def test_micrograd_s_neuron_is_one_node_its_bias_first_then_weight_input_pairs():
    ws, xs, b = _leaves(16, seed=3), _leaves(16, seed=4), Value(0.25, label="b")
    act = sum((wi * xi for wi, xi in zip(ws, xs)), b)  # micrograd's Neuron.__call__, verbatim
    assert act.op == "Σw·x" and act.parents == (b, *[p for pair in zip(ws, xs) for p in pair])
    assert act.local_grads == (1.0, *[g for w, x in zip(ws, xs) for g in (x.data, w.data)])
    assert act.data == _chain([w * x for w, x in zip(ws, xs)], b).data


@NOT_FOLDED_ON_310
def test_products_that_somebody_holds_stay_nodes():
    ws, xs = _leaves(5, seed=5), _leaves(5, seed=6)
    products = [w * x for w, x in zip(ws, xs)]  # the list holds them: they are not dropped
    total = sum(products)
    assert total.op == "Σ" and total.parents == tuple(products)
    assert total.data == sum(w * x for w, x in zip(ws, xs)).data


def test_a_sum_written_with_plus_stays_the_nodes_a_student_wrote():
    x1, w1, x2, w2, b = (Value(v) for v in (2.0, -3.0, 0.0, 1.0, 6.8813735870195432))
    n = x1 * w1 + x2 * w2 + b
    assert n.op == "+" and n.parents[1] is b and n.parents[0].op == "+"
    zero_start = 0 + x1  # written in code: the 0 is a constant node, as always
    assert zero_start.op == "+" and zero_start.parents[0].data == 0.0 and not zero_start.parents[0].parents
    s = add_all([x1, x2]) + b  # add_all's Σ is not a running sum() either
    assert s.op == "+" and s.parents == (s.parents[0], b) and len(s.parents[0].parents) == 2


@NOT_FOLDED_ON_310
def test_reduce_folds_like_sum():
    xs = _leaves(10)
    total = functools.reduce(operator.add, (x * x for x in xs))
    assert total.op == "Σw·x" and total.parents == tuple(x for x in xs for _ in range(2))
    assert total.data == _chain([x * x for x in xs[1:]], xs[0] * xs[0]).data
    total.backward()
    assert [x.grad for x in xs] == [2 * x.data for x in xs]  # x·1 + 1·x, as through x * x


@NOT_FOLDED_ON_310
@pytest.mark.parametrize("n", [1, 127, 128, 129, 400])
def test_a_long_sum_of_products_goes_on_in_a_new_node_with_the_chain_s_floats(n):
    ws, xs = _leaves(n, seed=7), _leaves(n, seed=8)
    folded = sum(w * x for w, x in zip(ws, xs))
    chain = _chain([w * x for w, x in zip(ws, xs)])
    assert folded.data == chain.data
    for node in topological_order(folded):
        if node.parents:  # each Σw·x node holds at most 256 parents: a plain first term, then pairs
            assert node.op == "Σw·x" and len(node.parents) <= 257
    results = []
    for root in (folded, chain):
        for v in ws + xs:
            v.grad = 0.0
        root.backward()
        results.append([v.grad for v in ws + xs])
    assert results[0] == results[1] == [x.data for x in xs] + [w.data for w in ws]


def test_a_sum_that_overflows_is_refused_by_name():
    with pytest.raises(OverflowError, match="add"):
        sum([Value(1e308), Value(1e308), Value(1e308)])


def test_a_sum_of_numbers_and_values_folds_only_values():
    x = Value(2.0)
    total = sum([x, 3.0, x])  # 0 + x -> Σ(x); Σ + 3.0 is the add row (a constant leaf); + x folds
    assert total.data == 7.0
    total.backward()
    assert x.grad == 2.0


# ---- backward written out ----------------------------------------------------------


@given(expressions())
def test_backward_gives_the_gradients_of_the_recording_walk_bit_for_bit(expr):
    leaves = expr.leaves()
    root = expr(*leaves)
    if not isinstance(root, Value) or not root.parents:
        return  # nothing to walk
    root.backward()
    fast = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.0
    for _ in backward_steps(root):
        pass
    assert [leaf.grad for leaf in leaves] == fast


def test_backward_names_the_edge_where_a_gradient_overflows():
    x = Value(1.0, label="x")
    y = x * 1e150  # local derivative 1e150: with an upstream of 1e300, x.grad would be infinite
    messages = []
    for walk in (lambda: engine.backward(y, 1e300), lambda: list(backward_steps(y, 1e300))):
        x.grad = 0.0
        with pytest.raises(OverflowError) as caught:
            walk()
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and "'x'" in messages[0]


# ---- dot written out -------------------------------------------------------------


@pytest.mark.parametrize("bias", [None, "value"])
@pytest.mark.parametrize("n", [1, 16])  # (an empty dot takes the general steps)
def test_dot_of_values_builds_the_general_node(n, bias):
    from engine.fused import _dot, _dot_of_values
    ws, xs = tuple(_leaves(n, seed=9)), tuple(_leaves(n, seed=10))
    b = Value(0.5) if bias else None
    fast, general = _dot_of_values(ws, xs, b), _dot(ws, xs, b)
    _same_node(fast, general)
    _same_node(engine.dot(list(ws), iter(xs), b), general)  # dot() takes any sequences


def test_dot_with_numbers_among_the_values_takes_the_general_steps():
    w, x = Value(2.0), Value(3.0)
    node = engine.dot([w, 4.0], [x, x], 1.5)  # 2·3 + 4·3 + 1.5: the 4.0 is not a parent
    assert node.data == 19.5 and node.parents == (w, x, x) and node.local_grads == (3.0, 2.0, 4.0)


def test_a_cycle_made_by_hand_is_still_refused_by_name():
    a = Value(1.0, label="a")
    b = a * 2.0
    c = b + 1.0
    a.parents, a.local_grads = (c,), (1.0,)  # a now depends on c, which depends on a
    with pytest.raises(ValueError, match=r"cycle: .* is a parent of 'a' = 1.0 and also depends on it"):
        topological_order(c)


# ---- gradients of gradients through a folded sum ------------------------------------


def _tail(total, xs):
    return (total * xs[0]).tanh() + total * total


@NOT_FOLDED_ON_310
@pytest.mark.parametrize("start", [None, "bias"])
def test_second_derivatives_through_a_folded_sum_are_the_chain_s(start):
    """The Σw·x and Σ nodes know their derivative rules on Values (for backward(create_graph=True))."""
    from engine.functional import hessian

    def folded(*v):
        ws, xs = v[:3], v[3:]
        first = (v[0] * 0.5,) if start else ()
        total = sum((w * x for w, x in zip(ws, xs)), *first) + sum(x.exp() for x in xs)
        return _tail(total, xs)

    def chain(*v):
        ws, xs = v[:3], v[3:]
        total = v[0] * 0.5 if start else 0
        for w, x in zip(ws, xs):
            total = total + w * x
        exps = 0
        for x in xs:
            exps = exps + x.exp()
        return _tail(total + exps, xs)

    point = [0.3, -0.7, 1.1, 0.4, 0.9, -0.2]
    ops = {str(n.op) for n in topological_order(folded(*[Value(p) for p in point]))}
    assert {"Σw·x", "Σ"} <= ops  # the folds happened
    got = [h.data for row in hessian(folded, point) for h in row]
    want = [h.data for row in hessian(chain, point) for h in row]
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
