"""Size of a district's HTML validation report and how long headless Chromium takes to render it.

Usage::

    python benchmarks/report_render.py --data DISTRICT_DIR [--runs 3] [--keep OUT.html]

Loads the district, validates it, writes the HTML report and opens it ``--runs`` times,
each in a fresh headless Chromium (the DevTools-pipe browser of tests/test_browser.py):
the milliseconds from navigation start to the load event and to the first frame painted
after it. Prints one JSON object (sizes, findings, the runs and the best run's times).
Chromium is found as the browser tests find it (``ROSTERGRAPH_CHROMIUM`` or
``/usr/bin/chromium``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, required=True, help="district folder")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--keep", type=Path, default=None, help="also write the HTML here")
    args = p.parse_args()
    sys.path.insert(0, str(ROOT))
    import rostergraph
    from tests.test_browser import BINARY, Browser

    if BINARY is None:
        print("no Chromium found (set ROSTERGRAPH_CHROMIUM)", file=sys.stderr)
        return 2
    g = rostergraph.RosterGraph.from_roster(rostergraph.load(args.data))
    report = rostergraph.validate(g)
    t0 = time.perf_counter()
    html = report.to_html()
    render_html = time.perf_counter() - t0
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        if args.keep:
            args.keep.write_text(html, encoding="utf-8")
        for k in range(args.runs):
            b = Browser(Path(tmp) / f"profile{k}")
            try:
                t = b.render_times(page.as_uri())
                t["problems"] = len(b.problems())
            finally:
                b.close()
            runs.append(t)
    best = min(runs, key=lambda t: t["frame"])
    print(json.dumps({"data": str(args.data), "findings": len(report.findings),
                      "html_bytes": len(html.encode("utf-8")),
                      "to_html_seconds": round(render_html, 2), "runs": runs,
                      "best_load_ms": best["load"], "best_frame_ms": best["frame"]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
