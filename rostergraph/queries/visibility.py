"""What a user may see, by role: ``visible_users``."""

from __future__ import annotations

import numpy as np

from ..errors import RosterError
from ..graph import ROLE_BITS, RosterGraph
from ..lazy import LazyRecords
from ..table import Table
from ._common import _expand, _section_csr, _user_csr, need_graph


def _staff_schools(g: RosterGraph, user_id: str) -> tuple[str, ...]:
    staff = g.roster.users[user_id].roles.staff
    return staff.schools or () if staff is not None else ()


def visible_users(g: RosterGraph, user_id: str) -> Table:
    """What a user may see under their roles, and through what.

    Returns
    -------
    Table
        ``user`` (a visible user), ``role`` (that user's own roles,
        space-separated, e.g. ``"student"``), ``granted_by`` (the viewer's
        role that grants it), ``via`` (section id, school id, district id or
        the contact's relationship). One row per distinct (user, granted_by,
        via); the viewer is never listed.

    Notes
    -----
    ``docs/queries.md``: "**visible_users(user)**, by role, the union over a
    multi-role user's roles: teacher → students in their sections (plus
    those sections' other teachers); staff → users whose schools (primary or
    not) intersect the staff member's `schools`; district_admin → every user
    of the district; contact → the students in `student_relationships` that
    exist; student → the teachers of their sections."

    Examples
    --------
    >>> import rostergraph
    >>> from rostergraph.queries import reach_pairs, students_of
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> t = reach_pairs(g).to_list("teacher")[0]
    >>> set(students_of(g, t).to_list("student")) <= set(visible_users(g, t).to_list("user"))
    True
    """
    need_graph(g, "visible_users")
    u = g.index_of("user", user_id)
    n_u = g.n_records("user")
    mask = int(g.roles[u])
    parts: list[tuple[np.ndarray, str, np.ndarray]] = []  # (user idx, role, via ids)
    sec_ids = g.ids("section")
    if mask & ROLE_BITS["teacher"]:
        tin, tsec, _ = _user_csr(g, "teaches")
        my = tsec[tin[u]:tin[u + 1]]
        sindptr, studs, _ = _section_csr(g, "enrolled_in")
        w, pos = _expand(sindptr, my)
        parts.append((studs[pos], "teacher", sec_ids[my[w]]))
        tindptr, teachers, _ = _section_csr(g, "teaches")
        w, pos = _expand(tindptr, my)
        parts.append((teachers[pos], "teacher", sec_ids[my[w]]))
    if mask & ROLE_BITS["student"]:
        sin, ssec, _ = _user_csr(g, "enrolled_in")
        my = ssec[sin[u]:sin[u + 1]]
        tindptr, teachers, _ = _section_csr(g, "teaches")
        w, pos = _expand(tindptr, my)
        parts.append((teachers[pos], "student", sec_ids[my[w]]))
    if mask & ROLE_BITS["staff"]:
        # schools are places known by id: one without a record still groups its users
        found = set()
        for s in _staff_schools(g, user_id):
            try:
                found.add(g.index_of("school", s, allow_missing=True))
            except RosterError:  # an id that is no school node at all
                continue
        school_idx = np.array(sorted(found), dtype=np.int64)
        for rel_name in ("attends", "works_at"):
            rel = g.relations[rel_name]
            w, pos = _expand(rel.rindptr, school_idx)
            who = rel.rsrc[pos]
            parts.append((who, "staff", g.ids("school")[school_idx[w]]))
    if mask & ROLE_BITS["district_admin"]:
        district = g.roster.users[user_id].district
        records = g.roster.users
        # every user's district, read from the lazily loaded records' text (building
        # millions of records for one field would take minutes)
        districts = records.field_values("district") if isinstance(records, LazyRecords) \
            else [v.district for v in records.values()]
        same = np.fromiter((d == district for d in districts), dtype=bool, count=n_u)
        who = np.flatnonzero(same)
        via = np.empty(len(who), dtype=object)
        via[:] = district if district is not None else ""
        parts.append((who, "district_admin", via))
    if mask & ROLE_BITS["contact"]:
        rel = g.relations["contact_for"]
        lo, hi = rel.indptr[u], rel.indptr[u + 1]
        who = rel.dst[lo:hi]
        rels = rel.attrs["relationship"][lo:hi]
        ok = (who < n_u) & g.has_role("student")[who]
        via = np.array(["" if r is None else r for r in rels[ok].tolist()] or [], dtype=object)
        parts.append((who[ok], "contact", via))
    rows = {(int(w), role, v) for who, role, via in parts
            for w, v in zip(who.tolist(), via.tolist()) if w < n_u and w != u}
    rows_sorted = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
    users = g.ids("user")
    their_roles = {w: " ".join(g.role_names(w)) for w in {r[0] for r in rows_sorted}}
    return Table({"user": [users[r[0]] for r in rows_sorted],
                  "role": [their_roles[r[0]] for r in rows_sorted],
                  "granted_by": [r[1] for r in rows_sorted],
                  "via": [r[2] for r in rows_sorted]}, name=f"visible to {user_id}")


# --- cross-school ---------------------------------------------------------------
