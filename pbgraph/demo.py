"""``make demo``: build a sample district on the embedded engine and ask it the analysts' questions.

Needs nothing outside the project: the roster is generated here (the 光明街道
preset, with gaps planted on purpose) and loaded into a database folder.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from pbgraph import api
from pbgraph.loaders.rosters import load_roster
from pbgraph.loaders.synthetic import generate, write_roster
from pbgraph.queries.render import render
from pbgraph.queries.runner import get_query, run_query

QUESTIONS = (
    ("coverage/uncovered-grids", {"area": "光明街道"}),
    ("coverage/communities-without-joint-committee", {}),
    ("committees/composition", {"area": "光明街道"}),
    ("agreements/units-without-agreement", {}),
    ("matching/open-demands", {}),
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="demo", help="folder for the roster, the database and outputs")
    parser.add_argument("--rows", type=int, default=8, help="rows to print per question")
    args = parser.parse_args(argv)
    out = Path(args.out)
    roster_dir, db_dir = out / "roster", out / "demo.db"
    for old in (roster_dir, db_dir):
        if old.exists():
            shutil.rmtree(old)

    roster = generate("guangming", seed=7, gap_rate=0.08)
    write_roster(roster, roster_dir)
    print(f"1. generated the 光明街道 roster (gaps planted on purpose) in {roster_dir}/")

    with api.connect(str(db_dir)) as db:
        report = load_roster(roster_dir, db)
        created = sum(v["created"] for v in report.nodes.values())
        print(f"2. loaded it into the embedded database {db_dir}/: {created} nodes")
        info = api.status(db)
        print("   " + ", ".join(f"{k} {v}" for k, v in sorted(info["nodes"].items())))

        print("3. asked the canned questions (pbgraph query run NAME):")
        for name, params in QUESTIONS:
            rows = run_query(name, db, **params)
            spec = get_query(name)
            scope = f" --area {params['area']}" if params.get("area") else ""
            print(f"\n$ pbgraph --db {db_dir} query run {name}{scope}")
            print(f"# {spec.description}")
            shown = rows[: args.rows]
            print(render("table", list(spec.columns), shown))
            if len(rows) > len(shown):
                print(f"… {len(rows) - len(shown)} more (use --limit / --format json)")

    print(f"\nTry it yourself:\n  .venv/bin/pbgraph --db {db_dir} query list")


if __name__ == "__main__":
    main()
