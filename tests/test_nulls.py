"""Explicit ``null`` and absent fields differ, in records and in Clever JSON written back.

Clever's API data model tells a field sent as ``null`` from one not sent;
records keep both as ``None`` but each object's ``nulls`` names the explicit
ones, and every Clever JSON path (general reader, fast JSON Lines path, warm
snapshot, writer) carries that exactly.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.diff.fields import field_changes
from rostergraph.io import fast_jsonl
from rostergraph.lazy import LazyRecords
from rostergraph.model import KINDS, RECORD_CLASSES, User, null_paths, record_from_dict

from .strategies import json_line, record_dicts
from .test_fast_jsonl import _general, _snapshot

USERS = [
    {"id": "u1", "district": "d1", "email": None,
     "name": {"first": "Ann", "middle": None, "last": "Lee"},
     "roles": {"student": {"school": "sc1", "schools": ["sc1"], "grade": None,
                           "location": {"address": None, "city": "Springfield", "zip": None},
                           "enrollments": [{"school": "sc1", "start_date": "2024-08-19",
                                            "end_date": None}]},
               "teacher": None}},
    {"id": "u2", "district": "d1", "name": {"first": "Bo", "last": "Ng"},
     "roles": {"teacher": {"school": "sc1", "schools": ["sc1"], "title": None}}},
    {"id": "u3", "name": None, "roles": {"contact": {"phone": None, "student_relationships": [
        {"student": "u1", "relationship": "Aunt", "type": None}]}}},
    {"id": "u4", "email": "x@example.org", "roles": {"staff": {"schools": ["sc1"],
                                                                "credentials": None}}},
]
SECTIONS = [{"id": "s1", "school": "sc1", "course": None, "term_id": None, "teacher": "u2",
             "teachers": ["u2"], "students": ["u1"], "grade": None}]
SCHOOLS = [{"id": "sc1", "district": "d1", "name": "North", "phone": None,
            "location": {"city": None}, "principal": {"name": "P", "email": None}}]
DISTRICTS = [{"id": "d1", "name": "D", "district_contact": {"id": "dc1", "name": {
    "first": "C", "middle": None}, "title": None}}]
DUMP = {"districts": DISTRICTS, "schools": SCHOOLS, "sections": SECTIONS, "users": USERS}


def _write_jsonl(folder: Path, dump: dict[str, list[dict[str, Any]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for kind, recs in dump.items():
        (folder / f"{kind}.jsonl").write_bytes(b"".join(json_line(r) + b"\n" for r in recs))
    return folder


def _write_envelopes(folder: Path, dump: dict[str, list[dict[str, Any]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for kind, recs in dump.items():
        env = {"data": [{"data": r, "uri": f"/v3.0/{kind}/{r['id']}"} for r in recs]}
        (folder / f"{kind}.json").write_text(json.dumps(env))
    return folder


def _written(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Each kind's records as written back as JSON Lines (parsed: null is not absent)."""
    return {kind: [json.loads(line) for line in (folder / f"{kind}.jsonl").read_bytes()
                   .split(b"\n") if line] for kind in KINDS if (folder / f"{kind}.jsonl").exists()}


def test_null_and_absent_are_none_but_told_apart() -> None:
    """Both read as None; ``nulls`` and ``null_paths`` name only the explicit nulls."""
    rec = record_from_dict(User, USERS[0])[0]
    assert rec.email is None and rec.roles.teacher is None and rec.name.middle is None
    assert null_paths(rec) == ["email", "name.middle", "roles.student.grade",
                               "roles.student.enrollments[0].end_date",
                               "roles.student.location.address", "roles.student.location.zip",
                               "roles.teacher"]
    absent = record_from_dict(User, {"id": "u1"})[0]
    assert absent.email is None and absent.nulls == frozenset() and null_paths(absent) == []
    assert record_from_dict(User, {"id": "u1", "email": None})[0] != absent


@pytest.mark.parametrize("source", ["jsonl", "json"])
def test_round_trip_writes_null_exactly_where_the_source_had_it(tmp_path: Path,
                                                               source: str) -> None:
    """Clever JSON → load → write (JSON Lines and envelopes) → the same JSON objects."""
    write = _write_jsonl if source == "jsonl" else _write_envelopes
    roster = rostergraph.load(write(tmp_path / "src", DUMP))
    assert not roster.problems
    rostergraph.write_clever_json(roster, tmp_path / "out", jsonl=True)
    assert {k: v for k, v in _written(tmp_path / "out").items() if v} == DUMP
    rostergraph.write_clever_json(roster, tmp_path / "env")
    for kind, recs in DUMP.items():
        doc = json.loads((tmp_path / "env" / f"{kind}.json").read_text())
        assert [item["data"] for item in doc["data"]] == recs


def test_round_trip_is_byte_exact_for_schema_ordered_lines(tmp_path: Path) -> None:
    """A JSON Lines file written in schema order comes back byte for byte, nulls included."""
    src = _write_jsonl(tmp_path / "src", DUMP)
    rostergraph.write_clever_json(rostergraph.load(src), tmp_path / "out", jsonl=True)
    out = tmp_path / "out"
    rostergraph.write_clever_json(rostergraph.load(out), tmp_path / "again", jsonl=True)
    for kind in DUMP:
        text = (out / f"{kind}.jsonl").read_bytes()
        assert b"null" in text
        assert (tmp_path / "again" / f"{kind}.jsonl").read_bytes() == text


def test_fast_path_and_general_reader_keep_the_same_nulls(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain lines (fast path) and slow ones (unknown key) with nulls: equal records."""
    dump = {k: list(v) for k, v in DUMP.items()}
    dump["users"] = [*dump["users"], {**USERS[0], "id": "u9", "x_new": None}]
    p = _write_jsonl(tmp_path / "src", dump)
    fast = rostergraph.load(p)
    assert isinstance(fast.users, LazyRecords)
    general = _general(p, monkeypatch)
    assert _snapshot(fast) == _snapshot(general)
    for kind in DUMP:
        assert [null_paths(r) for r in fast.records(kind).values()] == \
            [null_paths(r) for r in general.records(kind).values()]
    assert "name.middle" in null_paths(fast.users["u9"])
    assert dict(fast.users["u9"].extra) == {"x_new": None}


def test_warm_snapshot_keeps_nulls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """load(cache=True) twice, JSON Lines and envelope folders: the nulls come back."""
    monkeypatch.setenv("ROSTERGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    for folder in (_write_jsonl(tmp_path / "l", DUMP), _write_envelopes(tmp_path / "e", DUMP)):
        cold = rostergraph.load(folder, cache=True)
        warm = rostergraph.load(folder, cache=True)
        assert "from cache" in warm.provenance.notes[-1]
        assert _snapshot(warm) == _snapshot(cold)
        assert null_paths(warm.users["u1"]) == null_paths(cold.users["u1"]) != []
        rostergraph.write_clever_json(warm, tmp_path / f"out-{folder.name}", jsonl=True)
        assert {k: v for k, v in _written(tmp_path / f"out-{folder.name}").items() if v} == DUMP


def test_csv_targets_write_null_as_absent(tmp_path: Path) -> None:
    """OneRoster and SFTP CSV have no null: a null and an absent field give the same files."""
    with_nulls = rostergraph.load(_write_jsonl(tmp_path / "n", DUMP))
    stripped = {k: [_drop_nulls(r) for r in v] for k, v in DUMP.items()}
    without = rostergraph.load(_write_jsonl(tmp_path / "a", stripped))
    for name, write in (("or", rostergraph.write_oneroster), ("sftp", rostergraph.write_clever_csv)):
        rep_n = write(with_nulls, tmp_path / f"{name}-n").to_dicts()
        rep_a = write(without, tmp_path / f"{name}-a").to_dicts()
        assert rep_n == rep_a
        files = sorted(p.name for p in (tmp_path / f"{name}-n").iterdir())
        assert files == sorted(p.name for p in (tmp_path / f"{name}-a").iterdir())
        for f in files:
            assert (tmp_path / f"{name}-n" / f).read_bytes() == \
                (tmp_path / f"{name}-a" / f).read_bytes(), f


def _drop_nulls(d: Any) -> Any:
    if isinstance(d, dict):
        return {k: _drop_nulls(v) for k, v in d.items() if v is not None}
    if isinstance(d, list):
        return [_drop_nulls(v) for v in d]
    return d


def test_diff_does_not_call_null_to_absent_a_change() -> None:
    """A source that starts sending null where it sent nothing has changed no field."""
    a = record_from_dict(User, {"id": "u1", "email": None, "name": {"middle": None}})[0]
    b = record_from_dict(User, {"id": "u1", "name": {}})[0]
    assert field_changes(a, b) == []


def test_privacy_keeps_a_null_name_part_null() -> None:
    """Redacting a user leaves a null middle name null (there is nothing to hide)."""
    from rostergraph.model import record_to_dict
    from rostergraph.privacy import PrivacyPolicy

    rec = record_from_dict(User, USERS[0])[0]
    d = PrivacyPolicy("redacted").apply_record("users", record_to_dict(rec))
    assert d["name"] == {"first": "[redacted]", "middle": None, "last": "[redacted]"}


@st.composite
def _dumps_with_nulls(draw: Any) -> dict[str, list[dict[str, Any]]]:
    dump: dict[str, list[dict[str, Any]]] = {}
    for kind in KINDS:
        n = draw(st.integers(0, 3))
        dump[kind] = [draw(record_dicts(RECORD_CLASSES[kind], id=f"{kind[:2]}{i}", nulls=True))
                      for i in range(n)]
        if kind == "users":  # a user's roles is always written ({} when the source had none)
            for u in dump[kind]:
                u.setdefault("roles", {})
    return dump


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(dump=_dumps_with_nulls())
def test_any_mix_of_null_absent_and_value_round_trips(tmp_path_factory: Any,
                                                      dump: dict[str, list[dict[str, Any]]]
                                                      ) -> None:
    """Every field (nested too) absent, null or a value: fast path, general reader and the
    writer give the source objects back."""
    tmp = tmp_path_factory.mktemp("mix")
    src = _write_jsonl(tmp / "src", dump)
    fast = rostergraph.load(src)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
        general = rostergraph.load(src)
    assert not fast.problems
    for kind in KINDS:
        assert list(fast.records(kind).items()) == list(general.records(kind).items())
    rostergraph.write_clever_json(fast, tmp / "out", jsonl=True)
    back = _written(tmp / "out")
    assert {k: v for k, v in back.items() if v} == {k: v for k, v in dump.items() if v}
    shutil.rmtree(tmp)


def test_lazy_records_from_text_with_null_inside_a_string() -> None:
    """A line whose only ``null`` bytes are inside a string has no explicit null."""
    text = orjson.dumps({"id": "t1", "name": "nullable"})
    rec = LazyRecords(RECORD_CLASSES["terms"], text, ["t1"], [0], [len(text)])["t1"]
    assert rec.name == "nullable" and rec.nulls == frozenset()


@pytest.mark.parametrize("target", ["oneroster", "clever-csv"])
def test_records_read_back_from_csv_name_no_nulls(tmp_path: Path, target: str) -> None:
    """A CSV bundle (whose extension column says "absent" with null) reads back without nulls."""
    src = rostergraph.load(_write_jsonl(tmp_path / "src", DUMP))
    write = rostergraph.write_oneroster if target == "oneroster" else rostergraph.write_clever_csv
    write(src, tmp_path / "out")
    back = rostergraph.load(tmp_path / "out")
    assert back.provenance.format == target
    assert sum(len(back.records(k)) for k in KINDS) >= 6
    assert [null_paths(r) for k in KINDS for r in back.records(k).values() if null_paths(r)] == []
