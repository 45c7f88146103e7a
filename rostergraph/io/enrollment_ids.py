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

from collections.abc import Callable, Collection, Sequence
from itertools import compress, repeat
from typing import Any

import numpy as np

from ..intcodes import first_of_value
from .arrow_np import arrow_ints, arrow_strs
from .enrollcols import first_rows

__all__ = ["keep_grouped_ids", "keep_id_fragments", "maybe_made_up"]


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
    rows, cc, rr, bounds = _grouped(rows, c, r, u)
    user_of = np.asarray(users, dtype=object)[u[rows]].tolist()
    if callable(ids):  # (asked in row order, put back in the groups' order)
        ascending = np.sort(rows)
        id_of = np.asarray(ids(ascending), dtype=object)[
            np.searchsorted(ascending, rows)].tolist()
    else:
        assert e is not None
        id_of = np.asarray(ids, dtype=object)[e[rows]].tolist()
    heads_c, heads_r = cc[bounds[:-1]].tolist(), rr[bounds[:-1]].tolist()
    bounds = bounds.tolist()
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


def _grouped(rows: np.ndarray, c: np.ndarray, r: np.ndarray, u: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The first row of each (section, role, user) of ``rows`` (ascending), ordered by
    section, then by each of its roles' first row, then in row order; their section and
    role codes; and where each (section, role) group starts (with the rows' count last).

    >>> rows, cc, rr, bounds = _grouped(np.arange(4), np.array([1, 0, 1, 1]),
    ...                                 np.array([1, 0, 0, 1]), np.array([0, 0, 1, 0]))
    >>> rows.tolist(), cc.tolist(), rr.tolist(), bounds.tolist()
    ([1, 0, 2], [0, 1, 1], [0, 1, 0], [0, 1, 2, 3])
    """
    rows = rows[first_rows(c, r, u, rows=rows)]
    cc, rr = c[rows], r[rows]
    # (a section's roles in order of their first row: each (section, role)'s first row)
    pair = cc.astype(np.int64) * (int(rr.max()) + 1) + rr
    order = np.lexsort((first_of_value(pair), cc))  # (stable: rows stay in order)
    rows, cc, rr = rows[order], cc[order], rr[order]
    new_pair = np.ones(len(rows), dtype=bool)
    new_pair[1:] = (cc[1:] != cc[:-1]) | (rr[1:] != rr[:-1])
    return rows, cc, rr, np.append(np.flatnonzero(new_pair), len(rows))


#: Sections whose ids :func:`keep_id_fragments` writes at a time.
_SECTIONS_AT_ONCE = 4096

#: A character JSON text writes escaped (``orjson``: a quote, a backslash and the control
#: characters): an id holding one is left to the dicts.
_ESCAPED = r'["\\\x00-\x1f]'


def keep_id_fragments(sections: Sequence[dict[str, Any] | None], section_ids: Sequence[str],
                      roles: Sequence[str], users: Sequence[str], ids: Any,
                      rows: np.ndarray, c: np.ndarray, r: np.ndarray, u: np.ndarray, *,
                      key: str, colon: np.ndarray, as_dicts: Collection[str] = ()
                      ) -> set[str] | None:
    """:func:`keep_grouped_ids`, each section's ``{role: {user: id}}`` put as an
    ``orjson.Fragment`` of the JSON text ``orjson`` writes for it, made by pyarrow's
    string kernels: no ``str`` object per id (5.8M at 1M students) and no dict per role.
    ``ids`` is the pyarrow string column of every row's id; ``colon`` says whether each
    row's id holds a colon. A section returned (it holds an id :func:`maybe_made_up`) and
    one of ``as_dicts`` (ids) gets the dicts, for the reader to look into. ``None``, with
    nothing put, when an id or a user needs escaping in JSON, or is not valid UTF-8.

    Examples
    --------
    >>> import orjson, pyarrow as pa
    >>> secs = [{"id": "c1"}, {"id": "c2"}]
    >>> c, r, u = (np.array(x) for x in ([0, 0, 1, 0], [0, 1, 0, 0], [0, 1, 0, 0]))
    >>> ids = pa.array(["e1", "e2", "c2:1", "e4"])
    >>> keep_id_fragments(secs, ["c1", "c2"], ["student", "teacher"], ["u1", "t1"], ids,
    ...                   np.arange(4), c, r, u, key="ids", colon=np.array([0, 0, 1, 0], bool))
    {'c2'}
    >>> orjson.dumps(secs[0]), secs[1]
    (b'{"id":"c1","ids":{"student":{"u1":"e1"},"teacher":{"t1":"e2"}}}', {'id': 'c2', 'ids': {'student': {'u1': 'c2:1'}}})
    """
    import orjson
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(rows):
        return set()
    rows, cc, rr, bounds = _grouped(rows, c, r, u)
    try:
        who = arrow_strs(users, large=True)
        opens = arrow_strs([orjson.dumps(x).decode() + ":{" for x in roles], large=True)
    except (UnicodeEncodeError, orjson.JSONEncodeError):  # (a lone surrogate: no JSON)
        return None
    if not pa.types.is_string(ids.type) and not pa.types.is_large_string(ids.type):
        return None
    ids = ids.cast(pa.large_string())  # (first: chunks joined as string stop at 2 GiB)
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    if ids.null_count or any(pc.any(pc.match_substring_regex(a, _ESCAPED)).as_py()
                             for a in (who, ids) if len(a)):
        return None
    has = colon[rows]
    checks = {section_ids[sc] for sc, eid in zip(
        cc[has].tolist(), ids.take(arrow_ints(rows[has])).to_pylist())
        if maybe_made_up(eid, section_ids[sc])}

    # (pyarrow arrays and scalars made from buffers, arrow_ints and arrow_strs: made from
    # numpy or a list, pyarrow imports pandas)
    def lit(text: str) -> Any:
        return arrow_strs([text], large=True)[0]

    quote, empty, comma = lit('"'), lit(""), lit(",")
    keys = pc.binary_join_element_wise(quote, who, lit('":"'), empty)
    heads = bounds[:-1]
    of_group = cc[heads]
    first = np.ones(len(heads), dtype=bool)
    first[1:] = of_group[1:] != of_group[:-1]
    starts = np.append(np.flatnonzero(first), len(heads))  # (each section's first group)
    texts: list[str] = []
    # each row's `"user":"id"`, each group's joined into `"role":{...}`, each section's
    # groups into `{...}`: the text orjson writes for the dicts; a few thousand sections
    # at a time, so that pyarrow's buffers are used again, not fresh pages each time
    for s0 in range(0, len(starts) - 1, _SECTIONS_AT_ONCE):
        s1 = min(s0 + _SECTIONS_AT_ONCE, len(starts) - 1)
        g0, g1 = int(starts[s0]), int(starts[s1])
        r0, r1 = int(bounds[g0]), int(bounds[g1])
        at = rows[r0:r1]
        pieces = pc.binary_join_element_wise(keys.take(arrow_ints(u[at])),
                                             ids.take(arrow_ints(at)), quote, empty)
        grouped = pc.binary_join(pa.LargeListArray.from_arrays(
            arrow_ints(bounds[g0:g1 + 1] - r0), pieces), comma)
        grouped = pc.binary_join_element_wise(opens.take(arrow_ints(rr[heads[g0:g1]])),
                                              grouped, lit("}"), empty)
        texts += pc.binary_join_element_wise(lit("{"), pc.binary_join(
            pa.LargeListArray.from_arrays(arrow_ints(starts[s0:s1 + 1] - g0), grouped),
            comma), lit("}"), empty).to_pylist()
    dicts = checks.union(as_dicts)
    for sc, text in zip(of_group[first].tolist(), texts):
        sec = sections[sc]
        assert sec is not None  # (rows of no section are not given)
        sec[key] = {} if section_ids[sc] in dicts else orjson.Fragment(text)
    if dicts:  # (few: the sections the reader reads again)
        for k in np.flatnonzero(np.isin(of_group, [
                i for i, s in enumerate(section_ids) if s in dicts])).tolist():
            mine = rows[int(bounds[k]):int(bounds[k + 1])]
            sec = sections[of_group[k]]
            assert sec is not None
            sec[key][roles[rr[heads[k]]]] = dict(zip(
                (users[i] for i in u[mine].tolist()), ids.take(arrow_ints(mine)).to_pylist()))
    return checks


def maybe_made_up(eid: str, cid: str) -> bool:
    """Whether enrollment id ``eid`` has the form of one the writer makes up for an
    enrollment of class ``cid`` (``<cid>:<n>``).

    >>> maybe_made_up("c1:3", "c1"), maybe_made_up("c1:x", "c1"), maybe_made_up("e1", "c1")
    (True, False, False)
    """
    head, colon, n = eid.rpartition(":")
    return bool(colon) and head == cid and n.isdigit()
