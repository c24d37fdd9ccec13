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

import dis
import sys
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
        self.data = as_float(data)
        self.grad = 0.0
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.label = label
        self.op = op
        self.parents, self.local_grads = _checked_edges(op, parents, local_grads)

    # --- arithmetic: each operator is one row of the op table ---
    def __add__(self, other):
        # Inside builtin sum(), the partial sum is folded into one Σ node
        # (see "A running sum is one node" below); everything else is the add row.
        if ((self.op is _add_op or self.op is SUM) and getrefcount(self) == _ONLY_THE_SUM_HOLDS_IT
                and _asked_by_a_function_call()):
            folded = _fold(self, other)
            if folded is not None:
                return folded
        return add(self, other)

    def __radd__(self, other):
        if other == 0 and type(other) is int and _asked_by_a_function_call():
            return _node(other + self.data, SUM, (self,), _ONES[1])  # sum()'s starting 0: no node
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

    def backward(self, grad: float = 1.0) -> None:
        """Fill in `.grad` of every value this one depends on (reverse mode).

        Leaves accumulate across calls, as in PyTorch; interior gradients are
        recomputed each time, so two calls give exactly twice the leaf gradients.
        The walk itself is one page: walk.py.
        """
        from .walk import backward  # walk.py imports Value; looked up here, there is no import loop

        backward(self, grad)

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

    # --- a Value prints like the float it holds, but never silently becomes one ---
    def __float__(self):
        raise TypeError(_LEAVES_THE_GRAPH.format(what="float(value)"))

    def __int__(self):
        raise TypeError(_LEAVES_THE_GRAPH.format(what="int(value)"))

    def __format__(self, spec: str) -> str:
        return format(self.data, spec)

    def __round__(self, ndigits=None):
        return round(self.data, ndigits)

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
    for position, parent in enumerate(parents):
        if not isinstance(parent, Value):
            raise TypeError(
                f"{op or 'Value'}: parent {position} must be a Value, got {type(parent).__name__}: "
                f"{_short(parent)} (wrap a number as Value(number))"
            )
    return parents, local_grads


def _short(x: object) -> str:
    shown = repr(x)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _number(other) -> float:
    return other.data if isinstance(other, Value) else as_float(other, "comparison")


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

# ---- A running sum is one node ----------------------------------------------
# Builtin `sum(values)` computes 0 + v0, then (0 + v0) + v1, then ... : a chain of
# `+` nodes, each partial sum a node of its own that only `sum()` ever holds and
# that is dropped the moment the next `+` is done. Nobody can see those partial
# sums, so they need not be nodes: the running sum is kept as ONE Σ node (the
# node `add_all` makes), and each `+` appends the next term to it, in place.
#
# It is exactly the chain's arithmetic: the data is the same floats added in the
# same order (total.data + v.data, term by term), and each term's local
# derivative is 1.0, as through the chain (1.0 × 1.0 × ... is exactly 1.0), so
# every gradient receives the same contributions. What changes is the graph: one
# node with a parent per term instead of a node per term, so fewer nodes to make,
# sort and walk (microgpt's model: about 56,000 nodes become about 32,000).
#
# The partial sum is folded only when all of these hold (otherwise `+` is the add row):
# - it is a `+` or Σ node an op made;
# - nothing else holds it: its reference count is that of a temporary (measured
#   below, once, on this Python; where a temporary cannot be told from a named
#   variable, as with Python 3.14's borrowed references, nothing is ever folded);
# - the `+` was asked for by a function the code called (sum(), functools.reduce),
#   not written as `+` in the code: `x1*w1 + x2*w2 + b` stays the two `+` nodes a
#   student wrote and expects to see;
# - the sum has fewer than _MOST_TERMS terms (each fold copies the parents tuple,
#   so a very long sum() continues in a fresh Σ node instead of growing one tuple).

getrefcount = sys.getrefcount
_MOST_TERMS = 256
_ONES = tuple((1.0,) * n for n in range(_MOST_TERMS + 1))  # shared: Σ's local derivatives
_CALLS = frozenset(dis.opmap[name] for name in ("PRECALL", "CALL", "CALL_FUNCTION_EX", "CALL_KW") if name in dis.opmap)


def _fold(total: Value, other) -> Value | None:
    """Append `other` to the running sum `total`, in place; None if this `+` is not a running sum's."""
    if type(other) is not Value or len(total.parents) >= _MOST_TERMS:
        return None
    data = total.data + other.data  # the add row's forward, on the same two floats
    if data - data != 0.0:  # nan or ±inf: the add row says why
        return None
    parents = total.parents + (other,)
    total.data, total.op, total.parents, total.local_grads = data, SUM, parents, _ONES[len(parents)]
    return total


def _asked_by_a_function_call() -> bool:
    """Is the `+` in progress being done for a function the code called (sum(), reduce()),
    rather than written as `+`? Frame 0 is this check, 1 the operator (`__add__` or
    `__radd__`), 2 the code that asked for the `+`: it is stopped either at a call
    instruction or at the `+` itself."""
    try:
        frame = sys._getframe(2)
    except ValueError:  # no Python code asked (C code embedding Python): leave it alone
        return False
    return frame.f_code.co_code[frame.f_lasti] in _CALLS


class _Probe:
    """Measures, once, how many references a temporary has inside `__add__`."""

    def __add__(self, other):
        return getrefcount(self)


_named = _Probe()
_ONLY_THE_SUM_HOLDS_IT = _Probe() + 0
if not _ONLY_THE_SUM_HOLDS_IT < _named + 0:  # a temporary looks like a named variable here
    _ONLY_THE_SUM_HOLDS_IT = -1              # so no count ever matches: nothing is folded
del _named

# The ops need `Value` to exist first, and `Value`'s operators need the ops: this
# import at the bottom is the engine's one import loop.
from . import primitives as _ops  # noqa: E402
from .primitives import SUM  # noqa: E402

# Each operator calls its op's `apply`: the same four steps as `Op.__call__`,
# written out for one or two inputs (op.py).
_add_op = _ops.add
add, sub, mul, div = _ops.add.apply, _ops.sub.apply, _ops.mul.apply, _ops.div.apply
neg, absolute, power = _ops.neg.apply, _ops.absolute.apply, _ops.power
exp, log, sqrt = _ops.exp.apply, _ops.log.apply, _ops.sqrt.apply
tanh, sigmoid, relu = _ops.tanh.apply, _ops.sigmoid.apply, _ops.relu.apply
