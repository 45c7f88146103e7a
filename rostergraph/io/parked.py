"""Record dicts a CSV reader is still working on, most of them kept as compact JSON text.

A CSV reader makes one Clever-shaped dict per user and keeps it until the last file
that may change it (``roles.csv``, ``demographics.csv``, ``userProfiles.csv``, a
contact's links) has been read. As Python objects such a dict, with its nested role,
name and credential dicts and its strings, takes about 2.5 KB; a million-student
district then holds over 5 GiB of them at once. :class:`ParkedDicts` holds the same
dicts by id in insertion order, but once it holds a few hundred thousand, only the few
thousand newest stay objects: the rest are *parked* as the compact JSON text ``orjson``
writes for them (about 400 bytes), and read back when next asked for. (A smaller
district keeps its dicts: parking costs CPU, and saves memory it does not need.)

Parking happens only in :meth:`ParkedDicts.settle`, which a reader calls between two
rows, when no dict it got is still in use: a dict is never parked while its caller may
still change it. A dict is parked only when its text reads back as the dict
itself: one holding what JSON cannot say (a float that is not finite, which ``orjson``
writes as ``null``; a string with a lone surrogate, which it refuses) stays an object.
Tuples never occur in a reader's dicts (cells are strings, JSON cells are read by a
JSON parser), and would be read back as lists. :meth:`ParkedDicts.pop_text` gives a parked dict's
text as it is, for a builder that keeps records as text
(:meth:`~rostergraph.io.collect.ColumnarBuilder.add_text`): the text is then never read
back at all.

Parked texts are written one after another into shared buffers ("shelves") of
:data:`SHELF` bytes, not kept as a ``bytes`` object each: two million small objects made
among a reader's short-lived row dicts would spread over the whole small-object heap,
and Python gives an arena of it back to the system only once nothing in it is alive, so
the millions of strings a roster keeps afterwards would pin gigabytes of it. A shelf is
anonymous memory of its own (``mmap``), so the system has it back as soon as none of
its texts is parked any more. Texts read back leave holes; once the holes hold more
than half as much as the parked texts, the sparsest shelves have the rest moved to the
newest at the next :meth:`ParkedDicts.settle`.

Examples
--------
>>> users = ParkedDicts(live_max=1, park_from=0)
>>> users["u1"] = {"id": "u1", "roles": {"student": {"grade": "3"}}}
>>> users["u2"] = {"id": "u2"}
>>> users.settle()  # u1 is parked; u2 stays an object
>>> users.pop_text("u1")
b'{"id":"u1","roles":{"student":{"grade":"3"}}}'
>>> users["u2"]["email"] = "a@x.org"
>>> users.settle()
>>> dict(users.items())
{'u2': {'id': 'u2', 'email': 'a@x.org'}}
"""

from __future__ import annotations

import math
import mmap
from collections.abc import Callable, Iterable, Iterator, KeysView, MutableMapping
from itertools import repeat
from typing import Any, cast

import numpy as np
import orjson

from ..intcodes import distinct_codes

__all__ = ["ParkedDicts", "ParkedTexts", "add_parked", "fragments_read", "json_text"]

#: Dicts kept as objects between two settles (a few MB): those a reader just made or
#: read back, which the next rows most often touch again.
LIVE_MAX = 4096
#: No dict is parked while the mapping holds fewer (about 650 MB of user dicts): parking
#: and reading back cost CPU that a district this small does not need to spend.
PARK_FROM = 262_144
#: Texts a reader taking every text out at the end takes between two tidies (see
#: :meth:`ParkedDicts.tidy`).
TIDY_EVERY = 65_536
#: Bytes of parked text per shelf (pages of it hold memory only once written; at most
#: 2**27, the start bits of a place).
SHELF = 32 * 1024 * 1024
#: A text this long or longer is parked as a ``bytes`` object of its own (it is outside
#: the small-object heap anyway), so that a shelf place fits in one integer.
_OWN = 1 << 16
_START_BITS = 27  # (a place: shelf number, start and length, packed in one int)
#: Texts :meth:`_Shelves.put_many` puts one by one rather than a run at a time.
_FEW = 32


class _Shelves:
    """The shelves of one :class:`ParkedDicts`: texts written one after another into
    anonymous memory, each found again by its *place* (an int). A text read back leaves a
    hole; once the holes of the shelves but the newest hold more than half as much as the
    texts, the sparsest shelves have theirs moved to the newest and are let go (see
    :meth:`tidy`), so holes never hold more than half as much again as the texts do (a
    pass that reads users back at random and parks them again would otherwise keep old
    shelves a text at a time).

    ``items`` is the mapping's key → value dict: a moved text's place is updated there.
    """

    __slots__ = ("filled", "items", "keys", "live", "shelves", "sparse")

    def __init__(self, items: dict[str, Any]) -> None:
        self.items = items
        self.shelves: list[mmap.mmap | None] = []
        self.keys: list[list[str]] = []  # the keys parked on each shelf (some since moved)
        self.live: list[int] = []  # bytes of parked text on each shelf
        self.filled = 0  # bytes written to the newest shelf
        self.sparse: set[int] = set()  # shelves to empty at the next :meth:`tidy`

    def put(self, key: str, text: bytes) -> int | bytes:
        """Park ``key``'s ``text`` on the newest shelf (a new one when it is full); its
        place (a long text is its own place, and so is an empty one: a shelf holding no
        bytes of text is let go)."""
        n = len(text)
        if n >= _OWN or n > SHELF or not n:
            return text
        start = self.filled
        if not self.shelves or start + n > SHELF:
            self.shelves.append(mmap.mmap(-1, SHELF))
            self.keys.append([])
            self.live.append(0)
            start = 0
        self.shelves[-1][start:start + n] = text  # type: ignore[index]  # (newest: open)
        self.filled = start + n
        self.live[-1] += n
        self.keys[-1].append(key)
        return (((len(self.shelves) - 1) << _START_BITS | start) << 16) | n

    def put_many(self, keys: list[str], off: np.ndarray, data: np.ndarray) -> list[int | bytes]:
        """:meth:`put` of each of ``keys``' texts, ``data[off[i]:off[i + 1]]`` (UTF-8
        bytes one after another, a numpy ``uint8`` array), copied a shelf's worth at a
        time; their places, in order."""
        if len(keys) <= _FEW:  # (a few: put one by one, cheaper than numpy's steps)
            return [self.put(k, data[a:z].tobytes())
                    for k, a, z in zip(keys, off[:-1].tolist(), off[1:].tolist())]
        sizes = np.diff(off)
        places: list[int | bytes] = [b""] * len(keys)
        own = (sizes >= _OWN) | (sizes > SHELF) | (sizes == 0)
        for i in np.flatnonzero(own).tolist():  # (its own place, as put gives it)
            places[i] = data[off[i]:off[i + 1]].tobytes()
        todo = np.flatnonzero(~own)
        while len(todo):
            if not self.shelves or self.filled + int(sizes[todo[0]]) > SHELF:
                self.shelves.append(mmap.mmap(-1, SHELF))
                self.keys.append([])
                self.live.append(0)
                self.filled = 0
            # (the run of texts after todo[0] that fits what is left of the newest shelf)
            ends = np.cumsum(sizes[todo])
            k = int(np.searchsorted(ends, SHELF - self.filled, side="right"))
            run, todo = todo[:k], todo[k:]
            starts = self.filled + ends[:k] - sizes[run]
            shelf = len(self.shelves) - 1
            # (a run of texts whose places are one after another in data: one copy)
            bounds = np.flatnonzero(off[run[1:]] != off[run[:-1] + 1]) + 1
            for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), k]):
                a, z = int(off[run[lo]]), int(off[run[hi - 1] + 1])
                at = int(starts[lo])
                # (the array's bytes copied straight in: no bytes object between)
                self.shelves[shelf][at:at + z - a] = data[a:z]  # type: ignore[index,call-overload]
            got = ((shelf << _START_BITS | starts) << 16) | sizes[run]
            i0 = int(run[0])
            if int(run[-1]) - i0 == k - 1:  # (no own place among them: slices, no loop)
                places[i0:i0 + k] = got.tolist()
                self.keys[shelf].extend(keys[i0:i0 + k])
            else:
                for i, place in zip(run.tolist(), got.tolist()):
                    places[i] = place
                self.keys[shelf].extend(keys[i] for i in run.tolist())
            n = int(ends[k - 1])
            self.filled += n
            self.live[shelf] += n
        return places

    def take(self, place: int | bytes) -> bytes:
        """The text at ``place``, which is no longer parked (a shelf left with none is let
        go at once; one left sparse, at the next :meth:`tidy`)."""
        if isinstance(place, bytes):
            return place
        i, text = self._read(place)
        self._taken(i, len(text))
        return text

    def _taken(self, i: int, n: int) -> None:
        """``n`` bytes of shelf ``i`` no longer parked: a shelf (but the newest) left with
        none is let go at once; one left sparse, at the next :meth:`tidy`."""
        live = self.live[i] = self.live[i] - n
        if i != len(self.shelves) - 1:
            if not live:
                self._let_go(i)
            elif live * 3 < SHELF * 2:
                self.sparse.add(i)

    def take_many(self, places: list[int]) -> tuple[bytes, np.ndarray]:
        """:meth:`take` of each of ``places`` (shelf places, none its own text): their
        texts one after another, and their sizes; a run of texts lying one after another
        on a shelf (as :meth:`put_many` put them) read in one slice."""
        at = np.array(places, dtype=np.int64)
        if not len(at):
            return b"", np.zeros(0, np.int64)
        sizes = at & 0xFFFF
        starts = (at >> 16) & ((1 << _START_BITS) - 1)
        shelf = at >> (16 + _START_BITS)
        cut = np.flatnonzero((shelf[1:] != shelf[:-1])
                             | (starts[1:] != starts[:-1] + sizes[:-1])) + 1
        pieces = []
        for lo, hi in zip([0, *cut.tolist()], [*cut.tolist(), len(at)]):
            i, a = int(shelf[lo]), int(starts[lo])
            pieces.append(self.shelves[i][a:int(starts[hi - 1] + sizes[hi - 1])])  # type: ignore[index]
        used, per = distinct_codes(shelf)
        gone = np.bincount(per.reshape(-1), weights=sizes).astype(np.int64)
        for i, n in zip(used.tolist(), gone.tolist()):
            self._taken(i, n)
        return b"".join(pieces), sizes

    def compact(self, fill: float) -> None:
        """Move the texts of every shelf (but the newest) filled less than ``fill`` (a
        share of :data:`SHELF`) to the newest, and let those shelves go."""
        newest = len(self.shelves) - 1
        self.sparse.update(i for i, shelf in enumerate(self.shelves)
                           if shelf is not None and i != newest and self.live[i] < fill * SHELF)
        self._move(self.sparse, 0)

    def tidy(self) -> None:
        """Once the holes of the shelves (but the newest) hold more than half as much as
        the parked texts, move the texts of sparse shelves, the sparsest first, to the
        newest and let those go, until the holes hold a quarter as much. Shelves then
        never hold more than half as much again as their texts (as if none were left
        under two thirds full), while a pass that reads texts back in the order they were
        parked empties each shelf in turn and moves none. (Not done in :meth:`take`: its
        caller's key still names the place being taken.)"""
        if not self.sparse:
            return
        newest = len(self.shelves) - 1
        held = sum(self.live)
        holes = sum(SHELF - self.live[i] for i, shelf in enumerate(self.shelves)
                    if shelf is not None and i != newest)
        if holes * 2 > held:
            self._move(sorted(self.sparse, key=self.live.__getitem__), holes - held // 4)

    def _move(self, shelves: Any, enough: int) -> None:
        """Move the texts of ``shelves`` (ids among :attr:`sparse`, in order) to the newest
        and let those go, until holes of ``enough`` bytes or more are gone (``0``: all)."""
        gone = 0
        for i in list(shelves):
            if enough and gone >= enough:
                return
            self.sparse.discard(i)
            if self.shelves[i] is None:
                continue
            gone += SHELF - self.live[i]
            items, keys = self.items, self.keys[i]
            self.keys[i] = []
            for key in keys:
                place = items.get(key)
                if isinstance(place, int) and place >> (16 + _START_BITS) == i:
                    items[key] = self.put(key, self._read(place)[1])
            self._let_go(i)

    def read(self, place: int | bytes) -> bytes:
        """The text at ``place``, still parked there."""
        return place if isinstance(place, bytes) else self._read(place)[1]

    def _read(self, place: int) -> tuple[int, bytes]:
        n = place & 0xFFFF
        start = (place >> 16) & ((1 << _START_BITS) - 1)
        i = place >> (16 + _START_BITS)
        shelf = self.shelves[i]
        assert shelf is not None  # (a shelf is let go only once nothing on it is parked)
        return i, shelf[start:start + n]

    def _let_go(self, i: int) -> None:
        self.shelves[i].close()  # type: ignore[union-attr]
        self.shelves[i] = None
        self.keys[i] = []
        self.live[i] = 0
        self.sparse.discard(i)


#: The value of a key reserved and not yet given its text (see ParkedDicts.reserve).
_RESERVED: Any = None


class ParkedDicts(MutableMapping[str, dict[str, Any]]):
    """A ``dict`` of record dicts by id whose oldest values are kept as compact JSON text
    once :meth:`settle` is called (see the module's text). "Oldest" is by when a key's dict
    was first stored or read back from text (a dict got or stored again keeps its place:
    the bookkeeping costs nothing on the hot path)."""

    __slots__ = ("_items", "_live", "_shelves", "live_max", "park_from")

    def __init__(self, live_max: int | None = None, park_from: int | None = None) -> None:
        # a value is the dict, or where its text is parked: a shelf place (int) or,
        # for a long text, the text itself
        self._items: dict[str, dict[str, Any] | int | bytes] = {}
        self._live: dict[str, None] = {}  # the ids whose value is an object, oldest first
        self._shelves = _Shelves(self._items)
        self.live_max = LIVE_MAX if live_max is None else live_max
        self.park_from = PARK_FROM if park_from is None else park_from

    def __getitem__(self, key: str) -> dict[str, Any]:
        v = self._items[key]
        return v if isinstance(v, dict) else self._unpark(key, v)

    def get(self, key: str, default: Any = None) -> Any:  # (the hot path: one call)
        v = self._items.get(key)
        if v is None:
            return default
        return v if isinstance(v, dict) else self._unpark(key, v)

    def _unpark(self, key: str, place: int | bytes) -> dict[str, Any]:
        v = self._items[key] = orjson.loads(self._shelves.take(place))
        self._live[key] = None
        return v  # type: ignore[no-any-return]

    def __setitem__(self, key: str, value: dict[str, Any]) -> None:
        old = self._items.get(key)
        if old is not None and not isinstance(old, dict):
            self._shelves.take(old)  # (its shelf space is let go)
        self._items[key] = value
        self._live[key] = None

    def __delitem__(self, key: str) -> None:
        old = self._items.pop(key)
        if not isinstance(old, dict):
            self._shelves.take(old)
        self._live.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def ids(self) -> KeysView[str]:
        """The ids, as a view whose ``in`` costs no Python call (for hot lookups)."""
        return self._items.keys()

    def settle(self) -> None:
        """Park the oldest dicts once more than :attr:`live_max` are objects (and the
        mapping holds :attr:`park_from` dicts or more), down to half that (so a settle
        costs little on average); one whose text would not read back (:func:`json_text`)
        stays an object. Call it only where no dict this mapping gave is still to be
        changed (between two rows)."""
        live = self._live
        if len(live) <= self.live_max or len(self._items) < self.park_from:
            return
        items = self._items
        order = list(live)
        cut = len(order) - self.live_max // 2
        # (the oldest written at once and parked a shelf's run at a time: a call or two
        # per dict, not five; a million contacts are parked so at L)
        keys = order[:cut]
        self._live = dict.fromkeys(order[cut:])
        got = [_text_reading_back(v) if isinstance(v, dict) else None  # (always)
               for v in map(items.__getitem__, keys)]
        if None in got:  # (one that would not read back stays an object)
            keys = [k for k, t in zip(keys, got) if t is not None]
            got = [t for t in got if t is not None]
        texts = cast(list[bytes], got)
        sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        off = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(sizes, out=off[1:])
        places = self._shelves.put_many(keys, off, np.frombuffer(b"".join(texts), np.uint8))
        items.update(zip(keys, places))
        self._shelves.tidy()

    def tidy(self) -> None:
        """Move what is left of sparse shelves to the newest, and let those go, once the
        holes texts taken since (:meth:`pop_text`) left hold more than half as much as the
        texts (see ``_Shelves.tidy``): for a reader taking every text out at the end, whose
        texts no longer lie on the shelves in the order it takes them (moved, or parked
        again once read back), so that no shelf would be let go until nearly all were
        taken."""
        self._shelves.tidy()

    def compact(self) -> None:
        """:meth:`settle`, then move the texts of every shelf less than nine tenths full to
        the newest: for a reader that has read back many dicts in one pass (a
        million contacts linked), whose holes would otherwise stay (up to a third of the
        shelves; 150 MB at L). Done once after the pass, not at each settle: texts read
        back in order would be moved again and again."""
        self.settle()
        self._shelves.compact(0.9)

    def park_new(self, keys: list[str], off: np.ndarray, data: np.ndarray
                 ) -> list[int | bytes]:
        """Add ``keys`` (none of them held yet), in order, with their dicts' texts
        ``data[off[i]:off[i + 1]]`` (see :meth:`_Shelves.put_many`) parked at once: for a
        reader that writes many records' texts without a dict each. Their places, as
        :meth:`place` gives them while nothing has read them back.

        >>> import numpy as np
        >>> users = ParkedDicts()
        >>> places = users.park_new(["u1", "u2"], np.array([0, 11, 22]),
        ...                         np.frombuffer(b'{"id":"u1"}{"id":"u2"}', np.uint8))
        >>> users["u2"], users.place("u2"), users.place("u1") == places[0]
        ({'id': 'u2'}, None, True)
        """
        if not self._items.keys().isdisjoint(keys) or len(set(keys)) != len(keys):
            raise ValueError("park_new: a key held already, or given twice")
        places = self._shelves.put_many(keys, off, data)
        self._items.update(zip(keys, places))
        return places

    def reserve(self, keys: list[str]) -> None:
        """Add ``keys`` (none of them held yet), in order, their texts to come
        (:meth:`park_reserved`): a reader that must keep the order in which it names
        records but writes many records' texts at once, later. A reserved key is never to
        be read until then.

        >>> import numpy as np
        >>> users = ParkedDicts()
        >>> users.reserve(["u1"])
        >>> users["u2"] = {"id": "u2"}
        >>> _ = users.park_reserved(["u1"], np.array([0, 11]),
        ...                         np.frombuffer(b'{"id":"u1"}', np.uint8))
        >>> list(users), users["u1"]
        (['u1', 'u2'], {'id': 'u1'})
        """
        if not self._items.keys().isdisjoint(keys) or len(set(keys)) != len(keys):
            raise ValueError("reserve: a key held already, or given twice")
        self._items.update(dict.fromkeys(keys, _RESERVED))

    def park_reserved(self, keys: list[str], off: np.ndarray, data: np.ndarray
                      ) -> list[int | bytes]:
        """:meth:`park_new` of keys :meth:`reserve` added (each keeps its place in the
        order)."""
        items = self._items
        # (one lookup per key in C; ``count`` finds _RESERVED, None, by identity first)
        if list(map(items.get, keys, repeat(0))).count(_RESERVED) != len(keys):
            raise ValueError("park_reserved: a key not reserved, or already given a value")
        places = self._shelves.put_many(keys, off, data)
        items.update(zip(keys, places))
        return places

    def pop_texts(self, keys: list[str]) -> tuple[bytes, np.ndarray]:
        """:meth:`pop_text` of each of ``keys`` (each parked on a shelf, as
        :meth:`park_new` puts them): their texts one after another, and their sizes."""
        items = self._items
        places = [items.pop(k) for k in keys]
        if self._live:
            for k in keys:
                self._live.pop(k, None)
        return self._shelves.take_many(places)  # type: ignore[arg-type]

    def places(self, keys: list[str]) -> list[Any]:
        """:meth:`place` of each of ``keys``, as held (a dict where it is one)."""
        return list(map(self._items.get, keys))

    def place(self, key: str) -> int | bytes | None:
        """Where ``key``'s text is parked (``None``: its value is a dict, or no such key)."""
        v = self._items.get(key)
        return None if v is None or isinstance(v, dict) else v

    def pop_text(self, key: str) -> dict[str, Any] | bytes:
        """Remove ``key`` and give its value: the dict, or its JSON text if parked."""
        self._live.pop(key, None)
        v = self._items.pop(key)
        return v if isinstance(v, dict) else self._shelves.take(v)


class ParkedTexts(MutableMapping[Any, Any]):
    """A ``dict`` whose ``str`` values are kept as UTF-8 on shelves (see the module's
    text), any other value (but an ``int`` or ``bytes``: those stand for a place on a
    shelf) as it is: for a million JSON cells a reader merges into its records at the end
    (each read back as a new ``str``; taken with ``pop``, its shelf space is let go).

    Examples
    --------
    >>> cells = ParkedTexts()
    >>> cells[("users", "u1")] = '{"x": 1}'
    >>> cells[("users", "u2")] = {"x": 2}
    >>> cells.pop(("users", "u1")), ("users", "u1") in cells, cells[("users", "u2")]
    ('{"x": 1}', False, {'x': 2})
    """

    __slots__ = ("_items", "_shelves")

    def __init__(self) -> None:
        self._items: dict[Any, Any] = {}  # a value, or its text's place on a shelf
        self._shelves = _Shelves(self._items)

    def __getitem__(self, key: Any) -> Any:
        v = self._items[key]
        if isinstance(v, (int, bytes)):  # (a place: never a value, only str is parked)
            return self._shelves.read(v).decode("utf-8", "surrogatepass")
        return v

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(value, (int, bytes)):
            raise TypeError("ParkedTexts holds no int or bytes value (they stand for places)")
        self._let_go(self._items.get(key))
        if isinstance(value, str):
            value = self._shelves.put(key, value.encode("utf-8", "surrogatepass"))
        self._items[key] = value

    def __delitem__(self, key: Any) -> None:
        self._let_go(self._items.pop(key))

    def pop(self, key: Any, default: Any = None) -> Any:  # type: ignore[override]
        """Remove ``key`` and give its value (``default`` when there is none)."""
        if key not in self._items:
            return default
        v = self._items.pop(key)
        if isinstance(v, (int, bytes)):
            return self._shelves.take(v).decode("utf-8", "surrogatepass")
        return v

    def _let_go(self, old: Any) -> None:
        if isinstance(old, (int, bytes)):
            self._shelves.take(old)

    def tidy(self) -> None:
        """As :meth:`ParkedDicts.tidy`: the shelves texts taken have left sparse emptied."""
        self._shelves.tidy()

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def add_parked(b: Any, kind: str, value: dict[str, Any] | bytes,
               mend: Callable[[dict[str, Any]], dict[str, Any]] | None, *,
               file: str, line: int) -> None:
    """Add a reader's dict, or its parked text, to builder ``b`` once ``mend`` has made it
    what the roster keeps (``None``: nothing to change). For a builder that keeps text
    (:meth:`~rostergraph.io.collect.ColumnarBuilder.add_text`), text nothing changes goes
    as it is, and a changed dict as its text when that reads back (:func:`json_text`), so
    neither is written and read back again; anything else goes as the dict.

    Examples
    --------
    >>> from rostergraph.io.collect import ColumnarBuilder
    >>> b = ColumnarBuilder(source="mem", format="test")
    >>> add_parked(b, "users", b'{"id":"u1"}', None, file="users.csv", line=2)
    >>> add_parked(b, "users", {"id": "u2"}, lambda d: {**d, "email": "a@x.org"},
    ...            file="users.csv", line=3)
    >>> sorted(b.build().users), b.build().users["u2"].email
    (['u1', 'u2'], 'a@x.org')
    """
    add_text = getattr(b, "add_text", None)
    if isinstance(value, bytes) and add_text is not None and mend is None:
        add_text(kind, value, file=file, line=line)
        return
    obj: dict[str, Any] = orjson.loads(value) if isinstance(value, bytes) else value
    d = mend(obj) if mend is not None else obj
    # (orjson's text as it is: the builder keeps it only until its batch is joined)
    text = _text_reading_back(d) if add_text is not None else None
    if add_text is not None and text is not None:
        add_text(kind, text, file=file, line=line)
    else:
        b.add(kind, fragments_read(d), file=file, line=line)


def fragments_read(d: dict[str, Any], keys: Iterable[str] | None = None) -> dict[str, Any]:
    """``d`` with each ``orjson.Fragment`` value (JSON text a reader put in place of a
    value, see :func:`~rostergraph.io.enrollment_ids.keep_id_fragments`) read as its
    value, of ``keys`` only when given: a record never holds one, and a merge into it
    merges with the value.

    >>> fragments_read({"id": "s1", "ids": orjson.Fragment(b'{"student":{"u1":"e1"}}')})
    {'id': 's1', 'ids': {'student': {'u1': 'e1'}}}
    """
    for k in d if keys is None else [k for k in keys if k in d]:
        v = d[k]
        if type(v) is orjson.Fragment:
            # (its text alone: orjson writes a fragment as it is)
            d[k] = orjson.loads(orjson.dumps(v))
    return d


def json_text(d: dict[str, Any]) -> bytes | None:
    """``d`` as compact JSON text (``orjson``'s, in a bytes object of exactly its size),
    or ``None`` when that text would not read back as ``d`` (see :func:`_reads_back`; a
    lone surrogate or an integer past 64 bits, which ``orjson`` refuses).

    Examples
    --------
    >>> json_text({"id": "u1", "roles": {}}), json_text({"x": float("inf")})
    (b'{"id":"u1","roles":{}}', None)
    """
    text = _text_reading_back(d)
    # (orjson's own buffer keeps its spare room)
    return memoryview(text).tobytes() if text is not None else None


def _text_reading_back(d: dict[str, Any]) -> bytes | None:
    """:func:`json_text` as ``orjson`` gives it (for a caller that copies it anyway)."""
    try:
        text = orjson.dumps(d)
    except orjson.JSONEncodeError:
        return None
    if b"null" in text and not _reads_back(d):  # (NaN and infinities are written null)
        return None
    return text


def _reads_back(value: Any) -> bool:
    """Whether JSON text of ``value`` reads back as ``value``: no float that is not
    finite (JSON has none: written as ``null``) and no tuple (read back as a list).

    Examples
    --------
    >>> _reads_back({"a": [1, None, "x"]}), _reads_back({"a": [float("nan")]})
    (True, False)
    """
    todo = [value]
    while todo:
        v = todo.pop()
        t = type(v)
        if t is dict:
            todo.extend(v.values())
        elif t is list:
            todo.extend(v)
        elif t is float:
            if not math.isfinite(v):
                return False
        elif t is tuple:
            return False
    return True
