"""Ids with spaces around them (a padded SIS export), in both CSV formats, as the readers
take them today:

- a record's own id (``sourcedId``, ``Student_id``, ``Section_id``, ...) is kept exactly as
  given, spaces included, with no problem (ids are strings compared exactly; a padded id
  breaks nothing as long as every reference spells it the same way);
- Clever SFTP: a reference cell that names a record only once spaces around ids are
  ignored names that record (as Clever matches them), with a problem keeping the cell as
  given;
- OneRoster: a list item (``orgSourcedIds``, ``termSourcedIds``) is stripped of the spaces
  around it unless only the item as written names a known id; a single-id cell
  (``schoolSourcedId``, ``classSourcedId``, ``userSourcedId``, ...) is taken as written, so
  one that names a record only without its spaces names none: an enrollment is then not
  loaded (a problem with its line and the row's text), a class's school is a reference to
  a missing record (RG-REF-001), and an enrollment naming the school without the spaces is
  at another school than its class's. Nothing is lost silently either way."""

from __future__ import annotations

import json
from pathlib import Path

import rostergraph
from tests.test_csv_equivalence import assert_same
from tests.test_oneroster_variants import CLASSES, ENR_HEAD, USERS, bundle, write


def test_oneroster_ids_with_spaces_are_kept_and_references_are_taken_as_written(
        tmp_path: Path) -> None:
    classes = CLASSES.replace("c2,active,2024-01-01,Art,04,,A-1,scheduled,,sA,",
                              "c2 ,active,2024-01-01,Art,04,,A-1,scheduled,,sA ,")
    users = USERS.replace("s2,active,2024-01-01,true,sA,", " s2,active,2024-01-01,true, sA,")
    enr = ENR_HEAD + ("e1,,,c2 ,sA, s2,student,,,\n"
                      "e2,,, c1,sA,s1,student,,,\n")
    r = assert_same("oneroster", bundle(tmp_path, classes_csv=classes, users_csv=users,
                                        enrollments_csv=enr))
    assert set(r.sections) == {"c1", "c2 "} and " s2" in r.users  # ids as given
    student = r.users[" s2"].roles.student
    assert student is not None and student.schools == ("sA",)  # a list item: stripped
    assert r.sections["c2 "].school == "sA "  # a single-id cell: as written
    assert r.sections["c2 "].students == (" s2",)
    said = [p for p in r.problems if p.file == "enrollments.csv"]
    assert [(p.line, p.record_id, p.field) for p in said] == [
        (2, "c2 ", "schoolSourcedId"),  # 'sA' is not the class's 'sA ', compared exactly
        (3, "e2", None)]  # ' c1': no such class
    assert json.loads(said[1].raw or "")["classSourcedId"] == " c1"
    assert not [p for p in r.problems if p.file in ("classes.csv", "users.csv")]
    refs = [f for f in rostergraph.validate(r).findings if f.rule == "RG-REF-001"]
    assert any("sA " in f.ids for f in refs)


def test_sftp_ids_with_spaces_are_kept_and_references_match_them(tmp_path: Path) -> None:
    files = {
        "schools.csv": "School_id,School_name\nsA,Alpha\n",
        "students.csv": "School_id,Student_id,First_name,Last_name\nsA, st1 ,Ann,Fake\n",
        "teachers.csv": "School_id,Teacher_id,First_name,Last_name\nsA,t1,Tia,Fake\n",
        "sections.csv": "School_id,Section_id,Teacher_id\nsA ,se1 ,t1\n",
        "enrollments.csv": "School_id,Section_id,Student_id\nsA,se1,st1\n",
    }
    write(tmp_path, files)
    r = assert_same("sftp", tmp_path)
    assert " st1 " in r.users and "se1 " in r.sections  # ids as given
    assert r.sections["se1 "].students == (" st1 ",) and r.sections["se1 "].school == "sA"
    said = {(p.file, p.line, p.field): p.raw for p in r.problems}
    assert said == {("sections.csv", 2, "School_id"): "sA ",
                    ("enrollments.csv", 2, "Section_id"): "se1",
                    ("enrollments.csv", 2, "Student_id"): "st1"}
