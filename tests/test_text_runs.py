"""Records handed to the builder a run at a time (rostergraph/io/text_runs.py) give the
builder what one add_parked call each gives: the same records in the same order, the
same problems at the same lines."""

from __future__ import annotations

from typing import Any

import pytest

from rostergraph.io import text_runs
from rostergraph.io.collect import ColumnarBuilder
from rostergraph.io.parked import add_parked
from rostergraph.io.text_runs import TextRuns
from rostergraph.roster import RosterBuilder
from tests.test_collect import assert_same_roster

#: (value, whether a mend changes it, file, line): plain texts and dicts, a repeated id,
#: a wrongly typed field, an empty id, a value JSON cannot say, files changing mid-run.
_RECORDS: list[tuple[Any, bool, str, int]] = [
    (b'{"id":"u1","email":"a@x.org"}', False, "students.csv", 2),
    ({"id": "u2", "roles": {"student": {"grade": "3"}}}, False, "students.csv", 3),
    (b'{"id":"u1","email":"b@x.org"}', False, "students.csv", 4),
    ({"id": "u3", "email": 5}, False, "students.csv", 5),
    ({"id": "", "email": "c@x.org"}, False, "students.csv", 6),
    ({"id": "u4", "extra": {"x": float("nan")}}, False, "teachers.csv", 2),
    (b'{"id":"u5"}', True, "teachers.csv", 3),
    ({"id": "u6", "name": {"last": "Q"}}, False, "staff.csv", 2),
    (b'{"id":"u6"}', False, "staff.csv", 3),
    (b'{"id":"u7","roles":{}}', False, "students.csv", 9),
]


def _mend(d: dict[str, Any]) -> dict[str, Any]:
    return {**d, "email": "m@x.org"}


def _one_by_one(b: Any) -> Any:
    for value, mended, file, line in _RECORDS:
        add_parked(b, "users", value, _mend if mended else None, file=file, line=line)
    return b.build()


def _in_runs(b: Any) -> Any:
    runs = TextRuns(b, "users")
    for value, mended, file, line in _RECORDS:
        runs.add(value, _mend if mended else None, file=file, line=line)
    runs.flush()
    return b.build()


@pytest.mark.parametrize("run", [1, 2, 3, 512])
def test_runs_give_what_one_call_each_gives(monkeypatch: pytest.MonkeyPatch, run: int) -> None:
    monkeypatch.setattr(text_runs, "RUN", run)
    new = _in_runs(ColumnarBuilder(source="mem", format="test"))
    old = _one_by_one(ColumnarBuilder(source="mem", format="test"))
    assert_same_roster(new, old)
    assert list(new.users) == list(old.users)
    told = [(p.code, p.file, p.line) for p in new.problems]
    assert told == [(p.code, p.file, p.line) for p in old.problems]
    assert {("duplicate_id", "students.csv", 4), ("duplicate_id", "staff.csv", 3)} <= set(told)
    assert new.users["u5"].email == "m@x.org"


def test_a_builder_keeping_no_text_takes_each_record() -> None:
    new = _in_runs(RosterBuilder(source="mem", format="test"))
    old = _one_by_one(RosterBuilder(source="mem", format="test"))
    assert_same_roster(new, old)


def _mixed(b: Any) -> Any:
    """The records through extend (texts a run at a time) and add (the others, mended or
    not), as the column-wise users.csv rows and the row path's records between them go."""
    runs = TextRuns(b, "users")
    texts: list[bytes] = []
    lines: list[int] = []
    at = _RECORDS[0][2]  # (the file of the texts gathered)
    for value, mended, file, line in _RECORDS:
        if file != at or not isinstance(value, bytes) or mended:
            runs.extend(texts, lines, file=at)
            texts, lines, at = [], [], file
        if isinstance(value, bytes) and not mended:
            texts.append(value)
            lines.append(line)
        else:
            runs.add(value, _mend if mended else None, file=file, line=line)
    runs.extend(texts, lines, file=at)
    runs.flush()
    return b.build()


@pytest.mark.parametrize("builder", [ColumnarBuilder, RosterBuilder])
@pytest.mark.parametrize("run", [1, 2, 512])
def test_texts_extended_and_calls_between_them_keep_their_order(
        monkeypatch: pytest.MonkeyPatch, run: int, builder: Any) -> None:
    monkeypatch.setattr(text_runs, "RUN", run)
    new = _mixed(builder(source="mem", format="test"))
    old = _one_by_one(builder(source="mem", format="test"))
    assert_same_roster(new, old)
    assert list(new.users) == list(old.users)
    told = [(p.code, p.line) for p in new.problems]
    assert told == [(p.code, p.line) for p in old.problems]
    assert ("duplicate_id", 4) in told and new.users["u5"].email == "m@x.org"
