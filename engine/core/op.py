"""An `Op` is one primitive: a forward rule, a derivative rule and a domain.

    forward(*xs) -> float               the value, computed on plain floats
    derivatives(*xs, out) -> tuple      d out / d x_i for every input, written with
                                        + - * / ** and the generic functions below
                                        (generic_exp, generic_log, ...), so the same
                                        rule runs on floats, on `Value`s (gradients
                                        of gradients) and on names (the rule as a
                                        formula, for captions and generated code)
    domain(*xs) -> exception | None     why these inputs are not allowed, or None

Everything else about an op lives on the `Op` too, so that every picture, caption,
page, compiled program and formula reads it from one place: its display `symbol`
(×, σ, ²), how it is written (`x × y`, `tanh(x)`, `x²`), its `kinks` (inputs where
it has a corner, for the property-based tests), whether it is an `activation`,
and, rarely, a hand-written `code` form for the generated code.

Calling an op makes a node in four steps (`node_maker`, the first thing below):
lift the inputs to `Value`s, check the domain, run forward, record the local
derivatives. `x * y` runs exactly these steps: `Value`'s operators are the
functions `node_maker` returns (ops.py installs them).
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Callable, NamedTuple, Optional

from .value import Value, _short, as_float, lift

_new_value = object.__new__
_ARITHMETIC = (ArithmeticError, ValueError)  # what math and float arithmetic raise
_PYTHONS_OVERFLOW = ("math range error", "(34,", "Numerical result out of range", "int too large")


def node_maker(op: Op) -> Callable[..., Value]:
    """The function that applies `op` to one or two inputs: the four steps that make
    every node. (One function per number of inputs, so that Python calls the rules
    with plain arguments: this runs for nearly every node of a network.)"""
    forward, derivatives, domain, error = op.forward, op.derivatives, op.domain, op.error

    def one_input(a) -> Value:
        # 1. lift: a plain number becomes a constant, so the input is a Value
        if type(a) is not Value:
            a = lift(a)
        x = a.data
        # 2. check the domain: inputs the op is not defined at are refused, by name
        if domain is not None and (problem := domain(x)) is not None:
            raise error(problem, (x,))
        # 3. run forward on the plain number; the result must be a finite float
        try:
            out = forward(x)
        except _ARITHMETIC as problem:
            raise error(problem, (x,)) from None
        if type(out) is not float or out - out != 0.0:  # out - out is 0.0 unless out is nan or ±inf
            out = op.result(out, (x,))
        # 4. record the local derivative in the new node
        try:
            local_grads = derivatives(x, out)
        except _ARITHMETIC as problem:
            raise error(problem, (x,), "its derivative") from None
        node = _new_value(Value)  # value.made_node's lines, in place: this runs for nearly every node
        node.data, node.grad, node.label, node.op = out, 0.0, "", op
        node.parents, node.local_grads = (a,), local_grads
        return node

    def two_inputs(a, b) -> Value:
        # the same four steps, for two inputs
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
        if type(out) is not float or out - out != 0.0:
            out = op.result(out, (x, y))
        try:
            local_grads = derivatives(x, y, out)
        except _ARITHMETIC as problem:
            raise error(problem, (x, y), "its derivative") from None
        node = _new_value(Value)
        node.data, node.grad, node.label, node.op = out, 0.0, "", op
        node.parents, node.local_grads = (a, b), local_grads
        return node

    made = one_input if op.arity == 1 else two_inputs
    made.__name__ = made.__qualname__ = op.name
    made.__doc__ = f"Make the node {op.name}({'x' if op.arity == 1 else 'x, y'}): node_maker's four steps."
    return made


class Code(NamedTuple):
    """An op written by hand for the generated code (engine.codegen), where its rules
    cannot be written out by running them on names (a rule that branches, like relu's).

    `forward` is an expression of the inputs {0}, {1}; `local` one expression per input,
    of the inputs and {out}; each must give exactly the floats of the op's own rules
    (tests/test_codegen.py checks that at many points)."""

    forward: Optional[str] = None
    local: Optional[tuple[str, ...]] = None


class Op:
    """One primitive operation; `op(x)` / `op(x, y)` makes a node (see the module docstring)."""

    __slots__ = ("name", "symbol", "forward", "derivatives", "domain", "arity", "kinks", "form", "infix",
                 "activation", "code", "torch", "apply", "exponent", "made_by", "__weakref__")

    def __init__(self, name: str, forward: Callable, derivatives: Optional[Callable],
                 domain: Optional[Callable] = None, arity: int = 1, symbol: Optional[str] = None,
                 kinks=(), form: Optional[str] = None, infix: Optional[str] = None, activation: bool = False,
                 code: Optional[Code] = None, torch: Optional[str] = None, exponent: Optional[float] = None,
                 made_by: Optional[tuple] = None):
        if not name or not isinstance(name, str):
            raise ValueError("an op needs a non-empty name (a str)")
        if arity not in (1, 2):
            raise ValueError(f"{name}: an op takes one or two inputs (arity 1 or 2), got {arity!r}; "
                             "for many inputs use engine.add_all or engine.dot, or combine ops")
        if not callable(forward):
            raise TypeError(f"{name}: forward must be a function of the input(s), got {type(forward).__name__}")
        if derivatives is not None and not callable(derivatives):
            raise TypeError(f"{name}: derivatives must be a function (inputs, out) -> tuple, "
                            f"got {type(derivatives).__name__}")
        self.name = name
        self.symbol = symbol or name                      #: how pictures and captions show it: ×, σ, ReLU, ²
        self.forward = forward
        self.derivatives = derivatives if derivatives is not None else _unknown_derivatives(name)
        self.domain = domain
        self.arity = arity
        self.kinks = kinks if callable(kinks) else tuple(as_float(k, f"{name} kink") for k in kinks)
        #: how it is written applied to its inputs: "infix" (x × y), "prefix" (−x), "power" (x²), "call" (tanh(x))
        self.form = form or ("call" if arity == 1 or infix is None else "infix")
        self.infix = infix                                #: its Python operator, if it has one (`*`): for formulas
        self.activation = activation                      #: a neuron's nonlinearity (nn, pictures, the torch bridge)
        self.code = code                                  #: a hand-written form for generated code, or None
        self.torch = torch                                #: the torch.nn module of the same function ("Tanh"), or None
        self.exponent = exponent                          #: for x ** n with a fixed n: n
        self.made_by = made_by                            #: (factory, args) that make this op again (pickles)
        self.apply = node_maker(self)                     #: the four steps; Value's operators are this function

    def __setattr__(self, name: str, value) -> None:
        # An op is one fact: `apply` was made from its rules, and every node made so far
        # refers to it. Changing a rule afterwards would leave two versions of it.
        if hasattr(self, "apply"):
            raise AttributeError(f"the op {self.name!r} cannot be changed after it is made ({name}); "
                                 "define a new op with engine.define_op instead")
        object.__setattr__(self, name, value)

    def __call__(self, *inputs) -> Value:
        """Apply the op to numbers or `Value`s: `node_maker`'s four steps."""
        if len(inputs) != self.arity:
            raise TypeError(f"{self.name} takes {self.arity} input(s), got {len(inputs)}")
        return self.apply(*inputs)

    def write(self, args: list[str]) -> str:
        """The op applied to `args` (names or numbers, each already one token or bracketed),
        the way a blackboard writes it: ``a × b``, ``−a``, ``a²``, ``tanh(a)``."""
        if self.form == "infix" and len(args) == 2:
            return f"{args[0]} {self.symbol} {args[1]}"
        if self.form == "prefix" and len(args) == 1:
            return f"{self.symbol}{args[0]}"
        if self.form == "power" and len(args) == 1:
            return f"{args[0]}{self.symbol}"
        return f"{self.symbol}({', '.join(_unbracketed(a) for a in args)})"

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
        args = ", ".join(_short(x) for x in xs)  # a 400-digit int is shown cut short
        message = str(problem)
        if isinstance(problem, OverflowError) and message.startswith(_PYTHONS_OVERFLOW):
            message = f"{where or 'the result'} is too large for a float"
        elif where:
            message = f"{where}: {message}"
        if message.startswith("the result"):  # "exp(1000.0): exp's result is too large ..."
            message = f"{self.name}'s result" + message[len("the result"):]
        return type(problem)(f"{self.name}({args}): {message}")

    # ---- an Op is one object: it prints as its symbol, copies are itself ---------

    def __str__(self) -> str:
        return self.symbol

    def __repr__(self) -> str:
        return f"Op({self.name!r}, symbol={self.symbol!r}, arity={self.arity})"

    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo) -> Op:
        return self

    def __reduce__(self):
        # A pickled graph finds a registered op again by name; x ** n by its factory and exponent.
        if OPS.get(self.name) is self:
            return (_registered, (self.name,))
        if self.made_by is not None:
            return self.made_by
        raise TypeError(f"the op {self.name!r} cannot be pickled: it is not registered in engine.OPS "
                        "(define it with register=True to save graphs that use it)")


def _unbracketed(text: str) -> str:
    """`(x·y)` as `x·y` inside a call's own brackets (`ReLU(x·y)`, not `ReLU((x·y))`):
    only when the first bracket closes at the very end, so `(a)·(b)` stays as it is."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth = 0
    for i, char in enumerate(text):
        depth += char == "("
        depth -= char == ")"
        if depth == 0 and i < len(text) - 1:
            return text
    return text[1:-1]


#: Every op made with `define_op` (and the engine's own table), by name: the one place
#: formulas (`engine.parse`) and the property-based strategies look to learn which ops exist.
OPS: dict[str, Op] = {}
#: The engine's own op names: `define_op` will not replace them.
BUILT_IN: set[str] = set()


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


def define_op(name: str, forward: Callable, derivatives: Optional[Callable], domain: Optional[Callable] = None,
              arity: int = 1, symbol: Optional[str] = None, register: bool = True, kinks=(), *,
              activation: bool = False, method: Optional[str] = None, torch: Optional[str] = None,
              code: Optional[Code] = None) -> Op:
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
    `method="softplus"` also makes it a method of `Value` (`x.softplus()`);
    `activation=True` lets nn's neurons use it (`Neuron(2, activation="softplus")`),
    and `torch="Softplus"` names the torch.nn module that computes the same (for
    `nn.to_torch`).

    A rule written with Value-aware functions (+ - * / **, `generic_exp`, ...)
    also gives second and higher derivatives (`backward(create_graph=True)`),
    and its formula is shown in captions and written in generated code. One
    written with `math.*` gives first derivatives only: differentiating it twice
    raises `NotImplementedError` naming the op. `derivatives=None` makes an op
    with no derivative at all: any gradient through it raises.

    The engine's own op names (add, mul, relu, tanh, ...) cannot be taken: every
    formula and saved model means the engine's op by them. A name of your own may
    be defined again (re-running a notebook cell); the new op replaces the old in
    `OPS` (nodes made before keep the op that made them).
    """
    if register and name in BUILT_IN:
        raise ValueError(f"define_op: the name {name!r} is taken by the engine's own op "
                         f"({OPS[name]!r}); give your op another name (e.g. {name + '_2'!r})")
    if derivatives is not None:
        derivatives = _checked_rule(name, derivatives, arity)
    op = Op(name, forward, derivatives, domain, arity, symbol, kinks, activation=activation, code=code,
            torch=torch)
    if method is not None:
        install_method(method, op)
    if register:
        OPS[name] = op
    return op


def _checked_rule(name: str, rule: Callable, arity: int) -> Callable:
    """`rule`, refusing at once (naming the op) what it returns if it is not one local
    derivative per input: a mistake in a rule of your own shows where it is made."""
    def derivatives(*args):
        local_grads = rule(*args)
        if not isinstance(local_grads, (tuple, list)) or len(local_grads) != arity:
            raise TypeError(f"{name}: its derivative rule must return a tuple of {arity} local derivative(s), "
                            f"one per input, got {_short(local_grads)}")
        if any(g is None or isinstance(g, (bool, str, bytes)) for g in local_grads):
            raise TypeError(f"{name}: its derivative rule returned {_short(local_grads)}; "
                            "each local derivative must be a number")
        return tuple(local_grads)
    derivatives.__name__ = derivatives.__qualname__ = getattr(rule, "__name__", "derivatives")
    derivatives.__wrapped__ = rule  # (inspect and the generated code's comments read the rule itself)
    return derivatives


def install_method(method: str, op: Op) -> None:
    """Make `op` a method of `Value`: `x.softplus()` (one input) or `x.combine(y)` (two)."""
    if not method.isidentifier() or method.startswith("_"):
        raise ValueError(f"define_op: method must be a plain identifier, got {method!r}")
    existing = getattr(Value, method, None)
    if existing is not None and getattr(existing, "_stepgrad_op", None) is None:
        raise ValueError(f"define_op: Value already has {method!r}; choose another method name")
    op.apply._stepgrad_op = op  # (a method an op installed may be replaced by another op's)
    setattr(Value, method, op.apply)  # a plain function: as a method, `self` is its first input


# ---- functions for derivative rules that work on numbers, Values and names ----------
# A rule built from these (and + - * / **) runs on floats (the forward pass), on
# Values (gradients of gradients) and on engine.symbolic's names (the rule as a
# formula, in captions and generated code): anything that is not a plain number
# is asked for its own method of that name.


def generic_log(x):
    """log that works on a number, a `Value` and a name (for derivative rules)."""
    return math.log(x) if isinstance(x, Real) else x.log()


def generic_exp(x):
    """exp that works on a number, a `Value` and a name (for derivative rules)."""
    return math.exp(x) if isinstance(x, Real) else x.exp()


def generic_sin(x):
    """sin that works on a number, a `Value` and a name (for derivative rules)."""
    return math.sin(x) if isinstance(x, Real) else x.sin()


def generic_cos(x):
    """cos that works on a number, a `Value` and a name (for derivative rules)."""
    return math.cos(x) if isinstance(x, Real) else x.cos()
