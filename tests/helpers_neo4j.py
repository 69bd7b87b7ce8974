"""A real Neo4j 5 for the tests: started once per pytest session, stopped at its end.

Where it comes from, in order: ``PBGRAPH_TEST_NEO4J_URI`` (an external server, with
``NEO4J_USERNAME``/``NEO4J_PASSWORD``); the server ``make neo4j-up`` left running (``.neo4j-test/env``);
else a new throwaway server from ``tools/neo4j`` (Java 17+ and Maven). Without Java or Maven the
Neo4j tests skip with one reason, except under CI (``CI=true``), where they fail instead.
Every test database is reset by the tests: never point these tests at a server holding real data.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pbgraph.graph import Backend, open_backend

REPO = Path(__file__).resolve().parent.parent
_ENV_KEYS = ("NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD")


def _server_module():
    spec = importlib.util.spec_from_file_location("pbgraph_neo4j_server", REPO / "tools" / "neo4j" / "server.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def unavailable(why: str) -> None:
    """Skip (or, under CI, fail) every Neo4j test with one reason."""
    if in_ci():
        pytest.fail(f"CI must run the Neo4j suite, but {why}", pytrace=False)
    pytest.skip(f"Neo4j tests skipped: {why}")


def _reachable(env: dict[str, str]) -> bool:
    import neo4j

    try:
        with neo4j.GraphDatabase.driver(env["NEO4J_URI"], auth=(env["NEO4J_USERNAME"], env["NEO4J_PASSWORD"])) as d:
            d.verify_connectivity()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    """The bolt URI of a live Neo4j 5; its credentials are in ``os.environ`` for the session."""
    server_mod = _server_module()
    external = os.environ.get("PBGRAPH_TEST_NEO4J_URI")
    if external:
        yield external
        return
    saved = {k: os.environ.get(k) for k in _ENV_KEYS}
    server = None
    left_running = server_mod.STATE / "env"
    if left_running.exists() and _reachable(env := server_mod.read_env(left_running)):
        os.environ.update(env)
    else:
        why = server_mod.missing_tools()
        if why:
            unavailable(why)
        try:
            server = server_mod.start()
        except server_mod.Unavailable as e:
            unavailable(str(e))
        os.environ.update(server.env)  # so child `pbgraph` processes find the credentials too
    try:
        yield os.environ["NEO4J_URI"]
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if server is not None:
            server.stop()


@pytest.fixture(scope="session")
def neo4j_session_backend(neo4j_uri: str) -> Iterator[Backend]:
    backend = open_backend(neo4j_uri)
    yield backend
    backend.close()


@pytest.fixture
def neo4j_db(neo4j_session_backend: Backend) -> Backend:
    """An empty Neo4j database (schema recreated on the first write)."""
    neo4j_session_backend.reset()
    return neo4j_session_backend
