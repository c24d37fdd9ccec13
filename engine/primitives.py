"""The table of primitive ops: for each, its forward value, its local
derivatives and its domain, side by side.

Derivative rules get the inputs and the output and use only + - * / ** (and
`generic_log`), so they hold for floats and, later, for `Value`s alike.
Every op here is also reachable as an operator or a method of `Value`.
"""

from __future__ import annotations

import math
import operator
from functools import lru_cache
from typing import Iterable, Optional, Sequence

from .op import Op, define_op, generic_cos, generic_log, generic_sin, lift
from .value import Value, as_float


def _is_integer(x: float) -> bool:
    return x == math.floor(x)


# ---- arithmetic ---------------------------------------------------------------

add = define_op("add", operator.add, lambda x, y, out: (1.0, 1.0), arity=2, symbol="+")
sub = define_op("sub", operator.sub, lambda x, y, out: (1.0, -1.0), arity=2, symbol="-")
mul = define_op("mul", operator.mul, lambda x, y, out: (y, x), arity=2, symbol="*")
div = define_op(
    "div", operator.truediv,
    lambda x, y, out: (1.0 / y, -out / y),
    domain=lambda x, y: ZeroDivisionError("division by zero") if y == 0 else None,
    arity=2, symbol="/",
)
neg = define_op("neg", operator.neg, lambda x, out: (-1.0,), symbol="-")


def _sign(x) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


absolute = define_op("abs", abs, lambda x, out: (_sign(x),), kinks=(0.0,))


# ---- powers -------------------------------------------------------------------
# x ** y with y a Value (or number ** Value) has two parents, and d/dy = out·log x
# needs x > 0. x ** n with a plain number n has one parent; it is its own op per
# exponent (cached), so x ** 2 stays fine for negative x.


def _zero_base_slope(n) -> float:
    """d(x ** n)/dx at x = 0, for n > 0: infinite below 1, then 1, then 0."""
    return math.inf if n < 1 else 1.0 if n == 1 else 0.0


def _pow_domain(x, y):
    if x < 0:
        return ValueError(
            "a Value exponent needs a positive base, because d(x ** y)/dy = x ** y · log(x); "
            "for a fixed exponent write x ** 2 with a plain number"
        )
    if x == 0 and y <= 0:
        return ZeroDivisionError("0 cannot be raised to a power <= 0")
    return None


def _pow_derivatives(x, y, out):
    if x > 0:
        return (y * x ** (y - 1), out * generic_log(x))
    return (_zero_base_slope(y), 0.0)


pow_op = define_op("pow", operator.pow, _pow_derivatives, domain=_pow_domain, arity=2, symbol="**")


@lru_cache(maxsize=256)
def power_by(n: float) -> Op:
    """The op x ** n for one fixed, plain-number exponent n."""

    def domain(x):
        if x == 0 and n < 0:
            return ZeroDivisionError(f"0 cannot be raised to the negative power {n!r}")
        if x < 0 and not _is_integer(n):
            return ValueError(f"a negative base needs an integer exponent, got {n!r}")
        return None

    def derivatives(x, out):
        if n == 0:
            return (0.0,)
        if x > 0 or x < 0:  # (x != 0 would compare identity on a Value)
            return (n * x ** (n - 1),)
        return (_zero_base_slope(n),)

    return Op("pow", lambda x: x ** n, derivatives, domain, arity=1, symbol=f"**{n:g}")


def power(base, exponent) -> Value:
    """base ** exponent, where either side may be a number or a `Value`."""
    if isinstance(exponent, Value):
        return pow_op(base, exponent)
    return power_by(as_float(exponent, "exponent"))(base)


# ---- functions ----------------------------------------------------------------


def _sigmoid(x: float) -> float:
    # Only ever exponentiate a non-positive number, so nothing overflows.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


exp = define_op("exp", math.exp, lambda x, out: (out,))
log = define_op(
    "log", math.log, lambda x, out: (1.0 / x,),
    domain=lambda x: ValueError("log needs a positive input") if not x > 0 else None,
)
sqrt = define_op(
    "sqrt", math.sqrt,
    lambda x, out: (0.5 / out if out > 0 else math.inf,),
    domain=lambda x: ValueError("sqrt needs a non-negative input") if x < 0 else None,
)
tanh = define_op("tanh", math.tanh, lambda x, out: (1 - out * out,))
sigmoid = define_op("sigmoid", _sigmoid, lambda x, out: (out * (1 - out),), symbol="σ")
# (1.0,) and (0.0,) are constants, so a relu node allocates no tuple for its derivative.
relu = define_op("relu", lambda x: x if x > 0 else 0.0, lambda x, out: (1.0,) if x > 0 else (0.0,), symbol="ReLU",
                 kinks=(0.0,))


# ---- many inputs, one node ----------------------------------------------------


def add_all(values: Iterable, start=0.0) -> Value:
    """Σ values (+ start) as ONE node with a parent per value, not a chain of +.

    Every local derivative is 1. Plain numbers are lifted to constant leaves.
    """
    parents = [lift(v) for v in values]
    if isinstance(start, Value):
        parents.insert(0, start)
        start = 0.0
    total = sum([p.data for p in parents], as_float(start, "add_all start"))
    return Value(total, op="Σ", parents=tuple(parents), local_grads=(1.0,) * len(parents))


def dot(weights: Sequence, inputs: Sequence, bias: Optional[object] = None) -> Value:
    """Σ wᵢ·xᵢ (+ bias) as ONE node: a neuron's pre-activation in a single step.

    Each `Value` among the weights, the inputs and the bias becomes a parent, in
    that order (weights, then inputs, then bias); the local derivative for wᵢ is
    xᵢ, for xᵢ it is wᵢ, for the bias 1. Plain numbers take part in the sum but
    are not parents: a data point's features need no node of their own.
    """
    weights, inputs = list(weights), list(inputs)
    if len(weights) != len(inputs):
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs")
    w_data, w_nodes = _numbers_and_nodes(weights, "dot weight")
    x_data, x_nodes = _numbers_and_nodes(inputs, "dot input")
    parents = w_nodes + x_nodes
    # ∂/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ, for the Values among them
    local_grads = _partners(weights, w_nodes, x_data) + _partners(inputs, x_nodes, w_data)
    total = sum(map(operator.mul, w_data, x_data))
    if isinstance(bias, Value):
        parents.append(bias)
        local_grads.append(1.0)
        total += bias.data
    elif bias is not None:
        total += as_float(bias, "dot bias")
    return Value(total, "", "Σw·x+b", tuple(parents), tuple(local_grads))  # data, label, op, parents, local_grads


def _numbers_and_nodes(items: list, what: str) -> tuple[list[float], list[Value]]:
    """Every item's number, and the items that are `Value`s (the ones that become parents)."""
    nodes = [v for v in items if isinstance(v, Value)]
    if len(nodes) == len(items):  # all Values (weights, a hidden layer's inputs)
        return list(map(_data, nodes)), nodes
    if not nodes:  # all plain numbers (a data point)
        return [as_float(v, what) for v in items], nodes
    return [v.data if isinstance(v, Value) else as_float(v, what) for v in items], nodes


def _partners(items: list, nodes: list[Value], partner_numbers: list[float]) -> list[float]:
    """The local derivative of each Value among `items`: the number it is multiplied by."""
    if len(nodes) == len(items):
        return partner_numbers
    if not nodes:
        return []
    return [n for item, n in zip(items, partner_numbers) if isinstance(item, Value)]


_data = operator.attrgetter("data")


# ---- angles -------------------------------------------------------------------
# numpy's names, so that np.sin on an object array of Values calls Value.sin.
# Every derivative rule is built from ops that also work on Values (generic_cos,
# + - * / **), so each of these can be differentiated again, to any order.


def _inverse_sqrt_of_one_minus_square(x):
    """1 / √(1 − x²), the slope of arcsin; infinite at x = ±1, where the curve stands upright."""
    return (1 - x * x) ** -0.5 if x * x < 1 else math.inf


def _outside_unit_interval(name: str):
    def domain(x):
        return ValueError(f"{name} needs an input in [-1, 1]") if not -1.0 <= x <= 1.0 else None
    return domain


sin = define_op("sin", math.sin, lambda x, out: (generic_cos(x),))
cos = define_op("cos", math.cos, lambda x, out: (-generic_sin(x),))
# tan's poles (π/2 + kπ) are never hit exactly by a float; near them the value
# and the slope are huge, and engine.strategies' bound keeps test inputs away.
tan = define_op("tan", math.tan, lambda x, out: (1 + out * out,))
arcsin = define_op("arcsin", math.asin, lambda x, out: (_inverse_sqrt_of_one_minus_square(x),),
                   domain=_outside_unit_interval("arcsin"))
arccos = define_op("arccos", math.acos, lambda x, out: (-_inverse_sqrt_of_one_minus_square(x),),
                   domain=_outside_unit_interval("arccos"))
arctan = define_op("arctan", math.atan, lambda x, out: (1 / (1 + x * x),))


def _arctan2_kink_distance(y, x) -> float:
    """How far (y, x) is from the ray y = 0, x < 0, where the angle jumps from π to −π."""
    return abs(y) if x < 0 else math.hypot(y, x)


arctan2 = define_op(
    "arctan2", math.atan2,
    lambda y, x, out: (x / (x * x + y * y), -y / (x * x + y * y)),
    domain=lambda y, x: ValueError("the angle of (0, 0) has no derivative") if y == 0 and x == 0 else None,
    arity=2, kinks=_arctan2_kink_distance,
)


# ---- modulo -------------------------------------------------------------------
# Python's float modulo: x % y has the sign of y, and x = (x // y)·y + x % y.
# So d/dx = 1 and d/dy = −(x // y), a whole number that only changes where x / y
# is a whole number: there x % y jumps (its kinks). `x // y` is taken on the
# numbers: it is constant between the jumps, so its own derivative is 0.


def _mod_kink_distance(x, y) -> float:
    """How far (x, y) is from a jump of x % y, moving x, or moving y (whichever is nearer)."""
    quotient = x / y
    off = abs(quotient - round(quotient))  # in units of the quotient
    along_x = off * abs(y)
    along_y = off * y * y / abs(x) if x != 0 else math.inf
    return min(along_x, along_y)


mod = define_op(
    "mod", operator.mod,
    lambda x, y, out: (1.0, -(_number(x) // _number(y))),
    domain=lambda x, y: ZeroDivisionError("modulo by zero") if y == 0 else None,
    arity=2, symbol="%", kinks=_mod_kink_distance,
)


def _number(x) -> float:
    """The float inside a Value, or the float itself."""
    return x.data if isinstance(x, Value) else x
