"""Clever SFTP CSV reader: Clever's constructions (terms, courses, co-teachers, contacts,
teacher+staff merge), CSV robustness, and bad rows as problems with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.io.clever_csv import course_id, read_clever_csv, term_id
from rostergraph.io.detect import detect_format
from rostergraph.io.limits import Limits
from tests.test_csv_equivalence import assert_same
from tests.test_oneroster_variants import write

SCHOOLS = "School_id,School_name,School_number,Principal,Principal_email,School_zip\n" \
          "sA,Alpha,001,P. Al,p@a.org,97000\nsB,Beta,002,,,\n"
STUDENTS = ("Student_id,School_id,First_name,Last_name,Grade,Student_email,Password,"
            "Contact_name,Contact_email,Contact_relationship,Contact_type,Contact_sis_id,"
            "Contact_2_name,Contact_2_relationship,Contact_2_type,Contact_2_sis_id\n"
            "st1,sA,Ann,Lee,3,same@x.org,pw1,Pat Lee,pat@x.org,Parent,Parent/Guardian,C1,"
            "Gran Lee,Grandparent,Emergency,\n"
            "st2,sA,Bo,Lee,5,,pw2,Pat Lee,pat@x.org,Parent,Parent/Guardian,C1,,,,\n"
            "st3,sB,Cy,Ro,K,,,,,,,,,,,\n")
TEACHERS = ("Teacher_id,School_id,First_name,Last_name,Teacher_email,Title\n"
            "t1,sA,Tia,One,same@x.org,Math\nt1,sB,Tia,One,same@x.org,Math\n"
            "t2,sA,Tom,Two,t2@x.org,Art\n")
STAFF = ("Staff_id,School_id,Staff_email,First_name,Last_name,Role\n"
         "S9,sA,same@x.org,Tia,One,Coach\nS9,sB,same@x.org,Tia,One,Coach\n"
         "S8,sB,s8@x.org,Sal,Eight,Nurse\n")
SECTIONS = ("Section_id,School_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name,Course_name,"
            "Course_number,Term_name,Term_start,Term_end\n"
            "se1,sA,t1,t2,,Math 3,Math,MA3,Fall,2024-08-19,2024-12-20\n"
            "se2,sA,t2,,,Art,Art,AR1,Fall,2024-08-19,2024-12-20\n"
            "se3,sB,t1,,,Math 3b,Math (B),MA3,,,\n"
            "se4,sB,,,,No teacher,,NUM-ONLY,,,2025-06-01\n")
ENROLLMENTS = ("School_id,Section_id,Student_id\nsA,se1,st1\nsA,se1,st2\nsA,se2,st1\n"
               "sA,nope,st1\nsA,se1,st1\nsB,se3,st3\n")


def _folder(tmp_path: Path, **override: str) -> Path:
    files = {"schools.csv": SCHOOLS, "students.csv": STUDENTS, "teachers.csv": TEACHERS,
             "staff.csv": STAFF, "sections.csv": SECTIONS, "enrollments.csv": ENROLLMENTS}
    files.update(override)
    d = tmp_path / "sftp"
    d.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8", newline="")
    return d


def test_detects_and_reads_every_file(tmp_path: Path) -> None:
    """Detection by file names and header; ids from the *_id columns, also as sis_id."""
    d = _folder(tmp_path)
    assert detect_format(d) == "clever-csv"
    r = rostergraph.load(d)
    assert r.provenance.format == "clever-csv"
    assert set(r.schools) == {"sA", "sB"} and r.schools["sA"].sis_id == "sA"
    assert r.schools["sA"].principal.email == "p@a.org"
    assert r.schools["sA"].location.zip == "97000"
    assert r.users["st1"].roles.student.sis_id == "st1"
    # a Password is a login credential: counted in a note, never kept
    assert not any("Password" in k for u in r.users.values() for k in u.extra)
    assert "students.csv: 2 passwords not kept (login credentials are never stored)" in \
        r.provenance.notes


def test_terms_and_courses_are_constructed_like_clever(tmp_path: Path) -> None:
    """Same term fields → one term; same course number → one course; ids are derived keys."""
    r = read_clever_csv(_folder(tmp_path))
    fall = term_id("Fall", "2024-08-19", "2024-12-20")
    assert r.sections["se1"].term_id == r.sections["se2"].term_id == fall
    assert r.terms[fall].name == "Fall" and r.terms[fall].start_date == "2024-08-19"
    assert r.sections["se3"].term_id is None  # none of the three term columns
    assert r.sections["se4"].term_id == term_id("", "", "2025-06-01")  # one is enough
    ma3 = course_id("Math", "MA3")
    assert r.sections["se1"].course == r.sections["se3"].course == ma3
    assert r.courses[ma3].name == "Math"  # the first name is kept ...
    assert any(p.record_id == ma3 and p.line == 4 for p in r.problems)  # ... and noted
    assert r.sections["se4"].course is None  # a number without a name builds nothing
    assert any(p.field == "Course_name" and p.line == 5 for p in r.problems)
    again = read_clever_csv(_folder(tmp_path))
    assert sorted(again.terms) == sorted(r.terms) and sorted(again.courses) == sorted(r.courses)


def test_co_teachers_and_multi_school_teachers(tmp_path: Path) -> None:
    """Teacher_id is the primary; Teacher_k_id co-teachers follow; repeated rows add schools."""
    r = read_clever_csv(_folder(tmp_path))
    se1 = r.sections["se1"]
    assert se1.teacher == "t1" and se1.teachers == ("t1", "t2")
    assert r.sections["se4"].teacher is None and r.sections["se4"].teachers == ()
    t1 = r.users["t1"].roles.teacher
    assert t1.school == "sA" and t1.schools == ("sA", "sB")


def test_staff_merges_into_the_teacher_with_the_same_email(tmp_path: Path) -> None:
    """A staff row with a teacher's email is the same user, holding both roles."""
    r = read_clever_csv(_folder(tmp_path))
    t1 = r.users["t1"]
    assert t1.roles.staff is not None and t1.roles.staff.staff_id == "S9"
    assert t1.roles.staff.schools == ("sA", "sB") and t1.roles.staff.roles == ("Coach",)
    assert "S9" not in r.users
    assert r.users["S8"].roles.staff.schools == ("sB",)


def test_a_merged_staff_row_with_other_values_is_told_as_merged_not_again(
        tmp_path: Path) -> None:
    """A staff row merged into a teacher by email whose names differ is told as that
    merge, naming both ids: it was "Staff_id 'S9' again", an id read for the first time."""
    (tmp_path / "teachers.csv").write_text(
        "School_id,Teacher_id,Teacher_email,First_name\nsA,t1,same@x.org,Ann\n",
        encoding="utf-8")
    (tmp_path / "staff.csv").write_text(
        "School_id,Staff_id,Staff_email,First_name\nsA,S9,same@x.org,Bob\n", encoding="utf-8")
    (tmp_path / "schools.csv").write_text("School_id,School_name\nsA,A\n", encoding="utf-8")
    r = read_clever_csv(tmp_path)
    (told,) = [p for p in r.problems if p.file == "staff.csv"]
    assert told.record_id == "t1" and told.line == 2
    assert told.message.startswith("Staff_id 'S9' merged into user 't1' (first read at "
                                   "teachers.csv line 2) with other values in First_name")


def test_students_and_contacts_never_merge_by_email(tmp_path: Path) -> None:
    """A student sharing a teacher's email stays its own user."""
    r = read_clever_csv(_folder(tmp_path))
    assert r.users["st1"].email == r.users["t1"].email
    assert r.users["st1"].roles.teacher is None and r.users["t1"].roles.student is None


def test_contacts_from_contact_columns(tmp_path: Path) -> None:
    """Contact_* (and Contact_2_*) columns give contact users with deterministic ids."""
    r = read_clever_csv(_folder(tmp_path))
    pat = r.users["sftp-contact:C1"]  # same Contact_sis_id on two students: one contact
    assert pat.name.last == "Pat Lee" and pat.email == "pat@x.org"
    assert [(x.student, x.relationship, x.type) for x in pat.roles.contact.student_relationships
            ] == [("st1", "Parent", "Parent/Guardian"), ("st2", "Parent", "Parent/Guardian")]
    gran = r.users["sftp-contact:st1:2"]  # no sis_id: student id and group number
    assert gran.roles.contact.student_relationships[0].relationship == "Grandparent"
    assert not any(u.startswith("sftp-contact:st3") for u in r.users)  # empty groups: none
    g = rostergraph.RosterGraph.from_roster(r)
    assert set(g.neighbors("st1", "contact_for", reverse=True)) == {pat.id, gran.id}


def test_enrollments_and_their_bad_rows(tmp_path: Path) -> None:
    """Unknown sections and repeated rows are problems with their line; the rest loads."""
    r = read_clever_csv(_folder(tmp_path))
    assert r.sections["se1"].students == ("st1", "st2")
    bad = {(p.file, p.line) for p in r.problems if p.file == "enrollments.csv"}
    assert bad == {("enrollments.csv", 5), ("enrollments.csv", 6)}


def test_empty_and_missing_are_different(tmp_path: Path) -> None:
    """A column the file lacks is None; an empty cell in a present column is ""."""
    r = read_clever_csv(_folder(tmp_path))
    assert r.schools["sB"].principal.name == ""  # column present, cell empty
    assert r.schools["sB"].phone is None  # no School_phone column
    assert r.users["st2"].email == ""
    assert r.users["st1"].roles.student.gender is None


def test_column_order_is_free(tmp_path: Path) -> None:
    """Columns are matched by name: a reversed header reads the same records."""
    lines = [line.split(",") for line in TEACHERS.strip().split("\n")]
    reordered = "\n".join(",".join(reversed(x)) for x in lines) + "\n"
    a = read_clever_csv(_folder(tmp_path))
    b = read_clever_csv(_folder(tmp_path, **{"teachers.csv": reordered}))
    assert a.users["t1"] == b.users["t1"]


def test_csv_robustness_bom_crlf_quotes_long_fields_and_bad_bytes(tmp_path: Path) -> None:
    """BOM, CRLF, quoted commas/quotes/newlines, a 600 KB field, invalid UTF-8 on one line."""
    long = "x" * (600 * 1024)  # > the csv module's default 128 KiB field limit
    text = ("\ufeffSchool_id,School_name\r\n"  # (a UTF-8 é: the bad bytes are no Windows-1252)
            f"s1,\"Name, with comma é\"\r\ns2,\"say \"\"hi\"\"\"\r\ns3,\"two\r\nlines\"\r\n"
            f"s4,{long}\r\n")
    d = _folder(tmp_path)
    (d / "schools.csv").write_bytes(text.encode("utf-8") + b"s5,bad\xff\xfebytes\r\ns6,ok\r\n")
    r = read_clever_csv(d)
    assert r.schools["s1"].name == "Name, with comma é"
    assert r.schools["s2"].name == 'say "hi"'
    assert r.schools["s3"].name == "two\r\nlines"
    assert len(r.schools["s4"].name) == len(long)
    assert r.schools["s6"].name == "ok" and "\ufffd" in r.schools["s5"].name
    enc = [p for p in r.problems if p.code == "encoding"]
    assert len(enc) == 1 and enc[0].file == "schools.csv" and enc[0].line == 7


def test_field_over_the_limit_is_a_problem_and_the_rest_loads(tmp_path: Path) -> None:
    """A field longer than Limits.max_field_bytes makes its row a 'limit' problem."""
    d = _folder(tmp_path, **{"schools.csv": "School_id,School_name\ns1,ok\ns2," + "y" * 5000
                             + "\ns3,fine\n"})
    r = read_clever_csv(d, limits=Limits(max_field_bytes=1000))
    assert set(r.schools) == {"s1", "s3"}
    lim = [p for p in r.problems if p.code == "limit"]
    assert [(p.file, p.line) for p in lim] == [("schools.csv", 3)]


def test_rows_without_ids_and_with_wrong_cell_counts(tmp_path: Path) -> None:
    """A row without its id, or with more cells than the header, is a problem; others load."""
    d = _folder(tmp_path, **{"teachers.csv": "Teacher_id,School_id,First_name\n,sA,NoId\n"
                             "t1,sA,Tia,surplus\nt2,sA,Tom\n"})
    r = read_clever_csv(d)
    probs = {(p.file, p.line, p.code) for p in r.problems if p.file == "teachers.csv"}
    assert probs == {("teachers.csv", 2, "no_id"), ("teachers.csv", 3, "syntax")}
    assert r.users["t2"].roles.teacher is not None and "t1" not in r.users or (
        r.users["t1"].roles.teacher is None)


def test_deprecated_admins_csv_is_read_as_staff(tmp_path: Path) -> None:
    """admins.csv rows become staff (noted as deprecated)."""
    d = _folder(tmp_path, **{"admins.csv": "School_id,Staff_id,Admin_email,First_name,"
                             "Last_name,Admin_title\nsA,A1,a1@x.org,Ad,Min,Principal\n"})
    r = read_clever_csv(d)
    assert r.users["A1"].roles.staff.title == "Principal"
    assert any("deprecated" in n for n in r.provenance.notes)


def test_missing_folder_and_empty_folder(tmp_path: Path) -> None:
    """A missing path or a folder with no SFTP file raises SourceError."""
    with pytest.raises(rostergraph.SourceError):
        read_clever_csv(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(rostergraph.SourceError, match="schools.csv"):
        read_clever_csv(tmp_path / "empty")


def test_zip_of_sftp_files_is_detected_and_read(tmp_path: Path) -> None:
    """A zip of the SFTP files (at the root or in one folder) reads like the folder."""
    import zipfile

    d = _folder(tmp_path)
    z = tmp_path / "sftp.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in sorted(d.iterdir()):
            zf.write(p, "upload/" + p.name)
    assert detect_format(z) == "clever-csv"
    a, b = read_clever_csv(d), rostergraph.load(z)
    assert a.users == b.users and a.sections == b.sections


def test_a_zip_with_the_files_in_a_folder_beside_other_entries(tmp_path: Path) -> None:
    """``upload/schools.csv`` … beside a top-level ``README.txt`` (or a second folder): the
    zip has no single root folder, yet it is detected as SFTP and its files are read, each
    named in a provenance note, as the OneRoster reader finds its files. The load raised
    ``SourceError`` ("no Clever SFTP files found") for a zip detection took as SFTP."""
    import zipfile

    d = _folder(tmp_path)
    want = read_clever_csv(d)
    for other in ("README.txt", "2023/notes.txt"):
        z = tmp_path / "sftp.zip"
        with zipfile.ZipFile(z, "w") as zf:
            zf.writestr(other, "export of 2024-09-01")
            for p in sorted(d.iterdir()):
                zf.write(p, "upload/" + p.name)
        assert detect_format(z) == "clever-csv"
        got = rostergraph.load(z)
        for kind in ("schools", "terms", "courses", "sections", "users"):
            assert got.records(kind) == want.records(kind), kind
        assert got.problems == want.problems
        read_as = [n for n in got.provenance.notes if "read as" in n]
        assert len(read_as) == 6 and all(n.startswith("upload/") for n in read_as)


def test_file_without_its_id_column_is_one_problem(tmp_path: Path) -> None:
    """A header that lacks the id column (e.g. wrong case) is one problem naming it."""
    d = _folder(tmp_path, **{"teachers.csv": "teacher_id,School_id\nt1,sA\nt2,sA\n"})
    r = read_clever_csv(d)
    probs = [p for p in r.problems if p.file == "teachers.csv"]
    assert len(probs) == 1 and probs[0].line == 1
    assert "Teacher_id" in probs[0].message and "'teacher_id'" in probs[0].message
    assert r.users["st1"].roles.student is not None  # the other files still load


_CELLS = st.one_of(st.sampled_from(["", "sA", "st1", "t1", "se1", "S9", "Fall", "MA3", "x,y",
                                    '"q"', "a\nb", "\ufeff", "\x00"]),
                   st.text(max_size=6))


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.dictionaries(
    st.sampled_from(["schools.csv", "students.csv", "teachers.csv", "staff.csv",
                     "sections.csv", "enrollments.csv", "rostergraph_records.csv"]),
    st.tuples(st.lists(st.sampled_from(
        ["School_id", "Student_id", "Teacher_id", "Teacher_2_id", "Staff_id", "Section_id",
         "Staff_email", "Teacher_email", "Term_name", "Course_name", "Course_number",
         "Contact_name", "Contact_sis_id", "Contact_2_name", "Kind", "Id", "Clever_json",
         "Course_id", "Term_id", "Clever_user_id"]), min_size=1, max_size=6, unique=True),
        st.lists(st.lists(_CELLS, max_size=7), max_size=6)), max_size=5),
    junk=st.binary(max_size=40))
def test_any_table_reads_without_crashing(tmp_path: Path, files: dict, junk: bytes) -> None:
    """Arbitrary SFTP-shaped tables (and junk bytes) give a Roster with problems, never a crash."""
    import csv as _csv
    import io as _io
    import uuid

    d = tmp_path / uuid.uuid4().hex
    d.mkdir()
    for name, (header, rows) in files.items():
        buf = _io.StringIO()
        w = _csv.writer(buf)
        w.writerow(header)
        for row in rows:
            w.writerow(row)
        (d / name).write_bytes(buf.getvalue().encode("utf-8", "surrogatepass") + junk)
    if "schools.csv" not in files:
        (d / "schools.csv").write_bytes(b"School_id\n" + junk)
    r = read_clever_csv(d)
    rostergraph.RosterGraph.from_roster(r)


def test_folder_with_an_id_header_in_another_case_is_detected(tmp_path: Path) -> None:
    """A folder the SFTP reader reads (a header name in another case is one problem) is
    also detected as SFTP CSV, so ``load`` without ``format=`` reads it."""
    d = _folder(tmp_path, **{"sections.csv": SECTIONS.replace("Section_id", "section_id", 1)})
    direct = read_clever_csv(d)
    assert "se1" in direct.sections  # the reader takes the column ...
    assert detect_format(d) == "clever-csv"  # ... so detection must take the folder
    assert set(rostergraph.load(d).sections) == set(direct.sections)


def test_missing_enrollments_file_is_a_problem_naming_it(tmp_path: Path) -> None:
    """Without enrollments.csv no section has students: that is a partial export, and the
    load says so with a problem naming the file (as OneRoster's ``missing_file``), not
    only through the empty sections and orphaned students it causes."""
    d = _folder(tmp_path)
    (d / "enrollments.csv").unlink()
    r = read_clever_csv(d)
    assert set(r.sections) == {"se1", "se2", "se3", "se4"}  # the valid data still loads
    assert [p.code for p in r.problems if p.file == "enrollments.csv"] == ["missing_file"]


@pytest.mark.parametrize("saved_as", ["students.csv.csv", "students.txt", "students",
                                      "students.xlsx", "Students.CSV.txt"])
def test_an_sftp_file_saved_under_another_suffix_is_a_problem(tmp_path: Path,
                                                               saved_as: str) -> None:
    """``students.csv`` saved as ``students.csv.csv`` (Windows hides the suffix it adds), as
    ``students.txt`` or ``students.xlsx`` (a spreadsheet's other formats) or with no
    suffix: not read, and the upload has no students, which was a note at most (nothing at
    all for a name not ending in .csv). It is a problem naming the file; beside the real
    ``students.csv`` such a copy is only noted."""
    d = _folder(tmp_path)
    (d / "students.csv").rename(d / saved_as)
    r = read_clever_csv(d)
    assert not [u for u in r.users.values() if u.roles.student is not None]
    told = [p for p in r.problems if p.file == saved_as]
    assert [(p.code, p.kind) for p in told] == [("other", "users")]
    assert "students.csv" in told[0].message and "not read" in told[0].message
    with pytest.raises(rostergraph.FormatError, match="not read"):
        read_clever_csv(d, strict=True)
    (d / "students.csv").write_text(STUDENTS, encoding="utf-8")
    r = read_clever_csv(d)
    assert "st1" in r.users and not [p for p in r.problems if p.file == saved_as]


def test_a_dob_a_spreadsheet_wrote_as_its_day_number_is_named_so(tmp_path: Path) -> None:
    """``DOB`` ``42005``: a spreadsheet's day count (a date cell saved unformatted). The
    problem says what it likely is, still without the value (a birth date is the
    student's: it stays in ``raw``)."""
    from tests.test_csv_equivalence import assert_same

    d = _folder(tmp_path, **{"students.csv": "School_id,Student_id,First_name,DOB\n"
                                             "sA,st1,Ann,42005\nsA,st2,Bo,13/45/2015\n"})
    r = assert_same("sftp", d)
    told = {p.record_id: p for p in r.problems if p.field == "DOB"}
    assert "day count" in told["st1"].message and "42005" not in told["st1"].message
    assert told["st1"].raw == "42005" and "day count" not in told["st2"].message


def test_ids_written_as_spreadsheet_formulas_are_told(tmp_path: Path) -> None:
    """``="00100"``: how a spreadsheet export keeps an id's leading zeros. The id is read as
    given (= and quotes included, as Clever would take it), so it names only ids written
    the same way: ``enrollments.csv``'s plain ``00100`` named no one, without a word of
    why. One problem per file, at the first such id, names the column and the cause."""
    from tests.test_csv_equivalence import assert_same

    d = _folder(tmp_path, **{
        "students.csv": 'School_id,Student_id,First_name\nsA,="00100",Ann\nsA,="00101",Bo\n'
                        "sA,st3,Cy\n",
        "enrollments.csv": 'School_id,Section_id,Student_id\nsA,se1,00100\nsA,se1,="00101"\n'})
    r = assert_same("sftp", d)
    assert '="00100"' in r.users and '="00101"' in r.sections["se1"].students
    told = [p for p in r.problems if "formula" in p.message]
    assert [(p.file, p.line, p.field, p.record_id) for p in told] == [
        ("students.csv", 2, "Student_id", '="00100"')]
    assert "leading zeros" in told[0].message and "Ann" not in told[0].message


def test_one_file_of_an_upload_given_is_refused_naming_the_folder(tmp_path: Path) -> None:
    """``read_clever_csv("upload/students.csv")`` (or ``load(..., format="clever-csv")``)
    raised "not a readable zip archive: File is not a zip file"; the error says to give
    the folder holding it."""
    d = _folder(tmp_path)
    for read in (read_clever_csv, lambda p: rostergraph.load(p, format="clever-csv")):
        with pytest.raises(rostergraph.SourceError, match="give the folder") as got:
            read(d / "students.csv")
        assert "zip" not in str(got.value).split(":", 1)[1].split("(")[0]


# --- shapes of real SFTP uploads that the writer never produces ---------------------------


def test_teacher_and_staff_ids_that_equal_a_student_id_are_other_users(tmp_path: Path) -> None:
    """Student_id, Teacher_id and Staff_id come from separate SIS tables and collide (student
    100 and teacher 100). Students are never merged with employees: the teacher and the
    staff member become users of their own (the teacher keeps its sections), each with a
    problem naming the file and line."""
    d = _folder(tmp_path, **{
        "students.csv": "School_id,Student_id,First_name,Last_name\nsA,100,Stu,Dent\n",
        "teachers.csv": "School_id,Teacher_id,First_name,Last_name\nsA,100,Tea,Cher\n"
                        "sB,100,Tea,Cher\nsA,t2,Tom,Two\n",
        "staff.csv": "School_id,Staff_id,First_name,Last_name,Staff_email\nsA,100,Sta,Ff,\n"
                     "sA,t2,Tom,Two,\n",
        "sections.csv": "School_id,Section_id,Teacher_id,Teacher_2_id,Name\nsA,se1,100,t2,S\n",
        "enrollments.csv": "School_id,Section_id,Student_id\nsA,se1,100\n"})
    r = read_clever_csv(d)
    stu = r.users["100"]
    assert stu.roles.names == ("student",) and stu.name.first == "Stu"
    tea = next(u for u in r.users.values() if u.roles.teacher and u.roles.teacher.sis_id == "100")
    assert tea.id != "100" and tea.name.first == "Tea" and tea.roles.names == ("teacher",)
    assert tea.roles.teacher.schools == ("sA", "sB")
    sta = next(u for u in r.users.values() if u.roles.staff and u.roles.staff.staff_id == "100")
    assert sta.id not in ("100", tea.id) and sta.name.first == "Sta"
    assert r.users["t2"].roles.names == ("teacher", "staff")  # employees still merge by id
    assert r.sections["se1"].teachers == (tea.id, "t2") and r.sections["se1"].teacher == tea.id
    assert r.sections["se1"].students == ("100",)
    said = {(p.file, p.line) for p in r.problems if p.record_id in (tea.id, sta.id)}
    assert ("teachers.csv", 2) in said and ("staff.csv", 2) in said
    g = rostergraph.RosterGraph.from_roster(r)
    assert set(g.neighbors("se1", "teaches", reverse=True)) == {tea.id, "t2"}


def test_student_and_teacher_with_one_id_round_trip_with_extensions(tmp_path: Path) -> None:
    """A user holding both roles (the sample has one) is written with ``Clever_user_id`` in
    teachers.csv, so it reads back as one user; without extensions the writer's report says
    the teacher comes back as a user of its own."""
    from rostergraph.io.write_sftp import write_clever_csv

    src = rostergraph.sample()
    both = [u.id for u in src.users.values() if u.roles.student and u.roles.teacher]
    assert both
    write_clever_csv(src, tmp_path / "ext")
    back = read_clever_csv(tmp_path / "ext")
    assert all(back.users[u].roles.names == src.users[u].roles.names for u in both)
    report = write_clever_csv(src, tmp_path / "std", extensions=False)
    assert any("teacher" in f and h == "changed" for f, h in zip(report.to_list("field"),
                                                                 report.to_list("how")))
    plain = read_clever_csv(tmp_path / "std")
    assert all(plain.users[u].roles.teacher is None for u in both)


def test_co_teacher_columns_with_a_gap_or_numbered_from_one(tmp_path: Path) -> None:
    """Teacher_4_id after Teacher_2_id (no Teacher_3_id) is still a co-teacher, and a file
    numbering its teachers Teacher_1_id ... reads Teacher_1_id as the primary teacher."""
    gap = ("School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_4_id,Name\n"
           "sA,se1,t1,,t2,S\nsA,se2,t2,t1,t1,T\n")
    r = read_clever_csv(_folder(tmp_path / "a", **{"sections.csv": gap}))
    assert r.sections["se1"].teachers == ("t1", "t2")
    assert r.sections["se2"].teachers == ("t2", "t1")
    assert [p.field for p in r.problems if p.code == "repeated_id"] == ["Teacher_4_id"]
    one = "School_id,Section_id,Teacher_1_id,Teacher_2_id,Name\nsA,se1,t1,t2,S\n"
    r = read_clever_csv(_folder(tmp_path / "b", **{"sections.csv": one}))
    assert r.sections["se1"].teacher == "t1" and r.sections["se1"].teachers == ("t1", "t2")
    assert any("Teacher_1_id" in p.message and p.line == 1 for p in r.problems)


def test_columns_like_contact_or_teacher_columns_are_kept(tmp_path: Path) -> None:
    """Columns no Clever field takes are kept in ``extra`` even when their names look like
    the contact or co-teacher columns (``Contact_address``, ``Teacher_advisor_id``), or like
    another file's columns (``Role`` in students.csv); a ``Contact_3_*`` group after no
    ``Contact_2_*`` is still a contact."""
    students = ("School_id,Student_id,First_name,Teacher_advisor_id,Role,Contact_name,"
                "Contact_address,Contact_3_name,Contact_3_relationship\n"
                "sA,st1,Ann,t1,Student,Pat Lee,1 Main St,Gran Lee,Grandparent\n")
    r = read_clever_csv(_folder(tmp_path, **{"students.csv": students}))
    extra = r.users["st1"].extra
    assert extra["sftp.Teacher_advisor_id"] == "t1" and extra["sftp.Role"] == "Student"
    assert extra["sftp.Contact_address"] == "1 Main St"
    gran = r.users["sftp-contact:st1:3"]
    assert gran.name.last == "Gran Lee"
    assert gran.roles.contact.student_relationships[0].relationship == "Grandparent"


def test_repeated_user_rows_with_other_values_are_problems(tmp_path: Path) -> None:
    """A student or teacher repeated for another school keeps the first row's values; a
    value a later row gives differently (or a staff row merged into a teacher) is a problem
    naming the line and the columns, never lost silently."""
    d = _folder(tmp_path, **{
        "students.csv": "School_id,Student_id,First_name,Grade,Notes\nsA,st1,Ann,K,n1\n"
                        "sB,st1,Ann,1,n2\nsB,st2,Bo,3,\nsB,st2,Bo,3,\n",
        "staff.csv": "School_id,Staff_id,Staff_email,First_name,Last_name,Title\n"
                     "sA,S9,same@x.org,Tina,One,Coach\n"})
    r = read_clever_csv(d)
    st1 = r.users["st1"]
    assert st1.roles.student.grade == "K" and st1.roles.student.schools == ("sA", "sB")
    assert st1.extra["sftp.Notes"] == "n1"
    got = [p for p in r.problems if p.file == "students.csv"]
    assert [(p.line, p.record_id) for p in got] == [(3, "st1")]
    assert "Grade" in got[0].message and "Notes" in got[0].message and "2" in got[0].message
    t1 = r.users["t1"]
    assert t1.name.first == "Tia" and t1.roles.staff.title == "Coach"
    merged = [p for p in r.problems if p.file == "staff.csv"]
    assert [(p.line, p.record_id) for p in merged] == [(2, "t1")]
    assert "First_name" in merged[0].message and "Last_name" not in merged[0].message


def test_enrollment_columns_without_a_field_are_kept_on_the_section(tmp_path: Path) -> None:
    """A column of enrollments.csv Clever does not define (a start date) keeps its cells on
    the enrollment's section, as OneRoster's are kept (see test_sftp_enrollment_cells):
    a note names it, no problem, and the enrollments load."""
    enr = "School_id,Section_id,Student_id,Start_date\nsA,se1,st1,2024-08-01\n"
    r = read_clever_csv(_folder(tmp_path, **{"enrollments.csv": enr}))
    assert r.sections["se1"].students == ("st1",)
    assert r.sections["se1"].extra["oneroster.enrollmentCells"] == {
        "Start_date": {"student": {"2024-08-01": ["st1"]}}}
    assert not [p for p in r.problems if p.file == "enrollments.csv"]
    assert [n for n in r.provenance.notes if n.startswith("enrollments.csv: Start_date (1 rows)")]


def test_contacts_on_a_students_later_rows_are_kept(tmp_path: Path) -> None:
    """A SIS that writes one students.csv row per contact (or per school, with other
    contacts) repeats the student: every distinct contact becomes a contact of that student
    (numbered on after the first row's groups); a repeated identical group adds nothing."""
    students = ("School_id,Student_id,First_name,Contact_name,Contact_relationship\n"
                "sA,st1,Ann,Pat Lee,Parent\nsA,st1,Ann,Gran Lee,Grandparent\n"
                "sB,st1,Ann,Pat Lee,Parent\nsA,st2,Bo,,\n")
    r = read_clever_csv(_folder(tmp_path, **{"students.csv": students}))
    contacts = {u.id: u.name.last for u in r.users.values() if u.roles.contact is not None}
    assert contacts == {"sftp-contact:st1:1": "Pat Lee", "sftp-contact:st1:2": "Gran Lee"}
    assert r.users["st1"].roles.student.schools == ("sA", "sB")


def test_utf16_files_are_read_with_a_problem(tmp_path: Path) -> None:
    """Files a Windows tool wrote as UTF-16 (with its byte order mark; PowerShell's ``>``
    does this) load, with a problem saying SFTP asks for UTF-8: the whole file was lost
    (its header read as junk), and a folder of them was not even detected."""
    d = _folder(tmp_path)
    for name in ("schools.csv", "sections.csv", "students.csv", "teachers.csv"):
        text = (d / name).read_text("utf-8")
        (d / name).write_bytes(text.replace("Alpha", "Ålpha").encode("utf-16"))
    assert detect_format(d) == "clever-csv"
    r = rostergraph.load(d)
    assert r.schools["sA"].name == "Ålpha" and "se1" in r.sections
    assert r.users["t1"].roles.teacher.schools == ("sA", "sB")
    said = {p.file for p in r.problems if "UTF-16" in p.message}
    assert said == {"schools.csv", "sections.csv", "students.csv", "teachers.csv"}
    assert r.users == read_clever_csv(_folder(tmp_path / "utf8")).users


def test_staff_roles_of_every_row_are_kept(tmp_path: Path) -> None:
    """A staff member with a row per school and another ``Role`` at each keeps every role
    (``roles.staff.roles`` is a list); a second staff record merged by email with another
    ``Staff_id`` is a problem naming the column."""
    staff = ("School_id,Staff_id,Staff_email,First_name,Role\n"
             "sA,S1,s1@x.org,Sal,Principal\nsB,S1,s1@x.org,Sal,Counselor\n"
             "sB,S1,s1@x.org,Sal,Principal\nsA,S7,same@x.org,Tia,Coach\n"
             "sB,S8,same@x.org,Tia,Coach\n")
    r = read_clever_csv(_folder(tmp_path, **{"staff.csv": staff}))
    assert r.users["S1"].roles.staff.roles == ("Principal", "Counselor")
    assert r.users["S1"].roles.staff.schools == ("sA", "sB")
    assert r.users["t1"].roles.staff.staff_id == "S7"
    said = [p for p in r.problems if p.file == "staff.csv"]
    assert [(p.line, p.field) for p in said] == [(6, "Staff_id")]


def test_file_names_in_another_case_are_read(tmp_path: Path) -> None:
    """``Schools.csv``, ``Students.csv`` ... (as Clever's help pages write them, and as
    Windows tools save them) are the SFTP files, in a folder and in a zip, each named in a
    provenance note: the folder was not even recognised. A file named exactly as the spec
    wins over its capitalised twin."""
    import zipfile

    d = _folder(tmp_path)
    for f in list(d.iterdir()):
        f.rename(d / f.name.capitalize())
    (d / "sections.csv").write_text(SECTIONS.replace("Math 3", "Exact"), encoding="utf-8")
    assert detect_format(d) == "clever-csv"
    r = rostergraph.load(d)
    want = read_clever_csv(_folder(tmp_path / "lower"))
    assert r.users == want.users and r.schools == want.schools
    assert r.sections["se1"].name == "Exact"  # sections.csv, not Sections.csv
    assert sum("read as" in n for n in r.provenance.notes) == 5
    assert any("Sections.csv" in n and "not a Clever SFTP file" in n for n in r.provenance.notes)
    z = tmp_path / "upload.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in sorted(d.iterdir()):
            if f.name != "sections.csv":
                zf.write(f, f.name)
    assert detect_format(z) == "clever-csv"
    assert rostergraph.load(z).users == want.users


def test_every_real_shape_at_once_validates_reports_and_reloads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder with all the shapes above together: ``validate`` and ``report`` run, a warm
    reload gives the cold roster, and every problem names its file (and a line)."""
    from rostergraph.cli import main
    from tests.test_fast_jsonl import _snapshot

    d = _folder(tmp_path, **{
        "students.csv": "School_id,Student_id,First_name,Grade,Contact_name,Contact_3_name\n"
                        "sA,st1,Ann,Kindergarten,Pat Lee,\nsB,st1,Ann,1,Gran Lee,Al Lee\n"
                        "sA,t2,Bo,TK,,\n",
        "sections.csv": "School_id,Section_id,Teacher_1_id,Teacher_3_id,Name,Term_name\n"
                        "sA,se1,t1,t2,Math,Fall\nsB,se2,t2,t2,Art,Fall\n",
        "enrollments.csv": "School_id,Section_id,Student_id,Start_date\nsA,se1,st1,x\n"
                           "sB,se2,t2,y\n"})
    (d / "Teachers.csv").write_bytes((d / "teachers.csv").read_text().encode("utf-16"))
    (d / "teachers.csv").unlink()
    monkeypatch.setenv("ROSTERGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    cold = rostergraph.load(d, cache=True)
    warm = rostergraph.load(d, cache=True)
    assert "from cache" in warm.provenance.notes[-1]
    assert _snapshot(cold) == _snapshot(warm)
    assert cold.problems and all(p.file and p.line for p in cold.problems)
    assert cold.sections["se2"].teachers[0].startswith("sftp-teacher:")  # t2 is a student
    assert main(["validate", str(d), "--no-cache"]) in (0, 1)
    assert main(["report", str(d), "--no-cache", "-o", str(tmp_path / "r.html")]) == 0
    assert (tmp_path / "r.html").stat().st_size > 1000


def test_section_repeated_for_each_teacher_gains_co_teachers(tmp_path: Path) -> None:
    """A SIS that writes one sections.csv row per section and teacher (instead of the
    ``Teacher_2_id`` ... columns): the later rows' teachers become co-teachers, with a
    problem at their line (they were duplicate_id problems and those teachers were lost);
    a repeated row that says something else is still a duplicate, the first row kept."""
    sections = ("School_id,Section_id,Teacher_id,Name,Term_name,Course_name\n"
                "sA,se1,t1,Math 3,Fall,Math\nsA,se1,t2,Math 3,Fall,Math\n"
                "sA,se1,t2,Math 3,Fall,Math\nsA,se1,t3,Math 3b,Fall,Math\n")
    r = read_clever_csv(_folder(tmp_path, **{"sections.csv": sections}))
    se1 = r.sections["se1"]
    assert se1.teacher == "t1" and se1.teachers == ("t1", "t2") and se1.name == "Math 3"
    said = [(p.line, p.code) for p in r.problems if p.file == "sections.csv"]
    assert said == [(3, "other"), (4, "duplicate_id"), (5, "duplicate_id")]
    g = rostergraph.RosterGraph.from_roster(r)
    assert set(g.neighbors("se1", "teaches", reverse=True)) == {"t1", "t2"}


def test_a_windows_1252_file_reads_without_losing_a_byte(tmp_path: Path) -> None:
    """A file saved by Excel as "CSV" (Windows-1252: no UTF-8 character, accented letters
    as single bytes) loads with its letters, and one encoding problem says how it was read;
    a file mixing UTF-8 and such bytes keeps U+FFFD for the bytes."""
    d = _folder(tmp_path)
    (d / "schools.csv").write_bytes("School_id,School_name\r\ns1,Escuela Núñez – Peña\r\n"
                                    "s2,Plain\r\n".encode("cp1252"))
    r = read_clever_csv(d)
    assert r.schools["s1"].name == "Escuela Núñez – Peña" and r.schools["s2"].name == "Plain"
    (enc,) = [p for p in r.problems if p.code == "encoding"]
    assert enc.file == "schools.csv" and enc.line == 2 and "Windows-1252" in enc.message
    (d / "schools.csv").write_bytes("School_id,School_name\r\ns1,Zoë\r\n".encode()
                                    + b"s2,Pe\xf1a\r\n")
    mixed = read_clever_csv(d)
    assert mixed.schools["s1"].name == "Zoë" and mixed.schools["s2"].name == "Pe\ufffda"


def _problems(r: rostergraph.Roster, file: str) -> list[tuple[int | None, str | None, str | None]]:
    return [(p.line, p.field, p.raw) for p in r.problems if p.file == file]


@pytest.mark.parametrize("quoted", [False, True])
def test_ids_with_spaces_around_them_match_and_keep_the_cell(tmp_path: Path,
                                                             quoted: bool) -> None:
    """A reference padded with spaces in one file only names the record (Clever compares
    ids without them); each such cell is a problem naming file, line and column, whose raw
    text is the cell as given. A quoted file (read row by row) says the same."""
    q = '"' if quoted else ""
    d = _folder(tmp_path / str(quoted),
                **{"sections.csv": "Section_id,School_id,Teacher_id,Teacher_2_id,Name\n"
                                   "se1, sA,t1 ,\tt2,Math\n",
                   "enrollments.csv": f"School_id,Section_id,Student_id\n{q}sA{q},se1, st1\n"
                                      "sA,se1 ,st2\nsA,se1,st3\xa0\n"})
    r = read_clever_csv(d)
    sec = r.sections["se1"]
    assert (sec.school, sec.teacher, sec.teachers) == ("sA", "t1", ("t1", "t2"))
    assert sec.students == ("st1", "st2", "st3")
    assert not any(u.startswith((" ", "\t")) for u in r.users)
    assert _problems(r, "sections.csv") == [(2, "School_id", " sA"), (2, "Teacher_id", "t1 "),
                                            (2, "Teacher_2_id", "\tt2")]
    assert _problems(r, "enrollments.csv") == [(2, "Student_id", " st1"),
                                               (3, "Section_id", "se1 "),
                                               (4, "Student_id", "st3\xa0")]
    assert all(p.record_id == "se1" for p in r.problems if p.file == "enrollments.csv")
    g = rostergraph.RosterGraph.from_roster(r)
    assert "missing" not in g.summary_text().split("\n")[1]  # no stub school or user


def test_a_record_id_with_spaces_is_kept_and_references_find_it(tmp_path: Path) -> None:
    """Padding on the record's own id (students.csv) is kept as given (nothing to report);
    references without it still name that record, each with a problem."""
    students = STUDENTS.replace("st3,sB,", " st3 ,sB ,")
    r = read_clever_csv(_folder(tmp_path, **{"students.csv": students}))
    assert " st3 " in r.users and r.users[" st3 "].roles.student.school == "sB"
    assert r.sections["se3"].students == (" st3 ",)
    assert _problems(r, "students.csv") == [(4, "School_id", "sB ")]
    assert _problems(r, "enrollments.csv")[-1] == (7, "Student_id", "st3")
    g = rostergraph.RosterGraph.from_roster(r)
    assert "missing" not in g.summary_text().split("\n")[1]


def test_ids_with_spaces_from_json_round_trip_through_sftp(tmp_path: Path) -> None:
    """Ids that hold spaces in the source (consistent everywhere) come back unchanged from
    an SFTP round trip, with no problem."""
    src = read_clever_csv(_folder(tmp_path, **{"students.csv": STUDENTS.replace(
        "st3,sB,", " st3 ,sB,"), "enrollments.csv": ENROLLMENTS.replace(",st3", ", st3 ")}))
    assert not [p for p in src.problems if p.raw and p.raw.strip() != p.raw]
    from rostergraph.io.write_sftp import write_clever_csv
    write_clever_csv(src, tmp_path / "out")
    back = read_clever_csv(tmp_path / "out")
    assert back.sections["se3"].students == (" st3 ",) and " st3 " in back.users
    assert not [p for p in back.problems if p.raw and p.raw.strip() != p.raw]


@pytest.mark.parametrize("quoted", [False, True])
def test_enrollment_school_other_than_its_sections_is_a_problem(tmp_path: Path,
                                                                quoted: bool) -> None:
    """An enrollment whose School_id is not its section's school is a problem naming the
    file, line and the section's line; the enrollment is kept."""
    q = '"' if quoted else ""
    enrollments = (f"School_id,Section_id,Student_id\n{q}sA{q},se1,st1\nsB,se1,st2\n"
                   ",se2,st2\nsB,se3,st3\n")
    r = read_clever_csv(_folder(tmp_path / str(quoted), **{"enrollments.csv": enrollments}))
    assert r.sections["se1"].students == ("st1", "st2")
    got = [p for p in r.problems if p.file == "enrollments.csv"]
    assert [(p.line, p.field, p.record_id) for p in got] == [(3, "School_id", "se1")]
    assert "'sB'" in got[0].message and "'sA', sections.csv line 2" in got[0].message


def test_passwords_of_every_people_file_are_never_kept(tmp_path: Path) -> None:
    """Students', teachers' and staff's ``Password`` cells (any case of the header) are left
    out of the records, so no writer or report can carry them; a note per file counts
    them."""
    from rostergraph.io.write import write_clever_json
    from rostergraph.io.write_sftp import write_clever_csv

    d = _folder(tmp_path,
                **{"teachers.csv": "Teacher_id,School_id,First_name,Last_name,password\n"
                                   "t1,sA,Tia,One,pw-Teach-1\nt2,sA,Tom,Two,\n",
                   "staff.csv": "Staff_id,School_id,Staff_email,First_name,Last_name,Password\n"
                                "S9,sA,s9@x.org,Sal,Nine,pw-Staff-9\n"})
    r = rostergraph.load(d)
    assert set(r.users) >= {"st1", "t1", "t2", "S9"}
    assert {n for n in r.provenance.notes if "password" in n} == {
        "students.csv: 2 passwords not kept (login credentials are never stored)",
        "teachers.csv: 1 password not kept (login credentials are never stored)",
        "staff.csv: 1 password not kept (login credentials are never stored)"}
    write_clever_csv(r, tmp_path / "sftp-out")
    write_clever_json(r, tmp_path / "json-out", jsonl=True)
    for out in (tmp_path / "sftp-out", tmp_path / "json-out"):
        for f in out.iterdir():
            assert not any(pw in f.read_bytes() for pw in (b"pw1", b"pw-Teach-1", b"pw-Staff-9"))


def test_sftp_co_teacher_cells_read_as_the_oracle_reads_them(tmp_path: Path) -> None:
    """Rows with no co-teacher skip those columns' cells: rows that have one (spaced, the
    primary again, unknown, a student's id) still give the problems and teachers the
    oracle reader gives."""
    files: dict[str, str | bytes] = {
        "schools.csv": "School_id,School_name\nsA,Alpha\n",
        "students.csv": "School_id,Student_id,Last_name\nsA,st1,A\n",
        "teachers.csv": "School_id,Teacher_id,Last_name\nsA,t1,T\nsA,t2,U\nsA,st1,V\n",
        "sections.csv": "School_id,Section_id,Teacher_id,Teacher_2_id,Teacher_3_id,Name\n"
                        "sA,se1,t1,,,Math\nsA,se2,t1, t2,,Art\nsA,se3,t1,,t1,Gym\n"
                        "sA,se4,t2,tX,st1,Band\nsA,se5,,,t2,Choir\nsA,se6,t2,,,Art\n",
        "enrollments.csv": "School_id,Section_id,Student_id\nsA,se1,st1\n"}
    r = assert_same("sftp", write(tmp_path / "u", files))
    assert r.sections["se1"].teachers == ("t1",)
    assert r.sections["se2"].teachers == ("t1", "t2")
    assert r.sections["se5"].teachers == ("t2",)
    assert {p.code for p in r.problems} >= {"repeated_id", "other"}
