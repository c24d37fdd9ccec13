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
- `+ - * / **`, unary minus (and plus, which changes nothing: no node),
  parentheses; `%` too once an op in `engine.OPS` is written `%`;
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
under the offending part. So is an op's domain error (`log(x)` at x = -1), a
missing or unused value (all of them listed), and a name that Python's parser
would read as another (it NFKC-normalises names: `𝐱` is `x`, `ﬁ` is `fi`). In a
message, every control character (a `#` comment may hold ESC or BEL) is written
as a visible escape, `\\x1b`, never sent to the terminal.

Labels: each name's leaf is labelled with the name; a definition labels its
node; the result of a final expression is called `f` (or `out`, if the formula
already uses `f`) unless it is a name's own node (`x`, `+n`: that keeps its name,
and so does any `Value` the caller gave); any other node whose text is at most `LABEL_LIMIT` characters
(and holds no comment) is labelled with that text, spaces removed, in parentheses unless it is a call:
`(x1*w1)`, `tanh(n)`, so a caption's `∂(x1*w1+b)/∂(x1*w1)` reads one way only. Pictures and captions then read
like the formula. Plain numbers combined with plain numbers are worked out
(`x ** (1/2)` is x ** 0.5, `x * -1` multiplies by the number -1); a number next
to a `Value` becomes a constant leaf, as in any stepgrad expression.

Both passes over the syntax tree use an explicit stack: no recursion. The text is
read once (`Formula`), into steps that every later pass loops over: building the
graph at other values, or `Formula.value_at`, the value at many points without a
graph per point (for gradcheck's finite differences).
"""

from __future__ import annotations

import ast
import math
import operator
import re
import sys
import unicodedata
import warnings
from itertools import accumulate, compress
from operator import itemgetter
from typing import Callable, Mapping, Optional, Sequence, Union

from .core import OPS, Value, as_float
from .names import visible

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


def _unchanged(x: Operand) -> Operand:
    """Unary plus: the operand itself (a sign that changes nothing makes no node)."""
    return x


_SIGNS: dict[type, Callable] = {ast.USub: operator.neg, ast.UAdd: _unchanged}

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
        super().__init__(self._message() + (f"\n{_shown(hint)}" if hint else ""))

    def _message(self) -> str:
        """The problem, then the line with a caret under the part. Every control character
        (a comment may hold ESC or BEL) is written as a visible escape, `\\x1b`, and the
        caret is placed under the escaped text."""
        if self.column is None:
            return _shown(self.problem)
        lines = _lines(self.formula)
        line = lines[min(self.line, len(lines)) - 1]
        start, end = self.column - 1, self.column - 1 + self.width
        before, marked = _shown(line[:start]), _shown(line[start:end])
        shown, start = _excerpt(before + marked + _shown(line[end:]), len(before), len(marked))
        where = f"line {self.line}, column {self.column}" if len(lines) > 1 else f"column {self.column}"
        marked = shown[start:start + len(marked)] or " "
        return (f"{_shown(self.problem)} ({where})\n  {shown}\n"
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


def _shown(text: str) -> str:
    """`text` whole, with every control or invisible character as a visible escape
    (`engine.names.visible`, the one helper that does this, without its cut)."""
    return visible(text, limit=sys.maxsize)


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
    return Formula(formula).build(values)


# ---- reading the text ---------------------------------------------------------------


class Formula:
    """One formula, read and checked once: `Formula(text).build(values)` is
    `parse(text, **values)`; build it again at other values without reading the
    text again, or ask `value_at` for its value at many points without a graph.

    The text is read into a list of steps, children before parents (each step an
    operand, an operation, or a name), so that every later pass is a loop over it.
    """

    def __init__(self, formula: str):
        if not isinstance(formula, str):
            raise TypeError(f"parse needs the formula as a str, got {type(formula).__name__}")
        self.text = formula.strip()  # " x*y" is a formula too (Python would call the space an indent)
        self._check_size()
        # Where each line starts, and how many non-space characters come before each
        # place: a node's text and the length of its label in O(1), not a scan of the
        # formula per node (that made a formula of 800 names take minutes).
        self._line_starts = [0] + [match.end() for match in re.finditer(r"\r\n|\r|\n", self.text)]
        self._solid = list(accumulate((not ch.isspace() for ch in self.text), initial=0))
        self._byte_columns: dict[int, list[int]] = {}
        self.statements = self._syntax_tree()
        self._check_statements()
        self._steps, self._ends = self._steps_in_order()

    # -- where a node is in the text --

    def _line(self, number: int) -> str:
        if not 0 < number <= len(self._line_starts):
            return ""
        start = self._line_starts[number - 1]
        end = self._line_starts[number] if number < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def _column(self, line: int, utf8_column: int) -> int:
        """ast counts a line's columns in UTF-8 bytes; the text is indexed by characters."""
        table = self._byte_columns.get(line)
        if table is None:
            text = self._line(line)
            table = self._byte_columns[line] = [] if text.isascii() else _character_of_each_byte(text)
        return table[min(utf8_column, len(table) - 1)] if table else utf8_column

    def _span(self, node: ast.AST) -> tuple[int, int]:
        """Where `node`'s text starts and ends, as character offsets into the formula."""
        start = self._line_starts[node.lineno - 1] + self._column(node.lineno, node.col_offset)
        end = self._line_starts[node.end_lineno - 1] + self._column(node.end_lineno, node.end_col_offset)
        return start, end

    def segment(self, node: ast.AST) -> str:
        """`node`'s text, as written (what `ast.get_source_segment` gives, without rescanning the formula)."""
        start, end = self._span(node)
        return self.text[start:end]

    def quote(self, node: ast.AST) -> str:
        """`node`'s text for a message: control characters escaped, a long one cut short."""
        return visible(self.segment(node))

    # -- errors that point somewhere --

    def error(self, problem: str, node: Optional[ast.AST] = None, hint: str = "",
              span: Optional[tuple[int, int]] = None) -> FormulaError:
        """A `FormulaError` with the caret under `node` (whole characters, not UTF-8 bytes),
        or under `span`, (start, end) character offsets on `node`'s line."""
        if node is None or not hasattr(node, "lineno"):
            return FormulaError(problem, self.text, hint=hint)
        start = self._column(node.lineno, node.col_offset)
        same_line = getattr(node, "end_lineno", node.lineno) == node.lineno and node.end_col_offset is not None
        end = self._column(node.lineno, node.end_col_offset) if same_line else len(self._line(node.lineno))
        if span is not None:
            start, end = span
        return FormulaError(problem, self.text, node.lineno, start + 1, end - start, hint)

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
                self._check_spelling(statement.targets[0])
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
            self._check_spelling(node)
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

    def _check_spelling(self, name: ast.Name) -> None:
        """Python reads a name in its NFKC form (`𝐱` as `x`, `ﬁ` as `fi`), so a name
        written otherwise would silently be another name: it is refused, saying which."""
        written = self.segment(name)
        if written != name.id:
            raise self.error(f"the name {visible(written)} is read by Python as {name.id} (Unicode NFKC "
                             f"normalisation makes them one name): write {name.id}", name)

    def _call_arguments(self, call: ast.Call) -> list[ast.expr]:
        if not isinstance(call.func, ast.Name):
            raise self.error("only the engine's functions can be called, by name", call.func, ALLOWED)
        self._check_spelling(call.func)
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
        start, end = self._column(right.lineno, left.end_col_offset), self._column(right.lineno, right.col_offset)
        gap = line[start:end]
        inner = gap.strip(" \t()")
        if not inner:
            return None
        first = start + gap.index(inner)
        return first, first + len(inner)

    # -- the steps, in the order they are computed --

    def _steps_in_order(self) -> tuple[list[tuple[ast.expr, tuple[int, ...]]], list[int]]:
        """Every node of every statement as a step (node, positions of its operands' steps),
        each after its operands (children first, from an explicit stack); and where each
        statement's steps end (its last step is its value)."""
        steps: list[tuple[ast.expr, tuple[int, ...]]] = []
        ends: list[int] = []
        for statement in self.statements:
            position: dict[int, int] = {}
            stack: list[tuple[ast.expr, bool]] = [(statement.value, False)]
            while stack:
                node, children_done = stack.pop()
                operands = _operands(node)
                if not children_done and operands:
                    stack.append((node, True))
                    stack.extend((child, False) for child in reversed(operands))
                    continue
                position[id(node)] = len(steps)
                steps.append((node, tuple(position.pop(id(child)) for child in operands)))
            ends.append(len(steps))
        return steps, ends

    # -- building the graph --

    def build(self, values: Mapping[str, Union[Number, Value]]) -> Value:
        """The graph at `values` (see `parse`)."""
        leaves = self._leaves(values)
        results, defined = self._run(leaves)
        result = results[-1]
        if not isinstance(result, Value):
            result = Value(result)
        # the result is the function, unless it is a name's own node (`x`, `+n`): that keeps its name
        if isinstance(self.statements[-1], ast.Expr) and not _one_of(result, [*leaves.values(), *defined.values()]):
            result.label = "out" if "f" in self.names() else "f"
        return result

    def value_at(self, wrt: Sequence[str], values: Mapping[str, Number]) -> Callable[[Sequence[float]], float]:
        """The formula's value as a plain number, as a function of the `wrt` names'
        numbers (in that order; every other name keeps its number in `values`):

            >>> Formula("x*y + 1").value_at(["x"], {"x": 1, "y": 3})([2.0])
            7.0

        the same float as `build(...)`'s root `.data` at that point, computed without
        building a graph. Made for finite differences (`engine.gradcheck`'s
        `value_at`): a point that moves a few names recomputes only the steps that
        read them, each with the forward rule of the op the graph at `values` used
        there, on plain floats. Outside an op's domain it raises what the op raises
        (a `ValueError` or an `ArithmeticError`), as building the graph would.
        """
        return _ValueAt(self, wrt, values)

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
        for name in values:
            if isinstance(name, str) and unicodedata.normalize("NFKC", name) != name:
                spelled = unicodedata.normalize("NFKC", name)
                raise self.error(f"a value is given for {visible(name)}, which Python reads as {visible(spelled)} "
                                 f"(Unicode NFKC normalisation): give it as {visible(spelled)}")
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

    def _run(self, leaves: dict[str, Value]) -> tuple[list[Operand], dict[str, Operand]]:
        """Every step's value, in order, with `leaves` for the names; and each definition's node."""
        results: list[Operand] = []
        defined: dict[str, Operand] = {}
        steps = self._steps
        for statement, end in zip(self.statements, self._ends):
            for k in range(len(results), end):
                node, operands = steps[k]
                results.append(self._apply(node, [results[i] for i in operands], leaves, defined))
            if isinstance(statement, ast.Assign):
                name = statement.targets[0].id
                results[-1] = defined[name] = self._named(results[-1], name, leaves)
        return results, defined

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
                raise self.error(f"{self.quote(node)} cannot be computed here: {problem}", node) from None
            raise self.error(f"{self.quote(node)} is too large for a float", node) from None
        except (ArithmeticError, ValueError, TypeError) as problem:  # (TypeError: a student's op may raise one)
            raise self.error(f"{self.quote(node)} cannot be computed here: {problem}", node) from None
        if not isinstance(out, Value):
            return self._number(out, node)  # numbers with numbers: worked out, no node
        if not math.isfinite(out.data):
            raise self.error(f"{self.quote(node)} = {out.data} here: too large for a float", node)
        if out is not args[0] and not out.label:
            label = self._label(node)
            if label:
                out.label = label
        return out

    def _label(self, node: ast.expr) -> str:
        """`node`'s text as a label, spaces removed, in parentheses unless it is a call
        (so that a caption's ∂(x1*w1+b)/∂(x1*w1) reads one way only); "" when that is
        longer than LABEL_LIMIT, or holds a comment or a line continuation."""
        start, end = self._span(node)
        brackets = 0 if isinstance(node, ast.Call) else 2
        if self._solid[end] - self._solid[start] + brackets > LABEL_LIMIT:  # counted without reading the text
            return ""
        text = _compact(self.text[start:end])
        if "#" in text or "\\" in text:  # a comment inside brackets is part of the span, not of the formula
            return ""
        return text if brackets == 0 else f"({text})"

    def _number(self, x, node: ast.expr) -> float:
        if isinstance(x, complex):
            raise self.error(f"{self.quote(node)} is not a real number (a negative number to a "
                             "fractional power)", node)
        try:
            x = float(x)
        except OverflowError:
            x = math.inf
        if not math.isfinite(x):
            raise self.error(f"{self.quote(node)} is too large for a float", node)
        return x

    def _named(self, result: Operand, name: str, leaves: dict[str, Value]) -> Value:
        """The node a definition names: labelled with the name (a number becomes a labelled leaf).
        An input's own leaf, or a `Value` the caller gave, keeps its own name."""
        if not isinstance(result, Value):
            return Value(result, name)
        if result.parents and not _one_of(result, leaves.values()):
            result.label = name
        return result


# ---- small helpers -----------------------------------------------------------------


def _op_with_symbol(symbol: Optional[str]) -> bool:
    """True if `symbol` is None (always allowed) or some op in `engine.OPS` is Python's operator `symbol`."""
    return symbol is None or any(op.infix == symbol for op in OPS.values())


def _one_of(value: Value, values) -> bool:
    """Is `value` one of `values` (the very object: a Value's == is not identity)?"""
    return any(value is other for other in values)


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


def _compact(text: str) -> str:
    return "".join(text.split())


def _character_of_each_byte(line: str) -> list[int]:
    """For each UTF-8 byte offset into `line` (and its end), the character it belongs to."""
    table = [i for i, ch in enumerate(line) for _ in range(len(ch.encode("utf-8", errors="surrogatepass")))]
    return table + [len(line)]


# ---- the value at many points, without graphs ------------------------------------


class _ValueAt:
    """`Formula.value_at`: the formula's steps replayed on plain floats.

    The graph at the starting values is built once. Each distinct number in it gets
    a slot: the inputs, the constants, and one slot per node the steps made, in the
    order they were made (so every slot comes after the slots it reads). A node is
    recomputed with its own op's `domain` and `forward` on the numbers of its
    parents, after checking that they give the node's number at the start; where
    that is not so (an op without them, a node the steps did not make), with the
    formula's own step on `Value`s, as `build` does it: slower, the same result.
    Last, every slot is recomputed once at the start; should any come out other
    than the graph's number (a node changed after it was made), each point builds
    the graph instead: slow, and sure.
    """

    def __init__(self, formula: Formula, wrt: Sequence[str], values: Mapping[str, Number]):
        wrt = list(wrt)
        if len(set(wrt)) != len(wrt) or any(name not in values for name in wrt):
            raise ValueError(f"value_at: wrt must be distinct names that values gives numbers for, got {wrt}")
        leaves = formula._leaves({name: Value(as_float(x, f"the value of {name}"), name)
                                  for name, x in values.items()})
        results, _ = formula._run(leaves)
        self.base: list[float] = []    # every slot's number at the starting values
        self.rules: list[tuple] = []   # how to recompute a slot: (slot, forward, domain, check, read), or ()
        self.readers: list[list[int]] = []
        slot_of: dict[int, int] = {}   # id(Value) -> its slot (every Value is kept alive by `results`)
        self.inputs = [self._slot(leaves[name].data) for name in wrt]
        for name, slot in zip(wrt, self.inputs):
            slot_of[id(leaves[name])] = slot
        for leaf in leaves.values():
            slot_of.setdefault(id(leaf), self._slot(leaf.data))
        step_slots: list[int] = []
        for (node, operands), value in zip(formula._steps, results):
            if not isinstance(value, Value):  # numbers with numbers: the same at every point
                step_slots.append(self._slot(value))
            elif id(value) in slot_of:        # a name, a definition, a unary plus
                step_slots.append(slot_of[id(value)])
            else:
                read = [step_slots[i] for i in operands]
                lifted = [isinstance(results[i], Value) for i in operands]
                slot_of[id(value)] = self._node_slot(value, slot_of) if value.parents else self._slot(value.data)
                if slot_of[id(value)] is None:
                    slot_of[id(value)] = self._step_slot(formula, node, value, read, lifted)
                step_slots.append(slot_of[id(value)])
        self.root = step_slots[-1]
        self.at = [self.base[slot] for slot in self.inputs]
        self._moved: tuple[int, ...] = ()
        self._plan: list[tuple] = []
        self._graph_per_point: Optional[Callable[[Sequence[float]], float]] = None
        if not self._replays_the_graph():
            fixed = {name: x for name, x in values.items() if name not in wrt}
            self._graph_per_point = lambda xs: formula.build({**fixed, **dict(zip(wrt, xs))}).data

    def _replays_the_graph(self) -> bool:
        """Does recomputing every slot from the inputs give back every number of the graph?"""
        try:
            values = self.base.copy()
            self._replay([rule for rule in self.rules if rule], values)
        except Exception:
            return False
        return values == self.base

    def _slot(self, number: float, rule: tuple = ()) -> int:
        """A new slot holding `number`; `rule` = (forward, domain, check, slots it reads) recomputes it."""
        slot = len(self.base)
        self.base.append(number)
        self.readers.append([])
        if rule:
            forward, domain, check, read = rule
            for other in read:
                self.readers[other].append(slot)
            # `read(values)` gives the numbers as a sequence: a tuple from itemgetter(a, b), a list from a slice
            rule = (slot, forward, domain, check, itemgetter(*read) if len(read) > 1 else
                    itemgetter(slice(read[0], read[0] + 1)) if read else lambda values: ())
        self.rules.append(rule)
        return slot

    def _node_slot(self, node: Value, slot_of: dict[int, int]) -> Optional[int]:
        """A slot recomputed by `node`'s own op from its parents' slots; None if that
        does not reproduce the node."""
        op = node.op
        forward, domain, check = getattr(op, "forward", None), getattr(op, "domain", None), getattr(op, "result", None)
        if not callable(forward) or not callable(check) or not (domain is None or callable(domain)):
            return None
        read = []
        for parent in node.parents:
            if id(parent) not in slot_of:
                if parent.parents:  # made by something other than these steps
                    return None
                slot_of[id(parent)] = self._slot(parent.data)  # a number lifted into the graph
            read.append(slot_of[id(parent)])
        xs = tuple(self.base[slot] for slot in read)
        try:
            same = (domain is None or domain(*xs) is None) and _same_number(forward(*xs), node.data)
        except Exception:  # any surprise: the slow, sure way below
            same = False
        return self._slot(node.data, (forward, domain, check, tuple(read))) if same else None

    def _step_slot(self, formula: Formula, node: ast.expr, value: Value, read: list[int], lifted: list[bool]) -> int:
        """A slot recomputed by the formula's own step on Values (each operand a Value where it was one)."""

        def again(*xs: float) -> float:
            out = formula._apply(node, [Value(x) if as_value else x for x, as_value in zip(xs, lifted)], {}, {})
            return out.data if isinstance(out, Value) else out

        return self._slot(value.data, (again, None, _finite, tuple(read)))

    def __call__(self, xs: Sequence[float]) -> float:
        if len(xs) != len(self.inputs):
            raise TypeError(f"value_at: expected {len(self.inputs)} numbers, got {len(xs)}")
        moved = tuple(compress(range(len(xs)), map(operator.ne, xs, self.at)))
        if not moved:
            return self.base[self.root]
        if self._graph_per_point is not None:
            return self._graph_per_point(xs)
        if moved != self._moved:
            self._moved, self._plan = moved, self._steps_reading(moved)
        values = self.base.copy()
        for i in moved:
            values[self.inputs[i]] = as_float(xs[i], "value_at input")
        self._replay(self._plan, values)
        return values[self.root]

    @staticmethod
    def _replay(plan: list[tuple], values: list[float]) -> None:
        """Recompute the slots of `plan`, in order, in `values`."""
        for slot, forward, domain, check, read in plan:
            args = read(values)
            if domain is not None and (problem := domain(*args)) is not None:
                raise problem
            out = forward(*args)
            if type(out) is not float or out - out != 0.0:  # not a finite float: the op's own check names it
                out = check(out, args)
            values[slot] = out

    def _steps_reading(self, moved: tuple[int, ...]) -> list[tuple]:
        """The slots that depend on the moved inputs, in order, each with its rule."""
        dirty = bytearray(len(self.base))
        found: list[int] = []
        stack = [self.inputs[i] for i in moved]
        readers = self.readers
        while stack:
            for reader in readers[stack.pop()]:
                if not dirty[reader]:
                    dirty[reader] = 1
                    found.append(reader)
                    stack.append(reader)
        found.sort()  # slots are numbered in the order they were made: every slot after those it reads
        return list(map(self.rules.__getitem__, found))


def _same_number(out, expected: float) -> bool:
    return type(out) is float and out == expected


def _finite(out, args) -> float:
    """The check of a step replayed on Values: its result is a finite float, or an error."""
    if isinstance(out, float) and math.isfinite(out):
        return out
    raise ValueError(f"the result is not a finite number ({out!r})")
