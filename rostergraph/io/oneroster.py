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
``metadata.rostergraph.userId`` (written by :func:`rostergraph.io.write_oneroster.write_oneroster`)
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
>>> from rostergraph.io.write_oneroster import write_oneroster
>>> _ = write_oneroster(rostergraph.sample(), out)
>>> r = read_oneroster(out)
>>> r.provenance.format, r.provenance.version, len(r.sections) == len(rostergraph.sample().sections)
('oneroster', '1.1', True)
"""

from __future__ import annotations

import os
import re
import sys
import zipfile
from collections.abc import Callable, Collection, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from .._collector import collector_paused
from ..errors import SourceError
from ..roster import Roster, RosterBuilder, raw_text
from . import parked
from .bundle import Renamed, member_parts
from .collect import ColumnarBuilder
from .csv_arrow import release_arrow_memory, release_heap
from .csv_rowchecks import is_secret_column
from .csvutil import Bundle, CsvTable, bundle_table, loads_json_cell
from .enrollcols import live_status, primary_first, respelt_message
from .limits import DEFAULT_LIMITS, Limits, unreadable_message
from .listed_sections import SectionRuns, StudentLists
from .mapping import deep_merge
from .oneroster_cols import (
    CARRY_COLUMN,
    ENROLLMENT_IDS_KEY,
    LISTS_COLUMN,
    ONEROSTER_FILES,
    ONLY_12_FILES,
    PREFIX,
    STATUSES,
    WRITER_DEFAULTS,
    StatusTally,
    enrollment_order,
    kept_enrollment_ids,
    lists_message,
    missing_columns,
    rename_message,
    spec_renames,
)
from .oneroster_delta import apply_delta, base_deletions, live_row, match_deletions
from .oneroster_delta_roles import merge_base_roles
from .oneroster_enroll import read_enrollments
from .oneroster_manifest import read_manifest
from .oneroster_orgs import (  # noqa: F401 (the column tables: docs tests read them here)
    _CLASS_COLS,
    _COURSE_COLS,
    _ORG_COLS,
    _TERM_COLS,
    apply_carry,
    read_classes,
    read_courses,
    read_orgs,
    read_terms,
)
from .oneroster_profiles import read_demographics, read_user_profiles
from .oneroster_refs import tell_unnamed_agents
from .oneroster_roles import plan_role_users
from .oneroster_users import (
    PENDING,
    keep_base_roles,
    keep_unplaced,
    link_contacts,
    link_pending,
    read_roles,
    read_users,
)
from .oneroster_usertext import plan_demographics, plan_users
from .parked import ParkedDicts, add_parked
from .spaced_ids import SpacedIds, each_matched

__all__ = ["ONEROSTER_FILES", "is_oneroster", "read_oneroster"]


#: The bundle's files beside manifest.csv, in lowercase (any with a manifest is a bundle).
_DATA_FILES = frozenset(f.lower() for f in ONEROSTER_FILES[1:])
_ALL_FILES = frozenset(f.lower() for f in (*ONEROSTER_FILES, *ONLY_12_FILES))
#: the record kind each file gives (for the problem of one that is no file)
FILE_KIND = {"orgs.csv": "schools", "academicsessions.csv": "terms", "courses.csv": "courses",
             "classes.csv": "sections", "enrollments.csv": "sections", "users.csv": "users",
             "demographics.csv": "users", "roles.csv": "users", "userprofiles.csv": "users"}

_DEFAULTS = WRITER_DEFAULTS


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
                names = {member_parts(n)[-1] for n in zf.namelist()[:10_000]}
        else:
            return False
    except (OSError, ValueError, zipfile.BadZipFile):
        return p.suffix.lower() == ".zip"  # the reader then says what is wrong with it
    names = {n.lower() for n in names}  # (the reader takes ``Users.csv`` as users.csv)
    if "manifest.csv" in names and names & _DATA_FILES:
        return True  # (a delta holds only the files that changed: enrollments.csv alone)
    return {"orgs.csv", "users.csv", "classes.csv"} <= names


def _renamed_files(bundle: Bundle) -> Renamed:
    """A bundle's files by their OneRoster names: a file named in another case
    (``Users.csv``, ``ACADEMICSESSIONS.CSV``), or one in a folder of a zip that also holds
    other top-level entries (``export/users.csv`` beside ``readme.txt``), when the bundle
    has none named exactly (a zip never holds one base name twice: see :class:`Bundle`)."""
    have = bundle.names()
    lower: dict[str, str] = {}
    for n in have:
        lower.setdefault(n.rsplit("/", 1)[-1].lower(), n)
    return Renamed(bundle, {f: lower[f.lower()] for f in ONEROSTER_FILES
                            if f not in have and f.lower() in lower})


class _Reader:
    def __init__(self, bundle: Bundle, b: RosterBuilder, limits: Limits) -> None:
        self.bundle = _renamed_files(bundle)
        for want, got in sorted(self.bundle.renamed.items()):
            b.problem("other", f"file {got!r} read as {want!r} (OneRoster file names are "
                      "matched ignoring case and folders)", file=want)
        self.b = b
        self.limits = limits
        self.at_row: tuple[str, int, str | None, str | None] = ("", 0, None, None)
        self.modes: dict[str, str] = {}
        self.mode_lines: dict[str, int] = {}  # file → the line of its manifest row
        self.version_line: int | None = None  # the line of the manifest's oneroster.version
        self.absent_but_present: set[str] = set()
        self.deleted: dict[str, list[str]] = {}
        self.deleted_rows: dict[str, list[dict[str, str]]] = {}
        self.deleted_lines: dict[str, list[int]] = {}  # (of the rows of deleted_rows)
        self.role_deletions: dict[int, tuple[str, str, str]] = {}  # see merge_base_roles
        self._gone: dict[str, frozenset[str]] = {}  # (gone()'s, per file)
        self.base: Roster | None = None
        self.base_adds: dict[str, dict[str, Any]] = {}
        #: the kept cell columns of enrollments.csv's header (a delta replaces only those)
        self.cell_columns: list[str] = []
        #: (file, user id) → the line of the first row a per-user file (demographics,
        #: roles, userProfiles) held for that user; the base users read again for them
        self.delivered: dict[tuple[str, str], int] = {}
        self.from_base: set[str] = set()  # (see oneroster_delta_files.base_user)
        self.orgs: dict[str, tuple[str, str | None]] = {}  # id → (type, parent)
        self.org_school: dict[str, str] = {}  # a department (or other sub-org) → its school
        self.school_too: set[str] = set()  # district ids that are a school's id too
        #: academic session id → (type in lowercase, parentSourcedId)
        self.sessions: dict[str, tuple[str, str | None]] = {}
        self.courses: dict[str, dict[str, Any]] = {}
        self.sections: dict[str, dict[str, Any]] = {}
        # (most kept as text between rows: a reader holds every user until its last file)
        self.users = ParkedDicts()
        # the line of each section's classes.csv row and each user's (first) users.csv
        # row (an int per record: a tuple pair per user cost 160 bytes at a million)
        self.section_lines: dict[str, int] = {}
        # the sections whose enrollment ids may hold one the writer makes up (None: any)
        self.made_up_checks: set[str] | None = None
        # the sections' students as the enrollments' codes (read column-wise, bulk only)
        self.student_lists: StudentLists | None = None
        self.user_lines: dict[str, int] = {}
        self.alias: dict[str, str] = {}  # row sourcedId → merged user id
        self.joined_ids = False  # (whether alias maps a row's id to another's)
        #: a delta's users.csv rows given (not tobedeleted), per user: (line, sourcedId,
        #: role), in file order (which of its deletions a later row gives again)
        self.delta_rows: dict[str, list[tuple[int, str, str]]] = {}
        # row sourcedId → (line, agentSourcedIds cell) (split when linked: a list of new
        # strings per contact would be kept through every file); a bulk load's contact
        # rows keep theirs in the contact's dict instead (see oneroster_users.PENDING)
        self.agents: dict[str, tuple[int, str]] = {}
        #: a delta's: base contact → the users whose delta rows name it
        self.contact_adds: dict[str, dict[str, None]] = {}  # contact → its students, in order
        self.ignored: dict[str, int] = {}
        self.contact_role: dict[str, str] = {}
        self.user_rows: dict[str, dict[str, str]] = {}
        #: (user, role, line, row) of a 1.2 users.csv's 1.1 role column, applied after
        #: roles.csv (see oneroster_users.read_roles)
        self.later_roles: list[tuple[str, str, int, dict[str, str]]] = []
        self.any_role = False  # whether a users.csv row gave its user a role (1.1's column)
        # users.csv cells a role may take (orgs, username, ...) that no role took, per user
        self.role_cells: dict[str, dict[str, str]] = {}
        # answers that depend only on the orgs, kept once orgs.csv is read
        self._district_memo: dict[str | None, str | None] | None = None
        self._sole: tuple[str | None] | None = None
        self._under: dict[str, list[str]] | None = None  # (schools_under's, made once)
        #: kind → the matcher of its ids with spaces around them (see :meth:`match`)
        self._spaced: dict[str, SpacedIds] = {}
        #: a delta's, read with a base: file → the matcher of the base's ids its rows'
        #: sourcedIds name, and file → id → the line of its last live row (see live_row)
        self.base_named: dict[str, SpacedIds] = {}
        self.live_lines: dict[str, dict[str, int]] = {}
        #: each file's rows of a status OneRoster does not know, told by tell_statuses()
        self.statuses: list[tuple[str, str | None, StatusTally]] = []
        #: tables parsed ahead of their reading (see oneroster_usertext), and what gives
        #: the rows left to the row path of such a table
        self.parsed: dict[str, CsvTable | None] = {}
        self.cuts: dict[str, Callable[[CsvTable], Iterator[tuple[int, dict[str, str]]]]] = {}
        #: the users.csv rows read column-wise (a ColumnUsers), or None
        self.column_users: Any = None
        #: roles.csv's header (as a row of empty cells) when its rows of the column-wise
        #: users are cut from the rows read (see oneroster_roles)
        self.role_header: dict[str, str] | None = None

    # -- files ---------------------------------------------------------------
    def table(self, name: str, kind: str | None,
              coded: Callable[[str], bool] | None = None) -> CsvTable | None:
        """The parsed file (its header's problems told), or None when it is absent
        (``coded``: the columns to parse dictionary-encoded, see ``read_table``)."""
        if name not in self.bundle:
            return None
        t = bundle_table(self.bundle, name, self.b, kind=kind, limits=self.limits,
                         coded=coded, first=self._absent_check(name, kind)
                         if name in self.absent_but_present else None)
        renames = spec_renames(t.header, name)
        for got, want in renames.items():
            self.b.problem("other", rename_message(got, want), file=name, line=1, kind=kind,
                           field=want)
        if renames:
            t.rename([renames.get(h, h) for h in t.header])
        for col, message in missing_columns(name, t.header, "roles.csv" in self.bundle):
            self.b.problem("other", message, file=name, line=1, kind=kind, field=col)
        # (others: told row by row; manifest.csv's rows are properties, not records)
        status = t.encoded("status") if t.clean and name != "manifest.csv" else None
        if status is not None:
            self._tell_status(StatusTally.of_column(*status, t.lines), name, kind)
        return t

    def _tell_status(self, tally: StatusTally, name: str, kind: str | None) -> None:
        if tally.counts:
            self.statuses.append((name, kind, tally))

    def tell_statuses(self) -> None:
        """One problem per file whose rows hold a status OneRoster does not know, in the
        order the files were read (after them all: a table read whole knows its rows'
        statuses before its rows are read, one read row by row only after)."""
        for name, kind, tally in self.statuses:
            self.b.problem("other", tally.message(), file=name, line=tally.first, kind=kind,
                           field="status")

    def _absent_check(self, name: str, kind: str | None) -> Callable[[bytes], None]:
        """What to tell of a file the manifest says is absent, from its bytes."""
        def check(data: bytes) -> None:
            # (a UTF-16 file, which the reader takes, counted in its own characters)
            text = data.decode("utf-16", "replace") if data[:2] in (
                b"\xff\xfe", b"\xfe\xff") else data
            if len(text.strip().splitlines()) > 1:
                self.b.problem("other", f"the manifest says file.{name[:-4]}=absent, but "
                               f"{name} is there with rows: they were read",
                               file="manifest.csv", line=self.mode_lines.get(name[:-4]),
                               kind=kind)
            else:
                self.b.notes.append(f"{name} is present (no rows) and the manifest says absent")
        return check

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
        tally = None if t.clean else StatusTally()  # (a clean table's: told by table())
        for line, cells in t.rows():
            status = cells[status_at].strip().lower()
            if tally is not None and status not in STATUSES:
                tally.add(cells[status_at], line)
            if status in ("tobedeleted", "inactive"):
                sid = cells[sid_at] if sid_at is not None else None
                if status == "tobedeleted":
                    self.deleted.setdefault(fkey, []).append(sid or "")
                    self.deleted_rows.setdefault(fkey, []).append(t.as_dict(cells))
                    self.deleted_lines.setdefault(fkey, []).append(line)
                    continue
                self.b.problem("other", "status 'inactive' (OneRoster 1.0) read as active",
                               file=name, line=line, kind=kind, record_id=sid)
            yield line, cells
        if tally is not None:
            self._tell_status(tally, name, kind)

    def rows(self, name: str, kind: str | None) -> Iterator[tuple[int, dict[str, str]]]:
        t = self.parsed.pop(name) if name in self.parsed else self.table(name, kind)
        if t is None:
            return
        all_live = t.clean and not live_status(t)  # no row to leave out or to warn about
        cut = self.cuts.pop(name, None)  # (only the rows the column-wise reading left)
        rows = cut(t) if cut is not None else t.dicts(consume=True)  # (this generator's alone)
        settle = self.users.settle  # (between two rows no user dict is in use)
        fkey = name[:-4]
        # (a delta's rows name the base's records as its deletions do: see live_row)
        live = partial(live_row, self, fkey) if self.base is not None else None
        lists = LISTS_COLUMN in t.index  # (a REST dump's lists no cell could hold: told)
        if all_live:
            for line, row in rows:
                settle()
                if live is not None:
                    row = live(row, line, kind)
                if lists and row.get(LISTS_COLUMN):
                    self._tell_lists(row, name, line, kind)
                self.at_row = (name, line, kind, row.get("sourcedId"))
                yield line, row
            return
        tally = None if t.clean else StatusTally()  # (a clean table's: told by table())
        for line, row in rows:
            settle()
            sid = row.get("sourcedId")
            status = (row.get("status") or "").strip().lower()
            if tally is not None and status not in STATUSES:
                tally.add(row["status"], line)
            if status == "tobedeleted":
                self.deleted.setdefault(fkey, []).append(sid or "")
                self.deleted_rows.setdefault(fkey, []).append(row)
                self.deleted_lines.setdefault(fkey, []).append(line)
                continue
            if status == "inactive":
                self.b.problem("other", "status 'inactive' (OneRoster 1.0) read as active",
                               file=name, line=line, kind=kind, record_id=sid)
            if live is not None:
                row = live(row, line, kind)
                sid = row.get("sourcedId")
            if lists and row.get(LISTS_COLUMN):
                self._tell_lists(row, name, line, kind)
            self.at_row = (name, line, kind, sid)  # for problems found deeper in the row
            yield line, row
        if tally is not None:
            self._tell_status(tally, name, kind)

    def _tell_lists(self, row: dict[str, str], name: str, line: int,
                    kind: str | None) -> None:
        """Tell a row whose lists a OneRoster REST dump could not put in its cells whole
        (kept in extra as any other column is)."""
        self.b.problem("other", lists_message(row[LISTS_COLUMN]), file=name, line=line,
                       kind=kind, record_id=row.get("sourcedId") or None, field=LISTS_COLUMN)

    def gone(self, f: str) -> frozenset[str]:
        """The ids the tobedeleted rows of ``f`` (``users``, a file's name without
        ``.csv``) delete, once that file is read: see
        :func:`~rostergraph.io.oneroster_delta.base_deletions`."""
        got = self._gone.get(f)
        if got is None:
            got = self._gone[f] = base_deletions(self, f)
        return got

    def wanted(self, name: str) -> bool:
        """Whether to read ``name``: a file the manifest calls absent is read all the same
        when it is there (:meth:`table` says so)."""
        return self.modes.get(name[:-4]) != "absent" or name in self.absent_but_present

    # -- references ------------------------------------------------------------
    def ids_of(self, kind: str) -> Collection[str]:
        """The ids read so far that a reference to ``kind`` (``orgs``, ``sessions``,
        ``courses``, ``sections`` or ``users``: every ``users.csv`` row's own id) names."""
        if kind == "users":
            return self.alias
        if kind == "sections":
            return self.sections
        if kind == "orgs":
            return self.orgs
        return self.sessions if kind == "sessions" else self.b.kinds["courses"]

    def _known(self, kind: str, value: str) -> bool:
        if value in self.ids_of(kind):
            return True
        base = self.base
        if base is None or kind not in ("sections", "users"):
            return False
        return value in (base.sections if kind == "sections" else base.users)

    def match(self, kind: str, value: str) -> str:
        """The id of the ``kind`` record that reference ``value`` names: itself, or else the
        record whose id equals it once spaces around either are ignored (as the Clever
        SFTP reader matches ids); ``value`` when none does."""
        if not value or self._known(kind, value):
            return value
        got = value.strip()
        if got and self._known(kind, got):
            return got
        ids = self.ids_of(kind)
        named = self._spaced.get(kind)
        if named is None or named.pools[0] is not ids:
            named = self._spaced[kind] = SpacedIds([ids])
        return named(got) or value

    def matched(self, kind: str, values: list[str]) -> list[str]:
        """:meth:`match` of each of ``values`` (``values`` itself when each is an id read)."""
        ids = self.ids_of(kind)
        return each_matched(values, ids, partial(self.match, kind))

    def respelt(self, row: dict[str, str], refs: tuple[tuple[str, str], ...], file: str,
                line: int, record_kind: str | None) -> dict[str, str]:
        """``row`` with each reference cell of ``refs`` (``(column, kind)``) set to the id it
        names when that is so only once spaces around ids are ignored (:meth:`match`), each
        a problem that keeps the cell as given (``raw``). ``row`` itself is not changed (a
        copy is returned when a cell is): the problems that give the row's text give it as
        it was read."""
        out = row
        for column, kind in refs:
            v = row.get(column)
            if not v or v in self.ids_of(kind):
                continue
            got = self.match(kind, v)
            if got != v:
                if out is row:
                    out = dict(row)
                out[column] = got
                self.b.problem("other", respelt_message(column, v, got), file=file,
                               line=line, kind=record_kind,
                               record_id=row.get("sourcedId") or None, field=column, raw=v)
        return out

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
                d[PREFIX + CARRY_COLUMN] = carry

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

    def schools_under(self, org: str) -> list[str]:
        """The schools whose ``parentSourcedId`` chain leads up to ``org`` (a ``local`` or
        ``state`` org, which Clever has no record kind for), in ``orgs.csv`` order. Asked
        once every org is read."""
        if self._under is None:
            self._under = {}
            for sid, (typ, parent) in self.orgs.items():
                seen: set[str] = set()
                while typ == "school" and parent is not None and parent not in seen:
                    seen.add(parent)
                    self._under.setdefault(parent, []).append(sid)
                    parent = self.orgs.get(parent, ("", None))[1]
        return self._under.get(org, [])

    def sole_district(self) -> str | None:
        if self._sole is not None:
            return self._sole[0]
        ds = [o for o, (t, _) in self.orgs.items() if t == "district"]
        sole = ds[0] if len(ds) == 1 else None
        if self._district_memo is not None:
            self._sole = (sole,)
        return sole

    def finish(self) -> None:
        if self.base is None:  # (a delta's: once applied, see apply_delta)
            checks = self.made_up_checks
            for cid, d in self.sections.items():
                if ENROLLMENT_IDS_KEY in d and (checks is None or cid in checks):
                    _prune_enrollment_ids(cid, d)
        bulk = self.base is None
        # a bulk load lets each dict (and line) go once added (a delta's are read again)
        section_line = self.section_lines.pop if bulk else self.section_lines.__getitem__
        runs = SectionRuns(self.b, self.student_lists if bulk else None)
        self.student_lists = None
        for rid in list(self.sections):
            d = self.sections.pop(rid) if bulk else self.sections[rid]
            d.pop("_primary_org", None)
            if d.get("teacher") is not None and d.get("teachers"):
                d["teachers"] = primary_first(d["teacher"], d["teachers"])
            apply_carry(d)
            # (its text as orjson writes it, checked to read back, not written twice; a
            # run of them at a time)
            runs.add(d, file="classes.csv", line=section_line(rid))
        runs.flush()
        users, columns = self.users, self.column_users
        user_line = self.user_lines.pop if bulk else self.user_lines.__getitem__
        # (users demoted from the column-wise rows came in late: all in line order)
        order = sorted(users, key=self.user_lines.__getitem__) if (
            columns is not None and columns.demoted) else list(users)
        for k, rid in enumerate(order, 1):
            line = user_line(rid)
            v = users.pop_text(rid) if bulk else users[rid]
            mend = None if not self._mends(rid, v) else partial(self._mended, rid)
            if columns is not None:  # (after the column-wise rows above it)
                columns.add_at(self.b, line, (v, mend))
            else:
                add_parked(self.b, "users", v, mend, file="users.csv", line=line)
            if bulk and k % parked.TIDY_EVERY == 0:  # (shelves left sparse let go as the texts go)
                users.tidy()
        if columns is not None:
            columns.add_before(self.b, None)
            self.column_users = None
        if bulk:  # (a dict emptied by pops keeps its table: 2M users' was ~100 MB)
            self.user_lines, self.section_lines = {}, {}
        for f, ids in sorted(self.deleted.items()):
            shown = ", ".join(i or "(no sourcedId)" for i in ids[:20]) + (
                " …" if len(ids) > 20 else "")
            self.b.notes.append(f"{f}: {len(ids)} rows with status tobedeleted not loaded: "
                                f"{shown}")
        for name in self.bundle.names():
            if name not in ONEROSTER_FILES and name.endswith(".csv"):
                self.b.notes.append(f"{name}: not a roster file; ignored")

    def _mends(self, rid: str, user: bytes | dict[str, Any]) -> bool:
        """Whether :meth:`_mended` may change the user parked as text or held as a dict
        (a key of :data:`_MENDED_KEYS` is in it, or the contact's role says so)."""
        if isinstance(user, bytes):
            hit = _MENDED_TEXT.search(user) is not None
        else:
            hit = not user.keys().isdisjoint(_MENDED_KEYS)
        return hit or self.contact_role.get(rid) not in (None, "guardian")

    def _mended(self, rid: str, d: dict[str, Any]) -> dict[str, Any]:
        """User dict ``d`` as the roster keeps it: the reader's own keys gone, the carried
        JSON merged, a contact's role kept where nothing else says it."""
        d.pop("_primary_org", None)
        link_pending(self, d)
        ct = d.get("roles", {}).get("contact")
        if ct is not None and ct.get("phone") is not None and d.get(
                PREFIX + "phone") == ct["phone"]:
            d.pop(PREFIX + "phone")  # 1.2: the phone went to the contact role
        apply_carry(d)
        role = self.contact_role.get(rid)
        if role not in (None, "guardian") and not _relationships(d):
            d[PREFIX + "role"] = role  # nothing else (not even the carry) says which
        return d


#: The keys of a user's dict that :meth:`_Reader._mended` reads (the primary org, the
#: carried JSON, the column kept for a phone, the contact links still to make), and how a
#: user's text holds them (one search of the text finds any).
_MENDED_KEYS = frozenset({"_primary_org", "_carry", PREFIX + "phone", PENDING})
_MENDED_TEXT = re.compile(b"|".join(re.escape(orjson.dumps(k)) for k in sorted(_MENDED_KEYS)))


def _relationships(d: dict[str, Any]) -> Any:
    """A user dict's contact relationships (``None`` when its roles are not objects)."""
    roles = d.get("roles")
    ct = roles.get("contact") if isinstance(roles, dict) else None
    return ct.get("student_relationships") if isinstance(ct, dict) else None

def _prune_enrollment_ids(cid: str, d: dict[str, Any]) -> None:
    """Section dict ``d``'s enrollment ids but those the writer would make up."""
    kept = kept_enrollment_ids(cid, d[ENROLLMENT_IDS_KEY], enrollment_order(
        d.get("students"), d.get("teachers"), d))
    if kept:
        d[ENROLLMENT_IDS_KEY] = kept
    else:
        del d[ENROLLMENT_IDS_KEY]


def _extra_plan(row: dict[str, str], mapped: Any) -> list[tuple[str, str, str | None]]:
    """``(column, extra key, value the writer fills in)`` of the row's columns that go to
    ``extra`` (not ``mapped``, not the carry column, never a password column in any
    spelling: ``PASSWORD``, ``" password "``), in the row's order."""
    return [(col, PREFIX + col, _DEFAULTS.get(col)) for col in row
            if col not in mapped and col != CARRY_COLUMN and not is_secret_column(col)]


def read_oneroster(path: str | os.PathLike[str], *, strict: bool = False,
                   limits: Limits = DEFAULT_LIMITS, base: Roster | None = None) -> Roster:
    """Read a OneRoster 1.1 or 1.2 CSV bundle (folder or ``.zip``) into a Roster.

    Parameters
    ----------
    path:
        A folder holding ``manifest.csv`` and the roster files, or a ``.zip``
        of them (at the root or inside one folder, at any depth).
    strict:
        Raise :class:`~rostergraph.errors.FormatError` on the first problem.
    limits:
        Bounds for zip archives and CSV fields
        (:class:`~rostergraph.io.limits.Limits`).
    base:
        A roster to apply this bundle to, as a delta: its records replace
        those with the same id, rows with ``status=tobedeleted`` remove
        records (enrollment rows remove that user from that class, a row
        giving only its ``sourcedId`` the enrollment the base or the delta
        holds under that id; rows of
        ``demographics.csv``, ``roles.csv`` and ``userProfiles.csv`` what
        they gave their user; a deleted user's enrollments and contacts' links
        to it go with it, a deleted role's enrollments stay, each told in a
        problem; ``users.csv`` rows are followed in file order), a re-sent 1.1
        row of a user written as several rows updates that row's role only, a 1.2
        ``roles.csv`` row adds a role row to its user (of the base too) or updates
        the base's row of its ``sourcedId``, the others kept, a
        ``demographics.csv`` or ``userProfiles.csv`` row applies to its user
        of the base too (a record of its own, by ``sourcedId``), and a
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
    # building the records allocates hundreds of thousands of tracked objects: the
    # collector would walk them again and again (restored, and they settled, after)
    try:
        with collector_paused(settle=True):
            # (a delta applied to a base merges records: the plain builder's)
            b = (RosterBuilder if base is not None else ColumnarBuilder)(
                source=str(path), format="oneroster", strict=strict,
                max_problems=limits.max_problems)
            b.notes.extend(bundle.notes)  # (a zip named otherwise, a zip in a zip)
            r = _Reader(bundle, b, limits)
            r.base = base
            if base is not None:  # (a delta's dicts are read again once it is applied)
                r.users.live_max = sys.maxsize
            for name, what in bundle.unreadable:  # (a link to nothing, a folder)
                if name.lower() in _ALL_FILES:
                    b.problem("missing_file", unreadable_message(name, what), file=name,
                              kind=FILE_KIND.get(name.lower()))
            read_manifest(r)
            if not any(n in r.bundle for n in ONEROSTER_FILES[1:]):
                raise SourceError("no OneRoster files found (expected manifest.csv, orgs.csv, "
                                  "academicSessions.csv, courses.csv, classes.csv, users.csv, "
                                  "enrollments.csv)", path=str(path))
            if "roles.csv" in r.bundle and not b.version:
                b.version = "1.2"
            read_orgs(r)
            if r.wanted("academicSessions.csv"):
                read_terms(r)
            if r.wanted("courses.csv"):
                read_courses(r)
            if r.wanted("classes.csv"):
                read_classes(r)
            if r.wanted("users.csv"):
                (plan_role_users if "roles.csv" in r.bundle else plan_users)(r)
                read_users(r)
            if "roles.csv" in r.bundle and r.wanted("roles.csv"):  # (as read_users asks)
                read_roles(r, merge_base_roles)
            # (pyarrow's allocator still holds the users.csv table, 0.9 GB at L with
            # extension columns: given back before the contacts are linked beside it)
            release_arrow_memory()
            keep_base_roles(r)
            keep_unplaced(r)
            tell_unnamed_agents(r)
            link_contacts(r)
            r.users.compact()  # (the holes the contacts read back left, before the parse)
            if r.wanted("enrollments.csv"):
                read_enrollments(r)
            if r.wanted("demographics.csv"):
                plan_demographics(r)
                read_demographics(r)
            if r.wanted("userProfiles.csv"):
                read_user_profiles(r)
            r.users.compact()
            release_arrow_memory()
            release_heap()  # (the enrollments' dicts and the demographics' table)
            r.tell_statuses()
            r.finish()
            if not b.version:
                b.version = "1.1"
            if base is not None:
                gone = match_deletions(r, base)
                return apply_delta(base, b.build(), r, gone)
            # (the reader's ids, lines and aliases, hundreds of MB at L, go before the
            # builder's columns are made)
            del r
            return b.build()
    finally:
        bundle.close()
