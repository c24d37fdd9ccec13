"""The install levels: `make demo` installs only what the demos need, `make test` adds the
test extras; the extras in pyproject.toml say which is which. (Checked with `make -n`,
which prints the commands without running them, in a throw-away venv folder.)"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib  # Python 3.11 on
except ImportError:  # Python 3.10: tomli, the same parser before the standard library took it in
    # (pytest itself requires it there, so it is always installed with the test tools)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
TEST_TOOLS = ("pytest", "hypothesis", "playwright", "micrograd", "torch")


#: What a make that runs these tests (`make test PYTHON=...`) would hand down to the make
#: they run: its command line (MAKEFLAGS carries PYTHON=...) and its level.
FROM_AN_OUTER_MAKE = ("MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES", "MAKELEVEL", "PYTHON", "VENV")


def make(*arguments: str, check: bool = True) -> subprocess.CompletedProcess:
    """`make ARGUMENTS` in the repository, as typed at a shell."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    environment = {name: value for name, value in os.environ.items() if name not in FROM_AN_OUTER_MAKE}
    return subprocess.run(["make", *arguments], cwd=ROOT, capture_output=True, text=True, check=check,
                          env=environment)


def planned(target: str, tmp_path: Path) -> str:
    """The commands `make TARGET` would run for a venv that does not exist yet."""
    return make("-n", target, f"VENV={tmp_path / 'venv'}").stdout


#: This Python, as the stamp of a venv it made names it.
THIS_PYTHON = f"{sys.implementation.name}-{'%d.%d.%d' % sys.version_info[:3]}"


def pip_installs(commands: str) -> list[str]:
    return [line for line in commands.splitlines() if "pip install" in line]


def test_make_demo_installs_stepgrad_without_the_test_extras(tmp_path):
    commands = planned("demo", tmp_path)
    assert "-m venv" in commands and "import ensurepip, venv" in commands  # python3-venv is checked first
    (install,) = pip_installs(commands)
    assert install.rstrip().endswith("--editable .")
    assert "-m demos tour" in commands


def test_make_test_adds_the_test_extras(tmp_path):
    (install,) = pip_installs(planned("test", tmp_path))
    assert "'.[dev,bench]'" in install
    assert "-m pytest" in planned("test", tmp_path)


def test_the_dependencies_leave_test_tools_to_the_extras():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    required = " ".join(project["dependencies"])
    assert not any(tool in required for tool in TEST_TOOLS)
    extras = project["optional-dependencies"]
    assert extras["torch"] == ["torch==2.13.0"] == extras["parity"]
    dev = " ".join(extras["dev"])
    for tool in ("pytest", "hypothesis", "playwright", "nbclient", "ipykernel", "ipywidgets"):
        assert tool in dev
    assert extras["bench"] == ["micrograd==0.1.0"]


def test_each_python_has_a_venv_of_its_own():
    """`make test PYTHON=...` works in .venv-X.Y, X.Y that Python's version; the README's
    plain `make test` (python3) keeps .venv."""
    version = "%d.%d" % sys.version_info[:2]
    assert make("-s", "venv-path", f"PYTHON={sys.executable}").stdout.strip() == f".venv-{version}"
    assert make("-s", "venv-path").stdout.strip() == ".venv"
    assert f".venv-{version}/bin/python -m pytest" in make("-n", "test", f"PYTHON={sys.executable}").stdout


def test_a_venv_that_another_python_made_is_made_again(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/local/bin\n")
    (venv / "bin" / "python").write_text("#!/bin/sh\necho 3.9 cpython-3.9.18\n")  # says it is 3.9
    (venv / "bin" / "python").chmod(0o755)
    result = make(str(venv / f".made-by-{THIS_PYTHON}"), f"PYTHON={sys.executable}", f"VENV={venv}")
    assert "was made by another Python" in result.stdout and "-m venv --clear" in result.stdout
    made = subprocess.run([str(venv / "bin" / "python"), "-c", "import sys; print(sys.version_info[:3])"],
                          capture_output=True, text=True, check=True)
    assert made.stdout.strip() == str(sys.version_info[:3])


def test_a_folder_that_is_not_a_venv_is_left_alone(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep")
    result = make(str(folder / f".made-by-{THIS_PYTHON}"), f"PYTHON={sys.executable}", f"VENV={folder}", check=False)
    assert result.returncode != 0 and "is not a venv" in result.stdout
    assert [p.name for p in folder.iterdir()] == ["notes.txt"] and (folder / "notes.txt").read_text() == "keep"


def test_a_python_that_is_there_but_does_not_run_is_named_with_its_own_words(tmp_path):
    """Like pyenv's shim for a version that is installed but not selected."""
    shim = tmp_path / "python3.99"
    shim.write_text('#!/bin/sh\necho "pyenv: python3.99: command not found" >&2\nexit 127\n')
    shim.chmod(0o755)
    result = make("install", f"PYTHON={shim}", f"VENV={tmp_path / 'venv'}", check=False)
    assert result.returncode != 0 and not (tmp_path / "venv").exists()
    assert f"cannot run Python as '{shim}': pyenv: python3.99: command not found" in result.stdout


def test_make_torch_can_only_take_the_cpu_build(tmp_path):
    """The CUDA build is several GB: every torch pip is asked for carries the +cpu label."""
    asked = re.findall(r"torch==[^'\s]*", planned("torch", tmp_path))
    assert asked and set(asked) == {"torch==2.13.0+cpu"}
