"""Problems about ``manifest.csv`` rows name the line of the ``file.<name>`` row they are
about, as every other problem names its line: a file declared ``bulk`` that is not there,
and a file declared ``absent`` that is there with rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from rostergraph.errors import FormatError
from rostergraph.io.oneroster import read_oneroster
from tests.test_oneroster_variants import bundle

_MANIFEST = ("propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
             "file.orgs,bulk\nfile.demographics,bulk\nfile.classes,absent\n")


def test_manifest_problems_name_the_line_of_their_row(tmp_path: Path) -> None:
    src = bundle(tmp_path / "b", manifest_csv=_MANIFEST)
    r = read_oneroster(src)
    got = {(p.code, p.file, p.line) for p in r.problems}
    assert ("missing_file", "manifest.csv", 5) in got  # file.demographics,bulk
    assert ("other", "manifest.csv", 6) in got  # file.classes,absent (classes.csv has rows)
    with pytest.raises(FormatError, match=r"manifest\.csv:5"):
        read_oneroster(src, strict=True)


def test_a_header_only_utf16_file_declared_absent_is_only_noted(tmp_path: Path) -> None:
    """A UTF-16 file (which the reader takes) holding only its header, declared absent: a
    note, as for a UTF-8 one; it was told as a file "there with rows"."""
    head = ("sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,"
            "asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
            "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity\r\n")
    manifest = "propertyName,value\noneroster.version,1.1\nfile.demographics,absent\n"
    for name, data in (("utf-8", head.encode()), ("utf-16", head.encode("utf-16"))):
        r = read_oneroster(bundle(tmp_path / name, manifest_csv=manifest,
                                  demographics_csv=data))
        assert not [p for p in r.problems if p.file == "manifest.csv"], name
        assert any("demographics.csv is present (no rows)" in n for n in r.provenance.notes)


def test_a_file_mode_other_than_bulk_delta_or_absent_is_a_problem(tmp_path: Path) -> None:
    """A manifest ``file.<name>`` value the spec does not have (``bluk``, a blank cell) is a
    problem at its row's line, and the file is read as bulk (a delta would need the base,
    and the file is there); ``Bulk`` in another case is the spec's value."""
    manifest = ("propertyName,value\noneroster.version,1.1\nfile.orgs,Bulk\n"
                "file.users,bluk\nfile.classes,\n")
    r = read_oneroster(bundle(tmp_path / "b", manifest_csv=manifest))
    got = [(p.code, p.line, p.field) for p in r.problems if p.file == "manifest.csv"]
    assert got == [("other", 4, "file.users"), ("other", 5, "file.classes")]
    assert r.users and r.sections
    with pytest.raises(FormatError, match=r"manifest\.csv:4"):
        read_oneroster(bundle(tmp_path / "c", manifest_csv=manifest), strict=True)


def test_a_blank_mode_for_a_file_not_delivered_says_there_is_none(tmp_path: Path) -> None:
    """A 1.2 manifest leaving the value blank for files it does not deliver
    (``file.scoreScales,``, as a Moodle plugin's test bundle has it) is still a problem at
    its line, but says the source holds no such file: it names no file "read as bulk"."""
    manifest = ("propertyName,value\noneroster.version,1.2\nfile.scoreScales,\n"
                "file.users,\n")
    r = read_oneroster(bundle(tmp_path / "b", manifest_csv=manifest))
    got = {p.field: p.message for p in r.problems if p.file == "manifest.csv"}
    assert got["file.scoreScales"] == ("manifest says file.scoreScales='', which is none "
                                       "of bulk, delta and absent: the source holds no "
                                       "scoreScales.csv")
    assert got["file.users"].endswith(": the file is read as bulk")
    assert r.users


def test_a_declared_file_of_zero_bytes_is_a_missing_file(tmp_path: Path) -> None:
    """A file the manifest declares bulk that is 0 bytes (not even its header: an export
    cut short) was not delivered, as a missing one: ``missing_file`` at the manifest row's
    line. A header-only file is a file with no rows."""
    manifest = "propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,bulk\n"
    r = read_oneroster(bundle(tmp_path / "b", manifest_csv=manifest, orgs_csv=""))
    got = [(p.code, p.file, p.line) for p in r.problems if p.code == "missing_file"]
    assert got == [("missing_file", "manifest.csv", 3)]
    assert "0 bytes" in r.problems[0].message
    head = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
    r = read_oneroster(bundle(tmp_path / "c", manifest_csv=manifest, orgs_csv=head))
    assert not [p for p in r.problems if p.code == "missing_file"]
