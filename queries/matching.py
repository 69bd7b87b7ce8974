"""Resource–demand matching (三张清单): the allocation with the largest total score, provably.

A pair (demand d, resource r) from ``matching/candidates`` scores
``urgency(d) × households(d) × f(tier)`` with f = 1, 0.5, 0.25 for tiers 0, 1, 2
(missing households count as 1, missing urgency as 3). Each open demand gets at
most one resource; a resource serves at most its remaining capacity.

This is a maximum-weight b-matching. Its constraint matrix is totally
unimodular, so the linear program that :func:`solve` hands to HiGHS (dual
simplex, ``scipy.optimize.linprog``) has an integral optimal vertex: an exact
optimum, checked to be integral, with HiGHS's integer solver (gap 0) as the
fallback. The candidate graph falls apart into independent components (one
category, one district); each is solved on its own, and a component whose
resources can serve every demand's best pair is solved directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pbgraph.graph import Backend, Statement, using
from pbgraph.graph.errors import PbgraphError

from .runner import run_query

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


def weight(urgency: int | None, households: int | None, tier: int) -> int:
    """4 × urgency × households × f(tier), with the defaults for missing values."""
    u = DEFAULT_URGENCY if urgency is None else urgency
    h = DEFAULT_HOUSEHOLDS if households is None else households
    return u * h * TIER_FACTOR[tier]


def _components(candidates: list[Candidate]) -> list[list[Candidate]]:
    """Candidates grouped by connected component of the demand–resource graph (union-find)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for c in candidates:
        a, b = find("d:" + c.demand_id), find("r:" + c.resource_id)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for c in candidates:
        groups[find("d:" + c.demand_id)].append(c)
    return [groups[k] for k in sorted(groups)]


def _solve_component(cands: list[Candidate], capacity: dict[str, int]) -> list[Candidate]:
    best: dict[str, Candidate] = {}
    for c in cands:  # each demand's best pair; ties to the lower tier, then the smaller resource id
        b = best.get(c.demand_id)
        if b is None or (c.weight, -c.tier, _neg(c.resource_id)) > (b.weight, -b.tier, _neg(b.resource_id)):
            best[c.demand_id] = c
    load: dict[str, int] = defaultdict(int)
    for c in best.values():
        load[c.resource_id] += 1
    if all(load[r] <= capacity[r] for r in load):
        return sorted(best.values(), key=lambda c: c.demand_id)  # nobody competes: optimal as is

    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp
    from scipy.sparse import coo_array

    demands = sorted({c.demand_id for c in cands})
    resources = sorted({c.resource_id for c in cands})
    row_of = {d: i for i, d in enumerate(demands)}
    row_of.update({r: len(demands) + i for i, r in enumerate(resources)})
    n = len(cands)
    rows = [row_of[c.demand_id] for c in cands] + [row_of[c.resource_id] for c in cands]
    cols = list(range(n)) * 2
    matrix = coo_array((np.ones(2 * n), (rows, cols)), shape=(len(demands) + len(resources), n)).tocsr()
    upper = np.array([1] * len(demands) + [capacity[r] for r in resources], dtype=float)
    cost = -np.array([c.weight for c in cands], dtype=float)
    # The matrix is totally unimodular, so the simplex optimum is already integral (7x faster than
    # branch and bound); the integer program is the fallback should a vertex ever come back fractional.
    lp = linprog(cost, A_ub=matrix, b_ub=upper, bounds=(0, 1), method="highs-ds")
    x = lp.x if lp.status == 0 else None
    if x is None or np.any(np.abs(x - np.round(x)) > 1e-6):
        result = milp(
            c=cost,
            constraints=LinearConstraint(matrix, -np.inf, upper),
            integrality=np.ones(n),
            bounds=Bounds(0, 1),
            options={"mip_rel_gap": 0},
        )
        if result.status != 0 or result.x is None:  # pragma: no cover - a bounded b-matching always solves
            raise PbgraphError(f"the optimizer failed on a component of {n} pairs: {result.message}")
        x = result.x
    return sorted((c for c, v in zip(cands, x, strict=True) if v > 0.5), key=lambda c: c.demand_id)


def _neg(text: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in text)


def solve(candidates: Iterable[Candidate], capacity: dict[str, int]) -> list[Candidate]:
    """The pairs of largest total weight: each demand at most once, each resource at most its capacity."""
    usable = [c for c in candidates if capacity.get(c.resource_id, 0) > 0]
    chosen: list[Candidate] = []
    for component in _components(usable):
        chosen += _solve_component(component, capacity)
    return sorted(chosen, key=lambda c: (c.demand_id, c.resource_id))


def greedy(candidates: Iterable[Candidate], capacity: dict[str, int]) -> list[Candidate]:
    """The baseline of model.md: pairs by descending score (ties by demand id, then resource id), kept while
    the demand is unassigned and the resource has capacity left."""
    left = dict(capacity)
    taken: set[str] = set()
    chosen = []
    for c in sorted(candidates, key=lambda c: (-c.weight, c.demand_id, c.resource_id)):
        if c.demand_id not in taken and left.get(c.resource_id, 0) > 0:
            taken.add(c.demand_id)
            left[c.resource_id] -= 1
            chosen.append(c)
    return sorted(chosen, key=lambda c: (c.demand_id, c.resource_id))


def _check_inputs(backend: Backend) -> None:
    problems = []
    for query, what in (
        (
            "MATCH (r:Resource) WHERE r.capacity < 0 RETURN r.id AS id, r.capacity AS v ORDER BY id LIMIT 10",
            "resource {id} has negative capacity {v}",
        ),
        (
            "MATCH (d:Demand) WHERE d.urgency IS NOT NULL AND (d.urgency < 1 OR d.urgency > 5) "
            "RETURN d.id AS id, d.urgency AS v ORDER BY id LIMIT 10",
            "demand {id} has urgency {v} (must be 1–5)",
        ),
        (
            "MATCH (d:Demand) OPTIONAL MATCH (a)-[:RAISES]->(d) WITH d, count(a) AS n WHERE n = 0 "
            "RETURN d.id AS id, null AS v ORDER BY id LIMIT 10",
            "demand {id} has no area (no area RAISES it)",
        ),
    ):
        problems += [what.format(id=r[0], v=r[1]) for r in backend.read(query).rows]
    if problems:
        raise MatchInputError("cannot match, fix these first (nothing was computed): " + "; ".join(problems))


def allocate(
    db: Backend | str | None = None, *, area: str | None = None, max_tier: int = 2, method: str = "optimal"
) -> Allocation:
    """The best allocation of resources to the open demands (inside ``area``, when given)."""
    with using(db) as backend:
        _check_inputs(backend)
        demands = {r["demand_id"]: r for r in run_query("matching/open-demands", backend, area=area)}
        capacity = {r["resource_id"]: r["remaining"] for r in run_query("matching/available-resources", backend)}
        pairs = run_query("matching/candidates", backend, area=area, max_tier=max_tier)
    candidates = [
        Candidate(
            p["demand_id"],
            p["resource_id"],
            p["tier"],
            weight(demands[p["demand_id"]]["urgency"], demands[p["demand_id"]]["households"], p["tier"]),
        )
        for p in pairs
        if p["demand_id"] in demands
    ]
    chosen = (solve if method == "optimal" else greedy)(candidates, capacity)
    has_candidate = {c.demand_id for c in candidates}
    matched = {c.demand_id for c in chosen}
    unmatched = {d: ("outbid" if d in has_candidate else "no candidate") for d in demands if d not in matched}
    return Allocation(
        pairs=chosen,
        open_demands=len(demands),
        resources_offered=len({c.resource_id for c in candidates}),
        unmatched=unmatched,
        candidates=len(candidates),
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
