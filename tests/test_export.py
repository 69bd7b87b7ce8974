"""Export: GraphML and node-link JSON round-trip through networkx with the database's own counts."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import pytest

from pbgraph import api
from pbgraph.graph import export, open_backend
from pbgraph.graph.schema import AREA_LEVEL_LABELS
from pbgraph.loaders.rosters import load_roster
from pbgraph.loaders.synthetic import generate, write_roster

from conftest import run_cli


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    write_roster(generate("guangming", seed=2), root / "roster")
    folder = root / "graph.db"
    with open_backend(str(folder)) as b:
        load_roster(root / "roster", b)
        b.write("MATCH (g:Grid) WITH g LIMIT 1 SET g.tags = ['a', 'b'], g.note = $note", {"note": "<b>&\"'</b>"})
    return folder


def _expected(folder) -> tuple[int, int, Counter]:
    s = api.status(str(folder))
    nodes = sum(v for k, v in s["nodes"].items() if k == "Area" or k not in AREA_LEVEL_LABELS)
    return nodes, sum(s["relationships"].values()), s["relationships"]


@pytest.mark.parametrize("fmt", ["graphml", "json"])
def test_round_trip_keeps_every_node_and_relationship(loaded, tmp_path, fmt):
    out = tmp_path / f"g.{fmt}"
    result = run_cli("export", "--format", fmt, "--out", str(out), db=loaded)
    assert result.returncode == 0, result.stderr
    if fmt == "graphml":
        g = nx.read_graphml(out, force_multigraph=True)
    else:
        g = export.read_json(out.read_text(encoding="utf-8"))
    nodes, rels, by_type = _expected(loaded)
    assert g.number_of_nodes() == nodes
    assert g.number_of_edges() == rels
    assert Counter(t for _, _, t in g.edges(data="type")) == Counter(by_type)
    grid = next(n for n, a in g.nodes(data=True) if a.get("note"))
    assert g.nodes[grid]["note"] == "<b>&\"'</b>"
    assert g.nodes[grid]["id"] == grid.split(":", 1)[1]


def test_area_export_is_the_area_and_what_hangs_on_it(loaded):
    g = export.to_networkx(str(loaded))
    street = next(n for n, a in g.nodes(data=True) if a.get("level") == "street")
    part = export.to_networkx(str(loaded), area=g.nodes[street]["id"])
    areas = {n for n, a in part.nodes(data=True) if a["label"] == "Area"}
    assert street in areas
    assert all(nx.has_path(part, a, street) for a in areas)  # nothing above or beside the street
    assert part.number_of_nodes() > len(areas)  # orgs, units, lists came along


def test_area_export_reads_the_area_only_and_equals_the_whole_export_trimmed(loaded):
    """A scoped export reads the area's neighbourhood, not the graph, and keeps exactly what it kept before."""
    from pbgraph.queries.runner import run_query

    whole = export.to_networkx(str(loaded))
    levels = {a.get("level"): n for n, a in whole.nodes(data=True) if a.get("level") in ("community", "grid")}
    for key in ("Area:" + whole.nodes[levels["community"]]["id"], "Area:" + whole.nodes[levels["grid"]]["id"]):
        area_id = whole.nodes[key]["id"]
        part = export.to_networkx(str(loaded), area=area_id)
        trimmed = whole.subgraph(export._around(whole, key))
        assert dict(part.nodes(data=True)) == dict(trimmed.nodes(data=True))
        assert sorted(map(str, part.edges(data=True))) == sorted(map(str, trimmed.edges(data=True)))
        with open_backend(str(loaded)) as b:
            read = len(run_query("export/area-nodes", b, area=area_id))
        assert part.number_of_nodes() <= read < whole.number_of_nodes() / 4


def test_bridging_units_rank_by_communities_reached(loaded):
    g = export.to_networkx(str(loaded))
    ranked = export.bridging_units(g)
    assert ranked and ranked == sorted(ranked, key=lambda t: (-t[2], t[0]))
    unit, _, reach = ranked[0]
    assert g.nodes[unit]["label"] == "Unit" and reach >= 1


def test_json_to_stdout_for_scripts(loaded):
    result = run_cli("export", "--format", "json", db=loaded)
    assert result.returncode == 0
    g = export.read_json(result.stdout)
    assert g.number_of_nodes() == _expected(loaded)[0]
