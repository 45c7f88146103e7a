"""The column-wise rules against per-record reference implementations (tests/rule_oracle.py)
on small synthetic districts at default and high quirk rates, fast-loaded (records not
built, strings read from the JSON text), plus hand-written users whose hits sit in nested
objects, lists, object lists, ``ext`` maps and raw (unescaped) UTF-8."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import rostergraph
from rostergraph import validate
from rostergraph.lazy import LazyRecords
from rostergraph.rules._util import reader_column
from rostergraph.synth import district

from . import rule_oracle


def _extra_users(school: str, district_id: str) -> list[bytes]:
    """Plain user lines (every key a field) with strings the string rules report, or
    nearly report, in every kind of place."""
    long_a, long_e = "a" * 300, "é" * 300
    users: list[tuple[dict[str, Any], bool]] = [
        ({"id": "zz-oracle-1", "district": district_id, "email": "one@example.org",
          "name": {"first": "A", "middle": "m" * 256, "last": "B"},
          "roles": {"student": {"school": school, "schools": [school, "s\u0007x"],
                                "grade": "1", "ext": {"k": ["ok", "n\u0085l"],
                                                      "deep": {"s": long_a}}}}}, True),
        ({"id": "zz-oracle-2", "district": district_id, "email": "two@example.org",
          "name": {"first": "C", "last": "D"},
          "roles": {"contact": {"student_relationships": [
              {"student": "zz-oracle-1", "relationship": "Par\u0000ent", "type": "t" * 260},
              {"student": "zz-oracle-1", "relationship": "Other", "type": "Emergency"}]}}},
         True),
        ({"id": "zz-oracle-3", "district": district_id, "email": "three@example.org",
          "name": {"first": "E\u0085\ufdd0", "last": "F"},
          "roles": {"teacher": {"school": school, "schools": [school], "title": long_e,
                                "credentials": {"district_username": "u\x7f"}}}}, False),
        ({"id": "zz-oracle-4", "district": district_id, "email": "four@example.org",
          # 255 characters with escaped quotes and slashes: suspect bytes, no finding
          "name": {"first": "q\"/" * 85, "last": "x" * 255},
          "roles": {"staff": {"schools": [school], "roles": ["a", "r" * 400, "\ud800"],
                              "title": "t"}}}, True),
    ]
    return [json.dumps(u, ensure_ascii=ascii).encode("utf-8") for u, ascii in users]


@pytest.fixture(scope="module", params=["default", "high"])
def folder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = district("S", seed=7, quirks=request.param).write(
        tmp_path_factory.mktemp(f"s-{request.param}"))
    out = Path(out)
    school = json.loads((out / "schools.jsonl").read_bytes().split(b"\n", 1)[0])["id"]
    district_id = json.loads((out / "districts.jsonl").read_bytes().split(b"\n", 1)[0])["id"]
    users = out / "users.jsonl"
    users.write_bytes(users.read_bytes().rstrip(b"\n") + b"\n"
                      + b"\n".join(_extra_users(school, district_id)) + b"\n")
    return out


def _rows(report: Any) -> list[tuple[Any, ...]]:
    return [(f.rule, f.kind, f.ids, f.message, dict(f.values)) for f in report.findings]


def _sorted(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=lambda r: (r[0], r[1], r[2], r[3]))


def test_string_rules_equal_the_per_record_oracle(folder: Path) -> None:
    """RG-STR-001/002 on a fast-loaded district (records not built) report exactly what
    a walk over every string of every built record reports, in sort order."""
    fast = rostergraph.load(folder)
    got = _rows(validate(fast, select="RG-STR"))
    users = fast.records("users")
    assert isinstance(users, LazyRecords)
    built = users.built(list(range(len(users))))
    assert built.sum() < len(users) // 10  # the strings were read from the JSON text
    expected = _sorted(rule_oracle.string_rules(rostergraph.load(folder)))
    assert got == expected
    fields = {r[4]["field"] for r in got if r[2][0].startswith("zz-oracle")}
    assert {"name.middle", "roles.student.schools[1]", "roles.student.ext.k[1]",
            "roles.student.ext.deep.s", "roles.contact.student_relationships[].relationship",
            "roles.contact.student_relationships[].type", "name.first",
            "roles.teacher.title", "roles.teacher.credentials.district_username",
            "roles.staff.roles[1]", "roles.staff.roles[2]"} <= fields
    assert not any(r[2] == ("zz-oracle-4",) and r[4]["field"].startswith("name.")
                   for r in got)


def test_teacher_count_and_singular_school_equal_the_oracle(folder: Path) -> None:
    """RG-SEC-003 (from the teaches edges) and RG-STF-001's singular-school findings equal
    a per-record count over the built records."""
    got = _rows(validate(rostergraph.load(folder), select=["RG-SEC-003", "RG-STF-001"]))
    general = rostergraph.load(folder)
    assert [r for r in got if r[0] == "RG-SEC-003"] == _sorted(
        rule_oracle.too_many_teachers(general))
    assert [r for r in got if r[4].get("reason") == "singular_school"] == _sorted(
        rule_oracle.singular_staff_school(general))


def test_findings_are_in_sort_key_order(folder: Path) -> None:
    """Every finding of the district, sorted with array operations, is in the order of
    sorting the findings themselves by rule, kind, ids and message."""
    findings = list(validate(rostergraph.load(folder)).findings)
    assert len(findings) > 50  # the S district at the default rates gives about 70
    assert len({f.rule for f in findings}) > 15
    assert findings == sorted(findings, key=lambda f: f.sort_key())


def _school_users(school: str, other: str, third: str, district_id: str) -> list[bytes]:
    """Users whose primary school is, or is not, in their role's ``schools``: the shapes
    RG-SCH-001 must tell apart (a line with a key that is no field takes the general
    reader's path)."""
    def user(uid: str, roles: dict[str, Any], **more: Any) -> bytes:
        return json.dumps({"id": uid, "district": district_id, "roles": roles,
                           **more}).encode()
    return [
        user("zz-sch-1", {"student": {"school": school, "schools": [other, third]}}),
        user("zz-sch-2", {"student": {"school": school, "schools": [other, school]}}),
        user("zz-sch-3", {"student": {"school": school, "schools": [other]}}),
        user("zz-sch-4", {"teacher": {"school": school, "schools": [other]},
                          "staff": {"schools": [school]}}),
        user("zz-sch-5", {"teacher": {"school": school, "schools": [school]}}),
        user("zz-sch-6", {"student": {"schools": [other]}}),
        user("zz-sch-7", {"student": {"school": school, "schools": [other]}}, zz_extra=1),
        user("zz-sch-8", {"student": {"school": school, "schools": []},
                          "teacher": {"school": other, "schools": [third, school]}}),
    ]


def test_primary_school_not_listed_equals_the_oracle(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """RG-SCH-001 from the marks the fast reader makes with the school edges, from a warm
    snapshot's copy of them and from the records alone all equal a per-record check."""
    out = Path(district("S", seed=3).write(tmp_path / "d"))
    school = json.loads((out / "schools.jsonl").read_bytes().split(b"\n", 1)[0])["id"]
    schools = [school, "zz-school-b", "zz-school-c"]  # (two not in the district: stubs)
    district_id = json.loads((out / "districts.jsonl").read_bytes().split(b"\n", 1)[0])["id"]
    users = out / "users.jsonl"
    users.write_bytes(users.read_bytes().rstrip(b"\n") + b"\n"
                      + b"\n".join(_school_users(*schools, district_id)) + b"\n")
    monkeypatch.setenv("ROSTERGRAPH_CACHE_DIR", str(tmp_path / "cache"))

    def sch001(roster: rostergraph.Roster) -> list[tuple[Any, ...]]:
        return _rows(validate(roster, select="RG-SCH-001"))

    expected = []
    for rec in rostergraph.load(out).users.values():
        for role in ("student", "teacher"):
            r = getattr(rec.roles, role) if rec.roles is not None else None
            if r is not None and r.school is not None and r.schools and \
                    r.school not in r.schools:
                expected.append((rec.id, role))
    fast = rostergraph.load(out)
    for role in ("student", "teacher"):  # the reader marked the rows itself
        assert reader_column(fast, "users", f"{role}_school_unlisted") is not None
    got = sch001(fast)
    assert sorted((r[2][0], r[4]["role"]) for r in got) == sorted(expected)
    assert {i for i, _ in expected if i.startswith("zz-")} == {
        "zz-sch-1", "zz-sch-3", "zz-sch-4", "zz-sch-7", "zz-sch-8"}
    cold = rostergraph.load(out, cache=True)
    warm = rostergraph.load(out, cache=True)
    assert "from cache" in warm.provenance.notes[-1]
    assert reader_column(warm, "users", "teacher_school_unlisted") is not None
    assert sch001(cold) == sch001(warm) == got
    plain = rostergraph.load(out)
    # users in a dict of their own: the reader's marks no longer describe them
    records_only = plain.replace(users=dict(plain.users.items()))
    assert sch001(records_only) == got


def test_email_without_at_from_the_readers_marks_equals_the_records(tmp_path: Path) -> None:
    """RG-USR-001 from the marks the fast reader makes as it reads each email equals the
    rule over the records (empty, absent and ``@``-only emails included; a line with a key
    that is no field takes the general reader's path)."""
    out = Path(district("S", seed=4).write(tmp_path / "d"))
    district_id = json.loads((out / "districts.jsonl").read_bytes().split(b"\n", 1)[0])["id"]
    extra = [{"id": "zz-at-1", "email": "no-at", "roles": {"student": {"email": "x@y"}}},
             {"id": "zz-at-2", "email": "", "roles": {"student": {"email": "plain"}}},
             {"id": "zz-at-3", "email": "@", "roles": {"student": {"email": ""}}},
             {"id": "zz-at-4", "roles": {"teacher": {}}},
             {"id": "zz-at-5", "email": "slow-line", "zz_extra": 1, "roles": {}}]
    users = out / "users.jsonl"
    users.write_bytes(users.read_bytes().rstrip(b"\n") + b"\n" + b"\n".join(
        json.dumps({"district": district_id, **u}).encode() for u in extra) + b"\n")
    fast = rostergraph.load(out)
    assert reader_column(fast, "users", "email_no_at") is not None
    got = _rows(validate(fast, select="RG-USR-001"))
    plain = rostergraph.load(out)
    records_only = plain.replace(users=dict(plain.users.items()))
    assert reader_column(records_only, "users", "email_no_at") is None
    assert got == _rows(validate(records_only, select="RG-USR-001"))
    flagged = {(r[2][0], r[4]["field"]) for r in got if r[2][0].startswith("zz-")}
    assert flagged == {("zz-at-1", "email"), ("zz-at-2", "roles.student.email"),
                       ("zz-at-5", "email")}
