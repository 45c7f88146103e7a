"""Input that used to be dropped without a word: two files for one kind, two zip members
with one name, and a legacy file holding one lone surrogate."""

from __future__ import annotations

import os
import shutil
import warnings
import zipfile
from pathlib import Path

import pytest

import rostergraph
from rostergraph.errors import FormatError

ONEROSTER = Path(__file__).parent / "data" / "oneroster" / "edfi-lms-toolkit-v1.1"
LEGACY = Path(__file__).parent / "data" / "public-samples" / "clever" / "clever-go-v1.1-fixtures"


def test_users_json_beside_users_jsonl_is_a_problem_naming_both(tmp_path: Path) -> None:
    """users.json and users.jsonl in one folder: one is read, the other is an `other`
    problem naming both (a FormatError naming both in strict mode)."""
    (tmp_path / "users.jsonl").write_text('{"id": "u1", "roles": {"student": {}}}\n')
    (tmp_path / "users.json").write_text('{"data": [{"data": {"id": "u2", "roles": {}}}]}')
    r = rostergraph.load(tmp_path)
    assert list(r.users) == ["u2"]
    [p] = r.problems
    assert p.code == "other" and p.file == "users.jsonl" and p.kind == "users"
    assert "users.json and users.jsonl" in p.message and "ignored users.jsonl" in p.message
    assert "RG-LOAD-009" in {f.rule for f in rostergraph.validate(r).findings}
    with pytest.raises(FormatError, match=r"users\.json and users\.jsonl"):
        rostergraph.load(tmp_path, strict=True)


def _zip_with(tmp_path: Path, extra_name: str) -> Path:
    out = tmp_path / "bundle.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for f in sorted(os.listdir(ONEROSTER)):
            if f.endswith(".csv"):
                zf.write(ONEROSTER / f, f)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns about a duplicate name
            zf.writestr(extra_name, (ONEROSTER / "users.csv").read_text().splitlines()[0] + "\n")
    return out


@pytest.mark.parametrize("extra_name", ["users.csv", "a/users.csv"])
def test_zip_holding_users_csv_twice_names_both(tmp_path: Path, extra_name: str) -> None:
    """A zip with two users.csv members (same name, or one in a subfolder) is a FormatError
    naming both, instead of silently reading one of them."""
    z = _zip_with(tmp_path, extra_name)
    with pytest.raises(FormatError, match="holds users.csv twice") as exc:
        rostergraph.load(z)
    assert f"users.csv and {extra_name}" in str(exc.value)
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as zf:
        for f in sorted(os.listdir(ONEROSTER)):
            if f.endswith(".csv"):
                zf.write(ONEROSTER / f, f)
    assert len(rostergraph.load(good).users) > 0


def test_legacy_file_with_a_lone_surrogate_keeps_its_records(tmp_path: Path) -> None:
    """A v1.1 file holding one lone surrogate escape loads every record, the surrogate kept
    (as the v3 reader does), instead of losing the whole file."""
    src = tmp_path / "legacy"
    shutil.copytree(LEGACY, src)
    before = rostergraph.load(src)
    text = (src / "students.json").read_text()
    assert text.count('"first": "John"') == 1
    (src / "students.json").write_text(text.replace('"first": "John"', '"first": "Jo\\ud800hn"'))
    after = rostergraph.load(src)
    assert after.provenance.format == "clever-legacy"
    assert sorted(after.users) == sorted(before.users)
    assert [p.code for p in after.problems] == [p.code for p in before.problems]
    assert "Jo\ud800hn" in {u.name.first for u in after.users.values() if u.name}


@pytest.mark.parametrize("tobedeleted", [False, True], ids=["all live", "one deleted"])
def test_enrollment_dates_not_kept_are_counted_in_a_note(tmp_path: Path,
                                                         tobedeleted: bool) -> None:
    """An enrollment is no record, so its dateLastModified has nowhere to go: a note
    counts the dated enrollments of the rows read (by column or row by row)."""
    src = tmp_path / "or"
    shutil.copytree(ONEROSTER, src)
    lines = (src / "enrollments.csv").read_text().splitlines()
    header = lines[0].split(",")
    at = header.index("dateLastModified")
    rows = [r.split(",") for r in lines[1:]]
    for r in rows:
        r[at] = "2024-08-19T00:00:00Z"
    if tobedeleted:  # (a status other than active sends the file row by row)
        rows[0][header.index("status")] = "tobedeleted"
    (src / "enrollments.csv").write_text(
        "\n".join(",".join(r) for r in [header, *rows]) + "\n")
    r = rostergraph.load(src)
    n = len(rows) - tobedeleted
    assert f"enrollments.csv: the dateLastModified of {n:,} enrollments is not kept" in \
        " ".join(r.provenance.notes)


def test_manifest_properties_not_kept_are_named_in_a_note() -> None:
    """A manifest's source.systemName and source.systemCode (and any property but the
    versions and the file modes) are named in a note with their values."""
    r = rostergraph.load(ONEROSTER)
    [note] = [n for n in r.provenance.notes if n.startswith("manifest.csv properties")]
    assert note == ("manifest.csv properties not kept: source.systemName='ClassLink "
                    "OneRoster', source.systemCode='ClassLink'")
