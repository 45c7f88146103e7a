"""OneRoster 1.1/1.2 CSV reader: the Ed-Fi sample, zips and their limits, 1.2 roles,
delta files, bad rows."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.errors import FormatError, LimitError, SourceError
from rostergraph.io.detect import detect_format
from rostergraph.io.limits import Limits
from rostergraph.io.oneroster import read_oneroster
from tests.test_oneroster_variants import write as _write

EDFI = Path(__file__).parent / "data" / "oneroster" / "edfi-lms-toolkit-v1.1"


def _rows(name: str) -> list[dict[str, str]]:
    with open(EDFI / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _zip(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for p in sorted(folder.iterdir()):
            if p.suffix == ".csv":
                zf.write(p, prefix + p.name)
    return target



# --- the Ed-Fi sample ---------------------------------------------------------------


def test_edfi_sample_is_detected_and_loads_every_record() -> None:
    """Every org, session, course, class and user of the Ed-Fi sample becomes a record."""
    assert detect_format(EDFI) == "oneroster"
    r = rostergraph.load(EDFI)
    assert r.provenance.format == "oneroster" and r.provenance.version == "1.1"
    orgs = _rows("orgs.csv")
    assert set(r.districts) == {o["sourcedId"] for o in orgs if o["type"] == "district"}
    assert set(r.schools) == {o["sourcedId"] for o in orgs if o["type"] == "school"}
    assert set(r.terms) == {s["sourcedId"] for s in _rows("academicSessions.csv")}
    assert set(r.courses) == {c["sourcedId"] for c in _rows("courses.csv")}
    assert set(r.sections) == {c["sourcedId"] for c in _rows("classes.csv")}
    with open(EDFI / "users.csv", newline="") as fh:
        user_ids = {row[0] for row in list(csv.reader(fh))[1:]}
    assert set(r.users) == user_ids


def test_edfi_enrollments_become_one_edge_per_class_and_user() -> None:
    """Repeated (class, user) enrollments (one per semester) give one edge; primary → teacher."""
    r = rostergraph.load(EDFI)
    enr = _rows("enrollments.csv")
    for sid, sec in r.sections.items():
        students = {e["userSourcedId"] for e in enr
                    if e["classSourcedId"] == sid and e["role"] == "student"}
        teachers = {e["userSourcedId"] for e in enr
                    if e["classSourcedId"] == sid and e["role"] == "teacher"}
        assert sorted(sec.students) == sorted(students)
        assert set(sec.teachers) == teachers and sec.teacher in teachers
    g = rostergraph.RosterGraph.from_roster(r)
    assert g.relation_counts()["enrolled_in"] == len(
        {(e["classSourcedId"], e["userSourcedId"]) for e in enr if e["role"] == "student"})


def test_edfi_quirks_are_problems_not_losses() -> None:
    """Teacher rows with an extra empty cell load (with a problem); two-term classes are noted."""
    r = rostergraph.load(EDFI)
    extra_cells = [p for p in r.problems if p.file == "users.csv"]
    # one warning for the file (no record was lost, so not a `syntax` problem)
    assert len(extra_cells) == 1 and extra_cells[0].code == "other" and extra_cells[0].line
    teachers = {u.id for u in r.users.values() if u.roles.teacher is not None}
    assert len(teachers) == len({e["userSourcedId"] for e in _rows("enrollments.csv")
                                 if e["role"] == "teacher"})
    multi = [p for p in r.problems if p.field == "termSourcedIds"]
    classes = _rows("classes.csv")
    several = sum(1 for c in classes if "," in c["termSourcedIds"])
    assert several > 1 and len(multi) == 1  # (one for the file, counting the classes)
    assert multi[0].message.startswith(f"{several:,} classes of classes.csv")
    for c in classes:
        sec = r.sections[c["sourcedId"]]
        assert sec.term_id == c["termSourcedIds"].split(",")[0]
        assert sec.extra["oneroster.termSourcedIds"] == c["termSourcedIds"]


def test_edfi_demographics_and_unmapped_columns() -> None:
    """Demographics fill the student fields; columns with no Clever field stay in extra."""
    r = rostergraph.load(EDFI)
    for d in _rows("demographics.csv"):
        st = r.users[d["sourcedId"]].roles.student
        assert st.dob == d["birthDate"]
        assert st.gender == {"male": "M", "female": "F"}[d["sex"]]
        assert st.hispanic_ethnicity == ("Y" if d["hispanicOrLatinoEthnicity"] == "true"
                                         else "N")
    for c in _rows("courses.csv"):
        assert r.courses[c["sourcedId"]].extra["oneroster.subjectCodes"] == c["subjectCodes"]
    for u in _rows("users.csv"):
        if u["userIds"]:
            assert r.users[u["sourcedId"]].extra["oneroster.userIds"] == u["userIds"]


def test_zip_gives_the_same_roster_as_the_folder(tmp_path: Path) -> None:
    """A zip (at the root or inside one folder) reads exactly like the folder."""
    from rostergraph.model import record_to_dict

    folder = rostergraph.load(EDFI)
    for prefix in ("", "export/"):
        z = _zip(EDFI, tmp_path / f"b{len(prefix)}.zip", prefix)
        assert detect_format(z) == "oneroster"
        r = rostergraph.load(z)
        for kind in ("districts", "schools", "terms", "courses", "sections", "users"):
            assert {k: record_to_dict(v) for k, v in r.records(kind).items()} == {
                k: record_to_dict(v) for k, v in folder.records(kind).items()}


# --- zip safety ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../evil.csv", "/abs/users.csv", "a/../../b.csv"])
def test_zip_with_unsafe_member_names_is_refused(tmp_path: Path, name: str) -> None:
    """Absolute and '..' member names raise FormatError before anything is read."""
    z = tmp_path / "bad.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("manifest.csv", "propertyName,value\n")
        zf.writestr("users.csv", "sourcedId\n")
        zf.writestr(zipfile.ZipInfo(name), "x")
    with pytest.raises(FormatError, match="escapes the archive"):
        read_oneroster(z)


def test_zip_bomb_raises_limit_error(tmp_path: Path) -> None:
    """A member that inflates past max_zip_total_bytes raises LimitError, not MemoryError."""
    z = tmp_path / "bomb.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.csv", "propertyName,value\noneroster.version,1.1\n")
        zf.writestr("users.csv", b"sourcedId\n" + b"0" * (50 * 1024 * 1024))
    assert z.stat().st_size < 200_000
    with pytest.raises(LimitError):
        read_oneroster(z, limits=Limits(max_zip_total_bytes=1024 * 1024))
    with pytest.raises(LimitError):  # the default limits refuse it too (compression ratio)
        rostergraph.load(z)
    assert issubclass(LimitError, FormatError)


def test_zip_bomb_with_a_lying_header_is_caught_while_reading(tmp_path: Path) -> None:
    """Declared sizes are not trusted: bytes are counted as they are inflated."""
    z = tmp_path / "liar.zip"
    payload = b"sourcedId\n" + b"1\n" * (2 * 1024 * 1024)
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.csv", payload)
        zf.writestr("orgs.csv", "sourcedId,name,type\n")
    from rostergraph.io.csvutil import Bundle

    b = Bundle(z, Limits(max_zip_total_bytes=len(payload) + 100, max_zip_ratio=1e9))
    b.limits = Limits(max_zip_total_bytes=1000, max_zip_ratio=1e9)  # a header that lied
    with pytest.raises(LimitError):
        b.read("users.csv")


def test_zip_with_too_many_entries_raises_limit_error(tmp_path: Path) -> None:
    """More members than max_zip_entries raises LimitError."""
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for i in range(20):
            zf.writestr(f"f{i}.csv", "a\n")
    with pytest.raises(LimitError, match="members"):
        read_oneroster(z, limits=Limits(max_zip_entries=10))


def test_corrupt_zip_is_a_format_error(tmp_path: Path) -> None:
    """A .zip that is not a zip archive raises FormatError naming the file."""
    z = tmp_path / "x.zip"
    z.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(FormatError, match="zip"):
        read_oneroster(z)


# --- 1.2, delta, bad rows -------------------------------------------------------------

_ORGS = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n" \
        "d1,,,District,district,,\nsA,,,School A,school,,d1\nsB,,,School B,school,,d1\n"
_USERS12 = ("sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,"
            "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,"
            "userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,"
            "primaryOrgSourcedId,pronouns\n"
            "u1,,,true,ann,,Ann,Lee,,T1,ann@example.org,,,,,,,,,,sB,she/her\n"
            "u2,,,true,bo,,Bo,Kim,,S2,,,,,KG,,,,,,sA,\n"
            "u3,,,true,cy,,Cy,Kim,,,cy@example.net,,555,u2,,,,,,,,\n"
            "u4,,,true,di,,Di,Ro,,,,,,,,,,,,,,\n")
_ROLES = ("sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,"
          "orgSourcedId,userProfileSourcedId\n"
          "r1,,,u1,secondary,teacher,,,sA,\nr2,,,u1,primary,teacher,,,sB,\n"
          "r3,,,u1,secondary,siteAdministrator,,,sA,\nr4,,,u2,primary,student,,,sA,\n"
          "r5,,,u3,primary,guardian,,,sA,\nr6,,,u4,primary,districtAdministrator,,,d1,\n")


def test_oneroster_12_roles_give_multi_role_users(tmp_path: Path) -> None:
    """roles.csv (1.2): several roles per user, the primary org first, admins by kind."""
    d = _write(tmp_path / "b12", {
        "manifest.csv": "propertyName,value\noneroster.version,1.2\nfile.roles,bulk\n"
                        "file.orgs,bulk\nfile.users,bulk\n",
        "orgs.csv": _ORGS, "users.csv": _USERS12, "roles.csv": _ROLES})
    r = rostergraph.load(d)
    assert r.provenance.version == "1.2" and r.problems == []
    u1 = r.users["u1"].roles
    assert u1.teacher.school == "sB" and list(u1.teacher.schools) == ["sB", "sA"]
    assert u1.staff.schools == ("sA",) and u1.staff.roles == ("siteAdministrator",)
    assert r.users["u2"].roles.student.grade == "Kindergarten"
    rels = r.users["u3"].roles.contact.student_relationships
    assert [(x.student, x.type) for x in rels] == [("u2", "Parent/Guardian")]
    assert r.users["u4"].roles.district_admin is not None
    assert r.users["u1"].extra["oneroster.pronouns"] == "she/her"
    assert r.users["u3"].roles.contact.phone == "555"
    assert "oneroster.phone" not in r.users["u3"].extra


def test_delta_rows_marked_tobedeleted_are_not_loaded(tmp_path: Path) -> None:
    """status=tobedeleted rows are left out and listed in the provenance notes."""
    d = _write(tmp_path / "delta", {
        "manifest.csv": "propertyName,value\noneroster.version,1.1\nfile.orgs,delta\n",
        "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
                    "d1,active,2024-01-01T00:00:00Z,D,district,,\n"
                    "sX,tobedeleted,2024-01-02T00:00:00Z,Gone,school,,d1\n"
                    "sY,active,2024-01-02T00:00:00Z,Kept,school,,d1\n"})
    r = rostergraph.load(d)
    assert set(r.schools) == {"sY"}
    assert r.schools["sY"].last_modified == "2024-01-02T00:00:00Z"
    assert any("tobedeleted" in n and "sX" in n for n in r.provenance.notes)
    assert any("delta" in n for n in r.provenance.notes)


def test_bad_rows_are_problems_with_file_and_line_and_the_rest_loads(tmp_path: Path) -> None:
    """Unreadable rows, enrollments of unknown classes and duplicates name file and line."""
    d = _write(tmp_path / "bad", {
        "manifest.csv": "propertyName,value\noneroster.version,1.1\n",
        "orgs.csv": _ORGS,
        "classes.csv": "sourcedId,title,courseSourcedId,schoolSourcedId,termSourcedIds\n"
                       "c1,Math,,sA,\nc1,Again,,sA,\n,NoId,,sA,\nc2,\"bad\"quote,,sA,\n"
                       "c3,Art,,sA,\n",
        "users.csv": "sourcedId,role,orgSourcedIds,givenName\nu1,student,sA,A\n"
                     "u2,teacher,sA,B,extra\nu3,teacher,sA,C\n",
        "enrollments.csv": "sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role,primary\n"
                           "e1,c1,sA,u1,student,\ne2,nope,sA,u1,student,\ne3,c3,sA,u3,teacher,"
                           "true\n"})
    r = rostergraph.load(d)
    got = {(p.file, p.line, p.code) for p in r.problems}
    assert ("classes.csv", 3, "duplicate_id") in got
    assert ("classes.csv", 4, "no_id") in got
    assert ("classes.csv", 5, "syntax") in got
    assert ("users.csv", 3, "syntax") in got
    assert ("enrollments.csv", 3, "other") in got
    assert set(r.sections) == {"c1", "c3"} and set(r.users) == {"u1", "u3"}
    assert r.sections["c1"].students == ("u1",) and r.sections["c3"].teacher == "u3"


def test_bom_crlf_and_quoted_newlines(tmp_path: Path) -> None:
    """UTF-8 BOM, CRLF line ends and quoted commas/newlines read as the text they hold."""
    text = ("sourcedId,role,orgSourcedIds,givenName,familyName\r\n"
            "u1,student,sA,\"Ann, Jr.\",\"O'Neil\r\nSecond line\"\r\nu2,student,sA,Bo,\"\"\"Q\"\"\"\r\n")
    d = _write(tmp_path / "bom", {"orgs.csv": _ORGS, "classes.csv": "sourcedId,schoolSourcedId\n"})
    (d / "users.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    r = rostergraph.load(d)
    assert r.users["u1"].name.first == "Ann, Jr."
    assert r.users["u1"].name.last == "O'Neil\r\nSecond line"
    assert r.users["u2"].name.last == '"Q"'
    assert [p for p in r.problems] == []


def test_unrecognised_folder_lists_what_was_expected(tmp_path: Path) -> None:
    """A folder no reader recognises raises SourceError naming every format's files."""
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(SourceError) as e:
        rostergraph.load(tmp_path)
    for word in ("manifest.csv", "students.csv", "sections", "school_admins"):
        assert word in str(e.value)


def test_strict_mode_raises_on_the_first_bad_row(tmp_path: Path) -> None:
    """strict=True turns the first problem into a FormatError with file and line."""
    d = _write(tmp_path / "s", {"orgs.csv": _ORGS, "classes.csv": "sourcedId,schoolSourcedId\n",
                               "users.csv": "sourcedId,role,orgSourcedIds\nu1,student,sA,x\n"})
    with pytest.raises(FormatError) as e:
        read_oneroster(d, strict=True)
    assert e.value.path == "users.csv" and e.value.line == 2


def test_delta_applied_to_a_base_roster(tmp_path: Path) -> None:
    """A delta bundle applied to the Ed-Fi bulk load: updates, additions and deletions."""
    base = rostergraph.load(EDFI)
    enr = _rows("enrollments.csv")
    gone_student = enr[0]["userSourcedId"]
    dropped = next(e for e in enr if e["role"] == "student" and e["userSourcedId"] !=
                   gone_student)
    cls = dropped["classSourcedId"]
    d = _write(tmp_path / "delta", {
        "manifest.csv": "propertyName,value\noneroster.version,1.1\nfile.users,delta\n"
                        "file.enrollments,delta\n",
        "users.csv": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,"
                     "username,givenName,familyName\n"
                     f"{gone_student},tobedeleted,2024-01-01T00:00:00Z,true,255901001,student,"
                     "x,X,Y\n"
                     "new1,active,2024-01-01T00:00:00Z,true,255901001,student,n,New,Kid\n",
        "enrollments.csv": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
                           "userSourcedId,role,primary\n"
                           f"e1,active,2024-01-01T00:00:00Z,{cls},255901001,new1,student,\n"
                           f"e2,tobedeleted,2024-01-01T00:00:00Z,{cls},255901001,"
                           f"{dropped['userSourcedId']},student,\n"})
    r = read_oneroster(d, base=base)
    assert gone_student not in r.users and "new1" in r.users
    assert set(r.users) == (set(base.users) - {gone_student}) | {"new1"}
    assert "new1" in r.sections[cls].students
    assert dropped["userSourcedId"] not in r.sections[cls].students
    assert set(r.sections) == set(base.sections) and set(r.terms) == set(base.terms)
    # the deleted student's enrollments go with it (the delta deleted none of them: told)
    assert not any(gone_student in (s.students or ()) for s in r.sections.values())
    assert [(p.code, p.file) for p in r.problems] == [("other", "users.csv")]
    assert r.problems[0].message.endswith(f"users {gone_student}")


def test_load_of_a_corrupt_zip_is_a_format_error(tmp_path: Path) -> None:
    """rostergraph.load() on a .zip that is not a zip raises FormatError, not a crash."""
    z = tmp_path / "broken.zip"
    z.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(FormatError):
        rostergraph.load(z)


_OR_COLS = ["sourcedId", "status", "type", "parentSourcedId", "role", "orgSourcedIds",
            "agentSourcedIds", "classSourcedId", "userSourcedId", "primary", "termSourcedIds",
            "grades", "userSourcedId", "roleType", "orgSourcedId", "metadata.rostergraph.clever",
            "metadata.rostergraph.userId", "birthDate", "sex", "white", "schoolYear", "endDate"]
_OR_CELLS = st.one_of(st.sampled_from(
    ["", "d1", "sA", "u1", "u2", "c1", "district", "school", "student", "teacher", "guardian",
     "administrator", "true", "tobedeleted", "primary", "sA,d1", "u1,u2", "{}", '{"roles": 1}',
     '{"roles": {"student": "x"}}', '{"id": 5}', "[1]", "KG", "2024-01-01"]),
    st.text(max_size=5))


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.dictionaries(
    st.sampled_from(["orgs.csv", "users.csv", "roles.csv", "classes.csv", "enrollments.csv",
                     "academicSessions.csv", "courses.csv", "demographics.csv",
                     "manifest.csv"]),
    st.tuples(st.lists(st.sampled_from(_OR_COLS), min_size=1, max_size=7, unique=True),
              st.lists(st.lists(_OR_CELLS, max_size=8), max_size=6)), max_size=6))
def test_any_bundle_reads_without_crashing(tmp_path: Path, files: dict) -> None:
    """Arbitrary OneRoster-shaped tables give a Roster with problems, never a crash."""
    import uuid

    d = tmp_path / uuid.uuid4().hex
    d.mkdir()
    files.setdefault("orgs.csv", (["sourcedId"], []))
    for name, (header, rows) in files.items():
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(header)
        for row in rows:
            w.writerow(row)
        (d / name).write_text(buf.getvalue(), encoding="utf-8")
    r = read_oneroster(d)
    rostergraph.RosterGraph.from_roster(r)
    read_oneroster(d, base=r)


_WS_ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
            "D1,,,District,district,,\nS1 ,,,North School,school,,D1\n")
_WS_USERS = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
             "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
             "password\n"
             "T1,,,true,S1 ,teacher,,,Ann,Lee,,,,,,,,\nU1,,,true,S1 ,student,,,Bo,Kim,,,,,,,05,\n")
_WS_CLASSES = ("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,"
               "location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
               "C1,,,Math,05,,,scheduled,,S1 ,,,,\n")
_WS_ENROLLMENTS = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
                   "userSourcedId,role,primary,beginDate,endDate\n"
                   "E1,,,C1,S1 ,T1,teacher,true,,\nE2,,,C1,S1 ,U1,student,false,,\n")


def test_an_id_with_a_trailing_space_means_the_same_org_in_every_column(tmp_path: Path) -> None:
    """An org whose ``sourcedId`` ends in a space (a padded SIS export) is the same org
    whether a class names it in ``schoolSourcedId`` or a user in ``orgSourcedIds``: the
    student attends the school of their class, so there is no cross-school pair and no
    reference to a missing school."""
    d = _write(tmp_path / "or", {"orgs.csv": _WS_ORGS, "users.csv": _WS_USERS,
                                 "classes.csv": _WS_CLASSES, "enrollments.csv": _WS_ENROLLMENTS})
    r = rostergraph.load(d)
    student = r.users["U1"].roles.student
    assert student is not None
    assert student.school == r.sections["C1"].school  # "S1" != "S1 " today
    g = rostergraph.RosterGraph.from_roster(r)
    assert len(rostergraph.cross_school_enrollments(g)) == 0
    assert not [f for f in rostergraph.validate(g).findings if f.rule == "RG-REF-001"]


def test_users_csv_without_its_role_column_is_a_problem(tmp_path: Path) -> None:
    """``users.csv`` whose header names ``Role`` instead of ``role`` gives users with no
    role: that loss is listed in ``problems`` naming the file, never silent."""
    users = _WS_USERS.replace("S1 ", "S1").replace(",role,", ",Role,")
    d = _write(tmp_path / "or", {"orgs.csv": _WS_ORGS.replace("S1 ", "S1"), "users.csv": users,
                                 "classes.csv": _WS_CLASSES.replace("S1 ", "S1"),
                                 "enrollments.csv": _WS_ENROLLMENTS.replace("S1 ", "S1")})
    r = rostergraph.load(d)
    assert any(p.file == "users.csv" and "role" in p.message for p in r.problems)


def test_course_of_an_undelivered_district_round_trips_without_new_extra(tmp_path: Path) -> None:
    """A course whose ``district`` has no record (legacy dumps and many API dumps send no
    district) is written with that id as ``orgSourcedId`` and reads back as the same
    record: no ``extra["oneroster.orgSourcedId"]`` appears."""
    from rostergraph.io.write_oneroster import write_oneroster

    src = tmp_path / "src"
    src.mkdir()
    (src / "schools.jsonl").write_text('{"id": "s1", "district": "d9", "name": "S"}\n')
    (src / "courses.jsonl").write_text('{"id": "c1", "district": "d9", "name": "Math"}\n')
    (src / "sections.jsonl").write_text('{"id": "x1", "school": "s1", "course": "c1"}\n')
    (src / "users.jsonl").write_text("")
    roster = rostergraph.load(src)
    write_oneroster(roster, tmp_path / "or")
    back = rostergraph.load(tmp_path / "or")
    assert back.courses["c1"].district == "d9"
    assert back.courses["c1"] == roster.courses["c1"]


def test_contact_of_a_student_id_with_an_edge_space_round_trips(tmp_path: Path) -> None:
    """A contact whose student's id ends in a space (which a OneRoster comma list cannot
    hold, so the writer carries the relationship in the extension) reads back as the same
    record, with no ``extra["oneroster.role"]`` added."""
    from rostergraph.io.write_oneroster import write_oneroster

    src = tmp_path / "src"
    src.mkdir()
    (src / "schools.jsonl").write_text('{"id": "s1", "name": "S"}\n')
    (src / "users.jsonl").write_text(
        '{"id": "st1 ", "roles": {"student": {"school": "s1", "schools": ["s1"]}}}\n'
        '{"id": "c1", "name": {"last": "Pat"}, "roles": {"contact": {"student_relationships":'
        ' [{"student": "st1 ", "relationship": "Parent", "type": "Parent/Guardian"}]}}}\n')
    roster = rostergraph.load(src)
    write_oneroster(roster, tmp_path / "or")
    back = rostergraph.load(tmp_path / "or")
    assert back.users["c1"] == roster.users["c1"]


def test_enrollment_role_in_another_case_is_not_lost_silently(tmp_path: Path) -> None:
    """An enrollment row whose role is ``Student`` (a hand-edited or vendor export) is
    either read as ``student`` or listed in ``problems`` with its file and line — it was
    left out with only a count in ``provenance.notes``, so the class lost its student."""
    enrollments = _WS_ENROLLMENTS.replace("S1 ", "S1").replace(",student,", ",Student,")
    d = _write(tmp_path / "or", {"orgs.csv": _WS_ORGS.replace("S1 ", "S1"),
                                 "users.csv": _WS_USERS.replace("S1 ", "S1"),
                                 "classes.csv": _WS_CLASSES.replace("S1 ", "S1"),
                                 "enrollments.csv": enrollments})
    r = rostergraph.load(d)
    assert r.sections["C1"].students == ("U1",)


def test_enrollment_dates_are_kept_on_their_sections(tmp_path: Path) -> None:
    """``beginDate``/``endDate`` values of enrollments.csv (a mid-year move), and a
    vendor's column, are kept on the enrollment's section (an enrollment is no record),
    for a clean file and for one with a bad row: one note names the columns and their
    rows, no problem; empty columns say nothing."""
    head = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,"
            "role,primary,beginDate,endDate,metadata.sis.seat\n")
    rows = ("e1,,,c1,sA,u1,student,,2024-08-19,2024-12-20,\n"
            "e2,,,c1,sA,u2,student,,2025-01-06,,\ne3,,,c1,sA,t1,teacher,true,,,A4\n")
    base = {"orgs.csv": _ORGS, "classes.csv": "sourcedId,title,schoolSourcedId\nc1,Math,sA\n",
            "users.csv": "sourcedId,role,orgSourcedIds\nu1,student,sA\nu2,student,sA\n"
                         "t1,teacher,sA\n"}
    for name, text in (("clean", rows), ("bad-row", rows + "e4,,,c1\n")):
        r = read_oneroster(_write(tmp_path / name, {**base, "enrollments.csv": head + text}))
        assert not [p for p in r.problems if p.line == 1 and p.file == "enrollments.csv"], name
        assert [n for n in r.provenance.notes if n.startswith("enrollments.csv: beginDate")] == [(
            "enrollments.csv: beginDate (2 rows), endDate (1 rows), metadata.sis.seat (1 rows) "
            "kept in their sections' extra 'oneroster.enrollmentCells' (an enrollment is no "
            "record)")], name
        assert r.sections["c1"].students == ("u1", "u2")
        assert r.sections["c1"].extra["oneroster.enrollmentCells"] == {
            "beginDate": {"student": {"2024-08-19": ["u1"], "2025-01-06": ["u2"]}},
            "endDate": {"student": {"2024-12-20": ["u1"]}},
            "metadata.sis.seat": {"teacher": {"A4": ["t1"]}}}, name
    r = read_oneroster(_write(tmp_path / "empty", {**base, "enrollments.csv": head + rows.replace(
        "2024-08-19,2024-12-20", ",").replace("2025-01-06,", ",").replace("A4", "")}))
    assert r.problems == [] and "oneroster.enrollmentCells" not in r.sections["c1"].extra


def test_users_csv_passwords_are_never_kept(tmp_path: Path) -> None:
    """A ``users.csv`` ``password`` is a login credential: it is not kept on the record (so
    no writer, export or report can carry it), and a note counts the passwords left out."""
    from rostergraph.io.write import write_clever_json
    from rostergraph.io.write_oneroster import write_oneroster

    src = _write(tmp_path / "b", {
        "manifest.csv": "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
                        "file.orgs,bulk\nfile.users,bulk\n",
        "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
                    "sc1,,,School,school,,\n",
        "users.csv": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,"
                     "username,userIds,givenName,familyName,middleName,identifier,email,sms,"
                     "phone,agentSourcedIds,grades,password\n"
                     "u1,,,true,sc1,student,u1,,A,B,,,,,,,09,pw-Secret-1\n"
                     "u2,,,true,sc1,teacher,u2,,C,D,,,,,,,,\n"
                     ",,,true,sc1,student,u3,,E,F,,,,,,,09,pw-Secret-1\n"})  # (no id)
    roster = rostergraph.load(src)
    assert set(roster.users) == {"u1", "u2"}
    assert [p.code for p in roster.problems] == ["no_id"] and roster.problems[0].raw
    assert all("pw-Secret-1" not in repr(p) for p in roster.problems)
    assert all("password" not in k for u in roster.users.values() for k in u.extra)
    assert "users.csv: 2 passwords not kept (login credentials are never stored)" in \
        roster.provenance.notes
    write_clever_json(roster, tmp_path / "json", jsonl=True)
    write_oneroster(roster, tmp_path / "or")
    for out in (tmp_path / "json", tmp_path / "or"):
        assert all(b"pw-Secret-1" not in f.read_bytes() for f in out.iterdir())


def test_users_parked_as_text_are_mended_when_added(tmp_path: Path) -> None:
    """A user the reader kept as text while reading the other files is still finished as
    any other: a contact's role with no relationship to say it kept in ``extra``, a
    phone the contact role took not kept twice, a guardian's role not added (every user
    here is parked between rows: see ``tests/conftest.py``)."""
    d = _write(tmp_path / "b", {
        "manifest.csv": "propertyName,value\noneroster.version,1.1\n",
        "orgs.csv": _ORGS,
        "users.csv": "sourcedId,role,orgSourcedIds,givenName,phone,agentSourcedIds\n"
                     "u1,student,sA,A,,\np1,parent,sA,P,555,\ng1,guardian,sA,G,,\n"
                     "r1,relative,sA,R,,u1\n"})
    users = rostergraph.load(d).users
    assert users["p1"].extra.get("oneroster.role") == "parent"
    assert "oneroster.role" not in users["g1"].extra  # (guardian: the default)
    assert "oneroster.role" not in users["r1"].extra  # (its relationship says it)
    assert "oneroster.phone" not in users["p1"].extra
    assert users["u1"].roles.student is not None


def test_an_enrollment_id_given_twice_keeps_only_its_first_row(tmp_path: Path) -> None:
    """A source's own enrollment ids are kept in their section's extra; an id given again
    on a later row is a problem, that row is not loaded, and its id is not kept for the
    later row's user (nor for a row of no class, user or role)."""
    d = _write(tmp_path / "b", {
        "manifest.csv": "propertyName,value\noneroster.version,1.1\n",
        "orgs.csv": _ORGS,
        "classes.csv": "sourcedId,title,courseSourcedId,schoolSourcedId,termSourcedIds\n"
                       "c1,Math,,sA,\n",
        "users.csv": "sourcedId,role,orgSourcedIds\nu1,student,sA\nu2,student,sA\n"
                     "t1,teacher,sA\n",
        "enrollments.csv": "sourcedId,classSourcedId,userSourcedId,role,primary\n"
                           "e1,c1,u1,student,\ne1,c1,u2,student,\ne2,zz,u2,student,\n"
                           "e3,c1,,student,\ne4,c1,t1,teacher,TRUE\n"})
    r = rostergraph.load(d)
    sec = r.sections["c1"]
    assert list(sec.students) == ["u1"] and list(sec.teachers) == ["t1"] and sec.teacher == "t1"
    assert sec.extra["oneroster.enrollmentIds"] == {"student": {"u1": "e1"},
                                                    "teacher": {"t1": "e4"}}
    assert ("enrollments.csv", 3, "duplicate_id") in {(p.file, p.line, p.code)
                                                       for p in r.problems}


def _one_class(folder: Path, users: str, enrollments: str) -> Path:
    """A 1.1 bundle of one school ``s1`` and one class ``k1`` there, with these users and
    enrollments."""
    return _write(folder, {
        "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
                    "s1,,,S,school,,\n",
        "classes.csv": "sourcedId,status,dateLastModified,title,grades,courseSourcedId,"
                       "classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,"
                       "subjectCodes,periods\nk1,,,Math,,,,scheduled,,s1,,,,\n",
        "users.csv": users, "enrollments.csv": enrollments})

def test_primary_teacher_is_first_whatever_the_enrollment_row_order(tmp_path: Path) -> None:
    """OneRoster enrollment rows have no order: the ``primary=true`` teacher is the
    section's ``teacher`` and the first of its ``teachers`` (Clever's "primary teacher will
    be the first id in the array"), so RG-SEC-002 does not call a valid class broken; a
    co-teacher's row before the primary's made ``teachers`` start with the co-teacher."""
    users = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
             "userIds,givenName,familyName,middleName,identifier,email,sms,phone,"
             "agentSourcedIds,grades,password\n"
             "t1,,,true,s1,teacher,,,,,,,,,,,,\nt2,,,true,s1,teacher,,,,,,,,,,,,\n"
             "t3,,,true,s1,teacher,,,,,,,,,,,,\nu1,,,true,s1,student,,,,,,,,,,,,\n")
    enr = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,"
           "role,primary,beginDate,endDate\n"
           "e1,,,k1,s1,t2,teacher,false,,\ne2,,,k1,s1,u1,student,false,,\n"
           "e3,,,k1,s1,t3,teacher,,,\ne4,,,k1,s1,t1,teacher,true,,\n")
    folder = _one_class(tmp_path / "or", users, enr)
    r = rostergraph.load(folder)
    sec = r.sections["k1"]
    assert (sec.teacher, sec.teachers) == ("t1", ("t1", "t2", "t3"))
    assert r.problems == []
    assert rostergraph.validate(r, select="RG-SEC-002").findings == []


@pytest.mark.parametrize("column_wise", [True, False])
def test_a_repeated_teacher_enrollment_marked_primary_makes_the_teacher_primary(
        tmp_path: Path, column_wise: bool) -> None:
    """A teacher enrolled twice in a class (two terms of dates), the later row
    ``primary=true``: that teacher is the class's primary (the repeat was skipped before its
    ``primary`` cell was read, so the class had no ``teacher`` and the co-teacher listed
    first was taken for the primary)."""
    users = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
             "userIds,givenName,familyName,middleName,identifier,email,sms,phone,"
             "agentSourcedIds,grades,password\n"
             "t1,,,true,s1,teacher,,,,,,,,,,,,\nt2,,,true,s1,teacher,,,,,,,,,,,,\n"
             "u1,,,true,s1,student,,,,,,,,,,,,\n")
    enr = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,"
           "role,primary,beginDate,endDate\n"
           "e1,,,k1,s1,t2,teacher,false,,\ne2,,,k1,s1,t1,teacher,false,,\n"
           "e3,,,k1,s1,u1,student,false,,\ne4,,,k1,s1,t1,teacher,true,,\n")
    if not column_wise:  # (a row that is not clean: the reader goes row by row)
        enr += "e5,,,k1,s1\n"
    folder = _one_class(tmp_path / "or", users, enr)
    sec = rostergraph.load(folder).sections["k1"]
    assert (sec.teacher, sec.teachers) == ("t1", ("t1", "t2"))


def test_a_status_column_of_the_manifest_is_no_record_status(tmp_path: Path) -> None:
    """``manifest.csv`` holds properties, not records: a ``status`` column beside
    ``propertyName`` and ``value`` (a sheet's own column) is not told as rows of a status
    OneRoster does not know (it was, when the manifest was read from whole columns), while
    a users.csv row marked ``deleted`` still is."""
    from tests.test_oneroster_variants import ORGS, USERS

    manifest = ("propertyName,value,status\nmanifest.version,1.0,checked\n"
                "oneroster.version,1.1,checked\nfile.orgs,bulk,\nfile.users,bulk,\n")
    users = USERS.replace("s1,active,", "s1,deleted,", 1)
    src = _write(tmp_path / "b", {"manifest.csv": manifest, "orgs.csv": ORGS,
                                  "users.csv": users})
    r = read_oneroster(src)
    told = [(p.file, p.line) for p in r.problems if p.field == "status"]
    line = next(k for k, x in enumerate(users.splitlines(), 1) if x.startswith("s1,"))
    assert told == [("users.csv", line)]
    assert "s1" in r.users and r.provenance.version == "1.1"
