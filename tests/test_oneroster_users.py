"""A user whose only orgs are districts (a teacher, an aide, a student at the district
org: a role with no school) keeps them through a round trip (read, write_oneroster,
read): OneRoster 1.1's ``orgSourcedIds`` cell as given, through every path of the
reader (column-wise, plain rows, the general row path) alike; 1.2's ``roles.csv`` row at
the district under its own ``sourcedId``, or the one rostergraph makes up."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from rostergraph.io import oneroster_roles, oneroster_usertext
from rostergraph.io.oneroster import read_oneroster
from rostergraph.io.oneroster_cols import USER_ID_COLUMN
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.roster import Roster
from tests.test_collect import assert_same_roster
from tests.test_oneroster_plain_paths import _general_only
from tests.test_oneroster_variants import write

_ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
         "D1,,,North District,district,,\nD2,,,South District,district,,\n"
         "S1,,,North,school,,D1\n")
_USERS_11 = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
    "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
    "password\n"
    "T1,,,true,D2,teacher,t1,,Ann,Lee,,i1,,,,,,\n"
    "T3,,,true,D2,teacher,t3,,Al,Ma,,i7,,,,,,\n"
    "A1,,,true,D2,aide,a1,,Bo,Kim,,i2,,,,,,\n"
    'Q1,,,true,"D1,D2",proctor,q1,,Cy,Ng,,i3,,,,,,\n'
    "P1,,,true,D2,student,p1,,Ed,Wu,,i5,,,,,05,\n"
    "P2,,,true,D1,student,p2,,Di,Oh,,i8,,,,,04,\n"
    "T2,,,true,S1,teacher,t2,,Fa,Yu,,i6,,,,,,\n")
#: the users of :data:`_USERS_11` at districts only
_AT_DISTRICTS = {"T1": "D2", "T3": "D2", "A1": "D2", "Q1": "D1,D2", "P1": "D2", "P2": "D1"}


def _bundle(folder: Path, version: str, files: dict[str, str], orgs: str = _ORGS) -> Path:
    rows = "".join(f"file.{name},bulk\n" for name in ("orgs", *files))
    return write(folder, {"manifest.csv": f"propertyName,value\noneroster.version,{version}\n"
                                          + rows, "orgs.csv": orgs,
                          **{f"{name}.csv": text for name, text in files.items()}})


def _cells(path: Path, column: str) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as f:
        return {row["sourcedId"]: row[column] for row in csv.DictReader(f)}


def _read_every_way(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Roster]:
    """The bundle read column-wise, by plain rows, and by the general row path alone."""
    got = [read_oneroster(path)]
    with monkeypatch.context() as m:
        m.setattr(oneroster_usertext, "COLUMN_USERS", False)
        m.setattr(oneroster_roles, "COLUMN_ROLES", False)
        got.append(read_oneroster(path))
        _general_only(m)
        got.append(read_oneroster(path))
    return got


def _users(r: Roster) -> dict[str, Any]:
    return {uid: (u.roles, u.district, dict(u.extra)) for uid, u in r.users.items()}


@pytest.mark.parametrize("extensions", [True, False])
def test_a_11_cell_of_districts_only_survives_a_round_trip(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extensions: bool) -> None:
    first = _read_every_way(_bundle(tmp_path / "a", "1.1", {"users": _USERS_11}), monkeypatch)
    for other in first[1:]:
        assert_same_roster(first[0], other)  # (the column-wise and the row paths agree)
    r = first[0]
    for uid, cell in _AT_DISTRICTS.items():
        u = r.users[uid]
        assert u.extra["oneroster.orgSourcedIds"] == cell, uid
        assert u.district == cell.split(",")[0], uid
    assert "oneroster.orgSourcedIds" not in r.users["T2"].extra
    write_oneroster(r, tmp_path / "out", version="1.1", extensions=extensions)
    assert _cells(tmp_path / "out" / "users.csv", "orgSourcedIds") == {
        **_AT_DISTRICTS, "T2": "S1"}
    again = _read_every_way(tmp_path / "out", monkeypatch)
    for other in again:
        assert _users(other) == _users(r)


def test_an_administrator_at_the_district_is_still_a_district_admin(tmp_path: Path) -> None:
    """The cell of a role that takes it (a district admin's district) is not kept twice,
    and a staff member written ``administrator`` (a counselor, which 1.1 lacks) carries
    its district cell: on its row it would read back as a district administrator's."""
    users = _USERS_11 + "X1,,,true,D2,administrator,x1,,Gu,Li,,i9,,,,,,\n" \
                        "C1,,,true,D2,counselor,c1,,Ha,Po,,i10,,,,,,\n"
    r = read_oneroster(_bundle(tmp_path / "a", "1.1", {"users": users}))
    assert r.users["X1"].roles.names == ("district_admin",)
    assert "oneroster.orgSourcedIds" not in r.users["X1"].extra
    assert r.users["C1"].extra["oneroster.orgSourcedIds"] == "D2"
    write_oneroster(r, tmp_path / "out", version="1.1")
    written = _cells(tmp_path / "out" / "users.csv", "orgSourcedIds")
    assert (written["X1"], written["C1"]) == ("D2", "")
    again = read_oneroster(tmp_path / "out")
    assert _users(again) == _users(r)


_USERS_12 = ("sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName,"
             "identifier,grades,agentSourcedIds\n"
             "T1,,,true,t1,Ann,Lee,i1,,\nA1,,,true,a1,Bo,Kim,i2,,\n"
             "P1,,,true,p1,Ed,Wu,i5,05,\nT2,,,true,t2,Fa,Yu,i6,,\n")
_ROLES_HEAD = ("sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,"
               "endDate,orgSourcedId\n")


@pytest.mark.parametrize("made_up", [False, True])
def test_a_12_role_row_at_a_district_survives_a_round_trip(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, made_up: bool) -> None:
    ids = [f"{u}:role:1" if made_up else f"R{u}" for u in ("T1", "A1", "P1", "T2")]
    roles = _ROLES_HEAD + (f"{ids[0]},,,T1,primary,teacher,,,D2\n"
                           f"{ids[1]},,,A1,primary,aide,,,D2\n"
                           f"{ids[2]},,,P1,primary,student,,,D2\n"
                           f"{ids[3]},,,T2,primary,teacher,,,S1\n")
    first = _read_every_way(_bundle(tmp_path / "a", "1.2", {"users": _USERS_12,
                                                          "roles": roles}), monkeypatch)
    for other in first[1:]:
        assert_same_roster(first[0], other)
    r = first[0]
    assert [r.users[u].district for u in ("T1", "A1", "P1")] == ["D2"] * 3
    for extensions in (True, False):
        out = tmp_path / f"out{extensions}"
        write_oneroster(r, out, version="1.2", extensions=extensions)
        assert (out / "roles.csv").read_text(encoding="utf-8").splitlines()[1:] == [
            line + "," for line in roles.splitlines()[1:]]  # (userProfileSourcedId empty)
        assert set(_cells(out / "users.csv", "primaryOrgSourcedId").values()) == {"", "S1"}
        assert _users(read_oneroster(out)) == _users(r)


def test_the_written_cell_is_the_one_given(tmp_path: Path) -> None:
    """Spaces and order as given (``D2, D1``): the cell is the source's text."""
    users = _USERS_11.replace("T1,,,true,D2,", 'T1,,,true,"D2, D1",')
    r = read_oneroster(_bundle(tmp_path / "a", "1.1", {"users": users}))
    assert (r.users["T1"].district, r.users["T1"].extra["oneroster.orgSourcedIds"]) == (
        "D2", "D2, D1")
    write_oneroster(r, tmp_path / "out", version="1.1")
    text = (tmp_path / "out" / "users.csv").read_text(encoding="utf-8")
    assert next(csv.reader(io.StringIO(
        next(line for line in text.splitlines() if line.startswith("T1,")))))[4] == "D2, D1"


#: 1.1 users given on two rows joined by the userId column, one row at a district only
#: (D2), the other at a school (S1 of D1), in both orders; and a district administrator
#: of D2 who teaches at S1
_JOINED_11 = (_USERS_11.splitlines()[0] + "," + USER_ID_COLUMN + "\n"
              + "".join(line + ",\n" for line in _USERS_11.splitlines()[1:])
              + "M1,,,true,D2,teacher,m1,,Mo,Ra,,i11,,,,,,,M1\n"
              "M1b,,,true,S1,aide,m1,,Mo,Ra,,i11,,,,,,,M1\n"
              "M2,,,true,S1,teacher,m2,,Lu,Ko,,i12,,,,,,,M2\n"
              "M2b,,,true,D2,student,m2,,Lu,Ko,,i12,,,,,05,,M2\n"
              "M3,,,true,D2,administrator,,,Vi,Se,,,,,,,,,M3\n"
              "M3b,,,true,S1,teacher,m3,,Vi,Se,,i13,,,,,,,M3\n")


def test_a_11_district_cell_of_a_joined_row_survives_a_round_trip(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1.1 user on several rows, one of them at a district only: that row's cell is
    kept whichever row comes first (a later row's role took its own cell, not that one),
    and written back on the row written without a school; the user's district reads back
    though the first row written names another (carried), or though a district admin's
    row comes after a school's. Every path of the reader reads it alike."""
    first = _read_every_way(_bundle(tmp_path / "a", "1.1", {"users": _JOINED_11}),
                            monkeypatch)
    for other in first[1:]:
        assert_same_roster(first[0], other)
    r = first[0]
    assert [(r.users[u].district, r.users[u].extra.get("oneroster.orgSourcedIds"))
            for u in ("M1", "M2", "M3")] == [("D2", "D2"), ("D1", "D2"), ("D2", None)]
    assert r.users["M3"].roles.names == ("teacher", "district_admin")
    for version in ("1.1", "1.2"):
        out = tmp_path / f"out{version}"
        write_oneroster(r, out, version=version)
        if version == "1.1":
            written = _cells(out / "users.csv", "orgSourcedIds")
            assert [written[s] for s in ("M1", "M1#staff", "M2", "M2#teacher", "M3",
                                         "M3#district_admin")] == [
                "D2", "S1", "D2", "S1", "S1", "D2"]
        for again in _read_every_way(out, monkeypatch):
            assert _users(again) == _users(r), version


#: :data:`_ORGS` with a school of D2
_ORGS_2 = _ORGS + "S2,,,South,school,,D2\n"
#: 1.1 users on rows of two districts, joined by the userId column: a teacher at S1 (of
#: D1) and an aide at S1 who administer D2, an administrator of two districts on one row;
#: a guardian at S1 who teaches at S2 (of D2) and a parent at S1 who is a student at S2
_TWO_DISTRICTS_11 = (_JOINED_11.splitlines()[0] + "\n"
                     "P2,,,true,D1,student,p2,,Di,Oh,,i8,,,,,04,,\n"
                     "X1,,,true,S1,teacher,x1,,Mo,Ra,,i21,,,,,,,X1\n"
                     "X1b,,,true,D2,administrator,,,Mo,Ra,,,,,,,,,X1\n"
                     "X2,,,true,S1,aide,x2,,Lu,Ko,,i22,,,,,,,X2\n"
                     "X2b,,,true,D2,districtAdministrator,,,Lu,Ko,,,,,,,,,X2\n"
                     'X3,,,true,"D1,D2",administrator,,,Vi,Se,,,,,,,,,X3\n'
                     "G1,,,true,S1,guardian,,,Ca,Do,,i31,,,,P2,,,G1\n"
                     "G1b,,,true,S2,teacher,g1,,Ca,Do,,i31,,,,,,,G1\n"
                     "G2,,,true,S1,parent,,,Ea,Fo,,i32,,,,,,,G2\n"
                     "G2b,,,true,S2,student,g2,,Ea,Fo,,i32,,,,,05,,G2\n")


def test_a_11_joined_row_at_another_district_or_school_is_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1.1 user's rows at orgs of two districts: a district administrator's row at a
    district other than the user's (a Clever user has one district) keeps its cell, with a
    problem naming the row; a contact's school on an earlier row is not taken by a later
    row's role at another school. Every path of the reader reads them alike, and the
    cells go back on their rows (1.1) and survive a round trip (1.1 and 1.2)."""
    first = _read_every_way(_bundle(tmp_path / "a", "1.1", {"users": _TWO_DISTRICTS_11},
                                    _ORGS_2), monkeypatch)
    for other in first[1:]:
        assert_same_roster(first[0], other)
    r = first[0]
    assert [(r.users[u].district, r.users[u].extra.get("oneroster.orgSourcedIds"))
            for u in ("X1", "X2", "X3", "G1", "G2")] == [
        ("D1", "D2"), ("D1", "D2"), ("D1", "D1,D2"), ("D1", "S1"), ("D1", "S1")]
    assert [r.users[u].roles.names for u in ("X1", "X2", "G1", "G2")] == [
        ("teacher", "district_admin"), ("staff", "district_admin"), ("teacher", "contact"),
        ("student", "contact")]
    told = [(p.code, p.file, p.line, p.record_id, p.field) for p in r.problems]
    assert told == [("other", "users.csv", n, u, "orgSourcedIds")
                    for n, u in ((4, "X1"), (6, "X2"), (7, "X3"))]
    assert all("D2" in p.message and "D1" in p.message for p in r.problems)
    for version in ("1.1", "1.2"):
        out = tmp_path / f"out{version}"
        write_oneroster(r, out, version=version)
        if version == "1.1":
            written = _cells(out / "users.csv", "orgSourcedIds")
            assert [written[s] for s in ("X1", "X1#district_admin", "X2#district_admin",
                                         "X3", "G1", "G1#contact", "G2#contact")] == [
                "S1", "D2", "D2", "D1,D2", "S2", "S1", "S1"]
        for again in _read_every_way(out, monkeypatch):
            assert _users(again) == _users(r), version


#: 1.1 users whose joined rows each leave a cell no role takes: a teacher at D2 only who is
#: a guardian at S1, a district administrator (with a username) who is an aide, two
#: district administrator rows with two usernames
_TWO_CELLS_11 = (_JOINED_11.splitlines()[0] + "\n"
                 "Y1,,,true,D2,teacher,y1,,Mo,Ra,,i41,,,,,,,Y1\n"
                 "Y1b,,,true,S1,guardian,,,Mo,Ra,,i41,,,,,,,Y1\n"
                 "Y2,,,true,D1,administrator,y2adm,,Lu,Ko,,,,,,,,,Y2\n"
                 "Y2b,,,true,S1,aide,y2,,Lu,Ko,,i42,,,,,,,Y2\n"
                 "Y3,,,true,D1,administrator,y3a,,Vi,Se,,,,,,,,,Y3\n"
                 "Y3b,,,true,D2,administrator,y3b,,Vi,Se,,,,,,,,,Y3\n")


def test_a_11_user_keeps_the_cells_of_each_joined_row(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two joined rows each leaving an ``orgSourcedIds`` cell no role takes: the later
    row's other ids are appended to the kept cell (as a 1.2 user's orgs are); a cell of
    another column (a second district administrator's username) is told, not kept; a
    district administrator's username kept beside a staff role's own is written back on
    the administrator's row, not over the staff role's (1.1), and carried in 1.2."""
    first = _read_every_way(_bundle(tmp_path / "a", "1.1", {"users": _TWO_CELLS_11},
                                    _ORGS_2), monkeypatch)
    for other in first[1:]:
        assert_same_roster(first[0], other)
    r = first[0]
    assert [r.users[u].extra.get("oneroster.orgSourcedIds") for u in ("Y1", "Y2", "Y3")] == [
        "D2,S1", None, "D2"]
    y2 = r.users["Y2"]
    assert (y2.extra["oneroster.username"], y2.roles.staff.credentials.district_username) == (
        "y2adm", "y2")
    assert r.users["Y3"].extra["oneroster.username"] == "y3a"
    assert [(p.line, p.record_id, p.field) for p in r.problems] == [
        (7, "Y3", "orgSourcedIds"), (7, "Y3", "username")]
    assert "y3b" not in r.problems[1].message
    for version in ("1.1", "1.2"):
        out = tmp_path / f"out{version}"
        write_oneroster(r, out, version=version)
        if version == "1.1":
            assert [_cells(out / "users.csv", "username")[s] for s in ("Y2", "Y2#district_admin")
                    ] == ["y2", "y2adm"]
        for again in _read_every_way(out, monkeypatch):
            assert _users(again) == _users(r), version
