"""A OneRoster class's term among the academic sessions its ``termSourcedIds`` lists.

OneRoster 1.1 and 1.2 academic sessions nest: a ``schoolYear`` holds ``term``\\ s and
``semester``\\ s, which hold ``gradingPeriod``\\ s (each session names its
``parentSourcedId``). Real exports list a class's term together with its grading periods
(``"T1,GP1,GP2"``, in any order); Clever allows one term per section. The class is in one
term when a listed session holds every other listed one (it is that session), or when the
listed sessions all lie within one session that is not a school year (two grading periods
of one term): nothing to report. Sessions of two terms, or of two semesters of a year, are
in several terms.

Examples
--------
>>> sessions = {"SY": ("schoolyear", None), "T1": ("term", "SY"),
...             "GP1": ("gradingperiod", "T1"), "GP2": ("gradingperiod", "T1"),
...             "T2": ("term", "SY")}
>>> class_term(["GP1", "T1", "GP2"], sessions)
('T1', True)
>>> class_term(["GP1", "GP2"], sessions), class_term(["T1", "T2"], sessions)
(('GP1', True), ('T1', False))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import islice
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..roster import RosterBuilder

__all__ = ["SeveralTerms", "base_sessions", "class_term", "several_terms_message"]

#: how far up ``parentSourcedId`` links are followed (a cycle or a deep chain stops there)
_MAX_DEPTH = 50
#: how many of the classes :func:`several_terms_message` names
_SHOWN = 5


def _ancestors(sid: str, sessions: Mapping[str, tuple[str, str | None]]) -> list[str]:
    """``sid``, its parent, its parent's parent, ... (each once, at most ``_MAX_DEPTH``)."""
    chain = [sid]
    seen = {sid}
    at = sessions.get(sid)
    while at is not None and at[1] is not None and at[1] not in seen and len(chain) < _MAX_DEPTH:
        chain.append(at[1])
        seen.add(at[1])
        at = sessions.get(at[1])
    return chain


def class_term(ids: list[str], sessions: Mapping[str, tuple[str, str | None]]
               ) -> tuple[str, bool]:
    """``(term_id, one_term)`` of a class listing academic sessions ``ids`` (at least one).

    ``sessions``: session id → ``(type, parentSourcedId)``, the type in lowercase. The
    term is the first listed session that is, or holds, every listed one; else the first
    listed. ``one_term`` is whether the class is in one term: a listed session holds all
    of them, or all lie within one session that is not a ``schoolYear`` (several sessions
    that are otherwise unrelated, or met only in a school year, are several terms).

    Examples
    --------
    >>> class_term(["T1"], {}), class_term(["A", "B"], {})
    (('T1', True), ('A', False))
    >>> class_term(["GP1", "T1"], {"GP1": ("gradingperiod", "T1"), "T1": ("term", None)})
    ('T1', True)
    """
    if len(ids) == 1:
        return ids[0], True
    chains = [_ancestors(i, sessions) for i in ids]
    common = set(chains[0]).intersection(*chains[1:])
    for sid in ids:
        if sid in common:
            return sid, True
    # the nearest session holding them all: the first of the first chain that all share
    nearest = next((s for s in chains[0] if s in common), None)
    held_by = sessions.get(nearest) if nearest is not None else None
    return ids[0], held_by is not None and held_by[0] != "schoolyear"


def base_sessions(terms: Mapping[str, Any]) -> dict[str, tuple[str, str | None]]:
    """``class_term``'s sessions of a base roster's terms (a delta's classes may list
    them): the type and parent the OneRoster reader kept in their extra.

    Examples
    --------
    >>> from rostergraph.model import Term
    >>> base_sessions({"GP1": Term(id="GP1", extra={"oneroster.type": "gradingPeriod",
    ...                                              "oneroster.parentSourcedId": "T1"}),
    ...                "T1": Term(id="T1")})
    {'GP1': ('gradingperiod', 'T1'), 'T1': ('term', None)}
    """
    out: dict[str, tuple[str, str | None]] = {}
    for tid, term in terms.items():
        typ = term.extra.get("oneroster.type") or "term"  # (the reader leaves out "term")
        parent = term.extra.get("oneroster.parentSourcedId")
        out[tid] = (str(typ).strip().lower(), parent if isinstance(parent, str) and parent
                    else None)
    return out


def several_terms_message(classes: int, line: int, ids: list[str]) -> str:
    """The message for the ``classes`` classes of ``classes.csv``, the first at ``line``,
    each in several terms (``ids``: the first few classes' sourcedIds, in file order).

    Examples
    --------
    >>> print(several_terms_message(3, 2, ["c1", "c2", "c3"]))
    3 classes of classes.csv (line 2 and 2 more) are each in several terms ('c1', 'c2',
    'c3'); Clever allows one term per section: term_id is the first listed, the whole list
    is kept in extra 'oneroster.termSourcedIds' (and written back)
    """
    shown = ", ".join(map(repr, ids[:_SHOWN])) + (", ..." if classes > _SHOWN else "")
    return (f"{classes:,} class{'es' if classes != 1 else ''} of classes.csv (line {line}"
            + (f" and {classes - 1:,} more" if classes > 1 else "")
            + f") {'are each' if classes != 1 else 'is'} in several terms ({shown}); Clever "
            "allows one term per section: term_id is the first listed, the whole list is kept "
            "in extra 'oneroster.termSourcedIds' (and written back)")


class SeveralTerms:
    """The classes of ``classes.csv`` in several terms, told as one problem (:meth:`tell`):
    how many, the first's line and id, the first few ids."""

    __slots__ = ("classes", "first", "ids")

    def __init__(self) -> None:
        self.classes = 0
        self.first: tuple[int, str] | None = None  # (line, sourcedId) of the first
        self.ids: list[str] = []  # (the first few, in file order)

    def add(self, line: int, sid: str) -> None:
        """Class ``sid``, at ``line``, is in several terms."""
        self.add_many(1, line, [sid])

    def add_many(self, classes: int, line: int, ids: Iterable[str]) -> None:
        """``classes`` classes (at least one), the first at ``line``, are in several terms
        (``ids``: their sourcedIds in file order, only the first few read)."""
        shown = list(islice(ids, max(_SHOWN - len(self.ids), 1)))
        if self.first is None:
            self.first = (line, shown[0])
        self.classes += classes
        self.ids.extend(shown[:_SHOWN - len(self.ids)])

    def tell(self, b: RosterBuilder) -> None:
        if self.first is None:
            return
        line, sid = self.first
        b.problem("other", several_terms_message(self.classes, line, self.ids),
                  file="classes.csv", line=line, kind="sections", record_id=sid,
                  field="termSourcedIds")
