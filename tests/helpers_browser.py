"""Headless Chromium (Debian's ``chromium``, installed by ``make setup``) with networking off."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ARTIFACTS = Path(__file__).parent / "artifacts"


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "chromium not found: 'make setup' installs Debian's chromium (apt-get install chromium)"
    return exe


def _run(page: Path, profile: Path, *extra: str, fragment: str = "") -> subprocess.CompletedProcess[str]:
    args = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        # networking off: every connection goes to a closed port and no name resolves
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--virtual-time-budget=10000",
        "--window-size=1400,900",
        *extra,
        page.resolve().as_uri() + fragment,
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def page_status(page: Path, tmp: Path) -> tuple[dict[str, str], str]:
    """Load ``page`` in self-test mode; the attributes of its status element and the final DOM."""
    out = _run(page, tmp / "profile-dom", "--dump-dom", fragment="#selftest")
    assert out.returncode == 0, out.stderr[-2000:]
    m = re.search(r'<div id="pbgraph-status"([^>]*)>([^<]*)', out.stdout)
    assert m, "the page has no status element: " + out.stdout[:500]
    attrs = dict(re.findall(r'(data-[a-z]+)="([^"]*)"', m.group(1)))
    attrs["text"] = m.group(2)
    return attrs, out.stdout


def screenshot(page: Path, tmp: Path, name: str) -> Path:
    """A PNG of the page, kept under tests/artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / name
    out = _run(page, tmp / "profile-shot", f"--screenshot={target}")
    assert out.returncode == 0 and target.exists(), out.stderr[-2000:]
    return target
