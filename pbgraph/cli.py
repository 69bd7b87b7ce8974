"""The ``pbgraph`` command: a thin skin over :mod:`pbgraph.api` (one session method per command, one
output layer for ``--format``). Data goes to stdout; notices and errors to stderr, one ``pbgraph:`` line each."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from pbgraph import api


def format_option(*choices: str, default: str = "table", help: str = "") -> Callable[[Any], Any]:
    help = help or "table for people (with a summary); json or csv for scripts: the same rows."
    return click.option("--format", "fmt", type=click.Choice(choices or api.FORMATS), default=default,
                        show_default=True, help=help)  # fmt: skip


PARAM = click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="A parameter, typed by the "
                     'query header (repeat): lists a,b or ["a","b"], dates 2025-06-30, null = default.')  # fmt: skip
QUIET = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")


def area_option(what: str) -> Callable[[Any], Any]:
    return click.option("--area", help=f"An area id or name (和平社区, or 新华街道/和平社区 if it repeats): {what}.")


def say(message: str) -> None:
    click.echo(f"pbgraph: {message}", err=True)


class Session:  # what the global options chose, and the session once a command opens it
    def __init__(self, db: str | None, debug: bool) -> None:
        self.db, self.debug, self._graph = db, debug, None

    def graph(self) -> api.Graph:
        if self._graph is None:
            self._graph = api.connect(self.db, on_notice=self.notice)
            click.get_current_context().call_on_close(self._graph.close)
        return self._graph

    def notice(self, notice: api.Notice) -> None:
        if notice.kind != "started" or self.debug:
            say(notice.message)

    def progress(self, quiet: bool) -> tuple[Callable[[str | None], None] | None, Callable[[int, int], None] | None]:
        """A status line on stderr for long loads (none when quiet or not on a terminal); ``stage(None)``
        ends it (done at the latest when the command ends)."""
        if quiet or not sys.stderr.isatty():
            return None, None
        stage, progress = api.status_line(sys.stderr)
        click.get_current_context().call_on_close(lambda: stage(None))
        return stage, progress


class PbgraphGroup(click.Group):
    """Every error is one line on stderr, ``pbgraph: error: …``, and a non-zero exit."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **{**kwargs, "standalone_mode": False})
        except click.ClickException as e:
            hint = f" (see '{e.ctx.command_path} --help')" if isinstance(e, click.UsageError) and e.ctx else ""
            say(f"error: {e.format_message()}{hint}")
            sys.exit(e.exit_code)
        except click.Abort:
            say("aborted")
            sys.exit(1)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BaseException as e:
            if isinstance(ctx.obj, Session) and ctx.obj._graph and not (isinstance(e, SystemExit) and not e.code):
                ctx.obj._graph.discard_if_new()  # a failed command leaves no empty database folder behind
            if isinstance(e, KeyboardInterrupt):
                say("interrupted")
                sys.exit(130)
            if not isinstance(e, api.PbgraphError) or (ctx.obj is not None and ctx.obj.debug):
                raise
            raise click.ClickException(str(e)) from e


pass_session = click.make_pass_decorator(Session)


@click.group(cls=PbgraphGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", metavar="LOCATION", envvar=api.ENV_DB, show_envvar=True,
              help="Where the graph lives: a folder (embedded FalkorDB), falkordb://host:port, or bolt:// / neo4j:// "
              f"/ neo4j+s:// (NEO4J_USERNAME, NEO4J_PASSWORD). Default: {api.default_location()}")  # fmt: skip
@click.option("--debug", is_flag=True, help="Show tracebacks for errors, and every notice.")
@click.version_option(None, "--version", package_name="pbgraph", prog_name="pbgraph")
@click.pass_context
def cli(ctx: click.Context, db: str | None, debug: bool) -> None:
    """pbgraph: the regionalized party-building network (区域化党建) as a graph.

    Load rosters (台账) and documents, ask the canned questions, match resources
    to demands, draw maps; on an embedded folder (its engine stays warm
    PBGRAPH_KEEP_WARM seconds, 10, after the last command) or Neo4j 5. From
    Python: pbgraph.connect(LOCATION). Example: pbgraph --db ./d.db status
    """
    ctx.obj = Session(db, debug)


@cli.command()
@format_option()
@pass_session
def status(s: Session, fmt: str) -> None:
    """Show the backend, location, totals, and counts per label and type. Example: pbgraph status --format json"""
    click.echo(api.output(s.graph().status(), fmt))


@cli.command()
@pass_session
def stop(s: Session) -> None:
    """Stop the folder's embedded engine now (if no other process uses it). Example: pbgraph --db ./d.db stop"""
    api.stop(s.db)
    say("stopped")


@cli.command()
@click.argument("query")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter ($NAME); repeat for more. Numbers, true/false, null and JSON lists "
              "are typed, anything else is a string.")  # fmt: skip
@click.option("--write", is_flag=True, help="Allow the statement to change the graph.")
@format_option()
@pass_session
def cypher(s: Session, query: str, params: tuple[str, ...], write: bool, fmt: str) -> None:
    """Run one Cypher statement, read-only unless --write ("-": from stdin); values go in -p NAME=VALUE.

    Example: pbgraph cypher "MATCH (a:Area {level: \\$l}) RETURN a.name AS name" -p l=street
    """
    values = {k: api.infer_value(v) for k, v in api.parse_assignments(params).items()}
    result = s.graph().cypher(sys.stdin.read() if query == "-" else query, values, write=write)
    if write:
        say(", ".join(f"{result.stats.get(k, 0)} {k.replace('_', ' ')}" for k in api.WRITE_COUNTERS))
    if result.columns or fmt == "json":
        click.echo(api.output(result, fmt))


@cli.command()
@click.option("--yes", is_flag=True, help="Confirm: delete everything without asking.")
@pass_session
def reset(s: Session, yes: bool) -> None:
    """Delete every node and relationship (asks first; scripts pass --yes). Example: pbgraph reset --yes"""
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError("refusing to delete the whole graph without --yes")
        click.confirm("Delete every node and relationship in this database?", abort=True, err=True)
    s.graph().reset()
    say(f"emptied {s.graph().location}")


@cli.group()
def query() -> None:
    """The canned questions analysts ask. Example: pbgraph query run coverage/uncovered-grids --area 光明街道"""


@query.command("list")
@click.option("--all", "internal", is_flag=True, help="Also the internal queries maps and exports run.")
@format_option()
def query_list(internal: bool, fmt: str) -> None:
    """List the canned questions: parameters (type = default [range]), columns. Example: pbgraph query list"""
    click.echo(api.output(api.catalogue(internal=internal), fmt))


@query.command("show")
@click.argument("name")
def query_show(name: str) -> None:
    """Print a canned query's header and Cypher. Example: pbgraph query show matching/candidates"""
    click.echo(api.query_text(name))


@query.command("run")
@click.argument("name")
@area_option("only rows inside it")
@PARAM
@click.option("--limit", type=click.IntRange(min=0), help="Show at most this many rows (the table says how many).")
@format_option()
@pass_session
def query_run(s: Session, name: str, area: str | None, params: tuple[str, ...], limit: int | None, fmt: str) -> None:
    """Run a canned query, read-only; parameters are typed by its header ('pbgraph query list').

    Dates default to today; agreements/expiring looks 90 days ahead.

    \b
    Examples:
      pbgraph query run coverage/uncovered-grids --area 光明街道
      pbgraph query run committees/composition -p required=police_station,school --format csv
    """
    values = {**api.parse_assignments(params), **({} if area is None else {"area": area})}
    click.echo(api.output(s.graph().query(name, limit=limit, **values), fmt))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option("jsonl", *api.FORMATS, default="jsonl",
               help="jsonl: one JSON object per document, in input order (the extraction contract); json: an "
               "array of them; table / csv: the counts each document states.")  # fmt: skip
def extract(paths: tuple[Path, ...], fmt: str) -> None:
    """Extract areas, counts, chains, orgs, units and mechanisms from documents (.txt .md .html .docx).

    An unreadable file is reported, the others still processed (exit status 1). Example: pbgraph extract ./r/
    """
    failed = False
    for error, text in api.extract_output(paths, fmt):
        (say if error else click.echo)(text)
        failed |= error
    if failed:
        raise SystemExit(1)


@cli.command("extract-eval")
@click.option("--gold", required=True, multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of gold answers, one <document stem>.json each; repeat it for several folders.")  # fmt: skip
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@format_option()
@click.option("--details", is_flag=True, help="Also list each document's misses and false positives.")
def extract_eval(gold: tuple[Path, ...], paths: tuple[Path, ...], fmt: str, details: bool) -> None:
    """Score extraction against gold answers, per document and in total, as the extraction contract does.

    Example: pbgraph extract-eval --gold ../shared/corpus/gold ../shared/corpus/seeds
    """
    report = api.evaluate_extraction(gold, paths, details=details)
    for path in report.skipped:
        say(f"no gold for {path} (no {Path(path).stem}.json in the --gold folders); skipped")
    click.echo(api.output(report, fmt))


@cli.command()
@area_option("only demands raised inside it")
@click.option("--max-tier", type=click.IntRange(0, 2), default=2, show_default=True,
              help="0: same community only; 1: also same street; 2: also same district.")  # fmt: skip
@click.option("--write", is_flag=True, help="Record the allocation as open projects (match-<demand>) that ADDRESS "
              "the demand and USE the resource; running it again creates no duplicates.")  # fmt: skip
@click.option("--greedy", is_flag=True, help="Use the greedy baseline instead of the optimal allocation.")
@format_option()
@pass_session
def match(s: Session, area: str | None, max_tier: int, write: bool, greedy: bool, fmt: str) -> None:
    """Allocate resources to open demands (资源、需求、项目认领) for the largest total score.

    A pair scores urgency × households × 1, 0.5 or 0.25 for the same community,
    street or district; the allocation is optimal. table / csv: a row per open
    demand, with why it is unmatched (outcome); JSON shape: README, Matching.
    Example: pbgraph match --area 光明街道 --format json
    """
    g = s.graph()
    allocation = g.allocate(area=area, max_tier=max_tier, method="greedy" if greedy else "optimal")
    click.echo(api.output(allocation, fmt))
    if fmt != "table":
        say(api.allocation_line(allocation))
    if write:
        say(f"recorded {g.write_allocation(allocation)} open projects (match-<demand>)")


@cli.command("map")
@area_option("the map's centre (default: the whole graph)")
@click.option("--query", "query_name", help="A canned question whose rows are highlighted (coverage/uncovered-grids).")
@PARAM
@click.option("--depth", type=click.IntRange(0, 12), default=12, show_default=True, help="Levels below the area.")
@click.option("--layers", default=",".join(api.MAP_DEFAULT_LAYERS), show_default=True,
              help="What hangs on the area backbone, comma-separated: " + ", ".join(api.MAP_LAYERS) + ".")  # fmt: skip
@click.option("--budget", type=click.IntRange(min=10), default=api.MAP_DEFAULT_BUDGET, show_default=True,
              help="Above this many nodes the map aggregates (buildings into grids, lists into counts).")  # fmt: skip
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The HTML file to write.")
@pass_session
def map_(s: Session, area: str | None, query_name: str | None, params: tuple[str, ...], depth: int, layers: str,
         budget: int, out: Path) -> None:  # fmt: skip
    """Draw an area's network (gaps marked, --query's rows highlighted) as one offline HTML page.

    Example: pbgraph map --area 翠屏区 --query coverage/uncovered-grids --out gaps.html
    """
    chosen = [x.strip() for x in layers.split(",") if x.strip()]
    report = s.graph().map(area=area, query=query_name, params=api.parse_assignments(params), layers=chosen,
                           depth=depth, budget=budget)  # fmt: skip
    for note in report.map.notes:
        say(note)
    path = report.write(out)
    say(f"wrote {path}: {len(report.map.nodes)} nodes, {len(report.map.edges)} edges, {report.gaps} with gaps")


@cli.command("export")
@format_option("graphml", "json", default="graphml", help="The file format: GraphML (Gephi) or node-link JSON.")
@area_option("only the areas under it and what is attached to them")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="The file to write (default: stdout).")
@pass_session
def export_(s: Session, fmt: str, area: str | None, out: Path | None) -> None:
    """Export the graph as GraphML (Gephi) or node-link JSON (networkx). Example: pbgraph export --out g.graphml"""
    report = s.graph().export(out, fmt=fmt, area=area)
    if report.text is not None:
        click.echo(report.text)
    say(f"exported {report.nodes} nodes and {report.relationships} relationships" + (f" to {out}" if out else ""))


@cli.command("repair")
@pass_session
def repair_(s: Session) -> None:
    """Recover an embedded database whose log lost acknowledged writes (a copy of the damaged files is kept).

    It says what was lost; no other pbgraph process may use it meanwhile. Example: pbgraph --db ./d.db repair
    """
    for line in api.repair(s.db).summary().splitlines():
        say(line)


@cli.command("backup")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The backup file to write.")
@pass_session
def backup_(s: Session, out: Path) -> None:
    """Write a consistent, engine-neutral snapshot to one file. Example: pbgraph backup --out district.pbgraph.gz"""
    report = s.graph().backup(out)
    say(f"backed up {report.nodes} nodes and {report.relationships} relationships to {out}")


@cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace what the database holds (default: it must be empty).")
@format_option()
@pass_session
def restore_(s: Session, path: Path, replace: bool, fmt: str) -> None:
    """Load a backup, all or nothing, counts verified (also: to Neo4j). Example: pbgraph restore district.pbgraph.gz"""
    report = s.graph().restore(path, replace=replace)
    click.echo(api.output(report, fmt))
    say(f"restored {report.nodes} nodes and {report.relationships} relationships from {path}; counts verified")


@cli.group()
def load() -> None:
    """Load rosters (台账) and documents into the graph. Example: pbgraph load roster ./guangming/"""


@load.command("roster")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--replace", is_flag=True, help="Make the graph hold exactly this roster's rows for each table it "
              "contains: delete nodes and pairs it does not name (nodes a document mentions are kept).")  # fmt: skip
@format_option()
@QUIET
@pass_session
def load_roster(s: Session, path: Path, replace: bool, fmt: str, quiet: bool) -> None:
    """Load a roster: a folder of CSV files (UTF-8 or GB18030) or one .xlsx workbook.
    Tables as in the roster contract, or ledgers (台账) as departments keep them ('pbgraph template'):
    Chinese sheets, headers and words, title rows, 序号, merged cells, a 填表人 row, names instead of ids
    (新华街道/和平社区 where a name repeats), dates as 2024/3/1 or 2024年3月1日. Personal columns (身份证号, 手机,
    电话, 联系人, 家庭住址 …) are dropped and listed; 姓名 of 网格员 and 报到党员 become pseudonyms. All or
    nothing: each problem is named by sheet, row and column. Example: pbgraph load roster 台账2025.xlsx
    """
    stage, bar = s.progress(quiet)
    report = s.graph().load_roster(path, replace=replace, progress=bar, stage=stage)
    if stage:
        stage(None)  # the status line ends before the report is printed
    for line in api.roster_lines(report):
        say(line)
    click.echo(api.output(report, fmt))


@load.command("docs")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option()
@QUIET
@pass_session
def load_docs(s: Session, paths: tuple[Path, ...], fmt: str, quiet: bool) -> None:
    """Load documents (reports, news pages): each stated number about its area, areas joined by name and parent.

    Loading again changes nothing; unreadable files are reported (exit status 1). Example: pbgraph load docs ./r/
    """
    report = s.graph().load_documents(paths, progress=s.progress(quiet)[1])
    for error in report.errors:
        say(error)
    click.echo(api.output(report, fmt))
    if report.errors:
        raise SystemExit(1)


@cli.command()
@click.option("--preset", required=True, type=click.Choice(api.PRESETS), help=api.PRESETS_HELP)
@click.option("--seed", default=1, show_default=True, help="Same seed (and --as-of), same files.")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Folder to write (created).")
@click.option("--gap-rate", default=0.05, show_default=True, help="Share of grids, committees, units, … given a gap.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="The date agreements are dated around (default: today).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True,
              help="The roster's file format.")  # fmt: skip
@click.option("--encoding", type=click.Choice(["utf-8", "utf-8-sig", "gb18030"]), default="utf-8", show_default=True,
              help="CSV encoding (Excel in China often saves GB18030/GBK).")  # fmt: skip
@click.option("--form", type=click.Choice(["today", "ledger"]), default="today", show_default=True,
              help="today: pbgraph's tables (ids, English headers); ledger: as a department keeps them (台账: "
              "Chinese sheets and headers, names, title rows, merged cells; CSV in GB18030).")  # fmt: skip
def generate(preset: str, seed: int, out: Path, gap_rate: float, as_of: Any, fmt: str, encoding: str,
             form: str) -> None:  # fmt: skip
    """Write a realistic synthetic roster, with truth.json listing every planted gap.

    Example: pbgraph generate --preset guangming --seed 7 --out ./guangming [--form ledger --format xlsx]
    """
    report = api.generate(preset, out, seed=seed, gap_rate=gap_rate, as_of=as_of, fmt=fmt, encoding=encoding,
                          form=form)  # fmt: skip
    say(f"wrote {len(report.files)} files to {out} ({', '.join(f'{k} {v:,}' for k, v in report.counts.items())})")


@cli.command()
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="The workbook (.xlsx) or, with --format csv, a folder.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
@click.option("--force", is_flag=True, help="Overwrite existing files (a filled-in ledger is lost).")
def template(out: Path, fmt: str, force: bool) -> None:
    """Write an empty ledger (台账模板) to fill in: names, not ids; it loads as it is.
    One sheet per 台账 (区域, 党组织, 网格覆盖, 驻区单位, 大党委成员, 共建协议, 网格员, 资源清单, 需求清单, 项目清单,
    报到党员) with a title row, a frozen header and drop-down lists. Write names (所属社区: 和平社区; where a
    name repeats, with its parent: 新华街道/和平社区) and dates (2024-03-01 or 2024年3月1日), then:
    pbgraph load roster 台账模板.xlsx. Example: pbgraph template --out 台账模板.xlsx
    """
    paths = api.template(out, fmt, force)
    say(f"wrote the ledger template to {out} ({len(paths)} {'files' if fmt == 'csv' else 'workbook'})")


def main() -> None:  # the console script
    cli(prog_name="pbgraph")


if __name__ == "__main__":  # pragma: no cover
    main()
