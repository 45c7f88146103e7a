"""The enrollment ids a section keeps, gathered a section at a time from coded columns.

A OneRoster ``enrollments.csv`` row has its own ``sourcedId``; a section keeps its
enrollments' ids (``{role: {user: id}}``) so that a written bundle gives them back. An
export from a student information system has its own ids, one per row: 5.8M in a
1M-student district. Kept one row at a time (three nested ``setdefault`` calls) and then
checked one by one against the ids the writer would make up (``<class>:<n>``), they cost
seconds. Here the rows are grouped by section and role with numpy, each role's ids become
one ``dict(zip(...))``, and only the sections holding an id that could be made up (one of
the form ``<the class's id>:<digits>``) are checked one by one.

Examples
--------
>>> import numpy as np
>>> secs = [{"id": "c1"}, {"id": "c2"}]
>>> rows = np.array([0, 1, 2, 3])
>>> c, r, u, e = (np.array(x) for x in ([0, 0, 1, 0], [0, 1, 0, 0], [0, 1, 0, 0],
...                                     [0, 1, 2, 3]))
>>> checks = keep_grouped_ids(secs, ["c1", "c2"], ["student", "teacher"], ["u1", "t1"],
...                           ["e1", "e2", "c2:1", "e4"], rows, c, r, u, e, key="ids")
>>> secs[0]["ids"], secs[1]["ids"], checks
({'student': {'u1': 'e1'}, 'teacher': {'t1': 'e2'}}, {'student': {'u1': 'c2:1'}}, {'c2'})
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import compress, repeat
from typing import Any

import numpy as np

from .enrollcols import first_rows

__all__ = ["keep_grouped_ids", "maybe_made_up"]


def keep_grouped_ids(sections: Sequence[dict[str, Any] | None], section_ids: Sequence[str],
                     roles: Sequence[str], users: Sequence[str],
                     ids: Sequence[str] | Callable[[np.ndarray], list[str]],
                     rows: np.ndarray, c: np.ndarray, r: np.ndarray, u: np.ndarray,
                     e: np.ndarray | None, *, key: str,
                     colon: np.ndarray | None = None) -> set[str]:
    """Put in ``sections[c[i]][key]`` (``{role: {user: id}}``) the id ``ids[e[i]]`` (or,
    ``ids`` a function, ``ids(rows)[k]`` of ``rows[k]``, ``rows`` ascending) of
    each row ``i`` of ``rows`` (ascending), as role ``roles[r[i]]`` of user
    ``users[u[i]]``, the first row of a (section, role, user) winning, each role and user
    in order of its first row: what a ``setdefault`` per row, in row order, gives. Equal
    sections, roles and users must have equal codes in ``c``, ``r`` and ``u``. Returns the ids (``section_ids[c[i]]``) of the
    sections holding an id :func:`maybe_made_up` for them (``colon``: whether each row's
    id holds a colon, when known; only those may be).

    The sections named must not hold ``key`` yet."""
    if not len(rows):
        return set()
    rows = rows[first_rows(c, r, u, rows=rows)]
    cc, rr = c[rows], r[rows]
    # (a section's roles in order of their first row: each (section, role)'s first row)
    pair = cc.astype(np.int64) * (int(rr.max()) + 1) + rr
    _, first_at, inverse = np.unique(pair, return_index=True, return_inverse=True)
    order = np.lexsort((first_at[inverse], cc))  # (stable: rows stay in order)
    rows, cc, rr = rows[order], cc[order], rr[order]
    new_pair = np.ones(len(rows), dtype=bool)
    new_pair[1:] = (cc[1:] != cc[:-1]) | (rr[1:] != rr[:-1])
    bounds = [*np.flatnonzero(new_pair).tolist(), len(rows)]
    user_of = np.asarray(users, dtype=object)[u[rows]].tolist()
    if callable(ids):  # (asked in row order, put back in the groups' order)
        ascending = np.sort(rows)
        id_of = np.asarray(ids(ascending), dtype=object)[
            np.searchsorted(ascending, rows)].tolist()
    else:
        assert e is not None
        id_of = np.asarray(ids, dtype=object)[e[rows]].tolist()
    heads_c, heads_r = cc[bounds[:-1]].tolist(), rr[bounds[:-1]].tolist()
    for k, (sc, role) in enumerate(zip(heads_c, heads_r)):
        sec = sections[sc]
        assert sec is not None  # (rows of no section are not given)
        sec.setdefault(key, {})[roles[role]] = dict(zip(user_of[bounds[k]:bounds[k + 1]],
                                                        id_of[bounds[k]:bounds[k + 1]]))
    # (an id with no colon is no made-up one: those with one are looked at)
    has = colon[rows] if colon is not None else np.fromiter(
        map(str.__contains__, id_of, repeat(":")), dtype=bool, count=len(id_of))
    return {section_ids[sc] for sc, eid in zip(cc[has].tolist(), compress(id_of, has))
            if maybe_made_up(eid, section_ids[sc])}


def maybe_made_up(eid: str, cid: str) -> bool:
    """Whether enrollment id ``eid`` has the form of one the writer makes up for an
    enrollment of class ``cid`` (``<cid>:<n>``).

    >>> maybe_made_up("c1:3", "c1"), maybe_made_up("c1:x", "c1"), maybe_made_up("e1", "c1")
    (True, False, False)
    """
    head, colon, n = eid.rpartition(":")
    return bool(colon) and head == cid and n.isdigit()
