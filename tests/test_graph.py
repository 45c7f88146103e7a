"""RosterGraph: relations, stubs, CSR invariants and the networkx views."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import rostergraph
from rostergraph.errors import FormatError, UnknownIdError, WrongKindError
from rostergraph.graph import RELATIONS, RosterGraph
from rostergraph.model import (
    ContactRole,
    DistrictAdminRole,
    Roles,
    School,
    Section,
    StaffRole,
    StudentRelationship,
    StudentRole,
    TeacherRole,
    User,
)
from rostergraph.roster import Roster

from .strategies import rosters


def _roster() -> Roster:
    return Roster(
        schools=[School(id="A", district="d1"), School(id="B", district="d1")],
        sections=[
            Section(id="s1", school="A", course="c-missing", term_id="T", teacher="t1",
                    teachers=("t1", "t2"), students=("u1", "ghost")),
        ],
        users=[
            User(id="t1", district="d1", roles=Roles(teacher=TeacherRole(school="A",
                                                                         schools=("A", "B")))),
            User(id="t2", district="d1", roles=Roles(
                teacher=TeacherRole(school="B"), staff=StaffRole(schools=("A",)),
                district_admin=DistrictAdminRole())),
            User(id="u1", district="d1", roles=Roles(student=StudentRole(school="A"))),
            User(id="c1", district="d1", roles=Roles(contact=ContactRole(student_relationships=(
                StudentRelationship(student="u1", relationship="Parent", type="Family"),
                StudentRelationship(student="nobody", relationship="Other", type="Emergency"),
            )))),
        ],
    )


def test_relations_follow_design_table() -> None:
    """Each record field becomes its graph relation (rostergraph/graph.py) with its attributes."""
    g = RosterGraph.from_roster(_roster())
    assert set(g.edges("in_district")) == {("A", "d1"), ("B", "d1")}
    assert set(g.edges("taught_at")) == {("s1", "A")}
    assert set(g.edges("of_course")) == {("s1", "c-missing")}
    assert set(g.edges("in_term")) == {("s1", "T")}
    assert set(g.edges("enrolled_in")) == {("u1", "s1"), ("ghost", "s1")}
    assert set(g.edges("teaches")) == {("t1", "s1", True), ("t2", "s1", False)}
    assert set(g.edges("attends")) == {("u1", "A", True)}
    assert set(g.edges("works_at")) == {("t1", "A", True), ("t1", "B", False),
                                        ("t2", "B", True), ("t2", "A", False)}
    assert set(g.edges("administers")) == {("t2", "d1")}
    assert set(g.edges("contact_for")) == {("c1", "u1", "Parent", "Family"),
                                           ("c1", "nobody", "Other", "Emergency")}


def test_stub_nodes_for_missing_referents() -> None:
    """References without records become stubs flagged missing, listed by stubs()."""
    g = RosterGraph.from_roster(_roster())
    assert g.stub_counts() == {"district": 1, "school": 0, "term": 1, "course": 1,
                               "section": 0, "user": 2}
    stubs = {(k, i) for k, i, _, _ in g.stubs()}
    assert stubs == {("district", "d1"), ("term", "T"), ("course", "c-missing"),
                     ("user", "ghost"), ("user", "nobody")}
    assert g.missing("user")[g.index_of("user", "ghost", allow_missing=True)]
    assert g.roles[g.index_of("user", "ghost", allow_missing=True)] == 0


def test_roles_bitmask_and_counts() -> None:
    """A multi-role user carries every role; role_counts counts per role."""
    g = RosterGraph.from_roster(_roster())
    i = g.index_of("user", "t2")
    assert g.role_names(i) == ("teacher", "staff", "district_admin")
    assert g.role_counts() == {"student": 1, "teacher": 2, "staff": 1, "district_admin": 1,
                               "contact": 1}


def test_index_of_errors_say_what_the_id_is() -> None:
    """Unknown ids, stubs and ids of the wrong kind or role raise with clear messages."""
    g = RosterGraph.from_roster(_roster())
    with pytest.raises(UnknownIdError, match="searched: user"):
        g.index_of("user", "zzz")
    with pytest.raises(UnknownIdError, match="stub"):
        g.index_of("user", "ghost")
    with pytest.raises(WrongKindError, match="'s1' is a section, not a user"):
        g.index_of("user", "s1")
    with pytest.raises(WrongKindError, match="roles student"):
        g.index_of("user", "u1", role="teacher")


def test_no_student_teacher_edge_exists() -> None:
    """Invariant: no relation links a student to a teacher directly."""
    for name, (src, dst, _) in RELATIONS.items():
        assert not (src == "user" and dst == "user" and name != "contact_for")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rosters())
def test_csr_invariants(r: Roster) -> None:
    """Forward and reverse CSR describe the same edge multiset, sorted and in range."""
    g = RosterGraph.from_roster(r)
    for name, rel in g.relations.items():
        assert np.all(np.diff(rel.src) >= 0)
        assert rel.indptr[-1] == len(rel.src) == rel.rindptr[-1]
        assert rel.src.max(initial=-1) < g.n_nodes(rel.src_kind)
        assert rel.dst.max(initial=-1) < g.n_nodes(rel.dst_kind)
        fwd = Counter(zip(rel.src.tolist(), rel.dst.tolist()))
        rev = Counter()
        for j in range(g.n_nodes(rel.dst_kind)):
            for s in rel.into(j).tolist():
                rev[(s, j)] += 1
        assert fwd == rev
        # redge points back at the forward edge of each reverse entry
        assert np.array_equal(rel.src[rel.redge], rel.rsrc)
        for a, arr in rel.attrs.items():
            assert len(arr) == len(rel.src), (name, a)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rosters())
def test_networkx_view_agrees_edge_for_edge(r: Roster) -> None:
    """to_networkx() holds exactly the CSR edges (relation and attributes included)."""
    _assert_nx_agrees(RosterGraph.from_roster(r))


def test_networkx_view_agrees_on_sample() -> None:
    """On the embedded sample, networkx and CSR agree edge for edge."""
    _assert_nx_agrees(RosterGraph.from_roster(rostergraph.sample()))


def _assert_nx_agrees(g: RosterGraph) -> None:
    G = g.to_networkx()
    csr: Counter = Counter()
    for name in RELATIONS:
        for row in g.edges(name):
            csr[(row[0], row[1], name, tuple(row[2:]))] += 1
    nx_edges: Counter = Counter()
    for a, b, data in G.edges(data=True):
        attrs = tuple(data[k] for k in RELATIONS[data["relation"]][2])
        nx_edges[(a, b, data["relation"], attrs)] += 1
    assert csr == nx_edges
    counts = g.counts()
    stubs = g.stub_counts()
    kinds = Counter(d["kind"] for _, d in G.nodes(data=True))
    assert dict(kinds) == {k: counts[k] + stubs[k] for k in counts if counts[k] + stubs[k]}


def test_networkx_subgraph_around_a_section() -> None:
    """around=section, radius=1 keeps the section and its direct neighbours only."""
    g = RosterGraph.from_roster(_roster())
    G = g.to_networkx(around="s1", radius=1)
    assert set(G.nodes) == {"s1", "A", "c-missing", "T", "u1", "ghost", "t1", "t2"}
    H = g.to_networkx(kinds=["user", "section"], relations=["teaches"])
    assert {d["relation"] for _, _, d in H.edges(data=True)} == {"teaches"}
    with pytest.raises(UnknownIdError):
        g.to_networkx(around="nope")


def test_student_teacher_projection_one_edge_per_shared_section() -> None:
    """student_teacher_graph has an edge per (student, teacher, section), key = section id."""
    g = RosterGraph.from_roster(_roster())
    P = g.student_teacher_graph()
    edges = sorted((tuple(sorted((a, b))), k) for a, b, k in P.edges(keys=True))
    assert edges == [(("t1", "u1"), "s1"), (("t2", "u1"), "s1")]  # the ghost is a stub


def test_neighbors_both_directions() -> None:
    """neighbors() follows a relation forward or in reverse, by id."""
    g = RosterGraph.from_roster(_roster())
    assert sorted(g.neighbors("s1", "teaches", reverse=True)) == ["t1", "t2"]
    assert g.neighbors("t1", "teaches") == ["s1"]
    assert g.neighbors("ghost", "enrolled_in") == ["s1"]
    with pytest.raises(KeyError, match="known"):
        g.neighbors("s1", "likes")


def test_ids_shared_across_kinds_get_kind_prefix_in_networkx() -> None:
    """An id naming two kinds (OneRoster allows it) stays two distinct networkx nodes."""
    r = Roster(schools=[School(id="1")], sections=[Section(id="1", school="1")])
    G = RosterGraph.from_roster(r).to_networkx()
    assert set(G.nodes) == {"school:1", "section:1"}
    assert list(G.edges()) == [("section:1", "school:1")]


def test_repr_and_summary_text() -> None:
    """The graph has a short repr, a text summary and an HTML repr for notebooks."""
    g = RosterGraph.from_roster(_roster())
    assert "2 schools" in repr(g)
    assert "missing" in g.summary_text()
    assert g._repr_html_().startswith("<pre>")


def test_graph_arrays_round_trip_and_refuse_parts_that_do_not_fit() -> None:
    """``to_arrays``/``from_arrays`` rebuild the same graph; a part that is missing or
    points past the nodes is a FormatError, never a graph with wrong edges."""
    g = RosterGraph.from_roster(rostergraph.sample())
    arrays, strings = g.to_arrays()
    h = RosterGraph.from_arrays(g.roster, arrays, strings)
    for name, rel in g.relations.items():
        other = h.relations[name]
        for field in ("src", "dst", "indptr", "rindptr", "rsrc", "redge"):
            assert getattr(other, field).tolist() == getattr(rel, field).tolist()
        for attr, val in rel.attrs.items():
            assert other.attrs[attr].tolist() == val.tolist()
    assert h.ids("school").tolist() == g.ids("school").tolist()
    bad = dict(arrays)
    bad["enrolled_in.dst"] = bad["enrolled_in.dst"] + 10_000
    with pytest.raises(FormatError):
        RosterGraph.from_arrays(g.roster, bad, strings)
    missing = {k: v for k, v in arrays.items() if k != "teaches.indptr"}
    with pytest.raises(FormatError):
        RosterGraph.from_arrays(g.roster, missing, strings)
    short = dict(arrays, roles=np.zeros(1, dtype=np.uint8))
    with pytest.raises(FormatError):
        RosterGraph.from_arrays(g.roster, short, strings)


@pytest.mark.parametrize("fmt", ["jsonl", "oneroster", "sftp"])
def test_reader_columns_follow_replaced_kinds(tmp_path: Path, fmt: str) -> None:
    """A fast reader's graph columns hold references as record positions; a roster whose
    referenced kind was replaced (reordered, or changed by events) builds the graph of
    its records, never old positions read against the new mapping."""
    from rostergraph.clever.events import apply_events
    from rostergraph.io.write import write_clever_json
    from rostergraph.io.write_oneroster import write_oneroster
    from rostergraph.io.write_sftp import write_clever_csv
    from rostergraph.model import KINDS

    writer = {"jsonl": lambda r, d: write_clever_json(r, d, jsonl=True),
              "oneroster": write_oneroster, "sftp": write_clever_csv}[fmt]
    writer(rostergraph.sample(), tmp_path / "d")
    r = rostergraph.load(tmp_path / "d", cache=False)
    school, user = next(iter(r.schools)), next(iter(r.users))
    changed = [
        r.replace(schools=dict(reversed(list(r.schools.items())))),
        r.replace(users=dict(reversed(list(r.users.items())))),
        apply_events(r, [{"type": "schools.deleted", "data": {"object": {"id": school}}},
                         {"type": "users.deleted", "data": {"object": {"id": user}}}]),
    ]
    for got in changed:
        plain = Roster(**{k: dict(got.records(k)) for k in KINDS})
        g, want = RosterGraph.from_roster(got), RosterGraph.from_roster(plain)
        assert g.counts() == want.counts()
        for name, rel in want.relations.items():
            assert g.relations[name].src.tolist() == rel.src.tolist(), name
            assert g.relations[name].dst.tolist() == rel.dst.tolist(), name
        assert list(rostergraph.validate(got).findings) == list(
            rostergraph.validate(plain).findings)


def test_from_roster_given_a_path_says_to_load_it() -> None:
    """``RosterGraph.from_roster("dump/")`` (a path where the Roster goes) raised
    ``AttributeError: 'str' object has no attribute '_columns'``; a TypeError now says
    what it takes and how to make it."""
    with pytest.raises(TypeError, match=r"from_roster\(\) takes a Roster, not str: "
                                        r"rostergraph\.load\(path\)"):
        RosterGraph.from_roster("dump/")  # type: ignore[arg-type]


@pytest.mark.parametrize("fast", [True, False])
def test_an_empty_id_names_nothing(tmp_path: Path, fast: bool,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A reference given as ``""`` (a school, term or course of a section, a user's
    schools) makes no edge and no stub, as an empty CSV cell does: the record keeps the
    ``""``, and the rules tell what is missing rather than a record called ``""``."""
    import orjson

    from rostergraph.io import fast_jsonl

    recs = {
        "schools": [{"id": "A"}],
        "sections": [{"id": "x1", "school": "A", "term_id": "", "course": "",
                      "teachers": ["t1"], "students": ["s1", ""]},
                     {"id": "x2", "school": "", "teachers": ["t1"], "students": ["s2"]}],
        "users": [{"id": "t1", "roles": {"teacher": {"school": "A", "schools": ["A"]}}},
                  {"id": "s1", "roles": {"student": {"school": "", "schools": ["A"]}}},
                  {"id": "s2", "roles": {"student": {"school": "A", "schools": ["A"]}}},
                  {"id": "f1", "roles": {"staff": {"schools": [""]}}}],
    }
    for kind, rows in recs.items():
        (tmp_path / f"{kind}.jsonl").write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in rows))
    if not fast:
        monkeypatch.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
    g = RosterGraph.from_roster(rostergraph.load(tmp_path))
    assert g.roster.users["s1"].roles.student.school == ""  # (kept as given)
    assert "" not in g.ids("school") and "" not in g.ids("user") and not len(g.stubs())
    rows = rostergraph.cross_school_enrollments(g).to_dicts()
    assert [(r["student"], r["section"]) for r in rows] == []  # (x2 is at no school)
    assert [(u, role, why) for u, role, why in rostergraph.orphaned_users(g)] == [
        ("f1", "staff", "no_school")]
    why = rostergraph.linking_sections(g, "t1", "s1").to_dicts()
    assert [(r["term"], r["course"], r["term_missing"], r["course_missing"]) for r in why] == [
        (None, None, False, False)]
    found = {(f.rule, f.ids) for f in rostergraph.validate(g).findings}
    assert not {rule for rule, _ in found} & {"RG-REF-001", "RG-SCH-001"}
    assert {("RG-SEC-006", ("x2",)), ("RG-STF-001", ("f1",))} <= found


@pytest.mark.parametrize("fast", [True, False])
def test_an_empty_first_teacher_leaves_the_next_one_primary(
        tmp_path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """``teachers: ["", "t1"]``: the empty id names no teacher, so ``t1`` is the first
    teacher given and the primary one, for the queries and RG-SEC-002 alike (the query
    called ``t1`` no primary while the rule saw no fault; with ``teacher: "t1"`` the rule
    said ``t1 is not teachers[0] ()``)."""
    import orjson

    from rostergraph.io import fast_jsonl

    recs = {"schools": [{"id": "A"}],
            "sections": [{"id": "x1", "school": "A", "teachers": ["", "t1"], "students": ["s1"]},
                         {"id": "x2", "school": "A", "teacher": "t1", "teachers": ["", "t1"],
                          "students": ["s1"]},
                         {"id": "x3", "school": "A", "teachers": [""], "students": ["s1"]}],
            "users": [{"id": "t1", "roles": {"teacher": {"school": "A"}}},
                      {"id": "s1", "roles": {"student": {"school": "A"}}}]}
    for kind, rows in recs.items():
        (tmp_path / f"{kind}.jsonl").write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in rows))
    if not fast:
        monkeypatch.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
    g = RosterGraph.from_roster(rostergraph.load(tmp_path))
    assert [r["primary"] for r in rostergraph.linking_sections(g, "t1", "s1").to_dicts()] == [
        True, True]
    found = [(f.ids, f.values["reason"]) for f in
             rostergraph.validate(g, select="RG-SEC-002").findings]
    assert found == [(("x3",), "no_teacher")]


def test_an_unknown_relation_is_a_roster_error_naming_the_known_ones() -> None:
    """``g.neighbors(id, "nope")`` raised a plain ``KeyError``: it is an
    :class:`~rostergraph.errors.UnknownIdError` (a ``RosterError``, still a ``KeyError``)."""
    from rostergraph.errors import UnknownIdError

    g = RosterGraph.from_roster(rostergraph.sample())
    sec = next(iter(g.roster.sections))
    with pytest.raises(UnknownIdError, match="unknown relation 'nope'; known: in_district"):
        g.neighbors(sec, "nope")
    with pytest.raises(KeyError):
        g.relation("nope")
