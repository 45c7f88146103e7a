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

from typing import Any

import numpy as np

from .arrow_np import array_chunks, numpy_of, text_buffers
from .csv_arrow import encoded_column, taken_by_block

__all__ = ["bit_words", "bits_of", "cell_codes", "cell_sizes", "clean_cells",
           "distinct_rows", "flagged", "nonempty_cells", "not_plain_byte", "plain_ids",
           "split_plainly"]


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
