"""Sections handed with their students as the enrollments' codes
(rostergraph/io/listed_sections.py) give exactly what their text alone gives: the same
records in the same order, the same problems, notes, graph and rule columns, in every
CSV format; and a section whose list changed after the enrollments, or whose text is
not plain, still reads right (it takes the text path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import rostergraph
from rostergraph.io import collect, listed_sections
from rostergraph.io.collect import ColumnarBuilder, _Positions, _SeenRefs, utf8_array
from rostergraph.io.listed_sections import listed_text
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
from rostergraph.synth import write_district
from tests.test_collect import same_either_way
from tests.test_oneroster_variants import CLASSES, ENR_HEAD, USERS, bundle, write


def _both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, int]:
    """The roster read with sections handed with their codes and as text only, compared;
    and how many sections went with their codes."""
    handed = [0]
    real = ColumnarBuilder.add_listed

    def spy(self: Any, kind: str, texts: list[bytes], *args: Any, **kw: Any) -> None:
        handed[0] += len(texts)
        real(self, kind, texts, *args, **kw)

    monkeypatch.setattr(ColumnarBuilder, "add_listed", spy)
    new, _ = same_either_way(lambda: rostergraph.load(path, cache=False), monkeypatch,
                             listed_sections, "LISTED_SECTIONS")
    return new, handed[0]


@pytest.mark.parametrize(("seed", "quirks", "form"), [
    (3, "high", "oneroster"), (4, "default", "oneroster12"), (5, "high", "sftp"),
    (6, "default", "sftp")])
def test_generated_districts_read_as_their_text_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, quirks: str,
        form: str) -> None:
    roster = rostergraph.load(write_district(tmp_path / "jsonl", "S", seed=seed,
                                             quirks=quirks), cache=False)
    out = tmp_path / form
    if form == "sftp":
        write_clever_csv(roster, out, extensions=False)
    else:
        write_oneroster(roster, out, version="1.2" if form == "oneroster12" else "1.1")
    new, handed = _both(out, monkeypatch)
    with_lists = sum(1 for s in new.sections.values() if s.students)
    assert with_lists > 0 and handed >= with_lists * 9 // 10


_CARRY = "metadata.rostergraph.clever"


def test_lists_changed_or_not_plain_take_the_text_path(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A class whose carried JSON replaces its students, a class named by its enrollments
    with and without spaces around its id, a title over the string bound: each reads as
    its text alone reads; the other classes go with their codes."""
    head, rows = CLASSES.splitlines()[0], CLASSES.splitlines()[1:]
    classes = "\n".join([
        head + "," + _CARRY, *(r + "," for r in rows),
        "c3,active,2024-01-01," + "T" * 300 + ",04,,X-1,scheduled,,sA,,,,3,",
        'c4,active,2024-01-01,Gym,04,,G-1,scheduled,,sA,,,,4,"{""students"": [""s9""]}"',
        "c5,active,2024-01-01,Band,04,,B-1,scheduled,,sA,,,,5,"]) + "\n"
    enr = ENR_HEAD + "".join(
        f"e{k},active,2024-01-01,{c},sA,{u},{role},{'true' if role == 'teacher' else ''},,\n"
        for k, (c, u, role) in enumerate([
            ("c1", "s1", "student"), ("c1", "s2", "student"), ("c1", "t1", "teacher"),
            ("c2", "s2", "student"), ("c3", "s1", "student"), ("c4", "s1", "student"),
            ("c4", "s2", "student"), ("c5", "s2", "student"), (" c5", "s1", "student")]))
    new, handed = _both(bundle(tmp_path / "b", classes_csv=classes, enrollments_csv=enr),
                        monkeypatch)
    assert new.sections["c4"].students == ("s9",)
    assert new.sections["c5"].students == ("s2", "s1")
    assert new.sections["c1"].students == ("s1", "s2")
    assert 0 < handed < len(new.sections)


def test_an_id_over_the_bound_sends_every_list_as_text(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A student id longer than the string bound: no list goes with its codes, and the
    problem the builder reports is the text path's."""
    long = "s" * 300
    users = USERS + f"{long},active,2024-01-01,true,sA,student,x,,L,O,,L1,,,,,04,\n"
    enr = ENR_HEAD + (f"e1,active,2024-01-01,c1,sA,s1,student,,,\n"
                      f"e2,active,2024-01-01,c2,sA,{long},student,,,\n")
    new, handed = _both(bundle(tmp_path / "b", users_csv=users, enrollments_csv=enr),
                        monkeypatch)
    assert handed == 0
    assert new.sections["c1"].students == ("s1",)


def test_sftp_records_replacing_a_list_take_the_text_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files: dict[str, str | bytes] = {
        "schools.csv": "School_id,School_name\nsA,Alpha\n",
        "students.csv": "School_id,Student_id,Last_name\nsA,st1,A\nsA,st2,B\nsA,st3,C\n",
        "teachers.csv": "School_id,Teacher_id,Last_name\nsA,t1,T\n",
        "sections.csv": "School_id,Section_id,Teacher_id,Name\nsA,se1,t1,Math\n"
                        "sA,se2,t1,Art\nsA,se3,t1,Gym\n",
        "enrollments.csv": "School_id,Section_id,Student_id\nsA,se1,st1\nsA,se2,st2\n"
                           "sA,se2,st1\nsA,se3,st3\nsA, se3,st1\n",
        "rostergraph_records.csv": 'Kind,Id,Clever_json\nsections,se2,"{""students"": '
                                   '[""st3""]}"\n'}
    new, handed = _both(write(tmp_path / "u", files), monkeypatch)
    assert new.sections["se2"].students == ("st3",)
    assert new.sections["se1"].students == ("st1",)
    assert new.sections["se3"].students == ("st3", "st1")
    assert handed == 2  # (all but se2, whose list the record replaced)


def test_coded_references_keep_their_order_when_made_distinct(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """References given as strings and as codes into one shared array, in turns, with
    the ids made distinct again between takes, code to the positions they name in the
    order given."""
    monkeypatch.setattr(collect, "_CHUNK", 1)
    names = utf8_array(["u3", "u1", "u2", "u1"])
    seen = _SeenRefs()
    seen.take(["u2", "zz"])
    seen.take_coded(np.array([0, 1, 3]), names)
    seen.take(["u1"])
    seen.take_coded(np.array([2, 2]), names)
    seen.take_coded(np.array([0]), utf8_array(["u9"]))
    got = seen.coded(_Positions({"users": dict.fromkeys(["u1", "u2", "u3"])}), "users")
    assert got.codes.tolist() == [1, -1, 2, 0, 0, 0, 1, 1, -1]
    assert got.missing == ["zz", "u9"]


def test_listed_text_puts_the_list_last_and_back() -> None:
    d = {"id": "c1", "students": ["a", 'b"'], "name": "M"}
    assert listed_text(d) == b'{"id":"c1","name":"M","students":["a","b\\""]}'
    assert list(d) == ["id", "name", "students"]
    assert listed_text({"students": ["a"]}) == b'{"students":["a"]}'
    bad = {"id": "c1", "students": ["a"], "score": float("nan")}
    assert listed_text(bad) is None and list(bad) == ["id", "score", "students"]
    assert listed_text({"id": "c1", "students": ["\ud800"]}) is None

