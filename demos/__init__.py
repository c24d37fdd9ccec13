"""stepgrad's demos: the reference articles' worked examples, runnable and steppable.

    python -m demos                  list the demos
    python -m demos NAME [--step]    run one (see `python -m demos --help`)
    python -m demos tour             what `make demo` runs

Each demo builds its article's example with the engine, prints the article's
closed form beside the engine's number with a tick or a cross, and exits
non-zero if any disagree.
"""

from .registry import NAMES, load, summary

__all__ = ["NAMES", "load", "summary"]
