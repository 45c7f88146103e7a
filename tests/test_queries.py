"""Association queries: CSR answers against naive implementations of the definitions in docs/queries.md."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings

import rostergraph
from rostergraph import queries as q
from rostergraph.errors import UnknownIdError, WrongKindError
from rostergraph.graph import RosterGraph
from rostergraph.model import Roles, School, Section, StudentRole, TeacherRole, User
from rostergraph.roster import Roster

from .strategies import rosters

# --- naive implementations, written from docs/queries.md ---------------------------


def _existing_sections(r: Roster) -> list[Section]:
    return list(r.sections.values())


def _has(r: Roster, uid: str, role: str) -> bool:
    """Whether ``uid`` is a user record holding ``role`` (a section's listing links only
    students as students and teachers as teachers)."""
    u = r.users.get(uid)
    return u is not None and getattr(u.roles, role) is not None


def naive_reach(r: Roster) -> dict[tuple[str, str], int]:
    """reach(teacher): students enrolled in at least one section whose `teachers`
    list contains the teacher (primary or co-teacher); counted per distinct section."""
    out: Counter[tuple[str, str]] = Counter()
    for sec in _existing_sections(r):
        teachers = sec.teachers or ((sec.teacher,) if sec.teacher else ())
        for t in set(teachers):
            for s in set(sec.students or ()):
                if _has(r, t, "teacher") and _has(r, s, "student"):
                    out[(t, s)] += 1
    return dict(out)


def naive_orphans(r: Roster) -> set[tuple[str, str, str]]:
    in_section_students = {s for sec in r.sections.values() for s in (sec.students or ())}
    in_section_teachers = {t for sec in r.sections.values()
                           for t in (sec.teachers or ((sec.teacher,) if sec.teacher else ()))}
    out = set()
    for u in r.users.values():
        roles = u.roles
        if roles.student is not None and u.id not in in_section_students:
            out.add((u.id, "student", "no_section"))
        if roles.teacher is not None and u.id not in in_section_teachers:
            out.add((u.id, "teacher", "no_section"))
        if roles.contact is not None:
            linked = any(rel.student in r.users and r.users[rel.student].roles.student
                         is not None for rel in roles.contact.student_relationships or ())
            if not linked:
                out.add((u.id, "contact", "no_student"))
        if roles.staff is not None and not roles.staff.schools:  # ids count, records or not
            out.add((u.id, "staff", "no_school"))
    return out


def naive_cross(r: Roster, role: str) -> set[tuple[str, str, str, str, bool, bool, bool]]:
    """Cross-school rows; schools compare by id whether or not their record exists."""
    out = set()
    for sec in r.sections.values():
        if sec.school is None:
            continue
        listed = (sec.students or ()) if role == "student" else (
            sec.teachers or ((sec.teacher,) if sec.teacher else ()))
        for uid in set(listed):
            u = r.users.get(uid)
            if u is None:
                continue
            rr = getattr(u.roles, role)
            if rr is None or rr.school is None:
                continue
            if rr.school != sec.school:
                schools = {rr.school, *(rr.schools or ())}
                if role == "teacher" and u.roles.staff is not None:
                    schools |= set(u.roles.staff.schools or ())
                out.add((uid, sec.id, sec.school, rr.school, sec.school in schools,
                         sec.school not in r.schools, rr.school not in r.schools))
    return out


def naive_visible(r: Roster, uid: str) -> set[tuple[str, str]]:
    """(user, role) pairs visible to uid, per the visibility rules of docs/queries.md."""
    u = r.users[uid]
    out: set[tuple[str, str]] = set()
    secs = list(r.sections.values())

    def teachers_of(sec: Section) -> set[str]:
        return {t for t in (sec.teachers or ((sec.teacher,) if sec.teacher else ()))
                if _has(r, t, "teacher")}

    if u.roles.teacher is not None:
        for sec in secs:
            if uid in teachers_of(sec):
                out |= {(s, "teacher") for s in sec.students or () if _has(r, s, "student")}
                out |= {(t, "teacher") for t in teachers_of(sec)}
    if u.roles.student is not None:
        for sec in secs:
            if uid in (sec.students or ()):
                out |= {(t, "student") for t in teachers_of(sec)}
    if u.roles.staff is not None:
        mine = set(u.roles.staff.schools or ())  # school ids, delivered or not
        for v in r.users.values():
            theirs: set[str] = set()
            for role in ("student", "teacher"):
                rr = getattr(v.roles, role)
                if rr is not None:
                    theirs |= {x for x in (rr.school, *(rr.schools or ())) if x}
            if v.roles.staff is not None:
                theirs |= set(v.roles.staff.schools or ())
            if theirs & mine:
                out.add((v.id, "staff"))
    if u.roles.district_admin is not None:
        out |= {(v.id, "district_admin") for v in r.users.values() if v.district == u.district}
    if u.roles.contact is not None:
        for rel in u.roles.contact.student_relationships or ():
            v = r.users.get(rel.student)
            if v is not None and v.roles.student is not None:
                out.add((v.id, "contact"))
    return {(x, role) for x, role in out if x in r.users and x != uid}


# --- properties --------------------------------------------------------------------

PROP = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROP
@given(rosters())
def test_reach_pairs_match_naive(r: Roster) -> None:
    """reach_pairs equals the naive per-section enumeration, counts included."""
    g = RosterGraph.from_roster(r)
    got = {(t, s): n for t, s, n in q.reach_pairs(g)}
    assert got == naive_reach(r)


@PROP
@given(rosters())
def test_students_and_teachers_of_match_naive(r: Roster) -> None:
    """students_of / teachers_of / can_reach / linking_sections agree with naive reach."""
    g = RosterGraph.from_roster(r)
    reach = naive_reach(r)
    for t in (u.id for u in r.users.values() if u.roles.teacher is not None):
        got = {s: n for s, n, _ in q.students_of(g, t)}
        assert got == {s: n for (tt, s), n in reach.items() if tt == t}
        for s in (u.id for u in r.users.values() if u.roles.student is not None):
            assert q.can_reach(g, t, s) == ((t, s) in reach)
            assert len(q.linking_sections(g, t, s)) == reach.get((t, s), 0)
    for s in (u.id for u in r.users.values() if u.roles.student is not None):
        got = {t: n for t, n, _ in q.teachers_of(g, s)}
        assert got == {t: n for (t, ss), n in reach.items() if ss == s}


@PROP
@given(rosters())
def test_primary_only_counts_sections_where_primary(r: Roster) -> None:
    """students_of(primary_only=True) counts only sections where the teacher is primary."""
    g = RosterGraph.from_roster(r)
    for t in (u.id for u in r.users.values() if u.roles.teacher is not None):
        expected: Counter[str] = Counter()
        for sec in r.sections.values():
            teachers = sec.teachers or ((sec.teacher,) if sec.teacher else ())
            # (an empty id names no teacher: the first one given is the primary)
            primary = sec.teacher or next((x for x in teachers if x), None)
            if t in teachers and primary == t:
                for s in set(sec.students or ()):
                    if _has(r, s, "student"):
                        expected[s] += 1
        got = {s: n for s, n, _ in q.students_of(g, t, primary_only=True)}
        assert got == dict(expected)


@PROP
@given(rosters())
def test_orphans_match_naive(r: Roster) -> None:
    """orphaned_users lists exactly the (user, role, reason) rows docs/queries.md defines."""
    g = RosterGraph.from_roster(r)
    got = set(q.orphaned_users(g))
    assert got == naive_orphans(r)
    assert all(role != "district_admin" for _, role, _ in got)


@PROP
@given(rosters())
def test_cross_school_match_naive(r: Roster) -> None:
    """cross_school_enrollments / _teaching match the naive definition, in_schools included."""
    g = RosterGraph.from_roster(r)
    assert set(q.cross_school_enrollments(g)) == naive_cross(r, "student")
    assert set(q.cross_school_teaching(g)) == naive_cross(r, "teacher")
    flow = q.school_flow(g)
    cells: dict[tuple[str, str], set[str]] = defaultdict(set)
    pairs: Counter[tuple[str, str]] = Counter()
    for s, _, school, home, *_ in naive_cross(r, "student"):
        cells[(home, school)].add(s)
        pairs[(home, school)] += 1
    assert {(a, b): (p, n, am, bm) for a, b, p, n, am, bm in flow} == {
        k: (pairs[k], len(v), k[0] not in r.schools, k[1] not in r.schools)
        for k, v in cells.items()}


@PROP
@given(rosters())
def test_visible_users_match_naive(r: Roster) -> None:
    """visible_users gives the union over roles of docs/queries.md's visibility rules."""
    g = RosterGraph.from_roster(r)
    for uid in r.users:
        vis = q.visible_users(g, uid)
        got = {(u, role) for u, _, role, _ in vis}
        assert got == naive_visible(r, uid)
        for u, their in zip(vis.to_list("user"), vis.to_list("role")):  # listed user's roles
            assert their == " ".join(g.role_names(g.index_of("user", u)))


@PROP
@given(rosters())
def test_summary_is_consistent(r: Roster) -> None:
    """summary's histograms add up to the record counts and to reach sizes."""
    g = RosterGraph.from_roster(r)
    s = q.summary(g)
    assert int(s["section_sizes"]["sections"].sum()) == len(r.sections)
    n_teachers = sum(1 for u in r.users.values() if u.roles.teacher is not None)
    assert int(s["reach_set_sizes"]["teachers"].sum()) == n_teachers
    reach = naive_reach(r)
    per_teacher = Counter(t for t, _ in reach)
    sizes = Counter(per_teacher.get(u.id, 0) for u in r.users.values()
                    if u.roles.teacher is not None)
    assert dict(zip(s["reach_set_sizes"].to_list("students"),
                    s["reach_set_sizes"].to_list("teachers"))) == dict(sizes)


# --- filters and errors ----------------------------------------------------------------


def _small() -> RosterGraph:
    r = Roster(
        schools=[School(id="A"), School(id="B")],
        sections=[Section(id="s1", school="A", term_id="T1", teacher="t1", teachers=("t1",),
                          students=("u1", "u2")),
                  Section(id="s2", school="B", term_id="T2", teacher="t1", teachers=("t1", "t2"),
                          students=("u2",))],
        users=[User(id="t1", roles=Roles(teacher=TeacherRole(school="A"))),
               User(id="t2", roles=Roles(teacher=TeacherRole(school="B"))),
               User(id="u1", roles=Roles(student=StudentRole(school="A"))),
               User(id="u2", roles=Roles(student=StudentRole(school="A", schools=("A",))))],
    )
    return RosterGraph.from_roster(r)


def test_reach_pairs_filters_by_school_and_term() -> None:
    """reach_pairs(school=, term=) counts only the sections of that school/term."""
    g = _small()
    assert set(q.reach_pairs(g, school="B")) == {("t1", "u2", 1), ("t2", "u2", 1)}
    assert set(q.reach_pairs(g, term="T1")) == {("t1", "u1", 1), ("t1", "u2", 1)}
    assert {(t, s): n for t, s, n in q.reach_pairs(g)}[("t1", "u2")] == 2


def test_unknown_and_wrong_kind_ids_raise() -> None:
    """Unknown ids raise UnknownIdError naming kinds; a student as teacher says what it is."""
    g = _small()
    with pytest.raises(UnknownIdError, match="nobody"):
        q.students_of(g, "nobody")
    with pytest.raises(WrongKindError, match="roles student"):
        q.students_of(g, "u1")
    with pytest.raises(WrongKindError, match="is a section"):
        q.teachers_of(g, "s1")
    with pytest.raises(UnknownIdError, match="school"):
        q.reach_pairs(g, school="nowhere")
    assert isinstance(UnknownIdError("x", ("user",)), KeyError)


def test_cross_school_in_schools_flag() -> None:
    """A section at a school missing from the student's schools is flagged in_schools=False."""
    g = _small()
    rows = q.cross_school_enrollments(g).to_dicts()
    assert rows == [{"student": "u2", "section": "s2", "school": "B", "primary_school": "A",
                     "in_schools": False, "school_missing": False,
                     "primary_school_missing": False}]


def test_queries_never_import_networkx() -> None:
    """The CSR queries run with networkx import blocked."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'networkx' or name.startswith('networkx.'):\n"
        "            raise ImportError('networkx blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import rostergraph as rg\n"
        "g = rg.RosterGraph.from_roster(rg.sample())\n"
        "rg.reach_pairs(g); rg.orphaned_users(g); rg.cross_school_enrollments(g)\n"
        "rg.cross_school_teaching(g); rg.school_flow(g); rg.summary(g)\n"
        "t = rg.reach_pairs(g).to_list('teacher')[0]\n"
        "rg.students_of(g, t); rg.visible_users(g, t)\n"
        "assert 'networkx' not in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_reach_pairs_of_sample_agrees_with_networkx_projection() -> None:
    """reach_pairs on the sample equals the pairs of student_teacher_graph()."""
    g = RosterGraph.from_roster(rostergraph.sample())
    P = g.student_teacher_graph()
    roles = {n: set(d.get("roles", ())) for n, d in P.nodes(data=True)}
    proj: Counter[tuple[str, str]] = Counter()
    for a, b, key, data in P.edges(keys=True, data=True):
        # a MultiGraph edge is unordered: orient it teacher → student via the section
        sec = g.roster.sections[key]
        if a in (sec.teachers or ()) and b in (sec.students or ()):
            proj[(a, b)] += 1
        if b in (sec.teachers or ()) and a in (sec.students or ()) and a != b:
            proj[(b, a)] += 1
    assert {(t, s): n for t, s, n in q.reach_pairs(g)} == dict(proj)
    assert roles  # the projection has nodes


def test_reach_pair_indices_cannot_change_the_graphs_reach() -> None:
    """The index arrays share memory with what the graph keeps for ``reach_pairs``: they
    are read-only, so a caller's in-place edit cannot change later answers."""
    from rostergraph.queries.reach import reach_pair_indices

    g = RosterGraph.from_roster(rostergraph.sample())
    before = q.reach_pairs(g).to_list("student")
    t, s = reach_pair_indices(g)
    for a in (t, s):
        with pytest.raises(ValueError):
            a[:] = 0
    assert q.reach_pairs(g).to_list("student") == before


def test_a_roster_given_where_the_graph_goes_is_told() -> None:
    """``reach_pairs(roster)`` (a Roster, not its graph: a notebook's first try) raised an
    AttributeError from inside (``'Roster' object has no attribute 'n_records'``); each
    query now says what it takes and how to make it."""
    r = rostergraph.sample()
    t, s, _ = next(iter(q.reach_pairs(RosterGraph.from_roster(r))))
    calls = {"reach_pairs": (), "orphaned_users": (), "cross_school_enrollments": (),
             "cross_school_teaching": (), "school_flow": (), "summary": (),
             "students_of": (t,), "teachers_of": (s,), "can_reach": (t, s),
             "linking_sections": (t, s), "visible_users": (t,)}
    for name, args in calls.items():
        with pytest.raises(TypeError, match=rf"^{name}\(\) takes a RosterGraph, not Roster: "
                                            r"rostergraph\.RosterGraph\.from_roster\(roster\)"):
            getattr(q, name)(r, *args)


def test_users_listed_without_the_role_link_no_one(tmp_path: Path) -> None:
    """A section's ``students`` link only users with the student role and its ``teachers``
    only users with the teacher role (Clever's data model); any other user a section lists
    is RG-REF-002's finding and reaches, and is reached by, no one."""
    users = [
        {"id": "t1", "roles": {"teacher": {"school": "A"}}},
        {"id": "s1", "roles": {"student": {"school": "A"}}},
        {"id": "f1", "roles": {"staff": {"schools": ["A"]}}},
        {"id": "c1", "roles": {"contact": {"student_relationships": [{"student": "s1"}]}}},
        {"id": "s9", "roles": {"student": {"school": "A"}}},
        {"id": "t9", "roles": {"teacher": {"school": "A"}}},
    ]
    sections = [{"id": "x1", "school": "A", "teacher": "t1", "teachers": ["t1", "f1", "s9"],
                 "students": ["s1", "t1", "c1", "t9"]}]
    for kind, recs in (("users", users), ("sections", sections)):
        (tmp_path / f"{kind}.jsonl").write_bytes(b"".join(orjson.dumps(x) + b"\n"
                                                          for x in recs))
    g = RosterGraph.from_roster(rostergraph.load(tmp_path))
    assert [(t, s) for t, s, _ in q.reach_pairs(g)] == [("t1", "s1")]
    assert q.students_of(g, "t1").to_list("student") == ["s1"]
    assert q.teachers_of(g, "s1").to_list("teacher") == ["t1"]
    with pytest.raises(WrongKindError):  # (t9 is no student, though x1 lists it as one)
        q.can_reach(g, "t1", "t9")
    assert sorted(q.visible_users(g, "t1").to_list("user")) == ["s1"]
    assert q.visible_users(g, "s1").to_list("user") == ["t1"]
    # s9 and t9 are listed, but not as what they are: orphans of their own roles
    assert sorted((u, role) for u, role, _ in q.orphaned_users(g)) == [
        ("s9", "student"), ("t9", "teacher")]
    P = g.student_teacher_graph()
    assert sorted(tuple(sorted(e)) for e in P.edges()) == [("s1", "t1")]
    found = {(f.ids, f.rule) for f in rostergraph.validate(g).findings}
    assert {(("x1", u), "RG-REF-002") for u in ("t1", "c1", "t9", "f1", "s9")} <= found
    sizes = q.summary(g)
    assert sizes["section_sizes"].to_dicts() == [{"students": 1, "sections": 1}]
    assert sizes["teachers_per_section"].to_dicts() == [{"teachers": 1, "sections": 1}]
