"""Article 003's 2-3-1 sigmoid network on its four samples: matrix gradients checked, loss curve."""

import numpy as np

import nn
import viz
from engine import Value, add_all

from .checks import FORMULA
from .layers import activate, data, flat, grads, leaves_named, matrix, named, uniform, vecmat

ARTICLE = "003"
SEED = 3

X = [[1, 0], [0, 1], [1, 0], [1, 1]]
Y = [0, 1, 0, 1]
TRUTHS = [f"y{n}" for n in range(len(Y))]  #: the truths' labels: constants of the graph
LR, ITERATIONS = 0.1, 1000


def sigmoid_derivative(x: np.ndarray) -> np.ndarray:
    """The article's sigmoid_derivative: σ(x)·(1 − σ(x)), taking the pre-activation."""
    s = 1 / (1 + np.exp(-x))
    return s * (1 - s)


def article_gradients(W1: np.ndarray, W2: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The article's forward and backward, formulas 5 and 6, in its numpy."""
    Xn, yn = np.array(X, dtype=float), np.array([Y], dtype=float).T
    hidden = 1 / (1 + np.exp(-(Xn @ W1)))
    output = 1 / (1 + np.exp(-(hidden @ W2)))
    error = 2 * (output - yn) * sigmoid_derivative(hidden @ W2)
    d_W2 = hidden.T @ error
    d_W1 = Xn.T @ ((error @ W2.T) * sigmoid_derivative(Xn @ W1))
    return d_W1, d_W2, float(np.sum((yn - output) ** 2))


#: What the picture of the graph says the network computes.
CAPTION = ("sample n: xn:Z = σ(xn·W1), its 3 hidden units; xn:Y0 = σ(xn:Z·W2), its output; "
           "loss = Σn (yn − xn:Y0)²; no bias (article 003)")


def engine_loss(W1, W2):
    """Σ over the four samples of (y − Y)², built from Values (the article's Y is
    the output, y the truth); every node named, the truths y0 … y3 labelled
    leaves (constants of the graph)."""
    terms = []
    for n, (x, y) in enumerate(zip(X, Y)):  # labels say which sample: x2:Z0 is hidden unit 0's output for sample 2
        hidden = activate(vecmat(x, W1, label=f"x{n}:XW1_"), "sigmoid", label=f"x{n}:Z")
        output = activate(vecmat(hidden, W2, label=f"x{n}:ZW2_"), "sigmoid", label=f"x{n}:Y")[0]
        difference = named(Value(y, TRUTHS[n]) - output, f"{TRUTHS[n]}−{output.label}")
        terms.append(named(difference ** 2, f"({difference.label})²"))
    return named(add_all(terms), "loss")



def run(s) -> None:
    rng = s.rng
    W1 = matrix(uniform(rng, 2, 3), "W1")  # np.random.rand(2, 3)
    W2 = matrix(uniform(rng, 3, 1), "W2")  # np.random.rand(3, 1)
    s.say(f"X = {X}, y = {Y} (the article's data)")
    s.say("Z = σ(X·W1) is the hidden output, Y = σ(Z·W2) the output (the article's names)")
    s.note("the article's weights come from np.random.rand (uniform in [0, 1)); ours are "
           "uniform in [0, 1) from the seed; no bias, as in the article")
    loss = engine_loss(W1, W2)
    s.main_graph, s.main_constants = loss, leaves_named(loss, TRUTHS)
    s.main_parameters = parameters = flat([W1, W2])
    s.say(f"forward at the start: loss = Σ(y − Y)² = {loss.data:.6f}")
    s.backward(loss)
    s.render(loss, "graph.png", caption=CAPTION)

    s.heading("formulas 5 and 6 (the article's numpy) against the engine, at the start")
    d_W1, d_W2, article_loss = article_gradients(np.array(data(W1)), np.array(data(W2)))
    s.compare("loss = Σ(y − Y)²", article_loss, loss, source=FORMULA)
    s.say("  formula 5: dW2 = Zᵀ·(2(Y − y) ⊙ σ′(Z·W2))")
    s.compare("dW2 (formula 5)", d_W2, grads(W2), source=FORMULA)
    s.say("  formula 6: dW1 = Xᵀ·((2(Y − y) ⊙ σ′(Z·W2))·W2ᵀ ⊙ σ′(X·W1))")
    s.compare("dW1 (formula 6)", d_W1, grads(W1), source=FORMULA)
    s.pause("gradients checked")

    iterations = s.training_steps(ITERATIONS)
    s.heading(f"training: {iterations} iterations, lr = {LR}, the engine beside the article's numpy loop")
    W1_np, W2_np = np.array(data(W1)), np.array(data(W2))
    optimizer = nn.SGD(parameters, lr=LR)  # W ← W − lr·dW, the article's update
    engine_curve, article_curve = [], []
    for _ in range(iterations):
        optimizer.zero_grad()
        loss = engine_loss(W1, W2)
        loss.backward()
        engine_curve.append(loss.data)
        optimizer.step()
        d_W1, d_W2, article_loss = article_gradients(W1_np, W2_np)
        article_curve.append(article_loss)
        W1_np, W2_np = W1_np - LR * d_W1, W2_np - LR * d_W2
    s.compare("loss at every iteration", article_curve, engine_curve, source=FORMULA, rtol=1e-8)
    s.compare("W1 after training", W1_np, data(W1), source=FORMULA, rtol=1e-8)
    s.compare("W2 after training", W2_np, data(W2), source=FORMULA, rtol=1e-8)
    loss = engine_loss(W1, W2)  # the trained net, built anew: its nodes hold the trained numbers
    s.fresh_backward(loss)
    s.main_graph, s.main_constants = loss, leaves_named(loss, TRUTHS)
    s.say(f"  final loss: {engine_curve[-1]:.6f} (from {engine_curve[0]:.6f})")
    s.expect("the loss went down", engine_curve[-1] < engine_curve[0])
    s.plot(lambda path: viz.plot_loss(engine_curve, path, title="article 003: the 2-3-1 network, lr 0.1"),
           "loss.png")

