"""Neo4j 5 through the official ``neo4j`` driver.

Reads run in read transactions (the server refuses writes there), writes in
managed write transactions; :meth:`Neo4jBackend.write_all` runs every statement
in one transaction, so it is all-or-nothing by the engine's own guarantee.
Credentials come from ``NEO4J_USERNAME`` / ``NEO4J_PASSWORD`` (and the database
from ``NEO4J_DATABASE``), never from the URI or the command line.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

import neo4j
from neo4j import GraphDatabase
from neo4j import exceptions as nx

from ..errors import AuthError, DatabaseUnavailable, QueryError, ReadOnlyViolation, WriteFailed
from ..schema import INDEXED_PROPERTIES, KEYED_LABELS
from .base import Backend, Progress, Result, Statement, WriteSummary, gc_paused, plain

# The driver logs connection failures itself; pbgraph reports them as one line instead.
logging.getLogger("neo4j").addHandler(logging.NullHandler())
logging.getLogger("neo4j").propagate = False


def schema_statements() -> list[str]:
    """Neo4j 5 DDL for the model: a uniqueness constraint per keyed label (it brings its own
    index) and range indexes for looked-up properties. Idempotent (IF NOT EXISTS)."""
    out = [
        f"CREATE CONSTRAINT {label.value.lower()}_id IF NOT EXISTS FOR (n:{label.value}) REQUIRE n.id IS UNIQUE"
        for label in KEYED_LABELS
    ]
    out += [
        f"CREATE INDEX {label.value.lower()}_{prop} IF NOT EXISTS FOR (n:{label.value}) ON (n.{prop})"
        for label, prop in INDEXED_PROPERTIES
    ]
    return out


class Neo4jBackend(Backend):
    """A Neo4j 5 database."""

    kind = "neo4j"

    def __init__(self, uri: str, user: str, password: str, database: str | None = None, *, verify: bool = True) -> None:
        self.location = uri + (f" (database {database})" if database else "")
        self._database = database
        self._schema_checked = False
        try:
            self._driver = GraphDatabase.driver(uri, auth=(user, password))
            if verify:
                self._driver.verify_connectivity()
        except nx.AuthError as e:
            self._close_quietly()
            raise AuthError(
                f"Neo4j at {uri} refused the credentials of user {user!r}: check NEO4J_USERNAME and NEO4J_PASSWORD"
            ) from e
        except (nx.ServiceUnavailable, nx.DriverError, OSError, ValueError) as e:
            self._close_quietly()
            raise DatabaseUnavailable(
                f"cannot reach Neo4j at {uri} ({e.__class__.__name__}: {_oneline(e)}); "
                "check that the server runs and the URI is right"
            ) from e

    def _close_quietly(self) -> None:
        """Close a driver that failed to connect (left open, it warns when collected)."""
        driver = getattr(self, "_driver", None)
        if driver is not None:
            with contextlib.suppress(Exception):
                driver.close()

    def _session(self, read: bool) -> neo4j.Session:
        mode = neo4j.READ_ACCESS if read else neo4j.WRITE_ACCESS
        return self._driver.session(database=self._database, default_access_mode=mode)

    def read(self, query: str, params: Mapping[str, Any] | None = None) -> Result:
        with _errors(), self._session(read=True) as s:
            return s.execute_read(_run, query, plain(dict(params or {})))

    def read_snapshot(self, queries: list[str]) -> list[Result]:
        def work(tx: neo4j.ManagedTransaction) -> list[Result]:
            return [_run(tx, q, {}) for q in queries]

        with _errors(), self._session(read=True) as s:
            return s.execute_read(work)  # one read transaction: one consistent state

    def write(self, query: str, params: Mapping[str, Any] | None = None) -> Result:
        self.ensure_schema()
        with _errors(), self._session(read=False) as s:
            return s.execute_write(_run, query, plain(dict(params or {})))

    def write_all(
        self, statements: Iterable[Statement], progress: Progress | None = None, *, in_place: bool = False
    ) -> WriteSummary:
        # one transaction either way: ``in_place`` changes nothing here
        self.ensure_schema()
        todo = list(statements)  # a managed transaction may be retried: statements are re-run

        def work(tx: neo4j.ManagedTransaction) -> WriteSummary:
            summary = WriteSummary()
            for i, st in enumerate(todo, 1):
                summary.add(_run(tx, st.query, plain(dict(st.params))).stats)
                if progress:
                    progress(i)
            return summary

        try:
            with _errors(), self._session(read=False) as s:
                return s.execute_write(work)
        except QueryError as e:
            raise WriteFailed(f"nothing was written: {e}") from e

    def ensure_schema(self) -> None:
        if self._schema_checked:
            return
        with _errors(), self._session(read=False) as s:
            for ddl in schema_statements():
                s.run(ddl).consume()
            s.run("CALL db.awaitIndexes(300)").consume()
        self._schema_checked = True

    def reset(self) -> None:
        with _errors(), self._session(read=False) as s:
            s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
            for name in [r["name"] for r in s.run("SHOW CONSTRAINTS YIELD name")]:
                s.run(f"DROP CONSTRAINT `{name}` IF EXISTS").consume()
            for name in [r["name"] for r in s.run("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'")]:
                s.run(f"DROP INDEX `{name}` IF EXISTS").consume()
        self._schema_checked = False

    def close(self) -> None:
        driver = getattr(self, "_driver", None)
        if driver is not None:
            driver.close()


def _oneline(e: BaseException) -> str:
    return " ".join(str(e).split())


#: ``CALL {`` opening a subquery that imports nothing (its body does not start with ``WITH``)
_BARE_CALL = re.compile(r"\bCALL\s*\{(?!\s*WITH\b)", re.IGNORECASE)


def neo4j_text(query: str) -> str:
    """The query as Neo4j 5 should read it: ``CALL {`` importing nothing becomes ``CALL () {``.

    Both mean the same; the first is the only form FalkorDB parses, and the one Neo4j 5.23+ calls
    deprecated (a warning with each run, and on its front end). Engine text lives here, not in packs.
    """
    return _BARE_CALL.sub("CALL () {", query)


def _run(tx: neo4j.ManagedTransaction, query: str, params: dict[str, Any]) -> Result:
    res = tx.run(neo4j_text(query), params)
    columns = list(res.keys())
    with gc_paused():
        rows = [[_value(v) for v in record.values()] for record in res]
    c = res.consume().counters
    stats = {
        "nodes_created": c.nodes_created,
        "nodes_deleted": c.nodes_deleted,
        "relationships_created": c.relationships_created,
        "relationships_deleted": c.relationships_deleted,
        "properties_set": c.properties_set,
    }
    return Result(columns=columns, rows=rows, stats=stats)


def _value(v: Any) -> Any:
    """Driver values as plain Python, shaped like the FalkorDB backend's."""
    if isinstance(v, neo4j.graph.Node):
        return {"_labels": sorted(v.labels), **{k: _value(x) for k, x in v.items()}}
    if isinstance(v, neo4j.graph.Relationship):
        return {"_type": v.type, **{k: _value(x) for k, x in v.items()}}
    if isinstance(v, neo4j.graph.Path):
        return {"nodes": [_value(n) for n in v.nodes], "relationships": [_value(r) for r in v.relationships]}
    if isinstance(v, (neo4j.time.Date, neo4j.time.DateTime, neo4j.time.Time)):
        return v.iso_format()
    if isinstance(v, neo4j.time.Duration):
        return str(v)
    if isinstance(v, dict):
        return {k: _value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_value(x) for x in v]
    return v


class _errors:
    """Translate driver errors into pbgraph's one-line errors."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, typ: type | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None:
            return False
        if isinstance(exc, nx.AuthError):
            raise AuthError(f"Neo4j refused the credentials: {exc.message}") from exc
        if isinstance(exc, nx.Neo4jError):
            code = exc.code or ""
            if "AccessMode" in code or "ForbiddenDueToTransactionType" in code:
                raise ReadOnlyViolation(
                    "this statement writes to the graph; run it with --write (or write=True)"
                ) from exc
            raise QueryError(f"{(exc.message or str(exc)).splitlines()[0]} [{code}]") from exc
        if isinstance(exc, (nx.ServiceUnavailable, nx.SessionExpired)):
            raise DatabaseUnavailable(f"lost the connection to Neo4j: {_oneline(exc)}") from exc
        return False
