"""Failures a user meets on the command line: one clear line, no traceback, nothing left behind
(a read-only folder, a full disk, an empty ``--db``, failed commands into a new folder)."""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pbgraph.graph import open_backend
from pbgraph.loaders.synthetic import generate, write_roster

from conftest import run_cli, run_process, write_csv


def _one_clear_line(out, *words):
    assert out.returncode != 0, out.stderr
    assert "Traceback" not in out.stderr, out.stderr
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, out.stderr
    for word in words:
        assert word in lines[0], out.stderr


@contextlib.contextmanager
def _tmpfs(path, size):
    """A small filesystem of its own (root only), unmounted afterwards."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a small tmpfs")
    path.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=False).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _engines_in(folder):
    """Engine processes working inside ``folder``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"redis-server" in cmd and os.readlink(f"/proc/{pid}/cwd").startswith(str(folder)):
                found.append(int(pid))
    return found


def test_empty_db_option_is_refused(tmp_path):
    out = run_cli("status", db="", env={"XDG_DATA_HOME": str(tmp_path / "xdg")})
    _one_clear_line(out, "empty", "--db")
    assert not (tmp_path / "xdg").exists()  # the default database was not used (or created)


def test_failed_commands_leave_no_new_folder(tmp_path):
    junk = tmp_path / "junk.pbgraph.gz"
    junk.write_bytes(gzip.compress(b"not a backup\n"))
    out = run_cli("restore", str(junk), db=tmp_path / "restored.db")
    _one_clear_line(out, "junk.pbgraph.gz")
    assert not (tmp_path / "restored.db").exists()

    write_csv(tmp_path / "bad", "areas", ["id", "name"], [["a", "x"]])  # no level column
    out = run_cli("load", "roster", str(tmp_path / "bad"), "-q", db=tmp_path / "loaded.db")
    assert out.returncode != 0 and "Traceback" not in out.stderr, out.stderr
    assert not (tmp_path / "loaded.db").exists()

    out = run_cli("query", "run", "no/such-query", db=tmp_path / "queried.db")
    assert out.returncode != 0
    assert not (tmp_path / "queried.db").exists()

    existing = tmp_path / "existing.db"  # a failure in an existing database removes nothing
    with open_backend(str(existing)):
        pass
    out = run_cli("restore", str(junk), db=existing)
    assert out.returncode != 0 and existing.is_dir()


def test_read_only_folder_is_one_clear_line(tmp_path):
    folder = tmp_path / "ro"
    with _tmpfs(folder, "4m"):
        assert run_cli("cypher", "CREATE (:Area {id: 'a'})", "--write", db=folder / "g.db").returncode == 0
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        _one_clear_line(run_cli("status", db=folder / "g.db"), "read-only", "writable")
        _one_clear_line(run_cli("status", db=folder / "new.db"), "read-only", "writable")


def test_full_disk_is_one_clear_line_and_loses_nothing(tmp_path):
    write_roster(generate("cuiping", seed=3), tmp_path / "roster")
    disk = tmp_path / "disk"
    with _tmpfs(disk, "4m"):
        db = disk / "g.db"
        assert run_cli("cypher", "CREATE (:Area {id: 'kept'})", "--write", db=db).returncode == 0
        st = os.statvfs(disk)
        (disk / "filler").write_bytes(b"\0" * (st.f_bavail * st.f_frsize - 300 * 1024))
        out = run_cli("load", "roster", str(tmp_path / "roster"), "-q", db=db)
        _one_clear_line(out, "no space", str(db))
        _one_clear_line(run_process("load", "roster", str(tmp_path / "roster"), "-q", db=disk / "new.db"), "no space")
        assert not (disk / "new.db").exists(), sorted(p.name for p in (disk / "new.db").rglob("*"))
        assert not _engines_in(disk), "an engine was left running on the full disk"
        (disk / "filler").unlink()
        with open_backend(str(db)) as b:  # the acknowledged write survived, nothing of the failed load
            assert b.read("MATCH (n) RETURN n.id").rows == [["kept"]]
            with b.write_lock(wait_s=0):  # the failed writer's lock (its release was refused) is not reloaded
                pass
        out = run_cli("load", "roster", str(tmp_path / "roster"), "-q", db=db)
        assert out.returncode == 0, out.stderr
