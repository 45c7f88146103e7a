"""OneRoster 1.0 column names under a 1.1 manifest (older SIS exporters kept them): users'
``agents``, ``userId`` and ``grade``, classes' ``grade`` and ``termSourcedId``, courses'
``grade`` and ``schoolYearId``. Each is read as the 1.1 column it became, with one problem
per column naming both; the student's grade, the contact's students and the class's term
were lost without a word (the cells stayed only in ``extra``)."""

from __future__ import annotations

from pathlib import Path

import rostergraph

MANIFEST = ("propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
            "file.orgs,bulk\nfile.academicSessions,bulk\nfile.courses,bulk\nfile.classes,bulk\n"
            "file.users,bulk\nfile.enrollments,bulk\n")
ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
        "d1,,,District,district,,\nsA,,,School A,school,,d1\n")
SESSIONS = ("sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,"
            "schoolYear\ny1,,,2024-25,schoolYear,2024-08-01,2025-06-30,,2025\n"
            "f1,,,Fall,term,2024-08-01,2024-12-20,y1,2025\n")


def bundle(folder: Path, old: bool) -> Path:
    def name(new: str, was: str) -> str:
        return was if old else new

    files = {
        "manifest.csv": MANIFEST, "orgs.csv": ORGS, "academicSessions.csv": SESSIONS,
        "courses.csv": (f"sourcedId,status,dateLastModified,{name('schoolYearSourcedId', 'schoolYearId')},"
                        f"title,courseCode,{name('grades', 'grade')},orgSourcedId,subjects\n"
                        "k1,,,y1,Math,M,04,d1,math\n"),
        "classes.csv": (f"sourcedId,status,dateLastModified,title,{name('grades', 'grade')},"
                        "courseSourcedId,classCode,classType,location,schoolSourcedId,"
                        f"{name('termSourcedIds', 'termSourcedId')},subjects\n"
                        "c1,,,Math 4,04,k1,M-1,scheduled,,sA,f1,math\n"),
        "users.csv": (f"sourcedId,status,dateLastModified,orgSourcedIds,role,username,"
                      f"{name('userIds', 'userId')},givenName,familyName,identifier,email,sms,"
                      f"phone,{name('agentSourcedIds', 'agents')},{name('grades', 'grade')}\n"
                      "t1,,,sA,teacher,t1,,Tea,Cher,T1,,,,,\n"
                      "s1,,,sA,student,s1,{SIS:1},Stu,Dent,S1,,,,p1,04\n"
                      "p1,,,sA,parent,p1,,Pa,Rent,P1,,,,s1,\n"),
        "enrollments.csv": ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
                            "userSourcedId,role,primary\n"
                            "e1,,,c1,sA,t1,teacher,true\ne2,,,c1,sA,s1,student,false\n"),
    }
    folder.mkdir()
    for file, text in files.items():
        (folder / file).write_text(text)
    return folder


def test_oneroster_10_column_names_are_read_as_the_11_columns(tmp_path: Path) -> None:
    want = rostergraph.load(bundle(tmp_path / "v11", old=False))
    assert want.problems == []
    got = rostergraph.load(bundle(tmp_path / "v10", old=True))
    assert {k: dict(got.users[k].extra or {}) for k in got.users} == {
        k: dict(want.users[k].extra or {}) for k in want.users}
    assert got.users == want.users
    assert got.sections == want.sections and got.courses == want.courses
    assert got.users["s1"].roles.student.grade == "4"
    assert got.sections["c1"].term_id == "f1"
    assert [rel.student for rel in got.users["p1"].roles.contact.student_relationships] == ["s1"]
    assert sorted((p.file, p.line, p.field) for p in got.problems) == [
        ("classes.csv", 1, "grades"), ("classes.csv", 1, "termSourcedIds"),
        ("courses.csv", 1, "grades"), ("courses.csv", 1, "schoolYearSourcedId"),
        ("users.csv", 1, "agentSourcedIds"), ("users.csv", 1, "grades"),
        ("users.csv", 1, "userIds")]
    assert all(p.code == "other" and "OneRoster 1.0" in p.message for p in got.problems)


def test_a_10_name_beside_its_11_column_is_left_as_it_is(tmp_path: Path) -> None:
    folder = bundle(tmp_path / "both", old=False)
    users = (folder / "users.csv").read_text().splitlines()
    users = [users[0] + ",grade"] + [row + ",x" for row in users[1:]]
    (folder / "users.csv").write_text("\n".join(users) + "\n")
    r = rostergraph.load(folder)
    assert r.problems == []
    assert r.users["s1"].roles.student.grade == "4"
    assert (r.users["s1"].extra or {}).get("oneroster.grade") == "x"
