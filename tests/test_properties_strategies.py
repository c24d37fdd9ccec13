"""engine.strategies as a feature: what it draws, how it prints, how it fails on bad input."""

from __future__ import annotations

import doctest
import math
import subprocess
import sys

import pytest
from hypothesis import given, settings

import engine
import engine.strategies
from engine import OPS, Value, define_op, gradcheck
from engine.core.ops import add, div, mul, neg, power_by, sub, tanh
from engine.strategies import BOUND, MARGIN, Constant, Expression, Step, expressions, values


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


@pytest.fixture
def ops_table_restored():
    """Lets a test register ops in engine.OPS, and takes them out again afterwards."""
    before = dict(OPS)
    yield OPS
    OPS.clear()
    OPS.update(before)


# ---- hypothesis stays optional -----------------------------------------------------


def test_importing_engine_does_not_import_hypothesis():
    result = run_python("import sys, engine; engine.Value(1.0).exp().backward(); print('hypothesis' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_without_hypothesis_the_error_names_the_dev_extra():
    result = run_python("import sys; sys.modules['hypothesis'] = None; import engine.strategies")
    assert "ImportError" in result.stderr
    assert "pip install 'stepgrad[dev]'" in result.stderr


# ---- printing ----------------------------------------------------------------------

x0, x1, x2 = 0, 1, 2  # node indices of the inputs, for hand-made expressions


@pytest.mark.parametrize("steps, formula", [
    ([Step(mul, (x0, x1)), Step(tanh, (3,)), Step(add, (4, x0))], "tanh(x0 * x1) + x0"),
    ([Step(sub, (x1, x2)), Step(sub, (x0, 3))], "x0 - (x1 - x2)"),
    ([Step(sub, (x0, x1)), Step(sub, (3, x2))], "x0 - x1 - x2"),
    ([Step(add, (x0, x1)), Step(mul, (3, x2))], "(x0 + x1) * x2"),
    ([Step(mul, (x0, x1)), Step(neg, (3,))], "-(x0 * x1)"),
    ([Step(neg, (x0,)), Step(power_by(2.0), (3,), 2.0)], "(-x0) ** 2"),
    ([Step(div, (Constant(2.0), x0)), Step(mul, (3, Constant(-1.0)))], "2 / x0 * -1"),
    ([Step(mul, (x0, x1)), Step(tanh, (3,)), Step(add, (4, 3))], "t0 = x0 * x1; tanh(t0) + t0"),
])
def test_an_expression_prints_as_a_formula_with_only_the_parentheses_it_needs(steps, formula):
    assert Expression((0.5, -1.0, 2.0), steps).formula() == formula


def run_formula(formula: str, point: str) -> float:
    """Run printed text as Python: `point` ("x0=0.5, x1=-1.0") binds the inputs,
    each op name is bound to its forward rule, then `formula` is evaluated."""
    namespace = {name: op.forward for name, op in OPS.items()}
    *definitions, result = point.split(", ") + formula.split("; ")
    for definition in definitions:
        exec(definition, namespace)
    return eval(result, namespace)


def point_of(expr: Expression) -> str:
    return ", ".join(f"x{i}={x!r}" for i, x in enumerate(expr.inputs))


@given(expressions())
def test_the_formula_computes_exactly_what_the_expression_builds(expr):
    assert run_formula(expr.formula(), point_of(expr)) == expr(*expr.inputs).data


@given(expressions())
def test_a_drawn_expression_reprs_as_its_formula_and_point(expr):
    assert repr(expr) == f"{expr.formula()}   at {point_of(expr)}"
    # What a failing test prints is enough to rerun the example by hand, to the last bit.
    formula, point = repr(expr).split("   at ")
    assert run_formula(formula, point) == expr(*expr.inputs).data


def test_the_module_docstring_examples_run():
    result = doctest.testmod(engine.strategies)
    assert result.failed == 0 and result.attempted > 0


# ---- what is drawn -----------------------------------------------------------------


@given(expressions(max_leaves=3, max_ops=7))
def test_sizes_stay_within_the_limits(expr):
    assert 1 <= len(expr.inputs) <= 3
    assert len(expr.steps) <= 7


@given(expressions())
def test_every_op_input_keeps_clear_of_domain_edges_and_kinks(expr):
    leaves = expr.leaves()
    nodes = expr.nodes(*leaves)
    assert all(-5 <= x <= 5 for x in expr.inputs)
    for step, node in zip(expr.steps, nodes[len(leaves):]):
        xs = [p.data for p in node.parents]
        name = step.op.name
        if name in ("log", "sqrt") or (name == "pow" and (step.exponent is None or step.exponent % 1)):
            assert xs[0] >= MARGIN, f"{name} of {xs[0]}"
        if name in ("relu", "abs"):
            assert abs(xs[0]) >= MARGIN, f"{name} of {xs[0]}"
        assert abs(node.data) <= BOUND and all(abs(g) <= BOUND for g in node.local_grads)
        node.backward()
        assert all(abs(x.grad) <= BOUND * (1 + 1e-9) for x in leaves)
        for x in leaves:
            x.grad = 0.0


def sample(strategy, n: int = 200) -> list:
    """`n` examples of `strategy`, the same ones every run (a fixed budget: this measures variety)."""
    examples = []

    @settings(max_examples=n, database=None, derandomize=True)
    @given(strategy)
    def collect(example):
        examples.append(example)

    collect()
    return examples


def test_drawn_graphs_share_sub_expressions_and_use_every_kind_of_step():
    drawn = sample(expressions())
    kinds = {step.op.name if step.exponent is None else f"x ** {step.exponent:g}" for e in drawn for step in e.steps}
    assert kinds >= set(OPS) | {"x ** 2", "x ** 3", "x ** -1", "x ** 0.5", "x ** -2"}
    assert sum("; " in e.formula() for e in drawn) >= len(drawn) // 4, "too few shared sub-expressions"
    assert any(isinstance(o, Constant) for e in drawn for step in e.steps for o in step.operands)
    assert max(len(e.steps) for e in drawn) >= 30 and max(len(e.inputs) for e in drawn) == 5


# ---- ops a student defines ---------------------------------------------------------


def atanh_domain(x):
    return ValueError("atanh needs -1 < x < 1") if not -1 < x < 1 else None


atanh = define_op("atanh", math.atanh, lambda x, out: (1 / (1 - x * x),), domain=atanh_domain, register=False)
hinge = define_op("hinge", lambda x: max(0.0, 1 - x), lambda x, out: (-1.0 if x < 1 else 0.0,), kinks=(1.0,),
                  register=False)


@given(expressions(ops=[atanh, hinge, "tanh", "mul", "add"]))
def test_a_student_op_is_drawn_inside_its_domain_and_away_from_its_kinks(expr):
    nodes = expr.nodes(*expr.leaves())
    for step, node in zip(expr.steps, nodes[len(expr.inputs):]):
        if step.op is atanh:
            assert -1 + MARGIN <= node.parents[0].data <= 1 - MARGIN
        if step.op is hinge:
            assert abs(node.parents[0].data - 1) >= MARGIN
    gradcheck(expr, expr.inputs)


def test_a_student_op_appears_in_drawn_graphs():
    assert any(step.op is atanh for e in sample(expressions(ops=[atanh, "tanh", "mul"])) for step in e.steps)


def test_a_newly_registered_op_is_drawn_without_changing_the_strategies(ops_table_restored):
    define_op("softplus", lambda x: math.log1p(math.exp(x)), lambda x, out: (1 - engine.generic_exp(-out),))
    with_softplus = [e for e in sample(expressions()) if "softplus(" in e.formula()]
    assert with_softplus
    for expr in with_softplus:
        gradcheck(expr, expr.inputs)


# ---- rebuilding elsewhere ----------------------------------------------------------


def test_a_table_of_functions_rebuilds_the_expression_in_another_library():
    expr = Expression((0.5, -1.0), [Step(mul, (x0, x1)), Step(tanh, (2,)), Step(power_by(2.0), (3,), 2.0)])
    as_text = {"mul": lambda a, b: f"({a}·{b})", "tanh": lambda a: f"tanh{a}", "pow": lambda a, n: f"{a}^{n:g}"}
    assert expr.nodes("a", "b", table=as_text)[-1] == "tanh(a·b)^2"
    with pytest.raises(KeyError, match="no function for the op 'tanh'"):
        expr.nodes("a", "b", table={"mul": as_text["mul"]})
    with pytest.raises(TypeError, match="takes 2 input"):
        expr(1.0)
    assert isinstance(expr(Value(1.0), 2.0), Value)


def test_the_dev_profile_keeps_the_database_and_the_ci_profile_is_derandomized():
    # A developer's run searches at random and replays any failure it ever saved
    # (saving is hypothesis's job; ours is not to switch it off in tests/conftest.py);
    # CI runs the same examples every time, so a landing depends on the code alone.
    dev, ci = settings.get_profile("dev"), settings.get_profile("ci")
    assert dev.database is not None and not dev.derandomize
    assert ci.derandomize and ci.max_examples >= 500


# ---- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize("call, error, message", [
    (lambda: expressions(ops=["nope"]), ValueError, "no op named 'nope'"),
    (lambda: expressions(ops=[]), ValueError, "no ops to draw from"),
    (lambda: expressions(ops=[42]), TypeError, "op names or Op objects"),
    (lambda: expressions(max_leaves=0), ValueError, "max_leaves must be a whole number >= 1"),
    (lambda: expressions(max_ops=2.5), ValueError, "max_ops must be a whole number >= 1"),
    (lambda: expressions(powers=["two"]), ValueError, "a power must be a finite number"),
    (lambda: values(min_value=1, max_value=0), ValueError, "min_value 1 is above max_value 0"),
    (lambda: values(max_value=math.inf), ValueError, "max_value must be a finite number"),
])
def test_bad_arguments_get_an_error_naming_the_problem(call, error, message):
    with pytest.raises(error, match=message):
        call()
