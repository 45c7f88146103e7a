"""Reference copy of the row-by-row ``rostergraph.io.csvutil`` reader, kept only as
the oracle of the equivalence tests (tests/test_csv_equivalence.py): the package's
column-wise readers must give exactly the records and problems this code gives.
Not imported by the package; not maintained beyond bug-for-bug parity."""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterator

# (the files of a folder or zip are read by the package's own Bundle: what the oracle
# pins down is how their CSV text becomes records and problems)
from rostergraph.io.bundle import Bundle
from rostergraph.io.csv_rowchecks import (
    NOT_A_NAME,
    backslash_hint,
    names_a_secret,
    not_text,
    padded_split_hint,
    separated,
    tell_skipped,
    unmarked_header,
    without_end_padding,
    without_header_again,
)

# (a cell's helpers are the package's: the oracle reads the files its own way)
from rostergraph.io.csvcells import cell, split_list, to_csv_text
from rostergraph.io.limits import DEFAULT_LIMITS, Limits
from rostergraph.roster import RosterBuilder, raw_text

__all__ = ["Bundle", "cell", "decode_csv", "read_csv", "split_list", "to_csv_text"]

Row = dict[str, str]


def secret_column(col: str) -> bool:
    """A credential column's name (never kept): password, passwd, pwd, passcode or
    passphrase, alone or at the end of the name, or a misspelt password; case, quotes,
    spaces, underscores, dots and hyphens aside."""
    bare = "".join(ch for ch in col.lower() if not ch.isspace() and ch not in '_.-"')
    if bare in ("password", "passwd", "pwd", "passcode", "passphrase"):
        return True
    if bare.endswith(("password", "passwd")):
        return True
    if not 6 <= len(bare) <= 11 or "w" not in bare or "p" not in bare:
        return False
    return difflib.SequenceMatcher(None, bare, "password").ratio() >= 0.85



def decode_csv(data: bytes, name: str, b: RosterBuilder, kind: str | None = None) -> str:
    """Bytes → text: strip a UTF-8 BOM; non-UTF-8 bytes become an ``encoding`` problem."""
    while data[:3] == b"\xef\xbb\xbf":  # (as the package reader: a mark given twice too)
        data = data[3:]
    codec = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}.get(data[:2])
    if codec is not None:
        try:
            text = data[2:].decode(codec)
            b.problem("other", "the file is UTF-16 (it starts with a UTF-16 byte order mark): "
                      "read as UTF-16, but the format asks for UTF-8", file=name, line=1,
                      kind=kind)
            return text
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[:exc.start]  # CR, LF and CRLF each end a line, as for the rows
        line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
        raw = (None if names_a_secret(data) else
               raw_text(data[max(0, exc.start - 40):exc.start + 40]))
        if all(c < 0x80 or _not_utf8_at(data, k) for k, c in enumerate(data)):
            try:  # every non-ASCII byte is a lone one: a one-byte encoding, Windows-1252
                text = data.decode("cp1252")
                b.problem("encoding", f"bytes that are not UTF-8 (first at byte {exc.start}) "
                          "and no UTF-8 character: read as Windows-1252", file=name,
                          line=line, kind=kind, raw=raw)
                return text
            except UnicodeDecodeError:
                pass
        # (as the package reader: each line holding such bytes, its bytes the raw text)
        secret, n = names_a_secret(data), 0
        for k, got in enumerate(re.findall(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+", data), 1):
            try:
                got.decode("utf-8")
            except UnicodeDecodeError:
                b.problem("encoding", "bytes that are not UTF-8 " + (
                    "on this line too" if n else f"(first at byte {exc.start})")
                    + "; replaced by U+FFFD", file=name, line=k, kind=kind,
                    raw=None if secret else raw_text(got.rstrip(b"\r\n")))
                n += 1
        return data.decode("utf-8", errors="replace")


def _not_utf8_at(data: bytes, k: int) -> bool:
    """Is byte ``k`` of ``data`` (not ASCII) outside every valid UTF-8 character?"""
    for start in range(max(0, k - 3), k + 1):
        for end in range(k + 1, min(len(data), start + 4) + 1):
            try:
                ch = data[start:end].decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(ch) == 1 and ch != "\ufffd":
                return False
    return True


_BREAK = re.compile(r"\r\n|\r|\n")  # the line ends io.StringIO(newline="") splits on


class _RowError(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.pos = pos


def _parse_row(text: str, pos: int, limit: int, sep: str = ",") -> tuple[list[str], int]:
    """One row of ``text`` from ``pos`` as ``csv.reader(strict=True, delimiter=sep)`` reads
    it, with no
    field limit of the :mod:`csv` module: ``(cells, position after the row)``. Used for
    a row the :mod:`csv` module refused for a field over its (process-wide) limit.
    Raises ``_RowError`` for a quoting error or a field over ``limit``."""
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
    if not_text(data, name, b, kind):  # (the package's check: a workbook, no text)
        return [], iter(())
    data = without_end_padding(data, name, b)  # (the package's: Ctrl-Z or NUL after the rows)
    text, sep = separated(decode_csv(data, name, b, kind), name, b, kind)
    rows = _rows(text, name, b, kind, limits, sep)
    skipped = []  # (lines of spaces or byte order marks before the header: no header)
    try:
        first = next(rows)
        while not "".join(first[1]).strip(NOT_A_NAME):
            skipped.append(first[0])
            first = next(rows)
    except StopIteration:
        return [], iter(())
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
    # a repeated name: the first column is the format's, a repeat becomes "<name>#k" for k = 2, 3...
    # (the first such name no column has), its cells kept
    # (a password column repeated keeps its name: its cells are never kept)
    renamed: list[str] = []
    for col in header:
        if col in renamed and secret_column(col):
            b.problem("syntax", f"column {col!r} appears twice in the header; the first is "
                      "used (a password's cells are never kept)", file=name, line=1,
                      kind=kind, field=col)
        elif col in renamed:
            k = 2
            while f"{col}#{k}" in header or f"{col}#{k}" in renamed:
                k += 1
            b.problem("syntax", f"column {col!r} appears twice in the header; the first is "
                      f"used, the other's cells are kept as column {col + '#' + str(k)!r}",
                      file=name, line=1, kind=kind, field=col)
            col = f"{col}#{k}"
        renamed.append(col)
    # (a row that is the header again, as written: the package's row filter, as the
    # package's row-by-row reading applies it)
    rows = without_header_again(rows, header, name, b, kind)
    header = renamed
    return header, _dict_rows(header, rows, name, b, kind, names_a_secret(text, sep))


def _rows(text: str, name: str, b: RosterBuilder, kind: str | None,
          limits: Limits, sep: str = ",") -> Iterator[tuple[int, list[str]]]:
    """``(first line, cells)`` of each row. The process-wide :func:`csv.field_size_limit`
    is read, never changed (other threads may be parsing): a row the :mod:`csv` module
    refuses for a long field is parsed again by :func:`_parse_row` under
    ``limits.max_field_bytes``, and when the process-wide limit is the larger one every
    row's fields are checked against ``max_field_bytes`` here."""
    lines = _Lines(text)
    limit = max(limits.max_field_bytes, 1)
    check = csv.field_size_limit() > limit
    base, prev, at = 0, 0, (1, 0)  # lines before the reader's start; last line read
    # (a file whose header names a password column: no raw text of a row that cannot be
    # read, whose cells, the password's among them, cannot be told apart)
    secret = names_a_secret(text, sep)
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
                hint = backslash_hint('\\"' in lines.get(prev + 1, end))  # (as the package's)
                b.problem("syntax", f"unreadable CSV row: {msg}{hint}"
                          f"{_swallowed(prev + 1, end)}", file=name, line=prev + 1, kind=kind,
                          raw=None if secret else raw_text(lines.get(prev + 1, end)))
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
                                      and '\\"' in text[start:stop])
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


def _trimmed(header: list[str]) -> list[str]:
    """``header`` without its trailing empty (or blank) names."""
    end = len(header)
    while end and not header[end - 1].strip():
        end -= 1
    return header[:end]


def _dict_rows(header: list[str], rows: Iterator[tuple[int, list[str]]], name: str,
               b: RosterBuilder, kind: str | None,
               secret_elsewhere: bool = False) -> Iterator[tuple[int, Row]]:
    n = len(header)
    # (a password column named in the file's first lines but not in the header read: a row
    # of the wrong length gives no raw text, whose cells cannot be told apart)
    no_raw = secret_elsewhere and not any(map(secret_column, header))
    unique = len(set(header)) == n
    padded: list[int] = []  # rows with only empty cells past the header: loaded, told once
    spaced: list[int] = []  # (as the package's)
    for line, values in rows:
        escaped = len(values) != n and any(v.endswith("\\") for v in values)  # (as it)
        if len(values) > n and not escaped and not any(v.strip() for v in values[n:]):
            padded.append(line)
            values = values[:n]
            if any(v[:1] == " " for v in values):
                spaced.append(line)
        if len(values) != n:
            # (a cell that may be a password, shifted by the cells too many or too few, is
            # left out: a login credential is never kept)
            k = len(values) - n
            drop = {j for i, h in enumerate(header)
                    if secret_column(h)
                    for j in range(i + min(k, 0), i + max(k, 0) + 1)}
            shown = [v for j, v in enumerate(values) if j not in drop]
            b.problem("syntax", f"row has {len(values)} cells, the header has {n}"
                      f"{backslash_hint(escaped)}", file=name, line=line, kind=kind,
                      raw=None if no_raw else raw_text(to_csv_text([shown])))
            continue
        if unique:
            yield line, dict(zip(header, values))
            continue
        d: Row = {}
        for col, v in zip(header, values):
            d.setdefault(col, v)
        yield line, d
    if padded:
        more = len(padded) - 1
        b.problem("other", f"{len(padded):,} row{'s' if more else ''} (line {padded[0]}"
                  + (f" and {more:,} more" if more else "") + f") had only empty cells past "
                  f"the header's {n} columns; those cells were ignored and every such row "
                  f"loaded{padded_split_hint(spaced)}", file=name, line=padded[0], kind=kind)
