"""Shared CSV reading for the SFTP and OneRoster readers.

Every CSV file is read the same way:

- UTF-8 with or without a byte-order mark; bytes that are not UTF-8 become an
  ``encoding`` problem for each line holding them, and are replaced by U+FFFD (a file
  with no UTF-8 character at all is read as Windows-1252, with one problem).
- CRLF or LF line ends, quoted commas, doubled quotes and newlines inside
  quoted fields (RFC 4180).
- Cells separated by commas; a header that holds no comma but names its columns
  separated by tabs, semicolons or vertical bars (a SIS's tab-delimited export named
  ``.csv``) makes the file read with that separator, with an ``other`` problem; so does
  a first line ``sep=;`` (a spreadsheet's separator line, no row).
- The first row is the header; columns are matched by name, never position.
- A row with more or fewer cells than the header, or with a quoting error,
  is a ``syntax`` problem with its file and 1-based line and is not loaded; the
  other rows load. (Extra cells that are all empty, a common export slip, are
  dropped with a ``syntax`` problem and the row loads.)
- Fields may be very long, up to ``limits.max_field_bytes``; a longer field is
  a ``limit`` problem for its row. The process-wide :func:`csv.field_size_limit`
  is never changed (concurrent loads in other threads would race on it): a row
  the :mod:`csv` module refuses under its own limit is parsed again here.
- Blank lines are skipped.

Empty and missing are different: a column the header does not name reads as
``None`` (:func:`cell`); an empty cell in a named column reads as ``""``.

Examples
--------
>>> from rostergraph.roster import RosterBuilder
>>> b = RosterBuilder(source="mem", format="test")
>>> data = b'\\xef\\xbb\\xbfid,name\\r\\n1,"a, b"\\r\\n2\\r\\n3,"line\\none"\\r\\n'
>>> header, rows = read_csv(data, "x.csv", b)
>>> header, [(line, r["name"]) for line, r in rows]
(['id', 'name'], [(2, 'a, b'), (4, 'line\\none')])
>>> [(p.code, p.line) for p in b.problems]
[('syntax', 3)]
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from itertools import repeat
from operator import itemgetter, methodcaller
from typing import Any

import numpy as np

from ..columns import Codes
from ..roster import FileInfo, RosterBuilder, raw_text
from .bundle import Bundle, Files
from .csv_arrow import arrow_columns as _arrow_columns
from .csv_arrow import (
    cells_at,
    dictionary_codes,
    encoded_column,
    release_arrow_memory,
    rows_in_slices,
    rows_letting_go,
)
from .csv_arrow import trimmed as _trimmed
from .csv_rowchecks import (
    NOT_A_NAME,
    UTF16_MARKS,
    backslash_hint,
    decode_csv,
    is_empty_row,
    is_header,
    is_secret_column,
    names_a_secret,
    not_text,
    padded_split_hint,
    renamed_repeats,
    separated,
    tell_skipped,
    unmarked_header,
    without_end_padding,
    without_header_again,
    without_secrets,
)
from .csv_stream import arrow_columns_from_file as _arrow_columns_from_file
from .csvcells import cell, loads_json_cell, split_ids, split_list, to_csv_text
from .limits import DEFAULT_LIMITS, Limits
from .repeats import has_repeats

__all__ = ["Bundle", "CsvTable", "cell", "decode_csv", "loads_json_cell", "read_csv",
           "read_table", "split_ids", "split_list", "to_csv_text"]

Row = dict[str, str]


_BOM = b"\xef\xbb\xbf"


_BREAK = re.compile(r"\r\n|\r|\n")  # the line ends io.StringIO(newline="") splits on
#: A line as io.StringIO(newline="") gives it: up to and with its line end, or the last,
#: unended one.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def text_lines(text: str) -> Iterator[str]:
    r"""The lines ``io.StringIO(text, newline="")`` gives, without its copy of the text
    (four bytes a character: 4 GB for a 1 GB file).

    Examples
    --------
    >>> list(text_lines('a,"b"\r\nc\rd\n\ne'))
    ['a,"b"\r\n', 'c\r', 'd\n', '\n', 'e']
    """
    return map(methodcaller("group"), _LINE.finditer(text))


#: a quote escaped with a backslash, as MySQL and PHP export one (see backslash_hint)
_ESCAPED_QUOTE = '\\"'


class _RowError(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.pos = pos


def _parse_row(text: str, pos: int, limit: int, sep: str = ",") -> tuple[list[str], int]:
    """One row of ``text`` from ``pos`` as ``csv.reader(strict=True, delimiter=sep)``
    reads it, with no field limit of the :mod:`csv` module: ``(cells, position after the
    row)``. Used for a row the :mod:`csv` module refused for a field over its
    (process-wide) limit. Raises ``_RowError`` for a quoting error or a field over
    ``limit``."""
    cells: list[str] = []
    n = len(text)
    while True:
        if pos < n and text[pos] == '"':
            parts, i = [], pos + 1
            while True:
                j = text.find('"', i)
                if j < 0:
                    raise _RowError("unexpected end of data", n)
                parts.append(text[i:j])
                if text.startswith('""', j):
                    parts.append('"')
                    i = j + 2
                    continue
                pos = j + 1
                break
            cell = "".join(parts)
            if pos < n and text[pos] not in (sep, "\r", "\n"):
                raise _RowError(f"{sep!r} expected after '\"'", pos)
        else:
            stop = min((i for i in (text.find(sep, pos), text.find("\n", pos),
                                    text.find("\r", pos)) if i >= 0), default=n)
            cell, pos = text[pos:stop], stop
        if len(cell) > limit:
            raise _RowError(f"field larger than field limit ({limit})", pos)
        cells.append(cell)
        if pos >= n:
            return cells, pos
        if text[pos] == sep:
            pos += 1
            continue
        return cells, pos + (2 if text.startswith("\r\n", pos) else 1)


def _line_start(text: str, at: tuple[int, int], line: int) -> tuple[int, int]:
    """``(line, offset)`` of the start of 1-based ``line``, walking on from ``at``."""
    cur, off = at
    while cur < line:
        m = _BREAK.search(text, off)
        if m is None:
            return line, len(text)
        cur, off = cur + 1, m.end()
    return cur, off


def _swallowed(first: int, last: int) -> str:
    """What a problem about an unreadable row adds when the row ran over several lines (a
    quote left open reads the lines after it as the same row, none of which loads)."""
    return (f"; lines {first} to {last} were read as this one row (a quoted cell runs over "
            "them) and none of them loaded" if last > first else "")


class _Lines:
    """Lazy access to source lines for the raw text of bad rows."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: list[str] | None = None

    def get(self, first: int, last: int) -> str:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return "\n".join(self._lines[first - 1:last])


def read_csv(data: bytes, name: str, b: RosterBuilder, *, kind: str | None = None,
             limits: Limits = DEFAULT_LIMITS) -> tuple[list[str], Iterator[tuple[int, Row]]]:
    """Parse a CSV file into its header and an iterator of ``(line, row)``.

    Parameters
    ----------
    data:
        The file's bytes.
    name:
        The file name used in problems.
    b:
        The builder that collects problems.
    kind:
        The record kind the rows become (for problems).
    limits:
        ``max_field_bytes`` bounds the longest field.

    Returns
    -------
    header, rows:
        The header names, and an iterator of ``(first line of the row, {column:
        value})``. Rows that cannot be read are problems in ``b``, not items.

    Examples
    --------
    >>> from rostergraph.roster import RosterBuilder
    >>> b = RosterBuilder(source="mem", format="test")
    >>> header, rows = read_csv(b"a,b\\n1,2\\n", "t.csv", b)
    >>> list(rows)
    [(2, {'a': '1', 'b': '2'})]
    """
    t = read_table(data, name, b, kind=kind, limits=limits)
    return t.header, t.dicts()


class CsvTable:
    """A parsed CSV file: its header and its rows, as lists of cells or as dicts.

    Problems of the header are in the builder already; a row's problems (a quoting
    error, a field over the limit, a wrong number of cells) are told when the
    iteration reaches that row, so they interleave by line with the problems the
    reader finds in the rows before. Iterate once, with :meth:`rows` or :meth:`dicts`.

    Attributes
    ----------
    header:
        The column names (trailing empty names removed; a repeat of a name renamed
        ``<name>#2``, said as a problem).
    index:
        Column name → position of its first occurrence in ``header``.
    clean:
        Every row has exactly ``len(header)`` cells and the file parsed in one
        C pass: then ``lines`` and ``cells`` hold all rows (parallel sequences;
        ``lines[i]`` is the line row ``i`` starts on, later than its number says when
        a row before it spans lines or an empty line comes before it) and
        column-wise processing may read them directly.

    Examples
    --------
    >>> from rostergraph.roster import RosterBuilder
    >>> t = read_table(b"a,b,a\\n1,2,3\\n4,5\\n", "t.csv", RosterBuilder(source="m", format="t"))
    >>> t.header, t.index, t.clean, list(t.rows())
    (['a', 'b', 'a#2'], {'a': 0, 'b': 1, 'a#2': 2}, False, [(2, ['1', '2', '3'])])
    """

    def __init__(self, header: list[str], source: Iterator[tuple[int, list[str]]],
                 lines: Sequence[int] | None, cells: list[list[str]] | None, name: str,
                 b: RosterBuilder, kind: str | None,
                 columns: list[Any] | None = None, secret_elsewhere: bool = False) -> None:
        self.header = header
        self.index: dict[str, int] = {}
        for i, col in enumerate(header):
            self.index.setdefault(col, i)
        self.unique = len(self.index) == len(header)
        self.clean = cells is not None or columns is not None
        self.lines: Sequence[int] = lines or []  # (pyarrow's: a range, or RowLines)
        self._cells = cells
        self._columns = columns  # a clean file parsed column by column (see _arrow_columns)
        self._source = source
        self._where = (name, b, kind)
        #: a line before the header names a password column (a title line, a broken first
        #: row): no bad row's text is kept, its cells cannot be told apart
        self.secret_elsewhere = secret_elsewhere
        self._distinct: dict[str, bool | None] = {}  # (distinct's answers: 1.2 s at 6M ids)

    @property
    def cells(self) -> list[list[str]]:
        """The rows' cells of a clean table (``[]`` otherwise)."""
        if self._cells is _GONE:
            raise RuntimeError(f"{self._where[0]}: its cells were read once and let go")
        if self._cells is None:
            cols = self._all_columns()
            self._cells = list(map(list, zip(*cols))) if cols else [[] for _ in self.lines]
        return self._cells

    def _all_columns(self) -> list[list[str]]:
        if self._columns is None:
            return []
        return [self._column_at(i) for i in range(len(self._columns))]

    def let_go(self, names: list[str]) -> None:
        """Let the cells of columns ``names`` of a table that pyarrow parsed go (a reader
        done with them); reading them, or the table's rows, afterwards raises
        ``RuntimeError``. Other tables keep their cells."""
        if self._columns is None:
            return
        for name in names:
            i = self.index.get(name)
            if i is not None:
                self._columns[i] = _GONE

    def _held(self, i: int) -> Any:
        """Column ``i`` as held (pyarrow's, or a list); raises for one let go."""
        col = self._columns[i]  # type: ignore[index]
        if col is _GONE:
            raise RuntimeError(f"{self._where[0]}: column {self.header[i]!r} was let go")
        return col

    def _column_at(self, i: int) -> list[str]:
        col = self._held(i)
        if not isinstance(col, list):  # a pyarrow column, made into str objects once
            col = self._columns[i] = col.to_pylist()  # type: ignore[index]
        return col  # type: ignore[no-any-return]

    def column(self, name: str) -> list[str] | None:
        """All of column ``name``'s cells of a clean table, in row order (``None``: the
        file has no such column, or the table is not clean)."""
        i = self.index.get(name)
        if i is None or not self.clean:
            return None
        if self._columns is not None:
            return self._column_at(i)
        return list(map(itemgetter(i), self.cells))

    def cells_at(self, name: str, rows: np.ndarray) -> list[str] | None:
        """The cells of column ``name`` of a clean table at ``rows`` (ascending), without
        making the column's other cells ``str`` objects; ``None`` as for :meth:`column`.

        Examples
        --------
        >>> from rostergraph.roster import RosterBuilder
        >>> t = read_table(b"a\\nx\\ny\\nz\\n", "t.csv", RosterBuilder(source="m", format="t"))
        >>> t.cells_at("a", np.array([0, 2]))
        ['x', 'z']
        """
        i = self.index.get(name)
        if i is None or not self.clean:
            return None
        col = self._held(i) if self._columns is not None else None
        if col is not None and not isinstance(col, list):
            return cells_at(col, rows)
        cells = self.column(name) or []
        return [cells[r] for r in rows.tolist()]

    def arrow(self, name: str) -> Any:
        """Column ``name`` of a clean table that pyarrow parsed, as its pyarrow array (no
        ``str`` object made; dictionary-encoded when ``read_table`` was asked to code it);
        ``None`` when the file was parsed otherwise, has no such column, or the column was
        made into ``str`` objects already."""
        i = self.index.get(name)
        if i is None or self._columns is None:
            return None
        col = self._held(i)
        return None if isinstance(col, list) else col

    def encoded(self, name: str) -> tuple[np.ndarray, list[str]] | None:
        """Column ``name`` of a clean table as ``(codes, values)``: ``values`` its distinct
        cells in order of first appearance, ``codes`` (an integer array) the position in
        ``values`` of each row's cell. ``None`` as for :meth:`column`.

        Examples
        --------
        >>> from rostergraph.roster import RosterBuilder
        >>> t = read_table(b"a\\nx\\ny\\nx\\n", "t.csv", RosterBuilder(source="m", format="t"))
        >>> codes, values = t.encoded("a")
        >>> codes.tolist(), values
        ([0, 1, 0], ['x', 'y'])
        """
        i = self.index.get(name)
        if i is None or not self.clean:
            return None
        col = self._held(i) if self._columns is not None else None
        if col is not None and not isinstance(col, list):  # pyarrow: encoded in C
            return encoded_column(col)
        cells = self.column(name) or []
        values: list[str] = []
        codes = np.fromiter(map(Codes({}, values).__getitem__, cells), dtype=np.int64,
                            count=len(cells))
        return codes, values

    def distinct(self, name: str) -> bool | None:
        """Whether column ``name`` of a clean table holds no value twice (counted in C for
        a pyarrow column, so no ``str`` object is made); ``None`` as for :meth:`column`.

        Examples
        --------
        >>> from rostergraph.roster import RosterBuilder
        >>> t = read_table(b"a,b\\nx,1\\ny,1\\n", "t.csv", RosterBuilder(source="m", format="t"))
        >>> t.distinct("a"), t.distinct("b"), t.distinct("zz")
        (True, False, None)
        """
        if name not in self._distinct:
            self._distinct[name] = self._distinct_now(name)
        return self._distinct[name]

    def _distinct_now(self, name: str) -> bool | None:
        i = self.index.get(name)
        if i is None or not self.clean:
            return None
        col = self._held(i) if self._columns is not None else None
        if col is not None and not isinstance(col, list):
            import pyarrow as pa

            if pa.types.is_dictionary(col.type):  # (its codes: one dictionary, each value once)
                codes = dictionary_codes(col.chunks)
                return len(codes) < 2 or int(np.bincount(codes).max()) < 2
            # (hashed and the hashes sorted: on 6.2M distinct ids 1.2 s, against 2.5 s to
            # sort the strings and 9-10 s for pyarrow's unique, which hashes them)
            repeats = has_repeats(col)
            release_arrow_memory()  # (the sort's temporaries)
            return not repeats
        cells = self.column(name) or []
        return len(set(cells)) == len(cells)

    def _clean_rows(self, consume: bool = False) -> Iterator[Any]:
        if self._cells is None and self._columns:
            # (tuples: no list per row is made; pyarrow's columns are made into str
            # objects a slice at a time, so a file's cells are never all objects at once)
            held = [self._held(i) for i in range(len(self._columns))]
            if consume:
                self._columns = [_GONE] * len(held)
                return rows_letting_go(held, len(self.lines))
            return rows_in_slices(held, len(self.lines))
        if consume:
            cells, self._cells = self.cells, _GONE
            return _emptied(cells)
        return iter(self.cells)

    def rows(self, consume: bool = False) -> Iterator[tuple[int, list[str]]]:
        """``(line, cells)`` of each good row, ``len(cells) == len(header)`` (``consume``:
        as :meth:`dicts` says)."""
        if self.clean:
            return zip(self.lines, self._clean_rows(consume))
        secret = [i for i, h in enumerate(self.header) if is_secret_column(h)]
        return _checked_rows(len(self.header), self._source, *self._where, secret=secret,
                             no_raw=self.secret_elsewhere and not secret)

    def rename(self, header: list[str]) -> None:
        """Give the columns new names (same count; no new repeats), e.g. their spelling in a spec."""
        self.header = header
        self.index = {}
        for i, col in enumerate(header):
            self.index.setdefault(col, i)

    def getter(self, column: str) -> Callable[[list[str]], str | None]:
        """A function of a row's cells giving ``column``'s value (``None``: no such column)."""
        i = self.index.get(column)
        return _absent if i is None else itemgetter(i)

    def as_dict(self, cells: list[str]) -> Row:
        """One row's cells as the ``{column: value}`` :meth:`dicts` gives."""
        return dict(zip(self.header, cells)) if self.unique else _first_wins(self.header, cells)

    def dicts(self, consume: bool = False) -> Iterator[tuple[int, Row]]:
        """``(line, {column: value})`` of each good row (a repeated column: its first).

        With ``consume``, each row's cells are let go once its dict is made (the table's
        cells cannot be read again): a reader that reads a file once then never holds
        all of its cells and all of their dicts at the same time."""
        header = self.header
        if self.clean and self.unique:
            return zip(self.lines, map(dict, map(zip, repeat(header),
                                                 self._clean_rows(consume))))
        rows = zip(self.lines, self._clean_rows(consume)) if self.clean else self.rows()
        if not self.unique:
            return ((line, _first_wins(header, values)) for line, values in rows)
        return ((line, dict(zip(header, values))) for line, values in rows)


def _absent(cells: list[str]) -> None:
    return None


#: Stands for the cells of a table whose rows were read with ``consume``.
_GONE: Any = object()


def _emptied(cells: list[list[str]]) -> Iterator[list[str]]:
    """The rows of ``cells``, each let go (``None`` in its place) as it is given."""
    for i, row in enumerate(cells):
        cells[i] = None  # type: ignore[call-overload]
        yield row


def _first_wins(header: list[str], values: list[str]) -> Row:
    d: Row = {}
    for col, v in zip(header, values):
        d.setdefault(col, v)
    return d


def read_table(data: bytes, name: str, b: RosterBuilder, *, kind: str | None = None,
               limits: Limits = DEFAULT_LIMITS,
               coded: Callable[[str], bool] | None = None) -> CsvTable:
    """Parse a CSV file (see :func:`read_csv`) into a :class:`CsvTable`.

    ``coded`` tells, from a header name, which columns pyarrow should parse
    dictionary-encoded (the columns of few distinct values in a file of millions of
    rows): what the table gives is the same, its memory and parse time smaller.

    Examples
    --------
    >>> from rostergraph.roster import RosterBuilder
    >>> t = read_table(b"id,name\\n1,Ann\\n", "t.csv", RosterBuilder(source="m", format="t"))
    >>> t.clean, list(t.lines), t.cells
    (True, [2], [['1', 'Ann']])
    """
    if not_text(data, name, b, kind):  # (a workbook saved as users.csv: no text, no rows)
        return CsvTable([], iter(()), [], [], name, b, kind)
    data = without_end_padding(data, name, b)
    unmarked = data
    while unmarked[:3] == _BOM:
        unmarked = unmarked[3:]
    if data[:2] not in UTF16_MARKS:  # (pyarrow checks the cells are UTF-8: no decoded copy)
        t = _arrow_table(unmarked, name, b, kind, limits, coded)
        if t is not None:
            return t
    told = len(b.problems) + b.dropped_problems
    text, sep = separated(decode_csv(data, name, b, kind), name, b, kind)
    # (a file in another encoding, or with quoted cells after ", ": its problem told, the
    # text it reads as, parsed as UTF-8; a text changed tells one, and only then)
    if sep == "," and len(b.problems) + b.dropped_problems > told:
        again = text.encode("utf-8")
        t = None if again == unmarked else _arrow_table(again, name, b, kind, limits, coded)
        del again
        if t is not None:
            return t
    del unmarked
    whole = _whole_file(text, limits, sep)
    # (a file naming a password column anywhere in its first lines: no raw text of a row
    # that cannot be read, whose cells, the password's among them, cannot be told apart)
    secret = names_a_secret(text, sep)
    rows = iter(whole) if whole is not None else _rows(text, name, b, kind, limits, sep,
                                                        secret)
    skipped = []  # (lines of spaces or byte order marks before the header)
    try:
        first = next(rows)
        while not "".join(first[1]).strip(NOT_A_NAME):
            skipped.append(first[0])
            first = next(rows)
    except StopIteration:
        return CsvTable([], iter(()), [], [], name, b, kind)
    finally:
        tell_skipped(skipped, name, b, kind)
    at, header = first
    header = unmarked_header(header, at, name, b, kind)
    blank = len(header) - len(_trimmed(header))
    if blank and blank < len(header):  # an export slip: trailing delimiters in the header
        header = header[:-blank]
        b.problem("other", f"the header ends in {blank} empty column name"
                  f"{'s' if blank != 1 else ''}; ignored (rows of {len(header)} cells load)",
                  file=name, line=1, kind=kind)
    written = header  # (a row that is the header again repeats it as written)
    header = renamed_repeats(header, name, b, kind)
    if whole is not None:
        body = whole[len(skipped) + 1:]
        cells = [r for _, r in body]
        lead = header[0].strip().lower()
        # (a row of empty cells, or the header again: told as the rows are read below)
        if (not cells or set(map(len, cells)) == {len(header)}) and not any(
                is_header(r, written) or is_empty_row(r) for r in cells
                if not r[0].strip(" \t") or r[0].strip().lower().endswith(lead)):
            return CsvTable(header, iter(()), [line for line, _ in body], cells, name, b, kind)
    # (the rows that are the header again told as the iteration reaches them, in line order)
    return CsvTable(header, without_header_again(rows, written, name, b, kind), None, None,
                    name, b, kind, secret_elsewhere=secret)


def _arrow_table(data: bytes, name: str, b: RosterBuilder, kind: str | None, limits: Limits,
                 coded: Callable[[str], bool] | None) -> CsvTable | None:
    """The table of UTF-8 ``data`` (no byte-order mark) parsed by pyarrow, when
    :func:`~rostergraph.io.csv_arrow.arrow_columns` takes it."""
    got = _arrow_columns(data, limits, coded)
    if got is None:
        return None
    # (the header's line: 1 but for the blank lines pyarrow skipped before it)
    head = data[:4096]  # (a slice: the file's bytes are never copied whole)
    at = head[:len(head) - len(head.lstrip(b"\r\n"))].count(b"\n") + 1
    return _columns_table(*got, at, name, b, kind)


def _columns_table(header: list[str], columns: list[Any], spans: Sequence[int] | None,
                   at: int, name: str, b: RosterBuilder, kind: str | None) -> CsvTable:
    """The table of pyarrow's ``columns`` under ``header`` (on line ``at``; its problems
    told), each row on the line ``spans`` gives (``None``: each on the next line)."""
    header = renamed_repeats(unmarked_header(header, at, name, b, kind), name, b, kind)
    n = len(columns[0]) if columns else 0
    return CsvTable(header, iter(()), spans or range(2, n + 2), None, name, b, kind,
                    columns=columns)


#: A folder's file this large or larger is parsed by pyarrow as it is read from disk
#: (:func:`~rostergraph.io.csv_stream.arrow_columns_from_file`), its bytes never held whole.
#: (Measured: the peak of an L OneRoster load is 280 MB lower so, an M one's 57 MB
#: higher with its 37-73 MB files read so: pyarrow's allocator keeps part of what its
#: reads ahead used.)
STREAM_FROM = 1 << 27


def bundle_table(bundle: Files, name: str, b: RosterBuilder, *, kind: str | None,
                 limits: Limits = DEFAULT_LIMITS, coded: Callable[[str], bool] | None = None,
                 first: Callable[[bytes], None] | None = None) -> CsvTable:
    """A bundle's file parsed (:func:`read_table`), its size and SHA-256 noted in ``b``'s
    files. pyarrow's freed memory is handed back first, so the tables of the files read
    before are not held beside this one's. A large file of a folder that pyarrow can
    parse as it reads it is never held whole; with ``first``, the file's bytes are read
    and given to it before they are parsed (the problems it tells come before the
    file's own).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "users.csv").write_bytes(b"sourcedId\\n1\\n")
    >>> b = RosterBuilder(source="m", format="t")
    >>> t = bundle_table(Bundle(d), "users.csv", b, kind="users", first=print)
    b'sourcedId\\n1\\n'
    >>> t.column("sourcedId"), b.files[0].size
    (['1'], 12)
    """
    release_arrow_memory()
    path = bundle.file_path(name) if first is None else None
    if path is not None and path.stat().st_size >= STREAM_FROM:
        got = _arrow_columns_from_file(path, limits, coded)
        if got is not None:
            header, columns, spans, size, digest = got
            release_arrow_memory()  # (the parse's own temporaries: 0.3 GB at L)
            b.files.append(FileInfo(path=name, size=size, sha256=digest, kind=kind))
            return _columns_table(header, columns, spans, 1, name, b, kind)
    data = bundle.read(name)
    b.add_file(name, data, kind)
    if first is not None:
        first(data)
    t = read_table(data, name, b, kind=kind, limits=limits, coded=coded)
    release_arrow_memory()
    return t


def _whole_file(text: str, limits: Limits, sep: str = ",",
                ) -> list[tuple[int, list[str]]] | None:
    """``(line, cells)`` of every non-blank row when the whole file parses in one C pass
    with every row on one line and no field over the limits, else ``None`` (then
    :func:`_rows` reads it row by row, with its problems). The same rows as :func:`_rows`.
    ``sep`` separates the cells (see :func:`read_table`)."""
    try:
        rows = list(csv.reader(text_lines(text), strict=True, delimiter=sep))
    except csv.Error:
        return None
    n_lines = text.count("\n") + text.count("\r") - text.count("\r\n")
    if text and text[-1] not in "\r\n":
        n_lines += 1
    if len(rows) != n_lines:  # a quoted line break: a row spans lines
        return None
    if csv.field_size_limit() > max(limits.max_field_bytes, 1) and len(text) > max(
            limits.max_field_bytes, 1):
        return None  # fields must be checked against the smaller limit: row by row
    if all(rows):
        return list(zip(range(1, len(rows) + 1), rows))
    return [(i, r) for i, r in enumerate(rows, 1) if r]


def _rows(text: str, name: str, b: RosterBuilder, kind: str | None,
          limits: Limits, sep: str = ",", secret: bool = False
          ) -> Iterator[tuple[int, list[str]]]:
    """``(first line, cells)`` of each row (``secret``: the file names a password column,
    so a row that cannot be read keeps no raw text). The process-wide :func:`csv.field_size_limit`
    is read, never changed (other threads may be parsing): a row the :mod:`csv` module
    refuses for a long field is parsed again by :func:`_parse_row` under
    ``limits.max_field_bytes``, and when the process-wide limit is the larger one every
    row's fields are checked against ``max_field_bytes`` here."""
    lines = _Lines(text)
    limit = max(limits.max_field_bytes, 1)
    check = csv.field_size_limit() > limit
    base, prev, at = 0, 0, (1, 0)  # lines before the reader's start; last line read
    src = io.StringIO(text, newline="")
    reader = csv.reader(src, strict=True, delimiter=sep)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = base + reader.line_num
            msg = str(exc)
            if "field limit" not in msg:
                said = lines.get(prev + 1, end)
                hint = backslash_hint(_ESCAPED_QUOTE in said)
                b.problem("syntax", f"unreadable CSV row: {msg}{hint}"
                          f"{_swallowed(prev + 1, end)}", file=name, line=prev + 1, kind=kind,
                          raw=None if secret else raw_text(said))
                prev = end
                continue
            # a field over the csv module's own limit: this row again, without it
            at = _line_start(text, at, prev + 1)
            start = at[1]
            try:
                row, stop = _parse_row(text, start, limit, sep)
                problem = None
            except _RowError as err:
                m = _BREAK.search(text, err.pos)
                stop = m.end() if m is not None else len(text)
                problem = str(err)
            n_lines = (text.count("\n", start, stop) + text.count("\r", start, stop)
                       - text.count("\r\n", start, stop)) or 1
            first, prev = prev + 1, prev + n_lines
            at = (prev + 1, stop)
            base = prev
            src.seek(stop)
            reader = csv.reader(src, strict=True, delimiter=sep)
            if problem is not None:
                hint = backslash_hint("field limit" not in problem
                                      and _ESCAPED_QUOTE in text[start:stop])
                b.problem("limit" if "field limit" in problem else "syntax",
                          f"unreadable CSV row: {problem}{hint}{_swallowed(first, prev)}",
                          file=name,
                          line=first, kind=kind,
                          raw=None if secret else raw_text(text[start:stop]))
                continue
            yield first, row
            continue
        start, prev = prev + 1, base + reader.line_num
        if not row:
            continue
        if check and max(map(len, row)) > limit:
            b.problem("limit", f"unreadable CSV row: field larger than field limit ({limit})",
                      file=name, line=start, kind=kind,
                      raw=None if secret else raw_text(lines.get(start, prev)))
            continue
        yield start, row


def _checked_rows(n: int, rows: Iterator[tuple[int, list[str]]], name: str,
                  b: RosterBuilder, kind: str | None, secret: Sequence[int] = (),
                  no_raw: bool = False) -> Iterator[tuple[int, list[str]]]:
    """The rows with ``n`` cells (only-empty cells past the header dropped, told once at
    the end, but in a row a backslash split: :func:`~rostergraph.io.csv_rowchecks.
    backslash_hint`); a row with another number of cells is a ``syntax`` problem, its text in
    ``raw`` without the cells that may be a password (column ``secret``, shifted by as
    many cells as the row has too many or too few), or with no raw text at all
    (``no_raw``)."""
    padded: list[int] = []  # rows with only empty cells past the header: loaded, told once
    spaced: list[int] = []  # (those of them that may be split rows: padded_split_hint)
    for line, values in rows:
        # (a cell ending in a backslash: a separator escaped so split the row, its cells
        # after it are shifted, and the empty cells past the header are no export slip)
        escaped = len(values) != n and any(v.endswith("\\") for v in values)
        if len(values) > n and not escaped and not any(v.strip() for v in values[n:]):
            padded.append(line)
            values = values[:n]
            if any(v[:1] == " " for v in values):
                spaced.append(line)
        if len(values) != n:
            b.problem("syntax", f"row has {len(values)} cells, the header has {n}"
                      f"{backslash_hint(escaped)}", file=name, line=line, kind=kind,
                      raw=None if no_raw else
                      raw_text(to_csv_text([without_secrets(values, n, secret)])))
            continue
        yield line, values
    if padded:
        more = len(padded) - 1
        b.problem("other", f"{len(padded):,} row{'s' if more else ''} (line {padded[0]}"
                  + (f" and {more:,} more" if more else "") + f") had only empty cells past "
                  f"the header's {n} columns; those cells were ignored and every such row "
                  f"loaded{padded_split_hint(spaced)}", file=name, line=padded[0], kind=kind)
