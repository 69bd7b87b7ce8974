"""Gap kinds as the page shows them (a one-character mark and a colour each) and their tally per place."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .build import GAP_QUERIES
from .model import NetworkMap


@dataclass(frozen=True)
class GapKind:
    """One kind of gap: the canned question finding it, its badge mark and colour."""

    query: str
    mark: str
    colour: str


#: Badge mark and colour per canned gap question (marks read in black and white print too).
GAP_KINDS: dict[str, GapKind] = {
    k.query: k
    for k in (
        GapKind("coverage/uncovered-grids", "支", "#d7191c"),
        GapKind("coverage/grids-without-worker", "员", "#e66101"),
        GapKind("coverage/oversized-grids", "超", "#7b3294"),
        GapKind("coverage/communities-without-joint-committee", "委", "#8c510a"),
        GapKind("coverage/streets-without-joint-committee", "工", "#01665e"),
        GapKind("agreements/units-without-agreement", "协", "#2166ac"),
        GapKind("matching/open-demands", "需", "#1a9641"),
    )
}


def gap_colour(text: str) -> str:
    """The colour of the gap kind whose legend text is ``text``."""
    query = next((q for q, _, _, t in GAP_QUERIES if t == text), None)
    return GAP_KINDS[query].colour if query in GAP_KINDS else "#e31a1c"


def node_gaps(m: NetworkMap) -> dict[str, Counter[str]]:
    """For every node holding gaps itself (or, aggregated, for its members): gap query -> count."""
    query_of = {text: query for query, text in m.gap_legend.items()}
    out: dict[str, Counter[str]] = {}
    for n in m.nodes.values():
        counts: Counter[str] = Counter(query_of[g] for g in n.gaps if g in query_of)
        for text, c in (n.gap_counts or {}).items():
            if c and text in query_of:
                counts[query_of[text]] += c
        if counts:
            out[n.vid] = counts
    return out


def place_gaps(m: NetworkMap) -> dict[str, Counter[str]]:
    """For every area: how many gaps of each kind it holds, itself and everything under or hanging on it."""
    out: dict[str, Counter[str]] = {n.vid: Counter() for n in m.nodes.values() if n.is_area}
    for v, counts in node_gaps(m).items():
        n = m.nodes[v]
        up = v if n.is_area else n.anchor
        seen: set[str] = set()
        while up in out and up not in seen:
            seen.add(up)
            out[up].update(counts)
            up = m.nodes[up].parent
    return out


def kind_totals(m: NetworkMap) -> Counter[str]:
    """How many gaps of each kind the whole map holds."""
    total: Counter[str] = Counter()
    for counts in node_gaps(m).values():
        total.update(counts)
    return total
