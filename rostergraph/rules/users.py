"""User rules: RG-USR-001..005, orphans (RG-STU-001, RG-TEA-001, RG-STF-001,
RG-CON-001) and RG-CON-002.

Messages name user ids only: never names, emails or dates of birth.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from itertools import repeat
from types import MappingProxyType

import numpy as np

from ..graph import ROLE_BITS, RosterGraph
from ..queries import orphaned_users
from ..roster import Roster
from ._util import cache, field_column, records_at
from .registry import RULES, Finding, frozen_values, rule


def role_names(mask: int) -> tuple[str, ...]:
    """Role names of a role bitmask, in Clever's order."""
    return tuple(r for r, b in ROLE_BITS.items() if mask & b)


_EMPLOYEE = ROLE_BITS["teacher"] | ROLE_BITS["staff"] | ROLE_BITS["district_admin"]
_NOT_MERGED = ROLE_BITS["student"] | ROLE_BITS["contact"]

#: StudentRelationship enums (Clever v3.0), compared exactly.
RELATIONSHIPS = frozenset({"Parent", "Grandparent", "Self", "Aunt/Uncle", "Sibling", "Other", ""})
RELATIONSHIP_TYPES = frozenset({"Parent/Guardian", "Emergency", "Primary", "Secondary", "Family",
                                "Other", ""})


_ENUMS: tuple[tuple[str, frozenset[str]], ...] = (("relationship", RELATIONSHIPS),
                                                  ("type", RELATIONSHIP_TYPES))
_EXPECTED = tuple(f"{', '.join(sorted(x for x in allowed if x))} or empty"
                  for _, allowed in _ENUMS)


@rule("RG-USR-001", "warning", "email without '@'")
def usr_email_no_at(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """A non-empty ``email`` (or ``roles.student.email``) with no ``@``."""
    me = RULES["RG-USR-001"]
    ids = g.ids("user")
    for field, column in (("email", "email"), ("roles.student.email", "student_email")):
        col = field_column(g, "user", column)
        rows = np.flatnonzero(np.fromiter(map(bool, col.tolist()), dtype=bool, count=len(col)))
        emails = col[rows].tolist()
        has_at = np.fromiter(map(str.__contains__, emails, repeat("@")), dtype=bool,
                             count=len(emails))
        values = frozen_values(field=field)
        for uid in ids[rows[~has_at]].tolist():
            yield me.finding("user", uid, f"user {uid}: {field} has no '@'", values)


def _maybe_shared(values: list[object]) -> np.ndarray:
    """Ascending positions of ``values`` that may equal another value: a superset of the
    repeated ones, found with two bincounts over bits of the values' hashes (no sort, no
    dict of every value)."""
    n = len(values)
    if n < 2:
        return np.zeros(0, dtype=np.int64)
    h = np.fromiter(map(hash, values), dtype=np.int64, count=n)
    bits = min(max((4 * n).bit_length(), 10), 24)
    mask = (1 << bits) - 1
    low = h & mask
    cand = np.flatnonzero(np.bincount(low, minlength=mask + 1)[low] > 1)
    high = (h[cand] >> bits) & mask
    return cand[np.bincount(high, minlength=mask + 1)[high] > 1]


def _email_groups(roster: Roster, g: RosterGraph) -> list[list[int]]:
    """User indices sharing an exact, non-empty email (groups of two or more, each in
    index order)."""
    c = cache(g)
    if "email_groups" not in c:
        emails = field_column(g, "user", "email").tolist()
        groups: dict[str, list[int]] = {}
        for i in _maybe_shared(emails).tolist():
            e = emails[i]
            if e:
                groups.setdefault(e, []).append(i)
        c["email_groups"] = [v for v in groups.values() if len(v) > 1]
    return c["email_groups"]


@rule("RG-USR-002", "warning",
      "two staff-type users (district admin, staff, teacher) share an email")
def usr_employee_email_shared(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """Clever merges employees by email, so two employee users with one email were not merged."""
    me = RULES["RG-USR-002"]
    ids = g.ids("user")
    for grp in _email_groups(roster, g):
        emp = sorted(ids[i] for i in grp if g.roles[i] & _EMPLOYEE)
        if len(emp) > 1:
            yield me.finding("user", emp,
                             f"{len(emp)} staff-type users share one email: {', '.join(emp)}",
                             {"users": len(emp)})


@rule("RG-USR-003", "info", "email shared with a student or contact (allowed)")
def usr_email_shared_with_student(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """Users sharing an email where at least one holds the student or contact role."""
    me = RULES["RG-USR-003"]
    ids = g.ids("user")
    for grp in _email_groups(roster, g):
        masks = g.roles[grp]
        if (masks & _NOT_MERGED).any():
            users = sorted(ids[i] for i in grp)
            n_st = int(np.count_nonzero(masks & ROLE_BITS["student"]))
            n_ct = int(np.count_nonzero(masks & ROLE_BITS["contact"]))
            yield me.finding("user", users,
                             f"{len(users)} users share one email, including "
                             f"{n_st} student(s) and {n_ct} contact(s): {', '.join(users)}",
                             {"users": len(users), "students": n_st, "contacts": n_ct})


#: How many ids a grouped finding lists (its ``values["users"]`` has the full count).
GROUP_IDS_SHOWN = 10


@rule("RG-USR-004", "info", "name only in `last` (contacts do this by design)")
def usr_name_only_last(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """A user whose name has ``last`` but neither ``first`` nor ``middle``.

    Clever stores a contact's full name in ``last`` by design, so the contacts
    that do it are reported together, as one finding with their count (an app
    that shows ``first last`` or sorts by last name must expect it) naming the
    first :data:`GROUP_IDS_SHOWN` ids. For a user without the contact role it
    is more likely a data-entry slip: one finding per user.
    """
    me = RULES["RG-USR-004"]
    contact = ROLE_BITS["contact"]
    hits = np.flatnonzero(field_column(g, "user", "name_only_last"))
    if not len(hits):
        return
    masks = g.roles[hits]
    ids = g.ids("user")
    is_contact = (masks & contact) != 0
    contacts = ids[hits[is_contact]].tolist()
    if contacts:
        n = len(contacts)
        shown = heapq.nsmallest(GROUP_IDS_SHOWN, contacts)
        more = f" and {n - len(shown):,} more" if n > len(shown) else ""
        yield me.finding("user", shown,
                         f"{n:,} {'contact has' if n == 1 else 'contacts have'} a name only in "
                         f"name.last (as Clever does for contacts): {', '.join(shown)}{more}",
                         {"contact": True, "users": n, "shown": len(shown)})
    others = np.flatnonzero(~is_contact)
    if not len(others):
        return
    other_masks = masks[others].tolist()
    labels = {m: ", ".join(role_names(m)) or "no role" for m in set(other_masks)}
    shared = {m: frozen_values(roles=role_names(m), contact=False) for m in set(other_masks)}
    for m, uid in zip(other_masks, ids[hits[others]].tolist()):
        yield me.finding("user", uid, f"user {uid} ({labels[m]}) has a name only in name.last",
                         shared[m])


@rule("RG-USR-005", "error", "user with no role, or an illegal multi-role combination")
def usr_illegal_roles(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """A user with no role, or with several roles one of which is student or contact.

    Clever merges users only across employee roles (district admin, staff,
    teacher); a multi-role user must hold a teacher or staff role.
    """
    me = RULES["RG-USR-005"]
    n_u = g.n_records("user")
    m = g.roles[:n_u].astype(np.int64)
    popcount = sum((m >> b) & 1 for b in range(len(ROLE_BITS)))
    multi = popcount > 1
    bad = np.flatnonzero((m == 0) | (multi & ((m & _NOT_MERGED) != 0))
                         | (multi & ((m & (ROLE_BITS["teacher"] | ROLE_BITS["staff"])) == 0)))
    ids = g.ids("user")
    for i in bad.tolist():
        roles = g.role_names(i)
        if not roles:
            yield me.finding("user", ids[i], f"user {ids[i]} has no role",
                             {"roles": (), "reason": "no_role"})
        else:
            yield me.finding("user", ids[i],
                             f"user {ids[i]} holds roles {' + '.join(roles)}, a combination "
                             "Clever does not merge", {"roles": roles,
                                                       "reason": "illegal_combination"})


_ORPHAN_VALUES = {role: frozen_values(role=role, reason=reason) for role, reason in (
    ("student", "no_section"), ("teacher", "no_section"), ("contact", "no_student"),
    ("staff", "no_school"))}


def _orphans(g: RosterGraph) -> dict[str, list[str]]:
    """role → orphaned user ids, from :func:`rostergraph.queries.orphaned_users`."""
    c = cache(g)
    if "orphans" not in c:
        t = orphaned_users(g)
        out: dict[str, list[str]] = {}
        for user, role, _reason in zip(t["user"].tolist(), t["role"].tolist(),
                                       t["reason"].tolist()):
            out.setdefault(role, []).append(user)
        if not g.n_records("section"):
            # no sections delivered: nobody can be in one. That is RG-SRC-001's single
            # finding, not one RG-STU-001/RG-TEA-001 per student and teacher.
            out.pop("student", None)
            out.pop("teacher", None)
        c["orphans"] = out
    return c["orphans"]


@rule("RG-STU-001", "warning", "student in no section")
def stu_orphan(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """A user with the student role enrolled in no section (associated with no teacher)."""
    me = RULES["RG-STU-001"]
    for uid in _orphans(g).get("student", ()):
        yield me.finding("user", uid, f"student {uid} is in no section",
                         _ORPHAN_VALUES["student"])


@rule("RG-TEA-001", "warning", "teacher in no section")
def tea_orphan(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """A user with the teacher role who teaches no section (associated with no student)."""
    me = RULES["RG-TEA-001"]
    for uid in _orphans(g).get("teacher", ()):
        yield me.finding("user", uid, f"teacher {uid} teaches no section",
                         _ORPHAN_VALUES["teacher"])


@rule("RG-STF-001", "warning", "staff with no schools, or with a singular `school`")
def stf_no_schools(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """Staff whose ``schools`` is empty, or whose staff role carries a ``school`` key.

    A school id without a record still counts (the missing record is RG-REF-001's).
    """
    me = RULES["RG-STF-001"]
    for uid in _orphans(g).get("staff", ()):
        yield me.finding("user", uid, f"staff {uid} has no school in schools",
                         _ORPHAN_VALUES["staff"])
    n_u = g.n_records("user")
    staff = np.flatnonzero(g.roles[:n_u] & ROLE_BITS["staff"])
    for uid, u in records_at(g, "user", staff.tolist()):  # staff are few: build only theirs
        sf = u.roles.staff
        if sf is not None and "school" in sf.extra:
            yield me.finding("user", uid,
                             f"staff {uid} has a singular roles.staff.school (staff have only "
                             "schools, no primary school)",
                             {"role": "staff", "reason": "singular_school"})


@rule("RG-CON-001", "warning", "contact not related to any existing student")
def con_orphan(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """A contact none of whose ``student_relationships`` names an existing student."""
    me = RULES["RG-CON-001"]
    for uid in _orphans(g).get("contact", ()):
        yield me.finding("user", uid, f"contact {uid} is related to no existing student",
                         _ORPHAN_VALUES["contact"])


@rule("RG-CON-002", "info", "contact relationship/type outside the enum")
def con_enum(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """A ``student_relationships`` entry whose ``relationship`` or ``type`` is not in the enum."""
    me = RULES["RG-CON-002"]
    rel = g.relations["contact_for"]
    uids = g.ids("user")
    found: list[tuple[int, np.ndarray]] = []
    for k, (attr, allowed) in enumerate(_ENUMS):
        vals = rel.attrs[attr].tolist()
        odd = {v for v in set(vals) if v is not None and v not in allowed}
        if odd:
            found.append((k, np.flatnonzero(np.fromiter(map(odd.__contains__, vals),
                                                        dtype=bool, count=len(vals)))))
    if not found:
        return
    edges = np.concatenate([bad for _, bad in found])
    which = np.concatenate([np.full(len(bad), k, dtype=np.int8) for k, bad in found])
    contacts, students = uids[rel.src[edges]], uids[rel.dst[edges]]
    if len(edges) > 1:
        # by contact id: nearly the findings' order (validate sorts exactly, and sorting
        # nearly sorted findings is several times cheaper than sorting them at random)
        order = np.argsort(contacts.astype(str), kind="stable")
        edges, which, contacts, students = (edges[order], which[order], contacts[order],
                                            students[order])
    rid, sev = me.id, me.severity
    values = np.empty(len(edges), dtype=object)
    for k, (attr, _) in enumerate(_ENUMS):
        at = which == k
        values[at] = rel.attrs[attr][edges[at]]
    # the message's text between the ids, once per (field, value)
    parts: dict[tuple[int, str], tuple[str, str, str]] = {}
    for c, st, k, v in zip(contacts.tolist(), students.tolist(), which.tolist(),
                           values.tolist()):
        p = parts.get((k, v))
        if p is None:
            attr = _ENUMS[k][0]
            p = parts[(k, v)] = (attr, f": {attr} {v!r} for student ",
                                 f" is not a Clever value ({_EXPECTED[k]})")
        yield Finding(rid, sev, "user", (c, st), f"contact {c}{p[1]}{st}{p[2]}",
                      MappingProxyType({"field": p[0], "value": v, "student": st}))
