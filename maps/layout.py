"""Fixed positions for a map's nodes: a radial tree of areas with attached nodes around each."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from pbgraph.graph.schema import LEVEL_ORDER

from .model import MapNode, NetworkMap


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
