"""String rules: RG-STR-001 (longer than 255 characters), RG-STR-002 (control
characters or invalid text).

Both rules share one pass over every string of every record (ids, fields,
lists of ids, nested objects, ``ext`` and ``extra`` values), computed once per
graph. The pass is column-wise: for each field, all values are joined and
checked with one regular-expression search over the values joined by NULs
(a C loop that finds bad characters and runs of more than 255 characters);
only the values at the hits are then looked at one by one.

Records a fast reader's byte scan cleared (``text_suspect`` false in its field
columns, see :func:`rostergraph.rules._util.field_column`) are not built or
looked at: only the suspects are. A suspect not built yet is not built now
either: its JSON text is decoded, straight from the source buffer, into a struct
whose strings (and objects of strings only, such as ``name``) are decoded as
they come, while deeper objects stay raw JSON (``msgspec.Raw``) and are decoded
(and walked, the same walk as for built records) only where their text may
hold a string either rule reports.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache as _memo
from itertools import chain, compress, repeat
from operator import attrgetter, is_not
from typing import Any

import msgspec
import numpy as np

from ..columns import object_array, run_starts
from ..graph import RosterGraph
from ..lazy import LazyRecords
from ..model import EMPTY, KINDS, RECORD_CLASSES, _spec
from ..roster import Roster
from ._util import cache, field_column, reader_column, records_at
from .findings import FindingBlock, join_strings, thousands
from .registry import RULES, rule

#: "if you must specify a field length, we recommend 255 chars as a safe limit"
MAX_LENGTH = 255
#: C0/C1 control characters (tab, newline and carriage return included), lone
#: surrogates, U+FFFD (the mark of undecodable bytes) and noncharacters.
#: the noncharacters past the first plane: the last two code points of each plane
_PLANE_ENDS = "".join(chr(p << 16 | 0xFFFE) + chr(p << 16 | 0xFFFF) for p in range(1, 17))
BAD_CHARS = re.compile(
    f"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffd\ufffe\uffff{_PLANE_ENDS}]")
# A column's values are joined with NUL separators (and a leading NUL), then
# checked in C: printable ASCII is deleted with bytes.translate (only the
# separators may remain) or, for non-ASCII text, searched with BAD_CHARS; a
# NUL followed by more than MAX_LENGTH non-NULs is a long value.
_SEP = "\x00"
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
_LONG = re.compile(f"\x00[^\x00]{{{MAX_LENGTH + 1}}}")
#: BAD_CHARS but the separator (a NUL inside a value is found by counting separators)
_BAD_NOT_SEP = re.compile(
    f"[\x01-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffd\ufffe\uffff{_PLANE_ENDS}]")


def _hit_positions(strs: list[str]) -> tuple[list[int], np.ndarray, np.ndarray]:
    """The strings of ``strs`` that break a rule: their indices (empty when none does),
    and every character RG-STR-002 reports in them, as ``(index into the returned
    indices, code point)`` arrays in order.

    One join and two C-level passes per column find a clean column; otherwise an ASCII
    column is read as bytes and tested all at once, and of another column only the
    strings that may hold a reported character are read as code points.
    """
    n = len(strs)
    none = np.zeros(0, dtype=np.int64)
    if not n:
        return [], none, none
    joined = _SEP + _SEP.join(strs)
    ascii_ = joined.isascii()
    if ascii_:
        raw = joined.encode("ascii")
        clean = len(raw.translate(None, _PRINTABLE_ASCII)) == n
    else:
        clean = joined.count(_SEP) == n and _BAD_NOT_SEP.search(joined) is None
    if clean and _LONG.search(joined) is None:
        return [], none, none
    lens = np.fromiter(map(len, strs), dtype=np.int64, count=n)
    hit = lens > MAX_LENGTH
    which, cps = none, none
    if clean:
        pass
    elif ascii_:
        # a control character (or DEL) anywhere but at the separators
        u = np.frombuffer(raw, dtype=np.uint8)
        starts = np.cumsum(lens + 1) - lens  # index of each value's first character
        mask = u < 0x20
        mask |= u == 0x7F
        mask[starts - 1] = False
        at = np.flatnonzero(mask)
        which = np.searchsorted(starts, at, side="right") - 1
        cps = u[at].astype(np.int64)
    else:
        which, cps = _bad_code_points_of(strs, fffd="\ufffd" in joined)
    hit[which] = True
    order = np.flatnonzero(hit)
    return order.tolist(), np.searchsorted(order, which), cps


def _repeat_owners(owners: np.ndarray, lists: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """For the items of the non-empty ``lists`` in order: their owner and position."""
    nonempty = np.fromiter(map(bool, lists), dtype=bool, count=len(lists))
    lens = np.fromiter(map(len, filter(None, lists)), dtype=np.int64,
                       count=int(nonempty.sum()))
    own = np.repeat(owners[nonempty], lens)
    pos = np.arange(int(lens.sum()), dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
    return own, pos


def _json_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _json_strings(v, f"{path}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _json_strings(v, f"{path}[{i}]")


# --- records not built yet: their JSON text, field by field --------------------------

#: Bytes of JSON text that may begin a character RG-STR-002 reports: ``\`` (every escape,
#: so every control character and lone surrogate), DEL, 0xC2 (C1 controls) and 0xEF
#: (U+FDD0–FDEF, U+FFFD–FFFF). Any other character stands for itself in the text.
_SUSPECT_BYTES = (0x5C, 0x7F, 0xC2, 0xEF)


@_memo
def _flat(cls: type) -> bool:
    """Are all fields of record class ``cls`` strings (``Name``, ``Credentials``)?"""
    return all(fkind == "str" for _, fkind, _ in _spec(cls))


@_memo  # (a pure function of the class: one struct type per record class)
def _raw_struct(cls: type) -> Any:
    """A ``msgspec.Struct`` type with the fields of record class ``cls``: strings, lists
    of strings and objects of strings only are decoded as they are (a Python string is
    no dearer to make than a ``msgspec.Raw`` view, and needs no second pass); every other
    field is kept as its JSON text (``msgspec.Raw``; empty when absent), skipped over by
    the decode."""
    # a key that is no field, or a value of another JSON type, fails the decode: such a
    # record is walked as a built record, whose `extra` holds it (see _plain_texts)
    fields: list[Any] = []
    for name, fkind, sub in _spec(cls):
        if fkind == "str":
            fields.append((name, str | None, None))
        elif fkind == "strs":
            fields.append((name, list[str] | None, None))
        elif fkind == "obj" and sub is not None and _flat(sub):  # type: ignore[arg-type]
            fields.append((name, _raw_struct(sub) | None, None))  # type: ignore[arg-type]
        else:
            fields.append((name, msgspec.Raw, msgspec.Raw()))
    return msgspec.defstruct(f"_Raw{cls.__name__}", fields, forbid_unknown_fields=True,
                             gc=False)


@_memo
def _raw_decoder(fkind: str, sub: type | None) -> Any:
    """Decoder of a JSON array of one raw field's values (an object, a list of objects
    or a map: the fields :func:`_raw_struct` keeps raw)."""
    t: Any
    if fkind == "obj":
        t = _raw_struct(sub) | None  # type: ignore[arg-type]
    elif fkind == "objs":
        t = list[_raw_struct(sub)] | None  # type: ignore[arg-type,misc]
    else:  # "map": any JSON object
        t = Any
    return msgspec.json.Decoder(list[t])  # type: ignore[valid-type]


#: Bytes per block of :func:`_raw_candidates`' coarse pass (a run of more than
#: :data:`MAX_LENGTH` bytes without a quote covers at least one whole block).
_BLOCK = 128
#: Byte → mark for :func:`_raw_candidates`: 1 for the suspect bytes, 2 for a quote.
_MARKS = bytes(1 if b in _SUSPECT_BYTES else 2 if b == 0x22 else 0 for b in range(256))
_ONES = np.uint64(0x0101010101010101)


def _raw_candidates(raws: list[Any]) -> np.ndarray:
    """Positions of the JSON texts ``raws`` (empty when absent) that may hold a string
    either rule reports: one holding a :data:`_SUSPECT_BYTES` byte, or a string of more
    than :data:`MAX_LENGTH` characters (a block of :data:`_BLOCK` bytes without a quote, as
    a long string without escapes holds a quote-free run of more than twice that).

    The bytes are marked in one pass (``bytes.translate``) and each block's marks are
    OR-ed together as 64-bit words; exact positions are taken only inside the blocks that
    hold a suspect byte."""
    n = len(raws)
    lens = np.fromiter(map(len, raws), dtype=np.int64, count=n)
    # the texts joined by quotes (so no quote-free run spans two texts); one C pass marks
    # every byte (1 a suspect byte, 2 a quote, 0 any other)
    marks = b'"'.join(raws).translate(_MARKS)
    whole = len(marks) // _BLOCK
    words = np.frombuffer(marks, dtype=np.uint64, count=whole * _BLOCK // 8)
    acc = np.bitwise_or.reduce(words.reshape(whole, _BLOCK // 8), axis=1)
    hot = np.flatnonzero(acc & _ONES)
    at = [np.flatnonzero(acc & (_ONES * 2) == 0) * _BLOCK]  # blocks without a quote
    if len(hot):
        r, c = np.nonzero(np.frombuffer(marks, dtype=np.uint8, count=whole * _BLOCK)
                          .reshape(whole, _BLOCK)[hot] == 1)
        at.append(hot[r] * _BLOCK + c)
    tail = marks[whole * _BLOCK:]  # the last part block (never quote-free: see _BLOCK)
    if b"\x01" in tail:
        at.append(np.flatnonzero(np.frombuffer(tail, dtype=np.uint8) == 1) + whole * _BLOCK)
    pos = np.concatenate(at)
    flagged = np.zeros(n, dtype=bool)
    if len(pos):
        starts = np.cumsum(lens + 1) - (lens + 1)
        flagged[np.searchsorted(starts, pos, side="right") - 1] = True
    return np.flatnonzero(flagged & (lens > 0))


def _values(objs: list[Any], name: str, owners: np.ndarray, fkind: str, sub: type | None,
            raw: bool) -> tuple[list[Any], np.ndarray]:
    """Field ``name`` of ``objs`` and its owners; of raw objects, only the values that may
    hold a reported string, decoded (the rest are skipped: they hold no such string)."""
    vals = list(map(attrgetter(name), objs))
    if not raw or fkind in ("str", "strs") or (fkind == "obj" and sub is not None
                                               and _flat(sub)):
        return vals, owners  # (decoded already: see _raw_struct)
    at = _raw_candidates(vals)
    if not len(at):
        return [], owners[:0]
    texts = [vals[k] for k in at.tolist()]
    return _raw_decoder(fkind, sub).decode(b"[" + b",".join(texts) + b"]"), owners[at]


class _Scan:
    """The strings at the hits, collected as columns: (record kind, owner id, field path,
    the string), then judged column-wise by :meth:`blocks`."""

    __slots__ = ("bad_cps", "bad_which", "kind", "kinds", "owners", "paths", "strs",
                 "unknown")

    def __init__(self) -> None:
        self.kind = ""
        # the columns in parts, one per add(): (kind, count), owner ids, path(s)
        self.kinds: list[tuple[str, int]] = []
        self.owners: list[np.ndarray] = []
        self.paths: list[np.ndarray] = []
        self.strs: list[str] = []
        # RG-STR-002's characters of the strings added with them found: (string, code point)
        self.bad_which: list[np.ndarray] = []
        self.bad_cps: list[np.ndarray] = []
        self.unknown: list[range] = []  # strings added without: searched in blocks()

    def check(self, owner: str, path: str, s: str) -> None:
        self.add(object_array([owner]), path, [s])

    def add(self, owners: np.ndarray, paths: str | list[str], strs: list[str],
            bad: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Collect strings of ``owners`` at ``paths`` (one for all, or one each);
        ``bad``: their reported characters as ``(index into strs, code point)``, if
        known."""
        at, n = len(self.strs), len(strs)
        self.kinds.append((self.kind, n))
        self.owners.append(owners)
        self.paths.append(np.full(n, paths, dtype=object) if isinstance(paths, str)
                          else object_array(paths))
        self.strs += strs
        if bad is None:
            self.unknown.append(range(at, at + n))
        else:
            self.bad_which.append(bad[0] + at)
            self.bad_cps.append(bad[1])

    def blocks(self) -> tuple[list[FindingBlock], list[FindingBlock]]:
        """(RG-STR-001 blocks, RG-STR-002 blocks), one per record kind."""
        long_out: list[FindingBlock] = []
        bad_out: list[FindingBlock] = []
        if not self.strs:
            return long_out, bad_out
        n = len(self.strs)
        names = list(dict.fromkeys(k for k, _ in self.kinds))
        kinds = np.repeat(np.array([names.index(k) for k, _ in self.kinds], dtype=np.int64),
                          [c for _, c in self.kinds])
        owners, paths = np.concatenate(self.owners), np.concatenate(self.paths)
        lens = np.fromiter(map(len, self.strs), dtype=np.int64, count=n)
        looked = np.fromiter(chain.from_iterable(self.unknown), dtype=np.int64)
        which, cps = _bad_code_points_of(self.strs, looked)
        chars, shown, counts = _bad_chars(n, np.concatenate([*self.bad_which, which]),
                                          np.concatenate([*self.bad_cps, cps]))
        tail = f" characters (more than {MAX_LENGTH})"
        for code, kind in enumerate(names):
            mine = kinds == code
            at = np.flatnonzero(mine & (lens > MAX_LENGTH))
            # the message is "<kind> <id>: <suffix>": among equal ids it sorts by the suffix
            long_out.append(FindingBlock(
                RULES["RG-STR-001"], kind, ids=(owners[at],),
                message=f"{kind} {{id0}}: {{field}} has {{length:,}}{tail}",
                values={"field": paths[at], "length": lens[at]},
                order=_order_of(paths[at], " has ", thousands, lens[at], tail)))
            at = np.flatnonzero(mine & (counts > 0))
            bad_out.append(FindingBlock(
                RULES["RG-STR-002"], kind, ids=(owners[at],),
                message=f"{kind} {{id0}}: {{field}} contains {{shown}}",
                values={"field": paths[at], "chars": chars[at], "count": counts[at]},
                params={"shown": shown[at]},
                order=_order_of(paths[at], " contains ", None, shown[at], "")))
        return long_out, bad_out

    def walk(self, cls: type, objs: list[Any], owners: np.ndarray, prefix: str,
             raw: bool = False) -> None:
        """Check every string of ``objs``: records of class ``cls`` (their ``extra`` values
        too), or with ``raw`` the :func:`_raw_struct` of plain records' JSON text (whose
        fields are decoded only where they may hold a hit)."""
        if not objs:
            return
        for name, fkind, sub in _spec(cls):
            vals, own_all = _values(objs, name, owners, fkind, sub, raw)
            if not vals:
                continue
            path = prefix + name
            if fkind == "str":
                strs = list(filter(None, vals))
                hits, bad_at, bad_cps = _hit_positions(strs)
                if hits:
                    own = own_all[np.fromiter(map(bool, vals), dtype=bool, count=len(vals))]
                    self.add(own[hits], path, [strs[k] for k in hits], (bad_at, bad_cps))
            elif fkind == "strs":
                strs = list(chain.from_iterable(filter(None, vals)))
                hits, bad_at, bad_cps = _hit_positions(strs)
                if hits:
                    own, j = _repeat_owners(own_all, vals)
                    self.add(own[hits], [f"{path}[{k}]" for k in j[hits].tolist()],
                             [strs[k] for k in hits], (bad_at, bad_cps))
            elif fkind == "obj" and sub is not None:
                keep = np.fromiter(map(is_not, vals, repeat(None)), dtype=bool,
                                   count=len(vals))
                if keep.any():
                    self.walk(sub, list(compress(vals, keep)), own_all[keep], path + ".", raw)
            elif fkind == "objs" and sub is not None:
                items = list(chain.from_iterable(filter(None, vals)))
                if items:
                    self.walk(sub, items, _repeat_owners(own_all, vals)[0], path + "[].", raw)
            elif fkind == "map" and vals.count(None) < len(vals):
                for ow, v in zip(own_all.tolist(), vals):
                    if v:
                        for p, s in _json_strings(dict(v), path):
                            self.check(ow, p, s)
        if raw:
            return
        extras = list(map(attrgetter("extra"), objs))
        if extras.count(EMPTY) == len(extras):  # the shared empty mapping: nothing to scan
            return
        for ow, extra in zip(owners.tolist(), extras):
            if extra:
                for k, v in extra.items():
                    for p, s in _json_strings(v, prefix + k):
                        self.check(ow, p, s)


def _bad_code_points(strs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(string index, code point)`` of every character of ``strs`` that
    :data:`BAD_CHARS` matches, in order: the strings' code points are read as one array
    (their UTF-32 encoding; a lone surrogate passes as itself) and tested at once.

    Examples
    --------
    >>> which, cps = _bad_code_points(["ok", "a\\x07b\\ufffd", "\\ud800"])
    >>> which.tolist(), [hex(c) for c in cps.tolist()]
    ([1, 1, 2], ['0x7', '0xfffd', '0xd800'])
    """
    lens = np.fromiter(map(len, strs), dtype=np.int64, count=len(strs))
    c = np.frombuffer("".join(strs).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    bad = c < 0x20
    bad |= (c >= 0x7F) & (c <= 0x9F)
    bad |= (c >= 0xD800) & (c <= 0xDFFF)
    bad |= (c >= 0xFDD0) & (c <= 0xFDEF)
    bad |= c == 0xFFFD
    bad |= (c & 0xFFFE) == 0xFFFE  # (the noncharacters U+xFFFE and U+xFFFF of every plane)
    at = np.flatnonzero(bad)
    return np.searchsorted(np.cumsum(lens), at, side="right"), c[at].astype(np.int64)


def _order_of(paths: np.ndarray, verb: str, fmt: Any, values: np.ndarray,
              tail: str) -> Callable[[np.ndarray], np.ndarray]:
    """The findings' tie-break (the message after the id: ``<path><verb><value><tail>``),
    written only for the rows asked for (those whose ids tie)."""
    def order(rows: np.ndarray) -> np.ndarray:
        shown = values[rows] if fmt is None else fmt(values[rows])
        return join_strings(paths[rows], verb, shown, tail)
    return order


def _bad_code_points_of(strs: list[str], looked: np.ndarray | None = None,
                        fffd: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_bad_code_points` of the strings at ``looked`` (indices into ``strs``; all
    of them when ``None``), with indices into ``strs``. Only a string that is not
    printable, or holds U+FFFD (the one printable character reported; not looked for
    when ``fffd`` is false: none holds it), can hold one: the rest are not read."""
    some = strs if looked is None else [strs[k] for k in looked.tolist()]
    may = ~np.fromiter(map(str.isprintable, some), dtype=bool, count=len(some))
    if fffd:
        may |= np.fromiter(map(str.__contains__, some, repeat("\ufffd")), dtype=bool,
                           count=len(some))
    which, cps = _bad_code_points(list(compress(some, may)))
    which = np.flatnonzero(may)[which]
    return (which if looked is None else looked[which]), cps


def _bad_chars(n: int, which: np.ndarray, cps: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """RG-STR-002's values of each of ``n`` strings, given every reported character as
    ``(string, code point)``: the distinct characters it holds (``U+XXXX``, the first five
    in code point order, as a list), how they are shown in the message and how many such
    characters the string holds (0: none)."""
    counts = np.bincount(which, minlength=n).astype(np.int64)
    chars = np.empty(n, dtype=object)
    shown = np.empty(n, dtype=object)
    if not len(which):
        return chars, shown, counts
    # distinct (string, code point) pairs in order (each code point below 0x110000)
    key = np.sort(which * 0x110000 + cps, kind="stable")  # mostly in order already
    pairs = key[run_starts(key[1:] != key[:-1])]
    owner, cp = pairs // 0x110000, pairs % 0x110000
    start = np.flatnonzero(run_starts(owner[1:] != owner[:-1]))
    n_distinct = np.diff(np.r_[start, len(pairs)])
    distinct, which = np.unique(cp, return_inverse=True)
    label = np.array([f"U+{c:04X}" for c in distinct.tolist()] + [""], dtype=object)[:-1][which]
    one = n_distinct == 1  # the usual case: one kind of character
    rows = owner[start]
    single = label[start[one]]
    shown[rows[one]] = single
    chars[rows[one]] = list(map(list, zip(single.tolist())))
    for r, lo, k in zip(rows[~one].tolist(), start[~one].tolist(), n_distinct[~one].tolist()):
        c = label[lo: lo + min(k, 5)].tolist()
        chars[r] = c
        shown[r] = ", ".join(c) + (" ..." if k > 5 else "")
    return chars, shown, counts


def _scan(roster: Roster, g: RosterGraph) -> tuple[list[FindingBlock], list[FindingBlock]]:
    c = cache(g)
    if "strings" not in c:
        scan = _Scan()
        for plural_kind in KINDS:
            recs = g.roster.records(plural_kind)
            if not recs:
                continue
            scan.kind = plural_kind[:-1]
            cls: type = RECORD_CLASSES[plural_kind]
            # a fast reader's scan clears most records up front: only the rest are built
            suspect = field_column(g, plural_kind, "text_suspect")
            if suspect.all() and not isinstance(recs, LazyRecords):
                scan.walk(cls, list(recs.values()), object_array(list(recs.keys())), "")
                continue
            rows = np.flatnonzero(suspect)
            # records not built yet are read from their JSON text, not built, when every
            # key of the text is a field at every depth (the JSON Lines scan's texts); a
            # text with keys that are no field (a CSV reader's `extra`, at any depth) is
            # built and walked as a record
            if (len(rows) and isinstance(recs, LazyRecords)
                    and reader_column(g.roster, plural_kind, "text_suspect") is not None):
                texts = recs.texts(rows.tolist(), copy=False)
                unbuilt = np.fromiter(map(is_not, texts, repeat(None)), dtype=bool,
                                      count=len(texts))
                if unbuilt.any():
                    at = rows[unbuilt]
                    # (each text decoded where it lies in the source: nothing copied)
                    objs, plain = _plain_texts(cls, [t for t in texts if t is not None])
                    unbuilt[np.flatnonzero(unbuilt)[~plain]] = False
                    at = at[plain]
                    scan.walk(cls, objs, g.ids(scan.kind)[at], "", raw=True)
                rows = rows[~unbuilt]
            if len(rows):
                pairs = records_at(g, plural_kind, rows.tolist())
                scan.walk(cls, [r for _, r in pairs], object_array([i for i, _ in pairs]), "")
        c["strings"] = scan.blocks()
    return c["strings"]


def _plain_texts(cls: type, texts: Iterable[bytes | memoryview]) -> tuple[list[Any], np.ndarray]:
    """The :func:`_raw_struct` of each text whose keys are all fields of ``cls``, at
    every depth (with strings where strings are decoded), and which texts those are."""
    check = msgspec.json.Decoder(_keys_struct(cls))
    dec = _record_decoder(cls)
    objs: list[Any] = []
    plain: list[bool] = []
    for text in texts:
        try:
            check.decode(text)
            objs.append(dec.decode(text))
        except (msgspec.ValidationError, msgspec.DecodeError):
            plain.append(False)
            continue
        plain.append(True)
    return objs, np.array(plain, dtype=bool)


@_memo
def _record_decoder(cls: type) -> Any:
    """Decoder of one record's JSON text into its :func:`_raw_struct`."""
    return msgspec.json.Decoder(_raw_struct(cls))


@_memo
def _keys_struct(cls: type) -> Any:
    """:func:`_raw_struct` with nested records as structs of their own: decoding one fails
    on a key that is no field at any depth."""
    fields: list[Any] = []
    for name, fkind, sub in _spec(cls):
        t: Any = msgspec.Raw
        if fkind == "obj" and sub is not None:
            t = _keys_struct(sub) | None  # type: ignore[arg-type]
        elif fkind == "objs" and sub is not None:
            t = list[_keys_struct(sub)] | None  # type: ignore[arg-type,misc]
        fields.append((name, t, None if t is not msgspec.Raw else msgspec.Raw()))
    return msgspec.defstruct(f"_Keys{cls.__name__}", fields, forbid_unknown_fields=True,
                             gc=False)



@rule("RG-STR-001", "warning", f"string longer than {MAX_LENGTH} characters")
def str_too_long(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """Any string value (field, list item, nested or extra value) over 255 characters."""
    return iter(_scan(roster, g)[0])


@rule("RG-STR-002", "warning", "control characters or invalid text in a string")
def str_bad_chars(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """A string with a control character, lone surrogate, U+FFFD or a noncharacter."""
    return iter(_scan(roster, g)[1])
