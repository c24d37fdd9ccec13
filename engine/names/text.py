"""How a name or a number is written wherever a student reads it.

`number(x)`: the shortest faithful form (`-3`, `0.7071`, `1.235e+20`; never
`-0.0000`, never 300 digits). `visible(text)`: a user's label with every invisible
character shown as an escape. `operand(text)`: a name as it goes inside a bigger
expression, bracketed unless it reads as one thing (`2·(ŷ−y)`, `(ŷ−y).grad`).

Standard library only, like the rest of the engine.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
import unicodedata

from ..core import Value

#: Longest label shown whole; longer ones are cut and end in "…".
MAX_LABEL = 32

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


#: A plain number ≥ 0 as `number` writes it: 3, 0.7071, 1.235e+20, inf.
_PLAIN_NUMBER = re.compile(r"(\d+(\.\d+)?(e[+-]\d+)?|inf|nan)")
#: Characters that may follow the letters of a name and keep it one token: x′, w₁, y².
_NAME_MARKS = "_'′″‴…:"


@lru_cache(maxsize=1 << 16)  # asked again for every edge a name takes part in
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
