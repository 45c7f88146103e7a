"""The Markdown report, section for section the same as the HTML page.

Both renderers take their section list (:data:`SECTIONS`), the order of the
rules' findings (:func:`finding_order`) and the commands that export a whole
table (:func:`export_command`) from here, so a Markdown report and an HTML
report of the same roster carry the same sections in the same order. A table
cut after its first rows says how to get every row (with the report's privacy); each rule with
findings says why it matters and how to fix it (``rostergraph/data/rules.json``,
shipped with the package, so nothing links to a file outside it).

Examples
--------
>>> import rostergraph
>>> md = rostergraph.validate(rostergraph.sample()).to_markdown()
>>> [line[3:].split(":")[0] for line in md.splitlines() if line.startswith("## ")]
['Summary', 'Plots', 'Findings', 'Schools', 'Cross-school', 'Orphaned users', 'Missing records', 'Provenance']
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .safety import markdown_text

if TYPE_CHECKING:
    from .report import Report

__all__ = ["EXPORTS", "SECTIONS", "export_command", "finding_order", "people_named",
           "privacy_note", "render_markdown", "source_date_epoch"]

#: (anchor, heading) of every report section, in order (HTML and Markdown).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"), ("plots", "Plots"), ("findings", "Findings"),
    ("schools", "Schools"), ("cross-school", "Cross-school"), ("orphans", "Orphaned users"),
    ("stubs", "Missing records"), ("provenance", "Provenance"))

#: The command that writes every row of a report table (``PATH``: the roster).
EXPORTS: dict[str, str] = {
    "findings": "rostergraph validate PATH --format json -o findings.json",
    "schools": "rostergraph list schools PATH --format csv > schools.csv",
    "flow": "rostergraph query cross-school PATH --flow --format csv > school-flow.csv",
    "student": "rostergraph query cross-school PATH --format csv > cross-school.csv",
    "teacher": "rostergraph query cross-school PATH --teachers --format csv > "
               "cross-school-teaching.csv",
    "orphans": "rostergraph query orphans PATH --format csv > orphans.csv",
    "stubs": "python -c \"import rostergraph as rg; rg.RosterGraph.from_roster("
             "rg.load('PATH')).stubs().to_csv('missing.csv')\"",
}


def people_named(report: Report, privacy: str = "full") -> bool:
    """Do the report's tables show people's names (``full`` privacy only)?"""
    mode = getattr(getattr(report.policy, "privacy", None), "mode", "full")
    return privacy == "full" and mode == "full"


def privacy_note(privacy: str, report: Report) -> str:
    """What the report shows of people under its privacy mode (the banner's text)."""
    if people_named(report, privacy):
        return ("people are shown by name and record id; no emails, dates of birth or "
                "demographics")
    if privacy == "pseudonymized":
        return ("people are shown by keyed pseudonym only: no names, emails, dates of birth "
                "or real person ids")
    return "people are shown by record id only; no names, emails or dates of birth"


def source_date_epoch() -> int | None:
    """``$SOURCE_DATE_EPOCH`` as an int, when set to one (else ``None``).

    With it set (the reproducible-builds convention), reports state that time as
    the load and generation time and zero durations, so the same input gives
    byte-identical reports.

    Examples
    --------
    >>> import os
    >>> os.environ["SOURCE_DATE_EPOCH"] = "0"
    >>> source_date_epoch()
    0
    >>> del os.environ["SOURCE_DATE_EPOCH"]
    """
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(raw) if raw.isdigit() else None


def export_command(table: str) -> str:
    """The command that exports every row of a report table (see :data:`EXPORTS`).

    Examples
    --------
    >>> export_command("orphans")
    'rostergraph query orphans PATH --format csv > orphans.csv'
    """
    return EXPORTS[table]


def exports_in_privacy(text: str, privacy: str, escape: Callable[[str], str] = str) -> str:
    """``text`` (a rendered report) with each export command (as ``escape`` makes it, as
    the report writes it) given the report's privacy option: a command printed in a redacted or
    pseudonymized report, run as printed, would give every name the report hid.

    >>> exports_in_privacy("`" + export_command("orphans") + "`", "redacted")
    '`rostergraph query orphans PATH --privacy redacted --format csv > orphans.csv`'
    """
    if privacy == "full":
        return text
    option = f" --privacy {privacy}" + (" --pseudonym-key-env NAME" if privacy ==
                                        "pseudonymized" else "")
    for cmd in EXPORTS.values():
        if cmd.startswith("rostergraph "):
            text = text.replace(escape(cmd), escape(cmd.replace(" PATH", " PATH" + option, 1)))
    return text


def finding_order(report: Report) -> list[str]:
    """Rule ids as the reports list them: rules with findings first, by severity
    (errors first), then by count (most first), then by id.

    Examples
    --------
    >>> import rostergraph
    >>> finding_order(rostergraph.validate(rostergraph.sample()))[0].startswith("RG-")
    True
    """
    from .rules.registry import severity_rank

    per_rule = report.by_rule()
    rules = {r.id: r for r in report.rules}
    sev = {rid: (rules[rid].severity if rid in rules else (fs[0].severity if fs else "info"))
           for rid, fs in per_rule.items()}
    return sorted(per_rule, key=lambda rid: (not per_rule[rid], severity_rank(sev[rid]),
                                             -len(per_rule[rid]), rid))


def _cell(s: Any) -> str:
    """Data as one literal table cell: never a link, an image, HTML or a cell break."""
    return "" if s is None else markdown_text(s)


def _own(s: Any) -> str:
    """The report's own text (rule titles) as one table cell: only cell breaks escaped."""
    return ("" if s is None else str(s)).replace("|", "\\|").replace("\n", " ")


def _more(shown: int, total: int, what: str, table: str) -> list[str]:
    if total <= shown:
        return []
    return ["", (f"Showing the first {shown:,} of {total:,} {what}. Every row "
                f"(PATH: the roster this report was made from): `{export_command(table)}`")]


def _named(g: Any, pol: Any, kind: str, record_id: str) -> str:
    from .labels import _KIND_MAP, label_of

    name = label_of(getattr(g.roster, _KIND_MAP[kind]).get(record_id), kind)
    ident = _cell(pol.id(record_id))  # (no code span: an id may hold a backtick)
    return f"{_cell(pol.text(name))} ({ident})" if name else ident


def _person(g: Any, pol: Any, named: bool, user_id: str) -> str:
    from .labels import label_of

    ident = _cell(pol.id(user_id))
    name = label_of(g.roster.users.get(user_id), "user") if named else None
    return f"{_cell(name)} ({ident})" if name else ident


def _table(headers: list[str], rows: list[list[str]], right: tuple[int, ...] = ()) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|"]
    return lines + ["| " + " | ".join(r) + " |" for r in rows]


def _findings(report: Report, examples: int) -> list[str]:
    from .rules.explain import explanations

    pol = report.policy
    per_rule = report.by_rule()
    rules = {r.id: r for r in report.rules}
    order = finding_order(report)
    explained = explanations()
    out = ["## Findings", ""]
    rows = [[rid, rules[rid].severity if rid in rules else per_rule[rid][0].severity,
             _own(pol.text(rules[rid].title if rid in rules else "")), f"{len(per_rule[rid]):,}"]
            for rid in order if per_rule[rid]]
    out += _table(["rule", "severity", "title", "findings"], rows, (3,)) if rows else \
        ["No findings."]
    clean = sorted(rid for rid in order if not per_rule[rid])
    if clean:
        out += ["", f"No findings from {len(clean)} rule{'' if len(clean) == 1 else 's'}: "
                + ", ".join(f"`{rid}`" for rid in clean) + "."]
    for rid in order:
        fs = per_rule[rid]
        if not fs:
            continue
        title = pol.text(rules[rid].title) if rid in rules else ""
        out += ["", f"### {rid}: {_own(title)} ({len(fs):,} finding{'s' if len(fs) != 1 else ''})",
                ""]
        e = explained.get(rid)
        if e is not None:
            out += [f"*Why it matters:* {e.why}", "", f"*How to fix:* {e.fix}", ""]
        out += [f"- {_cell(pol.message(f))}" for f in fs[:examples]]
        out += _more(min(examples, len(fs)), len(fs), f"findings of {rid}", "findings")
    return out


def _schools(report: Report, rows: int) -> list[str]:
    from .listing import list_records

    g, pol = report.graph, report.policy
    t = list_records(g, "schools")
    out = ["## Schools", ""]
    if not len(t):
        return out + ["No schools."]
    order = np.lexsort((np.arange(len(t)), -t["sections"], -t["students"]))
    head = t[order[:rows]]
    body = [[_named(g, pol, "school", s), f"{a:,}", f"{b:,}", f"{c:,}"]
            for s, _, a, b, c in head]
    out += ["Students and teachers counted at their primary school.", ""]
    out += _table(["school", "students", "teachers", "sections"], body, (1, 2, 3))
    return out + _more(len(head), len(t), "schools", "schools")


def _cross_school(report: Report, rows: int, named: bool) -> list[str]:
    from .queries import cross_school_enrollments, cross_school_teaching, school_flow

    g, pol = report.graph, report.policy
    out = ["## Cross-school", ""]
    flow = school_flow(g).sort_by("students", descending=True)
    out += [(f"### School flow: {len(flow):,} school pairs, "
            f"{int(flow['pairs'].sum()) if len(flow) else 0:,} enrollments"), ""]
    if len(flow):
        head = flow.head(rows)
        out += _table(["home school", "school of the section", "students", "enrollments"],
                      [[_named(g, pol, "school", a), _named(g, pol, "school", b), f"{s:,}",
                        f"{p:,}"] for a, b, p, s in
                       head.select("primary_school", "school", "pairs", "students")], (2, 3))
        out += _more(len(head), len(flow), "school pairs", "flow")
    for who, t in (("student", cross_school_enrollments(g)), ("teacher", cross_school_teaching(g))):
        people = len(np.unique(t[who])) if len(t) else 0
        conflicts = int((~t["in_schools"].astype(bool)).sum()) if len(t) else 0
        out += ["", (f"### Cross-school {'enrollments' if who == 'student' else 'teaching'}: "
                    f"{len(t):,} ({who}, section) pairs, {people:,} {who}s, {conflicts:,} where "
                    f"the section's school is not among the {who}'s schools"), ""]
        if not len(t):
            out.append("None.")
            continue
        head = t.head(rows)
        out += _table([who, "section", "school of the section", f"{who}'s primary school",
                       f"listed in the {who}'s schools"],
                      [[_person(g, pol, named, u), _named(g, pol, "section", s),
                        _named(g, pol, "school", sc), _named(g, pol, "school", ps),
                        "yes" if ok else "**no**"] for u, s, sc, ps, ok in
                       head.select(who, "section", "school", "primary_school", "in_schools")])
        out += _more(len(head), len(t), "pairs", who)
    return out


def _orphans(report: Report, rows: int, named: bool) -> list[str]:
    from .queries import orphaned_users

    g, pol = report.graph, report.policy
    t = orphaned_users(g)
    out = [f"## Orphaned users: {len(t):,}", "",
           "A (user, role) whose role links the user to no one.", ""]
    if not len(t):
        return out + ["None."]
    counts = t.value_counts("role", "reason").sort_by("role", "reason")
    out += _table(["role", "reason", "users"],
                  [[r, why, f"{n:,}"] for r, why, n in counts], (2,))
    head = t.head(rows)
    out += [""] + _table(["user", "role", "reason"],
                         [[_person(g, pol, named, u), r, why] for u, r, why in head])
    return out + _more(len(head), len(t), "orphaned (user, role) rows", "orphans")


def _stubs(report: Report, rows: int) -> list[str]:
    g, pol = report.graph, report.policy
    t = g.stubs()
    out = [f"## Missing records: {len(t):,}", "",
           "Ids that records refer to but that have no record (see RG-REF-001).", ""]
    if not len(t):
        return out + ["None."]
    head = t.head(rows)
    out += _table(["kind", "id", "relation", "referenced by"],
                  [[k, _cell(pol.id(i)), r, f"{n:,}"] for k, i, r, n in head], (3,))
    return out + _more(len(head), len(t), "missing records", "stubs")


def render_markdown(report: Report, *, examples: int = 5, rows: int = 50,
                    privacy: str = "full") -> str:
    """The report as Markdown: the HTML page's sections, in its order, without the plots.

    Parameters
    ----------
    report:
        A :class:`~rostergraph.report.Report`.
    examples:
        Findings shown per rule (counts are exact).
    rows:
        Rows shown per table; a longer table ends with the command that
        exports every row.
    privacy:
        The privacy mode; people's names are shown in ``"full"`` only.
    """
    pol = report.policy
    named = people_named(report, privacy)
    lines = ["# Roster validation report", "", (f"Privacy: {privacy}; "
             f"{privacy_note(privacy, report)}."), "", "## Summary", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {_cell(v)} |" for k, v in report._header_facts() + report._dist_lines()]
    lines += ["", "## Plots", "", ("The plots are in the HTML report: "
              "`rostergraph report PATH -o report.html`."), ""]
    lines += _findings(report, examples) + [""]
    lines += _schools(report, rows) + [""]
    lines += _cross_school(report, rows, named) + [""]
    lines += _orphans(report, rows, named) + [""]
    lines += _stubs(report, rows) + [""]
    prov = report.provenance()
    lines += ["## Provenance", "",
              f"- source: {_cell(pol.text(prov['source']))}",
              f"- format: {prov['format']}" + (f" {prov['version']}" if prov["version"] else ""),
              f"- loaded at: {prov['loaded_at']} ({prov['load_seconds']} s)"]
    if prov["files"]:
        lines += ["", "| file | bytes | sha256 |", "|---|---:|---|"]
        lines += [f"| {_cell(pol.text(f['path']))} | {f['size']:,} | `{f['sha256'][:16]}…` |"
                  for f in prov["files"]]
    return exports_in_privacy("\n".join(lines) + "\n", privacy)
