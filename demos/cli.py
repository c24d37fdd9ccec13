"""The command line: list the demos, run one, or take the tour.

    python -m demos                               the list, one line each
    python -m demos NAME [--step] [--out DIR] [--no-render] [--seed N] [--steps N] [--html FILE]
    python -m demos tour [--step] [--out DIR] [--no-render]

Exit status: 0 when every check passes, 1 when any disagrees, 2 for a
command-line mistake (an unknown demo, an output path that cannot be
written: every path is checked before the demo runs) or a demo whose
optional extra is not installed (to_pytorch without PyTorch).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence, TextIO

from engine.files import check_target

from . import registry
from .articles import ARTICLES
from .checks import wrap
from .session import Options, Quit, Session

#: The tour: two small graphs stepped through with a picture per step, then
#: a classifier trained with its plots.
TOUR = ("chain_rule", "neuron", "moons")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m demos",
        description="Run a worked example from the reference articles; without NAME, list them.",
    )
    p.add_argument("name", nargs="?", help="a demo's name, or 'tour' (what `make demo` runs)")
    p.add_argument("--step", action="store_true", help="pause for Enter at each backward step (b goes back, q quits)")
    p.add_argument("--out", type=Path, metavar="DIR", help="where pictures go (default out/NAME)")
    p.add_argument("--no-render", action="store_true", help="skip pictures (e.g. without Graphviz)")
    p.add_argument("--seed", type=int, metavar="N", help="random seed (default: the demo's own)")
    p.add_argument("--steps", type=_positive, metavar="N",
                   help="training steps for demos that train (default: the article's)")
    p.add_argument("--html", type=Path, metavar="FILE", help="also write a step-through page of the main graph")
    return p


def _positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def list_demos(out: TextIO) -> None:
    """Every demo with its one-line description and the article it reproduces,
    then the articles by title, author and link (as far as their texts give them)."""
    out.write("stepgrad demos (python -m demos NAME; python -m demos tour):\n\n")
    for name in registry.NAMES:
        number = registry.article_of(name)
        source = f" [article {number}]" if number else ""
        _write_wrapped(out, f"  {name:<19} {registry.summary(name)}{source}", 22)
    _write_wrapped(out, f"\n  {'tour':<19} {', '.join(TOUR[:-1])} stepped with frames, then {TOUR[-1]}"
                        " with its plots (make demo)", 22)
    _write_wrapped(out, f"  {'expr FORMULA':<19} your own formula as a graph: python -m demos expr"
                        ' "tanh(x*w + b)" --at x=2,w=-3,b=6.88 [--step] [--out DIR] [--html FILE]', 22)
    out.write("\nthe reference articles (in Chinese):\n")
    for article in ARTICLES.values():
        _write_wrapped(out, f"  {article.line()}", 4)


def _write_wrapped(out: TextIO, text: str, indent: int) -> None:
    for line in text.split("\n"):
        lead = len(line) - len(line.lstrip(" "))
        out.write("\n".join(wrap(line, indent=indent - lead)) + "\n")


def check_outputs(options: Options, folders: Sequence[Path] = ()) -> Optional[str]:
    """Why an output path cannot be written, in one line; None if all can.

    `folders` are where the demos about to run put their pictures: a film of
    frames there must be one `viz.backward_frames` wrote (it never deletes
    anyone else's files). Checked before the demo runs, so a typo fails in a
    second, not after it."""
    if options.html is not None:
        try:
            check_target(options.html)
        except OSError as problem:
            return f"--html: {problem}"
    folder = options.out_dir
    if folder is not None and options.render:
        existing = next((p for p in [folder, *folder.parents] if p.exists() or p.is_symlink()), None)
        if existing is not None and not existing.is_dir():
            what = "" if existing == folder else f" ({str(existing)!r} is not a folder)"
            return f"--out: cannot write pictures into {str(folder)!r}: it is not a folder{what}"
        if existing is not None and existing != folder:
            # try the first folder that is missing, and take it away again: a bad path fails
            # now, and a demo that then writes nothing (to_pytorch without torch) leaves nothing
            first = next(p for p in [folder, *folder.parents] if p.parent == existing)
            try:
                first.mkdir()
                first.rmdir()
            except OSError as problem:
                return f"--out: cannot make the folder {str(folder)!r}: {problem.strerror or problem}"
    if options.render:
        from viz.frames import film_folder

        for frames in (folder / "frames" for folder in folders):
            if frames.is_dir():
                try:
                    film_folder(frames)
                except OSError as problem:
                    return f"pictures: {problem}"
    return None


def run_demo(name: str, options: Options, stdin: TextIO, out: TextIO) -> Session:
    """Run one demo to the end (or until q) and print its verdict."""
    module = registry.load(name)
    seed = module.SEED if options.seed is None else options.seed
    session = Session(name, options, seed, stdin, out)
    session.heading_title(f"{name}: {registry.summary(name)}")
    number = registry.article_of(name)
    if number:
        session.say("from " + ARTICLES[number].line())
    try:
        module.run(session)
    except Quit:
        session.quit = True
        session.say("\nquit.")
        return session
    session.say("\n" + session.checks.summary())
    return session


def write_html(session: Session, path: Path, out: TextIO) -> bool:
    """The step-through page of the demo's main graph (viz.stepper_html)."""
    if session.main_graph is None:
        out.write(f"{session.name} has no single graph to step through in a page\n")
        return False
    import viz

    about = session.main_graph_about
    title = f"stepgrad: stepping through {about}" if about else None
    viz.stepper_html(session.main_graph, path, parameters=session.main_parameters, title=title,
                     code=session.main_code, constants=session.main_constants)
    out.write(f"step-through page: {path}\n")
    if about:
        out.write(f"  it steps through {about}\n")
    session.keep(path)
    return True


def list_pictures(sessions: Sequence[Session], out: TextIO) -> None:
    if any(s.graphviz_missing for s in sessions):
        out.write("\nGraphviz is not installed, so the graph pictures were skipped.\n")
    if not any(s.pictures for s in sessions):
        return
    pages = any(path.suffix == ".html" for s in sessions for path in s.pictures)
    drawn = any(path.suffix != ".html" for s in sessions for path in s.pictures)
    out.write("\n" + ("pictures and pages:" if pages and drawn else "pages:" if pages else "pictures:") + "\n")
    for s in sessions:
        folders: dict[Path, list[Path]] = {}
        for path in s.pictures:
            folders.setdefault(path.parent, []).append(path)
        for folder, paths in folders.items():
            if len(paths) > 3:  # a run of frames: say where and how many
                out.write(f"  {folder}/  ({len(paths)} files: {paths[0].name} … {paths[-1].name})\n")
            else:
                for path in paths:
                    out.write(f"  {path}\n")


def tour(options: Options, stdin: TextIO, out: TextIO) -> list[Session]:
    """chain_rule and neuron stepped with frames, then moons trained with its plots."""
    out.write("stepgrad tour: the chain rule on f = x·y, then one tanh neuron, each backward\n"
              "step printed and drawn; then micrograd's moons classifier trained, with plots.\n"
              "(python -m demos NAME --step pauses at each step; python -m demos lists all.)\n")
    sessions = []
    for name in TOUR:
        folder = (options.out_dir or Path("out")) / name
        demo_options = Options(step=options.step, render=options.render, out_dir=folder,
                               seed=options.seed, steps=options.steps)
        session = run_demo(name, demo_options, stdin, out)
        sessions.append(session)
        if session.quit:
            break
    return sessions


def main(argv: Optional[Sequence[str]] = None, stdin: Optional[TextIO] = None,
         stdout: Optional[TextIO] = None) -> int:
    """`python -m demos ...`; returns the exit status."""
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["expr"]:  # any formula, not a built-in demo: its own command line
        from .expr import main as expr_main
        return expr_main(argv[1:], stdin, out)
    args = parser().parse_args(argv)
    if args.name is None:
        list_demos(out)
        return 0
    options = Options(step=args.step, render=not args.no_render, out_dir=args.out,
                      seed=args.seed, steps=args.steps, html=args.html)
    names = TOUR if args.name == "tour" else [args.name]
    problem = check_outputs(options, [(options.out_dir or Path("out")) / name if args.name == "tour"
                                      else options.out_dir or Path("out") / name for name in names])
    if problem:
        out.write(problem + "\n")
        return 2
    if args.name == "tour":
        if options.html:
            out.write("--html needs a single demo, e.g. python -m demos chain_rule --html page.html\n")
            return 2
        sessions = tour(options, stdin, out)
    elif args.name in registry.NAMES:
        needs = registry.missing(args.name)
        if needs:  # before any work: one line, as for the other usage problems
            out.write(needs + "\n")
            return 2
        sessions = [run_demo(args.name, options, stdin, out)]
        if options.html and not sessions[0].quit and not write_html(sessions[0], options.html, out):
            return 2
    else:
        out.write(f"no demo called {args.name!r}; the demos are:\n")
        list_demos(out)
        return 2
    list_pictures(sessions, out)
    return 0 if all(s.ok for s in sessions) else 1
