"""The orgs, academic sessions, courses and classes of a OneRoster bundle (``orgs.csv``,
``academicSessions.csv``, ``courses.csv``, ``classes.csv``) as Clever districts, schools,
terms, courses and sections.

An org of another type (``department``, ...) whose parent is a school is no record: the
classes and users that name it are placed at that school. The functions take the bundle's
reader (:mod:`rostergraph.io.oneroster`); the sections and their places are kept on it for
the users and enrollments read after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import chain
from typing import TYPE_CHECKING, Any

import orjson

from ..model import parse_date
from ..roster import raw_text
from .csv_rowchecks import row_text
from .csvutil import split_ids, split_list
from .mapping import CEDS_TO_CLEVER, SHARED_SECTION_FIELDS, deep_merge
from .oneroster_cols import CARRY_COLUMN, LISTS_COLUMN, PREFIX, listed_ids, org_type
from .oneroster_refs import Unnamed
from .oneroster_sessions import base_sessions, class_term

if TYPE_CHECKING:
    from ..roster import Roster
    from .oneroster import _Reader

__all__ = ["apply_carry", "read_classes", "read_courses", "read_orgs", "read_terms", "without_id"]

# column → Clever path, per file (columns not listed go to extra).
_ORG_COLS = {"sourcedId": "id", "name": "name", "identifier": "nces_id"}
_TERM_COLS = {"sourcedId": "id", "title": "name", "startDate": "start_date",
              "endDate": "end_date"}
_COURSE_COLS = {"sourcedId": "id", "title": "name", "courseCode": "number"}
_CLASS_COLS = {"sourcedId": "id", "title": "name", "courseSourcedId": "course",
               "classCode": "section_number", "schoolSourcedId": "school",
               "subjects": "subject", "periods": "period", "dateLastModified": "last_modified"}


#: The single-id cells of courses.csv and classes.csv that name a record: (column, kind)
#: (a cell named only without the spaces around it is read so, with a problem)
_COURSE_REFS = (("schoolYearSourcedId", "sessions"), ("orgSourcedId", "orgs"))
_CLASS_REFS = (("courseSourcedId", "courses"), ("schoolSourcedId", "orgs"))


def apply_carry(d: dict[str, Any]) -> None:
    """Merge the ``metadata.rostergraph.clever`` JSON last: it wins over derived fields."""
    carry = d.pop("_carry", None)
    if carry:
        deep_merge(d, carry, none_deletes=True)


def _base_sub_orgs(rd: _Reader, base: Roster, gone: frozenset[str]) -> list[str]:
    """The orgs of the base roster that are part of a school (a department: no record),
    put in ``rd.orgs`` unless the delta's ``orgs.csv`` has them: those its classes name
    (``extra["oneroster_org"]``) and those its ``orgs.csv`` problems hold the row of."""
    found: list[str] = []
    for sec in base.sections.values():
        org = sec.extra.get("oneroster_org") if sec.extra else None
        if isinstance(org, str) and sec.school and org not in rd.orgs and org not in gone:
            rd.orgs[org] = ("department", sec.school)
            found.append(org)
    for p in base.problems:
        sid = p.record_id
        if p.file != "orgs.csv" or not sid or not p.raw or sid in rd.orgs or sid in gone:
            continue
        try:
            row = orjson.loads(p.raw)
        except orjson.JSONDecodeError:
            continue  # (a row cut at the raw text's bound)
        if isinstance(row, dict) and row.get("sourcedId") == sid:
            parent = row.get("parentSourcedId")
            rd.orgs[sid] = (org_type(row.get("type")),
                            parent if isinstance(parent, str) and parent else None)
            found.append(sid)
    return found


def read_orgs(rd: _Reader) -> None:
    """``orgs.csv``: districts and schools (a school's parent district as its district);
    a sub-org of a school is remembered as part of it, any other org type is a problem."""
    rows = list(rd.rows("orgs.csv", None))
    with rd.b.problems_in_line_order():  # (the file's own, told as it was read, first)
        _read_org_rows(rd, rows)


def _read_org_rows(rd: _Reader, rows: list[tuple[int, dict[str, str]]]) -> None:
    for line, row in rows:
        sid = row.get("sourcedId")
        if sid:
            typ = rd.orgs.setdefault(sid, (org_type(row.get("type")),
                                           row.get("parentSourcedId") or None))[0]
            if {typ, org_type(row.get("type"))} == {"district", "school"}:
                rd.school_too.add(sid)  # (two records: ids are per kind in Clever)
                rd.b.problem("other", f"org {sid!r} is both a district and a school: users "
                             "whose orgs name it are at the school (a district "
                             "administrator: of the district)", file="orgs.csv", line=line,
                             record_id=sid)
    if rd.base is not None:  # a delta's rows name the base's orgs (their districts)
        gone = rd.gone("orgs")
        for did in rd.base.districts:
            if did not in gone:
                rd.orgs.setdefault(did, ("district", None))
        for sid, school in rd.base.schools.items():
            if sid not in gone:
                rd.orgs.setdefault(sid, ("school", school.district))
        for sid in _base_sub_orgs(rd, rd.base, gone):
            school = rd.school_of(sid)
            if school is not None:
                rd.org_school[sid] = school
    fixed = _parents_respelt(rd, rows, "orgs.csv", None, rd.orgs)
    sole = rd.sole_district()  # (a school naming no parent is there, as its classes are)
    for k, (line, given) in enumerate(rows):
        row = fixed.get(k, given)
        typ = org_type(row.get("type"))
        if typ not in ("district", "school"):
            sid = row.get("sourcedId") or ""
            school = rd.school_of(sid)
            if school is not None:  # a department of a school: the classes are there
                rd.org_school[sid] = school
                rd.b.problem("other", f"org {sid!r} of type {typ!r} is part of school "
                             f"{school!r}: classes and users that name it are placed "
                             "at that school (a class keeps the org id in extra "
                             "'oneroster_org'; the row is this problem's raw text)",
                             file="orgs.csv", line=line, record_id=sid,
                             raw=row_text(given))
                continue
            rd.b.problem("other", f"org type {typ!r} has no Clever record kind and no "
                         "parent school; not loaded (the row is this problem's raw "
                         "text)", file="orgs.csv", line=line, record_id=sid,
                         raw=row_text(given))
            continue
        d = rd.mapped_fields(row, _ORG_COLS)
        consumed = set(_ORG_COLS) | {"type"}
        if typ == "school":
            parent = row.get("parentSourcedId") or None
            district = rd.district_of(parent)
            if district is not None:
                d["district"] = district
                if parent == district:
                    consumed.add("parentSourcedId")
            elif parent is None:
                consumed.add("parentSourcedId")
                if sole is not None:
                    d["district"] = sole
            elif parent not in rd.orgs:  # a district that was not delivered: a stub
                d["district"] = parent
                consumed.add("parentSourcedId")
            if row.get("dateLastModified"):
                d["last_modified"] = row["dateLastModified"]
            consumed.add("dateLastModified")
        else:
            if not row.get("parentSourcedId"):
                consumed.add("parentSourcedId")
        rd.put_extra(d, row, consumed)
        apply_carry(d)
        kind = "districts" if typ == "district" else "schools"
        if not without_id(rd, d, "org", "orgs.csv", line, kind, given):
            rd.b.add(kind, d, file="orgs.csv", line=line)
    rd._district_memo = {}


def without_id(rd: Any, d: dict[str, Any], what: str, file: str, line: int, kind: str,
               given: dict[str, str]) -> bool:
    """Whether the record ``d`` made from a row has no id: then a ``no_id`` problem in
    OneRoster's words (``what`` without a sourcedId), the row's cells in ``raw``, where
    adding it would have named Clever's ``id`` field and kept the record's JSON. ``rd``:
    any reader holding the builder ``b``."""
    if isinstance(d.get("id"), str) and d["id"]:
        return False
    rd.b.problem("no_id", f"{what} without a sourcedId; not loaded", file=file, line=line,
                 kind=kind, raw=row_text(given))
    return True


def _parents_respelt(rd: _Reader, rows: list[tuple[int, dict[str, str]]], file: str,
                     kind: str | None, table: dict[str, tuple[str, str | None]]
                     ) -> dict[int, dict[str, str]]:
    """The rows (by position) whose ``parentSourcedId`` names an org or session of
    ``table`` only once spaces around ids are ignored (:meth:`~rostergraph.io.oneroster.
    _Reader.respelt`: a problem each), as read so; ``table``'s entry for the row's own id
    takes the parent so read. Told after the file's ids are all known (a parent may come
    later in the file)."""
    fixed: dict[int, dict[str, str]] = {}
    refs = (("parentSourcedId", "orgs" if table is rd.orgs else "sessions"),)
    for k, (line, row) in enumerate(rows):
        got = rd.respelt(row, refs, file, line, kind)
        if got is not row:
            fixed[k] = got
            sid = row.get("sourcedId")
            if sid and table.get(sid, (None, None))[1] == row.get("parentSourcedId"):
                table[sid] = (table[sid][0], got["parentSourcedId"])
    return fixed


def read_terms(rd: _Reader) -> None:
    """``academicSessions.csv``: every session a term (the sole district as its district)."""
    sole = rd.sole_district()
    rows = list(rd.rows("academicSessions.csv", "terms"))
    with rd.b.problems_in_line_order():  # (the file's own, told as it was read, first)
        unnamed = _read_term_rows(rd, rows, sole)
    unnamed.tell(rd.b)


def _read_term_rows(rd: _Reader, rows: list[tuple[int, dict[str, str]]],
                    sole: str | None) -> Unnamed:
    """The sessions of ``rows``; returns the rows whose parent names no session."""
    sessions = rd.sessions
    for line, row in rows:
        sid = row.get("sourcedId")
        if sid:
            sessions.setdefault(sid, ((row.get("type") or "").strip().lower(),
                                      row.get("parentSourcedId") or None))
    fixed = _parents_respelt(rd, rows, "academicSessions.csv", "terms", sessions)
    unnamed = Unnamed("academicSessions.csv", "parentSourcedId", "academic session", "terms")
    base_terms = rd.base.terms if rd.base is not None else {}
    for k, (line, given) in enumerate(rows):
        row = fixed.get(k, given)
        parent = row.get("parentSourcedId")
        if parent and parent not in sessions and parent not in base_terms:
            unnamed.add(line, row.get("sourcedId"), [parent])
        d = rd.mapped_fields(row, _TERM_COLS)
        end = parse_date(row.get("endDate"))
        if end is not None and row.get("schoolYear") == str(end.year):
            row = {k: v for k, v in row.items() if k != "schoolYear"}
        if sole:
            d["district"] = sole
        rd.put_extra(d, row, _TERM_COLS)
        apply_carry(d)
        if not without_id(rd, d, "academic session", "academicSessions.csv", line, "terms",
                          given):
            rd.b.add("terms", d, file="academicSessions.csv", line=line)
    return unnamed


def read_courses(rd: _Reader) -> None:
    """``courses.csv``: courses, in the district of their org."""
    sole = rd.sole_district()
    orgs_told = Unnamed("courses.csv", "orgSourcedId", "org", "courses")
    years_told = Unnamed("courses.csv", "schoolYearSourcedId", "academic session", "courses")
    base_terms = rd.base.terms if rd.base is not None else {}  # (a delta may name them)
    for line, given in rd.rows("courses.csv", "courses"):
        row = rd.respelt(given, _COURSE_REFS, "courses.csv", line, "courses")
        year = row.get("schoolYearSourcedId")
        if year and year not in rd.sessions and year not in base_terms:
            years_told.add(line, row.get("sourcedId"), [year])
        d = rd.mapped_fields(row, _COURSE_COLS)
        org = row.get("orgSourcedId") or None
        consumed = set(_COURSE_COLS)
        dist = rd.district_of(org) or sole
        if dist:
            d["district"] = dist
        if org is not None and org == dist:
            consumed.add("orgSourcedId")
        rd.put_extra(d, row, consumed)
        apply_carry(d)
        if org is not None and d.get(PREFIX + "orgSourcedId") == d.get("district"):
            del d[PREFIX + "orgSourcedId"]  # the carried district (one not delivered)
        if org is not None and org not in rd.orgs and PREFIX + "orgSourcedId" in d:
            orgs_told.add(line, row.get("sourcedId"), [org])  # (extra alone keeps it)
        if not without_id(rd, d, "course", "courses.csv", line, "courses", given):
            rd.b.add("courses", d, file="courses.csv", line=line)
    orgs_told.tell(rd.b)
    years_told.tell(rd.b)


#: The classes.csv columns a section's fields take (the others go to extra).
_CLASS_CONSUMED = frozenset(_CLASS_COLS) | {"termSourcedIds", "grades"}
_SHARED = frozenset(SHARED_SECTION_FIELDS)


def read_classes(rd: _Reader) -> None:
    """``classes.csv``: sections (kept on the reader for the enrollments), a class of a
    department placed at the department's school."""
    if rd.base is not None:  # a delta's classes may list the base's sessions
        gone = rd.gone("academicSessions")
        for tid, session in base_sessions(rd.base.terms).items():
            if tid not in gone:
                rd.sessions.setdefault(tid, session)
    rows = rd.rows("classes.csv", "sections")
    first = next(rows, None)
    if first is not None:
        _read_class_rows(rd, chain((first,), rows), first[1])


def _read_class_rows(rd: _Reader, rows: Iterable[tuple[int, dict[str, str]]],
                     first: dict[str, str]) -> None:
    """The sections of ``rows``, whose columns are those of ``first`` (every row of a file
    has them). What depends only on the columns is worked out once, and what depends only
    on a cell of the terms, grades or school once per distinct cell (the sessions and
    orgs do not change while the file is read): at 300k classes the row's work was most
    of the step. Each value most sections share (:data:`SHARED_SECTION_FIELDS`) is one
    string across them (as :func:`share_values` makes it)."""
    shared: dict[str, str] = {}
    share = shared.setdefault
    mapped = [(col, key, key in _SHARED) for col, key in _CLASS_COLS.items() if col in first]
    extra = rd.extra_plan(first, _CLASS_CONSUMED)
    carry, lists = CARRY_COLUMN in first, LISTS_COLUMN in first
    courses, orgs, sessions = rd.ids_of("courses"), rd.ids_of("orgs"), rd.sessions
    term_of: dict[str | None, tuple[str | None, int]] = {}
    grade_of: dict[str, tuple[str | None, bool]] = {}
    place_of: dict[str | None, tuple[str | None, str | None]] = {}
    sections, section_lines = rd.sections, rd.section_lines
    for line, given in rows:
        course, school = given.get("courseSourcedId"), given.get("schoolSourcedId")
        if (course and course not in courses) or (school and school not in orgs):
            row = rd.respelt(given, _CLASS_REFS, "classes.csv", line, "sections")
        else:
            row = given
        d: dict[str, Any] = {}
        for col, key, common in mapped:
            v = row[col]
            if v:
                d[key] = share(v, v) if common else v
        # (a REST dump's term id holding a comma names its session too)
        if lists and row[LISTS_COLUMN]:
            _listed_terms(rd, d, row, line)
        else:
            cell = row.get("termSourcedIds")
            term = term_of.get(cell)
            if term is None:
                term = term_of[cell] = _term_of(cell, sessions, share)
            if term[0] is not None:
                d["term_id"] = term[0]
                if term[1]:
                    d[PREFIX + "termSourcedIds"] = cell
                    if term[1] > 1:
                        _tell_terms(rd, term[1], line, row)
        cell = row.get("grades")
        if cell:
            grade = grade_of.get(cell)
            if grade is None:
                grade = grade_of[cell] = _grade_of(cell, share)
            if grade[0] is not None:
                d["grade"] = grade[0]
                if grade[1]:
                    d[PREFIX + "grades"] = cell
        school = row.get("schoolSourcedId")
        place = place_of.get(school)
        if place is None:
            place = place_of[school] = _place_of(rd, school, share)
        if place[0] is not None:
            d["school"] = place[0]
            d["oneroster_org"] = school  # not an `oneroster.<column>`: never a column
        if place[1]:
            d["district"] = place[1]
        for col, key, default in extra:
            v = row[col]
            if v != "" and v != default:  # OneRoster has no 'missing': an empty cell is absent
                d[key] = v
        if carry and row[CARRY_COLUMN]:
            rd.put_extra(d, row, _CLASS_CONSUMED, [])  # (the carry column alone)
        sid = d.get("id")
        if not isinstance(sid, str) or not sid:
            rd.b.problem("no_id", "class without a sourcedId", file="classes.csv",
                         line=line, kind="sections", raw=raw_text(orjson.dumps(given)))
            continue
        if sid in sections:
            rd.b.problem("duplicate_id", f"duplicate section id {sid!r}: the first "
                         "record is kept", file="classes.csv", line=line,
                         kind="sections", record_id=sid, raw=row_text(given))
            continue
        sections[sid] = d
        section_lines[sid] = line


def _term_of(cell: str | None, sessions: dict[str, tuple[str, str | None]],
             share: Callable[[str, str], str]) -> tuple[str | None, int]:
    """``(term_id, listed)`` of a ``termSourcedIds`` cell (no REST dump's lists beside
    it): ``term_id`` None when it lists none; ``listed`` 0 for one session, else the count
    of sessions when they are several terms (a problem), else 1 (the list kept in extra)."""
    terms = split_ids(cell, sessions)
    if not terms:
        return None, 0
    if len(terms) == 1:
        return share(terms[0], terms[0]), 0
    term, one_term = class_term(terms, sessions)
    return share(term, term), 1 if one_term else len(terms)


def _listed_terms(rd: _Reader, d: dict[str, Any], row: dict[str, str], line: int) -> None:
    """The terms of a row beside a REST dump's lists (:func:`listed_ids`)."""
    terms = listed_ids(row, "termSourcedIds", rd.sessions)
    if len(terms) == 1:
        d["term_id"] = terms[0]
    elif terms:  # a term and its grading periods, or several terms
        d["term_id"], one_term = class_term(terms, rd.sessions)
        d[PREFIX + "termSourcedIds"] = row["termSourcedIds"]
        if not one_term:
            _tell_terms(rd, len(terms), line, row)


def _tell_terms(rd: _Reader, n: int, line: int, row: dict[str, str]) -> None:
    rd.b.problem("other", f"class is in {n} terms; Clever allows one: term_id is the "
                 "first, the list is kept in extra 'oneroster.termSourcedIds'",
                 file="classes.csv", line=line, kind="sections",
                 record_id=row.get("sourcedId"), field="termSourcedIds")


def _grade_of(cell: str, share: Callable[[str, str], str]) -> tuple[str | None, bool]:
    """``(grade, several)`` of a ``grades`` cell: the first listed as Clever's, None when
    none is; ``several``: the cell lists more (kept in extra)."""
    grades = split_list(cell)
    if not grades:
        return None, False
    grade = CEDS_TO_CLEVER.get(grades[0], grades[0])
    return share(grade, grade), len(grades) > 1


def _place_of(rd: _Reader, org: str | None, share: Callable[[str, str], str]
              ) -> tuple[str | None, str | None]:
    """``(school, district)`` of a class whose ``schoolSourcedId`` is ``org``: ``school``
    the school of a department (None: ``org`` is the section's school as given)."""
    school = rd.org_school.get(org) if org else None
    dist = rd.district_of(org) or rd.sole_district()
    return (None if school is None else share(school, school),
            None if not dist else share(dist, dist))
