"""OneRoster ``enrollments.csv`` ``primary`` cells that are no boolean. The OneRoster CSV
binding writes ``true``/``false``; exports also write ``TRUE``, ``1``, ``yes`` (read as
such). A cell that is none of these (``Y``, ``T``, ``primary``) is read as not primary, so
the class has no primary teacher: that is said in one problem naming the file, the first
line, the column and the values, whichever way the file is read. It was silent."""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from rostergraph.errors import FormatError

FILES = {
    "manifest.csv": "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
                    "file.orgs,bulk\nfile.classes,bulk\nfile.users,bulk\nfile.enrollments,bulk\n",
    "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
                "d1,,,District,district,,\nsA,,,School A,school,,d1\n",
    "classes.csv": "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
                   "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,"
                   "periods\nc1,,,Math,04,,M-1,scheduled,,sA,,,,1\n"
                   "c2,,,Art,04,,A-1,scheduled,,sA,,,,2\n",
    "users.csv": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
                 "userIds,givenName,familyName,middleName,identifier,email,sms,phone,"
                 "agentSourcedIds,grades,password\n"
                 "t1,,,true,sA,teacher,t1,,Tea,One,,T1,,,,,,\n"
                 "t2,,,true,sA,teacher,t2,,Tea,Two,,T2,,,,,,\n"
                 "s1,,,true,sA,student,s1,,Stu,Dent,,S1,,,,,04,\n",
}
HEAD = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,"
        "role,primary,beginDate,endDate\n")


def bundle(folder: Path, rows: str) -> Path:
    folder.mkdir()
    for name, text in {**FILES, "enrollments.csv": HEAD + rows}.items():
        (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize("short_row", [False, True])  # (a short row: read row by row)
def test_primary_cells_that_are_no_boolean_are_one_problem(tmp_path: Path,
                                                           short_row: bool) -> None:
    rows = ("e1,,,c1,sA,t1,teacher,Y,,\n"
            "e2,,,c1,sA,s1,student,,,\n"
            "e3,,,c2,sA,t2,teacher,T,,\n"
            "e4,,,c2,sA,t1,teacher,N,,\n"
            "e5,,,c2,sA,s1,student,false,,\n" + ("e6,,,c2\n" if short_row else ""))
    r = rostergraph.load(bundle(tmp_path / "b", rows))
    assert r.sections["c1"].teacher is None and r.sections["c1"].teachers == ("t1",)
    assert r.sections["c2"].teachers == ("t2", "t1")
    assert [(p.code, p.file, p.line, p.field) for p in r.problems] == [
        *([("syntax", "enrollments.csv", 7, None)] if short_row else []),
        ("other", "enrollments.csv", 2, "primary")]
    message = r.problems[-1].message
    assert "3 rows" in message and "'Y', 'T', 'N'" in message and "not primary" in message
    with pytest.raises(FormatError, match="enrollments.csv.*" + ("cells" if short_row
                                                                 else "primary")):
        rostergraph.load(tmp_path / "b", strict=True)


def test_boolean_spellings_of_primary_are_no_problem(tmp_path: Path) -> None:
    rows = ("e1,,,c1,sA,t1,teacher,TRUE,,\n"
            "e2,,,c1,sA,t2,teacher, no ,,\n"
            "e3,,,c2,sA,t2,teacher,1,,\n"
            "e4,,,c2,sA,t1,teacher,0,,\n"
            "e5,,,c2,sA,s1,student,,,\n"
            "e6,,,c1,sA,s1,student,False,,\n")
    r = rostergraph.load(bundle(tmp_path / "b", rows))
    assert r.problems == []
    assert (r.sections["c1"].teacher, r.sections["c2"].teacher) == ("t1", "t2")
