"""``orgs.csv`` schools and their district: a school row whose ``parentSourcedId`` is
empty (the OneRoster CSV specifications make it optional; single-district exports leave
it so) is in the bundle's sole district, as its classes, users, terms and courses are."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

import rostergraph
from rostergraph.io import oneroster_orgs
from rostergraph.io.limits import Limits
from rostergraph.io.oneroster import read_oneroster
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.lazy import LazyRecords
from rostergraph.model import record_to_dict
from tests.test_csv_equivalence import assert_same
from tests.test_oneroster_variants import CLASSES, ENR_HEAD, USERS, write

ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
        "d1,active,2024-01-01,District,district,,\n"
        "sA,active,2024-01-01,School A,school,,\n"
        "sB,active,2024-01-01,School B,school,,d1\n")
MANIFEST = "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n" + "".join(
    f"file.{f},bulk\n" for f in ("orgs", "classes", "users", "enrollments"))


def _bundle(folder: Path, orgs: str = ORGS) -> Path:
    return write(folder, {"manifest.csv": MANIFEST, "orgs.csv": orgs, "classes.csv": CLASSES,
                          "users.csv": USERS,
                          "enrollments.csv": ENR_HEAD + "e1,active,,c1,sA,s1,student,,,\n"})


def test_a_school_without_a_parent_is_in_the_sole_district(tmp_path: Path) -> None:
    """School A names no parent: it was loaded with no district (and the graph had no
    ``in_district`` edge for it) while its classes and users were in ``d1``."""
    r = rostergraph.load(_bundle(tmp_path / "b"))
    assert r.schools["sA"].district == "d1"
    assert r.sections["c1"].district == "d1"
    assert "oneroster.parentSourcedId" not in r.schools["sA"].extra
    g = rostergraph.RosterGraph.from_roster(r)
    assert g.relation_counts()["in_district"] == 2
    assert not r.problems, r.problems


def test_with_two_districts_a_school_without_a_parent_has_none(tmp_path: Path) -> None:
    """No district is guessed when the bundle has two."""
    orgs = ORGS + "d2,active,2024-01-01,Other District,district,,\n"
    r = rostergraph.load(_bundle(tmp_path / "b", orgs))
    assert r.schools["sA"].district is None
    assert r.schools["sB"].district == "d1"


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_a_school_without_a_district_reads_back_without_one(tmp_path: Path,
                                                            version: str) -> None:
    """A Clever school with no district in a one-district roster: OneRoster writes it
    with no parent, which now reads as the sole district, so the writer carries the
    absence (as a course's) and the school reads back as it was."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "districts.jsonl").write_text('{"id": "d1", "name": "D"}\n', encoding="utf-8")
    (src / "schools.jsonl").write_text(
        json.dumps({"id": "s1", "name": "S"}) + "\n"
        + json.dumps({"id": "s2", "name": "T", "district": "d1"}) + "\n", encoding="utf-8")
    before = rostergraph.load(src)
    write_oneroster(before, tmp_path / "or", version=version)
    after = rostergraph.load(tmp_path / "or")
    for sid in ("s1", "s2"):
        assert record_to_dict(after.schools[sid]) == record_to_dict(before.schools[sid])


# --- classes.csv read column by column -------------------------------------------

_CLASS_ORGS = (ORGS + "dep1,active,2024-01-01,Math Dept,department,,sA\n")
_SESSIONS = ("sourcedId,status,dateLastModified,title,type,startDate,endDate,"
             "parentSourcedId,schoolYear\n"
             "y1,active,,2024-2025,schoolYear,2024-08-01,2025-06-30,,2025\n"
             "T1,active,,Fall,term,2024-08-01,2024-12-20,y1,2025\n"
             "GP1,active,,Q1,gradingPeriod,2024-08-01,2024-10-01,T1,2025\n"
             "T2,active,,Spring,term,2025-01-06,2025-06-30,y1,2025\n")
_COURSES = ("sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,"
            "orgSourcedId,subjects,subjectCodes\nk1,active,,y1,Math,M,,d1,,\n")
_CLASS_HEAD = ("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
               "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,"
               "periods,metadata.rostergraph.clever\n")
#: Classes whose cells take every turn of a section's making and none a problem of its
#: row: grade and term lists (a term and its grading period), a department's class, a
#: writer's default, empty and unknown references, carried JSON (good, too deep, bad).
_CLASS_ROWS = ('c1,active,2024-01-01,Math,"KG,01",k1,M-1,scheduled,,sA,"T1,GP1",Math,,1,'
               '"{""sis_id"": ""X"", ""grade"": ""9""}"\n'
               "c2,,2024-01-01,Art,,,A-1,homeroom,R1,dep1,T2,,,2,\n"
               'c3,active,,Band, 05 ,k9,,scheduled,,sB,,Arts,AR,,"[[[[[1]]]]]"\n'
               "c4,active,2024-02-01,Choir,Other,k1,C-1,,R2,,T1,,,3,{bad json\n"
               "c5,,2024-01-01,Gym,13,k1,G-1,scheduled,,sA,GP1,PE,,4,\n")


def _class_bundle(folder: Path, rows: str = _CLASS_ROWS) -> Path:
    files = {f: "bulk" for f in ("orgs", "academicSessions", "courses", "classes")}
    return write(folder, {
        "manifest.csv": "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
        + "".join(f"file.{f},{m}\n" for f, m in files.items()),
        "orgs.csv": _CLASS_ORGS, "academicSessions.csv": _SESSIONS, "courses.csv": _COURSES,
        "classes.csv": _CLASS_HEAD + rows})


def _sections_read(path: Path, monkeypatch: pytest.MonkeyPatch, columns: bool,
                   **kw: Any) -> tuple[Any, ...]:
    """The sections (their JSON text as kept, and as records), problems and notes of the
    bundle, its classes.csv read column by column when that reading takes it (``columns``)
    or row by row; and whether the column-wise reading took it."""
    taken: list[bool] = []
    column_wise = oneroster_orgs._read_class_columns

    def read(rd: Any, t: Any) -> bool:
        taken.append(columns and column_wise(rd, t))
        return taken[-1]

    monkeypatch.setattr(oneroster_orgs, "_read_class_columns", read)
    r = read_oneroster(path, **kw)
    secs = r.sections
    texts = secs.texts(range(len(secs))) if isinstance(secs, LazyRecords) else []
    return (list(secs), [bytes(t) if t is not None else None for t in texts],
            [orjson.dumps(record_to_dict(s)) for s in secs.values()], r.problems,
            r.provenance.notes, taken)


@pytest.mark.parametrize(("at_once", "shapes"), [(65_536, 64), (2, 64), (65_536, 1)])
@pytest.mark.parametrize("depth", [64, 3])
def test_classes_read_by_column_are_those_read_by_row(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      at_once: int, shapes: int,
                                                      depth: int) -> None:
    """A classes.csv that no row of would be told of is read column by column (a slice of
    rows at a time, a shape of dict at a time or each value tested): the sections' text,
    their order, the problems (a carried JSON too deep) and notes are the row path's."""
    monkeypatch.setattr(oneroster_orgs, "_CLASS_ROWS_AT_ONCE", at_once)
    monkeypatch.setattr(oneroster_orgs, "_CLASS_SHAPES", shapes)
    path = _class_bundle(tmp_path / "b")
    kw = {"limits": Limits(max_json_depth=depth)}
    by_column = _sections_read(path, monkeypatch, True, **kw)
    by_row = _sections_read(path, monkeypatch, False, **kw)
    assert by_column[-1] == [True] and by_row[-1] == [False]
    assert by_column[:-1] == by_row[:-1]
    ids, texts, _, problems, _, _ = by_column
    assert ids == ["c1", "c2", "c3", "c4", "c5"] and all(texts)
    assert [p.code for p in problems if p.file == "classes.csv"] == (
        ["limit"] if depth == 3 else [])
    c1, c2 = (json.loads(t) for t in texts[:2])
    assert (c1["term_id"], c1["oneroster.termSourcedIds"], c1["grade"]) == (
        "T1", "T1,GP1", "9")  # (the carried grade wins)
    assert (c2["school"], c2["oneroster_org"], c2["oneroster.classType"]) == (
        "sA", "dep1", "homeroom")


@pytest.mark.parametrize("row", [
    "c6,active,,X,,k1 ,,,,sA,,,,,\n",  # (a course named with a space after it)
    "c6,active,,X,,k1,,,, sB,,,,,\n",  # (a school so)
    "c1,active,,X,,k1,,,,sA,,,,,\n",  # (a sourcedId given again)
    ",active,,X,,k1,,,,sA,,,,,\n",  # (none)
    "c6,tobedeleted,,X,,k1,,,,sA,,,,,\n",
    "c6,inactive,,X,,k1,,,,sA,,,,,\n",
    "c6,active,,X,,k1,,,,sA,,,,\n",  # (a cell short)
])
def test_classes_a_row_of_is_told_of_are_read_by_row(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     row: str) -> None:
    """A classes.csv one of whose rows is told of (a reference read without its spaces,
    an id given twice or not at all, a status, a short row) is read row by row, as the
    row path reads it."""
    path = _class_bundle(tmp_path / "b", _CLASS_ROWS + row)
    by_column = _sections_read(path, monkeypatch, True)
    assert by_column[-1] in ([False], [])
    assert by_column[:-1] == _sections_read(path, monkeypatch, False)[:-1]
    assert any(p.file == "classes.csv" for p in by_column[3]) or any(
        n.startswith("classes: 1 rows with status tobedeleted") for n in by_column[4])


@pytest.mark.parametrize("rows", [
    # (classes in two terms, one listing T2 first; one such class; more than are named)
    ('c6,active,,X,,k1,,,,sA,"T1,T2",,,,\nc7,active,,Y,,k1,,,,sB,"T2,T1",,,,\n'
     'c8,active,,Z,,k1,,,,sA,"T1,T2",,,,\n'),
    'c6,active,,X,,k1,,,,sA,"T1,T2",,,,\n',
    "".join(f'y{i},active,,X,,k1,,,,sA,"T1,T2",,,,\n' for i in range(7)),
])
def test_classes_in_several_terms_are_read_by_column(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     rows: str) -> None:
    """A classes.csv whose classes are in several terms (a year-long class of a semester
    school) is read column by column: its sections and the one problem counting them (the
    first's line and id, the first few named) are the row path's, and the oracle's."""
    path = _class_bundle(tmp_path / "b", _CLASS_ROWS + rows)
    by_column = _sections_read(path, monkeypatch, True)
    by_row = _sections_read(path, monkeypatch, False)
    assert by_column[-1] == [True] and by_row[-1] == [False]
    assert by_column[:-1] == by_row[:-1]
    told = [p for p in by_column[3] if p.field == "termSourcedIds"]
    several = rows.count('"T')
    assert len(told) == 1 and told[0].line == 7 and told[0].record_id == rows[:2]
    assert told[0].message.startswith(f"{several} class")
    assert told[0].message.count("', '") == min(several, 5) - 1
    assert_same("oneroster", path)


def test_staff_of_a_local_org_are_placed_at_the_schools_under_it(tmp_path: Path) -> None:
    """An administrator of a ``local`` org (between the district and its schools; Clever
    has no such record) is staff at every school under it, seeing their users, the org
    kept in extra and written back: it was staff at a school ``l1`` that has no record
    (RG-REF-001) and saw no one. A student or teacher naming it stays placed at ``l1``
    (RG-REF-001 tells it), as a district admin keeps it."""
    orgs = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
            "d1,active,2024-01-01,District,district,,\n"
            "l1,active,2024-01-01,North,local,,d1\n"
            "sA,active,2024-01-01,School A,school,,l1\n"
            "sB,active,2024-01-01,School B,school,,d1\n")
    users = USERS + ("a1,active,2024-01-01,true,l1,administrator,a1,,Ad,Min,,A1,,,,,,\n"
                     "t9,active,2024-01-01,true,l1,teacher,t9,,Te,Nine,,T9,,,,,,\n"
                     "a5,active,2024-01-01,true,l1,districtAdministrator,a5,,D,A,,A5,,,,,,\n")
    src = write(tmp_path / "b", {"manifest.csv": MANIFEST, "orgs.csv": orgs,
                                 "classes.csv": CLASSES, "users.csv": users,
                                 "enrollments.csv": ENR_HEAD})
    r = read_oneroster(src)
    a1 = r.users["a1"]
    assert a1.roles.staff.schools == ("sA",) and a1.extra["oneroster.orgSourcedIds"] == "l1"
    assert r.users["t9"].roles.teacher.schools == ("l1",)
    assert r.users["a5"].extra["oneroster.schools"] == "l1"
    assert "l1" not in r.schools
    (told,) = [p for p in r.problems if p.record_id == "l1"]
    assert told.message.endswith("its staff are placed at the 1 school under it")
    g = rostergraph.RosterGraph.from_roster(r)
    assert {"s1", "s2", "t1"} <= set(rostergraph.visible_users(g, "a1").to_list("user"))
    refs = [f for f in rostergraph.validate(r).findings if f.rule == "RG-REF-001"]
    assert [f.ids for f in refs] == [("t9", "l1")]
    for version in ("1.1", "1.2"):
        write_oneroster(r, tmp_path / version, version=version)
        again = read_oneroster(tmp_path / version)
        assert record_to_dict(again.users["a1"]) == record_to_dict(a1)
