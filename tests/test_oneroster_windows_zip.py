"""A OneRoster zip written on Windows whose member names use ``\\`` as the folder separator
(older Windows PowerShell ``Compress-Archive`` versions write ``Export\\users.csv``) is
detected and loaded as the same bundle as a folder: the reader takes ``\\`` as ``/``, so
detection must too."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

import rostergraph
from rostergraph.io.oneroster import is_oneroster, read_oneroster
from tests.test_oneroster_variants import bundle


@pytest.mark.parametrize("prefix", ["Export 2024\\", "a\\b\\"])
def test_zip_with_backslash_member_names_is_detected_and_loads(tmp_path: Path,
                                                                prefix: str) -> None:
    folder = bundle(tmp_path / "b", enrollments_csv=(
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,"
        "role,primary,beginDate,endDate\n"
        "e1,,,c1,sA,t1,teacher,true,,\ne2,,,c1,sA,s1,student,,,\n"))
    z = tmp_path / "windows.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in sorted(folder.iterdir()):
            zf.writestr(prefix + f.name, f.read_bytes())
    assert is_oneroster(z)
    from_zip, from_folder = rostergraph.load(z), read_oneroster(folder)
    assert from_zip.provenance.format == "oneroster"
    for kind in ("districts", "schools", "sections", "users"):
        assert from_zip.records(kind) == from_folder.records(kind), kind
    assert from_zip.sections["c1"].students == ("s1",)
