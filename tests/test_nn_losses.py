"""Losses: closed-form values, gradients by central differences, stability, and bad input."""

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import Value, gradcheck, hessian, topological_order
from nn import (accuracy, binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, hinge_loss, l2,
                mean_cross_entropy, mse_loss, softmax)


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def interior_nodes(root):
    return [node for node in topological_order(root) if node.parents]


# ---- values against the formulas ----------------------------------------------


def test_mse_value_and_gradient():
    preds, targets = [Value(1.0), Value(-2.0), Value(0.5)], [0.0, -1.0, 2.5]
    loss = mse_loss(preds, targets)
    assert loss.data == pytest.approx((1 + 1 + 4) / 3)
    loss.backward()
    assert [p.grad for p in preds] == pytest.approx([2 * (p.data - t) / 3 for p, t in zip(preds, targets)])
    assert mse_loss(Fraction(3), 1).data == 4.0  # a lone real number of any kind is a list of one, as in engine


def test_binary_cross_entropy_value():
    probs, targets = [0.9, 0.2, 0.6], [1, 0, 0.3]
    expected = -sum(t * math.log(p) + (1 - t) * math.log(1 - p) for p, t in zip(probs, targets)) / 3
    assert binary_cross_entropy(probs, targets).data == pytest.approx(expected, rel=1e-14)
    # a prediction of exactly 0 or 1 that is right costs nothing
    assert binary_cross_entropy([0.0, 1.0], [0, 1]).data == 0.0


def test_binary_cross_entropy_gradient_with_respect_to_a_target_of_zero():
    # d/dt −[t·log p + (1 − t)·log(1 − p)] = log(1 − p) − log p, also where t happens to be 0
    p, t = Value(0.8), Value(0.0)
    binary_cross_entropy([p], [t]).backward()
    assert t.grad == pytest.approx(math.log(0.2) - math.log(0.8))
    assert p.grad == pytest.approx(1 / 0.2)


def test_bce_with_logits_matches_bce_of_sigmoid():
    logits, targets = [2.0, -1.5, 0.3, 4.0], [1, 0, 0.25, 0]
    direct = binary_cross_entropy([sigmoid(z) for z in logits], targets).data
    assert binary_cross_entropy_with_logits(logits, targets).data == pytest.approx(direct, rel=1e-12)


@pytest.mark.parametrize("z, t, loss, grad", [
    (1000.0, 0, 1000.0, 1.0),     # confidently wrong: loss = z, gradient σ(z) − t = 1
    (1000.0, 1, 0.0, 0.0),
    (-1000.0, 1, 1000.0, -1.0),
    (-1000.0, 0, 0.0, 0.0),
    (-40.0, 0, math.exp(-40.0), math.exp(-40.0)),  # tiny, but not rounded to 0
])
def test_bce_with_logits_is_stable_at_extreme_logits(z, t, loss, grad):
    logit = Value(z)
    out = binary_cross_entropy_with_logits([logit], [t])
    out.backward()
    assert out.data == pytest.approx(loss, rel=1e-12, abs=0)
    assert logit.grad == pytest.approx(grad, rel=1e-12, abs=0)


def test_hinge_value_and_gradient():
    scores, labels = [Value(0.5), Value(-2.0), Value(3.0), Value(-0.25)], [1, -1, -1, 1]
    loss = hinge_loss(scores, labels)
    assert loss.data == pytest.approx((0.5 + 0 + 4 + 1.25) / 4)
    loss.backward()
    assert [s.grad for s in scores] == pytest.approx([-0.25, 0.0, 0.25, -0.25])
    assert hinge_loss([0.5], [1], margin=2.0).data == pytest.approx(1.5)


def test_softmax_sums_to_one_and_is_shift_invariant():
    probs = softmax([1.0, 2.0, 0.0])
    exps = [math.e, math.e ** 2, 1.0]
    assert [p.data for p in probs] == pytest.approx([e / sum(exps) for e in exps], rel=1e-14)
    huge = softmax([1001.0, 1002.0, 1000.0])  # e^1000 overflows a float; a stable softmax never computes it
    assert [p.data for p in huge] == pytest.approx([p.data for p in probs], rel=1e-12)
    assert sum(p.data for p in softmax([-1e4, 3.0, 1e4])) == pytest.approx(1.0)


def test_cross_entropy_value_gradient_and_stability():
    logits = [Value(1.0), Value(2.0), Value(0.0)]
    loss = cross_entropy(logits, 2)
    exps = [math.e, math.e ** 2, 1.0]
    assert loss.data == pytest.approx(-math.log(1.0 / sum(exps)), rel=1e-14)
    loss.backward()
    assert [z.grad for z in logits] == pytest.approx([e / sum(exps) - (i == 2) for i, e in enumerate(exps)])
    assert cross_entropy([1000.0, 0.0], 1).data == pytest.approx(1000.0, rel=1e-12)
    assert cross_entropy([1000.0, 0.0], 0).data == pytest.approx(math.exp(-1000.0), abs=1e-300)


def test_mean_cross_entropy_averages_over_the_batch():
    batch, targets = [[Value(1.0), Value(2.0), Value(0.0)], [Value(-1.0), Value(0.5)]], [2, 0]
    loss = mean_cross_entropy(batch, targets)
    by_hand = [math.log(sum(math.exp(z.data) for z in zs)) - zs[k].data for zs, k in zip(batch, targets)]
    assert loss.data == pytest.approx(sum(by_hand) / 2, rel=1e-14)
    loss.backward()
    zs = batch[1]  # d/dz_i of (1/2)·(log Σ e^z − z_k) is (softmax(z)_i − [i = k]) / 2
    total = sum(math.exp(z.data) for z in zs)
    assert [z.grad for z in zs] == pytest.approx([(math.exp(z.data) / total - (i == 0)) / 2 for i, z in enumerate(zs)])


def test_l2_is_sum_of_squares_with_gradient_2p():
    params = [Value(0.5), Value(-2.0), Value(3.0)]
    reg = l2(params)
    assert reg.data == pytest.approx(0.25 + 4 + 9)
    reg.backward()
    assert [p.grad for p in params] == [1.0, -4.0, 6.0]


def test_accuracy_binary_and_multiclass():
    assert accuracy([Value(0.3), -0.1, 2.0, -5.0], [1, -1, -1, 1]) == 0.5
    assert accuracy([0.3, -0.1], [1, 0]) == 1.0  # 0/1 labels work too
    assert accuracy([[0.1, 2.0, -1.0], [Value(3.0), 0.0, 0.0], [0.0, 0.0, 1.0]], [1, 0, 0]) == pytest.approx(2 / 3)


# ---- every loss passes gradcheck --------------------------------------------------

finite = st.floats(-3.0, 3.0)
probability = st.floats(0.02, 0.98)


@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=4))
def test_gradcheck_mse(pairs):
    targets = [t for _, t in pairs]
    gradcheck(lambda *preds: mse_loss(list(preds), targets), [p for p, _ in pairs])


@given(st.lists(st.tuples(probability, probability), min_size=1, max_size=4))
def test_gradcheck_binary_cross_entropy_in_probs_and_targets(pairs):
    n = len(pairs)
    gradcheck(lambda *xs: binary_cross_entropy(list(xs[:n]), list(xs[n:])),
              [p for p, _ in pairs] + [t for _, t in pairs], rtol=1e-4)


@given(st.lists(st.tuples(st.floats(-30, 30), probability), min_size=1, max_size=4))
def test_gradcheck_bce_with_logits_in_logits_and_targets(pairs):
    n = len(pairs)
    gradcheck(lambda *xs: binary_cross_entropy_with_logits(list(xs[:n]), list(xs[n:])),
              [z for z, _ in pairs] + [t for _, t in pairs], rtol=1e-4)


@given(st.lists(st.tuples(finite, st.sampled_from([1, -1])), min_size=1, max_size=4), st.floats(0.5, 2.0))
def test_gradcheck_hinge_away_from_the_kink(pairs, margin):
    scores = [s if abs(margin - y * s) > 1e-3 else s + 0.01 for s, y in pairs]
    labels = [y for _, y in pairs]
    gradcheck(lambda *s: hinge_loss(list(s), labels, margin=margin), scores)


@given(st.lists(st.floats(-20, 20), min_size=1, max_size=5), st.data())
def test_gradcheck_softmax_and_cross_entropy(logits, data):
    k = data.draw(st.integers(0, len(logits) - 1))
    gradcheck(lambda *z: cross_entropy(list(z), k), logits, rtol=1e-4)
    gradcheck(lambda *z: softmax(list(z))[k], logits, rtol=1e-4)


@given(st.lists(finite, min_size=1, max_size=6))
def test_gradcheck_l2(params):
    gradcheck(lambda *p: l2(list(p)), params)


@given(st.floats(-1e6, 1e6), st.floats(0, 1))
def test_bce_with_logits_is_finite_and_matches_its_limits(z, t):
    """For any logit: finite, never negative, and the gradient σ(z) − t."""
    logit = Value(z)
    loss = binary_cross_entropy_with_logits([logit], [t])
    loss.backward()
    assert math.isfinite(loss.data) and loss.data >= 0.0  # softplus(z) ≥ max(z, 0) ≥ t·z for t in [0, 1]
    reference_grad = sigmoid(z) - t if abs(z) < 700 else float(z > 0) - t
    assert logit.grad == pytest.approx(reference_grad, rel=1e-9, abs=1e-12)
    if abs(z) > 50:  # far out, log(1 + e^z) − t·z is max(z, 0) − t·z to double precision
        assert loss.data == pytest.approx(max(z, 0.0) - t * z, rel=1e-12, abs=1e-12)


# ---- few nodes ----------------------------------------------------------------------


def test_losses_build_few_nodes():
    n = 50
    scores = [Value(0.1 * i) for i in range(n)]
    labels = [1 if i % 2 else -1 for i in range(n)]
    assert len(interior_nodes(hinge_loss(scores, labels))) == 3 * n + 2   # (y·s, margin − y·s, relu) each; Σ; 1/n
    assert len(interior_nodes(mse_loss(scores, [0.0] * n))) == 2 * n + 2  # (p − t, ²) each; Σ; 1/n
    assert len(interior_nodes(l2(scores))) == 1


# ---- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize("call, message", [
    (lambda: mse_loss([1.0, 2.0], [1.0]), "mse_loss: 2 preds but 1 targets"),
    (lambda: mse_loss([], []), "mse_loss: preds is empty"),
    (lambda: hinge_loss([1.0], []), "hinge_loss: labels is empty"),
    (lambda: hinge_loss([1.0, 2.0], [1, 0]), r"labels\[1\] = 0\.0; labels must be \+1 or -1"),
    (lambda: binary_cross_entropy([0.5, 1.2], [1, 0]), r"probs\[1\] = 1\.2 is not a probability"),
    (lambda: binary_cross_entropy([0.5, -0.1], [1, 0]), r"probs\[1\] = -0\.1"),
    (lambda: binary_cross_entropy([0.5], [-1]), r"targets\[0\] = -1\.0 is not a probability"),
    (lambda: binary_cross_entropy([0.0], [1]), "infinite loss.*with_logits"),
    (lambda: binary_cross_entropy([1.0], [0.5]), "infinite loss"),
    (lambda: binary_cross_entropy_with_logits([3.0], [2]), r"targets\[0\] = 2\.0 is not a probability"),
    (lambda: binary_cross_entropy_with_logits([3.0, 1.0], [1]), "2 logits but 1 targets"),
    (lambda: cross_entropy([1.0, 2.0], 2), "target_index 2 is out of range for 2 logits"),
    (lambda: cross_entropy([1.0, 2.0], -1), "out of range"),
    (lambda: cross_entropy([1.0, 2.0], True), "must be an int"),
    (lambda: cross_entropy([], 0), "logits is empty"),
    (lambda: mean_cross_entropy([[1.0, 2.0], [0.0, 1.0]], [1]), "2 logits lists but 1 target indices"),
    (lambda: softmax([]), "values is empty"),
    (lambda: l2([]), "parameters is empty"),
    (lambda: accuracy([1.0], [1, -1]), "1 scores but 2 labels"),
])
def test_bad_input_says_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_non_numbers_are_type_errors():
    with pytest.raises(TypeError):
        mse_loss("abc", "abd")
    with pytest.raises(TypeError, match="str"):
        hinge_loss([1.0], ["1"])


# ---- regressions: huge logits, and a nan is named, never hidden -------------------


@pytest.mark.parametrize("z", [1e15, 1e16, 1e300, -1e300])
def test_cross_entropy_of_equal_huge_logits_is_log_2(z):
    logits = [Value(z), Value(z)]
    loss = cross_entropy(logits, 0)
    loss.backward()
    assert loss.data == pytest.approx(math.log(2), rel=1e-15)  # (once 0.0 at 1e16 and 0.75 at 1e15)
    assert [v.grad for v in logits] == [-0.5, 0.5]


@pytest.mark.parametrize("logits", [[math.inf, 0.0], [0.0, -math.inf], [math.nan, 1.0]])
def test_cross_entropy_of_a_non_finite_logit_is_a_clear_error(logits):
    bad = next(i for i, z in enumerate(logits) if not math.isfinite(z))
    with pytest.raises(ValueError, match=rf"cross_entropy logits\[{bad}\] needs a finite number, got -?(inf|nan)"):
        cross_entropy(logits, 0)  # once: "log(nan): log needs a positive input"


NAN = float("nan")


def diverged(x=NAN) -> Value:
    """A Value whose number became nan or infinite after it was made (as in a diverged training loop)."""
    v = Value(0.0)
    v.data = x
    return v


@pytest.mark.parametrize("call, message", [
    (lambda: hinge_loss([diverged()], [1]), r"hinge_loss scores\[0\] .*got nan"),  # was 0.0: relu(nan)
    (lambda: hinge_loss([0.5, diverged(math.inf)], [1, -1]), r"hinge_loss scores\[1\] .*got inf"),
    (lambda: mse_loss([diverged()], [0.0]), r"mse_loss preds\[0\] .*got nan"),
    (lambda: mse_loss([1.0], [NAN]), r"mse_loss targets\[0\] .*got nan"),
    (lambda: binary_cross_entropy([diverged()], [1]), r"binary_cross_entropy probs\[0\] .*got nan"),
    (lambda: binary_cross_entropy_with_logits([diverged()], [1]), r"logits\[0\] .*got nan"),
    (lambda: mean_cross_entropy([[0.0, 1.0], [NAN, 0.0]], [0, 1]), r"cross_entropy logits\[0\] .*got nan"),
    (lambda: softmax([0.0, diverged()]), r"softmax values\[1\] .*got nan"),
    (lambda: l2([Value(1.0), diverged()]), r"l2 parameters\[1\] .*got nan"),
    (lambda: accuracy([0.5, NAN], [1, -1]), r"accuracy scores\[1\] .*got nan"),
    (lambda: accuracy([[0.5, diverged()]], [0]), r"accuracy scores\[0\]\[1\] .*got nan"),
])
def test_a_nan_or_infinite_prediction_is_named_not_hidden(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@given(st.floats(-800, 800), st.sampled_from([0, 1, 0.25]))
def test_the_logistic_loss_uses_the_engines_sigmoid(z, t):
    """d/dz [softplus(z) − t·z] is σ(z) − t with σ the engine's own op (one stable sigmoid)."""
    logit = Value(z)
    binary_cross_entropy_with_logits([logit], [t]).backward()
    assert logit.grad == Value(z).sigmoid().data - t


def test_binary_cross_entropy_is_the_formula_term_by_term():
    # −(1/n) Σ [t·log p + (1 − t)·log(1 − p)], with the weight-0 logs left out
    probs, targets = [Value(0.9), Value(0.2), Value(0.6)], [1, 0, Value(0.3)]
    loss = binary_cross_entropy(probs, targets)
    loss.backward()
    t = 0.3
    expected = -(math.log(0.9) + math.log(0.8) + t * math.log(0.6) + (1 - t) * math.log(0.4)) / 3
    assert loss.data == pytest.approx(expected, rel=1e-15)
    assert [p.grad for p in probs] == pytest.approx([-1 / 0.9 / 3, 1 / 0.8 / 3, -(t / 0.6 - (1 - t) / 0.4) / 3])
    assert targets[2].grad == pytest.approx(-(math.log(0.6) - math.log(0.4)) / 3)
    with pytest.raises(ValueError, match="infinite loss"):
        binary_cross_entropy([Value(0.0)], [Value(0.0)])  # a Value weight of 0 still needs log 0's gradient


@given(st.floats(-30, 30), st.sampled_from([0, 1, 0.25]))
def test_the_logistic_loss_has_the_second_derivative_of_the_engines_sigmoid(z, t):
    # d²/dz² [softplus(z) − t·z] = σ(z)·(1 − σ(z)): the softplus rule's σ(x) is the engine's op, so it
    # differentiates again (create_graph) like any other
    (row,) = hessian(lambda v: binary_cross_entropy_with_logits([v], [t]), [z])
    s = Value(z).sigmoid().data
    assert row[0].data == pytest.approx(s * (1 - s), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("label", [1.5, "1", 3, -1, True])
def test_a_class_label_that_is_no_class_index_is_refused_not_counted_wrong(label):
    with pytest.raises(ValueError, match=r"accuracy: labels\[0\] = .* is not a class index for 3 scores"):
        accuracy([[0.1, 2.0, -1.0]], [label])
