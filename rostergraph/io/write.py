"""Writers: a Roster out as Clever v3 JSON/JSONL or OneRoster 1.1 CSV (and their common parts).

The Clever SFTP CSV writer is :mod:`rostergraph.io.write_sftp`; :func:`rostergraph.convert`
(load, then write) is :mod:`rostergraph.io.convert`.

Every writer returns a **report**: a :class:`~rostergraph.table.Table` with
columns ``kind, field, count, how``, one row per record field the target
format has no column for, or could not keep as it was. ``how`` says what
happened to it:

- ``extension``: kept in a rostergraph extension column (OneRoster
  ``metadata.rostergraph.clever``, SFTP ``Rostergraph_clever``, JSON text), which
  rostergraph reads back; other consumers ignore it;
- ``dropped``: not written (the field is lost; with ``extensions=False`` every
  ``extension`` row becomes ``dropped``);
- ``changed``: written in another form the format demands (noted in the field
  name, e.g. duplicate enrollments collapsed).

An empty report means the write is lossless. Writes are atomic: every file is
written to a temporary name in the target folder and renamed into place; a zip
is built under a temporary name and renamed.

Examples
--------
>>> import rostergraph, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> report = write_clever_json(rostergraph.sample(), out / "json")
>>> len(report), sorted(p.name for p in (out / "json").iterdir())[:2]
(0, ['courses.json', 'districts.json'])
>>> report = write_oneroster(rostergraph.sample(), out / "or.zip")
>>> set(report.to_list("how")) <= {"extension", "changed", "dropped"}
True
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from ..errors import SourceError
from ..model import KINDS, iso_date, mistyped_paths, parse_date, record_to_dict
from ..roster import Roster
from ..table import Table
from .csvutil import to_csv_text
from .mapping import CARRY_KEY, CEDS_TO_CLEVER, CLEVER_TO_CEDS, get_path, pop_path

__all__ = [
    "WriteReport",
    "atomic_write_bytes",
    "write_clever_json",
    "write_oneroster",
]

TARGETS = ("clever-json", "clever-jsonl", "clever-csv", "oneroster")


# --- atomic files and the report -----------------------------------------------------


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> atomic_write_bytes(p, b"hi"); p.read_bytes()
    b'hi'
    """
    from ..safety import atomic_write

    atomic_write(path, data)


def _write_files(path: Path, files: Mapping[str, bytes], as_zip: bool) -> None:
    if as_zip:
        path.parent.mkdir(parents=True, exist_ok=True)
        from ..safety import refuse_link

        refuse_link(path)  # never replace a link planted where the zip belongs
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for name, data in files.items():
                    zf.writestr(name, data)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return
    if path.exists() and not path.is_dir():
        raise SourceError("exists and is not a folder", path=str(path))
    path.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        atomic_write_bytes(path / name, data)


class WriteReport:
    """Counts of fields a writer could not carry as they were, by (kind, field, how).

    Examples
    --------
    >>> r = WriteReport()
    >>> r.add("users", "created", "dropped"); r.add("users", "created", "dropped")
    >>> r.table().to_dicts()
    [{'kind': 'users', 'field': 'created', 'count': 2, 'how': 'dropped'}]
    """

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, str], int] = {}

    def add(self, kind: str, field: str, how: str, n: int = 1) -> None:
        """Count ``n`` more records whose ``field`` was treated ``how``."""
        key = (kind, field, how)
        self.counts[key] = self.counts.get(key, 0) + n

    def leftover(self, kind: str, d: Mapping[str, Any], how: str, prefix: str = "") -> None:
        """Count every leaf path of ``d`` (a record's fields no column took)."""
        for k, v in d.items():
            path = prefix + k
            if isinstance(v, Mapping) and v and path.count(".") < 2:
                self.leftover(kind, v, how, path + ".")
            else:
                self.add(kind, path, how)

    def table(self) -> Table:
        """The report as a Table (``kind, field, count, how``), sorted."""
        rows = sorted(self.counts.items())
        return Table({"kind": [k for (k, _, _), _ in rows], "field": [f for (_, f, _), _ in rows],
                      "count": [n for _, n in rows], "how": [h for (_, _, h), _ in rows]},
                     name="write report")


# --- Clever JSON ---------------------------------------------------------------------


def write_clever_json(roster: Roster, path: str | os.PathLike[str], *,
                      jsonl: bool = False) -> Table:
    """Write a roster as Clever v3.0 JSON: one file per kind in the folder ``path``.

    Parameters
    ----------
    roster:
        The roster to write.
    path:
        The output folder (created if missing; existing files of the same name
        are replaced atomically).
    jsonl:
        Write ``<kind>.jsonl`` (one record per line) instead of the list
        envelope ``<kind>.json`` (``{"data": [{"data": record, "uri": ...}],
        "links": [...]}``).

    Returns
    -------
    Table
        The report: empty but for term dates in a non-ISO source form (e.g. an
        SFTP ``8/1/15``), which are written as ISO 8601 (``2015-08-01``) as
        Clever's v3 API writes them (``how = "written as ISO 8601"``).

    Examples
    --------
    >>> import rostergraph, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> len(write_clever_json(rostergraph.sample(), out, jsonl=True))
    0
    >>> len(rostergraph.load(out).users) == len(rostergraph.sample().users)
    True
    """
    files: dict[str, bytes] = {}
    report = WriteReport()
    for kind in KINDS:
        recs = roster.records(kind).values()
        if kind == "terms":
            dicts = [_iso_term(record_to_dict(r), report) for r in recs]
        else:
            dicts = [record_to_dict(r) for r in recs]
        if jsonl:
            files[f"{kind}.jsonl"] = b"".join(_dumps(d) + b"\n" for d in dicts)
        else:
            env = {"data": [{"data": d, "uri": f"/v3.0/{kind}/{d['id']}"} for d in dicts],
                   "links": [{"rel": "self", "uri": f"/v3.0/{kind}"}]}
            files[f"{kind}.json"] = _dumps(env)
    _write_files(Path(path), files, as_zip=False)
    return report.table()


def _iso_term(d: dict[str, Any], report: WriteReport) -> dict[str, Any]:
    """A term's dict with ``start_date``/``end_date`` in ISO 8601 (v3 JSON requires it)."""
    for f in ("start_date", "end_date"):
        raw = d.get(f)
        iso = iso_date(raw) if isinstance(raw, str) and not _ISO_LIKE.match(raw) else None
        if iso is not None:
            d[f] = iso
            report.add("terms", f, "written as ISO 8601")
    return d


# --- OneRoster 1.1 ---------------------------------------------------------------------


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

_ISO_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ].*)?$")
_OR_PREFIX = "oneroster."
_OR_CARRY = "metadata." + CARRY_KEY
_OR_USER_ID = "metadata.rostergraph.userId"
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
_OR_RACE = {"American Indian": "americanIndianOrAlaskaNative", "Asian": "asian",
            "Black or African American": "blackOrAfricanAmerican",
            "Hawaiian or Other Pacific Islander": "nativeHawaiianOrOtherPacificIslander",
            "Caucasian": "white", "Two or More Races": "demographicRaceTwoOrMoreRaces"}
_OR_SEX = {"M": "male", "F": "female", "X": "other"}
_OR_SEX_BACK = {"male": "M", "female": "F", "other": "X"}


class _Sheet:
    """Rows of one CSV file with a fixed header plus extension columns seen on the way."""

    def __init__(self, header: list[str], *, standard_only: bool = False) -> None:
        self.header = list(header)
        self.rows: list[dict[str, Any]] = []
        # OneRoster without extensions: a column the spec does not define (a source's
        # `pronouns` in 1.1, a misspelt column) is dropped unless it is a `metadata.*` one
        self.standard = frozenset(header) if standard_only else None
        self.dropped: dict[str, int] = {}

    def add(self, row: dict[str, Any]) -> None:
        if self.standard is not None:
            for k in [k for k in row if k not in self.standard and not k.startswith("metadata.")]:
                if row.pop(k) not in (None, ""):
                    self.dropped[k] = self.dropped.get(k, 0) + 1
        for k in row:
            if k not in self.header:
                self.header.append(k)
        self.rows.append(row)

    def text(self, report: WriteReport, name: str) -> bytes:
        for col, n in sorted(self.dropped.items()):
            report.add(name, f"{col} (not a OneRoster column)", "dropped", n)
        return _utf8(to_csv_text([self.header] + [[r.get(c) for c in self.header]
                                                  for r in self.rows]), report, name)


class _Carry:
    """What a record's fields turn into: consumed paths, extension columns, the rest."""

    def __init__(self, kind: str, record: Any, report: WriteReport, extensions: bool,
                 prefix: str, empty_is_absent: bool = True) -> None:
        self.kind = kind
        self.orig = record_to_dict(record, nulls=False)  # CSV has no null: null = absent
        self.d = _copy(self.orig)
        self.empty_is_absent = empty_is_absent
        self.roles_written: set[str] = set()
        self.report = report
        self.extensions = extensions
        self.prefix = prefix
        self.forced: dict[str, Any] = {}
        self.mistyped = mistyped_paths(record)  # bad_field values kept as loaded

    def take(self, path: str) -> Any:
        """Pop a field the format has a column for (``""`` and ``[]`` read back as absent,
        so they are carried as they are; a value of the wrong type is carried, not
        written to the column)."""
        value = pop_path(self.d, path)
        if path in self.mistyped:
            self.forced[path] = value
            return None
        if self.empty_is_absent and (value == "" or value == []):
            self.forced[path] = value
        elif type(value) is str and not _utf8_ok(value):
            self.forced[path] = value  # UTF-8 files cannot hold lone surrogates; JSON can
        return value

    def keep(self, path: str, value: Any) -> None:
        """A field whose written form reads back differently: carry the original."""
        if path in self.mistyped:
            return  # take() carried the loaded value; the typed field is only None
        if value is None:  # an absent field in an absent object: carry the object's absence
            while "." in path and get_path(self.orig, path.rsplit(".", 1)[0]) is None:
                path = path.rsplit(".", 1)[0]
            for p in [p for p in self.forced if p.startswith(path + ".")]:
                del self.forced[p]
        parts = path.split(".")
        if any(self.forced.get(".".join(parts[:i]), 0) is None for i in range(1, len(parts))):
            return
        self.forced[path] = value

    def columns(self) -> dict[str, Any]:
        """Extension columns from ``extra`` keys named ``<prefix><column>``."""
        out = {}
        for k in [k for k in self.d if k.startswith(self.prefix)]:
            v = self.d.pop(k)
            out[k[len(self.prefix):]] = v if isinstance(v, str) else _dumps(v).decode()
        return out

    def rest(self) -> dict[str, Any]:
        """Everything no column took (with forced originals), counted in the report."""
        from .mapping import set_path

        rest = _prune(self.d)
        for role in self.orig.get("roles", {}) if self.kind == "users" else ():
            if role not in self.roles_written:  # a role no file holds: keep that it exists
                rest.setdefault("roles", {}).setdefault(role, {})
        for path, value in self.forced.items():
            set_path(rest, path, value)
        if rest:
            self.report.leftover(self.kind, rest, "extension" if self.extensions else "dropped")
        return rest

    def finish(self, carry_column: str) -> dict[str, Any]:
        """The carry column (JSON of everything left) and the report rows for it."""
        rest = self.rest()
        if not rest or not self.extensions:
            return {}
        return {carry_column: _dumps(rest).decode()}


def _utf8_ok(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _utf8(text: str, report: WriteReport, name: str) -> bytes:
    """Text → UTF-8; lone surrogates (which UTF-8 cannot hold) become U+FFFD, reported."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        import re

        n = len(re.findall("[\ud800-\udfff]", text))
        report.add(name, f"(text with {n} lone surrogates: replaced by U+FFFD)", "changed")
        return re.sub("[\ud800-\udfff]", "\ufffd", text).encode("utf-8")


def _copy(d: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a record dict (JSON values only)."""
    try:
        return orjson.loads(orjson.dumps(d))  # type: ignore[no-any-return]
    except (TypeError, orjson.JSONDecodeError):
        import copy

        return copy.deepcopy(d)


def _attr_path(rec: Any, path: str) -> Any:
    """``rec.a.b.c`` for ``path="a.b.c"`` (``None`` when a step is absent)."""
    for part in path.split("."):
        rec = getattr(rec, part, None)
        if rec is None:
            return None
    return rec


def _dumps(obj: Any) -> bytes:
    """JSON bytes; strings with lone surrogates fall back to escaped stdlib JSON."""
    try:
        return orjson.dumps(obj)
    except TypeError:
        import json

        return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode()


def _prune(d: dict[str, Any]) -> dict[str, Any]:
    """Drop empty nested objects left behind once their fields went to columns."""
    for k in list(d):
        v = d[k]
        if isinstance(v, dict):
            _prune(v)
            if not v:
                del d[k]
    return d


def _list_ok(values: Iterable[str]) -> bool:
    """Whether ids survive a OneRoster comma list (no commas, no edge spaces, not empty)."""
    return all(v and "," not in v and v == v.strip() for v in values)


def _join(values: Iterable[str]) -> str:
    return ",".join(values)


def _ceds(grade: str | None) -> str | None:
    if grade is None:
        return None
    return CLEVER_TO_CEDS.get(grade, grade)


def write_oneroster(roster: Roster, path: str | os.PathLike[str], *, zip: bool | None = None,
                    extensions: bool = True) -> Table:
    """Write a roster as a OneRoster 1.1 CSV bundle (bulk), to a folder or a ``.zip``.

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
        OneRoster 1.1 back into one multi-role user). Without them those fields
        are ``dropped`` in the report and multi-role users come back split.

    Returns
    -------
    Table
        The report (``kind, field, count, how``).

    Examples
    --------
    >>> import rostergraph, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "or"
    >>> report = write_oneroster(rostergraph.sample(), out, extensions=False)
    >>> "dropped" in set(report.to_list("how")), (out / "manifest.csv").is_file()
    (True, True)
    """
    p = Path(path)
    as_zip = p.suffix.lower() == ".zip" if zip is None else zip
    report = WriteReport()
    sheets = {name: _Sheet(h, standard_only=not extensions) for name, h in _OR_HEADERS.items()}
    schools = roster.schools
    sole = next(iter(roster.districts)) if len(roster.districts) == 1 else None

    def finish(c: _Carry, row: dict[str, Any]) -> dict[str, Any]:
        row.update(c.columns())
        row.update(c.finish(_OR_CARRY))
        return row

    # orgs
    for rec in roster.districts.values():
        c = _Carry("districts", rec, report, extensions, _OR_PREFIX)
        row = {"sourcedId": c.take("id"), "name": c.take("name"), "type": "district",
               "identifier": c.take("nces_id")}
        sheets["orgs"].add(finish(c, row))
    for rec in schools.values():
        c = _Carry("schools", rec, report, extensions, _OR_PREFIX)
        row = {"sourcedId": c.take("id"), "name": c.take("name"), "type": "school",
               "identifier": c.take("nces_id"), "parentSourcedId": c.take("district"),
               "dateLastModified": c.take("last_modified")}
        if rec.district is not None and rec.district not in roster.districts:
            c.keep("district", rec.district)  # a parent that is no org does not read back
        sheets["orgs"].add(finish(c, row))
    # terms
    for rec in roster.terms.values():
        c = _Carry("terms", rec, report, extensions, _OR_PREFIX)
        end = parse_date(rec.end_date)
        row = {"sourcedId": c.take("id"), "title": c.take("name"),
               "startDate": _or_date(c, "start_date"), "endDate": _or_date(c, "end_date"),
               "type": rec.extra.get(_OR_PREFIX + "type") or "term",
               "schoolYear": rec.extra.get(_OR_PREFIX + "schoolYear") or (
                   str(end.year) if end else None)}
        if c.take("district") != sole:
            c.keep("district", rec.district)
        sheets["academicSessions"].add(finish(c, row))
    # courses
    for rec in roster.courses.values():
        c = _Carry("courses", rec, report, extensions, _OR_PREFIX)
        org = rec.extra.get(_OR_PREFIX + "orgSourcedId") or rec.district
        row = {"sourcedId": c.take("id"), "title": c.take("name"),
               "courseCode": c.take("number"), "orgSourcedId": org}
        dist = c.take("district")
        if dist is not None and dist not in roster.districts or (dist is None and sole):
            c.keep("district", dist)
        sheets["courses"].add(finish(c, row))
    # users (one row per role) and demographics
    row_id: dict[tuple[str, str], str] = {}
    for rec in roster.users.values():
        _oneroster_user(rec, roster, sheets, row_id, report, extensions, sole)
    # classes and enrollments
    for rec in roster.sections.values():
        _oneroster_class(rec, roster, sheets, row_id, report, extensions)
    files: dict[str, bytes] = {}
    manifest = [["propertyName", "value"], ["manifest.version", "1.0"],
                ["oneroster.version", "1.1"], ["source.systemName", "rostergraph"]]
    for name in ("academicSessions", "categories", "classes", "classResources", "courses",
                 "courseResources", "demographics", "enrollments", "lineItems", "orgs",
                 "resources", "results", "users"):
        present = name in sheets and (sheets[name].rows or name != "demographics")
        manifest.append([f"file.{name}", "bulk" if present else "absent"])
        if present:
            files[f"{name}.csv"] = sheets[name].text(report, f"{name}.csv")
    files = {"manifest.csv": to_csv_text(manifest).encode("utf-8"), **files}
    _write_files(p, files, as_zip)
    return report.table()


def _oneroster_user(rec: Any, roster: Roster, sheets: dict[str, _Sheet],
                    row_id: dict[tuple[str, str], str], report: WriteReport, extensions: bool,
                    sole: str | None) -> None:
    c = _Carry("users", rec, report, extensions, _OR_PREFIX)
    uid = c.take("id")
    base = {"givenName": c.take("name.first"), "familyName": c.take("name.last"),
            "middleName": c.take("name.middle"), "email": c.take("email"),
            "dateLastModified": c.take("last_modified"),
            "enabledUser": rec.extra.get(_OR_PREFIX + "enabledUser") or "true"}
    district = c.take("district")
    roles = rec.roles
    names = [n for n in ("student", "teacher", "staff", "district_admin", "contact")
             if getattr(roles, n) is not None]
    rows: list[dict[str, Any]] = []
    first_school: str | None = None
    for i, role in enumerate(names):
        r = getattr(roles, role)
        row = dict(base)
        row["sourcedId"] = uid if i == 0 else f"{uid}#{role}"
        if len(names) > 1:
            if extensions:
                row[_OR_USER_ID] = uid
            else:
                report.add("users", "roles (several roles: one user per role)", "changed")
        row_id[(uid, role)] = row["sourcedId"]
        c.roles_written.add(role)
        if role in ("student", "teacher"):
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
            row.update(role=role, orgSourcedIds=_join(orgs),
                       identifier=c.take(f"roles.{role}.sis_id"),
                       username=c.take(f"roles.{role}.credentials.district_username"))
            first_school = first_school or (orgs[0] if orgs else None)
            if role == "student":
                grade = c.take("roles.student.grade")
                code = _ceds(grade)
                row["grades"] = code
                if code is not None and CEDS_TO_CLEVER.get(code, code) != grade:
                    c.keep("roles.student.grade", grade)
                _oneroster_demographics(rec, c, sheets, row["sourcedId"])
        elif role == "staff":
            schools = list(dict.fromkeys(r.schools or ()))
            c.take("roles.staff.schools")
            if not _list_ok(schools):
                schools = [o for o in schools if _list_ok([o])]
            if (schools or None) != (list(r.schools) if r.schools is not None else None):
                c.keep("roles.staff.schools", list(r.schools) if r.schools is not None else None)
            row.update(role="administrator", orgSourcedIds=_join(schools),
                       identifier=c.take("roles.staff.staff_id"),
                       username=c.take("roles.staff.credentials.district_username"))
        elif role == "district_admin":
            known = district is not None and district in roster.districts
            row.update(role="administrator" if known else "districtAdministrator",
                       orgSourcedIds=district or "")
            if not known:
                report.add("users", "roles.district_admin (district not delivered: role "
                           "districtAdministrator, a OneRoster 1.2 value)", "changed")
        elif role == "contact":
            rels = r.student_relationships or ()
            orole = rec.extra.get(_OR_PREFIX + "role")
            if orole not in ("parent", "guardian", "relative"):
                first = rels[0] if rels else None
                orole = ("parent" if first is not None and first.relationship == "Parent"
                         else "relative" if first is not None and first.type == "Family"
                         else "guardian")
            row.update(role=orole, identifier=c.take("roles.contact.sis_id"),
                       phone=c.take("roles.contact.phone"),
                       agentSourcedIds=_join(s.student for s in rels
                                             if s.student and _list_ok([s.student])),
                       orgSourcedIds=first_school or "")
            want = {"parent": ("Parent", "Parent/Guardian"),
                    "guardian": ("Other", "Parent/Guardian"),
                    "relative": ("Other", "Family")}[orole]
            if any(not s.student or (s.relationship, s.type) != want or s.extra
                   for s in rels) or len({s.student for s in rels}) < len(rels) or not (
                       _list_ok([s.student for s in rels if s.student])):
                c.keep("roles.contact.student_relationships",
                       [record_to_dict(s, nulls=False) for s in rels])
        rows.append(row)
    if not rows:
        report.add("users", "roles (none: written with an empty role)", "changed")
        rows.append(dict(base, sourcedId=uid, role=""))
    c.d.pop(_OR_PREFIX + "enabledUser", None)
    c.d.pop(_OR_PREFIX + "role", None)
    if district is not None and (district not in roster.districts or not _district_reads_back(
            rec, roster, district, sole)):
        c.keep("district", district)
    extra_cols = c.columns()
    for k in ("orgSourcedIds", "agentSourcedIds"):
        extra_cols.pop(k, None)
    rows[0].update(extra_cols)
    rows[0].update(c.finish(_OR_CARRY))
    for row in rows:
        sheets["users"].add(row)


def _district_reads_back(rec: Any, roster: Roster, district: str, sole: str | None) -> bool:
    roles = rec.roles
    if roles.district_admin is not None:
        return True
    for role in ("student", "teacher"):
        r = getattr(roles, role)
        if r is not None:
            sc = r.school or next(iter(r.schools or ()), None)
            if sc is not None and sc in roster.schools:
                return roster.schools[sc].district == district
    if roles.staff is not None and roles.staff.schools:
        sc = roles.staff.schools[0]
        if sc in roster.schools:
            return roster.schools[sc].district == district
    return district == sole


def _oneroster_demographics(rec: Any, c: _Carry, sheets: dict[str, _Sheet], sid: str) -> None:
    st = rec.roles.student
    row: dict[str, Any] = {"sourcedId": sid}
    dob = c.take("roles.student.dob")
    if dob is not None:
        d = parse_date(dob)
        row["birthDate"] = d.isoformat() if d else None  # never a non-ISO value
        if row["birthDate"] != dob:
            c.keep("roles.student.dob", dob)
    gender = c.take("roles.student.gender")
    if gender:
        row["sex"] = _OR_SEX.get(gender, gender)
        if _OR_SEX_BACK.get(row["sex"], row["sex"]) != gender:
            c.keep("roles.student.gender", gender)
    elif gender is not None:
        c.keep("roles.student.gender", gender)
    race = c.take("roles.student.race")
    if race:
        col = _OR_RACE.get(race)
        for rc in _OR_RACE.values():
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
    for k in [k for k in c.d if k.startswith(_OR_PREFIX + "demographics.")]:
        row[k[len(_OR_PREFIX + "demographics."):]] = c.d.pop(k)
    if len(row) > 1 and st is not None:
        sheets["demographics"].add(row)


def _oneroster_class(rec: Any, roster: Roster, sheets: dict[str, _Sheet],
                     row_id: dict[tuple[str, str], str], report: WriteReport,
                     extensions: bool) -> None:
    c = _Carry("sections", rec, report, extensions, _OR_PREFIX)
    sid = c.take("id")
    grade = c.take("grade")
    terms = rec.extra.get(_OR_PREFIX + "termSourcedIds")
    term = c.take("term_id")
    if not (terms and term and terms.split(",")[0].strip() == term):
        terms = term
    if term is not None and not _list_ok([term]):
        terms = None
        c.keep("term_id", term)
    c.d.pop(_OR_PREFIX + "termSourcedIds", None)
    grades = rec.extra.get(_OR_PREFIX + "grades")
    code = _ceds(grade)
    if not (grades and code and grades.split(",")[0].strip() == code):
        grades = code
    c.d.pop(_OR_PREFIX + "grades", None)
    if code is not None and CEDS_TO_CLEVER.get(code, code) != grade:
        c.keep("grade", grade)
    school = c.take("school")
    row = {"sourcedId": sid, "title": c.take("name"), "grades": grades,
           "courseSourcedId": c.take("course"), "classCode": c.take("section_number"),
           "classType": rec.extra.get(_OR_PREFIX + "classType") or "scheduled",
           "schoolSourcedId": school, "termSourcedIds": terms,
           "subjects": c.take("subject"), "periods": c.take("period"),
           "dateLastModified": c.take("last_modified")}
    c.d.pop(_OR_PREFIX + "classType", None)
    dist = c.take("district")
    sch = roster.schools.get(school) if school else None
    expected = sch.district if sch is not None and sch.district in roster.districts else (
        next(iter(roster.districts)) if len(roster.districts) == 1 else None)
    if dist != expected:
        c.keep("district", dist)
    teachers = list(c.take("teachers") or ())
    students = list(c.take("students") or ())
    teacher = c.take("teacher")
    if teacher is not None and teacher not in teachers:
        c.keep("teacher", teacher)
    elif teacher is None and teachers:
        c.keep("teacher", None)
    n = 0
    for role, users in (("student", students), ("teacher", teachers)):
        seen: set[str] = set()
        if len(set(users)) < len(users):
            report.add("sections", f"{role}s (duplicate id collapsed)", "changed")
            c.keep(f"{role}s", list(users))
        for uid in users:
            if uid in seen:
                continue
            seen.add(uid)
            n += 1
            primary = ("true" if uid == teacher else "false") if role == "teacher" else None
            sheets["enrollments"].add({
                "sourcedId": f"{sid}:{n}", "classSourcedId": sid, "schoolSourcedId": school,
                "userSourcedId": row_id.get((uid, role), uid), "role": role,
                "primary": primary})
    # the JSON carry on a class restores fields after enrollments are read
    sheets["classes"].add(finish_class(c, row))


def finish_class(c: _Carry, row: dict[str, Any]) -> dict[str, Any]:
    row.update(c.columns())
    row.update(c.finish(_OR_CARRY))
    return row


# --- Clever SFTP CSV -------------------------------------------------------------------
