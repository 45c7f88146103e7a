"""Names next to ids: label the id columns of a Table with the records' names.

Query results, findings and report tables identify records by their 24-hex ids,
which is what a program needs and what nobody can read. :func:`with_labels`
adds, after each id column it knows, a ``<column>_name`` column holding the
record's name:

- schools, sections, terms and courses (``school``, ``primary_school``,
  ``section``, ``term``, ``course``, ...): their ``name`` (a course without a
  name shows its ``number``). These are not personal data and are labelled
  by default everywhere.
- people (``student``, ``teacher``, ``user``, ``contact``): "first last" from
  the user record, only when ``people=True``. The columns are named
  ``student_name``, ``teacher_name``, ``user_name`` and ``contact_name``,
  which :class:`rostergraph.privacy.PrivacyPolicy` treats as names: a
  ``redacted`` policy replaces them with ``[redacted]`` and a
  ``pseudonymized`` one with keyed pseudonyms. The command line adds people's
  names in ``--privacy full`` only.

An id with no record (a stub) gets an empty label (``None``).

Examples
--------
>>> import rostergraph
>>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
>>> t = rostergraph.cross_school_enrollments(g).head(1)
>>> with_labels(t, g).columns[:7]
['student', 'section', 'section_name', 'school', 'school_name', 'primary_school', 'primary_school_name']
>>> with_labels(t, g, people=True).columns[:2]
['student', 'student_name']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .table import Table

__all__ = ["LABEL_COLUMNS", "PERSON_COLUMNS", "label_of", "with_labels"]

#: Id columns labelled by default, and the record kind their ids name.
LABEL_COLUMNS: dict[str, str] = {
    "school": "school", "primary_school": "school", "old_school": "school",
    "new_school": "school", "section": "section", "term": "term", "course": "course",
}
#: Person id columns labelled with the person's name when ``people=True``.
PERSON_COLUMNS: dict[str, str] = {
    "student": "user", "teacher": "user", "user": "user", "contact": "user",
}
_KIND_MAP = {"school": "schools", "section": "sections", "term": "terms", "course": "courses",
             "user": "users"}


def _roster(source: Any) -> Any:
    roster = getattr(source, "roster", source)
    if not callable(getattr(roster, "records", None)):  # (a path: no label, no word, before)
        raise TypeError(f"with_labels() takes a RosterGraph or a Roster, not "
                        f"{type(source).__name__}: rostergraph.load(path) reads one")
    return roster


def label_of(record: Any, kind: str) -> str | None:
    """The display name of one record (``None`` when it has none).

    Examples
    --------
    >>> import rostergraph
    >>> r = rostergraph.sample()
    >>> label_of(r.schools["5f7a5c000000000000000001"], "school")
    'Larkspur Elementary School'
    """
    if record is None:
        return None
    if kind == "user":
        return _person(getattr(record, "name", None))
    name = getattr(record, "name", None)
    if kind == "course" and not name:
        name = getattr(record, "number", None)
    return name if isinstance(name, str) and name else None


def _person(name: Any) -> str | None:
    """"first last" from a Name record or a raw JSON ``name`` object."""
    if name is None:
        return None
    get = name.get if isinstance(name, dict) else (lambda k: getattr(name, k, None))
    parts = [p for p in (get("first"), get("last")) if isinstance(p, str) and p]
    return " ".join(parts) or None


def _labels(col: np.ndarray, records: Any, kind: str) -> np.ndarray:
    """The label of each id in ``col``, looking each distinct id up once."""
    seen: dict[Any, int] = {}  # a dict, not np.unique: sorting a million strings is slower
    values = col.tolist()
    codes = np.fromiter((seen.setdefault(v, len(seen)) for v in values), dtype=np.int64,
                        count=len(values))
    names = np.empty(len(seen), dtype=object)
    from .rules._util import gc_paused

    with gc_paused():  # building many lazy records: no full collections over the roster
        if kind == "user" and hasattr(records, "peek"):  # lazy records: no record built
            names[:] = [_person(records.peek(u, "name")) if isinstance(u, str) and u else None
                        for u in seen]
        else:
            names[:] = [label_of(records.get(u), kind) if isinstance(u, str) and u else None
                        for u in seen]
    return names[codes]


def with_labels(table: Table, source: Any, *, people: bool = False) -> Table:
    """``table`` with a ``<column>_name`` column after each id column it knows.

    Parameters
    ----------
    table:
        Any Table (a query result, findings, a summary table).
    source:
        The :class:`~rostergraph.graph.RosterGraph` or
        :class:`~rostergraph.roster.Roster` the ids come from.
    people:
        Also label ``student``, ``teacher``, ``user`` and ``contact`` columns
        with the person's name (personal data: apply a privacy policy before
        sharing the result).

    Returns
    -------
    Table
        A new table; columns that already have a ``_name`` column, or are
        followed by a ``name`` column, are left as they are.

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> t = rostergraph.orphaned_users(g).head(2)
    >>> with_labels(t, g, people=True).columns
    ['user', 'user_name', 'role', 'reason']
    """
    roster = _roster(source)
    kinds = dict(LABEL_COLUMNS)
    if people:
        kinds.update(PERSON_COLUMNS)
    cols: dict[str, Any] = {}
    names = table.columns
    for i, name in enumerate(names):
        col = table[name]
        cols[name] = col
        kind = kinds.get(name)
        label = f"{name}_name"
        if kind is None or label in table or col.dtype.kind not in "OU":
            continue
        if i + 1 < len(names) and names[i + 1] == "name":  # already named (``name`` after it)
            continue
        records = getattr(roster, _KIND_MAP[kind])
        cols[label] = _labels(col, records, kind)
    return Table(cols, name=table.name)
