"""The columns of Clever's SFTP CSV files, and where each goes in a Clever record.

:data:`SFTP_COLUMNS` maps the plain one-to-one columns of each file to Clever field
paths; :func:`header_renames` finds header names written in another case (or numbered
from one); :func:`column_plan` works out once per file where every column of a
header goes (fields, ``extra``, contact groups, co-teacher columns), so the reader
(:mod:`rostergraph.io.clever_csv`) never looks at a column name per row.

Examples
--------
>>> column_plan("sections.csv", ["Section_id", "Name", "Teacher_3_id", "Room"])[1:]
([('Room', 'sftp.Room')], [], ['Teacher_3_id'])
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

from .csv_rowchecks import is_secret_column
from .csvcells import visible

__all__ = ["CONTACT_FIELDS", "EXT_DISTRICTS", "EXT_RECORDS", "OTHER_FILE_NAMES", "REQUIRED",
           "SFTP_COLUMNS", "SFTP_PREFIX", "ColumnPlan", "column_plan", "contact_clash_message",
           "contact_columns", "header_renames", "lacking_message", "near_misses", "squash", "unprefixed", "visible"]

EXT_DISTRICTS = "rostergraph_districts.csv"
EXT_RECORDS = "rostergraph_records.csv"
#: The ``extra`` key prefix of a column with no Clever field (``sftp.<Column>``): the reader
#: keeps such cells under it, the writer writes them back as columns.
SFTP_PREFIX = "sftp."

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
#: Each file's columns read other than through SFTP_COLUMNS (ids, references, term and
#: course fields); any other column without a field is kept in ``extra``.
# (``Password``, a login credential, is only counted: never kept)
_SPECIAL = {"schools.csv": ("School_id",),
            "students.csv": ("School_id", "Student_id", "Password"),
            "teachers.csv": ("School_id", "Teacher_id", "Clever_user_id", "Password"),
            "staff.csv": _STAFF, "admins.csv": _STAFF,
            "sections.csv": ("School_id", "Section_id", "Teacher_id", "Course_name",
                             "Course_number", "Course_description", "Term_name", "Term_start",
                             "Term_end", "Term_id", "Course_id"),
            "enrollments.csv": ("School_id", "Section_id", "Student_id"),
            # (the extension file's name column: matched as its id column is)
            EXT_DISTRICTS: ("District_id", "District_name")}


#: Columns without which a file's rows cannot be placed (its id columns).
REQUIRED = {"schools.csv": ("School_id",), "students.csv": ("Student_id",),
             "teachers.csv": ("Teacher_id",), "staff.csv": ("Staff_id",),
             "admins.csv": ("Staff_id",), "sections.csv": ("Section_id",),
             "enrollments.csv": ("Section_id", "Student_id"),
             EXT_DISTRICTS: ("District_id",), EXT_RECORDS: ("Kind", "Id", "Clever_json")}
_KNOWN = {f: frozenset(c for c, _ in SFTP_COLUMNS.get(f, ())) | frozenset(cols)
          for f, cols in _SPECIAL.items()}
# (numbers of at most 9 digits: int() refuses a run of over 4300, and no file has 10**9)
_NUMBERED = re.compile(r"(teacher|contact)_?(\d{1,9})_?(.+)", re.IGNORECASE | re.ASCII)
_ID_NUMBERED = re.compile(r"teacherid(\d{1,9})", re.ASCII)  # (on a squash()ed name)
_CONTACT_KEYS = frozenset(f for f, _ in CONTACT_FIELDS)
_SEPARATORS = re.compile(r"[\s_.\-]+")


def squash(col: str) -> str:
    """``col`` in lower case without spaces, underscores, dots or hyphens (nor invisible
    characters, see :func:`visible`): how a header name is compared with Clever's
    (``Student id``, ``student-ID``, ``StudentID`` are all ``Student_id``; no two of
    Clever's column names of one file squash alike).

    Examples
    --------
    >>> squash(" Student ID ")
    'studentid'
    """
    return _SEPARATORS.sub("", visible(col).lower())


_SQUASHED = {f: {squash(c): c for c in (*_KNOWN.get(f, ()), *REQUIRED.get(f, ()))}
             for f in {*_KNOWN, *REQUIRED}}
_CONTACT_SQUASHED = {squash(f): f for f in _CONTACT_KEYS}
#: the columns staff.csv and the deprecated admins.csv name otherwise (a district moving
#: from one file to the other writes the other's names): file → {squashed name: column}
OTHER_FILE_NAMES = {"admins.csv": {"staffemail": "Admin_email", "title": "Admin_title"},
                    "staff.csv": {"adminemail": "Staff_email", "admintitle": "Title"}}


def _canonical(file: str, col: str) -> str | None:
    """The column name Clever's spec spells ``col`` as, ignoring case, spaces,
    underscores, dots and hyphens, or None. ``Teacher_1_id`` and ``Contact_1_<field>``
    (numbering from one) are Clever's ``Teacher_id`` and ``Contact_<field>``;
    ``Teacher_id_2`` (the number after ``id``) is ``Teacher_2_id``; ``staff.csv``'s and
    ``admins.csv``'s names for the email and title are each other's
    (:data:`OTHER_FILE_NAMES`)."""
    key = squash(col)
    known = _SQUASHED.get(file, {}).get(key) or OTHER_FILE_NAMES.get(file, {}).get(key)
    if known is not None:
        return known
    m = _NUMBERED.fullmatch(_SEPARATORS.sub("_", visible(col).strip()))
    if m and file == "sections.csv" and m.group(1).lower() == "teacher" and (
            squash(m.group(3)) == "id"):
        return "Teacher_id" if int(m.group(2)) == 1 else f"Teacher_{m.group(2)}_id"
    # (the number after "id", as SQL exports name them: Teacher_id_2; contacts' are left
    # alone: a Contact_phone_2 may be a second phone of the first contact)
    last = _ID_NUMBERED.fullmatch(key) if file == "sections.csv" else None
    if last is not None:
        n = int(last.group(1))
        return "Teacher_id" if n == 1 else f"Teacher_{n}_id"
    if file != "students.csv":
        return None
    field = _CONTACT_SQUASHED.get(squash(m.group(3))) if m else None
    if m and m.group(1).lower() == "contact" and field is not None:
        return f"Contact_{field}" if int(m.group(2)) == 1 else (
            f"Contact_{m.group(2)}_{field}")
    if key.startswith("contact") and key[7:] in _CONTACT_SQUASHED:
        return "Contact_" + _CONTACT_SQUASHED[key[7:]]
    return None


def header_renames(file: str, header: list[str]) -> dict[str, str]:
    """Header names that match a Clever column only when case, spaces, underscores, dots
    and hyphens are ignored (or numbered from one) → that column.

    Examples
    --------
    >>> header_renames("sections.csv", ["section_id", "Teacher_1_id", "Teacher_2_id"])
    {'section_id': 'Section_id', 'Teacher_1_id': 'Teacher_id'}
    >>> header_renames("students.csv", ["Student ID", "School-id", "Contact 2 Email"])
    {'Student ID': 'Student_id', 'School-id': 'School_id', 'Contact 2 Email': 'Contact_2_email'}
    >>> header_renames("students.csv", ["Student ID", "student_id"])
    {'student_id': 'Student_id'}
    """
    present = set(header)
    wants = [(h, _canonical(file, h)) for h in dict.fromkeys(header)]
    out: dict[str, str] = {}
    # a name spelt as Clever's but for case (or numbered from one) is taken before one that
    # differs in spaces, underscores, dots or hyphens too: of "Student ID" and "student_id"
    # the second is the id column, the first stays an extra column
    for loose in (False, True):
        for h, want in wants:
            if (want is not None and want != h and want not in present
                    and _spelt_as(h, want) != loose):
                out[h] = want
                present.add(want)
    return {h: out[h] for h in header if h in out}


_FIRST = re.compile(r"^(teacher|contact)_0*1_")


def _spelt_as(col: str, want: str) -> bool:
    """Whether ``col`` is Clever's ``want`` but for case, surrounding spaces and invisible
    characters (and the number one of a first teacher or contact)."""
    return _FIRST.sub(r"\1_", visible(col).strip().lower(), count=1) == want.lower()


def contact_columns(columns: list[str]) -> tuple[dict[int, dict[str, str]],
                                                 list[tuple[str, str]]]:
    """students.csv's contact columns (of unique ``columns``) by contact number and field,
    and ``(read, other)`` of each column naming a contact field another already names
    (``Contact_02_name`` beside ``Contact_2_name``, ``Contact_1_name`` beside
    ``Contact_name``): Clever's spelling (the number without zeros in front, none for the
    first contact) is read, else the first in the header; the other goes to ``extra``.

    Examples
    --------
    >>> contact_columns(["Contact_02_name", "Contact_2_name", "Contact_email"])
    ({2: {'name': 'Contact_2_name'}, 1: {'email': 'Contact_email'}}, [('Contact_2_name', 'Contact_02_name')])
    """
    groups: dict[int, dict[str, str]] = {}
    clashes: list[tuple[str, str]] = []
    for c in columns:
        m = _CONTACT_COL.fullmatch(c)
        if m is None or m.group(2) not in _CONTACT_KEYS:
            continue
        k, field = int(m.group(1) or 1), m.group(2)
        have = groups.setdefault(k, {}).setdefault(field, c)
        if have == c:
            continue
        if m.group(1) == (str(k) if k != 1 else None):  # (Clever's own spelling wins)
            groups[k][field] = c
            clashes.append((c, have))
        else:
            clashes.append((have, c))
    return groups, clashes


def contact_clash_message(read: str, other: str) -> str:
    """The problem of two columns naming one contact field (:func:`contact_columns`).

    Examples
    --------
    >>> contact_clash_message("Contact_2_name", "Contact_02_name")[:52]
    "columns 'Contact_2_name' and 'Contact_02_name' name "
    """
    why = ("Clever's spelling: the contact's number without zeros in front, none for the "
           "first") if _CONTACT_COL.fullmatch(read) and not re.match(
               r"Contact_(0|1_)", read) else "the first of them in the header"
    return (f"columns {read!r} and {other!r} name the same contact field: {read!r} is read "
            f"({why}); {other!r}'s cells are kept in extra as {SFTP_PREFIX + other!r}")


ColumnPlan = tuple[list[tuple[tuple[str, ...], list[tuple[str, str]]]], list[tuple[str, str]],
              list[tuple[str, tuple[str, ...], tuple[str, ...]]], list[str]]
_CO_TEACHER = re.compile(r"Teacher_(\d{1,9})_id", re.ASCII)
_CONTACT_COL = re.compile(r"Contact_(?:(\d{1,9})_)?(.+)", re.ASCII)


def column_plan(file: str, columns: list[str]) -> ColumnPlan:
    """Where each column of a file with these (unique) columns goes, worked out once per
    file: ``(fields, extra, contacts, co_teachers)``. ``fields`` are the mapped columns
    present, in :data:`SFTP_COLUMNS` order, in runs of the same parent keys: ``(parent
    keys, [(column, key), ...])``; ``extra`` ``(column, "sftp.<column>")`` for every
    other column no field takes; ``contacts`` the contact groups ``(k, fields, columns)``
    of students.csv by number (``Contact_*`` is group 1; a gap in the numbers ends
    nothing); ``co_teachers`` the ``Teacher_<n>_id`` columns of sections.csv by number.

    Examples
    --------
    >>> fields, extra, contacts, _ = column_plan(
    ...     "students.csv", ["Student_id", "Grade", "Contact_name", "Contact_3_name", "Bus"])
    >>> fields, extra, [(k, names) for k, names, _ in contacts]
    ([(('roles', 'student'), [('Grade', 'grade')])], [('Bus', 'sftp.Bus')], [('1', ('name',)), ('3', ('name',))])
    """
    present = set(columns)
    fields: list[tuple[tuple[str, ...], list[tuple[str, str]]]] = []
    for col, path in SFTP_COLUMNS.get(file, ()):
        if col in present:
            *parents, key = path.split(".")
            if not fields or fields[-1][0] != tuple(parents):
                fields.append((tuple(parents), []))
            fields[-1][1].append((col, key))
    taken = set(_KNOWN.get(file, frozenset()))
    co_teachers: list[str] = []
    if file == "sections.csv":
        numbered = [(int(m.group(1)), c) for c in columns if (m := _CO_TEACHER.fullmatch(c))]
        co_teachers = [c for _, c in sorted(numbered)]
        taken.update(co_teachers)
    groups = contact_columns(columns)[0] if file == "students.csv" else {}
    contacts = []
    for k, cols in sorted(groups.items()):
        names = [(f, cols[f]) for f, _ in CONTACT_FIELDS if f in cols]
        taken.update(c for _, c in names)
        contacts.append((str(k), tuple(f for f, _ in names), tuple(c for _, c in names)))
    # (a password column is never kept, in any spelling: PASSWORD, " Password ")
    extra = [(col, SFTP_PREFIX + col) for col in columns
             if col not in taken and not is_secret_column(col)]
    return fields, extra, contacts, co_teachers


def lacking_message(header: Sequence[str], missing: Sequence[str]) -> str:
    """The problem of a header without its required columns ``missing``, naming the header
    column each may be (one spelt as it in quotes other than CSV's, ``'Student_id'``, or a
    typo away: a similarity of 0.8 or more), so that the lack shown is explained.

    Examples
    --------
    >>> print(lacking_message(["'School_id'", "'Student_id'"], ["Student_id"]))
    header lacks the required column(s) Student_id; the file was not loaded (the header has "'Student_id'": is it Student_id, misspelt, or in quotes CSV does not take, as '...'?)
    """
    names = {squash(h).strip("'`\u2018\u2019\u201c\u201d\""): h for h in reversed(header)}
    hints = []
    for col in missing:
        close = difflib.get_close_matches(squash(col), list(names), n=1, cutoff=0.8)
        if close:
            hints.append(f"the header has {names[close[0]]!r}: is it {col}")
    return (f"header lacks the required column(s) {', '.join(missing)}; the file was not "
            "loaded" + (f" ({'; '.join(hints)}, misspelt, or in quotes CSV does not take, "
                        "as '...'?)" if hints else ""))


def near_misses(file: str, header: Sequence[str], unknown: Iterable[str]
                ) -> list[tuple[str, str]]:
    """``(column, Clever column)`` for each ``unknown`` column of ``file`` (one no field
    takes, kept in ``extra``) whose name is a typo away from a Clever column the header
    lacks (``Frist_name`` for ``First_name``; names compared as :func:`squash` gives them,
    a similarity of at least 0.85, not the Clever name with more before or after it), so
    that a misspelt header is told, not silently read as an extra column.

    Examples
    --------
    >>> near_misses("students.csv", ["Student_id", "Frist_name", "Bus"], ["Frist_name", "Bus"])
    [('Frist_name', 'First_name')]
    >>> near_misses("teachers.csv", ["Teacher_id", "Title1"], ["Title1"])
    []
    """
    have = {squash(h) for h in header}
    missing = {k: c for k, c in _SQUASHED.get(file, {}).items() if k not in have}
    names = list(missing)
    out = []
    for col in unknown:
        key = squash(col)
        close = difflib.get_close_matches(key, names, n=1, cutoff=0.85)
        # (a name that is a Clever one with more before or after it is a column of its
        # own, no typo: Title1 (Title I), School_zip4, Student_email2, Home_language_code)
        if close and not key.startswith(close[0]) and not key.endswith(close[0]):
            out.append((col, missing[close[0]]))
    return out


#: the prefixes Clever's column names carry for their file's record (``Teacher_email``)
_FILE_PREFIXES = ("student", "teacher", "staff", "admin", "school", "section")


def unprefixed(file: str, header: Sequence[str], unknown: Iterable[str]
               ) -> list[tuple[str, str]]:
    """``(column, Clever column)`` for each ``unknown`` column of ``file`` named as a
    Clever column the header lacks without its file's prefix (``Email`` for
    ``Teacher_email``, ``Zip`` for ``Student_zip``, ``Name`` for ``School_name``): kept in
    ``extra`` as Clever would not read it either, but told.

    Examples
    --------
    >>> unprefixed("teachers.csv", ["Teacher_id", "Email", "Bus"], ["Email", "Bus"])
    [('Email', 'Teacher_email')]
    """
    have = {squash(h) for h in header}
    missing = {k: c for k, c in _SQUASHED.get(file, {}).items() if k not in have}
    out = []
    for col in unknown:
        key = squash(col)
        got = [c for k, c in missing.items()
               if len(key) >= 3 and k.endswith(key) and k[:-len(key)] in _FILE_PREFIXES]
        if len(got) == 1:
            out.append((col, got[0]))
    return out
