"""Clever SFTP: a staff row merges into the teacher with the same email (Clever merges
employees by email: "Users are merged across employees of a district", Clever's data model
quirks). Emails are kept and compared as the SIS sent them ("There isn't a normalization of
email format"): an email that is a teacher's only in another case is not merged, since a
wrong merge would give one person another's access, but it is a problem naming both ids
(never the email), so the near miss is not silent."""

from __future__ import annotations

from pathlib import Path

from tests.test_csv_equivalence import assert_same
from tests.test_oneroster_variants import write

_FILES = {
    "schools.csv": "School_id,School_name\nsA,Alpha\n",
    "students.csv": "School_id,Student_id,First_name,Last_name\nsA,st1,Ann,Fake\n",
    "teachers.csv": "School_id,Teacher_id,First_name,Last_name,Teacher_email\n"
                    "sA,t1,Tia,Fake,Tia.Fake@Example.org\nsA,t2,Tob,Fake,tob@example.org\n",
    "staff.csv": "School_id,Staff_id,Staff_email,First_name,Last_name\n"
                 "sA,f1,tia.fake@example.org,Tia,Fake\nsA,f2,tob@example.org,Tob,Fake\n"
                 "sA,f1,tia.fake@example.org,Tia,Fake\n",
    "sections.csv": "School_id,Section_id,Teacher_id,Name\nsA,se1,t1,Math\n",
    "enrollments.csv": "School_id,Section_id,Student_id\nsA,se1,st1\n",
}


def test_an_email_that_differs_only_in_case_is_not_merged_but_said(tmp_path: Path) -> None:
    write(tmp_path, _FILES)
    r = assert_same("sftp", tmp_path)
    assert r.users["t2"].roles.names == ("teacher", "staff")  # the same email: merged
    assert "f2" not in r.users
    assert r.users["t1"].roles.names == ("teacher",)
    assert r.users["f1"].roles.names == ("staff",)
    assert r.users["f1"].email == "tia.fake@example.org"  # as given
    said = [p for p in r.problems if p.file == "staff.csv"]
    assert [(p.line, p.record_id, p.field) for p in said] == [(2, "f1", "Staff_email")]
    assert "'t1'" in said[0].message and "@" not in said[0].message


def test_an_email_that_differs_only_in_spaces_around_it_is_not_merged_but_said(
        tmp_path: Path) -> None:
    """A teacher's email with a space after it (a padded SIS cell) and the staff row's
    without, or the other way round: not merged either (Clever keeps emails as given),
    and told as a case-only difference is; it was two users without a word (RG-USR-002
    compares exact emails, so nothing else saw it)."""
    files = dict(_FILES)
    files["teachers.csv"] = ("School_id,Teacher_id,First_name,Last_name,Teacher_email\n"
                             "sA,t1,Tia,Fake,tia@example.org \nsA,t2,Tob,Fake,tob@example.org\n")
    files["staff.csv"] = ("School_id,Staff_id,Staff_email,First_name,Last_name\n"
                          "sA,f1,tia@example.org,Tia,Fake\nsA,f2, TOB@example.org,Tob,Fake\n")
    write(tmp_path, files)
    r = assert_same("sftp", tmp_path)
    assert r.users["f1"].roles.names == ("staff",) and r.users["f2"].roles.names == ("staff",)
    said = [p for p in r.problems if p.file == "staff.csv"]
    assert [(p.line, p.record_id, p.field) for p in said] == [(2, "f1", "Staff_email"),
                                                              (3, "f2", "Staff_email")]
    assert "'t1'" in said[0].message and "spaces" in said[0].message
    assert not any("@" in p.message for p in said)
