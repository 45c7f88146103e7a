"""``demographics.csv`` race and ethnicity cells that are no boolean (a SIS writing ``Y``,
``N`` or ``Unknown``): the cell is kept as it is in the student's
``extra["oneroster.demographics.<column>"]`` and written back, and the Clever field says
only what a boolean cell said (it never turns an unknown into ``N`` or drops the cell)."""

from __future__ import annotations

import csv
from pathlib import Path

import rostergraph
from rostergraph.io.oneroster import read_oneroster
from rostergraph.model import record_to_dict
from tests.test_oneroster_variants import bundle

_HEAD = ("sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,"
         "blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
         "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity\n")
_ROWS = (
    # s1: one race true, another race cell no boolean, ethnicity no boolean
    "s1,,,2014-05-01,male,,Y,,,true,,Y\n"
    # s2: two or more races; a race cell that is no boolean beside them
    "s2,,,2014-05-02,female,Unknown,true,,,true,,Unknown\n")


def _demographics(folder: Path) -> dict[str, dict[str, str]]:
    with open(folder / "demographics.csv", newline="", encoding="utf-8") as fh:
        return {row["sourcedId"]: row for row in csv.DictReader(fh)}


def test_race_and_ethnicity_cells_that_are_no_boolean_are_kept(tmp_path: Path) -> None:
    src = bundle(tmp_path / "b", demographics_csv=_HEAD + _ROWS)
    r = read_oneroster(src)
    s1, s2 = r.users["s1"].roles.student, r.users["s2"].roles.student
    assert s1 is not None and s2 is not None
    assert s1.race == "Caucasian"
    assert s1.extra["oneroster.demographics.asian"] == "Y"  # (was dropped)
    assert s1.hispanic_ethnicity is None  # (was "N": the cell says no such thing)
    assert s1.extra["oneroster.demographics.hispanicOrLatinoEthnicity"] == "Y"
    assert s2.race == "Two or More Races"
    assert s2.extra["oneroster.demographics.americanIndianOrAlaskaNative"] == "Unknown"
    assert s2.hispanic_ethnicity is None
    rostergraph.write_oneroster(r, tmp_path / "out")
    sent, written = _demographics(src), _demographics(tmp_path / "out")
    for sid in ("s1", "s2"):
        for col in ("asian", "americanIndianOrAlaskaNative", "white",
                    "hispanicOrLatinoEthnicity"):
            if sent[sid][col]:
                assert written[sid][col] == sent[sid][col], (sid, col)
    again = read_oneroster(tmp_path / "out")
    for sid in ("s1", "s2"):
        assert record_to_dict(again.users[sid]) == record_to_dict(r.users[sid])


def test_race_and_ethnicity_cells_that_are_no_boolean_are_told_once(tmp_path: Path) -> None:
    """Such cells are one ``other`` problem on ``demographics.csv`` at the first such
    row's line, counting the rows and naming the columns (never a cell's value: it is a
    student's demographics), as the ``primary`` cells that are no boolean are told: a SIS
    writing ``Y``/``N`` in every race cell left every student without a race, silently."""
    r = read_oneroster(bundle(tmp_path / "b", demographics_csv=_HEAD + _ROWS))
    told = [p for p in r.problems if p.file == "demographics.csv"]
    assert [(p.code, p.line, p.field) for p in told] == [("other", 2, "asian")]
    msg = told[0].message
    assert msg.startswith("2 rows (line 2 and 1 more) of demographics.csv hold race or "
                          "ethnicity cells that are no boolean")
    assert "(americanIndianOrAlaskaNative, asian, hispanicOrLatinoEthnicity)" in msg
    assert "'Y'" not in msg and "Unknown" not in msg and told[0].raw is None
    clean = bundle(tmp_path / "c", demographics_csv=_HEAD + "s1,,,2014-05-03,male,,,,,true,,false\n"
                   "s2,,,2014-05-03,male,,,,,TRUE,,false\n")
    assert [p for p in read_oneroster(clean).problems if p.file == "demographics.csv"] == []


def test_a_two_or_more_races_cell_that_is_no_boolean_is_kept_and_told(tmp_path: Path) -> None:
    """``demographicRaceTwoOrMoreRaces`` of ``Y`` was dropped (neither read nor kept): it
    is kept in extra, told with the other such cells, and written back."""
    src = bundle(tmp_path / "b", demographics_csv=_HEAD + "s1,,,2014-05-03,male,,,,,true,Y,"
                 "false\n")
    r = read_oneroster(src)
    s1 = r.users["s1"].roles.student
    assert s1 is not None and s1.race == "Caucasian"
    assert s1.extra["oneroster.demographics.demographicRaceTwoOrMoreRaces"] == "Y"
    (told,) = [p for p in r.problems if p.file == "demographics.csv"]
    assert "(demographicRaceTwoOrMoreRaces)" in told.message
    rostergraph.write_oneroster(r, tmp_path / "out")
    assert _demographics(tmp_path / "out")["s1"]["demographicRaceTwoOrMoreRaces"] == "Y"
    again = read_oneroster(tmp_path / "out")
    assert record_to_dict(again.users["s1"]) == record_to_dict(r.users["s1"])
