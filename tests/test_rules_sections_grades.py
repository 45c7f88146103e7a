"""RG-SEC-005 (rostergraph/rules/sections.py) compares grades by what they mean, not by how
they are spelled: Clever's grade values (the Clever data model: ``Kindergarten``, ``1`` …
``13``, ``Ungraded`` …), the OneRoster v1.1 CSV / CEDS codes (``KG``, ``01`` … ``13``,
``UG`` …) and the short forms Clever's older API sent (``K``, ``PreK``) name the same grade.
The records keep the grades as the SIS sent them; only the comparison is normalized, and the
message shows the values as given."""

from __future__ import annotations

from pathlib import Path

import rostergraph
from rostergraph.io.mapping import CEDS_TO_CLEVER

from .test_oneroster_variants import write


def _sftp(folder: Path, section_grade: str, student_grades: list[str]) -> Path:
    """A Clever SFTP CSV folder: one section (``se1``, grade ``section_grade``) whose students
    have ``student_grades`` (the reader keeps grades exactly as written)."""
    students = "School_id,Student_id,First_name,Last_name,Grade\n" + "".join(
        f"sA,st{i},S,Fake,{g}\n" for i, g in enumerate(student_grades))
    enrollments = "School_id,Section_id,Student_id\n" + "".join(
        f"sA,se1,st{i}\n" for i in range(len(student_grades)))
    return write(folder, {
        "schools.csv": "School_id,School_name\nsA,Alpha\n",
        "students.csv": students,
        "teachers.csv": "School_id,Teacher_id,First_name,Last_name\nsA,t1,Tia,Fake\n",
        "sections.csv": f"School_id,Section_id,Teacher_id,Grade\nsA,se1,t1,{section_grade}\n",
        "enrollments.csv": enrollments,
    })


def _findings(folder: Path) -> list[rostergraph.rules.Finding]:
    return list(rostergraph.validate(rostergraph.load(folder), select="RG-SEC-005").findings)


def test_kindergarten_spellings_are_one_grade(tmp_path: Path) -> None:
    """A "Kindergarten" section whose students are all "K" or "KG" is in its grade; the
    grades stay as given on the records."""
    folder = _sftp(tmp_path / "k", "Kindergarten", ["K", "KG", "KG", "Kindergarten"])
    assert _findings(folder) == []
    r = rostergraph.load(folder)
    assert r.sections["se1"].grade == "Kindergarten"
    got = []
    for i in range(4):
        student = r.users[f"st{i}"].roles.student
        assert student is not None
        got.append(student.grade)
    assert got == ["K", "KG", "KG", "Kindergarten"]


def test_leading_zero_is_the_same_grade(tmp_path: Path) -> None:
    """Section "1" with students "01" (CEDS) does not fire, nor section "09" with "9"."""
    assert _findings(_sftp(tmp_path / "a", "1", ["01", "01", "1"])) == []
    assert _findings(_sftp(tmp_path / "b", "09", ["9", "9", "09"])) == []


def test_other_grades_still_fire_and_show_the_values_as_given(tmp_path: Path) -> None:
    """A "KG" section whose students are mostly in grade 1 (as "01" and "1") fires; the
    message shows the section's "KG" and the students' most common spelling ("01": two of
    three), the counts treat "01" and "1" as one grade."""
    (f,) = _findings(_sftp(tmp_path, "KG", ["01", "01", "1", "Kindergarten"]))
    assert f.message == ("section se1 has grade 'KG' but 3 of 4 students with a grade are "
                         "in another grade (most common '01')")
    assert dict(f.values) == {"grade": "KG", "students_grade": "01",
                              "students_matching": 1, "students_with_grade": 4}


def test_spelling_tie_goes_to_string_order(tmp_path: Path) -> None:
    """Two spellings of the most common grade, as many students each: the message names the
    first in string order ("01" before "1"), whatever the students' order."""
    for n, order in enumerate((["1", "01", "1", "01", "3"], ["01", "1", "01", "1", "3"])):
        (f,) = _findings(_sftp(tmp_path / str(n), "3", order))
        assert f.values["students_grade"] == "01"
        assert "(most common '01')" in f.message


def test_spread_names_the_sections_own_grade_as_given(tmp_path: Path) -> None:
    """Students spread over grades, the most common being the section's own under another
    spelling: the message says so, with the section's spelling; the students' most common
    spelling is in the values."""
    (f,) = _findings(_sftp(tmp_path, "Kindergarten", ["KG", "KG", "1", "2", "PK"]))
    assert f.message.endswith("(spread over several grades; the most common single grade is "
                              "the section's own, 'Kindergarten')")
    assert f.values["students_grade"] == "KG" and f.values["students_matching"] == 2


def test_oneroster_non_specific_codes_are_not_judged(tmp_path: Path) -> None:
    """A section "UG" (OneRoster's Ungraded) is not judged, as "Ungraded" and "Other" are
    not; a student's "UG" counts as a grade, the same one as "Ungraded"."""
    assert _findings(_sftp(tmp_path / "ug", "UG", ["3", "4", "5"])) == []
    assert _findings(_sftp(tmp_path / "other", "Other", ["3", "4", "5"])) == []
    (f,) = _findings(_sftp(tmp_path / "stu", "3", ["UG", "Ungraded", "3"]))
    assert f.values["students_grade"] == "UG" and f.values["students_matching"] == 1


def test_grade_key_covers_the_ceds_codes() -> None:
    """Every OneRoster (CEDS) grade code keys as the Clever value the OneRoster reader maps it
    to; unknown spellings key as themselves (they are compared exactly)."""
    from rostergraph.rules.sections import grade_key

    for code, clever in CEDS_TO_CLEVER.items():
        assert grade_key(code) == grade_key(clever) == clever
    assert grade_key("K") == grade_key("KG") and grade_key("PreK") == grade_key("PK")
    assert grade_key("K") == "Kindergarten" and grade_key("PreK") == "PreKindergarten"
    assert grade_key(" 3 ") == " 3 " and grade_key("kindergarten") == "kindergarten"
    assert grade_key("1st") == "1st" and grade_key("0") == "0"


def test_the_per_record_oracle_agrees(tmp_path: Path) -> None:
    """The rule's findings equal those of its independent per-record reading
    (tests/rule_oracle_more.py) on sections of mixed spellings."""
    from . import rule_oracle_more as oracle

    cases = [("Kindergarten", ["K", "KG"]), ("KG", ["01", "1", "1", "01", "KG"]),
             ("3", ["1", "01", "1", "01", "3"]), ("PK", ["PreK", "KG", "K", "TK", "PK"]),
             ("07", ["7", "8", "08", "UG"]), ("UG", ["1", "2"]), ("1st", ["1", "1st", "01"])]
    fired = 0
    for n, (section, students) in enumerate(cases):
        folder = _sftp(tmp_path / str(n), section, students)
        rows = [(f.rule, f.kind, f.ids, f.message, dict(f.values)) for f in _findings(folder)]
        want = [row for row in oracle.all_rules(rostergraph.load(folder))
                if row[0] == "RG-SEC-005"]
        assert rows == want, (section, students)
        fired += len(rows)
    assert fired == 5  # all but "Kindergarten" and "UG"


def _oneroster(folder: Path, class_grades: str, student_grades: list[str]) -> Path:
    """A OneRoster 1.1 bundle: one class ``c1`` whose ``grades`` cell is ``class_grades``
    (a list such as ``09,10,11``, as a class for several grades is written), with one student
    per grade of ``student_grades``."""
    users = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
             "userIds,givenName,familyName,middleName,identifier,email,sms,phone,"
             "agentSourcedIds,grades,password\n"
             "t1,,,true,s1,teacher,t1,,Tia,Fake,,,,,,,,\n") + "".join(
        f"u{i},,,true,s1,student,u{i},,S,Fake,,,,,,,{g},\n"
        for i, g in enumerate(student_grades))
    enrollments = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
                   "userSourcedId,role,primary,beginDate,endDate\ne0,,,c1,s1,t1,teacher,true,,\n"
                   ) + "".join(f"e{i + 1},,,c1,s1,u{i},student,false,,\n"
                               for i in range(len(student_grades)))
    return write(folder, {
        "manifest.csv": ("propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
                         "file.orgs,bulk\nfile.users,bulk\nfile.classes,bulk\n"
                         "file.enrollments,bulk\n"),
        "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
                    "s1,,,High,school,,\n",
        "users.csv": users,
        "classes.csv": ("sourcedId,status,dateLastModified,title,grades,courseSourcedId,"
                        "classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,"
                        f"subjectCodes,periods\nc1,,,Combined,\"{class_grades}\",,,scheduled,,s1,"
                        ",,,\n"),
        "enrollments.csv": enrollments,
    })


def test_class_for_several_grades_matches_each_of_them(tmp_path: Path) -> None:
    """A OneRoster class for grades 9 to 11 (``grades`` "09,10,11", spec-valid and common
    for electives and combined classes) whose students are in grades 10 and 11 is in its
    grades: the section's ``grade`` is the first listed, but its students are compared
    with every grade listed."""
    folder = _oneroster(tmp_path, "09,10,11", ["10", "11", "11"])
    r = rostergraph.load(folder)
    assert r.sections["c1"].grade == "9"
    assert r.sections["c1"].extra["oneroster.grades"] == "09,10,11"
    assert _findings(folder) == []
    # the same grades in another order, Kindergarten spelled as CEDS does
    assert _findings(_oneroster(tmp_path / "k", "01,KG", ["K", "Kindergarten", "1"])) == []


def test_class_for_several_grades_fires_when_most_are_in_none(tmp_path: Path) -> None:
    """Most students in none of the listed grades: the finding names the whole cell."""
    (f,) = _findings(_oneroster(tmp_path, "09,10", ["10", "11", "12", "12"]))
    assert f.message == ("section c1 has grades '09,10' but 3 of 4 students with a grade "
                         "are in another grade (most common '12')")
    assert dict(f.values) == {"grade": "9", "students_grade": "12",
                              "students_matching": 1, "students_with_grade": 4}
    # the most common single grade one of the class's own, the rest spread out
    (f,) = _findings(_oneroster(tmp_path / "spread", "09,10",
                                ["10", "10", "10", "11", "12", "5", "6"]))
    assert f.message.endswith("(spread over several grades; the most common single grade "
                              "is one of the section's, '10')")


def test_several_grades_the_per_record_oracle_agrees(tmp_path: Path) -> None:
    """The rule and its per-record oracle agree on classes listing several grades."""
    from . import rule_oracle_more as oracle

    cases = [("09,10,11", ["10", "11", "11"]), ("09,10", ["10", "11", "12", "12"]),
             ("09,10", ["10", "10", "10", "11", "12", "5", "6"]), ("KG,01", ["2", "3", "K"]),
             ("10", ["11", "12"])]
    fired = 0
    for n, (grades, students) in enumerate(cases):
        folder = _oneroster(tmp_path / str(n), grades, students)
        rows = [(f.rule, f.kind, f.ids, f.message, dict(f.values)) for f in _findings(folder)]
        want = [row for row in oracle.all_rules(rostergraph.load(folder))
                if row[0] == "RG-SEC-005"]
        assert rows == want, (grades, students)
        fired += len(rows)
    assert fired == 4  # all but the first
