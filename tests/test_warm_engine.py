"""Scripts pay start-up once: the engine stays warm after its last client, and ``pbgraph stop`` stops it.

Real processes (the point is what outlives them), on a small generated district.
"""

from __future__ import annotations

import time

import pytest

import pbgraph
from pbgraph.graph.backends.embedded import server_running

from conftest import run_process


@pytest.fixture
def folder(tmp_path):
    pbgraph.generate("guangming", tmp_path / "roster", seed=3)
    with pbgraph.connect(str(tmp_path / "warm.db")) as g:
        g.load_roster(tmp_path / "roster")
    assert not server_running(tmp_path / "warm.db")  # the tests' default: no keep-warm
    return tmp_path / "warm.db"


def _wait(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_second_command_finds_the_engine_warm_and_stop_stops_it(folder):
    warm = {"PBGRAPH_KEEP_WARM": "30"}
    first = run_process("--debug", "query", "run", "coverage/uncovered-grids", db=folder, env=warm)
    assert first.returncode == 0, first.stderr
    assert "started the embedded engine" in first.stderr
    assert server_running(folder), "the engine should stay warm after its last client"
    second = run_process("--debug", "query", "run", "coverage/uncovered-grids", db=folder, env=warm)
    assert second.returncode == 0 and second.stdout == first.stdout, second.stderr
    assert "started" not in second.stderr  # it found the engine running
    stopped = run_process("stop", db=folder)
    assert stopped.returncode == 0 and "stopped" in stopped.stderr, stopped.stderr
    assert not server_running(folder)


def test_the_engine_stops_once_idle_for_the_keep_warm_time(folder):
    out = run_process("status", db=folder, env={"PBGRAPH_KEEP_WARM": "1"})
    assert out.returncode == 0, out.stderr
    assert _wait(lambda: not server_running(folder)), "the reaper should stop an engine idle past its keep-warm time"


def test_stop_refuses_while_another_process_uses_the_engine(folder):
    with pbgraph.connect(str(folder)):
        out = run_process("stop", db=folder)
        assert out.returncode == 1 and "in use by another pbgraph process" in out.stderr, out.stderr
        assert server_running(folder)


def _engines_serving_deleted(folder) -> list[int]:
    """redis-server processes whose working folder is this database's data folder, deleted."""
    import os

    gone = f"{(folder / 'data').resolve()} (deleted)"
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/cwd") == gone:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def test_a_warm_engine_stops_when_its_folder_is_deleted(folder):
    """A script that deletes its database folder (a benchmark, a temporary database) leaves no engine behind."""
    import shutil

    done = run_process("query", "run", "coverage/uncovered-grids", db=folder, env={"PBGRAPH_KEEP_WARM": "600"})
    assert done.returncode == 0, done.stderr
    assert server_running(folder)
    shutil.rmtree(folder)
    assert _wait(lambda: not _engines_serving_deleted(folder)), "the engine outlived its deleted folder"


def _deleted_engines() -> set[int]:
    """pids of redis-server processes working in a deleted folder (any path)."""
    import os

    pids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cwd = os.readlink(f"/proc/{entry}/cwd")
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if b"redis-server" in f.read() and cwd.endswith(" (deleted)"):
                        pids.add(int(entry))
            except OSError:
                pass
    return pids


def test_a_warm_engine_stops_when_its_pid_file_goes_first_while_the_folder_is_deleted(folder):
    """Deleting a folder takes a while: the reaper that looks between its pid file and its data going still stops it."""
    import shutil

    from pbgraph.graph.backends.embedded import REAP_INTERVAL_S, Layout, _read_pid

    done = run_process("status", db=folder, env={"PBGRAPH_KEEP_WARM": "600"})
    assert done.returncode == 0, done.stderr
    layout = Layout(folder)
    engine = _read_pid(layout.pidfile)
    layout.pidfile.unlink()  # as a deletion that has reached run/ but not data/ yet
    time.sleep(4 * REAP_INTERVAL_S)
    shutil.rmtree(folder)
    assert _wait(lambda: engine not in _deleted_engines()), "the engine outlived its deleted folder"


def test_a_warm_engine_stops_when_its_folder_is_renamed_then_deleted(folder):
    """pytest (and tools that empty a trash) rename a folder before deleting it: the engine still stops."""
    import shutil

    from pbgraph.graph.backends.embedded import Layout, _read_pid

    before = _deleted_engines()
    done = run_process("status", db=folder, env={"PBGRAPH_KEEP_WARM": "600"})
    assert done.returncode == 0, done.stderr
    engine = _read_pid(Layout(folder).pidfile)
    trash = folder.with_name("garbage-" + folder.name)
    folder.rename(trash)
    shutil.rmtree(trash)
    assert engine in _deleted_engines() - before
    assert _wait(lambda: engine not in _deleted_engines()), "the engine outlived its renamed, deleted folder"


def test_a_warm_engine_stops_when_its_folder_is_deleted_and_made_anew(folder):
    """A benchmark that deletes its database and makes a new one at the same path leaves no old engine."""
    import os
    import shutil
    import signal

    from pbgraph.graph.backends.embedded import Layout, _read_pid

    layout = Layout(folder)
    done = run_process("status", db=folder, env={"PBGRAPH_KEEP_WARM": "600"})
    assert done.returncode == 0, done.stderr
    old_engine, old_reaper = _read_pid(layout.pidfile), _read_pid(layout.reaper_pidfile)
    os.kill(old_reaper, signal.SIGSTOP)  # slow to notice, as on a busy machine
    try:
        shutil.rmtree(folder)
        roster = folder.parent / "roster"
        again = run_process("load", "roster", str(roster), db=folder, env={"PBGRAPH_KEEP_WARM": "600"})
        assert again.returncode == 0, again.stderr
        assert _read_pid(layout.pidfile) != old_engine
    finally:
        os.kill(old_reaper, signal.SIGCONT)
    try:
        assert _wait(lambda: old_engine not in _deleted_engines()), "the old engine outlived its deleted folder"
        assert server_running(folder), "the new folder's engine should stay warm"
    finally:
        run_process("stop", db=folder)


def test_a_new_engine_gets_its_own_reaper_and_keep_warm_time(tmp_path):
    """The reaper of a stopped engine, still alive when the next command starts a new one, leaves it
    to that command's reaper; it used to adopt it and stop it with its own keep-warm time (here 0)."""
    import fcntl
    import os
    import signal

    from pbgraph.graph.backends.embedded import Layout, _flock, _pid_alive

    folder = tmp_path / "w.db"
    layout = Layout(folder)
    with pbgraph.connect(str(folder)):
        old_reaper = int(layout.reaper_pidfile.read_text())
        with _flock(layout.server_lock, fcntl.LOCK_EX):  # so that it is not stopped holding the lock
            os.kill(old_reaper, signal.SIGSTOP)  # slow to notice, as on a busy machine
    try:
        assert not server_running(folder)  # keep-warm 0 (this process): stopped with its last user
        out = run_process("status", db=folder, env={"PBGRAPH_KEEP_WARM": "30"})
        assert out.returncode == 0, out.stderr
    finally:
        os.kill(old_reaper, signal.SIGCONT)
    try:
        assert _wait(lambda: not _pid_alive(old_reaper), 10), "the old reaper should leave"
        assert server_running(folder), "the old reaper stopped the new engine"
        assert int(layout.reaper_pidfile.read_text()) != old_reaper
    finally:
        run_process("stop", db=folder)
