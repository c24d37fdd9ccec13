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
  is left exactly as it was, and the error is an `OSError` naming the path;
- what a plain `open(path, "w")` would refuse is refused too, before anything
  is written: a file you may not write (read-only to you, mode 0444), even
  though replacing it would only need the folder to be writable;
- a file with more than one hard link is refused: replacing it would change it
  under this name only and silently cut it off from its other names, and
  writing into it in place would give up atomicity (a crash would leave half a
  file under every name). Which of the two the links are for (names that share
  updates, or a snapshot that must not change) only their owner knows: write to
  a new name, or remove this name first;
- a temporary file left by a write that was killed (`.NAME.xxxxxxxx.tmp`, the
  writer's own pattern for that target) is removed by the next write of the
  same target, once it is `STALE_AFTER` seconds old and no writer holds it
  (each writer holds a lock on its temporary file until the rename). Nothing
  else is ever removed.

It lives in `engine` only because every other package may import `engine`
(imports point one way); it uses nothing but the standard library.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from pathlib import Path
from typing import Optional, Union

try:
    import fcntl
except ImportError:  # not on Windows: there, no temporary file is ever taken for stale
    fcntl = None

PathLike = Union[str, "os.PathLike[str]"]

#: A temporary file this old (seconds since its last change), held by no writer, is a killed write's.
STALE_AFTER = 60.0
#: The random middle of a temporary file's name, as `tempfile.mkstemp` makes it.
_RANDOM_PART = re.compile(r"[a-z0-9_]{8}")


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
    if path.exists():
        _check_existing(path)
    return path


def _check_existing(path: Path) -> None:
    """Refuse an existing file that a plain write may not, or should not, change (module docstring)."""
    effective = {"effective_ids": True} if os.access in os.supports_effective_ids else {}
    if not os.access(path, os.W_OK, **effective):  # what open(path, "w") would answer (root may write anything)
        raise PermissionError(f"cannot write {str(path)!r}: permission denied (the file is read-only to you)")
    links = os.stat(path).st_nlink
    if links > 1:
        raise OSError(f"cannot write {str(path)!r}: it has {links} hard links, and replacing it would cut it "
                      "off from the others; write to a new name, or remove this one first")


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
    _remove_stale_temporaries(target)
    try:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as err:
        raise type(err)(f"cannot write {str(path)!r}: {err.strerror or err}") from err
    try:
        try:
            _lock(fd, wait=False)  # held until the rename is done: no later writer takes this file for stale
            with os.fdopen(fd, "wb", closefd=False) as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temp, mode)
            os.replace(temp, target)
        finally:
            os.close(fd)
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


def _temporary_name(target: Path, name: str) -> bool:
    """Is `name` one `write_atomically` gives a temporary file for `target`: `.NAME.xxxxxxxx.tmp`?"""
    prefix = f".{target.name}."
    return (name.startswith(prefix) and name.endswith(".tmp")
            and _RANDOM_PART.fullmatch(name[len(prefix):-len(".tmp")]) is not None)


def _lock(fd: int, wait: bool = True) -> bool:
    """Take the writer's lock on an open temporary file; False if another process holds it."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def _remove_stale_temporaries(target: Path) -> None:
    """Remove what killed writes of `target` left (module docstring): a regular file of
    the writer's own name pattern, owned by this user, unchanged for STALE_AFTER
    seconds, that no writer holds. Anything in doubt is left where it is."""
    if fcntl is None:
        return
    try:
        names = [entry.name for entry in os.scandir(target.parent) if _temporary_name(target, entry.name)]
    except OSError:
        return
    for name in names:
        candidate = target.parent / name
        fd: Optional[int] = None
        try:
            fd = os.open(candidate, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
            info = os.fstat(fd)
            if (stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()
                    and time.time() - info.st_mtime > STALE_AFTER and _lock(fd, wait=False)):
                os.unlink(candidate)
        except OSError:
            pass  # gone already, a symlink, not ours to open: leave it
        finally:
            if fd is not None:
                os.close(fd)


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
