"""Property-based hostile input: the roster loader loads exactly what it was given or refuses with a
named error (nothing written); the extractor returns well-formed facts or a one-line error. Never a traceback."""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbgraph.graph.errors import PbgraphError
from pbgraph.loaders.documents import DocumentError, extract_file
from pbgraph.loaders.roster_files import RosterFileError
from pbgraph.loaders.rosters import RosterInvalid, load_roster

from conftest import graph_dump

LEVELS = ["province", "city", "district", "street", "community", "grid", "building"]
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
NASTY = st.sampled_from(["", " ", "x'}) DETACH DELETE n //", "<script>alert(1)</script>", "\x00", "\x1b[31m", "\u202e",
                         "a\r\nb", '"', "`", "${x}", "光明街道", "\ufeff", "𝕏" * 3])  # fmt: skip
#: A cell of 3,000 to 6,000 characters: hostile text repeated (drawing that many characters one by one
#: made generating the examples, not loading them, take minutes).
LONG = st.tuples(ANY_TEXT.filter(bool), st.integers(3000, 6000)).map(lambda p: (p[0] * p[1])[: p[1]])
CELL = st.one_of(ANY_TEXT, NASTY, LONG, st.none())
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])


NAME = st.one_of(ANY_TEXT, NASTY, LONG).filter(lambda t: t.strip())


@st.composite
def valid_rosters(draw):
    """A well-formed hierarchy whose names and unit texts are hostile: it must load exactly."""
    rows = [["p", draw(NAME), "province", None, None]]
    parents = ["p"]
    for depth, level in enumerate(["city", "district", "street", "community", "grid", "building"], 1):
        here = []
        for k in range(draw(st.integers(1, 3))):
            ident = f"{level[0]}{depth}-{k}"
            rows.append([ident, draw(NAME), level, draw(st.sampled_from(parents)), None])
            here.append(ident)
        parents = here
    units = [[f"u{k}", draw(NAME), "school", draw(st.sampled_from([r[0] for r in rows])), "是"] for k in range(3)]
    return rows, units, draw(ENCODINGS), draw(ENCODINGS)


@st.composite
def rosters(draw):
    """An areas table (and sometimes units) mixing valid rows, chains, cycles and junk."""
    n = draw(st.integers(1, 25))
    ids = [draw(st.one_of(st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True), CELL)) for _ in range(n)]
    rows = []
    for i, ident in enumerate(ids):
        parent = draw(st.one_of(st.none(), st.sampled_from(ids), CELL)) if i else None
        level = draw(st.one_of(st.sampled_from(LEVELS), CELL))
        households = draw(st.one_of(st.none(), st.integers(-5, 10**7), CELL))
        rows.append([ident, draw(CELL), level, parent, households])
    if draw(st.booleans()):  # a deep chain, sometimes closed into a cycle
        depth = draw(st.integers(20, 300))
        chain = [[f"d{k}", f"区{k}", "district", f"d{k - 1}" if k else None, None] for k in range(depth)]
        if draw(st.booleans()):
            chain[0][3] = f"d{depth - 1}"
        rows += chain
    units = None
    if draw(st.booleans()):
        sector = st.one_of(st.sampled_from(["school", "hospital"]), CELL)
        where = st.one_of(st.sampled_from(ids), CELL)
        units = [
            [draw(CELL), draw(CELL), draw(sector), draw(where), draw(CELL)] for _ in range(draw(st.integers(1, 6)))
        ]
    return rows, units, draw(ENCODINGS), draw(ENCODINGS)


def _write(folder: Path, table: str, header: list[str], rows: list[list[object]], encoding: str) -> None:
    with open(folder / f"{table}.csv", "w", encoding=encoding, errors="strict", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows([["" if c is None else c for c in row] for row in rows])


def _cell(value: object) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def test_roster_loader_loads_exactly_or_refuses_cleanly(session_backend):
    b = session_backend

    outcomes: list[str] = []

    @settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.one_of(rosters(), valid_rosters()))
    def check(case):
        rows, units, enc_areas, enc_units = case
        b.reset()
        before = graph_dump(b)
        folder = Path(tempfile.mkdtemp(prefix="hostile-"))
        try:
            try:
                _write(folder, "areas", ["id", "name", "level", "parent_id", "households"], rows, enc_areas)
                if units is not None:
                    _write(folder, "units", ["id", "name", "sector", "area_id", "large"], units, enc_units)
            except UnicodeEncodeError:
                return  # not representable in that encoding: nothing to load
            try:
                load_roster(folder, b)
            except RosterInvalid as e:
                assert e.problems and all(p.table and p.row >= 1 and p.reason for p in e.problems)
                assert graph_dump(b) == before  # refused: nothing written
                outcomes.append("refused")
                return
            except RosterFileError as e:
                assert str(e) and "\n" not in str(e).strip()
                assert graph_dump(b) == before
                return
            # loaded: exactly the rows given, text kept as text
            got = {r[0]: r[1] for r in b.read("MATCH (a:Area) RETURN a.id, a.name").rows}
            given_rows = [r for r in rows if any(_cell(c) for c in r)]  # blank lines are skipped, as in Excel
            assert got == {_cell(r[0]): _cell(r[1]) for r in given_rows}
            if units:
                names = {r[0]: r[1] for r in b.read("MATCH (u:Unit) RETURN u.id, u.name").rows}
                assert names == {_cell(u[0]): _cell(u[1]) for u in units if any(_cell(c) for c in u)}
            outcomes.append("loaded")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    check()
    assert "loaded" in outcomes and "refused" in outcomes, outcomes  # both sides of the property ran


DOC_TEXT = st.lists(
    st.one_of(
        ANY_TEXT,
        NASTY,
        st.sampled_from(
            [
                "光明街道下辖6个社区",
                "劃分網格一百五十個",
                "建立网格党支部48个",
                "近两万名党员",
                "2亿余元",
                "<p>翠屏区</p><script>x</script>",
                "第 一 网 格",
                "Guāngmíng 光明",
                "３８个",
            ]
        ),
    ),
    max_size=30,
).map("".join)


def test_extractor_returns_well_formed_facts_or_one_error(tmp_path_factory):
    base = tmp_path_factory.mktemp("docs")

    suffixes = st.sampled_from([".txt", ".md", ".html"])
    encodings = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"])

    @settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(DOC_TEXT, suffixes, encodings, st.booleans())
    def check(text, suffix, encoding, truncate):
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            return
        if truncate:
            data = data[: max(0, len(data) - 1)]
        path = base / f"doc{suffix}"
        path.write_bytes(data)
        try:
            facts = extract_file(path)
        except DocumentError as e:
            assert str(e).startswith(str(path)) and "\n" not in str(e).strip()
            return
        except PbgraphError as e:  # pragma: no cover - any other named error would be a bug to look at
            raise AssertionError(f"unexpected error type {type(e).__name__}: {e}") from e
        chars = facts["chars"]
        for area in facts["areas"]:
            assert area["name"] and all(0 <= s < e <= chars for s, e in area["spans"])
        for c in facts["counts"]:
            assert isinstance(c["value"], (int, float)) and isinstance(c["approx"], bool)
            s, e = c["span"]
            assert 0 <= s < e <= chars

    check()
