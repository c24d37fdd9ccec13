"""SGD and Adam: updates written out by hand, and (parity) against torch.optim."""

import math
from fractions import Fraction

import numpy as np

import pytest

from engine import Value
from nn import SGD, Adam, DivergenceError



def params_with_grads(data, grads):
    params = [Value(d) for d in data]
    for p, g in zip(params, grads):
        p.grad = g
    return params


def test_sgd_step_is_p_minus_lr_times_grad():
    params = params_with_grads([1.0, -2.0], [0.5, -4.0])
    SGD(params, lr=0.1).step()
    assert [p.data for p in params] == [1.0 - 0.1 * 0.5, -2.0 - 0.1 * -4.0]


def test_sgd_schedule_gets_the_step_index():
    seen = []
    params = params_with_grads([0.0], [1.0])
    opt = SGD(params, lr=lambda k: seen.append(k) or 1.0 - 0.9 * k / 100)
    for _ in range(3):
        opt.step()
    assert seen == [0, 1, 2]
    assert params[0].data == pytest.approx(-(1.0 + 0.991 + 0.982))


def test_momentum_and_weight_decay_by_hand():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9, weight_decay=0.5)
    p.grad = 2.0
    opt.step()                        # g = 2 + 0.5·1 = 2.5; v = 2.5
    assert p.data == pytest.approx(1.0 - 0.25)
    opt.step()                        # g = 2 + 0.5·0.75 = 2.375; v = 0.9·2.5 + 2.375 = 4.625
    assert p.data == pytest.approx(0.75 - 0.4625)


def test_first_adam_step_moves_each_parameter_by_lr_against_its_gradient():
    # after one step m̂ = g and v̂ = g², so the step is lr·g/(|g| + eps): about lr, whatever g's size
    grads = [1e-3, -50.0, 7.0]
    params = params_with_grads([1.0, 1.0, 1.0], grads)
    Adam(params, lr=0.01, eps=1e-8).step()
    assert [p.data for p in params] == pytest.approx([1.0 - 0.01 * g / (abs(g) + 1e-8) for g in grads], rel=1e-12)
    assert [p.data for p in params] == pytest.approx([0.99, 1.01, 0.99], rel=1e-6)


def test_zero_grad():
    params = params_with_grads([1.0, 2.0], [3.0, 4.0])
    Adam(params).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


@pytest.mark.parametrize("make, message", [
    (lambda: SGD([], lr=0.1), "empty"),
    (lambda: SGD([1.0], lr=0.1), "not a Value"),
    (lambda: SGD([Value(1.0)], lr=-1), "lr must be a finite number >= 0"),
    (lambda: SGD([Value(1.0)], lr="fast"), "lr"),
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=1.5), "momentum"),
    (lambda: SGD([Value(1.0)], lr=0.1, weight_decay=math.nan), "weight_decay"),
    (lambda: Adam([Value(1.0)], betas=(0.9,)), "betas"),
    (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), "beta2"),
    (lambda: Adam([Value(1.0)], eps=0.0), "eps"),
])
def test_bad_settings_are_refused(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_a_schedule_that_returns_nonsense_is_refused_at_that_step():
    opt = SGD([Value(1.0)], lr=lambda k: 0.1 if k < 1 else -0.1)
    opt.step()
    with pytest.raises(ValueError, match=r"lr\(1\)"):
        opt.step()


def quadratic_grads(data):
    """Gradients of f(p) = Σ (i + 1)·pᵢ³ / 3 − pᵢ: a fixed, non-trivial field."""
    return [(i + 1) * p * p - 1.0 for i, p in enumerate(data)]


@pytest.mark.parity
@pytest.mark.parametrize("ours, theirs", [
    (lambda ps: SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
     lambda t, ps: t.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01)),
    (lambda ps: Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-6),
     lambda t, ps: t.optim.Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-6)),
])
def test_optimizers_match_torch(torch, ours, theirs):
    start = [0.3, -1.2, 2.0, 0.0]
    params = [Value(x) for x in start]
    tensor = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt, torch_opt = ours(params), theirs(torch, [tensor])
    for _ in range(10):
        for p, g in zip(params, quadratic_grads([p.data for p in params])):
            p.grad = g
        tensor.grad = torch.tensor(quadratic_grads(tensor.detach().tolist()), dtype=torch.float64)
        opt.step()
        torch_opt.step()
    assert [p.data for p in params] == pytest.approx(tensor.detach().tolist(), rel=1e-12, abs=1e-12)


# ---- regressions: any real number, each parameter once, all-or-nothing steps ----------


def test_a_parameter_listed_twice_is_refused():
    p = Value(1.0, label="w")
    with pytest.raises(ValueError, match=r"params\[2\] is the same Value as params\[0\] \(w\)"):
        SGD([p, Value(2.0), p], lr=0.1)  # it would be stepped twice per step()
    with pytest.raises(ValueError, match="same Value"):
        Adam([p, p])


@pytest.mark.parametrize("lr", [np.float32(0.25), np.float64(0.25), Fraction(1, 4), 1 / 4])
def test_any_real_number_is_a_learning_rate(lr):
    params = params_with_grads([1.0], [2.0])
    SGD(params, lr=lr, momentum=Fraction(1, 2), weight_decay=np.float64(0.0)).step()
    assert params[0].data == 1.0 - 0.25 * 2.0
    params = params_with_grads([1.0], [2.0])
    Adam(params, lr=lr, betas=(np.float32(0.5), Fraction(3, 4)), eps=Fraction(1, 10**8)).step()
    assert params[0].data == pytest.approx(1.0 - 0.25 * 2.0 / (2.0 + 1e-8), rel=1e-12)


@pytest.mark.parametrize("make, message", [
    (lambda: SGD([Value(1.0)], lr=math.nan), "SGD lr must be a finite number >= 0, got nan"),
    (lambda: SGD([Value(1.0)], lr=math.inf), "got inf"),
    (lambda: SGD([Value(1.0)], lr=np.float64(-0.1)), "got -0.1|got np.float64"),
    (lambda: SGD([Value(1.0)], lr=10 ** 400), "got <an integer of 1329 bits>"),
    (lambda: SGD([Value(1.0)], lr=True), "got True"),
    (lambda: SGD([Value(1.0)], lr=Value(0.1)), "SGD lr must be a finite number"),
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=math.nan), "momentum"),
    (lambda: Adam([Value(1.0)], eps=math.nan), "eps"),
    (lambda: Adam([Value(1.0)], betas=(math.nan, 0.9)), "beta1"),
])
def test_nan_and_other_nonsense_settings_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_step_that_would_overflow_changes_nothing():
    params = params_with_grads([1.0, 2.0, 3.0], [1.0, 1.0, 1e300])
    opt = SGD(params, lr=1e10, momentum=0.5)
    with pytest.raises(DivergenceError, match=r"SGD step 0: params\[2\] would become -inf"):
        opt.step()  # 3 − 1e10·1e300 overflows; the first two parameters came earlier and must not move
    assert [p.data for p in params] == [1.0, 2.0, 3.0]
    assert opt.velocity == [0.0, 0.0, 0.0] and opt.steps == 0


def test_an_adam_step_whose_running_average_overflows_changes_nothing():
    params = params_with_grads([1.0, 2.0], [0.5, 1e200])  # g² = inf, although the step itself is finite
    opt = Adam(params, lr=0.1)
    with pytest.raises(DivergenceError, match=r"v\[1\] would become inf"):
        opt.step()
    assert [p.data for p in params] == [1.0, 2.0] and opt.m == [0.0, 0.0] and opt.v == [0.0, 0.0]
    assert opt.steps == 0


def test_a_step_after_backward_with_create_graph_uses_the_gradients_number():
    p = Value(3.0)
    (p * p).backward(create_graph=True)  # p.grad is the Value 2·p
    assert isinstance(p.grad, Value)
    SGD([p], lr=0.1).step()
    assert p.data == 3.0 - 0.1 * 6.0
