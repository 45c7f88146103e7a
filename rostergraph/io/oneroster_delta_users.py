"""A OneRoster delta's ``status=tobedeleted`` rows of the per-user files, applied to a base
roster (``read_oneroster(..., base=)``): ``demographics.csv``, 1.2 ``roles.csv`` and 1.2
``userProfiles.csv``.

The OneRoster 1.1 and 1.2 CSV bindings' delta semantics: a row so marked deletes the
record it names. A demographics row takes away what the user's demographics row gave it
(a student's fields on its student role, the other cells in ``extra``); a role row the
role it granted at its org (of a user the delta's ``roles.csv`` gives rows: that row,
:mod:`~rostergraph.io.oneroster_delta_roles`; the user's other roles stay; a user left with no role is kept,
as a 1.2 bulk load keeps a user no ``roles.csv`` row names: the ``users.csv`` cells the
role held, and a student's demographics, in ``extra``); a profile row that profile of the
user's ``extra["oneroster.userProfiles"]``. An id with spaces around it names the record
it is once they are ignored (a problem keeps the cell); a row naming nothing, or a
deletion the model cannot hold, is a problem saying what was not applied.

The ``users.csv`` rows of a 1.1 user written as several rows (one per role): a
tobedeleted one takes its role (:func:`role_row`), a re-sent one updates its role only
(:func:`with_base_rows`), each judged by the delta's rows after it (:func:`given_later`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from ..roster import Roster
from .csvutil import split_list
from .enrollcols import canonical_role, respelt_message
from .mapping import CEDS_TO_CLEVER, CLEVER_TO_CEDS
from .oneroster_cols import (
    DEMOGRAPHIC_FIELDS,
    DEMOGRAPHICS_PREFIX,
    PREFIX,
    PROFILES_KEY,
    RACE_COLUMNS,
    ROLES_KEY,
    SEX_VALUES,
    USER_ID_COLUMN,
)
from .oneroster_grants import (
    CONTACT_ROLES,
    DISTRICT_ADMIN_ROLES,
    STAFF_ROLES,
    base_role_rows,
    grants,
)

__all__ = ["UserDeletions", "apply_user_deletions", "given_later", "holds_role",
           "match_user_deletions", "role_row", "student_cells", "with_base_rows",
           "without_role"]


@attrs.define
class UserDeletions:
    """What the per-user files' tobedeleted rows delete, each with its row's line: the
    users whose demographics go, ``(line, user, role, org, role row id)`` of each role,
    and ``(line, user, profile id)`` of each profile; and of ``users.csv``'s: the ids of
    its tobedeleted rows that delete no user (``spared``: their positions among those
    rows; a later row of the delta gives the row or user again, or the row is one role of
    a user written as several rows, in ``row_roles`` as ``roles``' are)."""

    demographics: dict[str, int] = attrs.field(factory=dict)
    roles: list[tuple[int, str, str, str | None, str | None]] = attrs.field(factory=list)
    profiles: list[tuple[int, str, str]] = attrs.field(factory=list)
    spared: set[int] = attrs.field(factory=set)
    row_roles: list[tuple[int, str, str, str | None, str | None]] = attrs.field(factory=list)
    #: the lines of the rows of ``roles`` deleting a row of a user whose role rows the
    #: delta's ``roles.csv`` gives (already applied to those rows: a role deleted at an
    #: org may be granted there again by a row of another ``sourcedId``)
    merged: set[int] = attrs.field(factory=set)


def _extra(d: Mapping[str, Any], drop: Iterable[str] = (),
           add: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """``d`` without the keys ``drop``, with those of ``add`` it does not hold."""
    gone = set(drop)
    out = {k: v for k, v in d.items() if k not in gone}
    for k, v in (add or {}).items():
        out.setdefault(k, v)
    return MappingProxyType(out)


def _demographic_keys(extra: Mapping[str, Any]) -> list[str]:
    return [k for k in extra if k.startswith(DEMOGRAPHICS_PREFIX)]


def _has_demographics(user: Any) -> bool:
    st = user.roles.student
    return bool(_demographic_keys(user.extra)) or (st is not None and (
        any(getattr(st, f) is not None for f in DEMOGRAPHIC_FIELDS)
        or bool(_demographic_keys(st.extra))))


def _without_demographics(user: Any) -> Any:
    """``user`` without what a demographics row gave it."""
    st = user.roles.student
    roles = user.roles
    if st is not None:
        st = attrs.evolve(st, **dict.fromkeys(DEMOGRAPHIC_FIELDS), extra=_extra(
            st.extra, _demographic_keys(st.extra)))
        roles = attrs.evolve(roles, student=st)
    return attrs.evolve(user, roles=roles,
                        extra=_extra(user.extra, _demographic_keys(user.extra)))


def student_cells(st: Any) -> dict[str, str]:
    """A student role's demographics as the cells a non-student's are kept as (in the
    user's extra, ``oneroster.demographics.<column>``)."""
    out = {DEMOGRAPHICS_PREFIX + "birthDate": st.dob} if st.dob is not None else {}
    if st.gender is not None:
        out[DEMOGRAPHICS_PREFIX + "sex"] = SEX_VALUES.get(st.gender, st.gender)
    col = RACE_COLUMNS.get(st.race or "")
    if col is not None:
        out[DEMOGRAPHICS_PREFIX + col] = "true"
    if st.hispanic_ethnicity in ("Y", "N"):
        out[DEMOGRAPHICS_PREFIX + "hispanicOrLatinoEthnicity"] = (
            "true" if st.hispanic_ethnicity == "Y" else "false")
    out.update({k: v for k, v in st.extra.items() if k.startswith(DEMOGRAPHICS_PREFIX)})
    return out


def _held_cells(r: Any) -> dict[str, str]:
    """The ``users.csv`` cells role ``r`` held, as a user with no role keeps them."""
    out: dict[str, str] = {}
    ident = getattr(r, "sis_id", None) or getattr(r, "staff_id", None)
    if ident:
        out[PREFIX + "identifier"] = ident
    cred = getattr(r, "credentials", None)
    if cred is not None and getattr(cred, "district_username", None):
        out[PREFIX + "username"] = cred.district_username
    grade = getattr(r, "grade", None)
    if grade:
        out[PREFIX + "grades"] = CLEVER_TO_CEDS.get(grade, grade)
    return out


def _at_schools(r: Any, org: str | None) -> tuple[list[str], list[str]]:
    """(the schools of role ``r``, those left once ``org`` goes: none when no org)."""
    schools = list(r.schools or ())
    first = getattr(r, "school", None)
    if first is not None and first not in schools:
        schools.insert(0, first)
    return schools, [s for s in schools if org and s != org]


def without_role(user: Any, role: str, org: str | None) -> tuple[Any, str | None]:
    """``(user without OneRoster role `role` at `org`, None)``, or ``(user, why not)``
    when the user holds no such role or the model cannot take it alone."""
    roles = user.roles
    add: dict[str, str] = {}
    held: Any
    if role in ("student", "teacher"):
        r = getattr(roles, role)
        if r is None:
            return user, f"the user has no {role} role"
        schools, left = _at_schools(r, org)
        if org and schools and org not in schools:
            return user, f"the user's {role} role is not at that org"
        if left:
            school = r.school if r.school in left else left[0]
            new = attrs.evolve(r, school=school,
                               schools=tuple(left) if r.schools is not None else None)
            return attrs.evolve(user, roles=attrs.evolve(roles, **{role: new})), None
        if role == "student":  # (the user's, not the role's: kept as a non-student's)
            add.update(student_cells(r))
        held, roles = r, attrs.evolve(roles, **{role: None})
    elif role in DISTRICT_ADMIN_ROLES or (role == "administrator" and roles.district_admin
                                     is not None and org in (None, user.district)):
        if roles.district_admin is None:
            return user, "the user has no district administrator role"
        held, roles = roles.district_admin, attrs.evolve(roles, district_admin=None)
    elif role in STAFF_ROLES or role == "administrator":
        r = roles.staff
        values = list(r.roles or ()) if r is not None else []
        if r is None or (role != "administrator" and role not in values):
            return user, f"the user has no {role} role"
        others = [v for v in values if v != role]
        if others:
            return user, (f"the user's staff role holds {role} with {', '.join(others)} "
                          "over one list of schools, which does not say whose each school is")
        schools, left = _at_schools(r, org)
        if org and schools and org not in schools:
            return user, f"the user's {role} role is not at that org"
        if left:
            new = attrs.evolve(r, schools=tuple(left))
            return attrs.evolve(user, roles=attrs.evolve(roles, staff=new)), None
        held, roles = r, attrs.evolve(roles, staff=None)
    elif role in CONTACT_ROLES:
        if roles.contact is None:
            return user, f"the user has no {role} role"
        key = PREFIX + "orgSourcedIds"
        orgs = split_list(user.extra.get(key) or "")
        if org and org in orgs and len(orgs) > 1:  # (the contact's other orgs stay)
            kept = ",".join(o for o in orgs if o != org)
            return attrs.evolve(user, extra=_extra(user.extra, (key,), {key: kept})), None
        held, roles = roles.contact, attrs.evolve(roles, contact=None)
        user = attrs.evolve(user, extra=_extra(user.extra, (key,)))
    else:
        if user.extra.get(PREFIX + "role") != role:
            return user, f"the user has no {role!r} role"
        return attrs.evolve(user, extra=_extra(user.extra, (PREFIX + "role",))), None
    district = user.district
    if not roles.names:  # no role left: what it held from users.csv stays with the user
        add.update(_held_cells(held))
        district = None  # (a bulk load places a user by its roles: one with none, nowhere)
    return attrs.evolve(user, roles=roles, district=district,
                        extra=_extra(user.extra, (), add)), None


def given_later(r: Any, uid: str, line: int, sid: str | None = None,
                role: str | None = None) -> int | None:
    """The line of the first row of a delta's ``users.csv`` after ``line`` that gives
    user ``uid`` again (the rows are followed in file order: the last word wins): of
    sourcedId ``sid`` and of role ``role``, each when given (a 1.1 row is its sourcedId
    and role: one id may be written with several roles); ``None`` when no later row
    does."""
    for at, rid, given in r.delta_rows.get(uid, ()):
        if at > line and sid in (None, rid) and role in (None, given):
            return at
    return None


def role_row(r: Any, base: Roster, row: Mapping[str, str], rid: str, line: int,
             named: Callable[[str], str | None], seen: dict[str, Any]
             ) -> tuple[str, str | None] | None:
    """What a ``users.csv`` tobedeleted row (its id ``rid``, as matched) of a user written
    as several rows deletes (OneRoster 1.1: one row per role, joined by
    :data:`USER_ID_COLUMN`): ``(user, role)``, that role only, when the user holds
    another or a later row of the delta gives the user again; ``(user, None)``, the
    whole user, when the role is its last; ``None`` when the row joins no user (it names
    the user its id names, if any). A row naming its user but no role, a role the model
    cannot take alone, or a role a later row of the delta gives again, is a problem and
    deletes nothing: ``("", None)``. ``seen``: the base users as the earlier such rows
    left them.
    """
    joined = (row.get(USER_ID_COLUMN) or "").strip()
    uid = named(joined) if joined else None
    if uid is None:
        return None
    uid = r.alias.get(uid, uid)
    old = seen.get(uid) or base.users.get(uid)
    if old is None and uid not in r.b.kinds["users"]:
        return None
    role = canonical_role(row.get("role") or "")
    where = {"file": "users.csv", "line": line, "kind": "users", "record_id": uid}
    if not role:
        if rid == uid:
            return uid, None
        r.b.problem("other", f"status tobedeleted: row {rid!r} of user {uid!r} "
                    f"({USER_ID_COLUMN}) says no role; nothing removed", field="role", **where)
        return "", None
    at = given_later(r, uid, line, role=role)
    if at is not None:  # (the last word gives the role)
        r.b.problem("other", f"status tobedeleted: role {role!r} of user {uid!r} (row "
                    f"{rid!r}) is given again by a later row of this delta (line {at}), "
                    "which is loaded; the deletion is not applied", field="role", **where)
        return "", None
    if old is None:  # (the delta's own user: its record has what its rows gave it)
        return uid, role
    left, why = without_role(old, role, None)
    if why is not None:
        r.b.problem("other", f"status tobedeleted: role {role!r} of user {uid!r} (row "
                    f"{rid!r}, {USER_ID_COLUMN}) not applied: {why}", field="role", **where)
        return "", None
    seen[uid] = left
    # (its last role, and a later row gives the user again: that row keeps the user)
    keep = bool(left.roles.names) or given_later(r, uid, line) is not None
    return (uid, role) if keep else (uid, None)


def holds_role(user: Any, role: str, org: str | None) -> bool:
    """Whether ``user`` holds OneRoster role ``role`` at ``org`` (``None``: at any org)."""
    roles = user.roles

    def at(r: Any) -> bool:  # (a role with no school: at every org)
        schools = _at_schools(r, None)[0]
        return org is None or not schools or org in schools

    if role in ("student", "teacher"):
        r = getattr(roles, role)
        return r is not None and at(r)
    if role in CONTACT_ROLES:
        return roles.contact is not None
    if role in DISTRICT_ADMIN_ROLES:
        return roles.district_admin is not None
    if role in STAFF_ROLES or role == "administrator":
        staff = roles.staff
        if staff is not None and (role == "administrator" or role in (staff.roles or ())):
            return at(staff)
        return role == "administrator" and roles.district_admin is not None
    return bool(user.extra.get(PREFIX + "role") == role)


def _without_kept_row(user: Any, role: str, org: str | None, sid: str | None) -> Any:
    """``user`` without the kept ``roles.csv`` row (``extra[ROLES_KEY]``) of that role."""
    rows = user.extra.get(ROLES_KEY)
    if not isinstance(rows, list):
        return user
    bare = (sid or "").strip()
    left = [row for row in rows if not (
        str(row.get("sourcedId", "")).strip() == bare if bare
        else row.get("role") == role and row.get("orgSourcedId") == org)]
    if len(left) == len(rows):
        return user
    return attrs.evolve(user, extra=_extra(user.extra, (ROLES_KEY,),
                                           {ROLES_KEY: left} if left else None))


def _without_profile(user: Any, pid: str) -> Any:
    rows = user.extra.get(PROFILES_KEY)
    if not isinstance(rows, list):
        return user
    left = [p for p in rows if str(p.get("sourcedId", "")).strip() != pid.strip()]
    if len(left) == len(rows):
        return user
    return attrs.evolve(user, extra=_extra(user.extra, (PROFILES_KEY,),
                                           {PROFILES_KEY: left} if left else None))


def _kept_rows(users: Mapping[str, Any], key: str) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Row id (without spaces around it) → (user, kept row) of the ``users``' (records)
    kept ``roles.csv`` (``ROLES_KEY``) or ``userProfiles.csv`` (``PROFILES_KEY``) rows."""
    out: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for uid, user in users.items():
        rows = user.extra.get(key) if user.extra else None
        if isinstance(rows, list):
            for row in rows:
                sid = row.get("sourcedId") if isinstance(row, Mapping) else None
                if isinstance(sid, str) and sid.strip():
                    out.setdefault(sid.strip(), (uid, row))
    return out


def _made_up_row(base: Roster, sid: str) -> tuple[str, Mapping[str, Any]] | None:
    """(user, its role and org) of the base row the 1.2 writer writes under the id it makes
    up, ``sid`` (``<user>:role:<n>``: :func:`base_role_rows`); ``None`` when it is none."""
    uid, sep, n = sid.rpartition(":role:")
    old = base.users.get(uid) if sep and n.isdigit() else None
    for rid, role, org in base_role_rows(old) if old is not None else ():
        if rid == sid:
            return uid, {"role": role, "orgSourcedId": org}
    return None


def match_user_deletions(r: Any, base: Roster,
                         named: Callable[[str], str | None]) -> UserDeletions:
    """The per-user files' tobedeleted rows of a delta read with ``base`` (the reader
    ``r``), as what they delete; ``named`` gives the user id a cell names, or ``None``
    (:class:`~rostergraph.io.spaced_ids.SpacedIds`). A row naming nothing, or a deletion
    the model cannot hold, is a problem at its line and deletes nothing."""
    b = r.b
    out = UserDeletions()
    delta_users = b.kinds["users"]

    def user_of(file: str, line: int, col: str, value: str, rid: str | None) -> str | None:
        got = named(value) if value else None
        where = {"file": file, "line": line, "kind": "users", "field": col}
        if got is None:
            b.problem("other", f"status tobedeleted: {col} {value!r} names no user of the "
                      "base roster or of this delta; nothing removed",
                      record_id=rid or value or None, **where)
            return None
        if got != value:
            b.problem("other", respelt_message(col, value, got), record_id=rid or got,
                      raw=value, **where)
        return r.alias.get(got, got)

    for row, line in zip(r.deleted_rows.get("demographics", ()),
                         r.deleted_lines.get("demographics", ()), strict=True):
        col = "sourcedId" if row.get("sourcedId") else "userSourcedId"
        uid = user_of("demographics.csv", line, col, row.get(col) or "", None)
        if uid is None:
            continue
        at = r.delivered.get(("demographics", uid), 0)
        if at > line:  # (the rows are followed in file order: the later one is loaded)
            b.problem("other", f"status tobedeleted: the demographics of user {uid!r} are "
                      f"given again by a later row of this delta (line {at}), which is "
                      "loaded; the deletion is not applied", file="demographics.csv",
                      line=line, kind="users", record_id=uid, field=col)
            continue
        old = base.users.get(uid)
        if old is not None and not at and (uid not in delta_users or uid in r.from_base) and (
                not _has_demographics(old)):
            b.problem("other", "status tobedeleted: the base roster has no demographics "
                      f"for user {uid!r}; nothing removed", file="demographics.csv",
                      line=line, kind="users", record_id=uid, field=col)
            continue
        out.demographics.setdefault(uid, line)
    kept_roles: dict[str, tuple[str, Mapping[str, Any]]] | None = None
    for row, line in zip(r.deleted_rows.get("roles", ()), r.deleted_lines.get("roles", ()),
                         strict=True):
        sid = row.get("sourcedId") or None
        merged = r.role_deletions.get(line)
        if merged is not None:  # (applied to the user's role rows: see merge_base_roles)
            out.merged.add(line)
            out.roles.append((line, merged[0], merged[1], merged[2] or None, sid))
            continue
        cells = dict(row)
        if not (row.get("userSourcedId") and row.get("role")) and sid:
            if kept_roles is None:  # (built once, on the first row that needs it)
                kept_roles = _kept_rows(base.users, ROLES_KEY)
            found = kept_roles.get(sid.strip()) or _made_up_row(base, sid.strip())
            if found is not None:  # (a bare row: the one the base kept says whose role)
                given = {"userSourcedId": found[0], **found[1]}
                for k in ("userSourcedId", "role", "orgSourcedId"):
                    if not cells.get(k) and given.get(k):
                        cells[k] = given[k]
        role = canonical_role(cells.get("role") or "")
        where = {"file": "roles.csv", "line": line, "kind": "users"}
        if not cells.get("userSourcedId") or not role:
            b.problem("other", "status tobedeleted: the row names no user and role, and "
                      f"its sourcedId {sid!r} names no role row the base roster kept; "
                      "nothing removed", record_id=sid, field="sourcedId", **where)
            continue
        uid = user_of("roles.csv", line, "userSourcedId", cells["userSourcedId"], None)
        if uid is None:
            continue
        org = cells.get("orgSourcedId") or None
        if org is not None and org not in r.orgs and org.strip() in r.orgs:
            b.problem("other", respelt_message("orgSourcedId", org, org.strip()),
                      record_id=uid, field="orgSourcedId", raw=org, **where)
            org = org.strip()
        old = base.users.get(uid)
        why = without_role(old, role, org)[1] if old is not None else None
        if why is not None:
            b.problem("other", f"status tobedeleted: role {role!r}"
                      + (f" at org {org!r}" if org else "") + f" of user {uid!r} not "
                      f"applied: {why}", record_id=uid, field="role", **where)
            continue
        out.roles.append((line, uid, role, org, sid))
    kept_profiles: dict[str, tuple[str, Mapping[str, Any]]] | None = None
    for row, line in zip(r.deleted_rows.get("userProfiles", ()),
                         r.deleted_lines.get("userProfiles", ()), strict=True):
        pid = row.get("sourcedId") or ""
        where = {"file": "userProfiles.csv", "line": line, "kind": "users"}
        if not pid.strip():
            b.problem("other", "status tobedeleted row with no sourcedId: nothing removed",
                      field="sourcedId", **where)
            continue
        if kept_profiles is None:  # (a profile the delta gives again: its user's now)
            kept_profiles = {**_kept_rows(base.users, PROFILES_KEY),
                             **_kept_rows(delta_users, PROFILES_KEY)}
        had = kept_profiles.get(pid.strip())
        if pid != pid.strip() and had is not None:
            b.problem("other", respelt_message("sourcedId", pid, pid.strip()),
                      record_id=pid.strip(), field="sourcedId", raw=pid, **where)
        usid = row.get("userSourcedId") or ""
        uid = (user_of("userProfiles.csv", line, "userSourcedId", usid, pid.strip()) if usid
               else had[0] if had is not None else None)
        if usid and uid is None:
            continue  # (told: the user)
        if uid is None or (had is None and uid not in delta_users):
            b.problem("other", f"status tobedeleted: sourcedId {pid!r} names no profile "
                      "of the base roster's users; nothing removed", record_id=pid.strip(),
                      field="sourcedId", **where)
            continue
        out.profiles.append((line, uid, pid))
    return out


def apply_user_deletions(users: dict[str, Any], gone: UserDeletions) -> None:
    """Take from ``users`` (the records once the delta's are put in) what ``gone`` says
    (a demographics row a later row of the delta gives again is not in it)."""
    for uid in gone.demographics:
        user = users.get(uid)
        if user is not None:
            users[uid] = _without_demographics(user)
    for line, uid, role, org, sid in (*gone.roles, *gone.row_roles):
        user = users.get(uid)
        if user is not None and not (line in gone.merged and (line, uid, role, org, sid)
                                     in gone.roles):
            user = without_role(user, role, org)[0]
            users[uid] = _without_kept_row(user, role, org, sid)
    for _, uid, pid in gone.profiles:
        user = users.get(uid)
        if user is not None:
            users[uid] = _without_profile(user, pid)


#: the users.csv cells a role takes, kept in extra when no role of the user took them
_LEFT_CELLS = ("orgSourcedIds", "username", "identifier", "grades")


def _texts(*values: Any) -> set[str]:
    """Every text ``values`` (records, mappings, sequences) hold."""
    out: set[str] = set()
    todo = list(values)
    while todo:
        v = todo.pop()
        if isinstance(v, str):
            out.add(v)
        elif attrs.has(type(v)):  # (not ``nulls``: field names)
            todo += [getattr(v, f.name) for f in attrs.fields(type(v)) if f.name != "nulls"]
        elif isinstance(v, Mapping):
            todo += v.values()
        elif isinstance(v, (list, tuple)):
            todo += v
    return out


def _staff_of_both(mine: Any, theirs: Any, given: set[str]) -> tuple[Any, list[str],
                                                                     list[str]]:
    """The delta's staff role ``mine`` with the base's ``theirs``' OneRoster roles that
    no row of the delta gives (``given``), and their schools: ``(staff, those roles, the
    base's schools added)``. A staff record holds its roles over one list of schools,
    which does not say whose each school is, so the base's schools all stay."""
    held = list(theirs.roles or ()) or ["administrator"]  # (an administrator's: no list)
    kept = [v for v in held if v not in given]
    if not kept:
        return mine, [], []
    roles = list(mine.roles or ())
    roles += [v for v in kept if v != "administrator" and v not in roles]
    schools = list(mine.schools or ())
    added = [s for s in theirs.schools or () if s not in schools]
    staff = attrs.evolve(mine, roles=tuple(roles) if roles else mine.roles,
                         schools=tuple(schools + added) if schools or added else None)
    return staff, kept, added


def with_base_rows(new: Any, old: Any, r: Any) -> Any:
    """A delta's user record ``new`` with what base record ``old`` holds from the
    ``users.csv`` rows the delta does not re-send. OneRoster 1.1 gives a user with several
    roles as one row per role; a delta re-sending some of them updates those rows only,
    so the user keeps the roles of the others, as a bulk load of the base's rows with the
    delta's reads them: each Clever role the delta's rows give is theirs, the others the
    base's. A user the base holds as one row is the delta's when the delta re-sends that
    row (the user's own id: it says all of it; a row of another id joined to the user,
    ``T1#parent``, is a row added), and so is one whose roles a 1.2 ``roles.csv`` of the
    delta gives (read with the base's role rows it leaves:
    :mod:`~rostergraph.io.oneroster_delta_roles`). The base's staff role holding OneRoster roles that no row of the delta
    gives keeps them, with its schools, and a problem at the row's line says so when it
    adds schools to the row's."""
    rows = r.delta_rows.get(new.id)
    if not rows or ("roles", new.id) in r.delivered or (
            len(grants(old)) < 2 and any(sid == new.id for _, sid, _ in rows)):
        return new  # (a one-row user's row re-sent: under its own id, it says all)
    given = {role for _, _, role in rows}
    mine, theirs = new.roles, old.roles
    add: dict[str, Any] = {}
    for name in theirs.names:
        have = getattr(mine, name)
        if have is None:
            add[name] = getattr(theirs, name)
        elif name == "staff":
            staff, kept, added = _staff_of_both(have, theirs.staff, given)
            if staff is not have:
                add[name] = staff
            if added:
                line, sid = next(((at, rid) for at, rid, role in rows
                                  if role in STAFF_ROLES or role == "administrator"),
                                 rows[0][:2])
                r.b.problem("other", f"row {sid!r} of user {new.id!r} re-sends its staff "
                            f"role; the base roster's staff role holds {', '.join(kept)} "
                            "too, over one list of schools that does not say whose each "
                            f"school is: its schools {', '.join(added)} are kept with the "
                            "row's", file="users.csv", line=line, kind="users",
                            record_id=new.id, field="role")
    extra = dict(new.extra)
    # a role the model has no place for (or a contact's OneRoster role) is kept in extra
    other = old.extra.get(PREFIX + "role")
    kept_other = isinstance(other, str) and PREFIX + "role" not in extra and (
        "contact" in add if other in CONTACT_ROLES else other not in given)
    if kept_other:
        extra[PREFIX + "role"] = other
    # the cells the kept roles hold in extra (their orgs, a district admin's schools)
    for key, keep in ((PREFIX + "orgSourcedIds", "contact" in add or kept_other),
                      (PREFIX + "schools", "district_admin" in add)):
        if keep and key in old.extra:
            extra.setdefault(key, old.extra[key])
    if add:  # (a row's cell no role of its took, held by a kept role: not kept twice)
        held = _texts(old.district, *add.values())
        for col in _LEFT_CELLS:
            v = new.extra.get(PREFIX + col)
            if isinstance(v, str) and extra.get(PREFIX + col) == v and all(
                    part in held or CEDS_TO_CLEVER.get(part) in held
                    for part in split_list(v)):
                del extra[PREFIX + col]
    if not add and len(extra) == len(new.extra):
        return new
    return attrs.evolve(new, roles=attrs.evolve(mine, **add) if add else mine,
                        district=new.district if new.district is not None else old.district,
                        extra=MappingProxyType(extra))
