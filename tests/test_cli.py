"""The ``pbgraph`` command as a user runs it: real processes, real embedded engine."""

from __future__ import annotations

import json
import re

import click
import pytest

from pbgraph import __version__
from pbgraph.api import infer_value
from pbgraph.cli import cli

from conftest import REPO, run_cli, run_process


def test_version():
    out = run_cli("--version")
    assert out.returncode == 0 and __version__ in out.stdout


def test_done_when_of_the_foundation(tmp_path):
    db = tmp_path / "new.db"
    out = run_cli("status", "--format", "json", db=db)
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert info == {
        "backend": "falkordb-embedded",
        "location": str(db),
        "nodes": {},
        "relationships": {},
        "totals": {"nodes": 0, "relationships": 0},
    }
    out = run_cli("cypher", "CREATE (:Area {id:'x'})", "--write", db=db)
    assert out.returncode == 0, out.stderr
    assert "1 nodes created" in out.stderr
    out = run_cli("status", db=db)
    assert out.returncode == 0 and re.search(r"^node\s+Area\s+1$", out.stdout, re.M), out.stdout
    assert "totals    1 nodes, 0 relationships" in out.stdout


def test_db_from_environment(tmp_path):
    db = tmp_path / "env.db"
    out = run_cli("status", "--format", "json", env={"PBGRAPH_DB": str(db)})
    assert out.returncode == 0 and json.loads(out.stdout)["location"] == str(db)


def test_cypher_formats_and_params(tmp_path):
    db = tmp_path / "fmt.db"
    run_cli(
        "cypher",
        "CREATE (:Unit {id: $id, name: $name, n: $n})",
        "--write",
        "-p",
        "id=u1",
        "-p",
        'name=市第一医院, "总院"',
        "-p",
        "n=7",
        db=db,
    )
    q = "MATCH (u:Unit) RETURN u.id AS id, u.name AS name, u.n AS n"
    out = run_cli("cypher", q, "--format", "json", db=db)
    assert json.loads(out.stdout) == [{"id": "u1", "name": '市第一医院, "总院"', "n": 7}]
    out = run_cli("cypher", q, "--format", "csv", db=db)
    assert out.stdout.splitlines() == ["id,name,n", 'u1,"市第一医院, ""总院""",7']
    out = run_cli("cypher", "-", "--format", "json", input="MATCH (u:Unit) RETURN count(u) AS n", db=db)
    assert json.loads(out.stdout) == [{"n": 1}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--db", "foo://x", "status"], "unknown database URI scheme"),
        (["--db", "neo4j://127.0.0.1:1", "status"], "NEO4J_PASSWORD is not set"),
        (["cypher", "MATCH (n RETURN n"], "Cypher syntax error"),
        (["cypher", "CREATE (:Area {id: 'y'})"], "run it with --write"),
        (["cypher", "RETURN 1", "-p", "novalue"], "is not NAME=VALUE"),
        (["reset"], "without --yes"),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path, args, message):
    db_args = [] if args[0] == "--db" else ["--db", str(tmp_path / "bad.db")]
    out = run_cli(*db_args, *args)
    assert out.returncode != 0
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_unreachable_neo4j_is_one_line():
    out = run_cli("--db", "bolt://127.0.0.1:1", "status", env={"NEO4J_PASSWORD": "x"})
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach Neo4j" in lines[0]


def test_debug_shows_traceback(tmp_path):
    out = run_process("--debug", "--db", "foo://x", "status")
    assert out.returncode != 0 and "Traceback" in out.stderr


def test_reset_empties(tmp_path):
    db = tmp_path / "r.db"
    run_cli("cypher", "CREATE (:Area {id:'x'})", "--write", db=db)
    out = run_cli("reset", "--yes", db=db)
    assert out.returncode == 0
    assert json.loads(run_cli("status", "--format", "json", db=db).stdout)["nodes"] == {}


def test_param_typing():
    assert infer_value("500") == 500 and infer_value("0.5") == 0.5
    assert infer_value("true") is True and infer_value("null") is None
    assert infer_value('["a","b"]') == ["a", "b"] and infer_value("光明街道") == "光明街道"


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        out.append((full, cmd))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, full + " ")
    return out


@pytest.mark.parametrize(("name", "command"), _commands(cli))
def test_every_command_teaches(name, command):
    """Help text with an example, and a mention in the README."""
    assert command.help and "Example" in command.help, f"pbgraph {name} has no help example"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"pbgraph {name}" in readme, f"README does not mention 'pbgraph {name}'"


def test_wheel_carries_queries_and_runs_without_the_source_tree(tmp_path):
    """A normal (non-editable) install: build the wheel, unpack it, list the queries from it."""
    import subprocess
    import sys
    import zipfile

    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    wheel = next(tmp_path.glob("pbgraph-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "pbgraph/queries/packs/coverage/uncovered-grids.cypher" in names
    assert "pbgraph/maps/page.py" in names and "pbgraph/maps/page.js" in names and "pbgraph/maps/page.css" in names
    assert not any(n.startswith(("graph/", "loaders/", "maps/", "queries/")) for n in names)  # one import root only
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import pbgraph.queries.runner as r; "
        "assert r.__file__.startswith(sys.argv[1]), r.__file__; print(len(r.list_queries()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "site")], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) >= 11


def test_query_commands(tmp_path):
    db = tmp_path / "q.db"
    assert run_cli("generate", "--preset", "guangming", "--out", str(tmp_path / "r")).returncode == 0
    assert run_cli("load", "roster", str(tmp_path / "r"), db=db).returncode == 0
    out = run_cli("query", "list", "--format", "json")
    names = [q["name"] for q in json.loads(out.stdout)]
    assert "coverage/uncovered-grids" in names and len(names) >= 11
    out = run_cli("query", "show", "coverage/oversized-grids")
    assert out.stdout.startswith("// name: coverage/oversized-grids") and "MATCH" in out.stdout
    out = run_cli(
        "query",
        "run",
        "coverage/oversized-grids",
        "--area",
        "光明街道",
        "-p",
        "max_households=450",
        "--format",
        "json",
        "--limit",
        "2",
        db=db,
    )
    rows = json.loads(out.stdout)
    assert out.returncode == 0 and len(rows) == 2
    assert list(rows[0]) == ["grid_id", "grid", "community", "households"] and rows[0]["households"] > 450
    out = run_cli("query", "run", "coverage/oversized-grids", "--format", "csv", db=db)
    assert out.stdout.splitlines()[0] == "grid_id,grid,community,households"
    for args, message in (
        (["query", "run", "coverage/uncovered-grid"], "did you mean coverage/uncovered-grids"),
        (["query", "run", "coverage/uncovered-grids", "-p", "colour=red"], "has no parameter colour"),
        (["query", "run", "coverage/oversized-grids", "-p", "max_households=lots"], "must be int"),
        (["query", "run", "coverage/uncovered-grids", "--area", "火星街道"], "no area has the id or name"),
    ):
        out = run_cli(*args, db=db)
        assert out.returncode == 1 and message in out.stderr and "Traceback" not in out.stderr, out.stderr
