"""The one interface every graph backend implements.

Callers (loaders, query runner, CLI) only see :class:`Backend`; queries are the
same text on every engine. Engine-specific DDL lives in each backend's
:meth:`Backend.ensure_schema`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Rows per ``UNWIND $rows`` batch: big enough to amortise a round trip,
#: small enough to keep one statement well under a second.
DEFAULT_BATCH_SIZE = 5000


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = True


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while building millions of small objects.

    Decoding a million-row answer creates only acyclic lists and strings, yet the collector
    keeps rescanning the growing heap: half the time of a big read. Re-entrant and safe across
    threads (collection resumes when the last holder leaves, if it was on before the first).
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


#: When set, atomic writes append their phases to this file, one line each (``copy``, ``write N``,
#: ``commit``, ``committed``): how the crash tests and ``make stress`` prove where a kill landed.
PHASE_LOG_ENV = "PBGRAPH_PHASE_LOG"


def announce_phase(phase: str) -> None:
    """Record that a write reached ``phase`` (only when :data:`PHASE_LOG_ENV` names a file)."""
    path = os.environ.get(PHASE_LOG_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(phase + "\n")


@dataclass(frozen=True)
class Statement:
    """One parameterised Cypher statement."""

    query: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Result:
    """Rows of a statement, with its column names and write counters."""

    columns: list[str]
    rows: list[list[Any]]
    stats: dict[str, int] = field(default_factory=dict)

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column, in column order."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass
class WriteSummary:
    """What a write changed, summed over its statements."""

    nodes_created: int = 0
    nodes_deleted: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0
    properties_set: int = 0
    statements: int = 0
    #: each statement's own counters, in order
    per_statement: list[dict[str, int]] = field(default_factory=list)

    def add(self, stats: Mapping[str, int]) -> None:
        self.per_statement.append(dict(stats))
        self.nodes_created += stats.get("nodes_created", 0)
        self.nodes_deleted += stats.get("nodes_deleted", 0)
        self.relationships_created += stats.get("relationships_created", 0)
        self.relationships_deleted += stats.get("relationships_deleted", 0)
        self.properties_set += stats.get("properties_set", 0)
        self.statements += 1


@dataclass(frozen=True)
class Counts:
    """Node counts per label (a node counts under each label) and relationship counts per type."""

    nodes: dict[str, int]
    relationships: dict[str, int]


#: Reports progress of a long write: ``progress(done_statements)``.
Progress = Callable[[int], None]


@dataclass
class NodeGroup:
    """New nodes with the same labels, for :meth:`Backend.create_graph`, column by column.

    ``columns`` maps each property (``id`` first) to one value per node; None: not set.
    """

    labels: tuple[str, ...]
    columns: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(self.columns["id"])


@dataclass
class RelGroup:
    """New relationships of one type: start and end nodes numbered in the order of the node groups,
    and one value per relationship for each property in ``columns`` (None: not set)."""

    type: str
    starts: list[int]
    ends: list[int]
    columns: dict[str, list[Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.starts)


class Backend(ABC):
    """A graph database pbgraph can read from and write to."""

    #: ``falkordb-embedded``, ``falkordb`` or ``neo4j``.
    kind: str
    #: True when :meth:`create_graph` can build a new graph in one step.
    bulk_create = False
    #: Where the data lives: a folder, ``falkordb://host:port`` or a Neo4j URI.
    location: str

    @abstractmethod
    def read(self, query: str, params: Mapping[str, Any] | None = None) -> Result:
        """Run a statement through the engine's read-only path; a write is refused."""

    def read_typed(self, query: str, params: Mapping[str, Any] | None, types: tuple[str, ...]) -> Result:
        """:meth:`read` for a statement whose columns hold only ``int`` or ``str`` values (``types``, in
        column order; nulls allowed): an engine may then fetch the rows without per-value type tags.
        The rows are :meth:`read`'s."""
        return self.read(query, params)

    @abstractmethod
    def write(self, query: str, params: Mapping[str, Any] | None = None) -> Result:
        """Run one statement that may write, atomically."""

    @abstractmethod
    def write_all(
        self, statements: Iterable[Statement], progress: Progress | None = None, *, in_place: bool = False
    ) -> WriteSummary:
        """Apply statements as one all-or-nothing unit.

        Either every statement takes effect or none does, including when the
        process is killed part-way. Readers never see a partial state.

        ``in_place``: a small write (a few thousand rows) that the engine may apply as one
        statement to the graph itself rather than to a copy; just as atomic. The summary's
        counters may then be those of the whole write, as one entry of ``per_statement``.
        """

    def create_graph(
        self, nodes: list[NodeGroup], relationships: list[RelGroup], progress: Callable[[int, int], None] | None = None
    ) -> bool:
        """Write a whole new graph in one step, if the engine has a facility for it and the graph is empty.

        All or nothing, like :meth:`write_all`. Returns False (having written nothing) when it
        cannot: the caller then writes the same content with :meth:`write_all`.
        ``progress(done, total)`` counts the engine calls.
        """
        return False

    def settle(self) -> None:
        """Wait until the engine's own background work after a write (e.g. compacting its log) is done.

        Timings taken meanwhile measure that work too; nothing else needs to call this.
        """
        return None

    def remember(self, key: str, value: str, after_write: bool = False) -> None:
        """Keep a value for the next writer, valid only while nothing else writes (no-op if the engine
        cannot tell; call inside :meth:`writer`). ``after_write``: valid only once the one write
        this writer is about to make has committed."""
        return None

    def recall(self, key: str) -> str | None:
        """The value the previous writer kept, if nothing else wrote since; None when unknown."""
        return None

    def writer(self) -> contextlib.AbstractContextManager[None]:
        """Be the only writer for a read-compare-write sequence (FalkorDB: its writer lock; else nothing)."""
        return contextlib.nullcontext()

    @abstractmethod
    def read_snapshot(self, queries: list[str]) -> list[Result]:
        """Run read-only statements against one consistent state of the graph.

        Writers that commit meanwhile are not seen; readers are never blocked.
        """

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create the indexes and uniqueness constraints the model needs (idempotent)."""

    @abstractmethod
    def reset(self) -> None:
        """Delete every node, relationship, index and constraint."""

    @abstractmethod
    def close(self) -> None:
        """Release connections (and, for the embedded engine, the server lease)."""

    def counts(self) -> Counts:
        """Count nodes per label and relationships per type."""
        labels = [r[0] for r in self.read("CALL db.labels() YIELD label RETURN label").rows]
        types = [
            r[0] for r in self.read("CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType").rows
        ]
        nodes: dict[str, int] = {}
        for label in sorted(labels):
            n = self.read(f"MATCH (n:{quote_name(label)}) RETURN count(n) AS n").rows[0][0]
            if n:
                nodes[label] = int(n)
        relationships: dict[str, int] = {}
        for rel_type in sorted(types):
            # ``r`` is referenced in the RETURN, so FalkorDB counts parallel edges too.
            n = self.read(f"MATCH ()-[r:{quote_name(rel_type)}]->() RETURN count(r) AS n").rows[0][0]
            if n:
                relationships[rel_type] = int(n)
        return Counts(nodes=nodes, relationships=relationships)

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def quote_name(name: str) -> str:
    """Backtick-quote a label or type name read from the database itself."""
    return "`" + name.replace("`", "``") + "`"


def batched(rows: Iterable[Any], size: int = DEFAULT_BATCH_SIZE) -> Iterator[list[Any]]:
    """Split rows into lists of at most ``size``."""
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def plain(value: Any) -> Any:
    """Turn engine values into JSON-friendly Python: dates as ISO strings, maps as dicts."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return value
