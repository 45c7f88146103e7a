"""Reader for OneRoster 1.1 and 1.2 CSV bundles (a folder or a ``.zip``).

Files read: ``manifest.csv``, ``orgs.csv``, ``academicSessions.csv``,
``courses.csv``, ``classes.csv``, ``users.csv``, ``roles.csv`` (1.2),
``enrollments.csv``, ``demographics.csv`` and ``userProfiles.csv`` (1.2: kept
per user in ``extra["oneroster.userProfiles"]``, passwords left out); any other
file is listed in the provenance notes and otherwise ignored. The mapping onto Clever v3 records is
the table in ``docs/formats.md``: orgs → districts and schools, academicSessions → terms,
courses, classes → sections, users (+ 1.2 roles) → users with Clever roles, enrollments →
``section.students`` / ``teachers``; columns without a Clever field are kept in ``extra``
as ``oneroster.<column>``, and the extension columns ``metadata.rostergraph.clever`` /
``metadata.rostergraph.userId`` (written by :func:`rostergraph.io.write.write_oneroster`)
restore what OneRoster cannot hold. Role values are matched ignoring case (``Student`` is
``student``).

Bulk and delta: a row with ``status=tobedeleted`` is not loaded; its id is
listed in the provenance notes. Bad rows (unreadable CSV, no ``sourcedId``,
an enrollment of an unknown class, a duplicate id) are problems with file and
line; every other row loads.

Examples
--------
>>> import rostergraph, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "or"
>>> from rostergraph.io.write import write_oneroster
>>> _ = write_oneroster(rostergraph.sample(), out)
>>> r = read_oneroster(out)
>>> r.provenance.format, r.provenance.version, len(r.sections) == len(rostergraph.sample().sections)
('oneroster', '1.1', True)
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from .._collector import collector_paused
from ..errors import SourceError
from ..model import parse_date
from ..roster import Roster, RosterBuilder, raw_text
from .csvutil import Bundle, CsvTable, loads_json_cell, read_table, split_ids, split_list
from .enrollcols import (
    OTHER_ROLES_KEY,
    canonical_role,
    filled_rows,
    keep_other_role,
    live_status,
    oneroster_enrollments,
    unkept_columns,
)
from .limits import DEFAULT_LIMITS, Limits
from .mapping import CARRY_KEY, CEDS_TO_CLEVER, deep_merge
from .oneroster_delta import apply_delta
from .oneroster_profiles import read_demographics, read_user_profiles
from .oneroster_sessions import base_sessions, class_term
from .oneroster_users import keep_base_roles, keep_unplaced, link_contacts, read_roles, read_users

__all__ = ["ONEROSTER_FILES", "is_oneroster", "read_oneroster"]

#: The files this reader reads, in reading order.
ONEROSTER_FILES = ("manifest.csv", "orgs.csv", "academicSessions.csv", "courses.csv",
                   "classes.csv", "users.csv", "roles.csv", "enrollments.csv",
                   "demographics.csv", "userProfiles.csv")
CARRY_COLUMN = "metadata." + CARRY_KEY
_PREFIX = "oneroster."

# column → Clever path, per file (columns not listed go to extra).
_ORG_COLS = {"sourcedId": "id", "name": "name", "identifier": "nces_id"}
_TERM_COLS = {"sourcedId": "id", "title": "name", "startDate": "start_date",
              "endDate": "end_date"}
_COURSE_COLS = {"sourcedId": "id", "title": "name", "courseCode": "number"}
_CLASS_COLS = {"sourcedId": "id", "title": "name", "courseSourcedId": "course",
               "classCode": "section_number", "schoolSourcedId": "school",
               "subjects": "subject", "periods": "period", "dateLastModified": "last_modified"}
# values the writer fills in when a record has none (not kept in extra on read)
_DEFAULTS = {"enabledUser": "true", "classType": "scheduled", "type": "term"}


def is_oneroster(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` looks like a OneRoster bundle (by file names, or a zip holding them).

    Examples
    --------
    >>> import rostergraph
    >>> is_oneroster(rostergraph.sample_path())
    False
    """
    p = Path(path)
    try:
        if p.is_dir():
            names = {q.name for q in p.iterdir()}
        elif p.is_file() and p.suffix.lower() == ".zip":
            with zipfile.ZipFile(p) as zf:
                names = {n.rsplit("/", 1)[-1] for n in zf.namelist()[:10_000]}
        else:
            return False
    except (OSError, ValueError, zipfile.BadZipFile):
        return p.suffix.lower() == ".zip"  # the reader then says what is wrong with it
    names = {n.lower() for n in names}  # (the reader takes ``Users.csv`` as users.csv)
    if "manifest.csv" in names and ("orgs.csv" in names or "users.csv" in names):
        return True
    return {"orgs.csv", "users.csv", "classes.csv"} <= names


class _Files:
    """A bundle's files by their OneRoster names: a file named in another case
    (``Users.csv``, ``ACADEMICSESSIONS.CSV``), or one in a folder of a zip that also holds
    other top-level entries (``export/users.csv`` beside ``readme.txt``), when the bundle
    has none named exactly (a zip never holds one base name twice: see :class:`Bundle`)."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        have = bundle.names()
        lower: dict[str, str] = {}
        for n in have:
            lower.setdefault(n.rsplit("/", 1)[-1].lower(), n)
        #: the spec's name → the member read for it, for the files named in another case
        self.renamed = {f: lower[f.lower()] for f in ONEROSTER_FILES
                        if f not in have and f.lower() in lower}
        taken = set(self.renamed.values())
        self._names = sorted([n for n in have if n not in taken] + list(self.renamed))

    def __contains__(self, name: object) -> bool:
        return name in self.renamed or name in self.bundle

    def read(self, name: str) -> bytes:
        return self.bundle.read(self.renamed.get(name, name))

    def names(self) -> list[str]:
        return self._names


def _true(v: str | None) -> bool:
    return (v or "").strip().lower() in ("true", "1", "yes")


class _Reader:
    def __init__(self, bundle: Bundle, b: RosterBuilder, limits: Limits) -> None:
        self.bundle = _Files(bundle)
        for want, got in sorted(self.bundle.renamed.items()):
            b.problem("other", f"file {got!r} read as {want!r} (OneRoster file names are "
                      "matched ignoring case and folders)", file=want)
        self.b = b
        self.limits = limits
        self.at_row: tuple[str, int, str | None, str | None] = ("", 0, None, None)
        self.modes: dict[str, str] = {}
        self.absent_but_present: set[str] = set()
        self.deleted: dict[str, list[str]] = {}
        self.deleted_rows: dict[str, list[dict[str, str]]] = {}
        self.base: Roster | None = None
        self.base_adds: dict[str, dict[str, Any]] = {}
        #: (file, user id) of the users a per-user file (demographics, userProfiles) held
        self.delivered: set[tuple[str, str]] = set()
        self.orgs: dict[str, tuple[str, str | None]] = {}  # id → (type, parent)
        self.org_school: dict[str, str] = {}  # a department (or other sub-org) → its school
        #: academic session id → (type in lowercase, parentSourcedId)
        self.sessions: dict[str, tuple[str, str | None]] = {}
        self.courses: dict[str, dict[str, Any]] = {}
        self.sections: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.where: dict[tuple[str, str], tuple[str, int]] = {}
        self.alias: dict[str, str] = {}  # row sourcedId → merged user id
        self.agents: dict[str, list[str]] = {}  # user → agentSourcedIds
        self.ignored: dict[str, int] = {}
        self.contact_role: dict[str, str] = {}
        self.user_rows: dict[str, dict[str, str]] = {}
        # users.csv cells a role may take (orgs, username, ...) that no role took, per user
        self.role_cells: dict[str, dict[str, str]] = {}
        # answers that depend only on the orgs, kept once orgs.csv is read
        self._district_memo: dict[str | None, str | None] | None = None
        self._sole: tuple[str | None] | None = None

    # -- files ---------------------------------------------------------------
    def table(self, name: str, kind: str | None) -> CsvTable | None:
        """The parsed file (its header's problems told), or None when it is absent."""
        if name not in self.bundle:
            return None
        data = self.bundle.read(name)
        self.b.add_file(name, data, kind)
        if name in self.absent_but_present:
            if len(data.strip().splitlines()) > 1:
                self.b.problem("other", f"the manifest says file.{name[:-4]}=absent, but "
                               f"{name} is there with rows: they were read",
                               file="manifest.csv", kind=kind)
            else:
                self.b.notes.append(f"{name} is present (no rows) and the manifest says absent")
        t = read_table(data, name, self.b, kind=kind, limits=self.limits)
        renames = _spec_renames(t.header)
        for got, want in renames.items():
            self.b.problem("other", f"column {got!r} read as {want!r} (OneRoster column names "
                           "are matched ignoring case and surrounding spaces)", file=name,
                           line=1, kind=kind, field=want)
        if renames:
            t.rename([renames.get(h, h) for h in t.header])
        return t

    def cells(self, t: CsvTable, name: str,
              kind: str | None) -> Iterator[tuple[int, list[str]]]:
        """:meth:`rows` as lists of cells (``t.header`` order), for the column-wise
        readers of the large files; ``at_row`` is not kept (they call no ``_extra``)."""
        if "status" not in t.index:
            return t.rows()
        return self._live_cells(t, name, kind)

    def _live_cells(self, t: CsvTable, name: str,
                    kind: str | None) -> Iterator[tuple[int, list[str]]]:
        sid_at, status_at = t.index.get("sourcedId"), t.index["status"]
        fkey = name[:-4]
        for line, cells in t.rows():
            status = cells[status_at].strip().lower()
            if status in ("tobedeleted", "inactive"):
                sid = cells[sid_at] if sid_at is not None else None
                if status == "tobedeleted":
                    self.deleted.setdefault(fkey, []).append(sid or f"line {line}")
                    self.deleted_rows.setdefault(fkey, []).append(t.as_dict(cells))
                    continue
                self.b.problem("other", "status 'inactive' (OneRoster 1.0) read as active",
                               file=name, line=line, kind=kind, record_id=sid)
            yield line, cells

    def rows(self, name: str, kind: str | None) -> Iterator[tuple[int, dict[str, str]]]:
        t = self.table(name, kind)
        if t is None:
            return
        rows = t.dicts()
        if t.clean and not live_status(t):  # no row to leave out or to warn about
            for line, row in rows:
                self.at_row = (name, line, kind, row.get("sourcedId"))
                yield line, row
            return
        fkey = name[:-4]
        for line, row in rows:
            sid = row.get("sourcedId")
            status = (row.get("status") or "").strip().lower()
            if status == "tobedeleted":
                self.deleted.setdefault(fkey, []).append(sid or f"line {line}")
                self.deleted_rows.setdefault(fkey, []).append(row)
                continue
            if status == "inactive":
                self.b.problem("other", "status 'inactive' (OneRoster 1.0) read as active",
                               file=name, line=line, kind=kind, record_id=sid)
            self.at_row = (name, line, kind, sid)  # for problems found deeper in the row
            yield line, row

    def manifest(self) -> None:
        if "manifest.csv" not in self.bundle:
            self.b.notes.append("no manifest.csv: version taken from the columns")
            return
        t = self.table("manifest.csv", None)
        files = {f[:-4].lower(): f[:-4] for f in ONEROSTER_FILES}
        for _, row in t.dicts() if t is not None else ():
            prop, value = (row.get("propertyName") or "").strip(), (row.get("value") or "").strip()
            if prop.lower() == "oneroster.version":
                self.b.version = value
            elif prop.lower().startswith("file."):
                f = prop[5:]
                self.modes[files.get(f.lower(), f)] = value.lower()
        for f, mode in self.modes.items():
            present = f + ".csv" in self.bundle
            if mode in ("bulk", "delta") and not present:
                self.b.problem("missing_file", f"manifest declares file.{f}={mode} but "
                               f"{f}.csv is not in the source: its records were not delivered",
                               file="manifest.csv")
            elif mode == "absent" and present:
                self.absent_but_present.add(f + ".csv")
        delta = sorted(f for f, m in self.modes.items() if m == "delta")
        if delta:
            self.b.notes.append("delta files: " + ", ".join(delta))

    def wanted(self, name: str) -> bool:
        """Whether to read ``name``: a file the manifest calls absent is read all the same
        when it is there (:meth:`table` says so)."""
        return self.modes.get(name[:-4]) != "absent" or name in self.absent_but_present

    # -- helpers ---------------------------------------------------------------
    def put_extra(self, d: dict[str, Any], row: dict[str, str], mapped: Any,
               plan: list[tuple[str, str, str | None]] | None = None) -> None:
        """Columns not in ``mapped`` to ``extra``; the carry column merged last. ``plan``:
        :func:`_extra_plan` of the row's columns and ``mapped`` (the same for every row)."""
        if plan is None:
            plan = _extra_plan(row, mapped)
        for col, key, default in plan:
            v = row[col]
            if v != "" and v != default:  # OneRoster has no 'missing': an empty cell is absent
                d[key] = v
        carry = row.get(CARRY_COLUMN)
        if carry:
            try:
                more = loads_json_cell(carry, self.limits.max_json_depth)
            except ValueError as exc:
                more = None  # kept as text in extra below
                if "Limits.max_json_depth" in str(exc):
                    name, line, kind, sid = self.at_row
                    self.b.problem("limit", f"{CARRY_COLUMN}: {exc}; kept as text", file=name,
                                   line=line, kind=kind, record_id=sid, raw=raw_text(carry))
            if isinstance(more, dict):
                if "_carry" in d:
                    deep_merge(d["_carry"], more)
                else:  # (merging into a new dict would only copy it)
                    d["_carry"] = more
            else:
                d[_PREFIX + CARRY_COLUMN] = carry

    def mapped_fields(self, row: dict[str, str], cols: dict[str, str]) -> dict[str, Any]:
        d: dict[str, Any] = {}
        get = row.get
        for col, path in cols.items():
            v = get(col)
            if not v:
                continue
            parent, dot, key = path.partition(".")
            if not dot:
                d[path] = v
            else:  # (set_path for the one level the column tables' paths have)
                sub = d.get(parent)
                if not isinstance(sub, dict):
                    sub = d[parent] = {}
                sub[key] = v
        return d

    @staticmethod
    def extra_plan(row: dict[str, str], mapped: Any) -> list[tuple[str, str, str | None]]:
        """:func:`_extra_plan` (for the readers of the other files)."""
        return _extra_plan(row, mapped)

    def district_of(self, org: str | None) -> str | None:
        memo = self._district_memo
        if memo is not None:  # the orgs are all read: the answer cannot change
            got = memo.get(org, memo)
            if got is memo:
                got = memo[org] = self._district_of(org)
            return got  # type: ignore[return-value]
        return self._district_of(org)

    def _district_of(self, org: str | None) -> str | None:
        seen = 0
        while org is not None and seen < 50:
            t = self.orgs.get(org)
            if t is None:
                return None
            if t[0] == "district":
                return org
            org = t[1]
            seen += 1
        return None

    def school_of(self, org: str | None) -> str | None:
        """The school ``org`` is (or is part of, through ``parentSourcedId``), or None."""
        seen = 0
        while org is not None and seen < 50:
            t = self.orgs.get(org)
            if t is None or t[0] == "district":
                return None
            if t[0] == "school":
                return org
            org = t[1]
            seen += 1
        return None

    def sole_district(self) -> str | None:
        if self._sole is not None:
            return self._sole[0]
        ds = [o for o, (t, _) in self.orgs.items() if t == "district"]
        sole = ds[0] if len(ds) == 1 else None
        if self._district_memo is not None:
            self._sole = (sole,)
        return sole

    # -- orgs, sessions, courses, classes ----------------------------------------
    def read_orgs(self) -> None:
        rows = list(self.rows("orgs.csv", None))
        for _, row in rows:
            sid = row.get("sourcedId")
            if sid:
                self.orgs.setdefault(sid, (_org_type(row.get("type")),
                                           row.get("parentSourcedId") or None))
        if self.base is not None:  # a delta's rows name the base's orgs (their districts)
            gone = set(self.deleted.get("orgs", ()))
            for did in self.base.districts:
                if did not in gone:
                    self.orgs.setdefault(did, ("district", None))
            for sid, school in self.base.schools.items():
                if sid not in gone:
                    self.orgs.setdefault(sid, ("school", school.district))
        for line, row in rows:
            typ = _org_type(row.get("type"))
            if typ not in ("district", "school"):
                sid = row.get("sourcedId") or ""
                school = self.school_of(sid)
                if school is not None:  # a department of a school: the classes are there
                    self.org_school[sid] = school
                    self.b.problem("other", f"org {sid!r} of type {typ!r} is part of school "
                                   f"{school!r}: classes and users that name it are placed "
                                   "at that school (a class keeps the org id in extra "
                                   "'oneroster_org'; the row is this problem's raw text)",
                                   file="orgs.csv", line=line, record_id=sid,
                                   raw=raw_text(orjson.dumps(row)))
                    continue
                self.b.problem("other", f"org type {typ!r} has no Clever record kind and no "
                               "parent school; not loaded (the row is this problem's raw "
                               "text)", file="orgs.csv", line=line, record_id=sid,
                               raw=raw_text(orjson.dumps(row)))
                continue
            d = self.mapped_fields(row, _ORG_COLS)
            consumed = set(_ORG_COLS) | {"type"}
            if typ == "school":
                parent = row.get("parentSourcedId") or None
                district = self.district_of(parent)
                if district is not None:
                    d["district"] = district
                    if parent == district:
                        consumed.add("parentSourcedId")
                elif parent is None:
                    consumed.add("parentSourcedId")
                elif parent not in self.orgs:  # a district that was not delivered: a stub
                    d["district"] = parent
                    consumed.add("parentSourcedId")
                if row.get("dateLastModified"):
                    d["last_modified"] = row["dateLastModified"]
                consumed.add("dateLastModified")
            else:
                if not row.get("parentSourcedId"):
                    consumed.add("parentSourcedId")
            self.put_extra(d, row, consumed)
            _apply_carry(d)
            self.b.add("districts" if typ == "district" else "schools", d, file="orgs.csv",
                       line=line)
        self._district_memo = {}

    def read_terms(self) -> None:
        sole = self.sole_district()
        sessions = self.sessions
        for line, row in self.rows("academicSessions.csv", "terms"):
            sid = row.get("sourcedId")
            if sid:
                sessions.setdefault(sid, ((row.get("type") or "").strip().lower(),
                                          row.get("parentSourcedId") or None))
            d = self.mapped_fields(row, _TERM_COLS)
            end = parse_date(row.get("endDate"))
            if end is not None and row.get("schoolYear") == str(end.year):
                row = {k: v for k, v in row.items() if k != "schoolYear"}
            if sole:
                d["district"] = sole
            self.put_extra(d, row, _TERM_COLS)
            _apply_carry(d)
            self.b.add("terms", d, file="academicSessions.csv", line=line)

    def read_courses(self) -> None:
        sole = self.sole_district()
        for line, row in self.rows("courses.csv", "courses"):
            d = self.mapped_fields(row, _COURSE_COLS)
            org = row.get("orgSourcedId") or None
            consumed = set(_COURSE_COLS)
            dist = self.district_of(org) or sole
            if dist:
                d["district"] = dist
            if org is not None and org == dist:
                consumed.add("orgSourcedId")
            self.put_extra(d, row, consumed)
            _apply_carry(d)
            if org is not None and d.get(_PREFIX + "orgSourcedId") == d.get("district"):
                del d[_PREFIX + "orgSourcedId"]  # the carried district (one not delivered)
            self.b.add("courses", d, file="courses.csv", line=line)

    def read_classes(self) -> None:
        if self.base is not None:  # a delta's classes may list the base's sessions
            gone = set(self.deleted.get("academicSessions", ()))
            for tid, session in base_sessions(self.base.terms).items():
                if tid not in gone:
                    self.sessions.setdefault(tid, session)
        for line, row in self.rows("classes.csv", "sections"):
            d = self.mapped_fields(row, _CLASS_COLS)
            consumed = set(_CLASS_COLS) | {"termSourcedIds", "grades"}
            terms = split_ids(row.get("termSourcedIds"), self.sessions)
            if len(terms) == 1:
                d["term_id"] = terms[0]
            elif terms:  # a term and its grading periods, or several terms
                d["term_id"], one_term = class_term(terms, self.sessions)
                d[_PREFIX + "termSourcedIds"] = row["termSourcedIds"]
                if not one_term:
                    self.b.problem("other", f"class is in {len(terms)} terms; Clever allows "
                                   "one: term_id is the first, the list is kept in extra "
                                   "'oneroster.termSourcedIds'", file="classes.csv",
                                   line=line, kind="sections", record_id=row.get("sourcedId"),
                                   field="termSourcedIds")
            grades = split_list(row.get("grades"))
            if grades:
                d["grade"] = CEDS_TO_CLEVER.get(grades[0], grades[0])
            if len(grades) > 1:
                d[_PREFIX + "grades"] = row["grades"]
            org = d.get("school")
            if isinstance(org, str) and org in self.org_school:
                d["school"] = self.org_school[org]
                d["oneroster_org"] = org  # not an `oneroster.<column>`: never a column
            dist = self.district_of(row.get("schoolSourcedId")) or self.sole_district()
            if dist:
                d["district"] = dist
            self.put_extra(d, row, consumed)
            sid = d.get("id")
            if not isinstance(sid, str) or not sid:
                self.b.problem("no_id", "class without a sourcedId", file="classes.csv",
                               line=line, kind="sections", raw=raw_text(orjson.dumps(row)))
                continue
            if sid in self.sections:
                self.b.problem("duplicate_id", f"duplicate section id {sid!r}: the first "
                               "record is kept", file="classes.csv", line=line,
                               kind="sections", record_id=sid)
                continue
            self.sections[sid] = d
            self.where[("sections", sid)] = ("classes.csv", line)

    # -- enrollments, demographics ------------------------------------------------
    def read_enrollments(self) -> None:
        name = "enrollments.csv"
        t = self.table(name, "sections")
        if t is None:
            return  # (nothing read: no roles to note)
        if t.clean and self.base is None and not live_status(t):  # (every row is live)
            oneroster_enrollments(self.b, t, self.sections, self.alias, self.ignored,
                                  self.deleted.get("classes", ()))
            self._tell_unkept({col: filled_rows(t, col) or 0 for col in unkept_columns(t)})
        else:
            self._tell_unkept(self._enrollment_rows(t, name))
        for role, n in sorted(self.ignored.items()):
            self.b.notes.append(f"{n} enrollments with role {role!r} have no Clever "
                                "equivalent: kept in their sections' extra "
                                f"{OTHER_ROLES_KEY + role!r}")

    def _tell_unkept(self, filled: dict[str, int]) -> None:
        """One problem naming the enrollments.csv columns whose values nothing keeps
        (``filled``: how many rows read, not ``tobedeleted``, hold one)."""
        told = [(col, n) for col, n in filled.items() if n]
        if told:
            self.b.problem("other", ", ".join(f"{col} ({n} rows)" for col, n in told)
                           + " of enrollments.csv: an enrollment is no record (a section "
                           "holds its users' ids), so nothing keeps these values; not loaded",
                           file="enrollments.csv", line=1, kind="sections", field=told[0][0])

    def _enrollment_rows(self, t: CsvTable, name: str) -> dict[str, int]:
        """The rows one by one; returns how many held a value in each column no record
        keeps (:func:`~rostergraph.io.enrollcols.unkept_columns`)."""
        filled = dict.fromkeys(unkept_columns(t), 0)
        unkept = [(col, t.getter(col)) for col in filled]
        seen: set[tuple[str, str, str]] = set()
        get_cid, get_usid, get_role, get_sid, get_primary = map(t.getter, (
            "classSourcedId", "userSourcedId", "role", "sourcedId", "primary"))
        sections = self.sections
        ids: set[str] = set()
        for line, row in self.cells(t, name, "sections"):
            for col, get in unkept:
                if get(row):
                    filled[col] += 1
            eid = get_sid(row)
            if eid:
                if eid in ids:
                    self.b.problem("duplicate_id", f"duplicate enrollment id {eid!r}: the "
                                   "first row is kept", file=name, line=line, kind="sections",
                                   record_id=eid)
                    continue
                ids.add(eid)
            cid = get_cid(row) or ""
            usid = get_usid(row) or ""
            role = canonical_role(get_role(row) or "")
            sec = sections.get(cid)
            if sec is None and self.base is not None and cid in self.base.sections:
                sec = self.base_adds.setdefault(cid, {})  # a delta row for a base class
            if sec is None:
                gone = cid in self.deleted.get("classes", ())
                why = (f"enrollment in class {cid!r}, which is marked tobedeleted and was "
                       "left out" if gone else f"enrollment in unknown class {cid!r}")
                self.b.problem("other", f"{why}; not loaded",
                               file="enrollments.csv", line=line, kind="sections",
                               record_id=get_sid(row))
                continue
            if not usid:
                self.b.problem("other", "enrollment without a userSourcedId; not loaded",
                               file="enrollments.csv", line=line, kind="sections",
                               record_id=get_sid(row))
                continue
            uid = self.alias.get(usid, usid)
            if not role:
                self.b.problem("other", "enrollment without a role; not loaded",
                               file="enrollments.csv", line=line, kind="sections",
                               record_id=get_sid(row))
                continue
            if role not in ("student", "teacher"):
                self.ignored[role] = self.ignored.get(role, 0) + 1
                keep_other_role(sec, role, uid)
                continue
            key = (cid, uid, role)
            if key in seen:
                continue
            seen.add(key)
            if role == "student":
                sec.setdefault("students", []).append(uid)
            else:
                sec.setdefault("teachers", []).append(uid)
                if _true(get_primary(row)):
                    if "teacher" in sec and sec["teacher"] != uid:
                        self.b.problem("other", f"class {cid!r} has a second primary teacher; "
                                       "the first is section.teacher", file="enrollments.csv",
                                       line=line, kind="sections", record_id=cid)
                    else:
                        sec["teacher"] = uid
        return filled

    def finish(self) -> None:
        for kind, table in (("sections", self.sections), ("users", self.users)):
            for rid, d in table.items():
                d.pop("_primary_org", None)
                ct = d.get("roles", {}).get("contact") if kind == "users" else None
                if ct is not None and ct.get("phone") is not None and d.get(
                        _PREFIX + "phone") == ct["phone"]:
                    d.pop(_PREFIX + "phone")  # 1.2: the phone went to the contact role
                _apply_carry(d)
                role = self.contact_role.get(rid) if kind == "users" else None
                if role not in (None, "guardian") and not _relationships(d):
                    d[_PREFIX + "role"] = role  # nothing else (not even the carry) says which
                file, line = self.where[(kind, rid)]
                self.b.add(kind, d, file=file, line=line)
        for f, ids in sorted(self.deleted.items()):
            shown = ", ".join(ids[:20]) + (" …" if len(ids) > 20 else "")
            self.b.notes.append(f"{f}: {len(ids)} rows with status tobedeleted not loaded: "
                                f"{shown}")
        for name in self.bundle.names():
            if name not in ONEROSTER_FILES and name.endswith(".csv"):
                self.b.notes.append(f"{name}: not a roster file; ignored")



#: The column names of the 1EdTech OneRoster v1.1 and v1.2 CSV bindings (the files read).
_SPEC_COLUMNS = {c.lower(): c for c in (
    "propertyName", "value", "sourcedId", "status", "dateLastModified", "name", "type",
    "identifier", "parentSourcedId", "title", "startDate", "endDate", "schoolYear",
    "schoolYearSourcedId", "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes",
    "courseSourcedId", "classCode", "classType", "location", "schoolSourcedId",
    "termSourcedIds", "periods", "enabledUser", "orgSourcedIds", "role", "username", "userIds",
    "givenName", "familyName", "middleName", "email", "sms", "phone", "agentSourcedIds",
    "password", "userMasterIdentifier", "resourceSourcedIds", "preferredGivenName",
    "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns",
    "userSourcedId", "roleType", "beginDate", "userProfileSourcedId", "classSourcedId",
    "primary", "birthDate", "sex", "americanIndianOrAlaskaNative", "asian",
    "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white",
    "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity", "countryOfBirthCode",
    "stateOfBirthAbbreviation", "cityOfBirth", "publicSchoolResidenceStatus", "profileType",
    "vendorId", "applicationId", "description", "credentialType")}


#: OneRoster's org types (1.1 and 1.2), by their lowercase spelling
_ORG_TYPES = {t.lower(): t for t in ("district", "school", "department", "local", "state",
                                     "national")}


def _org_type(value: str | None) -> str:
    """An org's ``type`` as the spec spells it when it names one in another case
    (``"School"`` → ``"school"``), else stripped as it is."""
    typ = (value or "").strip()
    return _ORG_TYPES.get(typ.lower(), typ)


def _spec_renames(header: list[str]) -> dict[str, str]:
    """Header names that are a OneRoster column's in another case or with spaces around
    (``" SourcedID"``) → the spec's spelling; none that would repeat a column."""
    out: dict[str, str] = {}
    taken = set(header)
    for h in header:
        want = _SPEC_COLUMNS.get(h.strip().lower())
        if want is not None and want != h and want not in taken:
            out[h] = want
            taken.add(want)
    return out


def _relationships(d: dict[str, Any]) -> Any:
    """A user dict's contact relationships (``None`` when its roles are not objects)."""
    roles = d.get("roles")
    ct = roles.get("contact") if isinstance(roles, dict) else None
    return ct.get("student_relationships") if isinstance(ct, dict) else None

def _extra_plan(row: dict[str, str], mapped: Any) -> list[tuple[str, str, str | None]]:
    """``(column, extra key, value the writer fills in)`` of the row's columns that go to
    ``extra`` (not ``mapped``, not the carry column), in the row's order."""
    return [(col, _PREFIX + col, _DEFAULTS.get(col)) for col in row
            if col not in mapped and col != CARRY_COLUMN]


def _apply_carry(d: dict[str, Any]) -> None:
    """Merge the ``metadata.rostergraph.clever`` JSON last: it wins over derived fields."""
    carry = d.pop("_carry", None)
    if carry:
        deep_merge(d, carry, none_deletes=True)


def read_oneroster(path: str | os.PathLike[str], *, strict: bool = False,
                   limits: Limits = DEFAULT_LIMITS, base: Roster | None = None) -> Roster:
    """Read a OneRoster 1.1 or 1.2 CSV bundle (folder or ``.zip``) into a Roster.

    Parameters
    ----------
    path:
        A folder holding ``manifest.csv`` and the roster files, or a ``.zip``
        of them (at the root or inside one top-level folder).
    strict:
        Raise :class:`~rostergraph.errors.FormatError` on the first problem.
    limits:
        Bounds for zip archives and CSV fields
        (:class:`~rostergraph.io.limits.Limits`).
    base:
        A roster to apply this bundle to, as a delta: its records replace
        those with the same id, rows with ``status=tobedeleted`` remove
        records (and enrollment rows remove that user from that class), and a
        class row keeps the base's enrollments plus the delta's, of every role
        (aides, proctors, ... in the section's extra, as a bulk load keeps them);
        the delta's rows may name the base's orgs. Without
        ``base`` a delta bundle reads as the records it holds (deletions listed
        in ``provenance.notes``).

    Returns
    -------
    Roster
        With ``provenance.format == "oneroster"`` and ``provenance.version``
        from the manifest (``"1.1"``, ``"1.2"``, ...).

    Raises
    ------
    SourceError
        When the path does not exist.
    FormatError
        For an unreadable or unsafe zip (absolute or ``..`` member names).
    LimitError
        For a zip over ``limits`` (too many entries, too many bytes).

    Examples
    --------
    >>> import rostergraph, tempfile, pathlib
    >>> from rostergraph.io.write import write_oneroster
    >>> z = pathlib.Path(tempfile.mkdtemp()) / "bundle.zip"
    >>> _ = write_oneroster(rostergraph.sample(), z)
    >>> len(read_oneroster(z).users) == len(rostergraph.sample().users)
    True
    """
    p = Path(path)
    if not p.exists():
        raise SourceError("no such file or folder", path=str(path))
    bundle = Bundle(p, limits)
    # building the records allocates hundreds of thousands of tracked objects: the
    # collector would walk them again and again (restored, and they settled, after)
    try:
        with collector_paused(settle=True):
            b = RosterBuilder(source=str(path), format="oneroster", strict=strict,
                              max_problems=limits.max_problems)
            r = _Reader(bundle, b, limits)
            r.base = base
            r.manifest()
            if not any(n in r.bundle for n in ONEROSTER_FILES[1:]):
                raise SourceError("no OneRoster files found (expected manifest.csv, orgs.csv, "
                                  "academicSessions.csv, courses.csv, classes.csv, users.csv, "
                                  "enrollments.csv)", path=str(path))
            if "roles.csv" in r.bundle and not b.version:
                b.version = "1.2"
            r.read_orgs()
            if r.wanted("academicSessions.csv"):
                r.read_terms()
            if r.wanted("courses.csv"):
                r.read_courses()
            if r.wanted("classes.csv"):
                r.read_classes()
            if r.wanted("users.csv"):
                read_users(r)
            if r.wanted("roles.csv"):
                read_roles(r)
            keep_base_roles(r)
            keep_unplaced(r)
            link_contacts(r)
            if r.wanted("enrollments.csv"):
                r.read_enrollments()
            if r.wanted("demographics.csv"):
                read_demographics(r)
            if r.wanted("userProfiles.csv"):
                read_user_profiles(r)
            r.finish()
            if not b.version:
                b.version = "1.1"
            if base is not None:
                return apply_delta(base, b.build(), r)
            return b.build()
    finally:
        bundle.close()
