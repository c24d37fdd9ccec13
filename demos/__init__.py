"""stepgrad's demos: the reference articles' worked examples, runnable and steppable.

    python -m demos                  list the demos
    python -m demos NAME [--step]    run one (see `python -m demos --help`)
    python -m demos tour             what `make demo` runs

Each demo builds its article's example with the engine, prints the article's
formula (or a closed form worked out here, or central differences: each row
says which) beside the engine's number with a tick or a cross, says where it
departs from its article, and exits non-zero if any row disagrees.
"""

from .registry import NAMES, load, summary

__all__ = ["NAMES", "load", "summary"]
