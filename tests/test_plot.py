"""Plots: each renders to a PNG whose figure holds what the data says (bars, cells, nodes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.collections import PathCollection
from matplotlib.image import imread
from matplotlib.patches import Rectangle

import rostergraph
from rostergraph import plot
from rostergraph.errors import UnknownIdError
from rostergraph.queries import school_flow, summary
from rostergraph.table import Table

matplotlib.use("Agg")  # before any pyplot import (rostergraph.plot imports it lazily)

CAPSTONE = "5f7a5ec00000000000000018"  # section with 11 teachers
HIGH = "5f7a5c000000000000000003"


@pytest.fixture(scope="module")
def g() -> rostergraph.RosterGraph:
    return rostergraph.RosterGraph.from_roster(rostergraph.sample())


@pytest.fixture(scope="module")
def report(g: rostergraph.RosterGraph) -> rostergraph.Report:
    return rostergraph.validate(g.roster)


@pytest.fixture(autouse=True)
def _no_show(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import matplotlib.pyplot as plt

    def fail(*a: object, **k: object) -> None:
        raise AssertionError("a plot function called show()")

    monkeypatch.setattr(plt, "show", fail)
    yield
    plt.close("all")


def render(ax: matplotlib.axes.Axes, path: Path) -> np.ndarray:
    """Save the Axes' figure as PNG; fail unless the drawing has data marks on it."""
    ax.figure.savefig(path, dpi=60)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data_artists = ([p for p in ax.patches if isinstance(p, Rectangle)] + ax.images +
                    [c for c in ax.collections if len(c.get_offsets())])
    assert data_artists, "empty plot: no bars, cells or nodes"
    img = imread(path)
    rgb = img[..., :3]
    # a figure with data has many pixels far from white and more than a handful of colours
    assert (rgb.min(axis=2) < 0.8).mean() > 0.01
    assert len(np.unique((rgb * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 8
    return img


def bars(ax: matplotlib.axes.Axes) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_render_rejects_an_empty_plot(tmp_path: Path) -> None:
    """The structural check used below fails on an Axes with nothing drawn."""
    ax = plot.section_size_histogram(Table({"students": [], "sections": []}))
    with pytest.raises(AssertionError):
        render(ax, tmp_path / "empty.png")
    assert any(t.get_text() == "no data" for t in ax.texts)


def test_section_size_histogram(g: rostergraph.RosterGraph, tmp_path: Path) -> None:
    """One bar per distinct section size, at that size, as tall as its section count."""
    ax = plot.section_size_histogram(g)
    render(ax, tmp_path / "sizes.png")
    t = summary(g)["section_sizes"]
    got = sorted((round(p.get_x() + p.get_width() / 2), round(p.get_height())) for p in bars(ax))
    assert got == sorted(zip(t.to_list("students"), t.to_list("sections")))
    assert sum(p.get_height() for p in bars(ax)) == len(g.roster.sections)
    assert ax.get_xlabel() == "students per section" and ax.get_ylabel() == "sections"


def test_given_ax_is_used_and_returned(g: rostergraph.RosterGraph) -> None:
    """A caller's Axes is drawn on and returned, so plots compose into subplots."""
    from matplotlib.figure import Figure

    fig = Figure()
    a, b = fig.subplots(1, 2)
    assert plot.section_size_histogram(g, ax=a) is a
    assert plot.reach_set_sizes(g, ax=b) is b
    assert bars(a) and bars(b)


@settings(max_examples=30, deadline=None)
@given(st.dictionaries(st.integers(0, 5000), st.integers(1, 10**6), min_size=1, max_size=300),
       st.integers(2, 60))
def test_distribution_bins_keep_the_total(hist: dict[int, int], max_bars: int) -> None:
    """However spread the sizes, bars never exceed max_bars and their heights sum to the total."""
    t = Table({"students": list(hist), "sections": list(hist.values())})
    ax = plot.section_size_histogram(t, max_bars=max_bars)
    heights = [p.get_height() for p in bars(ax)]
    assert 1 <= len(heights) <= max_bars
    assert sum(heights) == sum(hist.values())
    matplotlib.pyplot.close("all")


def test_teachers_per_section_flags_over_cap_and_empty(g: rostergraph.RosterGraph,
                                                       tmp_path: Path) -> None:
    """Bars match the teacher-count histogram; sections with 0 or > 10 teachers are red."""
    ax = plot.teachers_per_section(g)
    render(ax, tmp_path / "tps.png")
    t = summary(g)["teachers_per_section"]
    assert len(bars(ax)) == len(t)
    red = matplotlib.colors.to_rgba(plot._ALERT)
    flagged = sorted(round(p.get_x() + p.get_width() / 2) for p in bars(ax)
                     if p.get_facecolor() == red)
    assert flagged == sorted(n for n in t.to_list("teachers") if n == 0 or n > plot.TEACHER_CAP)
    assert 11 in flagged  # the Senior Capstone Seminar
    # each bar carries its count, so a few flagged sections next to thousands stay visible
    assert sorted(int(x.get_text()) for x in ax.texts if x.get_text().isdigit()) == sorted(
        t.to_list("sections"))
    assert ax.get_xlabel() == "teachers per section"


def test_schools_per_user_groups_by_role(g: rostergraph.RosterGraph, tmp_path: Path) -> None:
    """One bar per (role, schools) row, coloured by role, with a role legend."""
    ax = plot.schools_per_user(g)
    render(ax, tmp_path / "spu.png")
    t = summary(g)["schools_per_user"]
    assert len(bars(ax)) == len(t)
    assert sorted(round(p.get_height()) for p in bars(ax)) == sorted(t.to_list("users"))
    assert [x.get_text() for x in ax.get_legend().get_texts()] == ["student", "teacher", "staff"]
    assert ax.get_ylabel() == "users" and ax.get_xlabel() == "schools per user"


def test_schools_per_user_turns_log_for_skewed_counts() -> None:
    """A million students next to a handful of staff switches the y axis to log."""
    t = Table({"role": ["student", "staff"], "schools": [1, 1], "users": [1_000_000, 5]})
    assert plot.schools_per_user(t).get_yscale() == "log"


def test_reach_set_sizes(g: rostergraph.RosterGraph, tmp_path: Path) -> None:
    """Bars sum to the number of teachers; each bar is a reach-set size."""
    ax = plot.reach_set_sizes(g)
    render(ax, tmp_path / "reach.png")
    t = summary(g)["reach_set_sizes"]
    assert len(bars(ax)) == len(t)
    assert sum(p.get_height() for p in bars(ax)) == g.role_counts()["teacher"]
    assert ax.get_ylabel() == "teachers"


def test_school_flow_heatmap_cells_and_names(g: rostergraph.RosterGraph, tmp_path: Path) -> None:
    """The matrix covers the schools in the flow, labelled by name, cells summing to the flow."""
    ax = plot.school_flow_heatmap(g)
    render(ax, tmp_path / "flow.png")
    flow = school_flow(g)
    schools = set(flow.to_list("primary_school")) | set(flow.to_list("school"))
    mat = ax.images[0].get_array()
    assert mat.shape == (len(schools), len(schools))
    assert int(mat.sum()) == int(flow["students"].sum())
    assert np.ma.count(mat) == len(flow)  # one non-empty cell per flow row
    names = sorted(g.roster.schools[s].name for s in schools)
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    # each annotated count sits on its cell
    for i, j in zip(*np.nonzero(mat.filled(0))):
        assert any(t.get_text() == f"{mat[i, j]:,}" and t.get_position() == (j, i)
                   for t in ax.texts)


def test_school_flow_heatmap_folds_small_schools() -> None:
    """With top=N, N schools are shown and the rest fold into one row/column; totals stay."""
    rng = np.random.default_rng(5)
    n = 300
    src = rng.integers(0, 60, n)
    dst = (src + rng.integers(1, 59, n)) % 60
    t = Table({"primary_school": [f"s{i:03d}" for i in src], "school": [f"s{i:03d}" for i in dst],
               "pairs": rng.integers(1, 9, n), "students": rng.integers(1, 5, n)})
    ax = plot.school_flow_heatmap(t, top=8, value="pairs")
    mat = ax.images[0].get_array()
    assert mat.shape == (9, 9)
    assert int(mat.sum()) == int(t["pairs"].sum())
    labels = [x.get_text() for x in ax.get_xticklabels()]
    assert labels[-1].startswith("other schools (") and len(set(labels)) == 9
    with pytest.raises(ValueError):
        plot.school_flow_heatmap(t, value="names")


def test_school_flow_heatmap_colour_scale(g: rostergraph.RosterGraph) -> None:
    """Linear colours for close counts; log colours when one cell dwarfs the rest."""
    from matplotlib.colors import LogNorm

    assert not isinstance(plot.school_flow_heatmap(g).images[0].norm, LogNorm)
    t = Table({"primary_school": ["a", "b", "c"], "school": ["b", "c", "a"],
               "pairs": [1, 2, 5000], "students": [1, 2, 5000]})
    ax = plot.school_flow_heatmap(t)
    assert isinstance(ax.images[0].norm, LogNorm)
    assert "log scale" in ax.figure.axes[-1].get_ylabel()


def test_school_names_cannot_inject_mathtext() -> None:
    """A name with '$' is shown literally (escaped), not parsed as mathtext."""
    from rostergraph.plot import _label

    assert _label("A$B$C") == r"A\$B\$C"
    assert _label("x" * 100).endswith("…") and len(_label("x" * 100)) == 28


def test_findings_by_rule(report: rostergraph.Report, tmp_path: Path) -> None:
    """One bar per rule with findings, as long as its count, coloured by severity."""
    ax = plot.findings_by_rule(report)
    render(ax, tmp_path / "findings.png")
    per_rule = {rid: fs for rid, fs in report.by_rule().items() if fs}
    assert len(bars(ax)) == len(per_rule)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    got = {lab: (round(p.get_width()), p.get_facecolor()) for lab, p in
           zip(labels, sorted(bars(ax), key=lambda p: -p.get_y()))}
    want = {rid: (len(fs), matplotlib.colors.to_rgba(plot.SEVERITY_COLORS[fs[0].severity]))
            for rid, fs in per_rule.items()}
    assert got == want
    # the findings table gives the same picture
    ax2 = plot.findings_by_rule(report.findings_table())
    assert [round(p.get_width()) for p in bars(ax2)] == [round(p.get_width()) for p in bars(ax)]


def test_findings_by_rule_empty_and_top() -> None:
    """No findings draws a 'no findings' note; top=N keeps N bars and says what was left."""
    empty = Table({"rule": [], "severity": []})
    ax = plot.findings_by_rule(empty)
    assert not bars(ax) and any(t.get_text() == "no findings" for t in ax.texts)
    t = Table({"rule": [f"RG-X-{i:03d}" for i in range(50)], "severity": ["info"] * 50,
               "findings": list(range(1, 51))})
    ax = plot.findings_by_rule(t, top=10)
    assert len(bars(ax)) == 10 and "40 more rules" in ax.get_title()
    assert max(p.get_width() for p in bars(ax)) == 50


def _points(ax: matplotlib.axes.Axes) -> dict[str, int]:
    return {c.get_label(): len(c.get_offsets()) for c in ax.collections
            if isinstance(c, PathCollection)}


def test_neighbourhood_of_a_section(g: rostergraph.RosterGraph, tmp_path: Path) -> None:
    """A section's radius-1 drawing shows it, its students, teachers, school, course and term."""
    ax = plot.neighbourhood(g, CAPSTONE)
    render(ax, tmp_path / "nb.png")
    students = {u for u in g.neighbors(CAPSTONE, "enrolled_in", reverse=True)}
    teachers = {u for u in g.neighbors(CAPSTONE, "teaches", reverse=True)}
    got = _points(ax)
    assert got["section"] == 1 and got["school"] == 1 and got["course"] == 1
    # users are coloured by their first role in teacher, student, ... order
    people = students | teachers
    has_teacher_role = {u for u in people if g.roster.users[u].roles.teacher is not None}
    assert len(teachers) == 11 and teachers <= has_teacher_role
    assert got["teacher"] == len(has_teacher_role)
    assert got["student"] == len(people - has_teacher_role)
    # people are labelled by id, never by name
    texts = " ".join(t.get_text() for t in ax.texts)
    for uid in students | teachers:
        name = g.roster.users[uid].name
        for part in (name.first, name.last):
            assert not part or part not in texts
    assert g.roster.sections[CAPSTONE].name[:10] in texts


def test_neighbourhood_caps_nodes(g: rostergraph.RosterGraph, tmp_path: Path) -> None:
    """max_nodes bounds the drawing; the centre and non-people come first; the title says so."""
    full = rostergraph.RosterGraph.to_networkx(g, around=HIGH, radius=1)
    ax = plot.neighbourhood(g, HIGH, max_nodes=12, labels=True)
    render(ax, tmp_path / "nb_cap.png")
    got = _points(ax)
    assert sum(got.values()) == 12
    assert got["school"] >= 1 and "12 of" in ax.get_title()
    # the budget is shared between kinds, not spent on the first kind alone
    assert got["section"] >= 2 and got["student"] >= 2 and got["teacher"] >= 2
    assert f"{full.number_of_nodes():,} nodes" in ax.get_title()
    texts = " ".join(t.get_text() for t in ax.texts)
    for u in g.roster.users.values():
        assert u.name is None or not u.name.last or u.name.last not in texts


def test_neighbourhood_unknown_id(g: rostergraph.RosterGraph) -> None:
    """An id naming no node raises UnknownIdError."""
    with pytest.raises(UnknownIdError):
        plot.neighbourhood(g, "no-such-id")


def test_plots_accept_a_roster_and_reject_other_input() -> None:
    """A Roster is turned into a graph; a wrong object or a wrong table is a clear error."""
    ax = plot.section_size_histogram(rostergraph.sample())
    assert bars(ax)
    with pytest.raises(TypeError):
        plot.reach_set_sizes([1, 2, 3])
    with pytest.raises(ValueError, match="lacks column"):
        plot.reach_set_sizes(Table({"x": [1]}))
