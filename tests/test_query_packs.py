"""Every shipped ``.cypher`` file: header, parameters, schema names, Neo4j's front end, FalkorDB."""

from __future__ import annotations

import re

import pytest

from pbgraph.graph.schema import Label, Rel
from pbgraph.queries.model import QueryFormatError, parse_query
from pbgraph.queries.runner import catalog

from helpers_lint import SAMPLE, errors

QUERIES = sorted(catalog().values(), key=lambda q: q.name)


def _used_params(text: str) -> set[str]:
    return set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", text))


def test_there_are_queries():
    assert QUERIES, "no query packs shipped"


@pytest.mark.parametrize("q", QUERIES, ids=lambda q: q.name)
def test_declared_params_are_the_used_params(q):
    assert _used_params(q.text) == {p.name for p in q.params}


@pytest.mark.parametrize("q", QUERIES, ids=lambda q: q.name)
def test_names_exist_in_schema(q):
    outside_brackets = re.sub(r"\[[^\]]*\]", "[]", q.text)
    labels = set(re.findall(r"[(:]\s*:\s*([A-Z][A-Za-z]*)", outside_brackets))
    labels |= set(re.findall(r"\w:([A-Z][A-Za-z]*)", outside_brackets))
    types = set(re.findall(r"\[[a-z_]*:([A-Z_|]+)", q.text))
    types = {t for group in types for t in group.split("|")}
    assert labels <= {label.value for label in Label}, labels - {label.value for label in Label}
    assert types <= {rel.value for rel in Rel}, types - {rel.value for rel in Rel}


def test_every_query_passes_neo4j_front_end(front_end):
    diagnostics = front_end
    assert set(diagnostics) >= {q.name for q in QUERIES}
    found = {name: errors(diagnostics[name]) for name in (q.name for q in QUERIES)}
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize("q", QUERIES, ids=lambda q: q.name)
def test_runs_on_falkordb_with_declared_columns(db, q):
    db.write("CREATE (:Area:Street {id: 'a1', name: 'x', level: 'street'})")
    params = {p.name: SAMPLE[p.type] if p.required or p.type == "area" else p.default for p in q.params}
    result = db.read(q.text, params)
    assert tuple(result.columns) == q.columns


def test_header_errors_are_named():
    with pytest.raises(QueryFormatError, match="lacks '// columns:'"):
        parse_query("// name: a/b\n// description: x\nRETURN 1")
    with pytest.raises(QueryFormatError, match="param line"):
        parse_query("// name: a/b\n// description: x\n// param: ???\n// columns: a\nRETURN 1 AS a")
    with pytest.raises(QueryFormatError, match="types must give str or int for each of the 2 columns"):
        parse_query("// name: a/b\n// description: x\n// columns: a, b\n// types: str\nRETURN 1 AS a, 2 AS b")
    with pytest.raises(QueryFormatError, match="types must give str or int"):
        parse_query("// name: a/b\n// description: x\n// columns: a\n// types: float\nRETURN 1.5 AS a")
