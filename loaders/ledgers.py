"""Translate ledger-form sheets (台账) into pbgraph's own roster tables, then validate with the one validator.

A department's sheet names rows by name, not id: ``所属社区: 和平社区``, or
``新华街道/和平社区`` where two 和平社区 exist. This module resolves every such
name against the workbook (first) and the graph (else), derives each row's id
from its name path (stable across loads), turns Chinese words and dates into
the contract's values and hands the result to :func:`.rosters.validate` —
mapping every problem back to the sheet, spreadsheet row and header the
department wrote. Personal columns never get this far (:mod:`.ledger_sheets`
drops them); names of grid workers and members become stable pseudonyms.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from operator import itemgetter
from typing import Any

from pbgraph.graph import Backend, gc_paused
from pbgraph.graph.backends.base import batched

from .ledger_ids import derive_id, pseudonym
from .ledger_sheets import SEAT_FIELD, LedgerSheet
from .ledger_vocab import (
    _FULL_WIDTH,
    CATEGORY_WORDS,
    CHOICES,
    LEDGER_TABLES,
    LedgerField,
    boolean,
    fold,
    normalize,
    parse_date,
    word,
)
from .roster_files import RawRoster, RawTable, _cell
from .roster_tables import REF_LEVELS, TABLES
from .rosters import MAX_PROBLEMS, Plan, RosterInvalid, RosterProblem, validate

#: Tables whose rows other rows refer to by name, and what their "parent" in a name path is.
NAMED = ("areas", "orgs", "units", "resources", "demands")
_PARENT_FIELD = SEAT_FIELD
_PARENT_COLUMN = {
    "areas": "parent_id",
    "orgs": "area_id",
    "units": "area_id",
    "resources": "owner_id",
    "demands": "area_id",
}
_SEPARATORS = re.compile(r"\s*[/／]\s*")
_ODD = re.compile("[\\s／\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000]")
#: Above this many same-named candidates, a qualified name's are first narrowed to those with the
#: rarest of its parents among their ancestors, through a per-name index (:meth:`_narrow`).
_WIDE = 16
#: Above this many same-named rows, a name path is looked up by its end in an index of their paths'
#: ends (a province has dozens of 和平社区 and of 第1网格, each looked up by many rows).
_FEW = 4
_UNKNOWN = re.compile(r"reference to unknown [a-z ]+ id '([a-z]+-[0-9a-f]{12})' \(not in the roster nor in the graph\)")
_TWIN = re.compile(r"duplicate id '(?:wkr|mem)-[0-9a-f]{12}' \(first on row (\d+)\)")
_DERIVED = re.compile(r"'((?:area|org|unit|res|dem|prj|agr|wkr|mem)-[0-9a-f]{12})'")


@dataclass(eq=False, slots=True)
class Entity:
    """Something a name can point at: a workbook row or a graph node."""

    table: str
    name: str
    id: str | None = None
    parent: Entity | None = None
    level: str | None = None
    #: parent reference still to resolve (areas), or None
    pending: str | None = None
    cached: tuple[str, ...] | None = field(default=None, repr=False)

    def known(self) -> bool:
        if self.cached is not None:  # a path is cached once it is final
            return True
        e, hops = self, 0
        while e is not None and hops < 40:
            if e.pending is not None:
                return False
            e, hops = e.parent, hops + 1
        return True

    def path(self) -> tuple[str, ...]:
        if self.cached is not None:
            return self.cached
        out: list[str] = []
        e: Entity | None = self
        seen: set[int] = set()
        while e is not None and id(e) not in seen:
            seen.add(id(e))
            out.append(e.name)
            e = e.parent
        return tuple(reversed(out))

    def freeze(self) -> None:
        """Remember the path of this entity and of its ancestors (their parents are settled)."""
        chain: list[Entity] = []
        e: Entity | None = self
        seen: set[int] = set()
        while e is not None and e.cached is None and id(e) not in seen:
            seen.add(id(e))
            chain.append(e)
            e = e.parent
        if e is not None and e.cached is None:  # a parent cycle (reported by the validator)
            for x in chain:
                x.cached = x.path()
            return
        base = e.cached if e is not None else ()
        for x in reversed(chain):
            base = (*base, x.name)
            x.cached = base

    def shown(self) -> str:
        return "/".join(self.path())


@dataclass
class _Origin:
    sheet: str
    row: int
    headers: dict[str, str]


class _Origins:
    """Where each translated row of a table came from: runs of one sheet's rows, by sequence number."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.runs: list[tuple[str, list[int], dict[str, str]]] = []

    def add(self, start: int, sheet: str, numbers: list[int], headers: dict[str, str]) -> None:
        if numbers:
            self.starts.append(start)
            self.runs.append((sheet, numbers, headers))

    def get(self, seq: int) -> _Origin | None:
        i = bisect_right(self.starts, seq) - 1
        if i < 0:
            return None
        sheet, numbers, headers = self.runs[i]
        k = seq - self.starts[i]
        return _Origin(sheet, numbers[k], headers) if k < len(numbers) else None

    def sheets(self) -> set[str]:
        return {sheet for sheet, _, _ in self.runs}


@dataclass
class LedgerReport:
    """What the ledger front end did besides translating: said in the load report."""

    sheets: dict[str, str] = field(default_factory=dict)  # sheet → table
    dropped: list[str] = field(default_factory=list)  # "sheet: header"
    skipped: list[str] = field(default_factory=list)  # "sheet row N (…)"
    pseudonymized: list[str] = field(default_factory=list)
    #: "sheet: header" of columns pbgraph does not know, kept as properties (a misspelt header shows here)
    kept: list[str] = field(default_factory=list)
    #: "sheet: header (n cells)" of kept columns whose mobile or ID numbers were removed
    masked: list[str] = field(default_factory=list)
    #: rows of earlier ledgers in the graph that this one does not name (kept; ``--replace`` removes them)
    absent: list[str] = field(default_factory=list)
    #: table → how its ledger sheets were read (xlsx, utf-8, gb18030)
    encodings: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheets": self.sheets,
            "dropped": self.dropped,
            "skipped": self.skipped,
            "pseudonymized": self.pseudonymized,
            "kept": self.kept,
            "masked": self.masked,
            "absent": self.absent,
        }


class _Translator:
    def __init__(self, raw: RawRoster, backend: Backend) -> None:
        self.raw = raw
        self.backend = backend
        self.problems: list[RosterProblem] = []
        self.bad_cells: set[tuple[str, int, str | None]] = set()
        self.index: dict[str, dict[str, list[Entity]]] = {t: defaultdict(list) for t in NAMED}
        self.graph_index: dict[str, dict[str, list[Entity]]] = {t: defaultdict(list) for t in NAMED}
        self.wide: dict[tuple[str, str, bool], dict[str, list[Entity]]] = {}
        #: (sheet index, row) → the row's entity
        self.own: dict[tuple[int, int], Entity] = {}
        #: table → its rows' (key, entity), in sheet and row order
        self.own_by_table: dict[str, list[tuple[tuple[int, int], Entity]]] = defaultdict(list)
        self.report = LedgerReport()
        self.suffixes: dict[tuple[str, str, int, bool], dict[tuple[str, ...], list[Entity]]] = {}
        self.converted: dict[tuple[str, str, Any], tuple[Any, str | None]] = {}
        self.ticked: dict[tuple[int, str], bool] = {}
        self.quick_memo: dict[tuple[str, str, frozenset[str] | None], Entity] = {}
        self.memo: dict[tuple[str, tuple[str, ...], frozenset[str] | None], tuple[Entity | None, str | None]] = {}
        #: the candidate whose unknown path made the last waiting :meth:`resolve` wait
        self.waits_on: Entity | None = None

    # -- problems ---------------------------------------------------------------------

    def problem(self, sheet: LedgerSheet, row: int, f: str | None, reason: str) -> None:
        header = None
        if f is not None:
            header = _seat_header(sheet, row, f) or sheet.headers.get(f) or _first_header(sheet.table, f)
        cell = (sheet.sheet, row, header)
        if cell in self.bad_cells:
            return
        self.bad_cells.add(cell)
        self.problems.append(RosterProblem(sheet.sheet, row, header, reason))

    # -- names ------------------------------------------------------------------------

    def _candidates(self, tables: tuple[str, ...], name: str) -> list[Entity]:
        """Workbook rows named ``name`` (else graph nodes); the index's own list when there is one table."""
        for index in (self.index, self.graph_index):
            lists = [index[t][name] for t in tables if name in index[t]]
            if lists:
                return lists[0] if len(lists) == 1 else [e for found in lists for e in found]
        return []

    def _tight(self, tables: tuple[str, ...], parts: tuple[str, ...]) -> list[Entity]:
        """Settled entities whose path ends with exactly ``parts`` (workbook first, else graph).

        Only entities with the name itself can match: a few are compared directly, a common name
        (1号楼党小组) gets a suffix index of its own, built once.
        """
        k, name = len(parts), parts[-1]
        if len(tables) == 1:  # the usual look-up: one table, the name among the workbook's rows
            same = self.index[tables[0]].get(name)
            if same:
                if len(same) <= _FEW:
                    return [e for e in same if e.cached is not None and e.cached[-k:] == parts]
                by_suffix = self.suffixes.get((tables[0], name, k, False))
                if by_suffix is not None:
                    return by_suffix.get(parts) or []
        for graph in (False, True):
            index = self.graph_index if graph else self.index
            found: list[Entity] | None = None
            for t in tables:
                same = index[t].get(name)
                if not same:
                    continue
                if len(same) <= _FEW:
                    hit = [e for e in same if e.cached is not None and e.cached[-k:] == parts]
                else:
                    key = (t, name, k, graph)
                    by_suffix = self.suffixes.get(key)
                    if by_suffix is None:
                        by_suffix = self.suffixes[key] = defaultdict(list)
                        for e in same:
                            if e.cached is not None:
                                by_suffix[e.cached[-k:]].append(e)
                    hit = by_suffix.get(parts)
                if hit:
                    found = hit if found is None else found + hit
            if found:
                return found
            if not graph and any(name in self.index[t] for t in tables):
                return []
        return []

    def _narrow(self, tables: tuple[str, ...], name: str, quals: tuple[str, ...], cands: list[Entity]) -> list[Entity]:
        """Candidates with the rarest of ``quals`` among their ancestors, through a per-name index when many."""
        if len(cands) <= _WIDE:
            return cands
        graph = not any(name in self.index[t] for t in tables)
        indexes = []
        for t in tables:
            key = (t, name, graph)
            if key not in self.wide:
                by_anc: dict[str, list[Entity]] = defaultdict(list)
                for e in (self.graph_index if graph else self.index)[t].get(name, ()):
                    for anc in set(e.path()[:-1]):
                        by_anc[anc].append(e)
                self.wide[key] = by_anc
            indexes.append(self.wide[key])
        rarest = min(quals, key=lambda q: sum(len(ix.get(q, ())) for ix in indexes))
        found = [ix[rarest] for ix in indexes if rarest in ix]
        return found[0] if len(found) == 1 else [e for lst in found for e in lst]

    def quick(self, text: str, table: str, levels: frozenset[str] | None = None) -> Entity | None:
        """The one workbook row of ``table`` that ``text`` names exactly, or None (then ask :meth:`resolve`).

        The common case, and as :meth:`resolve` decides it: a name the workbook holds once, written
        alone or under its parents (新华街道/和平社区), or a common name under parents that leave
        one row (1号楼党小组 under its grid). Level hints only choose among several candidates.
        """
        key = (text, table, levels)
        found = self.quick_memo.get(key)  # a parent or a community is written on many rows
        if found is None:
            found = self._quick(text, table, levels)
            if found is not None:  # (a miss may hit later, once paths are settled)
                self.quick_memo[key] = found
        return found

    def _quick(self, text: str, table: str, levels: frozenset[str] | None) -> Entity | None:
        parts = name_parts(text)
        same = self.index[table].get(parts[-1]) if parts else None
        if not same:
            return None  # (a name the workbook does not hold: graph nodes are for :meth:`resolve`)
        if len(parts) == 1:
            return same[0] if len(same) == 1 else None
        hit = self._tight((table,), parts)  # the same look-up :meth:`resolve` starts with
        if len(hit) != 1 or (len(same) > 1 and levels and hit[0].level not in levels):
            return None
        return hit[0]

    def resolve(
        self, text: str, tables: tuple[str, ...], levels: frozenset[str] | None = None, *, wait: bool = False
    ) -> tuple[Entity | None, str | None]:
        """(entity, None), (None, reason), or (None, None) when ``wait`` and a candidate's path is not known yet."""
        if wait:
            return self._resolve(text, tables, levels, wait=True)
        key = (text, tables, levels)
        hit = self.memo.get(key)
        if hit is None:  # most names are written many times (a community, its units' rows…)
            hit = self.memo[key] = self._resolve(text, tables, levels)
        return hit

    def _resolve(
        self, text: str, tables: tuple[str, ...], levels: frozenset[str] | None, *, wait: bool = False
    ) -> tuple[Entity | None, str | None]:
        parts = name_parts(text)
        if not parts:
            return None, "empty name"
        name, quals = parts[-1], parts[:-1]
        cands = self._candidates(tables, name) if wait else None
        # fast path: the name right under the parents written (新华街道/和平社区); when waiting, only
        # once every candidate's path is final (then it decides as the slow path would)
        if quals and (cands is None or all(e.cached is not None for e in cands)):
            tight = self._tight(tables, parts)
            if len(tight) == 1 and (not levels or tight[0].level in levels):
                return tight[0], None
        if cands is None:
            cands = self._candidates(tables, name)
        if not cands:
            what = " or ".join(_WHAT[t] for t in tables)
            return None, f"no {what} named {name!r} in this workbook or in the graph"
        if quals:
            if not wait:
                cands = self._narrow(tables, name, quals, cands)
            if wait and self._unknown(cands):
                return None, None
            cands = [e for e in cands if _subsequence(quals, e.path()[:-1])]
            if not cands:
                return None, f"no {name!r} under {'/'.join(quals)} (in this workbook or in the graph)"
        if levels and len(cands) > 1:
            cands = [e for e in cands if e.level in levels] or cands
        if len(cands) > 1 and quals:  # 光明社区/X: the X right under 光明社区 before one further down
            tight = [e for e in cands if e.known() and e.path()[-len(parts) :] == tuple(parts)]
            cands = tight if len(tight) == 1 else cands
        if len(cands) == 1:
            return cands[0], None
        if wait and self._unknown(cands):
            return None, None
        return None, _ambiguous(text, len(parts), cands)

    def _unknown(self, cands: list[Entity]) -> bool:
        """Whether a candidate's path is not known yet; the first such is kept in :attr:`waits_on`."""
        for e in cands:
            if not e.known():
                self.waits_on = e
                return True
        return False

    # -- the steps --------------------------------------------------------------------

    def run(self) -> RawRoster:
        sheets = self.raw.ledger
        for sheet in sheets:
            self.report.sheets[sheet.sheet] = sheet.table
            self.report.encodings[sheet.table] = sheet.encoding
            self.report.dropped += [f"{sheet.sheet}: {h}" for h in sheet.dropped]
            self.report.skipped += [f"{sheet.sheet} {s}" for s in sheet.skipped]
            self.report.kept += [f"{sheet.sheet}: {x}" for x in sheet.extras]
            self.report.masked += [f"{sheet.sheet}: {x}" for x in sheet.masked]
            for row, header, reason in sheet.problems:
                self.problems.append(RosterProblem(sheet.sheet, row, header, reason))
            self._check_columns(sheet)
        if self.problems:
            raise RosterInvalid(self.problems)
        self._index_canonical()
        for si, sheet in enumerate(sheets):
            if sheet.table in NAMED:
                self._index_own(si, sheet)
        self._fetch_graph()
        self._resolve_areas()
        for table in ("orgs", "units", "resources", "demands"):
            self._resolve_parents(table)
        return self._tables()

    def _check_columns(self, sheet: LedgerSheet) -> None:
        spec = LEDGER_TABLES[sheet.table]
        for f in spec.fields:
            if f.field in sheet.headers or f.kind in ("id", "person"):
                continue
            if TABLES[sheet.table].by_name.get(f.canonical) and TABLES[sheet.table].by_name[f.canonical].required:
                written = ", ".join(sheet.headers.values()) or "none recognised"
                self.problems.append(
                    RosterProblem(
                        sheet.sheet,
                        sheet.header_row,
                        f.headers[0],
                        f"missing column {'/'.join(f.headers)} (headers found: {written})",
                    )
                )

    def _index_canonical(self) -> None:
        """Rows of today's-form sheets, so ledger sheets may name them."""
        by_id: dict[str, dict[str, Entity]] = {}
        parents: list[tuple[Entity, str, tuple[str, ...]]] = []
        for table in NAMED:
            raw = self.raw.tables.get(table)
            if raw is None:
                continue
            by_id[table] = {}
            for _, cells in raw.rows:
                if not cells.get("id") or not cells.get("name"):
                    continue
                level = cells.get("level") or cells.get("kind") or cells.get("sector")
                e = Entity(table, fold(cells["name"]), cells["id"], level=level)
                by_id[table][cells["id"]] = e
                self.index[table][e.name].append(e)
                ref = cells.get(_PARENT_COLUMN[table])
                if ref:
                    parents.append((e, ref, TABLES[table].by_name[_PARENT_COLUMN[table]].ref))
        for e, ref, targets in parents:
            e.parent = next((by_id[t][ref] for t in targets if ref in by_id.get(t, {})), None)

    def _index_own(self, si: int, sheet: LedgerSheet) -> None:
        table = sheet.table
        level_field = {"areas": "level", "orgs": "kind", "units": "sector"}.get(table)
        vocab = LEDGER_TABLES[table].fields[1].vocab or ""
        levels: dict[Any, str | None] = {None: None}  # each distinct level word looked up once
        parent_field = _PARENT_FIELD[table]
        index, own, mine = self.index[table], self.own, self.own_by_table[table]
        values = [v for _, v in sheet.rows]
        names, parents = _column_of(values, "name"), _column_of(values, parent_field)
        raw_levels = _column_of(values, level_field) if level_field else [None] * len(values)
        # names to fold (full-width forms) are rare: look for them once in the whole column
        folding = any(n.__class__ is not str for n in names) or bool(_FULL_WIDTH.search("".join(names)))
        for (number, _), raw, raw_parent, raw_level in zip(sheet.rows, names, parents, raw_levels, strict=True):
            name = raw.strip() if raw.__class__ is str else _text(raw)
            if not name:
                continue  # reported when the row is translated
            level = levels.get(raw_level, _EMPTY)
            if level is _EMPTY:
                text = _text(raw_level)
                level = levels[raw_level] = word(vocab, text) if text else None
            pending = raw_parent.strip() if raw_parent.__class__ is str else _text(raw_parent)
            e = Entity(table, fold(name) if folding else name, None, None, level, pending or None)
            if not pending:
                e.cached = (e.name,)  # no parent: its path is final
            index[e.name].append(e)
            key = (si, number)
            own[key] = e
            mine.append((key, e))

    def _fetch_graph(self) -> None:
        """Graph nodes for every referenced name the workbook does not hold, with their parent chains."""
        if not self.backend.read("MATCH (a:Area) RETURN a.id AS id LIMIT 1").rows:
            return  # an empty graph (a first load): nothing to look up
        wanted: dict[str, set[str]] = defaultdict(set)
        for sheet in self.raw.ledger:
            for f in LEDGER_TABLES[sheet.table].fields:
                if f.kind != "ref" or f.field not in sheet.headers:
                    continue
                for text in {_text(values.get(f.field)) for _, values in sheet.rows}:
                    parts = name_parts(text) if text else ()
                    if parts and not any(parts[-1] in self.index[t] for t in f.targets):
                        for t in f.targets:
                            wanted[t].add(parts[-1])
        if not any(wanted.values()):
            return
        areas: dict[str, Entity] = {}
        area_parent: dict[str, str | None] = {}

        def fetch_areas(q: str, params: dict[str, Any]) -> None:
            for aid, name, level, parent in self.backend.read(q, params).rows:
                if aid not in areas:
                    areas[aid] = Entity("areas", name or "", aid, level=level)
                    area_parent[aid] = parent

        ret = "RETURN a.id AS id, a.name AS name, a.level AS level, p.id AS parent"
        opt = "OPTIONAL MATCH (a)-[:PART_OF]->(p:Area)"
        for chunk in batched(sorted(wanted.get("areas", ()))):
            fetch_areas(f"MATCH (a:Area) WHERE a.name IN $names {opt} {ret}", {"names": chunk})
        others: dict[str, list[tuple[Entity, str | None]]] = defaultdict(list)
        seats = {
            "orgs": ("PartyOrg", "(o)-[:SEATED_IN]->(s:Area)", "o.kind"),
            "units": ("Unit", "(o)-[:LOCATED_IN]->(s:Area)", "o.sector"),
            "demands": ("Demand", "(s:Area)-[:RAISES]->(o)", "null"),
            "resources": ("Resource", "(s)-[:OFFERS]->(o)", "null"),
        }
        for table in ("units", "orgs", "demands", "resources"):
            label, pattern, level = seats[table]
            names = sorted(wanted.get(table, ()))
            for chunk in batched(names):
                rows = self.backend.read(
                    f"MATCH (o:{label}) WHERE o.name IN $names OPTIONAL MATCH {pattern} "
                    f"RETURN o.id AS id, o.name AS name, {level} AS level, s.id AS seat",
                    {"names": chunk},
                ).rows
                for oid, name, lvl, seat in rows:
                    others[table].append((Entity(table, name or "", oid, level=lvl), seat))
        # resource owners may be units: fetch those units (and their areas) by id
        unit_by_id = {e.id: (e, seat) for e, seat in others["units"]}
        owner_ids = sorted({s for _, s in others["resources"] if s and s not in unit_by_id})
        for chunk in batched(owner_ids):
            rows = self.backend.read(
                "MATCH (o:Unit) WHERE o.id IN $ids OPTIONAL MATCH (o)-[:LOCATED_IN]->(s:Area) "
                "RETURN o.id AS id, o.name AS name, o.sector AS level, s.id AS seat",
                {"ids": chunk},
            ).rows
            for oid, name, lvl, seat in rows:
                unit_by_id[oid] = (Entity("units", name or "", oid, level=lvl), seat)
        # the areas every fetched node sits in, then their ancestors, one level per round
        seats_wanted = {s for items in others.values() for _, s in items if s}
        seats_wanted |= {s for _, s in unit_by_id.values() if s}
        absent: set[str] = set()
        while True:
            need = sorted((seats_wanted | {p for p in area_parent.values() if p}) - areas.keys() - absent)
            if not need:
                break
            for chunk in batched(need):
                fetch_areas(f"MATCH (a:Area) WHERE a.id IN $ids {opt} {ret}", {"ids": chunk})
            absent |= set(need) - areas.keys()
        for aid, e in areas.items():
            parent = area_parent.get(aid)
            e.parent = areas.get(parent) if parent else None
        for e, seat in unit_by_id.values():
            e.parent = areas.get(seat) if seat else None
        for items in others.values():
            for e, seat in items:
                e.parent = (unit_by_id.get(seat, (None,))[0] or areas.get(seat)) if seat else None
        for e in areas.values():
            e.freeze()
            self.graph_index["areas"][e.name].append(e)
        for e, _ in unit_by_id.values():
            e.freeze()
        for table, items in others.items():
            for e, _ in items:
                e.freeze()
                self.graph_index[table][e.name].append(e)

    def _resolve_areas(self) -> None:
        """Parents of ledger areas, in rounds: a qualified name waits until its candidates' paths are known."""
        pending = [(k, e) for k, e in self.own_by_table["areas"] if e.pending]
        levels = None
        # a decision, once made, stands: it waited until every candidate's path was known, and
        # known paths do not change (siblings write the same parent: decided once)
        decided: dict[str, tuple[Entity | None, str | None]] = {}
        # a name that waits on a candidate's path waits again while that candidate's path is unknown
        # (without looking at all its candidates again: in a province, 和平社区 has dozens)
        waits_on: dict[str, Entity] = {}
        while pending:
            waiting = []
            waited: set[str] = set()  # a sibling of a row that waits this round waits too
            for key, e in pending:
                assert e.pending is not None
                hit = decided.get(e.pending)
                if hit is None:
                    if e.pending in waited:
                        waiting.append((key, e))
                        continue
                    blocker = waits_on.get(e.pending)
                    if blocker is not None and not blocker.known():
                        waited.add(e.pending)
                        waiting.append((key, e))
                        continue
                    hit = self.resolve(e.pending, ("areas",), levels, wait=True)
                    if hit[0] is not None or hit[1] is not None:
                        decided[e.pending] = hit
                    else:
                        waited.add(e.pending)
                        waits_on[e.pending] = self.waits_on
                target, reason = hit
                if target is None and reason is None:
                    waiting.append((key, e))
                    continue
                self._settle(key, e, target, reason)
            if len(waiting) == len(pending):  # no progress: decide with what is known
                for key, e in waiting:
                    assert e.pending is not None
                    target, reason = self.resolve(e.pending, ("areas",), levels)
                    self._settle(key, e, target, reason)
                break
            pending = waiting
        self._ids("areas")

    def _settle(self, key: tuple[int, int], e: Entity, target: Entity | None, reason: str | None) -> None:
        sheet = self.raw.ledger[key[0]]
        if target is None:
            self.problem(sheet, key[1], _PARENT_FIELD[e.table], reason or "unresolved")
        elif target is e:
            self.problem(sheet, key[1], _PARENT_FIELD[e.table], f"{e.name!r} cannot be its own parent")
        else:
            e.parent = target
            if target.cached is not None:  # its path is final now: later look-ups need not walk up
                e.cached = (*target.cached, e.name)
        e.pending = None

    def _resolve_parents(self, table: str) -> None:
        f = _PARENT_FIELD[table]
        spec = next(x for x in LEDGER_TABLES[table].fields if x.field == f)
        quick = self.quick if len(spec.targets) == 1 else None
        for key, e in self.own_by_table[table]:
            if not e.pending:
                continue
            target = quick(e.pending, spec.targets[0]) if quick is not None else None
            if target is not None and target is not e:
                e.parent, e.pending = target, None
                continue
            target, reason = self.resolve(e.pending, spec.targets)
            self._settle(key, e, target, reason)
        self._ids(table)

    def _ids(self, table: str) -> None:
        prefix = LEDGER_TABLES[table].prefix
        first: dict[str, tuple[int, int]] = {}
        setdefault = first.setdefault
        for key, e in self.own_by_table[table]:
            if e.cached is None:
                p = e.parent
                if p is None:
                    e.cached = (e.name,)
                elif p.cached is not None:  # rows usually follow their parents: no walk up
                    e.cached = (*p.cached, e.name)
                else:
                    e.freeze()
            e.id = derive_id(prefix, e.cached)  # type: ignore[arg-type]
            if setdefault(e.id, key) is not key:
                sheet = self.raw.ledger[key[0]]
                other = self.raw.ledger[first[e.id][0]]
                where = f"row {first[e.id][1]}" if other is sheet else f"{other.sheet} row {first[e.id][1]}"
                self.problem(
                    sheet,
                    key[1],
                    "name",
                    f"{e.shown()!r} is already on {where}; two rows with one name need different "
                    f"{'parents' if table == 'areas' else 'names'}",
                )

    # -- translation into canonical rows ---------------------------------------------------

    def _tables(self) -> RawRoster:
        out = RawRoster(self.raw.path, dict(self.raw.tables), list(self.raw.ignored))
        merged: dict[str, list[tuple[str, list[int], dict[str, str], list[dict[str, str | None]]]]] = defaultdict(list)
        extras_of: dict[str, list[str]] = defaultdict(list)
        for si, sheet in enumerate(self.raw.ledger):
            headers = {f.canonical: sheet.headers.get(f.field, f.headers[0]) for f in LEDGER_TABLES[sheet.table].fields}
            headers["id"] = headers.get("id") or sheet.headers.get("name") or next(iter(sheet.headers.values()), "")
            headers |= {x: x for x in sheet.extras}
            for x in sheet.extras:
                if x not in extras_of[sheet.table]:
                    extras_of[sheet.table].append(x)
            person = next((f for f in LEDGER_TABLES[sheet.table].fields if f.kind == "person"), None)
            if person is not None and person.field in sheet.headers:
                self.report.pseudonymized.append(f"{sheet.sheet}: {sheet.headers[person.field]}")
            if sheet.rows:  # an empty sheet adds no table
                numbers = [number for number, _ in sheet.rows]
                merged[sheet.table].append((sheet.sheet, numbers, headers, self._rows(si, sheet)))
        self.origins: dict[str, _Origins] = {}
        for table, items in merged.items():
            columns = [c.name for c in TABLES[table].columns]
            header = columns + [x for x in extras_of[table] if x not in columns]
            rows: list[tuple[int, dict[str, str | None]]] = []
            origins = _Origins()
            existing = out.tables.get(table)
            if existing is not None:  # a today's-form sheet of the same table: its rows come first
                origins.add(len(rows) + 2, table, [number for number, _ in existing.rows], {})
                rows += enumerate((c for _, c in existing.rows), start=len(rows) + 2)
                header += [h for h in existing.header if h and h not in header]
            for sheet_name, numbers, headers, cells in items:
                origins.add(len(rows) + 2, sheet_name, numbers, headers)
                rows += enumerate(cells, start=len(rows) + 2)
            source = ", ".join(sorted(origins.sheets()))
            out.tables[table] = RawTable(table, source, header, rows, "ledger")
            self.origins[table] = origins
        return out

    def _rows(self, si: int, sheet: LedgerSheet) -> list[dict[str, str | None]]:
        """The sheet's rows as today's-form cells, column by column: each distinct value converted once.

        Problems are said in the order a row-by-row pass would find them (row, then column).
        """
        table = sheet.table
        numbers = [number for number, _ in sheet.rows]
        values = [v for _, v in sheet.rows]
        entities = [self.own.get((si, number)) for number in numbers] if table in NAMED else None
        every = entities is not None and None not in entities
        parent_field = _PARENT_FIELD.get(table) if entities is not None else None
        found: list[tuple[int, int, str, str]] = []  # (row index, column order, field, reason)
        keys: list[str] = []
        columns: list[list[Any]] = []
        for order, (f, field_name, canonical, kind) in enumerate(_PLANS[table]):
            raws = _column_of(values, field_name)
            if kind == "name":
                keys.append("name")
                if every:
                    columns.append([e.name for e in entities])  # type: ignore[union-attr]
                    continue
                names = {raw: fold(_text(raw)) or None for raw in dict.fromkeys(raws)}
                column = [names[raw] for raw in raws]
                for i, e in enumerate(entities or ()):
                    if e is not None:
                        column[i] = e.name
                for i, raw in enumerate(raws):
                    if not _text(raw):
                        found.append((i, order, field_name, "missing required value"))
                columns.append(column)
                continue
            keys.append(canonical)
            if field_name == parent_field and every:  # resolved with the row's own name
                columns.append([None if e.parent is None else e.parent.id for e in entities])  # type: ignore[union-attr]
                continue
            converted = self._column(si, sheet, f, raws, order, found)
            if field_name == parent_field:
                assert entities is not None
                converted = [
                    converted[i] if e is None else e.parent.id if e.parent is not None else None
                    for i, e in enumerate(entities)
                ]
            columns.append(converted)
        if every:
            keys.append("id")
            columns.append([e.id for e in entities])  # type: ignore[union-attr]
        out = list(map(dict, map(partial(zip, keys), zip(*columns, strict=True))))
        if entities is not None and not every:
            for cells, e in zip(out, entities, strict=True):
                if e is not None:
                    cells["id"] = e.id
        if table not in NAMED or "id" in sheet.headers:  # named rows without 编号 have their ids already
            after = len(_PLANS[table])
            for i, (cells, v) in enumerate(zip(out, values, strict=True)):
                said = self._identity(sheet, v, cells)
                if said is not None:
                    found.append((i, after, *said))
        for x in sheet.extras:
            texts = {raw: _cell(raw) for raw in dict.fromkeys(v.get(x) for v in values)}
            for cells, v in zip(out, values, strict=True):
                cells[x] = texts[v.get(x)]
        found.sort(key=lambda p: (p[0], p[1]))
        for i, _, field_name, reason in found:
            self.problem(sheet, numbers[i], field_name, reason)
        return out

    def _column(
        self, si: int, sheet: LedgerSheet, f: LedgerField, raws: list[Any], order: int, found: list[Any]
    ) -> list[Any]:
        """One non-name column converted, each distinct value once; its problems added to ``found``."""
        final: dict[Any, Any] = {}
        bad: dict[Any, str] = {}
        if f.kind == "ref":  # straight to the resolver's memo: most cells are names
            memo, targets, levels = self.memo, f.targets, REF_LEVELS.get((sheet.table, f.canonical))
            quick = self.quick if len(targets) == 1 else None
            for raw in dict.fromkeys(raws):
                text = _text(raw)
                if not text:
                    final[raw] = None
                    continue
                target = quick(text, targets[0], levels) if quick is not None else None
                if target is not None:
                    final[raw] = target.id
                    continue
                hit = memo.get((text, targets, levels))
                if hit is None:
                    hit = memo[(text, targets, levels)] = self._resolve(text, targets, levels)
                target, reason = hit
                final[raw] = None if target is None else target.id
                if target is None:
                    bad[raw] = reason or "unresolved"
        cache = self.converted
        for raw in () if f.kind == "ref" else dict.fromkeys(raws):
            key = (sheet.table, f.field, raw)
            hit = cache.get(key)
            if hit is None:
                hit = cache[key] = self._convert(sheet.table, f, raw)
            value, reason = hit
            if value is _EMPTY:
                value = "false" if f.kind == "bool" and self._ticks(si, sheet, f.field) else None  # √ / blank
            elif reason is not None:
                bad[raw] = reason
            final[raw] = value
        if bad:
            found += [(i, order, f.field, bad[raw]) for i, raw in enumerate(raws) if raw in bad]
        return [final[raw] for raw in raws]

    def _ticks(self, si: int, sheet: LedgerSheet, f: str) -> bool:
        key = (si, f)
        if key not in self.ticked:
            self.ticked[key] = any(_text(v.get(f)) in ("√", "✓") for _, v in sheet.rows)
        return self.ticked[key]

    def _convert(self, table: str, f: LedgerField, raw: Any) -> tuple[Any, str | None]:
        """(value as the roster contract writes it, problem) of one non-name cell; (_EMPTY, None) when blank."""
        text = _text(raw)
        if not text:
            return _EMPTY, None
        if f.kind == "ref":
            target, reason = self.resolve(text, f.targets, REF_LEVELS.get((table, f.canonical)))
            return (target.id, None) if target is not None else (None, reason or "unresolved")
        if f.kind == "enum":
            assert f.vocab is not None
            value = word(f.vocab, text)
            return (
                value,
                None if value is not None else f"unknown value {text!r} (allowed: {', '.join(CHOICES[f.vocab])})",
            )
        if f.kind == "date":
            value = parse_date(raw)
            return (
                value,
                None if value is not None else f"{text!r} is not a date (write 2024-03-01, 2024/3/1 or 2024年3月1日)",
            )
        if f.kind == "bool":
            flag = boolean(text)
            if flag is None:
                return None, f"{text!r} is not yes or no (是/否, √ or blank)"
            return ("true" if flag else "false"), None
        if f.kind == "int":
            if isinstance(raw, int):
                return str(raw), None
            cleaned = normalize(str(_cell(raw) or "")).replace(" ", "")
            return re.sub(r"(户|人|个|项|次|名)$", "", cleaned) or None, None
        if f.kind == "category":
            return CATEGORY_WORDS.get(fold(text), fold(text)), None
        return (fold(text) if isinstance(raw, str) else _cell(raw)), None

    def _identity(
        self, sheet: LedgerSheet, values: dict[str, Any], cells: dict[str, str | None]
    ) -> tuple[str, str] | None:
        """Ids of rows that are not named (agreements, workers, members, projects) and pseudonyms.

        Returns the problem (field, reason) of a row that cannot be told apart.
        """
        table = sheet.table
        if table in ("coverage", "memberships"):
            return None
        person = _text(values.get("name")) if table in ("workers", "members") else ""
        if table in ("workers", "members"):
            context = cells.get("grid_id") or cells.get("reported_to") or cells.get("unit_id") or ""
            if person:
                cells["name"] = pseudonym(table, fold(person), context)
        given = fold(_text(values.get("id"))) if "id" in sheet.headers else ""
        if given:
            cells["id"] = given
            if table in ("workers", "members") and not person:
                cells["name"] = None
            return None
        prefix = LEDGER_TABLES[table].prefix
        if table == "agreements":
            parts = [cells.get(c) or _text(values.get(f)) for c, f in _AGREEMENT_KEY]
            cells["id"] = derive_id(prefix, parts)
        elif table == "projects":
            if cells.get("name"):  # a demand that did not resolve is reported on its own cell
                demand = cells.get("demand_id") or _text(values.get("demand"))
                cells["id"] = derive_id(prefix, [demand, cells["name"] or ""])
        elif table in ("workers", "members"):
            if person:
                cells["id"] = derive_id(prefix, [context, cells["name"] or ""])
            else:
                blank = "id" if "id" in sheet.headers or "name" not in sheet.headers else "name"  # the sheet's cell
                return blank, "needs 编号 or 姓名 to tell this person apart"
        return None

    # -- problems of the validator, said in the department's terms ---------------------------------

    def relabel(self, problem: RosterProblem, names: dict[str, str]) -> RosterProblem:
        unknown = _UNKNOWN.fullmatch(problem.reason)
        if unknown and unknown.group(1) in names:  # a workbook row whose own problem kept it out
            key = next(k for k, e in self.own.items() if e.id == unknown.group(1))
            sheet, name = self.raw.ledger[key[0]].sheet, names[unknown.group(1)].split("/")[-1]
            reason = f"{name!r} is on {sheet} row {key[1]}, which has a problem of its own"
            problem = RosterProblem(problem.table, problem.row, problem.column, reason)
        twin = _TWIN.fullmatch(problem.reason)
        if twin:  # two people of one name in one place, told apart by nothing the sheet has
            reason = f"the same 姓名 in the same place as the person first on row {twin.group(1)}: give each a 编号"
            problem = RosterProblem(problem.table, problem.row, "name", reason)
        reason = _DERIVED.sub(lambda m: repr(names.get(m.group(1), m.group(1))), problem.reason)
        origins = self.origins.get(problem.table)
        origin = origins.get(problem.row) if origins else None
        if origin is None:
            if problem.table == "areas" and "areas table is required" in reason:
                reason += "; in ledger form, a sheet named 区域 (or 区域台账)"
            return RosterProblem(problem.table, problem.row, problem.column, reason)

        def first_on(m: re.Match[str]) -> str:
            o = origins.get(int(m.group(1))) if origins else None
            if o is None:
                return m.group(0)
            return f"first on row {o.row}" if o.sheet == origin.sheet else f"first on {o.sheet} row {o.row}"

        reason = re.sub(r"first on row (\d+)", first_on, reason)
        column = origin.headers.get(problem.column, problem.column) if problem.column else None
        if problem.column == "id" and problem.table in ("workers", "members"):
            sheet = next(s for s in self.raw.ledger if s.sheet == origin.sheet)
            if "id" not in sheet.headers and "name" in sheet.headers:  # a person told apart by 姓名
                column = sheet.headers["name"]
        elif problem.column == _PARENT_COLUMN.get(problem.table):
            sheet = next(s for s in self.raw.ledger if s.sheet == origin.sheet)
            column = _seat_header(sheet, origin.row, SEAT_FIELD[problem.table]) or column
        return RosterProblem(origin.sheet, origin.row, column, reason)


_EMPTY = object()
#: Per table, the fields a row is translated from (persons come after the references: see _identity).
_PLANS = {
    t: [(f, f.field, f.canonical, f.kind) for f in spec.fields if f.kind != "person"]
    for t, spec in LEDGER_TABLES.items()
}
_AGREEMENT_KEY = (("unit_id", "unit"), ("area_id", "area"), ("kind", "kind"), ("signed", "signed"))
_WHAT = {"areas": "area", "orgs": "party organization", "units": "unit", "resources": "resource", "demands": "demand"}


def _column_of(values: list[dict[str, Any]], f: str) -> list[Any]:
    """The values of ``f`` in every row (None where a row lacks it)."""
    try:
        return list(map(itemgetter(f), values))  # the sheet's own columns are in every row
    except KeyError:
        return [v.get(f) for v in values]


def _text(value: Any) -> str:
    if value.__class__ is str:
        return value.strip()
    return "" if value is None else str(value).strip()


@lru_cache(maxsize=65536)
def name_parts(text: str) -> tuple[str, ...]:
    """``新华街道 / 和平社区`` → ("新华街道", "和平社区"): a name and the parents written before it."""
    if not _ODD.search(text):  # no space, full-width form or ／: the common spelling, split as written
        parts = tuple(text.split("/"))
        if "" not in parts:
            return parts
    text = fold(text)
    if "/" not in text and "／" not in text:
        return (text,) if text else ()
    return tuple(p for p in (x.strip() for x in _SEPARATORS.split(text)) if p)


def _seat_header(sheet: LedgerSheet, row: int, f: str) -> str | None:
    """The header a seat's problem names where the sheet wrote seats with names (新华街道/和美物业):
    the name column for such a row, the seat column's own name (所属社区) for a row without one."""
    if not sheet.seat_in_name or f != SEAT_FIELD[sheet.table]:
        return None
    if row in sheet.seat_in_name:
        return sheet.headers["name"]
    if sheet.headers.get(f) == sheet.headers["name"]:  # the sheet has no seat column
        return _first_header(sheet.table, f)
    return None


def _first_header(table: str, f: str) -> str:
    return next((x.headers[0] for x in LEDGER_TABLES[table].fields if x.field == f), f)


def _subsequence(quals: list[str], ancestors: tuple[str, ...]) -> bool:
    it = iter(ancestors)
    return all(q in it for q in quals)


def _ambiguous(text: str, depth: int, cands: list[Entity]) -> str:
    """The candidates with their parents, and a longer name that would pick the first."""
    paths = sorted(e.path() for e in cands)
    listed = "; ".join("/".join(p) for p in paths[:6]) + (f"; … ({len(paths)} in all)" if len(paths) > 6 else "")
    hint = ""
    if len(paths[0]) > depth:
        hint = f", e.g. {'/'.join(paths[0][-depth - 1 :])}"
    return f"{text!r} is ambiguous: {listed}; write it with its parent{hint}"


def translate(raw: RawRoster, backend: Backend) -> tuple[RawRoster, _Translator]:
    """Today's-form tables for every ledger sheet in ``raw`` (names resolved, ids derived)."""
    t = _Translator(raw, backend)
    with gc_paused():  # some 10⁵ entities and row dicts, none in a cycle: no collector passes over them
        return t.run(), t


def validate_ledger(
    raw: RawRoster, backend: Backend, settle: Callable[[RawRoster], dict[str, set[int]]] | None = None
) -> tuple[Plan, LedgerReport]:
    """Translate the ledger sheets, validate everything with the roster validator; problems name the sheet cells.

    ``settle`` is given the translated tables and names the rows the graph already holds exactly
    (a resubmitted ledger: see :func:`.rosters.load_roster`); they are not checked or compared again.
    """
    canonical, t = translate(raw, backend)
    settled = settle(canonical) if settle is not None else None
    try:
        plan = validate(canonical, backend, settled)
    except RosterInvalid as e:
        problems = list(t.problems)
        names = {x.id: x.shown() for index in t.index.values() for es in index.values() for x in es if x.id}
        for p in e.problems:
            mapped = t.relabel(p, names)
            if (mapped.table, mapped.row, mapped.column) not in t.bad_cells:
                problems.append(mapped)
        order = {s.sheet: i for i, s in enumerate(t.raw.ledger)}  # as the workbook shows its sheets
        problems.sort(key=lambda p: (order.get(p.table, len(order)), p.table, p.row))
        raise RosterInvalid(problems[:MAX_PROBLEMS], e.truncated or len(problems) > MAX_PROBLEMS) from None
    if t.problems:
        order = {s.sheet: i for i, s in enumerate(t.raw.ledger)}
        t.problems.sort(key=lambda p: (order.get(p.table, len(order)), p.row))
        raise RosterInvalid(t.problems[:MAX_PROBLEMS], len(t.problems) > MAX_PROBLEMS)
    t.report.absent = _absent(t.raw.ledger, canonical, plan, backend)
    return plan, t.report


def _absent(sheets: list[LedgerSheet], canonical: RawRoster, plan: Plan, backend: Backend) -> list[str]:
    """Rows of earlier ledgers this one no longer names (a renamed row is a new node, never a silent merge)."""
    out = []
    for table in dict.fromkeys(s.table for s in sheets):
        label, prefix = TABLES[table].label, LEDGER_TABLES[table].prefix
        if label is None or not prefix or plan.label_totals.get(label.value, 1) == 0:
            continue  # (none of this label in the graph, e.g. a first load: nothing can be absent)
        # every row of the ledger, not only those the plan writes (unchanged rows are settled)
        here = {cells.get("id") for _, cells in canonical.tables[table].rows} if table in canonical.tables else set()
        rows = backend.read(
            f"MATCH (n:{label.value}) WHERE n.id STARTS WITH $p RETURN n.id AS id, n.name AS name", {"p": prefix + "-"}
        ).rows
        gone = sorted(str(name) for nid, name in rows if nid not in here)
        if gone:
            more = f", … ({len(gone)} in all)" if len(gone) > 5 else ""
            out.append(f"{table}: {', '.join(gone[:5])}{more}")
    return out
