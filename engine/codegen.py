"""The backward pass as code: a graph turned into straight-line Python.

    >>> from engine import Value, to_python
    >>> x, w = Value(2.0, "x"), Value(-3.0, "w")
    >>> y = x * w
    >>> y.label = "y"
    >>> f = to_python(y, [w])
    >>> print(f.source)
    def forward_backward(w):
        # forward: one line per node
        x = 2.0
        y = x * w
        # tanh(inf) = 1 could hide an overflow: the sum of the values above is
        # finite only if each one is; if not, the graph engine redoes the call
        if not -inf < y < inf:
            raise NotFinite
        # backward: each line adds local derivative × upstream to a parent's grad
        grad_y = 1.0
        grad_w = 0.0
        # w.grad += ∂y/∂w × y.grad
        grad_w += x * grad_y
        return y, (grad_w,)
    >>> f([5.0])
    (10.0, (2.0,))

`to_python(root, wrt)` writes one assignment per node (the forward pass), then
one line per edge of the graph in the order `backward()` walks them (the backward
pass), each `parent's grad += local derivative × upstream`. The leaves in `wrt`
become the function's arguments; every other leaf is baked in as a constant, and
so is every node that does not depend on `wrt` (nothing it passes back can reach them).

The generated code does the SAME float operations, in the same order, as the
graph engine: each op's forward value, each local derivative written as its
op's derivative rule writes it, and every gradient summed in the order of the
backward walk. So it returns the same floats, bit for bit. Where the engine
does something other than plain arithmetic, the code hands over to it:

- Ops with a domain (log, sqrt, division by a variable, powers) or that can
  overflow (exp, powers) are called through the op itself, so a log of a
  negative number raises the same error naming the op. An op without a source
  template is called the same way: readable, and exact by construction.
- The engine's numbers are finite: an op whose result is not raises, and the
  walk's policy turns 0 × inf into 0 or raises for a nan. Straight-line code
  just multiplies, so a value or gradient that comes out as nan or ±inf (or
  an error inside the code) sends that call to the engine itself: a copy of
  the graph at the new numbers, built by the same ops and walked by
  `backward()`, whose answer or error is returned.
- An overflow in between can leave no trace in what is returned: tanh(inf)
  is 1.0, relu(-inf) is 0.0. So after every `CHECK_EVERY` forward lines the
  code adds up the values they computed, one `+` per node: the sum is finite
  only if each of them is (or, rarely, it overflows although they are all
  finite: a false alarm, which costs a replay, never a wrong answer). A check
  that fails raises `NotFinite`, and the engine takes over as above and names
  the op. Values of an op the code calls by name are left out of the sums:
  the op checks its own result.

A big graph (more than `GATHER_ABOVE` lines written edge by edge) gets its
backward pass one line per node instead: `grad_v = 0.0 + local × upstream + …`
over v's uses, in the order the walk adds them, so still the same floats; it
compiles and runs faster, and no one reads such a graph edge by edge. Big graphs
are also split into functions of at most `LINES_PER_PART` lines, each compiled
on its own (one module of 600,000 lines takes gigabytes to compile), with the
values still needed passed along in a tuple. Nothing here recurses.
"""

from __future__ import annotations

import keyword
import math
import re
import sys
from typing import Callable, Iterable, Iterator, NamedTuple, Optional, Sequence

from .fused import (
    DOT, DOT_OF_VALUES, DOT_WITH_NUMBER_PARTNERS, DOT_WITH_NUMBER_PARTNERS_NO_BIAS, SUM, SUM_OF_PRODUCTS, FusedOp, dot,
)
from .op import OPS, Op
from .value import Value, as_float
from .walk import topological_order

#: The most lines (comments included) one generated function holds before the
#: code is split into parts. Python's memory for compiling grows with a part's
#: size (moons written edge by edge, 138,000 lines: a peak of about 140 MB at this size,
#: 275 MB as one function);
#: smaller parts pass more values from part to part (12,000: 30% slower to compile).
LINES_PER_PART = 40_000

#: The most terms a sum is written with `+` (deeper nesting strains Python's compiler).
LONGEST_CHAIN = 200

#: Before Python 3.12, builtin sum() of floats is the chain 0.0 + a + b + … exactly;
#: the code then writes the chain (no tuple to build, nothing for the collector).
#: From 3.12 sum() compensates its rounding, and the code calls sum() itself.
CHAINED_SUM = sys.version_info < (3, 12)

#: Above this many lines, the backward pass is written one line per node instead of
#: one per edge: `grad_v = 0.0 + local × upstream + …` over v's uses, in the walk's
#: order, which adds the same contributions in the same order (the same floats),
#: compiles about a third faster and runs about a quarter faster (moons: 15,000 lines
#: instead of 138,000). Nobody reads a graph this big edge by edge.
GATHER_ABOVE = 40_000

#: The most forward lines whose values one finiteness check adds up (one `+` per
#: node, then one comparison; short enough a sum for Python's compiler).
CHECK_EVERY = 100


FUNCTION_NAME = "forward_backward"

FORWARD_HEADER = "# forward: one line per node"
GATHERED_HEADER = "# backward, a line per node (a big graph): grad = Σ over uses of local × upstream"
BACKWARD_HEADER = "# backward: each line adds local derivative × upstream to a parent's grad"
#: The comment above each check (two lines).
CHECK_COMMENT = ("# tanh(inf) = 1 could hide an overflow: the sum of the values above is",
                 "# finite only if each one is; if not, the graph engine redoes the call")


class NotFinite(ArithmeticError):
    """Raised by the generated code when a value it computed is nan or ±inf:
    the call then goes to the graph engine, which names the op."""


# ---- the source templates, one row per op -------------------------------------------
#
# forward: the op's value from its inputs {0}, {1}, ...   (None: call the op itself)
# local:   ∂out/∂input_k for each input, from the inputs and {out}, written exactly
#          as the op's derivative rule writes it (same operations, same order), so the
#          floats agree bit for bit. tests/test_codegen.py checks every row against
#          the op's own rules.


class Template(NamedTuple):
    forward: Optional[str]   #: an expression, or None: `name(inputs)` calls the op (domain, overflow)
    local: tuple[str, ...]   #: ∂out/∂input_k, one expression per input


TEMPLATES: dict[str, Template] = {
    "add": Template("{0} + {1}", ("1.0", "1.0")),
    "sub": Template("{0} - {1}", ("1.0", "-1.0")),
    "mul": Template("{0} * {1}", ("{1}", "{0}")),
    "div": Template(None, ("1.0 / {1}", "-{out} / {1}")),
    "neg": Template("-{0}", ("-1.0",)),
    "abs": Template("abs({0})", ("(1.0 if {0} > 0 else -1.0 if {0} < 0 else 0.0)",)),
    "exp": Template(None, ("{out}",)),
    "log": Template(None, ("1.0 / {0}",)),
    "sqrt": Template(None, ("(0.5 / {out} if {out} > 0 else inf)",)),
    "tanh": Template("tanh({0})", ("(1 - {out} * {out})",)),
    "sigmoid": Template("sigmoid({0})", ("{out} * (1 - {out})",)),
    "relu": Template("0.0 if {0} <= 0 else {0}", ("(0.0 if {0} <= 0 else 1.0)",)),
}

#: Ops whose template calls a plain function: the name it has in the generated code.
TEMPLATE_FUNCTIONS = {"tanh": "tanh", "sigmoid": "sigmoid"}

#: The fused nodes (one node, many parents), by the `op` string they carry (fused.py's).
SUM_OPS = (SUM,)
DOT_OPS = (DOT,)
PRODUCTS_OPS = (SUM_OF_PRODUCTS,)  # a folded sum() of products: parents in pairs (see engine/hot_paths.py)


# ---- the result ----------------------------------------------------------------------


class CompiledGraph:
    """A graph as a Python function of its parameters: value and gradients.

    `source` is the generated code; calling the object runs it on new numbers
    for the `wrt` leaves (same order) and returns `(value, grads)`.
    `step_lines[i]` is the line of `source` (1-based) that applies backward step
    `i` of `engine.backward_steps(root)`, or None for a step the code leaves out
    (an edge into a constant: nothing it passes back can reach `wrt`).
    """

    def __init__(self, program: "_Program"):
        self._program = program
        self.wrt: tuple[Value, ...] = program.wrt
        self.step_lines: tuple[Optional[int], ...] = tuple(program.step_lines)
        self._function = program.compile()

    @property
    def line_count(self) -> int:
        """How many lines the function's body has (comments included; not the `def` lines)."""
        return self._program.line_count

    @property
    def source(self) -> str:
        """The generated Python (written out on each access: it can be large)."""
        return "\n".join(self._program.source_lines())

    def matches(self, root: Value, wrt: Iterable[Value]) -> bool:
        """Whether `root`'s graph is the compiled one, up to the values of its `wrt` leaves:
        the same ops joined the same way, and the same constants (the code has them baked in)."""
        return self._program.matches(root, tuple(wrt))

    def line(self, step_index: int) -> Optional[str]:
        """The source line that applies backward step `step_index`, or None."""
        number = self.step_lines[step_index]
        return None if number is None else self._program.line_text(number)

    def __call__(self, values: Sequence) -> tuple[float, tuple[float, ...]]:
        """(value of the root, d root / d each wrt leaf) at `values`, one number per wrt leaf."""
        numbers = [as_float(v, "to_python value") for v in values]
        if len(numbers) != len(self.wrt):
            raise TypeError(f"this compiled graph takes {len(self.wrt)} number(s), one per wrt leaf; "
                            f"got {len(numbers)}")
        try:
            result = self._function(*numbers)
        except (ArithmeticError, ValueError):
            return self._program.replay(numbers)  # the engine's own error (or answer)
        value, grads = result[0], result[1]
        if value - value != 0.0 or any(g - g != 0.0 for g in grads):  # nan or ±inf: the engine decides
            return self._program.replay(numbers)
        return result

    def __repr__(self) -> str:
        return f"CompiledGraph({len(self.wrt)} parameters, {self.line_count} lines)"


def to_python(root: Value, wrt: Iterable[Value], also: Iterable[Value] = ()) -> CompiledGraph:
    """Turn the graph of `root` into straight-line Python with `wrt` as arguments.

    `wrt` are leaves of the graph (the parameters); every other leaf, and every
    node that does not depend on `wrt`, becomes a constant. See the module's
    docstring for what the code looks like and why its floats are the engine's.
    `also`: more nodes of the graph whose values the function returns too (a
    model's scores, say): then a call gives `(value, grads, also_values)`.
    """
    if not isinstance(root, Value):
        raise TypeError(f"to_python needs a Value as root, got {type(root).__name__}")
    wrt = tuple(wrt) if not isinstance(wrt, Value) else (wrt,)
    seen: set = set()
    for leaf in wrt:
        if not isinstance(leaf, Value):
            raise TypeError(f"to_python: wrt must hold Values, got {type(leaf).__name__}: {leaf!r}")
        if leaf.parents:
            raise ValueError(f"to_python: wrt must hold leaves (the parameters), but {_shown(leaf)} "
                             f"was made by {leaf.op!r}")
        if leaf in seen:
            raise ValueError(f"to_python: {_shown(leaf)} appears twice in wrt")
        seen.add(leaf)
    return CompiledGraph(_Program(root, wrt, tuple(also)))


def step_code(root: Value, wrt: Optional[Iterable[Value]] = None) -> list[Optional[str]]:
    """The generated line of each backward step, aligned with `engine.backward_steps(root)`.

    For a step-through page: step i's chain rule as code, e.g. ``grad_w1 += x1 * grad_x1w1``.
    `wrt` defaults to every leaf of the graph, so that every step has its line; with
    fewer, a step into a constant has none (None). Nothing is compiled.
    """
    if wrt is None:
        wrt = [node for node in topological_order(root) if not node.parents]
    program = _Program(root, tuple(wrt))
    lines = [line.strip() for line in program.source_lines()]
    return [None if number is None else lines[number - 1] for number in program.step_lines]


def forward_code(root: Value, wrt: Optional[Iterable[Value]] = None) -> list[Optional[str]]:
    """The generated forward line of each node of `engine.topological_order(root)` (same index).

    For a step-through page's forward pass: node i's assignment, e.g. ``x1w1 = x1 * w1``.
    A leaf in `wrt` (default: every leaf) is an argument of the function and has no line
    (None); a constant the code folds in is written as its number. Nothing is compiled.
    """
    if wrt is None:
        wrt = [node for node in topological_order(root) if not node.parents]
    program = _Program(root, tuple(wrt))
    return [program.forward_line(node) for node in program.order]


# ---- how each node is written ------------------------------------------------------


class _Rule:
    """How one interior node is written: its forward expression and its local derivatives."""

    __slots__ = ("forward", "locals", "prelude", "checked")

    def __init__(self, forward: str, locals_: list[str], prelude: Optional[str] = None, checked: bool = True):
        self.forward = forward                             # the expression of the node's value
        self.locals = locals_                              # ∂node/∂parent_k, each ready to multiply
        self.prelude = prelude                             # a line computing what `locals` read
        self.checked = checked                             # False: the op called by name checks its result


class _Program:
    """Everything `to_python` decides about a graph, ready to be written out as lines."""

    def __init__(self, root: Value, wrt: tuple[Value, ...], also: tuple[Value, ...] = ()):
        self.root, self.wrt, self.also = root, wrt, also
        self.order = topological_order(root)
        in_graph = set(self.order)
        for node in also:
            if node not in in_graph:
                raise ValueError(f"to_python: also must hold nodes of root's graph; {_shown(node)} is not one")
        wrt_set = set(wrt)
        self.live: set = set()  # the nodes that depend on wrt (the rest are constants)
        for node in self.order:
            if node in wrt_set or any(p in self.live for p in node.parents):
                self.live.add(node)
        self.namespace: dict[str, object] = {"sum": sum, "inf": math.inf, "nan": math.nan, "NotFinite": NotFinite}
        for op_name, function_name in TEMPLATE_FUNCTIONS.items():
            if op_name in OPS:
                self.namespace[function_name] = OPS[op_name].forward
        self._op_functions: dict[int, tuple[str, str]] = {}  # id(op) -> (forward name, grads name)
        self.names = _Names(self.namespace)
        self.rules: dict[Value, _Rule] = {}
        self.var: dict[Value, str] = {}
        self._layouts: dict[Value, tuple] = {}  # each dot node's layout (see _dot_layout)
        self._name_nodes()
        shown = _display_names(self.order, wrt)
        self.display = {node: shown.get(node) or self.var.get(node) or _literal(node.data) for node in self.order}
        self.step_lines: list[Optional[int]] = []
        self.line_count = 0
        self._parts: Optional[list[tuple[int, int]]] = None
        self._layout()

    # -- names ---------------------------------------------------------------------

    def _name_nodes(self) -> None:
        """A variable per node the code mentions by name; the rest are written as numbers."""
        for node in self.order:  # the op functions take their names first (`log`, not `log2`)
            if node in self.live and node.parents:
                op = self._op_of(node)
                if isinstance(op, Op) and _calls_op(op):
                    self._op_functions_of(op)
        for node in self.order:
            if node in self.live or node.label:
                label = _identifier(node.label)
                self.var[node] = self.names.fresh(label) if label else self.names.numbered(_op_word(node))
        for node in self.order:
            if node in self.live and node.parents:
                self.rules[node] = self._rule(node)
        self.grad = {node: self.names.fresh(f"grad_{self.var[node]}") for node in self.order if node in self.live}

    def term(self, node: Value) -> str:
        """How `node` appears in an expression: its variable, or its number."""
        name = self.var.get(node)
        return name if name is not None else _literal(node.data)

    # -- ops -----------------------------------------------------------------------

    def _op_of(self, node: Value):
        """The op that made `node`: an `Op`, or "sum" / "dot" for the fused nodes."""
        op = node.op
        if isinstance(op, Op):
            return op
        if op in SUM_OPS:
            return "sum"
        if op in DOT_OPS:
            return "dot"
        if op in PRODUCTS_OPS:
            return "products"
        arity = len(node.parents)
        for candidate in OPS.values():
            if candidate.arity == arity and op in (candidate.symbol, candidate.name):
                return candidate
        if arity == 1 and isinstance(op, str) and op.startswith("**"):
            from .primitives import power_by  # the fixed-power ops are made per exponent
            try:
                exponent = float(op[2:])
            except ValueError:
                exponent = None
            if exponent is not None:
                candidate = power_by(exponent)
                if _same_numbers(candidate(node.parents[0].data), node):
                    return candidate
            raise ValueError(f"to_python: cannot tell the exponent of {_shown(node)} from its op {op!r} "
                             "(its digits were rounded); write the exponent with fewer digits")
        raise ValueError(f"to_python: {_shown(node)} was made by {op!r}, which is not an op in engine.OPS; "
                         "make the op with engine.define_op so its rules can be called")

    def _op_functions_of(self, op: Op) -> tuple[str, str]:
        """Names in the generated code for calling `op`: its value, and its local derivatives."""
        if id(op) not in self._op_functions:
            word = _identifier(op.name) or "op"
            if op.name == "pow" and op.arity == 1:
                word = "pow_" + _identifier(op.symbol[2:].replace("-", "minus_").replace(".", "_"))
            forward_name = self.names.fresh(word)
            grads_name = self.names.fresh(f"{forward_name}_grads")
            self.namespace[forward_name] = _forward_of(op)
            self.namespace[grads_name] = _local_grads_of(op)
            self._op_functions[id(op)] = (forward_name, grads_name)
        return self._op_functions[id(op)]

    def _rule(self, node: Value) -> _Rule:
        op = self._op_of(node)
        if op == "sum":
            return self._sum_rule(node)
        if op == "dot":
            return self._dot_rule(node)
        if op == "products":
            return self._products_rule(node)
        inputs = [self.term(p) for p in node.parents]
        out = self.var[node]
        template = TEMPLATES.get(op.name) if OPS.get(op.name) is op else None
        if template is None:  # call the op itself, for its value and its local derivatives
            forward_name, grads_name = self._op_functions_of(op)
            local_name = self.names.fresh(f"d_{out}")
            prelude = f"{local_name} = {grads_name}({', '.join(inputs)})"
            return _Rule(f"{forward_name}({', '.join(inputs)})", [f"{local_name}[{k}]" for k in range(len(inputs))],
                         prelude, checked=False)
        checked = True
        if template.forward is not None:
            forward = template.forward.format(*inputs, out=out)
        elif op.name == "div" and node.parents[1] not in self.live:
            forward = "{0} / {1}".format(*inputs)  # by a constant: it was not 0 when the graph was built
        else:  # a domain to check or an overflow to name: the op does it
            forward = f"{self._op_functions_of(op)[0]}({', '.join(inputs)})"
            checked = False
        return _Rule(forward, [local.format(*inputs, out=out) for local in _atomic_locals(template)],
                     checked=checked)

    def _sum_rule(self, node: Value) -> _Rule:
        """A Σ node (add_all, or a sum() the engine folded into one node): its terms
        added left to right, as one expression; every local derivative is 1."""
        if not all(local == 1.0 for local in node.local_grads):
            raise ValueError(f"to_python: cannot rebuild the sum {_shown(node)}: its local derivatives are not all 1")
        numbers = [p.data for p in node.parents]
        terms = [self.term(p) for p in node.parents]
        forward = _exact_sum(numbers, terms, node)
        return _Rule(forward, ["1.0"] * len(node.parents))

    def _products_rule(self, node: Value) -> _Rule:
        """A Σw·x node (a sum() of products the engine folded): parents in pairs
        (w, x), after a plain first term when there is an odd number of them;
        ∂/∂w is x, ∂/∂x is w, ∂/∂first is 1."""
        parents, local_grads = node.parents, node.local_grads
        first = len(parents) % 2
        terms = [self.term(p) for p in parents]
        products, numbers, locals_ = [], [], [""] * len(parents)
        if first:
            products.append(terms[0])
            numbers.append(parents[0].data)
            locals_[0] = "1.0"
        for i in range(first, len(parents), 2):
            w, x = parents[i], parents[i + 1]
            if not (_same_float(local_grads[i], x.data) and _same_float(local_grads[i + 1], w.data)):
                raise ValueError(f"to_python: cannot rebuild {_shown(node)}: its parents do not pair up as w, x")
            products.append(f"{terms[i]} * {terms[i + 1]}")
            numbers.append(w.data * x.data)
            locals_[i], locals_[i + 1] = terms[i + 1], terms[i]
        return _Rule(_exact_sum(numbers, products, node, start_may_be_plain=first == 1), locals_)

    def _dot_rule(self, node: Value) -> _Rule:
        """dot: sum(w·x for each pair) + bias, as one expression; ∂/∂w = x, ∂/∂x = w, ∂/∂b = 1."""
        layout = self._layouts[node] = _dot_layout(node)
        if layout is None:
            raise ValueError(f"to_python: cannot rebuild the dot node {_shown(node)} from its parents "
                             "(plain-number terms or a plain-number bias are not recorded on the node)")
        pairs, has_bias = layout
        terms = [self.term(p) for p in node.parents]
        products, locals_ = [], [""] * len(terms)
        for w, x in pairs:  # each an index of a parent, or a number
            w_text = terms[w] if type(w) is int else _literal(w)
            x_text = terms[x] if type(x) is int else _literal(x)
            products.append(f"{w_text} * {x_text}")
            if type(w) is int:
                locals_[w] = x_text
            if type(x) is int:
                locals_[x] = w_text
        if CHAINED_SUM and len(products) <= LONGEST_CHAIN:
            forward = " + ".join(["0.0", *products])
        else:
            comma = "," if len(products) == 1 else ""
            forward = f"sum(({', '.join(products)}{comma}))"
        if has_bias is True:
            forward += f" + {terms[-1]}"
            locals_[-1] = "1.0"
        elif has_bias is not None:  # a plain-number bias
            forward += f" + {_literal(has_bias)}"
        return _Rule(forward, locals_)

    # -- the lines -------------------------------------------------------------------
    #
    # The body is a list of segments, each a few lines about one node: a named
    # constant, a node's forward line, a node's backward lines (a comment and a
    # chain-rule line per parent), plus the headers and the return. Parts of a
    # split function begin at segment boundaries, so which variables cross a
    # boundary follows from the graph alone, without reading the text.

    def _segments(self) -> list[tuple[str, Optional[Value]]]:
        """(kind, node) of every segment, in the order of the body."""
        segments: list[tuple[str, Optional[Value]]] = [("forward header", None)]
        segments += [("constant", node) for node in self.order if node in self.var and node not in self.live]
        chunk: list[Value] = []  # the checked values since the last check
        for node in self.order:
            if node in self.rules:
                segments.append(("forward", node))
                if self.rules[node].checked:
                    chunk.append(node)
                if len(chunk) == CHECK_EVERY:
                    segments.append(("check", tuple(chunk)))
                    chunk = []
        if chunk:
            segments.append(("check", tuple(chunk)))
        segments.append(("backward header", None))
        kind = "gather" if self.gathered else "backward"
        segments += [(kind, node) for node in reversed(self.order) if node in self.rules]
        if self.gathered:
            segments.append(("leaves", None))
        segments.append(("return", None))
        return segments

    def _uses(self) -> dict[Value, list[tuple[Value, int]]]:
        """For each node the code names: (child, position) of every use, in the walk's order."""
        uses: dict[Value, list[tuple[Value, int]]] = {}
        for node in reversed(self.order):
            if node in self.rules:
                for k, parent in enumerate(node.parents):
                    if parent in self.live:
                        uses.setdefault(parent, []).append((node, k))
        return uses

    def _gathered_lines(self, node: Value, start: str) -> list[str]:
        """`grad = start + local × upstream + …` over every use of `node`, in the walk's
        order (the same contributions, added in the same order as the walk adds them),
        in statements of at most LONGEST_CHAIN terms."""
        terms = []
        for child, k in self._uses_of.get(node, ()):
            local, upstream = self.rules[child].locals[k], self.grad[child]
            terms.append(f"+ {upstream}" if local == "1.0" else f"- {upstream}" if local == "-1.0"
                         else f"+ {local} * {upstream}")
        target = self.grad[node]
        lines = []
        for i in range(0, max(len(terms), 1), LONGEST_CHAIN):
            head = start if i == 0 else target
            lines.append(f"{target} = {' '.join([head, *terms[i:i + LONGEST_CHAIN]])}")
        return lines

    def _segment_lines(self, kind: str, node: Optional[Value]) -> list[str]:
        """The lines of one segment. The backward lines follow `backward()`'s walk
        exactly: nodes in reverse topological order, each node's parents in order."""
        if kind == "backward":
            rule, upstream, lines = self.rules[node], self.grad[node], []
            if rule.prelude is not None:
                lines.append(rule.prelude)
            n = self.display[node]
            for parent, local in zip(node.parents, rule.locals):
                if parent not in self.live:
                    continue
                target = self.grad[parent]
                p = self.display[parent]
                lines.append(f"# {p}.grad += ∂{n}/∂{p} × {n}.grad")  # BackwardStep.caption's words
                lines.append(_contribution(target, local, upstream, target in self._assigned))
                self._assigned.add(target)
            return lines
        if kind == "gather":  # big graphs: a node's gradient in one statement, then its own prelude
            n = self.display[node]
            lines = []
            if node is not self.root:
                lines.append(f"# {n}.grad = Σ over its uses: ∂use/∂{n} × use.grad")
                lines += self._gathered_lines(node, "0.0")
            if self.rules[node].prelude is not None:
                lines.append(self.rules[node].prelude)
            return lines
        if kind == "leaves":
            lines = ["# the parameters' gradients, each summed over its uses in the walk's order"]
            for leaf in self.wrt:
                if leaf in self.live:
                    lines += self._gathered_lines(leaf, "1.0" if leaf is self.root else "0.0")
            return lines
        if kind == "forward":
            return [f"{self.var[node]} = {self.rules[node].forward}"]
        if kind == "check":  # node: the chunk of values to check
            total = " + ".join(self.var[value] for value in node)
            return [*CHECK_COMMENT, f"if not -inf < {total} < inf:", "    raise NotFinite"]
        if kind == "constant":
            return [f"{self.var[node]} = {_literal(node.data)}"]
        if kind == "forward header":
            return [FORWARD_HEADER]
        if kind == "backward header":
            self._assigned = {self.grad[leaf] for leaf in self.wrt if leaf in self.live}
            lines = [BACKWARD_HEADER if not self.gathered else GATHERED_HEADER]
            root, wrt_set = self.root, set(self.wrt)
            if root in self.live and root not in wrt_set:
                lines.append(f"{self.grad[root]} = 1.0")
            if self.gathered:
                return lines
            lines += [f"{self.grad[leaf]} = 0.0" for leaf in self.wrt if leaf in self.live]
            if root in wrt_set:
                lines.append(f"{self.grad[root]} += 1.0")
            return lines
        grads = [self.grad[leaf] if leaf in self.live else "0.0" for leaf in self.wrt]
        comma = "," if len(grads) == 1 else ""
        returned = f"return {self.term(self.root)}, ({', '.join(grads)}{comma})"
        if self.also:
            comma = "," if len(self.also) == 1 else ""
            returned += f", ({', '.join(self.term(node) for node in self.also)}{comma})"
        return [returned]

    def forward_line(self, node: Value) -> Optional[str]:
        """The line that gives `node` its value (None: an argument, or a number written inline)."""
        if node in self.rules:
            return self._segment_lines("forward", node)[0]
        if node in self.var and node not in self.live:
            return self._segment_lines("constant", node)[0]
        return None

    def _segment_size(self, kind: str, node: Optional[Value]) -> int:
        if kind == "backward":
            edges = sum(1 for parent in node.parents if parent in self.live)
            return 2 * edges + (self.rules[node].prelude is not None)
        if kind == "gather":
            statements = -(-len(self._uses_of.get(node, ())) // LONGEST_CHAIN) or 1
            return (0 if node is self.root else 1 + statements) + (self.rules[node].prelude is not None)
        if kind in ("backward header", "leaves", "check"):
            return len(self._segment_lines(kind, node))
        return 1

    def _layout(self) -> None:
        """Choose the form, split the segments into parts, find which line applies each step."""
        self.gathered = False
        self.segments = self._segments()
        sizes = [self._segment_size(kind, node) for kind, node in self.segments]
        if sum(sizes) > GATHER_ABOVE:
            self.gathered = True
            self._uses_of = self._uses()
            self.segments = self._segments()
            sizes = [self._segment_size(kind, node) for kind, node in self.segments]
        self.line_count = sum(sizes)
        self._parts = []  # (first segment, end segment)
        start, lines = 0, 0
        for i, size in enumerate(sizes):
            if lines and lines + size > LINES_PER_PART:
                self._parts.append((start, i))
                start, lines = i, 0
            lines += size
        self._parts.append((start, len(self.segments)))
        # Backward step i -> its line (single function only: line 1 is the `def`).
        line_of_edge: dict[tuple[int, int], int] = {}
        if len(self._parts) == 1:
            line = 2
            for (kind, node), size in zip(self.segments, sizes):
                if kind == "backward":
                    first = line + (self.rules[node].prelude is not None) + 1
                    live_parents = [k for k, parent in enumerate(node.parents) if parent in self.live]
                    for j, k in enumerate(live_parents):
                        line_of_edge[(id(node), k)] = first + 2 * j
                line += size
        self.step_lines = [line_of_edge.get((id(node), k)) for node in reversed(self.order)
                           for k in range(len(node.parents))]

    def _crossing(self) -> list[list[str]]:
        """For each part after the first, the variables it needs from the parts before it.

        A variable crosses a boundary if it is assigned in a segment before it and read
        in one after it. Where each is assigned and last read follows from the graph:
        a node's value is read by its children's forward and backward lines and by
        its own backward lines; its gradient is started by the first child the walk
        reaches, added to by the others, and read by its own backward lines.
        """
        if self.gathered:
            return self._crossing_gathered()
        index = {(kind, id(node)): i for i, (kind, node) in enumerate(self.segments) if node is not None}
        backward_header = next(i for i, (kind, _) in enumerate(self.segments) if kind == "backward header")
        end = len(self.segments) - 1  # the return
        children: dict[Value, list[Value]] = {}
        for node in self.rules:
            for parent in node.parents:
                if parent in self.var:
                    children.setdefault(parent, []).append(node)
        spans: list[tuple[int, int, str]] = []  # (assigned in, last read in, name)
        wrt_set, returned = set(self.wrt), {self.root, *self.also}
        checked_at = self._checked_at()
        for node, name in self.var.items():
            if node in wrt_set:
                assigned = -1
            else:
                assigned = index.get(("forward", id(node)), index.get(("constant", id(node))))
            readers = [index[("backward", id(c))] for c in children.get(node, ())]
            if node in self.rules:
                readers.append(index[("backward", id(node))])
            if node in checked_at:
                readers.append(checked_at[node])
            if node in returned:
                readers.append(end)
            if readers:
                spans.append((assigned, max(readers), name))
        for node, name in self.grad.items():
            own = index.get(("backward", id(node)))
            reached = [index[("backward", id(c))] for c in children.get(node, ()) if c in self.live]
            if node in wrt_set or node is self.root:
                spans.append((backward_header, end if node in wrt_set else own, name))
            elif reached:
                spans.append((min(reached), own, name))
        crossing = []
        for start, _ in self._parts[1:]:
            alive = sorted((a, name) for a, last, name in spans if a < start <= last)
            crossing.append([name for _, name in alive])
        return crossing

    def _checked_at(self) -> dict[Value, int]:
        """The segment of the finiteness check that reads each checked value."""
        return {value: i for i, (kind, chunk) in enumerate(self.segments) if kind == "check" for value in chunk}

    def matches(self, root: Value, wrt: tuple[Value, ...]) -> bool:
        order = topological_order(root)
        if len(order) != len(self.order) or len(wrt) != len(self.wrt):
            return False
        old_position = {node: i for i, node in enumerate(self.order)}
        new_position = {node: i for i, node in enumerate(order)}
        if any(old_position.get(a) != new_position.get(b) for a, b in zip(self.wrt, wrt)):
            return False
        for old, new in zip(self.order, order):
            if str(old.op) != str(new.op) or len(old.parents) != len(new.parents):
                return False
            if any(old_position[a] != new_position[b] for a, b in zip(old.parents, new.parents)):
                return False
            if old not in self.live:
                if not _same_float(old.data, new.data):
                    return False
            elif old in self._layouts:  # a dot's plain-number terms and bias are baked in too
                layout = _dot_layout(new)
                if layout is None or layout[1] != self._layouts[old][1] or \
                        [x for _, x in layout[0] if type(x) is not int] != \
                        [x for _, x in self._layouts[old][0] if type(x) is not int]:
                    return False
        return True

    def replay(self, numbers: list[float]) -> tuple:
        """The graph engine's own answer at `numbers`: the same ops on a copy of the graph, then `backward()`.

        Constants become constant leaves; the copy shares nothing with the original
        graph, so its gradients are left as they were."""
        copies: dict[Value, Value] = {leaf: Value(x, leaf.label) for leaf, x in zip(self.wrt, numbers)}
        for node in self.order:
            if node in copies:
                continue
            if node not in self.live:
                copies[node] = Value(node.data, node.label)
                continue
            parents = [copies[p] for p in node.parents]
            op = self._op_of(node)
            if op in ("sum", "products"):  # made by hand: the same floats, the same edges
                rule = self.rules[node]
                numbers = {self.var[p]: copy.data for p, copy in zip(node.parents, parents) if p in self.var}
                data = eval(rule.forward, self.namespace, numbers)  # noqa: S307 (our own expression)
                partner = {i: parents[i ^ 1 if len(parents) % 2 == 0 else 1 + ((i - 1) ^ 1)].data
                           for i in range(len(parents) % 2, len(parents))} if op == "products" else {}
                copies[node] = Value(data, "", node.op, tuple(parents),
                                     tuple(partner.get(i, 1.0) for i in range(len(parents))))
            elif op == "dot":
                pairs, bias = self._layouts[node]
                weights = [parents[w] if type(w) is int else w for w, _ in pairs]
                inputs = [parents[x] if type(x) is int else x for _, x in pairs]
                copies[node] = dot(weights, inputs, parents[-1] if bias is True else bias)
            else:
                copies[node] = op(*parents)
        root = copies[self.root]
        root.backward()
        grads = tuple(copies[leaf].grad if leaf in copies else 0.0 for leaf in self.wrt)
        if self.also:
            return root.data, grads, tuple(copies[node].data for node in self.also)
        return root.data, grads

    def _crossing_gathered(self) -> list[list[str]]:
        """`_crossing` for the gathered form. There a node's gradient is written at its own
        segment (a parameter's at the end) and reads, for every use, the user's gradient
        and its local derivative, which reads the user's inputs and value (and prelude)."""
        index = {id(node): i for i, (kind, node) in enumerate(self.segments) if kind == "gather"}
        leaves = next(i for i, (kind, _) in enumerate(self.segments) if kind == "leaves")
        backward_header = leaves - 1 - len(index)
        end = len(self.segments) - 1
        wrt_set, returned = set(self.wrt), {self.root, *self.also}

        def gathered_at(node: Value) -> int:
            return leaves if node in wrt_set else index[id(node)]

        # where the local derivatives of each node are read: its live parents' gathers
        read_locals = {node: [gathered_at(p) for p in node.parents if p in self.live] for node in self.rules}
        forward_at = {id(node): i for i, (kind, node) in enumerate(self.segments) if kind in ("forward", "constant")}
        spans: list[tuple[int, int, str]] = []
        users: dict[Value, list[Value]] = {}
        for node in self.rules:
            for parent in node.parents:
                if parent in self.var:
                    users.setdefault(parent, []).append(node)
        checked_at = self._checked_at()
        for node, name in self.var.items():
            readers = list(read_locals.get(node, ()))  # its value in its own local derivatives
            if node in checked_at:
                readers.append(checked_at[node])
            for user in users.get(node, ()):
                readers.append(forward_at[id(user)])
                readers += read_locals[user]  # as an input of a user's local derivatives
            if node in returned:
                readers.append(end)
            if readers:
                spans.append((-1 if node in wrt_set else forward_at[id(node)], max(readers), name))
        for node, name in self.grad.items():
            if node in wrt_set:
                spans.append((leaves, end, name))
            elif node in self.rules and read_locals[node]:
                assigned = backward_header if node is self.root else index[id(node)]
                spans.append((assigned, max(read_locals[node]), name))
                prelude = self.rules[node].prelude
                if prelude is not None:
                    spans.append((index[id(node)], max(read_locals[node]), prelude.split(" = ", 1)[0]))
        crossing = []
        for start, _ in self._parts[1:]:
            alive = sorted((a, name) for a, last, name in spans if a < start <= last)
            crossing.append([name for _, name in alive])
        return crossing

    def line_text(self, number: int) -> str:
        for i, line in enumerate(self.source_lines(), 1):
            if i == number:
                return line
        raise IndexError(number)

    def _parameters(self) -> str:
        return ", ".join(self.var[leaf] if leaf in self.var else f"unused_{i}" for i, leaf in enumerate(self.wrt))

    def source_parts(self, comments: bool = True) -> Iterator[str]:
        """The source, one function at a time (parts first, the function last).

        Without `comments`, the comment lines are left out (what is compiled:
        Python would skip them anyway, after reading them)."""
        params = self._parameters()
        crossing = self._crossing() if len(self._parts) > 1 else []
        for number, (start, end) in enumerate(self._parts, 1):
            if len(self._parts) == 1:
                lines = [f"def {FUNCTION_NAME}({params}):"]
            elif number == 1:
                lines = [f"def _part1({params}):"]
            else:
                lines = [f"def _part{number}(state):"]
                if crossing[number - 2]:
                    lines.append(f"    ({', '.join(crossing[number - 2])},) = state")
            for kind, node in self.segments[start:end]:
                for text in self._segment_lines(kind, node):
                    if comments or text[0] != "#":
                        lines.append(f"    {text}")
            if number < len(self._parts):
                state_out = crossing[number - 1]
                comma = "," if len(state_out) == 1 else ""
                lines.append(f"    return ({', '.join(state_out)}{comma})")
            yield "\n".join(lines)
        if len(self._parts) > 1:
            calls = "".join(f"    state = _part{n}(state)\n" for n in range(2, len(self._parts)))
            yield (f"def {FUNCTION_NAME}({params}):\n    state = _part1({params})\n{calls}"
                   f"    return _part{len(self._parts)}(state)")

    def source_lines(self) -> Iterator[str]:
        """The source line by line, a blank line between functions."""
        for i, part in enumerate(self.source_parts()):
            if i:
                yield ""
            yield from part.split("\n")

    def compile(self) -> Callable:
        """Compile the function part by part (each its own, small, code object)."""
        namespace = dict(self.namespace)
        for part in self.source_parts(comments=False):
            exec(compile(part, f"<to_python {FUNCTION_NAME}>", "exec"), namespace)
        return namespace[FUNCTION_NAME]


def _calls_op(op: Op) -> bool:
    """Whether the generated code calls `op` itself (no template, or one that checks a domain)."""
    template = TEMPLATES.get(op.name) if OPS.get(op.name) is op else None
    return template is None or template.forward is None


def _contribution(target: str, local: str, upstream: str, accumulate: bool) -> str:
    """One chain-rule line: `target += local * upstream` (or `=` for its first contribution).

    × 1.0 and × -1.0 are written as + and −: the same floats, for every upstream.
    """
    if local == "1.0":
        return f"{target} += {upstream}" if accumulate else f"{target} = {upstream}"
    if local == "-1.0":
        return f"{target} -= {upstream}" if accumulate else f"{target} = -{upstream}"
    expression = f"{local} * {upstream}"
    return f"{target} += {expression}" if accumulate else f"{target} = {expression}"


def _atomic_locals(template: Template) -> tuple[str, ...]:
    """The template's local derivatives, each in parentheses if it needs them to be multiplied.
    (Filling in names or parenthesized numbers does not change that.)"""
    return _ATOMIC.setdefault(template, tuple(_atom(local) for local in template.local))


_ATOMIC: dict[Template, tuple[str, ...]] = {}


def _atom(expression: str) -> str:
    """`expression`, in parentheses unless it is one name, number or call."""
    simple = re.fullmatch(r"[\w.{}]+(\[\d+\])?", expression)
    already = expression.startswith("(") and expression.endswith(")") and _balanced_inside(expression)
    return expression if simple or already else f"({expression})"


def _balanced_inside(expression: str) -> bool:
    """Whether the outer parentheses of `(…)` enclose all of it (not `(a) * (b)`)."""
    depth = 0
    for i, ch in enumerate(expression):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(expression) - 1:
            return False
    return True


def _dot_layout(node: Value):
    """How a dot node's parents pair up, checked against its numbers; None if no layout fits.

    Returns (pairs, bias): each pair (w, x) is a parent index or a plain number,
    in the order of the sum; bias is True (the last parent), None, or a plain
    number. `dot` puts the weight Values first, then the input Values, then the
    bias; a plain number is not a parent but is the local derivative of its
    partner.
    """
    parents, local_grads = node.parents, node.local_grads
    if isinstance(node.op, FusedOp) and not any(node.op is known for known in _DOT_LAYOUTS_KNOWN):
        # a dot mixing Values and numbers on one side: which parent pairs with which
        # (and where the numbers were) is not recorded, and guessing from the numbers
        # can fit a wrong layout that gives wrong floats at new numbers
        return None
    layouts = []
    for has_bias in ((True, False) if local_grads and local_grads[-1] == 1.0 else (False,)):
        m = len(parents) - has_bias
        if m % 2 == 0:  # every weight and every input a Value
            n = m // 2
            if all(_same_float(local_grads[i], parents[n + i].data) and _same_float(local_grads[n + i], parents[i].data)
                   for i in range(n)):
                layouts.append(([(i, n + i) for i in range(n)], has_bias))
        layouts.append(([(i, local_grads[i]) for i in range(m)], has_bias))  # one side plain numbers
    for pairs, has_bias in layouts:
        products = [(parents[w].data if type(w) is int else w) * (parents[x].data if type(x) is int else x)
                    for w, x in pairs]
        total = sum(products)
        if has_bias:
            if _same_float(total + parents[-1].data, node.data):
                return pairs, True
        elif _same_float(total, node.data):
            return pairs, None
        else:
            bias = _plain_bias(total, node.data)
            if bias is not None:
                return pairs, bias
    return None


#: The dot ops whose layout the numbers tell: Values with Values, or Values with numbers
#: only (compared by identity: every dot op's symbol is the same string).
_DOT_LAYOUTS_KNOWN = (DOT_OF_VALUES, DOT_WITH_NUMBER_PARTNERS, DOT_WITH_NUMBER_PARTNERS_NO_BIAS)


def _exact_sum(numbers: list[float], terms: list[str], node: Value, start_may_be_plain: bool = False) -> str:
    """The expression adding `terms` that gives exactly `node.data` from `numbers`.

    A sum node may have been made by `add_all` (builtin sum() from 0.0), by a
    sum() the engine folded (from the int 0) or by `+` nodes folded together
    (from the first term): the candidates are checked on the node's numbers.
    From 0, `-0.0 + …` turns into `0.0 + …`, so the start is written when it counts.
    """
    chain_from_zero = 0.0
    for x in numbers:
        chain_from_zero += x
    chain = numbers[0] if numbers else 0.0
    for x in numbers[1:]:
        chain += x
    candidates = []
    comma = "," if len(terms) == 1 else ""
    if sys.version_info >= (3, 12) or len(terms) > LONGEST_CHAIN:
        # From 3.12, sum() of floats compensates its rounding: not a chain of + (and before
        # it, sum() IS the chain from 0.0, without a nesting of + too deep to compile).
        candidates.append((sum(numbers, 0.0), f"sum(({', '.join(terms)}{comma}), 0.0)"))
    if not start_may_be_plain:
        candidates.append((chain_from_zero, " + ".join(["0.0", *terms])))
    candidates.append((chain, " + ".join(terms) if terms else "0.0"))
    for value, text in candidates:
        if _same_float(value, node.data):
            return text
    raise ValueError(f"to_python: cannot rebuild the sum {_shown(node)} from its terms (a start other than 0?)")


def _plain_bias(total: float, out: float) -> Optional[float]:
    """The plain-number bias b with total + b == out: the one with the fewest digits.

    `dot(w, x, 1.0)` does not record its bias (only Values become parents), so it is
    found again from the numbers: the shortest decimal that gives exactly `out`
    (1.0, not 0.9999999999999999, which may give the same float here but not at
    other numbers). 17 significant digits always find one, if one exists.
    """
    rough = out - total
    if not math.isfinite(rough):
        return None
    for digits in range(1, 18):
        bias = float(f"{rough:.{digits}g}")
        if _same_float(total + bias, out):
            return bias
    return None


# ---- helpers ---------------------------------------------------------------------------


def _forward_of(op: Op) -> Callable[..., float]:
    """The op's value on plain numbers, through the op itself: its domain check and errors."""
    def forward(*xs: float) -> float:
        return op(*xs).data
    forward.__name__ = forward.__qualname__ = _identifier(op.name) or "op"
    return forward


def _local_grads_of(op: Op) -> Callable[..., tuple]:
    """The op's local derivatives at plain numbers, from the op's own rule."""
    def local_grads(*xs: float) -> tuple:
        return op(*xs).local_grads
    local_grads.__name__ = local_grads.__qualname__ = f"{_identifier(op.name) or 'op'}_grads"
    return local_grads


class _Names:
    """Hands out identifiers, each once, never a keyword, builtin or helper name."""

    def __init__(self, namespace: dict):
        self.taken = set()
        # The builtins the code calls stay reachable; others (`pow`, `len`) may be shadowed.
        self._reserved = set(keyword.kwlist) | set(namespace) | {"sum", "abs", "state", FUNCTION_NAME}
        self._counts: dict[str, int] = {}        # per base, for numbered names
        self._clashes: dict[str, int] = {}       # per base, for labels taken twice

    def numbered(self, base: str) -> str:
        """base1, base2, ...: the next free one."""
        count = self._counts.get(base, 0)
        while True:
            count += 1
            name = f"{base}{count}"
            if name not in self.taken and name not in self._reserved:
                self._counts[base] = count
                self.taken.add(name)
                return name

    def fresh(self, base: str) -> str:
        name = base
        while name in self.taken or name in self._reserved or re.fullmatch(r"_part\d+|unused_\d+", name):
            self._clashes[base] = self._clashes.get(base, 1) + 1
            name = f"{base}_{self._clashes[base]}" if base[-1:].isdigit() else f"{base}{self._clashes[base]}"
        self.taken.add(name)
        return name


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_OP_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "Σ": "total", "Σw·x+b": "dot",
             "σ": "sigmoid", "ReLU": "relu"}


def _identifier(text: str) -> str:
    """`text` as a Python identifier: other characters become _, a leading digit gets v_."""
    name = re.sub(r"\W", "_", text, flags=re.ASCII).strip("_")
    name = re.sub(r"__+", "_", name)
    if name and name[0].isdigit():
        name = "v_" + name
    return name


def _op_word(node: Value) -> str:
    """A word for an unlabeled node's variable: the name of its op (`mul1`, `relu3`)."""
    if not node.parents:
        return "c"
    op = node.op
    word = getattr(op, "name", None) or _OP_WORDS.get(op) or ("pow" if str(op).startswith("**") else str(op))
    if word == "sub" and len(node.parents) == 1:
        word = "neg"
    return _identifier(word) or "t"


def _literal(x: float) -> str:
    """A float as source text that reads back as exactly the same float."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "(-inf)"
    return repr(x) if math.copysign(1.0, x) > 0 else f"({x!r})"


def _same_float(a: float, b: float) -> bool:
    """Bit-for-bit equality (0.0 and -0.0 differ; nan equals nan)."""
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b) or (a != a and b != b)


def _same_numbers(made: Value, node: Value) -> bool:
    return _same_float(made.data, node.data) and all(
        _same_float(a, b) for a, b in zip(made.local_grads, node.local_grads))


def _shown(node: Value) -> str:
    return f"the node {node.label!r}" if node.label else f"a node of {node.op or 'leaf'!r} (data={node.data!r})"


def _display_names(order: list[Value], wrt: tuple[Value, ...]) -> dict[Value, str]:
    """The one display name of every node (engine.names, when it exists), for the comments."""
    try:
        from .names import node_names  # viz's single naming of nodes
    except ImportError:
        node_names = None
    if node_names is not None:
        return node_names(order, parameters=wrt)
    return {node: "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in node.label) for node in order}
