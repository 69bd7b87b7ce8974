"""The graph as networkx, GraphML or node-link JSON, for Gephi and networkx users.

Nodes are keyed ``Label:id`` (ids are unique within a label; every area shares the
``Area`` id space). With ``area`` the export holds the areas under it, everything
attached to them, and what hangs on those (agreements, projects, committee seats):
two steps out from the area tree, never up into other areas.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx

from pbgraph.graph import Backend, using
from pbgraph.queries.runner import resolve_area, run_query

FORMATS = ("graphml", "json")


def node_key(labels: list[str], node_id: Any) -> str:
    return f"{primary_label(labels)}:{node_id}"


def primary_label(labels: list[str]) -> str:
    return "Area" if "Area" in labels else labels[0]


def to_networkx(db: Backend | str | None = None, *, area: str | None = None) -> nx.MultiDiGraph:
    """The graph (or the part of it around ``area``) as a networkx multigraph with every property."""
    g = nx.MultiDiGraph()
    with using(db) as b:
        area_id = resolve_area(b, area) if area else None
        # scoped, read only the area's neighbourhood (a superset of the export, trimmed below)
        scope = {"area": area_id} if area_id else {}
        packs = (
            ("export/area-nodes", "export/area-relationships") if area_id else ("export/nodes", "export/relationships")
        )
        # Sorted, with properties in key order: engines return rows and property maps in their own
        # orders, and the same graph must export to the same bytes from any engine.
        nodes = [
            (node_key(r["labels"], r["props"].get("id")), sorted(r["labels"]), sorted(r["props"].items()))
            for r in run_query(packs[0], db=b, **scope)
        ]
        for key, labels, props in sorted(nodes, key=lambda n: n[0]):
            g.add_node(key, label=primary_label(labels), labels=labels, **dict(props))
        edges = [
            (node_key(r["from_labels"], r["from_id"]), node_key(r["to_labels"], r["to_id"]), r["type"],
             sorted(r["props"].items()))
            for r in run_query(packs[1], db=b, **scope)
        ]  # fmt: skip
        edges.sort(key=lambda e: (e[0], e[1], e[2], json.dumps(e[3], ensure_ascii=False, default=str)))
        for source, target, rel_type, props in edges:
            g.add_edge(source, target, type=rel_type, **dict(props))
        for key in g:  # an end a scoped read did not fetch lies outside the export: only its label matters
            g.nodes[key].setdefault("label", key.split(":", 1)[0])
    if area_id is not None:
        g = g.subgraph(_around(g, f"Area:{area_id}")).copy()
    return g


def _around(g: nx.MultiDiGraph, top: str) -> set[str]:
    inside = {top}
    frontier = [top]
    while frontier:  # the area tree: children point at parents with PART_OF
        node = frontier.pop()
        for child, _, kind in g.in_edges(node, data="type"):
            if kind == "PART_OF" and child not in inside:
                inside.add(child)
                frontier.append(child)
    ring = set(inside)
    for _ in range(2):
        nxt: set[str] = set()
        for node in ring:
            for other in set(g.predecessors(node)) | set(g.successors(node)):
                if other not in inside and g.nodes[other]["label"] != "Area":
                    nxt.add(other)
        inside |= nxt
        ring = nxt
    return inside


def _graphml_ready(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """GraphML holds scalars only: lists and maps become JSON text, missing values stay missing."""
    h = nx.MultiDiGraph()

    def clean(attrs: dict[str, Any]) -> dict[str, Any]:
        return {
            k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v)
            for k, v in attrs.items()
            if v is not None
        }

    for n, attrs in g.nodes(data=True):
        h.add_node(n, **clean(attrs))
    for a, b, k, attrs in g.edges(keys=True, data=True):
        h.add_edge(a, b, key=k, **clean(attrs))
    return h


def read_json(text: str) -> nx.MultiDiGraph:
    """A graph written by :func:`write_export` as JSON (node keys under ``key``: ``id`` is a property)."""
    return nx.node_link_graph(json.loads(text), edges="edges", name="key")


def write_export(g: nx.MultiDiGraph, fmt: str, out: str | Path | None) -> str | None:
    """Write ``g`` as GraphML or node-link JSON to ``out``; with no ``out`` return the text (JSON only)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if fmt == "json":
        text = json.dumps(nx.node_link_data(g, edges="edges", name="key"), ensure_ascii=False, indent=1)
        if out is None:
            return text
        Path(out).write_text(text, encoding="utf-8")
        return None
    if out is None:
        return "\n".join(nx.generate_graphml(_graphml_ready(g)))
    nx.write_graphml(_graphml_ready(g), str(out))
    return None


def bridging_units(g: nx.MultiDiGraph) -> list[tuple[str, str, int]]:
    """Units that connect the most communities (by location, agreements or committee seats), most first."""
    community_of: dict[str, str] = {}
    parents = {a: b for a, b, t in g.edges(data="type") if t == "PART_OF"}
    for n, attrs in g.nodes(data=True):
        if attrs.get("level") == "community":
            community_of[n] = n
    for n in list(parents):
        seen, cur = set(), n
        while cur in parents and cur not in community_of and cur not in seen:
            seen.add(cur)
            cur = parents[cur]
        if cur in community_of:
            community_of[n] = cur
    reach: dict[str, set[str]] = defaultdict(set)
    for unit, attrs in g.nodes(data=True):
        if attrs.get("label") != "Unit":
            continue
        for _, other, t in g.out_edges(unit, data="type"):
            targets = [other]
            if t == "PARTY_TO":  # the agreement's area party
                targets = [a for a, _, tt in g.in_edges(other, data="type") if tt == "PARTY_TO" and a != unit]
            elif t == "MEMBER_OF":  # the committee's seat
                targets = [s for _, s, tt in g.out_edges(other, data="type") if tt == "SEATED_IN"]
            reach[unit].update(community_of[x] for x in targets if x in community_of)
    ranked = [(u, g.nodes[u].get("name", u), len(c)) for u, c in reach.items() if c]
    return sorted(ranked, key=lambda t: (-t[2], t[0]))
