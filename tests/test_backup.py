"""Backups: consistent while others write, exact round trip, damaged files refused with nothing written."""

from __future__ import annotations

import gzip
import json
import threading

import pytest

from pbgraph.graph import open_backend
from pbgraph.graph.backends.base import Statement
from pbgraph.graph.backup import BackupError, backup, restore
from pbgraph.loaders.rosters import load_roster
from pbgraph.loaders.synthetic import generate, write_roster

from conftest import graph_dump, run_cli


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    root = tmp_path_factory.mktemp("backup")
    write_roster(generate("guangming", seed=4), root / "roster")
    folder = root / "source.db"
    with open_backend(str(folder)) as b:
        load_roster(root / "roster", b)
        b.write("MATCH (u:Unit) WITH u LIMIT 1 SET u.name = $name, u.tags = ['甲', 'b'], u.score = 1.5",
                {"name": "x'}) DETACH DELETE n // <script>"})  # fmt: skip
    return folder


def test_round_trip_is_exact(source, tmp_path):
    out = tmp_path / "g.pbgraph.gz"
    result = run_cli("backup", "--out", str(out), db=source)
    assert result.returncode == 0, result.stderr
    result = run_cli("restore", str(out), "--format", "json", db=tmp_path / "copy.db")
    assert result.returncode == 0, result.stderr
    assert "counts verified" in result.stderr
    with open_backend(str(source)) as a, open_backend(str(tmp_path / "copy.db")) as b:
        assert graph_dump(a) == graph_dump(b)
        assert a.counts() == b.counts()
        assert json.loads(result.stdout)["nodes"] == b.counts().nodes


def test_restore_refuses_a_non_empty_database_unless_replace(source, tmp_path):
    out = tmp_path / "g.pbgraph.gz"
    backup(str(source), out)
    target = tmp_path / "target.db"
    with open_backend(str(target)) as b:
        b.write("CREATE (:Area:Street {id: 'elsewhere', name: 'x', level: 'street'})")
    result = run_cli("restore", str(out), db=target)
    assert result.returncode != 0 and "--replace" in result.stderr
    result = run_cli("restore", "--replace", str(out), db=target)
    assert result.returncode == 0, result.stderr
    with open_backend(str(source)) as a, open_backend(str(target)) as b:
        assert graph_dump(a) == graph_dump(b)


def _rewrite(src, dst, edit):
    lines = gzip.decompress(src.read_bytes()).decode("utf-8").splitlines()
    dst.write_bytes(gzip.compress(("\n".join(edit(lines)) + "\n").encode("utf-8")))


@pytest.mark.parametrize(
    "damage, words",
    [
        (lambda lines: lines[:-5], "truncated"),
        (lambda lines: [lines[0], lines[1].replace('"n":["', '"n":["Evil`) DETACH DELETE n //","'), *lines[2:]],
         "not in pbgraph's model"),
        (lambda lines: [ln.replace('"r":"PART_OF"', '"r":"OWNS"') for ln in lines], "not in pbgraph's model"),
        (lambda lines: [lines[0], "{not json", *lines[1:]], "not JSON"),
        (lambda lines: [*lines[:-1], lines[-1].replace('"nodes":', '"nodes":1')], "do not match"),
        (lambda lines: [lines[0], lines[1].replace('"name":"', '"name":"改', 1), *lines[2:]], "checksum"),
        (lambda lines: [lines[0].replace('"counts":{', '"counts":{"x":1,', 1), *lines[1:]], "checksum"),
    ],
    ids=["truncated", "label", "type", "json", "trailer", "edited-value", "edited-header"],
)  # fmt: skip
def test_damaged_backups_change_nothing(source, tmp_path, damage, words):
    good = tmp_path / "good.pbgraph.gz"
    backup(str(source), good)
    bad = tmp_path / "bad.pbgraph.gz"
    _rewrite(good, bad, damage)
    target = tmp_path / "t.db"
    result = run_cli("restore", str(bad), db=target)
    assert result.returncode != 0 and words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    with open_backend(str(target)) as b:
        assert b.read("MATCH (n) RETURN count(n)").rows == [[0]]


def test_cut_gzip_stream_is_refused(source, tmp_path):
    good = tmp_path / "good.pbgraph.gz"
    backup(str(source), good)
    bad = tmp_path / "cut.pbgraph.gz"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(BackupError):
        restore(str(tmp_path / "t.db"), bad)


def test_backup_while_a_writer_commits_sees_before_or_after(tmp_path):
    folder = tmp_path / "busy.db"
    with open_backend(str(folder)) as b:
        b.write("UNWIND range(1, 2000) AS i CREATE (:Area:Grid {id: 'g' + toString(i), level: 'grid'})")
        create = "UNWIND range($a, $b) AS i CREATE (:Unit {id: 'u' + toString(i)})"
        statements = [Statement(create, {"a": k * 500, "b": k * 500 + 499}) for k in range(20)]
        done = threading.Event()

        def writer():
            b2 = open_backend(str(folder))
            try:
                b2.write_all(statements)
            finally:
                b2.close()
                done.set()

        t = threading.Thread(target=writer)
        t.start()
        seen = set()
        while not done.is_set() or not seen:
            report = backup(str(folder), tmp_path / "snap.pbgraph.gz")
            seen.add(report.counts["nodes"].get("Unit", 0))
            with pytest.raises(BackupError, match="already holds"):  # the live graph is never empty here
                restore(b, tmp_path / "snap.pbgraph.gz")
        t.join()
        assert seen <= {0, 10_000}, seen  # a snapshot is the graph before or after the write, never between
        assert not [g for g in b._redis.execute_command("GRAPH.LIST") if "snapshot" in g]  # copies removed
