"""Canned-query latency on embedded FalkorDB vs the same answers from networkx in memory.

Both sides answer every required question on the same generated roster; the
benchmark first checks that they return the same ids, then times repeated runs
(p50 and p95). The ratio is baseline p95 ÷ pbgraph p95: above 1, the database
answers faster than a script over the ledgers in memory.

Each question is then asked again scoped to one district (``area``, the first district
by id): its answer must be the whole answer's rows inside that district, and its
baseline is the whole-graph p95 of the same run (the ratio says how much scoping saves).
Targets (issue 17): whole city (``taiyuan`` and smaller) ≤ 50 ms, or ≤ 200 ms when the
answer has more than 5,000 rows; whole province ≤ 1 s; one district ≤ 100 ms.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench import inmemory
from bench.common import PeakRSS, Row, latency_row

TARGET_MS = 200.0  # what matching/candidates must meet whole-city (and bench.neo4j's rows)
#: whole-graph targets by scale; a city-scale answer above LARGE_ROWS rows gets LARGE_MS
WHOLE_MS = {"province": 1000.0}
CITY_MS, LARGE_MS, LARGE_ROWS = 50.0, 200.0, 5000
DISTRICT_MS = 100.0


def target_ms(scale: str, rows: int, scoped: bool = False) -> float:
    """Issue 17's latency target for one question at ``scale`` (``scoped``: to one district)."""
    if scoped:
        return DISTRICT_MS
    if scale in WHOLE_MS:
        return WHOLE_MS[scale]
    return LARGE_MS if rows > LARGE_ROWS else CITY_MS


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _time(fn, runs: int) -> tuple[list[float], object]:
    out, samples = None, []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        samples.append((time.perf_counter() - t) * 1000)
    return samples, out


def _why(backend, name: str, result: list[dict], p50: float, target: float) -> str:
    """A measured reason for a miss: how much of the time merely returning that many rows of that width takes
    (through the same reply path as the question: untagged when its header declares ``// types:``)."""
    from pbgraph.queries.runner import get_query

    width = len(result[0]) if result else 1
    columns = ", ".join(f"'{'x' * 12}' AS c{i}" for i in range(width - 1))
    query = "UNWIND range(1, $n) AS i RETURN i AS c" + (f", {columns}" if columns else "")
    types = ("int",) + ("str",) * (width - 1)
    if get_query(name).types:
        floor, _ = _time(lambda: backend.read_typed(query, {"n": len(result)}, types).records(), 3)
    else:
        floor, _ = _time(lambda: backend.read(query, {"n": len(result)}).records(), 3)
    floor_ms = statistics.median(floor)
    share = f"returning {len(result):,} constant rows of the same width alone takes {floor_ms:.0f} ms"
    if floor_ms >= target:
        return f". MISSED because of volume: {share}, more than the target"
    if floor_ms >= p50 / 2:
        return f". MISSED mostly because of volume: {share} of the {p50:.0f} ms"
    return f". MISSED: the search over every row takes most of the {p50:.0f} ms ({share})"


def run(scale: str = "taiyuan", runs: int = 20) -> list[Row]:
    from pbgraph.graph import open_backend
    from pbgraph.loaders.rosters import load_roster
    from pbgraph.loaders.synthetic import generate, write_roster
    from pbgraph.queries.runner import run_query

    work = Path(tempfile.mkdtemp(prefix="pbgraph-bench-q-"))
    try:
        roster = generate(scale, seed=1)
        write_roster(roster, work / "roster")
        on = roster.truth["as_of"]
        before = roster.truth["expiring_before"]
        g = inmemory.load(work / "roster")
        backend = open_backend(str(work / "db"))
        load_roster(work / "roster", backend)
        backend.settle()  # timed once the engine's post-load log compaction is done
        cases = [
            ("coverage/uncovered-grids", {}, lambda: inmemory.uncovered_grids(g), False),
            (
                "coverage/communities-without-joint-committee",
                {},
                lambda: inmemory.communities_without_joint_committee(g),
                False,
            ),
            (
                "coverage/streets-without-joint-committee",
                {},
                lambda: inmemory.streets_without_joint_committee(g),
                False,
            ),
            ("coverage/oversized-grids", {}, lambda: inmemory.oversized_grids(g), True),
            ("coverage/grids-without-worker", {}, lambda: inmemory.grids_without_worker(g), False),
            ("committees/composition", {}, lambda: inmemory.composition(g), False),
            ("agreements/units-without-agreement", {"on": on}, lambda: inmemory.units_without_agreement(g, on), False),
            ("agreements/expiring", {"today": on, "before": before}, lambda: inmemory.expiring(g, on, before), True),
            ("matching/open-demands", {}, lambda: inmemory.open_demands(g), True),
            ("matching/candidates", {}, lambda: inmemory.candidates(g), False),
        ]
        if scale == "province":  # ~10M pairs unscoped: matching.py measures it district by district instead
            cases = [c for c in cases if c[0] != "matching/candidates"]
        rows: list[Row] = []
        whole: dict[str, tuple[float, list]] = {}
        for name, params, baseline, ordered in cases:
            n = max(1, runs // 5) if name == "matching/candidates" else runs
            with PeakRSS(backend) as peak:
                db_samples, result = _time(lambda name=name, params=params: run_query(name, backend, **params), n)
            base_samples, expected = _time(baseline, n)
            got = [next(iter(r.values())) for r in result]
            if (got if ordered else sorted(got)) != (expected if ordered else sorted(expected)):
                raise AssertionError(f"{name}: the database and the in-memory baseline disagree")
            p50, p95 = _percentiles(db_samples)
            b50, b95 = _percentiles(base_samples)
            target = TARGET_MS if name == "matching/candidates" else target_ms(scale, len(result))
            whole[name] = (p95, got)
            note = f"p50 {p50:.0f} ms vs {b50:.0f} ms; {len(result):,} rows"
            note += "" if p95 <= target else _why(backend, name, result, p50, target)
            rows.append(latency_row(f"{name} p95 (ms)", scale, p95, b95, target, peak.mb, n, note))
        rows += _district_rows(backend, scale, cases, whole, runs)
        backend.close()
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _district_rows(backend, scale: str, cases: list, whole: dict[str, tuple[float, list]], runs: int) -> list[Row]:
    """Every question scoped to one district; baseline: the same question's whole-graph p95 in this run."""
    from pbgraph.queries.runner import run_query

    district = backend.read("MATCH (d:District) RETURN d.id AS id ORDER BY id LIMIT 1").rows[0][0]
    rows: list[Row] = []
    for name, params, _, _ in cases:
        n = max(1, runs // 5) if name == "matching/candidates" else runs
        scoped = {**params, "area": district}
        with PeakRSS(backend) as peak:
            samples, result = _time(lambda name=name, scoped=scoped: run_query(name, backend, **scoped), n)
        got = [next(iter(r.values())) for r in result]
        whole_p95, whole_ids = whole[name]
        if not set(got) <= set(whole_ids):  # the district's rows are some of the whole answer's
            raise AssertionError(f"{name}: rows scoped to {district} that the whole answer lacks")
        p50, p95 = _percentiles(samples)
        note = f"p50 {p50:.0f} ms; {len(result):,} rows in district {district}; baseline = the whole graph"
        rows.append(
            latency_row(f"{name} scoped to one district p95 (ms)", scale, p95, whole_p95, DISTRICT_MS, peak.mb, n, note)
        )
    return rows
