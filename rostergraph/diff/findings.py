"""Diff rules RG-ID-001..003: records Clever re-created under a new id.

Registered in the rule catalogue with ``scope="diff"``; each function takes a
:class:`~rostergraph.diff.RosterDiff` and yields findings. Messages name ids,
keys and (for terms and courses) the matched values, never a person's name
or email.

Examples
--------
>>> import rostergraph
>>> from rostergraph.rules.registry import RULES
>>> [RULES[r].scope for r in ("RG-ID-001", "RG-ID-002", "RG-ID-003")]
['diff', 'diff', 'diff']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..rules.registry import RULES, Finding, rule, sort_findings

__all__ = ["DIFF_RULES", "diff_findings"]

#: The diff-scope rule ids, in order.
DIFF_RULES: tuple[str, ...] = ("RG-ID-001", "RG-ID-002", "RG-ID-003")


def _reid(d: Any, kind: str) -> list[Any]:
    return d.records(kind, "reidentified")


@rule("RG-ID-001", "info", "term re-created under a new id", scope="diff")
def _term_reid(d: Any) -> Iterator[Finding]:
    me = RULES["RG-ID-001"]
    for c in _reid(d, "terms"):
        t = d.new.terms[c.new_id]
        dates = f"{t.start_date or '?'}..{t.end_date or '?'}"
        yield me.finding("term", (c.new_id, c.old_id),
                         f"term {c.old_id} re-created as {c.new_id} (same name and dates: "
                         f"{t.name!r}, {dates})",
                         {"old_id": c.old_id, "new_id": c.new_id, "key": c.key})


@rule("RG-ID-002", "info", "course re-created under a new id", scope="diff")
def _course_reid(d: Any) -> Iterator[Finding]:
    me = RULES["RG-ID-002"]
    for c in _reid(d, "courses"):
        co = d.new.courses[c.new_id]
        value = co.number if c.key == "number" else co.name
        yield me.finding("course", (c.new_id, c.old_id),
                         f"course {c.old_id} re-created as {c.new_id} (same {c.key}: {value!r})",
                         {"old_id": c.old_id, "new_id": c.new_id, "key": c.key})
    for m in d.merges:
        if m.kind == "courses":
            yield me.finding("course", m.new_ids + m.old_ids,
                             f"courses {', '.join(m.old_ids)} merged into {m.new_ids[0]} "
                             f"(same course number)",
                             {"old_ids": list(m.old_ids), "new_ids": list(m.new_ids),
                              "key": m.key, "change": m.change})


@rule("RG-ID-003", "info", "user re-created under a new id, merged or split", scope="diff")
def _user_reid(d: Any) -> Iterator[Finding]:
    me = RULES["RG-ID-003"]
    for c in _reid(d, "users"):
        yield me.finding("user", (c.new_id, c.old_id),
                         f"user {c.old_id} re-created as {c.new_id} (matched on {c.key})",
                         {"old_id": c.old_id, "new_id": c.new_id, "key": c.key})
    for m in d.merges:
        if m.kind != "users":
            continue
        verb = "merged into" if m.change == "merged" else "split into"
        yield me.finding("user", m.new_ids + tuple(i for i in m.old_ids if i not in m.new_ids),
                         f"user{'s' if len(m.old_ids) > 1 else ''} {', '.join(m.old_ids)} "
                         f"{verb} {', '.join(m.new_ids)} (matched on {m.key})",
                         {"old_ids": list(m.old_ids), "new_ids": list(m.new_ids),
                          "key": m.key, "change": m.change})


def diff_findings(d: Any, select: tuple[str, ...] = DIFF_RULES) -> list[Finding]:
    """Run the diff rules on a diff; findings sorted by rule, kind, ids.

    Examples
    --------
    >>> import rostergraph
    >>> r = rostergraph.sample()
    >>> diff_findings(rostergraph.diff(r, r))
    []
    """
    out: list[Finding] = []
    for rid in select:
        func = RULES[rid].func
        if func is not None:
            out.extend(func(d))
    return sort_findings(out)
