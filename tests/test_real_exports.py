"""Shapes seen in real exports, each reproduced by a small hand-written fixture.

Fixtures live in tests/data/defects/ (see its README): invented ids and names,
the shape of the real files only.
"""

from __future__ import annotations

import json
from pathlib import Path

import rostergraph
from rostergraph import RosterGraph
from rostergraph import queries as q

DEFECTS = Path(__file__).parent / "data" / "defects"


def _reach(roster: rostergraph.Roster) -> set[tuple[str, str]]:
    return {(t, s) for t, s, _ in q.reach_pairs(RosterGraph.from_roster(roster))}


# --- legacy v1.1 sections with only `teacher` ---------------------------------------------


def test_legacy_sections_get_teachers_primary_first() -> None:
    """A v1.1 section with only `teacher` gets teachers=[teacher]; the primary moves first."""
    r = rostergraph.load(DEFECTS / "legacy-teacher-only")
    assert r.sections["sec1"].teachers == ("tea1",)
    assert r.sections["sec3"].teachers == ("tea1", "tea2")
    assert any("teachers" in n for n in r.provenance.notes)
    report = rostergraph.validate(r, select="RG-SEC-002")
    assert list(report.findings) == []


def test_legacy_teachers_survive_conversion(tmp_path: Path) -> None:
    """Converted to OneRoster (with and without extensions) and v3 JSON, reach is kept."""
    src = DEFECTS / "legacy-teacher-only"
    expect = _reach(rostergraph.load(src))
    assert expect
    for to, ext in (("oneroster", True), ("oneroster", False), ("clever-json", True)):
        out = tmp_path / f"{to}-{ext}"
        rostergraph.convert(src, out, to=to, extensions=ext)
        assert _reach(rostergraph.load(out)) == expect, (to, ext)
    body = json.loads((tmp_path / "clever-json-True" / "sections.json").read_text("utf-8"))
    by_id = {it["data"]["id"]: it["data"] for it in body["data"]}
    assert by_id["sec2"]["teachers"] == ["tea2"]


# --- Clever SFTP: header case, repeated teachers, dates ---------------------------------

SANDBOX = DEFECTS / "sftp-sandbox"


def test_sftp_header_in_another_case_is_read_with_a_problem() -> None:
    """`Dob` is read as `DOB` (into roles.student.dob), with one problem naming both."""
    r = rostergraph.load(SANDBOX)
    st = r.users["ST1"].roles.student
    assert st is not None and st.dob == "3/14/2013"
    assert not any(k.lower().endswith("dob") for k in st.extra)
    notes = [p for p in r.problems if p.field == "DOB" and p.line == 1]
    assert len(notes) == 1 and "'Dob'" in notes[0].message


def test_sftp_dob_in_another_case_reaches_oneroster_birthdate(tmp_path: Path) -> None:
    """Converted to OneRoster, the `Dob` column's dates are birthDate in ISO 8601."""
    rostergraph.convert(SANDBOX, tmp_path / "or", to="oneroster")
    rows = (tmp_path / "or" / "demographics.csv").read_text("utf-8").splitlines()
    birth = dict(line.split(",")[:4:3] for line in rows[1:])
    assert birth["ST1"] == "2013-03-14" and birth["ST2"] == "2012-11-02"
    assert birth["ST4"] == ""  # "not a date" never reaches an ISO column


def test_sftp_repeated_teacher_is_kept_once_with_a_finding() -> None:
    """A teacher in Teacher_id and again in Teacher_3_id/Teacher_4_id is listed once."""
    r = rostergraph.load(SANDBOX)
    assert r.sections["SE1"].teachers == ("TE1", "TE2")
    g = RosterGraph.from_roster(r)
    assert g.relation_counts()["teaches"] == 4  # SE1: 2, SE2: 1, SE3: 1
    found = rostergraph.validate(r, select="RG-LOAD-011").findings
    assert [f.values.get("field") for f in found] == ["Teacher_3_id", "Teacher_4_id"]


def test_sftp_repeated_teacher_survives_round_trip(tmp_path: Path) -> None:
    """Teacher links count the same after SFTP → OneRoster → SFTP and SFTP → v3 JSON."""
    before = RosterGraph.from_roster(rostergraph.load(SANDBOX)).relation_counts()["teaches"]
    rostergraph.convert(SANDBOX, tmp_path / "or", to="oneroster")
    rostergraph.convert(tmp_path / "or", tmp_path / "back", to="clever-csv")
    rostergraph.convert(SANDBOX, tmp_path / "js", to="clever-json")
    for out in ("or", "back", "js"):
        g = RosterGraph.from_roster(rostergraph.load(tmp_path / out))
        assert g.relation_counts()["teaches"] == before, out
    body = json.loads((tmp_path / "js" / "sections.json").read_text("utf-8"))
    assert {it["data"]["id"]: it["data"]["teachers"] for it in body["data"]}["SE1"] == [
        "TE1", "TE2"]


def test_sftp_two_digit_year_dates_are_dates() -> None:
    """`8/1/15` and `08/15/2015` parse; RG-TRM-002 calls none of the sandbox's terms wrong."""
    r = rostergraph.load(SANDBOX)
    starts = sorted(str(t.start_date_parsed) for t in r.terms.values())
    assert starts == ["2015-08-01", "2015-08-15"]
    assert list(rostergraph.validate(r, select="RG-TRM-002").findings) == []


def test_dates_are_iso_in_oneroster_and_v3_outputs(tmp_path: Path) -> None:
    """OneRoster startDate/endDate and v3 start_date/end_date are ISO 8601; the source form
    is carried in the extension column and restored on the way back."""
    rostergraph.convert(SANDBOX, tmp_path / "or", to="oneroster")
    text = (tmp_path / "or" / "academicSessions.csv").read_text("utf-8")
    assert "2015-08-01,2016-06-30" in text and ",8/1/15," not in text
    back = rostergraph.load(tmp_path / "or")
    assert sorted(t.start_date for t in back.terms.values()) == ["08/15/2015", "8/1/15"]
    rostergraph.convert(SANDBOX, tmp_path / "js", to="clever-json")
    terms = json.loads((tmp_path / "js" / "terms.json").read_text("utf-8"))["data"]
    assert sorted(t["data"]["start_date"] for t in terms) == ["2015-08-01", "2015-08-15"]


def test_unparseable_sftp_date_is_a_problem_and_kept() -> None:
    """A DOB that is no date is kept as given, with a problem naming the row."""
    r = rostergraph.load(SANDBOX)
    st = r.users["ST4"].roles.student
    assert st is not None and st.dob == "not a date"
    assert [p.line for p in r.problems if p.field == "DOB" and p.record_id == "ST4"] == [5]


# --- OneRoster: trailing empty header names, departments, primary, extensions -----------

TRAILING = DEFECTS / "oneroster-trailing-header"
LMS = DEFECTS / "oneroster-lms"


def test_oneroster_header_with_trailing_empty_names_loads_every_row() -> None:
    """users.csv/enrollments.csv headers ending in ",," with short rows: every row loads."""
    r = rostergraph.load(TRAILING)
    assert sorted(r.users) == ["U1", "U2", "U3"]
    assert r.sections["K1"].students == ("U1", "U2")
    assert r.sections["K1"].teacher == "U3"
    heads = [p for p in r.problems if p.line == 1 and "empty column name" in p.message]
    assert sorted(p.file for p in heads) == ["enrollments.csv", "users.csv"]
    assert {(t, s) for t, s, _ in q.reach_pairs(RosterGraph.from_roster(r))} == {
        ("U3", "U1"), ("U3", "U2")}


def test_rows_with_extra_empty_cells_are_one_warning_not_lost_records() -> None:
    """Ed-Fi's two teacher rows ending in "," give one RG-LOAD-009 warning, no RG-LOAD-001."""
    edfi = Path(__file__).parent / "data" / "public-samples" / "oneroster" / \
        "edfi-lms-toolkit-v1.1"
    report = rostergraph.validate(rostergraph.load(edfi), select="RG-LOAD")
    assert [f for f in report.findings if f.rule == "RG-LOAD-001"] == []
    padded = [f for f in report.findings if "empty cells past" in f.message]
    assert len(padded) == 1 and "2 rows" in padded[0].message


def test_department_org_maps_to_its_parent_school() -> None:
    """A class at a `department` org is taught at the department's school, not at a stub."""
    r = rostergraph.load(LMS)
    assert r.sections["K1"].school == "S1"
    assert r.sections["K1"].extra.get("oneroster_org") == "DEP1"
    teacher = r.users["U3"].roles.teacher
    assert teacher is not None and teacher.school == "S1"
    g = RosterGraph.from_roster(r)
    assert g.stub_counts()["school"] == 0
    assert any("department" in p.message and p.record_id == "DEP1" for p in r.problems)


def test_enrollment_in_a_tobedeleted_class_is_named_so() -> None:
    """The enrollment of a class left out as tobedeleted is not called an unknown class."""
    msgs = [p.message for p in rostergraph.load(LMS).problems if p.file == "enrollments.csv"]
    assert len(msgs) == 1
    assert "tobedeleted" in msgs[0] and "unknown class" not in msgs[0]


def test_sftp_writer_makes_the_first_listed_teacher_primary(tmp_path: Path) -> None:
    """No enrollment says primary: SFTP Teacher_id is the first listed teacher, not empty."""
    r = rostergraph.load(LMS)
    assert r.sections["K1"].teacher is None  # the source names no primary
    rostergraph.convert(LMS, tmp_path / "sftp", to="clever-csv", extensions=False)
    rows = (tmp_path / "sftp" / "sections.csv").read_text("utf-8").splitlines()
    head = rows[0].split(",")
    k1 = dict(zip(head, next(x for x in rows[1:] if "K1" in x.split(","))
                  .split(",")))
    assert k1["Teacher_id"] == "U3"
    assert k1.get("Teacher_2_id", "") == ""
    back = rostergraph.load(tmp_path / "sftp")
    assert back.sections["K1"].teachers == ("U3",)


def test_no_extensions_writes_only_standard_or_metadata_columns(tmp_path: Path) -> None:
    """`--no-extensions`: 1.1 users.csv has no `pronouns`/misspelt columns; the report says so."""
    report = rostergraph.convert(LMS, tmp_path / "or", to="oneroster", extensions=False)
    header = (tmp_path / "or" / "users.csv").read_text("utf-8").splitlines()[0].split(",")
    assert "pronouns" not in header and "prefferedGivenName" not in header
    dropped = {f for f, how in zip(report["field"].tolist(), report["how"].tolist())
               if how == "dropped"}
    assert any(f.startswith("pronouns") for f in dropped)
    assert any(f.startswith("prefferedGivenName") for f in dropped)
    rostergraph.convert(LMS, tmp_path / "ext", to="oneroster")  # with extensions: kept
    r = rostergraph.load(tmp_path / "ext")
    assert r.users["U1"].extra.get("oneroster.pronouns") == "she/her"


# --- messages -----------------------------------------------------------------------------


def test_grade_message_does_not_name_the_sections_own_grade_as_the_others() -> None:
    """RG-SEC-005 on a section whose students' grades are spread does not say 'most common'
    of its own grade as if it differed."""
    from rostergraph.model import Roles, Section, StudentRole, User
    from rostergraph.roster import Roster

    users = [User(id=f"u{i}", roles=Roles(student=StudentRole(grade=g)))
             for i, g in enumerate(["6", "6", "7", "8", "9"])]
    sec = Section(id="s1", grade="6", students=tuple(u.id for u in users))
    found = rostergraph.validate(Roster(sections=[sec], users=users),
                                 select="RG-SEC-005").findings
    assert len(found) == 1
    assert "most common '6'" not in found[0].message
    assert "section's own" in found[0].message


def test_missing_school_names_only_the_roles_the_user_holds(tmp_path: Path) -> None:
    """RG-REF-001 for a staff-only user's missing school names roles.staff.schools only."""
    src = Path(rostergraph.sample_path())
    for f in src.glob("*.json"):
        if f.name != "schools.json":
            (tmp_path / f.name).write_bytes(f.read_bytes())
    r = rostergraph.load(tmp_path)
    g = RosterGraph.from_roster(r)
    found = rostergraph.validate(r, select="RG-REF-001").findings
    works = [f for f in found if f.values.get("relation") == "works_at"]
    assert works
    for f in works:
        roles = g.role_names(g.index_of("user", f.ids[0]))
        assert ("roles.teacher" in f.values["field"]) == ("teacher" in roles)
        assert ("roles.staff" in f.values["field"]) == ("staff" in roles)


def test_user_without_role_is_not_called_a_multi_role_combination() -> None:
    """RG-USR-005's title covers users with no role; their message says 'no role'."""
    from rostergraph.model import User
    from rostergraph.roster import Roster

    report = rostergraph.validate(Roster(users=[User(id="u1")]), select="RG-USR-005")
    assert [f.message for f in report.findings] == ["user u1 has no role"]
    assert "no role" in rostergraph.RULES["RG-USR-005"].title


def test_oneroster_12_user_profiles_are_kept_without_passwords() -> None:
    """userProfiles.csv rows are kept in the user's extra, with a note; passwords are not."""
    r = rostergraph.load(TRAILING)
    profiles = r.users["U3"].extra.get("oneroster.userProfiles")
    assert profiles is not None and len(profiles) == 1
    assert profiles[0]["username"] == "u3.lms" and "password" not in profiles[0]
    assert any("userProfiles.csv" in n and "1 password not kept" in n
               for n in r.provenance.notes)
    assert not any("userProfiles.csv: not a roster file" in n for n in r.provenance.notes)
