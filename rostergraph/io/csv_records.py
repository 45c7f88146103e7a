"""CSV rows that span lines (a quoted cell holding a line break: a note, an address, a
name pasted with its line break), and empty lines between rows.

pyarrow parses such a file as the :mod:`csv` module does, but its rows are then no longer
its lines: a table's rows would take the wrong line numbers, so a file holding one such
cell used to be read row by row, the whole of it. Here the line each row starts on is
found from the lines holding a quote alone: a line break is inside a quoted cell when an
odd number of quotes comes before it in the file (a quote opens or closes a quoted cell,
and a quote inside one is doubled). Each row holding a quote is then given as the span
of its lines, so that it is checked, byte for byte, as a row on one line is
(:func:`~rostergraph.io.csv_arrow.quoted_lines_agree`): a file where the parity of
quotes and pyarrow disagree is still declined. An empty line (a blank line between
rows, or after the last) is no row to pyarrow nor to the :mod:`csv` module's reading; the
rows after it keep their own line numbers too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import numpy as np

__all__ = ["RowLines", "blank_lines_in", "breaks_in", "quote_parity", "spanned_rows"]

#: Bytes of a buffer looked at per step of :func:`quote_parity`.
_STEP = 1 << 24


class RowLines(Sequence[int]):
    """The line each row of a table starts on (the header's line is 1), when some rows
    span lines: a sequence of ``int`` over an array, as ``range(2, n + 2)`` is for a
    table whose rows are its lines. ``numpy.asarray`` gives the array itself.

    Examples
    --------
    >>> lines = RowLines(np.array([2, 3, 5]))
    >>> len(lines), lines[2], list(lines[1:]), np.asarray(lines).tolist()
    (3, 5, [3, 5], [2, 3, 5])
    """

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __len__(self) -> int:
        return len(self.array)

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> RowLines: ...

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return RowLines(self.array[i])
        return int(self.array[i])

    def __iter__(self) -> Iterator[int]:
        return iter(self.array.tolist())

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is None and not copy:  # (the array itself: read, never changed)
            return self.array
        return self.array.astype(dtype or self.array.dtype, copy=True)

    def __repr__(self) -> str:
        return f"RowLines({self.array.tolist()!r})"


def breaks_in(part: np.ndarray) -> np.ndarray:
    """Where each line break of bytes ``part`` ends (a CR, an LF, or the LF of a CRLF:
    one break each), ascending.

    >>> breaks_in(np.frombuffer(b"a\\r\\nb\\rc\\n\\n", dtype=np.uint8)).tolist()
    [2, 4, 6, 7]
    """
    lf = np.flatnonzero(part == 10)
    cr = np.flatnonzero(part == 13)
    if not len(cr):
        return lf
    nxt = cr + 1  # (a CR followed by an LF is one break with it: the LF's)
    inside = nxt < len(part)
    alone = np.ones(len(cr), dtype=bool)
    alone[inside] = part[nxt[inside]] != 10
    return np.sort(np.concatenate([lf, cr[alone]]))


def blank_lines_in(part: np.ndarray) -> tuple[np.ndarray, int]:
    """Of whole lines ``part`` (bytes; its last line ends after a break, or at the file's
    end): the number (from 0) of each line that is empty, and the count of line breaks.
    pyarrow skips such a line, as the :mod:`csv` module's reading does.

    >>> blank_lines_in(np.frombuffer(b"h\\r\\n\\r\\n1\\n\\n\\r2", dtype=np.uint8))
    (array([1, 3, 4]), 5)
    """
    brk = breaks_in(part)
    start = np.concatenate([[0], brk[:-1] + 1]) if len(brk) else brk
    crlf = brk > start
    crlf[crlf] = (part[brk[crlf] - 1] == 13) & (part[brk[crlf]] == 10)
    return np.flatnonzero(brk - crlf == start), len(brk)


def quote_parity(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Whether each line ``buf[starts[i]:ends[i]]`` (ascending, not overlapping) holds an
    odd number of quotes; the buffer is looked at a step at a time, and only the steps
    holding some of the lines.

    >>> buf = np.frombuffer(b'1,"a\\nb",c\\n2,"x""y"', dtype=np.uint8)
    >>> quote_parity(buf, np.array([0, 5, 10]), np.array([4, 9, 18])).tolist()
    [True, True, False]
    """
    odd = np.zeros(len(starts), dtype=bool)
    if not len(starts):
        return odd
    for lo in range(int(starts[0]), int(ends[-1]), _STEP):
        hi = lo + _STEP
        a = int(np.searchsorted(ends, lo, side="right"))  # (the first line ending after lo)
        z = int(np.searchsorted(starts, hi, side="left"))  # (past the last starting before hi)
        if a >= z:
            continue
        quotes = np.flatnonzero(buf[lo:hi] == 0x22) + lo
        count = (np.searchsorted(quotes, np.minimum(ends[a:z], hi))
                 - np.searchsorted(quotes, np.maximum(starts[a:z], lo)))
        odd[a:z] ^= (count & 1).astype(bool)
    return odd


def spanned_rows(quoted: tuple[np.ndarray, np.ndarray, np.ndarray], odd: np.ndarray,
                 n_lines: int, n_rows: int, *, every_line: bool = True,
                 blank: np.ndarray | None = None,
                 ) -> tuple[RowLines, tuple[np.ndarray, np.ndarray, np.ndarray]] | None:
    """The line each of ``n_rows`` rows starts on, and ``(row + 1, start, end)`` of each
    row holding a quote, from ``quoted``: ``(line, start, end)`` of each line after the
    header that holds a quote (line 0 is the header; ``end`` excludes the line break),
    and ``odd``, whether each holds an odd number of quotes (:func:`quote_parity`). A row
    spans its first line's start to its last line's end; the empty lines ``blank``
    (numbered as ``quoted``'s) are no row's. ``None`` when the lines cannot be
    ``n_rows`` rows: a quoted cell left open at the end, or a count that differs.
    ``every_line=False``: ``start`` and ``end`` are in a text of the lines holding a
    quote only, one after another with their breaks; ``None`` then for a row with a
    line that holds none (its text is not there whole).

    >>> q = (np.array([1, 2, 4]), np.array([4, 9, 19]), np.array([8, 13, 23]))
    >>> lines, rows = spanned_rows(q, np.array([True, True, False]), 5, 3)
    >>> list(lines), [r.tolist() for r in rows]
    ([2, 4, 5], [[1, 3], [4, 19], [13, 23]])
    >>> spanned_rows(q, np.array([True, False, False]), 5, 3) is None
    True
    >>> list(spanned_rows(q, np.array([True, True, False]), 5, 2, blank=np.array([3]))[0])
    [2, 5]
    """
    lines, starts, ends = quoted
    inside = np.logical_xor.accumulate(odd) if len(odd) else odd
    if len(inside) and inside[-1]:  # (a quoted cell open at the file's end)
        return None
    k = np.flatnonzero(inside)  # (the break after each of these lines is in a cell)
    if not every_line and np.any(lines[k + 1] != lines[k] + 1):
        return None
    # the lines a row goes on to: those after each such line, up to the next with a quote
    edge = np.zeros(n_lines + 1, dtype=np.int32)
    edge[lines[k] + 1] += 1
    edge[lines[k + 1] + 1] -= 1
    starts_row = np.cumsum(edge[:n_lines]) == 0
    if blank is not None:
        starts_row[blank[blank < n_lines]] = False
    first = np.flatnonzero(starts_row[1:]) + 1  # (a row's first line)
    if len(first) != n_rows:
        return None
    opening = np.ones(len(lines), dtype=bool)
    opening[1:] = ~inside[:-1]
    rows = np.searchsorted(first, lines[opening])
    return RowLines(first + 1), (rows + 1, starts[opening], ends[~inside])
