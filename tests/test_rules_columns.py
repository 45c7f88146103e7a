"""The rules on a fast-loaded roster (the reader's field columns, lazily built records)
find exactly what they find on the same files read by the general reader (records built,
columns computed from them), and build only the records they must look at."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph import validate
from rostergraph.fields import FIELDS
from rostergraph.graph import RosterGraph
from rostergraph.io import fast_jsonl
from rostergraph.lazy import LazyRecords
from rostergraph.model import KINDS
from rostergraph.rules._util import field_column, reader_column
from rostergraph.synth import write_district

from .field_oracle import FIELD_GETTERS
from .strategies import clever_dumps, json_line

#: strings around the RG-STR-001 limit and with RG-STR-002 characters
EDGE_STRINGS = ["x" * 255, "x" * 256, "é" * 300, "ok\x07", "\u0085nel", "fine", "\ufdd0"]


def _general(path: Path) -> rostergraph.Roster:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
        return rostergraph.load(path)


def _write(dump: dict[str, list[dict[str, Any]]], folder: Path) -> Path:
    for kind, recs in dump.items():
        (folder / f"{kind}.jsonl").write_bytes(b"".join(json_line(r) + b"\n" for r in recs))
    return folder


def _keys(report: Any) -> list[tuple[Any, ...]]:
    return [(f.rule, f.severity, f.kind, f.ids, f.message, dict(f.values))
            for f in report.findings]


@st.composite
def plain_dumps(draw: Any) -> dict[str, list[dict[str, Any]]]:
    """Clever dumps where most records have no unknown key (so the fast path keeps them)
    and some strings sit at the string rules' edges."""
    dump = draw(clever_dumps())
    strip = draw(st.booleans())
    for kind, recs in dump.items():
        for rec in recs:
            if strip:
                for k in [k for k in rec if k.startswith("x_")]:
                    del rec[k]
            if draw(st.integers(0, 3)) == 0:
                field = "email" if kind == "users" else "name"
                rec[field] = draw(st.sampled_from(EDGE_STRINGS))
    return dump


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_dumps())
def test_fast_and_general_reader_give_the_same_findings(
        dump: dict[str, list[dict[str, Any]]]) -> None:
    """Any valid dump (hostile text, long strings, unknown keys) written as JSON Lines:
    validate on the fast reader's roster equals validate on the general reader's."""
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(dump, Path(tmp))
        fast, general = rostergraph.load(path), _general(path)
        assert _keys(validate(fast)) == _keys(validate(general))


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_district(tmp_path_factory.mktemp("d"), students=4_000, seed=11)


def test_synthetic_district_same_findings_both_readers(district: Path) -> None:
    """A synthetic district with every quirk: the same findings from both readers."""
    fast, general = rostergraph.load(district), _general(district)
    a, b = _keys(validate(fast)), _keys(validate(general))
    assert a == b
    assert len({k[0] for k in a}) >= 15


def test_reader_columns_equal_columns_from_records(district: Path) -> None:
    """Every field column the fast reader gives equals the one computed from the records,
    and its text_suspect marks every record a string rule reports."""
    fast = rostergraph.load(district)
    g_fast = RosterGraph.from_roster(fast)
    g_rec = RosterGraph.from_roster(_general(district))
    given_names = 0
    for kind, names in FIELDS.items():
        for name in names:
            col = reader_column(fast, kind, name)
            if col is None:
                continue
            given_names += 1
            assert col.tolist() == field_column(g_rec, kind, name).tolist(), (kind, name)
    assert given_names >= 6  # the reader gives at least the users' and sections' names
    report = validate(g_fast, select="RG-STR")
    assert report.findings
    for f in report.findings:
        suspect = field_column(g_fast, f.kind, "text_suspect")
        assert suspect[g_fast.index_of(f.kind, f.ids[0])], f.ids


def test_validate_builds_few_records(district: Path) -> None:
    """On a fast-loaded roster validate builds only the records it must read (string
    suspects, rare candidates), not every user."""
    fast = rostergraph.load(district)
    users = fast.records("users")
    assert isinstance(users, LazyRecords) and reader_column(fast, "users", "email") is not None
    validate(fast)
    assert users.n_built() < len(users) // 10


def test_field_column_without_reader_columns() -> None:
    """A roster built in memory: field columns come from the records, text_suspect is
    all true, and an unknown column name is a KeyError."""
    sample = rostergraph.sample()  # (its users and sections as plain dicts: no columns)
    g = RosterGraph.from_roster(sample.replace(users=dict(sample.users.items()),
                                               sections=dict(sample.sections.items())))
    emails = field_column(g, "user", "email")
    assert emails.tolist() == [u.email for u in g.roster.users.values()]
    assert field_column(g, "sections", "text_suspect").all()
    assert field_column(g, "user", "email") is emails  # cached per graph
    with pytest.raises(KeyError):
        field_column(g, "user", "dob")
    assert set(KINDS) >= set(FIELDS)
    for kind, getters in FIELD_GETTERS.items():  # every column, as the oracle reads it
        recs = list(g.roster.records(kind).values())
        assert set(getters) == set(FIELDS[kind])
        for name, get in getters.items():
            assert field_column(g, kind, name).tolist() == [get(r) for r in recs], name


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["", "a@x", "b@x", "A@x"]),
                          st.text(max_size=4)), max_size=60))
def test_maybe_shared_is_a_superset_of_repeated_values(values: list[Any]) -> None:
    """The email-group prefilter keeps every position whose value occurs more than once."""
    from collections import Counter

    from rostergraph.rules._util import maybe_repeated

    counts = Counter(values)
    got = maybe_repeated(np.fromiter(map(hash, values), dtype=np.int64,
                                    count=len(values))).tolist()
    assert got == sorted(got)
    assert {i for i, v in enumerate(values) if counts[v] > 1} <= set(got)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", ""]), max_size=30),
       st.fixed_dictionaries({v: st.integers(0, 2) for v in ("a", "b", "c", "")}))
def test_runs_of_equal_values_with_colliding_hashes(values: list[str],
                                                    fake_hash: dict[str, int]) -> None:
    """Email groups are found by hash and checked string by string: values whose hashes
    collide (forced here: equal values, equal hashes, few distinct hashes) still come out
    in runs of equal values."""
    from rostergraph.rules.users import _runs_of_equal

    v = np.array(values + [None], dtype=object)[:-1]
    order, new = _runs_of_equal(v, np.array([fake_hash[x] for x in values], dtype=np.int64))
    assert sorted(order.tolist()) == list(range(len(values)))
    runs = np.split(v[order], np.flatnonzero(new)[1:]) if len(values) else []
    assert all(len(set(run.tolist())) == 1 for run in runs)
    assert len(runs) == len(set(values))


def test_warm_reload_gives_the_same_findings_without_building_users(
        district: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A district reloaded from the cache (field columns from the snapshot) validates to
    the same findings as the cold load, again without building every user."""
    monkeypatch.setenv("ROSTERGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    cold = _keys(validate(rostergraph.load(district, cache=True)))
    warm_roster = rostergraph.load(district, cache=True)
    assert any("from cache" in n for n in warm_roster.provenance.notes)
    assert _keys(validate(warm_roster)) == cold
    users = warm_roster.records("users")
    assert isinstance(users, LazyRecords) and users.n_built() < len(users) // 10


def test_every_reported_character_is_unprintable_or_the_replacement_character() -> None:
    """RG-STR-002 searches only strings that are not printable or hold U+FFFD."""
    from rostergraph.rules.strings import BAD_CHARS

    odd = [hex(cp) for cp in range(0x110000)
           if BAD_CHARS.match(chr(cp)) and chr(cp).isprintable() and cp != 0xFFFD]
    assert odd == []


def test_texts_with_keys_that_are_no_fields_are_told_apart() -> None:
    """The string rules read a record's JSON text field by field only when every key is a
    field; a text with another key (kept in ``extra`` once built) is walked as a record."""
    from rostergraph.model import User
    from rostergraph.rules.strings import _plain_texts

    objs, plain = _plain_texts(User, [b'{"id": "u1", "email": "a"}',
                                      b'{"id": "u2", "zz": "\\u0007"}',
                                      b'{"id": "u3", "name": {"last": "L", "nick": "n"}}'])
    assert plain.tolist() == [True, False, False]
    assert len(objs) == 1


def test_texts_with_a_value_of_another_type_are_walked_as_records() -> None:
    """Strings are decoded straight from the text; a text whose value is of another JSON
    type (a tampered snapshot's copy) is told apart, not decoded wrongly or raised."""
    from rostergraph.model import User
    from rostergraph.rules.strings import _plain_texts

    objs, plain = _plain_texts(User, [b'{"id": "u1", "email": 5}',
                                      b'{"id": "u2", "name": {"last": ["L"]}}',
                                      b'{"id": "u3", "name": {"last": "' + b"x" * 300 + b'"}}',
                                      b'{"id": "u4", "email": "a"'])
    assert plain.tolist() == [False, False, True, False]
    assert len(objs[0].name.last) == 300


def test_contact_enum_findings_of_one_pair_sort_like_their_messages(tmp_path: Path) -> None:
    """RG-CON-002 findings of the same contact and student are ordered as their messages
    are (its tie-break is written from the field and the value's repr only)."""
    import json

    rels = [{"student": "s1", "relationship": "5 x", "type": "55"},
            {"student": "s1", "relationship": "5", "type": "Zed"},
            {"student": "s1", "relationship": "Odd", "type": "Parent/Guardian"}]
    (tmp_path / "users.jsonl").write_text(
        json.dumps({"id": "s1", "roles": {"student": {"school": "k"}}}) + "\n"
        + json.dumps({"id": "c1", "roles": {"contact": {"student_relationships": rels}}}) + "\n")
    (tmp_path / "schools.jsonl").write_text('{"id": "k"}\n')
    found = rostergraph.validate(rostergraph.load(tmp_path), select="RG-CON-002").findings
    messages = [f.message for f in found]
    assert len(messages) == 5 and messages == sorted(messages)


def test_field_values_at_reads_some_rows_without_making_the_column(tmp_path: Path) -> None:
    """A rule reading a reader's string column at some rows gets what the whole column
    holds there, records the general path built (an unknown key) included, and the
    column itself is not made."""
    from rostergraph.rules._util import field_values_at

    p = write_district(tmp_path / "d", students=300, seed=5)
    users = p / "users.jsonl"
    users.write_bytes(users.read_bytes() + b'{"id": "zz-odd", "email": "odd@x.org", "x_k": 1}\n'
                      + b'{"id": "zz-none", "x_k": 2}\n')
    fast = rostergraph.load(p)
    g = RosterGraph.from_roster(fast)
    fields = fast._columns.fields("users", fast.records("users"))
    assert fields is not None and "email" in fields.pending()
    n = g.n_records("user")
    rows = np.concatenate([np.arange(n)[::-1], [g.index_of("user", "zz-odd")] * 2])
    got = field_values_at(g, "user", "email", rows)
    assert "email" in fields.pending()
    assert got.tolist() == field_column(g, "user", "email")[rows].tolist()
    assert got[-1] == "odd@x.org" and None in got.tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 9), max_size=6), min_size=1, max_size=12),
       st.lists(st.integers(-1, 3), min_size=10, max_size=10),
       st.lists(st.integers(-1, 3), min_size=12, max_size=12), st.integers(1, 7))
def test_graded_students_counted_in_blocks_of_any_size(
        rows: list[list[int]], stu: list[int], sec: list[int], block: int) -> None:
    """RG-SEC-005's per-section counts (students with a grade, and of the section's
    grade), summed a block of sections at a time, equal the counts section by section."""
    from unittest import mock

    from rostergraph.rules import sections

    indptr = np.cumsum([0] + [len(r) for r in rows])
    studs = np.array([s for r in rows for s in r], dtype=np.int64)
    stu_grade, sec_grade = np.array(stu, dtype=np.int32), np.array(sec[:len(rows)], np.int32)
    with mock.patch.object(sections, "_BLOCK", block):
        known, match = sections._graded_students(indptr, studs, stu_grade, sec_grade)
    for k, r in enumerate(rows):
        graded = sec_grade[k] >= 0
        assert known[k] == (sum(stu_grade[s] >= 0 for s in r) if graded else 0)
        assert match[k] == (sum(stu_grade[s] == sec_grade[k] for s in r) if graded else 0)
