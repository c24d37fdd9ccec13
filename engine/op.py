"""An `Op` is one primitive: a forward rule, a derivative rule and a domain.

    forward(*xs) -> float               the value, computed on plain floats
    derivatives(*xs, out) -> tuple      d out / d x_i for every input, written with
                                        + - * / ** (and `generic_log`) only, so the same
                                        rule runs on floats and on `Value`s (for
                                        gradients of gradients)
    domain(*xs) -> exception | None     why these inputs are not allowed, or None
    kinks                               inputs where the op is continuous but has no
                                        derivative (0 for relu and abs): property-based
                                        tests keep every input of the op away from them

Calling an op makes a node in four steps (`Op.__call__`, the first thing below):
lift the inputs to `Value`s, check the domain, run forward, record the local
derivatives. The copies after it do exactly the same for one and two inputs,
written out for speed.

An `Op` is also a `str`: its symbol. A node an op made keeps the op itself in
`node.op`, so `node.op == "+"` reads as before, and `node.op.derivatives` can
re-run the rule (for gradients of gradients, or to write the pass out as code).
A hand-made node's `op` is a plain str. Two ops may share a symbol (`sub` and
`neg` are both "-"): tell ops apart with `is`, or by `.name`.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Callable, Optional

from .value import Value, _node, as_float, lift

#: Every op made with `define_op`, by name: the one place the property-based
#: strategies look to learn which ops exist and what inputs each accepts.
OPS: dict[str, "Op"] = {}

_ARITHMETIC = (ArithmeticError, ValueError)  # what math and float arithmetic raise
_PYTHONS_OVERFLOW = ("math range error", "(34,", "Numerical result out of range", "int too large")


class Op(str):
    """One primitive operation; call it on numbers or `Value`s to make a node."""

    def __new__(cls, name: str, forward: Callable, derivatives: Callable, domain: Optional[Callable] = None,
                arity: int = 1, symbol: Optional[str] = None, kinks: tuple = ()):
        return super().__new__(cls, symbol or name)

    def __init__(self, name: str, forward: Callable, derivatives: Callable, domain: Optional[Callable] = None,
                 arity: int = 1, symbol: Optional[str] = None, kinks: tuple = ()):
        self.name = name
        self.forward = forward
        self.derivatives = derivatives if derivatives is not None else _unknown_derivatives(name)
        self.domain = domain
        self.arity = arity
        self.symbol = symbol or name
        self.kinks = kinks if callable(kinks) else tuple(as_float(k, f"{name} kink") for k in kinks)
        #: the same four steps as `__call__`, written out for this arity (below the class)
        self.apply = _written_out_for_speed(self)

    def __call__(self, *inputs) -> Value:
        """Apply the op to numbers or `Value`s: the four steps that make every node."""
        if len(inputs) != self.arity:
            raise TypeError(f"{self.name} takes {self.arity} input(s), got {len(inputs)}")
        # 1. lift: a plain number becomes a constant leaf, so every input is a Value
        parents = tuple(lift(x) for x in inputs)
        xs = tuple(parent.data for parent in parents)
        # 2. check the domain: inputs the op is not defined at are refused, by name
        if self.domain is not None and (problem := self.domain(*xs)) is not None:
            raise self.error(problem, xs)
        # 3. run forward on the plain numbers; the result must be a finite number
        try:
            out = self.forward(*xs)
        except _ARITHMETIC as problem:
            raise self.error(problem, xs) from None
        out = self.result(out, xs)
        # 4. record the local derivatives, one per parent, in the new node
        try:
            local_grads = tuple(self.derivatives(*xs, out))
        except _ARITHMETIC as problem:
            raise self.error(problem, xs, "its derivative") from None
        if len(local_grads) != len(parents):
            raise ValueError(f"{self.name}: {len(parents)} inputs but {len(local_grads)} local derivatives")
        return _node(out, self, parents, local_grads)

    # ---- errors that name the op and its inputs -------------------------------

    def result(self, out, xs) -> float:
        """`out` as a float, or the error for a result that is not a finite number."""
        if isinstance(out, bool) or not isinstance(out, Real):
            raise self.error(TypeError(f"forward must return a real number, got {type(out).__name__}"), xs)
        try:
            out = float(out)
        except OverflowError:  # a huge int or Fraction
            out = math.inf
        if out != out:
            raise self.error(ValueError("the result is not a number (nan)"), xs)
        if out - out != 0.0:
            raise self.error(OverflowError("the result is too large for a float"), xs)
        return out

    def error(self, problem: Exception, xs, where: str = "") -> Exception:
        """The exception to raise for `problem`, naming this op and its inputs.

        `where` says which rule failed ("its derivative"); the forward and the
        domain are the default.
        """
        args = ", ".join(repr(x) for x in xs)
        message = str(problem)
        if isinstance(problem, OverflowError) and message.startswith(_PYTHONS_OVERFLOW):
            message = f"{where or 'the result'} is too large for a float"
        elif where:
            message = f"{where}: {message}"
        if message.startswith("the result"):  # "exp(1000.0): exp's result is too large ..."
            message = f"{self.name}'s result" + message[len("the result"):]
        return type(problem)(f"{self.name}({args}): {message}")

    # ---- an Op is one object: copies are itself -------------------------------

    def __repr__(self) -> str:
        return f"Op({self.name!r}, {str(self)!r}, arity={self.arity})"

    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo) -> Op:
        return self

    def __reduce__(self):
        # A pickled graph keeps each node's symbol; a registered op is found again by name.
        if OPS.get(self.name) is self:
            return (_registered, (self.name,))
        return (str, (str(self),))


# ---- the same steps, written out for speed ------------------------------------
# Nearly every node comes from a one- or two-input op, and these run for each of
# them: the op's rules are local variables, no argument packing, no generator, no
# length checks, and the result is trusted to be a float (true of every row of the
# table; `op(...)` also converts what a student's forward rule returns). `Value`'s
# operators call them (`op.apply`); a test checks they build the same nodes as
# `Op.__call__`.


def _written_out_for_speed(op: Op) -> Callable[..., Value]:
    """`op.__call__`'s four steps, written out for an op of one or two inputs."""
    forward, derivatives, domain, error, result = op.forward, op.derivatives, op.domain, op.error, op.result

    def apply_unary(a) -> Value:
        if type(a) is not Value:  # 1. lift
            a = lift(a)
        x = a.data
        if domain is not None and (problem := domain(x)) is not None:  # 2. domain
            raise error(problem, (x,))
        try:  # 3. forward
            out = forward(x)
        except _ARITHMETIC as problem:
            raise error(problem, (x,)) from None
        if out - out != 0.0:  # 0.0 unless out is nan or ±inf (the table's forward rules return floats)
            out = result(out, (x,))
        try:  # 4. local derivatives
            local_grads = derivatives(x, out)
        except _ARITHMETIC as problem:
            raise error(problem, (x,), "its derivative") from None
        return _node(out, op, (a,), local_grads)

    def apply_binary(a, b) -> Value:
        if type(a) is not Value:
            a = lift(a)
        if type(b) is not Value:
            b = lift(b)
        x, y = a.data, b.data
        if domain is not None and (problem := domain(x, y)) is not None:
            raise error(problem, (x, y))
        try:
            out = forward(x, y)
        except _ARITHMETIC as problem:
            raise error(problem, (x, y)) from None
        if out - out != 0.0:
            out = result(out, (x, y))
        try:
            local_grads = derivatives(x, y, out)
        except _ARITHMETIC as problem:
            raise error(problem, (x, y), "its derivative") from None
        return _node(out, op, (a, b), local_grads)

    return {1: apply_unary, 2: apply_binary}.get(op.arity, op)


def _registered(name: str) -> Op:
    return OPS[name]


class NoDerivative:
    """Stands in for a local derivative nobody can give; the chain rule refuses it.

    An op defined with `derivatives=None` records one per input: its forward
    value works, and a backward pass that reaches the node raises
    `NotImplementedError` naming the op — at the multiplication local × upstream,
    so the backward walk needs no check of its own.
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
    (For kinks that depend on several inputs, like x % y's jumps where x / y is
    whole, `kinks` may be a function giving the distance to the nearest one.)

    A rule written with Value-aware functions (+ - * / **, `generic_exp`, ...)
    also gives second and higher derivatives (`backward(create_graph=True)`);
    one written with `math.*` gives first derivatives only, and differentiating
    it twice raises `NotImplementedError` naming the op. `derivatives=None`
    makes an op with no derivative at all: any gradient through it raises.
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
