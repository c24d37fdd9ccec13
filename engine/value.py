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
        # Inside builtin sum(), the running total is one node (see "A running sum
        # is one node" below); every other `+` is the add row.
        op = self.op
        if type(other) is Value and (op is SUM or op is SUM_OF_PRODUCTS or op is _add_op or other.op is _mul_op):
            total_unseen, term_unseen = getrefcount(self) == _UNSEEN, getrefcount(other) == _UNSEEN
            if (total_unseen or term_unseen) and _asked_by_a_function_call():
                folded = _fold(self, other, total_unseen, term_unseen)
                if folded is not None:
                    return folded
        return add(self, other)

    def __radd__(self, other):
        if other == 0 and type(other) is int and _asked_by_a_function_call():  # sum()'s starting 0
            if self.op is _mul_op and getrefcount(self) == _UNSEEN:  # a product nobody else sees
                self.data, self.op = 0 + self.data, SUM_OF_PRODUCTS  # (0 + x is x, but -0.0 becomes 0.0)
                return self
            return _node(0 + self.data, SUM, (self,), _ONES[1])
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
# sums, so they need not be nodes: the running total is kept as ONE node, and
# each `+` appends the next term to it, in place:
#
# - a Σ node (the node `add_all` makes): one parent per term, local derivative 1;
# - a Σw·x node when the terms are products nobody else sees either, as in
#   `sum(w * x for w, x in zip(ws, xs))` or micrograd's `sum((wi*xi ...), self.b)`:
#   the products are not kept as nodes; their parents join the total in pairs
#   (w0, x0, w1, x1, ...) with their local derivatives (x0, w0, x1, w1, ...) -
#   the chain rule through a product that only passes its gradient on:
#   ∂total/∂w = 1 × x. A start that is not a product (micrograd's bias) comes
#   first, with local derivative 1, so the node has an odd number of parents.
#
# It is exactly the chain's arithmetic: the data is the same floats added in the
# same order (total.data + term.data, term by term, each product computed by the
# mul row), and each local derivative is the chain's times 1.0, which is exact, so
# every gradient receives the same contributions. What changes is the graph: one
# node per sum instead of a node per term (microgpt's model: about 56,000 nodes
# become about 7,000), so fewer nodes to keep, sort and walk.
#
# A `+` is folded only when all of these hold (otherwise it is the add row):
# - the total is a `+`, Σ or Σw·x node an op made, or the term is a product an
#   op made, and the term is a `Value`;
# - nothing else holds the total (nor, to drop a product, that product): its
#   reference count is that of a temporary (measured below, once, on this Python;
#   where a temporary cannot be told from a named variable, as with Python 3.14's
#   borrowed references, nothing is ever folded);
# - the `+` was asked for by a function the code called (sum(), functools.reduce),
#   not written as `+` in the code: `x1*w1 + x2*w2 + b` stays the `*` and `+` nodes
#   a student wrote and expects to see;
# - the total has fewer than _MOST_TERMS parents (each fold copies the parents
#   tuple, so a very long sum() continues in a fresh node instead of growing one).

getrefcount = sys.getrefcount
_MOST_TERMS = 256
_ONES = tuple((1.0,) * n for n in range(_MOST_TERMS + 2))  # shared: Σ's local derivatives
_CALLS = frozenset(dis.opmap[name] for name in ("PRECALL", "CALL", "CALL_FUNCTION_EX", "CALL_KW") if name in dis.opmap)


def _fold(total: Value, term: Value, total_unseen: bool, term_unseen: bool) -> Value | None:
    """`total + term` inside a running sum: the total grown in place, or a new Σw·x
    node begun; None where the add row must make the node."""
    data = total.data + term.data  # the add row's forward, on the same two floats
    if data - data != 0.0:  # nan or ±inf: the add row names the problem
        return None
    product = term_unseen and term.op is _mul_op  # its parents can join the total in a pair
    if total_unseen and len(total.parents) < _MOST_TERMS:
        if total.op is SUM_OF_PRODUCTS and product:
            total.parents += term.parents            # (w, x)
            total.local_grads += term.local_grads    # (x, w): ∂total/∂w = 1 × ∂product/∂w
            total.data = data
            return total
        if total.op is SUM or total.op is _add_op:  # a Σ node, or a `+` node becoming one
            total.parents += (term,)
            total.local_grads = _ONES[len(total.parents)]
            total.data, total.op = data, SUM
            return total
    if product:  # begin a sum of products; what came before is its first pair, or a plain first term
        if total_unseen and total.op is _mul_op:
            return _node(data, SUM_OF_PRODUCTS, total.parents + term.parents, total.local_grads + term.local_grads)
        return _node(data, SUM_OF_PRODUCTS, (total,) + term.parents, (1.0,) + term.local_grads)
    return None


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
    """Measures, once, how many references a temporary has inside `__add__` and `__radd__`."""

    def __add__(self, other):
        return getrefcount(self), getrefcount(other) if type(other) is _Probe else 0

    def __radd__(self, other):
        return getrefcount(self)


def _temporary_count() -> int:
    """The reference count `getrefcount` reports inside an operator for an operand
    nobody else holds; -1 (matches nothing) where a named operand looks the same."""
    named = _Probe()
    temporary, temporary_other = _Probe() + _Probe()
    named_self, _ = named + _Probe()
    _, named_other = _Probe() + named
    temporary_right = 0 + _Probe()
    if temporary == temporary_other == temporary_right and named_self > temporary and named_other > temporary:
        return temporary
    return -1


_UNSEEN = _temporary_count()

# The ops need `Value` to exist first, and `Value`'s operators need the ops: this
# import at the bottom is the engine's one import loop.
from . import primitives as _ops  # noqa: E402
from .primitives import SUM, SUM_OF_PRODUCTS  # noqa: E402

# Each operator calls its op's `apply`: the same four steps as `Op.__call__`,
# written out for one or two inputs (op.py).
_add_op, _mul_op = _ops.add, _ops.mul
add, sub, mul, div = _ops.add.apply, _ops.sub.apply, _ops.mul.apply, _ops.div.apply
neg, absolute, power = _ops.neg.apply, _ops.absolute.apply, _ops.power
exp, log, sqrt = _ops.exp.apply, _ops.log.apply, _ops.sqrt.apply
tanh, sigmoid, relu = _ops.tanh.apply, _ops.sigmoid.apply, _ops.relu.apply
