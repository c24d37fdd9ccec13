"""Newton's method x ← x − f′/f″ vs gradient descent; f″ = grad(grad(f))."""

import math

import engine
from engine import Value, grad

SEED = 0

X0 = 2.0                # where both methods start
LEARNING_RATE = 0.3     # gradient descent's step size
STEPS = 8               # printed steps of each method
MINIMUM = math.log(2)   # f′(x) = eˣ − 2 = 0 at x = ln 2


def f(x):
    """f(x) = eˣ − 2x: convex, smallest at x = ln 2, and not a parabola (so Newton needs several steps)."""
    return x.exp() - 2 * x


def run(s) -> None:
    s.say("f(x) = eˣ − 2x is smallest where f′(x) = eˣ − 2 = 0: at x = ln 2 = 0.693147…")
    s.say("gradient descent steps against the slope:  x ← x − η·f′(x), η = 0.3")
    s.say("Newton divides the slope by the curvature: x ← x − f′(x)/f″(x)")
    s.say("f′ = engine.grad(f), f″ = engine.grad(engine.grad(f)): a derivative is a Value")
    s.say("computed by a graph of its own, so it can be differentiated again.")

    show_the_gradients_graph(s)

    f1, f2 = grad(f), grad(grad(f))
    s.heading(f"Newton from x = {X0:g}: each row's last x is the next row's x")
    s.say(f"{'':>2}  {'x':>15} {'f′(x)':>13} {'f″(x)':>11}   {'x − f′/f″':>15} {'|x − ln 2|':>10}")
    newton_rows, x = [], X0
    for k in range(STEPS + 1):
        slope, curvature = f1(x).data, f2(x).data
        following = x - slope / curvature
        s.say(f"{k:>2}  {x:>15.12f} {slope:>13.6e} {curvature:>11.8f}   {following:>15.12f} {abs(x - MINIMUM):>10.1e}")
        newton_rows.append((x, slope, curvature))
        x = following

    s.heading(f"gradient descent from x = {X0:g}, η = {LEARNING_RATE:g}")
    s.say(f"{'':>2}  {'x':>15} {'f′(x)':>13}   {'x − η·f′':>15} {'|x − ln 2|':>10}")
    descent_rows, x = [], X0
    for k in range(STEPS + 1):
        slope = f1(x).data
        following = x - LEARNING_RATE * slope
        s.say(f"{k:>2}  {x:>15.12f} {slope:>13.6e}   {following:>15.12f} {abs(x - MINIMUM):>10.1e}")
        descent_rows.append((x, slope))
        x = following

    s.heading("checks")
    x, slope, curvature = newton_rows[0]
    s.compare(f"f′({X0:g}) = e² − 2", math.exp(X0) - 2, slope)
    s.compare(f"f″({X0:g}) = e²", math.exp(X0), curvature)
    s.compare("Newton's step 1: 1 + 2/e²", 1 + 2 / math.exp(2), newton_rows[1][0])
    newton_steps = next(k for k, (x, *_) in enumerate(newton_rows) if abs(x - MINIMUM) < 1e-12)
    descent_error = abs(descent_rows[-1][0] - MINIMUM)
    s.expect("Newton is within 1e-12 of ln 2 in <= 6 steps", newton_steps <= 6, f"{newton_steps} steps")
    s.expect(f"descent is still > 1e-5 away after {STEPS} steps", descent_error > 1e-5,
             f"{descent_error:.1e}")
    s.say("  (descent's error shrinks by about |1 − η·f″(ln 2)| = |1 − 0.3·2| = 0.4 a step;")
    s.say("  Newton's error is roughly squared each step once it is close)")
    s.compare("Newton's limit = ln 2", MINIMUM, newton_rows[-1][0])


def show_the_gradients_graph(s) -> None:
    """backward(create_graph=True) at x = 2 makes x.grad a Value with a graph: f′(x) = 2·(−1) + eˣ.
    Its own backward pass, stepped and drawn, leaves f″(2) = e² in x.grad."""
    x = Value(X0, "x")
    y = f(x)
    y.label = "f"
    y.backward(create_graph=True)
    slope = x.grad
    slope.label = "f′"
    s.main_graph = slope
    s.main_parameters = [x]
    s.heading("the graph of f′(x), made by backward(create_graph=True) at x = 2")
    s.say(f"f′(2) = x.grad = {slope.data:.6f}, a Value made of {len(engine.topological_order(slope))} nodes:")
    s.say("  f′ = a + b,  a = 2·(−1): from −2x, ∂(2x)/∂x = 2 times ∂f/∂(2x) = −1,")
    s.say("               b = eˣ: f's own node, because ∂eˣ/∂x is eˣ itself")
    for term in slope.parents:
        term.label = "b" if term.op is engine.OPS["exp"] else "a"
    s.frames(slope)
    s.step_through(slope)
    s.render(slope, "gradient_graph.png")  # after its backward pass: x.grad shows f″(2)
    s.compare("f″(2) = e², from f′'s backward pass", math.exp(X0), x.grad)
