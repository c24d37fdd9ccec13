"""Article 004's logistic regression: dJ/dz = a − y, dJ/dw = x(a − y), for one and m samples."""

import numpy as np

from engine import Value, add_all, dot

from .layers import data, grads, named, vector

ARTICLE = "004"
SEED = 4

N_FEATURES, M_SAMPLES = 3, 5


def cross_entropy(a: Value, y: float) -> Value:
    """J = −y·log a − (1 − y)·log(1 − a), as the article writes it, built from
    short named pieces (see `PIECES`) so each step caption stays readable."""
    p = named(a.log(), "p")
    r = named(named(1 - a, "q").log(), "r")
    return named(named(-y * p, "u") - named((1 - y) * r, "v"), "J")


PIECES = "p = log a, q = 1 − a, r = log q, u = −y·p, v = (1 − y)·r, J = u − v"


def one_sample(s, w, b) -> None:
    rng = s.rng
    x = [rng.uniform(-2, 2) for _ in range(N_FEATURES)]
    y = 1.0
    z = named(dot(w, x, b), "z")
    a = named(z.sigmoid(), "a")
    J = cross_entropy(a, y)
    s.main_graph = J
    s.main_parameters = [*w, b]
    s.say(f"x = {np.round(x, 4).tolist()}, y = {y:g}:  z = wᵀx + b = {z.data:.4f},  a = σ(z) = {a.data:.4f},"
          f"  J = {J.data:.4f}")
    s.say(f"  the pieces: {PIECES}")
    s.backward(J)
    s.compare("dJ/da = −y/a + (1 − y)/(1 − a)", -y / a.data + (1 - y) / (1 - a.data), a.grad)
    s.compare("dJ/dz = a − y", a.data - y, z.grad)
    s.compare("dJ/dw = x·(a − y)", [xi * (a.data - y) for xi in x], grads(w))
    s.compare("dJ/db = a − y", a.data - y, b.grad)
    s.render(J, "one_sample.png")


def m_samples(s, w, b) -> None:
    rng = s.rng
    X = np.array([[rng.uniform(-2, 2) for _ in range(M_SAMPLES)] for _ in range(N_FEATURES)])  # (n, m)
    Y = np.array([[float(rng.random() < 0.5) for _ in range(M_SAMPLES)]])  # (1, m)
    zs = [dot(w, X[:, i].tolist(), b) for i in range(M_SAMPLES)]
    activations = [z.sigmoid() for z in zs]
    J = add_all(cross_entropy(a, y) for a, y in zip(activations, Y[0])) / M_SAMPLES
    s.say(f"X is {N_FEATURES}×{M_SAMPLES}, Y = {Y[0].tolist()}:  J = (1/m)·Σ J_i = {J.data:.6f}")
    s.backward(J)  # zeroes first: w and b still hold one_sample's gradients
    A = np.array([data(activations)])
    m = M_SAMPLES
    s.compare("dJ/dw = (1/m)·X(A − Y)ᵀ", (X @ (A - Y).T / m).ravel(), grads(w))
    s.compare("dJ/db = (1/m)·Σ(A − Y)", np.sum(A - Y) / m, b.grad)
    s.compare("dJ/dz_i = (a_i − y_i)/m", ((A - Y) / m).ravel(), [z.grad for z in zs])
    s.note("the article writes dJ/dZ = A − Y; with J the mean over m samples each z_i's gradient")
    s.say("        carries the 1/m as well, which is where the 1/m in dJ/dw comes from.")


def run(s) -> None:
    rng = s.rng
    w = vector([rng.uniform(-1, 1) for _ in range(N_FEATURES)], "w")
    b = Value(rng.uniform(-1, 1), "b")
    s.heading("one sample: z = wᵀx + b, a = σ(z), J = −y·log a − (1 − y)·log(1 − a)")
    one_sample(s, w, b)
    s.pause("one sample done")
    s.heading(f"m = {M_SAMPLES} samples: the same w and b, J averaged")
    m_samples(s, w, b)
