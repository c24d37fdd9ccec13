"""The list of demos. Each is a module in this package with a docstring (its
first line is the one-line description `python -m demos` prints), a `SEED`
and a `run(session)` function. A demo that needs an optional extra says so in
`NEEDS`: {module to import: the line to print when it cannot be}."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Optional

#: In teaching order: one node first, a trained classifier last.
NAMES = (
    "chain_rule", "neuron", "topo_order", "reverse_network", "delta_rule", "logistic", "symmetry", "l_layer",
    "tiny_net", "linear_chain", "forward_vs_reverse", "window_ner", "moons",
    "newton",
    "gradient_graph",
    "as_code",
    "to_pytorch",
)


def load(name: str) -> ModuleType:
    """The demo module called `name`; `KeyError` listing the names if there is none."""
    if name not in NAMES:
        raise KeyError(f"no demo called {name!r}; the demos are: {', '.join(NAMES)}")
    return importlib.import_module(f"demos.{name}")


def article_of(name: str) -> Optional[str]:
    """The number of the article the demo reproduces ("000" … "004"), or None."""
    return getattr(load(name), "ARTICLE", None)


def summary(name: str) -> str:
    """The demo's one-line description: the first line of its docstring."""
    return (load(name).__doc__ or "").strip().splitlines()[0]


def missing(name: str) -> Optional[str]:
    """Why the demo `name` cannot run here (an optional extra it needs is not
    installed), in one line; None if it can."""
    for module, line in getattr(load(name), "NEEDS", {}).items():
        try:
            importlib.import_module(module)
        except ImportError:
            return line
    return None
