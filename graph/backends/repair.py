"""``pbgraph repair``: recover an embedded database whose log lost acknowledged writes.

Keeps a copy of the damaged files inside the folder, makes the log loadable (rebuilds a
missing manifest, cuts each file at its first damaged command), starts the engine on
what remains, compacts it into a fresh snapshot, and reports what was recovered and
what was lost (compared with the record of acknowledged writes).
"""

from __future__ import annotations

import fcntl
import time
from pathlib import Path

from ..errors import DatabaseBusy, NotADatabase
from . import durability
from .durability import RepairReport
from .embedded import (
    Layout,
    _flock,
    _start_server,
    _stop_server,
    prepare_folder,
    server_running,
    shutdown_if_unused,
    socket_path,
)


def repair(folder: str | Path) -> RepairReport:
    """Repair the embedded database in ``folder`` (no other pbgraph process may use it)."""
    root = Path(folder).expanduser().absolute()
    if not Layout(root).marker.exists():
        raise NotADatabase(f"{root} is not a pbgraph database folder: nothing to repair")
    layout = prepare_folder(root)
    with _flock(layout.server_lock, fcntl.LOCK_EX):
        if server_running(root) and not shutdown_if_unused(layout):
            raise DatabaseBusy(
                f"database {root} is open in another pbgraph process (its engine is running): "
                "close it, then run repair again"
            )
        recorded = durability.read_record_lenient(root)
        copy = durability.keep_copy(layout)
        actions = durability.fix_files(layout)
        _start_server(layout, [], check_log=False)
        try:
            import redis

            client = redis.Redis(
                unix_socket_path=socket_path(layout), decode_responses=True, retry=None, socket_timeout=None
            )
            try:
                recovered = durability.engine_commit(client)
                key = durability.RECORD_KEY.format(graph=durability.GRAPH)
                # the engine's record now describes what it really holds
                client.hset(
                    key,
                    mapping={"seq": recovered.seq, "nodes": recovered.nodes, "relationships": recovered.relationships},
                )
                # no writer can be alive (the engine is ours alone): a writer lock that a lost write left in the
                # log would only make the next writer wait its lease out
                client.delete(f"pbgraph:lock:{durability.GRAPH}")
                client.execute_command("BGREWRITEAOF")
                while int(client.info("persistence").get("aof_rewrite_in_progress", 0)) or int(
                    client.info("persistence").get("aof_rewrite_scheduled", 0)
                ):
                    time.sleep(0.05)
                actions.append("compacted the recovered log into a fresh snapshot")
            finally:
                client.close()
        finally:
            _stop_server(layout)
        durability.write_record(root, recovered, force=True)
    return RepairReport(str(root), str(copy), recovered, recorded, actions)
