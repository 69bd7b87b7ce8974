"""Detecting and repairing a damaged append-only log of the embedded engine.

Every acknowledged write bumps a commit record in the engine (a hash, updated in the
same atomic step as the write) and pbgraph then copies it, fsynced, to
``pbgraph-commits.json`` in the database folder. When pbgraph starts the engine it
compares the two:

* the engine's record is behind the folder's, or the graph's counts differ from the
  recorded ones: acknowledged writes were lost (a log file cut short, altered or
  deleted). The database is refused, the files are left exactly as they were, and
  :func:`repair` is the way out;
* the engine is ahead (a process died between its commit and the copy): fine.

A torn, never-acknowledged tail (a crash in the middle of a write) is dropped by the
engine as before: such a write was never acknowledged, so the records still agree.
Before the engine starts, a missing manifest or a file it names is refused outright,
because the engine would otherwise start empty and overwrite the old log files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DatabaseDamaged

if TYPE_CHECKING:
    from .embedded import Layout

RECORD_FILE = "pbgraph-commits.json"
#: The engine-side record of one graph: a hash with seq, nodes, relationships, at.
RECORD_KEY = "pbgraph:commit:{graph}"
#: Set in the record while a statement runs directly on the graph (``write``), cleared by its commit:
#: a process killed in between leaves counts the record does not know, and that is no damage.
PENDING = "pending"
AOF_DIR = "appendonlydir"
MANIFEST = "appendonly.aof.manifest"
GRAPH = "pbgraph"


@dataclass(frozen=True)
class Commit:
    """The state after an acknowledged write: its number, the graph's counts, and when."""

    seq: int = 0
    nodes: int = 0
    relationships: int = 0
    at: str = ""

    def describe(self) -> str:
        when = f" at {self.at}" if self.at else ""
        return f"write {self.seq}{when} ({self.nodes} nodes, {self.relationships} relationships)"


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# -- the folder's copy of the record ----------------------------------------------------


def record_path(root: Path) -> Path:
    return root / RECORD_FILE


def read_record(root: Path) -> Commit | None:
    try:
        data = json.loads(record_path(root).read_text(encoding="utf-8"))
        return Commit(int(data["seq"]), int(data["nodes"]), int(data["relationships"]), str(data.get("at", "")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise DatabaseDamaged(
            f"{record_path(root)} is unreadable ({e}): run `pbgraph --db {root} repair` to rebuild it"
        ) from e


def read_record_lenient(root: Path) -> Commit | None:
    """The folder's record, or None when it is missing or unreadable."""
    try:
        return read_record(root)
    except DatabaseDamaged:
        return None


def write_record(root: Path, commit: Commit, *, force: bool = False) -> None:
    """Store ``commit`` durably (fsynced, replaced atomically); never goes backwards unless ``force``."""
    if not force:
        current = read_record(root)
        if current is not None and current.seq > commit.seq:
            return
    path = record_path(root)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(commit.__dict__, f)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- the engine's record ------------------------------------------------------------------


def engine_commit(client: Any, graph: str = GRAPH) -> Commit:
    """The engine's record and the graph's actual counts (a redis client on the engine)."""
    raw = client.hgetall(RECORD_KEY.format(graph=graph))
    seq = int(raw.get("seq", raw.get(b"seq", 0)) or 0)
    at = raw.get("at", raw.get(b"at", b""))
    nodes, relationships = graph_counts(client, graph)
    return Commit(seq, nodes, relationships, at.decode() if isinstance(at, bytes) else str(at))


def graph_counts(client: Any, graph: str = GRAPH) -> tuple[int, int]:
    """Nodes and relationships in ``graph`` (0, 0 when it does not exist)."""
    names = [n.decode() if isinstance(n, bytes) else n for n in client.execute_command("GRAPH.LIST")]
    if graph not in names:
        return 0, 0
    counts = []
    for q in ("MATCH (n) RETURN count(n)", "MATCH ()-[r]->() RETURN count(r)"):
        reply = client.execute_command("GRAPH.RO_QUERY", graph, q, "--compact")
        counts.append(int(reply[1][0][0][1]))
    return counts[0], counts[1]


# -- before the engine starts ---------------------------------------------------------------


@dataclass
class LogAsFound:
    """What a start may change in the log folder, as it was before: put back when the start is refused.

    A running engine only appends to its newest log file, except that it cuts an incomplete last
    write (``torn``: a copy of the whole file is kept then), creates a newest file when the manifest
    names none, and rewrites the manifest. Even a refused engine runs a moment, and it logs the
    deletion of any key that expired meanwhile (a lost write's writer lock, say).
    """

    aof_dir: Path
    names: frozenset[str]
    manifest: bytes
    newest: Path | None = None
    size: int = 0
    torn: Path | None = None

    def put_back(self) -> None:
        if self.torn is not None and self.newest is not None:
            os.replace(self.torn, self.newest)
        elif self.newest is not None and self.newest.stat().st_size > self.size:
            os.truncate(self.newest, self.size)  # what the engine appended
        for extra in self.aof_dir.iterdir():
            if extra.name not in self.names:
                extra.unlink(missing_ok=True)
        manifest = self.aof_dir / MANIFEST
        if manifest.read_bytes() != self.manifest:
            spare = manifest.with_name(MANIFEST + ".as-found")
            spare.write_bytes(self.manifest)
            os.replace(spare, manifest)

    def discard(self) -> None:
        if self.torn is not None:
            self.torn.unlink(missing_ok=True)


def manifest_files(aof_dir: Path) -> list[tuple[str, str]]:
    """(file name, type) for each line of the manifest, in order (type ``b`` base, ``i`` incr, ``h`` history)."""
    files = []
    for line in (aof_dir / MANIFEST).read_text(encoding="utf-8", errors="replace").splitlines():
        words = line.split()
        fields = dict(zip(words[::2], words[1::2], strict=False))
        if "file" in fields:
            files.append((fields["file"], fields.get("type", "")))
    return files


def check_before_start(layout: Layout) -> LogAsFound | None:
    """Refuse log files the engine would misread or overwrite; note what a start may change.

    Returns the log as found (None for a new database), so that a refusal after the start can
    put it back exactly as it was: a torn newest file (the engine cuts it) is copied whole.
    """
    root, aof_dir = layout.root, layout.data / AOF_DIR
    record = read_record(root)
    has_files = aof_dir.is_dir() and any(aof_dir.iterdir())
    if not (aof_dir / MANIFEST).exists():
        if (record and record.seq) or has_files:
            raise DatabaseDamaged(
                damaged_message(
                    root,
                    f"its log manifest ({AOF_DIR}/{MANIFEST}) is missing, so the engine would start "
                    "empty and overwrite the log",
                )
            )
        return None
    listed = manifest_files(aof_dir)
    missing = [name for name, kind in listed if kind != "h" and not (aof_dir / name).exists()]
    if missing:
        raise DatabaseDamaged(
            damaged_message(root, f"log file(s) {', '.join(missing)} named by its manifest are missing")
        )
    found = LogAsFound(aof_dir, frozenset(p.name for p in aof_dir.iterdir()), (aof_dir / MANIFEST).read_bytes())
    incr = [name for name, kind in listed if kind == "i"]
    if not incr:
        return found
    found.newest = aof_dir / incr[-1]
    found.size = found.newest.stat().st_size
    if complete_length(found.newest) != found.size:
        import shutil  # rarely needed (a torn log): not loaded by every command

        found.torn = found.newest.with_name(found.newest.name + ".before-open")
        shutil.copy2(found.newest, found.torn)
    return found


def complete_length(path: Path) -> int:
    """How many leading bytes of an append-only file hold complete commands (RESP framing)."""
    data = path.read_bytes()
    pos, end = 0, len(data)
    while pos < end:
        if data[pos : pos + 1] == b"#":  # an annotation line
            nl = data.find(b"\n", pos)
            if nl < 0:
                return pos
            pos = nl + 1
            continue
        start = pos
        line_end = data.find(b"\r\n", pos)
        if data[pos : pos + 1] != b"*" or line_end < 0:
            return start
        try:
            argc = int(data[pos + 1 : line_end])
        except ValueError:
            return start
        pos = line_end + 2
        for _ in range(argc):
            line_end = data.find(b"\r\n", pos)
            if data[pos : pos + 1] != b"$" or line_end < 0:
                return start
            try:
                size = int(data[pos + 1 : line_end])
            except ValueError:
                return start
            pos = line_end + 2 + size + 2
            if pos > end or data[pos - 2 : pos] != b"\r\n":
                return start
    return pos


# -- after the engine started ---------------------------------------------------------------


def check_after_start(layout: Layout, client: Any) -> str | None:
    """Compare the engine's record with the folder's; raise :class:`DatabaseDamaged` on a loss.

    Returns a message for the user when something benign was noticed, else None.
    """
    root = layout.root
    recorded = read_record(root)
    engine = engine_commit(client)
    if recorded is None:
        write_record(root, engine)
        return None
    if engine.seq < recorded.seq:
        lost = recorded.seq - engine.seq
        raise DatabaseDamaged(
            damaged_message(
                root,
                f"its log is missing {lost} acknowledged write(s): it ends at write {engine.seq}, "
                f"the last acknowledged was {recorded.describe()}",
            )
        )
    counts_differ = (engine.nodes, engine.relationships) != (recorded.nodes, recorded.relationships)
    key = RECORD_KEY.format(graph=GRAPH)
    if engine.seq == recorded.seq and counts_differ and client.hget(key, PENDING):
        # a direct write ran but its process died before acknowledging it: keep what the graph holds
        client.hset(key, mapping={"nodes": engine.nodes, "relationships": engine.relationships})
        client.hdel(key, PENDING)
        write_record(root, engine, force=True)
        return None
    if engine.seq == recorded.seq and counts_differ:
        raise DatabaseDamaged(
            damaged_message(
                root,
                f"replaying its log gives {engine.nodes} nodes and {engine.relationships} "
                f"relationships, but {recorded.describe()} left {recorded.nodes} and "
                f"{recorded.relationships} (a log file was altered)",
            )
        )
    if engine.seq > recorded.seq:
        write_record(root, engine)
    return None


def damaged_message(root: Path, what: str) -> str:
    return (
        f"database {root} is damaged: {what}; nothing was changed. Run `pbgraph --db {root} repair` to keep a "
        "copy of the damaged files and recover what can be recovered, or restore a backup"
    )


def engine_exit_damage(log_text: str) -> str | None:
    """The engine's own reason for refusing its log at start, if that is why it exited."""
    for line in reversed(log_text.splitlines()[-50:]):
        for marker in ("Bad file format", "Unrecoverable error", "doesn't exist", "is not a valid", "Unexpected end"):
            if marker in line:
                reason = line.split(" # ", 1)[-1].split(" * ", 1)[-1].strip()
                return reason.split(": make a backup", 1)[0]
    return None


# -- repair ----------------------------------------------------------------------------------


@dataclass
class RepairReport:
    """What :func:`repair` kept, recovered and lost."""

    folder: str
    copy: str
    recovered: Commit
    recorded: Commit | None
    actions: list[str]

    @property
    def lost_writes(self) -> int:
        return max(0, (self.recorded.seq if self.recorded else 0) - self.recovered.seq)

    def summary(self) -> str:
        lines = [f"kept a copy of the damaged files in {self.copy}"]
        lines += self.actions
        lines.append(f"recovered: the graph as of {self.recovered.describe()}")
        if self.recorded is None:
            lines.append("lost: unknown (no record of acknowledged writes was found)")
        elif self.lost_writes:
            lines.append(
                f"lost: {self.lost_writes} acknowledged write(s), the newest being {self.recorded.describe()}; "
                "load those files again"
            )
        elif (self.recovered.nodes, self.recovered.relationships) != (
            self.recorded.nodes,
            self.recorded.relationships,
        ):
            lines.append(
                f"lost: part of a write — {self.recorded.nodes - self.recovered.nodes} node(s) and "
                f"{self.recorded.relationships - self.recovered.relationships} relationship(s) fewer than "
                f"recorded after {self.recorded.describe()}; load the latest files again"
            )
        else:
            lines.append("lost: nothing")
        return "\n".join(lines)


def keep_copy(layout: Layout) -> Path:
    """Copy the engine's files and the record aside, inside the database folder."""
    import shutil

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    copy = layout.root / f"damaged-{stamp}"
    shutil.copytree(layout.data, copy / "data")
    with contextlib.suppress(FileNotFoundError):
        shutil.copy2(record_path(layout.root), copy / RECORD_FILE)
    return copy


def fix_files(layout: Layout) -> list[str]:
    """Make the log loadable: rebuild a missing manifest, drop files it names that are gone,
    and cut each file at its first damaged command (later files are then set aside)."""
    aof_dir = layout.data / AOF_DIR
    actions: list[str] = []
    if not aof_dir.is_dir():
        return ["no log files were found: the database starts empty"]
    manifest = aof_dir / MANIFEST
    if manifest.exists():
        listed = [(n, k) for n, k in manifest_files(aof_dir) if k != "h"]
    else:
        listed = _guess_manifest(aof_dir)
        actions.append(f"rebuilt the missing manifest from the files present ({', '.join(n for n, _ in listed)})")
    kept = []
    for name, kind in listed:
        if not (aof_dir / name).exists():
            actions.append(f"left out {name}: the manifest names it but it is gone")
            continue
        kept.append((name, kind))
    cut_from = None
    for i, (name, kind) in enumerate(kept):
        if kind != "i":
            continue
        path = aof_dir / name
        good, size = complete_length(path), path.stat().st_size
        if good < size:
            os.truncate(path, good)
            actions.append(f"cut {name} at byte {good} of {size}: what followed was damaged or incomplete")
            cut_from = i + 1
            break
    if cut_from is not None and cut_from < len(kept):
        dropped = [n for n, _ in kept[cut_from:]]
        kept = kept[:cut_from]
        actions.append(f"set aside {', '.join(dropped)}: they follow the damage and cannot be replayed on their own")
    _write_manifest(aof_dir, kept)
    return actions


def _seq(name: str) -> int:
    parts = name.split(".")
    try:
        return int(parts[2])
    except (IndexError, ValueError):
        return -1


def _guess_manifest(aof_dir: Path) -> list[tuple[str, str]]:
    bases = sorted((p for p in aof_dir.glob("appendonly.aof.*.base.*")), key=lambda p: _seq(p.name))
    incrs = sorted(aof_dir.glob("appendonly.aof.*.incr.aof"), key=lambda p: _seq(p.name))
    listed: list[tuple[str, str]] = []
    if bases:
        base = bases[-1]
        listed.append((base.name, "b"))
        # history files (before the base's rewrite) stopped growing before the base was written
        incrs = [p for p in incrs if p.stat().st_mtime >= base.stat().st_mtime]
    listed += [(p.name, "i") for p in incrs]
    return listed


def _write_manifest(aof_dir: Path, files: list[tuple[str, str]]) -> None:
    text = "".join(f"file {name} seq {_seq(name)} type {kind}\n" for name, kind in files)
    tmp = aof_dir / (MANIFEST + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, aof_dir / MANIFEST)
