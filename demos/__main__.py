"""`python -m demos ...`: see demos/cli.py."""

import os
import sys

from .cli import main


def run() -> int:
    """`main()`, quiet when the reader of its output goes away (`python -m demos | head -1`)."""
    try:
        status = main()
        sys.stdout.flush()  # a closed pipe shows up here, while it can still be caught
        return status
    except BrokenPipeError:
        # Python would print a traceback, and another one when it flushes stdout at exit:
        # point stdout at /dev/null so the exit is quiet, as for any program in a pipe
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


raise SystemExit(run())
