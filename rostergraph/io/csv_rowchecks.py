"""Rows a CSV reader must not take as they come: the header given again (two exports
joined into one file), and the text of rows that may hold a password (a login credential
is never kept, not even in a problem's raw text).

Examples
--------
>>> is_header(["Student_id ", "school_id"], ["Student_id", "School_id"])
True
>>> without_secrets(["u1", "x", "pw", "Ann"], 3, [1])
['u1', 'Ann']
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import orjson

from ..roster import RosterBuilder, raw_text

__all__ = [
    "END_PADDING",
    "NOT_A_NAME",
    "SEPARATORS",
    "UTF16_MARKS",
    "ReadAs",
    "backslash_hint",
    "decode_csv",
    "is_empty_row",
    "is_header",
    "is_secret_column",
    "names_a_secret",
    "not_text",
    "padded_split_hint",
    "renamed_repeats",
    "row_dicts_at",
    "row_text",
    "rows_at",
    "rows_text",
    "separated",
    "separator_line",
    "separator_of",
    "spaced_quotes",
    "tell_bad_lines",
    "tell_skipped",
    "unmarked_header",
    "unspaced",
    "without_end_padding",
    "without_header_again",
    "without_secrets",
]

#: What no header name is made of: spaces, tabs and the byte order mark (U+FEFF). A line of
#: them alone (between separators, if any) before the header is no header (a hand-edited
#: file, two exports joined).
NOT_A_NAME = " \t\ufeff"


def backslash_hint(escaped: bool) -> str:
    """What a ``syntax`` problem about a row adds when the row holds a backslash before a
    quote or a separator (``escaped``: its text holds ``\\"``, or a cell it was split into
    ends in a backslash): an export that escapes them so (MySQL's ``ESCAPED BY``, PHP)
    writes no CSV, which doubles a quote in a quoted cell and quotes a cell holding a
    separator.

    Examples
    --------
    >>> backslash_hint(True)[:52], backslash_hint(False)
    (' (a quote or separator escaped with a backslash, as ', '')
    """
    if not escaped:
        return ""
    return (' (a quote or separator escaped with a backslash, as MySQL and PHP export them? '
            'CSV writes a quote in a quoted cell twice, "", and quotes a cell holding the '
            "separator)")


def padded_split_hint(lines: list[int]) -> str:
    """What the problem about rows with only empty cells past the header (loaded) adds for
    those of them that hold a cell starting with a space (``lines``): a separator in a cell
    written without quotes (``Lee, Jr.``) splits it so, and when the row's last cell is
    empty the row looks like those rows, its cells after the split each a column late.

    Examples
    --------
    >>> padded_split_hint([3])[:49], padded_split_hint([])
    ('; line 3 holds a cell that starts with a space, a', '')
    """
    if not lines:
        return ""
    more = len(lines) - 1
    return (f"; line {lines[0]}" + (f" and {more:,} more" if more else "")
            + f" hold{'' if more else 's'} a cell that starts with a space, as the rest of a "
            "cell split at a separator written without quotes does (Lee, Jr.): the cells "
            "after it may each be a column late")


#: Bytes that end a file without being text: Ctrl-Z (the end-of-file mark of DOS-era tools)
#: and NUL (a file allocated ahead and cut short).
END_PADDING = b"\x1a\x00"


def without_end_padding(data: bytes, name: str, b: RosterBuilder) -> bytes:
    """``data`` without the padding bytes (:data:`END_PADDING`) after its last row, and the
    line ends among them (one line end kept), with a note; ``data`` itself (not copied)
    when it has none. A UTF-16 file is left as it is (its NUL bytes are text).

    Examples
    --------
    >>> from rostergraph.roster import RosterBuilder
    >>> rb = RosterBuilder(source="m", format="t")
    >>> without_end_padding(b"id\\r\\n1\\r\\n\\x1a", "t.csv", rb), rb.notes[0][:40]
    (b'id\\r\\n1\\r\\n', 't.csv: 1 padding byte after the last row')
    >>> data = b"id\\n1\\n"
    >>> without_end_padding(data, "t.csv", rb) is data
    True
    >>> without_end_padding(b"\\x1a", "t.csv", rb)  # (no row: what the file holds is told)
    b'\\x1a'
    """
    if data[-1:] not in (b"\x1a", b"\x00", b"\r", b"\n") or data[:2] in UTF16_MARKS:
        return data
    window = data[-4096:]  # (a slice of the end: a file is not copied to look at it)
    bare = window.rstrip(END_PADDING + b"\r\n")
    if not bare and len(window) < len(data):  # (padding longer than the window)
        window, bare = data, data.rstrip(END_PADDING + b"\r\n")
    tail = window[len(bare):]
    n = len(tail) - tail.count(b"\r") - tail.count(b"\n")
    if not n or len(tail) == len(data):  # (a file of padding only: read, its header told)
        return data
    b.notes.append(f"{name}: {n} padding byte{'s' if n != 1 else ''} after the last row "
                   "(Ctrl-Z, the end-of-file mark of DOS-era tools, or NUL); not read")
    ends = [e for e in (b"\r\n", b"\n", b"\r") if e in tail]
    return data[:len(data) - len(tail)] + (ends[0] if ends else b"")


def tell_skipped(lines: list[int], name: str, b: RosterBuilder, kind: str | None) -> None:
    """One ``other`` problem for the ``lines`` before the header that hold only spaces or
    byte order marks (skipped, as blank lines are), when there are any.

    Examples
    --------
    >>> b = RosterBuilder(source="m", format="t")
    >>> tell_skipped([1, 2], "users.csv", b, "users"); b.problems[0].line
    1
    """
    if lines:
        one = len(lines) == 1
        b.problem("other", f"{len(lines)} line{'' if one else 's'} before the header "
                  f"hold{'s' if one else ''} no name (only spaces, separators or byte order "
                  "marks): skipped, as blank lines are",
                  file=name, line=lines[0], kind=kind)


#: The first bytes of files that are no CSV text, though named ``.csv``, and what they are.
_NOT_TEXT = ((b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook?)"),
             (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 .xls workbook"),
             (b"\x1f\x8b", "gzip-compressed"), (b"%PDF-", "a PDF document"))


def not_text(data: bytes, name: str, b: RosterBuilder, kind: str | None) -> bool:
    """Whether ``data`` is a file no CSV reader can read (a spreadsheet saved under the
    ``.csv`` name, a compressed file, a PDF), told by a ``syntax`` problem on line 1 saying
    what it is (read as text, it gave only an ``encoding`` problem and no row).

    Examples
    --------
    >>> b = RosterBuilder(source="m", format="t")
    >>> not_text(b"PK\\x03\\x04", "users.csv", b, "users"), not_text(b"id,name", "t.csv", b, None)
    (True, False)
    """
    for magic, what in _NOT_TEXT:
        if data.startswith(magic):
            b.problem("syntax", f"the file is {what}, not CSV text: it was not read (save it "
                      "as CSV, UTF-8)", file=name, line=1, kind=kind)
            return True
    return False


def unmarked_header(header: list[str], line: int, name: str, b: RosterBuilder,
                    kind: str | None) -> list[str]:
    """``header`` without a byte order mark before its first name (one not at the file's
    start, which the reader strips: after a blank line, or repeated), with an ``other``
    problem at ``line``; the first name was no column's else (every row lost its id).

    Examples
    --------
    >>> b = RosterBuilder(source="m", format="t")
    >>> unmarked_header(["\ufeffsourcedId", "role"], 2, "users.csv", b, "users")
    ['sourcedId', 'role']
    """
    if not header or not header[0].startswith("\ufeff"):
        return header
    b.problem("other", "a byte order mark (U+FEFF) before the header's first name, not at "
              "the file's start: ignored", file=name, line=line, kind=kind,
              field=header[0].lstrip("\ufeff"))
    return [header[0].lstrip("\ufeff"), *header[1:]]


def is_secret_column(name: str) -> bool:
    """Whether a column (or any record key) holds a login credential, never kept:
    ``password`` (OneRoster), ``Password`` (Clever SFTP), in any case, with quotes, spaces,
    underscores, dots or hyphens around or inside it (``Pass Word``: the Clever SFTP reader
    matches its column names so, and such a column beside ``Password`` is a password all
    the same); a name ending in one (``Student_Password``, ``initialPassword``), ``passwd``,
    ``pwd``, ``passcode`` or ``passphrase``; a secret, token or API key (``secret``,
    ``client_secret``, ``api_token``, ``apiKey``); or a typo of ``password``
    (``Pasword``, ``Passwords``: a similarity of 0.85 or more). A credential lost from
    ``extra`` costs little; one kept would be written into every output. The one test of
    the readers (which never keep such a column) and of the privacy modes, reports and
    diffs (which never write or print such a key of a Clever JSON record's ``extra``).

    Examples
    --------
    >>> is_secret_column(" Password"), is_secret_column("Student_Password")
    (True, True)
    >>> is_secret_column("PASS_WORD"), is_secret_column("Pasword"), is_secret_column("Passport")
    (True, True, False)
    >>> is_secret_column("api_token"), is_secret_column("secret"), is_secret_column("sis_id")
    (True, True, False)
    """
    key = _SECRET_SEPARATORS.sub("", name.lower())
    if key in _CREDENTIALS or key.endswith(_CREDENTIAL_ENDS):
        return True
    # (a typo of "password" keeps most of its letters: others are no candidates)
    return ("w" in key and "p" in key and 6 <= len(key) <= 11
            and difflib.SequenceMatcher(None, key, "password").ratio() >= 0.85)


_SECRET_SEPARATORS = re.compile(r'[\s_.\-"]+')
#: Column names (as :func:`is_secret_column` compares them) that are credentials.
_CREDENTIALS = frozenset({"password", "passwd", "pwd", "passcode", "passphrase", "secret",
                          "token", "apikey"})
#: Endings of such names that make a credential's (``sis_password``, ``client_secret``).
_CREDENTIAL_ENDS = ("password", "passwd", "secret", "token", "apikey")


class ReadAs(dict[str, str]):
    """A row read with cells other than the source gave (a delta's padded ``sourcedId``
    read as the base record's id), which keeps the row as given (``given``): the raw text
    of every later problem of the row (:func:`row_text`) is what the source gave.

    Examples
    --------
    >>> row = ReadAs({"sourcedId": "U1"}, given={"sourcedId": " U1 "})
    >>> row["sourcedId"], row_text(row)
    ('U1', '{"sourcedId":" U1 "}')
    """

    __slots__ = ("given",)

    def __init__(self, cells: Mapping[str, str], *, given: Mapping[str, str]) -> None:
        super().__init__(cells)
        self.given = given


def row_text(row: Mapping[str, str]) -> str:
    """The raw text of a row that is not loaded: its cells as a JSON object, without a
    password cell; a :class:`ReadAs` row's cells as given.

    Examples
    --------
    >>> row_text({"Student_id": "", "First_name": "Bo", "Password": "x"})
    '{"Student_id":"","First_name":"Bo"}'
    """
    if isinstance(row, ReadAs):
        row = row.given
    return raw_text(orjson.dumps({k: v for k, v in row.items() if not is_secret_column(k)}))


def rows_at(t: Any, positions: np.ndarray) -> Iterator[tuple[int, tuple[str, ...]]]:
    """``(line, cells)`` of the rows at ``positions`` (ascending) of a clean
    :class:`~rostergraph.io.csvutil.CsvTable` ``t``, read a column at a time.

    Examples
    --------
    >>> from rostergraph.io.csvutil import read_table
    >>> t = read_table(b"a,b\\nx,1\\ny,2\\n", "t.csv", RosterBuilder(source="m", format="t"))
    >>> list(rows_at(t, np.array([1])))
    [(3, ('y', '2'))]
    """
    cells = [t.cells_at(name, positions) or [] for name in t.header]
    lines = np.asarray(t.lines)[positions].tolist() if len(positions) else []
    return zip(lines, zip(*cells)) if cells else zip(lines, [()] * len(lines))


def row_dicts_at(t: Any, positions: np.ndarray) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, row)`` of the rows of clean table ``t`` at ``positions`` (ascending), each
    row's dict made as it is given (:func:`rows_at`).

    Examples
    --------
    >>> from rostergraph.io.csvutil import read_table
    >>> t = read_table(b"a,b\\nx,1\\ny,2\\n", "t.csv", RosterBuilder(source="m", format="t"))
    >>> list(row_dicts_at(t, np.array([1])))
    [(3, {'a': 'y', 'b': '2'})]
    """
    header = t.header
    for line, values in rows_at(t, positions):
        yield line, dict(zip(header, values))


def rows_text(t: Any, rows: Sequence[int]) -> dict[int, str]:
    """:func:`row_text` of each of rows ``rows`` (indices) of a clean
    :class:`~rostergraph.io.csvutil.CsvTable` ``t``, by index: the row as the table's
    ``as_dict`` gives it (a repeated column name read as ``<name>#2``), read a column at a
    time at those rows only; a password column is never read.

    Examples
    --------
    >>> from rostergraph.roster import RosterBuilder
    >>> from rostergraph.io.csvutil import read_table
    >>> b = RosterBuilder(source="mem", format="test")
    >>> t = read_table(b"id,Password,id\\n1,x,7\\n2,y,8\\n", "t.csv", b)
    >>> rows_text(t, [1])
    {1: '{"id":"2","id#2":"8"}'}
    """
    at = sorted(set(rows))
    if not at:
        return {}
    names = [h for h in dict.fromkeys(t.header) if not is_secret_column(h)]
    cols = [t.cells_at(h, np.array(at, dtype=np.int64)) or [] for h in names]
    return {i: row_text(dict(zip(names, cells))) for i, cells in zip(at, zip(*cols))} \
        if names else dict.fromkeys(at, row_text({}))


def names_a_secret(data: bytes | str, sep: str = ",") -> bool:
    """Whether a file (bytes or text) may hold a password column: the column of a login
    credential, never kept (in any case, quoted or not). Any of the file's first
    non-blank lines that names one says so, not only the one a reader takes for the
    header: a title line before the header, or a broken first row, must not make the
    rows' raw text show passwords. Names are split at commas, tabs, semicolons, vertical
    bars, ``sep`` (the separator a reader found) and any character a spreadsheet's
    separator line (:func:`separator_line`) names. Bytes that start with a UTF-16
    byte-order mark are read as UTF-16.

    Examples
    --------
    >>> names_a_secret(b"sourcedId,Password\\r\\nu1,x"), names_a_secret("id,name\\n")
    (True, False)
    >>> names_a_secret("\\ufeff\\r\\nsep=;\\r\\nid;password\\n")
    True
    >>> names_a_secret("sep=:\\nid:Password\\n"), names_a_secret("\\n\\n\\n\\nid,password\\n1,x")
    (True, True)
    >>> names_a_secret("Users export\\nid,password\\n")
    True
    >>> names_a_secret("id,password".encode("utf-16"))
    True
    """
    first = data[:_HEAD_SCAN]
    if isinstance(first, bytes):
        first = first.decode(UTF16_MARKS.get(first[:2], "utf-8"), "replace")
    lines = [x for x in re.split(r"\r\n|\r|\n", first) if x.strip()][:_HEAD_LINES]
    seps = ",\t;|" + sep + "".join(c for c in map(separator_line, (x.strip() for x in lines))
                                   if c is not None)
    split = re.compile(f"[{re.escape(seps)}]").split
    # (split at every separator a file may use: a name is a password's in any of them)
    return any(is_secret_column(name.lstrip("\ufeff")) for line in lines
               for name in split(line))


#: The first lines of a file :func:`names_a_secret` looks at for a password column.
_HEAD_LINES = 10
#: a UTF-16 byte-order mark → the codec of the text after it
UTF16_MARKS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def separator_line(line: str) -> str | None:
    """The separator a spreadsheet's first line ``sep=;`` names (Excel writes and reads
    one; it is no row), or ``None`` for any other line.

    Examples
    --------
    >>> separator_line("sep=;"), separator_line('"SEP=,"'), separator_line("sep=,x")
    (';', ',', None)
    """
    m = _SEP_LINE.fullmatch(line)
    return m.group(1) or m.group(2) if m else None


#: A spreadsheet's separator line (any case, quoted or not; the quote is no separator).
_SEP_LINE = re.compile(r'[Ss][Ee][Pp]=([^"\r\n])|"[Ss][Ee][Pp]=([^"\r\n])"')


#: The separators other than the comma that a file named ``.csv`` may use, as named in
#: problems: a SIS's "export as text" (tab-delimited) or a spreadsheet saved in a locale
#: whose list separator is the semicolon.
SEPARATORS = {"\t": "tabs", ";": "semicolons", "|": "vertical bars"}


def separator_of(line: str) -> str:
    r"""The character that separates the column names of a header line: a comma, or, for
    a line holding no comma that names at least two columns separated by tabs,
    semicolons or vertical bars, the most frequent of those.

    Examples
    --------
    >>> separator_of("sourcedId,role"), separator_of("Student_id\tLast_name")
    (',', '\t')
    >>> separator_of("sourcedId"), separator_of("a;b|c;d"), separator_of("a;")
    (',', ';', ',')
    """
    if "," in line:
        return ","
    sep = max(SEPARATORS, key=line.count)
    return sep if sum(1 for name in line.split(sep) if name.strip()) >= 2 else ","


#: Characters of a file's first line looked at for its column names.
_HEAD_SCAN = 1 << 16


def separated(text: str, name: str, b: RosterBuilder, kind: str | None) -> tuple[str, str]:
    r"""The text to parse and the character between its cells (pyarrow's parse declined
    both cases below: it takes only commas):

    - a first line ``sep=;`` (a spreadsheet's separator line, which Excel writes and reads)
      is no row: it is left out, its line end kept so that every row keeps its line, and
      its character separates the cells;
    - a header that holds no comma but names its columns separated by tabs, semicolons or
      vertical bars (:func:`separator_of`) is read so.

    Either is an ``other`` problem on line 1 (the formats ask for commas and a header).

    Examples
    --------
    >>> b = RosterBuilder(source="m", format="t")
    >>> separated("sep=;\na;b\n", "t.csv", b, None), b.problems[0].line
    (('\na;b\n', ';'), 1)
    """
    first = _TEXT_LINE_END.split(text[:_HEAD_SCAN], 1)[0]
    named = separator_line(first)
    if named is not None:
        b.problem("other", f"line 1 is a spreadsheet's separator line ({first!r}), no row: "
                  "skipped; the header is line 2 and the cells are separated by "
                  f"{_SEPARATOR_NAMES.get(named, repr(named))}", file=name, line=1, kind=kind)
        return text[len(first):], named
    sep = separator_of(first)
    if sep != ",":
        b.problem("other", f"the header's names are separated by {SEPARATORS[sep]}, not "
                  "commas: the file is read so (the format asks for commas)", file=name,
                  line=1, kind=kind)
    if spaced_quotes(first, sep):
        b.problem("other", "the cells are quoted after a separator and spaces (as in "
                  "'\"id\", \"name\"'), which the format does not allow (a quote opens a cell "
                  "only at its start): the spaces around quoted cells are left out", file=name,
                  line=1, kind=kind)
        text = unspaced(text, sep)
    return text, sep


def spaced_quotes(line: str, sep: str = ",") -> bool:
    """Whether a header line quotes its names, some after a separator and spaces or tabs
    (``"id", "name"``): a script's dialect (the csv module's ``skipinitialspace``), in which
    every cell after the first would be read with its space and quotes.

    Examples
    --------
    >>> spaced_quotes('"id", "name"'), spaced_quotes('"id","name"'), spaced_quotes('id, name')
    (True, False, False)
    """
    s = re.escape(sep)
    return (re.fullmatch(f'"[^"]*"(?:[ \t]*{s}[ \t]*"[^"]*")+[ \t]*', line) is not None
            and re.search(f'{s}[ \t]+"', line) is not None)


def unspaced(text: str, sep: str = ",") -> str:
    """``text`` without the spaces and tabs between a separator (or a line's start) and the
    quote opening a cell, and between a cell's closing quote and the separator or line end
    after it (:func:`spaced_quotes`); the quoted cells are kept as they are.

    Examples
    --------
    >>> unspaced('"id", "name"\\n"1", "Lee, Jr"  \\n')
    '"id","name"\\n"1","Lee, Jr"\\n'
    """
    s = re.escape(sep)
    cells = re.compile(f'("(?:[^"]|"")*")[ \t]+(?=[{s}\r\n]|$)|(?:(?<={s})|(?<=[\r\n])|^)'
                       f'[ \t]+(?=")')
    return cells.sub(lambda m: m.group(1) or "", text)


_SEPARATOR_NAMES = {",": "commas", **SEPARATORS}
#: the line ends io.StringIO(newline="") splits on
_TEXT_LINE_END = re.compile(r"\r\n|\r|\n")




_NOT_ASCII = re.compile(rb"[\x80-\xff]")
_LINE_END = re.compile(rb"[\r\n]")


def tell_bad_lines(data: bytes, name: str, b: RosterBuilder, kind: str | None,
                   first: int) -> None:
    """An ``encoding`` problem for each line of ``data`` holding bytes that are not UTF-8
    (``first``: the offset of the first such byte), its raw text the line's bytes (none in
    a file with a password column): each record whose text the decoding changes is named.
    Lines end at CR, LF or CRLF, as the rows' lines (a UTF-8 character holds no CR or LF
    byte, so the lines of the bytes are the lines of the text); only lines holding a byte
    that is not ASCII are looked at.

    Examples
    --------
    >>> b = RosterBuilder(source="m", format="t")
    >>> tell_bad_lines(b"id,n\\r\\n1,Jos\\xe9\\n2,Z\\xc3\\xab\\r3,\\xff\\n", "t.csv", b, None, 11)
    >>> [(p.line, p.raw) for p in b.problems]
    [(2, '1,Jos\\\\xe9'), (4, '3,\\\\xff')]
    """
    secret = names_a_secret(data)
    told = False
    line, at = 1, 0  # the line that starts at offset ``at``
    found = _NOT_ASCII.search(data, first)
    while found is not None:
        pos = found.start()
        start = max(data.rfind(b"\n", at, pos), data.rfind(b"\r", at, pos)) + 1
        line += (data.count(b"\n", at, start) + data.count(b"\r", at, start)
                 - data.count(b"\r\n", at, start))
        # the line ends at its first CR or LF (one search for either: looking for each
        # apart scans a file of the other kind of line end to its end for every line)
        brk = _LINE_END.search(data, pos)
        end = brk.start() if brk is not None else len(data)
        got = data[start:end]
        try:
            got.decode("utf-8")
        except UnicodeDecodeError:
            b.problem("encoding", "bytes that are not UTF-8 " + (
                "on this line too" if told else f"(first at byte {first})")
                + "; replaced by U+FFFD", file=name, line=line, kind=kind,
                raw=None if secret else raw_text(got))
            told = True
        at = start
        found = _NOT_ASCII.search(data, end)


def renamed_repeats(header: list[str], name: str, b: RosterBuilder, kind: str | None) -> list[str]:
    """``header`` with each repeat of a column name renamed ``<name>#2``, ``#3``... (a
    name no other column has), each a ``syntax`` problem: the first column is read as the
    format's, and a repeat's cells are kept as a column of their own (a column the format
    does not name, so in the records' ``extra``) instead of being lost. A repeated
    password column keeps its name, and its cells are not kept (no password ever is).

    Examples
    --------
    >>> b = RosterBuilder(source="m", format="t")
    >>> renamed_repeats(["id", "a", "a", "a#2", "password", "password"], "t.csv", b, None)
    ['id', 'a', 'a#3', 'a#2', 'password', 'password']
    >>> len(b.problems)
    2
    """
    if len(set(header)) == len(header):
        return header
    taken = set(header)
    seen: set[str] = set()
    last: dict[str, int] = {}  # name → the last k tried (a header of one name repeated
    out = []  # thousands of times stays linear)
    for col in header:
        if col in seen and not is_secret_column(col):
            k = last.get(col, 1) + 1
            while f"{col}#{k}" in taken:
                k += 1
            last[col] = k
            renamed = f"{col}#{k}"
            taken.add(renamed)
            b.problem("syntax", f"column {col!r} appears twice in the header; the first is "
                      f"used, the other's cells are kept as column {renamed!r}",
                      file=name, line=1, kind=kind, field=col)
            col = renamed
        elif col in seen:
            b.problem("syntax", f"column {col!r} appears twice in the header; the first is "
                      "used (a password's cells are never kept)", file=name, line=1,
                      kind=kind, field=col)
        seen.add(col)
        out.append(col)
    return out


def is_header(row: list[str], header: list[str]) -> bool:
    """Whether ``row`` is ``header`` again: the same names, in any case and with spaces
    around them as the readers match names (a byte-order mark before it, empty or blank
    cells after: the names a header ends in that are ignored)."""
    if not row or len(row) < len(header):
        return False
    names = [row[0].removeprefix("\ufeff"), *row[1:len(header)]]
    return ([v.strip().lower() for v in names] == [h.strip().lower() for h in header]
            and not any(v.strip() for v in row[len(header):]))


def is_empty_row(row: Sequence[str]) -> bool:
    """Whether every cell of ``row`` is empty or holds only spaces and tabs: a line of
    separators, as a spreadsheet saves a row it holds no values in.

    Examples
    --------
    >>> is_empty_row(["", " ", "\t"]), is_empty_row(["", "x"])
    (True, False)
    """
    return not any(cell.strip(" \t") for cell in row)


def without_header_again(rows: Iterator[tuple[int, list[str]]], header: list[str],
                          name: str, b: RosterBuilder, kind: str | None
                          ) -> Iterator[tuple[int, list[str]]]:
    """``rows`` but those that are the header again (two exports joined into one file),
    each a problem at its line, and those of only empty cells (:func:`is_empty_row`),
    skipped as blank lines are and told once, at the end, at the first one's line (they
    hold no value: each was a record without an id, an error)."""
    empty: list[int] = []
    for line, row in rows:
        if row and is_empty_row(row):
            empty.append(line)
            continue
        if row and header and is_header(row, header):
            b.problem("other", "the header again (two files joined into one?); the row is "
                      "not loaded", file=name, line=line, kind=kind)
            continue
        yield line, row
    if empty:
        more = len(empty) - 1
        b.problem("other", f"{len(empty):,} row{'s' if more else ''} (line {empty[0]}"
                  + (f" and {more:,} more" if more else "") + f") hold{'' if more else 's'} "
                  "only empty cells (a spreadsheet's blank rows?): skipped, as blank lines "
                  "are", file=name, line=empty[0], kind=kind)


def without_secrets(values: list[str], n: int, secret: Sequence[int]) -> list[str]:
    """``values`` (a row of other than ``n`` cells) without the cells that may be those of
    columns ``secret``: a row with cells too many or too few has them shifted by as many.

    Examples
    --------
    >>> without_secrets(["u1", "x", "pw", "Ann"], 3, [1])
    ['u1', 'Ann']
    >>> without_secrets(["u1", "pw"], 3, [2])
    ['u1']
    """
    if not secret:
        return values
    k = len(values) - n
    drop = {j for i in secret for j in range(i + min(k, 0), i + max(k, 0) + 1)}
    return [v for j, v in enumerate(values) if j not in drop]


def decode_csv(data: bytes, name: str, b: RosterBuilder, kind: str | None = None) -> str:
    """Bytes → text: strip a UTF-8 BOM; non-UTF-8 bytes become an ``encoding`` problem.
    A file that starts with a UTF-16 byte order mark (Windows tools write them) is read as
    UTF-16, with an ``other`` problem (the formats ask for UTF-8). A file with bytes that
    are not UTF-8 and no UTF-8 character anywhere was written in a one-byte encoding
    (Excel's and Windows SIS exports' "CSV" is Windows-1252): it is read as Windows-1252,
    which keeps every byte; a file that mixes UTF-8 characters and bad bytes has the bad
    bytes replaced by U+FFFD.

    Examples
    --------
    >>> from rostergraph.roster import RosterBuilder
    >>> b = RosterBuilder(source="m", format="t")
    >>> decode_csv(b"id,name\\n1,Jos\\xe9\\n", "t.csv", b), b.problems[0].code
    ('id,name\\n1,José\\n', 'encoding')
    """
    while data[:3] == b"\xef\xbb\xbf":  # (a mark given twice, by a tool that wrote one before text
        data = data[3:]  # that began with one, is read as one)
    if data[:2] in UTF16_MARKS:
        try:
            text = data[2:].decode(UTF16_MARKS[data[:2]])
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: read as UTF-8 below
        else:
            b.problem("other", "the file is UTF-16 (it starts with a UTF-16 byte order mark): "
                      "read as UTF-16, but the format asks for UTF-8", file=name, line=1,
                      kind=kind)
            return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[:exc.start]  # CR, LF and CRLF each end a line, as for the rows
        line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
        raw = (None if names_a_secret(data) else
               raw_text(data[max(0, exc.start - 40):exc.start + 40]))
        text = data.decode("utf-8", errors="replace")
        if text.replace("\ufffd", "").isascii():  # no UTF-8 character at all
            try:
                legacy = data.decode("cp1252")
            except UnicodeDecodeError:  # (a byte cp1252 leaves undefined)
                pass
            else:
                b.problem("encoding", f"bytes that are not UTF-8 (first at byte {exc.start}) "
                          "and no UTF-8 character: read as Windows-1252", file=name,
                          line=line, kind=kind, raw=raw)
                return legacy
        tell_bad_lines(data, name, b, kind, exc.start)
        return text
