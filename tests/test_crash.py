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
