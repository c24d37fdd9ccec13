"""What a node is called, and how its numbers and steps are written, everywhere.

Pictures, step-through pages, captions, demos and generated code all name the
nodes of a graph the same way, from here:

- a value with a label is its label (`x1`, `w2`, `loss`);
- a constant (a leaf without a label, like the 2 in `2 * x`) is its number;
- an unlabelled result is the short expression that made it, `(x1·w1)`,
  `tanh(n)`, when that is short and unique; otherwise `v<i>`, with i its
  position in the topological order (the same i as in the picture's ids).

Numbers are written once, the same way everywhere (`number`): `-3`, `0.7071`,
`1.235e+20`; never `-0.0000`, never 300 digits.

Standard library only, like the rest of the engine.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Callable, Iterable, Optional

from .value import Value

#: Longest label shown whole; longer ones are cut and end in "…".
MAX_LABEL = 32
#: Longest sub-expression used as a name; a longer one becomes `v<i>`.
MAX_EXPRESSION = 16

#: How an op is shown, where its recorded symbol is not what a blackboard writes.
DISPLAY_SYMBOLS = {"*": "×", "mul": "×", "-": "−"}
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0"}


def number(x: float) -> str:
    """`x` in its shortest faithful form: at most 4 decimals (4 significant
    digits below 1), no trailing zeros, never `-0`; scientific notation
    outside 1e-4 ≤ |x| < 1e6, so a huge value never fills a box. A `Value`
    (a gradient after `backward(create_graph=True)`) is written by its number."""
    x = x.data if isinstance(x, Value) else float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    size = abs(x)
    if size == 0.0:
        return "0"
    if 1e-4 <= size < 1e6:
        text = f"{x:.4f}" if size >= 1 else f"{x:.4g}"
        if "e" not in text and "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "0") else text
    mantissa, exponent = f"{x:.4g}".split("e") if "e" in f"{x:.4g}" else (f"{x:.4g}", "0")
    return f"{mantissa}e{int(exponent):+d}"


def visible(text: str, limit: int = MAX_LABEL) -> str:
    """`text` (a user's label or op name) with every invisible or unprintable
    character written as a visible escape (tab as `\\t`, ESC as `\\x1b`, a lone
    surrogate as `\\ud800`), and cut to `limit` characters with `…`."""
    out = []
    for char in str(text):
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
            continue
        code = ord(char)
        category = unicodedata.category(char)
        noncharacter = 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE
        if category in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp") or noncharacter or (
                category == "Cf" and char not in "\u200d"):
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    shown = "".join(out)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def op_symbol(op: str) -> str:
    """How an op is written in pictures and captions (`*` as `×`, `-` as `−`,
    `**2` as `²`: the symbols of the names and labels beside it), made visible."""
    return visible(DISPLAY_SYMBOLS.get(op, None) or power_symbol(op) or op, limit=16) if op else ""


def power_symbol(op: str) -> str:
    """`**n` for a whole n from -9 to 9 as a superscript (`²`, `⁻¹`), else ""."""
    if not op.startswith("**"):
        return ""
    exponent = op[2:]
    if exponent.lstrip("-").isdigit() and len(exponent.lstrip("-")) == 1:
        return exponent.translate(_SUPERSCRIPTS)
    return ""


def is_constant(node: Value, parameters: Iterable[Value] = ()) -> bool:
    """A leaf without a label that is not a parameter: a plain number in the graph
    (the 2 in `2 * x`). It is shown as its number and gets no gradient step."""
    return not node.parents and not node.label and node not in set(parameters)


def node_names(order: list[Value], parameters: Iterable[Value] = ()) -> dict[Value, str]:
    """The one display name of every node in `order` (a topological order,
    every node after its parents): see the module docstring."""
    params = set(parameters)
    names: dict[Value, str] = {}
    taken: set[str] = set()
    for node in order:
        if node.label:
            name = visible(node.label)
        elif not node.parents:
            name = number(node.data) if node not in params else ""
        else:
            name = _expression(node, names)
            if len(name) > MAX_EXPRESSION or name in taken:
                name = ""
        names[node] = name
        taken.add(name)
    for i, node in enumerate(order):
        if not names[node]:
            names[node] = f"v{i}"
    return names


def _expression(node: Value, names: dict[Value, str]) -> str:
    """`node` written as its op applied to its parents' names: (a·b), (a+b), tanh(a)."""
    args = [names.get(p) or "?" for p in node.parents]
    if "?" in args:
        return ""
    args = [operand(a) for a in args]  # x + (-1), not x+-1
    op = node.op
    if op in ("*", "mul") and len(args) == 2:
        return f"({args[0]}·{args[1]})"
    if op in ("+", "-", "/", "**") and len(args) == 2:
        return f"({args[0]}{op_symbol(op) if op == '-' else op}{args[1]})"
    if op == "-" and len(args) == 1:
        return f"(−{args[0]})"
    if op.startswith("**") and len(args) == 1:
        return f"({args[0]}{power_symbol(op) or op})"
    return f"{op_symbol(op)}({', '.join(_unbracketed(a) for a in args)})"


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


#: A plain number ≥ 0 as `number` writes it: 3, 0.7071, 1.235e+20, inf.
_PLAIN_NUMBER = re.compile(r"(\d+(\.\d+)?(e[+-]\d+)?|inf|nan)")
#: Characters that may follow the letters of a name and keep it one token: x′, w₁, y².
_NAME_MARKS = "_'′″‴…:"


def is_token(text: str) -> bool:
    """Whether `text` reads as ONE thing wherever it is put: a name like `x1`,
    `w₁`, `ŷ`, `x′`, `layers.0.w.2`, `W1[0,1]`, a call `tanh(n)`, something
    already in brackets `(a+b)`, or a plain number ≥ 0. `ŷ−y`, `-3`, `(y0−Y)²`
    and `a b` are not: beside an operator they must be bracketed (`operand`)."""
    if not text:
        return False
    if _PLAIN_NUMBER.fullmatch(text):
        return True
    if text[0] == "(":
        return _closing_bracket(text, 0) == len(text) - 1
    i = 0
    while i < len(text) and _name_char(text[i]):
        i += 1
    if i == 0 or not (text[0].isalpha() or text[0] == "_" or unicodedata.category(text[0]) == "No"
                      or text[0].isdigit()):
        return False
    while i < len(text):  # what may follow a name: an index W[0,1], a call tanh(n), a field .w
        if text[i] in "[(":
            end = _closing_bracket(text, i)
            if end < 0:
                return False
            i = end + 1
        elif text[i] == "." and i + 1 < len(text) and _name_char(text[i + 1]):
            i += 1
            while i < len(text) and _name_char(text[i]):
                i += 1
        else:
            return False
    return True


def _name_char(char: str) -> bool:
    """A letter, digit (also ₁ and ²), combining accent or prime: part of one name."""
    return char.isalnum() or char in _NAME_MARKS or unicodedata.category(char) in ("Mn", "Mc", "No", "Lm")


def _closing_bracket(text: str, start: int) -> int:
    """Where the bracket opened at `start` closes (-1 if it does not)."""
    pairs = {"(": ")", "[": "]"}
    depth, opener, closer = 0, text[start], pairs[text[start]]
    for i in range(start, len(text)):
        if text[i] == opener:
            depth += 1
        elif text[i] == closer:
            depth -= 1
            if depth == 0:
                return i
    return -1


def operand(text: str) -> str:
    """A name or number as it is written inside a bigger expression: as it is
    when it is one token (`x1`, `0.5`, `tanh(n)`), else in brackets, so that
    `2·(ŷ−y)`, `∂(ŷ−y)`, `(ŷ−y).grad` and `2 × (-3)` read right."""
    return text if is_token(text) else f"({text})"


def _factor(text: str) -> str:
    """A formula as one factor of a product: `(1 - o**2) × 0.5`, `(-1) × 0.5`."""
    return f"({text})" if text.startswith("-") or " " in text else text


def local_formula(node: Value, k: int, name: Callable[[Value], str]) -> Optional[tuple[str, list[Value]]]:
    """∂node/∂(its k-th parent) written with names, and the nodes whose numbers it
    reads: for o = a·b, k = 0 gives ("b", [b]). None when the op has no rule here
    (a student's own op): the caption then shows the number only."""
    op, parents = node.op, node.parents
    def name_in(value: Value) -> str:  # a name inside the formula: bracketed unless one token
        return operand(name(value))

    o = name_in(node)
    if op in ("+", "Σ"):
        return "1", []
    if op == "-":
        return ("-1", []) if len(parents) == 1 or k == 1 else ("1", [])
    if op in ("*", "mul") and len(parents) == 2:
        other = parents[1 - k]
        return name_in(other), [other]
    if op == "/" and len(parents) == 2:
        if k == 0:
            return f"1/{name_in(parents[1])}", [parents[1]]
        return f"-{o}/{name_in(parents[1])}", [node, parents[1]]
    if op.startswith("**") and len(parents) == 1:
        try:
            n = float(op[2:])
        except ValueError:
            return None
        a = name_in(parents[0])
        if n == 2:
            return f"2·{a}", [parents[0]]
        power = power_symbol(f"**{number(n - 1)}")
        return f"{number(n)}·{a}{power or '**' + operand(number(n - 1))}", [parents[0]]
    if op == "**" and len(parents) == 2:
        a, b = name_in(parents[0]), name_in(parents[1])
        if k == 0:
            return f"{b}·{a}**({b}−1)", [parents[1], parents[0]]
        return f"{o}·log({a})", [node, parents[0]]
    if op in ("Σw·x+b", "Σw·x"):  # dot, sum of products: ∂/∂wᵢ is the xᵢ it multiplies (and back)
        local = node.local_grads[k]
        for j, partner in enumerate(parents):
            if j != k and partner.data == local and node.local_grads[j] == parents[k].data:
                return name_in(partner), [partner]
        return number(local), []  # a bias or lone term (1), or a partner that is a plain number
    single = len(parents) == 1
    rules = {
        "exp": (o, [node]),
        "log": (f"1/{name_in(parents[0])}", list(parents)),
        "sqrt": (f"0.5/{o}", [node]),
        "tanh": (f"1 − {o}²", [node]),
        "σ": (f"{o}·(1 − {o})", [node]),
        "sigmoid": (f"{o}·(1 − {o})", [node]),
        "abs": (f"sign({name_in(parents[0])})", list(parents)),
    }
    if single and op in rules:
        return rules[op]
    return None


#: The fused sums (engine.fused): one node for many terms.
FUSED_SUMS = ("Σ", "Σw·x", "Σw·x+b")


def fused_terms(node: Value) -> tuple[list[tuple], float]:
    """The terms a fused sum node (`add_all`, `dot`, a folded `sum()` of products)
    adds up, and the plain number it adds besides (a bias or start given as a number):
    each term is `(value,)` for a term taken as it is (a bias), or `(value, partner)`
    for a product, the partner a `Value` or the plain number it was multiplied by.
    The terms' numbers add up to `node.data` (up to rounding)."""
    parents, local_grads = node.parents, node.local_grads
    terms: list[tuple] = []
    if node.op == "Σ":
        terms = [(p,) for p in parents]
    elif node.op == "Σw·x":  # parents in pairs (w, x), after a plain first term when odd
        first = len(parents) % 2
        terms = [(p,) for p in parents[:first]]
        terms += [(parents[i], parents[i + 1]) for i in range(first, len(parents) - 1, 2)]
    else:
        has_bias = getattr(node.op, "has_bias", None)
        if has_bias is None:  # a dot of Values: weights, inputs, then the bias if any
            has_bias = len(parents) % 2 == 1
        products = len(parents) - bool(has_bias)
        paired: set[int] = set()
        for k in range(products):
            if k in paired:
                continue
            partner = next((j for j in range(k + 1, products) if j not in paired
                            and parents[j].data == local_grads[k] and local_grads[j] == parents[k].data), None)
            if partner is None:
                terms.append((parents[k], local_grads[k]))  # its partner was a plain number
            else:
                paired.add(partner)
                terms.append((parents[k], parents[partner]))
        if has_bias:
            terms.append((parents[-1],))
    total = 0.0
    for term in terms:
        total += term[0].data * term_number(term[1]) if len(term) == 2 else term[0].data
    rest = node.data - total
    scale = sum(abs(term[0].data * term_number(term[1])) if len(term) == 2 else abs(term[0].data)
                for term in terms)
    return terms, (rest if abs(rest) > 1e-12 * max(1.0, scale) else 0.0)


def term_number(partner) -> float:
    """The number a fused-sum term's partner stands for: a `Value`'s data, or the plain number."""
    return partner.data if isinstance(partner, Value) else float(partner)


def fused_op_name(node: Value) -> str:
    """A fused sum's symbol as shown: `Σw·x+b` only when the dot has a bias."""
    if node.op != "Σw·x+b":
        return op_symbol(node.op)
    terms, rest = fused_terms(node)
    return "Σw·x+b" if rest or any(len(term) == 1 for term in terms) else "Σw·x"


def default_namer(node: Value) -> Callable[[Value], str]:
    """Names for one caption when none are given: those of `node`'s own graph."""
    from .walk import topological_order  # names need the walk; the walk needs names only for captions

    return node_names(topological_order(node)).__getitem__


def step_caption(step, name: Optional[Callable[[Value], str]] = None, before: Optional[float] = None,
                 position: Optional[int] = None) -> str:
    """What one backward step does, as a student writes it:

        w2.grad += ∂(x2·w2)/∂w2 × (x2·w2).grad = x2 × 0.5 = 0 × 0.5 = 0  →  w2.grad = 0 + 0 = 0

    `step` is an `engine.BackwardStep`; `name(value)` gives each node's name
    (by default `node_names` of the step's own graph); `before` is the parent's
    gradient before the step (by default the step's `parent_grad_before`);
    `position` is the parent's place among the node's parents (by default the
    step's `position`), which tells apart the two edges of `a * a`.
    """
    name = name or default_namer(step.node)
    n, p = operand(name(step.node)), operand(name(step.parent))
    if is_constant(step.parent) and name(step.parent) == number(step.parent.data):
        # a plain number of the graph: the engine passes it a share, but nobody keeps it
        return f"(constant {name(step.parent)} in {n}: no gradient kept)"
    local, up, contribution = number(step.local_grad), number(step.upstream), number(step.contribution)
    if position is None:
        position = step.position
    formula = local_formula(step.node, position, name)
    product = f"{operand(local)} × {operand(up)}"
    if formula is not None and formula[0] != local:
        product = f"{_factor(formula[0])} × {operand(up)} = {product}"
    if before is None:
        before = step.parent_grad_before
    total = f"{p}.grad = {number(before)} + {operand(contribution)} = {number(step.parent_grad)}"
    return f"{p}.grad += ∂{n}/∂{p} × {n}.grad = {product} = {contribution}  →  {total}"
