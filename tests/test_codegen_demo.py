"""The `as_code` demo: the neuron's generated source, its steps, its picture."""

from __future__ import annotations

import io

from demos.cli import main
from engine import to_python
from demos.as_code import neuron

PNG = b"\x89PNG\r\n\x1a\n"


def run(argv):
    out = io.StringIO()
    status = main(list(argv), stdin=io.StringIO(""), stdout=out)
    return status, out.getvalue()


def test_as_code_prints_the_neurons_source_and_each_step_beside_its_line(tmp_path):
    status, text = run(["as_code", "--no-render", "--out", str(tmp_path)])
    assert status == 0, text
    o, leaves = neuron()
    assert to_python(o, leaves).source in text
    assert "  9. grad_w1 += x1 * grad_x1w1         2 × 0.5 = 1" in text
    assert "✓ all 6 checks pass" in text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_as_code_draws_the_graph_beside_it(tmp_path, dot_program):
    status, text = run(["as_code", "--out", str(tmp_path)])
    assert status == 0, text
    assert (tmp_path / "graph.png").read_bytes().startswith(PNG)
