"""Format detection of a folder no reader recognises: the error says what it holds that
a reader does recognise (an export unzipped into a folder of its own, a zip saved into a
folder), so the user is told which path to give."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv


def test_a_folder_holding_the_export_in_a_folder_or_zip_names_it(tmp_path: Path) -> None:
    """``export/Export/users.csv`` (a zip unzipped into a folder named as it) and
    ``export/OneRoster.zip``: the ``SourceError`` names the folder or zip and its format
    (it listed only what each reader looks for); the named path loads."""
    roster = rostergraph.sample()
    outer = tmp_path / "export"
    write_oneroster(roster, outer / "Export")
    write_clever_csv(roster, tmp_path / "sftp")
    with zipfile.ZipFile(outer / "SFTP upload.zip", "w") as zf:
        for f in sorted((tmp_path / "sftp").iterdir()):
            zf.write(f, f.name)
    (outer / "notes").mkdir()  # (a folder no reader recognises: not named)
    (outer / "readme.txt").write_text("exported 2024-08-19")
    with pytest.raises(rostergraph.SourceError) as err:
        rostergraph.load(outer)
    said = str(err.value)
    assert "it holds Export (oneroster), SFTP upload.zip (clever-csv)" in said
    assert "notes" not in said
    assert len(rostergraph.load(outer / "Export").users) == len(roster.users)
    shutil.rmtree(outer / "Export")
    (outer / "SFTP upload.zip").unlink()
    with pytest.raises(rostergraph.SourceError) as err:
        rostergraph.load(outer)
    assert "it holds" not in str(err.value)


def test_one_file_of_a_csv_roster_names_its_folder(tmp_path: Path) -> None:
    """``load("or/users.csv")`` or ``load("sftp/students.csv")``: one file of a CSV roster
    is no roster; the ``SourceError`` names the folder that is (it listed only what each
    reader looks for)."""
    roster = rostergraph.sample()
    write_oneroster(roster, tmp_path / "or")
    write_clever_csv(roster, tmp_path / "sftp")
    for path, fmt in ((tmp_path / "or" / "users.csv", "oneroster"),
                      (tmp_path / "sftp" / "students.csv", "clever-csv")):
        with pytest.raises(rostergraph.SourceError) as err:
            rostergraph.load(path)
        assert f"it is a file of the {fmt} roster {path.parent}: give the folder" in str(
            err.value)
    (tmp_path / "notes.csv").write_text("a,b\n")  # (in a folder no reader recognises)
    with pytest.raises(rostergraph.SourceError) as err:
        rostergraph.load(tmp_path / "notes.csv")
    assert "give the folder" not in str(err.value)


def test_a_path_under_the_home_folder_written_with_a_tilde(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """``load("~/exports/or.zip")`` (as a notebook user types it) reads the file in the home
    folder (it said "no such file or folder"); a path that exists as written is read as
    written."""
    write_oneroster(rostergraph.sample(), tmp_path / "exports" / "or.zip")
    monkeypatch.setenv("HOME", str(tmp_path))
    roster = rostergraph.load("~/exports/or.zip")
    assert len(roster.users) == len(rostergraph.sample().users)
    assert rostergraph.detect_format(Path("~/exports/or.zip")) == "oneroster"
    assert roster.provenance.source == str(tmp_path / "exports" / "or.zip")
    monkeypatch.chdir(tmp_path)
    write_clever_csv(rostergraph.sample(), tmp_path / "~" / "sftp")  # (a folder named ~)
    assert rostergraph.detect_format("~/sftp") == "clever-csv"


def test_a_zip_of_a_clever_json_dump_says_to_unzip_it(tmp_path: Path) -> None:
    """A Clever JSON dump zipped (``dump.zip``) is not read (Clever JSON is a folder or a
    file); the ``SourceError`` says so and what to do, not only what each reader expects."""
    dump = tmp_path / "dump"
    rostergraph.write_clever_json(rostergraph.sample(), dump, jsonl=True)
    with zipfile.ZipFile(tmp_path / "dump.zip", "w") as zf:
        for f in sorted(dump.iterdir()):
            zf.write(f, f"dump/{f.name}")
    with pytest.raises(rostergraph.SourceError) as err:
        rostergraph.load(tmp_path / "dump.zip")
    assert "it is a zip of Clever JSON files (dump/users.jsonl, ...): unzip it and give " \
           "the folder" in str(err.value)
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as zf:
        zf.writestr("readme.txt", "exported")
    with pytest.raises(rostergraph.SourceError) as err:  # (no Clever file: nothing more)
        rostergraph.load(tmp_path / "other.zip")
    assert "unzip" not in str(err.value)


def test_a_dash_for_standard_input_says_rosters_are_read_from_paths(tmp_path: Path,
                                                                     monkeypatch:
                                                                     pytest.MonkeyPatch
                                                                     ) -> None:
    """``rostergraph summary -`` / ``load("-")``: a roster is read from a folder, file or
    zip (detection goes by file names), never from standard input; the error says so
    (it said "-: no such file or folder")."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(rostergraph.SourceError,
                       match="a roster is not read from standard input: give its folder, "
                             "file or zip"):
        rostergraph.load("-")


def test_format_names_as_the_writers_name_them(tmp_path: Path) -> None:
    """``load(path, format="clever-jsonl")`` (the name ``convert --to`` takes for the JSON
    Lines form, read by the Clever JSON reader) and ``format="OneRoster"`` were "unknown
    format"; they name the reader that reads them."""
    rostergraph.write_clever_json(rostergraph.sample(), tmp_path / "j", jsonl=True)
    write_oneroster(rostergraph.sample(), tmp_path / "or")
    n = len(rostergraph.sample().users)
    assert len(rostergraph.load(tmp_path / "j", format="clever-jsonl").users) == n
    assert len(rostergraph.load(tmp_path / "or", format="OneRoster").users) == n
    with pytest.raises(rostergraph.SourceError, match="unknown format 'clever-xml'"):
        rostergraph.load(tmp_path / "j", format="clever-xml")


def test_an_sftp_export_with_a_damaged_sections_header_is_still_sftp(tmp_path: Path) -> None:
    """A Clever SFTP folder whose ``sections.csv`` was cut inside its header (``School_i``)
    is still detected by its other files' headers: the load keeps every valid file's
    records and tells the damaged file (it was "not a roster rostergraph can read")."""
    d = tmp_path / "sftp"
    write_clever_csv(rostergraph.sample(), d)
    (d / "sections.csv").write_bytes(b"School_i")
    r = rostergraph.load(d)
    assert r.provenance.format == "clever-csv"
    assert len(r.users) == len(rostergraph.sample().users)
    told = [p for p in r.problems if p.file == "sections.csv"]
    assert told and told[0].line == 1


@pytest.mark.parametrize("as_zip", [False, True])
def test_a_oneroster_delta_of_changed_files_only_is_oneroster(tmp_path: Path,
                                                              as_zip: bool) -> None:
    """A OneRoster delta ships the files that changed (the manifest calls the others
    absent): ``manifest.csv`` and ``enrollments.csv`` alone is a OneRoster bundle. It was
    "not a roster rostergraph can read" unless it held orgs.csv or users.csv."""
    folder = tmp_path / "delta"
    folder.mkdir()
    (folder / "manifest.csv").write_text(
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
        "file.orgs,absent\nfile.users,absent\nfile.classes,absent\nfile.enrollments,delta\n")
    (folder / "enrollments.csv").write_text(
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,"
        "role,primary,beginDate,endDate\ne1,tobedeleted,,c1,s1,u1,student,,,\n")
    path = folder
    if as_zip:
        path = tmp_path / "delta.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for f in sorted(folder.iterdir()):
                zf.write(f, f"delta/{f.name}")
    assert rostergraph.detect_format(path) == "oneroster"
    r = rostergraph.load(path)
    assert r.provenance.format == "oneroster"
    assert any("tobedeleted" in n and "e1" in n for n in r.provenance.notes)
