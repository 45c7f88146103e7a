"""The enrollments of a OneRoster bundle (``enrollments.csv``): each row's user in its
class's ``students`` or ``teachers`` (the ``primary`` teacher as ``section.teacher``), other
roles (``aide``, ``proctor``, ...) in the section's extra. A delta's rows for a class of the
base roster are gathered for :func:`~rostergraph.io.oneroster_delta.apply_delta`.
"""

from __future__ import annotations

from functools import partial
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

from .arrow_np import arrow_ints, arrow_strs, numpy_of, text_scalar
from .csv_arrow import dictionary_codes
from .csv_rowchecks import row_text
from .csvutil import CsvTable
from .enrollcells import (
    again_lost,
    again_message,
    collect_cells,
    keep_cells,
    kept_columns,
    kept_note,
)
from .enrollcols import (
    NO_ENROLLMENT_ID,
    NO_ENROLLMENT_ID_COLUMN,
    OTHER_ROLES_KEY,
    LoadedEnrollments,
    bare_ids,
    canonical_role,
    encoded_or_empty,
    enrollment_elsewhere,
    filled_rows,
    first_rows,
    keep_other_role,
    live_status,
    near_id_hint,
    near_memo,
    near_users_message,
    null_text_hint,
    oneroster_enrollments,
    respelt_message,
    truthy,
    unkept_columns,
)
from .enrollment_ids import keep_grouped_ids, keep_id_fragments
from .oneroster_cols import ENROLLMENT_IDS_KEY, is_boolean, is_true, primary_no_boolean

if TYPE_CHECKING:
    from .oneroster import _Reader

__all__ = ["read_enrollments"]


def _repeating(column: str) -> bool:
    """Whether an ``enrollments.csv`` column is one whose values repeat over its millions
    of rows (parsed dictionary-encoded): every one but the enrollments' own ids."""
    return column.strip().lower() != "sourcedid"


def read_enrollments(rd: _Reader) -> None:
    """``enrollments.csv`` onto the sections read before (or the base's, in a delta)."""
    name = "enrollments.csv"
    t = rd.table(name, "sections", coded=_repeating)
    if t is None:
        return  # (nothing read: no roles to note)
    rd.cell_columns = kept_columns(t.header)
    if t.clean and rd.base is None and not live_status(t):  # (every row is live)
        unkept = {col: filled_rows(t, col) or 0 for col in unkept_columns(t)}
        dated = filled_rows(t, "dateLastModified") or 0
        odd = _odd_primary_cells(t)
        loaded = oneroster_enrollments(rd.b, t, rd.sections, rd.alias, rd.ignored,
                                       bare_ids(rd.gone("classes")), rd.section_lines,
                                       rd.matched, joined=rd.joined_ids)
        rd.student_lists = loaded.students
        collect_cells(t, loaded, rd.cell_columns)
        pending = _again_cells(t, loaded, rd.cell_columns)  # (before their cells go)
        # (counted, and read for the text of the rows that are problems: their cells go
        # before the enrollment ids are read)
        t.let_go([*unkept, "dateLastModified", "schoolSourcedId", "status"])
        if not _made_up_ids(rd, t):
            _collect_ids(rd, t, loaded, {cid for _, _, _, _, cid, _, _ in pending})
        # (what a repeat loses is told once the enrollments' ids are kept)
        again = [(line, cid, eid, again_lost(sec, role, uid, eid, cells))
                 for line, sec, role, uid, cid, eid, cells in pending]
        near = _near_users(rd, t, loaded)
        _tell_no_ids(rd, t, len(t.lines))
        note = _tell_unkept(rd, unkept)
    else:
        odd, again, near = [], [], []
        filled = _enrollment_rows(rd, t, name, odd, again, near)
        dated = filled.pop("dateLastModified", 0)
        _tell_no_ids(rd, t, filled.pop(_ROWS))
        note = _tell_unkept(rd, filled)
    if odd:
        rd.b.problem("other", primary_no_boolean(len(odd), odd[0][0],
                                                 list(dict.fromkeys(v for _, v in odd))),
                     file=name, line=odd[0][0], kind="sections", field="primary")
    _tell_near_users(rd, near)
    _tell_again(rd, again)
    if dated:  # (nearly every export dates its rows: a note, not a problem per bundle)
        rd.b.notes.append(f"enrollments.csv: the dateLastModified of {dated:,} enrollments is "
                          "not kept (an enrollment is no record; a section holds its users' "
                          "ids)")
    for role, n in sorted(rd.ignored.items()):
        rd.b.notes.append(f"{n} enrollments with role {role!r} have no Clever "
                          "equivalent: kept in their sections' extra "
                          f"{OTHER_ROLES_KEY + role!r}")
    if note is not None:
        rd.b.notes.append(note)


#: :func:`_enrollment_rows`'s count of the rows it read (no column's name).
_ROWS = "\0rows"


def _tell_no_ids(rd: _Reader, t: CsvTable, rows: int) -> None:
    """One problem when ``enrollments.csv`` has rows but no ``sourcedId`` column."""
    if rows and "sourcedId" not in t.index:
        rd.b.problem("other", NO_ENROLLMENT_ID_COLUMN, file="enrollments.csv", line=1,
                     kind="sections", field="sourcedId")


def _tell_unkept(rd: _Reader, filled: dict[str, int]) -> str | None:
    """One problem naming the enrollments.csv columns whose cells nothing keeps (a
    credential's), and the note naming those the sections keep and how many cells each
    (:func:`~rostergraph.io.enrollcells.kept_note`), returned (noted last, after the
    reader's other notes) (``filled``: how many rows read, not ``tobedeleted``, hold a
    value in each)."""
    said = [(col, n) for col, n in filled.items() if n]
    kept = kept_columns([col for col, _ in said])
    told = [(col, n) for col, n in said if col not in kept]
    if told:
        rd.b.problem("other", ", ".join(f"{col} ({n} rows)" for col, n in told)
                     + " of enrollments.csv: a credential's column is never kept; not "
                     "loaded", file="enrollments.csv", line=1, kind="sections",
                     field=told[0][0])
    return kept_note("enrollments.csv", [*rd.sections.values(), *rd.base_adds.values()],
                     kept)


#: A later row of an enrollment: ``(line, class id, its sourcedId, the columns whose
#: values it gave that no section keeps)`` (:func:`~rostergraph.io.enrollcells.again_lost`).
_Again = tuple[int, str, str, list[str]]


def _again_cells(t: CsvTable, loaded: LoadedEnrollments, columns: list[str]
                 ) -> list[tuple[int, Any, str, str, str, str, list[tuple[str, str]]]]:
    """``(line, section dict, role, user, class id, sourcedId, [(column, cell)])`` of each
    row of a table read column-wise that gave a loaded enrollment again (``columns``: the
    cell columns kept), read before the cells go (such rows are rare: read one by one)."""
    at = loaded.again
    if not len(at):
        return []
    eids = t.cells_at("sourcedId", at) or [""] * len(at)
    cells = [t.cells_at(col, at) or [""] * len(at) for col in columns]
    return [(t.lines[i], loaded.sections[loaded.section_code[i]],
             loaded.roles[loaded.role_code[i]], loaded.users[loaded.user_code[i]],
             loaded.section_ids[loaded.section_code[i]], eids[k],
             [(col, got[k]) for col, got in zip(columns, cells)])
            for k, i in enumerate(at.tolist())]


def _tell_again(rd: _Reader, again: list[_Again]) -> None:
    """One problem for the rows of ``enrollments.csv`` that gave an enrollment of an
    earlier row again (its class, user and role), at the first one's line, naming the
    columns whose values none of them kept, in header order."""
    if not again:
        return
    order = {c: k for k, c in enumerate(["sourcedId", *rd.cell_columns])}
    lost = sorted({c for *_, cols in again for c in cols}, key=order.__getitem__)
    line, cid = again[0][:2]
    rd.b.problem("other", again_message(len(again), line, [e for _, _, e, _ in again if e],
                                        lost),
                 file="enrollments.csv", line=line, kind="sections", record_id=cid or None)


#: An enrollment whose user id names no user but names one once case, leading zeros and a
#: spreadsheet formula are ignored: ``(line, class id, the user id, its near_id_hint)``.
_Near = tuple[int, str, str, str]


def _near_users(rd: _Reader, t: CsvTable, loaded: LoadedEnrollments) -> list[_Near]:
    """The :data:`_Near` enrollments of a table read column-wise, in line order (each
    enrollment's first row, the one loaded), told from the user column's distinct values."""
    got = t.encoded("userSourcedId")
    if got is None or not len(loaded.rows):
        return []
    codes, values = got
    alias = rd.alias
    missing = set(values).difference(alias).difference(("",))
    if not missing:  # (all known: one set step)
        return []
    unknown = np.flatnonzero(np.fromiter(map(missing.__contains__, values), dtype=bool,
                                         count=len(values))).tolist()
    values = list(values)
    for i in unknown:  # (as the enrollments were read: an id with spaces around it matched)
        values[i] = rd.match("users", values[i])
    unknown = [i for i in unknown if values[i] not in alias]
    # (the users' ids by near key: only those the unknown ids may mean)
    memo = near_memo([values[i] for i in unknown], alias)
    hints = [""] * len(values)
    for i in unknown:
        hints[i] = near_id_hint(values[i], alias, memo, "user")
    rows = loaded.rows[truthy(hints)[codes[loaded.rows]]].tolist()
    return [(t.lines[i], loaded.section_ids[loaded.section_code[i]], values[codes[i]],
             hints[codes[i]]) for i in rows]


def _tell_near_users(rd: _Reader, near: list[_Near]) -> None:
    """One problem for the :data:`_Near` enrollments of ``enrollments.csv``, at the first
    one's line, naming the first few ids and the users they may mean."""
    if not near:
        return
    line, cid = near[0][:2]
    named = list(dict.fromkeys((usid, hint) for _, _, usid, hint in near))
    rd.b.problem("other", near_users_message(len(near), line, named), file="enrollments.csv",
                 line=line, kind="sections", record_id=cid or None, field="userSourcedId")


def _odd_primary_cells(t: CsvTable) -> list[tuple[int, str]]:
    """``(line, cell)`` of each row of a clean table whose ``primary`` cell is no boolean
    (read from the column's distinct values: their codes, no ``str`` per row)."""
    got = t.encoded("primary")
    if got is None:
        return []
    codes, values = got
    odd = np.array([not is_boolean(v) for v in values], dtype=bool)
    if not odd.any():
        return []
    return [(t.lines[i], values[codes[i]]) for i in np.flatnonzero(odd[codes]).tolist()]


def _enrollment_rows(rd: _Reader, t: CsvTable, name: str, odd: list[tuple[int, str]],
                     again: list[_Again], near: list[_Near]) -> dict[str, int]:
    """The rows one by one; returns how many held a value in each column no record
    keeps (:func:`~rostergraph.io.enrollcols.unkept_columns`), and adds to ``odd`` the
    ``(line, cell)`` of each row whose ``primary`` cell is no boolean, to ``again`` each
    row that gives an enrollment of an earlier row again, to ``near`` each enrollment
    (its first row) whose user id names no user but names one once case, leading zeros
    and a spreadsheet formula are ignored (:data:`_Near`)."""
    filled = dict.fromkeys([*unkept_columns(t), "dateLastModified"], 0)
    unkept = [(col, t.getter(col)) for col in filled]
    kept = [(col, t.getter(col)) for col in rd.cell_columns]
    filled[_ROWS] = 0
    seen: set[tuple[str, str, str]] = set()
    get_cid, get_usid, get_role, get_sid, get_primary, get_school = map(t.getter, (
        "classSourcedId", "userSourcedId", "role", "sourcedId", "primary", "schoolSourcedId"))
    sections = rd.sections
    near_classes: dict[str, str] = {}  # (near_id_hint's)
    near_users: dict[str, str] = {}
    base_users = rd.base.users if rd.base is not None else {}

    def user_hint(usid: str) -> str:
        """The near_id_hint of a user id no user of this bundle or the base has."""
        if usid in rd.alias or usid in base_users:
            return ""
        return near_id_hint(usid, chain(rd.alias, base_users), near_users, "user")

    gone_classes = bare_ids(rd.gone("classes"))
    ids: set[str] = set()
    live = rd.live_lines.setdefault("enrollments", {}) if rd.base is not None else None
    has_id_column = "sourcedId" in t.index
    for line, row in rd.cells(t, name, "sections"):
        filled[_ROWS] += 1
        for col, get in unkept:
            if get(row):
                filled[col] += 1
        if not is_boolean(get_primary(row)):
            odd.append((line, get_primary(row) or ""))
        # each reference named only without the spaces around it: read so, said first
        cid, usid, school = (_respelt(rd, t, row, line, get, col, kind) for get, col, kind in (
            (get_cid, "classSourcedId", "sections"), (get_usid, "userSourcedId", "users"),
            (get_school, "schoolSourcedId", "orgs")))
        eid = get_sid(row)
        if eid:
            if eid in ids:
                rd.b.problem("duplicate_id", f"duplicate enrollment id {eid!r}: the "
                             "first row is kept", file=name, line=line, kind="sections",
                             record_id=eid, raw=row_text(t.as_dict(row)))
                continue
            ids.add(eid)
            if live is not None:  # (a delta's: a deletion of its id before it is not applied)
                live[eid.strip()] = line
        role = canonical_role(get_role(row) or "")
        sec = sections.get(cid)
        if sec is None and rd.base is not None and cid in rd.base.sections:
            sec = rd.base_adds.setdefault(cid, {})  # a delta row for a base class
        if sec is None:
            gone = cid.strip() in gone_classes
            why = (f"enrollment in class {cid!r}, which is marked tobedeleted and was "
                   "left out" if gone else
                   f"enrollment in unknown class {cid!r}{null_text_hint(cid)}"
                   f"{near_id_hint(cid, sections, near_classes)}")
            rd.b.problem("other", f"{why}; not loaded",
                         file="enrollments.csv", line=line, kind="sections",
                         record_id=get_sid(row), raw=row_text(t.as_dict(row)))
            continue
        if not usid:
            rd.b.problem("other", "enrollment without a userSourcedId; not loaded",
                         file="enrollments.csv", line=line, kind="sections",
                         record_id=get_sid(row), raw=row_text(t.as_dict(row)))
            continue
        uid = rd.alias.get(usid, usid)
        if not role:
            rd.b.problem("other", "enrollment without a role; not loaded",
                         file="enrollments.csv", line=line, kind="sections",
                         record_id=get_sid(row), raw=row_text(t.as_dict(row)))
            continue
        if has_id_column and not eid:
            rd.b.problem("other", NO_ENROLLMENT_ID, file=name, line=line, kind="sections",
                         record_id=cid, field="sourcedId", raw=row_text(t.as_dict(row)))
        if school and school not in (sec.get("school"), sec.get("oneroster_org")) and (
                sec.get("school") or sec.get("oneroster_org")):
            rd.b.problem("other", enrollment_elsewhere(
                school, cid, sec, rd.section_lines.get(cid, 0)), file=name, line=line,
                kind="sections", record_id=cid, field="schoolSourcedId",
                raw=row_text(t.as_dict(row)))
        if role not in ("student", "teacher"):
            rd.ignored[role] = rd.ignored.get(role, 0) + 1
            if kept and uid not in (sec.get(OTHER_ROLES_KEY + role) or ()):
                keep_cells(sec, kept, row, role, uid)  # (each user of a role kept once)
            keep_other_role(sec, role, uid)
            if eid:
                _keep_id(sec, role, uid, eid)
            if (cid, uid, role) in seen:
                again.append((line, cid, eid or "", again_lost(
                    sec, role, uid, eid or "", [(c, get(row) or "") for c, get in kept])))
            elif hint := user_hint(usid):
                near.append((line, cid, usid, hint))
            seen.add((cid, uid, role))
            continue
        key = (cid, uid, role)
        if eid:  # (a repeat's id too, when the first row had none: the first id stays)
            _keep_id(sec, role, uid, eid)
        first = key not in seen
        if not first:
            again.append((line, cid, eid or "", again_lost(
                sec, role, uid, eid or "", [(c, get(row) or "") for c, get in kept])))
            if not (role == "teacher" and is_true(get_primary(row))):
                continue  # (a repeated teacher row still says whether the teacher is primary)
        seen.add(key)
        if first and (hint := user_hint(usid)):
            near.append((line, cid, usid, hint))
        if first and kept:
            keep_cells(sec, kept, row, role, uid)
        if role == "student":
            sec.setdefault("students", []).append(uid)
        else:
            if first:
                sec.setdefault("teachers", []).append(uid)
            if is_true(get_primary(row)):
                if "teacher" in sec and sec["teacher"] != uid:
                    rd.b.problem("other", f"class {cid!r} has a second primary teacher; "
                                 "the first is section.teacher", file="enrollments.csv",
                                 line=line, kind="sections", record_id=cid,
                                 raw=row_text(t.as_dict(row)))
                else:
                    sec["teacher"] = uid
    return filled


def _respelt(rd: _Reader, t: CsvTable, row: list[str], line: int, get: Any, column: str,
             kind: str) -> str:
    """Reference cell ``column`` of ``row`` (``get`` reads it) as the id it names
    (:meth:`~rostergraph.io.oneroster._Reader.match`): one named only once spaces around
    ids are ignored is a problem keeping the cell as given, about the row's class."""
    v = get(row) or ""
    got = rd.match(kind, v)
    if got != v:
        cid = got if column == "classSourcedId" else rd.match(
            "sections", t.getter("classSourcedId")(row) or "")
        rd.b.problem("other", respelt_message(column, v, got), file="enrollments.csv",
                     line=line, kind="sections", record_id=cid or None, field=column, raw=v)
    return got


def _keep_id(sec: dict[str, Any], role: str, uid: str, eid: str) -> None:
    """Enrollment id ``eid`` of ``uid`` as ``role`` in section dict ``sec`` (the first one
    kept; :meth:`~rostergraph.io.oneroster._Reader.finish` leaves out those the writer
    would make up)."""
    sec.setdefault(ENROLLMENT_IDS_KEY, {}).setdefault(role, {}).setdefault(uid, eid)


def _collect_ids(rd: _Reader, t: CsvTable, loaded: LoadedEnrollments,
                 as_dicts: set[str]) -> None:
    """The enrollment ids of a table read column-wise, kept as :func:`_enrollment_rows`
    keeps them (a repeated id's later rows, rows of no section, user or role: none),
    from the sections, users and roles the enrollments were ``loaded`` with (coded
    already: no column is read again) and each section's written as JSON text
    (:func:`keep_id_fragments`: no ``str`` per id); the sections of ``as_dicts`` (class
    ids) keep dicts."""
    import pyarrow.compute as pc

    col = t.arrow("sourcedId")
    secs = loaded.sections
    if not len(t.lines) or col is None or any(
            s is not None and ENROLLMENT_IDS_KEY in s for s in secs):
        _collect_each_id(rd, t)
        return
    ids = _strings(col)
    # (the rows loaded or giving a loaded enrollment again: every row of a section, user
    # and role but a repeated id's later ones; of those, the rows with an id)
    # (a mask, not np.union1d: numpy 2 hashes a union's millions of rows, 5 s at L)
    ok = numpy_of(pc.not_equal(ids, text_scalar("")))
    ok &= _marked(len(ok), loaded.rows, loaded.again)
    rows = np.flatnonzero(ok)
    # (an id without a colon is no made-up one: found in C)
    colon = numpy_of(pc.match_substring(ids, ":"))
    named = (secs, loaded.section_ids, loaded.roles, loaded.users.tolist())
    codes = (loaded.section_code, loaded.role_code, loaded.user_code)
    checks = keep_id_fragments(*named, ids, rows, *codes, key=ENROLLMENT_IDS_KEY, colon=colon,
                               as_dicts=as_dicts)
    if checks is None:  # (an id JSON writes escaped, a null, a lone surrogate)
        checks = keep_grouped_ids(*named, partial(_cells_at, t, "sourcedId"), rows, *codes,
                                  None, key=ENROLLMENT_IDS_KEY, colon=colon)
    rd.made_up_checks = checks


def _marked(n: int, *rows: np.ndarray) -> np.ndarray:
    """A mask of ``n`` rows, true at each of ``rows``.

    >>> _marked(4, np.array([2]), np.array([0])).tolist()
    [True, False, True, False]
    """
    mask = np.zeros(n, dtype=bool)
    for at in rows:
        mask[at] = True
    return mask


def _collect_each_id(rd: _Reader, t: CsvTable) -> None:
    """:func:`_collect_ids` of a table whose sections hold enrollment ids already (a
    carried record's) or whose ids pyarrow did not parse: from the columns read again."""
    n = len(t.lines)
    if not n:
        return
    import pyarrow.compute as pc

    col = t.arrow("sourcedId")
    (c_code, cids), (u_code, usids), (r_code, roles) = (
        encoded_or_empty(t, c, n) for c in ("classSourcedId", "userSourcedId", "role"))
    # (the ids read without the spaces around them, as the enrollments were)
    cids, usids = rd.matched("sections", cids), rd.matched("users", usids)
    secs = [rd.sections.get(c) for c in cids]
    roles = [canonical_role(r) for r in roles]
    uids = [rd.alias.get(u, u) for u in usids]
    keep = (np.array([s is not None for s in secs], dtype=bool)[c_code]
            & truthy(usids)[u_code] & truthy(roles)[r_code])
    any_id = any(s is not None and ENROLLMENT_IDS_KEY in s for s in secs)
    if col is not None and t.distinct("sourcedId") and not any_id:
        # (each id given once, the usual case: no str object but for the rows kept)
        keep &= numpy_of(pc.not_equal(_strings(col), text_scalar("")))
        e_code: np.ndarray | None = None
        eids: Any = partial(_cells_at, t, "sourcedId")
    else:
        e_code, eids = encoded_or_empty(t, "sourcedId", n)
        keep &= first_rows(e_code) & truthy(eids)[e_code]
    if any_id:
        assert e_code is not None
        for i in np.flatnonzero(keep).tolist():  # (in row order: a user's first id stays)
            _keep_id(secs[c_code[i]], roles[r_code[i]],  # type: ignore[arg-type]
                     uids[u_code[i]], eids[e_code[i]])
        return
    # (equal classes, roles and users, equal codes: cells naming one class once spaces
    # around ids are ignored, a role spelt two ways, two ids of one user)
    (s_code, sec_ids), (r_canon, role_ids), (m_code, user_ids) = (
        _same_codes(values, codes) for values, codes in (
            (cids, c_code), (roles, r_code), (uids, u_code)))
    # (an id without a colon is no made-up one: found in C)
    colon = numpy_of(pc.match_substring(_strings(col), ":")) if col is not None else None
    rd.made_up_checks = keep_grouped_ids([rd.sections.get(c) for c in sec_ids], sec_ids,
                                         role_ids, user_ids, eids, np.flatnonzero(keep),
                                         s_code, r_canon, m_code, e_code,
                                         key=ENROLLMENT_IDS_KEY, colon=colon)


def _cells_at(t: CsvTable, name: str, rows: np.ndarray) -> list[str]:
    """:meth:`CsvTable.cells_at` of a column known to be there."""
    got = t.cells_at(name, rows)
    assert got is not None
    return got


def _same_codes(values: list[str], codes: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """``codes`` (each row's value in ``values``) renumbered so that equal values have
    equal codes, and the distinct values (hashed by pyarrow: a million users' ids in C)."""
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(arrow_strs(values))
    return numpy_of(enc.indices).astype(np.int64)[codes], enc.dictionary.to_pylist()


#: Rows whose made-up enrollment ids :func:`_made_up_ids` makes at a time.
_MADE_AT_ONCE = 1 << 20


def _strings(arr: Any) -> Any:
    """A pyarrow (chunked) array as strings (a dictionary-encoded one decoded)."""
    import pyarrow as pa

    return arr.cast(pa.string()) if pa.types.is_dictionary(arr.type) else arr


def _made_up_ids(rd: _Reader, t: CsvTable) -> bool:
    """Whether every enrollment id of a table read column-wise is the one
    :func:`~rostergraph.io.write_oneroster.write_oneroster` would make up for it
    (``<class>:<n>``, ``n`` counting the class's students then its teachers): then none
    is kept. Told from the pyarrow columns without a ``str`` object; ``False`` (the ids
    are looked at one by one) when they are not pyarrow's, or a row did not load as a
    student or teacher of its class."""
    n = len(t.lines)
    ids, cls, role = (t.arrow(c) for c in ("sourcedId", "classSourcedId", "role"))
    if n == 0:
        return True
    if rd.ignored or ids is None or cls is None or role is None:
        return False
    # (the columns as pyarrow holds them, in blocks: joined, the ids were a 0.2 GB copy)
    if ids[0].as_py() != f"{cls[0].as_py()}:1":
        return False  # (a source's own ids, the usual case: looked at one by one)
    if sum(len(s.get("students") or ()) + len(s.get("teachers") or ())
           for s in rd.sections.values()) != n:  # (a row repeated, or of no class)
        return False
    import pyarrow as pa
    import pyarrow.compute as pc

    start = np.ones(n, dtype=bool)  # the first row of each run of one class's rows
    if pa.types.is_dictionary(cls.type):  # (one dictionary: equal codes, equal ids)
        codes = dictionary_codes(cls.chunks)
        start[1:] = codes[1:] != codes[:-1]
    else:
        start[1:] = numpy_of(pc.not_equal(cls[1:], cls[:-1]))
    at = np.flatnonzero(start)
    pos = np.arange(1, n + 1) - np.repeat(at, np.diff(np.append(at, n)))
    colon = text_scalar(":")
    for lo in range(0, n, _MADE_AT_ONCE):  # (the made-up ids of a slice at a time)
        part = slice(lo, lo + _MADE_AT_ONCE)
        made = pc.binary_join_element_wise(_strings(cls[part]),
                                           arrow_ints(pos[part]).cast(pa.string()), colon)
        if not pc.all(pc.equal(_strings(ids[part]), made)).as_py():
            return False
    is_teacher = pc.equal(role, text_scalar("teacher"))
    teacher = numpy_of(is_teacher)
    if not pc.all(pc.or_(pc.equal(role, text_scalar("student")), is_teacher)).as_py():
        return False
    return not bool(np.any(teacher[:-1] & ~teacher[1:] & ~start[1:]))  # students first
