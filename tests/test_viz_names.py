"""Names substituted into bigger expressions and captions read as the formula they are.

A hand-set label like `ŷ−y` is one node; put into `2·b`, `∂a/∂b` or `b.grad`
it must be bracketed, or the caption states a different formula (2ŷ − y).
"""

from engine import Value, backward_steps, topological_order
from engine.names import is_token, node_names, operand


def _labelled(value, label):
    value.label = label
    return value


def test_a_compound_label_is_bracketed_inside_a_bigger_name():
    y0, Y = Value(0.3, label="y0"), Value(1.0, label="Y")
    square = _labelled(y0 - Y, "y0−Y") ** 2
    names = node_names(topological_order(square))
    assert names[square] == "((y0−Y)**2)"  # not (y0−Y**2), which reads y0 − Y²


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
