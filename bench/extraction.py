"""Extraction throughput: normalize + extract over the corpus repeated to ≥ 10 MB, one core.

The corpus is ``../shared/corpus/seeds`` when it is beside the checkout, else the
project's own sample documents (``tests/documents``). The baseline is reading
alone (normalization without extraction), so the ratio shows what extraction costs.
Throughput is bytes per second of this process's CPU time (one core, whatever else
the machine runs); the wall-clock figure is in the note.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.common import PeakRSS, Row

REPO = Path(__file__).resolve().parent.parent


def run(target_mb: float = 10.0, runs: int = 3) -> list[Row]:
    from pbgraph.loaders.documents import extract
    from pbgraph.loaders.documents.normalize import normalize_text, read_document

    seeds = REPO.parent / "shared" / "corpus" / "seeds"
    folder = seeds if seeds.is_dir() else REPO / "tests" / "documents"
    raws = [read_document(p)[0] for p in sorted(folder.iterdir()) if p.is_file()]
    size = sum(len(r.encode("utf-8")) for r in raws)
    repeat = max(1, int(target_mb * 1e6 / size) + 1)
    full, wall, reading, peaks = [], [], [], []
    extract(normalize_text(raws[0]))  # loads the dictionaries once, as any long-running reader does
    for _ in range(runs):
        with PeakRSS() as peak:
            t, c = time.perf_counter(), time.process_time()
            for _ in range(repeat):
                for r in raws:
                    extract(normalize_text(r))
            full.append(size * repeat / (time.process_time() - c) / 1e6)
            wall.append(size * repeat / (time.perf_counter() - t) / 1e6)
        peaks.append(peak.mb)
        c = time.process_time()
        for _ in range(repeat):
            for r in raws:
                normalize_text(r)
        reading.append(size * repeat / (time.process_time() - c) / 1e6)
    ours, base = sorted(full)[len(full) // 2], sorted(reading)[len(reading) // 2]
    return [
        Row(
            benchmark="extraction throughput (MB/s, one core)",
            scale=f"{size * repeat / 1e6:.0f} MB",
            pbgraph=ours,
            baseline=base,
            unit="MB/s",
            ratio=ours / base,
            target="≥ 1 MB/s",
            passed=ours >= 1.0,
            peak_rss_mb=max(peaks),
            runs=runs,
            note=f"{folder.name} corpus repeated {repeat}×; baseline = normalization alone; CPU time "
            f"(wall clock: {sorted(wall)[len(wall) // 2]:.2f} MB/s)",
        )
    ]
