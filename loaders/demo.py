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

#: A short work report the demo writes itself (its own sentences; numbers as such a report states them).
REPORT = """光明街道党建引领基层治理工作情况
近年来，深圳市光明区光明街道党工委以网格党建为抓手，推动组织覆盖延伸到每一个网格。
目前，光明街道下辖6个社区，划分综合治理网格150个，建立网格党支部48个，6个社区党委全部组建社区“大党委”。
街道组建“红小二”党员服务队伍270余支，年均投入经费2亿余元，解决群众急难愁盼问题1200余件。
"""

QUESTIONS = (
    ("coverage/uncovered-grids", {"area": "光明街道"}),
    ("coverage/communities-without-joint-committee", {}),
    ("committees/composition", {"area": "光明街道"}),
    ("agreements/units-without-agreement", {}),
    ("matching/open-demands", {}),
    ("reconciliation/stated-vs-actual", {}),
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

        docs = out / "docs"
        docs.mkdir(exist_ok=True)
        (docs / "光明街道工作情况.txt").write_text(REPORT, encoding="utf-8")
        from pbgraph.loaders.documents.load import load_documents

        loaded = load_documents([docs], db)
        print(
            f"3. loaded a work report from {docs}/: {loaded.statements} stated numbers, areas merged with the "
            f"roster: {', '.join(n for n, _, _ in loaded.areas_merged)}"
        )

        print("4. asked the canned questions (pbgraph query run NAME):")
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

        from pbgraph import maps

        m = maps.build_map(db, area="光明街道", query="coverage/uncovered-grids")
        page = maps.write_map(m, out / "光明街道-map.html")
        print(
            f"\n5. drew the street's map for planners: {page} ({len(m.nodes)} nodes; gaps outlined in red, "
            "uncovered grids in yellow; open it in a browser, no network needed)"
        )

    print(f"\nTry it yourself:\n  .venv/bin/pbgraph --db {db_dir} query list")
    print(f"  .venv/bin/pbgraph --db {db_dir} map --area 光明街道 --out map.html")


if __name__ == "__main__":
    main()
