"""Neo4j: the engine-specific DDL through Neo4j's own front end always; a live server when
PBGRAPH_TEST_NEO4J_URI (with NEO4J_USERNAME / NEO4J_PASSWORD) is set."""

from __future__ import annotations

import os

import pytest

from pbgraph.graph import Statement, open_backend
from pbgraph.graph.backends.neo4j_backend import schema_statements
from pbgraph.graph.errors import ReadOnlyViolation, WriteFailed
from pbgraph.graph.schema import KEYED_LABELS

from helpers_lint import errors, lint

LIVE = os.environ.get("PBGRAPH_TEST_NEO4J_URI")
live = pytest.mark.skipif(not LIVE, reason="no live Neo4j: set PBGRAPH_TEST_NEO4J_URI and NEO4J_PASSWORD")


def test_neo4j_ddl_passes_neo4j_front_end():
    ddl = schema_statements()
    assert len(ddl) >= len(KEYED_LABELS)
    diagnostics = lint([{"id": str(i), "query": q} for i, q in enumerate(ddl)])
    assert {i: errors(d) for i, d in diagnostics.items() if errors(d)} == {}


@pytest.fixture
def neo4j_db():
    backend = open_backend(LIVE)
    backend.reset()
    yield backend
    backend.reset()
    backend.close()


@live
def test_live_read_write_and_counts(neo4j_db):
    neo4j_db.write("CREATE (a:Area:Grid {id: 'g1'})-[:PART_OF]->(:Area:Community {id: 'c1'})")
    counts = neo4j_db.counts()
    assert counts.nodes == {"Area": 2, "Community": 1, "Grid": 1}
    assert counts.relationships == {"PART_OF": 1}


@live
def test_live_reads_refuse_writes(neo4j_db):
    with pytest.raises(ReadOnlyViolation):
        neo4j_db.read("CREATE (:Area {id: 'x'})")


@live
def test_live_write_all_is_atomic(neo4j_db):
    with pytest.raises(WriteFailed):
        neo4j_db.write_all([Statement("CREATE (:Area {id: 'a'})"), Statement("CREATE (:Area {id: 'a'})")])
    assert neo4j_db.counts().nodes == {}
