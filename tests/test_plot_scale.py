"""Plots stay readable at district scale: 2,000 schools with long names, and flagged bars at M."""

from __future__ import annotations

import base64
import io
import re
import struct
from pathlib import Path

import matplotlib
import numpy as np
import orjson

matplotlib.use("Agg")

import rostergraph
from rostergraph import plot
from rostergraph.table import Table

N_SCHOOLS = 2_000
LONG = "Unified District Academy for the Sciences and the Arts, Campus "


def _district(folder: Path) -> Path:
    """2,000 schools with long names; each school's students take a class at the next school."""
    sid = [f"5c{i:022x}" for i in range(N_SCHOOLS)]
    sec = [f"5e{i:022x}" for i in range(N_SCHOOLS)]
    schools = [{"id": s, "name": f"{LONG}{i}"} for i, s in enumerate(sid)]
    users, sections = [], []
    for i in range(N_SCHOOLS):
        stud = f"57{i:022x}"
        users.append({"id": stud, "name": {"first": "S", "last": str(i)},
                      "roles": {"student": {"school": sid[i], "schools": [sid[i]]}}})
        sections.append({"id": sec[i], "name": f"Class {i}", "school": sid[(i + 1) % N_SCHOOLS],
                         "students": [stud, f"57{(i + 7) % N_SCHOOLS:022x}"]})
    for name, rows in (("schools", schools), ("users", users), ("sections", sections)):
        (folder / f"{name}.jsonl").write_bytes(b"\n".join(orjson.dumps(r) for r in rows) + b"\n")
    return folder


def test_heatmap_of_2000_schools_is_folded_and_names_are_ellipsized(tmp_path: Path) -> None:
    """The flow heat map of 2,000 schools shows 15 + 'other', names cut with an ellipsis."""
    g = rostergraph.RosterGraph.from_roster(rostergraph.load(_district(tmp_path)))
    assert len(rostergraph.school_flow(g)) >= N_SCHOOLS
    ax = plot.school_flow_heatmap(g, top=15)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(labels) == 16 and labels[-1].startswith("other schools (1,985)")
    assert all(len(lab) <= 28 and "…" in lab for lab in labels[:-1])
    assert len(set(labels)) == len(labels)  # the ellipsis is in the middle: names stay distinct
    for lab in labels[:-1]:
        head, tail = lab.split("…")
        assert LONG.startswith(head) and re.fullmatch(r".*Campus \d+", LONG + tail.split()[-1])
    cells = [t.get_text() for t in ax.texts]
    assert cells and all(len(c) <= 4 for c in cells)  # compact counts fit their cells


def _png_size(uri: str) -> tuple[int, int]:
    data = base64.b64decode(uri.split(",", 1)[1])
    return struct.unpack(">II", data[16:24])


def test_report_heatmap_image_is_large_enough(tmp_path: Path) -> None:
    """The HTML report's heat map is at least 800 px wide, and the whole label set fits in it."""
    report = rostergraph.validate(rostergraph.load(_district(tmp_path)))
    page = report.to_html(rows=5)
    uris = re.findall(r'src="(data:image/png;base64,[^"]+)"', page)
    sizes = [_png_size(u) for u in uris]
    assert max(w for w, _ in sizes) >= 800
    assert "Showing the first 5 of 2,000 schools" in page


def test_flagged_values_stay_visible_when_bars_are_binned() -> None:
    """Past MAX_BARS values the bars are binned; flagged values still get red bars and markers."""
    teachers = np.arange(0, plot.MAX_BARS * 3)
    sections = np.full(len(teachers), 1_000)
    sections[0] = 2  # two sections with no teacher among thousands
    t = Table({"teachers": teachers, "sections": sections})
    ax = plot.teachers_per_section(t)
    red = [p for p in ax.patches if matplotlib.colors.to_hex(p.get_facecolor()) ==
           matplotlib.colors.to_hex(plot._ALERT)]
    assert red, "no red bar for the flagged values"
    marks = [ln for ln in ax.lines if ln.get_marker() == "^"]
    assert marks and 0 in list(marks[0].get_xdata())
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png")
    assert buf.getvalue()[:4] == b"\x89PNG"
