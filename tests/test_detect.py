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
    # (a zip holding only that zip, or that zip saved without its suffix: the same words)
    with zipfile.ZipFile(tmp_path / "twice.zip", "w") as zf:
        zf.write(tmp_path / "dump.zip", "dump.zip")
    shutil.copyfile(tmp_path / "dump.zip", tmp_path / "dump export")
    for path in (tmp_path / "twice.zip", tmp_path / "dump export"):
        with pytest.raises(rostergraph.SourceError) as err:
            rostergraph.load(path)
        assert "it is a zip of Clever JSON files (dump/users.jsonl, ...)" in str(err.value)
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


@pytest.mark.parametrize("as_zip", [False, True])
def test_oneroster_files_without_a_manifest_are_known_by_their_header(tmp_path: Path,
                                                                      as_zip: bool) -> None:
    """An export of ``orgs.csv`` and ``users.csv`` only, with no ``manifest.csv`` (as a
    mock-data generator writes them, and as an account-only sync sends them), is OneRoster
    by its headers (every OneRoster file but the manifest names ``sourcedId``): it was "not
    a roster rostergraph can read", though ``format="oneroster"`` loaded it."""
    folder = tmp_path / "accounts"
    folder.mkdir()
    (folder / "orgs.csv").write_bytes(
        b"\xef\xbb\xbfsourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\n"
        b"s1,active,,High,school,,\r\n")
    (folder / "Users.csv").write_text(
        '"sourcedId","status","dateLastModified","enabledUser","orgSourcedIds","role",'
        '"username","userIds","givenName","familyName","middleName","identifier","email",'
        '"sms","phone","agentSourcedIds","grades","password"\n'
        '"u1","active","","true","s1","student","u1","","Al","Fake","","","","","","","10",""\n')
    path = _zip_of(folder, tmp_path / "accounts.zip") if as_zip else folder
    assert rostergraph.detect_format(path) == "oneroster"
    r = rostergraph.load(path)
    assert list(r.users) == ["u1"] and list(r.schools) == ["s1"]
    student = r.users["u1"].roles.student
    assert student is not None and student.school == "s1"


def test_csv_files_named_as_oneroster_without_its_header_are_no_roster(tmp_path: Path) -> None:
    """A ``users.csv`` whose header names no ``sourcedId`` (some other system's users) is
    not taken for OneRoster: the folder is still no roster."""
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "users.csv").write_text("id,name,email\n1,Al,al@example.org\n")
    with pytest.raises(rostergraph.SourceError, match="not a roster"):
        rostergraph.detect_format(folder)


def _zip_of(folder: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, f.name)
    return out


@pytest.mark.parametrize("fmt", ["oneroster", "clever-csv"])
@pytest.mark.parametrize("name", ["export", "export.dat"])
def test_a_zip_saved_without_the_zip_suffix_is_read_by_its_bytes(tmp_path: Path, fmt: str,
                                                                 name: str) -> None:
    """A zip saved as ``export`` or ``export.dat`` (a browser or a mail client dropped the
    suffix) is a zip by its bytes: detected and read as the ``.zip`` is, with a note
    saying so. It was "not a roster rostergraph can read"."""
    folder = tmp_path / "files"
    sample = rostergraph.sample()
    if fmt == "oneroster":
        write_oneroster(sample, folder)
    else:
        write_clever_csv(sample, folder, extensions=False)
    named = _zip_of(folder, tmp_path / "ok.zip")
    bare = tmp_path / name
    shutil.copyfile(named, bare)
    assert rostergraph.detect_format(bare) == fmt
    want, got = rostergraph.load(named), rostergraph.load(bare)
    assert len(got.users) == len(want.users) > 0
    assert len(got.sections) == len(want.sections)
    assert [n for n in got.provenance.notes if n not in want.provenance.notes] == [
        f"{name} is a zip archive (by its bytes; its name does not end in .zip): read as one"]
    if fmt == "oneroster":  # (the format's own reader says it too, without load())
        from rostergraph.io.oneroster import read_oneroster

        assert f"{name} is a zip archive" in " ".join(read_oneroster(bare).provenance.notes)


@pytest.mark.parametrize("fmt", ["oneroster", "clever-csv"])
@pytest.mark.parametrize("outer_name", ["export.zip", "export"])
def test_a_zip_holding_only_the_export_zip_is_read_from_it(tmp_path: Path, fmt: str,
                                                          outer_name: str) -> None:
    """A district export zipped twice (``export.zip`` holding ``oneroster.zip``, beside a
    README and a Mac's ``__MACOSX``) is read from the inner zip, with a note saying so. It
    was "not a roster rostergraph can read"."""
    folder = tmp_path / "files"
    if fmt == "oneroster":
        write_oneroster(rostergraph.sample(), folder)
    else:
        write_clever_csv(rostergraph.sample(), folder, extensions=False)
    inner = _zip_of(folder, tmp_path / "oneroster.zip")
    outer = tmp_path / outer_name
    with zipfile.ZipFile(outer, "w") as zf:
        zf.write(inner, "Export/oneroster.zip")
        zf.writestr("Export/README.txt", "exported by the SIS\n")
        zf.writestr("__MACOSX/Export/._oneroster.zip", b"\0\5\26\7")
    assert rostergraph.detect_format(outer) == fmt
    want, got = rostergraph.load(inner), rostergraph.load(outer)
    assert len(got.users) == len(want.users) > 0
    assert got.counts() == want.counts()
    new = [n for n in got.provenance.notes if n not in want.provenance.notes]
    assert f"{outer_name} holds only the zip Export/oneroster.zip: read from it" in new
    if fmt == "clever-csv":  # (its reader says so itself, load() not again)
        from rostergraph.io.clever_csv import read_clever_csv

        assert new == [n for n in read_clever_csv(outer).provenance.notes
                       if n not in want.provenance.notes]


def _nested(tmp_path: Path, folder: Path) -> tuple[Path, Path]:
    inner = _zip_of(folder, tmp_path / "oneroster.zip")
    outer = tmp_path / "export.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.write(inner, "oneroster.zip")
    return inner, outer


def test_a_zip_inside_a_zip_counts_against_the_same_limits(tmp_path: Path) -> None:
    """The inner zip's members count against the limits the outer's do: entries and
    inflated bytes (its own bytes, held in memory, included)."""
    from rostergraph.errors import LimitError
    from rostergraph.io.limits import Limits

    folder = tmp_path / "files"
    write_oneroster(rostergraph.sample(), folder)
    inner, outer = _nested(tmp_path, folder)
    members = len(zipfile.ZipFile(inner).infolist())
    rostergraph.load(inner, limits=Limits(max_zip_entries=members))
    with pytest.raises(LimitError, match="max_zip_entries"):
        rostergraph.load(outer, limits=Limits(max_zip_entries=members))
    inflated = sum(i.file_size for i in zipfile.ZipFile(inner).infolist())
    rostergraph.load(inner, limits=Limits(max_zip_total_bytes=inflated))
    with pytest.raises(LimitError, match="max_zip_total_bytes"):
        rostergraph.load(outer, limits=Limits(max_zip_total_bytes=inflated))


def test_a_zip_inside_a_zip_inside_a_zip_is_an_error_naming_both(tmp_path: Path) -> None:
    """One level of zip inside a zip is read; a deeper nest is a ``FormatError`` naming
    the outer zip and the zip it holds."""
    from rostergraph.errors import FormatError
    from rostergraph.io.oneroster import read_oneroster

    folder = tmp_path / "files"
    write_oneroster(rostergraph.sample(), folder)
    _, middle = _nested(tmp_path, folder)
    outer = tmp_path / "district.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.write(middle, "export.zip")
    for read in (read_oneroster, rostergraph.load):
        with pytest.raises(FormatError) as err:
            read(outer)
        said = str(err.value)
        assert "district.zip holds only the zip export.zip, which holds only another zip, " \
            "oneroster.zip" in said


def test_a_zip_holding_only_a_damaged_zip_is_an_error_naming_both(tmp_path: Path) -> None:
    """``export.zip`` holding only ``oneroster.zip`` whose bytes are no zip (a download cut
    short): a ``FormatError`` naming both, from ``load`` as from the reader."""
    from rostergraph.errors import FormatError

    outer = tmp_path / "export.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.writestr("oneroster.zip", b"PK\x03\x04 cut short")
    with pytest.raises(FormatError, match="export.zip holds only oneroster.zip, which is not "
                                          "a readable zip archive"):
        rostergraph.load(outer)


def test_an_empty_path_and_a_bytes_path() -> None:
    """``load("")`` says the path is empty (its message named no path); a path given as
    bytes, as ``os.listdir(b".")`` gives them, loads (it raised a TypeError)."""
    from rostergraph.errors import SourceError

    with pytest.raises(SourceError, match="an empty path names no file or folder"):
        rostergraph.load("")
    as_bytes = str(rostergraph.sample_path()).encode()
    assert len(rostergraph.load(as_bytes).users) == len(rostergraph.sample().users)


def test_a_snapshot_that_cannot_be_kept_is_a_warning_not_silence(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A cache folder that is a file: the roster loads (as without a cache) and the
    ``rostergraph.cache`` logger says why no snapshot was kept, naming the folder."""
    import logging

    from rostergraph.synth import write_district

    src = write_district(tmp_path / "d", students=120, seed=4)
    blocker = tmp_path / "cache-file"
    blocker.write_text("")
    monkeypatch.setenv("ROSTERGRAPH_CACHE_DIR", str(blocker))
    with caplog.at_level(logging.WARNING, logger="rostergraph.cache"):
        got = rostergraph.load(src, cache=True)
    assert got.counts() == rostergraph.load(src).counts()
    said = [r.getMessage() for r in caplog.records if r.name == "rostergraph.cache"]
    assert len(said) == 1 and "no warm snapshot kept" in said[0] and str(blocker) in said[0]


def test_a_warning_of_a_path_with_a_lone_surrogate_is_printable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The warning names a source whose file name is not UTF-8 (the byte 0xff) by an
    escape, so that a handler writing UTF-8 can write it."""
    import logging

    src = tmp_path / "d\udcff"
    src.mkdir()
    (src / "schools.jsonl").write_text('{"id": "s1", "name": "One"}\n')
    blocker = tmp_path / "cache-file"
    blocker.write_text("")
    monkeypatch.setenv("ROSTERGRAPH_CACHE_DIR", str(blocker))
    with caplog.at_level(logging.WARNING, logger="rostergraph.cache"):
        rostergraph.load(src, cache=True)
    [said] = [r.getMessage() for r in caplog.records if r.name == "rostergraph.cache"]
    said.encode("utf-8")
    assert "d\\udcff" in said
