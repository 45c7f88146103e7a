"""Plots of a district: matplotlib figures drawn from aggregates, readable at any size.

Every function takes a :class:`~rostergraph.graph.RosterGraph` (or a
:class:`~rostergraph.roster.Roster`, or the already-computed
:class:`~rostergraph.table.Table` it would draw), an optional matplotlib
``ax``, and returns the :class:`~matplotlib.axes.Axes` it drew on. None of
them calls ``plt.show()``: in a notebook the figure shows by itself; in a
script, save it with ``ax.figure.savefig("plot.png")`` (without ``ax``, a new
pyplot figure is made: close it with ``plt.close(ax.figure)`` when drawing
many).

Plots are drawn from aggregates (:func:`rostergraph.queries.summary`,
:func:`rostergraph.queries.school_flow`, a report's findings), never from one
artist per record: a district of a million students draws as fast as the
sample. The neighbourhood drawing is capped at ``max_nodes`` nodes.

Privacy: labels show school, section, course and term names and record ids,
never the names of people (users are labelled by id).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import rostergraph
>>> from rostergraph import plot
>>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
>>> ax = plot.section_size_histogram(g)
>>> ax.get_xlabel()
'students per section'
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from .graph import RosterGraph
from .table import Table

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .report import Report

__all__ = [
    "KIND_COLORS",
    "SEVERITY_COLORS",
    "findings_by_rule",
    "neighbourhood",
    "reach_set_sizes",
    "school_flow_heatmap",
    "schools_per_user",
    "section_size_histogram",
    "teachers_per_section",
]

#: Okabe–Ito colours (readable with colour-vision deficiencies), one per severity.
SEVERITY_COLORS: dict[str, str] = {"error": "#D55E00", "warning": "#E69F00", "info": "#0072B2"}
#: Colour per node category of :func:`neighbourhood` (users by their first role).
KIND_COLORS: dict[str, str] = {
    "student": "#56B4E9", "teacher": "#D55E00", "section": "#009E73", "school": "#0072B2",
    "staff": "#CC79A7", "contact": "#F0E442", "district_admin": "#000000",
    "user": "#999999", "course": "#E69F00", "term": "#B8A07E", "district": "#4D4D4D",
}
_BAR = "#0072B2"
_ALERT = "#D55E00"
#: Most bars a distribution plot draws before it bins values.
MAX_BARS = 40
#: Most teachers a section may list (1 + 9 co-teachers, Clever's documented cap).
TEACHER_CAP = 10

_SUMMARY: weakref.WeakKeyDictionary[RosterGraph, dict[str, Table]] = weakref.WeakKeyDictionary()


# --- inputs ------------------------------------------------------------------------


def _graph(obj: Any) -> RosterGraph:
    """A RosterGraph from a graph or a Roster."""
    if isinstance(obj, RosterGraph):
        return obj
    from .roster import Roster

    if isinstance(obj, Roster):
        return RosterGraph.from_roster(obj)
    raise TypeError(f"expected a RosterGraph, Roster or Table, not {type(obj).__name__}")


def _summary_table(obj: Any, name: str, columns: tuple[str, ...]) -> Table:
    """The ``rostergraph.queries.summary`` table ``name`` of a graph, or ``obj`` if a Table."""
    if isinstance(obj, Table):
        missing = [c for c in columns if c not in obj]
        if missing:
            raise ValueError(f"table {obj.name or ''!r} lacks column(s) {missing}; "
                             f"expected {list(columns)}")
        return obj
    g = _graph(obj)
    cached = _SUMMARY.get(g)
    if cached is None:
        from .queries import summary

        cached = summary(g)
        _SUMMARY[g] = cached
    return cached[name]


def _axes(ax: Axes | None, size: tuple[float, float] = (6.4, 4.0)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    # a pyplot figure, so Jupyter's inline backend shows it; close it with plt.close(ax.figure)
    _, new = plt.subplots(figsize=size, layout="constrained")
    return new


def _label(text: Any, width: int = 28, *, middle: bool = False) -> str:
    """Plot-safe text: no mathtext (``$``), no newlines, at most ``width`` characters.

    A longer text is shortened with an ellipsis at the end, or with ``middle``
    in the middle (names that share a long prefix stay distinct: "Unified Dis…Campus 12").
    """
    s = "" if text is None else str(text)
    s = "".join(ch if ch.isprintable() else " " for ch in s).strip()
    if len(s) > width:
        head = (width - 1) // 2 if middle else width - 1
        s = s[:head].rstrip() + "…" + (s[len(s) - (width - 1 - head):].lstrip() if middle else "")
    return s.replace("$", r"\$")


def _compact(n: int) -> str:
    """A count in at most 4 characters: 999, 1.2k, 12k, 1.2M."""
    for div, suffix in ((1_000_000, "M"), (1_000, "k")):
        if n >= div:
            v = n / div
            return f"{v:.1f}{suffix}" if v < 10 else f"{v:.0f}{suffix}"
    return str(n)


def _int_ticks(ax: Axes, axis: str = "y") -> None:
    from matplotlib.ticker import MaxNLocator

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_locator(MaxNLocator(integer=True))


def _empty(ax: Axes, message: str) -> Axes:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _distribution(ax: Axes, values: np.ndarray, counts: np.ndarray, *, xlabel: str,
                  ylabel: str, title: str, max_bars: int = MAX_BARS,
                  alert: np.ndarray | None = None) -> Axes:
    """Bars of a weighted distribution: one bar per value, or binned past ``max_bars``."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    values = np.asarray(values, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    keep = counts > 0
    values, counts = values[keep], counts[keep]
    if not len(values):
        return _empty(ax, "no data")
    lo, hi = int(values.min()), int(values.max())
    if hi - lo + 1 <= max_bars:
        colors = [_ALERT if alert is not None and a else _BAR for a in
                  (alert[keep] if alert is not None else np.zeros(len(values), bool))]
        ax.bar(values, counts, width=0.8, color=colors, align="center")
    else:
        width = int(np.ceil((hi - lo + 1) / max_bars))
        edges = np.arange(lo, hi + width + 1, width)
        heights, _ = np.histogram(values, bins=edges, weights=counts)
        nz = heights > 0
        ax.bar(edges[:-1][nz], heights[nz], width=width * 0.9, align="edge", color=_BAR)
        if alert is not None and alert[keep].any():  # flagged values stay visible when binned
            bad, _ = np.histogram(values[alert[keep]], bins=edges, weights=counts[alert[keep]])
            ax.bar(edges[:-1][bad > 0], bad[bad > 0], width=width * 0.9, align="edge",
                   color=_ALERT)
    if alert is not None and alert[keep].any():  # a marker under each flagged value: seen at
        ax.plot(values[alert[keep]], np.zeros(int(alert[keep].sum())), "^", color=_ALERT,
                markersize=7, clip_on=False, zorder=5)  # any scale, however short its bar
    _int_ticks(ax, "x")
    _int_ticks(ax, "y")
    total = int(counts.sum())
    ax.text(0.99, 0.97, f"n = {total:,}", ha="right", va="top", transform=ax.transAxes,
            fontsize="small", color="#444")
    return ax


# --- distributions -------------------------------------------------------------------


def section_size_histogram(g: RosterGraph | Table, ax: Axes | None = None, *,
                           max_bars: int = MAX_BARS) -> Axes:
    """How many sections have how many students.

    Parameters
    ----------
    g:
        A RosterGraph (or Roster), or the ``section_sizes`` table of
        :func:`rostergraph.queries.summary` (``students``, ``sections``).
    ax:
        The matplotlib Axes to draw on; a new figure's when ``None``.
    max_bars:
        One bar per size up to this many distinct sizes; past it, sizes are
        binned into at most ``max_bars`` equal-width bins.

    Returns
    -------
    matplotlib.axes.Axes
        Bars: x = students per section (distinct, record students only),
        y = sections; the bar heights sum to the number of sections.

    Raises
    ------
    TypeError
        For an input that is not a graph, roster or Table.
    ValueError
        For a Table without the expected columns.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> ax = section_size_histogram(g)
    >>> int(sum(p.get_height() for p in ax.patches)) == g.counts()["section"]
    True
    """
    t = _summary_table(g, "section_sizes", ("students", "sections"))
    return _distribution(_axes(ax), t["students"], t["sections"],
                         xlabel="students per section", ylabel="sections",
                         title="Section sizes", max_bars=max_bars)


def teachers_per_section(g: RosterGraph | Table, ax: Axes | None = None, *,
                         max_bars: int = MAX_BARS) -> Axes:
    """How many sections have how many teachers (sections over the cap in red).

    Parameters
    ----------
    g:
        A RosterGraph (or Roster), or the ``teachers_per_section`` table of
        :func:`rostergraph.queries.summary` (``teachers``, ``sections``).
    ax:
        The Axes to draw on; a new figure's when ``None``.
    max_bars:
        Bin past this many distinct counts.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per teacher count, its count written above it (up to 20
        bars); sections without a teacher and sections over
        :data:`TEACHER_CAP` teachers are drawn in the alert colour.

    Raises
    ------
    TypeError, ValueError
        As :func:`section_size_histogram`.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> ax = teachers_per_section(g)
    >>> ax.get_xlabel(), len(ax.patches)
    ('teachers per section', 5)
    """
    t = _summary_table(g, "teachers_per_section", ("teachers", "sections"))
    teachers = np.asarray(t["teachers"], dtype=np.int64)
    ax = _distribution(_axes(ax), teachers, t["sections"], xlabel="teachers per section",
                       ylabel="sections", title="Teachers per section", max_bars=max_bars,
                       alert=(teachers == 0) | (teachers > TEACHER_CAP))
    from matplotlib.patches import Rectangle

    drawn = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_height() > 0]
    if 0 < len(drawn) <= 20:  # a few bars: write the counts, so a handful next to 20,000 shows
        for p in drawn:
            ax.annotate(f"{int(p.get_height()):,}", (p.get_x() + p.get_width() / 2,
                                                     p.get_height()),
                        xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                        fontsize="x-small")
        ax.margins(y=0.1)
    return ax


def reach_set_sizes(g: RosterGraph | Table, ax: Axes | None = None, *,
                    max_bars: int = MAX_BARS) -> Axes:
    """How many teachers reach how many distinct students (through their sections).

    Parameters
    ----------
    g:
        A RosterGraph (or Roster), or the ``reach_set_sizes`` table of
        :func:`rostergraph.queries.summary` (``students``, ``teachers``).
    ax:
        The Axes to draw on; a new figure's when ``None``.
    max_bars:
        Bin past this many distinct sizes.

    Returns
    -------
    matplotlib.axes.Axes
        Bars whose heights sum to the number of teachers.

    Raises
    ------
    TypeError, ValueError
        As :func:`section_size_histogram`.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> ax = reach_set_sizes(g)
    >>> int(sum(p.get_height() for p in ax.patches)) == g.role_counts()["teacher"]
    True
    """
    t = _summary_table(g, "reach_set_sizes", ("students", "teachers"))
    return _distribution(_axes(ax), t["students"], t["teachers"],
                         xlabel="distinct students a teacher reaches", ylabel="teachers",
                         title="Reach-set sizes", max_bars=max_bars)


def schools_per_user(g: RosterGraph | Table, ax: Axes | None = None) -> Axes:
    """How many schools students, teachers and staff are listed at (grouped bars).

    Parameters
    ----------
    g:
        A RosterGraph (or Roster), or the ``schools_per_user`` table of
        :func:`rostergraph.queries.summary` (``role``, ``schools``, ``users``).
    ax:
        The Axes to draw on; a new figure's when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per (role, school count) row, grouped by school count and
        coloured by role; the y axis turns logarithmic when one role
        outnumbers another a hundredfold (students usually do).

    Raises
    ------
    TypeError, ValueError
        As :func:`section_size_histogram`.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> ax = schools_per_user(g)
    >>> len(ax.patches) == len(rostergraph.summary(g)["schools_per_user"])
    True
    """
    t = _summary_table(g, "schools_per_user", ("role", "schools", "users"))
    ax = _axes(ax)
    ax.set_xlabel("schools per user")
    ax.set_ylabel("users")
    ax.set_title("Schools per user, by role")
    roles = [str(r) for r in t["role"]]
    schools = np.asarray(t["schools"], dtype=np.int64)
    users = np.asarray(t["users"], dtype=np.int64)
    keep = users > 0
    if not keep.any():
        return _empty(ax, "no data")
    order = list(dict.fromkeys(r for r, k in zip(roles, keep) if k))
    width = 0.8 / len(order)
    for j, role in enumerate(order):
        sel = np.array([r == role for r in roles]) & keep
        ax.bar(schools[sel] - 0.4 + width * (j + 0.5), users[sel], width=width,
               color=KIND_COLORS.get(role, _BAR), label=role, edgecolor="white", linewidth=0.5)
    if users[keep].max() >= 100 * max(users[keep].min(), 1):
        ax.set_yscale("log")
    else:
        _int_ticks(ax, "y")
    ax.set_xticks(np.unique(schools[keep]))
    ax.legend(title="role", fontsize="small")
    return ax


# --- cross-school flow ----------------------------------------------------------------


def _school_names(g: RosterGraph | None, ids: list[str],
                  no_record: frozenset[str] = frozenset()) -> list[str]:
    """Axis labels: the school's name, else its id; an id without a record says so."""
    schools = g.roster.schools if g is not None else {}
    out = []
    for i in ids:
        rec = schools.get(i)
        name = getattr(rec, "name", None) if rec is not None else None
        if name:
            out.append(_label(name, middle=True))
        elif i in no_record or (g is not None and rec is None):
            out.append(_label(i, 26) + " (no record)")  # the whole id: it is all we know
        else:
            out.append(_label(i, 14))
    return out


def school_flow_heatmap(g: RosterGraph | Table, ax: Axes | None = None, *, top: int = 15,
                        value: str = "students", annotate: bool | None = None) -> Axes:
    """The cross-school flow matrix: home school (rows) × section's school (columns).

    Parameters
    ----------
    g:
        A RosterGraph (or Roster), or a :func:`rostergraph.queries.school_flow`
        table (``primary_school``, ``school``, ``pairs``, ``students``; ids are
        then shown instead of names). A school whose record was not delivered
        is labelled by its id followed by "(no record)".
    ax:
        The Axes to draw on; a new figure's when ``None``.
    top:
        Show the ``top`` schools with the most cross-school flow (in plus
        out); every other school is folded into one "other schools" row and
        column, so a district of 1,800 schools stays readable.
    value:
        ``students`` (distinct students per cell) or ``pairs``
        ((student, section) enrollments per cell). Folded cells add up their
        parts, so a student who crosses to two folded schools counts twice
        there.
    annotate:
        Write each cell's count; by default when the matrix is at most 16
        wide.

    Returns
    -------
    matplotlib.axes.Axes
        An image of the square matrix over the shown schools, labelled with
        school names; empty cells are blank.

    Raises
    ------
    TypeError, ValueError
        As :func:`section_size_histogram`; ``ValueError`` also for an unknown
        ``value`` or a ``top`` below 1.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> ax = school_flow_heatmap(g)
    >>> [t.get_text() for t in ax.get_xticklabels()]  # doctest: +NORMALIZE_WHITESPACE
    ['Cedar Hollow High School', 'Pathways Alternative Academy', 'Riverbend Middle School']
    """
    if value not in ("students", "pairs"):
        raise ValueError(f"value must be 'students' or 'pairs', not {value!r}")
    if top < 1:
        raise ValueError(f"top must be at least 1, not {top}")
    if isinstance(g, Table):
        t, graph = _summary_table(g, "", ("primary_school", "school", value)), None
    else:
        from .queries import school_flow

        graph = _graph(g)
        t = school_flow(graph)
    no_record: set[str] = set()  # schools known only by id (their record was not delivered)
    for ids_col, flag in (("primary_school", "primary_school_missing"),
                          ("school", "school_missing")):
        if flag in t.columns:
            no_record.update(str(x) for x, m in zip(t[ids_col].tolist(), t[flag].tolist())
                             if m)
    ax = _axes(ax, (7.0, 6.0))
    ax.set_title(f"Cross-school flow ({value})")
    ax.set_ylabel("home (primary) school")
    ax.set_xlabel("school of the section")
    src = [str(s) for s in t["primary_school"]]
    dst = [str(s) for s in t["school"]]
    val = np.asarray(t[value], dtype=np.int64)
    if not len(val) or not val.any():
        return _empty(ax, "no cross-school enrollments")
    # rank schools by total flow in + out, then id (stable, deterministic)
    total: dict[str, int] = {}
    for s, d, v in zip(src, dst, val.tolist()):
        total[s] = total.get(s, 0) + v
        total[d] = total.get(d, 0) + v
    ranked = sorted(total, key=lambda s: (-total[s], s))
    shown = ranked[:top] if len(ranked) > top + 1 else ranked
    folded = len(ranked) > len(shown)
    stubs = frozenset(no_record)
    shown = sorted(shown, key=lambda s: (_school_names(graph, [s], stubs)[0], s))
    pos = {s: i for i, s in enumerate(shown)}
    n = len(shown) + (1 if folded else 0)
    other = n - 1
    mat = np.zeros((n, n), dtype=np.int64)
    for s, d, v in zip(src, dst, val.tolist()):
        mat[pos.get(s, other), pos.get(d, other)] += v
    labels = _school_names(graph, shown, stubs) + ([f"other schools ({len(ranked) - len(shown):,})"]
                                            if folded else [])
    masked = np.ma.masked_equal(mat, 0)
    from matplotlib import colormaps
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import MaxNLocator

    cmap = colormaps["viridis"].with_extremes(bad="#f2f2f2")
    lo, hi = int(mat[mat > 0].min()), int(mat.max())
    log = hi >= 50 * lo  # one big cell (often "other schools") would wash out the rest
    img = ax.imshow(masked, cmap=cmap, aspect="auto", interpolation="nearest",
                    norm=LogNorm(vmin=lo, vmax=hi) if log else None)
    bar = ax.figure.colorbar(img, ax=ax, label=value + (" (log scale)" if log else ""),
                             shrink=0.8)
    if not log:
        bar.locator = MaxNLocator(integer=True)
        bar.update_ticks()
    ax.set_xticks(range(n), labels, rotation=40, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(n), labels)
    if annotate is None:
        annotate = n <= 16
    if annotate:  # compact counts (12k) in a font that shrinks with the matrix: no overflow
        size = "small" if n <= 8 else ("x-small" if n <= 12 else "xx-small")
        for i, j in zip(*np.nonzero(mat)):
            ax.text(j, i, _compact(int(mat[i, j])), ha="center", va="center", fontsize=size,
                    color="black" if np.asarray(img.norm(mat[i, j])).item() > 0.6 else "white")
    return ax


# --- findings -------------------------------------------------------------------------


def _findings_counts(obj: Any) -> list[tuple[str, str, int]]:
    """(rule, severity, findings) rows from a Report or a findings Table."""
    rows: dict[tuple[str, str], int] = {}
    if isinstance(obj, Table):
        for c in ("rule", "severity"):
            if c not in obj:
                raise ValueError(f"findings table lacks column {c!r}; expected rule, severity")
        if "findings" in obj:  # already counted
            for r, s, n in zip(obj["rule"], obj["severity"], obj["findings"]):
                rows[(str(r), str(s))] = rows.get((str(r), str(s)), 0) + int(n)
        else:
            for r, s in zip(obj["rule"], obj["severity"]):
                rows[(str(r), str(s))] = rows.get((str(r), str(s)), 0) + 1
    elif hasattr(obj, "findings") and hasattr(obj, "rules"):
        fs = obj.findings
        if hasattr(fs, "counts_by_rule_severity"):  # a Findings table: counted from its codes
            rows.update(fs.counts_by_rule_severity())
        else:
            for f in fs:
                rows[(f.rule, f.severity)] = rows.get((f.rule, f.severity), 0) + 1
    else:
        raise TypeError(f"expected a Report or a findings Table, not {type(obj).__name__}")
    return [(r, s, n) for (r, s), n in rows.items() if n > 0]


def findings_by_rule(report: Report | Table, ax: Axes | None = None, *, top: int = 30) -> Axes:
    """Findings per rule, one horizontal bar per (rule, severity), coloured by severity.

    Parameters
    ----------
    report:
        A :class:`~rostergraph.report.Report`, the table of
        :meth:`Report.findings_table` (one row per finding), or a table of
        ``rule``, ``severity``, ``findings`` counts.
    ax:
        The Axes to draw on; a new figure's when ``None``.
    top:
        Draw the ``top`` bars with most findings (worst severity first on
        ties); the rest are summed into the title's note.

    Returns
    -------
    matplotlib.axes.Axes
        Bars sorted by severity then count, the count written at each bar's
        end; the x axis turns logarithmic when counts span three orders of
        magnitude.

    Raises
    ------
    TypeError
        For an input that is neither a Report nor a Table.
    ValueError
        For a Table without ``rule`` and ``severity`` columns.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import rostergraph
    >>> report = rostergraph.validate(rostergraph.sample())
    >>> ax = findings_by_rule(report)
    >>> int(sum(p.get_width() for p in ax.patches)) == len(report.findings)
    True
    """
    from .rules.registry import severity_rank

    rows = _findings_counts(report)
    ax = _axes(ax, (7.0, max(2.5, 0.28 * min(len(rows), top) + 1.2)))
    ax.set_xlabel("findings")
    ax.set_ylabel("rule")
    title = "Findings by rule and severity"
    if not rows:
        ax.set_title(title)
        return _empty(ax, "no findings")
    rows.sort(key=lambda r: (severity_rank(r[1]), -r[2], r[0]))
    if len(rows) > top:
        rest = rows[top:]
        rows = rows[:top]
        title += f" (top {top}; {len(rest)} more rules, {sum(r[2] for r in rest):,} findings)"
    ax.set_title(title)
    y = np.arange(len(rows))[::-1]
    counts = np.array([r[2] for r in rows])
    ax.barh(y, counts, color=[SEVERITY_COLORS.get(r[1], "#999999") for r in rows], height=0.7)
    ax.set_yticks(y, [_label(r[0], 20) for r in rows])
    if counts.max() >= 1000 * max(counts.min(), 1):
        ax.set_xscale("log")
    else:
        _int_ticks(ax, "x")
    for yi, c in zip(y, counts):
        ax.text(c, yi, f" {c:,}", va="center", ha="left", fontsize="small")
    ax.margins(x=0.12)
    from matplotlib.patches import Patch

    present = [s for s in SEVERITY_COLORS if any(r[1] == s for r in rows)]
    ax.legend(handles=[Patch(color=SEVERITY_COLORS[s], label=s) for s in present],
              title="severity", fontsize="small", loc="lower right")
    return ax


# --- neighbourhood ---------------------------------------------------------------------

#: relations drawn by :func:`neighbourhood` (the roster's structure, not its bookkeeping)
_NEIGHBOUR_RELATIONS = ("enrolled_in", "teaches", "taught_at", "of_course", "in_term",
                        "attends", "works_at", "contact_for", "in_district", "administers")
_CATEGORY_ORDER = ("school", "section", "teacher", "student", "staff", "contact",
                   "district_admin", "course", "term", "district", "user")
_PRIORITY = {c: i for i, c in enumerate(_CATEGORY_ORDER)}


def _category(data: dict[str, Any]) -> str:
    kind = data.get("kind", "user")
    if kind != "user":
        return kind
    roles = data.get("roles") or ()
    for role in ("teacher", "student", "staff", "district_admin", "contact"):
        if role in roles:
            return role
    return "user"


def _node_label(node: str, data: dict[str, Any], privacy: Any = None) -> str:
    """Names for schools, sections, courses and terms; ids for people (never their names)."""
    if data.get("kind") != "user" and data.get("name"):
        return _label(data["name"], 22)
    ident = node.split(":", 1)[-1]
    if privacy is not None:
        ident = privacy.id(ident)
    return _label(ident[-8:], 10)


def _pick(G: Any, centre: Any, cat: dict[Any, str], max_nodes: int) -> list[Any]:
    """The centre, then an equal share of ``max_nodes`` per category (spare room passed on),
    the best-connected nodes of each category first."""
    by_cat: dict[str, list[Any]] = {}
    for n in sorted((n for n in G if n != centre), key=lambda n: (-G.degree(n), str(n))):
        by_cat.setdefault(cat[n], []).append(n)
    remaining = max_nodes - (1 if centre is not None else 0)
    quota = dict.fromkeys(by_cat, 0)
    active = sorted(by_cat, key=lambda c: _PRIORITY.get(c, 99))
    while remaining > 0 and active:
        share = max(remaining // len(active), 1)
        for c in list(active):
            take = min(share, len(by_cat[c]) - quota[c], remaining)
            quota[c] += take
            remaining -= take
            if quota[c] == len(by_cat[c]):
                active.remove(c)
            if not remaining:
                break
    chosen = [n for c in sorted(by_cat, key=lambda c: _PRIORITY.get(c, 99))
              for n in by_cat[c][: quota[c]]]
    return ([centre] if centre is not None else []) + chosen


def neighbourhood(g: RosterGraph, node_id: str, ax: Axes | None = None, *, radius: int = 1,
                  max_nodes: int = 150, labels: bool | None = None, seed: int = 0,
                  privacy: Any = None) -> Axes:
    """Draw the records within ``radius`` hops of one record (a section, school, user ...).

    Parameters
    ----------
    g:
        The RosterGraph (or Roster).
    node_id:
        The record at the centre (drawn larger, with a black ring).
    ax:
        The Axes to draw on; a new figure's when ``None``.
    radius:
        Hops in either direction along the roster relations (section ↔
        users, school, course, term; user ↔ schools; contact ↔ student).
    max_nodes:
        At most this many nodes are drawn: the centre, then an equal share
        per kind (schools, sections, teachers, students, ...; room a kind
        does not use goes to the others), the best-connected nodes of each
        kind first. The title says how many were drawn out of how many.
    labels:
        Label every node (people by the last 8 characters of their id,
        other records by name); by default when 40 nodes or fewer are
        drawn, else only the centre, schools, courses, terms, the district
        and (when at most 12 are drawn) sections.
    seed:
        Seed of the spring layout (the same seed draws the same picture).
    privacy:
        A :class:`~rostergraph.privacy.PrivacyPolicy`: in ``pseudonymized``
        mode people are labelled (and the title names the centre) by pseudonym.

    Returns
    -------
    matplotlib.axes.Axes
        One scatter collection per node category (colours in
        :data:`KIND_COLORS`, stubs hollow with a dashed ring) and the edges
        between drawn nodes.

    Raises
    ------
    UnknownIdError
        If ``node_id`` names no node.
    ValueError
        For a ``radius`` below 0 or a ``max_nodes`` below 1.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> ax = neighbourhood(g, "5f7a5ec00000000000000018")   # Senior Capstone Seminar
    >>> sorted(c.get_label() for c in ax.collections if c.get_label() in KIND_COLORS)
    ['course', 'school', 'section', 'student', 'teacher', 'term']
    """
    import networkx as nx

    if radius < 0:
        raise ValueError(f"radius must be 0 or more, not {radius}")
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, not {max_nodes}")
    g = _graph(g)
    if privacy is not None:
        privacy = privacy.bind(g)
    G = g.to_networkx(relations=_NEIGHBOUR_RELATIONS, around=node_id, radius=radius)
    centre = next((n for n in G if n == node_id or n.split(":", 1)[-1] == node_id), None)
    cat = {n: _category(d) for n, d in G.nodes(data=True)}
    keep = _pick(G, centre, cat, max_nodes)
    left_out = G.number_of_nodes() - len(keep)
    H = nx.Graph(G.subgraph(keep))
    ax = _axes(ax, (7.0, 6.0))
    ax.set_axis_off()
    what = G.nodes[centre].get("kind", "node") if centre is not None else "node"
    shown_id = privacy.id(node_id) if privacy is not None else node_id
    title = f"Neighbourhood of {what} {_label(shown_id, 30)} (radius {radius})"
    if left_out:
        title += f"\n{len(keep):,} of {G.number_of_nodes():,} nodes drawn"
    ax.set_title(title, fontsize="medium")
    pos = nx.spring_layout(H, seed=seed, k=1.5 / max(np.sqrt(len(H)), 1)) if len(H) > 1 else \
        {n: np.zeros(2) for n in H}
    nx.draw_networkx_edges(H, pos, ax=ax, edge_color="#bbbbbb", width=0.7)
    for c in _CATEGORY_ORDER:
        nodes = [n for n in H if cat[n] == c]
        if not nodes:
            continue
        stub = [bool(G.nodes[n].get("missing")) for n in nodes]
        sizes = [260 if n == centre else (140 if c in ("school", "section") else 60)
                 for n in nodes]
        coll = ax.scatter([pos[n][0] for n in nodes], [pos[n][1] for n in nodes], s=sizes,
                          c=["white" if s else KIND_COLORS[c] for s in stub],
                          edgecolors=["black" if n == centre else (KIND_COLORS[c] if s else
                                                                    "white")
                                      for n, s in zip(nodes, stub)],
                          linewidths=[2.0 if n == centre or s else 0.5
                                      for n, s in zip(nodes, stub)],
                          label=c, zorder=3)
        coll.set_gid(c)
    n_sections = sum(1 for n in H if cat[n] == "section")
    quiet = {"user", "section"} if n_sections > 12 else {"user"}
    if labels is None:
        labels = len(H) <= 40
    for n in H:
        if labels or G.nodes[n].get("kind") not in quiet or n == centre:
            ax.annotate(_node_label(n, G.nodes[n], privacy), (pos[n][0], pos[n][1]), fontsize=7,
                        ha="center",
                        va="bottom", xytext=(0, 5), textcoords="offset points", zorder=4)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", linestyle="", markersize=7, label=c,
                      markerfacecolor=KIND_COLORS[c], markeredgecolor=KIND_COLORS[c])
               for c in _CATEGORY_ORDER if any(cat[n] == c for n in H)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small",
              title="kind", frameon=False)
    return ax
