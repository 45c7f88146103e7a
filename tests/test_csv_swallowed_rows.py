"""A quote that opens a cell and is not closed where the row ends (``"Harper,Young,...``)
makes the CSV parser read the lines after it as the same row, up to the next quote: all of
them are lost with one ``syntax`` problem. When the file has a ``password`` column the
problem has no raw text (the cells cannot be told apart), so its message must say which
lines were lost; it named only the first, and the users of the lines after it vanished
without a word."""

from __future__ import annotations

from pathlib import Path

import rostergraph

HEAD = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
        "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
        "password\n")


def row(uid: str, given: str = "Ann", pw: str = "") -> str:
    return f"{uid},,,true,sA,student,{uid},,{given},Lee,,{uid},,,,,04,{pw}\n"


def bundle(folder: Path, users: str | bytes) -> Path:
    """A small OneRoster folder whose ``users.csv`` is ``users`` (text, or bytes as given)."""
    folder.mkdir()
    (folder / "manifest.csv").write_text(
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
        "file.orgs,bulk\nfile.classes,bulk\nfile.users,bulk\n")
    (folder / "orgs.csv").write_text(
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
        "sA,,,School A,school,,\n")
    (folder / "classes.csv").write_text(
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,"
        "location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n")
    if isinstance(users, bytes):
        (folder / "users.csv").write_bytes(users)
    else:
        (folder / "users.csv").write_text(users)
    return folder


def test_the_lines_an_unclosed_quote_swallows_are_named(tmp_path: Path) -> None:
    users = (HEAD + row("s1", pw="pw-1") + row("s2", '"Bo', "pw-2") + row("s3", pw="pw-3")
             + row("s4", pw="pw-4") + row("s5", 'Cy "C"', "pw-5") + row("s6", pw="pw-6"))
    r = rostergraph.load(bundle(tmp_path / "b", users))
    assert sorted(r.users) == ["s1", "s6"]
    (p,) = r.problems
    assert (p.code, p.file, p.line, p.raw) == ("syntax", "users.csv", 3, None)
    assert "lines 3 to 6" in p.message
    assert "pw-" not in p.message


def test_a_bad_row_on_one_line_names_no_range(tmp_path: Path) -> None:
    users = HEAD + row("s1") + row("s2", '"Bo" B') + row("s3")
    r = rostergraph.load(bundle(tmp_path / "b", users))
    assert sorted(r.users) == ["s1", "s3"]
    (p,) = r.problems
    assert (p.code, p.line) == ("syntax", 3) and " to " not in p.message
