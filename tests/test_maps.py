"""Maps: what the graph says is drawn, gaps are marked, the page works offline and runs no injected text."""

from __future__ import annotations

import base64
import html.parser
import json
import math
import struct
from collections import Counter

import pytest

from pbgraph import maps
from pbgraph.graph import open_backend
from pbgraph.loaders.rosters import load_roster
from pbgraph.loaders.synthetic import generate, write_roster
from pbgraph.maps.gaps import kind_totals, place_gaps
from pbgraph.queries.runner import run_query

from conftest import run_cli
from helpers_browser import Browser

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


def _subtree(m: maps.NetworkMap, top: str) -> set[str]:
    """``top``, the areas under it and everything hanging on them."""

    def under(n: maps.MapNode) -> bool:
        v = n.vid if n.is_area else n.anchor
        while v is not None:
            if v == top:
                return True
            v = m.nodes[v].parent if v in m.nodes else None
        return False

    return {n.vid for n in m.nodes.values() if under(n)}


def test_each_community_is_one_cluster(cuiping):
    folder, _, _ = cuiping
    m = maps.build_map(db=str(folder), area="翠屏区")
    communities = [n for n in m.nodes.values() if n.kind == "community"]
    assert len(communities) > 5
    reach = {}
    for c in communities:
        members = _subtree(m, c.vid)
        assert len(members) > 1
        reach[c.vid] = max(math.dist((c.x, c.y), (m.nodes[v].x, m.nodes[v].y)) for v in members)
    for i, a in enumerate(communities):
        for b in communities[i + 1 :]:  # the discs holding each community's grids, orgs and units are apart
            assert math.dist((a.x, a.y), (b.x, b.y)) > reach[a.vid] + reach[b.vid], (a.name, b.name)


def test_gap_badges_count_the_gaps_under_each_place(cuiping):
    folder, truth, _ = cuiping
    m = maps.build_map(db=str(folder), area="翠屏区")
    with open_backend(str(folder)) as b:
        rows = b.read("MATCH (g:Grid)-[:PART_OF]->(c:Community)-[:PART_OF]->(s:Street) RETURN g.id, c.id, s.id").rows
    community = {g: c for g, c, _ in rows}
    street = {c: s for _, c, s in rows}
    expected = Counter(community[g] for g in truth["uncovered_grids"])
    places = place_gaps(m)
    query = "coverage/uncovered-grids"
    for c in street:
        assert places[f"Area:{c}"][query] == expected[c]
    for s in set(street.values()):
        assert places[f"Area:{s}"][query] == sum(n for c, n in expected.items() if street[c] == s)
    top = next(n for n in m.nodes.values() if n.is_area and not n.parent)
    assert places[top.vid][query] == len(truth["uncovered_grids"]) == kind_totals(m)[query]


class _Refs(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: Counter[str] = Counter()

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.refs += [v or "" for k, v in attrs if k in ("src", "href", "action", "data", "poster")]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with Browser(tmp_path_factory.mktemp("chromium")) as b:
        yield b


@pytest.fixture(scope="module")
def street_page(cuiping, tmp_path_factory):
    """The CLI's map of one cuiping street (with the probe unit), and the map it drew."""
    folder, _, street = cuiping
    out = tmp_path_factory.mktemp("page") / "street.html"
    result = run_cli("map", "--area", street, "--query", "coverage/uncovered-grids", "--out", str(out), db=folder)
    assert result.returncode == 0, result.stderr
    return out, maps.build_map(db=str(folder), area=street, query="coverage/uncovered-grids")


def _opening_labels(browser: Browser, m: maps.NetworkMap) -> None:
    """At the opening zoom every street and community is named, with its gap badges, and no labels overlap."""
    labels = browser.eval("pbgraphMap.labels")
    size = browser.eval("[document.getElementById('map').clientWidth, document.getElementById('map').clientHeight]")
    places = place_gaps(m)
    kinds = browser.eval("JSON.parse(document.getElementById('pbgraph-data').textContent).kinds.map(k => k.id)")
    drawn = {lb["id"]: lb for lb in labels}
    named = [
        n
        for n in m.nodes.values()
        if n.is_area and n.members is None and (n.kind in ("street", "community") or not n.parent)
    ]
    assert named
    for n in named:
        assert n.vid in drawn, f"{n.name} has no label at the opening zoom"
        assert drawn[n.vid]["name"] == n.name
        badges = {kinds[k]: c for k, c in drawn[n.vid]["badges"]}
        assert badges == {q: c for q, c in places[n.vid].items() if c}, n.name
    for i, a in enumerate(labels):
        assert a["x"] >= -1 and a["x"] + a["w"] <= size[0] + 1 and a["y"] >= -1 and a["y"] + a["h"] <= size[1] + 1
        for b in labels[i + 1 :]:
            apart = a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"] or a["y"] + a["h"] <= b["y"]
            assert apart or b["y"] + b["h"] <= a["y"], (a["name"], b["name"])


def test_page_offline_and_escaped(street_page, browser):
    out, m = street_page
    page = out.read_text(encoding="utf-8")
    refs = _Refs()
    refs.feed(page)
    assert refs.refs == [] and refs.tags["link"] == 0 and refs.tags["img"] == 1, refs.refs  # the print picture
    assert "@import" not in page and "url(http" not in page

    browser.open(out, fragment="#selftest")  # every tooltip and side panel is built once
    status = browser.eval("Object.assign({}, document.getElementById('pbgraph-status').dataset)")
    assert status["errors"] == "0", browser.eval("window.pbgraphErrors")
    assert int(status["nodes"]) == len(m.nodes) and int(status["edges"]) == len(m.edges)
    assert int(status["tooltips"]) == len(m.nodes)
    assert browser.eval("document.body.getAttribute('data-pwned')") is None  # the probe ran nothing
    assert "<img src=x onerror=" in browser.eval("document.getElementById('pbgraph-selftest').textContent")
    assert any("probe" in n.key for n in m.nodes.values())
    assert "图例 Legend" in browser.eval("document.body.innerText")
    assert browser.left_the_page(out) == []
    shot = browser.screenshot("map-street.png")
    assert shot.stat().st_size > 10_000


def test_opening_zoom_names_places_and_zooming_names_the_rest(street_page, browser):
    out, m = street_page
    browser.open(out)
    _opening_labels(browser, m)
    tiers = {lb["tier"] for lb in browser.eval("pbgraphMap.labels")}
    assert tiers <= {0, 1, 2}  # grids, organizations and units wait for the zoom
    grid = next(n for n in m.nodes.values() if n.kind == "grid")
    browser.eval(f"pbgraphMap.network.moveTo({{position: {{x: {grid.x}, y: {grid.y}}}, scale: 3}})")
    browser.eval("pbgraphMap.network.redraw()")
    shown = {lb["id"] for lb in browser.eval("pbgraphMap.labels")}
    assert grid.vid in shown
    assert any(m.nodes[v].label != "Area" for v in shown)


def test_gap_kind_click_highlights_exactly_its_nodes(street_page, browser):
    out, m = street_page
    browser.open(out)
    kinds = browser.eval("JSON.parse(document.getElementById('pbgraph-data').textContent).kinds")
    totals = kind_totals(m)
    assert [k["id"] for k in kinds] == [q for q in maps.gaps.GAP_KINDS if q in m.gap_legend]
    for i, kind in enumerate(kinds):
        text = m.gap_legend[kind["id"]]
        expected = {n.vid for n in m.nodes.values() if text in n.gaps or (n.gap_counts or {}).get(text)}
        button = f'.kinds button[data-kind="{i}"]'
        assert browser.eval(f"document.querySelector('{button} .count').textContent") == str(totals[kind["id"]])
        browser.click_selector(button)
        assert set(browser.eval("pbgraphMap.network.getSelectedNodes()")) == expected
        assert set(browser.eval("pbgraphMap.highlighted")) == expected
        assert browser.eval(f"document.querySelector('{button}').getAttribute('aria-pressed')") == "true"
        inside = browser.eval(
            "pbgraphMap.highlighted.every(function (id) { var n = pbgraphMap.nodes.get(id);"
            " var p = pbgraphMap.network.canvasToDOM({x: n.x, y: n.y}); var c = document.getElementById('map');"
            " return p.x >= 0 && p.y >= 0 && p.x <= c.clientWidth && p.y <= c.clientHeight; })"
        )
        assert inside  # focused: every node of the kind is in view
        browser.click_selector(button)  # again: cleared
        assert browser.eval("pbgraphMap.network.getSelectedNodes()") == []
        assert browser.eval(f"document.querySelector('{button}').getAttribute('aria-pressed')") == "false"
    assert browser.left_the_page(out) == []


def _screen(browser: Browser, n: maps.MapNode) -> tuple[float, float]:
    return tuple(
        browser.eval(
            f"(function () {{ var p = pbgraphMap.network.canvasToDOM({{x: {n.x}, y: {n.y}}});"
            " var r = document.getElementById('map').getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; })()"
        )
    )


def _neighbours(m: maps.NetworkMap, v: str) -> set[str]:
    return {e.target for e in m.edges if e.source == v} | {e.source for e in m.edges if e.target == v}


def test_click_and_tap_open_the_panel_with_facts_and_neighbours(street_page, browser):
    out, m = street_page
    browser.open(out)
    assert browser.eval("document.getElementById('panel').hidden")
    community = next(n for n in m.nodes.values() if n.kind == "community")
    browser.click(*_screen(browser, community))
    assert not browser.eval("document.getElementById('panel').hidden")
    text = browser.eval("document.getElementById('panel-body').innerText")
    for key, value in maps.tooltip(community):
        assert value in text and key in text
    ids = browser.eval("[].map.call(document.querySelectorAll('#panel-body ol button'), b => b.dataset.id)")
    assert set(ids) == _neighbours(m, community.vid)
    browser.click_selector(f'#panel-body ol button[data-id="{ids[0]}"]')  # a neighbour opens in turn
    assert browser.eval("document.getElementById('panel').dataset.id") == ids[0]
    assert browser.eval("pbgraphMap.network.getSelectedNodes()") == [ids[0]]

    browser.open(out)  # a touch screen: a tap does what a click does
    other = [n for n in m.nodes.values() if n.kind == "community"][-1]
    browser.tap(*_screen(browser, other))
    assert browser.eval("document.getElementById('panel').dataset.id") == other.vid
    assert other.name in browser.eval("document.getElementById('panel-body').innerText")
    assert browser.left_the_page(out) == []


def test_find_box_selects_and_centres(street_page, browser):
    out, m = street_page
    browser.open(out)
    grid = sorted((n for n in m.nodes.values() if n.kind == "grid"), key=lambda n: n.vid)[-1]
    browser.click_selector("#find")
    browser.call("Input.insertText", text=grid.name)
    for kind in ("keyDown", "keyUp"):
        browser.call("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter", windowsVirtualKeyCode=13)
    assert browser.eval("pbgraphMap.network.getSelectedNodes()") == [grid.vid]
    x, y = browser.eval(f"(function () {{ var p = pbgraphMap.network.canvasToDOM({{x: {grid.x}, y: {grid.y}}});"
                        " var c = document.getElementById('map'); return [p.x / c.clientWidth, p.y / c.clientHeight];"
                        " })()")  # fmt: skip
    assert abs(x - 0.5) < 0.05 and abs(y - 0.5) < 0.05
    assert browser.eval("document.getElementById('panel').dataset.id") == grid.vid
    browser.eval("document.getElementById('find').value = 'no such place at all'")
    browser.eval("document.getElementById('find').dispatchEvent(new Event('change'))")
    assert "not found" in browser.eval("document.getElementById('find-result').textContent")


def test_png_save_and_print(street_page, browser, tmp_path):
    out, m = street_page
    browser.open(out)
    browser.allow_downloads(tmp_path / "downloads")
    browser.click_selector("#save-png")
    browser.wait_download()
    (png,) = (tmp_path / "downloads").glob("*.png")
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    canvas = browser.eval("[document.querySelector('#map canvas').width, document.querySelector('#map canvas').height]")
    assert width == canvas[0] and height > canvas[1]  # the view, with a band for the title and gap legend
    assert png.name.startswith(m.title.split()[0])

    pdf = base64.b64decode(browser.call("Page.printToPDF", landscape=True)["data"])
    assert pdf[:5] == b"%PDF-"
    assert browser.eval("document.getElementById('pbgraph-status').dataset.printed") == "1"
    browser.call("Emulation.setEmulatedMedia", media="print")
    try:
        shown = browser.eval(
            "['#map', '#print-shot', 'header label', '#save-png', '.kinds', 'aside h2']"
            ".map(s => getComputedStyle(document.querySelector(s)).display)"
        )
        assert shown == ["none", "block", "none", "none", "block", "block"]  # the picture, gaps, legend; no controls
    finally:
        browser.call("Emulation.setEmulatedMedia", media="")
    assert browser.left_the_page(out) == []


@pytest.fixture(scope="module")
def taiyuan(tmp_path_factory):
    """The taiyuan preset as ``pbgraph generate --preset taiyuan`` writes it, loaded."""
    root = tmp_path_factory.mktemp("taiyuan")
    roster = generate("taiyuan", seed=1)
    write_roster(roster, root / "roster")
    folder = root / "ty.db"
    with open_backend(str(folder)) as b:
        load_roster(root / "roster", b)
        district = b.read("MATCH (:Street {name: '双塔北街道'})-[:PART_OF]->(d:District) RETURN d.id").rows[0][0]
    return folder, district


@pytest.mark.slow
@pytest.mark.parametrize("area", ["双塔北街道", "district"])
def test_taiyuan_maps_name_every_community_with_its_gaps(taiyuan, browser, tmp_path, area):
    folder, district = taiyuan
    area = district if area == "district" else area
    out = tmp_path / "map.html"
    result = run_cli("map", "--area", area, "--out", str(out), db=folder)
    assert result.returncode == 0, result.stderr
    m = maps.build_map(db=str(folder), area=area)
    assert len(m.nodes) <= maps.DEFAULT_BUDGET
    if area == district:
        assert "exceed the budget" in result.stderr  # aggregated, and said so
    browser.open(out)
    assert browser.eval("window.pbgraphErrors") == []
    _opening_labels(browser, m)
    assert sum(1 for n in m.nodes.values() if n.kind == "community") >= 10
    browser.screenshot(f"map-taiyuan-{'district' if area == district else 'street'}.png")
    assert browser.left_the_page(out) == []


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
