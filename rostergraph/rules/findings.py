"""Findings as a columnar table: :class:`FindingBlock` (what a rule returns) and
:class:`Findings` (what :func:`rostergraph.validate` collects, sorted).

A rule that reports many records does not build one :class:`Finding` object
per record: it returns :class:`FindingBlock` objects, each holding the
findings of one rule about one kind of record as columns:

- the record ids, as one array per position (``ids=(sections, teachers)``) or
  as variable-length groups (``groups=(flat, start)``, a CSR layout: the ids of
  row ``r`` are ``flat[start[r]:start[r + 1]]``);
- ``values``: the finding's values, each a column (one value per row) or a
  constant shared by every row;
- ``params``: further columns the message needs but ``values`` does not hold;
- ``message``: a :meth:`str.format` template over ``id0``, ``id1``, ... (the
  ids by position), ``ids`` (all ids joined by ``", "``), the values and the
  params; or a column of ready messages.

:class:`Findings` concatenates the blocks and sorts them with array
operations (rule, then kind, then ids; rows whose keys tie are ordered by
their messages). Its columns are codes (``rule``, ``severity``, ``kind``) and
the block and row each finding comes from. A :class:`Finding` is made only
when a caller indexes or iterates; counts by rule or severity are
``bincount``\\ s of the codes.

Examples
--------
>>> import numpy as np
>>> from rostergraph.rules.registry import RULES
>>> b = FindingBlock(RULES["RG-SEC-001"], "section", ids=(np.array(["s2", "s1"], dtype=object),),
...                  message="section {id0} has no students", values={"students": 0})
>>> fs = Findings([b])
>>> len(fs), fs[0].ids, fs[0].message
(2, ('s1',), 'section s1 has no students')
>>> fs.counts_by_rule()
{'RG-SEC-001': 2}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from string import Formatter
from typing import Any, overload

import numpy as np
from numpy.dtypes import StringDType

from ..columns import Codes, object_array, run_starts
from .registry import SEVERITIES, Finding, Rule

__all__ = ["FindingBlock", "Findings", "dense_codes", "join_strings", "string_codes", "thousands"]

_NO_IDS = np.zeros(0, dtype=object)


def _obj(values: Any) -> np.ndarray:
    """A 1-d object array of ``values`` (tuples stay tuples)."""
    if isinstance(values, np.ndarray) and values.dtype == object:
        return values
    return object_array(values.tolist() if isinstance(values, np.ndarray) else list(values))


def _py(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


class FindingBlock:
    """Findings of one rule about one kind of record, held as columns (see the module
    docstring for the layout).

    Parameters
    ----------
    rule
        The :class:`~rostergraph.rules.registry.Rule` reporting (its id and severity).
    kind
        The record kind, one for the whole block, or a column of kinds.
    ids, groups
        The record ids: ``ids`` one column per position, or ``groups=(flat, start)``.
    message
        A template (see the module docstring) or a column of messages.
    values, params
        Name → column (a 1-d array with one entry per row) or constant.
    order
        Optional tie-break among rows of this rule with equal ids: a constant, a
        column of strings that sort like the rows' messages do, or a function giving
        those strings for some rows (called only for rows whose ids tie). Without one,
        such rows are ordered by their messages (built for them only).
    severity
        Overrides the rule's severity (a constant or a column).

    Examples
    --------
    >>> import numpy as np
    >>> from rostergraph.rules.registry import RULES
    >>> b = FindingBlock(RULES["RG-REF-001"], "section",
    ...                  ids=(np.array(["s1"], dtype=object), np.array(["c9"], dtype=object)),
    ...                  message="{kind_word} {id0}: course refers to course {id1}",
    ...                  values={"missing": np.array(["c9"], dtype=object)},
    ...                  params={"kind_word": "section"})
    >>> f = b.finding(0)
    >>> f.ids, f.message, dict(f.values)
    (('s1', 'c9'), 'section s1: course refers to course c9', {'missing': 'c9'})
    """

    __slots__ = ("flat", "kind", "message", "n", "order", "params", "prebuilt", "rule",
                 "severity", "start", "values")

    def __init__(self, rule: Rule, kind: str | np.ndarray, *,
                 ids: Sequence[np.ndarray] | None = None,
                 groups: tuple[np.ndarray, np.ndarray | Sequence[int]] | None = None,
                 message: str | np.ndarray,
                 values: Mapping[str, Any] | None = None,
                 params: Mapping[str, Any] | None = None,
                 order: str | np.ndarray | Callable[[np.ndarray], np.ndarray] | None = None,
                 severity: str | np.ndarray | None = None) -> None:
        self.rule = rule.id
        self.severity: str | np.ndarray = rule.severity if severity is None else severity
        self.kind = kind
        if groups is not None:
            flat, start = groups
            self.flat, self.start = _obj(flat), np.asarray(start, dtype=np.int64)
        else:
            cols = [_obj(c) for c in (ids or ())]
            n = len(cols[0]) if cols else 0
            if len(cols) == 1:
                self.flat = cols[0]
            elif cols:
                self.flat = np.empty(n * len(cols), dtype=object)
                for j, c in enumerate(cols):
                    self.flat[j::len(cols)] = c
            else:
                self.flat = _NO_IDS
            self.start = np.arange(n + 1, dtype=np.int64) * len(cols)
        self.n = len(self.start) - 1
        self.message = message
        self.values = dict(values or {})
        self.params = dict(params or {})
        self.order = order
        self.prebuilt: list[Finding] | None = None

    @classmethod
    def of_findings(cls, rule: Rule, findings: Sequence[Finding]) -> FindingBlock:
        """A block holding findings already made (e.g. by a rule that yields them)."""
        b = cls(rule, _obj([f.kind for f in findings]),
                groups=(_obj([i for f in findings for i in f.ids]),
                        np.cumsum([0] + [len(f.ids) for f in findings])),
                message=_obj([f.message for f in findings]),
                severity=_obj([f.severity for f in findings]))
        b.prebuilt = list(findings)
        return b

    def __len__(self) -> int:
        return self.n

    # -- columns ------------------------------------------------------------------------
    def column(self, x: Any, rows: np.ndarray) -> np.ndarray:
        """``x`` (a column or a constant) at ``rows``, as an object array."""
        if self._is_col(x):
            return _obj(x[rows])
        return np.fromiter(repeat(x, len(rows)), dtype=object, count=len(rows))

    def _is_col(self, x: Any) -> bool:
        return isinstance(x, np.ndarray) and x.ndim == 1 and len(x) == self.n

    def id_at(self, pos: int) -> tuple[np.ndarray, np.ndarray]:
        """(has an id at ``pos``, that id or ``""``) for every row."""
        lens = np.diff(self.start)
        has = lens > pos
        if has.all():  # (the usual case: every row has it; one id a row: the column itself)
            if pos == 0 and len(self.flat) == self.n:
                return has, self.flat
            return has, self.flat[self.start[:-1] + pos]
        out = np.full(self.n, "", dtype=object)
        out[has] = self.flat[self.start[:-1][has] + pos]
        return has, out

    # -- materializing ------------------------------------------------------------------
    def ids_of(self, r: int) -> tuple[str, ...]:
        return tuple(self.flat[self.start[r]:self.start[r + 1]].tolist())

    def _context(self, r: int, ids: tuple[str, ...], vals: dict[str, Any]) -> dict[str, Any]:
        ctx = {f"id{j}": i for j, i in enumerate(ids)}
        ctx["ids"] = ", ".join(ids)
        ctx.update(vals)
        for k, v in self.params.items():
            ctx[k] = _py(v[r]) if self._is_col(v) else v
        return ctx

    def values_of(self, r: int) -> dict[str, Any]:
        return {k: (_py(v[r]) if self._is_col(v) else v) for k, v in self.values.items()}

    def message_of(self, r: int, ids: tuple[str, ...] | None = None,
                   vals: dict[str, Any] | None = None) -> str:
        if not isinstance(self.message, str):
            return str(self.message[r])
        if ids is None:
            ids = self.ids_of(r)
        if vals is None:
            vals = self.values_of(r)
        return self.message.format_map(self._context(r, ids, vals))

    def finding(self, r: int) -> Finding:
        """Row ``r`` as a :class:`Finding`."""
        if self.prebuilt is not None:
            return self.prebuilt[r]
        ids = self.ids_of(r)
        vals = self.values_of(r)
        kind = self.kind if isinstance(self.kind, str) else str(self.kind[r])
        sev = self.severity if isinstance(self.severity, str) else str(self.severity[r])
        return Finding(self.rule, sev, kind, ids, self.message_of(r, ids, vals), vals)

    def messages(self, rows: np.ndarray) -> list[str]:
        """The messages of ``rows``: the template filled a field at a time over all the
        rows (each field's values formatted in one C-level pass), or row by row when the
        template needs more than plain names (or a row lacks an id it names)."""
        if not isinstance(self.message, str):
            return [str(m) for m in self.message[rows].tolist()]
        parts = self._message_parts(rows)
        if parts is None:
            return [self.message_of(r) for r in rows.tolist()]
        return list(map("".join, zip(*parts))) if parts else [""] * len(rows)

    def _message_parts(self, rows: np.ndarray) -> list[Any] | None:
        """The template's literal text and formatted fields, each a sequence over ``rows``
        (``None``: not a template this can fill column-wise)."""
        template = self.message
        if not isinstance(template, str):
            return None
        try:
            pieces = list(_FORMATTER.parse(template))
        except ValueError:
            return None
        n = len(rows)
        out: list[Any] = []
        for literal, name, spec, conv in pieces:
            if literal:
                out.append(repeat(literal, n))
            if name is None:
                continue
            if not name.isidentifier() or "{" in (spec or ""):
                return None  # attribute or index access, or a nested field
            col = self._field(name, rows)
            if col is None:
                return None
            if conv:
                convert: Any = _CONVERSIONS[conv]
                col = list(map(convert, col))
            out.append(list(map(format, col, repeat(spec))) if spec else
                       list(map(_as_text, col)))
        return out

    def _field(self, name: str, rows: np.ndarray) -> list[Any] | None:
        """One template field's values at ``rows`` (as :meth:`_context` gives them)."""
        for where in (self.params, self.values):  # (the order in which they override)
            if name in where:
                v = where[name]
                return _plain_list(v[rows]) if self._is_col(v) else [v] * len(rows)
        if name.startswith("id") and name[2:].isdigit():
            has, ids = self.id_at(int(name[2:]))
            return ids[rows].tolist() if has[rows].all() else None
        if name == "ids":
            return [", ".join(self.flat[self.start[r]:self.start[r + 1]].tolist())
                    for r in rows.tolist()]
        return None

    def ids_rows(self, rows: np.ndarray) -> list[tuple[str, ...]]:
        """The ids of ``rows`` as tuples (whole columns at a time when every row has as
        many ids)."""
        width = np.diff(self.start)
        if len(width) and (width == width[0]).all():
            m = int(width[0])
            return list(zip(*(self.flat[rows * m + j].tolist() for j in range(m)))) if m \
                else [()] * len(rows)
        return [self.ids_of(r) for r in rows.tolist()]

    def values_rows(self, rows: np.ndarray) -> list[dict[str, Any]]:
        """The values of ``rows`` as dicts (the same as :meth:`values_of` row by row)."""
        if self.prebuilt is not None:
            return [dict(self.prebuilt[r].values) for r in rows.tolist()]
        keys = list(self.values)
        n = len(rows)
        cols = [_plain_list(v[rows]) if self._is_col(v) else repeat(v, n)
                for v in self.values.values()]
        return list(map(dict, map(zip, repeat(keys), zip(*cols)))) if cols else \
            [{} for _ in range(n)]


def _tuples(items: list[tuple[str, ...]]) -> np.ndarray:
    """An object array holding the tuples themselves (not a 2-d array of their items)."""
    return np.fromiter(items, dtype=object, count=len(items))


_FORMATTER = Formatter()
_CONVERSIONS: dict[str, Any] = {"r": repr, "s": str, "a": ascii}


def _as_text(value: Any) -> str:
    return value if type(value) is str else format(value)


def _plain_list(col: np.ndarray) -> list[Any]:
    """A column's values as plain Python values (numpy scalars inside an object column
    too, as :func:`_py` makes them)."""
    vals = col.tolist()
    if col.dtype == object and any(issubclass(t, np.generic) for t in set(map(type, vals))):
        return list(map(_py, vals))
    return vals  # type: ignore[no-any-return]


def join_strings(*parts: str | np.ndarray) -> np.ndarray:
    """Strings and string columns joined row by row, in one pass per part (numpy's string
    functions; Python's ``+`` for a column numpy cannot encode).

    Examples
    --------
    >>> join_strings("a", np.array(["x", "y"], dtype=object), "!").tolist()
    ['ax!', 'ay!']
    """
    n = max((len(p) for p in parts if isinstance(p, np.ndarray)), default=1)
    try:
        out: Any = np.full(n, "", dtype=StringDType())
        for p in parts:
            out = np.strings.add(out, p.astype(StringDType()) if isinstance(p, np.ndarray)
                                 else p)
        return out.astype(object)
    except UnicodeEncodeError:  # a lone surrogate
        cols = [p.tolist() if isinstance(p, np.ndarray) else [p] * n for p in parts]
        return _obj(["".join(row) for row in zip(*cols)])


def thousands(n: np.ndarray) -> np.ndarray:
    """Integers written like ``f"{n:,}"``, as a column.

    Examples
    --------
    >>> thousands(np.array([7, 1234, 1234567, -1000])).tolist()
    ['7', '1,234', '1,234,567', '-1,000']
    """
    x = np.abs(np.asarray(n, dtype=np.int64))
    tail: Any = np.full(len(x), "", dtype=StringDType())
    while (big := x >= 1000).any():
        group = np.strings.zfill((x % 1000).astype(StringDType()), 3)
        tail = np.where(big, np.strings.add(np.strings.add(",", group), tail), tail)
        x = np.where(big, x // 1000, x)
    sign = np.where(np.asarray(n) < 0, "-", "")
    return np.strings.add(np.strings.add(sign.astype(StringDType()), x.astype(StringDType())),
                          tail).astype(object)


def string_codes(col: np.ndarray) -> np.ndarray:
    """Dense codes of the strings of ``col`` in string order (equal strings, equal codes).

    Examples
    --------
    >>> string_codes(np.array(["b", "a", "b"], dtype=object)).tolist()
    [1, 0, 1]
    """
    return _ranks([col])


def _ranks(parts: list[np.ndarray]) -> np.ndarray:
    """Dense ranks (in string order) of the strings of ``parts`` concatenated."""
    col = np.concatenate(parts) if len(parts) > 1 else parts[0]
    if len(col) < 2:
        return np.zeros(len(col), dtype=np.int64)
    strs = col.tolist()
    try:  # joined by NULs: the NULs found are then the separators, or a value holds one
        joined = "\x00".join(strs)
    except TypeError:  # not all strings: compare the values themselves
        return dense_codes(col)[1]
    if joined.count("\x00") != len(strs) - 1:
        # numpy's string sort misorders a NUL: compare the Python strings
        return dense_codes(col)[1]
    n = len(strs)
    if n >= _FEW_FROM and len(set(strs[:: n // 512])) * 8 < len(strs[:: n // 512]):
        # few distinct strings (messages' tie-breaks, mostly): code them by a dict in one
        # pass, sort only the distinct ones
        names: list[str] = []
        codes = np.fromiter(map(Codes({}, names).__getitem__, strs), dtype=np.int64, count=n)
        rank = np.empty(len(names), dtype=np.int64)
        rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
        return rank[codes]
    if joined.isascii():
        return _ascii_ranks(strs, joined)
    try:
        strings = col.astype(StringDType())  # sorts in C, by code point like str does
    except UnicodeEncodeError:  # a lone surrogate: compare the Python strings themselves
        strings = col
    return dense_codes(strings)[1]


#: From this many strings on, :func:`_ranks` samples them for repeats.
_FEW_FROM = 4096


def _ascii_ranks(strs: list[str], joined: str) -> np.ndarray:
    """Dense ranks of ASCII strings without NUL (``joined``: the strings joined by NULs).

    Such strings compare like their bytes padded with NULs to a multiple of eight, read as
    big-endian 64-bit words: the rows are sorted by the first word (an integer sort) and
    only rows that tie are sorted further, word by word. Sorting the strings themselves
    (numpy's string sort) takes several times longer.
    """
    n = len(strs)
    b = np.frombuffer(joined.encode("ascii") + b"\x00", dtype=np.uint8)
    size = len(b) // n  # every string's length + 1 if they are all alike
    if len(b) == n * size and size > 1 and not (rows := b.reshape(n, size))[:, -1].any():
        # n NULs in all (checked by the caller) and one ends each row: every string has
        # the same length, so no string is looked at one by one (ids mostly)
        width = -(-(size - 1) // 8) * 8
        padded = np.zeros((n, width), dtype=np.uint8)
        padded[:, :size - 1] = rows[:, :-1]
    else:
        longest = max(map(len, strs))
        width = -(-max(longest, 1) // 8) * 8
        padded = np.frombuffer("".join(map(str.ljust, strs, repeat(width), repeat("\x00")))
                               .encode("ascii"), dtype=np.uint8).reshape(n, width)
    words = padded.view(">u8")
    order = np.argsort(words[:, 0].astype(np.uint64), kind="stable")
    first = words[order, 0]
    tie = first[1:] == first[:-1]  # tie[p]: sorted rows p and p + 1 agree so far
    t = np.flatnonzero(tie)
    if len(t) and width > 8:
        # runs of one repeated string (an id with several findings) are sorted already:
        # only runs holding two different strings are sorted further, word by word
        dup = (words[order[t]] == words[order[t + 1]]).all(axis=1)
        if dup.all():
            return _dense(order, tie)
        run = np.cumsum(run_starts(~tie))
        mixed = np.zeros(int(run[-1]) + 1, dtype=bool)
        mixed[run[t[~dup]]] = True
        in_mixed = mixed[run[1:]]
        return _dense(*_sort_ties(words, order, tie & in_mixed, width), keep=tie & ~in_mixed)
    return _dense(*_sort_ties(words, order, tie, width))


def _dense(order: np.ndarray, tie: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
    """Dense ranks of rows sorted by ``order``, where ``tie[p]`` (or ``keep[p]``) says
    sorted rows ``p`` and ``p + 1`` are equal."""
    if keep is not None:
        tie = tie | keep
    inv = np.empty(len(order), dtype=np.int64)
    inv[order] = np.cumsum(run_starts(~tie)) - 1
    return inv


def _sort_ties(words: np.ndarray, order: np.ndarray, tie: np.ndarray, width: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Rows sorted by their first word (``order``) with ``tie`` marking equal neighbours,
    sorted further word by word where they tie: ``(order, tie)`` by whole rows."""
    for j in range(1, width // 8):
        if not tie.any():
            break
        at = np.flatnonzero(np.r_[tie, False] | np.r_[False, tie])  # rows in tied runs
        run = np.cumsum(np.r_[True, ~tie])[at]
        sub = np.lexsort((words[order[at], j].astype(np.uint64), run))
        order[at] = order[at][sub]
        t = np.flatnonzero(tie)
        tie[t] = words[order[t], j] == words[order[t + 1], j]
    return order, tie


def dense_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(distinct values in order, each value's index among them)``: what
    ``np.unique(values, return_inverse=True)`` gives, from one stable argsort.

    Examples
    --------
    >>> u, inv = dense_codes(np.array([5, 3, 5, 9]))
    >>> u.tolist(), inv.tolist()
    ([3, 5, 9], [1, 0, 1, 2])
    """
    if not len(values):
        return values[:0], np.zeros(0, dtype=np.int64)
    order = np.argsort(values, kind="stable")
    s = values[order]
    new = np.empty(len(s), dtype=bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    inv = np.empty(len(s), dtype=np.int64)
    inv[order] = np.cumsum(new) - 1
    return s[new], inv


def _const_ranks(blocks: list[tuple[int, FindingBlock]], attr: str) -> np.ndarray:
    """Ranks of a per-block attribute (``kind`` or ``order``): from the constants alone
    when no block holds a column."""
    vals = [getattr(b, attr) for _, b in blocks]
    if all(isinstance(v, str) for v in vals):
        rank = {v: k for k, v in enumerate(sorted(set(vals)))}
        return np.concatenate([np.full(b.n, rank[v], dtype=np.int64)
                               for v, (_, b) in zip(vals, blocks)])
    return _ranks([b.column(v, np.arange(b.n)) for v, (_, b) in zip(vals, blocks)])


def _sort_rule(blocks: list[tuple[int, FindingBlock]]) -> tuple[np.ndarray, np.ndarray]:
    """(block index, row) of one rule's findings, sorted by kind, ids, message.

    The kind and the first two ids are ranked and packed into one integer key (one
    integer sort); the ``order`` tie-break is ranked for the rows whose keys tie only,
    and the messages of the rows that still tie are made to order them.
    """
    glob = np.array([k for k, _ in blocks], dtype=np.int32)
    bidx = np.concatenate([np.full(b.n, k, dtype=np.int32) for k, (_, b) in enumerate(blocks)])
    rows = np.concatenate([np.arange(b.n, dtype=np.int64) for _, b in blocks])
    n = len(rows)
    if n < 2:
        return glob[bidx], rows
    lens = np.concatenate([np.diff(b.start) for _, b in blocks])
    more = lens > 2  # ids beyond the second decide before `order`: left to the messages
    keys = [_const_ranks(blocks, "kind")]  # most significant first
    for pos in (0, 1):
        got = [b.id_at(pos) for _, b in blocks]
        has = np.concatenate([h for h, _ in got])
        rank = np.zeros(n, dtype=np.int64)  # 0: no id at this position
        if has.all():
            rank = _ranks([s for _, s in got]) + 1
        elif has.any():
            rank[has] = _ranks([s[h] for h, s in got]) + 1
        keys.append(rank)
    keys.append(more.astype(np.int64))
    sizes = [int(k.max()) + 1 for k in keys]
    if np.prod(np.array(sizes, dtype=object)) < 2**62:
        key = keys[0]
        for k, size in zip(keys[1:], sizes[1:]):
            key = key * size + k
        perm = np.argsort(key, kind="stable")
        sk = key[perm]
        tie = sk[1:] == sk[:-1]
    else:  # pragma: no cover - more rows than an int64 key can pack
        perm = np.lexsort(keys[::-1])
        tie = np.ones(n - 1, dtype=bool)
        for k in keys:
            ks = k[perm]
            tie &= ks[1:] == ks[:-1]
    bidx, rows = bidx[perm], rows[perm]
    if tie.any() and all(b.order is not None for _, b in blocks):
        at = np.flatnonzero(np.r_[tie, False] | np.r_[False, tie])  # rows in tied runs
        vals = np.empty(len(at), dtype=object)
        for j, (_, b) in enumerate(blocks):
            mine = bidx[at] == j
            if mine.any():
                picked = rows[at][mine]
                vals[mine] = (_obj(b.order(picked)) if callable(b.order)
                              else b.column(b.order, picked))
        ranked = _ranks([vals])
        ranked[more[perm[at]]] = 0
        by = np.lexsort((ranked, np.cumsum(np.r_[True, ~tie])[at]))
        bidx[at], rows[at], perm[at] = bidx[at][by], rows[at][by], perm[at][by]
        full = np.zeros(n, dtype=np.int64)
        full[at] = ranked[by]
        tie &= full[1:] == full[:-1]
    # rows whose keys tie: order them by their full ids and messages
    if tie.any():
        edge = np.flatnonzero(np.diff(np.r_[0, tie.astype(np.int8), 0]))
        for lo, hi in zip(edge[::2].tolist(), (edge[1::2] + 1).tolist()):
            run = [blocks[b][1].finding(r) for b, r in zip(bidx[lo:hi].tolist(),
                                                           rows[lo:hi].tolist())]
            sub = sorted(range(hi - lo), key=lambda i: (run[i].ids, run[i].message))
            bidx[lo:hi], rows[lo:hi] = bidx[lo:hi][sub], rows[lo:hi][sub]
    return glob[bidx], rows


class Findings(Sequence[Finding]):
    """Findings as a sorted columnar table (see the module docstring).

    It is a sequence of :class:`Finding` (made on access): ``len``, indexing,
    iteration and ``==`` with a list work as with a list of findings. Slices,
    :meth:`select` and :meth:`by_rule` return :class:`Findings` views sharing the
    same blocks.

    Examples
    --------
    >>> import rostergraph
    >>> fs = rostergraph.validate(rostergraph.sample()).findings
    >>> fs.select(rule="RG-TRM-002").counts_by_rule()
    {'RG-TRM-002': 2}
    >>> sum(fs.counts_by_severity().values()) == len(fs)
    True
    >>> fs.column("rule")[:1].tolist() == [fs[0].rule]
    True
    """

    __slots__ = ("_b", "_blocks", "_kind", "_kinds", "_r", "_rule", "_rules", "_sev")

    def __init__(self, blocks: Iterable[FindingBlock] = ()) -> None:
        blocks = [b for b in blocks if b.n]
        by_rule: dict[str, list[tuple[int, FindingBlock]]] = {}
        for k, b in enumerate(blocks):
            by_rule.setdefault(b.rule, []).append((k, b))
        self._blocks = blocks
        self._rules = tuple(sorted(by_rule))
        parts = [_sort_rule(by_rule[rid]) for rid in self._rules]
        self._b = (np.concatenate([p[0] for p in parts]) if parts
                   else np.zeros(0, dtype=np.int32))
        self._r = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
        self._rule = np.repeat(np.arange(len(parts), dtype=np.int16),
                               [len(p[0]) for p in parts])
        self._sev, self._kind, self._kinds = self._codes()

    def _codes(self) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
        """Severity and kind codes of the sorted rows (from each block's constant or column)."""
        if not self._blocks:
            return np.zeros(0, np.int8), np.zeros(0, np.int16), ()
        kinds: set[str] = set()
        for b in self._blocks:
            kinds.update([b.kind] if isinstance(b.kind, str) else set(b.kind.tolist()))
        vocab = tuple(sorted(kinds))

        def codes(x: str | np.ndarray, names: Sequence[str], n: int) -> np.ndarray:
            if isinstance(x, str):
                return np.full(n, names.index(x) if x in names else len(names), np.int16)
            look = {v: k for k, v in enumerate(names)}
            return np.fromiter((look.get(v, len(names)) for v in x.tolist()), np.int16, n)

        sev = np.concatenate([codes(b.severity, SEVERITIES, b.n) for b in self._blocks])
        kind = np.concatenate([codes(b.kind, vocab, b.n) for b in self._blocks])
        offs = np.cumsum([0] + [b.n for b in self._blocks])[:-1]
        at = offs[self._b] + self._r
        return sev[at].astype(np.int8), kind[at], vocab

    @classmethod
    def from_findings(cls, findings: Iterable[Finding]) -> Findings:
        """A table of findings already made (any rules; sorted like :func:`validate` does).

        Examples
        --------
        >>> f = Finding("RG-SEC-001", "error", "section", ("s1",), "section s1 has no students")
        >>> Findings.from_findings([f])[0] == f
        True
        """
        from .registry import RULES

        by_rule: dict[str, list[Finding]] = {}
        for f in findings:
            by_rule.setdefault(f.rule, []).append(f)
        blocks = []
        for rid, fs in by_rule.items():
            r = RULES.get(rid) or Rule(rid, fs[0].severity, "", "roster", rid.lower())
            blocks.append(FindingBlock.of_findings(r, fs))
        return cls(blocks)

    def _view(self, at: np.ndarray | slice) -> Findings:
        out = object.__new__(Findings)
        out._blocks, out._rules, out._kinds = self._blocks, self._rules, self._kinds
        out._b, out._r, out._rule = self._b[at], self._r[at], self._rule[at]
        out._sev, out._kind = self._sev[at], self._kind[at]
        return out

    # -- the sequence ---------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._r)

    @overload
    def __getitem__(self, i: int) -> Finding: ...
    @overload
    def __getitem__(self, i: slice) -> Findings: ...
    def __getitem__(self, i: int | slice) -> Finding | Findings:
        if isinstance(i, slice):
            return self._view(i)
        return self._blocks[int(self._b[i])].finding(int(self._r[i]))

    def __iter__(self) -> Iterator[Finding]:
        blocks = self._blocks
        for b, r in zip(self._b.tolist(), self._r.tolist()):
            yield blocks[b].finding(r)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Findings, list, tuple)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Findings {len(self):,} from {len(set(self._rule.tolist()))} rules>"

    # -- columns, counts, selection -------------------------------------------------------
    def column(self, name: str) -> np.ndarray:
        """One column as an array: ``rule``, ``severity``, ``kind``, ``id`` (the first id,
        ``""`` when none), ``ids`` (tuples), ``message`` or ``values`` (dicts)."""
        if name == "rule":
            return np.asarray(self._rules + ("",), dtype=object)[self._rule]
        if name == "severity":
            return np.asarray(SEVERITIES + ("",), dtype=object)[self._sev]
        if name == "kind":
            return np.asarray(self._kinds + ("",), dtype=object)[self._kind]
        out = np.empty(len(self), dtype=object)
        for k, b in enumerate(self._blocks):
            at = np.flatnonzero(self._b == k)
            if not len(at):
                continue
            rows = self._r[at]
            if name == "id":
                out[at] = b.id_at(0)[1][rows]
            elif name == "ids":
                out[at] = _tuples(b.ids_rows(rows))
            elif name == "message":
                out[at] = b.messages(rows)
            elif name == "values":
                out[at] = b.values_rows(rows)
            else:
                raise KeyError(f"no findings column {name!r}; expected rule, severity, kind, "
                               "id, ids, message or values")
        return out

    def counts_by_rule(self) -> dict[str, int]:
        """Rule id → number of findings (rules with findings only, in id order)."""
        n = np.bincount(self._rule, minlength=len(self._rules))
        return {rid: int(c) for rid, c in zip(self._rules, n.tolist()) if c}

    def counts_by_severity(self) -> dict[str, int]:
        """Severity → number of findings (every severity, zeros included)."""
        n = np.bincount(self._sev, minlength=len(SEVERITIES))
        return dict(zip(SEVERITIES, map(int, n.tolist())))

    def counts_by_rule_severity(self) -> dict[tuple[str, str], int]:
        """(rule, severity) → number of findings."""
        key = self._rule.astype(np.int64) * len(SEVERITIES) + self._sev
        u, inv = dense_codes(key)
        n = np.bincount(inv, minlength=len(u))
        return {(self._rules[k // len(SEVERITIES)], SEVERITIES[k % len(SEVERITIES)]): int(c)
                for k, c in zip(u.tolist(), n.tolist())}

    def select(self, *, rule: str | None = None, severity: str | None = None,
               kind: str | None = None) -> Findings:
        """The findings of one rule (an id or a family prefix like ``RG-SEC``), severity
        and/or kind, as a view."""
        mask = np.ones(len(self), dtype=bool)
        if rule is not None:
            codes = [k for k, rid in enumerate(self._rules)
                     if rid == rule or rid.startswith(rule.rstrip("-") + "-")]
            wanted = np.zeros(len(self._rules) + 1, dtype=bool)
            wanted[codes] = True
            mask &= wanted[self._rule]
        if severity is not None:
            mask &= self._sev == (SEVERITIES.index(severity) if severity in SEVERITIES else -1)
        if kind is not None:
            mask &= self._kind == (self._kinds.index(kind) if kind in self._kinds else -1)
        return self._view(np.flatnonzero(mask))

    def by_rule(self) -> dict[str, Findings]:
        """Rule id → its findings as a view (rules with findings, in id order)."""
        bounds = np.searchsorted(self._rule, np.arange(len(self._rules) + 1))
        return {rid: self._view(slice(int(bounds[k]), int(bounds[k + 1])))
                for k, rid in enumerate(self._rules) if bounds[k + 1] > bounds[k]}
