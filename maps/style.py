"""How a map's nodes look: colours, shapes, tooltips, and the map as a pyvis network."""

from __future__ import annotations

import html
from typing import Any

from pbgraph.graph.schema import JOINT_COMMITTEE_KINDS

from .gaps import gap_colour
from .model import LABEL_NAMES, LEVEL_NAMES, MapNode, NetworkMap

PALETTE = {
    "Area": "#9ecae1", "PartyOrg": "#de2d26", "Unit": "#3182bd", "GridWorker": "#31a354",
    "Resource": "#756bb1", "Demand": "#fd8d3c", "Project": "#636363", "Statement": "#bcbd22",
    "Mechanism": "#17becf",
}  # fmt: skip
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
    if n.label == "PartyOrg" and n.kind in JOINT_COMMITTEE_KINDS:
        shape = "star"
    size = AREA_SIZES.get(n.kind, 14) if n.is_area else 10
    if n.members is not None:
        shape, size = ("dot", max(size, 14)) if n.is_area else ("box", 12)
    gaps = [g for g in n.gaps] + [g for g, c in (n.gap_counts or {}).items() if c]
    gap = bool(gaps)
    border = HIGHLIGHT_COLOUR if n.highlighted else (gap_colour(gaps[0]) if gap else "#555555")
    return {
        "shape": shape,
        "size": size,
        "color": {"background": colour, "border": border, "highlight": {"background": colour, "border": "#000"}},
        "borderWidth": 4 if (gap or n.highlighted) else 1,
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
