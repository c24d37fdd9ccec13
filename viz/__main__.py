"""`python -m viz [OUT_DIR]`: draw the example pictures (default folder: out/viz).

- neuron.png, neuron.svg: o = tanh(x1·w1 + x2·w2 + b), after its backward pass;
- neuron_frames/: its backward pass, a frame per chain-rule step, and backward.gif;
- xy_frames/: f = x·y at x = 4, y = -3 (the computational graph of article 001).
"""

from __future__ import annotations

import sys
from pathlib import Path

from engine import Value

from .frames import backward_frames
from .graph import render


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


def x_times_y() -> Value:
    x, y = Value(4.0, "x"), Value(-3.0, "y")
    f = x * y
    f.label = "f"
    return f


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "out/viz")
    out.mkdir(parents=True, exist_ok=True)
    o, params = neuron()
    frames = backward_frames(o, out / "neuron_frames", gif=True, parameters=params)
    written = [render(o, out / "neuron.png", parameters=params), render(o, out / "neuron.svg", parameters=params)]
    written += frames + [out / "neuron_frames" / "backward.gif"]
    written += backward_frames(x_times_y(), out / "xy_frames", gif=True) + [out / "xy_frames" / "backward.gif"]
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
