"""A OneRoster delta's ``status=tobedeleted`` rows of the per-user files applied to a base
roster (``read_oneroster(..., base=)``): as the OneRoster 1.1 and 1.2 CSV bindings' delta
semantics give, such a row deletes the record it names. A ``demographics.csv`` row takes
away what the base's demographics row gave the user; a 1.2 ``roles.csv`` row the role it
granted at that org (the user's other roles kept); a 1.2 ``userProfiles.csv`` row that
profile. Ids with spaces around them name the record they are once those are ignored (a
problem keeps the cell); a row naming nothing, or a deletion the model cannot hold, is a
problem. Read without a base, the rows are only listed in the provenance notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from rostergraph.errors import FormatError
from rostergraph.io.oneroster import read_oneroster
from rostergraph.io.oneroster_cols import DEMOGRAPHICS_PREFIX, PROFILES_KEY, ROLES_KEY
from tests.oneroster_delta_bundles import ORGS as _ORGS
from tests.oneroster_delta_bundles import delta
from tests.test_oneroster_variants import write as _write

_USERS_HEAD = ("sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName,"
               "identifier,email,grades\n")
_USERS = (_USERS_HEAD + "U1,,,true,bkim,Bo,Kim,ID-U1,,05\n"
          "T1,,,true,alee,Ann,Lee,ID-T1,,\n"
          "M1,,,true,mday,Mo,Day,ID-M1,,\n"
          "M2,,,true,mroe,Mi,Roe,ID-M2,,\n")
_ROLES_HEAD = ("sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,"
               "endDate,orgSourcedId,userProfileSourcedId\n")
_ROLES = (_ROLES_HEAD + "r1,,,U1,primary,student,,,S1,\n"
          "r2,,,T1,primary,teacher,,,S1,\n"
          "r3,,,T1,secondary,teacher,,,S2,\n"
          "r4,,,M1,primary,teacher,,,S1,\n"
          "r5,,,M1,secondary,aide,,,S1,\n"
          "r6,,,M2,primary,aide,,,S1,\n"
          "r7,,,M2,secondary,proctor,,,S1,\n")
_DEMO_HEAD = ("sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,"
              "asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
              "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode\n")
_DEMO = (_DEMO_HEAD + "U1,,,2012-03-04,female,false,true,false,false,false,false,false,US\n"
         "T1,,,1980-01-02,male,,,,,,,,CA\n")
_PROF_HEAD = ("sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,"
              "applicationId,description,credentialType,username,password\n")
_PROFILES = (_PROF_HEAD + "p1,,,U1,lms,v1,app1,,,bk1,\n"
             "p2,,,U1,sis,v2,app2,,,bk2,\n")



def _base(tmp_path: Path) -> object:
    files = {"orgs.csv": _ORGS, "users.csv": _USERS, "roles.csv": _ROLES,
             "demographics.csv": _DEMO, "userProfiles.csv": _PROFILES}
    manifest = "propertyName,value\noneroster.version,1.2\n" + "".join(
        f"file.{n[:-4]},bulk\n" for n in files)
    return read_oneroster(_write(tmp_path / "base", {"manifest.csv": manifest, **files}))


def _delta(folder: Path, **files: str) -> Path:
    return delta(folder, "1.2", **files)


def _said(r: object) -> list[tuple[str | None, int | None, str | None, str | None]]:
    return [(p.file, p.line, p.record_id, p.field)
            for p in r.problems]  # type: ignore[attr-defined]


def _demographic_keys(extra: object) -> list[str]:
    return [k for k in extra if k.startswith(DEMOGRAPHICS_PREFIX)]  # type: ignore[attr-defined]


def test_the_base_gives_what_the_deletions_take(tmp_path: Path) -> None:
    """(What the tests below take away is there in the base roster.)"""
    base = _base(tmp_path)
    st = base.users["U1"].roles.student  # type: ignore[attr-defined]
    assert (st.dob, st.gender, st.race) == ("2012-03-04", "F", "Asian")
    assert _demographic_keys(st.extra) and _demographic_keys(
        base.users["T1"].extra)  # type: ignore[attr-defined]
    assert len(base.users["U1"].extra[PROFILES_KEY]) == 2  # type: ignore[attr-defined]
    assert base.users["T1"].roles.teacher.schools == ("S1", "S2")  # type: ignore[attr-defined]


def test_a_deleted_demographics_row_takes_away_what_the_base_row_gave(
        tmp_path: Path) -> None:
    """``U1`` (a student: its student role's fields) and ``' T1 '`` (a teacher: the
    user's extra; the padded id a problem keeping the cell) lose their demographics;
    nothing else of them changes."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", demographics_csv=_DEMO_HEAD
                              + "U1,tobedeleted,,,,,,,,,,,\n T1 ,tobedeleted,,,,,,,,,,,\n"),
                       base=base)
    st = r.users["U1"].roles.student
    assert (st.dob, st.gender, st.race, st.hispanic_ethnicity) == (None,) * 4
    assert not _demographic_keys(st.extra) and not _demographic_keys(r.users["U1"].extra)
    assert not _demographic_keys(r.users["T1"].extra)
    assert st.school == "S1" and r.users["U1"].name.first == "Bo"
    assert r.users["U1"].extra[PROFILES_KEY] == base.users["U1"].extra[PROFILES_KEY]
    assert _said(r) == [("demographics.csv", 3, "T1", "sourcedId")]
    assert r.problems[0].raw == " T1 " and "Ann" not in r.problems[0].message


def test_a_deleted_demographics_row_of_a_user_the_delta_updates(tmp_path: Path) -> None:
    """The delta gives U1's users.csv row again and deletes its demographics row: the new
    record does not take the base's demographics (as it does when the delta says nothing
    of them)."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta",
                              users_csv=_USERS_HEAD + "U1,,,true,bkim,Bo,Kimm,ID-U1,,05\n",
                              demographics_csv=_DEMO_HEAD + "U1,tobedeleted,,,,,,,,,,,\n"),
                       base=base)
    u = r.users["U1"]
    assert u.name.last == "Kimm" and u.roles.student is not None
    assert u.roles.student.dob is None and not _demographic_keys(u.roles.student.extra)
    assert not r.problems


def test_a_deleted_demographics_row_naming_nothing_is_a_problem(tmp_path: Path) -> None:
    """A row naming no user, or a user the base has no demographics for, removes nothing
    and says so at its line."""
    base = _base(tmp_path)
    delta = _delta(tmp_path / "delta", demographics_csv=_DEMO_HEAD
                   + "U9,tobedeleted,,,,,,,,,,,\nM1,tobedeleted,,,,,,,,,,,\n")
    r = read_oneroster(delta, base=base)
    assert _said(r) == [("demographics.csv", 2, "U9", "sourcedId"),
                        ("demographics.csv", 3, "M1", "sourcedId")]
    assert all("nothing removed" in p.message for p in r.problems)
    assert r.users["U1"].roles.student.dob == "2012-03-04"
    with pytest.raises(FormatError, match=r"demographics\.csv:2"):
        read_oneroster(delta, base=base, strict=True)


def test_a_deleted_role_row_takes_that_role_at_that_org(tmp_path: Path) -> None:
    """``r3`` (T1 teacher at S2) leaves T1 a teacher at S1; ``r5`` given by its cells
    (M1's aide at S1) leaves M1 a teacher with no staff role; the kept rows of the roles
    go too, the user's other roles stay."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", roles_csv=_ROLES_HEAD
                              + "r3,tobedeleted,,,,,,,,\n"
                                "r5,tobedeleted,,M1,secondary,aide,,,S1,\n"), base=base)
    t = r.users["T1"].roles.teacher
    assert (t.school, t.schools) == ("S1", ("S1",))
    m = r.users["M1"].roles
    assert m.staff is None and m.teacher is not None and m.teacher.school == "S1"
    for uid, gone in (("T1", "r3"), ("M1", "r5")):
        kept = r.users[uid].extra.get(ROLES_KEY, ())
        assert gone not in [row.get("sourcedId") for row in kept]
    assert r.users["U1"] == base.users["U1"]
    assert not r.problems


def test_a_deleted_primary_role_leaves_the_next_school_primary(tmp_path: Path) -> None:
    """``r2`` (T1's primary teacher role, at S1, its user id with spaces around it): T1
    teaches at S2 only, and S2 is its school."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", roles_csv=_ROLES_HEAD
                              + "r2,tobedeleted,, T1,primary,teacher,,,S1,\n"), base=base)
    t = r.users["T1"].roles.teacher
    assert (t.school, t.schools) == ("S2", ("S2",))
    assert _said(r) == [("roles.csv", 2, "T1", "userSourcedId")]


def test_a_user_whose_only_role_is_deleted_is_kept_without_a_role(tmp_path: Path) -> None:
    """``r1`` is U1's only role: U1 is kept (a role's deletion is no user's), with no
    role, as a 1.2 bulk load keeps a user no roles.csv row names: the users.csv cells the
    role held in extra, its demographics on the user, and no district (a bulk load
    places a user by its roles)."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", roles_csv=_ROLES_HEAD
                              + "r1,tobedeleted,,,,,,,,\n"), base=base)
    u = r.users["U1"]
    assert u.roles.names == ()
    assert (u.extra["oneroster.identifier"], u.extra["oneroster.username"],
            u.extra["oneroster.grades"]) == ("ID-U1", "bkim", "05")
    assert u.extra[DEMOGRAPHICS_PREFIX + "birthDate"] == "2012-03-04"
    assert u.extra[DEMOGRAPHICS_PREFIX + "countryOfBirthCode"] == "US"
    assert u.district is None and u.extra[PROFILES_KEY] == base.users["U1"].extra[PROFILES_KEY]
    assert not r.problems


def test_a_deleted_role_the_model_cannot_take_is_a_problem(tmp_path: Path) -> None:
    """M2 is an aide and a proctor at S1: one staff role holds both over one list of
    schools, so the aide at S1 cannot be taken alone: a problem says it was not applied.
    A row naming no user, no role row, or a role the user does not have removes nothing
    and is a problem."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", roles_csv=_ROLES_HEAD
                              + "r6,tobedeleted,,,,,,,,\n"
                                "r9,tobedeleted,,,,,,,,\n"
                                "r8,tobedeleted,,U9,primary,student,,,S1,\n"
                                "r7b,tobedeleted,,T1,primary,student,,,S1,\n"),
                       base=base)
    assert r.users["M2"] == base.users["M2"]
    assert [(f, line) for f, line, _, _ in _said(r)] == [
        ("roles.csv", 2), ("roles.csv", 3), ("roles.csv", 4), ("roles.csv", 5)]
    assert all("not applied" in p.message or "nothing removed" in p.message
               for p in r.problems)
    assert "aide" in r.problems[0].message and "proctor" in r.problems[0].message


def test_a_deleted_profile_row_takes_that_profile(tmp_path: Path) -> None:
    """``' p1'`` of U1 (its id with a space before it): U1 keeps p2 only; ``p9`` names no
    profile: a problem."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", userProfiles_csv=_PROF_HEAD
                              + " p1,tobedeleted,,U1,,,,,,,\np9,tobedeleted,,,,,,,,,\n"),
                       base=base)
    assert [p["sourcedId"] for p in r.users["U1"].extra[PROFILES_KEY]] == ["p2"]
    assert [(f, line, rid) for f, line, rid, _ in _said(r)] == [
        ("userProfiles.csv", 2, "p1"), ("userProfiles.csv", 3, "p9")]
    assert "nothing removed" in r.problems[1].message


def test_the_last_profile_deleted_leaves_no_list(tmp_path: Path) -> None:
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", userProfiles_csv=_PROF_HEAD
                              + "p1,tobedeleted,,U1,,,,,,,\np2,tobedeleted,,,,,,,,,\n"),
                       base=base)
    assert PROFILES_KEY not in r.users["U1"].extra and not r.problems


def test_without_a_base_the_user_file_deletions_are_listed(tmp_path: Path) -> None:
    """Read alone, a delta's tobedeleted rows of these files remove nothing, as every
    other file's: listed in the notes, no problem."""
    r = read_oneroster(_delta(
        tmp_path / "delta", users_csv=_USERS,
        demographics_csv=_DEMO_HEAD + "U1,tobedeleted,,,,,,,,,,,\n",
        roles_csv=_ROLES_HEAD + "r1,tobedeleted,,,,,,,,\n",
        userProfiles_csv=_PROF_HEAD + "p1,tobedeleted,,U1,,,,,,,\n"))
    assert not r.problems
    notes = r.provenance.notes
    for f, rid in (("demographics", "U1"), ("roles", "r1"), ("userProfiles", "p1")):
        assert any(n.startswith(f"{f}: 1 rows with status tobedeleted") and rid in n
                   for n in notes), f


def test_a_deleted_role_of_a_user_the_delta_updates(tmp_path: Path) -> None:
    """The delta gives T1's users.csv row again (no roles.csv row of its own: it takes the
    base's roles) and deletes ``r3``: T1 teaches at S1 only, with the new row's cells."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta",
                              users_csv=_USERS_HEAD + "T1,,,true,alee,Ann,Lee,ID-T9,,\n",
                              roles_csv=_ROLES_HEAD + "r3,tobedeleted,,,,,,,,\n"), base=base)
    t = r.users["T1"].roles.teacher
    assert (t.school, t.schools, t.sis_id) == ("S1", ("S1",), "ID-T9")
    assert [row["sourcedId"] for row in r.users["T1"].extra[ROLES_KEY]] == ["r2"]
    assert not r.problems
