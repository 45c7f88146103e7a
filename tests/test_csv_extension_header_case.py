"""The CSV readers match rostergraph's own extension columns (SFTP ``District_name``,
OneRoster ``metadata.rostergraph.clever``/``userId``) ignoring case and surrounding
spaces, as they match the standard columns (with a problem naming the column): a header
spelt otherwise must not lose what those columns carry without a word ("nothing is
dropped silently", docs/formats.md).
"""

from __future__ import annotations

from pathlib import Path

import rostergraph

_SCHOOLS = "School_id,School_name\nsA,Alpha\n"
_STUDENTS = "Student_id,School_id,First_name,Last_name\nst1,sA,Ann,Lee\n"
_TEACHERS = "Teacher_id,School_id,First_name,Last_name\nt1,sA,Tia,One\n"
_SECTIONS = "Section_id,School_id,Teacher_id,Name\nse1,sA,t1,Math\n"
_ENROLLMENTS = "School_id,Section_id,Student_id\nsA,se1,st1\n"


def _sftp(tmp_path: Path, districts: str) -> Path:
    d = tmp_path / "sftp"
    d.mkdir(parents=True)
    for name, text in {"schools.csv": _SCHOOLS, "students.csv": _STUDENTS,
                       "teachers.csv": _TEACHERS, "sections.csv": _SECTIONS,
                       "enrollments.csv": _ENROLLMENTS,
                       "rostergraph_districts.csv": districts}.items():
        (d / name).write_text(text, encoding="utf-8", newline="")
    return d


def test_sftp_district_name_header_in_another_case_is_read(tmp_path: Path) -> None:
    """``rostergraph_districts.csv`` with ``district_name`` (or ``District_name `` with a
    trailing space): ``District_id`` in the same header is read as ``District_id`` (with a
    problem), but the name column is neither read nor told: the district loses its name
    silently."""
    for header in ("District_id,district_name", "District_id ,District_name "):
        d = _sftp(tmp_path / header.replace(",", "_").replace(" ", "-"),
                  f"{header}\nd1,Springfield USD\n")
        r = rostergraph.load(d, cache=False)
        assert list(r.districts) == ["d1"]
        name = r.districts["d1"].name
        told = [p for p in r.problems if p.file == "rostergraph_districts.csv"
                and "name" in p.message.lower()]
        assert name == "Springfield USD" or told, (header, name, r.problems)


_ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
         "D1,,,District,district,,\nS1,,,North School,school,,D1\n")
_USERS_HEAD = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
               "userIds,givenName,familyName,middleName,identifier,email,sms,phone,"
               "agentSourcedIds,grades,password,{uid}\n")
# one teacher who is also a student's contact, written as OneRoster 1.1 writes a
# multi-role user: one row per role, joined by metadata.rostergraph.userId
_USERS_ROWS = ("T1,,,true,S1,teacher,,,Ann,Lee,,,,,,,,,T1\n"
               "T1#parent,,,true,S1,parent,,,Ann,Lee,,,,,,U1,,,T1\n"
               "U1,,,true,S1,student,,,Bo,Lee,,,,,,,05,,\n")
_CLASSES = ("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
            "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
            "C1,,,Math,05,,,scheduled,,S1,,,,\n")
_ENR = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
        "primary,beginDate,endDate\nE1,,,C1,S1,T1,teacher,true,,\nE2,,,C1,S1,U1,student,,,\n")


def _oneroster(tmp_path: Path, uid_column: str) -> Path:
    d = tmp_path / "or"
    d.mkdir(parents=True)
    files = {"orgs.csv": _ORGS, "users.csv": _USERS_HEAD.format(uid=uid_column) + _USERS_ROWS,
             "classes.csv": _CLASSES, "enrollments.csv": _ENR}
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8", newline="")
    return d


def test_oneroster_user_id_extension_header_in_another_case_joins_the_rows(
        tmp_path: Path) -> None:
    """``metadata.rostergraph.userId`` joins a 1.1 multi-role user's rows back into one
    user. Spelt ``metadata.rostergraph.userid`` (or with a trailing space) the rows stay
    two users (``T1`` and ``T1#parent``) and the column lands in ``extra`` with no
    problem, while a standard column spelt so (``SourcedId``) is read, with a problem."""
    exact = rostergraph.load(_oneroster(tmp_path / "exact", "metadata.rostergraph.userId"),
                             cache=False)
    assert sorted(exact.users) == ["T1", "U1"]
    for col in ("metadata.rostergraph.userid", "metadata.rostergraph.userId "):
        r = rostergraph.load(_oneroster(tmp_path / col.replace(" ", "-"), col), cache=False)
        told = [p for p in r.problems if p.file == "users.csv" and "userId" in p.message]
        assert sorted(r.users) == ["T1", "U1"] or told, (col, sorted(r.users), r.problems)
