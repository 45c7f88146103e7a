"""OneRoster references that no record field holds, kept only in ``extra`` as given: a
course's ``orgSourcedId`` and ``schoolYearSourcedId``, an academic session's
``parentSourcedId``, the ``agentSourcedIds`` of a user that is no contact (a contact's
are its student relationships, which the validation rules check).

One naming no record would be told by nothing, so each file and column is told once,
summing its rows (how many, the first line, a few ids): a large district's export would
otherwise give a problem per row.
"""

from __future__ import annotations

from typing import Any

from ..roster import RosterBuilder
from .csvutil import split_list
from .oneroster_cols import PREFIX

__all__ = ["Unnamed", "tell_unnamed_agents", "unnamed_message"]

#: how many of the ids named a problem shows
_SHOWN = 5


def unnamed_message(rows: int, file: str, line: int, column: str, what: str,
                    ids: list[str]) -> str:
    """The message for ``rows`` rows of ``file``, the first at ``line``, whose ``column``
    names no ``what`` (``ids``: the distinct ones, in file order).

    Examples
    --------
    >>> unnamed_message(1, "courses.csv", 2, "orgSourcedId", "org", ["o9"])[:60]
    '1 row of courses.csv (line 2) names in orgSourcedId no org: '
    """
    shown = ", ".join(map(repr, ids[:_SHOWN])) + (", ..." if len(ids) > _SHOWN else "")
    return (f"{rows:,} row{'s' if rows != 1 else ''} of {file} (line {line}"
            + (f" and {rows - 1:,} more" if rows > 1 else "")
            + f") name{'s' if rows == 1 else ''} in {column} no {what}: {shown}; kept in "
            f"extra {PREFIX + column!r}")


class Unnamed:
    """The rows of one file whose reference ``column`` names no ``what`` record, told as
    one problem (:meth:`tell`)."""

    def __init__(self, file: str, column: str, what: str, kind: str | None) -> None:
        self.file, self.column, self.what, self.kind = file, column, what, kind
        self.rows = 0
        self.first: tuple[int, str | None] | None = None  # (line, record id) of the first
        self.ids: dict[str, None] = {}  # (distinct, in file order; only those shown kept)

    def add(self, line: int, record_id: str | None, ids: list[str]) -> None:
        """Row ``line`` (of record ``record_id``) names ``ids``, which name no record."""
        self.rows += 1
        if self.first is None:
            self.first = (line, record_id)
        for i in ids:
            if len(self.ids) > _SHOWN:
                break
            self.ids.setdefault(i, None)

    def tell(self, b: RosterBuilder) -> None:
        if self.first is None:
            return
        line, rid = self.first
        b.problem("other", unnamed_message(self.rows, self.file, line, self.column,
                                           self.what, list(self.ids)),
                  file=self.file, line=line, kind=self.kind, record_id=rid or None,
                  field=self.column)


def tell_unnamed_agents(rd: Any) -> None:
    """The ``agentSourcedIds`` of the users that are no contacts naming no user of the
    bundle (nor, in a delta, of the base roster), told as one problem. Before the
    contacts are linked (which lets ``rd.agents``, the non-contacts' cells, go)."""
    base = rd.base
    alias, contacts = rd.alias, rd.contact_role
    told = Unnamed("users.csv", "agentSourcedIds", "user", "users")
    for sid, (line, cell) in sorted(rd.agents.items(), key=lambda kv: kv[1][0]):
        if rd.alias.get(sid, sid) in contacts:
            continue  # (a contact's: its relationships hold them, the rules check them)
        missing = [a for a in split_list(cell) if a not in alias
                   and (base is None or a not in base.users)]
        if missing:
            told.add(line, sid, missing)
    told.tell(rd.b)
