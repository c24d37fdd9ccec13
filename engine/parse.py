"""A formula, as text, turned into a graph of `Value`s: `parse("x*y", x=4, y=-3)`.

A teacher types the example on the board instead of writing Python:

    >>> from engine import parse
    >>> o = parse("tanh(x1*w1 + x2*w2 + b)", x1=2, x2=0, w1=-3, w2=1, b=6.8813735870195432)
    >>> round(o.data, 4)
    0.7071
    >>> o.backward()
    >>> [(v.label, round(v.grad, 4)) for v in o.parents[0].parents]
    [('(x1*w1+x2*w2)', 0.5), ('b', 0.5)]

What a formula may contain, and nothing else:

- numbers (`2`, `0.5`, `1e-3`) and names (each gets its value from the keywords);
- `+ - * / **`, unary minus (and plus), parentheses; `%` too once an op in
  `engine.OPS` is written `%`;
- calls of the engine's ops by name: `exp log tanh sigmoid relu sqrt abs` and
  every other op in `engine.OPS` (`add(x, y)`, a student's own `softplus(x)`);
- definitions before the result, `n = x1*w1 + b; tanh(n)`, which name a node
  (the last statement may itself be a definition: `n = ...; o = tanh(n)`).

The text is read with Python's `ast` module and walked node by node; it is never
run (`eval` never sees it), so `__import__('os')` is only a call of an unknown
function. Anything else — attributes, subscripts, lambdas, comprehensions,
comparisons, strings, unknown functions, a wrong number of arguments, more than
`MAX_LENGTH` characters or nesting deeper than `MAX_NESTING` — is a
`FormulaError` (a `ValueError`) whose message shows the formula with a caret
under the offending part. So is an op's domain error (`log(x)` at x = -1), and a
missing or unused value (all of them listed).

Labels: each name's leaf is labelled with the name; a definition labels its
node; the result of a final expression is called `f` (or `out`, if the formula
already uses `f`); any other node whose text is at most `LABEL_LIMIT` characters
is labelled with that text, spaces removed, in parentheses unless it is a call:
`(x1*w1)`, `tanh(n)`, so a caption's `∂(x1*w1+b)/∂(x1*w1)` reads one way only. Pictures and captions then read
like the formula. Plain numbers combined with plain numbers are worked out
(`x ** (1/2)` is x ** 0.5, `x * -1` multiplies by the number -1); a number next
to a `Value` becomes a constant leaf, as in any stepgrad expression.

Both passes over the syntax tree use an explicit stack: no recursion.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import unicodedata
import warnings
from typing import Callable, Optional, Union

from .core import OPS
from .core import Value, as_float

#: The longest formula accepted, in characters.
MAX_LENGTH = 4000
#: The deepest nesting accepted: parentheses, calls, unary signs and right-hand
#: operands inside each other (a long flat sum `a + b + c + ...` is not nesting).
MAX_NESTING = 100
#: Sub-expressions up to this many characters (spaces removed, parentheses added) label their node.
LABEL_LIMIT = 24

#: What a formula may do, said once, for every error message that needs it.
ALLOWED = "a formula may use numbers, names, + - * / **, parentheses and calls like tanh(x)"

Number = Union[int, float]
Operand = Union[Value, float]

_ARITHMETIC: dict[type, Callable] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.Pow: operator.pow, ast.Mod: operator.mod,
}
#: Operators allowed only while `engine.OPS` has an op of that symbol.
_IF_AN_OP_HAS_SYMBOL = {ast.Mod: "%"}
_SIGNS: dict[type, Callable] = {ast.USub: operator.neg, ast.UAdd: operator.pos}

#: Python syntax a formula cannot use, and how an error message calls it.
_REFUSED = {
    ast.Attribute: "attributes (a.b)", ast.Subscript: "subscripts (a[i])", ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions", ast.Compare: "comparisons", ast.BoolOp: "and/or",
    ast.IfExp: "if/else", ast.Tuple: "tuples", ast.List: "lists", ast.Dict: "dicts", ast.Set: "sets",
    ast.JoinedStr: "f-strings", ast.Starred: "starred arguments (*a)", ast.NamedExpr: "the := operator",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "slices",
}
_OPERATOR_NAMES = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitXor: "^ (for a power write **)",
    ast.BitAnd: "&", ast.BitOr: "|", ast.LShift: "<<", ast.RShift: ">>", ast.Not: "not", ast.Invert: "~",
}


class FormulaError(ValueError):
    """A formula that cannot be turned into a graph; the message points at the part.

    `problem` is the sentence, `formula` the text; `line` and `column` (both from 1)
    and `width` say where the caret goes (`column` is None when there is no one place).
    """

    def __init__(self, problem: str, formula: str, line: int = 1, column: Optional[int] = None, width: int = 1,
                 hint: str = ""):
        self.problem, self.formula, self.hint = problem, formula, hint
        self.line, self.column, self.width = line, column, max(1, width)
        super().__init__(self._message() + (f"\n{hint}" if hint else ""))

    def _message(self) -> str:
        if self.column is None:
            return self.problem
        lines = _lines(self.formula)
        # a tab, a line separator or another invisible character would move the caret: each shows as a space
        text = "".join(" " if unicodedata.category(ch) in _INVISIBLE else ch
                       for ch in lines[min(self.line, len(lines)) - 1])
        shown, start = _excerpt(text, self.column - 1, self.width)
        where = f"line {self.line}, column {self.column}" if len(lines) > 1 else f"column {self.column}"
        marked = shown[start:start + self.width] or " "
        return (f"{self.problem} ({where})\n  {shown}\n"
                f"  {' ' * _screen_width(shown[:start])}{'^' * max(1, _screen_width(marked))}")


def _excerpt(text: str, start: int, width: int, room: int = 72) -> tuple[str, int]:
    """A window of `text` at most `room` characters wide around [start, start + width),
    so the caret line fits a terminal; returns the window and the caret's place in it."""
    if len(text) <= room:
        return text, start
    left = max(0, min(start - 10, len(text) - room))
    window = list(text[left:left + room])
    if left > 0:
        window[0] = "…"
    if left + room < len(text):
        window[-1] = "…"
    return "".join(window), start - left


#: Unicode categories shown as a space in the caret line: controls, format characters,
#: line and paragraph separators, surrogates, private use, unassigned.
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


def _screen_width(text: str) -> int:
    """How many terminal columns `text` takes: wide (CJK) characters 2, combining marks 0."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _lines(text: str) -> list[str]:
    """The lines as Python's parser counts them (\n, \r\n or \r end a line; a form feed does not)."""
    return re.split(r"\r\n|\r|\n", text)


# ---- the public function ----------------------------------------------------------


def parse(formula: str, **values: Union[Number, Value]) -> Value:
    """The graph of `formula` at `values`, as its root `Value` (labels set; see the module).

    `values` give every name in the formula a number (or a `Value`, used as the
    leaf itself). Raises `FormulaError` for anything the formula may not contain,
    for missing or unused values (listed), and for an op outside its domain.
    """
    return _Formula(formula).build(values)


# ---- reading the text ---------------------------------------------------------------


class _Formula:
    """One formula: its syntax tree, checked, and the code that builds its graph."""

    def __init__(self, formula: str):
        if not isinstance(formula, str):
            raise TypeError(f"parse needs the formula as a str, got {type(formula).__name__}")
        self.text = formula.strip()  # " x*y" is a formula too (Python would call the space an indent)
        self._check_size()
        self.statements = self._syntax_tree()
        self._check_statements()

    # -- errors that point somewhere --

    def error(self, problem: str, node: Optional[ast.AST] = None, hint: str = "",
              span: Optional[tuple[int, int]] = None) -> FormulaError:
        """A `FormulaError` with the caret under `node` (whole characters, not UTF-8 bytes),
        or under `span`, (start, end) character offsets on `node`'s line."""
        if node is None or not hasattr(node, "lineno"):
            return FormulaError(problem, self.text, hint=hint)
        line_text = self._line(node.lineno)
        start = _characters(line_text, node.col_offset)
        same_line = getattr(node, "end_lineno", node.lineno) == node.lineno and node.end_col_offset is not None
        end = _characters(line_text, node.end_col_offset) if same_line else len(line_text)
        if span is not None:
            start, end = span
        return FormulaError(problem, self.text, node.lineno, start + 1, end - start, hint)

    def _line(self, number: int) -> str:
        lines = _lines(self.text)
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def _check_size(self) -> None:
        if not self.text.strip():
            raise FormulaError("the formula is empty", self.text, hint=ALLOWED)
        if len(self.text) > MAX_LENGTH:
            raise FormulaError(f"the formula is {len(self.text)} characters long; the limit is {MAX_LENGTH}",
                               self.text, 1, MAX_LENGTH + 1, 1)
        depth = 0
        for i, ch in enumerate(self.text):  # refused here, before Python's parser gives up on it
            depth += ch in "([{"
            depth -= ch in ")]}"
            if depth > MAX_NESTING:
                line = self.text.count("\n", 0, i) + 1
                column = i - (self.text.rfind("\n", 0, i) + 1) + 1
                raise FormulaError(f"parentheses nested more than {MAX_NESTING} deep", self.text, line, column)

    def _syntax_tree(self) -> list[ast.stmt]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. SyntaxWarning for `1 is 1`: it is refused below anyway
                tree = ast.parse(self.text, mode="exec")
        except SyntaxError as bad:
            line = bad.lineno or 1
            column = bad.offset if bad.offset and bad.offset > 0 else None
            width = (bad.end_offset - bad.offset) if (column and bad.end_offset and bad.end_lineno == line) else 1
            if "null bytes" in str(bad.msg):
                column = None
            raise FormulaError(f"not a formula: {bad.msg}", self.text, line, column, max(1, width),
                               ALLOWED) from None
        except ValueError as bad:  # e.g. a NUL character, on Pythons that report it this way
            raise FormulaError(f"not a formula: {bad}", self.text) from None
        except (RecursionError, MemoryError):
            raise FormulaError(f"the formula is nested too deeply for Python's parser "
                               f"(the limit here is {MAX_NESTING} levels)", self.text) from None
        return tree.body

    def _check_statements(self) -> None:
        if not self.statements:
            raise FormulaError("the formula is empty", self.text, hint=ALLOWED)
        for i, statement in enumerate(self.statements):
            if isinstance(statement, ast.Assign):
                if len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
                    raise self.error("a definition names one node: write `n = x*w + b`", statement)
            elif not isinstance(statement, ast.Expr):
                raise self.error("this kind of statement is not allowed", statement, ALLOWED)
            elif i != len(self.statements) - 1:
                raise self.error("only the last part may be a bare expression; the parts before it are "
                                 "definitions like `n = x*w + b`", statement)
            self._check_expression(statement.value)

    def _check_expression(self, root: ast.expr) -> None:
        """Refuse any syntax a formula may not use, and nesting beyond MAX_NESTING."""
        stack = [(root, 0)]
        while stack:
            node, nesting = stack.pop()
            if nesting > MAX_NESTING:
                raise self.error(f"the formula is nested more than {MAX_NESTING} levels deep", node)
            for child, deeper in self._children(node):
                stack.append((child, nesting + deeper))

    def _children(self, node: ast.expr) -> list[tuple[ast.expr, int]]:
        """`node`'s operands, each with 1 if it nests one level deeper; refuses what is not allowed."""
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _ARITHMETIC or not _op_with_symbol(_IF_AN_OP_HAS_SYMBOL.get(type(node.op))):
                raise self.error(f"the operator {_OPERATOR_NAMES.get(type(node.op), '?')} is not allowed", node,
                                 ALLOWED, self._between(node.left, node.right))
            return [(node.left, 0), (node.right, 1)]
        if isinstance(node, ast.UnaryOp):
            if type(node.op) not in _SIGNS:
                raise self.error(f"the operator {_OPERATOR_NAMES.get(type(node.op), '?')} is not allowed", node,
                                 ALLOWED)
            return [(node.operand, 1)]
        if isinstance(node, ast.Call):
            return [(arg, 1) for arg in self._call_arguments(node)]
        if isinstance(node, ast.Name):
            if node.id in OPS:
                raise self.error(f"{node.id} is a function: call it, e.g. {node.id}(x)", node)
            return []
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                kind = "True/False" if isinstance(node.value, bool) else type(node.value).__name__
                raise self.error(f"{kind} values are not allowed, only real numbers", node, ALLOWED)
            return []
        what = _REFUSED.get(type(node), type(node).__name__)
        verb = "are" if what.endswith("s") or what.endswith(")") else "is"
        raise self.error(f"{what} {verb} not allowed in a formula", node, ALLOWED)

    def _call_arguments(self, call: ast.Call) -> list[ast.expr]:
        if not isinstance(call.func, ast.Name):
            raise self.error("only the engine's functions can be called, by name", call.func, ALLOWED)
        name = call.func.id
        if name not in OPS:
            raise self.error(f"unknown function {name}", call.func, f"the functions are: {', '.join(sorted(OPS))}")
        if call.keywords:
            raise self.error(f"{name} takes its inputs by position, not as name=value", call.keywords[0].value)
        arity = OPS[name].arity
        if len(call.args) != arity:
            raise self.error(f"{name} takes {arity} input{'s' if arity != 1 else ''}, got {len(call.args)}", call)
        return list(call.args)

    def _between(self, left: ast.expr, right: ast.expr) -> Optional[tuple[int, int]]:
        """Where the operator between two operands on one line is, in characters (for the caret)."""
        if left.end_lineno != right.lineno:
            return None
        line = self._line(right.lineno)
        start, end = _characters(line, left.end_col_offset), _characters(line, right.col_offset)
        gap = line[start:end]
        inner = gap.strip(" \t()")
        if not inner:
            return None
        first = start + gap.index(inner)
        return first, first + len(inner)

    # -- building the graph --

    def build(self, values: dict) -> Value:
        leaves = self._leaves(values)
        defined: dict[str, Operand] = {}
        result: Operand = 0.0
        for statement in self.statements:
            result = self._evaluate(statement.value, leaves, defined)
            if isinstance(statement, ast.Assign):
                name = statement.targets[0].id
                result = self._named(result, name)
                defined[name] = result
        if not isinstance(result, Value):
            result = Value(result)
        if isinstance(statement, ast.Expr) and not isinstance(statement.value, ast.Name):
            result.label = "out" if "f" in self.names() else "f"  # the result is the function
        return result

    def names(self) -> list[str]:
        """Every name the formula reads or defines, in the order they first appear."""
        seen: dict[str, None] = {}
        for statement in self.statements:
            for node in _walk(statement.value):
                if isinstance(node, ast.Name):
                    seen[node.id] = None
            if isinstance(statement, ast.Assign):
                seen[statement.targets[0].id] = None
        return list(seen)

    def _leaves(self, values: dict) -> dict[str, Value]:
        """A leaf for every name the formula reads and does not define; checks `values` against them."""
        defined_at = {}
        for i, statement in enumerate(self.statements):
            if isinstance(statement, ast.Assign):
                target = statement.targets[0]
                if target.id in defined_at:
                    raise self.error(f"{target.id} is defined twice", target)
                if target.id in values:
                    raise self.error(f"{target.id} is defined here and also given a value", target)
                if target.id in OPS:
                    raise self.error(f"{target.id} is the name of a function; choose another name", target)
                defined_at[target.id] = i
        needed: dict[str, ast.Name] = {}
        for i, statement in enumerate(self.statements):
            for node in _walk(statement.value):
                if isinstance(node, ast.Name) and defined_at.get(node.id, len(self.statements)) >= i:
                    if node.id in defined_at:
                        raise self.error(f"{node.id} is used before its definition", node)
                    needed.setdefault(node.id, node)
        missing = [name for name in needed if name not in values]
        unused = [name for name in values if name not in needed]
        if missing or unused:
            parts = []
            if missing:
                parts.append(f"no value for {', '.join(missing)} (give each name a number, "
                             f"e.g. {missing[0]}=1.0)")
            if unused:
                parts.append(f"values given for names the formula does not use: {', '.join(unused)}")
            raise self.error("; ".join(parts), needed[missing[0]] if missing else None)
        return {name: _leaf(name, values[name]) for name in needed}

    def _evaluate(self, root: ast.expr, leaves: dict[str, Value], defined: dict[str, Operand]) -> Operand:
        """The value of one (already checked) expression: children first, from an explicit stack."""
        done: dict[int, Operand] = {}
        stack: list[tuple[ast.expr, bool]] = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            operands = _operands(node)
            if not children_done and operands:
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(operands))
                continue
            done[id(node)] = self._apply(node, [done.pop(id(child)) for child in operands], leaves, defined)
        return done[id(root)]

    def _apply(self, node: ast.expr, args: list[Operand], leaves: dict[str, Value],
               defined: dict[str, Operand]) -> Operand:
        if isinstance(node, ast.Name):
            return defined[node.id] if node.id in defined else leaves[node.id]
        if isinstance(node, ast.Constant):
            return self._number(node.value, node)
        if isinstance(node, ast.BinOp):
            return self._result(lambda: _ARITHMETIC[type(node.op)](*args), node, args)
        if isinstance(node, ast.UnaryOp):
            return self._result(lambda: _SIGNS[type(node.op)](args[0]), node, args)
        return self._result(lambda: OPS[node.func.id](*args), node, args)

    def _result(self, compute: Callable[[], Operand], node: ast.expr, args: list[Operand]) -> Operand:
        """Run one operation; an op's domain error becomes a `FormulaError` under `node`."""
        try:
            out = compute()
        except OverflowError as problem:
            if any(isinstance(arg, Value) for arg in args):  # an op's own message names it and its input
                raise self.error(f"{_segment(self.text, node)} cannot be computed here: {problem}", node) from None
            raise self.error(f"{_segment(self.text, node)} is too large for a float", node) from None
        except (ArithmeticError, ValueError) as problem:
            raise self.error(f"{_segment(self.text, node)} cannot be computed here: {problem}", node) from None
        if not isinstance(out, Value):
            return self._number(out, node)  # numbers with numbers: worked out, no node
        if not math.isfinite(out.data):
            raise self.error(f"{_segment(self.text, node)} = {out.data} here: too large for a float", node)
        if out is not args[0] and not out.label:
            text = _compact(_segment(self.text, node))
            if not isinstance(node, ast.Call):
                text = f"({text})"  # so that a caption's ∂(x1*w1+b)/∂(x1*w1) reads one way only
            if len(text) <= LABEL_LIMIT:
                out.label = text
        return out

    def _number(self, x, node: ast.expr) -> float:
        if isinstance(x, complex):
            raise self.error(f"{_segment(self.text, node)} is not a real number (a negative number to a "
                             "fractional power)", node)
        try:
            x = float(x)
        except OverflowError:
            x = math.inf
        if not math.isfinite(x):
            raise self.error(f"{_segment(self.text, node)} is too large for a float", node)
        return x

    def _named(self, result: Operand, name: str) -> Value:
        """The node a definition names: labelled with the name (a number becomes a labelled leaf)."""
        if not isinstance(result, Value):
            return Value(result, name)
        if result.parents:  # an input's own leaf keeps its own name
            result.label = name
        return result


# ---- small helpers -----------------------------------------------------------------


def _op_with_symbol(symbol: Optional[str]) -> bool:
    """True if `symbol` is None (always allowed) or some op in `engine.OPS` is written with it."""
    return symbol is None or any(getattr(op, "symbol", None) == symbol for op in OPS.values())


def _leaf(name: str, value) -> Value:
    if isinstance(value, Value):
        if not value.label:
            value.label = name
        return value
    return Value(as_float(value, f"the value of {name}"), name)


def _operands(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _walk(root: ast.expr):
    """Every node of an (already checked) expression, parents before children, left to right."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(_operands(node)))


def _segment(text: str, node: ast.expr) -> str:
    return ast.get_source_segment(text, node) or ""


def _compact(text: str) -> str:
    return "".join(text.split())


def _characters(line: str, utf8_offset: int) -> int:
    """ast's column offsets count UTF-8 bytes; the caret needs characters."""
    return len(line.encode("utf-8")[:utf8_offset].decode("utf-8", errors="ignore"))
