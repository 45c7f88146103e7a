"""An SFTP folder (or zip) whose ``sections.csv`` is empty (0 bytes, an export that wrote
no sections) beside valid ``schools.csv``/``students.csv``/``teachers.csv`` is detected
and read: an empty file holds no records of its kind, no problem (docs/bad-input.md),
so the next file's header decides what the folder is.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

import rostergraph

_FILES = {
    "schools.csv": "School_id,School_name\nsA,Alpha\n",
    "students.csv": "Student_id,School_id,First_name,Last_name\nst1,sA,Ann,Lee\n",
    "teachers.csv": "Teacher_id,School_id,First_name,Last_name\nt1,sA,Tia,One\n",
    "sections.csv": "",
    "enrollments.csv": "",
}


@pytest.mark.parametrize("as_zip", [False, True])
def test_sftp_folder_with_an_empty_sections_csv_still_loads(tmp_path: Path, as_zip: bool) -> None:
    d = tmp_path / "sftp"
    d.mkdir()
    for name, text in _FILES.items():
        (d / name).write_text(text, encoding="utf-8", newline="")
    src: Path = d
    if as_zip:
        src = tmp_path / "sftp.zip"
        with zipfile.ZipFile(src, "w") as zf:
            for name in sorted(_FILES):
                zf.write(d / name, name)
    r = rostergraph.load(src, cache=False)
    assert r.provenance.format == "clever-csv"
    assert sorted(r.users) == ["st1", "t1"] and len(r.sections) == 0


@pytest.mark.parametrize("as_zip", [False, True])
def test_an_empty_enrollments_csv_beside_sections_is_a_missing_file(tmp_path: Path,
                                                                     as_zip: bool) -> None:
    """A 0-byte ``enrollments.csv`` (not even its header: an export cut short) beside a
    ``sections.csv`` with sections is a ``missing_file`` problem, as a missing one is: no
    section has students. A header-only one is a district with no enrollments."""
    files = {**_FILES, "sections.csv": "Section_id,School_id,Teacher_id\nse1,sA,t1\n"}
    for enrollments, told in (("", True), ("School_id,Section_id,Student_id\n", False)):
        d = tmp_path / f"sftp{len(enrollments)}"
        d.mkdir()
        for name, text in {**files, "enrollments.csv": enrollments}.items():
            (d / name).write_text(text, encoding="utf-8", newline="")
        src: Path = d
        if as_zip:
            src = tmp_path / f"sftp{len(enrollments)}.zip"
            with zipfile.ZipFile(src, "w") as zf:
                for p in sorted(d.iterdir()):
                    zf.write(p, p.name)
        r = rostergraph.load(src, cache=False)
        got = [(p.code, p.file) for p in r.problems if p.code == "missing_file"]
        assert got == ([("missing_file", "enrollments.csv")] if told else []), enrollments
        assert sorted(r.sections) == ["se1"]
