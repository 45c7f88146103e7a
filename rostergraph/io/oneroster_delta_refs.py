"""What a OneRoster delta's deleted users and roles leave in the roster it is applied to
(``read_oneroster(..., base=)``), compared with a bulk export of the district after the
change.

A deleted user (``users.csv`` with ``status=tobedeleted``) has no record left, so every
reference to it goes with it, as a bulk export could hold none: its enrollments (a
section's ``students``, ``teachers`` and ``teacher``, its other roles and enrollment ids
in ``extra``) and the links of contacts to it (a contact's student relationships, a
student's kept ``agentSourcedIds`` cell). Those the delta did not delete itself (its
``enrollments.csv`` rows with ``status=tobedeleted``) are counted in one problem.

A deleted role (1.2 ``roles.csv``, or a 1.1 ``users.csv`` row of a user written as
several rows) leaves the user, and so its enrollments stay: the source did not delete
them, and guessing which of them the deletion meant is not the reader's to do. Those of
the user's enrollments, in classes of the role's org, in a role the user no longer holds
there, are counted in one problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from .csvutil import split_list
from .enrollcols import OTHER_ROLES_KEY
from .oneroster_cols import ENROLLMENT_IDS_KEY, PREFIX
from .oneroster_grants import contact_role

__all__ = ["drop_users", "kept_role_enrollments"]

_SHOWN = 20  # ids a problem lists


def _shown(ids: Iterable[str]) -> str:
    got = sorted(ids)
    return ", ".join(got[:_SHOWN]) + (" …" if len(got) > _SHOWN else "")


def _plural(n: int, what: str, whats: str | None = None) -> str:
    return f"{n} {what if n == 1 else whats or what + 's'}"


def _without_in_section(sec: Any, dropped: set[str]) -> tuple[Any, dict[str, int], set[str]]:
    """(section ``sec`` without the users ``dropped``, the enrollments removed by role
    group, the users removed)."""
    counts = {"students": 0, "teachers": 0, "other roles": 0}
    who: set[str] = set()
    changes: dict[str, Any] = {}
    for field in ("students", "teachers"):
        have = getattr(sec, field) or ()
        left = tuple(u for u in have if u not in dropped)
        if len(left) != len(have):
            counts[field] += len(have) - len(left)
            who.update(u for u in have if u in dropped)
            changes[field] = left or None  # (none left: as a bulk load of no enrollment)
    if sec.teacher is not None and sec.teacher in dropped:
        changes["teacher"] = None
        if sec.teacher not in (sec.teachers or ()):
            counts["teachers"] += 1
            who.add(sec.teacher)
    extra = dict(sec.extra)
    for key, users in sec.extra.items():
        if key.startswith(OTHER_ROLES_KEY) and isinstance(users, list):
            left_users = [u for u in users if u not in dropped]
            if len(left_users) != len(users):
                counts["other roles"] += len(users) - len(left_users)
                who.update(u for u in users if u in dropped)
                if left_users:
                    extra[key] = left_users
                else:
                    del extra[key]
    ids = sec.extra.get(ENROLLMENT_IDS_KEY)
    if isinstance(ids, dict) and any(u in dropped for users in ids.values() for u in users):
        extra[ENROLLMENT_IDS_KEY] = {role: {u: e for u, e in users.items() if u not in dropped}
                                     for role, users in ids.items()}
    if extra != dict(sec.extra):
        changes["extra"] = MappingProxyType(extra)
    return (attrs.evolve(sec, **changes) if changes else sec), counts, who


def _role_kept(contact: Any) -> Any:
    """Contact record ``contact`` (its links still there) with the OneRoster role they say
    in ``extra["oneroster.role"]``, as the reader keeps a contact's that no link says
    (``guardian``, the role a contact without one is written as, is not kept)."""
    if PREFIX + "role" in contact.extra:
        return contact
    role = contact_role(contact)
    if role == "guardian":
        return contact
    return attrs.evolve(contact, extra=MappingProxyType({**contact.extra, PREFIX + "role": role}))


def _without_links(user: Any, dropped: set[str]) -> tuple[Any, list[str]]:
    """(user without its links to the users ``dropped``, the students of the contact
    links that went)."""
    gone: list[str] = []
    contact = user.roles.contact
    if contact is not None and contact.student_relationships:
        rels = contact.student_relationships
        kept = tuple(s for s in rels if s.student not in dropped)
        if len(kept) != len(rels):
            gone = [s.student for s in rels if s.student in dropped]
            if not kept:  # (no link left to say its OneRoster role: kept, as a bulk load does)
                user = _role_kept(user)
            contact = attrs.evolve(contact, student_relationships=kept or None)
            user = attrs.evolve(user, roles=attrs.evolve(user.roles, contact=contact))
    key = PREFIX + "agentSourcedIds"  # (a student's side of its links, kept as given)
    cell = user.extra.get(key) if user.extra else None
    if isinstance(cell, str):
        named = split_list(cell)
        left = [a for a in named if a not in dropped]
        if len(left) != len(named):
            extra = {k: v for k, v in user.extra.items() if k != key}
            if left:
                extra[key] = ",".join(left)
            user = attrs.evolve(user, extra=MappingProxyType(extra))
    return user, gone


def _names_any(sec: Any, dropped: set[str]) -> bool:
    """Whether section ``sec`` names any of the users ``dropped`` (a quick look first:
    most sections name none)."""
    if sec.teacher in dropped or not dropped.isdisjoint(sec.students or ()) or (
            not dropped.isdisjoint(sec.teachers or ())):
        return True
    for key, value in (sec.extra or {}).items():
        if key.startswith(OTHER_ROLES_KEY) and isinstance(value, list):
            named: Iterable[Any] = value
        elif key == ENROLLMENT_IDS_KEY and isinstance(value, dict):
            named = (u for users in value.values() for u in users)
        else:
            continue
        if not dropped.isdisjoint(named):
            return True
    return False


def drop_users(kinds: dict[str, dict[str, Any]], dropped: set[str],
               problem: Callable[..., None]) -> set[str]:
    """Take every reference to the deleted users ``dropped`` out of ``kinds`` (the records
    once the delta is applied); ``problem`` (a builder's) tells those taken, in one
    problem. Returns the ids of the sections changed."""
    if not dropped:
        return set()
    changed: set[str] = set()
    classes: set[str] = set()  # (those that lost an enrollment, not only an id)
    counts = {"students": 0, "teachers": 0, "other roles": 0}
    who: set[str] = set()
    secs = kinds["sections"]
    for cid, sec in list(secs.items()):
        if not _names_any(sec, dropped):
            continue
        new, n, w = _without_in_section(sec, dropped)
        if new is not sec:
            secs[cid] = new
            changed.add(cid)
            who |= w
            if w:
                classes.add(cid)
            for k, v in n.items():
                counts[k] += v
    links = 0
    users = kinds["users"]
    for uid, user in list(users.items()):
        new, students = _without_links(user, dropped)
        if new is not user:
            users[uid] = new
            links += len(students)
            who.update(students)
    total = sum(counts.values())
    if total or links:
        parts = []
        if total:
            by = ", ".join(f"{k}: {v}" for k, v in counts.items() if v)
            parts.append(f"{_plural(total, 'enrollment')} ({by}) in "
                         f"{_plural(len(classes), 'class', 'classes')}")
        if links:
            parts.append(_plural(links, "contact link") + " to students")
        problem("other", f"{' and '.join(parts)} removed with the users this delta deletes "
                "(users.csv status tobedeleted), which the delta did not remove itself "
                "(by enrollments.csv rows with status tobedeleted, or a contact's row given "
                "again): a bulk export after the deletion holds none; users "
                f"{_shown(who)}",
                file="users.csv", kind="sections")
    return changed


def kept_role_enrollments(kinds: Mapping[str, Mapping[str, Any]],
                          deleted: Iterable[tuple[str, str, str | None]],
                          holds: Callable[[Any, str, str | None], bool],
                          problem: Callable[..., None], file: str) -> None:
    """Tell (one problem, counts) the enrollments kept of users whose role a delta deleted
    (``deleted``: ``(user, role, org)``; ``None``: every org) in classes of that org, in a
    role the user no longer holds there (``holds``, of the user's record)."""
    users = kinds["users"]
    wanted: dict[str, list[tuple[str, str | None]]] = {}
    for uid, role, org in deleted:
        user = users.get(uid)
        if user is not None and not holds(user, role, org):
            wanted.setdefault(uid, []).append((role, org))
    if not wanted:
        return
    kept: set[tuple[str, str, str]] = set()
    for cid, sec in kinds["sections"].items():
        orgs = {sec.school, sec.extra.get("oneroster_org") if sec.extra else None}
        for uid, gone in wanted.items():
            for role, org in gone:
                if org is not None and org not in orgs:
                    continue
                if role == "student":
                    listed = uid in (sec.students or ())
                elif role == "teacher":
                    listed = uid in (sec.teachers or ()) or sec.teacher == uid
                else:
                    other = sec.extra.get(OTHER_ROLES_KEY + role) if sec.extra else None
                    listed = isinstance(other, list) and uid in other
                if listed:
                    kept.add((cid, uid, role))
    if kept:
        classes = {c for c, _, _ in kept}
        who = {u for _, u, _ in kept}
        problem("other", f"{_plural(len(kept), 'enrollment')} in "
                f"{_plural(len(classes), 'class', 'classes')} kept of users whose role "
                f"there this delta deletes ({file} status tobedeleted) but whose "
                "enrollments it does not delete (enrollments.csv status tobedeleted): the user is still listed in a role it no longer "
                f"holds at the class's org; users {_shown(who)}", file=file, kind="sections")
