"""Pick and open a backend from a database location.

A location is a folder (the embedded engine, the default), ``falkordb://`` for
an existing FalkorDB server, or a Neo4j URI. ``--db`` wins over ``PBGRAPH_DB``,
which wins over the default folder.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .backends.base import Backend
from .errors import ConfigError, DatabaseUnavailable
from .notices import notify

ENV_DB = "PBGRAPH_DB"
NEO4J_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def default_location() -> str:
    """The embedded database folder used when neither ``--db`` nor ``PBGRAPH_DB`` is set."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "pbgraph" / "default")


def resolve_location(db: str | None) -> str:
    if db is not None and not db.strip():
        raise ConfigError(
            'the database location is empty (--db ""): give a folder, falkordb://host:port or a Neo4j URI, '
            "or leave --db out to use PBGRAPH_DB or the default folder"
        )
    return db or os.environ.get(ENV_DB) or default_location()


def embedded_folder(location: str) -> Path | None:
    """The folder of an embedded database location, or None for a server URI."""
    if "://" not in location:
        return Path(location).expanduser().absolute()
    parts = urlsplit(location)
    if parts.scheme.lower() == "file":
        return Path(unquote(parts.path)).expanduser().absolute()
    return None


def open_backend(db: str | None = None) -> Backend:
    """Open the backend named by ``db`` (or ``PBGRAPH_DB``, or the default folder)."""
    location = resolve_location(db)
    folder = embedded_folder(location)
    if folder is not None:
        return _open_embedded(folder)
    parts = urlsplit(location)
    scheme = parts.scheme.lower()
    if scheme == "falkordb":
        return _open_falkordb_server(location)
    if scheme in NEO4J_SCHEMES:
        return _open_neo4j(location)
    raise ConfigError(
        f"unknown database URI scheme '{scheme}://' in {location!r}: use a folder path "
        "(embedded FalkorDB), falkordb://host:port, or a Neo4j URI "
        "(bolt://, neo4j://, neo4j+s://)"
    )


@contextlib.contextmanager
def using(db: Backend | str | None) -> Iterator[Backend]:
    """Use an open backend as is, or open one (from a location or the default) for the block."""
    if isinstance(db, Backend):
        yield db
        return
    backend = open_backend(db)
    try:
        yield backend
    finally:
        backend.close()


def _open_embedded(folder: Path) -> Backend:
    from .backends.embedded import ServerLease
    from .backends.falkordb_backend import FalkorDBBackend

    try:
        lease = ServerLease(folder)
    except OSError as e:
        from .backends.embedded import storage_problem

        problem = storage_problem(folder, e)
        raise DatabaseUnavailable(problem or f"cannot use the database folder {folder}: {e.strerror or e}") from e
    for message in lease.messages:
        notify("recovered", message)
    if lease.started:
        notify("started", f"started the embedded engine for {lease.layout.root}")
    try:
        return FalkorDBBackend(location=str(lease.layout.root), unix_socket=lease.socket, lease=lease)
    except BaseException:
        lease.close()
        raise


def _open_falkordb_server(location: str) -> Backend:
    from .backends.falkordb_backend import GRAPH_NAME, FalkorDBBackend

    parts = urlsplit(location)
    try:
        port = parts.port or 6379
    except ValueError as e:
        raise ConfigError(f"bad port in {location!r}: {e}") from e
    if not parts.hostname:
        raise ConfigError(f"no host in {location!r}: write falkordb://host:port")
    graph = parts.path.strip("/") or GRAPH_NAME
    shown = f"falkordb://{parts.hostname}:{port}/{graph}"
    return FalkorDBBackend(
        location=shown,
        host=parts.hostname,
        port=port,
        password=unquote(parts.password) if parts.password else os.environ.get("FALKORDB_PASSWORD"),
        graph=graph,
    )


def _open_neo4j(location: str) -> Backend:
    from .backends.neo4j_backend import Neo4jBackend

    parts = urlsplit(location)
    if parts.username or parts.password:
        raise ConfigError("put Neo4j credentials in NEO4J_USERNAME and NEO4J_PASSWORD, not in the URI")
    password = os.environ.get("NEO4J_PASSWORD")
    if not password:
        raise ConfigError(
            f"NEO4J_PASSWORD is not set: export NEO4J_USERNAME and NEO4J_PASSWORD to connect to {location}"
        )
    user = os.environ.get("NEO4J_USERNAME", "neo4j")
    return Neo4jBackend(location, user, password, database=os.environ.get("NEO4J_DATABASE") or None)
