"""Clever SFTP: a contact named by several students' rows (siblings sharing
``Contact_sis_id``) whose first row leaves a contact cell empty. An empty cell gives no
value, so a later row's value fills it (the later name, email and phone were lost: only
their column names were in a problem); two different values keep the first, and the
problem's ``raw`` holds the later row's contact cells, so no value is lost. A contact no
row gives a value for keeps its empty cells as given (``""``: SFTP has no null)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_csv_equivalence import assert_same
from tests.test_oneroster_variants import write

_STUDENTS = ("School_id,Student_id,First_name,Last_name,Contact_name,Contact_relationship,"
             "Contact_type,Contact_email,Contact_phone,Contact_sis_id\n"
             "sA,st1,Ann,Fake,,Parent,,,,C1\n"
             "sA,st2,Bo,Fake,Pat Fake,Parent,Parent/Guardian,pat@example.org,5550001,C1\n"
             "sA,st3,Cy,Fake,Pat Q Fake,Parent,Parent/Guardian,,,C1\n"
             "sA,st4,Di,Fake,,,,,,C2\n")
_FILES = {
    "schools.csv": "School_id,School_name\nsA,Alpha\n",
    "students.csv": _STUDENTS,
    "teachers.csv": "School_id,Teacher_id,First_name,Last_name\nsA,t1,Tia,Fake\n",
    "sections.csv": "School_id,Section_id,Teacher_id\nsA,se1,t1\n",
    "enrollments.csv": "School_id,Section_id,Student_id\nsA,se1,st1\n",
}


def test_an_empty_first_contact_value_is_filled_and_no_value_is_lost(tmp_path: Path) -> None:
    write(tmp_path, _FILES)
    r = assert_same("sftp", tmp_path)
    pat = r.users["sftp-contact:C1"]
    assert pat.name is not None and pat.name.last == "Pat Fake"
    assert pat.email == "pat@example.org" and pat.roles.contact is not None
    assert pat.roles.contact.phone == "5550001"
    rels = pat.roles.contact.student_relationships or ()
    assert [(x.student, x.type) for x in rels] == [
        ("st1", ""), ("st2", "Parent/Guardian"), ("st3", "Parent/Guardian")]
    said = [p for p in r.problems if p.file == "students.csv"]
    assert [(p.line, p.record_id, p.field) for p in said] == [
        (4, "sftp-contact:C1", "Contact_name")]  # (line 4's empty cells: no conflict)
    assert json.loads(said[0].raw or "")["Contact_name"] == "Pat Q Fake"
    di = r.users["sftp-contact:C2"]
    assert di.name is not None and di.name.last == "" and di.email == ""
