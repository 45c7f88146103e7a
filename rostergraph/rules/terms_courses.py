"""Term and course rules: RG-TRM-001..002, RG-CRS-001..002."""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter

import numpy as np

from ..graph import RosterGraph
from ..model import parse_date
from ..roster import Roster
from ._util import group_members
from .findings import FindingBlock, string_codes
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
def crs_no_name(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """A course whose ``name`` is absent, empty or only whitespace."""
    me = RULES["RG-CRS-001"]
    courses = list(roster.courses.values())
    names = list(map(attrgetter("name"), courses))
    # str.strip over the named ones in C; absent or empty names are falsy already
    named = np.fromiter(map(bool, names), dtype=bool, count=len(names))
    blank = ~named
    if named.any():
        at = np.flatnonzero(named)
        stripped = map(str.strip, [names[i] for i in at.tolist()])
        blank[at] = ~np.fromiter(map(bool, stripped), dtype=bool, count=len(at))
    ids = np.array(list(roster.courses) + [""], dtype=object)[:-1]
    yield FindingBlock(me, "course", ids=(ids[blank],), message="course {id0} has no name")


@rule("RG-CRS-002", "warning", "two courses with the same course number")
def crs_duplicate_number(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """Courses sharing a non-empty ``number`` (Clever merges them into one course)."""
    me = RULES["RG-CRS-002"]
    numbers = np.array(list(map(attrgetter("number"), roster.courses.values())) + [None],
                       dtype=object)[:-1]
    ids = np.array(list(roster.courses) + [""], dtype=object)[:-1]
    rows = np.flatnonzero((numbers != None) & (numbers != ""))
    if len(rows) < 2:
        return
    flat, start, first = group_members(string_codes(numbers[rows]), ids[rows])
    yield FindingBlock(me, "course", groups=(flat, start),
                       message="{courses} courses share course number {number!r}: {ids}",
                       values={"number": numbers[rows][first], "courses": np.diff(start)})
