"""Article 001's window classifier for named entities: max-margin loss, error sharing, gradcheck."""

import numpy as np

from engine import Value, dot

from .layers import activate, data, flat, grads, matrix, matvec, named, uniform, vector

ARTICLE = "001"
SEED = 1

WINDOW = ["museums", "in", "paris", "are", "amazing"]   # "Museums in Paris are amazing": Paris is a place
CORRUPT = ["not", "all", "museums", "in", "paris"]      # the notes' negative window
DIM, HIDDEN = 4, 8                                       # 5 words × 4 = 20 inputs, 8 sigmoid units


def score(words, vectors, W, b, U):
    """s = Uᵀ·f(Wx + b), x the window's word vectors end to end."""
    x = [v for word in words for v in vectors[word]]
    z = matvec(W, x, b, label="z")
    a = activate(z, "sigmoid")
    return dot(U, a), z, a


def margin_loss(s: Value, s_c: Value) -> Value:
    """J = max(0, 1 − s + s_c): the true window must outscore the corrupt one by 1."""
    return named((1 - s + s_c).relu(), "J")


def run(s) -> None:
    rng = s.rng
    vocabulary = sorted(set(WINDOW + CORRUPT))
    vectors = {word: vector([rng.uniform(-1, 1) for _ in range(DIM)], f"{word}.") for word in vocabulary}
    W = matrix(uniform(rng, HIDDEN, DIM * len(WINDOW), -0.5, 0.5), "W")
    b = vector([rng.uniform(-0.5, 0.5) for _ in range(HIDDEN)], "b")
    U = vector([rng.uniform(-1, 1) for _ in range(HIDDEN)], "U")
    s.say(f'true window "{" ".join(WINDOW)}", corrupt window "{" ".join(CORRUPT)}"')
    s.say(f"{len(WINDOW)} words × {DIM} dims = {DIM * len(WINDOW)} inputs, W {HIDDEN}×{DIM * len(WINDOW)}, "
          f"b {HIDDEN}, U {HIDDEN}×1; {len(vocabulary)} word vectors, learned too")
    s.note('the article writes "Pairs" for Paris; the window is the cs224n notes\' example.')
    score_true, z, a = score(WINDOW, vectors, W, b, U)
    score_corrupt, z_c, a_c = score(CORRUPT, vectors, W, b, U)
    J = margin_loss(score_true, score_corrupt)
    s.main_graph = J
    s.say(f"s = {score_true.data:.4f}, s_c = {score_corrupt.data:.4f}, J = max(0, 1 − s + s_c) = {J.data:.4f}")
    s.backward(J)

    s.heading("the notes' gradients (numpy) against the engine's")
    W_np, b_np, U_np = np.array(data(W)), np.array(data(b)), np.array(data(U))
    x = np.array([vectors[w][k].data for w in WINDOW for k in range(DIM)])
    x_c = np.array([vectors[w][k].data for w in CORRUPT for k in range(DIM)])
    f = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    a_np, a_c_np = f(W_np @ x + b_np), f(W_np @ x_c + b_np)
    s_np, s_c_np = U_np @ a_np, U_np @ a_c_np
    active = 1 - s_np + s_c_np > 0
    s.compare("J = max(0, 1 − s + s_c)", max(0.0, 1 - s_np + s_c_np), J)
    s.expect("the margin is violated, so J > 0 and gradients flow", active)
    dJ_ds, dJ_ds_c = (-1.0, 1.0) if active else (0.0, 0.0)
    delta = U_np * a_np * (1 - a_np)        # ∂s/∂z_i = U_i·f′(z_i): the error signal at hidden unit i
    delta_c = U_np * a_c_np * (1 - a_c_np)
    s.compare("δ at the hidden units, ∂J/∂z", dJ_ds * delta, grads(z))
    s.compare("δ_c at the hidden units, ∂J/∂z_c", dJ_ds_c * delta_c, grads(z_c))
    s.compare("∂J/∂U = −a + a_c", dJ_ds * a_np + dJ_ds_c * a_c_np, grads(U))
    s.compare("∂J/∂W = −δ·xᵀ + δ_c·x_cᵀ", dJ_ds * np.outer(delta, x) + dJ_ds_c * np.outer(delta_c, x_c), grads(W))
    s.compare("∂J/∂b = −δ + δ_c (input 1)", dJ_ds * delta + dJ_ds_c * delta_c, grads(b))
    # ∂s/∂x = Wᵀδ; a word's vector collects the share of every slot it sits in, in both windows
    dx, dx_c = dJ_ds * (W_np.T @ delta), dJ_ds_c * (W_np.T @ delta_c)
    shared = {word: np.zeros(DIM) for word in vocabulary}
    for words, grad in ((WINDOW, dx), (CORRUPT, dx_c)):
        for slot, word in enumerate(words):
            shared[word] += grad[slot * DIM:(slot + 1) * DIM]
    s.compare("∂J/∂(word vectors) = Σ slots of Wᵀδ", [shared[w] for w in vocabulary],
              [grads(vectors[w]) for w in vocabulary])
    both = [w for w in vocabulary if w in WINDOW and w in CORRUPT]
    s.say(f"  error sharing: {', '.join(both)} sit in both windows, so their vectors add up two shares")
    s.pause("gradients checked")

    s.heading("gradient check (2.1 in the notes): central differences for every parameter")
    parameters = flat([W, b, U, [vectors[w] for w in vocabulary]])

    def loss_of(*values):
        W_, b_, U_, vecs = unflatten(values, vocabulary)
        return margin_loss(score(WINDOW, vecs, W_, b_, U_)[0], score(CORRUPT, vecs, W_, b_, U_)[0])

    s.compare("J from gradcheck's flat parameter list", J, loss_of(*parameters))
    s.gradcheck("J", loss_of, parameters)


def unflatten(values, vocabulary):
    """W, b, U and the word vectors back out of the flat list that gradcheck hands
    over, taken in the order `flat([W, b, U, word vectors])` laid them out."""
    rest = iter(values)

    def take(n: int) -> list:
        return [next(rest) for _ in range(n)]

    W = [take(DIM * len(WINDOW)) for _ in range(HIDDEN)]
    b, U = take(HIDDEN), take(HIDDEN)
    return W, b, U, {word: take(DIM) for word in vocabulary}
