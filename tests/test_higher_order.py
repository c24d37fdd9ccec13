"""Gradients of gradients: `backward(create_graph=True)`, `engine.grad`, `hvp`, `hessian`.

Every derivative here is checked against a closed form worked out by hand (or a
central difference of a closed-form first derivative), never against the engine
itself. The PyTorch comparisons are in test_higher_order_parity.py.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given

import engine
from engine import Value, add_all, backward_steps, define_op, dot, generic_exp, grad, hessian, hvp, zero_grad
from engine.strategies import expressions

RTOL = 1e-12


def derivatives_up_to(f, x0: float, order: int = 3) -> list[float]:
    """[f, f', f'', …] at x0, by calling backward(create_graph=True) on each derivative in turn."""
    x = Value(x0, "x")
    current = f(x)
    found = [current.data]
    for _ in range(order):
        zero_grad(current)
        x.grad = 0.0  # x may not be in the graph of a constant derivative
        reaches_x = x in engine.topological_order(current)
        current.backward(create_graph=True)
        # a constant derivative does not depend on x: backward does not reach x at all
        current = x.grad if reaches_x else Value(0.0)
        assert isinstance(current, Value)
        found.append(current.data)
    return found


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# name: (f on a Value, x0, [f', f'', f'''] written out by hand)
CLOSED_FORMS = {
    "tanh": (lambda x: x.tanh(), 0.7, lambda t=math.tanh(0.7): [1 - t * t, -2 * t * (1 - t * t),
                                                                 (1 - t * t) * (6 * t * t - 2)]),
    "sigmoid": (lambda x: x.sigmoid(), -0.4, lambda s=sigmoid(-0.4): [s * (1 - s), s * (1 - s) * (1 - 2 * s),
                                                                      s * (1 - s) * (1 - 6 * s + 6 * s * s)]),
    "log": (lambda x: x.log(), 1.7, lambda x=1.7: [1 / x, -1 / x**2, 2 / x**3]),
    "exp": (lambda x: x.exp(), 0.3, lambda e=math.exp(0.3): [e, e, e]),
    "sqrt": (lambda x: x.sqrt(), 2.5, lambda x=2.5: [0.5 * x**-0.5, -0.25 * x**-1.5, 0.375 * x**-2.5]),
    "sin": (lambda x: x.sin(), 0.9, lambda x=0.9: [math.cos(x), -math.sin(x), -math.cos(x)]),
    "cos": (lambda x: x.cos(), 0.9, lambda x=0.9: [-math.sin(x), -math.cos(x), math.sin(x)]),
    "tan": (lambda x: x.tan(), 0.6, lambda t=math.tan(0.6): [1 + t * t, 2 * t * (1 + t * t),
                                                             (1 + t * t) * (2 + 6 * t * t)]),
    "arcsin": (lambda x: x.arcsin(), 0.3, lambda x=0.3: [(1 - x * x) ** -0.5, x * (1 - x * x) ** -1.5,
                                                          (1 + 2 * x * x) * (1 - x * x) ** -2.5]),
    "arccos": (lambda x: x.arccos(), 0.3, lambda x=0.3: [-(1 - x * x) ** -0.5, -x * (1 - x * x) ** -1.5,
                                                          -(1 + 2 * x * x) * (1 - x * x) ** -2.5]),
    "arctan": (lambda x: x.arctan(), 1.3, lambda x=1.3: [1 / (1 + x * x), -2 * x / (1 + x * x) ** 2,
                                                          (6 * x * x - 2) / (1 + x * x) ** 3]),
    "x ** 3.5": (lambda x: x**3.5, 1.4, lambda x=1.4: [3.5 * x**2.5, 8.75 * x**1.5, 13.125 * x**0.5]),
    "x ** 2 at 0": (lambda x: x**2 * x.exp(), 0.0, lambda: [0.0, 2.0, 6.0]),  # (x² eˣ)' = (2x + x²) eˣ, …
    "x ** 1 at 0": (lambda x: x**1 * x.sin(), 0.0, lambda: [0.0, 2.0, 0.0]),
    "x ** y at x = 0, y = 2": (lambda x: x ** Value(2.0), 0.0, lambda: [0.0, 2.0, 0.0]),
    "x ** 3 (negative x)": (lambda x: x**3, -1.5, lambda x=-1.5: [3 * x * x, 6 * x, 6.0]),
    "1 / x": (lambda x: 1 / x, -0.8, lambda x=-0.8: [-1 / x**2, 2 / x**3, -6 / x**4]),
    "x ** y in x (y = 2.5)": (lambda x: x ** Value(2.5), 1.3, lambda x=1.3: [2.5 * x**1.5, 3.75 * x**0.5,
                                                                            1.875 * x**-0.5]),
    "x ** y in y (x = 1.7)": (lambda y: Value(1.7) ** y, 0.8, lambda y=0.8, L=math.log(1.7): [
        1.7**y * L, 1.7**y * L**2, 1.7**y * L**3]),
    "x ** x at x = 1": (lambda x: x**x, 1.0, lambda: [1.0, 2.0, 3.0]),  # x^x (ln x + 1), x^x((ln x + 1)² + 1/x), …
    "2 ** y": (lambda y: 2 ** y, 0.8, lambda y=0.8, L=math.log(2): [2**y * L, 2**y * L**2, 2**y * L**3]),
    "abs": (lambda x: abs(x) * x, -0.5, lambda x=-0.5: [-2 * x, -2.0, 0.0]),
    "relu": (lambda x: x.relu() * x * x, 0.5, lambda x=0.5: [3 * x * x, 6 * x, 6.0]),
    "x % 0.75": (lambda x: (x % 0.75) * x, 2.0, lambda x=2.0: [(x % 0.75) + x, 2.0, 0.0]),
    "arctan2(0.6, x)": (lambda x: engine.arctan2(0.6, x), -0.9, lambda x=-0.9, y=0.6: [
        -y / (x * x + y * y), 2 * x * y / (x * x + y * y) ** 2,
        2 * y * (y * y - 3 * x * x) / (x * x + y * y) ** 3]),
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_first_second_and_third_derivatives_match_closed_forms(name):
    f, x0, by_hand = CLOSED_FORMS[name]
    found = derivatives_up_to(f, x0)
    assert found[1:] == pytest.approx(by_hand(), rel=1e-11, abs=1e-12), name


def test_every_new_op_is_in_the_table_with_its_numpy_name():
    for name in ("sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "mod"):
        assert name in engine.OPS
    assert callable(engine.arctan2) and engine.arctan2(1.0, -1.0).data == pytest.approx(3 * math.pi / 4)


def test_numpy_calls_the_methods_on_an_object_array():
    np = pytest.importorskip("numpy")
    xs = np.array([Value(0.3), Value(-0.6)], dtype=object)
    for function, reference in [(np.sin, math.sin), (np.cos, math.cos), (np.tan, math.tan),
                                (np.arcsin, math.asin), (np.arccos, math.acos), (np.arctan, math.atan)]:
        assert [v.data for v in function(xs)] == [reference(0.3), reference(-0.6)]
    angles = np.arctan2(xs, np.array([Value(-1.0), Value(2.0)], dtype=object))
    assert [v.data for v in angles] == [math.atan2(0.3, -1.0), math.atan2(-0.6, 2.0)]
    assert [v.data for v in xs % 0.25] == [0.3 % 0.25, -0.6 % 0.25]


def test_modulo_is_pythons_and_its_derivatives_are_one_and_minus_the_floor_quotient():
    for x0, y0 in [(7.5, 2.0), (-7.5, 2.0), (7.5, -2.0), (-7.5, -2.0), (1.0, 0.3)]:
        x, y = Value(x0), Value(y0)
        out = x % y
        out.backward()
        assert out.data == x0 % y0
        assert (x.grad, y.grad) == (1.0, -(x0 // y0))
        assert (3.0 % Value(y0)).data == 3.0 % y0


@pytest.mark.parametrize("make, message", [
    (lambda: Value(1.5).arcsin(), "arcsin(1.5): arcsin needs an input in [-1, 1]"),
    (lambda: Value(-1.01).arccos(), "arccos(-1.01): arccos needs an input in [-1, 1]"),
    (lambda: Value(2.0) % 0.0, "mod(2.0, 0.0): modulo by zero"),
    (lambda: engine.arctan2(0.0, Value(0.0)), "arctan2(0.0, 0.0): the angle of (0, 0) has no derivative"),
])
def test_new_ops_refuse_inputs_outside_their_domain_by_name(make, message):
    with pytest.raises((ValueError, ZeroDivisionError), match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        make()


def test_arctan2_mixed_partials_match_closed_forms():
    y0, x0 = 0.6, -0.9
    r2 = x0 * x0 + y0 * y0
    d_dy = grad(engine.arctan2, 0)
    d_dx = grad(engine.arctan2, 1)
    assert d_dy(y0, x0).data == pytest.approx(x0 / r2, rel=RTOL)
    assert d_dx(y0, x0).data == pytest.approx(-y0 / r2, rel=RTOL)
    assert grad(d_dy, 1)(y0, x0).data == pytest.approx((y0 * y0 - x0 * x0) / r2**2, rel=1e-11)
    assert grad(d_dx, 0)(y0, x0).data == pytest.approx((y0 * y0 - x0 * x0) / r2**2, rel=1e-11)
    assert grad(d_dy, 0)(y0, x0).data == pytest.approx(-2 * x0 * y0 / r2**2, rel=1e-11)


@pytest.mark.parametrize("x0, y0", [(1.3, 2.5), (2.0, 0.0), (0.7, -1.5)])
def test_power_mixed_partial_in_base_and_exponent(x0, y0):
    # ∂²(x ** y)/∂x∂y = x^(y−1)·(1 + y·ln x); at y = 0 that is 1/x (where PyTorch gives 0)
    d2 = grad(grad(lambda x, y: x**y, 0), 1)(x0, y0)
    assert d2.data == pytest.approx(x0 ** (y0 - 1) * (1 + y0 * math.log(x0)), rel=RTOL)


# ---- what backward(create_graph=True) fills in ------------------------------------------


def neuron():
    x1, x2, w1, w2, b = Value(2.0, "x1"), Value(0.0, "x2"), Value(-3.0, "w1"), Value(1.0, "w2"), Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    return (x1, x2, w1, w2, b), n, n.tanh()


def test_every_gradient_it_fills_is_a_value_computing_the_derivative():
    leaves, n, o = neuron()
    o.backward(create_graph=True)
    for node in engine.topological_order(o):
        assert isinstance(node.grad, Value), node
    x1, x2, w1, w2, b = leaves
    slope = 1 - o.data**2
    assert n.grad.data == pytest.approx(slope, rel=RTOL)
    assert w1.grad.data == pytest.approx(x1.data * slope, rel=RTOL)
    # the gradient's graph reaches down to the leaves: it moves when they do
    assert w1 in engine.topological_order(w1.grad) and x1 in engine.topological_order(w1.grad)


def test_second_derivative_of_the_neuron_by_backward_after_zeroing():
    (x1, x2, w1, w2, b), n, o = neuron()
    o.backward(create_graph=True)
    dw1 = w1.grad
    zero_grad(dw1)
    dw1.backward()
    t = o.data
    # d/dw1 [x1 (1 − o²)] = −2 x1² o (1 − o²);  d/dx1 = (1 − o²) − 2 x1 w1 o (1 − o²)
    assert w1.grad == pytest.approx(-2 * x1.data**2 * t * (1 - t * t), rel=1e-11)
    assert x1.grad == pytest.approx((1 - t * t) - 2 * x1.data * w1.data * t * (1 - t * t), rel=1e-11)
    assert isinstance(w1.grad, float)  # without create_graph, gradients are numbers again


def test_without_create_graph_nothing_changes():
    (x1, *_), n, o = neuron()
    o.backward()
    assert all(type(node.grad) is float for node in engine.topological_order(o))


def test_leaves_accumulate_across_create_graph_passes():
    x = Value(0.5)
    y = x * x * x
    y.backward(create_graph=True)
    y.backward(create_graph=True)
    assert x.grad.data == pytest.approx(2 * 3 * 0.25, rel=RTOL)
    g = x.grad
    zero_grad(g)
    g.backward()
    assert x.grad == pytest.approx(2 * 6 * 0.5, rel=RTOL)


def test_a_value_seed_is_part_of_the_gradients_graph():
    x, v = Value(0.3), Value(2.0)
    y = x.sin()
    y.backward(grad=v, create_graph=True)
    assert x.grad.data == pytest.approx(2.0 * math.cos(0.3), rel=RTOL)
    g = x.grad
    zero_grad(g)
    g.backward()
    assert v.grad == pytest.approx(math.cos(0.3), rel=RTOL)
    assert x.grad == pytest.approx(-2.0 * math.sin(0.3), rel=RTOL)


def test_fused_ops_work_under_create_graph():
    # add_all of squares and a dot of Values with Values, plain numbers and a bias:
    # f = Σ xᵢ² + (x0·x1 + 2·x2 + x2·x0 + b)
    xs = [Value(0.5), Value(-1.5), Value(2.0)]
    b = Value(0.25)
    f = add_all([x * x for x in xs]) + dot([xs[0], 2.0, xs[2]], [xs[1], xs[2], xs[0]], b)
    H = [[h.data for h in row] for row in hessian(lambda *_: f, xs)]
    assert H == [[2.0, 1.0, 1.0], [1.0, 2.0, 0.0], [1.0, 0.0, 2.0]]
    f.backward(create_graph=True)
    assert b.grad.data == 1.0


def test_dot_of_a_list_with_itself_has_twice_the_identity_as_hessian():
    ps = [Value(0.5), Value(-2.0)]
    H = hessian(lambda *_: dot(ps, ps), ps)
    assert [[h.data for h in row] for row in H] == [[2.0, 0.0], [0.0, 2.0]]


# ---- the gradient is a graph like any other ---------------------------------------------


def test_backward_steps_walk_a_gradients_graph():
    (x1, x2, w1, w2, b), n, o = neuron()
    o.backward(create_graph=True)
    dw1 = w1.grad
    zero_grad(dw1)
    steps = list(backward_steps(dw1))
    assert len(steps) == sum(type(p) is not engine.Constant for node in engine.topological_order(dw1)
                             for p in node.parents)
    after_steps = w1.grad
    zero_grad(dw1)
    dw1.backward()
    assert after_steps == w1.grad


def test_viz_draws_a_gradients_graph(tmp_path):
    viz = pytest.importorskip("viz")
    (x1, x2, w1, w2, b), n, o = neuron()
    o.backward(create_graph=True)
    dot_source = viz.draw_dot(w1.grad).source
    for label in ("x1", "w1", "b"):  # dL/dw1 = x1·(1 − o²) is computed from the leaves
        assert label in dot_source


# ---- engine.grad, hvp, hessian -----------------------------------------------------------


def test_grad_nests_to_third_order():
    f = lambda x: x.sin() * x  # noqa: E731
    x0 = 0.8
    assert grad(f)(x0).data == pytest.approx(math.cos(x0) * x0 + math.sin(x0), rel=RTOL)
    assert grad(grad(f))(x0).data == pytest.approx(2 * math.cos(x0) - x0 * math.sin(x0), rel=RTOL)
    assert grad(grad(grad(f)))(x0).data == pytest.approx(-3 * math.sin(x0) - x0 * math.cos(x0), rel=RTOL)


def test_grad_of_a_closure_over_an_outer_value():
    # d/dx [x · d/dy (x + y)] = d/dx [x · 1] = 1: the inner derivative must not see x's
    # dependence (the "perturbation confusion" every nested autodiff must avoid).
    assert grad(lambda x: x * grad(lambda y: x + y)(1.0))(1.0).data == 1.0
    # d/dx [d/dy (x · y)] = d/dx [x] = 1, and d/dx [x² · d/dy (x y²) at y=3] = d/dx [6 x³] = 18 x²
    assert grad(lambda x: grad(lambda y: x * y)(2.0))(3.0).data == 1.0
    assert grad(lambda x: x * x * grad(lambda y: x * y * y)(3.0))(0.5).data == pytest.approx(18 * 0.25, rel=RTOL)


def test_grad_leaves_every_gradient_as_it_found_it():
    x = Value(0.5)
    x.grad = 7.0
    y = x * x
    assert grad(lambda v: v * v * v)(x).data == pytest.approx(0.75, rel=RTOL)
    assert x.grad == 7.0 and y.grad == 0.0


def test_grad_of_a_function_that_ignores_its_input_is_zero():
    assert grad(lambda x: Value(3.0))(1.0).data == 0.0


def test_grad_refuses_what_it_cannot_differentiate():
    with pytest.raises(TypeError, match="must return a Value"):
        grad(lambda x: 3.0)(1.0)
    with pytest.raises(TypeError, match="argnum=2"):
        grad(lambda x, y: x * y, argnum=2)(1.0, 2.0)
    with pytest.raises(TypeError, match="argnum must be an int"):
        grad(lambda x: x, argnum="x")


def test_hessian_and_hvp_of_a_closed_form():
    # f = x² y + sin(y):  H = [[2y, 2x], [2x, −sin y]]
    f = lambda x, y: x * x * y + y.sin()  # noqa: E731
    x0, y0 = 1.0, 2.0
    H = [h.data for row in hessian(f, [x0, y0]) for h in row]
    assert H == pytest.approx([2 * y0, 2 * x0, 2 * x0, -math.sin(y0)], rel=RTOL)
    v = [1.0, -1.0]
    Hv = [h.data for h in hvp(f, [x0, y0], v)]
    assert Hv == pytest.approx([2 * y0 - 2 * x0, 2 * x0 + math.sin(y0)], rel=RTOL)
    with pytest.raises(ValueError, match="2 inputs but a vector of 1"):
        hvp(f, [x0, y0], [1.0])


# ---- ops that cannot be differentiated twice, or at all ----------------------------------


def test_a_user_op_with_a_value_aware_rule_gets_higher_order_for_free():
    softplus = define_op("softplus2", lambda x: math.log1p(math.exp(x)),
                         lambda x, out: (1 - generic_exp(-out),), register=False)
    s = sigmoid(0.3)
    assert derivatives_up_to(softplus, 0.3)[1:] == pytest.approx(
        [s, s * (1 - s), s * (1 - s) * (1 - 2 * s)], rel=1e-11)


def test_a_user_op_with_a_float_only_rule_says_so_when_differentiated_twice():
    sine = define_op("my_sin", math.sin, lambda x, out: (math.cos(x),), register=False)
    x = Value(0.4)
    y = sine(x) * x
    y.backward(create_graph=True)
    assert x.grad.data == pytest.approx(math.cos(0.4) * 0.4 + math.sin(0.4), rel=RTOL)  # first order is right
    g = x.grad
    zero_grad(g)
    with pytest.raises(NotImplementedError, match="my_sin"):
        g.backward()
    with pytest.raises(NotImplementedError, match="my_sin"):
        g.backward(create_graph=True)


def test_an_op_without_derivatives_computes_forward_and_refuses_backward_by_name():
    floor = define_op("floor_op", math.floor, None, register=False)
    assert (floor(Value(2.7)) * 2.7).data == 2.0 * 2.7
    for run_backward in (lambda y: y.backward(), lambda y: y.backward(create_graph=True),
                         lambda y: list(backward_steps(y)), lambda y: engine.forward_grad(y, y.parents[1])):
        x = Value(2.7)
        with pytest.raises(NotImplementedError, match="floor_op has no derivative rule"):
            run_backward(floor(x) * x)


def test_a_plain_backward_onto_a_value_gradient_asks_for_zeroing_first():
    x = Value(0.5)
    y = x * x
    y.backward(create_graph=True)
    with pytest.raises(TypeError, match="zero_grad"):
        x.grad.backward()


def test_a_hand_made_node_is_differentiated_once_and_refused_twice():
    x = Value(0.5)
    square = Value(0.25, op="square", parents=(x,), local_grads=(1.0,))
    y = square * x
    y.backward(create_graph=True)
    assert x.grad.data == pytest.approx(0.25 + 0.5, rel=RTOL)
    g = x.grad
    zero_grad(g)
    with pytest.raises(NotImplementedError, match="square"):
        g.backward()


# ---- property: create_graph does not change a single first-order float ------------------


@given(expressions())
def test_first_order_gradients_with_and_without_create_graph_are_identical_floats(expr):
    plain_leaves = expr.leaves()
    plain = expr.nodes(*plain_leaves)
    plain[-1].backward()

    graph_leaves = expr.leaves()
    built = expr.nodes(*graph_leaves)
    built[-1].backward(create_graph=True)

    in_graph = set(engine.topological_order(plain[-1]))  # an input the output ignores gets no gradient
    assert [v.grad.data for v, w in zip(built, plain) if w in in_graph] == [w.grad for w in plain if w in in_graph]


# ---- the new ops are in the table the strategies draw from ------------------------------


@pytest.mark.parametrize("name", ["sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "mod"])
def test_strategies_draw_each_new_op_inside_its_domain_and_away_from_its_kinks(name):
    from hypothesis import find, settings

    expr = find(expressions(ops=[name], max_ops=3), lambda e: any(step.op.name == name for step in e.steps),
                settings=settings(database=None, max_examples=500))
    for step in expr.steps:
        xs = [expr.nodes(*expr.inputs)[o] if isinstance(o, int) else o.value for o in step.operands]
        xs = [x.data if isinstance(x, Value) else x for x in xs]
        assert step.op.domain is None or step.op.domain(*xs) is None
        if callable(step.op.kinks):
            assert step.op.kinks(*xs) >= 0.01


def test_mod_and_arctan2_kink_distances():
    mod, arctan2 = engine.OPS["mod"], engine.OPS["arctan2"]
    assert mod.kinks(2.0, 0.5) == 0.0          # 2 / 0.5 = 4: x % y jumps here
    # 2.1 / 0.5 = 4.2: 0.1 from a jump moving x; moving y, 0.2 quotients at dq/dy = x/y² = 8.4
    assert mod.kinks(2.1, 0.5) == pytest.approx(min(0.1, 0.2 / 8.4))
    assert arctan2.kinks(0.0, -1.0) == 0.0     # the negative x axis: the angle jumps from π to −π
    assert arctan2.kinks(0.3, -1.0) == 0.3


def test_functional_docstring_examples_run():
    import doctest

    import engine.functional

    result = doctest.testmod(engine.functional)
    assert result.failed == 0 and result.attempted > 0


# ---- the demos draw a gradient's graph -----------------------------------------------------


@pytest.mark.parametrize("name, picture", [("newton", "gradient_graph.png"), ("gradient_graph", "graph.png")])
def test_the_demos_draw_and_step_a_gradients_graph(tmp_path, dot_program, name, picture):
    import io
    import re

    from demos.cli import main

    out = io.StringIO()
    status = main([name, "--out", str(tmp_path)], stdin=io.StringIO(""), stdout=out)
    assert status == 0, out.getvalue()
    assert "✗" not in out.getvalue()
    assert (tmp_path / picture).stat().st_size > 0
    steps = int(re.search(r"backward pass: (\d+) steps", out.getvalue()).group(1))
    assert steps >= 3
    assert len(list((tmp_path / "frames").glob("frame_*.png"))) == steps + 1  # one before, one per step shown


INFINITE_SLOPES = [  # (name, f, x0): d f/dx is infinite at x0
    ("sqrt", lambda x: x.sqrt(), 0.0),
    ("**0.5", lambda x: x ** 0.5, 0.0),
    ("arcsin", lambda x: x.arcsin(), 1.0),
]


@pytest.mark.parametrize("op, f, x0", INFINITE_SLOPES, ids=[case[0] for case in INFINITE_SLOPES])
def test_an_infinite_slope_under_create_graph_names_the_edge_like_the_float_walk(op, f, x0):
    """d√x/dx at 0 is infinite: both walks raise OverflowError naming the op and the edge."""
    x = Value(x0, "x")
    with pytest.raises(OverflowError) as first_order:
        f(x).backward()
    x = Value(x0, "x")
    with pytest.raises(OverflowError) as second_order:
        f(x).backward(create_graph=True)
    for raised in (first_order, second_order):
        assert f"on the edge from {op} = " in str(raised.value)
        assert "to its input 0 ('x' = " in str(raised.value)
    assert "create_graph=True" in str(second_order.value)
    assert str(second_order.value).split(": ", 1)[1] == str(first_order.value).split(": ", 1)[1]
    with pytest.raises(OverflowError, match=f"on the edge from {re.escape(op)} = "):
        grad(f)(x0)


def test_an_infinite_slope_times_a_zero_upstream_passes_nothing_back_under_create_graph():
    """√x · x at 0: the float walk's 0 × ∞ = 0, and d/dx(√x · x) = 1.5·√x = 0 there."""
    x = Value(0.0, "x")
    (x.sqrt() * x).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 0.0
    y = Value(0.0, "y")
    (y.sqrt() * y).backward()
    assert y.grad == 0.0
