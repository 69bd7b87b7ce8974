"""Same inputs into the embedded engine and into a real Neo4j 5: same answers, proven.

Every canned query (every pack under queries/packs/, public and internal) runs on both engines over
the hand-built district plus a generated preset plus three documents, with several parameter sets;
rows, their order and their types must be identical (an integer stays an integer, a date string
stays a string, a float a float). Queries that sort compare in order; those that do not sort
(their callers sort) compare as multisets.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from pbgraph.graph import Backend, open_backend
from pbgraph.graph.errors import QueryError
from pbgraph.loaders.documents.load import load_documents
from pbgraph.loaders.rosters import RosterInvalid, load_roster
from pbgraph.loaders.synthetic import generate, write_roster
from pbgraph.queries.runner import list_queries, query_result

from conftest import graph_dump
from fixture_district import ON, write_district

pytestmark = pytest.mark.neo4j

DOCS = Path(__file__).resolve().parent / "documents"
PRESET = "guangming"


def typed(value: Any) -> Any:
    """A value with every scalar tagged by its Python type, so 1 and 1.0 (or '1') differ."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, value)


def sorts(text: str) -> bool:
    """Whether the statement's final rows are sorted (an ORDER BY after its last WITH/RETURN)."""
    tail = re.split(r"\bRETURN\b", text, flags=re.I)[-1]
    return re.search(r"\bORDER\s+BY\b", tail, re.I) is not None


def canonical(rows: list[list[Any]], ordered: bool) -> list[Any]:
    out = [typed(r) for r in rows]
    return out if ordered else sorted(out, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))


def _load_all(backend: Backend, base: Path) -> dict[str, Any]:
    backend.reset()
    district = load_roster(base / "district", backend)
    preset = load_roster(base / PRESET, backend)
    docs = load_documents(sorted(DOCS.iterdir()), backend)
    return {"district": district.table(), "preset": preset.table(), "docs": docs}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("differential")
    write_district(base / "district")
    write_roster(generate(PRESET, seed=5, gap_rate=0.1, as_of=None), base / PRESET)
    return base


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory):
    backend = open_backend(str(tmp_path_factory.mktemp("embedded") / "graph.db"))
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def loaded(inputs: Path, embedded: Backend, neo4j_session_backend: Backend):
    """Both engines holding the district, the preset and the documents (loaded once per module)."""
    emb = _load_all(embedded, inputs)
    neo = _load_all(neo4j_session_backend, inputs)
    return embedded, neo4j_session_backend, emb, neo


def _variants(backend: Backend) -> dict[str, list[dict[str, Any]]]:
    """Parameter sets per query: defaults, scoped to areas of the district and of the preset, and more."""
    first = {
        label: [r[0] for r in backend.read(f"MATCH (n:{label}) RETURN n.id AS id ORDER BY id").rows]
        for label in ("Area", "PartyOrg", "Unit", "Demand")
    }
    preset_street = backend.read(
        "MATCH (a:Area {level: 'street'}) WHERE a.id STARTS WITH 'GM' RETURN a.id AS id ORDER BY id LIMIT 1"
    ).rows[0][0]
    category = backend.read("MATCH (d:Demand) RETURN d.category AS c ORDER BY c LIMIT 1").rows[0][0]
    areas = [None, "S1", "D2", "K1", "G1", preset_street]
    out: dict[str, list[dict[str, Any]]] = {}
    for spec in list_queries():
        names = {p.name: p for p in spec.params}
        base = {n: ON for n, p in names.items() if p.type == "date"}
        sets = (
            [dict(base, area=a) for a in areas if a is not None or not names["area"].required]
            if "area" in names
            else [base]
        )
        extra = {
            "max_households": [510, 1],  # 1: the smallest the header allows ([1..]), nearly every grid
            "min_committees": [1, 3],
            "max_tier": [0, 1],
            "per_demand": [0, 1],
            "category": [category],
            "level": ["community", "district", "grid"],
            "required": [["police_station"], []],
            "depth": [1, 3],
            "before": ["2030-01-01", "2024-01-01"],
        }
        for name, values in extra.items():
            if name in names:
                sets += [dict(base, **{name: v}) for v in values]
        if "ids" in names:
            label = {
                "map/attached": "Area",
                "map/org-links": "PartyOrg",
                "map/projects": "Demand",
                "map/unit-links": "Unit",
            }.get(spec.name, "Area")
            sets = [{"ids": first[label]}, {"ids": first[label][:3]}, {"ids": []}]
        out[spec.name] = sets
    return out


def test_loads_report_the_same_changes(loaded):
    _, _, emb, neo = loaded
    assert emb["district"] == neo["district"]
    assert emb["preset"] == neo["preset"]
    assert emb["docs"].documents_new == neo["docs"].documents_new
    assert emb["docs"].statements == neo["docs"].statements > 0


def test_same_graph_on_both(loaded):
    embedded, neo4j, _, _ = loaded
    assert embedded.counts() == neo4j.counts()
    assert typed_dump(embedded) == typed_dump(neo4j)


def typed_dump(backend: Backend) -> tuple[list, list]:
    nodes, rels = graph_dump(backend)
    return [(labels, typed(props)) for labels, props in nodes], [(t, a, b, typed(p)) for t, a, b, p in rels]


@pytest.mark.parametrize("name", [q.name for q in list_queries()])
def test_every_canned_query_same_rows_order_and_types(loaded, name):
    embedded, neo4j, _, _ = loaded
    spec = next(q for q in list_queries() if q.name == name)
    ordered = sorts(spec.text)
    nonempty = 0
    for params in _variants(embedded)[name]:
        a = query_result(name, embedded, **params)
        b = query_result(name, neo4j, **params)
        assert a.columns == b.columns
        assert canonical(a.rows, ordered) == canonical(b.rows, ordered), f"{name} with {params}"
        nonempty += bool(a.rows)
    assert nonempty, f"{name}: every parameter set gave no rows, so nothing was compared"


def test_stated_vs_actual_compares_document_figures(loaded):
    embedded, neo4j, _, _ = loaded
    rows = query_result("reconciliation/stated-vs-actual", embedded).rows
    assert rows, "the documents stated no figure about a loaded area"
    assert typed(rows) == typed(query_result("reconciliation/stated-vs-actual", neo4j).rows)


# -- writes: each test starts from freshly loaded engines ----------------------------------------


@pytest.fixture
def fresh(inputs: Path, embedded: Backend, neo4j_session_backend: Backend):
    """Both engines holding only the hand-built district (small: these tests write)."""
    for b in (embedded, neo4j_session_backend):
        b.reset()
        load_roster(inputs / "district", b)
    return embedded, neo4j_session_backend


def _bad_roster(inputs: Path, tmp_path: Path) -> Path:
    """The district roster with two invalid rows added at the end of the areas table."""
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(inputs / "district", bad)
    with (bad / "areas.csv").open("a", encoding="utf-8") as f:
        f.write("X1,坏区域,nowhere,,\n")
        f.write("X2,坏网格,grid,NO_SUCH_PARENT,abc\n")
    return bad


def test_roster_refusal_is_all_or_nothing_and_reload_is_idempotent(fresh, inputs, tmp_path):
    before = [typed_dump(b) for b in fresh]
    problems = []
    for b in fresh:
        with pytest.raises(RosterInvalid) as e:
            load_roster(_bad_roster(inputs, tmp_path / b.kind), b)
        problems.append([str(p) for p in e.value.problems])
    assert problems[0] == problems[1] and problems[0]
    assert [typed_dump(b) for b in fresh] == before
    reports = [load_roster(inputs / "district", b).table() for b in fresh]
    assert reports[0] == reports[1]
    assert all(r["created"] == 0 and r["removed"] == 0 for r in reports[0])
    assert [typed_dump(b) for b in fresh] == before
    assert before[0] == before[1]


def test_match_same_optimum_and_write_is_idempotent(fresh, inputs):
    from pbgraph.queries.matching import allocate, write_allocation

    for b in fresh:  # the preset too: enough competing demands for the optimum to matter
        load_roster(inputs / PRESET, b)
    allocations = [allocate(b) for b in fresh]
    assert allocations[0].rows() == allocations[1].rows()
    assert allocations[0].summary() == allocations[1].summary()
    assert allocations[0].pairs, "the preset has no matchable demand"
    for _ in range(2):  # the second run must change nothing
        for b, alloc in zip(fresh, allocations, strict=True):
            write_allocation(alloc, b)
        dumps = [typed_dump(b) for b in fresh]
        assert dumps[0] == dumps[1]
    projects = fresh[1].read("MATCH (p:Project) WHERE p.source = 'pbgraph match' RETURN count(p) AS n").rows[0][0]
    assert projects == len(allocations[0].pairs)
    dup = "MATCH (p:Project)-[r:USES]->(x) WITH p, x, count(r) AS n WHERE n > 1 RETURN count(*) AS dup"
    assert [b.read(dup).rows[0][0] for b in fresh] == [0, 0]
    assert fresh[0].counts() == fresh[1].counts()


def _export_digest(backend: Backend, area: str | None = None) -> str:
    from pbgraph.graph.export import to_networkx, write_export

    text = write_export(to_networkx(backend, area=area), "json", None)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_map_and_export_of_the_same_area(fresh):
    from pbgraph.maps import build_map

    street = fresh[0].read("MATCH (a:Area {level: 'street'}) RETURN a.id AS id ORDER BY id LIMIT 1").rows[0][0]
    for area in (street, None):
        a, b = (build_map(x, area=area, query="coverage/uncovered-grids") for x in fresh)
        assert a.nodes == b.nodes  # every drawn node, its facts, gaps, highlight and position
        assert sorted(map(repr, a.edges)) == sorted(map(repr, b.edges))
        assert (a.title, a.notes, a.highlighted_rows) == (b.title, b.notes, b.highlighted_rows)
        assert a.edges and a.highlighted_rows
        assert _export_digest(fresh[0], area) == _export_digest(fresh[1], area)


def test_backup_moves_between_engines_and_back_unchanged(fresh, tmp_path):
    from pbgraph.graph.backup import backup, restore

    embedded, neo4j = fresh
    digest = _export_digest(embedded)
    backup(embedded, tmp_path / "from-embedded.pbgraph.gz")
    restore(neo4j, tmp_path / "from-embedded.pbgraph.gz", replace=True)
    assert _export_digest(neo4j) == digest
    backup(neo4j, tmp_path / "from-neo4j.pbgraph.gz")
    with open_backend(str(tmp_path / "back.db")) as back:
        restore(back, tmp_path / "from-neo4j.pbgraph.gz")
        assert _export_digest(back) == digest
        assert typed_dump(back) == typed_dump(embedded)


def test_reset_empties_both_and_both_load_again(fresh, inputs):
    for b in fresh:
        b.reset()
    assert fresh[0].counts().nodes == {} and fresh[1].counts().nodes == {}
    reports = [load_roster(inputs / "district", b).table() for b in fresh]
    assert reports[0] == reports[1]
    assert fresh[0].counts() == fresh[1].counts()
    # the uniqueness constraint is back on both after reset
    taken = fresh[0].read("MATCH (a:Area) RETURN a.id AS id ORDER BY id LIMIT 1").rows[0][0]
    for b in fresh:
        with pytest.raises(QueryError):
            b.write("CREATE (:Area {id: $id})", {"id": taken})


# -- ledger form (台账): the translation reads the graph, so it must read both engines alike -------


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The preset written as a department's ledger (GB18030 CSVs), and one sheet of it alone."""
    import shutil

    base = tmp_path_factory.mktemp("ledger")
    write_roster(generate(PRESET, seed=5, gap_rate=0.1, as_of=None), base / "full", form="ledger")
    (base / "agreements").mkdir()
    shutil.copy(base / "full" / "共建协议.csv", base / "agreements")  # units and areas by name: in the graph
    return base


#: exports and map layers repeat the graph dump; all candidate pairs are the matching test's
SKIP_ON_LEDGER = ("export/", "map/", "matching/candidates")


def test_ledger_form_loads_alike_and_answers_alike(ledger, embedded, neo4j_session_backend):
    engines = (embedded, neo4j_session_backend)
    for b in engines:
        b.reset()
    first = [load_roster(ledger / "full", b) for b in engines]
    assert first[0].table() == first[1].table()
    assert first[0].ledger == first[1].ledger and first[0].ledger["dropped"]  # the phone column
    assert embedded.counts() == neo4j_session_backend.counts()
    assert typed_dump(embedded) == typed_dump(neo4j_session_backend)
    answered = 0
    for spec in list_queries():  # the questions analysts ask (the graph itself is compared above)
        if any(p.required for p in spec.params) or spec.name.startswith(SKIP_ON_LEDGER):
            continue
        a, b = (query_result(spec.name, x) for x in engines)
        assert canonical(a.rows, sorts(spec.text)) == canonical(b.rows, sorts(spec.text)), spec.name
        answered += bool(a.rows)
    assert answered >= 8
    # an area named as a ledger writes it, with its parent (a variable-length walk up on both engines)
    from pbgraph.queries.runner import resolve_area

    query = "MATCH (c:Community)-[:PART_OF]->(s:Street) RETURN s.name, c.name, c.id ORDER BY c.id LIMIT 1"
    street, community, cid = embedded.read(query).rows[0]
    assert [resolve_area(b, f"{street}/{community}") for b in engines] == [cid, cid]
    # a reload of one sheet alone: its unit and area names resolve against each graph (test_ledgers
    # reloads the whole ledger on the embedded engine)
    again = [load_roster(ledger / "agreements", b) for b in engines]
    assert again[0].table() == again[1].table()
    assert all(r["created"] == 0 and r["updated"] == 0 and r["removed"] == 0 for r in again[0].table())
    assert again[0].rows == again[1].rows == {"agreements": first[0].rows["agreements"]}
    assert typed_dump(embedded) == typed_dump(neo4j_session_backend)
