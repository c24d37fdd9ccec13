"""The engine's hot paths: general rules, written out for the cases that run for
nearly every node of a network.

Nothing here is new mathematics. Each function does what a general rule
elsewhere does, for its commonest case, with the rule's calls written in place;
anything else goes to the general rule. tests/test_speed_paths.py checks that each
builds the same nodes, or the same gradients, bit for bit, as the rule it copies:

    here                               the general rule it copies
    add / mul / relu of Values         the op's `apply` (op.py) on its row (primitives.py)
    a running sum() as one node        one `+` node per term (the add row)
    dot of Values                      `fused._dot`
    backward without step records      `walk._chain_rule`

Why they are worth their lines is measured in tests/benchmarks (the README's
benchmark section). This module imports nothing from the engine: the engine
hands each factory what it needs, so no import loop is added.
"""

from __future__ import annotations

import dis
import operator
import sys

# ---- add, mul and relu of Values ------------------------------------------------
# Two Values need no lifting, these rows have no domain, and a finite result needs
# no checking beyond `out - out == 0.0` (0.0 unless out is nan or ±inf). The rule's
# forward and local derivatives are written in place of the calls: x * y and (y, x)
# for mul. Anything else (a plain number, an overflow) takes the op's general apply.


def written_out_ops(Value, add, mul, relu):
    """The `apply` of the add, mul and relu rows, written out (see above)."""
    general_add, general_mul, general_relu = add.apply, mul.apply, relu.apply
    new = object.__new__

    def node(data, op, parents, local_grads):  # engine.value._node, in place
        made = new(Value)
        made.data, made.grad, made.label, made.op = data, 0.0, "", op
        made.parents, made.local_grads = parents, local_grads
        return made

    def mul_of_values(a, b):
        if type(a) is Value and type(b) is Value:
            x, y = a.data, b.data
            out = x * y
            if out - out == 0.0:
                made = new(Value)  # `node`'s lines, in place: this runs for most nodes of a network
                made.data, made.grad, made.label, made.op = out, 0.0, "", mul
                made.parents, made.local_grads = (a, b), (y, x)
                return made
        return general_mul(a, b)

    def add_of_values(a, b):
        if type(b) is Value:
            total_unseen, term_unseen = getrefcount(a) == _UNSEEN, getrefcount(b) == _UNSEEN
            if (total_unseen or term_unseen or type(a) is int) and _asked_by_a_function_call():
                folded = _running_sum(a, b, total_unseen, term_unseen, add, mul, node)
                if folded is not None:
                    return folded
            if type(a) is Value:
                out = a.data + b.data
                if out - out == 0.0:
                    return node(out, add, (a, b), _ONES[2])
        return general_add(a, b)

    def relu_of_a_value(a):
        if type(a) is Value:
            x = a.data
            if x > 0:
                return node(x, relu, (a,), _ONES[1])
            if x <= 0:
                return node(0.0, relu, (a,), _ZERO)
        return general_relu(a)  # a number, or a nan set by hand (the general steps name it)

    return add_of_values, mul_of_values, relu_of_a_value


_ZERO = (0.0,)

# ---- A running sum is one node ----------------------------------------------------
# Builtin `sum(values)` computes 0 + v0, then (0 + v0) + v1, then ... : a chain of
# `+` nodes, each partial sum a node of its own that only `sum()` ever holds and
# that is dropped the moment the next `+` is done. Nobody can see those partial
# sums, so they need not be nodes: the running total is kept as ONE node, and
# each `+` appends the next term to it, in place:
#
# - a Σ node (the node `add_all` makes): one parent per term, local derivative 1;
# - a Σw·x node when the terms are products nobody else sees either, as in
#   `sum(w * x for w, x in zip(ws, xs))` or micrograd's `sum((wi*xi ...), self.b)`:
#   the products are not kept as nodes; their parents join the total in pairs
#   (w0, x0, w1, x1, ...) with their local derivatives (x0, w0, x1, w1, ...) - the
#   chain rule through a product that only passes its gradient on: ∂total/∂w = 1 × x.
#   A first term that is not a product (micrograd's bias) comes first, with local
#   derivative 1, so the node has an odd number of parents (fused.SUM_OF_PRODUCTS).
#
# It is exactly the chain's arithmetic: the data is the same floats added in the
# same order (total.data + term.data, term by term, each product made by the mul
# row), and each local derivative is the chain's times 1.0, which is exact, so every
# gradient receives the same contributions. What changes is the graph: one node per
# sum instead of a node per term (microgpt's model: about 56,000 nodes become about
# 7,000), so far fewer nodes to keep, sort and walk.
#
# A `+` is folded only when all of these hold (otherwise it is the add row):
# - the total is a `+`, Σ or Σw·x node an op made, or the term is a product an op
#   made; the term is a `Value`;
# - nothing else holds the total (nor, to drop a product, that product): its
#   reference count is that of a temporary (measured below, once, on this Python;
#   where a temporary cannot be told from a named variable, as with Python 3.14's
#   borrowed references, nothing is ever folded);
# - the `+` was asked for by a function the code called (sum(), functools.reduce),
#   not written as `+` in the code: `x1*w1 + x2*w2 + b` stays the `*` and `+` nodes
#   a student wrote and expects to see;
# - the total has fewer than MOST_TERMS parents (each fold copies the parents
#   tuple, so a very long sum() goes on in a fresh node instead of growing one).

getrefcount = sys.getrefcount
MOST_TERMS = 256
_ONES = tuple((1.0,) * n for n in range(MOST_TERMS + 2))  # shared: Σ's local derivatives
_CALLS = frozenset(dis.opmap[name] for name in ("PRECALL", "CALL", "CALL_FUNCTION_EX", "CALL_KW") if name in dis.opmap)
SUM, SUM_OF_PRODUCTS = "Σ", "Σw·x"  # the ops of the nodes a running sum makes (fused.py's, below)


def running_sums_make(sum_op, sum_of_products_op) -> None:
    """Use fused.py's ops (which also know their derivative rules, written on Values) for
    the nodes a running sum makes: Σ (every local derivative 1) and Σw·x (parents in
    pairs (w0, x0, w1, x1, ...), local derivatives (x0, w0, x1, w1, ...), a plain first
    term before them when their number is odd; data first + w0·x0 + w1·x1 + ..., left
    to right)."""
    global SUM, SUM_OF_PRODUCTS
    SUM, SUM_OF_PRODUCTS = sum_op, sum_of_products_op


def _running_sum(total, term, total_unseen: bool, term_unseen: bool, add, mul, node):
    """`total + term` inside a running sum: the total grown in place, or a new Σ or
    Σw·x node begun; None where the add row must make the node."""
    if type(total) is int and total == 0:  # sum()'s starting 0: the first term alone
        total_unseen, data = False, 0 + term.data  # (0 + x is x, but -0.0 becomes 0.0)
    elif type(total) is type(term):
        data = total.data + term.data  # the add row's forward, on the same two floats
    else:
        return None
    if data - data != 0.0:  # nan or ±inf: the add row names the problem
        return None
    product = term_unseen and term.op is mul  # its parents can join the total in a pair
    if total_unseen and len(total.parents) < MOST_TERMS:
        if total.op is SUM_OF_PRODUCTS and product:
            total.parents += term.parents            # (w, x)
            total.local_grads += term.local_grads    # (x, w): ∂total/∂w = 1 × ∂product/∂w
            total.data = data
            return total
        if total.op is SUM or total.op is add:  # a Σ node, or a `+` node becoming one
            total.parents += (term,)
            total.local_grads = _ONES[len(total.parents)]
            total.data, total.op = data, SUM
            return total
    if type(total) is int:  # the first term: a sum of products, or of terms, begins
        if product:
            term.data, term.op = data, SUM_OF_PRODUCTS  # the product nobody sees becomes the total
            return term
        return node(data, SUM, (term,), _ONES[1])
    if product:  # a sum of products begins; what came before is its first pair, or a plain first term
        if total_unseen and total.op is mul:
            return node(data, SUM_OF_PRODUCTS, total.parents + term.parents, total.local_grads + term.local_grads)
        return node(data, SUM_OF_PRODUCTS, (total,) + term.parents, (1.0,) + term.local_grads)
    return None


def _asked_by_a_function_call() -> bool:
    """Is the `+` in progress being done for a function the code called (sum(), reduce()),
    rather than written as `+`? Frame 0 is this check, 1 the add row, 2 `Value.__add__`
    (or `__radd__`), 3 the code that asked for the `+`: it is stopped either at a call
    instruction or at the `+` itself."""
    try:
        frame = sys._getframe(3)
    except ValueError:  # no Python code asked (C code embedding Python): leave it alone
        return False
    return frame.f_code.co_code[frame.f_lasti] in _CALLS


class _Probe:
    """An operand shaped like a `Value` in `Value.__add__` -> the add row, to count references."""

    def __add__(self, other):
        return _counts(self, other)

    def __radd__(self, other):
        return _counts(other, self)


def _counts(a, b) -> tuple[int, int]:
    return getrefcount(a), getrefcount(b)


def _temporary_count() -> int:
    """The reference count the add row sees for an operand nobody else holds; -1
    (matches nothing) where an operand held by a variable looks the same."""
    named = _Probe()
    total, term = _Probe() + _Probe()
    _, first_term = 0 + _Probe()
    named_total, _ = named + _Probe()
    _, named_term = _Probe() + named
    if total == term == first_term < min(named_total, named_term):
        return total
    return -1


_UNSEEN = _temporary_count()


# ---- dot of Values ---------------------------------------------------------------


def written_out_dot(make_node, finite, op):
    """`fused._dot`'s steps for its commonest case: every weight and input is a
    `Value` (a hidden layer, an attention row), so every one is a parent and no
    number needs checking."""
    data = operator.attrgetter("data")
    times = operator.mul

    def dot_of_values(weights: tuple, inputs: tuple, bias):
        w_data, x_data = list(map(data, weights)), list(map(data, inputs))
        total = sum(map(times, w_data, x_data))
        parents, local_grads = weights + inputs, x_data + w_data  # ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ
        if bias is not None:
            parents += (bias,)
            local_grads.append(1.0)
            total += bias.data
        if type(total) is not float or total - total != 0.0:  # no terms at all (0), or not finite
            total = finite(total, "dot", w_data + x_data)
        return make_node(total, op, parents, tuple(local_grads))

    return dot_of_values


# ---- backward without step records -------------------------------------------------


def backward_without_records(root, grad: float, order: list, by_the_policy) -> None:
    """`walk._chain_rule` without its step records: the same walk, so
    no positions or indices to count, and a node with a zero gradient (every
    contribution would be 0) or no parents skipped."""
    for node in order:
        if node.parents:  # interior gradients are recomputed; leaves accumulate
            node.grad = 0.0
    root.grad += grad
    for node in reversed(order):
        upstream = node.grad
        if upstream == 0.0 or not node.parents:
            continue  # nothing to pass back: every contribution would be 0, or there is no parent
        for parent, local in zip(node.parents, node.local_grads):
            after = parent.grad + local * upstream
            if after - after != 0.0:  # nan or ±inf: the policy decides (and names the edge)
                position = _position(node, parent, local)
                after = by_the_policy(node, parent, position, local, upstream, parent.grad)[1]
            parent.grad = after


def _position(node, parent, local: float) -> int:
    """Which of `node`'s edges leads to `parent` with this local derivative (for error messages)."""
    for position, (p, g) in enumerate(zip(node.parents, node.local_grads)):
        if p is parent and (g == local or g != g):
            return position
    return node.parents.index(parent)
