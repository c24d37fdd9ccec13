"""Article 004's 2-layer and L-layer backward recursion, checked layer by layer."""

import numpy as np

from engine import Value, add_all, topological_order

from .checks import FORMULA
from .layers import data, flat, grads, matrix, matvec, named, uniform, vector

ARTICLE = "004"
SEED = 0

#: Layer sizes n^[0] … n^[L]: the article's 2-layer net, then L = 3. Small
#: enough that every W^[l] (at most 8 entries) is printed in full.
TWO_LAYER, L_LAYER = (2, 3, 1), (2, 3, 2, 1)
#: m samples. Not equal to any layer's size, so that the article's operand
#: order (dZ^[l+1]·W^[l+1]ᵀ) cannot multiply by accident.
M = 4

#: What the article writes, exactly (its LaTeX), where the demo quotes it.
SAYS = {
    "dw": r"\frac{1}{m}X(A-Y)^T",                              # § 多样本逻辑回归: the end of its dJ/dw
    "J": r"J =   - Y  \log(A) - (1-Y )  \log(1-A)",                 # § 多样本逻辑回归: J for m samples
    "dZ2": r"\frac{dJ}{dZ^{[2]}} = A^{[2]} - Y",                # § 2layer神经网络
    "dZL": r"\frac{dJ}{dZ^{[L]}} = A^{[L]} - Y",                # § L层神经网络
    "dZ1": r"\frac{dJ}{dZ^{[2]}}W^{[2]T}g'(Z^{[1]})",           # § 2layer: the end of its dJ/dZ^[1]
    "dZl": r"\frac{dJ}{dZ^{[l+1]}}W^{[l+1]T}g'(Z^{[l]})",       # § L层: the end of its dJ/dZ^[l]
    "forward loop": r"Z^{[l]} = W^{[l]}X +B^{[l]}",             # § L层: its forward loop
    "Z1 entry": r"W_1^{[1]T}X^{(1)} + z_1^{[1]}",               # § 2layer: Z^[1] written out
    "Z1": r"Z^{[1]} = W^{[1]}X +B^{[1]}",                       # § 2layer: the line after it
    "sample index": r"W^{[1] (1)}",                             # its list of notations ...
    "of sample 1": "这里指第一层第一个训练样本的参数",     # ... and what it says of it
}


def quote(what: str) -> str:
    """The article's own words, in “ ”."""
    return f"“{SAYS[what]}”"


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def cross_entropy(a: Value, y: Value) -> Value:
    """J_i = −y·log a − (1 − y)·log(1 − a), the article's loss for one sample, every
    node named after what it holds (y·log(A2_0), (1−y)·log(1−A2_0)), so a picture
    reads as the formula. `y` is a target: a constant of the graph."""
    A, Y = a.label, y.label
    first = named(y * named(a.log(), f"log({A})"), f"{Y}·log({A})")
    second = named(named(1 - y, f"1−{Y}") * named(named(1 - a, f"1−{A}").log(), f"log(1−{A})"),
                   f"(1−{Y})·log(1−{A})")
    return named(-first, f"−{Y}·log({A})") - second


def network(s, sizes):
    """W^[l] (n^[l] × n^[l−1]) and b^[l] for l = 1 … L, from the seed, in [−1, 1)."""
    Ws = [matrix(uniform(s.rng, n_out, n_in, -1, 1), f"W{l}") for l, (n_in, n_out)
          in enumerate(zip(sizes, sizes[1:]), start=1)]
    bs = [vector([s.rng.uniform(-1, 1) for _ in range(n)], f"b{l}_") for l, n in enumerate(sizes[1:], start=1)]
    return Ws, bs


def forward(Ws, bs, X, Y):
    """Z^[l] = W^[l]·A^[l−1] + b^[l], A^[l] = σ(Z^[l]), one sample (column of X) at
    a time; J = (1/m)·Σ_i J_i. Returns J, the losses J_i, Z^[l] as
    [layer][unit][sample] Values, and the constants of the graph (the targets y_i
    and, for m > 1, m itself: data, nothing to learn)."""
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
    targets = [Value(y, f"y{i}" if m > 1 else "y") for i, y in enumerate(Y[0])]
    losses = [named(cross_entropy(a, y), f"J{i}" if m > 1 else "J") for i, (a, y) in enumerate(zip(outputs, targets))]
    if m == 1:
        return losses[0], losses, Zs, targets
    count = Value(m, "m")
    return named(named(add_all(losses), "Σ_i J_i") / count, "J"), losses, Zs, targets + [count]


def check_layers(s, sizes, picture: str) -> dict:
    L = len(sizes) - 1
    Ws, bs = network(s, sizes)
    X = [[s.rng.uniform(-2, 2) for _ in range(M)] for _ in range(sizes[0])]  # (n^[0], m)
    Y = [[float(i % 2) for i in range(M)]]  # (1, m): both classes
    J, losses, Zs, constants = forward(Ws, bs, X, Y)
    # the last one checked goes on the page
    s.main_graph, s.main_parameters, s.main_constants = J, flat([Ws, bs]), constants
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
    s.compare(f"dZ^[{L}] = (A^[{L}] − Y)/m, ours (J the mean)", dZ, grads(Zs[L - 1]))
    # the article's form is the gradient of the sum of the losses: a pass of Σ_i J_i
    s.fresh_backward(named(add_all(losses), "Σ_i J_i"))
    s.compare(f"the article's dZ^[{L}] = A^[{L}] − Y, of Σ_i J_i", A[L] - np.array(Y), grads(Zs[L - 1]),
              source=FORMULA)
    s.fresh_backward(J)
    for l in range(L, 0, -1):
        s.compare(f"dW^[{l}] = dZ^[{l}]·A^[{l - 1}]ᵀ", dZ @ A[l - 1].T, grads(Ws[l - 1]))
        s.compare(f"db^[{l}] = Σ_samples dZ^[{l}]", dZ.sum(axis=1), grads(bs[l - 1]))
        if l > 1:
            dZ = (W_np[l - 1].T @ dZ) * A[l - 1] * (1 - A[l - 1])
            s.compare(f"dZ^[{l - 1}] = W^[{l}]ᵀ·dZ^[{l}] ⊙ g′(Z^[{l - 1}])", dZ, grads(Zs[l - 2]))
        s.pause(f"layer {l} done")
    # The picture: one sample's loss (the same weights), small enough to read.
    one, _, _, one_constants = forward(Ws, bs, [[row[0]] for row in X], [[Y[0][0]]])
    s.fresh_backward(one)
    hidden = " ".join(f"A{l} = σ(W{l}·A{l - 1} + b{l})," for l in range(1, L + 1))
    s.render(one, picture, parameters=flat([Ws, bs]), constants=one_constants,
             caption=f"sample 0 alone (m = 1), A0 = its x: {hidden} J = −y·log A{L}_0 − (1−y)·log(1−A{L}_0)")
    s.say(f"  picture {picture}: J of sample 0 alone (m = 1), after its own backward pass")
    s.fresh_backward(J)  # the page shows J's own pass
    return {"W": W_np, "b": b_np, "A": A, "X": np.array(X), "Y": np.array(Y), "Zs": Zs, "Ws": Ws,
            "losses": losses, "J": J}


def run(s) -> None:
    s.say("J = (1/m)·Σ_i J_i, J_i = −y_i·log a_i − (1 − y_i)·log(1 − a_i), sigmoid in")
    s.say("every layer (the article's § 2layer神经网络 and § L层神经网络); the engine's")
    s.say("numbers are the .grad of the Z^[l], W^[l] and b^[l] nodes")
    s.note(f"the article writes {quote('dZ2')} and {quote('dZL')}: the gradient of the "
           f"sum of the m losses. Our J is their mean, as its own dJ/dw, {quote('dw')}, takes it: "
           "so our dZ carry a 1/m; each dZ^[L] row is ours, the article's A − Y (m times ours) "
           "beside it")

    s.heading("the article's 2-layer net (§ 2layer神经网络): dZ², dW², db², dZ¹, dW¹, db¹")
    two = check_layers(s, TWO_LAYER, "two_layer.png")

    s.heading(f"L = {len(L_LAYER) - 1} layers (§ L层神经网络): the recursion run from the output back")
    deep = check_layers(s, L_LAYER, "l_layer.png")

    s.heading("the article's slips, each against the numbers above")
    operand_order(s, two, deep)
    s.pause("operand order done")
    notation(s, two)


def operand_order(s, two: dict, deep: dict) -> None:
    """dZ^[l+1]·W^[l+1]ᵀ, as the article orders it, does not multiply; nor does W^[l]X."""
    s.note(f"§ 2layer ends its dJ/dZ^[1] with {quote('dZ1')}, i.e. dZ^[1] = dZ^[2]·W^[2]ᵀ·g′(Z^[1]), "
           "and § L层 the same: " + quote("dZl") + ". In that order the product does not exist:")
    for net in (two, deep):
        L = len(net["W"])
        dZ, W = np.zeros((1, M)), net["W"][L - 1]
        what = f"dZ^[{L}]·W^[{L}]ᵀ has no matching shapes"
        try:
            dZ @ W.T
            s.expect(what, False, "it multiplied")
        except ValueError:
            s.expect(what, True, f"{dZ.shape[0]}×{dZ.shape[1]} times {W.T.shape[0]}×{W.T.shape[1]}")
    s.say("  W^[l+1]ᵀ·dZ^[l+1] ⊙ g′(Z^[l]) is meant, as the rows above check.")
    W, A = deep["W"], deep["A"]
    s.note(f"its forward loop writes {quote('forward loop')}; A^[l−1] is meant (X is only A^[0]): "
           f"W^[2] is {W[1].shape[0]}×{W[1].shape[1]} and X has {L_LAYER[0]} rows, so W^[2]X "
           "does not multiply either")
    s.expect("W^[2]·A^[1] multiplies, W^[2]·X does not", W[1].shape[1] == A[1].shape[0] != A[0].shape[0],
             f"A^[1] has {A[1].shape[0]} rows, X {A[0].shape[0]}")


def notation(s, net: dict) -> None:
    """The article's Z^[1] written out, its J for m samples and its W^[1](1), on the 2-layer net."""
    W, b, X, Y, A = net["W"], net["b"], net["X"], net["Y"], net["A"]
    s.note(f"writing Z^[1] out entry by entry, it puts {quote('Z1 entry')} in row 1 (and so on): "
           "z_1^[1], the very entry being computed, where b_1^[1] is meant; the line after it, "
           f"{quote('Z1')}, has it right")
    Z1 = W[0] @ X + b[0]
    s.compare("Z^[1] = W^[1]X + b^[1], b meant where it writes z", Z1, data(net["Zs"][0]))
    s.note(f"its J for m samples, {quote('J')}, has neither Σ nor 1/m: it is a row of m losses, one "
           f"per sample; the J that its dJ/dw = {quote('dw')} belongs to is their mean")
    A2 = A[-1]
    row = -Y * np.log(A2) - (1 - Y) * np.log(1 - A2)
    s.compare("the article's J, a row of m losses", row, [loss.data for loss in net["losses"]], source=FORMULA)
    s.compare("J = (1/m)·Σ_i J_i, the mean (ours)", row.mean(), net["J"])
    s.note(f"of {quote('sample index')} it says {quote('of sample 1')} (the parameters of "
           "layer 1 for the first training sample); but every sample goes through the same W^[1]. A "
           "round bracket numbers a sample's own values: X^(i), z^[1](i), a^[1](i)")
    users = {id(w): 0 for row in net["Ws"][0] for w in row}
    for node in topological_order(net["J"]):
        for parent in node.parents:
            if id(parent) in users:
                users[id(parent)] += 1
    s.expect(f"every W^[1] entry is one node, used by all m = {M} samples", set(users.values()) == {M},
             f"{len(users)} entries, used by " + " or ".join(map(str, sorted(set(users.values())))) + " nodes each")
