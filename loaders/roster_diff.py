"""Compare a validated roster with what the graph holds; what a load must change, and nothing more.

Engine-neutral: the graph's state comes back through ordinary reads (ids, the properties
the roster sets, the relationships its reference columns make) and the comparison runs in
Python, so FalkorDB and Neo4j share it. A roster loaded twice yields an empty :class:`Diff`
and nothing is written; a changed roster yields exactly the nodes, properties and
relationships that differ, each named in :attr:`Diff.changes`.

The semantics are those of an upsert by id: a row's node gets every property the row
sets (an empty cell removes it), and each reference column leaves exactly one
relationship of its type between the row's node and the node it names (none when the
cell is empty). Properties and relationships the roster does not describe are left alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pbgraph.graph import Backend, Statement
from pbgraph.graph.backends.base import DEFAULT_BATCH_SIZE, batched

#: Read a whole label (one scan) rather than look ids up one by one when the roster names
#: at least this share of its nodes.
SCAN_SHARE = 0.25


class Change(NamedTuple):
    """One created, updated or removed node or relationship."""

    action: str  # created | updated | removed
    item: str  # a label or a relationship type
    key: str  # the node's id, or "from → to" for a relationship
    fields: tuple[str, ...] = ()
    kind: str = "node"  # node | relationship

    def __str__(self) -> str:
        what = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"{self.action} {self.item} {self.key}{what}"


EdgeKey = tuple[str, str, str]  # (relationship type, start label, end label)


@dataclass
class Diff:
    """What a load changes, grouped for batched statements (or one bulk write into an empty graph)."""

    #: (labels) → (id, properties without nulls)
    node_creates: dict[tuple[str, ...], list[tuple[str, dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: label → rows {"id": …, "props": {only the changed keys; null removes}}
    node_updates: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    #: label → ids
    node_removes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: (type, start label, end label) → (start id, end id, properties without nulls)
    edge_creates: dict[EdgeKey, list[tuple[str, str, dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: (type, start label, end label) → rows {"a": start id, "b": end id, "props": {…}}
    edge_updates: dict[EdgeKey, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    edge_removes: dict[EdgeKey, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    changes: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def only_creates(self) -> bool:
        """Nothing but new nodes and relationships (what a first load into an empty graph is)."""
        return not (self.node_updates or self.node_removes or self.edge_updates or self.edge_removes)

    def counts(self) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
        """Per label and per relationship type: created, updated, removed."""
        nodes: dict[str, dict[str, int]] = {}
        rels: dict[str, dict[str, int]] = {}
        for c in self.changes:
            target = rels if c.kind == "relationship" else nodes
            entry = target.setdefault(c.item, {"created": 0, "updated": 0, "removed": 0})
            entry[c.action] += 1
        return nodes, rels

    def statements(self, batch_size: int = DEFAULT_BATCH_SIZE) -> list[tuple[Statement, str]]:
        """The batched statements that apply the difference, in dependency order, with what each is."""
        out: list[tuple[Statement, str]] = []

        def add(query: str, key: str, rows: list[Any], what: str) -> None:
            out.extend((Statement(query, {key: chunk}), what) for chunk in batched(rows, batch_size))

        # labels and types below come from pbgraph's model (the roster tables), never from input
        for label, ids in self.node_removes.items():
            add(f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) DETACH DELETE n", "ids", ids, label)
        for labels, rows in self.node_creates.items():
            q = f"UNWIND $rows AS r CREATE (n:{':'.join(labels)} {{id: r.id}}) SET n += r.props"
            add(q, "rows", [{"id": i, "props": p} for i, p in rows], labels[0])
        for label, rows in self.node_updates.items():
            add(f"UNWIND $rows AS r MATCH (n:{label} {{id: r.id}}) SET n += r.props", "rows", rows, label)
        for (rel, a, b), rows in self.edge_removes.items():
            q = f"UNWIND $rows AS r MATCH (a:{a} {{id: r.a}})-[e:{rel}]->(b:{b} {{id: r.b}}) DELETE e"
            add(q, "rows", rows, rel)
        for (rel, a, b), rows in self.edge_creates.items():
            q = (
                f"UNWIND $rows AS r MATCH (a:{a} {{id: r.a}}) MATCH (b:{b} {{id: r.b}}) "
                f"CREATE (a)-[e:{rel}]->(b) SET e += r.props"
            )
            add(q, "rows", [{"a": x, "b": y, "props": p} for x, y, p in rows], rel)
        for (rel, a, b), rows in self.edge_updates.items():
            q = f"UNWIND $rows AS r MATCH (a:{a} {{id: r.a}})-[e:{rel}]->(b:{b} {{id: r.b}}) SET e += r.props"
            add(q, "rows", rows, rel)
        return out


def present(props: dict[str, Any]) -> dict[str, Any]:
    """The properties that have a value (what a new node or relationship gets)."""
    return {k: v for k, v in props.items() if v is not None}


def changed_keys(wanted: dict[str, Any], have: dict[str, Any]) -> dict[str, Any]:
    """The properties of ``wanted`` that differ from what the graph has: a different value or type
    (``True`` is not ``1``); null and absent are the same."""
    get = have.get
    return {k: v for k, v in wanted.items() if v != (h := get(k)) or type(v) is not type(h)}


def fetch_nodes(
    backend: Backend, label: str, ids: Iterable[str], fields: list[str], whole: bool, total: int
) -> dict[str, dict[str, Any]]:
    """For the ``ids`` that exist under ``label``: their ``fields`` (every property when ``whole``).

    ``fields`` are property names from pbgraph's model; ``whole`` (for tables with extra
    columns, whose names come from the roster) reads ``properties(n)`` instead. ``total`` is
    the label's node count: one scan beats lookups by id when the roster names a good share.
    """
    wanted = set(ids)
    if not wanted:
        return {}
    returns = "n.id" + (", properties(n)" if whole else "".join(f", n.{f}" for f in fields))

    def as_dict(row: list[Any]) -> dict[str, Any]:
        if whole:
            return dict(row[1] or {})
        return dict(zip(fields, row[1:], strict=True))

    if total == 0:
        return {}
    if len(wanted) >= SCAN_SHARE * total:
        rows = backend.read(f"MATCH (n:{label}) RETURN {returns}").rows
        return {r[0]: as_dict(r) for r in rows if r[0] in wanted}
    found: dict[str, dict[str, Any]] = {}
    for chunk in batched(sorted(wanted)):
        rows = backend.read(f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) RETURN {returns}", {"ids": chunk}).rows
        found.update((r[0], as_dict(r)) for r in rows)
    return found


def fetch_edges(
    backend: Backend, pattern: str, ids: Iterable[str] | None, label_total: int, props: list[str]
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """For each id of ``ids`` (None: every node): the (other end's id, properties) of the relationships
    ``pattern`` matches.

    ``pattern`` names the row's node ``n`` (written ``(n:Label@)``, ``@`` standing for the id
    match), the relationship ``e`` and the other end ``x``; ``props`` are model property names.
    """
    out: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    returns = "n.id, x.id" + "".join(f", e.{p}" for p in props)
    if ids is None:
        for r in backend.read(f"MATCH {pattern.replace('@', '')} RETURN {returns}").rows:
            out[r[0]].append((r[1], dict(zip(props, r[2:], strict=True))))
        return out
    wanted = set(ids)
    if not wanted:
        return out
    if len(wanted) >= SCAN_SHARE * max(label_total, 1):
        rows = backend.read(f"MATCH {pattern.replace('@', '')} RETURN {returns}").rows
    else:
        rows = []
        for chunk in batched(sorted(wanted)):
            q = f"UNWIND $ids AS id MATCH {pattern.replace('@', ' {id: id}')} RETURN {returns}"
            rows += backend.read(q, {"ids": chunk}).rows
    none: dict[str, Any] = {}  # shared, never changed: most relationships carry no properties
    for r in rows:
        if r[0] in wanted:
            out[r[0]].append((r[1], dict(zip(props, r[2:], strict=True)) if props else none))
    return out
