"""The Python API that the CLI, scripts and notebooks share.

Every function takes ``db``: a :class:`~pbgraph.graph.Backend` you opened
(kept open), or a location string / ``None`` (opened and closed around the call,
``None`` meaning ``PBGRAPH_DB`` or the default folder)::

    from pbgraph import api
    with api.connect("./demo.db") as db:
        print(api.status(db))
        rows = api.cypher("MATCH (g:Grid) RETURN g.id AS id", db=db)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pbgraph.graph import Backend, open_backend, using
from pbgraph.graph.backends.base import Result
from pbgraph.queries.runner import list_queries, run_query

__all__ = ["connect", "cypher", "cypher_result", "list_queries", "reset", "run_query", "status", "using"]

DB = Backend | str | None


def connect(db: str | None = None) -> Backend:
    """Open a database: a folder (embedded FalkorDB), ``falkordb://host:port`` or a Neo4j URI."""
    return open_backend(db)


def status(db: DB = None) -> dict[str, Any]:
    """Backend, location, node counts per label and relationship counts per type."""
    with using(db) as b:
        counts = b.counts()
        return {
            "backend": b.kind,
            "location": b.location,
            "nodes": counts.nodes,
            "relationships": counts.relationships,
        }


def cypher_result(query: str, params: Mapping[str, Any] | None = None, *, write: bool = False, db: DB = None) -> Result:
    """Run one statement; read-only unless ``write`` is true."""
    with using(db) as b:
        return b.write(query, params) if write else b.read(query, params)


def cypher(
    query: str, params: Mapping[str, Any] | None = None, *, write: bool = False, db: DB = None
) -> list[dict[str, Any]]:
    """Run one statement and return its rows as dicts."""
    return cypher_result(query, params, write=write, db=db).records()


def reset(db: DB = None) -> None:
    """Delete everything in the database (nodes, relationships, indexes), then recreate the schema."""
    with using(db) as b:
        b.reset()
