"""One vocabulary: what the .cypher files write (levels, kinds, sectors, statuses) is graph/schema.py's,
Neo4j's front end has nothing to warn about, and the README lists every public question."""

from __future__ import annotations

import re

import pytest

from pbgraph.graph import schema
from pbgraph.queries.runner import catalog, list_queries

from conftest import REPO
from helpers_lint import PROBE

#: Which schema vocabulary a property compared with a literal must come from.
PROPERTY_VOCABULARY: dict[str, set[str]] = {
    "level": {v.value for v in schema.Level},
    "kind": {v.value for v in schema.OrgKind} | {v.value for v in schema.AgreementKind},
    "sector": {v.value for v in schema.Sector},
    "status": {v.value for v in schema.ProjectStatus},
    "role": {v.value for v in schema.WorkerRole} | {v.value for v in schema.MembershipRole},
    "category": {v.value for v in schema.CountCategory},
}
EVERY_NAME = set().union(*PROPERTY_VOCABULARY.values(), (r.value for r in schema.Rel), (x.value for x in schema.Label))
LITERAL = re.compile(r"'([^']*)'")


def compared_literals(text: str) -> dict[str, set[str]]:
    """Literals a vocabulary property is compared with: ``x.level = 'a'``, ``{kind: 'b'}``, ``x.sector IN ['c']``."""
    found: dict[str, set[str]] = {}
    for prop in PROPERTY_VOCABULARY:
        pattern = rf"\b{prop}\b\s*(?:=|<>|:|IN)\s*('[^']*'|\[[^\]]*\])"
        for match in re.finditer(pattern, text):
            found.setdefault(prop, set()).update(LITERAL.findall(match.group(1)))
    return found


QUERIES = sorted(catalog().values(), key=lambda q: q.name)


def code(text: str) -> str:
    """The query without its ``//`` comments (their apostrophes are not string quotes)."""
    return re.sub(r"//[^\n]*", "", text)


@pytest.mark.parametrize("q", QUERIES, ids=lambda q: q.name)
def test_literals_are_the_schemas_vocabulary(q):
    for prop, values in compared_literals(code(q.text)).items():
        assert values <= PROPERTY_VOCABULARY[prop], f"{q.name}: {prop} {values - PROPERTY_VOCABULARY[prop]}"
    in_lists = {v for group in re.findall(r"IN\s*\[([^\]]*)\]", code(q.text)) for v in LITERAL.findall(group)}
    strays = in_lists - EVERY_NAME  # a literal list is a vocabulary list (levels, kinds, statuses, types)
    assert not strays, f"{q.name}: listed values no schema vocabulary holds: {strays}"


def test_the_check_catches_a_stray_value():
    text = "MATCH (a:Area) WHERE a.level IN ['street', 'streets'] AND o.kind = 'joint' RETURN a"
    found = compared_literals(text)
    assert found["level"] - PROPERTY_VOCABULARY["level"] == {"streets"}
    assert found["kind"] - PROPERTY_VOCABULARY["kind"] == {"joint"}


def test_neo4j_front_end_has_no_warnings_either(front_end):
    diagnostics = front_end
    found = {q.name: [f"{d['line']}:{d['column']} {d['message']}" for d in diagnostics[q.name]] for q in QUERIES}
    assert {k: v for k, v in found.items() if v} == {}


def test_a_warning_is_caught(front_end):
    """The same run of the front end as above reports a warning for a query that deserves one."""
    assert front_end[PROBE["id"]], "the linter should warn about an unknown label"


def test_readme_question_table_lists_every_public_query():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("| question | what it finds |", 1)[1].split("\n\n", 1)[0]
    listed = re.findall(r"^\| `([a-z-]+/[a-z-]+)` \|", table, flags=re.M)
    assert sorted(listed) == sorted(q.name for q in list_queries(internal=False))
    assert len(listed) == len(set(listed))


def test_no_copies_of_the_level_order_or_joint_kinds():
    """The order of levels and the joint committee kinds are written once, in graph/schema.py."""
    joint = {k.value for k in schema.JOINT_COMMITTEE_KINDS}
    levels = {lv.value for lv in schema.LEVEL_ORDER}
    copies = []
    for folder in ("graph", "loaders", "maps", "queries", "pbgraph", "bench"):
        for path in (REPO / folder).rglob("*.py"):
            if path.name == "schema.py":
                continue
            for run in SEQUENCE.findall(path.read_text(encoding="utf-8")):
                items = set(re.findall(r'"([a-z_]+)"', run))
                if joint <= items or len(items & levels) >= 5:
                    copies.append(f"{path}: {run[:60]}")
    assert copies == []


#: a literal tuple, list or set of four or more strings (not a dict: no colons between them)
SEQUENCE = re.compile(r'(?:"[a-z_]+",\s*){3,}"[a-z_]+"')


def test_neo4j_reads_a_bare_call_as_call_with_an_empty_scope():
    """FalkorDB parses only ``CALL {``; the Neo4j backend sends ``CALL () {`` (same meaning, no deprecation)."""
    from pbgraph.graph.backends.neo4j_backend import neo4j_text

    assert (
        neo4j_text("CALL {\n  UNWIND [1] AS x RETURN x\n} RETURN x")
        == "CALL () {\n  UNWIND [1] AS x RETURN x\n} RETURN x"
    )
    assert neo4j_text("MATCH (c) CALL { WITH c RETURN c.id AS i } RETURN i").count("CALL {") == 1  # imports c
    assert neo4j_text("CALL db.labels() YIELD label RETURN label") == "CALL db.labels() YIELD label RETURN label"
    assert neo4j_text("CALL () { RETURN 1 AS one } RETURN one") == "CALL () { RETURN 1 AS one } RETURN one"
