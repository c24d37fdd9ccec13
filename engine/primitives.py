"""The op table: one row per primitive op.

Each row gives the op's name, its forward rule, its local derivatives (given
the inputs and the output `out`), and, where it has them, its domain and its
kinks. Derivative rules use only + - * / ** (and `generic_log`), so they hold
for floats and for `Value`s alike. Every op here is also an operator or a
method of `Value`. How a row becomes a node: `Op.__call__` in op.py.
"""

from __future__ import annotations

import math
import operator
from functools import lru_cache

from . import hot_paths
from .op import Op, define_op, generic_cos, generic_log, generic_sin
from .value import Value, as_float

# ---- domains: why an input is refused (None: allowed) ---------------------------


def _nonzero_divisor(x, y):
    return ZeroDivisionError("division by zero") if y == 0 else None


def _positive(x):
    return None if x > 0 else ValueError("log needs a positive input")


def _non_negative(x):
    return None if x >= 0 else ValueError("sqrt needs a non-negative input")


def _nonzero_modulus(x, y):
    return ZeroDivisionError("modulo by zero") if y == 0 else None


def _in_unit_interval(name: str):
    def domain(x):
        return None if -1.0 <= x <= 1.0 else ValueError(f"{name} needs an input in [-1, 1]")
    return domain


def _not_the_origin(y, x):
    return ValueError("the angle of (0, 0) has no derivative") if y == 0 and x == 0 else None


# ---- kinks that depend on both inputs: the distance to the nearest one ------------


def _distance_to_the_negative_x_axis(y, x) -> float:
    """arctan2 jumps from π to −π across the ray y = 0, x < 0."""
    return abs(y) if x < 0 else math.hypot(y, x)


def _distance_to_a_jump_of_mod(x, y) -> float:
    """x % y jumps where x / y is whole: how far (x, y) is from there, moving x or moving y."""
    quotient = x / y
    off = abs(quotient - round(quotient))  # in units of the quotient
    along_y = off * y * y / abs(x) if x != 0 else math.inf
    return min(off * abs(y), along_y)


# ---- pieces of derivative rules -------------------------------------------------
# Each works on floats and on Values, so the rules can be differentiated again.


def _one_over_sqrt_one_minus_square(x):
    """1 / √(1 − x²), the slope of arcsin; infinite at x = ±1, where the curve stands upright."""
    return (1 - x * x) ** -0.5 if x * x < 1 else math.inf


def _number(x) -> float:
    """The number in a Value, or the number itself: x // y is constant between
    the jumps of x % y, so it enters the rule as a plain number."""
    return x.data if isinstance(x, Value) else x


def _sign(x) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def _sigmoid(x: float) -> float:
    # Only ever exponentiate a non-positive number, so nothing overflows.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# ---- the table ------------------------------------------------------------------
# (relu's derivative is a constant tuple, so a relu node allocates none; relu
#  writes `x <= 0` rather than `x > 0` so that nan stays nan, as in PyTorch.)
#                name       forward        local derivatives                       domain, kinks, symbol

add = define_op("add",      operator.add,  lambda x, y, out: (1.0, 1.0),          arity=2, symbol="+")
sub = define_op("sub",      operator.sub,  lambda x, y, out: (1.0, -1.0),         arity=2, symbol="-")
mul = define_op("mul",      operator.mul,  lambda x, y, out: (y, x),              arity=2, symbol="*")
div = define_op("div",      operator.truediv, lambda x, y, out: (1.0 / y, -out / y), arity=2, symbol="/",
                domain=_nonzero_divisor)
neg = define_op("neg",      operator.neg,  lambda x, out: (-1.0,),                symbol="-")
absolute = define_op("abs", abs,           lambda x, out: (_sign(x),),            kinks=(0.0,))
exp = define_op("exp",      math.exp,      lambda x, out: (out,))
log = define_op("log",      math.log,      lambda x, out: (1.0 / x,),             domain=_positive)
sqrt = define_op("sqrt",    math.sqrt,     lambda x, out: (0.5 / out if out > 0 else math.inf,),
                 domain=_non_negative)
tanh = define_op("tanh",    math.tanh,     lambda x, out: (1 - out * out,))
sigmoid = define_op("sigmoid", _sigmoid,   lambda x, out: (out * (1 - out),),     symbol="σ")
relu = define_op("relu", lambda x: 0.0 if x <= 0 else x, lambda x, out: (0.0,) if x <= 0 else (1.0,),
                 kinks=(0.0,), symbol="ReLU")
# angles: numpy's names, so np.sin on an object array of Values calls Value.sin
sin = define_op("sin",      math.sin,      lambda x, out: (generic_cos(x),))
cos = define_op("cos",      math.cos,      lambda x, out: (-generic_sin(x),))
tan = define_op("tan",      math.tan,      lambda x, out: (1 + out * out,))
arcsin = define_op("arcsin", math.asin,    lambda x, out: (_one_over_sqrt_one_minus_square(x),),
                   domain=_in_unit_interval("arcsin"))
arccos = define_op("arccos", math.acos,    lambda x, out: (-_one_over_sqrt_one_minus_square(x),),
                   domain=_in_unit_interval("arccos"))
arctan = define_op("arctan", math.atan,    lambda x, out: (1 / (1 + x * x),))
arctan2 = define_op("arctan2", math.atan2, lambda y, x, out: (x / (x * x + y * y), -y / (x * x + y * y)),
                    arity=2, domain=_not_the_origin, kinks=_distance_to_the_negative_x_axis)
# Python's float modulo: x = (x // y)·y + x % y, so ∂/∂x = 1 and ∂/∂y = −(x // y)
mod = define_op("mod",      operator.mod,  lambda x, y, out: (1.0, -(_number(x) // _number(y))),
                arity=2, symbol="%", domain=_nonzero_modulus, kinks=_distance_to_a_jump_of_mod)

# The three commonest rows, and a running sum(), written out for speed (hot_paths.py).
add.apply, mul.apply, relu.apply = hot_paths.written_out_ops(Value, add, mul, relu)


# ---- powers ---------------------------------------------------------------------
# x ** y with y a Value (or number ** Value) has two parents, and d/dy = out·log x
# needs x > 0. x ** n with a plain number n has one parent; it is its own op per
# exponent (cached), so x ** 2 stays fine for negative x. 0 ** 0 is 1, with
# derivatives 0, as in PyTorch.


def _zero_base_slope(n) -> float:
    """d(x ** n)/dx at x = 0, for n >= 0: 0 for n = 0, infinite below 1, then 1, then 0."""
    # (only < and <=: n may be a Value, where == would compare identity)
    return 0.0 if n <= 0 else math.inf if n < 1 else 1.0 if n <= 1 else 0.0


def _pow_domain(x, y):
    if x < 0:
        return ValueError(
            "a Value exponent needs a positive base, because d(x ** y)/dy = x ** y · log(x); "
            "for a fixed exponent write x ** 2 with a plain number"
        )
    if x == 0 and y < 0:
        return ZeroDivisionError("0 cannot be raised to a negative power")
    return None


def _pow_derivatives(x, y, out):
    if x > 0:
        return (y * x ** (y - 1), out * generic_log(x))
    if y >= 1:  # at x = 0, y·x^(y−1) is still a formula (its own derivatives are needed higher up)
        return (y * x ** (y - 1), 0.0)
    return (_zero_base_slope(y), 0.0)


pow_op = define_op("pow", operator.pow, _pow_derivatives, domain=_pow_domain, arity=2, symbol="**")


@lru_cache(maxsize=256)
def power_by(n: float) -> Op:
    """The op x ** n for one fixed, plain-number exponent n (finite)."""
    n = as_float(n, "pow exponent")

    def domain(x):
        if x == 0 and n < 0:
            return ZeroDivisionError(f"0 cannot be raised to the negative power {n!r}")
        if x < 0 and not n.is_integer():
            return ValueError(f"a negative base needs an integer exponent, got {n!r}")
        return None

    def derivatives(x, out):
        if n == 0:
            return (0.0,)
        # at x = 0 the formula still holds for n >= 1, and its own derivative is needed
        # higher up (x² has slope 0 but curvature 2 there); (x != 0 compares identity on a Value)
        if n >= 1 or x > 0 or x < 0:
            return (n * x ** (n - 1),)
        return (_zero_base_slope(n),)

    op = Op("pow", lambda x: x ** n, derivatives, domain, arity=1, symbol=f"**{n:g}")
    op.exponent = n  # the exact n (the symbol rounds it for pictures)
    return op


def power(base, exponent) -> Value:
    """base ** exponent, where either side may be a number or a `Value`."""
    if isinstance(exponent, Value):
        return pow_op.apply(base, exponent)
    try:
        n = as_float(exponent, "pow exponent")
    except ValueError:  # nan or ±inf: x ** inf has no derivative worth the name
        shown = base.data if isinstance(base, Value) else base
        raise ValueError(f"pow({shown!r}, {exponent!r}): the exponent must be a finite number") from None
    return power_by(n).apply(base)
