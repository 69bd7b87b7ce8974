"""Neo4j: the engine-specific DDL through Neo4j's own front end, and the backend on a live Neo4j 5
(started by the test session; see helpers_neo4j)."""

from __future__ import annotations

import pytest

from pbgraph.graph import Statement, open_backend
from pbgraph.graph.backends.neo4j_backend import schema_statements
from pbgraph.graph.errors import ReadOnlyViolation, WriteFailed
from pbgraph.graph.schema import KEYED_LABELS

from helpers_lint import errors, lint


def test_neo4j_ddl_passes_neo4j_front_end(front_end):
    ddl = schema_statements()
    assert len(ddl) >= len(KEYED_LABELS)
    diagnostics = {i: front_end[f"ddl:{i}"] for i in range(len(ddl))}
    assert {i: errors(d) for i, d in diagnostics.items() if errors(d)} == {}


def test_live_read_write_and_counts(neo4j_db):
    neo4j_db.write("CREATE (a:Area:Grid {id: 'g1'})-[:PART_OF]->(:Area:Community {id: 'c1'})")
    counts = neo4j_db.counts()
    assert counts.nodes == {"Area": 2, "Community": 1, "Grid": 1}
    assert counts.relationships == {"PART_OF": 1}


def test_live_reads_refuse_writes(neo4j_db):
    with pytest.raises(ReadOnlyViolation):
        neo4j_db.read("CREATE (:Area {id: 'x'})")


def test_live_write_all_is_atomic(neo4j_db):
    with pytest.raises(WriteFailed):
        neo4j_db.write_all([Statement("CREATE (:Area {id: 'a'})"), Statement("CREATE (:Area {id: 'a'})")])
    assert neo4j_db.counts().nodes == {}


def test_reads_and_writes_open_sessions_in_the_right_access_mode():
    """Routing without a server: the driver's own session objects carry the access mode."""
    import neo4j

    from pbgraph.graph.backends.neo4j_backend import Neo4jBackend

    backend = Neo4jBackend("neo4j://127.0.0.1:1", "neo4j", "x", database="pb", verify=False)
    try:
        read, write = backend._session(read=True), backend._session(read=False)
        assert read._config.default_access_mode == neo4j.READ_ACCESS
        assert write._config.default_access_mode == neo4j.WRITE_ACCESS
        assert read._config.database == "pb"
        read.close()
        write.close()
    finally:
        backend.close()


def test_parameters_are_sent_as_plain_values():
    """Dates become ISO strings and tuples lists before they reach the driver, as on FalkorDB."""
    import datetime as dt

    from pbgraph.graph.backends.base import plain

    sent = plain({"on": dt.date(2025, 6, 30), "rows": ({"id": "u1", "since": dt.date(2024, 1, 2)},), "n": 3})
    assert sent == {"on": "2025-06-30", "rows": [{"id": "u1", "since": "2024-01-02"}], "n": 3}


def test_credentials_in_the_uri_are_refused():
    from pbgraph.graph import open_backend
    from pbgraph.graph.errors import ConfigError

    with pytest.raises(ConfigError, match="NEO4J_USERNAME and NEO4J_PASSWORD, not in the URI"):
        open_backend("neo4j://neo4j:secret@127.0.0.1:7687")


def _small_backup(tmp_path):
    from pbgraph.graph.backup import backup
    from pbgraph.loaders.rosters import load_roster
    from pbgraph.loaders.synthetic import generate, write_roster

    write_roster(generate("guangming", seed=9), tmp_path / "roster")
    with open_backend(str(tmp_path / "src.db")) as b:
        load_roster(tmp_path / "roster", b)
        expected = b.counts()
    backup(str(tmp_path / "src.db"), tmp_path / "g.pbgraph.gz")
    return tmp_path / "g.pbgraph.gz", expected


def test_restore_statements_pass_neo4j_front_end(tmp_path):
    """The statements that move a backup into Neo4j are valid Neo4j Cypher (checked without a server)."""
    from pbgraph.graph.backup import read_backup, restore_statements

    path, _ = _small_backup(tmp_path)
    texts = sorted({st.query for st in restore_statements(read_backup(path), replace=True)})
    assert len(texts) > 10
    diagnostics = lint([{"id": str(i), "query": q, "parameters": {"rows": []}} for i, q in enumerate(texts)])
    assert {texts[int(i)]: errors(d) for i, d in diagnostics.items() if errors(d)} == {}


def test_live_embedded_database_moves_to_neo4j(neo4j_db, tmp_path):
    from pbgraph.graph.backup import restore

    path, expected = _small_backup(tmp_path)
    restore(neo4j_db, path)
    assert neo4j_db.counts() == expected


KILLED_LOADER = """
import sys, time
from pbgraph.graph import open_backend
from pbgraph.loaders.rosters import load_roster

def progress(done, total):
    if done == 3:  # three batches written inside the open transaction: stop here until killed
        print(f"{done}/{total}", flush=True)
        time.sleep(120)

load_roster(sys.argv[2], open_backend(sys.argv[1]), progress=progress)
"""


def test_killed_client_mid_load_leaves_nothing_half_written(neo4j_db, neo4j_uri, tmp_path):
    """A load is one transaction: readers never see part of it, and a killed loader leaves nothing."""
    import signal
    import subprocess
    import sys

    from pbgraph.loaders.rosters import load_roster

    from fixture_district import write_district

    roster = write_district(tmp_path / "district")
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_LOADER, neo4j_uri, str(roster)], stdout=subprocess.PIPE, text=True
    )
    try:
        line = child.stdout.readline()
        assert line.startswith("3/"), f"the loader never reached its third batch: {line!r}"
        assert neo4j_db.counts().nodes == {}  # three batches written, uncommitted: invisible
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
    assert neo4j_db.counts().nodes == {}
    assert neo4j_db.counts().relationships == {}
    report = load_roster(roster, neo4j_db)  # no lock or half state left in the way
    assert report.nodes["Area"]["created"] == 19
