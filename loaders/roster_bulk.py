"""A first load into an empty graph: every row is new, so nothing is compared.

The validated rows become, column by column, the node and relationship groups of
:meth:`~pbgraph.graph.Backend.create_graph` — the same nodes, properties and relationships
the comparison (:func:`~pbgraph.loaders.rosters.diff_plan`) would create, without a
dictionary or a :class:`~pbgraph.loaders.roster_diff.Change` per row. The changes are
listed on demand (:class:`Created`): a province has millions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, overload

from pbgraph.graph.backends.base import NodeGroup, RelGroup
from pbgraph.graph.schema import Label, Level

from .roster_diff import Change
from .roster_tables import ORDER, TABLE_LABEL, TABLES

if TYPE_CHECKING:
    from .rosters import Plan, Row


class Created(Sequence[Change]):
    """Every node and relationship a new graph gets, as ``created`` changes, made when read."""

    def __init__(self) -> None:
        #: (item, kind, ids — or start ids —, end ids for relationships)
        self._parts: list[tuple[str, str, list[str], list[str] | None]] = []
        self._len = 0

    def add(self, item: str, kind: str, keys: list[str], ends: list[str] | None = None) -> None:
        if keys:
            self._parts.append((item, kind, keys, ends))
            self._len += len(keys)

    def counts(self) -> dict[str, dict[str, dict[str, int]]]:
        """Per kind (node, relationship), per label or type: created, updated (0), removed (0)."""
        out: dict[str, dict[str, dict[str, int]]] = {"node": {}, "relationship": {}}
        for item, kind, keys, _ in self._parts:
            entry = out[kind].setdefault(item, {"created": 0, "updated": 0, "removed": 0})
            entry["created"] += len(keys)
        return out

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[Change]:
        return self._from(0)

    @overload
    def __getitem__(self, i: int) -> Change: ...
    @overload
    def __getitem__(self, i: slice) -> list[Change]: ...
    def __getitem__(self, i: int | slice) -> Change | list[Change]:
        if isinstance(i, slice):
            start, stop, step = i.indices(self._len)
            if step == 1:  # the first few, for a report: without making the rest
                return [c for _, c in zip(range(stop - start), self._from(start), strict=False)]
            return list(self)[i]
        if i < 0:
            i += self._len
        if not 0 <= i < self._len:
            raise IndexError("change index out of range")
        return next(self._from(i))

    def _from(self, start: int) -> Iterator[Change]:
        """The changes from position ``start`` on (whole parts before it skipped, not made)."""
        for item, kind, keys, ends in self._parts:
            if start >= len(keys):
                start -= len(keys)
                continue
            if ends is None:
                yield from (Change("created", item, k) for k in keys[start:])
            else:
                pairs = zip(keys[start:], ends[start:], strict=True)
                yield from (Change("created", item, f"{a} → {b}", (), kind) for a, b in pairs)
            start = 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == self._len and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Created({self._len} changes)"


@dataclass
class NewGraph:
    """A roster as one bulk write: node groups (numbered in order), relationship groups, the changes."""

    nodes: list[NodeGroup] = field(default_factory=list)
    relationships: list[RelGroup] = field(default_factory=list)
    changes: Created = field(default_factory=Created)


class _Table:
    """One table's valid rows as columns (read once), and a part of them by position."""

    def __init__(self, rows: Sequence[Row]) -> None:
        from .rosters import Rows, column

        self._rows = rows
        self._column = column
        self._cache: dict[str, list[Any]] = {}
        if isinstance(rows, Rows):
            self.extras: list[dict[str, Any]] | None = rows._extras
        else:
            self.extras = [r.extras for r in rows] if any(r.extras for r in rows) else None

    def __call__(self, name: str) -> list[Any]:
        if name not in self._cache:
            self._cache[name] = self._column(self._rows, name)
        return self._cache[name]

    def extra(self, name: str) -> list[Any]:
        return [x.get(name) for x in self.extras] if self.extras is not None else [None] * len(self._rows)


def _pick(values: list[Any], where: list[int] | None) -> list[Any]:
    return values if where is None else [values[i] for i in where]


def _node_columns(t: _Table, where: list[int] | None, fields: list[str], name_from_id: bool) -> dict[str, list[Any]]:
    """The node properties of the rows at ``where`` (None: all): id, the row's fields, extra columns, a name;
    columns never set left out."""
    ids = _pick(t("id"), where)
    columns: dict[str, list[Any]] = {"id": ids}
    for f in fields:
        columns[f] = _pick(t(f), where)
    extras = list(dict.fromkeys(k for x in _pick(t.extras, where) if x for k in x)) if t.extras is not None else []
    for k in extras:
        if not (name_from_id and k == "name"):
            columns[k] = _pick(t.extra(k), where)
    if name_from_id:  # (model: every node has a name; these tables' rows may not)
        named = _pick(t.extra("name"), where)
        columns["name"] = [n or i for n, i in zip(named, ids, strict=True)]
    return {k: v for k, v in columns.items() if k == "id" or any(x is not None for x in v)}


def new_graph(plan: Plan) -> NewGraph:
    """Every row of ``plan`` as new nodes and relationships (the graph must hold none of them)."""
    from .rosters import LINKS, PAIRS

    out = NewGraph()
    number: dict[str, dict[str, int]] = {}  # label → id → node number
    rels: dict[tuple[str, str, str], tuple[list[str], list[str], dict[str, list[Any]]]] = {}

    def add(key: tuple[str, str, str], starts: list[str], ends: list[str], props: dict[str, list[Any]]) -> None:
        have_starts, have_ends, have_props = rels.setdefault(key, ([], [], {}))
        before = len(have_starts)
        for p, values in props.items():
            have_props.setdefault(p, [None] * before).extend(values)
        have_starts.extend(starts)
        have_ends.extend(ends)
        for values in have_props.values():  # a property only some of the links carry: unset elsewhere
            values.extend([None] * (len(have_starts) - len(values)))

    # in the order the comparison lists them: per table, its nodes, then its relationships
    for name in ORDER:
        table, rows = TABLES[name], plan.tables.get(name)
        if not rows:
            continue
        t = _Table(rows)
        if table.label is not None:
            _add_nodes(out, number, name, t)
        for link in (lk for lk in LINKS if lk.table == name):
            assert table.label is not None
            label, rel = table.label.value, link.rel.value
            refs = table.by_name[link.column].ref
            cells = t(link.column)
            linked = None if None not in cells else [i for i, v in enumerate(cells) if v is not None]
            ids, others = _pick(t("id"), linked), _pick(cells, linked)
            out.changes.add(rel, "relationship", *((others, ids) if link.incoming else (ids, others)))
            split: dict[str, list[int] | None] = {refs[0]: linked}
            if len(refs) > 1:  # owners: units or areas
                split = {}
                for i in range(len(rows)) if linked is None else linked:
                    split.setdefault(plan.owner_table.get(t("id")[i], refs[0]), []).append(i)  # type: ignore[union-attr]
            for owner, where in split.items():
                if where is not None and not where:
                    continue  # the column is empty in every row
                target = TABLE_LABEL[owner].value
                part_ids, part_others = _pick(t("id"), where), _pick(cells, where)
                props = {p: _pick(t(c), where) for p, c in link.props}
                if link.incoming:
                    add((rel, target, label), part_others, part_ids, props)
                else:
                    add((rel, label, target), part_ids, part_others, props)
        if name in PAIRS:
            src_col, rel_type, dst_col, prop_cols = PAIRS[name]
            src = TABLE_LABEL[table.by_name[src_col].ref[0]].value
            dst = TABLE_LABEL[table.by_name[dst_col].ref[0]].value
            props = {p: t(c) for p, c in prop_cols}
            starts, ends = t(src_col), t(dst_col)
            out.changes.add(rel_type.value, "relationship", starts, ends)
            add((rel_type.value, src, dst), starts, ends, props)
    for (rel, a, b), (starts, ends, props) in rels.items():
        first, second = number[a], number[b]
        columns = {p: v for p, v in props.items() if any(x is not None for x in v)}
        out.relationships.append(RelGroup(rel, [first[x] for x in starts], [second[y] for y in ends], columns))
    return out


def _add_nodes(out: NewGraph, number: dict[str, dict[str, int]], name: str, t: _Table) -> None:
    """The table's rows as node groups, numbered on from the nodes before them."""
    from .rosters import _NAME_FROM_ID, _NOT_PROPS

    table = TABLES[name]
    assert table.label is not None
    label = table.label.value
    fields = [c.name for c in table.columns if c.name not in _NOT_PROPS[name]]
    groups: list[tuple[tuple[str, ...], list[int] | None]] = [((label,), None)]
    if table.label is Label.AREA:  # both labels, level by level in the order of the levels' names
        by_level: dict[str, list[int]] = {lv: [] for lv in sorted(set(t("level")))}
        for i, lv in enumerate(t("level")):
            by_level[lv].append(i)
        groups = [((label, Level(lv).label.value), where) for lv, where in by_level.items()]
    ids_of_label = number.setdefault(label, {})
    for labels, where in groups:
        columns = _node_columns(t, where, fields, name in _NAME_FROM_ID)
        count = sum(len(g) for g in out.nodes)
        ids_of_label.update(zip(columns["id"], range(count, count + len(columns["id"])), strict=True))
        out.nodes.append(NodeGroup(labels, columns))
    out.changes.add(label, "node", t("id"))
