"""The backward pass as code: the neuron turned into straight-line Python."""

from engine import backward_steps, step_code, to_python
from engine.names import number

from .neuron import build

SEED = 0


def neuron():
    """micrograd's neuron o = tanh(x1·w1 + x2·w2 + b) (the neuron demo's), every
    node labelled as in its lecture; returns the output and the five leaves."""
    *leaves, _, o = build(sum_label="x1w1x2w2")
    return o, leaves


def run(s) -> None:
    o, leaves = neuron()
    s.main_graph, s.main_parameters = o, leaves
    s.main_code = True  # --html: the page shows each step's line of the code below
    compiled = to_python(o, leaves)
    s.heading("engine.to_python(o, [x1, x2, w1, w2, b]).source")
    s.say("The forward pass is one line per node; the backward pass one line per")
    s.say("edge, in the order backward() walks them: local derivative × upstream,")
    s.say("added to the parent's grad (the first contribution starts it).")
    s.say()
    s.say(compiled.source)
    s.pause("the code")

    s.heading("each backward step beside its line of code")
    steps = list(backward_steps(o))  # a fresh pass: the numbers of each step
    lines = step_code(o, leaves)

    def show(k: int) -> None:
        step = steps[k - 1]
        product = f"{number(step.local_grad)} × {number(step.upstream)} = {number(step.contribution)}"
        s.say(f"  {k}. {lines[k - 1]:<33} {product}")

    s.step_pages(len(steps), show)

    s.render(o, "graph.png")  # the graph, with the gradients of that pass

    s.heading("the code gives the graph engine's numbers, bit for bit")
    numbers = [leaf.data for leaf in leaves]
    value, grads = compiled(numbers)
    s.expect("o from the code is o from the graph", value == o.data, number(value))
    for leaf, grad in zip(leaves, grads):
        s.expect(f"d o/d {leaf.label} from the code is {leaf.label}.grad", grad == leaf.grad, number(grad))
    s.say("Run it on other numbers: compiled([x1, x2, w1, w2, b]) -> (o, grads).")
    value, grads = compiled([1.0, -1.0, 0.5, 2.0, 0.0])
    s.say(f"  at x1=1, x2=-1, w1=0.5, w2=2, b=0: o = {number(value)}, "
          f"d o/d w1 = x1·(1 − o²) = {number(grads[2])}")
