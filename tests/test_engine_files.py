"""engine.files.write_atomically, the one atomic writer: it refuses what a plain write
would refuse, never cuts a hard link silently, and cleans up after a killed write
(only its own temporary files)."""

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

import engine.files
from engine.files import STALE_AFTER, write_atomically
from nn import MLP, load, save

ROOT = Path(__file__).resolve().parent.parent


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---- what a plain write would refuse ---------------------------------------------------


def test_a_file_read_only_to_the_writer_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    """The tests run as root in CI, where a 0444 file is writable: the writer asks the
    system what a plain open(path, "w") would be told (os.access, W_OK, effective ids)."""
    target = tmp_path / "model.json"
    target.write_text("old\n")
    os.chmod(target, 0o444)
    asked = []

    def access(path, mode, **kwargs):
        asked.append((Path(path), mode, kwargs))
        return False  # as for an unprivileged user: the file is read-only to them

    monkeypatch.setattr(engine.files.os, "access", access)
    with pytest.raises(PermissionError, match=r"cannot write '.*model\.json': permission denied \(the file is "
                                              r"read-only to you\)"):
        write_atomically(target, "new\n")
    assert target.read_text() == "old\n" and listing(tmp_path) == ["model.json"]  # replaced, once, behind the 0444
    assert asked[0][:2] == (target, os.W_OK)
    with pytest.raises(PermissionError, match="read-only to you"):  # nn.save: before the model is even serialised
        save(MLP(2, [1], seed=0), target)
    assert target.read_text() == "old\n"


def _unprivileged_python():
    """An interpreter the user `nobody` can run, and that user's ids; None if there is none."""
    try:
        import pwd

        nobody = pwd.getpwnam("nobody")
    except (ImportError, KeyError):
        return None
    for python in dict.fromkeys(filter(None, [sys.executable, shutil.which("python3"), "/usr/bin/python3"])):
        try:
            ran = subprocess.run([python, "-c", "pass"], user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[],
                                 capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            continue
        if ran.returncode == 0:
            return python, nobody.pw_uid, nobody.pw_gid
    return None


def test_a_read_only_file_is_refused_for_a_real_unprivileged_user(tmp_path):
    """The same without pretending: run as the user itself (as root, the child drops to `nobody`)."""
    script = textwrap.dedent("""
        import sys
        from engine.files import write_atomically
        try:
            open("model.json", "w")
        except PermissionError:
            print("plain open refused")
        try:
            write_atomically("model.json", "new")
        except PermissionError as problem:
            print(problem)
        print(open("model.json").read())
    """)
    if os.geteuid() != 0:  # already unprivileged: the file, here
        folder, run_as, python = tmp_path, {}, sys.executable
    else:
        found = _unprivileged_python()
        if found is None:
            pytest.skip("as root, and no interpreter that the user nobody can run")
        python, uid, gid = found
        run_as = {"user": uid, "group": gid, "extra_groups": []}
        folder = Path(tempfile.mkdtemp(prefix="stepgrad-readonly-"))  # (pytest's folders are private to root)
        shutil.copytree(ROOT / "engine", folder / "engine")  # the engine needs only the standard library
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, uid, gid)
        os.chmod(folder, 0o755)
    try:
        (folder / "model.json").write_text("old")
        if run_as:
            os.chown(folder / "model.json", run_as["user"], run_as["group"])
        os.chmod(folder / "model.json", 0o444)
        ran = subprocess.run([python, "-c", script], cwd=folder, capture_output=True, text=True, timeout=120,
                             env={"PYTHONPATH": str(folder if run_as else ROOT), "PATH": os.environ.get("PATH", "")},
                             **run_as)
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.splitlines() == ["plain open refused",
                                           "cannot write 'model.json': permission denied (the file is read-only "
                                           "to you)", "old"]
    finally:
        if run_as:
            shutil.rmtree(folder)


def test_a_hard_linked_file_is_refused_and_every_name_keeps_its_content(tmp_path):
    """Replacing would change the file under this name only, silently cutting the link
    (a snapshot made with `cp -al`, or names meant to share updates: only the owner knows
    which); writing in place would give up atomicity. So: refused, saying what to do."""
    target = tmp_path / "model.json"
    save(MLP(2, [3, 1], seed=1), target)
    other = tmp_path / "snapshot.json"
    os.link(target, other)
    before = target.read_text()
    with pytest.raises(OSError, match=r"'.*model\.json': it has 2 hard links, and replacing it would cut it off "
                                      r"from the others; write to a new name, or remove this one first"):
        save(MLP(2, [3, 1], seed=2), target)
    assert os.stat(target).st_ino == os.stat(other).st_ino and os.stat(target).st_nlink == 2  # still one file
    assert target.read_text() == other.read_text() == before
    link = tmp_path / "latest.json"
    link.symlink_to(target.name)
    with pytest.raises(OSError, match="hard links"):  # through a symlink: the file it points to counts
        write_atomically(link, "new")
    os.unlink(other)  # the owner's choice; then the save goes through
    save(MLP(2, [3, 1], seed=2), target)
    assert load(target).state_dict() == MLP(2, [3, 1], seed=2).state_dict()


# ---- what a killed write leaves behind --------------------------------------------------


def killed_save(target: Path) -> None:
    """A save killed (SIGKILL) between writing its temporary file and renaming it."""
    script = textwrap.dedent(f"""
        import os, signal
        import engine.files
        from nn import MLP, save
        engine.files.os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
        save(MLP(2, [3, 1], seed=3), {str(target)!r})
    """)
    ran = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, timeout=120)
    assert ran.returncode == -signal.SIGKILL, ran.stderr


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def test_the_next_save_removes_what_a_killed_save_left(tmp_path):
    target = tmp_path / "model.json"
    save(MLP(2, [3, 1], seed=1), target)
    killed_save(target)
    left = [name for name in listing(tmp_path) if name != "model.json"]
    assert len(left) == 1 and left[0].startswith(".model.json.") and left[0].endswith(".tmp")
    assert load(target).state_dict() == MLP(2, [3, 1], seed=1).state_dict()  # the old file, whole
    save(MLP(2, [3, 1], seed=4), target)
    assert left[0] in listing(tmp_path)  # a minute has not passed: it could still be a live writer's
    age(tmp_path / left[0], STALE_AFTER + 5)
    save(MLP(2, [3, 1], seed=5), target)
    assert listing(tmp_path) == ["model.json"]
    assert load(target).state_dict() == MLP(2, [3, 1], seed=5).state_dict()


def test_cleaning_up_removes_nothing_but_its_own_stale_temporary_files(tmp_path):
    target = tmp_path / "model.json"
    target.write_text("old")
    stale = tmp_path / ".model.json.ab_12cd3.tmp"
    keep = {
        ".model.json.fresh000.tmp": "a live writer's, or one killed a moment ago",
        ".model.json.ABCDEFGH.tmp": "not the pattern: mkstemp's names are lower case",
        ".model.json.abc.tmp": "not the pattern: too short",
        ".model.json.backup.old.tmp": "not the pattern",
        "model.json.abcdefgh.tmp": "no leading dot",
        ".other.json.abcdefgh.tmp": "another target's",
        ".model.json.abcdefgh.tmp.bak": "not ending .tmp",
    }
    for name in [stale.name, *keep]:
        (tmp_path / name).write_text("x")
        if name != ".model.json.fresh000.tmp":
            age(tmp_path / name, STALE_AFTER + 5)
    folder = tmp_path / ".model.json.folder00.tmp"
    folder.mkdir()
    (tmp_path / ".model.json.symlink0.tmp").symlink_to(target.name)
    age(tmp_path / ".model.json.symlink0.tmp", STALE_AFTER + 5)
    write_atomically(target, "new")
    assert listing(tmp_path) == sorted([target.name, *keep, folder.name, ".model.json.symlink0.tmp"])
    assert target.read_text() == "new" and folder.is_dir()


def test_a_write_in_progress_is_never_taken_for_stale(tmp_path, monkeypatch):
    """Each writer holds a lock on its temporary file until the rename: another writer's
    clean-up, even one that took every file for old, leaves it alone."""
    target = tmp_path / "model.json"
    target.write_text("old")
    real_replace = os.replace
    seen = []

    def replace_after_another_writers_cleanup(source, destination):
        with monkeypatch.context() as patched:
            patched.setattr(engine.files, "STALE_AFTER", -1.0)  # every file counts as old
            engine.files._remove_stale_temporaries(Path(destination))
        seen.append(Path(source).exists())
        return real_replace(source, destination)

    monkeypatch.setattr(engine.files.os, "replace", replace_after_another_writers_cleanup)
    write_atomically(target, "new")
    assert seen == [True] and target.read_text() == "new" and listing(tmp_path) == ["model.json"]


def test_a_failed_write_still_leaves_no_temporary_file_and_the_mode_is_kept(tmp_path, monkeypatch):
    target = tmp_path / "page.html"
    target.write_text("old")
    os.chmod(target, 0o640)
    with monkeypatch.context() as patched:
        patched.setattr(engine.files.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(28, "No space left")))
        with pytest.raises(OSError, match="No space left"):
            write_atomically(target, "new")
    assert listing(tmp_path) == ["page.html"] and target.read_text() == "old"
    write_atomically(target, "new")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640 and target.read_text() == "new"
