"""Article 002's linear 4→4→4→4 network, trained correctly; the slip in its code explained."""

import numpy as np

import nn
from engine import Value, add_all

from .checks import FORMULA
from .layers import data, flat, grads, leaves_named, matrix, named, uniform, vecmat
from .plots import two_loss_curves

ARTICLE = "002"
SEED = 2

TARGET = [0.5, 0.7, 0.3, 0.1]
TARGET_LABELS = [f"target[{j}]" for j in range(len(TARGET))]
WIDTH = 4
#: The article trains with lr = 1e-7 for 500 000 epochs; the same descent with a
#: step this size reaches the target in a few hundred steps.
LR, STEPS = 5e-3, 1000
#: The article's own loop: its lr; its first EXACT_EPOCHS epochs run exactly;
#: then LONG_STEPS steps each LONG_STRIDE times as big.
ARTICLE_LR, EXACT_EPOCHS, LONG_STRIDE, LONG_STEPS = 1e-7, 10_000, 2_000, 10_000

#: The article's own words (its code and the end of its printout), quoted exactly.
SAYS = {
    "start": "p_B = 2*p_F",
    "p before": "[0.3510625  0.40112821 0.58337076 0.47380298]",
    "last p": "[0.3417333  0.39486274 0.57580922 0.46745137]",
}


def quote(what: str) -> str:
    """The article's own words, in “ ”."""
    return f"“{SAYS[what]}”"


def printed(what: str) -> list[float]:
    """One of the article's printed p vectors, as numbers."""
    return [float(v) for v in SAYS[what].strip("[]").split()]


def forward(x, weights):
    """y = x·W1, z = y·W2, p = z·W3 (no bias, no activation: the article's code);
    C = Σ(p − target)², every node named, the targets labelled leaves (constants)."""
    y = vecmat(x, weights[0], label="y")
    z = vecmat(y, weights[1], label="z")
    p = vecmat(z, weights[2], label="p")
    terms = []
    for j, (p_j, t) in enumerate(zip(p, TARGET)):
        difference = named(p_j - Value(t, TARGET_LABELS[j]), f"{p_j.label}−{TARGET_LABELS[j]}")
        terms.append(named(difference ** 2, f"({difference.label})²"))
    return (y, z, p), named(add_all(terms), "C")



def article_gradients(x, layers, weights, start):
    """The article's backward pass in numpy, from the starting gradient `start` = ∂C/∂p.

    It builds each gradient matrix row by row, row i = (input i)·(backward vector):
    with its layout p = z @ W, that row is exactly ∂C/∂W[i, :].
    """
    W1, W2, W3 = (np.array(data(W)) for W in weights)
    y, z, _ = (np.array(data(layer)) for layer in layers)
    p_B = start
    z_B = p_B @ W3.T
    y_B = z_B @ W2.T
    return [np.array([x_i * y_B for x_i in x]), np.array([y_i * z_B for y_i in y]),
            np.array([z_i * p_B for z_i in z])]


def run(s) -> None:
    rng = s.rng
    x = [rng.random() for _ in range(WIDTH)]  # the article's x_F = np.random.rand(4)
    weights = [matrix(uniform(rng, WIDTH, WIDTH), f"W{k}") for k in (1, 2, 3)]
    layers, loss = forward(x, weights)
    s.main_parameters = flat(weights)
    p = np.array(data(layers[2]))
    s.say("the article's code: x_F → y_F = x_F·x_y_w → z_F = y_F·y_z_w → p_F = z_F·z_p_w,")
    s.say("no bias; here W1, W2, W3 are x_y_w, y_z_w, z_p_w and y, z, p are y_F, z_F, p_F")
    s.say(f"x_F = {fmt(x)}, weights U[0, 1) like np.random.rand")
    s.say(f"target = {TARGET}")
    s.note("the article's numbers come from np.random.rand; ours from the seed")
    s.say(f"forward: p_F = {fmt(p)},  C = Σ(p_F − target)² = {loss.data:.4f}")
    s.backward(loss)

    s.heading("the backward pass, the article's way (numpy) against the engine's")
    s.say("  its backward nodes: p_B = ∂C/∂p_F, z_B = p_B·z_p_wᵀ, y_B = z_B·y_z_wᵀ;")
    s.say("  gradient row i of each matrix = (its input)[i] × (the B vector after it)")
    s.compare("p_B = ∂C/∂p_F = 2(p_F − target)", 2 * (p - TARGET), grads(layers[2]))
    correct = article_gradients(x, layers, weights, 2 * (p - TARGET))
    rows = ("x_F[i]·y_B", "y_F[i]·z_B", "z_F[i]·p_B")
    for k, (mine, W, row) in enumerate(zip(correct, weights, rows), start=1):
        s.compare(f"∂C/∂W{k}: row i = {row}", mine, grads(W))
    s.note(f"the article's code starts its backward pass from {quote('start')}, its starting "
           "gradient: ∂/∂p of Σp², not of its loss Σ(p − target)², whose gradient is 2(p − target). "
           "So its code descends towards p = 0 and the target only steers the printed loss. "
           "With the starting gradient 2(p − target) the rows above match.")
    s.note("its gradient matrices are sometimes said to be transposed too; they are not: with "
           "p_F = z_F @ z_p_w, ∂C/∂z_p_w[i, j] = z_F[i]·p_B[j], and row i = z_F[i]·p_B is "
           "exactly what it builds (the ticks above check every entry against the engine).")
    sum_of_squares = named(add_all(p_j * p_j for p_j in layers[2]), "Σp²")  # the same p nodes, a second loss
    s.fresh_backward(sum_of_squares)
    wrong = article_gradients(x, layers, weights, 2 * p)
    s.compare("starting gradient 2p (the article's): ∂(Σp²)/∂W3", wrong[2], grads(weights[2]), source=FORMULA)
    s.say("  the engine's gradient of Σp² is what the article's code computes")
    s.pause("gradients checked")

    steps = s.training_steps(STEPS)
    s.heading(f"training correctly: {steps} steps of SGD, lr = {LR:g}, beside numpy")
    start = [np.array(data(W)) for W in weights]
    optimizer = nn.SGD(flat(weights), lr=LR)  # θ ← θ − α·∂C/∂θ
    engine_curve = []
    for _ in range(steps):
        optimizer.zero_grad()
        _, loss = forward(x, weights)
        loss.backward()
        engine_curve.append(loss.data)
        optimizer.step()
    mine, _, _ = article_training(x, start, steps, LR, articles_start=False)
    for k, (W, W_np) in enumerate(zip(weights, mine), start=1):
        s.compare(f"W{k} after training (numpy, 2(p − target))", W_np, data(W), rtol=1e-8)
    layers, loss = forward(x, weights)  # the trained net, built anew: every node holds current numbers
    s.main_graph, s.main_constants = loss, leaves_named(loss, TARGET_LABELS)
    p = np.array(data(layers[2]))
    s.say(f"  p = {fmt(p)},  C = {loss.data:.1e} (from {engine_curve[0]:.4g})")
    if steps >= STEPS:
        s.expect("trained: C fell below 1e-4 of where it started", loss.data <= 1e-4 * engine_curve[0],
                 f"C = {loss.data:.1e}, start {engine_curve[0]:.4g}")
    else:
        s.say(f"  (how far C falls is checked after {STEPS} steps; --steps {steps} may be too few)")
    s.pause("corrected training done")
    article_curve = article_loop(s, x, start)
    s.fresh_backward(loss)
    s.render(loss, "graph.png", caption=f"the net after {steps} steps of SGD (lr {LR:g}), trained correctly: "
                                        f"C = {loss.data:.3g} (it started at {engine_curve[0]:.4g}); its gradients now")
    s.plot(lambda path: two_loss_curves(engine_curve, LR, article_curve, ARTICLE_LR * LONG_STRIDE,
                                        sum(t * t for t in TARGET), path), "loss.png")


def fmt(p) -> str:
    return "[" + ", ".join(f"{v:.4f}" for v in p) + "]"


def article_loop(s, x, start) -> list:
    """The article's own loop (starting gradient 2p, lr 1e-7), long enough to see where it goes."""
    target_norm = sum(t * t for t in TARGET)
    s.heading(f"the article's own loop: starting gradient 2p, lr {ARTICLE_LR:g}, from the same start")
    s.say(f"  it descends Σp², so p heads for 0 and C = Σ(p − target)² for Σt² = {target_norm:.2f}")
    printout(s)
    # C before step n+1 is C after n steps
    _, exact, _ = article_training(x, start, EXACT_EPOCHS + 1, ARTICLE_LR, articles_start=True)
    _, coarse, _ = article_training(x, start, EXACT_EPOCHS // LONG_STRIDE + 1, ARTICLE_LR * LONG_STRIDE,
                                    articles_start=True)
    gap = abs(exact[-1] - coarse[-1]) / exact[-1]
    s.say(f"  its first {EXACT_EPOCHS:,} epochs exactly: C = {exact[-1]:.4f}. The same descent in steps")
    s.say(f"  of lr {ARTICLE_LR * LONG_STRIDE:g} (each stands for {LONG_STRIDE:,} of its epochs): "
          f"C = {coarse[-1]:.4f}")
    s.expect("the bigger step follows the article's path (within 5%)", gap < 0.05, f"{gap:.1%} apart")
    s.note(f"the article runs 500,000 epochs; {LONG_STEPS:,} steps of lr {ARTICLE_LR * LONG_STRIDE:g} "
           f"stand for {LONG_STEPS * LONG_STRIDE:,} of them (seconds instead of hours)")
    _, curve, outputs = article_training(x, start, LONG_STEPS, ARTICLE_LR * LONG_STRIDE, articles_start=True)
    lowest = int(np.argmin(curve))
    s.say(f"  {'epochs (article)':>18}  {'C':>8}  p")
    marks = sorted({0, min(500_000 // LONG_STRIDE, LONG_STEPS - 1), lowest, LONG_STEPS - 1})
    for k in marks:
        p_k = outputs[k]
        tag = "  lowest" if k == lowest else ("  it stops" if k * LONG_STRIDE == 500_000 else "")
        s.say(f"  {k * LONG_STRIDE:>18,}  {curve[k]:>8.4f}  {fmt(p_k)}{tag}")
    s.expect(f"its loss bottoms out, then climbs back toward Σt² = {target_norm:.2f}",
             curve[lowest] < curve[-1] and abs(curve[-1] - target_norm) < 0.1,
             f"lowest {curve[lowest]:.4f}, last {curve[-1]:.4f}")
    s.note("the article's text speaks of cross-entropy as the loss; its code uses the squared "
           "error Σ(p − target)², as we do")
    return curve


def printout(s) -> None:
    """The article's own printout already shows its starting gradient at work."""
    before, last = printed("p before"), printed("last p")
    s.say("  its own printout shows it already: its last two p_F are")
    s.say(f"    {quote('p before')}")
    s.say(f"    {quote('last p')}")
    below = [j for j in range(len(TARGET)) if last[j] < TARGET[j]]
    falling = [j for j in below if last[j] < before[j]]
    s.say("  p₀ and p₁ are below their targets 0.5 and 0.7, yet still falling: Σp²")
    s.say("  pulls every p towards 0, and the loss it prints falls only while p₂ and p₃")
    s.say("  come down towards theirs")
    s.expect(f"its printout: p₀ = {last[0]:.4f} < {TARGET[0]:g} and p₁ = {last[1]:.4f} < {TARGET[1]:g}, "
             "both still falling", below == falling == [0, 1],
             f"from {before[0]:.4f}, {before[1]:.4f}")


def article_training(x, start, steps: int, lr: float, articles_start: bool) -> tuple[list, list]:
    """The article's training loop in numpy, its backward pass started from the
    article's starting gradient (2p) or from the loss's (2(p − target), fixed);
    returns the weights, and C and p before each step."""
    x = np.array(x)
    W1, W2, W3 = (W.copy() for W in start)
    curve, outputs = [], []
    for _ in range(steps):
        y = x @ W1
        z = y @ W2
        p = z @ W3
        curve.append(float(np.sum((p - TARGET) ** 2)))
        outputs.append(p)
        p_B = 2 * p if articles_start else 2 * (p - TARGET)
        z_B = p_B @ W3.T
        y_B = z_B @ W2.T
        W1 = W1 - lr * np.outer(x, y_B)
        W2 = W2 - lr * np.outer(y, z_B)
        W3 = W3 - lr * np.outer(z, p_B)
    return [W1, W2, W3], curve, outputs
