"""Users and sections kept as JSON text and columns while a CSV reader runs.

The CSV readers (OneRoster, Clever SFTP) map each row to a Clever-shaped object and
hand it to a :class:`~rostergraph.roster.RosterBuilder`, which builds the typed record
at once: at a million students that is ~10M attrs objects held together, and the graph
and the rules then pull their columns out of them record by record.

:class:`ColumnarBuilder` takes the same objects. A user or section is *plain* when its
fields all hold values of their JSON types, no such string is longer than the string
rules' bound, and its JSON text reads back as the object itself (no NaN, tuple or UUID).
Keys that are no field are allowed: the record keeps them in ``extra``. A plain object
is written as one line of compact JSON text and decoded by msgspec into a typed struct
(the type check of every field in C); the batch's structs give the graph columns and the
rules' field columns, exactly as the JSON Lines scan takes them from a file, and are
dropped. The record is built from its line on first access
(:class:`~rostergraph.lazy.LazyRecords`). Anything else (a wrongly typed value, a
repeated id, a string that does not fit JSON) takes the builder's general path at the
moment it is added, so ``roster.problems`` and the records are exactly those the plain
builder gives, in the same order.

Examples
--------
>>> b = ColumnarBuilder(source="mem", format="test")
>>> b.add("users", {"id": "u1", "email": "a@x.org"}, file="users.csv", line=2)
>>> b.add("users", {"id": "u2", "email": 5}, file="users.csv", line=3).id
'u2'
>>> r = b.build()
>>> type(r.users).__name__, r.users["u1"].email, [p.code for p in r.problems]
('LazyRecords', 'a@x.org', ['bad_field'])
"""

from __future__ import annotations

from array import array
from typing import Any

import msgspec
import numpy as np
import orjson

from ..columns import RELATION_SPECS, CodedRefs, Columns
from ..lazy import LazyRecords
from ..model import RECORD_CLASSES
from ..roster import Roster, RosterBuilder
from . import scan
from .arrow_np import arrow_ints, arrow_strs, ints_or, numpy_of, text_buffers
from .csv_arrow import release_arrow_memory, release_heap
from .fast_jsonl import final_columns, row_columns
from .shaped_users import UserShape, add_shaped

__all__ = ["ColumnarBuilder"]

#: The kinds kept as text and columns: the ones with millions of records.
COLLECTED = ("sections", "users")

#: Stands in the builder's table for a record kept as text (the table keeps the order
#: of all records and finds repeated ids; the record itself is built on access).
_PLAIN: Any = object()

#: Bad values for the typed decoder or the JSON encoder: such an object takes the
#: general path (which reports what is wrong with it).
_NOT_PLAIN = (msgspec.DecodeError, orjson.JSONEncodeError, TypeError, RecursionError)

#: The kinds references point to.
REFERRED = tuple(sorted({r.refers_to for r in RELATION_SPECS.values()}))


def _all_new(table: dict[Any, Any], ids: list[Any]) -> bool:
    """Whether a run of records of ids ``ids`` is kept with no check per record: no id
    missing or empty, none in ``table`` already, none given twice (else the run takes
    the general path, a record at a time, which reports them)."""
    return (None not in ids and "" not in ids and table.keys().isdisjoint(ids)
            and len(set(ids)) == len(ids))


class _Kind:
    """The text, byte ranges and column accumulators of one collected kind."""

    __slots__ = ("acc", "batch", "decode", "decode_unlisted", "ends", "kind", "refs", "starts",
                 "text", "texts")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        cls: type = RECORD_CLASSES[kind]
        # (keys that are no field are skipped: the record built from the text keeps them in
        # `extra`, as the plain builder does, and report nothing either way)
        self.decode = msgspec.json.Decoder(scan.struct_for(cls, True, True)).decode
        # (a section's students given as codes: its list skipped unread, see add_listed)
        self.decode_unlisted = msgspec.json.Decoder(scan.struct_for(
            cls, True, True, ("students",))).decode if kind == "sections" else self.decode
        self.acc = Columns(kind)
        self.text = bytearray()
        self.starts = array("q")
        self.ends = array("q")
        self.batch: list[Any] = []
        self.texts: list[bytes] = []
        self.refs: dict[str, _SeenRefs] = {}

    def add(self, obj: dict[str, Any]) -> bool:
        """Keep ``obj`` as text and columns if it is plain; ``False`` when it is not."""
        try:
            text = orjson.dumps(obj)
            s = self.decode(text)
            # JSON writes some values as others (NaN as null, a tuple as an array, a UUID
            # or an enum as its string): the text must read back as the object itself
            if orjson.loads(text) != obj:
                return False
        except _NOT_PLAIN:
            return False
        self.keep(s, text)
        return True

    def struct(self, text: bytes) -> Any:
        """The typed struct of an object's JSON text; ``None`` when it is not plain."""
        try:
            return self.decode(text)
        except _NOT_PLAIN:
            return None

    def struct_unlisted(self, text: bytes) -> Any:
        """:meth:`struct` of a section's text without its students (skipped unread)."""
        try:
            return self.decode_unlisted(text)
        except _NOT_PLAIN:
            return None

    def keep(self, s: Any, text: bytes) -> None:
        """Keep a plain object's struct (for its columns) and its text."""
        self.batch.append(s)
        self.texts.append(text)
        if len(self.batch) >= scan.BATCH:
            self.flush()

    def keep_many(self, structs: list[Any], texts: list[bytes]) -> None:
        """:meth:`keep` of each struct and text, a batch at a time."""
        at = 0
        while at < len(structs):
            room = scan.BATCH - len(self.batch)
            self.batch += structs[at:at + room]
            self.texts += texts[at:at + room]
            at += room
            if len(self.batch) >= scan.BATCH:
                self.flush()

    def flush(self) -> None:
        """Columns of the batch's structs; their lines appended to the text."""
        if not self.batch:
            return
        self.acc.add(self.batch)
        self._coded()
        self._append(self.texts)
        self.batch.clear()
        self.texts.clear()

    def keep_shaped(self, texts: Any, ids: list[str], shapes: list[UserShape],
                    codes: np.ndarray, strings: list[list[str]],
                    students: list[list[str]] | tuple[np.ndarray, Any],
                    no_at: dict[int, np.ndarray] | None = None,
                    agents: tuple[list[Any], list[Any]] | None = None) -> None:
        """Keep users' texts (a pyarrow string array, each text ending in a newline) whose
        columns their shapes give (see :func:`~rostergraph.io.shaped_users.add_shaped`),
        after the batch kept before."""
        self.flush()
        add_shaped(self.acc, ids, shapes, codes, strings, students, no_at, self._take_arrow,
                   agents)
        self._coded()
        self._append_lines(texts)

    def keep_listed(self, structs: list[Any], texts: list[bytes], counts: np.ndarray,
                    codes: np.ndarray, names: Any) -> None:
        """Keep sections' texts with their structs decoded without their students, after
        the batch kept before: each one's students are ``counts[i]`` references given
        as ``codes`` into ``names`` (pyarrow, the same array each call)."""
        self.flush()
        self.acc.add(structs)
        cnt = self.acc.cols["enrolled_in"][0]
        del cnt[len(cnt) - len(structs):]  # (the structs' own counts: none)
        cnt.frombytes(counts.astype(np.int64).tobytes())
        self._coded()
        self.refs.setdefault("enrolled_in", _SeenRefs()).take_coded(codes, names)
        self._append(texts)

    def _take_arrow(self, name: str, refs: Any) -> None:
        self.refs.setdefault(name, _SeenRefs()).take_arrow(refs)

    def _coded(self) -> None:
        """The references the columns took since last time, coded (see _SeenRefs)."""
        for name, col in self.acc.cols.items():
            if name in RELATION_SPECS and isinstance(col, tuple) and col[1]:
                self.refs.setdefault(name, _SeenRefs()).take(col[1])

    def _append(self, texts: list[bytes]) -> None:
        at = len(self.text)
        lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        ends = at + np.cumsum(lens + 1) - 1
        self.starts.frombytes((ends - lens).tobytes())
        self.ends.frombytes(ends.tobytes())
        self.text += b"\n".join(texts)
        self.text += b"\n"

    def _append_lines(self, texts: Any) -> None:
        """:meth:`_append` of a pyarrow string array of texts each ending in a newline:
        its bytes appended as they are (no ``bytes`` object per text)."""
        off, data = text_buffers(texts)
        at = len(self.text) - int(off[0])
        self.starts.frombytes((off[:-1].astype(np.int64) + at).tobytes())
        self.ends.frombytes((off[1:].astype(np.int64) + (at - 1)).tobytes())
        self.text += data[int(off[0]):int(off[-1])].data

    def finish(self, table: dict[str, Any], positions: _Positions
               ) -> tuple[LazyRecords, dict[str, Any]]:
        """The kind's records (in ``table``'s order) and their final columns; references
        are coded to the positions of the records they name (``positions``:
        :class:`~rostergraph.columns.CodedRefs`), as the JSON Lines scan codes them: no
        ``str`` object per reference stays (5.8M enrollments in a 1M-student district)."""
        self.flush()
        cls = RECORD_CLASSES[self.kind]
        data, self.text = self.text, bytearray()
        starts = np.frombuffer(self.starts, dtype=np.int64)
        ends = np.frombuffer(self.ends, dtype=np.int64)
        n_plain = len(starts)
        ids = list(table)
        plain = np.fromiter((v is _PLAIN for v in table.values()), dtype=bool, count=len(ids))
        plain_pos = np.flatnonzero(plain)  # record position of each plain row
        assert len(plain_pos) == n_plain, "plain rows and table disagree"
        ready = {int(i): table[ids[i]] for i in np.flatnonzero(~plain).tolist()}
        # rows the string rules must look at: a byte that may start a character they
        # report, an `ext` map, or a string the decoder did not bound (an unknown key's)
        suspect = np.union1d(
            np.union1d(scan.suspect_rows(data, 0, len(data), starts),
                       np.flatnonzero(scan.lines_with(data, b'"ext"', 0, len(data), starts))),
            scan.long_string_rows(data, starts))
        # the records' text, not copied (a view: nothing resizes or writes it from here)
        text = memoryview(data).toreadonly()
        part = scan.join_parts([{
            "ids": self.acc.ids, "lines": np.arange(1, n_plain + 1, dtype=np.int64),
            "starts": starts, "ends": ends, "newlines": n_plain,
            "slow": (np.zeros(0, np.int64),) * 3, "suspect": suspect,
            "cols": _coded(self.acc.cols, self.refs, positions), "fields": self.acc.fields}])
        self.refs = {}
        self.acc = Columns(self.kind)
        rec_starts = np.full(len(ids), -1, dtype=np.int64)
        rec_ends = np.full(len(ids), -1, dtype=np.int64)
        rec_starts[plain_pos], rec_ends[plain_pos] = starts, ends
        recs = LazyRecords(cls, text, ids, rec_starts, rec_ends, ready)
        coders = {k: positions.coder(k) for k in REFERRED}
        cols = final_columns(self.kind, row_columns(part), plain_pos, ready, len(ids),
                             coders)
        return recs, cols


#: References :class:`_SeenRefs` holds as ``str`` objects before coding them together
#: (a few MB of them at a time).
_CHUNK = 1 << 16
#: :class:`_SeenRefs` makes its ids distinct again once they are this many times those
#: it held after the last time.
_SPREAD = 2


class _SeenRefs:
    """A reference column's ids as a code per reference, its distinct ids kept as UTF-8.

    A decoded struct gives each reference its own ``str`` object; kept until every
    record is in (the ids' positions are known only then), 5.8M enrollments of a
    1M-student district would be 5.8M objects spread among the short-lived ones. Here
    the references are coded a chunk at a time by pyarrow (hashing in C, no dict call
    per reference), and each chunk's distinct ids are kept as bytes: ``codes`` index
    the ids of ``names`` taken together. When they hold twice as many as after the last
    time, the ids of all chunks are made distinct again (and the codes renumbered), so
    they never hold much more than twice the column's distinct ids.

    Examples
    --------
    >>> seen = _SeenRefs()
    >>> seen.take(["a", "x", "a"]); seen.take(["b"])
    >>> c = seen.coded(_Positions({"k": {"a": 0, "b": 1}}), "k")
    >>> c.codes.tolist(), c.missing
    ([0, -1, 0, 1], ['x'])
    """

    __slots__ = ("at", "codes", "kept", "n_names", "names", "pending", "shared")

    def __init__(self) -> None:
        self.pending: list[str] = []  # references not coded yet
        self.codes: list[np.ndarray] = []  # per chunk: each reference's id in `names`
        self.names: list[Any] = []  # per chunk: its distinct ids (pyarrow large_binary)
        self.n_names = 0
        self.kept = 0  # ids in `names` after the last time they were made distinct
        self.at: np.ndarray | None = None  # the positions of `names`, once looked up
        # (take_coded's ids, kept once: the array and each one's code among `names`)
        self.shared: tuple[Any, np.ndarray] | None = None

    def take(self, refs: list[str]) -> None:
        """Code ``refs`` (a chunk at a time) and empty the list."""
        self.pending += refs
        refs.clear()
        if len(self.pending) >= _CHUNK:
            self._code()

    def take_arrow(self, refs: Any) -> None:
        """Code references given as a pyarrow array, after those taken before: a
        dictionary array's codes and ids as they are, any other encoded here."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if not len(refs):
            return
        self._code()  # (the pending ones first: the references keep their order)
        if isinstance(refs, pa.ChunkedArray):
            refs = refs.combine_chunks()
        self._keep(refs if pa.types.is_dictionary(refs.type) else pc.dictionary_encode(refs))

    def take_coded(self, codes: np.ndarray, names: Any) -> None:
        """Take references given as ``codes`` into ``names`` (a pyarrow array as
        :func:`utf8_array` makes), after those taken before. ``names`` is kept once
        however many calls give it (the same object each time)."""
        self._code()
        if self.shared is None or self.shared[0] is not names:
            at = self.n_names
            self.names.append(names)
            self.n_names += len(names)
            self.shared = (names, np.arange(at, at + len(names), dtype=np.int64))
        self.codes.append(self.shared[1][codes])
        if self.n_names >= _SPREAD * self.kept + _CHUNK:
            self._distinct()

    def _code(self) -> None:
        import pyarrow.compute as pc

        refs, self.pending = self.pending, []
        if refs:
            self._keep(pc.dictionary_encode(utf8_array(refs)))

    def _keep(self, enc: Any) -> None:
        """Keep the references of pyarrow dictionary array ``enc``: its codes, after the
        ids held, and its ids (as ``large_binary``, the type :func:`utf8_array` makes)."""
        import pyarrow as pa

        names = enc.dictionary
        if names.type != pa.large_binary():
            names = names.cast(pa.large_binary())
        self.codes.append(numpy_of(enc.indices).astype(np.int64) + self.n_names)
        self.names.append(names)
        self.n_names += len(names)
        if self.n_names >= _SPREAD * self.kept + _CHUNK:
            self._distinct()

    def _distinct(self) -> None:
        """Keep each id once in ``names`` (renumbering the codes)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        enc = pc.dictionary_encode(pa.concat_arrays(self.names))
        renumber = numpy_of(enc.indices).astype(np.int64)
        for i, c in enumerate(self.codes):
            self.codes[i] = renumber[c]
        if self.shared is not None:
            self.shared = (self.shared[0], renumber[self.shared[1]])
        self.names = [enc.dictionary]
        self.n_names = self.kept = len(enc.dictionary)

    def all_names(self) -> Any:
        """Every id coded (a pyarrow array; codes index it), the pending ones coded first."""
        import pyarrow as pa

        self._code()
        if len(self.names) != 1:
            self.names = [pa.concat_arrays(self.names) if self.names else utf8_array([])]
        return self.names[0]

    def coded(self, positions: _Positions, kind: str) -> CodedRefs:
        """The references as positions of ``kind``'s records (-1 and ``missing`` for an
        id it lacks), looked up now unless :func:`_look_up` did."""
        names = self.all_names()
        at = self.at if self.at is not None else positions.of(kind, names)
        codes = np.concatenate(self.codes) if self.codes else np.zeros(0, np.int64)
        self.codes, self.names, self.at = [], [], None
        coded = at[codes]
        absent = np.flatnonzero(coded < 0)
        if not len(absent):
            return CodedRefs(coded, [])
        return CodedRefs(coded, texts_of(names.take(arrow_ints(codes[absent]))))


def utf8_array(items: list[str]) -> Any:
    """``items`` as a pyarrow ``large_binary`` array of their UTF-8 (a lone surrogate
    written as itself, ``surrogatepass``: two different strings never give the same
    bytes). All ASCII, the usual case, is one join and one encode."""
    return arrow_strs(items, binary=True, large=True, errors="surrogatepass")


def line_texts(texts: Any) -> list[bytes]:
    """The texts of a pyarrow string array whose texts each end in a newline, as
    ``bytes`` without it (for :meth:`ColumnarBuilder.add_texts`).

    >>> from rostergraph.io.arrow_np import arrow_texts
    >>> line_texts(arrow_texts([b'{"id":"u1"}\\n', b"x\\n"]))
    [b'{"id":"u1"}', b'x']
    """
    return [t[:-1].encode() for t in texts.to_pylist()]


def texts_of(arr: Any) -> list[str]:
    """The ``str`` objects of a :func:`utf8_array`'s items."""
    return [b.decode("utf-8", "surrogatepass") for b in arr.to_pylist()]


class _Positions:
    """Each referenced kind's ids (the builder's tables, id → anything, in roster order):
    references coded to record positions by pyarrow, without a dict of millions of
    entries (one per kind, ``id → position``, took a second to build at 2M users).

    Examples
    --------
    >>> p = _Positions({"users": {"a": None, "b": None}})
    >>> p.of("users", utf8_array(["b", "zz", "a"])).tolist()
    [1, -1, 0]
    >>> c = p.coder("users")(["a", "q"]); c.tolist()
    [0, -1]
    """

    __slots__ = ("arrays", "tables")

    def __init__(self, tables: dict[str, Any]) -> None:
        self.tables = tables
        self.arrays: dict[str, tuple[Any, np.ndarray | None]] = {}

    def _ids(self, kind: str) -> tuple[Any, np.ndarray | None]:
        """The kind's ``str`` ids as UTF-8 (pyarrow) and their positions (``None``: all
        the ids are ``str``, the position of each is its place)."""
        got = self.arrays.get(kind)
        if got is None:
            keys = list(self.tables[kind])
            strs = [k for k in keys if type(k) is str]
            at = None if len(strs) == len(keys) else np.array(
                [i for i, k in enumerate(keys) if type(k) is str], dtype=np.int64)
            got = self.arrays[kind] = (utf8_array(strs), at)
        return got

    def of(self, kind: str, names: Any) -> np.ndarray:
        """The position of each of ``names`` (UTF-8, pyarrow) among ``kind``'s ids; -1
        for one it lacks."""
        import pyarrow.compute as pc

        ids, at = self._ids(kind)
        if len(names) * 8 < len(ids):
            # few ids (a handful of records' references): those are hashed, and each of
            # the kind's ids looked up among them (hashing millions costs more)
            enc = pc.dictionary_encode(names)
            each = ints_or(pc.index_in(ids, value_set=enc.dictionary), -1)
            hit = np.flatnonzero(each >= 0)
            pos = np.full(len(enc.dictionary), -1, dtype=np.int64)
            pos[each[hit]] = hit
            found = pos[numpy_of(enc.indices)]
        else:
            found = ints_or(pc.index_in(names, value_set=ids), -1)
        if at is not None:
            found = np.where(found >= 0, at[np.maximum(found, 0)], -1)
        return found

    def coder(self, kind: str) -> Any:
        """A function giving the positions of a list of ids (see
        :meth:`~rostergraph.columns.CodedRefs.from_refs`)."""
        return lambda refs: self.of(kind, utf8_array(list(refs)))


def _look_up(seen: list[tuple[str, _SeenRefs]], positions: _Positions) -> None:
    """Look the ids of the reference columns ``seen`` (relation name, ids) up: those of
    all columns referring to one kind together (pyarrow hashes that kind's ids once, a
    fifth of a second for 2M users)."""
    import pyarrow as pa

    by_kind: dict[str, list[_SeenRefs]] = {}
    for name, refs in seen:
        by_kind.setdefault(RELATION_SPECS[name].refers_to, []).append(refs)
    for kind, group in by_kind.items():
        names = [refs.all_names() for refs in group]
        at = positions.of(kind, pa.concat_arrays(names) if len(names) > 1 else names[0])
        lo = 0
        for refs, n in zip(group, names):
            refs.at, lo = at[lo:lo + len(n)], lo + len(n)


def _coded(cols: dict[str, Any], seen: dict[str, _SeenRefs],
           positions: _Positions) -> dict[str, Any]:
    """Reference columns (rows, ids, ...) with their ids coded by ``positions`` (which
    has every referenced kind): the ids each batch gave ``seen``, or, for a column no
    batch gave one, its own (empty) list."""
    _look_up([(name, refs) for name, refs in seen.items() if refs.at is None], positions)
    out = dict(cols)
    for name, col in cols.items():
        if name in RELATION_SPECS and isinstance(col, tuple):
            refs = seen.get(name)
            kind = RELATION_SPECS[name].refers_to
            out[name] = (col[0], refs.coded(positions, kind) if refs is not None
                         else CodedRefs.from_refs(col[1], positions.coder(kind)), *col[2:])
    return out


class ColumnarBuilder(RosterBuilder):
    """A :class:`~rostergraph.roster.RosterBuilder` that keeps plain users and sections
    as JSON text and columns (see the module's text); the roster it builds is the plain
    builder's, with lazy records for those kinds and the columns the graph and the
    rules read.

    :meth:`add` returns the record when it built one, and ``None`` both for an object
    not kept and for one kept as text (the CSV readers do not use the value).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._collect = {k: _Kind(k) for k in COLLECTED}

    def add(self, kind: str, obj: Any, *, file: str | None = None, line: int | None = None,
            index: int | None = None, raw: bytes | str | None = None) -> Any:
        table = self.kinds.get(kind)
        if isinstance(table, LazyRecords):  # built already: the next build takes a dict
            self.kinds[kind] = dict(table.items())
        acc = self._collect.get(kind)
        if acc is not None and raw is None and type(obj) is dict:
            rid = obj.get("id")
            table = self.kinds[kind]
            if type(rid) is str and rid and rid not in table and acc.add(obj):
                table[rid] = _PLAIN
                return None
        return super().add(kind, obj, file=file, line=line, index=index, raw=raw)

    def add_text(self, kind: str, text: bytes, *, file: str | None = None,
                 line: int | None = None) -> Any:
        """:meth:`add` of the object ``text`` is the compact JSON of (as ``orjson``
        writes a JSON-shaped dict: see :mod:`rostergraph.io.parked`), without writing
        it again or reading it back unless it takes the general path.

        Examples
        --------
        >>> b = ColumnarBuilder(source="mem", format="test")
        >>> b.add_text("users", b'{"id":"u1","email":"a@x.org"}', file="users.csv", line=2)
        >>> b.build().users["u1"].email
        'a@x.org'
        """
        acc = self._collect.get(kind)
        s = acc.struct(text) if acc is not None and isinstance(
            self.kinds.get(kind), dict) else None
        return self._keep_or_add(kind, s, text, file=file, line=line)

    def _keep_or_add(self, kind: str, s: Any, text: bytes, *, file: str | None,
                     line: int | None) -> Any:
        """Keep ``text`` with its struct ``s`` (``None``: not plain) when its id is new,
        else :meth:`add` the object it reads as."""
        table = self.kinds.get(kind)
        # (the struct's id is the object's: an empty or repeated one takes the general
        # path, as in :meth:`add`)
        if s is not None and s.id and isinstance(table, dict) and s.id not in table:
            self._collect[kind].keep(s, text)
            table[s.id] = _PLAIN
            return None
        return self.add(kind, orjson.loads(text), file=file, line=line)

    def add_texts(self, kind: str, texts: list[bytes], lines: list[int], *,
                  file: str | None = None) -> None:
        """:meth:`add_text` of each of ``texts`` (of ``lines``), in order, each decoded
        once: for a reader handing many records at once (see
        :mod:`~rostergraph.io.oneroster_usertext` and :mod:`~rostergraph.io.text_runs`).

        Examples
        --------
        >>> b = ColumnarBuilder(source="mem", format="test")
        >>> b.add_texts("users", [b'{"id":"u1"}', b'{"id":"u2","email":5}', b'{"id":"u1"}'],
        ...             [2, 3, 4], file="users.csv")
        >>> r = b.build()
        >>> list(r.users), [(p.code, p.line) for p in r.problems]
        (['u1', 'u2'], [('bad_field', 3), ('duplicate_id', 4)])
        """
        acc = self._collect.get(kind)
        table = self.kinds.get(kind)
        if acc is None or not isinstance(table, dict):
            for text, line in zip(texts, lines):
                self.add_text(kind, text, file=file, line=line)
            return
        structs = list(map(acc.struct, texts))
        ids = [s.id if s is not None else None for s in structs]
        if _all_new(table, ids):
            acc.keep_many(structs, texts)  # (the usual case: no check per record)
            table.update(dict.fromkeys(ids, _PLAIN))  # type: ignore[arg-type]
            return
        # (one takes the general path: one by one, each text decoded once)
        for s, text, line in zip(structs, texts, lines):
            self._keep_or_add(kind, s, text, file=file, line=line)

    def add_listed(self, kind: str, texts: list[bytes], lines: list[int], counts: np.ndarray,
                   codes: np.ndarray, names: Any, *, file: str | None = None) -> None:
        """:meth:`add_texts` of sections whose ``students`` lists are also given as
        references: text ``i``'s are the next ``counts[i]`` of ``codes``, each an index
        into ``names`` (a pyarrow array as :func:`utf8_array` makes). Each text is decoded
        without its list (its ids neither made ``str`` nor coded again); when one takes
        the general path, all are added as texts (see
        :mod:`~rostergraph.io.listed_sections`).

        Examples
        --------
        >>> import numpy as np
        >>> b = ColumnarBuilder(source="mem", format="test")
        >>> b.add_listed("sections", [b'{"id":"c1","students":["u2","u1"]}'], [2],
        ...              np.array([2]), np.array([1, 0]), utf8_array(["u1", "u2"]))
        >>> b.build().sections["c1"].students
        ('u2', 'u1')
        """
        acc = self._collect.get(kind)
        table = self.kinds.get(kind)
        if kind == "sections" and acc is not None and isinstance(table, dict):
            structs = list(map(acc.struct_unlisted, texts))
            ids = [s.id if s is not None else None for s in structs]
            if _all_new(table, ids):
                acc.keep_listed(structs, texts, counts, codes, names)
                table.update(dict.fromkeys(ids, _PLAIN))  # type: ignore[arg-type]
                return
        self.add_texts(kind, texts, lines, file=file)

    def struct_of(self, kind: str, text: bytes) -> Any:
        """The typed struct a collected kind's JSON ``text`` decodes to (``None``: not
        plain, or no collected kind)."""
        acc = self._collect.get(kind)
        return acc.struct(text) if acc is not None else None

    def add_shaped(self, texts: Any, ids: list[str], lines: list[int],
                   shapes: list[UserShape], codes: np.ndarray, strings: list[list[str]],
                   students: list[list[str]] | tuple[np.ndarray, Any], *,
                   file: str | None = None,
                   no_at: dict[int, np.ndarray] | None = None,
                   agents: tuple[list[Any], list[Any]] | None = None) -> None:
        """:meth:`add_texts` of users whose texts (a pyarrow string array, each text
        ending in a newline) are plain and whose columns their shapes give
        (:func:`~rostergraph.io.shaped_users.add_shaped`): no text is decoded. An id given
        before, or twice, sends them all through :meth:`add_texts`."""
        acc = self._collect.get("users")
        table = self.kinds.get("users")
        if acc is None or not isinstance(table, dict) or not _all_new(table, ids):
            self.add_texts("users", line_texts(texts), lines, file=file)
            return
        acc.keep_shaped(texts, ids, shapes, codes, strings, students, no_at, agents)
        table.update(dict.fromkeys(ids, _PLAIN))

    def build(self) -> Roster:
        # (what the reader's end let go, pyarrow's cells the templates filled included:
        # the columns' finish stands on it)
        release_arrow_memory()
        release_heap()
        finals: dict[str, dict[str, Any]] = {}
        kept = [(kind, acc) for kind, acc in self._collect.items()
                if isinstance(self.kinds[kind], dict) and (len(acc.starts) or acc.batch)]
        # each referenced kind's ids in roster order (its table's order: every record is
        # in by now), made once for both collected kinds
        positions = _Positions({k: self.kinds[k] for k in REFERRED})
        for _, acc in kept:
            acc.flush()
        # (both kinds' references to users in one look-up)
        _look_up([seen for _, acc in kept for seen in acc.refs.items()], positions)
        for kind, acc in kept:
            self.kinds[kind], finals[kind] = acc.finish(  # type: ignore[assignment]
                self.kinds[kind], positions)
        del positions
        self._collect = {}
        roster = super().build()
        for kind, cols in finals.items():
            fields = cols.pop("fields", None)
            roster._columns.put(kind, roster.records(kind), graph=cols or None, fields=fields,
                                refers_to=roster.records_by_kind())
        return roster
