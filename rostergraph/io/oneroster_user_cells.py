"""The ``users.csv`` and 1.2 ``roles.csv`` cells of a OneRoster user that its Clever roles
do not hold, kept in ``extra`` as ``oneroster.<column>`` (:func:`~rostergraph.io.
oneroster_users.keep_unplaced`): the orgs of a contact or of a role Clever lacks, a 1.1 row's
cell of districts only, and a district administrator's districts other than the user's (a
Clever user has one district); of a 1.1 user given on several rows (joined by
``metadata.rostergraph.userId``), which cell of an earlier row a later row's role leaves kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .csvutil import split_ids, split_list
from .mapping import CEDS_TO_CLEVER
from .oneroster_cols import USER_ID_COLUMN

if TYPE_CHECKING:
    from .oneroster import _Reader

__all__ = ["all_held", "districts_only", "held", "keep_cell", "keep_orgs", "kept_apart",
           "other_districts"]


def keep_orgs(rd: _Reader, u: dict[str, Any], orgs: list[str], row: dict[str, str]) -> None:
    """``orgs`` (a 1.2 role's that Clever has no place for) among the user's cells kept in
    extra as ``oneroster.orgSourcedIds``, but for those another role of the user holds (a
    1.1 row's own cell is kept as it is)."""
    if not orgs or row.get("orgSourcedIds"):
        return
    have_all = held(u)
    orgs = [o for o in orgs if o not in have_all]
    if not orgs:
        return
    cells = rd.role_cells.setdefault(u["id"], {})
    have = split_list(cells.get("orgSourcedIds"))
    new = [o for o in orgs if o not in have]
    if new:
        cells["orgSourcedIds"] = ",".join(have + new)


def keep_cell(rd: _Reader, u: dict[str, Any], col: str, cell: str, line: int,
              joined: bool) -> None:
    """``cell`` of column ``col``, which no role of user dict ``u`` took, kept; a later 1.1
    row's (``joined``) beside another row's kept cell of that column: an
    ``orgSourcedIds`` cell's other ids appended to it (the orgs of several roles, as a 1.2
    user's are), any other told (one is kept: a user has one ``oneroster.<column>``)."""
    cells = rd.role_cells.setdefault(u["id"], {})
    have = cells.get(col)
    if have is None:
        cells[col] = cell
    elif joined and have != cell and col == "orgSourcedIds":
        ids = split_list(have)
        new = [o for o in split_list(cell) if o not in ids]
        if new:  # (the earlier cell as given, then the new ids)
            cells[col] = ",".join([have, *new])
    elif joined and have != cell:
        rd.b.problem("other", f"row joins user {u['id']!r} ({USER_ID_COLUMN}) but its {col} "
                     f"is not kept: no role of the user holds it, and another row's {col}, "
                     "which none holds either, is kept", file="users.csv", line=line,
                     kind="users", record_id=u["id"], field=col)


def other_districts(rd: _Reader, u: dict[str, Any], districts: list[str], orgs: list[str],
                    row: dict[str, str], file: str, line: int) -> bool:
    """Whether a district administrator's role names districts other than user dict
    ``u``'s (a Clever user has one district: the first row's): a problem names them, and
    they are kept as the orgs a role Clever has no place for are (a 1.1 row's cell as it
    is, by the caller; a 1.2 role row's org in ``oneroster.orgSourcedIds``)."""
    carry = u.get("_carry")  # (the writer's carry, on a first row: the district it says)
    own = carry["district"] if isinstance(carry, dict) and "district" in carry \
        else u.get("district")
    other = [d for d in districts if d != own]
    if not other:
        return False
    rd.b.problem("other", f"district administrator of {', '.join(map(repr, other))} but the "
                 f"user's district is {own!r} (a Clever user has one district): "
                 "the role is not held there; the orgs are kept in extra "
                 "(oneroster.orgSourcedIds)", file=file, line=line,
                 kind="users", record_id=u.get("id"),
                 field="orgSourcedIds" if file == "users.csv" else "orgSourcedId")
    if file != "users.csv":
        keep_orgs(rd, u, [o for o in orgs if o in other], row)
    return True


def kept_apart(rd: _Reader, u: dict[str, Any], col: str, cell: str | None) -> bool:
    """Whether a cell an earlier 1.1 row of user dict ``u`` left kept stays kept when a
    later row's role takes column ``col``: that role took its own row's cell, not this
    one, so the cell goes only when ``u`` holds all it says (a cell of districts only is
    kept whatever ``u`` holds: the writer's district row says it)."""
    if not cell:
        return False
    if col == "orgSourcedIds" and districts_only(rd, cell):
        return True
    return not all_held(u, cell)


def all_held(u: dict[str, Any], cell: str) -> bool:
    """Whether user dict ``u`` holds every item of a comma list ``cell`` (a grade as its
    Clever name too)."""
    texts = held(u)
    return all(p in texts or CEDS_TO_CLEVER.get(p) in texts for p in split_list(cell))


def districts_only(rd: _Reader, cell: str | None) -> bool:
    """Whether an ``orgSourcedIds`` cell names districts only (delivered, none a school's
    id too): the writer's :func:`~rostergraph.io.write_oneroster_kept.district_cell_row`
    writes such a kept cell back on a row of its own."""
    ids = split_ids(cell, rd.orgs)
    return bool(ids) and all(rd.orgs.get(o, ("",))[0] == "district" and o not in rd.school_too
                             for o in ids)


def held(u: dict[str, Any]) -> set[Any]:
    """Every text a user dict's roles and district hold (ids, usernames, grades, ...)."""
    out: set[Any] = {u.get("district")}
    todo: list[Any] = [u.get("roles")]
    while todo:
        v = todo.pop()
        if isinstance(v, dict):
            todo += v.values()
        elif isinstance(v, list):
            todo += v
        elif isinstance(v, str):
            out.add(v)
    return out
