"""The ``status=tobedeleted`` rows of a OneRoster delta's ``enrollments.csv`` (read with
``read_oneroster(..., base=)``) matched to the enrollments they delete.

A row giving ``classSourcedId``, ``userSourcedId`` and ``role`` deletes the enrollment
those cells name. A row leaving any of them empty deletes the enrollment its
``sourcedId`` names, as OneRoster 1.1 CSV lets a delta identify a record by its sourcedId
alone (many SIS exports write such rows): the enrollment of the delta itself (its classes'
and those it adds to the base's classes) or of the base roster that has that id (the
source's id each section keeps in ``extra`` under
:data:`~rostergraph.io.oneroster_cols.ENROLLMENT_IDS_KEY`, else the id the OneRoster writer
makes up for it, ``<class>:<n>``, which the reader does not keep).

When a row's cells and its sourcedId name two enrollments, one is removed and a problem
tells the other: a full row's cells win (a reader ignoring the sourcedId reads the row so);
a row missing a cell names its enrollment by the sourcedId alone, so that one wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..roster import Roster
from .enrollcols import canonical_role, respelt_message
from .oneroster_cols import ENROLLMENT_IDS_KEY, enrollment_order
from .oneroster_delta_roles import in_file_order
from .spaced_ids import SpacedIds

__all__ = ["given_anew", "match_enrollment_deletions", "written_ids"]

#: an enrollment: (class id, role as the spec spells it, user id)
Enrollment = tuple[str, str, str]

_CELLS = ("classSourcedId", "userSourcedId", "role")


def _kept(ids: Any) -> dict[str, dict[str, str]]:
    """An ``extra[ENROLLMENT_IDS_KEY]`` value as ``{role: {user: id}}`` (``{}`` when it is
    not one: the writer then makes up every id)."""
    if not isinstance(ids, Mapping) or not all(
            isinstance(users, Mapping) and all(isinstance(e, str) and e for e in users.values())
            for users in ids.values()):
        return {}
    return {role: dict(users) for role, users in ids.items()}


def written_ids(cid: str, sec: Any) -> dict[tuple[str, str], str]:
    """``(role, user) → id`` of base section ``sec``'s enrollments, as the OneRoster writer
    writes them (:func:`~rostergraph.io.write_oneroster_kept.enrollment_ids`): the kept
    id, else ``<cid>:<n>`` (``n`` the enrollment's position, a ``+`` added while a kept id
    has it)."""
    kept = _kept(sec.extra.get(ENROLLMENT_IDS_KEY) if sec.extra else None)
    out = {(role, uid): eid for role, users in kept.items() for uid, eid in users.items()}
    taken = set(out.values())
    teachers = sec.teachers or ((sec.teacher,) if sec.teacher else ())
    for n, key in enumerate(enrollment_order(sec.students, teachers, sec.extra or {}), 1):
        if key not in out:
            made = f"{cid}:{n}"
            while made in taken:
                made += "+"
            out[key] = made
    return out


def given_anew(r: Any, delta: Roster, cid: str, role: str, uid: str, sid: str) -> str | None:
    """The id under which the delta's own rows (not tobedeleted: its classes', its adds
    to the base's) give enrollment ``(cid, role, uid)``, when it is not ``sid``, the id of
    a row deleting that enrollment; ``None`` otherwise. Two ids are two records: an SIS
    re-creating an enrollment deletes the old id and sends the new one, which stays."""
    bare = sid.strip()
    if not bare:
        return None  # (a row with no id names no record of its own: it deletes)
    got: list[str] = []
    own = delta.sections.get(cid)
    if own is not None:
        got.append(written_ids(cid, own).get((role, uid), ""))
    adds = r.base_adds.get(cid)
    if adds:
        got.append(_kept(adds.get(ENROLLMENT_IDS_KEY)).get(role, {}).get(uid, ""))
    return next((e for e in got if e and e.strip() != bare), None)


class _Ids:
    """The enrollments of a delta and its base by id, for the rows that need them: the
    reverse index (id → enrollment) is built on the first lookup by id only (a base can
    hold millions of enrollments; most deltas name theirs by their cells)."""

    def __init__(self, r: Any, base: Roster) -> None:
        self.r, self.base = r, base
        self._named: Callable[[str], str | None] | None = None
        self._index: dict[str, Enrollment] = {}
        self._written: dict[str, dict[tuple[str, str], str]] = {}  # (per base class)

    def _delta_ids(self) -> Iterable[tuple[str, Any]]:
        """``(class, kept ids)`` of the delta's own classes and of its adds to the base's."""
        for cid, sec in self.r.b.kinds["sections"].items():
            yield cid, sec.extra.get(ENROLLMENT_IDS_KEY) if sec.extra else None
        for cid, adds in self.r.base_adds.items():
            yield cid, adds.get(ENROLLMENT_IDS_KEY)

    def named(self, sid: str) -> tuple[str, Enrollment] | None:
        """``(id, enrollment)`` that cell ``sid`` names (spaces around ids ignored as for
        other references), the delta's own first; ``None`` when none has it."""
        if self._named is None:
            index = self._index
            for cid, ids in self._delta_ids():
                for role, users in _kept(ids).items():
                    for uid, eid in users.items():
                        index.setdefault(eid, (cid, role, uid))
            for cid, sec in self.base.sections.items():
                for (role, uid), eid in written_ids(cid, sec).items():
                    index.setdefault(eid, (cid, role, uid))
            self._named = SpacedIds([index])
        got = self._named(sid)
        return None if got is None else (got, self._index[got])

    def ids_of(self, cid: str, role: str, uid: str) -> set[str]:
        """The ids enrollment ``(cid, role, uid)`` has in the delta and in the base (none
        when neither holds it), without building the reverse index."""
        out = set()
        own, adds = self.r.b.kinds["sections"].get(cid), self.r.base_adds.get(cid)
        for ids in (own.extra.get(ENROLLMENT_IDS_KEY) if own is not None and own.extra
                    else None, adds.get(ENROLLMENT_IDS_KEY) if adds else None):
            eid = _kept(ids).get(role, {}).get(uid)
            if eid:
                out.add(eid)
        sec = self.base.sections.get(cid)
        if sec is not None:
            written = self._written.get(cid)
            if written is None:
                written = self._written[cid] = written_ids(cid, sec)
            if (role, uid) in written:
                out.add(written[(role, uid)])
        return out


def _said(e: Enrollment) -> str:
    return f"user {e[2]!r}'s {e[1]} enrollment in class {e[0]!r}"


def match_enrollment_deletions(r: Any, base: Roster) -> None:
    """Set each ``status=tobedeleted`` row of the delta's ``enrollments.csv`` (the reader
    ``r``'s ``deleted_rows``) to the class, role and user of the enrollment it deletes, of
    the base or of the delta (see the module's text); a row that deletes none is left
    naming no class, with a problem (it was silent). Ids with spaces around them are
    matched as the reader matches every reference (:class:`~.spaced_ids.SpacedIds`)."""
    in_file_order(r, "enrollments", None, r.live_lines.get("enrollments", {}))
    rows = r.deleted_rows.get("enrollments")
    if not rows:
        return
    b = r.b
    classes = SpacedIds([b.kinds["sections"], base.sections])
    users = SpacedIds([r.alias, b.kinds["users"], base.users])
    refs = (("classSourcedId", "class", classes), ("userSourcedId", "user", users))
    ids = _Ids(r, base)
    for i, (row, line) in enumerate(zip(rows, r.deleted_lines["enrollments"], strict=True)):
        sid = row.get("sourcedId") or ""
        where = {"file": "enrollments.csv", "line": line, "kind": "sections"}
        if sid and not all(row.get(c) for c in _CELLS):
            rows[i] = _by_id(r, row, sid, ids, (classes, users), where)
            continue
        named = True
        for col, what, name in refs:
            value = row.get(col) or ""
            got = name(value)
            if got == value:
                continue
            at = {**where, "record_id": sid or None, "field": col}
            if got is not None:
                rows[i] = row = {**row, col: got}
                b.problem("other", respelt_message(col, value, got), raw=value, **at)
            else:
                named = False
                b.problem("other", f"status tobedeleted: {col} {value!r} names no "
                          f"{what} of the base roster or of this delta; nothing removed",
                          **at)
        if sid and named:
            _tell_other(r, row, sid, ids, where)


def _by_id(r: Any, row: dict[str, str], sid: str, ids: _Ids,
           names: tuple[Callable[[str], str | None], Callable[[str], str | None]],
           where: dict[str, Any]) -> dict[str, str]:
    """Row ``row`` missing a class, user or role cell as one naming the enrollment its
    sourcedId ``sid`` names (a cell it gives that names another is told); with no class
    (nothing removed, told) when ``sid`` names none."""
    found = ids.named(sid)
    if found is None:
        r.b.problem("other", f"status tobedeleted: sourcedId {sid!r} names no enrollment of "
                    "the base roster or of this delta; nothing removed", record_id=sid,
                    field="sourcedId", **where)
        return {**row, "classSourcedId": ""}
    got, (cid, role, uid) = found
    if got != sid:
        r.b.problem("other", respelt_message("sourcedId", sid, got), record_id=got, raw=sid,
                    field="sourcedId", **where)
    classes, users = names
    for col, value, want, name in (("classSourcedId", row.get("classSourcedId"), cid, classes),
                                   ("userSourcedId", row.get("userSourcedId"), uid, users),
                                   ("role", row.get("role"), role, canonical_role)):
        if not value:
            continue
        seen = name(value)
        if col == "userSourcedId" and seen is not None:
            seen = r.alias.get(seen, seen)
        if seen != want:
            r.b.problem("other", f"status tobedeleted: sourcedId {got!r} names "
                        f"{_said((cid, role, uid))}, but the row's {col} is {value!r}; "
                        "the enrollment the sourcedId names is removed (a row without a "
                        "classSourcedId, userSourcedId or role names its enrollment by "
                        "its sourcedId)", record_id=got, field=col, raw=value, **where)
            break  # (one problem a row)
    return {**row, "classSourcedId": cid, "userSourcedId": uid, "role": role}


def _tell_other(r: Any, row: dict[str, str], sid: str, ids: _Ids,
                where: dict[str, Any]) -> None:
    """Tell a full row (its cells name the enrollment it deletes) whose sourcedId ``sid``
    is the id of another enrollment; the reverse index is looked at only when the
    enrollment the cells name does not have ``sid``."""
    uid = row.get("userSourcedId") or ""
    named = (row.get("classSourcedId") or "", canonical_role(row.get("role") or ""),
             r.alias.get(uid, uid))
    have = ids.ids_of(*named)
    if sid in have or sid.strip() in {e.strip() for e in have}:
        return
    found = ids.named(sid)
    if found is None or found[1] == named:
        return  # (an id no enrollment has: the cells name it all the same)
    r.b.problem("other", f"status tobedeleted: sourcedId {sid!r} is the id of "
                f"{_said(found[1])}, not of the {_said(named)} the row's classSourcedId, "
                "userSourcedId and role name; the enrollment those cells name is removed",
                record_id=found[0], field="sourcedId", **where)
