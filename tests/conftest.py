"""Shared fixtures: a real embedded FalkorDB per test session, emptied per test."""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pbgraph.graph import Backend, open_backend

from helpers_lint import lint_catalogue, start_lint_catalogue, stop_linting

# neo4j_uri / neo4j_db: a real Neo4j 5 for the Neo4j tests (see helpers_neo4j)
pytest_plugins = ["helpers_neo4j"]

REPO = Path(__file__).resolve().parent.parent

# The engine stops with its last user, as tests expect; the warm-engine tests set their own.
os.environ["PBGRAPH_KEEP_WARM"] = "0"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Byte-compile pbgraph's sources once (only what changed), so that the processes the tests start
    (commands, engines' reapers) do not each compile them again when PYTHONDONTWRITEBYTECODE is set."""
    import compileall

    for folder in ("pbgraph", "graph", "loaders", "queries", "maps", "charts"):
        compileall.compile_dir(REPO / folder, quiet=2)


SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def front_end() -> dict[str, list[dict]]:
    """Neo4j's front end's diagnostics of every shipped query, by name (``__probe__``: a query it must warn about)."""
    return lint_catalogue()


NEO4J_FIXTURES = {"neo4j_uri", "neo4j_session_backend", "neo4j_db"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test on a live Neo4j is marked ``neo4j``: ``pytest -m "not neo4j"`` runs the embedded part only."""
    for item in items:
        if NEO4J_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.neo4j)


def pytest_collection_finish(session: pytest.Session) -> None:
    """The front end takes ~20 s of CPU for the catalogue: start it beside the tests that come first."""
    if session.config.option.collectonly:
        return
    if any("front_end" in getattr(item, "fixturenames", ()) for item in session.items):
        start_lint_catalogue()


def pytest_sessionfinish(session: pytest.Session) -> None:
    stop_linting()


@pytest.fixture(scope="session")
def db_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("db") / "graph.db"


@pytest.fixture(scope="session")
def session_backend(db_dir: Path) -> Iterator[Backend]:
    backend = open_backend(str(db_dir))
    yield backend
    backend.close()


@pytest.fixture
def db(session_backend: Backend) -> Backend:
    """An empty graph (with its schema) on the session's embedded engine."""
    session_backend.reset()
    return session_backend


@dataclass
class CliResult:
    """What a ``pbgraph`` command printed and how it exited (the shape of a finished process)."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(
    *args: str,
    db: str | Path | None = None,
    input: str | None = None,
    env: dict[str, str] | None = None,
) -> CliResult:
    """Run the ``pbgraph`` command in this process (click's CliRunner): the same output, no start-up.

    Use :func:`run_process` where the process boundary itself is under test (kills, races, timing).
    """
    from click.testing import CliRunner

    from pbgraph.cli import cli

    full = (["--db", str(db)] if db is not None else []) + list(args)
    result = CliRunner().invoke(cli, full, input=input, env=env, prog_name="pbgraph")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))  # as a crashed process would show it
    return CliResult(result.exit_code, result.stdout, stderr)


def run_process(
    *args: str,
    db: str | Path | None = None,
    input: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the real ``pbgraph`` command in a child process."""
    full_env = {**os.environ, **(env or {})}
    cmd = [sys.executable, "-m", "pbgraph.cli"]
    if db is not None:
        cmd += ["--db", str(db)]
    return subprocess.run(
        cmd + list(args), capture_output=True, text=True, input=input, env=full_env, timeout=timeout, check=False
    )


def graph_dump(backend: Backend) -> tuple[list, list]:
    """Every node (sorted labels, properties) and relationship (type, ends, properties), sorted."""
    nodes = backend.read("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props").rows
    rels = backend.read("MATCH (a)-[r]->(b) RETURN type(r) AS t, a.id AS a, b.id AS b, properties(r) AS props").rows
    norm_nodes = sorted((sorted(lbl), sorted(p.items())) for lbl, p in nodes)
    norm_rels = sorted((t, a, b, sorted(p.items())) for t, a, b, p in rels)
    return norm_nodes, norm_rels


def write_csv(folder: Path, table: str, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> None:
    """A roster table as a spreadsheet would save it."""
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{table}.csv").open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(["" if v is None else v for v in row] for row in rows)
