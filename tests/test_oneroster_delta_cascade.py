"""A OneRoster delta's deleted users and roles applied to a base roster
(``read_oneroster(..., base=)``), as a bulk export of the district after the change loads.

A ``users.csv`` row with ``status=tobedeleted`` removes the user and every reference the
roster holds to it: its enrollments (a section's students, teachers, ``teacher``, other
roles, enrollment ids) and a contact's link to it, with one problem per delta counting the
enrollments the delta did not delete itself. A user the same delta also gives a row of its
own is kept (a problem says the deletion was not applied); the rows are followed in file
order, the last word winning. A 1.1 row of a user written as several rows (joined by
``metadata.rostergraph.userId``) takes only the role it held, and a re-sent one updates
that row only (the base's other rows' roles stay). A
1.2 ``roles.csv`` deletion keeps the user's enrollments at that org (the source did not
delete them) but says how many are left so (one problem per delta)."""

from __future__ import annotations

from pathlib import Path

import rostergraph
from rostergraph.io.enrollcols import OTHER_ROLES_KEY
from rostergraph.io.oneroster import read_oneroster
from rostergraph.io.oneroster_cols import ENROLLMENT_IDS_KEY
from tests.oneroster_delta_bundles import BASE_MANIFEST as _BASE_MANIFEST
from tests.oneroster_delta_bundles import CLASSES as _CLASSES
from tests.oneroster_delta_bundles import CLASSES_HEAD as _CLASSES_HEAD
from tests.oneroster_delta_bundles import ENR_HEAD as _ENR_HEAD
from tests.oneroster_delta_bundles import ORGS as _ORGS
from tests.oneroster_delta_bundles import base
from tests.oneroster_delta_bundles import delta as _delta
from tests.test_oneroster_variants import write as _write

_USERS_HEAD = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
               "userIds,givenName,familyName,middleName,identifier,email,sms,phone,"
               "agentSourcedIds,grades,password,metadata.rostergraph.userId\n")
_USERS = (_USERS_HEAD + "T1,,,true,S1,teacher,,,Ann,Lee,,,,,,,,,T1\n"
          "T1#parent,,,true,S1,parent,,,Ann,Lee,,,,,,U2,,,T1\n"
          "U1,,,true,S1,student,,,Bo,Kim,,,,,,,05,,\n"
          "U2,,,true,S1,student,,,Cy,Day,,,,,,,05,,\n"
          "A1,,,true,S1,aide,,,Di,Orr,,,,,,,,,\n"
          "P1,,,true,S1,parent,,,Ed,Fox,,,,,,\"U1,U2\",,,\n")
_ENROLLMENTS = (_ENR_HEAD + "e1,,,C1,S1,T1,teacher,true,,\ne2,,,C1,S1,U1,student,,,\n"
                "e3,,,C1,S1,U2,student,,,\ne4,,,C2,S1,U1,student,,,\n"
                "e5,,,C1,S1,A1,aide,,,\n")


def _base(tmp_path: Path) -> object:
    return base(tmp_path, _USERS, _ENROLLMENTS)


def _said(r: object) -> list[tuple[str | None, int | None, str | None]]:
    return [(p.file, p.line, p.record_id) for p in r.problems]  # type: ignore[attr-defined]


def _dangling(r: object) -> list[object]:
    return rostergraph.validate(r, select="RG-REF-001").findings  # type: ignore[arg-type]


def _students(contact: object) -> list[str | None]:
    rels = contact.roles.contact.student_relationships or ()  # type: ignore[attr-defined]
    return [s.student for s in rels]


def test_the_base_lists_what_the_deletions_reach(tmp_path: Path) -> None:
    """(What the tests below take away is there in the base roster, with no dangling
    reference.)"""
    base = _base(tmp_path)
    c1 = base.sections["C1"]  # type: ignore[attr-defined]
    assert (c1.students, c1.teachers, c1.teacher) == (("U1", "U2"), ("T1",), "T1")
    assert c1.extra[OTHER_ROLES_KEY + "aide"] == ["A1"]
    assert base.sections["C2"].students == ("U1",)  # type: ignore[attr-defined]
    assert _students(base.users["P1"]) == ["U1", "U2"]  # type: ignore[attr-defined]
    assert base.users["T1"].roles.names == ("teacher", "contact")  # type: ignore[attr-defined]
    assert _students(base.users["T1"]) == ["U2"]  # type: ignore[attr-defined]
    assert not _dangling(base) and not base.problems  # type: ignore[attr-defined]


def test_a_deleted_student_leaves_its_sections_and_contacts(tmp_path: Path) -> None:
    """U1 deleted (no enrollment row deleted): it leaves C1 and C2 (C2 has no student
    left: ``None``, as a bulk load of a class without enrollments) and P1's relationships;
    one problem counts the two enrollments and the link, by ids only."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta",
                              users_csv=_USERS_HEAD + "U1,tobedeleted,,,,,,,,,,,,,,,,,\n"),
                       base=base)
    assert "U1" not in r.users
    assert r.sections["C1"].students == ("U2",) and r.sections["C2"].students is None
    assert _students(r.users["P1"]) == ["U2"]
    assert not _dangling(r)
    assert _said(r) == [("users.csv", None, None)]
    p = r.problems[0]
    assert p.code == "other" and p.kind == "sections"
    assert p.message.startswith("2 enrollments (students: 2) in 2 classes and 1 contact link")
    assert p.message.endswith("users U1")
    assert "Bo" not in p.message and "Kim" not in p.message


def test_a_contact_whose_students_are_deleted_keeps_its_role(tmp_path: Path) -> None:
    """U1 and U2 deleted: P1 (a parent) and T1 (a teacher who is a parent, ``T1#parent``)
    have no student left, and keep their ``parent`` role as a bulk load of the rows after
    the change does (nothing else says it), so the roster writes them back as parents."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD
                              + "U1,tobedeleted,,,,,,,,,,,,,,,,,\n"
                              + "U2,tobedeleted,,,,,,,,,,,,,,,,,\n"), base=base)
    rows = [row for row in _USERS.splitlines(keepends=True) if not row.startswith("U")]
    bulk = read_oneroster(_write(tmp_path / "bulk", {
        "manifest.csv": _BASE_MANIFEST, "orgs.csv": _ORGS, "classes.csv": _CLASSES,
        "users.csv": "".join(rows).replace("U2,,,T1", ",,,T1").replace('"U1,U2"', ""),
        "enrollments.csv": "".join(row for row in _ENROLLMENTS.splitlines(keepends=True)
                                   if ",U" not in row)}))
    assert _students(r.users["P1"]) == [] and _students(r.users["T1"]) == []
    for uid in ("P1", "T1"):
        assert r.users[uid] == bulk.users[uid]  # type: ignore[attr-defined]
        assert r.users[uid].extra["oneroster.role"] == "parent"


def test_a_deleted_teacher_and_aide_leave_their_sections(tmp_path: Path) -> None:
    """T1 (the teacher of C1, its ``teacher`` too; a merged 1.1 user) and A1 (an aide,
    kept in the section's extra) deleted: C1 has no teacher left and no aide; T1's
    enrollment id goes with it."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta",
                              users_csv=_USERS_HEAD + "T1,tobedeleted,,,,,,,,,,,,,,,,,\n"
                              "A1,tobedeleted,,,,,,,,,,,,,,,,,\n"), base=base)
    c1 = r.sections["C1"]
    assert (c1.teachers, c1.teacher) == (None, None)
    assert OTHER_ROLES_KEY + "aide" not in c1.extra
    ids = c1.extra.get(ENROLLMENT_IDS_KEY) or {}
    assert "T1" not in ids.get("teacher", {}) and "A1" not in ids.get("aide", {})
    assert c1.students == ("U1", "U2") and not _dangling(r)
    assert len(r.problems) == 1 and "2 enrollments" in r.problems[0].message


def test_the_deltas_own_enrollment_deletions_are_not_counted(tmp_path: Path) -> None:
    """The delta deletes U1's C1 enrollment itself: the problem counts only the C2 one;
    when it deletes both, it tells only P1's link to U1."""
    base = _base(tmp_path)
    users = _USERS_HEAD + "U1,tobedeleted,,,,,,,,,,,,,,,,,\n"
    r = read_oneroster(_delta(tmp_path / "d1", users_csv=users, enrollments_csv=_ENR_HEAD
                              + "e2,tobedeleted,,C1,S1,U1,student,,,\n"), base=base)
    assert r.sections["C1"].students == ("U2",) and r.sections["C2"].students is None
    assert len(r.problems) == 1 and "1 enrollment " in r.problems[0].message
    users = _USERS_HEAD + "U1,tobedeleted,,,,,,,,,,,,,,,,,\n"
    r = read_oneroster(_delta(tmp_path / "d2", users_csv=users, enrollments_csv=_ENR_HEAD
                              + "e2,tobedeleted,,C1,S1,U1,student,,,\n"
                              "e4,tobedeleted,,C2,S1,U1,student,,,\n"), base=base)
    assert r.sections["C2"].students is None
    assert len(r.problems) == 1  # (P1's link, which no row of P1 dropped)
    assert r.problems[0].message.startswith("1 contact link to students removed")


def test_a_user_the_delta_deletes_and_gives_again_is_kept(tmp_path: Path) -> None:
    """U1's row tobedeleted and then a row of U1 of its own in one delta (the rows are
    applied in the order given): the later row is loaded and the user kept, with its
    enrollments and links; a problem at the deleted row's line says it was not applied.
    (A row that adds a user before one deleting it: the user is deleted, see
    test_oneroster_delta_ids.)"""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD
                              + "U1,tobedeleted,,,,,,,,,,,,,,,,,\n"
                              "U1,,,true,S1,student,,,Bo,Kimm,,,,,,,05,,\n"), base=base)
    assert r.users["U1"].name.last == "Kimm"
    assert r.sections["C1"].students == ("U1", "U2") and r.sections["C2"].students == ("U1",)
    assert _students(r.users["P1"]) == ["U1", "U2"]
    assert _said(r) == [("users.csv", 2, "U1")]
    assert "not applied" in r.problems[0].message


def test_a_deleted_role_row_of_a_merged_user_takes_only_that_role(tmp_path: Path) -> None:
    """OneRoster 1.1 writes T1 (a teacher and a parent) as rows ``T1`` and ``T1#parent``
    joined by ``metadata.rostergraph.userId``: ``T1#parent`` tobedeleted takes the parent
    role only (T1 stays C1's teacher; its link to U2 goes with the role), with no
    problem."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD
                              + "T1#parent,tobedeleted,,,S1,parent,,,,,,,,,,,,,T1\n"),
                       base=base)
    t1 = r.users["T1"]
    assert t1.roles.names == ("teacher",) and t1.roles.teacher.schools == ("S1",)
    assert r.sections["C1"].teacher == "T1" and r.sections["C1"].teachers == ("T1",)
    assert set(r.users) == set(base.users)  # type: ignore[attr-defined]
    assert r.problems == [] and not _dangling(r)


def test_a_deleted_first_row_of_a_merged_user_takes_only_its_role(tmp_path: Path) -> None:
    """``T1`` tobedeleted with its userId column and role (the teacher row of the merged
    user): T1 stays, a parent only."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD
                              + "T1,tobedeleted,,,S1,teacher,,,,,,,,,,,,,T1\n"), base=base)
    assert r.users["T1"].roles.names == ("contact",)
    assert _students(r.users["T1"]) == ["U2"]


def test_a_row_of_a_merged_user_names_nothing_without_its_user_id(tmp_path: Path) -> None:
    """A bare ``T1#parent`` row (no userId column, no role) does not say whose row it is:
    nothing is removed and a problem says so, as for any id naming no record."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD
                              + "T1#parent,tobedeleted,,,,,,,,,,,,,,,,,\n"), base=base)
    assert r.users["T1"].roles.names == ("teacher", "contact")
    assert _said(r) == [("users.csv", 2, "T1#parent")]
    assert "nothing removed" in r.problems[0].message


def test_a_deleted_role_row_given_again_later_is_kept(tmp_path: Path) -> None:
    """``T1#parent`` tobedeleted and then given again in one delta: not applied (a
    problem), and the whole merged user is not removed."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD
                              + "T1#parent,tobedeleted,,,S1,parent,,,,,,,,,,,,,T1\n"
                              "T1#parent,,,true,S1,parent,,,Ann,Lee,,,,,,U2,,,T1\n"),
                       base=base)
    assert "T1" in r.users and "contact" in r.users["T1"].roles.names
    assert _said(r) == [("users.csv", 2, "T1")]
    assert "user row 'T1#parent' is given again by a later row of this delta (line 3)" \
        in r.problems[0].message


def test_a_deleted_role_row_that_was_its_users_last_role_deletes_the_user(
        tmp_path: Path) -> None:
    """The delta deletes both rows of T1 (``T1#parent`` then ``T1``): the second takes the
    user's last role, so the user goes, with its enrollment (told)."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD
                              + "T1#parent,tobedeleted,,,S1,parent,,,,,,,,,,,,,T1\n"
                              "T1,tobedeleted,,,S1,teacher,,,,,,,,,,,,,T1\n"), base=base)
    assert "T1" not in r.users and r.sections["C1"].teachers is None
    assert not _dangling(r) and _said(r) == [("users.csv", None, None)]


_USERS_12_HEAD = ("sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName,"
                  "identifier,email,grades\n")
_ROLES_HEAD = ("sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,"
               "endDate,orgSourcedId,userProfileSourcedId\n")


def _base_12(tmp_path: Path) -> object:
    files = {"orgs.csv": _ORGS,
             "users.csv": _USERS_12_HEAD + "T1,,,true,alee,Ann,Lee,,,\nU1,,,true,bkim,Bo,Kim,,,05\n",
             "roles.csv": _ROLES_HEAD + "r1,,,U1,primary,student,,,S1,\n"
                          "r2,,,T1,primary,teacher,,,S1,\nr3,,,T1,secondary,teacher,,,S2,\n",
             "classes.csv": _CLASSES_HEAD + "C1,,,Math,05,,,scheduled,,S1,,,,\n"
                            "C2,,,Art,05,,,scheduled,,S2,,,,\n",
             "enrollments.csv": _ENR_HEAD + "e1,,,C1,S1,T1,teacher,true,,\n"
                                "e2,,,C2,S2,T1,teacher,true,,\ne3,,,C1,S1,U1,student,,,\n"}
    manifest = "propertyName,value\noneroster.version,1.2\n" + "".join(
        f"file.{n[:-4]},bulk\n" for n in files)
    return read_oneroster(_write(tmp_path / "base", {"manifest.csv": manifest, **files}))


def test_a_deleted_role_keeps_its_enrollments_and_says_so(tmp_path: Path) -> None:
    """1.2: T1's teacher role at S1 deleted (roles.csv), none of its enrollments: T1 is
    still C1's teacher (the source did not delete that enrollment; the reader does not
    invent it), and one problem counts it; C2 (at S2, where T1 still teaches) is not
    counted."""
    base = _base_12(tmp_path)
    assert base.users["T1"].roles.teacher.schools == ("S1", "S2")  # type: ignore[attr-defined]
    assert base.problems == []  # type: ignore[attr-defined]
    r = read_oneroster(_delta(tmp_path / "delta", "1.2", roles_csv=_ROLES_HEAD
                              + "r2,tobedeleted,,T1,primary,teacher,,,S1,\n"), base=base)
    assert r.users["T1"].roles.teacher.schools == ("S2",)
    assert r.sections["C1"].teachers == ("T1",) and r.sections["C2"].teachers == ("T1",)
    assert _said(r) == [("roles.csv", None, None)]
    p = r.problems[0]
    assert p.kind == "sections" and p.message.startswith("1 enrollment in 1 class kept")
    assert p.message.endswith("users T1") and "Ann" not in p.message


def test_a_deleted_role_with_its_enrollments_deleted_is_no_problem(tmp_path: Path) -> None:
    """The delta deletes T1's role at S1 and its C1 enrollment: nothing is left to tell."""
    base = _base_12(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", "1.2", roles_csv=_ROLES_HEAD
                              + "r2,tobedeleted,,T1,primary,teacher,,,S1,\n",
                              enrollments_csv=_ENR_HEAD
                              + "e1,tobedeleted,,C1,S1,T1,teacher,true,,\n"), base=base)
    assert r.sections["C1"].teachers is None and r.sections["C1"].teacher is None
    assert r.problems == []


def test_a_deleted_role_row_of_a_merged_user_keeps_its_enrollments(tmp_path: Path) -> None:
    """1.1: ``T1``'s teacher row deleted (the user stays a parent): its C1 enrollment is
    kept and told, as for a 1.2 role."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD
                              + "T1,tobedeleted,,,S1,teacher,,,,,,,,,,,,,T1\n"), base=base)
    assert r.sections["C1"].teacher == "T1"
    assert _said(r) == [("users.csv", None, None)]
    assert r.problems[0].message.startswith("1 enrollment in 1 class kept")


def test_a_padded_first_row_of_a_merged_user_takes_only_its_role(tmp_path: Path) -> None:
    """``' T1 '`` tobedeleted with its userId column and role: the teacher role goes (T1
    stays a parent), with the problem keeping the padded cell and the one counting C1's
    enrollment kept."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD
                              + " T1 ,tobedeleted,,,S1,teacher,,,,,,,,,,,,,T1\n"), base=base)
    assert r.users["T1"].roles.names == ("contact",)
    assert _said(r) == [("users.csv", 2, "T1"), ("users.csv", None, None)]
    assert r.problems[0].raw == " T1 "


def _bulk_with(tmp_path: Path, name: str, rows: str) -> object:
    """The bulk load of the base's files with ``rows`` for users.csv."""
    return read_oneroster(_write(tmp_path / name, {
        "manifest.csv": _BASE_MANIFEST, "orgs.csv": _ORGS, "users.csv": rows,
        "classes.csv": _CLASSES, "enrollments.csv": _ENROLLMENTS}))


_T1_ROW = "T1,,,true,S1,teacher,,,Ann,Lee,,,,,,,,,T1\n"
_T1_PARENT_ROW = "T1#parent,,,true,S1,parent,,,Ann,Lee,,,,,,U2,,,T1\n"


def test_a_re_sent_row_of_a_merged_user_keeps_its_other_rows_roles(tmp_path: Path) -> None:
    """The delta re-sends ``T1``'s teacher row only (a new identifier): T1 keeps the
    parent role of its ``T1#parent`` row, as the bulk load of the base's rows with the new
    row reads it; the same for the ``T1#parent`` row re-sent (now naming U1), and for the
    teacher row sent without the userId column (its sourcedId names the user) moving T1
    to S2 (its roles as the bulk load's; the parent row's org, which the base kept
    nowhere as the teacher's school held it, is not restored in extra)."""
    base = _base(tmp_path)
    renamed = _T1_ROW.replace(",Lee,,,", ",Lee,,T-9,")
    bulk = _bulk_with(tmp_path, "bulk", _USERS.replace(_T1_ROW, renamed))
    r = read_oneroster(_delta(tmp_path / "d1", users_csv=_USERS_HEAD + renamed), base=base)
    t1 = r.users["T1"]
    assert t1.roles.names == ("teacher", "contact") and t1.roles.teacher.sis_id == "T-9"
    assert _students(t1) == ["U2"]
    assert t1 == bulk.users["T1"]  # type: ignore[attr-defined]
    assert r.problems == [] and not _dangling(r)
    renamed = _T1_PARENT_ROW.replace(",U2,", ",U1,")
    bulk = _bulk_with(tmp_path, "bulk2", _USERS.replace(_T1_PARENT_ROW, renamed))
    r = read_oneroster(_delta(tmp_path / "d2", users_csv=_USERS_HEAD + renamed), base=base)
    assert r.users["T1"].roles.names == ("teacher", "contact")
    assert _students(r.users["T1"]) == ["U1"]
    assert r.users["T1"] == bulk.users["T1"]  # type: ignore[attr-defined]
    assert r.problems == []
    moved = _T1_ROW.replace(",S1,teacher", ",S2,teacher")
    bulk = _bulk_with(tmp_path, "bulk3", _USERS.replace(_T1_ROW, moved))
    head = _USERS_HEAD.replace(",metadata.rostergraph.userId", "")
    r = read_oneroster(_delta(tmp_path / "d3", users_csv=head + moved.rsplit(",", 1)[0]
                              + "\n"), base=base)
    assert r.users["T1"].roles.teacher.schools == ("S2",)
    assert r.users["T1"].roles == bulk.users["T1"].roles  # type: ignore[attr-defined]
    assert r.problems == []


def test_a_re_sent_row_of_a_one_row_user_replaces_it(tmp_path: Path) -> None:
    """A user the base holds as one row is replaced by the delta's row: a cell the row
    leaves empty (U1's grades, its name's last part) is cleared; a new role (A1, an aide,
    now a teacher) replaces the old one."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD
                              + "U1,,,true,S1,student,,,Bo,,,,,,,,,,\n"
                              "A1,,,true,S1,teacher,,,Di,Orr,,,,,,,,,\n"), base=base)
    assert r.users["U1"].roles.student.grade is None and r.users["U1"].name.last is None
    assert r.users["A1"].roles.names == ("teacher",)


def test_a_re_sent_staff_row_keeps_the_other_staff_roles_and_says_so(
        tmp_path: Path) -> None:
    """M1 is an aide (row ``M1``, at S1) and a counselor (row ``M1#counselor``, at S2):
    one staff role over S1 and S2. The delta re-sends the aide row at S2 only: M1 stays a
    counselor too, and as the model does not say whose each school is, S1 is kept with
    a problem at the row's line (by ids only); re-sent at S1, the schools are the bulk
    load's, and told all the same (S2 may have been the aide's too)."""
    users = (_USERS + "M1,,,true,S1,aide,,,Gus,Hale,,,,,,,,,M1\n"
             "M1#counselor,,,true,S2,counselor,,,Gus,Hale,,,,,,,,,M1\n")
    base = _bulk_with(tmp_path, "base", users)
    assert base.users["M1"].roles.staff.schools == ("S1", "S2")  # type: ignore[attr-defined]
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD
                              + "M1,,,true,S2,aide,,,Gus,Hale,,,,,,,,,M1\n"), base=base)
    staff = r.users["M1"].roles.staff
    assert staff.roles == ("aide", "counselor") and staff.schools == ("S2", "S1")
    assert _said(r) == [("users.csv", 2, "M1")]
    assert "counselor" in r.problems[0].message and "Gus" not in r.problems[0].message
    r = read_oneroster(_delta(tmp_path / "same", users_csv=_USERS_HEAD
                              + "M1,,,true,S1,aide,,,Gus,Hale,,,,,,,,,M1\n"), base=base)
    assert r.users["M1"].roles.staff.schools == ("S1", "S2")
    assert _said(r) == [("users.csv", 2, "M1")]


def test_a_role_row_deleted_before_another_row_of_its_user_is_deleted(
        tmp_path: Path) -> None:
    """``T1#parent`` tobedeleted, then T1's teacher row (not the parent row) given: the
    rows are followed in order, so the parent role goes (the later row gives another
    row of the user, not that one) and nothing is told."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD
                              + "T1#parent,tobedeleted,,,S1,parent,,,,,,,,,,,,,T1\n"
                              + _T1_ROW), base=base)
    assert r.users["T1"].roles.names == ("teacher",)
    assert r.problems == [] and not _dangling(r)


def test_live_deleted_live_rows_of_a_merged_user_end_live(tmp_path: Path) -> None:
    """``T1#parent`` given, ``T1``'s teacher row tobedeleted, then the teacher row given
    again: the last word is the teacher row's, so T1 stays a teacher (and a parent), with
    the problem at the deleted row saying it was not applied."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD + _T1_PARENT_ROW
                              + "T1,tobedeleted,,,S1,teacher,,,,,,,,,,,,,T1\n"
                              + _T1_ROW), base=base)
    assert r.users["T1"].roles.names == ("teacher", "contact")
    assert r.sections["C1"].teacher == "T1"
    assert _said(r) == [("users.csv", 3, "T1")]
    assert "not applied" in r.problems[0].message


def test_a_merged_user_deleted_row_by_row_and_re_added(tmp_path: Path) -> None:
    """Both rows of T1 tobedeleted, then ``T1#parent`` given again (naming U1): the
    teacher role stays deleted, the parent row is loaded (its deletion not applied,
    told at its line), so T1 is a parent of U1 only; its C1 enrollment as a teacher is
    kept and told as for any deleted role."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD
                              + "T1,tobedeleted,,,S1,teacher,,,,,,,,,,,,,T1\n"
                              "T1#parent,tobedeleted,,,S1,parent,,,,,,,,,,,,,T1\n"
                              + _T1_PARENT_ROW.replace(",U2,", ",U1,")), base=base)
    assert r.users["T1"].roles.names == ("contact",)
    assert _students(r.users["T1"]) == ["U1"]
    assert _said(r) == [("users.csv", 3, "T1"), ("users.csv", None, None)]


def test_a_merged_users_whole_deletion_before_its_row_is_not_applied(
        tmp_path: Path) -> None:
    """T1 deleted as a whole (a bare ``T1`` row), then its parent row given: the user is
    kept (the deletion not applied, told at its line); given before the deletion, the
    parent row does not save it (the last word deletes)."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "after", users_csv=_USERS_HEAD
                              + "T1,tobedeleted,,,,,,,,,,,,,,,,,\n" + _T1_PARENT_ROW),
                       base=base)
    assert r.users["T1"].roles.names == ("teacher", "contact")
    assert _said(r) == [("users.csv", 2, "T1")] and "not applied" in r.problems[0].message
    r = read_oneroster(_delta(tmp_path / "before", users_csv=_USERS_HEAD + _T1_PARENT_ROW
                              + "T1,tobedeleted,,,,,,,,,,,,,,,,,\n"), base=base)
    assert "T1" not in r.users and not _dangling(r)


def test_a_re_sent_teacher_row_of_an_administrator_keeps_the_staff_role(
        tmp_path: Path) -> None:
    """T9 teaches at S1 (row ``T9``) and is an administrator at S2 (row
    ``T9#administrator``): the delta re-sends the teacher row at S2, and T9 stays an
    administrator at S2, as the bulk load of the base's rows with the new row reads it."""
    rows = ("T9,,,true,S1,teacher,,,Ida,Moe,,,,,,,,,T9\n"
            "T9#administrator,,,true,S2,administrator,,,Ida,Moe,,,,,,,,,T9\n")
    moved = rows.splitlines()[0].replace(",S1,", ",S2,") + "\n"
    base = _bulk_with(tmp_path, "base", _USERS + rows)
    bulk = _bulk_with(tmp_path, "bulk", _USERS + moved + rows.splitlines(True)[1])
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD + moved), base=base)
    t9 = r.users["T9"]
    assert t9.roles.names == ("teacher", "staff") and t9.roles.staff.schools == ("S2",)
    assert t9 == bulk.users["T9"]  # type: ignore[attr-defined]
    assert r.problems == []


def test_a_deleted_row_given_again_with_another_role_is_deleted(tmp_path: Path) -> None:
    """A 1.1 row is its sourcedId and role: ``T1``'s teacher row tobedeleted, then a row
    ``T1`` as an aide. The teacher role goes (its C1 enrollment kept and told), the aide's
    comes, and T1's parent row stays."""
    base = _base(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD
                              + "T1,tobedeleted,,,S1,teacher,,,,,,,,,,,,,T1\n"
                              + _T1_ROW.replace(",teacher,", ",aide,")), base=base)
    t1 = r.users["T1"]
    assert t1.roles.names == ("staff", "contact") and t1.roles.staff.roles == ("aide",)
    assert _said(r) == [("users.csv", None, None)]
    assert r.problems[0].message.startswith("1 enrollment in 1 class kept")


def test_a_row_added_to_a_one_row_user_keeps_its_role(tmp_path: Path) -> None:
    """Delta 1 deletes ``T1#parent``: T1 is a teacher only, held as one row. Delta 2 on
    that result gives ``T1#parent`` again (another row of T1, its user id column): T1 is
    a teacher and a parent again, as the bulk load of the base's rows, and not the
    parent only (the row added is not T1's teacher row)."""
    base = _base(tmp_path)
    r1 = read_oneroster(_delta(tmp_path / "d1", users_csv=_USERS_HEAD
                               + "T1#parent,tobedeleted,,,,parent,,,,,,,,,,,,,T1\n"), base=base)
    assert r1.users["T1"].roles.names == ("teacher",)
    r2 = read_oneroster(_delta(tmp_path / "d2", users_csv=_USERS_HEAD
                               + "T1#parent,,,true,S1,parent,,,Ann,Lee,,,,,,U2,,,T1\n"), base=r1)
    assert r2.problems == []
    assert r2.users["T1"] == base.users["T1"]  # type: ignore[attr-defined]
