"""``make demo``: build a sample database on the embedded engine and show what pbgraph does.

Needs nothing outside the project: the sample data is generated here.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from pbgraph import api


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="demo", help="folder for the demo database and outputs")
    args = parser.parse_args(argv)
    out = Path(args.out)
    db_path = out / "demo.db"
    if db_path.exists():
        shutil.rmtree(db_path)
    out.mkdir(parents=True, exist_ok=True)
    with api.connect(str(db_path)) as db:
        api.cypher(
            "CREATE (c:Area:Community {id: 'c1', name: '示范社区', level: 'community'}) "
            "CREATE (g:Area:Grid {id: 'g1', name: '示范社区第一网格', level: 'grid', households: 420}) "
            "CREATE (g)-[:PART_OF]->(c)",
            write=True,
            db=db,
        )
        info = api.status(db)
    print(f"demo database: {db_path}")
    print(f"nodes: {info['nodes']}")
    print(f"relationships: {info['relationships']}")


if __name__ == "__main__":
    main()
