"""Records of the CSV readers built on first access, and their graph columns built now.

The CSV readers assemble each record of the large kinds (users, sections) as a
decoded-JSON-like dict. Turning 200,000 such dicts into typed records is a large
share of a load that may never look at a record (a graph query, a count).
:func:`add_lazily` keeps them as JSON text instead, in a
:class:`~rostergraph.lazy.LazyRecords` (the mapping the fast JSON Lines reader
gives), and returns the kind's graph columns, made from a typed check of every
dict (:func:`msgspec.convert` against the record schema's struct,
:func:`~rostergraph.io.scan.struct_for`).

Only a **plain** dict is deferred: every key a field of the record class, every
value of the field's JSON type, no ``null`` and nothing JSON cannot carry exactly
(a lone surrogate, an integer past 64 bits, a NaN). Such a dict builds, now or
later, to the record ``RosterBuilder.add`` would build, and ``add`` would report
nothing for it. Every other dict goes through ``RosterBuilder.add`` at once, in
order, so ``roster.problems`` and the records are exactly those of adding every
dict eagerly. A kind whose ids are not unique strings, or whose table already
holds records, is added eagerly whole.

Examples
--------
>>> from rostergraph.roster import RosterBuilder
>>> b = RosterBuilder(source="mem", format="test")
>>> cols = add_lazily(b, "sections", [({"id": "s1", "students": ["u1"]}, "c.csv", 2),
...                                   ({"id": "s2", "room": "12"}, "c.csv", 3)])
>>> r = b.build()
>>> keep_columns(r, {"sections": cols})
>>> type(r.sections).__name__, r.sections["s2"].extra["room"], cols["enrolled_in"]
('LazyRecords', '12', ([0], ['u1']))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import numpy as np
import orjson

from ..columns import record_columns
from ..lazy import LazyRecords
from ..model import RECORD_CLASSES, Roles
from ..roster import Roster, RosterBuilder
from .scan import struct_for

__all__ = ["add_lazily", "keep_columns"]

#: The kinds that own graph edges (their columns are returned).
_GRAPH_KINDS = ("schools", "sections", "users")


class _NoRoles:
    """A user struct without ``roles`` as the record reads (an empty :class:`Roles`)."""

    __slots__ = ("district", "roles")

    def __init__(self, district: str | None) -> None:
        self.district = district
        self.roles = Roles()


def add_lazily(b: RosterBuilder, kind: str,
               items: Sequence[tuple[dict[str, Any], str | None, int | None]]
               ) -> dict[str, Any] | None:
    """``b.add(kind, d, file=, line=)`` for every ``(d, file, line)``, in order, with the
    plain dicts' records built on first access. Returns the kind's graph columns
    (:func:`~rostergraph.columns.record_columns` of the records), or ``None`` when the
    kind was added eagerly (or owns no graph edges).

    Examples
    --------
    >>> from rostergraph.roster import RosterBuilder
    >>> b = RosterBuilder(source="mem", format="test")
    >>> add_lazily(b, "schools", [({"id": "x", "district": "d"}, "s.csv", 2)])
    {'in_district': ([0], ['d'])}
    >>> b.kinds["schools"]["x"].district
    'd'
    """
    ids: list[Any] = [d.get("id") for d, _, _ in items]
    if (b.kinds[kind] or len(set(ids)) != len(ids)
            or not all(type(i) is str and i for i in ids)):
        for d, file, line in items:
            b.add(kind, d, file=file, line=line)
        return None
    cls: Any = RECORD_CLASSES[kind]
    typed = struct_for(cls, False)
    texts: list[bytes | None]
    try:
        texts = list(map(orjson.dumps, (d for d, _, _ in items)))
    except TypeError:  # a value JSON cannot carry: find which
        texts = [_dumped(d) for d, _, _ in items]
    structs = _typed(texts, typed)
    # the texts one after the other; a record's text is data[starts[i]:ends[i]]
    data = b"".join(t or b"" for t in texts)
    sizes = np.fromiter((len(t) if t else 0 for t in texts), dtype=np.int64, count=len(texts))
    ends = np.cumsum(sizes)
    starts = ends - sizes
    ready: dict[int, Any] = {}
    for row in [i for i, s in enumerate(structs) if s is None]:
        d, file, line = items[row]  # not plain: the general path, now (problems in order)
        ready[row] = structs[row] = b.add(kind, d, file=file, line=line)
        starts[row] = ends[row] = -1
    b.kinds[kind] = LazyRecords(cls, data, ids, starts, ends, ready,  # type: ignore[assignment]
                                dict(zip(ids, range(len(ids)))))
    if kind not in _GRAPH_KINDS:
        return None
    if kind == "users":
        structs = [s if s.roles is not None else _NoRoles(s.district) for s in structs]
    return record_columns(kind, enumerate(structs))


def _dumped(d: dict[str, Any]) -> bytes | None:
    try:
        return orjson.dumps(d)
    except TypeError:
        return None


#: Records checked in one decode; a chunk that fails is checked record by record.
_CHUNK = 2048


def _typed(texts: list[bytes | None], typed: Any) -> list[Any]:
    """The struct of each record's JSON text, ``None`` for a record that is not plain."""
    many = msgspec.json.Decoder(list[typed])  # type: ignore[valid-type]
    one = msgspec.json.Decoder(typed)
    out: list[Any] = []
    for at in range(0, len(texts), _CHUNK):
        chunk = texts[at:at + _CHUNK]
        if None not in chunk:
            blob = b"[" + b",".join(chunk) + b"]"  # type: ignore[arg-type]
            # ``null`` anywhere: a None (an explicit null) or a NaN orjson wrote as null
            if b"null" not in blob:
                try:
                    out += many.decode(blob)
                    continue
                except msgspec.ValidationError:
                    pass
        out += [_checked(t, one) for t in chunk]
    return out


def _checked(text: bytes | None, one: Any) -> Any:
    """The struct of one record's JSON text, or None when the record is not plain."""
    if text is None or b"null" in text:
        return None
    try:
        return one.decode(text)
    except msgspec.ValidationError:
        return None


def keep_columns(roster: Roster, columns: dict[str, dict[str, Any] | None]) -> None:
    """Hand the graph columns :func:`add_lazily` returned to ``roster`` (built since):
    ``RosterGraph.from_roster`` then builds no record of those kinds."""
    for kind, cols in columns.items():
        if cols is not None:
            roster._columns.put(kind, roster.records(kind), graph=cols)
