"""`engine.to_python`: the generated code gives the graph engine's floats, bit for bit.

The reference is the graph engine itself, run on a freshly built graph at the
same numbers: the same value, the same gradients, down to the sign of zero, or
the same error with the same message.
"""

from __future__ import annotations

import doctest
import itertools
import math
import re
import struct

import pytest
from hypothesis import given, strategies as st

import engine
import engine.codegen
from engine import OPS, CompiledGraph, Value, add_all, define_op, dot, to_python
from engine.codegen import limits
from engine.codegen.plan import _atom
from engine.codegen.replay import replay
from engine.names import fused_terms, number, operand
from engine.codegen.replay import replay  # noqa: F401  (engine.codegen.replay below)
from engine.symbolic import NotWritable, Symbol, as_code, write
from engine.strategies import expressions, values
from demos.as_code import neuron  # micrograd's neuron, labelled as in its lecture


def bits(x: float) -> bytes:
    """The float's 8 bytes: equal bits, not merely equal numbers (-0.0 is not 0.0)."""
    return struct.pack("<d", x)


def assert_same_floats(got, expected) -> None:
    got_value, got_grads = got
    value, grads = expected
    assert len(got_grads) == len(grads)
    for a, b in zip((got_value, *got_grads), (value, *grads)):
        assert bits(a) == bits(b) or (math.isnan(a) and math.isnan(b)), f"{got} != {expected}"


def sum_compensates() -> bool:
    """Does this Python's builtin sum() of floats compensate its rounding (3.12 on)? Asked of
    sum() itself: 1 + 1e100 + 1 - 1e100 is 2.0 compensated, 0.0 added left to right."""
    return sum([1.0, 1e100, 1.0, -1e100]) == 2.0


def engine_result(expr, numbers, wrt_positions):
    """(value, grads of the wrt inputs) from the graph engine, on a fresh graph at `numbers`."""
    leaves = [Value(x, f"x{i}") for i, x in enumerate(numbers)]
    out = expr(*leaves)
    out.backward()
    return out.data, tuple(leaves[i].grad for i in wrt_positions)


def compile_expression(expr, wrt_positions) -> CompiledGraph:
    leaves = expr.leaves()
    out = expr(*leaves)
    return to_python(out, [leaves[i] for i in wrt_positions])


# ---- the property: same floats as the graph engine ------------------------------------


@given(expressions(), st.data())
def test_compiled_code_gives_the_engines_floats_at_the_drawn_point(expr, data):
    wrt = data.draw(st.lists(st.integers(0, len(expr.inputs) - 1), unique=True, min_size=1), label="wrt")
    compiled = compile_expression(expr, wrt)
    numbers = [expr.inputs[i] for i in wrt]
    assert_same_floats(compiled(numbers), engine_result(expr, expr.inputs, wrt))


@given(expressions(), st.data())
def test_compiled_code_gives_the_engines_floats_or_errors_at_new_numbers(expr, data):
    """At other numbers the graph engine may refuse (log of a negative): then so does the code,
    with an op's own error. (When several ops fail, which one is met first can differ: the
    code runs in topological order, the expression in the order it was written.)"""
    wrt = list(range(len(expr.inputs)))
    compiled = compile_expression(expr, wrt)
    numbers = [data.draw(values(), label=f"x{i}") for i in wrt]
    try:
        expected = engine_result(expr, numbers, wrt)
    except (ArithmeticError, ValueError) as refused:
        with pytest.raises((ArithmeticError, ValueError)) as raised:
            compiled(numbers)
        if str(raised.value) != str(refused):
            named = re.match(r"(\w+)\(", str(raised.value))
            assert named and named.group(1) in {step.op.name for step in expr.steps}, (raised.value, refused)
    else:
        assert_same_floats(compiled(numbers), expected)


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_is_written_from_its_own_rules(name):
    """Each op of the table is written from the op itself: its rules run on names where they
    can be (engine.symbolic), its own hand-written form where it has one (relu), or a call of
    the op's rule; either way the floats are the engine's."""
    op = OPS[name]
    inputs = next(xs for xs in itertools.product((0.3, 0.7, 1.3, -0.4), repeat=op.arity)
                  if op.domain is None or op.domain(*xs) is None)
    leaves = [Value(x, f"x{i}") for i, x in enumerate(inputs)]
    out = op(*leaves)
    out.label = "out"
    compiled = to_python(out, leaves)
    out.backward()
    assert_same_floats(compiled(list(inputs)), (out.data, tuple(leaf.grad for leaf in leaves)))
    names = [Symbol.name(leaf.label) for leaf in leaves]
    lines = compiled.source.splitlines()
    try:
        written = [_atom(as_code(f)) for f in write(op.derivatives, [*names, Symbol.name("out")])]
    except NotWritable:
        written = None
    if op.code is not None and op.code.local is not None:
        assert any(op.code.local[0].format("x0", out="out") in line for line in lines)
    elif written is not None:  # the rule's own formula multiplies the upstream gradient
        assert any(f"{written[0]} * grad_out" in line or (written[0] == "1.0" and "+= grad_out" in line)
                   or (written[0] == "-1.0" and "-= grad_out" in line) for line in lines), compiled.source
    else:  # a rule that branches on its inputs: the code calls it
        assert f"    d_out = {name}_grads({', '.join(leaf.label for leaf in leaves)}, out)" in lines


def test_a_students_op_is_written_from_its_rule_with_no_template():
    softplus = define_op("softplus_codegen_test", lambda x: math.log1p(math.exp(x)),
                         lambda x, out: (1 - engine.generic_exp(-out),))
    try:
        x = Value(0.3, "x")
        y = softplus(x) * x
        y.label = "y"
        compiled = to_python(y, [x])
        assert "softplus_codegen_test(x)" in compiled.source  # log1p(exp(x)) works on numbers only: called
        assert "(1 - exp(-softplus_codegen_test1)) * " in compiled.source  # its derivative, written out
        y.backward()
        assert_same_floats(compiled([0.3]), (y.data, (x.grad,)))
    finally:
        del OPS["softplus_codegen_test"]


def test_fixed_powers_are_exact_for_every_drawn_exponent():
    x = Value(1.7, "x")
    y = x ** 2 + x ** -1.5 + x ** 0.5
    compiled = to_python(y, [x])
    y.backward()
    assert_same_floats(compiled([1.7]), (y.data, (x.grad,)))


# ---- errors ----------------------------------------------------------------------------


def test_a_log_of_a_negative_number_raises_the_ops_own_error():
    x = Value(2.0, "x")
    compiled = to_python(x.log() * 3.0, [x])
    with pytest.raises(ValueError) as expected:
        Value(-1.0).log()
    with pytest.raises(ValueError, match="^log") as raised:
        compiled([-1.0])
    assert str(raised.value) == str(expected.value)


def test_division_by_a_variable_that_becomes_zero_is_named():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    compiled = to_python(a / b, [a, b])
    with pytest.raises(ZeroDivisionError, match="div"):
        compiled([1.0, 0.0])


def test_exp_overflow_is_named():
    x = Value(1.0, "x")
    compiled = to_python(x.exp(), [x])
    with pytest.raises(OverflowError, match="exp"):
        compiled([1000.0])


@pytest.mark.parametrize("squash", ["tanh", "sigmoid", "relu"])
def test_an_overflow_hidden_by_a_squashing_op_is_the_engines_error(squash):
    """tanh(inf) is 1 and relu(-inf) is 0: the code's value and gradients come out finite,
    yet the graph engine raises at the product. The code checks its values in between."""
    x1, w1, b = Value(2.0, "x1"), Value(-3.0, "w1"), Value(1.0, "b")
    compiled = to_python(getattr(x1 * w1 + b, squash)(), [w1, b])
    w1_big = -1e308  # 2·w1 = -inf: relu gives 0, tanh -1, sigmoid 0, all finite
    with pytest.raises(OverflowError) as expected:
        getattr(Value(2.0) * Value(w1_big) + Value(1.0), squash)()
    assert "mul(2.0, -1e+308)" in str(expected.value)
    with pytest.raises(OverflowError) as raised:
        compiled([w1_big, 1.0])
    assert str(raised.value) == str(expected.value)


def test_a_hidden_overflow_deep_in_a_big_graph_in_parts_is_caught():
    """Many checks, the big graph's form and a split into parts: an overflow in the middle,
    squashed by tanh at once, still reaches the engine (the check reads values across parts)."""
    w = Value(0.5, "w")
    h = Value(1.0, "h0")
    for i in range(300):  # at w = 1e308, h·w is 1e308 at every step, and ×4 overflows only at step 150
        h = ((h * w * 4.0 if i == 150 else h * w) + float(i % 3)).tanh()
    saved = limits.GATHER_ABOVE, limits.LINES_PER_PART, limits.CHECK_EVERY
    limits.GATHER_ABOVE, limits.LINES_PER_PART, limits.CHECK_EVERY = 0, 50, 7
    try:
        compiled = to_python(h, [w])
    finally:
        limits.GATHER_ABOVE, limits.LINES_PER_PART, limits.CHECK_EVERY = saved
    assert "def _part2(state):" in compiled.source and compiled.source.count("raise NotFinite") > 50
    h.backward()
    assert_same_floats(compiled([0.5]), (h.data, (w.grad,)))
    with pytest.raises(OverflowError, match=r"mul\(1e\+308, 4\.0\)"):
        compiled([1e308])


@pytest.mark.parametrize("wrt, problem", [
    ("not a value", TypeError),
    ("twice", ValueError),
    ("interior", ValueError),
])
def test_bad_wrt_is_refused_with_a_clear_error(wrt, problem):
    x = Value(1.0, "x")
    y = x * 2.0
    arguments = {"twice": [x, x], "interior": [y], "not a value": ["x"]}[wrt]
    with pytest.raises(problem, match="to_python"):
        to_python(y, arguments)


def test_a_wrong_number_of_values_is_refused():
    x = Value(1.0, "x")
    compiled = to_python(x * x, [x])
    with pytest.raises(TypeError, match="takes 1 number"):
        compiled([1.0, 2.0])


def test_a_hand_made_node_is_compiled_from_what_it_records_not_as_a_built_in_op():
    """Issue 24, item 4: a node made by hand with op="*" and local derivatives (6, 4) that are
    not a product's was compiled as the built-in *: (7, (3, 2)) where the engine gives
    (13, (6, 4)). It has no rule: the code uses its recorded value and local derivatives,
    and says so."""
    a, b = Value(3.0, "a"), Value(2.0, "b")
    made = Value(12.0, "m", op="*", parents=(a, b), local_grads=(6.0, 4.0))
    out = made + 1.0
    out.backward()
    assert (out.data, a.grad, b.grad) == (13.0, 6.0, 4.0)  # the engine reads what the node records
    with pytest.warns(UserWarning, match="made by hand"):
        compiled = to_python(out, [a, b])
    assert compiled([3.0, 2.0]) == (13.0, (6.0, 4.0))
    assert "m = 12.0" in compiled.source


def test_a_hand_made_node_among_the_constants_is_just_a_number():
    x = Value(1.0, "x")
    odd = Value(2.0, "", "mystery", (Value(1.0),), (4.0,))
    y = x * odd
    y.backward()
    compiled = to_python(y, [x])
    assert_same_floats(compiled([1.0]), (y.data, (x.grad,)))


# ---- the walk's details ------------------------------------------------------------------


def test_zero_upstream_times_an_infinite_local_derivative_passes_nothing_back():
    """The walk skips a node whose gradient is 0: sqrt'(0) = inf must not make 0 × inf = nan."""
    x = Value(0.0, "x")
    y = x.sqrt() * 0.0 + x
    y.backward()
    assert x.grad == 1.0
    compiled = to_python(y, [x])
    assert_same_floats(compiled([0.0]), (y.data, (x.grad,)))


def test_a_gradient_the_engine_refuses_is_refused_in_the_same_words():
    """sqrt'(0) is infinite: the engine's policy refuses an infinite gradient on a leaf, naming the edge."""
    x = Value(1.0, "x")
    y = x.sqrt() + x
    compiled = to_python(y, [x])
    at_zero = Value(0.0, "x")
    with pytest.raises(ArithmeticError) as expected:
        (at_zero.sqrt() + at_zero).backward()
    with pytest.raises(type(expected.value)) as raised:
        compiled([0.0])
    assert str(raised.value) == str(expected.value)


def test_an_error_inside_the_code_is_the_engines_error():
    x = Value(1e-100, "x")
    compiled = to_python((x * 1e200) * (x * 1e200), [x])
    with pytest.raises(OverflowError) as expected:
        (Value(3.0, "x") * 1e200) * (Value(3.0, "x") * 1e200)
    with pytest.raises(OverflowError) as raised:
        compiled([3.0])
    assert str(raised.value) == str(expected.value)


def test_shared_nodes_and_leaves_used_twice_accumulate_in_the_walks_order():
    a, b = Value(0.1, "a"), Value(0.7, "b")
    c = a * a + a * b
    d = c * c - b / c
    d.backward()
    compiled = to_python(d, [a, b])
    assert_same_floats(compiled([0.1, 0.7]), (d.data, (a.grad, b.grad)))


def test_the_root_itself_as_a_parameter_and_a_parameter_outside_the_graph():
    x, unused = Value(3.0, "x"), Value(5.0, "unused")
    compiled = to_python(x, [x, unused])
    assert compiled([4.0, 1.0]) == (4.0, (1.0, 0.0))


def test_a_root_that_does_not_depend_on_wrt_is_a_constant():
    x, c = Value(3.0, "x"), Value(2.0, "c")
    y = c * c
    compiled = to_python(y, [x])
    assert compiled([7.0]) == (4.0, (0.0,))


def test_fused_nodes_are_one_expression_each():
    w = [Value(0.5, "w1"), Value(-1.5, "w2")]
    b = Value(0.25, "b")
    h = dot(w, [2.0, 3.0], b)
    h.label = "h"
    total = add_all([h, h * h, 1.0])
    total.label = "total"
    compiled = to_python(total, [*w, b])
    if sum_compensates():  # Python 3.12 on: the code calls sum(), as the engine does
        assert "h = sum((w1 * 2.0, w2 * 3.0)) + b" in compiled.source
        assert "total = sum((h, h_h, 1.0), 0.0)" in compiled.source
    else:  # before 3.12, sum() of floats is exactly the chain 0.0 + a + b + …
        assert "h = 0.0 + w1 * 2.0 + w2 * 3.0 + b" in compiled.source
        assert "total = 0.0 + h + h_h + 1.0" in compiled.source
    total.backward()
    assert_same_floats(compiled([0.5, -1.5, 0.25]), (total.data, tuple(p.grad for p in [*w, b])))


def test_a_dot_of_values_with_values():
    w = [Value(0.5), Value(-1.5), Value(2.0)]
    x = [Value(0.2), Value(0.3), Value(-0.7)]
    h = dot(w, x).tanh()
    compiled = to_python(h, w + x)
    h.backward()
    assert_same_floats(compiled([p.data for p in w + x]), (h.data, tuple(p.grad for p in w + x)))


# ---- size: any depth, split into parts --------------------------------------------------


def test_a_graph_of_100_000_nodes_compiles_in_parts_and_agrees():
    x0 = Value(1.0, "x0")
    x = x0
    for _ in range(25_000):  # 4 nodes a step: a product, a sum and two constants
        x = x * 1.0001 + 0.0001
    compiled = to_python(x, [x0])
    x.backward()
    assert "def _part2(state):" in compiled.source
    assert_same_floats(compiled([1.0]), (x.data, (x0.grad,)))


# ---- what a reader sees ------------------------------------------------------------------


def test_the_neurons_source_fits_on_a_screen_and_reads_like_backprop():
    o, leaves = neuron()
    source = to_python(o, leaves).source
    lines = source.splitlines()
    assert len(lines) <= 40
    assert all(len(line) <= 80 for line in lines)
    assert "    x1w1 = x1 * w1" in lines
    assert "    o = tanh(n)" in lines
    assert "    grad_n = (1 - o * o) * grad_o" in lines
    assert "    grad_w1 += x1 * grad_x1w1" in lines
    assert lines[-1] == "    return o, (grad_x1, grad_x2, grad_w1, grad_w2, grad_b)"


def test_step_lines_point_at_the_line_of_each_backward_step():
    o, leaves = neuron()
    compiled = to_python(o, leaves)
    steps = list(engine.backward_steps(o))
    assert len(compiled.step_lines) == len(steps)
    for step, number in zip(steps, compiled.step_lines):
        line = compiled.source.splitlines()[number - 1]
        assert line.strip().startswith(f"grad_{step.parent.label} ")
        assert compiled.line(step.index) == line
        comment = compiled.source.splitlines()[number - 2]
        assert f"# {step.parent.label}.grad += ∂{step.node.label}/∂{step.parent.label}" in comment


def test_the_modules_examples_run():
    assert doctest.testmod(engine.codegen).failed == 0


def test_sums_are_the_chain_they_are_written_as_and_add_all_and_dot_one_expression_each():
    """sum() over Values is a chain of + nodes, as written; add_all and dot are one node each,
    compiled to the same builtin sum() the engine calls (the same floats on every Python)."""
    w = [Value(0.5, "w1"), Value(-1.5, "w2"), Value(2.5, "w3")]
    x = [Value(0.25, "x1"), Value(3.0, "x2"), Value(-1.0, "x3")]
    b = Value(0.125, "b")
    products = sum((wi * xi for wi, xi in zip(w, x)), b)
    plain = sum(x)
    fused = dot(w, x, b) * add_all(x, start=0.5)
    out = products * plain + fused
    out.label = "out"
    compiled = to_python(out, [*w, *x, b])
    out.backward()
    expected = (out.data, tuple(v.grad for v in [*w, *x, b]))
    assert_same_floats(compiled([v.data for v in [*w, *x, b]]), expected)
    assert_same_floats(replay(compiled._plan, [v.data for v in [*w, *x, b]]), expected)
    assert sum(1 for line in compiled.source.splitlines() if line.endswith(" = w1 * x1")) == 1  # the chain's product


def test_a_dot_with_number_partners_compiles_each_term_with_its_own_partner():
    """Issue 24, item 2: dot([w1, w2], [1.0, 2.0]) at w = (2, 1) compiled to 0.0 + w1 * w2 + 2.0
    (partners guessed from equal numbers): at (3, 5) it gave (17, (5, 3)); the engine, 13, (1, 2)."""
    w1, w2 = Value(2.0, "w1"), Value(1.0, "w2")
    d = dot([w1, w2], [1.0, 2.0])
    compiled = to_python(d, [w1, w2])
    assert compiled([3.0, 5.0]) == (13.0, (1.0, 2.0))
    assert engine.step_code(d) == ["grad_w1 += grad_w1_1_w2_2", "grad_w2 += 2.0 * grad_w1_1_w2_2"]
    line = engine.forward_code(d)[-1]
    assert "w1 * 1.0" in line and "w2 * 2.0" in line


@given(st.lists(st.sampled_from([0.5, 1.0, 2.0, -1.0]), min_size=1, max_size=5), st.data())
def test_dots_with_coinciding_numbers_compile_caption_and_describe_the_same_partner(numbers, data):
    """Whatever numbers coincide, code, captions and the picture's terms name the partner
    each factor was given, and the code's floats are the engine's at new numbers."""
    n = len(numbers)
    ws = [Value(x, f"w{i}") for i, x in enumerate(numbers)]
    kinds = data.draw(st.lists(st.sampled_from(["value", "number"]), min_size=n, max_size=n), label="inputs")
    xs = [Value(numbers[(i + 1) % n], f"x{i}") if kind == "value" else numbers[(i + 1) % n]
          for i, kind in enumerate(kinds)]
    d = dot(ws, xs)
    leaves = ws + [x for x in xs if isinstance(x, Value)]
    compiled = to_python(d, leaves)
    moved = [data.draw(st.floats(-3, 3), label=f"at {leaf.label}") for leaf in leaves]
    fresh = {leaf.label: Value(m, leaf.label) for m, leaf in zip(moved, leaves)}
    again = dot([fresh[w.label] for w in ws], [fresh[x.label] if isinstance(x, Value) else x for x in xs])
    again.backward()
    assert_same_floats(compiled(moved), (again.data, tuple(fresh[leaf.label].grad for leaf in leaves)))
    terms, rest = fused_terms(d)
    assert [(t[0].label, t[1].label if isinstance(t[1], Value) else t[1]) for t in terms] == \
        [(w.label, x.label if isinstance(x, Value) else x) for w, x in zip(ws, xs)] and rest == 0.0
    for step in engine.backward_steps(d):
        if step.parent in ws:
            partner = xs[ws.index(step.parent)]
        else:
            partner = ws[next(i for i, x in enumerate(xs) if x is step.parent)]
        shown = partner.label if isinstance(partner, Value) else operand(number(partner))
        assert f"= {shown} × 1 =" in step.caption(), step.caption()


def test_a_sum_of_100_000_terms_compiles():
    xs = [Value(float(i % 7) - 3.0, f"x{i}") for i in range(100_000)]
    total = add_all(xs) * 0.5
    compiled = to_python(total, xs[:3])
    total.backward()
    assert_same_floats(compiled([x.data for x in xs[:3]]), (total.data, tuple(x.grad for x in xs[:3])))


def test_step_code_gives_every_step_its_line_for_a_step_through_page():
    o, leaves = neuron()
    lines = engine.step_code(o)
    steps = list(engine.backward_steps(o))
    assert len(lines) == len(steps)
    assert lines[0] == "grad_n = (1 - o * o) * grad_o"
    assert lines[-1] == "grad_w1 += x1 * grad_x1w1"
    for step, line in zip(steps, lines):
        assert line.startswith(f"grad_{step.parent.label} ")


def test_a_dot_of_10_000_pairs_compiles():
    w = [Value(0.001 * i, f"w{i}") for i in range(10_000)]
    h = dot(w, [1.0 - 0.0002 * i for i in range(10_000)], Value(0.5, "b")).relu()
    compiled = to_python(h, w)
    h.backward()
    assert_same_floats(compiled([p.data for p in w]), (h.data, tuple(p.grad for p in w)))


def test_also_returns_more_nodes_values_and_matches_tells_graphs_apart():
    w = Value(0.5, "w")
    h = (w * 3.0).tanh()
    loss = (h - 0.25) ** 2
    compiled = to_python(loss, [w], also=[h])
    value, grads, (h_value,) = compiled([0.5])
    assert h_value == h.data and value == loss.data
    same_shape = ((Value(0.9, "w") * 3.0).tanh() - 0.25) ** 2
    other_constant = ((Value(0.9, "w") * 3.0).tanh() - 0.5) ** 2
    other_op = ((Value(0.9, "w") * 3.0).sigmoid() - 0.25) ** 2
    assert compiled.matches(same_shape, [same_shape.parents[0].parents[0].parents[0].parents[0]])
    assert not compiled.matches(other_constant, [other_constant.parents[0].parents[0].parents[0].parents[0]])
    assert not compiled.matches(other_op, [other_op.parents[0].parents[0].parents[0].parents[0]])
    with pytest.raises(ValueError, match="also"):
        to_python(loss, [w], also=[Value(1.0)])


@given(expressions(), st.data())
def test_the_big_graph_form_and_the_split_into_parts_give_the_same_floats(expr, data):
    """The form for big graphs (gradients gathered per node) and the split into parts,
    forced on small random graphs: still the engine's floats, bit for bit."""
    wrt = data.draw(st.lists(st.integers(0, len(expr.inputs) - 1), unique=True, min_size=1), label="wrt")
    lines_per_part = data.draw(st.integers(3, 40), label="lines per part")
    gathered = data.draw(st.booleans(), label="gathered")
    check_every = data.draw(st.integers(1, 5), label="values per finiteness check")
    saved = limits.GATHER_ABOVE, limits.LINES_PER_PART, limits.CHECK_EVERY
    limits.GATHER_ABOVE, limits.LINES_PER_PART = (0 if gathered else 10**9), lines_per_part
    limits.CHECK_EVERY = check_every
    try:
        compiled = compile_expression(expr, wrt)
    finally:
        limits.GATHER_ABOVE, limits.LINES_PER_PART, limits.CHECK_EVERY = saved
    assert compiled._gathered == gathered
    assert_same_floats(compiled([expr.inputs[i] for i in wrt]), engine_result(expr, expr.inputs, wrt))


def test_a_dot_mixing_values_and_numbers_on_one_side_compiles_from_its_layout():
    # f = x0·x1 + 2·x2 + x2·x0 + b: at (1, 3, -2) it is 3 − 4 − 2 + 0.25, with
    # ∂/∂x0 = x1 + x2 = 1, ∂/∂x1 = x0 = 1, ∂/∂x2 = 2 + x0 = 3 (worked by hand);
    # a layout guessed from the numbers gave -3.0 and (0.5, 0.5, 2.5); the recorded one is right
    xs = [Value(0.5, "x0"), Value(-1.5, "x1"), Value(2.0, "x2")]
    f = dot([xs[0], 2.0, xs[2]], [xs[1], xs[2], xs[0]], Value(0.25, "b"))
    compiled = to_python(f, xs)
    assert compiled([1.0, 3.0, -2.0]) == (-2.75, (1.0, 1.0, 3.0))
    ys = [Value(1.0), Value(3.0), Value(-2.0)]
    g = dot([ys[0], 2.0, ys[2]], [ys[1], ys[2], ys[0]], Value(0.25))
    g.backward()
    assert (g.data, [y.grad for y in ys]) == (-2.75, [1.0, 1.0, 3.0])
