"""Free text a record's ``extra`` keeps (a vendor's column, an unknown Clever JSON key) of
records whose fields a privacy mode shows: sections, schools, courses, terms, districts,
and staff in the redacted mode. It is scrubbed as report text is: the people it names are
hidden (their ids pseudonymized in the pseudonymized mode, their names, emails and sis
ids redacted or pseudonymized), the rest is kept.

The tests convert a district written to disk and read what was written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import rostergraph
from rostergraph.cli import main
from rostergraph.privacy import PrivacyPolicy

KEY = "0123456789abcdef-test-key"
SIS = "9004417"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROSTERGRAPH_PSEUDONYM_KEY", KEY)


def _district(folder: Path) -> Path:
    folder.mkdir()

    def lines(*records: dict[str, Any]) -> str:
        return "".join(json.dumps(r) + "\n" for r in records)

    (folder / "users.jsonl").write_text(lines(
        {"id": "t1", "name": {"first": "Tia", "last": "Moss"},
         "roles": {"teacher": {"school": "sc1", "aide_note": f"covers stu77 ({SIS})"}}},
        {"id": "stu77", "name": {"first": "Annalise", "last": "Quenby"},
         "roles": {"student": {"school": "sc1", "sis_id": SIS}}}))
    (folder / "sections.jsonl").write_text(lines(
        {"id": "se1", "school": "sc1", "name": "Math", "teacher": "t1", "teachers": ["t1"],
         "students": ["stu77"], "vendor_seats": f"stu77 {SIS} Annalise Quenby",
         "vendor": {"seat_list": ["stu77"], "room": "B12"}}))
    (folder / "schools.jsonl").write_text(lines(
        {"id": "sc1", "name": "North", "district": "d1", "honor_roll": "Quenby, stu77"}))
    return folder


@pytest.mark.parametrize("mode", ["redacted", "pseudonymized"])
def test_free_text_extras_name_no_student(tmp_path: Path, capsys: Any, mode: str) -> None:
    src = _district(tmp_path / "d")
    out = tmp_path / "out"
    assert main(["convert", str(src), str(out), "--to", "clever-jsonl", "--privacy", mode,
                 "--quiet"]) == 0
    capsys.readouterr()
    written = "".join(p.read_text() for p in out.glob("*.jsonl"))
    for value in (SIS, "Annalise", "Quenby"):
        assert value not in written, value
    if mode == "pseudonymized":
        assert "stu77" not in written
    back = rostergraph.load(out)
    sec = next(iter(back.sections.values()))
    assert sec.extra["vendor"]["room"] == "B12"  # what names no one is kept
    assert len(sec.students) == 1


def test_full_mode_keeps_extras_and_ids_stay_in_redacted() -> None:
    r = rostergraph.Roster(users=[], sections=[])
    d = {"id": "se1", "vendor_seats": "stu77 row 3"}
    assert PrivacyPolicy("full").bind(r).apply_record("sections", d) == d
    assert PrivacyPolicy("redacted").bind(r).apply_record("sections", d) == d


def test_reference_keys_are_not_scrubbed(tmp_path: Path) -> None:
    """A key the OneRoster reader keeps that names references (``...SourcedIds``: terms,
    orgs) holds ids of places, shown in every mode even where a person has the same id."""
    src = _district(tmp_path / "d")
    r = rostergraph.load(src)
    p = PrivacyPolicy("pseudonymized", key=KEY).bind(r)
    d = p.apply_record("sections", {"id": "se1", "oneroster.termSourcedIds": ["stu77"],
                                    "note": "stu77"})
    assert d["oneroster.termSourcedIds"] == ["stu77"] and d["note"] != "stu77"


def test_the_enrollment_keys_are_left_to_section_people(tmp_path: Path) -> None:
    """The section's enrollment keys are hidden once, by their own rules: a cell's users
    get the same pseudonyms as the section's students."""
    src = _district(tmp_path / "d")
    r = rostergraph.load(src)
    p = PrivacyPolicy("pseudonymized", key=KEY).bind(r)
    d = p.apply_record("sections", {"id": "se1", "students": ["stu77"],
                                    "oneroster.enrollmentCells": {
                                        "beginDate": {"student": {"2024-08-19": ["stu77"]}}}})
    cells = d["oneroster.enrollmentCells"]["beginDate"]["student"]["2024-08-19"]
    assert cells == d["students"] == [p.pseudonym("stu77")]
