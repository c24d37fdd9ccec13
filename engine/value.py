"""The `Value`: one number in a computation graph.

A `Value` holds a float (`data`), the gradient of the final output with respect
to it (`grad`), and how it was made: the `op` that produced it, its `parents`
(the inputs of that op, in argument order) and its `local_grads` (the partial
derivative of this value with respect to each parent, computed once, in the
forward pass). Those two tuples are the whole graph: there are no closures, so a
node holds nothing but numbers and references to its parents.
"""

from __future__ import annotations

from numbers import Real


def as_float(data: object, what: str = "Value") -> float:
    """Return `data` as a float, or raise `TypeError` naming its type.

    Real numbers (int, float, numpy scalars, fractions) are accepted; bool, str,
    None, complex, lists and everything else are refused.
    """
    if type(data) is float:  # the common case, decided without the slower ABC check below
        return data
    if isinstance(data, bool) or not isinstance(data, Real):
        shown = repr(data)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        raise TypeError(f"{what} needs a real number, got {type(data).__name__}: {shown}")
    return float(data)


class Value:
    """A scalar that remembers how it was computed, so it can be differentiated.

    >>> x = Value(4.0, label="x")
    >>> y = Value(-3.0, label="y")
    >>> f = x * y
    >>> f.backward()
    >>> x.grad, y.grad
    (-3.0, 4.0)

    `op`, `parents` and `local_grads` are set by the operations that make new
    values. A user can make a node of a new op by giving all three (see
    `engine.define_op` for the version with a domain and a name in the op table).
    """

    __slots__ = ("data", "grad", "label", "op", "parents", "local_grads")

    def __init__(self, data, label: str = "", op: str = "", parents: tuple = (), local_grads: tuple = ()):
        if type(data) is not float:  # the fast path: every op's result is already a float
            data = as_float(data)
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        if type(parents) is not tuple:  # a hand-made node may pass lists: the graph is tuples
            parents = tuple(parents)
        if type(local_grads) is not tuple:
            local_grads = tuple(local_grads)
        if len(parents) != len(local_grads):
            raise ValueError(
                f"{op or 'Value'}: {len(parents)} parents but {len(local_grads)} local gradients; "
                "each parent needs exactly one local derivative"
            )
        self.data = data
        self.grad = 0.0
        self.label = label
        self.op = op
        self.parents = parents
        self.local_grads = local_grads

    # --- arithmetic: each operator hands over to its op in engine.primitives ---
    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return sub(other, self)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __truediv__(self, other):
        return div(self, other)

    def __rtruediv__(self, other):
        return div(other, self)

    def __pow__(self, exponent):
        return power(self, exponent)

    def __rpow__(self, base):
        return power(base, self)

    def __mod__(self, other):
        return mod(self, other)

    def __rmod__(self, other):
        return mod(other, self)

    def __neg__(self):
        return neg(self)

    def __abs__(self):
        return absolute(self)

    def exp(self) -> Value:
        """e ** self."""
        return exp(self)

    def log(self) -> Value:
        """Natural logarithm; needs self > 0."""
        return log(self)

    def tanh(self) -> Value:
        """Hyperbolic tangent (stable at any |x|)."""
        return tanh(self)

    def sigmoid(self) -> Value:
        """1 / (1 + e ** -self) (stable at any |x|)."""
        return sigmoid(self)

    def relu(self) -> Value:
        """max(0, self); its derivative at 0 is taken to be 0, as in PyTorch."""
        return relu(self)

    def sqrt(self) -> Value:
        """Square root; needs self >= 0."""
        return sqrt(self)

    def sin(self) -> Value:
        """Sine (of an angle in radians)."""
        return sin(self)

    def cos(self) -> Value:
        """Cosine (of an angle in radians)."""
        return cos(self)

    def tan(self) -> Value:
        """Tangent (of an angle in radians)."""
        return tan(self)

    def arcsin(self) -> Value:
        """Inverse sine, in [-π/2, π/2]; needs -1 <= self <= 1."""
        return arcsin(self)

    def arccos(self) -> Value:
        """Inverse cosine, in [0, π]; needs -1 <= self <= 1."""
        return arccos(self)

    def arctan(self) -> Value:
        """Inverse tangent, in (-π/2, π/2)."""
        return arctan(self)

    def arctan2(self, x) -> Value:
        """The angle of the point (x, self), in (-π, π]: numpy's arctan2(y, x) with self as y."""
        return arctan2(self, x)

    def backward(self, grad: float = 1.0, create_graph: bool = False) -> None:
        """Fill in `.grad` of every value this one depends on (reverse mode).

        Leaves accumulate across calls, as in PyTorch; interior gradients are
        recomputed each time, so two calls give exactly twice the leaf gradients.
        With `create_graph=True` every gradient it fills is a `Value`, whose
        graph computes it from the leaves: call `backward()` on it for the
        second derivative.
        """
        backward(self, grad, create_graph)

    # --- comparisons look at the numbers; == and hash stay identity (dict keys) ---
    def __lt__(self, other):
        return self.data < _number(other)

    def __le__(self, other):
        return self.data <= _number(other)

    def __gt__(self, other):
        return self.data > _number(other)

    def __ge__(self, other):
        return self.data >= _number(other)

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    # --- a Value reads like the float it holds ---
    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        return format(self.data, spec)

    def __round__(self, ndigits=None):
        return round(self.data, ndigits)

    def __repr__(self) -> str:
        label = f"label={self.label!r}, " if self.label else ""
        return f"Value({label}data={self.data!r}, grad={self.grad!r})"


def _number(other) -> float:
    return other.data if isinstance(other, Value) else as_float(other, "comparison")


# The ops need `Value` to exist first, and `Value`'s operators need the ops:
# importing them at the bottom breaks the cycle. The operators call each op's
# `apply` directly: it is the op, minus one function call per node.
from . import primitives as _ops  # noqa: E402
from .backward import backward  # noqa: E402

add, sub, mul, div = _ops.add.apply, _ops.sub.apply, _ops.mul.apply, _ops.div.apply
neg, absolute, power = _ops.neg.apply, _ops.absolute.apply, _ops.power
exp, log, sqrt = _ops.exp.apply, _ops.log.apply, _ops.sqrt.apply
tanh, sigmoid, relu = _ops.tanh.apply, _ops.sigmoid.apply, _ops.relu.apply
sin, cos, tan = _ops.sin.apply, _ops.cos.apply, _ops.tan.apply
arcsin, arccos, arctan = _ops.arcsin.apply, _ops.arccos.apply, _ops.arctan.apply
arctan2, mod = _ops.arctan2.apply, _ops.mod.apply
