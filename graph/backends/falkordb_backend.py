"""FalkorDB: the embedded default (a folder) and existing servers (``falkordb://``).

Reads go through ``GRAPH.RO_QUERY``, so a write sent as a read is refused by the
engine itself. All-or-nothing writes are applied to a staging copy of the graph
and swapped in with one ``RENAME``: readers keep seeing the old graph until the
swap, a failure discards the copy, and a crash leaves at most a staging key that
the next write removes. A lock key serialises writers across processes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import math
import os
import re
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..errors import (
    AuthError,
    DatabaseBusy,
    DatabaseDamaged,
    DatabaseUnavailable,
    EngineHung,
    LeaseLost,
    QueryError,
    ReadOnlyViolation,
    WriteFailed,
)
from ..notices import notify
from ..schema import INDEXED_PROPERTIES, KEYED_LABELS
from . import durability, falkordb_bulk
from .base import (
    Backend,
    NodeGroup,
    Progress,
    RelGroup,
    Result,
    Statement,
    WriteSummary,
    announce_phase,
    gc_paused,
    plain,
)
from .embedded import HangGuard, ServerLease, storage_problem
from .resp import Connection, ReplyError, parse_info

if TYPE_CHECKING:  # redis-py and the falkordb client load when a step needs them (see .resp)
    import redis
    from falkordb import FalkorDB

GRAPH_NAME = "pbgraph"
#: How long a writer waits for another writer before giving up.
LOCK_WAIT_S = float(os.environ.get("PBGRAPH_LOCK_WAIT", "600"))
#: The lock expires this long after its holder stops renewing it (e.g. was killed or paused).
LOCK_TTL_MS = int(float(os.environ.get("PBGRAPH_LOCK_TTL", "15")) * 1000)
#: Compact the embedded log after a single write once it is this big and 50 % above its base.
COMPACT_MIN_BYTES = 8 * 1024 * 1024


_RENEW = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
)
_INDEX_STATUS = "CALL db.indexes() YIELD label, status RETURN label, status"
_CONSTRAINT_STATUS = "CALL db.constraints() YIELD label, status RETURN label, status"
#: A constraint the engine has finished checking (the other status is UNDER CONSTRUCTION); an index
#: being built reports "[Indexing] n/m: UNDER CONSTRUCTION".
_SETTLED = ("OPERATIONAL", "FAILED")

_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
#: Take the lock and draw the next fencing number (KEYS: lock, generation; ARGV: token, ttl).
_ACQUIRE = (
    "if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return redis.call('incr', KEYS[2]) end return 0"
)
#: A commit: only if no other writer took the lock since ours was granted (the fencing check),
#: run one key command (the swap, if any) and bump the commit record, all in one atomic step.
#: KEYS: generation, record, then the keys the command touches;
#: ARGV: our generation, nodes, relationships, time, then the command.
_COMMIT = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return redis.error_reply('PBGRAPH_FENCED') end
if #ARGV > 4 then redis.call(unpack(ARGV, 5)) end
local seq = redis.call('hincrby', KEYS[2], 'seq', 1)
redis.call('hset', KEYS[2], 'nodes', ARGV[2], 'relationships', ARGV[3], 'at', ARGV[4], 'by', ARGV[1])
redis.call('hdel', KEYS[2], 'pending')
return seq
"""


class FalkorDBBackend(Backend):
    """A graph in a FalkorDB server, embedded (``lease`` given) or external."""

    bulk_create = True

    def __init__(
        self,
        *,
        location: str,
        unix_socket: str | None = None,
        host: str | None = None,
        port: int | None = None,
        password: str | None = None,
        graph: str = GRAPH_NAME,
        lease: ServerLease | None = None,
    ) -> None:
        self.kind = "falkordb-embedded" if lease else "falkordb"
        self.location = location
        self.graph_name = graph
        self._lease = lease
        self._address: dict[str, Any] = {"password": password}
        if unix_socket:
            self._address["unix_socket"] = unix_socket
        else:
            self._address.update(host=host, port=port)
        self._idle: list[Connection] = []  # open connections no thread is using
        self._closed = False
        self._schema_checked = False
        self._lock_depth = 0
        self._generation = ""  # the fencing number of the writer lock while it is held
        self._guard: HangGuard | None = None  # watches the embedded engine while the writer lock is held
        try:
            graphs = self._command("GRAPH.LIST")
        except ReplyError as e:
            self.close()
            if "NOAUTH" in str(e) or "WRONGPASS" in str(e) or "invalid password" in str(e):
                raise AuthError(f"FalkorDB at {location} refused the password: {e}") from e
            raise DatabaseUnavailable(f"FalkorDB at {location} cannot serve graphs: {_first_line(str(e))}") from e
        except OSError as e:
            self.close()
            raise DatabaseUnavailable(
                f"cannot reach FalkorDB at {location} ({e}); check that the server runs and the host and port are right"
            ) from e
        with self._storage_errors():
            if graph not in graphs:
                # a new database: create the graph with its indexes so reads find it
                self.ensure_schema()
            self._drop_abandoned_staging(graphs)
            if self._lease is not None and self._lease.started:
                # a writer lock reloaded from the log belongs to a writer of the previous engine (one that
                # failed, e.g. on a full disk, before its release was logged): none can still commit (each
                # commit checks the fencing number the next grant bumps), so the next writer need not wait
                self._command("DEL", f"pbgraph:lock:{graph}")
            # a compaction a crash prevented: do it when the engine (re)starts, before it serves for long
            if self._lease is not None and self._lease.started and self._log_grown():
                with contextlib.suppress(DatabaseBusy), self.write_lock(wait_s=0):
                    self._compact_log(only_if_grown=True)

    # -- plumbing ---------------------------------------------------------------

    def _command(self, *args: Any) -> Any:
        """One command on a connection of the pool (a thread takes its own), through :mod:`.resp`."""
        if self._closed:
            raise DatabaseUnavailable(f"the connection to {self.location} is closed")
        try:
            conn = self._idle.pop()
        except IndexError:
            conn = Connection(**self._address)
        try:
            reply = conn.execute(*args)
        except ReplyError:
            self._idle.append(conn)
            raise
        except BaseException:
            conn.close()  # a reply may be half read: the connection cannot be used again
            raise
        self._idle.append(conn)
        return reply

    @functools.cached_property
    def _db(self) -> FalkorDB:
        """The falkordb client (redis-py): for scripts, locks and values that are not scalars."""
        from falkordb import FalkorDB
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        a = self._address
        where = {"unix_socket_path": a["unix_socket"]} if "unix_socket" in a else {"host": a["host"], "port": a["port"]}
        # redis-py's default 5 s timeout with retries silently re-sends slow writes
        return FalkorDB(
            **where, password=a["password"], socket_timeout=None, socket_connect_timeout=10, retry=Retry(NoBackoff(), 0)
        )

    @property
    def _redis(self) -> redis.Redis:
        return self._db.connection

    def _client_graph(self, name: str) -> Callable[[], Any]:
        """The client's graph ``name`` (its parser decodes nodes, relationships, …), made on first call."""
        return functools.cache(lambda: self._db.select_graph(name))

    def _info(self, section: str) -> dict[str, str]:
        return parse_info(self._command("INFO", section))

    def _graph_exists(self, name: str) -> bool:
        return name in self._command("GRAPH.LIST")

    def _run(
        self,
        graph: str,
        query: str,
        params: Mapping[str, Any] | None,
        read_only: bool,
        types: tuple[str, ...] | None = None,
    ) -> Result:
        command = "GRAPH.RO_QUERY" if read_only else "GRAPH.QUERY"
        try:
            with gc_paused():  # a big answer is millions of small objects
                # columns of ints and strings only: the verbose reply carries them untagged, a third of the
                # objects to parse (20,000 rows: ~25 ms of client CPU instead of ~150 ms)
                result = None
                if types is not None:
                    response = self._command(command, graph, params_header(params) + query)
                    if response and isinstance(response[-1], ReplyError):
                        raise response[-1]
                    result = _verbose_result(response, types)
                if result is None:  # not asked for, or a value of another type: the tagged (compact) reply
                    response = self._command(command, graph, params_header(params) + query, "--compact")
                    if response and isinstance(response[-1], ReplyError):
                        raise response[-1]  # a run-time error arrives inside the reply
                    result = _result(response, self._client_graph(graph))
        except ReplyError as e:
            msg = str(e)
            if "read-only" in msg:
                raise ReadOnlyViolation(
                    "this statement writes to the graph; run it with --write (or write=True)"
                ) from e
            raise QueryError(_first_line(msg)) from e
        except OSError as e:
            raise DatabaseUnavailable(f"lost the connection to FalkorDB at {self.location}: {e}") from e
        return result

    # -- Backend ----------------------------------------------------------------

    def read(self, query: str, params: Mapping[str, Any] | None = None) -> Result:
        return self._run(self.graph_name, query, params, read_only=True)

    def read_typed(self, query: str, params: Mapping[str, Any] | None, types: tuple[str, ...]) -> Result:
        return self._run(self.graph_name, query, params, read_only=True, types=types)

    def profile(self, query: str, params: Mapping[str, Any] | None = None) -> list[str]:
        """Run a read query under GRAPH.PROFILE: its plan, one line per operation with the records it produced."""
        reply = self._command("GRAPH.PROFILE", self.graph_name, params_header(params) + query)
        return [line.decode() if isinstance(line, bytes) else str(line) for line in reply]

    def read_snapshot(self, queries: list[str]) -> list[Result]:
        """Copy the graph under the writer lock (a fork: instant, consistent), then read the copy."""
        copy = f"{self.graph_name}__snapshot_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with self.write_lock():
            self._copy_graph(self.graph_name, copy)
        try:
            return [self._run(copy, q, None, read_only=True) for q in queries]
        finally:
            with self.write_lock():  # deleting is a write the log must not interleave with a copy
                self._delete_graph(copy)

    def write(self, query: str, params: Mapping[str, Any] | None = None) -> Result:
        with self._storage_errors(), self.write_lock():
            self.ensure_schema()
            self._check_lease()
            self._redis.hset(durability.RECORD_KEY.format(graph=self.graph_name), durability.PENDING, 1)
            result = self._run(self.graph_name, query, params, read_only=False)
            self._commit(self.graph_name)
            self._compact_log(only_if_grown=True)
        return result

    def write_all(
        self, statements: Iterable[Statement], progress: Progress | None = None, *, in_place: bool = False
    ) -> WriteSummary:
        if in_place:
            return self._write_in_place(list(statements), progress)
        summary = WriteSummary()
        with self._storage_errors(), self.write_lock():
            staging = f"{self._staging_prefix()}{self._generation}"
            self.ensure_schema()
            self._drop_staging()  # left by writers that were killed or lost their lease
            announce_phase("copy")
            self._copy_graph(self.graph_name, staging)
            try:
                for i, st in enumerate(statements, 1):
                    self._check_lease()  # a writer paused past its lease must not write into a new graph
                    announce_phase(f"write {i}")
                    summary.add(self._run(staging, st.query, st.params, read_only=False).stats)
                    if progress:
                        progress(i)
                # the commit: one atomic command, logged and fsynced before it returns, and only
                # if no other writer took the lock meanwhile (else our copy is stale)
                announce_phase("commit")
                self._commit(staging, "RENAME", staging, self.graph_name)
                announce_phase("committed")
            except BaseException as e:
                with contextlib.suppress(*_client_errors()):
                    self._delete_graph(staging)
                if isinstance(e, QueryError):
                    raise WriteFailed(f"statement {summary.statements + 1} failed, nothing was written: {e}") from e
                raise
            self._compact_log()
        return summary

    def _write_in_place(self, statements: list[Statement], progress: Progress | None) -> WriteSummary:
        """A small write: the statements joined into one, run on the graph itself, fenced.

        Copying the graph (``GRAPH.COPY``, seconds for a city's roster) is what a write of a few
        rows would otherwise cost. One statement is atomic in the engine (a failing one is rolled
        back) and is logged whole or not at all. It runs in a transaction that ``WATCH``es the
        fencing number: if another writer took the lock since ours was granted (we were paused
        past the lease), nothing runs. Its commit record is bumped right after, as for
        :meth:`write` (a kill in between leaves a write the record calls pending, not a loss).
        """
        summary = WriteSummary()
        if not statements:
            return summary
        query, params = _joined(statements)
        record_key = durability.RECORD_KEY.format(graph=self.graph_name)
        with self._storage_errors(), self.write_lock():
            self.ensure_schema()
            if progress:
                progress(0)
            announce_phase("commit")
            with self._redis.pipeline(transaction=True) as tx:
                tx.watch(self._generation_key())
                if tx.get(self._generation_key()) != self._generation:
                    raise LeaseLost(self._lease_lost_message())
                tx.multi()
                tx.hset(record_key, durability.PENDING, 1)
                tx.execute_command("GRAPH.QUERY", self.graph_name, params_header(params) + query, "--compact")
                try:
                    replies = tx.execute(raise_on_error=False)
                except _loaded_redis_errors("WatchError") as e:
                    if "ConnectionError" in str(e):  # the engine went away mid-write: not a lost lease
                        raise ConnectionError(str(e)) from e
                    raise LeaseLost(self._lease_lost_message()) from e
            response = replies[-1]
            if isinstance(response, list) and response and isinstance(response[-1], Exception):
                response = response[-1]
            if isinstance(response, Exception):  # rolled back by the engine: the graph is as it was
                self._redis.hdel(record_key, durability.PENDING)
                raise WriteFailed(f"nothing was written: {_first_line(str(response))}")
            summary.add(_result(response, self._client_graph(self.graph_name)).stats)
            summary.statements = len(statements)
            try:
                self._commit(self.graph_name)
            except LeaseLost as e:
                raise LeaseLost(
                    f"this write to {self.location} was applied but paused (stopped, suspended or starved) "
                    f"for longer than its {LOCK_TTL_MS / 1000:g} s writer lease before it was acknowledged, and "
                    "another writer has used the database since: check the graph, or run the command again"
                ) from e
            announce_phase("committed")
            if progress:
                progress(len(statements))
            self._compact_log(only_if_grown=True)
        return summary

    @contextlib.contextmanager
    def _storage_errors(self) -> Iterator[None]:
        """Name a full disk or read-only folder when the embedded engine stops answering mid-write."""
        try:
            yield
        except (*_connection_errors(), DatabaseUnavailable) as e:
            if isinstance(e, DatabaseDamaged):
                raise
            problem = storage_problem(self._lease.layout.root, e) if self._lease is not None else None
            if problem:
                raise DatabaseUnavailable(f"{problem}; nothing of this write was kept") from e
            if isinstance(e, DatabaseUnavailable):
                raise
            raise DatabaseUnavailable(f"lost the connection to FalkorDB at {self.location}: {e}") from e

    def _staging_prefix(self) -> str:
        return f"{self.graph_name}__staging"

    def _drop_staging(self) -> None:
        """Delete every staging copy (under the writer lock: none of them can still commit)."""
        prefix = self._staging_prefix()
        for name in self._command("GRAPH.LIST"):
            if name.startswith(prefix):
                self._delete_graph(name)

    def _check_lease(self) -> None:
        """Raise :class:`LeaseLost` when another writer has taken the lock since ours was granted."""
        if self._redis.get(self._generation_key()) != self._generation:
            raise LeaseLost(self._lease_lost_message())

    def _commit(self, counted: str | None, *command: str) -> None:
        """Acknowledge a write: check that our writer lock is still ours, run ``command`` (the swap)
        and bump the commit record, atomically; then copy the record into the database folder.

        ``counted`` is the graph whose counts the record keeps (the staging copy before a swap).
        """
        nodes, relationships = durability.graph_counts(self._redis, counted) if counted else (0, 0)
        at = durability.now()
        script = self._redis.register_script(_COMMIT)
        record_key = durability.RECORD_KEY.format(graph=self.graph_name)
        try:
            seq = script(
                keys=[self._generation_key(), record_key, *command[1:]],
                args=[self._generation, nodes, relationships, at, *command],
            )
        except _response_error() as e:
            if "PBGRAPH_FENCED" in str(e):
                raise LeaseLost(self._lease_lost_message()) from e
            raise
        if self._lease is not None:
            try:
                durability.write_record(self._lease.layout.root, durability.Commit(int(seq), nodes, relationships, at))
            except OSError as e:  # the write itself is committed and logged: say so, do not fail it
                notify("warning", f"warning: the write is saved, but its commit record was not ({e})")

    def _generation_key(self) -> str:
        return f"pbgraph:lock:{self.graph_name}:generation"

    def _lease_lost_message(self) -> str:
        return (
            f"this write to {self.location} was paused (stopped, suspended or starved) for longer than its "
            f"{LOCK_TTL_MS / 1000:g} s writer lease and another writer has used the database since; nothing "
            "of it was written: run the command again"
        )

    def _compact_log(self, only_if_grown: bool = False) -> None:
        """Rewrite the embedded engine's append-only log into a snapshot (in the background).

        Restarts then load the graph from the engine's own snapshot instead of replaying every query
        ever sent (which on FalkorDB can outrun index building and take very long for big loads).
        Crash-safe: the old log stays authoritative until the new one is complete. Called only
        with the writer lock held: the engine's own automatic rewrite is off, because a rewrite
        that forks while ``GRAPH.COPY`` forks deadlocks FalkorDB (see :meth:`_wait_for_no_fork`).
        ``only_if_grown`` mimics the automatic rule: the log is over 8 MB and 50 % above its base.
        """
        if self._lease is None:
            return  # an external server's persistence is its operator's business
        if only_if_grown and not self._log_grown():
            return
        # a rewrite already running does not cover what was written after it started (refused, this
        # one would leave e.g. a first load's index builds in the log, replayed at every start)
        self._wait_for_no_fork()
        with contextlib.suppress(ReplyError):  # one started meanwhile by another server client
            self._command("BGREWRITEAOF")

    def settle(self) -> None:
        self._wait_for_no_fork()

    def _log_grown(self) -> bool:
        info = self._info("persistence")
        size, base = int(info.get("aof_current_size", 0)), int(info.get("aof_base_size", 0))
        return size >= COMPACT_MIN_BYTES and size >= base * 1.5

    def _wait_for_no_fork(self) -> None:
        """Wait until no background save or log rewrite is running.

        ``GRAPH.COPY`` forks; when the engine already has a child (a log rewrite), the fork
        fails and FalkorDB 4.x never releases its global lock — the server hangs for good.
        Writers hold the writer lock here and only writers start rewrites, so once this
        returns nothing else forks until the copy is done.
        """
        busy = ("aof_rewrite_in_progress", "aof_rewrite_scheduled", "rdb_bgsave_in_progress", "module_fork_in_progress")
        while True:
            info = self._info("persistence")
            if not any(int(info.get(key, 0)) for key in busy):
                return
            time.sleep(0.01)

    def _drop_abandoned_staging(self, graphs: list[str]) -> None:
        """Free the staging copies killed writers left (``graphs``: the engine's), unless a live writer uses one."""
        staging = self._staging_prefix()
        if self._lease is not None:  # snapshots of backups whose process died (same machine: pids tell)
            prefix = f"{self.graph_name}__snapshot_"
            for name in graphs:
                pid = name[len(prefix) :].split("_")[0] if name.startswith(prefix) else ""
                if pid.isdigit() and not _process_exists(int(pid)):
                    with contextlib.suppress(DatabaseBusy), self.write_lock(wait_s=0):
                        self._delete_graph(name)
        if not any(name.startswith(staging) for name in graphs):
            return
        with contextlib.suppress(DatabaseBusy), self.write_lock(wait_s=0):
            self._drop_staging()
            notify("cleaned", "removed the unfinished copy of an interrupted write")

    def _delete_graph(self, name: str) -> None:
        if self._graph_exists(name):
            self._command("GRAPH.DELETE", name)

    def ensure_schema(self) -> None:
        if self._schema_checked:
            return
        with self.write_lock():  # creating indexes compacts the log: only under the writer lock
            self._ensure_schema()

    def _ensure_schema(self) -> None:
        if self._schema_checked:
            return
        created = self._create_schema(self.graph_name)
        self._schema_checked = True
        if created:
            self._compact_log()  # schema commands replay badly from the log: keep them in the snapshot

    def _create_schema(self, graph: str) -> bool:
        """Create the indexes and uniqueness constraints ``graph`` lacks; True when a constraint was made."""
        wanted = [(label.value, "id") for label in KEYED_LABELS]
        wanted += [(label.value, prop) for label, prop in INDEXED_PROPERTIES]
        have: set[tuple[str, str]] = set()
        if self._graph_exists(graph):
            query = "CALL db.indexes() YIELD label, properties RETURN label, properties"
            for row in self._run(graph, query, None, True).rows:
                have.update((row[0], p) for p in row[1])
        for label, prop in wanted:
            if (label, prop) not in have:
                # label and property come from the schema enums, never from input
                self._run(graph, f"CREATE INDEX FOR (n:{label}) ON (n.{prop})", None, False)
        constrained = {
            (row[0], tuple(row[1]))
            for row in self._run(
                graph,
                "CALL db.constraints() YIELD type, label, properties WHERE type = 'UNIQUE' RETURN label, properties",
                None,
                True,
            ).rows
        }
        created = False
        for label in KEYED_LABELS:
            if (label.value, ("id",)) not in constrained:
                created = True
                self._command("GRAPH.CONSTRAINT", "CREATE", graph, "UNIQUE", "NODE", label.value, "PROPERTIES", 1, "id")
        return created

    def reset(self) -> None:
        with self.write_lock():
            self._drop_staging()
            if self._graph_exists(self.graph_name):
                self._commit(None, "DEL", self.graph_name)
            self._schema_checked = False
            self.ensure_schema()

    def close(self) -> None:
        self._closed = True
        self._drop_connections()
        if self._lease is not None:
            lease, self._lease = self._lease, None
            lease.close()

    # -- a new graph in one step -----------------------------------------------------

    def writer(self) -> contextlib.AbstractContextManager[None]:
        return self.write_lock()

    def create_graph(
        self, nodes: list[NodeGroup], relationships: list[RelGroup], progress: Callable[[int, int], None] | None = None
    ) -> bool:
        """Build the graph with ``GRAPH.BULK`` (:mod:`.falkordb_bulk`) when it holds no node yet.

        All or nothing the same way as :meth:`write_all`: the bulk calls build a staging
        graph, which gets the schema's indexes and constraints (waited on until the engine has
        checked them), and one ``RENAME`` swaps it in. A killed load leaves the old, empty graph
        and a staging key the next writer removes.
        """
        try:
            bulk_calls = list(falkordb_bulk.calls(nodes, relationships, falkordb_bulk.MAX_CALL_BYTES))
        except falkordb_bulk.Unencodable:
            return False  # the ordinary statements carry (or refuse) such values
        with self._storage_errors(), self.write_lock():
            staging = f"{self._staging_prefix()}{self._generation}"
            self.ensure_schema()
            if self.read("MATCH (n) RETURN id(n) LIMIT 1").rows:
                return False  # no longer empty: the caller's comparison is out of date
            self._drop_staging()  # left by writers that were killed or lost their lease
            try:
                for i, call in enumerate(bulk_calls):
                    self._check_lease()  # a writer paused past its lease must not write into a new graph
                    announce_phase(f"write {i + 1}")
                    self._redis.execute_command("GRAPH.BULK", staging, *call.args(first=i == 0))
                    if progress:
                        progress(i + 1, len(bulk_calls) + 1)
                self._create_schema(staging)
                failed = self._wait_for_indexer(staging)
                if failed:
                    raise WriteFailed(f"ids are not unique for {', '.join(failed)}; nothing was written")
                # the commit, as in write_all: one atomic command, logged and fsynced before it
                # returns, and only if no other writer took the lock meanwhile
                announce_phase("commit")
                self._commit(staging, "RENAME", staging, self.graph_name)
                announce_phase("committed")
            except BaseException as e:
                with contextlib.suppress(*_client_errors()):
                    self._delete_graph(staging)
                if isinstance(e, (ReplyError, *_response_error())):
                    raise WriteFailed(f"the bulk write failed, nothing was written: {_first_line(str(e))}") from e
                raise
            if progress:
                progress(len(bulk_calls) + 1, len(bulk_calls) + 1)
            self._compact_log()  # the log holds the bulk blobs: rewrite it as a snapshot
        return True

    def _wait_for_indexer(self, graph: str) -> list[str]:
        """Wait until the engine has built every index of ``graph`` and checked every constraint;
        the labels whose ids turned out not unique (their constraint FAILED).

        FalkorDB builds them on its indexer thread, which finishes each index holding the module
        lock, then the graph's write lock; ``GRAPH.COPY`` takes the graph's read lock, then the
        module lock. A copy while an index of the graph is being built can deadlock the engine
        for good (FalkorDB 4.16), so every copy waits here first (see :meth:`_copy_graph`).
        Asked ever less often (10 ms, doubling up to 0.1 s): a province takes the engine many
        seconds, and each question costs it time too.
        """
        pause, started, told = 0.01, time.monotonic(), False
        while True:
            statuses = [row[1] for row in self._run(graph, _INDEX_STATUS, None, True).rows]
            constraints = self._run(graph, _CONSTRAINT_STATUS, None, True).rows
            if all(s == "OPERATIONAL" for s in statuses) and all(r[1] in _SETTLED for r in constraints):
                return [r[0] for r in constraints if r[1] == "FAILED"]
            if not told and time.monotonic() - started > 1:
                notify("waiting", "waiting for the engine to finish building the graph's indexes…")
                told = True
            time.sleep(pause)
            pause = min(pause * 2, 0.1)

    def _copy_graph(self, graph: str, copy: str) -> None:
        """``GRAPH.COPY`` once nothing else forks and the indexer is done with ``graph`` (writer lock held:
        no index can be created meanwhile)."""
        self._wait_for_no_fork()
        try:
            self._wait_for_indexer(graph)
        except QueryError as e:
            # a per-query memory cap (GRAPH.CONFIG QUERY_MEM_CAPACITY) below what any query needs:
            # the engine cannot say, and the copy goes ahead as it did before this check
            if "mem consumption exceeded capacity" not in str(e):
                raise
        self._redis.execute_command("GRAPH.COPY", graph, copy)

    # -- what a writer leaves for the next one ------------------------------------------

    def remember(self, key: str, value: str, after_write: bool = False) -> None:
        """Keep ``value`` with the database for the next writer, valid while nothing else is written.

        Only for the embedded engine, where every write is a pbgraph process's, acknowledged
        through :meth:`_commit`, which bumps the commit record's number in the same atomic step.
        ``after_write``: the value describes the graph after this writer's next commit, and is
        valid from that number on (if the write fails, never).
        """
        state = self._commit_state() if self._lease is not None and self._lock_depth else None
        if state is None:
            return
        if after_write:
            state = f"{int(state.split(':')[0]) + 1}:{self._generation}"
        memo = json.dumps({"commit": state, "value": value})
        self._redis.set(f"pbgraph:memo:{self.graph_name}:{key}", memo)

    def recall(self, key: str) -> str | None:
        """What the previous writer remembered, if no write was committed (or begun) since; else None.

        Call while holding :meth:`write_lock`, so that nothing commits between this answer and
        the caller's own write.
        """
        if self._lease is None or not self._lock_depth:
            return None
        raw = self._redis.get(f"pbgraph:memo:{self.graph_name}:{key}")
        if not raw:
            return None
        memo, state = json.loads(raw), self._commit_state()
        return memo["value"] if state is not None and memo.get("commit") == state else None

    def _commit_state(self) -> str | None:
        """The number of the last acknowledged write and the fencing number of the writer that made
        it (a failed writer's expectation never matches another's commit); None while a write in
        place is unfinished."""
        record_key = durability.RECORD_KEY.format(graph=self.graph_name)
        seq, by, pending = self._redis.hmget(record_key, ["seq", "by", durability.PENDING])
        return None if pending else f"{int(seq or 0)}:{by or ''}"

    # -- the writer lock ----------------------------------------------------------

    @contextlib.contextmanager
    def write_lock(self, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
        """Hold the graph's writer lock; wait for another writer, saying so in a notice.

        Re-entrant within one backend object (and thread), so locked steps can nest.
        """
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        with self._hang_guard():
            yield from self._locked(wait_s)

    def _locked(self, wait_s: float) -> Iterator[None]:
        """The body of :meth:`write_lock` (outermost level): take, keep alive and release the lock."""
        key = f"pbgraph:lock:{self.graph_name}"
        token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        deadline = time.monotonic() + wait_s
        told = False
        acquire = self._redis.register_script(_ACQUIRE)
        # each grant draws a new generation: the fencing token every commit checks
        while not (generation := acquire(keys=[key, self._generation_key()], args=[token, LOCK_TTL_MS])):
            holder = self._redis.get(key) or "?"
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"database {self.location} is busy: another process ({holder}) is writing; "
                    "try again when it has finished"
                )
            if not told:
                notify("waiting", f"database is busy (writer {holder}), waiting…")
                told = True
            time.sleep(0.1)
        stop = threading.Event()
        renew = self._redis.register_script(_RENEW)

        def keep_alive() -> None:
            while not stop.wait(LOCK_TTL_MS / 3000):
                with contextlib.suppress(Exception):
                    renew(keys=[key], args=[token, LOCK_TTL_MS])

        thread = threading.Thread(target=keep_alive, daemon=True)
        thread.start()
        self._generation = str(generation)
        self._lock_depth = 1
        try:
            yield
        finally:
            self._lock_depth = 0
            stop.set()
            # a renewal the engine does not answer must not hold this up for ever (a late one is
            # harmless: it renews only a lock that is still this token's)
            thread.join(LOCK_TTL_MS / 1000)
            guard = self._guard
            if guard is not None and guard.fired.is_set():
                guard.wait()  # the engine is being restarted: release the lock there
                self._drop_connections()
            with contextlib.suppress(Exception):
                self._redis.register_script(_RELEASE)(keys=[key], args=[token])

    @contextlib.contextmanager
    def _hang_guard(self) -> Iterator[None]:
        """While the writer lock is held: an embedded engine that hangs is restarted (see
        :class:`~.embedded.HangGuard`), and the command it left blocked fails with one clear line."""
        if self._lease is None:
            yield
            return
        self._guard = guard = HangGuard(self._lease)
        try:
            yield
        except BaseException as e:
            if not guard.fired.is_set():
                raise
            message = guard.wait()
            self._drop_connections()
            raise EngineHung(message) from e
        finally:
            guard.stop()
            self._guard = None

    def _drop_connections(self) -> None:
        """Close every connection: the backend closes, or its engine was restarted (the next command opens new ones)."""
        while self._idle:
            self._idle.pop().close()
        if "_db" in self.__dict__:
            with contextlib.suppress(Exception):
                self._redis.connection_pool.disconnect()


def _loaded_redis_errors(*names: str) -> tuple[type[BaseException], ...]:
    """redis-py's exception classes ``names`` if redis-py is loaded (if not, none of them can be raised)."""
    loaded = sys.modules.get("redis.exceptions")
    return tuple(getattr(loaded, name) for name in names) if loaded is not None else ()


def _connection_errors() -> tuple[type[BaseException], ...]:
    return (OSError, *_loaded_redis_errors("ConnectionError"))


def _client_errors() -> tuple[type[BaseException], ...]:
    return (OSError, ReplyError, *_loaded_redis_errors("RedisError"))


def _response_error() -> tuple[type[BaseException], ...]:
    return _loaded_redis_errors("ResponseError")


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _joined(statements: list[Statement]) -> tuple[str, dict[str, Any]]:
    """Write statements (pbgraph's own, without ``RETURN``) as one: each ends in ``WITH count(*)``,
    which finishes it and leaves one row for the next; parameters are renamed apart."""
    parts: list[str] = []
    params: dict[str, Any] = {}
    for i, st in enumerate(statements):
        names = {name: f"s{i}_{name}" for name in st.params}
        parts.append(_PARAM.sub(lambda m, names=names: "$" + names.get(m.group(1), m.group(1)), st.query))
        params.update((names[k], v) for k, v in st.params.items())
    query = " ".join(f"{part} WITH count(*) AS _{i}" for i, part in enumerate(parts[:-1])) + " " + parts[-1]
    return query.strip(), params


def params_header(params: Mapping[str, Any] | None) -> str:
    """The ``CYPHER name=value …`` prefix that carries parameters to FalkorDB.

    The fast path is ``json.dumps`` (C): JSON escapes ``\\"`` ``\\\\`` ``\\n`` ``\\t`` ``\\r``, which
    the engine decodes, and map keys become backtick-quoted identifiers. Values JSON would
    escape otherwise (control characters as ``\\uXXXX``), backticks, dates and the like take
    the careful one-pass serialiser; non-finite numbers or unusable map keys are refused.
    """
    if not params:
        return ""
    out: list[str] = ["CYPHER "]
    for name, value in params.items():
        if not name.isidentifier() or not name.isascii():
            raise QueryError(f"parameter name {name!r} must be an ASCII identifier")
        out.append(name)
        out.append("=")
        fast = _json_literal(value)
        if fast is None:
            _literal(value, out, name)
        else:
            out.append(fast)
        out.append(" ")
    return "".join(out)


_JSON_KEY = re.compile(r'(?<!\\)"([^"\\]*)":')
_JSON_UNSAFE = re.compile(r"`|\\u|\\[bf]")


def _json_literal(value: Any) -> str | None:
    """``value`` as a Cypher literal via JSON, or None when the careful serialiser must do it."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return None  # dates, Decimals, NaN, …: the careful path converts or refuses them
    if _JSON_UNSAFE.search(text):
        return None
    literal = _JSON_KEY.sub(r"`\1`:", text)
    if '":' in literal:
        return None  # a key with a quote or backslash in it (or such text in a value): the careful path
    return literal


def _literal(v: Any, out: list[str], where: str) -> None:
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, str):
        out.append('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"')
    elif isinstance(v, int):
        if not -(2**63) <= v < 2**63:
            raise QueryError(f"parameter ${where}: {v} does not fit in 64 bits")
        out.append(str(v))
    elif isinstance(v, float):
        if not math.isfinite(v):
            raise QueryError(f"parameter ${where} is {v}: use a finite number or null")
        out.append(repr(v))
    elif isinstance(v, (list, tuple)):
        out.append("[")
        for i, item in enumerate(v):
            if i:
                out.append(",")
            _literal(item, out, where)
        out.append("]")
    elif isinstance(v, Mapping):
        out.append("{")
        for i, (k, item) in enumerate(v.items()):
            key = str(k)
            if not key or "`" in key:
                raise QueryError(f"parameter ${where}: map key {key!r} is empty or holds a backtick")
            if i:
                out.append(",")
            out.append("`" + key + "`:")
            _literal(item, out, where)
        out.append("}")
    elif isinstance(v, (dt.date, dt.datetime, dt.time)):
        out.append('"' + v.isoformat() + '"')
    elif isinstance(v, Decimal):
        _literal(float(v), out, where)
    else:
        raise QueryError(f"parameter ${where}: values of type {type(v).__name__} cannot be sent")


_STATS = {
    "Nodes created": "nodes_created",
    "Nodes deleted": "nodes_deleted",
    "Relationships created": "relationships_created",
    "Relationships deleted": "relationships_deleted",
    "Properties set": "properties_set",
}


#: what a verbose reply holds for a column declared ``int`` or ``str`` (a double, boolean, date, list or
#: map arrives as a string there, so only a ``str`` column may hold strings)
_VERBOSE_TYPES = {"int": {int, type(None)}, "str": {str, type(None)}}


def _verbose_result(response: list[Any], types: tuple[str, ...]) -> Result | None:
    """A verbose reply as a :class:`Result` when every value has its column's declared type, else None."""
    stats = _stats(response[-1])
    if len(response) < 3:
        return Result(columns=[], rows=[], stats=stats)
    columns = [str(c) for c in response[0]]
    rows = response[1]
    if len(columns) != len(types):
        return None
    for i, column in enumerate(zip(*rows, strict=True)):
        if not set(map(type, column)) <= _VERBOSE_TYPES.get(types[i], set()):
            return None
    return Result(columns=columns, rows=rows, stats=stats)


def _stats(lines: list[Any]) -> dict[str, int]:
    stats: dict[str, int] = {}
    for line in lines:
        key, _, value = str(line).partition(":")
        if key.strip() in _STATS:
            stats[_STATS[key.strip()]] = int(float(value.strip().split()[0]))
    return stats


def _result(response: list[Any], graph: Callable[[], Any]) -> Result:
    """A compact-mode reply as a :class:`Result`.

    Scalars (the bulk of every canned answer) are decoded here directly; nodes,
    relationships, paths, maps and temporal values go through the client's parser
    (``graph()``: the client's graph it needs, see ``_client_graph``).
    """
    stats = _stats(response[-1])
    if len(response) < 3:
        return Result(columns=[], rows=[], stats=stats)
    columns = [h[1] if isinstance(h, (list, tuple)) else str(h) for h in response[0]]
    rows = []
    for raw in response[1]:
        row = []
        for t, v in raw:
            if t == 2:  # string
                row.append(v)
            elif t == 3:  # integer
                row.append(int(v))
            elif t == 1:  # null
                row.append(None)
            elif t == 5:  # double
                row.append(float(v))
            elif t == 4:  # boolean
                row.append(v == "true")
            elif t == 6:  # list (committees' sectors): its scalars decoded here too
                row.append(_list(v, graph))
            else:
                row.append(_parsed(t, v, graph))
        rows.append(row)
    return Result(columns=columns, rows=rows, stats=stats)


def _list(items: list[Any], graph: Callable[[], Any]) -> list[Any]:
    out = []
    for t, v in items:
        if t == 2:
            out.append(v)
        elif t == 3:
            out.append(int(v))
        elif t == 1:
            out.append(None)
        elif t == 6:
            out.append(_list(v, graph))
        else:
            out.append(_parsed(t, v, graph))
    return out


@functools.cache
def _client_parser() -> tuple[Callable[[list[Any], Any], Any], type, type, type]:
    """The falkordb client's value parser and its node, relationship and path classes (loaded on first use)."""
    from falkordb.edge import Edge
    from falkordb.node import Node
    from falkordb.path import Path as FPath
    from falkordb.query_result import parse_scalar

    return parse_scalar, Node, Edge, FPath


def _parsed(t: int, v: Any, graph: Callable[[], Any]) -> Any:
    """A tagged value the client's parser decodes (nodes, relationships, paths, maps, dates), as plain Python."""
    return _value(_client_parser()[0]([t, v], graph()))


def _value(v: Any) -> Any:
    """Engine values as plain Python: nodes and relationships as dicts, dates as ISO strings."""
    _, Node, Edge, FPath = _client_parser()
    if isinstance(v, Node):
        return {"_labels": list(v.labels or []), **{k: _value(x) for k, x in (v.properties or {}).items()}}
    if isinstance(v, Edge):
        return {"_type": v.relation, **{k: _value(x) for k, x in (v.properties or {}).items()}}
    if isinstance(v, FPath):
        return {"nodes": [_value(n) for n in v.nodes()], "relationships": [_value(e) for e in v.edges()]}
    if isinstance(v, dict):
        return {k: _value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_value(x) for x in v]
    return plain(v)


def _first_line(msg: str) -> str:
    """FalkorDB's error text, without the echo of the query that follows it."""
    m = re.search(r"errMsg:\s*(.*?)\s+line:\s*(\d+),\s*column:\s*(\d+)", msg, re.S)
    if m:
        return f"Cypher syntax error: {m.group(1)} (line {m.group(2)}, column {m.group(3)})"
    msg = msg.strip()
    return msg.splitlines()[0] if msg else "the engine rejected the statement"
