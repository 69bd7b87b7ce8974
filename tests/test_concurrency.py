"""Two pbgraph processes on one embedded folder: loading while querying, and two loads at once."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time

from pbgraph.graph import open_backend
from pbgraph.loaders.synthetic import generate, write_roster


def _load(folder, roster) -> subprocess.Popen[str]:
    """Start a load; its output goes to files (a report bigger than a pipe's buffer would stall it)."""
    cmd = [sys.executable, "-m", "pbgraph.cli", "--db", str(folder), "load", "roster", str(roster), "--format", "json"]
    out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed by _finish
    proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
    proc.outputs = (out, err)  # type: ignore[attr-defined]
    return proc


def _finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Wait for a load and return its stdout and stderr."""
    proc.wait()
    texts = []
    for f in proc.outputs:  # type: ignore[attr-defined]
        f.seek(0)
        texts.append(f.read())
        f.close()
    return texts[0], texts[1]


def _rosters(tmp_path):
    a, b = generate("cuiping", seed=21), generate("guangming", seed=22)
    write_roster(a, tmp_path / "cuiping")
    write_roster(b, tmp_path / "guangming")
    # the expected graphs, each loaded alone
    totals = []
    for name in ("cuiping", "guangming"):
        with open_backend(str(tmp_path / f"{name}-alone.db")) as ref:
            out = subprocess.run(
                [sys.executable, "-m", "pbgraph.cli", "--db", str(tmp_path / f"{name}-alone.db"), "load", "roster",
                 str(tmp_path / name)], capture_output=True, text=True, check=True,
            )  # fmt: skip
            assert out.returncode == 0
            totals.append(ref.read("MATCH (n) RETURN count(n)").rows[0][0])
    return totals


def test_reader_sees_before_or_after_while_another_process_loads(tmp_path):
    cuiping_total, _ = _rosters(tmp_path)
    folder = tmp_path / "shared.db"
    with open_backend(str(folder)) as reader:
        loader = _load(folder, tmp_path / "cuiping")
        seen = []
        while loader.poll() is None:
            seen.append(reader.read("MATCH (n) RETURN count(n)").rows[0][0])
            time.sleep(0.01)
        _, err = _finish(loader)
        assert loader.returncode == 0, err
        seen.append(reader.read("MATCH (n) RETURN count(n)").rows[0][0])
    assert len(seen) > 3  # the reader really ran during the load
    assert set(seen) <= {0, cuiping_total}, sorted(set(seen))
    assert seen[-1] == cuiping_total


def test_two_loads_at_once_both_land(tmp_path):
    cuiping_total, guangming_total = _rosters(tmp_path)
    folder = tmp_path / "shared.db"
    first, second = _load(folder, tmp_path / "cuiping"), _load(folder, tmp_path / "guangming")
    results = [_finish(p) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, results
    for out, _ in results:
        assert json.loads(out)  # each reported what it wrote
    with open_backend(str(folder)) as b:
        assert b.read("MATCH (n) RETURN count(n)").rows[0][0] == cuiping_total + guangming_total


def test_processes_creating_one_new_folder_at_once_all_get_it(tmp_path):
    """Two commands naming the same new folder both create it: neither sees the other's half-made marker."""
    from concurrent.futures import ProcessPoolExecutor

    from pbgraph.graph.backends.embedded import prepare_folder

    folders = [tmp_path / f"new{i}.db" for i in range(40)]
    with ProcessPoolExecutor(4) as pool:
        outcomes = list(pool.map(_prepare, [f for f in folders for _ in range(4)]))
    assert all(o == "ok" for o in outcomes), [o for o in outcomes if o != "ok"][:3]
    for folder in folders:
        assert prepare_folder(folder).marker.exists()


def _prepare(folder) -> str:
    from pbgraph.graph.backends.embedded import prepare_folder

    try:
        prepare_folder(folder)
    except Exception as e:  # the outcome is what the test compares
        return f"{type(e).__name__}: {e}"
    return "ok"
