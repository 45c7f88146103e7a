"""The names shared by the OneRoster CSV reader and writer: the ``extra`` keys and
extension columns they agree on, the columns of the 1EdTech OneRoster v1.1 and v1.2 CSV
Bindings, and how the reader matches a cell spelt in another case."""

from __future__ import annotations

import difflib
import re
from collections.abc import Container, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import orjson

from .csvcells import split_ids, visible
from .enrollcols import OTHER_ROLES_KEY, canonical_role
from .mapping import CARRY_KEY

__all__ = ["CARRY_COLUMN", "DEMOGRAPHICS_PREFIX", "DEMOGRAPHIC_FIELDS", "ENROLLMENT_IDS_KEY",
           "LISTS_COLUMN", "OLD_COLUMNS", "ONEROSTER_FILES", "ONLY_12_FILES", "OR12_STAFF_ROLES",
           "ORG_TYPES", "PLACING_ROLES", "PREFIX", "PROFILES_KEY", "RACE_COLUMNS", "ROLES_KEY",
           "SEX_VALUES", "SPEC_COLUMNS", "STATUSES", "USER_ID_COLUMN", "WRITER_DEFAULTS",
           "StatusTally", "before_12", "enrollment_order", "is_boolean", "is_true",
           "kept_district", "kept_enrollment_ids", "kept_role_row", "line_array", "listed_ids",
           "lists_message", "manifest_property", "missing_columns", "org_type",
           "primary_no_boolean", "rename_message", "role_row_ids", "role_values", "spec_renames",
           "staff_role_tokens", "usable_role_rows"]

#: the prefix of the ``extra`` keys of OneRoster columns Clever has no field for
PREFIX = "oneroster."
#: the extension column of the Clever fields OneRoster has no column for (JSON)
CARRY_COLUMN = "metadata." + CARRY_KEY
#: the extension column that joins a 1.1 multi-role user's rows into one user
USER_ID_COLUMN = "metadata.rostergraph.userId"
#: the extension column of a row's lists whose items a OneRoster CSV list cell cannot hold
#: (an item with a comma: the cell's items are separated by commas), as JSON
#: ``{column: [items]}``; the cell holds the other items (see ``oneroster.rows``)
LISTS_COLUMN = "metadata.rostergraph.lists"
#: the ``extra`` key prefix of the ``demographics.csv`` cells no Clever field holds
DEMOGRAPHICS_PREFIX = PREFIX + "demographics."
#: a student role's fields that ``demographics.csv`` gives (its other cells: extra keys)
DEMOGRAPHIC_FIELDS = ("dob", "gender", "race", "hispanic_ethnicity")
#: the ``extra`` key of a user's 1.2 ``userProfiles.csv`` rows (a list)
PROFILES_KEY = PREFIX + "userProfiles"
#: the ``extra`` key of a user's 1.2 ``roles.csv`` rows that say more than its Clever roles
#: (a list of rows, in file order: :func:`kept_role_row`)
ROLES_KEY = PREFIX + "roles"
#: the ``extra`` key of a section's enrollment ``sourcedId`` s: ``{role: {user: id}}``, those
#: that are not the id the writer would make up (:func:`kept_enrollment_ids`)
ENROLLMENT_IDS_KEY = PREFIX + "enrollmentIds"


def is_true(v: str | None) -> bool:
    """Whether a OneRoster boolean cell says true (``true``, ``1``, ``yes``, any case)."""
    return (v or "").strip().lower() in ("true", "1", "yes")


def is_boolean(v: str | None) -> bool:
    """Whether a OneRoster boolean cell is empty or says true or false (``true``/``false``,
    ``1``/``0``, ``yes``/``no``, any case, spaces around it).

    Examples
    --------
    >>> is_boolean(" FALSE"), is_boolean(""), is_boolean("Y")
    (True, True, False)
    """
    return (v or "").strip().lower() in ("", "true", "false", "1", "0", "yes", "no")


def primary_no_boolean(rows: int, line: int, values: list[str]) -> str:
    """The message for ``rows`` rows of ``enrollments.csv``, the first at ``line``, whose
    ``primary`` cell (``values``: the distinct ones, in file order) is no boolean."""
    shown = ", ".join(map(repr, values[:5])) + (", ..." if len(values) > 5 else "")
    return (f"{rows:,} row{'s' if rows != 1 else ''} of enrollments.csv (line {line}"
            + (f" and {rows - 1:,} more" if rows > 1 else "")
            + f") {'hold' if rows != 1 else 'holds'} a primary cell that "
            f"is no boolean ({shown}): read as not primary (OneRoster writes true or false)")


#: The column names of the 1EdTech OneRoster v1.1 and v1.2 CSV bindings (the files read).
SPEC_COLUMNS = {c.lower(): c for c in (
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


#: A Clever student's ``race`` → the ``demographics.csv`` column that says it (``true``).
RACE_COLUMNS = {"American Indian": "americanIndianOrAlaskaNative", "Asian": "asian",
                "Black or African American": "blackOrAfricanAmerican",
                "Hawaiian or Other Pacific Islander": "nativeHawaiianOrOtherPacificIslander",
                "Caucasian": "white", "Two or More Races": "demographicRaceTwoOrMoreRaces"}
#: A Clever student's ``gender`` → ``demographics.csv``'s ``sex``.
SEX_VALUES = {"M": "male", "F": "female", "X": "other"}


#: OneRoster's org types (1.1 and 1.2), by their lowercase spelling
ORG_TYPES = {t.lower(): t for t in ("district", "school", "department", "local", "state",
                                     "national")}


#: The files the reader reads that OneRoster 1.2 added (the 1.1 CSV tables have neither).
#: The files this reader reads, in reading order.
ONEROSTER_FILES = ("manifest.csv", "orgs.csv", "academicSessions.csv", "courses.csv",
                   "classes.csv", "users.csv", "roles.csv", "enrollments.csv",
                   "demographics.csv", "userProfiles.csv")
ONLY_12_FILES = ("roles.csv", "userProfiles.csv")

#: Values the writer fills in when a record has none (not kept in extra on read).
WRITER_DEFAULTS = {"enabledUser": "true", "classType": "scheduled", "type": "term"}


def before_12(version: str) -> bool:
    """Whether a manifest's ``oneroster.version`` names a version before 1.2 (``1.0``,
    ``1.1``, ``v1.1``, ``1.1.0``); text that names no version is not.

    Examples
    --------
    >>> before_12("1.1"), before_12("v1.0"), before_12("1.2"), before_12("1.10"), before_12("x")
    (True, True, False, False, False)
    """
    m = re.match(r"\s*[vV]?(\d{1,9})\.(\d{1,9})", version, re.ASCII)
    return m is not None and (int(m[1]), int(m[2])) < (1, 2)


def manifest_property(prop: str, value: str) -> str:
    """A manifest property the reader does not keep, as its note names it (the value cut
    at 60 characters: a vendor's text is no place for more).

    Examples
    --------
    >>> manifest_property("source.systemName", "PowerSchool")
    "source.systemName='PowerSchool'"
    """
    shown = value if len(value) <= 60 else value[:60] + "…"
    return f"{prop}={shown!r}"


def org_type(value: str | None) -> str:
    """An org's ``type`` as the spec spells it when it names one in another case
    (``"School"`` → ``"school"``), else stripped as it is."""
    typ = (value or "").strip()
    return ORG_TYPES.get(typ.lower(), typ)


#: rostergraph's own extension columns, matched as the spec's columns are (a header that
#: spells ``metadata.rostergraph.userId`` otherwise would split multi-role users silently)
_OWN_COLUMNS = {c.lower(): c for c in (CARRY_COLUMN, USER_ID_COLUMN)}


#: OneRoster 1.0's names of columns 1.1 renamed, by file (an export that kept them under a
#: 1.1 manifest): lowercase 1.0 name → the 1.1 column. (1.0's ``userSourcedId`` and
#: ``birthdate`` of demographics.csv are read as they are.)
OLD_COLUMNS = {
    "users.csv": {"agents": "agentSourcedIds", "userid": "userIds", "grade": "grades"},
    "classes.csv": {"grade": "grades", "termsourcedid": "termSourcedIds"},
    "courses.csv": {"grade": "grades", "schoolyearid": "schoolYearSourcedId"},
}


def spec_renames(header: list[str], name: str | None = None) -> dict[str, str]:
    """Header names that are a OneRoster column's (or one of rostergraph's extension
    columns) in another case, with spaces around (``" SourcedID"``) or with characters
    one cannot see (:func:`~rostergraph.io.csvcells.visible`), or, in file
    ``name``, OneRoster 1.0's name of the column (:data:`OLD_COLUMNS`) → the spec's
    spelling; none that would repeat a column.

    Examples
    --------
    >>> spec_renames([" SourcedId", "agents", "grades"], "users.csv")
    {' SourcedId': 'sourcedId', 'agents': 'agentSourcedIds'}
    """
    out: dict[str, str] = {}
    taken = set(header)
    old = OLD_COLUMNS.get(name or "", {})
    for h in header:
        key = visible(h).strip().lower()
        want = SPEC_COLUMNS.get(key) or _OWN_COLUMNS.get(key) or old.get(key)
        if want is not None and want != h and want not in taken:
            out[h] = want
            taken.add(want)
    return out


#: The columns the OneRoster 1.1 and 1.2 CSV specifications require that place or link a
#: file's records (or, the manifest's, say how to read the files): without one, every row
#: reads as if its cell were empty (users and classes at no school, which no other
#: problem or rule would tell).
_LINK_COLUMNS = {
    "manifest.csv": ("propertyName", "value"),  # (else each file is "without a row")
    "orgs.csv": ("type",),
    "classes.csv": ("schoolSourcedId",),
    "users.csv": ("orgSourcedIds",),  # (1.1's: see missing_columns)
    "enrollments.csv": ("classSourcedId", "userSourcedId", "role"),
    "roles.csv": ("userSourcedId", "role", "orgSourcedId"),
}


def missing_columns(name: str, header: list[str], roles_file: bool) -> list[tuple[str, str]]:
    """The placing columns (:data:`_LINK_COLUMNS`) file ``name``'s ``header`` (its names
    respelt as the spec's) lacks, each with its problem's message (naming a header name
    spelt much like it: ``orgSourcedId`` for ``orgSourcedIds``). A users.csv is 1.1's (has
    orgs) when it has a ``role`` column and the bundle no roles.csv (``roles_file``).

    Examples
    --------
    >>> missing_columns("users.csv", ["sourcedId", "role", "orgSourcedId"], False)[0][1][:57]
    'users.csv has no orgSourcedIds column (the OneRoster CSV '
    >>> missing_columns("users.csv", ["sourcedId", "username"], False)
    []
    """
    if name == "users.csv" and ("role" not in header or roles_file):
        return []
    out = []
    lower = {h.lower(): h for h in header}
    for col in _LINK_COLUMNS.get(name, ()):
        if col in header:
            continue
        like = difflib.get_close_matches(col.lower(), list(lower), 1, 0.85)
        kept = "" if name == "manifest.csv" else " (kept in extra as any other column)"
        hint = f"; its column {lower[like[0]][:80]!r}{kept} may be that one" if like else ""
        message = (f"{name} has no {col} column (the OneRoster CSV specification requires "
                   f"it): its rows are read as if their {col} cells were empty{hint}")
        out.append((col, message))
    return out


def lists_message(cell: str) -> str:
    """The problem of a row whose :data:`LISTS_COLUMN` cell is ``cell`` (a OneRoster REST
    dump's row with list items a CSV cell cannot hold), naming its columns.

    Examples
    --------
    >>> lists_message('{"grades": ["K,1"]}')[:46]
    'grades: a list item holds a comma, which no On'
    """
    try:
        got = orjson.loads(cell)
    except orjson.JSONDecodeError:
        got = None
    cols = ", ".join(map(str, got)) if isinstance(got, dict) and got else "lists"
    return (f"{cols}: a list item holds a comma, which no OneRoster CSV list cell can hold "
            "(its items are separated by commas): such items are not in the cell; the "
            f"lists as sent are kept in extra {PREFIX + LISTS_COLUMN!r}")


def listed_ids(row: Mapping[str, str], column: str, known: Container[str]) -> list[str]:
    """The ids of list column ``column`` of a OneRoster row (:func:`split_ids`); for a
    REST dump's row whose :data:`LISTS_COLUMN` keeps that list as sent, its items in the
    order sent, an item holding a comma (no CSV list cell can hold it) among them when it
    names a ``known`` record. A CSV export's cell is split at its commas, as the OneRoster
    CSV binding separates a list's items, and so is a cell that no longer holds the list's
    other items (edited after the dump was written).

    Examples
    --------
    >>> row = {"orgSourcedIds": "s2", LISTS_COLUMN: '{"orgSourcedIds": ["s,1", "s2", "x,9"]}'}
    >>> listed_ids(row, "orgSourcedIds", {"s,1", "s2"})
    ['s,1', 's2']
    >>> listed_ids({"orgSourcedIds": "s,1"}, "orgSourcedIds", {"s,1"})
    ['s', '1']
    """
    ids = split_ids(row.get(column), known)
    cell = row.get(LISTS_COLUMN)
    if not cell:
        return ids
    try:
        lists = orjson.loads(cell)
    except orjson.JSONDecodeError:
        return ids
    sent = lists.get(column) if isinstance(lists, dict) else None
    if not isinstance(sent, list) or not all(isinstance(i, str) for i in sent) or (
            ",".join(i for i in sent if "," not in i) != (row.get(column) or "")):
        return ids
    out: list[str] = []
    for item in sent:
        if "," not in item:
            out += split_ids(item, known)
        elif item in known:
            out.append(item)
    return out


def rename_message(got: str, want: str) -> str:
    """The problem's message for header name ``got`` read as column ``want``
    (:func:`spec_renames`)."""
    if visible(got).strip().lower() == want.lower():
        return (f"column {got!r} read as {want!r} (OneRoster column names are matched "
                "ignoring case and surrounding spaces" + (
                    "; the name holds characters one cannot see or full-width letters)"
                    if visible(got) != got else ")"))
    return (f"column {got!r} read as {want!r} ({got.strip()!r} is OneRoster 1.0's name of "
            f"the column 1.1 calls {want!r})")


def enrollment_order(students: Iterable[str] | None, teachers: Iterable[str] | None,
                     extra: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(role, user)`` of a section's enrollments in the order the writer writes them (the
    ``n`` of a made-up id ``<class>:<n>`` is the position, from 1): students, teachers,
    then the other roles kept in ``extra`` (:data:`OTHER_ROLES_KEY` + role), each user of
    a role once."""
    out = [("student", u) for u in dict.fromkeys(students or ())]
    out += [("teacher", u) for u in dict.fromkeys(teachers or ())]
    for key, users in extra.items():
        other = key[len(OTHER_ROLES_KEY):] if key.startswith(OTHER_ROLES_KEY) else ""
        if other and isinstance(users, list) and users and all(
                isinstance(u, str) and u for u in users):
            out += [(other, u) for u in dict.fromkeys(users)]
    return out


def kept_enrollment_ids(cid: str, ids: Mapping[str, Mapping[str, str]],
                        order: list[tuple[str, str]]) -> dict[str, dict[str, str]]:
    """The enrollment ids ``ids`` (``{role: {user: id}}``) of class ``cid`` but those the
    writer would make up (``<cid>:<n>``, ``order`` as :func:`enrollment_order` gives it):
    what a section keeps in :data:`ENROLLMENT_IDS_KEY`."""
    made = {(role, uid): f"{cid}:{n}" for n, (role, uid) in enumerate(order, 1)}
    out: dict[str, dict[str, str]] = {}
    for role, users in ids.items():
        for uid, eid in users.items():
            if made.get((role, uid)) != eid:
                out.setdefault(role, {})[uid] = eid
    return out


#: roles.csv columns a Clever role holds (any other cell: the row is kept, see below)
_ROLE_ROW_READ = frozenset({"userSourcedId", "roleType", "role", "orgSourcedId"})


def kept_role_row(row: Mapping[str, str]) -> dict[str, str] | None:
    """What a user keeps in ``extra[ROLES_KEY]`` of a 1.2 ``roles.csv`` row: the row whole
    (but ``userSourcedId`` and empty cells) when it has a cell a Clever role cannot hold
    (``beginDate``, ``endDate``, ``userProfileSourcedId``, a ``metadata.*`` column,
    ``status``, ``dateLastModified``, a ``sourcedId`` other than one rostergraph makes up,
    ``<user>:role:<n>``); ``None`` otherwise.

    Examples
    --------
    >>> kept_role_row({"sourcedId": "u1:role:1", "userSourcedId": "u1", "role": "student"})
    >>> kept_role_row({"sourcedId": "r9", "userSourcedId": "u1", "role": "student"})
    {'sourcedId': 'r9', 'role': 'student'}
    """
    uid = row.get("userSourcedId") or ""
    for k, v in row.items():
        if v and k not in _ROLE_ROW_READ and not (k == "sourcedId" and _made_up_role_id(v, uid)):
            return {k: v for k, v in row.items() if v != "" and k != "userSourcedId"}
    return None


def role_row_ids(uid: str, grants: Sequence[tuple[str, str]], kept: Any
                 ) -> list[tuple[str, dict[str, str] | None]]:
    """The ``sourcedId`` of each 1.2 ``roles.csv`` row of user ``uid``, one per ``(role,
    org)`` of ``grants`` in the order written (the first ``primary``), with the row of the
    source kept for that role and org in ``extra`` (``kept``: :data:`ROLES_KEY`'s value),
    which gives the row its other cells (``None``: none). A kept row's ``sourcedId`` is the
    row's; else the id is made up, ``<user>:role:<n>`` (``n`` its place), never one a kept
    row has (then one past every row's number). Kept rows are used only when every one is
    a dict of texts (anything else is carried as it is). The writer writes these ids and
    a delta read with a base names the base's rows by them.

    >>> role_row_ids("u1", [("teacher", "s1"), ("teacher", "s2")],
    ...              [{"sourcedId": "u1:role:1", "role": "teacher", "orgSourcedId": "s2"}])
    [('u1:role:3', None), ('u1:role:1', {'sourcedId': 'u1:role:1', 'role': 'teacher', \
'orgSourcedId': 's2'})]
    """
    kept = usable_role_rows(kept)
    unused = list(kept)
    taken = {k.get("sourcedId") for k in kept}
    spare = len(grants)  # (a made-up id a kept row has: one past every row's number)
    out: list[tuple[str, dict[str, str] | None]] = []
    for i, (role, org) in enumerate(grants):
        made = f"{uid}:role:{i + 1}"
        while made in taken:  # (never one id twice: the reader keeps the first row only)
            spare += 1
            made = f"{uid}:role:{spare}"
        src = next((k for k in unused if canonical_role(k.get("role") or "") == role
                    and (k.get("orgSourcedId") or "") == org), None)
        if src is not None:
            unused.remove(src)
            made = src.get("sourcedId") or made
        out.append((made, src))
    return out


def kept_district(kept: Any, district: str | None, roles: Iterable[str]) -> list[str]:
    """``[district]`` when a user's kept 1.2 ``roles.csv`` rows (``kept``: :data:`ROLES_KEY`'s
    value) grant one of ``roles`` at its district (a student's, teacher's or staff member's
    role there places it at no school: only that row says the org); else ``[]``.

    >>> kept_district([{"role": "Teacher", "orgSourcedId": "d1"}], "d1", ("teacher",))
    ['d1']
    """
    if district and any(canonical_role(k.get("role") or "") in roles
                        and k.get("orgSourcedId") == district for k in usable_role_rows(kept)):
        return [district]
    return []


def usable_role_rows(kept: Any) -> list[dict[str, str]]:
    """A user's kept ``roles.csv`` rows (``extra[ROLES_KEY]``) as the writer writes them
    back: a list of dicts of texts; anything else is none (carried as it is)."""
    if isinstance(kept, list) and all(isinstance(k, dict) and all(
            isinstance(v, str) for v in k.values()) for k in kept):
        return kept
    return []


#: the 1.2 roles a staff record's ``roles`` may hold (``siteAdministrator`` when none)
OR12_STAFF_ROLES = ("aide", "counselor", "principal", "proctor", "siteAdministrator")
#: the 1.2 roles that place a user at schools (at a district org: at none of them)
PLACING_ROLES = frozenset({"student", "teacher", *OR12_STAFF_ROLES})


def role_values(given: Iterable[str] | None, values: tuple[str, ...]) -> list[str]:
    """The role ``values`` among a staff record's ``roles`` (``given``), matched ignoring
    case (a Clever SFTP ``Role`` of ``Aide``), each once, in order.

    >>> role_values(["Aide", "Coach", "aide", "PROCTOR"], ("aide", "proctor"))
    ['aide', 'proctor']
    """
    by_case = {v.lower(): v for v in values}
    return list(dict.fromkeys(by_case[t.lower()] for t in given or () if t.lower() in by_case))


def staff_role_tokens(given: Iterable[str] | None) -> list[str]:
    """The 1.2 roles a staff record whose ``roles`` are ``given`` is written with, a row
    per role and school: its 1.2 role values (:func:`role_values`), else
    ``siteAdministrator``.

    >>> staff_role_tokens(["Aide", "coach", "aide"]), staff_role_tokens(None)
    (['aide'], ['siteAdministrator'])
    """
    return role_values(given, OR12_STAFF_ROLES) or ["siteAdministrator"]


def line_array(lines: Sequence[int]) -> np.ndarray:
    """A table's line numbers (``CsvTable.lines``) as an ``int64`` array; a file pyarrow
    parsed has a ``range``, made whole at once rather than number by number (2M lines:
    0.1 s), or a :class:`~rostergraph.io.csv_records.RowLines` (its array).

    >>> line_array(range(2, 5)).tolist(), line_array([2, 4]).tolist()
    ([2, 3, 4], [2, 4])
    """
    if isinstance(lines, range):
        return np.arange(lines.start, lines.stop, lines.step, dtype=np.int64)
    return np.asarray(lines, dtype=np.int64)


def _made_up_role_id(sid: str, uid: str) -> bool:
    """Whether ``sid`` is a role row id rostergraph makes up for user ``uid``: the writer's
    ``<user>:role:<n>``, or ``<user>-role-<n>`` of a REST dump (a 1.2 role object has no
    ``sourcedId``)."""
    for sep in (":", "-"):
        made = f"{uid}{sep}role{sep}"
        if sid.startswith(made) and sid[len(made):].isdigit():
            return True
    return False


#: The ``status`` values of the OneRoster CSV specifications (``active``, ``tobedeleted``;
#: 1.0's ``inactive``) as the reader compares them, trimmed and in lower case; an empty
#: cell is active.
STATUSES = frozenset({"", "active", "tobedeleted", "inactive"})


class StatusTally:
    """The rows of one file whose ``status`` is none of :data:`STATUSES`: counted by value,
    the first one's line kept, told as one problem (:meth:`message`). They are read as
    active, as an empty status is.

    Examples
    --------
    >>> tally = StatusTally()
    >>> tally.add("deleted", 3)
    >>> tally.add("Deleted ", 9)
    >>> tally.first, tally.message()[:60]
    (3, "2 rows (this line the first) have a status OneRoster's CSV s")
    """

    __slots__ = ("counts", "first")

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.first: int | None = None

    def add(self, value: str, line: int | None, rows: int = 1) -> None:
        """Count ``rows`` rows of status ``value`` (``line``: the first of them)."""
        self.counts[value] = self.counts.get(value, 0) + rows
        if self.first is None or (line is not None and line < self.first):
            self.first = line

    @classmethod
    def of_column(cls, codes: Any, values: list[str], lines: Any) -> StatusTally:
        """The tally of a whole ``status`` column given encoded (``codes`` into its
        distinct ``values``; ``lines``: each row's line), with no ``str`` per row."""
        tally = cls()
        for k, v in enumerate(values):
            if v.strip().lower() not in STATUSES:
                at = np.flatnonzero(np.asarray(codes) == k)
                if len(at):
                    first = int(at[0])
                    tally.add(v, lines[first] if first < len(lines) else None, len(at))
        return tally

    def message(self) -> str:
        """The problem's message (the values are codes, never people's data)."""
        n = sum(self.counts.values())
        shown = ", ".join(repr(v[:40]) for v in list(self.counts)[:5])
        return (f"{n:,} row{'s' if n != 1 else ''} (this line the first) have a status "
                "OneRoster's CSV specifications do not know (active, tobedeleted; 1.0's "
                f"inactive): {shown}{', ...' if len(self.counts) > 5 else ''}; read as "
                "active: a deletion the export spells otherwise is still loaded")
