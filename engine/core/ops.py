"""The op table: one row per primitive op.

Each row gives the op's name, its forward rule, its local derivatives (given
the inputs and the output `out`), and, where it has them, its domain, its
kinks and how it is shown. Derivative rules use only + - * / ** and the
generic functions of op.py, so they hold for floats, for `Value`s and for names
alike. How a row becomes a node: `node_maker` in op.py.

At the bottom, each row becomes an operator or a method of `Value`: `x * y`
runs the row "mul", `x.exp()` the row "exp".
"""

from __future__ import annotations

import math
import operator
from functools import lru_cache

from .op import BUILT_IN, OPS, Code, Op, generic_cos, generic_log, generic_sin
from .value import Constant, Value, as_float

# ---- domains: why an input is refused (None: allowed) ---------------------------
# Every number in a graph is finite (Value() refuses nan and ±inf), but a `.data` set
# by hand is not checked. Most ops then show it in their result (inf + 1 is inf, and
# that is refused); the ops whose domain asks for `_finite` would hide it in a finite
# one (tanh(inf) = 1, x / inf = 0), so they refuse it. (relu passes it on instead.)


def _finite(*xs):
    for x in xs:
        if x - x != 0.0:
            what = "nan (not a number)" if x != x else repr(x)
            return ValueError(f"needs a finite input, got {what}: was a .data set by hand?")
    return None


def _nonzero_divisor(x, y):
    return ZeroDivisionError("division by zero") if y == 0 else _finite(y)


def _positive(x):
    return None if x > 0 else ValueError("log needs a positive input")


def _non_negative(x):
    return None if x >= 0 else ValueError("sqrt needs a non-negative input")


def _nonzero_modulus(x, y):
    return ZeroDivisionError("modulo by zero") if y == 0 else _finite(x, y)


def _in_unit_interval(name: str):
    def domain(x):
        return None if -1.0 <= x <= 1.0 else ValueError(f"{name} needs an input in [-1, 1]")
    return domain


def _not_the_origin(y, x):
    return ValueError("the angle of (0, 0) has no derivative") if y == 0 and x == 0 else _finite(y, x)


# ---- kinks that depend on the inputs: the distance to the nearest one -------------


def _distance_to_the_negative_x_axis(y, x) -> float:
    """arctan2 jumps from π to −π across the ray y = 0, x < 0."""
    return abs(y) if x < 0 else math.hypot(y, x)


def _distance_to_a_jump_of_mod(x, y) -> float:
    """x % y jumps where x / y is whole: how far (x, y) is from there, moving x or moving y."""
    quotient = x / y
    off = abs(quotient - round(quotient))  # in units of the quotient
    along_y = off * y * y / abs(x) if x != 0 else math.inf
    return min(off * abs(y), along_y)


def _distance_to_an_integer(x) -> float:
    """floor, ceil and trunc jump at every integer."""
    return abs(x - round(x))


def _distance_to_a_half(x) -> float:
    """round jumps halfway between integers."""
    return abs(x - math.floor(x) - 0.5)


# ---- pieces of derivative rules ---------------------------------------------------


def _one_over_sqrt_one_minus_square(x):
    """1 / √(1 − x²), the slope of arcsin; infinite at x = ±1, where the curve stands upright."""
    return (1 - x * x) ** -0.5 if x * x < 1 else math.inf


def _number(x):
    """The number in a Value, or the argument itself: x // y is constant between
    the jumps of x % y, so it enters the rule as a number, not as a node."""
    return x.data if isinstance(x, Value) else x


def _sign(x) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def _sigmoid(x: float) -> float:
    # Only ever exponentiate a non-positive number, so nothing overflows.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _define(name, forward, derivatives, domain=None, **shown) -> Op:
    """A row of the engine's own table: registered in OPS under a name define_op will not take."""
    op = Op(name, forward, derivatives, domain, **shown)
    OPS[name] = op
    BUILT_IN.add(name)
    return op


# ---- the table ----------------------------------------------------------------------
# (relu's derivative is a constant tuple, so a relu node allocates none. Its forward
#  passes a number that is not finite on, so that the result check names it: nan stays
#  nan, as in PyTorch, and a -inf set by hand is not hidden in a 0.)
#             name       forward          local derivatives                       domain, and how it is shown

add = _define("add",      operator.add,    lambda x, y, out: (1.0, 1.0),           arity=2, symbol="+", infix="+")
sub = _define("sub",      operator.sub,    lambda x, y, out: (1.0, -1.0),          arity=2, symbol="−", infix="-")
mul = _define("mul",      operator.mul,    lambda x, y, out: (y, x),               arity=2, symbol="×", infix="*")
div = _define("div",      operator.truediv, lambda x, y, out: (1.0 / y, -out / y), _nonzero_divisor,
              arity=2, symbol="/", infix="/")
neg = _define("neg",      operator.neg,    lambda x, out: (-1.0,),                 symbol="−", form="prefix",
              infix="-")
absolute = _define("abs", abs,             lambda x, out: (_sign(x),),             kinks=(0.0,))
exp = _define("exp",      math.exp,        lambda x, out: (out,),                  _finite)
log = _define("log",      math.log,        lambda x, out: (1.0 / x,),              _positive)
sqrt = _define("sqrt",    math.sqrt,       lambda x, out: (0.5 / out if out > 0 else math.inf,), _non_negative,
               symbol="√")
tanh = _define("tanh",    math.tanh,       lambda x, out: (1 - out * out,),        _finite, activation=True,
               torch="Tanh")
sigmoid = _define("sigmoid", _sigmoid,     lambda x, out: (out * (1 - out),),      _finite, symbol="σ",
                  activation=True, torch="Sigmoid")
relu = _define("relu", lambda x: x if x > 0 or x - x != 0.0 else 0.0, lambda x, out: (0.0,) if x <= 0 else (1.0,),
               kinks=(0.0,), symbol="ReLU", activation=True, torch="ReLU",
               code=Code("0.0 if {0} <= 0 else {0}", ("(0.0 if {0} <= 0 else 1.0)",)))
# angles: numpy's names, so np.sin on an object array of Values calls Value.sin
sin = _define("sin",      math.sin,        lambda x, out: (generic_cos(x),))
cos = _define("cos",      math.cos,        lambda x, out: (-generic_sin(x),))
tan = _define("tan",      math.tan,        lambda x, out: (1 + out * out,))
arcsin = _define("arcsin", math.asin,      lambda x, out: (_one_over_sqrt_one_minus_square(x),),
                 _in_unit_interval("arcsin"))
arccos = _define("arccos", math.acos,      lambda x, out: (-_one_over_sqrt_one_minus_square(x),),
                 _in_unit_interval("arccos"))
arctan = _define("arctan", math.atan,      lambda x, out: (1 / (1 + x * x),),      _finite)
arctan2 = _define("arctan2", math.atan2,   lambda y, x, out: (x / (x * x + y * y), -y / (x * x + y * y)),
                  _not_the_origin, arity=2, kinks=_distance_to_the_negative_x_axis)
# Python's float modulo: x = (x // y)·y + x % y, so ∂/∂x = 1 and ∂/∂y = −(x // y)
mod = _define("mod",      operator.mod,    lambda x, y, out: (1.0, -(_number(x) // _number(y))), _nonzero_modulus,
              arity=2, symbol="%", infix="%", kinks=_distance_to_a_jump_of_mod)
# steps: flat between their jumps, so every derivative is 0 (as in PyTorch)
floor = _define("floor",  lambda x: float(math.floor(x)), lambda x, out: (0.0,), kinks=_distance_to_an_integer)
ceil = _define("ceil",    lambda x: float(math.ceil(x)),  lambda x, out: (0.0,), kinks=_distance_to_an_integer)
trunc = _define("trunc",  lambda x: float(math.trunc(x)), lambda x, out: (0.0,), kinks=_distance_to_an_integer)
rounded = _define("round", lambda x: float(round(x)),     lambda x, out: (0.0,), kinks=_distance_to_a_half)


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
    return _finite(x, y)  # 2 ** -inf = 0 would hide it


def _pow_derivatives(x, y, out):
    if x > 0:
        return (y * x ** (y - 1), out * generic_log(x))
    if y >= 1:  # at x = 0, y·x^(y−1) is still a formula (its own derivatives are needed higher up)
        return (y * x ** (y - 1), 0.0)
    return (_zero_base_slope(y), 0.0)


pow_op = _define("pow", operator.pow, _pow_derivatives, _pow_domain, arity=2, symbol="**", infix="**")

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


@lru_cache(maxsize=256)
def power_by(n: float) -> Op:
    """The op x ** n for one fixed, plain-number exponent n (finite)."""
    n = as_float(n, "pow exponent")

    def domain(x):
        if n <= 0 and (problem := _finite(x)) is not None:  # nan ** 0 = 1, inf ** -1 = 0 would hide it
            return problem
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

    whole = n.is_integer() and abs(n) < 10
    symbol = f"{int(n)}".translate(_SUPERSCRIPTS) if whole else f"**{n:g}"
    # `exponent` is the exact n (the symbol rounds it for pictures)
    return Op("pow", lambda x: x ** n, derivatives, domain, symbol=symbol, form="power", exponent=n,
              made_by=(power_by, (n,)))


def power(base, exponent) -> Value:
    """base ** exponent, where either side may be a number or a `Value`."""
    if isinstance(exponent, Value) and type(exponent) is not Constant:
        return pow_op.apply(base, exponent)
    if isinstance(exponent, Value):  # a number of the formula: x ** Constant(2) is x ** 2
        exponent = exponent.data
    try:
        n = as_float(exponent, "pow exponent")
    except ValueError:  # nan or ±inf: x ** inf has no derivative worth the name
        shown = base.data if isinstance(base, Value) else base
        raise ValueError(f"pow({shown!r}, {exponent!r}): the exponent must be a finite number") from None
    return power_by(n).apply(base)


@lru_cache(maxsize=64)
def rounding_to(ndigits: int) -> Op:
    """The op round(x, ndigits) for one number of digits (as Python rounds a float)."""
    scale = 10.0 ** max(-308, min(ndigits, 308))  # round(x, 400) is x; 10.0 ** 400 overflows
    return Op("round", lambda x: float(round(x, ndigits)), lambda x, out: (0.0,),
              kinks=lambda x: abs(x * scale - math.floor(x * scale) - 0.5) / scale,
              symbol=f"round{ndigits}" if ndigits >= 0 else f"round₋{-ndigits}", made_by=(rounding_to, (ndigits,)))


def _round(value: Value, ndigits=None) -> Value:
    """round(x) and round(x, n) as nodes (derivative 0, as in PyTorch)."""
    if ndigits is None:
        return rounded.apply(value)
    if isinstance(ndigits, bool) or not isinstance(ndigits, int):
        raise TypeError(f"round: ndigits must be an int, got {type(ndigits).__name__}")
    return rounding_to(ndigits).apply(value)


# ---- each row as an operator or method of Value ------------------------------------------


def _reflected(apply):
    """`number + value` reaches `value.__radd__(number)`: the same op, inputs in the written order."""
    def reflected(self, other):
        return apply(other, self)
    reflected.__name__ = reflected.__qualname__ = f"reflected_{apply.__name__}"
    return reflected


for _op, _method, _reflected_method in (
        (add, "__add__", "__radd__"), (sub, "__sub__", "__rsub__"), (mul, "__mul__", "__rmul__"),
        (div, "__truediv__", "__rtruediv__"), (mod, "__mod__", "__rmod__")):
    setattr(Value, _method, _op.apply)
    setattr(Value, _reflected_method, _reflected(_op.apply))
for _op, _method in ((neg, "__neg__"), (absolute, "__abs__"), (floor, "__floor__"), (ceil, "__ceil__"),
                     (trunc, "__trunc__"), (exp, "exp"), (log, "log"), (sqrt, "sqrt"), (tanh, "tanh"),
                     (sigmoid, "sigmoid"), (relu, "relu"), (sin, "sin"), (cos, "cos"), (tan, "tan"),
                     (arcsin, "arcsin"), (arccos, "arccos"), (arctan, "arctan"), (arctan2, "arctan2")):
    setattr(Value, _method, _op.apply)
Value.__pow__ = lambda self, exponent: power(self, exponent)
Value.__rpow__ = lambda self, base: power(base, self)
Value.__round__ = _round
