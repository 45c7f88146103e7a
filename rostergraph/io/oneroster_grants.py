"""The OneRoster roles a Clever user record reads from (the users reader's mapping,
:mod:`~rostergraph.io.oneroster_users`, backwards): what a delta read with a base roster
applies again to a base user, and what the 1.2 writer's role rows say."""

from __future__ import annotations

from typing import Any

from .csvcells import split_list
from .oneroster_cols import (
    OR12_STAFF_ROLES,
    PREFIX,
    ROLES_KEY,
    kept_district,
    role_row_ids,
    staff_role_tokens,
)

__all__ = ["CONTACT_ROLES", "DISTRICT_ADMIN_ROLES", "STAFF_ROLES", "base_role_rows",
           "clever_role", "contact_kind", "contact_role", "grants"]

STAFF_ROLES = frozenset(OR12_STAFF_ROLES)  # (1.2's, read back as staff)
DISTRICT_ADMIN_ROLES = {"districtAdministrator", "systemAdministrator"}
CONTACT_ROLES = {"parent": ("Parent", "Parent/Guardian"),
                 "guardian": ("Other", "Parent/Guardian"),
                 "relative": ("Other", "Family")}


def grants(user: Any) -> list[tuple[str, list[str]]]:
    """``(OneRoster role, orgs)`` a user's roles read from (the reader's mapping backwards):
    the primary school first; a student's, teacher's or staff member's with no school, at
    the user's district when a kept 1.2 role row of it says so (:func:`kept_district`)."""
    out: list[tuple[str, list[str]]] = []
    roles = user.roles
    kept = user.extra.get(ROLES_KEY)
    for name in roles.names:
        r = getattr(roles, name)
        if name in ("student", "teacher"):
            schools = list(r.schools or ())
            if r.school is not None:
                schools = [r.school, *(s for s in schools if s != r.school)]
            out.append((name, schools or kept_district(kept, user.district, (name,))))
        elif name == "staff":
            schools = list(r.schools or ()) or kept_district(
                kept, user.district, (*STAFF_ROLES, "administrator"))
            given = [v for v in r.roles or () if v in STAFF_ROLES]
            out += [(v, schools) for v in given] or [("administrator", schools)]
        elif name == "district_admin":
            out.append(("districtAdministrator", [user.district] if user.district else []))
        elif name == "contact":
            role = _contact_role_of(user, r)
            orgs = user.extra.get(PREFIX + "orgSourcedIds")
            out.append((role, split_list(orgs) if isinstance(orgs, str) else []))
    other = user.extra.get(PREFIX + "role")
    if isinstance(other, str) and other and other not in CONTACT_ROLES:
        out.append((other, []))
    return out


def contact_kind(user: Any) -> tuple[str, str]:
    """``(relationship, type)`` of the student relationships the reader gives contact
    ``user`` (a record), from its OneRoster role (``parent``, ``guardian``, ``relative``)."""
    return CONTACT_ROLES[contact_role(user)]


def contact_role(user: Any) -> str:
    """The OneRoster role contact ``user`` (a record) was read from."""
    return _contact_role_of(user, user.roles.contact)


def _contact_role_of(user: Any, r: Any) -> str:
    """The OneRoster role a contact record read from (contact role ``r``)."""
    role = user.extra.get(PREFIX + "role")
    if isinstance(role, str) and role in CONTACT_ROLES:
        return role
    rels = r.student_relationships or ()
    first = rels[0] if rels else None
    return ("parent" if first is not None and first.relationship == "Parent"
            else "relative" if first is not None and first.type == "Family"
            else "guardian")


def clever_role(role: str, districts: list[str]) -> str | None:
    """The Clever role OneRoster role ``role`` is read as (``None``: none)."""
    if role in ("student", "teacher"):
        return role
    if role in DISTRICT_ADMIN_ROLES or (role == "administrator" and districts):
        return "district_admin"
    if role in STAFF_ROLES or role == "administrator":
        return "staff"
    return "contact" if role in CONTACT_ROLES else None


def base_role_rows(user: Any) -> list[tuple[str, str, str]]:
    """``(sourcedId, role, org)`` of the ``roles.csv`` rows the 1.2 writer writes for base
    record ``user``, in order (the first is ``roleType=primary``): one per role and org
    (a staff record's: one per 1.2 role it holds, each once, or ``siteAdministrator``,
    read as ``administrator``, and school), under the ids the writer gives them
    (:func:`~rostergraph.io.oneroster_cols.role_row_ids`: a source row's kept in
    ``extra["oneroster.roles"]``, else ``<user>:role:<n>``)."""
    kept_orgs = user.extra.get(PREFIX + "orgSourcedIds")
    staff = user.roles.staff
    rows: list[tuple[str, str, str]] = []  # (role written, role read, org)
    first_school: str | None = None
    for role, orgs in grants(user):
        orgs = list(dict.fromkeys(orgs))
        if staff is not None and (role in STAFF_ROLES or role == "administrator"):
            if any(w in STAFF_ROLES for w, _, _ in rows):
                continue  # (the staff record's rows: written at its first role)
            rows += [(t, t if t in (staff.roles or ()) else "administrator", o)
                     for t in staff_role_tokens(staff.roles) for o in orgs or [""]]
            continue
        if role in ("student", "teacher") and orgs and first_school is None:
            first_school = orgs[0]
        elif role in CONTACT_ROLES and not orgs and first_school:
            orgs = [first_school]  # (as written: the contact's row at the first school)
        elif clever_role(role, []) is None and user.roles.contact is None and isinstance(
                kept_orgs, str):
            orgs = split_list(kept_orgs)  # (the orgs no contact holds: this role's)
        rows += [(role, role, o) for o in orgs] or [(role, role, "")]
    ids = role_row_ids(user.id, [(w, o) for w, _, o in rows], user.extra.get(ROLES_KEY))
    return [(sid, role, org) for (sid, _), (_, role, org) in zip(ids, rows, strict=True)]
