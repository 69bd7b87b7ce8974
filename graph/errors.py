"""Errors pbgraph raises on purpose.

Each message is one line a user can act on: what went wrong, where, and how to
fix it. The CLI prints it without a traceback (``--debug`` shows one).
"""

from __future__ import annotations


class PbgraphError(Exception):
    """Base class: an expected failure with a user-facing message."""


class ConfigError(PbgraphError):
    """The database location or an option is malformed (unknown URI scheme, …)."""


class DatabaseUnavailable(PbgraphError):
    """The database cannot be reached or started."""


class DatabaseDamaged(DatabaseUnavailable):
    """The database's files lost acknowledged writes; it is refused until repaired (files untouched)."""


class AuthError(PbgraphError):
    """The database refused the credentials."""


class NotADatabase(PbgraphError):
    """A folder given as an embedded database holds something else."""


class QueryError(PbgraphError):
    """The engine rejected a Cypher statement (syntax, semantics, or a run-time error)."""


class ReadOnlyViolation(QueryError):
    """A write was sent through the read-only path."""


class DatabaseBusy(PbgraphError):
    """Another process holds the write lock for longer than we were willing to wait."""


class WriteFailed(PbgraphError):
    """An atomic write failed part-way; nothing of it was kept."""


class LeaseLost(WriteFailed):
    """A writer was paused past its lock's lease and another writer went ahead; its write was dropped."""


class EngineHung(DatabaseUnavailable):
    """The embedded engine stopped answering and working (a deadlock); pbgraph restarted it."""
