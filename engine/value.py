"""The `Value`: one number in a computation graph.

A `Value` holds a float (`data`), the gradient of the final output with respect
to it (`grad`), and how it was made: the `op` that produced it, its `parents`
(the inputs of that op, in argument order) and its `local_grads` (the partial
derivative of this value with respect to each parent, computed once, in the
forward pass). Those two tuples are the whole graph: there are no closures, so a
node holds nothing but numbers and references to its parents.

Every operator below hands over to one row of the op table (primitives.py).
"""

from __future__ import annotations

from numbers import Real


class Value:
    """A scalar that remembers how it was computed, so it can be differentiated.

    >>> x = Value(4.0, label="x")
    >>> y = Value(-3.0, label="y")
    >>> f = x * y
    >>> f.backward()
    >>> x.grad, y.grad
    (-3.0, 4.0)

    `op`, `parents` and `local_grads` are set by the operations that make new
    values; on a node an op made, `op` is the `Op` itself (a str equal to its
    symbol, so `f.op == "*"`). A user can make a node of a new op by hand by
    giving all three (`engine.define_op` is the version with a domain and a
    row in the op table).
    """

    __slots__ = ("data", "grad", "label", "op", "parents", "local_grads")

    def __init__(self, data, label: str = "", op: str = "", parents: tuple = (), local_grads: tuple = ()):
        if type(data) is not float or data - data != 0.0:  # a finite float passes without a call
            data = as_float(data)
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        if parents or local_grads or type(parents) is not tuple or type(local_grads) is not tuple:
            parents, local_grads = _checked_edges(op, parents, local_grads)  # a hand-made interior node
        self.data = data
        self.grad = 0.0
        self.label = label
        self.op = op
        self.parents = parents
        self.local_grads = local_grads

    # --- arithmetic: each operator is one row of the op table, applied ---
    def __add__(self, other): return add(self, other)
    def __radd__(self, other): return add(other, self)
    def __sub__(self, other): return sub(self, other)
    def __rsub__(self, other): return sub(other, self)
    def __mul__(self, other): return mul(self, other)
    def __rmul__(self, other): return mul(other, self)
    def __truediv__(self, other): return div(self, other)
    def __rtruediv__(self, other): return div(other, self)
    def __pow__(self, exponent): return power(self, exponent)
    def __rpow__(self, base): return power(base, self)
    def __mod__(self, other): return mod(self, other)
    def __rmod__(self, other): return mod(other, self)
    def __neg__(self): return neg(self)
    def __abs__(self): return absolute(self)

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
        """max(0, self); its slope at 0 is taken to be 0, as in PyTorch."""
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
        """The angle of the point (x, self), in (-π, π]: numpy's arctan2(y, x), self as y."""
        return arctan2(self, x)

    def backward(self, grad: float = 1.0, create_graph: bool = False) -> None:
        """Fill in `.grad` of every value this one depends on (reverse mode).

        Leaves accumulate across calls, as in PyTorch; interior gradients are
        recomputed each time, so two calls give exactly twice the leaf gradients.
        With `create_graph=True` every gradient it fills is a `Value` whose graph
        computes it from the leaves: its own `backward()` gives second derivatives.
        The walk itself is one page: walk.py.
        """
        from .walk import backward  # imported when called: walk.py needs Value, so it cannot be imported at the top

        backward(self, grad, create_graph)

    # --- comparisons look at the numbers; == and hash stay identity (dict keys) ---
    def __lt__(self, other): return self.data < _number(other)
    def __le__(self, other): return self.data <= _number(other)
    def __gt__(self, other): return self.data > _number(other)
    def __ge__(self, other): return self.data >= _number(other)
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    # --- a Value prints like the float it holds, but never silently becomes one ---
    def __float__(self): raise TypeError(_LEAVES_THE_GRAPH.format(what="float(value)"))
    def __int__(self): raise TypeError(_LEAVES_THE_GRAPH.format(what="int(value)"))
    def __format__(self, spec: str) -> str: return format(self.data, spec)
    def __round__(self, ndigits=None): return round(self.data, ndigits)

    def __repr__(self) -> str:
        label = f"label={self.label!r}, " if self.label else ""
        return f"Value({label}data={self.data!r}, grad={self.grad!r})"


_LEAVES_THE_GRAPH = (
    "{what} would take the number out of the graph, and every gradient through it "
    "would be silently wrong: use value.data for the plain number, or the Value's own "
    "methods (.exp(), .log(), .tanh(), .sqrt(), ...) instead of math.*"
)


def as_float(data: object, what: str = "Value") -> float:
    """Return `data` as a finite float, or raise naming the problem.

    Real numbers (int, float, numpy scalars, fractions) are accepted; bool, str,
    None, complex, lists and everything else are a `TypeError`; nan and ±inf are
    a `ValueError` (the engine's numbers are always finite: see the README's
    "Numbers: the policy").
    """
    if type(data) is not float:  # float is the common case, decided without the ABC check
        if isinstance(data, bool) or not isinstance(data, Real):
            raise TypeError(f"{what} needs a real number, got {type(data).__name__}: {_short(data)}")
        try:
            data = float(data)
        except OverflowError:  # an int or Fraction beyond the float range
            raise ValueError(f"{what} needs a finite number, got {_short(data)} (too large for a float)") from None
    if data - data != 0.0:  # true for nan and ±inf only, without a function call
        raise ValueError(f"{what} needs a finite number, got {data!r}")
    return data


def lift(x) -> Value:
    """A plain number becomes a constant leaf; a `Value` stays itself."""
    return x if isinstance(x, Value) else Value(x)


def _checked_edges(op, parents, local_grads) -> tuple[tuple, tuple]:
    """A hand-made node's parents and local derivatives, checked: tuples, aligned, Values."""
    if type(parents) is not tuple:  # a hand-made node may pass lists: the graph is tuples
        parents = tuple(parents)
    if type(local_grads) is not tuple:
        local_grads = tuple(local_grads)
    if len(parents) != len(local_grads):
        raise ValueError(
            f"{op or 'Value'}: {len(parents)} parents but {len(local_grads)} local gradients; "
            "each parent needs exactly one local derivative"
        )
    for position, (parent, local) in enumerate(zip(parents, local_grads)):
        if not isinstance(parent, Value):
            raise TypeError(
                f"{op or 'Value'}: parent {position} must be a Value, got {type(parent).__name__}: "
                f"{_short(parent)} (wrap a number as Value(number))"
            )
        if isinstance(local, bool) or not isinstance(local, Real):
            raise TypeError(
                f"{op or 'Value'}: local gradient {position} must be a number, got {type(local).__name__}: "
                f"{_short(local)}" + (" (use its .data)" if isinstance(local, Value) else "")
            )
    return parents, local_grads


def _short(x: object) -> str:
    shown = repr(x)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _number(other) -> float:
    """The number a comparison reads: a Value's data, or any real (±inf too: `loss < best`)."""
    if isinstance(other, Value):
        return other.data
    if isinstance(other, bool) or not isinstance(other, Real):
        raise TypeError(f"comparison needs a real number, got {type(other).__name__}: {_short(other)}")
    return other


def _node(data: float, op, parents: tuple, local_grads: tuple) -> Value:
    """A node made by an op: the op lifted its parents and checked its result, so nothing is checked again."""
    node = _new_value(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node.op = op
    node.parents = parents
    node.local_grads = local_grads
    return node


_new_value = object.__new__

# The ops need `Value` to exist first, and `Value`'s operators need the ops: this
# import at the bottom is the engine's one import loop.
from . import primitives as _ops  # noqa: E402

# Each operator calls its op's `apply`: the same four steps as `Op.__call__`,
# written out for one or two inputs (op.py).
add, sub, mul, div = _ops.add.apply, _ops.sub.apply, _ops.mul.apply, _ops.div.apply
neg, absolute, power = _ops.neg.apply, _ops.absolute.apply, _ops.power
exp, log, sqrt = _ops.exp.apply, _ops.log.apply, _ops.sqrt.apply
tanh, sigmoid, relu = _ops.tanh.apply, _ops.sigmoid.apply, _ops.relu.apply
sin, cos, tan = _ops.sin.apply, _ops.cos.apply, _ops.tan.apply
arcsin, arccos, arctan = _ops.arcsin.apply, _ops.arccos.apply, _ops.arctan.apply
arctan2, mod = _ops.arctan2.apply, _ops.mod.apply
