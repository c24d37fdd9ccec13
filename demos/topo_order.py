"""a = 1, b = a + a, c = b + b: why backward must follow a topological order."""

import engine
from engine import Value

SEED = 0


def naive_backward(root: Value) -> list[str]:
    """The backward pass a student writes first: every node pushes its gradient to
    its parents and immediately recurses into each parent, with no ordering.

        def naive(node):
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * node.grad
                naive(parent)

    A node reached by two paths passes its gradient on before it is complete, and
    then again once more has arrived: the shared part is counted too often. (Written
    here with an explicit stack of the recursion's frames; it is the same walk.)
    Returns what each step did, one line per edge walked.
    """
    done = []
    frames = [iter(zip(root.parents, root.local_grads, [root] * len(root.parents)))]
    while frames:
        edge = next(frames[-1], None)
        if edge is None:
            frames.pop()
            continue
        parent, local, node = edge
        before = parent.grad
        parent.grad += local * node.grad
        done.append(f"{parent.label}.grad += {local:g} × {node.label}.grad = {local:g} × {node.grad:g}"
                    f"  →  {parent.label}.grad = {before:g} + {local * node.grad:g} = {parent.grad:g}")
        frames.append(iter(zip(parent.parents, parent.local_grads, [parent] * len(parent.parents))))
    return done


def build() -> tuple[Value, Value, Value]:
    a = Value(1.0, "a")
    b = a + a
    b.label = "b"
    c = b + b
    c.label = "c"
    return a, b, c


def run(s) -> None:
    a, b, c = build()
    s.main_graph = c
    s.say("c = b + b = (a + a) + (a + a) = 4a, so dc/da = 4 and dc/db = 2.")

    s.heading("the naive recursive backward")
    a_naive, b_naive, c_naive = build()
    c_naive.grad = 1.0
    s.say("  each edge passes on the gradient its node holds AT THAT MOMENT, then the walk")
    s.say("  goes straight on into the parent:")
    for k, step in enumerate(naive_backward(c_naive), start=1):
        s.say(f"  {k:>3}. {step}")
    s.say(f"  b.grad = {b_naive.grad:g}, a.grad = {a_naive.grad:g}: b passed 1 on to a (twice) as soon as the")
    s.say("  first edge from c reached it, then 2 (twice) when the second did: 1+1+2+2 = 6.")
    s.expect("the naive walk gets a's gradient wrong", a_naive.grad != 4.0, f"it says {a_naive.grad:g}")
    s.pause("naive walk done")

    s.heading("the engine: every node after all of its parents, walked in reverse")
    order = engine.topological_order(c)
    s.say("  topological order: " + ", ".join(v.label for v in order))
    s.say("  walked backwards, b is reached only once both edges from c have delivered")
    s.frames(c)
    s.step_through(c)
    s.compare("dc/db = 2", 2.0, b.grad)
    s.compare("dc/da = 4", 4.0, a.grad)
    s.gradcheck("c", lambda a: (a + a) + (a + a), [a])
    s.render(c, "graph.png")
