"""Every rule against the per-record oracle (tests/rule_oracle.py, tests/rule_oracle_more.py),
and the reach, cross-school and orphan queries against their naive versions
(tests/test_queries.py), on district shapes the generator does not make by default: synth
output mutated on disk (students in two schools, no schools file, blank grades, shared and
mixed-case emails, teachers who are staff, stub references, several roles, duplicate names,
odd teacher fields, odd contacts and dates), read from JSON Lines, from a warm snapshot and
after conversion to Clever SFTP CSV and OneRoster CSV. Also the minimal rosters of the
disagreements the comparison found."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import rostergraph
from rostergraph import delivery, validate
from rostergraph import queries as q
from rostergraph.graph import RosterGraph
from rostergraph.io.convert import convert
from rostergraph.synth import district

from . import rule_oracle_more as oracle
from .test_oneroster_variants import CLASSES, ENR_HEAD, USERS, bundle
from .test_queries import naive_cross, naive_orphans, naive_reach

Rec = dict[str, Any]


# --- on-disk JSON Lines ------------------------------------------------------------------

def read(folder: Path, kind: str) -> list[Rec]:
    p = folder / f"{kind}.jsonl"
    return [json.loads(line) for line in p.read_text().splitlines() if line.strip()]


def write(folder: Path, kind: str, recs: list[Rec]) -> None:
    (folder / f"{kind}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))


def role(u: Rec, name: str) -> Rec | None:
    got: Rec | None = (u.get("roles") or {}).get(name)
    return got


# --- shapes: each mutates a synth JSON Lines folder in place ---------------------------

def two_schools(f: Path, rng: random.Random) -> None:
    """Every student in two schools; a third of the sections moved to a random school."""
    schools = [s["id"] for s in read(f, "schools")]
    users = read(f, "users")
    for u in users:
        st = role(u, "student")
        if st and st.get("school"):
            st["schools"] = [st["school"],
                             rng.choice([s for s in schools if s != st["school"]] or schools)]
    secs = read(f, "sections")
    for s in secs[::3]:
        s["school"] = rng.choice(schools)
    write(f, "users", users)
    write(f, "sections", secs)


def no_schools(f: Path, rng: random.Random) -> None:
    """No schools file: every school is known by id only."""
    two_schools(f, rng)
    (f / "schools.jsonl").unlink()


def blank_grades(f: Path, rng: random.Random) -> None:
    """Every section grade empty or absent."""
    secs = read(f, "sections")
    for i, s in enumerate(secs):
        if i % 2:
            s["grade"] = ""
        else:
            s.pop("grade", None)
    write(f, "sections", secs)


def shared_emails(f: Path, rng: random.Random) -> None:
    """Contacts with their student's email; a fifth of the users share one of 40 emails,
    half of those upper-cased (not equal: emails are compared exactly)."""
    users = read(f, "users")
    by_id = {u["id"]: u for u in users}
    emails = [u["email"] for u in users if u.get("email")]
    for i, u in enumerate(users):
        c = role(u, "contact")
        for rel in (c or {}).get("student_relationships") or []:
            s = by_id.get(rel.get("student"))
            if s and s.get("email"):
                u["email"] = s["email"]
                break
        if i % 5 == 0 and emails:
            e = emails[(i // 5) % 40]
            u["email"] = e.upper() if i % 10 == 0 else e
    write(f, "users", users)


def teachers_staff(f: Path, rng: random.Random) -> None:
    """Half the teachers also staff (some with no schools, some with a singular school);
    staff with absent or empty schools."""
    users = read(f, "users")
    schools = [s["id"] for s in read(f, "schools")]
    for i, u in enumerate(users):
        if role(u, "teacher") and i % 2 == 0:
            staff: Rec = {"schools": [rng.choice(schools)] if i % 4 else []}
            if i % 8 == 0:
                staff["school"] = schools[0]
            u["roles"]["staff"] = staff
        st = role(u, "staff")
        if st and role(u, "teacher") is None and i % 3 == 0:
            st.pop("schools", None)
    write(f, "users", users)


def stub_references(f: Path, rng: random.Random) -> None:
    """Ids with no record in every kind of reference, ids of another kind's record, and ids
    that are stubs of another kind."""
    secs, users = read(f, "sections"), read(f, "users")
    course = read(f, "courses")[0]["id"]
    school = read(f, "schools")[0]["id"]
    for i, s in enumerate(secs):
        k = i % 9
        if k == 0:
            s["students"] = [*(s.get("students") or []), f"zz-user-{i % 5}"]
        elif k == 1:
            s["teachers"] = [*(s.get("teachers") or []), "zz-teacher"]
        elif k == 2:
            s["school"] = "zz-school"
        elif k == 3:
            s["term_id"] = "zz-term"
        elif k == 4:
            s["course"] = "zz-course"
        elif k == 5:
            s["students"] = [*(s.get("students") or []), course]
        elif k == 6:
            s["students"] = [*(s.get("students") or []), "zz-course"]
        elif k == 7:
            s["teachers"] = [*(s.get("teachers") or []), school, "zz-school"]
    for u in users[::7]:
        for r in ("student", "teacher"):
            x = role(u, r)
            if x:
                x["schools"] = [*(x.get("schools") or []), "zz-school-2"]
        c = role(u, "contact")
        if c:
            c["student_relationships"] = [*(c.get("student_relationships") or []),
                                          {"student": "zz-user-1", "relationship": "Parent"}]
    write(f, "sections", secs)
    write(f, "users", users)


def several_roles(f: Path, rng: random.Random) -> None:
    """Users with legal and illegal role combinations, and with no role."""
    users = read(f, "users")
    school = read(f, "schools")[0]["id"]
    combos = [("student", "teacher"), ("district_admin", "staff"), ("district_admin", "teacher"),
              ("teacher", "staff", "district_admin"), ("contact", "teacher"),
              ("student", "contact"), ("district_admin", "contact"), ("student",), ()]
    fresh: dict[str, Rec] = {"student": {"school": school, "schools": [school]},
                             "teacher": {"school": school, "schools": [school]},
                             "staff": {"schools": [school]}, "district_admin": {},
                             "contact": {"student_relationships": []}}
    for i, u in enumerate(users[::11]):
        old = u.get("roles") or {}
        u["roles"] = {r: old.get(r, fresh[r]) for r in combos[i % len(combos)]}
    write(f, "users", users)


def duplicate_names(f: Path, rng: random.Random) -> None:
    """Section names that repeat, differ in case or a trailing space, are empty or absent."""
    secs = read(f, "sections")
    for i, s in enumerate(secs):
        name = ["Homeroom", "homeroom", "Homeroom ", "", None][i % 5]
        if name is None:
            s.pop("name", None)
        else:
            s["name"] = name
    write(f, "sections", secs)


def teacher_fields(f: Path, rng: random.Random) -> None:
    """``teacher`` not in ``teachers``, only ``teacher``, ten teachers plus another
    ``teacher``, repeated students and teachers, empty-string references, no teacher."""
    secs, users = read(f, "sections"), read(f, "users")
    tids = [u["id"] for u in users if role(u, "teacher")]
    for i, s in enumerate(secs):
        k = i % 8
        if k == 0:
            s["teacher"] = rng.choice(tids)
        elif k == 1:
            s["teacher"] = (s.get("teachers") or [tids[0]])[0]
            s.pop("teachers", None)
        elif k == 2:
            s["teachers"], s["teacher"] = tids[:10], tids[10 % len(tids)]
        elif k == 3:
            st = s.get("students") or []
            s["students"], s["teachers"] = st + st[:2], (s.get("teachers") or []) * 2
        elif k == 4:
            s["teacher"] = ""
        elif k == 5:
            s["school"] = s["course"] = ""
        elif k == 6:
            s["teachers"] = []
            s.pop("teacher", None)
        else:
            s["teachers"] = tids[:11]
            s.pop("teacher", None)
    write(f, "sections", secs)


def odd_contacts(f: Path, rng: random.Random) -> None:
    """Repeated relationships, odd values, a contact related to itself, null values."""
    users = read(f, "users")
    students = [u["id"] for u in users if role(u, "student")]
    for i, u in enumerate(users):
        c = role(u, "contact")
        if not c:
            continue
        rels = c.get("student_relationships") or []
        c["student_relationships"] = [
            rels + rels,
            [{"student": students[0], "relationship": "Parent"},
             {"student": students[0], "relationship": "Uncle", "type": "odd"}],
            [{"student": u["id"], "relationship": "Self"}],
            [{"student": students[1], "relationship": None, "type": ""}],
            rels][i % 5]
    write(f, "users", users)


def odd_dates_and_courses(f: Path, rng: random.Random) -> None:
    """Term dates in every form the docs name and some they do not; blank course names
    and course numbers that differ only in case."""
    terms, courses = read(f, "terms"), read(f, "courses")
    forms = ["20240801", "8/1/24", "2024-08-01T00:00:00Z", "08/01/2024", " 2024-08-01",
             "2024-8-1", "2024-08-01 10:00", "2025-13-01", "TBD", ""]
    for i, t in enumerate(terms):
        t["start_date"], t["end_date"] = forms[i % len(forms)], forms[(i + 3) % len(forms)]
    for i, c in enumerate(courses):
        c.update([{"name": "   "}, {"name": "\u00a0"}, {"number": "X1"}, {"number": "x1"},
                  {"number": ""}, {}][i % 6])
    write(f, "terms", terms)
    write(f, "courses", courses)


def primary_unlisted(f: Path, rng: random.Random) -> None:
    """Primary schools missing from ``schools``, and roles with ``schools`` but no primary."""
    users = read(f, "users")
    schools = [s["id"] for s in read(f, "schools")]
    for i, u in enumerate(users):
        for r in ("student", "teacher"):
            x = role(u, r)
            if x and i % 3 == 0:
                x["schools"] = [sc for sc in schools if sc != x.get("school")][:1]
            elif x and i % 3 == 1:
                x.pop("school", None)
    write(f, "users", users)


def odd_names_and_lines(f: Path, rng: random.Random) -> None:
    """Names with empty or absent parts, emails that are empty or only ``@``; a line cut
    off, a line that is no object and a record whose id repeats an earlier one."""
    users = read(f, "users")
    names: list[Rec | None] = [{"last": "X", "first": ""}, {"last": "", "first": ""},
                               {"last": "X", "middle": "M"}, {"last": "X", "first": None},
                               {}, None]
    for i, u in enumerate(users[::3]):
        name = names[i % len(names)]
        if name is None:
            u.pop("name", None)
        else:
            u["name"] = name
        u["email"] = ["", "@", "a@", "plain"][i % 4]
    lines = [json.dumps(u) for u in users]
    lines[5:5] = ['{"id": "cut", "roles": {"stud', "[1, 2]", lines[0]]
    (f / "users.jsonl").write_text("\n".join(lines) + "\n")


def odd_ids_and_grades(f: Path, rng: random.Random) -> None:
    """Ids shared across kinds (a user, a section and a course with one id), non-ASCII and
    over-long ids; section and student grades that are unusual, ``Ungraded``/``Other`` in
    either place, or differ only in form (``05`` and ``5``)."""
    secs, users, courses = read(f, "sections"), read(f, "users"), read(f, "courses")
    renamed: dict[str, str] = {}
    for i, u in enumerate(users[:40]):
        new = [secs[i]["id"], courses[i % len(courses)]["id"], f"ü-{i}-é", "L" * 300][i % 4]
        renamed[u["id"]] = u["id"] = new
    grades = ["5", "05", "K", "Ungraded", "Other", "", "ungraded", "PreKindergarten"]
    for i, u in enumerate(users):
        st = role(u, "student")
        if st:
            st["grade"] = grades[i % len(grades)]
        c = role(u, "contact")
        for rel in (c or {}).get("student_relationships") or []:
            rel["student"] = renamed.get(rel.get("student"), rel.get("student"))
    for i, s in enumerate(secs):
        s["grade"] = grades[(i * 3) % len(grades)]
        for field in ("students", "teachers"):
            s[field] = [renamed.get(x, x) for x in s.get(field) or []]
        if s.get("teacher"):
            s["teacher"] = renamed.get(s["teacher"], s["teacher"])
    write(f, "sections", secs)
    write(f, "users", users)


def wrong_types(f: Path, rng: random.Random) -> None:
    """Known fields with values of the wrong JSON type (kept in ``extra``, read as absent),
    explicit nulls and keys that are no field, on sections and users."""
    secs, users = read(f, "sections"), read(f, "users")
    for i, s in enumerate(secs[::4]):
        s.update([{"grade": 5}, {"students": "u1"}, {"teachers": [1, 2]}, {"teacher": None},
                  {"name": 7, "zz_note": "x"}, {"school": None, "students": None}][i % 6])
    for i, u in enumerate(users[::5]):
        st, te = role(u, "student"), role(u, "teacher")
        if st:
            st.update([{"schools": "sc"}, {"grade": None}, {"email": 3}, {"school": 1}][i % 4])
        elif te:
            te.update([{"schools": None}, {"school": ["a"]}][i % 2])
        else:
            u.update([{"email": None}, {"name": "Full Name"}, {"roles": None}][i % 3])
    write(f, "sections", secs)
    write(f, "users", users)


def empty_sections(f: Path, rng: random.Random) -> None:
    """A sections file with no records."""
    (f / "sections.jsonl").write_text("")


SHAPES: dict[str, Callable[[Path, random.Random], None]] = {
    fn.__name__: fn for fn in (two_schools, no_schools, blank_grades, shared_emails,
                               teachers_staff, stub_references, several_roles, duplicate_names,
                               teacher_fields, odd_contacts, odd_dates_and_courses,
                               primary_unlisted, odd_names_and_lines, odd_ids_and_grades,
                               wrong_types,
                               empty_sections)}


# --- comparison ----------------------------------------------------------------------------

def _plain(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return tuple(_plain(x) for x in v)
    if hasattr(v, "items"):
        return tuple(sorted((k, _plain(x)) for k, x in v.items()))
    return v.item() if hasattr(v, "item") else v


def _key(rule: str, kind: str, ids: Any, message: str, values: Any) -> tuple[Any, ...]:
    return rule, kind, tuple(ids), message, _plain(values)


def library_findings(folder: Path) -> Counter[tuple[Any, ...]]:
    report = validate(rostergraph.load(folder))
    return Counter(_key(f.rule, f.kind, f.ids, f.message, f.values) for f in report.findings)


def oracle_findings(folder: Path) -> Counter[tuple[Any, ...]]:
    r = rostergraph.load(folder)
    d = delivery(r)
    status = dict(zip(d.to_list("kind"), d.to_list("status")))
    files = dict(zip(d.to_list("kind"), d.to_list("files")))
    names = {k: [f.path for f in r.provenance.files if f.kind == k] for k in status}
    rows = [*oracle.all_rules(r), *oracle.load_rules(r),
            *oracle.src_rules(r, status, files, names)]
    return Counter(_key(*row) for row in rows)


def assert_rules_agree(folder: Path) -> Counter[str]:
    """The library's findings equal the oracle's, as multisets; returns the count per rule."""
    got, expected = library_findings(folder), oracle_findings(folder)
    only_library, only_oracle = got - expected, expected - got
    assert not only_library and not only_oracle, (
        f"library only: {sorted(only_library)[:3]}; oracle only: {sorted(only_oracle)[:3]}")
    per_rule: Counter[str] = Counter()
    for k, n in got.items():
        per_rule[k[0]] += n
    return per_rule


def assert_queries_agree(folder: Path) -> None:
    """reach_pairs, the cross-school tables and orphaned_users equal the naive versions;
    no row is repeated (an empty id names nothing, for the naive versions too)."""
    r = oracle.without_empty_ids(rostergraph.load(folder))
    g = RosterGraph.from_roster(rostergraph.load(folder))
    pairs = list(q.reach_pairs(g))
    assert {(t, s): n for t, s, n in pairs} == naive_reach(r)
    assert len({(t, s) for t, s, _ in pairs}) == len(pairs)
    for role_name, table in (("student", q.cross_school_enrollments(g)),
                             ("teacher", q.cross_school_teaching(g))):
        rows = list(table)
        assert len(set(rows)) == len(rows)
        assert set(rows) == naive_cross(r, role_name)
    orphans = list(q.orphaned_users(g))
    assert len(set(orphans)) == len(orphans)
    assert set(orphans) == naive_orphans(r)


# --- the disagreements the comparison found, as minimal rosters on disk ------------------

def _tiny(folder: Path, sections: list[Rec], users: list[Rec]) -> Path:
    folder.mkdir()
    write(folder, "districts", [{"id": "d1"}])
    write(folder, "schools", [{"id": "sc1", "district": "d1"}])
    write(folder, "courses", [{"id": "c1", "district": "d1", "name": "Math"}])
    write(folder, "sections", [{"district": "d1", "school": "sc1", **s} for s in sections])
    write(folder, "users", [{"district": "d1", **u} for u in users])
    return folder


def _student(uid: str, grade: str) -> Rec:
    return {"id": uid, "roles": {"student": {"school": "sc1", "schools": ["sc1"],
                                             "grade": grade}}}


TEACHER: Rec = {"id": "t1", "roles": {"teacher": {"school": "sc1", "schools": ["sc1"]}}}


def test_ref_001_found_as_names_only_a_record_of_another_kind(tmp_path: Path) -> None:
    """``found_as`` is given "when the id is a record of another kind": an id that is only
    another kind's missing reference (a stub) is not a record, so the finding is plain."""
    folder = _tiny(tmp_path / "d", [
        {"id": "s1", "teachers": ["t1"], "students": ["u1", "c1"]},            # a course record
        {"id": "s2", "teachers": ["t1"], "students": ["u1", "c9"], "course": "c9"},  # a stub
    ], [TEACHER, _student("u1", "5")])
    got = {f.ids: (f.message, dict(f.values))
           for f in validate(rostergraph.load(folder), select="RG-REF-001").findings
           if f.values["relation"] == "enrolled_in"}
    assert got[("s1", "c1")][1]["found_as"] == "course"
    assert got[("s1", "c1")][0].endswith("(the id is a course)")
    message, values = got[("s2", "c9")]
    assert "found_as" not in values
    assert message == "section s2: students refers to user c9, which has no record"
    assert_rules_agree(folder)


def test_ref_001_says_when_the_missing_id_was_left_out_as_tobedeleted(tmp_path: Path) -> None:
    """A OneRoster bulk row with status ``tobedeleted`` is not loaded; a record that still
    names its id refers to no record, but not to an unknown id: the reader's note lists
    it, and the finding says it was in the file as tobedeleted (a truly unknown id keeps
    the plain message)."""
    users = USERS.replace("s2,active,", "s2,tobedeleted,")
    courses = ("sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,"
               "grades,orgSourcedId,subjects,subjectCodes\n"
               "k1,tobedeleted,,,Math,M,,sA,,\n")
    classes = CLASSES.replace("c1,active,2024-01-01,Math,04,,", "c1,active,2024-01-01,Math,04,k1,",
                              1)
    enr = ENR_HEAD + ("e1,,,c1,sA,t1,teacher,true,,\ne2,,,c1,sA,s1,student,,,\n"
                      "e3,,,c1,sA,s2,student,,,\ne4,,,c2,sA,s9,student,,,\n")
    folder = bundle(tmp_path / "b", users_csv=users, courses_csv=courses, classes_csv=classes,
                    enrollments_csv=enr)
    got = {f.ids: (f.message, dict(f.values))
           for f in validate(rostergraph.load(folder), select="RG-REF-001").findings}
    assert got[("c1", "s2")][0] == (
        "section c1: students refers to user s2, which has no record (users.csv has it as a "
        "row with status tobedeleted, which is not loaded)")
    assert got[("c1", "s2")][1]["tobedeleted_in"] == "users.csv"
    assert got[("c1", "k1")][0] == (
        "section c1: course refers to course k1, which has no record (courses.csv has it as "
        "a row with status tobedeleted, which is not loaded)")
    assert got[("c2", "s9")][0] == "section c2: students refers to user s9, which has no record"
    assert "tobedeleted_in" not in got[("c2", "s9")][1]
    assert_rules_agree(folder)


def test_ref_001_says_when_the_missing_id_is_the_text_null(tmp_path: Path) -> None:
    """An id that is the text ``NULL`` (or ``null``: how SQL exports write an empty
    value) with no record: the finding says so; the id and the values stay as given."""
    folder = _tiny(tmp_path / "d", [
        {"id": "s1", "teachers": ["t1"], "students": ["u1", "NULL"], "course": "null"},
        {"id": "s2", "teachers": ["t1"], "students": ["u1", "c9"]},
    ], [TEACHER, _student("u1", "5")])
    got = {f.ids: (f.message, dict(f.values))
           for f in validate(rostergraph.load(folder), select="RG-REF-001").findings}
    assert got[("s1", "NULL")][0] == (
        "section s1: students refers to user NULL, which has no record (the id is the text "
        "NULL: an SQL export's empty value?)")
    assert got[("s1", "NULL")][1]["missing"] == "NULL"
    assert got[("s1", "null")][0].endswith("(the id is the text null: an SQL export's "
                                           "empty value?)")
    assert got[("s2", "c9")][0] == "section s2: students refers to user c9, which has no record"
    assert_rules_agree(folder)


def test_sec_005_counts_a_repeated_student_once(tmp_path: Path) -> None:
    """A student listed three times in one section is one of its students (as in every
    query): one grade-4 student among three graded students is no majority."""
    folder = _tiny(tmp_path / "d", [
        {"id": "s1", "teachers": ["t1"], "grade": "5", "students": ["u4", "u4", "u4", "u5", "v5"]},
        {"id": "s2", "teachers": ["t1"], "grade": "5", "students": ["u4", "u4", "w4", "u5"]},
    ], [TEACHER, _student("u4", "4"), _student("w4", "4"), _student("u5", "5"),
        _student("v5", "5")])
    findings = validate(rostergraph.load(folder), select="RG-SEC-005").findings
    assert [(f.ids, dict(f.values)) for f in findings] == [
        (("s2",), {"grade": "5", "students_grade": "4", "students_matching": 1,
                   "students_with_grade": 3})]
    assert_rules_agree(folder)


# --- the shapes, read three ways -----------------------------------------------------------

@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small district with two schools and every quirk at a high rate."""
    return Path(district(students=1000, seed=11, quirks="high").write(
        tmp_path_factory.mktemp("base")))


def _shape(base: Path, tmp_path: Path, name: str) -> Path:
    import shutil

    folder = Path(shutil.copytree(base, tmp_path / name))
    SHAPES[name](folder, random.Random(name))
    return folder


@pytest.mark.parametrize("name", list(SHAPES))
def test_shape_read_from_json_lines_agrees(base: Path, tmp_path: Path, name: str) -> None:
    """On each shape, read by the fast JSON Lines reader, every rule reports exactly what
    the per-record oracle reports, and the queries equal their naive versions."""
    folder = _shape(base, tmp_path, name)
    counts = assert_rules_agree(folder)
    assert_queries_agree(folder)
    assert sum(counts.values()) > 20  # the shape is not trivially clean


#: shapes whose records the CSV formats carry differently (lists of teachers, roles, stubs)
CONVERTED = ("teacher_fields", "several_roles", "stub_references", "odd_contacts")


@pytest.fixture(scope="module")
def small_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A smaller district (one school), every quirk at a high rate."""
    return Path(district(students=400, seed=12, quirks="high").write(
        tmp_path_factory.mktemp("small")))


@pytest.mark.parametrize("to", ["clever-csv", "oneroster"])
def test_shapes_converted_to_csv_agree(small_base: Path, tmp_path: Path, to: str) -> None:
    """The same after conversion to Clever SFTP CSV or OneRoster CSV without rostergraph's
    extension files (so the CSV readers rebuild the records from plain columns)."""
    for name in CONVERTED:
        out = tmp_path / f"{name}-{to}"
        convert(_shape(small_base, tmp_path, name), out, to=to, extensions=False)
        assert rostergraph.load(out).provenance.format == to
        assert sum(assert_rules_agree(out).values()) > 20
        assert_queries_agree(out)


@pytest.mark.parametrize(("students", "seed", "quirks"),
                         [(300, 1, "default"), (600, 2, "high"), (2000, 3, "high")])
def test_generated_districts_agree(tmp_path: Path, students: int, seed: int,
                                   quirks: str) -> None:
    """Generated districts as they are, at the default and the high quirk rates."""
    folder = Path(district(students=students, seed=seed, quirks=quirks).write(tmp_path / "d"))
    counts = assert_rules_agree(folder)
    assert_queries_agree(folder)
    if quirks == "high":
        assert len(counts) >= 20  # most rules fire


def test_ref_rules_follow_a_teacher_field_missing_from_teachers(tmp_path: Path) -> None:
    """RG-REF-001 and RG-REF-002 judge ``section.teachers``/``teacher``: a ``teacher`` that
    is not in ``teachers`` still refers to a user (it is RG-SEC-002's finding too), so an id
    with no record, or a user without the teacher role, is reported with field
    ``teacher``."""
    folder = _tiny(tmp_path / "d", [
        {"id": "s1", "teacher": "ghost", "teachers": ["t1"], "students": ["u1"]},
        {"id": "s2", "teacher": "u1", "teachers": ["t1"], "students": ["u1"]},
        {"id": "s3", "teacher": "t1", "teachers": ["t1"], "students": ["u1"]},
        {"id": "s4", "teacher": "t1", "teachers": ["t2", "t1"], "students": ["u1"]},
    ], [TEACHER, {**TEACHER, "id": "t2"}, _student("u1", "5")])
    found = {(f.rule, f.ids): (f.message, dict(f.values))
             for f in validate(rostergraph.load(folder), select="RG-REF").findings}
    assert found == {
        ("RG-REF-001", ("s1", "ghost")): (
            "section s1: teacher refers to user ghost, which has no record",
            {"relation": "teaches", "field": "teacher", "missing_kind": "user",
             "missing": "ghost"}),
        ("RG-REF-002", ("s2", "u1")): (
            "section s2: teacher lists user u1, who has no teacher role (roles: student)",
            {"relation": "teaches", "field": "teacher", "user": "u1",
             "expected_role": "teacher", "roles": ("student",)})}
    assert_rules_agree(folder)


def test_shapes_from_a_warm_snapshot_agree(small_base: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Loaded a second time from the warm snapshot (reader columns and ids restored, the
    user index made on demand), the findings are the oracle's still."""
    monkeypatch.setenv("ROSTERGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("teacher_fields", "stub_references"):
        folder = _shape(small_base, tmp_path, name)
        rostergraph.load(folder, cache=True)
        warm = rostergraph.load(folder, cache=True)
        assert "from cache" in warm.provenance.notes[-1]
        got = Counter(_key(f.rule, f.kind, f.ids, f.message, f.values)
                      for f in validate(warm).findings)
        assert got == oracle_findings(folder)
