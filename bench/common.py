"""What every benchmark shares: result rows, medians, child-process peak memory, the table."""

from __future__ import annotations

import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Row:
    benchmark: str
    scale: str
    pbgraph: float
    baseline: float | None
    unit: str
    #: pbgraph ÷ baseline, oriented so that larger is better for pbgraph
    ratio: float | None
    target: str
    passed: bool | None
    peak_rss_mb: float | None
    runs: int
    note: str = ""


def median(values: list[float]) -> float:
    return statistics.median(values)


def run_child(code: str, *args: str) -> tuple[dict, float]:
    """Run ``code`` in a fresh Python; it prints one JSON object last. Returns it and the child's peak RSS (MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {out.stderr.strip()[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the max over all waited-for children: report the child's when it rose
    return json.loads(out.stdout.strip().splitlines()[-1]), max(peak, before) / 1024


def fmt(x: float | None) -> str:
    if x is None:
        return "—"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def table(rows: list[Row]) -> str:
    head = "| benchmark | scale | pbgraph | baseline | ratio | target | pass | peak RSS (MB) | runs |"
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        ok = "n/a" if r.passed is None else ("✅" if r.passed else "❌")
        lines.append(
            f"| {r.benchmark} | {r.scale} | {fmt(r.pbgraph)} {r.unit} | {fmt(r.baseline)} | "
            f"{'—' if r.ratio is None else f'{r.ratio:.1f}×'} | {r.target} | {ok} | {fmt(r.peak_rss_mb)} | {r.runs} |"
        )
    notes = [f"- {r.benchmark}: {r.note}" for r in rows if r.note]
    return "\n".join(lines + (["", *notes] if notes else []))


def save(rows: list[Row], name: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    meta = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": __import__("os").cpu_count(),
    }
    path.write_text(json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, ensure_ascii=False, indent=1))
    return path
