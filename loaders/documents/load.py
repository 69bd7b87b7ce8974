"""Load documents into the graph, every fact traceable to its sentence.

A ``Document`` is keyed by the hash of its normalized text, so loading the same
document again (in any encoding) changes nothing. Each stated number becomes a
``Statement`` FROM the document and ABOUT its area, with its span. An area the
document names is the same node as a graph area with the same name and level
whose ancestors do not contradict the document's parent; otherwise it is a new
node (the report says which). Orgs, units and mechanisms are MENTIONED_IN the
document with their spans. Everything is written as one atomic unit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pbgraph.graph import Backend, Statement
from pbgraph.graph.report import Report
from pbgraph.graph.schema import Level, OrgKind, Sector

from .extract import LEVEL_RANK, extract
from .files import expand
from .normalize import DocumentError, normalize_file


@dataclass
class DocsReport(Report):
    documents_new: list[str] = field(default_factory=list)
    documents_unchanged: list[str] = field(default_factory=list)
    statements: int = 0
    #: (name, level, graph id) of areas that are the same node as an area already in the graph
    areas_merged: list[tuple[str, str, str]] = field(default_factory=list)
    areas_new: list[tuple[str, str, str]] = field(default_factory=list)
    #: names several graph areas could be: a new node was made, listed with the candidates
    areas_ambiguous: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        def areas(items: list[tuple[str, str, str]]) -> list[dict[str, str]]:
            return [{"name": n, "level": lv, "id": i} for n, lv, i in items]

        return {
            **super().to_dict(),
            "areas_merged": areas(self.areas_merged),
            "areas_new": areas(self.areas_new),
        }


def _h(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:12]


def _resolve_areas(
    facts: dict[str, Any], backend: Backend, report: DocsReport, resolved_cache: dict[tuple[str, str, str | None], str]
) -> dict[str, str]:
    """Document area name → graph id (existing or new), parents first."""
    areas = sorted(facts["areas"], key=lambda a: LEVEL_RANK.get(a["level"], 9))
    rows = backend.read(
        "UNWIND $areas AS x MATCH (a:Area {name: x.name, level: x.level}) "
        "RETURN x.name AS name, a.id AS id, [(a)-[:PART_OF*1..12]->(p) | p.name] AS ancestors",
        {"areas": [{"name": a["name"], "level": a["level"]} for a in areas]},
    ).rows
    candidates: dict[str, list[tuple[str, list[str]]]] = {}
    for name, node_id, ancestors in rows:
        candidates.setdefault(name, []).append((node_id, ancestors))
    ids: dict[str, str] = {}
    for a in areas:
        key = (a["name"], a["level"], a["parent"])
        if key in resolved_cache:
            ids[a["name"]] = resolved_cache[key]
            continue
        found = candidates.get(a["name"], [])
        fitting = [c for c in found if a["parent"] is None or not c[1] or a["parent"] in c[1]]
        if len(fitting) > 1 and a["parent"] is not None:
            fitting = [c for c in fitting if a["parent"] in c[1]] or fitting
        if len(fitting) == 1:
            ids[a["name"]] = fitting[0][0]
            report.areas_merged.append((a["name"], a["level"], fitting[0][0]))
        else:
            parent_id = ids.get(a["parent"] or "", "")
            ids[a["name"]] = f"doc-area-{_h(a['name'], a['level'], parent_id)}"
            report.areas_new.append((a["name"], a["level"], ids[a["name"]]))
            if len(fitting) > 1:
                report.areas_ambiguous.append(f"{a['name']} ({', '.join(c[0] for c in fitting)})")
        resolved_cache[key] = ids[a["name"]]
    return ids


def _existing(backend: Backend, label: str, key: str, facts: list[dict[str, Any]], field_name: str) -> dict:
    """(name, kind or sector) → id of a node already in the graph, so a document joins it."""
    if not facts:
        return {}
    rows = backend.read(
        f"UNWIND $rows AS x MATCH (n:{label} {{name: x.name}}) WHERE n.{key} = x.v RETURN x.name, x.v, n.id",
        {"rows": [{"name": f["name"], "v": f[field_name]} for f in facts]},
    ).rows
    return {(name, v): node_id for name, v, node_id in rows}


def document_statements(
    facts: dict[str, Any], text_sha: str, ids: dict[str, str], new_areas: set[str], known: dict[str, dict] | None = None
) -> list[Statement]:
    """The writes for one extracted document (areas already resolved to ids)."""
    doc_id = f"doc-{text_sha[:16]}"
    out = [
        Statement(
            "MERGE (d:Document {id: $id}) SET d.name = $title, d.title = $title, d.source = $source, "
            "d.sha256 = $sha, d.chars = $chars",
            {
                "id": doc_id,
                "title": facts["title"] or facts["source"],
                "source": facts["source"],
                "sha": text_sha,
                "chars": facts["chars"],
            },
        )
    ]
    by_level: dict[str, list[dict[str, Any]]] = {}
    parts: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    for a in facts["areas"]:
        node = ids[a["name"]]
        if node in new_areas:
            by_level.setdefault(a["level"], []).append({"id": node, "name": a["name"], "level": a["level"]})
            if a["parent"] and a["parent"] in ids:
                parts.append({"child": node, "parent": ids[a["parent"]]})
        span = a["spans"][0] if a["spans"] else [None, None]
        mentions.append({"id": node, "start": span[0], "end": span[1]})
    for level, rows in sorted(by_level.items()):
        label = Level(level).label.value  # from the enum, never from the text
        out.append(
            Statement(
                f"UNWIND $rows AS r MERGE (a:Area:{label} {{id: r.id}}) SET a.name = r.name, a.level = r.level",
                {"rows": rows},
            )
        )
    if parts:
        out.append(
            Statement(
                "UNWIND $rows AS r MATCH (c:Area {id: r.child}) MATCH (p:Area {id: r.parent}) "
                "MERGE (c)-[:PART_OF]->(p)",
                {"rows": parts},
            )
        )
    out.append(
        Statement(
            "UNWIND $rows AS r MATCH (a:Area {id: r.id}) MATCH (d:Document {id: $doc}) "
            "MERGE (a)-[m:MENTIONED_IN]->(d) SET m.span_start = r.start, m.span_end = r.end",
            {"rows": mentions, "doc": doc_id},
        )
    )
    statements = [
        {
            "id": f"{doc_id}-c{i:03d}",
            "area": ids.get(c["area"] or ""),
            "props": {
                "name": c["text"][:40],
                "category": c["category"],
                "value": c["value"],
                "approx": c["approx"],
                "text": c["text"],
                "span_start": c["span"][0],
                "span_end": c["span"][1],
            },
        }
        for i, c in enumerate(facts["counts"])
    ]
    out.append(
        Statement(
            "UNWIND $rows AS r MATCH (d:Document {id: $doc}) MERGE (s:Statement {id: r.id}) SET s += r.props "
            "MERGE (s)-[:FROM]->(d) WITH s, r WHERE r.area IS NOT NULL MATCH (a:Area {id: r.area}) "
            "MERGE (s)-[:ABOUT]->(a)",
            {"rows": statements, "doc": doc_id},
        )
    )
    kinds = {k.value for k in OrgKind}
    known = known or {}
    orgs = [
        {
            "id": known.get("orgs", {}).get((o["name"], o["kind"]))
            or f"doc-org-{_h(o['name'], ids.get(o['area'] or '', ''))}",
            "name": o["name"],
            "kind": o["kind"],
            "start": o["span"][0],
            "end": o["span"][1],
            "area": ids.get(o["area"] or ""),
        }
        for o in facts["orgs"]
        if o["kind"] in kinds
    ]
    if orgs:
        out.append(
            Statement(
                "UNWIND $rows AS r MATCH (d:Document {id: $doc}) MERGE (o:PartyOrg {id: r.id}) "
                "SET o.name = r.name, o.kind = r.kind "
                "MERGE (o)-[mi:MENTIONED_IN]->(d) SET mi.span_start = r.start, mi.span_end = r.end "
                "WITH o, r WHERE r.area IS NOT NULL MATCH (a:Area {id: r.area}) MERGE (o)-[:SEATED_IN]->(a)",
                {"rows": orgs, "doc": doc_id},
            )
        )
    sectors = {s.value for s in Sector}
    units = [
        {
            "id": known.get("units", {}).get((u["name"], u["sector"])) or f"doc-unit-{_h(u['name'])}",
            "name": u["name"],
            "sector": u["sector"] if u["sector"] in sectors else "other",
            "start": u["span"][0],
            "end": u["span"][1],
            "area": ids.get(u["area"] or ""),
        }
        for u in facts["units"]
    ]
    if units:
        out.append(
            Statement(
                "UNWIND $rows AS r MATCH (d:Document {id: $doc}) MERGE (u:Unit {id: r.id}) "
                "SET u.name = r.name, u.sector = r.sector "
                "MERGE (u)-[mi:MENTIONED_IN]->(d) SET mi.span_start = r.start, mi.span_end = r.end "
                "WITH u, r WHERE r.area IS NOT NULL MATCH (a:Area {id: r.area}) MERGE (u)-[:LOCATED_IN]->(a)",
                {"rows": units, "doc": doc_id},
            )
        )
    mechanisms = [
        {
            "id": f"mech-{_h(m['name'])}",
            "name": m["name"],
            "area": ids.get(m["area"] or ""),
            "start": m["span"][0],
            "end": m["span"][1],
        }
        for m in facts["mechanisms"]
    ]
    if mechanisms:
        out.append(
            Statement(
                "UNWIND $rows AS r MATCH (d:Document {id: $doc}) MERGE (m:Mechanism {id: r.id}) SET m.name = r.name "
                "MERGE (m)-[mi:MENTIONED_IN]->(d) SET mi.span_start = r.start, mi.span_end = r.end "
                "WITH m, r WHERE r.area IS NOT NULL MATCH (a:Area {id: r.area}) "
                "MERGE (a)-[:PRACTICES]->(m)",
                {"rows": mechanisms, "doc": doc_id},
            )
        )
    return out


def load_documents(
    paths: Iterable[str | Path], backend: Backend, progress: Callable[[int, int], None] | None = None
) -> DocsReport:
    """Extract and load every readable document; unreadable ones are listed in ``errors``."""
    report = DocsReport()
    statements: list[Statement] = []
    cache: dict[tuple[str, str, str | None], str] = {}
    seen: set[str] = set()
    for path in expand(paths):
        try:
            doc = normalize_file(path, source=str(path))
        except DocumentError as e:
            report.errors.append(str(e))
            continue
        sha = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        exists = backend.read("MATCH (d:Document {sha256: $sha}) RETURN d.id", {"sha": sha}).rows
        if exists or sha in seen:
            report.documents_unchanged.append(str(path))
            continue
        seen.add(sha)
        facts = extract(doc)
        before_new = len(report.areas_new)
        ids = _resolve_areas(facts, backend, report, cache)
        new_ids = {i for _, _, i in report.areas_new[before_new:]}
        known = {
            "orgs": _existing(backend, "PartyOrg", "kind", facts["orgs"], "kind"),
            "units": _existing(backend, "Unit", "sector", facts["units"], "sector"),
        }
        statements += document_statements(facts, sha, ids, new_ids, known)
        report.documents_new.append(str(path))
        report.statements += len(facts["counts"])
    if statements:
        total = len(statements)
        backend.write_all(statements, progress=(lambda done: progress(done, total)) if progress else None)
    return report
