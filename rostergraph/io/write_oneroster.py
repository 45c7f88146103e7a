"""The OneRoster CSV writer: a Roster out as a OneRoster 1.1 or 1.2 bulk bundle.

Both versions write ``manifest.csv``, ``orgs.csv``, ``academicSessions.csv``,
``courses.csv``, ``classes.csv``, ``users.csv``, ``enrollments.csv`` and, when
there is data for it, ``demographics.csv``, as the 1EdTech OneRoster v1.1 CSV
Binding and the 1EdTech OneRoster v1.2 CSV Binding define them. They differ in
the users (``docs/formats.md`` has the whole mapping):

- **1.1**: one ``users.csv`` row per role (``role``, ``orgSourcedIds``); a user
  with several roles is several rows, joined back by the extension column
  ``metadata.rostergraph.userId``.
- **1.2**: one ``users.csv`` row per user (the 1.2 columns: no ``role`` or
  ``orgSourcedIds``; ``primaryOrgSourcedId``, ``userMasterIdentifier``, preferred
  names, ``pronouns``), and ``roles.csv`` with one row per (user, role, org), the
  user's first role at its first org ``primary`` and the others ``secondary``: a
  multi-role user needs no extension. ``userProfiles.csv`` is written only for
  users that came with profiles (a OneRoster 1.2 source's, kept in ``extra``).

Examples
--------
>>> import rostergraph, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> report = write_oneroster(rostergraph.sample(), out / "or.zip")
>>> set(report.to_list("how")) <= {"extension", "changed", "dropped"}
True
>>> _ = write_oneroster(rostergraph.sample(), out / "or12", version="1.2")
>>> sorted(p.name for p in (out / "or12").iterdir())[-3:]
['orgs.csv', 'roles.csv', 'users.csv']
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..model import iso_date, parse_date, record_to_dict
from ..roster import Roster, source_path
from ..safety import home_path
from ..table import Table
from .credentials import without_credentials
from .csvutil import to_csv_text
from .enrollcols import OTHER_ROLES_KEY
from .mapping import CEDS_TO_CLEVER, ceds_grade
from .oneroster_cols import (
    CARRY_COLUMN,
    DEMOGRAPHICS_PREFIX,
    OR12_STAFF_ROLES,
    PLACING_ROLES,
    PREFIX,
    PROFILES_KEY,
    RACE_COLUMNS,
    ROLES_KEY,
    SEX_VALUES,
    USER_ID_COLUMN,
    kept_district,
    role_values,
    staff_role_tokens,
)
from .oneroster_profiles import _SEX
from .write import (
    _ISO_LIKE,
    FileData,
    WriteReport,
    _Carry,
    _write_files,
    each_record,
    made_folder,
)
from .write_oneroster_kept import (
    admin_cell_row,
    carries_district,
    carry_unwritten_cells,
    district_cell_row,
    enrollment_cells,
    enrollment_ids,
    orgs_read_back,
    role_rows,
)
from .write_sheets import Sheet

__all__ = ["ONEROSTER_VERSIONS", "write_oneroster"]

#: The OneRoster versions :func:`write_oneroster` writes.
ONEROSTER_VERSIONS = ("1.1", "1.2")


def _or_date(c: _Carry, path: str) -> str | None:
    """A date column in ISO 8601: a source form such as ``8/1/15`` is rewritten (the
    original is carried in the extension column); one that is no date is left out and
    carried, so no consumer reads a non-ISO value as a date."""
    raw = c.take(path)
    if not isinstance(raw, str) or not raw or _ISO_LIKE.match(raw):
        return raw
    iso = iso_date(raw)
    c.keep(path, raw)
    return iso


_OR_HEADERS = {
    "orgs": ["sourcedId", "status", "dateLastModified", "name", "type", "identifier",
             "parentSourcedId"],
    "academicSessions": ["sourcedId", "status", "dateLastModified", "title", "type",
                         "startDate", "endDate", "parentSourcedId", "schoolYear"],
    "courses": ["sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title",
                "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"],
    "classes": ["sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId",
                "classCode", "classType", "location", "schoolSourcedId", "termSourcedIds",
                "subjects", "subjectCodes", "periods"],
    "users": ["sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role",
              "username", "userIds", "givenName", "familyName", "middleName", "identifier",
              "email", "sms", "phone", "agentSourcedIds", "grades", "password"],
    "enrollments": ["sourcedId", "status", "dateLastModified", "classSourcedId",
                    "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate",
                    "endDate"],
    "demographics": ["sourcedId", "status", "dateLastModified", "birthDate", "sex",
                     "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
                     "nativeHawaiianOrOtherPacificIslander", "white",
                     "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity",
                     "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
                     "publicSchoolResidenceStatus"],
}
#: The ``file.*`` keys of a 1.1 manifest, and those 1.2 adds.
_OR_FILES = ("academicSessions", "categories", "classes", "classResources", "courses",
             "courseResources", "demographics", "enrollments", "lineItems", "orgs",
             "resources", "results", "users")
_OR12_FILES = ("roles", "userProfiles", "userResources", "scoreScales", "lineItemScoreScales",
               "resultScoreScales", "lineItemLearningObjectiveIds",
               "resultLearningObjectiveIds")
#: every file a OneRoster write may make (1.1 or 1.2)
ONEROSTER_FILE_NAMES = ("manifest.csv", *(f"{n}.csv" for n in _OR_FILES + _OR12_FILES))
#: files written only when they have rows (the others always, maybe header-only)
_OR_OPTIONAL = frozenset({"demographics", "userProfiles"})
#: 1.2 files whose columns differ from 1.1, and the new ones (1EdTech OneRoster v1.2 CSV
#: Binding; orgs, academicSessions, courses, classes, enrollments and demographics keep
#: their 1.1 columns)
_OR12_HEADERS = {
    "users": ["sourcedId", "status", "dateLastModified", "enabledUser", "username", "userIds",
              "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone",
              "agentSourcedIds", "grades", "password", "userMasterIdentifier",
              "preferredGivenName", "preferredMiddleName", "preferredFamilyName",
              "primaryOrgSourcedId", "pronouns"],
    "roles": ["sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role",
              "beginDate", "endDate", "orgSourcedId", "userProfileSourcedId"],
    "userProfiles": ["sourcedId", "status", "dateLastModified", "userSourcedId", "profileType",
                     "vendorId", "applicationId", "description", "credentialType", "username",
                     "password"],
}
#: The 1.1 users.csv role values a staff member may be besides administrator (1.2's:
#: ``oneroster_cols.staff_role_tokens``).
_OR11_STAFF_ROLES = ("aide", "proctor")
_OR_CONTACT_ROLES = ("parent", "guardian", "relative")
_OR_SEX_BACK = {"male": "M", "female": "F", "other": "X"}


def _list_ok(values: Iterable[str]) -> bool:
    """Whether ids survive a OneRoster comma list (no commas, no edge spaces, not empty)."""
    return all(v and "," not in v and v == v.strip() for v in values)


def _join(values: Iterable[str]) -> str:
    return ",".join(values)


def _ceds(grade: str | None) -> str | None:
    if grade is None:
        return None
    return ceds_grade(grade)


def write_oneroster(roster: Roster, path: str | os.PathLike[str], *, zip: bool | None = None,
                    extensions: bool = True, version: str = "1.1") -> Table:
    """Write a roster as a OneRoster 1.1 or 1.2 CSV bundle (bulk), to a folder or a ``.zip``.

    Parameters
    ----------
    roster:
        The roster to write.
    path:
        The output folder, or a ``.zip`` file.
    zip:
        Force zip (``True``) or folder (``False``) output; by default a path
        ending in ``.zip`` is a zip.
    extensions:
        Write the extension columns ``metadata.rostergraph.clever`` (JSON of the
        Clever fields OneRoster has no column for) and
        ``metadata.rostergraph.userId`` (joins the one-role-per-row users of
        OneRoster 1.1 back into one multi-role user; 1.2 needs none). Without
        them those fields are ``dropped`` in the report and, in 1.1, multi-role
        users come back split.
    version:
        ``"1.1"`` (the default) or ``"1.2"``: the 1.2 CSV binding's manifest,
        ``users.csv`` columns and ``roles.csv`` (one row per user, role and org,
        so a multi-role user is one user).

    Returns
    -------
    Table
        The report (``kind, field, count, how``).

    Raises
    ------
    ValueError
        For a ``version`` other than ``"1.1"`` or ``"1.2"``.

    Examples
    --------
    >>> import rostergraph, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "or"
    >>> report = write_oneroster(rostergraph.sample(), out, extensions=False)
    >>> "dropped" in set(report.to_list("how")), (out / "manifest.csv").is_file()
    (True, True)
    >>> report = write_oneroster(rostergraph.sample(), out.with_name("or12"), version="1.2")
    >>> "oneroster.version,1.2" in (out.with_name("or12") / "manifest.csv").read_text()
    True
    """
    if version not in ONEROSTER_VERSIONS:
        raise ValueError(f"unknown OneRoster version {version!r}; expected one of "
                         f"{', '.join(ONEROSTER_VERSIONS)}")
    p = Path(home_path(path))
    as_zip = p.suffix.lower() == ".zip" if zip is None else zip
    report = WriteReport()
    headers = {**_OR_HEADERS, **_OR12_HEADERS} if version == "1.2" else _OR_HEADERS
    with made_folder(p, as_zip) as spill:
        sheets = {name: Sheet(h, standard_only=not extensions, spill_dir=spill)
                  for name, h in headers.items()}
        try:
            _write_rows(roster, sheets, report, extensions, version)
            _write_files(p, _files(sheets, report, version), as_zip,
                         family=ONEROSTER_FILE_NAMES, source=source_path(roster.provenance))
        finally:
            for sheet in sheets.values():
                sheet.close()  # (a write that failed: its spilled rows go)
    return report.table()


def _write_rows(roster: Roster, sheets: dict[str, Sheet], report: WriteReport,
                extensions: bool, version: str) -> None:
    """Every record's rows, into their sheets."""
    schools = roster.schools
    sole = next(iter(roster.districts)) if len(roster.districts) == 1 else None

    # orgs
    for rec in roster.districts.values():
        c = _Carry("districts", rec, report, extensions, PREFIX)
        row = {"sourcedId": c.take("id"), "name": c.take("name"), "type": "district",
               "identifier": c.take("nces_id")}
        sheets["orgs"].add(_finish(c, row))
    for rec in schools.values():
        c = _Carry("schools", rec, report, extensions, PREFIX)
        row = {"sourcedId": c.take("id"), "name": c.take("name"), "type": "school",
               "identifier": c.take("nces_id"), "parentSourcedId": c.take("district"),
               "dateLastModified": c.take("last_modified")}
        if rec.district is not None and rec.district not in roster.districts or (
                rec.district is None and sole):  # (no parent reads as the sole district)
            c.keep("district", rec.district)  # a parent that is no org does not read back
        sheets["orgs"].add(_finish(c, row))
    # terms
    for rec in roster.terms.values():
        c = _Carry("terms", rec, report, extensions, PREFIX)
        end = parse_date(rec.end_date)
        row = {"sourcedId": c.take("id"), "title": c.take("name"),
               "startDate": _or_date(c, "start_date"), "endDate": _or_date(c, "end_date"),
               "type": rec.extra.get(PREFIX + "type") or "term",
               "schoolYear": rec.extra.get(PREFIX + "schoolYear") or (
                   str(end.year) if end else None)}
        if c.take("district") != sole:
            c.keep("district", rec.district)
        sheets["academicSessions"].add(_finish(c, row))
    # courses
    for rec in roster.courses.values():
        c = _Carry("courses", rec, report, extensions, PREFIX)
        org = rec.extra.get(PREFIX + "orgSourcedId") or rec.district
        row = {"sourcedId": c.take("id"), "title": c.take("name"),
               "courseCode": c.take("number"), "orgSourcedId": org}
        dist = c.take("district")
        if dist is not None and dist not in roster.districts or (dist is None and sole):
            c.keep("district", dist)
        sheets["courses"].add(_finish(c, row))
    # users (one row per role) and demographics
    row_id: dict[tuple[str, str], str] = {}  # a user's row in a role, when not its own id
    for rec in each_record(roster.users):
        if version == "1.2":
            _oneroster_user_12(rec, roster, sheets, report, extensions, sole)
        else:
            _oneroster_user(rec, roster, sheets, row_id, report, extensions, sole)
    # classes and enrollments
    for rec in each_record(roster.sections):
        _oneroster_class(rec, roster, sheets, row_id, report, extensions)


def _files(sheets: dict[str, Sheet], report: WriteReport, version: str) -> dict[str, FileData]:
    """The bundle's files: the manifest's bytes, and what writes each sheet's file."""
    files: dict[str, FileData] = {}
    manifest = [["propertyName", "value"], ["manifest.version", "1.0"],
                ["oneroster.version", version], ["source.systemName", "rostergraph"]]
    for name in _OR_FILES + (_OR12_FILES if version == "1.2" else ()):
        present = name in sheets and (sheets[name].n_rows or name not in _OR_OPTIONAL)
        manifest.append([f"file.{name}", "bulk" if present else "absent"])
        if present:
            files[f"{name}.csv"] = _sheet_file(sheets[name], report, f"{name}.csv")
    return {"manifest.csv": to_csv_text(manifest).encode("utf-8"), **files}


def _sheet_file(sheet: Sheet, report: WriteReport, name: str) -> FileData:
    return lambda out: sheet.write(out, report, name)


def _school_orgs(c: _Carry, r: Any, role: str) -> list[str]:
    """A student's or teacher's orgs, primary school first; what reads back otherwise is
    carried."""
    orgs = list(dict.fromkeys(([r.school] if r.school else []) + [
        s for s in (r.schools or ()) if s != r.school]))
    c.take(f"roles.{role}.school")
    c.take(f"roles.{role}.schools")
    orig_schools = list(r.schools) if r.schools is not None else None
    if not _list_ok(orgs):
        orgs = [o for o in orgs if _list_ok([o])]
        c.keep(f"roles.{role}.school", r.school)
        c.keep(f"roles.{role}.schools", orig_schools)
    if (orgs[0] if orgs else None) != r.school:
        c.keep(f"roles.{role}.school", r.school)
    if (orgs or None) != orig_schools:
        c.keep(f"roles.{role}.schools", orig_schools)
    return orgs


def _staff_orgs(c: _Carry, r: Any) -> list[str]:
    schools = list(dict.fromkeys(r.schools or ()))
    c.take("roles.staff.schools")
    if not _list_ok(schools):
        schools = [o for o in schools if _list_ok([o])]
    if (schools or None) != (list(r.schools) if r.schools is not None else None):
        c.keep("roles.staff.schools", list(r.schools) if r.schools is not None else None)
    return schools


def _grade_cell(c: _Carry, path: str, kept: Any = None) -> str | None:
    """The ``grades`` cell of the grade at ``path`` (``kept``: a source's list of grades
    whose first is that grade). A grade that does not read back as it is is carried: a
    CEDS code's other name, and one that is no item of a comma list (no cell then)."""
    grade = c.take(path)
    code = _ceds(grade)
    if code is not None and (not _list_ok([code]) or CEDS_TO_CLEVER.get(code, code) != grade):
        c.keep(path, grade)
        if not _list_ok([code]):  # ("3,4" read back as "3", " 5" as "5")
            return None
    return kept if isinstance(kept, str) and code and kept.split(",")[0].strip() == code else code


def _contact_role(rec: Any, c: _Carry) -> tuple[str, str]:
    """A contact's OneRoster role and its students (``agentSourcedIds``); relationships
    that do not read back from the role are carried."""
    rels = rec.roles.contact.student_relationships or ()
    orole = rec.extra.get(PREFIX + "role")
    if orole not in _OR_CONTACT_ROLES:
        first = rels[0] if rels else None
        orole = ("parent" if first is not None and first.relationship == "Parent"
                 else "relative" if first is not None and first.type == "Family"
                 else "guardian")
    want = {"parent": ("Parent", "Parent/Guardian"),
            "guardian": ("Other", "Parent/Guardian"),
            "relative": ("Other", "Family")}[orole]
    if any(not s.student or (s.relationship, s.type) != want or s.extra
           for s in rels) or len({s.student for s in rels}) < len(rels) or not (
               _list_ok([s.student for s in rels if s.student])):
        c.keep("roles.contact.student_relationships",
               [record_to_dict(s, nulls=False, extra_filter=without_credentials)
                for s in rels])
    return orole, _join(s.student for s in rels if s.student and _list_ok([s.student]))


def _oneroster_user(rec: Any, roster: Roster, sheets: dict[str, Sheet],
                    row_id: dict[tuple[str, str], str], report: WriteReport, extensions: bool,
                    sole: str | None) -> None:
    """A user as OneRoster 1.1: one ``users.csv`` row per role."""
    c = _Carry("users", rec, report, extensions, PREFIX)
    uid = c.take("id")
    base = _user_cells(rec, c)
    district = c.take("district")
    roles = rec.roles
    names = roles.names
    rows: list[dict[str, Any]] = []
    first_school: str | None = None
    orgs_row: dict[str, Any] | None = None  # the row kept orgs go on (a contact's)
    admin_row: dict[str, Any] | None = None
    kept_orgs = rec.extra.get(PREFIX + "orgSourcedIds")
    for i, role in enumerate(names):
        r = getattr(roles, role)
        row = dict(base)
        row["sourcedId"] = uid if i == 0 else f"{uid}#{role}"
        if len(names) > 1:
            if extensions:
                row[USER_ID_COLUMN] = uid
            else:
                report.add("users", "roles (several roles: one user per role)", "changed")
        if i:  # (only ids other than the user's are kept: a district has millions of users)
            row_id[(uid, role)] = row["sourcedId"]
        c.roles_written.add(role)
        if role in ("student", "teacher"):
            orgs = _school_orgs(c, r, role)
            row.update(role=role, orgSourcedIds=_join(orgs),
                       identifier=c.take(f"roles.{role}.sis_id"),
                       username=c.take(f"roles.{role}.credentials.district_username"))
            first_school = first_school or (orgs[0] if orgs else None)
            if role == "student":
                row["grades"] = _grade_cell(c, "roles.student.grade")
                _oneroster_demographics(rec, c, sheets, row["sourcedId"])
        elif role == "staff":
            # (an aide written as administrator gets an administrator's rights where the
            # bundle is imported: a 1.1 value among staff.roles is the role written)
            given = list(r.roles) if r.roles is not None else None
            orole = (role_values(given, _OR11_STAFF_ROLES) or ["administrator"])[0]
            if orole != "administrator" and c.take("roles.staff.roles") != [orole]:
                c.keep("roles.staff.roles", given)  # (administrator: carried as any field)
            row.update(role=orole, orgSourcedIds=_join(_staff_orgs(c, r)),
                       identifier=c.take("roles.staff.staff_id"),
                       username=c.take("roles.staff.credentials.district_username"))
        elif role == "district_admin":
            known = district is not None and district in roster.districts
            listed = not district or _list_ok([district])  # (else no comma list's item)
            own = district not in roster.schools  # (else administrator there: a school's)
            row.update(role="administrator" if known and listed and own
                       else "districtAdministrator",
                       orgSourcedIds=(district or "") if listed else "")
            admin_row = row
            if not listed:
                c.keep("district", district)
            if not (known and listed and own):
                why = ("not delivered" if not known else "id with a comma" if not listed
                       else "id is a school's too")
                report.add("users", f"roles.district_admin (district {why}: role "
                           "districtAdministrator, a OneRoster 1.2 value)", "changed")
        elif role == "contact":
            orole, agents = _contact_role(rec, c)
            row.update(role=orole, identifier=c.take("roles.contact.sis_id"),
                       phone=c.take("roles.contact.phone"), agentSourcedIds=agents,
                       # (the contact's own orgs, kept, fill it: see below)
                       orgSourcedIds="" if isinstance(kept_orgs, str) and kept_orgs
                       else first_school or "")
            orgs_row = row
        rows.append(row)
    if "student" not in names:  # (a student's row is written with its role)
        _oneroster_demographics(rec, c, sheets, uid)
    kept = _kept_role(rec, c)
    if not rows and kept:  # a role Clever has none for, kept by the reader: its row again
        rows.append(dict(base, sourcedId=uid, role=kept))
        kept = None
    elif not rows:
        report.add("users", "roles (none: written with an empty role)", "changed")
        rows.append(dict(base, sourcedId=uid, role=""))
    # the orgs kept for a contact (or a role Clever lacks, or no role) go on that row: on
    # a teacher's or staff member's they would read back as its schools (else carried),
    # but for a cell of districts only on one written without schools
    cell_district = None
    if orgs_row is None and not names:
        orgs_row = rows[0]
    elif orgs_row is None:
        orgs_row, cell_district = district_cell_row(rows, kept_orgs, roster.districts,
                                                    roster.schools)
        if orgs_row is None:  # (a district administrator's other districts: on its row)
            orgs_row = admin_cell_row(rows, admin_row, kept_orgs, district, roster)
    extra_cols = _user_columns(rec, c, roster, district, sole, rows[0], ("agentSourcedIds",),
                               cell_district if orgs_row is rows[0] else None)
    if orgs_row is not None:
        _fill(orgs_row, extra_cols, c, ("orgSourcedIds",))
    elif "orgSourcedIds" in extra_cols:
        c.d[PREFIX + "orgSourcedIds"] = extra_cols.pop("orgSourcedIds")
    if kept is not None:  # beside roles Clever has: carried
        c.d[PREFIX + "role"] = kept
    # (a 1.2 cell no role said: 1.1's reader would take a column of it as the user's
    # primary school, so it is carried instead)
    primary = extra_cols.pop("primaryOrgSourcedId", None)
    if primary is not None:
        c.d[PREFIX + "primaryOrgSourcedId"] = primary
    # (a cell no role took: on a district administrator's row, which takes none, else
    # the first; carried when the row holds its role's own)
    _fill(admin_row or rows[0], extra_cols, c, ("username", "identifier"))
    rows[0].update(extra_cols)
    rows[0].update(c.finish(CARRY_COLUMN))
    for row in rows:
        sheets["users"].add(row)


def _user_cells(rec: Any, c: _Carry) -> dict[str, Any]:
    """The ``users.csv`` cells both versions write alike (on every row of a 1.1 user),
    taken from the record: the source's ``status`` the reader kept in ``extra`` too."""
    status = rec.extra.get(PREFIX + "status")
    if isinstance(status, str):
        c.d.pop(PREFIX + "status", None)
    else:
        status = None  # (anything else stays in the carry, as it is)
    return {"status": status, "givenName": c.take("name.first"),
            "familyName": c.take("name.last"), "middleName": c.take("name.middle"),
            "email": c.take("email"), "dateLastModified": c.take("last_modified"),
            "enabledUser": rec.extra.get(PREFIX + "enabledUser") or "true"}


def _user_columns(rec: Any, c: _Carry, roster: Roster, district: str | None,
                  sole: str | None, row: dict[str, Any], fill: tuple[str, ...],
                  given: str | None = None) -> dict[str, Any]:
    """What a user's roles left, once they are written (both versions): the district
    carried when it would not read back (``given``: the one its first row's orgs give), and
    the columns of the ``oneroster.<column>`` extra keys (those in ``fill`` filling
    ``row``'s cells, see :func:`_fill`)."""
    c.d.pop(PREFIX + "enabledUser", None)  # (in the row already)
    if carries_district(rec, roster, district, sole, given):
        c.keep("district", district)
    extra_cols = c.columns()
    _fill(row, extra_cols, c, fill)
    return extra_cols


def _kept_role(rec: Any, c: _Carry) -> str | None:
    """The OneRoster role the reader kept in ``extra`` for a role Clever has none for
    (``ext:coach``), taken from the record's fields; ``None`` when there is none or it is
    the contact role's own (which :func:`_contact_role` writes)."""
    orole = rec.extra.get(PREFIX + "role")
    if not isinstance(orole, str) or not orole:
        return None  # (a value of another type stays in the carry)
    c.d.pop(PREFIX + "role", None)
    if rec.roles.contact is not None and orole in _OR_CONTACT_ROLES:
        return None
    return orole


def _fill(row: dict[str, Any], cols: dict[str, Any], c: _Carry, keys: tuple[str, ...]) -> None:
    """Columns ``keys`` the writer fills itself: a value kept in ``extra`` fills the cell
    when the writer left it empty, and is carried when the writer wrote another."""
    for k in keys:
        v = cols.pop(k, None)
        if v is None:
            continue
        if not row.get(k):
            row[k] = v
        elif row[k] != v:
            c.d[PREFIX + k] = v


def _one_value(c: _Carry, paths: list[str]) -> str | None:
    """The one column value several role fields share (the first present one); every
    field that would read back as another value is carried as it is."""
    values = [c.take(p) for p in paths]
    first = next((v for v in values if v is not None), None)
    for p, v in zip(paths, values):
        if v != first:
            c.keep(p, v)
    return first


def _oneroster_user_12(rec: Any, roster: Roster, sheets: dict[str, Sheet],
                       report: WriteReport, extensions: bool, sole: str | None) -> None:
    """A user as OneRoster 1.2: one ``users.csv`` row, one ``roles.csv`` row per role and
    org (the first ``primary``), and its ``userProfiles.csv`` rows."""
    c = _Carry("users", rec, report, extensions, PREFIX)
    uid = c.take("id")
    row: dict[str, Any] = {"sourcedId": uid, **_user_cells(rec, c)}
    district = c.take("district")
    roles = rec.roles
    grants: list[tuple[str, str]] = []  # (1.2 role, org) in the order they read back
    # orgs of a contact or of a role Clever has none for, kept by the reader
    kept, held = rec.extra.get(PREFIX + "orgSourcedIds"), rec.extra.get(ROLES_KEY)
    kept_orgs = [o for o in kept.split(",") if o] if isinstance(kept, str) else []
    ids: list[str] = []        # the role fields the one `identifier` column reads back into
    usernames: list[str] = []  # ... and the one `username` column
    first_school: str | None = None
    for role in roles.names:
        r = getattr(roles, role)
        c.roles_written.add(role)
        if role in ("student", "teacher"):
            orgs = _school_orgs(c, r, role)
            grants += [(role, o) for o in orgs or kept_district(held, district, (role,)) or [""]]
            ids.append(f"roles.{role}.sis_id")
            usernames.append(f"roles.{role}.credentials.district_username")
            first_school = first_school or (orgs[0] if orgs else None)
            if role == "student":
                row["grades"] = _grade_cell(c, "roles.student.grade")
                _oneroster_demographics(rec, c, sheets, uid)
        elif role == "staff":
            orgs = _staff_orgs(c, r)
            # (staff.roles that are 1.2 role values are the roles written; else
            # siteAdministrator: the reader keeps each one in staff.roles)
            given = list(r.roles) if r.roles is not None else None
            tokens = staff_role_tokens(given)
            c.take("roles.staff.roles")
            if tokens != given:
                c.keep("roles.staff.roles", given)
            orgs = orgs or kept_district(held, district, (*OR12_STAFF_ROLES, "administrator"))
            grants += [(t, o) for t in tokens for o in (orgs or [""])]
            ids.append("roles.staff.staff_id")
            usernames.append("roles.staff.credentials.district_username")
        elif role == "district_admin":
            grants.append(("districtAdministrator", district or ""))
        elif role == "contact":
            orole, row["agentSourcedIds"] = _contact_role(rec, c)
            grants += [(orole, o) for o in kept_orgs] or [(orole, first_school or "")]
            kept_orgs = []
            ids.append("roles.contact.sis_id")
            row["phone"] = c.take("roles.contact.phone")
    if roles.student is None:  # (a student's row is written with its role)
        _oneroster_demographics(rec, c, sheets, uid)
    other = _kept_role(rec, c)
    if other is not None:
        grants += [(other, o) for o in kept_orgs] or [(other, "")]
        kept_orgs = []
    if isinstance(kept, str) and not kept_orgs and orgs_read_back(rec, kept):
        c.d.pop(PREFIX + "orgSourcedIds", None)  # (written as the orgs of those roles)
    row["identifier"] = _one_value(c, ids)
    row["username"] = _one_value(c, usernames)
    first = grants[0] if grants else ("", "")
    # (a student's, teacher's or staff member's org that is its district is no school)
    row["primaryOrgSourcedId"] = None if first[1] == district and first[0] in PLACING_ROLES \
        and district not in roster.schools \
        else first[1] or None
    for role_row in role_rows(rec, c, uid, grants):
        sheets["roles"].add(role_row)
    _user_profiles(rec, c, sheets, uid)
    extra_cols = _user_columns(rec, c, roster, district, sole, row,
                               ("agentSourcedIds", "primaryOrgSourcedId"),
                               grants[0][1] if grants and grants[0][1] not in roster.schools
                               else None)
    for k in ("role", "orgSourcedIds"):  # no 1.2 users.csv column: carried
        if k in extra_cols:
            c.d[PREFIX + k] = extra_cols.pop(k)
    _fill(row, extra_cols, c, ("username", "identifier"))  # (a role's own: that one)
    row.update(extra_cols)
    row.update(c.finish(CARRY_COLUMN))
    sheets["users"].add(row)


def _user_profiles(rec: Any, c: _Carry, sheets: dict[str, Sheet], uid: str) -> None:
    """A 1.2 source's user profiles (kept in ``extra``) back in ``userProfiles.csv``."""
    profiles = rec.extra.get(PROFILES_KEY)
    if not (isinstance(profiles, list) and profiles and all(
            isinstance(p, dict) and all(isinstance(v, str) for v in p.values())
            and p.get("sourcedId") for p in profiles)):
        return  # anything else stays in the extension column, as it is
    c.d.pop(PROFILES_KEY, None)
    for prof in profiles:
        sheets["userProfiles"].add({**{k: v for k, v in prof.items() if k != "password"},
                                    "userSourcedId": uid})


def _oneroster_demographics(rec: Any, c: _Carry, sheets: dict[str, Sheet], sid: str) -> None:
    st = rec.roles.student
    row: dict[str, Any] = {"sourcedId": sid}
    if st is not None:  # (without a student role there is no field to take)
        _demographic_fields(c, row)
    # the cells the reader kept (a student's in its role, anyone else's on the user): their
    # own columns again, over what the fields gave (which races, ``unspecified``, ...);
    # only ``extra`` holds them, which most records have none of
    if rec.extra:
        _kept_demographics(c.d, row)
    student = c.d.get("roles", {}).get("student") if st is not None and st.extra else None
    if isinstance(student, dict):
        _kept_demographics(student, row)
    if len(row) > 1:
        sheets["demographics"].add(row)


def _demographic_fields(c: _Carry, row: dict[str, Any]) -> None:
    """A student's demographics fields in ``row``'s columns; what reads back otherwise is
    carried."""
    dob = c.take("roles.student.dob")
    if dob is not None:
        d = parse_date(dob)
        row["birthDate"] = d.isoformat() if d else None  # never a non-ISO value
        if row["birthDate"] != dob:
            c.keep("roles.student.dob", dob)
    gender = c.take("roles.student.gender")
    if gender:
        row["sex"] = sex = SEX_VALUES.get(gender, gender)
        if _OR_SEX_BACK.get(sex, _SEX.get(sex.strip().lower(), sex.strip())) != gender:
            c.keep("roles.student.gender", gender)  # (as the reader: any case, trimmed)
    elif gender is not None:
        c.keep("roles.student.gender", gender)
    race = c.take("roles.student.race")
    if race:
        col = RACE_COLUMNS.get(race)
        for rc in RACE_COLUMNS.values():
            row[rc] = "true" if rc == col else "false"
        if col is None:
            c.keep("roles.student.race", race)
    elif race is not None:
        c.keep("roles.student.race", race)
    hisp = c.take("roles.student.hispanic_ethnicity")
    if hisp in ("Y", "N"):
        row["hispanicOrLatinoEthnicity"] = "true" if hisp == "Y" else "false"
    elif hisp is not None:
        c.keep("roles.student.hispanic_ethnicity", hisp)


def _kept_demographics(cells: dict[str, Any], row: dict[str, Any]) -> None:
    """The demographics cells kept in ``cells`` (text ones) moved to their columns."""
    for k in [k for k in cells if k.startswith(DEMOGRAPHICS_PREFIX)]:
        if isinstance(cells[k], str):
            row[k[len(DEMOGRAPHICS_PREFIX):]] = cells.pop(k)


def _oneroster_class(rec: Any, roster: Roster, sheets: dict[str, Sheet],
                     row_id: dict[tuple[str, str], str], report: WriteReport,
                     extensions: bool) -> None:
    c = _Carry("sections", rec, report, extensions, PREFIX)
    sid = c.take("id")
    grades = _grade_cell(c, "grade", rec.extra.get(PREFIX + "grades"))
    c.d.pop(PREFIX + "grades", None)
    terms = rec.extra.get(PREFIX + "termSourcedIds")
    term = c.take("term_id")
    # (the reader's term_id is one of the list: the first, or the term that holds the rest)
    if not (terms and term and term in (t.strip() for t in terms.split(","))):
        terms = term
    if term is not None and not _list_ok([term]):
        terms = None
        c.keep("term_id", term)
    c.d.pop(PREFIX + "termSourcedIds", None)
    school = c.take("school")
    row = {"sourcedId": sid, "title": c.take("name"), "grades": grades,
           "courseSourcedId": c.take("course"), "classCode": c.take("section_number"),
           "classType": rec.extra.get(PREFIX + "classType") or "scheduled",
           "schoolSourcedId": school, "termSourcedIds": terms,
           "subjects": c.take("subject"), "periods": c.take("period"),
           "dateLastModified": c.take("last_modified")}
    c.d.pop(PREFIX + "classType", None)
    dist = c.take("district")
    sch = roster.schools.get(school) if school else None
    expected = sch.district if sch is not None and sch.district in roster.districts else (
        next(iter(roster.districts)) if len(roster.districts) == 1 else None)
    if dist != expected:
        c.keep("district", dist)
    listed = c.take("teachers")
    teachers = list(listed or ())
    students = list(c.take("students") or ())
    teacher = c.take("teacher")
    if teacher and not teachers:
        # only `teacher` names the teacher: still enrolled (primary), as it teaches the section
        c.keep("teachers", listed)
        teachers = [teacher]
    elif teacher is not None and teacher not in teachers:
        c.keep("teacher", teacher)
    elif teacher is None and teachers:
        c.keep("teacher", None)
    elif teacher is not None and teachers[0] != teacher:  # (read back primary first)
        c.keep("teachers", teachers)
    eid = enrollment_ids(c, sid)
    cells = enrollment_cells(c, sheets["enrollments"])
    written: set[tuple[str, str]] = set()  # (role, user) of each enrollment row
    n = 0
    for role, users in (("student", students), ("teacher", teachers)):
        seen: set[str] = set()
        if len(set(users)) < len(users):
            report.add("sections", f"{role}s (duplicate id collapsed)", "changed")
            c.keep(f"{role}s", list(users))
        elif "" in users:  # an empty id makes no enrollment (a row without a user is none)
            c.keep(f"{role}s", list(users))
        for uid in users:
            if uid in seen or not uid:
                continue
            seen.add(uid)
            written.add((role, uid))
            n += 1
            primary = ("true" if uid == teacher else "false") if role == "teacher" else None
            sheets["enrollments"].add({
                "sourcedId": eid(role, uid, n) if eid else f"{sid}:{n}",
                "classSourcedId": sid, "schoolSourcedId": school,
                "userSourcedId": row_id.get((uid, role), uid), "role": role,
                "primary": primary, **cells.get((role, uid), {})})
    for key in [k for k in c.d if k.startswith(OTHER_ROLES_KEY)]:
        # enrollments of roles Clever has no place for (aide, proctor, ...), kept by the
        # reader: rows again (anything else under such a key is carried as it is)
        users, other = c.d[key], key[len(OTHER_ROLES_KEY):]
        if not (other and isinstance(users, list) and users and all(
                isinstance(u, str) and u for u in users)):
            continue
        del c.d[key]
        for uid in dict.fromkeys(users):
            written.add((other, uid))
            n += 1
            sheets["enrollments"].add({
                "sourcedId": eid(other, uid, n) if eid else f"{sid}:{n}", "classSourcedId": sid,
                "schoolSourcedId": school, "userSourcedId": uid, "role": other,
                **cells.get((other, uid), {})})
    carry_unwritten_cells(c, written, cells)
    # the JSON carry on a class restores fields after enrollments are read
    sheets["classes"].add(_finish(c, row))


def _finish(c: _Carry, row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with the record's ``oneroster.<column>`` extra keys as their columns and
    what no column took in the carry column."""
    row.update(c.columns())
    row.update(c.finish(CARRY_COLUMN))
    return row


