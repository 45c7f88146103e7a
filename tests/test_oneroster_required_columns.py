"""OneRoster files whose header lacks a column the OneRoster 1.1/1.2 CSV specifications
require and that places or links records (a vendor's export that left it out, or spelt it
otherwise: ``orgSourcedId`` for ``orgSourcedIds``): every row then reads as if its cell
were empty, so the file says so once, on its header's line, naming the column."""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from tests.test_oneroster_variants import CLASSES, ENR_HEAD, ROLES_12_HEADER, USERS, bundle

ENROLLMENTS = ENR_HEAD + "e1,active,,c1,sA,s1,student,false,,\n"


def _without(text: str, column: str, instead: str | None = None) -> str:
    """``text`` (a CSV file without quotes) with ``column`` left out, or renamed
    ``instead``."""
    lines = text.splitlines()
    at = lines[0].split(",").index(column)
    out = []
    for k, line in enumerate(lines):
        cells = line.split(",")
        if instead is not None and k == 0:
            cells[at] = instead
        elif instead is None:
            del cells[at]
        out.append(",".join(cells))
    return "\n".join(out) + "\n"


def _told(r: rostergraph.Roster, file: str) -> list[tuple[int | None, str | None, str]]:
    return [(p.line, p.field, p.message) for p in r.problems
            if p.file == file and "column" in p.message and "requires" in p.message]


@pytest.mark.parametrize(("file", "column", "text"), [
    ("users.csv", "orgSourcedIds", USERS),
    ("classes.csv", "schoolSourcedId", CLASSES),
    ("enrollments.csv", "classSourcedId", ENROLLMENTS),
    ("enrollments.csv", "userSourcedId", ENROLLMENTS),
])
def test_a_missing_required_column_is_told_once_on_the_header(
        tmp_path: Path, file: str, column: str, text: str) -> None:
    """Before, a users.csv without ``orgSourcedIds`` loaded every user at no school, and a
    classes.csv without ``schoolSourcedId`` every class at none, with no problem and no
    finding of ``validate``; an enrollments.csv without ``classSourcedId`` said only
    ``enrollment in unknown class ''`` on each row."""
    files = {"enrollments_csv": ENROLLMENTS, file.replace(".csv", "_csv"): _without(text, column)}
    r = rostergraph.load(bundle(tmp_path / "b", **files))
    told = _told(r, file)
    assert len(told) == 1, r.problems
    line, field, message = told[0]
    assert (line, field) == (1, column)
    assert f"{file} has no {column} column" in message
    with pytest.raises(rostergraph.RosterError, match=f"no {column} column"):
        rostergraph.load(bundle(tmp_path / "s", **files), strict=True)


def test_a_manifest_without_its_columns_says_so(tmp_path: Path) -> None:
    """A manifest headed ``property,value``: each of its file rows is unread, so every file
    was told as having "no file.<name> row"; the header's own problem comes first."""
    manifest = "property,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.users,bulk\n"
    r = rostergraph.load(bundle(tmp_path / "b", manifest_csv=manifest,
                                enrollments_csv=ENROLLMENTS))
    first = r.problems[0]
    assert (first.file, first.line, first.field) == ("manifest.csv", 1, "propertyName")
    assert first.message.startswith("manifest.csv has no propertyName column")


def test_a_column_spelt_otherwise_is_named_in_the_problem(tmp_path: Path) -> None:
    """``orgSourcedId`` (no ``s``), kept in extra as any vendor's column, is named as the
    likely column: the user can see where the schools went."""
    users = _without(USERS, "orgSourcedIds", instead="orgSourcedId")
    r = rostergraph.load(bundle(tmp_path / "b", users_csv=users, enrollments_csv=ENROLLMENTS))
    (told,) = _told(r, "users.csv")
    assert "'orgSourcedId'" in told[2]
    assert r.users["s1"].extra["oneroster.orgSourcedId"] == "sA"  # (kept, as before)


def test_a_1_2_users_csv_needs_no_org_column(tmp_path: Path) -> None:
    """OneRoster 1.2 moved a user's orgs and roles to roles.csv: its users.csv has neither
    column, and nothing is told."""
    users = ("sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,"
             "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
             "password\ns1,,,true,s1,,Stu,Dent,,S1,,,,,04,\n")
    roles = ROLES_12_HEADER + "r1,,,s1,primary,student,,,sA,\n"
    r = rostergraph.load(bundle(tmp_path / "b", users_csv=users, roles_csv=roles,
                                enrollments_csv=ENROLLMENTS))
    assert not [p for p in r.problems if "requires" in p.message], r.problems
    assert r.users["s1"].roles.student.school == "sA"


def test_the_sample_bundles_tell_nothing(tmp_path: Path) -> None:
    """A bundle with every column (the writer's, both versions) has nothing to tell."""
    from rostergraph.io.write_oneroster import write_oneroster
    for version in ("1.1", "1.2"):
        write_oneroster(rostergraph.sample(), tmp_path / version, version=version)
        r = rostergraph.load(tmp_path / version)
        assert not [p for p in r.problems if "requires" in p.message], r.problems
