"""Helpers shared by the catalogue modules (not public)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import repeat
from typing import Any

import numpy as np

from .._collector import collector_paused
from ..columns import field_columns, object_array
from ..fields import FIELDS
from ..graph import ROLE_BITS, RosterGraph
from ..lazy import LazyColumns
from ..queries import _cache as _queries_cache
from ..roster import Roster
from .findings import string_codes

# One per-graph cache for queries and rules (graphs are immutable; keys differ).
cache = _queries_cache


def role_mask(g: RosterGraph, role: str) -> np.ndarray:
    """Over the full user index (stubs included): holds ``role``."""
    return (g.roles & ROLE_BITS[role]) != 0


def without_edges(g: RosterGraph, kind: str, relation: str, *,
                  incoming: bool = False) -> np.ndarray:
    """Positions of the ``kind`` records (the roster's, not stubs) with no ``relation``
    edge from them (``incoming``: none to them): a section with no ``taught_at`` edge has
    no ``school``, one with no incoming ``enrolled_in`` edge no students."""
    n = g.n_records(kind)
    rel = g.relations[relation]
    ptr = rel.rindptr if incoming else rel.indptr
    return np.flatnonzero(np.diff(ptr[: n + 1]) == 0)


def plural(n: int, word: str) -> str:
    """``"1 student"``, ``"3 students"``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC (re-enabled afterwards, not forced to run).

    Rules and renderers allocate many small objects next to a roster of
    millions of records; without this, each young-generation overflow can
    trigger a full-heap scan. Afterwards the new objects join the oldest
    generation unscanned (they are findings and records, not garbage).
    """
    with collector_paused(settle=True):
        yield


# --- per-record field columns ---------------------------------------------------------


#: columns of booleans (``text_suspect`` too: a reader's own); the rest hold objects (str or
#: None) or, the hashes, integers
_BOOL_FIELDS = frozenset({"text_suspect", *(name for cols in FIELDS.values()
                                            for name, t in cols.items() if t == "bool")})


def _plural(kind: str) -> str:
    return kind if kind.endswith("s") else kind + "s"


def reader_column(roster: Roster, kind: str, name: str) -> np.ndarray | None:
    """The field column a fast reader extracted, or ``None`` when there is none that
    still describes ``roster``'s records of ``kind`` (checked by identity of the mapping)."""
    plural = _plural(kind)
    records = roster.records(plural)
    fields = roster._columns.fields(plural, records)
    col = fields.get(name) if fields is not None else None
    if col is None or len(col) != len(records):
        return None
    if name in _BOOL_FIELDS:
        return np.asarray(col, dtype=bool)
    if not isinstance(col, np.ndarray):
        return object_array(list(col))
    return col


def ids_given(col: np.ndarray) -> np.ndarray:
    """Per value of an id field column: whether it names someone (an empty id names no
    one, as an absent one).

    >>> ids_given(object_array(["t1", None, ""])).tolist()
    [True, False, False]
    """
    return (col != None) & (col != "")  # (element-wise: an object array)


def field_column(g: RosterGraph, kind: str, name: str) -> np.ndarray:
    """One per-record field of ``kind`` as an array aligned with the records' graph index.

    Taken from the columns a fast reader extracted when they still describe the
    graph's roster (no record is built); otherwise computed from the records
    (building lazily loaded ones) and kept in the graph's cache. Names: every kind
    ``text_suspect`` (bool: the record may hold a string RG-STR-001/002 report;
    all ``True`` without a reader scan); users ``email``, ``student_email``,
    ``student_grade``, ``email_hash`` (int: Python's hash of ``email``, in this process
    only), ``name_only_last``, ``email_no_at`` and ``student_email_no_at``
    (bool: non-empty and without ``@``), ``student_school_unlisted`` and
    ``teacher_school_unlisted`` (bool: the role's ``school`` is missing from its
    non-empty ``schools``); sections ``name``, ``name_hash`` (as ``email_hash``), ``grade``,
    ``teacher``, ``teachers_0``.

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> col = field_column(g, "user", "name_only_last")
    >>> col.dtype, len(col) == g.n_records("user")
    (dtype('bool'), True)
    """
    plural = _plural(kind)
    c = cache(g)
    key = f"rules.field.{plural}.{name}"
    col = c.get(key)
    if col is not None:
        return col
    roster = g.roster
    col = reader_column(roster, plural, name)
    if col is None:
        if name == "text_suspect":  # (without a reader's scan every record is a suspect)
            col = np.ones(len(roster.records(plural)), dtype=bool)
        elif name not in FIELDS.get(plural, {}):
            raise KeyError(f"no field column {name!r} for {plural}")
        else:  # every field of the kind at once, from the records, by the readers' collector
            made = field_columns(plural, list(roster.records(plural).values()))
            for other, values in made.items():
                c.setdefault(f"rules.field.{plural}.{other}", values)
            col = made[name]
    c[key] = col
    return col


def maybe_repeated(hashes: np.ndarray) -> np.ndarray:
    """Ascending positions of ``hashes`` that may equal another: a superset of the
    repeated ones, found with two bincounts over bits of them (no sort). Rules grouping
    equal strings (emails, section names) compare only the strings at these.

    Examples
    --------
    >>> maybe_repeated(np.array([7, 3, 7, 9])).tolist()
    [0, 2]
    """
    n = len(hashes)
    if n < 2:
        return np.zeros(0, dtype=np.int64)
    bits = min(max((4 * n).bit_length(), 10), 24)
    mask = (1 << bits) - 1
    low = hashes & mask
    cand = np.flatnonzero(np.bincount(low, minlength=mask + 1)[low] > 1)
    high = (hashes[cand] >> bits) & mask
    return cand[np.bincount(high, minlength=mask + 1)[high] > 1]


def field_values_at(g: RosterGraph, kind: str, name: str, rows: np.ndarray) -> np.ndarray:
    """:func:`field_column` at ``rows``; a reader's string column that is not made yet is
    read at those rows alone (the rest of its strings are not touched).

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> rows = np.array([1, 0])
    >>> got = field_values_at(g, "user", "email", rows)
    >>> got.tolist() == field_column(g, "user", "email")[rows].tolist()
    True
    """
    plural = _plural(kind)
    col = cache(g).get(f"rules.field.{plural}.{name}")
    if col is None:
        records = g.roster.records(plural)
        fields = g.roster._columns.fields(plural, records)
        if isinstance(fields, LazyColumns) and name in fields and name not in _BOOL_FIELDS:
            return np.asarray(fields.values_at(name, rows))
        col = field_column(g, kind, name)
    return col[rows]


def records_at(g: RosterGraph, kind: str, rows: Iterable[int]) -> list[tuple[str, Any]]:
    """``(id, record)`` of the records at these graph indices (only those are built)."""
    recs = g.roster.records(_plural(kind))
    ids = g.ids(kind.removesuffix("s"))
    out = []
    for i in rows:
        rid = ids[i]
        out.append((rid, recs[rid]))
    return out


def group_members(key: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Groups of two or more rows with equal ``key``, as ``(flat, start, first)``: the
    members' ``ids`` in id order group after group (group ``k`` is
    ``flat[start[k]:start[k + 1]]``) and one row of each group (for its shared values).

    Examples
    --------
    >>> flat, start, first = group_members(np.array([7, 3, 7, 5]),
    ...                                    np.array(["b", "x", "a", "y"], dtype=object))
    >>> flat.tolist(), start.tolist(), len(first)
    (['a', 'b'], [0, 2], 1)
    """
    if len(key) < 2:
        return ids[:0], np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.argsort(key, kind="stable")
    k = key[order]
    gid = np.cumsum(np.r_[True, k[1:] != k[:-1]]) - 1
    keep = np.bincount(gid)[gid] > 1
    order, gid = order[keep], gid[keep]
    if not len(order):
        return ids[:0], np.zeros(1, dtype=np.int64), order
    by_id = np.lexsort((string_codes(ids[order]), gid))
    order, gid = order[by_id], gid[by_id]
    new = np.r_[True, gid[1:] != gid[:-1]]
    start = np.r_[np.flatnonzero(new), len(order)].astype(np.int64)
    return ids[order], start, order[new]


def contains(col: np.ndarray, sub: str) -> np.ndarray:
    """Does each string of ``col`` contain ``sub``? One pass over the whole column in C
    (``str.__contains__`` mapped over it: no Python frame per string). Converting an
    object column to numpy's ``StringDType`` for ``np.strings.find`` costs more than
    this whole search, so the column is searched where it is.

    Examples
    --------
    >>> contains(np.array(["a@b", "ab"], dtype=object), "@").tolist()
    [True, False]
    """
    return np.fromiter(map(str.__contains__, col.tolist(), repeat(sub)), dtype=bool,
                       count=len(col))
