"""Documents and reconciliation on a live Neo4j 5: the same loader and query text as on FalkorDB."""

from pbgraph.loaders.documents.load import load_documents
from pbgraph.loaders.rosters import load_roster
from pbgraph.queries.runner import run_query


def test_stated_vs_actual_counts_roster_nodes_only_on_neo4j(neo4j_db, tmp_path):
    from fixture_district import write_district

    load_roster(write_district(tmp_path / "roster"), neo4j_db)
    first = tmp_path / "report.txt"
    first.write_text(
        "太原市共有5个社区\n太原市社区工作综述\n太原市共有5个社区，迎泽区共有2个街道。"
        "迎泽区柳巷街道新建东风社区、春晖社区、晓光社区。\n",
        encoding="utf-8",
    )
    load_documents([first], neo4j_db)
    rows = run_query("reconciliation/stated-vs-actual", neo4j_db)
    assert [(r["area"], r["category"], r["stated"], r["actual"]) for r in rows] == [
        ("太原市", "community", 5, 5),
        ("迎泽区", "street", 2, 2),
    ]
    assert [r["actual"] for r in run_query("reconciliation/stated-vs-actual", neo4j_db, area="迎泽区")] == [2]
