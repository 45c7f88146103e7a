"""A OneRoster delta bundle applied to a base roster (``read_oneroster(..., base=)``).

The delta's records replace those with the same id (a user keeps what the base's
``demographics.csv`` and ``userProfiles.csv`` gave it when the delta has no row of those
files for it; a row of those files is a record of its own, applied to its user of the
base whether or not the delta re-sends the user: see
:mod:`~rostergraph.io.oneroster_delta_files`); rows with ``status=tobedeleted`` remove
records (and an enrollment row removes that user from that class, the enrollment named
by its class, user and role or by its sourcedId alone: see
:mod:`~rostergraph.io.oneroster_delta_enroll`; a row of the per-user files what it gave
the user: see :mod:`~rostergraph.io.oneroster_delta_users`); a class row keeps the
base's enrollments plus the delta's, of every role: students and teachers on the
section, other roles (``aide``, ``proctor``, ...) in its extra
(:data:`~rostergraph.io.enrollcols.OTHER_ROLES_KEY` + role), as the bulk reader keeps
them. A deleted user takes every reference to it with it, and a deleted role keeps its
enrollments: see :mod:`~rostergraph.io.oneroster_delta_refs`. The rows of ``users.csv``
are taken in order, each deletion judged by the rows after it (one followed by a row
giving that row, role or user again is not applied); a 1.1 tobedeleted row of a user
written as several rows takes only its role (see
:func:`~rostergraph.io.oneroster_delta_users.role_row`), and a re-sent one updates its
role only, the base's other rows' roles kept (see
:func:`~rostergraph.io.oneroster_delta_users.with_base_rows`). A 1.2 ``roles.csv`` row
is a record of its own: it adds a role row to its user or updates the base's row of its
``sourcedId``, the user's other rows kept (see
:mod:`~rostergraph.io.oneroster_delta_roles`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from ..model import KINDS, StudentRelationship
from ..roster import Roster
from .csv_rowchecks import ReadAs
from .enrollcells import ENROLLMENT_CELLS_KEY, cells_kept, merged_cells
from .enrollcols import OTHER_ROLES_KEY, canonical_role, primary_first, respelt_message
from .oneroster_cols import (
    DEMOGRAPHIC_FIELDS,
    DEMOGRAPHICS_PREFIX,
    ENROLLMENT_IDS_KEY,
    PREFIX,
    PROFILES_KEY,
    ROLES_KEY,
    enrollment_order,
    kept_enrollment_ids,
)
from .oneroster_delta_enroll import given_anew, match_enrollment_deletions, written_ids
from .oneroster_delta_files import merged_profiles, profile_ids, without_profiles
from .oneroster_delta_refs import drop_users, kept_role_enrollments
from .oneroster_delta_users import (
    UserDeletions,
    apply_user_deletions,
    given_later,
    holds_role,
    match_user_deletions,
    role_row,
    student_cells,
    with_base_rows,
)
from .oneroster_grants import contact_kind
from .oneroster_profiles import DemographicsState, put_demographics
from .spaced_ids import SpacedIds

__all__ = ["apply_delta", "base_deletions", "live_row", "match_deletions"]

_DELTA_KINDS = {"orgs": ("districts", "schools"), "academicSessions": ("terms",),
                "courses": ("courses",), "classes": ("sections",), "users": ("users",)}
#: the files whose live rows' lines :func:`live_row` keeps (classes.csv's and users.csv's
#: are kept by their readers), and what their records are called in problems
_LINED = {"orgs": "org", "academicSessions": "academic session", "courses": "course"}


def _union(have: Iterable[Any] | None, add: Iterable[Any] | None) -> list[Any]:
    """``have`` then the items of ``add`` it does not hold, in order."""
    out = list(have or ())
    out += [u for u in add or () if u not in out]
    return out


def _still_primary(teacher: str | None, given: Iterable[str] | None) -> str | None:
    """The base's primary ``teacher`` of a class the delta names no primary teacher of,
    ``None`` when the delta's rows give that teacher again (``given``) without
    ``primary`` true: as a bulk load of the base's rows with them in place, no row says
    it is primary any more."""
    return None if teacher is not None and teacher in (given or ()) else teacher


def _with_other_roles(extra: Mapping[str, Any], adds: Mapping[str, Any],
                      sent: list[tuple[str, str]], columns: list[str]) -> Mapping[str, Any]:
    """``extra`` with the users of ``adds``' other-role lists (:data:`OTHER_ROLES_KEY` +
    role) appended to its own, each user once, in order, and ``adds``' enrollment ids
    (:data:`ENROLLMENT_IDS_KEY`) of the enrollments it has none for, and its enrollment
    cells (:data:`~rostergraph.io.enrollcells.ENROLLMENT_CELLS_KEY`) in place of
    ``extra``'s for the enrollments ``sent`` (``(role, user)`` of the delta's rows), in
    the ``columns`` of the delta's ``enrollments.csv`` header (another column's stay)."""
    out = dict(extra)
    for key, users in adds.items():
        if not key.startswith(OTHER_ROLES_KEY) or not isinstance(users, list):
            continue
        have = out.get(key)
        out[key] = _union(have if isinstance(have, list) else None, users)
    ids = adds.get(ENROLLMENT_IDS_KEY)
    if isinstance(ids, dict):
        have = out.get(ENROLLMENT_IDS_KEY)
        merged = {role: dict(users) for role, users in have.items()} if isinstance(
            have, dict) else {}
        for role, users in ids.items():
            have_role = merged.setdefault(role, {})
            for uid, eid in users.items():  # (as a bulk load of both: the first row's)
                have_role.setdefault(uid, eid)
        out[ENROLLMENT_IDS_KEY] = merged
    if ENROLLMENT_CELLS_KEY in adds or (sent and ENROLLMENT_CELLS_KEY in out):
        # (the cells of a row sent again are the delta's: none when its cells are empty)
        cells = merged_cells(out.get(ENROLLMENT_CELLS_KEY), adds.get(ENROLLMENT_CELLS_KEY),
                             sent, columns)
        out[ENROLLMENT_CELLS_KEY] = cells
        if cells is None:
            del out[ENROLLMENT_CELLS_KEY]
    return MappingProxyType(out)


def _pinned_ids(sec: Any, before: Iterable[Any]) -> Any:
    """Section record ``sec`` with the ids its enrollments had in the records ``before``
    (the base's, the delta's own class), each as the OneRoster writer wrote it, made-up
    ``<class>:<n>`` ones included: ``n`` is a position, which the delta's changes move,
    so an id left made up would name another enrollment once written again."""
    have = sec.extra.get(ENROLLMENT_IDS_KEY)
    ids = {role: dict(users) for role, users in have.items()} if isinstance(
        have, dict) else {}
    teachers = sec.teachers or ((sec.teacher,) if sec.teacher else ())  # (as written)
    now = set(enrollment_order(sec.students, teachers, sec.extra))
    for old in before:
        for (role, uid), eid in written_ids(sec.id, old).items():
            if (role, uid) in now:
                ids.setdefault(role, {}).setdefault(uid, eid)
    if not ids:
        return sec
    return attrs.evolve(sec, extra=MappingProxyType({**sec.extra, ENROLLMENT_IDS_KEY: ids}))


def _pruned_ids(sec: Any) -> Any:
    """Section record ``sec`` with the enrollment ids the writer would make up left out
    (:func:`~rostergraph.io.oneroster_cols.kept_enrollment_ids`), at the positions its
    enrollments have once the delta is applied."""
    ids = sec.extra.get(ENROLLMENT_IDS_KEY)
    if not isinstance(ids, dict):
        return sec
    return _with_extra(sec, ENROLLMENT_IDS_KEY, kept_enrollment_ids(
        sec.id, ids, enrollment_order(sec.students, sec.teachers, sec.extra)) or None)


def _pruned_cells(sec: Any) -> Any:
    """Section record ``sec`` with only the enrollment cells of the enrollments it has
    once the delta is applied (a removed enrollment's, or a removed user's, go)."""
    now = set(enrollment_order(sec.students, sec.teachers, sec.extra))
    return _with_extra(sec, ENROLLMENT_CELLS_KEY, cells_kept(
        sec.extra[ENROLLMENT_CELLS_KEY], lambda role, uid: (role, uid) in now))


def _with_extra(sec: Any, key: str, value: Any) -> Any:
    """Section record ``sec`` with ``extra[key]`` set to ``value`` (left out when ``None``)."""
    extra = {k: v for k, v in sec.extra.items() if k != key}
    if value is not None:
        extra[key] = value
    return attrs.evolve(sec, extra=MappingProxyType(extra))


#: the keys of a section's ``extra`` about its enrollments, which a class row of the delta
#: (carrying no enrollment) leaves as they were
_ENROLLMENT_KEYS = (ENROLLMENT_IDS_KEY, ENROLLMENT_CELLS_KEY)



def _with_base_user_files(new: Any, old: Any, r: Any, resent: set[str]) -> Any:
    """A delta's user row ``new`` with what the base's ``demographics.csv`` and
    ``userProfiles.csv`` gave ``old`` when the delta has no row of those files for it
    (a users.csv row carries neither: as a bulk load of both, the base's rows apply):
    the base's profiles but those the delta gives again (``resent``) with the delta's
    (each row a record: :func:`~rostergraph.io.oneroster_delta_files.merged_profiles`)."""
    delivered = r.delivered
    extra = dict(new.extra)
    profiles = merged_profiles(old, new, resent)
    if profiles is not None:
        extra[PROFILES_KEY] = profiles
    else:
        extra.pop(PROFILES_KEY, None)
    if ("roles", new.id) not in delivered and ROLES_KEY in old.extra:
        extra.setdefault(ROLES_KEY, old.extra[ROLES_KEY])  # (1.2: its base roles.csv rows)
    roles = new.roles
    if ("demographics", new.id) not in delivered:
        ost, nst = old.roles.student, new.roles.student
        if nst is not None and ost is not None:  # a student's: on its student role
            fields = {f: getattr(ost, f) for f in DEMOGRAPHIC_FIELDS
                      if getattr(nst, f) is None and getattr(ost, f) is not None}
            kept = {k: v for k, v in ost.extra.items()
                    if k.startswith(DEMOGRAPHICS_PREFIX) and k not in nst.extra}
            if fields or kept:
                nst = attrs.evolve(nst, **fields, extra=MappingProxyType({**nst.extra, **kept})
                                   if kept else nst.extra)
                roles = attrs.evolve(roles, student=nst)
        elif nst is None:  # anyone else's: on the user (a student's no longer one too)
            held = student_cells(ost) if ost is not None else {}
            for k, v in [*old.extra.items(), *held.items()]:
                if k.startswith(DEMOGRAPHICS_PREFIX):
                    extra.setdefault(k, v)
        else:  # a student now: the base's row (its cells, in extra) read as a student's
            cells = {k: v for k, v in old.extra.items() if k.startswith(DEMOGRAPHICS_PREFIX)}
            if cells:
                for k in cells:  # (a base user read again holds them: the role takes them)
                    extra.pop(k, None)
                roles = attrs.evolve(roles, student=_as_student(r, nst, cells))
    if roles is new.roles and extra == new.extra:
        return new
    return attrs.evolve(new, roles=roles, extra=MappingProxyType(extra))


def _as_student(r: Any, st: Any, cells: Mapping[str, str]) -> Any:
    """Student role ``st`` with a demographics row's cells (``cells``: as a non-student's
    extra keeps them) put on it as a bulk load puts a student's row."""
    row = {k[len(DEMOGRAPHICS_PREFIX):]: v for k, v in cells.items()}
    state = DemographicsState()
    # (a birth date that is no date was told when the base was read)
    state.bad_date = dict.fromkeys([row.get("birthDate", row.get("birthdate")) or ""], False)
    d: dict[str, Any] = {"roles": {"student": {}}}
    put_demographics(r, d, row, 0, "", state)
    got = d["roles"]["student"]
    fields = {f: got.pop(f) for f in DEMOGRAPHIC_FIELDS if f in got}
    return attrs.evolve(st, **fields, extra=MappingProxyType({**st.extra, **got}))


def _with_students(contact: Any, students: Iterable[str]) -> Any:
    """Base contact record ``contact`` linked to ``students`` too (the users whose delta
    rows name it in ``agentSourcedIds``), as the bulk reader links them."""
    role = contact.roles.contact
    have = list(role.student_relationships or ())
    known = {s.student for s in have}
    rel, typ = contact_kind(contact)
    add = [StudentRelationship(student=s, relationship=rel, type=typ)
           for s in students if s not in known]
    if not add:
        return contact
    extra = contact.extra
    if PREFIX + "role" in extra:  # (the relationships say it now, as in a bulk load)
        extra = MappingProxyType({k: v for k, v in extra.items() if k != PREFIX + "role"})
    role = attrs.evolve(role, student_relationships=tuple(have + add))
    return attrs.evolve(contact, roles=attrs.evolve(contact.roles, contact=role), extra=extra)


def _sub_org_ids(base: Roster) -> set[str]:
    """The ids of the base's orgs that have no record (a department: its classes name it
    in ``extra["oneroster_org"]``; another: its ``orgs.csv`` row is a problem's)."""
    ids = {p.record_id for p in base.problems if p.file == "orgs.csv" and p.record_id}
    for sec in base.sections.values():
        org = sec.extra.get("oneroster_org") if sec.extra else None
        if isinstance(org, str):
            ids.add(org)
    return ids


def base_deletions(r: Any, f: str) -> frozenset[str]:
    """The ids that ``f``'s ``status=tobedeleted`` rows of a delta read with a base (the
    reader ``r``'s) delete, as the reading of the other files leaves them out: each cell as
    given and the id of the base record it names once spaces around ids are ignored (as
    :func:`match_deletions` finds it after the reading), so that a padded cell deletes as
    its id does (a contact keeps no link to a student so deleted)."""
    ids = [i for i in r.deleted.get(f, ()) if i]  # (a row with no id deletes nothing)
    if r.base is None or not ids:
        return frozenset(ids)
    named = _base_named(r, f)
    return frozenset({*ids, *filter(None, map(named, ids))})


def _base_named(r: Any, f: str) -> SpacedIds:
    """The matcher of the base's ids (its records of file ``f``'s kinds, and for
    ``orgs`` the parts of schools no record holds) that the reader ``r`` of a delta keeps
    (the base does not change while the delta is read)."""
    named = r.base_named.get(f)
    if named is None:
        pools = [r.base.records(k) for k in _DELTA_KINDS[f]]
        if f == "orgs":
            pools.append(_sub_org_ids(r.base))
        named = r.base_named[f] = SpacedIds(pools)
    return named


def live_row(r: Any, f: str, row: dict[str, str], line: int,
             kind: str | None) -> dict[str, str]:
    """A live (not tobedeleted) row of a delta's file ``f`` read with a base (the reader
    ``r``'s), as it is read: a ``sourcedId`` that names a base record only once spaces
    around ids are ignored is read as that record's id (a problem keeping the cell, as a
    deletion so spelt is read), so the row updates that record instead of adding another
    beside it; an org's, session's or course's line is kept (``r.live_lines``) for
    :func:`match_deletions` (a later row gives a deleted record again)."""
    sid = row.get("sourcedId")
    if not sid or f not in _DELTA_KINDS:
        return row
    got = _base_named(r, f)(sid)
    if got is not None and got != sid:
        if kind is None:  # (an org: the kind of the base record it names)
            kind = next((k for k in _DELTA_KINDS[f] if got in r.base.records(k)), None)
        r.b.problem("other", respelt_message("sourcedId", sid, got), file=f + ".csv",
                    line=line, kind=kind, record_id=got, field="sourcedId", raw=sid)
        # (the row as given stays with it: later problems of the row show the cell given)
        row, sid = ReadAs({**row, "sourcedId": got}, given=row), got
    if f in _LINED:  # (the last: any later live row gives a deleted record again)
        r.live_lines.setdefault(f, {})[sid] = line
    return row


def _given_again(b: Any, what: str, rid: str, at: int, file: str, line: int,
                 raw: str | None, kind: str | None, record_id: str | None = None) -> None:
    """The problem of a ``status=tobedeleted`` row (``line`` of ``file``) whose ``what``
    (``user``, ``user row``, ``class``, ``org``, ...) ``rid`` a later row (``at``) of the
    delta gives again: the rows are followed in file order, so the deletion is not
    applied. ``record_id``: the record the problem is about, when not ``rid`` (the user
    of a row of a user written as several rows)."""
    b.problem("other", f"status tobedeleted: {what} {rid!r} is given again by a later row of "
              f"this delta (line {at}), which is loaded; the deletion is not applied",
              file=file, line=line, kind=kind, record_id=record_id or rid,
              field="sourcedId", raw=raw)


def match_deletions(r: Any, base: Roster) -> UserDeletions:
    """Set each ``status=tobedeleted`` row of a delta read with ``base`` (the reader
    ``r``'s ``deleted`` ids and ``deleted_rows`` enrollments) to the ids of the records it
    names, of the base or of the delta itself: a cell that names one only once spaces
    around ids are ignored is read so with a problem keeping the cell (``raw``); a cell
    that names none removes nothing and is a problem (it was silent). Returns what the
    per-user files' tobedeleted rows delete (:mod:`~rostergraph.io.oneroster_delta_users`)."""
    b = r.b
    spared: set[int] = set()  # (users.csv's deleted rows that delete no user)
    row_roles: list[tuple[int, str, str, str | None, str | None]] = []
    seen: dict[str, Any] = {}  # (role_row's: the users as its rows left them)
    for f, dkinds in _DELTA_KINDS.items():
        ids = r.deleted.get(f)
        if not ids:
            continue
        pools = [b.kinds[k] for k in dkinds] + [base.records(k) for k in dkinds]
        if f == "users":
            pools.append(r.alias)  # (a row's own id, when rows merged into one user)
        elif f == "orgs":  # a department or other part of a school is no record
            pools += [r.orgs, _sub_org_ids(base)]
        named = SpacedIds(pools)
        kind = dkinds[0] if len(dkinds) == 1 else None
        for i, (row, line) in enumerate(zip(r.deleted_rows[f], r.deleted_lines[f],
                                            strict=True)):
            sid = row.get("sourcedId") or ""
            got = named(sid) if sid else None
            again = None  # (a 1.1 row is its id and role: a later row giving them both)
            if f == "users" and got is not None and got in r.alias:
                again = given_later(r, r.alias[got], line, got,
                                    canonical_role(row.get("role") or "") or None)
            if again is not None and got is not None:
                # a later row of the delta gives the row again: the rows are applied in
                # the order given, so it is loaded and the deletion is not applied
                ids[i] = got
                spared.add(i)
                _given_again(b, "user row", got, again, "users.csv", line,
                             sid if sid != got else None, "users", r.alias[got])
                continue
            joins = role_row(r, base, row, got or sid, line, named, seen) if (
                f == "users" and sid) else None
            if joins is not None:  # (a 1.1 row of a user written as several rows)
                uid, role = joins
                if role is not None or not uid:  # (a role, or nothing: told)
                    if got is not None and got != sid:  # (a padded cell: told as ever)
                        b.problem("other", respelt_message("sourcedId", sid, got),
                                  record_id=got, raw=sid, file="users.csv", line=line,
                                  kind="users", field="sourcedId")
                    spared.add(i)
                    if role is not None:
                        row_roles.append((line, uid, role, None, sid))
                    continue
            whole = joins[0] if joins is not None else got
            if f == "users" and whole is not None:
                uid = r.alias.get(whole, whole)
                at = given_later(r, uid, line)
                if at is not None:  # (a later row gives the user again: it is loaded)
                    ids[i] = whole
                    spared.add(i)
                    _given_again(b, "user", uid, at, "users.csv", line,
                                 sid if sid != whole else None, "users")
                    continue
                if joins is not None and got != whole:
                    ids[i] = whole  # (a row of another id, its user's last role: the user)
                    continue
            at = 0
            if f != "users" and got:  # (users.csv's rows were judged above)
                lines = r.section_lines if f == "classes" else r.live_lines.get(f, {})
                at = lines.get(got, 0)
            if at > line and got:  # (the rows are followed in file order, as users.csv's)
                ids[i] = ""  # (removes nothing: no record's id is empty)
                _given_again(b, _LINED.get(f, "class"), got, at, f + ".csv", line,
                             sid if sid != got else None, kind or next(
                                 (k for k in dkinds if got in b.kinds[k]), None))
                continue
            if got == sid:
                continue
            where = {"file": f + ".csv", "line": line, "kind": kind, "field": "sourcedId"}
            if got is not None:
                ids[i] = got
                b.problem("other", respelt_message("sourcedId", sid, got), record_id=got,
                          raw=sid, **where)
            elif sid:
                b.problem("other", f"status tobedeleted: sourcedId {sid!r} names no record "
                          "of the base roster or of this delta; nothing removed",
                          record_id=sid, **where)
            else:
                b.problem("other", "status tobedeleted row with no sourcedId: nothing "
                          "removed", **where)
    match_enrollment_deletions(r, base)  # (a row by its class, user and role, or by its id)
    out = match_user_deletions(r, base, SpacedIds([r.alias, b.kinds["users"], base.users]))
    out.spared, out.row_roles = spared, row_roles
    return out


def _tell_bulk_files(r: Any, base: Roster, delta: Roster,
                     kinds: Mapping[str, Mapping[str, Any]]) -> None:
    """One problem per file the delta's manifest marks ``bulk`` (the OneRoster CSV specs:
    the file holds every record of its kind) that leaves base records out: read with a
    base, every file is applied as a delta, so those records are kept, not deleted; a
    district sending a bulk file may mean them gone."""
    for f, dkinds in _DELTA_KINDS.items():
        if r.modes.get(f) != "bulk" or f + ".csv" not in r.bundle:
            continue
        kept = sorted(rid for k in dkinds for rid in base.records(k)
                      if rid in kinds[k] and rid not in delta.records(k))
        if not kept:
            continue
        shown = ", ".join(kept[:20]) + (" …" if len(kept) > 20 else "")
        r.b.problem("other", f"manifest.csv says file.{f}=bulk ({f}.csv holds every record "
                    "of its kind), but a bundle read with a base roster is applied to it as "
                    f"a delta: {len(kept)} record(s) of the base roster that {f}.csv does not "
                    "hold were kept, not deleted (only a status tobedeleted row deletes "
                    f"one); ids {shown}", file="manifest.csv", line=r.mode_lines.get(f),
                    kind=dkinds[-1], field=f"file.{f}")


def apply_delta(base: Roster, delta: Roster, r: Any, gone: UserDeletions | None = None
                ) -> Roster:
    """``base`` with the delta's records put in, its deletions taken out (``gone``: those
    of the per-user files, from :func:`match_deletions`)."""
    told = len(r.b.problems)  # (the delta's own were built into ``delta``)
    kinds = {k: dict(base.records(k)) for k in KINDS}
    resent = profile_ids(delta.users.values())  # (profile records the delta gives again)
    for kind in KINDS:
        for rid, rec in delta.records(kind).items():
            old = kinds[kind].get(rid)
            if kind == "sections" and old is not None:
                # a class row carries no enrollments: keep the base's, add the delta's
                students = _union(old.students, rec.students)
                primary = rec.teacher if rec.teacher is not None else _still_primary(
                    old.teacher, rec.teachers)
                teachers = primary_first(primary, _union(old.teachers, rec.teachers))
                extra = _with_other_roles(
                    {k: v for k, v in old.extra.items()
                     if k.startswith(OTHER_ROLES_KEY) or k in _ENROLLMENT_KEYS}, rec.extra,
                    enrollment_order(rec.students, rec.teachers, rec.extra), r.cell_columns)
                rec = attrs.evolve(rec, students=tuple(students) if students else rec.students,
                                   teachers=tuple(teachers) if teachers else rec.teachers,
                                   teacher=primary,
                                   extra=MappingProxyType({**rec.extra, **extra}) if extra
                                   else rec.extra)
            elif kind == "users" and old is not None:  # (its rows the delta did not send)
                rec = _with_base_user_files(with_base_rows(rec, old, r), old, r, resent)
            kinds[kind][rid] = rec
    if resent:  # (a profile given again for another user: no longer its base user's)
        without_profiles(kinds["users"], base.users, resent, delta.users)
    for cid, adds in r.base_adds.items():
        sec = kinds["sections"].get(cid)
        if sec is None:
            continue
        students = _union(sec.students, adds.get("students"))
        primary = adds.get("teacher", _still_primary(sec.teacher, adds.get("teachers")))
        teachers = primary_first(primary, _union(sec.teachers, adds.get("teachers")))
        kinds["sections"][cid] = attrs.evolve(
            sec, students=tuple(students) if students else sec.students,
            teachers=tuple(teachers) if teachers else sec.teachers,
            teacher=primary,
            extra=_with_other_roles(sec.extra, adds, enrollment_order(
                adds.get("students"), adds.get("teachers"), adds), r.cell_columns))
    for cid, students in r.contact_adds.items():
        kinds["users"][cid] = _with_students(kinds["users"][cid], students)
    if gone is not None:
        apply_user_deletions(kinds["users"], gone)
    spared = gone.spared if gone is not None else set()
    dropped: set[str] = set()  # (the users deleted: no reference to them is left)
    for f, dkinds in _DELTA_KINDS.items():
        for i, rid in enumerate(r.deleted.get(f, ())):
            if f == "users":
                uid = r.alias.get(rid, rid)
                if i not in spared and kinds["users"].pop(uid, None) is not None:
                    dropped.add(uid)
                continue
            for k in dkinds:
                kinds[k].pop(rid, None)
    for row in r.deleted_rows.get("enrollments", ()):
        sec = kinds["sections"].get(row.get("classSourcedId") or "")
        uid = row.get("userSourcedId") or ""
        uid = r.alias.get(uid, uid)
        role = canonical_role(row.get("role") or "")
        if sec is None or not role:
            continue
        field = {"student": "students", "teacher": "teachers"}.get(role)
        changes: dict[str, Any] = {}
        ids = sec.extra.get(ENROLLMENT_IDS_KEY)
        anew = given_anew(r, delta, sec.id, role, uid, row.get("sourcedId") or "")
        if anew is not None:  # (the delta's row of another id gives it: it stays, so)
            ids = {k: dict(users) for k, users in ids.items()} if isinstance(ids, dict) else {}
            ids.setdefault(role, {})[uid] = anew
            kinds["sections"][sec.id] = attrs.evolve(sec, extra=MappingProxyType(
                {**sec.extra, ENROLLMENT_IDS_KEY: ids}))
            continue
        if isinstance(ids, dict) and uid in ids.get(role, ()):
            ids = {k: {u: e for u, e in users.items() if k != role or u != uid}
                   for k, users in ids.items()}
            sec = attrs.evolve(sec, extra=MappingProxyType({**sec.extra,
                                                            ENROLLMENT_IDS_KEY: ids}))
        if field is None:  # a role kept in extra
            users = sec.extra.get(OTHER_ROLES_KEY + role)
            if not isinstance(users, list) or uid not in users:
                continue
            extra = dict(sec.extra)
            kept_users = [u for u in users if u != uid]
            if kept_users:
                extra[OTHER_ROLES_KEY + role] = kept_users
            else:
                del extra[OTHER_ROLES_KEY + role]
            changes["extra"] = MappingProxyType(extra)
        else:
            # (none left: None, as the bulk reader leaves a class without enrollments)
            changes[field] = tuple(u for u in getattr(sec, field) or () if u != uid) or None
            if field == "teachers" and sec.teacher == uid:
                changes["teacher"] = None
        kinds["sections"][sec.id] = attrs.evolve(sec, **changes)
    swept = drop_users(kinds, dropped, r.b.problem)
    if gone is not None:  # (a deleted role's enrollments stay: the source kept them)
        for file, deleted in (("roles.csv", gone.roles), ("users.csv", gone.row_roles)):
            kept_role_enrollments(kinds, [(uid, role, org) for _, uid, role, org, _ in
                                          deleted], holds_role, r.b.problem, file)
    for cid in {*delta.sections, *r.base_adds, *swept, *(
            row.get("classSourcedId") for row in r.deleted_rows.get("enrollments", ()))}:
        sec = kinds["sections"].get(cid)
        old = base.sections.get(cid)
        if sec is not None and old is not None and sec is not old:
            sec = _pinned_ids(sec, [old, *filter(None, [delta.sections.get(cid)])])
        if sec is not None and ENROLLMENT_IDS_KEY in sec.extra:
            kinds["sections"][cid] = sec = _pruned_ids(sec)
        if sec is not None and ENROLLMENT_CELLS_KEY in sec.extra:
            kinds["sections"][cid] = _pruned_cells(sec)
    _tell_bulk_files(r, base, delta, kinds)
    prov = delta.provenance
    prov = attrs.evolve(prov, notes=prov.notes + (
        f"delta applied to a base roster from {base.provenance.source}",))
    return Roster(**kinds, problems=[*delta.problems, *r.b.problems[told:]], provenance=prov)
