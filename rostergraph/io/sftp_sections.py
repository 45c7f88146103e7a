"""A Clever SFTP ``sections.csv`` read column by column, with its terms and courses.

Clever's SFTP spec makes a section of each row, and a term and a course of the row's term
and course cells (their ids constructed from those cells when the upload gives none).
The row path (``read_sections`` of :mod:`rostergraph.io.clever_csv`) does so a row at a
time, in Python: 2.3 s of a 300k-section upload. When it would tell nothing of any row
but of the courses (every ``Section_id`` given once and plain, every school and teacher
named as read, no co-teacher listed twice), the sections are made here from the
columns' distinct cells instead: each term and course once, from its first row; each
section's dict with the row path's keys in its order (rows that give the same keys made
together); the course problems (a course named otherwise in a later row, a course number
without a name) told in line order, as the row path tells them. Anything else leaves the
whole file to the row path.
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from ..columns import object_array
from ..roster import raw_text
from .cell_flags import distinct_rows, plain_ids
from .sftp_columns import SFTP_PREFIX
from .sftp_files import row_course, row_term
from .shaped_dicts import dicts_by_shape

if TYPE_CHECKING:
    from .csvutil import CsvTable

__all__ = ["COLUMN_SECTIONS", "course_differs", "course_unmade", "new_course", "new_term",
           "read_section_columns"]

#: Whether a plain sections.csv is read column by column (a switch for the tests that
#: compare it with the row path; never changed by the library).
COLUMN_SECTIONS = True

_FILE = "sections.csv"
_DESC = SFTP_PREFIX + "Course_description"
_TERM_COLS = ("Term_id", "Term_name", "Term_start", "Term_end")
_COURSE_COLS = ("Course_id", "Course_name", "Course_number", "Course_description")


def new_term(tid: str, name: str, start: str, end: str, district: str | None
             ) -> dict[str, Any]:
    """The term a section row's cells make (its empty cells left out)."""
    t: dict[str, Any] = {"id": tid}
    for k, v in (("name", name), ("start_date", start), ("end_date", end)):
        if v:
            t[k] = v
    if district:
        t["district"] = district
    return t


def new_course(cid: str, name: str, number: str, desc: str | None, district: str | None
               ) -> dict[str, Any]:
    """The course a section row's cells make (its empty cells left out; the description,
    no Clever field, in ``extra``)."""
    c: dict[str, Any] = {"id": cid}
    if name:
        c["name"] = name
    if number:
        c["number"] = number
    if desc:
        c[_DESC] = desc
    if district:
        c["district"] = district
    return c


def course_unmade(b: Any, sid: str, number: str, desc: str | None, line: int) -> None:
    """Tell a row that names no course (no ``Course_name``) but gives its other cells."""
    if number:
        b.problem("other", "Course_number without Course_name: Clever builds no course",
                  file=_FILE, line=line, kind="sections", record_id=sid, field="Course_name",
                  raw=raw_text(desc) if desc else None)
    elif desc:
        b.problem("other", "Course_description without Course_name: Clever builds no "
                  "course, so nothing keeps it", file=_FILE, line=line, kind="sections",
                  record_id=sid, field="Course_description", raw=raw_text(desc))


def course_differs(b: Any, c: dict[str, Any], name: str, number: str, desc: str | None,
                   line: int) -> None:
    """Tell a later row of course ``c`` that gives it another name or description (the
    first row's are kept)."""
    cid = c["id"]
    if name and c.get("name") != name:
        b.problem("other", f"course {number or cid!r} has another name in this row; "
                  "the first is kept", file=_FILE, line=line, kind="courses", record_id=cid,
                  field="Course_name")
    if desc is not None and desc != c.get(_DESC, ""):
        b.problem("other", f"course {number or cid!r} has another Course_description "
                  "in this row; the first is kept", file=_FILE, line=line, kind="courses",
                  record_id=cid, field="Course_description", raw=raw_text(desc))


def read_section_columns(rd: Any, t: CsvTable) -> bool:
    """Read clean ``sections.csv`` table ``t`` (pyarrow's) into reader ``rd``'s sections,
    terms and courses column by column, when the row path would tell nothing of its rows
    but of their courses (see the module's text); ``False``, having read nothing,
    otherwise."""
    n = len(t.lines)
    if (not COLUMN_SECTIONS or rd.sections or rd.terms or rd.courses or not t.clean
            or not t.unique or not n or "Section_id" not in t.index
            or any(t.arrow(c) is None for c in t.header)):
        return False
    if not plain_ids(t.arrow("Section_id")).all():
        return False  # (an empty, spaced or formula id: told, or noted)
    sids: list[str] = t.arrow("Section_id").to_pylist()
    if len(set(sids)) != n:
        return False  # (a section given again: told, or its teachers joined)
    held: dict[str, tuple[np.ndarray, list[str]]] = {}

    def encoded(col: str) -> tuple[np.ndarray, list[str]]:
        if col not in held:
            got = t.encoded(col)
            assert got is not None  # (a column of a clean table)
            held[col] = got
        return held[col]

    for col, kind in (("School_id", "schools"), ("Teacher_id", "users")):
        if col in t.index and any(_respelt(rd, kind, v) for v in encoded(col)[1]):
            return False  # (a reference read without its spaces: told)
    fields, extra, _, _ = rd.plans[_FILE]
    if any(parents for parents, _ in fields):
        return False  # (a nested field: no section's has one)
    got = _teachers(rd, t, encoded, n)
    if got is None:
        return False
    first, teachers = got
    lines = np.asarray(t.lines)
    term_ids = _terms(rd, t, encoded, n)
    course_ids = _courses(rd, t, encoded, n, sids, lines)
    columns: list[tuple[str, list[Any]]] = [("id", sids), ("sis_id", sids)]
    if rd.district:
        columns.append(("district", [rd.district] * n))
    if "School_id" in t.index:
        columns.append(("school", _cells(encoded("School_id"))))
    if "Teacher_id" in t.index:
        columns.append(("teacher", first))
    columns.append(("teachers", teachers))
    for _, run in fields:  # (each a top-level key of a section)
        columns += [(key, _cells(encoded(col))) for col, key in run]
    columns += [(key, _cells(encoded(col))) for col, key in extra]
    columns += [("term_id", term_ids), ("course", course_ids)]
    # (which of the keys a row leaves out: a school, teacher, term or course it lacks;
    # its teachers when it names none and the file has no Teacher_id column)
    optional = {"school", "teacher", "term_id", "course"}
    if "Teacher_id" not in t.index:
        optional.add("teachers")
    given = {key: np.fromiter(map(bool, values), dtype=bool, count=n)
             for key, values in columns if key in optional}
    rd.users.settle()  # (no user changes while the sections are made)
    made = _dicts(columns, given, n)
    rd.sections.update(zip(sids, made))
    rd.section_where.update_many(sids, _FILE, lines)
    t.let_go(t.header)
    return True


def _respelt(rd: Any, kind: str, v: str) -> bool:
    """Whether the row path reads reference cell ``v`` (to a ``kind`` record) as another
    id (a problem): one that names a record only without its spaces."""
    return bool(v) and v not in rd._table(kind) and rd.match(kind, v) != v


def _cells(coded: tuple[np.ndarray, list[Any]]) -> list[Any]:
    """Each row's value of a column given as ``(codes, values)``."""
    codes, values = coded
    return object_array(values)[codes].tolist()


def _teachers(rd: Any, t: CsvTable, encoded: Any, n: int
              ) -> tuple[list[str], list[list[str]]] | None:
    """Each row's teacher (its ``Teacher_id``, ``""`` for none; a teacher whose id is a
    student's by its alias) and teachers (that one, then its ``Teacher_<n>_id`` cells);
    ``None`` when a row names one twice or a co-teacher read without its spaces (told)."""
    alias = rd.aliases
    if "Teacher_id" in t.index:
        codes, values = encoded("Teacher_id")
        named = [alias.get(("teacher", v), v) if alias else v for v in values]
        first = _cells((codes, named))
    else:
        first = [""] * n
    out = [[v] if v else [] for v in first]
    co_cols = rd.plans[_FILE][3]
    if not co_cols:
        return first, out
    co = rd._co_teachers(t)
    rows = np.flatnonzero(co) if co is not None else np.arange(n)
    cells = [_cells(encoded(c)) for c in co_cols]
    for i in rows.tolist():
        mine = out[i]
        for col in cells:
            v = col[i]
            if not v:
                continue
            if _respelt(rd, "users", v):
                return None
            v = alias.get(("teacher", v), v) if alias else v
            if v in mine:
                return None
            mine.append(v)
    return first, out


def _combos(t: CsvTable, encoded: Any, cols: tuple[str, ...], n: int
            ) -> tuple[list[dict[str, str]], np.ndarray, np.ndarray]:
    """The distinct rows of columns ``cols`` (those the file has) as row dicts, each
    row's number among them, and the distinct rows in order of their first row."""
    present = [c for c in cols if c in t.index]
    if not present:
        return [{}], np.zeros(n, np.int64), np.zeros(1, np.int64)
    coded = [encoded(c) for c in present]
    kinds, of_row = distinct_rows([codes for codes, _ in coded])
    rows = [{c: values[k] for c, (_, values), k in zip(present, coded, key)}
            for key in kinds]
    firsts = np.unique(of_row, return_index=True)[1]
    return rows, of_row, np.argsort(firsts, kind="stable")


def _terms(rd: Any, t: CsvTable, encoded: Any, n: int) -> list[str | None]:
    """Each row's term id; the terms made (each from its first row)."""
    rows, of_row, order = _combos(t, encoded, _TERM_COLS, n)
    tids: list[str | None] = [None] * len(rows)
    for k in order.tolist():
        tid, name, start, end = row_term(rows[k], rd.made)
        tids[k] = tid
        if tid is not None and tid not in rd.terms:
            rd.terms[tid] = new_term(tid, name, start, end, rd.district)
    return _cells((of_row, tids))


def _courses(rd: Any, t: CsvTable, encoded: Any, n: int, sids: list[str],
             lines: np.ndarray) -> list[str | None]:
    """Each row's course id; the courses made (each from its first row), and the rows
    that name a course otherwise, or none, told in line order."""
    rows, of_row, order = _combos(t, encoded, _COURSE_COLS, n)
    cids: list[str | None] = [None] * len(rows)
    read: list[tuple[str | None, str, str, str | None]] = [("", "", "", None)] * len(rows)
    for k in order.tolist():
        cid, name, number = row_course(rows[k], rd.made)
        cids[k] = cid
        read[k] = (cid, name, number, rows[k].get("Course_description"))
        if cid is not None and cid not in rd.courses:
            rd.courses[cid] = new_course(cid, name, number, read[k][3], rd.district)
    told = np.zeros(len(rows), dtype=bool)
    for k, (cid, name, number, desc) in enumerate(read):
        c = rd.courses.get(cid) if cid is not None else None
        told[k] = bool(number or desc) if cid is None else bool(
            (name and c.get("name") != name)  # type: ignore[union-attr]
            or (desc is not None and desc != c.get(_DESC, "")))  # type: ignore[union-attr]
    for i in np.flatnonzero(told[of_row]).tolist():
        cid, name, number, desc = read[of_row[i]]
        if cid is None:
            course_unmade(rd.b, sids[i], number, desc, int(lines[i]))
        else:
            course_differs(rd.b, rd.courses[cid], name, number, desc, int(lines[i]))
    return _cells((of_row, cids))


def _dicts(columns: list[tuple[str, list[Any]]], given: dict[str, np.ndarray], n: int
           ) -> list[dict[str, Any]]:
    """Each row's section dict: the keys of ``columns`` in order, but those ``given`` says
    the row lacks (:func:`~rostergraph.io.shaped_dicts.dicts_by_shape`)."""
    values = [v for _, v in columns]

    def cells(k: int, rows: np.ndarray) -> Any:
        col = values[k]
        if len(rows) == n:  # (every row: they are ascending)
            return col
        return itemgetter(*rows.tolist())(col) if len(rows) > 1 else (col[int(rows[0])],)

    made = dicts_by_shape([key for key, _ in columns], [given.get(key) for key, _ in columns],
                          cells, n)
    assert made is not None  # (a few optional keys, any number of shapes)
    return made
