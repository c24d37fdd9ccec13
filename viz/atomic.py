"""viz writes files with the project's one atomic writer (see `engine.files`)."""

from engine.files import check_target, write_atomically

__all__ = ["check_target", "write_atomically"]
