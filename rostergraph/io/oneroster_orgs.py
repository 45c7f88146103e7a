"""The orgs, academic sessions, courses and classes of a OneRoster bundle (``orgs.csv``,
``academicSessions.csv``, ``courses.csv``, ``classes.csv``) as Clever districts, schools,
terms, courses and sections.

An org of another type (``department``, ...) whose parent is a school is no record: the
classes and users that name it are placed at that school. The functions take the bundle's
reader (:mod:`rostergraph.io.oneroster`); the sections and their places are kept on it for
the users and enrollments read after.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import orjson

from ..model import parse_date
from ..roster import raw_text
from .csv_arrow import release_arrow_memory
from .csv_rowchecks import row_text
from .csvutil import CsvTable, split_ids, split_list
from .enrollcells import ENROLLMENT_CELLS_KEY
from .enrollcols import OTHER_ROLES_KEY, live_status
from .mapping import CEDS_TO_CLEVER, SHARED_SECTION_FIELDS, deep_merge
from .oneroster_cols import (
    CARRY_COLUMN,
    ENROLLMENT_IDS_KEY,
    LISTS_COLUMN,
    PREFIX,
    listed_ids,
    org_type,
)
from .oneroster_refs import Unnamed
from .oneroster_sessions import SeveralTerms, base_sessions, class_term
from .parked import fragments_read
from .shaped_dicts import dicts_by_shape

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
        # (a value kept as JSON text, the enrollment ids', merges as the value it is)
        deep_merge(fragments_read(d, carry), carry, none_deletes=True)


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
            under = len(rd.schools_under(sid)) if typ in ("local", "state") else 0
            placed = (f"; its staff are placed at the {under} school"
                      f"{'s' if under != 1 else ''} under it" if under else "")
            rd.b.problem("other", f"org type {typ!r} has no Clever record kind and no "
                         "parent school; not loaded (the row is this problem's raw "
                         f"text){placed}", file="orgs.csv", line=line, record_id=sid,
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
    t = rd.parsed.pop("classes.csv") if "classes.csv" in rd.parsed else rd.table(
        "classes.csv", "sections")
    if t is None:
        return
    _tell_taken_columns(rd, t.header)
    if _read_class_columns(rd, t):
        release_arrow_memory()  # (as the row path gives the table's memory back)
        return
    rd.parsed["classes.csv"] = t  # (the row path: rows() takes the table parsed here)
    rows = rd.rows("classes.csv", "sections")
    first = next(rows, None)
    if first is not None:
        _read_class_rows(rd, chain((first,), rows), first[1])


def _taken_key(key: str) -> bool:
    """Whether extra key ``key`` is one a section keeps its enrollments' data under (their
    ids, kept cells, other roles' users): a ``classes.csv`` column of that name
    (``enrollmentIds``, ``enrollmentCells``, ``enrollments.<role>``) would be taken for it.

    >>> _taken_key("oneroster.enrollmentIds"), _taken_key("oneroster.location")
    (True, False)
    """
    return key in (ENROLLMENT_IDS_KEY, ENROLLMENT_CELLS_KEY) or key.startswith(OTHER_ROLES_KEY)


def _class_extra_plan(rd: _Reader, first: dict[str, str]) -> list[tuple[str, str, str | None]]:
    """The reader's extra plan of ``classes.csv``'s columns, a column named as a key the
    enrollments' data goes under kept as ``oneroster.classes.<column>`` instead."""
    return [(col, PREFIX + "classes." + col if _taken_key(key) else key, default)
            for col, key, default in rd.extra_plan(first, _CLASS_CONSUMED)]


def _tell_taken_columns(rd: _Reader, header: list[str]) -> None:
    """A problem for each ``classes.csv`` column :func:`_class_extra_plan` keeps under
    another key."""
    plan = _class_extra_plan(rd, dict.fromkeys(header, ""))
    for col, key, _ in plan:
        if key != PREFIX + col:
            rd.b.problem("other", f"classes.csv column {col!r} has the name of the extra key "
                         f"{PREFIX + col!r}, which a section keeps its enrollments' data "
                         f"under: its cells are kept as {key!r}", file="classes.csv",
                         line=1, kind="sections", field=col)


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
    extra = _class_extra_plan(rd, first)
    carry, lists = CARRY_COLUMN in first, LISTS_COLUMN in first
    courses, orgs, sessions = rd.ids_of("courses"), rd.ids_of("orgs"), rd.sessions
    term_of: dict[str | None, tuple[str | None, int]] = {}
    grade_of: dict[str, tuple[str | None, bool]] = {}
    place_of: dict[str | None, tuple[str | None, str | None]] = {}
    sections, section_lines = rd.sections, rd.section_lines
    several = SeveralTerms()  # (told once for the file: a year-long class is common)
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
            in_several = _listed_terms(rd, d, row)
        else:
            in_several = False
            cell = row.get("termSourcedIds")
            term = term_of.get(cell)
            if term is None:
                term = term_of[cell] = _term_of(cell, sessions, share)
            if term[0] is not None:
                d["term_id"] = term[0]
                if term[1]:
                    d[PREFIX + "termSourcedIds"] = cell
                    in_several = term[1] > 1
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
        if in_several:
            several.add(line, sid)
    several.tell(rd.b)


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


def _listed_terms(rd: _Reader, d: dict[str, Any], row: dict[str, str]) -> bool:
    """The terms of a row beside a REST dump's lists (:func:`listed_ids`); whether the
    class is in several terms."""
    terms = listed_ids(row, "termSourcedIds", rd.sessions)
    if len(terms) == 1:
        d["term_id"] = terms[0]
    elif terms:  # a term and its grading periods, or several terms
        d["term_id"], one_term = class_term(terms, rd.sessions)
        d[PREFIX + "termSourcedIds"] = row["termSourcedIds"]
        return not one_term
    return False


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


#: Rows of classes.csv whose sections :func:`_read_class_columns` makes at a time.
_CLASS_ROWS_AT_ONCE = 65_536


def _read_class_columns(rd: _Reader, t: CsvTable) -> bool:
    """The sections of a clean ``classes.csv`` that pyarrow parsed, made column by column
    from each column's distinct cells, when the row path would tell nothing of any row
    but its classes in several terms, told as the row path tells them (returns False, and
    has read nothing, otherwise): every row live and of a bulk load, every ``sourcedId``
    given once, every course and school named as given, no REST dump's lists. A row's
    dict is then its cells' values in the row path's order, less those it leaves out (an
    empty cell, a writer's default); a carried JSON cell is merged as the row path merges
    it."""
    n = len(t.lines)
    if (rd.base is not None or rd.sections or "classes.csv" in rd.cuts or not t.clean
            or not n or any(t.arrow(c) is None for c in t.index) or live_status(t)):
        return False
    first = t.as_dict(list(t.header))  # (the columns of each row's dict, in its order)
    held: dict[str, tuple[Any, list[str]]] = {}

    def encoded(col: str) -> tuple[Any, list[str]]:
        if col not in held:  # (a column of a clean table: never None)
            held[col] = cast(tuple[Any, list[str]], t.encoded(col))
        return held[col]

    if "sourcedId" not in first or (LISTS_COLUMN in first and any(encoded(LISTS_COLUMN)[1])):
        return False
    ids = t.arrow("sourcedId").to_pylist()  # (not encoded: each cell its own value)
    if "" in ids or len(set(ids)) != n:
        return False  # (a row without an id, or an id given twice)
    held["sourcedId"] = np.arange(n), ids
    several: list[int] = []  # (the codes of the term cells listing several terms)
    columns = _class_columns(rd, encoded, first, several)
    if columns is None:
        return False
    carried: list[tuple[int, str]] = []
    if CARRY_COLUMN in first:
        codes, cells = encoded(CARRY_COLUMN)
        rows = np.flatnonzero(np.array([v != "" for v in cells], dtype=bool)[codes])
        carried = list(zip(rows.tolist(), [cells[c] for c in codes[rows].tolist()]))
    _class_sections(rd, t, ids, columns, carried)
    if several:  # (after the rows, as the row path tells them)
        in_several = np.flatnonzero(np.isin(encoded("termSourcedIds")[0], several)).tolist()
        told = SeveralTerms()
        told.add_many(len(in_several), t.lines[in_several[0]],
                      map(ids.__getitem__, in_several))
        told.tell(rd.b)
    return True


def _class_columns(rd: _Reader, encoded: Callable[[str], tuple[Any, list[str]]],
                   first: dict[str, str], several: list[int]
                   ) -> list[tuple[str, Any, list[Any]]] | None:
    """The keys of a section's dict in the row path's order, each with the codes of the
    column it is made from (``None``: the same for every row) and its value for each of
    that column's distinct cells (a falsy one: no key), or None when a row would be told
    of (a reference respelt). ``several`` is given the codes of the term cells that list
    several terms."""
    share = cast(Callable[[str, str], str], {}.setdefault)
    out: list[tuple[str, Any, list[Any]]] = []
    place: tuple[Any, list[str], list[tuple[str | None, str | None]]] | None = None
    for col, key in _CLASS_COLS.items():
        if col not in first:
            continue
        codes, cells = encoded(col)
        refs = "courses" if col == "courseSourcedId" else "orgs" if (
            col == "schoolSourcedId") else None
        if refs is not None and any(_respelt(rd, refs, v) for v in cells):
            return None  # (a reference that names a record only without spaces: told)
        if col == "schoolSourcedId":
            place = codes, cells, [_place_of(rd, v, share) for v in cells]
            if any(school == "" for school, _ in place[2]):
                return None  # (a department's school without an id: set all the same)
            cells = [v if school is None else school for v, (school, _) in zip(cells, place[2])]
        out.append((key, codes, [share(v, v) if v else v for v in cells]
                    if key in _SHARED else cells))
    if "termSourcedIds" in first:
        codes, cells = encoded("termSourcedIds")
        terms = [_term_of(v, rd.sessions, share) for v in cells]
        several.extend(code for code, (_, listed) in enumerate(terms) if listed > 1)
        out.append(("term_id", codes, [term for term, _ in terms]))
        out.append((PREFIX + "termSourcedIds", codes,
                    [v if listed else None for v, (_, listed) in zip(cells, terms)]))
    if "grades" in first:
        codes, cells = encoded("grades")
        grades = [_grade_of(v, share) if v else (None, False) for v in cells]
        out.append(("grade", codes, [grade for grade, _ in grades]))
        out.append((PREFIX + "grades", codes,
                    [v if several else None for v, (_, several) in zip(cells, grades)]))
    if place is not None:
        codes, cells, places = place
        out.append(("oneroster_org", codes,
                    [None if school is None else v for v, (school, _) in zip(cells, places)]))
        out.append(("district", codes, [dist for _, dist in places]))
    else:
        out.append(("district", None, [_place_of(rd, None, share)[1]]))
    for col, key, default in _class_extra_plan(rd, first):
        codes, cells = encoded(col)
        out.append((key, codes, cells if default is None else [
            "" if v == default else v for v in cells]))
    keys = [key for key, _, _ in out]
    return out if len(set(keys)) == len(keys) else None


def _respelt(rd: _Reader, kind: str, v: str) -> bool:
    """Whether :meth:`~rostergraph.io.oneroster._Reader.respelt` reads reference cell ``v``
    (to a ``kind`` record) otherwise (a problem)."""
    return bool(v) and v not in rd.ids_of(kind) and rd.match(kind, v) != v


def _class_sections(rd: _Reader, t: CsvTable, ids: list[str],
                    columns: list[tuple[str, Any, list[Any]]],
                    carried: list[tuple[int, str]]) -> None:
    """The sections of :func:`_read_class_columns`, in row order, a slice of rows at a
    time: each row's dict its keys whose value is not falsy; ``carried``: (row, its
    carried JSON cell) in row order (merged by ``put_extra``, as the row path merges it)."""
    keys: list[str] = []
    held: list[tuple[Any, Any, Any]] = []  # (codes, values, whether each is given)
    for key, codes, cells in columns:
        given = np.fromiter(map(bool, cells), dtype=bool, count=len(cells))
        if not given.any():
            continue  # (no row has the key)
        values = np.empty(len(cells), dtype=object)
        values[:] = cells
        keys.append(key)
        held.append((codes, values, None if given.all() else given))
    lines, n = t.lines, len(t.lines)
    sections, section_lines = rd.sections, rd.section_lines
    rd.users.settle()  # (the row path's, between rows: no user changes while classes are read)
    for at in range(0, n, _CLASS_ROWS_AT_ONCE):
        end = min(at + _CLASS_ROWS_AT_ONCE, n)
        made = _class_dicts(keys, held, at, end)
        for i, cell in carried[bisect_left(carried, (at,)):bisect_left(carried, (end,))]:
            rd.at_row = ("classes.csv", lines[i], "sections", ids[i])
            rd.put_extra(made[i - at], {CARRY_COLUMN: cell}, _CLASS_CONSUMED, [])
        sections.update(zip(ids[at:end], made))
        section_lines.update(zip(ids[at:end], lines[at:end]))
    rd.at_row = ("classes.csv", lines[n - 1], "sections", ids[n - 1])
    t.let_go(t.header)


#: The most shapes (sets of keys given) of the sections of a slice that
#: :func:`_class_dicts` makes shape by shape.
_CLASS_SHAPES = 64


def _class_dicts(keys: list[str], held: list[tuple[Any, Any, Any]], at: int, end: int
                 ) -> list[dict[str, Any]]:
    """The dicts of rows ``at:end`` of :func:`_class_sections`' columns, made a shape at a
    time (:func:`~rostergraph.io.shaped_dicts.dicts_by_shape`), in row order."""
    def cells(k: int, rows: Any) -> Any:
        codes, values, _ = held[k]
        return repeat(values[0]) if codes is None else values[codes[rows]].tolist()

    given = [None if g is None else g[0] if codes is None else g[codes[at:end]]
             for codes, _, g in held]
    made = dicts_by_shape(keys, given, lambda k, rows: cells(k, rows + at), end - at,
                          _CLASS_SHAPES)
    if made is None:  # (each row's values tested)
        part = [cells(k, slice(at, end)) for k in range(len(keys))]
        return [{k: v for k, v in zip(keys, row) if v} for row in zip(*part)]
    return made
