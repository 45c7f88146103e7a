"""One slice of a Clever JSON Lines file, scanned for the fast reader.

Every line is decoded with msgspec into a typed struct that mirrors the
record schema (:func:`struct_for`): parsing and the type check of every
field happen in one C pass and no record is built. A line that fails (bad
JSON, a wrongly typed value, an unknown key, an empty id, over a limit) is
handed back as *slow*, for the general reader. The decoded structs of plain
lines are turned into columns in batches by
:class:`rostergraph.columns.Columns` (which takes records the same way for
every other reader), mostly with C-level ``map`` calls:

- the record ids, line numbers and byte ranges;
- the graph columns;
- ``fields``: the few per-record values the rules need (emails, grades,
  section names) and ``suspect``, a superset of the records whose strings
  the string rules must look at (a line with a string over
  :data:`MAX_STRING` characters fails the bounded decoder and is then decoded
  without the bound and marked suspect;
  a line with an ``ext`` map or a byte :func:`suspect_rows` finds is suspect).

Everything a scan needs comes in through its arguments (the file's bytes, the
indexes of kinds read before): the module holds no state, so loads in several
threads never see each other's data.

Examples
--------
>>> from rostergraph.io import scan
>>> data = b'{"id": "t1", "name": "Fall"}\\n{"id": 5}\\n'
>>> out = scan.scan(data, "terms", 0, len(data), 0, (1 << 20, 64, 1 << 20))
>>> out["ids"], out["slow"][0].tolist()
(['t1'], [2])
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator, Mapping
from functools import cache
from itertools import chain
from operator import attrgetter
from typing import Annotated, Any

import msgspec
import numpy as np

from ..columns import COUNTED, RELATION_SPECS, CodedRefs, Columns
from ..model import RECORD_CLASSES, _spec
from .jsonkeys import wide_integers

__all__ = ["join_parts", "lines_with", "long_string_rows", "scan", "slow_lines",
           "struct_for", "suspect_rows"]

_ID = attrgetter("id")

#: Lines decoded between two column extractions (bounds the structs kept alive).
BATCH = 512

# --- typed decoders (the schema check in C) ----------------------------------------

@cache  # (a pure function of its arguments: the same struct type for every load)
def struct_for(cls: type, bounded: bool = True, unknown_keys: bool = False,
               without: tuple[str, ...] = ()) -> Any:
    """A ``msgspec.Struct`` type mirroring record class ``cls``'s JSON schema.

    An unknown key, a wrongly typed value or a non-object fails to decode;
    such a line goes through the general reader, which keeps those values in
    ``extra`` and reports them. ``null`` is allowed wherever a record allows
    an absent value. With ``unknown_keys``, keys that are no field (at any
    depth) are skipped instead: for text whose unknown keys are no problem
    (a CSV reader's ``extra``), the record built from it keeps them. A field of
    ``without`` (top-level) is read from another key (:func:`unread_key`): with
    ``unknown_keys``, its own key's value is skipped unread and the struct holds
    ``None``.

    Examples
    --------
    >>> import msgspec
    >>> from rostergraph.model import Term
    >>> msgspec.json.decode(b'{"id": "t", "name": null}', type=struct_for(Term)).id
    't'
    """
    # with ``bounded``, a string over MAX_STRING characters fails too (see :func:`scan`)
    _Str = Annotated[str, msgspec.Meta(max_length=MAX_STRING)] if bounded else str
    fields: list[Any] = []
    for name, kind, sub in _spec(cls):
        if name == "id" and cls in RECORD_CLASSES.values():
            fields.append((name, _Str))
            continue
        if kind == "str":
            t: Any = _Str | None
        elif kind == "strs":
            t = list[_Str] | None  # type: ignore[valid-type]  # (_Str is made at run time)
        elif kind == "obj":
            t = struct_for(sub, bounded, unknown_keys) | None  # type: ignore[arg-type]
        elif kind == "objs":
            t = list[struct_for(sub, bounded, unknown_keys)] | None  # type: ignore[arg-type,misc]
        else:  # "map": any JSON object
            t = dict | None
        fields.append((name, t, None))
    return msgspec.defstruct(
        f"_Typed{cls.__name__}{'' if bounded else 'Any'}{'Open' if unknown_keys else ''}"
        f"{''.join('No' + w.title() for w in without)}",
        fields, forbid_unknown_fields=not unknown_keys, gc=False, omit_defaults=True,
        rename={w: unread_key(w) for w in without} or None)


def unread_key(name: str) -> str:
    """The JSON key a :func:`struct_for` field of ``without`` is read from (a text
    holding it is not one to decode so)."""
    return "rostergraph unread " + name


def _has_map(cls: type) -> bool:
    """Whether records of ``cls`` hold a map field (any JSON object, e.g. ``ext``) at any
    depth: a school's own, or a user role's.

    Examples
    --------
    >>> from rostergraph.model import School, Term, User
    >>> _has_map(School), _has_map(User), _has_map(Term)
    (True, True, False)
    """
    return any(k == "map" or (sub is not None and _has_map(sub)) for _, k, sub in _spec(cls))


# --- text that the string rules must look at --------------------------------------

#: RG-STR-001's bound: the bounded decoder refuses longer strings; such a line is
#: decoded again without the bound and its record marked for the string rules.
MAX_STRING = 255
#: Bytes that may start a character RG-STR-002 looks for: ``\\`` (any escape, so
#: every control character and lone surrogate), DEL, 0xC2 (C1 controls) and 0xEF
#: (U+FDD0–FDEF, U+FFFD–FFFF). All are rare in roster text: found with ``bytes.find``.
_SUSPECT_BYTES = (b"\\", b"\x7f", b"\xc2", b"\xef")
#: Past this many hits of one byte, a vectorized pass is cheaper than ``find`` calls.
_FIND_LIMIT = 20_000


def _find_all(data: bytes | bytearray, needle: bytes, lo: int, hi: int,
              limit: int) -> np.ndarray:
    """Every position of ``needle`` in ``data[lo:hi]``, ascending: ``bytes.find`` for the
    first ``limit`` (the usual case: few or none), then one vectorized pass over the rest
    (the positions of its first byte, kept where the following bytes match too)."""
    hits: list[int] = []
    at = data.find(needle, lo, hi)
    while at >= 0 and len(hits) < limit:
        hits.append(at)
        at = data.find(needle, at + 1, hi)
    pos = np.asarray(hits, dtype=np.int64)
    if at >= 0:  # many: the rest in one vectorized pass
        a = np.frombuffer(data, dtype=np.uint8, count=hi - at, offset=at)
        cand = np.flatnonzero(a == needle[0])
        for j, byte in enumerate(needle[1:], 1):
            cand = cand[cand + j < len(a)]
            cand = cand[a[cand + j] == byte]
        pos = np.concatenate([pos, cand + at])
    return pos


def suspect_rows(data: bytes | bytearray, start: int, end: int,
                 row_starts: Any) -> np.ndarray:
    """Rows whose text holds a byte that may start a character RG-STR-002 reports.

    ``row_starts`` are the byte offsets of the rows (ascending) in
    ``data[start:end]``; the answer is sorted and unique. Strings too long for
    RG-STR-001 and ``ext`` maps are caught by :func:`scan` itself.

    Examples
    --------
    >>> text = b'{"id":"a"}\\n{"id":"b\\\\u0007"}\\n'
    >>> suspect_rows(text, 0, len(text), [0, 11]).tolist()
    [1]
    """
    rs = np.frombuffer(row_starts, dtype=np.int64) if isinstance(row_starts, array) else \
        np.asarray(row_starts, dtype=np.int64)
    if not len(rs) or end <= start:
        return np.zeros(0, np.int64)
    pos = np.concatenate([_find_all(data, b, start, end, _FIND_LIMIT) for b in _SUSPECT_BYTES])
    rows = np.searchsorted(rs, pos, side="right") - 1
    rows = np.unique(rows)
    return rows[rows >= 0]


def long_string_rows(data: bytes | bytearray, row_starts: np.ndarray) -> np.ndarray:
    """Rows (starting at byte offsets ``row_starts``, ascending, in ``data``) that may hold
    a string longer than :data:`MAX_STRING` characters: a run of more bytes than that
    between two quote characters (a string with an escape is a suspect row already, see
    :func:`suspect_rows`). For text whose unknown keys the decoder skipped unchecked.

    Examples
    --------
    >>> text = b'{"id":"a"}\\n{"id":"b","x":"' + b"y" * 300 + b'"}\\n'
    >>> long_string_rows(text, np.array([0, 11])).tolist()
    [1]
    """
    # a run of MAX_STRING + 1 bytes or more without a quote holds a whole block of
    # _QUOTELESS aligned bytes: only the few blocks holding no quote are looked at (the
    # positions of every quote, one in six bytes of JSON text, were 1 GB at 1M students)
    n_blocks = len(data) // _QUOTELESS
    empty: list[np.ndarray] = []
    step = (1 << 24) // _QUOTELESS  # blocks per step
    for b0 in range(0, n_blocks, step):
        count = min(step, n_blocks - b0)
        a = np.frombuffer(data, dtype=np.uint8, count=count * _QUOTELESS,
                          offset=b0 * _QUOTELESS).reshape(count, _QUOTELESS)
        found = np.flatnonzero(~(a == 0x22).any(axis=1))
        if len(found):
            empty.append(found + b0)
    if not empty:
        return np.zeros(0, np.int64)
    blocks = np.concatenate(empty)
    cut = np.flatnonzero(np.diff(blocks) != 1)  # runs of consecutive empty blocks
    firsts = np.concatenate([blocks[:1], blocks[cut + 1]]).tolist()
    lasts = np.concatenate([blocks[cut], blocks[-1:]]).tolist()
    before: list[int] = []  # the quote opening each long run
    for first, last in zip(firsts, lasts):
        q0 = data.rfind(b'"', 0, first * _QUOTELESS)
        q1 = data.find(b'"', (last + 1) * _QUOTELESS)
        if q0 >= 0 and q1 >= 0 and q1 - q0 > MAX_STRING + 1:
            before.append(q0)
    if not before:
        return np.zeros(0, np.int64)
    rows = np.unique(np.searchsorted(row_starts, np.asarray(before, dtype=np.int64),
                                     side="right") - 1)
    return rows[rows >= 0]


#: Bytes per block :func:`long_string_rows` looks for quotes in (a run of more than
#: :data:`MAX_STRING` bytes holds a whole block of half that, aligned).
_QUOTELESS = (MAX_STRING + 1) // 2


class _Coder:
    """Turns id references into record positions a batch at a time (see :class:`CodedRefs`)."""

    __slots__ = ("codes", "index", "missing")

    def __init__(self, index: dict[str, int]) -> None:
        self.index = index
        self.codes: list[np.ndarray] = []
        self.missing: list[str] = []

    def take(self, refs: list[str]) -> None:
        """Code ``refs`` and empty the list."""
        if refs:
            coded = CodedRefs.from_refs(refs, self.index)
            self.codes.append(coded.codes)
            self.missing.extend(coded.missing)
            refs.clear()

    def result(self) -> CodedRefs:
        codes = np.concatenate(self.codes) if self.codes else np.zeros(0, np.int64)
        return CodedRefs(codes, self.missing)


#: Bytes split into lines at a time: the slice is never copied whole.
CHUNK = 8 * 1024 * 1024


def _chunks(data: bytes, start: int, end: int) -> Iterator[tuple[int, list[bytes]]]:
    """The lines of ``data[start:end]`` (as ``bytes.split`` gives them), in lists of
    about :data:`CHUNK` bytes each, with the byte position of each list's first line."""
    while True:
        cut = -1
        if start + CHUNK < end:
            cut = data.rfind(b"\n", start, start + CHUNK)
            if cut < 0:  # a line longer than a chunk
                cut = data.find(b"\n", start + CHUNK, end)
        if cut < 0:
            yield start, data[start:end].split(b"\n")
            return
        yield start, data[start:cut].split(b"\n")
        start = cut + 1


#: Past this many hits of a needle in a chunk, :func:`lines_with` goes vectorized.
_NEEDLE_FINDS = 2_000


def lines_with(data: bytes | bytearray, needle: bytes, lo: int, hi: int,
               offs: np.ndarray) -> np.ndarray:
    """Which lines (starting at byte positions ``offs``, ascending, in ``data[lo:hi]``)
    hold ``needle`` (a string without a newline).

    Examples
    --------
    >>> text = b'{"id":"a"}\\n{"id":"b","ext":{}}\\n'
    >>> lines_with(text, b'"ext"', 0, len(text), np.array([0, 11])).tolist()
    [False, True]
    """
    found = np.zeros(len(offs), dtype=bool)
    if len(needle) >= 4 and hi - lo >= _WORDS_FROM:
        pos = _find_words(data, needle, lo, hi)
    else:
        pos = _find_all(data, needle, lo, hi, _NEEDLE_FINDS)
    found[np.searchsorted(offs, pos, side="right") - 1] = True
    return found


#: Bytes from which :func:`lines_with` compares 4-byte words rather than calling
#: ``find``: a long needle's ``find`` goes about a byte a nanosecond through JSON text
#: (its first byte, a quote, is everywhere), the words four times as fast.
_WORDS_FROM = 1 << 20


def _find_words(data: bytes | bytearray, needle: bytes, lo: int, hi: int) -> np.ndarray:
    """Every position of ``needle`` (4 bytes or more) in ``data[lo:hi]``, ascending: its
    first 4 bytes compared with the 4-byte words starting at each of the 4 alignments,
    in steps (the rest of it compared at the few hits).

    Examples
    --------
    >>> _find_words(b'"ext""ext"x"ext"', b'"ext"', 0, 16).tolist()
    [0, 5, 11]
    """
    n = len(needle)
    key = np.frombuffer(needle[:4], dtype=np.uint32)[0]
    a = np.frombuffer(data, dtype=np.uint8)
    tail = np.frombuffer(needle[4:], dtype=np.uint8)
    out: list[np.ndarray] = []
    last = hi - n + 1  # (the first position past the last one a needle may start at)
    step = 1 << 24
    for s0 in range(lo, last, step):
        e0 = min(s0 + step, last)
        for start in range(s0, min(s0 + 4, e0)):
            words = np.frombuffer(data, dtype=np.uint32, count=(e0 - start + 3) // 4,
                                  offset=start)
            hits = np.flatnonzero(words == key) * 4 + start
            for j, byte in enumerate(tail.tolist(), 4):
                hits = hits[a[hits + j] == byte]
            out.append(hits)
    return np.sort(np.concatenate(out)) if out else np.zeros(0, np.int64)


def _decode_all(decode: Any, lines: list[bytes], bad: tuple[type[Exception], ...]
                ) -> tuple[list[Any], list[int]]:
    """Each line decoded (``None`` where ``decode`` fails) and the positions that failed:
    one C-level ``map`` over the lines, taken up again after each failure."""
    out: list[Any] = []
    failed: list[int] = []
    rest = iter(lines)  # (a failing line is consumed by the map that raised)
    while True:
        try:
            out.extend(map(decode, rest))
            return out, failed
        except bad:  # (the lines decoded before the failure are kept by extend)
            failed.append(len(out))
            out.append(None)


def _repeats(encode: Any, objs: list[Any], chunk: list[bytes], at: np.ndarray,
             lens: np.ndarray, always: np.ndarray) -> np.ndarray | None:
    """Which of the decoded lines ``chunk[at]`` give a key twice in one object (``None``:
    none). Only a line longer than its struct written back (``encode``: compact, absent
    fields left out) may, or one marked in ``always`` (an ``ext`` map, whose numbers may
    be written back longer); its text compacted (whitespace) is then compared, and last
    :func:`~rostergraph.io.jsonkeys.has_duplicate_keys` looks (explicit ``null`` s, escapes)."""
    from .jsonkeys import has_duplicate_keys

    twice = np.zeros(len(objs), dtype=bool)
    sizes = lens[at].tolist()
    for j, (o, sure) in enumerate(zip(objs, always.tolist())):
        n = len(encode(o))
        if n == sizes[j] and not sure:
            continue
        text = chunk[int(at[j])]
        if not sure:
            if n == sizes[j] - (_nulls_left_out(text) or -1):  # (explicit nulls)
                continue
            compact = msgspec.json.format(text, indent=-1)  # (whitespace, then nulls)
            if n == len(compact) or n == len(compact) - (_nulls_left_out(compact) or -1):
                continue
        twice[j] = has_duplicate_keys(text)
    return twice if twice.any() else None


def _nulls_left_out(text: bytes) -> int | None:
    """The bytes of a compact line's explicit ``"key":null`` members, each with the comma
    that goes with it: what writing its struct back leaves out. ``None`` when unsure (a
    backslash, whitespace, an object of nulls only, which stays as ``{}``).

    Examples
    --------
    >>> _nulls_left_out(b'{"id":"a","email":null,"name":{"middle":null,"last":"L"}}')
    27
    >>> _nulls_left_out(b'{"id":"a","name":{"middle":null}}') is None
    True
    """
    if b"\\" in text:
        return None
    total = 0
    at = text.find(b":null")
    opened = False  # (a run of null members that opened its object)
    prev_end = -1
    while at >= 0:
        end = at + 5
        start = text.rfind(b'"', 0, at - 1)
        after = text[end:end + 1]
        if text[at - 1:at] != b'"' or start < 1 or after not in (b",", b"}"):
            return None
        if text.find(text[start:at + 1], end) >= 0 and _key_again(text, text[start:at], end):
            return None  # a repeat whose first value is this null: left out the same way
        before = text[start - 1:start]
        opened = before == b"{" or (opened and start - 1 == prev_end)
        if opened and after == b"}":
            return None
        total += end - start + 1
        prev_end = end
        at = text.find(b":null", end)
    return total


_STRING = re.compile(rb'"[^"]*"')  # (a string of text without a backslash)
_NOT_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))


def _key_again(text: bytes, key: bytes, at: int) -> bool:
    """Whether ``key`` (with its quotes) is a key of the object that holds position ``at``
    (outside any string) of compact JSON ``text`` without a backslash, after ``at``.

    Examples
    --------
    >>> _key_again(b'{"a":null,"b":{"a":1},"a":2}', b'"a"', 9)
    True
    >>> _key_again(b'{"a":null,"b":{"a":1,"c":"}{"}}', b'"a"', 9)
    False
    """
    depth = 0
    needle = key + b":"
    while True:
        q = text.find(needle, at)
        if q < 0:
            return False
        # the brackets between, strings left out (no string holds a quote here)
        for c in _STRING.sub(b"", text[at:q]).translate(None, _NOT_BRACKET):
            depth += 1 if c in b"{[" else -1
            if depth < 0:  # the object closed before
                return False
        if depth == 0:
            return True
        at = q + len(key)


def scan(data: bytes, kind: str, start: int, end: int, line0: int,
         limits: tuple[int, int, int],
         codes: Mapping[str, dict[str, int]] | None = None) -> dict[str, Any]:
    """Scan ``data[start:end]`` (whole lines of a ``kind`` file): plain rows and their
    columns, and the slow lines for the general reader (``slow``: their line numbers,
    start and end byte positions, as arrays: :func:`slow_lines` gives their text).

    ``limits`` is ``(max line bytes, max JSON depth, max field bytes)``. ``codes``
    maps a kind already read to its id → position index; references to that kind
    are then returned as positions (:class:`~rostergraph.columns.CodedRefs`).

    Each chunk of lines is sorted with array operations (lengths, first bytes, the
    lines holding an ``ext`` map); the lines left are decoded by one ``map`` a batch at a
    time, and only the lines that fail are looked at one by one.
    """
    cap, depth, field = limits
    longest = min(cap, field)
    shallow_cap = depth < 8
    cls: type = RECORD_CLASSES[kind]
    has_map = _has_map(cls)  # (a school's ``ext``; a user role's, one level down)
    decode = msgspec.json.Decoder(struct_for(cls)).decode
    decode_any = msgspec.json.Decoder(struct_for(cls, False)).decode
    encode = msgspec.json.Encoder().encode
    # (ValidationError is a DecodeError; msgspec raises RecursionError past its own depth)
    bad_line = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)
    buf = np.frombuffer(data, dtype=np.uint8)
    # per chunk: the plain rows' line numbers, starts and ends, the rows whose string
    # lengths the bounded decoder did not check, and the slow lines (by position, never
    # as copies of their text: a file of millions of broken lines costs 24 bytes a line)
    lines: list[np.ndarray] = []
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    unchecked_rows: list[np.ndarray] = []
    slow_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    acc = Columns(kind)
    # references to kinds read before are coded chunk by chunk: a list of millions of
    # id strings (the enrollments) is never held whole
    coders = {name: _Coder(index) for name in acc.cols
              if name in RELATION_SPECS
              and (index := (codes or {}).get(RELATION_SPECS[name].refers_to)) is not None}
    n_lines = n_rows = 0
    for off, chunk in _chunks(data, start, end):
        k = len(chunk)
        lens = np.fromiter(map(len, chunk), dtype=np.int64, count=k)
        offs = off + np.cumsum(lens + 1) - (lens + 1)  # each line's first byte
        obj = lens > 0
        obj[obj] = buf[offs[obj]] == 0x7B  # a line that starts with "{"
        slow = ~obj
        for i in np.flatnonzero(slow).tolist():  # (rare) blank lines are no rows at all
            slow[i] = bool(chunk[i].strip())
        slow |= obj & (lens > longest)
        if has_map:  # (a key may be spelled with escapes, "\\u0065xt": the same map)
            ext = lines_with(data, b'"ext"', off, off + int(lens.sum()) + k - 1, offs)
            ext |= lines_with(data, b"\\", off, off + int(lens.sum()) + k - 1, offs)
        else:  # no map field (terms): an "ext" key fails the schema, as any unknown key
            ext = np.zeros(k, dtype=bool)  # does, and an "ext" string value is plain text
        unchecked = ext.copy()
        # a record that passes the schema check nests at most 5 deep, except inside an
        # `ext` map, so the bracket count is needed only then (or under a low limit)
        deep = obj & ~slow & (unchecked | shallow_cap)
        for i in np.flatnonzero(deep).tolist():
            line = chunk[i]
            slow[i] = line.count(b"[") + line.count(b"{") > depth
        # an integer too wide for 64 bits can only be in a map (any other number fails the
        # schema): orjson, which builds the records, would read it as a float, so the
        # general reader takes the line and tells it
        for i in np.flatnonzero(ext & obj & ~slow).tolist():
            slow[i] = wide_integers(chunk[i]) is not None
        todo = np.flatnonzero(obj & ~slow)
        plain = np.zeros(k, dtype=bool)
        # (usually every line but the empty one after the last newline: slices, no list)
        runs = len(todo) and int(todo[-1]) - int(todo[0]) + 1 == len(todo)
        for b0 in range(0, len(todo), BATCH):
            at = todo[b0:b0 + BATCH]
            texts = chunk[int(at[0]): int(at[-1]) + 1] if runs else [chunk[i] for i in
                                                                    at.tolist()]
            objs, failed = _decode_all(decode, texts, bad_line)
            for j in failed:
                try:  # a string over MAX_STRING only: plain, and suspect
                    objs[j] = decode_any(texts[j])
                    unchecked[at[j]] = True
                except bad_line:
                    pass
            if failed or not all(map(_ID, objs)):  # (rare) a failed line, an empty id
                ok = [o is not None and bool(o.id) for o in objs]
                objs = [o for o, good in zip(objs, ok) if good]
                at = at[np.asarray(ok, dtype=bool)]
                slow[todo[b0:b0 + BATCH]] = True
                slow[at] = False
            # a key given twice in one object is written back shorter than it was read:
            # the batch's lines, written back, are as long as read (the usual case) or the
            # longer lines are looked at one by one (a line with a repeat is slow)
            # (numbers in an ``ext`` map may be written back longer: such lines are
            # looked at whatever their length)
            if objs and (len(encode(objs)) != int(lens[at].sum()) + len(at) + 1
                         or ext[at].any()):
                twice = _repeats(encode, objs, chunk, at, lens, ext[at])
                if twice is not None:
                    objs = [o for o, t in zip(objs, twice) if not t]
                    slow[at[twice]] = True
                    at = at[~twice]
            plain[at] = True
            if objs:
                acc.add(objs)
        for name, coder in coders.items():
            coder.take(acc.cols[name][1])
        rows = np.flatnonzero(plain)
        lines.append(rows + (line0 + n_lines + 1))
        starts.append(offs[rows])
        ends.append(offs[rows] + lens[rows])
        unchecked_rows.append(n_rows + np.flatnonzero(unchecked[rows]))
        bad = np.flatnonzero(slow)
        slow_parts.append((bad + (line0 + n_lines + 1), offs[bad], offs[bad] + lens[bad]))
        n_lines += k
        n_rows += len(rows)
    for name, coder in coders.items():
        col = acc.cols[name]
        coder.take(col[1])
        acc.cols[name] = (col[0], coder.result(), *col[2:])
    slow_out = tuple(np.concatenate([p[j] for p in slow_parts]) if slow_parts
                     else np.zeros(0, np.int64) for j in range(3))
    row_starts = np.concatenate(starts) if starts else np.zeros(0, np.int64)
    return {"ids": acc.ids,
            "lines": np.concatenate(lines) if lines else np.zeros(0, np.int64),
            "starts": row_starts,
            "ends": np.concatenate(ends) if ends else np.zeros(0, np.int64),
            "slow": slow_out, "newlines": n_lines - 1,
            "cols": acc.cols, "fields": acc.fields,
            "suspect": np.union1d(suspect_rows(data, start, end, row_starts),
                                  np.concatenate(unchecked_rows) if unchecked_rows
                                  else np.zeros(0, np.int64))}


def slow_lines(data: bytes, slow: tuple[np.ndarray, np.ndarray, np.ndarray]
               ) -> Iterator[tuple[int, bytes]]:
    """``(line number, text)`` of each slow line a :func:`scan` of ``data`` found.

    Examples
    --------
    >>> data = b'{"id": "a"}\\n{"id": 5}\\n'
    >>> list(slow_lines(data, scan(data, "terms", 0, len(data), 0, (1 << 20, 64, 1 << 20))["slow"]))
    [(2, b'{"id": 5}')]
    """
    for n, s, e in zip(*(a.tolist() for a in slow)):
        yield n, data[s:e]


# --- joining slices -------------------------------------------------------------------


def _joined_values(vals: list[Any]) -> Any:
    """One column's values from several slices: lists chained, coded references
    concatenated."""
    if len(vals) == 1:
        return vals[0]
    if all(isinstance(v, CodedRefs) for v in vals):
        return CodedRefs.concat(vals)
    return list(chain.from_iterable(vals))


def _int64(parts: list[Any], add: list[int] | None = None) -> np.ndarray:
    """Integer arrays of the slices as one ``int64`` array (``add[k]`` added to slice k's)."""
    arrs = [np.frombuffer(x, dtype=np.int64) if len(x) else np.zeros(0, np.int64)
            for x in parts]
    if add is not None:
        arrs = [a + k for a, k in zip(arrs, add)]
    return np.concatenate(arrs) if arrs else np.zeros(0, np.int64)



def join_parts(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The results of consecutive slices of one file as one result.

    Line numbers become file-wide (each slice counts its own), row numbers count
    from the first slice's first row and integer columns become numpy arrays.

    Examples
    --------
    >>> data = b'{"id": "a"}\\n{"id": 5}\\n{"id": "b"}\\n'
    >>> lim = (1 << 20, 64, 1 << 20)
    >>> one = join_parts([scan(data, "terms", 0, 12, 0, lim), scan(data, "terms", 12, 34, 0, lim)])
    >>> one["ids"], one["lines"].tolist(), one["slow"][0].tolist()
    (['a', 'b'], [1, 3], [2])
    """
    line_at, row_at, n_lines, n_rows = [], [], 0, 0
    for p in parts:
        line_at.append(n_lines)
        row_at.append(n_rows)
        n_lines += p["newlines"]
        n_rows += len(p["ids"])
    out: dict[str, Any] = {
        "ids": _joined_values([p["ids"] for p in parts]),
        "lines": _int64([p["lines"] for p in parts], line_at),
        "starts": _int64([p["starts"] for p in parts]),
        "ends": _int64([p["ends"] for p in parts]),
        "slow": tuple(np.concatenate([p["slow"][j] + (k if j == 0 else 0)
                                      for p, k in zip(parts, line_at)])
                      if parts else np.zeros(0, np.int64) for j in range(3)),
        "newlines": n_lines,
        "suspect": np.concatenate([np.asarray(p["suspect"], dtype=np.int64) + k
                                   for p, k in zip(parts, row_at)]) if parts
        else np.zeros(0, np.int64),
    }
    fields: dict[str, Any] = {}
    for name, first in (parts[0]["fields"].items() if parts else ()):
        vals = [p["fields"][name] for p in parts]
        if isinstance(first, array):
            fields[name] = np.frombuffer(b"".join(bytes(v) for v in vals),
                                         dtype=np.int64 if first.typecode == "q" else np.uint8)
            if first.typecode == "B":
                fields[name] = fields[name].astype(bool)
        else:
            fields[name] = _joined_values(vals)
    out["fields"] = fields
    cols: dict[str, Any] = {}
    for name, first in (parts[0]["cols"].items() if parts else ()):
        if name == "roles":
            cols[name] = np.frombuffer(b"".join(bytes(p["cols"][name]) for p in parts),
                                       dtype=np.uint8)
            continue
        rows = _int64([p["cols"][name][0] for p in parts],
                      None if name in COUNTED else row_at)
        cols[name] = (rows, *(_joined_values([p["cols"][name][j] for p in parts])
                              for j in range(1, len(first))))
    out["cols"] = cols
    return out
