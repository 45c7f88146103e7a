"""``list_records`` (``rostergraph list``) on rosters whose schools were not all delivered."""

from __future__ import annotations

import pytest

from rostergraph.errors import UnknownIdError
from rostergraph.graph import RosterGraph
from rostergraph.listing import list_records
from rostergraph.model import Roles, Section, StudentRole, TeacherRole, User
from rostergraph.queries import reach_pairs
from rostergraph.roster import Roster


def _no_schools() -> RosterGraph:
    """A dump without ``schools``: school ``sc1`` is known only by id (a stub node)."""
    users = [User(id="s1", roles=Roles(student=StudentRole(school="sc1"))),
             User(id="s2", roles=Roles(student=StudentRole(school="sc2"))),
             User(id="t1", roles=Roles(teacher=TeacherRole(school="sc1")))]
    sections = [Section(id="se1", school="sc1", teachers=("t1",), teacher="t1",
                        students=("s1", "s2")),
                Section(id="se2", school="sc2", students=("s2",))]
    return RosterGraph.from_roster(Roster(users=users, sections=sections))


@pytest.mark.parametrize("kind,column,want", [("students", "user", ["s1"]),
                                              ("teachers", "user", ["t1"]),
                                              ("sections", "section", ["se1"]),
                                              ("schools", "school", ["sc1"])])
def test_school_filter_takes_a_school_known_only_by_id(kind: str, column: str,
                                                       want: list[str]) -> None:
    """``--school`` with a referenced school id that has no record keeps that school's
    records, as ``reach_pairs(school=...)`` does (a place is known by its id); it raised
    UnknownIdError ("a stub node")."""
    g = _no_schools()
    assert len(reach_pairs(g, school="sc1")) == 2
    t = list_records(g, kind, school="sc1")
    assert t.to_list(column) == want
    if kind == "schools":
        assert t.to_dicts() == [{"school": "sc1", "name": None, "students": 1, "teachers": 1,
                                 "sections": 1}]


def test_school_filter_still_refuses_an_id_nobody_references() -> None:
    with pytest.raises(UnknownIdError):
        list_records(_no_schools(), "students", school="nowhere")


def test_schools_known_only_by_id_are_listed_after_the_records() -> None:
    """``list schools`` of a dump without school records lists the schools its sections
    and users name (no name: there is no record), with their counts; it listed none."""
    t = list_records(_no_schools(), "schools")
    assert t.to_dicts() == [
        {"school": "sc1", "name": None, "students": 1, "teachers": 1, "sections": 1},
        {"school": "sc2", "name": None, "students": 1, "teachers": 0, "sections": 1}]
    roster = _no_schools().roster
    from rostergraph.model import School

    with_one = RosterGraph.from_roster(roster.replace(schools=[School(id="sc2", name="South")]))
    assert list_records(with_one, "schools").to_list("school") == ["sc2", "sc1"]
    assert list_records(with_one, "schools", name="south").to_list("school") == ["sc2"]
