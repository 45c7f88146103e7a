"""What :func:`~rostergraph.io.write_oneroster.write_oneroster` writes back of the OneRoster
cells the reader kept in ``extra`` without a Clever field: a source's enrollment
``sourcedId`` s and its 1.2 ``roles.csv`` rows, in their own files again, and the
enrollments' other cells on their rows (as
:func:`~rostergraph.io.write_sftp.write_clever_csv` writes a student's back on its
Clever SFTP ``enrollments.csv`` row)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .enrollcells import ENROLLMENT_CELLS_KEY, by_enrollment
from .enrollcols import ENROLLMENT_COLUMNS_READ
from .oneroster_cols import (
    ENROLLMENT_IDS_KEY,
    ROLES_KEY,
    kept_role_row,
    role_row_ids,
    usable_role_rows,
)
from .write import _Carry

if TYPE_CHECKING:
    from .write_sheets import Sheet

__all__ = ["MAX_CELL_COLUMNS", "carry_unwritten_cells", "enrollment_cells", "enrollment_ids",
           "role_rows"]


def enrollment_ids(c: _Carry, sid: str) -> Callable[[str, str, int], str] | None:
    """The ``sourcedId`` of a class's enrollment ``(role, user, n)``: the source's, that the
    reader kept in ``extra`` (:data:`ENROLLMENT_IDS_KEY`), else ``<class>:<n>`` (``n``
    counting the class's enrollments from 1, as the reader expects of a made-up id);
    ``None`` when the class kept none (every id is ``<class>:<n>``)."""
    kept = c.d.get(ENROLLMENT_IDS_KEY)
    if kept is None or not (isinstance(kept, dict) and all(
            isinstance(users, dict) and all(isinstance(e, str) and e for e in users.values())
            for users in kept.values())):
        return None  # (anything else is carried as it is)
    del c.d[ENROLLMENT_IDS_KEY]
    taken = {e for users in kept.values() for e in users.values()}

    def eid(role: str, uid: str, n: int) -> str:
        got = kept.get(role, {}).get(uid)
        if got is not None:
            return got  # type: ignore[no-any-return]
        made = f"{sid}:{n}"
        while made in taken:  # (a kept id of another enrollment: never one id twice)
            made += "+"
        return made

    return eid


#: the most columns of enrollment cells (``beginDate``, ``endDate``, vendors' columns) the
#: OneRoster writer adds to ``enrollments.csv``: every column is a cell of every row, so
#: a section keeping cells of more (a hand-made Clever JSON: 1,000 columns of one user
#: each made 60k rows 25 times wider) has them carried in its class's JSON instead
MAX_CELL_COLUMNS = 64


def enrollment_cells(c: _Carry, sheet: Sheet, own: frozenset[str] = ENROLLMENT_COLUMNS_READ
                     ) -> dict[tuple[str, str], dict[str, str]]:
    """``(role, user)`` → the cells the reader kept for that enrollment of the class
    (:data:`~rostergraph.io.enrollcells.ENROLLMENT_CELLS_KEY`: ``beginDate``,
    ``endDate``, a vendor's columns), taken out of the carry; nothing when the class kept
    none, kept a value of another shape, cells of a column spelt as one of the file's
    ``own`` (in any case, with spaces or not: a Clever SFTP ``enrollments.csv``'s
    ``School_id``), or cells of columns that would take ``enrollments.csv``
    (``sheet``) past :data:`MAX_CELL_COLUMNS` columns of cells (then it is carried as
    it is)."""
    got = by_enrollment(c.d.get(ENROLLMENT_CELLS_KEY))
    if got is None:
        return {}
    taken = {o.lower() for o in own}
    if any(col.strip().lower() in taken for col in c.d[ENROLLMENT_CELLS_KEY]):
        return {}
    columns = sheet.columns.union(c.d[ENROLLMENT_CELLS_KEY])
    if len(columns - own) > MAX_CELL_COLUMNS:
        return {}
    del c.d[ENROLLMENT_CELLS_KEY]
    return got


def carry_unwritten_cells(c: _Carry, written: set[tuple[str, str]],
                          got: dict[tuple[str, str], dict[str, str]]) -> None:
    """Leave in the carry the groups of a class's kept cells (its
    :data:`~rostergraph.io.enrollcells.ENROLLMENT_CELLS_KEY` value) that hold a cell no
    row was written with: of an enrollment ``(role, user)`` not in ``written`` (a user no
    longer enrolled), or a second value of one column for one enrollment. Each such group
    is carried whole (the reader merges the carry over the rows' cells, a list replacing
    a list), so it reads back the same; the report counts it (``dropped`` without
    extensions). ``got``: the rows' cells :func:`enrollment_cells` took out of the carry
    (none: they were carried whole already, or there were none)."""
    if not got:
        return
    kept: Any = c.orig[ENROLLMENT_CELLS_KEY]
    left: dict[str, Any] = {}
    for column, by_role in kept.items():
        for role, by_value in by_role.items():
            for value, users in by_value.items():
                if any((role, u) not in written or got[(role, u)].get(column) != value
                       for u in users):
                    left.setdefault(column, {}).setdefault(role, {})[value] = list(users)
    if left:
        c.d[ENROLLMENT_CELLS_KEY] = left


def role_rows(rec: Any, c: _Carry, uid: str,
               grants: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """A 1.2 user's ``roles.csv`` rows, one per ``(role, org)`` of ``grants`` (the first
    ``primary``): a row of the source kept in ``extra`` (:data:`ROLES_KEY`) for that role
    and org gives its other cells (``sourcedId``, ``status``, dates, ...), else the id is
    made up (``<user>:role:<n>``). The kept rows are carried only when the rows written
    would not read back as them."""
    kept = usable_role_rows(rec.extra.get(ROLES_KEY))
    rows: list[dict[str, Any]] = []
    for i, ((orole, org), (sid, src)) in enumerate(zip(grants, role_row_ids(uid, grants, kept),
                                                        strict=True)):
        row: dict[str, Any] = {"sourcedId": sid}
        if src is not None:
            row.update(src)
        row.update({"userSourcedId": uid, "roleType": "primary" if i == 0 else "secondary",
                    "role": orole, "orgSourcedId": org})
        rows.append(row)
    if kept and [k for k in map(kept_role_row, rows) if k is not None] == kept:
        c.d.pop(ROLES_KEY, None)  # (they read back from the rows)
    return rows
