"""Article 001's window classifier (cs224n): max-margin loss, the 8 steps of error sharing, gradcheck."""

import numpy as np

import engine
import nn
from engine import Value, dot

from .checks import FORMULA, NUMERIC, number
from .layers import activate, data, flat, grads, leaves_named, matrix, matvec, named, uniform, vector
from .session import GRADCHECK_EPS

ARTICLE = "001"
SEED = 1

WINDOW = ["museums", "in", "paris", "are", "amazing"]   # "Museums in Paris are amazing": Paris is a place
CORRUPT = ["not", "all", "museums", "in", "paris"]      # the notes' negative window
DIM, HIDDEN = 4, 8                                       # 5 words × 4 = 20 inputs, 8 sigmoid units
#: SGD until the margin holds, for the J = 0 case.
NO_ERROR_LR, NO_ERROR_STEPS = 0.1, 1000


def score(words, vectors, W, b, U):
    """s = Uᵀ·f(Wx + b), x the window's word vectors end to end. The corrupt window's
    values are named apart (z_c0, a_c0, s_c), so every node of the graph has a name of its own."""
    x = [v for word in words for v in vectors[word]]
    apart = "_c" if words == CORRUPT else ""
    z = matvec(W, x, b, label=f"z{apart}")
    a = activate(z, "sigmoid", label=f"a{apart}")
    return named(dot(U, a), f"s{apart}"), z, a


def margin_loss(s: Value, s_c: Value) -> Value:
    """J = max(0, 1 − s + s_c): the true window must outscore the corrupt one by 1."""
    d = Value(1.0, "d")  # the margin, d = 1 in the notes (§1.4)
    return named(named(named(d - s, "d−s") + s_c, "d−s+s_c").relu(), "J")


def build(rng):
    """The word vectors (by word), W, b and U, drawn from `rng` in this order."""
    vocabulary = sorted(set(WINDOW + CORRUPT))
    vectors = {word: vector([rng.uniform(-1, 1) for _ in range(DIM)], f"{word}.") for word in vocabulary}
    W = matrix(uniform(rng, HIDDEN, DIM * len(WINDOW), -0.5, 0.5), "W")
    b = vector([rng.uniform(-0.5, 0.5) for _ in range(HIDDEN)], "b")
    U = vector([rng.uniform(-1, 1) for _ in range(HIDDEN)], "U")
    return vectors, W, b, U


def run(s) -> None:
    vectors, W, b, U = build(s.rng)
    vocabulary = sorted(vectors)
    s.say(f'true window "{" ".join(WINDOW)}" (§1.3),')
    s.say(f'corrupt window "{" ".join(CORRUPT)}" (§1.4)')
    s.say(f"{len(WINDOW)} words × {DIM} dims = {DIM * len(WINDOW)} inputs, W {HIDDEN}×{DIM * len(WINDOW)}, "
          f"b {HIDDEN}, U {HIDDEN}×1; s = Uᵀ·f(Wx + b), f = sigmoid")
    s.note("the article gives the shapes, not the numbers: W, b, U and the "
           f"{len(vocabulary)} word vectors are drawn from the seed. It writes \"Pairs\" for Paris. "
           "In §1.5 the notes call W W⁽¹⁾ and U W⁽²⁾, x is a⁽¹⁾ and s is z⁽³⁾ = a⁽³⁾")
    score_true, z, a = score(WINDOW, vectors, W, b, U)
    score_corrupt, z_c, a_c = score(CORRUPT, vectors, W, b, U)
    J = margin_loss(score_true, score_corrupt)
    s.main_graph, s.main_constants = J, leaves_named(J, ["d"])
    s.main_parameters = flat([W, b, U])
    s.say(f"s = {score_true.data:.4f}, s_c = {score_corrupt.data:.4f}, J = max(0, 1 − s + s_c) = {J.data:.4f}")
    translator_questions(s)
    s.backward(J)

    s.heading("the notes' gradients (§1.5, §1.6, numpy) against the engine's")
    W_np, b_np, U_np = np.array(data(W)), np.array(data(b)), np.array(data(U))
    x = np.array([vectors[w][k].data for w in WINDOW for k in range(DIM)])
    x_c = np.array([vectors[w][k].data for w in CORRUPT for k in range(DIM)])
    f = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    a_np, a_c_np = f(W_np @ x + b_np), f(W_np @ x_c + b_np)
    s_np, s_c_np = U_np @ a_np, U_np @ a_c_np
    active = 1 - s_np + s_c_np > 0
    s.compare("J = max(0, 1 − s + s_c)", max(0.0, 1 - s_np + s_c_np), J, source=FORMULA)
    s.expect("the margin is violated, so J > 0 and gradients flow", active, f"s − s_c = {s_np - s_c_np:.4f} < 1")
    dJ_ds, dJ_ds_c = (-1.0, 1.0) if active else (0.0, 0.0)
    s.say("  δ below always means the notes' δ⁽²⁾ = ∂s/∂z⁽²⁾ = f′(z) ⊙ U, the error signal")
    s.say("  at the hidden units' inputs for the score s (δ_c: the same for s_c).")
    s.say("  J = 1 − s + s_c, so ∂J/∂z = −δ and ∂J/∂z_c = +δ_c:")
    delta = U_np * a_np * (1 - a_np)
    delta_c = U_np * a_c_np * (1 - a_c_np)
    s.compare("∂J/∂z = −δ", dJ_ds * delta, grads(z), source=FORMULA)
    s.compare("∂J/∂z_c = +δ_c", dJ_ds_c * delta_c, grads(z_c), source=FORMULA)
    s.compare("∂J/∂U = −a + a_c", dJ_ds * a_np + dJ_ds_c * a_c_np, grads(U), source=FORMULA)
    dJ_dW = dJ_ds * np.outer(delta, x) + dJ_ds_c * np.outer(delta_c, x_c)
    s.compare("∂J/∂W = −δ·xᵀ + δ_c·x_cᵀ (§1.6)", dJ_dW, grads(W), source=FORMULA)
    s.compare("∂J/∂b = −δ + δ_c (§1.5: input 1)", dJ_ds * delta + dJ_ds_c * delta_c, grads(b), source=FORMULA)
    # ∂s/∂x = Wᵀδ; a word's vector collects the gradient of every slot it sits in, in both windows
    dx, dx_c = dJ_ds * (W_np.T @ delta), dJ_ds_c * (W_np.T @ delta_c)
    collected = {word: np.zeros(DIM) for word in vocabulary}
    for words, grad in ((WINDOW, dx), (CORRUPT, dx_c)):
        for slot, word in enumerate(words):
            collected[word] += grad[slot * DIM:(slot + 1) * DIM]
    s.compare("∂J/∂(word vectors) = Σ slots of ∓Wᵀδ", [collected[w] for w in vocabulary],
              [grads(vectors[w]) for w in vocabulary])
    both = [w for w in vocabulary if w in WINDOW and w in CORRUPT]
    s.say(f"  {', '.join(both)} sit in both windows: each of their vectors adds the")
    s.say("  gradients from its two slots (a sum over uses, not the notes' error sharing)")
    s.pause("gradients checked")

    error_sharing(s, score_true, W, U, z, a, x)
    update_gradient(s, J, W, (W_np, b_np, U_np), x, x_c)
    s.pause("error sharing done")

    s.heading("gradient check (§2.1): central differences for every parameter")
    parameters = flat([W, b, U, [vectors[w] for w in vocabulary]])

    def loss_of(*values):
        W_, b_, U_, vecs = unflatten(values, vocabulary)
        return margin_loss(score(WINDOW, vecs, W_, b_, U_)[0], score(CORRUPT, vecs, W_, b_, U_)[0])

    s.gradcheck("J", loss_of, parameters)
    s.pause("gradient check done")

    no_error(s, vectors, W, b, U)
    draw_margin(s, a, a_c, U)
    s.fresh_backward(J)  # the page shows J's own pass


def draw_margin(s, a, a_c, U) -> None:
    """The top of the graph, readable: the two windows' scores from their hidden
    activations (taken as given) and the margin. The whole graph, 709 edges, is
    on the --html page."""
    hidden = [Value(v.data, f"a{j}") for j, v in enumerate(a)]
    hidden_c = [Value(v.data, f"a_c{j}") for j, v in enumerate(a_c)]
    s_true, s_c = named(dot(U, hidden), "s"), named(dot(U, hidden_c), "s_c")
    J = margin_loss(s_true, s_c)
    s.fresh_backward(J)
    s.render(J, "margin.png", parameters=U, constants=leaves_named(J, ["d"]),
             caption="s = Uᵀa, s_c = Uᵀa_c, J = max(0, d − s + s_c), the margin d = 1")
    s.say("  picture margin.png: the scores and the margin, from the hidden activations")


def translator_questions(s) -> None:
    """The translator's two questions in §1.4, answered."""
    s.heading("the translator's two questions (§1.4), answered")
    s.say("  1. why is \"Museums in Paris are amazing\" the positive window and \"Not all")
    s.say("     museums in Paris\" the negative one? The classifier judges the CENTRE word")
    s.say(f"     of a window. Centred on \"{WINDOW[2]}\" (a place, a named entity) the window is")
    s.say(f"     a true example; centred on \"{CORRUPT[2]}\" (not a named entity) it is the")
    s.say("     corrupt one. The loss asks the true window to score higher.")
    s.say("  2. when is there no error? The translator is right: J = max(0, 1 − s + s_c)")
    s.say("     is 0 once s − s_c ≥ 1 (the margin d = 1), not merely once s > s_c; then")
    s.say("     every gradient is 0 and nothing is updated. Shown at the end.")


def error_sharing(s, score_true, W, U, z, a, x) -> None:
    """§1.5's eight steps of error sharing for W₁₄⁽¹⁾, beside the engine's edges of ∂s/∂W."""
    s.heading("error sharing (§1.5): the 8 steps for W₁₄⁽¹⁾, on the score s")
    s.say("  a fresh backward pass of s alone; the engine's edges it takes on the way:")
    edges = {}
    engine.zero_grad(score_true)
    for step in engine.backward_steps(score_true):
        edges[(id(step.node), id(step.parent))] = step
    to_a1 = edges[(id(score_true), id(a[0]))]
    to_z1 = edges[(id(a[0]), id(z[0]))]
    to_w14 = edges[(id(z[0]), id(W[0][3]))]
    f_slope = a[0].data * (1 - a[0].data)
    U1, a14 = U[0].data, x[3]
    delta1 = f_slope * U1
    rows = [
        ("1. error signal at s = z₁⁽³⁾ = a₁⁽³⁾", "1", f"s.grad = {number(score_true.grad)}"),
        ("2. × gradient of a₁⁽³⁾ = z₁⁽³⁾", "× 1", "(s has no activation)"),
        ("3. shared to a₁⁽²⁾: × W₁⁽²⁾ = U₁", f"× {number(U1, 6)}", f"local {number(to_a1.local_grad, 6)}"),
        ("4. error at a₁⁽²⁾ = W₁⁽²⁾", number(U1, 6), f"{a[0].label}.grad = {number(to_a1.parent_grad, 6)}"),
        ("5. × f′(z₁⁽²⁾) = a₁⁽²⁾(1 − a₁⁽²⁾)", f"× {number(f_slope, 6)}", f"local {number(to_z1.local_grad, 6)}"),
        ("6. error at z₁⁽²⁾ = δ₁⁽²⁾", number(delta1, 6), f"{z[0].label}.grad = {number(to_z1.parent_grad, 6)}"),
        ("7. shared to W₁₄⁽¹⁾: × a₄⁽¹⁾", f"× {number(a14, 6)}", f"local {number(to_w14.local_grad, 6)}"),
        ("8. ∂s/∂W₁₄⁽¹⁾ = δ₁⁽²⁾·a₄⁽¹⁾", number(delta1 * a14, 6),
         f"{W[0][3].label}.grad = {number(to_w14.parent_grad, 6)}"),
    ]
    s.say(f"  {'step (the notes)':<34}{'number':>12}  the engine's edge")
    for what, shown, edge in rows:
        s.say(f"  {what:<34}{shown:>12}  {edge}")
    s.say("  (1-based as in the notes: W₁₄⁽¹⁾ is W[0,3], a₄⁽¹⁾ is x[3], unit 1 is z0/a0)")
    s.compare("step 3: local derivative = U₁", U1, to_a1.local_grad, source=FORMULA)
    s.compare("step 5: local derivative = f′(z₁)", f_slope, to_z1.local_grad, source=FORMULA)
    s.compare("step 7: local derivative = a₄⁽¹⁾", a14, to_w14.local_grad, source=FORMULA)
    s.compare("step 8: ∂s/∂W₁₄⁽¹⁾ = δ₁⁽²⁾·a₄⁽¹⁾", delta1 * a14, W[0][3].grad, source=FORMULA)
    s.say("  the same number as the derivative: sharing the error out along the weights")
    s.say("  and taking derivatives are one computation, seen two ways (§1.5).")


def update_gradient(s, J: Value, W, numbers, x, x_c) -> None:
    """What SGD moves W₁₄⁽¹⁾ by: ∂J/∂W₁₄⁽¹⁾, not the 8 steps' ∂s/∂W₁₄⁽¹⁾ (W₁₄⁽¹⁾ feeds s_c too)."""
    W_np, b_np, U_np = numbers
    f = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    a_np, a_c_np = f(W_np @ x + b_np), f(W_np @ x_c + b_np)
    ds = U_np[0] * a_np[0] * (1 - a_np[0]) * x[3]          # step 8: δ₁⁽²⁾·a₄⁽¹⁾
    ds_c = U_np[0] * a_c_np[0] * (1 - a_c_np[0]) * x_c[3]  # the same 8 steps on s_c
    active = 1 - U_np @ a_np + U_np @ a_c_np > 0
    dJ = -ds + ds_c if active else 0.0
    s.say(f"  the 8 steps give ∂s/∂W₁₄⁽¹⁾ = {number(ds, 6)}, the SCORE's gradient, not the")
    s.say("  update. J = max(0, 1 − s + s_c), and W₁₄⁽¹⁾ also feeds s_c: in the corrupt")
    s.say(f"  window a₄⁽¹⁾ is x_c[3] = {number(x_c[3], 6)}, and the same 8 steps on s_c give")
    s.say(f"  ∂s_c/∂W₁₄⁽¹⁾ = {number(ds_c, 6)}. SGD moves W₁₄⁽¹⁾ by −lr·∂J/∂W₁₄⁽¹⁾, with")
    s.say(f"    ∂J/∂W₁₄⁽¹⁾ = −∂s/∂W₁₄⁽¹⁾ + ∂s_c/∂W₁₄⁽¹⁾ = {number(dJ, 6)}"
          + ("" if active else "  (J = 0 here: nothing moves)"))
    s.fresh_backward(J)
    s.compare("∂J/∂W₁₄⁽¹⁾ = −∂s/∂W₁₄⁽¹⁾ + ∂s_c/∂W₁₄⁽¹⁾", dJ, W[0][3].grad)

    def J_np(W_np):
        return max(0.0, 1 - U_np @ f(W_np @ x + b_np) + U_np @ f(W_np @ x_c + b_np))

    h = GRADCHECK_EPS * max(1.0, abs(W_np[0, 3]))
    up, down = W_np.copy(), W_np.copy()
    up[0, 3] += h
    down[0, 3] -= h
    s.compare("∂J/∂W₁₄⁽¹⁾ by central differences of J", (J_np(up) - J_np(down)) / (2 * h), W[0][3].grad,
              source=NUMERIC, rtol=1e-6, atol=1e-9)


def no_error(s, vectors, W, b, U) -> None:
    """Train until the margin holds: J = 0 and every gradient is exactly 0."""
    s.heading("no error (§1.4, §1.5): once s − s_c ≥ 1, J = 0 and nothing is updated")
    parameters = flat([W, b, U, [vectors[w] for w in sorted(vectors)]])
    before = [p.data for p in parameters]
    optimizer = nn.SGD(parameters, lr=NO_ERROR_LR)
    for step in range(1, NO_ERROR_STEPS + 1):
        J = margin_loss(score(WINDOW, vectors, W, b, U)[0], score(CORRUPT, vectors, W, b, U)[0])
        if J.data == 0.0:
            break
        optimizer.zero_grad()
        J.backward()
        optimizer.step()
    s_true, s_c = score(WINDOW, vectors, W, b, U)[0], score(CORRUPT, vectors, W, b, U)[0]
    J = margin_loss(s_true, s_c)
    s.say(f"  after {step - 1} step{'s' * (step != 2)} of SGD (lr {NO_ERROR_LR:g}): "
          f"s = {s_true.data:.4f}, s_c = {s_c.data:.4f}, s − s_c = {s_true.data - s_c.data:.4f}")
    s.compare("J = max(0, 1 − s + s_c)", max(0.0, 1 - s_true.data + s_c.data), J, source=FORMULA)
    optimizer.zero_grad()
    J.backward()
    moved = [p for p in parameters if p.grad != 0.0]
    s.expect("every one of the gradients is exactly 0", J.data == 0.0 and not moved,
             f"{len(parameters)} parameters, {len(moved)} with a gradient")
    for p, number_before in zip(parameters, before):
        p.data = number_before  # back to the start: the graph drawn next holds these numbers


def unflatten(values, vocabulary):
    """W, b, U and the word vectors back out of the flat list that gradcheck hands
    over, taken in the order `flat([W, b, U, word vectors])` laid them out."""
    rest = iter(values)

    def take(n: int) -> list:
        return [next(rest) for _ in range(n)]

    W = [take(DIM * len(WINDOW)) for _ in range(HIDDEN)]
    b, U = take(HIDDEN), take(HIDDEN)
    return W, b, U, {word: take(DIM) for word in vocabulary}
