"""Shared fixtures: a real embedded FalkorDB per test session, emptied per test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pbgraph.graph import Backend, open_backend

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


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


def run_cli(
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
