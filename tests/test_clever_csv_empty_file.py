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
