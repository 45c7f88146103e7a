"""OneRoster 1.1/1.2 CSV shapes that real district exports have and ``rostergraph synth``
does not: header spellings, manifest modes, delta rows, role and org type values, list
columns, repeated ids. Every valid row loads, every column is kept, every bad row is a
problem naming its file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.oneroster import ONEROSTER_FILES, read_oneroster

#: The 1.2 roles.csv header (the OneRoster v1.2 CSV Binding).
ROLES_12_HEADER = ("sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,"
                   "endDate,orgSourcedId,userProfileSourcedId\n")
ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
        "d1,active,2024-01-01,District,district,,\n"
        "sA,active,2024-01-01,School A,school,,d1\n"
        "sB,active,2024-01-01,School B,school,,d1\n")
CLASSES = ("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
           "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
           "c1,active,2024-01-01,Math,04,,M-1,scheduled,,sA,,,,1\n"
           "c2,active,2024-01-01,Art,04,,A-1,scheduled,,sA,,,,2\n")
USERS = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
         "userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,"
         "grades,password\n"
         "t1,active,2024-01-01,true,sA,teacher,t1,,Tea,Cher,,T1,,,,,,\n"
         "s1,active,2024-01-01,true,sA,student,s1,,Stu,Dent,,S1,,,,,04,\n"
         "s2,active,2024-01-01,true,sA,student,s2,,Stu,Two,,S2,,,,,04,\n")
ENR_HEAD = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,"
            "role,primary,beginDate,endDate\n")


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    """The files in a new folder (text written as UTF-8, line ends as given)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        data = text.encode("utf-8") if isinstance(text, str) else text
        (folder / name).write_bytes(data)
    return folder


def listed(files: dict[str, str | bytes]) -> dict[str, str | bytes]:
    """``files`` with a ``file.<name>`` row added at the end of their ``manifest.csv`` for
    each roster file they hold that it does not list, as the specs give every file one
    (the manifest's other rows keep their lines): ``delta`` when the rows it has are all
    deltas, else ``bulk``."""
    text = files.get("manifest.csv")
    if text is None:
        return files
    data = text.decode("utf-8") if isinstance(text, bytes) else text
    rows = [line.split(",") for line in data.splitlines()]
    modes = {r[0].strip().lower()[5:]: r[1].strip().lower() for r in rows
             if len(r) > 1 and r[0].strip().lower().startswith("file.")}
    mode = "delta" if modes and set(modes.values()) == {"delta"} else "bulk"
    end = "\r\n" if "\r\n" in data else "\n"
    add = [f"file.{n[:-4]},{mode}{end}" for n in ONEROSTER_FILES[1:]
           if n.lower() in {f.lower() for f in files} and n[:-4].lower() not in modes]
    if add and data and not data.endswith("\n"):
        add.insert(0, end)
    got = data + "".join(add)
    return {**files, "manifest.csv": got.encode("utf-8") if isinstance(text, bytes) else got}


def bundle(folder: Path, **files: str | bytes) -> Path:
    """A 1.1 bundle of the orgs, classes and users above, with ``files`` added or replaced
    (``enrollments_csv=...`` for ``enrollments.csv``); its manifest :func:`listed`."""
    base: dict[str, str | bytes] = {
        "manifest.csv": "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n",
        "orgs.csv": ORGS, "classes.csv": CLASSES, "users.csv": USERS}
    base.update({k.replace("_csv", ".csv"): v for k, v in files.items()})
    return write(folder, listed(base))


def where(r: rostergraph.Roster) -> set[tuple[str | None, int | None, str]]:
    return {(p.file, p.line, p.code) for p in r.problems}


# --- repeated ids -----------------------------------------------------------------------

@pytest.mark.parametrize("shape", ["clean", "row-by-row", "with-deletions"])
def test_a_repeated_enrollment_id_is_a_duplicate_id_problem(shape: str, tmp_path: Path) -> None:
    """An enrollments.csv that gives a sourcedId twice: the second row is a
    ``duplicate_id`` problem naming file and line and is not loaded, as for users.csv and
    classes.csv (the first row is kept). The same on every path through the file."""
    rows = ["e1,active,2024-01-01,c1,sA,t1,teacher,true,,",
            "e2,active,2024-01-01,c1,sA,s1,student,false,,",
            "e2,active,2024-01-01,c2,sA,s2,student,false,,",   # line 4: e2 again
            "e3,active,2024-01-01,c2,sA,s1,student,,,"]
    if shape == "row-by-row":  # a quoted cell: the file is read one row at a time
        rows[3] = 'e3,active,2024-01-01,c2,sA,s1,student,"",,'
    if shape == "with-deletions":
        rows.append("e4,tobedeleted,2024-01-01,c2,sA,s2,student,,,")
    r = read_oneroster(bundle(tmp_path / shape, enrollments_csv=ENR_HEAD + "\n".join(rows)
                              + "\n"))
    assert ("enrollments.csv", 4, "duplicate_id") in where(r)
    dup = next(p for p in r.problems if p.code == "duplicate_id")
    assert dup.record_id == "e2" and "e2" in dup.message
    assert r.sections["c1"].students == ("s1",)
    assert r.sections["c2"].students == ("s1",)  # s2's row repeated e2: not loaded
    assert r.sections["c1"].teacher == "t1"


def test_repeated_rows_keep_their_text_in_the_problem(tmp_path: Path) -> None:
    """A second ``users.csv``, ``classes.csv`` or ``demographics.csv`` row with a seen
    ``sourcedId`` is not loaded, so its cells live on in the problem's ``raw`` (the row's
    text, a password cell left out): nothing a file gave is lost."""
    users = USERS + "s1,active,2024-01-01,true,sB,student,s1b,,Other,Name,,S1B,,,,,05,pw\n"
    classes = CLASSES + "c1,active,2024-01-01,Music,05,,MU-1,scheduled,,sB,,,,3\n"
    demo = DEMO_HEAD + ("s1,active,2024-01-01,2015-04-14,female,,,,,,,,,,,\n"
                        "s1,active,2024-01-01,2016-01-01,male,,,,,,,,,,,\n")
    r = read_oneroster(bundle(tmp_path, users_csv=users, classes_csv=classes,
                              demographics_csv=demo))
    dups = {p.file: p for p in r.problems if p.code == "duplicate_id"}
    assert sorted(dups) == ["classes.csv", "demographics.csv", "users.csv"]
    raws = {f: json.loads(p.raw or "null") for f, p in dups.items()}
    assert raws["users.csv"]["givenName"] == "Other" and "password" not in raws["users.csv"]
    assert raws["classes.csv"]["title"] == "Music"
    assert raws["demographics.csv"]["birthDate"] == "2016-01-01"
    assert r.users["s1"].name.first == "Stu" and r.sections["c1"].name == "Math"


# --- header spellings -------------------------------------------------------------------

def _respell(text: str, how: str) -> str:
    head, _, body = text.partition("\n")
    cols = head.split(",")
    if how == "case":
        cols = [c[0].upper() + c[1:] if i % 2 else c.upper() for i, c in enumerate(cols)]
    elif how == "spaces":
        cols = [f" {c}" if i % 2 else f"{c} " for i, c in enumerate(cols)]
    elif how == "invisible":  # (pasted from a web page: a zero-width space, a word joiner)
        cols = [f"\u200b{c}" if i % 2 else f"{c}\u2060" for i, c in enumerate(cols)]
    return ",".join(cols) + "\n" + body


@pytest.mark.parametrize("how", ["case", "spaces", "invisible"])
def test_header_names_in_another_case_or_with_spaces_load(how: str, tmp_path: Path) -> None:
    """``SourcedId``, ``USERSOURCEDID`` or ``" role"``: each column is the spec's column (a
    problem per renamed column names file, line 1 and the column), and every row loads as
    with the spec's spelling. Before, every user was a ``no_id`` problem and every
    enrollment one of an unknown class."""
    enr = ENR_HEAD + "e1,active,2024-01-01,c1,sA,t1,teacher,true,,\n" \
                     "e2,active,2024-01-01,c1,sA,s1,student,,,\n"
    manifest = "propertyName,value\noneroster.version,1.1\nfile.users,bulk\n"
    spelled = bundle(tmp_path / how, users_csv=_respell(USERS, how),
                     enrollments_csv=_respell(enr, how), manifest_csv=_respell(manifest, how),
                     classes_csv=_respell(CLASSES, how), orgs_csv=_respell(ORGS, how))
    plain = bundle(tmp_path / "plain", enrollments_csv=enr, manifest_csv=manifest)
    got, want = read_oneroster(spelled), read_oneroster(plain)
    assert want.problems == []
    for kind in ("districts", "schools", "sections", "users"):
        assert got.records(kind) == want.records(kind), kind
    renamed = {(p.file, p.line, p.field) for p in got.problems}
    assert ("users.csv", 1, "sourcedId") in renamed
    assert ("enrollments.csv", 1, "userSourcedId") in renamed
    assert {p.code for p in got.problems} == {"other"}
    assert all("read as" in p.message for p in got.problems)


# --- users.csv cells that no Clever role holds --------------------------------------------

USERS_ROLES = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
    "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
    "password\n"
    "t1,active,2024-01-01,true,\"sA,sB\",teacher,tuser,{LDAP:t1},T,C,,T1,,,,,\"04,05\",\n"
    "s1,active,2024-01-01,true,sA,student,suser,,S,D,,S1,,,,g1,\"04,05\",\n"
    "g1,active,2024-01-01,true,sA,guardian,guser,,G,A,,G1,,,555-6,s1,,\n"
    "da,active,2024-01-01,true,d1,administrator,dauser,,D,A,,DA1,,,,,KG,\n"
    "a1,active,2024-01-01,true,sA,aide,auser,,A,I,,A1,,,,s1,01,\n"
    "x1,active,2024-01-01,true,sA,ext:coach,xuser,,C,O,,X1,,,,s1,02,\n")


def test_cells_no_role_takes_are_kept_in_extra(tmp_path: Path) -> None:
    """``username``, ``identifier``, ``grades``, ``orgSourcedIds`` and ``agentSourcedIds``
    are read for the user's role; where the role has no place for one (a district admin's
    username, a teacher's grades, a student's second grade, a contact's orgs, an aide's
    agents, every cell of a role with no Clever equivalent) it is kept in ``extra`` as
    ``oneroster.<column>``. Before, those cells were lost without a word."""
    r = read_oneroster(bundle(tmp_path / "b", users_csv=USERS_ROLES))
    assert {u.extra["oneroster.status"] for u in r.users.values()} == {"active"}
    ex = {uid: {k: v for k, v in u.extra.items() if k != "oneroster.status"}
          for uid, u in r.users.items()}
    assert ex["t1"] == {"oneroster.userIds": "{LDAP:t1}", "oneroster.grades": "04,05"}
    assert r.users["s1"].roles.student.grade == "4"
    # s1's agent is a contact: linked, and the row's cell kept (a delta needs its side)
    assert ex["s1"] == {"oneroster.grades": "04,05", "oneroster.agentSourcedIds": "g1"}
    assert ex["g1"] == {"oneroster.orgSourcedIds": "sA", "oneroster.username": "guser"}
    assert ex["da"] == {"oneroster.username": "dauser", "oneroster.identifier": "DA1",
                        "oneroster.grades": "KG"}
    assert ex["a1"] == {"oneroster.grades": "01", "oneroster.agentSourcedIds": "s1"}
    assert ex["x1"] == {"oneroster.role": "ext:coach", "oneroster.orgSourcedIds": "sA",
                        "oneroster.username": "xuser", "oneroster.identifier": "X1",
                        "oneroster.grades": "02", "oneroster.agentSourcedIds": "s1"}
    assert [p.line for p in r.problems] == [7]  # the role with no Clever equivalent


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_kept_cells_survive_a_oneroster_round_trip(version: str, tmp_path: Path) -> None:
    """What the reader kept in extra comes back from rostergraph's own OneRoster output."""
    from rostergraph.io.write_oneroster import write_oneroster

    src = read_oneroster(bundle(tmp_path / "b", users_csv=USERS_ROLES))
    write_oneroster(src, tmp_path / "out", version=version)
    back = read_oneroster(tmp_path / "out")
    assert back.users == src.users


def test_a_1_2_user_without_a_role_row_keeps_its_cells(tmp_path: Path) -> None:
    """A 1.2 users.csv row that no roles.csv row names keeps username, identifier and
    grades in extra (they are read for roles, so nothing else kept them)."""
    users = ("sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,"
             "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
             "password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,"
             "preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns\n"
             "u1,active,2024-01-01,true,uname,,U,One,,ID1,,,,,09,,,,,,,sA,\n"
             "u2,active,2024-01-01,true,u2name,,U,Two,,ID2,,,,,10,,,,,,,sA,\n")
    roles = (ROLES_12_HEADER
             + "r1,active,2024-01-01,u2,primary,student,,,sA,\n")
    r = read_oneroster(write(tmp_path / "b", {
        "manifest.csv": "propertyName,value\noneroster.version,1.2\n", "orgs.csv": ORGS,
        "users.csv": users, "roles.csv": roles}))
    assert r.users["u1"].extra == {"oneroster.status": "active",
                                   "oneroster.username": "uname", "oneroster.identifier": "ID1",
                                   "oneroster.grades": "09",
                                   "oneroster.primaryOrgSourcedId": "sA"}
    assert r.users["u2"].extra == {"oneroster.status": "active", "oneroster.roles": [
        {"sourcedId": "r1", "status": "active", "dateLastModified": "2024-01-01",
         "roleType": "primary", "role": "student", "orgSourcedId": "sA"}]}
    assert r.users["u2"].roles.student.credentials.district_username == "u2name"


# --- manifest.csv -----------------------------------------------------------------------

def test_a_file_the_manifest_calls_absent_is_read_when_it_is_there(tmp_path: Path) -> None:
    """``file.enrollments,absent`` with an enrollments.csv that has rows: the rows load
    and a problem names manifest.csv (they were silently ignored before); a header-only
    file so declared is only noted."""
    manifest = ("propertyName,value\noneroster.version,1.1\nfile.enrollments,absent\n"
                "file.demographics,absent\n")
    enr = ENR_HEAD + "e1,active,2024-01-01,c1,sA,s1,student,,,\n"
    demo = ("sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,"
            "asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
            "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,"
            "stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus\n")
    r = read_oneroster(bundle(tmp_path / "b", manifest_csv=manifest, enrollments_csv=enr,
                              demographics_csv=demo))
    assert r.sections["c1"].students == ("s1",)
    assert [(p.file, p.code) for p in r.problems] == [("manifest.csv", "other")]
    assert "file.enrollments=absent" in r.problems[0].message
    assert any("demographics.csv is present (no rows)" in n for n in r.provenance.notes)


def test_a_file_called_absent_is_told_before_its_own_problems(tmp_path: Path) -> None:
    """The manifest's word on a file comes before the problems of the file itself (here a
    column named twice), as the file is read after the manifest."""
    manifest = "propertyName,value\noneroster.version,1.1\nfile.enrollments,absent\n"
    enr = ENR_HEAD.rstrip("\n") + ",x,x\ne1,active,2024-01-01,c1,sA,s1,student,,,,1,2\n"
    r = read_oneroster(bundle(tmp_path / "b", manifest_csv=manifest, enrollments_csv=enr))
    assert r.sections["c1"].students == ("s1",)
    assert [(p.file, p.code) for p in r.problems[:2]] == [("manifest.csv", "other"),
                                                         ("enrollments.csv", "syntax")]


@pytest.mark.parametrize("spelling", ["FILE.Enrollments", " file.enrollments "])
def test_manifest_property_names_in_another_case(spelling: str, tmp_path: Path) -> None:
    """``FILE.Enrollments,Bulk`` is ``file.enrollments,bulk``: a missing file so declared is
    a ``missing_file`` problem either way; values and names are stripped."""
    manifest = f"propertyName,value\n oneroster.version ,1.2\n{spelling}, Bulk\n"
    r = read_oneroster(bundle(tmp_path / "b", manifest_csv=manifest))
    assert r.provenance.version == "1.2"
    assert [(p.file, p.code) for p in r.problems] == [("manifest.csv", "missing_file")]


# --- org types ----------------------------------------------------------------------------

def test_org_types_in_another_case_load_and_other_types_keep_their_row(tmp_path: Path) -> None:
    """``type`` ``District``/``SCHOOL`` is the spec's ``district``/``school`` (the whole
    district and its schools were left out before); a ``state``, ``national`` or ``local``
    org has no Clever kind: a problem whose raw text is the row, and the district under
    a state keeps its ``parentSourcedId`` in extra."""
    orgs = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
            "d1,active,2024-01-01,District,District,,st\n"
            "sA,active,2024-01-01,School A,SCHOOL,,d1\n"
            "sB,active,2024-01-01,School B, school ,,d1\n"
            "st,active,2024-01-01,State Dept,state,ST-01,na\n"
            "na,active,2024-01-01,Nation,national,,\n"
            "dp,active,2024-01-01,Science,department,,sA\n")
    r = read_oneroster(bundle(tmp_path / "b", orgs_csv=orgs))
    assert set(r.districts) == {"d1"} and set(r.schools) == {"sA", "sB"}
    assert r.schools["sA"].district == "d1"
    assert r.districts["d1"].extra["oneroster.parentSourcedId"] == "st"
    assert r.users["s1"].district == "d1" and r.sections["c1"].district == "d1"
    lost = {p.line: p for p in r.problems}
    assert sorted(lost) == [5, 6, 7] and all(p.file == "orgs.csv" for p in r.problems)
    assert "ST-01" in lost[5].raw and "Science" in lost[7].raw


# --- enrollments of other roles ---------------------------------------------------------

@pytest.mark.parametrize("shape", ["clean", "row-by-row"])
def test_enrollments_of_roles_clever_lacks_are_kept_on_the_section(shape: str,
                                                                  tmp_path: Path) -> None:
    """``aide``, ``proctor``, ``administrator`` (any case) enrollments: Clever sections have
    no place for them, so each section keeps their users in extra
    ``oneroster.enrollments.<role>`` (they were only counted in a note before), and the
    OneRoster writer writes them back as enrollments; a row without a role is a problem."""
    users = USERS + ("a1,active,2024-01-01,true,sA,aide,a1,,A,I,,,,,,,,\n"
                     "p1,active,2024-01-01,true,sA,proctor,p1,,P,R,,,,,,,,\n")
    rows = ["e1,active,2024-01-01,c1,sA,t1,teacher,true,,",
            "e2,active,2024-01-01,c1,sA,a1,Aide,,,",
            "e3,active,2024-01-01,c1,sA,p1,proctor,,,",
            "e4,active,2024-01-01,c2,sA,a1,aide,,,",
            "e5,active,2024-01-01,c1,sA,t1,administrator,,,",
            "e6,active,2024-01-01,c1,sA,s1,,,,"]  # line 7: no role
    if shape == "row-by-row":
        rows[0] = 'e1,active,2024-01-01,c1,sA,t1,teacher,"true",,'
    r = read_oneroster(bundle(tmp_path / shape, users_csv=users,
                              enrollments_csv=ENR_HEAD + "\n".join(rows) + "\n"))
    def others(sid: str) -> dict[str, list[str]]:
        return {k: v for k, v in r.sections[sid].extra.items() if "enrollments" in k}

    assert others("c1") == {"oneroster.enrollments.aide": ["a1"],
                            "oneroster.enrollments.proctor": ["p1"],
                            "oneroster.enrollments.administrator": ["t1"]}
    assert others("c2") == {"oneroster.enrollments.aide": ["a1"]}
    assert [(p.file, p.line, p.message) for p in r.problems] == [
        ("enrollments.csv", 7, "enrollment without a role; not loaded")]
    assert any("oneroster.enrollments.aide" in n for n in r.provenance.notes)
    from rostergraph.io.write_oneroster import write_oneroster

    for ext in (True, False):
        out = tmp_path / f"out-{shape}-{ext}"
        report = write_oneroster(r, out, extensions=ext)
        assert "enrollments" not in " ".join(map(str, report.to_list("field")))
        back = read_oneroster(out)
        assert back.sections == r.sections


DEMO_HEAD = ("sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,"
             "asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
             "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,"
             "stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus\n")


def test_a_repeated_demographics_id_is_a_duplicate_id_problem(tmp_path: Path) -> None:
    """Two demographics.csv rows for one user: the second is a ``duplicate_id`` problem and
    does not overwrite the first (it did, without a word)."""
    demo = DEMO_HEAD + ("s1,active,2024-01-01,2015-04-14,female,,,,,,,,,,,\n"
                        "s1,active,2024-01-01,2016-01-01,male,,,,,,,,,,,\n")
    r = read_oneroster(bundle(tmp_path / "b", demographics_csv=demo))
    assert r.users["s1"].roles.student.dob == "2015-04-14"
    assert r.users["s1"].roles.student.gender == "F"
    assert where(r) == {("demographics.csv", 3, "duplicate_id")}


#: A 1.2 users.csv (role-less: roles.csv gives the roles) with one user, t1.
USERS_12_T1 = ("sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,"
               "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
               "password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,"
               "preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns\n"
               "t1,active,2024-01-01,true,tu,,T,One,,T1,,,,,,,,,,,,,\n")


def test_role_type_in_another_case_is_primary(tmp_path: Path) -> None:
    """A 1.2 roles.csv ``roleType`` of ``Primary`` makes that org the role's school, as
    ``primary`` does (it was read as secondary)."""
    roles = (ROLES_12_HEADER
             + "r1,active,2024-01-01,t1,secondary,teacher,,,sA,\n"
             "r2,active,2024-01-01,t1,Primary,Teacher,,,sB,\n")
    r = read_oneroster(write(tmp_path / "b", {
        "manifest.csv": "propertyName,value\noneroster.version,1.2\n", "orgs.csv": ORGS,
        "users.csv": USERS_12_T1, "roles.csv": roles}))
    assert r.users["t1"].roles.teacher.school == "sB"
    assert r.users["t1"].roles.teacher.schools == ("sB", "sA")


@pytest.mark.parametrize("as_zip", [False, True])
def test_file_names_in_another_case(as_zip: bool, tmp_path: Path) -> None:
    """``Users.csv``, ``ORGS.CSV``: a bundle whose files are named in another case is
    detected and read as the spec's files (each renamed file a problem naming it); it was
    not recognised at all before."""
    import zipfile

    enr = ENR_HEAD + "e1,active,2024-01-01,c1,sA,s1,student,,,\n"
    plain = bundle(tmp_path / "plain", enrollments_csv=enr)
    odd = tmp_path / "odd"
    odd.mkdir()
    for f in plain.iterdir():
        name = f.name if f.name == "manifest.csv" else (
            f.name.upper() if f.name.startswith("o") else f.name[0].upper() + f.name[1:])
        (odd / name).write_bytes(f.read_bytes())
    src: Path = odd
    if as_zip:
        src = tmp_path / "odd.zip"
        with zipfile.ZipFile(src, "w") as zf:
            for f in sorted(odd.iterdir()):
                zf.write(f, f"export/{f.name}")
    got, want = rostergraph.load(src), rostergraph.load(plain)
    assert got.provenance.format == "oneroster"
    for kind in ("districts", "schools", "sections", "users"):
        assert got.records(kind) == want.records(kind), kind
    assert sorted((p.file, p.message.split(" read as")[0]) for p in got.problems) == [
        ("classes.csv", "file 'Classes.csv'"), ("enrollments.csv", "file 'Enrollments.csv'"),
        ("orgs.csv", "file 'ORGS.CSV'"), ("users.csv", "file 'Users.csv'")]


def test_role_rows_with_dates_or_a_profile_are_kept_on_the_user(tmp_path: Path) -> None:
    """A 1.2 roles.csv row with ``beginDate``/``endDate``/``userProfileSourcedId`` (cells a
    Clever role cannot hold, dropped before) is kept whole in the user's extra
    ``oneroster.roles``, in file order, and so is one with its own ``sourcedId``,
    ``status`` or ``dateLastModified``; a row with nothing more is not."""
    roles = (ROLES_12_HEADER
             + "r1,active,2024-01-01,t1,secondary,teacher,2024-08-01,2025-06-30,sA,\n"
             "r2,active,2024-01-01,t1,primary,teacher,,,sB,\n"
             "r3,active,2024-01-01,t1,secondary,aide,,,sA,p9\n"
             "t1:role:4,,,t1,secondary,proctor,,,sB,\n")
    r = read_oneroster(write(tmp_path / "b", {
        "manifest.csv": "propertyName,value\noneroster.version,1.2\n", "orgs.csv": ORGS,
        "users.csv": USERS_12_T1, "roles.csv": roles}))
    kept = r.users["t1"].extra["oneroster.roles"]
    assert [k["sourcedId"] for k in kept] == ["r1", "r2", "r3"]
    assert kept[0]["beginDate"] == "2024-08-01" and kept[2]["userProfileSourcedId"] == "p9"
    assert r.users["t1"].roles.teacher.school == "sB"
    from rostergraph.io.write_oneroster import write_oneroster

    write_oneroster(r, tmp_path / "out", version="1.2")
    assert read_oneroster(tmp_path / "out").users == r.users


def test_role_rows_ids_status_and_dates_are_written_back(tmp_path: Path) -> None:
    """The roles.csv ``sourcedId``, ``status`` and ``dateLastModified`` of a 1.2 source
    (dropped on read before, the ids made up anew on write) are kept and written back in
    roles.csv itself, not only in the extension column."""
    import csv
    import io

    from rostergraph.io.write_oneroster import write_oneroster

    roles = (ROLES_12_HEADER
             + "R-7,active,2024-01-01,t1,primary,teacher,,,sA,\n"
             "R-8,active,2024-02-02,t1,secondary,aide,2024-08-01,,sB,\n")
    r = read_oneroster(write(tmp_path / "b", {
        "manifest.csv": "propertyName,value\noneroster.version,1.2\n", "orgs.csv": ORGS,
        "users.csv": USERS_12_T1, "roles.csv": roles}))
    assert [k["sourcedId"] for k in r.users["t1"].extra["oneroster.roles"]] == ["R-7", "R-8"]
    write_oneroster(r, tmp_path / "out", version="1.2")
    text = (tmp_path / "out" / "roles.csv").read_text(encoding="utf-8")
    got = [(row["sourcedId"], row["status"], row["dateLastModified"], row["role"],
            row["orgSourcedId"], row["beginDate"])
           for row in csv.DictReader(io.StringIO(text))]
    assert got == [("R-7", "active", "2024-01-01", "teacher", "sA", ""),
                   ("R-8", "active", "2024-02-02", "aide", "sB", "2024-08-01")]
    users = (tmp_path / "out" / "users.csv").read_text(encoding="utf-8")
    assert "oneroster.roles" not in users  # (nothing left to carry)
    assert read_oneroster(tmp_path / "out").users == r.users


def test_a_zip_with_the_files_in_a_folder_beside_other_entries(tmp_path: Path) -> None:
    """``export/users.csv`` … beside a top-level ``README.txt``: the zip has no single
    root folder, yet its OneRoster files are found (nothing was read before)."""
    import zipfile

    plain = bundle(tmp_path / "plain")
    z = tmp_path / "b.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("README.txt", "export of 2024-09-01")
        for f in sorted(plain.iterdir()):
            zf.write(f, f"export/{f.name}")
    got, want = read_oneroster(z), read_oneroster(plain)
    for kind in ("districts", "schools", "sections", "users"):
        assert got.records(kind) == want.records(kind), kind
    assert len(got.problems) == 4 and all("read as" in p.message for p in got.problems)


# --- users.csv status ---------------------------------------------------------------------

@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_user_status_and_date_are_kept_and_written_back(version: str,
                                                        tmp_path: Path) -> None:
    """A user's ``status`` is kept in ``extra["oneroster.status"]`` (as the other files'
    rows keep theirs) and ``dateLastModified`` as ``last_modified``; the writer puts both
    back in their columns (every row of a 1.1 user with several roles), so a round trip
    through rostergraph's OneRoster output keeps them."""
    import csv
    import io

    from rostergraph.io.write_oneroster import write_oneroster

    head, *rows = USERS.replace("s2,active,2024-01-01", "s2,inactive,2024-02-03").splitlines()
    users = "".join(line + "\n" for line in [  # (t1 is a guardian of s1 too)
        head + ",metadata.rostergraph.userId", *(r + "," for r in rows),
        "t1g,active,2024-01-01,true,sA,guardian,,,Tea,Cher,,,,,,s1,,,t1"])
    src = read_oneroster(bundle(tmp_path / "b", users_csv=users))
    assert src.users["t1"].roles.names == ("teacher", "contact")
    assert src.users["s1"].extra["oneroster.status"] == "active"
    assert (src.users["s2"].extra["oneroster.status"], src.users["s2"].last_modified) == (
        "inactive", "2024-02-03")
    write_oneroster(src, tmp_path / "out", version=version)
    text = (tmp_path / "out" / "users.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["sourcedId"]: r["status"] for r in rows} == (
        {"t1": "active", "t1#contact": "active", "s1": "active", "s2": "inactive"}
        if version == "1.1" else {"t1": "active", "s1": "active", "s2": "inactive"})
    assert all("oneroster.status" not in r.get("metadata.rostergraph.clever", "")
               for r in rows)
    back = read_oneroster(tmp_path / "out")
    assert back.users == src.users


# --- enrollment sourcedIds ---------------------------------------------------------------

def _enrollment_ids(folder: Path) -> dict[tuple[str, str, str], str]:
    import csv
    import io

    text = (folder / "enrollments.csv").read_text(encoding="utf-8")
    return {(r["classSourcedId"], r["userSourcedId"], r["role"]): r["sourcedId"]
            for r in csv.DictReader(io.StringIO(text))}


@pytest.mark.parametrize("status", ["active", "tobedeleted"])
@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_enrollment_ids_of_a_oneroster_source_are_written_back(version: str, status: str,
                                                               tmp_path: Path) -> None:
    """The writer writes a OneRoster source's enrollment sourcedIds back (they were
    made up anew, ``<class>:<n>``), for every role, and a round trip keeps them; a source
    with none (Clever) still gets made-up ids, one per enrollment."""
    from rostergraph.io.write_oneroster import write_oneroster

    enr = (ENR_HEAD + "E-9,active,,c1,sA,s2,student,,,\nE-3,active,,c1,sA,t1,teacher,true,,\n"
           "E-1,active,,c1,sA,s1,student,,,\nX7,active,,c2,sA,s1,student,,,\n"
           "X8,active,,c2,sA,t1,aide,,,\nX9,tobedeleted,,c2,sA,s2,student,,,\n")
    if status == "active":  # (no row to leave out: the column-wise reading)
        enr = enr.replace("active,", ",").replace("X9,tobedeleted", "X9,")
    src = read_oneroster(bundle(tmp_path / "b", enrollments_csv=enr))
    write_oneroster(src, tmp_path / "out", version=version)
    assert _enrollment_ids(tmp_path / "out") == {
        ("c1", "s2", "student"): "E-9", ("c1", "t1", "teacher"): "E-3",
        ("c1", "s1", "student"): "E-1", ("c2", "s1", "student"): "X7",
        ("c2", "t1", "aide"): "X8", **({("c2", "s2", "student"): "X9"}
                                       if status == "active" else {})}
    back = read_oneroster(tmp_path / "out")
    assert back.sections == src.sections
    write_oneroster(rostergraph.sample(), tmp_path / "clever", version=version)
    ids = _enrollment_ids(tmp_path / "clever")
    assert len(set(ids.values())) == len(ids) > 0
    assert all(v.startswith(k[0] + ":") for k, v in ids.items())
    # the ids made up are not kept (the writer makes the same again)
    assert not any("oneroster.enrollmentIds" in s.extra
                   for s in read_oneroster(tmp_path / "clever").sections.values())


@pytest.mark.parametrize("status", ["", "active", "tobedeleted"])
def test_enrollment_ids_like_made_up_ones_in_another_order_are_kept(status: str,
                                                                    tmp_path: Path) -> None:
    """Ids of the writer's form (``<class>:<n>``) that the writer would not make up for
    those enrollments (a teacher's row first, a gap left by a row not loaded) are kept
    and written back; the made-up ones are not kept."""
    from rostergraph.io.write_oneroster import write_oneroster

    enr = (ENR_HEAD + f"c1:1,{status},,c1,sA,t1,teacher,,,\nc1:2,{status},,c1,sA,s1,student,,,\n"
           f"c2:1,{status},,c2,sA,s1,student,,,\nc2:2,{status},,c2,sA,nobody,,,,\n"
           f"c2:3,{status},,c2,sA,t1,teacher,,,\n")
    enr = enr.replace("tobedeleted", "active") + (
        "c2:9,tobedeleted,,c2,sA,s2,student,,,\n" if status == "tobedeleted" else "")
    src = read_oneroster(bundle(tmp_path / "b", enrollments_csv=enr))
    assert src.sections["c1"].extra["oneroster.enrollmentIds"] == {
        "student": {"s1": "c1:2"}, "teacher": {"t1": "c1:1"}}
    assert src.sections["c2"].extra["oneroster.enrollmentIds"] == {"teacher": {"t1": "c2:3"}}
    write_oneroster(src, tmp_path / "out")
    assert _enrollment_ids(tmp_path / "out") == {
        ("c1", "t1", "teacher"): "c1:1", ("c1", "s1", "student"): "c1:2",
        ("c2", "s1", "student"): "c2:1", ("c2", "t1", "teacher"): "c2:3"}
    assert read_oneroster(tmp_path / "out").sections == src.sections


def test_org_session_and_course_rows_without_a_sourced_id_name_the_row(
        tmp_path: Path) -> None:
    """An ``orgs.csv``, ``academicSessions.csv`` or ``courses.csv`` row with an empty
    ``sourcedId`` is a ``no_id`` problem saying so in OneRoster's words, the row's cells in
    ``raw`` (the message named Clever's field, "term record has no string 'id'", and the
    raw text was the record made from the row, not the row), as for users and classes;
    the oracle reads the same."""
    from tests.test_csv_equivalence import assert_same

    sessions = ("sourcedId,status,dateLastModified,title,type,startDate,endDate,"
                "parentSourcedId,schoolYear\ny1,,,2024-25,schoolYear,2024-08-01,2025-06-30,,"
                "2025\n,,,Spring,semester,2025-01-06,2025-06-10,y1,2025\n")
    courses = ("sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,"
               "grades,orgSourcedId,subjects,subjectCodes\n,,,y1,Art,ART,04,d1,Art,\n")
    folder = bundle(tmp_path / "b", orgs_csv=ORGS + ",active,,Lost School,school,,d1\n",
                    academicSessions_csv=sessions, courses_csv=courses)
    r = read_oneroster(folder)
    got = {p.file: p for p in r.problems if p.code == "no_id"}
    for file, line, said, cell in (
            ("orgs.csv", 5, "org", '"name":"Lost School"'),
            ("academicSessions.csv", 3, "academic session", '"title":"Spring"'),
            ("courses.csv", 2, "course", '"courseCode":"ART"')):
        p = got[file]
        assert (p.line, p.message) == (line, f"{said} without a sourcedId; not loaded"), file
        assert p.raw is not None and cell in p.raw and '"sourcedId":""' in p.raw, p.raw
    assert "y1" in r.terms and "sA" in r.schools
    assert_same("oneroster", folder)
