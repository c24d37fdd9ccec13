"""Loss functions: how wrong a network's outputs are, as one `Value` to call `backward()` on.

Every loss is the mean over examples of a per-example term. The sum is ONE node
(`engine.add_all`), not a chain of additions, so the graph stays small and the
backward pass short. Predictions and targets may be `Value`s or plain numbers;
a single prediction may be passed without a list.

The losses that exponentiate are written to be stable for any finite input:
softmax and cross-entropy subtract the largest logit first (log-sum-exp), and
the logistic loss uses a softplus that never overflows. A prediction that is nan
or infinite is an error naming it, never a loss that hides it (a diverged model
must not report a good loss).
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Sequence

from engine import OPS, Value, add_all, as_float, define_op, dot, lift


# ---- helpers --------------------------------------------------------------------


def _number(x, what: str) -> float:
    """The number in `x` (a `Value`'s data or a plain real number), checked to be finite by
    the engine's `as_float`: a nan from a diverged model is named, never hidden."""
    return as_float(x.data if isinstance(x, Value) else x, what)


def _numbers(xs: list, what: str, loss: str) -> list[float]:
    """The numbers in `xs`, each checked by `_number` and named by its index."""
    return [_number(x, f"{loss} {what}[{i}]") for i, x in enumerate(xs)]


def _as_list(xs, what: str, loss: str) -> list:
    """A list of the items of `xs`; a lone number or `Value` becomes a list of one."""
    if isinstance(xs, Value) or (isinstance(xs, Real) and not isinstance(xs, bool)):
        return [xs]
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__len__"):
        raise TypeError(f"{loss}: {what} must be a list of numbers or Values, got {type(xs).__name__}")
    if len(xs) == 0:
        raise ValueError(f"{loss}: {what} is empty")
    return list(xs)


def _paired(preds, targets, loss: str, names=("preds", "targets")) -> tuple[list, list]:
    """Both sequences as lists of the same, non-zero length (or a ValueError saying why not)."""
    preds, targets = _as_list(preds, names[0], loss), _as_list(targets, names[1], loss)
    if len(preds) != len(targets):
        raise ValueError(f"{loss}: {len(preds)} {names[0]} but {len(targets)} {names[1]}")
    return preds, targets


def _check_probabilities(xs: list, what: str, loss: str) -> list[float]:
    """The numbers in `xs`, each checked to lie in [0, 1]."""
    values = _numbers(xs, what, loss)
    for i, v in enumerate(values):
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{loss}: {what}[{i}] = {v!r} is not a probability in [0, 1]")
    return values


def _mean(terms: list, n: int, sign: float = 1.0) -> Value:
    """sign · (Σ terms) / n as two nodes: one sum, one scale. Plain-number terms
    (a term known to be 0) join the sum's constant start, not the graph."""
    nodes = [term for term in terms if isinstance(term, Value)]
    constant = sum(term for term in terms if not isinstance(term, Value))
    return add_all(nodes, start=constant) * (sign / n)


def _sigmoid(x):
    """σ(x) by the engine's one stable sigmoid: its op on a `Value`, its forward rule on a float."""
    return x.sigmoid() if isinstance(x, Value) else OPS["sigmoid"].forward(x)


#: softplus(x) = log(1 + eˣ) = max(x, 0) + log(1 + e^-|x|): never overflows, never
#: loses the small values. Its derivative is σ(x). Not registered in engine.OPS:
#: it is the logistic loss's helper, not a new primitive for random graphs.
softplus = define_op(
    "softplus",
    lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
    lambda x, out: (_sigmoid(x),),
    register=False,
)


# ---- regression and binary classification --------------------------------------


def mse_loss(preds, targets) -> Value:
    """Mean squared error: (1/n) Σ (predᵢ − targetᵢ)²."""
    preds, targets = _paired(preds, targets, "mse_loss")
    _numbers(preds, "preds", "mse_loss")  # each finite, or named
    _numbers(targets, "targets", "mse_loss")
    return _mean([(lift(p) - t) ** 2 for p, t in zip(preds, targets)], len(preds))


def binary_cross_entropy(probs, targets) -> Value:
    """−(1/n) Σ [tᵢ·log pᵢ + (1 − tᵢ)·log(1 − pᵢ)] for probabilities pᵢ (after a sigmoid).

    A term whose weight is a plain 0 is 0 (0·log 0 = 0, as in `torch.xlogy`), so
    p = 0 with target 0 costs 0. p = 0 with target 1 (or p = 1 with target 0) is
    an infinite loss and an error: a saturated sigmoid is exactly why
    `binary_cross_entropy_with_logits` exists.
    """
    loss = "binary_cross_entropy"
    probs, targets = _paired(probs, targets, loss, ("probs", "targets"))
    p_values = _check_probabilities(probs, "probs", loss)
    t_values = _check_probabilities(targets, "targets", loss)
    for i, (p, t) in enumerate(zip(p_values, targets)):
        if (p == 0 and not _is_plain(t, 0)) or (p == 1 and not _is_plain(t, 1)):  # log 0 with a weight
            raise ValueError(
                f"{loss}: probs[{i}] = {p_values[i]!r} with target {t_values[i]!r} gives an infinite loss; "
                "compute the loss from logits with binary_cross_entropy_with_logits")
    pairs = list(zip(probs, targets))
    terms = [_xlogy(t, p) for p, t in pairs] + [_xlogy(1 - t, 1 - p) for p, t in pairs]
    return _mean(terms, len(pairs), sign=-1.0)


def _is_plain(x, number: float) -> bool:
    """True if `x` is that plain number (not a `Value`, which may carry a gradient)."""
    return not isinstance(x, Value) and x == number


def _xlogy(weight, x):
    """weight · log x, with 0 · log(anything) = 0 for a plain weight 0 (nothing to differentiate)."""
    if _is_plain(weight, 0):
        return 0.0
    log_x = lift(x).log()
    return log_x if _is_plain(weight, 1) else weight * log_x


def binary_cross_entropy_with_logits(logits, targets) -> Value:
    """binary_cross_entropy(σ(zᵢ), tᵢ), computed from the logits zᵢ, stable for any zᵢ.

    −[t·log σ(z) + (1 − t)·log(1 − σ(z))] simplifies to softplus(z) − t·z, and
    softplus never overflows; its gradient is σ(z) − t.
    """
    loss = "binary_cross_entropy_with_logits"
    logits, targets = _paired(logits, targets, loss, ("logits", "targets"))
    _numbers(logits, "logits", loss)  # each finite, or named
    _check_probabilities(targets, "targets", loss)
    # Σ [softplus(zᵢ) − tᵢ·zᵢ] as one sum of both kinds of term; a plain tᵢ = 0 adds nothing
    terms = [softplus(z) for z in logits] + [lift(z) * -t for z, t in zip(logits, targets) if not _is_plain(t, 0)]
    return _mean(terms, len(logits))


def hinge_loss(scores, labels, margin: float = 1.0) -> Value:
    """Max-margin loss: (1/n) Σ max(0, margin − yᵢ·sᵢ) for labels yᵢ = ±1.

    micrograd's "svm max-margin" loss, and the cs224n window classifier's
    J = max(0, 1 − s + s_c) with s − s_c as the score. A correct answer by
    more than the margin costs nothing and passes back no gradient.
    """
    loss = "hinge_loss"
    scores, labels = _paired(scores, labels, loss, ("scores", "labels"))
    margin = as_float(margin, "hinge_loss margin")
    _numbers(scores, "scores", loss)  # each finite, or named
    ys = _numbers(labels, "labels", loss)
    for i, y in enumerate(ys):
        if y not in (1.0, -1.0):
            raise ValueError(f"{loss}: labels[{i}] = {y!r}; labels must be +1 or -1")
    return _mean([(margin - y * lift(s)).relu() for s, y in zip(scores, ys)], len(scores))


# ---- many classes ----------------------------------------------------------------


def _logits(values, loss: str, what: str = "logits") -> list[Value]:
    """The logits as `Value`s, each checked to be finite (e^inf and inf − inf have no answer)."""
    logits = _as_list(values, what, loss)
    _numbers(logits, what, loss)  # each finite, or named
    return [lift(z) for z in logits]


def _shifted(logits: list[Value]) -> list[Value]:
    """zᵢ − m for m = max z. Subtracting m changes neither softmax nor log-sum-exp's
    gradient, and the largest exponent becomes e⁰ = 1: nothing overflows, and the
    shifted logits, not their huge exponentials, carry the differences."""
    shift = max(z.data for z in logits)
    return [z - shift for z in logits]


def softmax(values) -> list[Value]:
    """e^(zᵢ) / Σⱼ e^(zⱼ): scores turned into probabilities that sum to 1 (stable for any finite z)."""
    exps = [s.exp() for s in _shifted(_logits(values, "softmax", "values"))]
    total = add_all(exps)
    return [e / total for e in exps]


def cross_entropy(logits, target_index: int) -> Value:
    """−log softmax(z)[t] = log Σⱼ e^(zⱼ − m) − (z_t − m), for m = max z (stable for any finite z).

    Subtracting m first keeps every exponent ≤ 0 and the sum in [1, n], so the
    log is exact to rounding even when the logits are huge (1e16 and 1e16 give
    log 2). Its gradient with respect to zᵢ is softmax(z)ᵢ − [i = t].
    """
    logits = _logits(logits, "cross_entropy")
    if isinstance(target_index, bool) or not isinstance(target_index, Integral):
        raise ValueError(f"cross_entropy: target_index must be an int, got {target_index!r}")
    target_index = int(target_index)
    if not 0 <= target_index < len(logits):
        raise ValueError(f"cross_entropy: target_index {target_index} is out of range for {len(logits)} logits")
    shifted = _shifted(logits)
    return add_all([s.exp() for s in shifted]).log() - shifted[target_index]


def mean_cross_entropy(logits_per_example, target_indices) -> Value:
    """`cross_entropy` averaged over a batch: one list of logits and one class index per example."""
    logits_per_example, target_indices = _paired(logits_per_example, target_indices, "mean_cross_entropy",
                                                 ("logits lists", "target indices"))
    return _mean([cross_entropy(z, k) for z, k in zip(logits_per_example, target_indices)], len(target_indices))


# ---- regularisation and scoring ------------------------------------------------


def l2(parameters: Sequence) -> Value:
    """Σ p² over the parameters, as ONE node (the dot product of the list with itself).

    Add `alpha * l2(model.parameters())` to a loss to keep weights small
    (micrograd's recipe uses alpha = 1e-4).
    """
    params = _as_list(parameters, "parameters", "l2")
    _numbers(params, "parameters", "l2")  # each finite, or named
    return dot(params, params)


def accuracy(scores, labels) -> float:
    """The fraction of examples classified correctly.

    Binary: a score > 0 predicts the positive class, and a label > 0 is positive
    (so ±1 and 0/1 labels both work; for probabilities pass logits, or p − 0.5).
    Many classes: each score is a list of logits, each label a class index, and the
    prediction is the largest logit.
    """
    scores, labels = _paired(scores, labels, "accuracy", ("scores", "labels"))
    correct = 0
    for i, (s, y) in enumerate(zip(scores, labels)):
        if isinstance(s, (list, tuple)):  # (a nan would make max() depend on where it stands)
            values = _numbers(s, f"scores[{i}]", "accuracy")
            if isinstance(y, bool) or not isinstance(y, Integral) or not 0 <= y < len(values):
                raise ValueError(f"accuracy: labels[{i}] = {y!r} is not a class index for {len(values)} scores")
            correct += values.index(max(values)) == y
        else:  # (a nan score is neither > 0 nor <= 0: there is no class to predict)
            correct += (_number(s, f"accuracy scores[{i}]") > 0) == (_number(y, f"accuracy labels[{i}]") > 0)
    return correct / len(scores)
