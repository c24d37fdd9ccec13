"""The `Value`: one number in a computation graph.

A `Value` holds a float (`data`), the gradient of the final output with respect
to it (`grad`), and how it was made: the `op` that produced it, its `parents`
(the inputs of that op, in argument order) and its `local_grads` (the partial
derivative of this value with respect to each parent, computed once, in the
forward pass). Those two tuples are the whole graph: there are no closures, so a
node holds nothing but numbers and references to its parents.

A `Constant` is a number of the formula rather than a variable: the 2 in `2 * x`
becomes one when an op meets it. The backward pass gives it no gradient.

This page is the data. What a `Value` can do is written where the idea lives:

    x + y, x * y, x.exp(), ...    ops.py: each row of the op table is one of
                                  these operators or methods (`*` is the row "mul")
    x.backward()                  walk.py: the backward pass, on one page
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

    `op`, `parents` and `local_grads` are set by the op that makes a node; `op`
    is that `Op` itself (`f.op.name == "mul"`), None on a leaf. A user can make
    a node of a new op by hand by giving all three (`op` then a str naming it;
    `engine.define_op` is the version with a rule, a domain and a row in the
    op table, which every picture, caption and compiled program then knows).
    """

    __slots__ = ("data", "grad", "label", "op", "parents", "local_grads")

    def __init__(self, data, label: str = "", op=None, parents: tuple = (), local_grads: tuple = ()):
        if type(data) is not float or data - data != 0.0:  # a finite float passes without a call
            data = as_float(data, type(self).__name__)
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
    def __pos__(self): return self  # +x is x: no op, no node

    def __repr__(self) -> str:
        label = f"label={self.label!r}, " if self.label else ""
        return f"{type(self).__name__}({label}data={self.data!r}, grad={self.grad!r})"


class Constant(Value):
    """A number of the formula, not a variable: the 2 in `2 * x`, a data point's
    target, the ½ in ½(ŷ − y)².

    Ops turn every plain number they meet into a `Constant`; make one yourself to
    name it (`Constant(1.0, "y")`). It is a leaf that keeps no gradient: its `.grad`
    is always 0, and what the backward pass adds to it is dropped. Nobody reads the
    slope of a loss with respect to the number 2, and an infinite one (√ at 0) must
    not stop the pass.
    """

    __slots__ = ()

    @property
    def grad(self) -> float:
        """Always 0: a number of the formula has no gradient."""
        return 0.0

    @grad.setter
    def grad(self, value) -> None:
        pass  # dropped: the walk writes every parent's gradient the same way, a constant keeps none


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
    """A `Value` stays itself; a plain number becomes a `Constant`."""
    return x if isinstance(x, Value) else Constant(x)


def made_node(data: float, op, parents: tuple, local_grads: tuple) -> Value:
    """A node made by an op, which lifted its parents and checked its numbers already:
    nothing is checked again. (op.py's `node_maker` writes these lines in place.)"""
    node = _new_value(Value)
    node.data, node.grad, node.label, node.op = data, 0.0, "", op
    node.parents, node.local_grads = parents, local_grads
    return node


_new_value = object.__new__


def _checked_edges(op, parents, local_grads) -> tuple[tuple, tuple]:
    """A hand-made node's parents and local derivatives, checked: tuples, aligned, Values."""
    if type(parents) is not tuple:  # a hand-made node may pass lists: the graph is tuples
        parents = tuple(parents)
    if type(local_grads) is not tuple:
        local_grads = tuple(local_grads)
    what = str(op) if op else "Value"
    if len(parents) != len(local_grads):
        raise ValueError(
            f"{what}: {len(parents)} parents but {len(local_grads)} local gradients; "
            "each parent needs exactly one local derivative"
        )
    for position, (parent, local) in enumerate(zip(parents, local_grads)):
        if not isinstance(parent, Value):
            raise TypeError(
                f"{what}: parent {position} must be a Value, got {type(parent).__name__}: "
                f"{_short(parent)} (wrap a number as Constant(number))"
            )
        if isinstance(local, bool) or not isinstance(local, Real):
            raise TypeError(
                f"{what}: local gradient {position} must be a number, got {type(local).__name__}: "
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
