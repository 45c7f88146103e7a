"""A OneRoster 1.2 delta's ``roles.csv`` rows applied to the base roster's users record by
record (each row its own record, by ``sourcedId``): a row adds a role row or updates the
base's row of its id, the user's other role rows stay, and a user the delta's
``users.csv`` does not send (its record did not change) takes them too. The result is
what a bulk load of the bundle after the change gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rostergraph.io.oneroster import read_oneroster
from rostergraph.io.oneroster_delta_roles import base_role_rows
from rostergraph.io.write_oneroster import write_oneroster
from tests.test_oneroster_variants import write

_ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
         "D1,,,D,district,,\nS1,,,North,school,,D1\nS2,,,South,school,,D1\n"
         "S3,,,East,school,,D1\n")
_USERS_HEAD = ("sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName,"
               "identifier,grades,agentSourcedIds\n")
_USERS = (_USERS_HEAD + "U1,,,true,u1,Bo,Kim,i1,05,\nU2,,,true,u2,Al,Lee,i2,,\n"
          "U3,,,true,u3,Cy,Ng,i3,,\nP1,,,true,p1,Di,Kim,ip,,U1\nN1,,,true,n1,Ed,Oh,in,07,\n")
_ROLES_HEAD = ("sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,"
               "endDate,orgSourcedId\n")
_ROLES = ("R1,,,U1,primary,student,,,S1\nR2,,,U2,primary,teacher,,,S1\n"
          "R2c,,,U2,secondary,teacher,,,S3\nR3,,,U3,primary,aide,,,S1\n"
          "P1r,,,P1,primary,parent,,,S1\n")
_DEMO = "sourcedId,status,dateLastModified,birthDate,sex\nU1,,,2012-01-02,female\n"


def _manifest(mode: str, *files: str) -> str:
    return ("propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
            + "".join(f"file.{f},{mode}\n" for f in files))


def _bulk(folder: Path, roles: str = _ROLES, users: str = _USERS) -> Any:
    return read_oneroster(write(folder, {
        "manifest.csv": _manifest("bulk", "orgs", "users", "roles", "demographics"),
        "orgs.csv": _ORGS, "users.csv": users, "roles.csv": _ROLES_HEAD + roles,
        "demographics.csv": _DEMO}))


def _delta(tmp_path: Path, roles: str, users: str | None = None) -> Any:
    files = {"roles.csv": _ROLES_HEAD + roles}
    if users is not None:
        files["users.csv"] = _USERS_HEAD + users
    folder = write(tmp_path / "delta", {"manifest.csv": _manifest("delta", *(
        f[:-4] for f in files)), **files})
    return read_oneroster(folder, base=_bulk(tmp_path / "base"))


def _told(r: Any) -> list[str]:
    return [p.message for p in r.problems]


def test_a_role_row_for_a_user_only_the_base_holds_is_applied(tmp_path: Path) -> None:
    """No users.csv row (the user did not change): the role goes on the base user."""
    r = _delta(tmp_path, "R2b,active,,U2,secondary,teacher,,,S2\n")
    t = r.users["U2"].roles.teacher
    assert (t.school, t.schools) == ("S1", ("S1", "S3", "S2"))
    assert (t.sis_id, t.credentials.district_username) == ("i2", "u2")
    assert r.users["U2"].name.first == "Al"
    assert not any("unknown user" in m for m in _told(r))
    ids = [k["sourcedId"] for k in r.users["U2"].extra["oneroster.roles"]]
    assert ids == ["R2", "R2c", "R2b"]


def test_a_moved_role_takes_the_deleted_rows_place(tmp_path: Path) -> None:
    """The delta deletes the user's old role rows and adds a new one (an SIS moving a
    teacher to another school): the user ends with the new role only."""
    r = _delta(tmp_path, "R2,tobedeleted,,,,,,,\nR2c,tobedeleted,,,,,,,\n"
                         "R2b,active,,U2,primary,teacher,,,S2\n")
    t = r.users["U2"].roles.teacher
    assert t is not None and (t.school, t.schools) == ("S2", ("S2",))
    assert [k["sourcedId"] for k in r.users["U2"].extra["oneroster.roles"]] == ["R2b"]
    assert not any("unknown user" in m for m in _told(r))


def test_a_role_row_the_delta_does_not_send_stays(tmp_path: Path) -> None:
    """The delta re-sends the user's users.csv row and adds one role row: the base's
    role rows that it neither re-sends nor deletes stay (records a delta does not carry
    are unchanged)."""
    r = _delta(tmp_path, "R2b,active,,U2,secondary,teacher,,,S2\n",
               users="U2,active,,true,u2x,Al,Lee,i2x,,\n")
    t = r.users["U2"].roles.teacher
    assert (t.school, t.schools) == ("S1", ("S1", "S3", "S2"))
    assert (t.sis_id, t.credentials.district_username) == ("i2x", "u2x")
    assert [k["sourcedId"] for k in r.users["U2"].extra["oneroster.roles"]] == [
        "R2", "R2c", "R2b"]


@pytest.mark.parametrize("users", [None, "U2,active,,true,u2,Al,Lee,i2,,\n"])
def test_a_role_row_given_again_updates_the_base_row_of_its_id(
        tmp_path: Path, users: str | None) -> None:
    r = _delta(tmp_path, "R2,active,,U2,primary,teacher,,,S2\n", users=users)
    t = r.users["U2"].roles.teacher
    assert (t.school, t.schools) == ("S2", ("S2", "S3"))


def test_a_made_up_role_id_names_the_row_the_writer_wrote(tmp_path: Path) -> None:
    """A base whose role rows have the ids rostergraph makes up (``<user>:role:<n>``, not
    kept in extra): a delta row of such an id updates the row the writer writes so."""
    base = _bulk(tmp_path / "base", roles="U2:role:1,,,U2,primary,teacher,,,S1\n"
                                          "U2:role:2,,,U2,secondary,teacher,,,S3\n")
    assert "oneroster.roles" not in base.users["U2"].extra
    assert base_role_rows(base.users["U2"]) == [("U2:role:1", "teacher", "S1"),
                                                ("U2:role:2", "teacher", "S3")]
    folder = write(tmp_path / "delta", {"manifest.csv": _manifest("delta", "roles"),
                                        "roles.csv": _ROLES_HEAD
                                        + "U2:role:2,,,U2,secondary,teacher,,,S2\n"})
    t = read_oneroster(folder, base=base).users["U2"].roles.teacher
    assert (t.school, t.schools) == ("S1", ("S1", "S2"))


def test_the_writer_writes_the_merged_role_rows_back(tmp_path: Path) -> None:
    r = _delta(tmp_path, "R2b,,,U2,secondary,teacher,,,S2\n")
    write_oneroster(r, tmp_path / "out", version="1.2")
    rows = (tmp_path / "out" / "roles.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows if ",U2," in row] == ["R2", "R2c", "R2b"]


def _base_rows_but(*drop: str, add: str = "") -> str:
    return "".join(line + "\n" for line in _ROLES.splitlines()
                   if line.split(",")[0] not in drop) + add


_CASES = [  # (the delta's roles.csv rows, the base's rows it replaces, the user)
    ("R2b,active,,U2,secondary,teacher,,,S2\n", (), "U2"),
    ("R2,tobedeleted,,,,,,,\nR2b,active,,U2,primary,teacher,,,S2\n", ("R2",), "U2"),
    ("R2,active,,U2,primary,teacher,,,S2\nR2c,active,,U2,secondary,teacher,,,S1\n",
     ("R2", "R2c"), "U2"),
    ("R2d,active,,U2,secondary,districtAdministrator,,,D1\n", (), "U2"),
    ("R1b,active,,U1,secondary,student,,,S2\n", (), "U1"),
    ("R1t,active,,U1,secondary,teacher,,,S2\n", (), "U1"),
    ("R1,active,,U1,primary,teacher,,,S1\n", ("R1",), "U1"),
    ("R3b,active,,U3,secondary,aide,,,S2\n", (), "U3"),
    ("R3,active,,U3,primary,counselor,,,S1\n", ("R3",), "U3"),
    ("P1b,active,,P1,secondary,parent,,,S2\n", (), "P1"),
    ("P1r,active,,P1,primary,guardian,,,S1\n", ("P1r",), "P1"),
    ("N1r,active,,N1,primary,student,,,S2\n", (), "N1"),
    ("N1r,active,,N1,primary,teacher,,,S2\n", (), "N1"),
]


def _user(u: Any) -> tuple[Any, ...]:
    """A user as compared: the status and date cells of the delta's rows aside."""
    extra = {k: v for k, v in u.extra.items()
             if k not in ("oneroster.status", "oneroster.dateLastModified")}
    if "oneroster.roles" in extra:
        extra["oneroster.roles"] = sorted(
            sorted((k, v) for k, v in row.items() if k not in ("status", "roleType"))
            for row in extra["oneroster.roles"])
    return u.roles, extra, u.district, u.name, u.email


@pytest.mark.parametrize(("rows", "replaced", "uid"), _CASES)
def test_a_delta_gives_what_a_bulk_load_after_the_change_gives(
        tmp_path: Path, rows: str, replaced: tuple[str, ...], uid: str) -> None:
    """Each case with the user's users.csv row left out of the delta and re-sent."""
    live = "".join(line.replace(",active,", ",,") + "\n" for line in rows.splitlines()
                   if ",tobedeleted," not in line)
    after = _bulk(tmp_path / "after", roles=_base_rows_but(*replaced, add=live))
    r = _delta(tmp_path, rows)
    assert _user(r.users[uid]) == _user(after.users[uid])
    assert not any("unknown user" in m for m in _told(r))
    row = next(line for line in _USERS.splitlines() if line.startswith(uid + ","))
    again = read_oneroster(write(tmp_path / "again", {
        "manifest.csv": _manifest("delta", "users", "roles"),
        "users.csv": _USERS_HEAD + row + "\n", "roles.csv": _ROLES_HEAD + rows}),
        base=_bulk(tmp_path / "base"))
    assert _user(again.users[uid]) == _user(after.users[uid])


@pytest.mark.parametrize("users", [None, "U2,active,,true,u2,Al,Lee,i2,,\n"])
@pytest.mark.parametrize("rows", [
    "R2,tobedeleted,,,,,,,\nR2n,active,,U2,primary,teacher,,,S1\n",
    "R2n,active,,U2,primary,teacher,,,S1\nR2,tobedeleted,,,,,,,\n",
    "R2,tobedeleted,,U2,primary,teacher,,,S1\nR2n,active,,U2,primary,teacher,,,S1\n"])
def test_a_teachers_role_row_given_a_new_id_keeps_the_school(
        tmp_path: Path, rows: str, users: str | None) -> None:
    """An SIS regenerating its row ids: the delta deletes row R2 (teacher at S1) and adds
    R2n, the same role at the same org. The deletion takes that row away, not the role:
    the teacher stays at S1 (and at S3, row R2c), as a bulk load of R2c and R2n reads."""
    r = _delta(tmp_path, rows, users=users)
    t = r.users["U2"].roles.teacher
    assert t is not None and (t.school, t.schools) == ("S1", ("S1", "S3"))
    assert [k["sourcedId"] for k in r.users["U2"].extra["oneroster.roles"]] == ["R2c", "R2n"]
    assert _told(r) == []
    after = _bulk(tmp_path / "after", roles=_base_rows_but(
        "R2", add="R2n,,,U2,primary,teacher,,,S1\n"))
    assert _user(r.users["U2"]) == _user(after.users["U2"])


@pytest.mark.parametrize("users", [None, "U3,active,,true,u3,Cy,Ng,i3,,\n"])
def test_an_aides_role_row_given_a_new_id_keeps_the_role(
        tmp_path: Path, users: str | None) -> None:
    """The aide's only row deleted and given again under a new id: still an aide at S1
    (it was left with no role at all, its kept rows naming the new one)."""
    r = _delta(tmp_path, "R3,tobedeleted,,,,,,,\nR3n,active,,U3,primary,aide,,,S1\n",
               users=users)
    staff = r.users["U3"].roles.staff
    assert staff is not None and (staff.schools, staff.roles) == (("S1",), ("aide",))
    assert [k["sourcedId"] for k in r.users["U3"].extra["oneroster.roles"]] == ["R3n"]
    assert _told(r) == []
    after = _bulk(tmp_path / "after", roles=_base_rows_but(
        "R3", add="R3n,,,U3,primary,aide,,,S1\n"))
    assert _user(r.users["U3"]) == _user(after.users["U3"])


def test_a_made_up_role_id_deleted_and_given_anew(tmp_path: Path) -> None:
    """A row of an id the writer made up (``<user>:role:<n>``), deleted by its id alone and
    given again under a new one: the row goes, the role stays."""
    base = _bulk(tmp_path / "base", roles="U2:role:1,,,U2,primary,teacher,,,S1\n"
                                          "U2:role:2,,,U2,secondary,teacher,,,S3\n")
    folder = write(tmp_path / "delta", {"manifest.csv": _manifest("delta", "roles"),
                                        "roles.csv": _ROLES_HEAD + "U2:role:1,tobedeleted,,,,,,,\n"
                                        "R2n,active,,U2,secondary,teacher,,,S1\n"})
    r = read_oneroster(folder, base=base)
    t = r.users["U2"].roles.teacher
    assert t is not None and set(t.schools or ()) == {"S1", "S3"}
    assert _told(r) == []


def test_the_base_rows_are_numbered_as_the_writer_numbers_them(tmp_path: Path) -> None:
    """A staff record holding one 1.2 role twice, or none (written ``siteAdministrator``):
    :func:`base_role_rows` gives the ids the 1.2 writer writes."""
    import attrs

    base = _bulk(tmp_path / "base")
    u3 = base.users["U3"]
    staff = u3.roles.staff
    for roles in (("aide", "aide", "counselor"), None):
        user = attrs.evolve(u3, roles=attrs.evolve(u3.roles, staff=attrs.evolve(
            staff, roles=roles, schools=("S1", "S2", "S1"))), extra={})
        roster = base.replace(users={**base.users, "U3": user})
        write_oneroster(roster, tmp_path / f"out{roles is None}", version="1.2")
        lines = (tmp_path / f"out{roles is None}" / "roles.csv").read_text().splitlines()
        head = lines[0].split(",")
        written = [dict(zip(head, line.split(","), strict=True)) for line in lines[1:]]
        assert [(row["sourcedId"], row["orgSourcedId"]) for row in written
                if row["userSourcedId"] == "U3"] == [
            (sid, org) for sid, _, org in base_role_rows(user)]


_BASE_ROWS = [tuple(line.split(",")[i] for i in (0, 3, 4, 5, 8))
              for line in _ROLES.splitlines() if not line.startswith("P1")]


def _rows_text(rows: list[tuple[str, ...]], status: str = "") -> str:
    return "".join(f"{sid},{status},,{u},{rt},{role},,,{org}\n" for sid, u, rt, role, org in rows)


#: the base's rows under the ids rostergraph makes up (``<user>:role:<n>``, as written)
_MADE_UP = {"R1": "U1:role:1", "R2": "U2:role:1", "R2c": "U2:role:2", "R3": "U3:role:1"}


@pytest.mark.parametrize("made_up", [False, True])
def test_random_deltas_give_what_a_bulk_load_after_the_change_gives(
        tmp_path: Path, made_up: bool) -> None:
    """Random 1.2 deltas of role rows (a base row deleted by its id alone, updated, given
    again under a new id at the same or another org; a row added; one id given and
    deleted in either order), with and without the users' rows re-sent, the base's rows
    under their own ids or under those rostergraph makes up: each user reads as a bulk
    load of its role rows after the change."""
    import random

    rename = _MADE_UP if made_up else {}
    base_rows = [(rename.get(r[0], r[0]), *r[1:]) for r in _BASE_ROWS]
    base = _bulk(tmp_path / "base", roles=_rows_text(base_rows) + "P1r,,,P1,primary,parent,,,S1\n")
    users = {line.split(",")[0]: line + "\n" for line in _USERS.splitlines()[1:]}
    live = "" if made_up else "active"  # (a status is a cell: a made-up id's row kept whole)
    for seed in range(40):
        rng = random.Random(seed)
        final, delta, n, touched = list(base_rows), [], 0, set()
        for _ in range(rng.randint(1, 4)):
            op = rng.choice(["delete", "update", "anew", "add", "both"])
            old = [r for r in final if r in base_rows and r[0] not in touched]
            if op == "both":  # (one id given and deleted: the later row wins)
                n += 1
                r = rng.choice(old) if old and rng.random() < 0.5 else (
                    f"X{n}", rng.choice(["U1", "U2", "U3"]), "secondary", "teacher", "S1")
                touched.add(r[0])
                given = (*r[:3], rng.choice(["teacher", "aide", "student"]),
                         rng.choice(["S1", "S2", "S3"]))
                pair = [_rows_text([r[:1] + ("",) * 4], "tobedeleted"),
                        _rows_text([given], live)]
                if r in final:
                    at = final.index(r)
                    del final[at]
                if rng.random() < 0.5:  # (deleted, then given: given)
                    final.append(given)
                else:
                    pair.reverse()
                delta += pair
                continue
            if op != "add" and old:  # (each base row at most once: one record, one row)
                r = rng.choice(old)
                touched.add(r[0])
                at = final.index(r)
                if op == "delete":
                    del final[at]
                    delta.append(_rows_text([r[:1] + ("",) * 4], "tobedeleted"))
                    continue
                if op == "anew":  # (an SIS giving the row a new id: deleted, added)
                    n += 1
                    new = (f"{r[0]}n{n}", *r[1:])
                    if rng.random() < 0.5:
                        new = (*new[:4], rng.choice(["S1", "S2", "S3"]))
                    pair = [_rows_text([r[:1] + ("",) * 4], "tobedeleted"),
                            _rows_text([new], live)]
                    delta += pair[::rng.choice([1, -1])]
                    final[at] = new
                    continue
                new = (*r[:3], rng.choice(["teacher", "student", "aide"]),
                       rng.choice(["S1", "S2", "S3"]))
                final[at] = new
                delta.append(_rows_text([new], live))
                continue
            n += 1
            new = (f"X{n}", rng.choice(["U1", "U2", "U3"]), "secondary",
                   rng.choice(["teacher", "aide", "student"]), rng.choice(["S1", "S2", "S3"]))
            final.append(new)
            delta.append(_rows_text([new], live))
        sent = "".join(users[u] for u in ("U1", "U2", "U3") if rng.random() < 0.3)
        files = {"roles.csv": _ROLES_HEAD + "".join(delta)}
        if sent:
            files["users.csv"] = _USERS_HEAD + sent
        got = read_oneroster(write(tmp_path / f"d{seed}{made_up}", {"manifest.csv": _manifest(
            "delta", *(f[:-4] for f in files)), **files}), base=base)
        want = _bulk(tmp_path / f"b{seed}{made_up}", roles=_rows_text(final) + "P1r,,,P1,"
                     "primary,parent,,,S1\n")
        for uid in ("U1", "U2", "U3"):
            a, b = _user(got.users[uid]), _user(want.users[uid])
            assert a == b, (seed, uid, delta, sent)
        assert not any("unknown user" in m or "not applied" in m and "given again" not in m
                       for m in _told(got)), seed


@pytest.mark.parametrize("users", [None, "U3,active,,true,u3,Cy,Ng,i3,,\n"])
@pytest.mark.parametrize(("rows", "uid", "replaced"), [
    ("R3,tobedeleted,,,,,,,\n", "U3", ("R3",)),
    ("R2,tobedeleted,,,,,,,\nR2c,tobedeleted,,U2,secondary,teacher,,,S3\n", "U2",
     ("R2", "R2c")),
    ("R1,tobedeleted,,U1,primary,student,,,S1\n", "U1", ("R1",))])
def test_a_user_whose_rows_a_delta_only_deletes_is_at_no_district(
        tmp_path: Path, rows: str, uid: str, replaced: tuple[str, ...],
        users: str | None) -> None:
    """Every role row of the user deleted, nothing added: as a bulk load of its rows after
    the change, the user has no role and no district (a bulk load places a user by its
    roles)."""
    if users is not None:
        users = next(line + "\n" for line in _USERS.splitlines() if line.startswith(uid + ","))
    r = _delta(tmp_path, rows, users=users)
    after = _bulk(tmp_path / "after", roles=_base_rows_but(*replaced))
    assert (r.users[uid].roles.names, r.users[uid].district) == ((), None)
    assert _user(r.users[uid]) == _user(after.users[uid])
    assert _told(r) == []


def test_a_made_up_role_id_deleted_alone_deletes_that_row(tmp_path: Path) -> None:
    """A base whose role rows have the ids rostergraph makes up; the delta deletes one by
    that id alone and gives the user nothing else: the row the writer writes under it goes
    (it named nothing before, "nothing removed")."""
    rows = "U2:role:1,,,U2,primary,teacher,,,S1\nU2:role:2,,,U2,secondary,teacher,,,S3\n"
    base = _bulk(tmp_path / "base", roles=rows)
    for k, gone in enumerate(("U2:role:2,tobedeleted,,,,,,,\n",
                              "U2:role:2,tobedeleted,,,,,,,\nX9,,,U1,secondary,teacher,,,S2\n")):
        folder = write(tmp_path / f"delta{k}", {"manifest.csv": _manifest("delta", "roles"),
                                                "roles.csv": _ROLES_HEAD + gone})
        r = read_oneroster(folder, base=base)
        t = r.users["U2"].roles.teacher
        assert t is not None and (t.school, t.schools) == ("S1", ("S1",))
        assert _told(r) == []
    after = _bulk(tmp_path / "after", roles=rows.splitlines()[0] + "\n")
    assert _user(r.users["U2"]) == _user(after.users["U2"])


@pytest.mark.parametrize("users", [None, "U2,active,,true,u2,Al,Lee,i2,,\n"])
@pytest.mark.parametrize(("rows", "replaced", "live"), [
    ("R2,active,,U2,primary,teacher,,,S2\nR2,tobedeleted,,,,,,,\n", ("R2",), ""),
    ("R2,tobedeleted,,,,,,,\nR2,active,,U2,primary,teacher,,,S2\n", ("R2",),
     "R2,,,U2,primary,teacher,,,S2\n"),
    ("R9,active,,U2,secondary,teacher,,,S2\nR9,tobedeleted,,,,,,,\n", (), ""),
    ("R9,tobedeleted,,,,,,,\nR9,active,,U2,secondary,teacher,,,S2\n", (),
     "R9,,,U2,secondary,teacher,,,S2\n"),
    (("R2c,active,,U2,secondary,teacher,,,S2\nR9,active,,U2,secondary,aide,,,S1\n"
     "R2c,tobedeleted,,U2,secondary,teacher,,,S2\n"), ("R2c",),
     "R9,,,U2,secondary,aide,,,S1\n")])
def test_a_row_given_and_deleted_in_one_delta_follows_file_order(
        tmp_path: Path, rows: str, replaced: tuple[str, ...], live: str,
        users: str | None) -> None:
    """One sourcedId given and deleted in one roles.csv: the later row wins, as in
    users.csv (a row given then deleted: deleted, the base's row of that id too; deleted
    then given: the deletion is not applied, a problem at its line says so)."""
    r = _delta(tmp_path, rows, users=users)
    after = _bulk(tmp_path / "after", roles=_base_rows_but(*replaced, add=live))
    assert _user(r.users["U2"]) == _user(after.users["U2"])
    lines = rows.splitlines()
    deleted_first = ",tobedeleted," in lines[0] and any(
        line.split(",")[0] == lines[0].split(",")[0] for line in lines[1:])
    assert _told(r) == ([(f"status tobedeleted: role row {lines[0].split(',')[0]!r} is given "
                         "again by a later row of this delta (line 3), which is loaded; the "
                         "deletion is not applied")] if deleted_first else [])
