"""Article 004's logistic regression: dJ/dz = a − y, dJ/dw = x(a − y); zero init learns; a folded bias."""

import numpy as np

import nn
import viz
from engine import Value, add_all, dot, topological_order

from .checks import FORMULA
from .layers import data, grads, named, vector

ARTICLE = "004"
SEED = 4

N_FEATURES, M_SAMPLES = 3, 5
ZERO_LR, ZERO_STEPS = 0.5, 100


def cross_entropy(a: Value, y: float) -> Value:
    """J = −y·log a − (1 − y)·log(1 − a), as the article writes it, built from
    short named pieces (see `PIECES`) so each step caption stays readable; the
    label y is a node named y, so a picture says which number it is."""
    y = Value(y, "y")
    p = named(a.log(), "p")
    r = named(named(1 - a, "q").log(), "r")
    u = named(y * p, "u")
    v = named(named(1 - y, "1−y") * r, "v")
    return named(named(-u, "−u") - v, "J")


PIECES_1 = "p = log a, q = 1 − a, r = log q,"
PIECES_2 = "u = y·p, v = (1 − y)·r, J = −u − v"


def one_sample(s, w, b) -> None:
    rng = s.rng
    x = [rng.uniform(-2, 2) for _ in range(N_FEATURES)]
    y = 1.0
    z = named(dot(w, x, b), "z")
    a = named(z.sigmoid(), "a")
    J = cross_entropy(a, y)
    s.main_graph = J
    s.main_parameters = [*w, b]
    # the label y is data, not something to learn: shown as y = 1, with no gradient step
    s.main_constants = [v for v in topological_order(J) if not v.parents and v.label == "y"]
    s.say(f"x = {np.round(x, 4).tolist()}, y = {y:g}")
    s.say(f"forward: z = wᵀx + b = {z.data:.4f},  a = σ(z) = {a.data:.4f},  J = {J.data:.4f}")
    s.say(f"  the pieces: {PIECES_1}")
    s.say(f"              {PIECES_2}")
    s.backward(J)
    s.compare("dJ/da = −y/a + (1 − y)/(1 − a)", -y / a.data + (1 - y) / (1 - a.data), a.grad, source=FORMULA)
    s.compare("dJ/dz = a − y", a.data - y, z.grad, source=FORMULA)
    s.compare("dJ/dw = x·(a − y)", [xi * (a.data - y) for xi in x], grads(w), source=FORMULA)
    s.compare("dJ/db = a − y", a.data - y, b.grad, source=FORMULA)
    s.render(J, "one_sample.png")
    return x, y


def m_samples(s, w, b) -> None:
    rng = s.rng
    X = np.array([[rng.uniform(-2, 2) for _ in range(M_SAMPLES)] for _ in range(N_FEATURES)])  # (n, m)
    Y = np.array([[float(rng.random() < 0.5) for _ in range(M_SAMPLES)]])  # (1, m)
    zs = [dot(w, X[:, i].tolist(), b) for i in range(M_SAMPLES)]
    activations = [z.sigmoid() for z in zs]
    J = add_all(cross_entropy(a, y) for a, y in zip(activations, Y[0])) / M_SAMPLES
    s.say(f"X is {N_FEATURES}×{M_SAMPLES}, Y = {[int(v) for v in Y[0]]}:  J = (1/m)·Σ J_i = {J.data:.6f}")
    s.backward(J)  # zeroes first: w and b still hold one_sample's gradients
    A = np.array([data(activations)])
    m = M_SAMPLES
    s.compare("dJ/dw = (1/m)·X(A − Y)ᵀ", (X @ (A - Y).T / m).ravel(), grads(w), source=FORMULA)
    s.compare("dJ/db = (1/m)·Σ(A − Y)", np.sum(A - Y) / m, b.grad, source=FORMULA)
    s.compare("dJ/dz_i = (a_i − y_i)/m", ((A - Y) / m).ravel(), [z.grad for z in zs])
    s.note("the article writes dJ/dZ = A − Y; with J the mean over m samples each z_i's gradient "
           "carries the 1/m as well, which is where the 1/m in dJ/dw comes from.")
    return X, Y


def folded_bias(s, w, b, x, y) -> None:
    """Article 001 §1.1: a = σ(wᵀx + b) = σ([wᵀ b]·[x; 1])."""
    s.heading("article 001 §1.1: the bias folded in, a = σ([wᵀ b]·[x; 1])")
    s.say("  the cs224n notes write the same neuron with b as one more weight, on an input")
    s.say("  that is always 1: [w b] holds n + 1 weights, [x 1] n + 1 inputs")
    folded = vector([*(v.data for v in w), b.data], "wb")
    z = named(dot(folded, [*x, 1.0]), "z")
    a = named(z.sigmoid(), "a")
    J = cross_entropy(a, y)
    s.fresh_backward(J)
    separate = 1 / (1 + np.exp(-(sum(wi.data * xi for wi, xi in zip(w, x)) + b.data)))
    s.compare("a = σ(wᵀx + b), the bias apart", separate, a)
    s.compare("dJ/d[w b] = (a − y)·[x 1]", [(a.data - y) * xi for xi in [*x, 1.0]], grads(folded))
    s.say("  the last entry is dJ/db = (a − y)·1: a bias is a weight whose input is 1")


def zero_init(s, X, Y) -> None:
    """Article 004: for logistic regression, starting every weight at 0 is fine."""
    steps = s.training_steps(ZERO_STEPS)
    s.heading("article 004: zero initialisation is fine for logistic regression")
    s.say("  no hidden units, so there is no symmetry to break: each weight's gradient")
    s.say("  (1/m)·Σ_i x_ij·(a_i − y_i) depends on its own input x_j, and inputs differ")
    w = vector([0.0] * N_FEATURES, "w")
    b = Value(0.0, "b")
    m = M_SAMPLES

    def loss() -> Value:
        return add_all(cross_entropy(dot(w, X[:, i].tolist(), b).sigmoid(), y) for i, y in enumerate(Y[0])) / m

    J = loss()
    s.compare("J at w = 0, b = 0: every a = ½, J = log 2", float(np.log(2)), J)
    s.fresh_backward(J)
    s.compare("dJ/dw at 0 = (1/m)·X(½ − Y)ᵀ", (X @ (0.5 - Y).T / m).ravel(), grads(w), source=FORMULA)
    optimizer = nn.SGD([*w, b], lr=ZERO_LR)
    curve = []
    for _ in range(steps):
        optimizer.zero_grad()
        J = loss()
        J.backward()
        curve.append(J.data)
        optimizer.step()
    J = loss()
    curve.append(J.data)
    s.say(f"  {steps} steps of SGD (lr {ZERO_LR:g}) from zero: J {curve[0]:.4f} → {curve[-1]:.4f}, "
          f"w = ({', '.join(f'{v.data:.3f}' for v in w)}), b = {b.data:.3f}")
    s.expect("it learns: J falls at every step", all(b_ < a_ for a_, b_ in zip(curve, curve[1:])),
             f"{curve[0]:.4f} → {curve[-1]:.4f}")
    s.expect("and the weights part ways", len({round(v.data, 12) for v in w}) == N_FEATURES)
    s.plot(lambda path: viz.plot_loss(curve, path, title="article 004: logistic regression from w = 0, b = 0"),
           "zero_init_loss.png")


def run(s) -> None:
    rng = s.rng
    w = vector([rng.uniform(-1, 1) for _ in range(N_FEATURES)], "w")
    b = Value(rng.uniform(-1, 1), "b")
    s.note("the article gives the formulas, not numbers: x, y, w and b are drawn from the seed")
    s.heading("one sample: z = wᵀx + b, a = σ(z), J = −y·log a − (1 − y)·log(1 − a)")
    x, y = one_sample(s, w, b)
    s.pause("one sample done")
    folded_bias(s, w, b, x, y)
    s.pause("folded bias done")
    s.heading(f"m = {M_SAMPLES} samples: the same w and b, J averaged")
    X, Y = m_samples(s, w, b)
    s.pause("m samples done")
    zero_init(s, X, Y)
