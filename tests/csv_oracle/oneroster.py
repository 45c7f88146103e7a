"""Reference copy of the row-by-row ``rostergraph.io.oneroster`` reader, kept only as
the oracle of the equivalence tests (tests/test_csv_equivalence.py): the package's
column-wise readers must give exactly the records and problems this code gives.
Not imported by the package; not maintained beyond bug-for-bug parity. The steps the
column-wise rewrite did not change and that work on rows already read (demographics, user
profiles, applying a delta to a base roster) are the package's own functions."""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from rostergraph.errors import SourceError
from rostergraph.io.csvutil import split_ids
from rostergraph.io.enrollcells import again_message
from rostergraph.io.enrollcols import (
    ENROLLMENT_COLUMNS_READ,
    canonical_role,
    near_id_hint,
    near_users_message,
)
from rostergraph.io.limits import DEFAULT_LIMITS, Limits
from rostergraph.io.mapping import (
    CARRY_KEY,
    CEDS_TO_CLEVER,
    deep_merge,
    loads_carry,
    passwords_left_out,
    set_path,
)
from rostergraph.io.oneroster_cols import (
    LISTS_COLUMN,
    is_boolean,
    listed_ids,
    lists_message,
    primary_no_boolean,
)
from rostergraph.io.oneroster_delta import apply_delta, base_deletions, live_row, match_deletions
from rostergraph.io.oneroster_grants import clever_role
from rostergraph.io.oneroster_orgs import without_id
from rostergraph.io.oneroster_primary import says_primary
from rostergraph.io.oneroster_profiles import read_demographics, read_user_profiles
from rostergraph.io.oneroster_refs import unnamed_message
from rostergraph.io.oneroster_sessions import base_sessions, class_term, several_terms_message
from rostergraph.model import parse_date
from rostergraph.roster import Roster, RosterBuilder, raw_text

from .csvutil import Bundle, read_csv, secret_column, split_list

__all__ = ["ONEROSTER_FILES", "is_oneroster", "read_oneroster"]

#: The files this reader reads, in reading order.
ONEROSTER_FILES = ("manifest.csv", "orgs.csv", "academicSessions.csv", "courses.csv",
                   "classes.csv", "users.csv", "roles.csv", "enrollments.csv",
                   "demographics.csv", "userProfiles.csv")
CARRY_COLUMN = "metadata." + CARRY_KEY
USER_ID_COLUMN = "metadata.rostergraph.userId"
_PREFIX = "oneroster."
_IDS = "oneroster.enrollmentIds"
_CELLS = "oneroster.enrollmentCells"


def _keep_cells(sec: dict[str, Any], row: dict[str, str], role: str, uid: str) -> None:
    """The row's cells no field holds (not a credential's), kept on its section grouped by
    value: ``{column: {role: {value: [user, ...]}}}``."""
    for col, value in row.items():
        if value and col not in ENROLLMENT_COLUMNS_READ and not secret_column(col):
            cells = sec.setdefault(_CELLS, {}).setdefault(col, {}).setdefault(role, {})
            cells.setdefault(value, []).append(uid)

# column → Clever path, per file (columns not listed go to extra).
_ORG_COLS = {"sourcedId": "id", "name": "name", "identifier": "nces_id"}
_TERM_COLS = {"sourcedId": "id", "title": "name", "startDate": "start_date",
              "endDate": "end_date"}
_COURSE_COLS = {"sourcedId": "id", "title": "name", "courseCode": "number"}
_CLASS_COLS = {"sourcedId": "id", "title": "name", "courseSourcedId": "course",
               "classCode": "section_number", "schoolSourcedId": "school",
               "subjects": "subject", "periods": "period", "dateLastModified": "last_modified"}
_USER_COLS = {"sourcedId": "id", "givenName": "name.first", "familyName": "name.last",
              "middleName": "name.middle", "email": "email",
              "dateLastModified": "last_modified"}
_USER_CONSUMED = {"role", "orgSourcedIds", "username", "identifier", "grades",
                  "agentSourcedIds", "primaryOrgSourcedId", USER_ID_COLUMN,
                  CARRY_COLUMN, "password"}

# values the writer fills in when a record has none (not kept in extra on read)
_DEFAULTS = {"enabledUser": "true", "classType": "scheduled", "type": "term"}
_STAFF_ROLES = {"aide", "proctor", "principal", "counselor", "siteAdministrator"}
_DISTRICT_ADMIN_ROLES = {"districtAdministrator", "systemAdministrator"}
_CONTACT_ROLES = {"parent": ("Parent", "Parent/Guardian"),
                  "guardian": ("Other", "Parent/Guardian"),
                  "relative": ("Other", "Family")}


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
    if "manifest.csv" in names and ("orgs.csv" in names or "users.csv" in names):
        return True
    return {"orgs.csv", "users.csv", "classes.csv"} <= names


def _true(v: str | None) -> bool:
    return (v or "").strip().lower() in ("true", "1", "yes")


class _Users(dict):  # type: ignore[type-arg]
    """Plain user dicts; ``settle`` (which the shared contact linking calls between
    users) has nothing to do here."""

    def settle(self) -> None:
        pass


class _Reader:
    def match(self, kind: str, value: str) -> str:
        """(read by the shared demographics and profiles readers) the user id ``value``
        names: itself, else the first user whose id equals it once spaces around both are
        ignored, else ``value``."""
        assert kind == "users"
        if not value or value in self.users or value in self.alias:
            return value
        return next((uid for uid in self.users if uid.strip() == value.strip()), value)

    def __init__(self, bundle: Bundle, b: RosterBuilder, limits: Limits) -> None:
        self.bundle = bundle
        self.b = b
        self.limits = limits
        self.at_row: tuple[str, int, str | None, str | None] = ("", 0, None, None)
        self.modes: dict[str, str] = {}
        self.absent_but_present: dict[str, int] = {}  # file → its manifest row's line
        self.mode_lines: dict[str, int] = {}  # file → the line of its manifest row
        self.section_lines: dict[str, int] = {}  # class → the line of its row
        self.deleted: dict[str, list[str]] = {}
        self.deleted_rows: dict[str, list[dict[str, str]]] = {}
        self.deleted_lines: dict[str, list[int]] = {}
        self.statuses: list[tuple[str, str | None, Any]] = []  # (told after every file)
        self.base: Roster | None = None
        self.base_adds: dict[str, dict[str, Any]] = {}
        #: the columns of enrollments.csv whose cells are kept (read by apply_delta: a
        #: delta replaces the cells of those columns only)
        self.cell_columns: list[str] = []
        self.delivered: dict[tuple[str, str], int] = {}  # (as the package reader)
        self.from_base: set[str] = set()  # (the base users the per-user files read again)
        self.orgs: dict[str, tuple[str, str | None]] = {}  # id → (type, parent)
        self.org_school: dict[str, str] = {}  # a department (or other sub-org) → its school
        self.school_too: set[str] = set()
        self.terms: dict[str, tuple[str, str | None]] = {}
        self.courses: dict[str, dict[str, Any]] = {}
        self.sections: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = _Users()
        self.where: dict[tuple[str, str], tuple[str, int]] = {}
        self.user_lines: dict[str, int] = {}  # (read by the package's keep_base_roles)
        self.alias: dict[str, str] = {}  # row sourcedId → merged user id
        self.any_role = False  # (read by the package's roles.csv teller)
        #: a delta's rows given, per user: (line, sourcedId, role) (read by the package's
        #: match_deletions and apply_delta)
        self.delta_rows: dict[str, list[tuple[int, str, str]]] = {}
        self.agents: dict[str, tuple[int, str]] = {}  # row → (line, agentSourcedIds)
        self.contact_adds: dict[str, dict[str, None]] = {}
        self.ignored: dict[str, int] = {}
        self.contact_role: dict[str, str] = {}
        self.user_rows: dict[str, dict[str, str]] = {}
        self.later_roles: list[tuple[str, str, int, dict[str, str]]] = []
        self.role_cells: dict[str, dict[str, str]] = {}
        self.base_named: dict[str, Any] = {}  # (read by the package's live_row)
        self.live_lines: dict[str, dict[str, int]] = {}  # (and by match_deletions)

    def gone(self, f: str) -> frozenset[str]:
        """(read by the package's per-user files of a delta) the ids ``f``'s tobedeleted
        rows delete."""
        return base_deletions(self, f)

    # -- references ---------------------------------------------------------------
    def _ids(self, kind: str) -> tuple[Any, Any]:
        """The ids a reference to ``kind`` names, and the base roster's (a delta's)."""
        base = self.base
        if kind == "sections":
            return self.sections, base.sections if base is not None else {}
        if kind == "users":
            return self.alias, base.users if base is not None else {}
        if kind == "courses":
            return self.b.kinds["courses"], {}
        return (self.orgs if kind == "orgs" else self.terms), {}

    def _named(self, kind: str, value: str) -> str:
        """The id ``value`` names: itself, else itself without the spaces around it, else
        the first id (in reading order) that has spaces around it and is it without them."""
        ids, base = self._ids(kind)
        if not value or value in ids or value in base:
            return value
        bare = value.strip()
        if bare and (bare in ids or bare in base):
            return bare
        return next((i for i in ids if i != i.strip() and i.strip() == bare), value)

    def _refs_read(self, row: dict[str, str], refs: tuple[tuple[str, str], ...], file: str,
                 line: int, kind: str) -> dict[str, str]:
        """A copy of ``row`` with its reference cells read as the ids they name (each
        changed cell a problem keeping it as given)."""
        out = dict(row)
        for col, to in refs:
            v = row.get(col) or ""
            got = self._named(to, v)
            if got != v:
                out[col] = got
                self.b.problem("other", f"{col} {v!r} names no record but {got!r} does once "
                               f"spaces around ids are ignored: read as {got!r}; the cell as "
                               "given is in raw", file=file, line=line, kind=kind,
                               record_id=row.get("sourcedId") or None, field=col, raw=v)
        return out

    def _tell_unnamed(self, file: str, column: str, what: str, kind: str,
                      missed: list[tuple[int, str | None, list[str]]]) -> None:
        """(as the package reader) one problem for the rows of ``file`` whose ``column``
        names no ``what``: ``(line, record id, ids)`` of each, in file order."""
        if not missed:
            return
        line, rid, _ = missed[0]
        ids = list(dict.fromkeys(i for _, _, got in missed for i in got))
        self.b.problem("other", unnamed_message(len(missed), file, line, column, what, ids),
                       file=file, line=line, kind=kind, record_id=rid or None, field=column)

    # -- files ---------------------------------------------------------------
    def rows(self, name: str, kind: str | None) -> Iterator[tuple[int, dict[str, str]]]:
        if name not in self.bundle:
            return
        data = self.bundle.read(name)
        self.b.add_file(name, data, kind)
        if name in self.absent_but_present:  # (the manifest says absent: it is read, told)
            text = data.decode("utf-16", "replace") if data[:2] in (
                b"\xff\xfe", b"\xfe\xff") else data
            if len(text.strip().splitlines()) > 1:
                self.b.problem("other", f"the manifest says file.{name[:-4]}=absent, but "
                               f"{name} is there with rows: they were read",
                               file="manifest.csv", line=self.absent_but_present[name],
                               kind=kind)
            else:
                self.b.notes.append(f"{name} is present (no rows) and the manifest says absent")
        header, rows = read_csv(data, name, self.b, kind=kind, limits=self.limits)
        rows = self._respelt(name, kind, header, rows)
        fkey = name[:-4]
        from rostergraph.io.oneroster_cols import STATUSES, StatusTally  # (the reader's rule)
        tally = StatusTally()
        for line, row in rows:
            sid = row.get("sourcedId")
            status = (row.get("status") or "").strip().lower()
            if status not in STATUSES:
                tally.add(row["status"], line)
            if status == "tobedeleted":
                self.deleted.setdefault(fkey, []).append(sid or "")
                self.deleted_rows.setdefault(fkey, []).append(row)
                self.deleted_lines.setdefault(fkey, []).append(line)
                continue
            if status == "inactive":
                self.b.problem("other", "status 'inactive' (OneRoster 1.0) read as active",
                               file=name, line=line, kind=kind, record_id=sid)
            if self.base is not None:  # (as the package reader)
                row = live_row(self, fkey, row, line, kind)
                sid = row.get("sourcedId")
            if row.get(LISTS_COLUMN):  # (a REST dump's lists no cell could hold, as it)
                self.b.problem("other", lists_message(row[LISTS_COLUMN]), file=name,
                               line=line, kind=kind, record_id=sid or None,
                               field=LISTS_COLUMN)
            self.at_row = (name, line, kind, sid)  # for problems found deeper in the row
            yield line, row
        if tally.counts:  # (told after every file, as the package reader does)
            self.statuses.append((name, kind, tally))

    def tell_statuses(self) -> None:
        for name, kind, tally in self.statuses:
            self.b.problem("other", tally.message(), file=name, line=tally.first, kind=kind,
                           field="status")

    def _respelt(self, name: str, kind: str | None, header: list[str],
                 rows: Iterator[tuple[int, dict[str, str]]]
                 ) -> Iterator[tuple[int, dict[str, str]]]:
        """The rows with the spec's column names (the reader's rule, told the same way)."""
        from rostergraph.io.oneroster_cols import rename_message
        from rostergraph.io.oneroster_cols import spec_renames as _spec_renames

        renames = _spec_renames(header, name)
        for got, want in renames.items():
            self.b.problem("other", rename_message(got, want), file=name, line=1, kind=kind,
                           field=want)
        from rostergraph.io.oneroster_cols import missing_columns  # (the reader's rule)
        for col, message in missing_columns(name, [renames.get(h, h) for h in header],
                                            "roles.csv" in self.bundle):
            self.b.problem("other", message, file=name, line=1, kind=kind, field=col)
        if not renames:
            return rows
        return ((line, {renames.get(k, k): v for k, v in row.items()}) for line, row in rows)

    def manifest(self) -> None:
        if "manifest.csv" not in self.bundle:
            self.b.notes.append("no manifest.csv: version taken from the columns")
            return
        data = self.bundle.read("manifest.csv")
        self.b.add_file("manifest.csv", data, None)
        header, rows = read_csv(data, "manifest.csv", self.b, limits=self.limits)
        files = {f[:-4].lower(): f[:-4] for f in ONEROSTER_FILES}
        other = []
        lines = self.mode_lines  # file → the line of its manifest row (apply_delta's too)
        version_line: int | None = None
        for line, row in self._respelt("manifest.csv", None, header, rows):
            prop, value = (row.get("propertyName") or "").strip(), (row.get("value") or "").strip()
            if prop.lower() == "oneroster.version":
                self.b.version = value
                version_line = line
            elif prop.lower().startswith("file."):
                f = files.get(prop[5:].lower(), prop[5:])
                self.modes[f] = value.lower()
                lines[f] = line
                if value.lower() not in ("bulk", "delta", "absent"):
                    # (an empty value for a file the bundle does not hold is read as nothing at all)
                    how = ("the file is read as bulk" if f + ".csv" in self.bundle else
                           f"the source holds no {f}.csv")
                    self.b.problem("other", f"manifest says file.{f}={value!r}, which is none "
                                   f"of bulk, delta and absent: {how}",
                                   file="manifest.csv", line=line, field=prop)
            elif prop.lower() != "manifest.version" and (prop or value):
                other.append(f"{prop}={value if len(value) <= 60 else value[:60] + '…'!r}")
        if other:
            self.b.notes.append("manifest.csv properties not kept: " + ", ".join(other))
        for f, mode in self.modes.items():
            present = f + ".csv" in self.bundle
            if mode in ("bulk", "delta") and not present:
                self.b.problem("missing_file", f"manifest declares file.{f}={mode} but "
                               f"{f}.csv is not in the source: its records were not delivered",
                               file="manifest.csv", line=lines[f])
            elif mode in ("bulk", "delta") and not self.bundle.size(f + ".csv"):
                self.b.problem("missing_file", f"manifest declares file.{f}={mode} but "
                               f"{f}.csv is empty (0 bytes, not even its header): its "
                               "records were not delivered", file="manifest.csv", line=lines[f])
            elif mode == "absent" and present:
                self.absent_but_present[f + ".csv"] = lines[f]  # (read: told by its rows)
        delta = sorted(f for f, m in self.modes.items() if m == "delta")
        if delta:
            self.b.notes.append("delta files: " + ", ".join(delta))
        how = "applied to the base as a delta" if self.base is not None else "read as bulk"
        m = re.match(r"\s*[vV]?(\d{1,9})\.(\d{1,9})", self.b.version or "")  # a version before 1.2
        older = version_line is not None and m is not None and (int(m[1]), int(m[2])) < (1, 2)
        for name in ONEROSTER_FILES[1:]:
            if name not in self.bundle:
                continue
            if older and name in ("roles.csv", "userProfiles.csv"):
                shown = self.b.version if len(self.b.version) <= 60 else (
                    self.b.version[:60] + "…")
                self.b.problem("other", f"{name} is a OneRoster 1.2 file, but manifest.csv "
                               f"says oneroster.version={shown!r}: it was read all the same",
                               file="manifest.csv", line=version_line,
                               field="oneroster.version")
            elif name[:-4] not in self.modes:
                self.b.problem("other", f"manifest.csv has no file.{name[:-4]} row; {name} "
                               f"was {how}", file="manifest.csv", field=f"file.{name[:-4]}")

    def wanted(self, name: str) -> bool:
        return self.modes.get(name[:-4]) != "absent" or name in self.absent_but_present

    # -- helpers ---------------------------------------------------------------
    def _extra(self, d: dict[str, Any], row: dict[str, str], mapped: Any) -> None:
        for col, v in row.items():
            if col in mapped or col == CARRY_COLUMN or \
                    secret_column(col):
                continue
            if v == "" or _DEFAULTS.get(col) == v:
                continue  # OneRoster has no 'missing': an empty cell is absent
            d[_PREFIX + col] = v
        carry = row.get(CARRY_COLUMN)
        if carry:
            try:
                more = loads_carry(carry, self.limits.max_json_depth)
            except ValueError as exc:
                more = None  # kept as text in extra below
                if "Limits.max_json_depth" in str(exc):
                    name, line, kind, sid = self.at_row
                    self.b.problem("limit", f"{CARRY_COLUMN}: {exc}; kept as text", file=name,
                                   line=line, kind=kind, record_id=sid, raw=raw_text(carry))
            if isinstance(more, dict):
                deep_merge(d.setdefault("_carry", {}), more)
            else:
                d[_PREFIX + CARRY_COLUMN] = carry

    def _mapped(self, row: dict[str, str], cols: dict[str, str]) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for col, path in cols.items():
            v = row.get(col)
            if not v:
                continue
            set_path(d, path, v)
        return d

    def district_of(self, org: str | None) -> str | None:
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
        ds = [o for o, (t, _) in self.orgs.items() if t == "district"]
        return ds[0] if len(ds) == 1 else None

    # -- orgs, sessions, courses, classes ----------------------------------------
    def read_orgs(self) -> None:
        from rostergraph.io.oneroster_cols import org_type as _org_type

        rows = list(self.rows("orgs.csv", None))
        with self.b.problems_in_line_order():  # (as the package reader)
            for line, row in rows:
                sid = row.get("sourcedId")
                if sid:
                    typ = self.orgs.setdefault(sid, (_org_type(row.get("type")),
                                                     row.get("parentSourcedId") or None))[0]
                    if {typ, _org_type(row.get("type"))} == {"district", "school"}:
                        self.school_too.add(sid)  # (as the package reader)
                        self.b.problem("other", f"org {sid!r} is both a district and a school: "
                                       "users whose orgs name it are at the school (a district "
                                       "administrator: of the district)", file="orgs.csv",
                                       line=line, record_id=sid)
            if self.base is not None:  # (as the package reader: a delta names the base's orgs)
                gone = base_deletions(self, "orgs")  # (padded cells too)
                for did in self.base.districts:
                    if did not in gone:
                        self.orgs.setdefault(did, ("district", None))
                for sid, school in self.base.schools.items():
                    if sid not in gone:
                        self.orgs.setdefault(sid, ("school", school.district))
            rows = self._parents_read(rows, "orgs.csv", None, "orgs")
            for line, row, given in rows:
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
                                       raw=_row_text(given))
                        continue
                    n = len(self._schools_under(sid)) if typ in ("local", "state") else 0
                    self.b.problem("other", f"org type {typ!r} has no Clever record kind and no "
                                   "parent school; not loaded (the row is this problem's raw "
                                   "text)" + (f"; its staff are placed at the {n} school"
                                              f"{'s' if n != 1 else ''} under it" if n else ""),
                                   file="orgs.csv", line=line, record_id=sid,
                                   raw=_row_text(given))
                    continue
                d = self._mapped(row, _ORG_COLS)
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
                        if self.sole_district() is not None:  # (as the package reader)
                            d["district"] = self.sole_district()
                    elif parent not in self.orgs:  # a district that was not delivered: a stub
                        d["district"] = parent
                        consumed.add("parentSourcedId")
                    if row.get("dateLastModified"):
                        d["last_modified"] = row["dateLastModified"]
                    consumed.add("dateLastModified")
                else:
                    if not row.get("parentSourcedId"):
                        consumed.add("parentSourcedId")
                self._extra(d, row, consumed)
                _apply_carry(d)
                kind = "districts" if typ == "district" else "schools"
                if not without_id(self, d, "org", "orgs.csv", line, kind, given):
                    self.b.add(kind, d, file="orgs.csv", line=line)

    def _parents_read(self, rows: list[tuple[int, dict[str, str]]], file: str,
                      kind: str | None, to: str) -> list[tuple[int, dict[str, str],
                                                              dict[str, str]]]:
        """Each row as ``(line, row with parentSourcedId read as the id it names, row as
        given)``, once every id of the file is known; a session or org whose parent was
        read so has that parent."""
        table = self.orgs if to == "orgs" else self.terms
        out = []
        for line, given in rows:
            row = self._refs_read(given, (("parentSourcedId", to),), file, line, kind)
            sid = given.get("sourcedId")
            if (row.get("parentSourcedId") != given.get("parentSourcedId") and sid
                    and table.get(sid, (None, None))[1] == given.get("parentSourcedId")):
                table[sid] = (table[sid][0], row["parentSourcedId"])
            out.append((line, row, given))
        return out

    def read_terms(self) -> None:
        sole = self.sole_district()
        rows = list(self.rows("academicSessions.csv", "terms"))
        orphans: list[tuple[int, str | None, list[str]]] = []
        with self.b.problems_in_line_order():  # (as the package reader)
            for line, row in rows:
                sid = row.get("sourcedId")
                if sid:  # (as the package reader: a class's term among its sessions)
                    self.terms.setdefault(sid, ((row.get("type") or "").strip().lower(),
                                                row.get("parentSourcedId") or None))
            known = set(self.terms) | set(self.base.terms if self.base is not None else ())
            for line, row, given in self._parents_read(rows, "academicSessions.csv", "terms",
                                                       "sessions"):
                if row.get("parentSourcedId") and row["parentSourcedId"] not in known:
                    orphans.append((line, row.get("sourcedId"), [row["parentSourcedId"]]))
                d = self._mapped(row, _TERM_COLS)
                end = parse_date(row.get("endDate"))
                if end is not None and row.get("schoolYear") == str(end.year):
                    row = {k: v for k, v in row.items() if k != "schoolYear"}
                if sole:
                    d["district"] = sole
                self._extra(d, row, _TERM_COLS)
                _apply_carry(d)
                if not without_id(self, d, "academic session", "academicSessions.csv", line,
                                  "terms", given):
                    self.b.add("terms", d, file="academicSessions.csv", line=line)
        self._tell_unnamed("academicSessions.csv", "parentSourcedId", "academic session",
                           "terms", orphans)

    def read_courses(self) -> None:
        sole = self.sole_district()
        no_org: list[tuple[int, str | None, list[str]]] = []
        no_year: list[tuple[int, str | None, list[str]]] = []
        for line, given in self.rows("courses.csv", "courses"):
            row = self._refs_read(given, (("schoolYearSourcedId", "sessions"),
                                      ("orgSourcedId", "orgs")), "courses.csv", line, "courses")
            d = self._mapped(row, _COURSE_COLS)
            org = row.get("orgSourcedId") or None
            consumed = set(_COURSE_COLS)
            dist = self.district_of(org) or sole
            if dist:
                d["district"] = dist
            if org is not None and org == dist:
                consumed.add("orgSourcedId")
            self._extra(d, row, consumed)
            _apply_carry(d)
            if org is not None and d.get(_PREFIX + "orgSourcedId") == d.get("district"):
                del d[_PREFIX + "orgSourcedId"]  # (as the package reader)
            year = row.get("schoolYearSourcedId") or ""
            if year and year not in self.terms and (self.base is None
                                                    or year not in self.base.terms):
                no_year.append((line, row.get("sourcedId"), [year]))
            kept = d.get(_PREFIX + "orgSourcedId")
            if kept is not None and org is not None and org not in self.orgs:
                no_org.append((line, row.get("sourcedId"), [org]))
            if not without_id(self, d, "course", "courses.csv", line, "courses", given):
                self.b.add("courses", d, file="courses.csv", line=line)
        self._tell_unnamed("courses.csv", "orgSourcedId", "org", "courses", no_org)
        self._tell_unnamed("courses.csv", "schoolYearSourcedId", "academic session",
                           "courses", no_year)

    def read_classes(self) -> None:
        if self.base is not None:
            gone = base_deletions(self, "academicSessions")  # (padded cells too)
            for tid, session in base_sessions(self.base.terms).items():
                if tid not in gone:
                    self.terms.setdefault(tid, session)
        several: list[tuple[int, str]] = []  # (line, id) of each class in several terms
        for line, given in self.rows("classes.csv", "sections"):
            row = self._refs_read(given, (("courseSourcedId", "courses"),
                                        ("schoolSourcedId", "orgs")), "classes.csv", line,
                                "sections")
            d = self._mapped(row, _CLASS_COLS)
            consumed = set(_CLASS_COLS) | {"termSourcedIds", "grades"}
            terms = listed_ids(row, "termSourcedIds", self.terms)
            one_term = True
            if terms:
                d["term_id"], one_term = class_term(terms, self.terms)
            if len(terms) > 1:
                d[_PREFIX + "termSourcedIds"] = row["termSourcedIds"]
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
            self._extra(d, row, consumed)
            sid = d.get("id")
            if not isinstance(sid, str) or not sid:
                self.b.problem("no_id", "class without a sourcedId", file="classes.csv",
                               line=line, kind="sections", raw=raw_text(orjson.dumps(given)))
                continue
            if sid in self.sections:
                self.b.problem("duplicate_id", f"duplicate section id {sid!r}: the first "
                               "record is kept", file="classes.csv", line=line,
                               kind="sections", record_id=sid, raw=_row_text(given))
                continue
            self.sections[sid] = d
            self.section_lines[sid] = line  # (the delta code it shares reads it)
            self.where[("sections", sid)] = ("classes.csv", line)
            if not one_term:
                several.append((line, sid))
        if several:  # (as the package reader: one problem for the file, after its rows)
            line, sid = several[0]
            self.b.problem("other", several_terms_message(len(several), line,
                                                          [i for _, i in several]),
                           file="classes.csv", line=line, kind="sections", record_id=sid,
                           field="termSourcedIds")

    # -- users and roles --------------------------------------------------------
    def _orgs_split(self, ids: list[str], admin: bool = False, staff: bool = False
                    ) -> tuple[list[str], list[str]]:
        schools: list[str] = []
        districts: list[str] = []
        for o in ids:
            o = self.org_school.get(o, o)  # a department's users belong to its school
            t = self.orgs.get(o, ("school", None))[0]
            if o in self.school_too:
                t = "district" if admin else "school"
            out = districts if t == "district" else schools
            if staff and self.orgs.get(o, ("",))[0] in ("local", "state"):
                placed = self._schools_under(o) or [o]
            else:
                placed = [o]
            for x in placed:
                if x not in out:
                    out.append(x)
        return schools, districts

    def _schools_under(self, org: str) -> list[str]:
        """The schools (in orgs order) whose chain of parents reaches ``org``."""
        out = []
        for sid, (typ, parent) in self.orgs.items():
            seen = []
            while typ == "school" and parent is not None and parent not in seen:
                if parent == org:
                    out.append(sid)
                    break
                seen.append(parent)
                parent = self.orgs.get(parent, ("", None))[1]
        return out

    def _apply_role(self, u: dict[str, Any], role: str, orgs: list[str], primary: str | None,
                    row: dict[str, str], file: str, line: int, joined: bool = False) -> set[str]:
        schools, districts = self._orgs_split(orgs, role in _DISTRICT_ADMIN_ROLES)
        staff = role in _STAFF_ROLES or (role == "administrator" and not districts)
        if staff:  # (staff of a local or state org: at the schools under it)
            schools, districts = self._orgs_split(orgs, staff=True)
        if role in _DISTRICT_ADMIN_ROLES:  # orgs that were not delivered are districts here
            districts += [o for o in schools if o not in self.orgs]
            schools = [o for o in schools if o in self.orgs]
        if primary and primary in schools:
            schools.remove(primary)
            schools.insert(0, primary)
        if not u.get("district"):
            dist = (districts[0] if districts else None) or next(
                (self.district_of(s) for s in schools if self.district_of(s)), None
            ) or self.sole_district()
            if dist:
                u["district"] = dist
        roles = u.setdefault("roles", {})
        username = row.get("username")
        ident = row.get("identifier") or None
        taken: set[str] = set()
        if role in ("student", "teacher"):
            taken.update(("orgSourcedIds", "identifier", "username"))
            r = roles.setdefault(role, {})
            for s in schools:
                r.setdefault("schools", [])
                if s not in r["schools"]:
                    r["schools"].append(s)
            if schools and "school" not in r:
                r["school"] = schools[0]
            if ident is not None:
                r["sis_id"] = ident
            if username:
                r.setdefault("credentials", {})["district_username"] = username
            if role == "student":
                grades = split_list(row.get("grades"))
                if grades:
                    r["grade"] = CEDS_TO_CLEVER.get(grades[0], grades[0])
                if len(grades) == 1:
                    taken.add("grades")
        elif role in _DISTRICT_ADMIN_ROLES or (role == "administrator" and districts):
            taken.add("orgSourcedIds")
            roles.setdefault("district_admin", {})
            if schools:
                u[_PREFIX + "schools"] = ",".join(schools)
            carry = u.get("_carry")  # (a Clever user has one district: others are kept)
            own = carry["district"] if isinstance(carry, dict) and "district" in carry \
                else u.get("district")
            other = [d for d in districts if d != own]
            if other:
                self.b.problem("other", f"district administrator of "
                               f"{', '.join(map(repr, other))} but the user's district is "
                               f"{own!r} (a Clever user has one district): the role is not "
                               "held there; the orgs are kept in extra "
                               "(oneroster.orgSourcedIds)", file=file, line=line,
                               kind="users", record_id=u.get("id"),
                               field="orgSourcedIds" if file == "users.csv"
                               else "orgSourcedId")
                taken.discard("orgSourcedIds")
                if file != "users.csv":
                    self._keep_orgs(u, [o for o in orgs if o in other], row)
        elif role in _STAFF_ROLES or role == "administrator":
            taken.update(("orgSourcedIds", "identifier", "username"))
            regional = [o for o in orgs if self.orgs.get(o, ("",))[0] in ("local", "state")
                        and self._schools_under(o)]
            if regional:  # (the org itself kept, as the orgs of a role Clever lacks are)
                taken.discard("orgSourcedIds")
                self._keep_orgs(u, regional, row)
            r = roles.setdefault("staff", {})
            for s in schools:
                r.setdefault("schools", [])
                if s not in r["schools"]:
                    r["schools"].append(s)
            if ident is not None:
                r["staff_id"] = ident
            if username:
                r.setdefault("credentials", {})["district_username"] = username
            if role != "administrator":
                r.setdefault("roles", [])
                if role not in r["roles"]:
                    r["roles"].append(role)
        elif role in _CONTACT_ROLES:
            taken.add("identifier")
            self._keep_orgs(u, orgs, row)
            r = roles.setdefault("contact", {})
            if ident is not None:
                r["sis_id"] = ident
            if row.get("phone"):
                r["phone"] = row["phone"]
            self.contact_role.setdefault(u["id"], role)
        else:
            self.b.problem("other", f"user role {role!r} has no Clever role; the user is kept "
                           "without it", file=file, line=line, kind="users",
                           record_id=u.get("id"))
            u[_PREFIX + "role"] = role
            self._keep_orgs(u, orgs, row)
        if (staff or role in ("student", "teacher")) and not schools and file == "users.csv" \
                and row.get("orgSourcedIds"):  # (districts only: the cell kept)
            taken.discard("orgSourcedIds")
        # (as the package reader: the cell is taken only when the role written first says
        # it; a role written first at another org keeps it)
        cell = row.get("primaryOrgSourcedId") or None
        said = says_primary(roles, clever_role(role, districts), cell, primary,
                            schools + districts)
        if said:
            taken.add("primaryOrgSourcedId")
        cells = self.role_cells.get(u["id"])
        for col in taken if cells else ():
            # (a later 1.1 row takes its own cell, not an earlier row's: that one goes when
            # the user holds all it says, but for one of districts only)
            cell_ = cells.get(col)
            if joined and cell_ and (col == "orgSourcedIds" and self._districts_only(cell_) or (
                    not self._all_held(u, cell_))):
                continue
            cells.pop(col, None)
        if said is None and cells is not None:
            cells.setdefault("primaryOrgSourcedId", cell)
        return taken

    def _keep_cell(self, u: dict[str, Any], col: str, cell: str, line: int,
                   joined: bool) -> None:
        cells = self.role_cells.setdefault(u["id"], {})
        if col not in cells:
            cells[col] = cell
        elif joined and cells[col] != cell and col == "orgSourcedIds":
            # (a later row's other ids appended, as a 1.2 user's orgs are)
            have = split_list(cells[col])
            new = [o for o in split_list(cell) if o not in have]
            if new:
                cells[col] = ",".join([cells[col], *new])
        elif joined and cells[col] != cell:
            self.b.problem("other", f"row joins user {u['id']!r} ({USER_ID_COLUMN}) but its "
                           f"{col} is not kept: no role of the user holds it, and another "
                           f"row's {col}, which none holds either, is kept", file="users.csv",
                           line=line, kind="users", record_id=u["id"], field=col)

    @staticmethod
    def _all_held(u: dict[str, Any], cell: str) -> bool:
        from rostergraph.io.oneroster_user_cells import held as _held

        held = _held(u)
        return all(p in held or CEDS_TO_CLEVER.get(p) in held for p in split_list(cell))

    def _districts_only(self, cell: str | None) -> bool:
        ids = split_ids(cell, self.orgs)
        return bool(ids) and all(self.orgs.get(o, ("school", None))[0] == "district"
                                 and o not in self.school_too for o in ids)

    def _keep_orgs(self, u: dict[str, Any], orgs: list[str], row: dict[str, str]) -> None:
        from rostergraph.io.oneroster_user_cells import held as _held

        if not orgs or row.get("orgSourcedIds"):
            return
        orgs = [o for o in orgs if o not in _held(u)]
        if not orgs:
            return
        cells = self.role_cells.setdefault(u["id"], {})
        have = split_list(cells.get("orgSourcedIds"))
        new = [o for o in orgs if o not in have]
        if new:
            cells["orgSourcedIds"] = ",".join(have + new)

    def read_users(self) -> None:
        any_role = False  # (the package reader's later check of a missing role column)
        passwords = 0
        # (1.2 with 1.1's role column in users.csv: that column's roles are applied after
        # roles.csv's, as the package reader does)
        roles_file = "roles.csv" in self.bundle and self.wanted("roles.csv")
        for line, given in self.rows("users.csv", "users"):
            row = self._refs_read(given, (("primaryOrgSourcedId", "orgs"),), "users.csv", line,
                                  "users")
            if row.get("password"):
                passwords += 1
            sid = row.get("sourcedId")
            if not sid:
                self.b.problem("no_id", "user without a sourcedId", file="users.csv", line=line,
                               kind="users", raw=raw_text(orjson.dumps(
                                   {k: v for k, v in given.items() if k != "password"})))
                continue
            uid = row.get(USER_ID_COLUMN) or sid
            if self.base is not None:
                self.delta_rows.setdefault(self.alias.get(sid, uid), []).append(
                    (line, sid, canonical_role(row.get("role") or "")))
            if sid in self.alias:
                self.b.problem("duplicate_id", f"duplicate user id {sid!r}: the first record "
                               "is kept", file="users.csv", line=line, kind="users",
                               record_id=sid, raw=_row_text(given))
                continue
            self.alias[sid] = uid
            u = self.users.get(uid)
            joined = u is not None
            role = canonical_role(row.get("role") or "")
            any_role = any_role or bool(role)
            if u is None:
                u = self._mapped(row, _USER_COLS)
                u["id"] = uid
                mapped = set(_USER_COLS) | _USER_CONSUMED
                if role in _CONTACT_ROLES:
                    mapped.add("phone")
                self._extra(u, row, mapped)
                self.users[uid] = u
                self.where[("users", uid)] = ("users.csv", line)
                self.user_lines[uid] = line
            else:
                from rostergraph.io.oneroster_users import differing_cells

                differ = differing_cells(u, row, _DEFAULTS)
                if differ:
                    self.b.problem("other", f"row joins user {uid!r} ({USER_ID_COLUMN}) but "
                                   f"its {', '.join(differ)} differ from the user's first row; "
                                   "the first row's values are kept", file="users.csv",
                                   line=line, kind="users", record_id=sid,
                                   raw=raw_text(orjson.dumps(
                                   {k: v for k, v in given.items() if k != "password"})))
                if row.get(CARRY_COLUMN):
                    self._extra(u, {CARRY_COLUMN: row[CARRY_COLUMN]}, ())
            agents = row.get("agentSourcedIds")
            if agents:  # (the cell: the package's contact linking splits it)
                self.agents[sid] = (line, agents)
            taken: set[str] = set()
            if role and roles_file:  # (as the package reader: after roles.csv's roles, so
                self.later_roles.append((uid, role, line, row))  # its primary row says)
            elif role:
                orgs = _org_ids(row, self.orgs)
                taken = self._apply_role(u, role, orgs, row.get("primaryOrgSourcedId") or None,
                                         row, "users.csv", line, joined)
            held: set[Any] = set()
            if joined:
                from rostergraph.io.oneroster_user_cells import held as _held

                held = _held(u)
            for col in ("orgSourcedIds", "username", "identifier", "grades",
                        "primaryOrgSourcedId"):
                if row.get(col) and col not in taken and not (joined and all(
                        p in held or CEDS_TO_CLEVER.get(p) in held
                        for p in split_list(row[col])) and not (
                        col == "orgSourcedIds" and self._districts_only(row[col]))):
                    self._keep_cell(u, col, row[col], line, joined)
            if not role or "roles.csv" in self.bundle:  # 1.2: roles.csv's, with its fields
                self.user_rows.setdefault(uid, row)
                if row.get("primaryOrgSourcedId"):
                    u["_primary_org"] = row["primaryOrgSourcedId"]
        if passwords:
            self.b.notes.append(passwords_left_out("users.csv", passwords))
        self.any_role = any_role
        if self.users and not any_role and "roles.csv" not in self.bundle and self.base is None:
            self.b.problem("other", "no user has a role (is the role column missing?) and there "
                           "is no roles.csv: every user is loaded without one", file="users.csv")

    def read_roles(self) -> None:
        from rostergraph.io.oneroster_roles_told import tell_primaries, tell_role_rows

        rows: list[tuple[int, dict[str, str]]] = []
        ids: set[str] = set()
        no_ids: list[int] = []  # (as the package reader: told once for the file, below)
        odd_types: dict[int, str] = {}
        header: dict[str, str] | None = None
        for line, given in self.rows("roles.csv", "users"):
            row = self._refs_read(given, (("userSourcedId", "users"), ("orgSourcedId", "orgs")),
                                  "roles.csv", line, "users")
            header = header or row
            sid = row.get("sourcedId")
            if not sid:
                no_ids.append(line)
            kind = row.get("roleType")
            if kind is not None and kind.strip().lower() not in ("primary", "secondary"):
                odd_types[line] = kind
            if sid and sid in ids:  # as in every file: the first row is kept
                self.b.problem("duplicate_id", f"duplicate role id {sid!r}: the first row is "
                               "kept", file="roles.csv", line=line, kind="users",
                               record_id=row.get("userSourcedId") or None, field="sourcedId",
                               raw=_row_text(given))
                continue
            ids.add(sid or "")
            rows.append((line, row))
        tell_role_rows(self, rows[0][1] if rows else header, no_ids, odd_types)
        tell_primaries(self, rows, lambda row: self.alias.get(row.get("userSourcedId") or "",
                                                              row.get("userSourcedId") or ""))
        pending = list(rows)

        # primary roles first, so the primary org becomes roles.<r>.school
        def primary_row(row: dict[str, str]) -> bool:
            return (row.get("roleType") or "").strip().lower() == "primary"

        pending.sort(key=lambda lr: (not primary_row(lr[1]), lr[0]))
        for line, row in pending:
            usid = row.get("userSourcedId") or ""
            uid = self.alias.get(usid, usid)
            u = self.users.get(uid)
            if u is None:
                self.b.problem("other", f"role for unknown user {usid!r}; not loaded (the row "
                               "is in raw)", file="roles.csv", line=line, kind="users",
                               record_id=usid, raw=_row_text(row))
                continue
            if not (row.get("role") or "").strip():  # (required: no role to grant)
                self.b.problem("other", "role row without a role (OneRoster requires one); it "
                               "grants nothing (the row is in raw)", file="roles.csv",
                               line=line, kind="users", record_id=uid, field="role",
                               raw=_row_text(row))
                continue
            org = row.get("orgSourcedId") or ""
            primary = org if primary_row(row) else u.get("_primary_org")
            self._apply_role(u, canonical_role(row.get("role") or ""), [org] if org else [],
                             primary, self.user_rows.get(uid, {}), "roles.csv", line)
        for uid, role, line, row in self.later_roles:  # (users.csv's role column: after)
            u = self.users.get(uid)
            if u is None:
                continue
            orgs = _org_ids(row, self.orgs)
            if role == "administrator" and not orgs and not u.get("roles", {}).keys(
                    ).isdisjoint(("staff", "district_admin")):
                continue  # (1.1's administrator beside roles.csv's staff or admin role)
            self._apply_role(u, role, orgs, row.get("primaryOrgSourcedId") or None, row,
                             "users.csv", line)
        self.later_roles = []
        from rostergraph.io.oneroster_cols import kept_role_row

        for _, row in rows:
            u = self.users.get(self.alias.get(row.get("userSourcedId") or "", ""))
            kept = kept_role_row(row) if u is not None else None
            org = row.get("orgSourcedId") or ""
            if kept is None and u is not None and org not in self.school_too and self.orgs.get(
                    org, ("",))[0] == "district" and canonical_role(row.get("role") or "") in (
                        "student", "teacher", *_STAFF_ROLES):  # (no school says the org)
                kept = {k: v for k, v in row.items() if v != "" and k != "userSourcedId"}
            if kept is not None:
                u.setdefault("oneroster.roles", []).append(kept)  # type: ignore[union-attr]

    def keep_unplaced(self) -> None:
        for uid, cells in self.role_cells.items():
            u = self.users.get(uid)
            if u is None:
                continue
            for col, value in cells.items():
                u.setdefault(_PREFIX + col, value)

    def tell_unnamed_agents(self) -> None:
        """(as the package reader) the agentSourcedIds of users that are no contacts
        naming no user, one problem."""
        base_users = self.base.users if self.base is not None else {}
        missed = []
        for sid, (line, cell) in sorted(self.agents.items(), key=lambda kv: kv[1][0]):
            u = self.users.get(self.alias.get(sid, sid))
            if u is None or "contact" in (u.get("roles") or {}):
                continue
            gone = [a for a in split_list(cell) if a not in self.alias and a not in base_users]
            if gone:
                missed.append((line, sid, gone))
        self._tell_unnamed("users.csv", "agentSourcedIds", "user", "users", missed)

    def link_contacts(self) -> None:
        from rostergraph.io.oneroster_users import link_contacts

        link_contacts(self)  # type: ignore[arg-type]

    # -- enrollments, demographics ------------------------------------------------
    def read_enrollments(self) -> None:
        self.id_column, self.rows_read = False, 0
        self._read_enrollments()
        if self.rows_read and not self.id_column:
            self.b.problem("other", "enrollments.csv has no sourcedId column (OneRoster "
                           "requires one): its enrollments load without their ids (the "
                           "OneRoster writer gives them ids)", file="enrollments.csv", line=1,
                           kind="sections", field="sourcedId")
        # (as the package reader: a credential's cells, never kept, are told after the
        # rows; the columns whose cells the sections keep are noted last)
        told = [(col, n) for col, n in self.unkept.items() if n and secret_column(col)]
        if told:
            self.b.problem("other", ", ".join(f"{col} ({n} rows)" for col, n in told)
                           + " of enrollments.csv: a credential's column is never kept; not "
                           "loaded", file="enrollments.csv", line=1, kind="sections",
                           field=told[0][0])
        if self.odd_primary:  # (as the package reader: one problem, after the rows)
            line = self.odd_primary[0][0]
            self.b.problem("other", primary_no_boolean(
                len(self.odd_primary), line, list(dict.fromkeys(v for _, v in self.odd_primary))),
                file="enrollments.csv", line=line, kind="sections", field="primary")
        if self.near_users:  # (as the package reader: one problem, after the rows)
            line, cid = self.near_users[0][:2]
            named = list(dict.fromkeys((u, h) for _, _, u, h in self.near_users))
            self.b.problem("other", near_users_message(len(self.near_users), line, named),
                           file="enrollments.csv", line=line, kind="sections",
                           record_id=cid or None, field="userSourcedId")
        if self.again:  # (as the package reader: one problem, after the rows)
            order = ["sourcedId", *self.cell_columns]
            lost = [c for c in order if any(c in cols for *_, cols in self.again)]
            line, cid = self.again[0][:2]
            self.b.problem("other", again_message(len(self.again), line,
                                                  [e for _, _, e, _ in self.again if e], lost),
                           file="enrollments.csv", line=line, kind="sections",
                           record_id=cid or None)

    def _near_user(self, line: int, cid: str, usid: str) -> None:
        """An enrollment (its first row) naming a user id no user has, kept when it names
        one once case, leading zeros and a spreadsheet formula are ignored."""
        base = self.base.users if self.base is not None else {}
        if usid not in self.alias and usid not in base:
            hint = near_id_hint(usid, [*self.alias, *base], {}, "user")
            if hint:
                self.near_users.append((line, cid, usid, hint))

    def _again(self, line: int, cid: str, sec: dict[str, Any], role: str, uid: str,
               eid: str, given: dict[str, str], first: dict[str, str]) -> None:
        """A later row of an enrollment (``first``: its first row): what it gives that the
        section does not keep, its id (the enrollment keeps the first id given) and each
        cell that is not the first row's."""
        kept = sec.get(_IDS, {}).get(role, {}).get(uid)
        lost = ["sourcedId"] if eid and kept != eid else []
        lost += [c for c in self.cell_columns if given.get(c) and given[c] != first.get(c)]
        self.again.append((line, cid, eid, lost))

    def _read_enrollments(self) -> None:
        seen: dict[tuple[str, str, str], dict[str, str]] = {}  # (each enrollment's first row)
        self.again: list[tuple[int, str, str, list[str]]] = []
        self.near_users: list[tuple[int, str, str, str]] = []
        ids: set[str] = set()
        self.unkept: dict[str, int] = {}
        self.odd_primary: list[tuple[int, str]] = []
        dated = 0
        for line, row in self.rows("enrollments.csv", "sections"):
            self.rows_read += 1
            if not is_boolean(row.get("primary")):
                self.odd_primary.append((line, row.get("primary") or ""))
            self.id_column = "sourcedId" in row
            self.cell_columns = [c for c in row
                                 if c not in ENROLLMENT_COLUMNS_READ and not secret_column(c)]
            for col, value in row.items():
                if col and col not in ENROLLMENT_COLUMNS_READ:
                    self.unkept[col] = self.unkept.get(col, 0) + bool(value)
            dated += bool(row.get("dateLastModified"))
            # the references named only without their spaces: read so, said first (each
            # about the row's class); the problems below give the row as it was read
            given = row
            row = dict(given)
            for col, to in (("classSourcedId", "sections"), ("userSourcedId", "users"),
                            ("schoolSourcedId", "orgs")):
                v = given.get(col) or ""
                row[col] = self._named(to, v)
            for col in ("classSourcedId", "userSourcedId", "schoolSourcedId"):
                v = given.get(col) or ""
                if row[col] != v:
                    self.b.problem("other", f"{col} {v!r} names no record but {row[col]!r} "
                                   "does once spaces around ids are ignored: read as "
                                   f"{row[col]!r}; the cell as given is in raw",
                                   file="enrollments.csv", line=line, kind="sections",
                                   record_id=row["classSourcedId"] or None, field=col, raw=v)
            eid = row.get("sourcedId")
            if eid:  # a repeated id: as users.csv and classes.csv, the first row is kept
                if eid in ids:
                    self.b.problem("duplicate_id", f"duplicate enrollment id {eid!r}: the "
                                   "first row is kept", file="enrollments.csv", line=line,
                                   kind="sections", record_id=eid, raw=_row_text(given))
                    continue
                ids.add(eid)
            cid = row.get("classSourcedId") or ""
            usid = row.get("userSourcedId") or ""
            role = canonical_role(row.get("role") or "")
            sec = self.sections.get(cid)
            if sec is None and self.base is not None and cid in self.base.sections:
                sec = self.base_adds.setdefault(cid, {})  # a delta row for a base class
            if sec is None:
                # (a deleted class's id and this cell compared without spaces around)
                gone = any(d and d.strip() == cid.strip()
                           for d in self.deleted.get("classes", ()))
                why = (f"enrollment in class {cid!r}, which is marked tobedeleted and was "
                       "left out" if gone else f"enrollment in unknown class {cid!r}" + (
                           f" (the id is the text {cid}: an SQL export's empty value?)"
                           if cid.lower() == "null" else "")
                       + near_id_hint(cid, self.sections, {}))  # (as the package reader)
                self.b.problem("other", f"{why}; not loaded",
                               file="enrollments.csv", line=line, kind="sections",
                               record_id=row.get("sourcedId"), raw=_row_text(given))
                continue
            if not usid:
                self.b.problem("other", "enrollment without a userSourcedId; not loaded",
                               file="enrollments.csv", line=line, kind="sections",
                               record_id=row.get("sourcedId"), raw=_row_text(given))
                continue
            uid = self.alias.get(usid, usid)
            if not role:
                self.b.problem("other", "enrollment without a role; not loaded",
                               file="enrollments.csv", line=line, kind="sections",
                               record_id=row.get("sourcedId"), raw=_row_text(given))
                continue
            if "sourcedId" in row and not eid:  # kept: the link it states is whole
                self.b.problem("other", "enrollment without a sourcedId (OneRoster requires "
                               "one); the enrollment is kept (the OneRoster writer gives it an "
                               "id)", file="enrollments.csv", line=line, kind="sections",
                               record_id=cid, field="sourcedId", raw=_row_text(given))
            school = row.get("schoolSourcedId") or ""
            its = sec.get("oneroster_org") or sec.get("school")
            if school and its and school not in (sec.get("school"), sec.get("oneroster_org")):
                self.b.problem("other", f"enrollment's schoolSourcedId {school!r} is not the "
                               f"school of class {cid!r} ({its!r}, classes.csv line "
                               f"{self.where[('sections', cid)][1]}); the enrollment is kept",
                               file="enrollments.csv", line=line, kind="sections",
                               record_id=cid, field="schoolSourcedId", raw=_row_text(given))
            if role not in ("student", "teacher"):
                self.ignored[role] = self.ignored.get(role, 0) + 1
                users = sec.setdefault("oneroster.enrollments." + role, [])
                if uid not in users:
                    users.append(uid)
                    _keep_cells(sec, given, role, uid)
                if eid:
                    sec.setdefault(_IDS, {}).setdefault(role, {}).setdefault(uid, eid)
                if (cid, uid, role) in seen:
                    self._again(line, cid, sec, role, uid, eid or "", given,
                                seen[(cid, uid, role)])
                else:
                    self._near_user(line, cid, usid)
                seen.setdefault((cid, uid, role), given)
                continue
            key = (cid, uid, role)
            if eid:  # (a repeat's id too, when the first row had none: the first id stays)
                sec.setdefault(_IDS, {}).setdefault(role, {}).setdefault(uid, eid)
            if key in seen:
                self._again(line, cid, sec, role, uid, eid or "", given, seen[key])
            if key in seen and not (role == "teacher" and _true(row.get("primary"))):
                continue  # (as the package reader: a repeat still says who is primary)
            first = key not in seen
            seen.setdefault(key, given)
            if first:
                self._near_user(line, cid, usid)
            if first:
                _keep_cells(sec, given, role, uid)
            if role == "student":
                sec.setdefault("students", []).append(uid)
            else:
                if first:
                    sec.setdefault("teachers", []).append(uid)
                if _true(row.get("primary")):
                    if "teacher" in sec and sec["teacher"] != uid:
                        self.b.problem("other", f"class {cid!r} has a second primary teacher; "
                                       "the first is section.teacher", file="enrollments.csv",
                                       line=line, kind="sections", record_id=cid,
                                       raw=_row_text(given))
                    else:
                        sec["teacher"] = uid
        held: dict[str, int] = {}  # (the cells kept, per column: the note's counts)
        for sec in [*self.sections.values(), *self.base_adds.values()]:
            for col, by_role in sec.get(_CELLS, {}).items():  # (a group is a set: sorted)
                for by_value in by_role.values():
                    for users in by_value.values():
                        users.sort()
                        held[col] = held.get(col, 0) + len(users)
        if dated:
            self.b.notes.append(f"enrollments.csv: the dateLastModified of {dated:,} "
                                "enrollments is not kept (an enrollment is no record; a "
                                "section holds its users' ids)")
        for role, n in sorted(self.ignored.items()):
            self.b.notes.append(f"{n} enrollments with role {role!r} have no Clever "
                                "equivalent: kept in their sections' extra "
                                f"{'oneroster.enrollments.' + role!r}")
        kept = [(col, held[col]) for col, n in self.unkept.items()
                if n and not secret_column(col) and held.get(col)]
        if kept:
            self.b.notes.append("enrollments.csv: " + ", ".join(
                f"{col} ({n:,} rows)" for col, n in kept) + f" kept in their sections' "
                f"extra {_CELLS!r} (an enrollment is no record)")

    def finish(self) -> None:
        from rostergraph.io.oneroster_cols import enrollment_order, kept_enrollment_ids

        for cid, d in self.sections.items():  # (a delta's: once applied, in apply_delta)
            if _IDS in d and self.base is None:
                kept = kept_enrollment_ids(cid, d.pop(_IDS), enrollment_order(
                    d.get("students"), d.get("teachers"), d))
                if kept:
                    d[_IDS] = kept
        for kind, table in (("sections", self.sections), ("users", self.users)):
            for rid, d in table.items():
                d.pop("_primary_org", None)
                ct = d.get("roles", {}).get("contact") if kind == "users" else None
                if ct is not None and ct.get("phone") is not None and d.get(
                        _PREFIX + "phone") == ct["phone"]:
                    d.pop(_PREFIX + "phone")  # 1.2: the phone went to the contact role
                if kind == "sections" and d.get("teacher") is not None and d.get("teachers"):
                    t = d["teacher"]  # the primary=true teacher first, as Clever lists them
                    if t in d["teachers"]:
                        d["teachers"] = [t, *(x for x in d["teachers"] if x != t)]
                _apply_carry(d)
                role = self.contact_role.get(rid) if kind == "users" else None
                if role not in (None, "guardian") and not _relationships(d):
                    d[_PREFIX + "role"] = role  # nothing else (not even the carry) says which
                # (a base user a delta's per-user file read again: as the package reader)
                file, line = self.where.get((kind, rid)) or ("users.csv", self.user_lines[rid])
                self.b.add(kind, d, file=file, line=line)
        for f, ids in sorted(self.deleted.items()):
            shown = ", ".join(i or "(no sourcedId)" for i in ids[:20]) + (
                " …" if len(ids) > 20 else "")
            self.b.notes.append(f"{f}: {len(ids)} rows with status tobedeleted not loaded: "
                                f"{shown}")
        for name in self.bundle.names():
            if name not in ONEROSTER_FILES and name.endswith(".csv"):
                self.b.notes.append(f"{name}: not a roster file; ignored")


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
        class row keeps the base's enrollments plus the delta's. Without
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
    >>> from rostergraph.io.write_oneroster import write_oneroster
    >>> z = pathlib.Path(tempfile.mkdtemp()) / "bundle.zip"
    >>> _ = write_oneroster(rostergraph.sample(), z)
    >>> len(read_oneroster(z).users) == len(rostergraph.sample().users)
    True
    """
    p = Path(path)
    if not p.exists():
        raise SourceError("no such file or folder", path=str(path))
    bundle = Bundle(p, limits)
    try:
        b = RosterBuilder(source=str(path), format="oneroster", strict=strict,
                          max_problems=limits.max_problems)
        r = _Reader(bundle, b, limits)
        r.base = base
        r.manifest()
        if not any(n in bundle for n in ONEROSTER_FILES[1:]):
            raise SourceError("no OneRoster files found (expected manifest.csv, orgs.csv, "
                              "academicSessions.csv, courses.csv, classes.csv, users.csv, "
                              "enrollments.csv)", path=str(path))
        if "roles.csv" in bundle and not b.version:
            b.version = "1.2"
        r.read_orgs()
        if r.wanted("academicSessions.csv"):
            r.read_terms()
        if r.wanted("courses.csv"):
            r.read_courses()
        if r.wanted("classes.csv"):
            r.read_classes()
        if r.wanted("users.csv"):
            r.read_users()
        if r.wanted("roles.csv"):
            r.read_roles()
        if base is not None:  # (the package's own step; it reads the oracle's tables)
            from rostergraph.io.oneroster_users import keep_base_roles

            keep_base_roles(r)  # type: ignore[arg-type]
        r.keep_unplaced()
        r.tell_unnamed_agents()
        r.link_contacts()
        if r.wanted("enrollments.csv"):
            r.read_enrollments()
        if r.wanted("demographics.csv"):
            read_demographics(r)
        if r.wanted("userProfiles.csv"):
            read_user_profiles(r)
        r.tell_statuses()
        r.finish()
        if not b.version:
            b.version = "1.1"
        if base is not None:
            gone = match_deletions(r, base)
            return apply_delta(base, b.build(), r, gone)
        return b.build()
    finally:
        bundle.close()


def _relationships(d: dict[str, Any]) -> Any:
    """A user dict's contact relationships (``None`` when its roles are not objects)."""
    roles = d.get("roles")
    ct = roles.get("contact") if isinstance(roles, dict) else None
    return ct.get("student_relationships") if isinstance(ct, dict) else None


def _org_ids(row: dict[str, str], orgs: Any) -> list[str]:
    """A users.csv row's orgs: its cell's items, or, when a REST dump kept the list as sent
    (LISTS_COLUMN) and the cell holds its items without a comma, that list, an item with
    a comma in it kept when it names an org."""
    cell = row.get("orgSourcedIds") or ""
    try:
        sent = orjson.loads(row.get(LISTS_COLUMN) or "{}")
    except orjson.JSONDecodeError:
        sent = {}
    items = sent.get("orgSourcedIds") if isinstance(sent, dict) else None
    if not isinstance(items, list) or any(not isinstance(i, str) for i in items):
        return split_ids(cell, orgs)
    if ",".join(i for i in items if "," not in i) != cell:
        return split_ids(cell, orgs)
    return [o for i in items for o in ([i] if i in orgs else [] if "," in i
                                       else split_ids(i, orgs))]


def _row_text(row: dict[str, str]) -> str:
    """A row's raw text in a problem (the package's one helper: what it leaves out, a
    password, is not what the oracle checks)."""
    from rostergraph.io.csv_rowchecks import row_text

    return row_text(row)
