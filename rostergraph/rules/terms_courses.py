"""Term and course rules: RG-TRM-001..002, RG-CRS-001..002."""

from __future__ import annotations

from collections.abc import Iterator

from ..graph import RosterGraph
from ..model import parse_date
from ..roster import Roster
from .registry import RULES, Finding, rule


@rule("RG-TRM-001", "error", "term with none of name, start date, end date")
def trm_empty(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """A term whose ``name``, ``start_date`` and ``end_date`` are all absent or empty."""
    me = RULES["RG-TRM-001"]
    for tid, t in roster.terms.items():
        if not t.name and not t.start_date and not t.end_date:
            yield me.finding("term", tid, f"term {tid} has no name, start_date or end_date")


@rule("RG-TRM-002", "error", "term end before start, or an unparseable date")
def trm_dates(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """A non-empty date that does not parse, or ``end_date`` before ``start_date``."""
    me = RULES["RG-TRM-002"]
    for tid, t in roster.terms.items():
        start, end = parse_date(t.start_date), parse_date(t.end_date)
        for field, raw, parsed in (("start_date", t.start_date, start),
                                   ("end_date", t.end_date, end)):
            if raw and parsed is None:
                yield me.finding("term", tid, f"term {tid}: {field} {raw!r} is not a date",
                                 {"reason": "unparseable", "field": field, "value": raw})
        if start is not None and end is not None and end < start:
            yield me.finding("term", tid,
                             f"term {tid} ends ({t.end_date}) before it starts ({t.start_date})",
                             {"reason": "end_before_start", "start_date": t.start_date,
                              "end_date": t.end_date})


@rule("RG-CRS-001", "error", "course with no name")
def crs_no_name(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """A course whose ``name`` is absent, empty or only whitespace."""
    me = RULES["RG-CRS-001"]
    for cid, c in roster.courses.items():
        if not c.name or not c.name.strip():
            yield me.finding("course", cid, f"course {cid} has no name")


@rule("RG-CRS-002", "warning", "two courses with the same course number")
def crs_duplicate_number(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """Courses sharing a non-empty ``number`` (Clever merges them into one course)."""
    me = RULES["RG-CRS-002"]
    groups: dict[str, list[str]] = {}
    for cid, c in roster.courses.items():
        if c.number:
            groups.setdefault(c.number, []).append(cid)
    for number, cids in groups.items():
        if len(cids) > 1:
            cids.sort()
            yield me.finding("course", cids,
                             f"{len(cids)} courses share course number {number!r}: "
                             f"{', '.join(cids)}", {"number": number, "courses": len(cids)})
