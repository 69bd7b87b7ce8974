"""Killing a load at random moments: the graph is exactly as before or exactly as after, never between."""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pbgraph.graph import open_backend
from pbgraph.loaders.rosters import load_roster
from pbgraph.loaders.synthetic import generate, write_roster

from conftest import write_csv


def _stress_tool():
    spec = importlib.util.spec_from_file_location("stress_tool", Path(__file__).parent.parent / "tools" / "stress.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_kills_inside_the_write_phase_leave_the_graph_as_before(tmp_path):
    """A few of ``make stress``'s rounds: SIGKILL a load (once with the engine and reaper) at a random
    moment after its write phase began, proven by the phases it announced; the graph must be exactly as
    before (or after, for a kill that reached the commit), from empty (bulk path) and from one area."""
    stress = _stress_tool()
    first, big = stress.prepare(tmp_path)
    starts = {"one area": stress.measure(tmp_path, first, big), "empty": stress.measure(tmp_path, None, big)}
    rng = random.Random(7)
    tally, rounds = stress.Tally(), 0
    while tally.write_phase < 3 and rounds < 12:
        rounds += 1
        start = "empty" if rounds % 2 == 0 else "one area"
        length, before, after = starts[start]
        folder = tmp_path / f"round{rounds}.db"
        if start == "one area":
            stress.load_fully(folder, first)
        delay = rng.uniform(0, length)
        stress.kill_once(folder, big, tmp_path / "phases.log", delay, rounds == 1, before, after, tally)
        shutil.rmtree(folder, ignore_errors=True)
    assert (tally.partial, tally.lost) == (0, 0), tally.notes
    assert tally.write_phase >= 3, tally.line()  # the kills really landed while the load was writing


def _wait_for_phase(log, prefix, proc, seconds=120):
    """Wait until the phase log of ``proc``'s write shows a line starting with ``prefix``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.exists() and any(line.startswith(prefix) for line in log.read_text().splitlines()):
            return
        assert proc.poll() is None, f"the load ended before reaching {prefix!r}"
        time.sleep(0.01)
    raise AssertionError(f"the load never reached {prefix!r}")


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """A one-row roster to load first and a district-size roster (several write statements)."""
    base = tmp_path_factory.mktemp("district")
    write_csv(base / "first", "areas", ["id", "name", "level", "parent_id"], [["x", "先有社区", "community", None]])
    write_roster(generate("cuiping", seed=4), base / "big")
    return base


def test_paused_writer_cannot_wipe_the_graph(tmp_path, district):
    """A loader stopped (SIGSTOP) in its write phase past its lease, while another load commits, must not
    swap its stale copy in when it resumes: it aborts with a clear message and the other load is kept."""
    base = district
    write_csv(tmp_path / "extra", "areas", ["id", "name", "level", "parent_id"], [["y", "后来社区", "community", None]])
    folder = tmp_path / "paused.db"
    with open_backend(str(folder)) as b:
        load_roster(base / "first", b)
    phases = tmp_path / "phases.log"
    env = {**os.environ, "PBGRAPH_PHASE_LOG": str(phases), "PBGRAPH_LOCK_TTL": "2"}
    paused = subprocess.Popen(
        [sys.executable, "-m", "pbgraph.cli", "--db", str(folder), "load", "roster", str(base / "big"), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        _wait_for_phase(phases, "write 1", paused)
        os.kill(paused.pid, signal.SIGSTOP)
        time.sleep(3)  # longer than the lease
        other = subprocess.run(
            [sys.executable, "-m", "pbgraph.cli", "--db", str(folder), "load", "roster", str(tmp_path / "extra"), "-q"],
            capture_output=True, text=True, env={**env, "PBGRAPH_PHASE_LOG": ""}, timeout=120,
        )  # fmt: skip
        assert other.returncode == 0, other.stderr
    finally:
        os.kill(paused.pid, signal.SIGCONT)
    _, err = paused.communicate(timeout=300)
    assert paused.returncode != 0, "the paused loader reported success after losing its lease"
    assert "paused" in err and "nothing" in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    with open_backend(str(folder)) as b:
        ids = sorted(r[0] for r in b.read("MATCH (a:Area) RETURN a.id").rows)
    assert ids == ["x", "y"], ids  # the first load and the acknowledged second one, nothing of the paused one


@pytest.mark.slow
def test_kills_around_a_write_in_place_leave_the_graph_as_before_or_after(tmp_path):
    """A monthly reload's small difference is written in place (one statement, no copy): SIGKILL the
    loader, the engine and its reaper just after it announced its commit (twice); the database reopens without
    complaint (no acknowledged write lost) and holds the graph exactly as before or exactly as after."""
    import shutil as sh

    from pbgraph.graph.backends.embedded import Layout, _read_pid
    from pbgraph.loaders.synthetic import revise

    stress = _stress_tool()
    roster = generate("guangming", seed=4, as_of=None)
    write_roster(roster, tmp_path / "r")
    write_roster(revise(roster, 0.02, seed=3)[0], tmp_path / "r2")
    base, phases = tmp_path / "base.db", tmp_path / "phases.log"
    stress.load_fully(base, tmp_path / "r")
    before = stress.dump(base)
    stress.load_fully(base, tmp_path / "r2")
    after = stress.dump(base)
    assert after != before
    rng = random.Random(3)
    for round_ in range(2):
        folder = tmp_path / f"round{round_}.db"
        stress.load_fully(folder, tmp_path / "r")
        phases.unlink(missing_ok=True)
        proc = stress._load(folder, tmp_path / "r2", phases)
        _wait_for_phase(phases, "commit", proc)
        time.sleep(rng.uniform(0, 0.03))
        layout = Layout(folder)
        stress._kill([proc.pid, _read_pid(layout.pidfile), _read_pid(layout.reaper_pidfile)])
        proc.wait()
        proc.stderr.close()
        assert "write 1" not in phases.read_text()  # it was written in place, not to a copy
        got = stress.dump(folder)  # reopens: restarts the engine and checks the commit record
        assert got in (before, after), f"round {round_}: partial"
        sh.rmtree(folder, ignore_errors=True)
