"""Tests of the rule catalogue (rostergraph/rules/): one minimal roster that
triggers each rule and one that does not, the sample's quirks by rule id and
record id, selection, determinism, and agreement with the orphan query."""

from __future__ import annotations

import copy
import csv
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import rostergraph
from rostergraph import validate
from rostergraph.graph import RosterGraph
from rostergraph.model import RECORD_CLASSES, record_from_dict
from rostergraph.queries import orphaned_users
from rostergraph.roster import PROBLEM_CODES, Problem, Roster
from rostergraph.rules import (
    RULES,
    Finding,
    rule,
    run_rules,
    select_rules,
)
from rostergraph.rules.load import LOAD_RULES

from .strategies import clever_dumps, rosters

# --- a small, clean roster: no rule fires on it ----------------------------------

BASE: dict[str, dict[str, dict[str, Any]]] = {
    "districts": {"d1": {"id": "d1", "name": "District One"}},
    "schools": {"sc1": {"id": "sc1", "district": "d1", "name": "School One"},
                "sc2": {"id": "sc2", "district": "d1", "name": "School Two"}},
    "terms": {"t1": {"id": "t1", "district": "d1", "name": "Fall", "start_date": "2024-08-15",
                     "end_date": "2024-12-20"}},
    "courses": {"c1": {"id": "c1", "district": "d1", "name": "Math 5", "number": "MA5"},
                "c2": {"id": "c2", "district": "d1", "name": "Art", "number": "AR1"}},
    "sections": {
        "s1": {"id": "s1", "district": "d1", "school": "sc1", "course": "c1", "term_id": "t1",
               "name": "Math 5 - A", "grade": "5", "teacher": "tea1", "teachers": ["tea1"],
               "students": ["stu1", "stu2"]},
        "s2": {"id": "s2", "district": "d1", "school": "sc1", "course": "c2", "term_id": "t1",
               "name": "Art - B", "grade": "5", "teacher": "tea1", "teachers": ["tea1", "tea2"],
               "students": ["stu1"]},
    },
    "users": {
        "tea1": {"id": "tea1", "district": "d1", "email": "t1@example.org",
                 "name": {"first": "Ann", "last": "Lee"},
                 "roles": {"teacher": {"school": "sc1", "schools": ["sc1"]}}},
        "tea2": {"id": "tea2", "district": "d1", "email": "t2@example.org",
                 "name": {"first": "Bo", "last": "Kim"},
                 "roles": {"teacher": {"school": "sc1", "schools": ["sc1"]},
                           "staff": {"schools": ["sc1"]}}},
        "stu1": {"id": "stu1", "district": "d1", "email": "s1@example.org",
                 "name": {"first": "Cy", "last": "Ng"},
                 "roles": {"student": {"school": "sc1", "schools": ["sc1"], "grade": "5"}}},
        "stu2": {"id": "stu2", "district": "d1", "name": {"first": "Di", "last": "Oh"},
                 "roles": {"student": {"school": "sc1", "schools": ["sc1", "sc2"],
                                       "grade": "5"}}},
        "stf1": {"id": "stf1", "district": "d1", "email": "st@example.org",
                 "name": {"first": "Ed", "last": "Po"},
                 "roles": {"staff": {"schools": ["sc1", "sc2"]}}},
        "adm1": {"id": "adm1", "district": "d1", "email": "ad@example.org",
                 "name": {"first": "Fay", "last": "Qu"},
                 "roles": {"district_admin": {}, "teacher": {"school": "sc2"}}},
        "con1": {"id": "con1", "district": "d1", "email": "c1@example.net",
                 "name": {"first": "Gus", "last": "Ro"},
                 "roles": {"contact": {"student_relationships": [
                     {"student": "stu1", "relationship": "Parent", "type": "Parent/Guardian"}]}}},
    },
}
# adm1 teaches nothing: give them a section so RG-TEA-001 stays quiet
BASE["sections"]["s3"] = {"id": "s3", "district": "d1", "school": "sc2", "course": "c2",
                          "term_id": "t1", "name": "Art - C", "grade": "5", "teacher": "adm1",
                          "teachers": ["adm1"], "students": ["stu2"]}


def build(problems: tuple[Problem, ...] = (), **changes: dict[str, Any]) -> Roster:
    """BASE with records replaced/added (id → dict) or deleted (id → None) per kind."""
    data = copy.deepcopy(BASE)
    for kind, recs in changes.items():
        for rid, rec in recs.items():
            if rec is None:
                data[kind].pop(rid, None)
            else:
                data[kind][rid] = {"id": rid, **rec}
    kinds = {kind: [record_from_dict(RECORD_CLASSES[kind], d)[0] for d in recs.values()]
             for kind, recs in data.items()}
    return Roster(**kinds, problems=problems)


def patch(kind: str, rid: str, **fields: Any) -> dict[str, dict[str, Any]]:
    """``{kind: {rid: BASE record with fields changed}}`` (a field set to ... is removed)."""
    rec = copy.deepcopy(BASE[kind][rid])
    for k, v in fields.items():
        if v is ...:
            rec.pop(k, None)
        else:
            rec[k] = v
    return {kind: {rid: rec}}


def found(roster: Roster, rule_id: str) -> list[tuple[str, ...]]:
    """The ids of every finding of one rule."""
    return [f.ids for f in validate(roster, select=rule_id).findings]


def test_base_roster_is_clean() -> None:
    """The minimal base roster triggers no rule at all (so each trigger below is the change)."""
    assert validate(build()).findings == []


# --- one trigger / one non-trigger per rule ---------------------------------------

CASES: list[tuple[str, dict[str, Any], list[tuple[str, ...]]]] = [
    ("RG-SEC-001", patch("sections", "s2", students=[]), [("s2",)]),
    ("RG-SEC-001", patch("sections", "s2", students=...), [("s2",)]),
    ("RG-SEC-002", patch("sections", "s2", teacher=..., teachers=[]), [("s2",)]),
    ("RG-SEC-002", patch("sections", "s2", teacher="tea2"), [("s2", "tea2")]),
    ("RG-SEC-002", patch("sections", "s1", teacher="tea2"), [("s1", "tea2")]),
    ("RG-SEC-003", patch("sections", "s1", teachers=["tea1"] + [f"x{i}" for i in range(10)]),
     [("s1",)]),
    ("RG-SEC-003", patch("sections", "s1", teacher="x10",
                         teachers=["tea1"] + [f"x{i}" for i in range(9)]), [("s1",)]),
    ("RG-SEC-004", patch("sections", "s2", name="Math 5 - A"), [("s1", "s2")]),
    ("RG-SEC-005", patch("sections", "s1", grade="3"), [("s1",)]),
    ("RG-SEC-006", patch("sections", "s2", school=...), [("s2",)]),
    ("RG-REF-001", patch("sections", "s1", course="c9"), [("s1", "c9")]),
    ("RG-REF-001", patch("sections", "s1", students=["stu1", "stu2", "ghost"]),
     [("s1", "ghost")]),
    ("RG-REF-001", patch("schools", "sc2", district="d9"), [("sc2", "d9")]),
    ("RG-REF-002", patch("sections", "s1", students=["stu1", "tea2"]), [("s1", "tea2")]),
    ("RG-REF-002", patch("sections", "s1", teachers=["tea1", "stu2"]), [("s1", "stu2")]),
    ("RG-USR-001", patch("users", "tea1", email="ann.lee.example.org"), [("tea1",)]),
    ("RG-USR-002", patch("users", "stf1", email="t1@example.org"), [("stf1", "tea1")]),
    ("RG-USR-003", patch("users", "con1", email="s1@example.org"), [("con1", "stu1")]),
    ("RG-USR-004", patch("users", "con1", name={"last": "Gus Ro"}), [("con1",)]),
    ("RG-USR-004", patch("users", "stu2", name={"last": "Di Oh"}), [("stu2",)]),
    ("RG-USR-005", patch("users", "stu2", roles={"student": {"school": "sc1", "grade": "5"},
                                                 "contact": {}}), [("stu2",)]),
    ("RG-USR-005", patch("users", "stf1", roles={}), [("stf1",)]),
    ("RG-STU-001", {"users": {"stu3": {"roles": {"student": {"school": "sc1"}}}}}, [("stu3",)]),
    ("RG-TEA-001", patch("sections", "s2", teachers=["tea1"]), [("tea2",)]),
    ("RG-STF-001", patch("users", "stf1", roles={"staff": {"schools": []}}), [("stf1",)]),
    ("RG-STF-001", patch("users", "stf1", roles={"staff": {"schools": ["sc1"],
                                                           "school": "sc1"}}), [("stf1",)]),
    ("RG-SCH-001", patch("users", "stu1", roles={"student": {"school": "sc1",
                                                             "schools": ["sc2"]}}), [("stu1",)]),
    ("RG-SCH-001", patch("users", "tea1", roles={"teacher": {"school": "sc2",
                                                             "schools": ["sc1"]}}), [("tea1",)]),
    ("RG-SCH-002", patch("users", "stu2", roles={"student": {"school": "sc1", "grade": "5",
                                                             "schools": ["sc1"]}}),
     [("stu2", "s3")]),
    ("RG-SCH-002", patch("users", "tea2", roles={"teacher": {"school": "sc2",
                                                             "schools": ["sc2"]}}),
     [("tea2", "s2")]),
    ("RG-SCH-003", patch("users", "stu1", roles={"student": {"grade": "5"}}), [("stu1",)]),
    ("RG-SCH-003", patch("users", "tea1", roles={"teacher": {"schools": []}}), [("tea1",)]),
    ("RG-TRM-001", patch("terms", "t1", name=..., start_date=..., end_date=...), [("t1",)]),
    ("RG-TRM-002", patch("terms", "t1", end_date="2024-08-01"), [("t1",)]),
    ("RG-TRM-002", patch("terms", "t1", start_date="soon"), [("t1",)]),
    ("RG-CRS-001", patch("courses", "c2", name="  "), [("c2",)]),
    ("RG-CRS-002", patch("courses", "c2", number="MA5"), [("c1", "c2")]),
    ("RG-STR-001", patch("sections", "s1", name="x" * 256), [("s1",)]),
    ("RG-STR-001", patch("users", "stu1", name={"first": "Cy", "last": "N" * 300}), [("stu1",)]),
    ("RG-STR-002", patch("sections", "s1", name="Math\x07"), [("s1",)]),
    ("RG-STR-002", patch("sections", "s2", students=["stu1"], room="B\x00"), [("s2",)]),
    ("RG-STR-002", patch("users", "tea1", name={"first": "A\ud800", "last": "Lee"}), [("tea1",)]),
    ("RG-CON-001", patch("users", "con1", roles={"contact": {"student_relationships": [
        {"student": "nobody"}]}}), [("con1",)]),
    ("RG-CON-001", patch("users", "con1", roles={"contact": {}}), [("con1",)]),
    ("RG-CON-002", patch("users", "con1", roles={"contact": {"student_relationships": [
        {"student": "stu1", "relationship": "Mother", "type": "Parent/Guardian"}]}}),
     [("con1", "stu1")]),
    ("RG-SRC-001", {"sections": {"s1": None, "s2": None, "s3": None}}, [()]),
    ("RG-SRC-002", patch("sections", "s1", students=[f"gone{i}" for i in range(12)]), [()]),
]

NEAR_MISSES: list[tuple[str, dict[str, Any]]] = [
    ("RG-SEC-002", patch("sections", "s2", teacher=...)),          # teachers[0] is primary
    ("RG-SEC-003", patch("sections", "s1", teachers=["tea1"] + [f"x{i}" for i in range(9)])),
    ("RG-SEC-004", patch("sections", "s3", name="Math 5 - A")),    # same name, other school
    ("RG-SEC-005", patch("sections", "s1", grade="Ungraded")),
    ("RG-SEC-005", patch("sections", "s1", students=["stu1", "stu2", "stu3"])
     | {"users": {"stu3": {"roles": {"student": {"grade": "6"}}}}}),  # 2 of 3 match
    ("RG-USR-001", patch("users", "tea1", email="")),
    ("RG-USR-002", patch("users", "con1", email="t1@example.org")),  # contact, not employee
    ("RG-USR-003", patch("users", "stf1", email="t2@example.org")),  # only employees
    ("RG-USR-004", patch("users", "con1", name={"first": "", "last": "Gus Ro", "middle": "Q"})),
    ("RG-USR-005", patch("users", "stf1", roles={"staff": {"schools": ["sc1"]},
                                                 "district_admin": {}})),
    ("RG-STF-001", patch("users", "stf1", roles={"staff": {"schools": ["sc2"]}})),
    ("RG-SCH-001", patch("users", "stu1", roles={"student": {"school": "sc2"}})),  # no list
    ("RG-SCH-002", patch("users", "tea2", roles={"teacher": {"school": "sc2"},
                                                 "staff": {"schools": ["sc1"]}})),
    ("RG-SEC-006", patch("sections", "s2", school="sc9")),  # a missing record: RG-REF-001's
    ("RG-SCH-003", patch("users", "stu1", roles={"student": {"schools": ["sc1"],
                                                             "grade": "5"}})),  # a list only
    ("RG-SCH-003", patch("users", "tea2", roles={"teacher": {},
                                                 "staff": {"schools": ["sc1"]}})),  # as staff
    ("RG-TRM-001", patch("terms", "t1", name=..., start_date=...)),  # an end date suffices
    ("RG-TRM-002", patch("terms", "t1", end_date="2024-08-15")),     # one-day term
    ("RG-CRS-002", patch("courses", "c2", number="")),
    ("RG-STR-001", patch("sections", "s1", name="x" * 255)),
    ("RG-STR-002", patch("sections", "s1", name="Mathé 5 – A 🚀")),
    ("RG-CON-002", patch("users", "con1", roles={"contact": {"student_relationships": [
        {"student": "stu1", "relationship": "", "type": "Emergency"}]}})),
]


@pytest.mark.parametrize(("rule_id", "changes", "expected"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_triggers(rule_id: str, changes: dict[str, Any],
                       expected: list[tuple[str, ...]]) -> None:
    """A minimal change to the clean roster makes exactly this rule find these record ids."""
    roster = build(**changes)
    assert found(roster, rule_id) == expected
    f = validate(roster, select=rule_id).findings[0]
    assert f.severity == RULES[rule_id].severity and f.rule == rule_id and f.message


@pytest.mark.parametrize(("rule_id", "changes"), NEAR_MISSES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(NEAR_MISSES)])
def test_rule_near_miss_does_not_trigger(rule_id: str, changes: dict[str, Any]) -> None:
    """A legal variant just short of the rule's trigger gives no finding of that rule."""
    assert found(build(**changes), rule_id) == []


def test_every_roster_rule_has_a_trigger_and_a_clean_case() -> None:
    """Each roster-scope rule (RG-LOAD aside) appears in CASES; the base roster is its clean case."""
    covered = {c[0] for c in CASES}
    wanted = {r.id for r in select_rules(ignore="RG-LOAD")}
    assert wanted <= covered


@pytest.mark.parametrize("code", sorted(PROBLEM_CODES))
def test_load_rule_per_problem_code(code: str) -> None:
    """Every reader problem code has its RG-LOAD rule; the finding keeps file, line and id."""
    rid, severity = LOAD_RULES[code]
    p = Problem(code, f"a {code} problem", file="users.jsonl", line=7, kind="user",
                record_id="u9", field="email")
    roster = build(problems=(p,))
    (f,) = validate(roster, select="RG-LOAD").findings
    assert (f.rule, f.severity, f.kind, f.ids) == (rid, severity, "user", ("u9",))
    assert f.values["line"] == 7 and f.values["file"] == "users.jsonl"
    assert "users.jsonl:7" in f.message
    assert validate(build(), select=rid).findings == []


def test_load_rule_unknown_code_falls_back_to_other() -> None:
    """A problem code the table does not know yet is still reported (as RG-LOAD 'other')."""
    p = Problem("brand_new", "something odd", file="x.csv", index=3)
    (f,) = validate(build(problems=(p,)), select="RG-LOAD").findings
    assert f.rule == LOAD_RULES["other"][0] and f.ids == () and f.kind == "file"
    assert "x.csv[3]" in f.message


def test_sec_005_values_name_the_students_majority_grade() -> None:
    """RG-SEC-005 reports the section's grade and its students' most common grade."""
    users = {"stu3": {"roles": {"student": {"school": "sc1", "grade": "4"}}},
             **patch("users", "stu2", roles={"student": {"school": "sc1", "grade": "4"}})["users"]}
    sec = patch("sections", "s1", grade="5", students=["stu1", "stu2", "stu3"])
    fs = validate(build(users=users, **sec), select="RG-SEC-005").findings
    (f,) = [f for f in fs if f.ids == ("s1",)]
    assert dict(f.values) == {"grade": "5", "students_grade": "4", "students_matching": 1,
                              "students_with_grade": 3}


def test_sec_005_tie_for_the_most_common_grade_does_not_depend_on_record_order() -> None:
    """Two grades tied for the students' most common: the finding names the same one
    whatever order the users come in (a dump split per role, or another export's order,
    named the other one), the first in string order."""
    from rostergraph.model import Roles, Section, StudentRole, User

    users = [User(id=f"u{i}", roles=Roles(student=StudentRole(grade=g)))
             for i, g in enumerate(["Kindergarten", "2", "Kindergarten", "2", "1"])]
    sec = Section(id="s1", grade="1", teachers=("t",), students=tuple(u.id for u in users))
    got = set()
    for order in (users, users[::-1], users[1:] + users[:1]):
        (f,) = validate(Roster(users=order, sections=[sec]), select="RG-SEC-005").findings
        got.add((f.message, f.values["students_grade"]))
    message = ("section s1 has grade '1' but 4 of 5 students with a grade are in another "
               "grade (most common '2')")
    assert got == {(message, "2")}


def test_ref_001_names_the_kind_of_a_wrong_kind_id() -> None:
    """A section listing a course id as a student: the finding says the id is a course."""
    (f,) = validate(build(**patch("sections", "s1", students=["stu1", "stu2", "c1"])),
                    select="RG-REF-001").findings
    assert f.values["found_as"] == "course" and f.values["relation"] == "enrolled_in"


def test_str_002_reports_code_points_not_text() -> None:
    """RG-STR-002 names the code points and the field, never the text around them."""
    roster = build(**patch("users", "stu1", name={"first": "Secret\x1bName", "last": "Ng"}))
    (f,) = validate(roster, select="RG-STR-002").findings
    assert f.values["chars"] == ["U+001B"] and f.values["field"] == "name.first"
    assert "Secret" not in f.message


def test_str_002_reports_the_noncharacters_of_every_plane() -> None:
    """The noncharacters past the first plane (U+1FFFE ... U+10FFFF, the last two code
    points of each plane) are reported as U+FFFE is: 32 of the 66 were missed."""
    roster = build(**patch("users", "stu1", name={
        "first": "A\U0001fffe\U0010ffff\ufffe", "last": "Ng\U0002ffff"}))
    got = {f.values["field"]: f.values["chars"]
           for f in validate(roster, select="RG-STR-002").findings}
    assert got == {"name.first": ["U+FFFE", "U+1FFFE", "U+10FFFF"],
                   "name.last": ["U+2FFFF"]}


def test_messages_never_show_names_or_emails() -> None:
    """No finding of any rule carries a person's name or email (ids only)."""
    con = patch("users", "con1", email="s1.example.org", name={"last": "Gus Ro"})["users"]
    stf = patch("users", "stf1", email="t1@example.org")["users"]
    roster = build(users={**con, **stf})
    text = " ".join(f.message + repr(dict(f.values)) for f in validate(roster).findings)
    for secret in ("example.org", "Gus Ro", "Ann", "Lee"):
        assert secret not in text


# --- the sample district ----------------------------------------------------------

S = "5f7a5ec0000000000000"  # section id prefix of the sample


@pytest.fixture(scope="module")
def sample_report() -> Any:
    return validate(rostergraph.sample())


def ids_of(report: Any, rule_id: str) -> set[tuple[str, ...]]:
    return {f.ids for f in report.findings if f.rule == rule_id}


SAMPLE_EXPECTED: list[tuple[str, tuple[str, ...]]] = [
    ("RG-SEC-001", (f"{S}0020",)),
    ("RG-SEC-002", (f"{S}0021",)),
    ("RG-SEC-002", (f"{S}0019", "5f7a7ea00000000000000008")),
    ("RG-SEC-003", (f"{S}0018",)),
    ("RG-SEC-004", (f"{S}0007", f"{S}0008")),
    ("RG-SEC-005", (f"{S}0005",)),
    ("RG-REF-001", (f"{S}0005", "5f7ac0c00000000000000099")),
    ("RG-REF-001", (f"{S}0016", "5f7a57d00000000000000998")),
    ("RG-REF-001", ("5f7ac0470000000000000026", "5f7a57d00000000000000999")),
    ("RG-USR-001", ("5f7a7ea00000000000000009",)),
    ("RG-USR-002", ("5f7a57af0000000000000001", "5f7a7ea00000000000000010")),
    ("RG-USR-003", ("5f7a57d00000000000000020", "5f7ac0470000000000000001")),
    ("RG-USR-005", ("5f7a57d00000000000000053",)),
    ("RG-USR-005", ("5f7a7ea00000000000000003",)),
    ("RG-STU-001", ("5f7a57d00000000000000014",)),
    ("RG-TEA-001", ("5f7a7ea00000000000000013",)),
    ("RG-STF-001", ("5f7a57af0000000000000002",)),
    ("RG-STF-001", ("5f7a57af0000000000000003",)),
    ("RG-CON-001", ("5f7ac0470000000000000026",)),
    ("RG-CON-001", ("5f7ac0470000000000000027",)),
    ("RG-CON-002", ("5f7ac0470000000000000011", "5f7a57d00000000000000009")),
    ("RG-SCH-002", ("5f7a57d00000000000000055", f"{S}0014")),
    ("RG-SCH-002", ("5f7a7ea00000000000000014", f"{S}0018")),
    ("RG-TRM-001", ("5f7a7e000000000000000005",)),
    ("RG-TRM-002", ("5f7a7e000000000000000006",)),
    ("RG-TRM-002", ("5f7a7e000000000000000007",)),
    ("RG-CRS-001", ("5f7ac0c00000000000000011",)),
    ("RG-CRS-002", ("5f7ac0c00000000000000007", "5f7ac0c00000000000000008")),
    ("RG-STR-001", ("5f7a57d00000000000000051",)),
    ("RG-STR-002", (f"{S}0017",)),
]


@pytest.mark.parametrize(("rule_id", "ids"), SAMPLE_EXPECTED,
                         ids=[f"{r}-{i}" for i, (r, _) in enumerate(SAMPLE_EXPECTED)])
def test_sample_triggers_its_quirks(sample_report: Any, rule_id: str,
                                    ids: tuple[str, ...]) -> None:
    """Each quirk listed in data/sample/README.md is found by its rule, on its record."""
    assert ids in ids_of(sample_report, rule_id)


def test_sample_quirks_that_must_not_fire(sample_report: Any) -> None:
    """The sample's legal edge cases stay quiet: 10 teachers, admin+teacher, teacher+staff,
    a term with only an end date, the teacher-contact's full name."""
    sec003 = {i[0] for i in ids_of(sample_report, "RG-SEC-003")}
    assert sec003 == {f"{S}0018"}
    usr005 = {i[0] for i in ids_of(sample_report, "RG-USR-005")}
    assert usr005 == {"5f7a57d00000000000000053", "5f7a7ea00000000000000003"}
    assert ("5f7a7e000000000000000004",) not in ids_of(sample_report, "RG-TRM-001")
    (usr004,) = [f for f in sample_report.findings if f.rule == "RG-USR-004"]
    assert "5f7a7ea00000000000000003" not in usr004.ids and usr004.values["users"] == 27
    assert {i[0] for i in ids_of(sample_report, "RG-SEC-005")} == {f"{S}0005"}
    assert ids_of(sample_report, "RG-REF-002") == set()
    assert not [f for f in sample_report.findings if f.rule.startswith("RG-LOAD")]


def test_usr_004_groups_the_sample_contacts(sample_report: Any) -> None:
    """The 27 contacts named only in `last` are one finding: the count, the first ids in
    order, and every id the message names is among the finding's ids."""
    from rostergraph.rules.users import GROUP_IDS_SHOWN

    (f,) = [f for f in sample_report.findings if f.rule == "RG-USR-004"]
    everyone = [f"5f7ac04700000000000000{n:02d}" for n in range(1, 28)]
    assert f.ids == tuple(everyone[:GROUP_IDS_SHOWN])
    assert dict(f.values) == {"contact": True, "users": 27, "shown": GROUP_IDS_SHOWN}
    assert f"and {27 - GROUP_IDS_SHOWN} more" in f.message
    assert everyone[GROUP_IDS_SHOWN] not in f.message


def test_usr_004_groups_contacts_but_not_others() -> None:
    """Contacts with a last-only name share one finding; each other user gets their own."""
    users = {**patch("users", "con1", name={"last": "Gus Ro"})["users"],
             **patch("users", "stu2", name={"last": "Di Oh"})["users"],
             **patch("users", "tea1", name={"last": "Ann Lee"})["users"],
             "con2": {"name": {"last": "Zed"}, "roles": {"contact": {"student_relationships": [
                 {"student": "stu1"}]}}}}
    fs = validate(build(users=users), select="RG-USR-004").findings
    assert [f.ids for f in fs] == [("con1", "con2"), ("stu2",), ("tea1",)]
    assert fs[0].values["users"] == 2 and fs[0].values["contact"] is True
    assert [f.values["contact"] for f in fs[1:]] == [False, False]
    assert fs[1].values["roles"] == ("student",)


# --- orphans agree with the query -----------------------------------------------------

ORPHAN_RULES = {"RG-STU-001": "student", "RG-TEA-001": "teacher", "RG-CON-001": "contact",
                "RG-STF-001": "staff"}


def _orphan_pairs(roster: Roster) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    g = RosterGraph.from_roster(roster)
    t = orphaned_users(g)
    query = set(zip(t.to_list("user"), t.to_list("role")))
    rules = {(f.ids[0], ORPHAN_RULES[f.rule])
             for f in validate(g, select=list(ORPHAN_RULES)).findings
             if f.values.get("reason") != "singular_school"}
    return query, rules


def test_orphan_rules_agree_with_query_on_sample() -> None:
    """RG-STU/TEA/CON/STF-001 report exactly the (user, role) rows of orphaned_users."""
    query, rules = _orphan_pairs(rostergraph.sample())
    assert query == rules and query


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rosters())
def test_orphan_rules_agree_with_query_property(roster: Roster) -> None:
    """On random rosters (stubs, multi-role users) the orphan rules equal orphaned_users;
    with no section at all, the student and teacher rows are RG-SRC-001's single finding."""
    query, rules = _orphan_pairs(roster)
    if not roster.sections:
        query = {(u, role) for u, role in query if role not in ("student", "teacher")}
    assert query == rules


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rosters())
def test_validate_is_deterministic_and_sorted(roster: Roster) -> None:
    """Two runs give identical findings, already sorted; every rule runs without error."""
    a, b = validate(roster).findings, validate(RosterGraph.from_roster(roster)).findings
    assert a == b
    assert a == sorted(a, key=Finding.sort_key)


# --- selection and the registry -------------------------------------------------------------


def test_select_and_ignore_by_id_and_prefix() -> None:
    """select/ignore take ids, family prefixes and comma lists, like a linter."""
    ids = [r.id for r in select_rules("RG-SEC,RG-TRM-001", ignore=["RG-SEC-004"])]
    assert ids == ["RG-SEC-001", "RG-SEC-002", "RG-SEC-003", "RG-SEC-005", "RG-SEC-006",
                   "RG-TRM-001"]
    assert [r.id for r in select_rules("rg-crs-002")] == ["RG-CRS-002"]
    with pytest.raises(ValueError):  # prefixes end at a dash: no partial words
        select_rules("RG-SE")
    report = validate(rostergraph.sample(), select="RG-SEC", ignore="RG-SEC-005")
    assert {f.rule for f in report.findings} == {"RG-SEC-001", "RG-SEC-002", "RG-SEC-003",
                                                  "RG-SEC-004"}


def test_select_unknown_rule_is_an_error() -> None:
    """A typo in select/ignore raises instead of silently selecting nothing."""
    with pytest.raises(ValueError, match="RG-NOPE"):
        validate(rostergraph.sample(), select="RG-NOPE")


def test_validate_rejects_other_types() -> None:
    """validate() takes a Roster or RosterGraph only."""
    with pytest.raises(TypeError):
        validate({"users": []})  # type: ignore[arg-type]


def test_registry_rejects_duplicates_and_bad_metadata() -> None:
    """An id registered twice, an unknown severity or scope is a ValueError."""
    with pytest.raises(ValueError, match="twice"):
        rule("RG-SEC-001", "error", "again")(lambda r, g: [])
    with pytest.raises(ValueError, match="severity"):
        rule("RG-TST-001", "fatal", "x")
    with pytest.raises(ValueError, match="scope"):
        rule("RG-TST-001", "info", "x", scope="events")


def test_diff_scope_rules_are_catalogued_but_not_run() -> None:
    """A rule registered with scope='diff' is in the registry but validate() does not run it."""
    calls: list[int] = []

    @rule("RG-TST-901", "info", "a diff rule", scope="diff")
    def _diff_rule(old: Any, new: Any) -> list[Finding]:
        calls.append(1)
        return []

    try:
        assert "RG-TST-901" in RULES
        assert "RG-TST-901" not in [r.id for r in select_rules()]
        assert "RG-TST-901" in [r.id for r in select_rules(scope=None)]
        validate(rostergraph.sample())
        assert calls == []
    finally:
        del RULES["RG-TST-901"]


def test_rule_ids_are_well_formed() -> None:
    """Every rule id is RG-<FAMILY>-<NNN> and every anchor is its lower-cased id."""
    import re

    for r in RULES.values():
        assert re.fullmatch(r"RG-[A-Z]+-\d{3}", r.id), r.id
        assert r.anchor == r.id.lower()


def test_run_rules_restores_gc() -> None:
    """Rules run with the cyclic GC paused, and it is enabled again afterwards."""
    import gc

    r = rostergraph.sample()
    assert gc.isenabled()
    run_rules(r, RosterGraph.from_roster(r), select_rules())
    assert gc.isenabled()


def _synth_roster(students: int, seed: int) -> Roster:
    from rostergraph.model import KINDS
    from rostergraph.synth import district

    d = district(students=students, seed=seed)
    return Roster(**{k: [record_from_dict(RECORD_CLASSES[k], rec)[0] for rec in d.records(k)]
                     for k in KINDS})


def test_validate_speed_on_a_synthetic_district() -> None:
    """validate on a 20k-student synthetic district (every quirk at realistic rates) finds
    what the generator planted (its speed is measured in benchmarks/, not here)."""
    g = RosterGraph.from_roster(_synth_roster(20_000, seed=3))
    report = validate(g)
    rules = {f.rule for f in report.findings}
    assert {"RG-STU-001", "RG-TEA-001", "RG-REF-001", "RG-USR-004"} <= rules


def test_validate_same_findings_from_disk_and_memory(tmp_path: Any) -> None:
    """A synthetic district written as JSON Lines and loaded (lazy records) gives the same
    findings as the same records built in memory."""
    from rostergraph.synth import write_district

    path = write_district(tmp_path / "d", students=3_000, seed=5)
    from_disk = validate(rostergraph.load(path)).findings
    in_memory = validate(_synth_roster(3_000, seed=5)).findings
    assert [f for f in from_disk if not f.rule.startswith("RG-LOAD")] == in_memory
    assert len({f.rule for f in in_memory}) >= 10


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clever_dumps())
def test_validate_survives_hostile_records(dump: dict[str, list[dict[str, Any]]]) -> None:
    """Any valid-but-hostile records (control chars, NUL, lone surrogates, formulas): every
    rule runs, and the findings are sorted and render to JSON."""
    import orjson

    roster = Roster(**{k: [record_from_dict(RECORD_CLASSES[k], d)[0] for d in recs]
                       for k, recs in dump.items()})
    report = validate(roster)
    assert report.findings == sorted(report.findings, key=Finding.sort_key)
    orjson.loads(report.to_json())


def test_a_oneroster_class_and_student_without_a_school_are_found(tmp_path: Path) -> None:
    """A OneRoster class with an empty schoolSourcedId and a student whose orgSourcedIds is
    empty (both required by the OneRoster CSV specification) load with no problem, and
    RG-SEC-006 and RG-SCH-003 name them; the untouched sample has neither."""
    src = Path(__file__).parent / "data" / "oneroster" / "edfi-lms-toolkit-v1.1"
    assert not validate(rostergraph.load(src), select="RG-SEC-006,RG-SCH-003").findings
    folder = Path(shutil.copytree(src, tmp_path / "bundle"))

    def blank(name: str, column: str, role: str | None = None) -> str:
        with open(folder / name, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        at = rows[0].index(column)
        row = next(r for r in rows[1:] if role is None or r[rows[0].index("role")] == role)
        row[at] = ""
        with open(folder / name, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
        return row[0]

    cls = blank("classes.csv", "schoolSourcedId")
    student = blank("users.csv", "orgSourcedIds", role="student")
    report = validate(rostergraph.load(folder), select="RG-SEC-006,RG-SCH-003")
    assert [(f.rule, f.ids) for f in report.findings] == [
        ("RG-SCH-003", (student,)), ("RG-SEC-006", (cls,))]
    assert report.findings[0].values["role"] == "student"
