"""Users linked to no one, per role: ``orphaned_users``."""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np

from .._collector import collector_paused
from ..graph import ROLE_BITS, RosterGraph
from ..lazy import LazyRecords
from ..table import Table
from ._common import ROLE_NAMES_ORDER, _ids, need_graph
from .visibility import _staff_schools

#: A user's JSON text read for its staff role's ``schools`` alone (other keys skipped)
_StaffSchools = msgspec.defstruct("_StaffSchools", [("schools", list[str] | None, None)],
                                  gc=False)
_RolesStaff = msgspec.defstruct("_RolesStaff", [("staff", _StaffSchools | None, None)],
                                gc=False)
_UserStaff = msgspec.defstruct("_UserStaff", [("roles", _RolesStaff | None, None)], gc=False)


def _without_staff_schools(g: RosterGraph, rows: np.ndarray) -> np.ndarray:
    """Which users at ``rows`` (staff) list no school in their staff role. A record not
    built yet is read from its JSON text for that list alone; a built record, or a text
    whose list is not a list of strings, answers from the record."""
    users, recs = g.ids("user"), g.roster.users
    texts: list[Any] = (recs.texts(rows.tolist(), copy=False)
                        if isinstance(recs, LazyRecords) else [None] * len(rows))
    decoder: Any = msgspec.json.Decoder(_UserStaff)  # (a struct made at import: untyped)
    decode = decoder.decode
    out = np.zeros(len(rows), dtype=bool)
    with collector_paused():  # building records: collections would cost more than reads
        for k, (row, text) in enumerate(zip(rows.tolist(), texts)):
            if text is not None:
                try:
                    roles = decode(text).roles
                except (msgspec.ValidationError, msgspec.DecodeError):
                    pass
                else:
                    staff = roles.staff if roles is not None else None
                    out[k] = not (staff is not None and staff.schools)
                    continue
            out[k] = not _staff_schools(g, users[row])
    return out


def orphaned_users(g: RosterGraph) -> Table:
    """Every (user, role) whose role links the user to no one.

    Returns
    -------
    Table
        ``user``, ``role``, ``reason`` (``no_section``, ``no_student``,
        ``no_school``), ordered by user (roster order) then role.

    Notes
    -----
    ``docs/queries.md``: "**orphaned users**: one row per (user, role) where that role
    links the user to no one — student role in no section (`no_section`);
    teacher role in no section (`no_section`); contact role with no
    relationship to an existing student (`no_student`); staff role with no
    school (`no_school`). A multi-role user appears once per orphaned role.
    A district admin is never orphaned. References to missing records are
    not orphans: they are findings of RG-REF-001." Only existing sections
    and students link (a section or user without a record is no one), but a
    school is a place known by its id: a staff member whose ``schools`` name
    only schools without a record is not ``no_school``. The missing records
    themselves are never listed.

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> orphaned_users(g).columns
    ['user', 'role', 'reason']
    """
    need_graph(g, "orphaned_users")
    n_u = g.n_records("user")
    roles = g.roles[:n_u]
    found: list[tuple[np.ndarray, str, str]] = []
    mask = np.empty(n_u, dtype=bool)  # scratch, reused (fresh memory is slow to fault in)
    bits = np.empty(n_u, dtype=np.uint8)
    for role, relation in (("student", "enrolled_in"), ("teacher", "teaches")):
        # every edge of these relations ends at an existing section (the section lists it)
        indptr = g.relations[relation].indptr
        np.equal(indptr[1:n_u + 1], indptr[:n_u], out=mask)
        np.bitwise_and(roles, ROLE_BITS[role], out=bits)
        np.logical_and(mask, bits, out=mask)
        found.append((np.flatnonzero(mask), role, "no_section"))
    # contact: a relationship to an existing user holding the student role (stubs have
    # no role bits)
    rel = g.relations["contact_for"]
    to_student = (g.roles[rel.dst] & ROLE_BITS["student"]) != 0
    to_student &= rel.src < n_u  # sources are the contacts' records
    mask.fill(False)
    mask[rel.src[to_student]] = True  # linked
    np.bitwise_and(roles, ROLE_BITS["contact"], out=bits)
    np.logical_and(np.logical_not(mask, out=mask), bits, out=mask)
    found.append((np.flatnonzero(mask), "contact", "no_student"))
    # staff: the staff role's own `schools`, empty or not. A school id without a record is
    # still a school (a place known by its id; the missing record is RG-REF-001's). For a
    # user who is not also a teacher, `works_at` holds exactly those; otherwise read the
    # record.
    staff = np.flatnonzero((roles & ROLE_BITS["staff"]) != 0)
    works = g.relations["works_at"]
    has_school = np.zeros(n_u, dtype=bool)
    has_school[works.src[works.src < n_u]] = True
    also_teacher = (roles[staff] & ROLE_BITS["teacher"]) != 0
    no_school = staff[~also_teacher & ~has_school[staff]]
    mixed = staff[also_teacher]
    mixed_none = mixed[~has_school[mixed]]  # no school at all: the staff role has none either
    mixed = mixed[has_school[mixed]]
    if len(mixed) or len(mixed_none):
        read = mixed[_without_staff_schools(g, mixed)]
        no_school = np.sort(np.concatenate([no_school, mixed_none,
                                            np.asarray(read, dtype=np.int64)]))
    found.append((no_school, "staff", "no_school"))
    idx = np.concatenate([f[0] for f in found]).astype(np.int64)
    rank = np.concatenate([np.full(len(f[0]), ROLE_NAMES_ORDER[f[1]], dtype=np.int64)
                           for f in found])
    order = np.argsort((idx << 3) | rank, kind="stable")
    which = np.repeat(np.arange(len(found)), [len(f[0]) for f in found])[order]
    roles_of = np.array([role for _, role, _ in found], dtype=object)
    reasons_of = np.array([reason for _, _, reason in found], dtype=object)
    return Table({"user": _ids(g, "user", idx[order]), "role": roles_of[which],
                  "reason": reasons_of[which]}, name="orphaned users")
