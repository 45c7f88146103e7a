"""Per-cell flags and codes of pyarrow string columns, read from their buffers: which
cells are empty, hold a byte JSON would escape, split plainly at commas; and the
distinct rows of several small-int columns. The column-wise readers decide from these
which rows they may read without the row path.

Examples
--------
>>> import pyarrow as pa
>>> col = pa.chunked_array([["a", "", 'b"'], ["c,d"]])
>>> nonempty_cells(col).tolist(), clean_cells(col).tolist()
([True, False, True, True], [True, True, False, True])
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from .arrow_np import array_chunks, arrow_bools, numpy_of, text_buffers
from .csv_arrow import encoded_column, taken_by_block

__all__ = ["FREE_TEXT", "bit_words", "bits_of", "cell_codes", "cell_sizes", "clean_cells",
           "distinct_rows", "escaped_cells", "flagged", "json_escaped", "nonempty_cells",
           "not_plain_byte", "placeholder_like", "plain_ids", "split_plainly",
           "template_cells"]


def flagged(col: Any, test: Any) -> np.ndarray:
    """Per cell of a pyarrow string column: whether any of its bytes passes ``test`` (a
    function of a uint8 array giving a bool array), chunk by chunk over the buffers."""
    out = []
    for chunk in array_chunks(col):
        off, data = text_buffers(chunk)
        flags = np.zeros(len(chunk), dtype=bool)
        hits = np.flatnonzero(test(data[off[0]:off[-1]]))
        if len(hits):
            flags[np.searchsorted(off, hits + off[0], side="right") - 1] = True
        out.append(flags)
    return np.concatenate(out) if out else np.zeros(0, dtype=bool)


def not_plain_byte(seg: np.ndarray) -> np.ndarray:
    # what JSON escapes (a quote, a backslash, a control character), and 0xEE, which may
    # start a placeholder's character (private use from U+E000: left to the row path)
    return (seg < 0x20) | (seg == 0x22) | (seg == 0x5C) | (seg == 0xEE)


def clean_cells(col: Any) -> np.ndarray:
    """Per cell: whether it holds nothing :func:`not_plain_byte` flags."""
    return ~flagged(col, not_plain_byte)


#: OneRoster users.csv columns whose cells a reader takes as the user's text, as they
#: are: a quote, a backslash or a control character in them (a nickname in quotes, a tab
#: pasted into a name) is written escaped into the user's JSON text, not a reason to read
#: the row by the row path.
FREE_TEXT = frozenset({
    "givenName", "familyName", "middleName", "preferredGivenName", "preferredMiddleName",
    "preferredFamilyName", "email", "username", "identifier", "sms", "phone", "pronouns",
    "userMasterIdentifier"})


def template_cells(cols: dict[str, Any], free_text: frozenset[str] = FREE_TEXT
                   ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Of the rows of columns ``cols`` (pyarrow string columns by name): whether a
    template can take each row's cells, and per ``free_text`` column that has any, the
    cells to escape first (:func:`json_escaped`). A cell :func:`not_plain_byte` flags is
    refused, but in a free-text column only one that may hold a placeholder's character.

    >>> import pyarrow as pa
    >>> ok, escape = template_cells({"givenName": pa.array(['O"Neil', "Ann", "x\ue000"]),
    ...                              "sourcedId": pa.array(["1", 'u"2', "3"])})
    >>> ok.tolist(), {c: m.tolist() for c, m in escape.items()}
    ([True, False, False], {'givenName': [True, False, False]})
    """
    ok: np.ndarray | None = None
    escape: dict[str, np.ndarray] = {}
    for col, arr in cols.items():
        bad = flagged(arr, not_plain_byte)
        if col in free_text and bad.any():
            held = flagged(arr, _placeholder_byte)
            if (bad & ~held).any():
                escape[col] = bad & ~held
            bad = held
        ok = ~bad if ok is None else ok & ~bad
    return (ok if ok is not None else np.zeros(0, dtype=bool)), escape


def _placeholder_byte(seg: np.ndarray) -> np.ndarray:
    return seg == 0xEE


#: The characters a placeholder may be made of (those whose UTF-8 begins with 0xEE).
_PRIVATE_USE = re.compile("[\ue000-\uefff]")


def placeholder_like(texts: Iterable[str]) -> bool:
    """Whether any of ``texts`` holds a character of the private-use range placeholders
    are made of (from U+E000, see :func:`not_plain_byte`). A user's schools and district
    are org ids, and its extra keys column names, not its cells: a template would take
    such a character in them for a placeholder's.

    >>> placeholder_like(["sch", "dist\ue000"]), placeholder_like(["sch", "{0}"])
    (True, False)
    """
    return _PRIVATE_USE.search("".join(texts)) is not None


#: How ``orjson`` writes each control character in a JSON string.
_CONTROL_ESCAPES = {**{b: f"\\u{b:04x}" for b in range(0x20)},
                    0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"}


def json_escaped(col: Any, which: np.ndarray) -> Any:
    r"""Pyarrow string array ``col`` with cells ``which`` (a bool per cell) as they are
    written inside a JSON string, with the escapes ``orjson`` writes (the others as they
    are): a cell filled into a template's JSON text reads back as itself.

    >>> import orjson, pyarrow as pa, numpy as np
    >>> cells = ['O"Neil', "Ann", "a\b	c"]
    >>> got = json_escaped(pa.array(cells), np.array([True, False, True])).to_pylist()
    >>> got == [orjson.dumps(c)[1:-1].decode() for c in cells]
    True
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not which.any():
        return col
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    mask = arrow_bools(which)
    part = pc.replace_substring(col.filter(mask), "\\", "\\\\")  # (first: escapes hold one)
    part = pc.replace_substring(part, '"', '\\"')
    off, data = text_buffers(part)
    seg = data[off[0]:off[-1]]
    for b in np.unique(seg[seg < 0x20]).tolist():
        part = pc.replace_substring(part, chr(b), _CONTROL_ESCAPES[b])
    return pc.replace_with_mask(col, mask, part.cast(col.type))


def escaped_cells(arrays: list[Any], escape: dict[int, np.ndarray],
                  rows: np.ndarray) -> list[Any]:
    r"""A template's cell columns ``arrays`` (the cells of the rows at table positions
    ``rows``; ``None``: a column not read) as the template takes them: the cells
    ``escape`` marks (by template cell, a bool per table row, from :func:`template_cells`)
    escaped by :func:`json_escaped`.

    >>> import pyarrow as pa, numpy as np
    >>> escaped_cells([pa.array(['a"b', "c"]), None], {0: np.array([0, 1, 1], bool)},
    ...               np.array([1, 2]))[0].to_pylist()
    ['a\\"b', 'c']
    """
    return [a if a is None or k not in escape else json_escaped(a, escape[k][rows])
            for k, a in enumerate(arrays)]


def cell_sizes(col: Any) -> np.ndarray:
    """Per cell of a pyarrow string column: its size in bytes (from its offsets)."""
    parts = [np.diff(text_buffers(c)[0]) for c in array_chunks(col)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def nonempty_cells(col: Any) -> np.ndarray:
    return cell_sizes(col) > 0


def split_plainly(col: Any) -> np.ndarray:
    """Per agentSourcedIds cell: whether it splits into its ids at its commas alone, as
    the row path splits it (no space, no empty item, no id twice)."""
    bad = flagged(col, _space_or_commas)
    out = []
    for chunk in array_chunks(col):
        off, data = text_buffers(chunk)
        full = np.flatnonzero(np.diff(off) > 0)
        edge = np.zeros(len(chunk), dtype=bool)  # (a comma first or last: an empty item)
        edge[full[(data[off[full]] == 0x2C) | (data[off[full + 1] - 1] == 0x2C)]] = True
        out.append(edge)
    bad |= np.concatenate(out) if out else np.zeros(0, dtype=bool)
    listed = np.flatnonzero(~bad & flagged(col, lambda b: b == 0x2C))
    if len(listed):  # (an id twice in a cell: its ids coded, each (cell, id) pair once)
        import pyarrow.compute as pc

        split = pc.split_pattern(taken_by_block(col, listed), pattern=",")
        codes = numpy_of(pc.dictionary_encode(pc.list_flatten(split)).indices).astype(np.int64)
        owner = np.repeat(np.arange(len(listed), dtype=np.int64),
                          numpy_of(pc.list_value_length(split)))
        pairs = np.sort(owner * (int(codes.max()) + 1) + codes)
        again = pairs[1:][pairs[1:] == pairs[:-1]] // (int(codes.max()) + 1)
        bad[listed[again]] = True
    return ~bad


def _space_or_commas(seg: np.ndarray) -> np.ndarray:
    # a space, or the first of two commas in a row (",,": an empty item)
    comma = seg == 0x2C
    out = seg == 0x20
    out[:-1] |= comma[:-1] & comma[1:]
    return out


def distinct_rows(parts: list[np.ndarray]) -> tuple[list[list[int]], np.ndarray]:
    """The distinct rows of the columns ``parts`` (small non-negative ints, one value per
    row each), and each row's number among them: the columns packed into as few int64
    words as hold them, so that numpy sorts one or two words, not a row of many."""
    words: list[np.ndarray] = []
    word, span = None, 1
    for p in parts:
        size = int(p.max()) + 1 if len(p) else 1
        if word is None or span * size >= 1 << 62:
            if word is not None:
                words.append(word)
            word, span = p.astype(np.int64), size
        else:
            word, span = word * size + p, span * size
    if word is not None:
        words.append(word)
    if len(words) == 1:
        _, first, inverse = np.unique(words[0], return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(np.stack(words, axis=1), axis=0, return_index=True,
                                      return_inverse=True)
    return [[int(p[i]) for p in parts] for i in first.tolist()], inverse.reshape(-1)


#: Bits of a row's shape packed into one int64 word (7 bytes: a word stays positive).
WORD_BYTES = 7


def bit_words(bits: np.ndarray) -> list[np.ndarray]:
    """The columns of the bool matrix ``bits`` packed, row by row, into int64 words of
    :data:`WORD_BYTES` bytes (the first column the lowest bit of the first word)."""
    packed = np.packbits(bits, axis=1, bitorder="little")
    words = []
    for at in range(0, packed.shape[1], WORD_BYTES):
        part = np.zeros((len(bits), 8), dtype=np.uint8)
        part[:, :min(WORD_BYTES, packed.shape[1] - at)] = packed[:, at:at + WORD_BYTES]
        words.append(part.view(np.int64).reshape(-1))
    return words


def bits_of(words: list[int], n: int) -> list[int]:
    """:func:`bit_words` undone for one row: its ``n`` bits."""
    per = 8 * WORD_BYTES
    return [(words[k // per] >> (k % per)) & 1 for k in range(n)]


def cell_codes(col: Any) -> tuple[np.ndarray, list[str]]:
    return encoded_column(col)


def plain_ids(col: Any) -> np.ndarray:
    """Per id cell of a pyarrow string column: non-empty, no space (nor any non-ASCII
    byte) first or last, and not a formula (``="...``): the ids the SFTP row path takes
    as they are, telling nothing.

    >>> import pyarrow as pa
    >>> plain_ids(pa.array(["a1", " a2", "", '="007"', "b"])).tolist()
    [True, False, False, False, True]
    """
    out = []
    for chunk in array_chunks(col):
        off, data = text_buffers(chunk)
        size = np.diff(off)
        full = size > 0
        at = np.flatnonzero(full)
        good = np.zeros(len(size), dtype=bool)
        head, tail = data[off[at]], data[off[at + 1] - 1]
        plain = (head > 0x20) & (head < 0x80) & (tail > 0x20) & (tail < 0x80)
        second = np.zeros(len(at), dtype=np.uint8)
        two = size[at] > 1
        second[two] = data[off[at[two]] + 1]
        plain &= ~((head == ord("=")) & (second == ord('"')))
        good[at] = plain
        out.append(good)
    return np.concatenate(out) if out else np.zeros(0, dtype=bool)
