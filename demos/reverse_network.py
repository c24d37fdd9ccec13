"""Article 002's sigmoid example: ∂C/∂w = (input, forward) × ∂C/∂z (backward, a network in reverse)."""

import math

import engine
from engine import Value, add_all

from .checks import FORMULA
from .layers import named

ARTICLE = "002"
SEED = 0


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def sigma_slope(z: float) -> float:
    """σ′(z) = σ(z)(1 − σ(z)): in the reverse network, a constant from the forward pass."""
    return sigma(z) * (1 - sigma(z))


def cross_entropy(y1: Value, y2: Value) -> Value:
    """C = −log y₁ − log(1 − y₂): binary cross-entropy on each output, for the
    targets t₁ = 1 and t₂ = 0 (−t·log y − (1 − t)·log(1 − y) keeps one term)."""
    log_y1 = named(y1.log(), "log y1")
    log_1_y2 = named(named(1 - y2, "1−y2").log(), "log(1−y2)")
    return named(named(-log_y1, "−log y1") - log_1_y2, "C")


def neuron(inputs, weights, label: str) -> Value:
    """z = Σ w·input, written out as products and a sum, one edge per weight."""
    products = [named(w * x, f"{w.label}·{x.label}") for w, x in zip(weights, inputs)]
    return named(products[0] + products[1], label)


#: The targets: C above is cross-entropy for exactly these.
T1, T2 = 1.0, 0.0


def run(s) -> None:
    rng = s.rng
    number = lambda: round(rng.uniform(-1, 1), 2) + 0.0  # noqa: E731  two decimals: easy to recompute
    s.say("the article's figures: x₁, x₂ → z = w₁x₁ + w₂x₂ → a = σ(z) → z′ = w₃a,")
    s.say("z″ = w₄a → …, and ∂C/∂w₁ = ∂z/∂w₁ (forward pass) × ∂C/∂z (backward pass)")
    s.note("the article gives no numbers and no bias (\"b works the same way\"); ours are drawn "
           "from the seed, rounded to two decimals. It names the loss cross-entropy without a "
           "formula; we use binary cross-entropy on each sigmoid output, with targets (our "
           f"names) t₁ = {T1:g}, t₂ = {T2:g}: C = −log y₁ − log(1 − y₂)")
    case_output_layer(s, number)
    s.pause("output-layer case done")
    case_recursive(s, number)


def case_output_layer(s, number) -> None:
    s.heading("case 1 (假设一): z′ and z″ feed the outputs y₁ = σ(z′), y₂ = σ(z″)")
    x1, x2 = Value(number(), "x1"), Value(number(), "x2")
    w1, w2, w3, w4 = (Value(number(), f"w{k}") for k in (1, 2, 3, 4))
    t1, t2 = T1, T2
    z = neuron([x1, x2], [w1, w2], "z")
    a = named(z.sigmoid(), "a")
    z1, z2 = named(w3 * a, "z′"), named(w4 * a, "z″")
    y1, y2 = named(z1.sigmoid(), "y1"), named(z2.sigmoid(), "y2")
    C = cross_entropy(y1, y2)
    s.main_graph = C
    s.main_parameters = [w1, w2, w3, w4]
    s.say(f"  x₁ = {x1.data:g}, x₂ = {x2.data:g}; w₁ = {w1.data:g}, w₂ = {w2.data:g}, w₃ = {w3.data:g},"
          f" w₄ = {w4.data:g}")
    s.say(f"  forward: z = {z.data:.4f}, a = σ(z) = {a.data:.4f}, z′ = {z1.data:.4f}, z″ = {z2.data:.4f},")
    s.say(f"           y₁ = {y1.data:.4f}, y₂ = {y2.data:.4f}, C = {C.data:.4f}")
    s.frames(C)
    s.step_through(C)

    s.heading("the forward pass gives ∂z/∂w: the input on that edge")
    s.say("  the engine's forward mode (engine.forward_grad) carries dw₁/dw₁ = 1 forwards:")
    s.compare("∂z/∂w₁ = x₁", x1.data, engine.forward_grad(z, w1), source=FORMULA)
    s.compare("∂z/∂w₂ = x₂", x2.data, engine.forward_grad(z, w2), source=FORMULA)
    s.say("  (the product node w₁·x₁ recorded x₁ as its local derivative in the forward")
    s.say("  pass)")

    s.heading("the backward pass gives ∂C/∂z: the network run in reverse")
    dC_dz1 = sigma_slope(z1.data) * (-t1 / y1.data + (1 - t1) / (1 - y1.data))
    dC_dz2 = sigma_slope(z2.data) * (-t2 / y2.data + (1 - t2) / (1 - y2.data))
    s.say("  output layer: ∂C/∂z′ = σ′(z′)·∂C/∂y₁ with ∂C/∂y₁ = −t₁/y₁ + (1 − t₁)/(1 − y₁)")
    s.compare("∂C/∂z′ = σ′(z′)·∂C/∂y₁", dC_dz1, z1.grad, source=FORMULA)
    s.compare("∂C/∂z″ = σ′(z″)·∂C/∂y₂", dC_dz2, z2.grad, source=FORMULA)
    s.say(f"  σ′(z) = σ(z)(1 − σ(z)) = {sigma_slope(z.data):.6f}: fixed by the forward pass,")
    s.say("  a constant gain in the reverse network")
    dC_dz = sigma_slope(z.data) * (w3.data * dC_dz1 + w4.data * dC_dz2)
    s.compare("∂C/∂z = σ′(z)(w₃·∂C/∂z′ + w₄·∂C/∂z″)", dC_dz, z.grad, source=FORMULA)
    s.compare("∂C/∂w₁ = x₁ × ∂C/∂z", x1.data * dC_dz, w1.grad, source=FORMULA)
    s.compare("∂C/∂w₂ = x₂ × ∂C/∂z", x2.data * dC_dz, w2.grad, source=FORMULA)
    backward_number = f"{dC_dz:.6f}" if dC_dz >= 0 else f"({dC_dz:.6f})"  # as the step captions write it
    s.say(f"  ∂C/∂w₁ = {x1.data:g} × {backward_number} = {x1.data * dC_dz:.6f}: forward number × backward number")
    s.render(C, "graph.png")
    draw_reverse_network(s, dC_dz1, dC_dz2, w3.data, w4.data, sigma_slope(z.data))


def draw_reverse_network(s, dC_dz1, dC_dz2, w3, w4, slope) -> None:
    """The article's reverse network as a graph of its own: ∂C/∂z′ and ∂C/∂z″ in,
    weighted by w₃ and w₄, summed, and amplified by the constant σ′(z)."""
    g1, g2 = Value(dC_dz1, "∂C/∂z′"), Value(dC_dz2, "∂C/∂z″")
    k3, k4, gain = Value(w3, "w3"), Value(w4, "w4"), Value(slope, "σ′(z)")
    total = named(named(k3 * g1, "w3·∂C/∂z′") + named(k4 * g2, "w4·∂C/∂z″"), "∂C/∂a")
    out = named(gain * total, "∂C/∂z")
    s.render(out, "reverse_network.png", parameters=[], show_grad=False,
             caption="article 002's reverse network: ∂C/∂z = σ′(z)·(w3·∂C/∂z′ + w4·∂C/∂z″)")
    s.say("  picture reverse_network.png: that arithmetic as a forward network of its own")


def case_recursive(s, number) -> None:
    s.heading("case 2 (假设二): more layers after z′ and z″; ∂C/∂z′ needs ∂C/∂z_a, ∂C/∂z_b")
    x1, x2 = Value(number(), "x1"), Value(number(), "x2")
    w = {k: Value(number(), f"w{k}") for k in range(1, 9)}
    t1, t2 = T1, T2
    z = neuron([x1, x2], [w[1], w[2]], "z")
    a = named(z.sigmoid(), "a")
    z1, z2 = named(w[3] * a, "z′"), named(w[4] * a, "z″")
    a1, a2 = named(z1.sigmoid(), "a′"), named(z2.sigmoid(), "a″")
    za = neuron([a1, a2], [w[5], w[6]], "z_a")
    zb = neuron([a1, a2], [w[7], w[8]], "z_b")
    y1, y2 = named(za.sigmoid(), "y1"), named(zb.sigmoid(), "y2")
    C = cross_entropy(y1, y2)
    s.say("  z_a = w₅a′ + w₆a″, z_b = w₇a′ + w₈a″, y₁ = σ(z_a), y₂ = σ(z_b)")
    s.note("the article draws this layer's weights unnamed; w₅ … w₈ are our names")
    s.say("  weights: " + ", ".join(f"w{k} = {w[k].data:g}" for k in range(1, 5)) + ",")
    s.say("           " + ", ".join(f"w{k} = {w[k].data:g}" for k in range(5, 9)) + f"; x = ({x1.data:g}, {x2.data:g})")
    s.backward(C)
    dC_dza = y1.data - t1  # σ′(z_a)·∂C/∂y₁ with binary cross-entropy: y − t
    dC_dzb = y2.data - t2
    s.compare("output layer: ∂C/∂z_a = σ′(z_a)·∂C/∂y₁ = y₁ − t₁", dC_dza, za.grad)
    s.compare("output layer: ∂C/∂z_b = y₂ − t₂", dC_dzb, zb.grad)
    dC_dz1 = sigma_slope(z1.data) * (w[5].data * dC_dza + w[7].data * dC_dzb)
    dC_dz2 = sigma_slope(z2.data) * (w[6].data * dC_dza + w[8].data * dC_dzb)
    s.compare("∂C/∂z′ = σ′(z′)(w₅·∂C/∂z_a + w₇·∂C/∂z_b)", dC_dz1, z1.grad, source=FORMULA)
    s.compare("∂C/∂z″ = σ′(z″)(w₆·∂C/∂z_a + w₈·∂C/∂z_b)", dC_dz2, z2.grad, source=FORMULA)
    dC_dz = sigma_slope(z.data) * (w[3].data * dC_dz1 + w[4].data * dC_dz2)
    s.compare("∂C/∂z = σ′(z)(w₃·∂C/∂z′ + w₄·∂C/∂z″)", dC_dz, z.grad, source=FORMULA)
    s.compare("∂C/∂w₁ = x₁ × ∂C/∂z", x1.data * dC_dz, w[1].grad, source=FORMULA)
    s.say("  the same step, one layer further back each time, until the output layer: the")
    s.say("  recursion the article describes, computed from the output backwards once")
