"""Writers: Clever JSON/JSONL, SFTP CSV, OneRoster; their loss reports, atomic files,
and the ``rostergraph convert`` command."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import rostergraph
from rostergraph.cli import main
from rostergraph.io.convert import convert
from rostergraph.io.write import write_clever_json
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
from rostergraph.model import record_to_dict

REPORT_COLUMNS = ["kind", "field", "count", "how"]


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("jsonl", [False, True])
def test_clever_json_writer_is_lossless(tmp_path: Path, jsonl: bool) -> None:
    """Envelope and JSON Lines output read back record for record; the report is empty."""
    src = rostergraph.sample()
    report = write_clever_json(src, tmp_path, jsonl=jsonl)
    assert report.columns == REPORT_COLUMNS and len(report) == 0
    suffix = ".jsonl" if jsonl else ".json"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        k + suffix for k in ("districts", "schools", "terms", "courses", "sections", "users"))
    back = rostergraph.load(tmp_path)
    for kind in ("districts", "schools", "terms", "courses", "sections", "users"):
        assert [record_to_dict(r) for r in back.records(kind).values()] == [
            record_to_dict(r) for r in src.records(kind).values()]


def test_clever_json_envelope_shape(tmp_path: Path) -> None:
    """The envelope holds {data: [{data, uri}], links} as the API returns it."""
    write_clever_json(rostergraph.sample(), tmp_path)
    doc = json.loads((tmp_path / "sections.json").read_text())
    assert set(doc) == {"data", "links"}
    first = doc["data"][0]
    assert first["uri"] == f"/v3.0/sections/{first['data']['id']}"


def test_oneroster_writer_files_and_manifest(tmp_path: Path) -> None:
    """A 1.1 bulk bundle: manifest, one org per district/school, enrollments per section."""
    src = rostergraph.sample()
    write_oneroster(src, tmp_path / "or")
    manifest = {r["propertyName"]: r["value"] for r in _csv(tmp_path / "or" / "manifest.csv")}
    assert manifest["oneroster.version"] == "1.1"
    for name in ("orgs", "academicSessions", "courses", "classes", "users", "enrollments"):
        assert manifest[f"file.{name}"] == "bulk" and (tmp_path / "or" / f"{name}.csv").is_file()
    orgs = _csv(tmp_path / "or" / "orgs.csv")
    assert {o["sourcedId"] for o in orgs} == set(src.districts) | set(src.schools)
    enr = _csv(tmp_path / "or" / "enrollments.csv")
    for sid, sec in src.sections.items():
        rows = [e for e in enr if e["classSourcedId"] == sid and e["role"] == "student"]
        assert len(rows) == len(set(sec.students or ()))
        prim = [e["userSourcedId"] for e in enr if e["classSourcedId"] == sid
                and e["role"] == "teacher" and e["primary"] == "true"]
        assert prim == ([sec.teacher] if sec.teacher in (sec.teachers or ()) else [])


def test_oneroster_zip_output(tmp_path: Path) -> None:
    """A .zip path gives a zip whose members sit at the root."""
    write_oneroster(rostergraph.sample(), tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        assert "manifest.csv" in zf.namelist() and all("/" not in n for n in zf.namelist())


def test_reports_list_every_field_a_format_cannot_carry(tmp_path: Path) -> None:
    """Without extensions, fields with no column are 'dropped' in the report, never silent."""
    src = rostergraph.sample()
    rep = write_clever_csv(src, tmp_path / "s", extensions=False).to_dicts()
    dropped = {(r["kind"], r["field"]): r["count"] for r in rep if r["how"] == "dropped"}
    # SFTP CSV has no created/last_modified columns: every user's timestamps are reported
    n_created = sum(1 for u in src.users.values() if u.created is not None)
    assert dropped[("users", "created")] == n_created
    n_sec = sum(1 for s in src.sections.values() if s.created is not None)
    assert dropped[("sections", "created")] == n_sec
    rep_or = write_oneroster(src, tmp_path / "o", extensions=False).to_dicts()
    assert any(r["how"] == "dropped" and r["field"] == "roles.student.student_number"
               for r in rep_or)
    # with extensions the same fields are carried, not dropped
    rep_ext = write_oneroster(src, tmp_path / "o2").to_dicts()
    assert not any(r["how"] == "dropped" for r in rep_ext)
    assert any(r["how"] == "extension" and r["field"] == "roles.student.student_number"
               for r in rep_ext)


def test_sftp_without_extensions_reports_the_district_it_cannot_say(tmp_path: Path) -> None:
    """SFTP has no district file: without extension columns every record's ``district``
    reads back as none, so the report says it is dropped for each kind (it listed only the
    district record, and the schools' and users' district went silently)."""
    src = rostergraph.sample()
    rep = write_clever_csv(src, tmp_path / "s", extensions=False).to_dicts()
    dropped = {(r["kind"], r["field"]): r["count"] for r in rep if r["how"] == "dropped"}
    back = rostergraph.load(tmp_path / "s")
    for kind in ("schools", "users", "sections"):
        had = [k for k, rec in src.records(kind).items() if rec.district is not None]
        lost = [k for k in had if k in back.records(kind)
                and back.records(kind)[k].district is None]
        assert lost and dropped[(kind, "district")] >= len(lost), kind
    rep_ext = write_clever_csv(src, tmp_path / "e").to_dicts()  # (carried in extensions)
    assert not any(r["field"] == "district" for r in rep_ext)


def test_sftp_writer_standard_files_without_extensions(tmp_path: Path) -> None:
    """--no-extensions writes only Clever's files and columns."""
    write_clever_csv(rostergraph.sample(), tmp_path, extensions=False)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["enrollments.csv", "schools.csv", "sections.csv", "staff.csv",
                     "students.csv", "teachers.csv"]
    header = next(csv.reader(io.StringIO((tmp_path / "sections.csv").read_text())))
    assert "Term_id" not in header and "Course_id" not in header
    assert header[:3] == ["School_id", "Section_id", "Teacher_id"]


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path: Path) -> None:
    """Rewriting a folder replaces files in place and leaves no temporary files behind."""
    out = tmp_path / "o"
    write_clever_csv(rostergraph.sample(), out)
    before = {p.name for p in out.iterdir()}
    (out / "schools.csv").write_text("garbage")
    write_clever_csv(rostergraph.sample(), out)
    assert {p.name for p in out.iterdir()} == before
    assert (out / "schools.csv").read_text().startswith("School_id")
    write_oneroster(rostergraph.sample(), tmp_path / "z.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o", "z.zip"]


def test_write_into_a_file_path_is_refused(tmp_path: Path) -> None:
    """A folder writer given an existing file raises SourceError and writes nothing."""
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(rostergraph.SourceError):
        write_clever_json(rostergraph.sample(), f)
    assert f.read_text() == "x"


def test_convert_from_the_wrong_format_writes_nothing(tmp_path: Path) -> None:
    """``convert(..., format="oneroster")`` of a Clever SFTP upload read every row as a
    problem and wrote an empty roster; it raises instead, naming the format it looks
    like and the first problem, and writes nothing."""
    from rostergraph.errors import SourceError

    write_clever_csv(rostergraph.sample(), tmp_path / "sftp")
    with pytest.raises(SourceError, match="read as oneroster, though it looks like "
                                          "clever-csv, it gives no record"):
        convert(tmp_path / "sftp", tmp_path / "out", to="clever-jsonl", format="oneroster")
    assert not (tmp_path / "out").exists()


def test_convert_function_and_unknown_target(tmp_path: Path) -> None:
    """convert() loads any format and writes another; an unknown target is a ValueError."""
    convert(rostergraph.sample_path(), tmp_path / "s", to="clever-csv")
    convert(tmp_path / "s", tmp_path / "j", to="clever-jsonl")
    assert len(rostergraph.load(tmp_path / "j").sections) == len(rostergraph.sample().sections)
    with pytest.raises(ValueError, match="unknown target"):
        convert(rostergraph.sample_path(), tmp_path / "x", to="xml")


def test_convert_into_a_folder_holding_another_formats_roster_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Detection would read the folder's earlier roster, not the one written: convert
    refuses before reading or writing anything, naming the folder and its files; the same
    format (either Clever JSON form) is replaced as before."""
    convert(rostergraph.sample_path(), tmp_path / "j", to="clever-jsonl")
    before = sorted(p.name for p in (tmp_path / "j").iterdir())
    with pytest.raises(rostergraph.SourceError, match=r"sections\.jsonl.*empty folder") as err:
        convert(rostergraph.sample_path(), tmp_path / "j", to="clever-csv")
    assert str(tmp_path / "j") in str(err.value)
    assert sorted(p.name for p in (tmp_path / "j").iterdir()) == before
    assert main(["convert", "--sample", str(tmp_path / "j"), "--to", "oneroster"]) == 2
    assert "another format" in capsys.readouterr().err
    convert(rostergraph.sample_path(), tmp_path / "j", to="clever-json")  # (replaced)
    assert sorted(p.suffix for p in (tmp_path / "j").iterdir()) == [".json"] * len(before)
    assert len(rostergraph.load(tmp_path / "j").users) == len(rostergraph.sample().users)
    # the reader's other names count too: any case, .ndjson, gzipped
    (tmp_path / "k").mkdir()
    for name in ("USERS.JSONL", "sections.ndjson.gz"):
        (tmp_path / "k" / name).write_bytes(b"")
    with pytest.raises(rostergraph.SourceError, match=r"USERS\.JSONL, sections\.ndjson\.gz"):
        convert(rostergraph.sample_path(), tmp_path / "k", to="oneroster")


def test_convert_refuses_its_source_folder_and_writers_never_remove_their_source(
        tmp_path: Path) -> None:
    """A conversion in place would replace the district's own files (a redacted copy over
    the originals): refused. A writer given the folder its roster was read from writes
    there but removes none of the files it did not make."""
    src = tmp_path / "src"
    convert(rostergraph.sample_path(), src, to="clever-json")
    before = sorted(p.name for p in src.iterdir())
    with pytest.raises(rostergraph.SourceError, match="is the source"):
        convert(src, src, to="clever-jsonl")
    assert sorted(p.name for p in src.iterdir()) == before
    write_clever_json(rostergraph.load(src), src, jsonl=True)
    assert set(before) <= {p.name for p in src.iterdir()}  # the .json files are still there
    other = tmp_path / "other"
    convert(rostergraph.sample_path(), other, to="clever-json")
    write_clever_json(rostergraph.load(src), other, jsonl=True)  # an earlier write: replaced
    assert sorted(p.suffix for p in other.iterdir()) == [".jsonl"] * len(before)


def test_cli_convert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`rostergraph convert` writes the target and prints the report; --fail-on-drop exits 1."""
    assert main(["convert", "--sample", str(tmp_path / "or.zip"), "--to", "oneroster"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert main(["convert", str(tmp_path / "or.zip"), str(tmp_path / "s"), "--to",
                 "clever-csv", "--no-extensions", "--fail-on-drop"]) == 1
    assert main(["convert", str(tmp_path / "s"), str(tmp_path / "j"), "--to", "clever-json",
                 "--report-format", "json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == []
    assert main(["convert", str(tmp_path / "missing"), str(tmp_path / "x"), "--to",
                 "clever-json"]) == 2


def test_console_script_convert(tmp_path: Path) -> None:
    """The command runs as a process too (python -m rostergraph)."""
    out = subprocess.run([sys.executable, "-m", "rostergraph", "convert", "--sample",
                          str(tmp_path / "o"), "--to", "oneroster", "--report-format", "csv"],
                         capture_output=True, text=True, cwd=Path(__file__).parents[1],
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == ",".join(REPORT_COLUMNS)


def test_formats_doc_names_every_mapped_column() -> None:
    """docs/formats.md lists every SFTP and OneRoster column the readers map."""
    from rostergraph.io import oneroster, oneroster_users
    from rostergraph.io.clever_csv import SFTP_COLUMNS
    from rostergraph.io.sftp_columns import CONTACT_FIELDS

    doc = (Path(__file__).parents[1] / "docs" / "formats.md").read_text()
    for cols in SFTP_COLUMNS.values():
        for col, _ in cols:
            assert f"`{col}`" in doc or f"{col}`" in doc, col
    for f, _ in CONTACT_FIELDS[1:]:
        assert f"`Contact_{f}`" in doc, f
    for table in (oneroster._ORG_COLS, oneroster._TERM_COLS, oneroster._COURSE_COLS,
                  oneroster._CLASS_COLS, oneroster_users._USER_COLS):
        for col in table:
            assert f"`{col}`" in doc, col


_EXTRA_USER = {"id": "u1", "district": "d1", "name": {"first": "A", "last": "B"},
               "roles": {"teacher": {"school": "s1", "schools": ["s1"]}},
               "oneroster.userProfiles": [{"sourcedId": "P1", "profileType": "lms"}],
               "oneroster.custom": {"level": 2}, "sftp.Flags": [1, 2], "sftp.Note": "kept"}


@pytest.mark.parametrize("target", ["oneroster-1.1", "oneroster-1.2", "sftp"])
def test_extra_values_that_are_not_text_keep_their_type(tmp_path: Path, target: str) -> None:
    """An ``extra`` value named for a CSV format's column but holding a list or object
    (a OneRoster 1.2 source's ``userProfiles`` written as 1.1, a Clever JSON key that
    happens to carry the prefix) reads back as that list or object, not as its JSON text."""
    src = tmp_path / "src"
    src.mkdir()
    lines = {"districts": {"id": "d1", "name": "D"}, "schools": {"id": "s1", "district": "d1",
                                                                "name": "S"},
             "users": _EXTRA_USER}
    for kind, rec in lines.items():
        (src / f"{kind}.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    roster = rostergraph.load(src)
    out = tmp_path / "out"
    if target == "sftp":
        write_clever_csv(roster, out)
    else:
        write_oneroster(roster, out, version=target.split("-")[1])
    back = rostergraph.load(out).users["u1"]
    want = {k: v for k, v in _EXTRA_USER.items() if "." in k}
    assert {k: back.extra.get(k) for k in want} == want


@pytest.mark.parametrize("roles", ["student", ["student", "teacher"], {"student": "x"}])
@pytest.mark.parametrize("to", ["oneroster", "clever-csv", "clever-json"])
def test_users_whose_roles_are_not_an_object_convert(tmp_path: Path, roles: object,
                                                      to: str) -> None:
    """A user whose ``roles`` is a string or a list (a bad_field, kept as loaded) converts
    to every format and reads back as the same record — the writers raised AttributeError."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "schools.jsonl").write_text('{"id": "s1", "name": "S"}\n', encoding="utf-8")
    (src / "users.jsonl").write_text(
        json.dumps({"id": "u1", "roles": roles}) + "\n"
        + '{"id": "u2", "roles": {"student": {"school": "s1"}}}\n', encoding="utf-8")
    before = rostergraph.load(src)
    assert [p.code for p in before.problems] == ["bad_field"]
    convert(src, tmp_path / "out", to=to)
    after = rostergraph.load(tmp_path / "out")
    for uid in ("u1", "u2"):
        assert record_to_dict(after.users[uid]) == record_to_dict(before.users[uid]), uid


@pytest.mark.parametrize("name", [True, "Pat Lee", ["a", None]])
@pytest.mark.parametrize("to", ["oneroster", "clever-csv", "clever-json"])
def test_contacts_whose_name_is_not_an_object_convert_as_loaded(tmp_path: Path, name: object,
                                                                to: str) -> None:
    """A contact whose ``name`` is a string, list or boolean (a bad_field) reads back with
    that value after any conversion — the SFTP writer turned it into an empty name."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "schools.jsonl").write_text('{"id": "s1", "name": "S"}\n', encoding="utf-8")
    (src / "users.jsonl").write_text(
        '{"id": "u1", "roles": {"student": {"school": "s1"}}}\n'
        + json.dumps({"id": "c1", "name": name, "roles": {"contact": {
            "student_relationships": [{"student": "u1"}]}}}) + "\n", encoding="utf-8")
    before = rostergraph.load(src)
    convert(src, tmp_path / "out", to=to)
    after = rostergraph.load(tmp_path / "out")
    assert record_to_dict(after.users["c1"]) == record_to_dict(before.users["c1"])


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_a_user_without_roles_keeps_its_district_through_oneroster(tmp_path: Path,
                                                                    version: str) -> None:
    """A user with no role (``roles: {}``) in a one-district roster reads back from OneRoster
    with its district: the reader places users by their role rows, so the writer carries
    it — it read back as ``None``."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "districts.jsonl").write_text('{"id": "d1", "name": "D"}\n', encoding="utf-8")
    (src / "users.jsonl").write_text('{"id": "u1", "district": "d1", "roles": {}}\n',
                                     encoding="utf-8")
    before = rostergraph.load(src)
    write_oneroster(before, tmp_path / "or", version=version)
    after = rostergraph.load(tmp_path / "or")
    assert after.users["u1"].district == "d1"
    assert after.users["u1"] == before.users["u1"]


@pytest.mark.parametrize("extensions", [True, False])
def test_an_aide_is_written_as_an_aide_in_oneroster_11(tmp_path: Path,
                                                       extensions: bool) -> None:
    """Staff whose roles hold a 1.1 role value (aide, proctor) are written with that role:
    an aide written as ``administrator`` was given an administrator's rights by whoever
    imported the bundle. Their other roles come back with the extension columns."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "schools.jsonl").write_text('{"id": "s1", "name": "S"}\n', encoding="utf-8")
    (src / "users.jsonl").write_text("".join(
        json.dumps({"id": uid, "roles": {"staff": {"schools": ["s1"], "roles": roles}}}) + "\n"
        for uid, roles in (("a1", ["aide"]), ("p1", ["Coach", "proctor"]),
                           ("c1", ["Counselor"]), ("a2", ["Aide"]))), encoding="utf-8")
    before = rostergraph.load(src)
    write_oneroster(before, tmp_path / "or", version="1.1", extensions=extensions)
    written = {row["sourcedId"]: row["role"] for row in _csv(tmp_path / "or" / "users.csv")}
    assert written == {"a1": "aide", "p1": "proctor", "c1": "administrator", "a2": "aide"}
    after = rostergraph.load(tmp_path / "or")
    assert after.users["a1"].roles.staff.roles == ("aide",)
    assert after.users["a2"].roles.staff.roles == (("Aide",) if extensions else ("aide",))
    write_oneroster(before, tmp_path / "or12", version="1.2", extensions=extensions)
    granted = {(row["userSourcedId"], row["role"])
               for row in _csv(tmp_path / "or12" / "roles.csv")}
    assert {("a2", "aide"), ("c1", "counselor")} <= granted  # (not siteAdministrator)
    assert after.users["p1"].roles.staff.roles == (
        ("Coach", "proctor") if extensions else ("proctor",))


@pytest.mark.parametrize("extensions", [True, False])
def test_empty_locations_survive_an_sftp_round_trip_or_are_reported(tmp_path: Path,
                                                                    extensions: bool) -> None:
    """A student's or school's empty ``location`` (``{}``), with no address column written
    for anyone, reads back as an empty location (not as none); without extensions SFTP
    cannot tell it from no location, and the report says it was dropped."""
    src = tmp_path / "json"
    src.mkdir()
    users = [{"id": "u1", "roles": {"student": {"school": "s1", "location": {}}}},
             {"id": "u2", "roles": {"student": {"school": "s1"}}}]
    (src / "users.jsonl").write_text("".join(json.dumps(u) + "\n" for u in users))
    (src / "schools.jsonl").write_text(json.dumps({"id": "s1", "location": {}}) + "\n")
    report = convert(src, tmp_path / "sftp", to="clever-csv", extensions=extensions)
    rows = {(r["kind"], r["field"]): r["how"] for r in report.to_dicts()}
    back, orig = rostergraph.load(tmp_path / "sftp"), rostergraph.load(src)
    if extensions:
        assert back.users["u1"].roles.student.location == orig.users["u1"].roles.student.location
        assert back.users["u2"].roles.student.location is None
        assert back.schools["s1"].location == orig.schools["s1"].location
    assert rows[("schools", "location")] == rows[("users", "roles.student.location")] == (
        "extension" if extensions else "dropped")


def test_writers_build_no_record_of_a_lazy_roster(tmp_path: Path) -> None:
    """Writing a district read from JSON Lines (as OneRoster or Clever JSON) builds each
    user and section for the pass
    without keeping it (memory stays that of the source), and writes the same bytes as
    from a roster whose records are all built."""
    from rostergraph.synth import write_district

    write_district(tmp_path / "src", "S", seed=3)
    lazy = rostergraph.load(tmp_path / "src")
    before = lazy.users.n_built(), lazy.sections.n_built()  # (records the reader built)
    assert before[0] < len(lazy.users) // 2
    write_oneroster(lazy, tmp_path / "lazy")
    write_clever_json(lazy, tmp_path / "lazy-json")
    write_clever_json(lazy, tmp_path / "lazy-jsonl", jsonl=True)
    assert (lazy.users.n_built(), lazy.sections.n_built()) == before
    built = rostergraph.load(tmp_path / "src")
    built.users.materialize()
    built.sections.materialize()
    write_oneroster(built, tmp_path / "built")
    write_clever_json(built, tmp_path / "built-json")
    write_clever_json(built, tmp_path / "built-jsonl", jsonl=True)
    for out in ("", "-json", "-jsonl"):
        names = sorted(p.name for p in (tmp_path / f"lazy{out}").iterdir())
        assert names == sorted(p.name for p in (tmp_path / f"built{out}").iterdir())
        for name in names:
            assert (tmp_path / f"lazy{out}" / name).read_bytes() == (
                tmp_path / f"built{out}" / name).read_bytes()
    envelope = json.loads((tmp_path / "lazy-json" / "users.json").read_text())
    assert envelope["links"] == [{"rel": "self", "uri": "/v3.0/users"}]
    assert [x["data"]["id"] for x in envelope["data"]] == list(lazy.users)


@pytest.mark.parametrize("chunk", [50_000, 1])
def test_oneroster_columns_first_seen_on_a_later_row_pad_the_rows_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """An extension column that only a later record has is one more column of the file:
    every earlier row has an empty cell there (also rows already spilled to disk), and the
    values read back."""
    from rostergraph.io import write_sheets as module
    from rostergraph.io.clever_json import read_clever_json

    monkeypatch.setattr(module, "_CHUNK", chunk)
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    (src_dir / "schools.jsonl").write_text('{"id": "sc1", "name": "One"}\n')
    (src_dir / "users.jsonl").write_text(
        '{"id": "u1", "name": {"last": "say \\"hi\\",\\r\\nok"}, '
        '"roles": {"student": {"school": "sc1"}}}\n'
        '{"id": "u2", "roles": {"student": {"school": "sc1"}}, "oneroster.metadata.late": "v"}\n')
    src = read_clever_json(src_dir)
    write_oneroster(src, tmp_path / "or")
    text = (tmp_path / "or" / "users.csv").read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert "metadata.late" in rows[0]
    at = rows[0].index("metadata.late")
    assert all(len(r) == len(rows[0]) for r in rows)
    assert [r[at] for r in rows[1:]] == ["", "v"]
    back = rostergraph.load(tmp_path / "or")
    assert back.users["u1"].name.last == 'say "hi",\r\nok'
    assert back.users["u2"].extra["oneroster.metadata.late"] == "v"


def test_oneroster_late_column_pads_rows_with_a_cell_beyond_the_csv_field_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows spilled before a column first appears are padded without reading them back
    as CSV: a cell longer than the csv module's field limit (131,072 characters by
    default) is written, not refused."""
    from rostergraph.io import write_sheets as module
    from rostergraph.io.clever_json import read_clever_json

    monkeypatch.setattr(module, "_CHUNK", 1)
    long = "q" * (csv.field_size_limit() + 10)
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    (src_dir / "schools.jsonl").write_text('{"id": "sc1", "name": "One"}\n')
    (src_dir / "users.jsonl").write_text(
        '{"id": "u1", "name": {"last": "' + long + '"}, "roles": {"student": {"school": "sc1"}}}\n'
        '{"id": "u2", "roles": {"student": {"school": "sc1"}}, "oneroster.metadata.late": "v"}\n')
    write_oneroster(read_clever_json(src_dir), tmp_path / "or")
    text = (tmp_path / "or" / "users.csv").read_bytes().decode("utf-8")
    header, first, second = text.split("\r\n")[:3]
    n = header.count(",")
    assert header.endswith(",metadata.late")
    assert first.count(",") == n and first.endswith(",") and long in first
    assert second.count(",") == n and second.endswith(",v")



def test_clever_json_envelope_with_a_lone_surrogate_keeps_its_bytes(tmp_path: Path) -> None:
    """One string with a lone surrogate makes the whole envelope stdlib JSON (ASCII
    escapes in every item), as dumping the envelope at once does."""
    from rostergraph.io.write import _dumps

    src_dir = tmp_path / "src"
    src_dir.mkdir()
    (src_dir / "users.jsonl").write_text(
        '{"id": "u1", "name": {"last": "L\\u00e9a"}, "roles": {}}\n'
        '{"id": "u2", "name": {"last": "x\\ud800"}, "roles": {}}\n')
    roster = rostergraph.load(src_dir)
    write_clever_json(roster, tmp_path / "out", jsonl=False)
    env = {"data": [{"data": record_to_dict(r), "uri": f"/v3.0/users/{r.id}"}
                    for r in rostergraph.load(src_dir).users.values()],
           "links": [{"rel": "self", "uri": "/v3.0/users"}]}
    assert (tmp_path / "out" / "users.json").read_bytes() == _dumps(env)


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("roles", [{"student": {"school": "s1"}}, {"staff": {}},
                                   {"contact": {"student_relationships": []}}])
def test_a_user_without_a_district_reads_back_without_one_through_oneroster(
        tmp_path: Path, version: str, roles: dict[str, object]) -> None:
    """A user with no ``district`` in a one-district roster reads back from OneRoster with
    none: the reader fills a role row's district from its orgs or the sole district, so
    the writer carries the absence — it read back as the sole district (and a district
    admin then saw the user)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "districts.jsonl").write_text('{"id": "d1", "name": "D"}\n', encoding="utf-8")
    (src / "schools.jsonl").write_text('{"id": "s1", "district": "d1"}\n', encoding="utf-8")
    (src / "users.jsonl").write_text(json.dumps({"id": "u1", "roles": roles}) + "\n",
                                     encoding="utf-8")
    before = rostergraph.load(src)
    write_oneroster(before, tmp_path / "or", version=version)
    after = rostergraph.load(tmp_path / "or")
    assert after.users["u1"].district is None
    assert record_to_dict(after.users["u1"]) == record_to_dict(before.users["u1"])


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_a_district_admin_of_a_district_id_with_a_comma_stays_one(tmp_path: Path,
                                                                   version: str) -> None:
    """A district admin whose district id holds a comma reads back from OneRoster as that
    district's admin: 1.1's ``orgSourcedIds`` is a comma list, in which the id read as two
    undelivered orgs (the user became staff at two schools ``d`` and ``1``)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "districts.jsonl").write_text('{"id": "d,1", "name": "D"}\n', encoding="utf-8")
    (src / "users.jsonl").write_text(
        '{"id": "u1", "district": "d,1", "roles": {"district_admin": {}}}\n'
        '{"id": "u2", "district": "d,1", "roles": {"district_admin": {}, "teacher": {}}}\n',
        encoding="utf-8")
    before = rostergraph.load(src)
    report = write_oneroster(before, tmp_path / "or", version=version)
    after = rostergraph.load(tmp_path / "or")
    for uid in ("u1", "u2"):
        assert record_to_dict(after.users[uid]) == record_to_dict(before.users[uid])
    assert "dropped" not in report["how"].tolist()


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_a_district_and_a_school_with_one_id_keep_their_users_through_oneroster(
        tmp_path: Path, version: str) -> None:
    """Ids are per kind: district ``1`` and school ``1`` are two records (generators that
    number each kind from 1 make them). Their users read back from OneRoster, where both
    are an org ``1``: the teacher, student and staff member at school ``1`` and the
    district admin of district ``1`` (the users' school, taken for the district, was
    lost)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "districts.jsonl").write_text('{"id": "1", "name": "D"}\n', encoding="utf-8")
    (src / "schools.jsonl").write_text('{"id": "1", "district": "1", "name": "S"}\n'
                                       '{"id": "2", "district": "1", "name": "T"}\n',
                                       encoding="utf-8")
    users = [{"id": "1", "district": "1", "roles": {"teacher": {"school": "1", "schools": ["1"]}}},
             {"id": "2", "district": "1", "roles": {"student": {"school": "1",
                                                                "schools": ["1", "2"]}}},
             {"id": "3", "district": "1", "roles": {"staff": {"schools": ["2", "1"]}}},
             {"id": "4", "district": "1", "roles": {"district_admin": {}}}]
    (src / "users.jsonl").write_text("".join(json.dumps(u) + "\n" for u in users),
                                     encoding="utf-8")
    before = rostergraph.load(src)
    write_oneroster(before, tmp_path / "or", version=version)
    after = rostergraph.load(tmp_path / "or")
    for uid in before.users:
        assert record_to_dict(after.users[uid]) == record_to_dict(before.users[uid]), uid
    assert [p.code for p in after.problems] == ["other"]  # the org id given twice
    assert "'1'" in after.problems[0].message


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_grades_a_oneroster_cell_cannot_hold_come_back(tmp_path: Path, version: str) -> None:
    """A student's or section's grade with a comma (``3,4``) or spaces around it (`` 5``)
    reads back as it was with extensions: ``grades`` is a comma list the reader takes the
    first item of, trimmed (they read back as ``3`` and ``5``, with nothing in the report)."""
    src = tmp_path / "src"
    src.mkdir()
    users = [{"id": "u1", "roles": {"student": {"school": "s1", "grade": "3,4"}}},
             {"id": "u2", "roles": {"student": {"school": "s1", "grade": " 5"}}},
             {"id": "u3", "roles": {"student": {"school": "s1", "grade": "K"}}}]
    (src / "users.jsonl").write_text("".join(json.dumps(u) + "\n" for u in users),
                                     encoding="utf-8")
    (src / "sections.jsonl").write_text(
        '{"id": "k1", "school": "s1", "grade": "3,4", "students": ["u1"]}\n'
        '{"id": "k2", "school": "s1", "grade": "6 ", "students": ["u2"]}\n', encoding="utf-8")
    before = rostergraph.load(src)
    write_oneroster(before, tmp_path / "or", version=version)
    after = rostergraph.load(tmp_path / "or")
    for kind in ("users", "sections"):
        for rid, rec in before.records(kind).items():
            assert record_to_dict(after.records(kind)[rid]) == record_to_dict(rec), rid


def test_grade_spellings_of_sis_exports_are_written_as_ceds_codes(tmp_path: Path) -> None:
    """Grades as SIS exports and Clever's SFTP upload spell them (``K``, ``PreK``,
    ``Postgraduate``, `` 5``) are written as the OneRoster (CEDS) code they name, not as
    given (a OneRoster consumer knows no ``K``); with extensions they read back as given."""
    src = tmp_path / "src"
    src.mkdir()
    given = {"u1": "K", "u2": "PreK", "u3": "Postgraduate", "u4": " 5", "u5": "kindergarten",
             "u6": "Grade 5"}
    (src / "users.jsonl").write_text("".join(
        json.dumps({"id": uid, "roles": {"student": {"school": "s1", "grade": g}}}) + "\n"
        for uid, g in given.items()), encoding="utf-8")
    before = rostergraph.load(src)
    for ext in (False, True):
        out = tmp_path / f"or-{ext}"
        write_oneroster(before, out, extensions=ext)
        with open(out / "users.csv", newline="", encoding="utf-8") as f:
            cells = {row["sourcedId"]: row["grades"] for row in csv.DictReader(f)}
        assert cells == {"u1": "KG", "u2": "PK", "u3": "PS", "u4": "05", "u5": "KG",
                         "u6": "Grade 5"}
        after = rostergraph.load(out)
        if ext:
            for uid in given:
                assert record_to_dict(after.users[uid]) == record_to_dict(before.users[uid])


@pytest.mark.parametrize("gender", ["Male", "female", "OTHER", "unspecified", " F", "M", "X"])
def test_a_gender_the_sex_cell_reads_otherwise_comes_back(tmp_path: Path, gender: str) -> None:
    """A student's ``gender`` that the reader of ``demographics.csv`` ``sex`` maps (any case,
    trimmed: ``Male`` → ``M``) is carried when that is not the gender given: ``Male`` and
    ``female`` read back as ``M`` and ``F``, silently."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "users.jsonl").write_text(json.dumps(
        {"id": "u1", "roles": {"student": {"school": "s1", "gender": gender}}}) + "\n",
        encoding="utf-8")
    before = rostergraph.load(src)
    write_oneroster(before, tmp_path / "or")
    assert rostergraph.load(tmp_path / "or").users["u1"].roles.student.gender == gender


@pytest.mark.parametrize("extensions", [True, False])
def test_a_contact_listing_a_student_twice_writes_one_sftp_group(tmp_path: Path,
                                                                 extensions: bool) -> None:
    """A contact related twice to one student (``Parent`` and ``Emergency``) is one contact
    group on the student's row: the second group made the SFTP reader report its own
    writer's file ("contact ... again for student ... with another relationship"). With
    extensions the relationships come back; without, the report says what was dropped."""
    src = tmp_path / "src"
    src.mkdir()
    users = [{"id": "s1", "roles": {"student": {"school": "sc1"}}},
             {"id": "c1", "name": {"last": "P"}, "roles": {"contact": {"student_relationships": [
                 {"student": "s1", "relationship": "Parent", "type": "Parent/Guardian"},
                 {"student": "s1", "relationship": "Parent", "type": "Emergency"}]}}}]
    (src / "users.jsonl").write_text("".join(json.dumps(u) + "\n" for u in users),
                                     encoding="utf-8")
    before = rostergraph.load(src)
    report = write_clever_csv(before, tmp_path / "sftp", extensions=extensions)
    after = rostergraph.load(tmp_path / "sftp")
    assert after.problems == []
    if extensions:
        assert record_to_dict(after.users["c1"]) == record_to_dict(before.users["c1"])
    else:
        assert ("users", "roles.contact.student_relationships", "dropped") in {
            (r["kind"], r["field"], r["how"]) for r in report.to_dicts()}


def _teacher_only_section(folder: Path, **teachers: object) -> rostergraph.Roster:
    """One section that names its teacher only in ``teacher`` (no ``teachers`` list), as
    legacy and hand-made exports do: the teacher teaches it (the graph links them).
    ``teachers`` replaces the section's teacher fields."""
    folder.mkdir()
    (folder / "districts.jsonl").write_text('{"id": "d1", "name": "D"}\n', encoding="utf-8")
    (folder / "schools.jsonl").write_text('{"id": "s1", "district": "d1"}\n', encoding="utf-8")
    (folder / "sections.jsonl").write_text(json.dumps(
        {"id": "c1", "district": "d1", "school": "s1", "students": ["u1"],
         **(teachers or {"teacher": "t1"})}) + "\n", encoding="utf-8")
    (folder / "users.jsonl").write_text("".join(json.dumps(u) + "\n" for u in (
        *({"id": t, "district": "d1", "roles": {"teacher": {"school": "s1", "schools": ["s1"]}}}
          for t in ("t1", "t2", "t3")),
        {"id": "u1", "district": "d1", "roles": {"student": {"school": "s1", "schools": ["s1"],
                                                             "grade": "5"}}})), encoding="utf-8")
    return rostergraph.load(folder)


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("extensions", [True, False])
def test_a_section_naming_only_its_teacher_keeps_it_through_oneroster(
        tmp_path: Path, version: str, extensions: bool) -> None:
    """A section with ``teacher`` and no ``teachers`` gets its teacher's enrollment (primary)
    in OneRoster, as SFTP's ``Teacher_id`` keeps it: the enrollment was not written, so
    without the extension columns the teacher reached none of the section's students."""
    from rostergraph.graph import RosterGraph
    from rostergraph.queries import reach_pairs

    before = _teacher_only_section(tmp_path / "src")
    write_oneroster(before, tmp_path / "or", version=version, extensions=extensions)
    after = rostergraph.load(tmp_path / "or")
    rows = _csv(tmp_path / "or" / "enrollments.csv")
    assert [(r["userSourcedId"], r["role"], r["primary"]) for r in rows
            if r["role"] == "teacher"] == [("t1", "teacher", "true")]
    assert list(reach_pairs(RosterGraph.from_roster(after))) == [("t1", "u1", 1)]
    if extensions:
        assert record_to_dict(after.sections["c1"]) == record_to_dict(before.sections["c1"])
    else:
        assert after.sections["c1"].teacher == "t1"


@pytest.mark.parametrize("extensions", [True, False])
def test_a_primary_teacher_outside_teachers_gains_no_students_through_sftp(
        tmp_path: Path, extensions: bool) -> None:
    """A section whose ``teacher`` is not in its ``teachers`` (RG-SEC-002) links only the
    listed teachers to its students. SFTP's ``Teacher_id`` is one of the section's teachers,
    so it is ``teachers[0]`` (``teacher`` is carried or reported dropped, as OneRoster
    does): it was ``teacher``, so read back without the extension columns that teacher
    reached the section's students."""
    from rostergraph.graph import RosterGraph
    from rostergraph.queries import reach_pairs

    before = _teacher_only_section(tmp_path / "src", teacher="t3", teachers=["t1", "t2"])
    want = [("t1", "u1", 1), ("t2", "u1", 1)]
    assert sorted(reach_pairs(RosterGraph.from_roster(before))) == want
    report = write_clever_csv(before, tmp_path / "sftp", extensions=extensions)
    rows = _csv(tmp_path / "sftp" / "sections.csv")
    assert [(r["Teacher_id"], r["Teacher_2_id"]) for r in rows] == [("t1", "t2")]
    after = rostergraph.load(tmp_path / "sftp")
    assert sorted(reach_pairs(RosterGraph.from_roster(after))) == want
    if extensions:
        assert record_to_dict(after.sections["c1"]) == record_to_dict(before.sections["c1"])
    else:
        assert ("sections", "teacher", "dropped") in {
            (r["kind"], r["field"], r["how"]) for r in report.to_dicts()}


@pytest.mark.parametrize("fields", [
    {"teacher": "t1", "teachers": [""], "students": ["u1", ""]},
    {"teachers": ["", "t1"], "students": [""]},
    {"teacher": "", "students": ["u1"]},
])
@pytest.mark.parametrize("way", ["clever-csv", "oneroster-1.1", "oneroster-1.2"])
def test_an_empty_id_in_a_section_round_trips_with_extensions(
        tmp_path: Path, fields: dict[str, object], way: str) -> None:
    """An empty string in ``teachers``, ``students`` or ``teacher`` is an id (RG-REF-001
    reports it) and comes back through the extension columns. The writers wrote it as an
    enrollment row (or ``Teacher_id``) without a user, which the readers drop: the id was
    lost, and a ``teacher`` whose ``teachers`` was only ``[""]`` then taught the section."""
    from rostergraph.graph import RosterGraph
    from rostergraph.queries import reach_pairs

    before = _teacher_only_section(tmp_path / "src", **fields)
    if way == "clever-csv":
        write_clever_csv(before, tmp_path / "out")
    else:
        write_oneroster(before, tmp_path / "out", version=way[-3:])
    after = rostergraph.load(tmp_path / "out")
    assert after.problems == []
    assert record_to_dict(after.sections["c1"]) == record_to_dict(before.sections["c1"])
    assert sorted(reach_pairs(RosterGraph.from_roster(after))) == sorted(
        reach_pairs(RosterGraph.from_roster(before)))


def test_an_empty_school_id_in_schools_round_trips_through_sftp(tmp_path: Path) -> None:
    """An empty string in a student's, teacher's or staff member's ``schools`` (an id to the
    graph: an ``attends``/``works_at`` edge to a school with no record) comes back through
    the extension columns. The SFTP writer wrote it as a row with an empty ``School_id``,
    which reads as no school: the id was lost, and staff with ``schools: [""]`` became
    orphans with no school."""
    from rostergraph.graph import RosterGraph
    from rostergraph.queries import orphaned_users

    src = tmp_path / "src"
    src.mkdir()
    (src / "schools.jsonl").write_text('{"id": "s1"}\n', encoding="utf-8")
    (src / "users.jsonl").write_text("".join(json.dumps(u) + "\n" for u in (
        {"id": "u1", "roles": {"student": {"school": "s1", "schools": ["s1", ""]}}},
        {"id": "t1", "roles": {"teacher": {"school": "s1", "schools": ["s1", ""]}}},
        {"id": "f1", "roles": {"staff": {"schools": [""]}}})), encoding="utf-8")
    before = rostergraph.load(src)
    write_clever_csv(before, tmp_path / "sftp")
    after = rostergraph.load(tmp_path / "sftp")
    for uid in ("u1", "t1", "f1"):
        assert record_to_dict(after.users[uid]) == record_to_dict(before.users[uid]), uid
    ga, gb = RosterGraph.from_roster(after), RosterGraph.from_roster(before)
    for rel in ("attends", "works_at"):
        assert ga.edges(rel).to_dicts() == gb.edges(rel).to_dicts(), rel
    assert list(orphaned_users(ga)) == list(orphaned_users(gb))


def _small_district(seed: int) -> rostergraph.Roster:
    from rostergraph.synth import district

    return rostergraph.load(district(students=30, seed=seed).write(
        Path(__import__("tempfile").mkdtemp()) / f"d{seed}"))


def _same_records(a: rostergraph.Roster, b: rostergraph.Roster) -> bool:
    return all({i: record_to_dict(r) for i, r in a.records(k).items()}
               == {i: record_to_dict(r) for i, r in b.records(k).items()}
               for k in ("districts", "schools", "terms", "courses", "sections", "users"))


@pytest.mark.parametrize("first, second", [
    ({"to": "clever-csv"}, {"to": "clever-csv", "extensions": False}),
    ({"to": "oneroster", "oneroster_version": "1.2"}, {"to": "oneroster"}),
    ({"to": "oneroster", "oneroster_version": "1.2"},
     {"to": "oneroster", "oneroster_version": "1.2", "extensions": False}),
    ({"to": "clever-json"}, {"to": "clever-jsonl"}),
    ({"to": "clever-jsonl"}, {"to": "clever-json"}),
], ids=["sftp-then-no-extensions", "or12-then-or11", "or12-then-no-extensions",
        "json-then-jsonl", "jsonl-then-json"])
def test_a_write_into_a_used_folder_leaves_none_of_the_old_roster(
        tmp_path: Path, first: dict[str, object], second: dict[str, object]) -> None:
    """Writing a roster into a folder that holds an earlier write of the same format
    leaves no file of the earlier roster that the new one did not write: the folder reads
    back as the new roster alone. (An SFTP write without extensions left the earlier
    `rostergraph_records.csv`, whose records were read into the new district; a OneRoster
    1.1 write left an earlier 1.2 write's `roles.csv`, whose roles broke every user; a
    JSON Lines write left the earlier `.json` files, which were read instead of it.)"""
    old, new = _small_district(1), _small_district(2)
    src_old, src_new = tmp_path / "old", tmp_path / "new"
    write_clever_json(old, src_old, jsonl=True)
    write_clever_json(new, src_new, jsonl=True)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    convert(src_old, out, **first)  # type: ignore[arg-type]
    convert(src_new, out, **second)  # type: ignore[arg-type]
    convert(src_new, fresh, **second)  # type: ignore[arg-type]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in fresh.iterdir())
    again, want = rostergraph.load(out), rostergraph.load(fresh)
    assert [p.message for p in again.problems] == [p.message for p in want.problems]
    assert _same_records(again, want)


def test_convert_refuses_the_source_zip_the_folder_of_a_source_file_and_other_rosters(
        tmp_path: Path) -> None:
    """The source zip itself, the folder of a source file, a folder a load reads as a
    legacy Clever roster, and gzipped JSON a JSON Lines write would not replace: each
    refused before anything is written."""
    z = tmp_path / "or.zip"
    convert(rostergraph.sample_path(), z, to="oneroster")
    size = z.stat().st_size
    with pytest.raises(rostergraph.SourceError, match="is the source"):
        convert(z, z, to="oneroster")
    assert z.stat().st_size == size
    d = tmp_path / "d"
    convert(rostergraph.sample_path(), d, to="clever-json")
    with pytest.raises(rostergraph.SourceError, match="is the source"):
        convert(d / "users.json", d, to="clever-jsonl")
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "students.json").write_text('{"data": []}')
    with pytest.raises(rostergraph.SourceError, match="clever-legacy"):
        convert(rostergraph.sample_path(), legacy, to="clever-csv")
    gz = tmp_path / "gz"
    gz.mkdir()
    (gz / "users.json.gz").write_bytes(b"")
    with pytest.raises(rostergraph.SourceError, match=r"users\.json\.gz"):
        convert(rostergraph.sample_path(), gz, to="clever-jsonl")


def test_a_writer_removes_nothing_from_the_folder_of_its_source_file(tmp_path: Path) -> None:
    d = tmp_path / "d"
    convert(rostergraph.sample_path(), d, to="clever-json")
    before = {p.name for p in d.iterdir()}
    write_clever_json(rostergraph.load(d / "users.json"), d, jsonl=True)
    assert before <= {p.name for p in d.iterdir()}


def test_an_interrupted_folder_write_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    """Ctrl-C while a writer fills a folder (here: while the last file is written) leaves
    the folder as it was: no new file in place, none of the earlier district's replaced,
    no temporary file (the files were put in place one by one: an interrupted conversion
    left a district without its users, or an earlier district's users with new sections)."""
    from rostergraph.io.write import _write_files

    out = tmp_path / "out"
    write_clever_json(rostergraph.sample(), out, jsonl=True)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def interrupted(fh: object) -> None:
        raise KeyboardInterrupt

    files = {"districts.jsonl": b"", "sections.jsonl": b"", "users.jsonl": interrupted}
    with pytest.raises(KeyboardInterrupt):
        _write_files(out, files, as_zip=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    fresh = tmp_path / "fresh"
    with pytest.raises(KeyboardInterrupt):
        _write_files(fresh, files, as_zip=False)
    assert list(fresh.iterdir()) == []


def test_a_zip_output_for_a_format_written_as_a_folder_is_refused(tmp_path: Path) -> None:
    """``convert(src, "out.zip", to="clever-json")`` (or ``clever-jsonl``, ``clever-csv``):
    only a OneRoster bundle is written as a zip; it made a folder named ``out.zip``. Now a
    ``SourceError`` before anything is read or written; a folder already named so is
    still written into."""
    for to in ("clever-json", "clever-jsonl", "clever-csv"):
        with pytest.raises(rostergraph.SourceError, match="written as a folder, not a zip"):
            convert(rostergraph.sample_path(), tmp_path / "Out.ZIP", to=to)
        assert not (tmp_path / "Out.ZIP").exists()
    (tmp_path / "kept.zip").mkdir()
    convert(rostergraph.sample_path(), tmp_path / "kept.zip", to="clever-jsonl")
    assert (tmp_path / "kept.zip" / "users.jsonl").is_file()


def test_convert_into_the_home_folder_written_with_a_tilde(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """``convert("~/dump", "~/or.zip", to="oneroster")``: the source was read from the home
    folder but the output went to a new folder named ``~`` in the working folder; both
    are the home folder's."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    write_clever_json(rostergraph.sample(), tmp_path / "home" / "dump", jsonl=True)
    convert("~/dump", "~/or.zip", to="oneroster")
    assert (tmp_path / "home" / "or.zip").is_file() and not (tmp_path / "~").exists()


@pytest.mark.parametrize("target", ["clever-jsonl", "clever-csv", "oneroster", "oneroster-zip"])
def test_writers_write_under_the_home_folder_for_a_tilde(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         target: str) -> None:
    """``write_*(roster, "~/out")`` writes into the home folder, as ``load("~/out")`` reads
    from it (it made a folder named ``~`` in the working folder)."""
    from rostergraph.io.write_oneroster import write_oneroster
    from rostergraph.io.write_sftp import write_clever_csv

    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    r = rostergraph.sample()
    out = "~/out.zip" if target == "oneroster-zip" else "~/out"
    if target == "clever-jsonl":
        rostergraph.write_clever_json(r, out, jsonl=True)
    elif target == "clever-csv":
        write_clever_csv(r, out)
    else:
        write_oneroster(r, out)
    assert not (work / "~").exists()
    assert len(rostergraph.load(out).users) == len(r.users)


@pytest.mark.parametrize("target", ["clever-csv", "oneroster", "oneroster-zip"])
def test_an_interrupted_csv_write_leaves_no_empty_folder(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        target: str) -> None:
    """Ctrl-C while the rows are written: the folder the write made (for its output and
    spilled rows) is gone again, where it left an empty one; a folder that was there stays."""
    from rostergraph.io import write_oneroster as wo
    from rostergraph.io import write_sftp as ws

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    module = ws if target == "clever-csv" else wo
    monkeypatch.setattr(module, "_write_rows", interrupted)
    out = tmp_path / "new" / ("out.zip" if target == "oneroster-zip" else "out")
    write = ws.write_clever_csv if target == "clever-csv" else wo.write_oneroster
    with pytest.raises(KeyboardInterrupt):
        write(rostergraph.sample(), out)
    assert not (tmp_path / "new").exists()
    (tmp_path / "kept").mkdir()
    with pytest.raises(KeyboardInterrupt):
        write(rostergraph.sample(), tmp_path / "kept")
    assert (tmp_path / "kept").is_dir()
