"""Writing a file so that a reader sees the old file or the new one, never half.

The bytes go to a temporary file in the same folder (so it is on the same disk),
and `os.replace` swaps it in at once. If anything fails on the way, the
temporary file is removed and the old file is left exactly as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def check_target(path: str | os.PathLike) -> Path:
    """`path` as a Path, if it names a file in a folder that exists; else a clear `OSError`."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {str(path)!r}: it is a folder, not a file name")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {str(path)!r}: the folder {str(path.parent)!r} does not exist")
    return path


def write_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` atomically and return the path.

    The folder must exist: a typo in a folder name is reported, not silently
    created. Any failure is an `OSError` naming the path.
    """
    path = check_target(path)
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise type(err)(f"cannot write {str(path)!r}: {err.strerror or err}") from err
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(temp, 0o644)  # mkstemp makes the file private; a picture is for sharing
        os.replace(temp, path)
    except BaseException as err:
        os.unlink(temp)
        if isinstance(err, OSError):
            raise type(err)(f"cannot write {str(path)!r}: {err.strerror or err}") from err
        raise
    return path
