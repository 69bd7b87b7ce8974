"""The generator: deterministic, grounded in the documents' numbers, and honest in truth.json."""

from __future__ import annotations

import datetime as dt
import filecmp
import json
from collections import Counter

import pytest

from pbgraph.loaders.rosters import load_roster
from pbgraph.loaders.synthetic import GeneratorError, generate, write_roster

from conftest import run_cli

DAY = dt.date(2025, 6, 30)


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        write_roster(generate("cuiping", seed=seed, as_of=DAY), tmp_path / name)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    match, mismatch, _ = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", files, shallow=False)
    assert mismatch == [] and len(match) == len(files)
    _, mismatch, _ = filecmp.cmpfiles(tmp_path / "a", tmp_path / "c", files, shallow=False)
    assert "areas.csv" in mismatch


def _kinds(roster):
    return Counter(o["kind"] for o in roster.rows["orgs"])


def test_guangming_numbers():
    r = generate("guangming", seed=1, gap_rate=0, as_of=DAY)
    kinds = _kinds(r)
    assert kinds["street_working_committee"] == 1 and kinds["community_party_org"] == 6
    assert kinds["grid_party_branch"] == 48
    assert sum(a["level"] == "grid" for a in r.rows["areas"]) == 150
    assert len({c["area_id"] for c in r.rows["coverage"]}) == 150
    assert len(r.rows["resources"]) == 270


def test_cuiping_numbers():
    r = generate("cuiping", seed=1, gap_rate=0, as_of=DAY)
    kinds = _kinds(r)
    assert kinds["street_joint_committee"] == 9 and kinds["community_joint_committee"] == 41
    assert kinds["regional_party_committee"] == 5
    regional = {o["id"] for o in r.rows["orgs"] if o["kind"] == "regional_party_committee"}
    assert sum(m["org_id"] in regional for m in r.rows["memberships"]) == 79
    agencies = {u["id"] for u in r.rows["units"] if u["sector"] == "agency" and u["party_org_id"]}
    assert len(agencies) == 145
    assert agencies <= {a["unit_id"] for a in r.rows["agreements"] if a["kind"] == "co_building"}
    assert sum(w["role"] == "party_building" for w in r.rows["workers"]) == 101
    grids = [a for a in r.rows["areas"] if a["level"] == "grid"]
    assert all(400 <= a["households"] <= 500 for a in grids)
    assert len(r.rows["spans"]) == 9  # every street in one of the five regions


def test_taiyuan_numbers():
    r = generate("taiyuan", seed=1, gap_rate=0.05, as_of=DAY)
    assert sum(a["level"] == "community" for a in r.rows["areas"]) == 758
    assert abs(len(r.rows["workers"]) - 6351) / 6351 < 0.1
    chain = [
        "district_committee",
        "street_working_committee",
        "community_party_org",
        "grid_party_branch",
        "building_party_group",
        "member_household",
    ]
    orgs = {o["id"]: o for o in r.rows["orgs"]}
    # some member household's chain of LEADS climbs all six levels
    leaf = next(o for o in r.rows["orgs"] if o["kind"] == "member_household")
    climbed = []
    node = leaf
    while node:
        climbed.append(node["kind"])
        node = orgs.get(node["parent_id"])
    assert climbed[::-1] == chain


def test_bad_options():
    with pytest.raises(GeneratorError, match="unknown preset"):
        generate("atlantis")
    with pytest.raises(GeneratorError, match="gap-rate"):
        generate("guangming", gap_rate=0.9)


def test_truth_agrees_with_the_loaded_graph(db, tmp_path):
    roster = generate("guangming", seed=11, gap_rate=0.1, as_of=DAY)
    write_roster(roster, tmp_path / "g")
    load_roster(tmp_path / "g", db)
    truth = json.loads((tmp_path / "g" / "truth.json").read_text(encoding="utf-8"))

    def ids(query):
        return sorted(r[0] for r in db.read(query).rows)

    assert truth["uncovered_grids"], "a 10% gap rate should plant some uncovered grids"
    assert (
        ids(
            "MATCH (g:Grid) OPTIONAL MATCH (o:PartyOrg)-[:COVERS]->(g) WHERE o.kind = 'grid_party_branch' "
            "WITH g, count(o) AS n WHERE n = 0 RETURN g.id"
        )
        == truth["uncovered_grids"]
    )
    assert (
        ids(
            "MATCH (g:Grid) OPTIONAL MATCH (w:GridWorker)-[:ASSIGNED_TO]->(g) "
            "WITH g, count(w) AS n WHERE n = 0 RETURN g.id"
        )
        == truth["grids_without_worker"]
    )
    assert ids("MATCH (g:Grid) WHERE g.households > 500 RETURN g.id") == truth["oversized_grids"]
    assert (
        ids(
            "MATCH (c:Community) OPTIONAL MATCH (o:PartyOrg)-[:SEATED_IN]->(c) "
            "WHERE o.kind = 'community_joint_committee' WITH c, count(o) AS n WHERE n = 0 "
            "RETURN c.id"
        )
        == truth["communities_without_joint_committee"]
    )
    assert (
        ids(
            "MATCH (d:Demand) OPTIONAL MATCH (p:Project)-[:ADDRESSES]->(d) WHERE p.status IN ['claimed', 'done'] "
            "WITH d, count(p) AS n WHERE n = 0 RETURN d.id"
        )
        == truth["open_demands"]
    )
    assert truth["counts"]["areas"] == db.counts().nodes["Area"]


def test_cli_generate_xlsx_and_gb18030(tmp_path):
    out = run_cli(
        "generate",
        "--preset",
        "guangming",
        "--seed",
        "2",
        "--out",
        str(tmp_path / "x"),
        "--format",
        "xlsx",
        "--as-of",
        "2025-06-30",
    )
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["roster.xlsx", "truth.json"]
    out = run_cli("generate", "--preset", "guangming", "--out", str(tmp_path / "g"), "--encoding", "gb18030")
    assert out.returncode == 0
    (tmp_path / "g" / "areas.csv").read_bytes().decode("gb18030")
    out = run_cli("load", "roster", str(tmp_path / "g"), db=tmp_path / "g.db")
    assert out.returncode == 0 and "areas 160 rows (gb18030)" in out.stderr, out.stderr
