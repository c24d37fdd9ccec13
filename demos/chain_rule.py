"""f = x·y at x = 4, y = −3: the cs224n notes' first computational graph."""

from engine import Value

ARTICLE = "001"
SEED = 0


def run(s) -> None:
    x, y = Value(4.0, "x"), Value(-3.0, "y")
    f = x * y
    f.label = "f"
    s.main_graph = f
    s.say("forward: f = x · y = 4 · (−3) = −12")
    s.compare("f = x·y = −12 (the notes' number)", -12.0, f, source="article")

    s.frames(f)
    s.step_through(f)

    s.heading("article 001 (computational graphs): ∂f/∂x = y and ∂f/∂y = x")
    s.compare("∂f/∂x = y = −3", -3.0, x.grad, source="article")
    s.compare("∂f/∂y = x = 4", 4.0, y.grad, source="article")
    s.say("  so nudging x up by h moves f by −3h, and nudging y up by h moves f by 4h:")
    s.gradcheck("f", lambda x, y: x * y, [x, y])
    s.render(f, "graph.png")
