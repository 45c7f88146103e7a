"""Reference rules: RG-REF-001 (id with no record), RG-REF-002 (user of the wrong role)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..graph import RELATIONS, ROLE_BITS, RosterGraph
from ..roster import Roster
from ._util import role_mask
from .registry import RULES, Finding, rule

#: relation → (side holding the field: "src" or "dst", the field it comes from)
REFERRING_FIELD: dict[str, tuple[str, str]] = {
    "in_district": ("src", "district"),
    "taught_at": ("src", "school"),
    "of_course": ("src", "course"),
    "in_term": ("src", "term_id"),
    "enrolled_in": ("dst", "students"),
    "teaches": ("dst", "teachers"),
    "attends": ("src", "roles.student.school/schools"),
    "works_at": ("src", "roles.teacher.school/schools, roles.staff.schools"),
    "administers": ("src", "district"),
    "contact_for": ("src", "roles.contact.student_relationships[].student"),
}


_WORKS_AT_FIELDS = ((ROLE_BITS["teacher"], "roles.teacher.school/schools"),
                    (ROLE_BITS["staff"], "roles.staff.schools"))


@rule("RG-REF-001", "error", "reference to an id with no record (per relation)")
def ref_missing(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """One finding per (relation, referring record, missing id)."""
    me = RULES["RG-REF-001"]
    for name, rel in g.relations.items():
        sk, dk = rel.src_kind, rel.dst_kind
        holder, field = REFERRING_FIELD.get(name, ("src", name))
        if holder == "src":
            bad = np.flatnonzero(rel.dst >= g.n_records(dk))
            refs, miss, rkind, mkind = rel.src[bad], rel.dst[bad], sk, dk
        else:
            bad = np.flatnonzero(rel.src >= g.n_records(sk))
            refs, miss, rkind, mkind = rel.dst[bad], rel.src[bad], dk, sk
        if not len(bad):
            continue
        fields = [field] * len(refs)
        if name == "works_at":  # name only the roles the user holds
            masks = g.roles[refs].tolist()
            fields = [", ".join(p for bit, p in _WORKS_AT_FIELDS if m & bit) or field
                      for m in masks]
        pairs = sorted(set(zip(g.ids(rkind)[refs].tolist(), g.ids(mkind)[miss].tolist(),
                               fields)))
        for ref, missing, field in pairs:
            values = {"relation": name, "field": field, "missing_kind": mkind,
                      "missing": missing}
            other = g.kind_of(missing)
            note = ""
            if other is not None and other != mkind:
                values["found_as"] = other
                note = f" (the id is a {other})"
            yield me.finding(rkind, (ref, missing),
                             f"{rkind} {ref}: {field} refers to {mkind} {missing}, "
                             f"which has no record{note}", values)


#: relation → (side that must hold the role, role, the field)
_ROLE_REFS: tuple[tuple[str, str, str, str], ...] = (
    ("enrolled_in", "src", "student", "students"),
    ("teaches", "src", "teacher", "teachers"),
    ("contact_for", "dst", "student", "roles.contact.student_relationships[].student"),
)


@rule("RG-REF-002", "error", "section or contact refers to a user without the needed role")
def ref_wrong_role(roster: Roster, g: RosterGraph) -> Iterator[Finding]:
    """``students``/``student_relationships`` naming a non-student, ``teachers`` a non-teacher."""
    me = RULES["RG-REF-002"]
    n_u = g.n_records("user")
    uids = g.ids("user")
    for name, side, role, field in _ROLE_REFS:
        rel = g.relations[name]
        users = rel.src if side == "src" else rel.dst
        others = rel.dst if side == "src" else rel.src
        bad = np.flatnonzero((users < n_u) & ~role_mask(g, role)[users])
        if not len(bad):
            continue
        okind = RELATIONS[name][1] if side == "src" else RELATIONS[name][0]
        pairs = sorted(set(zip(g.ids(okind)[others[bad]].tolist(), users[bad].tolist())))
        for ref, ui in pairs:
            uid = uids[ui]
            have = g.role_names(ui)
            yield me.finding(
                okind, (ref, uid),
                f"{okind} {ref}: {field} lists user {uid}, who has no {role} role "
                f"(roles: {', '.join(have) if have else 'none'})",
                {"relation": name, "field": field, "user": uid, "expected_role": role,
                 "roles": have})
