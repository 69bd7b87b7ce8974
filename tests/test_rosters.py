"""Roster loading on the real embedded engine: all-or-nothing, every error named, idempotent, safe."""

from __future__ import annotations

import json

import pytest

from pbgraph.graph.errors import WriteFailed
from pbgraph.loaders.roster_files import RosterFileError, read_roster
from pbgraph.loaders.roster_tables import TABLE_LABEL
from pbgraph.loaders.rosters import RosterInvalid, diff_plan, load_roster, validate
from pbgraph.loaders.synthetic import generate, revise, write_roster

from conftest import graph_dump, run_cli, write_csv

AREAS = ["id", "name", "level", "parent_id", "households", "code"]
UNITS = ["id", "name", "sector", "area_id", "large", "party_members", "party_org_id"]


def small_roster(folder, unit_name="市第一医院", encoding="utf-8"):
    write_csv(
        folder,
        "areas",
        AREAS,
        [
            ["s1", "光明街道", "street", None, None, "440311001"],
            ["c1", "碧眼社区", "community", "s1", 1200, None],
            ["g1", "碧眼社区第一网格", "grid", "c1", 420, None],
            ["g2", "碧眼社区第二网格", "grid", "c1", 610, None],
        ],
        encoding,
    )
    write_csv(
        folder,
        "orgs",
        ["id", "name", "kind", "area_id", "parent_id"],
        [
            ["o1", "光明街道党工委", "street_working_committee", "s1", None],
            ["o2", "碧眼社区党委", "community_party_org", "c1", "o1"],
            ["o3", "第一网格党支部", "grid_party_branch", "g1", "o2"],
            ["o4", "碧眼社区大党委", "community_joint_committee", "c1", None],
        ],
        encoding,
    )
    write_csv(folder, "coverage", ["org_id", "area_id"], [["o3", "g1"]], encoding)
    write_csv(
        folder,
        "units",
        [*UNITS, "联系电话"],
        [
            ["u1", unit_name, "hospital", "g2", "是", 40, None, "0755-1234"],
            ["u2", "光明派出所", "police_station", "s1", "false", 12, None, None],
        ],
        encoding,
    )
    write_csv(
        folder,
        "memberships",
        ["unit_id", "org_id", "role", "since"],
        [["u1", "o4", "deputy_secretary", "2023-01-05"]],
        encoding,
    )
    write_csv(
        folder,
        "agreements",
        ["id", "kind", "unit_id", "area_id", "signed", "expires"],
        [["a1", "co_building", "u1", "c1", "2024-01-01", None]],
        encoding,
    )


def test_small_roster_loads_exactly(db, tmp_path):
    small_roster(tmp_path / "r")
    report = load_roster(tmp_path / "r", db)
    assert report.nodes["Area"] == {"created": 4, "updated": 0, "removed": 0}
    assert report.relationships["PART_OF"]["created"] == 3
    assert db.counts().nodes == {
        "Agreement": 1,
        "Area": 4,
        "Community": 1,
        "Grid": 2,
        "PartyOrg": 4,
        "Street": 1,
        "Unit": 2,
    }
    assert db.counts().relationships == {
        "COVERS": 1,
        "LEADS": 2,
        "LOCATED_IN": 2,
        "MEMBER_OF": 1,
        "PARTY_TO": 2,
        "PART_OF": 3,
        "SEATED_IN": 4,
    }
    unit = db.read(
        "MATCH (u:Unit {id: 'u1'})-[:LOCATED_IN]->(g:Grid) "
        "RETURN u.large AS large, u.party_members AS pm, u.`联系电话` AS tel, g.id AS grid"
    ).records()
    assert unit == [{"large": True, "pm": 40, "tel": "0755-1234", "grid": "g2"}]
    m = db.read("MATCH (:Unit {id: 'u1'})-[m:MEMBER_OF]->(:PartyOrg {id: 'o4'}) RETURN m.role AS r, m.since AS s")
    assert m.records() == [{"r": "deputy_secretary", "s": "2023-01-05"}]
    assert db.read("MATCH (a:Area {id: 'c1'}) RETURN a.level AS l, a.households AS h").rows == [["community", 1200]]


def test_loading_twice_changes_nothing(db, tmp_path):
    small_roster(tmp_path / "r")
    load_roster(tmp_path / "r", db)
    before = graph_dump(db)
    report = load_roster(tmp_path / "r", db)
    assert graph_dump(db) == before
    assert all(v["created"] == 0 and v["removed"] == 0 for v in report.nodes.values())
    assert all(v["created"] == 0 and v["removed"] == 0 for v in report.relationships.values())


def test_changed_roster_updates_and_moves(db, tmp_path):
    small_roster(tmp_path / "r")
    load_roster(tmp_path / "r", db)
    write_csv(tmp_path / "r2", "areas", AREAS, [["g2", "碧眼社区第二网格", "grid", "c1", 480, None]])
    write_csv(tmp_path / "r2", "units", UNITS, [["u1", "市第一医院（新院区）", "hospital", "c1", "true", 45, None]])
    load_roster(tmp_path / "r2", db)
    row = db.read("MATCH (u:Unit {id: 'u1'})-[:LOCATED_IN]->(a) RETURN u.name AS n, collect(a.id) AS at").rows
    assert row == [["市第一医院（新院区）", ["c1"]]]  # moved: the old LOCATED_IN is gone
    assert db.read("MATCH (g:Grid {id: 'g2'}) RETURN g.households AS h").rows == [[480]]
    assert db.counts().nodes["Unit"] == 2  # u2, not in the second roster, is kept


def test_replace_removes_what_the_roster_no_longer_names(db, tmp_path):
    small_roster(tmp_path / "r")
    load_roster(tmp_path / "r", db)
    write_csv(tmp_path / "r2", "units", UNITS, [["u1", "市第一医院", "hospital", "g2", "true", 40, None]])
    report = load_roster(tmp_path / "r2", db, replace=True)
    assert report.nodes["Unit"]["removed"] == 1
    assert db.read("MATCH (u:Unit) RETURN u.id AS id").rows == [["u1"]]
    assert db.counts().nodes["Area"] == 4  # tables the roster lacks are untouched


def test_references_into_the_graph(db, tmp_path):
    small_roster(tmp_path / "r")
    load_roster(tmp_path / "r", db)
    write_csv(tmp_path / "more", "units", UNITS, [["u9", "碧眼小学", "school", "c1", "0", 15, None]])
    load_roster(tmp_path / "more", db)
    assert db.read("MATCH (u:Unit {id: 'u9'})-[:LOCATED_IN]->(c:Community) RETURN c.id").rows == [["c1"]]


def test_many_errors_named_and_nothing_written(db, tmp_path):
    small_roster(tmp_path / "ok")
    load_roster(tmp_path / "ok", db)
    before = graph_dump(db)
    bad = tmp_path / "bad"
    write_csv(
        bad,
        "areas",
        AREAS,
        [
            ["x1", "新社区", "comunity", "s1", None, None],  # row 2: vocabulary
            ["x2", None, "grid", "c1", "-5", None],  # row 3: missing name, negative count
            ["x2", "重复", "grid", "c1", None, None],  # row 4: duplicate id
            ["x3", "孤网格", "grid", "nowhere", None, None],  # row 5: unknown reference
            ["y1", "甲", "grid", "y2", None, None],  # row 6: cycle y1 → y2 → y1
            ["y2", "乙", "grid", "y1", None, None],
        ],
    )
    write_csv(
        bad,
        "agreements",
        ["id", "kind", "unit_id", "area_id", "signed", "expires"],
        [
            ["a9", "co_building", "u1", "c1", "2024-13-01", None],  # row 2: not a date
        ],
    )
    with pytest.raises(RosterInvalid) as e:
        load_roster(bad, db)
    got = {(p.table, p.row, p.column) for p in e.value.problems}
    assert {
        ("areas", 2, "level"),
        ("areas", 3, "name"),
        ("areas", 3, "households"),
        ("areas", 4, "id"),
        ("areas", 5, "parent_id"),
        ("agreements", 2, "signed"),
    } <= got
    assert any(p.table == "areas" and "cycle" in p.reason for p in e.value.problems)
    assert "did you mean 'community'" in str(e.value)
    assert graph_dump(db) == before


def test_cycle_through_the_graph(db, tmp_path):
    small_roster(tmp_path / "r")
    load_roster(tmp_path / "r", db)
    # the street becomes a child of its own grid
    write_csv(tmp_path / "c", "areas", AREAS, [["s1", "光明街道", "street", "g1", None, None]])
    with pytest.raises(RosterInvalid, match="parent cycle: s1 → g1 → c1 → s1"):
        load_roster(tmp_path / "c", db)


def test_wrong_level_reference(db, tmp_path):
    small_roster(tmp_path / "r")
    write_csv(tmp_path / "r", "workers", ["id", "grid_id", "role"], [["w1", "c1", "full_time"]])
    with pytest.raises(RosterInvalid, match=r"workers row 2, column grid_id: area 'c1' is a community, expected grid"):
        load_roster(tmp_path / "r", db)
    assert db.counts().nodes == {}


@pytest.mark.parametrize("name", ["x'}) DETACH DELETE n //", "<script>alert(1)</script>", 'a"b\\c', "Ω\t换行"])
def test_hostile_names_are_text(db, tmp_path, name):
    small_roster(tmp_path / "r", unit_name=name)
    load_roster(tmp_path / "r", db)
    assert db.read("MATCH (u:Unit {id: 'u1'}) RETURN u.name AS n").rows == [[name]]
    assert db.counts().nodes["Area"] == 4


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_encodings(db, tmp_path, encoding):
    small_roster(tmp_path / "r", encoding=encoding)
    report = load_roster(tmp_path / "r", db)
    assert report.encodings["areas"] == report.encodings["units"] == encoding
    assert db.read("MATCH (a:Area {id: 'c1'}) RETURN a.name").rows == [["碧眼社区"]]


def test_unreadable_roster(tmp_path, db):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "areas.csv").write_bytes(b"\xff\xfe\x00\x01\x80\x81")
    with pytest.raises(RosterFileError, match="not UTF-8 or GB18030"):
        load_roster(tmp_path / "r", db)
    with pytest.raises(RosterFileError, match="does not exist"):
        load_roster(tmp_path / "missing", db)


def test_csv_and_xlsx_load_to_identical_graphs(db, tmp_path):
    roster = generate("guangming", seed=3, as_of=None)
    write_roster(roster, tmp_path / "csv", fmt="csv")
    write_roster(roster, tmp_path / "xlsx", fmt="xlsx")
    load_roster(tmp_path / "csv", db)
    from_csv = graph_dump(db)
    db.reset()
    load_roster(tmp_path / "xlsx" / "roster.xlsx", db)
    assert graph_dump(db) == from_csv


def test_engine_error_mid_load_keeps_nothing(db, tmp_path):
    """A real engine failure on a later batch (a per-query memory cap) leaves the graph as it was."""
    small_roster(tmp_path / "r")
    load_roster(tmp_path / "r", db)
    before = graph_dump(db)
    write_roster(generate("guangming", seed=2), tmp_path / "big")
    diff = diff_plan(validate(read_roster(tmp_path / "big"), db), db)
    statements = [st for st, _ in diff.statements(batch_size=100000)]
    db._redis.execute_command("GRAPH.CONFIG", "SET", "QUERY_MEM_CAPACITY", 256 * 1024)
    try:
        with pytest.raises(WriteFailed, match=r"statement (\d+) failed, nothing was written") as e:
            db.write_all(statements)
    finally:
        db._redis.execute_command("GRAPH.CONFIG", "SET", "QUERY_MEM_CAPACITY", 0)
    assert int(e.value.args[0].split()[1]) > 1, "the failure must come after earlier batches were applied"
    assert graph_dump(db) == before


def test_cli_load_roster(tmp_path):
    small_roster(tmp_path / "r")
    out = run_cli("load", "roster", str(tmp_path / "r"), "--format", "json", db=tmp_path / "g.db")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["nodes"]["Area"]["created"] == 4 and report["encodings"]["areas"] == "utf-8"
    write_csv(tmp_path / "bad", "areas", AREAS, [["z", "乙", "planet", None, None, None]])
    out = run_cli("load", "roster", str(tmp_path / "bad"), db=tmp_path / "g.db")
    assert out.returncode == 1
    assert "areas row 2, column level: unknown value 'planet'" in out.stderr and "Traceback" not in out.stderr


# -- writing only the difference ------------------------------------------------------


def _load_fresh(db, folder):
    db.reset()
    load_roster(folder, db)
    return graph_dump(db)


def test_reload_unchanged_writes_nothing_and_reports_zero(db, tmp_path):
    write_roster(generate("guangming", seed=4, as_of=None), tmp_path / "r")
    first = load_roster(tmp_path / "r", db)
    assert first.written == "bulk"
    before = graph_dump(db)
    again = load_roster(tmp_path / "r", db)
    assert again.changes == [] and again.written == "nothing"
    assert again.unchanged == sorted(first.rows)  # the files were not even read again
    assert again.rows == first.rows
    counts = list(again.nodes.values()) + list(again.relationships.values())
    assert counts and all(c == {"created": 0, "updated": 0, "removed": 0} for c in counts)
    assert graph_dump(db) == before


def test_reload_after_another_write_compares_with_the_graph(db, tmp_path):
    """The shortcut never trusts its memory once something else wrote: the graph is compared."""
    write_roster(generate("guangming", seed=4, as_of=None), tmp_path / "r")
    load_roster(tmp_path / "r", db)
    before = graph_dump(db)
    unit = db.read("MATCH (u:Unit) RETURN u.id ORDER BY u.id LIMIT 1").rows[0][0]
    db.write("MATCH (u:Unit {id: $id}) SET u.name = 'edited by hand'", {"id": unit})
    report = load_roster(tmp_path / "r", db)
    assert report.unchanged == []
    assert [str(c) for c in report.changes] == [f"updated Unit {unit} (name)"]
    assert graph_dump(db) == before


def test_changed_rows_are_named_exactly_and_give_the_graph_a_fresh_load_gives(db, tmp_path):
    roster = generate("guangming", seed=5, as_of=None)
    revised, renamed = revise(roster, 0.02, seed=2)
    unit = revised.rows["units"][0]
    old_area = unit["area_id"]
    unit["area_id"] = next(a["id"] for a in revised.rows["areas"] if a["level"] == "community")
    write_roster(roster, tmp_path / "r")
    write_roster(revised, tmp_path / "r2")
    expected = {("updated", TABLE_LABEL[t].value, i, ("name",)) for t, i in renamed}
    expected |= {
        ("removed", "LOCATED_IN", f"{unit['id']} → {old_area}", ()),
        ("created", "LOCATED_IN", f"{unit['id']} → {unit['area_id']}", ()),
    }
    fresh = _load_fresh(db, tmp_path / "r2")
    db.reset()
    load_roster(tmp_path / "r", db)
    report = load_roster(tmp_path / "r2", db)
    assert {c[:4] for c in report.changes} == expected and len(report.changes) == len(expected)
    assert report.written == "statements"
    assert report.nodes["Unit"]["updated"] == sum(1 for t, _ in renamed if t == "units")
    assert report.relationships["LOCATED_IN"] == {"created": 1, "updated": 0, "removed": 1}
    assert graph_dump(db) == fresh


def test_bulk_and_statement_writes_build_the_same_graph(db, tmp_path):
    write_roster(generate("guangming", seed=6, as_of=None), tmp_path / "r")
    assert load_roster(tmp_path / "r", db).written == "bulk"
    bulk = graph_dump(db)
    db.reset()
    db.write("CREATE (:Document {id: 'placeholder'})")  # not empty: the statements write the roster
    by_statements = load_roster(tmp_path / "r", db)
    assert by_statements.written == "statements"
    db.write("MATCH (d:Document {id: 'placeholder'}) DELETE d")
    assert graph_dump(db) == bulk
    assert db.read("CALL db.constraints() YIELD status RETURN collect(DISTINCT status)").rows == [[["OPERATIONAL"]]]


def test_bulk_loaded_graph_survives_an_engine_restart(tmp_path):
    from pbgraph.graph import open_backend

    write_roster(generate("guangming", seed=7, as_of=None), tmp_path / "r")
    with open_backend(str(tmp_path / "g.db")) as b:
        assert load_roster(tmp_path / "r", b).written == "bulk"
        before = graph_dump(b)
    with open_backend(str(tmp_path / "g.db")) as b:  # the engine stopped with the last user: a cold start
        assert graph_dump(b) == before
        assert load_roster(tmp_path / "r", b).changes == []


# -- input that is not a roster: one clear line each --------------------------------------


def test_text_file_named_xlsx_is_one_clear_line(db, tmp_path):
    fake = tmp_path / "台账.xlsx"
    fake.write_text("id,name,level\ns1,光明街道,street\n", encoding="utf-8")
    with pytest.raises(RosterFileError, match=r"not an \.xlsx workbook .*no zip archive"):
        load_roster(fake, db)
    out = run_cli("load", "roster", str(fake), db=tmp_path / "g.db")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_a_10_mb_cell_is_refused_with_the_limit(db, tmp_path):
    small_roster(tmp_path / "r")
    with (tmp_path / "r" / "units.csv").open("a", encoding="utf-8") as f:
        f.write('u9,"' + "院" * 10_000_000 + '",hospital,g1,,,\n')
    with pytest.raises(RosterFileError, match=r"units.csv row 4: a cell holds more than 131,072 characters"):
        load_roster(tmp_path / "r", db)
    assert db.counts().nodes == {}


def test_a_million_column_header_is_refused_in_bounded_memory(tmp_path):
    """Refused with the limit stated, in a child capped at 3 GB of address space (it took 15 GB)."""
    import resource

    folder = tmp_path / "r"
    folder.mkdir()
    with (folder / "areas.csv").open("w", encoding="utf-8") as f:
        f.write("id,name,level," + ",".join(f"c{i}" for i in range(1_000_000)) + "\n")
        for i in range(50):
            f.write(f"a{i},地区{i},street\n")

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))

    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", "import sys; from pbgraph.loaders.roster_files import read_roster; "
         "from pbgraph.graph.errors import PbgraphError\n"
         "try:\n    read_roster(sys.argv[1])\nexcept PbgraphError as e:\n    print(e)\n", str(folder)],
        capture_output=True, text=True, preexec_fn=cap, timeout=120, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-500:]
    assert "areas.csv row 1: 1,000,003 columns, more than the 1,000 a roster table may have" in out.stdout


def test_a_missing_required_column_is_reported_alone(db, tmp_path):
    """Every unit names an org, but orgs has no id column: one problem, not one per unit."""
    small_roster(tmp_path / "r")
    write_csv(
        tmp_path / "r",
        "orgs",
        ["name", "kind", "area_id", "parent_id"],
        [["光明街道党工委", "street_working_committee", "s1", None]],
    )
    write_csv(
        tmp_path / "r",
        "units",
        [*UNITS],
        [[f"u{i}", f"单位{i}", "private_enterprise", "g1", None, None, "o1"] for i in range(300)],
    )
    with pytest.raises(RosterInvalid) as e:
        load_roster(tmp_path / "r", db)
    assert [str(p) for p in e.value.problems] == ["orgs row 1, column id: missing required column"]


def test_cli_reload_names_changes_and_shows_progress_on_a_terminal(tmp_path):
    import os
    import pty
    import subprocess
    import sys

    small_roster(tmp_path / "r")
    assert run_cli("load", "roster", str(tmp_path / "r"), db=tmp_path / "g.db").returncode == 0
    out = run_cli("load", "roster", str(tmp_path / "r"), "--format", "json", db=tmp_path / "g.db")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["changes"] == []
    assert "nothing written: the graph already holds this roster" in out.stderr
    small_roster(tmp_path / "r2", unit_name="市第一医院（东院）")
    master, slave = pty.openpty()  # stderr is a terminal: the status line is drawn from the start
    child = subprocess.run(
        [sys.executable, "-m", "pbgraph.cli", "--db", str(tmp_path / "g.db"), "load", "roster", str(tmp_path / "r2")],
        stdout=subprocess.PIPE, stderr=slave, text=True, timeout=120, check=False,
    )  # fmt: skip
    os.close(slave)
    shown = os.read(master, 65536).decode()
    os.close(master)
    assert child.returncode == 0
    assert "pbgraph: reading" in shown and "pbgraph: checking" in shown and "pbgraph: comparing" in shown
    assert "changed:\n  updated Unit u1 (name)\n" in child.stdout


def test_a_bulk_write_split_into_many_calls_builds_the_same_graph(db, tmp_path, monkeypatch):
    """Province-sized first loads need several GRAPH.BULK calls: nodes keep their numbering across them."""
    from pbgraph.graph.backends import falkordb_bulk

    write_roster(generate("guangming", seed=8, as_of=None), tmp_path / "r")
    db.write("CREATE (:Document {id: 'placeholder'})")
    by_statements = load_roster(tmp_path / "r", db)
    assert by_statements.written == "statements"
    db.write("MATCH (d:Document {id: 'placeholder'}) DELETE d")
    expected = graph_dump(db)
    db.reset()
    monkeypatch.setattr(falkordb_bulk, "MAX_CALL_BYTES", 4096)
    by_bulk = load_roster(tmp_path / "r", db)
    assert by_bulk.written == "bulk"
    assert graph_dump(db) == expected
    # the same report, though the bulk write compared nothing (its changes are listed on demand)
    assert (by_bulk.nodes, by_bulk.relationships) == (by_statements.nodes, by_statements.relationships)
    assert list(by_bulk.changes) == list(by_statements.changes) and by_bulk.changes == by_statements.changes
    n = len(by_statements.changes)
    assert [by_bulk.changes[i] for i in range(-n, n, 5)] == [by_statements.changes[i] for i in range(-n, n, 5)]
    assert all(by_bulk.changes[i : i + 40] == by_statements.changes[i : i + 40] for i in range(0, n, 37))
    assert by_bulk.to_dict()["changes"] == by_statements.to_dict()["changes"]


def test_reload_after_a_reset_loads_everything_again(db, tmp_path):
    """A reset is a write: the memory of the last load is void, the files are read and written again."""
    write_roster(generate("guangming", seed=4, as_of=None), tmp_path / "r")
    first = load_roster(tmp_path / "r", db)
    before = graph_dump(db)
    db.read_snapshot(["MATCH (n) RETURN count(n)"])  # a reader under the writer lock writes nothing
    assert load_roster(tmp_path / "r", db).unchanged == sorted(first.rows)
    db.reset()
    again = load_roster(tmp_path / "r", db)
    assert again.unchanged == [] and again.written == "bulk" and len(again.changes) == len(first.changes)
    assert graph_dump(db) == before


def test_a_failed_load_leaves_no_memory_another_commit_could_validate(db, tmp_path):
    """A load that fails after deciding to write must not be trusted when someone else's write comes next."""
    write_roster(generate("guangming", seed=4, as_of=None), tmp_path / "r")
    load_roster(tmp_path / "r", db)
    revised, _ = revise(generate("guangming", seed=4, as_of=None), 0.05, seed=3)
    write_roster(revised, tmp_path / "r2")

    def interrupted(done: int, total: int) -> None:
        raise KeyboardInterrupt  # Ctrl-C in the middle of the write: nothing committed

    with pytest.raises(KeyboardInterrupt):
        load_roster(tmp_path / "r2", db, progress=interrupted)
    db.write("CREATE (:Document {id: 'someone else'})")  # the next commit is another writer's
    report = load_roster(tmp_path / "r2", db)
    assert report.unchanged == [] and report.changes  # compared with the graph: the renames are written
    assert {c.action for c in report.changes} == {"updated"}


def _edit(folder, table, edit):
    """Rewrite ``table``.csv as a spreadsheet would, after ``edit(rows)`` (lists of cells, the header first)."""
    import csv

    path = folder / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    edit(rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def _refusal(db, folder):
    with pytest.raises(RosterInvalid) as e:
        load_roster(folder, db)
    return [str(p) for p in e.value.problems]


@pytest.fixture
def reloaded(db, tmp_path):
    """A guangming roster loaded (the graph's last load: its rows are known) and a copy to edit."""
    import shutil

    write_roster(generate("guangming", seed=4, as_of=None), tmp_path / "r")
    load_roster(tmp_path / "r", db)
    shutil.copytree(tmp_path / "r", tmp_path / "r2")
    return tmp_path / "r2"


def test_a_reload_checks_only_the_rows_the_last_load_did_not_hold(db, reloaded):
    """Of a changed file, the unchanged rows are neither checked nor compared again: the report says how
    many, names exactly the changed rows, and the graph is what a fresh load of the new roster gives."""
    renamed = []

    def rename(rows):
        for row in rows[5:8]:
            row[1] += "（更名）"
            renamed.append(row[0])

    _edit(reloaded, "units", rename)
    total = len((reloaded / "units.csv").read_text(encoding="utf-8").splitlines()) - 1
    before = graph_dump(db)
    report = load_roster(reloaded, db)
    assert sorted(str(c) for c in report.changes) == sorted(f"updated Unit {i} (name)" for i in renamed)
    assert report.settled == {"units": total - 3} and report.rows["units"] == total
    assert report.unchanged == sorted(set(report.rows) - {"units"})
    after = graph_dump(db)
    assert after != before and after == _load_fresh(db, reloaded)


def test_a_reload_whose_changed_row_breaks_a_reference_is_refused(db, reloaded):
    """A changed row naming an unknown id, or an area of the wrong level that is an unchanged row of the same
    file, is refused with its sheet, row and column as a full check names them; nothing is written."""
    communities = [r[0] for r in db.read("MATCH (a:Community) RETURN a.id ORDER BY a.id").rows]

    def break_refs(rows):
        rows[3][rows[0].index("area_id")] = "nowhere"

    def wrong_level(rows):
        rows[2][rows[0].index("grid_id")] = communities[0]

    _edit(reloaded, "units", break_refs)
    _edit(reloaded, "workers", wrong_level)
    before = graph_dump(db)
    problems = _refusal(db, reloaded)
    assert problems == [
        "units row 4, column area_id: reference to unknown areas id 'nowhere' (not in the roster nor in the graph)",
        f"workers row 3, column grid_id: area {communities[0]!r} is a community, expected grid",
    ]
    assert graph_dump(db) == before
    db.reset()
    assert _refusal(db, reloaded)[:1] == problems[:1]  # a full check of the same roster says the same


def test_a_reload_whose_changed_row_repeats_an_unchanged_rows_id_is_refused(db, reloaded):
    """A changed row that takes the id of an unchanged row (before or after it), and a row copied whole
    (both copies unchanged rows), are duplicates, named as a full check names them."""

    def duplicate(rows):
        rows[4][0] = rows[9][0]  # row 5 takes row 10's id: row 10 is the duplicate
        rows[20][0] = rows[2][0]  # row 21 takes row 3's id
        rows.append(list(rows[30]))  # row 31 copied to the end

    _edit(reloaded, "demands", duplicate)
    problems = _refusal(db, reloaded)
    db.reset()
    assert problems == _refusal(db, reloaded)  # exactly what a full check of the same roster says
    assert [p.split(":")[0] for p in problems] == [
        "demands row 10, column id",
        "demands row 21, column id",
        f"demands row {len((reloaded / 'demands.csv').read_text().splitlines())}, column id",
    ]


def test_a_reload_of_a_file_with_multi_line_cells_numbers_rows_as_a_full_check(db, tmp_path):
    """Quoted cells holding line breaks: rows are records, not lines, on a reload too."""
    rows = [[f"u{i}", f"单位{i}", "hospital", "g2", None, None, None, f"第一行\n第二行{i}"] for i in range(1, 9)]
    small_roster(tmp_path / "r")
    write_csv(tmp_path / "r", "units", [*UNITS, "备注"], rows)
    load_roster(tmp_path / "r", db)
    rows[5][3] = "nowhere"  # row 7
    rows[6][1] = "单位七（更名）"
    write_csv(tmp_path / "r", "units", [*UNITS, "备注"], rows)
    assert _refusal(db, tmp_path / "r") == [
        "units row 7, column area_id: reference to unknown areas id 'nowhere' (not in the roster nor in the graph)"
    ]
    rows[5][3] = "g1"
    write_csv(tmp_path / "r", "units", [*UNITS, "备注"], rows)
    report = load_roster(tmp_path / "r", db)
    assert report.settled == {"units": 6}
    assert sorted(str(c) for c in report.changes) == [
        "created LOCATED_IN u6 → g1",
        "removed LOCATED_IN u6 → g2",
        "updated Unit u7 (name)",
    ]
    assert db.read("MATCH (u:Unit {id: 'u8'}) RETURN u.`备注`").rows == [["第一行\n第二行8"]]


def test_a_first_load_with_a_reference_column_empty_in_every_row(db, tmp_path):
    """No unit names a party org (and no org is loaded): the bulk write makes no relationship of that type."""
    write_csv(tmp_path / "r", "areas", AREAS, [["s1", "光明街道", "street", None, None, None]])
    write_csv(tmp_path / "r", "units", UNITS, [["u1", "市第一医院", "hospital", "s1", "true", 3, None]])
    report = load_roster(tmp_path / "r", db)
    assert report.written == "bulk" and report.relationships["HAS_PARTY_ORG"]["created"] == 0
    assert db.read("MATCH (:Unit {id: 'u1'})-[:LOCATED_IN]->(a:Area) RETURN a.id").rows == [["s1"]]
