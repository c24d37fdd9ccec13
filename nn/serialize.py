"""Saving a trained model to a JSON file and loading it back.

    save(model, "moons.json")
    model = load("moons.json")

The file says what it is (format name and version), which class to build, the
arguments that build it, and every parameter by name:

    {"format": "stepgrad.nn", "version": 1, "class": "MLP",
     "config": {"nin": 2, "nouts": [16, 16, 1], ...},
     "state": {"layers.0.neurons.0.w.0": 0.2384, ...}}

Floats are written with `repr`, so a load gives back exactly the saved numbers.
A save goes through `engine.files.write_atomically`, the project's one atomic
writer: a crash or a full disk never leaves a half-written or emptied file, an
existing file keeps its permissions, and a symbolic link is written through.

A file is untrusted input: `load` reads at most `MAX_FILE_BYTES`, refuses
integers longer than `MAX_INT_DIGITS` and JSON nested too deeply, and checks the
declared shape against the saved state (at most `MAX_PARAMETERS` numbers) before
it builds anything; every refusal is a `ValueError` that names the path.
"""

from __future__ import annotations

import json
import math
import os
import random
import stat
from typing import Union

from engine.files import check_target, write_atomically

from .checks import cut, short, some
from .module import MLP, Layer, Module, Neuron

FORMAT = "stepgrad.nn"
VERSION = 1  #: bump when the file layout changes; load refuses files newer than this

#: The classes a file may name, by name.
MODULES: dict[str, type] = {"Neuron": Neuron, "Layer": Layer, "MLP": MLP}

#: Limits on what `load` accepts: far beyond what a scalar engine can train, far
#: below what would exhaust a machine's memory or time.
MAX_FILE_BYTES = 256 * 2 ** 20
MAX_PARAMETERS = 2_000_000
MAX_LAYERS = 1000
MAX_INT_DIGITS = 20

PathLike = Union[str, os.PathLike]


def save(model: Module, path: PathLike) -> None:
    """Write `model` (its class, shape and every parameter) to `path` as JSON, atomically."""
    name = type(model).__name__
    if MODULES.get(name) is not type(model):
        raise TypeError(f"save: can only save {', '.join(MODULES)}, got {name}")
    check_target(path)
    state = model.state_dict()
    not_finite = [param for param, x in state.items() if not math.isfinite(x)]
    if not_finite:
        raise ValueError(f"save {path}: JSON cannot hold nan or infinity, found in {some(not_finite)}")
    document = {"format": FORMAT, "version": VERSION, "class": name, "config": model.config(), "state": state}
    write_atomically(path, json.dumps(document, indent=1) + "\n")


def load(path: PathLike) -> Module:
    """Rebuild the model saved in `path`. A file that is missing, not JSON, truncated,
    too large, not a stepgrad model, from a newer version, or inconsistent raises
    `ValueError` naming the path and the problem."""
    document = _read_document(path)
    cls = MODULES[document["class"]]
    config, state = document["config"], document["state"]

    def refuse(problem) -> ValueError:  # (cut short: a constructor may quote a megabyte-long key)
        return ValueError(f"load {path}: the saved {cls.__name__} does not fit together: {cut(str(problem), 300)}")

    # The shape is checked against the state first, so what gets built is bounded by the file's size.
    try:
        declared = _parameter_count(cls, config)
    except ValueError as problem:
        raise refuse(problem) from None
    if declared > MAX_PARAMETERS:
        raise refuse(f"its config declares {declared} parameters, more than load accepts ({MAX_PARAMETERS})")
    if declared > len(state) + 1000:  # not a slip to name one by one: refused before building a huge model
        raise refuse(f"its config declares {declared} parameters but the state holds {len(state)}")
    try:
        # A fixed-seed generator builds the shape: the weights it draws are overwritten
        # at once, and loading leaves the global `random` untouched.
        quiet = {"seed": 0} if cls is MLP else {"rng": random.Random(0)}
        model = cls(**config, **quiet)
        model.load_state_dict(state)
    except (TypeError, ValueError, ArithmeticError) as problem:
        raise refuse(problem) from None
    return model


def _parameter_count(cls: type, config: dict) -> int:
    """How many parameters the config's shape has, read from the config alone (nothing built)."""

    def size(key: str, value=None) -> int:
        value = config.get(key) if value is None else value
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PARAMETERS:
            raise ValueError(f"{key} must be an integer from 1 to {MAX_PARAMETERS}, got {value!r}")
        return value

    if cls is Neuron:
        return size("nin") + 1
    if cls is Layer:
        return (size("nin") + 1) * size("nout")
    nouts = config.get("nouts")
    if not isinstance(nouts, list) or not 1 <= len(nouts) <= MAX_LAYERS:
        raise ValueError(f"nouts must be a list of 1 to {MAX_LAYERS} layer sizes, got {some([nouts])}")
    widths = [size("nin")] + [size("nouts", n) for n in nouts]
    return sum((a + 1) * b for a, b in zip(widths, widths[1:]))


def _read_document(path: PathLike) -> dict:
    """The file's JSON object, checked to be a stepgrad model this version can read."""

    def refuse(problem: str) -> ValueError:
        return ValueError(f"load {path}: {problem}")

    try:
        # Opened without waiting (a named pipe would block until someone writes), then
        # refused unless it is a regular file (a pipe or a device may never end).
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise refuse("not a regular file")
            data = file.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise refuse(f"larger than {MAX_FILE_BYTES} bytes, the most load reads")
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise refuse("no such file") from None
    except (OSError, UnicodeDecodeError) as problem:
        raise refuse(f"cannot read it ({problem})") from None
    try:
        document = json.loads(text, parse_int=_short_int)
    except json.JSONDecodeError as problem:
        hint = " (the file is empty)" if not text.strip() else " (truncated?)"
        raise refuse(f"not valid JSON{hint}: {problem}") from None
    except RecursionError:
        raise refuse("not a stepgrad model file (JSON nested too deeply)") from None
    except ValueError as problem:  # from _short_int
        raise refuse(str(problem)) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise refuse(f"not a stepgrad model file (no \"format\": \"{FORMAT}\")")
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise refuse(f"bad format version {short(version)}")
    if version > VERSION:
        raise refuse(f"format version {version} was written by a newer stepgrad; this one reads up to {VERSION}")
    missing = [key for key in ("class", "config", "state") if key not in document]
    if missing:
        raise refuse(f"missing {', '.join(missing)}")
    if not isinstance(document["class"], str) or document["class"] not in MODULES:
        raise refuse(f"unknown class {short(document['class'])}; expected one of {', '.join(MODULES)}")
    if not isinstance(document["config"], dict) or not isinstance(document["state"], dict):
        raise refuse("config and state must be JSON objects")
    return document


def _short_int(digits: str) -> int:
    """A JSON integer, refused before conversion if it is absurdly long (int() of
    thousands of digits is slow, and beyond 4300 digits Python refuses it)."""
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"an integer of {len(digits.lstrip('-'))} digits (at most {MAX_INT_DIGITS} are accepted)")
    return int(digits)
