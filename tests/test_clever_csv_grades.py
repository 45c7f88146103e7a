"""Clever SFTP ``Grade`` (students.csv, sections.csv) and ``Low_grade``/``High_grade``
(schools.csv) are kept exactly as the SIS sent them: Clever's own grade values
(``InfantToddler``, ``Preschool``, ``PreKindergarten``, ``TransitionalKindergarten``,
``Kindergarten``, ``1`` … ``13``, ``PostGraduate``, ``Ungraded``, ``Other``: the grade enum
of the Clever API v3.0 schema) and the short forms SIS exports also hold (``K``, ``PK``,
``TK``, ``KG``, ``01``) alike, with no problem: the reader does not rewrite values, and
no load problem judges them. (The legacy Clever JSON reader maps ``K``/``PK``/``TK`` with
a problem; the OneRoster reader maps CEDS codes, whose meaning its spec fixes.)"""

from __future__ import annotations

from pathlib import Path

from tests.test_csv_equivalence import assert_same
from tests.test_oneroster_variants import write

GRADES = ["K", "PK", "TK", "KG", "Kindergarten", "PreKindergarten", "TransitionalKindergarten",
          "InfantToddler", "Preschool", "Ungraded", "Other", "PostGraduate", "01", "1", "09",
          "13", "", " 3 "]


def test_sftp_grades_are_kept_as_given(tmp_path: Path) -> None:
    students = "School_id,Student_id,First_name,Last_name,Grade\n" + "".join(
        f"sA,st{i},S,Fake,{g}\n" for i, g in enumerate(GRADES))
    files = {
        "schools.csv": "School_id,School_name,Low_grade,High_grade\nsA,Alpha,PK,05\n",
        "students.csv": students,
        "teachers.csv": "School_id,Teacher_id,First_name,Last_name\nsA,t1,Tia,Fake\n",
        "sections.csv": "School_id,Section_id,Teacher_id,Grade\nsA,se1,t1,K\nsA,se2,t1,01\n",
        "enrollments.csv": "School_id,Section_id,Student_id\nsA,se1,st0\nsA,se2,st12\n",
    }
    write(tmp_path, files)
    r = assert_same("sftp", tmp_path)
    got = []
    for i in range(len(GRADES)):
        student = r.users[f"st{i}"].roles.student
        assert student is not None
        got.append(student.grade)
    assert got == GRADES
    assert (r.sections["se1"].grade, r.sections["se2"].grade) == ("K", "01")
    assert (r.schools["sA"].low_grade, r.schools["sA"].high_grade) == ("PK", "05")
    assert not [p for p in r.problems if p.field and "rade" in p.field]
