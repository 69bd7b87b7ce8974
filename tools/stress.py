"""``make stress``: SIGKILL loads at random moments of their write phase; nothing partial, nothing lost.

Each round starts ``pbgraph load roster`` on a district-size roster with ``PBGRAPH_PHASE_LOG``
set, so the write announces its phases (``copy``, ``write N``, ``commit``, ``committed``).
Once the first ``write`` line appears, the loader (and, every third round, the engine and its
reaper too) is SIGKILLed after a random delay drawn over the write phase's measured length.
The phase log then proves where the kill landed: a round counts as a write-phase kill only
when the last phase reached is a ``write``. The database is reopened (restarting the engine
and checking its commit record) and must hold exactly what it held before the load (or,
for a kill that landed at the commit, exactly the loaded graph): anything else is *partial*;
a missing acknowledged node is *lost*. Half the rounds start from an empty graph (FalkorDB's
bulk path), half from a graph holding one acknowledged area (statement path).

    python tools/stress.py --kills 50 [--work DIR] [--seed N]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pbgraph.graph import open_backend
from pbgraph.graph.backends.embedded import Layout, _read_pid, server_running
from pbgraph.loaders.synthetic import generate, write_roster


def dump(folder: Path) -> tuple[list, list]:
    """Every node and relationship of the database, normalised and sorted."""
    with open_backend(str(folder)) as b:
        nodes = b.read("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props").rows
        rels = b.read("MATCH (a)-[r]->(b) RETURN type(r), a.id, b.id, properties(r)").rows
    return (
        sorted((sorted(labels), sorted(props.items())) for labels, props in nodes),
        sorted((t, a, b, sorted(p.items())) for t, a, b, p in rels),
    )


@dataclass
class Tally:
    write_phase: int = 0
    with_engine: int = 0
    at_commit: int = 0
    missed: int = 0
    partial: int = 0
    lost: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.write_phase} write-phase kills ({self.with_engine} with the engine), {self.at_commit} at the "
            f"commit, {self.missed} missed; partial {self.partial}, lost {self.lost}"
        )


def prepare(work: Path, seed: int = 4) -> tuple[Path, Path]:
    """A one-area roster (acknowledged first) and a district roster to kill."""
    first, big = work / "first", work / "big"
    first.mkdir(parents=True, exist_ok=True)
    (first / "areas.csv").write_text("id,name,level,parent_id\nx,先有社区,community,\n", encoding="utf-8")
    write_roster(generate("cuiping", seed=seed), big)
    return first, big


def _command(folder: Path, roster: Path) -> list[str]:
    return [sys.executable, "-m", "pbgraph.cli", "--db", str(folder), "load", "roster", str(roster), "-q"]


def _load(folder: Path, roster: Path, phases: Path) -> subprocess.Popen[bytes]:
    """Start a load that announces its phases in ``phases``."""
    env = {**os.environ, "PBGRAPH_PHASE_LOG": str(phases)}
    return subprocess.Popen(_command(folder, roster), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def load_fully(folder: Path, roster: Path) -> None:
    """Load ``roster`` and wait for it (an acknowledged load)."""
    out = subprocess.run(_command(folder, roster), capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"stress: loading {roster} failed: {out.stderr.strip()}")


def _phases(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def measure(work: Path, first: Path | None, big: Path) -> tuple[float, tuple[list, list], tuple[list, list]]:
    """Load ``first`` (if given) then ``big`` into a new database: the write phase's length (first
    ``write`` to ``commit``), and the graph before and after ``big``."""
    folder, phases = work / "measure.db", work / "measure.log"
    shutil.rmtree(folder, ignore_errors=True)
    phases.unlink(missing_ok=True)
    if first is not None:
        load_fully(folder, first)
    before = dump(folder)
    proc = _load(folder, big, phases)
    seen: dict[str, float] = {}
    while proc.poll() is None:
        for line in _phases(phases):
            seen.setdefault(line.split()[0], time.monotonic())
        time.sleep(0.002)
    if proc.returncode:
        raise SystemExit(f"stress: the measuring load failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    if proc.stderr:
        proc.stderr.close()
    length = max(0.02, seen.get("commit", time.monotonic()) - seen.get("write", time.monotonic()))
    after = dump(folder)
    shutil.rmtree(folder, ignore_errors=True)
    return length, before, after


def _kill(pids: list[int | None]) -> None:
    for pid in pids:
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def kill_once(
    folder: Path,
    big: Path,
    phases: Path,
    delay: float,
    kill_engine: bool,
    before: tuple[list, list],
    after: tuple[list, list],
    tally: Tally,
) -> str:
    """One round: load, SIGKILL after ``delay`` into the write phase, prove where it landed, check the graph."""
    phases.unlink(missing_ok=True)
    proc = _load(folder, big, phases)
    while not any(line.startswith("write") for line in _phases(phases)):
        if proc.poll() is not None:
            tally.missed += 1
            return "missed"
        time.sleep(0.001)
    time.sleep(delay)
    layout = Layout(folder)
    victims = [proc.pid] + ([_read_pid(layout.pidfile), _read_pid(layout.reaper_pidfile)] if kill_engine else [])
    _kill(victims)
    proc.wait()
    if proc.stderr:
        proc.stderr.close()
    last = (_phases(phases) or ["?"])[-1]
    landed = "write" if last.startswith("write") else ("commit" if last.startswith("commit") else "other")
    deadline = time.monotonic() + 15
    while not kill_engine and server_running(folder) and time.monotonic() < deadline:
        time.sleep(0.02)  # the reaper stops the engine its killed user left
    got = dump(folder)  # reopens: restarts the engine, checks the commit record
    allowed = [before] if landed == "write" else [before, after]
    if got not in allowed:
        tally.partial += 1
        tally.notes.append(f"partial after a kill at {last!r}: {len(got[0])} nodes, {len(got[1])} relationships")
    before_ids = {tuple(n[1]) for n in before[0]}
    if not before_ids <= {tuple(n[1]) for n in got[0]}:
        tally.lost += 1
        tally.notes.append(f"lost acknowledged nodes after a kill at {last!r}")
    if landed == "write":
        tally.write_phase += 1
        tally.with_engine += kill_engine
    elif landed == "commit":
        tally.at_commit += 1
    else:
        tally.missed += 1
    return "after" if got == after else "before"


def run(kills: int, work: Path, seed: int, say=print) -> Tally:
    rng = random.Random(seed)
    first, big = prepare(work)
    # (write-phase length, graph before, graph after) from one area (statements) and from empty (bulk)
    starts = {"one area": measure(work, first, big), "empty": measure(work, None, big)}
    say("stress: write phase lasts " + ", ".join(f"{v[0]:.2f} s from {k}" for k, v in starts.items()))
    tally, rounds = Tally(), 0
    while tally.write_phase < kills and rounds < kills * 3:
        rounds += 1
        start = "empty" if rounds % 2 == 0 else "one area"
        length, before, after = starts[start]
        folder = work / "round.db"
        shutil.rmtree(folder, ignore_errors=True)
        if start == "one area":
            load_fully(folder, first)
        kill_engine = rounds % 3 == 0
        delay = rng.uniform(0, length)
        outcome = kill_once(folder, big, work / "phases.log", delay, kill_engine, before, after, tally)
        say(f"  round {rounds:3d}: from {start}, {'loader+engine' if kill_engine else 'loader'} killed "
            f"{delay:.2f} s into the write phase -> {outcome}; {tally.line()}")  # fmt: skip
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50, help="write-phase kills to land (default 50)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        work = args.work or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pbgraph-stress-")))
        work.mkdir(parents=True, exist_ok=True)
        tally = run(args.kills, work, args.seed)
    for note in tally.notes:
        print(f"stress: {note}")
    print(f"stress: {tally.line()}")
    if tally.partial or tally.lost or tally.write_phase < args.kills:
        sys.exit(1)


if __name__ == "__main__":
    main()
