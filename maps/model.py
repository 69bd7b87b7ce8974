"""What a map is made of: nodes, edges, the map itself, and the names the page shows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from pbgraph.graph.errors import PbgraphError

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
    room: float = 0.0  # free space around the node in the layout: its label shows once zoomed to fit

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


def dedupe(edges: Iterable[MapEdge], nodes: dict[str, MapNode]) -> list[MapEdge]:
    """The edges between drawn nodes, once each, without loops."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for e in edges:
        k = (e.source, e.target, e.rel)
        if e.source == e.target or k in seen or e.source not in nodes or e.target not in nodes:
            continue
        seen.add(k)
        out.append(e)
    return out
