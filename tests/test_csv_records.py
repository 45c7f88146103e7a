"""Rows that span lines (a quoted cell holding a line break) and empty lines between rows
are parsed column-wise by pyarrow, each row keeping the line it starts on, and read
exactly as the csv module's row-by-row reading reads them; what the parity of quotes
cannot vouch for is declined."""

from __future__ import annotations

import unittest.mock
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rostergraph.io import csv_arrow, csv_stream, csvutil
from rostergraph.io.csv_records import RowLines, quote_parity, spanned_rows
from rostergraph.io.limits import Limits
from rostergraph.roster import RosterBuilder


def _read(data: bytes) -> Any:
    """Header, rows with their lines, dicts and problems of ``data`` read as a table."""
    b = RosterBuilder(source="mem", format="test")
    t = csvutil.read_table(data, "t.csv", b, kind="users")
    taken = t._columns is not None  # (parsed by pyarrow, not only clean)
    rows = [(line, list(cells)) for line, cells in t.rows()]
    dicts = list(csvutil.read_table(data, "t.csv", RosterBuilder(source="m", format="t"))
                 .dicts())
    return t.header, rows, dicts, [(p.code, p.line, p.message) for p in b.problems], taken


def _careful(data: bytes) -> Any:
    with unittest.mock.patch.object(csvutil, "_arrow_columns", lambda *a: None), \
            unittest.mock.patch.object(csvutil, "_arrow_columns_from_file", lambda *a: None):
        return _read(data)


SPANNING = {
    "one break": b'id,name\n1,"a\nb"\n2,c\n',
    "CRLF file, LF in cell": b'id,name\r\n1,"a\nb"\r\n2,c\r\n',
    "CRLF in cell": b'id,name\r\n1,"a\r\nb"\r\n2,c\r\n',
    "CR file": b'id,name\r1,"a\rb"\r2,c\r',
    "first and last rows": b'id,name\n1,"a\nb"\n2,c\n3,"d\ne"',
    "several breaks, lines without a quote": b'id,name\n1,"a\n\nb\nc"\n2,d\n',
    "two cells of one row": b'id,a,b\n1,"x\ny","z\nw"\n2,p,q\n',
    "break then doubled quotes": b'id,name\n1,"say\n""hi"""\n2,x\n',
    "cell that is a break": b'id,name\n1,"\n"\n2,x\n',
    "every row": b'id,name\n' + b"".join(b'%d,"n\n%d"\n' % (i, i) for i in range(50)),
}

BLANK = {
    "blank line between rows": b"id,name\n1,a\n\n2,c\n",
    "blank lines at the end": b"id,name\r\n1,a\r\n2,c\r\n\r\n\r\n",
    "CR blank lines": b"id,name\r1,a\r\r2,c\r",
    "blank lines and a quoted break": b'id,name\n1,"a\nb"\n\n2,c\n\n',
    "blank line inside a cell": b'id,name\n1,"a\n\nb"\n2,c\n',
    "quoted, blank line": b'id,name\n1,"a"\n\n2,b\n',
}

DECLINED = {
    # a line of spaces: a row of one cell to both parsers (the csv module tells it)
    "spaces line": b"id,name\n1,a\n  \n2,c\n",
    # a quote inside an unquoted cell flips the parity: the rows' lines are not vouched
    "stray quote": b'id,name\n1,a"b\n2,"c\nd"\n3,e\n',
    # text after a closing quote (the strict csv module refuses it)
    "junk after the quote": b'id,name\n1,"a\nb"x\n2,c\n',
    "open at the end": b'id,name\n1,"a\nb\n',
}


#: Files pyarrow's reading takes: rows spanning lines, and empty lines that are no row.
TAKEN = {**SPANNING, **BLANK}


@pytest.mark.parametrize("name", sorted(TAKEN))
def test_rows_spanning_lines_and_blank_lines_read_column_wise(name: str) -> None:
    """Each row keeps the line it starts on, and every cell its line breaks; an empty
    line (between rows, at the end) is no row, as in the csv module's reading."""
    data = TAKEN[name]
    fast = _read(data)
    assert fast[-1], "read column-wise"
    assert fast[:-1] == _careful(data)[:-1]


@pytest.mark.parametrize("name", sorted(DECLINED))
def test_what_the_parity_cannot_vouch_for_is_read_row_by_row(name: str) -> None:
    data = DECLINED[name]
    assert csv_arrow.arrow_columns(data, Limits()) is None
    assert _read(data) == _careful(data)


def test_stray_quote_elsewhere_keeps_the_file_exact() -> None:
    """A needless quote inside an unquoted cell on a row of its own, away from the rows
    spanning lines, flips the parity of what follows; such a file is declined, never
    read with rows on the wrong lines."""
    data = b'id,name\n1,"a\nb"\n2,O"Hara\n3,"c\nd"\n4,e\n'
    assert _read(data) == _careful(data)


def test_spanned_rows_from_lines_holding_a_quote() -> None:
    """Lines 1 and 2 are one row (an odd quote on each), line 3 a row with no quote,
    line 4 a row with two quotes."""
    q = (np.array([1, 2, 4]), np.array([10, 20, 40]), np.array([15, 25, 45]))
    got = spanned_rows(q, np.array([True, True, False]), 5, 3)
    assert got is not None
    lines, (rows, starts, ends) = got
    assert list(lines) == [2, 4, 5] and rows.tolist() == [1, 3]
    assert starts.tolist() == [10, 40] and ends.tolist() == [25, 45]
    assert spanned_rows(q, np.array([True, True, False]), 5, 4) is None  # (a count off)
    gap = (np.array([1, 3]), np.array([10, 30]), np.array([15, 35]))  # (line 2 quote-free)
    assert spanned_rows(gap, np.array([True, True]), 4, 1) is not None
    assert spanned_rows(gap, np.array([True, True]), 4, 1, every_line=False) is None


@pytest.mark.parametrize("step", [1, 2, 3, 7, 1 << 24])
def test_quote_parity_in_any_step(step: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from rostergraph.io import csv_records

    monkeypatch.setattr(csv_records, "_STEP", step)
    data = b'x,"a""b"\n"c\nd,"""\n\n"e"'
    buf = np.frombuffer(data, dtype=np.uint8)
    lines = data.split(b"\n")
    starts = np.cumsum([0] + [len(x) + 1 for x in lines[:-1]])
    ends = starts + np.array([len(x) for x in lines])
    want = [x.count(b'"') % 2 == 1 for x in lines]
    assert quote_parity(buf, starts, ends).tolist() == want


def test_row_lines_is_a_sequence_of_ints() -> None:
    lines = RowLines(np.array([2, 5, 6], dtype=np.int64))
    assert [type(x) for x in lines] == [int] * 3 and type(lines[1]) is int
    assert lines[-1] == 6 and list(lines[:2]) == [2, 5]
    assert np.asarray(lines, dtype=np.int32).dtype == np.int32


_CELL = st.one_of(
    st.text(alphabet="ab é", max_size=4),
    st.text(alphabet='ab,"\r\n é', max_size=6).map(lambda s: '"' + s.replace('"', '""') + '"'))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 3).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.lists(_CELL, min_size=n, max_size=n), max_size=8))),
    st.sampled_from(["\n", "\r\n", "\r"]), st.booleans(), st.integers(1, 40))
def test_any_quoted_file_reads_as_the_csv_module_reads_it(
        shape: tuple[int, list[list[str]]], end: str, final: bool, chunk: int) -> None:
    """Well-formed files with line breaks in quoted cells, any line ends, looked at in
    any step: read column-wise when no blank row is made, and always as the csv module
    reads them. (pyarrow parses the file as one block here: cut in small blocks, it may
    misread a CRLF inside a cell at a block's end, which the checks then decline.)"""
    n, rows = shape
    head = ",".join(f"c{i}" for i in range(n))
    data = (head + end + end.join(",".join(r) for r in rows) + (end if final else "")).encode()
    with unittest.mock.patch.object(csv_arrow, "_CHUNK", chunk), \
            unittest.mock.patch.object(csv_arrow, "BLOCK", 1 << 20):
        fast = _read(data)
    careful = _careful(data)
    assert fast[:-1] == careful[:-1]
    if rows and all(any(_text(c).strip() for c in r) for r in rows):
        assert fast[-1], "read column-wise"  # (a row of blank cells only is the csv module's)


def _text(cell: str) -> str:
    """A cell as written (quoted or not) as read."""
    return cell[1:-1].replace('""', '"') if cell.startswith('"') else cell


def _streamed(path: Path) -> Any:
    got = csv_stream.arrow_columns_from_file(path, Limits())
    if got is None:
        return None
    header, cols, lines, _, _ = got
    n = len(cols[0]) if cols else 0
    return header, [c.to_pylist() for c in cols], list(lines or range(2, n + 2))


#: Files with a row spanning a line that holds no quote: the parse as read declines them.
_QUOTE_FREE_LINE = {"several breaks, lines without a quote", "blank line inside a cell"}


@pytest.mark.parametrize("name", sorted(TAKEN))
def test_large_files_parsed_as_read_give_the_same_rows(name: str, tmp_path: Path) -> None:
    """A large file parsed as it is read from disk gives the rows and lines of the
    parse of its bytes when each line of a row spanning lines holds a quote, and is
    declined (left to the parse of its bytes) when one does not."""
    data = TAKEN[name]
    (tmp_path / "t.csv").write_bytes(data)
    header, cols, lines = csv_arrow.arrow_columns(data, Limits())  # type: ignore[misc]
    n = len(cols[0])
    want = header, [c.to_pylist() for c in cols], list(lines or range(2, n + 2))
    got = _streamed(tmp_path / "t.csv")
    assert got is None if name in _QUOTE_FREE_LINE else got == want


def test_bundle_of_large_files_reads_rows_spanning_lines(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """Through a folder, with files large enough to be parsed as read: the same table
    (rows, lines, problems) as the csv module's reading."""
    from rostergraph.io.bundle import Bundle

    data = SPANNING["every row"] + b"\n" + b"".join(b"%d,x\n\n" % i for i in range(60, 90))
    (tmp_path / "users.csv").write_bytes(data)
    monkeypatch.setattr(csvutil, "STREAM_FROM", 1)
    b = RosterBuilder(source="m", format="t")
    t = csvutil.bundle_table(Bundle(tmp_path), "users.csv", b, kind="users")
    assert t.clean and isinstance(t.lines, RowLines)
    got = [(line, list(cells)) for line, cells in t.rows()]
    assert got == _careful(data)[1]


def test_a_file_parsed_with_spans_is_not_parsed_again(monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    """A file whose first parse failed on a quoted line break at a block's end (64-byte
    blocks here) and was parsed again with cells that may hold one is not parsed a third
    time to find its rows' lines: that parse already cut its blocks between rows."""
    parses: list[bool] = []
    real = csv_arrow._read_csv
    monkeypatch.setattr(csv_arrow, "_read_csv", lambda *a: parses.append(a[-1]) or real(*a))
    data = SPANNING["every row"]
    got = csv_arrow.arrow_columns(data, Limits())
    assert got is not None and list(got[2] or []) == [2 + 2 * i for i in range(50)]
    assert parses == [False, True]
