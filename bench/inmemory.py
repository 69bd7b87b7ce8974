"""The required canned questions answered by plain Python over a networkx graph of the same roster.

This is the baseline of the latency benchmark: what an analyst's script would do
with the ledgers in memory. Each function returns the ids of its rows (the first
column), so the benchmark can check that both sides give the same answer.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import networkx as nx

from pbgraph.graph.schema import JOINT_COMMITTEE_KINDS

JOINT = frozenset(JOINT_COMMITTEE_KINDS)
REQUIRED = {
    "street_joint_committee": {"police_station"},
    "community_joint_committee": {"police_station", "property_company", "owners_committee"},
}


def load(folder: Path) -> nx.MultiDiGraph:
    """The roster as a graph: nodes keyed by (kind, id), edges typed like the model's relationships."""
    g = nx.MultiDiGraph()

    def rows(table: str) -> list[dict[str, str]]:
        path = folder / f"{table}.csv"
        if not path.exists():
            return []
        with path.open(encoding="utf-8") as f:
            return list(csv.DictReader(f))

    def val(v: str) -> str | int | None:
        return None if v == "" else (int(v) if v.lstrip("-").isdigit() else v)

    for kind, table in (
        ("area", "areas"),
        ("org", "orgs"),
        ("unit", "units"),
        ("agreement", "agreements"),
        ("worker", "workers"),
        ("resource", "resources"),
        ("demand", "demands"),
        ("project", "projects"),
    ):
        for r in rows(table):
            g.add_node((kind, r["id"]), **{k: val(v) for k, v in r.items()})
    links = (
        ("areas", "area", "parent_id", "area", "PART_OF", False),
        ("orgs", "org", "area_id", "area", "SEATED_IN", False),
        ("units", "unit", "area_id", "area", "LOCATED_IN", False),
        ("agreements", "agreement", "unit_id", "unit", "PARTY_TO", True),
        ("agreements", "agreement", "area_id", "area", "PARTY_TO", True),
        ("workers", "worker", "grid_id", "area", "ASSIGNED_TO", False),
        ("demands", "demand", "area_id", "area", "RAISES", True),
        ("projects", "project", "demand_id", "demand", "ADDRESSES", False),
        ("projects", "project", "resource_id", "resource", "USES", False),
    )
    for table, kind, col, target, rel, incoming in links:
        for r in rows(table):
            if r[col]:
                a, b = (kind, r["id"]), (target, r[col])
                g.add_edge(*((b, a) if incoming else (a, b)), key=rel)
    for r in rows("resources"):
        owner = ("unit", r["owner_id"]) if g.has_node(("unit", r["owner_id"])) else ("area", r["owner_id"])
        g.add_edge(owner, ("resource", r["id"]), key="OFFERS")
    for r in rows("coverage"):
        g.add_edge(("org", r["org_id"]), ("area", r["area_id"]), key="COVERS")
    for r in rows("memberships"):
        g.add_edge(("unit", r["unit_id"]), ("org", r["org_id"]), key="MEMBER_OF")
    return g


def _in(g, node, rel):
    return [u for u, _, k in g.in_edges(node, keys=True) if k == rel]


def _out(g, node, rel):
    return [v for _, v, k in g.out_edges(node, keys=True) if k == rel]


def _ancestor(g, node, level):
    while node is not None:
        if g.nodes[node].get("level") == level:
            return node
        parents = _out(g, node, "PART_OF")
        node = parents[0] if parents else None
    return None


def _nodes(g, kind, level=None):
    return [n for n, d in g.nodes(data=True) if n[0] == kind and (level is None or d.get("level") == level)]


def uncovered_grids(g):
    return sorted(
        n[1]
        for n in _nodes(g, "area", "grid")
        if not any(g.nodes[o].get("kind") == "grid_party_branch" for o in _in(g, n, "COVERS"))
    )


def _without_seated(g, level, kind):
    return sorted(
        n[1]
        for n in _nodes(g, "area", level)
        if not any(g.nodes[o].get("kind") == kind for o in _in(g, n, "SEATED_IN"))
    )


def communities_without_joint_committee(g):
    return _without_seated(g, "community", "community_joint_committee")


def streets_without_joint_committee(g):
    return _without_seated(g, "street", "street_joint_committee")


def oversized_grids(g, max_households=500):
    grids = [n for n in _nodes(g, "area", "grid") if (g.nodes[n].get("households") or 0) > max_households]
    return [n[1] for n in sorted(grids, key=lambda n: (-g.nodes[n]["households"], n[1]))]


def grids_without_worker(g):
    return sorted(n[1] for n in _nodes(g, "area", "grid") if not _in(g, n, "ASSIGNED_TO"))


def composition(g):
    out = {}
    for c in _nodes(g, "org"):
        kind = g.nodes[c].get("kind")
        if kind in JOINT:
            sectors = {g.nodes[u]["sector"] for u in _in(g, c, "MEMBER_OF")}
            out[c[1]] = sorted(REQUIRED.get(kind, set()) - sectors)
    return sorted(out)


def units_without_agreement(g, on):
    out = []
    for u in _nodes(g, "unit"):
        loc = _out(g, u, "LOCATED_IN")
        community = _ancestor(g, loc[0], "community") if loc else None
        if community is None:
            continue
        street = _ancestor(g, community, "street")
        ok = False
        for a in _out(g, u, "PARTY_TO"):
            d = g.nodes[a]
            if d["kind"] != "co_building" or d["signed"] > on or (d["expires"] and d["expires"] < on):
                continue
            parties = [p for p in g.predecessors(a) if p[0] == "area"]
            if community in parties or (street is not None and street in parties):
                ok = True
                break
        if not ok:
            out.append(u[1])
    return sorted(out)


def expiring(g, today, before):
    rows = [
        (d["expires"], a[1])
        for a, d in g.nodes(data=True)
        if a[0] == "agreement" and d["signed"] <= today and d["expires"] and today <= d["expires"] < before
    ]
    return [a for _, a in sorted(rows)]


def _open(g, d):
    return not any(g.nodes[p]["status"] in ("claimed", "done") for p in _in(g, d, "ADDRESSES"))


def open_demands(g):
    demands = [d for d in _nodes(g, "demand") if _open(g, d)]

    def key(d):
        a = g.nodes[d]
        return (
            -(a["urgency"] if a["urgency"] is not None else -1),
            -(a["households"] if a["households"] is not None else -1),
            d[1],
        )

    return [d[1] for d in sorted(demands, key=key)]


def candidates(g, max_tier=2, per_demand=3):
    """The demand id of each candidate pair, a demand's best ``per_demand`` pairs (0: all) in the query's order."""
    levels = ("community", "street", "district")
    offers = defaultdict(list)
    for r in _nodes(g, "resource"):
        used = sum(1 for p in _in(g, r, "USES") if g.nodes[p]["status"] in ("claimed", "done"))
        cap = g.nodes[r]["capacity"]
        if cap is None or cap - used <= 0:
            continue
        owner = _in(g, r, "OFFERS")[0]
        loc = _out(g, owner, "LOCATED_IN")[0] if owner[0] == "unit" else owner
        chain = tuple(_ancestor(g, loc, lv) for lv in levels)
        offers[(g.nodes[r]["category"], chain[2])].append((r[1], chain, cap - used))
    pairs = []
    for d in _nodes(g, "demand"):
        if not _open(g, d):
            continue
        area = next(a for a in g.predecessors(d) if a[0] == "area")
        mine = tuple(_ancestor(g, area, lv) for lv in levels)
        for rid, theirs, left in offers.get((g.nodes[d]["category"], mine[2]), []):
            tier = (
                next(t for t in range(3) if mine[t] is not None and mine[t] == theirs[t])
                if any(mine[t] is not None and mine[t] == theirs[t] for t in range(3))
                else None
            )
            if tier is not None and tier <= max_tier:
                pairs.append((d[1], tier, -left, rid))
    kept: dict[str, int] = defaultdict(int)
    out = []
    for p in sorted(pairs):
        kept[p[0]] += 1
        if per_demand == 0 or kept[p[0]] <= per_demand:
            out.append(p[0])
    return out
