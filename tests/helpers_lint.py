"""Run Cypher through Neo4j's own front end (``lintCypherQuery``) with node."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

from pbgraph.graph.schema import Label, Rel

LINT_DIR = Path(__file__).resolve().parent.parent / "tools" / "cypher-lint"

#: A sample value of each parameter type, for linting and trial runs.
SAMPLE = {
    "area": "a1",
    "int": 1,
    "float": 1.0,
    "str": "x",
    "bool": True,
    "date": "2025-01-01",
    "list": ["x"],
    "sectors": ["police_station"],
}


#: Front-end processes still running (stopped at the end of the test session).
RUNNING: set[subprocess.Popen[str]] = set()


def lint(queries: list[dict[str, Any]], timeout: float = 120) -> dict[str, list[dict[str, Any]]]:
    """Diagnostics per query id. Each query: ``{"id", "query", "parameters"}``."""
    node = shutil.which("node")
    if node is None or not (LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        raise RuntimeError(
            "the Neo4j Cypher linter is not installed: run 'make setup' "
            "(needs node and npm; installs tools/cypher-lint from its lockfile)"
        )
    request = {
        "queries": queries,
        "labels": [label.value for label in Label],
        "relationshipTypes": [rel.value for rel in Rel],
    }
    with subprocess.Popen(
        [node, str(LINT_DIR / "lint.js")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        RUNNING.add(proc)
        try:
            out, err = proc.communicate(json.dumps(request), timeout=timeout)
        finally:
            RUNNING.discard(proc)
            if proc.poll() is None:
                proc.kill()
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, proc.args, out, err)
    return {item["id"]: item["diagnostics"] for item in json.loads(out)}


def stop_linting() -> None:
    """Stop the front-end processes still running (a session that ends before it needs their answer)."""
    for proc in list(RUNNING):
        proc.kill()


def errors(diagnostics: list[dict[str, Any]]) -> list[str]:
    return [f"{d['line']}:{d['column']} {d['message']}" for d in diagnostics if d["severity"] == 1]


#: A query the front end must warn about (an unknown label): proves warnings are reported at all.
PROBE = {"id": "__probe__", "query": "MATCH (n:Nonexistent) RETURN n", "parameters": {}}


_background: dict[str, Any] = {}


def start_lint_catalogue() -> None:
    """Start :func:`lint_catalogue`'s run of the front end in a thread, beside the tests (once)."""
    if "thread" in _background:
        return

    def run() -> None:
        try:
            _background["result"] = _lint_catalogue()
        except BaseException as e:  # raised again to the test that asks
            _background["error"] = e

    _background["thread"] = threading.Thread(target=run, name="cypher-lint", daemon=True)
    _background["thread"].start()


def lint_catalogue() -> dict[str, list[dict[str, Any]]]:
    """Diagnostics of every shipped query, of the Neo4j schema statements (``ddl:N``) and of :data:`PROBE`,
    from one run of the front end per test session (started at collection when a test asks for the
    ``front_end`` fixture): starting node and the front end costs seconds, linting a query about half of one."""
    start_lint_catalogue()
    _background["thread"].join()
    if "error" in _background:
        raise _background["error"]
    return _background["result"]


def _lint_catalogue() -> dict[str, list[dict[str, Any]]]:
    from pbgraph.graph.backends.neo4j_backend import neo4j_text, schema_statements
    from pbgraph.queries.runner import catalog

    requests = [
        {"id": q.name, "query": neo4j_text(q.text), "parameters": {p.name: SAMPLE[p.type] for p in q.params}}
        for q in catalog().values()
    ]
    ddl = [{"id": f"ddl:{i}", "query": q} for i, q in enumerate(schema_statements())]
    return lint([*requests, *ddl, PROBE], timeout=900)  # ~20 s of CPU: minutes on a busy machine
