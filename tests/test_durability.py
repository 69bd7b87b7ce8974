"""Damaged append-only logs: the loss of an acknowledged write is detected at open and refused
(files untouched), ``pbgraph repair`` keeps a copy and recovers what it can, a torn tail is dropped."""

from __future__ import annotations

import hashlib
import os
import shutil
import time

import pytest

from pbgraph.api import stop
from pbgraph.graph import open_backend
from pbgraph.graph.errors import DatabaseDamaged

from conftest import run_cli

WRITES = 5


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A database whose log (after its snapshot) holds five acknowledged writes of 200 areas each."""
    folder = tmp_path_factory.mktemp("durability") / "pristine.db"
    with open_backend(str(folder)) as b:
        b.ensure_schema()  # creating the schema compacts the log in the background
    stop(str(folder))  # waits for that compaction: the writes below then all stay in the log
    with open_backend(str(folder)) as b:
        # a key that has expired by the time a later start loads it (a lost write's writer lock does so
        # 15 s on): the engine logs its deletion as soon as it runs, which a refusal must not keep
        b._redis.set("pbgraph:expiring", 1, px=50)
        for i in range(WRITES):
            b.write("UNWIND range(1, 200) AS k CREATE (:Area {id: $p + toString(k)})", {"p": f"w{i}-"})
    stop(str(folder))  # files at rest: copying a running engine's folder may catch it mid-write
    return folder


def _copy(pristine, tmp_path):
    time.sleep(0.06)  # the expiring key has expired
    folder = tmp_path / "db"
    shutil.copytree(pristine, folder, ignore=shutil.ignore_patterns("run"))
    aof = folder / "data" / "appendonlydir"
    return folder, aof, next(aof.glob("*.incr.aof"))


def _files(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((folder / "data").rglob("*"))
        if p.is_file()
    }


def _cut(aof, incr):
    data = incr.read_bytes()
    os.truncate(incr, data.rfind(b"*", 0, data.rfind(b"GRAPH.QUERY")))  # the newest write cut away


def _garbage(aof, incr):
    with open(incr, "r+b") as f:
        f.seek(incr.stat().st_size // 2)
        f.write(b"\x00garbage\xff" * 3)


def _altered(aof, incr):
    data = incr.read_bytes()
    at = data.rfind(b"CREATE")
    incr.write_bytes(data[:at] + b"CRXATE" + data[at + 6 :])  # same length: the engine replays it and fails it


def _no_manifest(aof, incr):
    (aof / "appendonly.aof.manifest").unlink()


@pytest.mark.parametrize(
    "damage, says, kept",
    [
        (_cut, "missing 1 acknowledged write", (WRITES - 1) * 200),
        (_garbage, "damaged", None),
        (_altered, "altered", (WRITES - 1) * 200),
        (_no_manifest, "manifest", WRITES * 200),
    ],
    ids=["cut-short", "garbage", "altered", "no-manifest"],
)
def test_damaged_log_is_refused_untouched_then_repaired(pristine, tmp_path, damage, says, kept):
    folder, aof, incr = _copy(pristine, tmp_path)
    damage(aof, incr)
    before = _files(folder)
    with pytest.raises(DatabaseDamaged) as refused:
        open_backend(str(folder))
    message = str(refused.value)
    assert says in message and "repair" in message and "\n" not in message, message
    assert _files(folder) == before, "the refusal changed the database's files"

    out = run_cli("status", db=folder)  # the command line: one clear line, no traceback
    assert out.returncode != 0 and "repair" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert _files(folder) == before

    out = run_cli("repair", db=folder)
    assert out.returncode == 0, out.stderr
    assert "kept a copy" in out.stderr and "lost:" in out.stderr, out.stderr
    copy = next(folder.glob("damaged-*"))
    assert _files(copy) == before  # the damaged files, exactly as they were
    with open_backend(str(folder)) as b:  # opens again, holding what could be recovered
        nodes = b.read("MATCH (n) RETURN count(n)").rows[0][0]
        with b.write_lock(wait_s=0):  # no writer lock left over from the lost writes (it made writers wait 15 s)
            pass
        b.write("CREATE (:Area {id: 'after-repair'})")
    assert nodes < WRITES * 200 if kept is None else nodes == kept
    if nodes < WRITES * 200:
        assert "lost: nothing" not in out.stderr
    with open_backend(str(folder)) as b:
        assert b.read("MATCH (n) RETURN count(n)").rows[0][0] == nodes + 1


def test_torn_unacknowledged_tail_is_dropped_quietly(pristine, tmp_path):
    """A crash in the middle of writing a command leaves half of it: never acknowledged, dropped as before."""
    folder, _, incr = _copy(pristine, tmp_path)
    data = incr.read_bytes()
    last = data.rfind(b"*", 0, data.rfind(b"GRAPH.QUERY"))
    with open(incr, "ab") as f:
        f.write(data[last : last + (len(data) - last) // 2])  # half of a command, as a crash would leave it
    out = run_cli("status", "--format", "json", db=folder)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    with open_backend(str(folder)) as b:
        assert b.read("MATCH (n) RETURN count(n)").rows[0][0] == WRITES * 200
    assert not list(folder.glob("data/appendonlydir/*.before-open"))


def test_direct_write_killed_before_its_record_is_not_damage(tmp_path):
    """``write`` runs its statement on the graph, then bumps the record: a process killed in between
    leaves a graph the record does not describe. That write was never acknowledged; no refusal."""
    import signal

    from pbgraph.graph.backends import durability
    from pbgraph.graph.backends.embedded import Layout, _read_pid

    folder = tmp_path / "direct.db"
    with open_backend(str(folder)) as b:
        b.write("CREATE (:Area {id: 'acknowledged'})")
        with b.write_lock():  # what write() does, up to the moment its process is killed
            b._redis.hset(durability.RECORD_KEY.format(graph="pbgraph"), durability.PENDING, 1)
            b._run("pbgraph", "CREATE (:Area {id: 'unacknowledged'})", None, read_only=False)
        os.kill(_read_pid(Layout(folder).pidfile), signal.SIGKILL)
    with open_backend(str(folder)) as b:
        assert sorted(r[0] for r in b.read("MATCH (a:Area) RETURN a.id").rows) == ["acknowledged", "unacknowledged"]
    with open_backend(str(folder)) as b:  # and the record now agrees
        assert b.read("MATCH (n) RETURN count(n)").rows == [[2]]
