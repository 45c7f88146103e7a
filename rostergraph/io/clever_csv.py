"""Reader for Clever SFTP CSV uploads (``schools.csv``, ``students.csv``, ...).

Files: ``schools.csv``, ``students.csv``, ``teachers.csv``, ``sections.csv``,
``enrollments.csv`` (the five Clever requires), optional ``staff.csv`` and the
deprecated ``admins.csv`` (read as staff). Header names are matched ignoring
case, spaces, underscores, dots, hyphens and invisible characters (``Dob`` is read as
``DOB``, ``Student ID`` as ``Student_id``, with a problem noting each such column);
column order is free. The column → field mapping is the table in ``docs/formats.md``. How Clever's constructions are reproduced:

- **ids**: ``School_id``, ``Student_id``, ``Teacher_id``, ``Section_id`` become the
  record ids and also their ``sis_id`` (in Clever the SFTP id is the SIS id);
  ``Staff_id`` becomes the user id and ``roles.staff.staff_id``. Ids are kept as
  given; a reference that names no record but does once spaces around ids are ignored
  (``" 123"`` in ``enrollments.csv`` for the student ``123``, or the other way round)
  names that record, with a problem whose ``raw`` is the cell as given. An enrollment
  whose ``School_id`` is not its section's school is kept, with a problem.
- **terms** are constructed from ``Term_name``/``Term_start``/``Term_end`` (at
  least one non-empty); sections with the same three values share a term whose
  id is ``"sftp-term:"`` + the first 16 hex digits of SHA-256 of the three
  values joined by U+001F.
- **courses** are constructed from ``Course_name``/``Course_number`` (a name is
  needed); sections with the same number share a course (by name when there is
  no number); id ``"sftp-course:"`` + 16 hex digits of SHA-256 of
  ``"number" U+001F <number>`` (or ``"name" U+001F <name>``).
- **teachers**: ``Teacher_id`` is ``section.teacher`` (primary) and
  ``teachers[0]``; ``Teacher_2_id`` … ``Teacher_N_id`` follow by number (a gap
  ends nothing; ``Teacher_1_id`` is read as ``Teacher_id``, ``Teacher_id_2`` as
  ``Teacher_2_id``); a section repeated
  with the same values and another teacher (one row per section and teacher)
  gains that teacher as a co-teacher, with a problem. A teacher at
  several schools is one row per school with the same ``Teacher_id`` (the first
  row's school is the primary ``school``); students likewise. A repeated row's
  other values stay those of the first row, and a value that differs is a problem.
- **staff** rows merge into the teacher with the same non-empty email (or the
  employee with the same id) as one user with both roles, as Clever does (the staff
  member's later rows join that user whatever their email); emails are compared as
  given: one that is a teacher's only in another case or in spaces around it is not
  merged, with a problem;
  students and contacts never merge with employees: a ``Teacher_id`` or
  ``Staff_id`` that is also a ``Student_id`` is the user ``"sftp-teacher:<id>"``
  (``"sftp-staff:<id>"``), with a problem, and sections name that user.
- **contacts** come from the ``Contact_*`` columns of ``students.csv`` (a second
  contact in ``Contact_2_*`` columns, and so on). A contact's id is
  ``Contact_id`` when given, else ``"sftp-contact:" + Contact_sis_id``
  (so siblings share a contact), else ``"sftp-contact:<Student_id>:<k>"``.
  ``Contact_name`` goes to ``name.last`` (Clever keeps contacts' full names there).

rostergraph extensions (written by :func:`rostergraph.io.write_sftp.write_clever_csv`,
ignored by Clever): ``Term_id``/``Course_id`` columns in ``sections.csv``,
``Contact_id``, ``Clever_user_id`` in ``staff.csv`` and ``teachers.csv`` (the user
the row belongs to; no email merge or id split then), ``rostergraph_districts.csv`` and
``rostergraph_records.csv`` (``Kind, Id, Clever_json``: Clever fields and
records SFTP has no column for, merged back last).

Empty versus missing: a column the file does not have leaves the field
absent (``None``); an empty cell gives ``""``, except for references (school,
teacher, term, course ids), where empty means no reference. Columns with no
Clever field are kept in ``extra`` as ``sftp.<Column>``; those of ``enrollments.csv``
(an enrollment is no record) on the enrollment's section, as the OneRoster reader keeps
its enrollments' other cells (``extra["oneroster.enrollmentCells"]``, grouped by value:
:mod:`~rostergraph.io.enrollcells`), written back on each student's row.

Bad rows (unreadable CSV, no id, an enrollment in an unknown section) are
problems with file and line; every other row loads. A file named as an SFTP file but
otherwise (``students.csv.csv``, ``students.txt``) is not read: a problem names it when
the upload has no such file.

Examples
--------
>>> import rostergraph, tempfile, pathlib
>>> from rostergraph.io.write_sftp import write_clever_csv
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> _ = write_clever_csv(rostergraph.sample(), out)
>>> r = read_clever_csv(out)
>>> r.provenance.format, sorted(r.sections) == sorted(rostergraph.sample().sections)
('clever-csv', True)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import partial
from itertools import compress
from pathlib import Path
from typing import Any

import numpy as np

from .._collector import collector_paused
from ..errors import SourceError
from ..roster import Roster, raw_text
from . import parked
from .collect import ColumnarBuilder
from .csv_arrow import release_arrow_memory, release_heap
from .csv_rowchecks import is_secret_column, row_text
from .csvutil import Bundle, CsvTable, loads_json_cell
from .enrollcells import collect_cells, keep_cells, kept_note
from .enrollcols import empty_cells, padded_message, school_disagrees, sftp_enrollments
from .handed_runs import hand_in_order
from .limits import DEFAULT_LIMITS, Limits, unreadable_message
from .listed_sections import SectionRuns
from .mapping import SHARED_SECTION_FIELDS, deep_merge, passwords_left_out, share_values
from .parked import ParkedTexts
from .sftp_columns import EXT_DISTRICTS, EXT_RECORDS, SFTP_COLUMNS
from .sftp_contacts import apply_contacts
from .sftp_files import (
    FILE_KINDS,
    SFTP_FILES,
    any_case,
    course_id,
    is_clever_csv,
    misnamed,
    row_course,
    row_term,
    term_id,
)
from .sftp_rows import RowReader, case_only_email, folded_email
from .sftp_sections import (
    course_differs,
    course_unmade,
    new_course,
    new_term,
    read_section_columns,
)
from .sftp_students import plan_students
from .text_runs import TextRuns

__all__ = ["SFTP_COLUMNS", "SFTP_FILES", "course_id", "is_clever_csv", "read_clever_csv",
           "term_id"]

def _every_column(column: str) -> bool:
    return True


def _again(id_col: str, uid: str, user: str) -> str:
    """How a row of a user read before is named: by its id, or, merged into a user of
    another id (a staff member with a teacher's email, a Clever id of the extension
    column), by both.

    >>> _again("Staff_id", "S9", "T1")
    "Staff_id 'S9' merged into user 'T1'"
    """
    return f"{id_col} {uid!r} again" if user == uid else f"{id_col} {uid!r} merged into user {user!r}"


class _Reader(RowReader):
    """The records of an SFTP upload, built file by file (see the module's docstring)."""

    def read_districts(self) -> None:
        for line, row in self.rows(EXT_DISTRICTS, "districts"):
            did = self._need(row, "District_id", EXT_DISTRICTS, line, "districts")
            if did is None:
                continue
            d: dict[str, Any] = {"id": did}
            if row.get("District_name") is not None:
                d["name"] = row["District_name"]
            self.b.add("districts", d, file=EXT_DISTRICTS, line=line)
        if len(self.b.kinds["districts"]) == 1:
            self.district = next(iter(self.b.kinds["districts"]))

    def read_schools(self) -> None:
        for line, row in self.rows("schools.csv", "schools"):
            sid = self._need(row, "School_id", "schools.csv", line, "schools")
            if sid is None:
                continue
            self._padded_id("schools", sid)
            d: dict[str, Any] = {"id": sid, "sis_id": sid}
            if self.district:
                d["district"] = self.district
            self._fill_new(d, row, "schools.csv")
            self.b.add("schools", d, file="schools.csv", line=line)

    def _new_user(self, uid: str, file: str, line: int) -> dict[str, Any]:
        u: dict[str, Any] = {"id": uid, "roles": {}}
        if self.district:
            u["district"] = self.district
        self.users[uid] = u
        self.user_where[uid] = (file, line)
        return u

    def _school(self, r: dict[str, Any], school: str | None, singular: bool) -> None:
        if not school:
            return
        schools = r.setdefault("schools", [])
        if school not in schools:
            schools.append(school)
        if singular:
            r.setdefault("school", school)

    def _employee(self, role: str, uid: str, id_col: str, row: dict[str, str], file: str,
                  line: int) -> str:
        """The user a teacher or staff row belongs to: ``Clever_user_id`` (extension); for
        staff, the employee with that id or else the teacher with that email; else the
        row's id, unless a student or contact has it (students are never merged with
        employees): then ``"sftp-<role>:<id>"``, with a problem."""
        ext = row.get("Clever_user_id")
        if ext:
            return ext
        if (role, uid) in self.aliases:
            return self.aliases[(role, uid)]
        u = self.users.get(uid)
        employee = u is not None and ("teacher" in u["roles"] or "staff" in u["roles"])
        if role == "staff" and not employee:
            email = row.get("Staff_email", row.get("Admin_email"))
            if email and email in self.emails:
                # (the staff member's later rows are this user too, whatever their email)
                got = self.aliases[(role, uid)] = self.emails[email]
                return got
            near = self.folded_emails.get(folded_email(email)) if email else None
            if near is not None:
                self.b.problem("other", case_only_email(uid, near), file=file, line=line,
                               kind="users", record_id=uid,
                               field="Staff_email" if "Staff_email" in row else "Admin_email")
        if u is None or employee:
            return uid
        new = self.aliases[(role, uid)] = f"sftp-{role}:{uid}"
        self.b.problem("other", f"{id_col} {uid!r} is also a student's or contact's id: read "
                       f"as the user {new!r} (Clever never merges students or contacts with "
                       "employees)", file=file, line=line, kind="users", record_id=new,
                       field=id_col)
        return new

    def read_people(self, file: str, role: str, id_col: str) -> None:
        passwords = 0
        cols = None
        t = self.table(file, "users")
        if t is None:
            return
        if role == "student":  # (its plain rows read column-wise: see sftp_students)
            cols = plan_students(self, t, file)
        rows = self.cell_rows(file, t, None if cols is None else cols.rest)
        for line, row, cells in rows:
            if cols is not None:
                cols.register(self, line)
            if row.get("Password"):
                passwords += 1
            self._person(line, row, cells, file, role, id_col)
        if cols is not None:
            cols.register(self, None)
            passwords += cols.passwords
            self.column_students = cols
        if passwords:  # (a login credential: never kept)
            self.b.notes.append(passwords_left_out(file, passwords))

    def _person(self, line: int, row: dict[str, str], cells: Sequence[str] | None,
                file: str, role: str, id_col: str) -> None:
        """One row of a people file onto its user (and, for students.csv, its contact
        groups)."""
        uid = self._need(row, id_col, file, line, "users", cells)
        if uid is None:
            return
        self._references(row, file, line, "users", uid)
        uid_final = uid if role == "student" else self._employee(role, uid, id_col, row,
                                                                 file, line)
        existed = uid_final in self.users.ids
        if not existed:
            self._padded_id("users", uid_final)
            u = self._new_user(uid_final, file, line)
        else:
            u = self.users[uid_final]
        first = role not in u["roles"]
        r = u["roles"].setdefault(role, {})
        if role in ("student", "teacher"):
            if first:
                r["sis_id"] = uid
            self._school(r, row.get("School_id"), True)
        else:
            if first:
                r["staff_id"] = uid
            if row.get("Role") and row["Role"] not in r.get("roles", ()):
                r.setdefault("roles", []).append(row["Role"])  # (a role per school)
            self._school(r, row.get("School_id"), False)
        if not existed:
            self._fill_new(u, row, file)
            differ = []
        else:
            differ = self._fill(u, row, file)
            if r.get("staff_id", uid) != uid:  # (a second staff record merged by email)
                differ.insert(0, id_col)
        if differ:
            at = self.user_where[uid_final]
            self.b.problem("other", f"{_again(id_col, uid, uid_final)} (first read at {at[0]} "
                           f"line {at[1]}) with other values in {', '.join(differ)}: the first "
                           "values are kept (this row's are in raw)", file=file, line=line,
                           kind="users", record_id=uid_final, field=differ[0],
                           raw=self.row_text(row, cells))
        dob = row.get("DOB")
        if dob and self.dates.get(dob) is not True:  # (a date read before: nothing to tell)
            self._check_date(row, "DOB", file, line, "users", uid)
        if role == "teacher" and first and u.get("email"):
            self.emails.setdefault(u["email"], uid_final)
            self.folded_emails.setdefault(folded_email(u["email"]), uid_final)
        if cells is not None:  # (students.csv with contact columns)
            self._contact_groups(uid, line, cells, first)

    def _contact_groups(self, student: str, line: int, cells: Sequence[str],
                        first: bool) -> None:
        """The row's non-empty contact groups (of its cells, see :meth:`cell_rows`). A
        student's later row (one row per school, or per contact) adds the groups its
        earlier rows did not have, numbered on."""
        get, owner, groups = self.contact_plan
        values = get(cells)
        found = dict.fromkeys(compress(owner, values))  # (the non-empty groups, in order)
        if not found:
            return
        index = self.student_contacts
        if index is None and not first:  # made at the first repeated row, then kept up
            index = self.student_contacts = {}
            for i, c in enumerate(self.contacts):
                if not isinstance(c, range):  # (column-wise rows' groups: never repeated)
                    index.setdefault(c[0], []).append(i)
        for g in found:
            col_k, fields, start, end = groups[g]
            group = dict(zip(fields, values[start:end]))
            k = col_k
            if index is not None:
                mine = index.setdefault(student, [])
                if not first:
                    if any(self.contacts[i][3] == group for i in mine):
                        continue
                    k = str(max(int(self.contacts[i][2]) for i in mine) + 1) if mine else k
                mine.append(len(self.contacts))
            self.contacts.append((student, line, k, group, col_k))

    def read_sections(self) -> None:
        shared: dict[str, str] = {}
        t = self.table("sections.csv", "sections")
        if t is None or read_section_columns(self, t):
            return
        # (most sections have no co-teacher: their rows skip those columns' cells)
        co = self._co_teachers(t)
        for k, (line, row) in enumerate(self.rows("sections.csv", "sections", t)):
            sid = self._need(row, "Section_id", "sections.csv", line, "sections")
            if sid is None:
                continue
            more = co is None or bool(co[k])
            self._references(row, "sections.csv", line, "sections", sid, more)
            if sid in self.sections:
                self._repeated_section(sid, row, line)
                continue
            d: dict[str, Any] = {"id": sid, "sis_id": sid}
            if self.district:
                d["district"] = self.district
            if row.get("School_id"):
                d["school"] = row["School_id"]
            teachers = self._teachers(row, sid, line, more)
            if row.get("Teacher_id"):
                d["teacher"] = teachers[0]
            if teachers or "Teacher_id" in row:
                d["teachers"] = teachers
            self._fill_new(d, row, "sections.csv")
            self._term(d, row, line)
            self._course(d, row, line)
            share_values(d, SHARED_SECTION_FIELDS, shared)
            self.sections[sid] = d
            self.section_where[sid] = ("sections.csv", line)
            self._padded_id("sections", sid)

    def _co_teachers(self, t: CsvTable) -> np.ndarray | None:
        """Whether each row of a clean ``sections.csv`` read by pyarrow has a
        ``Teacher_<n>_id`` cell that is not empty (``None``: every row may)."""
        cols = self.plans["sections.csv"][3]
        if not t.clean or any(t.arrow(c) is None for c in cols):
            return None
        some = np.zeros(len(t.lines), dtype=bool)
        for c in cols:
            empty = empty_cells(t, c)
            if empty is None:
                return None
            some |= ~empty
        return some

    def _teachers(self, row: dict[str, str], sid: str, line: int,
                  co_teachers: bool = True) -> list[str]:
        """``Teacher_id`` then the ``Teacher_<n>_id`` columns (user ids: a teacher whose id
        is a student's is ``sftp-teacher:<id>``; ``co_teachers`` false: those cells are
        all empty); one listed twice is a problem."""
        alias = self.aliases
        teachers = [alias.get(("teacher", row["Teacher_id"]), row["Teacher_id"])
                    ] if row.get("Teacher_id") else []
        if not co_teachers:
            return teachers
        for col in self.plans["sections.csv"][3]:
            t = row[col]
            if not t:  # (most co-teacher cells: an alias is never of an empty id)
                continue
            t = alias.get(("teacher", t), t) if alias else t
            if t in teachers:
                self.b.problem("repeated_id", f"teacher {t!r} is listed again in "
                               f"{col} of section {sid!r}: kept once",
                               file="sections.csv", line=line, kind="sections",
                               record_id=sid, field=col)
            else:
                teachers.append(t)
        return teachers

    def _repeated_section(self, sid: str, row: dict[str, str], line: int) -> None:
        """A second row of a section: when it says the same but names other teachers (a
        SIS writing one row per section and teacher), they join as co-teachers, with a
        problem; any other second row is a duplicate (the first is kept)."""
        d = self.sections[sid]
        fields, extra, _, _ = self.plans["sections.csv"]
        same = ((d.get("school"), d.get("term_id"), d.get("course")) == (
            row.get("School_id") or None, row_term(row, self.made)[0],
            row_course(row, self.made)[0]) and all(
                d.get(key) == row[col] for _, run in fields for col, key in run) and all(
                d.get(key) == row[col] for col, key in extra))
        had = d.get("teachers") or []
        new = [t for t in self._teachers(row, sid, line) if t not in had] if same else []
        if not new:
            self.b.problem("duplicate_id", f"duplicate section id {sid!r}: the first "
                           "record is kept", file="sections.csv", line=line,
                           kind="sections", record_id=sid, raw=row_text(row))
            return
        d["teachers"] = [*had, *new]  # (the primary teacher stays the first row's)
        self.b.problem("other", f"section {sid!r} again (first at line "
                       f"{self.section_where[sid][1]}) with other teachers: "
                       f"{', '.join(map(repr, new))} added as co-teachers", file="sections.csv",
                       line=line, kind="sections", record_id=sid, field="Teacher_id")

    def _term(self, d: dict[str, Any], row: dict[str, str], line: int) -> None:
        tid, name, start, end = row_term(row, self.made)
        if tid is None:
            return
        d["term_id"] = tid
        if tid not in self.terms:
            self.terms[tid] = new_term(tid, name, start, end, self.district)

    def _course(self, d: dict[str, Any], row: dict[str, str], line: int) -> None:
        cid, name, number = row_course(row, self.made)
        desc = row.get("Course_description")
        if cid is None:
            course_unmade(self.b, d["id"], number, desc, line)
            return
        d["course"] = cid
        c = self.courses.get(cid)
        if c is None:
            self.courses[cid] = new_course(cid, name, number, desc, self.district)
            return
        course_differs(self.b, c, name, number, desc, line)

    def read_enrollments(self) -> None:
        # (every column dictionary-encoded: millions of rows of a few hundred thousand ids)
        t = self.table("enrollments.csv", "sections", coded=_every_column)
        if t is None:
            return
        # the columns Clever does not define: their cells kept on the enrollment's section,
        # as the OneRoster reader keeps them (an enrollment is no record); a credential's
        # never
        kept = [c for c, _ in self.plans["enrollments.csv"][1]]
        told = [c for c in dict.fromkeys(t.header) if is_secret_column(c)]
        if told:
            self.b.problem("other", f"column(s) {', '.join(told)} of enrollments.csv: a "
                           "credential's column is never kept; not loaded",
                           file="enrollments.csv", line=1, kind="sections", field=told[0])
        if t.clean:
            loaded = sftp_enrollments(self.b, t, self.sections, self.section_where,
                                      self.matched)
            self.student_lists = loaded.students
            collect_cells(t, loaded, kept)
        else:
            self._enrollment_rows(t, kept)
        note = kept_note("enrollments.csv", self.sections.values(), kept)
        if note is not None:
            self.b.notes.append(note)

    def _enrollment_rows(self, t: CsvTable, kept: list[str]) -> None:
        """The rows of a table not read column-wise, one by one (the cells of ``kept``
        columns kept as :func:`~rostergraph.io.enrollcells.collect_cells` keeps them)."""
        seen: set[tuple[str, str]] = set()
        kept_cells = [(col, t.getter(col)) for col in kept]
        get_sec, get_stu = t.getter("Section_id"), t.getter("Student_id")
        get_school = t.getter("School_id")
        sections = self.sections
        for line, row in t.rows():
            sec_id, stu = get_sec(row) or "", get_stu(row) or ""
            school = get_school(row) or ""
            cells = (sec_id, stu, school)
            sec_id, stu, school = (self.match("sections", sec_id), self.match("users", stu),
                                   self.match("schools", school))
            for col, v, got in zip(("Section_id", "Student_id", "School_id"), cells,
                                   (sec_id, stu, school)):
                if got != v:
                    self.b.problem("other", padded_message(col, v, got), file="enrollments.csv",
                                   line=line, kind="sections", record_id=sec_id or None,
                                   field=col, raw=v)
            sec = sections.get(sec_id)
            if sec is not None and school and sec.get("school") and school != sec["school"]:
                self.b.problem("other", school_disagrees(
                    school, sec_id, sec["school"], self.section_where[sec_id][1]),
                    file="enrollments.csv", line=line, kind="sections", record_id=sec_id,
                    field="School_id", raw=row_text(t.as_dict(row)))
            if sec is None or not stu:
                self.b.problem("other", f"enrollment in unknown section {sec_id!r}; not loaded"
                               if sec is None else "enrollment without Student_id; not loaded",
                               file="enrollments.csv", line=line, kind="sections",
                               record_id=sec_id or None, raw=row_text(t.as_dict(row)))
                continue
            if (sec_id, stu) in seen:
                self.b.problem("other", f"student {stu!r} enrolled twice in section "
                               f"{sec_id!r}; one edge kept", file="enrollments.csv",
                               line=line, kind="sections", record_id=sec_id,
                               raw=row_text(t.as_dict(row)))
                continue
            seen.add((sec_id, stu))
            sec.setdefault("students", []).append(stu)
            keep_cells(sec, kept_cells, row, "student", stu)

    def read_records(self) -> ParkedTexts:
        """The ``Clever_json`` of each ``(kind, id)`` of ``rostergraph_records.csv``: its
        cell's text once checked (a dict of millions of records' fields would be several
        times the file's size; :meth:`carried` reads it again when it is merged), a dict
        when one record has several rows."""
        # (the texts on shelves: a million cells as str objects spread over Python's
        # small-object heap, which then keeps the memory for good)
        carry = ParkedTexts()
        for line, row in self.rows(EXT_RECORDS, None):
            kind, rid, js = row.get("Kind") or "", row.get("Id") or "", row.get("Clever_json")
            try:
                obj = loads_json_cell(js or "", self.limits.max_json_depth)
            except ValueError as exc:
                deep = "Limits.max_json_depth" in str(exc)
                self.b.problem("limit" if deep else "syntax",
                               f"Clever_json {'nests too deep' if deep else 'is not JSON'}: {exc}",
                               file=EXT_RECORDS, line=line, kind=kind or None,
                               record_id=rid or None, raw=raw_text(js or ""))
                continue
            if kind not in self.b.kinds or not rid or not isinstance(obj, dict):
                self.b.problem("other", "row needs Kind (a record kind), Id and a JSON object",
                               file=EXT_RECORDS, line=line, record_id=rid or None)
                continue
            if (kind, rid) not in carry:
                carry[(kind, rid)] = js or ""
            else:
                got = carry[(kind, rid)] = self.carried(carry[(kind, rid)])
                obj.pop("id", None)  # the row's Id names the record
                deep_merge(got, obj)
        return carry

    def carried(self, value: dict[str, Any] | str) -> dict[str, Any]:
        """A :meth:`read_records` value as its dict (the text read as when it was checked,
        without the ``id`` key: the row's ``Id`` names the record)."""
        if isinstance(value, dict):
            return value
        obj: dict[str, Any] = loads_json_cell(value, self.limits.max_json_depth)
        obj.pop("id", None)
        return obj

    def finish(self, carry: ParkedTexts) -> None:
        def merged(kind: str, d: dict[str, Any]) -> dict[str, Any]:
            more = carry.pop((kind, d["id"]), None)
            more = self.carried(more) if more is not None else None
            return deep_merge(d, more, none_deletes=True) if more else d

        for kind, rows in (("terms", self.terms), ("courses", self.courses)):
            for d in rows.values():
                self.b.add(kind, merged(kind, d), file="sections.csv")
        # each dict goes once added (its record is kept as text or built); as its text,
        # checked to read back by a walk, not parsed again and compared (a section's list
        # of students made that an eighth of the load)
        # (a run at a time: one builder call per record cost more than its decoding)
        sections = SectionRuns(self.b, self.student_lists)
        self.student_lists = None
        for sid in list(self.sections):
            file, line = self.section_where[sid]
            sections.add(merged("sections", self.sections.pop(sid)), file=file, line=line)
        sections.flush()
        runs = TextRuns(self.b, "users")
        # (students.csv's column-wise rows and the contacts made from templates that
        # nothing changed are handed by their shapes, after the users held)
        sets = [s.handed(self.users, carry) for s in (
            self.column_students, self.shaped_contacts) if s is not None]
        where, pop, add = self.user_where.__getitem__, self.users.pop_text, runs.add
        mend = partial(merged, "users")
        carried = len(carry) > 0  # (most uploads have no rostergraph_records.csv)

        def plain_at(uid: str) -> tuple[str, int] | None:  # (where, if nothing is merged)
            return None if carried and ("users", uid) in carry else where(uid)

        order = hand_in_order(self.b, self.users, list(self.users), sets, runs, plain_at)
        for k, (uid, value) in enumerate(order, 1):
            file, line = where(uid)
            add(pop(uid) if value is None else value,
                mend if carried and ("users", uid) in carry else None, file=file, line=line)
            if k % parked.TIDY_EVERY == 0:  # (shelves left sparse let go as the texts go: 0.3 GB at L)
                self.users.tidy()
                carry.tidy()
        runs.flush()
        for (kind, rid), value in carry.items():
            d = self.carried(value)
            table = self.b.kinds[kind]
            if rid in table:
                from ..model import RECORD_CLASSES, record_from_dict, record_to_dict

                full = deep_merge(record_to_dict(table[rid]), d, none_deletes=True)
                table[rid] = record_from_dict(RECORD_CLASSES[kind], full)[0]
            else:
                self.b.add(kind, {"id": rid, **d}, file=EXT_RECORDS)


def read_clever_csv(path: str | os.PathLike[str], *, strict: bool = False,
                    limits: Limits = DEFAULT_LIMITS) -> Roster:
    """Read a folder (or ``.zip``) of Clever SFTP CSV files into a Roster.

    Parameters
    ----------
    path:
        The folder holding ``schools.csv``, ``students.csv``, ``teachers.csv``,
        ``sections.csv``, ``enrollments.csv`` (any may be absent) and optional
        ``staff.csv``/``admins.csv``; or a zip of them.
    strict:
        Raise :class:`~rostergraph.errors.FormatError` on the first problem.
    limits:
        Bounds for zips and CSV fields.

    Returns
    -------
    Roster
        With ``provenance.format == "clever-csv"``.

    Raises
    ------
    SourceError
        When the path does not exist or holds none of the files, or is one ``.csv`` file
        (the error says to give its folder).

    Examples
    --------
    >>> import rostergraph, tempfile, pathlib
    >>> from rostergraph.io.write_sftp import write_clever_csv
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_clever_csv(rostergraph.sample(), out, extensions=False)
    >>> r = read_clever_csv(out)
    >>> len(r.schools), r.provenance.version
    (4, 'sftp')
    """
    p = Path(path)
    if not p.exists():
        raise SourceError("no such file or folder", path=str(path))
    if p.is_file() and p.suffix.lower() == ".csv":  # (not a zip of them, one of them)
        raise SourceError(f"{p.name} is one file of a Clever SFTP upload: give the folder "
                          "that holds it (an upload is a folder, or a .zip, of schools.csv, "
                          "students.csv, ...)", path=str(path))
    bundle = any_case(Bundle(p, limits))
    # building the records allocates hundreds of thousands of tracked objects: the
    # collector would walk them again and again (restored, and they settled, after)
    try:
        with collector_paused(settle=True):
            if not any(n in bundle for n in SFTP_FILES):
                raise SourceError("no Clever SFTP files found (expected " + ", ".join(SFTP_FILES)
                                  + ")", path=str(path))
            b = ColumnarBuilder(source=str(path), format="clever-csv", strict=strict,
                                max_problems=limits.max_problems)
            b.version = "sftp"
            b.notes.extend(bundle.bundle.notes)  # (a zip named otherwise, a zip in a zip)
            b.notes.extend(f"{got} read as {want} (Clever's SFTP file names are lower case"
                           + (", and at the top of the upload)" if "/" in got else ")")
                           for want, got in bundle.renamed.items())
            for name, what in bundle.bundle.unreadable:  # (a link to nothing, a folder)
                if name.lower() in FILE_KINDS:
                    b.problem("missing_file", unreadable_message(name, what), file=name,
                              kind=FILE_KINDS[name.lower()])
            wrong = misnamed(bundle.names(), bundle)
            for name, want in wrong:  # (the upload then lacks that file: never silent)
                b.problem("other", f"{name} is named as Clever's {want} but is not it (the "
                          f"upload has no {want}): not read, so none of its records load; "
                          f"save it as {want} (Clever's SFTP files are CSV files named so)",
                          file=name, kind=FILE_KINDS[want])
            r = _Reader(bundle, b, limits)
            r.read_districts()
            r.read_schools()
            r.read_people("students.csv", "student", "Student_id")
            r.read_people("teachers.csv", "teacher", "Teacher_id")
            r.read_people("staff.csv", "staff", "Staff_id")
            if "admins.csv" in bundle:
                b.notes.append("admins.csv is deprecated by Clever; its rows were read as staff")
                r.read_people("admins.csv", "staff", "Staff_id")
            release_arrow_memory()  # (the people's tables, before contacts are linked)
            r.shaped_contacts = apply_contacts(r)
            r.users.compact()  # (the holes the users read back so far left)
            r.read_sections()
            if "sections.csv" in bundle and "enrollments.csv" not in bundle:
                # Clever's SFTP format requires both: without enrollments no section has
                # students, which must not pass for a district of empty sections
                b.problem("missing_file", "sections.csv is present but enrollments.csv is "
                          "not: no section has students (Clever SFTP requires both files)",
                          file="enrollments.csv")
            elif "enrollments.csv" in bundle and r.sections and not bundle.size(
                    "enrollments.csv"):
                # (0 bytes, not even its header: an export cut short, as a missing file is)
                b.problem("missing_file", "enrollments.csv is empty (0 bytes, not even its "
                          "header) while sections.csv has sections: no section has students",
                          file="enrollments.csv")
            r.read_enrollments()
            # (reading rostergraph_records.csv hands back the tables read before it first)
            carry = r.read_records()
            release_arrow_memory()  # (its table, 0.6 GB at L, or the ones before it)
            release_heap()
            r.finish(carry)
            told = {name for name, _ in wrong}
            for name in bundle.names():
                if name.endswith(".csv") and name not in SFTP_FILES and name not in (
                        EXT_DISTRICTS, EXT_RECORDS) and name not in told:
                    b.notes.append(f"{name}: not a Clever SFTP file; ignored")
            # (the reader's ids, places and aliases, hundreds of MB at L, go before the
            # builder's columns are made)
            del r, carry
            return b.build()
    finally:
        bundle.close()
