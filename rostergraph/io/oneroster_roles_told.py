"""What the OneRoster reader tells of a 1.2 ``roles.csv`` as a whole: a required column
missing, rows without their ``sourcedId`` or with a ``roleType`` that is neither primary
nor secondary, a file that grants no role at all (each one problem, not one per row); and
a user marked primary at more than one org (one problem per user)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .oneroster import _Reader

__all__ = ["tell_primaries", "tell_role_rows"]


def tell_role_rows(rd: _Reader, first: dict[str, str] | None, no_ids: list[int],
                   odd_types: dict[int, str]) -> None:
    """One problem for the roles.csv rows without their required ``sourcedId`` (they are
    applied, as an enrollment without one links) and one for those whose ``roleType`` is
    neither ``primary`` nor ``secondary`` (read as secondary); a file without either column
    (``first``: a row of it) is told once on line 1. A file of no row (``first`` is
    ``None``) leaving every user of a bulk load without a role is a problem too."""
    if first is None:  # (no roles.csv at all: users.csv's problem says so)
        if rd.users and "roles.csv" in rd.bundle and not (
                rd.any_role or rd.base or "roles" in rd.deleted
                or rd.modes.get("roles") == "delta"):  # (a delta may grant none)
            rd.b.problem("other", "no user has a role: roles.csv grants none (it holds no "
                         "rows), so every user is loaded without one", file="roles.csv")
        return
    if "sourcedId" not in first:
        rd.b.problem("other", "roles.csv has no sourcedId column (OneRoster requires one): "
                     "its roles are applied without their ids (the OneRoster writer gives "
                     "them ids)", file="roles.csv", line=1, kind="users", field="sourcedId")
    elif no_ids:
        rd.b.problem("other", f"{_rows_of(len(no_ids), no_ids[0])} of roles.csv "
                     f"{_have(len(no_ids))} no sourcedId (OneRoster requires one): their roles "
                     "are applied (the OneRoster writer gives them ids)", file="roles.csv",
                     line=no_ids[0], kind="users", field="sourcedId")
    if "roleType" not in first:
        rd.b.problem("other", "roles.csv has no roleType column (OneRoster requires one): "
                     "every role is read as secondary (a user's primaryOrgSourcedId, else "
                     "its first row, says its school)", file="roles.csv", line=1,
                     kind="users", field="roleType")
    elif odd_types:
        line = min(odd_types)
        values = list(dict.fromkeys(odd_types.values()))
        shown = ", ".join(map(repr, values[:5])) + (", ..." if len(values) > 5 else "")
        rd.b.problem("other", f"{_rows_of(len(odd_types), line)} of roles.csv "
                     f"{_have(len(odd_types))} a roleType that is neither primary nor "
                     f"secondary ({shown}): read as secondary", file="roles.csv", line=line,
                     kind="users", field="roleType")


def tell_primaries(rd: _Reader, rows: list[tuple[int, dict[str, str]]],
                   uid_of: Callable[[dict[str, str]], str]) -> None:
    """One problem per user whose roles.csv ``rows`` (``(line, row)``, in file order)
    mark it ``roleType=primary`` at more than one org (a user has one primary role, the
    OneRoster 1.2 CSV specification): it names the orgs and lines; the rows are read as
    ever (the first primary row's org stays the school of its role, every row's role
    and org kept). ``uid_of``: a row's user id."""
    at: dict[str, dict[str, int]] = {}  # user → org → the line of its first primary row
    for line, row in rows:
        org = row.get("orgSourcedId") or ""
        if org and (row.get("roleType") or "").strip().lower() == "primary":
            at.setdefault(uid_of(row), {}).setdefault(org, line)
    for uid, orgs in at.items():
        if len(orgs) < 2:
            continue
        said = ", ".join(f"{org!r} (line {line})" for org, line in orgs.items())
        rd.b.problem("other", f"user {uid!r} is marked primary (roleType primary) at "
                     f"{len(orgs)} orgs: {said}; a user has one primary role: read in file "
                     "order, the first one's org stays the school of its role, and every "
                     "row's role and org are kept", file="roles.csv",
                     line=list(orgs.values())[1], kind="users", record_id=uid,
                     field="roleType")


def _rows_of(n: int, line: int) -> str:
    """``"3 rows (line 4 and 2 more)"``, ``"1 row (line 4)"``."""
    return (f"{n:,} row{'s' if n != 1 else ''} (line {line}"
            + (f" and {n - 1:,} more)" if n > 1 else ")"))


def _have(n: int) -> str:
    """The verb after :func:`_rows_of`'s ``n`` rows: "has" for one row, else "have"."""
    return "has" if n == 1 else "have"
