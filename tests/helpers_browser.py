"""Headless Chromium (Debian's ``chromium``, installed by ``make browser``) driven over the DevTools protocol.

The protocol runs over a pipe (``--remote-debugging-pipe``: Chromium reads commands on fd 3 and
writes answers on fd 4), so no port is opened and no extra package is needed. Networking is off
(every connection goes to a closed port, no name resolves) and every request the page makes is
recorded, so a test can check that none left it. Clicks and taps are real input events.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).parent / "artifacts"


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "chromium not found: 'make browser' installs Debian's chromium (apt-get install chromium)"
    return exe


class Browser:
    """One headless Chromium with one page; ``with Browser(tmp) as b: b.open(page); b.eval(...)``."""

    def __init__(self, profile: Path, width: int = 1400, height: int = 900) -> None:
        self.width, self.height = width, height
        self.requests: list[str] = []  # every URL the page asked for since it was opened
        self.downloads: list[dict[str, Any]] = []
        self._events: list[dict[str, Any]] = []
        self._buffer = b""
        self._next_id = 0
        self._session: str | None = None
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds() -> None:  # in the child: the pipe ends where Chromium looks for them
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        args = [
            chromium(),
            "--headless",
            "--remote-debugging-pipe",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--window-size={width},{height}",
            "about:blank",
        ]
        self._proc = subprocess.Popen(
            args, preexec_fn=fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)

    # -- protocol ------------------------------------------------------------

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self._from_chrome], [], [], timeout)
        if not ready:
            return
        chunk = os.read(self._from_chrome, 1 << 20)
        assert chunk, "chromium closed the DevTools pipe (crashed?)"
        self._buffer += chunk
        *messages, self._buffer = self._buffer.split(b"\0")
        for raw in messages:
            msg = json.loads(raw)
            if "id" not in msg:
                self._on_event(msg)
            self._events.append(msg)

    def _on_event(self, msg: dict[str, Any]) -> None:
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Browser.downloadProgress" and params.get("state") == "completed":
            self.downloads.append(params)

    def call(self, method: str, session: bool = True, timeout: float = 60, **params: Any) -> dict[str, Any]:
        """Send one protocol command (to the page unless ``session=False``) and return its result."""
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session and self._session:
            msg["sessionId"] = self._session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, got in enumerate(self._events):
                if got.get("id") == self._next_id:
                    del self._events[i]
                    assert "error" not in got, f"{method}: {got['error']}"
                    return got.get("result", {})
            self._read(0.2)
        raise AssertionError(f"{method}: no answer from chromium in {timeout}s")

    def wait_event(self, method: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, got in enumerate(self._events):
                if got.get("method") == method:
                    del self._events[i]
                    return got.get("params", {})
            self._read(0.2)
        raise AssertionError(f"no {method} from chromium in {timeout}s")

    def __enter__(self) -> Browser:
        targets = self.call("Target.getTargets", session=False)["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self._session = self.call("Target.attachToTarget", session=False, targetId=page["targetId"], flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Network", "Runtime"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height, deviceScaleFactor=1,
                  mobile=False)  # fmt: skip
        return self

    def __exit__(self, *exc: object) -> None:
        self._proc.kill()
        self._proc.wait(timeout=30)
        os.close(self._to_chrome)
        os.close(self._from_chrome)

    # -- what tests do ---------------------------------------------------------

    def open(self, page: Path, fragment: str = "", ready: str = "window.pbgraphMap && window.pbgraphMap.ready") -> None:
        """Load ``page`` and wait until ``ready`` (a JavaScript expression) is true."""
        self._events = [e for e in self._events if e.get("method") != "Page.loadEventFired"]
        self.requests = []  # from now on: what this page asks for
        self.call("Page.navigate", url=page.resolve().as_uri() + fragment)
        self.wait_event("Page.loadEventFired")
        deadline = time.monotonic() + 60
        while not self.eval(f"!!({ready})"):
            assert time.monotonic() < deadline, f"the page never became ready ({ready})"
            time.sleep(0.1)

    def eval(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        got = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in got, got["exceptionDetails"]
        return got["result"].get("value")

    def click(self, x: float, y: float) -> None:
        """A real left click at page coordinates (CSS pixels)."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
        time.sleep(0.05)

    def tap(self, x: float, y: float) -> None:
        """A real touch-screen tap at page coordinates."""
        self.call("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=1)
        self.call("Input.dispatchTouchEvent", type="touchStart", touchPoints=[{"x": x, "y": y}])
        self.call("Input.dispatchTouchEvent", type="touchEnd", touchPoints=[])
        time.sleep(0.3)

    def click_selector(self, selector: str) -> None:
        """Click the middle of the first element matching a CSS selector."""
        box = self.eval(
            f"(function(){{var r=document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
            "return [r.left + r.width / 2, r.top + r.height / 2];})()"
        )
        self.click(*box)

    def allow_downloads(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.call("Browser.setDownloadBehavior", session=False, behavior="allow", downloadPath=str(folder),
                  eventsEnabled=True)  # fmt: skip

    def wait_download(self, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while not self.downloads:
            assert time.monotonic() < deadline, "no download finished"
            self._read(0.2)
        return self.downloads.pop(0)

    def screenshot(self, name: str) -> Path:
        """A PNG of the page as it is now, kept under tests/artifacts/ for people to look at."""
        ARTIFACTS.mkdir(exist_ok=True)
        target = ARTIFACTS / name
        target.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
        return target

    def left_the_page(self, page: Path) -> list[str]:
        """Requests to anything but the page itself (data: and blob: URLs are in-page)."""
        own = page.resolve().as_uri()
        return [u for u in self.requests if not (u.split("#")[0] == own or u.startswith(("data:", "blob:")))]
