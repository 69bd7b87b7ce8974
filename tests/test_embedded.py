"""The embedded engine's lifecycle across real processes: sharing, stopping, recovering."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pbgraph.graph import open_backend
from pbgraph.graph.backends.embedded import Layout, _read_pid, server_running
from pbgraph.graph.errors import NotADatabase

from conftest import run_process

HOLDER = """
import sys, time
from pbgraph.graph import open_backend
b = open_backend(sys.argv[1])
b.write("CREATE (:Area {id: $id})", {"id": sys.argv[2]})
print("ready", flush=True)
time.sleep(600)
"""


def _wait(predicate, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _hold(folder: Path, node_id: str) -> subprocess.Popen[str]:
    """A pbgraph process that opened the database, wrote one node, and waits."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder), node_id], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def _kill(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait()
    assert proc.stdout is not None
    proc.stdout.close()


def test_processes_share_one_server_and_the_last_stops_it(tmp_path):
    folder = tmp_path / "shared.db"
    a = open_backend(str(folder))
    pid = _read_pid(Layout(folder).pidfile)
    out = run_process("cypher", "CREATE (:Area {id: 'from-cli'})", "--write", db=folder)
    assert out.returncode == 0, out.stderr
    assert _read_pid(Layout(folder).pidfile) == pid and server_running(folder)
    assert a.read("MATCH (n:Area) RETURN n.id AS id").rows == [["from-cli"]]
    a.close()
    assert not server_running(folder)
    assert not (folder / "run" / "db.sock").exists()


def test_server_of_a_killed_client_is_stopped_by_the_reaper(tmp_path):
    folder = tmp_path / "reaped.db"
    holder = _hold(folder, "x")
    assert server_running(folder)
    _kill(holder)
    assert _wait(lambda: not server_running(folder)), "server outlived its only user"


def test_stale_socket_and_pid_are_recovered_and_data_kept(tmp_path):
    folder = tmp_path / "stale.db"
    holder = _hold(folder, "survivor")
    layout = Layout(folder)
    server_pid = _read_pid(layout.pidfile)
    reaper_pid = _read_pid(layout.reaper_pidfile)
    for pid in (reaper_pid, server_pid):
        os.kill(pid, signal.SIGKILL)
    _kill(holder)
    assert layout.socket.exists() and layout.pidfile.exists()  # what a crash leaves
    out = run_process("status", "--format", "json", db=folder)
    assert out.returncode == 0, out.stderr
    assert "recovered" in out.stderr
    assert json.loads(out.stdout)["nodes"] == {"Area": 1}


def test_folder_with_other_files_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(NotADatabase, match="holds other files"):
        open_backend(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # nothing written
    with pytest.raises(NotADatabase, match="is a file"):
        open_backend(str(tmp_path / "notes.txt"))


def test_deep_folder_beyond_socket_path_limit(tmp_path):
    folder = tmp_path.joinpath(*["a-rather-long-folder-name"] * 5) / "graph.db"
    assert len(str(folder / "run" / "db.sock")) > 108
    with open_backend(str(folder)) as b:
        b.write("CREATE (:Area {id: 'deep'})")
        assert b.counts().nodes == {"Area": 1}
    assert not server_running(folder)


def test_acknowledged_write_survives_killing_the_engine(tmp_path):
    folder = tmp_path / "durable.db"
    holder = _hold(folder, "acknowledged")
    os.kill(_read_pid(Layout(folder).pidfile), signal.SIGKILL)
    _kill(holder)
    with open_backend(str(folder)) as b:
        assert b.read("MATCH (n:Area) RETURN n.id AS id").rows == [["acknowledged"]]


def test_log_is_compacted_after_a_load_so_restarts_do_not_replay_queries(tmp_path):
    """After an atomic write the append-only log is rewritten into a snapshot (no query replay on restart)."""
    from pbgraph.loaders.rosters import load_roster
    from pbgraph.loaders.synthetic import generate, write_roster

    write_roster(generate("cuiping", seed=1), tmp_path / "roster")
    folder = tmp_path / "compact.db"
    with open_backend(str(folder)) as b:
        load_roster(tmp_path / "roster", b)
        assert _wait(lambda: b._redis.info("persistence")["aof_rewrite_in_progress"] == 0, 30)
    logs = {
        p.name.split(".")[-2] if p.name.endswith((".rdb", ".aof")) else p.name: p.stat().st_size
        for p in (folder / "data" / "appendonlydir").iterdir()
    }
    assert logs["base"] > 50_000, logs  # the data lives in the snapshot
    assert logs["incr"] < 10_000, logs  # not in a log of queries to replay
    out = run_process("status", "--format", "json", db=folder)
    assert out.returncode == 0 and json.loads(out.stdout)["nodes"]["Area"] > 100
    assert "CRITICAL" not in (folder / "server.log").read_text(encoding="utf-8")


def test_atomic_writes_right_after_a_log_rewrite_do_not_hang_the_engine(tmp_path):
    """A log rewrite still running when the next atomic write copies the graph used to deadlock FalkorDB."""
    import contextlib
    import threading

    import redis

    from pbgraph.graph.backends.base import Statement

    folder = tmp_path / "busy.db"
    with open_backend(str(folder)) as b:
        for i in range(15):
            with contextlib.suppress(redis.exceptions.ResponseError):  # already running: as wanted
                b._redis.execute_command("BGREWRITEAOF")  # as a previous write leaves it: a rewrite running
            writer = threading.Thread(
                target=b.write_all, args=([Statement("CREATE (:Area {id: $id})", {"id": f"a{i}"})],), daemon=True
            )
            writer.start()
            writer.join(60)
            assert not writer.is_alive(), f"write {i} hung behind a log rewrite"
        assert b.counts().nodes == {"Area": 15}
    assert "Can't fork" not in (folder / "server.log").read_text(encoding="utf-8")


def test_a_hung_engine_is_detected_and_restarted(tmp_path):
    """An engine that neither answers nor runs (here: stopped) is killed and restarted, data intact."""
    folder = tmp_path / "hung.db"
    holder = _hold(folder, "kept")
    pid = _read_pid(Layout(folder).pidfile)
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        out = run_process("status", "--format", "json", db=folder, env={"PBGRAPH_HUNG_AFTER": "1"})
        assert out.returncode == 0, out.stderr
        assert "did not answer" in out.stderr and "restarted" in out.stderr
        assert json.loads(out.stdout)["nodes"] == {"Area": 1}
        assert time.monotonic() - started < 60
        assert not _pid_alive_or_zombie(pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _kill(holder)


def test_a_first_load_leaves_no_index_build_in_the_log(tmp_path):
    """The log is compacted after a first load even when an earlier compaction (e.g. of the new folder's
    schema) still runs: the load's index builds were otherwise replayed at every start, in the background,
    where a copy of the graph (a backup, a write) could deadlock with them."""
    from test_rosters import small_roster

    from pbgraph.loaders.rosters import load_roster

    small_roster(tmp_path / "r")
    folder = tmp_path / "first.db"
    with open_backend(str(folder)) as b:
        # a compaction still running when the load ends (slowed down in its own process only)
        b._wait_for_no_fork()  # (the open's own compaction)
        b._redis.config_set("rdb-key-save-delay", 200_000)
        b._redis.execute_command("BGREWRITEAOF")
        b._redis.config_set("rdb-key-save-delay", 0)
        load_roster(tmp_path / "r", b)
    replayed = b"".join(p.read_bytes() for p in (folder / "data" / "appendonlydir").glob("*.incr.aof"))
    assert b"CREATE INDEX" not in replayed and b"GRAPH.BULK" not in replayed


def test_a_copy_waits_until_the_indexes_of_the_graph_are_built(tmp_path):
    """GRAPH.COPY while the engine builds an index of the same graph can deadlock FalkorDB 4.16 (the copy
    holds the graph's read lock and waits for the module lock; the indexer holds that and waits for the
    graph's write lock): a copy is sent only once every index is OPERATIONAL."""
    statuses = "CALL db.indexes() YIELD status RETURN status"
    with open_backend(str(tmp_path / "indexing.db")) as b:
        b.write("UNWIND range(1, 150000) AS i CREATE (:Unit {id: 'u' + toString(i), x: i})")
        at_copy: list[list[str]] = []
        send = b._redis.execute_command

        def watched(*args, **kwargs):  # what the engine reports when the copy is sent
            if args[0] == "GRAPH.COPY":
                at_copy.append([row[0] for row in b.read(statuses).rows])
            return send(*args, **kwargs)

        b._redis.execute_command = watched
        b._command("GRAPH.QUERY", "pbgraph", "CREATE INDEX FOR (n:Unit) ON (n.x)")
        building = [row[0] for row in b.read(statuses).rows]
        assert b.read_snapshot(["MATCH (n:Unit) WHERE n.x = 7 RETURN n.id"])[0].rows == [["u7"]]
    assert any("UNDER CONSTRUCTION" in s for s in building), building  # (else the test proves nothing)
    assert len(at_copy) == 1 and set(at_copy[0]) == {"OPERATIONAL"}, at_copy


def test_a_writer_on_a_hung_engine_fails_in_one_line_and_the_engine_is_restarted(tmp_path, monkeypatch):
    """An engine that answers nothing and works on nothing under a writer (here: stopped; in the wild, a
    FalkorDB deadlock) is killed and restarted: the write fails with one clear line instead of waiting
    for ever, nothing acknowledged is lost, and the same connection works again."""
    from pbgraph.graph.backends import embedded
    from pbgraph.graph.errors import EngineHung

    monkeypatch.setattr(embedded, "HUNG_AFTER_S", 1.0)
    folder = tmp_path / "hang.db"
    with open_backend(str(folder)) as b:
        b.write("CREATE (:Area {id: 'acknowledged'})")
        pid = _read_pid(Layout(folder).pidfile)
        assert pid
        os.kill(pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(EngineHung) as e:
                b.write("CREATE (:Area {id: 'never acknowledged'})")
            assert time.monotonic() - started < 30
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        message = str(e.value)
        assert "\n" not in message and "stopped responding" in message and "restarted" in message, message
        assert not _pid_alive_or_zombie(pid) and _read_pid(Layout(folder).pidfile) != pid
        assert b.read("MATCH (a:Area) RETURN a.id").rows == [["acknowledged"]]
        b.write("CREATE (:Area {id: 'after'})")
        assert b.counts().nodes == {"Area": 2}


def _pid_alive_or_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_reported_load_survives_killing_every_process(tmp_path):
    """pbgraph load reports success; SIGKILL the engine and reaper at once; reopen: every row is there."""
    from pbgraph.loaders.synthetic import generate, write_roster

    write_roster(generate("cuiping", seed=8), tmp_path / "roster")
    folder = tmp_path / "durable-load.db"
    with open_backend(str(folder)) as b:  # hold the engine open so the load's exit does not stop it cleanly
        out = run_process("load", "roster", str(tmp_path / "roster"), "-q", db=folder)
        assert out.returncode == 0, out.stderr
        expected = b.counts()
        layout = Layout(folder)
        for pid in (_read_pid(layout.pidfile), _read_pid(layout.reaper_pidfile)):
            with contextlib.suppress(ProcessLookupError, TypeError):
                os.kill(pid, signal.SIGKILL)
    with open_backend(str(folder)) as b:
        assert b.counts() == expected
        assert expected.nodes["Unit"] > 100


def test_log_compaction_is_not_cancelled_when_the_last_user_exits(tmp_path):
    """A load run as its own command is the engine's last user: stopping the engine must not cancel the
    log rewrite it started, or every later start replays the whole load."""
    from pbgraph.loaders.synthetic import generate, write_roster

    write_roster(generate("cuiping", seed=5), tmp_path / "roster")
    folder = tmp_path / "exit.db"
    out = run_process("load", "roster", str(tmp_path / "roster"), "-q", db=folder)
    assert out.returncode == 0, out.stderr
    assert not server_running(folder)
    files = {p.name: p.stat().st_size for p in (folder / "data" / "appendonlydir").iterdir()}
    incr = sum(size for name, size in files.items() if name.endswith(".incr.aof"))
    base = sum(size for name, size in files.items() if ".base." in name)
    assert incr < 10_000 and base > 50_000, files  # the load is in the snapshot, not in a log to replay
    assert "Killing it" not in (folder / "server.log").read_text(encoding="utf-8")


def test_settle_returns_once_the_post_write_compaction_is_done(tmp_path):
    """Timings (benchmarks, a script's own) can wait out the log compaction a load leaves running."""
    import pbgraph

    with pbgraph.connect(str(tmp_path / "settle.db")) as g:
        g.write("UNWIND range(1, 20000) AS i CREATE (:Area {id: 'a' + toString(i)})")
        g.backend._compact_log()
        g.settle()
        info = g.backend._info("persistence")
        assert int(info["aof_rewrite_in_progress"]) == 0 and int(info["aof_rewrite_scheduled"]) == 0
