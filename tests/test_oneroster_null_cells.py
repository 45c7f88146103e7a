"""A OneRoster reference cell holding the text ``NULL`` (how SQL exports write an empty
value) is an id like any other: it is kept as given, and the finding for the record it
fails to name says the id is that text."""

from __future__ import annotations

from pathlib import Path

import rostergraph
from tests.test_oneroster_variants import ENR_HEAD, ORGS, USERS, bundle


def test_a_null_reference_cell_is_kept_and_its_finding_says_so(tmp_path: Path) -> None:
    classes = ("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
               "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,"
               "periods\nc1,active,2024-01-01,Math,04,NULL,M-1,scheduled,,sA,null,,,1\n")
    users = USERS.replace("s2,active,2024-01-01,true,sA,", "s2,active,2024-01-01,true,NULL,")
    r = rostergraph.load(bundle(tmp_path / "b", orgs_csv=ORGS, classes_csv=classes,
                                users_csv=users,
                                enrollments_csv=ENR_HEAD + "e1,,,c1,sA,s1,student,,,\n"),
                         cache=False)
    assert (r.sections["c1"].course, r.sections["c1"].term_id) == ("NULL", "null")
    assert r.users["s2"].roles.student.school == "NULL"
    hint = "which has no record (the id is the text {}: an SQL export's empty value?)"
    got = {f.ids: f.message for f in rostergraph.validate(r, select="RG-REF-001").findings}
    assert got == {
        ("c1", "NULL"): "section c1: course refers to course NULL, " + hint.format("NULL"),
        ("c1", "null"): "section c1: term_id refers to term null, " + hint.format("null"),
        ("s2", "NULL"): ("user s2: roles.student.school/schools refers to school NULL, "
                         + hint.format("NULL"))}


def test_an_enrollment_of_class_null_says_the_cell_is_that_text(tmp_path: Path) -> None:
    """``classSourcedId`` ``NULL``: the enrollment of an unknown class is not loaded, as
    any other, and its problem says the id is the text NULL, on both paths through the
    file (a quoted cell reads the file row by row)."""
    for shape, rows in (("columns", "e1,,,NULL,sA,s1,student,,,\n"),
                        ("rows", 'e1,,,NULL,sA,s1,student,"",,\n')):
        r = rostergraph.load(bundle(tmp_path / shape, enrollments_csv=ENR_HEAD + rows),
                             cache=False)
        want = ("enrollment in unknown class 'NULL' (the id is the text NULL: an SQL "
                "export's empty value?); not loaded")
        assert [(p.file, p.line, p.message) for p in r.problems] == [
            ("enrollments.csv", 2, want)], shape
