"""The Python API that the CLI, scripts and notebooks share.

Open a session on a database and call its methods; each is one use case and
returns a typed result (``to_dict()`` for JSON)::

    import pbgraph

    pbgraph.generate("guangming", "./roster", seed=7)
    with pbgraph.connect("./demo.db") as g:
        g.load_roster("./roster")
        print(g.status().totals)
        rows = g.query("coverage/uncovered-grids", area="光明街道")
        print(rows)                      # a table; rows.to_dict() / rows.render("csv") for scripts
        allocation = g.allocate(max_tier=2)
        g.map(area="光明街道", query="coverage/uncovered-grids").write("map.html")

A location is a folder (the embedded engine), ``falkordb://host:port`` or a
Neo4j URI; ``None`` means ``PBGRAPH_DB`` or the default folder. The session owns
the backend: what the backend has to say (engine started, recovered, waiting for
a writer) arrives as :class:`Notice` objects in ``g.notices`` and is passed to
``on_notice`` as it happens, never printed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pbgraph.graph import Backend, Counts, Statement, WriteSummary, default_location, open_backend, using
from pbgraph.graph.backends.base import Result
from pbgraph.graph.connect import ENV_DB
from pbgraph.graph.errors import PbgraphError
from pbgraph.graph.notices import Notice, listening
from pbgraph.graph.report import Report
from pbgraph.maps.model import DEFAULT_BUDGET as MAP_DEFAULT_BUDGET
from pbgraph.maps.model import DEFAULT_LAYERS as MAP_DEFAULT_LAYERS
from pbgraph.maps.model import LAYERS as MAP_LAYERS
from pbgraph.queries.render import FORMATS, render
from pbgraph.queries.runner import get_query, list_queries, run_query

if TYPE_CHECKING:  # the heavy parts load when a method needs them
    import networkx as nx

    from pbgraph.graph.backends.durability import RepairReport
    from pbgraph.graph.backup import BackupReport
    from pbgraph.loaders.documents.load import DocsReport
    from pbgraph.loaders.rosters import LoadReport
    from pbgraph.maps import NetworkMap
    from pbgraph.queries.matching import Allocation
    from pbgraph.queries.model import QuerySpec

__all__ = [
    "ENV_DB",
    "FORMATS",
    "MAP_DEFAULT_BUDGET",
    "MAP_DEFAULT_LAYERS",
    "MAP_LAYERS",
    "PRESETS",
    "WRITE_COUNTERS",
    "Graph",
    "MapReport",
    "Notice",
    "PbgraphError",
    "QueryResult",
    "StatusReport",
    "allocation_line",
    "catalogue",
    "changes_lines",
    "connect",
    "cypher",
    "cypher_result",
    "default_location",
    "evaluate_extraction",
    "extract",
    "extract_files",
    "facts_result",
    "generate",
    "infer_value",
    "list_queries",
    "output",
    "parse_assignments",
    "queries",
    "query_text",
    "repair",
    "reset",
    "roster_lines",
    "run_query",
    "sample_report",
    "status",
    "status_line",
    "stop",
    "tabulate",
    "template",
    "using",
]

Progress = Callable[[int, int], None]

#: What a write reports it changed, in the order the CLI says it.
WRITE_COUNTERS = ("nodes_created", "nodes_deleted", "relationships_created", "relationships_deleted", "properties_set")

#: The generator's presets, smallest first, and what each makes (``tests/test_api.py`` checks both against
#: the generator; written out so that starting the CLI does not load it).
PRESETS = ("guangming", "cuiping", "taiyuan", "province")
PRESETS_HELP = (
    "guangming: one street (光明街道), 150 grids; cuiping: a district (翠屏区) with regional committees; "
    "taiyuan: a city (太原市), 123,975 nodes, 212,942 relationships, 6,084 grid workers; "
    "province: ten such cities (about 3.4M nodes and relationships)."
)


# -- results -------------------------------------------------------------------------


@dataclass
class QueryResult(Report):
    """Rows of a canned query or a Cypher statement: a list of dicts keyed by ``columns``.

    Iterate it, index it, ``len()`` it like the list of rows; ``str()`` is a table,
    :meth:`render` gives ``table``, ``json`` or ``csv``.
    """

    columns: list[str]
    rows: list[dict[str, Any]]
    #: the canned query's name (None for a Cypher statement)
    query: str | None = None
    #: rows the query found before ``limit`` cut them
    total: int = 0
    #: what a write changed (nodes_created, …); empty for reads
    stats: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:  # type: ignore[override]
        return iter(self.rows)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return self.rows[i]

    def render(self, fmt: str = "table") -> str:
        """The rows as ``table`` (for people), ``json`` (an array of objects) or ``csv``."""
        return render(fmt, self.columns, self.rows)

    def __str__(self) -> str:
        return self.render("table")


@dataclass
class StatusReport(Report):
    """Which backend, where, and what the graph holds."""

    backend: str
    location: str
    #: nodes per label (a node counts under each of its labels)
    nodes: dict[str, int]
    #: relationships per type
    relationships: dict[str, int]
    #: distinct nodes and relationships in the graph
    totals: dict[str, int]


@dataclass
class MapReport(Report):
    """A drawn map (``map``) and, once written, where its page is."""

    map: NetworkMap
    path: str | None = None

    @property
    def gaps(self) -> int:
        return sum(1 for n in self.map.nodes.values() if n.gaps or (n.gap_counts and n.gap_counts.total()))

    def write(self, out: str | Path) -> Path:
        """Write the map as one self-contained, offline HTML page."""
        from pbgraph.maps import write_map

        path = write_map(self.map, out)
        self.path = str(path)
        return path

    def to_dict(self) -> dict[str, Any]:
        m = self.map
        return {
            "title": m.title,
            "area": m.area,
            "nodes": len(m.nodes),
            "edges": len(m.edges),
            "gaps": self.gaps,
            "highlighted": sum(1 for n in m.nodes.values() if n.highlighted),
            "notes": list(m.notes),
            "path": self.path,
        }


@dataclass
class ExportReport(Report):
    """What an export wrote (``text`` holds it when there was no file)."""

    format: str
    nodes: int
    relationships: int
    path: str | None = None
    text: str | None = field(default=None, repr=False)


@dataclass
class GenerateReport(Report):
    """What ``generate`` wrote: files, the number of rows per table, and the planted gaps."""

    out: str
    files: list[str]
    counts: dict[str, int]
    truth: dict[str, Any] = field(repr=False)


# -- the session ---------------------------------------------------------------------


class Graph(Backend):
    """A session on one database: its methods are what pbgraph does.

    Use it as a context manager, or call :meth:`close` (the embedded engine is
    released; it stays warm a few seconds for the next process). It is also a
    :class:`~pbgraph.graph.Backend` (``read``, ``write``, … go to the one it owns),
    so library functions that take a backend accept it.
    """

    def __init__(self, location: str | None = None, *, on_notice: Callable[[Notice], None] | None = None) -> None:
        from pbgraph.graph.connect import embedded_folder, resolve_location

        self.notices: list[Notice] = []
        self._on_notice = on_notice
        self._backend: Backend | None = None
        folder = embedded_folder(resolve_location(location))
        #: the embedded folder this session created (see :meth:`discard_if_new`)
        self.created = folder if folder is not None and not folder.exists() else None
        try:
            with self._listening():
                self._backend = open_backend(location)
        except BaseException:
            self.discard_if_new()  # an open that failed leaves no empty database folder behind
            raise

    # -- housekeeping

    @property
    def backend(self) -> Backend:
        """The open backend (for what the session does not offer)."""
        if self._backend is None:
            raise PbgraphError("this pbgraph session is closed; open another with pbgraph.connect()")
        return self._backend

    @property  # type: ignore[override]
    def location(self) -> str:
        return self.backend.location

    @property  # type: ignore[override]
    def kind(self) -> str:
        return self.backend.kind

    def _notice(self, notice: Notice) -> None:
        self.notices.append(notice)
        if self._on_notice is not None:
            self._on_notice(notice)

    @contextlib.contextmanager
    def _listening(self) -> Iterator[None]:
        with listening(self._notice):
            yield

    def close(self) -> None:
        if self._backend is not None:
            backend, self._backend = self._backend, None
            with self._listening():
                backend.close()

    def __enter__(self) -> Graph:
        return self

    def discard_if_new(self) -> None:
        """After a failure: close, and remove the database folder this session created if it holds nothing."""
        from pbgraph.graph.backends.embedded import discard_new_folder

        with contextlib.suppress(Exception):
            self.close()
        if self.created is not None:
            with contextlib.suppress(OSError):
                discard_new_folder(self.created)

    def __repr__(self) -> str:
        return f"<pbgraph.Graph {self._backend.location if self._backend else 'closed'}>"

    # -- the Backend interface, passed to the backend this session owns

    def read(self, query: str, params: Mapping[str, Any] | None = None) -> Result:
        with self._listening():
            return self.backend.read(query, params)

    def read_typed(self, query: str, params: Mapping[str, Any] | None, types: tuple[str, ...]) -> Result:
        with self._listening():
            return self.backend.read_typed(query, params, types)

    def write(self, query: str, params: Mapping[str, Any] | None = None) -> Result:
        with self._listening():
            return self.backend.write(query, params)

    def write_all(
        self, statements: Iterable[Statement], progress: Callable[[int], None] | None = None, *, in_place: bool = False
    ) -> WriteSummary:
        with self._listening():
            return self.backend.write_all(statements, progress, in_place=in_place)

    # (a loader handed this session instead of its backend must get the same write path: the bulk
    # first load, the writer lock around read-compare-write, the digests the last load kept)
    @property
    def bulk_create(self) -> bool:  # type: ignore[override]
        return self.backend.bulk_create

    def create_graph(self, nodes: list[Any], relationships: list[Any], progress: Any = None) -> bool:
        with self._listening():
            return self.backend.create_graph(nodes, relationships, progress)

    def settle(self) -> None:
        with self._listening():
            self.backend.settle()

    def remember(self, key: str, value: str, after_write: bool = False) -> None:
        with self._listening():
            self.backend.remember(key, value, after_write)

    def recall(self, key: str) -> str | None:
        with self._listening():
            return self.backend.recall(key)

    @contextlib.contextmanager
    def writer(self) -> Iterator[None]:
        with self._listening(), self.backend.writer():
            yield

    def read_snapshot(self, queries: list[str]) -> list[Result]:
        with self._listening():
            return self.backend.read_snapshot(queries)

    def ensure_schema(self) -> None:
        with self._listening():
            self.backend.ensure_schema()

    def counts(self) -> Counts:
        with self._listening():
            return self.backend.counts()

    # -- reading

    def status(self) -> StatusReport:
        """Backend, location, node counts per label, relationship counts per type, and totals."""
        with self._listening():
            b = self.backend
            counts = b.counts()
            n = b.read("MATCH (n) RETURN count(n) AS n").rows[0][0]
        return StatusReport(
            backend=b.kind,
            location=b.location,
            nodes=counts.nodes,
            relationships=counts.relationships,
            totals={"nodes": int(n), "relationships": sum(counts.relationships.values())},
        )

    def query(self, name: str, *, limit: int | None = None, **params: Any) -> QueryResult:
        """Run the canned query ``name`` read-only; ``params`` are typed by its header.

        Strings are accepted as the command line gives them (``"a,b"`` or a JSON list,
        ``"null"``, ``"2025-06-30"``); an ``area`` may be an id, a name, or a name with
        its parents (新华街道/和平社区).
        """
        spec = get_query(name)
        with self._listening():
            rows = run_query(spec.name, self.backend, **params)
        shown = rows if limit is None else rows[:limit]
        return QueryResult(columns=list(spec.columns), rows=shown, query=spec.name, total=len(rows))

    def cypher(self, text: str, params: Mapping[str, Any] | None = None, *, write: bool = False) -> QueryResult:
        """Run one Cypher statement (read-only unless ``write``); values go in ``params``."""
        with self._listening():
            result: Result = self.backend.write(text, params) if write else self.backend.read(text, params)
        rows = result.records()
        return QueryResult(columns=list(result.columns), rows=rows, total=len(rows), stats=dict(result.stats))

    # -- loading

    def load_roster(
        self,
        path: str | Path,
        *,
        replace: bool = False,
        progress: Progress | None = None,
        stage: Callable[[str], None] | None = None,
    ) -> LoadReport:
        """Load a roster (CSV folder, .xlsx workbook or ledgers), all or nothing; only what changed is written.

        ``stage(name)`` hears each step (reading, checking, comparing, writing); ``progress(done, total)`` the write.
        """
        from pbgraph.loaders.rosters import load_roster

        with self._listening():
            return load_roster(path, self.backend, replace=replace, progress=progress, stage=stage)

    def load_documents(self, paths: Iterable[str | Path], *, progress: Progress | None = None) -> DocsReport:
        """Load documents (reports, news pages): what each states, linked to the graph's areas."""
        from pbgraph.loaders.documents.load import load_documents

        if isinstance(paths, (str, Path)):
            paths = [paths]
        with self._listening():
            return load_documents(paths, self.backend, progress=progress)

    @staticmethod
    def extract(path: str | Path) -> dict[str, Any]:
        """The facts of one document (no database needed): see :func:`extract`."""
        return extract(path)

    # -- matching

    def allocate(self, *, area: str | None = None, max_tier: int = 2, method: str = "optimal") -> Allocation:
        """Resources allocated to open demands for the largest total score (``method="greedy"``: the baseline)."""
        from pbgraph.queries.matching import allocate

        with self._listening():
            return allocate(self.backend, area=area, max_tier=max_tier, method=method)

    def write_allocation(self, allocation: Allocation) -> int:
        """Record an allocation as open projects (``match-<demand>``); again, nothing changes. Returns how many."""
        from pbgraph.queries.matching import write_allocation

        with self._listening():
            return write_allocation(allocation, self.backend)

    # -- maps and exports

    def map(
        self,
        *,
        area: str | None = None,
        query: str | None = None,
        params: Mapping[str, Any] | None = None,
        layers: Sequence[str] | None = None,
        depth: int = 12,
        budget: int | None = None,
    ) -> MapReport:
        """The network under ``area`` for planners, gaps marked, ``query``'s rows highlighted.

        ``.write(path)`` on the result writes the offline page; ``.map`` is the
        :class:`~pbgraph.maps.NetworkMap` (``pbgraph.maps.to_pyvis`` draws it in a notebook).
        """
        from pbgraph.maps import DEFAULT_BUDGET, DEFAULT_LAYERS, build_map

        with self._listening():
            m = build_map(
                self.backend, area=area, depth=depth, layers=tuple(layers or DEFAULT_LAYERS), query=query,
                query_params=dict(params or {}), budget=budget or DEFAULT_BUDGET,
            )  # fmt: skip
        return MapReport(m)

    def to_networkx(self, *, area: str | None = None) -> nx.MultiDiGraph:
        """The graph (or the part around ``area``) as a networkx multigraph with every property."""
        from pbgraph.graph.export import to_networkx

        with self._listening():
            return to_networkx(self.backend, area=area)

    def export(self, out: str | Path | None = None, *, fmt: str = "graphml", area: str | None = None) -> ExportReport:
        """Write the graph as GraphML or node-link JSON to ``out`` (no ``out``: the text is in the report)."""
        from pbgraph.graph.export import write_export

        g = self.to_networkx(area=area)
        text = write_export(g, fmt, out)
        return ExportReport(fmt, g.number_of_nodes(), g.number_of_edges(), str(out) if out else None, text)

    # -- the whole database

    def backup(self, out: str | Path) -> BackupReport:
        """A consistent, engine-neutral snapshot of the graph in one file."""
        from pbgraph.graph.backup import backup

        with self._listening():
            return backup(self.backend, out)

    def restore(self, path: str | Path, *, replace: bool = False) -> BackupReport:
        """Load a backup, all or nothing, and verify the counts (``replace``: the graph need not be empty)."""
        from pbgraph.graph.backup import restore

        with self._listening():
            return restore(self.backend, path, replace=replace)

    def reset(self) -> None:
        """Delete everything in the database: nodes, relationships, indexes and constraints."""
        with self._listening():
            self.backend.reset()


def connect(location: str | None = None, *, on_notice: Callable[[Notice], None] | None = None) -> Graph:
    """Open a session on a database: a folder (embedded FalkorDB), ``falkordb://host:port`` or a Neo4j URI."""
    return Graph(location, on_notice=on_notice)


# -- what needs no database -----------------------------------------------------------


def queries(*, internal: bool = False) -> list[QuerySpec]:
    """The canned queries analysts ask, by name (``internal``: also the packs maps and exports use)."""
    return list_queries(internal=internal)


def catalogue(*, internal: bool = False) -> QueryResult:
    """The canned queries as rows: name, parameters (as their headers declare them), columns, description."""
    rows = [
        {
            "name": q.name,
            "params": ", ".join(p.signature for p in q.params),
            "columns": ", ".join(q.columns),
            "description": q.description,
        }
        for q in queries(internal=internal)
    ]
    return QueryResult(["name", "params", "columns", "description"], rows, total=len(rows))


def query_text(name: str) -> str:
    """A canned query's file: its header and Cypher, pasteable into Neo4j Browser."""
    return Path(get_query(name).path).read_text(encoding="utf-8").rstrip()


def extract(path: str | Path) -> dict[str, Any]:
    """Areas, counts, chains, orgs, units and mechanisms a document states (the extraction contract)."""
    from pbgraph.loaders.documents import extract_file

    return extract_file(path)


def generate(
    preset: str,
    out: str | Path,
    *,
    seed: int = 1,
    gap_rate: float = 0.05,
    as_of: dt.date | str | None = None,
    fmt: str = "csv",
    encoding: str = "utf-8",
    form: str = "today",
) -> GenerateReport:
    """Write a realistic synthetic roster (``guangming``, ``cuiping``, ``taiyuan``, ``province``) to ``out``.

    ``form="ledger"``: as a department keeps it (台账: Chinese sheets and headers, names, title rows).
    """
    from pbgraph.loaders.synthetic import generate as make
    from pbgraph.loaders.synthetic import write_roster

    day = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    if isinstance(day, dt.datetime):
        day = day.date()
    roster = make(preset, seed=seed, gap_rate=gap_rate, as_of=day)
    paths = write_roster(roster, Path(out), fmt=fmt, encoding=encoding, form=form)
    return GenerateReport(str(out), [str(p) for p in paths], dict(roster.truth["counts"]), roster.truth)


def template(out: str | Path, fmt: str = "xlsx", force: bool = False) -> list[Path]:
    """Write an empty ledger (台账模板) for a department to fill in: a workbook, or a folder of CSV files.

    An existing file (perhaps a filled-in ledger) is overwritten only with ``force``."""
    from pbgraph.loaders.ledger_writer import template_paths, write_template

    out = Path(out)
    if fmt == "xlsx" and out.suffix.lower() != ".xlsx":
        raise PbgraphError(f"{out} should end in .xlsx (or use --format csv for a folder)")
    there = [p for p in template_paths(out, fmt) if p.exists()]
    if there and not force:
        listed = ", ".join(p.name for p in there[:3]) + (" …" if len(there) > 3 else "")
        raise PbgraphError(
            f"{out}: {listed} exists already (a filled-in ledger?); choose another --out, or --force to overwrite"
        )
    return write_template(out, fmt)


def repair(location: str | None = None) -> RepairReport:
    """Recover an embedded database whose log lost acknowledged writes (a copy of the damaged files is kept)."""
    from pbgraph.graph.backends.repair import repair as repair_folder
    from pbgraph.graph.connect import resolve_location

    location = resolve_location(location)
    if "://" in location:
        raise PbgraphError("repair works on an embedded database folder, not on a server")
    return repair_folder(location)


def sample_report() -> str:
    """A short work report about 光明街道 (the demo's own text) to try document loading on."""
    from pbgraph.loaders.demo import REPORT

    return REPORT


@dataclass
class Extracted:
    """One document's extraction: its facts, or why it could not be read."""

    path: str
    facts: dict[str, Any] | None = None
    error: str | None = None


def extract_files(paths: Iterable[str | Path]) -> Iterator[Extracted]:
    """Extract each file (folders recursively, in input order); an unreadable file is reported, not raised."""
    from pbgraph.loaders.documents import DocumentError, extract_file
    from pbgraph.loaders.documents.files import expand

    for path in expand(paths):
        try:
            yield Extracted(str(path), facts=extract_file(path))
        except DocumentError as e:
            yield Extracted(str(path), error=str(e))


def extract_output(paths: Iterable[str | Path], fmt: str) -> Iterator[tuple[bool, str]]:
    """What ``pbgraph extract`` prints, in order: ``(False, text)`` for standard output (with ``jsonl``
    a line per document as it is read, else the counts of all of them at the end) and ``(True, message)``
    for each unreadable file."""
    facts = []
    for item in extract_files(paths):
        if item.error:
            yield True, item.error
        elif fmt == "jsonl":
            yield False, json.dumps(item.facts, ensure_ascii=False)
        facts += [item.facts] if item.facts else []
    if fmt != "jsonl":
        yield False, output(facts_result(facts), fmt)


#: The scores given per document (the summary has them all, summed over documents).
PER_DOCUMENT = ("areas_f1", "parent_accuracy", "counts_f1", "count_area_accuracy")


@dataclass
class EvalReport(Report):
    """Extraction scored against gold answers (``shared/spec/extraction.md``), summed over documents."""

    documents: int
    scores: dict[str, float]
    per_document: list[dict[str, Any]] = field(default_factory=list)
    #: each document's misses and false positives (when asked for)
    details: list[dict[str, Any]] = field(default_factory=list)
    #: documents with no gold answer, skipped
    skipped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = {"documents": self.documents, **self.scores, "per_document": self.per_document}
        return {**out, "details": self.details} if self.details else out


def evaluate_extraction(
    gold: str | Path | Iterable[str | Path], paths: Iterable[str | Path], *, details: bool = True
) -> EvalReport:
    """Score the extraction of ``paths`` against gold folders (one ``<stem>.json`` per document).

    ``details``: keep each document's misses and false positives in the report.
    """
    from pbgraph.loaders.documents import extract_file
    from pbgraph.loaders.documents.files import expand
    from pbgraph.loaders.documents.score import load_gold, score

    folders = [Path(gold)] if isinstance(gold, (str, Path)) else [Path(g) for g in gold]
    try:
        answers = load_gold(*folders)
    except ValueError as e:
        raise PbgraphError(str(e)) from e
    pairs, skipped = [], []
    for path in expand(paths):
        if path.stem in answers:
            pairs.append((extract_file(path), answers[path.stem]))
        else:
            skipped.append(str(path))
    result = score(pairs)
    scores = {k: round(v, 4) for k, v in result.summary().items()}
    per_doc = [{"source": d["source"], **{k: d[k] for k in PER_DOCUMENT}} for d in result.details]
    return EvalReport(len(pairs), scores, per_doc, result.details if details else [], skipped)


def facts_result(facts: list[dict[str, Any]]) -> QueryResult:
    """The counts extracted documents state, one row each (for ``table`` and ``csv``)."""
    rows = [{"source": f["source"], **c} for f in facts for c in f["counts"]]
    return QueryResult(["source", "category", "value", "approx", "area", "text"], rows, total=len(rows))


def stop(location: str | None = None) -> None:
    """Stop the embedded engine of a database folder now (it otherwise stays warm a few seconds).

    Refused while another process uses it.
    """
    from pbgraph.graph.backends.embedded import stop as stop_engine
    from pbgraph.graph.connect import resolve_location

    location = resolve_location(location)
    if "://" in location and not location.startswith("file://"):
        raise PbgraphError(f"{location} is a server pbgraph does not run; only embedded folders can be stopped")
    if not stop_engine(Path(location.removeprefix("file://"))):
        raise PbgraphError("the engine is in use by another pbgraph process; it stops when that one is done")


def parse_assignments(texts: Iterable[str]) -> dict[str, str]:
    """``["k=v", …]`` as ``{k: "v"}``, the values left as text for the query header to type."""
    out: dict[str, str] = {}
    for text in texts:
        name, sep, raw = text.partition("=")
        name = name.strip()
        if not sep:
            raise PbgraphError(f"parameter {text!r} is not NAME=VALUE")
        if not name.isidentifier() or not name.isascii():
            raise PbgraphError(f"parameter name {name!r} must be an ASCII identifier")
        out[name] = raw
    return out


def infer_value(raw: str) -> Any:
    """A value with no header to type it (``cypher -p``): integers, decimals, true/false, null and JSON
    lists/maps/strings are typed; anything else stays text."""
    lowered = raw.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    for parse in (int, float):
        try:
            return parse(raw)
        except ValueError:
            pass
    if raw[:1] in '[{"':
        try:
            return json.loads(raw)
        except ValueError:
            pass
    return raw


# -- the output layer: one meaning of table, json and csv for every command ------------


def tabulate(data: Any) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    """``data`` as (columns, rows, notes) for ``table`` and ``csv``; notes are lines a table adds."""
    if isinstance(data, QueryResult):
        notes = [f"showing {len(data.rows)} of {data.total} rows"] if data.total > len(data.rows) else []
        return data.columns, data.rows, notes
    if isinstance(data, StatusReport) or _is(data, "pbgraph.graph.backup", "BackupReport"):
        d = data.to_dict()
        rows = [{"kind": "node", "name": k, "count": v} for k, v in d["nodes"].items()]
        rows += [{"kind": "relationship", "name": k, "count": v} for k, v in d["relationships"].items()]
        head = [f"{k:<9} {d[k]}" for k in ("backend", "location", "path") if d.get(k)]
        totals = d["totals"]
        return ["kind", "name", "count"], rows, [*head, f"totals    {totals['nodes']:,} nodes, "
                                                 f"{totals['relationships']:,} relationships"]  # fmt: skip
    if _is(data, "pbgraph.loaders.rosters", "LoadReport"):
        return ["item", "kind", "created", "updated", "removed"], data.table(), []
    if _is(data, "pbgraph.loaders.documents.load", "DocsReport"):
        d = data.to_dict()
        rows = [
            {"area": a["name"], "level": a["level"], "id": a["id"], "in_graph": state}
            for state, key in (("merged", "areas_merged"), ("new", "areas_new"))
            for a in d[key]
        ]
        notes = [f"documents loaded: {len(data.documents_new)}, unchanged: {len(data.documents_unchanged)}; "
                 f"statements: {data.statements}"]  # fmt: skip
        notes += [f"ambiguous (a new node was made): {a}" for a in data.areas_ambiguous]
        return ["area", "level", "id", "in_graph"], rows, notes
    if _is(data, "pbgraph.queries.matching", "Allocation"):
        rows = [{**r, "outcome": "matched"} for r in data.rows()]
        rows += [{"demand_id": d, "outcome": reason} for d, reason in sorted(data.unmatched.items())]
        return ["demand_id", "resource_id", "tier", "score", "outcome"], rows, [allocation_line(data)]
    if isinstance(data, EvalReport):
        rows = [{"document": Path(d["source"]).name, **{k: d[k] for k in PER_DOCUMENT}} for d in data.per_document]
        rows.append({"document": f"TOTAL ({data.documents})", **{k: data.scores[k] for k in PER_DOCUMENT}})
        notes = [render("table", ["measure", "value"], [{"measure": k, "value": v} for k, v in data.scores.items()])]
        for d in data.details:
            notes.append(f"== {d['source']}")
            for key in ("areas_missed", "areas_false", "counts_missed", "counts_false"):
                items = [f"{x.get('name') or x.get('category')}={x.get('level') or x.get('value')}" for x in d[key]]
                notes.append(f"  {key}: {', '.join(items) or '—'}")
        return ["document", *PER_DOCUMENT], rows, notes
    if isinstance(data, Report):
        d = data.to_dict()
        return ["field", "value"], [{"field": k, "value": v} for k, v in d.items()], []
    raise TypeError(f"cannot show a {type(data).__name__}")


LEDGER_NOTES = (
    ("sheets", "ledger sheets (台账)"),
    ("dropped", "personal columns dropped, not stored"),
    ("pseudonymized", "names replaced by pseudonyms"),
    ("skipped", "rows set aside (signatures, footers, totals, group headings)"),
    ("kept", "columns kept as they are (not pbgraph's: check the header if one should be)"),
    ("masked", "mobile and ID numbers removed from kept columns"),
    ("absent", "in the graph from earlier ledgers, not named in this one (kept; --replace removes them)"),
    ("replaced", "in the graph from earlier ledgers, not named in this one: removed (--replace)"),
)


def _is(data: Any, module: str, name: str) -> bool:
    """``isinstance(data, module.name)`` without importing the module (if it is not loaded, data is not one)."""
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(data, getattr(loaded, name))


def roster_lines(report: LoadReport) -> list[str]:
    """What a roster load read (rows per table, encodings), ignored, and did to a ledger's personal data."""
    lines = [f"ignored (not roster tables): {', '.join(report.ignored)}"] if report.ignored else []
    for key, what in LEDGER_NOTES:
        items = report.ledger.get(key)
        if items:
            shown = ", ".join(f"{k} → {v}" for k, v in items.items()) if isinstance(items, dict) else "; ".join(items)
            lines.append(f"{what}: {shown}")
    if report.unchanged:
        lines.append(f"unchanged since the last load, not read again: {', '.join(report.unchanged)}")
    if report.settled:
        held = ", ".join(f"{n} {k:,} of {report.rows.get(n, 0):,}" for n, k in report.settled.items())
        lines.append(f"rows unchanged since the last load, not checked again: {held}")
    lines.append(WRITTEN[report.written].format(n=len(report.changes)))
    read = ", ".join(f"{n} {report.rows.get(n, 0)} rows ({report.encodings[n]})" for n in report.encodings)
    return [*lines, f"loaded {report.path}: {read or 'unchanged, nothing read again'}"]


WRITTEN = {
    "nothing": "nothing written: the graph already holds this roster",
    "bulk": "{n} changes written (a new graph, in one bulk step)",
    "statements": "{n} changes written",
}
#: Changes a table-format load report lists (JSON lists all).
CHANGES_SHOWN = 50


def changes_lines(report: LoadReport) -> list[str]:
    """The changes a load wrote, for a table (a first load's list is the roster itself: none)."""
    if not report.changes or report.written != "statements":
        return []
    lines = ["", "changed:", *(f"  {c}" for c in report.changes[:CHANGES_SHOWN])]
    more = len(report.changes) - CHANGES_SHOWN
    return lines + ([f"  … and {more} more (--format json lists them all)"] if more > 0 else [])


def status_line(stream: Any) -> tuple[Callable[[str | None], None], Progress]:
    """Callbacks drawing a long load's status on a terminal: the step, a bar while writing, the time so far.

    From the first step on, the line is redrawn every second, so the time moves during a long
    step; ``stage(None)`` stops that and clears the line (call it before printing anything else).
    """
    import threading
    import time

    state: dict[str, Any] = {"step": "starting", "done": 0, "total": 0, "started": time.monotonic()}
    lock = threading.Lock()
    stop = threading.Event()

    def draw() -> None:
        line = f"pbgraph: {state['step']}"
        if state["total"]:
            filled = round(20 * state["done"] / state["total"])
            line += f" [{'#' * filled}{'-' * (20 - filled)}] {state['done']}/{state['total']}"
        stream.write(f"\r\033[K{line} … {time.monotonic() - state['started']:.0f} s")
        stream.flush()

    def tick() -> None:
        while not stop.wait(1.0):
            with lock:
                if not stop.is_set():
                    draw()

    def stage(name: str | None) -> None:
        with lock:
            if stop.is_set():
                return
            if name is None:
                stop.set()
                stream.write("\r\033[K")
                stream.flush()
                return
            if "ticker" not in state:
                state["ticker"] = threading.Thread(target=tick, name="pbgraph-status", daemon=True)
                state["ticker"].start()
            state["step"] = name
            draw()

    def progress(done: int, total: int) -> None:
        with lock:
            if stop.is_set():
                return
            state.update(step="writing", done=done, total=total)
            draw()

    return stage, progress


def allocation_line(a: Allocation) -> str:
    """One line: the total score, what was matched, and why the rest was not."""
    s = a.summary()
    reasons: dict[str, int] = {}
    for item in s["unmatched"]:
        reasons[item["reason"]] = reasons.get(item["reason"], 0) + 1
    return (
        f"total score {s['total_score']:,.2f}; demands matched {s['demands_matched']:,} / {s['demands_open']:,} open; "
        f"resources used {s['resources_used']:,} / {s['resources_offered']:,} offered; unmatched: "
        + (", ".join(f"{n:,} {reason}" for reason, n in sorted(reasons.items())) or "none")
    )


def output(data: Any, fmt: str = "table") -> str:
    """``data`` (a :class:`QueryResult` or a report) as ``table``, ``json`` or ``csv``.

    json is the report's ``to_dict()`` (a query's rows: an array of objects); table and
    csv hold the same rows, and a table adds the lines that summarize them.
    """
    if fmt not in FORMATS:
        raise PbgraphError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "json":
        value = data.rows if isinstance(data, QueryResult) else data.to_dict()
        return json.dumps(value, ensure_ascii=False, indent=2)
    columns, rows, notes = tabulate(data)
    if fmt == "csv":
        return render("csv", columns, rows)
    after = changes_lines(data) if _is(data, "pbgraph.loaders.rosters", "LoadReport") else []
    return "\n".join([*notes, render("table", columns, rows), *after])


# -- the older function-per-use-case API (kept while callers move to Graph) ----------------

DB = Backend | str | None


def status(db: DB = None) -> dict[str, Any]:
    """Backend, location, node counts per label and relationship counts per type."""
    with using(db) as b:
        counts = b.counts()
        return {"backend": b.kind, "location": b.location, "nodes": counts.nodes, "relationships": counts.relationships}


def cypher_result(query: str, params: Mapping[str, Any] | None = None, *, write: bool = False, db: DB = None) -> Result:
    """Run one statement; read-only unless ``write`` is true."""
    with using(db) as b:
        return b.write(query, params) if write else b.read(query, params)


def cypher(
    query: str, params: Mapping[str, Any] | None = None, *, write: bool = False, db: DB = None
) -> list[dict[str, Any]]:
    """Run one statement and return its rows as dicts."""
    return cypher_result(query, params, write=write, db=db).records()


def reset(db: DB = None) -> None:
    """Delete everything in the database (nodes, relationships, indexes), then recreate the schema."""
    with using(db) as b:
        b.reset()
