"""Maps: what the graph says is drawn, gaps are marked, the page works offline and runs no injected text."""

from __future__ import annotations

import html.parser
import json
import re
from collections import Counter

import pytest

from pbgraph import maps
from pbgraph.graph import open_backend
from pbgraph.loaders.rosters import load_roster
from pbgraph.loaders.synthetic import generate, write_roster
from pbgraph.queries.runner import run_query

from conftest import run_cli
from helpers_browser import page_status, screenshot

PROBE = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"


@pytest.fixture(scope="module")
def cuiping(tmp_path_factory):
    """A loaded cuiping preset with its planted gaps, plus one unit whose name is an injection probe."""
    root = tmp_path_factory.mktemp("maps")
    roster = generate("cuiping", seed=3)
    write_roster(roster, root / "roster")
    folder = root / "graph.db"
    with open_backend(str(folder)) as b:
        load_roster(root / "roster", b)
        street = b.read("MATCH (s:Street) RETURN s.id ORDER BY s.id LIMIT 1").rows[0][0]
        b.write(
            "MATCH (s:Street {id: $street}) CREATE (:Unit {id: 'probe', name: $name, sector: 'merchant'})"
            "-[:LOCATED_IN]->(s)",
            {"street": street, "name": PROBE},
        )
    return folder, roster.truth, street


def _gap_nodes(m: maps.NetworkMap, text: str) -> set[str]:
    return {n.key for n in m.nodes.values() if text in n.gaps}


def _gap_total(m: maps.NetworkMap, text: str) -> int:
    plain = len(_gap_nodes(m, text))
    return plain + sum(n.gap_counts[text] for n in m.nodes.values() if n.gap_counts)


def test_district_map_marks_exactly_the_planted_gaps(cuiping):
    folder, truth, _ = cuiping
    m = maps.build_map(db=str(folder), area="翠屏区")
    assert len(m.nodes) <= maps.DEFAULT_BUDGET
    texts = {q: t for q, _, _, t in maps.GAP_QUERIES}
    assert _gap_nodes(m, texts["coverage/uncovered-grids"]) == set(truth["uncovered_grids"])
    assert _gap_nodes(m, texts["coverage/communities-without-joint-committee"]) == set(
        truth["communities_without_joint_committee"]
    )
    assert _gap_total(m, texts["matching/open-demands"]) == len(truth["open_demands"])
    # the probe unit sits in a street, not a community: the question does not ask about it
    assert _gap_total(m, texts["agreements/units-without-agreement"]) == len(truth["units_without_agreement"])


def test_every_area_under_the_street_is_drawn_with_its_parent(cuiping):
    folder, _, street = cuiping
    m = maps.build_map(db=str(folder), area=street, layers=())
    with open_backend(str(folder)) as b:
        rows = b.read("MATCH (a:Area)-[:PART_OF*0..12]->(:Area {id: $s}) RETURN a.id", {"s": street}).rows
    expected = {r[0] for r in rows}
    assert {n.key for n in m.nodes.values()} == expected
    part_of = {(e.source, e.target) for e in m.edges if e.rel == "PART_OF"}
    assert part_of == {(n.vid, n.parent) for n in m.nodes.values() if n.parent}
    assert len(part_of) == len(expected) - 1


def test_budget_aggregates_and_says_so(cuiping):
    folder, truth, _ = cuiping
    m = maps.build_map(db=str(folder), area="翠屏区", budget=120)
    assert len(m.nodes) <= 120 and m.aggregated and m.notes
    texts = {q: t for q, _, _, t in maps.GAP_QUERIES}
    # aggregates count the gaps they swallow
    assert _gap_total(m, texts["coverage/uncovered-grids"]) == len(truth["uncovered_grids"])
    edge_ends = {v for e in m.edges for v in (e.source, e.target)}
    assert edge_ends <= set(m.nodes)


def test_query_highlights_its_rows(cuiping):
    folder, _, street = cuiping
    m = maps.build_map(db=str(folder), area=street, query="coverage/grids-without-worker")
    rows = run_query("coverage/grids-without-worker", db=str(folder), area=street)
    assert m.highlighted_rows == len(rows)
    assert {n.key for n in m.nodes.values() if n.highlighted} == {r["grid_id"] for r in rows}


class _Refs(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: Counter[str] = Counter()

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.refs += [v or "" for k, v in attrs if k in ("src", "href", "action", "data", "poster")]


def test_page_in_chromium_offline(cuiping, tmp_path):
    folder, _, street = cuiping
    out = tmp_path / "street.html"
    result = run_cli("map", "--area", street, "--query", "coverage/uncovered-grids", "--out", str(out), db=folder)
    assert result.returncode == 0, result.stderr
    m = maps.build_map(db=str(folder), area=street, query="coverage/uncovered-grids")
    page = out.read_text(encoding="utf-8")

    refs = _Refs()
    refs.feed(page)
    assert refs.refs == [] and refs.tags["link"] == 0 and refs.tags["img"] == 0, refs.refs
    assert "@import" not in page and "url(http" not in page

    status, dom = page_status(out, tmp_path)
    assert status["data-drawn"] == "1"
    assert status["data-errors"] == "0", status["text"]
    assert int(status["data-nodes"]) == len(m.nodes)
    assert int(status["data-edges"]) == len(m.edges)
    assert int(status["data-tooltips"]) == len(m.nodes)
    assert not re.search(r"<body[^>]*data-pwned", dom)  # the probe's tooltip was built and ran nothing
    assert "&lt;img src=x onerror=" in dom  # it is there, as text
    assert any("probe" in n.key for n in m.nodes.values())
    assert "图例 Legend" in dom and "缺口 gap" in dom
    shot = screenshot(out, tmp_path, "map-street.png")
    assert shot.stat().st_size > 10_000


def test_taiyuan_district_map_opens_and_is_still_quickly(tmp_path):
    roster = generate("taiyuan", seed=5)
    write_roster(roster, tmp_path / "roster")
    folder = tmp_path / "ty.db"
    with open_backend(str(folder)) as b:
        load_roster(tmp_path / "roster", b)
        district = b.read("MATCH (d:District) RETURN d.id ORDER BY d.id LIMIT 1").rows[0][0]
    out = tmp_path / "district.html"
    result = run_cli("map", "--area", district, "--out", str(out), db=folder)
    assert result.returncode == 0, result.stderr
    assert "exceed the budget" in result.stderr  # aggregated, and said so
    status, _ = page_status(out, tmp_path)  # fixed positions: drawn once, nothing moves afterwards
    assert status["data-drawn"] == "1" and status["data-errors"] == "0", status
    assert 0 < int(status["data-nodes"]) <= maps.DEFAULT_BUDGET
    screenshot(out, tmp_path, "map-taiyuan-district.png")


def test_map_bad_input_is_one_line(cuiping, tmp_path):
    folder, _, _ = cuiping
    for args, words in (
        (["--layers", "orgs,nonsense"], "unknown layer"),
        (["--query", "coverage/uncoverd-grids"], "did you mean"),
        (["--area", "no such place"], "no area"),
    ):
        result = run_cli("map", *args, "--out", str(tmp_path / "x.html"), db=folder)
        assert result.returncode != 0 and words in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.html").exists()


def test_pyvis_network_has_the_map(cuiping):
    folder, _, street = cuiping
    m = maps.build_map(db=str(folder), area=street)
    net = maps.to_pyvis(m)
    assert len(net.nodes) == len(m.nodes) and len(net.edges) == len(m.edges)
    probe = next(n for n in net.nodes if n["id"] == "Unit:probe")
    assert "<img" not in probe["title"]  # escaped for pyvis's own innerHTML tooltips
    assert json.dumps(probe["tip"], ensure_ascii=False).count("onerror") == 1  # the raw text, shown as text
