"""The README's picture of the HTML report is current: the facts it shows match today's run."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "img" / "make_report_image.py"


def _script():  # docs/img is not a package: load the script by path
    spec = importlib.util.spec_from_file_location("make_report_image", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_readme_image_shows_todays_counts() -> None:
    """docs/img/report.png carries the facts it was made from; they equal a fresh validation."""
    mod = _script()
    png = (ROOT / "docs" / "img" / "report.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    stored = mod.read_facts(png)
    assert stored is not None, "report.png has no facts chunk: run python docs/img/make_report_image.py"
    assert stored == mod.facts(), ("docs/img/report.png is out of date: "
                                   "run python docs/img/make_report_image.py")
    assert "docs/img/report.png" in (ROOT / "README.md").read_text(encoding="utf-8")
