"""Reference copy of the row-by-row ``rostergraph.io.clever_csv`` reader, kept only as
the oracle of the equivalence tests (tests/test_csv_equivalence.py): the package's
column-wise readers must give exactly the records and problems this code gives.
Not imported by the package; not maintained beyond bug-for-bug parity."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rostergraph.errors import SourceError
from rostergraph.io.limits import DEFAULT_LIMITS, Limits
from rostergraph.io.mapping import deep_merge, loads_carry, passwords_left_out, set_path
from rostergraph.io.sftp_columns import OTHER_FILE_NAMES, contact_clash_message, lacking_message
from rostergraph.io.sftp_rows import formula_message, not_a_date
from rostergraph.model import parse_date
from rostergraph.roster import Roster, RosterBuilder, raw_text

from .csvutil import Bundle, read_csv, secret_column

__all__ = ["SFTP_COLUMNS", "SFTP_FILES", "course_id", "is_clever_csv", "read_clever_csv",
           "term_id"]

SFTP_FILES = ("schools.csv", "students.csv", "teachers.csv", "sections.csv",
              "enrollments.csv", "staff.csv", "admins.csv")
EXT_DISTRICTS = "rostergraph_districts.csv"
EXT_RECORDS = "rostergraph_records.csv"
_PREFIX = "sftp."

#: file → [(column, Clever path)], the plain one-to-one columns.
SFTP_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "schools.csv": [
        ("School_name", "name"), ("School_number", "school_number"),
        ("State_id", "state_id"), ("Nces_id", "nces_id"), ("Low_grade", "low_grade"),
        ("High_grade", "high_grade"), ("Principal", "principal.name"),
        ("Principal_email", "principal.email"), ("School_address", "location.address"),
        ("School_city", "location.city"), ("School_state", "location.state"),
        ("School_zip", "location.zip"), ("School_phone", "phone")],
    "students.csv": [
        ("Student_number", "roles.student.student_number"),
        ("State_id", "roles.student.state_id"), ("Last_name", "name.last"),
        ("Middle_name", "name.middle"), ("First_name", "name.first"),
        ("Grade", "roles.student.grade"), ("Gender", "roles.student.gender"),
        ("DOB", "roles.student.dob"), ("Race", "roles.student.race"),
        ("Hispanic_Latino", "roles.student.hispanic_ethnicity"),
        ("Ell_status", "roles.student.ell_status"), ("Frl_status", "roles.student.frl_status"),
        ("IEP_status", "roles.student.iep_status"),
        ("Home_language", "roles.student.home_language"),
        ("Unweighted_gpa", "roles.student.unweighted_gpa"),
        ("Weighted_gpa", "roles.student.weighted_gpa"),
        ("Graduation_year", "roles.student.graduation_year"),
        ("Student_street", "roles.student.location.address"),
        ("Student_city", "roles.student.location.city"),
        ("Student_state", "roles.student.location.state"),
        ("Student_zip", "roles.student.location.zip"), ("Student_email", "email"),
        ("Username", "roles.student.credentials.district_username")],
    "teachers.csv": [
        ("Teacher_number", "roles.teacher.teacher_number"),
        ("State_teacher_id", "roles.teacher.state_id"), ("Teacher_email", "email"),
        ("First_name", "name.first"), ("Middle_name", "name.middle"),
        ("Last_name", "name.last"), ("Title", "roles.teacher.title"),
        ("Username", "roles.teacher.credentials.district_username")],
    "staff.csv": [
        ("Staff_email", "email"), ("First_name", "name.first"), ("Middle_name", "name.middle"),
        ("Last_name", "name.last"), ("Department", "roles.staff.department"),
        ("Title", "roles.staff.title"),
        ("Username", "roles.staff.credentials.district_username")],
    "admins.csv": [
        ("Admin_email", "email"), ("First_name", "name.first"), ("Last_name", "name.last"),
        ("Admin_title", "roles.staff.title"),
        ("Username", "roles.staff.credentials.district_username")],
    "sections.csv": [
        ("Name", "name"), ("Section_number", "section_number"), ("Grade", "grade"),
        ("Period", "period"), ("Subject", "subject")],
}
#: Contact group fields: column suffix → contact path ("rel." = student relationship).
CONTACT_FIELDS = [("id", None), ("name", "name.last"), ("email", "email"),
                  ("phone", "roles.contact.phone"), ("phone_type", "roles.contact.phone_type"),
                  ("sis_id", "roles.contact.sis_id"), ("relationship", "rel.relationship"),
                  ("type", "rel.type")]
_STAFF = ("School_id", "Staff_id", "Role", "Clever_user_id", "Password")
# (``Password``, a login credential, is only counted: never kept)
_SPECIAL = {"schools.csv": ("School_id",),
            "students.csv": ("School_id", "Student_id", "Password"),
            "teachers.csv": ("School_id", "Teacher_id", "Clever_user_id", "Password"),
            "staff.csv": _STAFF, "admins.csv": _STAFF,
            "sections.csv": ("School_id", "Section_id", "Teacher_id", "Course_name",
                             "Course_number", "Course_description", "Term_name", "Term_start",
                             "Term_end", "Term_id", "Course_id"),
            "enrollments.csv": ("School_id", "Section_id", "Student_id"),
            EXT_DISTRICTS: ("District_id", "District_name")}


#: Columns without which a file's rows cannot be placed (its id columns).
_REQUIRED = {"schools.csv": ("School_id",), "students.csv": ("Student_id",),
             "teachers.csv": ("Teacher_id",), "staff.csv": ("Staff_id",),
             "admins.csv": ("Staff_id",), "sections.csv": ("Section_id",),
             "enrollments.csv": ("Section_id", "Student_id"),
             EXT_DISTRICTS: ("District_id",), EXT_RECORDS: ("Kind", "Id", "Clever_json")}
_CELLS = "oneroster.enrollmentCells"
_KNOWN = {f: frozenset(c for c, _ in SFTP_COLUMNS.get(f, ())) | frozenset(cols)
          for f, cols in _SPECIAL.items()}
_CONTACT_KEYS = frozenset(f for f, _ in CONTACT_FIELDS)
_NUMBERED = re.compile(r"(teacher|contact)_?(\d{1,9})_?(.+)", re.IGNORECASE)


def _visible(col: str) -> str:
    """A header name without invisible characters (format and control characters other
    than whitespace), in NFKC form."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", col)
                   if ch.isspace() or unicodedata.category(ch) not in ("Cf", "Cc"))


def _bare(col: str) -> str:
    """A header name as compared: lower case, no spaces, underscores, dots or hyphens (nor
    invisible characters)."""
    return "".join(ch for ch in _visible(col).lower() if not ch.isspace() and ch not in "_.-")


def _canonical(file: str, col: str) -> str | None:
    """The column name Clever's spec spells ``col`` as, ignoring case and separators."""
    key = _bare(col)
    for known in (*_KNOWN.get(file, ()), *_REQUIRED.get(file, ())):
        if _bare(known) == key:
            return known
    if key in OTHER_FILE_NAMES.get(file, {}):  # (staff.csv's names in admins.csv, and back)
        return OTHER_FILE_NAMES[file][key]
    m = _NUMBERED.fullmatch(re.sub(r"[\s_.\-]+", "_", _visible(col).strip()))
    if m and file == "sections.csv" and m.group(1).lower() == "teacher" and (
            _bare(m.group(3)) == "id"):
        return "Teacher_id" if int(m.group(2)) == 1 else f"Teacher_{m.group(2)}_id"
    last = re.fullmatch(r"teacherid(\d{1,9})", key, re.ASCII)
    if last and file == "sections.csv":
        return "Teacher_id" if int(last.group(1)) == 1 else f"Teacher_{int(last.group(1))}_id"
    if file != "students.csv":
        return None
    fields = {_bare(f): f for f in _CONTACT_KEYS}
    if m and m.group(1).lower() == "contact" and _bare(m.group(3)) in fields:
        field = fields[_bare(m.group(3))]
        if int(m.group(2)) == 1:
            return f"Contact_{field}"
        return f"Contact_{m.group(2)}_{field}"
    if key.startswith("contact") and key[7:] in fields:
        return "Contact_" + fields[key[7:]]
    return None


def _numbered(file: str, header: list[str], clashes: list[tuple[str, str]] | None = None
              ) -> tuple[list[str], list[tuple[str, dict[str, str]]]]:
    """sections.csv's Teacher_<n>_id columns and students.csv's contact groups (k, field →
    column), each by number; two columns of one contact field (Contact_2_name,
    Contact_02_name): the one without zeros in front of its number (none for contact 1)
    is read, else the first, the pair (read, other) added to ``clashes``."""
    teachers: list[tuple[int, str]] = []
    groups: dict[int, dict[str, str]] = {}
    for c in header:
        m = re.fullmatch(r"Teacher_(\d{1,9})_id", c)
        if m and file == "sections.csv":
            teachers.append((int(m.group(1)), c))
        m = re.fullmatch(r"Contact_(?:(\d{1,9})_)?(.+)", c)
        if m and file == "students.csv" and m.group(2) in _CONTACT_KEYS:
            k = int(m.group(1) or 1)
            g = groups.setdefault(k, {})
            have = g.get(m.group(2))
            plain = m.group(1) is None if k == 1 else m.group(1) == str(k)
            if have is None or plain:
                g[m.group(2)] = c
            if have is not None and clashes is not None:
                clashes.append((c, have) if plain else (have, c))
    return ([c for _, c in sorted(teachers)],
            [(str(k), {f: g[f] for f, _ in CONTACT_FIELDS if f in g})
             for k, g in sorted(groups.items())])


def _case_renames(file: str, header: list[str]) -> dict[str, str]:
    """Header names that match a Clever column only when case is ignored → that column."""
    present = set(header)
    out = {}

    def exact(h: str, want: str) -> bool:  # but for case, spaces around and number one
        key = _visible(h).strip().lower()
        for lead in ("teacher_", "contact_"):
            if key.startswith(lead) and key[len(lead):].lstrip("0").startswith("1_"):
                key = lead + key[len(lead):].lstrip("0")[2:]
        return key == want.lower()

    for h in sorted(dict.fromkeys(header), key=lambda h: not exact(h, _canonical(file, h) or "")):
        want = _canonical(file, h)
        if want is not None and want != h and want not in present:
            out[h] = want
            present.add(want)
    return {h: out[h] for h in header if h in out}


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def term_id(name: str, start: str, end: str) -> str:
    """The id of the term constructed from ``Term_name, Term_start, Term_end``.

    Examples
    --------
    >>> term_id("Fall", "2024-08-19", "2024-12-20") == term_id("Fall", "2024-08-19", "2024-12-20")
    True
    >>> term_id("Fall", "", "").startswith("sftp-term:")
    True
    """
    return "sftp-term:" + _hash(name, start, end)


def course_id(name: str, number: str) -> str:
    """The id of the course constructed from ``Course_name, Course_number`` (number wins).

    Examples
    --------
    >>> course_id("Algebra", "MA1") == course_id("Algebra I", "MA1")
    True
    """
    return "sftp-course:" + (_hash("number", number) if number else _hash("name", name))


def is_clever_csv(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a folder (or zip) of Clever SFTP CSV files (by names and headers).

    Examples
    --------
    >>> import rostergraph
    >>> is_clever_csv(rostergraph.sample_path())
    False
    """
    p = Path(path)
    names: dict[str, Any]
    first: dict[str, bytes] = {}
    try:
        if p.is_dir():
            names = {q.name: q for q in p.iterdir()}

            def head(name: str) -> bytes:
                with open(names[name], "rb") as fh:
                    return fh.readline(65536)
        elif p.is_file() and p.suffix.lower() == ".zip":
            with zipfile.ZipFile(p) as zf:
                infos = zf.infolist()[:10_000]
                names = {i.filename.rsplit("/", 1)[-1]: i for i in infos}
                wanted = [n for n in ("sections.csv", "students.csv", "teachers.csv",
                                      "schools.csv") if n in names]
                for n in wanted[:1]:
                    with zf.open(names[n]) as fh:
                        first[n] = fh.read(65536).split(b"\n", 1)[0]

            def head(name: str) -> bytes:
                return first.get(name, b"")
        else:
            return False
        for name, col in (("sections.csv", "Section_id"), ("students.csv", "Student_id"),
                          ("teachers.csv", "Teacher_id"), ("schools.csv", "School_id")):
            if name in names:
                return col.encode() in head(name)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return False
    return False



def _row_text(row: dict[str, str]) -> str:
    from rostergraph.io.csv_rowchecks import row_text

    return row_text(row)

class _Reader:
    def __init__(self, bundle: Bundle, b: RosterBuilder, limits: Limits) -> None:
        self.bundle, self.b, self.limits = bundle, b, limits
        self.users: dict[str, dict[str, Any]] = {}
        self.user_where: dict[str, tuple[str, int]] = {}
        self.emails: dict[str, str] = {}  # teacher email → user id
        self.aliases: dict[tuple[str, str], str] = {}
        self.header: dict[str, list[str]] = {}
        self.numbered: dict[str, tuple[list[str], list[tuple[str, dict[str, str]]]]] = {}
        self.sections: dict[str, dict[str, Any]] = {}
        self.section_where: dict[str, tuple[str, int]] = {}
        self.terms: dict[str, dict[str, Any]] = {}
        self.courses: dict[str, dict[str, Any]] = {}
        self.contacts: list[tuple[str, int, str, dict[str, str], str]] = []
        self.district: str | None = None

    def rows(self, name: str, kind: str | None) -> Iterator[tuple[int, dict[str, str]]]:
        if name not in self.bundle:
            return iter(())
        data = self.bundle.read(name)
        self.b.add_file(name, data, kind)
        header, rows = read_csv(data, name, self.b, kind=kind, limits=self.limits)
        renames = _case_renames(name, header)
        for got, want in renames.items():
            if _bare(got) == _bare(want):
                why = ("Clever's SFTP column names are matched ignoring case, spaces, "
                       "underscores, dots and hyphens")
            elif _bare(got) in OTHER_FILE_NAMES.get(name, {}):
                other = "staff.csv" if name == "admins.csv" else "admins.csv"
                why = f"{name} names it {want}; {got} is {other}'s name"
            elif _bare(got)[-1:].isdigit():
                why = ("Clever writes a teacher's number before id: Teacher_2_id, the first "
                       "Teacher_id")
            else:
                why = "Clever numbers the second teacher or contact 2; the first has no number"
            if _visible(got) != got:
                why += "; the name holds invisible characters or full-width letters"
            self.b.problem("other", f"column {got!r} read as {want!r} ({why})",
                           file=name, line=1, kind=kind, field=want)
        if renames:
            header = [renames.get(h, h) for h in header]
            rows = ((line, {renames.get(k, k): v for k, v in row.items()})
                    for line, row in rows)
        missing = [c for c in _REQUIRED.get(name, ()) if c not in header]
        if header and missing:
            self.b.problem("other", lacking_message(header, missing), file=name, line=1,
                           kind=kind)
            return iter(())
        self.header[name] = header
        clashes: list[tuple[str, str]] = []
        self.numbered[name] = teachers, groups = _numbered(name, list(dict.fromkeys(header)),
                                                           clashes)
        for read, other in clashes:
            self.b.problem("other", contact_clash_message(read, other), file=name, line=1,
                           kind=kind, field=read)
        known = _KNOWN.get(name, frozenset()) | frozenset(_REQUIRED.get(name, ()))
        taken = known | set(teachers) | {c for _, g in groups for c in g.values()}
        spelt = {_bare(c): c for c in known}
        absent = {b: c for b, c in spelt.items() if b not in {_bare(h) for h in header}}
        for col in dict.fromkeys(header):
            if col in taken or secret_column(col):
                continue
            scored = sorted(((difflib.SequenceMatcher(None, b, _bare(col)).ratio(), b)
                             for b in absent), reverse=True)
            if (scored and scored[0][0] >= 0.85 and scored[0][1] not in _bare(col)[:len(
                    scored[0][1])] and not _bare(col).endswith(scored[0][1])):
                want = absent[scored[0][1]]
                self.b.problem("other", f"column {col!r} is no Clever SFTP column of {name}; "
                               f"its cells are kept in extra as {_PREFIX + col!r} (is it "
                               f"{want!r}, misspelt? {want} is not in the header)",
                               file=name, line=1, kind=kind, field=col)
        for col in dict.fromkeys(header):  # (a Clever name without its file's prefix)
            if col in taken or secret_column(col) or len(_bare(col)) < 3:
                continue
            got = [c for b, c in absent.items() if b.endswith(_bare(col)) and b[:-len(
                _bare(col))] in ("student", "teacher", "staff", "admin", "school", "section")]
            if len(got) == 1:
                self.b.problem("other", f"column {col!r} is no Clever SFTP column of {name}; "
                               f"its cells are kept in extra as {_PREFIX + col!r} (is it "
                               f"{got[0]!r}, without its prefix? {got[0]} is not in the "
                               "header)", file=name, line=1, kind=kind, field=col)
        return rows

    def _match(self, kind: str, value: str) -> str:
        table = {"schools": self.b.kinds["schools"], "users": self.users,
                 "sections": self.sections}[kind]
        if not value or value in table:
            return value
        for rid in table:  # (slow and plain: the oracle)
            if rid.strip() == value.strip():
                return rid
        return value

    def _refs(self, row: dict[str, str], file: str, line: int, kind: str, rid: str,
              cols: list[tuple[str, str]]) -> None:
        for col, to in cols:
            v = row.get(col)
            if not v:
                continue
            got = self._match(to, v)
            if got != v:
                row[col] = got
                self.b.problem("other", f"{col} {v!r} names no record but {got!r} does once "
                               "spaces around ids are ignored (as Clever matches them): read "
                               f"as {got!r}; the cell as given is in raw", file=file, line=line,
                               kind=kind, record_id=rid, field=col, raw=v)

    def _fill(self, d: dict[str, Any], row: dict[str, str], file: str) -> list[str]:
        differ = []
        for col, path in SFTP_COLUMNS[file]:
            v = row.get(col)
            if v is not None:
                cur: Any = d
                for part in path.split(".")[:-1]:
                    cur = cur.get(part) if isinstance(cur, dict) else None
                key = path.rsplit(".", 1)[-1]
                kept = cur.get(key, "") if isinstance(cur, dict) else ""
                if kept == "":  # absent, or empty in an earlier row: a value given fills it
                    if not (isinstance(cur, dict) and key in cur) or v:
                        set_path(d, path, v)
                elif kept != v:
                    differ.append(col)
        teachers, groups = self.numbered[file]
        taken = _KNOWN[file] | set(teachers) | {c for _, g in groups for c in g.values()}
        for col, v in row.items():
            if col in taken or secret_column(col):
                continue
            kept = d.get(_PREFIX + col, "")
            if kept == "":
                if _PREFIX + col not in d or v:
                    d[_PREFIX + col] = v
            elif kept != v:
                differ.append(col)
        return differ

    def _need(self, row: dict[str, str], col: str, file: str, line: int,
              kind: str) -> str | None:
        v = row.get(col)
        if not v:
            self.b.problem("no_id", f"row without {col}; not loaded", file=file, line=line,
                           kind=kind, raw=_row_text(row))
            return None
        told = self.__dict__.setdefault("formulas", set())
        if v[:2] == '="' and v[-1:] == '"' and len(v) > 3 and file not in told:
            told.add(file)
            self.b.problem("other", formula_message(col, file), file=file, line=line,
                           kind=kind, record_id=v, field=col)
        return v

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
            d: dict[str, Any] = {"id": sid, "sis_id": sid}
            if self.district:
                d["district"] = self.district
            self._fill(d, row, "schools.csv")
            self.b.add("schools", d, file="schools.csv", line=line)

    def _user(self, uid: str, file: str, line: int) -> dict[str, Any]:
        u = self.users.get(uid)
        if u is None:
            u = {"id": uid, "roles": {}}
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

    def read_people(self, file: str, role: str, id_col: str) -> None:
        passwords = 0
        for line, row in self.rows(file, "users"):
            if row.get("Password"):
                passwords += 1
            uid = self._need(row, id_col, file, line, "users")
            if uid is None:
                continue
            self._refs(row, file, line, "users", uid, [("School_id", "schools")])
            uid_final = uid
            if role != "student":
                old = self.users.get(uid)
                employee = old is not None and ("teacher" in old["roles"] or
                                                "staff" in old["roles"])
                email = row.get("Staff_email", row.get("Admin_email"))
                if (role == "staff" and not employee and email and email not in self.emails
                        and not row.get("Clever_user_id") and (role, uid) not in self.aliases):
                    near = [t for e, t in self.emails.items()
                            if e.strip().casefold() == email.strip().casefold()]
                    if near:  # (not merged: emails compared as given; said)
                        self.b.problem(
                            "other", f"the email of staff {uid!r} is that of teacher "
                            f"{near[0]!r} only in another case or in spaces around it: not "
                            "merged (Clever merges employees by email and keeps emails as the "
                            "SIS sent them; if they are one person, give both rows one "
                            "spelling)", file=file,
                            line=line, kind="users", record_id=uid,
                            field="Staff_email" if "Staff_email" in row else "Admin_email")
                if row.get("Clever_user_id"):
                    uid_final = row["Clever_user_id"]
                elif (role, uid) in self.aliases:
                    uid_final = self.aliases[(role, uid)]
                elif role == "staff" and not employee and email and email in self.emails:
                    uid_final = self.aliases[(role, uid)] = self.emails[email]
                elif old is not None and not employee:
                    uid_final = self.aliases[(role, uid)] = f"sftp-{role}:{uid}"
                    self.b.problem(
                        "other", f"{id_col} {uid!r} is also a student's or contact's id: read "
                        f"as the user {uid_final!r} (Clever never merges students or contacts "
                        "with employees)", file=file, line=line, kind="users",
                        record_id=uid_final, field=id_col)
            existed = uid_final in self.users
            u = self._user(uid_final, file, line)
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
            differ = self._fill(u, row, file)
            if r.get("staff_id", uid) != uid:  # (a second staff record merged by email)
                differ.insert(0, id_col)
            if existed and differ:
                at = self.user_where[uid_final]
                again = (f"{id_col} {uid!r} again" if uid_final == uid else
                         f"{id_col} {uid!r} merged into user {uid_final!r}")
                self.b.problem("other", f"{again} (first read at {at[0]} line "
                               f"{at[1]}) with other values in {', '.join(differ)}: the first "
                               "values are kept (this row's are in raw)", file=file, line=line,
                               kind="users", record_id=uid_final, field=differ[0],
                               raw=_row_text(row))
            self._check_date(row, "DOB", file, line, "users", uid)
            if role == "teacher" and first and u.get("email"):
                self.emails.setdefault(u["email"], uid_final)
            if role == "student":
                self._contact_groups(uid, line, row, first)
        if passwords:  # (a login credential: never kept)
            self.b.notes.append(passwords_left_out(file, passwords))

    def _contact_groups(self, student: str, line: int, row: dict[str, str],
                        first: bool) -> None:
        for col_k, cols in self.numbered["students.csv"][1]:
            group = {f: row[c] for f, c in cols.items()}
            if not any(group.values()):
                continue
            k = col_k
            had = [c for c in self.contacts if c[0] == student]
            if not first:
                if any(c[3] == group for c in had):
                    continue
                if had:
                    k = str(max(int(c[2]) for c in had) + 1)
            self.contacts.append((student, line, k, group, col_k))

    def apply_contacts(self) -> None:
        for student, line, k, group, col_k in self.contacts:
            cid = group.get("id") or (f"sftp-contact:{group['sis_id']}" if group.get("sis_id")
                                      else f"sftp-contact:{student}:{k}")
            u = self._user(cid, "students.csv", line)
            r = u["roles"].setdefault("contact", {})
            rel: dict[str, Any] = {"student": student}
            differ = []
            for f, path in CONTACT_FIELDS:
                if path is None or f not in group:
                    continue
                col = f"Contact_{f}" if col_k == "1" else f"Contact_{col_k}_{f}"
                if path.startswith("rel."):
                    rel[path[4:]] = group[f]
                else:
                    holder: Any = {"name.last": u.get("name"), "email": u}.get(
                        path, r if path.startswith("roles.contact.") else None)
                    key = {"name.last": "last", "email": "email"}.get(path, path[14:])
                    if path == "name.last" and not holder:
                        set_path(u, path, group[f])
                    elif path == "name.last" and not (isinstance(holder, dict)
                                                      and "last" in holder):
                        pass  # (a name of another shape: left as it is)
                    elif isinstance(holder, dict) and key in holder:
                        if holder[key] == "" and group[f]:  # an empty first value: filled
                            holder[key] = group[f]
                        elif group[f] and holder[key] != group[f]:
                            differ.append(col)
                    else:
                        set_path(u, path, group[f])
            if differ:
                at = self.user_where[cid]
                self.b.problem("other", f"contact {cid!r} again (first read at {at[0]} line "
                               f"{at[1]}) with other values in {', '.join(differ)}: the first "
                               "values are kept (this row's contact cells are in raw)",
                               file="students.csv", line=line, kind="users", record_id=cid,
                               field=differ[0], raw=_row_text({
                                   (f"Contact_{f}" if col_k == "1" else f"Contact_{col_k}_{f}"): v
                                   for f, v in group.items()}))
            rels = r.setdefault("student_relationships", [])
            old = [x for x in rels if x.get("student") == student]
            if not old:
                rels.append(rel)
                continue
            cols = [(f"Contact_{f}" if col_k == "1" else f"Contact_{col_k}_{f}", f)
                    for f in ("relationship", "type") if f in rel and old[0].get(f) != rel[f]]
            if cols:
                self.b.problem("other", f"contact {cid!r} again for student {student!r} with "
                               "another " + ", ".join(f"{c} {rel[f]!r}" for c, f in cols)
                               + ": the first relationship is kept", file="students.csv",
                               line=line, kind="users", record_id=cid, field=cols[0][0])

    def read_sections(self) -> None:
        for line, row in self.rows("sections.csv", "sections"):
            sid = self._need(row, "Section_id", "sections.csv", line, "sections")
            if sid is None:
                continue
            self._refs(row, "sections.csv", line, "sections", sid, [
                ("School_id", "schools"), ("Teacher_id", "users"),
                *((c, "users") for c in self.numbered["sections.csv"][0])])
            if sid in self.sections:
                first = self.sections[sid]
                probe: dict[str, Any] = {}
                if row.get("School_id"):
                    probe["school"] = row["School_id"]
                self._fill(probe, row, "sections.csv")
                name, start, end = (row.get(c) or "" for c in ("Term_name", "Term_start",
                                                                "Term_end"))
                if row.get("Term_id") or name or start or end:
                    probe["term_id"] = row.get("Term_id") or term_id(name, start, end)
                cname, number = row.get("Course_name") or "", row.get("Course_number") or ""
                if row.get("Course_id") or cname:
                    probe["course"] = row.get("Course_id") or course_id(cname, number)
                keys = set(probe) | {k for k in first if k not in (
                    "id", "sis_id", "district", "teacher", "teachers", "students")}
                new: list[str] = []
                if all(first.get(k) == probe.get(k) for k in keys):
                    had = first.get("teachers") or []
                    new = [t for t in self._row_teachers(row, sid, line) if t not in had]
                if not new:
                    self.b.problem("duplicate_id", f"duplicate section id {sid!r}: the first "
                                   "record is kept", file="sections.csv", line=line,
                                   kind="sections", record_id=sid, raw=_row_text(row))
                    continue
                first["teachers"] = [*had, *new]
                self.b.problem("other", f"section {sid!r} again (first at line "
                               f"{self.section_where[sid][1]}) with other teachers: "
                               f"{', '.join(map(repr, new))} added as co-teachers",
                               file="sections.csv", line=line, kind="sections",
                               record_id=sid, field="Teacher_id")
                continue
            d: dict[str, Any] = {"id": sid, "sis_id": sid}
            if self.district:
                d["district"] = self.district
            if row.get("School_id"):
                d["school"] = row["School_id"]
            teachers = self._row_teachers(row, sid, line)
            if row.get("Teacher_id"):
                d["teacher"] = teachers[0]
            if teachers or "Teacher_id" in row:
                d["teachers"] = teachers
            self._fill(d, row, "sections.csv")
            self._term(d, row, line)
            self._course(d, row, line)
            self.sections[sid] = d
            self.section_where[sid] = ("sections.csv", line)

    def _row_teachers(self, row: dict[str, str], sid: str, line: int) -> list[str]:
        teachers: list[str] = []
        for col in ["Teacher_id", *self.numbered["sections.csv"][0]]:
            t = row.get(col) or ""
            t = self.aliases.get(("teacher", t), t)
            if t and t in teachers:
                self.b.problem("repeated_id", f"teacher {t!r} is listed again in "
                               f"{col} of section {sid!r}: kept once",
                               file="sections.csv", line=line, kind="sections",
                               record_id=sid, field=col)
            elif t:
                teachers.append(t)
        return teachers

    def _check_date(self, row: dict[str, str], col: str, file: str, line: int, kind: str,
                    rid: str | None) -> None:
        """A date in no form Clever's SFTP spec allows is kept as given, with a problem."""
        v = row.get(col)
        if v and parse_date(v) is None:
            self.b.problem("other", not_a_date(col, v), file=file, line=line,
                           kind=kind, record_id=rid, field=col, raw=v)

    def _term(self, d: dict[str, Any], row: dict[str, str], line: int) -> None:
        name, start, end = (row.get(c) or "" for c in ("Term_name", "Term_start", "Term_end"))
        tid = row.get("Term_id") or None
        if not (name or start or end or tid):
            return
        tid = tid or term_id(name, start, end)
        d["term_id"] = tid
        if tid not in self.terms:
            t: dict[str, Any] = {"id": tid}
            for k, v in (("name", name), ("start_date", start), ("end_date", end)):
                if v:
                    t[k] = v
            if self.district:
                t["district"] = self.district
            self.terms[tid] = t

    def _course(self, d: dict[str, Any], row: dict[str, str], line: int) -> None:
        name, number = row.get("Course_name") or "", row.get("Course_number") or ""
        cid = row.get("Course_id") or None
        desc = row.get("Course_description")
        if not name and not cid:
            if number:
                self.b.problem("other", "Course_number without Course_name: Clever builds no "
                               "course", file="sections.csv", line=line, kind="sections",
                               record_id=d["id"], field="Course_name",
                               raw=raw_text(desc) if desc else None)
            elif desc:
                self.b.problem("other", "Course_description without Course_name: Clever "
                               "builds no course, so nothing keeps it", file="sections.csv",
                               line=line, kind="sections", record_id=d["id"],
                               field="Course_description", raw=raw_text(desc))
            return
        cid = cid or course_id(name, number)
        d["course"] = cid
        c = self.courses.get(cid)
        if c is None:
            c = {"id": cid}
            if name:
                c["name"] = name
            if number:
                c["number"] = number
            if row.get("Course_description"):
                c[_PREFIX + "Course_description"] = row["Course_description"]
            if self.district:
                c["district"] = self.district
            self.courses[cid] = c
            return
        if name and c.get("name") != name:
            self.b.problem("other", f"course {number or cid!r} has another name in this row; "
                           "the first is kept", file="sections.csv", line=line,
                           kind="courses", record_id=cid, field="Course_name")
        if desc is not None and desc != c.get(_PREFIX + "Course_description", ""):
            self.b.problem("other", f"course {number or cid!r} has another Course_description "
                           "in this row; the first is kept", file="sections.csv", line=line,
                           kind="courses", record_id=cid, field="Course_description",
                           raw=raw_text(desc))

    def read_enrollments(self) -> None:
        seen: set[tuple[str, str]] = set()
        rows = self.rows("enrollments.csv", "sections")
        extra = [c for c in dict.fromkeys(self.header.get("enrollments.csv", ()))
                 if c not in _KNOWN["enrollments.csv"]]
        told = [c for c in extra if secret_column(c)]  # (a credential's: never kept)
        kept = [c for c in extra if not secret_column(c)]
        if told:
            self.b.problem("other", f"column(s) {', '.join(told)} of enrollments.csv: a "
                           "credential's column is never kept; not loaded",
                           file="enrollments.csv", line=1, kind="sections", field=told[0])
        for line, row in rows:
            raw = _row_text(row)  # (the row as given: _refs reads its ids as matched)
            sec_id = self._match("sections", row.get("Section_id") or "")
            self._refs(row, "enrollments.csv", line, "sections", sec_id or None, [
                ("Section_id", "sections"), ("Student_id", "users"), ("School_id", "schools")])
            sec_id, stu = row.get("Section_id") or "", row.get("Student_id") or ""
            sec = self.sections.get(sec_id)
            school = row.get("School_id") or ""
            if sec is not None and school and sec.get("school") and school != sec["school"]:
                self.b.problem("other", f"enrollment's School_id {school!r} is not the school "
                               f"of section {sec_id!r} ({sec['school']!r}, sections.csv line "
                               f"{self.section_where[sec_id][1]}); the enrollment is kept",
                               file="enrollments.csv", line=line, kind="sections",
                               record_id=sec_id, field="School_id", raw=raw)
            if sec is None or not stu:
                self.b.problem("other", f"enrollment in unknown section {sec_id!r}; not loaded"
                               if sec is None else "enrollment without Student_id; not loaded",
                               file="enrollments.csv", line=line, kind="sections",
                               record_id=sec_id or None, raw=raw)
                continue
            if (sec_id, stu) in seen:
                self.b.problem("other", f"student {stu!r} enrolled twice in section "
                               f"{sec_id!r}; one edge kept", file="enrollments.csv",
                               line=line, kind="sections", record_id=sec_id, raw=raw)
                continue
            seen.add((sec_id, stu))
            sec.setdefault("students", []).append(stu)
            for col in kept:  # (on the section, grouped by value, as OneRoster's)
                if row.get(col):
                    sec.setdefault(_CELLS, {}).setdefault(col, {}).setdefault(
                        "student", {}).setdefault(row[col], []).append(stu)
        held = dict.fromkeys(kept, 0)
        for sec in self.sections.values():
            for col, by_role in sec.get(_CELLS, {}).items():
                for users in by_role["student"].values():
                    users.sort()  # (a group is a set: sorted)
                    held[col] += len(users)
        if any(held.values()):
            self.b.notes.append("enrollments.csv: " + ", ".join(
                f"{col} ({n:,} rows)" for col, n in held.items() if n) + " kept in their "
                f"sections' extra {_CELLS!r} (an enrollment is no record)")

    def read_records(self) -> dict[tuple[str, str], dict[str, Any]]:
        carry: dict[tuple[str, str], dict[str, Any]] = {}
        for line, row in self.rows(EXT_RECORDS, None):
            kind, rid, js = row.get("Kind") or "", row.get("Id") or "", row.get("Clever_json")
            try:
                obj = loads_carry(js or "", self.limits.max_json_depth)
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
            obj.pop("id", None)  # the row's Id names the record
            deep_merge(carry.setdefault((kind, rid), {}), obj)
        return carry

    def finish(self, carry: dict[tuple[str, str], dict[str, Any]]) -> None:
        def merged(kind: str, d: dict[str, Any]) -> dict[str, Any]:
            more = carry.pop((kind, d["id"]), None)
            return deep_merge(d, more, none_deletes=True) if more else d

        for kind, rows in (("terms", self.terms), ("courses", self.courses)):
            for d in rows.values():
                self.b.add(kind, merged(kind, d), file="sections.csv")
        for sid, d in self.sections.items():
            file, line = self.section_where[sid]
            self.b.add("sections", merged("sections", d), file=file, line=line)
        for uid, d in self.users.items():
            file, line = self.user_where[uid]
            self.b.add("users", merged("users", d), file=file, line=line)
        for (kind, rid), d in carry.items():
            table = self.b.kinds[kind]
            if rid in table:
                from rostergraph.model import RECORD_CLASSES, record_from_dict, record_to_dict

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
        When the path does not exist or holds none of the files.

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
    bundle = Bundle(p, limits)
    try:
        if not any(n in bundle for n in SFTP_FILES):
            raise SourceError("no Clever SFTP files found (expected " + ", ".join(SFTP_FILES)
                              + ")", path=str(path))
        b = RosterBuilder(source=str(path), format="clever-csv", strict=strict,
                          max_problems=limits.max_problems)
        b.version = "sftp"
        r = _Reader(bundle, b, limits)
        r.read_districts()
        r.read_schools()
        r.read_people("students.csv", "student", "Student_id")
        r.read_people("teachers.csv", "teacher", "Teacher_id")
        r.read_people("staff.csv", "staff", "Staff_id")
        if "admins.csv" in bundle:
            b.notes.append("admins.csv is deprecated by Clever; its rows were read as staff")
            r.read_people("admins.csv", "staff", "Staff_id")
        r.apply_contacts()
        r.read_sections()
        if "sections.csv" in bundle and "enrollments.csv" not in bundle:  # (as the package)
            b.problem("missing_file", "sections.csv is present but enrollments.csv is "
                      "not: no section has students (Clever SFTP requires both files)",
                      file="enrollments.csv")
        elif "enrollments.csv" in bundle and r.sections and not bundle.size("enrollments.csv"):
            b.problem("missing_file", "enrollments.csv is empty (0 bytes, not even its "
                      "header) while sections.csv has sections: no section has students",
                      file="enrollments.csv")
        r.read_enrollments()
        r.finish(r.read_records())
        for name in bundle.names():
            if name.endswith(".csv") and name not in SFTP_FILES and name not in (
                    EXT_DISTRICTS, EXT_RECORDS):
                b.notes.append(f"{name}: not a Clever SFTP file; ignored")
        return b.build()
    finally:
        bundle.close()
