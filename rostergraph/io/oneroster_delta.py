"""A OneRoster delta bundle applied to a base roster (``read_oneroster(..., base=)``).

The delta's records replace those with the same id; rows with ``status=tobedeleted``
remove records (and an enrollment row removes that user from that class); a class row
keeps the base's enrollments plus the delta's.
"""

from __future__ import annotations

from typing import Any

from ..model import KINDS
from ..roster import Roster

__all__ = ["apply_delta"]

_DELTA_KINDS = {"orgs": ("districts", "schools"), "academicSessions": ("terms",),
                "courses": ("courses",), "classes": ("sections",), "users": ("users",)}


def apply_delta(base: Roster, delta: Roster, r: Any) -> Roster:
    """``base`` with the delta's records put in, its deletions taken out."""
    import attrs

    kinds = {k: dict(base.records(k)) for k in KINDS}
    for kind in KINDS:
        for rid, rec in delta.records(kind).items():
            old = kinds[kind].get(rid)
            if kind == "sections" and old is not None:
                # a class row carries no enrollments: keep the base's, add the delta's
                students = list(old.students or ())
                students += [u for u in rec.students or () if u not in students]
                teachers = list(old.teachers or ())
                teachers += [u for u in rec.teachers or () if u not in teachers]
                rec = attrs.evolve(rec, students=tuple(students) if students else rec.students,
                                   teachers=tuple(teachers) if teachers else rec.teachers,
                                   teacher=rec.teacher if rec.teacher is not None
                                   else old.teacher)
            kinds[kind][rid] = rec
    for cid, adds in r.base_adds.items():
        sec = kinds["sections"].get(cid)
        if sec is None:
            continue
        students = list(sec.students or ())
        students += [u for u in adds.get("students", ()) if u not in students]
        teachers = list(sec.teachers or ())
        teachers += [u for u in adds.get("teachers", ()) if u not in teachers]
        kinds["sections"][cid] = attrs.evolve(
            sec, students=tuple(students), teachers=tuple(teachers),
            teacher=adds.get("teacher", sec.teacher))
    for f, dkinds in _DELTA_KINDS.items():
        for rid in r.deleted.get(f, ()):
            for k in dkinds:
                kinds[k].pop(r.alias.get(rid, rid) if k == "users" else rid, None)
    for row in r.deleted_rows.get("enrollments", ()):
        sec = kinds["sections"].get(row.get("classSourcedId") or "")
        uid = row.get("userSourcedId") or ""
        uid = r.alias.get(uid, uid)
        field = {"student": "students", "teacher": "teachers"}.get(row.get("role") or "")
        if sec is None or field is None:
            continue
        kept = tuple(u for u in getattr(sec, field) or () if u != uid)
        changes: dict[str, Any] = {field: kept}
        if field == "teachers" and sec.teacher == uid:
            changes["teacher"] = None
        kinds["sections"][sec.id] = attrs.evolve(sec, **changes)
    prov = delta.provenance
    prov = attrs.evolve(prov, notes=prov.notes + (
        f"delta applied to a base roster from {base.provenance.source}",))
    return Roster(**kinds, problems=list(delta.problems), provenance=prov)
