"""One small adapter per engine, loaded by name so a worker imports only its own.

A graph engine's adapter (a `GraphEngine`) says how to make a leaf, sum many
values, build the moons MLP, run backward and read numbers back; the workloads
in ../workloads.py do the rest with ordinary operators. The floor has no graph:
it implements each workload by hand. microgpt's engine runs only the
workloads written around a `Value` class (runner.WORKLOADS says which).
"""

from __future__ import annotations

import importlib

#: engine name -> module holding its adapter (`ENGINE`), in the order tables show them.
ENGINE_MODULES = {
    "stepgrad": "stepgrad_engine",
    "micrograd": "micrograd_engine",
    "microgpt": "microgpt_engine",
    "torch": "torch_engine",
    "floor": "floor",
}


def load(name: str):
    """The adapter of engine `name` (imports that engine)."""
    if name not in ENGINE_MODULES:
        raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINE_MODULES)}")
    return importlib.import_module(f"{__name__}.{ENGINE_MODULES[name]}").ENGINE
