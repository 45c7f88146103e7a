"""A clean CSV file parsed by ``pyarrow.csv`` in one C pass, when that gives exactly what
Python's :mod:`csv` module (strict, the default dialect) gives.

:func:`arrow_columns` returns the header and the columns, or ``None`` for any file it
cannot vouch for; the caller then reads the file with the :mod:`csv` module as before.

- Without a quote character every comma ends a cell and every CR, LF or CRLF ends a row
  in both parsers, so equal counts of rows and lines mean equal rows.
- With quotes the parsers differ only on lines that hold one: pyarrow accepts what the
  strict reader refuses (``"x"y``: text after a closing quote) and may join or split
  rows differently at a quoted line break. Each line holding a quote is therefore read
  again with the :mod:`csv` module and compared with pyarrow's row. Any difference, any
  line the :mod:`csv` module refuses, or more than :data:`MAX_QUOTED_LINES` such lines
  (a file that quotes every cell gains nothing) declines the file.

Examples
--------
>>> data = b'id,orgs\\n1,"a,b"\\n2,c\\n'
>>> header, cols = arrow_columns(data, data.decode(), DEFAULT_LIMITS)
>>> header, [c.to_pylist() for c in cols]
(['id', 'orgs'], [['1', '2'], ['a,b', 'c']])
>>> bad = b'id,orgs\\n1,"a"b\\n'
>>> arrow_columns(bad, bad.decode(), DEFAULT_LIMITS) is None
True
"""

from __future__ import annotations

import csv
from typing import Any

import numpy as np

from .limits import DEFAULT_LIMITS, Limits  # noqa: F401 (the examples use the default)

__all__ = ["MAX_QUOTED_LINES", "arrow_columns", "trimmed"]

#: Lines holding a quote read again with the :mod:`csv` module, at most: past this share
#: of the file's lines, checking them costs what the :mod:`csv` module's whole pass does.
MAX_QUOTED_LINES = 0.25


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


def _line_breaks(data: bytes) -> np.ndarray:
    """Byte positions where lines end (a CR, an LF, or the LF of a CRLF), ascending."""
    buf = np.frombuffer(data, dtype=np.uint8)
    lf = np.flatnonzero(buf == 10)
    cr = np.flatnonzero(buf == 13)
    if len(cr):
        nxt = cr + 1
        alone = np.ones(len(cr), dtype=bool)
        inside = nxt < len(buf)
        alone[inside] = buf[nxt[inside]] != 10
        cr = cr[alone]
        return np.sort(np.concatenate([lf, cr]))
    return lf


def _quoted_rows_agree(data: bytes, table: Any, names: list[str]) -> bool:
    """Whether every line of ``data`` holding a quote (after the header) reads, with the
    :mod:`csv` module alone, as pyarrow's row at that line."""
    buf = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(buf == 34)
    breaks = _line_breaks(data)
    lines = np.unique(np.searchsorted(breaks, quotes))  # line index (0: the header)
    lines = lines[lines > 0]
    if len(lines) > MAX_QUOTED_LINES * (len(breaks) + 1):
        return False
    if not len(lines):
        return True
    starts = breaks[lines - 1] + 1
    ends = np.append(breaks, len(buf))[lines]
    texts = []
    for a, b in zip(starts.tolist(), ends.tolist()):
        line = data[a:b]
        if line.endswith(b"\r"):  # (the CR of a CRLF: the break is its LF)
            line = line[:-1]
        texts.append(line.decode("utf-8"))
    try:
        want = list(csv.reader(texts, strict=True))
    except csv.Error:
        return False
    import pyarrow as pa

    got = table.take(pa.array(lines - 1)).to_pydict()
    cols = [got[n] for n in names]
    return len(want) == len(lines) and all(
        row == [c[i] for c in cols] for i, row in enumerate(want))


def _header(text: str, end: int) -> list[str] | None:
    """The header line's names (read by the :mod:`csv` module when it holds a quote)."""
    first = text[:end]
    if '"' not in first:
        return first.split(",")
    try:
        rows = list(csv.reader([first], strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def arrow_columns(data: bytes, text: str, limits: Limits) -> tuple[list[str], list[Any]] | None:
    """The header and the columns of a clean file, parsed by ``pyarrow.csv`` in one C pass,
    when they are exactly what the :mod:`csv` module's whole pass would give: every line a
    row (no blank line, no quoted line break), every row as long as the header, no field
    over the limits (of ``limits`` and of the :mod:`csv` module), no trailing empty column
    name, and every line holding a quote read the same by both. ``None`` otherwise, or
    without pyarrow: the file is read as before.

    ``data`` is the file's bytes without a byte-order mark and ``text`` their (valid
    UTF-8) decoding.
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pcsv
    except ImportError:
        return None
    quoted = '"' in text
    end = len(text)
    for brk in ("\n", "\r"):
        at = text.find(brk)
        if 0 <= at < end:
            end = at
    header = _header(text, end)
    if not text or header is None or trimmed(header) != header:
        return None
    n_lines = text.count("\n") + text.count("\r") - text.count("\r\n")
    if text[-1] not in "\r\n":
        n_lines += 1
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pcsv.read_csv(
            pa.BufferReader(data),
            read_options=pcsv.ReadOptions(column_names=names, skip_rows=1, use_threads=False,
                                          block_size=min(max(len(data), 1 << 20), 1 << 30)),
            parse_options=pcsv.ParseOptions(quote_char='"' if quoted else False,
                                            double_quote=True, ignore_empty_lines=True),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except (pa.ArrowException, ValueError, OSError):
        return None
    if table.num_rows + 1 != n_lines:  # a blank line: the rows keep their own line numbers
        return None
    longest = max(limits.max_field_bytes, 1)
    longest = min(longest, csv.field_size_limit())
    if table.num_rows and len(text) > longest and any(
            (pc.max(pc.utf8_length(col)).as_py() or 0) > longest for col in table.columns):
        return None
    if quoted and not _quoted_rows_agree(data, table, names):
        return None
    return header, list(table.columns)
