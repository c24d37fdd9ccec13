"""`python -m viz [OUT_DIR]`: every kind of picture viz makes, for one small graph.

For micrograd's neuron, o = tanh(x1·w1 + x2·w2 + b), it writes to OUT_DIR
(default out/viz): graph.png and graph.svg (after one backward pass),
frames/ (a fresh backward pass, a frame per chain-rule step, and
backward.gif), slide.png (step 3 as a 16:9 slide for a projector), slides.pdf
(every step, a slide a page) and stepper.html (the step-through page). A quick way to see
what each renderer draws, and to check Graphviz works on this machine.
Exit status 0 when all is written, 2 (with one line) when OUT_DIR cannot be.
"""

from __future__ import annotations

import sys
from pathlib import Path

from engine import Value

from .frames import backward_frames, backward_slides, film_folder, slide
from .graph import GraphvizNotFound, render
from .html import stepper_html


def neuron() -> tuple[Value, list[Value]]:
    """The tanh neuron with two inputs (b chosen so that o = tanh(0.8814) = 0.7071)."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [w1, w2, b]


def main(argv: list[str]) -> int:
    if len(argv) > 1 or (argv and argv[0] in ("-h", "--help")):
        print(__doc__.strip())
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    out = Path(argv[0] if argv else "out/viz")
    try:
        if out.exists() and not out.is_dir():
            raise NotADirectoryError(f"{str(out)!r} is a file")
        film_folder(out / "frames")  # a bad folder fails now, before any drawing
        out.mkdir(parents=True, exist_ok=True)
        o, params = neuron()
        o.backward()
        written = [render(o, out / "graph.png", parameters=params), render(o, out / "graph.svg", parameters=params)]
        written += backward_frames(o, out / "frames", gif=True, parameters=params)
        written += [out / "frames" / "backward.gif", slide(o, out / "slide.png", step=3, parameters=params),
                    backward_slides(o, out / "slides.pdf", parameters=params),
                    stepper_html(o, out / "stepper.html", parameters=params)]
    except (OSError, GraphvizNotFound) as problem:
        print(f"python -m viz: cannot write the pictures: {problem}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
