"""The allocation is optimal (exhaustive search, an independent LP), beats greedy where greedy loses,
is deterministic, and --write is idempotent."""

from __future__ import annotations

import itertools
import json
import random

import pytest

from pbgraph.loaders.rosters import load_roster
from pbgraph.loaders.synthetic import generate, write_roster
from pbgraph.queries.matching import Candidate, MatchInputError, allocate, greedy, solve, write_allocation
from pbgraph.queries.runner import query_result

from conftest import graph_dump, run_cli
from fixture_district import write_district


def _value(pairs):
    return sum(p.weight for p in pairs)


def _feasible(pairs, capacity):
    demands = [p.demand_id for p in pairs]
    load = {}
    for p in pairs:
        load[p.resource_id] = load.get(p.resource_id, 0) + 1
    return len(demands) == len(set(demands)) and all(load[r] <= capacity[r] for r in load)


def _exhaustive(candidates, capacity):
    by_demand = {}
    for c in candidates:
        by_demand.setdefault(c.demand_id, []).append(c)
    best = 0
    for choice in itertools.product(*[[None, *opts] for opts in by_demand.values()]):
        picked = [c for c in choice if c is not None]
        if _feasible(picked, capacity):
            best = max(best, _value(picked))
    return best


def _random_case(rng):
    demands = [f"d{i}" for i in range(rng.randint(1, 6))]
    resources = [f"r{i}" for i in range(rng.randint(1, 4))]
    capacity = {r: rng.randint(0, 2) for r in resources}
    candidates = [
        Candidate(d, r, rng.randint(0, 2), rng.randint(1, 40)) for d in demands for r in resources if rng.random() < 0.6
    ]
    return candidates, capacity


def test_optimal_on_many_small_random_cases():
    rng = random.Random(2025)
    beaten = 0
    for _ in range(400):
        candidates, capacity = _random_case(rng)
        chosen = solve(candidates, capacity)
        assert _feasible(chosen, capacity)
        assert _value(chosen) == _exhaustive(candidates, capacity)
        g = greedy(candidates, capacity)
        assert _feasible(g, capacity) and _value(g) <= _value(chosen)
        beaten += _value(g) < _value(chosen)
    assert beaten > 0  # the random cases include ones where greedy loses


def test_greedy_loses_where_optimal_does_not():
    # d1 prefers r1 (10) over r2 (9); d2 can only use r1 (8): greedy takes d1–r1 and strands d2
    cands = [Candidate("d1", "r1", 0, 10), Candidate("d1", "r2", 0, 9), Candidate("d2", "r1", 0, 8)]
    capacity = {"r1": 1, "r2": 1}
    assert [(c.demand_id, c.resource_id) for c in greedy(cands, capacity)] == [("d1", "r1")]
    assert [(c.demand_id, c.resource_id) for c in solve(cands, capacity)] == [("d1", "r2"), ("d2", "r1")]


def test_same_input_same_output():
    rng = random.Random(7)
    for _ in range(20):
        candidates, capacity = _random_case(rng)
        first = solve(candidates, capacity)
        assert all(solve(candidates, capacity) == first for _ in range(3))


@pytest.fixture
def district(db, tmp_path):
    load_roster(write_district(tmp_path / "district"), db)
    return db


def test_allocation_on_the_hand_built_district(district):
    a = allocate(district)
    assert [(p.demand_id, p.resource_id, p.tier, p.score) for p in a.pairs] == [
        ("d1", "r1", 0, 500.0),
        ("d2", "r1", 1, 1.5),
        ("d3", "r4", 2, 37.5),
    ]
    s = a.summary()
    assert (s["total_score"], s["demands_matched"], s["demands_open"]) == (539.0, 3, 4)
    assert (s["resources_used"], s["resources_offered"]) == (2, 4)
    assert s["unmatched"] == [{"demand_id": "d5", "reason": "no candidate"}]
    assert [(p.demand_id, p.resource_id) for p in allocate(district, area="S1").pairs] == [("d1", "r1"), ("d2", "r1")]


def test_write_is_idempotent_and_keeps_demands_open(district):
    a = allocate(district)
    assert write_allocation(a, district) == 3
    after_first = graph_dump(district)
    again = allocate(district)  # open projects do not close demands: the same allocation comes back
    assert again.pairs == a.pairs
    write_allocation(again, district)
    assert graph_dump(district) == after_first
    rows = district.read(
        "MATCH (p:Project {status: 'open'})-[:USES]->(r) WHERE p.id STARTS WITH 'match-' "
        "MATCH (p)-[:ADDRESSES]->(d) RETURN p.id, d.id, r.id ORDER BY p.id"
    ).rows
    assert rows == [["match-d1", "d1", "r1"], ["match-d2", "d2", "r1"], ["match-d3", "d3", "r4"]]


def test_bad_input_is_refused_and_nothing_written(district):
    district.write("MATCH (r:Resource {id: 'r1'}) SET r.capacity = -2")
    district.write("MATCH (d:Demand {id: 'd2'}) SET d.urgency = 9")
    before = graph_dump(district)
    with pytest.raises(MatchInputError, match=r"resource r1 has negative capacity -2.*demand d2 has urgency 9"):
        allocate(district)
    assert graph_dump(district) == before
    out = run_cli("match", "--write", db=district.location)
    assert out.returncode == 1 and "negative capacity" in out.stderr and "Traceback" not in out.stderr


def test_scoped_allocation_checks_the_demands_inside_its_area(district):
    """District by district, each call checks its own demands (the whole graph's took most of a province run)."""
    district.write("MATCH (d:Demand {id: 'd2'}) SET d.urgency = 9")
    with pytest.raises(MatchInputError, match=r"demand d2 has urgency 9"):
        allocate(district, area="K2")
    assert allocate(district, area="S3").open_demands == 1  # d5 only: d2 lies outside
    with pytest.raises(MatchInputError, match=r"demand d2 has urgency 9"):
        allocate(district)


def test_generated_preset_optimal_against_an_independent_lp(db, tmp_path):
    """The whole preset as one LP (another algorithm, no split by category): b-matching is totally unimodular."""
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import coo_array

    write_roster(generate("cuiping", seed=5), tmp_path / "r")
    load_roster(tmp_path / "r", db)
    a = allocate(db)
    g = allocate(db, method="greedy")
    from pbgraph.queries.matching import weight
    from pbgraph.queries.runner import run_query

    demands = {r["demand_id"]: r for r in run_query("matching/open-demands", db)}
    cap = {r["resource_id"]: r["remaining"] for r in run_query("matching/available-resources", db)}
    pairs = run_query("matching/candidates", db, per_demand=0)
    w = np.array(
        [weight(demands[p["demand_id"]]["urgency"], demands[p["demand_id"]]["households"], p["tier"]) for p in pairs],
        dtype=float,
    )
    ds, rs = sorted({p["demand_id"] for p in pairs}), sorted({p["resource_id"] for p in pairs})
    row = {**{d: i for i, d in enumerate(ds)}, **{r: len(ds) + i for i, r in enumerate(rs)}}
    n = len(pairs)
    A = coo_array(
        (
            np.ones(2 * n),
            ([row[p["demand_id"]] for p in pairs] + [row[p["resource_id"]] for p in pairs], list(range(n)) * 2),
        ),
        shape=(len(row), n),
    )
    lp = linprog(-w, A_ub=A, b_ub=[1] * len(ds) + [cap[r] for r in rs], bounds=(0, 1), method="highs")
    assert lp.status == 0
    assert a.total == pytest.approx(-lp.fun / 4)
    assert a.total >= g.total and len(a.pairs) > 0


def test_candidates_by_category_are_the_candidates_split(db, tmp_path):
    """The optimizer fetches one category at a time: the parts must be exactly the whole."""
    from pbgraph.queries.runner import run_query

    write_roster(generate("cuiping", seed=5), tmp_path / "r")
    load_roster(tmp_path / "r", db)
    whole = run_query("matching/candidates", db, per_demand=0)
    categories = sorted({p["category"] for p in whole})
    assert len(categories) > 1
    parts = [p for c in categories for p in run_query("matching/candidates", db, category=c, per_demand=0)]
    assert all(p["category"] == c for c in categories for p in run_query("matching/candidates", db, category=c))
    key = lambda p: (p["demand_id"], p["resource_id"], p["tier"])  # noqa: E731
    assert sorted(map(key, parts)) == sorted(map(key, whole))
    assert run_query("matching/candidates", db, category="no_such_category") == []


def test_candidate_lists_stand_for_exactly_the_candidates(db, tmp_path):
    """The optimizer reads matching/candidate-lists, which repeats matching/candidates' text up to its pairing:
    expanded, its rows are the same pairs at the same tiers, whole graph or scoped, for every max_tier."""
    from pbgraph.queries.runner import run_query

    write_roster(generate("cuiping", seed=5), tmp_path / "r")
    load_roster(tmp_path / "r", db)
    street = db.read("MATCH (s:Area {level: 'street'}) RETURN s.id ORDER BY s.id LIMIT 1").rows[0][0]
    for params in ({}, {"area": street}, {"max_tier": 0}, {"max_tier": 1}, {"category": "medical"}):
        pairs = run_query("matching/candidates", db, per_demand=0, **params)
        expanded = [
            (d, r, category, 0 if i < n0 else 1 if i < n1 else 2)
            for category, demands, resources, n0, n1 in query_result("matching/candidate-lists", db, **params).rows
            for d in demands
            for i, r in enumerate(resources)
        ]
        assert len(expanded) == len(pairs) > 0, params
        assert sorted(expanded) == sorted((p["demand_id"], p["resource_id"], p["category"], p["tier"]) for p in pairs)


def test_scoped_and_whole_graph_allocations_agree(db, tmp_path):
    """An area fetches candidates in one go, the whole graph one category at a time: same optimum."""
    write_roster(generate("cuiping", seed=5), tmp_path / "r")
    load_roster(tmp_path / "r", db)
    (top,) = db.read("MATCH (a:Area) WHERE NOT (a)-[:PART_OF]->() RETURN a.id").rows[0]
    whole, scoped = allocate(db), allocate(db, area=top)
    assert whole.candidates == scoped.candidates > 0
    assert whole.total == scoped.total
    assert whole.pairs == scoped.pairs  # the same canonical order: the same choice among equal optima


def test_scoped_allocation_keeps_the_optimum_of_all_offers(db, tmp_path):
    """A street reads only the offers within reach (its district): the optimum is that of every offer."""
    from pbgraph.queries.matching import Candidate, solve, weight
    from pbgraph.queries.runner import run_query

    write_roster(generate("cuiping", seed=5), tmp_path / "r")
    load_roster(tmp_path / "r", db)
    for (street,) in db.read("MATCH (s:Street) RETURN s.id ORDER BY s.id LIMIT 3").rows:
        for max_tier in (0, 1, 2):
            got = allocate(db, area=street, max_tier=max_tier)
            demands = {r["demand_id"]: r for r in run_query("matching/open-demands", db, area=street)}
            capacity = {r["resource_id"]: r["remaining"] for r in run_query("matching/available-resources", db)}
            pairs = run_query("matching/candidates", db, area=street, max_tier=max_tier, per_demand=0)
            cands = [
                Candidate(
                    p["demand_id"],
                    p["resource_id"],
                    p["tier"],
                    weight(demands[p["demand_id"]]["urgency"], demands[p["demand_id"]]["households"], p["tier"]),
                )
                for p in pairs
            ]
            assert got.candidates == len(cands)
            assert got.total == sum(c.weight for c in solve(cands, capacity)) / 4


def test_cli_match(district):
    out = run_cli("match", "--format", "json", db=district.location)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["summary"]["total_score"] == 539.0 and len(result["allocation"]) == 3
    assert list(result["allocation"][0]) == ["demand_id", "resource_id", "tier", "score"]
    assert "total score 539" in out.stderr
    out = run_cli("match", "--write", "--format", "csv", db=district.location)
    lines = out.stdout.splitlines()
    assert out.returncode == 0 and lines[0] == "demand_id,resource_id,tier,score,outcome"
    assert sum(line.endswith(",matched") for line in lines) == 3 and lines[-1].endswith(",no candidate")
    assert "recorded 3 open projects" in out.stderr
