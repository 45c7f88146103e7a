"""The HTML report of a 2,000-school district in headless Chromium: a screenshot of the heat map.

The district (2,000 schools with long names, every school's students in a class at the next
school) comes from tests/test_plot_scale.py. The page must load cleanly, the heat map must
decode at a readable size (its school names are checked on the plot itself there), and a
screenshot of the heat map is taken: the acceptance check a reader would do by eye.
"""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import pytest

import rostergraph
from tests.test_browser import BINARY, Browser
from tests.test_plot_scale import _district

pytestmark = pytest.mark.skipif(
    BINARY is None, reason="no Chromium installed (apt-get install chromium, or set "
                           "ROSTERGRAPH_CHROMIUM); the browser check of the HTML report needs one")

HEATMAP = """(() => {
  const img = [...document.images].find(i => i.alt.startsWith('Heat map'));
  const r = img.getBoundingClientRect();
  return {w: img.naturalWidth, h: img.naturalHeight, shown: r.width, x: r.x + window.scrollX,
          y: r.y + window.scrollY, sh: r.height, page: document.documentElement.scrollWidth,
          viewport: window.innerWidth};
})()"""


def test_heatmap_of_2000_schools_in_a_browser(tmp_path: Path) -> None:
    """Chromium shows the 2,000-school report cleanly; the heat map is large and on screen."""
    (tmp_path / "d").mkdir()
    report = rostergraph.validate(rostergraph.load(_district(tmp_path / "d")))
    path = tmp_path / "report.html"
    path.write_text(report.to_html(rows=20), encoding="utf-8")
    b = Browser(tmp_path / "profile")
    try:
        b.open(path.as_uri())
        # a tall desktop window: the whole plot grid is on screen, nothing re-flows
        b.send("Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 4000,
                                                      "deviceScaleFactor": 1, "mobile": False})
        state = b.evaluate(HEATMAP)
        shot = b.send("Page.captureScreenshot", {
            "format": "png",
            "clip": {"x": state["x"], "y": state["y"], "width": state["shown"],
                     "height": state["sh"], "scale": 1}})
        problems = b.problems()
    finally:
        b.close()
    assert problems == []
    assert state["w"] >= 800 and state["h"] >= 600  # drawn large enough for 16 labelled rows
    assert state["shown"] >= 800  # shown across the page at its own size, not a thumbnail
    assert state["page"] <= state["viewport"] + 1  # no horizontal scrolling
    png = base64.b64decode(shot["data"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", png[16:24])
    assert w >= 400 and h >= 300
    (tmp_path / "heatmap-screenshot.png").write_bytes(png)  # kept with the test's tmp files
