"""Clever SFTP CSV: one upload with the shapes real SIS exports have (people at several
schools, a teacher who is also staff, ten teachers on a section, contacts on several
rows, BOM and CRLF, quoted commas and line breaks, headers in another case, unknown
columns, header-only files) reads the same from its folder, from a zip of it, and from
what ``write_clever_csv(..., extensions=False)`` writes of it; values are kept as given."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.clever_csv import read_clever_csv
from rostergraph.io.write_sftp import write_clever_csv

_TEACHERS = ",".join(f"Teacher_{k}_id" for k in range(2, 11))
_FILES = {
    "schools.csv": "\ufeffSchool_id,School_name,School_number\r\n"
                   "sA,\"Alpha Elementary, North\",001\r\nsB,Beta,002\r\n",
    "students.csv": "school_id,student_id,First_name,Last_name,Grade,DOB,Student_email,Bus,"
                    "Contact_name,Contact_type,Contact_relationship,Contact_sis_id\n"
                    "sA,st1,Ann,Fake,Kindergarten,1/2/2019, Ann.Fake@Example.ORG ,7,"
                    "Pat Fake,Parent/Guardian,Parent,C1\n"
                    "sB,st1,Ann,Fake,Kindergarten,1/2/2019, Ann.Fake@Example.ORG ,7,"
                    "Gran Fake,Emergency,Grandparent,C2\n"
                    "sB,st2,Bo,Fake,PreKindergarten,2019-03-04,,,Pat Fake,Parent/Guardian,"
                    "Parent,C1\n"
                    "sA,st3,Cy,Fake,13,20000506,,,,,,\n"
                    "sA,st4,Di,Fake,PostGraduate,5/6/99,,,,,,\n"
                    "sA,st5,Ed,\"Fake\nJr\",Other,,,,,,,\n",
    "teachers.csv": "School_id,Teacher_id,First_name,Last_name,Teacher_email\n"
                    "sA,t1,Tia,Fake,Tia.Fake@Example.org\nsB,t1,Tia,Fake,Tia.Fake@Example.org\n"
                    + "".join(f"sA,t{k},T{k},Fake,t{k}@example.org\n" for k in range(2, 11)),
    "staff.csv": "School_id,Staff_id,Staff_email,First_name,Last_name,Role\n"
                 "sA,S9,sal@example.org,Sal,Fake,Counselor\nsB,S9,sal@example.org,Sal,Fake,"
                 "Counselor\n",
    "sections.csv": f"School_id,Section_id,Teacher_id,{_TEACHERS},Name,Course_name,"
                    "Course_number,Term_name,Term_start,Term_end,Room\n"
                    "sA,se1,t1," + ",".join(f"t{k}" for k in range(2, 11))
                    + ",Math,Algebra,MA1,Fall,08/19/2024,12/20/2024,B2\n"
                    "sB,se2,t1,,,,,,,,,,Art,Art,,,,2025-06-01,\n",
    "enrollments.csv": "School_id,Section_id,Student_id\r\nsA,se1,st1\r\nsA,se1,st2\r\n"
                       "sB,se2,st1\r\nsA,se1,st3\r\n",
    "admins.csv": "School_id,Staff_id,Admin_email,First_name,Last_name\n",
}


def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "upload"
    d.mkdir()
    for name, text in _FILES.items():
        (d / name).write_bytes(text.encode("utf-8"))
    return d


def test_values_are_kept_as_given(tmp_path: Path) -> None:
    """Emails (case, spaces), grades, dates and quoted text are what the cells say; the
    ten teachers keep their column order; people at several schools are one user."""
    r = read_clever_csv(_folder(tmp_path))
    assert r.users["st1"].email == " Ann.Fake@Example.ORG "
    assert r.users["t1"].email == "Tia.Fake@Example.org"
    assert [r.users[s].roles.student.grade for s in ("st1", "st2", "st3", "st4", "st5")] == [
        "Kindergarten", "PreKindergarten", "13", "PostGraduate", "Other"]
    assert [r.users[s].roles.student.dob for s in ("st1", "st2", "st3", "st4")] == [
        "1/2/2019", "2019-03-04", "20000506", "5/6/99"]
    assert r.users["st5"].name.last == "Fake\nJr"
    assert r.schools["sA"].name == "Alpha Elementary, North"
    assert r.users["st1"].roles.student.schools == ("sA", "sB")
    assert r.users["st1"].extra["sftp.Bus"] == "7"
    se1 = r.sections["se1"]
    assert se1.teacher == "t1" and se1.teachers == tuple(f"t{k}" for k in range(1, 11))
    assert r.users["S9"].roles.staff.schools == ("sA", "sB")
    assert {u for u in r.users if u.startswith("sftp-contact:")} == {
        "sftp-contact:C1", "sftp-contact:C2"}
    assert [p.field for p in r.problems] == ["School_id", "Student_id"]  # the header's case


@pytest.mark.parametrize("how", ["zip", "windows zip", "written"])
def test_folder_zip_and_written_copy_agree(tmp_path: Path, how: str) -> None:
    """The folder, a zip of it (its member names with ``/`` or, as some Windows tools write
    them, ``\\`` between folders), and the SFTP writer's standard files of it read back,
    through ``rostergraph.load``, to the same users, sections, terms, courses and schools
    (the writer reports nothing lost)."""
    d = _folder(tmp_path)
    a = read_clever_csv(d)
    if how.endswith("zip"):
        src = tmp_path / "upload.zip"
        sep = "\\" if how == "windows zip" else "/"
        with zipfile.ZipFile(src, "w") as zf:
            for p in sorted(d.iterdir()):
                zf.writestr(f"Export 2024{sep}upload{sep}{p.name}", p.read_bytes())
    else:
        src = tmp_path / "written"
        report = write_clever_csv(a, src, extensions=False)
        assert len(report) == 0
    b = rostergraph.load(src)
    assert b.provenance.format == "clever-csv"
    for kind in ("users", "sections", "terms", "courses", "schools"):
        assert a.records(kind) == b.records(kind), kind
    if how == "written":
        assert not b.problems  # the writer spells Clever's headers
