"""Regenerate docs/img/report.png, the README's picture of the HTML report.

Run from the repository root: ``python docs/img/make_report_image.py`` (needs a
Chromium: ``apt-get install chromium``, or ``ROSTERGRAPH_CHROMIUM=/path``).

The embedded sample district is copied to a temporary ``sample-district``
folder, reported with ``rostergraph report`` at a fixed ``SOURCE_DATE_EPOCH``
and photographed by headless Chromium at 1200×1500. The facts the picture
shows (finding counts, records, users by role, rostergraph's version) are
stored in the PNG as a ``tEXt`` chunk named ``rostergraph-facts``;
``tests/test_readme_image.py`` recomputes them and fails when the picture is
out of date.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "img" / "report.png"
EPOCH = "1764374400"  # 2025-11-29 00:00:00 UTC: the page states this time
KEY = b"rostergraph-facts"


def facts() -> dict[str, Any]:
    """What the picture shows, as plain data (the currency check compares these)."""
    sys.path.insert(0, str(ROOT))
    import rostergraph

    report = rostergraph.validate(rostergraph.sample())
    g = report.graph
    return {"version": rostergraph.__version__, "counts": report.counts(),
            "records": g.roster.counts(), "roles": g.role_counts(),
            "rules_run": len(report.rules)}


def read_facts(png: bytes) -> dict[str, Any] | None:
    """The facts stored in a PNG by :func:`write`, or ``None``."""
    at = 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at:at + 4])
        kind = png[at + 4:at + 8]
        data = png[at + 8:at + 8 + length]
        if kind == b"tEXt" and data.startswith(KEY + b"\0"):
            return json.loads(data[len(KEY) + 1:].decode("latin-1"))
        at += 12 + length
    return None


def _with_text(png: bytes, text: str) -> bytes:
    body = KEY + b"\0" + text.encode("latin-1")
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + body) & 0xFFFFFFFF)
    end_of_ihdr = 8 + 12 + struct.unpack(">I", png[8:12])[0]
    return png[:end_of_ihdr] + chunk + png[end_of_ihdr:]


def write() -> Path:
    """Make the report, photograph it, store the facts; return the PNG's path."""
    sys.path.insert(0, str(ROOT))
    import rostergraph

    chromium = (os.environ.get("ROSTERGRAPH_CHROMIUM") or shutil.which("chromium")
                or shutil.which("chromium-browser") or shutil.which("google-chrome"))
    if not chromium:
        raise SystemExit("no Chromium found: apt-get install chromium, or set ROSTERGRAPH_CHROMIUM")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(rostergraph.sample_path(), work / "sample-district")
        env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "rostergraph", "report", "sample-district",
                        "-o", "report.html", "--quiet"], cwd=work, env=env, check=True)
        shot = work / "shot.png"
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", "--window-size=1200,1500",
                        f"--screenshot={shot}", (work / "report.html").as_uri()],
                       check=True, capture_output=True, timeout=120)
        png = _with_text(shot.read_bytes(), json.dumps(facts(), sort_keys=True))
    OUT.write_bytes(png)
    return OUT


if __name__ == "__main__":
    print(f"wrote {write()}")
