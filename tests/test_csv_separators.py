"""CSV files separated by tabs, semicolons or vertical bars but named ``.csv``: a SIS's
"export as text" (tab-delimited by default in several SIS export tools) or a spreadsheet
saved in a locale whose list separator is the semicolon. Both CSV specs ask for commas;
such a file is read with the separator its header uses, with one problem saying so, and
reads as the same records as its comma-separated twin. Before, every row was one cell:
each was a ``no_id`` problem whose raw text held the whole row, passwords included."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import rostergraph
from rostergraph.errors import FormatError
from rostergraph.model import record_to_dict

MANIFEST = ("propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.orgs,bulk\n"
            "file.classes,bulk\nfile.users,bulk\nfile.enrollments,bulk\n")
ORGS = [["sourcedId", "status", "dateLastModified", "name", "type", "identifier",
         "parentSourcedId"],
        ["d1", "", "", "District", "district", "", ""],
        ["sA", "", "", "School A", "school", "", "d1"]]
CLASSES = [["sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId",
            "classCode", "classType", "location", "schoolSourcedId", "termSourcedIds",
            "subjects", "subjectCodes", "periods"],
           ["c1", "", "", "Math, period 1", "04", "", "M-1", "scheduled", "", "sA", "", "",
            "", "1"]]
USERS = [["sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role",
          "username", "userIds", "givenName", "familyName", "middleName", "identifier",
          "email", "sms", "phone", "agentSourcedIds", "grades", "password"],
         ["t1", "", "", "true", "sA", "teacher", "t1", "", "Tea", "Cher", "", "T1", "", "",
          "", "", "", "pw-teacher-1"],
         ["s1", "", "", "true", "sA", "student", "s1", "", "Ann", "O'Neil, Jr.", "", "S1",
          "", "", "", "", "04", "pw-student-1"],
         ["s2", "", "", "true", "sA", "student", "s2", "", 'Bo "B"', "Line\nTwo", "", "S2",
          "", "", "", "", "04", "pw-student-2"]]
ENROLLMENTS = [["sourcedId", "status", "dateLastModified", "classSourcedId",
                "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate",
                "endDate"],
               ["e1", "", "", "c1", "sA", "t1", "teacher", "true", "", ""],
               ["e2", "", "", "c1", "sA", "s1", "student", "", "", ""],
               ["e3", "", "", "c1", "sA", "s2", "student", "", "", ""]]


def text(rows: list[list[str]], sep: str = ",", end: str = "\r\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator=end).writerows(rows)
    return out.getvalue()


def oneroster(folder: Path, sep: str) -> Path:
    folder.mkdir()
    (folder / "manifest.csv").write_text(MANIFEST)
    (folder / "orgs.csv").write_text(text(ORGS))
    (folder / "classes.csv").write_text(text(CLASSES, sep))
    (folder / "users.csv").write_text(text(USERS, sep))
    (folder / "enrollments.csv").write_text(text(ENROLLMENTS, sep))
    return folder


def records(r: rostergraph.Roster) -> dict[str, dict[str, object]]:
    return {f"{kind}:{i}": record_to_dict(rec) for kind in ("schools", "sections", "users")
            for i, rec in getattr(r, kind).items()}


def no_password_in(r: rostergraph.Roster) -> bool:
    return not any("pw-" in f"{p.message} {p.raw or ''}" for p in r.problems)


@pytest.mark.parametrize(("sep", "said"), [("\t", "tabs"), (";", "semicolons"),
                                           ("|", "vertical bars")])
def test_oneroster_files_with_another_separator_read_as_the_comma_ones(
        tmp_path: Path, sep: str, said: str) -> None:
    want = rostergraph.load(oneroster(tmp_path / "commas", ","))
    got = rostergraph.load(oneroster(tmp_path / "other", sep))
    assert want.problems == []
    assert records(got) == records(want)
    assert sorted(got.sections["c1"].students or []) == ["s1", "s2"]
    assert [(p.code, p.file, p.line) for p in got.problems] == [
        ("other", name, 1) for name in ("classes.csv", "users.csv", "enrollments.csv")]
    assert all(said in p.message and "comma" in p.message for p in got.problems)
    assert no_password_in(got)


def test_a_bad_row_of_a_tab_separated_file_is_told_at_its_line_without_its_password(
        tmp_path: Path) -> None:
    folder = oneroster(tmp_path / "tabs", "\t")
    users = text(USERS, "\t").splitlines(keepends=True)
    # line 3 (s1) loses its last two cells; s2's row spans lines 4-5 (a quoted line break)
    users[2] = users[2].replace("\t04\tpw-student-1", "")
    (folder / "users.csv").write_text("".join(users))
    r = rostergraph.load(folder)
    assert set(r.users) == {"t1", "s2"}
    bad = [p for p in r.problems if p.code == "syntax"]
    assert [(p.file, p.line) for p in bad] == [("users.csv", 3)]
    assert no_password_in(r)
    with pytest.raises(FormatError, match="classes.csv.*tabs"):
        rostergraph.load(folder, strict=True)


def test_sftp_files_with_another_separator_read_as_the_comma_ones(tmp_path: Path) -> None:
    schools = [["School_id", "School_name", "School_number"], ["sA", "School A", "1"]]
    students = [["School_id", "Student_id", "Last_name", "First_name", "Grade", "Password"],
                ["sA", "s1", "O'Neil, Jr.", "Ann", "4", "pw-s1"],
                ["sA", "s2", "Two", "Bo", "4", "pw-s2"]]
    teachers = [["School_id", "Teacher_id", "Teacher_email", "First_name", "Last_name",
                 "Password"], ["sA", "t1", "t1@example.org", "Tea", "Cher", "pw-t1"]]
    sections = [["School_id", "Section_id", "Teacher_id", "Name"],
                ["sA", "c1", "t1", "Math, period 1"]]
    enrollments = [["School_id", "Section_id", "Student_id"], ["sA", "c1", "s1"],
                   ["sA", "c1", "s2"]]
    loaded = {}
    for sep in (",", "\t", ";"):
        folder = tmp_path / f"sftp{ord(sep)}"
        folder.mkdir()
        for name, rows in (("schools.csv", schools), ("students.csv", students),
                           ("teachers.csv", teachers), ("sections.csv", sections),
                           ("enrollments.csv", enrollments)):
            (folder / name).write_text(text(rows, sep if name != "schools.csv" else ","))
        loaded[sep] = rostergraph.load(folder)
    assert loaded[","].problems == []
    for sep in ("\t", ";"):
        r = loaded[sep]
        assert r.provenance.format == "clever-csv"
        assert records(r) == records(loaded[","])
        assert sorted({(p.code, p.file, p.line) for p in r.problems}) == [
            ("other", name, 1) for name in ("enrollments.csv", "sections.csv",
                                            "students.csv", "teachers.csv")]
        assert no_password_in(r)


def test_a_one_column_file_and_a_comma_file_with_tabs_in_cells_are_read_with_commas(
        tmp_path: Path) -> None:
    folder = oneroster(tmp_path / "commas", ",")
    rows = [r[:] for r in USERS]
    rows[1][8] = "Tea\tTime;x|y"  # a tab, a semicolon and a bar inside a comma file's cell
    (folder / "users.csv").write_text(text(rows))
    r = rostergraph.load(folder)
    assert r.problems == []
    assert r.users["t1"].name.first == "Tea\tTime;x|y"


def test_a_spreadsheets_separator_line_is_skipped_and_names_the_separator(
        tmp_path: Path) -> None:
    """Excel writes (and reads) a first line ``sep=,`` naming the separator. It is no row:
    the header is on line 2. Before, that line was taken for the header, and every row
    was a problem holding its text, password included."""
    want = rostergraph.load(oneroster(tmp_path / "commas", ","))
    folder = oneroster(tmp_path / "sep", ",")
    (folder / "users.csv").write_text("sep=,\r\n" + text(USERS))
    (folder / "enrollments.csv").write_text('"sep=;"\n' + text(ENROLLMENTS, ";"))
    (folder / "classes.csv").write_text("SEP=\t\r\n" + text(CLASSES, "\t"))
    r = rostergraph.load(folder)
    assert records(r) == records(want)
    assert sorted((p.code, p.file, p.line) for p in r.problems) == [
        ("other", name, 1) for name in ("classes.csv", "enrollments.csv", "users.csv")]
    assert all("sep=" in p.message.lower() for p in r.problems)
    # rows are told at their own lines (the header is line 2)
    users = text(USERS).splitlines(keepends=True)
    users[2] = users[2].replace(",04,pw-student-1", "")
    (folder / "users.csv").write_text("sep=,\r\n" + "".join(users))
    r = rostergraph.load(folder)
    assert [(p.code, p.line) for p in r.problems if p.file == "users.csv"] == [
        ("other", 1), ("syntax", 4)]
    assert set(r.users) == {"t1", "s2"}
    assert no_password_in(r)


def test_a_byte_order_mark_given_twice_is_read_as_one(tmp_path: Path) -> None:
    """A tool that writes a byte-order mark before text that begins with one leaves two:
    the header's first name is still the id column (every row was a ``no_id`` problem)."""
    want = rostergraph.load(oneroster(tmp_path / "one", ","))
    folder = oneroster(tmp_path / "two", ",")
    for name in ("users.csv", "classes.csv"):
        (folder / name).write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf" + (folder / name).read_bytes())
    r = rostergraph.load(folder)
    assert r.problems == []
    assert records(r) == records(want)


def test_an_sftp_folder_whose_files_start_with_a_separator_line_is_detected(
        tmp_path: Path) -> None:
    folder = tmp_path / "sftp"
    folder.mkdir()
    for name, head, row in (("schools.csv", "School_id;School_name", "sA;A"),
                            ("students.csv", "School_id;Student_id;Last_name;First_name",
                             "sA;s1;Dent;Stu"),
                            ("teachers.csv", "School_id;Teacher_id;Last_name;First_name",
                             "sA;t1;Cher;Tea"),
                            ("sections.csv", "School_id;Section_id;Teacher_id;Name",
                             "sA;c1;t1;Math"),
                            ("enrollments.csv", "School_id;Section_id;Student_id",
                             "sA;c1;s1")):
        (folder / name).write_bytes(f"\ufeffsep=;\r\n{head}\r\n{row}\r\n".encode())
    r = rostergraph.load(folder)
    assert r.provenance.format == "clever-csv"
    assert r.sections["c1"].students == ("s1",) and r.sections["c1"].teacher == "t1"
    assert {(p.code, p.line) for p in r.problems} == {("other", 1)}


def test_excels_unicode_text_is_read_as_utf16_with_tabs(tmp_path: Path) -> None:
    """Excel's "Unicode Text" is UTF-16 with tabs between cells: both said, rows read."""
    want = rostergraph.load(oneroster(tmp_path / "commas", ","))
    folder = oneroster(tmp_path / "unicode", ",")
    (folder / "users.csv").write_bytes(b"\xff\xfe" + text(USERS, "\t").encode("utf-16-le"))
    r = rostergraph.load(folder)
    assert records(r) == records(want)
    assert [(p.code, p.file, p.line) for p in r.problems] == [("other", "users.csv", 1)] * 2
    assert no_password_in(r)


def test_the_parse_of_large_files_as_read_declines_other_separators(tmp_path: Path) -> None:
    """A folder's file of 128 MiB or more is parsed by pyarrow as it is read from disk; it
    takes only commas, so it declines these files (the csv module then reads them)."""
    from rostergraph.io.csv_stream import arrow_columns_from_file
    from rostergraph.io.limits import DEFAULT_LIMITS

    for name, data in (("tabs.csv", b"id\tname\r\n1\tAnn\r\n"),
                       ("sep.csv", b"sep=,\r\nid,name\r\n1,Ann\r\n"),
                       ("commas.csv", b"id,name\r\n1,Ann\r\n")):
        (tmp_path / name).write_bytes(data)
        got = arrow_columns_from_file(tmp_path / name, DEFAULT_LIMITS)
        assert (got is None) == (name != "commas.csv"), name


def spaced(rows: list[list[str]], end: str = "\r\n") -> str:
    """Every cell quoted, each after a comma and a space (``"id", "name"``), as a script
    joining quoted cells with ``", "`` writes them (the csv module's ``skipinitialspace``
    dialect; RFC 4180 allows no space before a quote)."""
    return "".join(", ".join('"' + c.replace('"', '""') + '"' for c in row) + end
                   for row in rows)


def test_quoted_cells_after_a_comma_and_a_space_read_as_the_comma_ones(
        tmp_path: Path) -> None:
    """A OneRoster bundle written ``"sourcedId", "status", ...``: its records are those of
    its plain twin (a quoted comma, quote or line break in a cell kept), with one ``other``
    problem on line 1 of each such file. Before, every name but the first was a column of
    its own (`` "role"``): no user had a role, no enrollment a class, and a row with a
    quoted comma was lost."""
    from tests.test_csv_equivalence import assert_same

    plain = oneroster(tmp_path / "plain", ",")
    messy = tmp_path / "messy"
    messy.mkdir()
    (messy / "manifest.csv").write_text(MANIFEST)
    (messy / "orgs.csv").write_text(text(ORGS))
    for name, rows in (("classes.csv", CLASSES), ("users.csv", USERS),
                       ("enrollments.csv", ENROLLMENTS)):
        (messy / name).write_text(spaced(rows), newline="")
    want, got = rostergraph.load(plain), rostergraph.load(messy)
    assert records(got) == records(want)
    told = [(p.file, p.line, p.code) for p in got.problems]
    assert told == [(n, 1, "other") for n in ("classes.csv", "users.csv", "enrollments.csv")]
    assert "quoted after a separator and spaces" in got.problems[0].message
    assert_same("oneroster", messy)
