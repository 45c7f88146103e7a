"""The CSV writers stream their rows (``rostergraph.io.write_sheets``): the files they write
are pinned byte for byte, and rows spilled to disk a row at a time give the same files as
rows held in memory."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

import rostergraph
from rostergraph.io import write_oneroster as write_oneroster_module
from rostergraph.io import write_sheets
from rostergraph.io.csvcells import to_csv_text
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
from rostergraph.roster import Roster
from rostergraph.synth import write_district
from rostergraph.table import Table

#: (writer, extensions, OneRoster version)
Case = tuple[str, bool, str]

#: SHA-256 of ``"<file> <sha256 of its bytes>\n"`` over the sorted files each writer gives
#: for ``rostergraph.sample()``: the bytes before the writers streamed (OneRoster
#: ``classes.csv`` with extension columns as this version's writer makes it: it carries a
#: section's ``teachers`` whose first is not its ``teacher``). A change here is a change of
#: every consumer's files: make it on purpose, and say so in the CHANGELOG. (1.2: staff
#: roles ``Principal`` and ``Counselor`` written as ``principal`` and ``counselor``, not
#: ``siteAdministrator``, since the roles are matched ignoring case.)
PINNED: dict[Case, str] = {
    ("sftp", False, ""): "3064551e997431cd8543c891ad539042db26a36a140ae71804c80bbc6753881d",
    ("sftp", True, ""): "4f17b3a700d8c466227d23474c2b83abc9dac592202ed0744acb92a773d30e9b",
    ("oneroster", False, "1.1"):
        "4ba68641e8eb1a9e152f1ce107b6259c98480ed5b3c9cc553cbc7b3f85552843",
    ("oneroster", True, "1.1"):
        "d02c342a6abbc09e2e681e2ebed67d742204dcf26b7be1b3913925365133cb7d",
    ("oneroster", False, "1.2"):
        "0e798d755adb91424248b7e0452731ad95bbaed2cea28849694824d3960f9db8",
    ("oneroster", True, "1.2"):
        "5e3bfab3e75bbe0f04d3abf871020ab28cd83c1902f2fe2e148680d11ed4550c",
}


def _write(roster: Roster, out: Path, case: Case) -> Table:
    writer, ext, version = case
    if writer == "sftp":
        return write_clever_csv(roster, out, extensions=ext)
    return write_oneroster(roster, out, extensions=ext, version=version)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _digest(files: dict[str, bytes]) -> str:
    text = "".join(f"{n} {hashlib.sha256(b).hexdigest()}\n" for n, b in sorted(files.items()))
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("case", list(PINNED))
def test_sample_files_are_pinned_byte_for_byte(case: Case, tmp_path: Path) -> None:
    _write(rostergraph.sample(), tmp_path / "out", case)
    assert _digest(_files(tmp_path / "out")) == PINNED[case]


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small district with every quirk at a high rate (JSON Lines)."""
    path = tmp_path_factory.mktemp("synth") / "d"
    write_district(path, students=300, seed=11, quirks="high")
    return path


@pytest.mark.parametrize("case", list(PINNED))
def test_rows_spilled_one_at_a_time_give_the_same_files(
        case: Case, synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file is the csv module's writing of its rows (CRLF, minimal quoting, every
    row as wide as the header), the same whether its rows were held or spilled."""
    held_report = _write(rostergraph.load(synth), tmp_path / "held", case)
    monkeypatch.setattr(write_sheets, "_CHUNK", 1)
    spilled_report = _write(rostergraph.load(synth), tmp_path / "spilled", case)
    held, spilled = _files(tmp_path / "held"), _files(tmp_path / "spilled")
    assert held == spilled
    assert held_report.to_dicts() == spilled_report.to_dicts()
    for name, data in held.items():
        text = data.decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert to_csv_text(rows) == text, name
        assert len({len(r) for r in rows}) == 1, name


def _with_lone_surrogates(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "schools.jsonl").write_text('{"id": "sc1", "name": "One"}\n')
    (src / "users.jsonl").write_text(
        '{"id": "u1", "name": {"last": "a\\ud800"}, "roles": {"student": {"school": "sc1"}}}\n'
        '{"id": "u2", "name": {"last": "b"}, "roles": {"student": {"school": "sc1"}}}\n'
        '{"id": "u3", "name": {"last": "\\udc00c\\ud801"}, '
        '"roles": {"teacher": {"school": "sc1"}}}\n')
    return src


@pytest.mark.parametrize("writer", ["sftp", "oneroster"])
def test_lone_surrogates_are_counted_once_per_file_across_chunks(
        writer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _with_lone_surrogates(tmp_path)
    case = (writer, False, "1.1")
    held_report = _write(rostergraph.load(src), tmp_path / "held", case)
    monkeypatch.setattr(write_sheets, "_CHUNK", 1)
    spilled_report = _write(rostergraph.load(src), tmp_path / "spilled", case)
    assert _files(tmp_path / "held") == _files(tmp_path / "spilled")
    changed = [r for r in spilled_report.to_dicts() if "lone surrogates" in r["field"]]
    assert held_report.to_dicts() == spilled_report.to_dicts()
    expected = ({"students.csv": 1, "teachers.csv": 2} if writer == "sftp"
                else {"users.csv": 3})
    assert {r["kind"]: int(r["field"].split()[2]) for r in changed} == expected


def test_zip_members_are_the_folder_files_as_writestr_makes_them(
        synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    roster = rostergraph.load(synth)
    write_oneroster(roster, tmp_path / "folder")
    monkeypatch.setattr(write_sheets, "_CHUNK", 7)
    write_oneroster(roster, tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
        infos = zf.infolist()
    assert members == _files(tmp_path / "folder")
    assert infos[0].filename == "manifest.csv"
    assert {(i.compress_type, i.external_attr) for i in infos} == {
        (zipfile.ZIP_DEFLATED, 0o600 << 16)}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.zip", "folder"]


@pytest.mark.parametrize("writer", ["sftp", "oneroster"])
def test_a_write_that_fails_leaves_the_folder_as_it_was(
        writer: str, synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows already spilled go with the failed write; no file is replaced or left."""
    from rostergraph.io import write_sftp

    roster = rostergraph.load(synth)
    out = tmp_path / "out"
    case = (writer, True, "1.1")
    _write(roster, out, case)
    before = _files(out)
    monkeypatch.setattr(write_sheets, "_CHUNK", 2)

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    if writer == "sftp":
        monkeypatch.setattr(write_sftp, "_contact_columns", boom)
    else:
        monkeypatch.setattr(write_oneroster_module, "_oneroster_class", boom)
    with pytest.raises(RuntimeError, match="boom"):
        _write(roster, out, case)
    assert _files(out) == before
