"""Reading an area's network from the graph into a :class:`~pbgraph.maps.model.NetworkMap`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pbgraph.graph import Backend, using
from pbgraph.queries.runner import get_query, resolve_area, run_query

from .layout import layout
from .model import DEFAULT_BUDGET, DEFAULT_LAYERS, LAYERS, MapEdge, MapError, MapNode, NetworkMap, dedupe, vid
from .reduce import reduce_to_budget

#: Canned questions whose rows are gaps, the id column that names the node, and the legend text.
GAP_QUERIES: tuple[tuple[str, str, str, str], ...] = (
    ("coverage/uncovered-grids", "Area", "grid_id", "无网格党支部覆盖 | no grid party branch"),
    ("coverage/grids-without-worker", "Area", "grid_id", "无网格员 | no grid worker"),
    ("coverage/oversized-grids", "Area", "grid_id", "超规模网格 | oversized grid"),
    ("coverage/communities-without-joint-committee", "Area", "community_id", "无社区大党委 | no joint committee"),
    ("coverage/streets-without-joint-committee", "Area", "street_id", "无街道大工委 | no joint committee"),
    ("agreements/units-without-agreement", "Unit", "unit_id", "未签共建协议 | no co-building agreement"),
    ("matching/open-demands", "Demand", "demand_id", "需求待认领 | open demand"),
)

#: Which label an ``*_id`` column of a canned question names.
ID_COLUMNS: dict[str, str] = {
    "grid_id": "Area",
    "community_id": "Area",
    "street_id": "Area",
    "area_id": "Area",
    "unit_id": "Unit",
    "committee_id": "PartyOrg",
    "org_id": "PartyOrg",
    "agreement_id": "Agreement",
    "demand_id": "Demand",
    "resource_id": "Resource",
    "project_id": "Project",
}


def build_map(
    db: Backend | str | None = None,
    *,
    area: str | None = None,
    depth: int = 12,
    layers: Sequence[str] = DEFAULT_LAYERS,
    query: str | None = None,
    query_params: dict[str, Any] | None = None,
    budget: int = DEFAULT_BUDGET,
) -> NetworkMap:
    """Read the network under ``area`` (down ``depth`` levels) with the chosen layers, gaps marked.

    ``query`` names a canned question whose rows are highlighted; above ``budget`` nodes the map
    is aggregated (buildings into grids, long lists into counts, grids into communities, …).
    """
    unknown = [x for x in layers if x not in LAYERS]
    if unknown:
        raise MapError(f"unknown layer(s) {', '.join(unknown)}; choose from {', '.join(LAYERS)}")
    if budget < 10:
        raise MapError("the node budget must be at least 10")
    if query:
        get_query(query)  # an unknown name fails before any work
    labels = {label for layer in layers for label in LAYERS[layer]}
    with using(db) as b:
        area_id = resolve_area(b, area) if area else None
        m = _read(b, area_id, depth, labels, layers)
        _mark_gaps(b, m, area_id)
        if query:
            _highlight(b, m, query, area_id, query_params or {})
    reduce_to_budget(m, budget)
    layout(m)
    return m


def _read(b: Backend, area_id: str | None, depth: int, labels: set[str], layers: Sequence[str]) -> NetworkMap:
    areas = run_query("map/areas", db=b, area=area_id, depth=depth)
    if not areas:
        raise MapError("the graph holds no areas to draw; load a roster first ('pbgraph load roster')")
    top = areas[0]
    title = f"{top['name']} 区域化党建网络" if area_id else "区域化党建网络"
    m = NetworkMap(title=title, area=area_id, nodes={}, edges=[], layers=tuple(layers), budget=0)
    for a in areas:
        node = MapNode(vid("Area", a["id"]), a["id"], "Area", a["level"] or "", a["name"] or a["id"], depth=a["depth"])
        node.facts = [("层级 level", a["level"] or "?"), ("编号 id", a["id"])]
        if a["households"] is not None:
            node.facts.append(("户数 households", str(a["households"])))
        m.nodes[node.vid] = node
    for a in areas:
        node = m.nodes[vid("Area", a["id"])]
        parent = vid("Area", a["parent_id"]) if a["parent_id"] else None
        if parent in m.nodes:
            node.parent = parent
            m.edges.append(MapEdge(node.vid, parent, "PART_OF"))
        for spanned in a["spans"] or []:
            if vid("Area", spanned) in m.nodes:
                m.edges.append(MapEdge(node.vid, vid("Area", spanned), "SPANS", "跨", dashed=True))
    area_ids = [a["id"] for a in areas]

    attached = run_query("map/attached", db=b, ids=area_ids) if labels - {"Agreement"} else []
    for row in attached:
        if row["label"] not in labels:
            continue
        node = _attach(m, row["label"], row["id"], row["name"], row["props"], vid("Area", row["area_id"]))
        area_vid = vid("Area", row["area_id"])
        source, target = (area_vid, node.vid) if row["outgoing"] else (node.vid, area_vid)
        m.edges.append(MapEdge(source, target, row["rel"]))

    if "PartyOrg" in labels:
        orgs = [n.key for n in m.nodes.values() if n.label == "PartyOrg"]
        for row in run_query("map/org-links", db=b, ids=orgs):
            org = m.nodes[vid("PartyOrg", row["to_id"])]
            if row["from_label"] not in labels:
                continue
            other = m.nodes.get(vid(row["from_label"], row["from_id"]))
            if other is None:  # a unit from outside the area sitting on a committee inside it
                props = row["props"]
                other = _attach(m, row["from_label"], row["from_id"], props.get("name"), props, org.anchor)
                other.facts.append(("位置 where", "区域外 outside this area"))
            text = "副书记" if row["role"] == "deputy_secretary" else ""
            m.edges.append(MapEdge(other.vid, org.vid, row["rel"], text))

    units = [n.key for n in m.nodes.values() if n.label == "Unit"]
    if units and labels & {"Agreement", "Resource", "Project"}:
        for row in run_query("map/unit-links", db=b, ids=units):
            unit = m.nodes[vid("Unit", row["unit_id"])]
            if row["rel"] == "PARTY_TO" and "Agreement" in labels and vid("Area", row["area_id"] or "") in m.nodes:
                props = row["props"]
                text = AGREEMENT_NAMES.get(props.get("kind"), "")
                if props.get("expires"):
                    text += f" 至{props['expires']}"
                m.edges.append(MapEdge(unit.vid, vid("Area", row["area_id"]), "PARTY_TO", text, dashed=True))
            elif row["rel"] in ("OFFERS", "CLAIMS") and row["label"] in labels:
                other = m.nodes.get(vid(row["label"], row["id"])) or _attach(
                    m, row["label"], row["id"], row["name"], row["props"], unit.anchor
                )
                m.edges.append(MapEdge(unit.vid, other.vid, row["rel"]))

    demands = [n.key for n in m.nodes.values() if n.label == "Demand"]
    if demands and "Project" in labels:
        for row in run_query("map/projects", db=b, ids=demands):
            demand = m.nodes[vid("Demand", row["demand_id"])]
            props = {"status": row["status"], "name": row["project"]}
            project = m.nodes.get(vid("Project", row["project_id"])) or _attach(
                m, "Project", row["project_id"], row["project"], props, demand.anchor
            )
            m.edges.append(MapEdge(project.vid, demand.vid, "ADDRESSES"))
            if row["resource_id"] and vid("Resource", row["resource_id"]) in m.nodes:
                m.edges.append(MapEdge(project.vid, vid("Resource", row["resource_id"]), "USES"))
    m.edges = dedupe(m.edges, m.nodes)
    return m


AGREEMENT_NAMES = {"co_building": "共建", "dual_report": "双报到", "responsibility": "责任书"}
FACT_KEYS = {
    "kind": "类型 kind", "sector": "行业 sector", "role": "岗位 role", "category": "类别 category",
    "capacity": "容量 capacity", "households": "户数 households", "urgency": "紧迫度 urgency",
    "raised": "提出 raised", "status": "状态 status", "party_members": "党员 party members", "large": "规上 large",
    "value": "数值 value", "text": "原文 text",
}  # fmt: skip


def _attach(
    m: NetworkMap, label: str, key: str, name: str | None, props: dict[str, Any], anchor: str | None
) -> MapNode:
    node = m.nodes.get(vid(label, key))
    if node is not None:
        return node
    props = props or {}
    kind = str(props.get("kind") or props.get("sector") or props.get("role") or props.get("category") or "")
    if label == "Project":
        kind = str(props.get("status") or "")
    node = MapNode(vid(label, key), key, label, kind, str(name or key), anchor=anchor)
    # FACT_KEYS order, not the engine's: Neo4j and FalkorDB list a node's properties in different orders
    facts = [(text, str(props[k])) for k, text in FACT_KEYS.items() if props.get(k) is not None]
    node.facts = [("编号 id", key), *facts]
    m.nodes[node.vid] = node
    return node


def _mark_gaps(b: Backend, m: NetworkMap, area_id: str | None) -> None:
    for name, label, column, text in GAP_QUERIES:
        if label != "Area" and not any(n.label == label for n in m.nodes.values()):
            continue
        found = 0
        for row in run_query(name, db=b, area=area_id):
            node = m.nodes.get(vid(label, row[column]))
            if node is not None:
                node.gaps.append(text)
                found += 1
        if found:
            m.gap_legend[name] = text


def _highlight(b: Backend, m: NetworkMap, query: str, area_id: str | None, params: dict[str, Any]) -> None:
    spec = get_query(query)
    if any(p.name == "area" for p in spec.params):
        params = {"area": area_id, **params}
    rows = run_query(query, db=b, **params)
    m.query = query
    m.highlighted_rows = len(rows)
    for row in rows:
        for column, value in row.items():
            label = ID_COLUMNS.get(column)
            node = m.nodes.get(vid(label, str(value))) if label and value is not None else None
            if node is not None:
                node.highlighted = True
