"""Bad input gets a clear error that names the problem — never a crash deep
inside, never a silent nan."""

import math

import pytest

from engine import Value, add_all, backward_steps, dot, gradcheck, topological_order


@pytest.mark.parametrize("bad,type_name", [("abc", "str"), (None, "NoneType"), (True, "bool"), (1j, "complex"),
                                           ([1.0], "list")])
def test_value_refuses_non_real_data_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=f"real number, got {type_name}"):
        Value(bad)


def test_operands_are_checked_too():
    with pytest.raises(TypeError, match="got str"):
        Value(1.0) + "2"
    with pytest.raises(TypeError, match="got NoneType"):
        None * Value(1.0)
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, label=3)


@pytest.mark.parametrize("build,error,message", [
    (lambda: Value(-1.0).log(), ValueError, r"log\(-1.0\): log needs a positive input"),
    (lambda: Value(0.0).log(), ValueError, r"log\(0.0\)"),
    (lambda: Value(-4.0).sqrt(), ValueError, r"sqrt\(-4.0\): sqrt needs a non-negative input"),
    (lambda: Value(1.0) / 0, ZeroDivisionError, r"div\(1.0, 0.0\): division by zero"),
    (lambda: 1 / Value(0.0), ZeroDivisionError, r"div\(1.0, 0.0\)"),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, r"pow\(0.0\).*negative power"),
    (lambda: Value(-8.0) ** (1 / 3), ValueError, r"pow\(-8.0\): a negative base needs an integer exponent"),
    (lambda: Value(-2.0) ** Value(2.0), ValueError, r"pow\(-2.0, 2.0\): a Value exponent needs a positive base"),
    (lambda: Value(0.0) ** Value(-1.0), ZeroDivisionError, r"pow\(0.0, -1.0\)"),
    (lambda: Value(1000.0).exp(), OverflowError, r"exp\(1000.0\): exp's result is too large"),
    (lambda: Value(10.0) ** 400, OverflowError, r"pow\(10.0\)"),
    (lambda: Value(10.0) ** Value(400.0), OverflowError, r"pow\(10.0, 400.0\)"),
])
def test_out_of_domain_ops_name_the_op_and_the_value(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_negative_base_to_an_integer_power_is_fine():
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert y.data == -8.0 and x.grad == 12.0


@pytest.mark.parametrize("number", [float("nan"), float("inf"), -float("inf"), 10**400])
def test_nan_and_inf_data_are_refused_by_name(number):
    with pytest.raises(ValueError, match="Value needs a finite number, got (nan|inf|-inf|1000)"):
        Value(number)


def test_backward_makes_no_nan_from_finite_inputs_even_through_an_infinite_slope():
    # sqrt has slope inf at 0; multiplied by zero downstream it must pass back 0, not nan.
    x = Value(0.0)
    y = x.sqrt() * 0.0 + x
    y.backward()
    assert x.grad == 1.0
    steps = list(backward_steps(y))
    assert not any(math.isnan(s.contribution) or math.isnan(s.parent_grad) for s in steps)


def test_graph_functions_refuse_non_values():
    for call in (lambda: topological_order(3.0), lambda: backward_steps(3.0), lambda: Value(1.0).backward("x")):
        with pytest.raises(TypeError):
            call()


def test_dot_and_add_all_check_their_inputs():
    with pytest.raises(ValueError, match="2 weights but 3 inputs"):
        dot([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="dot input needs a real number, got str"):
        dot([Value(1.0)], ["x"])
    with pytest.raises(TypeError, match="got NoneType"):
        add_all([Value(1.0), None])


def test_a_hand_made_node_needs_one_local_derivative_per_parent():
    x = Value(1.0)
    with pytest.raises(ValueError, match="2 parents but 1 local gradients"):
        Value(2.0, op="twice", parents=(x, x), local_grads=(2.0,))


def test_gradcheck_refuses_bad_arguments():
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda x: 3.0, [1.0])
    with pytest.raises(ValueError, match="at least one input"):
        gradcheck(lambda: Value(1.0), [])
    with pytest.raises(TypeError, match="needs a function"):
        gradcheck(None, [1.0])
