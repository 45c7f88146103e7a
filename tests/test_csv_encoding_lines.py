"""A CSV file that mixes UTF-8 with bytes that are not UTF-8 (rows pasted in from a
Windows-1252 export): each bad byte is replaced by U+FFFD and the rows load. Every line
that held such bytes is a problem of its own, so every record whose text was changed is
named; only the file's first bad line was, and the names changed on the lines after it
went unsaid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import rostergraph
from tests.test_csv_swallowed_rows import bundle

HEAD = "sourcedId,status,dateLastModified,orgSourcedIds,role,username,givenName,familyName"


@pytest.mark.parametrize("password", [False, True])
def test_every_line_with_bytes_that_are_not_utf8_is_a_problem(tmp_path: Path,
                                                              password: bool) -> None:
    pw = (",password", ",pw-{}") if password else ("", "")
    rows = [(HEAD + pw[0]).encode()]
    for k, (given, family) in enumerate([("Zoë".encode(), b"Lee"), (b"Jos\xe9", b"Pe\xf1a"),
                                         (b"Ann", b"Smith"), (b"Ren\xe9e", b"Ng"),
                                         (b"Ana", "Muñoz".encode())], 1):
        rows.append(b"s%d,,,sA,student,s%d,%s,%s" % (k, k, given, family)
                    + pw[1].format(k).encode())
    rows.insert(4, b"")  # a blank line: later lines keep their numbers
    r = rostergraph.load(bundle(tmp_path / "b", b"\r\n".join(rows) + b"\r\n"))
    assert sorted(r.users) == ["s1", "s2", "s3", "s4", "s5"]
    assert r.users["s2"].name.first == "Jos\ufffd" and r.users["s4"].name.first == "Ren\ufffde"
    assert r.users["s5"].name.last == "Muñoz"
    enc = [p for p in r.problems if p.code == "encoding"]
    assert [(p.file, p.line) for p in enc] == [("users.csv", 3), ("users.csv", 6)]
    assert "replaced by U+FFFD" in enc[1].message
    if password:
        assert all(p.raw is None for p in enc)
    else:
        assert "Jos\\xe9" in (enc[0].raw or "") and "Ren\\xe9e" in (enc[1].raw or "")


@pytest.mark.parametrize("before", [b"sep=:\n", b"\n\n\n\n", b"\r\n\r\n\r\n"])
def test_no_password_reaches_a_problem_whatever_comes_before_the_header(
        tmp_path: Path, before: bytes) -> None:
    """A separator line naming any character, or several blank lines, before a header with
    a password column: the column is still known for one, so neither a row a quote leaves
    open nor a line of bytes that are not UTF-8 shows a password in its problem."""
    sep = b":" if before.startswith(b"sep") else b","
    head = sep.join(HEAD.encode().split(b",") + [b"password"])
    rows = [sep.join([b"u1", b"", b"", b"sA", b"student", b"ann", b"Ann", b"Lee",
                      b"SECR\xe9T1"]),
            sep.join([b"u2", b"", b"", b"sA", b"student", b"bo", b'"Bo', b"Kim", b"SECRET2"]),
            sep.join([b"u3", b"", b"", b"sA", b"student", b"cy", b"Cy", b"Day", b"SECRET3"])]
    r = rostergraph.load(bundle(tmp_path / "b", before + head + b"\n" + b"\n".join(rows)
                                + b"\n"))
    assert r.problems
    assert "SECR" not in repr(r.problems)


@pytest.mark.parametrize("shape", ["title line", "broken first row", "utf-16 cut short"])
def test_no_password_reaches_a_problem_when_the_header_is_not_the_first_line(
        tmp_path: Path, shape: str) -> None:
    """A title line before the header (then every row is a problem with its text), a
    broken first row, or a UTF-16 file cut short (read as UTF-8): no raw text shows a
    password."""
    head = HEAD + ",password"
    rows = ["u1,,,sA,student,ann,Ann,Lee,SECRET1", 'u2,,,sA,student,bo,"Bo"x,Kim,SECRET2',
            "u3,,,sA,student,cy,Cy,D\xe9y,SECRET3"]
    if shape == "title line":
        data = ("Users export 2024-08-01\n" + head + "\n" + "\n".join(rows) + "\n").encode()
    elif shape == "broken first row":
        data = ('"x"y\n' + head + "\n" + "\n".join(rows) + "\n").encode("latin-1")
    else:
        data = b"\xff\xfe" + (head + "\r\n" + "\r\n".join(rows) + "\r\n").encode(
            "utf-16-le") + b"\x00"
    r = rostergraph.load(bundle(tmp_path / "b", data))
    assert r.problems
    assert "SECRET" not in repr(r.problems)
    assert "S\\x00E\\x00C" not in repr(r.problems)


@pytest.mark.parametrize("fmt", ["oneroster", "sftp"])
def test_a_password_column_in_any_spelling_is_never_kept(tmp_path: Path, fmt: str) -> None:
    """``PASSWORD``, ``" password "``, ``"password"`` beside ``password``: none is kept in
    the record's extra (and so none is written back)."""
    if fmt == "oneroster":
        data = (HEAD + ',password,PASSWORD," password ","""password"""\n'
                "u1,,,sA,student,ann,Ann,Lee,S1,S2,S3,S4\n").encode()
        r = rostergraph.load(bundle(tmp_path / "b", data))
        uid = "u1"
    else:
        from tests.test_csv_repeated_columns import _SFTP
        from tests.test_oneroster_variants import write

        write(tmp_path, dict(_SFTP, **{
            "students.csv": 'Student_id,School_id,First_name,Password,PASSWORD," Password "\n'
                            "st1,sA,Ann,S1,S2,S3\n"}))
        r = rostergraph.load(tmp_path)
        uid = "st1"
    assert "'S" not in repr(dict(r.users[uid].extra))
    rostergraph.write_clever_json(r, tmp_path / "out")
    assert b'"S2"' not in (tmp_path / "out" / "users.json").read_bytes()


@pytest.mark.parametrize("encoding", ["cp1252", "mixed", "utf-16", "spaced"])
def test_files_in_another_encoding_are_read_column_wise(encoding: str) -> None:
    """A file that is not UTF-8 (Windows-1252, UTF-16 with its mark, UTF-8 with stray
    Windows-1252 bytes) or whose quoted cells follow a comma and a space is decoded (its
    problems told), and the text is then parsed column-wise by pyarrow as UTF-8: header,
    rows, lines and problems are the csv module's reading of the same text."""
    import unittest.mock

    from rostergraph.io import csvutil
    from rostergraph.roster import RosterBuilder

    rows = ["id,name,city"] + [f'{k},"Name {k}",Town {k % 7}' for k in range(300)]
    rows[5], rows[200] = '4,"Jos\u00e9",Le\u00f3n', "199,Ren\u00e9e,\u00c5re"
    text = "\r\n".join(rows) + "\r\n"
    if encoding == "cp1252":
        data = text.encode("cp1252")
    elif encoding == "mixed":
        data = text.encode("utf-8").replace("Jos\u00e9".encode(), b"Jos\xe9")
    elif encoding == "utf-16":
        data = text.encode("utf-16")
    else:  # (every cell quoted and joined by ", ", as a script may write them)
        cells = [r.replace('"', "").split(",") for r in rows]
        data = "\ufeff".encode() + "\r\n".join(
            ", ".join(f'"{c}"' for c in r) for r in cells).encode("utf-8") + b"\r\n"

    def read() -> tuple[Any, ...]:
        b = RosterBuilder(source="m", format="t")
        t = csvutil.read_table(data, "users.csv", b, kind="users")
        taken = t._columns is not None
        got = [(line, list(cells)) for line, cells in t.rows()]
        return t.header, got, [(p.code, p.line, p.message) for p in b.problems], taken

    fast = read()
    with unittest.mock.patch.object(csvutil, "_arrow_columns", lambda *a: None):
        careful = read()
    assert fast[:3] == careful[:3] and len(fast[1]) == 300
    assert fast[3], "parsed by pyarrow"
    assert fast[2], "its encoding (or spacing) told"
