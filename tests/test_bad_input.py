"""The bad-input catalogue (docs/bad-input.md): one test per row, on real files.

Each test writes a small hostile input to disk, loads it, and pins down what
rostergraph does: which error is raised (always a RosterError), or which
problem is listed (with its location) while every other record still loads.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

import rostergraph
from rostergraph.errors import FormatError, LimitError, RosterError
from rostergraph.io.clever_json import read_clever_json
from rostergraph.io.limits import Limits, safe_zip_members
from rostergraph.io.oneroster import read_oneroster
from rostergraph.model import parse_date
from rostergraph.safety import neutralize_cell, safe_filename
from rostergraph.table import Table

U1 = {"id": "u1", "roles": {"student": {"school": "sc1"}}}
U2 = {"id": "u2", "roles": {"teacher": {"school": "sc1"}}}


def _jsonl(folder: Path, kind: str, *lines: bytes, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / (name or f"{kind}.jsonl")).write_bytes(b"\n".join(lines) + b"\n")
    return folder


def _codes(roster: Any) -> list[tuple[str, int | None]]:
    return [(p.code, p.line if p.line is not None else p.index) for p in roster.problems]


def _rules(roster: Any) -> set[str]:
    return {f.rule for f in rostergraph.validate(roster).findings}


# --- JSON ----------------------------------------------------------------------


def test_malformed_json_document_raises_with_location(tmp_path: Path) -> None:
    """A .json file that is not JSON raises FormatError naming file, line and column."""
    (tmp_path / "users.json").write_bytes(b'[{"id": "u1"},\n {"id": }]')
    with pytest.raises(FormatError) as err:
        rostergraph.load(tmp_path)
    assert "users.json:2:" in str(err.value)


def test_malformed_jsonl_line_is_a_problem_at_its_line(tmp_path: Path) -> None:
    """A broken JSON Lines line is a syntax problem at its line; the other lines load."""
    r = rostergraph.load(_jsonl(tmp_path, "users", orjson.dumps(U1), b'{"id": "x",', orjson.dumps(U2)))
    assert sorted(r.users) == ["u1", "u2"] and _codes(r) == [("syntax", 2)]
    assert r.problems[0].raw == '{"id": "x",'


def test_wrong_envelope_is_an_envelope_problem(tmp_path: Path) -> None:
    """A top-level object that is no Clever envelope is an envelope problem, not a crash."""
    (tmp_path / "users.json").write_bytes(b'{"items": [{"id": "u1"}]}')
    r = rostergraph.load(tmp_path)
    assert len(r.users) == 0 and [p.code for p in r.problems] == ["envelope"]


def test_record_without_id_is_listed_with_raw_text(tmp_path: Path) -> None:
    """A record without an id is a no_id problem with its raw text."""
    r = rostergraph.load(_jsonl(tmp_path, "users", b'{"email": "a@b"}', orjson.dumps(U1)))
    assert list(r.users) == ["u1"] and _codes(r) == [("no_id", 1)]


def test_id_of_wrong_type_is_a_no_id_problem(tmp_path: Path) -> None:
    """An id that is a number is not coerced, and an empty id names nothing: each record
    is a no_id problem."""
    r = rostergraph.load(_jsonl(tmp_path, "users", b'{"id": 7}', orjson.dumps(U1),
                                b'{"id": ""}'))
    assert list(r.users) == ["u1"] and _codes(r) == [("no_id", 1), ("no_id", 3)]


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_empty_id_is_a_no_id_problem_as_in_the_csv_formats(tmp_path: Path, suffix: str) -> None:
    """An empty string id names no record (an empty id cell is ``no_id`` in both CSV
    formats, so the record would vanish on conversion): a no_id problem with its raw text
    on the fast and the general path — it loaded as user ``""`` with no problem."""
    rows = [{"id": "", "roles": {"student": {"school": "s1"}}}, U1]
    if suffix == ".jsonl":
        path = _jsonl(tmp_path, "users", *(orjson.dumps(x) for x in rows))
    else:
        (tmp_path / "users.json").write_bytes(orjson.dumps(rows))
        path = tmp_path
    r = rostergraph.load(path)
    assert list(r.users) == ["u1"]
    assert [p.code for p in r.problems] == ["no_id"] and '"id":""' in r.problems[0].raw


def test_duplicate_id_keeps_the_first_record(tmp_path: Path) -> None:
    """A second record with a seen id is a duplicate_id problem; the first is kept."""
    r = rostergraph.load(_jsonl(tmp_path, "users", orjson.dumps(U1),
                                orjson.dumps(dict(U1, email="later"))))
    assert r.users["u1"].email is None and _codes(r) == [("duplicate_id", 2)]


def test_field_of_wrong_type_is_kept_in_extra(tmp_path: Path) -> None:
    """A known field with a wrong type is None, its value kept in extra, and a bad_field problem."""
    r = rostergraph.load(_jsonl(tmp_path, "users", orjson.dumps(dict(U1, email=42))))
    assert r.users["u1"].email is None and r.users["u1"].extra["email"] == 42
    assert [(p.code, p.field) for p in r.problems] == [("bad_field", "email")]


def test_a_list_with_an_item_of_the_wrong_type_keeps_its_other_items(tmp_path: Path) -> None:
    """One item of the wrong type in a list (a ``null`` student, a number among schools, a
    relationship that is no object) is a bad_field problem; the list's other items still
    count (nothing valid is lost), and the list as given is kept in extra."""
    sec = {"id": "se1", "school": "sc1", "teachers": ["u2", 7], "students": ["u3", None]}
    u3 = {"id": "u3", "roles": {"student": {"school": "sc1", "schools": ["sc1", 7]}}}
    c1 = {"id": "c1", "roles": {"contact": {"student_relationships": [{"student": "u3"}, 5]}}}
    r = rostergraph.load(_jsonl(_jsonl(tmp_path, "users", *map(orjson.dumps, (U2, u3, c1))),
                                "sections", orjson.dumps(sec)))
    assert r.sections["se1"].students == ("u3",) and r.sections["se1"].teachers == ("u2",)
    assert r.sections["se1"].extra["students"] == ["u3", None]
    assert r.users["u3"].roles.student.schools == ("sc1",)
    assert [x.student for x in r.users["c1"].roles.contact.student_relationships] == ["u3"]
    assert rostergraph.model.record_to_dict(r.users["c1"]) == c1  # (written back as given)
    assert sorted(p.field or "" for p in r.problems if p.code == "bad_field") == [
        "roles.contact.student_relationships", "roles.student.schools", "students",
        "teachers"]
    g = rostergraph.RosterGraph.from_roster(r)
    assert [(t, s) for t, s, _ in rostergraph.reach_pairs(g)] == [("u2", "u3")]
    assert not len(rostergraph.orphaned_users(g))


def test_item_that_is_not_an_object_is_listed(tmp_path: Path) -> None:
    """An array item that is a list or a number is a not_object problem at its index."""
    (tmp_path / "users.json").write_bytes(orjson.dumps([[1, 2], U1, 5]))
    r = rostergraph.load(tmp_path)
    assert list(r.users) == ["u1"] and _codes(r) == [("not_object", 0), ("not_object", 2)]


def test_nested_object_without_id_keeps_its_record(tmp_path: Path) -> None:
    """A district_contact without an id does not make its district a no_id problem."""
    (tmp_path / "districts.json").write_bytes(orjson.dumps([{"id": "d1", "district_contact": {}}]))
    r = rostergraph.load(tmp_path)
    assert list(r.districts) == ["d1"] and r.problems == []


def test_dangling_references_become_stub_nodes_and_findings(tmp_path: Path) -> None:
    """A section naming a missing school/teacher loads; the ids are stubs and RG-REF-001 fires."""
    sec = {"id": "se1", "school": "nowhere", "teacher": "ghost", "teachers": ["ghost"],
           "students": ["u1"]}
    r = rostergraph.load(_jsonl(_jsonl(tmp_path, "users", orjson.dumps(U1)), "sections",
                                orjson.dumps(sec)))
    g = rostergraph.RosterGraph.from_roster(r)
    assert "nowhere" in set(g.ids("school")[g.missing("school")])
    assert "ghost" in set(g.ids("user")[g.missing("user")])
    assert "RG-REF-001" in _rules(r)


def test_section_whose_student_is_a_teacher_is_a_finding(tmp_path: Path) -> None:
    """A teacher-only user listed as a section's student loads and is reported by RG-REF-002."""
    sec = {"id": "se1", "school": "sc1", "teacher": "u2", "teachers": ["u2"],
           "students": ["u2"]}
    r = rostergraph.load(_jsonl(_jsonl(tmp_path, "users", orjson.dumps(U2)), "sections",
                                orjson.dumps(sec)))
    assert r.sections["se1"].students == ("u2",)
    assert "RG-REF-002" in _rules(r)


def test_invalid_dates_are_kept_as_text_and_reported(tmp_path: Path) -> None:
    """A term dated 2024-02-30 keeps its text, parses to None, and RG-TRM-002 fires."""
    r = rostergraph.load(_jsonl(tmp_path, "terms", orjson.dumps(
        {"id": "t1", "name": "Spring", "start_date": "2024-02-30", "end_date": "2024-06-01"})))
    assert r.terms["t1"].start_date == "2024-02-30" and r.terms["t1"].start_date_parsed is None
    assert "RG-TRM-002" in _rules(r)


def test_spreadsheet_dates_with_a_time_of_day_are_dates(tmp_path: Path) -> None:
    """``8/1/2024 12:00:00 AM`` and ``2024/08/01`` (as spreadsheets and SIS exports write
    dates) parse; RG-TRM-002 judges only the range, and a day that is no day still fires."""
    r = rostergraph.load(_jsonl(tmp_path, "terms", *(orjson.dumps(t) for t in (
        {"id": "t1", "name": "Fall", "start_date": "8/1/2024 12:00:00 AM",
         "end_date": "2024/12/20 23:59"},
        {"id": "t2", "name": "Spring", "start_date": "1/6/2025 00:00:00",
         "end_date": "2/30/2025 12:00:00 AM"}))))
    assert r.terms["t1"].start_date_parsed < r.terms["t1"].end_date_parsed
    found = [f.ids for f in rostergraph.validate(r).findings if f.rule == "RG-TRM-002"]
    assert found == [("t2",)]


def test_iso_timestamps_are_dates_only_with_a_real_time_of_day(tmp_path: Path) -> None:
    """ISO 8601 timestamps as APIs and SQL exports write them parse (``T07:00:00.000Z``,
    ``00:00:00.0000000 +00:00``, ``-05:00``, a spreadsheet's ``12:00:00 AM``); a date
    followed by anything else (``99:99``, ``T`` and text) is no date: RG-TRM-002 fires."""
    terms = [{"id": "ok1", "start_date": "2024-08-01T07:00:00.000Z",
              "end_date": "2024-12-20 00:00:00.0000000 +00:00"},
             {"id": "ok2", "start_date": "2024-08-01T00:00:00-05:00",
              "end_date": "2024-12-20 12:00:00 AM"},
             {"id": "bad1", "start_date": "2024-08-01 99:99", "end_date": "2024-12-20"},
             {"id": "bad2", "start_date": "2024-08-01", "end_date": "2024-12-20Tomorrow"}]
    r = rostergraph.load(_jsonl(tmp_path, "terms", *(orjson.dumps(t) for t in terms)))
    assert r.terms["ok1"].start_date_parsed < r.terms["ok1"].end_date_parsed
    assert r.terms["ok2"].end_date_parsed == date(2024, 12, 20)
    found = [f.ids for f in rostergraph.validate(r).findings if f.rule == "RG-TRM-002"]
    assert found == [("bad1",), ("bad2",)]


@pytest.mark.parametrize("stamp", [
    "2024-08-01 07:00:00 UTC",  # BigQuery's CSV export of a TIMESTAMP
    "2024-08-01 07:00:00.000000 UTC",
    "2024-08-01 07:00:00 +0000 UTC",  # Go's time.Time
    "2024-08-01T07:00Z[UTC]",  # Java's ZonedDateTime
    "2024-08-01T07:00:00+02:00[Europe/Paris]",
    "2024-08-01t07:00:00z",  # RFC 3339 allows t and z in lower case
    "2024-08-01T23:59:60Z",  # and a leap second
    "2024-08-01 07:00:00 GMT",
])
def test_iso_timestamps_with_a_zone_name_are_dates(tmp_path: Path, stamp: str) -> None:
    """Timestamps as real exports write them, a zone's name after the time of day, parse
    (they did before only a valid time of day was let follow a date); RG-TRM-002 is
    quiet about them."""
    r = rostergraph.load(_jsonl(tmp_path, "terms", orjson.dumps(
        {"id": "t1", "name": "Fall", "start_date": stamp, "end_date": "2024-12-20"})))
    assert r.terms["t1"].start_date_parsed == date(2024, 8, 1)
    assert "RG-TRM-002" not in _rules(r)
    assert parse_date(stamp + " x") is None  # (nothing else may follow)


def test_invalid_utf8_line_is_an_encoding_problem(tmp_path: Path) -> None:
    """A JSON Lines line with bytes that are not UTF-8 (a SIS writing Latin-1) is an
    encoding problem at its line; the record still loads, the bytes replaced by U+FFFD,
    in the fast reader as in the general one."""
    r = rostergraph.load(_jsonl(tmp_path, "users", b'{"id": "u9", "name": {"last": "Mu\xf1oz"}}',
                                orjson.dumps(U1), b'{"id": "u8", \xff}'))
    assert list(r.users) == ["u9", "u1"] and r.users["u9"].name.last == "Mu\ufffdoz"
    assert _codes(r) == [("encoding", 1), ("encoding", 3)]
    assert r.problems[0].record_id == "u9" and "Mu\\xf1oz" in r.problems[0].raw


def test_invalid_utf8_document_is_an_encoding_problem(tmp_path: Path) -> None:
    """A .json document with bytes that are not UTF-8 loads with them replaced by U+FFFD and
    one encoding problem naming its first bad line; one that is no JSON even then raises
    FormatError with its location."""
    (tmp_path / "users.json").write_bytes(b'[{"id": "u0"},\n {"id": "u1", "email": "\xff"}]')
    r = rostergraph.load(tmp_path)
    assert list(r.users) == ["u0", "u1"] and r.users["u1"].email == "\ufffd"
    assert [(p.code, p.file, p.line) for p in r.problems] == [("encoding", "users.json", 2)]
    (tmp_path / "users.json").write_bytes(b'[{"id": "u1", "email": "\xff"]')
    with pytest.raises(FormatError, match="users.json:1:"):
        rostergraph.load(tmp_path)


def test_lone_surrogate_is_kept_and_exported_as_valid_json(tmp_path: Path) -> None:
    """A \\ud800 escape (not UTF-8 text) is kept exactly and written back as valid JSON."""
    r = rostergraph.load(_jsonl(tmp_path, "users", b'{"id": "u\\ud800"}'))
    assert list(r.users) == ["u\ud800"] and r.problems == []
    import json

    assert json.loads(Table({"id": list(r.users)}).to_json()) == [{"id": "u\ud800"}]


def test_ten_megabyte_field_is_a_limit_problem(tmp_path: Path) -> None:
    """A 10 MB field in a JSON Lines record is a limit problem; its neighbours load."""
    big = orjson.dumps(dict(U2, email="x" * (10 * 2**20)))
    r = rostergraph.load(_jsonl(tmp_path, "users", orjson.dumps(U1), big))
    assert list(r.users) == ["u1"] and _codes(r) == [("limit", 2)]
    assert len(r.problems[0].raw) <= 2001  # the raw text is bounded


def test_hundred_level_nesting_is_a_limit_problem(tmp_path: Path) -> None:
    """A record nested 100 levels deep (over max_json_depth=64) is a limit problem."""
    deep = b'{"id": "u9", "x": ' + b"[" * 100 + b"]" * 100 + b"}"
    r = rostergraph.load(_jsonl(tmp_path, "users", deep, orjson.dumps(U1)))
    assert list(r.users) == ["u1"] and _codes(r) == [("limit", 1)]


def test_hundred_thousand_level_nesting_never_overflows_the_stack(tmp_path: Path) -> None:
    """A .json document nested 100,000 deep raises FormatError, not RecursionError."""
    (tmp_path / "users.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(FormatError):
        rostergraph.load(tmp_path)


def test_huge_integer_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    """A 5,000-digit number (over Python's int limit) is a syntax problem, not a ValueError."""
    r = rostergraph.load(_jsonl(tmp_path, "users", b'{"id": "u9", "n": ' + b"9" * 5000 + b"}",
                                orjson.dumps(U1)))
    assert list(r.users) == ["u1"] and _codes(r) == [("syntax", 1)]


def test_nul_byte_in_a_line_is_a_syntax_problem(tmp_path: Path) -> None:
    """A raw NUL byte in a JSON line is a syntax problem at its line."""
    r = rostergraph.load(_jsonl(tmp_path, "users", b'{"id": "u9\x00"}', orjson.dumps(U1)))
    assert list(r.users) == ["u1"] and _codes(r) == [("syntax", 1)]


def test_byte_order_marks_are_ignored(tmp_path: Path) -> None:
    """A UTF-8 BOM at the start of a .json or .jsonl file is skipped."""
    (tmp_path / "users.jsonl").write_bytes(b"\xef\xbb\xbf" + orjson.dumps(U1))
    (tmp_path / "schools.json").write_bytes(b"\xef\xbb\xbf" + orjson.dumps([{"id": "sc1"}]))
    r = rostergraph.load(tmp_path)
    assert list(r.users) == ["u1"] and list(r.schools) == ["sc1"] and r.problems == []


def test_mixed_line_endings_all_load(tmp_path: Path) -> None:
    """LF, CRLF and lone CR line ends in one JSON Lines file: every record loads."""
    (tmp_path / "users.jsonl").write_bytes(
        b'{"id": "a"}\r\n{"id": "b"}\r{"id": "c"}\n{"id": "d"}')
    r = rostergraph.load(tmp_path)
    assert sorted(r.users) == ["a", "b", "c", "d"] and r.problems == []


def test_empty_files_hold_no_records(tmp_path: Path) -> None:
    """Zero-byte .json and .jsonl files are empty kinds, not errors."""
    (tmp_path / "users.jsonl").write_bytes(b"")
    (tmp_path / "schools.json").write_bytes(b"")
    r = rostergraph.load(tmp_path)
    assert r.counts()["users"] == 0 and r.problems == []


def test_truncated_gzip_keeps_the_lines_before_the_damage(tmp_path: Path) -> None:
    """A .jsonl.gz cut short keeps the lines read so far and lists the damage."""
    body = b"\n".join(orjson.dumps({"id": f"u{i}", "n": str(i * 7919)}) for i in range(200_000))
    data = gzip.compress(body)
    (tmp_path / "users.jsonl.gz").write_bytes(data[: len(data) * 2 // 3])
    r = read_clever_json(tmp_path)
    assert 0 < len(r.users) < 200_000
    assert [p.code for p in r.problems] == ["syntax"] and "gzip" in r.problems[0].message


def test_over_long_line_is_skipped_in_bounded_memory(tmp_path: Path) -> None:
    """A line over max_line_bytes is a limit problem; the streaming reader never holds it whole.

    (Gzip forces the streaming reader; plain .jsonl folders take the fast path,
    which maps whole files: see SECURITY.md.)
    """
    import tracemalloc

    lim = Limits(max_line_bytes=2**20)
    with gzip.open(tmp_path / "users.jsonl.gz", "wb") as fh:
        fh.write(orjson.dumps(U1) + b"\n" + b'{"id": "big", "x": "')
        for _ in range(40):
            fh.write(b"y" * 2**20)
        fh.write(b'"}\n' + orjson.dumps(U2) + b"\n")
    tracemalloc.start()
    r = read_clever_json(tmp_path, strict=False, limits=lim)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert sorted(r.users) == ["u1", "u2"] and _codes(r) == [("limit", 2)]
    assert peak < 12 * 2**20, peak  # the file is 40 MiB


# --- CSV -----------------------------------------------------------------------

_OR_USERS = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
             "givenName,familyName,email\n")


def _oneroster(folder: Path, users: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.csv").write_text("propertyName,value\nmanifest.version,1.0\n"
                                         "oneroster.version,1.1\n")
    (folder / "orgs.csv").write_text("sourcedId,status,dateLastModified,name,type,identifier,"
                                     "parentSourcedId\nsc1,,,North,school,,\n")
    (folder / "users.csv").write_bytes(users.encode() if isinstance(users, str) else users)
    return folder


def test_csv_unbalanced_quote_is_a_syntax_problem(tmp_path: Path) -> None:
    """An unbalanced quote is a syntax problem at the row where it opens; rows before it load."""
    rows = (_OR_USERS + "u1,,,true,sc1,student,a,A,B,a@x\n"
            'u2,,,true,sc1,"student,b,A,B,b@x\n' + "u3,,,true,sc1,student,c,A,B,c@x\n")
    r = read_oneroster(_oneroster(tmp_path, rows))
    assert "u1" in r.users and "u2" not in r.users
    assert any(p.code == "syntax" and p.file == "users.csv" and p.line == 3 for p in r.problems)


def test_csv_missing_required_column_lists_every_row(tmp_path: Path) -> None:
    """users.csv without sourcedId: each row is a no_id problem with its line (nothing silent)."""
    rows = "givenName,familyName,role,orgSourcedIds\nA,B,student,sc1\nC,D,teacher,sc1\n"
    r = read_oneroster(_oneroster(tmp_path, rows))
    assert len(r.users) == 0
    assert [(p.code, p.line) for p in r.problems if p.file == "users.csv"] == [
        ("no_id", 2), ("no_id", 3)]


def test_csv_extra_column_is_kept_in_extra(tmp_path: Path) -> None:
    """A column OneRoster does not define is kept in extra as oneroster.<column>."""
    rows = (_OR_USERS.rstrip("\n") + ",shoeSize\n" + "u1,,,true,sc1,student,a,A,B,a@x,42\n")
    r = read_oneroster(_oneroster(tmp_path, rows))
    assert r.users["u1"].extra["oneroster.shoeSize"] == "42"


def test_csv_row_with_too_few_cells_is_a_syntax_problem(tmp_path: Path) -> None:
    """A short row is a syntax problem at its line; the other rows load."""
    rows = _OR_USERS + "u1,,,true,sc1,student,a,A,B,a@x\nshort,row\n"
    r = read_oneroster(_oneroster(tmp_path, rows))
    assert "u1" in r.users
    assert any(p.code == "syntax" and p.line == 3 for p in r.problems)


def test_csv_ten_megabyte_field_is_a_limit_problem(tmp_path: Path) -> None:
    """A 10 MB CSV cell is a limit problem at its row; the other rows load."""
    rows = (_OR_USERS + "u1,,,true,sc1,student,a,A,B,a@x\n"
            + "u2,,,true,sc1,student,b,A,B," + "x" * (10 * 2**20) + "\n")
    r = read_oneroster(_oneroster(tmp_path, rows))
    assert "u1" in r.users and "u2" not in r.users
    assert any(p.code == "limit" and p.file == "users.csv" for p in r.problems)


def test_csv_invalid_utf8_is_an_encoding_problem(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 in a CSV are an encoding problem; the rows still load."""
    rows = (_OR_USERS + "u1,,,true,sc1,student,a,A,B\xff,a@x\n").encode("latin-1")
    r = read_oneroster(_oneroster(tmp_path, rows))
    assert "u1" in r.users
    assert any(p.code == "encoding" and p.file == "users.csv" for p in r.problems)


def test_csv_empty_file_holds_no_records(tmp_path: Path) -> None:
    """A zero-byte users.csv loads no users and does not crash."""
    r = read_oneroster(_oneroster(tmp_path, ""))
    assert len(r.users) == 0 and "sc1" in r.schools


def _workbook() -> bytes:
    buf = io.BytesIO()  # (an .xlsx is a zip of XML parts)
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


@pytest.mark.parametrize(("data", "said"), [
    (_workbook(), "a zip archive (an Excel .xlsx workbook?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "an Excel 97-2003 .xls workbook"),
    (gzip.compress(b"sourcedId\nu1\n"), "gzip-compressed"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "a PDF document"),
], ids=["xlsx", "xls", "gzip", "pdf"])
@pytest.mark.parametrize("fmt", ["oneroster", "sftp"])
def test_csv_file_that_is_a_workbook_or_archive_is_named_so(
        tmp_path: Path, fmt: str, data: bytes, said: str) -> None:
    """A roster file that is a spreadsheet saved under the ``.csv`` name (an ``.xlsx`` or
    ``.xls`` renamed), compressed or a PDF: one ``syntax`` problem on its line 1 says what
    it is and that it was not read; the other files load. Before, it was read as text: an
    ``encoding`` problem for its bytes (U+FFFD) and, in OneRoster, not one user and no word
    of why, in SFTP a header without its id column."""
    if fmt == "oneroster":
        folder, name = _oneroster(tmp_path, data), "users.csv"
        r = read_oneroster(folder)
        assert "sc1" in r.schools
    else:
        folder, name = tmp_path / "sftp", "students.csv"
        folder.mkdir()
        (folder / "schools.csv").write_text("School_id,School_name\nsc1,North\n")
        (folder / "sections.csv").write_text("School_id,Section_id,Teacher_id\nsc1,x1,t1\n")
        (folder / "enrollments.csv").write_text("School_id,Section_id,Student_id\n")
        (folder / name).write_bytes(data)
        r = rostergraph.load(folder)
        assert "sc1" in r.schools and "x1" in r.sections
    told = [p for p in r.problems if p.file == name]
    assert [(p.code, p.line) for p in told] == [("syntax", 1)], told
    assert said in told[0].message and "not CSV text" in told[0].message
    assert len(r.users) == 0


def test_ids_a_spreadsheet_wrote_in_scientific_notation_are_named_so(tmp_path: Path) -> None:
    """Long numeric ids saved by a spreadsheet (``100301000001`` becomes ``1.00301E+11``,
    its last digits lost) make two users one: the problem that says so (a repeated id in
    OneRoster, a student's rows with other values in SFTP, an enrollment given twice) adds
    that the id is a number in scientific notation, the cause, which no message named."""
    hint = "'1.00301E+11' is a number in scientific notation"
    users = (_OR_USERS + "1.00301E+11,,,true,sc1,student,a,A,B,a@x\n"
             "1.00301E+11,,,true,sc1,student,b,C,D,b@x\nu3,,,true,sc1,student,c,E,F,c@x\n")
    r = read_oneroster(_oneroster(tmp_path / "or", users))
    (dup,) = [p for p in r.problems if p.code == "duplicate_id"]
    assert hint in dup.message and "u3" in r.users
    folder = tmp_path / "sftp"
    folder.mkdir()
    (folder / "schools.csv").write_text("School_id,School_name\nsc1,North\n")
    (folder / "students.csv").write_text("School_id,Student_id,First_name\nsc1,1.00301E+11,Ann\n"
                                         "sc1,1.00301E+11,Bo\nsc1,u3,Cy\n")
    (folder / "sections.csv").write_text("School_id,Section_id,Teacher_id\nsc1,x1,t1\n")
    (folder / "enrollments.csv").write_text("School_id,Section_id,Student_id\n"
                                            "sc1,x1,1.00301E+11\nsc1,x1,1.00301E+11\n")
    r = rostergraph.load(folder)
    told = [p for p in r.problems if "1.00301E+11" in p.message]
    assert [(p.file, p.line) for p in told] == [("students.csv", 3), ("enrollments.csv", 3)]
    assert all(hint in p.message for p in told)
    assert not any("scientific" in p.message for p in r.problems if p not in told)


# --- zip archives -----------------------------------------------------------------


def _zip(path: Path, members: dict[str, bytes], *, symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


def _bundle_members() -> dict[str, bytes]:
    return {"manifest.csv": b"propertyName,value\noneroster.version,1.1\n",
            "users.csv": (_OR_USERS + "u1,,,true,sc1,student,a,A,B,a@x\n").encode()}


def test_zero_byte_zip_raises_format_error(tmp_path: Path) -> None:
    """An empty file named .zip raises FormatError (no traceback, no partial roster)."""
    (tmp_path / "bundle.zip").write_bytes(b"")
    with pytest.raises(RosterError):
        rostergraph.load(tmp_path / "bundle.zip")
    with pytest.raises(FormatError):
        read_oneroster(tmp_path / "bundle.zip")


def test_zip_with_dotdot_paths_is_refused(tmp_path: Path) -> None:
    """A zip member named ../users.csv makes the whole archive a FormatError."""
    z = _zip(tmp_path / "b.zip", {**_bundle_members(), "../users.csv": b"sourcedId\nx\n"})
    with pytest.raises(FormatError, match="escapes the archive"):
        read_oneroster(z)


def test_zip_with_absolute_path_is_refused(tmp_path: Path) -> None:
    """A zip member with an absolute name is refused."""
    z = _zip(tmp_path / "b.zip", {**_bundle_members(), "/tmp/users.csv": b"sourcedId\nx\n"})
    with pytest.raises(FormatError, match="escapes the archive"):
        read_oneroster(z)


def test_zip_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    """A member that compresses over 1000:1 (a zip bomb) raises LimitError."""
    z = _zip(tmp_path / "b.zip", {**_bundle_members(), "users.csv": b"\0" * (50 * 2**20)})
    with pytest.raises(LimitError, match="zip bomb"):
        read_oneroster(z)


def test_zip_over_total_size_limit_is_refused(tmp_path: Path) -> None:
    """Members inflating to more than max_zip_total_bytes raise LimitError."""
    z = _zip(tmp_path / "b.zip", _bundle_members())
    with pytest.raises(LimitError):
        read_oneroster(z, limits=Limits(max_zip_total_bytes=50))


def test_zip_with_too_many_entries_is_refused(tmp_path: Path) -> None:
    """An archive with more members than max_zip_entries raises LimitError."""
    z = _zip(tmp_path / "b.zip", {**_bundle_members(), **{f"junk{i}.txt": b"" for i in range(20)}})
    with pytest.raises(LimitError, match="max_zip_entries"):
        read_oneroster(z, limits=Limits(max_zip_entries=10))


def test_zip_member_lying_about_its_size_is_caught(tmp_path: Path) -> None:
    """A member that inflates to more than its directory entry says raises LimitError."""
    z = _zip(tmp_path / "b.zip", {"users.csv": b"x" * 5000})
    raw = bytearray(z.read_bytes())
    # patch the uncompressed size (central directory) down to 10 bytes
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 24:cd + 28] = (10).to_bytes(4, "little")
    z.write_bytes(bytes(raw))
    from rostergraph.io.limits import read_zip_member

    with zipfile.ZipFile(z) as zf, pytest.raises((LimitError, FormatError)):
        read_zip_member(zf, zf.infolist()[0])


def test_zip_with_symlink_member_is_refused(tmp_path: Path) -> None:
    """A zip member that is a symbolic link makes the archive a FormatError."""
    z = _zip(tmp_path / "b.zip", _bundle_members(), symlink="orgs.csv")
    with zipfile.ZipFile(z) as zf, pytest.raises(FormatError, match="symbolic link"):
        safe_zip_members(zf)
    with pytest.raises(FormatError, match="symbolic link"):
        read_oneroster(z)


def test_symlink_in_a_folder_pointing_outside_is_refused(tmp_path: Path) -> None:
    """users.jsonl -> a file outside the dump folder raises FormatError (never read)."""
    outside = tmp_path / "secret.txt"
    outside.write_text('{"id": "leak"}\n')
    dump = tmp_path / "dump"
    dump.mkdir()
    os.symlink(outside, dump / "users.jsonl")
    with pytest.raises(FormatError, match="outside the roster folder"):
        rostergraph.load(dump)
    csvdump = _oneroster(tmp_path / "or", _OR_USERS)
    os.symlink(outside, csvdump / "classes.csv")
    with pytest.raises(FormatError, match="outside the roster folder"):
        read_oneroster(csvdump)


def test_symlink_inside_the_folder_is_followed(tmp_path: Path) -> None:
    """A symlink to a file inside the same folder is read normally."""
    _jsonl(tmp_path, "users", orjson.dumps(U1), name="real-users.data")
    os.symlink(tmp_path / "real-users.data", tmp_path / "users.jsonl")
    assert list(rostergraph.load(tmp_path).users) == ["u1"]


def _not_a_file(path: Path, how: str) -> None:
    """``path`` (a file of a roster folder) made a folder, a link to nothing or a link to
    itself."""
    path.unlink()
    if how == "folder":
        path.mkdir()
    elif how == "dangling":
        path.symlink_to(path.parent / "gone-elsewhere")
    else:
        path.symlink_to(path)


@pytest.mark.parametrize("how", ["folder", "dangling", "loop"])
@pytest.mark.parametrize(("fmt", "name"), [("clever-json", "sections.jsonl"),
                                           ("clever-csv", "sections.csv"),
                                           ("oneroster", "users.csv"),
                                           ("clever-legacy", "teachers.json")])
def test_a_roster_file_that_is_no_file_is_a_missing_file_naming_it(
        tmp_path: Path, fmt: str, name: str, how: str) -> None:
    """A kind's file that is a folder, a link to nothing (a drive not mounted) or a link
    loop: a ``missing_file`` problem naming it, every other file loads, strict mode raises
    it. The kind was empty without a word (and an SFTP folder was not recognised)."""
    from rostergraph.io.write_oneroster import write_oneroster
    from rostergraph.io.write_sftp import write_clever_csv

    d = tmp_path / "d"
    if fmt == "clever-legacy":
        d.mkdir()
        (d / "students.json").write_text('[{"id": "s1", "name": {"first": "A"}}]',
                                         encoding="utf-8")
        (d / "teachers.json").write_text('[{"id": "t1"}]', encoding="utf-8")
    elif fmt == "clever-json":
        rostergraph.synth.district(None, students=40, seed=3).write(d)
    elif fmt == "clever-csv":
        write_clever_csv(rostergraph.sample(), d)
    else:
        write_oneroster(rostergraph.sample(), d)
    _not_a_file(d / name, how)
    r = rostergraph.load(d)
    assert r.provenance.format == fmt
    (told,) = [p for p in r.problems if p.code == "missing_file" and p.file == name]
    assert told.message.startswith(f"{name} is a ")
    assert len(r.users if name != "users.csv" else r.sections) > 0
    with pytest.raises(FormatError, match="not a file"):
        rostergraph.load(d, strict=True)


# --- outputs ---------------------------------------------------------------------


def test_formula_in_a_name_loads_unchanged_and_exports_neutralized(tmp_path: Path) -> None:
    """A name =HYPERLINK(...) is kept exactly in the roster and neutralized in CSV exports."""
    evil = '=HYPERLINK("http://evil.example","click")'
    r = rostergraph.load(_jsonl(tmp_path, "schools", orjson.dumps({"id": "sc1", "name": evil})))
    assert r.schools["sc1"].name == evil
    text = Table({"name": [r.schools["sc1"].name]}).to_csv()
    assert text.splitlines()[1].startswith('"\'=HYPERLINK') or \
        text.splitlines()[1].startswith("'=HYPERLINK")
    assert neutralize_cell(evil) == "'" + evil


def test_path_traversal_in_an_id_never_becomes_a_path() -> None:
    """An id like ../../etc/passwd becomes one harmless file name."""
    name = safe_filename("../../etc/passwd")
    assert "/" not in name and not name.startswith(".")


def test_only_roster_errors_escape_the_cli(tmp_path: Path) -> None:
    """The CLI turns a hostile input into a one-line error and exit code 2."""
    from rostergraph.cli import main

    (tmp_path / "users.json").write_bytes(b"[" * 100_000)
    err = io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err):
        code = main(["summary", str(tmp_path)])
    assert code == 2 and err.getvalue().count("\n") == 1


def test_catalogue_rows_name_existing_tests() -> None:
    """Every row of docs/bad-input.md names a test of this module, and there are at least 30."""
    import re

    doc = (Path(__file__).resolve().parent.parent / "docs" / "bad-input.md").read_text()
    named = re.findall(r"^\|\s*\d+\s*\|.*\|\s*`(test_\w+)`\s*\|\s*$", doc, flags=re.MULTILINE)
    assert len(named) >= 30
    missing = [n for n in named if not callable(globals().get(n))]
    assert missing == []


def test_load_passes_limits_to_the_reader(tmp_path: Path) -> None:
    """rostergraph.load(limits=...) applies the given bounds (here a 50-byte field limit)."""
    _jsonl(tmp_path, "users", orjson.dumps(dict(U1, email="x" * 100)))
    assert _codes(rostergraph.load(tmp_path, limits=Limits(max_field_bytes=50))) == [("limit", 1)]
    assert rostergraph.load(tmp_path).problems == []


@pytest.mark.parametrize(("value", "ascii_form"), [
    ("２０２４-08-01", "2024-08-01"),  # fullwidth digits
    ("٢٠٢٤-٠٨-٠١", "2024-08-01"),  # Arabic-Indic digits
    ("8/1/２０２４", "8/1/2024"),
    ("2024０801", "20240801"),
])
def test_dates_in_other_scripts_digits_are_not_dates(value: str, ascii_form: str) -> None:
    """Only ASCII digits make a date: ``int`` reads any script's digits, so a date
    written with fullwidth or Arabic-Indic digits parsed as its ASCII form before."""
    assert parse_date(value) is None
    assert parse_date(ascii_form) == date(2024, 8, 1)
