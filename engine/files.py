"""The project's one way to write a file: atomically, and without surprises.

Every file stepgrad writes (a saved model, a picture, a page, a benchmark report)
goes through `write_atomically`, so that a reader sees the old file or the new
one, never half of either:

- the bytes go to a temporary file in the target's folder (same disk), are
  flushed to disk (fsync), and `os.replace` swaps the file in at once;
- an existing file keeps its permission bits (a private 0600 file stays
  private); a new file gets the usual 0666 minus the user's umask;
- a symbolic link is written through: its target is replaced, the link stays;
- if anything fails on the way, the temporary file is removed and the old file
  is left exactly as it was, and the error is an `OSError` naming the path.

It lives in `engine` only because every other package may import `engine`
(imports point one way); it uses nothing but the standard library.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]


def check_target(path: PathLike) -> Path:
    """`path` as a Path if it can name a file to write; else a clear `OSError`.

    The folder must exist (a typo in a folder name is reported, not silently
    created) and the path must not be a folder. Call it before long work, so a
    bad path fails in a second, not after the work.
    """
    try:
        path = Path(path)
    except TypeError:
        raise TypeError(f"a file path must be a str or a path, got {type(path).__name__}") from None
    if str(path) in ("", "."):
        raise FileNotFoundError("cannot write '': the file name is empty")
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {str(path)!r}: it is a folder, not a file name")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {str(path)!r}: the folder {str(path.parent)!r} does not exist")
    if path.exists() and not path.is_file() and not path.is_symlink():
        raise OSError(f"cannot write {str(path)!r}: it exists and is not a regular file")
    return path


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(path: PathLike, data: Union[bytes, str]) -> Path:
    """Write `data` (bytes, or text as UTF-8) to `path` atomically; return the path written.

    See the module docstring for what "atomically" promises here.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    path = check_target(path)
    # Write through a symlink: replace the file it points to, keep the link.
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if target is not path:
        check_target(target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = _new_file_mode()
    except OSError as err:
        raise type(err)(f"cannot write {str(path)!r}: {err.strerror or err}") from err
    try:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as err:
        raise type(err)(f"cannot write {str(path)!r}: {err.strerror or err}") from err
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException as err:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        if isinstance(err, OSError):
            raise type(err)(f"cannot write {str(path)!r}: {err.strerror or err}") from err
        raise
    _fsync_folder(target.parent)
    return path


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the system allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
