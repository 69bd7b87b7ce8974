"""Scripts pay start-up once: a warm command loads only what it uses and sends the engine few commands.

Load-independent guards for issue 16's "second call ≤ 0.35 s": which modules a process loads (redis-py
alone costs ~0.15 s of CPU to import) and how many commands it sends, not wall-clock time.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import pbgraph
from pbgraph.graph.backends.embedded import Layout
from pbgraph.graph.backends.resp import Connection, parse_info

#: Libraries the CLI must not load to start, or to answer a canned question on a warm engine.
HEAVY = (
    "redis",
    "falkordb",
    "neo4j",
    "pydantic",
    "numpy",
    "ortools",
    "networkx",
    "pyvis",
    "openpyxl",
    "jieba",
    "opencc",
    "trafilatura",
    "docx",
    "matplotlib",
    "asyncio",
    "ssl",
    "logging",
    "importlib.metadata",
    "importlib.resources",
)


#: Appended to the code a child runs: it reports the modules it loaded on stderr.
REPORT = "\nimport sys, json; sys.stderr.write('\\nMODULES ' + json.dumps(list(sys.modules)))"


def _loaded(code: str) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    """Run ``code`` in a fresh interpreter; the heavy modules it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", code + REPORT],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    modules = json.loads(done.stderr.rpartition("MODULES ")[2]) if "MODULES " in done.stderr else []
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY), done


def test_importing_the_cli_loads_no_heavy_library():
    heavy, done = _loaded("import pbgraph.cli")
    assert done.returncode == 0, done.stderr
    assert heavy == [], f"'import pbgraph.cli' loads {heavy}: import them where they are used"


@pytest.fixture
def warm(tmp_path):
    """A database whose engine runs (this session holds it), with a graph in it."""
    with pbgraph.connect(str(tmp_path / "warm.db")) as g:
        g.cypher("CREATE (:Area {id: 'a', name: '光明街道', level: 'street'})", write=True)
        yield g, Layout(tmp_path / "warm.db")


def _commands(layout: Layout) -> dict[str, int]:
    """Commands the engine has served so far, by name (this probe's own INFO included)."""
    probe = Connection(unix_socket=str(layout.socket))
    try:
        stats = parse_info(probe.execute("INFO", "commandstats"))
    finally:
        probe.close()
    return {k.removeprefix("cmdstat_"): int(v.split(",")[0].split("=")[1]) for k, v in stats.items()}


def test_a_warm_query_loads_no_client_library_and_sends_three_commands(warm):
    g, layout = warm
    pid = layout.pidfile.read_text()
    before = _commands(layout)
    code = (
        "import sys\nfrom pbgraph.cli import main\n"
        f"sys.argv = ['pbgraph', '--db', {str(layout.root)!r}, 'query', 'run', 'coverage/uncovered-grids']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
    )
    heavy, done = _loaded(code)
    after = _commands(layout)
    assert done.returncode == 0, done.stderr
    assert "(0 rows)" in done.stdout
    assert heavy == [], f"a warm 'pbgraph query run' loads {heavy}"
    sent = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    sent["info"] -= 1  # the second probe
    sent = {k: n for k, n in sent.items() if n}
    # connecting (PING), finding the graph (GRAPH.LIST) and the query: no status checks, no locks, no client set-up
    assert sent == {"ping": 1, "graph.LIST": 1, "graph.RO_QUERY": 1}, sent
    assert layout.pidfile.read_text() == pid, "a warm command must not restart the engine"
    assert g.query("coverage/uncovered-grids").rows == []  # the session that kept it warm still works
