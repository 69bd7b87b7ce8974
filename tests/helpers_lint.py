"""Run Cypher through Neo4j's own front end (``lintCypherQuery``) with node."""

from __future__ import annotations

import json
import shutil
import subprocess
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


def lint(queries: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
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
    out = subprocess.run(
        [node, str(LINT_DIR / "lint.js")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return {item["id"]: item["diagnostics"] for item in json.loads(out.stdout)}


def errors(diagnostics: list[dict[str, Any]]) -> list[str]:
    return [f"{d['line']}:{d['column']} {d['message']}" for d in diagnostics if d["severity"] == 1]
