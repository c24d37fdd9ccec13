"""Saving a trained model to a JSON file and loading it back.

    save(model, "moons.json")
    model = load("moons.json")

The file says what it is (format name and version), which class to build, the
arguments that build it, and every parameter by name:

    {"format": "stepgrad.nn", "version": 1, "class": "MLP",
     "config": {"nin": 2, "nouts": [16, 16, 1], ...},
     "state": {"layers.0.neurons.0.w.0": 0.2384, ...}}

Floats are written with `repr`, so a load gives back exactly the saved numbers.
A save replaces the file atomically: the text goes to a temporary file in the same
directory, which then takes the old file's place in one step, so a crash or a full
disk never leaves a half-written or emptied file.
"""

from __future__ import annotations

import json
import math
import os
import random
import tempfile
from pathlib import Path
from typing import Union

from .module import MLP, Layer, Module, Neuron

FORMAT = "stepgrad.nn"
VERSION = 1  #: bump when the file layout changes; load refuses files newer than this

#: The classes a file may name, by name.
MODULES: dict[str, type] = {"Neuron": Neuron, "Layer": Layer, "MLP": MLP}

PathLike = Union[str, os.PathLike]


def save(model: Module, path: PathLike) -> None:
    """Write `model` (its class, shape and every parameter) to `path` as JSON, atomically."""
    name = type(model).__name__
    if MODULES.get(name) is not type(model):
        raise TypeError(f"save: can only save {', '.join(MODULES)}, got {name}")
    state = model.state_dict()
    not_finite = [param for param, x in state.items() if not math.isfinite(x)]
    if not_finite:
        raise ValueError(f"save {path}: JSON cannot hold nan or infinity, found in {', '.join(not_finite)}")
    document = {"format": FORMAT, "version": VERSION, "class": name, "config": model.config(), "state": state}
    text = json.dumps(document, indent=1)
    _write_atomically(Path(path), text + "\n")


def _write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)  # mkstemp makes the file private; a saved model is for sharing, like viz's files
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def load(path: PathLike) -> Module:
    """Rebuild the model saved in `path`. A file that is missing, not JSON, truncated,
    not a stepgrad model, from a newer version, or inconsistent raises `ValueError`
    naming the path and the problem."""
    document = _read_document(path)
    cls = MODULES[document["class"]]
    try:
        # A fixed-seed generator builds the shape: the weights it draws are overwritten
        # at once, and loading leaves the global `random` untouched.
        quiet = {"seed": 0} if cls is MLP else {"rng": random.Random(0)}
        model = cls(**document["config"], **quiet)
        model.load_state_dict(document["state"])
    except (TypeError, ValueError) as problem:
        raise ValueError(f"load {path}: the saved {cls.__name__} does not fit together: {problem}") from None
    return model


def _read_document(path: PathLike) -> dict:
    """The file's JSON object, checked to be a stepgrad model this version can read."""

    def refuse(problem: str) -> ValueError:
        return ValueError(f"load {path}: {problem}")

    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise refuse("no such file") from None
    except (OSError, UnicodeDecodeError) as problem:
        raise refuse(f"cannot read it ({problem})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as problem:
        hint = " (the file is empty)" if not text.strip() else " (truncated?)"
        raise refuse(f"not valid JSON{hint}: {problem}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise refuse(f"not a stepgrad model file (no \"format\": \"{FORMAT}\")")
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise refuse(f"bad format version {version!r}")
    if version > VERSION:
        raise refuse(f"format version {version} was written by a newer stepgrad; this one reads up to {VERSION}")
    missing = [key for key in ("class", "config", "state") if key not in document]
    if missing:
        raise refuse(f"missing {', '.join(missing)}")
    if not isinstance(document["class"], str) or document["class"] not in MODULES:
        raise refuse(f"unknown class {document['class']!r}; expected one of {', '.join(MODULES)}")
    if not isinstance(document["config"], dict) or not isinstance(document["state"], dict):
        raise refuse("config and state must be JSON objects")
    return document
