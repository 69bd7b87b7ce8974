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
import functools
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from pbgraph.graph import Backend, Statement
from pbgraph.graph.backends.base import DEFAULT_BATCH_SIZE, batched, gc_paused
from pbgraph.graph.errors import PbgraphError
from pbgraph.graph.report import Report
from pbgraph.graph.schema import Label, Level, Rel

from .roster_bulk import new_graph
from .roster_diff import Change, Diff, changed_keys, fetch_edges, fetch_nodes, present
from .roster_files import KnownRows, RawRoster, RawTable, fingerprints, header_digest, read_roster, row_digest
from .roster_tables import ORDER, REF_LEVELS, TABLE_LABEL, TABLES, Column, Table

MAX_PROBLEMS = 200
#: A difference of at most this many nodes and relationships (and a tenth of the graph's nodes) is
#: written in one statement, in place (see :meth:`pbgraph.graph.Backend.write_all`).
IN_PLACE_MAX = 25_000
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


@dataclass(slots=True)
class Row:
    """A validated row: typed values by column, plus the spreadsheet row number."""

    number: int
    values: dict[str, Any]
    extras: dict[str, Any]


class Rows(Sequence[Row]):
    """Valid rows of one table held column by column (a province has millions): a :class:`Row`
    is made only when one is read; :func:`column` reads a column without making any."""

    def __init__(self, numbers: list[int], columns: dict[str, list[Any]], extras: list[dict[str, Any]] | None) -> None:
        self.numbers = numbers
        self.columns = columns
        self._extras = extras

    def __len__(self) -> int:
        return len(self.numbers)

    def __iter__(self) -> Iterator[Row]:
        names = list(self.columns)
        extras = self._extras if self._extras is not None else itertools.repeat(_NO_EXTRAS)
        for number, values, extra in zip(self.numbers, zip(*self.columns.values()), extras):  # noqa: B905
            yield Row(number, dict(zip(names, values, strict=True)), extra)

    @overload
    def __getitem__(self, i: int) -> Row: ...
    @overload
    def __getitem__(self, i: slice) -> list[Row]: ...
    def __getitem__(self, i: int | slice) -> Row | list[Row]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        values = {name: values[i] for name, values in self.columns.items()}
        return Row(self.numbers[i], values, self._extras[i] if self._extras is not None else _NO_EXTRAS)

    def extras(self) -> bool:
        """True when some row has a value in a column the table does not define."""
        return self._extras is not None and any(self._extras)


#: The extra cells of a row that has none (shared: never changed).
_NO_EXTRAS: dict[str, Any] = {}


def _has_extras(rows: Sequence[Row]) -> bool:
    return rows.extras() if isinstance(rows, Rows) else any(r.extras for r in rows)


def column(rows: Sequence[Row], name: str) -> list[Any]:
    """One column's typed values, in row order (without making rows, for :class:`Rows`)."""
    if isinstance(rows, Rows):
        return rows.columns[name]
    return [r.values[name] for r in rows]


@dataclass
class LoadReport(Report):
    """What a load read and what it changed."""

    path: str
    encodings: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    nodes: dict[str, dict[str, int]] = field(default_factory=dict)
    relationships: dict[str, dict[str, int]] = field(default_factory=dict)
    #: every node and relationship the load created, updated or removed
    changes: Sequence[Change] = field(default_factory=list)
    #: tables whose files are the ones the graph's last load read, with no write since: not read again
    unchanged: list[str] = field(default_factory=list)
    #: per changed file, its rows the graph's last load held exactly (no write since): not checked again
    settled: dict[str, int] = field(default_factory=dict)
    #: how: "nothing" (no difference), "bulk" (a new graph in one step) or "statements"
    written: str = "nothing"
    #: ledger-form sheets (台账): sheet → table, personal columns dropped, rows set aside, names pseudonymized
    ledger: dict[str, list[str] | dict[str, str]] = field(default_factory=dict)

    def table(self) -> list[dict[str, Any]]:
        """One row per label and relationship type: created, updated, removed."""
        out = [
            {"item": k, "kind": "node", "created": v["created"], "updated": v["updated"], "removed": v["removed"]}
            for k, v in sorted(self.nodes.items())
        ]
        out += [{"item": k, "kind": "relationship", **v} for k, v in sorted(self.relationships.items())]
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


Converter = Callable[[str], tuple[Any, str | None]]


@functools.cache
def _converter(col: Column) -> Converter | None:
    """The (value, problem) function for one non-empty cell of ``col``; None: the text is the value."""
    if col.kind == "str":
        return None
    if col.kind == "enum":
        assert col.vocab is not None
        allowed = [v.value for v in col.vocab]
        known = frozenset(allowed)

        def enum(text: str) -> tuple[Any, str | None]:
            value = text.strip().lower()
            return (value, None) if value in known else (None, _vocab_hint(text, allowed))

        return enum
    if col.kind == "int":
        low, high = col.minimum, col.maximum

        def whole(text: str) -> tuple[Any, str | None]:
            try:
                value = int(text)
            except ValueError:
                try:
                    number = float(text.replace(",", ""))
                except ValueError:
                    return None, f"{text!r} is not a whole number"
                if not number.is_integer():
                    return None, f"{text!r} is not a whole number"
                value = int(number)
            if low is not None and value < low:
                return None, "negative count" if low == 0 else f"{value} is below {low}"
            if high is not None and value > high:
                return None, f"{value} is above {high}"
            return value, None

        return whole
    if col.kind == "bool":

        def boolean(text: str) -> tuple[Any, str | None]:
            lowered = text.strip().lower()
            if lowered in TRUE or lowered in FALSE:
                return lowered in TRUE, None
            return None, f"{text!r} is not a boolean (true/false/1/0/是/否)"

        return boolean
    if col.kind == "date":

        def date(text: str) -> tuple[Any, str | None]:
            try:
                return dt.date.fromisoformat(text.strip()).isoformat(), None
            except ValueError:
                return None, f"{text!r} is not a date (write YYYY-MM-DD)"

        return date
    raise AssertionError(col.kind)


def _check_rows(raw: RawTable, table: Table, problems: _Problems) -> Sequence[Row]:
    header_problems = len(problems.items)
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
    specs = [(c.name, c.required, _converter(c)) for c in table.columns]
    if len(problems.items) == header_problems and not problems.truncated:
        valid = _valid_rows(raw, table, specs)
        if valid is not None:
            return valid
    by_name = table.by_name
    keys = table.key
    what = "id" if keys == ("id",) else "pair"
    agreements = table.name == "agreements"
    rows: list[Row] = []
    first_seen: dict[tuple[Any, ...], int] = {}
    settled = raw.settled  # rows not read again: their keys count for duplicates (key columns are text)
    for number, cells in raw.rows:
        if cells.pop("\0overflow", None):
            problems.add(table.name, number, None, "more cells than the header has columns")
        values: dict[str, Any] = {}
        ok = True
        for name, required, convert in specs:
            text = cells.get(name)
            if text is None:
                if required:
                    problems.add(table.name, number, name, "missing required value")
                    ok = False
                values[name] = None
            elif convert is None:
                values[name] = text
            else:
                value, problem = convert(text)
                if problem:
                    problems.add(table.name, number, name, problem)
                    ok = False
                values[name] = value
        # (from the cells, not the header: a ledger-form translation may add columns)
        extras = {k: v for k, v in cells.items() if k not in by_name and k}
        key = tuple([values[k] for k in keys])
        if None not in key:
            shown = key[0] if len(key) == 1 else key
            if key in first_seen:
                problems.add(
                    table.name, number, keys[0], f"duplicate {what} {shown!r} (first on row {first_seen[key]})"
                )
                ok = False
            elif (key[0] if len(key) == 1 else key) in settled:
                other = settled[key[0] if len(key) == 1 else key]
                first, later = min(number, other), max(number, other)
                problems.add(table.name, later, keys[0], f"duplicate {what} {shown!r} (first on row {first})")
                ok = later != number
                first_seen[key] = number
            else:
                first_seen[key] = number
        if agreements:
            expires, signed = values.get("expires"), values.get("signed")
            if expires and signed and expires < signed:
                problems.add(table.name, number, "expires", f"expires {values['expires']} before it was signed")
        if ok:
            rows.append(Row(number, values, extras))
    return rows


def _valid_rows(raw: RawTable, table: Table, specs: list[tuple[str, bool, Converter | None]]) -> Rows | None:
    """Every row of ``raw``, typed, when all of them are valid; None when any is not.

    Checks column by column and converts each distinct text once (a province has millions of
    cells and a few thousand distinct counts, dates and vocabulary words). On None the caller
    checks row by row, which names every problem in the order of the rows.
    """
    cells = [c for _, c in raw.rows]
    if any("\0overflow" in c for c in cells):
        return None
    names = [name for name, _, _ in specs]
    columns: list[list[Any]] = []
    for name, _, convert in specs:
        texts = [c.get(name) for c in cells]
        if convert is not None:
            typed: dict[str | None, Any] = {None: None}
            for text in set(texts):
                if text is not None:
                    value, problem = convert(text)
                    if problem:
                        return None
                    typed[text] = value
            texts = [typed[t] for t in texts]
        columns.append(texts)
    by_column = dict(zip(names, columns, strict=True))
    if any(None in by_column[name] for name, required, _ in specs if required):
        return None
    keys = [by_column[k] for k in table.key]
    distinct = set(keys[0] if len(keys) == 1 else zip(*keys, strict=True))
    if len(distinct) != len(cells) or not distinct.isdisjoint(raw.settled):
        return None  # a duplicate id or pair (perhaps of a row not read again)
    dates = zip(by_column.get("expires", ()), by_column.get("signed", ()), strict=True)
    if table.name == "agreements" and any(e and s and e < s for e, s in dates):
        return None
    known = table.by_name.keys() | {""}
    extras = None
    if not all(c.keys() <= known for c in cells):
        extras = [{k: v for k, v in c.items() if k not in table.by_name and k} for c in cells]
    return Rows([number for number, _ in raw.rows], by_column, extras)


def _own_fields(table: Table) -> list[str]:
    """The model properties a table's rows set on their nodes (extra columns aside)."""
    refs = {c.name for c in table.columns if c.ref}
    fields = [c.name for c in table.columns if c.name != "id" and c.name not in refs]
    return [*fields, "name"] if table.name in _NAME_FROM_ID else fields


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
    """A validated roster, ready to compare with the graph and write."""

    #: (a first load's valid tables are :class:`Rows`, read column by column)
    tables: dict[str, Sequence[Row]]
    #: per table, the roster's ids that already exist in the graph → the properties the roster sets
    graph_nodes: dict[str, dict[str, dict[str, Any]]]
    #: resource id → "units" or "areas", for owners
    owner_table: dict[str, str]
    #: per table, document-made nodes the roster's rows take over: [{"doc": id, "keep": id}]
    adopt: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    #: nodes per label in the graph when it was checked
    label_totals: dict[str, int] = field(default_factory=dict)
    #: rows per table in the roster (``tables`` leaves out the settled ones)
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def existing(self) -> dict[str, set[str]]:
        """Ids per table that already exist in the graph."""
        return {name: set(found) for name, found in self.graph_nodes.items()}

    @property
    def graph_empty(self) -> bool:
        return not any(self.label_totals.values())


def validate(raw: RawRoster, backend: Backend, settled: dict[str, set[int]] | None = None) -> Plan:
    """Check every row against the roster and the graph; raise :class:`RosterInvalid` listing all problems.

    ``settled`` names rows (by table, spreadsheet row number) the graph is known to hold exactly
    (see :func:`load_roster`): they count for duplicates and as references, and are otherwise
    left out of the plan — nothing to check against the graph, nothing to write.
    """
    problems = _Problems()
    tables: dict[str, Sequence[Row]] = {}
    for name in ORDER:
        if name in raw.tables:
            tables[name] = _check_rows(raw.tables[name], TABLES[name], problems)
    if "areas" not in raw.tables:
        has_areas = backend.read("MATCH (a:Area) RETURN a.id AS id LIMIT 1").rows
        if not has_areas:
            hint = ""
            if not raw.tables and raw.ignored:  # nothing here was read: say what was not, and what reads
                hint = (
                    f"; no sheet or file is a roster table or a ledger (台账) sheet ({', '.join(raw.ignored[:5])}"
                    " not read): name them as 'pbgraph template' does (区域, 驻区单位 …) or as in the roster contract"
                )
            problems.add("areas", 1, None, "the areas table is required (the graph holds no areas yet)" + hint)
    if any(p.row == 1 for p in problems.items):
        # a table without a required column (or a missing table) loads none of its rows: checking the
        # references into it would only repeat that problem for every row that names one
        raise RosterInvalid(problems.items, problems.truncated)

    roster_ids = {name: set(column(rows, "id")) for name, rows in tables.items() if TABLES[name].label}
    areas = tables.get("areas", [])
    roster_levels = dict(zip(column(areas, "id"), column(areas, "level"), strict=True))
    row_counts = {name: len(rows) + len(raw.tables[name].settled) for name, rows in tables.items()}
    if settled:
        tables = {name: [r for r in rows if r.number not in settled.get(name, ())] for name, rows in tables.items()}

    # every id a roster row names, looked up in the graph once (where the graph has such nodes)
    named = {name for name in tables if TABLES[name].label}
    named |= {target for name in tables for col in TABLES[name].columns for target in col.ref}
    totals = {name: _label_count(backend, TABLE_LABEL[name].value) for name in sorted(named)}
    wanted: dict[str, set[str]] = {name: set() for name in totals}
    for name, rows in tables.items():
        if TABLES[name].label and totals[name]:
            wanted[name] |= set(column(rows, "id"))  # not the settled rows: nothing to compare
        for col in TABLES[name].columns:
            for target in col.ref:
                if totals[target]:
                    wanted[target] |= {v for v in column(rows, col.name) if v}
    in_graph: dict[str, dict[str, dict[str, Any]]] = {}
    for name, ids in wanted.items():
        own = name in tables
        fields = _own_fields(TABLES[name]) if own else (["level"] if name == "areas" else [])
        whole = own and bool(totals[name]) and _has_extras(tables[name])
        in_graph[name] = fetch_nodes(backend, TABLE_LABEL[name].value, ids, fields, whole, totals[name])
    levels = {**{k: v.get("level") for k, v in in_graph.get("areas", {}).items()}, **roster_levels}

    for r in tables.get("areas", []) if in_graph.get("areas") else []:
        old = in_graph.get("areas", {}).get(r.values["id"])
        if old and old.get("level") and old["level"] != r.values["level"]:
            problems.add(
                "areas",
                r.number,
                "level",
                f"area {r.values['id']!r} is a {old['level']} in the graph; a roster cannot change a level",
            )

    owner_table: dict[str, str] = {}
    for name, rows in tables.items():
        for col in TABLES[name].columns:
            if not col.ref or _references_resolve(name, col, rows, roster_ids, in_graph, levels):
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
    if any(totals.values()):  # the comparison reads each row several times: make them once
        tables = {name: rows if isinstance(rows, list) else list(rows) for name, rows in tables.items()}
    return Plan(
        tables=tables,
        graph_nodes={name: found for name, found in in_graph.items() if name in roster_ids},
        owner_table=owner_table,
        adopt=_adoptions(tables, backend),
        label_totals={TABLE_LABEL[name].value: n for name, n in totals.items()},
        row_counts=row_counts,
    )


def _references_resolve(
    name: str,
    col: Column,
    rows: list[Row],
    roster_ids: dict[str, set[str]],
    in_graph: dict[str, dict[str, dict[str, Any]]],
    levels: dict[str, Any],
) -> bool:
    """True when every id a single-table reference column names exists, at a level it may have:
    the usual case, checked per distinct id (else each row is checked, for the messages)."""
    if len(col.ref) != 1:
        return False
    refs = set(column(rows, col.name))
    refs.discard(None)
    graph = in_graph.get(col.ref[0], {})
    if not all(ref in graph for ref in refs - roster_ids.get(col.ref[0], set())):
        return False
    allowed = REF_LEVELS.get((name, col.name))
    return not allowed or all(levels.get(ref) in allowed for ref in refs)


def _label_count(backend: Backend, label: str) -> int:
    return int(backend.read(f"MATCH (n:{label}) RETURN count(n) AS n").rows[0][0])


def _check_cycles(rows: Sequence[Row], backend: Backend, problems: _Problems) -> None:
    """A roster parent that makes an area its own ancestor (through the roster or the graph)."""
    ids = column(rows, "id")
    roster_parent = dict(zip(ids, column(rows, "parent_id"), strict=True))
    number = dict(zip(ids, rows.numbers if isinstance(rows, Rows) else [r.number for r in rows], strict=True))
    parent: dict[str, str | None] = dict(roster_parent)
    # fetch graph parents lazily, one batch per level of the walk
    frontier = {p for p in roster_parent.values() if p and p not in parent}
    while frontier:
        fetched = _graph_parents(backend, frontier)
        for node in frontier:
            parent[node] = fetched.get(node)
        frontier = {p for p in fetched.values() if p and p not in parent}
    reported: set[str] = set()
    rooted: set[str] = set()  # areas whose ancestors end at a top: no cycle through them
    for start in roster_parent:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in on_path and node not in rooted:
            path.append(node)
            on_path.add(node)
            node = parent.get(node)
        if node is None or node in rooted:
            rooted.update(path)
            continue
        if node != start:
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


#: Per table, the columns that are not node properties: the id and the references (relationships).
_NOT_PROPS = {t.name: frozenset(["id", *(c.name for c in t.columns if c.ref)]) for t in TABLES.values()}


def _node_props(table: Table, row: Row) -> dict[str, Any]:
    skip = _NOT_PROPS[table.name]
    props = {k: v for k, v in row.values.items() if k not in skip}
    props.update(row.extras)
    if table.name in _NAME_FROM_ID:
        props["name"] = row.extras.get("name") or row.values["id"]
    return props


@dataclass
class _Step:
    """A statement and what its counters mean in the report."""

    statement: Statement
    item: str
    kind: str  # node | rel-create | node-remove


def diff_plan(plan: Plan, backend: Backend, *, replace: bool = False) -> Diff:
    """What writing ``plan`` changes in the graph as it is now (see :mod:`.roster_diff`)."""
    diff = Diff()
    for name in ORDER:
        if name not in plan.tables:
            continue
        rows = plan.tables[name]
        if TABLES[name].label is not None:
            _diff_nodes(plan, name, rows, backend, replace, diff)
            for link in (lk for lk in LINKS if lk.table == name):
                _diff_link(plan, link, rows, backend, diff)
        elif name in PAIRS:
            _diff_pairs(plan, name, rows, backend, replace, diff)
    return diff


def _diff_nodes(plan: Plan, name: str, rows: list[Row], backend: Backend, replace: bool, diff: Diff) -> None:
    table = TABLES[name]
    assert table.label is not None
    label = table.label.value
    graph = plan.graph_nodes.get(name, {})
    # both labels at once for areas (a roster cannot change an existing area's level: validated),
    # created level by level, in the order of the levels' names
    by_level = (
        {lv: (label, Level(lv).label.value) for lv in sorted({r.values["level"] for r in rows})}
        if (table.label is Label.AREA)
        else {}
    )
    for labels in by_level.values():
        diff.node_creates.setdefault(labels, [])
    own = diff.node_creates[(label,)] if not by_level else None
    for r in rows:
        node_id = r.values["id"]
        props = _node_props(table, r)
        have = graph.get(node_id)
        if have is None:
            group = own if own is not None else diff.node_creates[by_level[r.values["level"]]]
            group.append((node_id, {k: v for k, v in props.items() if v is not None}))
            diff.changes.append(Change("created", label, node_id))
            continue
        changed = changed_keys(props, have)
        if changed:
            diff.node_updates[label].append({"id": node_id, "props": changed})
            diff.changes.append(Change("updated", label, node_id, tuple(changed)))
    if replace:
        keep = {r.values["id"] for r in rows}
        # nodes a document mentions stay: they are evidence, not roster data
        res = backend.read(
            f"MATCH (n:{label}) OPTIONAL MATCH (n)-[m:MENTIONED_IN]->() "
            "OPTIONAL MATCH (s:Statement)-[:ABOUT]->(n) "
            "WITH n, count(m) + count(s) AS evidence WHERE evidence = 0 RETURN n.id AS id"
        )
        for gone in sorted({r[0] for r in res.rows} - keep):
            diff.node_removes[label].append(gone)
            diff.changes.append(Change("removed", label, gone))


def _diff_link(plan: Plan, link: Link, rows: list[Row], backend: Backend, diff: Diff) -> None:
    """Each row's node keeps exactly one relationship of the link's type: to the node its cell names."""
    table = TABLES[link.table]
    assert table.label is not None
    label, rel = table.label.value, link.rel.value
    props = [p for p, _ in link.props]
    existing = set(plan.graph_nodes.get(link.table, {}))
    have: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    for target in (TABLE_LABEL[t].value for t in table.by_name[link.column].ref):
        arrow = f"(x:{target})-[e:{rel}]->(n:{label}@)", f"(n:{label}@)-[e:{rel}]->(x:{target})"
        pattern = arrow[0] if link.incoming else arrow[1]
        total = plan.label_totals.get(label, 0)
        for node_id, ends in fetch_edges(backend, pattern, existing, total, props).items():
            have[node_id] += [(target, other, eprops) for other, eprops in ends]

    def key(node_id: str, target: str, other: str) -> tuple[tuple[str, str, str], dict[str, Any]]:
        if link.incoming:
            return (rel, target, label), {"a": other, "b": node_id}
        return (rel, label, target), {"a": node_id, "b": other}

    refs = table.by_name[link.column].ref
    labels = {t: TABLE_LABEL[t].value for t in refs}
    none: dict[str, Any] = {}
    edges = {t: (rel, t, label) if link.incoming else (rel, label, t) for t in labels.values()}
    creates, changes = diff.edge_creates, diff.changes
    for r in rows:
        values = r.values
        node_id, ref = values["id"], values[link.column]
        target = labels[plan.owner_table.get(node_id, refs[0])] if len(refs) > 1 else labels[refs[0]]
        wanted = {p: values[c] for p, c in link.props} if link.props else none
        found = False
        if node_id not in have:  # a new node, or none of these relationships yet: the common case
            if ref is not None:
                a, b = (ref, node_id) if link.incoming else (node_id, ref)
                creates[edges[target]].append((a, b, present(wanted) if wanted else wanted))
                changes.append(Change("created", rel, f"{a} → {b}", (), "relationship"))
            continue
        for other_label, other, eprops in have[node_id]:
            if other_label == target and other == ref:
                if not found:
                    changed = changed_keys(wanted, eprops)
                    if changed:
                        edge, ends = key(node_id, target, ref)
                        diff.edge_updates[edge].append({**ends, "props": changed})
                        diff.changes.append(
                            Change("updated", rel, f"{ends['a']} → {ends['b']}", tuple(changed), "relationship")
                        )
                found = True
                continue
            edge, ends = key(node_id, other_label, other)
            diff.edge_removes[edge].append(ends)
            diff.changes.append(Change("removed", rel, f"{ends['a']} → {ends['b']}", kind="relationship"))
        if ref is not None and not found:
            edge, ends = key(node_id, target, ref)
            diff.edge_creates[edge].append((ends["a"], ends["b"], present(wanted) if wanted else wanted))
            diff.changes.append(Change("created", rel, f"{ends['a']} → {ends['b']}", kind="relationship"))


def _diff_pairs(plan: Plan, name: str, rows: list[Row], backend: Backend, replace: bool, diff: Diff) -> None:
    src_col, rel_type, dst_col, prop_cols = PAIRS[name]
    table, rel = TABLES[name], rel_type.value
    src = TABLE_LABEL[table.by_name[src_col].ref[0]].value
    dst = TABLE_LABEL[table.by_name[dst_col].ref[0]].value
    props = [p for p, _ in prop_cols]
    starts = None if replace else {r.values[src_col] for r in rows}
    total = plan.label_totals.get(src, 0)
    have = fetch_edges(backend, f"(n:{src}@)-[e:{rel}]->(x:{dst})", starts, total, props)
    graph_pairs = {(a, b): eprops for a, ends in have.items() for b, eprops in ends}
    keep: set[tuple[str, str]] = set()
    for r in rows:
        pair = (r.values[src_col], r.values[dst_col])
        keep.add(pair)
        wanted = {p: r.values.get(c) for p, c in prop_cols}
        ends = {"a": pair[0], "b": pair[1]}
        if pair not in graph_pairs:
            diff.edge_creates[(rel, src, dst)].append((pair[0], pair[1], present(wanted)))
            diff.changes.append(Change("created", rel, f"{pair[0]} → {pair[1]}", kind="relationship"))
            continue
        changed = changed_keys(wanted, graph_pairs[pair])
        if changed:
            diff.edge_updates[(rel, src, dst)].append({**ends, "props": changed})
            diff.changes.append(Change("updated", rel, f"{pair[0]} → {pair[1]}", tuple(changed), "relationship"))
    if replace:
        for a, b in sorted(set(graph_pairs) - keep):
            diff.edge_removes[(rel, src, dst)].append({"a": a, "b": b})
            diff.changes.append(Change("removed", rel, f"{a} → {b}", kind="relationship"))


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
        # the document-made nodes are few: read them all, match in Python (a lookup per roster
        # row by name ran for minutes on a populated graph)
        made = backend.read(
            f"MATCH (d:{label.value}) WHERE d.id STARTS WITH '{prefix}' "
            f"RETURN d.id, d.name, d.{prop}, [(d)-[:PART_OF]->(p) | p.name]"
        ).rows
        if not made:
            continue
        by_name: dict[tuple[Any, Any], list[str]] = defaultdict(list)
        for r in rows:
            by_name[(r.values["name"], r.values[prop])].append(r.values["id"])
        found = [(rid, doc_id, parents) for doc_id, n, v, parents in made for rid in by_name.get((n, v), [])]
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
    before_write: Callable[[bool], None] | None = None,
) -> LoadReport:
    """Write what differs between a validated roster and the graph, as one atomic unit; report it.

    ``before_write(writing)`` is called once the difference is known, just before it is
    written (``writing`` False: nothing differs, nothing will be written).

    Nothing differs: nothing is written. An empty graph and an engine with a bulk facility:
    the whole graph is built in one step (:meth:`Backend.create_graph`). Otherwise the
    difference goes through :meth:`Backend.write_all`, all or nothing.
    """
    adopt = _adopt_steps(plan)
    if plan.graph_empty and not adopt and backend.bulk_create:  # everything is new: nothing to compare
        built = new_graph(plan)
        report = LoadReport(path="", changes=built.changes)
        counts = built.changes.counts()
        report.nodes, report.relationships = counts["node"], counts["relationship"]
        _zero_counts(report, plan.tables)
        if before_write:
            before_write(bool(built.changes))
        if not built.changes:
            return report
        if backend.create_graph(built.nodes, built.relationships, progress=progress):
            report.written = "bulk"
            return report
        del built  # not empty after all, or values the bulk format cannot carry: compare and write statements
    diff = diff_plan(plan, backend, replace=replace)
    report = LoadReport(path="", changes=diff.changes)
    report.nodes, report.relationships = diff.counts()
    _zero_counts(report, plan.tables)
    if before_write:
        before_write(not (diff.empty and not adopt))
    if diff.empty and not adopt:
        return report
    report.written = "statements"
    steps = [_Step(st, item, "diff") for st, item in diff.statements(batch_size)] + adopt
    total = len(steps)
    # a few rows (a monthly resubmission's changes): applied to the graph itself, not to a copy of it
    # (a copy costs what the graph is big: for a difference much smaller than the graph)
    in_place = len(diff.changes) <= min(IN_PLACE_MAX, sum(plan.label_totals.values()) // 10) and not adopt
    summary = backend.write_all(
        [s.statement for s in steps],
        progress=(lambda done: progress(done, total)) if progress else None,
        in_place=in_place,
    )
    if in_place:
        return report  # only diff steps: the report's counts are the difference's
    for step, stats in zip(steps, summary.per_statement, strict=True):
        if step.kind in ("node", "node-remove"):
            entry = report.nodes.setdefault(step.item, {"created": 0, "updated": 0, "removed": 0})
            entry["created"] += stats.get("nodes_created", 0)
            entry["removed"] += stats.get("nodes_deleted", 0)
        elif step.kind == "rel-create":
            entry = report.relationships.setdefault(step.item, {"created": 0, "updated": 0, "removed": 0})
            entry["created"] += stats.get("relationships_created", 0)
            entry["removed"] += stats.get("relationships_deleted", 0)
    return report


def _row_digests(table: RawTable) -> dict[int, str]:
    """A digest of each row (16 hex digits), by spreadsheet row number: of its text in a CSV file
    (the reader's), of its cells in a workbook."""
    if table.digests:
        return table.digests
    return {number: row_digest("\x1f".join([v or "" for v in cells.values()])) for number, cells in table.rows}


def _known(last: dict[str, Any]) -> dict[str, KnownRows]:
    """Per table, the header and row digests the graph's last load left (see :class:`KnownRows`)."""
    known = {}
    for name, old in last.items():
        blob = old.get("digests")
        if blob and old.get("header"):
            known[name] = KnownRows(old["header"], frozenset(re.findall(".{16}", blob)))
    return known


def _settled(raw: RawRoster, rows_read: dict[str, dict[int, str]], known: dict[str, KnownRows]) -> dict[str, set[int]]:
    """Rows the last load read, unchanged, under the same header: the graph holds exactly what they say."""
    settled: dict[str, set[int]] = {}
    for name, digests in rows_read.items():
        old = known.get(name)
        if old is None or old.header != header_digest(raw.tables[name].header):
            continue
        # (the rows a CSV reader left unread are not in the table: nothing to look up for them)
        settled[name] = {number for number, _ in raw.tables[name].rows if digests[number] in old.digests}
    return settled


def _zero_counts(report: LoadReport, tables: Iterable[str]) -> None:
    """List every label and relationship type the tables describe in the report, changed or not."""
    for name in tables:
        label = TABLES[name].label
        if label is not None:
            report.nodes.setdefault(label.value, {"created": 0, "updated": 0, "removed": 0})
        types = [lk.rel for lk in LINKS if lk.table == name] + ([PAIRS[name][1]] if name in PAIRS else [])
        for rel in types:
            report.relationships.setdefault(rel.value, {"created": 0, "updated": 0, "removed": 0})


#: The key under which a load leaves, for the next one, which files the graph now reflects.
_MEMO = "roster-files"


def load_roster(
    path: str | Path,
    backend: Backend,
    *,
    replace: bool = False,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    stage: Callable[[str], None] | None = None,
) -> LoadReport:
    """Read, validate and load the roster at ``path`` (a CSV folder or an .xlsx workbook).

    ``stage(name)`` is told when each step begins (reading, checking, comparing, writing);
    ``progress(done, total)`` counts the write's engine calls.

    Raises :class:`RosterInvalid` (naming every problem) and writes nothing when any
    row is invalid. Only what differs from the graph is written.

    A shortcut for the monthly resubmission: on the embedded engine, each load leaves the
    digests of the files and rows it loaded (:meth:`Backend.remember`). When nothing was
    written since (:meth:`Backend.recall` says so), the graph still holds exactly what they
    wrote: a file with the same digest is not read again, and a row with the same digest
    (same header) only counts for duplicates and references — only the other rows are
    compared with the graph. Any other write, ``--replace``, or another engine: every row is
    compared with the graph.
    """
    # millions of rows become millions of small acyclic objects: the cyclic collector would
    # rescan the growing heap over and over (a third of a first load's time)
    with gc_paused():
        return _load_roster(path, backend, replace=replace, progress=progress, batch_size=batch_size, stage=stage)


def _load_roster(
    path: str | Path,
    backend: Backend,
    *,
    replace: bool,
    progress: Callable[[int, int], None] | None,
    batch_size: int,
    stage: Callable[[str], None] | None,
) -> LoadReport:
    say = stage or (lambda name: None)
    say("reading")
    digests = fingerprints(path)
    # compared and written under the writer lock (where the engine has one): the graph cannot
    # change between the comparison and the write
    with backend.writer():
        last = json.loads(backend.recall(_MEMO) or "{}") if not replace else {}
        sources = last.get("sources", {})
        unchanged = {key for key, digest in digests.items() if sources.get(key) == digest}
        known = _known({k: v for k, v in last.get("tables", {}).items() if k not in unchanged})
        if "*" in unchanged:  # the same workbook
            skipped = set(last.get("tables", {}))
            raw = RawRoster(str(path))
        else:
            skipped = unchanged
            # of a changed file, only the rows the graph does not hold already are parsed and checked
            raw = read_roster(path, skip=skipped, known=known)
        say("checking")
        ledger = None
        rows_read: dict[str, dict[int, str]] = {}  # per table, each row's digest (kept for the next load)
        read_tables = raw.tables
        held: dict[str, set[int]] = {}  # a ledger's rows that translate as the last load's did
        if raw.ledger:  # sheets in ledger form (台账): translated to these tables first
            from .ledgers import validate_ledger

            def settle(translated: RawRoster) -> dict[str, set[int]]:
                # a resubmitted ledger: rows that translate as the last load's did are held already
                # (the translated tables include the sheets in today's form)
                nonlocal read_tables
                read_tables = translated.tables
                rows_read.update({name: _row_digests(table) for name, table in translated.tables.items()})
                held.update(_settled(translated, rows_read, known))
                return held

            plan, ledger = validate_ledger(raw, backend, settle)
        else:
            rows_read.update({name: _row_digests(table) for name, table in raw.tables.items()})
            plan = validate(raw, backend, _settled(raw, rows_read, known))
        tables = {name: last.get("tables", {}).get(name, {"rows": 0, "encoding": ""}) for name in skipped}
        for name, rows in plan.tables.items():
            read, source = read_tables.get(name), raw.tables.get(name)  # (a ledger's: as translated)
            tables[name] = {"rows": plan.row_counts.get(name, len(rows)), "encoding": source.encoding if source else ""}
            if read is not None:
                tables[name].update(header=header_digest(read.header), digests="".join(rows_read[name].values()))
        memo = json.dumps({"sources": digests, "tables": tables})

        def before_write(writing: bool) -> None:
            # kept before the write (valid only once it commits), so the log compaction that
            # follows a write takes it into its snapshot
            backend.remember(_MEMO, memo, after_write=writing)
            say("writing" if writing else "nothing to write")

        say("comparing with the graph")
        report = load_plan(
            plan, backend, replace=replace, progress=progress, batch_size=batch_size, before_write=before_write
        )
    _zero_counts(report, skipped)
    report.path = str(path)
    report.unchanged = sorted(skipped)
    report.encodings = {name: t["encoding"] for name, t in tables.items() if t["encoding"]}
    report.ignored = raw.ignored
    report.rows = {name: t["rows"] for name, t in tables.items()}
    report.settled = {name: len(t.settled) for name, t in raw.tables.items() if t.settled}
    report.settled |= {name: len(rows) for name, rows in held.items() if rows}
    if ledger is not None:
        report.ledger = ledger.as_dict()
        if replace and report.ledger.get("absent"):  # not kept: this load removed them
            report.ledger["replaced"] = report.ledger.pop("absent")
        report.encodings = {**ledger.encodings, **report.encodings}
    return report
