"""The OneRoster roles a Clever user record reads from (the users reader's mapping,
:mod:`~rostergraph.io.oneroster_users`, backwards): what a delta read with a base roster
applies again to a base user, and what the 1.2 writer's role rows say."""

from __future__ import annotations

from typing import Any

from .csvcells import split_list
from .oneroster_cols import OR12_STAFF_ROLES, PREFIX, ROLES_KEY, kept_district

__all__ = ["CONTACT_ROLES", "DISTRICT_ADMIN_ROLES", "STAFF_ROLES", "contact_kind",
           "contact_role", "grants"]

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
