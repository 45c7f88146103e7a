"""OneRoster REST records → OneRoster CSV rows (so one mapping serves both).

The REST binding and the CSV binding of OneRoster carry the same fields; REST
nests references (``{"sourcedId": ..., "type": ..., "href": ...}``) and lists
where CSV has ``...SourcedId`` columns and comma-separated cells. This module
flattens REST records into the CSV rows of the bundle files, which are then
read by the one OneRoster reader (:func:`rostergraph.io.oneroster.read_oneroster`).
A record fetched over REST therefore becomes exactly the rostergraph record
the same record gives when read from a CSV export.

======================== ==========================================================
REST                     CSV column
======================== ==========================================================
``parent``               ``parentSourcedId``
``org``                  ``orgSourcedId``
``schoolYear`` (course)  ``schoolYearSourcedId``
``course``               ``courseSourcedId``
``school``               ``schoolSourcedId``
``terms``                ``termSourcedIds``
``user`` / ``class``     ``userSourcedId`` / ``classSourcedId``
``orgs`` / ``agents``    ``orgSourcedIds`` / ``agentSourcedIds``
``primaryOrg``           ``primaryOrgSourcedId``
``resources``            ``resourceSourcedIds``
``userIds``              ``userIds`` as ``{type:identifier},...``
``preferredFirstName``   ``preferredGivenName`` (and ``preferredLastName`` →
                         ``preferredFamilyName``)
``roles`` (1.2 users)    rows of ``roles.csv`` (``userSourcedId``, ``roleType``,
                         ``role``, ``orgSourcedId``, ``beginDate``, ``endDate``,
                         ``userProfileSourcedId``)
``metadata`` object      one ``metadata.<key>`` column per key
lists of strings         comma-separated cells (numbers in a list too)
an id or grade with a    left out of its cell (no CSV list can hold it: the reader
comma in a list          would split it into other items); the row's lists as sent go
                         in ``metadata.rostergraph.lists`` as JSON, which loading keeps
                         in extra and tells as a problem (a user's org so sent
                         still places the user at that org when there is one)
``true`` / ``false``     ``true`` / ``false``
======================== ==========================================================

Never kept: ``password`` or any other key named as a credential (``api_token``, a
``metadata`` ``client_secret``: the CSV readers' test), ``userProfiles`` (login
credentials of other applications) and ``children`` (the inverse of ``parent``). Any
other nested value becomes JSON text in its column.

Examples
--------
>>> rows = rest_to_rows("classes", [{"sourcedId": "c1", "title": "Math",
...     "course": {"sourcedId": "k1", "type": "course"},
...     "terms": [{"sourcedId": "t1"}, {"sourcedId": "t2"}], "periods": ["1", "2"]}])
>>> rows["classes"][0]["courseSourcedId"], rows["classes"][0]["termSourcedIds"]
('k1', 't1,t2')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..io.credentials import without_credentials as _no_credentials
from ..io.csv_rowchecks import is_secret_column
from ..io.oneroster_cols import LISTS_COLUMN
from ..safety import json_dumps

__all__ = ["CSV_FILES", "HEADERS", "flatten_record", "marked_deleted", "record_id",
           "rest_to_rows", "rows_to_csv", "without_credentials"]

#: The CSV file each REST collection becomes (1.2 users also give roles.csv).
CSV_FILES = {"orgs": "orgs.csv", "academicSessions": "academicSessions.csv",
             "courses": "courses.csv", "classes": "classes.csv", "users": "users.csv",
             "enrollments": "enrollments.csv", "demographics": "demographics.csv",
             "roles": "roles.csv"}

_COMMON = ["sourcedId", "status", "dateLastModified"]
#: The specification's column order per file (other columns follow, sorted).
HEADERS: dict[str, list[str]] = {
    "orgs": [*_COMMON, "name", "type", "identifier", "parentSourcedId"],
    "academicSessions": [*_COMMON, "title", "type", "startDate", "endDate", "parentSourcedId",
                         "schoolYear"],
    "courses": [*_COMMON, "schoolYearSourcedId", "title", "courseCode", "grades",
                "orgSourcedId", "subjects", "subjectCodes"],
    "classes": [*_COMMON, "title", "grades", "courseSourcedId", "classCode", "classType",
                "location", "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes",
                "periods"],
    "users": [*_COMMON, "enabledUser", "orgSourcedIds", "role", "username", "userIds",
              "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone",
              "agentSourcedIds", "grades"],
    "roles": [*_COMMON, "userSourcedId", "roleType", "role", "beginDate", "endDate",
              "orgSourcedId", "userProfileSourcedId"],
    "enrollments": [*_COMMON, "classSourcedId", "schoolSourcedId", "userSourcedId", "role",
                    "primary", "beginDate", "endDate"],
    "demographics": [*_COMMON, "birthDate", "sex", "americanIndianOrAlaskaNative", "asian",
                     "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white",
                     "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity",
                     "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
                     "publicSchoolResidenceStatus"],
}

_REF_ONE = {"parent": "parentSourcedId", "org": "orgSourcedId", "course": "courseSourcedId",
            "school": "schoolSourcedId", "user": "userSourcedId", "class": "classSourcedId",
            "primaryOrg": "primaryOrgSourcedId", "userProfile": "userProfileSourcedId"}
_REF_MANY = {"terms": "termSourcedIds", "orgs": "orgSourcedIds", "agents": "agentSourcedIds",
             "resources": "resourceSourcedIds"}
_RENAMED = {"preferredFirstName": "preferredGivenName",
            "preferredLastName": "preferredFamilyName"}
_NEVER = {"userProfiles", "children"}  # (and every credential: ``is_secret_column``)


def record_id(record: Mapping[str, Any]) -> str | None:
    """A REST record's ``sourcedId`` as text (a whole number as its digits), or ``None``
    when it has none.

    Examples
    --------
    >>> record_id({"sourcedId": "u1"}), record_id({"sourcedId": 42}), record_id({})
    ('u1', '42', None)
    """
    sid = _ref(record.get("sourcedId"))
    return sid or None


def marked_deleted(record: Mapping[str, Any]) -> bool:
    """Whether a REST record's ``status`` is ``tobedeleted`` (in any case): a record the
    server still sends but has deleted.

    Examples
    --------
    >>> marked_deleted({"status": "toBeDeleted"}), marked_deleted({"status": None})
    (True, False)
    """
    return str(record.get("status") or "").lower() == "tobedeleted"


def without_credentials(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record without ``userProfiles`` and any key named as a credential (``password``,
    a vendor's ``api_token``, a ``metadata`` ``client_secret``: the CSV readers' test, at
    any depth), never stored anywhere.

    Examples
    --------
    >>> without_credentials({"sourcedId": "u1", "password": "hunter2",
    ...                      "metadata": {"api_token": "t", "bus": "7"}})
    {'sourcedId': 'u1', 'metadata': {'bus': '7'}}
    """
    return {k: v for k, v in _no_credentials(record).items() if k != "userProfiles"}


def _cell(value: Any) -> str | None:
    """A scalar or list as CSV cell text (``None`` for absent)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    items = _scalar_items(value)
    if items is not None:
        return ",".join(items)
    return json_dumps(value)


def _scalar_items(value: Any) -> list[str] | None:
    """A list of strings and numbers as its items' text (numbers where the binding has
    strings, ``"grades": [9, 10]``, are cells too); ``None`` for anything else."""
    if isinstance(value, list) and all(isinstance(v, (str, int, float))
                                       and not isinstance(v, bool) for v in value):
        return [v if isinstance(v, str) else str(v) for v in value]
    return None


def _comma_items(value: Any) -> list[str] | None:
    """The items of a list ``_cell`` joins with commas, as text, when one of them holds a
    comma itself (no OneRoster CSV list cell can hold it); ``None`` otherwise."""
    items = _scalar_items(value)
    return items if items is not None and any("," in v for v in items) else None


def _ref(value: Any) -> str | None:
    """The sourcedId of a GUIDRef (or a bare id string); a whole number as its text
    (``{"sourcedId": 42}``: ids are strings in OneRoster, and CSV has no numbers)."""
    if isinstance(value, Mapping):
        value = value.get("sourcedId")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def _user_ids(value: Any) -> str | None:
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, Mapping):
                parts.append(f"{{{item.get('type', '')}:{item.get('identifier', '')}}}")
            elif isinstance(item, str):
                parts.append(item)
        return ",".join(parts)
    return _cell(value)


def flatten_record(endpoint: str, record: Mapping[str, Any]) -> dict[str, str]:
    """One REST record as one CSV row of its file (1.2 user roles excluded).

    Examples
    --------
    >>> flatten_record("orgs", {"sourcedId": "s1", "name": "High", "type": "school",
    ...                         "parent": {"sourcedId": "d1", "type": "org"},
    ...                         "metadata": {"nces": "123"}})
    {'sourcedId': 's1', 'name': 'High', 'type': 'school', 'parentSourcedId': 'd1', 'metadata.nces': '123'}
    """
    row: dict[str, str] = {}
    lists: dict[str, list[str]] = {}  # (column → the items as sent, when one has a comma)
    for key, value in record.items():
        if key in _NEVER or value is None or is_secret_column(key):
            continue
        if endpoint == "users" and key == "roles" and isinstance(value, list):
            continue  # roles.csv
        if endpoint == "courses" and key == "schoolYear":
            col, text = "schoolYearSourcedId", _ref(value)
        elif key in _REF_ONE and (isinstance(value, Mapping) or key in ("user", "class")):
            col, text = _REF_ONE[key], _ref(value)
        elif key in _REF_MANY and isinstance(value, (list, Mapping)):
            col = _REF_MANY[key]  # (one GUIDRef where a list belongs: a list of one)
            ids = [s for s in (_ref(v) for v in (
                value if isinstance(value, list) else [value])) if s]
            if any("," in s for s in ids):
                lists[col] = ids
            text = ",".join(s for s in ids if "," not in s)
        elif key == "userIds":
            col, text = key, _user_ids(value)
        elif key == "metadata" and isinstance(value, Mapping):
            for mk, mv in _no_credentials(value).items():
                mtext = _cell(mv)
                if mtext is not None:
                    row[f"metadata.{mk}"] = mtext
            continue
        else:
            col, text = _RENAMED.get(key, key), _cell(value)
            # (grades, as ids, are read item by item; subjects and periods whole)
            items = _comma_items(value) if key == "grades" else None
            if items is not None:
                lists[col] = items
                text = ",".join(v for v in items if "," not in v)
        if text is not None:
            row[col] = text
    if lists:  # (kept whole, as the OneRoster writer carries what a cell cannot hold)
        row[LISTS_COLUMN] = json_dumps(lists)
    return row


def _role_rows(user: Mapping[str, Any]) -> list[dict[str, str]]:
    roles = user.get("roles")
    if not isinstance(roles, list):
        return []
    uid = user.get("sourcedId")
    out = []
    for i, role in enumerate(roles):
        if not isinstance(role, Mapping):
            continue
        row = flatten_record("roles", {k: v for k, v in role.items() if k != "user"})
        row.setdefault("sourcedId", f"{uid}-role-{i + 1}")
        row["userSourcedId"] = str(uid)
        out.append(row)
    return out


def rest_to_rows(endpoint: str, records: Iterable[Mapping[str, Any]]
                 ) -> dict[str, list[dict[str, str]]]:
    """The CSV rows of a collection's records: ``file key → rows``.

    ``users`` with a ``roles`` array (OneRoster 1.2) give ``roles`` rows too.

    Examples
    --------
    >>> out = rest_to_rows("users", [{"sourcedId": "u1", "givenName": "A",
    ...     "roles": [{"roleType": "primary", "role": "teacher", "org": {"sourcedId": "s1"}}]}])
    >>> out["roles"]
    [{'roleType': 'primary', 'role': 'teacher', 'orgSourcedId': 's1', 'sourcedId': 'u1-role-1', 'userSourcedId': 'u1'}]
    """
    out: dict[str, list[dict[str, str]]] = {endpoint: []}
    for rec in records:
        out[endpoint].append(flatten_record(endpoint, rec))
        if endpoint == "users" and isinstance(rec.get("roles"), list):
            out.setdefault("roles", []).extend(_role_rows(rec))
    return out


def rows_to_csv(file_key: str, rows: list[dict[str, str]]) -> list[list[str | None]]:
    """Rows → a table (header first): the specification's columns, then the rest sorted.

    Columns the specification lists are written even when no row has them
    (empty cells), as the CSV binding asks.

    Examples
    --------
    >>> rows_to_csv("orgs", [{"sourcedId": "d1", "name": "D", "type": "district", "x": "1"}])[0]
    ['sourcedId', 'status', 'dateLastModified', 'name', 'type', 'identifier', 'parentSourcedId', 'x']
    """
    base = list(HEADERS.get(file_key, ["sourcedId"]))
    if file_key == "users" and rows and not any("role" in r for r in rows):
        base = [c for c in base if c not in ("role", "orgSourcedIds")]  # 1.2: in roles.csv
    known = set(base)
    extra = sorted({c for r in rows for c in r if c not in known})
    header = base + extra
    table: list[list[str | None]] = [list(header)]
    table += [[r.get(c) for c in header] for r in rows]
    return table
