"""Every canned question: exact rows on a hand-built district, and the planted gaps on generated presets."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from pbgraph.loaders.rosters import load_roster
from pbgraph.loaders.synthetic import generate, write_roster
from pbgraph.queries.runner import AmbiguousArea, AreaNotFound, BadParameter, UnknownQuery, run_query

from fixture_district import ON, write_district


@pytest.fixture
def district(db, tmp_path):
    load_roster(write_district(tmp_path / "district"), db)
    return db


def ids(rows, column):
    return [r[column] for r in rows]


def test_uncovered_grids(district):
    rows = run_query("coverage/uncovered-grids", district)
    assert rows == [
        {"grid_id": "G3", "grid": "双塔西街三社区网格", "community": "双塔西街三社区", "households": None},
        {"grid_id": "G4", "grid": "桥东社区网格", "community": "桥东社区", "households": 700},
        {"grid_id": "G6", "grid": "西吴社区（巨轮）网格", "community": "西吴社区", "households": 501},
    ]
    assert ids(run_query("coverage/uncovered-grids", district, area="S1"), "grid_id") == ["G3"]
    assert ids(run_query("coverage/uncovered-grids", district, area="杏花岭区"), "grid_id") == ["G6"]
    assert run_query("coverage/uncovered-grids", district, area="G1") == []


def test_a_grid_is_covered_by_its_branch_whatever_else_covers_it(district):
    """Other covers (a building group, an org with no kind) neither cover a grid nor hide its branch."""
    district.write(
        "MATCH (b:PartyOrg {id: 'bpg3'}), (g1:Area {id: 'G1'}), (g4:Area {id: 'G4'}) "
        "CREATE (b)-[:COVERS]->(g1), (:PartyOrg {id: 'nokind', name: 'x'})-[:COVERS]->(g4), "
        "(:PartyOrg {id: 'nokind2', name: 'y'})-[:COVERS]->(g1)"
    )
    for area in (None, "D1"):
        rows = run_query("coverage/uncovered-grids", district, area=area)
        assert ids(rows, "grid_id") == (["G3", "G4"] if area else ["G3", "G4", "G6"])


def test_communities_and_streets_without_joint_committee(district):
    assert run_query("coverage/communities-without-joint-committee", district) == [
        {"community_id": "K2", "community": "双塔西街三社区", "street": "柳巷街道"},
        {"community_id": "K4", "community": "巨轮社区", "street": "巨轮街道"},
        {"community_id": "K5", "community": "西吴社区", "street": "巨轮街道"},
    ]
    assert run_query("coverage/streets-without-joint-committee", district) == [
        {"street_id": "S2", "street": "桥东街道", "district": "迎泽区"},
        {"street_id": "S3", "street": "巨轮街道", "district": "杏花岭区"},
    ]
    assert ids(run_query("coverage/streets-without-joint-committee", district, area="S3"), "street_id") == ["S3"]


def test_oversized_grids(district):
    rows = run_query("coverage/oversized-grids", district)
    assert [(r["grid_id"], r["households"]) for r in rows] == [("G4", 700), ("G2", 520), ("G6", 501)]
    assert rows[1] == {"grid_id": "G2", "grid": "西吴社区第二网格", "community": "西吴社区", "households": 520}
    assert ids(run_query("coverage/oversized-grids", district, max_households=510), "grid_id") == ["G4", "G2"]


def test_grids_without_worker(district):
    assert run_query("coverage/grids-without-worker", district) == [
        {"grid_id": "G2", "grid": "西吴社区第二网格", "community": "西吴社区"},
        {"grid_id": "G3", "grid": "双塔西街三社区网格", "community": "双塔西街三社区"},
        {"grid_id": "G5", "grid": "巨轮社区网格", "community": "巨轮社区"},
    ]


def test_committee_composition(district):
    rows = run_query("committees/composition", district)
    got = {r["committee_id"]: (r["kind"], r["members"], r["sectors"], r["missing"]) for r in rows}
    assert ids(rows, "committee_id") == ["cjc1", "cjc3", "gjb5", "rpc1", "sjc1"]
    assert got == {
        "cjc1": (
            "community_joint_committee",
            4,
            ["hospital", "owners_committee", "police_station", "property_company"],
            [],
        ),
        "cjc3": (
            "community_joint_committee",
            1,
            ["school"],
            ["owners_committee", "police_station", "property_company"],
        ),
        "gjb5": ("grid_joint_branch", 0, [], []),
        "rpc1": ("regional_party_committee", 2, ["hospital", "school"], []),
        "sjc1": ("street_joint_committee", 1, ["hospital"], ["police_station"]),
    }
    assert rows[0]["committee"] == "西吴社区大党委"
    given = run_query("committees/composition", district, required=["school", "hospital"])
    assert {r["committee_id"]: r["missing"] for r in given} == {
        "cjc1": ["school"],
        "cjc3": ["hospital"],
        "gjb5": ["hospital", "school"],
        "rpc1": [],
        "sjc1": ["school"],
    }
    assert ids(run_query("committees/composition", district, area="S1"), "committee_id") == ["cjc1", "sjc1"]
    assert ids(run_query("committees/composition", district, area="D1"), "committee_id") == [
        "cjc1",
        "cjc3",
        "rpc1",
        "sjc1",
    ]


def test_units_without_agreement(district):
    rows = run_query("agreements/units-without-agreement", district, on=ON)
    assert rows == [
        {"unit_id": "u4", "unit": "西吴小区业主委员会", "sector": "owners_committee", "community": "西吴社区"},
        {"unit_id": "u5", "unit": "桥东小学", "sector": "school", "community": "桥东社区"},
        {"unit_id": "u6", "unit": "巨轮超市", "sector": "merchant", "community": "巨轮社区"},
    ]
    assert ids(run_query("agreements/units-without-agreement", district, on="2025-07-01"), "unit_id") == [
        "u4",
        "u6",
        "u7",
    ]
    assert ids(run_query("agreements/units-without-agreement", district, on=ON, area="K1"), "unit_id") == ["u4"]
    assert ids(run_query("agreements/units-without-agreement", district, on=ON, area="G1"), "unit_id") == ["u4"]


def test_expiring_agreements(district):
    assert run_query("agreements/expiring", district, today=ON, before="2025-12-31") == [
        {
            "agreement_id": "a6",
            "kind": "co_building",
            "unit": "迎泽能源集团有限公司",
            "area": "双塔西街三社区",
            "expires": "2025-06-30",
        },
    ]
    rows = run_query("agreements/expiring", district, today=ON, before="2026-01-01")
    assert [(r["agreement_id"], r["area"], r["expires"]) for r in rows] == [
        ("a6", "双塔西街三社区", "2025-06-30"),
        ("a2", "柳巷街道", "2025-12-31"),
    ]
    assert run_query("agreements/expiring", district, today=ON, before="2026-01-01", area="S2") == []
    assert run_query("agreements/expiring", district) == []  # both default to today: nothing can qualify


def test_open_demands(district):
    rows = run_query("matching/open-demands", district)
    assert rows == [
        {
            "demand_id": "d5",
            "demand": "老年人体检",
            "category": "medical",
            "community": "西吴社区",
            "households": 200,
            "urgency": 5,
        },
        {
            "demand_id": "d1",
            "demand": "慢病随访",
            "category": "medical",
            "community": "西吴社区",
            "households": 100,
            "urgency": 5,
        },
        {
            "demand_id": "d2",
            "demand": "上门体检",
            "category": "medical",
            "community": "双塔西街三社区",
            "households": None,
            "urgency": 3,
        },
        {
            "demand_id": "d3",
            "demand": "邻里纠纷调解",
            "category": "legal_aid",
            "community": "桥东社区",
            "households": 50,
            "urgency": None,
        },
    ]
    assert ids(run_query("matching/open-demands", district, area="S3"), "demand_id") == ["d5"]


def test_candidates(district):
    def pairs(**params):
        return [
            (r["demand_id"], r["resource_id"], r["category"], r["tier"])
            for r in run_query("matching/candidates", district, **params)
        ]

    assert pairs() == [
        ("d1", "r1", "medical", 0),
        ("d1", "r6", "medical", 1),
        ("d1", "r2", "medical", 2),
        ("d2", "r1", "medical", 1),
        ("d2", "r6", "medical", 1),
        ("d2", "r2", "medical", 2),
        ("d3", "r4", "legal_aid", 2),
    ]
    assert pairs(max_tier=0) == [("d1", "r1", "medical", 0)]
    assert pairs(max_tier=1) == [
        ("d1", "r1", "medical", 0),
        ("d1", "r6", "medical", 1),
        ("d2", "r1", "medical", 1),
        ("d2", "r6", "medical", 1),
    ]
    assert {p[0] for p in pairs(area="K2")} == {"d2"}


def test_candidates_per_demand_keeps_each_demands_best(district):
    """Lowest tier first, then most capacity left, then resource id (model.md); 0 keeps every pair."""

    def pairs(**params):
        rows = run_query("matching/candidates", district, **params)
        return [(r["demand_id"], r["resource_id"], r["tier"]) for r in rows]

    assert pairs(per_demand=1) == [("d1", "r1", 0), ("d2", "r1", 1), ("d3", "r4", 2)]
    assert pairs(per_demand=2) == [("d1", "r1", 0), ("d1", "r6", 1), ("d2", "r1", 1), ("d2", "r6", 1), ("d3", "r4", 2)]
    assert pairs(per_demand=2, max_tier=0) == [("d1", "r1", 0)]
    assert len(pairs(per_demand=0)) == len(pairs(per_demand=3)) == 7
    # r6 (capacity 1 -> 5) now has more left than r1 (2): at the same tier it comes before r1 for d2
    district.write("MATCH (r:Resource {id: 'r6'}) SET r.capacity = 5")
    assert pairs(per_demand=1) == [("d1", "r1", 0), ("d2", "r6", 1), ("d3", "r4", 2)]


def test_available_resources_scoped_to_an_area(district):
    """An owner counts where it is located, or where it is when it is an area itself (r2: community K3).

    Scoped, FalkorDB once failed this query ("Type mismatch: expected Null but was Pointer")."""
    assert ids(run_query("matching/available-resources", district), "resource_id") == ["r1", "r2", "r4", "r6"]
    assert ids(run_query("matching/available-resources", district, area="S1"), "resource_id") == ["r1", "r4", "r6"]
    assert run_query("matching/available-resources", district, area="K3") == [
        {"resource_id": "r2", "resource": "社区卫生室", "category": "medical", "owner": "桥东社区", "remaining": 1}
    ]


def test_stated_vs_actual(district):
    district.write(
        "CREATE (doc:Document {id: 'doc1', name: '工作报告', title: '工作报告', source: 'report.txt', sha256: 'x'}) "
        "WITH doc UNWIND $rows AS r MATCH (a:Area {id: r.area}) "
        "CREATE (s:Statement {id: r.id, name: r.id, category: r.cat, value: r.value, approx: false})-[:ABOUT]->(a) "
        "CREATE (s)-[:FROM]->(doc)",
        {
            "rows": [
                {"id": "s1", "area": "C", "cat": "community", "value": 5},
                {"id": "s2", "area": "D1", "cat": "grid", "value": 10},
                {"id": "s3", "area": "C", "cat": "community_joint_committee", "value": 2},
                {"id": "s4", "area": "S1", "cat": "resident_unit", "value": 9},
                {"id": "s5", "area": "K1", "cat": "grid_worker", "value": 2},
                {"id": "s6", "area": "C", "cat": "volunteer", "value": 100},
                {"id": "s7", "area": "C", "cat": "street", "value": 3},
            ]
        },
    )
    rows = run_query("reconciliation/stated-vs-actual", district)
    got = {(r["area"], r["category"], r["stated"], r["actual"], r["source"]) for r in rows}
    assert got == {
        ("太原市", "community", 5, 5, "report.txt"),
        ("迎泽区", "grid", 10, 4, "report.txt"),
        ("太原市", "community_joint_committee", 2, 2, "report.txt"),
        ("柳巷街道", "resident_unit", 9, 5, "report.txt"),
        ("西吴社区", "grid_worker", 2, 2, "report.txt"),
        ("太原市", "street", 3, 3, "report.txt"),
    }
    assert ids(rows, "area") == sorted(ids(rows, "area"))
    assert {r["area"] for r in run_query("reconciliation/stated-vs-actual", district, area="S1")} == {
        "柳巷街道",
        "西吴社区",
    }


def test_area_by_name_and_ambiguity(district):
    assert ids(run_query("coverage/uncovered-grids", district, area="柳巷街道"), "grid_id") == ["G3"]
    with pytest.raises(
        AmbiguousArea, match=r"柳巷街道/西吴社区 \(K1, community\).*巨轮街道/西吴社区 \(K5, community\)"
    ):
        run_query("coverage/uncovered-grids", district, area="西吴社区")
    assert (
        run_query("summary/area-overview", district, area="巨轮街道/西吴社区", level="community")[0]["area_id"] == "K5"
    )
    with pytest.raises(AreaNotFound):
        run_query("coverage/uncovered-grids", district, area="不存在街道")


def test_bad_parameters(district):
    with pytest.raises(UnknownQuery, match="did you mean coverage/uncovered-grids"):
        run_query("coverage/uncovered-grid", district)
    with pytest.raises(BadParameter, match="has no parameter colour"):
        run_query("coverage/uncovered-grids", district, colour="red")
    with pytest.raises(BadParameter, match="must be int"):
        run_query("coverage/oversized-grids", district, max_households="many")
    with pytest.raises(BadParameter, match="must be date"):
        run_query("agreements/units-without-agreement", district, on="30/06/2025")
    with pytest.raises(BadParameter, match="unknown sector 'polce_station'"):
        run_query("committees/composition", district, required="polce_station")


def test_empty_graph_gives_empty_results(db):
    for name in (
        "coverage/uncovered-grids",
        "committees/composition",
        "matching/candidates",
        "reconciliation/stated-vs-actual",
        "agreements/expiring",
    ):
        assert run_query(name, db) == []


# -- generated presets: the questions find exactly the planted gaps ----------------------------------


def _read(folder, table):
    with (folder / f"{table}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def presets(tmp_path_factory):
    """cuiping and guangming generated with 10% gaps and loaded into one graph (ids do not collide)."""
    from pbgraph.graph import open_backend

    base = tmp_path_factory.mktemp("presets")
    backend = open_backend(str(base / "g.db"))
    truths = {}
    for name, seed in (("cuiping", 21), ("guangming", 22)):
        roster = generate(name, seed=seed, gap_rate=0.1)
        write_roster(roster, base / name)
        load_roster(base / name, backend)
        truths[name] = roster.truth
    yield backend, base, truths
    backend.close()


@pytest.mark.parametrize(("name", "province"), [("cuiping", "四川省"), ("guangming", "广东省")])
def test_presets_planted_gaps_found_exactly(presets, name, province):
    backend, _, truths = presets
    truth = truths[name]
    scope = {"area": province}  # by name: the other preset's gaps must stay out

    def got(query, column, **params):
        return sorted(r[column] for r in run_query(query, backend, **scope, **params))

    assert truth["uncovered_grids"] and truth["units_without_agreement"] and truth["committee_missing"]
    assert got("coverage/uncovered-grids", "grid_id") == truth["uncovered_grids"]
    assert (
        got("coverage/communities-without-joint-committee", "community_id")
        == truth["communities_without_joint_committee"]
    )
    assert got("coverage/streets-without-joint-committee", "street_id") == truth["streets_without_joint_committee"]
    assert (
        got("coverage/oversized-grids", "grid_id", max_households=truth["max_households"]) == truth["oversized_grids"]
    )
    assert got("coverage/grids-without-worker", "grid_id") == truth["grids_without_worker"]
    composition = run_query("committees/composition", backend, **scope)
    assert {r["committee_id"]: r["missing"] for r in composition if r["missing"]} == truth["committee_missing"]
    assert got("agreements/units-without-agreement", "unit_id", on=truth["as_of"]) == truth["units_without_agreement"]
    assert (
        got("agreements/expiring", "agreement_id", today=truth["as_of"], before=truth["expiring_before"])
        == truth["expiring_agreements"]
    )
    assert got("matching/open-demands", "demand_id") == truth["open_demands"]


def test_preset_scoped_to_one_street(presets):
    """Scoping by a street returns exactly the planted gaps inside it."""
    backend, base, truths = presets
    areas = {a["id"]: a for a in _read(base / "cuiping", "areas")}
    street = next(a for a in areas.values() if a["level"] == "street")

    def inside(area_id):
        while area_id:
            if area_id == street["id"]:
                return True
            area_id = areas[area_id]["parent_id"]
        return False

    rows = run_query("coverage/uncovered-grids", backend, area=street["id"])
    assert sorted(ids(rows, "grid_id")) == [g for g in truths["cuiping"]["uncovered_grids"] if inside(g)]


def test_preset_candidates_match_an_independent_computation(presets):
    """matching/candidates against the spec's rules computed in plain Python from the roster files: every
    pair (per_demand 0) and each demand's best few, for the whole preset, a district and a street, each tier."""
    backend, base, _ = presets

    def both(table):  # the graph holds both presets
        return [row for name in ("cuiping", "guangming") for row in _read(base / name, table)]

    areas = {a["id"]: a for a in both("areas")}
    units = {u["id"]: u for u in both("units")}
    projects = both("projects")

    def ancestor(area_id, level):
        while area_id:
            if areas[area_id]["level"] == level:
                return area_id
            area_id = areas[area_id]["parent_id"] or None
        return None

    closing = {p["demand_id"] for p in projects if p["status"] in ("claimed", "done")}
    used = defaultdict(int)
    for p in projects:
        if p["status"] in ("claimed", "done") and p["resource_id"]:
            used[p["resource_id"]] += 1
    offers = []
    for r in both("resources"):
        remaining = int(r["capacity"]) - used[r["id"]] if r["capacity"] else 0
        if remaining > 0:
            loc = units[r["owner_id"]]["area_id"] if r["owner_id"] in units else r["owner_id"]
            offers.append((r, remaining, [ancestor(loc, lv) for lv in ("community", "street", "district")]))
    pairs = []  # (demand, demand's area, tier, capacity left, resource, category): every pair at its smallest tier
    for d in both("demands"):
        if d["id"] in closing:
            continue
        mine = [ancestor(d["area_id"], lv) for lv in ("community", "street", "district")]
        for r, left, theirs in offers:
            tiers = [t for t in range(3) if mine[t] is not None and mine[t] == theirs[t]]
            if r["category"] == d["category"] and tiers:
                pairs.append((d["id"], d["area_id"], tiers[0], left, r["id"], r["category"]))

    def inside(area_id, scope):
        return area_id == scope or (area_id is not None and inside(areas[area_id]["parent_id"] or None, scope))

    def expected(scope, max_tier, per_demand):
        best = defaultdict(list)
        for p in sorted(pairs, key=lambda p: (p[2], -p[3], p[4])):  # lowest tier, most left, resource id
            if p[2] <= max_tier and (scope is None or inside(p[1], scope)):
                best[p[0]].append(p)
        kept = [p for ps in best.values() for p in (ps[:per_demand] if per_demand else ps)]
        return [
            {"demand_id": p[0], "resource_id": p[4], "category": p[5], "tier": p[2]}
            for p in sorted(kept, key=lambda p: (p[0], p[2], p[4]))
        ]

    district = next(a for a in areas.values() if a["level"] == "district")["id"]
    street = max(
        (a for a in areas.values() if a["level"] == "street"),
        key=lambda a: sum(inside(p[1], a["id"]) for p in pairs),
    )["id"]
    for scope in (None, district, street):
        for max_tier in (0, 1, 2):
            for per_demand in (0, 1, 3):
                got = run_query("matching/candidates", backend, area=scope, max_tier=max_tier, per_demand=per_demand)
                assert got == expected(scope, max_tier, per_demand), (scope, max_tier, per_demand)
    everything = run_query("matching/candidates", backend, per_demand=0)
    assert len(everything) == len({(r["demand_id"], r["resource_id"]) for r in everything})  # one row per pair
    counts = defaultdict(int)
    for r in everything:
        counts[r["demand_id"]] += 1
    assert max(counts.values()) > 3  # per_demand 3 drops pairs


# -- the questions analysts ask next ----------------------------------------------------------------


def test_area_overview(district):
    rows = run_query("summary/area-overview", district)
    assert rows == [
        {
            "area_id": "S1",
            "area": "柳巷街道",
            "communities": 2,
            "grids": 3,
            "uncovered_grids": 1,
            "joint_committees": 2,
            "units": 5,
            "grid_workers": 2,
            "open_demands": 2,
        },
        {
            "area_id": "S2",
            "area": "桥东街道",
            "communities": 1,
            "grids": 1,
            "uncovered_grids": 1,
            "joint_committees": 1,
            "units": 1,
            "grid_workers": 1,
            "open_demands": 1,
        },
        {
            "area_id": "S3",
            "area": "巨轮街道",
            "communities": 2,
            "grids": 2,
            "uncovered_grids": 1,
            "joint_committees": 1,
            "units": 1,
            "grid_workers": 1,
            "open_demands": 1,
        },
    ]
    by_district = run_query("summary/area-overview", district, level="district")
    assert [(r["area_id"], r["communities"], r["open_demands"]) for r in by_district] == [("D1", 3, 3), ("D2", 2, 1)]
    assert ids(run_query("summary/area-overview", district, area="D2"), "area_id") == ["S3"]


def test_multi_seat_units(district):
    rows = run_query("committees/multi-seat-units", district)
    assert [(r["unit_id"], r["committees"]) for r in rows] == [("u1", 3), ("u5", 2)]
    assert sorted(rows[0]["committee_names"]) == ["柳巷区域党委", "柳巷街道大工委", "西吴社区大党委"]
    assert ids(run_query("committees/multi-seat-units", district, min_committees=3), "unit_id") == ["u1"]
    (row,) = run_query("committees/multi-seat-units", district, area="S2")
    assert (row["unit_id"], row["unit"], row["sector"], row["committees"]) == ("u5", "桥东小学", "school", 2)
    assert sorted(row["committee_names"]) == sorted(["桥东社区大党委", "柳巷区域党委"])


def test_broken_links(district):
    assert run_query("chain/broken-links", district) == [
        {
            "org_id": "bpg3",
            "org": "三社区1号楼党小组",
            "kind": "building_party_group",
            "seated_in": "双塔西街三社区网格",
            "community": "双塔西街三社区",
            "missing_superior": "grid_party_branch",
        },
        {
            "org_id": "gpb5",
            "org": "巨轮社区网格党支部",
            "kind": "grid_party_branch",
            "seated_in": "巨轮社区网格",
            "community": "巨轮社区",
            "missing_superior": "community_party_org",
        },
    ]
    assert ids(run_query("chain/broken-links", district, area="S3"), "org_id") == ["gpb5"]


def test_broken_links_on_a_preset_is_empty_when_the_chain_is_whole(presets):
    backend, _, _ = presets
    assert run_query("chain/broken-links", backend, area="广东省") == []


SCOPED = [
    "coverage/uncovered-grids",
    "coverage/grids-without-worker",
    "coverage/oversized-grids",
    "coverage/communities-without-joint-committee",
    "committees/composition",
    "agreements/expiring",
    "agreements/units-without-agreement",
    "matching/open-demands",
    "matching/available-resources",
    "matching/candidates",
]


def _records(backend, name, **params):
    """Records every operation of the query's FalkorDB plan produced: work done, whatever the machine's load."""
    from pbgraph.queries.runner import bind, get_query

    spec = get_query(name)
    plan = backend.profile(spec.text, bind(spec, backend, params))
    produced = [line.rsplit("Records produced: ", 1)[1] for line in plan if "Records produced" in line]
    return sum(int(p.split(",")[0]) for p in produced)


@pytest.mark.parametrize("name", SCOPED)
def test_scoped_query_touches_only_its_subtree(presets, name):
    """With an area, a query walks down that area's subtree instead of scanning and filtering the whole label."""
    backend, _, _ = presets
    street = backend.read("MATCH (s:Street) WHERE s.id STARTS WITH 'CP' RETURN s.id AS id ORDER BY id LIMIT 1").rows
    whole, scoped = _records(backend, name), _records(backend, name, area=street[0][0])
    # the whole graph's committees come cheap from the kind index; a street still walks all its seats
    factor = 3 if name == "committees/composition" else 4
    assert scoped * factor < whole, f"{name}: {scoped} records for one street of 10, {whole} for the whole graph"


def test_typed_questions_answer_as_their_tagged_reads(presets):
    """Every question declaring ``// types:`` gives, through the untagged reply, exactly the tagged reply's rows."""
    from pbgraph.queries.runner import bind, list_queries

    backend, _, truths = presets
    typed = [spec for spec in list_queries() if spec.types]
    assert {"matching/open-demands", "agreements/units-without-agreement"} <= {spec.name for spec in typed}
    on = truths["cuiping"]["as_of"]
    answered = set()
    for spec in typed:
        params = {"on": on} if spec.param("on") else {}
        bound = bind(spec, backend, params)
        tagged = backend.read(spec.text, bound)
        assert backend.read_typed(spec.text, bound, spec.types).rows == tagged.rows, spec.name
        answered |= {spec.name} if tagged.rows else set()
    assert len(answered) >= len(typed) - 2, f"too many empty answers to compare: only {sorted(answered)}"
