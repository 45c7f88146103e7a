"""The embedded sample district holds every documented quirk, each at a known id.

The ids below are the ones listed in ``rostergraph/data/sample/README.md``;
other tests (queries, rules, reports) may rely on them, so a change here
means a change to the README too.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import rostergraph

SAMPLE = Path(rostergraph.__file__).parent / "data" / "sample"

# --- key ids -------------------------------------------------------------
DISTRICT = "5f7ad1570000000000000001"
SCHOOL_ELEM = "5f7a5c000000000000000001"
SCHOOL_MIDDLE = "5f7a5c000000000000000002"
SCHOOL_HIGH = "5f7a5c000000000000000003"
SCHOOL_ALT = "5f7a5c000000000000000004"

SEC_MATH45 = "5f7a5ec00000000000000003"  # co-taught (2 teachers)
SEC_ART_MISSING_COURSE = "5f7a5ec00000000000000005"  # grade "3" and a missing course
SEC_SCIENCE7_A = "5f7a5ec00000000000000007"
SEC_SCIENCE7_B = "5f7a5ec00000000000000008"
SEC_TEN_TEACHERS = "5f7a5ec00000000000000010"
SEC_ALGEBRA_I = "5f7a5ec00000000000000012"  # taught by a middle-school teacher
SEC_BIOLOGY = "5f7a5ec00000000000000014"  # room B12, cross-school student, student+teacher
SEC_WORLD_HISTORY = "5f7a5ec00000000000000015"  # co-taught by the district admin
SEC_PE_DANGLING = "5f7a5ec00000000000000016"  # course with no name, dangling student
SEC_CONTROL_CHARS = "5f7a5ec00000000000000017"
SEC_ELEVEN_TEACHERS = "5f7a5ec00000000000000018"
SEC_TEACHER_MISMATCH = "5f7a5ec00000000000000019"
SEC_NO_STUDENTS = "5f7a5ec00000000000000020"
SEC_NO_TEACHER = "5f7a5ec00000000000000021"
SEC_FORMULA = "5f7a5ec00000000000000022"

TERM_YEAR = "5f7a7e000000000000000001"
TERM_END_ONLY = "5f7a7e000000000000000004"
TERM_EMPTY = "5f7a7e000000000000000005"
TERM_BACKWARDS = "5f7a7e000000000000000006"
TERM_BAD_DATE = "5f7a7e000000000000000007"

COURSE_ALGEBRA_I = "5f7ac0c00000000000000007"
COURSE_ALGEBRA_1 = "5f7ac0c00000000000000008"
COURSE_NO_NAME = "5f7ac0c00000000000000011"
MISSING_COURSE = "5f7ac0c00000000000000099"

STU_ORPHAN = "5f7a57d00000000000000014"
STU_CROSS_IN_SCHOOLS = "5f7a57d00000000000000026"  # middle-schooler in Algebra I (high)
STU_CROSS_NOT_IN_SCHOOLS = "5f7a57d00000000000000055"  # alt-school student in Biology (high)
STU_SHARED_EMAIL = "5f7a57d00000000000000020"
STU_SCRIPT = "5f7a57d00000000000000035"
STU_LONG_NAME = "5f7a57d00000000000000051"
STU_ARABIC = "5f7a57d00000000000000028"  # first name محمد, ext with an emoji nickname
STU_HIGH_EXT = "5f7a57d00000000000000031"  # roles.student.ext
STU_AND_TEACHER = "5f7a57d00000000000000053"
DANGLING_SECTION_STUDENT = "5f7a57d00000000000000998"
DANGLING_CONTACT_STUDENT = "5f7a57d00000000000000999"

TEA_CROSS_SCHOOL = "5f7a7ea00000000000000004"  # Watanabe: middle school, teaches Algebra I
TEA_SOUZA_CONTACT = "5f7a7ea00000000000000003"  # teacher + contact
TEA_KOVALENKO_STAFF = "5f7a7ea00000000000000007"  # teacher + staff (merged employee)
TEA_NO_AT = "5f7a7ea00000000000000009"  # email without @
TEA_NGUYEN = "5f7a7ea00000000000000010"  # shares an email with STAFF_NGUYEN
TEA_NO_SECTION = "5f7a7ea00000000000000013"
TEA_NGATA = "5f7a7ea00000000000000014"  # teaches at the high school, not in her schools

ADMIN = "5f7aad000000000000000001"
ADMIN_TEACHER = "5f7aad000000000000000002"

STAFF_NGUYEN = "5f7a57af0000000000000001"
STAFF_NO_SCHOOLS = "5f7a57af0000000000000002"
STAFF_SINGULAR_SCHOOL = "5f7a57af0000000000000003"

CON_SHARED_EMAIL = "5f7ac0470000000000000001"
CON_OFF_ENUM = "5f7ac0470000000000000011"
CON_DANGLING = "5f7ac0470000000000000026"
CON_NO_RELATIONSHIPS = "5f7ac0470000000000000027"

KINDS = ("districts", "schools", "terms", "courses", "sections", "users")
RELATIONSHIPS = {"Parent", "Grandparent", "Self", "Aunt/Uncle", "Sibling", "Other", ""}
REL_TYPES = {"Parent/Guardian", "Emergency", "Primary", "Secondary", "Family", "Other", ""}
GRADES = {"InfantToddler", "Preschool", "PreKindergarten", "TransitionalKindergarten",
          "Kindergarten", "PostGraduate", "Ungraded", "Other", ""} | {
              str(n) for n in range(1, 14)}


@pytest.fixture(scope="module")
def roster() -> rostergraph.Roster:
    return rostergraph.load(SAMPLE)


def _students_in_sections(roster: rostergraph.Roster) -> set[str]:
    return {s for sec in roster.sections.values() for s in (sec.students or ())}


def _teachers_in_sections(roster: rostergraph.Roster) -> set[str]:
    return {t for sec in roster.sections.values() for t in (sec.teachers or ())}


def _users_with(roster: rostergraph.Roster, role: str) -> list[rostergraph.User]:
    return [u for u in roster.users.values() if getattr(u.roles, role) is not None]


# --- shape -----------------------------------------------------------------


def test_loads_without_problems(roster: rostergraph.Roster) -> None:
    """The sample loads cleanly: its quirks are data quirks, not JSON problems."""
    assert roster.problems == []
    assert roster.provenance.format == "clever-json"


def test_sample_function_matches_folder() -> None:
    """rostergraph.sample() loads this same folder."""
    assert rostergraph.sample_path() == SAMPLE
    assert rostergraph.sample().counts() == rostergraph.load(SAMPLE).counts()


def test_counts(roster: rostergraph.Roster) -> None:
    """Record counts per kind and per role are the ones the README states."""
    assert roster.counts() == {"districts": 1, "schools": 4, "terms": 7, "courses": 15,
                               "sections": 25, "users": 107}
    assert roster.role_counts() == {"student": 60, "teacher": 16, "staff": 5,
                                    "district_admin": 2, "contact": 28}


def test_files_are_v3_list_envelopes() -> None:
    """Each file is a pretty-printed Clever v3.0 list envelope with real non-ASCII characters."""
    for kind in KINDS:
        text = (SAMPLE / f"{kind}.json").read_text(encoding="utf-8")
        doc = json.loads(text)
        assert set(doc) == {"data", "links"}
        assert doc["links"] == [{"rel": "self", "uri": f"/v3.0/{kind}"}]
        for item in doc["data"]:
            assert set(item) == {"data", "uri"}
            assert item["uri"] == f"/v3.0/{kind}/{item['data']['id']}"
        assert text.startswith('{\n  "data": [')
        assert "\\u00" not in text.replace("\\u0007", "")  # only the BEL is escaped


def test_ids_are_objectid_like(roster: rostergraph.Roster) -> None:
    """Every id is 24 lowercase hex digits, including the dangling references."""
    ids = [rec.id for rec in roster] + [DANGLING_SECTION_STUDENT, DANGLING_CONTACT_STUDENT,
                                        MISSING_COURSE]
    for i in ids:
        assert len(i) == 24 and all(c in "0123456789abcdef" for c in i), i


def test_formats_and_enums(roster: rostergraph.Roster) -> None:
    """Timestamps, dob format, grade strings and the district reference are Clever-shaped."""
    import re

    ts = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
    for rec in roster:
        for field in ("created", "last_modified"):
            v = getattr(rec, field, None)
            assert v is None or ts.match(v), (rec.id, field, v)
        if rec.kind != "district":
            assert rec.district == DISTRICT
    for sec in roster.sections.values():
        assert sec.grade is None or sec.grade in GRADES
    for u in _users_with(roster, "student"):
        st = u.roles.student
        assert re.match(r"^\d{1,2}/\d{1,2}/\d{4}$", st.dob)
        assert st.gender in {"M", "F", "X"}
        assert st.grade in GRADES


# --- quirk 1: co-teachers ------------------------------------------------------


def test_co_teachers(roster: rostergraph.Roster) -> None:
    """Several sections are co-taught; one has 10 teachers and one has 11 (over the cap)."""
    sizes = {sid: len(sec.teachers or ()) for sid, sec in roster.sections.items()}
    assert sum(1 for n in sizes.values() if n >= 2) >= 5
    assert sizes[SEC_MATH45] == 2
    assert sizes[SEC_TEN_TEACHERS] == 10
    assert sizes[SEC_ELEVEN_TEACHERS] == 11
    assert [sid for sid, n in sizes.items() if n > 10] == [SEC_ELEVEN_TEACHERS]
    for sid in (SEC_TEN_TEACHERS, SEC_ELEVEN_TEACHERS):
        sec = roster.sections[sid]
        assert len(set(sec.teachers)) == len(sec.teachers)
        assert sec.teacher == sec.teachers[0]
        assert all(t in roster.users for t in sec.teachers)


# --- quirk 2: cross-school ------------------------------------------------------


def test_cross_school_students(roster: rostergraph.Roster) -> None:
    """A student crosses into a school in their `schools`; another into one not listed."""
    alg = roster.sections[SEC_ALGEBRA_I]
    bio = roster.sections[SEC_BIOLOGY]
    inside = roster.users[STU_CROSS_IN_SCHOOLS].roles.student
    outside = roster.users[STU_CROSS_NOT_IN_SCHOOLS].roles.student
    assert STU_CROSS_IN_SCHOOLS in alg.students and alg.school == SCHOOL_HIGH
    assert inside.school == SCHOOL_MIDDLE and SCHOOL_HIGH in inside.schools
    assert STU_CROSS_NOT_IN_SCHOOLS in bio.students and bio.school == SCHOOL_HIGH
    assert outside.school == SCHOOL_ALT and SCHOOL_HIGH not in outside.schools
    pairs = [(u.id, sec.id) for sec in roster.sections.values()
             for u in (roster.users.get(s) for s in sec.students or ())
             if u is not None and sec.school != u.roles.student.school]
    assert len(pairs) == 5
    conflicts = [(uid, sid) for uid, sid in pairs
                 if roster.sections[sid].school not in roster.users[uid].roles.student.schools]
    assert conflicts == [(STU_CROSS_NOT_IN_SCHOOLS, SEC_BIOLOGY)]


def test_cross_school_teacher(roster: rostergraph.Roster) -> None:
    """A middle-school teacher teaches a high-school section; another teaches outside her schools."""
    t = roster.users[TEA_CROSS_SCHOOL].roles.teacher
    assert t.school == SCHOOL_MIDDLE and SCHOOL_HIGH in t.schools
    assert roster.sections[SEC_ALGEBRA_I].teacher == TEA_CROSS_SCHOOL
    ngata = roster.users[TEA_NGATA].roles.teacher
    assert ngata.schools == (SCHOOL_ALT,)
    assert TEA_NGATA in roster.sections[SEC_ELEVEN_TEACHERS].teachers
    outside = {t for sec in roster.sections.values() for t in sec.teachers or ()
               if sec.school not in roster.users[t].roles.teacher.schools}
    assert outside == {TEA_NGATA}


# --- quirk 3: orphans -------------------------------------------------------------


def test_orphans(roster: rostergraph.Roster) -> None:
    """Exactly one student and one teacher are in no section."""
    enrolled = _students_in_sections(roster)
    teaching = _teachers_in_sections(roster)
    no_section = [u.id for u in _users_with(roster, "student") if u.id not in enrolled]
    no_teaching = [u.id for u in _users_with(roster, "teacher") if u.id not in teaching]
    assert no_section == [STU_ORPHAN]
    assert no_teaching == [TEA_NO_SECTION]


def test_normal_students_have_three_to_six_sections(roster: rostergraph.Roster) -> None:
    """Every student except the orphan is in 3 to 6 sections."""
    per = Counter(s for sec in roster.sections.values() for s in sec.students or ())
    for u in _users_with(roster, "student"):
        if u.id != STU_ORPHAN:
            assert 3 <= per[u.id] <= 6, (u.id, per[u.id])


# --- quirk 4, 9, 19: contacts -------------------------------------------------------


def test_contact_with_dangling_student(roster: rostergraph.Roster) -> None:
    """One contact's only relationship points to a student id that is no user."""
    rels = roster.users[CON_DANGLING].roles.contact.student_relationships
    assert [r.student for r in rels] == [DANGLING_CONTACT_STUDENT]
    assert DANGLING_CONTACT_STUDENT not in roster.users


def test_contact_without_relationships(roster: rostergraph.Roster) -> None:
    """One contact has `student_relationships: []`."""
    assert roster.users[CON_NO_RELATIONSHIPS].roles.contact.student_relationships == ()


def test_contacts_name_only_in_last(roster: rostergraph.Roster) -> None:
    """Every contact-only user carries the full name in name.last and nothing else."""
    contacts = [u for u in _users_with(roster, "contact") if u.roles.names == ("contact",)]
    assert len(contacts) == 27
    for u in contacts:
        assert u.name.first is None and u.name.middle is None
        assert " " in u.name.last or not u.name.last.isascii()


def test_contact_relationship_off_enum(roster: rostergraph.Roster) -> None:
    """Exactly one contact relationship uses values outside Clever's enums."""
    off = [(u.id, r.relationship, r.type) for u in _users_with(roster, "contact")
           for r in u.roles.contact.student_relationships or ()
           if r.relationship not in RELATIONSHIPS or r.type not in REL_TYPES]
    assert off == [(CON_OFF_ENUM, "Step-parent", "Guardian")]


def test_normal_contacts_link_existing_students(roster: rostergraph.Roster) -> None:
    """Apart from the two quirky contacts, each contact links 1-2 existing students."""
    for u in _users_with(roster, "contact"):
        if u.id in (CON_DANGLING, CON_NO_RELATIONSHIPS):
            continue
        rels = u.roles.contact.student_relationships
        assert 1 <= len(rels) <= 2
        for r in rels:
            assert roster.users[r.student].roles.student is not None


# --- quirk 5: staff ---------------------------------------------------------------


def test_staff_without_schools(roster: rostergraph.Roster) -> None:
    """One staff member has `schools: []`."""
    assert roster.users[STAFF_NO_SCHOOLS].roles.staff.schools == ()
    assert [u.id for u in _users_with(roster, "staff") if not u.roles.staff.schools] == [
        STAFF_NO_SCHOOLS]


def test_staff_with_singular_school(roster: rostergraph.Roster) -> None:
    """One staff record wrongly carries a singular `school`, kept in the role's extra."""
    staff = roster.users[STAFF_SINGULAR_SCHOOL].roles.staff
    assert staff.extra["school"] == SCHOOL_ELEM
    assert staff.schools == (SCHOOL_ELEM,)
    assert [u.id for u in _users_with(roster, "staff") if "school" in u.roles.staff.extra] == [
        STAFF_SINGULAR_SCHOOL]


# --- quirk 6, 22: multi-role users ----------------------------------------------------


def test_legal_multi_role_users(roster: rostergraph.Roster) -> None:
    """A district admin who teaches, and a teacher who is also staff (merged employee)."""
    assert roster.users[ADMIN_TEACHER].roles.names == ("teacher", "district_admin")
    assert roster.users[TEA_KOVALENKO_STAFF].roles.names == ("teacher", "staff")
    assert ADMIN_TEACHER in roster.sections[SEC_WORLD_HISTORY].teachers
    assert roster.users[ADMIN].roles.names == ("district_admin",)


def test_illegal_multi_role_users(roster: rostergraph.Roster) -> None:
    """A student who is also a teacher, and a teacher who is also a contact."""
    multi = {u.id: u.roles.names for u in roster.users.values() if len(u.roles.names) > 1}
    assert multi == {
        STU_AND_TEACHER: ("student", "teacher"),
        TEA_SOUZA_CONTACT: ("teacher", "contact"),
        TEA_KOVALENKO_STAFF: ("teacher", "staff"),
        ADMIN_TEACHER: ("teacher", "district_admin"),
    }
    assert STU_AND_TEACHER in roster.sections[SEC_BIOLOGY].teachers
    assert STU_AND_TEACHER in roster.sections[SEC_WORLD_HISTORY].students


# --- quirk 7, 8: emails -------------------------------------------------------------


def test_email_without_at(roster: rostergraph.Roster) -> None:
    """Exactly one user, a teacher, has an email without '@'."""
    bad = [u.id for u in roster.users.values() if u.email is not None and "@" not in u.email]
    assert bad == [TEA_NO_AT]
    assert roster.users[TEA_NO_AT].roles.teacher is not None


def test_shared_emails(roster: rostergraph.Roster) -> None:
    """A student shares an email with a contact; a teacher shares one with a separate staff user."""
    by_email: dict[str, set[str]] = {}
    for u in roster.users.values():
        if u.email:
            by_email.setdefault(u.email, set()).add(u.id)
    shared = {e: ids for e, ids in by_email.items() if len(ids) > 1}
    assert sorted(map(sorted, shared.values())) == sorted([
        sorted([STU_SHARED_EMAIL, CON_SHARED_EMAIL]), sorted([TEA_NGUYEN, STAFF_NGUYEN])])
    assert roster.users[TEA_NGUYEN].roles.names == ("teacher",)
    assert roster.users[STAFF_NGUYEN].roles.names == ("staff",)


# --- quirk 10, 11: section names and grades ---------------------------------------------


def test_duplicate_section_names(roster: rostergraph.Roster) -> None:
    """Two sections at the middle school are both named 'Science 7'; no other duplicates."""
    a, b = roster.sections[SEC_SCIENCE7_A], roster.sections[SEC_SCIENCE7_B]
    assert a.name == b.name == "Science 7" and a.school == b.school == SCHOOL_MIDDLE
    names = Counter((s.school, s.name) for s in roster.sections.values())
    assert [k for k, n in names.items() if n > 1] == [(SCHOOL_MIDDLE, "Science 7")]


def test_section_grade_mismatch(roster: rostergraph.Roster) -> None:
    """Only the Art & Music section has a grade that most of its students do not have."""
    mismatched = []
    for sec in roster.sections.values():
        grades = [roster.users[s].roles.student.grade for s in sec.students or ()
                  if s in roster.users]
        if sec.grade is None or not grades:
            continue
        if sum(g == sec.grade for g in grades) * 2 <= len(grades):
            mismatched.append(sec.id)
    assert mismatched == [SEC_ART_MISSING_COURSE]
    assert roster.sections[SEC_ART_MISSING_COURSE].grade == "3"


# --- quirk 12: terms ----------------------------------------------------------------------


def test_term_quirks(roster: rostergraph.Roster) -> None:
    """End-only, empty, backwards and unparseable terms; the normal ones parse."""
    end_only = roster.terms[TERM_END_ONLY]
    assert end_only.name is None and end_only.start_date is None
    assert end_only.end_date_parsed is not None
    empty = roster.terms[TERM_EMPTY]
    assert (empty.name, empty.start_date, empty.end_date) == (None, None, None)
    back = roster.terms[TERM_BACKWARDS]
    assert back.end_date_parsed < back.start_date_parsed
    bad = roster.terms[TERM_BAD_DATE]
    assert bad.end_date == "TBD" and bad.end_date_parsed is None
    assert bad.start_date_parsed is not None
    for tid in roster.terms:
        if tid not in (TERM_END_ONLY, TERM_EMPTY, TERM_BACKWARDS, TERM_BAD_DATE):
            t = roster.terms[tid]
            assert t.name and t.start_date_parsed < t.end_date_parsed


# --- quirk 13, 14: courses and references -------------------------------------------------


def test_course_quirks(roster: rostergraph.Roster) -> None:
    """Two courses share one number, and one course has no name."""
    assert roster.courses[COURSE_ALGEBRA_I].number == roster.courses[COURSE_ALGEBRA_1].number
    numbers = Counter(c.number for c in roster.courses.values())
    assert [n for n, k in numbers.items() if k > 1] == ["HS-MA101"]
    assert [c.id for c in roster.courses.values() if c.name is None] == [COURSE_NO_NAME]


def test_dangling_references(roster: rostergraph.Roster) -> None:
    """One section's course and one section's student id have no record; all else resolves."""
    assert roster.sections[SEC_ART_MISSING_COURSE].course == MISSING_COURSE
    assert MISSING_COURSE not in roster.courses
    assert DANGLING_SECTION_STUDENT in roster.sections[SEC_PE_DANGLING].students
    assert DANGLING_SECTION_STUDENT not in roster.users
    missing = set()
    for sec in roster.sections.values():
        for ref, table in [(sec.school, roster.schools), (sec.course, roster.courses),
                           (sec.term_id, roster.terms)]:
            if ref not in table:
                missing.add(ref)
        missing |= {u for u in (*(sec.students or ()), *(sec.teachers or ()), sec.teacher)
                    if u is not None and u not in roster.users}
    assert missing == {MISSING_COURSE, DANGLING_SECTION_STUDENT}


# --- quirk 15, 16, 18, 20: strings ------------------------------------------------------


def test_long_name(roster: rostergraph.Roster) -> None:
    """One student's last name is exactly 300 characters; nothing else exceeds 255."""
    assert len(roster.users[STU_LONG_NAME].name.last) == 300
    long = [u.id for u in roster.users.values()
            if any(len(p or "") > 255 for p in (u.name.first, u.name.middle, u.name.last))]
    assert long == [STU_LONG_NAME]


def test_non_ascii_names(roster: rostergraph.Roster) -> None:
    """Names use many scripts: Latin with diacritics, Vietnamese, Chinese, Arabic, an emoji."""
    text = " ".join(p for u in roster.users.values()
                    for p in (u.name.first, u.name.middle, u.name.last) if p)
    for s in ("Zoë", "Nguyễn", "Søren", "Łukasz", "李", "محمد"):
        assert s in text, s
    assert roster.users[STU_ARABIC].name.first == "محمد"
    assert "🚀" in roster.users[STU_ARABIC].roles.student.ext["nickname"]


def test_control_characters(roster: rostergraph.Roster) -> None:
    """One section name holds a tab and a BEL character."""
    name = roster.sections[SEC_CONTROL_CHARS].name
    assert "\t" in name and "\u0007" in name
    with_ctrl = [s.id for s in roster.sections.values()
                 if any(ord(c) < 32 for c in s.name or "")]
    assert with_ctrl == [SEC_CONTROL_CHARS]


def test_output_safety_strings(roster: rostergraph.Roster) -> None:
    """A student's first name is a script tag; a section name starts with a spreadsheet formula."""
    assert roster.users[STU_SCRIPT].name.first == '<script>alert("x")</script>'
    assert roster.sections[SEC_FORMULA].name.startswith(
        '=HYPERLINK("http://example.invalid","x")')
    assert roster.sections[SEC_FORMULA].school == SCHOOL_ALT


# --- quirk 17: section shape ---------------------------------------------------------------


def test_section_shape_quirks(roster: rostergraph.Roster) -> None:
    """A section with no students, one with no teacher, and one whose teacher is not teachers[0]."""
    assert roster.sections[SEC_NO_STUDENTS].students == ()
    no_teacher = roster.sections[SEC_NO_TEACHER]
    assert no_teacher.teacher is None and no_teacher.teachers == ()
    mism = roster.sections[SEC_TEACHER_MISMATCH]
    assert mism.teacher != mism.teachers[0] and mism.teacher in mism.teachers
    assert [s.id for s in roster.sections.values() if not s.students] == [SEC_NO_STUDENTS]
    assert [s.id for s in roster.sections.values() if not s.teachers] == [SEC_NO_TEACHER]
    assert [s.id for s in roster.sections.values()
            if s.teachers and s.teacher != s.teachers[0]] == [SEC_TEACHER_MISMATCH]


# --- quirk 21: unknown keys and ext ---------------------------------------------------------


def test_unknown_keys_and_ext(roster: rostergraph.Roster) -> None:
    """Unknown keys land in extra (room); roles.student.email and ext objects are kept."""
    assert roster.sections[SEC_BIOLOGY].extra["room"] == "B12"
    assert roster.sections[SEC_BIOLOGY].ext["lab_fee"] == "Y"
    assert roster.schools[SCHOOL_HIGH].ext["accreditation"] == "NWAC"
    assert roster.users[STU_HIGH_EXT].roles.student.ext["locker"] == "214"
    students = _users_with(roster, "student")
    assert all(u.roles.student.email == u.email for u in students)


# --- sensitive fields ---------------------------------------------------------------------


def test_sensitive_fields_present(roster: rostergraph.Roster) -> None:
    """Some students carry iep_status, frl_status and home_language (for privacy tests)."""
    students = [u.roles.student for u in _users_with(roster, "student")]
    for field in ("iep_status", "frl_status", "home_language"):
        assert 3 <= sum(getattr(s, field) is not None for s in students) < len(students), field
