"""A throwaway Neo4j 5 Community server for tests and benchmarks (``make neo4j-up`` / ``make neo4j-down``).

The server is Neo4j's test harness, pinned in ``tools/neo4j/pom.xml`` and fetched from Maven Central
into ``~/.m2`` by the first build; ``Neo4jTestServer.java`` starts it on 127.0.0.1 at a free port, in
its own temporary folder, with a random password, and writes the connection to an env file::

    python tools/neo4j/server.py up      # starts it in the background, writes .neo4j-test/env
    python tools/neo4j/server.py down    # stops it and removes its folder

The test suite imports :func:`start` to run a server for the length of one pytest session.
Standard library only: it runs before (and without) the project's virtual environment.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
STATE = REPO / ".neo4j-test"
MAIN_CLASS = "pbgraph.tools.Neo4jTestServer"
#: JVM heap; modest by default (the machines are shared), raise it for big benchmark loads.
HEAP = os.environ.get("PBGRAPH_NEO4J_HEAP", "1g")
START_TIMEOUT_S = float(os.environ.get("PBGRAPH_NEO4J_START_TIMEOUT", "180"))


class Unavailable(Exception):
    """Java 17+ or Maven is missing, or the server could not be built or started."""


def missing_tools() -> str | None:
    """Why a Neo4j test server cannot run here, or None when Java 17+ and Maven are present."""
    java, mvn = shutil.which("java"), shutil.which("mvn")
    if not java and not mvn:
        return "Java 17+ and Maven are not installed (apt-get install openjdk-17-jdk-headless maven)"
    if not java:
        return "Java 17+ is not installed (apt-get install openjdk-17-jdk-headless)"
    if not mvn:
        return "Maven is not installed (apt-get install maven)"
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    major = int(m.group(1)) if m else 0
    if major == 1 and m and m.group(2):  # "1.8" style
        major = int(m.group(2))
    if major < 17:
        return f"Neo4j 5 needs Java 17 or newer; `java -version` says {out.splitlines()[0] if out else 'nothing'}"
    return None


def build() -> list[str]:
    """Compile the launcher and resolve the server's classpath (downloads into ~/.m2 the first time)."""
    why = missing_tools()
    if why:
        raise Unavailable(why)
    target = HERE / "target"
    cp_file = target / "classpath.txt"
    sources = [HERE / "pom.xml", *sorted((HERE / "src").rglob("*.java"))]
    stale = not cp_file.exists() or any(s.stat().st_mtime > cp_file.stat().st_mtime for s in sources)
    if stale:
        print("building the Neo4j test server (the first time downloads Neo4j from Maven Central)…", file=sys.stderr)
        cmd = ["mvn", "-q", "-B", "-f", str(HERE / "pom.xml"), "compile", "dependency:build-classpath"]
        cmd.append(f"-Dmdep.outputFile={cp_file}")
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            raise Unavailable(f"could not build the Neo4j test server with Maven:\n{tail}")
        cp_file.touch()
    return [
        "java",
        f"-Xmx{HEAP}",
        "-XX:+UseSerialGC",  # two shared cores: no parallel collector threads
        "-cp",
        f"{target / 'classes'}{os.pathsep}{cp_file.read_text().strip()}",
        MAIN_CLASS,
    ]


@dataclass
class Server:
    """A running test server: its process, folder and connection."""

    process: subprocess.Popen[bytes]
    folder: Path
    env: dict[str, str]

    @property
    def uri(self) -> str:
        return self.env["NEO4J_URI"]

    def stop(self) -> None:
        stop_process(self.process.pid, self.process)
        shutil.rmtree(self.folder, ignore_errors=True)


def read_env(path: Path) -> dict[str, str]:
    """The ``KEY=value`` lines of an env file."""
    out = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


def start(folder: Path | None = None, *, log: Path | None = None, tie_to_parent: bool = True) -> Server:
    """Start a server in ``folder`` (a new temporary one by default) and wait until it accepts logins.

    ``tie_to_parent`` keeps its stdin as a pipe from this process: when this process ends, even
    killed, the pipe closes and the server stops itself.
    """
    cmd = build()
    folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="pbgraph-neo4j-"))
    folder.mkdir(parents=True, exist_ok=True)
    env_file = folder / "env"
    env_file.unlink(missing_ok=True)
    log = log or folder / "server.log"
    cmd += [str(folder / "data"), str(env_file), secrets.token_hex(12)]
    if tie_to_parent:
        cmd.append("--stop-on-stdin-eof")
    with log.open("wb") as out:
        process = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE if tie_to_parent else subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the terminal goes to pbgraph, not the server
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while not env_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process(process.pid, process)
            tail = "\n".join(log.read_text(errors="replace").strip().splitlines()[-20:])
            shutil.rmtree(folder, ignore_errors=True)
            raise Unavailable(f"the Neo4j test server did not start (log {log}):\n{tail}")
        time.sleep(0.2)
    return Server(process=process, folder=folder, env=read_env(env_file))


def stop_process(pid: int, process: subprocess.Popen[bytes] | None = None, wait_s: float = 60) -> None:
    """Ask the server to shut down cleanly (SIGTERM), then force it."""
    if process is not None and process.stdin:
        with contextlib.suppress(OSError):
            process.stdin.close()
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process is not None:
            if process.poll() is not None:
                return
        elif not _alive(pid):
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if process is not None:
        process.wait()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie counts as gone
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z"
    return True


def up() -> int:
    pid_file = STATE / "pid"
    if pid_file.exists() and _alive(int(pid_file.read_text().split()[0])):
        print(f"Neo4j test server already running: {read_env(STATE / 'env')['NEO4J_URI']} (make neo4j-down stops it)")
        return 0
    down(quiet=True)
    STATE.mkdir(exist_ok=True)
    try:
        server = start(log=STATE / "server.log", tie_to_parent=False)
    except Unavailable as e:
        print(f"neo4j-up: {e}", file=sys.stderr)
        return 1
    (STATE / "pid").write_text(f"{server.process.pid} {server.folder}\n")
    (STATE / "env").write_text("".join(f"{k}={v}\n" for k, v in server.env.items()))
    print(f"Neo4j test server at {server.uri}; connection in .neo4j-test/env:")
    print('  set -a; . .neo4j-test/env; set +a; pbgraph --db "$NEO4J_URI" status')
    return 0


def down(quiet: bool = False) -> int:
    pid_file = STATE / "pid"
    if not pid_file.exists():
        if not quiet:
            print("no Neo4j test server is running (.neo4j-test/pid is absent)")
        shutil.rmtree(STATE, ignore_errors=True)
        return 0
    pid_text, _, folder = pid_file.read_text().strip().partition(" ")
    stop_process(int(pid_text))
    if folder and Path(folder).name.startswith("pbgraph-neo4j-"):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(STATE, ignore_errors=True)
    if not quiet:
        print("Neo4j test server stopped, its folder removed")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "command",
        choices=["up", "down", "build"],
        help="up: start in the background; down: stop and remove; build: fetch and compile only (make test runs "
        "it first, so the download is not timed as a test); without Java or Maven build says why and, except "
        "under CI (CI=true), succeeds so the Neo4j tests skip with that reason",
    )
    args = parser.parse_args()
    if args.command == "build":
        try:
            build()
        except Unavailable as e:
            ci = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
            print(f"neo4j: {e}" + ("" if ci else "; the Neo4j tests will be skipped"), file=sys.stderr)
            return 1 if ci else 0
        return 0
    return up() if args.command == "up" else down()


if __name__ == "__main__":
    sys.exit(main())
