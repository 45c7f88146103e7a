"""A OneRoster class listing its term with that term's grading periods is in one term;
only sessions of different terms are a class "in several terms", told once per file."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import rostergraph
from rostergraph.cli import main
from rostergraph.io.oneroster import read_oneroster
from rostergraph.io.oneroster_sessions import class_term
from rostergraph.model import record_to_dict

_ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
         "D1,,,District,district,,\nS1,,,North,school,,D1\n")
# a 1.1/1.2 calendar: a school year, two terms of it, grading periods of each, semesters
_SESSIONS = ("sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,"
             "schoolYear\n"
             "SY,,,2024-2025,schoolYear,2024-08-19,2025-06-13,,2025\n"
             "T1,,,Fall,term,2024-08-19,2024-12-20,SY,2025\n"
             "T2,,,Spring,term,2025-01-06,2025-06-13,SY,2025\n"
             "GP1,,,Q1,gradingPeriod,2024-08-19,2024-10-18,T1,2025\n"
             "GP2,,,Q2,GradingPeriod,2024-10-21,2024-12-20,T1,2025\n"
             "GP3,,,Q3,gradingPeriod,2025-01-06,2025-03-14,T2,2025\n")
_CLASSES_HEAD = ("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
                 "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,"
                 "periods\n")
#: class → (termSourcedIds, term_id, whether it is a "class in N terms" problem)
_CASES = {
    "C1": ("T1,GP1,GP2", "T1", False),   # the term, then its grading periods
    "C2": ("GP2,GP1,T1", "T1", False),   # grading periods first: the term is chosen
    "C3": ("GP1,GP2", "GP1", False),     # two grading periods of one term
    "C4": ("T1,T2", "T1", True),         # two terms of a year
    "C5": ("GP1,GP3", "GP1", True),      # grading periods of two terms
    "C6": ("T1,X9", "T1", True),         # a session no file names
    "C7": ("GP1", "GP1", False),
}


def _bundle(folder: Path, classes: dict[str, str], sessions: str = _SESSIONS) -> Path:
    folder.mkdir(parents=True)
    rows = "".join(f'{c},,,Class {c},,,,scheduled,,S1,"{terms}",,,\n'
                   for c, terms in classes.items())
    files = {"orgs.csv": _ORGS, "academicSessions.csv": sessions,
             "classes.csv": _CLASSES_HEAD + rows}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return folder


def _in_n_terms(r: rostergraph.Roster) -> set[str]:
    """The classes the one "in several terms" problem of the file names (none: no such
    problem)."""
    told = [p for p in r.problems if p.field == "termSourcedIds"]
    if not told:
        return set()
    assert len(told) == 1 and told[0].file == "classes.csv"
    named = set(re.findall(r"'(C\d+)'", told[0].message))
    assert told[0].message.startswith(f"{len(named)} class")
    return named


def test_a_term_with_its_grading_periods_is_one_term(tmp_path: Path) -> None:
    """Only classes whose sessions are not one term's are reported; term_id is the term
    that holds the listed sessions (else the first), and the list is kept as written."""
    r = read_oneroster(_bundle(tmp_path / "b", {c: t for c, (t, _, _) in _CASES.items()}))
    assert {c: r.sections[c].term_id for c in _CASES} == {
        c: term for c, (_, term, _) in _CASES.items()}
    assert _in_n_terms(r) == {c for c, (_, _, problem) in _CASES.items() if problem}
    assert r.sections["C2"].extra["oneroster.termSourcedIds"] == "GP2,GP1,T1"
    assert "oneroster.termSourcedIds" not in r.sections["C7"].extra


def test_the_writer_writes_the_listed_sessions_back(tmp_path: Path) -> None:
    """Written back to OneRoster, each class lists the sessions it was read with (the
    term chosen from the middle of the list too) and reads again the same."""
    r = read_oneroster(_bundle(tmp_path / "b", {c: t for c, (t, _, _) in _CASES.items()}))
    rostergraph.write_oneroster(r, tmp_path / "out")
    with open(tmp_path / "out" / "classes.csv", newline="", encoding="utf-8") as fh:
        written = {row["sourcedId"]: row["termSourcedIds"] for row in csv.DictReader(fh)}
    assert written == {c: t for c, (t, _, _) in _CASES.items()}
    again = read_oneroster(tmp_path / "out")
    assert {c: again.sections[c].term_id for c in _CASES} == {
        c: r.sections[c].term_id for c in _CASES}


# a semester school's calendar: a year-long class lists both semesters
_SEMESTERS = ("sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,"
              "schoolYear\n"
              "SY,,,2024-2025,schoolYear,2024-08-19,2025-06-13,,2025\n"
              "S1,,,Fall,semester,2024-08-19,2024-12-20,SY,2025\n"
              "S2,,,Spring,semester,2025-01-06,2025-06-13,SY,2025\n")


def test_year_long_classes_are_one_problem_of_the_file(tmp_path: Path) -> None:
    """Classes each in both semesters are one problem for classes.csv counting them, at
    the first's line, naming the first few; each keeps its term list."""
    classes = {f"Y{i}": "S1,S2" for i in range(8)} | {"H1": "S2", "Y8": "S2,S1"}
    r = read_oneroster(_bundle(tmp_path / "b", classes, _SEMESTERS))
    told = [p for p in r.problems if p.field == "termSourcedIds"]
    assert len(told) == 1
    p = told[0]
    assert (p.code, p.file, p.line, p.record_id, p.kind) == (
        "other", "classes.csv", 2, "Y0", "sections")
    assert p.message.startswith("9 classes of classes.csv (line 2 and 8 more) are each in "
                                "several terms ('Y0', 'Y1', 'Y2', 'Y3', 'Y4', ...)")
    assert "'H1'" not in p.message and "'Y8'" not in p.message
    assert {c: (r.sections[c].term_id, r.sections[c].extra.get("oneroster.termSourcedIds"))
            for c in ("Y0", "H1", "Y8")} == {
        "Y0": ("S1", "S1,S2"), "H1": ("S2", None), "Y8": ("S2", "S2,S1")}


def test_year_long_classes_convert_back_with_every_term(tmp_path: Path) -> None:
    """`convert --to oneroster` (1.1 and 1.2) writes each class's whole term list back,
    and the bundle written reads to the same sections and the same one problem."""
    classes = {f"Y{i}": "S1,S2" for i in range(3)} | {"H1": "S1"}
    src = _bundle(tmp_path / "b", classes, _SEMESTERS)
    before = read_oneroster(src)
    for version in ("1.1", "1.2"):
        out = tmp_path / f"out{version}"
        assert main(["convert", str(src), str(out), "--to", "oneroster",
                     "--oneroster-version", version]) == 0
        with open(out / "classes.csv", newline="", encoding="utf-8") as fh:
            written = {row["sourcedId"]: row["termSourcedIds"] for row in csv.DictReader(fh)}
        assert written == classes
        after = read_oneroster(out)
        assert {c: record_to_dict(s) for c, s in after.sections.items()} == {
            c: record_to_dict(s) for c, s in before.sections.items()}
        assert [p.message for p in after.problems if p.field == "termSourcedIds"] == [
            p.message for p in before.problems if p.field == "termSourcedIds"]


def test_a_delta_class_lists_the_base_sessions(tmp_path: Path) -> None:
    """A delta's class naming the base's term and grading periods (no academicSessions.csv
    in the delta) is in one term, as the bulk load has it."""
    base = read_oneroster(_bundle(tmp_path / "base", {"C1": "T1"}))
    delta = tmp_path / "delta"
    delta.mkdir()
    (delta / "manifest.csv").write_text("propertyName,value\noneroster.version,1.1\n"
                                        "file.classes,delta\n")
    (delta / "classes.csv").write_text(_CLASSES_HEAD + 'C1,,,Class C1,,,,scheduled,,S1,'
                                       '"GP2,T1",,,\nC4,,,Class C4,,,,scheduled,,S1,"T1,T2",,,\n')
    r = read_oneroster(delta, base=base)
    assert r.sections["C1"].term_id == "T1" and _in_n_terms(r) == {"C4"}


def test_class_term_stops_at_a_cycle_of_parents() -> None:
    """Sessions whose parents form a cycle (a bad export) end the walk: no hang, and the
    answer is the first listed session that holds the others."""
    sessions = {"A": ("term", "B"), "B": ("term", "A"), "C": ("gradingperiod", "A")}
    assert class_term(["C", "B"], sessions) == ("B", True)
    assert class_term(["X", "Y"], sessions) == ("X", False)
