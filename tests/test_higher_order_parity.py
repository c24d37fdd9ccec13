"""Second and third derivatives against PyTorch float64 (`torch.autograd.grad(..., create_graph=True)`).

Every op, every mixed partial up to third order; random expression graphs from
`engine.strategies` (their full Hessian and a third derivative); the Hessian of
a small network's loss; a Hessian-vector product.
"""

from __future__ import annotations

import itertools
import math
import operator

import pytest
from hypothesis import HealthCheck, assume, given, settings

import engine
from engine import Value, grad, hessian, hvp, zero_grad
from engine.strategies import DEFAULT_POWERS, Constant, expressions
from tests.test_properties import torch_twins  # each op's PyTorch function, by op name

pytestmark = pytest.mark.parity


def close(a: float, b: float, scale: float = 1.0) -> bool:
    """Equal up to rounding; `scale` is the size of the terms that were summed on the way."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * max(1.0, scale))


def torch_partial(torch, make, point: list[float], indices: tuple) -> float:
    """∂ⁿ f / ∂x_{i1} … ∂x_{in} at `point`, by torch.autograd.grad(create_graph=True) n times."""
    xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    current = make(*xs)
    for i in indices:
        if not current.requires_grad:  # a constant: every derivative from here on is 0
            return 0.0
        (current,) = torch.autograd.grad(current, xs[i], create_graph=True, allow_unused=True)
        if current is None:  # does not depend on x_i: the derivative is 0 from here on
            return 0.0
    return current.item()


def engine_partial(make, point: list[float], indices: tuple) -> float:
    """The same partial by engine.grad, nested: grad(grad(f, i1), i2)…"""
    f = make
    for i in indices:
        f = grad(f, i)
    return f(*point).data


# (op name, the engine's function, a point inside its domain, away from its kinks)
OP_CASES = [
    ("tanh", lambda x: x.tanh(), [0.7]), ("sigmoid", lambda x: x.sigmoid(), [-0.4]),
    ("log", lambda x: x.log(), [1.7]), ("exp", lambda x: x.exp(), [0.3]), ("sqrt", lambda x: x.sqrt(), [2.5]),
    ("abs", lambda x: abs(x) * x * x, [-0.5]), ("relu", lambda x: x.relu() * x.exp(), [0.5]),
    ("sin", lambda x: x.sin(), [0.9]), ("cos", lambda x: x.cos(), [0.9]), ("tan", lambda x: x.tan(), [0.6]),
    ("arcsin", lambda x: x.arcsin(), [0.3]), ("arccos", lambda x: x.arccos(), [-0.3]),
    ("arctan", lambda x: x.arctan(), [1.3]),
    ("neg", lambda x: -x * x, [0.4]), ("x ** 3.5", lambda x: x**3.5, [1.4]), ("x ** -2", lambda x: x**-2, [-0.7]),
    ("add", lambda x, y: (x + y) * x, [0.4, -1.1]), ("sub", lambda x, y: (x - y) * y, [0.4, -1.1]),
    ("mul", lambda x, y: x * y * y, [0.4, -1.1]), ("div", lambda x, y: x / y, [0.4, -1.1]),
    ("pow", lambda x, y: x**y, [1.3, 2.5]),
    ("arctan2", lambda y, x: engine.arctan2(y, x), [0.6, -0.9]),
    ("mod", lambda x, y: (x % y) * x * y, [2.0, 0.75]), ("mod", lambda x, y: (x % y) * x * y, [-2.0, 0.75]),
]


@pytest.mark.parametrize("name, make, point", OP_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(OP_CASES)])
def test_every_partial_up_to_third_order_matches_pytorch(torch, name, make, point):
    twins = torch_twins(torch)
    torch_make = _on_tensors(torch, make, twins)
    for order in (1, 2, 3):
        for indices in itertools.product(range(len(point)), repeat=order):
            ours = engine_partial(make, point, indices)
            theirs = torch_partial(torch, torch_make, point, indices)
            assert close(ours, theirs), (name, indices, ours, theirs)


def _on_tensors(torch, make, twins):
    """`make` with tensors: tensors already have + - * / ** abs, and the methods below."""
    def wrapped(*xs):
        return make(*[_TorchValue(x, twins) for x in xs]).t
    return wrapped


class _TorchValue:
    """A tensor dressed with the engine's method names, so one `make` serves both libraries."""

    def __init__(self, t, twins):
        self.t, self.twins = t, twins

    def _wrap(self, t):
        return _TorchValue(t, self.twins)

    def __getattr__(self, name):
        function = self.twins[name]
        return lambda: self._wrap(function(self.t))

    def _binary(function, swap=False):
        def method(self, other):
            other = other.t if isinstance(other, _TorchValue) else other
            return self._wrap(function(other, self.t) if swap else function(self.t, other))
        return method

    __add__, __radd__ = _binary(operator.add), _binary(operator.add, True)
    __sub__, __rsub__ = _binary(operator.sub), _binary(operator.sub, True)
    __mul__, __rmul__ = _binary(operator.mul), _binary(operator.mul, True)
    __truediv__, __rtruediv__ = _binary(operator.truediv), _binary(operator.truediv, True)
    __pow__, __rpow__ = _binary(operator.pow), _binary(operator.pow, True)
    __mod__ = _binary(lambda x, y: x.remainder(y))

    def __neg__(self):
        return self._wrap(-self.t)

    def __abs__(self):
        return self._wrap(self.t.abs())


# engine.arctan2 on _TorchValues: route it to torch.atan2
_engine_arctan2 = engine.arctan2


@pytest.fixture(autouse=True)
def _arctan2_on_tensors(monkeypatch, torch):
    def arctan2(y, x):
        if isinstance(y, _TorchValue):
            return y._wrap(torch.atan2(y.t, x.t if isinstance(x, _TorchValue) else torch.as_tensor(x)))
        return _engine_arctan2(y, x)
    monkeypatch.setattr(engine, "arctan2", arctan2)


# ---- random graphs ----------------------------------------------------------------------

ALL_OPS = sorted(engine.OPS)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # `torch` is a module: nothing to reset
@given(expr=expressions(max_leaves=4, max_ops=25, ops=ALL_OPS, powers=DEFAULT_POWERS))
def test_hessians_and_a_third_derivative_of_random_graphs_match_pytorch(torch, expr):
    # PyTorch's pow masks its derivatives at special points (exponent 0, base 1) with
    # where(...), which drops terms of the higher derivatives there: x ** y at y = 0 and
    # x ** x at x = 1 are checked against closed forms in test_higher_order.py instead.
    assume(not _has_a_pow_at_a_special_point(expr))
    n = len(expr.inputs)
    # ours: backward(create_graph=True), then a backward pass through each first derivative
    leaves = expr.leaves()
    out = expr(*leaves)
    out.backward(create_graph=True)
    first = [x.grad if isinstance(x.grad, Value) else Value(0.0) for x in leaves]
    rows = []
    for g in first:
        zero_grad(g)
        for x in leaves:
            x.grad = 0.0
        g.backward(create_graph=True)
        rows.append([x.grad.data if isinstance(x.grad, Value) else 0.0 for x in leaves])
    # a third derivative: ∂/∂x0 of the last row's entry for x0, i.e. ∂³f / ∂x_last ∂x0 ∂x0
    third_of = leaves[0].grad if isinstance(leaves[0].grad, Value) else Value(0.0)
    zero_grad(third_of)
    leaves[0].grad = 0.0
    third_of.backward()
    third = leaves[0].grad

    # theirs
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in expr.inputs]
    torch_out = expr.nodes(*tensors, table=torch_twins(torch))[-1]
    torch_first = _torch_grads(torch, torch_out, tensors)
    torch_rows = [[0.0 if g is None else float(d) for d in _torch_grads(torch, g, tensors, numbers=True)]
                  for g in torch_first]
    h = _torch_grads(torch, torch_first[-1], tensors[:1])[0]
    torch_third = _torch_grads(torch, h, tensors[:1], numbers=True)[0]

    scale = max([1.0] + [abs(v) for row in torch_rows for v in row])
    for ours, theirs in zip(rows, torch_rows):
        assert all(close(a, b, scale) for a, b in zip(ours, theirs)), (rows, torch_rows)
    assert close(third, torch_third, max(scale, abs(torch_third))), (third, torch_third)
    assert n == len(rows)


def _has_a_pow_at_a_special_point(expr) -> bool:
    """Is there an x ** y, y a Value, with y = 0, 1 or 2, or x = 1?

    PyTorch's pow masks its derivative with respect to the exponent where the
    exponent is 0, and its own derivative rule for x is written with x ** (y − 1),
    so at y = 1 (second order) and y = 2 (third order) that mask drops terms too
    (`test_torch_drops_pow_terms_where_the_exponent_is_one` checks one such point
    against central differences instead)."""
    nodes = expr.nodes(*expr.leaves())

    def number(operand):
        return operand.value if isinstance(operand, Constant) else nodes[operand].data

    return any(step.op.name == "pow" and step.op.arity == 2 and not isinstance(step.operands[1], Constant)
               and (number(step.operands[1]) in (0.0, 1.0, 2.0) or number(step.operands[0]) == 1.0)
               for step in expr.steps)


def _torch_grads(torch, out, tensors, numbers=False):
    """d out / d t for each tensor (None where out does not depend on it, or out is None)."""
    if out is None or not out.requires_grad:
        return [0.0 if numbers else None] * len(tensors)
    grads = torch.autograd.grad(out, tensors, create_graph=True, allow_unused=True)
    if numbers:
        return [0.0 if g is None else g.item() for g in grads]
    return list(grads)


# ---- a network's Hessian, a Hessian-vector product -----------------------------------------


def test_hessian_of_a_small_mlp_loss_matches_pytorch(torch):
    from nn import MLP, mse_loss

    model = MLP(2, [3, 1], activation="tanh", seed=3)
    data = [([0.5, -1.0], 0.3), ([-0.2, 0.8], -0.6), ([1.1, 0.4], 0.9)]
    params = model.parameters()

    def loss(*_parameters):  # the parameters ARE the model's Values, so the model reads them itself
        return mse_loss([model(x) for x, _ in data], [y for _, y in data])

    ours = [[h.data for h in row] for row in hessian(loss, params)]

    flat = torch.tensor([p.data for p in params], dtype=torch.float64)

    def torch_loss(theta):
        (hidden, last), at = model.layers, 0
        total = 0.0
        for x, y in data:
            at, hs = 0, []
            for neuron in hidden.neurons:
                k = len(neuron.w)
                hs.append(torch.tanh(theta[at:at + k] @ torch.tensor(x) + theta[at + k]))
                at += k + 1
            out = theta[at:at + 3] @ torch.stack(hs) + theta[at + 3]
            total = total + (out - y) ** 2
        return total / len(data)

    theirs = torch.autograd.functional.hessian(torch_loss, flat).tolist()
    assert len(ours) == len(params) == 13
    scale = max(abs(v) for row in theirs for v in row)
    for i, (row, torch_row) in enumerate(zip(ours, theirs)):
        assert all(close(a, b, scale) for a, b in zip(row, torch_row)), (i, row, torch_row)
    assert any(abs(v) > 1e-3 for row in ours for i, v in enumerate(row)), "a Hessian of zeros tests nothing"


def test_hessian_vector_product_matches_pytorch(torch):
    def f(x, y, z):
        return (x * y).sin() + z.exp() * x + engine.arctan2(y, z) + (x / y) ** 2

    point, v = [0.4, -1.2, 0.7], [1.0, -0.5, 2.0]
    ours = [h.data for h in hvp(f, point, v)]

    def torch_f(t):
        x, y, z = t
        return torch.sin(x * y) + torch.exp(z) * x + torch.atan2(y, z) + (x / y) ** 2

    _, theirs = torch.autograd.functional.hvp(torch_f, torch.tensor(point), torch.tensor(v))
    assert all(close(a, b, 10) for a, b in zip(ours, theirs.tolist())), (ours, theirs.tolist())


def test_torch_drops_pow_terms_where_the_exponent_is_one():
    """f(x) = arctan(t) ** t with t = exp(arcsin(x)), at x = 0 (so t = 1): the third
    derivative by central differences is 1.2024; stepgrad agrees, PyTorch gives 0.884
    (hypothesis found this point; the random-graph parity test leaves such points out)."""
    def f_float(x):
        t = math.exp(math.asin(x))
        return math.atan(t) ** t

    h = 1e-3
    numeric = (f_float(2 * h) - 2 * f_float(h) + 2 * f_float(-h) - f_float(-2 * h)) / (2 * h ** 3)
    third = engine.grad(engine.grad(engine.grad(lambda x: x.arcsin().exp().arctan() ** x.arcsin().exp())))(0.0)
    assert abs(third.data - numeric) < 1e-4
    assert abs(third.data - 1.2023919155512388) < 1e-12
