"""A OneRoster delta's ``status=tobedeleted`` rows applied to a base roster
(``read_oneroster(..., base=)``) find the record they name as every other reference does:
an id given with spaces around it names the record whose id it is once they are ignored
(a problem keeps the cell as given), and a row naming no record is a problem (it removed
nothing, silently)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rostergraph.errors import FormatError
from rostergraph.graph import RosterGraph
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
               "agentSourcedIds,grades,password\n")
_USERS = (_USERS_HEAD + "T1,,,true,S1,teacher,,,Ann,Lee,,,,,,,,\n"
          "U1,,,true,S1,student,,,Bo,Kim,,,,,,,05,\n"
          "U2,,,true,S1,student,,,Cy,Day,,,,,,,05,\n")
_ENROLLMENTS = (_ENR_HEAD + "e1,,,C1,S1,T1,teacher,true,,\ne2,,,C1,S1,U1,student,,,\n"
                "e3,,,C1,S1,U2,student,,,\n")


def _base(tmp_path: Path) -> object:
    return base(tmp_path, _USERS, _ENROLLMENTS)


def _said(r: object) -> list[tuple[str | None, int | None, str | None, str | None,
                                   str | None]]:
    return [(p.file, p.line, p.record_id, p.field, p.raw)
            for p in r.problems]  # type: ignore[attr-defined]


def test_a_padded_deleted_id_removes_the_record_it_names(tmp_path: Path) -> None:
    """``' U1 '`` (users.csv) and ``'C2 '`` (classes.csv) with status tobedeleted remove
    U1 and C2, each with a problem keeping the cell; ``'S2 '`` (orgs.csv) the school."""
    base = _base(tmp_path)
    delta = _delta(tmp_path / "delta",
                   users_csv=_USERS_HEAD + " U1 ,tobedeleted,,,,,,,,,,,,,,,,\n",
                   classes_csv=_CLASSES_HEAD + "C2 ,tobedeleted,,,,,,,,,,,,\n",
                   orgs_csv=_ORGS.split("\n", 1)[0] + "\nS2 ,tobedeleted,,,,,\n",
                   enrollments_csv=_ENR_HEAD)
    r = read_oneroster(delta, base=base)
    assert set(r.users) == {"T1", "U2"}
    assert set(r.sections) == {"C1"} and set(r.schools) == {"S1"}
    said = _said(r)
    # (U1's C1 enrollment goes with it, told: see test_oneroster_delta_cascade)
    assert said[-1] == ("users.csv", None, None, None, None)
    assert r.sections["C1"].students == ("U2",)
    assert sorted(said[:-1]) == [("classes.csv", 2, "C2", "sourcedId", "C2 "),
                                 ("orgs.csv", 2, "S2", "sourcedId", "S2 "),
                                 ("users.csv", 2, "U1", "sourcedId", " U1 ")]
    p = next(p for p in r.problems if p.file == "users.csv")
    assert p.code == "other" and "' U1 '" in p.message and "'U1'" in p.message
    assert "Bo" not in p.message and "Kim" not in p.message


def test_a_deleted_id_naming_no_record_is_a_problem(tmp_path: Path) -> None:
    """A tobedeleted row whose id names no record of the base nor of the delta removes
    nothing and says so (it was silent); the rows naming records remove them."""
    base = _base(tmp_path)
    delta = _delta(tmp_path / "delta",
                   users_csv=_USERS_HEAD + "U9,tobedeleted,,,,,,,,,,,,,,,,\n"
                                           "U2,tobedeleted,,,,,,,,,,,,,,,,\n"
                                           ",tobedeleted,,,,,,,,,,,,,,,,\n")
    r = read_oneroster(delta, base=base)
    assert set(r.users) == {"T1", "U1"}
    assert [(p.code, p.file, p.line, p.field) for p in r.problems] == [
        ("other", "users.csv", 2, "sourcedId"), ("other", "users.csv", 4, "sourcedId"),
        ("other", "users.csv", None, None)]  # (U2's C1 enrollment, gone with it)
    assert r.problems[0].record_id == "U9" and "nothing removed" in r.problems[0].message
    assert "no sourcedId" in r.problems[1].message
    with pytest.raises(FormatError, match=r"users\.csv:2"):
        read_oneroster(delta, base=base, strict=True)


def test_a_deleted_row_without_an_id_spares_a_record_named_like_its_line(
        tmp_path: Path) -> None:
    """A tobedeleted row with no sourcedId (on line 2) removes nothing, even when a record's
    id reads like a placeholder of that row (``line 2``); so does the deletion of a class a
    later row gives again."""
    users = _USERS + "line 2,,,true,S1,student,,,Di,Eve,,,,,,,05,\n"
    classes = _CLASSES + "line 2,,,Art,05,,,scheduled,,S1,,,,\n"
    base = read_oneroster(_write(tmp_path / "base", {
        "manifest.csv": _BASE_MANIFEST, "orgs.csv": _ORGS, "users.csv": users,
        "classes.csv": classes, "enrollments.csv": _ENROLLMENTS}))
    delta = _delta(tmp_path / "delta",
                   users_csv=_USERS_HEAD + ",tobedeleted,,,,,,,,,,,,,,,,\n",
                   classes_csv=_CLASSES_HEAD + "C2,tobedeleted,,,,,,,,,,,,\n"
                   "C2,,,Art,05,,,scheduled,,S1,,,,\n")
    r = read_oneroster(delta, base=base)
    assert "line 2" in r.users
    assert "line 2" in r.sections and "C2" in r.sections


def test_a_deleted_id_of_a_record_the_delta_adds_needs_no_base_record(
        tmp_path: Path) -> None:
    """A delta that adds a user and deletes it again (``' U5'``): the record it names is
    the delta's own; removed with the padded-cell problem only."""
    base = _base(tmp_path)
    delta = _delta(tmp_path / "delta",
                   users_csv=_USERS_HEAD + "U5,,,true,S1,student,,,Di,Ro,,,,,,,05,\n"
                                           " U5,tobedeleted,,,,,,,,,,,,,,,,\n")
    r = read_oneroster(delta, base=base)
    assert "U5" not in r.users
    assert _said(r) == [("users.csv", 3, "U5", "sourcedId", " U5")]


def test_a_deleted_department_of_the_base_is_no_problem(tmp_path: Path) -> None:
    """A department (an org that is no district or school) has no record: a delta
    deleting one of the base's names an org all the same, and is no problem."""
    orgs = _ORGS + "DEP1,,,Science,department,,S1\n"
    base = read_oneroster(_write(tmp_path / "base", {
        "manifest.csv": _BASE_MANIFEST, "orgs.csv": orgs, "users.csv": _USERS,
        "classes.csv": _CLASSES.replace("Art,05,,,scheduled,,S1", "Art,05,,,scheduled,,DEP1"),
        "enrollments.csv": _ENROLLMENTS}))
    r = read_oneroster(_delta(tmp_path / "delta", orgs_csv=orgs.split("\n", 1)[0]
                              + "\nDEP1,tobedeleted,,,,,\nX9,tobedeleted,,,,,\n"), base=base)
    assert [(p.line, p.record_id) for p in r.problems] == [(3, "X9")]


def test_a_deleted_enrollment_with_padded_ids_removes_that_enrollment(
        tmp_path: Path) -> None:
    """A tobedeleted enrollment row naming ``' C1'`` and ``'U1 '``: U1 leaves C1 (a
    problem per padded cell); one naming a class or a user no record has is a problem
    and removes nothing."""
    base = _base(tmp_path)
    delta = _delta(tmp_path / "delta", enrollments_csv=_ENR_HEAD
                   + "e2,tobedeleted,, C1,S1,U1 ,student,,,\n"
                     "e8,tobedeleted,,C7,S1,U2,student,,,\n"
                     "e9,tobedeleted,,C1,S1,U8,student,,,\n")
    r = read_oneroster(delta, base=base)
    assert r.sections["C1"].students == ("U2",)
    assert _said(r) == [("enrollments.csv", 2, "e2", "classSourcedId", " C1"),
                        ("enrollments.csv", 2, "e2", "userSourcedId", "U1 "),
                        ("enrollments.csv", 3, "e8", "classSourcedId", None),
                        ("enrollments.csv", 4, "e9", "userSourcedId", None)]
    assert all("nothing removed" in p.message for p in r.problems[2:])


# an aide of C1 too (kept in the section's extra), for the deletions by sourcedId below
_USERS_AIDE = _USERS + "A1,,,true,S1,aide,,,Di,Orr,,,,,,,,\n"
_AIDE_ROW = "e5,,,C1,S1,A1,aide,,,\n"


def _base_aide(tmp_path: Path, enrollments: str = _ENROLLMENTS + _AIDE_ROW,
               name: str = "base") -> object:
    return read_oneroster(_write(tmp_path / name, {
        "manifest.csv": _BASE_MANIFEST, "orgs.csv": _ORGS, "users.csv": _USERS_AIDE,
        "classes.csv": _CLASSES, "enrollments.csv": enrollments}))


def _by_id(*ids: str) -> str:
    """enrollments.csv rows deleting ``ids`` by their sourcedId alone (as many SIS deltas
    do: OneRoster 1.1 CSV asks only sourcedId, status and dateLastModified of them)."""
    return _ENR_HEAD + "".join(f"{e},tobedeleted,2026-01-02,,,,,,,\n" for e in ids)


@pytest.mark.parametrize("eid,row", [("e2", "e2,,,C1,S1,U1,student,,,\n"),
                                     ("e1", "e1,,,C1,S1,T1,teacher,true,,\n"),
                                     ("e5", _AIDE_ROW)])
def test_an_enrollment_deleted_by_its_sourced_id_alone_is_removed(
        tmp_path: Path, eid: str, row: str) -> None:
    """A tobedeleted row giving only the enrollment's sourcedId (a student's, the primary
    teacher's, an aide's) removes the enrollment the base kept under that id, as the full
    row does: the class equals the bulk load without that row, with no problem."""
    base = _base_aide(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", enrollments_csv=_by_id(eid)), base=base)
    assert r.problems == []
    bulk = _base_aide(tmp_path, (_ENROLLMENTS + _AIDE_ROW).replace(row, ""), "bulk")
    assert r.sections == bulk.sections  # type: ignore[attr-defined]
    c1 = r.sections["C1"]
    assert (c1.students, c1.teachers, c1.teacher, c1.extra.get(OTHER_ROLES_KEY + "aide")) == {
        "e2": (("U2",), ("T1",), "T1", ["A1"]), "e1": (("U1", "U2"), None, None, ["A1"]),
        "e5": (("U1", "U2"), ("T1",), "T1", None)}[eid]
    ids = c1.extra.get(ENROLLMENT_IDS_KEY) or {}
    assert eid not in {e for users in ids.values() for e in users.values()}


def test_the_graph_no_longer_links_a_pair_deleted_by_sourced_id(tmp_path: Path) -> None:
    """The graph of the roster a deletion by sourcedId leaves has no edge between U1 and
    C1, nor between T1 and C1; U2 is still enrolled."""
    base = _base_aide(tmp_path)
    g = RosterGraph.from_roster(base)  # type: ignore[arg-type]
    assert "C1" in g.neighbors("U1", "enrolled_in") and g.neighbors("T1", "teaches") == ["C1"]
    r = read_oneroster(_delta(tmp_path / "delta", enrollments_csv=_by_id("e2", "e1")),
                       base=base)
    g = RosterGraph.from_roster(r)
    assert g.neighbors("U1", "enrolled_in") == [] and g.neighbors("T1", "teaches") == []
    assert g.neighbors("C1", "enrolled_in", reverse=True) == ["U2"]


def test_a_sourced_id_naming_no_enrollment_is_a_problem(tmp_path: Path) -> None:
    """An enrollment sourcedId no enrollment of the base or of the delta has removes
    nothing: a problem at its line names it (strict: an error)."""
    base = _base_aide(tmp_path)
    delta = _delta(tmp_path / "delta", enrollments_csv=_by_id("e2", "e9"))
    r = read_oneroster(delta, base=base)
    assert r.sections["C1"].students == ("U2",)
    assert _said(r) == [("enrollments.csv", 3, "e9", "sourcedId", None)]
    assert "'e9' names no enrollment" in r.problems[0].message
    assert "nothing removed" in r.problems[0].message
    with pytest.raises(FormatError, match=r"enrollments\.csv:3"):
        read_oneroster(delta, base=base, strict=True)


def test_a_padded_enrollment_sourced_id_removes_the_enrollment_it_names(
        tmp_path: Path) -> None:
    """``' e3 '`` names e3 once the spaces around it are ignored: U2 leaves C1, a problem
    keeps the cell as given."""
    base = _base_aide(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", enrollments_csv=_by_id(" e3 ")), base=base)
    assert r.sections["C1"].students == ("U1",)
    assert _said(r) == [("enrollments.csv", 2, "e3", "sourcedId", " e3 ")]
    assert "' e3 '" in r.problems[0].message and "'e3'" in r.problems[0].message


def test_an_enrollment_the_delta_adds_and_deletes_by_sourced_id(tmp_path: Path) -> None:
    """The delta enrolls U2 in the base's C2 (e7) and the A1 in its own class C3 (e8),
    then deletes both by sourcedId: neither is left, with no problem."""
    base = _base_aide(tmp_path)
    r = read_oneroster(_delta(
        tmp_path / "delta", classes_csv=_CLASSES_HEAD + "C3,,,Music,05,,,scheduled,,S1,,,,\n",
        enrollments_csv=_ENR_HEAD + "e7,,,C2,S1,U2,student,,,\ne8,,,C3,S1,A1,aide,,,\n"
        + _by_id("e7", "e8").split("\n", 1)[1]), base=base)
    assert r.problems == []
    assert r.sections["C2"].students is None
    assert OTHER_ROLES_KEY + "aide" not in r.sections["C3"].extra
    assert ENROLLMENT_IDS_KEY not in r.sections["C2"].extra


def test_an_enrollment_id_the_base_left_as_made_up_is_found(tmp_path: Path) -> None:
    """A base whose enrollment ids are those the writer makes up (``C1:<n>``: students,
    then teachers) keeps none of them; a delta naming ``C1:2`` deletes U2 all the same."""
    base = _base_aide(tmp_path, _ENR_HEAD + "C1:3,,,C1,S1,T1,teacher,true,,\n"
                      "C1:1,,,C1,S1,U1,student,,,\nC1:2,,,C1,S1,U2,student,,,\n")
    assert ENROLLMENT_IDS_KEY not in base.sections["C1"].extra  # type: ignore[attr-defined]
    r = read_oneroster(_delta(tmp_path / "delta", enrollments_csv=_by_id("C1:2")), base=base)
    assert r.problems == [] and r.sections["C1"].students == ("U1",)


def test_made_up_enrollment_ids_survive_a_delta_that_moves_them(tmp_path: Path) -> None:
    """The base's ids are those the writer makes up (``C1:<n>``, by position): a delta
    deleting ``C1:1`` moves U2 and T1 up, yet they keep ``C1:2`` and ``C1:3``. A second
    delta deleting ``C1:2`` removes U2, not T1; the roster written again gives T1 its
    id."""
    from rostergraph.io.write_oneroster import write_oneroster

    base = _base_aide(tmp_path, _ENR_HEAD + "C1:1,,,C1,S1,U1,student,,,\n"
                      "C1:2,,,C1,S1,U2,student,,,\nC1:3,,,C1,S1,T1,teacher,true,,\n")
    r1 = read_oneroster(_delta(tmp_path / "d1", enrollments_csv=_by_id("C1:1")), base=base)
    assert r1.problems == [] and r1.sections["C1"].students == ("U2",)
    write_oneroster(r1, tmp_path / "out")
    rows = (tmp_path / "out" / "enrollments.csv").read_text("utf-8").splitlines()
    assert sorted(row.split(",")[0] for row in rows if ",C1," in row) == ["C1:2", "C1:3"]
    r2 = read_oneroster(_delta(tmp_path / "d2", enrollments_csv=_by_id("C1:2")), base=r1)
    assert r2.problems == []
    c1 = r2.sections["C1"]
    assert (c1.students, c1.teachers, c1.teacher) == (None, ("T1",), "T1")


@pytest.mark.parametrize("deleted", ["e2,tobedeleted,2026-01-02,,,,,,,\n",
                                     "e2,tobedeleted,2026-01-02,C1,S1,U1,student,,,\n"])
@pytest.mark.parametrize("with_class", [False, True])
def test_an_enrollment_deleted_and_given_again_under_a_new_id_is_kept(
        tmp_path: Path, deleted: str, with_class: bool) -> None:
    """An SIS that re-creates U1's C1 enrollment deletes e2 and sends e9 (same class, user
    and role): the records are two, so U1 stays in C1 under e9, with no problem, as the
    bulk load of the base with e9 in place of e2 (with or without the class row
    re-sent)."""
    base = _base_aide(tmp_path)
    files = {"enrollments_csv": _ENR_HEAD + deleted + "e9,,,C1,S1,U1,student,,,\n"}
    if with_class:
        files["classes_csv"] = _CLASSES_HEAD + "C1,,,Math,05,,,scheduled,,S1,,,,\n"
    r = read_oneroster(_delta(tmp_path / "delta", **files), base=base)
    assert r.problems == []
    c1 = r.sections["C1"]
    assert set(c1.students or ()) == {"U1", "U2"}
    assert c1.extra[ENROLLMENT_IDS_KEY]["student"]["U1"] == "e9"


def test_a_row_whose_sourced_id_names_another_enrollment(tmp_path: Path) -> None:
    """e3 is U2's enrollment in C1. A full row ``e3`` naming U1 removes U1 (its class, user
    and role are read) and tells the disagreement; a row with only ``e3`` and a class
    removes U2 when the class agrees, and, when it does not, U2 all the same (the
    sourcedId names the enrollment) with a problem."""
    base = _base_aide(tmp_path)
    r = read_oneroster(_delta(tmp_path / "d1", enrollments_csv=_ENR_HEAD
                              + "e3,tobedeleted,,C1,S1,U1,student,,,\n"), base=base)
    assert r.sections["C1"].students == ("U2",)
    assert _said(r) == [("enrollments.csv", 2, "e3", "sourcedId", None)]
    assert "'U2'" in r.problems[0].message and "'U1'" in r.problems[0].message
    r = read_oneroster(_delta(tmp_path / "d2", enrollments_csv=_ENR_HEAD
                              + "e3,tobedeleted,,C1,,,,,,\n"), base=base)
    assert r.sections["C1"].students == ("U1",) and r.problems == []
    r = read_oneroster(_delta(tmp_path / "d3", enrollments_csv=_ENR_HEAD
                              + "e3,tobedeleted,,C2,,,,,,\n"), base=base)
    assert r.sections["C1"].students == ("U1",) and r.sections["C2"].students is None
    assert _said(r) == [("enrollments.csv", 2, "e3", "classSourcedId", "C2")]
    assert "'C1'" in r.problems[0].message and "'C2'" in r.problems[0].message


def test_full_enrollment_rows_need_no_index_of_ids(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows naming their enrollment by class, user and role whose sourcedId is that
    enrollment's (kept, or made up by the writer) never look an id up in the reverse
    index, which is built on a first lookup only (a base may hold millions of them)."""
    from rostergraph.io import oneroster_delta_enroll

    def no_index(*_: object) -> None:
        raise AssertionError("the reverse index was looked at")

    monkeypatch.setattr(oneroster_delta_enroll._Ids, "named", no_index)
    base = _base_aide(tmp_path)
    r = read_oneroster(_delta(tmp_path / "delta", enrollments_csv=_ENR_HEAD
                              + "e2,tobedeleted,,C1,S1,U1,student,,,\n"
                              "e3,tobedeleted,,C1,S1,U2,student,,,\n"), base=base)
    assert r.sections["C1"].students is None and r.problems == []
    made_up = _base_aide(tmp_path, _ENR_HEAD + "C1:1,,,C1,S1,U1,student,,,\n"
                         "C1:2,,,C1,S1,U2,student,,,\n", "made_up")
    r = read_oneroster(_delta(tmp_path / "d1", enrollments_csv=_ENR_HEAD
                              + "C1:2,tobedeleted,,C1,S1,U2,student,,,\n"), base=made_up)
    assert r.sections["C1"].students == ("U1",) and r.problems == []
    with pytest.raises(AssertionError, match="reverse index"):
        read_oneroster(_delta(tmp_path / "d2", enrollments_csv=_by_id("e2")), base=base)


def test_without_a_base_deletions_are_only_listed(tmp_path: Path) -> None:
    """Read alone, a delta's deletions remove nothing (there is nothing to remove from):
    its tobedeleted ids are listed in the notes as given, with no problem."""
    delta = _delta(tmp_path / "delta",
                   users_csv=_USERS_HEAD + " U1 ,tobedeleted,,,,,,,,,,,,,,,,\n"
                                           "U9,tobedeleted,,,,,,,,,,,,,,,,\n")
    r = read_oneroster(delta)
    assert not r.problems
    assert any(n.startswith("users: 2 rows with status tobedeleted") for n in
               r.provenance.notes)


def test_a_padded_deletion_leaves_the_delta_as_its_id_does(tmp_path: Path) -> None:
    """``' U1 '`` deletes U1 for the reading of the delta's other rows too, as ``U1``
    does: the contact P1 the delta updates keeps no link to the deleted student (it kept
    one to no record); ``' S2 '`` leaves S2 out of the orgs a delta's row may name."""
    users = (_USERS_HEAD + "T1,,,true,S1,teacher,,,Ann,Lee,,,,,,,,\n"
             "U1,,,true,S1,student,,,Bo,Kim,,,,,,P1,05,\n"
             "U2,,,true,S1,student,,,Cy,Day,,,,,,P1,05,\n"
             "P1,,,true,S1,parent,,,Pa,Kim,,,,,,,,\n")
    base = read_oneroster(_write(tmp_path / "base", {
        "manifest.csv": _BASE_MANIFEST, "orgs.csv": _ORGS, "users.csv": users,
        "classes.csv": _CLASSES, "enrollments.csv": _ENROLLMENTS}))
    got = {}
    for cell in ("U1", " U1 "):
        delta = _delta(tmp_path / f"delta{len(cell)}", users_csv=(
            _USERS_HEAD + "P1,active,,true,S1,parent,,,Pa,Kim,,,,,,,,\n"
            + f"{cell},tobedeleted,,,,,,,,,,,,,,,,\n"), orgs_csv=(
            _ORGS.split("\n", 1)[0] + f"\n{cell.replace('U1', 'S2')},tobedeleted,,,,,\n"),
            classes_csv=_CLASSES_HEAD + "C3,,,Art,05,,,scheduled,,S2,,,,\n")
        r = read_oneroster(delta, base=base)
        contact = r.users["P1"].roles.contact
        assert contact is not None
        got[cell] = ([s.student for s in contact.student_relationships or ()],
                     r.sections["C3"].school if "C3" in r.sections else "not loaded")
    assert got["U1"] == got[" U1 "] and got["U1"][0] == ["U2"]


def test_delta_students_naming_a_base_contact_link_once_each_in_order(tmp_path: Path) -> None:
    """A base contact named by the delta's students (one naming it twice) gains each once,
    in the rows' order (kept as an ordered set: many students naming one contact are linked
    in linear time)."""
    users = (_USERS_HEAD + "T1,,,true,S1,teacher,,,Ann,Lee,,,,,,,,\n"
             "P1,,,true,S1,parent,,,Pa,Kim,,,,,,,,\n")
    base = read_oneroster(_write(tmp_path / "base", {
        "manifest.csv": _BASE_MANIFEST, "orgs.csv": _ORGS, "users.csv": users,
        "classes.csv": _CLASSES, "enrollments.csv": _ENR_HEAD}))
    rows = "".join(f"N{i},active,,true,S1,student,,,A,B,,,,,,\"P1,P1\",05,\n"
                   for i in (3, 1, 2, 1))
    r = read_oneroster(_delta(tmp_path / "delta", users_csv=_USERS_HEAD + rows), base=base)
    contact = r.users["P1"].roles.contact
    assert contact is not None
    assert [s.student for s in contact.student_relationships or ()] == ["N3", "N1", "N2"]


@pytest.mark.parametrize("cell,enrolled", [(" c3 ", "c3"), ("c3", " c3"), ("c3 ", " c3")])
@pytest.mark.parametrize("deleted_enrollment", [False, True])
def test_an_enrollment_of_a_padded_deleted_class_says_marked_tobedeleted(
        tmp_path: Path, cell: str, enrolled: str, deleted_enrollment: bool) -> None:
    """A class deleted as ``' c3 '`` and an enrollment naming ``'c3'`` (or the other way
    round): the class ids are equal once spaces around them are ignored, so the enrollment
    is told as one of a class marked tobedeleted, not of an unknown class (the column-wise
    path, and the row-by-row one a tobedeleted enrollment row takes)."""
    classes = _CLASSES + f"{cell},tobedeleted,,,,,,,,,,,,\n"
    enr = _ENR_HEAD + f"e1,,,{enrolled},S1,U1,student,,,\n" + (
        "e2,tobedeleted,,C1,S1,U2,student,,,\n" if deleted_enrollment else "")
    r = read_oneroster(_delta(tmp_path / "delta", orgs_csv=_ORGS, users_csv=_USERS,
                              classes_csv=classes, enrollments_csv=enr))
    said = [p for p in r.problems if p.file == "enrollments.csv"]
    assert [(p.line, p.record_id) for p in said] == [(2, "e1")]
    assert "marked tobedeleted" in said[0].message and "unknown" not in said[0].message


def test_an_enrollment_with_no_class_is_not_of_a_deleted_class_with_no_id(
        tmp_path: Path) -> None:
    """A tobedeleted class row without a sourcedId deletes nothing, so an enrollment with
    an empty classSourcedId names an unknown class, not one marked tobedeleted."""
    classes = _CLASSES + ",tobedeleted,,,,,,,,,,,,\n"
    enr = _ENR_HEAD + "e1,,,,S1,U1,student,,,\n"
    r = read_oneroster(_delta(tmp_path / "delta", orgs_csv=_ORGS, users_csv=_USERS,
                              classes_csv=classes, enrollments_csv=enr))
    said = [p for p in r.problems if p.file == "enrollments.csv"]
    assert [(p.line, p.record_id) for p in said] == [(2, "e1")]
    assert "unknown class" in said[0].message and "tobedeleted" not in said[0].message


def test_the_oracle_tells_a_padded_deleted_class_the_same(tmp_path: Path) -> None:
    """The row-by-row oracle of the equivalence tests agrees (records and problems)."""
    from tests.test_csv_equivalence import assert_same

    r = assert_same("oneroster", _delta(
        tmp_path / "delta", orgs_csv=_ORGS, users_csv=_USERS,
        classes_csv=_CLASSES + " c3 ,tobedeleted,,,,,,,,,,,,\n",
        enrollments_csv=_ENR_HEAD + "e1,,,c3,S1,U1,student,,,\n"))
    assert "marked tobedeleted" in r.problems[0].message


@pytest.mark.parametrize("again_after", [True, False])
def test_a_class_deleted_and_given_again_by_a_later_row(tmp_path: Path,
                                                         again_after: bool) -> None:
    """classes.csv deletes C2, then gives it again (the rows are followed in file order,
    as users.csv's): C2 stays as its new row gives it, with U2's enrollment of the delta,
    and a problem at the deleting row says the deletion was not applied. Given, then
    deleted: C2 goes, with no problem."""
    rows = ["C2,tobedeleted,,,,,,,,,,,,\n", "C2,,,Art 2,05,,,scheduled,,S1,,,,\n"]
    delta = _delta(tmp_path / "delta",
                   classes_csv=_CLASSES_HEAD + "".join(rows if again_after else rows[::-1]),
                   enrollments_csv=_ENR_HEAD + "e8,,,C2,S1,U2,student,,,\n")
    r = read_oneroster(delta, base=_base(tmp_path))
    if not again_after:
        assert "C2" not in r.sections and r.problems == []
        return
    assert r.sections["C2"].name == "Art 2" and r.sections["C2"].students == ("U2",)
    assert _said(r) == [("classes.csv", 2, "C2", "sourcedId", None)]
    assert "line 3" in r.problems[0].message and "not applied" in r.problems[0].message
    with pytest.raises(FormatError, match=r"classes\.csv:2"):
        read_oneroster(delta, base=_base(tmp_path / "b2"), strict=True)


def test_a_padded_live_row_updates_the_base_record_it_names(tmp_path: Path) -> None:
    """An active delta row ``' U1 '`` (users.csv), ``'C2 '`` (classes.csv) or ``' S2'``
    (orgs.csv) updates the base's U1, C2 and S2, as a deletion so spelt deletes them: no
    second record beside them, a problem each keeping the cell; U1 stays in C1."""
    delta = _delta(tmp_path / "delta",
                   users_csv=_USERS_HEAD + " U1 ,active,,true,S1,student,,,Bo,Lu,,,,,,,06,\n",
                   classes_csv=_CLASSES_HEAD + "C2 ,,,Art 2,05,,,scheduled,,S1,,,,\n",
                   orgs_csv=_ORGS.split("\n", 1)[0] + "\n S2,,,South 2,school,,D1\n")
    r = read_oneroster(delta, base=_base(tmp_path))
    assert set(r.users) == {"T1", "U1", "U2"} and set(r.sections) == {"C1", "C2"}
    assert set(r.schools) == {"S1", "S2"}
    assert r.users["U1"].name.last == "Lu" and r.sections["C2"].name == "Art 2"
    assert r.schools["S2"].name == "South 2" and r.sections["C1"].students == ("U1", "U2")
    assert sorted(_said(r)) == [("classes.csv", 2, "C2", "sourcedId", "C2 "),
                                ("orgs.csv", 2, "S2", "sourcedId", " S2"),
                                ("users.csv", 2, "U1", "sourcedId", " U1 ")]
    p = next(p for p in r.problems if p.file == "users.csv")
    assert "' U1 '" in p.message and "'U1'" in p.message and "Lu" not in p.message
    # (read alone, a padded id is the record's own, kept as given)
    assert " U1 " in read_oneroster(delta).users


def test_a_padded_live_row_keeps_its_text_in_its_later_problems(tmp_path: Path) -> None:
    """A padded live row read as the base record it names keeps the text the source gave
    in the raw text of its later problems: ``' U1 '`` given again after ``U1`` (a
    duplicate), ``'C2 '`` after ``C2``, and org ``' S2'`` of a type with no Clever kind."""
    delta = _delta(tmp_path / "delta",
                   users_csv=_USERS_HEAD + "U1,active,,true,S1,student,,,Bo,Lu,,,,,,,06,\n"
                   " U1 ,active,,true,S1,student,,,Bo,Lu,,,,,,,06,\n",
                   classes_csv=_CLASSES_HEAD + "C2,,,Art 2,05,,,scheduled,,S1,,,,\n"
                   "C2 ,,,Art 3,05,,,scheduled,,S1,,,,\n",
                   orgs_csv=_ORGS.split("\n", 1)[0] + "\n S2,,,South 2,wing,,D1\n")
    r = read_oneroster(delta, base=_base(tmp_path))
    assert r.users["U1"].name.last == "Lu" and r.sections["C2"].name == "Art 2"
    later = {p.file: p for p in r.problems if p.field != "sourcedId"}
    assert {f: p.code for f, p in later.items()} == {"users.csv": "duplicate_id",
                                                     "classes.csv": "duplicate_id",
                                                     "orgs.csv": "other"}
    for f, cell in (("users.csv", " U1 "), ("classes.csv", "C2 "), ("orgs.csv", " S2")):
        raw = later[f].raw or ""
        assert f'"sourcedId":"{cell}"' in raw, (f, raw)
        assert later[f].line == (3 if f != "orgs.csv" else 2)


_SESSIONS_HEAD = ("sourcedId,status,dateLastModified,title,type,startDate,endDate,"
                  "parentSourcedId,schoolYear\n")
_COURSES_HEAD = ("sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,"
                 "grades,orgSourcedId,subjects,subjectCodes\n")
#: file → (its header, the row giving again the base's record it names, kind, record id)
_AGAIN = {"orgs": (_ORGS.split("\n", 1)[0] + "\n", "S2,,,South 2,school,,D1\n", "schools",
                   "S2"),
          "academicSessions": (_SESSIONS_HEAD, ("Y1,,,Year 2,schoolYear,2026-08-01,"
                               "2027-06-30,,2027\n"), "terms", "Y1"),
          "courses": (_COURSES_HEAD, "K1,,,,Maths 2,M2,,D1,,\n", "courses", "K1")}


@pytest.mark.parametrize("f", sorted(_AGAIN))
@pytest.mark.parametrize("again_after", [True, False])
def test_an_org_session_or_course_deleted_and_given_again_by_a_later_row(
        tmp_path: Path, f: str, again_after: bool) -> None:
    """orgs.csv, academicSessions.csv or courses.csv deletes a record of the base, then
    gives it again (followed in file order, as classes.csv's): it stays as the later row
    gives it, with a problem at the deleting row saying so. Given, then deleted: it goes,
    with no problem."""
    base = read_oneroster(_write(tmp_path / "base", {
        "manifest.csv": _BASE_MANIFEST + "file.academicSessions,bulk\nfile.courses,bulk\n",
        "orgs.csv": _ORGS, "users.csv": _USERS, "classes.csv": _CLASSES,
        "enrollments.csv": _ENROLLMENTS,
        "academicSessions.csv": _SESSIONS_HEAD + "Y1,,,Year,schoolYear,2025-08-01,"
                                                 "2026-06-30,,2026\n",
        "courses.csv": _COURSES_HEAD + "K1,,,,Maths,M1,,D1,,\n"}))
    head, row, kind, rid = _AGAIN[f]
    gone = f"{rid},tobedeleted,," + "," * (head.count(",") - 3) + "\n"
    rows = [gone, row] if again_after else [row, gone]
    delta = _delta(tmp_path / "delta", **{f + "_csv": head + "".join(rows)})
    r = read_oneroster(delta, base=base)
    if not again_after:
        assert rid not in r.records(kind) and r.problems == []
        return
    assert r.records(kind)[rid].name.endswith("2")
    assert _said(r) == [(f + ".csv", 2, rid, "sourcedId", None)]
    assert "line 3" in r.problems[0].message and "not applied" in r.problems[0].message
    assert r.problems[0].kind == kind


@pytest.mark.parametrize(("rows", "after"), [
    ("e3,tobedeleted,,,,,,,,\ne3,,,C1,S1,U2,student,,2024-01-01,\n",
     "e3,,,C1,S1,U2,student,,2024-01-01,\n"),
    ("e3,tobedeleted,,C1,S1,U2,student,,,\ne3,,,C1,S1,U2,student,,,\n",
     "e3,,,C1,S1,U2,student,,,\n"),
    ("e9,tobedeleted,,,,,,,,\ne9,,,C2,S1,U1,student,,,\n", "e9,,,C2,S1,U1,student,,,\n"),
    ("e3,,,C1,S1,U2,student,,2024-01-01,\ne3,tobedeleted,,,,,,,,\n", None),
    ("e9,,,C2,S1,U1,student,,,\ne9,tobedeleted,,C2,S1,U1,student,,,\n", "")])
def test_an_enrollment_given_and_deleted_in_one_delta_follows_file_order(
        tmp_path: Path, rows: str, after: str | None) -> None:
    """One enrollment sourcedId given and deleted in one enrollments.csv: the later row
    wins, as in users.csv and the 1.2 roles.csv (deleted then given: the deletion is not
    applied, a problem at its line says so), and the result is the bulk load of the
    enrollments after the change (``after``: ``None`` for e3's row gone)."""
    r = read_oneroster(_delta(tmp_path / "delta", enrollments_csv=_ENR_HEAD + rows),
                       base=_base(tmp_path))
    kept = "".join(line + "\n" for line in _ENROLLMENTS.splitlines()[1:]
                   if after is not None or not line.startswith("e3,"))
    if after and after.startswith("e3,"):
        kept = kept.replace("e3,,,C1,S1,U2,student,,,\n", after)
    want = base(tmp_path / "after", _USERS, _ENR_HEAD + kept + (
        after if after and not after.startswith("e3,") else ""))
    for cid in ("C1", "C2"):
        got, bulk = r.sections[cid], want.sections[cid]
        assert (got.students, got.teachers, got.teacher) == (
            bulk.students, bulk.teachers, bulk.teacher), cid
        assert dict(got.extra) == dict(bulk.extra), cid
    again = rows.startswith(rows.split(",")[0] + ",tobedeleted")
    assert [p.message for p in r.problems] == ([
        (f"status tobedeleted: enrollment row {rows.split(',')[0]!r} is given again by a "
        "later row of this delta (line 3), which is loaded; the deletion is not applied")]
        if again else [])
