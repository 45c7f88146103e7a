"""The vectorized paths of reach, cross-school and orphans against naive answers.

The CSR queries take shortcuts that ordinary small rosters do not always reach: reach
cuts its work into blocks of teachers (on threads for large inputs), packs teachers into
rows of 32-bit keys whose layout depends on the number of users, picks the type of its
counts by the most sections a teacher has, and relies on the section rows of the
``enrolled_in`` reverse CSR being ascending (sorting them when they are not). These
tests force each path on small rosters and compare with the naive definitions.
"""

from __future__ import annotations

import copy
from pathlib import Path
from unittest import mock

import attrs
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rostergraph import queries as q
from rostergraph.graph import RosterGraph
from rostergraph.queries import _common as q_common
from rostergraph.queries import reach as q_reach
from rostergraph.queries import schools as q_schools
from rostergraph.roster import Roster
from rostergraph.table import LazyTake, Table

from .strategies import rosters
from .test_queries import naive_cross, naive_orphans, naive_reach

PROP = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _ordered(g: RosterGraph, rows: list[tuple[str, str, int]]) -> bool:
    """Rows ordered by teacher then student, both in graph (roster) index order."""
    idx = [(g.index_of("user", t), g.index_of("user", s)) for t, s, _ in rows]
    return idx == sorted(idx) and len(set(idx)) == len(idx)


@PROP
@given(rosters())
def test_reach_pairs_order_and_counts(r: Roster) -> None:
    """reach_pairs rows are the naive pairs, ordered by teacher then student index."""
    g = RosterGraph.from_roster(r)
    rows = list(q.reach_pairs(g))
    assert {(t, s): n for t, s, n in rows} == naive_reach(r)
    assert _ordered(g, rows)


@PROP
@given(rosters(), st.integers(1, 4), st.integers(1, 8), st.sampled_from([1, 2, 4, 512]))
def test_reach_pairs_split_into_blocks(r: Roster, threads: int, block: int, row: int) -> None:
    """Cutting reach into blocks at teacher boundaries, on threads or not, and packing
    teachers into rows of any width (a teacher alone, several, rows mostly padding whose
    length passes a count's byte) changes no row."""
    g = RosterGraph.from_roster(r)
    with mock.patch.object(q_reach, "_n_threads", lambda n: threads), \
            mock.patch.object(q_reach, "_BLOCK", block), mock.patch.object(q_reach, "_ROW", row):
        rows = list(q.reach_pairs(g))
    assert {(t, s): n for t, s, n in rows} == naive_reach(r)
    assert _ordered(g, rows)


@PROP
@given(rosters(), st.sampled_from([30, 31]))
def test_reach_pairs_few_teacher_bits(r: Roster, bits: int) -> None:
    """With student indices taking 30 or 31 of a key's 32 bits (a row holds at most three
    teachers, or one), reach's rows are unchanged."""
    g = RosterGraph.from_roster(r)
    with mock.patch.object(q_reach, "_student_bits", lambda n: bits), \
            mock.patch.object(q_reach, "_ROW", 512):
        rows = list(q.reach_pairs(g))
    assert {(t, s): n for t, s, n in rows} == naive_reach(r)
    assert _ordered(g, rows)


def _shuffle_rows(indptr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    order = np.arange(int(indptr[-1]))
    for j in range(len(indptr) - 1):
        lo, hi = indptr[j], indptr[j + 1]
        order[lo:hi] = lo + rng.permutation(hi - lo)
    return order


def _shuffled_rows(g: RosterGraph, seed: int) -> RosterGraph:
    """A copy of ``g`` whose ``enrolled_in`` rows (both directions) are in random order."""
    rel = g.relations["enrolled_in"]
    rng = np.random.default_rng(seed)
    rev = _shuffle_rows(rel.rindptr, rng)
    fwd = _shuffle_rows(rel.indptr, rng)
    where = np.empty(len(fwd), dtype=np.int64)
    where[fwd] = np.arange(len(fwd))  # new forward position of each old edge
    g2 = copy.copy(g)
    g2.relations = {**g.relations, "enrolled_in": attrs.evolve(
        rel, dst=rel.dst[fwd], rsrc=rel.rsrc[rev], redge=where[rel.redge[rev]])}
    return g2


@PROP
@given(rosters(), st.integers(0, 2**16))
def test_reach_pairs_with_unsorted_section_rows(r: Roster, seed: int) -> None:
    """CSR rows that are not ascending are sorted first: same pairs, same order, and the
    per-user queries still agree with the naive reach."""
    g = _shuffled_rows(RosterGraph.from_roster(r), seed)
    rows = list(q.reach_pairs(g))
    reach = naive_reach(r)
    assert {(t, s): n for t, s, n in rows} == reach
    assert _ordered(g, rows)
    for u in r.users.values():
        if u.roles.teacher is not None:
            assert {s: n for s, n, _ in q.students_of(g, u.id)} == {
                s: n for (t, s), n in reach.items() if t == u.id}
        if u.roles.student is not None:
            assert {t: n for t, n, _ in q.teachers_of(g, u.id)} == {
                t: n for (t, s), n in reach.items() if s == u.id}


@PROP
@given(rosters())
def test_reach_pairs_lazy_columns_equal_eager(r: Roster) -> None:
    """The lazily gathered id columns equal an eager table of the same rows."""
    g = RosterGraph.from_roster(r)
    t = q.reach_pairs(g)
    n = len(t)  # no column gathered yet
    eager = type(t)({"teacher": [a for a, _, _ in t], "student": [b for _, b, _ in t],
                     "sections": [c for _, _, c in t]})
    assert n == len(eager) and t == eager
    assert t["sections"].dtype == np.int64
    assert q.reach_pairs(g).to_csv() == eager.to_csv()
    rows = np.arange(len(eager))[::-2]
    assert q.reach_pairs(g).take(rows) == eager.take(rows)
    assert q.reach_pairs(g).head(3) == eager.head(3)


@PROP
@given(rosters())
def test_summary_reach_sizes_after_split(r: Roster) -> None:
    """summary's reach-set sizes count each teacher's distinct students (threaded reach)."""
    g = RosterGraph.from_roster(r)
    with mock.patch.object(q_reach, "_n_threads", lambda n: 2), mock.patch.object(q_reach, "_BLOCK", 3):
        sizes = q.summary(g)["reach_set_sizes"]
    per_teacher: dict[str, int] = {}
    for t, _ in naive_reach(r):
        per_teacher[t] = per_teacher.get(t, 0) + 1
    want: dict[int, int] = {}
    for u in r.users.values():
        if u.roles.teacher is not None:
            k = per_teacher.get(u.id, 0)
            want[k] = want.get(k, 0) + 1
    assert dict(zip(sizes.to_list("students"), sizes.to_list("teachers"))) == want


@PROP
@given(rosters(), st.integers(1, 5))
def test_cross_and_orphans_order_and_rows(r: Roster, block: int) -> None:
    """cross-school rows are the naive ones ordered by user then section; orphans by user.
    Comparing the edges on threads and in blocks of any size changes no row."""
    g = RosterGraph.from_roster(r)
    with mock.patch.object(q_common, "_n_threads", lambda n: 3), \
            mock.patch.object(q_schools, "_BLOCK", block):
        split = (q.cross_school_enrollments(g), q.cross_school_teaching(g))
    g = RosterGraph.from_roster(r)
    assert split == (q.cross_school_enrollments(g), q.cross_school_teaching(g))
    for role, fn in (("student", q.cross_school_enrollments), ("teacher", q.cross_school_teaching)):
        rows = list(fn(g))
        assert set(rows) == naive_cross(r, role) and len(rows) == len(set(rows))
        idx = [(g.index_of("user", u), g.index_of("section", s)) for u, s, *_ in rows]
        assert idx == sorted(idx)
    orph = list(q.orphaned_users(g))
    assert set(orph) == naive_orphans(r) and len(orph) == len(set(orph))
    rank = {name: i for i, name in enumerate(q_common.ROLE_NAMES_ORDER)}
    key = [(g.index_of("user", u), rank[role]) for u, role, _ in orph]
    assert key == sorted(key)


def test_repeated_column_is_lazy_and_equal() -> None:
    """reach's teacher column (each teacher repeated by its number of pairs) has its
    length without gathering, and gathers, slices and takes like the repeated ids."""
    ids = np.array(["a", "b", "c", "d"], dtype=object)
    rows, times = np.array([3, 0, 2]), np.array([2, 1, 3])
    col = q._Repeated(ids, rows, times)
    want = ["d", "d", "a", "c", "c", "c"]
    assert len(col) == 6 and col._parts == []
    assert col.take(np.array([5, 0, 2])).materialize().tolist() == ["c", "d", "a"]
    assert col.materialize().tolist() == want
    t = Table({"teacher": q._Repeated(ids, rows, times), "n": np.arange(6)})
    assert t.head(4).to_list("teacher") == want[:4] and t.to_list("teacher") == want


def _one_teacher_roster(n_sections: int) -> Roster:
    """A teacher in ``n_sections`` sections, all with student s0, every third with s1."""
    from rostergraph.model import Roles, Section, StudentRole, TeacherRole, User

    return Roster(
        users=[User(id="t", roles=Roles(teacher=TeacherRole(school="A"))),
               User(id="s0", roles=Roles(student=StudentRole(school="A"))),
               User(id="s1", roles=Roles(student=StudentRole(school="A")))],
        sections=[Section(id=f"x{i}", school="A", teacher="t", teachers=("t",),
                          students=("s1", "s0") if i % 3 == 0 else ("s0",))
                  for i in range(n_sections)])


def test_reach_pairs_counts_past_one_byte() -> None:
    """A teacher with 300 sections gets counts in a wider type: a pair linked by 300
    sections is counted 300, not wrapped around a byte (in a row mostly padding)."""
    r = _one_teacher_roster(300)
    g = RosterGraph.from_roster(r)
    with mock.patch.object(q_reach, "_BLOCK", 7), mock.patch.object(q_reach, "_ROW", 1024):
        rows = list(q.reach_pairs(g))
    assert {(t, s): n for t, s, n in rows} == naive_reach(r) == {("t", "s0"): 300,
                                                                 ("t", "s1"): 100}
    assert q._reach_idx(g, None)[3][0].dtype == np.uint16


def test_reach_count_type_bounds() -> None:
    """The counts' type holds the most sections a teacher has, and no more."""
    assert [q._count_type(n) for n in (1, 255, 256, 65535, 65536)] == [
        np.uint8, np.uint8, np.uint16, np.uint16, np.int64]


def test_lazy_take_is_gathered_once() -> None:
    """A LazyTake column is gathered on first access and kept."""
    ids = np.array(["a", "b", "c"], dtype=object)
    t = Table({"user": LazyTake(ids, np.array([2, 2, 0], dtype=np.int32))})
    assert len(t) == 3
    first = t["user"]
    assert first.tolist() == ["c", "c", "a"] and t["user"] is first


@PROP
@given(rosters(), st.integers(0, 3), st.integers(1, 8))
def test_reach_pairs_school_filter_matches_naive(r: Roster, pick: int, block: int) -> None:
    """reach_pairs(school=) counts only that school's sections, whatever the block size."""
    g = RosterGraph.from_roster(r)
    schools = sorted({sec.school for sec in r.sections.values() if sec.school is not None})
    assume(schools)
    school = schools[pick % len(schools)]
    only = Roster(schools=list(r.schools.values()), users=list(r.users.values()),
                  sections=[sec for sec in r.sections.values() if sec.school == school])
    with mock.patch.object(q_reach, "_BLOCK", block):
        rows = list(q.reach_pairs(g, school=school))
    assert {(t, s): n for t, s, n in rows} == naive_reach(only)
    assert _ordered(g, rows)


def test_orphaned_staff_who_teach_read_from_their_text(tmp_path: Path) -> None:
    """Whether a user who is both teacher and staff lists a school in the staff role is
    read from the JSON text (no record built) and agrees with the records, including a
    list that is not of strings (answered by the built record)."""
    import json

    import rostergraph
    from rostergraph.lazy import LazyRecords

    users = [{"id": "t1", "roles": {"teacher": {"school": "k"}, "staff": {"schools": ["k"]}}},
             {"id": "t2", "roles": {"teacher": {"school": "k"}, "staff": {"schools": []}}},
             {"id": "t3", "roles": {"teacher": {"school": "k"}, "staff": {"title": "x"}}},
             {"id": "t4", "roles": {"teacher": {"school": "k"}, "staff": {"schools": [5]}}},
             {"id": "t5", "roles": {"teacher": {}, "staff": {"schools": ["zz"]}}}]
    (tmp_path / "users.jsonl").write_text("".join(json.dumps(u) + "\n" for u in users))
    (tmp_path / "schools.jsonl").write_text('{"id": "k"}\n')
    (tmp_path / "sections.jsonl").write_text(
        '{"id": "s1", "school": "k", "teacher": "t1", "teachers": ["t1", "t2", "t3"]}\n')
    r = rostergraph.load(tmp_path)
    recs = r.records("users")
    assert isinstance(recs, LazyRecords)
    built = recs.n_built()
    got = set(q.orphaned_users(RosterGraph.from_roster(r)))
    assert recs.n_built() <= built + 1  # at most the record whose list is not of strings
    assert got == naive_orphans(r)
    assert {u for u, role, _ in got if role == "staff"} == {"t2", "t3"} | (
        {"t4"} if not r.users["t4"].roles.staff.schools else set())
