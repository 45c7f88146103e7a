"""The enrollments of a OneRoster bundle (``enrollments.csv``): each row's user in its
class's ``students`` or ``teachers`` (the ``primary`` teacher as ``section.teacher``), other
roles (``aide``, ``proctor``, ...) in the section's extra. A delta's rows for a class of the
base roster are gathered for :func:`~rostergraph.io.oneroster_delta.apply_delta`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .csvutil import CsvTable
from .enrollcols import (
    OTHER_ROLES_KEY,
    canonical_role,
    filled_rows,
    keep_other_role,
    live_status,
    oneroster_enrollments,
    unkept_columns,
)
from .oneroster_cols import is_true

if TYPE_CHECKING:
    from .oneroster import _Reader

__all__ = ["read_enrollments"]


def read_enrollments(rd: _Reader) -> None:
    """``enrollments.csv`` onto the sections read before (or the base's, in a delta)."""
    name = "enrollments.csv"
    t = rd.table(name, "sections")
    if t is None:
        return  # (nothing read: no roles to note)
    if t.clean and rd.base is None and not live_status(t):  # (every row is live)
        oneroster_enrollments(rd.b, t, rd.sections, rd.alias, rd.ignored,
                              rd.deleted.get("classes", ()))
        _tell_unkept(rd, {col: filled_rows(t, col) or 0 for col in unkept_columns(t)})
    else:
        _tell_unkept(rd, _enrollment_rows(rd, t, name))
    for role, n in sorted(rd.ignored.items()):
        rd.b.notes.append(f"{n} enrollments with role {role!r} have no Clever "
                          "equivalent: kept in their sections' extra "
                          f"{OTHER_ROLES_KEY + role!r}")


def _tell_unkept(rd: _Reader, filled: dict[str, int]) -> None:
    """One problem naming the enrollments.csv columns whose values nothing keeps
    (``filled``: how many rows read, not ``tobedeleted``, hold one)."""
    told = [(col, n) for col, n in filled.items() if n]
    if told:
        rd.b.problem("other", ", ".join(f"{col} ({n} rows)" for col, n in told)
                     + " of enrollments.csv: an enrollment is no record (a section "
                     "holds its users' ids), so nothing keeps these values; not loaded",
                     file="enrollments.csv", line=1, kind="sections", field=told[0][0])


def _enrollment_rows(rd: _Reader, t: CsvTable, name: str) -> dict[str, int]:
    """The rows one by one; returns how many held a value in each column no record
    keeps (:func:`~rostergraph.io.enrollcols.unkept_columns`)."""
    filled = dict.fromkeys(unkept_columns(t), 0)
    unkept = [(col, t.getter(col)) for col in filled]
    seen: set[tuple[str, str, str]] = set()
    get_cid, get_usid, get_role, get_sid, get_primary = map(t.getter, (
        "classSourcedId", "userSourcedId", "role", "sourcedId", "primary"))
    sections = rd.sections
    ids: set[str] = set()
    for line, row in rd.cells(t, name, "sections"):
        for col, get in unkept:
            if get(row):
                filled[col] += 1
        eid = get_sid(row)
        if eid:
            if eid in ids:
                rd.b.problem("duplicate_id", f"duplicate enrollment id {eid!r}: the "
                             "first row is kept", file=name, line=line, kind="sections",
                             record_id=eid)
                continue
            ids.add(eid)
        cid = get_cid(row) or ""
        usid = get_usid(row) or ""
        role = canonical_role(get_role(row) or "")
        sec = sections.get(cid)
        if sec is None and rd.base is not None and cid in rd.base.sections:
            sec = rd.base_adds.setdefault(cid, {})  # a delta row for a base class
        if sec is None:
            gone = cid in rd.deleted.get("classes", ())
            why = (f"enrollment in class {cid!r}, which is marked tobedeleted and was "
                   "left out" if gone else f"enrollment in unknown class {cid!r}")
            rd.b.problem("other", f"{why}; not loaded",
                         file="enrollments.csv", line=line, kind="sections",
                         record_id=get_sid(row))
            continue
        if not usid:
            rd.b.problem("other", "enrollment without a userSourcedId; not loaded",
                         file="enrollments.csv", line=line, kind="sections",
                         record_id=get_sid(row))
            continue
        uid = rd.alias.get(usid, usid)
        if not role:
            rd.b.problem("other", "enrollment without a role; not loaded",
                         file="enrollments.csv", line=line, kind="sections",
                         record_id=get_sid(row))
            continue
        if role not in ("student", "teacher"):
            rd.ignored[role] = rd.ignored.get(role, 0) + 1
            keep_other_role(sec, role, uid)
            continue
        key = (cid, uid, role)
        if key in seen:
            continue
        seen.add(key)
        if role == "student":
            sec.setdefault("students", []).append(uid)
        else:
            sec.setdefault("teachers", []).append(uid)
            if is_true(get_primary(row)):
                if "teacher" in sec and sec["teacher"] != uid:
                    rd.b.problem("other", f"class {cid!r} has a second primary teacher; "
                                 "the first is section.teacher", file="enrollments.csv",
                                 line=line, kind="sections", record_id=cid)
                else:
                    sec["teacher"] = uid
    return filled
