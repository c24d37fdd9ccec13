"""Numbers: the policy (README), and the regressions of issues 11 and 12 (engine items).

Every number in the graph is finite; an op or a backward step that would make a
nan or an infinity says so, naming the op (and its inputs) or the edge; a zero
factor wins over an infinite one, in backward and in forward mode alike; no
number leaves the graph silently through float() or math.*.
"""

import math

import pytest

from engine import OPS, GradcheckError, Value, add_all, backward_steps, define_op, dot, forward_grad, gradcheck
from engine.gradcheck import GradcheckReport, GradcheckRow

NAN, INF = float("nan"), float("inf")


# ---- issue 11: a number never leaves the graph silently -----------------------------


@pytest.mark.parametrize("leave", [float, int, math.exp, math.log, math.tanh, math.sqrt])
def test_float_and_math_of_a_value_are_errors_pointing_to_data_and_the_methods(leave):
    with pytest.raises(TypeError) as caught:
        leave(Value(2.0))
    message = str(caught.value)
    assert "value.data" in message and ".exp()" in message and ".log()" in message


def test_the_silently_wrong_gradient_of_math_exp_times_x_cannot_happen():
    x = Value(1.0)
    with pytest.raises(TypeError):
        math.exp(x) * x  # on the old engine: 2.718 where d(e^x·x)/dx = 2e = 5.437
    y = x.exp() * x
    y.backward()
    assert x.grad == pytest.approx(2 * math.e, rel=1e-15)


def test_formatting_still_reads_the_number():
    v = Value(-2.71828, "v")
    assert f"{v:.3f}" == "-2.718" and format(v, "+.1e") == "-2.7e+00"


@pytest.mark.parametrize("step, expected", [
    (round, -3.0), (lambda v: round(v, 2), -2.72), (math.floor, -3.0), (math.ceil, -2.0), (math.trunc, -2.0),
])
def test_rounding_steps_are_ops_of_the_graph_with_zero_derivative_as_in_pytorch(step, expected):
    """Issue 21: round(v) and math.floor(v) gave plain numbers (or raised), so `x * round(x)`
    could not be written; PyTorch's round/floor/ceil/trunc are nodes with derivative 0."""
    v = Value(-2.71828, "v")
    r = step(v)
    assert isinstance(r, Value) and r.data == expected and r.parents == (v,)
    (r * v).backward()
    assert v.grad == expected  # d(r·v)/dv = r + v·0


@pytest.mark.parity
@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
def test_rounding_steps_match_pytorch(torch, name):
    for x in (-2.71828, -0.5, 0.5, 1.5, 2.5, 3.2):
        t = torch.tensor(x, requires_grad=True)
        (getattr(torch, name)(t) * t).backward()
        v = Value(x)
        (OPS[name](v) * v).backward()
        assert v.grad == t.grad.item(), (name, x)


# ---- item 1: relu propagates nan, like PyTorch ----------------------------------------


def test_relus_rules_keep_nan_as_nan_with_pytorchs_gradient():
    relu = OPS["relu"]
    assert math.isnan(relu.forward(NAN))  # was 0.0: a diverged model reported a perfect loss
    assert relu.derivatives(NAN, NAN) == (1.0,)  # torch: relu(nan).backward() gives grad 1
    assert relu.forward(-0.5) == 0.0 and relu.forward(0.0) == 0.0 and relu.forward(3.0) == 3.0
    assert relu.derivatives(0.0, 0.0) == (0.0,) and relu.derivatives(2.0, 2.0) == (1.0,)


def test_a_nan_set_by_hand_is_not_hidden_by_relu():
    v = Value(1.0)
    v.data = NAN  # data set by hand, past Value()'s check
    with pytest.raises(ValueError, match=r"relu\(nan\): .*not a number"):
        v.relu()


@pytest.mark.parity
def test_relu_at_nan_matches_pytorch(torch):
    t = torch.tensor(NAN, dtype=torch.float64, requires_grad=True)
    torch.relu(t).backward()
    relu = OPS["relu"]
    assert math.isnan(relu.forward(NAN)) and math.isnan(torch.relu(t).item())
    assert relu.derivatives(NAN, NAN)[0] == t.grad.item()


# ---- item 5: one overflow/nan policy: raise, naming the op ---------------------------


@pytest.mark.parametrize("build, error, message", [
    (lambda: Value(1e308) + 1e308, OverflowError, r"add\(1e\+308, 1e\+308\): add's result is too large"),
    (lambda: Value(-1e308) - 1e308, OverflowError, r"sub\(-1e\+308, 1e\+308\)"),
    (lambda: Value(1e200) * Value(1e200), OverflowError, r"mul\(1e\+200, 1e\+200\)"),
    (lambda: Value(1.0) / 1e-310, OverflowError, r"div\(1.0, 1e-310\)"),
    (lambda: Value(1e155) ** 2, OverflowError, r"pow\(1e\+155\)"),
    (lambda: add_all([1e308, Value(1e308)]), OverflowError, r"add_all\(1e\+308, 1e\+308\)"),
    (lambda: dot([1e200, 1.0], [Value(1e200), 2.0]), OverflowError, r"dot\(1e\+200, 1.0, 1e\+200, 2.0\)"),
])
def test_an_op_whose_result_is_not_finite_raises_naming_the_op_and_inputs(build, error, message):
    with pytest.raises(error, match=message):
        build()


@pytest.mark.parametrize("number", [NAN, INF, -INF])
def test_non_finite_numbers_are_refused_wherever_they_enter(number):
    with pytest.raises(ValueError, match="finite"):
        Value(number)
    with pytest.raises(ValueError, match="finite"):
        Value(1.0) + number  # a plain operand is lifted to a Value: the same door
    with pytest.raises(ValueError, match="finite"):
        Value(1.0).backward(number)
    with pytest.raises(ValueError, match="finite"):
        dot([Value(1.0)], [number])


def test_backward_names_the_edge_where_a_gradient_becomes_nan():
    x = Value(2.0, "x")
    h = Value(1.0, "h", op="hand", parents=(x,), local_grads=(NAN,))
    with pytest.raises(ValueError, match=r"became nan on the edge from 'h' = 1.0 to its input 0 \('x' = 2.0\)"):
        h.backward()


def test_backward_names_the_edge_where_a_leaf_gradient_becomes_infinite():
    x = Value(0.0, "x")
    y = x.sqrt() * 3.0
    with pytest.raises(OverflowError, match=r"±inf on the edge from sqrt = 0.0 to its input 0 \('x' = 0.0\)"):
        y.backward()
    with pytest.raises(OverflowError):
        list(backward_steps(y))


def test_comparisons_still_accept_infinity_as_a_bound():
    loss, best = Value(0.25), float("inf")
    assert loss < best and not loss > best and Value(-1e308) > -INF
    assert not (Value(1.0) < NAN) and not (Value(1.0) >= NAN)  # nan compares false, as floats do
    with pytest.raises(TypeError, match="comparison needs a real number, got str"):
        Value(1.0) < "2"


# ---- item 6: pow's derivative and domain errors name the op; 0 ** 0 ------------------


@pytest.mark.parametrize("build, error, message", [
    (lambda: Value(1e-300) ** -1, OverflowError, r"pow\(1e-300\): its derivative is too large for a float"),
    (lambda: Value(-2.0) ** INF, ValueError, r"pow\(-2.0, inf\): the exponent must be a finite number"),
    (lambda: Value(-2.0) ** NAN, ValueError, r"pow\(-2.0, nan\): the exponent must be a finite number"),
    (lambda: Value(0.0) ** Value(-1.0), ZeroDivisionError, r"pow\(0.0, -1.0\)"),
])
def test_pow_errors_name_the_op_and_its_inputs(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_zero_to_the_zero_is_one_with_zero_gradients_either_way():
    base, exponent = Value(0.0), Value(0.0)
    out = base**exponent
    out.backward()
    assert (out.data, base.grad, exponent.grad) == (1.0, 0.0, 0.0)
    base = Value(0.0)
    out = base**0
    out.backward()
    assert (out.data, base.grad) == (1.0, 0.0)


@pytest.mark.parity
def test_zero_to_the_zero_matches_pytorch(torch):
    tb = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    te = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (tb**te).backward()
    base, exponent = Value(0.0), Value(0.0)
    (base**exponent).backward()
    assert (base.grad, exponent.grad) == (tb.grad.item(), te.grad.item())


# ---- item 13: 0 × inf is 0, the same in both modes -----------------------------------


def test_a_zero_upstream_gradient_against_an_infinite_slope_passes_back_zero():
    x = Value(0.0)
    y = x.sqrt() * 0.0  # sqrt's slope at 0 is inf; the 0 downstream wins
    y.backward()
    assert x.grad == 0.0
    assert forward_grad(y, x) == 0.0  # the old forward mode gave nan here


def test_a_zero_slope_against_an_infinite_upstream_gradient_passes_back_zero():
    x = Value(0.0)
    h = x * x  # slope 2x = 0
    g = h.sqrt()  # d g / d h = inf at h = 0: an interior gradient may be infinite
    g.backward()
    assert h.grad == INF and x.grad == 0.0  # the old backward gave nan
    assert forward_grad(g, x) == 0.0
    steps = list(backward_steps(g))
    assert [(s.local_grad, s.upstream, s.contribution) for s in steps] == [(INF, 1.0, INF), (0.0, INF, 0.0), (0.0, INF, 0.0)]


def test_forward_mode_refuses_an_infinite_derivative_as_backward_does():
    x = Value(0.0)
    y = x.sqrt()
    with pytest.raises(OverflowError):
        y.backward()
    with pytest.raises(OverflowError, match="forward_grad"):
        forward_grad(y, x)


# ---- item 14: gradcheck ------------------------------------------------------------


def test_gradcheck_steps_relative_to_large_inputs():
    report = gradcheck(lambda a: a * 1.0, [1e12])  # x ± 1e-6 == x: the old check saw a slope of 0
    assert report.ok and report.rows[0].step == pytest.approx(1e6)
    assert gradcheck(lambda a: a * a, [3e8]).ok


def test_gradcheck_near_a_domain_edge_uses_a_step_that_stays_inside():
    report = gradcheck(lambda a: a.log(), [1e-7])  # 1e-7 − 1e-6 < 0: the old check raised
    assert report.ok and report.rows[0].method == "central, step ε·|x|"
    assert str(report).splitlines()[1].endswith("ok, step ε·|x|")


def test_gradcheck_is_one_sided_at_an_edge_away_from_zero():
    half_parabola = define_op(
        "half_parabola", lambda x: (x - 1.0) ** 2, lambda x, out: (2 * (x - 1.0),),
        domain=lambda x: None if x >= 1.0 else ValueError("needs x >= 1"), register=False,
    )
    for x, method in ((1.0, "one-sided +"), (1.0 + 3e-7, "one-sided +")):
        report = gradcheck(lambda a: half_parabola(a) + a, [x])
        assert report.ok and report.rows[0].method == method, str(report)
    mirror = define_op("mirror", lambda x: x * x, lambda x, out: (2 * x,),
                       domain=lambda x: None if x <= 2.0 else ValueError("needs x <= 2"), register=False)
    report = gradcheck(lambda a: mirror(a), [2.0])
    assert report.rows[0].method == "one-sided −" and report.rows[0].numeric == pytest.approx(4.0, rel=1e-8)


def test_gradcheck_says_when_atol_decided():
    slightly_off = define_op("slightly_off", lambda x: 1e-9 * x, lambda x, out: (1.01e-9,), register=False)
    report = gradcheck(lambda a: slightly_off(a), [0.5])
    assert report.ok and report.rows[0].by_atol
    assert "ok by atol" in str(report) and all(len(line) <= 80 for line in str(report).splitlines())
    assert not gradcheck(lambda a: a * a, [0.5]).rows[0].by_atol


def test_a_report_marks_atol_only_where_it_decided():
    rows = (GradcheckRow(0, "a", 1.0, 1.0, 1.0, True), GradcheckRow(1, "b", 1.0, 2e-9, 1e-9, True, by_atol=True))
    lines = str(GradcheckReport(rows, 1e-5, 1e-3)).splitlines()
    assert lines[1].endswith("  ok") and lines[2].endswith("  ok by atol")


@pytest.mark.parametrize("keyword, bad", [("atol", -1.0), ("atol", NAN), ("rtol", "0.1"), ("rtol", INF),
                                          ("eps", 0.0), ("eps", True)])
def test_gradcheck_validates_its_tolerances(keyword, bad):
    with pytest.raises(ValueError, match=f"{keyword} must be a finite number"):
        gradcheck(lambda a: a * a, [1.0], **{keyword: bad})


def test_gradcheck_accepts_any_iterable_of_inputs():
    report = gradcheck(lambda a, b: a * b, (x for x in [2.0, Value(3.0, "b")]))
    assert [r.label for r in report.rows] == ["", "b"] and [r.analytic for r in report.rows] == [3.0, 2.0]
    with pytest.raises(TypeError, match="iterable"):
        gradcheck(lambda a: a, 3.0)


# ---- issue 24 item 10: the step from f's scale, and why a row disagrees -------------------


def test_gradcheck_raises_the_step_where_rounding_in_f_would_swamp_it():
    # f = 1e10·x + y is only known to about 1e-6: with h = 1e-6 the slope in y came out
    # 1.907 (and was blamed on a kink). The step comes from u·Σ|v·∂f/∂v| and the tolerance.
    from engine.gradcheck import MAX_RELATIVE_STEP

    report = gradcheck(lambda x, y: 1e10 * x + y, [Value(1.0, "x"), Value(1.0, "y")])
    x, y = report.rows
    assert report.ok and (x.step, x.raised) == (1e-6, False)
    assert y.raised and y.step == MAX_RELATIVE_STEP * 1.0 and y.numeric == pytest.approx(1.0, abs=1e-3)
    assert y.rounding == pytest.approx(1.1e-16 * 3e10 / y.step, rel=0.4)  # δf/h, δf = u·(|1e10·x| + |f| + ...)
    lines = str(report).splitlines()
    assert lines[3] == " " * 19 + f" h = 1.0e-02 (raised): rounding may move numeric by {y.rounding:.1e}"
    assert all(len(line) <= 78 for line in lines)
    # an everyday function keeps the usual step and the usual table
    ordinary = gradcheck(lambda a, b: (a * b).tanh(), [0.5, -2.0])
    assert [row.step for row in ordinary.rows] == [1e-6, 2e-6] and "raised" not in str(ordinary)


def test_gradcheck_calls_rounding_rounding_not_a_kink():
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x, y: 1e20 * x + y, [Value(1.0, "x"), Value(1.0, "y")])  # no step can help here
    x, y = caught.value.report.rows
    assert x.ok and (y.ok, y.why) == (False, "rounding") and y.error <= 2 * y.rounding
    assert "UNRELIABLE" in str(caught.value.report) and "MISMATCH" not in str(caught.value.report)
    # agreement inside a rounding error larger than the tolerance proves nothing: relu'(0) = 0 "matched"
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x, z: x.relu() + 1e20 * z, [Value(0.0, "x"), Value(1.0, "z")])
    assert caught.value.report.rows[0].why == "rounding"


@pytest.mark.parametrize("f, x, why", [
    (lambda a: a.relu(), 0.0, "kink"),                      # a corner at x
    (lambda a: a.relu(), 3e-7, "kink"),                     # a corner within the step
    (lambda a: abs(a - 1e-7), 0.0, "kink"),
    (lambda a: (a * 1e8).tanh(), 0.0, "kink"),              # a bend too sharp for the step
    (lambda a: a ** a, 0.0, "domain edge"),                 # f stops below 0
    (lambda a: a.relu() + 1e10, 0.0, "kink"),               # large f: the step is raised, still a corner
])
def test_gradcheck_says_why_a_row_disagrees(f, x, why):
    with pytest.raises(GradcheckError) as caught:
        gradcheck(f, [x])
    assert caught.value.report.rows[0].why == why


def test_gradcheck_blames_a_derivative_rule_only_where_f_is_smooth():
    wrong = define_op("cube_with_a_wrong_rule", lambda x: x ** 3, lambda x, out: (2 * x,), register=False)
    for f, x in ((lambda a: wrong(a), 1.0), (lambda a: wrong(a) + 1e10, 1.0), (lambda a: wrong(a) * 1e5, 100.0)):
        with pytest.raises(GradcheckError) as caught:
            gradcheck(f, [x])
        row = caught.value.report.rows[0]
        assert row.why == "mismatch" and row.numeric == pytest.approx(3 * x * x * (1e5 if x == 100.0 else 1),
                                                                      rel=1e-3)


def test_gradcheck_uses_value_at_for_the_differences_and_checks_it_agrees():
    calls = {"f": 0, "value_at": 0}

    def f(a, b):
        calls["f"] += 1
        return a * b.exp()

    def value_at(xs):
        calls["value_at"] += 1
        return xs[0] * math.exp(xs[1])

    report = gradcheck(f, [2.0, 0.5], value_at=value_at)
    assert report.ok and calls["f"] == 1 and calls["value_at"] == 1 + 2 * 2
    with pytest.raises(ValueError, match="value_at gives 3.0 at the inputs, but f gives"):
        gradcheck(f, [2.0, 0.5], value_at=lambda xs: 3.0)
    with pytest.raises(TypeError, match="value_at must be a function"):
        gradcheck(f, [2.0, 0.5], value_at=3.0)


# ---- item 15: hand-made nodes are validated ------------------------------------------


def test_a_hand_made_node_with_a_number_for_a_parent_is_refused_at_once():
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"cube: parent 1 must be a Value, got float: 2.0"):
        Value(8.0, op="cube", parents=(x, 2.0), local_grads=(3.0, 0.0))


def test_a_hand_made_node_with_a_local_gradient_that_is_not_a_number_is_refused_at_once():
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"cube: local gradient 0 must be a number, got Value: .* \(use its .data\)"):
        Value(1.0, op="cube", parents=(x,), local_grads=(Value(3.0),))
    with pytest.raises(TypeError, match="local gradient 0 must be a number, got str"):
        Value(1.0, op="cube", parents=(x,), local_grads=("3",))


def test_a_cycle_made_by_editing_parents_is_found_by_the_walk():
    a = Value(1.0, "a")
    b = a * 2.0
    c = b + 1.0
    b.parents = (c, b.parents[1])  # c depends on b, and now b on c
    with pytest.raises(ValueError, match="the graph has a cycle"):
        c.backward()
    with pytest.raises(ValueError, match="cycle"):
        forward_grad(c, a)
    selfish = Value(1.0)
    selfish.parents, selfish.local_grads = (selfish,), (1.0,)
    with pytest.raises(ValueError, match="cycle"):
        selfish.backward()
