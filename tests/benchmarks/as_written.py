"""The code students bring, as its authors wrote it: only the `Value` class is swapped.

- `moons_as_written`: micrograd's moons demo step, verbatim in structure:
  inputs made with `list(map(Value, xrow))`, micrograd's own `MLP(2, [16, 16, 1])`
  (each neuron `sum((wi*xi for ...), self.b)`), builtin `sum()` for the data loss
  and for the L2 loss.
- `microgpt`: the training step of Karpathy's microgpt (2026-02): a 1-layer,
  16-dim, 4-head GPT on names, rmsnorm, softmax with the max subtracted,
  causal attention over a growing key/value cache, a relu MLP, cross-entropy
  as -log p, Adam. Written here in the project's words, with microgpt's
  operations in microgpt's order: every sum is builtin `sum()`, every linear
  row `sum(wi * xi ...)`, division and powers by plain numbers.
- `microgpt_idioms`: the same model and step, with the two places an engine
  can offer something better spelled its way: `E.total` for sums (stepgrad's
  `add_all`) and `E.dot` for each row of a linear layer (stepgrad's `dot`).
  For microgpt's engine both are spelled as microgpt spells them.

Each engine's adapter gives its `Value` class (`E.Value`); the weights and the
names are fixed, so every engine must compute the same losses and gradients.
"""

from __future__ import annotations

import random
from typing import Callable, NamedTuple

# ---- micrograd's moons demo ----------------------------------------------------


def micrograd_mlp(Value):
    """micrograd 0.1.0's nn.py, restated around the `Value` class given."""

    class Module:

        def zero_grad(self):
            for p in self.parameters():
                p.grad = 0

        def parameters(self):
            return []

    class Neuron(Module):

        def __init__(self, nin, nonlin=True):
            self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
            self.b = Value(0)
            self.nonlin = nonlin

        def __call__(self, x):
            act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
            return act.relu() if self.nonlin else act

        def parameters(self):
            return self.w + [self.b]

    class Layer(Module):

        def __init__(self, nin, nout, **kwargs):
            self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

        def __call__(self, x):
            out = [n(x) for n in self.neurons]
            return out[0] if len(out) == 1 else out

        def parameters(self):
            return [p for n in self.neurons for p in n.parameters()]

    class MLP(Module):

        def __init__(self, nin, nouts):
            sz = [nin] + nouts
            self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

    return MLP


def prepare_moons_as_written(E, steps: int, points: int = 100) -> Callable[[], "Result"]:
    """micrograd's demo notebook: the model is made here, outside the clock; the
    function returned runs `steps` steps of its loss(), zero_grad, backward, SGD.

    check: every step's loss and the first step's gradient of every parameter.
    """
    from .workloads import MOONS_LAYERS, Result, flat_parameters, moons_data, moons_weights

    Value = E.Value
    X, y = moons_data(points)
    model = micrograd_mlp(Value)(MOONS_LAYERS[0], list(MOONS_LAYERS[1:]))
    for p, w in zip(model.parameters(), flat_parameters(moons_weights()), strict=True):
        p.data = w  # the shared starting weights, in place of micrograd's random ones

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum((p * p for p in model.parameters()))
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    def train() -> Result:
        losses, first_grads = [], None
        for k in range(steps):
            total_loss, acc = loss()
            model.zero_grad()
            total_loss.backward()
            losses.append(E.value(total_loss))
            if first_grads is None:
                first_grads = [E.grad(p) for p in model.parameters()]
            learning_rate = 1.0 - 0.9 * k / 100
            for p in model.parameters():
                p.data -= learning_rate * p.grad
        return Result({"losses": losses, "grads": first_grads}, (model, total_loss))

    return train


def moons_as_written(E, steps: int, points: int = 100) -> "Result":
    """`prepare_moons_as_written`, made and run at once."""
    return prepare_moons_as_written(E, steps, points)()


# ---- microgpt --------------------------------------------------------------------

#: The training names (a fixed list: microgpt reads a file of 32,000). The first
#: step trains on the first name: 6 letters, 7 positions, a graph of ~55,000 nodes.
GPT_NAMES = ("olivia", "emma", "ava", "sophia", "isabella", "mia", "charlotte", "amelia", "harper", "evelyn")
GPT_EMBED, GPT_HEADS, GPT_LAYERS, GPT_BLOCK = 16, 4, 1, 16   # microgpt's n_embd, n_head, n_layer, block_size
GPT_HEAD_DIM = GPT_EMBED // GPT_HEADS
GPT_INIT_STD = 0.08
ADAM_LR, ADAM_BETA1, ADAM_BETA2, ADAM_EPS = 0.01, 0.85, 0.99, 1e-8
GPT_TOTAL_STEPS = 1000  # the learning rate decays linearly over microgpt's 1000 steps


def gpt_alphabet() -> tuple[list[str], int]:
    """(letters, the begin/end-of-name token): the letters are tokens 0..n-1, the marker n."""
    letters = sorted(set("".join(GPT_NAMES)))
    return letters, len(letters)


def gpt_weights(seed: int = 42) -> dict[str, list[list[float]]]:
    """Starting weights as plain floats, drawn in microgpt's order from N(0, 0.08²)."""
    rng = random.Random(seed)
    letters, _ = gpt_alphabet()
    vocab = len(letters) + 1

    def matrix(rows: int, cols: int) -> list[list[float]]:
        return [[rng.gauss(0, GPT_INIT_STD) for _ in range(cols)] for _ in range(rows)]

    weights = {"wte": matrix(vocab, GPT_EMBED), "wpe": matrix(GPT_BLOCK, GPT_EMBED),
               "lm_head": matrix(vocab, GPT_EMBED)}
    for layer in range(GPT_LAYERS):
        for part in ("wq", "wk", "wv", "wo"):
            weights[f"layer{layer}.attn_{part}"] = matrix(GPT_EMBED, GPT_EMBED)
        weights[f"layer{layer}.mlp_fc1"] = matrix(4 * GPT_EMBED, GPT_EMBED)
        weights[f"layer{layer}.mlp_fc2"] = matrix(GPT_EMBED, 4 * GPT_EMBED)
    return weights


def written_row(weights, inputs):
    """One output of microgpt's `linear`, as microgpt writes it."""
    return sum(wi * xi for wi, xi in zip(weights, inputs))


class Spelling(NamedTuple):
    """How the model spells a sum of many values and one row of a linear layer."""

    total: Callable   # Σ of an iterable of values
    row: Callable     # Σ wᵢ·xᵢ over one weight row and the inputs


AS_WRITTEN = Spelling(total=sum, row=written_row)


class GPT:
    """microgpt's model on the engine whose `Value` is given.

    The parameters are `Value`s; everything else the model computes with
    (the max subtracted in softmax, 1e-5, √head_dim, 1/n) is a plain number.
    """

    def __init__(self, Value, weights: dict[str, list[list[float]]], spelling: Spelling = AS_WRITTEN):
        self.state = {name: [[Value(w) for w in row] for row in rows] for name, rows in weights.items()}
        self.params = [p for rows in self.state.values() for row in rows for p in row]
        self.total, self.row = spelling

    def linear(self, x, w):
        return [self.row(weights, x) for weights in w]

    def softmax(self, logits):
        largest = max(value.data for value in logits)  # a plain number: it only keeps exp() in range
        exps = [(value - largest).exp() for value in logits]
        total = self.total(exps)
        return [e / total for e in exps]

    def rmsnorm(self, x):
        mean_square = self.total(xi * xi for xi in x) / len(x)
        scale = (mean_square + 1e-5) ** -0.5
        return [xi * scale for xi in x]

    def attention(self, x, layer: int, keys: list, values: list):
        """Causal self-attention of this position over every position so far."""
        w = self.state
        q = self.linear(x, w[f"layer{layer}.attn_wq"])
        keys.append(self.linear(x, w[f"layer{layer}.attn_wk"]))
        values.append(self.linear(x, w[f"layer{layer}.attn_wv"]))
        heads = []
        for h in range(GPT_HEADS):
            lo, hi = h * GPT_HEAD_DIM, (h + 1) * GPT_HEAD_DIM
            query = q[lo:hi]
            scores = [self.row(query, key[lo:hi]) / GPT_HEAD_DIM**0.5 for key in keys]
            weights = self.softmax(scores)
            heads.extend(self.row(weights, [value[j] for value in values]) for j in range(lo, hi))
        return self.linear(heads, w[f"layer{layer}.attn_wo"])

    def logits(self, token: int, position: int, keys: list, values: list):
        """The next-token logits at `position`, adding this position's keys and values to the cache."""
        w = self.state
        x = [t + p for t, p in zip(w["wte"][token], w["wpe"][position])]
        x = self.rmsnorm(x)
        for layer in range(GPT_LAYERS):
            residual = x
            x = self.attention(self.rmsnorm(x), layer, keys[layer], values[layer])
            x = [a + b for a, b in zip(x, residual)]
            residual = x
            hidden = [h.relu() for h in self.linear(self.rmsnorm(x), w[f"layer{layer}.mlp_fc1"])]
            x = self.linear(hidden, w[f"layer{layer}.mlp_fc2"])
            x = [a + b for a, b in zip(x, residual)]
        return self.linear(x, w["lm_head"])

    def loss(self, name: str):
        """Mean cross-entropy of predicting each next letter of `name` (and its end)."""
        letters, marker = gpt_alphabet()
        tokens = [marker] + [letters.index(ch) for ch in name] + [marker]
        n = min(GPT_BLOCK, len(tokens) - 1)
        keys, values = [[] for _ in range(GPT_LAYERS)], [[] for _ in range(GPT_LAYERS)]
        losses = []
        for position in range(n):
            probs = self.softmax(self.logits(tokens[position], position, keys, values))
            losses.append(-probs[tokens[position + 1]].log())
        return (1 / n) * self.total(losses)


def adam_update(params, m: list[float], v: list[float], step: int) -> None:
    """microgpt's Adam with its linear learning-rate decay; zeroes each gradient after use."""
    lr = ADAM_LR * (1 - step / GPT_TOTAL_STEPS)
    for i, p in enumerate(params):
        m[i] = ADAM_BETA1 * m[i] + (1 - ADAM_BETA1) * p.grad
        v[i] = ADAM_BETA2 * v[i] + (1 - ADAM_BETA2) * p.grad ** 2
        m_hat = m[i] / (1 - ADAM_BETA1 ** (step + 1))
        v_hat = v[i] / (1 - ADAM_BETA2 ** (step + 1))
        p.data -= lr * m_hat / (v_hat ** 0.5 + ADAM_EPS)
        p.grad = 0


def prepare_gpt(E, steps: int, spelling: Spelling) -> Callable[[], "Result"]:
    """The model is made here (its 3,872 weights wrapped in `Value`s), outside the
    clock; the function returned runs `steps` training steps, one name each.

    check: every step's loss and the first step's gradient of every parameter.
    """
    from .workloads import Result

    model = GPT(E.Value, gpt_weights(), spelling)

    def train() -> Result:
        m, v = [0.0] * len(model.params), [0.0] * len(model.params)
        losses, first_grads = [], None
        for step in range(steps):
            loss = model.loss(GPT_NAMES[step % len(GPT_NAMES)])
            loss.backward()
            losses.append(E.value(loss))
            if first_grads is None:
                first_grads = [E.grad(p) for p in model.params]
            adam_update(model.params, m, v, step)
        return Result({"losses": losses, "grads": first_grads}, (model, loss))

    return train


def prepare_microgpt(E, steps: int) -> Callable[[], "Result"]:
    """microgpt's training step as written: builtin `sum()` everywhere."""
    return prepare_gpt(E, steps, AS_WRITTEN)


def prepare_microgpt_idioms(E, steps: int) -> Callable[[], "Result"]:
    """The same step with the engine's own n-ary sum (`E.total`) and dot product (`E.dot`)."""
    return prepare_gpt(E, steps, Spelling(total=E.total, row=E.dot))


def microgpt(E, steps: int) -> "Result":
    return prepare_microgpt(E, steps)()


def microgpt_idioms(E, steps: int) -> "Result":
    return prepare_microgpt_idioms(E, steps)()


def gpt_nodes() -> int:
    """How many nodes the first step's graph has on microgpt's engine (for the docs)."""
    from .engines import load
    from .workloads import count_nodes

    E = load("microgpt")
    return count_nodes(E, GPT(E.Value, gpt_weights()).loss(GPT_NAMES[0]))
