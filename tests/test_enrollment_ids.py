"""The enrollment ids a section keeps (``extra["oneroster.enrollmentIds"]``), gathered a
section at a time from a clean ``enrollments.csv``'s coded columns, are those the reader's
row-by-row path keeps: the same roles, users, ids and order, the ids the writer would make
up (``<class>:<n>``) left out in both."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rostergraph.io import enrollment_ids
from rostergraph.io.csvutil import CsvTable
from rostergraph.io.enrollment_ids import keep_grouped_ids, keep_id_fragments, maybe_made_up
from rostergraph.io.oneroster import read_oneroster
from tests.test_oneroster_variants import CLASSES, ENR_HEAD, bundle

_USERS = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
          "userIds,givenName,familyName,middleName,identifier,email,sms,phone,"
          "agentSourcedIds,grades,password\n"
          + "".join(f"{u},active,2024-01-01,true,sA,{role},{u},,N,M,,{u.upper()},,,,,{g},\n"
                    for u, role, g in (("t1", "teacher", ""), ("t2", "teacher", ""),
                                       ("s1", "student", "04"), ("s2", "student", "04"),
                                       ("s3", "student", "04"), ("s4", "student", "05"))))
_CLASSES = CLASSES + "c3,active,2024-01-01,Music,04,,U-1,scheduled,,sA,,,,3\n"
#: A short row: a syntax problem, so the whole file is read row by row.
_BROKEN = "zz-broken,,,c2,sA,s2\n"


def _rows(rng: random.Random, distinct: bool) -> str:
    """Random enrollment rows over a few classes, users and ids: ids repeated, made-up
    looking, empty (``distinct``: each row's id its own, as an SIS gives them); users and
    roles spelt another way, unknown, given twice."""
    classes = ["c1", "c2", "c3", "c9", " c1", "c3 "]
    users = ["t1", "t2", "s1", "s2", "s3", "s4", " s1", "s3 ", " t1", "nobody", ""]
    roles = ["student", "student", "Student", "teacher", "aide", "proctor", ""]
    out = []
    for k in range(rng.randint(1, 30)):
        cid = rng.choice(classes)
        eid = rng.choice([f"E{k}", f"{cid}:{k + 1}", f"{cid.strip()}:{k + 1}", f"x{k}:y"]
                         if distinct else
                         [f"E{k}", f"E{rng.randint(0, 5)}", f"{cid}:{rng.randint(1, 4)}",
                          f"{rng.choice(classes)}:{rng.randint(1, 4)}", "", "x:y", "c1:01"])
        role = rng.choice(roles)
        primary = rng.choice(["", "true", "false"]) if role == "teacher" else ""
        out.append(f"{eid},,,{cid},sA,{rng.choice(users)},{role},{primary},,\n")
    return "".join(out)


@pytest.mark.parametrize("distinct", [False, True])
@pytest.mark.parametrize("seed", range(40))
def test_column_wise_enrollment_ids_are_the_row_paths(seed: int, distinct: bool,
                                                      tmp_path: Path) -> None:
    rng = random.Random(seed)
    rows = _rows(rng, distinct)
    clean = read_oneroster(bundle(tmp_path / "clean", users_csv=_USERS, classes_csv=_CLASSES,
                                  enrollments_csv=ENR_HEAD + rows))
    by_row = read_oneroster(bundle(tmp_path / "rows", users_csv=_USERS, classes_csv=_CLASSES,
                                   enrollments_csv=ENR_HEAD + rows + _BROKEN))
    broken_line = rows.count("\n") + 2
    assert list(clean.sections) == list(by_row.sections)
    for cid, sec in clean.sections.items():
        assert sec == by_row.sections[cid], cid
        ids = sec.extra.get("oneroster.enrollmentIds")
        # (key order too: the writer writes the ids back in that order)
        theirs = by_row.sections[cid].extra.get("oneroster.enrollmentIds") or {}
        assert [(role, list(users.items())) for role, users in (ids or {}).items()] == [
            (role, list(users.items())) for role, users in theirs.items()]
    assert [(p.line, p.message) for p in clean.problems] == [
        (p.line, p.message) for p in by_row.problems if p.line != broken_line]


def test_ids_needing_an_escape_are_kept(tmp_path: Path) -> None:
    """An enrollment id holding a quote (written escaped in JSON) is kept as given."""
    enr = ENR_HEAD + 'e"1,,,c1,sA,s1,student,,,\ne2,,,c1,sA,t1,teacher,true,,\n'
    r = read_oneroster(bundle(tmp_path / "b", users_csv=_USERS, classes_csv=_CLASSES,
                              enrollments_csv=enr.replace('e"1', '"e""1"')))
    assert r.sections["c1"].extra["oneroster.enrollmentIds"] == {
        "student": {"s1": 'e"1'}, "teacher": {"t1": "e2"}}


def test_ids_gathered_in_row_order_first_row_winning() -> None:
    """A user's first row of a role wins; roles and users in order of their first row;
    equal codes are equal users."""
    secs: list[dict[str, object] | None] = [{}, {}, None]
    c = np.array([0, 0, 0, 0, 1, 0])
    r = np.array([1, 0, 1, 1, 0, 0])
    u = np.array([0, 1, 0, 2, 1, 1])
    e = np.array([0, 1, 2, 3, 4, 5])
    checks = keep_grouped_ids(secs, ["c1", "c2", "c3"], ["student", "teacher"],
                              ["t1", "s1", "t2"], ["A", "B", "C", "c1:4", "E", "F"],
                              np.arange(6), c, r, u, e, key="ids")
    assert secs[0] == {"ids": {"teacher": {"t1": "A", "t2": "c1:4"}, "student": {"s1": "B"}}}
    assert list(secs[0]["ids"]) == ["teacher", "student"]  # type: ignore[call-overload,index]
    assert secs[1] == {"ids": {"student": {"s1": "E"}}}
    assert checks == {"c1"}  # ("c1:4" may be the writer's, "C" and "F" lost to the first)


@pytest.mark.parametrize(("eid", "cid", "maybe"), [
    ("c1:1", "c1", True), ("a:b:2", "a:b", True), ("c1:", "c1", False),
    ("c1:x", "c1", False), ("c2:1", "c1", False), ("c1", "c1", False), ("c1:01", "c1", True)])
def test_maybe_made_up(eid: str, cid: str, maybe: bool) -> None:
    assert maybe_made_up(eid, cid) is maybe


_ID = st.sampled_from(["A", "B", "c1:1", "c2:3", "x:y", "é", "c1:01", "E7", "", "a b"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(0, 4), _ID),
                min_size=1, max_size=40),
       st.sets(st.integers(0, 3)), st.integers(1, 3))
def test_id_fragments_are_the_dicts_text(rows: list[tuple[int, int, int, str]],
                                         dicts: set[int], at_once: int) -> None:
    """Each section's fragment is the text orjson writes for the dicts keep_grouped_ids
    makes, a few sections at a time or all at once; a section that may hold a made-up
    id, or that the reader asks for, gets the dicts themselves."""
    section_ids, roles = ["c1", "c2", "c3", "c4"], ["student", "teacher", "aide"]
    users = ["u0", "u1", "t0", "t1", "ü2"]
    c, r, u = (np.array([row[k] for row in rows]) for k in range(3))
    ids = [row[3] for row in rows]
    keep = np.flatnonzero([bool(i) for i in ids])
    want: list[dict[str, object] | None] = [{"id": s} for s in section_ids]
    checks = keep_grouped_ids(want, section_ids, roles, users, ids, keep, c, r, u,
                              np.arange(len(ids)), key="ids")
    got: list[dict[str, object] | None] = [{"id": s} for s in section_ids]
    old = enrollment_ids._SECTIONS_AT_ONCE
    enrollment_ids._SECTIONS_AT_ONCE = at_once
    try:
        told = keep_id_fragments(got, section_ids, roles, users, pa.array(ids), keep, c, r, u,
                                 key="ids", colon=np.array([":" in i for i in ids]),
                                 as_dicts={section_ids[k] for k in dicts})
    finally:
        enrollment_ids._SECTIONS_AT_ONCE = old
    assert told == checks
    for k, (mine, theirs) in enumerate(zip(got, want)):
        assert orjson.dumps(mine) == orjson.dumps(theirs)
        as_dict = section_ids[k] in checks or k in dicts
        assert mine is not None and (
            "ids" not in mine or isinstance(mine["ids"], dict) == as_dict)


@pytest.mark.parametrize("bad", ['e"1', "e\\1", "e\t1"])
@pytest.mark.parametrize("where", ["id", "user"])
def test_id_fragments_leave_escapes_to_the_dicts(bad: str, where: str) -> None:
    """An id or a user JSON writes escaped: nothing is put, the caller keeps dicts."""
    secs: list[dict[str, object] | None] = [{"id": "c1"}]
    ids, users = (["ok", bad], ["u1", "u2"]) if where == "id" else (["a", "b"], ["u1", bad])
    zero = np.zeros(2, dtype=np.int64)
    assert keep_id_fragments(secs, ["c1"], ["student"], users, pa.array(ids), np.arange(2),
                             zero, zero, np.arange(2), key="ids",
                             colon=np.zeros(2, dtype=bool)) is None
    assert secs == [{"id": "c1"}]


@pytest.mark.parametrize("distinct", [False, True])
@pytest.mark.parametrize("seed", range(12))
def test_ids_read_from_the_columns_again_are_the_loaded_ones(
        seed: int, distinct: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the ids column is not pyarrow's (the reader then reads the class, user and
    role columns again), the sections keep the ids they keep from the loaded codes."""
    rows = _rows(random.Random(seed), distinct)
    path = bundle(tmp_path / "b", users_csv=_USERS, classes_csv=_CLASSES,
                  enrollments_csv=ENR_HEAD + rows)
    loaded = read_oneroster(path)
    arrow = CsvTable.arrow
    monkeypatch.setattr(CsvTable, "arrow", lambda t, name: None if name == "sourcedId"
                        else arrow(t, name))
    again = read_oneroster(path)
    assert [(cid, orjson.dumps(dict(sec.extra))) for cid, sec in again.sections.items()] == [
        (cid, orjson.dumps(dict(sec.extra))) for cid, sec in loaded.sections.items()]
    assert [p.message for p in again.problems] == [p.message for p in loaded.problems]


def test_a_carried_record_merges_with_the_ids_read(tmp_path: Path) -> None:
    """A class row whose carried JSON (``metadata.rostergraph.clever``) holds enrollment
    ids too gets them merged with those enrollments.csv gives, as the row path does."""
    classes = (_CLASSES.splitlines()[0] + ",metadata.rostergraph.clever\n"
               + 'c1,active,2024-01-01,Math,04,,M-1,scheduled,,sA,,,,1,"{""oneroster.'
               'enrollmentIds"":{""student"":{""s2"":""Z9""}}}"\n')
    enr = ENR_HEAD + "E1,,,c1,sA,s1,student,,,\nE2,,,c1,sA,t1,teacher,true,,\n"
    want = {"student": {"s1": "E1", "s2": "Z9"}, "teacher": {"t1": "E2"}}
    for name, extra in (("clean", ""), ("rows", _BROKEN)):
        r = read_oneroster(bundle(tmp_path / name, users_csv=_USERS, classes_csv=classes,
                                  enrollments_csv=enr + extra))
        assert r.sections["c1"].extra["oneroster.enrollmentIds"] == want, name


@pytest.mark.parametrize("column", ["enrollmentIds", "enrollmentCells", "enrollments.aide"])
def test_a_class_column_named_as_an_enrollment_key_is_kept_aside(tmp_path: Path,
                                                                 column: str) -> None:
    """A classes.csv column whose extra key is one a section keeps its enrollments' data
    under is kept as ``oneroster.classes.<column>``, told once; the enrollments' ids and
    other roles load as ever (the column-wise path and the row path alike)."""
    classes = (_CLASSES.splitlines()[0] + f",{column}\n"
               + "c1,active,2024-01-01,Math,04,,M-1,scheduled,,sA,,,,1,zz\n")
    enr = (ENR_HEAD + "E1,,,c1,sA,s1,student,,,\nE2,,,c1,sA,t1,teacher,true,,\n"
           "E3,,,c1,sA,t2,aide,,,\n")
    for name, extra in (("clean", ""), ("rows", _BROKEN)):
        r = read_oneroster(bundle(tmp_path / name, users_csv=_USERS, classes_csv=classes,
                                  enrollments_csv=enr + extra))
        got = dict(r.sections["c1"].extra)
        assert got["oneroster.classes." + column] == "zz", name
        assert got["oneroster.enrollmentIds"] == {
            "student": {"s1": "E1"}, "teacher": {"t1": "E2"}, "aide": {"t2": "E3"}}, name
        assert got["oneroster.enrollments.aide"] == ["t2"], name
        told = [p for p in r.problems if p.field == column]
        assert len(told) == 1 and told[0].file == "classes.csv", name
