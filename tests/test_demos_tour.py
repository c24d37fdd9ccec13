"""End to end, as `make demo` runs it: `python -m demos tour` in a fresh process."""

import subprocess
import sys
from pathlib import Path

from tests.test_demos_graphs import columns

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"


def test_the_tour_steps_two_graphs_trains_moons_and_lists_every_picture(tmp_path, dot_program):
    result = subprocess.run([sys.executable, "-m", "demos", "tour", "--out", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    text = result.stdout
    assert "x.grad += ∂f/∂x × f.grad = y × 1 = (-3) × 1 = -3" in text
    assert "of the training points right" in text and "✗" not in text
    pictures = [
        "chain_rule/graph.png", "chain_rule/frames/frame_002.png", "neuron/graph.png",
        "neuron/frames/frame_009.png", "moons/loss.png", "moons/decision_boundary.png",
    ]
    for picture in pictures:
        assert (tmp_path / picture).read_bytes().startswith(PNG), picture
    assert str(tmp_path / "moons" / "decision_boundary.png") in text
    wide = [line for line in text.splitlines() if columns(line) > 80 and str(tmp_path) not in line]
    assert not wide, "lines wider than 80 columns:\n" + "\n".join(wide)
    assert str(tmp_path / "neuron" / "frames") in text


def test_python_m_demos_lists_the_demos():
    result = subprocess.run([sys.executable, "-m", "demos"], cwd=ROOT, capture_output=True, text=True,
                            encoding="utf-8", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "window_ner" in result.stdout and "tour" in result.stdout
