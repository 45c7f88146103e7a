"""Clever SFTP headers as SIS exports spell them: ``Student ID``, ``school-id``,
``SectionID``, ``Teacher 2 id``, ``Contact 2 Email``. Clever's instructions ask for its
column names exactly; an export that spells them with spaces, hyphens or no underscore
still means those columns, so the reader matches them ignoring case, spaces, underscores,
dots and hyphens, and says so once per column (a problem naming the column as written).
Before, such a file was either not recognised as Clever SFTP at all or lost its id
column (every row "not loaded")."""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.sftp_columns import header_renames, squash
from tests.test_csv_equivalence import assert_same

_FILES = {
    "schools.csv": "School ID,School Name\nsA,Alpha\n",
    "students.csv": ("Student ID,School-id,First Name,Last_name,Contact 2 Email,"
                     "Contact 2 Name\nst1,sA,Ann,Lee,c@example.org,Cat Lee\n"),
    "teachers.csv": "TeacherID,SchoolID,First_name,Last_name\nt1,sA,Tia,One\nt2,sA,Ty,Two\n",
    "sections.csv": "Section.ID,School_id,Teacher id,Teacher 2 id,Name\nse1,sA,t1,t2,Math\n",
    "enrollments.csv": "School_id,Section ID,Student ID\nsA,se1,st1\n",
}


def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "sftp"
    d.mkdir()
    for name, text in _FILES.items():
        (d / name).write_text(text, encoding="utf-8", newline="")
    return d


def test_headers_spelt_with_spaces_and_hyphens_are_clever_columns(tmp_path: Path) -> None:
    r = rostergraph.load(_folder(tmp_path), cache=False)
    assert r.provenance.format == "clever-csv"
    assert list(r.schools) == ["sA"] and r.schools["sA"].name == "Alpha"
    st = r.users["st1"]
    assert st.roles.student is not None and st.roles.student.school == "sA"
    assert st.name.first == "Ann"
    sec = r.sections["se1"]
    assert sec.teacher == "t1" and list(sec.teachers) == ["t1", "t2"]
    assert list(sec.students) == ["st1"]
    # the second contact group (numbered 2) is a contact of st1, with its email
    contacts = [u for u in r.users.values() if u.roles.contact is not None]
    assert [u.email for u in contacts] == ["c@example.org"]
    renamed = {(p.file, p.field) for p in r.problems if "read as" in p.message}
    assert ("students.csv", "Student_id") in renamed
    assert ("sections.csv", "Teacher_2_id") in renamed
    assert ("teachers.csv", "Teacher_id") in renamed
    told = [p for p in r.problems if p.field == "Student_id" and p.file == "students.csv"]
    assert len(told) == 1 and "'Student ID'" in told[0].message and told[0].line == 1
    assert "ignoring case, spaces" in told[0].message


@pytest.mark.parametrize(("given", "want"), [
    ("Student ID", "Student_id"), ("student-id", "Student_id"), ("STUDENTID", "Student_id"),
    (" Student_Number ", "Student_number"), ("Contact 3 phone type", "Contact_3_phone_type"),
    ("contact phone-type", "Contact_phone_type"), ("Contact 1 Relationship",
                                                   "Contact_relationship"),
])
def test_student_header_spellings(given: str, want: str) -> None:
    assert header_renames("students.csv", [given]) == {given: want}


def test_a_column_already_spelt_right_is_not_taken_twice() -> None:
    # "Student ID" beside "Student_id" stays itself (kept in extra by the reader)
    assert header_renames("students.csv", ["Student_id", "Student ID"]) == {}
    assert header_renames("sections.csv", ["Teacher_2_id", "Teacher 2 id"]) == {}
    # no two Clever columns of one file squash alike (so no spelling is ambiguous)
    from rostergraph.io.sftp_columns import _SQUASHED, SFTP_COLUMNS
    for file, cols in SFTP_COLUMNS.items():
        assert len({squash(c) for c, _ in cols}) == len({c for c, _ in cols}), file
        assert set(_SQUASHED[file].values()) >= {c for c, _ in cols}


def test_a_misspelt_header_is_told_and_its_cells_kept(tmp_path: Path) -> None:
    """``Frist_name`` (a typo of ``First_name``, which the header lacks) is no Clever
    column: its cells are kept in extra, and a problem names the column and what it may
    be. A column that is no typo of a missing one (``Bus``) is kept without a word."""
    d = _folder(tmp_path)
    (d / "students.csv").write_text("Student_id,School_id,Frist_name,Last_name,Bus\n"
                                    "st1,sA,Ann,Lee,12\n", encoding="utf-8")
    r = rostergraph.load(d, cache=False)
    st = r.users["st1"]
    assert st.name.first is None and st.extra["sftp.Frist_name"] == "Ann"
    assert st.extra["sftp.Bus"] == "12"
    told = [p for p in r.problems if p.file == "students.csv" and "misspelt" in p.message]
    assert [(p.field, p.line) for p in told] == [("Frist_name", 1)]
    assert "'First_name'" in told[0].message and "Ann" not in told[0].message


def test_a_name_spelt_as_clevers_but_for_case_wins_over_a_looser_one(tmp_path: Path) -> None:
    """Of ``Student ID`` (first) and ``student_id``, the second is Clever's column but for
    case: it is the id column, as it was before spaces were ignored; ``Student ID`` stays
    an extra column (a school's own number, say), not the other way round."""
    assert header_renames("students.csv", ["Student ID", "student_id"]) == {
        "student_id": "Student_id"}
    assert header_renames("sections.csv", ["Teacher 1 id", "Teacher_1_id"]) == {
        "Teacher_1_id": "Teacher_id"}
    d = _folder(tmp_path)
    (d / "students.csv").write_text("Student ID,student_id,School_id,First_name\n"
                                    "900123,st1,sA,Ann\n", encoding="utf-8")
    r = rostergraph.load(d, cache=False)
    assert "st1" in r.users and "900123" not in r.users
    assert r.users["st1"].extra["sftp.Student ID"] == "900123"


@pytest.mark.parametrize(("file", "col"), [
    ("sections.csv", "Teacher_" + "2" * 5000 + "_id"),
    ("sections.csv", "Teacher " + "2" * 5000 + " id"),
    ("students.csv", "Contact_" + "2" * 5000 + "_name"),
    ("students.csv", "Contact " + "2" * 5000 + " email"),
])
def test_a_numbered_column_of_a_long_run_of_digits_is_an_extra_column(
        tmp_path: Path, file: str, col: str) -> None:
    """A teacher or contact number of 5000 digits (past the 4300 digits ``int()`` takes)
    names no teacher or contact: the column is kept in extra, no ValueError."""
    d = _folder(tmp_path)
    head, row = _FILES[file].splitlines()
    (d / file).write_text(f"{head},{col}\n{row},x\n", encoding="utf-8")
    r = rostergraph.load(d, cache=False)
    rec = r.sections["se1"] if file == "sections.csv" else r.users["st1"]
    assert rec.extra["sftp." + col] == "x"


@pytest.mark.parametrize(("file", "col"), [
    ("teachers.csv", "Title1"), ("schools.csv", "School_zip4"),
    ("students.csv", "Student_email2"), ("students.csv", "Home_language_code"),
    ("students.csv", "Trace"), ("sections.csv", "Subjects"),
])
def test_a_clever_name_with_more_around_it_is_no_typo(file: str, col: str) -> None:
    """A column that is a Clever column's name with more before or after it (a Title I
    flag, a ZIP+4 extension, a second email) is a column of its own: kept in extra with no
    "misspelt?" problem, even where the header lacks that Clever column."""
    from rostergraph.io.sftp_columns import near_misses

    assert near_misses(file, ["x", col], [col]) == []
    assert near_misses(file, ["x", "Gendr", "Frist_name"], ["Gendr", "Frist_name"]) == (
        [("Gendr", "Gender"), ("Frist_name", "First_name")] if file == "students.csv"
        else [("Frist_name", "First_name")] if file == "teachers.csv" else [])


def test_a_password_column_spelt_otherwise_is_never_kept(tmp_path: Path) -> None:
    """``Pass Word`` beside ``Password`` is a password too (the reader matches Clever's
    names ignoring spaces and underscores): not kept in extra, nor in the raw text of a row
    that is not loaded."""
    d = _folder(tmp_path)
    (d / "students.csv").write_text("Student_id,School_id,Password,Pass Word,PASS_WORD\n"
                                    "st1,sA,secret1,secret2,secret3\n"
                                    ",sA,secret4,secret5,secret6\n", encoding="utf-8")
    r = rostergraph.load(d, cache=False)
    assert not any("secret" in str(v) for v in r.users["st1"].extra.values())
    assert not any("secret" in (p.raw or "") + p.message for p in r.problems)


@pytest.mark.parametrize("fmt", ["sftp", "oneroster"])
def test_credential_columns_by_other_names_are_never_kept(tmp_path: Path, fmt: str) -> None:
    """``Student_Password``, ``initialPassword``, ``passwd``, ``PIN code``'s cousin
    ``Passcode`` and a misspelt ``Pasword`` are credentials: never in extra, nor in a row's
    raw text, nor in a problem, in either CSV reader; ``Passport_no`` is no credential."""
    secrets = ["Student_Password", "initialPassword", "passwd", "Passcode", "Pasword"]
    cells = [f"secret{i}" for i in range(len(secrets))]
    if fmt == "sftp":
        d = _folder(tmp_path)
        head = ["Student_id", "School_id", "Passport_no", *secrets]
        rows = [["st1", "sA", "P123", *cells], ["", "sA", "P456", *cells]]
        (d / "students.csv").write_text(
            "\n".join(",".join(r) for r in (head, *rows)) + "\n", encoding="utf-8")
        kept_key = "sftp.Passport_no"
    else:
        from rostergraph.io.write_oneroster import write_oneroster
        d = tmp_path / "or"
        (tmp_path / "src").mkdir()
        write_oneroster(rostergraph.load(_folder(tmp_path / "src"), cache=False), d,
                        extensions=False)
        lines = (d / "users.csv").read_text(encoding="utf-8").splitlines()
        head = [*lines[0].split(","), "Passport_no", *secrets]
        body = [line + "," + ",".join(["P123", *cells]) for line in lines[1:]]
        width = len(lines[0].split(","))
        body.append(",".join([""] * width + ["P456", *cells]))  # a row with no id
        (d / "users.csv").write_text("\n".join([",".join(head), *body]) + "\n",
                                     encoding="utf-8")
        kept_key = "oneroster.Passport_no"
    r = rostergraph.load(d, cache=False)
    st = r.users["st1"]
    assert st.extra[kept_key] == "P123"
    for u in r.users.values():
        assert not any("secret" in str(v) for v in u.extra.values()), u.extra
    assert not any("secret" in (p.raw or "") + p.message for p in r.problems)
    assert any(p.line is not None and p.line > 1 for p in r.problems)  # the bad row is told


@pytest.mark.parametrize(("col", "want"), [
    ("\u200bStudent_id", "Student_id"),  # a zero-width space (a header pasted from a page)
    ("\ufeffStudent_id", "Student_id"),  # a byte-order mark inside the header (files joined)
    ("DOB\x00", "DOB"),  # NUL padding (a fixed-width export)
    ("Grade\u2060", "Grade"),  # a word joiner
    ("\uff27\uff52\uff41\uff44\uff45", "Grade"),  # full-width letters (an IME's)
])
def test_a_header_name_with_invisible_characters_is_clevers_column(
        tmp_path: Path, col: str, want: str) -> None:
    """A Clever column name with a character one cannot see in it (or in full-width
    letters) is that column, told as any other spelling is: the student's id column was
    "lacking" (every row not loaded, though the header shows ``Student_id``), and a ``DOB``
    or ``Grade`` so written was kept in extra with not a word."""
    assert header_renames("students.csv", ["School_id", col]) == {col: want}
    d = _folder(tmp_path)
    cells = {"Student_id": "st1", "DOB": "01/02/2015", "Grade": "3"}
    head = ",".join(c for c in ("Student_id", "DOB", "Grade") if c != want)
    (d / "students.csv").write_text(f"School_id,{head},{col}\nsA,"
                                    + ",".join(cells[c] for c in ("Student_id", "DOB", "Grade")
                                               if c != want)
                                    + f",{cells[want]}\n", encoding="utf-8")
    r = assert_same("sftp", d)  # (the row-by-row reader agrees)
    st = r.users["st1"].roles.student
    assert st is not None and (st.dob, st.grade) == ("01/02/2015", "3")
    assert not r.users["st1"].extra
    told = [p for p in r.problems if p.file == "students.csv" and p.field == want]
    assert len(told) == 1 and repr(col) in told[0].message and "invisible" in told[0].message


def test_an_upload_whose_id_headers_hold_invisible_characters_is_detected(
        tmp_path: Path) -> None:
    """Every file's id column written with a zero-width space: still Clever SFTP to
    ``load`` (detection compares header names as the reader does)."""
    d = _folder(tmp_path)
    for name, text in _FILES.items():
        (d / name).write_text(text.replace("ID", "\u200bID").replace(
            "id,", "\u200bid,").replace("School_id", "School_\u200bid"), encoding="utf-8")
    r = assert_same("sftp", d)  # (the row-by-row reader agrees)
    assert r.provenance.format == "clever-csv"
    assert list(r.sections["se1"].students) == ["st1"]


def test_teacher_columns_numbered_after_id_are_co_teachers(tmp_path: Path) -> None:
    """``Teacher_id_2`` … (the number after ``id``, as SQL exports name them) are Clever's
    ``Teacher_2_id`` …: the section's co-teachers, each column told. They were extra
    columns, kept without a word, and the co-teachers taught nothing."""
    assert header_renames("sections.csv", ["Section_id", "Teacher_id_1", "Teacher ID 2",
                                           "teacher_id_10"]) == {
        "Teacher_id_1": "Teacher_id", "Teacher ID 2": "Teacher_2_id",
        "teacher_id_10": "Teacher_10_id"}
    d = _folder(tmp_path)
    (d / "sections.csv").write_text("Section_id,School_id,Teacher_id,Teacher_id_2,Name\n"
                                    "se1,sA,t1,t2,Math\n", encoding="utf-8")
    r = assert_same("sftp", d)  # (the row-by-row reader agrees)
    sec = r.sections["se1"]
    assert (sec.teacher, list(sec.teachers)) == ("t1", ["t1", "t2"]) and not sec.extra
    told = [p for p in r.problems if p.file == "sections.csv" and p.field == "Teacher_2_id"]
    assert len(told) == 1 and "'Teacher_id_2'" in told[0].message
    assert "before" in told[0].message


@pytest.mark.parametrize(("head", "named"), [
    ("'School_id','Student_id','First_name'", "\"'Student_id'\""),  # single-quoted cells
    ("School_id,Stduent_id,First_name", "'Stduent_id'"),  # a typo
])
def test_a_required_column_lacking_names_the_header_column_it_may_be(
        tmp_path: Path, head: str, named: str) -> None:
    """The header "lacks" ``Student_id`` while it shows ``'Student_id'`` (cells quoted with
    single quotes, which CSV does not take) or ``Stduent_id``: the problem names that
    column, so the reader of it sees why (it said only that the column was lacking)."""
    d = _folder(tmp_path)
    (d / "students.csv").write_text(f"{head}\n'sA','st1','Ann'\n", encoding="utf-8")
    r = assert_same("sftp", d)
    told = [p for p in r.problems if p.file == "students.csv" and "lacks" in p.message]
    assert len(told) == 1 and named in told[0].message and "Ann" not in told[0].message


@pytest.mark.parametrize(("file", "head", "renamed"), [
    ("admins.csv", "School_id,Staff_id,Staff_email,First_name,Last_name,Title",
     {"Staff_email": "Admin_email", "Title": "Admin_title"}),
    ("staff.csv", "School_id,Staff_id,Admin_email,First_name,Last_name,Admin_title",
     {"Admin_email": "Staff_email", "Admin_title": "Title"}),
])
def test_staff_and_admins_columns_of_the_other_file_are_read(
        tmp_path: Path, file: str, head: str, renamed: dict[str, str]) -> None:
    """``admins.csv`` (deprecated) written with ``staff.csv``'s names (``Staff_email``,
    ``Title``), or the other way round, as a district moving from one to the other does:
    the email and title are the staff member's, each column told. They were extra
    columns, without a word, and the user had no email."""
    assert header_renames(file, head.split(",")) == renamed
    d = _folder(tmp_path)
    (d / file).write_text(f"{head}\nsA,a1,a1@example.org,Al,One,Principal\n",
                          encoding="utf-8")
    r = assert_same("sftp", d)
    u = r.users["a1"]
    assert u.email == "a1@example.org" and u.roles.staff is not None
    assert u.roles.staff.title == "Principal" and not u.extra
    told = {p.field for p in r.problems if p.file == file and "read as" in p.message}
    assert told == set(renamed.values())
    assert all(file in p.message for p in r.problems if p.file == file and "read as" in p.message)


@pytest.mark.parametrize(("file", "head", "row", "col", "want"), [
    ("teachers.csv", "School_id,Teacher_id,First_name,Email", "sA,t1,Tia,t@example.org",
     "Email", "Teacher_email"),
    ("students.csv", "School_id,Student_id,First_name,Zip", "sA,st1,Ann,97000", "Zip",
     "Student_zip"),
    ("schools.csv", "School_id,Name,Phone", "sA,Alpha,555", "Name", "School_name"),
])
def test_a_clever_column_named_without_its_files_prefix_is_told(
        tmp_path: Path, file: str, head: str, row: str, col: str, want: str) -> None:
    """``Email`` in teachers.csv (Clever's is ``Teacher_email``), ``Zip`` in students.csv,
    ``Name`` in schools.csv: kept in extra like any other column (Clever does not read
    them either), but told, naming the Clever column the header lacks: the teacher had no
    email, without a word."""
    d = _folder(tmp_path)
    (d / file).write_text(f"{head}\n{row}\n", encoding="utf-8")
    r = assert_same("sftp", d)
    told = [p for p in r.problems if p.file == file and p.field == col]
    assert len(told) == 1 and repr(want) in told[0].message and "prefix" in told[0].message
    assert not [p for p in r.problems if p.file == file and "misspelt" in p.message]


@pytest.mark.parametrize(("header", "read", "other"), [
    ("Contact_2_name,Contact_02_name", "Contact_2_name", "Contact_02_name"),
    ("Contact_02_name,Contact_2_name", "Contact_2_name", "Contact_02_name"),
    ("Contact_02_name,Contact_002_name", "Contact_02_name", "Contact_002_name"),
    ("Contact_01_name,Contact_name", "Contact_name", "Contact_01_name"),
    ("Contact_name,Contact_1_name", "Contact_name", "Contact_1_name"),
])
def test_a_contact_column_padded_and_unpadded_is_told_and_both_kept(
        tmp_path: Path, header: str, read: str, other: str) -> None:
    """``Contact_2_name`` beside ``Contact_02_name`` (or ``Contact_name`` beside
    ``Contact_01_name``) name one contact field: Clever's spelling (its number without
    zeros in front, none for the first contact) is read, else the first in the header; one
    problem names both columns, and the other's cells are kept in the student's extra. The
    later column won silently (the first one's cells in extra, untold); ``Contact_1_name``
    beside ``Contact_name`` went to extra untold."""
    d = _folder(tmp_path)
    (d / "students.csv").write_text(
        f"Student_id,School_id,First_name,Contact_2_email,{header}\n"
        "st1,sA,Ann,c@example.org,Cat First,Cat Second\n", encoding="utf-8")
    r = assert_same("sftp", d)
    cells = dict(zip(header.split(","), ["Cat First", "Cat Second"]))
    told = [p for p in r.problems if other in p.message]
    assert [(p.code, p.file, p.line, p.field) for p in told] == [
        ("other", "students.csv", 1, read)]
    assert read in told[0].message and "Cat" not in told[0].message
    assert r.users["st1"].extra == {f"sftp.{other}": cells[other]}
    k = "2" if "2" in read else "1"
    contact = next(u for u in r.users.values() if u.id.endswith(f":{k}"))
    assert cells[read] in repr(contact) and cells[other] not in repr(contact)
