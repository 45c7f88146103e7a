"""Term and course rules: RG-TRM-001..002, RG-CRS-001..002."""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter

import msgspec
import numpy as np

from ..columns import object_array
from ..graph import RosterGraph
from ..lazy import LazyRecords
from ..model import parse_date
from ..roster import Roster
from ._util import cache, group_members
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
    ids, names, _ = _course_columns(roster, g)
    # str.strip over the named ones in C; absent or empty names are falsy already
    named = np.fromiter(map(bool, names), dtype=bool, count=len(names))
    blank = ~named
    if named.any():
        at = np.flatnonzero(named)
        stripped = map(str.strip, names[at].tolist())
        blank[at] = ~np.fromiter(map(bool, stripped), dtype=bool, count=len(at))
    yield FindingBlock(me, "course", ids=(ids[blank],), message="course {id0} has no name")


class _NameNumber(msgspec.Struct, gc=False):
    """The two fields of a course line the course rules read (other keys are skipped)."""

    name: str | None = None
    number: str | None = None


def _course_columns(roster: Roster, g: RosterGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The courses' ids, names and numbers as object columns. Courses a fast load has not
    built are read from their JSON text (plain lines: ``name`` and ``number`` hold
    what the record would), not built."""
    c = cache(g)
    if "course_columns" not in c:
        recs = roster.courses
        ids = object_array(list(recs))
        if isinstance(recs, LazyRecords):
            texts = recs.texts(range(len(recs)))
            unbuilt = [t for t in texts if t is not None]
            got = iter(msgspec.json.decode(b"[" + b",".join(unbuilt) + b"]",  # type: ignore[arg-type]
                                           type=list[_NameNumber]) if unbuilt else [])
            pairs = [next(got) if t is not None else recs[i]
                     for i, t in zip(ids.tolist(), texts)]
        else:
            pairs = list(recs.values())
        c["course_columns"] = (ids, object_array(list(map(attrgetter("name"), pairs))),
                               object_array(list(map(attrgetter("number"), pairs))))
    return c["course_columns"]



@rule("RG-CRS-002", "warning", "two courses with the same course number")
def crs_duplicate_number(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """Courses sharing a non-empty ``number`` (Clever merges them into one course)."""
    me = RULES["RG-CRS-002"]
    ids, _, numbers = _course_columns(roster, g)
    rows = np.flatnonzero((numbers != None) & (numbers != ""))
    if len(rows) < 2:
        return
    flat, start, first = group_members(string_codes(numbers[rows]), ids[rows])
    yield FindingBlock(me, "course", groups=(flat, start),
                       message="{courses} courses share course number {number!r}: {ids}",
                       values={"number": numbers[rows][first], "courses": np.diff(start)})
