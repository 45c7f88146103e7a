"""Report: a validation run's summary, findings and provenance, with renderers.

:func:`rostergraph.validate` returns a :class:`Report`. It renders to plain
text (:meth:`Report.to_text`), Markdown (:meth:`Report.to_markdown`) and JSON
(:meth:`Report.to_json`, schema below), and lists every finding as a
:class:`~rostergraph.table.Table` (:meth:`Report.findings_table`).

Privacy: a report shows record ids, counts, field paths and enum values,
never names, emails or dates of birth (rules never put them in findings).
Every string a renderer writes passes through one :class:`TextPolicy`
(``Report.policy``); a redaction or pseudonym policy is a subclass that
overrides :meth:`TextPolicy.id` (and, if needed, :meth:`TextPolicy.message`).

JSON schema (``schema_version`` 1; keys are stable, new keys may be added
without a version bump, a removed or re-typed key bumps it)::

    {
      "schema_version": 1,
      "tool": {"name": "rostergraph", "version": str},
      "provenance": {"source": str, "format": str, "version": str|null,
                     "loaded_at": str, "load_seconds": float, "notes": [str],
                     "files": [{"path": str, "size": int, "sha256": str, "kind": str|null}]},
      "summary": {"records": {kind: int}, "stub_nodes": {kind: int},
                  "roles": {role: int}, "relations": {relation: int},
                  "problems": {code: int},
                  "aggregates": {name: [row, ...]},    # rostergraph.queries.summary tables
                  "cross_school": {"students": int, "student_pairs": int,
                                   "student_conflicts": int, "teachers": int,
                                   "teacher_pairs": int, "teacher_conflicts": int},
                  "orphans": {role: int},              # student, teacher, staff, contact
                  "delivery": [row, ...],              # rostergraph.delivery
                  "coverage": [row, ...],              # rostergraph.coverage
                  "gaps": [str]},                      # one line per gap; [] when complete
      "validation": {"seconds": float, "rules_run": int,
                     "counts": {"error": int, "warning": int, "info": int},
                     "worst": "error"|"warning"|"info"|null},
      "rules": [{"id": str, "severity": str, "title": str, "anchor": str,
                 "count": int}],                       # every rule that ran
      "findings": [{"rule": str, "severity": str, "kind": str, "ids": [str],
                    "message": str, "values": {str: any}}]   # all, sorted
    }

Examples
--------
>>> import rostergraph
>>> report = rostergraph.validate(rostergraph.sample())
>>> import json
>>> json.loads(report.to_json())["schema_version"]
1
>>> report.findings_table().columns
['rule', 'severity', 'kind', 'id', 'ids', 'message', 'values']
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from itertools import chain, compress, repeat
from typing import TYPE_CHECKING, Any

import numpy as np

from .report_md import source_date_epoch
from .roster import is_cache_note
from .rules._util import gc_paused
from .rules.findings import Findings
from .rules.registry import SEVERITIES, Finding, Rule, severity_rank
from .safety import json_dumps, markdown_text, printable_texts, terminal_text
from .table import Table

if TYPE_CHECKING:
    from .graph import RosterGraph

__all__ = ["ID_VALUE_KEYS", "SCHEMA_VERSION", "Report", "TextPolicy", "record_ids"]

#: Version of the JSON layout of :meth:`Report.to_json`.
SCHEMA_VERSION = 1
#: Examples shown per rule by the text and Markdown renderers.
DEFAULT_EXAMPLES = 5


#: Keys of ``Finding.values`` whose values are record ids (shown via ``TextPolicy.id``).
ID_VALUE_KEYS = frozenset({"teacher", "teachers_0", "missing", "student", "user", "school",
                           "section", "primary_school"})


def record_ids(finding: Finding) -> set[str]:
    """Every record id a finding mentions: its ``ids`` and id-valued ``values``.

    Examples
    --------
    >>> f = Finding("RG-SEC-002", "error", "section", ("s1", "t2"), "m", {"teachers_0": "t1"})
    >>> sorted(record_ids(f))
    ['s1', 't1', 't2']
    """
    out = set(finding.ids)
    for k in ID_VALUE_KEYS & finding.values.keys():
        v = finding.values[k]
        if isinstance(v, str):
            out.add(v)
    return out


def _escape(s: str) -> str:
    return terminal_text(s)


class TextPolicy:
    """The one place every string of a rendered report passes through.

    The default shows ids and messages as they are, with control characters
    escaped (so a bad id cannot break a terminal or a Markdown table).
    Subclass it to redact or pseudonymize: override :meth:`id`; the default
    :meth:`message` already replaces each of a finding's ids in its message
    by ``self.id(...)`` when :meth:`id` changes them.

    Examples
    --------
    >>> TextPolicy().id("u1\\x07")
    'u1\\\\x07'
    >>> class Hide(TextPolicy):
    ...     def id(self, value):
    ...         return "#" * len(value)
    >>> f = Finding("RG-X-001", "info", "user", ("u1",), "user u1 is odd")
    >>> Hide().message(f)
    'user ## is odd'
    """

    def id(self, value: str) -> str:
        """How a record id is shown."""
        return _escape(value)

    def text(self, value: str) -> str:
        """How any other free text (messages, titles, values) is shown."""
        return _escape(value)

    def message(self, finding: Finding) -> str:
        """How a finding's message is shown (its ids passed through :meth:`id`)."""
        msg = finding.message
        if type(self).id is not TextPolicy.id:
            ids = sorted(record_ids(finding), key=len, reverse=True)
            if ids:
                # whole ids only: "u1" must not be replaced inside "u10" or "hu1t"
                rx = re.compile("(?<![\\w-])(?:" + "|".join(map(re.escape, ids)) + ")(?![\\w-])")
                msg = rx.sub(lambda m: self.id(m.group()), msg)
        return self.text(msg)

    def value(self, key: str, value: Any) -> Any:
        """A finding's ``values[key]``, for JSON: record ids via :meth:`id`, other
        strings via :meth:`text`."""
        if isinstance(value, str):
            return self.id(value) if key in ID_VALUE_KEYS else self.text(value)
        if isinstance(value, (list, tuple)):
            return [self.value(key, v) for v in value]
        return value


_PLAIN_VALUE_TYPES = frozenset({str, int, float, bool, type(None)})


def _policy_columns(pol: TextPolicy, fs: Findings) -> dict[str, list[Any]]:
    """The findings' columns as the policy shows them: ``rule``, ``severity``, ``kind``,
    ``ids`` (lists), ``message`` and ``values`` (dicts).

    With the default policy, whose only change is escaping unprintable characters, a
    column whose strings are all printable is taken as it is (one search over the whole
    column); only the columns that hold something to change go value by value."""
    ids = fs.column("ids").tolist()
    vals = fs.column("values").tolist()
    out: dict[str, list[Any]] = {k: fs.column(k).tolist() for k in ("rule", "severity", "kind")}
    default = (type(pol).id is TextPolicy.id and type(pol).text is TextPolicy.text
               and type(pol).value is TextPolicy.value)
    if default and type(pol).message is TextPolicy.message:
        messages = fs.column("message").tolist()
        out["message"] = messages if printable_texts(messages) else list(map(pol.text, messages))
    elif type(pol).message is TextPolicy.message and type(pol).id is TextPolicy.id:
        out["message"] = [pol.text(m) for m in fs.column("message").tolist()]
    else:  # a policy may look at the whole finding
        out["message"] = [pol.message(f) for f in fs]
    flat = list(chain.from_iterable(ids))
    if default and printable_texts(flat):
        out["ids"] = list(map(list, ids))
    else:
        out["ids"] = [[pol.id(x) for x in i] for i in ids]
    every = list(chain.from_iterable(map(dict.values, vals)))
    if (default and set(map(type, every)) <= _PLAIN_VALUE_TYPES
            and printable_texts(list(compress(every, map(isinstance, every, repeat(str)))))):
        out["values"] = vals  # (fresh dicts: nothing else holds them)
    else:
        value = pol.value
        out["values"] = [{n: value(n, v) for n, v in d.items()} for d in vals]
    return out


def _cross_school_counts(g: RosterGraph) -> dict[str, int]:
    """Distinct users and (user, section) pairs crossing schools, and the conflicts
    (section's school not in the user's ``schools``), from the cross-school queries."""
    from .queries import cross_school_enrollments, cross_school_teaching

    out: dict[str, int] = {}
    for who, t in (("student", cross_school_enrollments(g)),
                   ("teacher", cross_school_teaching(g))):
        out[f"{who}s"] = len(set(t[who].tolist()))
        out[f"{who}_pairs"] = len(t)
        out[f"{who}_conflicts"] = int((~t["in_schools"]).sum())
    return out


def _orphan_counts(g: RosterGraph) -> dict[str, int]:
    """Orphaned users per role, from :func:`rostergraph.queries.orphaned_users`."""
    from .queries import orphaned_users

    roles = orphaned_users(g)["role"].tolist()
    return {r: roles.count(r) for r in ("student", "teacher", "staff", "contact")}


def _n(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _weighted_stats(values: np.ndarray, weights: np.ndarray) -> dict[str, float | int]:
    n = int(weights.sum())
    if n == 0:
        return {"n": 0}
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    median = v[int(np.searchsorted(cum, (n + 1) // 2))]
    return {"n": n, "min": int(v[0]), "median": int(median), "max": int(v[-1]),
            "mean": round(float((v * w).sum() / n), 2)}


def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class Report:
    """The result of :func:`rostergraph.validate`.

    Attributes
    ----------
    graph, roster
        What was validated.
    findings
        Every finding, sorted by rule, kind, ids, message: a
        :class:`~rostergraph.rules.findings.Findings` table (a sequence of
        :class:`Finding` made on access, with counts and selection by rule and
        severity). Renderers read counts and the first examples per rule from it;
        only JSON and :meth:`findings_table` make every finding.
    rules
        The rules that ran (selection applied), in catalogue order.
    seconds
        Time the rules took.
    policy
        The :class:`TextPolicy` every renderer passes its text through.

    Examples
    --------
    >>> import rostergraph
    >>> report = rostergraph.validate(rostergraph.sample(), select="RG-SEC-001")
    >>> [r.id for r in report.rules]
    ['RG-SEC-001']
    >>> report.to_markdown().splitlines()[0]
    '# Roster validation report'
    """

    def __init__(self, graph: RosterGraph, findings: Findings | Sequence[Finding],
                 rules: Sequence[Rule],
                 *, seconds: float = 0.0, policy: TextPolicy | None = None) -> None:
        self.graph = graph
        self.roster = graph.roster
        self.findings = (findings if isinstance(findings, Findings)
                         else Findings.from_findings(findings))
        self.rules = list(rules)
        self.seconds = 0.0 if source_date_epoch() is not None else seconds
        self.policy = policy or TextPolicy()
        self._summary: dict[str, Any] | None = None

    # -- facts ----------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Findings per severity (every severity present, zeros included).

        Examples
        --------
        >>> import rostergraph
        >>> rostergraph.validate(rostergraph.sample(), select="RG-SEC-001").counts()
        {'error': 1, 'warning': 0, 'info': 0}
        """
        return self.findings.counts_by_severity()

    def worst(self) -> str | None:
        """The most severe severity among the findings, or ``None``."""
        c = self.counts()
        return next((s for s in SEVERITIES if c[s]), None)

    def failed(self, fail_on: str = "error") -> bool:
        """Is there a finding at or above ``fail_on`` (``never`` never fails)?

        Examples
        --------
        >>> import rostergraph
        >>> rostergraph.validate(rostergraph.sample()).failed("never")
        False
        """
        if fail_on == "never":
            return False
        limit = severity_rank(fail_on)
        return any(n for s, n in self.counts().items() if severity_rank(s) <= limit)

    def by_rule(self) -> dict[str, Findings]:
        """Rule id → its findings (a :class:`Findings` view), for every rule that ran
        (empty ones included), then any other rule with findings.

        Examples
        --------
        >>> import rostergraph
        >>> r = rostergraph.validate(rostergraph.sample(), select="RG-TRM")
        >>> {k: len(v) for k, v in r.by_rule().items()}
        {'RG-TRM-001': 1, 'RG-TRM-002': 2}
        """
        empty = self.findings[0:0]
        out: dict[str, Findings] = {r.id: empty for r in self.rules}
        out.update(self.findings.by_rule())
        return out

    def summary(self) -> dict[str, Any]:
        """Counts by kind, role and relation, stub nodes, load problems and the
        :func:`rostergraph.queries.summary` aggregates (as lists of row dicts)."""
        if self._summary is None:
            from .completeness import coverage, delivery, gap_lines
            from .queries import summary as query_summary

            g = self.graph
            problems: dict[str, int] = {}
            for p in self.roster.problems:
                problems[p.code] = problems.get(p.code, 0) + 1
            aggregates = {name: t.to_dicts() for name, t in query_summary(g).items()}
            self._summary = {
                "records": g.counts(), "stub_nodes": g.stub_counts(),
                "roles": g.role_counts(), "relations": g.relation_counts(),
                "problems": dict(sorted(problems.items())), "aggregates": aggregates,
                "cross_school": _cross_school_counts(g), "orphans": _orphan_counts(g),
                "delivery": delivery(g).to_dicts(), "coverage": coverage(g).to_dicts(),
                "gaps": gap_lines(g),
            }
        return self._summary

    def provenance(self) -> dict[str, Any]:
        """Where the roster came from (source, format, files with SHA-256, load time)."""
        p = self.roster.provenance
        epoch = source_date_epoch()
        return {"source": p.source, "format": p.format, "version": p.version,
                "loaded_at": p.loaded_at if epoch is None else _iso(epoch),
                "load_seconds": round(p.seconds, 3) if epoch is None else 0.0,
                "notes": [n for n in p.notes if not is_cache_note(n)],  # same warm or cold
                "files": [{"path": f.path, "size": f.size, "sha256": f.sha256, "kind": f.kind}
                          for f in p.files]}

    def _distributions(self) -> dict[str, dict[str, float | int]]:
        agg = self.summary()["aggregates"]
        out = {}
        for name, value_col, count_col in (("section_sizes", "students", "sections"),
                                           ("teachers_per_section", "teachers", "sections"),
                                           ("reach_set_sizes", "students", "teachers")):
            rows = agg.get(name) or []
            out[name] = _weighted_stats(np.array([r[value_col] for r in rows], dtype=np.int64),
                                        np.array([r[count_col] for r in rows], dtype=np.int64))
        return out

    # -- renderers ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the schema in the module docstring)."""
        from ._version import __version__

        pol = self.policy
        per_rule = self.findings.counts_by_rule()
        prov = self.provenance()
        prov["notes"] = [pol.text(n) for n in prov["notes"]]  # notes name ids too
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "rostergraph", "version": __version__},
            "provenance": prov,
            "summary": self.summary(),
            "validation": {"seconds": round(self.seconds, 3), "rules_run": len(self.rules),
                           "counts": self.counts(), "worst": self.worst()},
            "rules": [{"id": r.id, "severity": r.severity, "title": r.title,
                       "anchor": r.anchor, "count": per_rule.get(r.id, 0)}
                      for r in self.rules],
            "findings": self._finding_dicts(),
        }

    def _finding_dicts(self) -> list[dict[str, Any]]:
        """Every finding as a JSON-ready dict, read from the table's columns (a Finding is
        made per row only when the policy rewrites messages itself)."""
        cols = _policy_columns(self.policy, self.findings)
        keys = ("rule", "severity", "kind", "ids", "message", "values")
        return list(map(dict, map(zip, repeat(keys), zip(*(cols[k] for k in keys)))))

    def to_json(self, *, indent: bool = True) -> str:
        """The report as JSON text (see the module docstring for the schema)."""
        with gc_paused():  # json_dumps: a lone surrogate (a path, an id) stays valid JSON
            return json_dumps(self.to_dict(), indent=indent)

    def _header_facts(self, md: bool = False) -> list[tuple[str, str]]:
        prov, s = self.provenance(), self.summary()
        c = self.counts()
        # a question the roster cannot answer shows why, never a count of 0
        cannot = {r["question"]: f"cannot answer ({r['note']})" for r in s["coverage"]
                  if r["status"] == "cannot_answer"}
        src = self.policy.text(prov["source"])
        return [
            ("source", f"{markdown_text(src) if md else src} ({prov['format']})"),
            ("records", ", ".join(f"{v:,} {k}s" for k, v in s["records"].items())),
            ("users by role", ", ".join(f"{v:,} {k}" for k, v in s["roles"].items())),
            ("stub nodes", ", ".join(f"{v:,} {k}" for k, v in s["stub_nodes"].items() if v)
             or "none"),
            ("load problems", ", ".join(f"{v:,} {k}" for k, v in s["problems"].items())
             or "none"),
            ("cross-school", cannot.get("cross_school_enrollments") or (
                              f"{_n(s['cross_school']['students'], 'student')} "
                              f"({_n(s['cross_school']['student_pairs'], 'enrollment')}, "
                              f"{s['cross_school']['student_conflicts']:,} outside their "
                              f"schools), {_n(s['cross_school']['teachers'], 'teacher')} "
                              f"({_n(s['cross_school']['teacher_pairs'], 'section')} taught, "
                              f"{s['cross_school']['teacher_conflicts']:,} outside)")),
            ("orphans", cannot.get("orphaned_users")
             or ", ".join(f"{v:,} {k}" for k, v in s["orphans"].items())),
            ("gaps", "; ".join(s["gaps"]) or "none"),
            ("findings", (f"{_n(c['error'], 'error')}, {_n(c['warning'], 'warning')}, "
                         f"{c['info']:,} info from {_n(len(self.rules), 'rule')} "
                         f"in {self.seconds:.2f} s")),
        ]

    def _dist_lines(self) -> list[tuple[str, str]]:
        out = []
        for name, st in self._distributions().items():
            label = name.replace("_", " ")
            if st.get("n"):
                out.append((label, (f"min {st['min']}, median {st['median']}, max {st['max']}, "
                                   f"mean {st['mean']} (over {st['n']:,})")))
        return out

    def to_text(self, *, examples: int = DEFAULT_EXAMPLES) -> str:
        """A plain-text report: summary, then each rule with findings and its first examples.

        Examples
        --------
        >>> import rostergraph
        >>> text = rostergraph.validate(rostergraph.sample(), select="RG-TRM").to_text()
        >>> text.splitlines()[0]
        'rostergraph validation report'
        """
        pol = self.policy
        lines = ["rostergraph validation report", ""]
        lines += [f"{k}: {v}" for k, v in self._header_facts() + self._dist_lines()]
        rules = {r.id: r for r in self.rules}
        per_rule = self.by_rule()
        for rid, fs in per_rule.items():
            if not fs:
                continue
            r = rules.get(rid)
            title = r.title if r else ""
            sev = r.severity if r else fs[0].severity
            lines += ["", f"{rid} [{sev}] {pol.text(title)}: {len(fs):,}"]
            lines += [f"  - {pol.message(f)}" for f in fs[:examples]]
            if len(fs) > examples:
                lines.append(f"  ... and {len(fs) - examples:,} more")
        clean = [r.id for r in self.rules if not per_rule.get(r.id)]
        if clean:
            lines += ["", f"no findings: {', '.join(clean)}"]
        return "\n".join(lines) + "\n"

    def to_markdown(self, *, examples: int = DEFAULT_EXAMPLES, rows: int = 50,
                    privacy: str | None = None) -> str:
        """A Markdown report with the HTML page's sections in its order: summary, plots
        (a pointer to the HTML page), findings per rule (why it matters, how to fix, first
        examples), schools, cross-school, orphans, missing records, provenance. See
        :func:`rostergraph.report_md.render_markdown`.

        Examples
        --------
        >>> import rostergraph
        >>> md = rostergraph.validate(rostergraph.sample()).to_markdown()
        >>> "## Findings" in md and "## Provenance" in md and "*How to fix:*" in md
        True
        """
        from .report_md import render_markdown

        if privacy is None:
            privacy = getattr(getattr(self.policy, "privacy", None), "mode", "full")
        return render_markdown(self, examples=examples, rows=rows, privacy=privacy)

    def to_html(self, *, examples: int = DEFAULT_EXAMPLES, rows: int = 50,
                privacy: str | None = None, plots: bool = True) -> str:
        """A self-contained HTML page: summary, plots, findings with examples, schools,
        cross-school, orphan and missing-record tables, provenance (no scripts, no
        external requests). See :func:`rostergraph.report_html.render_html`.
        ``privacy`` (shown at the top) defaults to the mode of the
        :class:`~rostergraph.privacy.PrivacyPolicy` the report was set to, else ``full``.

        Examples
        --------
        >>> import rostergraph
        >>> page = rostergraph.validate(rostergraph.sample()).to_html(plots=False)
        >>> page.startswith("<!DOCTYPE html>")
        True
        """
        from .report_html import render_html

        if privacy is None:
            privacy = getattr(getattr(self.policy, "privacy", None), "mode", "full")
        return render_html(self, examples=examples, rows=rows, privacy=privacy, plots=plots)

    def findings_table(self) -> Table:
        """Every finding as a Table: ``rule, severity, kind, id`` (the first id, ``""``
        when none), ``ids`` (every id, a list of str), ``message`` and ``values`` (the
        finding's facts, a dict: field, value, missing id...).

        The report's privacy policy applies to ``id``, ``ids`` and the id-valued
        ``values`` alike, as in :meth:`to_json`. In CSV (:meth:`Table.to_csv`) a
        list or dict cell is written as JSON text (``["u1","u2"]``); pandas keeps
        them as Python lists and dicts; Arrow, polars and DuckDB get ``ids`` as a
        list column and ``values`` as JSON text (their keys and types vary by rule).

        Examples
        --------
        >>> import rostergraph
        >>> t = rostergraph.validate(rostergraph.sample()).findings_table()
        >>> t.columns
        ['rule', 'severity', 'kind', 'id', 'ids', 'message', 'values']
        >>> row = t.filter(rule="RG-REF-001").to_dicts()[0]
        >>> row["ids"][0] == row["id"], sorted(row["values"])
        (True, ['field', 'missing', 'missing_kind', 'relation'])
        >>> print(t.filter(rule="RG-REF-001").head(1).select("ids").to_csv(), end="")
        ids
        "[""5f7a5ec00000000000000005"",""5f7ac0c00000000000000099""]"
        """
        pol = self.policy
        fs = self.findings
        with gc_paused():
            return self._findings_table(pol, fs)

    @staticmethod
    def _findings_table(pol: TextPolicy, fs: Findings) -> Table:
        cols = _policy_columns(pol, fs)
        return Table({
            "rule": cols["rule"], "severity": cols["severity"], "kind": cols["kind"],
            "id": [i[0] if i else "" for i in cols["ids"]], "ids": cols["ids"],
            "message": cols["message"], "values": cols["values"],
        }, name="findings")

    def __repr__(self) -> str:
        c = self.counts()
        return (f"<Report {c['error']} errors, {c['warning']} warnings, {c['info']} info "
                f"from {len(self.rules)} rules>")

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(self.to_text()) + "</pre>"
