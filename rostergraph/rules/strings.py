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
looked at: only the suspects are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from itertools import chain, compress, repeat
from operator import attrgetter
from typing import Any

import numpy as np

from ..graph import RosterGraph
from ..lazy import LazyRecords
from ..model import EMPTY, KINDS, _spec
from ..roster import Roster
from ._util import cache, field_column, records_at
from .findings import FindingBlock, join_strings, thousands
from .registry import RULES, rule

#: "if you must specify a field length, we recommend 255 chars as a safe limit"
MAX_LENGTH = 255
#: C0/C1 control characters (tab, newline and carriage return included), lone
#: surrogates, U+FFFD (the mark of undecodable bytes) and noncharacters.
BAD_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffd\ufffe\uffff]")
# A column's values are joined with NUL separators (and a leading NUL), then
# checked in C: printable ASCII is deleted with bytes.translate (only the
# separators may remain) or, for non-ASCII text, searched with BAD_CHARS; a
# NUL followed by more than MAX_LENGTH non-NULs is a long value.
_SEP = "\x00"
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
_LONG = re.compile(f"\x00[^\x00]{{{MAX_LENGTH + 1}}}")
#: BAD_CHARS but the separator (a NUL inside a value is found by counting separators)
_BAD_NOT_SEP = re.compile("[\x01-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffd\ufffe\uffff]")


def _hit_positions(strs: list[str]) -> list[int]:
    """Indices of ``strs`` that may break a rule (empty when none does).

    One join and two C-level passes per column; values are looked at one by
    one only around hits.
    """
    n = len(strs)
    if not n:
        return []
    joined = _SEP + _SEP.join(strs)
    if joined.isascii():
        clean = len(joined.encode("ascii").translate(None, _PRINTABLE_ASCII)) == n
    else:
        clean = joined.count(_SEP) == n and BAD_CHARS.search(joined, 1) is None
    if clean and _LONG.search(joined) is None:
        return []
    lens = np.fromiter(map(len, strs), dtype=np.int64, count=n)
    hits = set(np.flatnonzero(lens > MAX_LENGTH).tolist())
    if not clean:
        starts = np.cumsum(lens + 1) - lens  # index of each value's first character
        pos = np.fromiter(map(re.Match.start, _BAD_NOT_SEP.finditer(joined, 1)),
                          dtype=np.int64)
        hits.update((np.searchsorted(starts, pos, side="right") - 1).tolist())
        if joined.count(_SEP) != n:
            hits.update(k for k, s in enumerate(strs) if _SEP in s)
    return sorted(hits)


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


class _Scan:
    """The strings at the hits, collected as columns: (record kind, owner id, field path,
    the string), then judged column-wise by :meth:`blocks`."""

    __slots__ = ("kind", "kinds", "owners", "paths", "strs")

    def __init__(self) -> None:
        self.kind = ""
        self.kinds: list[str] = []
        self.owners: list[str] = []
        self.paths: list[str] = []
        self.strs: list[str] = []

    def check(self, owner: str, path: str, s: str) -> None:
        self.add([owner], [path], [s])

    def add(self, owners: list[str], paths: list[str], strs: list[str]) -> None:
        self.kinds += [self.kind] * len(strs)
        self.owners += owners
        self.paths += paths
        self.strs += strs

    def blocks(self) -> tuple[list[FindingBlock], list[FindingBlock]]:
        """(RG-STR-001 blocks, RG-STR-002 blocks), one per record kind."""
        long_out: list[FindingBlock] = []
        bad_out: list[FindingBlock] = []
        if not self.strs:
            return long_out, bad_out
        n = len(self.strs)
        kinds, owners, paths = (np.array(x, dtype=object) for x in
                                (self.kinds, self.owners, self.paths))
        lens = np.fromiter(map(len, self.strs), dtype=np.int64, count=n)
        found = list(map(BAD_CHARS.findall, self.strs))
        counts = np.fromiter(map(len, found), dtype=np.int64, count=n)
        for kind in dict.fromkeys(self.kinds):
            at = np.flatnonzero((kinds == kind) & (lens > MAX_LENGTH))
            tail = f" characters (more than {MAX_LENGTH})"
            # the message is "<kind> <id>: <suffix>": among equal ids it sorts by the suffix
            long_out.append(FindingBlock(
                RULES["RG-STR-001"], kind, ids=(owners[at],),
                message=f"{kind} {{id0}}: {{field}} has {{length:,}}{tail}",
                values={"field": paths[at], "length": lens[at]},
                order=join_strings(paths[at], " has ", thousands(lens[at]), tail)))
            at = np.flatnonzero((kinds == kind) & (counts > 0))
            chars = [sorted({f"U+{ord(c):04X}" for c in found[k]}) for k in at.tolist()]
            shown = np.array([", ".join(c[:5]) + (" ..." if len(c) > 5 else "")
                              for c in chars] + [""], dtype=object)[:-1]
            bad_out.append(FindingBlock(
                RULES["RG-STR-002"], kind, ids=(owners[at],),
                message=f"{kind} {{id0}}: {{field}} contains {{shown}}",
                values={"field": paths[at],
                        "chars": np.fromiter((c[:5] for c in chars), dtype=object,
                                             count=len(chars)),
                        "count": counts[at]},
                params={"shown": shown},
                order=join_strings(paths[at], " contains ", shown)))
        return long_out, bad_out

    def walk(self, objs: list[Any], owners: list[str], prefix: str) -> None:
        """Check every string field of ``objs`` (all of one class)."""
        if not objs:
            return
        own_all = np.empty(len(owners), dtype=object)
        own_all[:] = owners
        for name, fkind, _sub in _spec(type(objs[0])):
            vals = list(map(attrgetter(name), objs))
            path = prefix + name
            if fkind == "str":
                strs = list(filter(None, vals))
                hits = _hit_positions(strs)
                if hits:
                    own = own_all[np.fromiter(map(bool, vals), dtype=bool, count=len(vals))]
                    self.add(own[hits].tolist(), [path] * len(hits), [strs[k] for k in hits])
            elif fkind == "strs":
                strs = list(chain.from_iterable(filter(None, vals)))
                hits = _hit_positions(strs)
                if hits:
                    own, j = _repeat_owners(own_all, vals)
                    self.add(own[hits].tolist(), [f"{path}[{k}]" for k in j[hits].tolist()],
                             [strs[k] for k in hits])
            elif fkind == "obj":
                n_none = vals.count(None)
                if n_none == 0:
                    self.walk(vals, owners, path + ".")
                elif n_none < len(vals):
                    keep = [v is not None for v in vals]
                    self.walk(list(compress(vals, keep)), list(compress(owners, keep)),
                              path + ".")
            elif fkind == "objs":
                items = list(chain.from_iterable(filter(None, vals)))
                if items:
                    self.walk(items, _repeat_owners(own_all, vals)[0].tolist(), path + "[].")
            elif fkind == "map" and vals.count(None) < len(vals):
                for ow, v in zip(owners, vals):
                    if v:
                        for p, s in _json_strings(dict(v), path):
                            self.check(ow, p, s)
        extras = list(map(attrgetter("extra"), objs))
        if extras.count(EMPTY) == len(extras):  # the shared empty mapping: nothing to scan
            return
        for ow, extra in zip(owners, extras):
            if extra:
                for k, v in extra.items():
                    for p, s in _json_strings(v, prefix + k):
                        self.check(ow, p, s)


def _walk_objects(scan: _Scan, cls: type, objs: list[dict[str, Any]], owners: list[str],
                  prefix: str) -> None:
    """:meth:`_Scan.walk` over decoded JSON objects of plain records of ``cls`` (every key a
    field of ``cls`` with its JSON type): the same paths and strings, no record built."""
    if not objs:
        return
    own_all = np.empty(len(owners), dtype=object)
    own_all[:] = owners
    for name, fkind, sub in _spec(cls):
        vals = list(map(dict.get, objs, repeat(name)))
        path = prefix + name
        if fkind == "str":
            strs = list(filter(None, vals))
            hits = _hit_positions(strs)
            if hits:
                own = own_all[np.fromiter(map(bool, vals), dtype=bool, count=len(vals))]
                scan.add(own[hits].tolist(), [path] * len(hits), [strs[k] for k in hits])
        elif fkind == "strs":
            strs = list(chain.from_iterable(filter(None, vals)))
            hits = _hit_positions(strs)
            if hits:
                own, j = _repeat_owners(own_all, vals)
                scan.add(own[hits].tolist(), [f"{path}[{k}]" for k in j[hits].tolist()],
                         [strs[k] for k in hits])
        elif fkind == "obj" and sub is not None and vals.count(None) < len(vals):
            # an absent or empty object holds no string: only the non-empty ones are walked
            nested: list[dict[str, Any]] = list(filter(None, vals))  # type: ignore[arg-type]
            _walk_objects(scan, sub, nested, list(compress(owners, map(bool, vals))),
                          path + ".")
        elif fkind == "objs" and sub is not None:
            items = list(chain.from_iterable(filter(None, vals)))
            if items:
                _walk_objects(scan, sub, items, _repeat_owners(own_all, vals)[0].tolist(),
                              path + "[].")
        elif fkind == "map" and vals.count(None) < len(vals):
            for ow, v in zip(owners, vals):
                if v:
                    for p, s in _json_strings(v, path):
                        scan.check(ow, p, s)


def _scan(roster: Roster, g: RosterGraph) -> tuple[list[FindingBlock], list[FindingBlock]]:
    c = cache(g)
    if "strings" not in c:
        scan = _Scan()
        for plural_kind in KINDS:
            recs = g.roster.records(plural_kind)
            if not recs:
                continue
            scan.kind = plural_kind[:-1]
            # a fast reader's scan clears most records up front: only the rest are built
            suspect = field_column(g, plural_kind, "text_suspect")
            if suspect.all():
                scan.walk(list(recs.values()), list(recs.keys()), "")
                continue
            rows = np.flatnonzero(suspect)
            if len(rows) and isinstance(recs, LazyRecords):
                # records not built yet are read from their decoded JSON, not built
                objs = recs.decoded(rows.tolist())
                unbuilt = np.fromiter((o is not None for o in objs), dtype=bool,
                                      count=len(objs))
                _walk_objects(scan, recs._cls, [o for o in objs if o is not None],
                              g.ids(scan.kind)[rows[unbuilt]].tolist(), "")
                rows = rows[~unbuilt]
            if len(rows):
                pairs = records_at(g, plural_kind, rows.tolist())
                scan.walk([r for _, r in pairs], [i for i, _ in pairs], "")
        c["strings"] = scan.blocks()
    return c["strings"]


@rule("RG-STR-001", "warning", f"string longer than {MAX_LENGTH} characters")
def str_too_long(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """Any string value (field, list item, nested or extra value) over 255 characters."""
    return iter(_scan(roster, g)[0])


@rule("RG-STR-002", "warning", "control characters or invalid text in a string")
def str_bad_chars(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """A string with a control character, lone surrogate, U+FFFD or a noncharacter."""
    return iter(_scan(roster, g)[1])
