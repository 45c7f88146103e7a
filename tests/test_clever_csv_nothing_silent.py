"""Clever SFTP CSV: values a later row gives differently, and rows that are not loaded,
are problems naming the file and line (with the row's text when the row is not loaded),
never lost silently; ``strict=True`` raises where these are problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.clever_csv import course_id, read_clever_csv
from tests.test_csv_equivalence import assert_same
from tests.test_oneroster_variants import write

_BASE = {
    "schools.csv": "School_id,School_name\nsA,Alpha\nsB,Beta\n",
    "students.csv": "School_id,Student_id,First_name,Last_name\nsA,st1,Ann,Fake\n",
    "teachers.csv": "School_id,Teacher_id,First_name,Last_name,Teacher_email\n"
                    "sA,t1,Tia,Fake,tia@example.org\n",
    "sections.csv": "School_id,Section_id,Teacher_id,Name\nsA,se1,t1,Math\n",
    "enrollments.csv": "School_id,Section_id,Student_id\nsA,se1,st1\n",
}


def _folder(tmp_path: Path, **files: str) -> Path:
    return write(tmp_path / "sftp", {**_BASE, **files})


def _said(r: rostergraph.Roster, file: str) -> list[tuple[int | None, str | None, str | None]]:
    return [(p.line, p.field, p.record_id) for p in r.problems if p.file == file]


def _strict_raises(d: Path) -> None:
    with pytest.raises(rostergraph.FormatError):
        read_clever_csv(d, strict=True)


def test_a_contact_shared_by_sis_id_with_other_values_is_a_problem(tmp_path: Path) -> None:
    """Siblings' rows name one contact by ``Contact_sis_id``; a row that gives it another
    name, email, phone or phone type keeps the first row's values (one contact), and says
    so at its line, naming the columns."""
    students = ("School_id,Student_id,First_name,Last_name,Contact_type,Contact_name,"
                "Contact_relationship,Contact_phone,Contact_phone_type,Contact_email,"
                "Contact_sis_id\n"
                "sA,st1,Ann,Fake,Parent/Guardian,Pat Fake,Parent,5550001111,Cell,"
                "pat@example.org,C1\n"
                "sA,st2,Bo,Fake,Parent/Guardian,Pat Fake,Parent,5550001111,Cell,"
                "pat@example.org,C1\n"
                "sA,st3,Cy,Fake,Parent/Guardian,Patricia Fake,Parent,5550009999,Home,"
                "PAT@example.org,C1\n")
    d = _folder(tmp_path, **{"students.csv": students})
    r = read_clever_csv(d)
    pat = r.users["sftp-contact:C1"]
    assert pat.name.last == "Pat Fake" and pat.email == "pat@example.org"
    assert pat.roles.contact.phone == "5550001111" and pat.roles.contact.phone_type == "Cell"
    assert [x.student for x in pat.roles.contact.student_relationships] == ["st1", "st2", "st3"]
    said = [p for p in r.problems if p.file == "students.csv"]
    assert [(p.line, p.record_id) for p in said] == [(4, "sftp-contact:C1")]
    for col in ("Contact_name", "Contact_email", "Contact_phone", "Contact_phone_type"):
        assert col in said[0].message
    assert "line 2" in said[0].message  # where the values kept were read
    _strict_raises(d)


def test_a_second_relationship_of_one_contact_to_one_student_is_a_problem(
        tmp_path: Path) -> None:
    """A student's rows (one per contact) that name the same contact twice with another
    relationship or type: the first relationship is kept, the other is a problem."""
    students = ("School_id,Student_id,First_name,Contact_name,Contact_relationship,"
                "Contact_type,Contact_sis_id\n"
                "sA,st1,Ann,Pat Fake,Parent,Parent/Guardian,C1\n"
                "sA,st1,Ann,Pat Fake,Parent,Emergency,C1\n")
    d = _folder(tmp_path, **{"students.csv": students})
    r = read_clever_csv(d)
    rels = r.users["sftp-contact:C1"].roles.contact.student_relationships
    assert [(x.student, x.relationship, x.type) for x in rels] == [
        ("st1", "Parent", "Parent/Guardian")]
    said = [p for p in r.problems if p.file == "students.csv"]
    assert [(p.line, p.record_id, p.field) for p in said] == [
        (3, "sftp-contact:C1", "Contact_type")]
    assert "'Emergency'" in said[0].message
    _strict_raises(d)


def test_same_contact_on_every_row_of_a_student_is_no_problem(tmp_path: Path) -> None:
    """A student at two schools (two rows) with the same contact on each: one contact,
    one relationship, nothing to report."""
    students = ("School_id,Student_id,First_name,Contact_name,Contact_relationship,"
                "Contact_type,Contact_sis_id\n"
                "sA,st1,Ann,Pat Fake,Parent,Parent/Guardian,C1\n"
                "sB,st1,Ann,Pat Fake,Parent,Parent/Guardian,C1\n")
    r = read_clever_csv(_folder(tmp_path, **{"students.csv": students}))
    assert len(r.users["sftp-contact:C1"].roles.contact.student_relationships) == 1
    assert not r.problems


def test_a_staff_members_later_row_stays_with_the_teacher_it_merged_into(
        tmp_path: Path) -> None:
    """A staff member merged into a teacher by email at its first row is that user on its
    later rows too (one Staff_id is one record), even when a later row's Staff_email is
    empty: the school and role join the teacher's staff role, and the other email is a
    problem. It was split off as another user ``S1`` silently."""
    staff = ("School_id,Staff_id,Staff_email,First_name,Last_name,Role\n"
             "sA,S1,tia@example.org,Tia,Fake,Coach\n"
             "sB,S1,,Tia,Fake,Principal\n")
    d = _folder(tmp_path, **{"staff.csv": staff})
    r = read_clever_csv(d)
    assert "S1" not in r.users
    st = r.users["t1"].roles.staff
    assert st.staff_id == "S1" and st.schools == ("sA", "sB")
    assert st.roles == ("Coach", "Principal")
    assert r.users["t1"].email == "tia@example.org"
    assert _said(r, "staff.csv") == [(3, "Staff_email", "t1")]
    _strict_raises(d)


def test_course_description_that_differs_or_has_no_course_is_a_problem(
        tmp_path: Path) -> None:
    """Sections sharing a course (same Course_number) keep the first row's
    ``Course_description``; another description is a problem at its line. A description
    on a row without ``Course_name`` (Clever builds no course) is a problem too."""
    sections = ("School_id,Section_id,Teacher_id,Name,Course_name,Course_number,"
                "Course_description\n"
                "sA,se1,t1,Math,Algebra,MA1,Equations\n"
                "sA,se2,t1,Math,Algebra,MA1,Equations\n"
                "sA,se3,t1,Math,Algebra,MA1,Intro to algebra\n"
                "sA,se4,t1,Math,,,Orphan text\n")
    d = _folder(tmp_path, **{"sections.csv": sections})
    r = read_clever_csv(d)
    ma1 = course_id("Algebra", "MA1")
    assert r.courses[ma1].extra["sftp.Course_description"] == "Equations"
    assert r.sections["se4"].course is None and "se4" in r.sections
    assert _said(r, "sections.csv") == [(4, "Course_description", ma1),
                                        (5, "Course_description", "se4")]
    _strict_raises(d)


def test_rows_without_their_id_keep_their_text_but_no_password(tmp_path: Path) -> None:
    """A row with an empty id is not loaded: its problem names file and line and keeps the
    row's text (without the Password cell, a login credential never kept)."""
    students = ("School_id,Student_id,First_name,Last_name,Password\n"
                "sA,st1,Ann,Fake,pw-one\nsA,,Bo,Fake,pw-two\n")
    teachers = "School_id,Teacher_id,First_name,Last_name\nsA,,Tom,Fake\nsA,t1,Tia,Fake\n"
    d = _folder(tmp_path, **{"students.csv": students, "teachers.csv": teachers})
    r = read_clever_csv(d)
    got = {(p.file, p.line): p for p in r.problems if p.code == "no_id"}
    assert set(got) == {("students.csv", 3), ("teachers.csv", 2)}
    assert json.loads(got[("students.csv", 3)].raw) == {
        "School_id": "sA", "Student_id": "", "First_name": "Bo", "Last_name": "Fake"}
    assert json.loads(got[("teachers.csv", 2)].raw)["First_name"] == "Tom"
    assert not any("pw-" in (p.raw or "") + p.message for p in r.problems)


def test_a_duplicate_section_row_keeps_its_text(tmp_path: Path) -> None:
    """A section repeated with other values (another term) is a duplicate: the first row
    is kept and the second row's text is in the problem, as for a duplicate school."""
    sections = ("School_id,Section_id,Teacher_id,Name,Term_name\n"
                "sA,se1,t1,Math,Fall\nsA,se1,t1,Math,Spring\n")
    r = read_clever_csv(_folder(tmp_path, **{"sections.csv": sections}))
    (dup,) = [p for p in r.problems if p.code == "duplicate_id"]
    assert (dup.file, dup.line, dup.record_id) == ("sections.csv", 3, "se1")
    assert json.loads(dup.raw)["Term_name"] == "Spring"
    assert r.terms[r.sections["se1"].term_id].name == "Fall"


def test_a_students_later_row_fills_empty_cells_and_keeps_its_other_values(
        tmp_path: Path) -> None:
    """A student on two rows (two schools): a cell the first row leaves empty takes the
    later row's value (an empty cell gives no value), and a later value that differs from
    the one kept is a problem whose ``raw`` holds the later row, so nothing is lost (the
    later email was dropped and its conflicting name named only by column)."""
    students = ("School_id,Student_id,First_name,Last_name,Student_email,Grade,Frl\n"
                "sA,st1,Ann,Fake,,4,\n"
                "sB,st1,Ann,Faux,ann@example.org,4,Y\n")
    d = _folder(tmp_path, **{"students.csv": students})
    r = assert_same("sftp", d)  # (the row-by-row oracle reads it the same)
    u = r.users["st1"]
    assert u.email == "ann@example.org" and u.name.last == "Fake"
    assert u.roles.student.schools == ("sA", "sB")
    assert _said(r, "students.csv") == [(3, "Last_name", "st1")]
    p = next(p for p in r.problems if p.file == "students.csv")
    assert json.loads(p.raw or "{}")["Last_name"] == "Faux"
    _strict_raises(d)
