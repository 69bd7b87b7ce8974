"""Fixed positions for a map's nodes: each place is one cluster, clusters tiled inside their parent.

A community (or any area at or below that level) is a *disc*: the area in the middle, what hangs
on it (organizations, units, lists) on rings around it, its grids as smaller discs on the outer
ring. A street, district or city is a *block*: its own node at the top, its child places tiled
below it in rows shaped like a screen, so the whole map fills the window at the opening zoom and
every community has room for its name. Positions are fixed (no physics): the page is still as
soon as it is drawn.
"""

from __future__ import annotations

import math
from collections import defaultdict

from pbgraph.graph.schema import LEVEL_ORDER, LEVEL_RANK

from .model import MapNode, NetworkMap

STEP = 30.0  # distance between neighbours on a ring
GAP = 26.0  # space between clusters
SCREEN = 1.3  # width / height of the whole map (a landscape window beside the legend)
HEAD_ROOM = 70.0  # extra width beside a street's (district's, …) own node for its bigger label
BLOCK_LEVELS = {level.value for level in LEVEL_ORDER if LEVEL_RANK[level] <= LEVEL_RANK["street"]}  # street and up
LABEL_ORDER = ("PartyOrg", "GridWorker", "Unit", "Agreement", "Resource", "Demand", "Project", "Statement", "Mechanism")

# a cluster: the nodes in it with their offsets from the cluster's centre, and its width and height
Cluster = tuple[list[tuple[MapNode, float, float]], float, float]


def layout(m: NetworkMap) -> None:
    """Place every node of ``m`` (sets ``x``, ``y`` and ``room``, the free space around a node)."""
    level = {name: i for i, name in enumerate(LEVEL_ORDER)}
    children: dict[str | None, list[MapNode]] = defaultdict(list)
    for n in sorted((n for n in m.nodes.values() if n.is_area), key=lambda n: (level.get(n.kind, 99), n.vid)):
        children[n.parent if n.parent in m.nodes else None].append(n)
    hanging: dict[str, list[MapNode]] = defaultdict(list)
    order = {label: i for i, label in enumerate(LABEL_ORDER)}
    for n in sorted((n for n in m.nodes.values() if not n.is_area), key=lambda n: (order.get(n.label, 99), n.vid)):
        hanging[n.anchor if n.anchor in m.nodes else ""].append(n)

    def cluster(n: MapNode, aspect: float, top: bool = False) -> Cluster:
        kids = [cluster(c, aspect) for c in children[n.vid]]
        if n.kind in BLOCK_LEVELS and any(len(k[0]) > 1 for k in kids):  # tile child places that are clusters
            return _block(_disc(n, hanging[n.vid], []), kids, SCREEN if top else aspect)
        return _disc(n, hanging[n.vid], kids)

    def whole(aspect: float) -> Cluster:
        roots = children[None]
        parts = [cluster(r, aspect, top=len(roots) == 1) for r in roots]
        if hanging[""]:  # nodes tied to no drawn area
            parts.append(_ring(hanging[""], 0.0))
        return parts[0] if len(parts) == 1 else _block(None, parts, SCREEN)

    # the inner blocks' shape that lets the whole map fill a landscape window best
    shapes = [whole(aspect) for aspect in (0.6, 0.8, 1.0, 1.3, 1.7)]
    items, _, _ = min(shapes, key=lambda c: max(c[1] / SCREEN, c[2]))
    for n, x, y in items:
        n.x, n.y = round(x, 1), round(y, 1)


def _ring(nodes: list[MapNode], inner: float) -> Cluster:
    """``nodes`` on rings around a centre, the first ring at ``inner`` + STEP; ``room`` is the spacing."""
    items: list[tuple[MapNode, float, float]] = []
    radius, i = inner, 0
    while i < len(nodes):
        radius += STEP
        fits = max(6, int(2 * math.pi * radius / STEP))
        ring = nodes[i : i + fits]
        for j, n in enumerate(ring):
            angle = 2 * math.pi * (j + 0.5 * (radius // STEP % 2)) / len(ring) - math.pi / 2
            n.room = min(STEP, 2 * math.pi * radius / len(ring))
            items.append((n, radius * math.cos(angle), radius * math.sin(angle)))
        i += len(ring)
    return items, 2 * radius, 2 * radius


def _disc(n: MapNode, hung: list[MapNode], parts: list[Cluster]) -> Cluster:
    """``n`` in the middle, ``hung`` on rings around it, the child clusters ``parts`` on one outer ring."""
    core = 22.0 if n.is_area else 12.0
    singles = [sub[0][0][0] for sub in parts if len(sub[0]) == 1]  # lone child areas ring with what hangs on n
    parts = [sub for sub in parts if len(sub[0]) > 1]
    items, width, _ = _ring([*hung, *singles], core)
    items.insert(0, (n, 0.0, 0.0))
    inner = max(width / 2, core)
    if not parts:
        n.room = 2 * (inner + STEP)
        wide = 2 * inner + (HEAD_ROOM if n.kind in BLOCK_LEVELS else 0.0)  # a street's label is bigger
        return items, wide, 2 * inner
    sizes = [max(w, h) for _, w, h in parts]
    radius = max(inner + GAP + max(sizes) / 2, sum(s + GAP for s in sizes) / (2 * math.pi))
    angle = -math.pi / 2
    for (sub, _, _), size in zip(parts, sizes, strict=True):
        span = 2 * math.pi * (size + GAP) / sum(s + GAP for s in sizes)
        cx, cy = radius * math.cos(angle + span / 2), radius * math.sin(angle + span / 2)
        items += [(s, x + cx, y + cy) for s, x, y in sub]
        angle += span
    outer = radius + max(sizes) / 2
    n.room = 2 * outer
    return items, 2 * outer, 2 * outer


def _block(head: Cluster | None, parts: list[Cluster], aspect: float) -> Cluster:
    """``head`` in the middle of the first row, ``parts`` tiled in centred rows, as many columns as make
    the block closest to ``aspect`` (width / height)."""
    best: tuple[float, list[list[Cluster]]] | None = None
    for cols in range(1, len(parts) + (2 if head else 1)):
        cells = list(parts)
        if head:
            cells.insert(min(cols, len(cells) + 1) // 2, head)
        rows = [cells[i : i + cols] for i in range(0, len(cells), cols)]
        width = max(sum(w for _, w, _ in row) + GAP * (len(row) - 1) for row in rows)
        height = sum(max(h for _, _, h in row) for row in rows) + GAP * (len(rows) - 1)
        score = abs(math.log(width / height / aspect))
        if best is None or score < best[0] - 1e-9:
            best = (score, rows)
    assert best is not None
    rows = best[1]
    width = max(sum(w for _, w, _ in row) + GAP * (len(row) - 1) for row in rows)
    height = sum(max(h for _, _, h in row) for row in rows) + GAP * (len(rows) - 1)
    if head:
        head[0][0][0].room = width
    items: list[tuple[MapNode, float, float]] = []
    y = -height / 2
    for row in rows:
        x = -(sum(w for _, w, _ in row) + GAP * (len(row) - 1)) / 2
        tall = max(h for _, _, h in row)
        for sub, w, _ in row:
            items += [(n, x + w / 2 + dx, y + tall / 2 + dy) for n, dx, dy in sub]
            x += w + GAP
        y += tall + GAP
    return items, width, height
