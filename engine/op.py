"""An `Op` is one primitive: a forward rule, a derivative rule and a domain.

    forward(*xs) -> float               the value, computed on plain floats
    derivatives(*xs, out) -> tuple      d out / d x_i for every input, written with
                                        + - * / ** (and `generic_log`) only, so the same
                                        rule runs on floats today and on `Value`s for
                                        higher-order gradients tomorrow
    domain(*xs) -> exception | None     why these inputs are not allowed, or None
    kinks                               inputs where the op is continuous but has no
                                        derivative (0 for relu and abs): property-based
                                        tests keep every input of the op away from them

Calling an op on numbers or `Value`s checks the domain, runs both rules once and
returns a new `Value` whose `parents` are the inputs and whose `local_grads` are
the derivatives. Every built-in op in `engine.primitives` is made this way, and
so is a student's own op (`define_op`).
"""

from __future__ import annotations

import math
from typing import Callable, Optional

from .value import Value, as_float

#: Every op made with `define_op`, by name: the one place the property-based
#: strategies look to learn which ops exist and what inputs each accepts.
OPS: dict[str, "Op"] = {}


class Op:
    """One primitive operation; call it on numbers or `Value`s to make a node."""

    __slots__ = ("name", "forward", "derivatives", "domain", "arity", "symbol", "kinks", "apply")

    def __init__(self, name: str, forward: Callable, derivatives: Callable, domain: Optional[Callable] = None,
                 arity: int = 1, symbol: Optional[str] = None, kinks: tuple = ()):
        self.name = name
        self.forward = forward
        self.derivatives = derivatives if derivatives is not None else _unknown_derivatives(name)
        self.domain = domain
        self.arity = arity
        self.symbol = symbol or name
        self.kinks = kinks if callable(kinks) else tuple(float(k) for k in kinks)
        self.apply = _make_apply(self)

    def __call__(self, *inputs) -> Value:
        """Apply the op: check the domain, run forward, record local derivatives."""
        if len(inputs) != self.arity:
            raise TypeError(f"{self.name} takes {self.arity} input(s), got {len(inputs)}")
        return self.apply(*inputs)

    def error(self, problem: Exception, xs) -> Exception:
        """The exception to raise for `problem`, naming this op and its inputs."""
        args = ", ".join(repr(x) for x in xs)
        return type(problem)(f"{self.name}({args}): {problem}")

    def overflow(self, xs) -> OverflowError:
        return self.error(OverflowError(f"{self.name}'s result is too large for a float"), xs)

    def __repr__(self) -> str:
        return f"Op({self.name!r}, arity={self.arity})"


def _make_apply(op: Op) -> Callable[..., Value]:
    """The function that applies `op`, written out for its arity.

    All three do the same four things; unary and binary ops (nearly every op)
    get a version without argument packing, because it runs for every node.
    """
    forward, derivatives, domain = op.forward, op.derivatives, op.domain
    symbol = _Tag(op.symbol)  # DRAFT until engine's Op-is-a-str lands
    symbol.op = op

    def apply_unary(a) -> Value:
        if type(a) is not Value:
            a = lift(a)
        x = a.data
        if domain is not None and (problem := domain(x)) is not None:
            raise op.error(problem, (x,))
        try:
            out = forward(x)
        except OverflowError:
            raise op.overflow((x,)) from None
        return Value(out, "", symbol, (a,), derivatives(x, out))

    def apply_binary(a, b) -> Value:
        if type(a) is not Value:
            a = lift(a)
        if type(b) is not Value:
            b = lift(b)
        x, y = a.data, b.data
        if domain is not None and (problem := domain(x, y)) is not None:
            raise op.error(problem, (x, y))
        try:
            out = forward(x, y)
        except OverflowError:
            raise op.overflow((x, y)) from None
        return Value(out, "", symbol, (a, b), derivatives(x, y, out))

    def apply_any(*inputs) -> Value:
        parents = tuple(lift(x) for x in inputs)
        xs = [p.data for p in parents]
        if domain is not None and (problem := domain(*xs)) is not None:
            raise op.error(problem, xs)
        try:
            out = forward(*xs)
        except OverflowError:
            raise op.overflow(xs) from None
        return Value(out, "", symbol, parents, derivatives(*xs, out))

    return {1: apply_unary, 2: apply_binary}.get(op.arity, apply_any)


class NoDerivative:
    """Stands in for a local derivative nobody can give; the chain rule refuses it.

    An op defined with `derivatives=None` records one per input: the forward
    value works, and a backward pass that reaches the node raises
    `NotImplementedError` naming the op (at the multiplication, so the plain
    backward walk needs no check of its own).
    """

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message

    def fail(self):
        raise NotImplementedError(self.message)

    def __mul__(self, other):
        self.fail()

    __rmul__ = __mul__

    def __format__(self, spec: str) -> str:
        return "?"

    def __repr__(self) -> str:
        return f"NoDerivative({self.message!r})"


def _unknown_derivatives(name: str) -> Callable:
    """The derivative rule of an op defined with `derivatives=None`."""
    unknown = NoDerivative(f"{name} has no derivative rule (it was defined with derivatives=None), "
                           "so no gradient can pass through it")

    def derivatives(*inputs_and_out):
        return (unknown,) * (len(inputs_and_out) - 1)

    return derivatives


class _Tag(str):
    """DRAFT: a node's op symbol that knows its Op."""


def lift(x) -> Value:
    """A plain number becomes a constant leaf; a `Value` stays itself."""
    return x if isinstance(x, Value) else Value(x)


def define_op(name: str, forward: Callable, derivatives: Callable, domain: Optional[Callable] = None,
              arity: int = 1, symbol: Optional[str] = None, register: bool = True, kinks: tuple = ()) -> Op:
    """Make a new primitive op and (by default) add it to `OPS`.

    >>> import math
    >>> softplus = define_op("softplus", lambda x: math.log1p(math.exp(x)),
    ...                      lambda x, out: (1 - generic_exp(-out),), register=False)
    >>> y = softplus(Value(0.0))
    >>> y.backward()
    >>> round(y.data, 4), y.parents[0].grad
    (0.6931, 0.5)

    `domain`, if given, returns None for allowed inputs and otherwise an
    exception (`ValueError("softplus needs ...")`) that the op raises, prefixed
    with its name and the offending inputs. `kinks` lists the inputs where the
    op has a corner, like relu's 0: `engine.strategies` keeps test inputs away.
    """
    if not name or not isinstance(name, str):
        raise ValueError("an op needs a non-empty name")
    op = Op(name, forward, derivatives, domain, arity, symbol, kinks)
    if register:
        OPS[name] = op
    return op


def generic_log(x):
    """log that works on a float and on a `Value` (for derivative rules)."""
    return x.log() if isinstance(x, Value) else math.log(x)


def generic_exp(x):
    """exp that works on a float and on a `Value` (for derivative rules)."""
    return x.exp() if isinstance(x, Value) else math.exp(x)


def generic_sin(x):
    """sin that works on a float and on a `Value` (for derivative rules)."""
    return x.sin() if isinstance(x, Value) else math.sin(x)


def generic_cos(x):
    """cos that works on a float and on a `Value` (for derivative rules)."""
    return x.cos() if isinstance(x, Value) else math.cos(x)
