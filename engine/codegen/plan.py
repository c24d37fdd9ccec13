"""What `to_python` decides about a graph before writing a line: which nodes the
code computes, what each is called, and each one's `Rule` — its forward expression
and its local derivatives as Python expressions.

Every rule comes from the node's op, read as the op records it:

- an `Op` (a row of the op table, or a student's `define_op`): its forward rule and
  its derivative rule run on names (engine.symbolic) give the expressions, the
  rule's own operations in its own order, so the code computes the rule's floats.
  An op with a domain the code cannot decide in advance is called through the op
  itself (so `log` of a negative number raises the op's own error); a rule that
  branches on its inputs is called as a function; an op may carry a hand-written
  form (`Op.code`, relu's);
- `add_all` (Σ) and `dot` (Σw·x+b): the same builtin `sum()` the engine calls, over
  the terms in the order the node's recorded layout gives;
- a node made by hand (`Value(..., op=..., parents=..., local_grads=...)`): no rule
  can recompute it, so the code uses what it records, its value and its local
  derivatives, at every input (with a warning).
"""

from __future__ import annotations

import keyword
import math
import re
import warnings
from numbers import Real
from typing import Optional

from ..core import RECORDED, Dot, Op, Sum, Value, topological_order
from ..core.op import _unbracketed
from ..names import node_names, visible
from ..names.naming import identifier as _identifier, identifiers
from ..symbolic import NotWritable, Symbol, as_code, write
from . import limits

FUNCTION_NAME = "forward_backward"

#: The functions a formula written by engine.symbolic may call, by the names it uses.
FORMULA_FUNCTIONS = {"exp": math.exp, "log": math.log, "sin": math.sin, "cos": math.cos, "tanh": math.tanh,
                     "sqrt": math.sqrt, "abs": abs}


class NotFinite(ArithmeticError):
    """Raised by the generated code when a value it computed is nan or ±inf:
    the call then goes to the graph engine, which names the op."""


class Rule:
    """How one interior node is written: its forward expression and its local derivatives."""

    __slots__ = ("forward", "locals", "prelude", "checked")

    def __init__(self, forward: str, locals_: list[str], prelude: Optional[str] = None, checked: bool = True):
        self.forward = forward      # the expression of the node's value
        self.locals = locals_       # ∂node/∂parent_k, each ready to multiply
        self.prelude = prelude      # a line computing what `locals` read
        self.checked = checked      # False: the op called by name checks its own result


class Plan:
    """Everything `to_python` decides about a graph, ready to be written out as lines."""

    def __init__(self, root: Value, wrt: tuple[Value, ...], also: tuple[Value, ...] = ()):
        self.root, self.wrt, self.also = root, wrt, also
        self.order = topological_order(root)
        in_graph = set(self.order)
        for node in also:
            if node not in in_graph:
                raise ValueError(f"to_python: also must hold nodes of root's graph; {shown(node)} is not one")
        wrt_set = set(wrt)
        self.live: set = set()  # the nodes that depend on wrt (the rest are constants)
        for node in self.order:
            if node in wrt_set or any(p in self.live for p in node.parents):
                self.live.add(node)
        self.namespace: dict[str, object] = {"sum": sum, "inf": math.inf, "nan": math.nan, "NotFinite": NotFinite}
        # One naming (engine.names): a variable is its node's name, written as an identifier
        # (`x1·w1` is `x1_w1`, `mul3` is `mul3`), so the code and the picture beside it agree.
        with warnings.catch_warnings():  # a repeated label is said once, by the picture or page
            warnings.simplefilter("ignore")
            self.display = node_names(self.order, parameters=wrt)
        variables = identifiers(self.order, self.display, reserved={*self.namespace, *FORMULA_FUNCTIONS, *_RESERVED})
        self.var: dict[Value, str] = {node: variables[node] for node in self.order
                                      if node in variables and (node in self.live or node.label)}
        self.names = _Names(self.namespace, reserved=FORMULA_FUNCTIONS, taken=self.var.values())
        self.hand_made: list[Value] = []
        self._checked: dict[int, object] = {}  # id(op) -> the op's forward with its checks
        self.rules: dict[Value, Rule] = {node: self._rule(node) for node in self.order
                                         if node in self.live and node.parents}
        self.grad = {node: self.names.fresh(f"grad_{self.var[node]}") for node in self.order if node in self.live}
        if self.hand_made:
            names = ", ".join(shown(node) for node in self.hand_made[:3])
            warnings.warn(f"to_python: {names} {'was' if len(self.hand_made) == 1 else 'were'} made by hand: "
                          "the code uses the value and local derivatives recorded on "
                          f"{'it' if len(self.hand_made) == 1 else 'them'}, whatever the inputs "
                          "(no rule can recompute them; make the op with engine.define_op)", stacklevel=3)

    def term(self, node: Value) -> str:
        """How `node` appears in an expression: its variable, or its number."""
        name = self.var.get(node)
        return name if name is not None else literal(node.data)

    def _symbol(self, node: Value) -> Symbol:
        """`node` as a name in a formula: live values have no number yet; the rest are constants."""
        return Symbol.name(self.term(node), None if node in self.live else node.data)

    # -- the rule of each node -------------------------------------------------------

    def _rule(self, node: Value) -> Rule:
        op = node.op
        if isinstance(op, Sum):
            return self._sum_rule(node)
        if isinstance(op, Dot):
            return self._dot_rule(node)
        if isinstance(op, Op):
            return self._op_rule(node, op)
        self.hand_made.append(node)
        return Rule(literal(node.data), [_atom(literal(float(g))) if isinstance(g, Real) else _unusable(node, g)
                                         for g in node.local_grads])

    def _op_rule(self, node: Value, op: Op) -> Rule:
        inputs = [self.term(p) for p in node.parents]
        symbols = [self._symbol(p) for p in node.parents]
        out = self.var[node]
        code = op.code
        checked = True
        if code is not None and code.forward is not None:
            forward = code.forward.format(*inputs, out=out)
        elif not self._domain_decided(op, symbols):  # the op checks its domain (and names its errors)
            checked_forward = self._checked.setdefault(id(op), _checked_forward(op))
            forward = f"{self._function(_function_word(op), checked_forward)}({', '.join(inputs)})"
            checked = False
        else:
            try:
                forward = as_code(write(op.forward, symbols)[0], self._formula_function)
            except NotWritable:  # math.exp, a branch: call the forward rule itself
                forward = f"{self._forward_name(op)}({', '.join(inputs)})"
        if code is not None and code.local is not None:
            return Rule(forward, [_atom(local.format(*inputs, out=out)) for local in code.local], checked=checked)
        try:
            locals_ = [_atom(as_code(f, self._formula_function))
                       for f in write(op.derivatives, [*symbols, Symbol.name(out)])]
        except (NotWritable, ArithmeticError, ValueError):
            local_name = self.names.fresh(f"d_{out}")
            grads = self._function(f"{_function_word(op)}_grads", op.derivatives)
            prelude = f"{local_name} = {grads}({', '.join([*inputs, out])})"
            return Rule(forward, [f"{local_name}[{k}]" for k in range(len(inputs))], prelude, checked)
        return Rule(forward, locals_, checked=checked)

    def _domain_decided(self, op: Op, symbols: list[Symbol]) -> bool:
        """Whether the op's domain holds for every value the live inputs may take: it reads
        only constants (x / 2 needs no check), or the op has none."""
        if op.domain is None:
            return True
        try:
            return op.domain(*symbols) is None
        except NotWritable:
            return False

    def _sum_rule(self, node: Value) -> Rule:
        """Σ (add_all): the engine's `sum(numbers, 0.0)`, term by term; every local derivative is 1."""
        return Rule(_sum([self.term(p) for p in node.parents], start="0.0"), ["1.0"] * len(node.parents))

    def _dot_rule(self, node: Value) -> Rule:
        """dot: the engine's `sum(w·x for each pair)` (+ bias), from the recorded layout;
        ∂/∂w = x, ∂/∂x = w, ∂/∂b = 1."""
        layout: Dot = node.op
        locals_ = [""] * len(node.parents)

        def factor(f, partner) -> str:
            if type(f) is int:
                return self.term(node.parents[f])
            return literal(node.local_grads[partner] if f is RECORDED else f)

        products = []
        for w, x in layout.pairs:
            w_text, x_text = factor(w, x), factor(x, w)
            products.append(f"{w_text} * {x_text}")
            if type(w) is int:
                locals_[w] = x_text
            if type(x) is int:
                locals_[x] = w_text
        forward = _sum(products, start=None)
        if type(layout.bias) is int:
            forward += f" + {self.term(node.parents[layout.bias])}"
            locals_[layout.bias] = "1.0"
        elif layout.bias is not None:
            forward += f" + {literal(layout.bias)}"
        return Rule(forward, locals_)

    # -- calling an op from the code ----------------------------------------------------

    def _function(self, word: str, function) -> str:
        """The name the code calls `function` by: `word`, unless that names something else."""
        if self.namespace.get(word) is function:
            return word
        name = self.names.fresh(word, function=True)
        self.namespace[name] = function
        return name

    def _formula_function(self, name: str) -> str:
        """The name of a function a written rule calls (`exp`: math.exp)."""
        return self._function(name, FORMULA_FUNCTIONS[name])

    def _forward_name(self, op: Op) -> str:
        """A name in the code for the op's forward rule itself (no checks: used where none is needed)."""
        return self._function(_function_word(op), op.forward)


def _sum(terms: list[str], start: Optional[str]) -> str:
    """The expression builtin `sum(terms, start)` computes, as the engine calls it
    (`start` None: sum's own int 0); written as a chain of + where that is the same floats."""
    if not terms:
        return "0.0"
    if limits.CHAINED_SUM and len(terms) <= limits.LONGEST_CHAIN:
        return " + ".join(["0.0", *terms])  # sum() before 3.12 adds left to right from 0.0 (or the int 0)
    comma = "," if len(terms) == 1 else ""
    return f"sum(({', '.join(terms)}{comma}){'' if start is None else ', ' + start})"


def _checked_forward(op: Op):
    """The op's value on plain numbers, through the op itself: its domain check and errors."""
    apply = op.apply

    def forward(*xs: float) -> float:
        return apply(*xs).data
    forward.__name__ = forward.__qualname__ = _identifier(op.name) or "op"
    return forward


def _unusable(node: Value, local) -> str:
    raise ValueError(f"to_python: {shown(node)} records a local derivative that is not a number "
                     f"({local!r}); it cannot be written as code")


def _atom(expression: str) -> str:
    """`expression`, in parentheses unless it is one name, number or call."""
    simple = re.fullmatch(r"-?[\w.]+(\[\d+\])?", expression)
    already = _unbracketed(expression) != expression  # one pair of brackets around all of it
    return expression if simple or already else f"({expression})"


#: Names the generated code keeps for itself.
_RESERVED = {"sum", "abs", "state", FUNCTION_NAME}


class _Names:
    """Hands out identifiers, each once, never a keyword, builtin or helper name."""

    def __init__(self, namespace: dict, reserved=(), taken=()):
        self.taken = set(namespace) | set(taken)
        # Functions the code may call keep their names; other builtins (`pow`, `len`) may be shadowed.
        self._reserved = set(keyword.kwlist) | set(reserved) | _RESERVED
        self._clashes: dict[str, int] = {}       # per base, for labels taken twice

    def fresh(self, base: str, function: bool = False) -> str:
        name = base
        while name in self.taken or (name in self._reserved and not function) or \
                re.fullmatch(r"_part\d+|unused_\d+", name):
            self._clashes[base] = self._clashes.get(base, 1) + 1
            name = f"{base}_{self._clashes[base]}" if base[-1:].isdigit() else f"{base}{self._clashes[base]}"
        self.taken.add(name)
        return name


def _function_word(op: Op) -> str:
    """A name for calling an op in the code: its name (`log`), x ** n as `pow_2`."""
    if op.exponent is not None:
        return "pow_" + _identifier(f"{op.exponent:g}".replace("-", "minus_").replace(".", "_"))
    return _identifier(op.name) or "op"


def literal(x: float) -> str:
    """A float as source text that reads back as exactly the same float."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "(-inf)"
    return repr(x) if math.copysign(1.0, x) > 0 else f"({x!r})"


def same_float(a: float, b: float) -> bool:
    """Bit-for-bit equality (0.0 and -0.0 differ; nan equals nan)."""
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b) or (a != a and b != b)


def shown(node: Value) -> str:
    if node.label:
        return f"the node {visible(node.label)!r}"
    return f"a node of {visible(str(node.op)) if node.op is not None else 'leaf'!r} (data={node.data!r})"
