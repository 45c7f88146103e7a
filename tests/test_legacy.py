"""Legacy Clever JSON (v1.1/v2.x) read into v3 records: Clever's own fixtures and
recorded API bodies, copied with their provenance into tests/data/clever."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.io.detect import detect_format
from rostergraph.io.legacy import is_legacy_clever, read_legacy_clever

DATA = Path(__file__).parent / "data" / "clever"
GO = DATA / "clever-go-v1.1-fixtures"
RUBY = DATA / "clever-ruby-v1.1-vcr-bodies"


def _records(path: Path) -> list[dict]:
    doc = json.loads(path.read_text())
    return [item.get("data", item) for item in doc["data"]]


def test_legacy_folders_are_detected_before_v3_json() -> None:
    """A legacy folder (which also has schools.json, sections.json) is read as legacy."""
    assert detect_format(GO) == "clever-legacy"
    assert detect_format(RUBY) == "clever-legacy"
    assert detect_format(rostergraph.sample_path()) == "clever-json"
    assert is_legacy_clever(GO / "sections.json")  # a single file, by its shape


def test_go_fixtures_users_get_v3_roles() -> None:
    """Students, teachers, school and district admins, contacts → users with roles."""
    r = rostergraph.load(GO)
    assert r.provenance.format == "clever-legacy"
    for name, role in (("students.json", "student"), ("teachers.json", "teacher"),
                       ("schooladmins.json", "staff"), ("districtadmins.json", "district_admin"),
                       ("contacts.json", "contact")):
        for rec in _records(GO / name):
            u = r.users[rec["id"]]
            got = getattr(u.roles, role)
            assert got is not None and got.legacy_id == rec["id"], (name, rec["id"])
            assert u.email == rec.get("email")
    for rec in _records(GO / "teachers.json"):
        t = r.users[rec["id"]].roles.teacher
        assert (t.school, t.sis_id, t.title) == (rec["school"], rec["sis_id"], rec["title"])
    for rec in _records(GO / "contacts.json"):
        u = r.users[rec["id"]]
        assert u.name.last == rec["name"]  # the contact's full name string
        rel = u.roles.contact.student_relationships[0]
        assert (rel.student, rel.type) == (rec["student"], rec["type"])


def test_go_fixtures_sections_build_terms_and_courses() -> None:
    """The embedded term object and course_name/course_number become records."""
    r = rostergraph.load(GO)
    for name in ("sections.json", "sections2.json"):
        for rec in _records(GO / name):
            sec = r.sections[rec["id"]]
            course = r.courses[sec.course]
            assert (course.name, course.number) == (rec["course_name"], rec["course_number"])
            if "term" in rec:
                term = r.terms[sec.term_id]
                assert (term.name, term.start_date, term.end_date) == (
                    rec["term"]["name"], rec["term"]["start_date"], rec["term"]["end_date"])
            else:
                assert sec.term_id is None
            assert "course_name" not in sec.extra and "term" not in sec.extra
    # same number, other name: two courses (legacy numbers are not unique)
    assert len({s.course for s in r.sections.values()}) == 2


def test_grade_k_is_mapped_and_noted() -> None:
    """Grade "K" becomes "Kindergarten", each with a problem naming file, index and field."""
    r = rostergraph.load(GO)
    ks = [rec["id"] for n in ("sections.json", "sections2.json") for rec in _records(GO / n)
          if rec.get("grade") == "K"]
    assert ks and all(r.sections[s].grade == "Kindergarten" for s in ks)
    noted = [p for p in r.problems if p.field == "grade"]
    assert sorted(p.record_id for p in noted) == sorted(ks)
    assert all(p.file and p.index is not None for p in noted)


def test_a_students_grade_mapping_names_the_student(tmp_path: Path) -> None:
    """A legacy student's grade "K" mapped is a problem naming that student (its id sits
    beside the role's fields, not among them), as a section's names the section."""
    (tmp_path / "students.json").write_text(json.dumps({"data": [
        {"data": {"id": "st1", "grade": "3"}}, {"data": {"id": "st2", "grade": "K"}}]}))
    r = read_legacy_clever(tmp_path)
    noted = [p for p in r.problems if p.field == "grade"]
    assert [(p.kind, p.record_id, p.file, p.index) for p in noted] == [
        ("users", "st2", "students.json", 1)]


@pytest.mark.parametrize("saved_as", ["students", "students?limit=100"])
def test_a_list_saved_without_a_json_suffix_is_told(tmp_path: Path, saved_as: str) -> None:
    """A legacy list saved as ``curl -O`` or ``wget`` name it (no ``.json``) is not read:
    with no other file of that list it is a problem naming the file (the folder loaded
    with no students, without a word); beside one, a note names it. A copy under another
    suffix (``students.json.1``) is only named in a note."""
    (tmp_path / saved_as).write_text(json.dumps({"data": [{"data": {"id": "st1"}}]}))
    (tmp_path / "teachers.json").write_text(json.dumps({"data": [{"data": {"id": "t1"}}]}))
    r = read_legacy_clever(tmp_path)
    assert list(r.users) == ["t1"]
    told = [p for p in r.problems if p.file == saved_as]
    assert [(p.code, p.kind) for p in told] == [("other", "users")]
    assert "not read" in told[0].message and "students.json" in told[0].message
    (tmp_path / "students.json").write_text(json.dumps({"data": [{"data": {"id": "st2"}}]}))
    r = read_legacy_clever(tmp_path)
    assert sorted(r.users) == ["st2", "t1"] and not r.problems
    assert any(saved_as in n and "not read" in n for n in r.provenance.notes)
    (tmp_path / "students.json").rename(tmp_path / "students.json.1")
    r = read_legacy_clever(tmp_path)
    assert not [p for p in r.problems if p.file == "students.json.1"]
    assert any("students.json.1" in n and "not read" in n for n in r.provenance.notes)


def test_a_contacts_students_it_cannot_link_are_kept(tmp_path: Path) -> None:
    """A legacy contact whose ``students`` is no list (one id as a string) or which names no
    student keeps its ``students``, ``relationship`` and ``type`` (in the contact role's
    extra): they were dropped without a word, the link to the student with them."""
    (tmp_path / "students.json").write_text(json.dumps({"data": [{"data": {"id": "st1"}}]}))
    (tmp_path / "contacts.json").write_text(json.dumps({"data": [
        {"data": {"id": "c1", "name": "N One", "students": "st1", "relationship": "Parent",
                  "type": "Parent/Guardian"}},
        {"data": {"id": "c2", "name": "N Two", "student": None, "relationship": "Aunt",
                  "type": "Family"}}]}))
    r = read_legacy_clever(tmp_path)
    one, two = r.users["c1"].roles, r.users["c2"].roles
    assert one.contact is not None and two.contact is not None
    assert one.contact.student_relationships is None
    kept = {**one.contact.extra, **{f"c2.{k}": v for k, v in two.contact.extra.items()}}
    assert kept == {"students": "st1", "relationship": "Parent", "type": "Parent/Guardian",
                    "c2.student": None, "c2.relationship": "Aunt", "c2.type": "Family"}


def test_a_section_naming_its_course_and_term_records_builds_none(tmp_path: Path) -> None:
    """A v2.1 section names its course and term records (``course``, ``term_id``, read from
    ``courses.json``/``terms.json``) beside its ``course_name``/``course_number`` (or an
    embedded ``term``): no course or term is built from those, which made a second course
    of the same number (RG-CRS-002, a false error) and replaced the section's ``term_id``;
    the cells stay as they came, in the section's extra."""
    sec = {"id": "se1", "school": "s1", "course": "c1", "course_name": "Math",
           "course_number": "M1", "course_description": "Algebra", "term_id": "tm1",
           "term": {"name": "Fall", "start_date": "2019-08-15", "end_date": "2019-12-20"}}
    (tmp_path / "sections.json").write_text(json.dumps({"data": [{"data": sec}]}))
    (tmp_path / "courses.json").write_text(json.dumps(
        {"data": [{"data": {"id": "c1", "name": "Math", "number": "M1"}}]}))
    (tmp_path / "terms.json").write_text(json.dumps({"data": [{"data": {
        "id": "tm1", "name": "Fall", "start_date": "2019-08-15", "end_date": "2019-12-20"}}]}))
    (tmp_path / "teachers.json").write_text(json.dumps({"data": [{"data": {"id": "t1"}}]}))
    r = read_legacy_clever(tmp_path)
    assert list(r.courses) == ["c1"] and list(r.terms) == ["tm1"]
    s = r.sections["se1"]
    assert (s.course, s.term_id) == ("c1", "tm1")
    assert {k: s.extra[k] for k in ("course_name", "course_number", "course_description")} == {
        "course_name": "Math", "course_number": "M1", "course_description": "Algebra"}
    assert s.extra["term"] == sec["term"]


def test_trailing_comma_is_a_problem_and_the_file_still_loads() -> None:
    """districtadmins_nolinks.json (Clever's own fixture) has a trailing comma: a syntax
    problem at its line, and the file is read without it (it was not loaded at all); its
    admin is the one districtadmins.json holds, so it is also a duplicate."""
    r = rostergraph.load(GO)
    bad = [p for p in r.problems if p.code == "syntax"]
    assert {p.code for p in r.problems} == {"syntax", "other", "duplicate_id"}  # other: K
    assert [(p.file, p.line) for p in bad] == [("districtadmins_nolinks.json", 11)]
    dup = [p for p in r.problems if p.code == "duplicate_id"]
    assert [(p.file, p.record_id) for p in dup] == [("districtadmins_nolinks.json",
                                                     "519edecb58b876b018000652")]
    assert r.users["519edecb58b876b018000652"].roles.district_admin is not None
    assert any("events.json" in n for n in r.provenance.notes)  # not roster data: skipped


def test_a_file_that_is_no_json_even_repaired_is_a_syntax_problem(tmp_path: Path) -> None:
    """A legacy file that is not JSON (once commas and bytes are mended) is one syntax
    problem with its line; the other files load."""
    (tmp_path / "students.json").write_text('{"data": [{"data": {"id": "s1"}}]}')
    # (broken before its end: a list cut short keeps its whole records, see below)
    (tmp_path / "teachers.json").write_text('{"data": [{"data": {"id": "t1"}}\n oops]}')
    r = read_legacy_clever(tmp_path)
    assert list(r.users) == ["s1"]
    assert [(p.code, p.file) for p in r.problems] == [("syntax", "teachers.json")]


def test_ruby_recorded_pages_load_every_section() -> None:
    """Four pages of recorded sections give as many sections as the API's count said."""
    r = rostergraph.load(RUBY)
    count = json.loads((RUBY / "sections_count.json").read_text())["count"]
    assert len(r.sections) == count
    assert r.problems == []
    schools = {rec["id"] for rec in _records(RUBY / "schools_list.json")}
    assert set(r.schools) == schools
    assert {s.school for s in r.sections.values()} <= schools
    admins = _records(RUBY / "district_admins_list.json")
    assert all(r.users[a["id"]].roles.district_admin is not None for a in admins)
    g = rostergraph.RosterGraph.from_roster(r)
    assert g.relation_counts()["enrolled_in"] == sum(
        len(s.students or ()) for s in r.sections.values())


def test_same_id_in_two_lists_is_one_user_with_a_problem(tmp_path: Path) -> None:
    """A legacy id in students and teachers is read as one user holding both roles."""
    (tmp_path / "students.json").write_text(json.dumps(
        {"data": [{"data": {"id": "x1", "name": {"first": "A"}, "grade": "K"}}]}))
    (tmp_path / "teachers.json").write_text(json.dumps(
        {"data": [{"data": {"id": "x1", "school": "s1"}}], "paging": {"current": 1}}))
    (tmp_path / "contacts.json").write_text(json.dumps({"data": [{"data": {
        "id": "c1", "name": "Full Name", "students": ["x1"], "relationship": "Parent",
        "type": "Parent/Guardian"}}]}))
    r = read_legacy_clever(tmp_path)
    u = r.users["x1"]
    assert u.roles.student.grade == "Kindergarten" and u.roles.teacher.school == "s1"
    assert any(p.record_id == "x1" and "both roles" in p.message for p in r.problems)
    rel = r.users["c1"].roles.contact.student_relationships
    assert [(x.student, x.relationship, x.type) for x in rel] == [
        ("x1", "Parent", "Parent/Guardian")]


def test_folder_without_legacy_files_is_refused(tmp_path: Path) -> None:
    """A folder with no legacy list file raises SourceError."""
    (tmp_path / "events.json").write_text("{}")
    with pytest.raises(rostergraph.SourceError):
        read_legacy_clever(tmp_path)


_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5),
              st.sampled_from(["K", "x1", "s1"])),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "data", "name", "term", "course_name", "course_number",
                         "students", "student", "grade", "school", "teachers", "paging",
                         "district", "relationship", "start_date"]), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=st.dictionaries(st.sampled_from(["students.json", "teachers.json", "contacts.json",
                                             "sections_page1.json", "schools.json",
                                             "district_admins.json"]),
                            _JSON, min_size=1, max_size=4))
def test_any_legacy_json_reads_without_crashing(tmp_path: Path, docs: dict) -> None:
    """Arbitrary JSON in legacy file names gives a Roster with problems, never a crash."""
    import uuid

    d = tmp_path / uuid.uuid4().hex
    d.mkdir()
    for name, doc in docs.items():
        (d / name).write_text(json.dumps(doc))
    r = read_legacy_clever(d)
    rostergraph.RosterGraph.from_roster(r)


def test_latin1_byte_in_a_legacy_file_keeps_its_records(tmp_path: Path) -> None:
    """Clever's students.json with a name re-encoded in Latin-1 by a SIS ("Doé"): every
    student loads, the byte replaced by U+FFFD, with one encoding problem at its line (the
    whole file was a syntax problem)."""
    import shutil

    shutil.copytree(GO, tmp_path / "go")
    path = tmp_path / "go" / "students.json"
    text = path.read_bytes()
    at = text.index(b'"last": "Do') + len(b'"last": "Do')
    path.write_bytes(text[:at] + b"\xe9" + text[at:])
    clean, dirty = read_legacy_clever(GO), read_legacy_clever(tmp_path / "go")
    students = {u for u, rec in clean.users.items() if rec.roles.student is not None}
    assert students and students <= set(dirty.users)
    assert any("\ufffd" in (dirty.users[u].name.last or "") for u in students)
    enc = [p for p in dirty.problems if p.code == "encoding"]
    assert [(p.file, p.line) for p in enc] == [("students.json", text[:at].count(b"\n") + 1)]


def test_v3_users_saved_per_role_keep_their_roles(tmp_path: Path) -> None:
    """v3 users fetched per role (``/v3.0/users?role=student`` saved as students.json, and
    so on) keep their ``roles`` as Clever sent them: they were read as v1/v2 records, the
    whole ``roles`` object nested under the file's role (no school, no staff role, no
    problem). A teacher who is also staff, listed in both files, is one user."""
    def page(kind: str, *recs: dict) -> str:
        return json.dumps({"data": [{"data": r, "uri": f"/v3.0/{kind}/{r['id']}"}
                                    for r in recs], "links": []})

    both = {"id": "t1", "district": "d1", "roles": {"teacher": {"school": "s1",
                                                               "schools": ["s1"]},
                                                   "staff": {"schools": ["s1", "s2"]}}}
    (tmp_path / "students.json").write_text(page("users", {
        "id": "u1", "district": "d1", "roles": {"student": {"school": "s1",
                                                            "schools": ["s1"], "grade": "3"}}}))
    (tmp_path / "teachers.json").write_text(page("users", both))
    (tmp_path / "staff.json").write_text(page("users", both))
    (tmp_path / "sections.json").write_text(page("sections", {
        "id": "se1", "school": "s1", "teacher": "t1", "teachers": ["t1"], "students": ["u1"]}))
    r = rostergraph.load(tmp_path)
    assert r.users["u1"].roles.student.school == "s1"
    assert r.users["u1"].roles.student.grade == "3"
    assert r.users["t1"].roles.names == ("teacher", "staff")
    assert r.users["t1"].roles.staff.schools == ("s1", "s2")
    assert r.problems == [] and len(r.users) == 2
    g = rostergraph.RosterGraph.from_roster(r)
    assert set(g.neighbors("se1", "teaches", reverse=True)) == {"t1"}


def test_a_key_given_twice_in_a_legacy_list_is_a_problem(tmp_path: Path) -> None:
    """A key given twice in one object of a legacy list is a problem naming the file and
    the key's path, its raw text the value replaced (the last value is kept)."""
    (tmp_path / "teachers.json").write_text(
        '{"data": [{"data": {"id": "t1", "email": "a@x.org", "email": "b@x.org"}}], '
        '"paging": {"current": 1}}')
    r = rostergraph.load(tmp_path)
    assert r.provenance.format == "clever-legacy" and r.users["t1"].email == "b@x.org"
    assert [(p.file, p.field, p.raw) for p in r.problems] == [
        ("teachers.json", "data.0.data.email", '"a@x.org"')]


def test_a_key_given_twice_in_a_mended_legacy_list_is_a_problem(tmp_path: Path) -> None:
    """The same list with a trailing comma (mended, a syntax problem) still tells the key
    given twice."""
    (tmp_path / "teachers.json").write_text(
        '{"data": [{"data": {"id": "t1", "email": "a@x.org", "email": "b@x.org"}},], '
        '"paging": {"current": 1}}')
    r = rostergraph.load(tmp_path)
    assert r.provenance.format == "clever-legacy" and r.users["t1"].email == "b@x.org"
    assert [(p.code, p.file, p.field, p.raw) for p in r.problems if p.field] == [
        ("other", "teachers.json", "data.0.data.email", '"a@x.org"')]
    assert [p.code for p in r.problems if not p.field] == ["syntax"]


def test_a_utf16_legacy_list_reads_as_its_utf8_twin(tmp_path: Path) -> None:
    """Clever's v1.1 ``students.json`` saved by Windows PowerShell (UTF-16 with its byte
    order mark) gives the records of the UTF-8 file, with one ``other`` problem on line 1
    (the file was a ``syntax`` problem and none of its students loaded)."""
    (tmp_path / "utf8").mkdir()
    (tmp_path / "utf16").mkdir()
    text = (GO / "students.json").read_text(encoding="utf-8")
    (tmp_path / "utf8" / "students.json").write_text(text, encoding="utf-8")
    (tmp_path / "utf16" / "students.json").write_bytes(
        ("\ufeff" + text).replace("\n", "\r\n").encode("utf-16-le"))
    want = read_legacy_clever(tmp_path / "utf8")
    got = rostergraph.load(tmp_path / "utf16")
    assert got.provenance.format == "clever-legacy"
    assert len(want.users) > 0 and dict(got.users) == dict(want.users)
    [p] = [p for p in got.problems if p not in want.problems]
    assert (p.code, p.file, p.line) == ("other", "students.json", 1) and "UTF-16" in p.message


def test_a_utf16_legacy_folder_is_detected_by_its_shape(tmp_path: Path) -> None:
    """A legacy ``sections.json`` page (a ``paging`` object) saved as UTF-16 is detected as
    legacy, as its UTF-8 twin is."""
    text = (RUBY / "sections_page1.json").read_text(encoding="utf-8")
    (tmp_path / "sections.json").write_bytes(("\ufeff" + text).encode("utf-16-le"))
    assert detect_format(tmp_path) == "clever-legacy"
    assert len(rostergraph.load(tmp_path).sections) == len(_records(RUBY / "sections_page1.json"))


def test_a_legacy_list_cut_short_keeps_its_whole_records(tmp_path: Path) -> None:
    """Clever's v1.1 ``sections_page1.json`` cut short: the whole sections before the cut
    load, with a ``syntax`` problem at the cut section's line (the file was not loaded)."""
    text = (RUBY / "sections_page1.json").read_bytes()
    want = _records(RUBY / "sections_page1.json")
    (tmp_path / "sections.json").write_bytes(text[: text.index(want[60]["id"].encode()) + 5])
    r = rostergraph.load(tmp_path)
    assert sorted(r.sections) == sorted(s["id"] for s in want[:60])
    [p] = [p for p in r.problems if p.code == "syntax"]
    assert p.file == "sections.json" and "cut short" in p.message and p.line


@pytest.mark.parametrize(("pages", "cut"), [((1, 2, 3, 4), None), ((1,), 1), ((1, 2, 4), 2),
                                            ((2, 3, 4), None)])
def test_a_legacy_list_saved_in_part_is_a_missing_file(
        tmp_path: Path, pages: tuple[int, ...], cut: int | None) -> None:
    """Clever's recorded pages of v1.1 sections, some left out: a page whose ``next`` link
    names no page of the folder is a ``missing_file`` problem naming the file and the link
    (the first page alone loaded 100 of 379 sections without a word). A list whose first
    page is missing is not found so: nothing links to it."""
    import shutil

    for n in pages:
        shutil.copy(RUBY / f"sections_page{n}.json", tmp_path / f"sections_page{n}.json")
    r = read_legacy_clever(tmp_path)
    told = [p for p in r.problems if p.code == "missing_file"]
    if cut is None:
        assert told == []
        return
    assert [p.file for p in told] == [f"sections_page{cut}.json"]
    link = json.loads((RUBY / f"sections_page{cut}.json").read_text())["links"][-1]["uri"]
    assert link in told[0].message
    assert len(r.sections) == sum(len(_records(RUBY / f"sections_page{n}.json"))
                                  for n in pages)


def test_a_legacy_list_in_one_file_linking_to_a_next_page_is_a_missing_file(
        tmp_path: Path) -> None:
    """One response saved (no ``self`` link kept) whose ``next`` link goes on: told."""
    doc = json.loads((RUBY / "sections_page1.json").read_text())
    doc["links"] = [link for link in doc["links"] if link["rel"] != "self"]
    (tmp_path / "sections.json").write_text(json.dumps(doc))
    told = [p for p in read_legacy_clever(tmp_path).problems if p.code == "missing_file"]
    assert [p.file for p in told] == ["sections.json"]


def test_an_html_page_saved_as_a_legacy_list_is_one_problem(tmp_path: Path) -> None:
    """A login page saved as ``students.json`` in a legacy folder: one ``envelope`` problem
    naming the file, as the v3 reader gives, its title alone as raw (it was a ``syntax``
    problem whose raw held the page's first 80 characters); the other lists load."""
    import shutil

    from tests.test_clever_json import LOGIN_PAGE

    folder = tmp_path / "go"
    shutil.copytree(GO, folder)
    (folder / "students.json").write_bytes(LOGIN_PAGE)
    want = read_legacy_clever(GO)
    r = rostergraph.load(folder)
    assert r.provenance.format == "clever-legacy"
    told = [p for p in r.problems if p.file == "students.json"]
    assert [(p.code, p.raw) for p in told] == [
        ("envelope", "<title>Sign in | Clever</title>")]
    assert "students.json looks like an HTML page" in told[0].message
    assert len(r.sections) == len(want.sections) and r.users


def test_an_api_error_response_saved_as_a_legacy_list_is_a_problem(tmp_path: Path) -> None:
    """An API error body saved as ``teachers.json``: the ``envelope`` problem the v3 reader
    gives (naming its keys, the text in raw), not only a provenance note."""
    (tmp_path / "students.json").write_text('{"data": [], "paging": {"count": 0}}')
    (tmp_path / "teachers.json").write_text('{"error": "invalid_token"}')
    r = read_legacy_clever(tmp_path)
    told = [p for p in r.problems if p.file == "teachers.json"]
    assert [p.code for p in told] == ["envelope"]
    assert "an API error response (keys: error;" in told[0].message
    assert told[0].raw and "invalid_token" in told[0].raw


def test_a_course_described_otherwise_by_its_sections_is_told_once(tmp_path: Path) -> None:
    """Three sections name course ``Math``/``M1``; the second and third describe it
    otherwise than the first: the course keeps the first description, one problem (on the
    second section) tells it, naming the course and the section first read, and each
    section with another description keeps its own in its ``extra``. The first was kept
    silently and the others lost."""
    def section(sid: str, desc: str | None) -> dict:
        d = {"id": sid, "school": "s1", "course_name": "Math", "course_number": "M1"}
        return {"data": d | ({"course_description": desc} if desc is not None else {})}

    (tmp_path / "students.json").write_text('{"data": []}')
    (tmp_path / "sections.json").write_text(json.dumps({"data": [
        section("a", "Algebra I"), section("b", None), section("c", "Algebra 1 (honors)"),
        section("d", "Algebra I"), section("e", "Geometry")]}))
    r = read_legacy_clever(tmp_path)
    (cid, course), = r.courses.items()
    assert course.extra["course_description"] == "Algebra I"
    told = [p for p in r.problems if p.field == "course_description"]
    assert [(p.code, p.kind, p.record_id, p.index) for p in told] == [
        ("other", "sections", "c", 2)]
    assert cid in told[0].message and "'a'" in told[0].message
    assert told[0].raw == "Algebra 1 (honors)"
    assert [r.sections[s].extra.get("course_description") for s in "abcde"] == [
        None, None, "Algebra 1 (honors)", None, "Geometry"]


def test_problems_of_legacy_lists_keep_no_credential(tmp_path: Path) -> None:
    """Legacy lists' problems held credentials in ``raw``: a record without an id (its
    text), a key given twice (the value it replaced), a list that is no JSON (the text
    around the fault). The credential-named keys are left out of a record's text, a
    replaced credential is not kept, and a credential's value is masked in text that does
    not parse, the rest of each kept; ``strict=True`` raises no credential either."""
    (tmp_path / "students.json").write_text(
        '{"data": [{"data": {"id": "", "password": "FAKECRED-1", "grade": "3"}}]}')
    (tmp_path / "teachers.json").write_text(
        '[{"id": "t1", "api_token": "FAKECRED-2", "api_token": "FAKECRED-3"}]')
    (tmp_path / "sections.json").write_text(
        '[{"id": "x1", "sis_password": "FAKECRED-4" "school": "s1"}]')
    r = read_legacy_clever(tmp_path)
    assert "FAKECRED" not in repr(r.problems)
    by = {p.file: p for p in r.problems if p.code != "other" or p.field}
    assert by["students.json"].code == "no_id"
    assert json.loads(by["students.json"].raw or "") == {"id": "", "grade": "3"}
    assert by["teachers.json"].raw is None and "not kept" in by["teachers.json"].message
    assert by["sections.json"].code == "syntax"
    assert by["sections.json"].raw == '[{"id": "x1", "sis_password": "(not kept)" "school": "s1"}]'
    with pytest.raises(rostergraph.errors.FormatError) as info:
        read_legacy_clever(tmp_path, strict=True)
    assert "FAKECRED" not in f"{info.value!s} {info.value!r}"
