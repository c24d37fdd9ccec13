"""Shared test set-up: hypothesis profiles and the optional-dependency markers."""

import importlib
import os
import shutil
from types import SimpleNamespace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

# Failing examples are saved here and replayed first on the next run. Set explicitly:
# with CI=true in the environment, hypothesis's own defaults turn the database off
# and derandomize every test.
EXAMPLES = DirectoryBasedExampleDatabase(str(Path(__file__).resolve().parent.parent / ".hypothesis" / "examples"))

# `dev` is quick for the edit-test loop and searches at random, so developers' runs
# keep finding new cases (saved in the database above and replayed first);
# `ci` (selected by .ci/run on Python 3.11) is thorough and derandomized: the same 500
# examples a property on every CI run, so a landing is decided by the code, not by the
# draw. `ci-other` (.ci/run on 3.10, 3.12, 3.13) is derandomized too, with 100 examples:
# what differs between Pythons (sum()'s rounding, bytecode) shows in every graph, and
# the whole CI stays well inside its time limit.
settings.register_profile("dev", max_examples=60, deadline=None, database=EXAMPLES, derandomize=False)
settings.register_profile(
    "ci", max_examples=500, deadline=None, database=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow], print_blob=True,
)
settings.register_profile("ci-other", settings.get_profile("ci"), max_examples=100)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# In CI the optional tools are installed on purpose: a skip there would hide a gap.
REQUIRE_OPTIONAL = os.environ.get("STEPGRAD_REQUIRE_OPTIONAL") == "1"

# Why PyTorch cannot be installed for the Python under test (.ci/run sets it where pip
# finds no CPU build of torch for that Python, as `make torch` reports): there a missing
# torch is skipped with this reason even in CI. It excuses an absent torch only.
NO_TORCH_BUILD = os.environ.get("STEPGRAD_NO_TORCH_BUILD", "")


def _missing(reason: str):
    if REQUIRE_OPTIONAL:
        pytest.fail(f"{reason}, but STEPGRAD_REQUIRE_OPTIONAL=1 says it must be here")
    pytest.skip(reason)


@pytest.fixture
def torch():
    """PyTorch, for parity tests; skips (locally) with the reason when absent."""
    try:
        import torch as torch_module
    except ImportError:
        if NO_TORCH_BUILD:
            pytest.skip(f"PyTorch is not installed: {NO_TORCH_BUILD}")
        _missing("PyTorch is not installed (pip install 'stepgrad[parity]')")
    torch_module.set_default_dtype(torch_module.float64)
    return torch_module


@pytest.fixture
def chromium_path():
    """Debian's Chromium, for browser tests; skips (locally) when absent."""
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if path is None:
        _missing("Chromium is not installed (Debian: apt-get install chromium)")
    return path


@pytest.fixture
def dot_program():
    """The Graphviz `dot` program; skips (locally) when absent."""
    if shutil.which("dot") is None:
        _missing("Graphviz 'dot' is not installed (Debian: apt-get install graphviz)")
    return shutil.which("dot")


@pytest.fixture
def ffmpeg_program():
    """The ffmpeg program (MP4 films); skips (locally) when absent."""
    if shutil.which("ffmpeg") is None:
        _missing("ffmpeg is not installed (Debian: apt-get install ffmpeg)")
    return shutil.which("ffmpeg")


def _require(module: str, reason: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        _missing(reason)


@pytest.fixture
def micrograd():
    """micrograd 0.1.0's Value and MLP, for comparisons; skips (locally) when absent."""
    reason = "micrograd is not installed (pip install 'stepgrad[bench]')"
    return SimpleNamespace(Value=_require("micrograd.engine", reason).Value, MLP=_require("micrograd.nn", reason).MLP)


@pytest.fixture(scope="session")
def playwright_api():
    """Playwright's sync API, for browser tests; skips (locally) when absent."""
    return _require("playwright.sync_api", "Playwright is not installed (pip install 'stepgrad[dev]')")
