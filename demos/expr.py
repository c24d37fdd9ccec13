"""Any formula, without writing Python: its value, every gradient, the backward steps.

    python -m demos expr "tanh(x1*w1 + x2*w2 + b)" --at x1=2,x2=0,w1=-3,w2=1,b=6.8813735870195432
    python -m demos expr "x*y" --at x=4,y=-3 --out out/xy --html out/xy.html --step --wrt x

The formula is read by `engine.parse` (never run as Python). Printed: the value,
the gradient of the result with respect to every name (or the `--wrt` ones), each
backward step, and a gradcheck verdict (central differences against backward).
`--out DIR` also draws the graph (graph.png) and one frame per backward step
(frames/, for up to FILMED_STEPS steps); `--html FILE` writes the step-through page; `--step` pauses at each
step. Exit status: 0 when gradcheck agrees, 1 when it does not (or a gradient
is not a number at that point, like sqrt's at 0), 2 for a bad formula or
command line (the message points at the problem).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import textwrap
import unicodedata
from pathlib import Path
from typing import Optional, Sequence, TextIO

import engine
from engine import FormulaError, Value
from engine.files import check_target
from engine.names import visible
from engine.parse import Formula

from .session import PRINTED_STEPS, Options, Quit, Session

#: Terminal width the printed lines are wrapped to.
WIDTH = 80
#: The most values a graph may have for --out and --html (viz's own limit for a readable picture).
DRAWN_VALUES = 500
#: The most backward steps drawn one frame each with --out (each frame is one
#: Graphviz run: a few hundred would take minutes); above it, graph.png only.
FILMED_STEPS = 100


class UsageError(Exception):
    """A command-line mistake: printed, then exit status 2."""


class NoGradient(Exception):
    """Backward met a gradient that is not a number at this point (sqrt at 0):
    printed, then exit status 1, as when gradcheck disagrees."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m demos expr",
        description="A formula's value, gradients and backward steps, checked by central differences.",
        epilog='example: python -m demos expr "tanh(x1*w1 + x2*w2 + b)" '
               "--at x1=2,x2=0,w1=-3,w2=1,b=6.8813735870195432",
    )
    p.add_argument("formula", help="numbers, names, + - * / **, parentheses, exp log tanh sigmoid relu sqrt abs ...")
    p.add_argument("--at", action="append", default=[], metavar="NAME=NUMBER,...",
                   help="the value of every name in the formula, e.g. x=4,y=-3")
    p.add_argument("--wrt", metavar="NAME,...", help="only the gradients with respect to these names")
    p.add_argument("--out", type=Path, metavar="DIR", help="draw the graph and one frame per backward step here")
    p.add_argument("--html", type=Path, metavar="FILE", help="write the step-through page here")
    p.add_argument("--step", action="store_true", help="pause for Enter at each backward step (b goes back, q quits)")
    return p


def formula_last(argv: list[str]) -> list[str]:
    """A formula may start with a minus (`-x*y`), which argparse would take for an option:
    the only options are --NAME and -h, so such an argument goes last, after `--`."""
    formulas = [a for a in argv if a[:1] == "-" and a[:2] != "--" and a != "-h"]
    if len(formulas) != 1 or "--" in argv:
        return argv
    return [a for a in argv if a is not formulas[0]] + ["--", formulas[0]]


def values_at(texts: Sequence[str]) -> dict[str, float]:
    """`["x=4,y=-3"]` -> {"x": 4.0, "y": -3.0}; a malformed pair is a `UsageError`."""
    values: dict[str, float] = {}
    for text in texts:
        for pair in filter(None, (part.strip() for part in text.split(","))):
            name, equals, number = (s.strip() for s in pair.partition("="))
            if not equals or not name:
                raise UsageError(f"--at {pair!r}: write NAME=NUMBER, e.g. --at x=4,y=-3")
            if not name.isidentifier():
                raise UsageError(f"--at {pair!r}: {name!r} is not a name")
            if unicodedata.normalize("NFKC", name) != name:  # as Python's parser reads the formula's names
                raise UsageError(f"--at {shown(pair)}: Python reads the name {shown(name)} as "
                                 f"{shown(unicodedata.normalize('NFKC', name))} (Unicode NFKC normalisation); "
                                 "write it that way")
            if name in values:
                raise UsageError(f"--at gives {name} twice")
            try:
                x = float(number)
            except ValueError:
                raise UsageError(f"--at {pair!r}: {number!r} is not a number") from None
            if not math.isfinite(x):
                raise UsageError(f"--at {pair!r}: the value must be a finite number")
            values[name] = x
    return values


def wrt_names(text: Optional[str], values: dict[str, float]) -> list[str]:
    """The names to differentiate with respect to: `--wrt`'s, checked, or all of them."""
    if text is None:
        return list(values)
    names = [name.strip() for name in text.split(",") if name.strip()]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise UsageError(f"--wrt gives {shown(', '.join(twice))} twice")
    unknown = [name for name in names if name not in values]
    if unknown or not names:
        raise UsageError(f"--wrt {text!r}: {shown(', '.join(unknown)) or 'no names'} not among the --at names "
                         f"({', '.join(values) or 'none'})")
    return names


def shown(text: str, limit: int = sys.maxsize) -> str:
    """`text` (a formula, or part of one) as printed: line breaks and tabs as spaces,
    every other control character as a visible escape (so a comment cannot carry
    ESC or BEL to the terminal), cut to `limit` characters."""
    return visible(text.translate(_SPACES), limit=limit)


def shortest(x: float) -> str:
    """The shortest text that reads back as exactly `x` (`2`, `-1.5`, `6.881373587019543`)."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


#: Whitespace that the echo shows as a space (textwrap's own list).
_SPACES = {ord(ch): " " for ch in "\t\n\x0b\x0c\r"}
#: The most lines a formula is echoed on before its middle is left out.
FORMULA_LINES = 3
#: Where a shortened formula may be cut: a space or an operator.
BETWEEN_TOKENS = " +-*/,()"


def _has_definitions(formula: str) -> bool:
    """Whether the formula starts with a definition (`n = x*w + b; o = sigmoid(n)`) rather
    than being one expression. (Read by eye, not parsed: the formula is parsed once.)"""
    return _DEFINITION.match(formula) is not None


_DEFINITION = re.compile(r"\s*[^\W\d]\w*\s*=(?!=)")


def formula_lines(name: str, formula: str) -> list[str]:
    """`name = formula`, echoed within WIDTH columns: wrapped at its spaces, or,
    when that does not fit in FORMULA_LINES lines (a long formula written without
    spaces), its start and end with an ellipsis between, and a line saying so."""
    written = shown(formula)  # (line breaks as spaces, as textwrap would take them anyway)
    # "n = x*w + b; o = sigmoid(n)" names its own result: `o = n = ...` would read as one chain
    lead = "" if _has_definitions(formula) else f"{name} = "
    lines = textwrap.wrap(f"{lead}{written}", WIDTH, subsequent_indent="    ",
                          break_long_words=False, break_on_hyphens=False)
    if len(lines) <= FORMULA_LINES and all(len(line) <= WIDTH for line in lines):
        return lines
    text = " ".join(written.split())
    keep = (WIDTH - len(f"{lead} … ")) // 2
    head, tail = text[:keep], text[-keep:]
    # cut between tokens where there is a space or an operator near the cut
    cut = max(head.rfind(c) for c in BETWEEN_TOKENS)
    head = head[:cut + 1].rstrip() if cut > keep // 2 else head
    cut = min((i for i in (tail.find(c) for c in BETWEEN_TOKENS) if i >= 0), default=-1)
    tail = tail[cut:].lstrip() if 0 <= cut < keep // 2 else tail
    return [f"{lead}{head} … {tail}",
            f"    (the formula has {len(formula)} characters; the middle is left out here)"]


def say_wrapped(session: Session, text: str, indent: str) -> None:
    """Print `text` wrapped to WIDTH columns, continuation lines indented a little more.

    A step's result (`→  x.grad = -3`) that does not fit goes whole onto a line of its own."""
    more = indent + "      "
    head, arrow, result = text.partition("  →  ")
    if len(indent + text) <= WIDTH or not arrow:
        head, result = text, ""
    lines = textwrap.wrap(head, WIDTH, initial_indent=indent, subsequent_indent=more,
                          break_long_words=False, break_on_hyphens=False)
    if result:
        lines += textwrap.wrap("→  " + result, WIDTH, initial_indent=more, subsequent_indent=more,
                               break_long_words=False, break_on_hyphens=False)
    for line in lines:
        session.say(line)


def run(text: str, values: dict[str, float], wrt: list[str], session: Session, highlight: bool = False) -> bool:
    """Build the graph of the formula `text` at `values`, print and draw it; True when gradcheck agrees.

    With `highlight`, the `wrt` names are coloured as parameters in the pictures."""
    formula = Formula(text)  # read once: the graph and the gradcheck both use it
    leaves = {name: Value(x, name) for name, x in values.items()}
    root = formula.build(leaves)
    order = engine.topological_order(root)
    if len(order) > DRAWN_VALUES and (session.options.render or session.options.html):
        raise UsageError(f"the graph has {len(order)} values, too many to draw: --out and --html take\n"
                         f"graphs of up to {DRAWN_VALUES} values. Leave them out to see the numbers.")
    f = root.label
    session.main_graph = root
    session.main_parameters = [leaves[name] for name in wrt] if highlight else []
    for line in formula_lines(f, text):
        session.say(line)
    say_wrapped(session, "at " + ", ".join(f"{name} = {shortest(x)}" for name, x in values.items()), "")
    session.say(f"\nvalue: {f} = {root.data:.10g}   (to 10 significant digits)")

    try:
        edges = sum(len(node.parents) for node in order)
        if edges <= FILMED_STEPS:
            session.frames(root)  # its own pass from zero: the pictures show one backward pass
        elif session.options.render:
            session.say(f"({edges} backward steps: too many to draw a frame each, so --out draws "
                        f"graph.png only; frames are drawn for up to {FILMED_STEPS} steps)")
        engine.zero_grad(root)  # so the printed pass starts from zero too, whatever the pictures did
        session.say()
        if edges > PRINTED_STEPS and not session.options.step:
            session.fresh_backward(root)
            session.say(f"backward pass: {edges} steps, one per edge, in reverse topological order")
            session.say("  (too many to print; --step prints them one at a time)")
        else:  # the demos' own printing: the steps the frames show, each frame named with --step
            session.step_through(root)
    except (OverflowError, ValueError) as problem:  # a gradient that is not a number here
        raise NoGradient(str(problem)) from problem

    session.heading(f"gradients of {f} (to 10 significant digits)")
    for name in wrt:
        session.say(f"  ∂{f}/∂{name} = {leaves[name].grad:.10g}")
    session.render(root, "graph.png")
    return gradcheck(formula, values, wrt, session)


def gradcheck(formula: Formula, values: dict[str, float], wrt: list[str], session: Session) -> bool:
    """Central differences for every `wrt` name, against backward; prints the table and a verdict.

    backward runs on one graph; the differences use `Formula.value_at`, which
    recomputes only what a moved name reaches, without a graph per point."""
    if not wrt:
        session.say("\ngradcheck: the formula has no names, so there is nothing to differentiate")
        return True
    session.heading("gradcheck: central differences against backward")
    others = {name: x for name, x in values.items() if name not in wrt}

    def f(*xs: Value) -> Value:
        return formula.build({**others, **dict(zip(wrt, xs))})

    try:
        report = engine.gradcheck(f, [Value(values[name], name) for name in wrt],
                                  value_at=formula.value_at(wrt, values))
    except engine.GradcheckError as mismatch:
        report = mismatch.report
    except ValueError as problem:  # f cannot be evaluated on either side of a name's value
        session.say(f"  cannot check: {getattr(problem, 'problem', problem)}")
        return False
    session.say(textwrap.indent(str(report), "  "))
    worst = max(row.error for row in report.rows)
    if report.ok:
        which = "the gradient agrees" if len(report.rows) == 1 else f"all {len(report.rows)} gradients agree"
        session.say(f"{session.checks.tick} {which} with central differences (largest |diff| {worst:.1e})")
    else:
        bad = [row for row in report.rows if not row.ok]
        names = ", ".join(row.label for row in bad)
        if all(row.why == "rounding" for row in bad):
            head = f"central differences cannot check {names}: numerically unreliable"
        else:
            head = f"gradients DISAGREE with central differences for {names}"
        say_wrapped(session, f"{session.checks.cross} {head} ({why_they_differ(bad)})", "")
    return report.ok


def why_they_differ(bad_rows) -> str:
    """The likely reason for each disagreement, as engine.gradcheck read it from the
    numbers (`GradcheckRow.why`): a domain edge (like x**x or sqrt at 0: f stops on
    one side), rounding (cancellation in f swamps the difference), a kink (a corner,
    like relu or abs at 0, within the step), or a mismatch where f is smooth."""
    groups: dict[str, list] = {}
    for row in bad_rows:
        groups.setdefault(row.why, []).append(row)

    def who(rows, always: bool = False) -> str:
        if not always and len(groups) == 1:
            return ""
        return f"{', '.join(row.label for row in rows)} {'is' if len(rows) == 1 else 'are'} "

    reasons = []
    if "domain edge" in groups:
        reasons.append(f"{who(groups['domain edge'], always=True)}at the edge of an op's domain, where f cannot "
                       "be evaluated on one side: the one-sided difference and the engine's convention there differ")
    if "kink" in groups:
        reasons.append(f"{who(groups['kink'])}at a kink, like relu or abs at 0, or a bend too sharp for the "
                       "step: the two sides differ")
    if "rounding" in groups:
        rows = groups["rounding"]
        alone = len(groups) == 1  # then the headline has said "numerically unreliable" already
        worst = max(rows, key=lambda row: row.rounding)
        reasons.append(f"{'' if alone else who(rows) + 'numerically unreliable: '}rounding in f may move "
                       f"numeric by up to {worst.rounding:.1e} even at h = {worst.step:.1e}; that is "
                       "cancellation in f, not evidence against the gradient")
    if "mismatch" in groups:
        reasons.append(f"{who(groups['mismatch'])}where f is smooth: a derivative rule may be wrong")
    return "; ".join(reasons)


def main(argv: Sequence[str], stdin: Optional[TextIO] = None, out: Optional[TextIO] = None) -> int:
    """`python -m demos expr ...`; returns the exit status."""
    stdin, out = stdin or sys.stdin, out or sys.stdout
    args = parser().parse_args(formula_last(list(argv)))
    try:
        values = values_at(args.at)
        wrt = wrt_names(args.wrt, values)
        if args.out is not None:
            if args.out.exists() and not args.out.is_dir():
                raise UsageError(f"--out {str(args.out)!r} is a file, not a folder")
            try:  # asked for: made now, so --html may point into it
                args.out.mkdir(parents=True, exist_ok=True)
            except OSError as problem:
                raise UsageError(f"--out: cannot make the folder {str(args.out)!r}: "
                                 f"{problem.strerror or problem}") from None
        if args.html is not None:
            check_target(args.html)  # a bad path fails now, not after the work
    except (UsageError, OSError) as problem:
        out.write(f"{problem}\n")
        return 2
    options = Options(step=args.step, render=args.out is not None, out_dir=args.out, html=args.html)
    session = Session("expr", options, 0, stdin, out)
    try:
        ok = run(args.formula, values, wrt, session, highlight=args.wrt is not None)
    except FormulaError as problem:
        out.write(f"bad formula: {problem}\n")
        return 2
    except UsageError as problem:
        out.write(f"{problem}\n")
        return 2
    except NoGradient as problem:
        session.say(f"cannot differentiate {shown(args.formula, 60)} here: {problem}")
        return 1
    except Quit:
        out.write("\nquit.\n")
        return 0
    if args.html:
        import viz

        viz.stepper_html(session.main_graph, args.html, parameters=session.main_parameters,
                         title=f"stepgrad: {args.formula}")
        out.write(f"\nstep-through page: {args.html}\n")
    if len(session.pictures) > 1:
        out.write(f"\npictures: {session.out_dir}/graph.png and {session.out_dir}/frames/ "
                  f"({len(session.pictures) - 1} frames)\n")
    elif session.pictures:
        out.write(f"\npicture: {session.out_dir}/graph.png\n")
    if session.graphviz_missing:
        out.write("\nGraphviz is not installed, so the graph pictures were skipped.\n")
    return 0 if ok else 1
