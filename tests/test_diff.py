"""Tests for rostergraph.diff: record changes, re-id, merges/splits, impact, holds, CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.cli import main
from rostergraph.diff import (
    ABSENT,
    FieldChange,
    HoldThresholds,
    RosterDiff,
    diff,
    removed_enrollments,
)
from rostergraph.diff.fields import apply_changes, field_changes, flatten
from rostergraph.diff.render import render_diff
from rostergraph.model import (
    KINDS,
    ContactRole,
    Course,
    District,
    Name,
    Roles,
    School,
    Section,
    StaffRole,
    StudentRelationship,
    StudentRole,
    TeacherRole,
    Term,
    User,
    record_to_dict,
)
from rostergraph.queries import reach_pairs
from rostergraph.roster import Roster

from .strategies import rosters

# --- fixtures: one district before and after a sync ------------------------------


def _student(uid: str, sis: str, school: str, **kw: Any) -> User:
    return User(id=uid, district="d1", email=kw.pop("email", None), name=kw.pop("name", None),
                roles=Roles(student=StudentRole(school=school, schools=(school,), sis_id=sis,
                                                grade="5")))


def _teacher(uid: str, sis: str, email: str | None = None, staff_id: str | None = None,
             teacher: bool = True, name: Name | None = None) -> User:
    return User(id=uid, district="d1", email=email, name=name, roles=Roles(
        teacher=TeacherRole(school="sc1", schools=("sc1",), sis_id=sis) if teacher else None,
        staff=StaffRole(schools=("sc1",), staff_id=staff_id) if staff_id else None))


PAT = Name(first="Pat", last="Lee")
ANN = Name(first="Ann", last="Example")


def _old() -> Roster:
    return Roster(
        districts=[District(id="d1", name="Demo")],
        schools=[School(id="sc1", district="d1", name="North"),
                 School(id="sc2", district="d1", name="South")],
        terms=[Term(id="t1", district="d1", name="Fall", start_date="2025-08-15",
                    end_date="2025-12-19"),
               Term(id="t2", district="d1", name="Spring", start_date="2026-01-05",
                    end_date="2026-05-29")],
        courses=[Course(id="c1", district="d1", name="Algebra", number="MA101"),
                 Course(id="c2", district="d1", name="Art")],
        sections=[
            Section(id="sec1", district="d1", school="sc1", course="c1", term_id="t1",
                    teacher="T1", teachers=("T1",), students=("s1", "s2"), sis_id="SEC1"),
            Section(id="sec2", district="d1", school="sc1", course="c2", term_id="t2",
                    teacher="T2", teachers=("T2", "M1"), students=("s2", "s3"), sis_id="SEC2"),
            Section(id="sec3", district="d1", school="sc1", course="c1", term_id="t1",
                    teacher="T1", teachers=("T1",), students=("s3", "s1"), sis_id="SEC3"),
        ],
        users=[
            _teacher("T1", "T-1", "t1@d.org"),
            _teacher("T2", "T-2", "t2@d.org"),
            _teacher("M1", "T-3", "m1@d.org", staff_id="ST-3", name=PAT),
            _student("s1", "S-1", "sc1", email="ann@students.org", name=ANN),
            _student("s2", "S-2", "sc1"),
            _student("s3", "S-3", "sc1"),
            _student("s4", "S-4", "sc2"),
            User(id="p1", district="d1", name=Name(last="Ann's Parent"), roles=Roles(
                contact=ContactRole(student_relationships=(
                    StudentRelationship(student="s1", relationship="Parent", type="Family"),)))),
        ])


def _new() -> Roster:
    """The next sync: re-created term and courses, a split after an email change, ..."""
    old = _old()
    secs = old.sections
    users = dict(old.users)
    del users["M1"], users["s2"]
    users["T3n"] = _teacher("T3n", "T-3", "m1@d.org", name=PAT)
    users["ST3n"] = _teacher("ST3n", "", "pat.lee@d.org", staff_id="ST-3", teacher=False,
                             name=PAT)
    users["s2b"] = attrs.evolve(old.users["s2"], id="s2b")
    users["s1"] = attrs.evolve(old.users["s1"], email="anna@students.org",
                               name=Name(first="Anna", last="Example"))
    users["s3"] = attrs.evolve(old.users["s3"], roles=Roles(student=attrs.evolve(
        old.users["s3"].roles.student, school="sc2")))
    users["s5"] = _student("s5", "S-5", "sc1")
    return Roster(
        districts=old.districts, schools=old.schools,
        terms=[old.terms["t2"], attrs.evolve(old.terms["t1"], id="t1b")],
        courses=[attrs.evolve(old.courses["c1"], id="c1b"),
                 attrs.evolve(old.courses["c2"], id="c2b")],
        sections=[
            attrs.evolve(secs["sec1"], course="c1b", term_id="t1b", students=("s1", "s2b", "s4")),
            attrs.evolve(secs["sec2"], course="c2b", teachers=("T2", "T3n"),
                         students=("s2b", "s3")),
            attrs.evolve(secs["sec3"], school="sc2", course="c1b", term_id="t1b",
                         students=("s1",)),
        ],
        users=users)


def _rows(d: RosterDiff) -> list[tuple[Any, ...]]:
    return [(c.kind, c.change, c.old_id, c.new_id, c.key,
             tuple(sorted((f.field, _v(f.old), _v(f.new)) for f in c.fields)))
            for c in d.records()]


def _v(x: Any) -> Any:
    return "ABSENT" if x is ABSENT else (tuple(x) if isinstance(x, list) else x)


def _same_records(a: Roster, b: Roster) -> bool:
    return all(dict(a.records(k)) == dict(b.records(k)) for k in KINDS)


# --- record changes and re-id ---------------------------------------------------------


def test_known_sync_gives_exact_diff() -> None:
    """Re-created term/courses, a split, a re-id'd student and a moved section give exactly these changes."""
    d = diff(_old(), _new())
    assert _rows(d) == [
        ("terms", "reidentified", "t1", "t1b", "name+dates", ()),
        ("courses", "reidentified", "c1", "c1b", "number", ()),
        ("courses", "reidentified", "c2", "c2b", "name", ()),
        ("sections", "changed", "sec1", "sec1", None, (
            ("course", "c1", "c1b"), ("students", ("s1", "s2"), ("s1", "s2b", "s4")),
            ("term_id", "t1", "t1b"))),
        ("sections", "changed", "sec2", "sec2", None, (
            ("course", "c2", "c2b"), ("students", ("s2", "s3"), ("s2b", "s3")),
            ("teachers", ("T2", "M1"), ("T2", "T3n")))),
        ("sections", "changed", "sec3", "sec3", None, (
            ("course", "c1", "c1b"), ("school", "sc1", "sc2"),
            ("students", ("s3", "s1"), ("s1",)), ("term_id", "t1", "t1b"))),
        ("users", "added", None, "s5", None, ()),
        ("users", "changed", "s1", "s1", None, (
            ("email", "ann@students.org", "anna@students.org"), ("name.first", "Ann", "Anna"))),
        ("users", "changed", "s3", "s3", None, (("roles.student.school", "sc1", "sc2"),)),
        ("users", "reidentified", "s2", "s2b", "sis_id+role", ()),
    ]
    assert [(m.kind, m.change, m.old_ids, m.new_ids, m.key) for m in d.merges] == [
        ("users", "split", ("M1",), ("ST3n", "T3n"), "email+name, sis_id+role")]
    assert d.ambiguous == []
    assert d.id_map("users") == {"s2": "s2b", "M1": "T3n"}


def test_self_diff_is_empty() -> None:
    """A roster diffed with itself has no changes, no impact and no holds."""
    r = _old()
    d = diff(r, r)
    assert d.is_empty() and not d and d.records() == [] and d.merges == []
    assert len(d.reach_changes()) == 0 and len(d.orphan_changes()) == 0
    assert d.hold_reasons(HoldThresholds(removed=0, reidentified=0)) == []


def test_summary_counts_each_change_kind() -> None:
    """summary() has one row per kind with before/after counts and per-change counts."""
    rows = {r["kind"]: r for r in diff(_old(), _new()).summary().to_dicts()}
    assert rows["users"] == {"kind": "users", "old": 8, "new": 10, "added": 1, "removed": 0,
                             "changed": 2, "reidentified": 1, "merged": 0, "split": 1,
                             "ambiguous": 0}
    assert rows["sections"]["changed"] == 3 and rows["terms"]["reidentified"] == 1


def test_detect_reid_off_reports_plain_adds_and_removes() -> None:
    """With detect_reid=False the re-created term is one removed and one added record."""
    d = diff(_old(), _new(), detect_reid=False)
    assert d.ids("terms", "removed") == ["t1"] and d.ids("terms", "added") == ["t1b"]
    assert d.merges == [] and d.ids("users", "removed") == ["M1", "s2"]


def test_shared_key_is_ambiguous_not_guessed() -> None:
    """Two removed students with one sis_id and one added student stay removed + added, flagged ambiguous."""
    old = Roster(users=[_student("x1", "S-9", "sc1"), _student("x2", "S-9", "sc1")])
    new = Roster(users=[_student("y1", "S-9", "sc1")])
    d = diff(old, new)
    assert [(a.kind, a.key, a.old_ids, a.new_ids) for a in d.ambiguous] == [
        ("users", "sis_id+role", ("x1", "x2"), ("y1",))]
    assert d.ids("users", "removed") == ["x1", "x2"] and d.ids("users", "added") == ["y1"]
    assert d.records(change="reidentified") == []


def test_email_match_refused_when_sis_ids_differ() -> None:
    """Same email and name but different teacher sis_ids are different people: no re-id."""
    old = Roster(users=[_teacher("a", "T-1", "x@d.org", name=PAT)])
    new = Roster(users=[_teacher("b", "T-2", "x@d.org", name=PAT)])
    assert diff(old, new).records(change="reidentified") == []


def test_user_reid_by_email_and_name_when_no_sis() -> None:
    """A user without sis_id re-created under a new id matches on normalized email + name."""
    old = Roster(users=[_teacher("a", "", "Pat.Lee@D.org ", name=PAT)])
    new = Roster(users=[_teacher("b", "", "pat.lee@d.org", name=Name(first="PAT", last="LEE"))])
    d = diff(old, new)
    assert [(c.old_id, c.new_id, c.key) for c in d.records(change="reidentified")] == [
        ("a", "b", "email+name")]


def test_employees_sharing_an_email_both_reidentified_match_by_sis_id() -> None:
    """A teacher and a staff user who share an email and name (RG-USR-002's quirk), both
    re-created under new ids with their sis_id / staff_id, are two re-identifications:
    email+name is tried only where sis_id+role matched nothing (it tied all four into one
    ambiguous group: two users removed and two added)."""
    old = Roster(users=[_teacher("T", "T-7", "e@d.org", name=PAT),
                        _teacher("S", "", "e@d.org", staff_id="ST-7", teacher=False, name=PAT)])
    new = Roster(users=[_teacher("T2", "T-7", "e@d.org", name=PAT),
                        _teacher("S2", "", "e@d.org", staff_id="ST-7", teacher=False, name=PAT)])
    d = diff(old, new)
    assert d.ambiguous == [] and d.merges == []
    assert [(c.old_id, c.new_id, c.key) for c in d.records(change="reidentified")] == [
        ("S", "S2", "email+name, sis_id+role"), ("T", "T2", "email+name, sis_id+role")]
    assert len(d.reach_changes()) == 0


def test_contact_matched_by_sis_id_leaves_email_and_name_to_the_other() -> None:
    """Two contacts with one email and name, one with an sis_id and one without, both
    re-created: the first matches on sis_id+role, the second on email+name (contacts do
    not merge, so the matched one is no candidate of the other's key; all four were one
    ambiguous group)."""
    def contact(uid: str, sis: str | None) -> User:
        return User(id=uid, district="d1", email="p@x.org", name=PAT,
                    roles=Roles(contact=ContactRole(sis_id=sis)))

    old = Roster(users=[contact("C1", "P-1"), contact("C2", None)])
    new = Roster(users=[contact("N1", "P-1"), contact("N2", None)])
    d = diff(old, new)
    assert d.ambiguous == []
    assert [(c.old_id, c.new_id, c.key) for c in d.records(change="reidentified")] == [
        ("C1", "N1", "email+name, sis_id+role"), ("C2", "N2", "email+name")]


def test_teacher_and_staff_merge_into_new_user() -> None:
    """One teacher and one staff user sharing an email become one new user with both roles."""
    old = Roster(users=[_teacher("T", "T-7", "e@d.org", name=PAT),
                        _teacher("S", "", "e@d.org", staff_id="ST-7", teacher=False, name=PAT)])
    new = Roster(users=[_teacher("M", "T-7", "e@d.org", staff_id="ST-7", name=PAT)])
    d = diff(old, new)
    assert [(m.change, m.old_ids, m.new_ids) for m in d.merges] == [("merged", ("S", "T"), ("M",))]
    assert d.records("users") == []
    assert _same_records(d.apply(), new)


def test_merge_into_surviving_id() -> None:
    """A staff user absorbed by a teacher who keeps their id is a merge with a survivor."""
    old = Roster(users=[_teacher("T", "T-7", "e@d.org", name=PAT),
                        _teacher("S", "", "e@d.org", staff_id="ST-7", teacher=False, name=PAT)])
    new = Roster(users=[_teacher("T", "T-7", "e@d.org", staff_id="ST-7", name=PAT)])
    d = diff(old, new)
    assert [(m.change, m.old_ids, m.new_ids) for m in d.merges] == [("merged", ("S", "T"), ("T",))]
    assert [(c.change, c.id) for c in d.records("users")] == [("changed", "T")]
    assert d.id_map("users") == {"S": "T"}
    assert _same_records(d.apply(), new)


def test_split_with_survivor() -> None:
    """A merged user keeping the teacher role and id while the staff role goes to a new user is a split."""
    old = Roster(users=[_teacher("T", "T-7", "e@d.org", staff_id="ST-7", name=PAT)])
    new = Roster(users=[_teacher("T", "T-7", "e@d.org", name=PAT),
                        _teacher("S", "", "f@d.org", staff_id="ST-7", teacher=False, name=PAT)])
    d = diff(old, new)
    assert [(m.change, m.old_ids, m.new_ids) for m in d.merges] == [("split", ("T",), ("S", "T"))]
    assert _same_records(d.apply(), new)


def test_section_reid_by_sis_id_and_school_keeps_reach() -> None:
    """A section re-created with the same sis_id and school is re-identified; nobody gains or loses."""
    old = _old()
    secs = dict(old.sections)
    secs["sec9"] = attrs.evolve(secs.pop("sec1"), id="sec9")
    new = old.replace(sections=secs)
    d = diff(old, new)
    assert [(c.old_id, c.new_id, c.key) for c in d.records("sections")] == [
        ("sec1", "sec9", "sis_id+school")]
    assert len(d.reach_changes()) == 0
    assert len(d.reach_changes(follow_reid=False)) == 0  # the same pairs, via another id


def test_course_merge_by_number() -> None:
    """Two courses with one course number merged into one course are a course merge."""
    old = Roster(courses=[Course(id="c1", number="MA1"), Course(id="c2", number="MA1")])
    new = Roster(courses=[Course(id="c9", number="MA1", name="Math")])
    d = diff(old, new)
    assert [(m.kind, m.change, m.old_ids, m.new_ids) for m in d.merges] == [
        ("courses", "merged", ("c1", "c2"), ("c9",))]
    assert [f.rule for f in d.findings()] == ["RG-ID-002"]


# --- ignored fields and applying ---------------------------------------------------------


def test_timestamp_only_change_ignored_when_asked() -> None:
    """A last_modified-only change is a change by default and none with ignore_timestamps."""
    old = _old()
    users = dict(old.users)
    users["s1"] = attrs.evolve(users["s1"], last_modified="2026-01-01T00:00:00Z")
    new = old.replace(users=users)
    assert [c.id for c in diff(old, new).records()] == ["s1"]
    quiet = diff(old, new, ignore_timestamps=True)
    assert quiet.is_empty() and quiet.records() == []
    assert _same_records(quiet.apply(), new)
    only = diff(old, new, ignore=["roles.student.grade", "last_modified"])
    assert only.is_empty()


def test_a_reordered_student_list_is_no_change() -> None:
    """A section's students listed in another order (the same ids, each as often) is no
    change (a membership; its teachers' order says which is primary, and stays one), kept
    in ``ignored`` so apply stays exact; a student listed once more or once less is one."""
    old = _old()

    def with_students(*ids: str, teachers: tuple[str, ...] = ("T2", "M1")) -> Roster:
        sec = attrs.evolve(old.sections["sec2"], students=ids, teachers=teachers)
        return old.replace(sections={**old.sections, "sec2": sec})

    old = with_students("s2", "s3", "s2")
    d = diff(old, with_students("s3", "s2", "s2"))
    assert d.is_empty() and d.records() == [] and sum(d.summary().to_list("changed")) == 0
    assert [c.field for c in d.changes[0].ignored] == ["students"]
    assert _same_records(d.apply(old), with_students("s3", "s2", "s2"))
    for new in (with_students("s2", "s3", "s3"), with_students("s3", "s2"),
                with_students("s2", "s3", "s2", teachers=("M1", "T2"))):
        assert [(c.id, [f.field for f in c.fields]) for c in diff(old, new).records()] == [
            ("sec2", ["teachers"] if new.sections["sec2"].teachers[0] == "M1" else ["students"])]


def test_apply_reproduces_new_roster() -> None:
    """Applying the diff old → new to old gives new's records (re-ids, split, moves included)."""
    old, new = _old(), _new()
    assert _same_records(diff(old, new).apply(old), new)
    assert _same_records(diff(new, old).apply(new), old)


def test_apply_to_roster_missing_a_changed_record_raises() -> None:
    """Applying a diff to a roster without a record it changes raises UnknownIdError naming it."""
    d = diff(_old(), _new())
    with pytest.raises(rostergraph.UnknownIdError, match="terms .t1. .reidentified"):
        d.apply(Roster())


def test_apply_changes_rebuilds_nested_shapes() -> None:
    """Field changes that add, empty and retype nested objects are applied exactly."""
    a = User(id="u", roles=Roles(staff=StaffRole(schools=("sc1",)),
                                 student=StudentRole(school="sc1")))
    b = User(id="u", roles=Roles(staff=StaffRole(), teacher=TeacherRole(school="sc2")))
    assert apply_changes(a, field_changes(a, b)) == b
    assert apply_changes(b, field_changes(b, a)) == a


# --- impact --------------------------------------------------------------------------------


def test_reach_changes_exact_with_causes() -> None:
    """Only real reach changes remain after following re-ids and the split; each names its section and cause."""
    rc = diff(_old(), _new()).reach_changes()
    assert list(rc) == [
        ("T1", "s4", "gained", ("sec1",), ("student_enrolled",)),
        ("T1", "s3", "lost", ("sec3",), ("student_unenrolled",)),
    ]


def test_a_role_gained_or_lost_under_the_same_listing_is_its_own_cause() -> None:
    """A section lists the same users on both sides, but one user lost the student role and
    another gained it: the pairs change for that reason, no enrollment is removed."""
    sec = Section(id="x1", school="A", teacher="t1", teachers=("t1",), students=("s1", "t2"))
    t1 = User(id="t1", roles=Roles(teacher=TeacherRole(school="A")))
    old = Roster(sections={"x1": sec}, users={
        "t1": t1, "s1": User(id="s1", roles=Roles(student=StudentRole(school="A"))),
        "t2": User(id="t2", roles=Roles(teacher=TeacherRole(school="A")))})
    new = Roster(sections={"x1": sec}, users={
        "t1": t1, "s1": User(id="s1", roles=Roles(teacher=TeacherRole(school="A"))),
        "t2": User(id="t2", roles=Roles(student=StudentRole(school="A")))})
    d = diff(old, new, detect_reid=False)
    assert list(d.reach_changes()) == [
        ("t1", "t2", "gained", ("x1",), ("student_role_gained",)),
        ("t1", "s1", "lost", ("x1",), ("student_role_lost",)),
    ]
    assert not len(removed_enrollments(d))


def test_reach_changes_without_following_reid() -> None:
    """Without following re-ids, a re-identified student's pairs are lost and gained under the ids."""
    rc = diff(_old(), _new()).reach_changes(follow_reid=False)
    lost = {(t, s): (secs, why) for t, s, ch, secs, why in rc if ch == "lost"}
    gained = {(t, s): (secs, why) for t, s, ch, secs, why in rc if ch == "gained"}
    assert lost[("T1", "s2")] == (("sec1",), ("student_removed",))
    assert lost[("M1", "s3")] == (("sec2",), ("teacher_removed",))
    assert gained[("T3n", "s3")] == (("sec2",), ("teacher_added",))
    # both ends new: one cause per section, the student's (section > student > teacher)
    assert gained[("T3n", "s2b")] == (("sec2",), ("student_added",))


def test_primary_school_and_orphan_changes() -> None:
    """s3's primary school moved; s4 got a section and s5 arrived without one."""
    d = diff(_old(), _new())
    assert list(d.primary_school_changes()) == [("s3", "s3", "sc1", "sc2")]
    assert list(d.orphan_changes()) == [("s4", "student", "unorphaned", "no_section"),
                                        ("s5", "student", "orphaned", "no_section")]


def test_section_removal_loses_pairs_with_cause() -> None:
    """Removing a section loses its teacher–student pairs with cause section_removed."""
    old = _old()
    new = old.replace(sections={k: v for k, v in old.sections.items() if k != "sec3"})
    rc = diff(old, new).reach_changes()
    assert list(rc) == [("T1", "s3", "lost", ("sec3",), ("section_removed",))]


# --- holds -------------------------------------------------------------------------------------


def test_hold_reasons_default_and_custom_thresholds() -> None:
    """A quarter of users re-identified and a sixth of enrollments gone hold the sync at 10%."""
    d = diff(_old(), _new())
    reasons = d.hold_reasons()
    assert [(h.measure, h.count, h.total, h.ids) for h in reasons] == [
        ("enrollments_removed", 1, 6, ("s3@sec3",)),
        ("users_reidentified", 2, 8, ("M1", "s2")),
    ]
    assert "25.0% of users reidentified" in reasons[1].message
    assert d.hold_reasons(HoldThresholds(removed=20, reidentified=25)) == []  # not *more than*
    assert [h.measure for h in d.hold_reasons({"removed": 50, "reidentified": 10})] == [
        "users_reidentified"]


def test_removed_users_hold() -> None:
    """Removing 2 of 8 users holds on users_removed and lists them."""
    old = _old()
    new = old.replace(users={k: v for k, v in old.users.items() if k not in ("s4", "p1")})
    h = diff(old, new).hold_reasons()
    assert [(r.measure, r.ids) for r in h] == [("users_removed", ("p1", "s4"))]


# --- findings and rendering ------------------------------------------------------------------


def test_rg_id_findings() -> None:
    """RG-ID-001..003 fire for the re-created term, courses, re-id'd student and split user."""
    fs = diff(_old(), _new()).findings()
    assert [(f.rule, f.severity, f.ids) for f in fs] == [
        ("RG-ID-001", "info", ("t1b", "t1")),
        ("RG-ID-002", "info", ("c1b", "c1")),
        ("RG-ID-002", "info", ("c2b", "c2")),
        ("RG-ID-003", "info", ("ST3n", "T3n", "M1")),
        ("RG-ID-003", "info", ("s2b", "s2")),
    ]
    assert rostergraph.RULES["RG-ID-003"].scope == "diff"


PERSONAL = ("Ann", "Anna", "Example", "ann@students.org", "anna@students.org", "Pat", "Lee",
            "m1@d.org", "pat.lee@d.org")


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_renderers_name_ids_never_names_or_emails(fmt: str) -> None:
    """Every format lists the changes by id and prints no name or email."""
    out = diff(_old(), _new()).render(fmt)
    for s in PERSONAL:
        assert s not in out, s
    for rid in ("t1b", "c1b", "s2b", "T3n", "ST3n", "sec3", "s3@sec3"):
        assert rid in out


def test_json_render_structure() -> None:
    """The JSON output carries changes, merges, reach, holds and findings."""
    data = json.loads(diff(_old(), _new()).render("json"))
    assert data["held"] is True
    assert [h["measure"] for h in data["holds"]] == ["enrollments_removed", "users_reidentified"]
    assert data["reach"]["gained"] == 1 and data["reach"]["lost"] == 1
    s1 = next(c for c in data["changes"] if c["new_id"] == "s1")
    assert {f["field"]: f.get("redacted") for f in s1["fields"]} == {"email": True,
                                                                   "name.first": True}
    assert data["merges"][0]["change"] == "split"


def test_field_changes_table_redacts_by_default() -> None:
    """field_changes() hides personal user values unless redact=False."""
    d = diff(_old(), _new())
    t = d.field_changes()
    row = next(r for r in t.to_dicts() if r["id"] == "s1" and r["field"] == "email")
    assert row["old"] == row["new"] == "<redacted>"
    full = next(r for r in d.field_changes(redact=False).to_dicts()
                if r["id"] == "s1" and r["field"] == "email")
    assert full["new"] == "anna@students.org"


def test_top_level_callable() -> None:
    """rostergraph.diff is callable and RosterDiff/RecordChange are exported."""
    d = rostergraph.diff(_old(), _new())
    assert isinstance(d, rostergraph.RosterDiff)
    assert all(isinstance(c, rostergraph.RecordChange) for c in d.changes)


# --- CLI ---------------------------------------------------------------------------------------


def _write(roster: Roster, folder: Path) -> str:
    folder.mkdir()
    for kind in KINDS:
        recs = [record_to_dict(r) for r in roster.records(kind).values()]
        (folder / f"{kind}.json").write_bytes(orjson.dumps(recs))
    return str(folder)


def test_cli_diff_refuses_a_negative_limit(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """``--limit -1`` cut the last row of every list silently (a slice ``[:-1]``)."""
    old = _write(_old(), tmp_path / "old")
    new = _write(_new(), tmp_path / "new")
    assert main(["diff", old, new, "--limit", "-1"]) == 2
    assert "--limit must be 0 or more" in capsys.readouterr().err
    assert main(["diff", old, new, "--limit", "0"]) == 1
    assert "more" in capsys.readouterr().out
    with pytest.raises(ValueError, match="limit must be 0 or more"):
        render_diff(rostergraph.diff(_old(), _new()), limit=-1)


def test_cli_diff_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 0 without a hold, 1 on a hold or (asked) reach loss, 2 on a missing path."""
    old = _write(_old(), tmp_path / "old")
    new = _write(_new(), tmp_path / "new")
    assert main(["diff", old, old]) == 0
    assert "no changes" in capsys.readouterr().out
    assert main(["diff", old, new]) == 1
    assert "HOLD" in capsys.readouterr().out
    assert main(["diff", old, new, "--hold-if-removed", "50", "--hold-if-reid", "50"]) == 0
    capsys.readouterr()
    assert main(["diff", old, new, "--hold-if-removed", "50", "--hold-if-reid", "50",
                 "--fail-on-reach-loss"]) == 1
    capsys.readouterr()
    assert main(["diff", old, str(tmp_path / "nope")]) == 2
    assert "error" in capsys.readouterr().err


def test_cli_diff_json_to_file(tmp_path: Path) -> None:
    """--format json -o writes the JSON diff to a file."""
    old = _write(_old(), tmp_path / "old")
    new = _write(_new(), tmp_path / "new")
    out = tmp_path / "d.json"
    main(["diff", old, new, "--format", "json", "-o", str(out), "--hold-if-reid", "100",
          "--hold-if-removed", "100"])
    data = json.loads(out.read_text())
    assert data["held"] is False and data["summary"][2]["reidentified"] == 1


def test_cli_diff_format_follows_the_output_extension(tmp_path: Path) -> None:
    """`diff old new -o d.json` (or `.md`) without --format wrote the text report into the
    file; the format follows the extension, as for `validate`; --format still wins."""
    old = _write(_old(), tmp_path / "old")
    new = _write(_new(), tmp_path / "new")
    main(["diff", old, new, "-o", str(tmp_path / "d.JSON")])
    assert json.loads((tmp_path / "d.JSON").read_text())["summary"]
    main(["diff", old, new, "-o", str(tmp_path / "d.md")])
    assert (tmp_path / "d.md").read_text().startswith("# rostergraph diff")
    main(["diff", old, new, "-o", str(tmp_path / "d2.md"), "--format", "text"])
    assert (tmp_path / "d2.md").read_text().startswith("rostergraph diff")


def test_cli_no_reid_and_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--no-reid turns re-ids into removes/adds; --format markdown writes Markdown headings."""
    old = _write(_old(), tmp_path / "old")
    new = _write(_new(), tmp_path / "new")
    main(["diff", old, new, "--no-reid", "--format", "json", "--hold-if-removed", "100",
          "--hold-if-reid", "100"])
    data = json.loads(capsys.readouterr().out)
    terms = {(c["change"], c["old_id"] or c["new_id"]) for c in data["changes"]
             if c["kind"] == "terms"}
    assert terms == {("removed", "t1"), ("added", "t1b")} and data["merges"] == []
    main(["diff", old, new, "--format", "markdown", "--ignore-timestamps"])
    out = capsys.readouterr().out
    assert out.startswith("# rostergraph diff: 11 changes") and "## re-identified" in out


def test_cli_rejects_bad_percentage(capsys: pytest.CaptureFixture[str]) -> None:
    """A hold threshold outside 0..100 is a usage error (exit 2)."""
    with pytest.raises(SystemExit) as exc:
        main(["diff", "a", "b", "--hold-if-removed", "150"])
    assert exc.value.code == 2


# --- properties ---------------------------------------------------------------------------------

_SETTINGS = settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(rosters())
def test_property_self_diff_empty(r: Roster) -> None:
    """Any roster diffed with itself is empty."""
    d = diff(r, r)
    assert d.is_empty() and len(d.reach_changes()) == 0


@_SETTINGS
@given(rosters(), rosters())
def test_property_apply_reproduces_b(a: Roster, b: Roster) -> None:
    """For any two rosters, applying diff(a, b) to a reproduces b."""
    assert _same_records(diff(a, b).apply(a), b)


@st.composite
def _resynced(draw: Any) -> tuple[Roster, Roster, set[str]]:
    """A roster with unique emails, and a next sync where some users got new ids."""
    base = draw(rosters())
    users = {u.id: attrs.evolve(u, email=f"{u.id}@d.org") for u in base.users.values()}
    a = base.replace(users=users)
    renamed = set(draw(st.lists(st.sampled_from(sorted(users) or ["-"]), unique=True)))
    renamed &= set(users)
    ren = {i: i + "-new" for i in renamed}
    new_users = {ren.get(i, i): attrs.evolve(u, id=ren.get(i, i)) for i, u in users.items()}
    secs = {}
    for s in a.sections.values():
        secs[s.id] = attrs.evolve(
            s, teacher=ren.get(s.teacher, s.teacher) if s.teacher else s.teacher,
            teachers=tuple(ren.get(t, t) for t in s.teachers or ()),
            students=tuple(ren.get(t, t) for t in s.students or ()))
    b = a.replace(users=new_users, sections=secs)
    return a, b, renamed


@_SETTINGS
@given(_resynced())
def test_property_renamed_users_are_reidentified(case: tuple[Roster, Roster, set[str]]) -> None:
    """Users re-created under new ids (same email) are re-identified and nobody's reach changes."""
    a, b, renamed = case
    d = diff(a, b)
    reid = {c.old_id for c in d.records("users", "reidentified")}
    merged = {i for m in d.merges for i in m.old_ids}
    assert reid | merged == renamed
    assert _same_records(d.apply(a), b)
    # contacts' relationships still point at the old ids, so only reach is id-stable here
    assert len(d.reach_changes()) == 0


def _naive_reach(r: Roster) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for s in r.sections.values():
        teachers = s.teachers or ((s.teacher,) if s.teacher else ())
        for t in teachers:
            for st_ in s.students or ():
                # (a section's listing links only students as students, teachers as teachers)
                if (t in r.users and r.users[t].roles.teacher is not None and st_ in r.users
                        and r.users[st_].roles.student is not None):
                    out.setdefault((t, st_), set()).add(s.id)
    return out


@_SETTINGS
@given(rosters(), rosters())
def test_property_reach_changes_match_naive(a: Roster, b: Roster) -> None:
    """Gained/lost pairs and their sections equal a record-by-record computation."""
    rc = diff(a, b, detect_reid=False).reach_changes()
    ra, rb = _naive_reach(a), _naive_reach(b)
    want = {(t, s, "lost", tuple(sorted(ra[(t, s)]))) for (t, s) in ra.keys() - rb.keys()}
    want |= {(t, s, "gained", tuple(sorted(rb[(t, s)]))) for (t, s) in rb.keys() - ra.keys()}
    assert {(t, s, ch, secs) for t, s, ch, secs, _ in rc} == want
    assert len(reach_pairs(rostergraph.RosterGraph.from_roster(a))) == len(ra)


@_SETTINGS
@given(rosters(), rosters())
def test_property_field_changes_match_flatten(a: Roster, b: Roster) -> None:
    """The schema-walking field diff equals comparing the flattened dicts."""
    for ua in list(a.users.values())[:3]:
        for ub in list(b.users.values())[:3]:
            fa, fb = flatten(ua), flatten(ub)
            want = {(p, repr(fa.get(p, ABSENT)), repr(fb.get(p, ABSENT)))
                    for p in fa.keys() | fb.keys()
                    if p != ("id",) and (p not in fa or p not in fb or fa[p] != fb[p])}
            got = {(c.path, repr(c.old), repr(c.new)) for c in field_changes(ua, ub)}
            assert got == want
            assert apply_changes(ua, field_changes(ua, ub), new_id=ub.id) == ub


def test_field_change_repr_and_path() -> None:
    """FieldChange shows a dotted path and ABSENT for a missing value."""
    c = FieldChange(("roles", "student", "school"), ABSENT, "sc1")
    assert c.field == "roles.student.school" and c.leaf == "school" and repr(c.old) == "ABSENT"


def test_docs_list_every_diff_option() -> None:
    """docs/cli.md and docs/diff.md mention every option of `rostergraph diff`."""
    import argparse

    from rostergraph.cli import build_parser

    root = Path(__file__).parent.parent / "docs"
    cli_doc, guide = (root / "cli.md").read_text(), (root / "diff.md").read_text()
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert "## rostergraph diff" in cli_doc
    for action in sub.choices["diff"]._actions:
        for opt in action.option_strings:
            if opt.startswith("--") and opt != "--help":
                assert opt in cli_doc and opt in guide, opt


@st.composite
def _employee_churn(draw: Any) -> tuple[Roster, Roster, set[tuple[str, tuple[str, ...],
                                                               tuple[str, ...]]]]:
    """Employees (teacher-only or staff-only, unique sis ids and emails), then merges and splits."""
    n = draw(st.integers(2, 8))
    old_users, new_users, want = [], [], set()
    i = 0
    while i < n:
        op = draw(st.sampled_from(["keep", "merge", "split"]))
        t = f"T{i}"
        if op == "merge":  # teacher t + staff s (same email) -> new user with both roles
            s, m = f"S{i}", f"M{i}"
            old_users += [_teacher(t, f"T-{i}", f"e{i}@d.org"),
                          _teacher(s, "", f"e{i}@d.org", staff_id=f"ST-{i}", teacher=False)]
            new_users.append(_teacher(m, f"T-{i}", f"e{i}@d.org", staff_id=f"ST-{i}"))
            want.add(("merged", (s, t), (m,)))
        elif op == "split":  # merged user -> teacher + staff under new ids (staff email changed)
            m, t2, s2 = f"M{i}", f"T{i}n", f"S{i}n"
            old_users.append(_teacher(m, f"T-{i}", f"e{i}@d.org", staff_id=f"ST-{i}"))
            new_users += [_teacher(t2, f"T-{i}", f"e{i}@d.org"),
                          _teacher(s2, "", f"x{i}@d.org", staff_id=f"ST-{i}", teacher=False)]
            want.add(("split", (m,), tuple(sorted((t2, s2)))))
        else:
            u = _teacher(t, f"T-{i}", f"e{i}@d.org")
            old_users.append(u)
            new_users.append(u)
        i += 1
    return Roster(users=old_users), Roster(users=new_users), want


@_SETTINGS
@given(_employee_churn())
def test_property_merges_and_splits_detected(case: Any) -> None:
    """Every employee merge and split is reported as such, nothing else changes, apply is exact."""
    old, new, want = case
    d = diff(old, new)
    assert {(m.change, m.old_ids, m.new_ids) for m in d.merges} == want
    assert d.records("users") == [] and d.ambiguous == []
    assert _same_records(d.apply(), new)


def test_cli_diff_output_identical_across_hash_seeds(tmp_path: Path) -> None:
    """`rostergraph diff` prints byte-identical JSON and text under two PYTHONHASHSEEDs."""
    import os
    import subprocess
    import sys

    old = _write(_old(), tmp_path / "old")
    new = _write(_new(), tmp_path / "new")
    outs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed,
                   PYTHONPATH=str(Path(__file__).resolve().parents[1]))
        runs = [subprocess.run([sys.executable, "-m", "rostergraph", "diff", old, new,
                                "--format", fmt], capture_output=True, env=env, check=False)
                for fmt in ("json", "text")]
        assert [r.returncode for r in runs] == [1, 1], [r.stderr for r in runs]
        outs.append([r.stdout for r in runs])
    assert outs[0] == outs[1]


def _sync_pair(tmp_path: Path) -> tuple[Path, Path]:
    """A generated district and its next sync as JSON Lines: most lines byte for byte the
    same, one user's school changed, one user gone, one re-identified, one new, one line
    with its keys reordered (a different text, the same record), one section moved."""
    from rostergraph.synth import write_district

    old = write_district(tmp_path / "old", "S", seed=4)
    new = tmp_path / "new"
    new.mkdir()
    for f in old.iterdir():
        lines = f.read_bytes().splitlines()
        if f.name == "users.jsonl":
            users = [orjson.loads(x) for x in lines]
            studs = [i for i, u in enumerate(users) if "student" in u.get("roles", {})]
            a, b, c, d = studs[:4]
            users[a]["roles"]["student"]["school"] = "somewhere-else"
            users[c]["id"] += "-new"
            users[d] = dict(reversed(list(users[d].items())))
            users.append({"id": "brand-new", "roles": {"teacher": {"school": "x"}}})
            lines = [orjson.dumps(u) if i in (a, c, d) or i >= len(lines) else lines[i]
                     for i, u in enumerate(users) if i != b]
        elif f.name == "sections.jsonl":
            first = orjson.loads(lines[0])
            first["school"] = "moved"
            lines[0] = orjson.dumps(first)
        (new / f.name).write_bytes(b"".join(x + b"\n" for x in lines))
    return old, new


def test_diff_of_lazy_rosters_equals_the_diff_of_built_ones(tmp_path: Path) -> None:
    """Two JSON Lines loads are compared by their lines first: the result is the diff of
    the fully built rosters, and records whose line did not change are never built."""
    old, new = _sync_pair(tmp_path)
    lazy_a, lazy_b = rostergraph.load(old), rostergraph.load(new)
    built_before = lazy_a.users.n_built(), lazy_b.users.n_built()
    lazy = diff(lazy_a, lazy_b, ignore_timestamps=True)
    schools = lazy.primary_school_changes()
    assert lazy_a.users.n_built() - built_before[0] < 10
    assert lazy_b.users.n_built() - built_before[1] < 10
    full_a, full_b = rostergraph.load(old), rostergraph.load(new)
    for r in (full_a, full_b):
        for kind in KINDS:
            r.records(kind).values()  # every record built: the general comparison
    full = diff(full_a, full_b, ignore_timestamps=True)
    assert lazy.changes == full.changes and lazy.changes
    assert {(c.kind, c.change) for c in lazy.changes} >= {
        ("users", "changed"), ("users", "removed"), ("users", "added"),
        ("users", "reidentified"), ("sections", "changed")}
    assert schools.to_dicts() == full.primary_school_changes().to_dicts()
    assert [r["new_school"] for r in schools.to_dicts()] == ["somewhere-else"]
    assert lazy.render("text") == full.render("text")


def test_diff_given_paths_says_to_load_them() -> None:
    """``rostergraph.diff("old/", "new/")`` raised ``AttributeError: 'str' object has no
    attribute 'records'``; a TypeError now says it takes two Rosters and how to load them."""
    with pytest.raises(TypeError, match=r"diff\(\) takes two Rosters, not str and str: "
                                        r"rostergraph\.load\(path\)"):
        rostergraph.diff("old/", "new/")  # type: ignore[arg-type]


def test_a_school_emptied_is_a_school_gone_and_an_empty_one_no_change() -> None:
    """An empty id names no school: ``"sc1"`` → ``""`` is a primary school gone (``None``),
    and ``""`` → absent is no change."""
    def roster(*schools: str | None) -> Roster:
        return Roster(users={f"u{i}": User(id=f"u{i}", roles=Roles(student=StudentRole(
            school=sc))) for i, sc in enumerate(schools)})

    d = diff(roster("sc1", ""), roster("", None), detect_reid=False)
    assert d.primary_school_changes().to_dicts() == [
        {"student": "u0", "old_id": "u0", "old_school": "sc1", "new_school": None}]
