"""The enrollments file of a OneRoster or SFTP bundle, read a whole column at a time.

``enrollments.csv`` is the largest file of a district (589,000 rows for 100,000
students). When its table is clean (every row parsed, as long as the header:
:attr:`~rostergraph.io.csvutil.CsvTable.clean`), the readers hand it here: the
checks run on whole columns (numpy masks, C-level dict lookups), the students
are put on their sections in one grouped pass, and only the rare rows that need
a word (a problem, a teacher) take a Python step each. What the readers' row
loop did, row for row, is unchanged: the same edges in the same order (a
section's students in line order, the first of a repeated pair kept), the same
problems in line order, the same notes.

Examples
--------
>>> from rostergraph.roster import RosterBuilder
>>> from rostergraph.io.csvutil import read_table
>>> b = RosterBuilder(source="mem", format="test")
>>> t = read_table(b"Section_id,Student_id\\ns1,u1\\nzz,u2\\ns1,u1\\n", "enrollments.csv", b)
>>> sections = {"s1": {"id": "s1"}}
>>> sftp_enrollments(b, t, sections).rows  # (the rows loaded)
array([0])
>>> sections["s1"]["students"], [(p.line, p.message[:24]) for p in b.problems]
(['u1'], [(3, 'enrollment in unknown se'), (4, "student 'u1' enrolled tw")])
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..columns import object_array
from ..roster import RosterBuilder
from .arrow_np import arrow_strs, numpy_of
from .csv_rowchecks import rows_text
from .csvutil import CsvTable
from .listed_sections import StudentLists

__all__ = ["ENROLLMENT_COLUMNS_READ", "NO_ENROLLMENT_ID", "NO_ENROLLMENT_ID_COLUMN",
           "OTHER_ROLES_KEY", "LoadedEnrollments", "bare_ids", "canonical_role",
           "empty_cells", "encoded_or_empty", "enrollment_elsewhere", "filled_rows",
           "first_rows", "keep_other_role", "live_status", "near_id_hint", "near_memo",
           "near_users_message", "null_text_hint",
           "oneroster_enrollments", "padded_message", "primary_first", "respelt_message",
           "school_disagrees", "sftp_enrollments", "truthy", "unkept_columns"]

#: A section's ``extra`` key (+ the role) for its enrollments of a role Clever has no
#: place for (``aide``, ``proctor``, ``administrator``, ...): the users' ids, in file order
OTHER_ROLES_KEY = "oneroster.enrollments."

_TRUE = frozenset({"true", "1", "yes"})


def bare_ids(ids: Any) -> frozenset[str]:
    """``ids`` without the spaces around them: a class deleted as ``' c1 '`` is the class
    an enrollment naming ``'c1'`` names, as every other OneRoster reference is matched.

    Examples
    --------
    >>> sorted(bare_ids([" c1 ", "c2"]))
    ['c1', 'c2']
    """
    return frozenset(i.strip() for i in ids)


def live_status(t: CsvTable) -> bool:
    """Whether a clean OneRoster table's ``status`` column marks any row deleted or
    inactive (then its rows are read one by one, as those rows need).

    Examples
    --------
    >>> from rostergraph.roster import RosterBuilder
    >>> from rostergraph.io.csvutil import read_table
    >>> b = RosterBuilder(source="mem", format="test")
    >>> live_status(read_table(b"sourcedId,status\\n1,\\n2,active\\n", "x.csv", b))
    False
    >>> live_status(read_table(b"sourcedId,status\\n1, ToBeDeleted\\n", "x.csv", b))
    True
    """
    got = t.encoded("status")  # (its distinct values: no str object per row)
    return got is not None and any(
        v.strip().lower() in ("tobedeleted", "inactive") for v in got[1])


def encoded_or_empty(t: CsvTable, name: str, n: int) -> tuple[np.ndarray, list[str]]:
    """Column ``name`` of a clean table ``t`` of ``n`` rows encoded
    (:meth:`CsvTable.encoded`); an absent column reads as empty cells.

    Examples
    --------
    >>> from rostergraph.roster import RosterBuilder
    >>> from rostergraph.io.csvutil import read_table
    >>> t = read_table(b"a\\nx\\n", "e.csv", RosterBuilder(source="mem", format="test"))
    >>> [(codes.tolist(), values) for codes, values in
    ...  (encoded_or_empty(t, "a", 1), encoded_or_empty(t, "b", 1))]
    [([0], ['x']), ([0], [''])]
    """
    got = t.encoded(name)
    return got if got is not None else (np.zeros(n, dtype=np.int64), [""])


def truthy(values: list[Any]) -> np.ndarray:
    """Whether each of ``values`` is neither empty nor ``None`` (a bool array).

    Examples
    --------
    >>> truthy(["a", "", None]).tolist()
    [True, False, False]
    """
    return np.fromiter(map(bool, values), dtype=bool, count=len(values))


def first_rows(*codes: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Whether each row's combination of codes is the first of its value; with ``rows``,
    of those rows only (``codes`` are then every row's, and taken at ``rows`` one at a
    time: no copy of each is held at once).

    Examples
    --------
    >>> first_rows(np.array([0, 1, 0, 1]), np.array([0, 0, 0, 1])).tolist()
    [True, True, False, True]
    >>> first_rows(np.array([0, 1, 0, 1]), rows=np.array([1, 2, 3])).tolist()
    [True, True, False]
    """
    at = (lambda c: c[rows]) if rows is not None else (lambda c: c)
    key = at(codes[0]).astype(np.int64)  # (a copy: made the key in place)
    if not len(key):
        return np.ones(0, dtype=bool)
    for c in codes[1:]:
        key *= int(c.max()) + 1  # (products stay far below 2**63 at any size)
        key += at(c)
    order = np.argsort(key, kind="stable")
    key = key[order]
    new = np.empty(len(key), dtype=bool)
    new[0] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    del key
    first = np.zeros(len(new), dtype=bool)
    first[order[new]] = True
    return first


def _extend_grouped(targets: list[Any], key: str, rows: np.ndarray, group: np.ndarray,
                    values: np.ndarray, codes: np.ndarray) -> StudentLists | None:
    """``targets[group[i]][key].extend`` (a list made when absent) with
    ``values[codes[i]]`` for every ``i`` in ``rows`` (ascending): each list gets its values
    in row order, as one ``append`` per row would give. (Values by code: no array of an
    object per row is made.) Returns the lists' codes (:class:`StudentLists`)."""
    if not len(rows):
        return None
    g = group[rows]
    order = np.argsort(g, kind="stable")
    g = g[order]
    listed = codes[rows[order]]
    vals = values[listed].tolist()
    bounds = [0, *(np.flatnonzero(np.diff(g)) + 1).tolist(), len(g)]
    heads = g[bounds[:-1]].tolist()
    made: dict[str, int] = {}  # section id → its list's place in `lists`
    lists: list[list[str] | None] = []
    for k, (target, a, z) in enumerate(zip(heads, bounds[:-1], bounds[1:])):
        d = targets[target]
        got = d.setdefault(key, [])
        got.extend(vals[a:z])
        made[d.get("id")] = k
        lists.append(got)
    return StudentLists(listed, values, bounds, made, lists)


def _tell(b: RosterBuilder, t: CsvTable, told: list[tuple[int, str, str | None]],
          codes: dict[int, str] | None = None,
          ids_told: Sequence[tuple[int, str, str | None, str | None, str | None]] = ()
          ) -> None:
    """The problems ``(row, message, record id)`` in line order (code ``other``, or the
    row's in ``codes``); ``ids_told`` adds ``(row, message, record id, field, raw)``
    problems, each before the others of its row. A problem's ``raw`` is its row's text
    (:func:`~rostergraph.io.csv_rowchecks.rows_text`, as the readers' other files give
    it) unless ``ids_told`` gives one (the cell as given)."""
    lines = t.lines
    every = [(i, 0, m, rid, f, raw) for i, m, rid, f, raw in ids_told]
    every += [(i, 1, m, rid, None, None) for i, m, rid in told]
    texts = rows_text(t, [x[0] for x in every if x[5] is None])
    for i, _, message, rid, field, raw in sorted(every, key=lambda x: x[:2]):
        b.problem(codes.get(i, "other") if codes else "other", message,
                  file="enrollments.csv", line=lines[i], kind="sections", record_id=rid,
                  field=field, raw=texts[i] if raw is None else raw)


#: OneRoster's role values (1.1 and 1.2), by their lowercase spelling
_ROLE_SPELLING = {r.lower(): r for r in (
    "administrator", "aide", "counselor", "districtAdministrator", "guardian", "parent",
    "principal", "proctor", "relative", "siteAdministrator", "student", "systemAdministrator",
    "teacher")}


def canonical_role(value: str) -> str:
    """A OneRoster role cell as the spec spells it when it names a role in another case
    (``"Student"`` → ``"student"``), else stripped as it is.

    Examples
    --------
    >>> canonical_role(" Student"), canonical_role("TEACHER"), canonical_role("coach")
    ('student', 'teacher', 'coach')
    """
    role = value.strip()
    return _ROLE_SPELLING.get(role.lower(), role)


#: the ``enrollments.csv`` columns the OneRoster reader reads (or, for an enrollment's own
#: status and date, needs no record for); an enrollment is no record (a section holds its
#: users' ids only), so the cells of any other column (``beginDate``, ``endDate``, a
#: vendor's ``metadata.*``) are kept on the section apart (:mod:`~rostergraph.io.enrollcells`)
ENROLLMENT_COLUMNS_READ = frozenset({"sourcedId", "status", "dateLastModified",
                                     "classSourcedId", "schoolSourcedId", "userSourcedId",
                                     "role", "primary"})


def unkept_columns(t: CsvTable) -> list[str]:
    """The columns of an ``enrollments.csv`` table not in :data:`ENROLLMENT_COLUMNS_READ`
    (each named once, in header order).

    Examples
    --------
    >>> from rostergraph.roster import RosterBuilder
    >>> from rostergraph.io.csvutil import read_table
    >>> b = RosterBuilder(source="mem", format="test")
    >>> unkept_columns(read_table(b"sourcedId,role,beginDate,metadata.x\\n", "e.csv", b))
    ['beginDate', 'metadata.x']
    """
    return [c for c in dict.fromkeys(t.header) if c and c not in ENROLLMENT_COLUMNS_READ]


def filled_rows(t: CsvTable, column: str) -> int | None:
    """How many rows of a clean table ``t`` hold a value in ``column`` (0 when there is no
    such column), counted in C for a pyarrow column, else from its distinct values;
    ``None`` for a table that is not clean
    (its rows can be read once only: the reader counts them as it reads them).

    Examples
    --------
    >>> from rostergraph.roster import RosterBuilder
    >>> from rostergraph.io.csvutil import read_table
    >>> b = RosterBuilder(source="mem", format="test")
    >>> t = read_table(b"a,beginDate\\n1,\\n2,2024-08-19\\n3,2024-08-19\\n", "e.csv", b)
    >>> filled_rows(t, "beginDate"), filled_rows(t, "endDate")
    (2, 0)
    """
    if not t.clean:
        return None
    col = t.arrow(column)
    if col is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if not pa.types.is_dictionary(col.type):  # (a coded column: counted from its codes)
            # (counted in C: no encoding of a column of millions of dates)
            return len(col) - int(np.count_nonzero(numpy_of(pc.binary_length(col)) == 0))
    got = t.encoded(column)
    if got is None:
        return 0
    codes, values = got
    empty = [i for i, v in enumerate(values) if v == ""]
    return len(codes) - (int(np.count_nonzero(codes == empty[0])) if empty else 0)


def keep_other_role(sec: dict[str, Any], role: str, uid: str) -> None:
    """Keep an enrollment of ``role`` (not ``student`` or ``teacher``) in section dict
    ``sec``'s extra (:data:`OTHER_ROLES_KEY` + role), each user once; an empty role is
    not kept (the readers note it).

    Examples
    --------
    >>> sec = {}
    >>> keep_other_role(sec, "aide", "u1"); keep_other_role(sec, "aide", "u1")
    >>> sec
    {'oneroster.enrollments.aide': ['u1']}
    """
    if not role:
        return
    users = sec.setdefault(OTHER_ROLES_KEY + role, [])
    if isinstance(users, list) and uid not in users:
        users.append(uid)


#: The problem of a OneRoster enrollment row with an empty ``sourcedId`` that loads.
NO_ENROLLMENT_ID = ("enrollment without a sourcedId (OneRoster requires one); the enrollment "
                    "is kept (the OneRoster writer gives it an id)")

#: The problem of a OneRoster ``enrollments.csv`` with rows and no ``sourcedId`` column.
NO_ENROLLMENT_ID_COLUMN = ("enrollments.csv has no sourcedId column (OneRoster requires one): "
                           "its enrollments load without their ids (the OneRoster writer "
                           "gives them ids)")


def empty_cells(t: CsvTable, column: str) -> np.ndarray | None:
    """Whether each row of a clean table ``t`` has an empty ``column`` cell (a bool array),
    told in C for a pyarrow column (no ``str`` object per row); ``None`` when the file has
    no such column.

    Examples
    --------
    >>> from rostergraph.roster import RosterBuilder
    >>> from rostergraph.io.csvutil import read_table
    >>> t = read_table(b"a,b\\nx,1\\n,2\\n", "e.csv", RosterBuilder(source="m", format="t"))
    >>> empty_cells(t, "a").tolist(), empty_cells(t, "c")
    ([False, True], None)
    """
    if t.index.get(column) is None:
        return None
    col = t.arrow(column)
    if col is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if not pa.types.is_dictionary(col.type):
            return numpy_of(pc.binary_length(col)) == 0  # type: ignore[no-any-return]
    codes, values = encoded_or_empty(t, column, len(t.lines))
    return np.array([not v for v in values], dtype=bool)[codes]


def enrollment_elsewhere(school: str, cid: str, sec: Any, line: int) -> str:
    """The message for a OneRoster enrollment whose ``schoolSourcedId`` is not its class's
    school (section dict ``sec``, read at ``classes.csv`` line ``line``)."""
    its = sec.get("oneroster_org") or sec.get("school")
    return (f"enrollment's schoolSourcedId {school!r} is not the school of class {cid!r} "
            f"({its!r}, classes.csv line {line}); the enrollment is kept")


def oneroster_enrollments(b: RosterBuilder, t: CsvTable, sections: dict[str, dict[str, Any]],
                          alias: dict[str, str], ignored: dict[str, int],
                          deleted_classes: Any,
                          class_lines: Mapping[str, int] | None = None,
                          match: Callable[[str, list[str]], list[str]] | None = None,
                          joined: bool = True) -> LoadedEnrollments:
    """The OneRoster reader's enrollment rows of a clean table with no ``status`` to act
    on and no base roster: students and teachers onto ``sections`` (``alias`` maps a row's
    user id to the merged user), roles with no Clever equivalent counted in ``ignored``,
    problems told in line order (``class_lines``: each class's ``classes.csv`` line, which
    the problem of an enrollment at another school names). ``match(kind, ids)`` gives the
    ids of the records (``sections``, ``users``, ``orgs``) that ``ids`` name once spaces
    around ids are ignored: each row whose cell is read so is a problem first.
    ``joined=False`` says that ``alias`` maps every id to itself (nothing to look up).
    ``deleted_classes``: the ids of the classes marked tobedeleted, as :func:`bare_ids`.
    Returns the rows loaded (:class:`LoadedEnrollments`)."""
    n = len(t.lines)
    ids_told: list[tuple[int, str, str | None, str | None, str | None]] = []
    c_code, cids = _matched(*encoded_or_empty(t, "classSourcedId", n), "classSourcedId",
                            "sections", match, ids_told, respelt_message)
    u_code, usids = _matched(*encoded_or_empty(t, "userSourcedId", n), "userSourcedId",
                             "users", match, ids_told, respelt_message)
    r_code, roles = encoded_or_empty(t, "role", n)
    roles = list(map(canonical_role, roles))
    secs = [sections.get(c) for c in cids]
    has_sec = np.array([s is not None for s in secs], dtype=bool)[c_code]
    has_user = truthy(usids)[u_code]
    r_student = np.array([r == "student" for r in roles], dtype=bool)
    r_teacher = np.array([r == "teacher" for r in roles], dtype=bool)
    student, teacher = r_student[r_code], r_teacher[r_code]
    # a sourcedId given again: that row is a duplicate_id problem, not loaded
    repeat = np.zeros(n, dtype=bool)
    if t.distinct("sourcedId") is False:  # (all distinct, the usual case: nothing to do)
        s_code, eids = encoded_or_empty(t, "sourcedId", n)
        repeat = ~first_rows(s_code) & truthy(eids)[s_code]
    no_role = np.array([not r for r in roles], dtype=bool)[r_code]
    ok = has_sec & has_user & ~repeat & ~no_role
    no_id = empty_cells(t, "sourcedId")
    other = ok & ~student & ~teacher
    if other.any():
        for code, k in zip(*np.unique(r_code[other], return_counts=True)):
            ignored[roles[code]] = ignored.get(roles[code], 0) + int(k)
    # a user id row → its merged user (1.1 one-role-per-row users), coded per user
    # (alias names every row's own id; looked up in C, 2M ids at L)
    if joined and any(map(operator.ne, map(alias.get, usids, usids), usids)):
        merged: dict[str, int] = {}
        m_code = np.fromiter((merged.setdefault(alias.get(u, u), len(merged)) for u in usids),
                             dtype=u_code.dtype, count=len(usids))[u_code]
        uid_of = object_array(list(merged))
        del merged
    else:  # (each user id its own user, the usual case: no dict of millions of ids)
        m_code, uid_of = u_code, object_array(usids)
    for i in np.flatnonzero(other).tolist():  # (rare rows: one step each, in file order)
        keep_other_role(secs[c_code[i]], roles[r_code[i]],  # type: ignore[arg-type]
                        alias.get(usids[u_code[i]], usids[u_code[i]]))
    kept = np.flatnonzero(ok & (student | teacher))
    first = first_rows(c_code, m_code, teacher, rows=kept)
    again = kept[~first]  # (a user's later rows in a class as one role: told by the reader)
    kept = kept[first]
    lists = _extend_grouped(secs, "students", kept[student[kept]], c_code, uid_of, m_code)
    told: list[tuple[int, str, str | None]] = []  # (row, message, record id)
    # (row, message, record id, field, raw): a row that loads without its id is not lost,
    # but said, first of its row's problems
    said: list[tuple[int, str, str | None, str | None, str | None]] = [
        (i, NO_ENROLLMENT_ID, cids[c_code[i]], "sourcedId", None)
        for i in (np.flatnonzero(ok & no_id).tolist() if no_id is not None else ())]
    s_code, schools = _matched(*encoded_or_empty(t, "schoolSourcedId", n), "schoolSourcedId",
                               "orgs", match, ids_told, respelt_message)
    # (each cell read without its spaces is about the row's class, first of its problems)
    said = [(i, m, cids[c_code[i]] or None, f, raw) for i, m, _, f, raw in ids_told] + said
    at = {v: k for k, v in enumerate(schools) if v}
    # each class's school (and the department it names, if any) as a code of the column
    # (-1: none to compare, -2: a value no row gives)
    sch, org = (np.array([at.get(s.get(key) or "", -2) if s is not None and s.get(key) else -1
                          for s in secs], dtype=np.int32)[c_code]
                for key in ("school", "oneroster_org"))
    elsewhere = (ok & truthy(schools)[s_code] & ((sch != -1) | (org != -1))
                 & (s_code != sch) & (s_code != org))
    del sch, org
    for i in np.flatnonzero(elsewhere).tolist():
        cid = cids[c_code[i]]
        said.append((i, enrollment_elsewhere(schools[s_code[i]], cid, secs[c_code[i]],
                                             (class_lines or {}).get(cid, 0)),
                     cid, "schoolSourcedId", None))
    said.sort(key=lambda x: x[0])  # (stable: a row's missing id first)
    bad = np.flatnonzero(~ok)
    # (the ids of those rows only: the column as str objects was 0.5 GB at L)
    sids = dict(zip(bad.tolist(), t.cells_at("sourcedId", bad) or ()))
    codes: dict[int, str] = {}
    near: dict[str, str] = {}  # (near_id_hint's)
    for i in bad.tolist():
        rid = sids.get(i)
        if repeat[i]:
            codes[i] = "duplicate_id"
            told.append((i, f"duplicate enrollment id {rid!r}: the first row is kept", rid))
        elif not has_sec[i]:
            cid = cids[c_code[i]]
            why = (f"enrollment in class {cid!r}, which is marked tobedeleted and was left out"
                   if cid.strip() in deleted_classes else
                   f"enrollment in unknown class {cid!r}{null_text_hint(cid)}"
                   f"{near_id_hint(cid, sections, near)}")
            told.append((i, f"{why}; not loaded", rid))
        elif not has_user[i]:
            told.append((i, "enrollment without a userSourcedId; not loaded", rid))
        else:
            told.append((i, "enrollment without a role; not loaded", rid))
    rows = kept[teacher[kept]].tolist()
    # (encoded: a bool per row, not a str object per row of millions)
    prim = t.encoded("primary") if rows else None
    primary = np.array([v.strip().lower() in _TRUE for v in prim[1]], dtype=bool)[prim[0]] \
        if prim is not None else np.zeros(n, dtype=bool)
    listed = np.zeros(n, dtype=bool)
    listed[rows] = True
    # a teacher's repeated row still says whether the teacher is primary (in row order)
    for i in np.flatnonzero(ok & teacher & (listed | primary)).tolist():
        sec, uid, cid = secs[c_code[i]], uid_of[m_code[i]], cids[c_code[i]]
        if listed[i]:
            sec.setdefault("teachers", []).append(uid)  # type: ignore[union-attr]
        if primary[i]:
            if "teacher" in sec and sec["teacher"] != uid:  # type: ignore[operator,index]
                told.append((i, (f"class {cid!r} has a second primary teacher; the first is "
                                 "section.teacher"), cid))
            else:
                sec["teacher"] = uid  # type: ignore[index]
    _tell(b, t, told, codes, said)
    # the other roles' rows loaded: each user's first of a (canonical) role in a class
    canon = {r: k for k, r in enumerate(dict.fromkeys(roles))}
    r_canon = np.array([canon[r] for r in roles], dtype=np.int64)[r_code] if roles else r_code
    others = np.flatnonzero(other)
    first = first_rows(c_code, m_code, r_canon, rows=others)
    return LoadedEnrollments(secs, c_code, uid_of, m_code, list(canon), r_canon,
                             np.sort(np.concatenate([kept, others[first]])), cids,
                             np.sort(np.concatenate([again, others[~first]])), lists)


class LoadedEnrollments(NamedTuple):
    """The rows :func:`oneroster_enrollments` loaded, each the first of its enrollment:
    row ``i`` (of ``rows``) is user ``users[user_code[i]]``'s enrollment as
    ``roles[role_code[i]]`` in section dict ``sections[section_code[i]]`` (of id
    ``section_ids[section_code[i]]``); ``again``: the rows that gave an enrollment of
    ``rows`` again (its user, role and section), not loaded; ``students``: the sections'
    ``students`` lists as codes (``None``: no student row loaded)."""

    sections: list[Any]
    section_code: np.ndarray
    users: np.ndarray
    user_code: np.ndarray
    roles: list[str]
    role_code: np.ndarray
    rows: np.ndarray
    section_ids: list[str]
    again: np.ndarray
    students: StudentLists | None = None


def primary_first(teacher: str | None, teachers: Sequence[str] | None) -> list[str] | None:
    """``teachers`` with ``teacher`` (a OneRoster ``primary=true`` enrollment's) first, as
    Clever lists them: enrollment rows have no order.

    >>> primary_first("t1", ["t2", "t1", "t3"]), primary_first("t9", ["t2"])
    (['t1', 't2', 't3'], ['t2'])
    """
    if teachers is None or teacher is None or teacher not in teachers:
        return None if teachers is None else list(teachers)
    return [teacher, *(t for t in teachers if t != teacher)]


def school_disagrees(school: str, section: str, its_school: str, line: int) -> str:
    """The message for an SFTP enrollment whose ``School_id`` is not its section's school."""
    return (f"enrollment's School_id {school!r} is not the school of section {section!r} "
            f"({its_school!r}, sections.csv line {line}); the enrollment is kept")


def padded_message(col: str, value: str, got: str) -> str:
    """The message for an SFTP id cell that names a record only when spaces around ids
    are ignored."""
    return (f"{col} {value!r} names no record but {got!r} does once spaces around ids are "
            f"ignored (as Clever matches them): read as {got!r}; the cell as given is in raw")


def null_text_hint(value: str) -> str:
    """What a problem about an id that names no record adds when the id is the text NULL
    (any case): SQL exports write an empty value so, and a CSV cell cannot tell it from an
    id (it is kept as given).

    Examples
    --------
    >>> null_text_hint("NULL"), null_text_hint("c9")
    (" (the id is the text NULL: an SQL export's empty value?)", '')
    """
    if value.lower() != "null":
        return ""
    return f" (the id is the text {value}: an SQL export's empty value?)"


def near_id_hint(value: str, ids: Iterable[str], memo: dict[str, str],
                 kind: str = "class") -> str:
    """What a problem about an id ``value`` (of a ``kind``: ``class``, ``user``) that names
    none of ``ids`` adds when it names one once case, leading zeros and a spreadsheet
    formula around it (``="00451"``, as a spreadsheet export keeps leading zeros) are
    ignored (a GUID in upper case in one file and lower case in another; a numeric id
    whose zeros a spreadsheet dropped). Ids are still matched as given. ``memo``: the ids
    by that key, filled on first use (one dict per file: only rows naming no record pay
    for it).

    Examples
    --------
    >>> memo: dict[str, str] = {}
    >>> near_id_hint("AB1", ["ab1", "007"], memo)
    " (class 'ab1' has this id in another case: ids are matched as given)"
    >>> near_id_hint("7", ["ab1", "007"], memo)[:44], near_id_hint("c9", ["ab1"], memo)
    (" (class '007' has this id with leading zeros", '')
    >>> print(near_id_hint('="007"', ["007"], {}, "user"))
     (user '007' has this id once the spreadsheet formula ="..." around one of them is left
     out: ids are matched as given)
    """
    if not memo:
        memo.update(_near_memo(ids))
    key = _near_key(value)
    got = memo.get(key) if key else None
    if got is None or got == value:
        return ""
    if _unwrapped(got) != got or _unwrapped(value) != value:
        return (f" ({kind} {got!r} has this id once the spreadsheet formula =\"...\" around "
                "one of them is left out: ids are matched as given)")
    if got.lower() == value.lower():
        return f" ({kind} {got!r} has this id in another case: ids are matched as given)"
    return (f" ({kind} {got!r} has this id with leading zeros, which a spreadsheet drops: "
            "ids are matched as given)")


def near_users_message(rows: int, line: int, named: list[tuple[str, str]]) -> str:
    """The problem of the ``rows`` enrollments of ``enrollments.csv``, the first at
    ``line``, whose ``userSourcedId`` names no user but names one once case, leading zeros
    and a spreadsheet formula are ignored: ``named`` gives each such id and its
    :func:`near_id_hint`, the first few shown.

    Examples
    --------
    >>> print(near_users_message(1, 4, [("42", near_id_hint("42", ["0042"], {}, "user"))]))
    1 enrollment of enrollments.csv (line 4) names a userSourcedId that is no user's id but
    is one once case, leading zeros or a spreadsheet formula ="..." are ignored: '42' (user
    '0042' has this id with leading zeros, which a spreadsheet drops: ids are matched as
    given). The enrollments are kept as given (each a reference to a user with no record)
    """
    shown = "; ".join(f"{v!r}{hint}" for v, hint in named[:3]) + (
        "; ..." if len(named) > 3 else "")
    return (f"{rows:,} enrollment{'s' if rows != 1 else ''} of enrollments.csv (line {line}"
            + (f" and {rows - 1:,} more" if rows > 1 else "")
            + f") name{'' if rows != 1 else 's'} a userSourcedId that is no user's id but is "
            "one once case, leading zeros or a spreadsheet formula =\"...\" are ignored: "
            f"{shown}. The enrollments are kept as given (each a reference to a user with no "
            "record)")


def _unwrapped(value: str) -> str:
    """``value`` without the spreadsheet formula ``="..."`` around it, if it has one."""
    return value[2:-1] if value[:2] == '="' and value[-1:] == '"' and len(value) > 3 else value


def _near_key(value: str) -> str:
    return _unwrapped(value).lower().lstrip("0")


def near_memo(values: list[str], ids: Iterable[str]) -> dict[str, str]:
    """A memo for :func:`near_id_hint` of ``values`` among ``ids``: the ids whose near key
    (case, leading zeros and a spreadsheet formula ignored) is one of ``values``' (so that
    a district's users are not all put in a dict for a few unknown ids).

    Examples
    --------
    >>> memo = near_memo(["42"], ["0042", "AB1"])
    >>> near_id_hint("42", [], memo, "user")[:13], near_id_hint("ab1", [], memo)
    (" (user '0042'", '')
    """
    import pyarrow.compute as pc

    wanted = {k for v in values if (k := _near_key(v))}
    memo = {"": ""}  # (never looked up: a memo with an entry is not filled again)
    if not wanted:
        return memo
    listed = list(ids)
    arr, keys = _kernel_near_keys(listed)
    maybe = numpy_of(pc.is_in(keys, value_set=arrow_strs(list(wanted))))
    maybe |= ~numpy_of(pc.string_is_ascii(arr))  # (their keys made by Python's lower())
    for i in np.flatnonzero(maybe).tolist():
        key = _near_key(listed[i])
        if key in wanted:
            memo.setdefault(key, listed[i])
    return memo


def _near_memo(ids: Iterable[str]) -> dict[str, str]:
    """Each of ``ids`` by its :func:`_near_key` (the first id of a key kept; no empty
    key), the keys of ASCII ids made by pyarrow's string kernels (a district's users: no
    Python call per id), others by :func:`_near_key` itself.

    Examples
    --------
    >>> sorted(_near_memo(['="0042"', "0042", "AB1", "Ǆ1", '="0"']).items())
    [('42', '="0042"'), ('ab1', 'AB1'), ('ǆ1', 'Ǆ1')]
    """
    import pyarrow.compute as pc

    listed = list(ids)
    arr, made = _kernel_near_keys(listed)
    keys = made.to_pylist()
    for i in np.flatnonzero(~numpy_of(pc.string_is_ascii(arr))).tolist():
        keys[i] = _near_key(listed[i])
    memo = dict(zip(reversed(keys), reversed(listed)))
    memo.pop("", None)
    return memo


def _kernel_near_keys(listed: list[str]) -> tuple[Any, Any]:
    """``listed`` as a pyarrow array, and each one's :func:`_near_key` as pyarrow's string
    kernels make it (the same for an ASCII id; another's is made by Python's ``lower()``)."""
    import pyarrow.compute as pc

    arr = arrow_strs(listed)
    # ((?s): "." takes a line break too, as _unwrapped's slice does: a quoted cell may hold one)
    unwrapped = pc.replace_substring_regex(arr, r'(?s)^="(.+)"$', r"\1")
    return arr, pc.utf8_ltrim(pc.ascii_lower(unwrapped), characters="0")


def respelt_message(col: str, value: str, got: str) -> str:
    """The message for a OneRoster reference cell that names a record only when spaces
    around ids are ignored (read so, as the Clever SFTP reader reads its id cells).

    Examples
    --------
    >>> respelt_message("classSourcedId", " c1", "c1")[:52]
    "classSourcedId ' c1' names no record but 'c1' does o"
    """
    return (f"{col} {value!r} names no record but {got!r} does once spaces around ids are "
            f"ignored: read as {got!r}; the cell as given is in raw")


def _matched(codes: np.ndarray, values: list[str], col: str, kind: str,
             match: Callable[[str, list[str]], list[str]] | None,
             told: list[tuple[int, str, str | None, str | None, str | None]],
             message: Callable[[str, str, str], str] = padded_message,
             ) -> tuple[np.ndarray, list[str]]:
    """An encoded id column with each value replaced by the id it names (``match``:
    ignoring spaces around ids; values that become equal merge): a problem for each row
    whose cell changed keeps the cell as given (``message`` says it)."""
    got = match(kind, values) if match is not None else values
    if got == values:
        return codes, values
    merged: dict[str, int] = {}
    remap = np.array([merged.setdefault(v, len(merged)) for v in got], dtype=np.int64)
    changed = np.array([a != b for a, b in zip(values, got)], dtype=bool)
    for i in np.flatnonzero(changed[codes]).tolist():
        v = values[codes[i]]
        told.append((i, message(col, v, got[codes[i]]), None, col, v))
    return remap[codes], list(merged)


def sftp_enrollments(b: RosterBuilder, t: CsvTable, sections: dict[str, dict[str, Any]],
                     where: Mapping[str, tuple[str, int]] | None = None,
                     match: Callable[[str, list[str]], list[str]] | None = None
                     ) -> LoadedEnrollments:
    """The SFTP reader's enrollment rows of a clean table: each student onto its section
    once, problems (an id naming its record only without spaces around it, unknown
    section, no student, a repeated pair, a ``School_id`` that is not the section's
    school) told in line order; returns the rows loaded (each a ``student``'s, for the
    cells kept of them). ``where`` gives each section's file and line (for the
    last); ``match(kind, ids)`` the ids of the records ``ids`` name (for the first)."""
    n = len(t.lines)
    ids_told: list[tuple[int, str, str | None, str | None, str | None]] = []
    c_code, sec_ids = _matched(*encoded_or_empty(t, "Section_id", n), "Section_id", "sections",
                               match, ids_told)
    u_code, students = _matched(*encoded_or_empty(t, "Student_id", n), "Student_id", "users",
                                match, ids_told)
    has_school = t.index.get("School_id") is not None
    if has_school:
        s_code, schools = _matched(*encoded_or_empty(t, "School_id", n), "School_id", "schools",
                                   match, ids_told)
    # each id problem is about the row's section
    ids_told = [(i, m, sec_ids[c_code[i]] or None, f, raw) for i, m, _, f, raw in ids_told]
    secs = [sections.get(c) for c in sec_ids]
    has_sec = np.array([s is not None for s in secs], dtype=bool)[c_code]
    ok = has_sec & truthy(students)[u_code]
    good = np.flatnonzero(ok)
    first = first_rows(c_code, u_code, rows=good)
    users = object_array(students)
    lists = _extend_grouped(secs, "students", good[first], c_code, users, u_code)
    told = [(i, (f"enrollment in unknown section {sec_ids[c_code[i]]!r}; not loaded"
                 if not has_sec[i] else "enrollment without Student_id; not loaded"),
             sec_ids[c_code[i]] or None) for i in np.flatnonzero(~ok).tolist()]
    told += [(i, (f"student {students[u_code[i]]!r} enrolled twice in section "
                  f"{sec_ids[c_code[i]]!r}; one edge kept"), sec_ids[c_code[i]])
             for i in good[~first].tolist()]
    if has_school:
        # each section's school as a code of the School_id column (-1: none to compare)
        at = {v: k for k, v in enumerate(schools) if v}
        theirs = [s.get("school") or "" if s is not None else "" for s in secs]
        mine = np.array([at.get(x, -2) if x else -1 for x in theirs], dtype=np.int64)[c_code]
        for i in np.flatnonzero((mine != -1) & (mine != s_code)
                                & truthy(schools)[s_code]).tolist():
            sid = sec_ids[c_code[i]]
            line = where[sid][1] if where and sid in where else 0
            ids_told.append((i, school_disagrees(schools[s_code[i]], sid, theirs[c_code[i]],
                                                 line), sid, "School_id", None))
    _tell(b, t, told, ids_told=ids_told)
    return LoadedEnrollments(secs, c_code, users, u_code, ["student"],
                             np.zeros(n, dtype=np.int64), good[first], sec_ids, good[~first],
                             lists)
