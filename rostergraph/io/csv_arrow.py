"""A clean CSV file parsed by ``pyarrow.csv`` in one C pass, when that gives exactly what
Python's :mod:`csv` module (strict, the default dialect) gives.

:func:`arrow_columns` returns the header and the columns, or ``None`` for any file it
cannot vouch for; the caller then reads the file with the :mod:`csv` module as before.

- Without a quote character every comma ends a cell and every CR, LF or CRLF ends a row
  in both parsers, so equal counts of rows and lines mean equal rows.
- With quotes the parsers differ only on lines that hold one: pyarrow accepts what the
  strict reader refuses (``"x"y``: text after a closing quote) and may join or split
  rows differently at a quoted line break. Where rows and lines differ in number, the
  line each row starts on is found from the parity of quotes
  (:mod:`~rostergraph.io.csv_records`), and a row is then the span of its lines. Each
  line (or row's span of lines) holding a quote is checked against pyarrow's row:

  - first, in C over the whole file: is the line, cell by cell, the CSV text of the
    row's cells, each either as it is (holding no quote, comma, CR or LF) or quoted with
    its quotes doubled? Such a line reads as that row in the :mod:`csv` module too,
    whichever cells the exporter quoted (only those that need it, every one, or
    some columns);
  - the lines left are read again with the :mod:`csv` module and compared. Any
    difference, any line the :mod:`csv` module refuses, or more than
    :data:`MAX_QUOTED_LINES` such lines (checking them would cost what the
    :mod:`csv` module's whole pass does) declines the file.

Examples
--------
>>> data = b'id,orgs\\n1,"a,b"\\n2,c\\n3,d\\n'
>>> header, cols, lines = arrow_columns(data, DEFAULT_LIMITS)
>>> header, [c.to_pylist() for c in cols], lines
(['id', 'orgs'], [['1', '2', '3'], ['a,b', 'c', 'd']], None)
>>> spans = b'id,note\\n1,"two\\nlines"\\n2,x\\n'
>>> _, cols, lines = arrow_columns(spans, DEFAULT_LIMITS)
>>> [c.to_pylist() for c in cols], list(lines)
([['1', '2'], ['two\\nlines', 'x']], [2, 4])
>>> bad = b'id,orgs\\n1,"a"b\\n'
>>> arrow_columns(bad, DEFAULT_LIMITS) is None
True
"""

from __future__ import annotations

import csv
import ctypes
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..idkeys import line_breaks
from .arrow_np import (
    array_chunks,
    arrow_bools,
    arrow_ints,
    arrow_texts,
    numpy_of,
    text_buffers,
    text_scalar,
)
from .csv_records import RowLines, blank_lines_in, breaks_in, quote_parity, spanned_rows
from .csv_rowchecks import separator_line, separator_of, spaced_quotes
from .limits import DEFAULT_LIMITS, Limits  # noqa: F401 (the examples use the default)

__all__ = [
    "MAX_QUOTED_LINES",
    "arrow_columns",
    "cells_at",
    "dictionary_codes",
    "encoded_column",
    "parse_pool",
    "quoted_lines_agree",
    "release_arrow_memory",
    "release_heap",
    "rows_in_slices",
    "rows_letting_go",
    "taken_by_block",
    "trimmed",
]

#: Lines holding a quote that the check in C leaves to the :mod:`csv` module, at most: past
#: this share of the file's lines, reading them again costs what the module's whole pass
#: does.
MAX_QUOTED_LINES = 0.25


def release_heap() -> None:
    """Give back to the system the free pages of the C heap (glibc's ``malloc_trim``;
    elsewhere nothing), which keeps them after the objects on them are freed. A reader
    calls it between its steps, once the dicts and texts of the one before are gone: the
    next step's peak then does not stand on theirs (a 1M-student OneRoster 1.2 bundle's
    load peaked 90-170 MB higher without it). It changes no setting."""
    if not sys.platform.startswith("linux"):
        return
    try:
        trim = ctypes.CDLL(None).malloc_trim  # (not glibc, musl say: none)
    except (OSError, AttributeError):
        return
    trim(0)


def release_arrow_memory() -> None:
    """Give back to the system the memory pyarrow's allocators (the default pool and the
    parse's, :func:`parse_pool`) keep from freed tables (nothing else changes). A reader
    calls it when its pyarrow tables are gone and Python objects come next: the
    allocator would otherwise keep ~1.5 GB of a 1M-student district's parsed CSV files
    beside them."""
    if "pyarrow" in sys.modules:  # (not imported: nothing was parsed by it)
        # (imported again, not taken from sys.modules: another thread may be importing it,
        # and the import waits for that one to end; the module half made has no pools)
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
        parse_pool().release_unused()


def parse_pool() -> Any:
    """The pyarrow memory pool the CSV parse allocates its tables from: jemalloc's where
    pyarrow's build has it, else the default pool. Asked for per parse, never made the
    process's default (other code in the process keeps its own). At a million students
    the load's peak was 40-200 MB lower (OneRoster 1.2: 3,742-3,869 against 3,906-3,941
    MiB; SFTP 3,127 against 3,296) in the same time: the default pool, mimalloc, held
    more of the parse's freed pages.

    >>> parse_pool().backend_name in ("jemalloc", "mimalloc", "system")
    True
    """
    import pyarrow as pa

    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return pa.default_memory_pool()


def dictionary_codes(chunks: list[Any]) -> np.ndarray:
    """The codes of dictionary-encoded chunks that share one dictionary, in pyarrow's
    integer type (32-bit: half the memory of ``int64`` for a column of millions of rows)."""
    if not chunks:
        return np.zeros(0, dtype=np.int32)
    return np.concatenate([numpy_of(c.indices) for c in chunks])


def encoded_column(col: Any) -> tuple[np.ndarray, list[str]]:
    """A pyarrow column's codes (an integer array) and its distinct values (in order of first
    appearance), encoded chunk by chunk with no whole-column copy; a column parsed
    dictionary-encoded gives its own codes (its chunks share one dictionary)."""
    import pyarrow as pa

    coded = pa.types.is_dictionary(col.type)
    enc = col if coded else col.dictionary_encode()
    chunks = array_chunks(enc)
    if not chunks:
        return np.zeros(0, dtype=np.int64), []
    # (the chunks share one memo table: the last chunk's dictionary holds every value,
    # at the codes the earlier chunks use)
    codes = dictionary_codes(chunks)
    values = chunks[-1].dictionary.to_pylist()
    if coded and len(codes):  # (held to the order encoded() promises, and no value unused)
        top = np.maximum.accumulate(codes)  # (in order: it grows by one at each new value)
        if codes[0] != 0 or np.any(np.diff(top) > 1) or int(top[-1]) + 1 != len(values):
            first = np.full(len(values), len(codes), dtype=np.int64)
            np.minimum.at(first, codes, np.arange(len(codes)))
            order = np.argsort(first, kind="stable")
            order = order[:int(np.count_nonzero(first < len(codes)))]
            rank = np.empty(len(values), dtype=np.int64)
            rank[order] = np.arange(len(order))
            codes, values = rank[codes], [values[i] for i in order.tolist()]
    elif coded:
        values = []
    return codes, values


#: Rows whose cells :func:`rows_in_slices` makes into ``str`` objects at a time.
ROWS_AT_ONCE = 65_536


def rows_in_slices(columns: list[Any], n: int) -> Iterator[tuple[str, ...]]:
    """The rows of ``columns`` (lists of cells, or pyarrow columns of ``n`` cells) as
    tuples, the pyarrow columns made into ``str`` objects :data:`ROWS_AT_ONCE` rows at a
    time (and not kept: what the rows' consumer keeps is all that stays)."""
    for at in range(0, n, ROWS_AT_ONCE):
        yield from zip(*[c[at:at + ROWS_AT_ONCE] if isinstance(c, list)
                         else c.slice(at, ROWS_AT_ONCE).to_pylist() for c in columns])


#: pyarrow blocks whose rows :func:`rows_letting_go` gives between two hand-backs of
#: their memory to the system.
BLOCKS_PER_RELEASE = 8


def rows_letting_go(columns: list[Any], n: int) -> Iterator[tuple[str, ...]]:
    """:func:`rows_in_slices`, letting each pyarrow block's cells go once its rows are
    given (``columns`` is emptied: the caller's table holds them no more), and handing
    their memory back to the system every :data:`BLOCKS_PER_RELEASE` blocks: a 1.1 GB
    ``users.csv`` table otherwise stays whole beside the records made from it."""
    blocks = [c.chunks if hasattr(c, "chunks") else None for c in columns]
    sizes = {tuple(map(len, b)) for b in blocks if b is not None}
    if any(b is None for b in blocks) or len(sizes) != 1:  # (not pyarrow's blocks alike)
        yield from rows_in_slices(columns, n)
        return
    columns.clear()
    for k in range(len(blocks[0])):  # type: ignore[arg-type]
        part = [b[k] for b in blocks]  # type: ignore[index]
        for b in blocks:
            b[k] = None  # type: ignore[index]
        for at in range(0, len(part[0]), ROWS_AT_ONCE):
            yield from zip(*[a.slice(at, ROWS_AT_ONCE).to_pylist() for a in part])
        del part
        if k % BLOCKS_PER_RELEASE == BLOCKS_PER_RELEASE - 1:
            release_arrow_memory()


def taken_by_block(col: Any, rows: np.ndarray) -> Any:
    """The cells of chunked pyarrow column ``col`` at ``rows`` (in that order), as one
    array, taken block by block: a take from a chunked column joins all of its blocks
    first (for 6.2M enrollment ids, a 0.2 GB copy each time).

    Examples
    --------
    >>> import pyarrow as pa
    >>> col = pa.chunked_array([["a", "b"], [], ["c", "d", "e"]])
    >>> taken_by_block(col, np.array([3, 0, 4, 1])).to_pylist()
    ['d', 'a', 'e', 'b']
    >>> taken_by_block(pa.array(["a", "b"]), np.array([1])).to_pylist()
    ['b']
    """
    import pyarrow as pa

    if not len(rows):
        return col.slice(0, 0)
    chunks = [c for c in array_chunks(col) if len(c)]  # (a plain array: one block)
    starts = np.cumsum([0] + [len(c) for c in chunks])
    block = np.searchsorted(starts, rows, side="right") - 1
    in_order = bool(np.all(block[1:] >= block[:-1]))  # (ascending rows: no reordering)
    by_block = np.arange(len(rows)) if in_order else np.argsort(block, kind="stable")
    grouped, where = rows[by_block], block[by_block]
    bounds = (np.flatnonzero(np.diff(where)) + 1).tolist()
    gathered = pa.concat_arrays([
        chunks[int(where[a])].take(arrow_ints(grouped[a:z] - starts[where[a]]))
        for a, z in zip([0, *bounds], [*bounds, len(grouped)])])
    if in_order:
        return gathered
    back = np.empty(len(rows), dtype=np.int64)  # gathered by block → the rows' order
    back[by_block] = np.arange(len(rows))
    return gathered.take(arrow_ints(back))


def cells_at(col: Any, rows: np.ndarray) -> list[str]:
    """The cells of pyarrow column ``col`` at ``rows`` (:func:`taken_by_block`): no other
    cell becomes a ``str`` object and the blocks are never joined.

    Examples
    --------
    >>> import pyarrow as pa
    >>> cells_at(pa.chunked_array([["a", "b"], ["c", "d", "e"]]), np.array([1, 3]))
    ['b', 'd']
    """
    return taken_by_block(col, rows).to_pylist()  # type: ignore[no-any-return]


def trimmed(header: list[str]) -> list[str]:
    """``header`` without its trailing empty (or blank) names.

    Examples
    --------
    >>> trimmed(["id", "name", "", " "])
    ['id', 'name']
    """
    end = len(header)
    while end and not header[end - 1].strip():
        end -= 1
    return header[:end]


#: No line (an empty array of line numbers or positions; read-only, shared).
_NONE = np.zeros(0, dtype=np.int64)
_NONE.flags.writeable = False
#: Bytes looked at per step of :func:`_quoted_lines` (its temporaries are a few times this).
_CHUNK = 1 << 24
#: Quoted lines checked at a time (the checks' temporaries are a few times their size).
CHECK_ROWS = 65_536


def _chunk_end(data: bytes, start: int) -> int:
    """Where the step starting at ``start`` ends: after a line break (a CRLF kept whole)."""
    stop = start + _CHUNK
    if stop >= len(data):
        return len(data)
    cut = data.rfind(b"\n", start, stop)
    if cut < 0:
        cut = data.rfind(b"\r", start, stop)
        if cut < 0:  # a line longer than a step: to its end
            found = [i for i in (data.find(b"\n", stop), data.find(b"\r", stop)) if i >= 0]
            if not found:
                return len(data)
            cut = min(found)
        if data[cut: cut + 2] == b"\r\n":
            cut += 1
    return cut + 1


def _quoted_in(part: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Of whole lines ``part`` (bytes; its last line ends after a break, or at the file's
    end): the number (from 0) of each line holding a quote, its start and its end (the
    line break excluded), and the count of line breaks (CR, LF or CRLF: one each)."""
    brk = breaks_in(part)
    # whether each line holds a quote, one "or" per line in C (a JSON cell holds dozens
    # of quotes: placing each among the breaks, or a running count, cost seconds)
    first = np.concatenate([[0], brk + 1])
    first = first[first < len(part)]  # (a step ends after a break)
    if not len(first):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, len(brk)
    idx = np.flatnonzero(np.logical_or.reduceat(part == 34, first))
    line_start = first[idx]
    line_end = np.append(brk, len(part))[idx]
    crlf = (line_end > line_start) & (line_end < len(part))
    crlf[crlf] = part[line_end[crlf] - 1] == 13  # (the CR of a CRLF)
    return idx, line_start, line_end - crlf, len(brk)


def _steps(data: bytes) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of each step of whole lines of ``data`` (:func:`_chunk_end`)."""
    at = 0
    while at < len(data):
        stop = _chunk_end(data, at)
        yield at, stop
        at = stop


def _quoted_lines(data: bytes) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], int]:
    """``(line, start, end)`` of each line after the header that holds a quote (line 0 is
    the header; ``end`` excludes the line break), and the count of line breaks (CR, LF or
    CRLF: one each)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    lines, starts, ends = [], [], []
    seen = 0
    for at, stop in _steps(data):
        idx, line_start, line_end, breaks = _quoted_in(buf[at:stop])
        lines.append(idx + seen)
        starts.append(line_start + at)
        ends.append(line_end + at)
        seen += breaks
    if not lines:
        return (_NONE, _NONE, _NONE), seen
    line, start, end = (np.concatenate(x) for x in (lines, starts, ends))
    keep = line > 0
    return (line[keep], start[keep], end[keep]), seen


def _blank_lines(data: bytes) -> np.ndarray:
    """The number (line 0 is the header) of each empty line of the file ``data``, a step
    at a time (:func:`~rostergraph.io.csv_records.blank_lines_in`)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    found = [_NONE]
    seen = 0
    for at, stop in _steps(data):
        idx, breaks = blank_lines_in(buf[at:stop])
        found.append(idx + seen)
        seen += breaks
    return np.concatenate(found)


def _as_strings(table: Any) -> Any:
    """``table`` with every column as strings (a dictionary-encoded one decoded)."""
    import pyarrow as pa

    return table.cast(pa.schema([(name, pa.string()) for name in table.column_names]))


def _rows_at(table: Any, rows: np.ndarray) -> Any:
    """The rows ``rows`` (ascending) of ``table``, taken from the slice of the table they
    span (a take from the whole table joins all of its blocks first, each time), every
    column as strings."""
    lo = int(rows[0])
    return _as_strings(table.slice(lo, int(rows[-1]) - lo + 1).take(arrow_ints(rows - lo)))


def _rows_spanned(table: Any, rows: np.ndarray) -> tuple[Any, np.ndarray]:
    """The slice of ``table`` that rows ``rows`` (ascending) span, every column as strings,
    and where each of ``rows`` is in it: when they are at least half of it, the rows
    between are carried along (a take copies every cell; they are never compared), else
    :func:`_rows_at` (the rows alone)."""
    lo, hi = int(rows[0]), int(rows[-1])
    if hi - lo + 1 > 2 * len(rows):
        return _rows_at(table, rows), np.arange(len(rows))
    return _as_strings(table.slice(lo, hi - lo + 1)), rows - lo


def _lines_match(made: Any, rel: np.ndarray, buf: np.ndarray, begin: np.ndarray,
                 end: np.ndarray) -> bool:
    """Whether the texts ``made`` at ``rel`` (a chunked array; each text as long as its
    line) are the file's lines ``buf[begin:end]``: one comparison of bytes per run of lines that
    follow one another, not one per line. ``False`` (nothing said of which line differs)
    for any line that differs, breaks other than the first line's (a file's lines end one
    way), or lines too scattered for runs to pay (each line is then compared on its own)."""
    gaps = begin[1:] - end[:-1]
    first = int(np.argmin(gaps)) if len(gaps) else 0  # (two lines in a row: their break)
    gap = int(gaps[first]) if len(gaps) else 1
    brk = buf[int(end[first]):int(end[first]) + gap].tobytes()
    if brk not in (b"\n", b"\r\n", b"\r"):
        return False
    # (where a run of lines ends: at another gap, or where the next line's row is not the
    # next of ``made``: lines of a text holding some lines only are next to each other)
    cut = np.flatnonzero((gaps != gap) | (rel[1:] != rel[:-1] + 1)) + 1
    if len(cut) > max(8, len(begin) >> 9):
        return False
    empty, newline = text_scalar(""), text_scalar(brk.decode())
    for lo, hi in zip(np.concatenate([[0], cut]).tolist(),
                      np.concatenate([cut, [len(begin)]]).tolist()):
        at = lo  # (lines in a row are rows in a row)
        for chunk in made.slice(int(rel[lo]), hi - lo).chunks:
            if len(chunk) and not _run_matches(chunk, empty, newline, gap, buf,
                                               int(begin[at]), int(end[at + len(chunk) - 1])):
                return False
            at += len(chunk)
    return True


def _run_matches(chunk: Any, empty: Any, newline: Any, width: int, buf: np.ndarray,
                 lo: int, hi: int) -> bool:
    """Whether the texts of ``chunk``, each followed by ``newline`` (``width`` bytes) but
    the last, are ``buf[lo:hi]``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lines = pc.binary_join_element_wise(chunk, empty, newline)  # (each row, then a break)
    wide = pa.types.is_large_string(lines.type) or pa.types.is_large_binary(lines.type)
    _, offsets, values = lines.buffers()
    offs = np.frombuffer(offsets, dtype=np.int64 if wide else np.int32)[
        lines.offset:lines.offset + len(lines) + 1]
    text = np.frombuffer(values, dtype=np.uint8)[offs[0]:offs[-1] - width]
    return hi - lo == len(text) and bool(np.array_equal(text, buf[lo:hi]))


def _unverified(data: bytes, table: Any,
                quoted: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """Positions (in ``quoted``, from :func:`_quoted_lines`) of the lines not shown to be,
    cell by cell, the CSV text of pyarrow's row at that line: each cell either as it is
    (holding no quote, comma, CR or LF) or quoted with its quotes doubled. A line shown
    so reads as that row in the :mod:`csv` module too (strict, the default dialect).

    Which form each cell takes is told by the byte where the cell starts (a quote or
    not); the line is then compared, whole, with the row's cells joined in those forms.
    """
    import pyarrow.compute as pc

    lines, starts, ends = quoted
    buf = np.frombuffer(data, dtype=np.uint8)
    last = len(data) - 1
    left: list[np.ndarray] = []
    for at in range(0, len(lines), CHECK_ROWS):
        rows, rel = _rows_spanned(table, lines[at:at + CHECK_ROWS] - 1)
        begin, end = starts[at:at + CHECK_ROWS], ends[at:at + CHECK_ROWS]
        pos = begin.copy()  # where each row's next cell starts in the file
        ok = np.ones(len(pos), dtype=bool)
        forms = []
        for col in rows.columns:
            is_q = (buf[np.minimum(pos, last)] == 0x22) & (pos <= last)
            every = is_q.all()
            if not every:  # (a cell as it is holds no quote, comma or break)
                ok &= is_q | ~numpy_of(pc.match_substring_regex(col, '[",\r\n]'))[rel]
            if is_q.any():  # (most columns are never quoted: as they are)
                quote = text_scalar('"')
                quoted_form = pc.binary_join_element_wise(
                    quote, pc.replace_substring(col, '"', '""'), quote, text_scalar(""))
                if every:  # (the rows between, never compared, take any form)
                    col = quoted_form
                else:
                    spanned = np.zeros(len(col), dtype=bool)
                    spanned[rel] = is_q
                    col = pc.if_else(arrow_bools(spanned), quoted_form, col)
            pos = pos + numpy_of(pc.binary_length(col))[rel] + 1
            forms.append(col)
        ok &= pos - 1 == end
        made = pc.binary_join_element_wise(*forms, text_scalar(","))
        if ok.all() and _lines_match(made, rel, buf, begin, end):
            continue  # (every line of the file as pyarrow's row: most files' lines)
        given = arrow_texts([data[a:b] for a, b in zip(begin.tolist(), end.tolist())],
                            binary=True)
        made = made.take(arrow_ints(rel)) if len(made) != len(rel) else made
        ok &= numpy_of(pc.equal(made.cast(given.type), given))
        left.append(np.flatnonzero(~ok) + at)
    return np.concatenate(left) if left else np.zeros(0, dtype=np.int64)


def _quoted_rows_agree(data: bytes, table: Any,
                       quoted: tuple[np.ndarray, np.ndarray, np.ndarray]) -> bool:
    """Whether each of the ``quoted`` lines (:func:`_quoted_lines`) reads, with the
    :mod:`csv` module alone, as pyarrow's row at that line (:data:`CHECK_ROWS` lines at
    a time: their cells are never all objects at once)."""
    lines, starts, ends = quoted
    for at in range(0, len(lines), CHECK_ROWS):
        part = slice(at, at + CHECK_ROWS)
        texts = [data[a:b].decode("utf-8") for a, b in zip(starts[part].tolist(),
                                                            ends[part].tolist())]
        try:
            want = list(csv.reader(texts, strict=True))
        except csv.Error:
            return False
        rows = _rows_at(table, lines[part] - 1)
        got = list(zip(*(col.to_pylist() for col in rows.columns)))
        if len(want) != len(texts) or any(list(g) != w for g, w in zip(got, want)):
            return False
    return True


def _header(first: str) -> list[str] | None:
    """The header line's names (read by the :mod:`csv` module when it holds a quote);
    ``None`` for a header whose names are separated by another character than commas
    (:func:`~rostergraph.io.csv_rowchecks.separator_of`), or a spreadsheet's separator
    line before the header (``sep=;``): the :mod:`csv` module reads those."""
    if separator_of(first) != "," or separator_line(first) is not None or spaced_quotes(first):
        return None
    if '"' not in first:
        return first.split(",")
    try:
        rows = list(csv.reader([first], strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


#: Bytes pyarrow parses at a time. One block of a whole large file is many times slower
#: (11-12 s against 1.1 s for a 730 MB ``enrollments.csv`` on a 2-core machine).
BLOCK = 1 << 24


def _read_csv(source: Any, coded: list[bool], quotes: bool, block: int,
              spans: bool = False) -> Any:
    """pyarrow's table of ``source``'s rows after the header (``source``: a buffer or a
    file object), one string column per ``coded`` flag, parsed ``block`` bytes at a time
    by pyarrow's own threads. A column whose flag is set is parsed
    dictionary-encoded (each distinct cell once, a 32-bit code per row; its blocks share
    one dictionary, in order of first appearance): for a column of a few distinct values
    over millions of rows, half the memory of strings and a fraction of the parse time.
    ``spans``: a quoted cell may hold a line break (pyarrow then cuts its blocks more
    slowly, where no row is cut; without it, such a cell at a block's end fails the
    parse). pyarrow's exceptions are the caller's."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = [f"c{i}" for i in range(len(coded))]
    types = {name: pa.dictionary(pa.int32(), pa.string()) if flag else pa.string()
             for name, flag in zip(names, coded)}
    table = pcsv.read_csv(
        source, memory_pool=parse_pool(),
        # (pyarrow's own threads: a 1.1 GB users.csv with JSON cells in 20-23 s against
        # 26-27 s, a 730 MB enrollments.csv in 3.0-4.3 s against 3.0-5.6 s)
        read_options=pcsv.ReadOptions(column_names=names, skip_rows=1, use_threads=True,
                                      block_size=block),
        parse_options=pcsv.ParseOptions(quote_char='"' if quotes else False,
                                        double_quote=True, ignore_empty_lines=True,
                                        newlines_in_values=spans),
        convert_options=pcsv.ConvertOptions(column_types=types, strings_can_be_null=False,
                                            quoted_strings_can_be_null=False),
    )
    if not any(coded):
        return table
    # blocks' dictionaries unified a column at a time, each column's old blocks let go
    # before the next is done (the whole table's at once held every column twice: with
    # a user column's per-block dictionaries, 0.4 GB beside 6.2M enrollments)
    columns = table.columns
    del table
    for i, flag in enumerate(coded):
        if flag:
            columns[i] = columns[i].unify_dictionaries()
    return pa.table(columns, names=names)


def _parse(data: bytes, coded: list[bool], quotes: bool, spans: bool = False
           ) -> tuple[Any, bool]:
    """``data``'s rows after the header (:func:`_read_csv`), :data:`BLOCK` bytes at a
    time, and whether its cells were parsed as cells that may hold a line break; ``None``
    when pyarrow refuses the file. A row (or the header) longer than a block fails the
    parse: the file is then parsed again as one block. A file with quotes that fails is
    parsed again with cells that may hold a line break (``spans``: such a cell at a
    block's end fails the parse, or makes other rows)."""
    import pyarrow as pa

    whole = min(max(len(data), 1 << 20), 1 << 30)
    block = min(BLOCK, whole)
    while True:
        try:
            return _read_csv(pa.BufferReader(data), coded, quotes, block, spans), spans
        except pa.ArrowInvalid as exc:
            if "block size" in str(exc) and block < whole:  # (a row longer than a block)
                block = whole
            elif quotes and not spans:
                spans = True
            else:
                return None, spans
        except (pa.ArrowException, ValueError, OSError):
            return None, spans


def _distinct_values(col: Any) -> list[Any]:
    """The arrays holding a column's cells: its chunks, or a dictionary-encoded column's
    dictionaries (each value once)."""
    import pyarrow as pa

    if pa.types.is_dictionary(col.type):
        return [c.dictionary for c in col.chunks[:1]]  # (its chunks share one, unified)
    return list(col.chunks)


def arrow_columns(data: bytes, limits: Limits, coded: Callable[[str], bool] | None = None,
                  ) -> tuple[list[str], list[Any], RowLines | None] | None:
    """The header, the columns and the rows' lines of a clean file, parsed by
    ``pyarrow.csv`` in C, when they are exactly what the :mod:`csv` module's whole pass
    would give: every row on its own lines (empty lines skipped), every row as long as the
    header, no field over the limits (of ``limits`` and of the :mod:`csv` module), no
    trailing empty column name, and every row holding a quote read the same by both.
    The lines are ``None`` when each row is one line; when a quoted cell holds a line
    break, the line each row starts on (:mod:`~rostergraph.io.csv_records`). ``None``
    otherwise, or without pyarrow: the file is read as before.

    ``data`` is the file's bytes without a byte-order mark, not decoded first: pyarrow
    checks that every cell it makes a string is UTF-8 (an overlong form, a surrogate or a
    stray byte fails the parse) and the header is decoded here, so a file that is not UTF-8
    is declined (the caller then reads it with its encoding problems). ``coded`` tells,
    from a column's name, whether to parse it dictionary-encoded (see :func:`_parse`):
    the cells read the same either way.
    """
    try:
        import pyarrow.csv  # noqa: F401 (without it, the csv module reads every file)
    except ImportError:
        return None
    end = len(data)
    for brk in (b"\n", b"\r"):
        at = data.find(brk, 0, end)
        if at >= 0:
            end = at
    try:
        header = _header(data[:end].decode("utf-8"))
    except UnicodeDecodeError:
        return None
    if not data or header is None or trimmed(header) != header:
        return None
    quoted = None
    if b'"' in data:  # (its scan counts the line breaks too)
        quoted, n_lines = _quoted_lines(data)
    else:
        n_lines = line_breaks(data)
    if data[-1:] not in (b"\r", b"\n"):
        n_lines += 1
    flags = [bool(coded and coded(name)) for name in header]
    table, spans = _parse(data, flags, quoted is not None)
    if table is None:
        return None
    lines = None
    if table.num_rows + 1 != n_lines:  # (rows spanning lines, or empty lines)
        buf = np.frombuffer(data, dtype=np.uint8)
        some = quoted if quoted is not None else (_NONE, _NONE, _NONE)
        odd = quote_parity(buf, some[1], some[2])
        if odd.any() and not spans:  # (parsed again, its blocks cut where no row is: a
            del table  # cell's line break at a block's end made other rows; never two
            table, _ = _parse(data, flags, True, True)  # tables at once)
            if table is None:
                return None
        got = spanned_rows(some, odd, n_lines, table.num_rows, blank=_blank_lines(data))
        if got is None:
            return None
        lines, spanned = got
        quoted = spanned if quoted is not None else None
        n_lines = table.num_rows + 1
    if not _fits(table, header, n_lines, len(data), limits):
        return None
    if quoted is not None and not quoted_lines_agree(data, table, quoted, n_lines):
        return None
    return header, list(table.columns), lines


def quoted_lines_agree(data: bytes, table: Any,
                       quoted: tuple[np.ndarray, np.ndarray, np.ndarray], n_lines: int
                       ) -> bool:
    """Whether pyarrow's ``table`` of a file of ``n_lines`` lines reads each of its lines
    holding a quote (``quoted``: ``(line, start, end)`` in ``data``, as
    :func:`_quoted_lines` gives them) as the :mod:`csv` module reads it: most shown so in
    C (:func:`_unverified`), the rest read again by the module, unless they are more
    than :data:`MAX_QUOTED_LINES` of the lines (the module's own pass then costs less)."""
    if not len(quoted[0]):
        return True
    left = _unverified(data, table, quoted)
    return len(left) <= MAX_QUOTED_LINES * n_lines and _quoted_rows_agree(
        data, table, tuple(a[left] for a in quoted))  # type: ignore[arg-type]


def _fits(table: Any, header: list[str], n_lines: int, size: int, limits: Limits) -> bool:
    """Whether pyarrow's ``table`` of a file of ``size`` bytes is ``n_lines - 1`` rows
    after the header (the caller counts the file's lines, or, when rows span lines or
    empty lines are skipped, its rows: see :mod:`~rostergraph.io.csv_records`), with no
    field over the limits (those of ``limits`` and of the :mod:`csv` module) and no row
    that may be the header again."""
    import pyarrow.compute as pc

    if table.num_rows + 1 != n_lines:  # (a line that is no row: the caller's to place)
        return False
    if table.num_columns and (_may_hold_header_again(header, table.column(0))
                              or _holds_empty_rows(table)):
        return False
    longest = max(limits.max_field_bytes, 1)
    longest = min(longest, csv.field_size_limit())
    # (the header is a row to the csv module: its names are held to the limit too; no
    # field is longer than the file's byte count, which bounds its character count)
    if size > longest and max(map(len, header)) > longest:
        return False
    # (a cell's characters are no more than its bytes, read from the offsets: characters
    # are counted only in a column whose bytes pass the limit)
    return not (table.num_rows and size > longest and any(
        _most_bytes(values) > longest and (pc.max(pc.utf8_length(values)).as_py() or 0)
        > longest for col in table.columns for values in _distinct_values(col)))


def _most_bytes(values: Any) -> int:
    """The size in bytes of the longest cell of pyarrow string array ``values``."""
    import pyarrow as pa

    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return 1 << 62  # (another type: its characters are counted)
    off = text_buffers(values)[0]
    return int(np.diff(off).max()) if len(off) > 1 else 0


#: The characters Python's ``str.strip()`` takes off (``str.isspace``), for RE2: its ``\s``
#: is only ``[\t\n\f\r ]``, and a row whose first cell is the header's first name after a
#: no-break space, say, is the header again to the csv module's reading too.
_SPACE = r"[\s\p{Z}\x{0b}\x{1c}-\x{1f}\x{85}]"


def _may_hold_header_again(header: list[str], first: Any) -> bool:
    """Whether pyarrow's ``first`` column may hold the header given again (two exports
    joined into one file): a cell that is the header's first name (in any case, spaces or
    a byte-order mark around it). The file is then read by the :mod:`csv` module, which
    tells each such row (:func:`~rostergraph.io.csv_rowchecks.without_header_again`)."""
    import pyarrow.compute as pc

    if not header:
        return False
    if not header[0].strip():  # (a blank first name: any row may repeat the header; the
        return True  # csv module's reading tells them, as for every other header)
    name = f"^\ufeff?{_SPACE}*{re.escape(header[0].strip())}{_SPACE}*$"
    return any(pc.any(pc.match_substring_regex(values, name, ignore_case=True)).as_py()
               for values in _distinct_values(first))


def _blank_cells(col: Any) -> Any:
    """Which cells of pyarrow's column ``col`` may be blank, as booleans: empty, or only
    white space (a superset of :func:`~rostergraph.io.csv_rowchecks.is_empty_row`'s spaces
    and tabs, which the :mod:`csv` module's reading then decides; 6x faster than a
    regular expression)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    empty = text_scalar("")  # (a Python "" makes pyarrow import pandas to convert it)

    def blank(values: Any) -> Any:
        return pc.or_(pc.equal(values, empty), pc.utf8_is_space(values))

    if not pa.types.is_dictionary(col.type):
        return blank(col)
    # (a dictionary-encoded column: each distinct value looked at once, then its codes)
    return pa.chunked_array([pc.take(blank(c.dictionary), c.indices) for c in col.chunks],
                            pa.bool_())


def _holds_empty_rows(table: Any) -> bool:
    """Whether a row of pyarrow's ``table`` holds only empty cells (a spreadsheet's blank
    row saved as a line of separators). The file is then read by the :mod:`csv` module,
    which skips each such row and tells them
    (:func:`~rostergraph.io.csv_rowchecks.without_header_again`). The first column is
    looked at first: in nearly every file no cell of it is blank, and no other is read."""
    import pyarrow.compute as pc

    blank = None
    for col in table.columns:
        got = _blank_cells(col)
        blank = got if blank is None else pc.and_(blank, got)
        if not pc.any(blank).as_py():
            return False
    return blank is not None
