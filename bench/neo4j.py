"""Neo4j 5 rows: roster load and canned-query latency on a real Neo4j, beside the embedded engine.

A throwaway Neo4j 5.26 Community (tools/neo4j, heap ``PBGRAPH_NEO4J_HEAP``, 2g here) is started for
the run. Roster load: pbgraph's loader (validated, one all-or-nothing transaction of batched
``UNWIND``) against a naive loader (one autocommitted ``MERGE`` per row, for a time budget) and
against a plain batched-``UNWIND`` script (the same statements, each batch its own transaction, no
validation). Queries: p95 of every required canned question on Neo4j, with the embedded engine's
p95 on the same roster as the baseline (ratio above 1: Neo4j is faster).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Row, latency_row, median
from bench.query_latency import TARGET_MS, _percentiles, _time

REPO = Path(__file__).resolve().parent.parent


def _server_module():
    spec = importlib.util.spec_from_file_location("pbgraph_neo4j_server", REPO / "tools" / "neo4j" / "server.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _cases(roster) -> list[tuple[str, dict]]:
    on, before = roster.truth["as_of"], roster.truth["expiring_before"]
    return [
        ("coverage/uncovered-grids", {}),
        ("coverage/communities-without-joint-committee", {}),
        ("coverage/streets-without-joint-committee", {}),
        ("coverage/oversized-grids", {}),
        ("coverage/grids-without-worker", {}),
        ("committees/composition", {}),
        ("agreements/units-without-agreement", {"on": on}),
        ("agreements/expiring", {"today": on, "before": before}),
        ("matching/open-demands", {}),
        ("matching/candidates", {}),
    ]


def _entities(report) -> int:
    return sum(v["created"] + v["updated"] for v in report.nodes.values()) + sum(
        v["created"] for v in report.relationships.values()
    )


def run(scale: str = "taiyuan", runs: int = 3, query_runs: int = 20, naive_budget_s: float = 20.0) -> list[Row]:
    # imported now, not when first used: a long run must not pick up edits made meanwhile
    for module in ("pbgraph.graph.backends.embedded", "pbgraph.graph.backends.falkordb_backend"):
        importlib.import_module(module)
    from pbgraph.graph import open_backend
    from pbgraph.loaders.roster_files import read_roster
    from pbgraph.loaders.rosters import diff_plan, load_roster, validate
    from pbgraph.loaders.synthetic import generate, write_roster
    from pbgraph.queries.runner import run_query

    server_mod = _server_module()
    os.environ.setdefault("PBGRAPH_NEO4J_HEAP", "2g")
    server_mod.HEAP = os.environ["PBGRAPH_NEO4J_HEAP"]
    work = Path(tempfile.mkdtemp(prefix="pbgraph-bench-neo4j-"))
    server = server_mod.start()
    saved = {k: os.environ.get(k) for k in server.env}
    os.environ.update(server.env)
    try:
        roster = generate(scale, seed=1)
        write_roster(roster, work / "roster")
        neo = open_backend(server.uri)

        # -- roster load: the baselines first, pbgraph last (its load then serves the queries) ------
        neo.reset()
        plan = validate(read_roster(work / "roster"), neo)  # planned against an empty graph, as on first load
        diff = diff_plan(plan, neo)  # everything is new: only creations
        entities = None
        batched_rates = []
        for _ in range(runs):
            neo.reset()
            neo.ensure_schema()
            steps = [st for st, _ in diff.statements()]
            t = time.perf_counter()
            written = 0
            for st in steps:  # each batch its own transaction, as a plain script would
                stats = neo.write(st.query, st.params).stats
                written += stats.get("nodes_created", 0) + stats.get("relationships_created", 0)
            batched_rates.append(written / (time.perf_counter() - t))
        batched = median(batched_rates)

        neo.reset()
        neo.ensure_schema()
        done, elapsed = 0, 0.0
        for st, _ in diff.statements(batch_size=1):
            t = time.perf_counter()
            neo.write(st.query, st.params)
            elapsed += time.perf_counter() - t
            done += 1
            if elapsed > naive_budget_s:
                break
        naive = done / elapsed

        rates = []
        for _ in range(runs):
            neo.reset()
            t = time.perf_counter()
            report = load_roster(work / "roster", neo)
            rates.append(_entities(report) / (time.perf_counter() - t))
        ours = median(rates)
        entities = _entities(report)
        print(f"Neo4j {scale}: pbgraph {ours:,.0f}/s, batched UNWIND {batched:,.0f}/s, naive {naive:,.0f}/s",
              file=sys.stderr, flush=True)  # fmt: skip

        rows = [
            Row(
                benchmark="Neo4j roster load (entities/s)",
                scale=scale,
                pbgraph=ours,
                baseline=naive,
                unit="/s",
                ratio=ours / naive,
                target="≥ 20× naive",
                passed=ours / naive >= 20,
                peak_rss_mb=None,
                runs=runs,
                note=f"Neo4j {scale}: naive per-row MERGE (autocommit) over its first {done:,} entities "
                f"({naive_budget_s:.0f} s budget); pbgraph over all {entities:,} in one transaction",
            ),
            Row(
                benchmark="Neo4j roster load vs batched UNWIND (entities/s)",
                scale=scale,
                pbgraph=ours,
                baseline=batched,
                unit="/s",
                ratio=ours / batched,
                target="≥ 0.5× batched",
                passed=ours / batched >= 0.5,
                peak_rss_mb=None,
                runs=runs,
                note="baseline: the same UNWIND batches of 5,000 rows, each its own transaction, no validation "
                "(a failure half-way leaves half a roster); pbgraph validates first and commits once",
            ),
        ]

        # -- canned queries: Neo4j beside the embedded engine, same roster ------------------
        embedded = open_backend(str(work / "embedded.db"))
        load_roster(work / "roster", embedded)
        embedded.settle()  # timed once the engine's post-load log compaction is done
        for name, params in _cases(roster):
            n = max(1, query_runs // 5) if name == "matching/candidates" else query_runs
            run_query(name, neo, **params)  # warm-up: Neo4j plans and compiles on first use
            neo_samples, result = _time(lambda name=name, params=params: run_query(name, neo, **params), n)
            emb_samples, expected = _time(lambda name=name, params=params: run_query(name, embedded, **params), n)
            if result != expected:
                raise AssertionError(f"{name}: Neo4j and the embedded engine disagree")
            p50, p95 = _percentiles(neo_samples)
            e50, e95 = _percentiles(emb_samples)
            note = f"p50 {p50:.0f} ms on Neo4j vs {e50:.0f} ms embedded (baseline = embedded p95); "
            note += f"{len(result):,} identical rows"
            rows.append(latency_row(f"Neo4j {name} p95 (ms)", scale, p95, e95, TARGET_MS, None, n, note))
        embedded.close()
        neo.close()
        return rows
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    import argparse

    from bench.common import save, table

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="taiyuan", choices=["guangming", "cuiping", "taiyuan"])
    parser.add_argument("--quick", action="store_true", help="one run each, short baselines")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = run(args.scale, runs=1 if args.quick else 3, query_runs=5 if args.quick else 20,
               naive_budget_s=5 if args.quick else 20)  # fmt: skip
    print(table(rows))
    path = save(rows, f"neo4j-{args.scale}" + ("-quick" if args.quick else ""))
    print(f"\nwritten to {path} in {time.perf_counter() - started:.0f} s")
