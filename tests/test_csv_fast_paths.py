"""The CSV readers' fast paths give exactly what their careful paths give.

Two fast paths: a clean file is parsed by ``pyarrow.csv`` (``csvutil._arrow_columns``)
instead of the :mod:`csv` module (a quoted line only when it is checked to read the same
in both), and a clean
``enrollments.csv`` is read a column at a time (``rostergraph.io.enrollcols``).
Each is checked against the path it replaces on hostile input: the same header,
rows, lines and problems; the same records and problems as the row-by-row oracle.
"""

from __future__ import annotations

import hashlib
import unittest.mock
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rostergraph.io import csv_arrow, csv_stream, csvutil, repeats
from rostergraph.io.limits import Limits
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
from rostergraph.roster import RosterBuilder
from tests.test_csv_equivalence import assert_same, district

pytest.importorskip("pyarrow")

# --- parsing: pyarrow against the csv module ------------------------------------------

HOSTILE = {
    "plain": b"id,name\n1,Ann\n2,Bo\n",
    "crlf": b"id,name\r\n1,Ann\r\n2,Bo\r\n",
    "cr": b"id,name\r1,Ann\r2,Bo\r",
    "mixed ends": b"id,name\r\n1,Ann\n2,Bo\r3,Cy",
    "no final break": b"id,name\n1,Ann",
    "header only": b"id,name\n",
    "header, no break": b"id,name",
    "blank line": b"id,name\n1,Ann\n\n2,Bo\n",
    "blank lines at end": b"id,name\n1,Ann\n\n\n",
    "blank first line": b"\nid,name\n1,Ann\n",
    "one column, blank line": b"id\n1\n\n2\n",
    "spaces line": b"id\n1\n  \n2\n",
    "ragged short": b"id,name\n1\n2,Bo\n",
    "ragged long": b"id,name\n1,Ann,x\n2,Bo\n",
    "extra empty cells": b"id,name\n1,Ann,,\n2,Bo\n",
    "duplicate header": b"id,name,id\n1,Ann,9\n",
    "trailing empty header": b"id,name,,\n1,Ann,,\n",
    "empty header name inside": b"id,,name\n1,x,Ann\n",
    "bom": b"\xef\xbb\xbfid,name\n1,Ann\n",
    "bom twice": b"\xef\xbb\xbf\xef\xbb\xbfid,name\n1,Ann\n",
    "not utf-8": b"id,name\n1,Ann\xe9\n2,Bo\n",
    "nul": b"id,name\n1,A\x00n\n",
    "spaces kept": b"id,name\n 1 , Ann \n",
    "NA and null kept": b"id,name\nNA,null\nNULL,\n",
    "unicode": "id,name\n1,Zoë 山田\n2,\u2028x\n".encode(),
    "long field": b"id,name\n1," + b"x" * 5000 + b"\n",
    "empty cells": b"a,b,c\n,,\n,,\n",  # (rows of empty cells only: no rows, one problem)
    "some empty cells": b"a,b,c\n,,x\n,y,\n",
    "single quote char": b"id,name\n1,O'Hara\n",
    # quotes: pyarrow parses them, and every line holding one is checked against its row
    "quoted comma": b'id,orgs\n1,"a,b"\n2,c\n',
    "quoted everything": b'"id","name"\n"1","Ann"\n"2","Bo"\n',
    "quoted header only": b'"id","name"\n1,Ann\n',
    "doubled quotes": b'id,name\n1,"say ""hi"""\n2,""""\n',
    "empty quoted": b'id,name\n1,""\n"",x\n',
    "quote inside a cell": b'id,name\n1,O"Hara\n2,x"\n',
    "text after closing quote": b'id,name\n1,"a"b\n2,c\n',
    "space after closing quote": b'id,name\n1,"a" \n2,c\n',
    "comma in quotes then junk": b'id,name\n1,"a,"b\n',
    "quoted line break": b'id,name\n1,"a\nb"\n2,c\n',
    "quoted CR": b'id,name\r\n1,"a\rb"\r\n2,c\r\n',
    "unterminated quote": b'id,name\n1,"abc\n',
    "unterminated at end": b'id,name\n1,"abc',
    "quotes with CRLF": b'id,name\r\n1,"a,b"\r\n2,c\r\n',
    "quotes with CR": b'id,name\r1,"a,b"\r2,c\r',
    "quoted, ragged": b'id,name\n1,"a,b",x\n',
    "quoted header with comma": b'"id","a,b"\n1,2\n',
    "quoted header line break": b'"id","a\nb"\n1,2\n',
    "quoted, blank line": b'id,name\n1,"a"\n\n2,b\n',
    "quoted long field": b'id,name\n1,"' + b"x" * 5000 + b'"\n',
    "quoted unicode": 'id,name\n1,"Zoë, 山田"\n'.encode(),
    # a header name over the field limit: the csv module holds the header row to it too
    "long header name": b"id," + b"n" * 150 + b"\n1,Ann\n",
    "long quoted header name": b'id,"' + b"n" * 150 + b'"\n1,Ann\n',
    "long header name, no rows": b"id," + b"n" * 150 + b"\n",
}


def _every(column: str) -> bool:
    return True


def _read(data: bytes, limits: Limits, coded: Any = None) -> Any:
    b = RosterBuilder(source="mem", format="test")
    t = csvutil.read_table(data, "t.csv", b, kind="users", limits=limits, coded=coded)
    rows = [(line, list(cells)) for line, cells in t.rows()]
    dicts = list(csvutil.read_table(data, "t.csv", RosterBuilder(source="m", format="t"),
                                    limits=limits, coded=coded).dicts())
    once = csvutil.read_table(data, "t.csv", RosterBuilder(source="m", format="t"),
                              limits=limits, coded=coded)
    assert list(once.dicts(consume=True)) == dicts  # (pyarrow's blocks let go as read)
    return t.header, t.index, rows, dicts, b.problems


@pytest.mark.parametrize("limits", [Limits(), Limits(max_field_bytes=100)], ids=["default",
                                                                                  "small"])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_arrow_parse_equals_csv_module(name: str, limits: Limits,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Header, rows with their lines, dicts and problems are the same whichever parser
    read the file (the fast one declines what it cannot read exactly)."""
    data = HOSTILE[name]
    fast = _read(data, limits)
    coded = _read(data, limits, coded=_every)  # (every column parsed dictionary-encoded)
    monkeypatch.setattr(csvutil, "_arrow_columns", lambda *a: None)
    careful = _read(data, limits)
    assert fast == careful and coded == careful


@pytest.mark.parametrize("bad", [b"\xed\xa0\x80", b"\xc0\x80", b"\xf4\x90\x80\x80", b"\xe9",
                                 b"\xe2\x82"], ids=["surrogate", "overlong", "past U+10FFFF",
                                                     "stray byte", "cut short"])
@pytest.mark.parametrize("where", ["cell", "coded cell", "quoted cell", "header"])
def test_bytes_that_are_not_utf8_read_as_the_csv_module_reads_them(bad: bytes,
                                                                   where: str) -> None:
    """A file is not decoded before pyarrow parses it: pyarrow refuses a string cell that
    is not UTF-8 and the header is decoded on its own, so a file holding such bytes
    anywhere reads exactly as the csv module's path reads it (its ``encoding`` problem
    included)."""
    cell = b'"x' + bad + b'"' if where == "quoted cell" else b"x" + bad
    head = b"id,na" + bad + b"me" if where == "header" else b"id,name"
    data = head + b"\n1,Ann\n2," + (b"y" if where == "header" else cell) + b"\n3,Bo\n"
    coded = _every if where == "coded cell" else None
    fast = _read(data, Limits(), coded=coded)
    with unittest.mock.patch.object(csvutil, "_arrow_columns", lambda *a: None):
        careful = _read(data, Limits())
    assert fast == careful
    assert [p.code for p in fast[-1]] == ["encoding"]


def test_arrow_parse_is_taken_for_clean_files() -> None:
    """The fast parser reads a clean quote-free file, blank lines skipped (and declines
    the others)."""
    for name in ("crlf", "blank line"):
        assert csvutil._arrow_columns(HOSTILE[name], Limits()) is not None, name
    for name in ("ragged short", "trailing empty header", "long field"):
        data = HOSTILE[name]
        got = csvutil._arrow_columns(data, Limits(max_field_bytes=100))
        assert got is None, name


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 8, 13, 1 << 24])
def test_quoted_lines_found_in_any_step(end: str, chunk: int,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The lines holding a quote, and their text, whatever the step size."""
    monkeypatch.setattr(csv_arrow, "_CHUNK", chunk)
    lines = ['id,x', '1,"a,b"', '2,c', '3,"d""e"', '4,f', '"5",g']
    data = (end.join(lines) + end).encode()
    (line, start, stop), breaks = csv_arrow._quoted_lines(data)
    assert breaks == len(lines)
    assert line.tolist() == [1, 3, 5]
    assert [data[a:b].decode() for a, b in zip(start.tolist(), stop.tolist())] == [
        lines[1], lines[3], lines[5]]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(lines=st.lists(st.sampled_from(['1,"a,b"', "2,c", '"3",d', "", '4,"e""f"', "5,g"]),
                      max_size=12),
       ends=st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=1, max_size=12),
       final=st.booleans(), step=st.sampled_from([1, 2, 3, 7, 1 << 24]))
def test_quoted_lines_read_again_from_the_file(lines: list[str], ends: list[str],
                                               final: bool, step: int) -> None:
    """A file's lines holding a quote read again from it a step at a time (any step, any
    mix of line breaks, a CRLF split between steps, with or without a final break) are
    :func:`_quoted_lines`' lines, with their text, each followed by its break."""
    import tempfile

    text = "id,x" + "".join(ends[k % len(ends)] + line for k, line in enumerate(lines))
    data = (text + (ends[0] if final else "")).encode()
    with tempfile.TemporaryDirectory() as d, pytest.MonkeyPatch.context() as mp:
        mp.setattr(csv_stream, "_STEP", step)
        path = Path(d) / "q.csv"
        path.write_bytes(data)
        got = csv_stream._quoted_from_file(path, len(data), hashlib.sha256(data).hexdigest())
        assert csv_stream._quoted_from_file(path, len(data) + 1, "") is None
    assert got is not None
    quoted, (line, start, end) = got
    (want, w_start, w_end), _ = csv_arrow._quoted_lines(data)
    assert line.tolist() == want.tolist()
    assert [quoted[a:b] for a, b in zip(start.tolist(), end.tolist())] == [
        data[a:b] for a, b in zip(w_start.tolist(), w_end.tolist())]
    # (the text: each line with its own break, and nothing else)
    assert quoted == b"".join(
        data[a:z + (2 if data[z:z + 2] == b"\r\n" else min(1, len(data) - z))]
        for a, z in zip(w_start.tolist(), w_end.tolist()))


def test_arrow_parse_takes_quoted_files_it_can_vouch_for(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose quoted lines are each the CSV text of pyarrow's row (cells quoted
    where needed, every cell quoted, some columns quoted, doubled quotes) is parsed by
    pyarrow without reading a line again; text after a closing quote leaves the file to
    the csv module."""
    read_again: list[int] = []
    agree = csv_arrow._quoted_rows_agree
    monkeypatch.setattr(csv_arrow, "_quoted_rows_agree", lambda data, table, quoted: (
        read_again.append(len(quoted[0])), agree(data, table, quoted))[1])
    rows = b"".join(b"%d,s%d\n" % (i, i) for i in range(100))
    for data, cells in (
            (b"id,orgs\n" + rows + b'100,"a,b"\n', ["100", "a,b"]),
            (HOSTILE["quoted everything"], ["2", "Bo"]),
            (b'id,name,n\r\n"1","Ann",7\r\n"2","",8\r\n', ["2", "", "8"]),
            (HOSTILE["doubled quotes"], ["2", '"'])):
        got = csvutil._arrow_columns(data, Limits())
        assert got is not None, data
        assert [c.to_pylist()[-1] for c in got[1]] == cells
    assert read_again == [0, 0, 0, 0]
    for data in (HOSTILE["text after closing quote"], HOSTILE["comma in quotes then junk"],
                 HOSTILE["space after closing quote"]):
        assert csvutil._arrow_columns(data, Limits()) is None, data
    # a quoted line the check in C cannot vouch for (a needless quote inside a cell,
    # which the csv module reads as it is) is read again, and the file still taken
    odd = b'id,name\n1,a"b\n' + rows
    got = csvutil._arrow_columns(odd, Limits())
    assert got is not None and got[1][1].to_pylist()[0] == 'a"b' and read_again[-1] == 1


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_runs_of_quoted_lines_compared_whole(monkeypatch: pytest.MonkeyPatch,
                                             end: str) -> None:
    """Quoted lines that follow one another are vouched for a run at a time (one
    comparison of bytes); lines holding one the check cannot vouch for (a needless quote
    inside a cell) are compared line by line, and only that line is read again."""
    runs: list[bool] = []
    whole = csv_arrow._lines_match
    monkeypatch.setattr(csv_arrow, "_lines_match", lambda *a: (
        runs.append(whole(*a)), runs[-1])[1])
    rows = [f'{i},"a,{i}","x""{i}"' for i in range(200)]
    rows[50:52] = ["50,plain,row", "51,plain,row"]  # (two runs)
    data = ("id,orgs,note" + end + end.join(rows) + end).encode()
    got = csvutil._arrow_columns(data, Limits())
    assert got is not None and runs == [True]
    assert got[1][2].to_pylist()[199] == 'x"199' and got[1][1].to_pylist()[50] == "plain"
    rows[120] = '120,a"b,"x"'  # (the csv module reads a"b as it is)
    data = ("id,orgs,note" + end + end.join(rows) + end).encode()
    again: list[int] = []
    agree = csv_arrow._quoted_rows_agree
    monkeypatch.setattr(csv_arrow, "_quoted_rows_agree", lambda data, table, quoted: (
        again.append(len(quoted[0])), agree(data, table, quoted))[1])
    got = csvutil._arrow_columns(data, Limits())
    assert got is not None and len(runs) == 1 and again == [1]
    assert got[1][1].to_pylist()[120] == 'a"b'


def test_lines_match_compares_every_byte() -> None:
    """A run's comparison finds a byte that differs anywhere, a break other than the
    file's, and declines lines too scattered for runs to pay."""
    import pyarrow as pa

    lines = [b"ab,c", b"d,ef", b"g,h"]
    made = pa.chunked_array([["ab,c"], ["d,ef", "g,h"]])

    def check(data: bytes, made: Any = made) -> bool:
        at = [data.index(x) for x in lines]
        begin = np.array(at)
        end = begin + np.array([len(x) for x in lines])
        return csv_arrow._lines_match(made, np.arange(len(made)), np.frombuffer(data, np.uint8),
                                      begin, end)

    assert check(b"h\nab,c\nd,ef\ng,h\n") and check(b"h\r\nab,c\r\nd,ef\r\ng,h")
    assert check(b"ab,c\rd,ef\rg,h\r")
    assert not check(b"ab,c\nd,ef\rg,h\n")  # (a break other than the first)
    assert not check(b"ab,c\nd,ef\ng,h\n", pa.chunked_array([["ab,c", "d,eF", "g,h"]]))
    n = 20  # lines each apart from the next: 20 runs of one
    data = b"".join(b"x\n%d,y\n" % i for i in range(n))
    begin = np.array([data.index(b"%d,y" % i) for i in range(n)])
    made = pa.chunked_array([[f"{i},y" for i in range(n)]])
    assert not csv_arrow._lines_match(made, np.arange(n), np.frombuffer(data, np.uint8), begin,
                                      begin + np.array([len(f"{i},y") for i in range(n)]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet='ab,"\r\n ', max_size=12), min_size=1, max_size=8))
def test_arrow_parse_equals_csv_module_on_any_quoting(lines: list[str]) -> None:
    """Text made of quotes, commas, line breaks and letters reads the same whichever
    parser took it (header, rows, lines, problems)."""
    data = ("a,b\n" + "\n".join(lines)).encode()
    fast = _read(data, Limits())
    with unittest.mock.patch.object(csvutil, "_arrow_columns", lambda *a: None):
        careful = _read(data, Limits())
    assert fast == careful


def test_arrow_parse_in_blocks() -> None:
    """pyarrow parses a file a block at a time (64 bytes in the tests); a row longer than
    a block sends the file to one whole-file parse, with the same columns."""
    short = b"id,name\n" + b"".join(b"%d,n%d\n" % (i, i) for i in range(40))
    header, cols, _ = csvutil._arrow_columns(short, Limits())  # type: ignore[misc]
    assert header == ["id", "name"] and cols[0].num_chunks > 1
    assert cols[1].to_pylist() == [f"n{i}" for i in range(40)]
    long = short + b"41," + b"x" * 200 + b"\n"
    _, cols, _ = csvutil._arrow_columns(long, Limits())  # type: ignore[misc]
    assert cols[0].num_chunks == 1 and cols[1].to_pylist()[-1] == "x" * 200


_PLAIN_CELL = st.text(alphabet='ab" é', max_size=5)
_QUOTED_CELL = st.text(alphabet='ab,"\n é', max_size=5).map(
    lambda s: '"' + s.replace('"', '""') + '"')
_JUNK_CELL = st.tuples(_QUOTED_CELL, st.text(alphabet='ab" ', min_size=1, max_size=2)).map(
    "".join)  # text after a closing quote: the strict csv module refuses it


@st.composite
def _quoted_files(draw: Any) -> bytes:
    """Files of quoted, unquoted and broken cells, CR/LF/CRLF line ends."""
    n = draw(st.integers(1, 4))
    head = ",".join(draw(st.lists(st.one_of(st.text(alphabet="abc", min_size=1, max_size=3),
                                            _QUOTED_CELL), min_size=n, max_size=n)))
    cell = st.one_of(_PLAIN_CELL, _PLAIN_CELL, _QUOTED_CELL, _JUNK_CELL)
    rows = [",".join(draw(st.lists(cell, min_size=n, max_size=n)))
            for _ in range(draw(st.integers(0, 6)))]
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return (head + end + end.join(rows) + draw(st.sampled_from(["", end]))).encode()


@settings(max_examples=300, deadline=None)
@given(_quoted_files(), st.integers(1, 40), st.integers(1, 80))
def test_arrow_parse_equals_csv_module_on_quoted_cells(data: bytes, chunk: int,
                                                       block: int) -> None:
    """Quoted cells (commas, doubled quotes, line breaks inside, text after the closing
    quote) read the same whichever parser took the file; every quoted line is checked
    here, whatever their share of the file, the file is looked at in steps of ``chunk``
    bytes (cut between the CR and the LF of a CRLF too), pyarrow parses it ``block``
    bytes at a time (a row longer than that: the whole file as one block) and the quoted
    lines are checked one to three at a time, or all at once."""
    with unittest.mock.patch.object(csv_arrow, "MAX_QUOTED_LINES", 1.0), \
            unittest.mock.patch.object(csv_arrow, "_CHUNK", chunk), \
            unittest.mock.patch.object(csv_arrow, "BLOCK", block), \
            unittest.mock.patch.object(csv_arrow, "CHECK_ROWS",
                                       1 + block % 3 if chunk % 2 else 1 << 16):
        fast = _read(data, Limits())
        coded = _read(data, Limits(), coded=_every if block % 2 else None)
    with unittest.mock.patch.object(csvutil, "_arrow_columns", lambda *a: None):
        careful = _read(data, Limits())
    assert fast == careful and coded == careful


def test_rows_read_once_let_the_blocks_go(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows read with ``consume`` let each pyarrow block go once its rows are given (the
    table's columns cannot be read again) and hand the memory back every few blocks."""
    released: list[int] = []
    monkeypatch.setattr(csv_arrow, "release_arrow_memory", lambda: released.append(1))
    monkeypatch.setattr(csv_arrow, "BLOCK", 64)
    data = b"id,name\n" + b"".join(b"%d,n%d\n" % (i, i) for i in range(200))
    t = csvutil.read_table(data, "t.csv", RosterBuilder(source="m", format="t"))
    blocks = t.arrow("name").num_chunks  # type: ignore[union-attr]
    rows = t.dicts(consume=True)
    assert next(rows) == (2, {"id": "0", "name": "n0"})
    assert [d["id"] for _, d in rows] == [str(i) for i in range(1, 200)]
    assert len(released) == blocks // csv_arrow.BLOCKS_PER_RELEASE > 1
    with pytest.raises(RuntimeError, match="was let go"):
        t.column("id")


def _from_folder(tmp: Path, data: bytes, coded: Any) -> Any:
    """What :func:`csvutil.bundle_table` makes of ``data`` as a folder's file: header,
    rows, problems, the file's size and hash, and whether its bytes were read whole."""

    from rostergraph.io.bundle import Bundle

    (tmp / "t.csv").write_bytes(data)
    bundle, reads = Bundle(tmp), []
    read = bundle.read
    bundle.read = lambda name: reads.append(name) or read(name)  # type: ignore[method-assign]
    b = RosterBuilder(source="mem", format="test")
    t = csvutil.bundle_table(bundle, "t.csv", b, kind="users", coded=coded)
    rows = [(line, list(cells)) for line, cells in t.rows()]
    (info,) = b.files
    assert (info.size, info.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    return (t.header, rows, b.problems), bool(reads)


@pytest.mark.parametrize("coded", [None, _every], ids=["strings", "coded"])
@pytest.mark.parametrize("block", [64, 1 << 24], ids=["small blocks", "16 MiB blocks"])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_file_parsed_as_read_equals_its_bytes_parsed(
        name: str, block: int, coded: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder's file pyarrow parses as it reads it gives the header, rows (with their
    lines), problems, size and SHA-256 that parsing its bytes gives; the files it
    declines (a quoted header, a byte-order mark, blank lines, not UTF-8, a quoted
    line the csv module reads otherwise, ...) are read whole."""
    monkeypatch.setattr(csv_arrow, "BLOCK", block)
    data = HOSTILE[name]
    got, read_whole = _from_folder(tmp_path, data, coded)
    b = RosterBuilder(source="mem", format="test")
    t = csvutil.read_table(data, "t.csv", b, kind="users")
    assert got == (t.header, [(line, list(cells)) for line, cells in t.rows()], b.problems)
    if name in ("plain", "crlf", "cr", "mixed ends", "no final break", "header only",
                "nul", "spaces kept", "unicode", "some empty cells", "doubled quotes",
                "empty quoted", "quoted comma", "quoted unicode", "quotes with CR",
                "quotes with CRLF", "single quote char") and block > 64:
        assert not read_whole  # (quoted lines too: checked after the parse)


def test_file_changed_while_read_is_declined(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose first line is not the header read before it was parsed (it changed
    in between: another header, or cut short) stops pyarrow's read, and a file with
    quotes whose lines read again are not the ones parsed is declined: it is then read
    whole."""
    import io

    def opens(*texts: bytes) -> None:  # (each open of the file gives the next text)
        given = iter(texts)
        monkeypatch.setattr(csv_stream, "open", lambda *a, **k: io.BytesIO(next(given)),
                            raising=False)

    for later in (b"id,name\n1,a\n", b"id,", b""):
        opens(b"id,role\n1,a\n", later)
        assert csv_stream.arrow_columns_from_file("t.csv", Limits()) is None
    opens(b"id,role\n1,a\n", b"id,role\n1,a\n")
    got = csv_stream.arrow_columns_from_file("t.csv", Limits())
    assert got is not None and got[0] == ["id", "role"] and got[3] == 12
    quoted = b'id,role\n1,"a,b"\n'
    for later in (b'id,role\n1,"a,c"\n', b'id,role\n1,"a,b"\n2,x\n', b"id,role\n"):
        opens(quoted, quoted, later)  # (the header, the parse, the quoted lines again)
        assert csv_stream.arrow_columns_from_file("t.csv", Limits()) is None
    opens(quoted, quoted, quoted)
    got = csv_stream.arrow_columns_from_file("t.csv", Limits())
    assert got is not None and got[1][1].to_pylist() == ["a,b"]
    monkeypatch.undo()

    watched = csv_stream._Watched(io.BytesIO(b"id,name\n1,a\n"), b"id,role\n")
    with pytest.raises(OSError, match="changed"):
        watched.read(4)
    watched = csv_stream._Watched(io.BytesIO(b'id,name\n1,"a"\n'), b"id,name\n")
    assert watched.read(8) == b"id,name\n" and not watched.quoted
    assert watched.read(8) == b'1,"a"\n' and watched.quoted
    watched = csv_stream._Watched(io.BytesIO(b"a\r\nb\rc\n"), b"a\r\n")
    while watched.read(1):  # (a CRLF split between two reads is one line break)
        pass
    assert watched.breaks == 3 and watched.size == 7


def test_let_go_columns() -> None:
    """A column let go raises when read (never silently empty); the others still read."""
    data = b"a,b,c\nx,1,p\ny,2,q\n"
    t = csvutil.read_table(data, "t.csv", RosterBuilder(source="m", format="t"))
    assert t.arrow("b") is not None
    t.let_go(["b", "zz"])
    for read in (lambda: t.arrow("b"), lambda: t.encoded("b"), lambda: t.column("b"),
                 lambda: t.distinct("b"), lambda: list(t.dicts())):
        with pytest.raises(RuntimeError, match="'b' was let go"):
            read()
    assert t.column("c") == ["p", "q"] and t.encoded("a")[1] == ["x", "y"]  # type: ignore[index]


def test_encoded_columns() -> None:
    """``CsvTable.encoded`` gives the same codes from pyarrow and from lists."""
    data = b"a,b\nx,1\ny,2\nx,3\n,4\n"
    t = csvutil.read_table(data, "t.csv", RosterBuilder(source="m", format="t"))
    codes, values = t.encoded("a")  # type: ignore[misc]
    assert [values[c] for c in codes.tolist()] == ["x", "y", "x", ""]
    assert values == ["x", "y", ""]
    t.column("a")  # now a list: the same answer from the list path
    codes2, values2 = t.encoded("a")  # type: ignore[misc]
    assert codes2.tolist() == codes.tolist() and values2 == values
    assert t.encoded("zz") is None


def _views(t: csvutil.CsvTable, name: str) -> Any:
    from rostergraph.io.enrollcols import filled_rows

    codes, values = t.encoded(name)  # type: ignore[misc]
    some = t.cells_at(name, np.arange(0, len(codes), 3))  # (before the column is made str)
    return (codes.tolist(), values, t.distinct(name), filled_rows(t, name), some,
            t.column(name))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["", "x", "y", "z", "é", "x y"]), min_size=1, max_size=30),
       st.integers(8, 40))
def test_dictionary_encoded_columns_read_the_same(cells: list[str], block: int) -> None:
    """A column pyarrow parsed dictionary-encoded, in blocks of ``block`` bytes (each
    block with its own dictionary until they are unified), gives the codes (values in
    order of first appearance), distinctness, count of filled rows, cells at some rows
    and cells of the same column parsed as strings; a unique column too."""
    data = ("a,u\n" + "".join(f"{c},{i}\n" for i, c in enumerate(cells))).encode()
    with unittest.mock.patch.object(csv_arrow, "BLOCK", block):
        plain = csvutil.read_table(data, "t.csv", RosterBuilder(source="m", format="t"))
        coded = csvutil.read_table(data, "t.csv", RosterBuilder(source="m", format="t"),
                                   coded=_every)
    assert coded.arrow("a").type.value_type == "string"  # (coded, as asked)
    for name in ("a", "u"):
        assert _views(coded, name) == _views(plain, name)


def test_dictionary_codes_follow_first_appearance() -> None:
    """Codes of a dictionary-encoded column whose dictionary is not in order of first
    appearance (or holds a value no row uses) are put in that order."""
    import pyarrow as pa

    arr = pa.DictionaryArray.from_arrays(pa.array([2, 1, 2], type=pa.int32()),
                                         pa.array(["unused", "b", "a"]))
    codes, values = csv_arrow.encoded_column(pa.chunked_array([arr]))
    assert values == ["a", "b"] and codes.tolist() == [0, 1, 0]


# --- enrollments, a column at a time ----------------------------------------------------

def _edit_enrollments(path: Path, fmt: str) -> None:
    """Unknown classes, missing users, repeated pairs, odd roles, second primaries,
    repeated enrollment ids (OneRoster)."""
    f = path / "enrollments.csv"
    lines = f.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:]]
    if fmt == "oneroster":
        c, u, r, p, e = (head.index(x) for x in ("classSourcedId", "userSourcedId", "role",
                                                 "primary", "sourcedId"))
        extra = []
        for i, row in enumerate(rows[:60]):
            new = list(row)
            if i % 7 != 6:  # (i % 7 == 6: the row again, its sourcedId repeated)
                new[e] = f"{row[e]}-again"
            if i % 7 == 0:
                new[c] = "no-such-class"
            elif i % 7 == 1:
                new[u] = ""
            elif i % 7 == 2:
                new[r] = " aide "
            elif i % 7 == 3:
                new[r], new[p] = "teacher", "TRUE"
            elif i % 7 == 4:
                new[r] = " student"
            elif i % 7 == 5:
                new[r], new[p] = "teacher", "yes"
            extra.append(new)
        rows = [row for pair in zip(rows, [*extra, *([None] * len(rows))]) for row in pair
                if row is not None]
    else:
        s, u = head.index("Section_id"), head.index("Student_id")
        extra = []
        for i, row in enumerate(rows[:40]):
            new = list(row)
            if i % 4 == 0:
                new[s] = "no-such-section"
            elif i % 4 == 1:
                new[u] = ""
            extra.append(new)  # (i % 4 > 1: the same pair again)
        rows = rows[:20] + extra + rows[20:]
    f.write_text("\n".join(",".join(x) for x in [head, *rows]) + "\n", encoding="utf-8")


@pytest.mark.parametrize("fmt", ["oneroster", "sftp"])
def test_enrollments_by_column_equal_the_oracle(tmp_path: Path, fmt: str) -> None:
    """An enrollments file with every kind of bad row gives the oracle's sections and
    problems (in line order) when read a column at a time."""
    roster = district("S", seed=2)
    out = tmp_path / fmt
    (write_oneroster if fmt == "oneroster" else write_clever_csv)(roster, out)
    _edit_enrollments(out, fmt)
    new = assert_same(fmt, out)
    codes = {p.code for p in new.problems if p.file == "enrollments.csv"}
    assert codes == ({"other", "duplicate_id"} if fmt == "oneroster" else {"other"})
    assert sum(p.file == "enrollments.csv" for p in new.problems) >= 20
    assert_same(fmt, out, strict=True)
    assert_same(fmt, out, limits=Limits(max_problems=5))


@pytest.mark.parametrize("fmt", ["oneroster", "sftp"])
def test_without_pyarrow_the_same(tmp_path: Path, fmt: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the pyarrow parser (its absence or a file it declines) every file goes
    through the csv module; the column-wise enrollments then read lists: the same."""
    monkeypatch.setattr(csvutil, "_arrow_columns", lambda *a: None)
    out = tmp_path / fmt
    (write_oneroster if fmt == "oneroster" else write_clever_csv)(district("S", seed=4), out)
    _edit_enrollments(out, fmt)
    assert_same(fmt, out)


@pytest.mark.parametrize("text", [
    "id,name,n\n1,Ann,x\n2,Bo,y\n3,Cy,\n4,Di,z\n5,Ed,w\n",  # (pyarrow: no quote)
    'id,name,n\n1,"A, nn",x\n2,"B, o",y\n3,"C, y",\n',  # (every line quoted: csv module)
    "id,name,id\n1,Ann,x\n2,Bo,y\n",  # (a repeated column: its first wins)
])
def test_rows_read_once_are_the_rows(text: str) -> None:
    """A table read with ``consume`` gives the same dicts as one read without it, over
    several slices of rows, and its cells then cannot be read again (no silent empty
    table)."""
    read = [csvutil.read_table(text.encode(), "t.csv", RosterBuilder(source="m", format="t"))
            for _ in range(2)]
    assert read[0].clean
    assert list(read[0].dicts(consume=True)) == list(read[1].dicts())
    if read[0]._columns is None:  # (the csv module's cells are let go)
        with pytest.raises(RuntimeError, match="t.csv"):
            _ = read[0].cells


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='ab,"\r\n\x0b\x0c\x1c\x85\u2028 ', max_size=60))
def test_text_lines_are_the_lines_string_io_gives(text: str) -> None:
    """The whole-file parse splits lines as ``io.StringIO(newline="")`` does (only
    ``\\r\\n``, ``\\r`` and ``\\n`` end a line, and each keeps its end), so the ``csv``
    module reads the same rows, or fails the same way."""
    import csv
    import io

    assert list(csvutil.text_lines(text)) == list(io.StringIO(text, newline=""))

    def rows(src: Any) -> Any:
        try:
            return list(csv.reader(src, strict=True))
        except csv.Error as exc:
            return str(exc)

    assert rows(csvutil.text_lines(text)) == rows(io.StringIO(text, newline=""))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.booleans(), st.booleans()),
                max_size=40))
def test_first_rows_marks_each_first_combination(rows: list[tuple[int, int, bool, bool]]
                                                 ) -> None:
    """``first_rows`` marks the first row of each combination of codes, over every row or
    over the rows chosen."""
    from rostergraph.io.enrollcols import first_rows

    a, b, t, chosen = (np.array([r[i] for r in rows], dtype=int if i < 2 else bool)
                       for i in range(4))
    at = np.flatnonzero(chosen) if len(rows) else np.zeros(0, dtype=np.int64)
    seen: set[Any] = set()
    want = []
    for i in at.tolist():
        want.append((a[i], b[i], t[i]) not in seen)
        seen.add((a[i], b[i], t[i]))
    assert first_rows(a, b, t, rows=at).tolist() == want
    pairs = list(zip(a.tolist(), b.tolist()))
    assert first_rows(a, b).tolist() == [p not in pairs[:i] for i, p in enumerate(pairs)]


@given(st.lists(st.lists(st.sampled_from(["", "a", "b", "c", "é", "ab", "a b"]), max_size=6),
                max_size=6), st.integers(1, 5))
def test_has_repeats_across_chunks_and_slices(chunks: list[list[str]], at_once: int) -> None:
    """Whether a chunked column holds a value twice, however its cells fall into chunks
    (empty ones too) and the sorted cells into the slices gathered at a time."""
    import pyarrow as pa

    cells = [c for chunk in chunks for c in chunk]
    col = pa.chunked_array(chunks, type=pa.string())
    with unittest.mock.patch.object(repeats, "SORTED_AT_ONCE", at_once):
        assert repeats._sorted_repeats(col) == (len(set(cells)) < len(cells))
    assert repeats.has_repeats(col) == (len(set(cells)) < len(cells))


_WORDY = st.text(st.sampled_from("ab\x00é\U0001F600"), max_size=40)


@given(st.lists(st.lists(_WORDY, max_size=8), max_size=5), st.booleans(), st.integers(1, 3))
def test_cell_hashes_are_exact_where_they_meet(chunks: list[list[str]], sliced: bool,
                                               words: int) -> None:
    """Equal cells hash equal (cells of any length, NUL bytes and multi-byte characters,
    chunks sliced), and a repeat is found exactly even when every hash meets (a collision
    of all cells, forced): the cells whose hashes meet are compared themselves."""
    import pyarrow as pa

    arrays = [pa.array(["x", *c], type=pa.string()).slice(1) if sliced
              else pa.array(c, type=pa.string()) for c in chunks]
    col = pa.chunked_array(arrays, type=pa.string())
    cells = [c for chunk in chunks for c in chunk]
    twice = len(set(cells)) < len(cells)
    with unittest.mock.patch.object(repeats, "HASHED_WORDS", words):
        hashes = repeats.cell_hashes(col)
        if hashes is None:  # (a cell longer than the words hashed: sorted instead)
            assert max(len(c.encode()) for c in cells) > 8 * words
        else:
            by_cell: dict[str, set[int]] = {}
            for cell, h in zip(cells, hashes.tolist()):
                by_cell.setdefault(cell, set()).add(h)
            assert all(len(hs) == 1 for hs in by_cell.values())
        assert repeats.has_repeats(col) == twice
    with unittest.mock.patch.object(repeats, "cell_hashes",
                                    lambda c: np.zeros(len(c), dtype=np.uint64)):
        assert repeats.has_repeats(col) == twice


@pytest.mark.parametrize("coded", [True, False])
def test_made_up_enrollment_ids_told_across_blocks(tmp_path: Path, coded: bool,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The enrollment ids ``write_oneroster`` makes up are told as such from pyarrow's
    columns in blocks (not joined first), the class column dictionary-encoded or not."""
    import rostergraph
    from rostergraph.io import oneroster_enroll

    write_oneroster(rostergraph.sample(), tmp_path)
    monkeypatch.setattr(csv_arrow, "BLOCK", 1024)
    if not coded:
        monkeypatch.setattr(oneroster_enroll, "_repeating", lambda column: False)
    told: list[tuple[bool, int, str]] = []
    made_up = oneroster_enroll._made_up_ids

    def spy(rd: Any, t: Any) -> bool:
        cls = t.arrow("classSourcedId")
        told.append((made_up(rd, t), cls.num_chunks, str(cls.type)))
        return told[-1][0]

    monkeypatch.setattr(oneroster_enroll, "_made_up_ids", spy)
    rostergraph.load(tmp_path)
    assert len(told) == 1
    ok, chunks, typ = told[0]
    assert ok and chunks > 1 and typ.startswith("dictionary") == coded


@pytest.mark.parametrize(("cell", "taken"), [("ééé", True), ("éééééé", False),
                                             ("abcde", True), ("abcdef", False)])
def test_arrow_fields_held_to_the_limit_in_characters(cell: str, taken: bool) -> None:
    """pyarrow's table is taken only when no field has more characters than the limit
    (bytes bound characters: a field of six bytes but three characters still fits in
    five); a longer one sends the file to the :mod:`csv` module's reading."""
    data = f"id,name\n1,{cell}\n2,x\n".encode()
    got = csvutil._arrow_columns(data, Limits(max_field_bytes=5))
    assert (got is not None) == taken
    if got is not None:
        assert got[1][1].to_pylist() == [cell, "x"]


def test_release_heap_trims_the_c_heap_where_glibc_has_it(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """``release_heap`` asks glibc's ``malloc_trim(0)`` to give the heap's free pages
    back, on Linux only, and does nothing where the C library has no such function."""
    import ctypes

    calls: list[int] = []

    class _Libc:
        def malloc_trim(self, pad: int) -> int:
            calls.append(pad)
            return 1

    monkeypatch.setattr(ctypes, "CDLL", lambda name: _Libc())
    monkeypatch.setattr(csv_arrow.sys, "platform", "linux")
    csv_arrow.release_heap()
    assert calls == [0]
    monkeypatch.setattr(csv_arrow.sys, "platform", "darwin")
    csv_arrow.release_heap()
    assert calls == [0]
    monkeypatch.setattr(csv_arrow.sys, "platform", "linux")
    monkeypatch.setattr(ctypes, "CDLL", lambda name: object())  # (musl: no malloc_trim)
    csv_arrow.release_heap()

    def _no_library(name: Any) -> Any:
        raise OSError("no C library")

    monkeypatch.setattr(ctypes, "CDLL", _no_library)
    csv_arrow.release_heap()
    assert calls == [0]


def test_csv_readers_release_the_heap_before_their_end_and_the_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both CSV readers give the heap back before their end (the dicts of the steps
    before are gone) and the builder before it finishes its columns."""
    import rostergraph
    from rostergraph.io import clever_csv, collect, oneroster
    from rostergraph.io.write_oneroster import write_oneroster
    from rostergraph.io.write_sftp import write_clever_csv

    where: list[str] = []
    for mod in (clever_csv, collect, oneroster):
        monkeypatch.setattr(mod, "release_heap", partial(where.append, mod.__name__))
    write_oneroster(rostergraph.sample(), tmp_path / "or", extensions=False)
    write_clever_csv(rostergraph.sample(), tmp_path / "sftp", extensions=False)
    where.clear()  # (what writing them read)
    oneroster.read_oneroster(tmp_path / "or")
    assert where == ["rostergraph.io.oneroster", "rostergraph.io.collect"]
    where.clear()
    clever_csv.read_clever_csv(tmp_path / "sftp")
    assert where == ["rostergraph.io.clever_csv", "rostergraph.io.collect"]


def test_parse_tables_come_from_the_parse_pool() -> None:
    """pyarrow's tables of a parse are allocated from :func:`parse_pool` (jemalloc where
    pyarrow has it), and handed back to it when let go."""
    pool = csv_arrow.parse_pool()
    csv_arrow.release_arrow_memory()
    before = pool.bytes_allocated()
    data = b"id,name\n" + b"".join(b"%d,name %d\n" % (k, k) for k in range(20_000))
    got = csv_arrow.arrow_columns(data, Limits())
    assert got is not None and got[1][1].to_pylist()[7] == "name 7"
    assert pool.bytes_allocated() > before + 100_000
    del got
    assert pool.bytes_allocated() < before + 100_000
