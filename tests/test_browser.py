"""The HTML report in a real headless Chromium: loads cleanly, images decode, data stays text.

Chromium is driven over the DevTools protocol through ``--remote-debugging-pipe``
(JSON messages separated by NUL bytes on file descriptors 3 and 4), so no
websocket client or Playwright download is needed. The tests skip, saying
why, only when no Chromium binary is installed (``.ci/run`` installs the
Debian ``chromium`` package when it can).
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import matplotlib
import pytest

import rostergraph
from tests.test_report_html import EVIL_ID, EVIL_NAME, hostile_report

matplotlib.use("Agg")  # before any pyplot import (rostergraph.plot imports it lazily)

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def _chromium() -> str | None:
    env = os.environ.get("ROSTERGRAPH_CHROMIUM")
    for path in ((env,) if env else ()) + CANDIDATES:
        if path and os.access(path, os.X_OK):
            return path
    return shutil.which("chromium")


BINARY = _chromium()
pytestmark = pytest.mark.skipif(
    BINARY is None, reason="no Chromium installed (apt-get install chromium, or set "
                           "ROSTERGRAPH_CHROMIUM); the browser check of the HTML report needs one")


class Browser:
    """A headless Chromium with one page, spoken to over the DevTools pipe."""

    def __init__(self, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds() -> None:  # in the child: fd 3 = commands in, fd 4 = replies out, no others
            r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)
            os.closerange(5, os.sysconf("SC_OPEN_MAX"))

        self.proc = subprocess.Popen(
            [BINARY, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage",
             f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=fds, close_fds=False)  # noqa: PLW1509 - fds 3/4 must be set in the child
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"Chromium closed the pipe (exit {self.proc.poll()})")
                self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method: str, params: dict[str, Any] | None = None, *, session: bool = True,
             timeout: float = 30) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for e in self.events:
            if e.get("method") == method:
                return e
        while True:
            e = self._read(deadline)
            self.events.append(e)
            if e.get("method") == method:
                return e

    def open(self, url: str) -> None:
        targets = self.send("Target.getTargets", session=False)["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.send("Target.attachToTarget",
                                 {"targetId": page["targetId"], "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired", timeout=60)

    def render_times(self, url: str) -> dict[str, Any]:
        """Open ``url`` and time it: milliseconds from navigation start to the load event
        (``load``) and to the first frame painted after it (``frame``, two animation
        frames after load), the wall time of the whole visit (``wall``) and the page's
        element count (``nodes``)."""
        t0 = time.monotonic()
        self.open(url)
        out = self.evaluate(RENDER)
        out["wall"] = round((time.monotonic() - t0) * 1000, 1)
        return dict(out)

    def evaluate(self, expression: str) -> Any:
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluate failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions, browser log errors (CSP, failed loads)."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
                out.append(f"console.{p['type']}: {p.get('args')}")
            elif m == "Runtime.exceptionThrown":
                out.append(f"exception: {p.get('exceptionDetails')}")
            elif m == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                out.append(f"log {p['entry']['level']}: {p['entry'].get('text')}")
            elif m == "Network.loadingFailed":
                out.append(f"load failed: {p.get('errorText')}")
        return out

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False, timeout=5)
        except Exception:  # noqa: BLE001, S110 - the browser may be gone already; wait below
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


#: Timings of the page just loaded (see :meth:`Browser.render_times`); ``performance.now()``
#: counts from the navigation's start.
RENDER = """new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  done({load: Math.round(nav.loadEventEnd), frame: Math.round(performance.now()),
        nodes: document.getElementsByTagName('*').length});
})))"""

CHECK = """(() => {
  const imgs = [...document.images].map(i => ({complete: i.complete, w: i.naturalWidth,
                                               h: i.naturalHeight, alt: i.alt}));
  return {imgs, title: document.title, scripts: document.scripts.length,
          text: document.body.innerText,
          privacy: (document.getElementById('privacy') || {}).textContent,
          width: document.documentElement.scrollWidth, viewport: window.innerWidth};
})()"""


def _load(page_html: str, tmp_path: Path) -> tuple[dict[str, Any], list[str], list[str]]:
    path = tmp_path / "report.html"
    path.write_text(page_html, encoding="utf-8")
    b = Browser(tmp_path / "profile")
    try:
        b.open(path.as_uri())
        state = b.evaluate(CHECK)
        return state, b.problems(), b.requests()
    finally:
        b.close()


def test_report_loads_cleanly_and_every_image_decodes(tmp_path: Path) -> None:
    """The sample's report: no console errors, only its own file requested, all images decode."""
    report = rostergraph.validate(rostergraph.sample())
    state, problems, requests = _load(report.to_html(), tmp_path)
    assert problems == []
    # the page itself and its embedded data: images, nothing else
    assert [u for u in requests if not u.startswith("data:image/png;base64,")] == [
        (tmp_path / "report.html").as_uri()]
    assert len(state["imgs"]) == 6
    for img in state["imgs"]:
        assert img["complete"] and img["w"] > 100 and img["h"] > 100, img
    assert state["title"] == "Roster validation report"
    assert state["privacy"] == "privacy: full"
    assert "Findings" in state["text"] and "Provenance" in state["text"]
    assert state["width"] <= state["viewport"] + 1  # no horizontal scrolling at the default size


def test_markup_in_names_and_ids_shows_as_text(tmp_path: Path) -> None:
    """A school named '<script>…' and an id '<img onerror>' render as visible text; nothing runs."""
    state, problems, requests = _load(hostile_report().to_html(), tmp_path)
    assert problems == []
    assert state["scripts"] == 0
    assert state["title"] == "Roster validation report"  # the name's script did not run
    assert EVIL_NAME in state["text"]
    assert EVIL_ID in state["text"]
    assert len(state["imgs"]) == 6 and all(i["w"] > 0 for i in state["imgs"])
    assert all(u.startswith(("file://", "data:image/png;base64,")) for u in requests)


def test_the_checks_see_a_broken_page(tmp_path: Path) -> None:
    """The harness itself catches console errors, undecodable images and injected script."""
    bad = ('<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p>'
           '<img src="data:image/png;base64,iVBORw0KGgoAAAAA" alt="broken">'
           '<script>console.error("boom"); document.title = "ran"</script></body></html>')
    state, problems, _ = _load(bad, tmp_path)
    assert any("boom" in p for p in problems)
    assert state["scripts"] == 1 and state["title"] == "ran"
    assert state["imgs"][0]["w"] == 0


def test_render_time_of_a_high_quirk_report(tmp_path: Path) -> None:
    """The render timing works on the report of a small district with every quirk at a high
    rate: load and first frame are measured, in order, with no console problem (how long
    they take is measured by benchmarks/report_render.py, not asserted here)."""
    from rostergraph.synth import district

    folder = district("S", seed=3, quirks="high").write(tmp_path / "d")
    report = rostergraph.validate(rostergraph.load(folder))
    assert len(report.findings) > 500
    path = tmp_path / "report.html"
    path.write_text(report.to_html(), encoding="utf-8")
    b = Browser(tmp_path / "profile")
    try:
        t = b.render_times(path.as_uri())
        problems = b.problems()
    finally:
        b.close()
    assert problems == []
    assert 0 < t["load"] <= t["frame"] <= t["wall"], t
    assert t["nodes"] > 200, t
