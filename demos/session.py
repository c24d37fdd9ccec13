"""What a running demo can do: print, check, step, and draw.

A demo is a function `run(session)`. The `Session` carries the command line's
choices (pause at each step? draw pictures? where? which seed?) so the demo
itself reads like a worked example: build the graph, step through backward,
compare with the article.
"""

from __future__ import annotations

import os
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence, TextIO

import engine
from engine import Value

from .checks import CLOSED, NUMERIC, WIDTH, Checks, columns, marks_for, wrap


def _count_edges(root: Value) -> int:
    """How many steps a backward pass of `root` takes: one per (node, parent) edge."""
    return sum(len(node.parents) for node in engine.topological_order(root))


def _caption_lines(k: int, caption: str) -> list[str]:
    """Step k's caption within 80 columns: split before its "→" (the sum that
    results) when it is too wide, and at spaces if a part still is."""
    line = f"  {k:>3}. {caption}"
    if columns(line) <= WIDTH or "  →  " not in caption:
        return wrap(line, indent=5)
    arithmetic, result = caption.split("  →  ", 1)
    return wrap(f"  {k:>3}. {arithmetic}", indent=5) + wrap(f"       →  {result}", indent=3)


#: A backward pass with more edges than this is run, not printed line by line.
PRINTED_STEPS = 40

#: The step of the central differences every demo's gradient check uses.
GRADCHECK_EPS = 1e-6


#: What typed at a pause between steps goes back one step.
BACK_KEYS = ("b", "back", "p")


class Quit(Exception):
    """The student typed q at a pause: stop the demo here."""


@dataclass
class Options:
    """The command line's choices for one demo."""

    step: bool = False                 #: pause for Enter at each step
    render: bool = True                #: draw pictures (needs Graphviz for graphs)
    out_dir: Optional[Path] = None     #: where pictures go (default out/NAME)
    seed: Optional[int] = None         #: None: the demo's own seed
    html: Optional[Path] = None        #: write a step-through page of the main graph here
    steps: Optional[int] = None        #: None: the article's number of training steps


@dataclass
class Session:
    """One run of one demo: its options, its checks, its pictures."""

    name: str
    options: Options
    seed: int
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    out: TextIO = field(default_factory=lambda: sys.stdout)
    pictures: list[Path] = field(default_factory=list)
    main_graph: Optional[Value] = None
    main_parameters: Sequence[Value] = ()  #: coloured as parameters in the step-through page
    main_constants: Sequence[Value] = ()  #: labelled leaves shown as constants (no gradient step)
    main_graph_about: str = ""         #: what the main graph's root is, in words (page title, terminal)
    main_code: bool = False            #: the step-through page shows each step's generated line
    graphviz_missing: Optional[str] = None
    quit: bool = False                 #: the student typed q

    def __post_init__(self):
        self.checks = Checks(self.out, *marks_for(self.out))
        self.rng = random.Random(self.seed)
        self.out_dir = Path(self.options.out_dir or Path("out") / self.name)
        self._frame_files: dict[int, list[Path]] = {}  # id(root) -> its backward frames

    # ---- printing ----------------------------------------------------------

    def say(self, text: str = "") -> None:
        """Print `text`; a line wider than the terminal (80 columns) is broken
        at spaces, its continuation indented."""
        for line in text.split("\n"):
            self.out.write("\n".join(wrap(line) if columns(line) > WIDTH else [line]) + "\n")

    def heading_title(self, text: str) -> None:
        """The demo's title, double-underlined."""
        lines = wrap(text, indent=0)
        self.say("\n" + "\n".join(lines))
        self.say("═" * max(columns(line) for line in lines))

    def heading(self, text: str) -> None:
        self.say()
        lines = wrap(text, indent=0)
        self.say("\n".join(lines))
        self.say("─" * max(columns(line) for line in lines))

    def note(self, text: str) -> None:
        """Where the demo departs from its article (numbers, shapes, a mistake in
        its code), said in the output, not in a comment."""
        self.out.write("\n".join(wrap(f"  note: {text}", indent=6)) + "\n")

    def compare(self, what: str, expected, engine_value, source: str = CLOSED, **tolerance) -> bool:
        """Print the expected value beside the engine's (see `Checks.compare`);
        `source` says whose number it is: the article's, a closed form, numeric."""
        return self.checks.compare(what, expected, engine_value, source, **tolerance)

    def expect(self, what: str, claim: bool, detail: str = "") -> bool:
        """Print a yes/no claim from the article, ticked or crossed."""
        return self.checks.expect(what, claim, detail)

    def gradcheck(self, what: str, f: Callable[..., Value], inputs) -> bool:
        """Central differences (cs224n's gradient check) against the engine's backward.

        The formula and its step are printed first (engine.gradcheck's: the
        step grows with |θ_i|). A few inputs print a row each; many
        print one row with the worst error.
        """
        self.say(f"  central differences: ∂{what}/∂θ_i ≈ ({what}(θ + h·e_i) − {what}(θ − h·e_i)) / 2h,")
        self.say(f"  with the step h = ε·max(1, |θ_i|), ε = {GRADCHECK_EPS:g}")
        try:
            report = engine.gradcheck(f, inputs, eps=GRADCHECK_EPS)
        except engine.GradcheckError as mismatch:
            report = mismatch.report  # still print it: the cross says what went wrong
        tolerance = {"rtol": report.rtol, "atol": report.atol}
        if len(report.rows) <= 4:
            return all([self.compare(f"∂{what}/∂{row.label or row.index}", row.numeric, row.analytic, NUMERIC,
                                     **tolerance) for row in report.rows])
        worst = max(report.rows, key=lambda row: row.error)
        return self.expect(f"{what}: central differences agree with backward", report.ok,
                           f"{len(report.rows)} inputs; largest |numeric − backward| = {worst.error:.1e}"
                           f" at {worst.label or worst.index}")

    @property
    def ok(self) -> bool:
        return not self.checks.failed

    def training_steps(self, article_steps: int) -> int:
        """The article's number of steps, unless --steps asked for fewer (or more)."""
        return article_steps if self.options.steps is None else self.options.steps

    # ---- stepping ----------------------------------------------------------

    def pause(self, where: str = "", back: bool = False) -> bool:
        """With --step, wait for Enter (q then Enter quits). Without, do nothing.

        With `back` (a pause between the steps of a pass), b then Enter (or p,
        back) asks to see the step before again: the answer is True. Where
        there is nothing to go back to, b is answered with a line and the pause
        waits again. End of input (a closed stdin) stops the pausing and runs
        on to the end.
        """
        while self.options.step:
            keys = "Enter: next, b: back, q: quit" if back else "Enter: next, q: quit"
            self.out.write(f"  [{where + ': ' if where else ''}{keys}] ")
            self.out.flush()
            answer = self.stdin.readline()
            if answer == "":  # nobody is typing any more: finish without pausing
                self.options.step = False
                self.say()
                return False
            typed = answer.strip().lower()
            if typed in ("q", "quit"):
                raise Quit()
            if typed not in BACK_KEYS:
                return False
            if back:
                return True
            self.say("  (no step to go back to here)")
        return False

    def step_pages(self, count: int, show: Callable[[int], None]) -> None:
        """Show items 1 … count with `show(k)`, pausing after each (with --step);
        b at a pause shows the item before again (at the first, the first)."""
        k = 1
        while k <= count:
            show(k)
            if self.pause(f"step {k}/{count}", back=True):
                if k == 1:
                    self.say("  (step 1 is the first)")
                k = max(1, k - 1)
            else:
                k += 1

    def step_through(self, root: Value) -> None:
        """The backward pass of `root`, printed (and with --step paused) step by
        step, with the names and captions of the pictures and the page.

        Afterwards every `.grad` is that of exactly one backward pass, whatever
        ran before (pictures included).
        """
        self._print_steps(root)
        self.fresh_backward(root)

    def _print_steps(self, root: Value) -> None:
        """Print the steps of a fresh pass (`viz.describe`: the one pass and the
        one naming that frames and pages show too; steps into constants are left
        out, as there). The stored gradients are not changed."""
        import viz

        steps = viz.describe(root, self.main_parameters, max_nodes=None, constants=self.main_constants).steps
        edges = _count_edges(root)
        skipped = edges - len(steps)
        self.say(f"backward pass: {len(steps)} step{'' if len(steps) == 1 else 's'}, one per edge, "
                 "in reverse topological order")
        if skipped:
            into = "the step into a constant" if skipped == 1 else f"the {skipped} steps into constants"
            self.say(f"  (and {into}, not shown: a constant needs no gradient)")
        frames = self._frame_files.get(id(root), [])
        if self.options.step and frames:
            self.say(f"a picture of each step is in {frames[0].parent}{os.sep}")

        def show(k: int) -> None:
            self.out.write("\n".join(_caption_lines(k, steps[k - 1].caption)) + "\n")
            if self.options.step and k < len(frames):
                # frame_000 is the graph before the pass; frame k is drawn after step k
                self.say(f"       picture: {frames[k].name}")

        self.step_pages(len(steps), show)

    def fresh_backward(self, root: Value) -> None:
        """One backward pass of `root` from zero gradients, printing nothing: the
        gradients the demo's rows then read."""
        engine.zero_grad(root)
        root.backward()

    def backward(self, root: Value) -> None:
        """One backward pass of `root`: printed step by step when the graph is
        small enough to read (`PRINTED_STEPS` edges), otherwise run and counted.
        Afterwards every `.grad` is that of exactly one pass, as in `step_through`."""
        edges = _count_edges(root)
        if edges <= PRINTED_STEPS:
            self.step_through(root)
            return
        self.fresh_backward(root)
        self.say(f"backward pass: {edges} steps, one per edge (too many to print here)")

    # ---- pictures ----------------------------------------------------------

    def _draw(self, make: Callable[[], object], what: str):
        """Run a picture-making call unless pictures are off or Graphviz is missing."""
        if not self.options.render or self.graphviz_missing:
            return None
        import viz  # only demos that draw need viz (and its graphviz package)

        self.out_dir.mkdir(parents=True, exist_ok=True)
        try:
            return make()
        except viz.GraphvizNotFound as missing:
            self.graphviz_missing = str(missing)
            self.say(f"\n  cannot draw {what}: {missing}\n  (continuing without graph pictures; "
                     "--no-render skips them)")
            return None

    def keep(self, paths) -> None:
        for path in paths if isinstance(paths, (list, tuple)) else [paths]:
            if path is not None:
                self.pictures.append(Path(path))

    def render(self, root: Value, filename: str = "graph.png", **draw_options) -> Optional[Path]:
        """Draw `root`'s graph to out/NAME/filename (its values and gradients as they are now).

        `main_parameters` are coloured as parameters unless `parameters=` says otherwise.
        """
        import viz

        draw_options.setdefault("parameters", self.main_parameters)
        draw_options.setdefault("constants", self.main_constants)
        path = self._draw(lambda: viz.render(root, self.out_dir / filename, **draw_options), filename)
        self.keep(path)
        return path

    def frames(self, root: Value, folder: str = "frames", **draw_options) -> list[Path]:
        """One picture per backward step of `root` (and one before) in out/NAME/folder/.

        The film is a fresh pass of its own (`viz.fresh_backward_pass`): the
        stored gradients are not changed. Parameters are coloured as in `render`.
        """
        import viz

        draw_options.setdefault("parameters", self.main_parameters)
        draw_options.setdefault("constants", self.main_constants)
        paths = self._draw(lambda: viz.backward_frames(root, self.out_dir / folder, **draw_options),
                           "backward frames")
        paths = list(paths or [])
        self.keep(paths)
        self._frame_files[id(root)] = paths
        return paths

    def plot(self, draw: Callable[[Path], object], filename: str) -> Optional[Path]:
        """Make a matplotlib picture with `draw(path)` (no Graphviz needed)."""
        if not self.options.render:
            return None
        path = self.out_dir / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        draw(path)
        self.keep(path)
        return path
