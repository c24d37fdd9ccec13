"""Article 004's symmetry argument: zero init keeps hidden units identical; random init breaks it."""

import math

import numpy as np

import nn

SEED = 0

HIDDEN, STEPS, LR = 8, 200, 1.0


def lopsided_moons(seed: int):
    """Moons with every +1 point and half the −1 points. With equal classes the
    zero-initialised net could not even start: every one of its gradients is exactly 0."""
    X, y = nn.make_moons(80, noise=0.1, seed=seed)
    keep = [i for i, label in enumerate(y) if label > 0 or i % 2 == 0]
    return [X[i] for i in keep], [(y[i] + 1) / 2 for i in keep]  # labels 0/1 for cross-entropy


def spread(neurons) -> float:
    """How far apart the hidden units are: the largest difference in any weight or bias."""
    rows = [[*(w.data for w in n.w), n.b.data] for n in neurons]
    return max(abs(a - b) for column in zip(*rows) for a in column for b in column)


def train(s, model, X, t):
    return nn.fit(model, X, t, loss="bce_with_logits", optimizer=nn.SGD(model.parameters(), lr=LR),
                  steps=s.training_steps(STEPS), progress=False)


def run(s) -> None:
    X, t = lopsided_moons(s.seed)
    s.say(f"{len(X)} moons points ({sum(t):g} of class 1), a 2-{HIDDEN}-1 net with sigmoid hidden units,")
    s.say(f"cross-entropy on the logit, SGD lr {LR}, {s.training_steps(STEPS)} steps")

    s.heading("zero init: every hidden unit starts the same")
    model = nn.MLP(2, [HIDDEN, 1], activation="sigmoid", init="zeros", seed=s.seed)
    hidden, output = model.layers[0].neurons, model.layers[1].neurons[0]
    loss = nn.binary_cross_entropy_with_logits([model(x) for x in X], t)
    loss.backward()
    # By hand: every logit is 0, so p = σ(0) = ½ everywhere and every hidden output is σ(0) = ½.
    gap = 0.5 - sum(t) / len(t)  # mean of (p − t) = ∂L/∂(output bias)
    s.compare("∂L/∂v_k = ½·mean(p − t), every k", [0.5 * gap] * HIDDEN, [v.grad for v in output.w])
    s.compare("∂L/∂(output bias) = mean(p − t)", gap, output.b.grad)
    s.compare("∂L/∂(hidden weights) = 0, since v = 0", [0.0] * (3 * HIDDEN),
              [p.grad for n in hidden for p in n.parameters()])
    s.say("  the output weights all get the same gradient, and the hidden units all get the")
    s.say("  same (zero) one: after the step they are equal again, and so on for ever.")
    model.zero_grad()
    history = train(s, model, X, t)
    s.expect("after training the hidden units are still identical", spread(hidden) == 0.0,
             f"largest difference {spread(hidden):.1e}; first weights all {hidden[0].w[0].data:+.4f}")
    s.expect("…although they did learn something", abs(hidden[0].w[0].data) > 0,
             f"loss {history.loss[0]:.4f} → {history.loss[-1]:.4f}")
    s.say(f"  {HIDDEN} hidden units that are one unit in disguise.")
    s.pause("zero init done")

    s.heading("random init in [−ε, ε]")
    fan_in, fan_out = 2, HIDDEN
    article_eps = math.sqrt(6) / (fan_in + fan_out)
    glorot_eps = math.sqrt(6) / math.sqrt(fan_in + fan_out)
    s.note(f"the article writes ε = √6/(S_l + S_l+1) = {article_eps:.4f} for this layer; Glorot and Bengio's")
    s.say(f"        is ε = √6/√(S_l + S_l+1) = {glorot_eps:.4f}. nn's init=\"glorot\" uses Glorot's.")
    model = nn.MLP(2, [HIDDEN, 1], activation="sigmoid", init="glorot", seed=s.seed)
    hidden = model.layers[0].neurons
    first = [w.data for n in hidden for w in n.w]
    s.expect("every first-layer weight lies in [−ε, ε], Glorot's ε", max(map(abs, first)) <= glorot_eps,
             f"largest |w| = {max(map(abs, first)):.4f}")
    two_layer_gradients(s, model, X, t)
    history = train(s, model, X, t)
    s.expect("after training the hidden units differ", spread(hidden) > 1e-3,
             f"largest difference {spread(hidden):.3f}; first weights "
             + ", ".join(f"{n.w[0].data:+.2f}" for n in hidden))
    s.say(f"  loss {history.loss[0]:.4f} → {history.loss[-1]:.4f}, accuracy {history.accuracy[-1]:.0%}")


def two_layer_gradients(s, model, X, t) -> None:
    """Article 004's backward pass for a 2-layer net, in numpy, against the engine:
    dZ2 = (A2 − Y)/m, dW2 = dZ2·A1ᵀ, dZ1 = W2ᵀ·dZ2 ⊙ g′(Z1), dW1 = dZ1·Xᵀ (the 1/m is in dZ)."""
    hidden, output = model.layers[0].neurons, model.layers[1].neurons[0]
    W1 = np.array([[w.data for w in n.w] for n in hidden])   # (8, 2)
    b1 = np.array([[n.b.data] for n in hidden])               # (8, 1)
    W2 = np.array([[w.data for w in output.w]])               # (1, 8)
    Xn, Y, m = np.array(X).T, np.array([t]), len(X)           # (2, m), (1, m)
    A1 = 1 / (1 + np.exp(-(W1 @ Xn + b1)))
    A2 = 1 / (1 + np.exp(-(W2 @ A1 + output.b.data)))
    dZ2 = (A2 - Y) / m
    dZ1 = (W2.T @ dZ2) * A1 * (1 - A1)
    loss = nn.binary_cross_entropy_with_logits([model(x) for x in X], t)
    model.zero_grad()
    loss.backward()
    s.compare("dW2 = dZ2·A1ᵀ, dZ2 = (A2 − Y)/m", dZ2 @ A1.T, [[w.grad for w in output.w]])
    s.compare("dW1 = dZ1·Xᵀ, dZ1 = W2ᵀdZ2 ⊙ g′(Z1)", dZ1 @ Xn.T, [[w.grad for w in n.w] for n in hidden])
    s.compare("db1 = Σ_samples dZ1", dZ1.sum(axis=1), [n.b.grad for n in hidden])
    model.zero_grad()
