"""`python -m viz OUT_DIR`: every kind of picture, for micrograd's neuron."""

import subprocess
import sys
import xml.etree.ElementTree as ET

from PIL import Image

from viz.__main__ import main


def test_writes_every_kind_of_picture(tmp_path, dot_program, capsys):
    assert main([str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out.split()
    out = tmp_path / "out"
    assert (out / "graph.png").read_bytes().startswith(b"\x89PNG")
    svg = ET.fromstring((out / "graph.svg").read_bytes())
    texts = {"".join(t.itertext()).strip() for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert {"o", "0.7071", "x1", "-1.5", "x1·w1"} <= texts  # x1.grad = w1 · (1 − o²) = -3 · 0.5
    frames = sorted(p.name for p in (out / "frames").glob("frame_*.png"))
    assert len(frames) == 10  # the seed, then 9 chain-rule steps
    assert (out / "frames" / "backward.gif").exists() and (out / "stepper.html").exists()
    with Image.open(out / "slide.png") as image:
        assert image.size == (1920, 1080)
    assert (out / "slides.pdf").read_bytes().startswith(b"%PDF")
    assert printed[0] == str(out / "graph.png") and len(printed) == 2 + 10 + 4


def test_a_bad_folder_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "afile").write_text("")
    done = subprocess.run([sys.executable, "-m", "viz", str(tmp_path / "afile" / "sub")],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "afile" in done.stderr
