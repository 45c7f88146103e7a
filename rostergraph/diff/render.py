"""Render a diff as text, Markdown or JSON.

Output names records by id only. Every string taken from the data (ids,
keys, values, sources) is escaped for the output: control characters, escape
sequences and lone surrogates as visible ``\\xXX``/``\\uXXXX`` escapes in text
(:func:`rostergraph.safety.terminal_text`), Markdown syntax too in Markdown
(:func:`rostergraph.safety.markdown_text`); JSON is always valid UTF-8 JSON. Values of personal user fields (names,
emails, dates of birth, demographics, contact details) are never printed:
such a change shows as ``(changed)``; see
:func:`rostergraph.diff.fields.is_sensitive`.

Examples
--------
>>> import rostergraph
>>> r = rostergraph.sample()
>>> d = rostergraph.diff(r, r)
>>> render_diff(d, "markdown").splitlines()[0]
'# rostergraph diff: no changes'
>>> import json; json.loads(render_diff(d, "json"))["held"]
False
"""

from __future__ import annotations

import re
from typing import Any

from ..io.enrollcells import ENROLLMENT_CELLS_KEY
from ..safety import json_dumps, markdown_text, terminal_text
from .fields import ABSENT, FieldChange, is_sensitive

__all__ = ["FORMATS", "diff_data", "render_diff"]

#: The formats :func:`render_diff` writes.
FORMATS: tuple[str, ...] = ("text", "markdown", "json")


def _value(kind: str, fc: FieldChange, idmap: dict[str, str] | None = None,
           show: Any = None) -> str:
    if is_sensitive(kind, fc.path, fc.old, fc.new):
        return "(changed)"
    if show is None:
        show = _Show(False, None)
    idmap = idmap or {}
    o, n = fc.old, fc.new
    if isinstance(o, (list, ABSENT.__class__)) and isinstance(n, (list, ABSENT.__class__)) and \
            all(isinstance(x, str) for x in (o or []) + (n or [])):
        before, after = list(o or []), list(n or [])
        plus = [x for x in after if x not in set(before)]
        minus = [x for x in before if x not in set(after)]
        # a member replaced by its own re-identified id is not news
        moved = {x for x in minus if idmap.get(x) in set(plus)}
        plus = [x for x in plus if x not in {idmap[m] for m in moved}]
        minus = [x for x in minus if x not in moved]
        parts = [f"+{show.plain_id(x)}" for x in plus[:8]] + \
            [f"-{show.plain_id(x)}" for x in minus[:8]]
        if len(plus) > 8 or len(minus) > 8:
            parts.append("…")
        if moved:
            parts.append(f"({len(moved)} re-identified)")
        return " ".join(parts) if parts else "reordered"
    note = " (re-identified)" if isinstance(o, str) and idmap.get(o) == n else ""
    return f"{_short(show.text(o))} → {_short(show.text(n))}{note}"


def _short(v: Any, width: int = 60) -> str:
    s = v if isinstance(v, str) else json_dumps(v)
    return s if len(s) <= width else s[: width - 1] + "…"


def _n_changes(d: Any) -> int:
    return len(d.records()) + len(d.merges)


def diff_data(d: Any, *, thresholds: Any = None, impact: bool = True) -> dict[str, Any]:
    """Everything the renderers print, as JSON-ready data (personal values redacted).

    Examples
    --------
    >>> import rostergraph
    >>> r = rostergraph.sample()
    >>> sorted(diff_data(rostergraph.diff(r, r), impact=False))[:3]
    ['ambiguous', 'changes', 'findings']
    """
    changes = []
    for c in d.records():
        item: dict[str, Any] = {"kind": c.kind, "change": c.change, "old_id": c.old_id,
                                "new_id": c.new_id}
        if c.key:
            item["key"] = c.key
        if c.fields:
            item["fields"] = [
                {"field": f.field, "old": None if f.old is ABSENT or hide else f.old,
                 "new": None if f.new is ABSENT or hide else f.new,
                 **({"redacted": True} if hide else {})}
                for f in c.fields for hide in (is_sensitive(c.kind, f.path, f.old, f.new),)]
        changes.append(item)
    data: dict[str, Any] = {
        "old": {"source": d.old.provenance.source, "format": d.old.provenance.format},
        "new": {"source": d.new.provenance.source, "format": d.new.provenance.format},
        "ignored_fields": list(d.ignore),
        "summary": d.summary().to_dicts(),
        "changes": changes,
        "merges": [{"kind": m.kind, "change": m.change, "old_ids": list(m.old_ids),
                    "new_ids": list(m.new_ids), "key": m.key} for m in d.merges],
        "ambiguous": [{"kind": a.kind, "key": a.key, "old_ids": list(a.old_ids),
                       "new_ids": list(a.new_ids)} for a in d.ambiguous],
        "findings": [f.to_dict() for f in d.findings()],
    }
    holds = d.hold_reasons(thresholds) if impact else []
    data["holds"] = [h.to_dict() for h in holds]
    data["held"] = bool(holds)
    if impact:
        rc = d.reach_changes()
        data["reach"] = {
            "gained": int((rc["change"] == "gained").sum()) if len(rc) else 0,
            "lost": int((rc["change"] == "lost").sum()) if len(rc) else 0,
            "pairs": [dict(r, sections=list(r["sections"]), causes=list(r["causes"]))
                      for r in rc.to_dicts()],
        }
        data["primary_school_changes"] = d.primary_school_changes().to_dicts()
        data["orphan_changes"] = d.orphan_changes().to_dicts()
    return data


def render_diff(d: Any, format: str = "text", *, thresholds: Any = None, impact: bool = True,
                limit: int = 50, privacy: Any = None) -> str:
    """The diff as ``text``, ``markdown`` or ``json``.

    Parameters
    ----------
    d:
        A :class:`~rostergraph.diff.RosterDiff`.
    format:
        One of :data:`FORMATS`.
    thresholds:
        Sync hold thresholds (see :func:`rostergraph.diff.holds.hold_reasons`).
    impact:
        Include reach, primary school and orphan changes and holds (builds
        both graphs).
    limit:
        Rows per list in text and Markdown (JSON lists everything).
    privacy:
        A :class:`~rostergraph.privacy.PrivacyPolicy`; it is bound to both rosters
        and every string written passes through it (person ids pseudonymized,
        names, emails, sis ids redacted, as the mode says).

    Raises
    ------
    ValueError
        On an unknown format, or a negative ``limit``.

    Examples
    --------
    >>> import rostergraph
    >>> r = rostergraph.sample()
    >>> render_diff(rostergraph.diff(r, r), "text", impact=False).splitlines()[0]
    'rostergraph diff: no changes'
    """
    if format not in FORMATS:
        raise ValueError(f"unknown diff format {format!r}; expected one of {', '.join(FORMATS)}")
    if limit < 0:  # (a negative slice would cut the last rows off every list)
        raise ValueError(f"limit must be 0 or more, not {limit}")
    data = diff_data(d, thresholds=thresholds, impact=impact)
    pol = privacy.bind(d.old).bind(d.new) if privacy is not None and not privacy.is_full \
        else None
    if pol is not None:  # person ids inside finding messages, whatever characters they hold
        for f in data["findings"]:
            for i in sorted(map(str, f["ids"]), key=len, reverse=True):
                if i and pol.is_person(i) and i in f["message"]:
                    f["message"] = f["message"].replace(i, pol.id(i))
    if pol is not None:  # (a section's enrollment cell is named by its value)
        for item, c in zip(data["changes"], d.records()):
            for f_item, f in zip(item.get("fields", ()), c.fields):
                f_item["field"] = _field(c.kind, f, pol)
    if format == "json":
        if pol is not None:
            data = _scrub(data, pol)
        return json_dumps(data, indent=True)
    md = format == "markdown"
    text = "\n".join(_lines(d, data, md, limit, _Show(md, pol))) + "\n"
    return pol.apply_text(text) if pol is not None else text


_PLAIN_ID = re.compile(r"[\w.:@/+-]+")


class _Show:
    """How the text renderers show data: privacy first (on the value as it is),
    then escaping for the output (terminal text, or Markdown)."""

    def __init__(self, md: bool, pol: Any) -> None:
        self.md, self.pol = md, pol
        self.esc = markdown_text if md else terminal_text

    def id(self, value: Any) -> str:
        """A record id (pseudonymized when the policy says so), escaped; a code span in
        Markdown when it is a plain token."""
        if self.pol is not None and isinstance(value, str):
            value = _scrub_text(self.pol, value)
        if self.md and isinstance(value, str) and _PLAIN_ID.fullmatch(value):
            return f"`{value}`"
        return self.esc(value)

    def ids(self, values: Any) -> str:
        """Ids joined by commas."""
        return ", ".join(self.plain_id(v) for v in values)

    def plain_id(self, value: Any) -> str:
        """A record id without the Markdown code span."""
        if self.pol is not None and isinstance(value, str):
            value = _scrub_text(self.pol, value)
        return self.esc(value)

    def text(self, value: Any) -> str:
        """Free text from the data (keys, values, messages), scrubbed and escaped; a value
        that is a person id as a whole is shown as one."""
        if value is ABSENT:
            return "∅"
        if not isinstance(value, str):
            value = json_dumps(value)
        if self.pol is not None:
            value = _scrub_text(self.pol, value)
        return self.esc(value)


def _field(kind: str, f: FieldChange, pol: Any) -> str:
    """The dotted path of field change ``f`` of a ``kind`` record; the value that names a
    section's enrollment cell (``oneroster.enrollmentCells.<column>.<role>.<value>``)
    as the policy shows that cell."""
    path = f.path
    if pol is not None and kind == "sections" and len(path) > 3 \
            and path[0] == ENROLLMENT_CELLS_KEY:
        path = (*path[:3], pol.enrollment_cell(*path[1:4]), *path[4:])
    return ".".join(path)


def _scrub_text(pol: Any, value: str) -> str:
    """One string under the policy: a person id (alone, or as the ``student@section`` of an
    enrollment) as its pseudonym, anything else through ``apply_text`` (which finds
    person ids only when they are plain words)."""
    if pol.is_person(value):
        return str(pol.id(value))
    at = value.find("@")
    while at > 0:
        if pol.is_person(value[:at]):
            return f"{pol.id(value[:at])}@{pol.apply_text(value[at + 1:])}"
        at = value.find("@", at + 1)
    return str(pol.apply_text(value))


def _scrub(value: Any, pol: Any) -> Any:
    if isinstance(value, str):
        return _scrub_text(pol, value)
    if isinstance(value, dict):
        return {k: _scrub(v, pol) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v, pol) for v in value]
    return value


def _lines(d: Any, data: dict[str, Any], md: bool, limit: int, show: _Show) -> list[str]:
    n = _n_changes(d)
    head = "no changes" if not n else f"{n:,} change{'s' if n != 1 else ''}"
    out = [("# " if md else "") + f"rostergraph diff: {head}"]
    if md:
        out.append("")
    t, i, ids = show.text, show.id, show.ids
    out.append(f"old: {t(data['old']['source'])} ({data['old']['format']})" +
               ("  " if md else ""))
    out.append(f"new: {t(data['new']['source'])} ({data['new']['format']})")

    def section(title: str, rows: list[str], total: int | None = None) -> None:
        if not rows:
            return
        out.append("")
        out.append(("## " if md else "") + title)
        if md:
            out.append("")
        for r in rows[:limit]:
            out.append(("- " if md else "  ") + r)
        more = (total if total is not None else len(rows)) - min(len(rows), limit)
        if more > 0:
            out.append(("- " if md else "  ") + f"… {more:,} more")

    cols = ["kind", "old", "new", "added", "removed", "changed", "reidentified", "merged",
            "split", "ambiguous"]
    out.append("")
    if md:
        out += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        out += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in data["summary"]]
    else:
        label = {"reidentified": "re-id", "ambiguous": "ambig."}
        out.append(f"  {'kind':<10}" + "".join(f"{label.get(c, c):>9}" for c in cols[1:]))
        out += [f"  {r['kind']:<10}" + "".join(f"{r[c]:>9,}" for c in cols[1:])
                for r in data["summary"]]
    for h in data["holds"]:
        section(f"HOLD: {t(h['message'])}", [ids(h["ids"][:20]) +
                                             (" …" if len(h["ids"]) > 20 else "")])
    section("re-identified", [f"{c.kind} {i(c.old_id)} → {i(c.new_id)} ({t(c.key)})"
                              for c in d.records(change="reidentified")])
    section("merges and splits", [f"{m.kind} {m.change}: {ids(m.old_ids)} → "
                                  f"{ids(m.new_ids)} ({t(m.key)})" for m in d.merges])
    section("ambiguous (same key, not matched; reported as removed + added)",
            [f"{a.kind} {t(a.key)}: old {ids(a.old_ids)}; new {ids(a.new_ids)}"
             for a in d.ambiguous])
    idmap: dict[str, str] = {}
    for kind in ("terms", "courses", "sections", "users"):
        idmap.update(d.id_map(kind))
    section("changed", [f"{c.kind} {i(c.id)}: " + "; ".join(
        f"{t(_field(c.kind, f, show.pol))} {_value(c.kind, f, idmap, show)}"
        for f in c.fields[:12]) +
        (" …" if len(c.fields) > 12 else "") for c in d.records(change="changed")])
    for ch in ("added", "removed"):
        recs = d.records(change=ch)
        by_kind: dict[str, list[str]] = {}
        for c in recs:
            by_kind.setdefault(c.kind, []).append(c.id)
        section(ch, [f"{k} ({len(v):,}): " + ids(v[:30]) + (" …" if len(v) > 30 else "")
                     for k, v in by_kind.items()])
    if "reach" in data:
        r = data["reach"]
        rows = [f"{p['change']} {i(p['teacher'])} – {i(p['student'])} via " + ", ".join(
            f"{show.plain_id(s)} ({t(c)})" for s, c in zip(p["sections"], p["causes"]))
            for p in r["pairs"]]
        if rows:
            section(f"reach: {r['gained']:,} pairs gained, {r['lost']:,} lost", rows)
        section("primary school changes", [
            f"{i(p['student'])}: {show.plain_id(p['old_school'])} → "
            f"{show.plain_id(p['new_school'])}"
            for p in data["primary_school_changes"]])
        section("orphan changes", [f"{i(o['user'])} {o['role']}: {o['change']} "
                                   f"({t(o['reason'])})" for o in data["orphan_changes"]])
    section("findings", [f"{f['rule']} {f['severity']}: {t(f['message'])}"
                         for f in data["findings"]])
    return out
