"""User rules: RG-USR-001..005, orphans (RG-STU-001, RG-TEA-001, RG-STF-001,
RG-CON-001) and RG-CON-002.

Messages name user ids only: never names, emails or dates of birth.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Any

import msgspec
import numpy as np

from ..columns import Codes
from ..graph import ROLE_BITS, RosterGraph
from ..lazy import LazyRecords
from ..queries import orphaned_users
from ..roster import Roster
from ._util import (
    cache,
    contains,
    field_column,
    field_values_at,
    group_members,
    maybe_repeated,
    reader_column,
    records_at,
)
from .findings import FindingBlock, dense_codes
from .registry import RULES, rule

#: A user's JSON text as far as its staff role's keys (RG-STF-001).
_RolesStaffKeys = msgspec.defstruct("_RolesStaffKeys", [("staff", dict | None, None)], gc=False)
_UserStaffKeys = msgspec.defstruct("_UserStaffKeys", [("roles", _RolesStaffKeys | None, None)],
                                   gc=False)


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
def usr_email_no_at(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """A non-empty ``email`` (or ``roles.student.email``) with no ``@``."""
    me = RULES["RG-USR-001"]
    ids = g.ids("user")
    for field, column in (("email", "email"), ("roles.student.email", "student_email")):
        marks = reader_column(g.roster, "users", column + "_no_at")
        if marks is not None:  # a fast reader tested each email as it read it
            bad = np.flatnonzero(marks)
        else:
            col = field_column(g, "user", column)
            rows = np.flatnonzero((col != None) & (col != ""))
            bad = rows[~contains(col[rows], "@")]
        suffix = f"{field} has no '@'"
        # the message is "user <id>: <suffix>": among equal ids it sorts by the suffix
        yield FindingBlock(me, "user", ids=(ids[bad],), message="user {id0}: " + suffix,
                           values={"field": field}, order=suffix)


def _runs_of_equal(vals: np.ndarray, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An order of ``vals`` in which equal values are adjacent, and where each run of equal
    values starts in it (a mask); ``hashes`` are the values' hashes. The values are
    sorted by hash, and values of equal hashes compared; only if two different values
    share a hash are they grouped by a dict.

    Examples
    --------
    >>> v = np.array(["a", "b", "a", "c"], dtype=object)
    >>> order, new = _runs_of_equal(v, np.array([5, 5, 5, 9]))
    >>> [v[order[new]].tolist(), new.tolist()]
    [['a', 'b', 'c'], [True, False, True, True]]
    """
    order = np.argsort(hashes, kind="stable")
    key = hashes[order]
    new = np.ones(len(order), dtype=bool)
    np.not_equal(key[1:], key[:-1], out=new[1:])
    sv = vals[order]
    if bool((sv[1:] == sv[:-1])[~new[1:]].all()):
        return order, new
    # two different values with one hash: tell them apart by a dict
    first: dict[Any, int] = {}
    key = np.fromiter(map(first.setdefault, vals.tolist(), range(len(vals))),
                      dtype=np.int64, count=len(vals))
    order = np.argsort(key, kind="stable")
    key = key[order]
    np.not_equal(key[1:], key[:-1], out=new[1:])
    return order, new


def _email_groups(roster: Roster, g: RosterGraph) -> tuple[np.ndarray, np.ndarray]:
    """Users sharing an exact, non-empty email: ``(members, group)``, the user indices of
    every shared email and the email's group number (0, 1, ... in no particular order)."""
    c = cache(g)
    if "email_groups" not in c:
        # each email hashed once (the JSON Lines scan hashes them as it reads them, while
        # they are in cache); only emails whose hash is shared may be shared, and equal
        # emails have equal hashes: group by hash, then check that the strings of each
        # group are equal (only those strings are read)
        h = reader_column(g.roster, "users", "email_hash")
        if h is None:
            emails = field_column(g, "user", "email")
            h = np.fromiter(map(hash, emails), dtype=np.int64, count=len(emails))
        rows = maybe_repeated(h)
        vals = field_values_at(g, "user", "email", rows)
        odd = (h[rows] == hash(None)) | (h[rows] == hash(""))  # absent or empty: no group
        if odd.any():
            odd[odd] = (vals[odd] == None) | (vals[odd] == "")  # element-wise
            rows, vals = rows[~odd], vals[~odd]
        order, new = _runs_of_equal(vals, h[rows])
        rows = rows[order]
        gid = np.cumsum(new) - 1
        keep = np.bincount(gid)[gid] > 1 if len(gid) else new
        _, group = dense_codes(gid[keep])
        c["email_groups"] = (rows[keep], group)
    return c["email_groups"]


def _groups_of(g: RosterGraph, members: np.ndarray, group: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR groups of user ids (each in id order) and each group's member indices' group."""
    return group_members(group.astype(np.int64), g.ids("user")[members])


@rule("RG-USR-002", "warning",
      "two staff-type users (district admin, staff, teacher) share an email")
def usr_employee_email_shared(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """Clever merges employees by email, so two employee users with one email were not merged."""
    me = RULES["RG-USR-002"]
    members, group = _email_groups(roster, g)
    emp = (g.roles[members] & _EMPLOYEE) != 0
    flat, start, _ = _groups_of(g, members[emp], group[emp])
    yield FindingBlock(me, "user", groups=(flat, start),
                       message="{users} staff-type users share one email: {ids}",
                       values={"users": np.diff(start)})


@rule("RG-USR-003", "info", "email shared with a student or contact (allowed)")
def usr_email_shared_with_student(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """Users sharing an email where at least one holds the student or contact role."""
    me = RULES["RG-USR-003"]
    members, group = _email_groups(roster, g)
    masks = g.roles[members]
    n_groups = int(group.max()) + 1 if len(group) else 0

    def per_group(bits: int) -> np.ndarray:
        return np.bincount(group[(masks & bits) != 0], minlength=n_groups)

    hit = per_group(_NOT_MERGED) > 0
    keep = hit[group]
    flat, start, first = _groups_of(g, members[keep], group[keep])
    grp = group[keep][first]
    yield FindingBlock(me, "user", groups=(flat, start),
                       message=("{users} users share one email, including {students} "
                                "student(s) and {contacts} contact(s): {ids}"),
                       values={"users": np.diff(start),
                               "students": per_group(ROLE_BITS["student"])[grp],
                               "contacts": per_group(ROLE_BITS["contact"])[grp]})


#: How many ids a grouped finding lists (its ``values["users"]`` has the full count).
GROUP_IDS_SHOWN = 10


@rule("RG-USR-004", "info", "name only in `last` (contacts do this by design)")
def usr_name_only_last(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
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
        message = (f"{n:,} {'contact has' if n == 1 else 'contacts have'} a name only in "
                   f"name.last (as Clever does for contacts): {', '.join(shown)}{more}")
        yield FindingBlock(me, "user", groups=(np.array(shown, dtype=object), [0, len(shown)]),
                           message=np.array([message], dtype=object),
                           values={"contact": True, "users": np.array([n]),
                                   "shown": np.array([len(shown)])})
    others = hits[~is_contact]
    other_masks = masks[~is_contact]
    for m in sorted(set(other_masks.tolist())):  # one block per role combination
        label = (", ".join(role_names(m)) or "no role").replace("{", "{{").replace("}", "}}")
        yield FindingBlock(me, "user", ids=(ids[others[other_masks == m]],),
                           message="user {id0} (" + label + ") has a name only in name.last",
                           values={"roles": role_names(m), "contact": False})


@rule("RG-USR-005", "error", "user with no role, or an illegal multi-role combination")
def usr_illegal_roles(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
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
    for mask in sorted(set(m[bad].tolist())):  # one block per role combination
        roles = role_names(mask)
        at = ids[bad[m[bad] == mask]]
        if not roles:
            yield FindingBlock(me, "user", ids=(at,), message="user {id0} has no role",
                               values={"roles": (), "reason": "no_role"})
        else:
            yield FindingBlock(me, "user", ids=(at,),
                               message=("user {id0} holds roles " + " + ".join(roles)
                                        + ", a combination Clever does not merge"),
                               values={"roles": roles, "reason": "illegal_combination"})


_ORPHAN_REASONS = {"student": "no_section", "teacher": "no_section", "contact": "no_student",
                   "staff": "no_school"}


def _orphans(g: RosterGraph, role: str) -> np.ndarray:
    """The orphaned user ids of ``role``, from :func:`rostergraph.queries.orphaned_users`."""
    c = cache(g)
    if "orphans" not in c:
        c["orphans"] = orphaned_users(g)
    t = c["orphans"]
    if role in ("student", "teacher") and not g.n_records("section"):
        # no sections delivered: nobody can be in one. That is RG-SRC-001's single
        # finding, not one RG-STU-001/RG-TEA-001 per student and teacher.
        return np.empty(0, dtype=object)
    return np.asarray(t["user"], dtype=object)[np.asarray(t["role"], dtype=object) == role]


def _orphan_block(g: RosterGraph, rule_id: str, role: str, message: str) -> FindingBlock:
    return FindingBlock(RULES[rule_id], "user", ids=(_orphans(g, role),), message=message,
                        values={"role": role, "reason": _ORPHAN_REASONS[role]})


@rule("RG-STU-001", "warning", "student in no section")
def stu_orphan(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """A user with the student role enrolled in no section (associated with no teacher)."""
    yield _orphan_block(g, "RG-STU-001", "student", "student {id0} is in no section")


@rule("RG-TEA-001", "warning", "teacher in no section")
def tea_orphan(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """A user with the teacher role who teaches no section (associated with no student)."""
    yield _orphan_block(g, "RG-TEA-001", "teacher", "teacher {id0} teaches no section")


@rule("RG-STF-001", "warning", "staff with no schools, or with a singular `school`")
def stf_no_schools(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """Staff whose ``schools`` is empty, or whose staff role carries a ``school`` key.

    A school id without a record still counts (the missing record is RG-REF-001's).
    """
    me = RULES["RG-STF-001"]
    yield _orphan_block(g, "RG-STF-001", "staff", "staff {id0} has no school in schools")
    n_u = g.n_records("user")
    staff = np.flatnonzero(g.roles[:n_u] & ROLE_BITS["staff"])
    recs = g.roster.records("users")
    singular = np.zeros(len(staff), dtype=bool)
    todo = np.ones(len(staff), dtype=bool)  # answered from the record
    if isinstance(recs, LazyRecords):
        # a record not built yet is read from its text: the staff role's keys (the
        # `school` key, no field of a staff role, is its record's `extra`), not built
        decoder: Any = msgspec.json.Decoder(_UserStaffKeys)  # (a struct made at import: untyped)
        decode = decoder.decode
        for k, text in enumerate(recs.texts(staff.tolist(), copy=False)):
            if text is None:
                continue
            try:
                roles = decode(text).roles
            except (msgspec.ValidationError, msgspec.DecodeError):
                continue  # (a damaged snapshot's text): the record says
            keys = roles.staff if roles is not None else None
            singular[k] = keys is not None and "school" in keys
            todo[k] = False
    at = np.flatnonzero(todo)
    for k, (_, u) in zip(at.tolist(), records_at(g, "user", staff[at].tolist())):
        singular[k] = u.roles.staff is not None and "school" in u.roles.staff.extra
    yield FindingBlock(me, "user", ids=(g.ids("user")[staff[singular]],),
                       message=("staff {id0} has a singular roles.staff.school (staff have "
                                "only schools, no primary school)"),
                       values={"role": "staff", "reason": "singular_school"})


@rule("RG-CON-001", "warning", "contact not related to any existing student")
def con_orphan(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """A contact none of whose ``student_relationships`` names an existing student."""
    yield _orphan_block(g, "RG-CON-001", "contact",
                        "contact {id0} is related to no existing student")


@rule("RG-CON-002", "info", "contact relationship/type outside the enum")
def con_enum(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """A ``student_relationships`` entry whose ``relationship`` or ``type`` is not in the enum."""
    me = RULES["RG-CON-002"]
    rel = g.relations["contact_for"]
    uids = g.ids("user")
    for k, (attr, allowed) in enumerate(_ENUMS):
        # each value coded in one pass (a Python call per distinct value only); the odd
        # ones are then found among the codes
        names: list[Any] = []
        codes = np.fromiter(map(Codes({}, names).__getitem__, rel.attrs[attr].tolist()),
                            dtype=np.int64, count=len(rel.src))
        odd = np.array([v is not None and v not in allowed for v in names] + [False])[:-1]
        if not odd.any():
            continue
        bad = np.flatnonzero(odd[codes])
        value, student = rel.attrs[attr][bad], uids[rel.dst[bad]]
        # the message is "contact <id>: <suffix>"; among equal ids (so the same student) it
        # sorts by the suffix, that is by "<attr> <repr> " (the rest of it is then the same,
        # and the space keeps a repr that is a prefix of another first): written once per
        # distinct value, so no message is made to sort
        order = np.array([f"{attr} {v!r} " for v in names] + [""], dtype=object)[:-1]
        tail = f" is not a Clever value ({_EXPECTED[k]})"
        yield FindingBlock(me, "user", ids=(uids[rel.src[bad]], student),
                           message=("contact {id0}: " + attr + " {value!r} for student {id1}"
                                    + tail.replace("{", "{{").replace("}", "}}")),
                           values={"field": attr, "value": value, "student": student},
                           order=order[codes[bad]])
