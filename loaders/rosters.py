"""Load a roster (台账) into the graph: validate everything, then write it as one unit.

The promises of ``shared/spec/rosters.md``:

* **all or nothing** — every row is checked against the roster and the graph
  before anything is written; the write itself is one atomic
  :meth:`~pbgraph.graph.Backend.write_all`, so a database error or a killed
  process leaves the graph as it was;
* **every error named** — table, spreadsheet row, column and reason, all of them
  at once (up to :data:`MAX_PROBLEMS`);
* **idempotent upsert** — ``MERGE`` on ids; loading twice changes nothing;
  nothing is deleted unless ``replace`` is asked for;
* **safe** — values travel only as parameters; labels and relationship types
  come from :mod:`pbgraph.graph.schema`, never from the roster.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pbgraph.graph import Backend, Statement
from pbgraph.graph.backends.base import DEFAULT_BATCH_SIZE, batched
from pbgraph.graph.errors import PbgraphError
from pbgraph.graph.report import Report
from pbgraph.graph.schema import Label, Level, Rel

from .roster_files import RawRoster, RawTable, read_roster
from .roster_tables import ORDER, REF_LEVELS, TABLE_LABEL, TABLES, Column, Table

MAX_PROBLEMS = 200
TRUE = {"true", "1", "是", "yes", "y"}
FALSE = {"false", "0", "否", "no", "n"}


@dataclass(frozen=True)
class RosterProblem:
    """One invalid cell (or header, or row) of a roster."""

    table: str
    row: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.table} row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


class RosterInvalid(PbgraphError):
    """The roster has invalid rows; nothing was loaded."""

    def __init__(self, problems: list[RosterProblem], truncated: bool = False) -> None:
        self.problems = problems
        self.truncated = truncated
        more = " (and more, not shown)" if truncated else ""
        lines = "\n".join(f"  {p}" for p in problems)
        n = len(problems)
        super().__init__(f"roster not loaded: {n} problem{'s' if n != 1 else ''}{more}; nothing was written\n{lines}")


@dataclass
class Row:
    """A validated row: typed values by column, plus the spreadsheet row number."""

    number: int
    values: dict[str, Any]
    extras: dict[str, Any]


@dataclass
class LoadReport(Report):
    """What a load read and what it changed."""

    path: str
    encodings: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    nodes: dict[str, dict[str, int]] = field(default_factory=dict)
    relationships: dict[str, dict[str, int]] = field(default_factory=dict)
    #: ledger-form sheets (台账): sheet → table, personal columns dropped, rows set aside, names pseudonymized
    ledger: dict[str, list[str] | dict[str, str]] = field(default_factory=dict)

    def table(self) -> list[dict[str, Any]]:
        """One row per label and relationship type: created, updated, removed."""
        out = [
            {"item": k, "kind": "node", "created": v["created"], "updated": v["updated"], "removed": v["removed"]}
            for k, v in sorted(self.nodes.items())
        ]
        out += [
            {"item": k, "kind": "relationship", "created": v["created"], "updated": 0, "removed": v["removed"]}
            for k, v in sorted(self.relationships.items())
        ]
        return out


# -- validation --------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[RosterProblem] = []
        self.truncated = False

    def add(self, table: str, row: int, column: str | None, reason: str) -> None:
        if len(self.items) >= MAX_PROBLEMS:
            self.truncated = True
            return
        self.items.append(RosterProblem(table, row, column, reason))


def _vocab_hint(value: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(value.lower(), allowed, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown value {value!r}{hint} (allowed: {', '.join(allowed)})"


def _typed(col: Column, text: str) -> tuple[Any, str | None]:
    """(value, problem) for one non-empty cell."""
    if col.kind == "str":
        return text, None
    if col.kind == "enum":
        assert col.vocab is not None
        allowed = [v.value for v in col.vocab]
        value = text.strip().lower()
        return (value, None) if value in allowed else (None, _vocab_hint(text, allowed))
    if col.kind == "int":
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return None, f"{text!r} is not a whole number"
        if not number.is_integer():
            return None, f"{text!r} is not a whole number"
        value = int(number)
        if col.minimum is not None and value < col.minimum:
            return None, "negative count" if col.minimum == 0 else f"{value} is below {col.minimum}"
        if col.maximum is not None and value > col.maximum:
            return None, f"{value} is above {col.maximum}"
        return value, None
    if col.kind == "bool":
        lowered = text.strip().lower()
        if lowered in TRUE | FALSE:
            return lowered in TRUE, None
        return None, f"{text!r} is not a boolean (true/false/1/0/是/否)"
    if col.kind == "date":
        try:
            return dt.date.fromisoformat(text.strip()).isoformat(), None
        except ValueError:
            return None, f"{text!r} is not a date (write YYYY-MM-DD)"
    raise AssertionError(col.kind)


def _check_rows(raw: RawTable, table: Table, problems: _Problems) -> list[Row]:
    seen_headers: set[str] = set()
    for i, h in enumerate(raw.header, start=1):
        if not h:
            if any(r.get("") for _, r in raw.rows):
                problems.add(table.name, 1, f"#{i}", "a column without a header holds values")
            continue
        if h in seen_headers:
            problems.add(table.name, 1, h, "column appears twice in the header")
        seen_headers.add(h)
        if h not in table.by_name and ("`" in h or any(ord(ch) < 32 for ch in h)):
            problems.add(table.name, 1, h, "column names may not contain backticks or control characters")
    missing = [c for c in table.required if c not in raw.header]
    for c in missing:
        problems.add(table.name, 1, c, "missing required column")
    if missing:
        return []
    rows: list[Row] = []
    first_seen: dict[tuple[Any, ...], int] = {}
    for number, cells in raw.rows:
        if cells.pop("\0overflow", None):
            problems.add(table.name, number, None, "more cells than the header has columns")
        values: dict[str, Any] = {}
        ok = True
        for col in table.columns:
            text = cells.get(col.name)
            if text is None:
                if col.required:
                    problems.add(table.name, number, col.name, "missing required value")
                    ok = False
                values[col.name] = None
                continue
            value, problem = _typed(col, text)
            if problem:
                problems.add(table.name, number, col.name, problem)
                ok = False
            values[col.name] = value
        extras = {k: v for k, v in cells.items() if k and k not in table.by_name}
        key = tuple(values.get(k) for k in table.key)
        if None not in key:
            if key in first_seen:
                what = "id" if table.key == ("id",) else "pair"
                shown = key[0] if len(key) == 1 else key
                problems.add(
                    table.name, number, table.key[0], f"duplicate {what} {shown!r} (first on row {first_seen[key]})"
                )
                ok = False
            else:
                first_seen[key] = number
        expires, signed = values.get("expires"), values.get("signed")
        if table.name == "agreements" and expires and signed and expires < signed:
            problems.add(table.name, number, "expires", f"expires {values['expires']} before it was signed")
        if ok:
            rows.append(Row(number, values, extras))
    return rows


def _graph_lookup(backend: Backend, label: Label, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Which of ``ids`` exist in the graph under ``label``, with their level."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in batched(sorted(set(ids))):
        res = backend.read(
            f"UNWIND $ids AS id MATCH (n:{label.value} {{id: id}}) RETURN n.id AS id, n.level AS level",
            {"ids": chunk},
        )
        found.update({r[0]: {"level": r[1]} for r in res.rows})
    return found


def _graph_parents(backend: Backend, ids: Iterable[str]) -> dict[str, str | None]:
    parents: dict[str, str | None] = {}
    for chunk in batched(sorted(set(ids))):
        res = backend.read(
            "UNWIND $ids AS id MATCH (a:Area {id: id}) OPTIONAL MATCH (a)-[:PART_OF]->(p:Area) "
            "RETURN a.id AS id, p.id AS parent",
            {"ids": chunk},
        )
        parents.update({r[0]: r[1] for r in res.rows})
    return parents


@dataclass
class Plan:
    """A validated roster, ready to write."""

    tables: dict[str, list[Row]]
    #: ids per table that already exist in the graph
    existing: dict[str, set[str]]
    #: resource id → "units" or "areas", for owners
    owner_table: dict[str, str]
    #: per table, document-made nodes the roster's rows take over: [{"doc": id, "keep": id}]
    adopt: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def validate(raw: RawRoster, backend: Backend) -> Plan:
    """Check every row against the roster and the graph; raise :class:`RosterInvalid` listing all problems."""
    problems = _Problems()
    tables: dict[str, list[Row]] = {}
    for name in ORDER:
        if name in raw.tables:
            tables[name] = _check_rows(raw.tables[name], TABLES[name], problems)
    if "areas" not in raw.tables:
        has_areas = backend.read("MATCH (a:Area) RETURN a.id AS id LIMIT 1").rows
        if not has_areas:
            problems.add("areas", 1, None, "the areas table is required (the graph holds no areas yet)")

    roster_ids = {name: {r.values["id"] for r in rows} for name, rows in tables.items() if TABLES[name].label}
    roster_levels = {r.values["id"]: r.values["level"] for r in tables.get("areas", [])}

    # every id a roster row names, looked up in the graph once
    wanted: dict[str, set[str]] = defaultdict(set)
    for name, rows in tables.items():
        if TABLES[name].label:
            wanted[name] |= roster_ids[name]
        for col in TABLES[name].columns:
            for target in col.ref:
                wanted[target] |= {r.values[col.name] for r in rows if r.values.get(col.name)}
    in_graph = {name: _graph_lookup(backend, TABLE_LABEL[name], ids) for name, ids in wanted.items()}
    levels = {**{k: v["level"] for k, v in in_graph.get("areas", {}).items()}, **roster_levels}

    for r in tables.get("areas", []):
        old = in_graph.get("areas", {}).get(r.values["id"])
        if old and old["level"] and old["level"] != r.values["level"]:
            problems.add(
                "areas",
                r.number,
                "level",
                f"area {r.values['id']!r} is a {old['level']} in the graph; a roster cannot change a level",
            )

    owner_table: dict[str, str] = {}
    for name, rows in tables.items():
        for col in TABLES[name].columns:
            if not col.ref:
                continue
            for r in rows:
                ref = r.values.get(col.name)
                if ref is None:
                    continue
                hits = [t for t in col.ref if ref in roster_ids.get(t, set()) or ref in in_graph.get(t, {})]
                if not hits:
                    where = " or ".join(f"{t}" for t in col.ref)
                    problems.add(
                        name,
                        r.number,
                        col.name,
                        f"reference to unknown {where} id {ref!r} (not in the roster nor in the graph)",
                    )
                    continue
                if len(hits) > 1:
                    problems.add(
                        name,
                        r.number,
                        col.name,
                        f"id {ref!r} is both a {hits[0]} and a {hits[1]} id; make ids distinct",
                    )
                    continue
                if name == "resources":
                    owner_table[r.values["id"]] = hits[0]
                allowed = REF_LEVELS.get((name, col.name))
                if allowed and levels.get(ref) not in allowed:
                    problems.add(
                        name,
                        r.number,
                        col.name,
                        f"area {ref!r} is a {levels.get(ref)}, expected {' or '.join(sorted(allowed))}",
                    )

    _check_cycles(tables.get("areas", []), backend, problems)
    if problems.items:
        raise RosterInvalid(problems.items, problems.truncated)
    existing = {name: set(found) for name, found in in_graph.items() if name in roster_ids}
    return Plan(tables=tables, existing=existing, owner_table=owner_table, adopt=_adoptions(tables, backend))


def _check_cycles(rows: list[Row], backend: Backend, problems: _Problems) -> None:
    """A roster parent that makes an area its own ancestor (through the roster or the graph)."""
    roster_parent = {r.values["id"]: r.values["parent_id"] for r in rows}
    number = {r.values["id"]: r.number for r in rows}
    parent: dict[str, str | None] = dict(roster_parent)
    # fetch graph parents lazily, one batch per level of the walk
    frontier = {p for p in roster_parent.values() if p and p not in parent}
    while frontier:
        fetched = _graph_parents(backend, frontier)
        for node in frontier:
            parent[node] = fetched.get(node)
        frontier = {p for p in fetched.values() if p and p not in parent}
    reported: set[str] = set()
    for start in roster_parent:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = parent.get(node)
        if node is None or node != start:
            continue
        cycle = [*path, start]
        if not reported.intersection(cycle):
            problems.add("areas", number[start], "parent_id", f"parent cycle: {' → '.join(cycle)}")
            reported.update(cycle)


# -- writing -------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A reference column that becomes a relationship between the row's node and the referenced one."""

    table: str
    column: str
    rel: Rel
    #: True when the relationship points at the row's node ((target)-[rel]->(row)).
    incoming: bool = False
    #: (relationship property, column) pairs
    props: tuple[tuple[str, str], ...] = ()


LINKS: tuple[Link, ...] = (
    Link("areas", "parent_id", Rel.PART_OF),
    Link("orgs", "area_id", Rel.SEATED_IN),
    Link("orgs", "parent_id", Rel.LEADS, incoming=True),
    Link("units", "area_id", Rel.LOCATED_IN),
    Link("units", "party_org_id", Rel.HAS_PARTY_ORG),
    Link("agreements", "unit_id", Rel.PARTY_TO, incoming=True),
    Link("agreements", "area_id", Rel.PARTY_TO, incoming=True),
    Link("workers", "grid_id", Rel.ASSIGNED_TO),
    Link("resources", "owner_id", Rel.OFFERS, incoming=True),
    Link("demands", "area_id", Rel.RAISES, incoming=True),
    Link("projects", "demand_id", Rel.ADDRESSES),
    Link("projects", "resource_id", Rel.USES),
    Link("projects", "claimed_by", Rel.CLAIMS, incoming=True),
    Link("members", "unit_id", Rel.WORKS_AT),
    Link("members", "reported_to", Rel.REPORTED_TO, props=(("date", "reported_on"),)),
)

#: Tables that are only relationships: (from column, relationship, to column, properties).
PAIRS: dict[str, tuple[str, Rel, str, tuple[tuple[str, str], ...]]] = {
    "coverage": ("org_id", Rel.COVERS, "area_id", ()),
    "memberships": ("unit_id", Rel.MEMBER_OF, "org_id", (("role", "role"), ("since", "since"))),
    "spans": ("region_id", Rel.SPANS, "area_id", ()),
}

#: Tables whose rows have no name column: the node's name is its id (model: every node has a name).
_NAME_FROM_ID = {"agreements", "workers", "members"}


def _node_props(table: Table, row: Row) -> dict[str, Any]:
    refs = {c.name for c in table.columns if c.ref}
    props = {k: v for k, v in row.values.items() if k != "id" and k not in refs}
    props.update(row.extras)
    if table.name in _NAME_FROM_ID:
        props["name"] = row.extras.get("name") or row.values["id"]
    return props


@dataclass
class _Step:
    """A statement and what its counters mean in the report."""

    statement: Statement
    item: str
    kind: str  # node | rel-create | rel-remove


def plan_statements(plan: Plan, batch_size: int = DEFAULT_BATCH_SIZE) -> list[_Step]:
    """Every statement of the load, in dependency order, batched."""
    steps: list[_Step] = []
    for name in ORDER:
        rows = plan.tables.get(name)
        if not rows:
            continue
        table = TABLES[name]
        if table.label is Label.AREA:
            by_level: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for r in rows:
                by_level[r.values["level"]].append({"id": r.values["id"], "props": _node_props(table, r)})
            for level, level_rows in sorted(by_level.items()):
                extra = Level(level).label.value  # from the enum, never from input
                for chunk in batched(level_rows, batch_size):
                    # both labels in the MERGE: adding a label afterwards is ~10x slower on FalkorDB,
                    # and a roster cannot change an existing area's level (validated)
                    q = f"UNWIND $rows AS r MERGE (n:Area:{extra} {{id: r.id}}) SET n += r.props"
                    steps.append(_Step(Statement(q, {"rows": chunk}), "Area", "node"))
        elif table.label is not None:
            node_rows = [{"id": r.values["id"], "props": _node_props(table, r)} for r in rows]
            for chunk in batched(node_rows, batch_size):
                q = f"UNWIND $rows AS r MERGE (n:{table.label.value} {{id: r.id}}) SET n += r.props"
                steps.append(_Step(Statement(q, {"rows": chunk}), table.label.value, "node"))
        for link in (lk for lk in LINKS if lk.table == name):
            steps += _link_steps(plan, link, rows, batch_size)
        if name in PAIRS:
            steps += _pair_steps(name, rows, batch_size)
    return steps


def _target_label(plan: Plan, link: Link, row: Row) -> Label:
    col = TABLES[link.table].by_name[link.column]
    target = plan.owner_table.get(row.values["id"], col.ref[0]) if len(col.ref) > 1 else col.ref[0]
    return TABLE_LABEL[target]


def _link_steps(plan: Plan, link: Link, rows: list[Row], batch_size: int) -> list[_Step]:
    label = TABLES[link.table].label
    assert label is not None
    steps: list[_Step] = []
    rel = link.rel.value
    groups: dict[Label, list[dict[str, Any]]] = defaultdict(list)
    replace_rows: dict[Label, list[dict[str, Any]]] = defaultdict(list)
    possible = [TABLE_LABEL[t] for t in TABLES[link.table].by_name[link.column].ref]
    existing = plan.existing.get(link.table, set())
    for r in rows:
        target = _target_label(plan, link, r)
        ref = r.values.get(link.column)
        # the row names its one target: every other relationship of this type from/to it goes
        # (a node this load creates has none yet)
        for candidate in possible if r.values["id"] in existing else ():
            replace_rows[candidate].append({"id": r.values["id"], "ref": ref if candidate is target else None})
        if ref is not None:
            props = {p: r.values.get(c) for p, c in link.props}
            groups[target].append({"id": r.values["id"], "ref": ref, "props": props})
    for target, items in sorted(replace_rows.items()):
        pattern = f"(x:{target.value})-[old:{rel}]->(n)" if link.incoming else f"(n)-[old:{rel}]->(x:{target.value})"
        q = (
            f"UNWIND $rows AS r MATCH (n:{label.value} {{id: r.id}}) OPTIONAL MATCH {pattern} "
            "WHERE r.ref IS NULL OR x.id <> r.ref DELETE old"
        )
        steps += [_Step(Statement(q, {"rows": c}), rel, "rel-remove") for c in batched(items, batch_size)]
    for target, items in sorted(groups.items()):
        arrow = f"(x)-[e:{rel}]->(n)" if link.incoming else f"(n)-[e:{rel}]->(x)"
        q = (
            f"UNWIND $rows AS r MATCH (n:{label.value} {{id: r.id}}) MATCH (x:{target.value} {{id: r.ref}}) "
            f"MERGE {arrow} SET e += r.props"
        )
        steps += [_Step(Statement(q, {"rows": c}), rel, "rel-create") for c in batched(items, batch_size)]
    return steps


def _pair_steps(name: str, rows: list[Row], batch_size: int) -> list[_Step]:
    src_col, rel, dst_col, props = PAIRS[name]
    table = TABLES[name]
    src = TABLE_LABEL[table.by_name[src_col].ref[0]].value
    dst = TABLE_LABEL[table.by_name[dst_col].ref[0]].value
    items = [
        {"a": r.values[src_col], "b": r.values[dst_col], "props": {p: r.values.get(c) for p, c in props}} for r in rows
    ]
    q = (
        f"UNWIND $rows AS r MATCH (a:{src} {{id: r.a}}) MATCH (b:{dst} {{id: r.b}}) "
        f"MERGE (a)-[e:{rel.value}]->(b) SET e += r.props"
    )
    return [_Step(Statement(q, {"rows": c}), rel.value, "rel-create") for c in batched(items, batch_size)]


def _replace_steps(plan: Plan, backend: Backend, batch_size: int) -> list[_Step]:
    """Deletions that make the graph hold exactly what the roster's tables hold."""
    steps: list[_Step] = []
    for name, rows in plan.tables.items():
        table = TABLES[name]
        if table.label is not None:
            keep = {r.values["id"] for r in rows}
            # nodes a document mentions stay: they are evidence, not roster data
            res = backend.read(
                f"MATCH (n:{table.label.value}) OPTIONAL MATCH (n)-[m:MENTIONED_IN]->() "
                "OPTIONAL MATCH (s:Statement)-[:ABOUT]->(n) "
                "WITH n, count(m) + count(s) AS evidence WHERE evidence = 0 RETURN n.id AS id"
            )
            gone = sorted({r[0] for r in res.rows} - keep)
            q = f"UNWIND $ids AS id MATCH (n:{table.label.value} {{id: id}}) DETACH DELETE n"
            steps += [
                _Step(Statement(q, {"ids": c}), table.label.value, "node-remove") for c in batched(gone, batch_size)
            ]
        elif name in PAIRS:
            src_col, rel, dst_col, _ = PAIRS[name]
            src = TABLE_LABEL[table.by_name[src_col].ref[0]].value
            dst = TABLE_LABEL[table.by_name[dst_col].ref[0]].value
            keep_pairs = {(r.values[src_col], r.values[dst_col]) for r in rows}
            res = backend.read(f"MATCH (a:{src})-[e:{rel.value}]->(b:{dst}) RETURN a.id AS a, b.id AS b")
            gone_pairs = [{"a": a, "b": b} for a, b in sorted({(r[0], r[1]) for r in res.rows} - keep_pairs)]
            q = f"UNWIND $rows AS r MATCH (a:{src} {{id: r.a}})-[e:{rel.value}]->(b:{dst} {{id: r.b}}) DELETE e"
            steps += [
                _Step(Statement(q, {"rows": c}), rel.value, "rel-remove") for c in batched(gone_pairs, batch_size)
            ]
    return steps


#: Nodes a document made before the roster named them: (table, label, id prefix, matching property,
#: relationships to hand over as (type, True when the node is the end node)).
_ADOPTABLE = (
    (
        "areas",
        Label.AREA,
        "doc-area-",
        "level",
        (
            ("ABOUT", True),
            ("MENTIONED_IN", False),
            ("PART_OF", True),
            ("SEATED_IN", True),
            ("LOCATED_IN", True),
            ("PRACTICES", False),
            ("RAISES", False),
            ("SPANS", True),
        ),
    ),
    ("orgs", Label.PARTY_ORG, "doc-org-", "kind", (("MENTIONED_IN", False),)),
    ("units", Label.UNIT, "doc-unit-", "sector", (("MENTIONED_IN", False),)),
)


def _adoptions(tables: dict[str, list[Row]], backend: Backend) -> dict[str, list[dict[str, str]]]:
    """Per table, the document-made nodes that are the roster's rows (looked up before anything is written).

    Same name and the same level / kind / sector; for areas, also the document's parent, if it gave one,
    among the roster area's ancestors.
    """
    out: dict[str, list[dict[str, str]]] = {}
    for table, label, prefix, prop, _ in _ADOPTABLE:
        rows = tables.get(table, [])
        if not rows:
            continue
        found = backend.read(
            f"UNWIND $rows AS r MATCH (d:{label.value} {{name: r.name}}) WHERE d.{prop} = r.v "
            f"AND d.id STARTS WITH '{prefix}' RETURN r.id, d.id, [(d)-[:PART_OF]->(p) | p.name]",
            {"rows": [{"id": r.values["id"], "name": r.values["name"], "v": r.values[prop]} for r in rows]},
        ).rows
        if not found:
            continue
        by_id = {r.values["id"]: r.values for r in tables.get("areas", [])}
        parents = sorted({v.get("parent_id") for v in by_id.values() if v.get("parent_id")})
        graph_names = (
            dict(backend.read("UNWIND $ids AS i MATCH (a:Area {id: i}) RETURN a.id, a.name", {"ids": parents}).rows)
            if parents
            else {}
        )
        pairs = []
        for roster_id, doc_id, doc_parents in found:
            if table == "areas" and doc_parents:
                ancestors, node, hops = set(), by_id.get(roster_id), 0
                while node and node.get("parent_id") and hops < 20:
                    parent = node["parent_id"]
                    ancestors.add(by_id[parent]["name"] if parent in by_id else graph_names.get(parent))
                    node, hops = by_id.get(parent), hops + 1
                if doc_parents[0] not in ancestors:
                    continue
            pairs.append({"doc": doc_id, "keep": roster_id})
        out[table] = pairs
    return out


def _adopt_steps(plan: Plan) -> list[_Step]:
    steps: list[_Step] = []
    for table, label, _, _, rels in _ADOPTABLE:
        pairs = plan.adopt.get(table)
        if not pairs:
            continue
        for rel, incoming in rels:
            old = f"(x)-[e:{rel}]->(d)" if incoming else f"(d)-[e:{rel}]->(x)"
            new = f"(x)-[f:{rel}]->(k)" if incoming else f"(k)-[f:{rel}]->(x)"
            q = (
                f"UNWIND $rows AS r MATCH (d:{label.value} {{id: r.doc}}) MATCH (k:{label.value} {{id: r.keep}}) "
                f"MATCH {old} WHERE x <> k MERGE {new} SET f += properties(e) DELETE e"
            )
            steps.append(_Step(Statement(q, {"rows": pairs}), rel, "rel-create"))
        q = f"UNWIND $rows AS r MATCH (d:{label.value} {{id: r.doc}}) DETACH DELETE d"
        steps.append(_Step(Statement(q, {"rows": pairs}), label.value, "node-remove"))
    return steps


def load_plan(
    plan: Plan,
    backend: Backend,
    *,
    replace: bool = False,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> LoadReport:
    """Write a validated roster as one atomic unit and report what changed."""
    steps = (_replace_steps(plan, backend, batch_size) if replace else []) + plan_statements(plan, batch_size)
    steps += _adopt_steps(plan)
    total = len(steps)
    summary = backend.write_all(
        [s.statement for s in steps], progress=(lambda done: progress(done, total)) if progress else None
    )
    report = LoadReport(path="")
    for step, stats in zip(steps, summary.per_statement, strict=True):
        if step.kind in ("node", "node-remove"):
            entry = report.nodes.setdefault(step.item, {"created": 0, "updated": 0, "removed": 0})
            entry["created"] += stats.get("nodes_created", 0)
            entry["removed"] += stats.get("nodes_deleted", 0)
        else:
            entry = report.relationships.setdefault(step.item, {"created": 0, "removed": 0})
            entry["created"] += stats.get("relationships_created", 0)
            entry["removed"] += stats.get("relationships_deleted", 0)
    for name, rows in plan.tables.items():
        label = TABLES[name].label
        if label is not None:
            entry = report.nodes.setdefault(label.value, {"created": 0, "updated": 0, "removed": 0})
            entry["updated"] += sum(1 for r in rows if r.values["id"] in plan.existing.get(name, set()))
    return report


def load_roster(
    path: str | Path,
    backend: Backend,
    *,
    replace: bool = False,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> LoadReport:
    """Read, validate and load the roster at ``path`` (a CSV folder or an .xlsx workbook).

    Raises :class:`RosterInvalid` (naming every problem) and writes nothing when any
    row is invalid.
    """
    raw = read_roster(path)
    ledger = None
    if raw.ledger:  # sheets in ledger form (台账): translated to these tables first
        from .ledgers import validate_ledger

        plan, ledger = validate_ledger(raw, backend)
    else:
        plan = validate(raw, backend)
    report = load_plan(plan, backend, replace=replace, progress=progress, batch_size=batch_size)
    report.path = str(path)
    report.encodings = {name: t.encoding for name, t in raw.tables.items()}
    report.ignored = raw.ignored
    report.rows = {name: len(rows) for name, rows in plan.tables.items()}
    if ledger is not None:
        report.ledger = ledger.as_dict()
        report.encodings = {**ledger.encodings, **report.encodings}
    return report
