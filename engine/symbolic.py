"""A rule run on names instead of numbers: its formula, as text.

Every op's derivative rule is written once, with + - * / ** and the generic
functions (`generic_exp`, ...), so it runs on floats (the forward pass) and on
`Value`s (gradients of gradients). Run on a `Symbol` — a name, and perhaps the
number it stands for — the same rule builds its own formula:

    >>> from engine import OPS
    >>> x, out = Symbol.name("x"), Symbol.name("o")
    >>> [as_code(d) for d in write(OPS["tanh"].derivatives, [x, out])]
    ['1 - o * o']
    >>> [as_caption(d) for d in write(OPS["tanh"].derivatives, [x, out])]
    ['1 − o²']

That is how every surface gets an op's formula from the op itself, with nothing
written twice: a step's caption (`∂o/∂n = 1 − o²`, engine.names) and the code
that `to_python` generates (`(1 - o * o) * grad_o`, engine.codegen). The code
is the rule's own operations in the rule's own order, so it computes exactly
the rule's floats.

A rule that branches on an input (`0.5 / out if out > 0 else inf`) can be
written only where the numbers are known: a `Symbol` with a number (for a
caption) decides the comparison by it; one without raises `NotWritable`, and
the generated code calls the rule instead.
"""

from __future__ import annotations

from numbers import Real
from typing import Callable, Optional, Sequence

#: How tightly each kind of formula binds (a higher level needs no brackets inside a lower one).
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5
_LEVEL = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "//": PRODUCT, "%": PRODUCT, "neg": UNARY, "**": POWER}
_SHOWN = {"+": "+", "-": "−", "*": "·", "/": "/", "%": "%", "**": "**"}
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class NotWritable(Exception):
    """The rule cannot be written as one formula here (it branches on a number that is
    not known, or calls a function that works on numbers only)."""


class Symbol:
    """A formula: a name, a number, or an operation on formulas. Arithmetic on it
    builds a bigger formula; comparisons need the numbers (see the module docstring)."""

    __slots__ = ("kind", "args", "value")

    def __init__(self, kind: str, args: tuple, value: Optional[float] = None):
        self.kind, self.args, self.value = kind, args, value

    @classmethod
    def name(cls, text: str, value: Optional[float] = None, node: object = None) -> Symbol:
        """A name (`x`, `grad_o`), the number it stands for if known, and the node it names."""
        return cls("name", (text, node), value)

    # ---- arithmetic builds formulas -------------------------------------------------

    def _apply(self, kind: str, *operands) -> Symbol:
        args = tuple(_symbol(a) for a in operands)
        values = [a.value for a in args]
        value = None
        if kind == "-" and args[0] is args[1]:
            value = 0.0  # every number of a graph is finite, so x − x is 0 whatever x is
        elif None not in values:
            try:
                value = _EVALUATE[kind](*values)
            except (ArithmeticError, ValueError, TypeError):
                value = None
        return Symbol(kind, args, value)

    def __add__(self, other): return self._apply("+", self, other)
    def __radd__(self, other): return self._apply("+", other, self)
    def __sub__(self, other): return self._apply("-", self, other)
    def __rsub__(self, other): return self._apply("-", other, self)
    def __mul__(self, other): return self._apply("*", self, other)
    def __rmul__(self, other): return self._apply("*", other, self)
    def __truediv__(self, other): return self._apply("/", self, other)
    def __rtruediv__(self, other): return self._apply("/", other, self)
    def __floordiv__(self, other): return self._apply("//", self, other)
    def __rfloordiv__(self, other): return self._apply("//", other, self)
    def __mod__(self, other): return self._apply("%", self, other)
    def __rmod__(self, other): return self._apply("%", other, self)
    def __pow__(self, other): return self._apply("**", self, other)
    def __rpow__(self, other): return self._apply("**", other, self)
    def __neg__(self): return self._apply("neg", self)
    def __pos__(self): return self
    def __abs__(self): return self._apply("abs", self)

    # the functions derivative rules call (engine.generic_exp and friends ask for these)
    def exp(self): return self._apply("exp", self)
    def log(self): return self._apply("log", self)
    def sin(self): return self._apply("sin", self)
    def cos(self): return self._apply("cos", self)
    def tanh(self): return self._apply("tanh", self)
    def sqrt(self): return self._apply("sqrt", self)

    # ---- comparisons need the numbers ---------------------------------------------------

    def _number(self) -> float:
        if self.value is None:
            raise NotWritable("the rule compares a number that is not known here")
        return self.value

    def __lt__(self, other): return self._number() < _number_of(other)
    def __le__(self, other): return self._number() <= _number_of(other)
    def __gt__(self, other): return self._number() > _number_of(other)
    def __ge__(self, other): return self._number() >= _number_of(other)
    def __eq__(self, other): return self._number() == _number_of(other)
    def __ne__(self, other): return self._number() != _number_of(other)
    def __bool__(self): return bool(self._number())
    __hash__ = object.__hash__

    def __float__(self):  # math.* on a name: a function of numbers only
        raise NotWritable("the rule calls a function that works on numbers only")

    def __repr__(self) -> str:
        return f"Symbol({as_code(self)!r})"


def _symbol(x) -> Symbol:
    if isinstance(x, Symbol):
        return x
    if isinstance(x, bool) or not isinstance(x, Real):
        raise NotWritable(f"the rule uses a {type(x).__name__}, which is not a number")
    return Symbol("number", (x,), x)


def _number_of(x) -> float:
    return x._number() if isinstance(x, Symbol) else x


def _power(a, b):
    return a ** b


_EVALUATE: dict[str, Callable] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
    "//": lambda a, b: a // b, "%": lambda a, b: a % b, "**": _power, "neg": lambda a: -a, "abs": abs,
}
for _name in ("exp", "log", "sin", "cos", "tanh", "sqrt"):
    _EVALUATE[_name] = getattr(__import__("math"), _name)


def write(rule: Callable, args: Sequence[Symbol]) -> tuple[Symbol, ...]:
    """`rule(*args)` run on symbols: its results as formulas (a plain number becomes one too).
    Raises `NotWritable` where the rule cannot be written (see the module docstring)."""
    try:
        results = rule(*args)
    except NotWritable:
        raise
    except (TypeError, AttributeError) as problem:  # a function of numbers only, or no such method
        raise NotWritable(f"the rule works on numbers only ({problem})") from None
    if isinstance(results, (tuple, list)):
        return tuple(_symbol(r) for r in results)
    return (_symbol(results),)


def reads(formula: Symbol) -> list:
    """The nodes the formula's names stand for, in the order they first appear."""
    found, stack = [], [formula]
    while stack:
        f = stack.pop()
        if f.kind == "name":
            if f.args[1] is not None and f.args[1] not in found:
                found.append(f.args[1])
        elif f.kind != "number":
            stack.extend(reversed(f.args))
    return found


# ---- as Python code: brackets wherever Python would otherwise group differently -------------


def as_code(formula: Symbol, call: Callable[[str], str] = lambda name: name) -> str:
    """The formula as a Python expression that computes exactly the rule's floats: the
    same operations on the same operands, grouped as the rule grouped them (Python's
    floats are not associative, so `a + (b + c)` keeps its brackets). `call(name)`
    gives the name the code calls a function by (`exp`)."""
    return _render(formula, _code_leaf, lambda f, parts: _code_node(f, parts, call), with_levels=True)[0]


def _code_leaf(f: Symbol) -> tuple[str, int]:
    if f.kind == "name":
        return f.args[0], ATOM
    text = repr(f.args[0])
    text = {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(text, text)
    return (text, UNARY) if text.startswith("-") else (text, ATOM)


def _code_node(f: Symbol, parts: list[tuple[str, int]], call: Callable[[str], str]) -> tuple[str, int]:
    kind = f.kind
    if kind == "**":  # binds right to left: -x ** 2 is -(x ** 2), a ** b ** c is a ** (b ** c)
        return f"{_wrap(parts[0], POWER + 1)} ** {_wrap(parts[1], UNARY)}", POWER
    if kind in _LEVEL and kind != "neg":
        level = _LEVEL[kind]
        return f"{_wrap(parts[0], level)} {kind} {_wrap(parts[1], level + 1)}", level
    if kind == "neg":
        return f"-{_wrap(parts[0], UNARY)}", UNARY
    return f"{call(kind)}({parts[0][0]})", ATOM  # abs, exp, log, ...


# ---- as a caption: the way a blackboard writes it -------------------------------------------


def as_caption(formula: Symbol, number: Callable[[float], str] = lambda x: f"{x:g}") -> str:
    """The formula as a student writes it: `1 − o²`, `o·(1 − o)`, `−o/b`, `exp(x)`;
    `number` writes the plain numbers in it."""
    return _render(formula, lambda f: _caption_leaf(f, number), _caption_node, with_levels=True)[0]


def _caption_leaf(f: Symbol, number: Callable[[float], str]) -> tuple[str, int]:
    if f.kind == "name":
        return f.args[0], ATOM
    text = number(f.args[0])  # as every number is written: -1, 0.5
    return (text, UNARY) if text.startswith("-") else (text, ATOM)


def _caption_node(f: Symbol, parts: list[tuple[str, int]]) -> tuple[str, int]:
    kind = f.kind
    if kind == "*" and _same_name(f.args[0], f.args[1]):  # o·o is o²
        return f"{_wrap(parts[0], POWER + 1)}²", POWER
    if kind == "**" and f.args[1].kind == "number" and _small_whole(f.args[1].args[0]):
        n = f.args[1].args[0]
        if n == 1:
            return parts[0]
        return f"{_wrap(parts[0], POWER + 1)}{str(int(n)).translate(_SUPERSCRIPTS)}", POWER
    if kind in _SHOWN:
        level = _LEVEL[kind]
        left = _wrap(parts[0], level + 1 if kind == "**" else level)
        right = _wrap(parts[1], level + 1)
        space = " " if kind in ("+", "-") else ""
        return f"{left}{space}{_SHOWN[kind]}{space}{right}", level
    if kind == "//":
        return f"⌊{parts[0][0]}/{parts[1][0]}⌋", ATOM
    if kind == "neg":
        return f"−{_wrap(parts[0], UNARY)}", UNARY
    if kind == "abs":
        return f"|{parts[0][0]}|", ATOM
    return f"{kind}({parts[0][0]})", ATOM


def _same_name(a: Symbol, b: Symbol) -> bool:
    return a.kind == b.kind == "name" and a.args == b.args


def _small_whole(n) -> bool:
    return n == int(n) and 0 < n < 10 if n - n == 0 else False


def _wrap(part: tuple[str, int], needs: int) -> str:
    text, level = part
    return text if level >= needs else f"({text})"


def _render(formula: Symbol, leaf: Callable, node: Callable, with_levels: bool = False):
    """Render bottom-up with an explicit stack (a formula may be deep; no recursion)."""
    done: dict[int, object] = {}
    stack = [(formula, False)]
    while stack:
        f, expanded = stack.pop()
        if id(f) in done:
            continue
        if f.kind in ("name", "number"):
            done[id(f)] = leaf(f)
        elif expanded:
            done[id(f)] = node(f, [done[id(a)] for a in f.args])
        else:
            stack.append((f, True))
            stack.extend((a, False) for a in reversed(f.args) if id(a) not in done)
    return done[id(formula)]
