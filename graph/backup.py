"""Backups: a consistent, engine-neutral snapshot of the graph in one file, and restoring it.

The file is gzip-compressed JSON lines: a header (format, when, from where, the counts),
one line per node (its labels and properties), one per relationship (type, end nodes
as ``[label, id]``, properties), and a trailer with the totals and a SHA-256 of every
line before it, so a truncated or edited file is refused. Because it holds data, not
engine pages, the same file restores into the embedded engine, a FalkorDB server or
Neo4j: it is also how a database moves to Neo4j.

Restoring checks the whole file before writing anything (the checksum must match, labels
and relationship types must be the model's own, never text from the file), writes in
one all-or-nothing unit, and verifies the counts afterwards.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pbgraph import __version__
from pbgraph.graph import Backend, using
from pbgraph.graph.backends.base import Statement, batched
from pbgraph.graph.errors import PbgraphError
from pbgraph.graph.report import Report
from pbgraph.graph.schema import Label, Rel
from pbgraph.queries.runner import get_query

FORMAT = "pbgraph-backup"
VERSION = 2
#: Version 1 files (before checksums) are still read; they cannot be checked against edits.
READABLE_VERSIONS = (1, 2)
LABELS = frozenset(label.value for label in Label)
TYPES = frozenset(rel.value for rel in Rel)


class BackupError(PbgraphError):
    """A backup file is unreadable, truncated or not a pbgraph backup, or the target is not empty."""


@dataclass
class BackupReport(Report):
    path: str
    nodes: int
    relationships: int
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Shaped like a status: counts per label and per type, and the totals."""
        return {
            "path": self.path,
            "nodes": dict(self.counts.get("nodes", {})),
            "relationships": dict(self.counts.get("relationships", {})),
            "totals": {"nodes": self.nodes, "relationships": self.relationships},
        }


def primary(labels: list[str]) -> str:
    return "Area" if "Area" in labels else labels[0]


def backup(db: Backend | str | None, out: str | Path) -> BackupReport:
    """Write a consistent snapshot of the graph to ``out`` (replaced only once complete)."""
    path = Path(out)
    nodes_q, rels_q = get_query("export/nodes").text, get_query("export/relationships").text
    with using(db) as b:
        nodes, rels = b.read_snapshot([nodes_q, rels_q])
        source, kind = b.location, b.kind
    node_counts: dict[str, int] = defaultdict(int)
    for labels, props in nodes.rows:
        for label in labels:
            node_counts[label] += 1
        if not isinstance(props.get("id"), str):
            raise BackupError(f"a {'/'.join(labels)} node has no string id ({props}); give it one, then back up")
    rel_counts: dict[str, int] = defaultdict(int)
    for row in rels.rows:
        rel_counts[row[2]] += 1
    header = {
        "format": FORMAT,
        "version": VERSION,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "pbgraph": __version__,
        "source": source,
        "backend": kind,
        "counts": {"nodes": dict(sorted(node_counts.items())), "relationships": dict(sorted(rel_counts.items()))},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    digest = hashlib.sha256()
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:

            def line(obj: Any) -> None:
                data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
                digest.update(data)
                gz.write(data)

            line(header)
            for labels, props in nodes.rows:
                line({"n": sorted(labels), "p": props})
            for from_labels, from_id, rel_type, props, to_labels, to_id in rels.rows:
                ends = {"f": [primary(from_labels), from_id], "t": [primary(to_labels), to_id]}
                line({"r": rel_type, **ends, "p": props})
            end = {"end": True, "nodes": len(nodes.rows), "relationships": len(rels.rows), "sha256": digest.hexdigest()}
            gz.write(json.dumps(end, separators=(",", ":")).encode("utf-8") + b"\n")
        raw.flush()
        os.fsync(raw.fileno())
    tmp.replace(path)
    return BackupReport(str(path), len(nodes.rows), len(rels.rows), header["counts"])


@dataclass
class _Contents:
    header: dict[str, Any]
    nodes: dict[tuple[str, ...], list[dict[str, Any]]]
    rels: dict[tuple[str, str, str], list[dict[str, Any]]]
    n_nodes: int
    n_rels: int
    #: the SHA-256 of the lines before the trailer, as read
    sha256: str = ""


def _lines(path: Path) -> Iterator[tuple[int, bytes, Any]]:
    """Each line's number, bytes and JSON value."""
    try:
        with gzip.open(path, "rb") as f:
            for i, data in enumerate(f, 1):
                try:
                    yield i, data, json.loads(data.decode("utf-8"))
                except json.JSONDecodeError as e:
                    raise BackupError(f"{path}: line {i} is not JSON ({e.msg}); the file is damaged") from e
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise BackupError(f"{path}: not a readable pbgraph backup ({e})") from e


def read_backup(path: str | Path) -> _Contents:
    """Parse and check a whole backup file; nothing is written."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    header: dict[str, Any] | None = None
    trailer: dict[str, Any] | None = None
    nodes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    rels: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    keys: set[tuple[str, str]] = set()
    pending: list[tuple[int, tuple[str, str]]] = []
    n_nodes = n_rels = 0
    digest = hashlib.sha256()
    for i, data, obj in _lines(path):
        if header is None:
            if not isinstance(obj, dict) or obj.get("format") != FORMAT:
                raise BackupError(f"{path}: not a pbgraph backup (no header)")
            if obj.get("version") not in READABLE_VERSIONS:
                raise BackupError(
                    f"{path}: backup format version {obj.get('version')} is not one this pbgraph reads "
                    f"({', '.join(map(str, READABLE_VERSIONS))}); upgrade pbgraph"
                )
            header = obj
            digest.update(data)
            continue
        if trailer is not None:
            raise BackupError(f"{path}: line {i} follows the end marker")
        if not isinstance(obj, dict):
            raise BackupError(f"{path}: line {i} is not an object")
        if obj.get("end"):
            trailer = obj
            continue
        digest.update(data)
        if "n" in obj:
            labels, props = obj["n"], obj.get("p")
            bad = [x for x in labels if x not in LABELS] if isinstance(labels, list) and labels else ["(none)"]
            if bad:
                raise BackupError(f"{path}: line {i}: label(s) {bad} are not in pbgraph's model")
            if not isinstance(props, dict) or not isinstance(props.get("id"), str):
                raise BackupError(f"{path}: line {i}: a node needs properties with a string id")
            key = (primary(labels), props["id"])
            if key in keys:
                raise BackupError(f"{path}: line {i}: {key[0]} {key[1]!r} appears twice")
            keys.add(key)
            nodes[tuple(sorted(labels))].append(props)
            n_nodes += 1
        elif "r" in obj:
            rel_type, a, b, props = obj["r"], obj.get("f"), obj.get("t"), obj.get("p") or {}
            if rel_type not in TYPES:
                raise BackupError(f"{path}: line {i}: relationship type {rel_type!r} is not in pbgraph's model")
            for end in (a, b):
                if not (isinstance(end, list) and len(end) == 2 and end[0] in LABELS and isinstance(end[1], str)):
                    raise BackupError(f"{path}: line {i}: a relationship end must be [label, id], got {end!r}")
                pending.append((i, (end[0], end[1])))
            rels[(a[0], rel_type, b[0])].append({"f": a[1], "t": b[1], "p": props})
            n_rels += 1
        else:
            raise BackupError(f"{path}: line {i} is neither a node nor a relationship")
    if header is None:
        raise BackupError(f"{path}: empty file")
    if trailer is None:
        raise BackupError(f"{path}: truncated (no end marker); use a complete backup")
    if header.get("version", 0) >= 2 and trailer.get("sha256") != digest.hexdigest():
        raise BackupError(
            f"{path}: the checksum does not match the contents (the file was edited or damaged after it was "
            "written); nothing was restored: use an intact backup"
        )
    if (trailer.get("nodes"), trailer.get("relationships")) != (n_nodes, n_rels):
        raise BackupError(f"{path}: the end marker counts do not match the lines; the file is damaged")
    for i, end in pending:
        if end not in keys:
            raise BackupError(f"{path}: line {i}: relationship end {end[0]} {end[1]!r} is not a node in the file")
    return _Contents(header, nodes, rels, n_nodes, n_rels, str(trailer.get("sha256", "")))


def restore_statements(contents: _Contents, replace: bool) -> Iterator[Statement]:
    """The writes that rebuild the graph: labels and types come from the model's enums, values are parameters."""
    if replace:
        yield Statement("MATCH (n) DETACH DELETE n")
    for labels, rows in sorted(contents.nodes.items()):
        label_text = ":".join(Label(x).value for x in labels)
        for batch in batched(rows):
            yield Statement(f"UNWIND $rows AS row CREATE (n:{label_text}) SET n = row", {"rows": batch})
    for (a, rel_type, b), rows in sorted(contents.rels.items()):
        la, lb, rt = Label(a).value, Label(b).value, Rel(rel_type).value
        query = (
            f"UNWIND $rows AS row MATCH (a:{la} {{id: row.f}}) MATCH (b:{lb} {{id: row.t}}) "
            f"CREATE (a)-[r:{rt}]->(b) SET r = row.p"
        )
        for batch in batched(rows):
            yield Statement(query, {"rows": batch})


def restore(db: Backend | str | None, path: str | Path, *, replace: bool = False) -> BackupReport:
    """Load a backup into an empty database (or replace its contents) and verify the counts."""
    contents = read_backup(path)
    with using(db) as b:
        existing = b.read("MATCH (n) RETURN count(n) AS n").rows[0][0]
        if existing and not replace:
            raise BackupError(
                f"{b.location} already holds {existing} nodes; restore into an empty database or pass --replace"
            )
        b.ensure_schema()
        b.write_all(restore_statements(contents, replace))
        counts = b.counts()
    expected = contents.header["counts"]
    got = {"nodes": counts.nodes, "relationships": counts.relationships}
    if got != expected:
        raise BackupError(f"restored, but the counts differ from the backup's: expected {expected}, found {got}")
    return BackupReport(str(path), contents.n_nodes, contents.n_rels, got)
