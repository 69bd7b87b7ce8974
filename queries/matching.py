"""Resource–demand matching (三张清单): the allocation with the largest total score, provably.

A pair (demand d, resource r) from ``matching/candidates`` scores
``urgency(d) × households(d) × f(tier)`` with f = 1, 0.5, 0.25 for tiers 0, 1, 2
(missing households count as 1, missing urgency as 3). Each open demand gets at
most one resource; a resource serves at most its remaining capacity.

This is a maximum-weight b-matching, solved exactly as a min-cost flow by
OR-Tools (integer weights ×4, so the optimum is exact, not rounded). Categories
never pair across, so each category is fetched and solved on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np

from pbgraph.graph import Backend, Statement, gc_paused, using
from pbgraph.graph.errors import PbgraphError

from .runner import query_result, resolve_area, run_query

TIER_FACTOR = {0: 4, 1: 2, 2: 1}  # f(tier) × 4: integer weights keep the optimum exact
DEFAULT_HOUSEHOLDS = 1
DEFAULT_URGENCY = 3


class MatchInputError(PbgraphError):
    """The lists hold values the optimizer cannot use; nothing was computed or written."""


@dataclass(frozen=True)
class Candidate:
    demand_id: str
    resource_id: str
    tier: int
    #: score × 4 (an integer)
    weight: int

    @property
    def score(self) -> float:
        return self.weight / 4


@dataclass
class Allocation:
    """The chosen pairs, and what they leave out."""

    pairs: list[Candidate]
    open_demands: int
    resources_offered: int
    #: demand id → "no candidate" or "outbid"
    unmatched: dict[str, str] = field(default_factory=dict)
    #: how many candidate pairs the optimization chose from
    candidates: int = 0

    @property
    def total(self) -> float:
        return sum(p.weight for p in self.pairs) / 4

    @property
    def resources_used(self) -> int:
        return len({p.resource_id for p in self.pairs})

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"demand_id": p.demand_id, "resource_id": p.resource_id, "tier": p.tier, "score": p.score}
            for p in self.pairs
        ]

    def summary(self) -> dict[str, Any]:
        return {
            "total_score": self.total,
            "demands_matched": len(self.pairs),
            "demands_open": self.open_demands,
            "resources_used": self.resources_used,
            "resources_offered": self.resources_offered,
            "unmatched": [{"demand_id": d, "reason": r} for d, r in sorted(self.unmatched.items())],
        }

    def to_dict(self) -> dict[str, Any]:
        """``{"allocation": [pairs], "summary": {…, "candidates": n}}`` (``pbgraph match --format json``)."""
        return {"allocation": self.rows(), "summary": {**self.summary(), "candidates": self.candidates}}


def weight(urgency: int | None, households: int | None, tier: int) -> int:
    """4 × urgency × households × f(tier), with the defaults for missing values."""
    return _need(urgency, households) * TIER_FACTOR[tier]


def _need(urgency: int | None, households: int | None) -> int:
    """urgency × households, with the defaults for missing values."""
    return (DEFAULT_URGENCY if urgency is None else urgency) * (
        DEFAULT_HOUSEHOLDS if households is None else households
    )


_FACTOR = np.array([TIER_FACTOR[t] for t in range(len(TIER_FACTOR))], dtype=np.int64)


def _choose(d: np.ndarray, r: np.ndarray, tier: np.ndarray, w: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Indices of the pairs of largest total weight (each demand once, resource ``j`` at most ``capacity[j]``).

    A min-cost flow: source → each demand (1) → its candidate resources (1, cost −weight) →
    sink (the resource's capacity), and demand → sink (1, cost 0) for a demand left out.
    ``d`` and ``r`` are codes that sort like the ids; the arcs go in one canonical order
    (demand, tier, resource), so the same pairs give the same choice among equal optima.
    """
    from ortools.graph.python import min_cost_flow

    keep = np.flatnonzero(capacity[r] > 0)
    keep = keep[np.lexsort((r[keep], tier[keep], d[keep]))]
    if len(keep) == 0:
        return keep
    demands, ld = np.unique(d[keep], return_inverse=True)
    resources, lr = np.unique(r[keep], return_inverse=True)
    nd, nr, n = len(demands), len(resources), len(keep)
    source, sink = nd + nr, nd + nr + 1
    tails = np.concatenate([np.full(nd, source), ld, nd + np.arange(nr), np.arange(nd)])
    heads = np.concatenate([np.arange(nd), nd + lr, np.full(nr, sink), np.full(nd, sink)])
    caps = np.concatenate([np.ones(nd + n, dtype=np.int64), capacity[resources], np.ones(nd, dtype=np.int64)])
    costs = np.concatenate([np.zeros(nd, dtype=np.int64), -w[keep], np.zeros(nr + nd, dtype=np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs.astype(np.int64)
    )
    supplies = np.zeros(nd + nr + 2, dtype=np.int64)
    supplies[source], supplies[sink] = nd, -nd
    flow.set_nodes_supplies(np.arange(nd + nr + 2, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:  # pragma: no cover - every demand can go unmatched: always feasible
        raise PbgraphError(f"the optimizer failed on {n} candidate pairs: {status}")
    used = flow.flows(arcs[nd : nd + n]) > 0
    return np.sort(keep[used])


def _greedy(d: np.ndarray, r: np.ndarray, w: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Indices the greedy baseline keeps: by descending weight (ties by demand id, then resource id)."""
    left = capacity.tolist()
    taken: set[int] = set()
    chosen = []
    order = np.lexsort((r, d, -w))
    for i, di, ri in zip(order.tolist(), d[order].tolist(), r[order].tolist(), strict=True):
        if di not in taken and left[ri] > 0:
            taken.add(di)
            left[ri] -= 1
            chosen.append(i)
    return np.sort(np.array(chosen, dtype=np.int64))


def _codes(ids: Iterable[str]) -> dict[str, int]:
    """Integer codes that sort like the ids."""
    return {x: i for i, x in enumerate(sorted(set(ids)))}


def _capacity_array(rcode: dict[str, int], capacity: dict[str, int | None]) -> np.ndarray:
    """Remaining capacity by resource code (missing or negative: 0)."""
    cap = np.zeros(len(rcode), dtype=np.int64)
    for rid, v in capacity.items():
        cap[rcode[rid]] = max(v or 0, 0)
    return cap


def _by_list(method: str, candidates: Iterable[Candidate], capacity: dict[str, int]) -> list[Candidate]:
    cands = list(candidates)
    if not cands:
        return []
    dcode = _codes(c.demand_id for c in cands)
    rcode = _codes([c.resource_id for c in cands] + list(capacity))
    cap = _capacity_array(rcode, capacity)
    d = np.array([dcode[c.demand_id] for c in cands], dtype=np.int64)
    r = np.array([rcode[c.resource_id] for c in cands], dtype=np.int64)
    tier = np.array([c.tier for c in cands], dtype=np.int64)
    w = np.array([c.weight for c in cands], dtype=np.int64)
    picked = _choose(d, r, tier, w, cap) if method == "optimal" else _greedy(d, r, w, cap)
    return sorted((cands[i] for i in picked.tolist()), key=lambda c: (c.demand_id, c.resource_id))


def solve(candidates: Iterable[Candidate], capacity: dict[str, int]) -> list[Candidate]:
    """The pairs of largest total weight: each demand at most once, each resource at most its capacity."""
    return _by_list("optimal", candidates, capacity)


def greedy(candidates: Iterable[Candidate], capacity: dict[str, int]) -> list[Candidate]:
    """The baseline of model.md: pairs by descending score (ties by demand id, then resource id), kept while
    the demand is unassigned and the resource has capacity left."""
    return _by_list("greedy", candidates, capacity)


def _pairs(rows: list[list[Any]], dcode: dict[str, int], rcode: dict[str, int]) -> tuple[np.ndarray, ...]:
    """Demand codes, resource codes and tiers of every pair ``matching/candidate-lists`` rows stand for
    (each demand of a row with each resource of its list); ids missing from the codes are dropped (both
    lists are read apart from the pairs: a write may fall between)."""
    ds, rs, ts = [], [], []
    for _, demand_ids, resource_ids, n0, n1 in rows:
        d = np.fromiter(map(dcode.get, demand_ids, repeat(-1)), dtype=np.int64, count=len(demand_ids))
        r = np.fromiter(map(rcode.get, resource_ids, repeat(-1)), dtype=np.int64, count=len(resource_ids))
        t = np.full(len(resource_ids), 2, dtype=np.int64)
        t[:n1] = 1
        t[:n0] = 0
        keep = r >= 0
        d, r, t = d[d >= 0], r[keep], t[keep]
        ds.append(np.repeat(d, len(r)))
        rs.append(np.tile(r, len(d)))
        ts.append(np.tile(t, len(d)))
    return np.concatenate(ds), np.concatenate(rs), np.concatenate(ts)


def _check_inputs(backend: Backend, area: str | None = None) -> None:
    """Refuse values the optimizer cannot use: negative capacities, urgencies outside 1–5 (of the demands
    inside ``area``, when given) and, for the whole graph, demands no area raises (a scoped allocation
    reads only demands some area inside it raises). Scoped, this costs the area, not the graph: district
    by district at province scale the whole-graph scans took most of the time."""
    bad_urgency = "WHERE d.urgency IS NOT NULL AND (d.urgency < 1 OR d.urgency > 5) RETURN d.id AS id, d.urgency AS v"
    checks = [
        (
            "MATCH (r:Resource) WHERE r.capacity < 0 RETURN r.id AS id, r.capacity AS v ORDER BY id LIMIT 10",
            "resource {id} has negative capacity {v}",
        )
    ]
    if area is None:
        checks += [
            (f"MATCH (d:Demand) {bad_urgency} ORDER BY id LIMIT 10", "demand {id} has urgency {v} (must be 1–5)"),
            (
                "MATCH (d:Demand) OPTIONAL MATCH (a)-[:RAISES]->(d) WITH d, count(a) AS n WHERE n = 0 "
                "RETURN d.id AS id, null AS v ORDER BY id LIMIT 10",
                "demand {id} has no area (no area RAISES it)",
            ),
        ]
    else:  # the WITH keeps FalkorDB walking down from the area instead of scanning every demand
        checks.append(
            (
                "MATCH (:Area {id: $area})<-[:PART_OF*0..12]-()-[:RAISES]->(d:Demand) "
                f"WITH DISTINCT d {bad_urgency} ORDER BY id LIMIT 10",
                "demand {id} has urgency {v} (must be 1–5)",
            )
        )
    problems = []
    for query, what in checks:
        problems += [what.format(id=r[0], v=r[1]) for r in backend.read(query, {"area": area}).rows]
    if problems:
        raise MatchInputError("cannot match, fix these first (nothing was computed): " + "; ".join(problems))


def _reach(backend: Backend, area: str | None, max_tier: int) -> str | None:
    """The area whose offers can pair with demands in ``area``: its topmost community, street or district
    up to ``max_tier``'s level (a pair never spans more), else the area itself; None for the whole graph."""
    if area is None:
        return None
    area = resolve_area(backend, area)
    levels = ["community", "street", "district"][: max_tier + 1 if 0 <= max_tier < 2 else 3]
    rows = backend.read(
        "MATCH (:Area {id: $area})-[:PART_OF*0..12]->(h:Area) WHERE h.level IN $levels RETURN h.id, h.level",
        {"area": area, "levels": levels},
    ).rows
    return max(rows, key=lambda r: levels.index(r[1]))[0] if rows else area


def allocate(
    db: Backend | str | None = None, *, area: str | None = None, max_tier: int = 2, method: str = "optimal"
) -> Allocation:
    """The best allocation of resources to the open demands (inside ``area``, when given).

    Categories never pair across, so without an area candidates are fetched one category at
    a time, two at once (the engine computes the next while this process decodes and solves
    the last). A scoped allocation fetches once, reading only the offers within reach of the area.
    """
    with using(db) as backend:
        area = None if area is None else str(resolve_area(backend, area))
        _check_inputs(backend, area)
        demands = {r["demand_id"]: r for r in run_query("matching/open-demands", backend, area=area)}
        offered = run_query("matching/available-resources", backend, area=_reach(backend, area, max_tier))
        dcode, rcode = _codes(demands), _codes(r["resource_id"] for r in offered)
        demand_ids, resource_ids = list(dcode), list(rcode)  # codes enumerate the sorted ids
        capacity = _capacity_array(rcode, {r["resource_id"]: r["remaining"] for r in offered})
        base = np.array([_need(demands[x]["urgency"], demands[x]["households"]) for x in demand_ids], dtype=np.int64)
        categories = sorted({d["category"] for d in demands.values()} & {r["category"] for r in offered} - {None})

        def fetch(category: str | None) -> list[list[Any]]:
            params = {"area": area, "max_tier": max_tier, "category": category}
            return query_result("matching/candidate-lists", backend, **params).rows

        def by_category(pool: ThreadPoolExecutor) -> Iterable[list[list[Any]]]:
            """Candidate lists a category at a time: fetched so for the whole graph, split so for an area
            (each fetch scans every offer). Either way each category is solved alone, so an area that
            holds everything gets the very same pairs."""
            if area is None:
                yield from pool.map(fetch, categories)
                return
            groups: dict[str, list[list[Any]]] = {c: [] for c in categories}
            for row in fetch(None):
                groups.setdefault(row[0], []).append(row)
            yield from (groups[c] for c in sorted(groups))

        has_candidate = np.zeros(len(dcode), dtype=bool)
        offered_now = np.zeros(len(rcode), dtype=bool)
        picks: list[np.ndarray] = []
        n_candidates = 0
        with ThreadPoolExecutor(max_workers=2) as pool, gc_paused():
            for rows in by_category(pool):
                if not rows:
                    continue
                d, r, tier = _pairs(rows, dcode, rcode)
                w = base[d] * _FACTOR[tier]
                picked = _choose(d, r, tier, w, capacity) if method == "optimal" else _greedy(d, r, w, capacity)
                n_candidates += len(d)
                has_candidate[d] = True
                offered_now[r] = True
                picks.append(np.stack([d[picked], r[picked], tier[picked], w[picked]], axis=1))
    chosen = np.concatenate(picks) if picks else np.zeros((0, 4), dtype=np.int64)
    chosen = chosen[np.lexsort((chosen[:, 1], chosen[:, 0]))]
    pairs = [Candidate(demand_ids[di], resource_ids[ri], ti, wi) for di, ri, ti, wi in chosen.tolist()]
    matched = set(chosen[:, 0].tolist())
    unmatched = {
        x: ("outbid" if has_candidate[i] else "no candidate") for i, x in enumerate(demand_ids) if i not in matched
    }
    return Allocation(
        pairs=pairs,
        open_demands=len(demands),
        resources_offered=int(offered_now.sum()),
        unmatched=unmatched,
        candidates=n_candidates,
    )


def write_allocation(allocation: Allocation, db: Backend | str | None = None) -> int:
    """Record the allocation as open projects, one per demand (id ``match-<demand>``), atomically.

    Running it again with the same allocation changes nothing; a demand whose best
    resource changed has its proposed project moved to the new resource.
    """
    rows = [
        {
            "id": f"match-{p.demand_id}",
            "demand": p.demand_id,
            "resource": p.resource_id,
            "props": {
                "name": f"匹配项目 {p.demand_id}",
                "status": "open",
                "tier": p.tier,
                "score": p.score,
                "source": "pbgraph match",
            },
        }
        for p in allocation.pairs
    ]
    statements = [
        Statement(
            "UNWIND $rows AS r MATCH (d:Demand {id: r.demand}) MATCH (res:Resource {id: r.resource}) "
            "MERGE (p:Project {id: r.id}) SET p += r.props "
            "MERGE (p)-[:ADDRESSES]->(d) "
            "WITH p, res, r OPTIONAL MATCH (p)-[old:USES]->(x) WHERE x.id <> r.resource DELETE old "
            "WITH DISTINCT p, res MERGE (p)-[:USES]->(res)",
            {"rows": chunk},
        )
        for chunk in (rows[i : i + 5000] for i in range(0, len(rows), 5000))
    ]
    with using(db) as backend:
        backend.write_all(statements)
    return len(rows)
