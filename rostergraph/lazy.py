"""LazyRecords: a read-only id → record mapping that builds records on first access.

The fast JSON Lines reader checks every line when it loads (so problems are
complete at once) but keeps only the line's position in the source text;
the typed record is decoded and built the first time it is asked for, then
kept. A 2M-user roster therefore does not build ~10M attrs objects up front,
and a graph can be built from the columns the reader extracted.

Examples
--------
>>> from rostergraph.model import Term
>>> text = b'{"id": "t1", "name": "Fall"}\\n{"id": "t2"}\\n'
>>> lazy = LazyRecords(Term, text, ["t1", "t2"], [0, 29], [28, 41])
>>> len(lazy), "t2" in lazy, lazy["t1"].name
(2, True, 'Fall')
>>> list(lazy)
['t1', 't2']
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import msgspec
import numpy as np
import orjson

from ._collector import collector_paused
from .errors import FormatError
from .fastrec import FALLBACK, converter
from .idkeys import IdKeys

__all__ = ["DeferredText", "LazyColumns", "LazyRecords"]


class DeferredText:
    """A source file's bytes, read the first time a record needs them, at most once.

    ``read`` returns the bytes (it checks that the file is still the one the
    caller fingerprinted, and raises otherwise); ``size`` is the expected length.
    A warm load hands its record texts over this way, so loading a snapshot does
    not read a gigabyte of JSON that a graph-only job never looks at.

    Examples
    --------
    >>> calls = []
    >>> t = DeferredText("users.jsonl", 3, lambda: calls.append(1) or b"abc")
    >>> len(t), calls
    (3, [])
    >>> t.get(), t.get(), calls
    (b'abc', b'abc', [1])
    """

    __slots__ = ("_data", "_lock", "_read", "name", "size")

    def __init__(self, name: str, size: int, read: Callable[[], bytes]) -> None:
        self.name = name
        self.size = size
        self._read: Callable[[], bytes] | None = read
        self._data: bytes | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.size

    def get(self) -> bytes:
        """The bytes (read now if not yet)."""
        data = self._data
        if data is None:
            with self._lock:
                if self._data is None:
                    assert self._read is not None
                    self._data = self._read()
                    self._read = None
                data = self._data
        return data


class LazyRecords(Mapping):  # type: ignore[type-arg]
    """Records of one kind, decoded from ``text[starts[i]:ends[i]]`` on first access.

    Parameters
    ----------
    cls:
        The record class.
    text:
        The source text (bytes) the positions point into.
    ids:
        Record ids in order (unique).
    starts, ends:
        Byte positions of each record's JSON object in ``text``; a negative
        start means the record is given in ``ready`` instead.
    ready:
        Records already built (row → record), e.g. those the reader had to
        take through the general path.
    index:
        A prepared ``id → row`` dict (built from ``ids`` on first lookup when omitted).
    keys:
        The ids as :class:`~rostergraph.idkeys.IdKeys`: lookups search them until
        there have been many (then the dict is built), so a few lookups in a big
        kind never build the dict. ``ids`` may then be a function that makes the
        id list, called the first time the ids are listed.
    verify:
        Check that each record built from the text has its row's id, and raise
        :class:`~rostergraph.errors.FormatError` if not: for positions that come from
        an untrusted place (a snapshot), which could point at another record.

    Lookups, listing and building records are safe from several threads.
    """

    __slots__ = ("_cache", "_cls", "_complete", "_conv", "_ends", "_idx", "_keys", "_list",
                 "_lock", "_lookups", "_make_ids", "_starts", "_text", "_verify")

    def __init__(self, cls: type, text: bytes | memoryview | DeferredText,
                 ids: Sequence[str] | Callable[[], list[str]],
                 starts: Sequence[int] | np.ndarray, ends: Sequence[int] | np.ndarray,
                 ready: Mapping[int, Any] | None = None,
                 index: dict[str, int] | None = None, keys: IdKeys | None = None,
                 verify: bool = False) -> None:
        self._cls = cls
        self._verify = verify
        self._text = text
        self._starts = np.asarray(starts, dtype=np.int64)
        self._ends = np.asarray(ends, dtype=np.int64)
        self._lock = threading.Lock()
        self._list: list[str] | None = None
        self._make_ids: Callable[[], list[str]] | None = None
        if callable(ids):
            self._make_ids = ids
        else:
            self._list = list(ids)
        self._cache: list[Any] = [None] * len(self._starts)
        for row, rec in (ready or {}).items():
            self._cache[row] = rec
        self._idx = index
        self._keys = keys
        self._lookups = 0
        self._conv = converter(cls)
        self._complete = False

    @property
    def _ids(self) -> list[str]:
        """The ids in order (made now if given as a function)."""
        got = self._list
        if got is None:
            with self._lock:
                if self._list is None:
                    assert self._make_ids is not None
                    made = self._make_ids()
                    if len(made) != len(self._cache):
                        raise ValueError(f"{len(made)} ids for {len(self._cache)} records")
                    self._list, self._make_ids = made, None
                got = self._list
        return got

    @property
    def _index(self) -> dict[str, int]:
        """``id → row``, built on first use."""
        idx = self._idx
        if idx is None:
            ids = self._ids
            with self._lock:
                if self._idx is None:
                    self._idx = dict(zip(ids, range(len(ids))))
                idx = self._idx
        return idx

    def _row(self, key: Any) -> int | None:
        """The row of ``key``, or ``None``: from the dict once built, else from the keys
        for the first ``len(self) // 64`` lookups (then the dict is built: bulk lookups
        are faster through it)."""
        idx = self._idx
        if idx is None and self._keys is not None and self._lookups < len(self._cache) >> 6:
            if not isinstance(key, str):
                hash(key)  # TypeError for an unhashable key, as a dict lookup raises
                return None
            self._lookups += 1  # (a race only lets a few more lookups use the keys)
            row = self._keys.row(key)
            return None if row < 0 else row
        return (idx if idx is not None else self._index).get(key)

    def _source(self) -> bytes | memoryview:
        """The text the positions point into (a deferred file is read now)."""
        text = self._text
        if isinstance(text, DeferredText):
            text = self._text = text.get()
        return text

    def _build(self, row: int) -> Any:
        rec = self._cache[row]
        if rec is None:
            text = self._source()
            # (another thread's materialize may have built it and let the text go meanwhile)
            rec = self._cache[row]
            if rec is not None:
                return rec
            a, b = int(self._starts[row]), int(self._ends[row])
            rec = self._checked(text, a, b, row) if self._verify else self._decoded(text[a:b])
            self._cache[row] = rec
        return rec

    def _decoded(self, chunk: bytes | memoryview) -> Any:
        """The record whose JSON text is ``chunk``."""
        obj = orjson.loads(chunk)
        rec = self._conv(obj)
        return self._general(obj) if rec is FALLBACK else rec

    def _checked(self, text: bytes | memoryview, a: int, b: int, row: int) -> Any:
        """The record at ``text[a:b]``, checked to be a record with row ``row``'s id
        (FormatError otherwise): for positions from an untrusted place."""
        try:
            rec = self._decoded(text[a:b])
        except (ValueError, TypeError):  # not JSON, or no record
            rec = None
        self._check_id(row, getattr(rec, "id", None))
        return rec

    def _check_id(self, row: int, rid: Any) -> None:
        """Raise FormatError unless ``rid`` is row ``row``'s id."""
        if self._list is not None:
            ok = self._list[row] == rid
        elif self._keys is not None:
            ok = isinstance(rid, str) and self._keys.row(rid) == row
        else:
            ok = self._ids[row] == rid
        if not ok:
            raise FormatError(f"the {self._cls.__name__} record at position {row} has id "
                              f"{rid!r}, not its row's: the stored positions do not fit the "
                              "text (clear the cache: rostergraph cache clear)")

    def _check_texts(self, rows: Sequence[int], texts: list[Any]) -> None:
        """:meth:`_check_id` of texts handed out unbuilt (positions from an untrusted
        place): each must be an object whose id is its row's (parsed, not built: the
        caller decodes only the fields it reads)."""
        for row, t in zip(rows, texts):
            if t is None:
                continue
            try:
                obj = orjson.loads(t)
            except orjson.JSONDecodeError:
                obj = None
            self._check_id(row, obj.get("id") if isinstance(obj, dict) else None)

    def _general(self, obj: Any) -> Any:
        """The record of a decoded object the compiled converter declines: one with keys
        that are no field (a CSV reader's ``extra``), built by the general path."""
        from .model import record_from_dict

        return record_from_dict(self._cls, obj)[0]

    def rows(self, keys: Sequence[str]) -> np.ndarray:
        """The row of each of ``keys`` (int64; -1 for an unknown id), in one vectorized
        search while the ``id → row`` dict is not built.

        Examples
        --------
        >>> from rostergraph.model import Term
        >>> LazyRecords(Term, b"", ["t1", "t2"], [0, 0], [0, 0]).rows(["t2", "t9"]).tolist()
        [1, -1]
        """
        if self._idx is None and self._keys is not None:
            return self._keys.rows(keys)
        get = self._index.get
        return np.fromiter((get(k, -1) for k in keys), dtype=np.int64, count=len(keys))

    def at(self, row: int) -> Any:
        """The record at position ``row`` (built now if not yet): no id lookup.

        Examples
        --------
        >>> from rostergraph.model import Term
        >>> LazyRecords(Term, b'{"id": "t1"}{"id": "t2"}', ["t1", "t2"], [0, 12], [12, 24]).at(1).id
        't2'
        """
        if not -len(self._cache) <= row < len(self._cache):
            raise IndexError(row)
        return self._build(row)

    def __getitem__(self, key: str) -> Any:
        row = self._row(key)
        if row is None:
            raise KeyError(key)
        return self._build(row)

    def get(self, key: str, default: Any = None) -> Any:
        row = self._row(key)
        return default if row is None else self._build(row)

    def __contains__(self, key: object) -> bool:
        return self._row(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._cache)

    def materialize(self) -> None:
        """Build every record now (one pass, garbage collection paused)."""
        if self._complete:
            return
        cache, starts, ends, text = self._cache, self._starts.tolist(), self._ends.tolist(), \
            self._source()
        if self._verify:
            _ = self._ids  # (the id list, made now: each record's check is a compare)
        loads, conv = orjson.loads, self._conv
        with collector_paused():
            for row, rec in enumerate(cache):
                if rec is None:
                    if self._verify:
                        cache[row] = self._checked(text, starts[row], ends[row], row)
                        continue
                    obj = loads(text[starts[row]: ends[row]])
                    rec = conv(obj)
                    if rec is FALLBACK:
                        rec = self._general(obj)
                    cache[row] = rec
        self._complete = True
        self._text = b""  # every record is built: the source text is no longer needed

    def stream(self) -> Iterator[Any]:
        """Every record, in order, for one pass over a kind too big to hold built: a record
        not built yet is built for the caller and not kept, so the pass holds one at a time
        (a writer's memory stays that of the source text).

        Examples
        --------
        >>> from rostergraph.model import Term
        >>> text = b'{"id": "t1", "name": "Fall"}{"id": "t2"}'
        >>> recs = LazyRecords(Term, text, ["t1", "t2"], [0, 28], [28, 40])
        >>> [t.id for t in recs.stream()], recs.n_built()
        (['t1', 't2'], 0)
        """
        if self._complete:
            yield from self._cache
            return
        cache, conv, loads = self._cache, self._conv, orjson.loads
        text = self._source()
        if self._verify:
            _ = self._ids  # (the id list, made now: each record's check is a compare)
        for row, (a, b) in enumerate(zip(self._starts.tolist(), self._ends.tolist())):
            rec = cache[row]
            if rec is None:  # (built for the caller, not kept)
                if self._verify:
                    yield self._checked(text, a, b, row)
                    continue
                obj = loads(text[a:b])
                rec = conv(obj)
                if rec is FALLBACK:
                    rec = self._general(obj)
            yield rec

    def values(self) -> Any:  # type: ignore[override]
        """The records, in order (all built on the first call)."""
        self.materialize()
        return list(self._cache)

    def items(self) -> Any:  # type: ignore[override]
        """``(id, record)`` pairs, in order (all built on the first call)."""
        self.materialize()
        return list(zip(self._ids, self._cache))

    def decoded(self, rows: Sequence[int]) -> list[Any]:
        """For each of ``rows``: its decoded JSON object when its record is not built yet
        (the record is not built now either), else ``None``. Rows not built are plain
        (the reader defers only those): every field of the record class in the object has
        the field's JSON type, so its fields hold exactly the record's values. (A CSV
        reader's text may also hold keys that are no field: the record's ``extra``.)
        """
        cache, starts, ends = self._cache, self._starts, self._ends
        if all(cache[r] is not None for r in rows):
            return [None] * len(rows)
        text = self._source()
        loads = orjson.loads
        return [None if cache[r] is not None else loads(text[int(starts[r]): int(ends[r])])
                for r in rows]

    def built(self, rows: Sequence[int]) -> np.ndarray:
        """For each of ``rows``: is its record built already? (A row not built is a plain
        record: see :meth:`decoded`.)

        Examples
        --------
        >>> from rostergraph.model import Term
        >>> text = b'{"id": "t1"}{"id": "t2"}'
        >>> recs = LazyRecords(Term, text, ["t1", "t2"], [0, 12], [12, 24])
        >>> _ = recs["t2"]
        >>> recs.built([0, 1]).tolist()
        [False, True]
        """
        cache = self._cache
        return np.fromiter((cache[r] is not None for r in rows), dtype=bool, count=len(rows))

    def texts(self, rows: Sequence[int], copy: bool = True) -> list[bytes | memoryview | None]:
        """For each of ``rows``: its JSON text (one line of the source, a plain record: see
        :meth:`decoded`) when its record is not built yet, else ``None``. Nothing is
        decoded or built. With ``copy=False`` the texts are views of the source (no bytes
        copied; each keeps the source alive while it lives).

        Examples
        --------
        >>> from rostergraph.model import Term
        >>> text = b'{"id": "t1"}{"id": "t2"}'
        >>> recs = LazyRecords(Term, text, ["t1", "t2"], [0, 12], [12, 24])
        >>> _ = recs["t2"]
        >>> recs.texts([0, 1])
        [b'{"id": "t1"}', None]
        """
        cache = self._cache
        if all(cache[r] is not None for r in rows):
            return [None] * len(rows)
        at = np.asarray(rows, dtype=np.int64)
        starts, ends = self._starts[at].tolist(), self._ends[at].tolist()
        text = self._source()
        # (looked at after the text is taken: another thread's materialize may have built
        # every record and let the text go meanwhile)
        built = list(map(cache.__getitem__, rows))
        if copy:
            out: list[Any] = [None if rec is not None else bytes(text[a:b])
                              for rec, a, b in zip(built, starts, ends)]
        else:
            view = memoryview(text)
            out = [None if rec is not None else view[a:b]
                   for rec, a, b in zip(built, starts, ends)]
        if self._verify:
            self._check_texts(rows, out)
        return out

    def same_texts(self, rows: Sequence[int] | np.ndarray, other: LazyRecords,
                   other_rows: Sequence[int] | np.ndarray) -> list[bool]:
        """For each pair of ``rows`` and ``other_rows``: is the record's source text byte
        for byte the other's (so the two records are equal, unbuilt)? ``False`` where
        either record is built already: its text is not kept, compare the records.

        Examples
        --------
        >>> from rostergraph.model import Term
        >>> a = LazyRecords(Term, b'{"id": "t1"}{"id": "t2"}', ["t1", "t2"], [0, 12], [12, 24])
        >>> b = LazyRecords(Term, b'{"id": "t2"}{"id":"t1"}', ["t2", "t1"], [0, 12], [12, 23])
        >>> a.same_texts([0, 1], b, [1, 0])
        [False, True]
        """
        mine, theirs = self._cache, other._cache
        at, bt = np.asarray(rows, dtype=np.int64), np.asarray(other_rows, dtype=np.int64)
        a0, a1 = self._starts[at], self._ends[at]
        b0, b1 = other._starts[bt], other._ends[bt]
        x, y = self._source(), other._source()
        # (lengths first, at once; bytes are sliced only where they may be equal)
        return [mine[r] is None and theirs[q] is None and x[i:j] == y[k:m]
                if ok else False
                for r, q, i, j, k, m, ok in zip(at.tolist(), bt.tolist(), a0.tolist(),
                                                a1.tolist(), b0.tolist(), b1.tolist(),
                                                ((a1 - a0) == (b1 - b0)).tolist())]

    def field_values(self, field: str) -> list[Any]:
        """One top-level field of every record, in order, without building any record:
        each unbuilt record's JSON text is decoded for that field alone (the rest of the
        text is skipped over), a built record gives its attribute. ``None`` where the
        field is absent. Values are JSON values, not type-checked: treat them as
        untrusted, as with :meth:`peek`.

        Examples
        --------
        >>> from rostergraph.model import Term
        >>> text = b'{"id": "t1", "name": "Fall"}{"id": "t2"}'
        >>> recs = LazyRecords(Term, text, ["t1", "t2"], [0, 28], [28, 40])
        >>> recs.field_values("name")
        ['Fall', None]
        """
        cache = self._cache
        if self._complete or not self._text:
            return [getattr(self._build(row), field, None) for row in range(len(cache))]
        one = msgspec.json.Decoder(msgspec.defstruct("_OneField", [(field, Any, None)],
                                                     gc=False)).decode
        view = memoryview(self._source())
        out: list[Any] = []
        for row, (rec, a, b) in enumerate(zip(cache, self._starts.tolist(),
                                              self._ends.tolist())):
            if rec is None:
                try:
                    out.append(getattr(one(view[a:b]), field))
                    continue
                except msgspec.DecodeError:  # (a damaged snapshot's text): the record says
                    rec = self._build(row)
            out.append(getattr(rec, field, None))
        return out

    def peek(self, key: str, field: str) -> Any:
        """One top-level field of a record without building the record (a label is a few
        times cheaper this way): the source's JSON value (a dict for an object), or the
        built record's attribute when it is already built. ``None`` for an unknown id or
        an absent field. The value is not type-checked: treat it as untrusted.

        Examples
        --------
        >>> from rostergraph.model import Term
        >>> text = b'{"id": "t1", "name": "Fall"}'
        >>> LazyRecords(Term, text, ["t1"], [0], [len(text)]).peek("t1", "name")
        'Fall'
        """
        row = self._row(key)
        if row is None:
            return None
        text = self._source() if self._text else b""
        rec = self._cache[row]  # (after the text: see texts)
        if rec is not None or not text:
            return getattr(self._build(row), field, None)
        obj = orjson.loads(text[int(self._starts[row]): int(self._ends[row])])
        return obj.get(field) if isinstance(obj, dict) else None

    def n_built(self) -> int:
        """How many records have been built so far."""
        return sum(1 for c in self._cache if c is not None)

    def __repr__(self) -> str:
        return f"<LazyRecords {self._cls.__name__} ×{len(self)} ({self.n_built()} built)>"


class LazyColumns(Mapping):  # type: ignore[type-arg]
    """Named columns, each made by its function the first time it is read, exactly once.

    Readers and snapshots hand the rules' field columns over this way: most
    loads are never validated, so most never pay for millions of strings.
    Reading from several threads is safe: a column is made under a lock, and
    a function may consume its input (it is never called twice).

    Examples
    --------
    >>> calls = []
    >>> cols = LazyColumns({"a": [1]}, {"b": lambda: calls.append("b") or [2]})
    >>> list(cols), cols.pending()
    (['a', 'b'], ['b'])
    >>> cols["b"], cols["b"], calls, cols.pending()
    ([2], [2], ['b'], [])
    """

    __slots__ = ("_done", "_lock", "_make", "_make_at", "_names")

    def __init__(self, done: Mapping[str, Any], make: Mapping[str, Callable[[], Any]],
                 make_at: Mapping[str, Callable[[np.ndarray], Any]] | None = None) -> None:
        self._names = [*done, *(k for k in make if k not in done)]
        self._done = dict(done)
        self._make = {k: f for k, f in make.items() if k not in done}
        # optional: a column's values at some rows, without making the whole column
        self._make_at = dict(make_at or {})
        self._lock = threading.Lock()

    def values_at(self, name: str, rows: np.ndarray) -> Any:
        """Column ``name`` at ``rows``: taken from the column when it is made, else, when
        its maker can, made for those rows alone (a rule that reads a few hundred
        thousand of two million strings does not touch the rest).

        Examples
        --------
        >>> cols = LazyColumns({}, {"b": lambda: np.array([5, 6, 7])},
        ...                    {"b": lambda rows: np.array([5, 6, 7])[rows]})
        >>> cols.values_at("b", np.array([2, 0])).tolist(), cols.pending()
        ([7, 5], ['b'])
        """
        col = self._done.get(name)
        if col is None:
            at = self._make_at.get(name)
            if at is not None and name in self._make:
                return at(rows)
            col = self[name]
        return col[rows]

    def __getitem__(self, name: str) -> Any:
        col = self._done.get(name)
        if col is None:
            with self._lock:
                col = self._done.get(name)
                if col is None:
                    col = self._make[name]()  # KeyError for an unknown name
                    self._done[name] = col
                    del self._make[name]  # (what it held is no longer needed)
                    self._make_at.pop(name, None)
        return col

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names  # (Mapping's would make the column to find out)

    def pending(self) -> list[str]:
        """The names whose column has not been made yet."""
        with self._lock:
            return list(self._make)

    def __reduce__(self) -> tuple[Any, ...]:
        # a lock does not pickle: a pickled copy holds every column made
        return (LazyColumns, ({name: self[name] for name in self._names}, {}))
