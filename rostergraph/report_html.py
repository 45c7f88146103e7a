"""The HTML report: one self-contained page (plots inline, no scripts, no requests).

:func:`render_html` turns a :class:`~rostergraph.report.Report` into a single
HTML file a person can open from a mail attachment: summary, plots (PNG
embedded as ``data:`` URIs), findings per rule with examples, the schools,
cross-school and orphan tables (first rows shown, counts always exact), stub
nodes and provenance. :meth:`Report.to_html` and ``rostergraph report -o
report.html`` call it.

Safety and size:

- Every piece of text passes through the report's
  :class:`~rostergraph.report.TextPolicy` and then
  :func:`rostergraph.safety.html_text` (HTML-escaped), so a record id or a
  school name containing ``<script>`` shows as text.
- The page carries a Content-Security-Policy that forbids scripts and every
  request except the embedded ``data:`` images and the inline style.
- Tables show at most ``rows`` rows and each rule at most ``examples``
  findings, messages are cut at 400 characters, and plots are drawn from
  aggregates: the page stays well under a few MB on the largest district.
- People appear by id only (rules and queries never put names, emails or
  dates of birth in their output); schools appear by name.

Examples
--------
>>> import rostergraph
>>> page = render_html(rostergraph.validate(rostergraph.sample()))
>>> page.startswith("<!DOCTYPE html>") and "privacy: full" in page
True
"""

from __future__ import annotations

import base64
import io
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .report_md import (
    SECTIONS,
    export_command,
    exports_in_privacy,
    finding_order,
    people_named,
    privacy_note,
    source_date_epoch,
)
from .safety import html_text

if TYPE_CHECKING:
    from .report import Report
    from .table import Table

__all__ = ["render_html"]

#: Rows shown per table.
DEFAULT_ROWS = 50
#: Longest message shown (characters), so one odd value cannot bloat the page.
MAX_TEXT = 400

_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        "base-uri 'none'; form-action 'none'")

_CSS = """
:root{--fg:#1f2328;--muted:#57606a;--bg:#fff;--card:#f6f8fa;--line:#d0d7de;
--error:#b23c00;--warning:#9a6700;--info:#0b5cad;--ok:#1a7f37}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg)}
header{background:#0b3954;color:#fff;padding:1.2rem 2rem}
header h1{margin:0 0 .3rem;font-size:1.5rem}
header p{margin:.1rem 0;color:#d8e4ee;overflow-wrap:anywhere}
.privacy{display:inline-block;margin-top:.4rem;padding:.1rem .6rem;border-radius:1rem;
background:#fff;color:#0b3954;font-weight:600;font-size:.85rem}
nav{position:sticky;top:0;z-index:1;background:#fff;border-bottom:1px solid var(--line);
padding:.4rem 2rem;font-size:.9rem}
nav a{margin-right:1rem;color:#0b5cad;text-decoration:none}
main{max-width:1200px;margin:0 auto;padding:1rem 2rem 3rem}
h2{border-bottom:1px solid var(--line);padding-bottom:.3rem;margin-top:2.2rem}
h3{margin:1.4rem 0 .4rem;font-size:1.05rem}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.6rem 1rem;
min-width:9rem}
.card b{display:block;font-size:1.5rem}
.card.error b{color:var(--error)}.card.warning b{color:var(--warning)}
.card.info b{color:var(--info)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}
.grid figure.wide{grid-column:1/-1}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:.5rem;
padding:.5rem}
figure img{max-width:100%;height:auto;display:block;margin:0 auto}
figcaption{color:var(--muted);font-size:.85rem;padding:.2rem .4rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.88rem;width:100%}
th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
th{background:var(--card)}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code,.id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
.sev{display:inline-block;padding:0 .45rem;border-radius:.8rem;color:#fff;font-size:.8rem}
.sev.error{background:var(--error)}.sev.warning{background:var(--warning)}
.sev.info{background:var(--info)}
details{border:1px solid var(--line);border-radius:.4rem;margin:.4rem 0;padding:.3rem .8rem}
details[open]{background:#fcfcfd}
summary{cursor:pointer}
details.explain{border:0;padding:0;background:none;color:#333}
.muted,.more{color:var(--muted)}
.gaps{border-left:4px solid #bf8700;background:#fff8c5;padding:.4rem .8rem;margin:.5rem 0}
.clean{color:var(--ok)}
.f td:first-child{white-space:nowrap;width:1%}
footer{color:var(--muted);font-size:.8rem;text-align:center;padding:2rem}
@media print{nav{display:none}details{break-inside:avoid}}
"""


# --- small HTML helpers --------------------------------------------------------------


def _t(value: Any, limit: int = MAX_TEXT) -> str:
    """Escaped text, cut at ``limit`` characters."""
    s = "" if value is None else str(value)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return html_text(s)


def _n(value: Any) -> str:
    return f"{int(value):,}"


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = (),
           ) -> str:
    """An HTML table; ``rows`` cells are already-escaped HTML."""
    num = set(numeric)
    head = "".join(f'<th{" class=n" if i in num else ""}>{_t(h)}</th>'
                   for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td{" class=n" if i in num else ""}>{c}</td>'
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _more(shown: int, total: int, what: str, table: str = "") -> str:
    if total <= shown:
        return ""
    how = (f"Every row (PATH: the roster this report was made from): "
           f"<code>{_t(export_command(table))}</code>" if table else
           "Export everything with the Python API or <code>rostergraph query</code>.")
    return f'<p class="more">Showing the first {shown:,} of {total:,} {what}. {how}</p>'



def _png(draw: Callable[[Any], Any], size: tuple[float, float], dpi: int = 100) -> str:
    """Draw on a fresh figure and return it as a base64 PNG data URI."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    buf = io.BytesIO()
    with warnings.catch_warnings():  # a school name in a script the font lacks: boxes, no noise
        warnings.filterwarnings("ignore", message="Glyph .* missing from font",
                                category=UserWarning)
        draw(fig.add_subplot())
        # "tight": a long (already ellipsized) label grows the image instead of being cut
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(uri: str, alt: str, caption: str, wide: bool = False) -> str:
    cls = ' class="wide"' if wide else ""  # the heat map spans the grid: labels stay readable
    return (f'<figure{cls}><img src="{uri}" alt="{_t(alt)}">'
            f"<figcaption>{_t(caption)}</figcaption></figure>")


# --- sections ---------------------------------------------------------------------------


def _header(report: Report, privacy: str, title: str) -> str:
    from ._version import __version__

    prov = report.provenance()
    pol = report.policy
    fmt = prov["format"] + (f" {prov['version']}" if prov["version"] else "")
    epoch = source_date_epoch()  # reproducible output when $SOURCE_DATE_EPOCH is set
    generated = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))
    return (f"<header><h1>{_t(title)}</h1>"
            f"<p>Source: <code>{_t(pol.text(prov['source']))}</code> ({_t(fmt)}), "
            f"loaded {_t(prov['loaded_at'])}</p>"
            f"<p>Generated {_t(generated)} by rostergraph {_t(__version__)}</p>"
            f'<span class="privacy" id="privacy">privacy: {_t(privacy)}</span> '
            f'<span class="muted" style="color:#d8e4ee">{_t(privacy_note(privacy, report))}'
            f"</span></header>")


def _person_cell(g: Any, pol: Any, named: bool, user_id: str) -> str:
    ident = f'<span class="id">{_t(pol.id(user_id))}</span>'
    if not named:
        return ident
    from .labels import label_of

    name = label_of(g.roster.users.get(user_id), "user")
    return f"{_t(name)}<br>{ident}" if name else ident


def _record_cell(g: Any, pol: Any, kind: str, record_id: str) -> str:
    """A section, term or course: its name over its id (not personal data)."""
    from .labels import _KIND_MAP, label_of

    name = label_of(getattr(g.roster, _KIND_MAP[kind]).get(record_id), kind)
    ident = f'<span class="id">{_t(pol.id(record_id))}</span>'
    return f"{_t(pol.text(name))}<br>{ident}" if name else ident


def _nav() -> str:
    links = SECTIONS
    return "<nav>" + "".join(f'<a href="#{a}">{_t(b)}</a>' for a, b in links) + "</nav>"


def _summary(report: Report) -> str:
    s = report.summary()
    c = report.counts()
    cards = "".join(f'<div class="card {sev}"><b>{_n(c[sev])}</b>{sev} finding'
                    f'{"" if c[sev] == 1 else "s"}</div>' for sev in ("error", "warning", "info"))
    cards += (f'<div class="card"><b>{_n(len(report.rules))}</b>rules run in '
              f"{report.seconds:.2f} s</div>")
    rec = _table(["kind", "records", "missing (referenced, no record)"],
                 [[_t(k), _n(v), _n(s["stub_nodes"].get(k, 0))] for k, v in s["records"].items()],
                 numeric=(1, 2))
    roles = _table(["role", "users"], [[_t(k), _n(v)] for k, v in s["roles"].items()],
                   numeric=(1,))
    rel = _table(["relation", "edges"], [[_t(k), _n(v)] for k, v in s["relations"].items()],
                 numeric=(1,))
    probs = (_table(["load problem", "count"], [[_t(k), _n(v)] for k, v in
                                                s["problems"].items()], numeric=(1,))
             if s["problems"] else '<p class="clean">No load problems.</p>')
    dist_rows = [[_t(name.replace("_", " ")), *(_t(st.get(k, "")) for k in
                                                ("min", "median", "mean", "max")), _n(st["n"])]
                 for name, st in report._distributions().items() if st.get("n")]
    dists = _table(["distribution", "min", "median", "mean", "max", "over"], dist_rows,
                   numeric=(1, 2, 3, 4, 5)) if dist_rows else ""
    gaps = ("" if not s.get("gaps") else
            '<div class="gaps"><b>Partial roster.</b> Schools, terms and courses without a '
            "record are known by their id only; a question marked <i>cannot answer</i> has "
            "no answer here, not an answer of 0.<ul>"
            + "".join(f"<li>{_t(line)}</li>" for line in s["gaps"]) + "</ul></div>")
    return (f'<section id="summary"><h2>Summary</h2>{gaps}<div class="cards">{cards}</div>'
            f'<div class="grid"><div><h3>Records</h3>{rec}<h3>Users by role</h3>{roles}</div>'
            f"<div><h3>Edges by relation</h3>{rel}<h3>Load problems</h3>{probs}</div></div>"
            f"<h3>Distributions</h3>{dists}</section>")


def _plots(report: Report, dpi: int) -> str:
    from . import plot

    g = report.graph
    figs = [
        (lambda ax: plot.section_size_histogram(g, ax), (6.0, 3.6),
         "Bar chart of sections by number of students", "Students per section."),
        (lambda ax: plot.teachers_per_section(g, ax), (6.0, 3.6),
         "Bar chart of sections by number of teachers",
         f"Teachers per section; red: no teacher or more than {plot.TEACHER_CAP}."),
        (lambda ax: plot.schools_per_user(g, ax), (6.0, 3.6),
         "Grouped bar chart of users by number of schools, per role",
         "How many schools each student, teacher and staff member is listed at."),
        (lambda ax: plot.reach_set_sizes(g, ax), (6.0, 3.6),
         "Bar chart of teachers by number of students they reach",
         "Distinct students each teacher reaches through their sections."),
        (lambda ax: plot.school_flow_heatmap(g, ax, top=15), (9.0, 8.0),
         "Heat map of students enrolled at a school other than their own",
         ("Cross-school flow: home school (rows) to the section's school (columns), "
          "15 busiest schools, the rest folded.")),
        (lambda ax: plot.findings_by_rule(report, ax, top=30),
         (7.0, max(2.6, 0.26 * min(sum(1 for fs in report.by_rule().values() if fs), 30) + 1.4)),
         "Horizontal bar chart of findings per rule, coloured by severity",
         "Findings per rule and severity."),
    ]
    out = [_figure(_png(draw, size, dpi), alt, cap, wide=size[0] >= 9)
           for draw, size, alt, cap in figs]
    return f'<section id="plots"><h2>Plots</h2><div class="grid">{"".join(out)}</div></section>'


def _findings(report: Report, examples: int) -> str:
    from .rules.explain import explanations
    from .rules.registry import severity_rank

    pol = report.policy
    per_rule = report.by_rule()
    rules = {r.id: r for r in report.rules}
    sev_of = {rid: (rules[rid].severity if rid in rules else (fs[0].severity if fs else "info"))
              for rid, fs in per_rule.items()}
    order = finding_order(report)
    explained = explanations()
    overview = []
    for rid in order:
        fs = per_rule[rid]
        if not fs:
            continue
        r = rules.get(rid)
        overview.append([f'<a href="#rule-{_t(rid)}">{_t(rid)}</a>',
                         f'<span class="sev {_t(sev_of[rid])}">{_t(sev_of[rid])}</span>',
                         _t(pol.text(r.title)) if r else "", _n(len(fs))])
    clean = [rid for rid in order if not per_rule[rid]]
    parts = ['<section id="findings"><h2>Findings</h2>',
             (_table(["rule", "severity", "title", "findings"], overview, numeric=(3,))
              if overview else '<p class="clean">No findings.</p>')]
    if clean:
        parts.append(f'<p class="clean">No findings from {_n(len(clean))} rule'
                     f'{"" if len(clean) == 1 else "s"}: '
                     + ", ".join(f"<code>{_t(rid)}</code>" for rid in sorted(clean)) + ".</p>")
    for rid in order:
        fs = per_rule[rid]
        if not fs:
            continue
        r = rules.get(rid)
        title = pol.text(r.title) if r else ""
        shown = fs[:examples]
        rows = [[_t(f.kind), _t(pol.message(f))] for f in shown]
        e = explained.get(rid)
        why = (f'<details class="explain"><summary>Why it matters · how to fix</summary>'
               f"<p><b>Why it matters:</b> {_t(e.why)}</p><p><b>How to fix:</b> {_t(e.fix)}"
               f"</p></details>" if e is not None else "")
        parts.append(
            f'<details id="rule-{_t(rid)}"{" open" if severity_rank(sev_of[rid]) == 0 else ""}>'
            f'<summary><span class="sev {_t(sev_of[rid])}">{_t(sev_of[rid])}</span> '
            f"<b>{_t(rid)}</b> {_t(title)}: {_n(len(fs))} finding{'' if len(fs) == 1 else 's'}"
            f"</summary>{why}<div class=\"f\">{_table(['kind', 'message'], rows)}</div>"
            f"{_more(len(shown), len(fs), 'findings of ' + rid, 'findings')}</details>")
    parts.append("</section>")
    return "".join(parts)


def _school_cell(g: Any, pol: Any, school_id: str) -> str:
    rec = g.roster.schools.get(school_id)
    name = getattr(rec, "name", None) if rec is not None else None
    ident = f'<span class="id">{_t(pol.id(school_id))}</span>'
    if rec is None:  # a place known only by its id: say so, never pass it off as known
        return f'{ident}<br><span class="muted">(no record)</span>'
    return f"{_t(pol.text(name))}<br>{ident}" if name else ident


def _schools(report: Report, rows: int) -> str:
    """Per school: students (primary), teachers (primary), sections; biggest first."""
    from .graph import ROLE_BITS

    g = report.graph
    pol = report.policy
    n_sc = g.n_nodes("school")  # schools known only by id (no record) are places too
    if not n_sc:
        return '<section id="schools"><h2>Schools</h2><p class="muted">No schools.</p></section>'
    n_stub = n_sc - g.n_records("school")
    n_u = g.n_records("user")

    def primary_count(relation: str, role: str) -> np.ndarray:
        rel = g.relations[relation]
        prim = rel.attrs["primary"].astype(bool)
        ok = prim & (rel.dst < n_sc) & (rel.src < n_u)
        src, dst = rel.src[ok], rel.dst[ok]
        has = (g.roles[src] & ROLE_BITS[role]) != 0
        return np.bincount(dst[has], minlength=n_sc)[:n_sc]

    students = primary_count("attends", "student")
    teachers = primary_count("works_at", "teacher")
    tat = g.relations["taught_at"]
    oks = (tat.dst < n_sc) & (tat.src < g.n_records("section"))
    sections = np.bincount(tat.dst[oks], minlength=n_sc)[:n_sc]
    order = np.lexsort((np.arange(n_sc), -sections, -students))[:rows]
    ids = g.ids("school")
    body = [[_school_cell(g, pol, str(ids[i])), _n(students[i]), _n(teachers[i]),
             _n(sections[i])] for i in order.tolist()]
    return ('<section id="schools"><h2>Schools</h2>'
            '<p class="muted">Students and teachers counted at their primary school.'
            + (f" {_n(n_stub)} school{'s' if n_stub != 1 else ''} without a record "
               "(not delivered) are listed by id." if n_stub else "") + "</p>"
            + _table(["school", "students", "teachers", "sections"], body, numeric=(1, 2, 3))
            + _more(len(body), n_sc, "schools", "schools") + "</section>")


def _cross_school(report: Report, rows: int, named: bool = False) -> str:
    from .queries import cross_school_enrollments, cross_school_teaching, school_flow

    g = report.graph
    pol = report.policy
    parts = ['<section id="cross-school"><h2>Cross-school</h2>']
    flow = school_flow(g).sort_by("students", descending=True)
    parts.append(f"<h3>School flow: {_n(len(flow))} school pairs, "
                 f"{_n(flow['pairs'].sum() if len(flow) else 0)} enrollments</h3>")
    if len(flow):
        head = flow.head(rows)
        parts.append(_table(
            ["home school", "school of the section", "students", "enrollments"],
            [[_school_cell(g, pol, a), _school_cell(g, pol, b), _n(s), _n(p)]
             for a, b, p, s in head.select("primary_school", "school", "pairs", "students")],
            numeric=(2, 3)))
        parts.append(_more(len(head), len(flow), "school pairs", "flow"))
    for who, t in (("student", cross_school_enrollments(g)), ("teacher", cross_school_teaching(g))):
        n_people = len(np.unique(t[who])) if len(t) else 0
        conflicts = int((~t["in_schools"].astype(bool)).sum()) if len(t) else 0
        parts.append(f"<h3>Cross-school {'enrollments' if who == 'student' else 'teaching'}: "
                     f"{_n(len(t))} ({who}, section) pairs, {_n(n_people)} {who}s, "
                     f"{_n(conflicts)} where the section's school is not among the {who}'s "
                     f"schools</h3>")
        if not len(t):
            parts.append('<p class="clean">None.</p>')
            continue
        head = t.head(rows)
        parts.append(_table(
            [who, "section", "school of the section", f"{who}'s primary school",
             f"listed in the {who}'s schools"],
            [[_person_cell(g, pol, named, u), _record_cell(g, pol, "section", s),
              _school_cell(g, pol, sc), _school_cell(g, pol, ps), "yes" if ok else "<b>no</b>"]
             for u, s, sc, ps, ok, *_ in head.select(who, "section", "school",
                                                     "primary_school", "in_schools")],
        ))
        parts.append(_more(len(head), len(t), "pairs", who))
    parts.append("</section>")
    return "".join(parts)


def _orphans(report: Report, rows: int, named: bool = False) -> str:
    from .queries import orphaned_users

    g = report.graph
    pol = report.policy
    t = orphaned_users(g)
    counts: dict[tuple[str, str], int] = {}
    for role, reason in zip(t.to_list("role"), t.to_list("reason")):
        counts[(role, reason)] = counts.get((role, reason), 0) + 1
    parts = [f'<section id="orphans"><h2>Orphaned users: {_n(len(t))}</h2>',
             '<p class="muted">A (user, role) whose role links the user to no one.</p>']
    if not len(t):
        parts.append('<p class="clean">None.</p></section>')
        return "".join(parts)
    parts.append(_table(["role", "reason", "users"],
                        [[_t(r), _t(why), _n(n)] for (r, why), n in sorted(counts.items())],
                        numeric=(2,)))
    head = t.head(rows)
    parts.append(_table(["user", "role", "reason"],
                        [[_person_cell(g, pol, named, u), _t(r), _t(why)]
                         for u, r, why in head]))
    parts.append(_more(len(head), len(t), "orphaned (user, role) rows", "orphans"))
    parts.append("</section>")
    return "".join(parts)


def _stubs(report: Report, rows: int) -> str:
    g = report.graph
    pol = report.policy
    t: Table = g.stubs()
    parts = [f'<section id="stubs"><h2>Missing records: {_n(len(t))}</h2>',
             ('<p class="muted">Ids that records refer to but that have no record '
              "(see RG-REF-001).</p>")]
    if not len(t):
        parts.append('<p class="clean">None.</p></section>')
        return "".join(parts)
    head = t.head(rows)
    parts.append(_table(["kind", "id", "relation", "referenced by"],
                        [[_t(k), f'<span class="id">{_t(pol.id(i))}</span>', _t(r), _n(n)]
                         for k, i, r, n in head], numeric=(3,)))
    parts.append(_more(len(head), len(t), "missing records", "stubs"))
    parts.append("</section>")
    return "".join(parts)


def _provenance(report: Report, rows: int) -> str:
    prov = report.provenance()
    pol = report.policy
    facts = [["source", f"<code>{_t(pol.text(prov['source']))}</code>"],
             ["format", _t(prov["format"] + (f" {prov['version']}" if prov["version"] else ""))],
             ["loaded at", _t(prov["loaded_at"])],
             ["load time", _t(f"{prov['load_seconds']} s")],
             ["validation time", _t(f"{report.seconds:.3f} s")]]
    facts += [["note", _t(pol.text(n))] for n in prov["notes"][:rows]]
    files = prov["files"]
    parts = ['<section id="provenance"><h2>Provenance</h2>', _table(["", ""], facts)]
    if files:
        parts.append(_table(["file", "kind", "bytes", "sha256"],
                            [[_t(pol.text(f["path"])), _t(f["kind"] or ""), _n(f["size"]),
                              f"<code>{_t(f['sha256'])}</code>"] for f in files[:rows]],
                            numeric=(2,)))
        parts.append(_more(min(len(files), rows), len(files), "files"))
    parts.append("</section>")
    return "".join(parts)


# --- entry point -------------------------------------------------------------------------


def render_html(report: Report, *, examples: int = 5, rows: int = DEFAULT_ROWS,
                privacy: str = "full", plots: bool = True, dpi: int = 100,
                title: str = "Roster validation report") -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    report:
        What :func:`rostergraph.validate` returned.
    examples:
        Findings shown per rule (the count shown is always exact).
    rows:
        Rows shown per table (schools, school flow, cross-school pairs,
        orphans, missing records); counts are always exact.
    privacy:
        The privacy mode, printed at the top of the page. ``"full"`` (the
        default) shows record ids as the report's
        :class:`~rostergraph.report.TextPolicy` renders them.
    plots:
        Embed the plots (PNG); ``False`` makes a text-only page.
    dpi:
        Resolution of the embedded plots.
    title:
        The page's title and heading.

    Returns
    -------
    str
        The HTML text (UTF-8 when written), with no script, no external
        reference and a Content-Security-Policy that allows only the inline
        style and the embedded images.

    Raises
    ------
    ValueError
        For a negative ``examples`` or ``rows``.

    Examples
    --------
    >>> import rostergraph
    >>> report = rostergraph.validate(rostergraph.sample())
    >>> page = render_html(report, plots=False, rows=5)
    >>> "<script" in page, 'id="findings"' in page
    (False, True)
    """
    if examples < 0 or rows < 0:
        raise ValueError("examples and rows must be 0 or more")
    named = people_named(report, privacy)
    body = [
        _header(report, privacy, title), _nav(), "<main>", _summary(report),
        _plots(report, dpi) if plots else "", _findings(report, examples),
        _schools(report, rows), _cross_school(report, rows, named),
        _orphans(report, rows, named),
        _stubs(report, rows), _provenance(report, rows), "</main>",
        ("<footer>rostergraph HTML report · self-contained: no scripts, no external "
         "requests</footer>"),
    ]
    return exports_in_privacy("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="referrer" content="no-referrer">'
            f"<title>{_t(title)}</title><style>{_CSS}</style></head><body>"
            + "".join(body) + "</body></html>\n", privacy, _t)
