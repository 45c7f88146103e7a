"""What :func:`~rostergraph.io.write_oneroster.write_oneroster` writes back of the OneRoster
cells the reader kept in ``extra`` without a Clever field: a source's enrollment
``sourcedId`` s and its 1.2 ``roles.csv`` rows, in their own files again, and the
enrollments' other cells on their rows (as
:func:`~rostergraph.io.write_sftp.write_clever_csv` writes a student's back on its
Clever SFTP ``enrollments.csv`` row); a 1.1 ``orgSourcedIds`` cell naming districts only;
and whether a user's district reads back from its rows or must be carried."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .csvcells import split_list
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
    from ..roster import Roster
    from .write_sheets import Sheet

__all__ = ["MAX_CELL_COLUMNS", "admin_cell_row", "carries_district", "carry_unwritten_cells",
           "district_cell_row", "enrollment_cells", "enrollment_ids", "orgs_read_back",
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


#: the 1.1 roles a district org places at no school (``administrator`` there is a district
#: administrator's)
_PLACED_AT_SCHOOLS = frozenset({"student", "teacher", "aide", "proctor"})


def district_cell_row(rows: list[dict[str, Any]], kept: Any, districts: Any, schools: Any
                      ) -> tuple[dict[str, Any] | None, str | None]:
    """The 1.1 ``users.csv`` row of a user's that takes back the ``orgSourcedIds`` cell the
    reader kept for a student's, teacher's or staff member's row naming only districts (the
    role has no school, so nothing else says them), and the district it gives the user:
    the first such row written without orgs, when every id of the cell is a district
    (``districts``) and none a school (``schools``); ``(None, None)`` otherwise."""
    ids = split_list(kept) if isinstance(kept, str) else []
    if not ids or any(o not in districts or o in schools for o in ids):
        return None, None
    row = next((r for r in rows if r.get("role") in _PLACED_AT_SCHOOLS
                and not r.get("orgSourcedIds")), None)
    return row, ids[0] if row is not None else None


def admin_cell_row(rows: list[dict[str, Any]], admin: dict[str, Any] | None, kept: Any,
                   district: str | None, roster: Roster) -> dict[str, Any] | None:
    """The 1.1 district administrator's row ``admin`` (of ``rows``), its ``orgSourcedIds``
    emptied for the cell the reader kept of a district administrator's row naming
    districts other than the user's ``district`` (a Clever user has one), when every id of
    that cell is a district and the row reads back the user's district: a later row
    (an earlier row's orgs gave it) or one whose cell names it first; else ``None``."""
    ids = split_list(kept) if isinstance(kept, str) else []
    if admin is None or district is None or not ids or any(
            o not in roster.districts or o in roster.schools for o in ids):
        return None
    earlier = rows[:rows.index(admin)]
    if ids[0] != district and not any(r.get("orgSourcedIds") for r in earlier):
        return None
    admin["orgSourcedIds"] = ""
    return admin


def orgs_read_back(rec: Any, kept: str) -> bool:
    """Whether a user's kept orgs (``oneroster.orgSourcedIds``), written as the orgs of
    its 1.2 contact's or other role's ``roles.csv`` rows, read back as ``kept``: the
    reader keeps those orgs that no other role of the user (nor its district) holds, in
    order, without spaces."""
    ids = split_list(kept)
    r = rec.roles
    held = {rec.district, *(s for x in (r.student, r.teacher) if x is not None
                            for s in (x.school, *(x.schools or ())))}
    held.update(r.staff.schools or () if r.staff is not None else ())
    return ",".join(ids) == kept and not held.intersection(ids)


def carries_district(rec: Any, roster: Roster, district: str | None, sole: str | None,
                     given: str | None) -> bool:
    """Whether a user's ``district`` must be carried: it would not read back from the rows
    written (``given``: the org their first row names when it is no school, a district
    the reader takes whatever the later rows say; else the district of its roles' schools,
    or the sole district ``sole``), or the reader would give one to a user without."""
    if district is None:
        return _fills_district(rec, roster, sole)
    if given in roster.districts:  # (the reader takes it, whatever the later rows say)
        return district != given
    return district not in roster.districts or district != given and not _district_reads_back(
        rec, roster, district, sole)


def _fills_district(rec: Any, roster: Roster, sole: str | None) -> bool:
    """Whether the reader gives a user written without a district one: a role row's orgs'
    district, else the sole district."""
    r = rec.roles
    ids = [s for x in (r.student, r.teacher) if x is not None for s in (x.school, *(x.schools or ()))]
    ids += list(r.staff.schools or ()) if r.staff is not None else []
    return bool(r.names) and (sole is not None or any(
        s in roster.schools and roster.schools[s].district for s in ids))


def _district_reads_back(rec: Any, roster: Roster, district: str, sole: str | None) -> bool:
    """Whether the reader gives the user ``district`` from its rows: the first that gives
    one (a student's, teacher's or staff member's school's, before a district
    administrator's own row's district)."""
    roles = rec.roles
    if not roles.names:
        return False  # the reader places a user by its role rows; a role-less row gets none
    for role in ("student", "teacher"):
        r = getattr(roles, role)
        if r is not None:
            sc = r.school or next(iter(r.schools or ()), None)
            if sc is not None and sc in roster.schools:
                return roster.schools[sc].district == district
    if roles.staff is not None and roles.staff.schools:
        sc = roles.staff.schools[0]
        if sc in roster.schools:
            return roster.schools[sc].district == district
    return roles.district_admin is not None or district == sole
