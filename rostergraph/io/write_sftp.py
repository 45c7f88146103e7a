"""The Clever SFTP CSV writer: a Roster out as Clever's SFTP upload files.

Clever's SFTP format has one file per role (``schools.csv``, ``students.csv``,
``teachers.csv``, ``staff.csv``, ``sections.csv``, ``enrollments.csv``) and no
terms or courses of their own; see :mod:`rostergraph.io.write` for the report every
writer returns and :mod:`rostergraph.io.clever_csv` for the reader.

Examples
--------
>>> import rostergraph, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> report = write_clever_csv(rostergraph.sample(), out / "sftp")
>>> (out / "sftp" / "sections.csv").is_file(), len(rostergraph.load(out / "sftp").sections) > 0
(True, True)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..model import record_to_dict
from ..roster import Roster, source_path
from ..safety import home_path
from ..table import Table
from .credentials import without_credentials
from .mapping import get_path
from .sftp_columns import SFTP_PREFIX
from .write import (
    FileData,
    WriteReport,
    _attr_path,
    _Carry,
    _dumps,
    _write_files,
    each_record,
    made_folder,
)
from .write_oneroster_kept import carry_unwritten_cells, enrollment_cells
from .write_sheets import Sheet

__all__ = ["write_clever_csv"]


_SFTP_ID_COLS = {"schools.csv": ["School_id"],
                 "students.csv": ["School_id", "Student_id"],
                 "teachers.csv": ["School_id", "Teacher_id"],
                 "staff.csv": ["School_id", "Staff_id"],
                 "sections.csv": ["School_id", "Section_id", "Teacher_id"],
                 "enrollments.csv": ["School_id", "Section_id", "Student_id"]}
#: the files, in the order they are written
_SFTP_FILES = ("schools.csv", "students.csv", "teachers.csv", "staff.csv", "sections.csv",
               "enrollments.csv", "rostergraph_districts.csv", "rostergraph_records.csv")
#: the columns of an SFTP enrollments.csv the writer fills itself
_ENROLLMENT_OWN = frozenset(_SFTP_ID_COLS["enrollments.csv"])
#: every file an SFTP write may make
SFTP_FILE_NAMES = _SFTP_FILES
_SFTP_TAIL = {"sections.csv": ["Course_name", "Course_number", "Course_description",
                               "Term_name", "Term_start", "Term_end"]}


def _present_paths(records: Iterable[Any], paths: Iterable[str]) -> set[str]:
    paths = list(paths)
    out: set[str] = set()
    for rec in records:
        for p in paths:
            if p not in out and _attr_path(rec, p) is not None:
                out.add(p)
        if len(out) == len(paths):
            break
    return out


def write_clever_csv(roster: Roster, path: str | os.PathLike[str], *,
                     extensions: bool = True) -> Table:
    """Write a roster as Clever SFTP CSV files into the folder ``path``.

    Parameters
    ----------
    roster:
        The roster to write.
    path:
        The output folder (created if missing).
    extensions:
        Also write what SFTP CSV cannot hold, in rostergraph extensions that
        Clever ignores and :func:`~rostergraph.io.clever_csv.read_clever_csv`
        reads back: ``Term_id``/``Course_id`` and ``Contact_id`` columns,
        ``Clever_user_id`` in ``staff.csv``, ``rostergraph_districts.csv`` and
        ``rostergraph_records.csv`` (Clever fields with no column, and whole
        records SFTP has no file for: district admins, contacts of no written
        student, terms and courses no section uses). Without them those are
        ``dropped`` in the report, and terms, courses and contacts get the
        constructed ids described in :mod:`rostergraph.io.clever_csv`.

    Returns
    -------
    Table
        The report (``kind, field, count, how``).

    Examples
    --------
    >>> import rostergraph, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> report = write_clever_csv(rostergraph.sample(), out)
    >>> sorted(p.name for p in out.iterdir())[:3]
    ['enrollments.csv', 'rostergraph_districts.csv', 'rostergraph_records.csv']
    """
    out = Path(home_path(path))
    report = WriteReport()
    with made_folder(out, False) as spill:
        # each file's columns are those its rows have (no fixed header): see _header
        sheets = {f: Sheet([], spill_dir=spill) for f in _SFTP_FILES}
        try:
            max_teachers = _write_rows(roster, sheets, report, extensions)
            files: dict[str, FileData] = {}
            for name, sheet in sheets.items():
                if name.startswith("rostergraph_") and not extensions:
                    continue
                files[name] = _sheet_file(sheet, report, name,
                                          _header(name, sheet, max_teachers))
            _write_files(out, files, as_zip=False, family=SFTP_FILE_NAMES,
                         source=source_path(roster.provenance))
        finally:
            for sheet in sheets.values():
                sheet.close()  # (a write that failed: its spilled rows go)
    return report.table()


def _sheet_file(sheet: Sheet, report: WriteReport, name: str, header: list[str]) -> FileData:
    return lambda out: sheet.write(out, report, name, header)


def _header(name: str, sheet: Sheet, max_teachers: int) -> list[str]:
    """A file's header: its id columns, then the Clever columns any row has (in Clever's
    order), then the others in the order rows first had them."""
    from .clever_csv import SFTP_COLUMNS

    if name == "rostergraph_records.csv":
        return ["Kind", "Id", "Clever_json"]
    if name == "rostergraph_districts.csv":
        return ["District_id", "District_name"]
    header = list(_SFTP_ID_COLS.get(name, []))
    if name == "sections.csv":
        header += [f"Teacher_{k}_id" for k in range(2, max_teachers + 1)]
    had = set(sheet.keys)
    for col in [col for col, _ in SFTP_COLUMNS.get(name, [])] + _SFTP_TAIL.get(name, []):
        if col in had and col not in header:
            header.append(col)
    placed = set(header)
    return header + [k for k in sheet.keys if k not in placed]


def _write_rows(roster: Roster, sheets: dict[str, Sheet], report: WriteReport,
                ext: bool) -> int:
    """Every record's rows, into their sheets; the most teachers a section has."""
    from .clever_csv import SFTP_COLUMNS

    sole = next(iter(roster.districts)) if len(roster.districts) == 1 else None
    records = sheets["rostergraph_records.csv"]

    def carry(c: _Carry, rid: str) -> None:
        rest = c.rest()
        if rest and ext:
            records.add({"Kind": c.kind, "Id": rid, "Clever_json": _dumps(rest).decode()})

    def whole(kind: str, rec: Any, why: str) -> None:
        report.add(kind, f"(whole record: {why})", "extension" if ext else "dropped")
        if ext:
            records.add({"Kind": kind, "Id": rec.id,
                            "Clever_json": _dumps(record_to_dict(
                                rec, nulls=False, extra_filter=without_credentials)).decode()})

    def columns(c: _Carry, row: dict[str, Any], file: str, present: set[str]) -> None:
        for col, p in SFTP_COLUMNS[file]:
            if p not in present:
                continue
            c.take(p)
            v = get_path(c.orig, p)  # shared fields (email, name) feed every role's file
            row[col] = v
            if v is None:
                c.keep(p, None)  # the column exists, so an empty cell would read as ""
        row.update(c.columns())

    def district(c: _Carry) -> None:
        # the reader gives the sole district back from rostergraph_districts.csv only: without
        # extension columns no file says it, so the field is counted as not written
        d = c.take("district")
        if (d != sole) if ext else (d is not None):
            c.keep("district", d)

    # districts
    for rec in roster.districts.values():
        c = _Carry("districts", rec, report, ext, SFTP_PREFIX, False)
        if ext:
            sheets["rostergraph_districts.csv"].add(
                {"District_id": c.take("id"), "District_name": c.take("name")})
            carry(c, rec.id)
        else:
            report.add("districts", "(whole record: SFTP has no district file)", "dropped")
    # schools
    present = _present_paths(roster.schools.values(), (p for _, p in SFTP_COLUMNS["schools.csv"]))
    for rec in roster.schools.values():
        c = _Carry("schools", rec, report, ext, SFTP_PREFIX, False)
        row = {"School_id": c.take("id")}
        if c.take("sis_id") != rec.id:
            c.keep("sis_id", rec.sis_id)
        district(c)
        columns(c, row, "schools.csv", present)
        sheets["schools.csv"].add(row)
        carry(c, rec.id)
    # users: students, teachers, staff; contacts collected per student
    users = _UsersSeen(roster, ext)
    student_order, groups = users.student_order, users.groups
    teacher_emails, present_by_file = users.teacher_emails, users.present
    max_groups = max((len(g) for g in groups.values()), default=0)
    # the contact fields some written contact has: only their columns are written (an
    # empty cell would read back as "" where the roster has no value)
    contact_fields = {f for g in groups.values() for cells in g
                      for f, v in zip(_CONTACT_FIELDS, cells) if v is not None}
    for rec in each_record(roster.users):
        roles = rec.roles
        c = _Carry("users", rec, report, ext, SFTP_PREFIX, False)
        c.take("id")
        district(c)
        written = False
        for role, file, id_col in (("student", "students.csv", "Student_id"),
                                   ("teacher", "teachers.csv", "Teacher_id")):
            r = getattr(roles, role)
            if r is None:
                continue
            written = True
            c.roles_written.add(role)
            school, schools = c.take(f"roles.{role}.school"), c.take(f"roles.{role}.schools")
            order = ([school] if school else []) + [s for s in (schools or ()) if s != school]
            order = [s for s in dict.fromkeys(order) if s]  # (a row of School_id "" is none)
            back_school = order[0] if order else None
            back_schools = order or None
            if back_school != school:
                c.keep(f"roles.{role}.school", school)
            if back_schools != (list(schools) if schools is not None else None):
                c.keep(f"roles.{role}.schools", list(schools) if schools is not None else None)
            if c.take(f"roles.{role}.sis_id") != rec.id:
                c.keep(f"roles.{role}.sis_id", r.sis_id)
            base: dict[str, Any] = {id_col: rec.id}
            if role == "teacher" and roles.student is not None:
                # SFTP students and teachers are separate users even with one id
                if ext:
                    base["Clever_user_id"] = rec.id
                else:
                    report.add("users", "roles.teacher (a student's id on teachers.csv: "
                               "read back as a user of its own)", "changed")
            columns(c, base, file, present_by_file[file])
            for i, s in enumerate(order or [""]):
                row = dict(base, School_id=s)
                if role == "student" and i == 0:
                    _contact_columns(row, groups.get(rec.id, []), max_groups,
                                     contact_fields)
                sheets[file].add(row)
        if roles.staff is not None:
            written = True
            c.roles_written.add("staff")
            r = roles.staff
            schools = c.take("roles.staff.schools")
            staff_id = c.take("roles.staff.staff_id")
            order = [s for s in dict.fromkeys(schools or ()) if s]
            if (order or None) != (list(schools) if schools is not None else None):
                c.keep("roles.staff.schools", list(schools) if schools is not None else None)
            sroles = c.take("roles.staff.roles")
            base = {"Staff_id": (staff_id or rec.id) if ext else rec.id}
            if ext:
                base["Clever_user_id"] = rec.id
                if staff_id != base["Staff_id"]:
                    c.keep("roles.staff.staff_id", staff_id)
            else:
                if staff_id != rec.id:
                    report.add("users", "roles.staff.staff_id (Staff_id holds the user id)",
                               "changed")
                if roles.student is not None:
                    report.add("users", "roles.staff (a student's id on staff.csv: read back "
                               "as a user of its own)", "changed")
                other = teacher_emails.get(rec.email or "")
                if other is not None and other != rec.id:
                    report.add("users", "(staff merged into the teacher with the same email)",
                               "changed")
            if sroles is not None and len(sroles) == 1 and sroles[0]:
                base["Role"] = sroles[0]
            elif sroles is not None:
                c.keep("roles.staff.roles", list(sroles))
            columns(c, base, "staff.csv", present_by_file["staff.csv"])
            for s in order or [""]:
                sheets["staff.csv"].add(dict(base, School_id=s))
        if roles.contact is not None:
            ct = roles.contact
            rels = list(ct.student_relationships or ())
            placed = [r for r in rels if r.student in student_order]
            back = sorted(placed, key=lambda r: student_order.get(r.student or "", 0))
            if placed:
                c.roles_written.add("contact")
                if not written:
                    c.take("name.last")
                    c.take("email")
                for p, f in (("name.last", "name"), ("email", "email")):
                    if get_path(c.orig, p) is None and f in contact_fields:
                        c.keep(p, None)  # contact cells are written, so they read as ""
                for f in ("phone", "phone_type", "sis_id"):
                    v = c.take(f"roles.contact.{f}")
                    if v is None and placed and f in contact_fields:
                        c.keep(f"roles.contact.{f}", None)
                c.take("roles.contact.student_relationships")
                distinct = len({r.student for r in rels}) == len(rels)
                if back != rels or not distinct or any(r.extra for r in rels) or any(
                        (r.relationship is None and "relationship" in contact_fields)
                        or (r.type is None and "type" in contact_fields) for r in placed):
                    c.keep("roles.contact.student_relationships",
                           [record_to_dict(r, nulls=False, extra_filter=without_credentials)
                            for r in rels])
                written = True
        if not written:
            c.rest()  # counted as leftover below
            whole("users", rec, "no SFTP file for its roles")
            continue
        carry(c, rec.id)
    # sections, terms, courses, enrollments
    present = _present_paths(each_record(roster.sections),
                             (p for _, p in SFTP_COLUMNS["sections.csv"]))
    used_terms: set[str] = set()
    used_courses: set[str] = set()
    max_teachers = 1
    for rec in each_record(roster.sections):
        c = _Carry("sections", rec, report, ext, SFTP_PREFIX, False)
        sid = c.take("id")
        if c.take("sis_id") != sid:
            c.keep("sis_id", rec.sis_id)
        district(c)
        school = c.take("school")
        row = {"Section_id": sid, "School_id": school}
        if not school:
            c.keep("school", school)
        teacher, teachers = c.take("teacher"), c.take("teachers")
        tl = [t for t in dict.fromkeys(teachers or ()) if t]  # each teacher once, no empty id
        # SFTP's Teacher_id is the primary teacher and required. With no primary named
        # (e.g. no OneRoster enrollment says primary=true), the first listed teacher is it;
        # so it is when `teacher` is not listed (it teaches no one: a row would link it)
        primary = teacher if teacher and (teacher in tl or not tl) else (tl[0] if tl else None)
        co = [t for t in tl if t != primary]
        row["Teacher_id"] = primary or ""
        for k, t in enumerate(co, start=2):
            row[f"Teacher_{k}_id"] = t
        max_teachers = max(max_teachers, len(co) + 1)
        back_teachers = ([primary] if primary else []) + co
        if back_teachers != list(teachers or ()) or teachers is None:
            c.keep("teachers", list(teachers) if teachers is not None else None)
        if teacher != primary:
            c.keep("teacher", teacher)
        tid = c.take("term_id")
        term = roster.terms.get(tid) if tid else None
        if term is not None:
            used_terms.add(tid)
            row.update(Term_name=term.name, Term_start=term.start_date, Term_end=term.end_date)
            if ext:
                row["Term_id"] = tid
            elif not (term.name or term.start_date or term.end_date):
                report.add("sections", "term_id (term with no name or dates: Clever builds "
                           "no term)", "dropped")
        elif tid is not None:
            c.keep("term_id", tid)
        cid = c.take("course")
        course = roster.courses.get(cid) if cid else None
        if course is not None:
            used_courses.add(cid)
            row.update(Course_name=course.name, Course_number=course.number,
                       Course_description=course.extra.get(SFTP_PREFIX + "Course_description"))
            if ext:
                row["Course_id"] = cid
            elif not course.name:
                report.add("sections", "course (course with no name: Clever builds no "
                           "course)", "dropped")
        elif cid is not None:
            c.keep("course", cid)
        students = c.take("students")
        sl = list(students or ())
        uniq = list(dict.fromkeys(sl))
        rows = [s for s in uniq if s]  # an empty id makes no row (it would read as none)
        if rows != sl or not sl:
            if uniq != sl:
                report.add("sections", "students (duplicate id collapsed)", "changed")
            c.keep("students", list(students) if students is not None else None)
        # the cells a reader kept of each enrollment (a column Clever does not define) go
        # back on its row; those no row holds (a teacher's, ...) are carried
        cells = enrollment_cells(c, sheets["enrollments.csv"], _ENROLLMENT_OWN)
        for stu in rows:
            sheets["enrollments.csv"].add(
                {"School_id": school, "Section_id": sid, "Student_id": stu,
                 **cells.get(("student", stu), {})})
        carry_unwritten_cells(c, {("student", stu) for stu in rows}, cells)
        columns(c, row, "sections.csv", present)
        sheets["sections.csv"].add(row)
        carry(c, sid)
    for kind, table, used in (("terms", roster.terms, used_terms),
                              ("courses", roster.courses, used_courses)):
        for rec in table.values():
            if rec.id not in used:
                whole(kind, rec, "no section uses it")
                continue
            c = _Carry(kind, rec, report, ext, SFTP_PREFIX, False)
            c.take("id")
            district(c)
            fields = ("name", "start_date", "end_date") if kind == "terms" else ("name",
                                                                                  "number")
            for f in fields:
                if c.take(f) == "":
                    c.keep(f, "")
            c.d.pop(SFTP_PREFIX + "Course_description", None)
            c.columns()
            if ext:
                carry(c, rec.id)
            else:
                c.rest()
    return max_teachers


#: the cells of a contact group in ``students.csv``, in column order
_CONTACT_FIELDS = ("id", "name", "email", "phone", "phone_type", "sis_id", "relationship",
                   "type")


def _contact_cells(user: Any, rel: Any, ext: bool, shared: dict[str, str]) -> tuple[Any, ...]:
    """A contact group's cells, in :data:`_CONTACT_FIELDS` order (``id`` only with
    extensions). The few-valued ones (``phone_type``, ``relationship``, ``type``) are the
    one string of ``shared`` for their value: a district holds a million groups."""
    ct = user.roles.contact

    def few(v: Any) -> Any:
        return shared.setdefault(v, v) if type(v) is str else v

    return (user.id if ext else None, user.name.last if user.name is not None else None,
            user.email, ct.phone, few(ct.phone_type), ct.sis_id, few(rel.relationship),
            few(rel.type))


def _contact_columns(row: dict[str, Any], groups: list[tuple[Any, ...]], max_groups: int,
                     fields: set[str]) -> None:
    for k in range(1, max_groups + 1):
        pre = "Contact_" if k == 1 else f"Contact_{k}_"
        if k > len(groups):
            continue
        for f, v in zip(_CONTACT_FIELDS, groups[k - 1]):
            if f in fields:
                row[pre + f] = v


class _UsersSeen:
    """What writing a user needs to know of the others, from one pass over the users (a
    district's users are built for the pass and let go, not all held built): the order of
    the students, each student's contact groups (their cells), the first teacher with each
    email, and the Clever columns some user of each role file has a value for."""

    _ROLE_FILES = (("students.csv", "student"), ("teachers.csv", "teacher"),
                   ("staff.csv", "staff"))

    def __init__(self, roster: Roster, ext: bool) -> None:
        from .clever_csv import SFTP_COLUMNS

        self.student_order: dict[str, int] = {}
        self.teacher_emails: dict[str, str] = {}
        self.present: dict[str, set[str]] = {f: set() for f, _ in self._ROLE_FILES}
        missing = {f: [p for _, p in SFTP_COLUMNS[f]] for f, _ in self._ROLE_FILES}
        # each student's contact groups, in the users' order; which students are written is
        # known only once every user is seen, so the others are dropped after the pass
        self.groups: dict[str, list[tuple[Any, ...]]] = {}
        shared: dict[str, str] = {}  # (see _contact_cells)
        for u in each_record(roster.users):
            roles = u.roles
            if roles.student is not None:
                self.student_order[u.id] = len(self.student_order)
            if roles.teacher is not None and u.email:
                self.teacher_emails.setdefault(u.email, u.id)
            ct = roles.contact
            listed: set[str] = set()  # (one group per student: a second is carried, not written)
            for rel in (ct.student_relationships or ()) if ct is not None else ():
                if rel.student not in listed:
                    listed.add(rel.student)
                    cells = _contact_cells(u, rel, ext, shared)
                    self.groups.setdefault(rel.student, []).append(cells)
            for f, role in self._ROLE_FILES:
                if missing[f] and getattr(roles, role) is not None:
                    self._seen_paths(u, missing[f], self.present[f])
        for student in [s for s in self.groups if s not in self.student_order]:
            del self.groups[student]

    @staticmethod
    def _seen_paths(rec: Any, missing: list[str], present: set[str]) -> None:
        """Move the paths of ``missing`` that ``rec`` has a value at into ``present``."""
        for p in [p for p in missing if _attr_path(rec, p) is not None]:
            missing.remove(p)
            present.add(p)


# --- convert ---------------------------------------------------------------------------
