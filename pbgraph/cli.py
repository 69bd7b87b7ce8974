"""The ``pbgraph`` command: a thin layer over :mod:`pbgraph.api`.

Each command parses its options, calls one library function and renders the
result. Data goes to stdout, messages to stderr; an expected failure is one line
on stderr and a non-zero exit (``--debug`` shows the traceback).
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from pbgraph import __version__, api
from pbgraph.graph import Backend, default_location, open_backend
from pbgraph.graph.connect import ENV_DB, embedded_folder, resolve_location
from pbgraph.graph.errors import PbgraphError
from pbgraph.maps import DEFAULT_BUDGET, DEFAULT_LAYERS, LAYERS
from pbgraph.queries.render import FORMATS, render

FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table for people; json (an array of objects) or csv for scripts.",
)


@dataclass
class State:
    """What the global options chose, and the backend once a command opens it."""

    db: str | None = None
    debug: bool = False
    _backend: Backend | None = field(default=None, repr=False)
    #: the embedded folder this command is creating (removed again if the command fails)
    _creating: Path | None = field(default=None, repr=False)

    def backend(self) -> Backend:
        if self._backend is None:
            folder = embedded_folder(resolve_location(self.db))
            if folder is not None and not folder.exists():
                self._creating = folder
            self._backend = open_backend(self.db)
            lease = getattr(self._backend, "_lease", None)
            for message in getattr(lease, "messages", []):
                click.echo(f"pbgraph: {message}", err=True)
            click.get_current_context().call_on_close(self.close)
        return self._backend

    def close(self) -> None:
        if self._backend is not None:
            backend, self._backend = self._backend, None
            backend.close()

    def failed(self) -> None:
        """The command failed: close, and remove a database folder it created that holds nothing."""
        from pbgraph.graph.backends.embedded import discard_new_folder

        with contextlib.suppress(Exception):
            self.close()
        if self._creating is not None:
            with contextlib.suppress(OSError):
                discard_new_folder(self._creating)


class PbgraphGroup(click.Group):
    """Turns pbgraph's own errors into one clear line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            except BaseException as e:
                state = ctx.find_object(State)
                if state is not None and not (isinstance(e, (SystemExit, click.exceptions.Exit)) and not _code(e)):
                    state.failed()
                raise
        except PbgraphError as e:
            state = ctx.find_object(State)
            if state is not None and state.debug:
                raise
            raise click.ClickException(str(e)) from e
        except KeyboardInterrupt:
            click.echo("pbgraph: interrupted", err=True)
            sys.exit(130)


def _code(e: BaseException) -> int | str | None:
    return e.code if isinstance(e, SystemExit) else getattr(e, "exit_code", None)


pass_state = click.make_pass_decorator(State)


@click.group(cls=PbgraphGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    metavar="LOCATION",
    envvar=ENV_DB,
    show_envvar=True,
    help=(
        "Where the graph lives: a folder (embedded FalkorDB, created on first use), "
        "falkordb://host:port for a FalkorDB server, or bolt:// / neo4j:// / neo4j+s:// "
        "for Neo4j 5 (credentials from NEO4J_USERNAME and NEO4J_PASSWORD). "
        f"Default: {default_location()}"
    ),
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(__version__, "--version", prog_name="pbgraph")
@click.pass_context
def cli(ctx: click.Context, db: str | None, debug: bool) -> None:
    """pbgraph: the regionalized party-building network (区域化党建) as a graph.

    Load rosters (台账) and documents, ask the canned questions, match
    resources to demands, and draw maps. The database is an embedded folder
    by default; the same commands work against Neo4j 5.

    \b
    Examples:
      pbgraph --db ./district.db status
      pbgraph cypher "MATCH (g:Grid) RETURN g.id AS id LIMIT 5" --format json
      PBGRAPH_DB=neo4j://db.example:7687 pbgraph status
    """
    ctx.obj = State(db=db, debug=debug)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_state
def status(state: State, fmt: str) -> None:
    """Show the backend, where the data lives, and counts per label and type.

    A node counts once under each of its labels (an Area:Grid counts under
    Area and under Grid).

    \b
    Examples:
      pbgraph status
      pbgraph --db ./district.db status --format json
    """
    info = api.status(state.backend())
    if fmt == "json":
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    click.echo(f"backend   {info['backend']}")
    click.echo(f"location  {info['location']}")
    for title, counts in (("nodes", info["nodes"]), ("relationships", info["relationships"])):
        rows = [{"name": k, "count": v} for k, v in counts.items()]
        total = sum(counts.values()) if title == "relationships" else None
        click.echo(f"\n{title}" + (f" ({total} in all)" if total is not None else ""))
        click.echo(render("table", ["name", "count"], rows) if rows else "  (none)")


def parse_param(text: str) -> tuple[str, Any]:
    """``k=v`` → (k, typed v): integers, decimals, true/false, null and JSON lists/maps/strings
    are typed; anything else is a string."""
    if "=" not in text:
        raise click.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="--param")
    name, raw = text.split("=", 1)
    name = name.strip()
    if not name.isidentifier() or not name.isascii():
        raise click.BadParameter(f"parameter name {name!r} must be an ASCII identifier", param_hint="--param")
    return name, infer_value(raw)


def infer_value(raw: str) -> Any:
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


@cli.command()
@click.argument("query")
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A query parameter ($NAME); repeat for more. Numbers, true/false, null and "
    "JSON lists are typed, anything else is a string.",
)
@click.option("--write", is_flag=True, help="Allow the statement to change the graph.")
@FORMAT_OPTION
@pass_state
def cypher(state: State, query: str, params: tuple[str, ...], write: bool, fmt: str) -> None:
    """Run one Cypher statement (read-only unless --write).

    Values always travel as parameters: write $name in the query and pass
    --param name=value. Use QUERY "-" to read the statement from stdin.

    \b
    Examples:
      pbgraph cypher "MATCH (a:Area {level: \\$level}) RETURN a.id AS id, a.name AS name" -p level=street
      pbgraph cypher "CREATE (:Area:Grid {id: 'g1', name: '一网格', level: 'grid'})" --write
      echo "MATCH (n) RETURN count(n) AS n" | pbgraph cypher - --format json
    """
    if query == "-":
        query = sys.stdin.read()
    values = dict(parse_param(p) for p in params)
    result = api.cypher_result(query, values, write=write, db=state.backend())
    if write:
        s = result.stats
        click.echo(
            f"pbgraph: {s.get('nodes_created', 0)} nodes created, {s.get('nodes_deleted', 0)} deleted, "
            f"{s.get('relationships_created', 0)} relationships created, "
            f"{s.get('relationships_deleted', 0)} deleted, {s.get('properties_set', 0)} properties set",
            err=True,
        )
    if result.columns:
        click.echo(render(fmt, result.columns, result.records()))
    elif fmt == "json":
        click.echo("[]")


@cli.command()
@click.option("--yes", is_flag=True, help="Confirm: delete everything without asking.")
@pass_state
def reset(state: State, yes: bool) -> None:
    """Delete every node and relationship in the database.

    Asks first on a terminal; scripts must pass --yes.

    \b
    Example:
      pbgraph --db ./scratch.db reset --yes
    """
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError("refusing to delete the whole graph without --yes")
        click.confirm("Delete every node and relationship in this database?", abort=True, err=True)
    backend = state.backend()
    api.reset(backend)
    click.echo(f"pbgraph: emptied {backend.location}", err=True)


@cli.group()
def query() -> None:
    """The canned questions analysts ask (list, show, run).

    \b
    Examples:
      pbgraph query list
      pbgraph query run coverage/uncovered-grids --area 光明街道
    """


@query.command("list")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
def query_list(fmt: str) -> None:
    """List every canned query with its parameters and description.

    \b
    Example:
      pbgraph query list --format json
    """
    from pbgraph.queries.runner import list_queries

    rows = [
        {
            "name": q.name,
            "params": ", ".join(f"{p.name}:{p.type}" + ("" if p.required else "?") for p in q.params),
            "columns": ", ".join(q.columns),
            "description": q.description,
        }
        for q in list_queries()
    ]
    click.echo(render(fmt, ["name", "params", "columns", "description"], rows))


@query.command("show")
@click.argument("name")
def query_show(name: str) -> None:
    """Print a canned query's header and Cypher (pasteable into Neo4j Browser).

    \b
    Example:
      pbgraph query show matching/candidates
    """
    from pbgraph.queries.runner import get_query

    spec = get_query(name)
    click.echo(Path(spec.path).read_text(encoding="utf-8").rstrip())


@query.command("run")
@click.argument("name")
@click.option("--area", help="An area id or unambiguous name: only rows inside it.")
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter from the query's header, typed by it: --param max_households=600, "
    "--param on=2025-06-30, --param required=police_station,property_company.",
)
@click.option("--limit", type=click.IntRange(min=0), help="Print at most this many rows.")
@FORMAT_OPTION
@pass_state
def query_run(state: State, name: str, area: str | None, params: tuple[str, ...], limit: int | None, fmt: str) -> None:
    """Run a canned query, read-only, and print its rows.

    Dates (on, before) default to today. 'pbgraph query list' shows each
    query's parameters; 'pbgraph query show NAME' its text.

    \b
    Examples:
      pbgraph query run coverage/uncovered-grids --area 光明街道
      pbgraph query run coverage/oversized-grids -p max_households=600 --format csv
      pbgraph query run agreements/units-without-agreement -p on=2025-06-30 --format json
      pbgraph query run committees/composition -p required=police_station,school --limit 20
    """
    from pbgraph.queries.runner import get_query, run_query

    spec = get_query(name)
    values: dict[str, Any] = {}
    for text in params:
        if "=" not in text:
            raise click.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="--param")
        key, raw = text.split("=", 1)
        values[key.strip()] = raw  # typed by the runner from the query header
    if area is not None:
        values["area"] = area
    rows = run_query(spec.name, state.backend(), limit=limit, **values)
    click.echo(render(fmt, list(spec.columns), rows))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "table"]),
    default="jsonl",
    show_default=True,
    help="jsonl: one JSON object per document, in input order (the extraction contract); "
    "table: the counts, for reading.",
)
def extract(paths: tuple[Path, ...], fmt: str) -> None:
    """Extract areas, counts, chains, orgs, units and mechanisms from documents.

    Reads .txt, .md, .html (its main text) and .docx (with its tables), UTF-8
    or GB18030; a folder is read recursively. Text is normalized first (injected pinyin
    removed, Traditional → Simplified, page furniture dropped, spaced
    characters joined); spans are offsets into that text. A file that cannot
    be read is reported on stderr and the others are still processed; the exit
    status is then 1.

    \b
    Examples:
      pbgraph extract report.txt
      pbgraph extract ./reports/ --format table
      pbgraph extract a.html b.docx > facts.jsonl
    """
    from pbgraph.loaders.documents import DocumentError, extract_file
    from pbgraph.loaders.documents.files import expand

    failed = 0
    for path in expand(paths):
        try:
            facts = extract_file(path)
        except DocumentError as e:
            click.echo(f"pbgraph: {e}", err=True)
            failed += 1
            continue
        if fmt == "jsonl":
            click.echo(json.dumps(facts, ensure_ascii=False))
        else:
            click.echo(f"== {facts['source']} — {facts['title']}")
            click.echo("areas: " + ", ".join(f"{a['name']}({a['level']})" for a in facts["areas"]))
            click.echo(render("table", ["category", "value", "approx", "area", "text"], facts["counts"]))
    if failed:
        raise SystemExit(1)


@cli.command("extract-eval")
@click.option(
    "--gold",
    required=True,
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of gold answers, one <document stem>.json each; repeat it for several folders.",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--details", is_flag=True, help="Also list each document's misses and false positives.")
def extract_eval(gold: tuple[Path, ...], paths: tuple[Path, ...], fmt: str, details: bool) -> None:
    """Score extraction against gold answers, as the extraction contract scores it.

    Per document and in total (summed over documents): precision, recall and
    F1 for areas (name and level) and counts (category and value), parent
    accuracy and count-area accuracy.

    \b
    Example (the whole development set):
      pbgraph extract-eval --gold ../shared/corpus/gold --gold ../shared/corpus/dev/gold \\
          ../shared/corpus/seeds ../shared/corpus/dev/docs
    """
    from pbgraph.loaders.documents import extract_file
    from pbgraph.loaders.documents.files import expand
    from pbgraph.loaders.documents.score import load_gold, score

    try:
        answers = load_gold(*gold)
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    pairs = []
    for path in expand(paths):
        if path.stem not in answers:
            click.echo(f"pbgraph: no gold for {path} (no {path.stem}.json in the --gold folders); skipped", err=True)
            continue
        pairs.append((extract_file(path), answers[path.stem]))
    result = score(pairs)
    summary = {k: round(v, 4) for k, v in result.summary().items()}
    per_doc = ["areas_f1", "parent_accuracy", "counts_f1", "count_area_accuracy"]
    if fmt == "json":
        out: dict[str, Any] = {"documents": len(pairs), **summary}
        out["per_document"] = [{"source": d["source"], **{k: d[k] for k in per_doc}} for d in result.details]
        if details:
            out["details"] = result.details
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    rows = [{"document": Path(d["source"]).name, **{k: d[k] for k in per_doc}} for d in result.details]
    rows.append({"document": f"TOTAL ({len(pairs)})", **{k: summary[k] for k in per_doc}})
    click.echo(render("table", ["document", *per_doc], rows))
    click.echo(render("table", ["measure", "value"], [{"measure": k, "value": v} for k, v in summary.items()]))
    if details:
        for d in result.details:
            click.echo(f"\n== {d['source']}")
            for key in ("areas_missed", "areas_false", "counts_missed", "counts_false"):
                items = [f"{x.get('name') or x.get('category')}={x.get('level') or x.get('value')}" for x in d[key]]
                click.echo(f"  {key}: {', '.join(items) or '—'}")


@cli.command()
@click.option("--area", help="An area id or unambiguous name: only demands raised inside it.")
@click.option(
    "--max-tier",
    type=click.IntRange(0, 2),
    default=2,
    show_default=True,
    help="0: same community only; 1: also same street; 2: also same district.",
)
@click.option(
    "--write",
    is_flag=True,
    help="Record the allocation as open projects (match-<demand>) that ADDRESS the demand and USE "
    "the resource; running it again creates no duplicates.",
)
@click.option("--greedy", is_flag=True, help="Use the greedy baseline instead of the optimal allocation.")
@FORMAT_OPTION
@pass_state
def match(state: State, area: str | None, max_tier: int, write: bool, greedy: bool, fmt: str) -> None:
    """Allocate resources to open demands (资源、需求、项目认领) for the largest total score.

    A pair scores urgency × households × 1, 0.5 or 0.25 for tier 0 (same
    community), 1 (same street) or 2 (same district); missing households count
    as 1, missing urgency as 3. Each demand gets at most one resource, each
    resource serves at most its remaining capacity. The allocation is optimal
    (an exact min-cost flow, OR-Tools), not first-come.

    Prints the pairs, then a summary (total score, demands matched / open,
    resources used / offered, unmatched demands and why: no candidate, or
    outbid). JSON is one object: {"allocation": [...], "summary": {...}}.

    \b
    Examples:
      pbgraph match --area 光明街道
      pbgraph match --max-tier 1 --format json
      pbgraph match --write
    """
    from pbgraph.queries.matching import allocate, write_allocation

    backend = state.backend()
    allocation = allocate(backend, area=area, max_tier=max_tier, method="greedy" if greedy else "optimal")
    summary = allocation.summary()
    columns = ["demand_id", "resource_id", "tier", "score"]
    if fmt == "json":
        click.echo(json.dumps({"allocation": allocation.rows(), "summary": summary}, ensure_ascii=False, indent=2))
    else:
        click.echo(render(fmt, columns, allocation.rows()))
    reasons: dict[str, int] = {}
    for item in summary["unmatched"]:
        reasons[item["reason"]] = reasons.get(item["reason"], 0) + 1
    click.echo(
        f"pbgraph: total score {summary['total_score']:g}; demands matched {summary['demands_matched']} / "
        f"{summary['demands_open']} open; resources used {summary['resources_used']} / "
        f"{summary['resources_offered']} offered; unmatched: "
        + (", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items())) or "none"),
        err=True,
    )
    if write:
        n = write_allocation(allocation, backend)
        click.echo(f"pbgraph: recorded {n} open projects (match-<demand>)", err=True)


@cli.command("map")
@click.option("--area", help="An area id or unambiguous name: the map's centre. Default: the whole graph.")
@click.option(
    "--query", "query_name", help="A canned question whose rows are highlighted, e.g. coverage/uncovered-grids."
)
@click.option(
    "--param", "params", multiple=True, metavar="K=V", help="A parameter for --query (repeatable), typed by its header."
)
@click.option("--depth", type=click.IntRange(0, 12), default=12, show_default=True, help="Levels below the area.")
@click.option(
    "--layers",
    default=",".join(DEFAULT_LAYERS),
    show_default=True,
    help="What hangs on the area backbone, comma-separated: " + ", ".join(LAYERS) + ".",
)
@click.option(
    "--budget",
    type=click.IntRange(min=10),
    default=DEFAULT_BUDGET,
    show_default=True,
    help="Above this many nodes the map aggregates (buildings into grids, long lists into counts, …).",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The HTML file to write.")
@pass_state
def map_(
    state: State, area: str | None, query_name: str | None, params: tuple[str, ...], depth: int, layers: str,
    budget: int, out: Path,
) -> None:  # fmt: skip
    """Draw an area's network as one self-contained HTML page for planners.

    The area hierarchy is the backbone; party organizations (◆, ★ joint
    committees), resident units (■), agreements (dashed lines), grid workers
    (▼) and the resource / demand / project lists hang on it. Gaps found by
    the canned questions (uncovered grids, communities without a joint
    committee, units without agreements, open demands, …) have a red border;
    --query highlights the rows of any canned question in yellow. Hover a node
    for its facts. The page embeds its scripts and works with no network,
    from disk or an intranet share.

    \b
    Examples:
      pbgraph map --area 光明街道 --out guangming.html
      pbgraph map --area 翠屏区 --query coverage/uncovered-grids --out gaps.html
      pbgraph map --area 迎泽区 --layers orgs,workers --depth 3 --out chain.html
    """
    from pbgraph.maps import build_map, write_map

    chosen = tuple(x.strip() for x in layers.split(",") if x.strip())
    m = build_map(
        state.backend(), area=area, depth=depth, layers=chosen, query=query_name,
        query_params=dict(parse_param(p) for p in params), budget=budget,
    )  # fmt: skip
    for note in m.notes:
        click.echo(f"pbgraph: {note}", err=True)
    path = write_map(m, out)
    gaps = sum(1 for n in m.nodes.values() if n.gaps or (n.gap_counts and n.gap_counts.total()))
    click.echo(f"pbgraph: wrote {path}: {len(m.nodes)} nodes, {len(m.edges)} edges, {gaps} with gaps", err=True)


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["graphml", "json"]), default="graphml", show_default=True)
@click.option("--area", help="Only the areas under this one and what is attached to them.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="The file to write (default: standard output)."
)
@pass_state
def export_(state: State, fmt: str, area: str | None, out: Path | None) -> None:
    """Export the graph for Gephi (GraphML) or networkx (node-link JSON).

    Nodes are keyed Label:id and carry every property (lists and maps as JSON
    text in GraphML); relationships carry their type and properties. Load
    the JSON with networkx.node_link_graph(data, edges="edges", name="key")
    (the node key is under "key", since "id" is the node's own id).

    \b
    Examples:
      pbgraph export --format graphml --out network.graphml
      pbgraph export --format json --area 双塔北街道 > shuangta.json
    """
    from pbgraph.graph.export import to_networkx, write_export

    g = to_networkx(state.backend(), area=area)
    text = write_export(g, fmt, out)
    if text is not None:
        click.echo(text)
    click.echo(
        f"pbgraph: exported {g.number_of_nodes()} nodes and {g.number_of_edges()} relationships"
        + (f" to {out}" if out else ""),
        err=True,
    )


@cli.command("repair")
@pass_state
def repair_(state: State) -> None:
    """Recover an embedded database whose log lost acknowledged writes.

    pbgraph refuses to open a database whose append-only log no longer holds
    every acknowledged write (a file cut short, altered or deleted). repair
    first copies the damaged files into a damaged-<time>/ folder inside the
    database, then recovers what the log still holds and says exactly what
    was lost (which acknowledged writes, or how many nodes), so you can load
    those files again. No other pbgraph process may use the database meanwhile.

    \b
    Example:
      pbgraph --db ./district.db repair
    """
    from pbgraph.graph.backends.repair import repair

    location = resolve_location(state.db)
    if "://" in location:
        raise click.UsageError("repair works on an embedded database folder, not on a server")
    report = repair(location)
    click.echo("\n".join(f"pbgraph: {line}" for line in report.summary().splitlines()), err=True)


@cli.command("backup")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The backup file to write.")
@pass_state
def backup_(state: State, out: Path) -> None:
    """Write a consistent snapshot of the graph to one file, while others keep reading.

    The file (gzip JSON lines: every node and relationship with its properties,
    plus the counts) is engine-neutral: restore it into an embedded folder, a
    FalkorDB server or Neo4j. It appears only once complete.

    \b
    Examples:
      pbgraph --db ./district.db backup --out district-2026-11-23.pbgraph.gz
      pbgraph --db falkordb://db-host:6379 backup --out nightly.pbgraph.gz
    """
    from pbgraph.graph.backup import backup

    report = backup(state.backend(), out)
    click.echo(f"pbgraph: backed up {report.nodes} nodes and {report.relationships} relationships to {out}", err=True)


@cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace what the database holds (default: it must be empty).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_state
def restore_(state: State, path: Path, replace: bool, fmt: str) -> None:
    """Load a backup into the database, all or nothing, and verify the counts.

    The whole file is checked first (its SHA-256 checksum: a truncated,
    damaged or edited file, or labels that are not pbgraph's, change nothing). This is also the way to move an
    embedded database to Neo4j: back it up, restore the file with --db
    pointing at Neo4j, and the counts per label and type are verified.

    \b
    Examples:
      pbgraph --db ./copy.db restore district-2026-11-23.pbgraph.gz
      pbgraph --db ./district.db restore --replace district-2026-11-23.pbgraph.gz
      NEO4J_PASSWORD=… pbgraph --db neo4j://db-host:7687 restore district.pbgraph.gz
    """
    from pbgraph.graph.backup import restore

    report = restore(state.backend(), path, replace=replace)
    if fmt == "json":
        click.echo(json.dumps({"nodes": report.counts["nodes"], "relationships": report.counts["relationships"]},
                              ensure_ascii=False, indent=2))  # fmt: skip
    else:
        rows = [{"kind": "node", "name": k, "count": v} for k, v in report.counts["nodes"].items()]
        rows += [{"kind": "relationship", "name": k, "count": v} for k, v in report.counts["relationships"].items()]
        click.echo(render("table", ["kind", "name", "count"], rows))
    click.echo(
        f"pbgraph: restored {report.nodes} nodes and {report.relationships} relationships from {path}; counts verified",
        err=True,
    )


@cli.group()
def load() -> None:
    """Load data into the graph: rosters (台账) and documents (reports, news pages).

    \b
    Examples:
      pbgraph load roster ./roster/
      pbgraph load docs ./reports/
    """


#: Changes a table-format load report lists (JSON lists all).
CHANGES_SHOWN = 50


@load.command("roster")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--replace",
    is_flag=True,
    help="Make the graph hold exactly this roster's rows for each table it contains: delete "
    "nodes and pairs it does not name (nodes a document mentions are kept).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@pass_state
def load_roster_cmd(state: State, path: Path, replace: bool, fmt: str, quiet: bool) -> None:
    """Load a roster: a folder of CSV files or one .xlsx workbook.

    Tables (files or sheets): areas (required), orgs, coverage, units,
    memberships, agreements, workers, resources, demands, projects, members —
    columns as in the roster contract; extra columns are kept as properties.
    CSV may be UTF-8 (with or without BOM) or GB18030/GBK.

    Ledgers (台账) as departments keep them load too, alone or mixed with the
    above: sheets 区域, 党组织, 网格覆盖, 驻区单位, 大党委成员, 共建协议, 网格员,
    资源清单, 需求清单, 项目清单, 报到党员 (see `pbgraph template`), with title
    rows, merged cells, Chinese words, names instead of ids (新华街道/和平社区
    where a name repeats) and dates such as 2024年3月1日. Personal columns
    (身份证号, 手机, 联系电话, …) are dropped before anything is written; 姓名 of
    grid workers and members become pseudonyms.

    All or nothing: every row is checked first, and any problem — unknown
    vocabulary, missing value, duplicate id, unknown reference, parent cycle,
    bad date, negative count — is reported with table, row and column, and
    nothing is written. Only the difference between the roster and the graph
    is written, and the report names each created, updated or removed node and
    relationship: loading the same roster again writes nothing (an unchanged
    file is not even read again when nothing else wrote since); a changed roster
    updates the ids it names. A status line on stderr shows each step (not with
    --quiet, or when stderr is not a terminal).

    \b
    Examples:
      pbgraph load roster ./guangming/
      pbgraph load roster 台账2025.xlsx --format json
      pbgraph load roster ./units-only/ --replace
    """
    from pbgraph.loaders.rosters import load_roster

    backend = state.backend()
    with _load_progress(quiet) as (stage, bar):
        report = load_roster(path, backend, replace=replace, progress=bar, stage=stage)
    if report.ignored:
        click.echo(f"pbgraph: ignored (not roster tables): {', '.join(report.ignored)}", err=True)
    for key, what in (
        ("sheets", "ledger sheets (台账)"),
        ("dropped", "personal columns dropped, not stored"),
        ("pseudonymized", "names replaced by pseudonyms"),
        ("skipped", "rows set aside (title, signature, totals)"),
        ("absent", "in the graph from earlier ledgers, not named in this one (kept; --replace removes them)"),
    ):
        items = report.ledger.get(key)
        if items:
            shown = ", ".join(f"{k} → {v}" for k, v in items.items()) if isinstance(items, dict) else "; ".join(items)
            click.echo(f"pbgraph: {what}: {shown}", err=True)
    read = ", ".join(f"{n} {report.rows.get(n, 0)} rows ({report.encodings[n]})" for n in report.encodings)
    click.echo(f"pbgraph: loaded {report.path}: {read}", err=True)
    if report.unchanged:
        click.echo(f"pbgraph: unchanged since the last load, not read again: {', '.join(report.unchanged)}", err=True)
    written = {
        "nothing": "nothing written: the graph already holds this roster",
        "bulk": f"{len(report.changes)} changes written (a new graph, in one bulk step)",
        "statements": f"{len(report.changes)} changes written",
    }
    click.echo(f"pbgraph: {written[report.written]}", err=True)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "path": report.path,
                    "encodings": report.encodings,
                    "rows": report.rows,
                    "ignored": report.ignored,
                    "unchanged": report.unchanged,
                    "nodes": report.nodes,
                    "relationships": report.relationships,
                    "changes": [c._asdict() for c in report.changes],
                    "ledger": report.ledger,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        click.echo(render("table", ["item", "kind", "created", "updated", "removed"], report.table()))
        if report.changes and report.written == "statements":  # a first load's list is the roster itself
            click.echo("\nchanged:")
            for change in report.changes[:CHANGES_SHOWN]:
                click.echo(f"  {change}")
            if len(report.changes) > CHANGES_SHOWN:
                click.echo(f"  … and {len(report.changes) - CHANGES_SHOWN} more (--format json lists them all)")


@load.command("docs")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@pass_state
def load_docs_cmd(state: State, paths: tuple[Path, ...], fmt: str, quiet: bool) -> None:
    """Load documents (reports, case studies, saved news pages) into the graph.

    Each document becomes a Document (keyed by the hash of its text: loading
    it again changes nothing); each number it states a Statement FROM it and
    ABOUT its area, with the span; named areas join the graph's areas of the
    same name and level when their parents agree (the report lists what was
    merged and what is new); orgs, units and mechanisms are MENTIONED_IN it.
    Unreadable files are reported; the others still load; the exit status is
    then 1.

    \b
    Examples:
      pbgraph load docs ./reports/
      pbgraph load docs 工作报告.docx 新闻.html --format json
      pbgraph query run reconciliation/stated-vs-actual
    """
    from pbgraph.loaders.documents.load import load_documents

    backend = state.backend()
    with _progress("writing", quiet) as bar:
        report = load_documents(paths, backend, progress=bar)
    for error in report.errors:
        click.echo(f"pbgraph: {error}", err=True)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "documents_new": report.documents_new,
                    "documents_unchanged": report.documents_unchanged,
                    "statements": report.statements,
                    "areas_merged": [{"name": n, "level": lv, "id": i} for n, lv, i in report.areas_merged],
                    "areas_new": [{"name": n, "level": lv, "id": i} for n, lv, i in report.areas_new],
                    "areas_ambiguous": report.areas_ambiguous,
                    "errors": report.errors,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        click.echo(
            f"documents loaded: {len(report.documents_new)}, unchanged: {len(report.documents_unchanged)}; "
            f"statements: {report.statements}"
        )
        click.echo(
            "areas merged with the graph: " + (", ".join(f"{n}({lv})" for n, lv, _ in report.areas_merged) or "none")
        )
        click.echo("new areas: " + (", ".join(f"{n}({lv})" for n, lv, _ in report.areas_new) or "none"))
        if report.areas_ambiguous:
            click.echo("ambiguous (a new node was made): " + "; ".join(report.areas_ambiguous))
    if report.errors:
        raise SystemExit(1)


@contextlib.contextmanager
def _load_progress(
    quiet: bool,
) -> Iterator[tuple[Callable[[str], None] | None, Callable[[int, int], None] | None]]:
    """Callbacks for a long load: a status line on stderr, redrawn every quarter second from the
    start (the step, a bar once writing, the time so far); (None, None) when quiet or not a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None, None
        return
    state = {"step": "starting", "done": 0, "total": 0}
    started = time.monotonic()
    stop = threading.Event()

    def draw() -> None:
        line = f"pbgraph: {state['step']}"
        if state["total"]:
            filled = round(20 * state["done"] / state["total"])
            line += f" [{'#' * filled}{'-' * (20 - filled)}] {state['done']}/{state['total']}"
        sys.stderr.write(f"\r\033[K{line} … {time.monotonic() - started:.0f} s")
        sys.stderr.flush()

    def tick() -> None:
        while not stop.wait(0.25):
            draw()

    def stage(name: str) -> None:
        state["step"] = name
        draw()

    def progress(done: int, total: int) -> None:
        state.update(step="writing", done=done, total=total)

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield stage, progress
    finally:
        stop.set()
        ticker.join()
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


@contextlib.contextmanager
def _progress(label: str, quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress callback drawing a bar on stderr, or None when quiet or not on a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@cli.command()
@click.option(
    "--preset",
    required=True,
    type=click.Choice(["guangming", "cuiping", "taiyuan", "province"]),
    help="guangming: one street (光明街道); cuiping: a district (翠屏区) with regional committees; "
    "taiyuan: a city, ~110k nodes; province: ten such cities, ~1M nodes.",
)
@click.option("--seed", default=1, show_default=True, help="Same seed (and --as-of), same files.")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Folder to write (created).")
@click.option(
    "--gap-rate", default=0.05, show_default=True, help="Share of grids, committees, units, … given a planted gap."
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    metavar="YYYY-MM-DD",
    help="The date agreements are dated around (default: today).",
)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option(
    "--encoding",
    type=click.Choice(["utf-8", "utf-8-sig", "gb18030"]),
    default="utf-8",
    show_default=True,
    help="CSV encoding (Excel in China often saves GB18030/GBK).",
)
@click.option(
    "--form",
    type=click.Choice(["today", "ledger"]),
    default="today",
    show_default=True,
    help="today: pbgraph's tables (ids, English headers); ledger: as a department keeps them (台账: Chinese "
    "sheets and headers, names, title rows, merged cells; CSV in GB18030).",
)
def generate(
    preset: str, seed: int, out: Path, gap_rate: float, as_of: str | None, fmt: str, encoding: str, form: str
) -> None:
    """Write a realistic synthetic roster, with truth.json listing every planted gap.

    The presets follow the numbers the source documents state; gaps
    (uncovered grids, communities without 大党委, units without agreements,
    oversized grids, grids without workers, committees missing a required
    sector, expired agreements, open demands) are planted at --gap-rate.

    \b
    Examples:
      pbgraph generate --preset guangming --seed 7 --out ./guangming
      pbgraph generate --preset cuiping --out ./cuiping --format xlsx
      pbgraph generate --preset guangming --out ./台账 --format xlsx --form ledger
      pbgraph load roster ./guangming
    """
    import datetime as dt

    from pbgraph.loaders.synthetic import generate as make
    from pbgraph.loaders.synthetic import write_roster

    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError as e:
        raise click.BadParameter(f"{as_of!r} is not a date (YYYY-MM-DD)", param_hint="--as-of") from e
    roster = make(preset, seed=seed, gap_rate=gap_rate, as_of=day)
    paths = write_roster(roster, out, fmt=fmt, encoding=encoding, form=form)
    counts = ", ".join(f"{k} {v}" for k, v in roster.truth["counts"].items())
    click.echo(f"pbgraph: wrote {len(paths)} files to {out} ({counts})", err=True)


@cli.command()
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="The workbook (.xlsx) or, with --format csv, a folder.",
)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
def template(out: Path, fmt: str) -> None:
    """Write an empty ledger (台账模板) for a department to fill in.

    One sheet per ledger — 区域, 党组织, 网格覆盖, 驻区单位, 大党委成员, 共建协议,
    网格员, 资源清单, 需求清单, 项目清单, 报到党员 — each with a title row, a
    frozen header and drop-down lists for every column with fixed words
    (级别, 党组织类型, 单位性质, …). Fill in names, not ids: write a place's
    parent too where a name repeats (新华街道/和平社区). The filled-in workbook
    loads as it is. --format csv writes a folder of GB18030 CSV files (headers
    only), one per sheet.

    \b
    Examples:
      pbgraph template --out 台账模板.xlsx
      pbgraph template --out ./台账模板 --format csv
      pbgraph load roster 台账模板.xlsx
    """
    from pbgraph.loaders.ledger_writer import write_template

    if fmt == "xlsx" and out.suffix.lower() != ".xlsx":
        raise click.BadParameter(f"{out} should end in .xlsx (or use --format csv for a folder)", param_hint="--out")
    paths = write_template(out, fmt)
    click.echo(
        f"pbgraph: wrote the ledger template to {out} ({len(paths)} {'files' if fmt == 'csv' else 'workbook'})",
        err=True,
    )


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="pbgraph")


if __name__ == "__main__":  # pragma: no cover
    main()
