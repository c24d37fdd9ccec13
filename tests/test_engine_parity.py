"""micrograd's two classic expressions, against PyTorch float64."""

import pytest

from engine import Value


def micrograd_readme_expression(a, b):
    """The expression of micrograd's README (its 'more complex ops' test)."""
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    return g


def micrograd_sanity_expression(x):
    """micrograd's test_sanity_check."""
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


@pytest.mark.parity
def test_micrograd_readme_expression_matches_pytorch(torch):
    a, b = Value(-4.0), Value(2.0)
    g = micrograd_readme_expression(a, b)
    g.backward()

    ta = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    tg = micrograd_readme_expression(ta, tb)
    tg.backward()

    assert g.data == pytest.approx(tg.item(), rel=1e-12)
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12)
    assert round(g.data, 4) == 24.7041 and round(a.grad, 4) == 138.8338  # micrograd's printed numbers


@pytest.mark.parity
def test_micrograd_sanity_expression_matches_pytorch(torch):
    x = Value(-4.0)
    y = micrograd_sanity_expression(x)
    y.backward()

    tx = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    ty = micrograd_sanity_expression(tx)
    ty.backward()

    assert y.data == pytest.approx(ty.item(), rel=1e-12)
    assert x.grad == pytest.approx(tx.grad.item(), rel=1e-12)


@pytest.mark.parity
def test_every_function_op_matches_pytorch(torch):
    for method, torch_fn, x0 in [("exp", torch.exp, 0.7), ("log", torch.log, 0.7), ("sqrt", torch.sqrt, 0.7),
                                 ("tanh", torch.tanh, -0.4), ("sigmoid", torch.sigmoid, -0.4),
                                 ("relu", torch.relu, 0.3), ("relu", torch.relu, -0.3)]:
        x = Value(x0)
        y = getattr(x, method)() * x
        y.backward()
        tx = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        ty = torch_fn(tx) * tx
        ty.backward()
        assert (y.data, x.grad) == pytest.approx((ty.item(), tx.grad.item()), rel=1e-12), method
