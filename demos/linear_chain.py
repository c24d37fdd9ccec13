"""Article 002's linear 4→4→4→4 network, trained correctly; the slip in its code explained."""

import numpy as np

import nn
from engine import add_all

from .layers import data, flat, grads, matrix, named, uniform, vecmat

ARTICLE = "002"
SEED = 2

TARGET = [0.5, 0.7, 0.3, 0.1]
WIDTH = 4
#: The article trains with lr = 1e-7 for 500 000 epochs; the same descent with a
#: step this size reaches the target in a few hundred steps.
LR, STEPS = 5e-3, 1000


def forward(x, weights):
    """y = x·W1, z = y·W2, p = z·W3 (no bias, no activation: the article's code)."""
    y = vecmat(x, weights[0], label="y")
    z = vecmat(y, weights[1], label="z")
    p = vecmat(z, weights[2], label="p")
    loss = named(add_all((p_j - t) ** 2 for p_j, t in zip(p, TARGET)), "C")
    return (y, z, p), loss


def article_gradients(x, layers, weights, seed):
    """The article's backward pass in numpy, seeded with `seed` = ∂C/∂p.

    It builds each gradient matrix row by row, row i = (input i)·(backward vector):
    with its layout p = z @ W, that row is exactly ∂C/∂W[i, :].
    """
    W1, W2, W3 = (np.array(data(W)) for W in weights)
    y, z, _ = (np.array(data(layer)) for layer in layers)
    p_B = seed
    z_B = p_B @ W3.T
    y_B = z_B @ W2.T
    return [np.array([x_i * y_B for x_i in x]), np.array([y_i * z_B for y_i in y]),
            np.array([z_i * p_B for z_i in z])]


def run(s) -> None:
    rng = s.rng
    x = [rng.random() for _ in range(WIDTH)]  # the article's x_F = np.random.rand(4)
    weights = [matrix(uniform(rng, WIDTH, WIDTH), f"W{k}") for k in (1, 2, 3)]
    layers, loss = forward(x, weights)
    p = np.array(data(layers[2]))
    s.say(f"x = {np.round(x, 4).tolist()}, weights U[0, 1) like np.random.rand, target = {TARGET}")
    s.say(f"forward: p = {np.round(p, 4).tolist()},  C = Σ(p − target)² = {loss.data:.4f}")
    s.backward(loss)

    s.heading("the backward pass, the article's way (numpy) against the engine's")
    s.compare("∂C/∂p = 2(p − target)", 2 * (p - TARGET), grads(layers[2]))
    correct = article_gradients(x, layers, weights, 2 * (p - TARGET))
    for k, (mine, W) in enumerate(zip(correct, weights), start=1):
        s.compare(f"∂C/∂W{k}, rows built as input_i·δ", mine, grads(W))
    s.note("the article's code seeds the backward pass with p_B = 2*p_F, the gradient of Σp²,")
    s.say("        not of its loss Σ(p − target)²: its code descends towards p = 0 and the target")
    s.say("        only steers the printed loss. With the seed 2(p − target) the rows above match.")
    s.note("its gradient matrices are sometimes said to be transposed too; they are not: with")
    s.say("        p = z @ W, ∂C/∂W[i, j] = z_i·δ_j, and row i = z_i·δ is exactly what it builds")
    s.say("        (the ticks above check every entry against the engine).")
    sum_of_squares = named(add_all(p_j * p_j for p_j in layers[2]), "Σp²")  # the same p nodes, a second loss
    for w in flat(weights):
        w.grad = 0.0  # leaves accumulate across passes: start this one from zero
    sum_of_squares.backward()
    wrong = article_gradients(x, layers, weights, 2 * p)
    s.compare("article's seed 2p: ∂(Σp²)/∂W3", wrong[2], grads(weights[2]))
    s.say("        (the engine's gradient of Σp² is what the article's code computes)")
    s.pause("gradients checked")

    steps = s.training_steps(STEPS)
    s.heading(f"training correctly: {steps} steps of SGD, lr = {LR:g}, beside the article's code")
    start = [np.array(data(W)) for W in weights]
    optimizer = nn.SGD(flat(weights), lr=LR)  # θ ← θ − α·∂C/∂θ
    for _ in range(steps):
        optimizer.zero_grad()
        _, loss = forward(x, weights)
        loss.backward()
        optimizer.step()
    mine = article_training(x, start, steps, wrong_seed=False)
    theirs = article_training(x, start, steps, wrong_seed=True)
    for k, (W, W_np) in enumerate(zip(weights, mine), start=1):
        s.compare(f"W{k} after training (numpy, seed fixed)", W_np, data(W), rtol=1e-8)
    p = np.array(data(forward(x, weights)[0][2]))
    loss = float(np.sum((p - TARGET) ** 2))
    s.say(f"  engine:         p = {np.round(p, 6).tolist()},  C = {loss:.1e}")
    p_theirs = article_outputs(x, theirs)
    s.say(f"  article's code: p = {np.round(p_theirs, 6).tolist()},  C = {np.sum((p_theirs - TARGET) ** 2):.1e}"
          "  (heading for 0)")
    s.expect("trained correctly, p reaches the target", loss < 1e-6, f"C = {loss:.1e}")


def article_outputs(x, Ws) -> np.ndarray:
    return np.array(x) @ Ws[0] @ Ws[1] @ Ws[2]


def article_training(x, start, steps: int, wrong_seed: bool) -> list:
    """The article's training loop in numpy (its lr replaced by ours), seed as it wrote it or fixed."""
    x = np.array(x)
    W1, W2, W3 = (W.copy() for W in start)
    for _ in range(steps):
        y = x @ W1
        z = y @ W2
        p = z @ W3
        p_B = 2 * p if wrong_seed else 2 * (p - TARGET)
        z_B = p_B @ W3.T
        y_B = z_B @ W2.T
        W1 = W1 - LR * np.outer(x, y_B)
        W2 = W2 - LR * np.outer(y, z_B)
        W3 = W3 - LR * np.outer(z, p_B)
    return [W1, W2, W3]
