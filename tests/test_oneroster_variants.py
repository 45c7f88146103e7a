"""OneRoster 1.1/1.2 CSV shapes that real district exports have and ``rostergraph synth``
does not: header spellings, manifest modes, delta rows, role and org type values, list
columns, repeated ids. Every valid row loads, every column is kept, every bad row is a
problem naming its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.oneroster import read_oneroster

ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
        "d1,active,2024-01-01,District,district,,\n"
        "sA,active,2024-01-01,School A,school,,d1\n"
        "sB,active,2024-01-01,School B,school,,d1\n")
CLASSES = ("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
           "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
           "c1,active,2024-01-01,Math,04,,M-1,scheduled,,sA,,,,1\n"
           "c2,active,2024-01-01,Art,04,,A-1,scheduled,,sA,,,,2\n")
USERS = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
         "userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,"
         "grades,password\n"
         "t1,active,2024-01-01,true,sA,teacher,t1,,Tea,Cher,,T1,,,,,,\n"
         "s1,active,2024-01-01,true,sA,student,s1,,Stu,Dent,,S1,,,,,04,\n"
         "s2,active,2024-01-01,true,sA,student,s2,,Stu,Two,,S2,,,,,04,\n")
ENR_HEAD = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,"
            "role,primary,beginDate,endDate\n")


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    """The files in a new folder (text written as UTF-8, line ends as given)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        data = text.encode("utf-8") if isinstance(text, str) else text
        (folder / name).write_bytes(data)
    return folder


def bundle(folder: Path, **files: str | bytes) -> Path:
    """A 1.1 bundle of the orgs, classes and users above, with ``files`` added or replaced
    (``enrollments_csv=...`` for ``enrollments.csv``)."""
    base: dict[str, str | bytes] = {
        "manifest.csv": "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n",
        "orgs.csv": ORGS, "classes.csv": CLASSES, "users.csv": USERS}
    base.update({k.replace("_csv", ".csv"): v for k, v in files.items()})
    return write(folder, base)


def where(r: rostergraph.Roster) -> set[tuple[str | None, int | None, str]]:
    return {(p.file, p.line, p.code) for p in r.problems}


# --- repeated ids -----------------------------------------------------------------------

@pytest.mark.parametrize("shape", ["clean", "row-by-row", "with-deletions"])
def test_a_repeated_enrollment_id_is_a_duplicate_id_problem(shape: str, tmp_path: Path) -> None:
    """An enrollments.csv that gives a sourcedId twice: the second row is a
    ``duplicate_id`` problem naming file and line and is not loaded, as for users.csv and
    classes.csv (the first row is kept). The same on every path through the file."""
    rows = ["e1,active,2024-01-01,c1,sA,t1,teacher,true,,",
            "e2,active,2024-01-01,c1,sA,s1,student,false,,",
            "e2,active,2024-01-01,c2,sA,s2,student,false,,",   # line 4: e2 again
            "e3,active,2024-01-01,c2,sA,s1,student,,,"]
    if shape == "row-by-row":  # a quoted cell: the file is read one row at a time
        rows[3] = 'e3,active,2024-01-01,c2,sA,s1,student,"",,'
    if shape == "with-deletions":
        rows.append("e4,tobedeleted,2024-01-01,c2,sA,s2,student,,,")
    r = read_oneroster(bundle(tmp_path / shape, enrollments_csv=ENR_HEAD + "\n".join(rows)
                              + "\n"))
    assert ("enrollments.csv", 4, "duplicate_id") in where(r)
    dup = next(p for p in r.problems if p.code == "duplicate_id")
    assert dup.record_id == "e2" and "e2" in dup.message
    assert r.sections["c1"].students == ("s1",)
    assert r.sections["c2"].students == ("s1",)  # s2's row repeated e2: not loaded
    assert r.sections["c1"].teacher == "t1"


# --- header spellings -------------------------------------------------------------------

def _respell(text: str, how: str) -> str:
    head, _, body = text.partition("\n")
    cols = head.split(",")
    if how == "case":
        cols = [c[0].upper() + c[1:] if i % 2 else c.upper() for i, c in enumerate(cols)]
    elif how == "spaces":
        cols = [f" {c}" if i % 2 else f"{c} " for i, c in enumerate(cols)]
    return ",".join(cols) + "\n" + body


@pytest.mark.parametrize("how", ["case", "spaces"])
def test_header_names_in_another_case_or_with_spaces_load(how: str, tmp_path: Path) -> None:
    """``SourcedId``, ``USERSOURCEDID`` or ``" role"``: each column is the spec's column (a
    problem per renamed column names file, line 1 and the column), and every row loads as
    with the spec's spelling. Before, every user was a ``no_id`` problem and every
    enrollment one of an unknown class."""
    enr = ENR_HEAD + "e1,active,2024-01-01,c1,sA,t1,teacher,true,,\n" \
                     "e2,active,2024-01-01,c1,sA,s1,student,,,\n"
    manifest = "propertyName,value\noneroster.version,1.1\nfile.users,bulk\n"
    spelled = bundle(tmp_path / how, users_csv=_respell(USERS, how),
                     enrollments_csv=_respell(enr, how), manifest_csv=_respell(manifest, how),
                     classes_csv=_respell(CLASSES, how), orgs_csv=_respell(ORGS, how))
    plain = bundle(tmp_path / "plain", enrollments_csv=enr, manifest_csv=manifest)
    got, want = read_oneroster(spelled), read_oneroster(plain)
    assert want.problems == []
    for kind in ("districts", "schools", "sections", "users"):
        assert got.records(kind) == want.records(kind), kind
    renamed = {(p.file, p.line, p.field) for p in got.problems}
    assert ("users.csv", 1, "sourcedId") in renamed
    assert ("enrollments.csv", 1, "userSourcedId") in renamed
    assert {p.code for p in got.problems} == {"other"}
    assert all("read as" in p.message for p in got.problems)
