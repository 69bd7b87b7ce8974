"""Interactive maps of a district's network for planners.

:func:`build_map` reads an area's network from the graph (the area hierarchy as
the backbone, with organizations, units, agreements, grid workers and the three
lists hung on it), marks the gaps the canned questions find, aggregates above a
node budget and lays the result out. :func:`to_pyvis` turns it into a pyvis
network; :func:`write_map` writes one self-contained, offline HTML page
(see :mod:`pbgraph.map_page`)::

    from pbgraph import maps
    m = maps.build_map(db="./demo.db", area="双塔北街道")
    maps.write_map(m, "map.html")
"""

from __future__ import annotations

import html
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pbgraph.graph import Backend, using
from pbgraph.graph.errors import PbgraphError
from pbgraph.queries.runner import get_query, resolve_area, run_query

DEFAULT_BUDGET = 1500

#: Optional layers and the labels each brings; the area backbone is always drawn.
LAYERS: dict[str, tuple[str, ...]] = {
    "orgs": ("PartyOrg",),
    "units": ("Unit",),
    "agreements": ("Agreement",),
    "workers": ("GridWorker",),
    "lists": ("Resource", "Demand", "Project"),
    "documents": ("Statement", "Mechanism"),
}
DEFAULT_LAYERS: tuple[str, ...] = ("orgs", "units", "agreements", "lists")

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

LEVEL_ORDER = ("province", "city", "district", "region", "street", "town", "community", "village", "neighborhood",
               "grid", "building")  # fmt: skip
LEVEL_NAMES = {
    "province": "省", "city": "市", "district": "区", "region": "片区", "street": "街道", "town": "镇",
    "community": "社区", "village": "村", "neighborhood": "小区", "grid": "网格", "building": "楼栋",
}  # fmt: skip
LABEL_NAMES = {
    "Area": "区域", "PartyOrg": "党组织", "Unit": "驻区单位", "Agreement": "协议", "GridWorker": "网格员",
    "Resource": "资源", "Demand": "需求", "Project": "项目", "Statement": "文件表述", "Mechanism": "机制",
}  # fmt: skip


class MapError(PbgraphError):
    """The map cannot be drawn as asked (unknown layer, empty area, …)."""


@dataclass
class MapNode:
    """One drawn node. ``vid`` is unique across labels (``label:id``)."""

    vid: str
    key: str
    label: str
    kind: str
    name: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    highlighted: bool = False
    anchor: str | None = None  # the area node it hangs on (None for areas)
    parent: str | None = None  # areas: the parent area node
    depth: int = 0
    members: Counter[str] | None = None  # aggregates: what they stand for
    gap_counts: Counter[str] | None = None
    x: float = 0.0
    y: float = 0.0

    @property
    def is_area(self) -> bool:
        return self.label == "Area"


@dataclass
class MapEdge:
    source: str
    target: str
    rel: str
    text: str = ""
    dashed: bool = False


@dataclass
class NetworkMap:
    """What :func:`build_map` returns: nodes, edges and what was done to fit the budget."""

    title: str
    area: str | None
    nodes: dict[str, MapNode]
    edges: list[MapEdge]
    layers: tuple[str, ...]
    budget: int
    notes: list[str] = field(default_factory=list)
    gap_legend: dict[str, str] = field(default_factory=dict)
    query: str | None = None
    highlighted_rows: int = 0

    @property
    def aggregated(self) -> bool:
        return any(n.members is not None for n in self.nodes.values())


def vid(label: str, key: str) -> str:
    return f"{label}:{key}"


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


# -- reading -------------------------------------------------------------------


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
    m.edges = _dedupe(m.edges, m.nodes)
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


def _dedupe(edges: Iterable[MapEdge], nodes: dict[str, MapNode]) -> list[MapEdge]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for e in edges:
        k = (e.source, e.target, e.rel)
        if e.source == e.target or k in seen or e.source not in nodes or e.target not in nodes:
            continue
        seen.add(k)
        out.append(e)
    return out


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


# -- fitting the budget ----------------------------------------------------------


def reduce_to_budget(m: NetworkMap, budget: int | None = None) -> None:
    """Aggregate until at most ``budget`` nodes remain, saying what was aggregated in ``m.notes``."""
    m.budget = budget or m.budget or DEFAULT_BUDGET
    total = len(m.nodes)
    steps: list[tuple[str, Any]] = [("bundle", 12), ("collapse", "building"), ("bundle", 4)]
    steps += [("collapse", level) for level in ("grid", "neighborhood", "village")] + [("bundle", 1)]
    steps += [("collapse", level) for level in ("community", "town", "street", "region", "district", "city")]
    for step, arg in steps:
        if len(m.nodes) <= m.budget:
            break
        before = len(m.nodes)
        if step == "bundle":
            _bundle(m, arg)
        else:
            _collapse(m, arg)
        if len(m.nodes) < before:
            what = (
                f"lists of more than {arg} alike nodes per area shown as one count node"
                if step == "bundle"
                else f"{LEVEL_NAMES.get(arg, arg)} ({arg}) areas merged into one node per parent"
            )
            m.notes.append(what)
    if m.notes:
        m.notes.insert(0, f"{total} nodes exceed the budget of {m.budget}; aggregated to {len(m.nodes)}:")


def _aggregate(members: list[MapNode], agg_vid: str, label: str, kind: str, name: str, anchor: str | None,
               parent: str | None, depth: int) -> MapNode:  # fmt: skip
    """One node standing for ``members``: what they were and which gaps they hold, counted."""
    counts: Counter[str] = Counter()
    gaps: Counter[str] = Counter()
    for n in members:
        if n.members is not None:
            counts.update(n.members)
            gaps.update(n.gap_counts or {})
        else:
            counts[LEVEL_NAMES.get(n.kind, n.kind) if n.is_area else LABEL_NAMES.get(n.label, n.label)] += 1
            gaps.update(n.gaps)
    agg = MapNode(agg_vid, agg_vid, label, kind, name, anchor=anchor, parent=parent, depth=depth)
    agg.members, agg.gap_counts = counts, gaps
    agg.highlighted = any(n.highlighted for n in members)
    agg.facts = [("合并 aggregated", "、".join(f"{k} {v}" for k, v in counts.most_common()))]
    agg.facts += [(f"⚠ {g}", str(c)) for g, c in gaps.most_common()]
    return agg


def _replace(m: NetworkMap, groups: list[tuple[list[MapNode], MapNode]]) -> None:
    """Swap each group of nodes for its aggregate, re-pointing anchors, parents and edges in one pass."""
    moved: dict[str, str] = {}
    for members, agg in groups:
        for n in members:
            moved[n.vid] = agg.vid
            del m.nodes[n.vid]
    for _, agg in groups:
        m.nodes[agg.vid] = agg
    for n in m.nodes.values():
        n.anchor = moved.get(n.anchor, n.anchor) if n.anchor else None
        n.parent = moved.get(n.parent, n.parent) if n.parent else None
    for e in m.edges:
        e.source = moved.get(e.source, e.source)
        e.target = moved.get(e.target, e.target)
    m.edges = _dedupe(m.edges, m.nodes)


def _bundle(m: NetworkMap, keep: int) -> None:
    groups: dict[tuple[str, str], list[MapNode]] = defaultdict(list)
    for n in m.nodes.values():
        if not n.is_area and n.anchor:
            groups[(n.anchor, n.label)].append(n)
    out = []
    for (anchor, label), members in sorted(groups.items()):
        if len(members) <= keep:
            continue
        count = sum(n.members.total() if n.members else 1 for n in members)
        name = f"{count} {LABEL_NAMES.get(label, label)}"
        out.append((members, _aggregate(members, f"agg:{label}:{anchor}", label, "aggregate", name, anchor, None, 0)))
    _replace(m, out)


def _collapse(m: NetworkMap, level: str) -> None:
    below: dict[str, list[str]] = defaultdict(list)  # node -> the nodes under it or hanging on it
    for n in m.nodes.values():
        for up in {n.parent, n.anchor} - {None}:
            below[up].append(n.vid)  # type: ignore[index]
    by_parent: dict[str, list[MapNode]] = defaultdict(list)
    for n in m.nodes.values():
        if n.is_area and n.kind == level and n.parent and n.members is None:
            by_parent[n.parent].append(n)
    out = []
    for parent, areas in sorted(by_parent.items()):
        subtree: set[str] = set()
        stack = [n.vid for n in areas]
        while stack:  # everything below or hanging on them goes into the aggregate too
            v = stack.pop()
            if v not in subtree:
                subtree.add(v)
                stack.extend(below.get(v, ()))
        members = [m.nodes[v] for v in sorted(subtree)]
        name = f"{len(areas)} {LEVEL_NAMES.get(level, level)}"
        agg = _aggregate(members, f"agg:{level}:{parent}", "Area", level, name, None, parent, areas[0].depth)
        out.append((members, agg))
    _replace(m, out)
    m.edges += [MapEdge(agg.vid, agg.parent, "PART_OF") for _, agg in out if agg.parent]
    m.edges = _dedupe(m.edges, m.nodes)


# -- layout --------------------------------------------------------------------


def layout(m: NetworkMap) -> None:
    """A radial tree: the top area in the middle, each level on a ring, attached nodes around their area.

    Positions are fixed (no physics), so the page is still as soon as it is drawn.
    """
    areas = [n for n in m.nodes.values() if n.is_area]
    children: dict[str | None, list[MapNode]] = defaultdict(list)
    for n in sorted(areas, key=lambda n: (LEVEL_ORDER.index(n.kind) if n.kind in LEVEL_ORDER else 99, n.vid)):
        children[n.parent if n.parent in m.nodes else None].append(n)
    hanging: dict[str, list[MapNode]] = defaultdict(list)
    for n in sorted(m.nodes.values(), key=lambda n: (n.label, n.vid)):
        if not n.is_area:
            hanging[n.anchor or ""].append(n)

    weight: dict[str, float] = {}

    def measure(n: MapNode) -> float:
        w = max(1.0, sum(measure(c) for c in children[n.vid])) + 0.25 * len(hanging[n.vid])
        weight[n.vid] = w
        return w

    roots = children[None]
    for r in roots:
        measure(r)
    rings: dict[int, int] = Counter()

    def ring_of(n: MapNode, d: int) -> None:
        rings[d] += 1 + len(hanging[n.vid])
        for c in children[n.vid]:
            ring_of(c, d + 1)

    for r in roots:
        ring_of(r, 0)
    radius = {0: 0.0}
    for d in range(1, max(rings, default=0) + 1):
        radius[d] = max(radius[d - 1] + 260.0, rings[d] * 55.0 / (2 * math.pi))

    def place(n: MapNode, d: int, start: float, end: float) -> None:
        mid = (start + end) / 2
        n.x, n.y = radius[d] * math.cos(mid), radius[d] * math.sin(mid)
        kids = children[n.vid]
        total = sum(weight[c.vid] for c in kids) or 1.0
        a = start
        for c in kids:
            span = (end - start) * weight[c.vid] / total
            place(c, d + 1, a, a + span)
            a += span

    total = sum(weight[r.vid] for r in roots) or 1.0
    a = 0.0
    for r in roots:
        span = 2 * math.pi * weight[r.vid] / total
        place(r, 0 if len(roots) == 1 else 1, a, a + span)
        a += span
    for anchor, nodes in hanging.items():
        centre = m.nodes.get(anchor)
        cx, cy = (centre.x, centre.y) if centre else (0.0, 0.0)
        for i, n in enumerate(nodes):
            ring, pos = divmod(i, 12)
            r = 70.0 + 45.0 * ring
            angle = 2 * math.pi * (pos + 0.5 * ring) / min(12, len(nodes))
            n.x, n.y = cx + r * math.cos(angle), cy + r * math.sin(angle)


# -- pyvis and the page --------------------------------------------------------

PALETTE = {
    "Area": "#9ecae1", "PartyOrg": "#de2d26", "Unit": "#3182bd", "GridWorker": "#31a354",
    "Resource": "#756bb1", "Demand": "#fd8d3c", "Project": "#636363", "Statement": "#bcbd22",
    "Mechanism": "#17becf",
}  # fmt: skip
JOINT_KINDS = {"street_joint_committee", "community_joint_committee", "grid_joint_branch", "regional_party_committee"}
AREA_SIZES = {"province": 40, "city": 36, "district": 32, "region": 26, "street": 26, "town": 26, "community": 20,
              "village": 20, "neighborhood": 16, "grid": 12, "building": 8}  # fmt: skip
GAP_COLOUR = "#e31a1c"
HIGHLIGHT_COLOUR = "#ffd300"


def style(n: MapNode) -> dict[str, Any]:
    """vis-network options for a node: colour and shape by label and kind, a red border for gaps."""
    colour = PALETTE.get(n.label, "#999999")
    shape = {
        "Area": "dot", "PartyOrg": "diamond", "Unit": "square", "GridWorker": "triangleDown",
        "Resource": "triangle", "Demand": "dot", "Project": "hexagon", "Statement": "box", "Mechanism": "ellipse",
    }.get(n.label, "dot")  # fmt: skip
    if n.label == "PartyOrg" and n.kind in JOINT_KINDS:
        shape = "star"
    size = AREA_SIZES.get(n.kind, 14) if n.is_area else 10
    if n.members is not None:
        shape, size = ("dot", max(size, 14)) if n.is_area else ("box", 12)
    gap = bool(n.gaps or (n.gap_counts and n.gap_counts.total()))
    border = HIGHLIGHT_COLOUR if n.highlighted else (GAP_COLOUR if gap else "#555555")
    return {
        "shape": shape,
        "size": size,
        "color": {"background": colour, "border": border, "highlight": {"background": colour, "border": "#000"}},
        "borderWidth": 5 if (gap or n.highlighted) else 1,
        "shapeProperties": {"borderDashes": [6, 3]} if n.members is not None else {},
    }


def tooltip(n: MapNode) -> list[tuple[str, str]]:
    """The node's key facts as (key, value) text pairs; the page turns them into text nodes."""
    head = LEVEL_NAMES.get(n.kind, n.kind) if n.is_area else LABEL_NAMES.get(n.label, n.label)
    pairs = [("", n.name), ("类别 type", head), *n.facts]
    pairs += [("⚠ 缺口 gap", g) for g in n.gaps]
    if n.highlighted:
        pairs.append(("★ 查询结果 query row", "yes"))
    return pairs


def to_pyvis(m: NetworkMap) -> Any:
    """The map as a ``pyvis.network.Network`` (positions fixed, text tooltips, gaps styled).

    For notebooks: ``net.show(…)`` uses pyvis's own template, which loads scripts from CDNs; use
    :func:`write_map` for a page that works offline.
    """
    from pyvis.network import Network

    net = Network(height="800px", width="100%", directed=True, cdn_resources="remote")
    for n in m.nodes.values():
        label = ("⚠ " if n.gaps else "") + n.name
        # escaped: pyvis's own template shows titles through innerHTML in one of its modes
        title = html.escape("\n".join(f"{k}: {v}" if k else v for k, v in tooltip(n)))
        net.add_node(
            n.vid, label=label, title=title, x=round(n.x, 1), y=round(n.y, 1), physics=False, tip=tooltip(n),
            **style(n),
        )  # fmt: skip
    for e in m.edges:
        options: dict[str, Any] = {"title": e.rel, "dashes": e.dashed, "arrows": "to"}
        if e.text:
            options["label"] = e.text
        net.add_edge(e.source, e.target, **options)
    net.toggle_physics(False)
    return net


def write_map(m: NetworkMap, out: str | Path) -> Path:
    """Write the map as one self-contained HTML page (no external references) and return its path."""
    from pbgraph.map_page import render

    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render(m, to_pyvis(m)), encoding="utf-8")
    tmp.replace(path)
    return path
