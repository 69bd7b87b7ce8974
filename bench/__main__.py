"""Run the benchmarks and print one Markdown table; the same rows go to bench/results/<name>.json.

python -m bench                 # taiyuan scale, every benchmark
python -m bench --quick         # smaller and fewer runs, for a smoke check
python -m bench --scale province
python -m bench --neo4j         # also the Neo4j rows (a throwaway Neo4j 5; needs Java 17+ and Maven)
"""

from __future__ import annotations

import argparse
import time

from bench import document_readers, extraction, ledger_load, matching, query_latency, reconciliation, roster_load
from bench.common import save, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="taiyuan", choices=["guangming", "cuiping", "taiyuan", "province"])
    parser.add_argument("--quick", action="store_true", help="one run each, short baselines")
    parser.add_argument("--neo4j", action="store_true", help="add the Neo4j rows (bench/neo4j.py)")
    parser.add_argument(
        "--runs",
        type=int,
        help="runs of each load and matching step (default 3, 1 with --quick; province: 1 saves ~20 min)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    runs = args.runs or (1 if args.quick else 3)
    rows = roster_load.run(args.scale, runs=runs, naive_budget_s=5 if args.quick else 20)
    rows += ledger_load.run(args.scale, runs=runs)
    rows += query_latency.run(args.scale, runs=5 if args.quick else 20)
    rows += matching.run(args.scale, runs=runs)
    rows += extraction.run(target_mb=2 if args.quick else 10, runs=runs)
    rows += reconciliation.run(args.scale, runs=5 if args.quick else 20, baseline_runs=1 if args.quick else 3)
    rows += document_readers.run()
    if args.neo4j:
        from bench import neo4j

        rows += neo4j.run(
            args.scale, runs=runs, query_runs=5 if args.quick else 20, naive_budget_s=5 if args.quick else 20
        )
    print(table(rows))
    path = save(rows, "quick" if args.quick else args.scale)
    print(f"\nwritten to {path} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
