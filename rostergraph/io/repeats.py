"""Whether a large pyarrow string column holds a value twice, without a ``str`` per cell.

Examples
--------
>>> import pyarrow as pa
>>> has_repeats(pa.chunked_array([["b", "a"], ["c", "a"]]))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrow_np import array_chunks, numpy_of, text_buffers
from .csv_arrow import taken_by_block

__all__ = ["cell_hashes", "has_repeats"]

#: Sorted cells :func:`has_repeats` gathers at a time.
SORTED_AT_ONCE = 262_144
#: The longest cell (in 8-byte words) :func:`cell_hashes` hashes; a column with a longer
#: one is compared sorted instead.
HASHED_WORDS = 32


def has_repeats(col: Any) -> bool:
    """Whether chunked pyarrow column ``col`` holds a value twice.

    Each cell is hashed to 64 bits (:func:`cell_hashes`) and the hashes sorted: cells
    whose hashes differ differ, and the few whose hashes meet are compared themselves.
    Sorting 6.2M enrollment ids as strings took 3.4 s, their hashes 1 s. A column with
    nulls or very long cells is sorted as strings (:func:`_sorted_repeats`).

    Examples
    --------
    >>> import pyarrow as pa
    >>> has_repeats(pa.chunked_array([["b", "a"], ["c", "a"]]))
    True
    >>> has_repeats(pa.chunked_array([["b", "a"], ["c"], []]))
    False
    """
    hashes = cell_hashes(col)
    if hashes is None:
        return _sorted_repeats(col)
    if len(hashes) < 2:
        return False
    ordered = np.sort(hashes)
    met = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    # (the cells of a few hashes met at a time: a repeat, nearly always, found at once)
    for at in range(0, len(met), _MET_AT_ONCE):
        rows = np.flatnonzero(np.isin(hashes, met[at:at + _MET_AT_ONCE]))
        cells = taken_by_block(col, rows).to_pylist()
        if len(set(cells)) < len(cells):
            return True
    return False


#: Hashes met :func:`has_repeats` checks at a time (their cells compared as ``str``).
_MET_AT_ONCE = 64


def cell_hashes(col: Any) -> np.ndarray | None:
    """A 64-bit hash of each cell of pyarrow string column ``col`` (chunked or not),
    computed over its buffers 8 bytes at a time; ``None`` for a column that is not plain
    strings, has nulls, or a cell longer than :data:`HASHED_WORDS` words. Equal cells
    have equal hashes.

    >>> import pyarrow as pa
    >>> h = cell_hashes(pa.chunked_array([["abc", "abcdefghij"], ["abc", "", "abd"]]))
    >>> bool(h[0] == h[2]), bool(h[0] == h[4]), bool(h[1] == h[3])
    (True, False, False)
    """
    import pyarrow as pa

    out = []
    for chunk in array_chunks(col):
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)
                or pa.types.is_binary(chunk.type)) or chunk.null_count:
            return None
        off, data = text_buffers(chunk)
        starts, sizes = off[:-1].astype(np.int64), np.diff(off).astype(np.int64)
        words = int(sizes.max() + 7) // 8 if len(sizes) else 0
        if words > HASHED_WORDS:
            return None
        # (every cell read as whole 8-byte words: 8 bytes of padding after the last; each
        # word at any byte offset through an unaligned view of the same bytes)
        padded = np.zeros(max(int(off[-1]) if len(off) else 0, 0) + 8, dtype=np.uint8)
        padded[:len(padded) - 8] = data[:len(padded) - 8]
        at = np.ndarray(shape=(len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
        h = sizes.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        for k in range(words):
            left = sizes - 8 * k
            live = np.flatnonzero(left > 0)
            word = at[starts[live] + 8 * k]
            short = left[live] < 8  # (the bytes past the cell's end masked off)
            word[short] &= (np.uint64(1) << (left[live][short] * 8).astype(np.uint64)
                            ) - np.uint64(1)
            mixed = (h[live] ^ word) * np.uint64(0xBF58476D1CE4E5B9)
            h[live] = mixed ^ (mixed >> np.uint64(31))
        out.append(h)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.uint64)


def _sorted_repeats(col: Any) -> bool:
    """:func:`has_repeats` by sorting the cells: in sorted order, gathered a slice at a time
    (:func:`taken_by_block`) and compared with their neighbours (the whole sorted copy was
    0.3 GB beside 6.2M enrollment ids)."""
    import pyarrow.compute as pc

    n = len(col)
    order = numpy_of(pc.sort_indices(col)).view(np.int64)  # (uint64 indices, no copy)
    for at in range(0, n - 1, SORTED_AT_ONCE):
        # (one more than the slice: the next slice's first)
        cells = taken_by_block(col, order[at:at + SORTED_AT_ONCE + 1])
        if pc.any(pc.equal(cells[1:], cells[:-1])).as_py():
            return True
    return False
