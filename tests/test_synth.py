"""Tests for rostergraph.synth: determinism, structure and quirks of generated districts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest

import rostergraph
from rostergraph.cli import main
from rostergraph.graph import RosterGraph
from rostergraph.synth import district, write_district


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, rostergraph.Roster]:
    out = write_district(tmp_path_factory.mktemp("synth"), students=5000, seed=11)
    return out, rostergraph.load(out)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    """Equal seeds give byte-identical files; another seed gives other ids."""
    a = write_district(tmp_path / "a", "S", seed=5)
    b = write_district(tmp_path / "b", "S", seed=5)
    c = write_district(tmp_path / "c", "S", seed=6)
    for name in ("users.jsonl", "sections.jsonl", "courses.jsonl"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert (a / "users.jsonl").read_bytes() != (c / "users.jsonl").read_bytes()


def test_sizes_scale() -> None:
    """S is one school with 500 students; --students scales the other kinds with it."""
    s = district("S").counts()
    assert (s["schools"], s["students"], s["contacts"]) == (1, 500, 500)
    big = district(students=50_000, seed=1).counts()
    assert big["schools"] == 90 and big["sections"] == 15_000
    assert 3000 <= big["teachers"] <= 4000
    with pytest.raises(ValueError):
        district("XL")


def test_loads_cleanly_with_expected_structure(small: tuple[Path, rostergraph.Roster]) -> None:
    """The written district loads without problems and has the documented shape."""
    _, r = small
    assert r.problems == []
    roles = r.role_counts()
    assert roles["student"] == 5000 and roles["contact"] >= 5000
    g = RosterGraph.from_roster(r)
    enr = g.relations["enrolled_in"]
    per_student = np.bincount(enr.src, minlength=g.n_nodes("user"))[: g.n_records("user")]
    students = g.has_role("student")[: g.n_records("user")]
    assert 5.0 <= per_student[students].mean() <= 7.0
    tea = g.relations["teaches"]
    co = np.diff(tea.rindptr)[: g.n_records("section")]
    assert 0.05 <= float((co > 1).mean()) <= 0.2  # co-teachers in ~10% of sections
    orphans = rostergraph.queries.orphaned_users(g)
    reasons = {(row[1], row[2]) for row in orphans}
    assert {("student", "no_section"), ("teacher", "no_section"), ("contact", "no_student"),
            ("staff", "no_school")} <= reasons
    n_orphan_students = sum(1 for row in orphans if row[1] == "student")
    assert 0.005 <= n_orphan_students / 5000 <= 0.05
    cross = rostergraph.queries.cross_school_enrollments(g)
    frac = len(set(cross["student"].tolist())) / 5000
    assert 0.005 <= frac <= 0.04  # 1–3% cross-school students


def test_quirks_present(small: tuple[Path, rostergraph.Roster]) -> None:
    """The seed's quirks occur at low rates: no-@ emails, contact names, >9 co-teachers, stubs."""
    path, r = small
    users = list(r.users.values())
    no_at = [u for u in users if u.email is not None and "@" not in u.email]
    assert 0 < len(no_at) < len(users) * 0.01
    contacts = [u for u in users if u.roles.contact is not None and u.roles.student is None]
    assert all(u.name.first is None and u.name.last for u in contacts)
    assert any(len(s.teachers or ()) > 10 for s in r.sections.values())
    assert any(not s.students for s in r.sections.values())
    assert any(s.teacher is not None and s.teachers and s.teacher != s.teachers[0]
               for s in r.sections.values())
    assert any(u.roles.student is not None and u.roles.contact is not None for u in users)
    assert any(t.name is None and t.start_date is None for t in r.terms.values())
    g = RosterGraph.from_roster(r)
    stubs = g.stub_counts()
    assert stubs["user"] > 0 and stubs["course"] > 0
    lines = (path / "users.jsonl").read_bytes().splitlines()
    assert any(len(orjson.loads(x)["name"].get("last", "")) > 255 for x in lines)


def test_clever_json_envelope(tmp_path: Path) -> None:
    """The clever-json format writes list envelopes that load to the same records."""
    a = rostergraph.load(write_district(tmp_path / "a", "S", seed=2))
    b = rostergraph.load(write_district(tmp_path / "b", "S", seed=2, format="clever-json"))
    assert (tmp_path / "b" / "users.json").exists()
    assert a.counts() == b.counts()
    some = next(iter(a.sections))
    assert a.sections[some] == b.sections[some]
    with pytest.raises(ValueError, match="unknown synth format"):
        district("S").write(tmp_path / "c", format="oneroster-xml")


@pytest.mark.parametrize("fmt", ["clever-csv", "oneroster"])
def test_csv_formats_through_the_writers(tmp_path: Path, fmt: str) -> None:
    """CSV formats are written by rostergraph.io.write and read back to the same counts."""
    d = district(students=200, seed=4)
    jsonl = rostergraph.load(d.write(tmp_path / "jsonl"))
    back = rostergraph.load(d.write(tmp_path / fmt, format=fmt))
    assert back.counts() == jsonl.counts()
    assert not any(p.name.startswith(".synth-") for p in (tmp_path / fmt).iterdir())


def test_cli_synth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``rostergraph synth`` writes the district and reports its counts."""
    assert main(["synth", "--students", "300", "--seed", "3", "-o", str(tmp_path)]) == 0
    assert "students 300" in capsys.readouterr().out
    assert len(rostergraph.load(tmp_path).sections) > 0
    assert main(["synth", "--students", "0", "-o", str(tmp_path)]) == 2


def test_cli_synth_rates_and_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--quirks``, ``--rate NAME=RATE`` and ``--count KIND=N`` reach the generator; a bad
    name, value or form is a usage error."""
    assert main(["synth", "--students", "60", "--quirks", "high", "--count", "schools=1",
                 "--count", "contacts=0", "--rate", "no_teacher=1", "-o", str(tmp_path)]) == 0
    assert "schools 1," in capsys.readouterr().out
    r = rostergraph.load(tmp_path)
    assert not any(s.teachers for s in r.sections.values())
    assert not any(u.roles.contact is not None and u.roles.student is None
                   for u in r.users.values())
    for bad in (["--rate", "no_teacher=2"], ["--rate", "nope=0.5"], ["--count", "schools"],
                ["--count", "schools=x"]):
        assert main(["synth", "--students", "60", *bad, "-o", str(tmp_path / "b")]) == 2


def test_high_quirk_rates_make_every_rule_fire_often(tmp_path: Path) -> None:
    """quirks="high" makes the rules fire on about 5–20 % of their candidates (students in
    no section, teachers in none, sections with a foreign grade or a shared name, emails
    without '@'), far more often than the default rates; an unknown level is refused."""
    counts = {}
    for level in ("default", "high"):
        d = district(students=3000, seed=4, quirks=level)
        roster = rostergraph.load(d.write(tmp_path / level))
        counts[level] = rostergraph.validate(roster).findings.counts_by_rule()
    n = d.counts()
    high, default = counts["high"], counts["default"]
    for rid, candidates in (("RG-STU-001", n["students"]), ("RG-TEA-001", n["teachers"]),
                            ("RG-CON-001", n["contacts"]), ("RG-SEC-001", n["sections"]),
                            ("RG-SEC-005", n["sections"]), ("RG-USR-001", n["users"])):
        assert 0.05 <= high[rid] / candidates <= 0.25, rid
    for rid in ("RG-USR-001", "RG-USR-003", "RG-STR-001", "RG-STR-002", "RG-REF-001",
                "RG-CON-002", "RG-SEC-002", "RG-USR-005"):
        assert high[rid] >= 5 * max(default.get(rid, 0), 1), rid
    with pytest.raises(ValueError, match="quirk level"):
        district("S", quirks="extreme")


@pytest.mark.parametrize("rate", [0.0, 0.99, 1.0])
def test_every_rate_in_the_unit_interval_generates(tmp_path: Path, rate: float) -> None:
    """Any quirk or structure rate in [0, 1] generates a district that loads (all teachers
    idle once crashed the generator); a rate of 0 gives none of that quirk."""
    keys = [*rostergraph.synth.QUIRK_RATES["default"], *rostergraph.synth.SHAPE_RATES]
    d = district(students=60, seed=3, rates=dict.fromkeys(keys, rate))
    r = rostergraph.load(d.write(tmp_path))
    assert len(r.users) == d.counts()["users"]
    taught = {t for s in r.sections.values() for t in s.teachers or ()}
    if rate == 1.0:
        assert not taught  # no_teacher at 1: no section has a teacher
    if rate == 0.0:
        assert len(d.orphan_students) == 0 and len(d.no_teacher) == 0
    with pytest.raises(ValueError, match="outside"):
        district(students=60, rates={"no_teacher": 1.5})


@pytest.mark.parametrize("counts", [
    {"schools": 1}, {"schools": 30}, {"contacts": 0, "staff": 0, "admins": 0},
    {"teachers": 1, "sections": 1, "courses": 1}, {"schools": 12, "sections": 3}])
def test_extreme_shapes_generate(tmp_path: Path, counts: dict[str, int]) -> None:
    """Few students per school, one school, many schools, no contacts or staff, a single
    teacher or section: the district is generated as asked and loads."""
    d = district(students=40, seed=5, counts=counts,
                 rates={"teachers_also_staff": 1.0, "teachers_also_admin": 1.0,
                        "empty_sections": 0.5, "no_teacher": 0.5})
    r = rostergraph.load(d.write(tmp_path))
    got = d.counts()
    for kind, n in counts.items():
        assert got["district_admins" if kind == "admins" else kind] == n
    assert len(r.schools) == got["schools"] and len(r.sections) == got["sections"]
    teachers = [u for u in r.users.values() if u.roles.teacher is not None]
    assert all(u.roles.staff is not None and u.roles.district_admin is not None
               for u in teachers)
    with pytest.raises(ValueError, match="count"):
        district(students=40, counts={"schools": 0})


@pytest.mark.parametrize("schools", [1, 4])
def test_a_second_school_is_another_school(tmp_path: Path, schools: int) -> None:
    """A student's or teacher's second school is never the first again (with one school a
    student listed it twice, and a teacher whose number + 1 was a multiple of the number of
    schools did)."""
    d = district(students=400, seed=2, counts={"schools": schools},
                 rates={"second_school_students": 0.5, "second_school_teachers": 1.0})
    r = rostergraph.load(d.write(tmp_path))
    lists = [role.schools for u in r.users.values()
             for role in (u.roles.student, u.roles.teacher) if role is not None]
    assert all(len(set(x)) == len(x) for x in lists)
    assert any(len(x) == 2 for x in lists) == (schools > 1)


@pytest.mark.parametrize("first, second", [
    ("clever-jsonl", "oneroster"), ("clever-jsonl", "clever-json"),
    ("clever-json", "clever-jsonl"), ("oneroster", "clever-csv"), ("clever-csv", "clever-jsonl"),
])
def test_a_district_written_over_another_format_reads_back_as_itself(
        tmp_path: Path, first: str, second: str) -> None:
    """``write`` into a folder that holds an earlier district in another format leaves
    none of that district's roster files: the folder reads back as the new district (the
    earlier JSON Lines files were read instead of a OneRoster bundle written beside them,
    and an earlier ``.json`` instead of the new ``.jsonl``)."""
    from rostergraph.model import record_to_dict

    out = tmp_path / "out"
    district(students=30, seed=1).write(out, format=first)
    district(students=40, seed=2).write(out, format=second)
    fresh = district(students=40, seed=2).write(tmp_path / "fresh", format=second)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in fresh.iterdir())
    got, want = rostergraph.load(out), rostergraph.load(fresh)
    assert got.provenance.format == want.provenance.format and not got.problems
    for kind in ("districts", "schools", "terms", "courses", "sections", "users"):
        assert ({i: record_to_dict(r) for i, r in got.records(kind).items()}
                == {i: record_to_dict(r) for i, r in want.records(kind).items()}), kind


def _records(d: rostergraph.synth.SynthDistrict) -> tuple[dict[str, dict], dict[str, dict]]:
    return ({u["id"]: u for u in d.records("users")}, {s["id"]: s for s in d.records("sections")})


def test_a_rate_of_one_applies_to_every_candidate() -> None:
    """At a rate of 1 each quirk or shape is on every record it can be: every section of a
    school with two or more shares a name with another of its school, every enrolled student
    takes a section at another school, every taught section's teacher is from another school,
    every contact has two distinct students, every section with two or more teachers names
    another than the first as ``teacher`` (a name drawn from a section's neighbour, a section
    drawn anywhere or a second student drawn with replacement missed some)."""
    keys = ("duplicate_section_name", "cross_school_students", "cross_school_teachers",
            "two_student_contacts", "teacher_mismatch")
    d = district(students=300, seed=11, counts={"schools": 5},
                 rates={**dict.fromkeys(keys, 1.0), "empty_sections": 0.0,
                        "orphan_contacts": 0.0, "contact_missing_student": 0.0})
    users, sections = _records(d)
    by_school: dict[str, list[str]] = {}
    for s in sections.values():
        by_school.setdefault(s["school"], []).append(s["name"])
    assert all(len(set(names)) == 1 for names in by_school.values() if len(names) > 1)
    primary = {i: next(iter(u["roles"].values())).get("school") for i, u in users.items()}
    enrolled = {x for s in sections.values() for x in s["students"]}
    crossing = {x for s in sections.values() for x in s["students"]
                if x in primary and primary[x] != s["school"]}
    assert enrolled and crossing == enrolled & set(primary)
    taught = [s for s in sections.values() if s.get("teachers")]
    assert taught and all(primary[s["teachers"][0]] != s["school"] for s in taught)
    co = [s for s in taught if len(s["teachers"]) > 1]
    assert co and all(s["teacher"] != s["teachers"][0] for s in co)
    contacts = [u["roles"]["contact"]["student_relationships"] for u in users.values()
                if "student" not in u["roles"] and "contact" in u["roles"]]
    assert contacts and all(len({r["student"] for r in rels}) == 2 for rels in contacts)


def test_a_rate_of_zero_gives_none_and_teachers_are_listed_once() -> None:
    """No second school at ``second_school_students=0`` (cross-school students listed an
    arbitrary second school), and no section lists a teacher twice, even with more than 9
    co-teachers drawn from a school of few teachers."""
    d = district(students=300, seed=11, counts={"schools": 5},
                 rates={"second_school_students": 0.0, "cross_school_students": 1.0,
                        "many_co_teachers": 1.0})
    users, sections = _records(d)
    assert all(len(u["roles"]["student"]["schools"]) == 1
               for u in users.values() if "student" in u["roles"])
    lists = [s["teachers"] for s in sections.values() if s.get("teachers")]
    assert lists and all(len(set(t)) == len(t) for t in lists)
    assert sum(len(t) > 10 for t in lists) >= len(lists) - 1


@pytest.mark.parametrize("students, counts", [
    (1, None), (2, {"schools": 3}), (2, {"teachers": 0}), (5, {"sections": 0}),
    (3, {"teachers": 0, "sections": 0, "contacts": 0, "staff": 0, "admins": 0}),
])
def test_tiny_districts_and_no_teachers_or_sections_generate(
        tmp_path: Path, students: int, counts: dict[str, int] | None) -> None:
    """One or two students, no teachers (every section untaught), no sections (every
    student in none): the district is generated as asked, from Python and the command line,
    and loads without problems (fewer than 10 students, or a count of 0 teachers or
    sections, was refused)."""
    d = district(students=students, seed=4, counts=counts)
    r = rostergraph.load(d.write(tmp_path / "py"))
    assert not r.problems and r.role_counts()["student"] == students
    got = d.counts()
    for kind, n in (counts or {}).items():
        assert got["district_admins" if kind == "admins" else kind] == n
    assert len(r.sections) == got["sections"]
    if got["teachers"] == 0:
        assert not any(s.teachers or s.teacher for s in r.sections.values())
    args = [f"--count={k}={n}" for k, n in (counts or {}).items()]
    assert main(["synth", "--students", str(students), "--seed", "4", *args,
                 "-o", str(tmp_path / "cli")]) == 0
    assert sorted(p.name for p in (tmp_path / "cli").iterdir()) == sorted(
        p.name for p in (tmp_path / "py").iterdir())
    with pytest.raises(ValueError, match="student"):
        district(students=0)


@pytest.mark.parametrize("students, counts", [(500, None), (300, {"sections": 400})])
def test_no_duplicate_section_names_at_a_rate_of_zero(
        tmp_path: Path, students: int, counts: dict[str, int] | None) -> None:
    """At ``duplicate_section_name=0`` no two sections of a school share a name, so
    RG-SEC-004 does not fire (two sections of one course in one period were named alike:
    42 findings in the S district)."""
    d = district(students=students, seed=3, counts=counts, rates={"duplicate_section_name": 0})
    r = rostergraph.load(d.write(tmp_path))
    assert not [f for f in rostergraph.validate(r).findings if f.rule == "RG-SEC-004"]
    names = [(s.school, s.name) for s in r.sections.values()]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("rate", [0.0, 1.0])
def test_term_quirks_follow_their_rates(tmp_path: Path, rate: float) -> None:
    """``term_no_name`` and ``term_bad_dates`` set how many terms have none of name, start
    and end, or end before they start (both were always there, so every quirk at 0 still
    gave RG-TRM-001 and RG-TRM-002); at the default rates one term has each."""
    d = district(students=60, seed=2, rates={"term_no_name": 0.0, "term_bad_dates": rate})
    r = rostergraph.load(d.write(tmp_path / "d"))
    rules = [f.rule for f in rostergraph.validate(r).findings if f.rule.startswith("RG-TRM")]
    assert rules == ["RG-TRM-002"] * (len(r.terms) if rate else 0)
    assert all(t.name for t in r.terms.values())
    rules = [f.rule for f in rostergraph.validate(rostergraph.load(
        district(students=60, seed=2, rates={"term_no_name": rate}).write(tmp_path / "e")))
        .findings if f.rule == "RG-TRM-001"]
    assert len(rules) == (6 if rate else 0)
    default = rostergraph.load(district(students=60, seed=2).write(tmp_path / "f"))
    assert sorted(f.rule for f in rostergraph.validate(default).findings
                  if f.rule.startswith("RG-TRM")) == ["RG-TRM-001", "RG-TRM-002"]


@pytest.mark.parametrize("seed, schools", [(11, 1), (4, 5)])
def test_every_teacher_teaches_at_a_rate_of_zero(seed: int, schools: int) -> None:
    """At ``idle_teachers=0`` every teacher of a school with as many sections as teachers
    teaches one (each section's teacher was drawn at random, which missed one teacher in
    thirty of the one-school district)."""
    d = district(students=400, seed=seed, counts={"schools": schools},
                 rates={"idle_teachers": 0.0})
    users, sections = _records(d)
    taught = {t for s in sections.values() for t in s.get("teachers", ())}
    teachers = [i for i, u in users.items() if "teacher" in u["roles"]]
    assert len(teachers) < len(sections) and set(teachers) <= taught


def test_a_bad_rate_or_count_says_which_is_wrong() -> None:
    """``--count schools=-1`` was "unknown count 'schools' or count -1 below its minimum"
    (a known name told as perhaps unknown): the message now says either that the name is
    unknown (with the names, and the nearest) or that the value is out of range."""
    with pytest.raises(ValueError, match=r"count schools=-1 is below its minimum, 1$"):
        district(students=10, counts={"schools": -1})
    with pytest.raises(ValueError, match=r"unknown count 'school' \(did you mean 'schools'\?"
                                         r" counts: schools, teachers, "):
        district(students=10, counts={"school": 2})
    with pytest.raises(ValueError, match=r"rate no_teacher=1.5 is outside \[0, 1\]$"):
        district(students=10, rates={"no_teacher": 1.5})
    with pytest.raises(ValueError, match=r"unknown rate 'no_teachers' \(did you mean "
                                         r"'no_teacher'\? rates: "):
        district(students=10, rates={"no_teachers": 0.5})


def test_a_oneroster_district_into_a_folder_named_zip(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    """``synth -o out.zip --format oneroster`` failed with ``[Errno 21] Is a directory``
    (the folder was made, then the writer took the name for a zip); synth writes a
    folder, whatever its name."""
    assert main(["synth", "--students", "20", "--format", "oneroster",
                 "-o", str(tmp_path / "out.zip")]) == 0, capsys.readouterr().err
    assert (tmp_path / "out.zip" / "users.csv").is_file()
    assert len(rostergraph.load(tmp_path / "out.zip").users) > 20


def test_a_negative_seed_is_a_seed_of_its_own(tmp_path: Path) -> None:
    """Any integer is a seed (numpy's generators take none below 0): a negative one gives
    the same district each time, another than its magnitude's, and the command line takes
    it too."""
    a, b = district(students=60, seed=-3), district(students=60, seed=-3)
    assert a.digest() == b.digest()
    assert a.digest() not in (district(students=60, seed=3).digest(),
                              district(students=60, seed=0).digest())
    out = tmp_path / "neg"
    assert main(["synth", "--students", "60", "--seed", "-3", "-o", str(out)]) == 0
    assert len(rostergraph.load(out).users) == a.counts()["users"]


def test_write_district_takes_rates_and_counts(tmp_path: Path) -> None:
    """``write_district`` writes the district ``district`` makes with the same rates and
    counts (it took neither: a caller had to go through ``district(...).write``)."""
    rates, counts = {"orphan_students": 1.0}, {"schools": 3}
    out = write_district(tmp_path / "d", students=80, seed=4, rates=rates, counts=counts)
    want = district(students=80, seed=4, rates=rates, counts=counts)
    r = rostergraph.load(out)
    assert len(r.schools) == 3 and len(r.users) == want.counts()["users"]
    assert len(want.orphan_students) == 80
