"""What every benchmark shares: result rows, medians, child-process peak memory, the table."""

from __future__ import annotations

import json
import platform
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


def latency_row(
    benchmark: str,
    scale: str,
    p95: float,
    baseline: float,
    target_ms: float,
    peak_rss_mb: float | None,
    runs: int,
    note: str,
) -> Row:
    """A p95 latency row (lower is better: the ratio is baseline / pbgraph) against a ``≤ target_ms`` target."""
    return Row(
        benchmark=benchmark,
        scale=scale,
        pbgraph=p95,
        baseline=baseline,
        unit="ms",
        ratio=baseline / p95 if p95 else None,
        target=f"≤ {target_ms:.0f} ms",
        passed=p95 <= target_ms,
        peak_rss_mb=peak_rss_mb,
        runs=runs,
        note=note,
    )


class PeakRSS:
    """Peak resident memory of one step: this process plus the engine it drives, from a reset point.

    Linux keeps a high-water mark per process (``VmHWM``); writing 5 to ``clear_refs``
    resets it, so consecutive steps in one process are measured separately.
    """

    def __init__(self, backend: object | None = None) -> None:
        self.pids = ["self"]
        lease = getattr(backend, "_lease", None)
        if lease is not None:
            pid = lease.layout.pidfile.read_text().strip()
            self.pids.append(pid)

    @staticmethod
    def _hwm_kb(pid: str) -> int:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as f:
                return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
        except (OSError, StopIteration):
            return 0

    def __enter__(self) -> PeakRSS:
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as f:
                    f.write("5")
            except OSError:
                pass
        return self

    def __exit__(self, *exc: object) -> None:
        self.mb = sum(self._hwm_kb(pid) for pid in self.pids) / 1024


#: The same measurement for code run in a child process (see :func:`run_child`).
CHILD_PEAK = """
def _reset_peak(pids):
    for pid in pids:
        try:
            open(f"/proc/{pid}/clear_refs", "w").write("5")
        except OSError:
            pass
def _peak_mb(pids):
    total = 0
    for pid in pids:
        try:
            total += next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM:"))
        except (OSError, StopIteration):
            pass
    return total / 1024
def _pids(backend):
    lease = getattr(backend, "_lease", None)
    return ["self"] + ([lease.layout.pidfile.read_text().strip()] if lease else [])
"""


def median(values: list[float]) -> float:
    return statistics.median(values)


def run_child(code: str, *args: str) -> dict:
    """Run ``code`` (with :data:`CHILD_PEAK` defined) in a fresh Python; it prints one JSON object last."""
    out = subprocess.run([sys.executable, "-c", CHILD_PEAK + code, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


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
