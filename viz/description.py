"""One description of a graph, read by every picture, film, page and notebook control.

`describe(root)` walks the graph once and settles everything that is shown:
the order of the nodes, each node's one name (`engine.names`) and role, the
SVG id of every part of the picture, the numbers as text, and (when asked for)
the backward steps of a fresh pass. The Graphviz picture, the frames, the
step-through page and the Jupyter control only read it, so they agree on
every name and number by construction.
"""

from __future__ import annotations

import re

from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterable, Iterator, Optional

from engine import BackwardStep, Value, backward_steps, topological_order
from engine import Sum
from engine.names import (fused_op_name, fused_terms, is_constant, is_fused, local_formula, node_names, number,
                          op_symbol, operand, step_caption, term_number)

ROLES = ("input", "parameter", "constant", "intermediate", "output")
SEED = 1.0  #: d root / d root: where every backward pass starts

#: Refuse to lay out graphs of more values than this by default (and of more than
#: three times as many edges): Graphviz takes minutes on them, and nobody can read the result.
MAX_NODES = 500


def fresh_backward_pass(root: Value, order: Optional[list[Value]] = None) -> list[BackwardStep]:
    """Every step of a backward pass of `root` that starts from zero gradients
    everywhere (the seed d root/d root = 1 the only one), as the engine applies
    them. The gradients stored in the graph are given back afterwards exactly
    as they were: looking at a pass never changes what `.backward()` left.

    This is the one "fresh backward pass" of the project: frames, the Stepper,
    the step-through page and the demos all step through it. `order` is
    `topological_order(root)` when the caller has it already (one walk fewer).
    """
    if order is None:
        order = topological_order(root)
    with gradients_restored(order):
        for node in order:
            node.grad = 0.0
        return list(backward_steps(root, SEED))


@contextmanager
def gradients_restored(order: list[Value]) -> Iterator[None]:
    """On the way out, give every node back the gradient it had on the way in."""
    saved = [node.grad for node in order]
    try:
        yield
    finally:
        for node, grad in zip(order, saved):
            node.grad = grad


@dataclass(frozen=True)
class Step:
    """One backward step as it is shown: the engine's record and what it reads."""

    record: BackwardStep
    position: int          #: the parent's place among the node's parents: the edge (node, position)
    before: float          #: the parent's gradient before this step
    caption: str           #: the arithmetic, with the description's names
    reads: tuple = ()      #: nodes whose data the local derivative is made of (x2 for ∂(x2·w2)/∂w2)

    @property
    def node(self) -> Value:
        return self.record.node

    @property
    def parent(self) -> Value:
        return self.record.parent


@dataclass
class Description:
    """What is shown of `root`'s graph (see the module docstring). Make it with `describe`."""

    root: Value
    order: list[Value]
    names: dict[Value, str]
    roles: dict[Value, str]
    ids: dict[Value, dict]
    index: dict[Value, int] = field(repr=False)
    number: Callable[[float], str] = field(repr=False, default=number)

    @cached_property
    def records(self) -> list[BackwardStep]:
        """Every step of a fresh backward pass (`fresh_backward_pass`), the steps
        into constants included: walked once, read by `steps` and the page's code."""
        return fresh_backward_pass(self.root, self.order)

    @cached_property
    def steps(self) -> list[Step]:
        """The steps of a fresh backward pass that a student is shown: every edge
        except those into a constant (a number has no gradient to care about)."""
        shown = []
        for record in self.records:
            if self.roles[record.parent] == "constant":
                continue
            formula = local_formula(record.node, record.position, self.names.__getitem__)
            shown.append(Step(
                record, record.position, record.parent_grad_before,
                step_caption(record, self.names.__getitem__),
                tuple(formula[1]) if formula else (),
            ))
        return shown

    def start_grads(self) -> dict[Value, float]:
        """Every gradient when a fresh pass starts: 0, and the seed at the root."""
        grads = dict.fromkeys(self.order, 0.0)
        grads[self.root] = SEED
        return grads

    def grads_after(self, k: int) -> dict[Value, float]:
        """Every node's gradient after the first k shown steps of a fresh pass."""
        grads = self.start_grads()
        for step in self.steps[:k]:
            grads[step.parent] = step.record.parent_grad
        # a constant's gradient is never shown; the steps into it were skipped
        return grads

    def start_caption(self) -> str:
        name = operand(self.names[self.root])
        return f"start: {name}.grad = 1  (∂{name}/∂{name} = 1);  {len(self.steps)} chain-rule steps to go"

    def step_caption(self, k: int) -> str:
        """What shown step k (1-based; 0 = before the first) says."""
        if k == 0:
            return self.start_caption()
        return f"step {k}/{len(self.steps)}:  {self.steps[k - 1].caption}"

    def op_text(self, node: Value) -> str:
        if is_fused(node):
            return fused_op_name(node)
        return op_symbol(node.op) or "?"

    def forward_caption(self, node: Value) -> str:
        """How `node` was computed, e.g. ``o = tanh(n) = tanh(0.8814) = 0.7071``."""
        value = self.number(node.data)
        if not node.parents:
            kind = {"constant": "a constant", "parameter": "a parameter"}.get(self.roles[node], "an input")
            if kind == "a constant":
                named = self.names[node]
                return f"{value}   (a constant)" if named == value else f"{named} = {value}   (a constant)"
            return f"{self.names[node]} = {value}   ({kind})"
        if is_fused(node):
            by_name, by_value = self.terms_written(node)
            return f"{self.names[node]} = {self.op_text(node)}: {by_name} = {by_value} = {value}"
        by_name = self.applied(node, [self.names[p] for p in node.parents])
        by_value = self.applied(node, [self.number(p.data) for p in node.parents])
        if not node.label and not re.fullmatch(r"[a-z_]+\d+", self.names[node]):  # named by its formula: said once
            return f"{self.names[node]} = {by_value} = {value}"
        return f"{self.names[node]} = {by_name} = {by_value} = {value}"

    def applied(self, node: Value, args: list[str]) -> str:
        """`node`'s op applied to `args` (names or numbers) as its op writes itself (`Op.write`):
        ``a × b``, ``−a``, ``a²``, ``tanh(n)``; a hand-made node's op as a call."""
        args = [operand(a) for a in args]
        if hasattr(node.op, "write"):
            return node.op.write(args)
        return written(self.op_text(node), args)

    def terms_written(self, node: Value) -> tuple[str, str]:
        """A fused sum's terms, by name and by number: ``w0·x0 + w1·x1 + b`` and
        ``0.5·1 + (-2)·0 + 0.1``; past `SHOWN_TERMS` products, the rest is one
        number, ``+ the other 7 terms`` and ``+ 0.423``, so the sum still adds up."""
        terms, rest = fused_terms(node)
        products = [t for t in terms if len(t) == 2]
        plain = [t for t in terms if len(t) == 1]
        if isinstance(node.op, Sum):
            products, plain = plain, []  # every term is plain: abbreviate them alike
        shown, hidden = (products, []) if len(products) <= SHOWN_TERMS else \
            (products[:SHOWN_TERMS - 1], products[SHOWN_TERMS - 1:])
        names, numbers = [], []
        for term in shown + plain:
            names.append(self._term(term, lambda v: self.names[v]))
            numbers.append(self._term(term, lambda v: self.number(v.data)))
        if hidden:
            at = len(shown)
            hidden_sum = sum(t[0].data * (term_number(t[1]) if len(t) == 2 else 1.0) for t in hidden)
            names.insert(at, f"the other {len(hidden)} terms")
            numbers.insert(at, operand(self.number(hidden_sum)))
        if rest:
            names.append(self.number(rest))
            numbers.append(operand(self.number(rest)))
        return " + ".join(names) or "0", " + ".join(numbers) or "0"

    def _term(self, term: tuple, text: Callable[[Value], str]) -> str:
        if len(term) == 1:
            return operand(text(term[0]))
        partner = term[1]
        shown = text(partner) if isinstance(partner, Value) else self.number(partner)
        return f"{operand(text(term[0]))}·{operand(shown)}"


#: The most products a forward caption of a fused sum lists; the rest are added up.
SHOWN_TERMS = 4


def written(op: str, args: list[str]) -> str:
    """An op applied to its arguments the way a blackboard writes it:
    ``a × b``, ``a**2``, ``tanh(n)``, ``Σ(a, b, c)``; ``2 × (-3)``."""
    if (op.startswith("**") or set(op) <= set("⁰¹²³⁴⁵⁶⁷⁸⁹⁻")) and len(args) == 1:  # x², x**0.5
        return f"{operand(args[0])}{op}"
    if len(args) == 1 and op in ("-", "−"):
        return f"−{operand(args[0])}"
    if len(args) == 2 and not op[:1].isalpha() and op not in ("Σ", "Σw·x+b"):  # + - × / **
        return f"{operand(args[0])} {op} {operand(args[1])}"
    return f"{op}({', '.join(args)})"


def describe(root: Value, parameters: Iterable[Value] = (), max_nodes: Optional[int] = MAX_NODES,
             number_format: Optional[str] = None, constants: Iterable[Value] = ()) -> Description:
    """The description of `root`'s graph (refusing one too big to draw: see `check_size`).

    `constants` are labelled leaves to treat as constants (a data point `y`, the
    ½ of ½(ŷ − y)²): shown by their label and number, with no gradient step,
    like the unlabelled numbers of the graph."""
    if not isinstance(root, Value):
        raise TypeError(f"viz needs a Value, got {type(root).__name__}")
    params = _parameters(parameters)
    marked = _parameters(constants)
    check_size(root, max_nodes)
    order = topological_order(root)
    roles = node_roles(order, params, marked)
    _remember(params, marked)
    names = node_names(order, params)
    shown = number if number_format is None else (lambda x: format(x, number_format))
    return Description(root, order, names, roles, element_ids(order), {n: i for i, n in enumerate(order)}, shown)


#: The leaves declared parameters or constants (`parameters=`, `constants=` of any
#: picture, film, page or Stepper) in this process, the latest declaration winning.
#: A notebook's Value card reads them (`declared_roles`): `o` shown on its own is
#: coloured as the pictures of its graph were. Leaves only (a leaf holds no graph),
#: and at most DECLARED_LIMIT of them: past that, the older half is forgotten.
DECLARED_LIMIT = 100_000
_declared: dict[Value, str] = {}


def _remember(parameters: set[Value], constants: set[Value]) -> None:
    for role, nodes in (("parameter", parameters), ("constant", constants)):
        for node in nodes:
            if not node.parents:
                _declared.pop(node, None)  # re-inserted: the latest declaration is the newest entry
                _declared[node] = role
    if len(_declared) > DECLARED_LIMIT:
        kept = list(_declared.items())[-(DECLARED_LIMIT // 2):]
        _declared.clear()
        _declared.update(kept)


def declared_roles(order: Iterable[Value]) -> dict[Value, str]:
    """The role ("parameter" or "constant") last declared for each leaf of `order` that has one."""
    return {node: _declared[node] for node in order if node in _declared}


def _parameters(parameters: Iterable[Value]) -> set[Value]:
    params = set()
    for p in parameters:
        if not isinstance(p, Value):
            raise TypeError(f"parameters must be Values, got {type(p).__name__}")
        params.add(p)
    return params


def node_roles(order: list[Value], parameters: Iterable[Value] = (),
               constants: Iterable[Value] = ()) -> dict[Value, str]:
    """The role of each node; the root is the last in `order`:
    output (the root), parameter (passed in `parameters`), intermediate (made by
    an op), input (a labelled leaf), constant (a plain number in the graph, or
    a leaf passed in `constants`)."""
    params = _parameters(parameters)
    marked = _parameters(constants)
    for node in marked:
        if node.parents:
            raise ValueError(f"constants must be leaves (values made by no op); {node!r} was made by {node.op!r}")
        if node in params:
            raise ValueError(f"{node!r} is passed both as a parameter and as a constant")
    root = order[-1]

    def role(node: Value) -> str:
        if node is root:
            return "output"
        if node in params:
            return "parameter"
        if node.parents:
            return "intermediate"
        return "constant" if is_constant(node) or node in marked else "input"

    return {node: role(node) for node in order}


def element_ids(order: list[Value]) -> dict[Value, dict]:
    """The SVG id of every part of the picture, by node.

    For the node at position i of `order`:
      "node": "v<i>"           its box (whose texts are name, "data", number, "grad", number)
      "op":   "v<i>op"         its op circle (None for a leaf)
      "out":  "v<i>out"        the edge op -> node (None for a leaf)
      "ins":  ["v<i>in<k>"...] the edge from its k-th parent into the op, k = 0, 1, ...
    """
    ids = {}
    for i, node in enumerate(order):
        made = bool(node.parents)
        ids[node] = {
            "node": f"v{i}",
            "op": f"v{i}op" if made else None,
            "out": f"v{i}out" if made else None,
            "ins": [f"v{i}in{k}" for k in range(len(node.parents))],
        }
    return ids


def check_size(root: Value, max_nodes: Optional[int] = MAX_NODES, max_edges: Optional[int] = None) -> None:
    """Refuse, quickly and clearly, a graph with more than `max_nodes` values or more
    than `max_edges` edges (default: 3 × max_nodes): Graphviz would take minutes."""
    if max_nodes is None:
        return
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    max_edges = 3 * max_nodes if max_edges is None else max_edges
    seen, edges = {root}, 0
    stack = [root]
    while stack:
        parents = stack.pop().parents
        edges += len(parents)
        if edges > max_edges:
            raise ValueError(
                f"the graph has more than {max_edges} edges (with max_nodes={max_nodes}; counting stopped "
                "there), too many to lay out and read. Draw a smaller sub-graph (call draw_dot on an "
                "intermediate value), or pass max_nodes=None if you really want all of it"
            )
        for parent in parents:
            if parent not in seen:
                seen.add(parent)
                if len(seen) > max_nodes:
                    raise ValueError(
                        f"the graph has more than max_nodes={max_nodes} values (counting stopped there), "
                        "too many to lay out and read. Draw a smaller sub-graph (call draw_dot on an "
                        "intermediate value), or pass max_nodes=None if you really want all of it"
                    )
                stack.append(parent)
