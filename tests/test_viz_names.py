"""Names substituted into bigger expressions and captions read as the formula they are.

A hand-set label like `ŷ−y` is one node; put into `2·b`, `∂a/∂b` or `b.grad`
it must be bracketed, or the caption states a different formula (2ŷ − y).
"""

import pytest
from engine import Constant, Value, backward_steps, topological_order
from engine.names import is_token, node_names, operand


def _labelled(value, label):
    value.label = label
    return value


def test_a_compound_label_is_bracketed_inside_a_bigger_name():
    y0, Y = Value(0.3, label="y0"), Value(1.0, label="Y")
    square = _labelled(y0 - Y, "y0−Y") ** 2
    names = node_names(topological_order(square))
    assert names[square] == "(y0−Y)²"  # not y0−Y², which reads y0 − Y²


def test_a_caption_with_a_compound_label_computes_what_it_says():
    y_hat, y = Value(0.724, label="ŷ"), Value(1.0, label="y")
    error = _labelled(y_hat - y, "ŷ−y")
    loss = _labelled(_labelled(error ** 2, "(ŷ−y)²") * 0.5, "L")
    steps = list(backward_steps(loss))
    into_error = next(s for s in steps if s.parent is error)
    caption = into_error.caption()
    assert caption.startswith("(ŷ−y).grad += ∂((ŷ−y)²)/∂(ŷ−y) × ((ŷ−y)²).grad = 2·(ŷ−y) × 0.5 = ")
    # the number shown is 2·(ŷ − y), the formula written
    assert f"= {operand(format(round(2 * (0.724 - 1.0), 4), 'g'))} × 0.5" in caption


def test_a_negated_label_is_bracketed_after_the_partial_sign():
    u = Value(2.0, label="u")
    minus_u = _labelled(-u, "−u")
    total = _labelled(minus_u + Value(1.0, label="v"), "J")
    caption = next(s for s in backward_steps(total) if s.parent is minus_u).caption()
    assert caption.startswith("(−u).grad += ∂J/∂(−u) × J.grad = 1 × 1 = 1")


def test_single_tokens_stay_bare():
    for text in ("x1", "w₁", "ŷ", "x′", "W1[0,1]", "layers.0.w.2", "tanh(n)", "(a+b)", "0.5", "1.235e+20", "½"):
        assert is_token(text), text
        assert operand(text) == text
    for text in ("ŷ−y", "-3", "(y0−Y)²", "−u", "a b", "(a)+(b)", "1/m"):
        assert not is_token(text), text
        assert operand(text) == f"({text})"


def test_a_number_of_the_formula_takes_no_step_and_gets_no_gradient():
    x = Value(1.0, label="x")
    f = _labelled(x * 2 + 1, "f")
    steps = list(backward_steps(f))  # the constants 2 and 1 are not walked into
    assert [s.caption() for s in steps] == [
        "(x·2).grad += ∂f/∂(x·2) × f.grad = 1 × 1 = 1  →  (x·2).grad = 0 + 1 = 1",
        "x.grad += ∂(x·2)/∂x × (x·2).grad = 2 × 1 = 2  →  x.grad = 0 + 2 = 2",
    ]
    constants = [p for node in (f, f.parents[0]) for p in node.parents if p is not x and not p.parents]
    assert [c.data for c in constants] == [1.0, 2.0] and all(type(c) is Constant and c.grad == 0 for c in constants)


def test_labelled_constants_get_no_step_and_show_their_number():
    import viz

    y_hat, y, half = Value(0.75, label="ŷ"), Value(1.0, label="y"), Value(0.5, label="½")
    loss = _labelled(half * (y_hat - y) ** 2, "L")
    d = viz.describe(loss, constants=[y, half])
    assert d.roles[y] == d.roles[half] == "constant"
    assert {s.parent for s in d.steps}.isdisjoint({y, half})
    assert any(s.parent is y_hat for s in d.steps)
    assert d.forward_caption(y) == "y = 1   (a constant)"
    without = viz.describe(loss)
    assert len(without.steps) == len(d.steps) + 2
    source = viz.draw_dot(loss, constants=[y, half]).source
    assert "y = 1" in source and "½ = 0.5" in source


def test_a_constant_must_be_a_leaf():
    import pytest
    import viz

    x = Value(1.0, label="x")
    f = x * 2
    with pytest.raises(ValueError, match="constants must be leaves"):
        viz.describe(f + 1, constants=[f])


def _recomputed(by_value: str) -> float:
    """The sum a caption shows by numbers, worked out from its text alone."""
    total = 0.0
    for term in by_value.split(" + "):
        factors = [float(f.strip("()")) for f in term.split("·")]
        product = 1.0
        for f in factors:
            product *= f
        total += product
    return total


def test_a_dot_forward_caption_shows_every_pair_and_adds_up():
    import viz
    from engine import dot

    w = [Value(-1.6776, label="W1[0,1]"), Value(3.5822, label="W1[1,1]")]
    z = _labelled(dot(w, [1.0, 0.5]), "z")  # numbers as inputs, no bias
    d = viz.describe(z)
    caption = d.forward_caption(z)
    assert caption == "z = Σw·x: W1[0,1]·1 + W1[1,1]·0.5 = (-1.6776)·1 + 3.5822·0.5 = 0.1135"
    assert d.op_text(z) == "Σw·x"  # no bias, so no +b
    b = Value(0.25, label="b")
    zb = _labelled(dot(w, [1.0, 0.5], b), "zb")
    assert viz.describe(zb).op_text(zb) == "Σw·x+b"
    assert viz.describe(zb).forward_caption(zb).endswith("= (-1.6776)·1 + 3.5822·0.5 + 0.25 = 0.3635")


def test_a_long_dot_caption_is_abbreviated_but_still_adds_up():
    import viz
    from engine import dot
    from engine.names import number

    xs = [Value(0.5 + i, label=f"x{i}") for i in range(9)]
    ws = [Value(0.1 * i - 0.3, label=f"w{i}") for i in range(9)]
    z = _labelled(dot(ws, xs, Value(0.7, label="b")), "z")
    caption = viz.describe(z).forward_caption(z)
    _, by_name, by_value, value = caption.split(" = ")
    assert by_name == "Σw·x+b: w0·x0 + w1·x1 + w2·x2 + the other 6 terms + b"
    assert value == number(z.data)
    assert abs(_recomputed(by_value) - z.data) < 1e-3
    assert len(caption) <= 130
    many = _labelled(dot([Value(0.01 * i) for i in range(500)], [1.5] * 500), "many")
    assert len(viz.describe(many, max_nodes=None).forward_caption(many)) <= 130  # however many terms


def test_names_use_the_symbols_of_the_op_circles():
    import viz

    a, b = Value(3.0, label="a"), Value(1.0, label="b")
    d = viz.describe(_labelled(-((a - b) ** 2), "f"))
    square = d.root.parents[0]
    difference = square.parents[0]
    assert (d.names[difference], d.op_text(difference)) == ("a−b", "−")
    assert (d.names[square], d.op_text(square)) == ("(a−b)²", "²")
    assert d.op_text(d.root) == "−"
    assert d.forward_caption(square) == "(a−b)² = 2² = 4"  # named by its formula: said once


def test_a_call_of_a_sub_expression_has_one_pair_of_brackets():
    from engine import Value, topological_order
    from engine.names import node_names
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    named = lambda root: node_names(topological_order(root))[root]
    assert named((x * y).relu()) == "ReLU(x·y)"
    assert named((x + y).tanh()) == "tanh(x+y)"
    assert named(((x + y) * (x - y)).exp()) == "exp((x+y)·(x−y))"  # inner groups keep theirs


def test_a_label_several_nodes_carry_is_numbered_in_graph_order_and_warned_about_once():
    """Issue 25: window_ner's z0 of both windows was one name twice (z0.grad at step 355 and at 709)."""
    xs = [Value(float(i), label="x") for i in range(3)]
    total = _labelled(xs[0] * xs[1] + xs[2], "total")
    with pytest.warns(UserWarning, match=r"several nodes carry one label: x \(3 nodes\).*x#1, x#2") as caught:
        names = node_names(topological_order(total))
    assert len(caught) == 1
    assert [names[x] for x in xs] == ["x#1", "x#2", "x#3"] and names[total] == "total"


def test_a_networks_values_are_named_by_their_place_and_numbered_per_point_without_a_warning():
    import warnings

    import nn
    model = nn.MLP(2, [3, 1], seed=0)
    outputs = [model([0.5, -1.0]), model([1.0, 2.0])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        names = node_names(topological_order(outputs[0] + outputs[1]))
    shown = [names[node] for node in topological_order(outputs[1]) if node.parents]
    assert shown == ["z1[0]#2", "h1[0]#2", "z1[1]#2", "h1[1]#2", "z1[2]#2", "h1[2]#2", "z2[0]#2"]


def test_a_long_formula_is_named_by_its_op_and_a_count_the_code_uses_too():
    """Horner's polynomial: short formulas name the first steps, then mul1, add1, ... in graph order,
    and the generated code calls each value by the same name."""
    from engine import to_python

    x = Value(0.5, label="x")
    p = Value(1.0, label="a5")
    for k in range(4, 1, -1):
        p = p * x + Value(float(k), label=f"a{k}")
    order = topological_order(p)
    names = [node_names(order)[n] for n in order if n.parents]
    assert names == ["a5·x", "a5·x+a4", "(a5·x+a4)·x", "(a5·x+a4)·x+a3", "((a5·x+a4)·x+a3)·x", "add1"]
    source = to_python(p, [x]).source
    assert "add1 = a5_x_a4_x_a3_x + a2" in source  # the same names, written as identifiers
