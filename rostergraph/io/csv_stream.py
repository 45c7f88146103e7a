"""A large CSV file of a folder parsed by pyarrow as it is read, its bytes never held
whole.

:func:`~rostergraph.io.csv_arrow.arrow_columns` parses a file's bytes: held beside its
table, a 1.1 GB ``users.csv`` was the peak of loading it. Here pyarrow reads the file
itself, a block at a time, through :class:`_Watched`, which hashes and counts what it
reads; the table is then checked as ``arrow_columns`` checks it (every row on its own
lines, no field over the limits), and the lines holding a quote, read again from the file
(:func:`_quoted_from_file`: those lines only are held), are checked to read as the
:mod:`csv` module reads them. Anything this path cannot vouch for is declined and the
caller reads the file's bytes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ..idkeys import line_breaks
from . import csv_arrow
from .csv_arrow import (
    _fits,
    _header,
    _quoted_in,
    _read_csv,
    quoted_lines_agree,
    trimmed,
)
from .csv_records import RowLines, blank_lines_in, quote_parity, spanned_rows
from .csv_rowchecks import END_PADDING
from .limits import Limits

__all__ = ["arrow_columns_from_file"]

#: Bytes :func:`_quoted_from_file` reads at a time.
_STEP = 1 << 24


def _whole_lines(buf: bytearray, final: bool) -> int:
    """Where the whole lines at the start of ``buf`` end: after its last LF, or its last
    CR that is not its last byte (an LF may follow it); all of it when ``final``."""
    if final:
        return len(buf)
    cut = buf.rfind(b"\n")
    if cut < 0:
        cut = buf.rfind(b"\r", 0, len(buf) - 1)
    return cut + 1


def _quoted_from_file(path: Any, size: int, sha256: str, blank: list[np.ndarray] | None = None
                      ) -> tuple[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] | None:
    """:func:`_quoted_lines` of the file at ``path``, read again a step at a time: the
    text of its lines after the header holding a quote, one after another, each followed
    by its line break, and ``(line, start, end)`` of each in that text; with ``blank``,
    the number of each empty line is added to it too. ``None`` when the file read is not
    the one parsed (its size or SHA-256 differ: it changed in between).

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "q.csv"
    >>> _ = p.write_bytes(b'a,b\\n1,"x"\\n2,"y"\\n3,z\\n4,"w"')
    >>> data = p.read_bytes()
    >>> text, (lines, starts, ends) = _quoted_from_file(p, len(data),
    ...                                                 hashlib.sha256(data).hexdigest())
    >>> lines.tolist(), [text[a:z] for a, z in zip(starts.tolist(), ends.tolist())]
    ([1, 2, 4], [b'1,"x"', b'2,"y"', b'4,"w"'])
    """
    digest = hashlib.sha256()
    read = 0
    seen = 0  # line breaks before the step
    pieces: list[bytes] = []
    at = 0  # bytes of the text so far
    lines: list[np.ndarray] = []  # (per step)
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    buf = bytearray()
    with open(path, "rb") as f:
        while True:
            chunk = f.read(_STEP)
            read += len(chunk)
            digest.update(chunk)
            buf += chunk
            stop = _whole_lines(buf, not chunk)
            whole = bytes(buf[:stop])
            del buf[:stop]
            if blank is not None:  # (a file whose rows are not its lines)
                idx, _ = blank_lines_in(np.frombuffer(whole, dtype=np.uint8))
                blank.append(idx + seen)
            if b'"' not in whole:  # (most steps of most files: their breaks counted)
                seen += line_breaks(whole)
            elif whole:
                at, breaks = _keep_quoted(whole, seen, at, lines, starts, ends, pieces)
                seen += breaks
            if not chunk:
                break
    if read != size or digest.hexdigest() != sha256:
        return None
    line, start, end = (np.concatenate(x).astype(np.int64) if x else np.zeros(0, np.int64)
                        for x in (lines, starts, ends))
    keep = line > 0
    return b"".join(pieces), (line[keep], start[keep], end[keep])


def _keep_quoted(whole: bytes, seen: int, at: int, lines: list[np.ndarray],
                 starts: list[np.ndarray], ends: list[np.ndarray], pieces: list[bytes]
                 ) -> tuple[int, int]:
    """Keep the lines holding a quote of whole lines ``whole`` (after ``seen`` line
    breaks) for :func:`_quoted_from_file`, whose text so far is ``at`` bytes long: each
    with its break, taken out of ``whole`` by one mask. The text's length after them,
    and the line breaks of ``whole``."""
    arr = np.frombuffer(whole, dtype=np.uint8)
    idx, begin, end, breaks = _quoted_in(arr)
    stop = end + (end < len(whole))  # (each line's break: none at the end)
    two = end + 1 < len(whole)
    two[two] = (arr[end[two]] == 13) & (arr[end[two] + 1] == 10)  # (a CRLF)
    stop += two
    edge = np.zeros(len(whole) + 1, dtype=np.int8)
    edge[begin] += 1  # (lines never overlap: +1 where one starts, -1 where it stops)
    edge[stop] -= 1
    pieces.append(arr[np.cumsum(edge[:-1], dtype=np.int8).view(bool)].tobytes())
    size = stop - begin
    first = at + np.cumsum(size) - size
    lines.append(idx + seen)
    starts.append(first)
    ends.append(first + (end - begin))
    return at + int(size.sum()), breaks


#: Bytes of a file's first line :func:`arrow_columns_from_file` reads for its header, at
#: most (a longer header: the file is read whole, as any other).
_HEAD_BYTES = 1 << 20
#: Bytes of a file's end looked at for padding after its last row.
_TAIL_BYTES = 1 << 12


class _Declined(OSError):
    """A file :func:`arrow_columns_from_file` leaves to the reading of its bytes."""


class _Watched:
    """A file as pyarrow reads it, a block at a time: its bytes hashed (SHA-256) and
    counted, its line breaks counted (CR, LF or CRLF: one each), whether it holds a
    quote noted, and the read stopped (:class:`_Declined`) when it does not begin with
    the header read before."""

    def __init__(self, f: Any, head: bytes) -> None:
        self._f, self._head = f, head
        self.sha256 = hashlib.sha256()
        self.size = self.breaks = 0
        self.last = b""
        self.closed = False
        self.quoted = False  # (a quote read: its lines are checked after the parse)

    def read(self, n: int = -1) -> bytes:
        chunk: bytes = self._f.read(n)
        if self.size < len(self._head):
            at = self.size
            if chunk[:len(self._head) - at] != self._head[at:at + len(chunk)]:
                raise _Declined("the file changed while it was read")
        if not self.quoted and b'"' in chunk:
            self.quoted = True
        self.sha256.update(chunk)
        self.size += len(chunk)
        self.breaks += line_breaks(chunk)
        if self.last == b"\r" and chunk[:1] == b"\n":  # (a CRLF across two reads)
            self.breaks -= 1
        if chunk:
            self.last = chunk[-1:]
        return chunk

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


def _parse_file(path: Any, head: bytes, coded: list[bool], spans: bool = False
                ) -> tuple[Any, _Watched, bool]:
    """pyarrow's table of the file at ``path`` (``None`` when pyarrow refuses it, or it
    does not begin with ``head``), read through :class:`_Watched`, and whether its
    cells were parsed as cells that may hold a line break (``spans``: see
    :func:`~rostergraph.io.csv_arrow._read_csv`): a file with quotes that fails the
    first parse is parsed so again (such a cell at a block's end fails it)."""
    import pyarrow as pa

    with open(path, "rb") as f:  # (buffered: a read gives what is asked for, to the end)
        watched = _Watched(f, head)
        try:
            # (quotes read as CSV's: a file without any reads the same either way)
            return _read_csv(watched, coded, True, csv_arrow.BLOCK, spans), watched, spans
        except pa.ArrowInvalid:
            if spans or not watched.quoted:
                return None, watched, spans
        except (pa.ArrowException, ValueError, OSError):
            return None, watched, spans
    return _parse_file(path, head, coded, True)


def arrow_columns_from_file(path: Any, limits: Limits,
                            coded: Callable[[str], bool] | None = None,
                            ) -> tuple[list[str], list[Any], RowLines | None, int, str] | None:
    """:func:`arrow_columns` of the file at ``path``, parsed by pyarrow as it reads the
    file, so that its bytes are never all held at once (a 1.1 GB ``users.csv`` held beside
    its table was the peak of loading it), with the file's size and SHA-256 (of the
    bytes parsed). Its lines holding a quote are read again after the parse and checked
    as :func:`arrow_columns` checks them (:func:`_quoted_from_file`: those lines only are
    held). A row spanning lines is taken when each of its lines holds a quote (a cell
    holding one line break), and empty lines between rows are skipped; the line of each
    row is then given as :func:`arrow_columns` gives it (the file is read once more to
    find them). ``None`` for a file this path does not take: one
    with a quote in its header, a byte-order mark or a row longer than a block, one not
    UTF-8, one that changed between the two reads, a row with a line holding no quote,
    and whatever :func:`arrow_columns` declines; the caller then reads the file's bytes.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from rostergraph.io.limits import DEFAULT_LIMITS
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "e.csv"
    >>> _ = p.write_bytes(b"id,role\\r\\n1,student\\r\\n2,teacher\\r\\n")
    >>> header, cols, lines, size, digest = arrow_columns_from_file(p, DEFAULT_LIMITS)
    >>> header, [c.to_pylist() for c in cols], lines, size
    (['id', 'role'], [['1', '2'], ['student', 'teacher']], None, 31)
    >>> _ = p.write_bytes(b'id,role\\n1,"stu,dent"\\n2,x\\n')
    >>> [c.to_pylist() for c in arrow_columns_from_file(p, DEFAULT_LIMITS)[1]]
    [['1', '2'], ['stu,dent', 'x']]
    >>> _ = p.write_bytes(b'id,role\\n1,"stu\\ndent"\\n2,x\\n')
    >>> _, cols, lines, _, _ = arrow_columns_from_file(p, DEFAULT_LIMITS)
    >>> [c.to_pylist() for c in cols], list(lines)
    ([['1', '2'], ['stu\\ndent', 'x']], [2, 4])
    >>> _ = p.write_bytes(b'id,role\\n1,"stu\\n\\ndent"\\n')
    >>> arrow_columns_from_file(p, DEFAULT_LIMITS) is None
    True
    """
    try:
        import pyarrow  # noqa: F401 (without it, the csv module reads every file)
    except ImportError:
        return None
    with open(path, "rb") as f:
        start = f.read(_HEAD_BYTES)
        f.seek(max(0, f.seek(0, os.SEEK_END) - _TAIL_BYTES))
        bare = f.read().rstrip(b"\r\n")
    ends = [i for i in (start.find(b"\n"), start.find(b"\r")) if i >= 0]
    if not ends or start[:3] == b"\xef\xbb\xbf" or b'"' in start[:min(ends)]:
        return None
    # (padding after the last row, a DOS tool's Ctrl-Z or NUL, is the byte path's: it
    # takes it off with a note, where pyarrow would read it into the last cell)
    if not bare or bare[-1] in END_PADDING:
        return None
    try:
        header = _header(start[:min(ends)].decode("utf-8"))
    except UnicodeDecodeError:
        return None
    if header is None or trimmed(header) != header:
        return None
    head = start[:min(ends) + 1]
    flags = [bool(coded and coded(h)) for h in header]
    table, watched, spans = _parse_file(path, head, flags)
    if table is None or watched.size < len(head):
        return None
    n_lines = watched.breaks + (watched.last not in (b"\r", b"\n", b""))
    digest = watched.sha256.hexdigest()
    lines = None
    if table.num_rows + 1 == n_lines:
        if not _fits(table, header, n_lines, watched.size, limits):
            return None
        if not watched.quoted:
            return header, list(table.columns), None, watched.size, digest
    # (its lines holding a quote, read again, checked as in memory; and when its rows are
    # not its lines, where each starts)
    blank: list[np.ndarray] | None = None if table.num_rows + 1 == n_lines else []
    got = _quoted_from_file(path, watched.size, digest, blank)
    if got is None:
        return None
    text, quoted = got
    if blank is not None:
        odd = quote_parity(np.frombuffer(text, dtype=np.uint8), quoted[1], quoted[2])
        if odd.any() and not spans:  # (parsed again, its blocks cut where no row is)
            del text, table  # (never two tables, nor the text beside both)
            table, again, spans = _parse_file(path, head, flags, True)
            if table is None or again.sha256.hexdigest() != digest:
                return None
            got = _quoted_from_file(path, watched.size, digest)
            if got is None:
                return None
            text, quoted = got
        found = spanned_rows(quoted, odd, n_lines, table.num_rows, every_line=False,
                             blank=np.concatenate(blank) if blank else None)
        if found is None:
            return None
        lines, quoted = found
        n_lines = table.num_rows + 1
        if not _fits(table, header, n_lines, watched.size, limits):
            return None
    if len(quoted[0]) and not quoted_lines_agree(text, table, quoted, n_lines):
        return None
    return header, list(table.columns), lines, watched.size, digest
