"""Article 004's 2-layer and L-layer backward recursion, checked layer by layer."""

import numpy as np

from engine import Value, add_all

from .layers import data, flat, grads, matrix, matvec, named, uniform, vector

ARTICLE = "004"
SEED = 0

#: Layer sizes n^[0] … n^[L]: the article's 2-layer net, then L = 3. Small
#: enough that every W^[l] (at most 8 entries) is printed in full.
TWO_LAYER, L_LAYER = (2, 3, 1), (2, 3, 2, 1)
#: m samples. Not equal to any layer's size, so that the article's operand
#: order (dZ^[l+1]·W^[l+1]ᵀ) cannot multiply by accident.
M = 4


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def cross_entropy(a: Value, y: float, label: str = "y") -> Value:
    """J_i = −y·log a − (1 − y)·log(1 − a), the article's loss for one sample;
    the target is a node labelled `label`, so a picture says which number is y."""
    y = Value(y, label)
    return -(y * a.log()) - (1 - y) * (1 - a).log()


def network(s, sizes):
    """W^[l] (n^[l] × n^[l−1]) and b^[l] for l = 1 … L, from the seed, in [−1, 1)."""
    Ws = [matrix(uniform(s.rng, n_out, n_in, -1, 1), f"W{l}") for l, (n_in, n_out)
          in enumerate(zip(sizes, sizes[1:]), start=1)]
    bs = [vector([s.rng.uniform(-1, 1) for _ in range(n)], f"b{l}_") for l, n in enumerate(sizes[1:], start=1)]
    return Ws, bs


def forward(Ws, bs, X, Y):
    """Z^[l] = W^[l]·A^[l−1] + b^[l], A^[l] = σ(Z^[l]), one sample (column of X) at
    a time; J = (1/m)·Σ_i J_i. Returns J and Z^[l] as [layer][unit][sample] Values."""
    m = len(X[0])
    Zs = [[[None] * m for _ in W] for W in Ws]
    outputs = []
    for i in range(m):
        a = [X[k][i] for k in range(len(X))]  # A^[0] = X
        sample = f"x{i}:" if m > 1 else ""  # which sample, in a picture of several
        for l, (W, b) in enumerate(zip(Ws, bs)):
            z = matvec(W, a, b, label=f"{sample}Z{l + 1}_")
            for j, z_j in enumerate(z):
                Zs[l][j][i] = z_j
            a = [named(z_j.sigmoid(), f"{sample}A{l + 1}_{j}") for j, z_j in enumerate(z)]
        outputs.append(a[0])
    losses = [named(cross_entropy(a, y, f"y{i}" if m > 1 else "y"), f"J{i}" if m > 1 else "J")
              for i, (a, y) in enumerate(zip(outputs, Y[0]))]
    J = losses[0] if m == 1 else named(add_all(losses) / Value(m, "m"), "J")
    return J, Zs


def check_layers(s, sizes, picture: str):
    L = len(sizes) - 1
    Ws, bs = network(s, sizes)
    X = [[s.rng.uniform(-2, 2) for _ in range(M)] for _ in range(sizes[0])]  # (n^[0], m)
    Y = [[float(i % 2) for i in range(M)]]  # (1, m): both classes
    J, Zs = forward(Ws, bs, X, Y)
    s.main_graph, s.main_parameters = J, flat([Ws, bs])  # the last one checked goes on the page
    s.say(f"  sizes n^[0..{L}] = {list(sizes)}, m = {M} samples, X {sizes[0]}×{M}, Y = {[int(y) for y in Y[0]]}")
    s.say(f"  weights and biases from the seed in [−1, 1); J = {J.data:.6f}")
    s.backward(J)

    # the article's way, in numpy, from the output layer back
    W_np = [np.array(data(W)) for W in Ws]
    b_np = [np.array(data(b)).reshape(-1, 1) for b in bs]
    A = [np.array(X)]
    for W, b in zip(W_np, b_np):
        A.append(sigmoid(W @ A[-1] + b))
    dZ = (A[L] - np.array(Y)) / M
    s.compare(f"dZ^[{L}] = (A^[{L}] − Y)/m", dZ, grads(Zs[L - 1]), source="article")
    for l in range(L, 0, -1):
        s.compare(f"dW^[{l}] = dZ^[{l}]·A^[{l - 1}]ᵀ", dZ @ A[l - 1].T, grads(Ws[l - 1]))
        s.compare(f"db^[{l}] = Σ_samples dZ^[{l}]", dZ.sum(axis=1), grads(bs[l - 1]))
        if l > 1:
            dZ = (W_np[l - 1].T @ dZ) * A[l - 1] * (1 - A[l - 1])
            s.compare(f"dZ^[{l - 1}] = W^[{l}]ᵀ·dZ^[{l}] ⊙ g′(Z^[{l - 1}])", dZ, grads(Zs[l - 2]))
        s.pause(f"layer {l} done")
    # The picture: one sample's loss (the same weights), small enough to read.
    one, _ = forward(Ws, bs, [[row[0]] for row in X], [[Y[0][0]]])
    s.fresh_backward(one)
    s.render(one, picture, parameters=flat([Ws, bs]))
    s.say(f"  picture {picture}: sample 0's loss J_0 alone, after its own backward pass")
    return W_np, A


def run(s) -> None:
    s.say("J = (1/m)·Σ_i [−y_i·log a_i − (1 − y_i)·log(1 − a_i)], sigmoid in every layer")
    s.say("(the article's § 2layer神经网络 and § L层神经网络); the engine's numbers are")
    s.say("the .grad of the Z^[l], W^[l] and b^[l] nodes")
    s.note("the article writes dJ/dZ^[L] = A^[L] − Y for one sample; J here is the mean over m "
           "samples, so each dZ carries a 1/m (the article's own dJ/dw = (1/m)·X(A − Y)ᵀ)")

    s.heading("the article's 2-layer net (§ 2layer神经网络): dZ², dW², db², dZ¹, dW¹, db¹")
    check_layers(s, TWO_LAYER, "two_layer.png")

    s.heading(f"L = {len(L_LAYER) - 1} layers (§ L层神经网络): the recursion run from the output back")
    W_np, A = check_layers(s, L_LAYER, "l_layer.png")

    s.heading("two slips in the article's L-layer formulas")
    dZ3 = np.zeros((L_LAYER[3], M))
    s.note("the article writes dZ^[l] = dZ^[l+1]·W^[l+1]ᵀ·g′(Z^[l]): the product in that order "
           "does not even exist:")
    try:
        dZ3 @ W_np[2].T
        s.expect("dZ^[3]·W^[3]ᵀ has no matching shapes", False, "it multiplied")
    except ValueError:
        s.expect("dZ^[3]·W^[3]ᵀ has no matching shapes", True,
                 f"{dZ3.shape[0]}×{dZ3.shape[1]} times {W_np[2].T.shape[0]}×{W_np[2].T.shape[1]}")
    s.say("  W^[l+1]ᵀ·dZ^[l+1] ⊙ g′(Z^[l]) is meant, as the rows above check.")
    s.note("its forward loop writes Z^[l] = W^[l]X + B^[l]; A^[l−1] is meant (X is only A^[0]): "
           f"W^[2] is {W_np[1].shape[0]}×{W_np[1].shape[1]} and X has {L_LAYER[0]} rows, so W^[2]X "
           "does not multiply either")
    s.expect("W^[2]·A^[1] multiplies, W^[2]·X does not", W_np[1].shape[1] == A[1].shape[0] != A[0].shape[0],
             f"A^[1] has {A[1].shape[0]} rows, X {A[0].shape[0]}")
