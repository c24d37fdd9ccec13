"""Article 000's delta rule, eq. 13, beside the engine's gradients, layer by layer."""

import numpy as np

from .layers import activate, data, flat, grads, matrix, uniform, vecmat, vector

ARTICLE = "000"
SEED = 0

#: Article 000's network (input, hidden, output) with a second hidden layer,
#: so that eq. 13 carries δ back through more than one layer.
SIZES = [3, 4, 3, 1]


def sigmoid_slope(a: np.ndarray) -> np.ndarray:
    """g′(z) for g = sigmoid, written with its output: g′(z) = a·(1 − a)."""
    return a * (1 - a)


def run(s) -> None:
    rng = s.rng
    x = [rng.uniform(-1, 1) for _ in range(SIZES[0])]
    y = 1.0
    Ws = [matrix(uniform(rng, n_in, n_out, -1, 1), f"w{l + 1}") for l, (n_in, n_out) in enumerate(zip(SIZES, SIZES[1:]))]
    bs = [vector([rng.uniform(-1, 1) for _ in range(n)], f"b{l + 2}_") for l, n in enumerate(SIZES[1:])]

    # forward, eqs. 7 and 8: z_j^(l+1) = Σ_i w_ij^(l)·a_i^(l) + b_j^(l+1),  a^(l+1) = g(z^(l+1))
    a, zs, activations = x, [], [x]
    for l, (W, b) in enumerate(zip(Ws, bs)):
        z = vecmat(a, W, b, label=f"z{l + 2}_")
        a = activate(z, "sigmoid", label=f"a{l + 2}_")
        zs.append(z)
        activations.append(a)
    y_hat = a[0]
    loss = 0.5 * (y_hat - y) ** 2  # eq. 3 for one sample (N = 1)
    loss.label = "L"
    s.main_graph = loss
    s.main_parameters = flat([Ws, bs])
    s.say(f"a {'-'.join(map(str, SIZES))} sigmoid network, one sample x = {np.round(x, 4).tolist()}, y = {y:g}")
    s.say(f"forward: ŷ = {y_hat.data:.6f}, L = ½(ŷ − y)² = {loss.data:.6f}")
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

    s.heading("δ at the output is (ŷ − y)·g′(z); eq. 13 carries it back: δ_j = (Σ_i δ_i·w_ji)·g′(z_j)")
    s.say("  (the engine has no δ of its own: its δ_j is simply z_j.grad, ∂L/∂z_j)")
    for l in reversed(range(len(zs))):
        for j, z in enumerate(zs[l]):
            s.compare(f"δ_{j}^({l + 2})", deltas[l][j], z.grad)
        s.pause(f"layer {l + 2} done")

    s.heading("eq. 11: ∂L/∂w_ij^(l) = δ_j^(l+1)·a_i^(l), and ∂L/∂b_j = δ_j")
    for l, (W, b) in enumerate(zip(Ws, bs)):
        s.compare(f"∂L/∂w^({l + 1}) = a^({l + 1})·δ^({l + 2})ᵀ", np.outer(a_np[l], deltas[l]), grads(W))
        s.compare(f"∂L/∂b^({l + 2}) = δ^({l + 2})", deltas[l], grads(b))
    s.render(loss, "graph.png")
