"""Article 004's symmetry argument on XOR: equal starting weights cost accuracy; random init wins."""

import math

import nn

from .plots import boundaries_side_by_side

ARTICLE = "004"
SEED = 0

#: XOR: no single hidden unit can separate it, so a net whose hidden units stay
#: identical (one unit in disguise) cannot fit it.
X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
T = [0.0, 1.0, 1.0, 0.0]
HIDDEN, STEPS, LR = 4, 1000, 2.0
#: The article's "same value": every weight and bias starts at this number.
SAME = 0.5


def spread(neurons) -> float:
    """How far apart the hidden units are: the largest difference in any weight or bias."""
    rows = [[*(w.data for w in n.w), n.b.data] for n in neurons]
    return max(abs(a - b) for column in zip(*rows) for a in column for b in column)


def train(s, model):
    return nn.fit(model, X, T, loss="bce_with_logits", optimizer=nn.SGD(model.parameters(), lr=LR),
                  steps=s.training_steps(STEPS), progress=False)


def constant_net(seed: int) -> nn.MLP:
    """The 2-4-1 net with every weight and bias set to `SAME`."""
    model = nn.MLP(2, [HIDDEN, 1], activation="sigmoid", init="zeros", seed=seed)
    for p in model.parameters():
        p.data = SAME
    return model


def by_hand_hidden_gradient() -> list[float]:
    """One hidden unit's (∂J/∂w₁, ∂J/∂w₂, ∂J/∂b) at the constant start, in plain floats."""
    sigmoid = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    grad = [0.0, 0.0, 0.0]
    for x, t in zip(X, T):
        a = sigmoid(SAME * x[0] + SAME * x[1] + SAME)
        p = sigmoid(SAME * a * HIDDEN + SAME)
        delta = (p - t) / len(X) * SAME * a * (1 - a)
        for j, x_j in enumerate([*x, 1.0]):
            grad[j] += delta * x_j
    return grad


def run(s) -> None:
    steps = s.training_steps(STEPS)
    s.say(f"XOR: X = {[[int(v) for v in x] for x in X]}, t = {[int(v) for v in T]}")
    s.say(f"a 2-{HIDDEN}-1 net, sigmoid hidden units, cross-entropy on the logit,")
    s.say(f"full-batch SGD lr {LR:g}, {steps} steps, trained twice from two starts")
    s.note("the article argues with a picture of two hidden units and no data; XOR, the net "
           "and its training are ours. The article's \"same value\" is any one number: we use "
           f"{SAME:g}: with 0, on XOR, every gradient is exactly 0 and nothing would move at all")

    s.heading(f"1. the article's same value: every weight and bias = {SAME:g}")
    same = constant_net(s.seed)
    hidden = same.layers[0].neurons
    loss = nn.binary_cross_entropy_with_logits([same(x) for x in X], T)
    loss.backward()
    s.say(f"  every hidden unit computes the same a = σ({SAME:g}·x₁ + {SAME:g}·x₂ + {SAME:g}), and every")
    s.say(f"  output weight is v = {SAME:g}, so every unit gets the same gradient. By hand, with")
    s.say(f"  p = σ(v·Σa + {SAME:g}) and J the mean over the m = 4 points:")
    s.say("  ∂J/∂w_j = Σ_i (p_i − t_i)/m · v · a_i(1 − a_i) · x_ij  (x_i3 = 1 for the bias)")
    s.compare("∂J/∂(w₁, w₂, b) of every hidden unit", [by_hand_hidden_gradient()] * HIDDEN,
              [[w.grad for w in n.w] + [n.b.grad] for n in hidden])
    same.zero_grad()
    history_same = train(s, same)
    s.expect("after training the hidden units are still identical", spread(hidden) == 0.0,
             f"largest difference {spread(hidden):.1e}")
    s.say(f"  {HIDDEN} hidden units that are one unit in disguise: one sigmoid cannot")
    s.say("  carve XOR, so at best 3 of the 4 points are right.")
    s.pause("same-value init done")

    s.heading("2. random init in [−ε, ε]")
    fan_in, fan_out = 2, HIDDEN
    article_eps = math.sqrt(6) / (fan_in + fan_out)
    glorot_eps = math.sqrt(6) / math.sqrt(fan_in + fan_out)
    s.note(f"the article writes ε = √6/(S_l + S_l+1) = {article_eps:.4f} for this layer; Glorot and "
           f"Bengio's is ε = √6/√(S_l + S_l+1) = {glorot_eps:.4f}. We use Glorot's (nn's "
           "init=\"glorot\"); biases start at 0")
    rand = nn.MLP(2, [HIDDEN, 1], activation="sigmoid", init="glorot", seed=s.seed)
    hidden_random = rand.layers[0].neurons
    weights = [w.data for n in hidden_random for w in n.w]
    s.expect("every first-layer weight lies in [−ε, ε], Glorot's ε", max(map(abs, weights)) <= glorot_eps,
             f"largest |w| = {max(map(abs, weights)):.4f}")
    history_random = train(s, rand)
    s.expect("after training the hidden units differ", spread(hidden_random) > 1e-3,
             f"largest difference {spread(hidden_random):.3f}")
    s.pause("random init done")

    # The page: the trained random net's loss, built after training (current numbers).
    s.main_graph = nn.binary_cross_entropy_with_logits([rand(x) for x in X], T)
    s.main_parameters = rand.parameters()
    s.heading("the two nets side by side")
    s.say(f"  {'start':<22}{'loss: first':>12}{'last':>10}{'accuracy':>10}")
    for name, history in ((f"every weight = {SAME:g}", history_same), ("random in [−ε, ε]", history_random)):
        s.say(f"  {name:<22}{history.loss[0]:>12.4f}{history.loss[-1]:>10.4f}{history.accuracy[-1]:>10.0%}")
    if steps >= STEPS:
        s.expect("random init wins: higher accuracy on XOR", history_random.accuracy[-1] > history_same.accuracy[-1],
                 f"{history_random.accuracy[-1]:.0%} against {history_same.accuracy[-1]:.0%}")
    else:
        s.say(f"  (who wins is checked after {STEPS} steps; --steps {steps} may be too few to tell)")
    s.plot(lambda path: boundaries_side_by_side(
        [(same, f"every weight = {SAME:g}: {history_same.accuracy[-1]:.0%}"),
         (rand, f"random in [−ε, ε]: {history_random.accuracy[-1]:.0%}")],
        X, T, path, title=f"XOR after {steps} steps: the same start against a random one"), "xor.png")
