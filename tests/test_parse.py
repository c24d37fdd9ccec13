"""engine.parse: a formula as text becomes the same graph the operators build, or a clear error."""

import math
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import engine
from engine import FormulaError, Value, define_op, generic_exp, parse, topological_order
from engine.parse import LABEL_LIMIT, MAX_LENGTH, MAX_NESTING
from engine.strategies import expressions


def leaves_by_label(root):
    return {v.label: v for v in topological_order(root) if not v.parents and v.label}


# ---- what a formula computes --------------------------------------------------------


def test_micrograds_neuron_from_text_gives_its_closed_form_gradients():
    o = parse("tanh(x1*w1 + x2*w2 + b)", x1=2, x2=0, w1=-3, w2=1, b=6.8813735870195432)
    assert o.data == pytest.approx(1 / math.sqrt(2), abs=1e-12)
    o.backward()
    slope = 1 - o.data**2  # d tanh(n)/dn
    leaf = leaves_by_label(o)
    assert leaf["w1"].grad == pytest.approx(2 * slope)      # x1·(1 − o²)
    assert leaf["x1"].grad == pytest.approx(-3 * slope)     # w1·(1 − o²)
    assert leaf["w2"].grad == 0.0                           # x2 = 0
    assert leaf["x2"].grad == pytest.approx(1 * slope)
    assert leaf["b"].grad == pytest.approx(slope)


def test_every_name_is_one_leaf_so_its_uses_add_up():
    f = parse("x*x + 3*x", x=2.0)
    f.backward()
    (x,) = leaves_by_label(f).values()
    assert (f.data, x.grad) == (10.0, 2 * 2.0 + 3)


def test_labels_read_like_the_formula():
    o = parse("tanh(x1*w1 + x2*w2 + b)", x1=2, x2=0, w1=-3, w2=1, b=1)
    labels = [v.label for v in topological_order(o)]
    assert labels[-1] == o.label == "f"
    assert {"x1", "w1", "x2", "w2", "b", "(x1*w1)", "(x2*w2)", "(x1*w1+x2*w2)", "(x1*w1+x2*w2+b)"} <= set(labels)
    assert parse("f * g", f=1, g=2).label == "out"  # f is taken
    inner = parse("exp(tanh(x) + sqrt(x)) * 2", x=1.0).parents[0]
    assert inner.label == "exp(tanh(x)+sqrt(x))" and inner.parents[0].label == "(tanh(x)+sqrt(x))"
    terms = " + ".join(["x"] * 13)
    long = parse(f"2 * ({terms})", x=1.0).parents[1]
    assert long.label == "" and len("(" + terms.replace(" ", "") + ")") > LABEL_LIMIT
    labels = {v.label for v in topological_order(long)}
    assert "(" + "+".join(["x"] * 11) + ")" in labels and "(" + "+".join(["x"] * 12) + ")" not in labels


def test_definitions_name_their_nodes_and_the_last_one_is_the_result():
    o = parse("n = x1*w1 + x2*w2 + b; o = tanh(n)", x1=2, x2=0, w1=-3, w2=1, b=6.8813735870195432)
    assert o.label == "o" and o.parents[0].label == "n"
    assert parse("n = x + 1\n2 * n", x=1.0).data == 4.0
    shared = parse("t = x*y; tanh(t) + t", x=0.5, y=2.0)
    t = [v for v in topological_order(shared) if v.label == "t"]
    assert len(t) == 1  # one node used twice, not two copies


def test_numbers_with_numbers_are_worked_out_and_numbers_with_values_are_constants():
    x = Value(-2.0, "x")
    f = parse("x ** (1/2 + 3/2)", x=x)  # x ** 2, fine for negative x
    assert f.data == 4.0 and f.parents == (x,)
    assert parse("x * -1", x=3.0).local_grads == (-1.0, 3.0)
    assert parse("2 ** x", x=3.0).data == 8.0
    assert parse("2 * 3").data == 6.0 and parse("2 * 3").parents == ()


def test_a_value_given_is_used_as_the_leaf_itself():
    x = Value(3.0)
    f = parse("x * x", x=x)
    f.backward()
    assert x.label == "x" and x.grad == 6.0


def test_any_op_in_the_table_can_be_called_including_a_students_own():
    softplus = define_op("softplus_for_parse_test", lambda x: math.log1p(math.exp(x)),
                         lambda x, out: (1 - generic_exp(-out),))
    f = parse("softplus_for_parse_test(x) + add(x, 1) + sigmoid(x) + relu(x) + abs(x) + sqrt(x) + exp(log(x))", x=2.0)
    expected = math.log1p(math.e**2) + 3 + 1 / (1 + math.exp(-2)) + 2 + 2 + math.sqrt(2) + 2
    assert f.data == pytest.approx(expected)
    assert softplus is not None


def test_a_long_flat_sum_is_not_nesting_and_walks_without_recursion():
    formula = " + ".join(["x"] * 1000)  # 3997 characters, an AST 1000 deep
    assert len(formula) <= MAX_LENGTH
    f = parse(formula, x=0.5)
    f.backward()
    assert f.data == 500.0 and leaves_by_label(f)["x"].grad == 1000.0


def test_the_result_works_in_a_stepper():
    import viz

    f = parse("x*y", x=4, y=-3)
    stepper = viz.Stepper(f)
    x, y = leaves_by_label(f)["x"], leaves_by_label(f)["y"]
    assert len(stepper) == 3 and stepper.goto(2).grads[x] == -3.0 and stepper.grads[y] == 4.0


# ---- errors: what, and where ----------------------------------------------------------

REFUSED = [
    # formula, what the message names, the caret's column (1-based) and width
    ("log(x) + y.z", "attributes", 10, 3),
    ("x[0] + 1", "subscripts", 1, 4),
    ("lambda: 1", "lambdas", 1, 9),
    ("[a for a in b]", "comprehensions", 1, 14),
    ("x ^ y", "the operator ^", 3, 1),
    ("x // y", "the operator //", 3, 2),
    ("x < y", "comparisons", 1, 5),
    ("foo(x)", "unknown function foo", 1, 3),
    ("__import__('os')", "unknown function __import__", 1, 10),
    ("x.__class__", "attributes", 1, 11),
    ("exp(x, y)", "exp takes 1 input, got 2", 1, 9),
    ("exp(x=1)", "by position", 7, 1),
    ("exp + 1", "exp is a function", 1, 3),
    ("'text' + x", "str values", 1, 6),
    ("True * x", "True/False", 1, 4),
    ("x +", "not a formula", 4, 1),
    ("import os", "statement", 1, 9),
    ("x; y", "only the last part", 1, 1),
    ("x if y else 2", "if/else", 1, 13),
    ("1e400 * x", "too large", 1, 5),
    ("(-8) ** (1/3) + x", "not a real number", 1, 13),
]


@pytest.mark.parametrize("formula, named, column, width", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_syntax_is_a_formula_error_with_a_caret_under_it(formula, named, column, width):
    with pytest.raises(FormulaError) as caught:
        parse(formula, **{name: 1.0 for name in ("x", "y", "a", "b") if re.search(rf"\b{name}\b", formula)})
    error = caught.value
    assert isinstance(error, ValueError)
    assert named in error.problem
    assert (error.column, error.width) == (column, width)
    lines = str(error).splitlines()
    assert lines[1] == "  " + formula and lines[2] == "  " + " " * (column - 1) + "^" * width


def test_the_caret_counts_characters_not_bytes_and_wide_characters_twice():
    with pytest.raises(FormulaError) as caught:
        parse("é + ö.x", **{"é": 1.0})
    assert caught.value.column == 5
    assert str(caught.value).splitlines()[2] == "      ^^^"
    with pytest.raises(FormulaError) as caught:
        parse("权重 * x.y", **{"权重": 1.0})  # each of 权重 takes two columns on a terminal
    assert caught.value.column == 6
    assert str(caught.value).splitlines()[1:3] == ["  权重 * x.y", "         ^^^"]


def test_missing_and_unused_values_are_listed_together():
    with pytest.raises(FormulaError) as caught:
        parse("tanh(x1*w1 + x2*w2 + b)", x1=2, z=1, q=2)
    message = str(caught.value)
    assert "no value for w1, x2, w2, b" in message
    assert "does not use: z, q" in message
    assert caught.value.column == 9  # the first missing name, w1


def test_a_definition_cannot_clash_or_come_late():
    for formula, values, problem in [("x = 1; x", {"x": 2}, "also given a value"),
                                     ("n = 1; n = 2; n", {}, "defined twice"),
                                     ("exp = 1; exp", {}, "exp is a function"),
                                     ("m = n; n = 1", {}, "used before its definition")]:
        with pytest.raises(FormulaError, match=problem):
            parse(formula, **values)


def test_domain_errors_point_at_the_part_that_failed():
    with pytest.raises(FormulaError) as caught:
        parse("x * log(y)", x=1.0, y=-1.0)
    assert "log(y) cannot be computed here: log(-1.0): log needs a positive input" in caught.value.problem
    assert (caught.value.column, caught.value.width) == (5, 6)
    with pytest.raises(FormulaError, match="division by zero"):
        parse("1 / (x - x)", x=1.0)
    with pytest.raises(FormulaError, match="too large"):
        parse("x * y", x=1e200, y=1e200)  # inf is refused, not passed on


def test_too_long_and_too_deep_are_refused_before_python_gives_up():
    with pytest.raises(FormulaError, match=f"the limit is {MAX_LENGTH}"):
        parse("x+" * MAX_LENGTH + "x", x=1.0)
    with pytest.raises(FormulaError, match="parentheses nested more than"):
        parse("(" * (MAX_NESTING + 1) + "x" + ")" * (MAX_NESTING + 1), x=1.0)
    with pytest.raises(FormulaError, match="nested"):
        parse("-" * 3000 + "x", x=1.0)  # Python's own parser raises RecursionError on this
    with pytest.raises(FormulaError, match=f"more than {MAX_NESTING} levels"):
        parse("x**" * (MAX_NESTING + 1) + "x", x=1.0)
    assert parse("(" * MAX_NESTING + "x" + ")" * MAX_NESTING, x=1.0).data == 1.0


def test_the_caret_line_fits_a_terminal_for_a_long_formula():
    with pytest.raises(FormulaError) as caught:
        parse(" + ".join(["x"] * 500) + " + y.z", x=1.0)
    lines = str(caught.value).splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[1][len(lines[2]) - 3:len(lines[2])] == "y.z"  # the caret is under the attribute


def test_wrong_argument_types_are_named():
    with pytest.raises(TypeError, match="str"):
        parse(42)
    with pytest.raises(TypeError, match="the value of x needs a real number, got str"):
        parse("x", x="1")
    with pytest.raises(FormulaError, match="empty"):
        parse("   ")


# ---- properties ------------------------------------------------------------------------


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(expressions(max_leaves=4, max_ops=25))
def test_an_expression_printed_as_a_formula_parses_back_to_the_same_numbers(expr):
    leaves = expr.leaves()
    direct = expr(*leaves)
    direct.backward()
    values = {leaf.label: leaf.data for leaf in leaves}
    parsed = parse(expr.formula(), **{name: x for name, x in values.items() if name in expr.formula()})
    parsed.backward()
    assert parsed.data == direct.data
    parsed_leaves = leaves_by_label(parsed)
    for leaf in leaves:
        if leaf.label in parsed_leaves:
            assert parsed_leaves[leaf.label].grad == leaf.grad, expr.formula()
        else:
            assert leaf.grad == 0.0  # a name the formula does not mention gets no gradient


TOKENS = ["x", "y", "1", "2.5", "0", "1e308", "-", "+", "*", "/", "**", "(", ")", "(", ")", ",", " ",
          "exp", "log", "tanh", "sqrt", "relu", "abs", "sigmoid", "pow", "n", "=", ";", ".", "[", "]", "lambda",
          ":", "'", "\n", "é", "//", "if", "\\", "#", "@", "1j", "True", "__import__", "\x00"]


@given(st.one_of(st.text(max_size=60), st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)))
def test_the_parser_only_ever_returns_a_value_or_raises_its_own_error(text):
    for values in ({}, {"x": 0.5, "y": -2.0}, {"x": 0.5}):
        try:
            result = parse(text, **values)
        except FormulaError as error:
            assert error.problem and str(error)
            if error.column is not None:
                assert str(error).split("\n")[2].strip(" ").startswith("^")
            continue
        assert isinstance(result, Value) and math.isfinite(result.data)


def test_the_module_docstring_example_runs():
    import doctest
    import importlib

    module = importlib.import_module("engine.parse")  # `engine.parse` itself is the function
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted >= 3


def test_the_percent_operator_follows_the_op_table():
    from engine import OPS

    if any(getattr(op, "symbol", None) == "%" for op in OPS.values()):
        f = parse("x % y", x=7.5, y=2.0)
        f.backward()
        assert f.data == 7.5 % 2.0 == 1.5
        assert [p.grad for p in f.parents] == [1.0, -(7.5 // 2.0)]
    else:
        with pytest.raises(FormulaError, match="the operator % is not allowed"):
            parse("x % y", x=7.5, y=2.0)


def test_spaces_around_a_formula_are_not_an_indent():
    assert parse("  x * y \n", x=2.0, y=3.0).data == 6.0


# ---- issue 24: unary plus, control characters, Unicode names, work per formula -------------


def test_unary_plus_changes_nothing_and_makes_no_node():
    # (was: TypeError, bad operand type for unary +: 'Value')
    x = parse("+x", x=1.5)
    assert (x.data, x.label, x.parents) == (1.5, "x", ())  # the leaf itself, keeping its name
    f = parse("x*+y", x=2.0, y=-3.0)
    assert f.data == -6.0 and [p.label for p in f.parents] == ["x", "y"] and f.label == "f"
    g = parse("+(x*y)", x=2.0, y=-3.0)
    assert g.data == -6.0 and g.op is engine.OPS["mul"] and [p.label for p in g.parents] == ["x", "y"] and g.label == "f"
    assert parse("-+x", x=2.0).data == -2.0 and parse("+2 * x", x=3.0).data == 6.0
    mine = Value(4.0, "mine")
    assert parse("+x", x=mine) is mine and mine.label == "mine"  # a Value the caller holds keeps its name
    held = Value(2.0) * Value(3.0)
    held.label = "held"
    assert parse("n = +x; n", x=held) is held and held.label == "held"


HOSTILE = "\x1b]0;owned\x07\x1b[31m"  # set the terminal's title, ring the bell, turn the text red


def test_control_characters_in_a_comment_are_shown_as_escapes_in_errors():
    with pytest.raises(FormulaError) as caught:
        parse(f"x * log(y) # {HOSTILE}", x=1.0, y=-1.0)
    message = str(caught.value)
    assert not any(ch in message for ch in "\x1b\x07")
    lines = message.splitlines()
    assert lines[1] == "  x * log(y) # \\x1b]0;owned\\x07\\x1b[31m"
    assert lines[2] == "      ^^^^^^"  # still under log(y)
    # a node's own text may span a comment (inside brackets): escaped in the problem too
    with pytest.raises(FormulaError) as caught:
        parse(f"(y # {HOSTILE}\n * 1) ** 0.5 + x", x=1.0, y=-1.0)
    assert "\x1b" not in str(caught.value) and "\\x1b" in str(caught.value)
    with pytest.raises(FormulaError) as caught:
        parse(f"x +\t# {HOSTILE}\n", x=1.0)  # Python's own syntax error, on a line with a comment
    assert not any(ch in str(caught.value) for ch in "\x1b\x07\t")


def test_a_label_never_holds_a_comment():
    f = parse(f"(x # {HOSTILE}\n * y) + 1", x=2.0, y=3.0)
    product = f.parents[0]
    assert product.data == 6.0 and product.label == ""  # named from its parents in pictures instead
    assert parse("(x\n * y) + 1", x=2.0, y=3.0).parents[0].label == "(x*y)"


@pytest.mark.parametrize("formula, written, read", [("𝐱 * y", "𝐱", "x"), ("ﬁ + y", "ﬁ", "fi"),
                                                     ("n = y; ｎ", "ｎ", "n"), ("𝐞xp(y)", "𝐞xp", "exp")])
def test_a_name_python_would_read_as_another_is_refused_saying_which(formula, written, read):
    # Python's parser NFKC-normalises names: 𝐱 would silently be x, ﬁ and fi one name
    with pytest.raises(FormulaError) as caught:
        parse(formula, **{"x": 1.0, "y": 2.0, "fi": 3.0} if "exp" not in read else {"y": 2.0})
    assert f"the name {written} is read by Python as {read}" in caught.value.problem
    assert (caught.value.column, caught.value.width) == (formula.index(written) + 1, len(written))


def test_a_value_given_under_a_name_python_would_read_as_another_is_refused():
    with pytest.raises(FormulaError, match="a value is given for 𝐱, which Python reads as x"):
        parse("x * y", **{"𝐱": 1.0, "y": 2.0})


def test_a_formula_is_read_once_and_no_node_rescans_the_text(monkeypatch):
    """Issue 24 item 5: ast.get_source_segment per node cost the whole formula each time."""
    import ast

    calls = {"parse": 0, "segment": 0}
    real_parse, real_segment = ast.parse, ast.get_source_segment

    def counting_parse(*args, **kwargs):
        calls["parse"] += 1
        return real_parse(*args, **kwargs)

    def counting_segment(*args, **kwargs):
        calls["segment"] += 1
        return real_segment(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting_parse)
    monkeypatch.setattr(ast, "get_source_segment", counting_segment)
    names = [f"x{i}" for i in range(300)]
    f = parse(" + ".join(f"tanh({name})" for name in names), **{name: 0.5 for name in names})
    assert f.data == pytest.approx(300 * math.tanh(0.5))
    assert calls == {"parse": 1, "segment": 0}


# ---- Formula.value_at: the value at many points, without a graph per point --------------


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(expressions(max_leaves=4, max_ops=25), st.data())
def test_value_at_gives_the_same_float_as_building_the_graph_or_the_same_refusal(expr, data):
    from engine.parse import Formula

    formula = Formula(expr.formula())
    names = [name for name in formula.names() if name not in ("f", "out")]
    values = {leaf.label: leaf.data for leaf in expr.leaves() if leaf.label in names}
    assume(set(values) == set(names))
    value_at = formula.value_at(names, values)
    assert value_at([values[name] for name in names]) == formula.build(values).data
    for _ in range(3):
        moved = dict(values)
        for name in data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2)):
            moved[name] += data.draw(st.sampled_from([1e-6, -1e-6, 0.25, -3.0]))
        try:
            expected = formula.build(moved).data
        except FormulaError:
            with pytest.raises((ValueError, ArithmeticError)):
                value_at([moved[name] for name in names])
            continue
        assert value_at([moved[name] for name in names]) == expected


def test_value_at_replays_a_students_op_and_recomputes_only_what_a_name_reaches(monkeypatch):
    from engine import OPS
    from engine.parse import Formula

    monkeypatch.setitem(OPS, "softplus_for_value_at_test", None)  # out of the table again at the end
    softplus = define_op("softplus_for_value_at_test", lambda x: math.log1p(math.exp(x)),
                         lambda x, out: (1 - generic_exp(-out),))
    formula = Formula("softplus_for_value_at_test(x * w) + tanh(b) + 2 ** y + y ** 3 + (x - 1) / w")
    values = {"x": 0.5, "w": -2.0, "b": 0.25, "y": 1.5}
    value_at = formula.value_at(["x", "b", "y"], values)
    for point in ([0.75, 0.25, 1.5], [0.5, -1.0, 1.5], [0.5, 0.25, -2.0]):
        expected = formula.build(dict(values, x=point[0], b=point[1], y=point[2])).data
        assert value_at(point) == expected
    # moving b recomputes tanh(b) and the four + after it, not x*w, softplus, 2**y, y**3, x-1, /w
    assert len(value_at._steps_reading((1,))) == 5 and len(value_at._steps_reading((0,))) == 8
    with pytest.raises(ZeroDivisionError):
        Formula("x / y").value_at(["y"], {"x": 1.0, "y": 2.0})([0.0])
    assert softplus is not None
