"""The install levels: `make demo` installs only what the demos need, `make test` adds the
test extras; the extras in pyproject.toml say which is which. (Checked with `make -n`,
which prints the commands without running them, in a throw-away venv folder.)"""

import shutil
import subprocess
from pathlib import Path

import pytest

try:
    import tomllib  # Python 3.11 on
except ImportError:  # Python 3.10: tomli, the same parser before the standard library took it in
    # (pytest itself requires it there, so it is always installed with the test tools)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
TEST_TOOLS = ("pytest", "hypothesis", "playwright", "micrograd", "torch")


def planned(target: str, tmp_path: Path) -> str:
    """The commands `make TARGET` would run for a venv that does not exist yet."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(["make", "-n", target, f"VENV={tmp_path / 'venv'}"], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    return result.stdout


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
