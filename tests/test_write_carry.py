"""The writers' field accounting (``_Carry``, ``WriteReport.leftover``, ``pop_path``): the
shortcuts for records with nothing unusual give what the general path gives."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest

from rostergraph.io import write as write_mod
from rostergraph.io.mapping import pop_path
from rostergraph.io.oneroster_cols import PREFIX
from rostergraph.io.write import WriteReport, _Carry
from rostergraph.model import User, record_from_dict


def _leaf_counts(dicts: list[Mapping[str, Any]]) -> dict[tuple[str, str, str], int]:
    """Every leaf path of each dict, looked into while a path holds fewer than two dots."""
    counts: dict[tuple[str, str, str], int] = {}
    for d in dicts:
        todo: list[tuple[Mapping[str, Any], str]] = [(d, "")]
        while todo:
            obj, pre = todo.pop()
            for k, v in obj.items():
                path = pre + k
                if v and isinstance(v, Mapping) and path.count(".") < 2:
                    todo.append((v, path + "."))
                else:
                    counts[("users", path, "extension")] = counts.get(
                        ("users", path, "extension"), 0) + 1
    return counts


LEFTOVERS: list[Mapping[str, Any]] = [
    {"created": "x", "roles": {"student": {"a": "1", "b": ["s"], "c": {"deep": 1}}}},
    {"created": "y", "roles": {"student": {"b": [], "a": "2"}}, "name": {"middle": ""}},
    {"a.b": {"c": {"d": 1}}, "a": {"b.c": {"d": 2}, "e": {}}, "x.y.z": {"w": 1}},
    {"m": MappingProxyType({"n": MappingProxyType({"o": 1}), "p": None}), "q": {}, "r": 0},
    {"roles": {}, "name": {"first": None}},
]


def test_leftover_counts_every_leaf_path_as_the_walk_does() -> None:
    """Shapes counted once per record give the counts of a walk of every record: keys with
    dots, empty objects (leaves), mappings that are not dicts, values of any type."""
    report = WriteReport()
    dicts = LEFTOVERS * 3
    for d in dicts:
        report.leftover("users", d, "extension")
    got = {(k, f, h): n for k, f, n, h in zip(*(report.table().to_list(c) for c in (
        "kind", "field", "count", "how")))}
    assert got == _leaf_counts(dicts)
    assert got[("users", "roles.student.c", "extension")] == 3  # (a third level's object)
    # ("a.b" → "c" and "a" → "b.c": one path twice a record)
    assert got[("users", "a.b.c", "extension")] == 6 and got[("users", "q", "extension")] == 3


def test_leftover_of_many_shapes_counts_them_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """More distinct shapes than a report holds: they are counted on the way, none lost."""
    monkeypatch.setattr(write_mod, "_MAX_SHAPES", 5)
    report = WriteReport()
    dicts = [{f"k{i}": "v", "same": {"x": 1}} for i in range(23)]
    for d in dicts:
        report.leftover("users", d, "extension")
    assert len(report._shapes) <= 5
    rows = report.table().to_dicts()
    assert {r["field"]: r["count"] for r in rows} == {
        **{f"k{i}": 1 for i in range(23)}, "same.x": 23}


def _carry(data: dict[str, Any]) -> _Carry:
    rec, problems = record_from_dict(User, data)
    assert problems == [] or data.get("email") == ["a", "b"]
    return _Carry("users", rec, WriteReport(), True, PREFIX)


def test_take_carries_a_lone_surrogate_and_keeps_plain_text_in_its_column() -> None:
    """A value UTF-8 cannot hold is taken and carried as it is; a record without one
    carries nothing it took."""
    c = _carry({"id": "u1", "name": {"first": "Ann\ud800", "last": "Lee"}})
    assert c.take("name.first") == "Ann\ud800" and c.take("name.last") == "Lee"
    assert c.forced == {"name.first": "Ann\ud800"}
    plain = _carry({"id": "u2", "name": {"first": "Ann", "last": "Lee"}})
    assert plain.take("name.first") == "Ann" and plain.forced == {}


def test_rest_keeps_empty_objects_and_mistyped_values() -> None:
    """An empty object of the source is carried (it reads back as no object otherwise), and
    a mistyped value is carried as loaded, with or without other empty objects."""
    c = _carry({"id": "u1", "name": {}, "email": ["a", "b"], "x": {"y": {}}})
    assert c.take("id") == "u1" and c.take("email") is None and c.take("name.first") is None
    rest = c.rest()
    assert rest == {"email": ["a", "b"], "name": {}, "x": {"y": {}}}
    plain = _carry({"id": "u2", "name": {"first": "Ann"}, "created": "2020"})
    assert plain.take("name.first") == "Ann" and plain.take("id") == "u2"
    assert plain.rest() == {"created": "2020"}


def test_pop_path_drops_only_the_objects_it_empties() -> None:
    d = {"roles": {"student": {"grade": "9"}, "teacher": {"x": 1}}, "name": {"first": "A"}}
    assert pop_path(d, "roles.student.grade") == "9"
    assert d == {"roles": {"teacher": {"x": 1}}, "name": {"first": "A"}}
    assert pop_path(d, "name.first") == "A" and d == {"roles": {"teacher": {"x": 1}}}
    assert pop_path(d, "roles.teacher.x.y") is None and pop_path(d, "nope") is None
    assert pop_path(d, "roles.teacher.x") == 1 and d == {}
