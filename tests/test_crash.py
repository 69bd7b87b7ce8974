"""Killing a load at random moments: the graph is exactly as before or exactly as after, never between."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from pbgraph.graph import open_backend
from pbgraph.graph.backends.embedded import Layout, _read_pid, server_running
from pbgraph.loaders.rosters import load_roster
from pbgraph.loaders.synthetic import generate, write_roster

from conftest import graph_dump, write_csv


@pytest.fixture(scope="module")
def rosters(tmp_path_factory):
    """A one-row roster loaded first, a city-size roster to kill, and the counts of both loaded."""
    base = tmp_path_factory.mktemp("rosters")
    write_csv(base / "first", "areas", ["id", "name", "level", "parent_id"], [["x", "先有社区", "community", None]])
    write_roster(generate("taiyuan", seed=4), base / "big")
    with open_backend(str(base / "reference.db")) as b:
        load_roster(base / "first", b)
        before = graph_dump(b)
        load_roster(base / "big", b)
        after = b.counts()
    return base, before, after


def _kill(pids):
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, TypeError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
@pytest.mark.parametrize("kill_engine", [False, True], ids=["loader-killed", "everything-killed"])
def test_killed_load_is_all_or_nothing(tmp_path, rosters, kill_engine):
    base, before, after = rosters
    rng = random.Random(int(kill_engine))
    folder = tmp_path / "crash.db"
    with open_backend(str(folder)) as b:
        load_roster(base / "first", b)
    outcomes = []
    for _ in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-m", "pbgraph.cli", "--db", str(folder), "load", "roster", str(base / "big"), "-q"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.5, 4.0))
        layout = Layout(folder)
        victims = [proc.pid]
        if kill_engine:
            victims += [_read_pid(layout.pidfile), _read_pid(layout.reaper_pidfile)]
        _kill(victims)
        finished = proc.wait() == 0
        deadline = time.monotonic() + 10
        while not kill_engine and server_running(folder) and time.monotonic() < deadline:
            time.sleep(0.05)  # the reaper stops the engine its killed user left
        with open_backend(str(folder)) as b:
            counts = b.counts()
            if counts.nodes.get("Area") == 1:
                assert not finished
                assert graph_dump(b) == before, "a killed load left part of itself behind"
                outcomes.append("before")
            else:
                assert (counts.nodes, counts.relationships) == (after.nodes, after.relationships)
                outcomes.append("after")
    # the kills must have hit a load in progress at least once, or this test proved nothing
    assert "before" in outcomes, outcomes


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
