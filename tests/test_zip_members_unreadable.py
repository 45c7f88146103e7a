"""A Clever SFTP zip whose members cannot be read: password-protected (student data is
often sent so), compressed with Deflate64 (which Python's zipfile cannot inflate, as some
Windows tools write it), or with a damaged compressed stream. ``rostergraph.load`` raises
a ``FormatError`` naming the member, as for a OneRoster zip; format detection let Python's
``RuntimeError``, ``NotImplementedError`` or ``zlib.error`` escape instead."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

import rostergraph
from rostergraph.errors import FormatError

FILES = {"schools.csv": "School_id,School_name\nsA,A\n",
         "students.csv": "School_id,Student_id,Last_name,First_name\nsA,s1,Dent,Stu\n",
         "teachers.csv": "School_id,Teacher_id,Last_name,First_name\nsA,t1,Cher,Tea\n",
         "sections.csv": "School_id,Section_id,Teacher_id,Name\nsA,c1,t1,Math\n" * 1
         + "sA,c2,t1,Art\n" * 40,
         "enrollments.csv": "School_id,Section_id,Student_id\nsA,c1,s1\n"}


def write_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in FILES.items():
            zf.writestr(name, text)
    return path


def patch_headers(path: Path, field: str, value: int) -> None:
    """Set every member's general purpose flag bit 0 (``flag``: encrypted) or compression
    method (``method``) in the local and central headers."""
    data = bytearray(path.read_bytes())
    for sig, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        i = data.find(sig)
        while i >= 0:
            at = i + (flag_at if field == "flag" else method_at)
            old = struct.unpack("<H", data[at:at + 2])[0]
            data[at:at + 2] = struct.pack("<H", old | value if field == "flag" else value)
            i = data.find(sig, i + 4)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["encrypted", "deflate64", "damaged stream"])
def test_an_sftp_zip_whose_members_cannot_be_read_is_a_format_error(tmp_path: Path,
                                                                   damage: str) -> None:
    path = write_zip(tmp_path / "sftp.zip")
    assert rostergraph.load(path).provenance.format == "clever-csv"
    if damage == "encrypted":
        patch_headers(path, "flag", 1)
    elif damage == "deflate64":
        patch_headers(path, "method", 9)
    else:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("sections.csv")
        data = bytearray(path.read_bytes())
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        data[start + 2:start + 12] = b"\xff" * 10
        path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match=r"sftp\.zip.*\.csv"):
        rostergraph.load(path)


def test_a_stored_member_whose_checksum_is_wrong_is_a_format_error(tmp_path: Path) -> None:
    """A member stored uncompressed whose bytes no longer match its CRC-32 (a damaged
    download): a FormatError naming the member, not "not a roster" from detection."""
    path = tmp_path / "sftp.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, text in FILES.items():
            zf.writestr(name, text)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("sections.csv")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 40] ^= 0x20  # a letter's case: same size, another checksum
    path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match=r"sftp\.zip.*sections\.csv"):
        rostergraph.load(path)
