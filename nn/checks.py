"""Checking what a user (or a file) hands to nn: each rule once, each refusal a
`ValueError` that names the argument and shows what was given, cut short.

Numbers may be any real number (int, float, numpy scalar, Fraction), never a
bool; a number too large for a float is refused, not an OverflowError later.
"""

from __future__ import annotations

from numbers import Integral

from engine import as_float


def cut(text: str, limit: int = 60) -> str:
    """`text`, shortened to `limit` characters."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def short(x) -> str:
    """repr(x), cut short: a message must stay readable whatever a file holds."""
    if isinstance(x, int) and not isinstance(x, bool) and x.bit_length() > 128:
        return f"<an integer of {x.bit_length()} bits>"  # (repr of a 5000-digit int is refused)
    return cut(repr(x), 40)


def some(names, limit: int = 5) -> str:
    """The first `limit` names, each cut short, and how many more there are."""
    names = list(names)
    shown = ", ".join(cut(str(name)) for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def is_finite_number(x) -> bool:
    """A real number (not a bool, not a `Value`) that a float holds finitely (10**400 does not):
    what `engine.as_float` accepts (it raises for the rest; nn's checks say ValueError)."""
    try:
        as_float(x)
    except (TypeError, ValueError):
        return False
    return True


def real_number(x, what: str, rule: str, allowed) -> float:
    """`x` as a float if it is a finite real number for which `allowed(value)` holds;
    else a ValueError saying `what` must be `rule`."""
    if not is_finite_number(x) or not allowed(float(x)):
        raise ValueError(f"{what} must be {rule}, got {short(x)}")
    return float(x)


def non_negative(x, what: str) -> float:
    """`x` as a float, checked to be a finite number >= 0."""
    return real_number(x, what, "a finite number >= 0", lambda v: v >= 0)


def unit_fraction(x, what: str) -> float:
    """`x` as a float, checked to lie in [0, 1)."""
    return real_number(x, what, "a number in [0, 1)", lambda v: 0 <= v < 1)


def positive_int(x, what: str) -> int:
    """`x` as an int, checked to be an integer (a numpy one too) >= 1."""
    if isinstance(x, bool) or not isinstance(x, Integral) or x < 1:
        raise ValueError(f"{what} must be a positive integer, got {short(x)}")
    return int(x)


def flag(x, what: str) -> bool:
    """A real bool: a file's "false" is a non-empty string, and truthy, so it is refused, not obeyed backwards."""
    if not isinstance(x, bool):
        raise ValueError(f"{what} must be True or False, got {short(x)}")
    return x


def choice(x, options, what: str) -> str:
    """`x`, checked to be one of `options`."""
    if x not in options:
        raise ValueError(f"{what} must be one of {', '.join(map(repr, options))}; got {short(x)}")
    return x
