"""The engine's laws, each checked over hundreds of random expression graphs.

The graphs come from `engine.strategies.expressions()`: up to 5 inputs, up to 40
ops drawn from `engine.OPS` plus small fixed powers, shared sub-expressions
included, every op kept inside its domain and away from its kinks. A failing
example prints as a formula, e.g. ``tanh(x0 * x1) + x0   at x0=0.5, x1=-1.0``.

Each property compares the engine with something independent of the code under
test: central differences, a replay of the step records, closed-form derivatives,
the chains of binary ops that `add_all` and `dot` replace, or PyTorch in float64.
"""

from __future__ import annotations

import math
import operator

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import engine.core.ops
from engine import (
    Constant, GradcheckError, Op, OPS, Value, add_all, backward_steps, define_op, dot, forward_grad, generic_exp, gradcheck,
    topological_order, zero_grad,
)
from engine.strategies import DEFAULT_POWERS, expressions, values

# Sums of up to ~40 terms below 100 in size: anything past this is a real difference, not rounding.
TOLERANCE = 1e-9


def build(expr):
    """A fresh graph of `expr` at its drawn point: (output, input leaves, every node)."""
    leaves = expr.leaves()
    nodes = expr.nodes(*leaves)
    return nodes[-1], leaves, nodes


def evaluate(expr, make=lambda nodes: nodes[-1]) -> tuple[float, list[float]]:
    """make(nodes) on a fresh graph of `expr`: its value, and d value / d input for every input."""
    leaves = expr.leaves()
    out = make(expr.nodes(*leaves))
    out.backward()
    return out.data, [x.grad for x in leaves]


def gradients(expr, make=lambda nodes: nodes[-1]) -> list[float]:
    """d make(nodes) / d input for every input, by `backward()` on a fresh graph of `expr`."""
    return evaluate(expr, make)[1]


def close(a: float, b: float, scale: float = 1.0) -> bool:
    """a ≈ b, up to rounding; `scale` is the size of the terms summed on the way (rounding grows with it)."""
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE * max(1.0, scale))


def assert_all_close(got, expected, scale: float = 1.0):
    assert len(got) == len(expected)
    assert all(close(g, e, scale) for g, e in zip(got, expected)), f"{got} != {expected}"


def reachable(root: Value) -> set:
    """Every node `root` depends on, found by an explicit stack (independent of topological_order)."""
    seen, stack = {root}, [root]
    while stack:
        for parent in stack.pop().parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


# ---- 1. reverse mode equals central differences ------------------------------------


@given(expressions())
def test_backward_agrees_with_central_differences(expr):
    gradcheck(expr, expr.inputs)


# ---- 2. reverse mode equals PyTorch float64 ----------------------------------------

#: The engine's own ops: the `Op`s defined at the top level of engine.core.ops.
BUILTIN_OPS = sorted(op.name for op in vars(engine.core.ops).values() if isinstance(op, Op) and OPS.get(op.name) is op)


def torch_twins(torch) -> dict:
    """Each built-in op's PyTorch function, by op name (x ** n runs as pow(x, n))."""
    return {
        "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
        "neg": operator.neg, "pow": operator.pow, "abs": torch.abs, "exp": torch.exp, "log": torch.log,
        "sqrt": torch.sqrt, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
        "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "arcsin": torch.asin, "arccos": torch.acos,
        "arctan": torch.atan, "floor": torch.floor, "ceil": torch.ceil, "trunc": torch.trunc, "round": torch.round,
        # a constant operand arrives as a plain float: these two want tensors on both sides
        "arctan2": lambda y, x: torch.atan2(torch.as_tensor(y), torch.as_tensor(x)),
        "mod": lambda x, y: torch.remainder(torch.as_tensor(x), torch.as_tensor(y)),
    }


@pytest.mark.parity
def test_every_builtin_op_has_a_pytorch_twin(torch):
    assert set(BUILTIN_OPS) == set(torch_twins(torch)), "a new built-in op needs its PyTorch twin here"


@pytest.mark.parity
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # `torch` is a module: nothing to reset
@given(expr=expressions(ops=BUILTIN_OPS, powers=DEFAULT_POWERS))
def test_gradients_agree_with_pytorch_float64(torch, expr):
    value, grads = evaluate(expr)
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in expr.inputs]
    torch_out = expr.nodes(*tensors, table=torch_twins(torch))[-1]
    torch_out.backward()
    torch_grads = [0.0 if t.grad is None else t.grad.item() for t in tensors]
    assert close(value, torch_out.item(), abs(value))
    assert_all_close(grads, torch_grads)


# ---- 3. linearity ------------------------------------------------------------------


@given(expressions(), values(), values(), st.data())
def test_gradient_is_linear(expr, a, b, data):
    k = data.draw(st.integers(0, len(expr.inputs) + len(expr.steps) - 1), label="g = node")
    grad_f = gradients(expr)
    grad_g = gradients(expr, lambda nodes: nodes[k])
    grad_sum = gradients(expr, lambda nodes: a * nodes[-1] + b * nodes[k])
    expected = [a * f + b * g for f, g in zip(grad_f, grad_g)]
    assert_all_close(grad_sum, expected, scale=max(abs(a) + abs(b), 1.0) * 100)


# ---- 4. a second backward doubles the leaves, zero_grad resets ----------------------


@given(expressions())
def test_backward_twice_doubles_leaf_grads_and_zero_grad_starts_over(expr):
    out, leaves, nodes = build(expr)
    interior = nodes[len(leaves):]
    out.backward()
    first_leaves, first_interior = [x.grad for x in leaves], [v.grad for v in interior]

    out.backward()
    # Interior gradients are recomputed, not accumulated: bit for bit the same.
    assert [v.grad for v in interior] == first_interior
    # Leaves accumulate. Twice, up to rounding: g + c1 + c2 need not round like 2·(c1 + c2).
    assert_all_close([x.grad for x in leaves], [2 * g for g in first_leaves], scale=100)

    zero_grad(out)
    out.backward()
    assert [x.grad for x in leaves] == first_leaves
    assert [v.grad for v in interior] == first_interior


# ---- 5. topological order ----------------------------------------------------------


@given(expressions())
def test_topological_order_puts_every_node_after_its_parents_once(expr):
    out, _, _ = build(expr)
    order = topological_order(out)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order), "a node appears twice"
    assert set(order) == reachable(out)
    assert all(position[parent] < position[node] for node in order for parent in node.parents)
    assert order[-1] is out
    assert topological_order(out) == order  # deterministic


# ---- 6. the step trace, and forward mode -------------------------------------------


@given(expressions())
def test_replaying_backward_steps_gives_backward(expr):
    _, _, nodes = build(expr)
    nodes[-1].backward()
    _, _, traced = build(expr)
    replay = {traced[-1]: 1.0}  # gradients rebuilt from the step records alone
    edges_done: dict = {}  # per node, the positions of the edges the trace has applied
    for i, step in enumerate(backward_steps(traced[-1])):
        done = edges_done.setdefault(step.node, [])
        k = step.position
        assert not done or k > done[-1], "edges out of order"
        done.append(k)
        assert step.index == i
        assert (step.parent, step.local_grad) == (step.node.parents[k], step.node.local_grads[k])
        assert step.upstream == replay.get(step.node, 0.0), "a node passed its gradient on before it was complete"
        assert step.contribution == step.local_grad * step.upstream
        replay[step.parent] = replay.get(step.parent, 0.0) + step.contribution
        assert step.parent_grad == replay[step.parent]
    assert all(edges_done.get(v, []) == [k for k, p in enumerate(v.parents) if type(p) is not Constant]
               for v in reachable(traced[-1])), "an edge was skipped (or one into a constant was taken)"
    assert [replay.get(v, 0.0) for v in traced] == [v.grad for v in nodes]
    assert [v.grad for v in traced] == [v.grad for v in nodes]


@given(expressions())
def test_forward_mode_agrees_with_reverse_mode_for_every_input(expr):
    out, leaves, _ = build(expr)
    assert_all_close([forward_grad(out, x) for x in leaves], gradients(expr), scale=100)


# ---- 7. add_all and dot equal the chains of binary ops they replace ------------------


def operands(expr, size: int):
    """`size` operands, each a node of the graph (by index) or a plain number."""
    node = st.integers(0, len(expr.inputs) + len(expr.steps) - 1).map(lambda i: ("node", i))
    number = values().map(lambda v: ("number", v))
    return st.lists(st.one_of(node, number), min_size=size, max_size=size)


def realise(nodes, picks):
    return [nodes[i] if kind == "node" else i for kind, i in picks]


def chain_sum(terms, start=0.0) -> Value:
    total = Value(start)
    for term in terms:
        total = total + term
    return total


@given(expressions(), st.data())
def test_add_all_equals_a_chain_of_additions(expr, data):
    picks = data.draw(operands(expr, data.draw(st.integers(0, 6))), label="terms")
    start = data.draw(values(), label="start")
    fused = evaluate(expr, lambda nodes: add_all(realise(nodes, picks), start))
    chain = evaluate(expr, lambda nodes: chain_sum(realise(nodes, picks), start))
    assert close(fused[0], chain[0], 100)
    assert_all_close(fused[1], chain[1], scale=100)


@given(expressions(), st.data())
def test_dot_equals_a_chain_of_products_and_additions(expr, data):
    size = data.draw(st.integers(0, 5), label="length")
    weights, inputs = data.draw(operands(expr, size), label="weights"), data.draw(operands(expr, size), label="inputs")
    bias = data.draw(st.one_of(st.none(), operands(expr, 1)), label="bias")

    def fused(nodes):
        return dot(realise(nodes, weights), realise(nodes, inputs), None if bias is None else realise(nodes, bias)[0])

    def chain(nodes):
        products = [w * x for w, x in zip(realise(nodes, weights), realise(nodes, inputs))]
        return chain_sum(products + ([] if bias is None else realise(nodes, bias)))

    (fused_data, fused_grads), (chain_data, chain_grads) = evaluate(expr, fused), evaluate(expr, chain)
    assert close(fused_data, chain_data, 1e4)
    assert_all_close(fused_grads, chain_grads, scale=1e4)


# ---- 8. textbook derivatives, applied to any node of a random graph ------------------


def sigmoid(x: float) -> float:
    return 0.5 * (1 + math.tanh(x / 2))  # the same function, written another way


#: name: (the expression h(x, y) on Values, its gradient from x, y and their gradients dx, dy)
IDENTITIES = {
    "d(x·x) = 2x·dx": (lambda x, y: x * x, lambda x, y, dx, dy: 2 * x * dx),
    "d log(exp x) = dx": (lambda x, y: x.exp().log(), lambda x, y, dx, dy: dx),
    "tanh' = 1 - tanh²": (lambda x, y: x.tanh(), lambda x, y, dx, dy: (1 - math.tanh(x) ** 2) * dx),
    "sigmoid' = s(1 - s)": (lambda x, y: x.sigmoid(), lambda x, y, dx, dy: sigmoid(x) * (1 - sigmoid(x)) * dx),
    "d(x/y) = dx/y - x/y²·dy": (lambda x, y: x / y, lambda x, y, dx, dy: dx / y - x / y**2 * dy),
}


@pytest.mark.parametrize("identity", IDENTITIES)
@given(expr=expressions(), data=st.data())
def test_textbook_derivatives_hold_at_every_node(identity, expr, data):
    h, expected = IDENTITIES[identity]
    last = len(expr.inputs) + len(expr.steps) - 1
    i, j = data.draw(st.integers(0, last), label="x = node"), data.draw(st.integers(0, last), label="y = node")
    (x, dx), (y, dy) = evaluate(expr, lambda nodes: nodes[i]), evaluate(expr, lambda nodes: nodes[j])
    assume(abs(y) >= 0.1 or "x/y" not in identity)
    got = gradients(expr, lambda nodes: h(nodes[i], nodes[j]))
    assert_all_close(got, [expected(x, y, a, b) for a, b in zip(dx, dy)], scale=1e4)


# ---- 9. gradcheck catches a wrong derivative -----------------------------------------


def softplus_forward(x: float) -> float:
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


def wrong_softplus_derivatives(x, out):
    """A classic slip: d softplus/dx is σ(x), written here as σ(-x)."""
    return (1 / (1 + generic_exp(x)),)


wrong_softplus = define_op("softplus", softplus_forward, wrong_softplus_derivatives, register=False)


@given(expressions())
def test_gradcheck_catches_a_wrong_derivative_on_top_of_any_graph(expr):
    e, de = evaluate(expr)
    right, wrong = sigmoid(e), sigmoid(-e)
    # Only where the slip shows: some input's error is well past gradcheck's tolerance.
    assume(any(abs((right - wrong) * g) > 2 * (1e-5 + 1e-3 * abs(right * g)) for g in de))
    with pytest.raises(GradcheckError):
        gradcheck(lambda *xs: wrong_softplus(expr(*xs)), expr.inputs)


def test_a_property_search_finds_a_wrong_derivative_and_prints_it_as_a_formula():
    # A fixed, derandomized budget: this checks the search itself, not the engine.
    @settings(max_examples=100, database=None, derandomize=True)
    @given(expressions(ops=[wrong_softplus, "add", "mul", "tanh"]))
    def gradients_agree(expr):
        gradcheck(expr, expr.inputs)

    with pytest.raises(GradcheckError) as failure:
        gradients_agree()
    report = "\n".join(getattr(failure.value, "__notes__", []))
    assert "expr=" in report, report
    shrunk = report.split("expr=")[1].split("   at ")[0]
    assert shrunk == "softplus(x0)", f"shrinking should leave just the wrong op, got: {report}"
