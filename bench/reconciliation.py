"""reconciliation/stated-vs-actual at a preset's scale with the seed documents loaded.

The roster is generated (``taiyuan`` by default) and loaded, then the five seed
documents (``../shared/corpus/seeds``, else the project's sample documents). The
baseline is the formulation this query replaced: for every statement, the whole
subtree of its area, joined to orgs, units and workers node by node.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from bench.common import PeakRSS, Row, latency_row
from bench.query_latency import DISTRICT_MS, _percentiles, _time, target_ms

REPO = Path(__file__).resolve().parent.parent

BASELINE = """
MATCH (s:Statement)-[:ABOUT]->(a:Area)
WHERE s.category IN ['street', 'town', 'community', 'village', 'grid',
                     'street_working_committee', 'community_party_org', 'grid_party_branch', 'building_party_group',
                     'member_household', 'street_joint_committee', 'community_joint_committee', 'grid_joint_branch',
                     'regional_party_committee', 'resident_unit', 'grid_worker']
OPTIONAL MATCH (s)-[:FROM]->(doc:Document)
OPTIONAL MATCH (x:Area)-[:PART_OF*0..12]->(a)
WITH s, a, doc, x
OPTIONAL MATCH (o:PartyOrg)-[:SEATED_IN]->(x)
WHERE o.kind = s.category
OPTIONAL MATCH (u:Unit)-[:LOCATED_IN]->(x)
WHERE s.category = 'resident_unit'
OPTIONAL MATCH (w:GridWorker)-[:ASSIGNED_TO]->(x)
WHERE s.category = 'grid_worker'
WITH s, a, doc,
     count(DISTINCT CASE WHEN x.level = s.category THEN x END) AS areas,
     count(DISTINCT o) AS orgs, count(DISTINCT u) AS units, count(DISTINCT w) AS workers
RETURN a.name AS area, s.category AS category, s.value AS stated, areas + orgs + units + workers AS actual,
       doc.source AS source
ORDER BY area, category, stated
"""


def run(scale: str = "taiyuan", runs: int = 20, baseline_runs: int = 3) -> list[Row]:
    from pbgraph.graph import open_backend
    from pbgraph.loaders.documents.load import load_documents
    from pbgraph.loaders.rosters import load_roster
    from pbgraph.loaders.synthetic import generate, write_roster
    from pbgraph.queries.runner import run_query

    seeds = REPO.parent / "shared" / "corpus" / "seeds"
    documents = sorted(seeds.glob("*.txt")) if seeds.is_dir() else [REPO / "tests" / "documents"]
    work = Path(tempfile.mkdtemp(prefix="pbgraph-bench-r-"))
    try:
        write_roster(generate(scale, seed=1), work / "roster")
        backend = open_backend(str(work / "db"))
        load_roster(work / "roster", backend)
        backend.settle()  # timed once the engine's post-load log compaction is done
        load_documents(documents, backend)
        run_query("reconciliation/stated-vs-actual", backend)  # warm-up: the first read loads the graph's pages
        with PeakRSS(backend) as peak:
            samples, rows = _time(lambda: run_query("reconciliation/stated-vs-actual", backend), runs)
        base_samples, _ = _time(lambda: backend.read(BASELINE), baseline_runs)
        # scoped to the district the most statements are about (the seed documents name real districts)
        district = (
            backend.read(
                "MATCH (s:Statement)-[:ABOUT]->(:Area)-[:PART_OF*0..12]->(d:District) "
                "RETURN d.id AS id, count(*) AS n ORDER BY n DESC, id LIMIT 1"
            ).rows
            or backend.read("MATCH (d:District) RETURN d.id AS id ORDER BY id LIMIT 1").rows
        )
        district = district[0][0]
        with PeakRSS(backend) as district_peak:
            district_samples, district_rows = _time(
                lambda: run_query("reconciliation/stated-vs-actual", backend, area=district), runs
            )
        backend.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    p50, p95 = _percentiles(samples)
    b50, b95 = _percentiles(base_samples)
    d50, d95 = _percentiles(district_samples)
    target = target_ms(scale, len(rows))
    return [
        latency_row(
            "reconciliation/stated-vs-actual p95 (ms), seed documents loaded",
            scale,
            p95,
            b95,
            target,
            peak.mb,
            runs,
            f"p50 {p50:.0f} ms vs {b50:.0f} ms; {len(rows)} rows; baseline = the per-statement formulation it "
            f"replaced ({baseline_runs} runs)",
        ),
        latency_row(
            "reconciliation/stated-vs-actual scoped to one district p95 (ms), seed documents loaded",
            scale,
            d95,
            p95,
            DISTRICT_MS,
            district_peak.mb,
            runs,
            f"p50 {d50:.0f} ms; {len(district_rows)} rows about district {district}; baseline = the whole graph",
        ),
    ]
