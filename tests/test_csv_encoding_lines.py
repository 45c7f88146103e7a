"""A CSV file that mixes UTF-8 with bytes that are not UTF-8 (rows pasted in from a
Windows-1252 export): each bad byte is replaced by U+FFFD and the rows load. Every line
that held such bytes is a problem of its own, so every record whose text was changed is
named; only the file's first bad line was, and the names changed on the lines after it
went unsaid."""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph

HEAD = "sourcedId,status,dateLastModified,orgSourcedIds,role,username,givenName,familyName"


def bundle(folder: Path, users: bytes, password: bool) -> Path:
    folder.mkdir()
    (folder / "manifest.csv").write_text(
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n")
    (folder / "orgs.csv").write_text(
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
        "sA,,,School A,school,,\n")
    (folder / "classes.csv").write_text(
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,"
        "location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n")
    (folder / "users.csv").write_bytes(users)
    return folder


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
    r = rostergraph.load(bundle(tmp_path / "b", b"\r\n".join(rows) + b"\r\n", password))
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
                                + b"\n", password=True))
    assert r.problems
    assert "SECR" not in repr(r.problems)
