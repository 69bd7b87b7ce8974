"""The session object and the one parameter pipeline, on a real embedded engine, in process."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import pbgraph
from pbgraph import api
from pbgraph.graph.backends.base import Backend
from pbgraph.queries.runner import AreaId, BadParameter, get_query, resolve_area

from conftest import REPO
from fixture_district import write_district


@pytest.fixture
def district(db, tmp_path):
    """The small fixture district, loaded through the session's own backend."""
    write_district(tmp_path / "roster")
    api.Graph.load_roster(_Wrapped(db), tmp_path / "roster")
    return db


class _Wrapped(api.Graph):
    """A session over an already open backend (the test session's), closed by its owner."""

    def __init__(self, backend: Backend) -> None:
        self.notices, self._on_notice, self._backend = [], None, backend

    def close(self) -> None:
        self._backend = None


def session(db: Backend) -> api.Graph:
    return _Wrapped(db)


def test_connect_returns_a_session_with_typed_reports(tmp_path):
    roster = tmp_path / "roster"
    generated = pbgraph.generate("guangming", roster, seed=7)
    assert generated.counts["areas"] > 100 and (roster / "areas.csv").exists()
    heard = []
    with pbgraph.connect(str(tmp_path / "s.db"), on_notice=heard.append) as g:
        assert isinstance(g, api.Graph) and isinstance(g, Backend)
        assert [n.kind for n in g.notices] == ["started"] and heard == g.notices  # told, never printed
        loaded = g.load_roster(roster)
        status = g.status()
        assert loaded.rows["areas"] == status.nodes["Area"] == generated.counts["areas"]
        assert status.nodes["Area"] + status.nodes["Unit"] < status.totals["nodes"] < sum(status.nodes.values())
        assert status.totals["relationships"] == sum(status.relationships.values())
        assert json.loads(json.dumps(status.to_dict()))["totals"] == status.totals
        rows = g.query("coverage/uncovered-grids", area="光明街道")
        assert rows.query == "coverage/uncovered-grids" and rows.columns[0] == "grid_id"
        assert len(rows) == rows.total and all(r["grid_id"] for r in rows)
        assert str(rows).splitlines()[0].startswith("grid_id")
        optimal, greedy = g.allocate(), g.allocate(method="greedy")
        assert optimal.total >= greedy.total
        assert set(optimal.to_dict()) == {"allocation", "summary"}
        page = g.map(area="光明街道", query="coverage/uncovered-grids")
        page.write(tmp_path / "m.html")
        assert page.to_dict()["highlighted"] == len(rows) and (tmp_path / "m.html").exists()
        nxg = g.to_networkx()
        assert nxg.number_of_nodes() == status.totals["nodes"]
    with pytest.raises(api.PbgraphError, match="closed"):
        g.status()


def test_limit_keeps_the_total(district):
    g = session(district)
    everything = g.query("agreements/units-without-agreement")
    assert everything.total >= 2
    one = g.query("agreements/units-without-agreement", limit=1)
    assert len(one) == 1 and one.total == everything.total
    assert f"showing 1 of {everything.total} rows" in api.output(one, "table")


# -- one parameter pipeline ------------------------------------------------------------


def test_lists_as_commas_or_json_and_null_means_the_default(district):
    g = session(district)
    by_commas = g.query("committees/composition", required="police_station,school")
    by_json = g.query("committees/composition", required='["police_station", "school"]')
    by_python = g.query("committees/composition", required=["police_station", "school"])
    assert by_commas.rows == by_json.rows == by_python.rows
    assert g.query("coverage/oversized-grids", max_households="null").rows == g.query("coverage/oversized-grids").rows
    with pytest.raises(BadParameter, match="not a JSON list"):
        g.query("committees/composition", required='["police_station"')


def test_json_list_parameter_matches_like_a_python_list(district):
    g = session(district)
    grid = g.query("coverage/uncovered-grids")[0]["grid_id"]
    from_text = g.query("map/attached", ids=f'["{grid}"]')
    from_list = g.query("map/attached", ids=[grid])
    assert from_text.rows == from_list.rows  # before: '["g"]' was one id that matched nothing


def test_ranges_declared_in_headers_are_enforced(district):
    g = session(district)
    spec = get_query("matching/candidates").param("max_tier")
    assert (spec.min, spec.max) == (0, 2) and spec.signature == "max_tier int = 2 [0..2]"
    with pytest.raises(BadParameter, match=r"within 0\.\.2"):
        g.query("matching/candidates", max_tier="3")
    with pytest.raises(BadParameter, match=r"within 1\.\."):
        g.query("coverage/oversized-grids", max_households=0)
    assert g.query("matching/candidates", max_tier="0").columns


def test_dates_typed_and_expiring_looks_ahead(district):
    g = session(district)
    g.cypher(
        "MATCH (u:Unit) WITH u ORDER BY u.id LIMIT 1 MATCH (k:Community) WITH u, k ORDER BY k.id LIMIT 1 "
        "CREATE (u)-[:PARTY_TO]->(a:Agreement {id: 'soon', kind: 'co_building', signed: $signed, expires: $expires})"
        "<-[:PARTY_TO]-(k)",
        {
            "signed": (dt.date.today() - dt.timedelta(days=300)).isoformat(),
            "expires": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        },
        write=True,
    )
    assert "soon" in [r["agreement_id"] for r in g.query("agreements/expiring")]  # default: 90 days ahead
    assert "soon" not in [r["agreement_id"] for r in g.query("agreements/expiring", before=dt.date.today())]
    with pytest.raises(BadParameter, match="must be date"):
        g.query("agreements/expiring", before="next week")


def test_area_is_resolved_once_for_a_map(district, monkeypatch):
    looked_up = []
    original = type(district).read

    def counting(self, query, params=None):
        if "$ref" in query:
            looked_up.append(dict(params))
        return original(self, query, params)

    monkeypatch.setattr(type(district), "read", counting)
    m = session(district).map(area="柳巷街道", query="coverage/oversized-grids", params={"max_households": "100"})
    assert m.map.area == "S1" and m.map.gap_legend  # seven gap questions and the highlight ran, all inside S1
    assert looked_up == [{"ref": "柳巷街道"}, {"ref": "柳巷街道"}], looked_up  # by id, then by name: once


def test_area_id_survives_the_pipeline(district):
    g = session(district)
    by_name = g.query("coverage/uncovered-grids", area="柳巷街道")
    area_id = resolve_area(district, "柳巷街道")
    assert isinstance(area_id, AreaId) and area_id == "S1"
    assert g.query("coverage/uncovered-grids", area=area_id).rows == by_name.rows


# -- one output layer ------------------------------------------------------------------


def test_formats_mean_the_same_for_every_report(district, tmp_path):
    g = session(district)
    for data in (g.status(), g.query("coverage/uncovered-grids"), g.allocate(), api.catalogue()):
        as_json = json.loads(api.output(data, "json"))
        assert as_json == (data.rows if isinstance(data, api.QueryResult) else data.to_dict())
        columns, rows, _ = api.tabulate(data)
        csv_lines = api.output(data, "csv").splitlines()
        assert csv_lines[0].split(",") == columns and len(csv_lines) == len(rows) + 1
        assert api.output(data, "table")


def test_match_table_keeps_the_unmatched_demands(district):
    allocation = session(district).allocate()
    assert allocation.unmatched, "the fixture district has unmatched demands"
    _, rows, notes = api.tabulate(allocation)
    outcomes = {r["demand_id"]: r["outcome"] for r in rows}
    assert all(outcomes[d] == reason for d, reason in allocation.unmatched.items())
    assert "total score" in notes[0]


def test_tables_show_readable_numbers():
    table = api.output(api.QueryResult(["score"], [{"score": 6138142.0}, {"score": 0.125}, {"score": 1e-9}]), "table")
    assert "6,138,142" in table and "0.125" in table and "e+" not in table and "e-" not in table
    assert api.output(api.QueryResult(["score"], [{"score": 6138142.0}]), "csv").splitlines()[1] == "6138142"


# -- catalogue -------------------------------------------------------------------------


def test_internal_packs_are_left_out_of_the_catalogue():
    names = {row["name"] for row in pbgraph.catalogue()}
    assert names and not any(n.startswith(("map/", "export/")) for n in names)
    everything = api.queries(internal=True)
    marked = {q.name for q in everything if q.internal}  # maps', exports' and the optimizer's own packs
    assert {q.name for q in everything if q.name.startswith(("map/", "export/"))} <= marked
    assert marked == {q.name for q in everything} - names


def test_presets_as_the_cli_lists_them_are_the_generators():
    from pbgraph.loaders.synthetic import PRESETS

    assert tuple(PRESETS) == api.PRESETS
    assert all(name in api.PRESETS_HELP for name in PRESETS)


def test_figures_the_help_states_are_what_the_generator_makes():
    """--help and the README quote the generator's own numbers (the node and relationship totals are from
    loading seed 1 with 'pbgraph status'; the grid workers and grids are checked here)."""
    from pbgraph.loaders.synthetic import generate

    taiyuan = generate("taiyuan", seed=1)
    assert f"{taiyuan.truth['counts']['workers']:,} grid workers" in api.PRESETS_HELP
    grids = sum(1 for a in generate("guangming", seed=1).rows["areas"] if a["level"] == "grid")
    assert f"{grids} grids" in api.PRESETS_HELP
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"{taiyuan.truth['counts']['workers']:,} grid workers" in readme


def test_the_status_line_keeps_time_during_a_long_step_and_stops_when_told():
    """A long step (comparing a province with the graph) is not silence: the line is redrawn every second;
    ``stage(None)`` clears it and nothing is drawn after."""
    import io
    import time

    stream = io.StringIO()
    stage, progress = api.status_line(stream)
    stage("comparing with the graph")
    time.sleep(1.3)
    assert "pbgraph: comparing with the graph … 1 s" in stream.getvalue()
    progress(1, 4)
    assert stream.getvalue().endswith("pbgraph: writing [#####---------------] 1/4 … 1 s")
    stage(None)
    shown = stream.getvalue()
    assert shown.endswith("\r\033[K")
    time.sleep(1.1)
    progress(2, 4)
    assert stream.getvalue() == shown  # stopped: nothing drawn over what is printed next


def test_a_session_handed_to_a_loader_keeps_the_backends_write_path(tmp_path):
    """Scripts and the demo may pass the session where a Backend is expected: the loader then gets the same
    write path as through ``Graph.load_roster`` (bulk first load, writer lock, the last load's digests, the
    write in place of a small difference); ``make demo`` failed on the last one."""
    from pbgraph.loaders.rosters import load_roster

    pbgraph.generate("guangming", tmp_path / "roster", seed=2)
    areas = tmp_path / "roster" / "areas.csv"

    def totals(report, action):
        return sum(v[action] for v in report.nodes.values())

    with pbgraph.connect(str(tmp_path / "via-session.db")) as g, pbgraph.connect(str(tmp_path / "direct.db")) as h:
        first, reference = load_roster(tmp_path / "roster", g), h.load_roster(tmp_path / "roster")
        assert totals(first, "created") == totals(reference, "created") > 0
        again = load_roster(tmp_path / "roster", g)
        assert totals(again, "created") == totals(again, "updated") == totals(again, "removed") == 0
        lines = areas.read_text(encoding="utf-8").splitlines()
        fields = lines[-1].split(",")
        fields[1] += "（改）"
        areas.write_text("\n".join([*lines[:-1], ",".join(fields)]) + "\n", encoding="utf-8")
        changed = load_roster(tmp_path / "roster", g)
        assert totals(changed, "updated") == 1 and totals(changed, "created") == totals(changed, "removed") == 0
        h.load_roster(tmp_path / "roster")
        assert g.counts() == h.counts()
        name = g.cypher("MATCH (a:Area {id: $id}) RETURN a.name AS name", {"id": fields[0]}).rows[0]["name"]
        assert name == fields[1]


def test_make_demo_runs(tmp_path, capsys):
    """The README's first command: the demo generates, loads, reads a report, asks and draws."""
    from pbgraph.loaders import demo

    demo.main(["--out", str(tmp_path / "demo")])
    out = capsys.readouterr().out
    assert "2. loaded it into the embedded database" in out and "5. drew the street's map" in out
    assert (tmp_path / "demo" / "光明街道-map.html").stat().st_size > 0
