"""Integers wider than 64 bits in Clever JSON: the readers' decoder (orjson) reads one as
the nearest float, so each is told, its digits kept in the problem's raw text."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import rostergraph
from rostergraph.io import clever_json, fast_jsonl

WIDE = 123456789012345678901  # (21 digits: over 2**64)


def _users(tmp_path: Path, lines: list[bytes], name: str = "users.jsonl") -> Path:
    (tmp_path / name).write_bytes(b"\n".join(lines) + b"\n")
    return tmp_path


def _student(uid: str, **more: object) -> bytes:
    return orjson.dumps({"id": uid, "roles": {"student": {"school": "s1"}}, **more})


def _wide(roster: rostergraph.Roster) -> list[rostergraph.Problem]:
    return [p for p in roster.problems if "wider than 64 bits" in p.message]


@pytest.mark.parametrize("general", [False, True])
def test_a_wide_integer_in_a_json_lines_record_is_told_with_its_digits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, general: bool) -> None:
    """In an ``ext`` map (which the fast reader decodes) and under an unknown key (which
    it leaves to the general reader), the record loads and a problem at its line keeps
    the digits; other numbers, and digits in strings, are nothing to tell."""
    if general:
        monkeypatch.setattr(fast_jsonl, "read_fast", lambda *a, **k: None)
    ext = orjson.dumps({"id": "u2", "roles": {"student": {"school": "s1", "ext": {
        "n": 1}}}}).replace(b'"n":1', b'"n":%d' % WIDE)
    d = _users(tmp_path, [_student("u1", ext={"n": 2 ** 64 - 1}, note="1" * 30), ext,
                          _student("u3").replace(b"}}}", b'}},"zz":-%d}' % WIDE)])
    r = rostergraph.load(d)
    assert set(r.users) == {"u1", "u2", "u3"}
    told = _wide(r)
    assert [(p.line, p.record_id, p.code) for p in told] == [(2, "u2", "limit"),
                                                             (3, "u3", "limit")]
    assert all(str(WIDE) in (p.raw or "") for p in told)
    assert r.users["u3"].extra["zz"] == -float(WIDE)  # (the float the decoder gives)
    with pytest.raises(rostergraph.FormatError):
        rostergraph.load(d, strict=True)


@pytest.mark.parametrize("itemwise", [False, True])
def test_a_wide_integer_in_a_json_list_is_told_by_its_item(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, itemwise: bool) -> None:
    """A ``.json`` list (read whole, or an item at a time when large) tells the item
    holding one, by its position, with the item's exact text."""
    if itemwise:
        monkeypatch.setattr(clever_json, "ITEMWISE_FROM", 0)
    text = b"[" + b",\n".join([_student("u1"), _student("u2", n=1)]) + b"]"
    (tmp_path / "users.json").write_bytes(text.replace(b'"n":1', b'"n":%d' % WIDE))
    r = rostergraph.load(tmp_path)
    told = _wide(r)
    assert [(p.file, p.index, p.record_id) for p in told] == [("users.json", 1, "u2")]
    assert str(WIDE) in (told[0].raw or "")


def test_a_wide_integer_in_a_legacy_list_is_told_by_its_item(tmp_path: Path) -> None:
    """A legacy (v1.1) list copied from Clever's recorded fixtures, one student given a
    wide number: that item is told, by its position and id."""
    import shutil

    src = Path(__file__).parent / "data" / "clever" / "clever-go-v1.1-fixtures"
    shutil.copytree(src, tmp_path / "d")
    doc = orjson.loads((tmp_path / "d" / "students.json").read_bytes())
    at = len(doc["data"]) - 1
    doc["data"][at]["data"]["n"] = 1
    (tmp_path / "d" / "students.json").write_bytes(
        orjson.dumps(doc).replace(b'"n":1', b'"n":%d' % WIDE))
    r = rostergraph.load(tmp_path / "d")
    told = _wide(r)
    assert [(p.file, p.index, p.record_id) for p in told] == [
        ("students.json", at, doc["data"][at]["data"]["id"])]
    assert str(WIDE) in (told[0].raw or "")


def test_a_wide_integer_served_by_the_clever_api_keeps_its_digits_in_the_dump(
        tmp_path: Path) -> None:
    """A fetch from a Clever API server on 127.0.0.1 whose school holds a wide number in
    ``ext``: the dump line keeps the exact digits (orjson would have made it a float
    before it was written), and loading the dump tells it."""
    import copy
    import random

    from rostergraph.clever import CleverClient, fetch_district

    from .fake_clever import FakeClever, FakeClock, make_district

    district = copy.deepcopy(make_district(seed=3))
    school = district["schools"][0]
    school["ext"] = {"n": WIDE}
    clock = FakeClock()
    with FakeClever(district, token="tok-wide-1", clock=clock.time) as srv, CleverClient(
            "tok-wide-1", base_url=srv.base_url, clock=clock.time, sleep=clock.sleep,
            rng=random.Random(0)) as c:
        fetch_district(tmp_path, client=c, limit=50)
    assert b'"n":%d' % WIDE in (tmp_path / "schools.jsonl").read_bytes()
    r = rostergraph.load(tmp_path)
    assert [(p.file, p.record_id) for p in _wide(r)] == [("schools.jsonl", school["id"])]


def test_a_record_not_loaded_for_its_id_is_told_once(tmp_path: Path) -> None:
    """A line whose id is no string (here a list holding a wide number) is not loaded: its
    ``no_id`` problem keeps the text, and no second problem tells the number."""
    d = _users(tmp_path, [b'{"id": [0, %d]}' % WIDE, _student("u1")], "sections.jsonl")
    assert [(p.code, p.line) for p in rostergraph.load(d).problems] == [("no_id", 1)]


def test_a_negative_integer_of_nineteen_digits_below_64_bits_is_told(tmp_path: Path) -> None:
    """``-2**63 - 1`` has only 19 digits, yet orjson reads it as a float too."""
    below = -(2 ** 63) - 1
    d = _users(tmp_path, [_student("u1", n=-(2 ** 63)),
                          _student("u2").replace(b"}}}", b'}},"zz":%d}' % below)])
    r = rostergraph.load(d)
    assert [(p.line, p.record_id) for p in _wide(r)] == [(2, "u2")]
    assert str(below) in (_wide(r)[0].raw or "")
