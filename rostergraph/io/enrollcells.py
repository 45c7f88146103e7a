"""The cells of an ``enrollments.csv`` row that no Clever field holds (``beginDate``,
``endDate``, a vendor's ``metadata.*`` column, ...), kept on the enrollment's section.

An enrollment is no record: a section holds its users' ids. The OneRoster reader keeps
those cells in the section's ``extra`` under :data:`ENROLLMENT_CELLS_KEY`, grouped by value,
``{column: {role: {value: [user, ...]}}}`` (the rows of one class mostly share their
dates, so a value is held once per class and role, not once per enrollment; each
group's users sorted, so that neither the rows' order nor the order the writer writes
them in changes the section); the
OneRoster writer writes each back on its enrollment's row, and a delta applied to a base
roster replaces the cells of the enrollments it sends again (in the columns its header
has) and drops those of the enrollments it removes.

Examples
--------
>>> cells = {}
>>> keep_cell(cells, "beginDate", "student", "u1", "2024-08-19")
>>> keep_cell(cells, "beginDate", "student", "u2", "2024-08-19")
>>> cells
{'beginDate': {'student': {'2024-08-19': ['u1', 'u2']}}}
>>> by_enrollment(cells)[("student", "u2")]
{'beginDate': '2024-08-19'}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from .csv_rowchecks import is_secret_column
from .csvutil import CsvTable
from .enrollcols import ENROLLMENT_COLUMNS_READ, LoadedEnrollments, encoded_or_empty, truthy
from .oneroster_cols import ENROLLMENT_IDS_KEY

__all__ = ["ENROLLMENT_CELLS_KEY", "again_lost", "again_message", "by_enrollment",
           "cells_kept", "collect_cells", "group_rows", "keep_cell", "keep_cells",
           "kept_columns", "kept_note", "merged_cells", "sort_groups"]

#: the ``extra`` key of a section's enrollment cells no field holds:
#: ``{column: {role: {value: [user, ...]}}}``
ENROLLMENT_CELLS_KEY = "oneroster.enrollmentCells"


def kept_columns(header: list[str]) -> list[str]:
    """The columns of an ``enrollments.csv`` header whose cells are kept: every one the
    reader reads nothing from (:data:`~rostergraph.io.enrollcols.ENROLLMENT_COLUMNS_READ`),
    but a credential's (never kept anywhere), each named once; a column without a name
    too (its cells are no less given).

    Examples
    --------
    >>> kept_columns(["sourcedId", "beginDate", "metadata.seat", "password", "beginDate", ""])
    ['beginDate', 'metadata.seat', '']
    """
    return [c for c in dict.fromkeys(header)
            if c not in ENROLLMENT_COLUMNS_READ and not is_secret_column(c)]


#: the writer's own ``enrollments.csv`` columns, by their lowercase name: a cell column
#: spelt as one of them in another case or with spaces is not written as a column (an
#: importer matching names ignoring case, as the OneRoster reader does when the exact
#: name is missing, would take it for the writer's)
_WRITERS_OWN = {c.lower(): c for c in (*ENROLLMENT_COLUMNS_READ, "beginDate", "endDate")}


def _writable(column: str) -> bool:
    """Whether cells of ``column`` are written back as a column of their own (not one
    without a name: a header ending in one is read without it, its cells as extra ones)."""
    return bool(column.strip()) and bool(kept_columns([column])) and _WRITERS_OWN.get(
        column.strip().lower(), column) == column


def keep_cell(cells: dict[str, Any], column: str, role: str, uid: str, value: str) -> None:
    """Keep ``value`` of ``column`` for ``uid``'s enrollment as ``role`` in ``cells`` (a
    section's :data:`ENROLLMENT_CELLS_KEY` value, grouped by value)."""
    cells.setdefault(column, {}).setdefault(role, {}).setdefault(value, []).append(uid)


def keep_cells(sec: dict[str, Any], kept: list[tuple[str, Any]], row: Any, role: str,
               uid: str) -> None:
    """The non-empty cells of ``row`` in the ``kept`` columns (``(column, getter)``), kept
    for ``uid``'s enrollment as ``role`` in section dict ``sec`` (a reader reading its
    rows one by one; :func:`collect_cells` keeps a column-wise read's).

    Examples
    --------
    >>> sec = {}
    >>> keep_cells(sec, [("beginDate", lambda r: r[0]), ("seat", lambda r: r[1])],
    ...            ["2024-08-19", ""], "student", "u1")
    >>> sec
    {'oneroster.enrollmentCells': {'beginDate': {'student': {'2024-08-19': ['u1']}}}}
    """
    for col, get in kept:
        v = get(row)
        if v:
            keep_cell(sec.setdefault(ENROLLMENT_CELLS_KEY, {}), col, role, uid, v)


def sort_groups(cells: Any) -> None:
    """Sort each group's users of a section's kept cells (the reader's shape) in place:
    a group is a set, and a roundtrip through the writer (which writes a class's primary
    teacher first) must not reorder it.

    Examples
    --------
    >>> cells = {"beginDate": {"teacher": {"2024-08-19": ["t2", "t1"]}}}
    >>> sort_groups(cells); cells
    {'beginDate': {'teacher': {'2024-08-19': ['t1', 't2']}}}
    """
    if by_enrollment(cells, any_column=True) is not None:  # (a column without a name too)
        _sort(cells)


def _sort(cells: dict[str, Any]) -> None:
    """:func:`sort_groups` of cells known to be of the reader's shape."""
    for by_role in cells.values():
        for by_value in by_role.values():
            for users in by_value.values():
                users.sort()


def group_rows(sections: list[Any], sec: np.ndarray, roles: list[str], role: np.ndarray,
               uids: np.ndarray, column: str, values: list[str], value: np.ndarray) -> None:
    """Keep the cells of many rows at once (in row order within each group, for
    :func:`sort_groups` to sort): row ``i`` is
    ``uids[i]``'s enrollment as ``roles[role[i]]`` in section dict ``sections[sec[i]]``,
    its ``column`` cell ``values[value[i]]`` (rows of empty cells are left out by the
    caller). One Python step per (section, role, value), not per row."""
    if not len(sec):
        return
    key = (sec.astype(np.int64) * len(roles) + role) * len(values) + value
    order = np.argsort(key, kind="stable")
    key = key[order]
    bounds = np.flatnonzero(np.diff(key)) + 1
    starts = np.concatenate([[0], bounds]).tolist()
    ends = np.concatenate([bounds, [len(key)]]).tolist()
    users = uids[order].tolist()  # (sliced as a list: a numpy slice per group costs more)
    firsts = order[starts]
    for a, b, s, r, v in zip(starts, ends, sec[firsts].tolist(), role[firsts].tolist(),
                             value[firsts].tolist()):
        d = sections[s].setdefault(ENROLLMENT_CELLS_KEY, {}).setdefault(column, {})
        d.setdefault(roles[r], {}).setdefault(values[v], []).extend(users[a:b])


def collect_cells(t: CsvTable, loaded: LoadedEnrollments, columns: list[str]) -> None:
    """The cells of ``columns`` of the rows a table read column-wise loaded (``loaded``:
    the first row of each enrollment), kept as a reader keeping them row by row keeps
    them, grouped in C and put on the sections a group at a time."""
    n, rows = len(t.lines), loaded.rows
    for col in columns if len(rows) else ():
        v_code, values = encoded_or_empty(t, col, n)
        at = rows[truthy(values)[v_code[rows]]]
        group_rows(loaded.sections, loaded.section_code[at], loaded.roles,
                   loaded.role_code[at], loaded.users[loaded.user_code[at]], col, values,
                   v_code[at])


def again_lost(sec: Mapping[str, Any], role: str, uid: str, eid: str,
               cells: Iterable[tuple[str, str]]) -> list[str]:
    """What a later row of ``uid``'s enrollment as ``role`` in section dict ``sec`` (read
    after the enrollment's rows) gives that the section does not keep: ``sourcedId`` when
    its id ``eid`` is not the enrollment's, and each column of ``cells`` (``(column,
    value)``, in header order) whose value is not the one kept (a section holds one
    enrollment of a user per role: the first row's cells, the first id given).

    Examples
    --------
    >>> sec = {ENROLLMENT_IDS_KEY: {"student": {"u1": "e1"}},
    ...        ENROLLMENT_CELLS_KEY: {"beginDate": {"student": {"2024-08-19": ["u1"]}}}}
    >>> again_lost(sec, "student", "u1", "e4", [("beginDate", "2025-01-06"), ("endDate", "")])
    ['sourcedId', 'beginDate']
    >>> again_lost(sec, "student", "u1", "", [("beginDate", "2024-08-19")])
    []
    """
    lost = ["sourcedId"] if eid and (
        (sec.get(ENROLLMENT_IDS_KEY) or {}).get(role) or {}).get(uid) != eid else []
    have = sec.get(ENROLLMENT_CELLS_KEY) or {}
    return lost + [col for col, v in cells
                   if v and uid not in ((have.get(col) or {}).get(role) or {}).get(v, ())]


def again_message(rows: int, line: int, ids: list[str], lost: list[str]) -> str:
    """The problem of the ``rows`` rows of ``enrollments.csv``, the first at ``line``, that
    give an enrollment of an earlier row again (its class, user and role): ``ids`` their
    sourcedIds (the first few are named), ``lost`` the columns whose values no section
    keeps (:func:`again_lost`).

    Examples
    --------
    >>> print(again_message(2, 5, ["e4"], ["sourcedId", "beginDate"]))
    2 rows of enrollments.csv (line 5 and 1 more) enroll a user again in a class in the same
    role (the classSourcedId, userSourcedId and role of an earlier row; sourcedId 'e4'): the
    first row of each enrollment is kept; the later rows' sourcedId, beginDate are not kept
    (a section holds one enrollment of a user per role)
    """
    shown = ", ".join(map(repr, ids[:5])) + (", ..." if len(ids) > 5 else "")
    return (f"{rows:,} row{'s' if rows != 1 else ''} of enrollments.csv (line {line}"
            + (f" and {rows - 1:,} more" if rows > 1 else "")
            + f") enroll{'' if rows != 1 else 's'} a user again in a class in the same role "
            "(the classSourcedId, userSourcedId and role of an earlier row"
            + (f"; sourcedId {shown}" if ids else "")
            + "): the first row of each enrollment is kept; "
            + (f"the later rows' {', '.join(lost)} {'is' if len(lost) == 1 else 'are'} not "
               "kept (a section holds one enrollment of a user per role)" if lost else
               "nothing else of the later rows is lost"))


def kept_note(file: str, sections: Iterable[Any], columns: list[str]) -> str | None:
    """The note naming the ``columns`` whose cells section dicts ``sections`` keep from
    ``file`` and how many (a row not loaded, or an enrollment's repeated row, keeps none;
    a column of none is not named), each group's users sorted on the way (a group is a
    set: the same whichever order rows come in); ``None`` when none is kept.

    Examples
    --------
    >>> kept_note("enrollments.csv", [{ENROLLMENT_CELLS_KEY: {"Seat": {"student": {
    ...     "B2": ["u2", "u1"]}}}}], ["Start_date", "Seat"])
    "enrollments.csv: Seat (2 rows) kept in their sections' extra 'oneroster.enrollmentCells' (an enrollment is no record)"
    """
    counts = dict.fromkeys(columns, 0)
    for sec in sections:  # (sorted even when no column is named: one without a name)
        cells = sec.get(ENROLLMENT_CELLS_KEY)
        if not isinstance(cells, dict):
            continue
        sort_groups(cells)
        for col, by_role in cells.items():
            if col in counts:
                counts[col] += sum(len(users) for by_value in by_role.values()
                                   for users in by_value.values())
    said = [f"{col} ({n:,} rows)" for col, n in counts.items() if n]
    if not said:
        return None
    return (f"{file}: " + ", ".join(said) + f" kept in their sections' extra "
            f"{ENROLLMENT_CELLS_KEY!r} (an enrollment is no record)")


def by_enrollment(cells: Any, *, any_column: bool = False
                  ) -> dict[tuple[str, str], dict[str, str]] | None:
    """``(role, user)`` → ``{column: value}`` of a section's kept cells; ``None`` when
    ``cells`` is not of the shape the reader writes (then it is carried as it is), or
    (unless ``any_column``) names a column not written as a column of its own: one the
    writer fills itself (in any case, with spaces or not), one without a name.

    Examples
    --------
    >>> by_enrollment({"endDate": {"teacher": {"2025-06-01": ["t1"]}}})
    {('teacher', 't1'): {'endDate': '2025-06-01'}}
    >>> by_enrollment({"sourcedId": {"student": {"x": ["u1"]}}}) is None
    True
    >>> by_enrollment({" Status": {"student": {"tobedeleted": ["u1"]}}}) is None
    True
    """
    if not isinstance(cells, Mapping):
        return None
    out: dict[tuple[str, str], dict[str, str]] = {}
    for column, by_role in cells.items():
        if not (isinstance(column, str) and (any_column or _writable(column))
                and isinstance(by_role, Mapping)):
            return None
        for role, by_value in by_role.items():
            if not (isinstance(role, str) and role and isinstance(by_value, Mapping)):
                return None
            for value, users in by_value.items():
                if not (isinstance(value, str) and value and isinstance(users, list)
                        and all(isinstance(u, str) and u for u in users)):
                    return None
                for uid in users:
                    out.setdefault((role, uid), {}).setdefault(column, value)
    return out


def cells_kept(cells: Any, keep: Callable[[str, str], bool]) -> Any:
    """``cells`` with only the enrollments ``(role, user)`` that ``keep`` says (empty groups
    left out; ``None`` when none is left); anything not of the reader's shape as it is.

    Examples
    --------
    >>> cells_kept({"beginDate": {"student": {"d": ["u1", "u2"]}}}, lambda r, u: u != "u1")
    {'beginDate': {'student': {'d': ['u2']}}}
    """
    return cells if by_enrollment(cells) is None else _kept(cells, keep)


def _kept(cells: dict[str, Any], keep: Callable[[str, str], bool]) -> Any:
    """:func:`cells_kept` of cells known to be of the reader's shape."""
    out: dict[str, Any] = {}
    for column, by_role in cells.items():
        for role, by_value in by_role.items():
            for value, users in by_value.items():
                left = [u for u in users if keep(role, u)]
                if left:
                    out.setdefault(column, {}).setdefault(role, {})[value] = left
    return out or None


def merged_cells(have: Any, adds: Any, sent: Iterable[tuple[str, str]] = (),
                 columns: Iterable[str] | None = None) -> Any:
    """The cells ``have`` with ``adds``' (a delta's rows) put in their place: an enrollment
    ``adds`` gives, or ``sent`` names (``(role, user)`` of every row sent again, those
    with no cell too), has only its cells from ``adds`` (a row sent again is the row as
    it is now: an empty cell clears the old value) in the ``columns`` the delta's header
    has (``None``: every column); a column the header lacks says nothing of its cells,
    so they stay. ``adds`` when ``have`` is not of the reader's shape.

    Examples
    --------
    >>> merged_cells({"endDate": {"student": {"2025-06-01": ["u1", "u2"]}}},
    ...              {"endDate": {"student": {"2025-01-31": ["u2"]}}})
    {'endDate': {'student': {'2025-06-01': ['u1'], '2025-01-31': ['u2']}}}
    >>> merged_cells({"endDate": {"student": {"2025-06-01": ["u1", "u2"]}}}, None,
    ...              [("student", "u1")])
    {'endDate': {'student': {'2025-06-01': ['u2']}}}
    >>> merged_cells({"endDate": {"student": {"2025-06-01": ["u1"]}}}, None,
    ...              [("student", "u1")], columns=["beginDate"])
    {'endDate': {'student': {'2025-06-01': ['u1']}}}
    """
    new = by_enrollment(adds) if adds is not None else {}
    if new is None or by_enrollment(have) is None:
        return adds if new is not None and adds is not None else have
    gone = {*new, *sent}
    said = None if columns is None else set(columns)
    # (both of the reader's shape, checked above: the helpers check no more)
    replaced = _kept({c: v for c, v in have.items() if said is None or c in said},
                     lambda role, uid: (role, uid) not in gone) or {}
    out: dict[str, Any] = {}
    for column, by_role in have.items():  # (in the base's order of columns)
        if said is None or column in said:
            if column in replaced:
                out[column] = replaced[column]
        else:  # (a copy: keep_cell below must not add to the base's lists)
            out[column] = {role: {v: list(users) for v, users in by_value.items()}
                           for role, by_value in by_role.items()}
    for column, by_role in (adds or {}).items():
        for role, by_value in by_role.items():
            for value, users in by_value.items():
                for uid in users:
                    keep_cell(out, column, role, uid, value)
    _sort(out)
    return out or None
