"""Loss functions: how wrong a network's outputs are, as one `Value` to call `backward()` on.

Every loss is the mean over examples of a per-example term. The sum is ONE node
(`engine.add_all`), not a chain of additions, so the graph stays small and the
backward pass short. Predictions and targets may be `Value`s or plain numbers;
a single prediction may be passed without a list.

The losses that exponentiate are written to be stable for any input: softmax and
cross-entropy subtract the largest logit first (log-sum-exp), and the logistic
loss uses a softplus that never overflows.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Sequence

from engine import Value, add_all, define_op, dot, generic_exp
from engine.op import lift
from engine.value import as_float


# ---- helpers --------------------------------------------------------------------


def _number(x, what: str) -> float:
    return x.data if isinstance(x, Value) else as_float(x, what)


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
    values = [_number(x, f"{loss} {what}") for x in xs]
    for i, v in enumerate(values):
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{loss}: {what}[{i}] = {v!r} is not a probability in [0, 1]")
    return values


def _mean(terms: list, n: int, sign: float = 1.0) -> Value:
    """sign · (Σ terms) / n as two nodes: one sum, one scale."""
    return add_all(terms) * (sign / n)


def _stable_sigmoid(x):
    """σ(x) without overflow, on floats or Values: only ever exponentiate x ≤ 0."""
    if x >= 0:
        return 1 / (1 + generic_exp(-x))
    e = generic_exp(x)
    return e / (1 + e)


#: softplus(x) = log(1 + eˣ) = max(x, 0) + log(1 + e^-|x|): never overflows, never
#: loses the small values. Its derivative is σ(x). Not registered in engine.OPS:
#: it is the logistic loss's helper, not a new primitive for random graphs.
softplus = define_op(
    "softplus",
    lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
    lambda x, out: (_stable_sigmoid(x),),
    register=False,
)


# ---- regression and binary classification --------------------------------------


def mse_loss(preds, targets) -> Value:
    """Mean squared error: (1/n) Σ (predᵢ − targetᵢ)²."""
    preds, targets = _paired(preds, targets, "mse_loss")
    return _mean([(lift(p) - t) ** 2 for p, t in zip(preds, targets)], len(preds))


def binary_cross_entropy(probs, targets) -> Value:
    """−(1/n) Σ [tᵢ·log pᵢ + (1 − tᵢ)·log(1 − pᵢ)] for probabilities pᵢ (after a sigmoid).

    A term whose weight is a plain 0 is left out, so p = 0 with target 0 costs 0.
    p = 0 with target 1 (or p = 1 with target 0) is an infinite loss and an
    error: a saturated sigmoid is exactly why `binary_cross_entropy_with_logits`
    exists.
    """
    loss = "binary_cross_entropy"
    probs, targets = _paired(probs, targets, loss, ("probs", "targets"))
    p_values = _check_probabilities(probs, "probs", loss)
    t_values = _check_probabilities(targets, "targets", loss)
    terms = []
    for i, (p, t) in enumerate(zip(probs, targets)):
        for weight, x in ((t, p), (1 - t, 1 - p)):  # t·log p, then (1 − t)·log(1 − p)
            constant = not isinstance(weight, Value)
            if constant and weight == 0:
                continue  # 0 · log(anything) is 0, and it has no gradient to pass back
            if _number(x, loss) == 0:
                raise ValueError(
                    f"{loss}: probs[{i}] = {p_values[i]!r} with target {t_values[i]!r} gives an infinite loss; "
                    "compute the loss from logits with binary_cross_entropy_with_logits")
            log_x = lift(x).log()
            terms.append(log_x if constant and weight == 1 else weight * log_x)
    return _mean(terms, len(probs), sign=-1.0)


def binary_cross_entropy_with_logits(logits, targets) -> Value:
    """binary_cross_entropy(σ(zᵢ), tᵢ), computed from the logits zᵢ, stable for any zᵢ.

    −[t·log σ(z) + (1 − t)·log(1 − σ(z))] simplifies to softplus(z) − t·z, and
    softplus never overflows; its gradient is σ(z) − t.
    """
    loss = "binary_cross_entropy_with_logits"
    logits, targets = _paired(logits, targets, loss, ("logits", "targets"))
    _check_probabilities(targets, "targets", loss)
    terms = [softplus(z) for z in logits]
    terms += [lift(z) * -t for z, t in zip(logits, targets) if isinstance(t, Value) or t != 0]
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
    ys = [_number(y, f"{loss} label") for y in labels]
    for i, y in enumerate(ys):
        if y not in (1.0, -1.0):
            raise ValueError(f"{loss}: labels[{i}] = {y!r}; labels must be +1 or -1")
    # margin − y·s as ONE node: a dot product of one weight (−y) and one input (s), plus a bias.
    return _mean([dot((-y,), (s,), margin).relu() for s, y in zip(scores, ys)], len(scores))


# ---- many classes ----------------------------------------------------------------


def _shifted_exps(logits: list[Value]) -> tuple[list[Value], float]:
    """e^(zᵢ − m) for m = max z, and m. Subtracting m changes neither softmax nor
    its gradient, and the largest exponent becomes e⁰ = 1: nothing overflows."""
    shift = max(z.data for z in logits)
    return [(z - shift).exp() for z in logits], shift


def softmax(values) -> list[Value]:
    """e^(zᵢ) / Σⱼ e^(zⱼ): scores turned into probabilities that sum to 1 (stable for any z)."""
    logits = [lift(z) for z in _as_list(values, "values", "softmax")]
    exps, _ = _shifted_exps(logits)
    total = add_all(exps)
    return [e / total for e in exps]


def cross_entropy(logits, target_index: int) -> Value:
    """−log softmax(z)[target] = log Σⱼ e^(zⱼ) − z_target, by log-sum-exp (stable for any z).

    Its gradient with respect to zᵢ is softmax(z)ᵢ − [i = target].
    """
    logits = [lift(z) for z in _as_list(logits, "logits", "cross_entropy")]
    if isinstance(target_index, bool) or not isinstance(target_index, int):
        raise ValueError(f"cross_entropy: target_index must be an int, got {target_index!r}")
    if not 0 <= target_index < len(logits):
        raise ValueError(f"cross_entropy: target_index {target_index} is out of range for {len(logits)} logits")
    exps, shift = _shifted_exps(logits)
    log_sum_exp = add_all(exps).log() + shift
    return log_sum_exp - logits[target_index]


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
    for s, y in zip(scores, labels):
        if isinstance(s, (list, tuple)):
            values = [_number(z, "accuracy score") for z in s]
            correct += values.index(max(values)) == y
        else:
            correct += (_number(s, "accuracy score") > 0) == (_number(y, "accuracy label") > 0)
    return correct / len(scores)
