"""Whether a OneRoster 1.2 ``users.csv`` ``primaryOrgSourcedId`` cell is said by the
roles a user was read with: a writer gives back as the user's primary org the first org
of the role it writes first (Clever's order: student, teacher, staff, district admin,
contact), so the cell is kept in ``extra`` unless that role's first school is it.

Examples
--------
>>> roles = {"teacher": {"school": "sA", "schools": ["sA"]}, "staff": {"schools": ["sB"]}}
>>> says_primary(roles, "staff", "sB", "sB", ["sB"]), says_primary(roles, "teacher", "sB", "sB", ["sA"])
(False, None)
"""

from __future__ import annotations

from typing import Any

from ..model import ROLE_NAMES

__all__ = ["says_primary"]


def _writes_first(roles: dict[str, Any], clever: str | None) -> bool:
    """Whether no role of ``roles`` comes before Clever role ``clever`` in Clever's order
    (a OneRoster writer's first role gives the user's ``primaryOrgSourcedId``)."""
    before = ROLE_NAMES if clever is None else ROLE_NAMES[:ROLE_NAMES.index(clever)]
    return not any(r in roles for r in before)


def says_primary(roles: dict[str, Any], clever: str | None, cell: str | None,
                  primary: str | None, orgs: list[str]) -> bool | None:
    """Whether a role put at ``orgs`` with ``primary`` first says the users.csv
    ``primaryOrgSourcedId`` ``cell`` as a writer gives it back: the role (Clever role
    ``clever``) is written first, and a student's, teacher's or staff member's first
    school is the cell (an aide's org beside a teacher's role says nothing), another
    role's org names it. ``None``: a role written first whose school is another org."""
    if cell is None or not _writes_first(roles, clever):
        return False
    if clever in ("student", "teacher", "staff"):
        r = roles[clever]
        first = r.get("school") if clever != "staff" else (r.get("schools") or [None])[0]
        return True if first == cell else None
    return primary == cell and cell in orgs
