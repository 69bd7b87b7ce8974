"""FalkorDB's own bulk loader (falkordb-bulk-loader) on the same generated roster: the embedded engine's ceiling.

It writes a new graph from CSV files in its own format (one file per label and per
relationship type) without validating, merging or upserting anything; pbgraph's
loader does all three, so the ratio shows what those promises cost.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from pbgraph.graph.schema import Level

NODES = {  # table → (label, columns)
    "orgs": ("PartyOrg", ["name", "kind"]),
    "units": ("Unit", ["name", "sector", "large", "party_members"]),
    "agreements": ("Agreement", ["kind", "signed", "expires"]),
    "workers": ("GridWorker", ["role"]),
    "resources": ("Resource", ["name", "category", "capacity"]),
    "demands": ("Demand", ["name", "category", "households", "urgency", "raised"]),
    "projects": ("Project", ["name", "status"]),
    "members": ("Member", []),
}
LINKS = [  # (table, from column, to column, type); "id" is the row's own node
    ("areas", "id", "parent_id", "PART_OF"),
    ("orgs", "id", "area_id", "SEATED_IN"),
    ("orgs", "parent_id", "id", "LEADS"),
    ("coverage", "org_id", "area_id", "COVERS"),
    ("units", "id", "area_id", "LOCATED_IN"),
    ("units", "id", "party_org_id", "HAS_PARTY_ORG"),
    ("memberships", "unit_id", "org_id", "MEMBER_OF"),
    ("agreements", "unit_id", "id", "PARTY_TO"),
    ("agreements", "area_id", "id", "PARTY_TO"),
    ("workers", "id", "grid_id", "ASSIGNED_TO"),
    ("resources", "owner_id", "id", "OFFERS"),
    ("demands", "area_id", "id", "RAISES"),
    ("projects", "id", "demand_id", "ADDRESSES"),
    ("projects", "id", "resource_id", "USES"),
    ("projects", "claimed_by", "id", "CLAIMS"),
    ("members", "id", "unit_id", "WORKS_AT"),
    ("members", "id", "reported_to", "REPORTED_TO"),
    ("spans", "region_id", "area_id", "SPANS"),
]


def write_csvs(rows: dict[str, list[dict[str, Any]]], folder: Path) -> tuple[list[str], int]:
    """The roster in the bulk loader's format; returns its arguments and the number of entities."""
    folder.mkdir(parents=True, exist_ok=True)
    args: list[str] = []
    entities = 0

    def dump(name: str, header: list[str], records: list[list[Any]]) -> Path:
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(["" if v is None else v for v in r] for r in records)
        return path

    by_level: dict[str, list[list[Any]]] = defaultdict(list)
    for a in rows.get("areas", []):
        by_level[a["level"]].append([a["id"], a["name"], a["level"], a.get("households")])
    for level, records in sorted(by_level.items()):
        path = dump(f"area-{level}", ["id", "name", "level", "households"], records)
        args += ["-N", f"Area:{Level(level).label.value}", str(path)]
        entities += len(records)
    for table, (label, cols) in NODES.items():
        records = [[r["id"], *(r.get(c) for c in cols)] for r in rows.get(table, [])]
        if records:
            args += ["-N", label, str(dump(label, ["id", *cols], records))]
            entities += len(records)
    rels: dict[str, list[list[Any]]] = defaultdict(list)
    for table, src, dst, rel in LINKS:
        rels[rel] += [[r[src], r[dst]] for r in rows.get(table, []) if r.get(src) and r.get(dst)]
    for rel, records in sorted(rels.items()):
        args += ["-R", rel, str(dump(f"rel-{rel}", ["src", "dst"], records))]
        entities += len(records)
    return args, entities


def run_bulk(rows: dict[str, list[dict[str, Any]]], work: Path) -> tuple[float, int]:
    """Seconds the bulk loader takes to write the roster into a new graph, and the entities written."""
    from pbgraph.graph import open_backend

    args, entities = write_csvs(rows, work / "bulk-csv")
    backend = open_backend(str(work / "bulk.db"))
    try:
        exe = str(Path(sys.executable).with_name("falkordb-bulk-insert"))
        if not Path(exe).exists():
            exe = shutil.which("falkordb-bulk-insert") or exe
        socket = backend._lease.socket  # the embedded engine's unix socket
        t = time.perf_counter()
        out = subprocess.run(
            # redis-py 8 gives every connection a 5 s socket timeout: a province's GRAPH.BULK batch takes longer
            [exe, "bulk", "-u", f"unix://{socket}?socket_timeout=3600", *args],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - t
        if out.returncode != 0:
            raise RuntimeError(f"falkordb-bulk-insert failed: {(out.stderr or out.stdout)[-1500:]}")
        g = backend._db.select_graph("bulk")
        nodes = g.ro_query("MATCH (n) RETURN count(n)").result_set[0][0]
        grids = g.ro_query("MATCH (n:Area:Grid) RETURN count(n)").result_set[0][0]
        if nodes == 0 or grids == 0:
            raise RuntimeError("the bulk loader wrote an empty or unlabelled graph")
        return seconds, entities
    finally:
        backend.close()
