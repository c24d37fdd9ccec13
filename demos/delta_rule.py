"""Article 000's 3-layer net: the Taylor step (eqs. 4–6), eq. 12 and the delta rule (eqs. 11, 13)."""

import numpy as np

from engine import Value

from .checks import FORMULA
from .layers import activate, data, flat, grads, leaves_named, matrix, named, uniform, vecmat, vector

ARTICLE = "000"
SEED = 0

#: Input, hidden, output: the article's three layers. Three inputs as in its
#: figure of one node (x₀, x₁, x₂); two hidden units; one output (binary
#: classification), so every weight matrix is printed in full.
SIZES = [3, 2, 1]
#: The step sizes α of the Taylor table (eqs. 4–6), shrinking.
ALPHAS = (1.0, 0.1, 0.01, 0.001, 0.0001)


def sigmoid_slope(a: np.ndarray) -> np.ndarray:
    """g′(z) for g = sigmoid, written with its output: g′(z) = a·(1 − a)."""
    return a * (1 - a)


def forward(x, y, Ws, bs):
    """Eqs. 7 and 8, z_j^(l+1) = Σ_i w_ij^(l)·a_i^(l) + b_j^(l+1), a^(l+1) = g(z^(l+1)),
    then eq. 3 for one sample (N = 1): L = ½(ŷ − y)². Returns L, the z's and the a's."""
    a, zs, activations = x, [], [x]
    for l, (W, b) in enumerate(zip(Ws, bs), start=2):
        z = vecmat(a, W, b, label=f"z{l}_")
        a = activate(z, "sigmoid", label=f"a{l}_")
        zs.append(z)
        activations.append(a)
    error = named(a[0] - Value(y, "y"), "ŷ−y")
    loss = named(Value(0.5, "½") * named(error ** 2, "(ŷ−y)²"), "L")
    return loss, zs, activations


def run(s) -> None:
    rng = s.rng
    x = [round(rng.uniform(-1, 1), 2) + 0.0 for _ in range(SIZES[0])]
    y = 1.0
    Ws = [matrix(uniform(rng, n_in, n_out, -1, 1), f"w{l}")
          for l, (n_in, n_out) in enumerate(zip(SIZES, SIZES[1:]), start=1)]
    bs = [vector([rng.uniform(-1, 1) for _ in range(n)], f"b{l}_") for l, n in enumerate(SIZES[1:], start=2)]
    x = vector(x, "x")  # a^(1): the inputs, drawn as nodes x0, x1, x2
    loss, zs, activations = forward(x, y, Ws, bs)
    y_hat = activations[-1][0]
    s.main_graph = loss
    s.main_parameters = flat([Ws, bs])
    # y (the label) and the ½ of ½(ŷ − y)² are data, not something to learn: no gradient steps
    s.main_constants = leaves_named(loss, ["y", "½"])
    s.say(f"the article's three layers: 1 input ({SIZES[0]}), 2 hidden ({SIZES[1]}), 3 output ({SIZES[2]})")
    s.say(f"one sample x = ({', '.join(f'{v.data:g}' for v in x)}) = a^(1), label y = {y:g}; g = sigmoid")
    s.say("labels: w1[i,j] is w_ij^(1) (layer 1's node i to layer 2's node j),")
    s.say("z2_j is z_j^(2), a3_0 is ŷ, b2_j is eq. 7's b_j^(2)")
    s.note("the article's figure of the net is not in its text and it gives no numbers: the "
           "sizes are ours (3 inputs as in its one-node figure), the weights are drawn from "
           "the seed. Eq. 7 writes the bias both as b^(l) and b_j^(l+1); we use b_j^(l+1)")
    s.say(f"forward: ŷ = {y_hat.data:.6f}, L = ½(ŷ − y)² = {loss.data:.6f}  (eq. 3, N = 1)")
    s.pause("forward done")
    s.backward(loss)

    # the article's way, in numpy: δ at the output, then eq. 13 layer by layer
    W_np = [np.array(data(W)) for W in Ws]
    a_np = [np.array(data(act)) for act in activations]
    delta = (a_np[-1] - y) * sigmoid_slope(a_np[-1])  # ∂L/∂ŷ · g′(z) at the output
    deltas = [delta]
    for l in range(len(Ws) - 1, 0, -1):
        delta = (W_np[l] @ delta) * sigmoid_slope(a_np[l])  # eq. 13: (Σ_i δ_i·w_ji)·g′(z_j)
        deltas.insert(0, delta)

    s.heading("δ_j = ∂L/∂z_j (above eq. 11): at the output (ŷ − y)·g′(z), then eqs. 12, 13")
    s.say("  (the engine has no δ of its own: its δ_j is simply z_j.grad)")
    top = len(SIZES)
    s.compare(f"δ^({top}) = (ŷ − y)·g′(z^({top}))", deltas[-1], grads(zs[-1]), source=FORMULA)
    for l in range(top - 1, 1, -1):
        s.compare(f"eq. 12: ∂L/∂a_j^({l}) = Σ_i δ_i^({l + 1})·w_ji", W_np[l - 1] @ deltas[l - 1],
                  grads(activations[l - 1]), source=FORMULA)
        s.compare(f"eq. 13: δ_j^({l}) = (Σ_i δ_i^({l + 1})·w_ji)·g′(z_j)", deltas[l - 2], grads(zs[l - 2]),
                  source=FORMULA)
        s.pause(f"layer {l} done")

    s.heading("eq. 11: ∂L/∂w_ij^(l) = δ_j^(l+1)·a_i^(l), and ∂L/∂b_j^(l+1) = δ_j^(l+1)")
    for l, (W, b) in enumerate(zip(Ws, bs), start=1):
        s.compare(f"∂L/∂w^({l}) = a^({l})·δ^({l + 1})ᵀ", np.outer(a_np[l - 1], deltas[l - 1]), grads(W),
                  source=FORMULA)
        s.compare(f"∂L/∂b^({l + 1}) = δ^({l + 1})", deltas[l - 1], grads(b))
    s.render(loss, "graph.png")
    s.pause("delta rule done")
    taylor(s, x, y, Ws, bs)


def taylor(s, x, y, Ws, bs) -> None:
    """Eqs. 4–6: a step against the gradient lowers f, by α·‖g‖² to first order."""
    s.heading("eqs. 4–6: why step against the gradient (θ = every w and b)")
    s.say("  eq. 4: f(θ) ≈ f(θ₀) + ∂f/∂θ₀·(θ − θ₀); eq. 5: θ − θ₀ = −α·g, g = ∂f/∂θ₀, so")
    s.say("  f(θ₀ − α·g) ≈ f(θ₀) − α·‖g‖², below f(θ₀) for a small enough α > 0 (eq. 6)")
    theta = flat([Ws, bs])
    start = [p.data for p in theta]
    g = [p.grad for p in theta]
    f0 = forward(x, y, Ws, bs)[0].data
    norm2 = sum(gi * gi for gi in g)
    s.say(f"  f(θ₀) = {f0:.10f}, ‖g‖² = {norm2:.6e}")
    s.say(f"  {'α':>8}  {'f(θ₀ − α·g) − f(θ₀)':>21}  {'−α·‖g‖² (eq. 4)':>17}  {'ratio':>8}")
    ratios = []
    for alpha in ALPHAS:
        for p, p0, gi in zip(theta, start, g):
            p.data = p0 - alpha * gi  # eq. 5's step (eq. 6 with α)
        change = forward(x, y, Ws, bs)[0].data - f0
        predicted = -alpha * norm2
        ratios.append(change / predicted)
        s.say(f"  {alpha:>8g}  {change:>21.6e}  {predicted:>17.6e}  {ratios[-1]:>8.5f}")
    for p, p0 in zip(theta, start):
        p.data = p0  # back to θ₀: the graph drawn above holds these numbers
    s.expect("each step lowers f, and the ratio → 1 as α shrinks",
             all(r > 0 for r in ratios) and abs(ratios[-1] - 1) < 1e-3 and abs(ratios[-1] - 1) <= abs(ratios[0] - 1),
             f"ratio {ratios[-1]:.6f} at α = {ALPHAS[-1]:g}")
    s.say("  the first-order term is all that is left for small α: the gradient is the")
    s.say("  direction of steepest first-order descent, and eq. 6 repeats the step.")
