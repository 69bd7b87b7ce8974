"""Fitting a map into its node budget by aggregating lists and lower levels of areas."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from pbgraph.graph.schema import LEVEL_ORDER

from .model import DEFAULT_BUDGET, LABEL_NAMES, LEVEL_NAMES, MapEdge, MapNode, NetworkMap, dedupe


def reduce_to_budget(m: NetworkMap, budget: int | None = None) -> None:
    """Aggregate until at most ``budget`` nodes remain, saying what was aggregated in ``m.notes``."""
    m.budget = budget or m.budget or DEFAULT_BUDGET
    total = len(m.nodes)
    steps: list[tuple[str, Any]] = [("bundle", 12), ("collapse", "building"), ("bundle", 4)]
    upward = [level.value for level in reversed(LEVEL_ORDER)][1:-1]  # grid … city: buildings went first
    steps += [("collapse", level) for level in upward[:3]] + [("bundle", 1)]  # below communities, then lists
    steps += [("collapse", level) for level in upward[3:]]
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
    m.edges = dedupe(m.edges, m.nodes)


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
    m.edges = dedupe(m.edges, m.nodes)
