"""Matching: the optimal allocation's time and total score next to the greedy baseline, same run, same data.

The taiyuan preset carries ~20,000 open demands and 5,000 resources with
capacities 1–10. Both methods read the same canned questions; the optimizer's
time is end to end (candidates + optimization). At province scale the 87
districts are allocated one by one (issue 17: ≤ 60 s in all, ≤ 2 s each).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from bench.common import PeakRSS, Row, median


def _combine(parts: list) -> object:
    """District allocations as one (pairs and counts added up; districts share no demand)."""
    from pbgraph.queries.matching import Allocation

    if len(parts) == 1:
        return parts[0]
    return Allocation(
        pairs=[p for a in parts for p in a.pairs],
        open_demands=sum(a.open_demands for a in parts),
        resources_offered=sum(a.resources_offered for a in parts),
        candidates=sum(a.candidates for a in parts),
    )


def run(scale: str = "taiyuan", runs: int = 3) -> list[Row]:
    from pbgraph.graph import open_backend
    from pbgraph.loaders.rosters import load_roster
    from pbgraph.loaders.synthetic import generate, write_roster
    from pbgraph.queries.matching import allocate

    work = Path(tempfile.mkdtemp(prefix="pbgraph-bench-m-"))
    try:
        write_roster(generate(scale, seed=1), work / "roster")
        backend = open_backend(str(work / "db"))
        load_roster(work / "roster", backend)
        backend.settle()  # timed once the engine's post-load log compaction is done
        # at province scale an analyst allocates district by district (unscoped: ~10M candidate pairs)
        areas: list[str | None] = [None]
        if scale == "province":
            areas = [r[0] for r in backend.read("MATCH (d:District) RETURN d.id ORDER BY d.id").rows]
        times, greedy_times, peaks, slowest = [], [], [], []
        for _ in range(runs):
            with PeakRSS(backend) as peak:
                t = time.perf_counter()
                parts, each = [], []
                for a in areas:
                    t_area = time.perf_counter()
                    parts.append(allocate(backend, area=a))
                    each.append(time.perf_counter() - t_area)
                times.append(time.perf_counter() - t)
                slowest.append(max(each))
            peaks.append(peak.mb)
            best = _combine(parts)
            t = time.perf_counter()
            base = _combine([allocate(backend, area=a, method="greedy") for a in areas])
            greedy_times.append(time.perf_counter() - t)
        backend.close()
        ours, theirs = median(times), median(greedy_times)
        limit = 60 if len(areas) > 1 else 10
        sizes = f"{best.open_demands:,} open demands, {best.resources_offered:,} resources offered"
        if len(areas) > 1:
            sizes += f" ({len(areas)} districts allocated one by one)"
        rows = []
        if len(areas) > 1:
            rows.append(
                Row(
                    benchmark="matching one district, the slowest (s)",
                    scale=scale,
                    pbgraph=median(slowest),
                    baseline=None,
                    unit="s",
                    ratio=None,
                    target="≤ 2 s",
                    passed=median(slowest) <= 2,
                    peak_rss_mb=max(peaks),
                    runs=runs,
                    note=f"of {len(areas)} districts allocated one by one; all of them took {ours:.1f} s",
                )
            )
        return [
            *rows,
            Row(
                benchmark="matching time, candidates + optimization (s)",
                scale=scale,
                pbgraph=ours,
                baseline=theirs,
                unit="s",
                ratio=theirs / ours,
                target=f"≤ {limit} s",
                passed=ours <= limit,
                peak_rss_mb=max(peaks),
                runs=runs,
                note=f"{sizes}; baseline = greedy end to end on the same candidates"
                + (
                    ""
                    if ours <= limit
                    else f". MISSED: {best.candidates:,} candidate pairs come from matching/candidate-lists; "
                    "fetching them is most of the time (greedy, which solves almost nothing, takes "
                    f"{theirs:.1f} s on the same fetch)"
                ),
            ),
            Row(
                benchmark="matching total score vs greedy",
                scale=scale,
                pbgraph=best.total,
                baseline=base.total,
                unit="",
                ratio=best.total / base.total,
                target="≥ greedy",
                passed=best.total >= base.total,
                peak_rss_mb=max(peaks),
                runs=runs,
                note=f"{len(best.pairs):,} pairs matched vs {len(base.pairs):,} by greedy",
            ),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
