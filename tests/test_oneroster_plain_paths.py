"""The OneRoster reader's shortcuts for plain rows give what its general path gives.

The reader takes a shortcut for the rows most bundles are made of (a new student,
teacher or contact in ``users.csv``, a user needing no mending at the end, the student
fields of a demographics row whose cells an earlier row had): the same records,
problems and notes must come out when every row takes the general path instead. Here a generated district with quirks
(written with and without the rostergraph extension columns) is given rows of every
kind the shortcuts leave to the general path (roles in other cases or with no Clever
equivalent, repeated and missing ids, ids with spaces around them, several grades,
passwords, statuses, demographics cells that are no booleans or dates) and read both ways.
"""

from __future__ import annotations

import csv
import io
import random
import tempfile
from pathlib import Path
from typing import Any

import pytest

import rostergraph
from rostergraph.io import (
    oneroster,
    oneroster_profiles,
    oneroster_users,
    oneroster_usertext,
    parked,
)
from rostergraph.io.oneroster import read_oneroster
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.synth import write_district
from tests.test_collect import assert_same_roster
from tests.test_csv_equivalence import assert_same


def _general_only(monkeypatch: Any) -> None:
    """Every row through the reader's general path, every user mended at the end."""
    monkeypatch.setattr(oneroster_usertext, "COLUMN_USERS", False)
    monkeypatch.setattr(oneroster_users.PlainRows, "read", lambda self, row, line: False)
    monkeypatch.setattr(oneroster._Reader, "_mends", lambda self, rid, user: True)
    # (each demographics row's student fields worked out from its own cells)
    monkeypatch.setattr(oneroster_profiles, "_student_key", lambda get, dob: object())


def _edit(path: Path, change: Any) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows([rows[0], *change(rows[0], rows[1:])])
    path.write_text(out.getvalue(), encoding="utf-8")


def _messy_users(rnd: random.Random) -> Any:
    def change(head: list[str], body: list[list[str]]) -> list[list[str]]:
        at = {c: i for i, c in enumerate(head)}
        for k, r in enumerate(body):
            x = rnd.random()
            if x < 0.1:
                r[at["role"]] = rnd.choice(["STUDENT", " Teacher ", "coach", "", "aide",
                                            "administrator", "districtAdministrator",
                                            "Parent", "relative", "principal"])
            if rnd.random() < 0.03:
                r[at["sourcedId"]] = rnd.choice(["", body[k - 1][at["sourcedId"]]])
            if rnd.random() < 0.03 and r[at["orgSourcedIds"]]:
                first = r[at["orgSourcedIds"]].split(",")[0]
                r[at["orgSourcedIds"]] = rnd.choice([f" {first} ", f"{first}, {first}",
                                                     "no-such-org", f"{first},no-such-org"])
            for col, values in (("grades", ["09,10", " 05 ", "13", ""]),
                                ("password", ["secret"]), ("phone", ["555"]),
                                ("status", ["tobedeleted", "inactive", "active"]),
                                ("enabledUser", ["false", ""]), ("givenName", [""]),
                                ("username", [""]), ("identifier", [""]),
                                ("agentSourcedIds", [body[0][at["sourcedId"]]])):
                if col in at and rnd.random() < 0.03:
                    r[at[col]] = rnd.choice(values)
        return body
    return change


def _messy_demographics(rnd: random.Random) -> Any:
    def change(head: list[str], body: list[list[str]]) -> list[list[str]]:
        at = {c: i for i, c in enumerate(head)}
        for k, r in enumerate(body):
            for col in ("asian", "white", "hispanicOrLatinoEthnicity",
                        "demographicRaceTwoOrMoreRaces", "blackOrAfricanAmerican"):
                if rnd.random() < 0.06:
                    r[at[col]] = rnd.choice(["true", "false", "Y", "Unknown", " TRUE", "1",
                                             "0", "", "no"])
            if rnd.random() < 0.04:
                r[at["birthDate"]] = rnd.choice(["2010-13-01", "01/02/2010", "", "2010-02-03"])
            if rnd.random() < 0.04:
                r[at["sex"]] = rnd.choice(["unspecified", "Other", " male", "", "X"])
            if rnd.random() < 0.04:
                r[at["sourcedId"]] = rnd.choice(["no-such-user", " " + r[at["sourcedId"]],
                                                 body[k - 1][at["sourcedId"]]])
            if rnd.random() < 0.03:
                r[at["status"]] = rnd.choice(["tobedeleted", "inactive"])
            if rnd.random() < 0.03:
                r[at["cityOfBirth"]] = "Paris"
        return body
    return change


@pytest.fixture(scope="module")
def roster() -> Any:
    with tempfile.TemporaryDirectory() as d:
        return rostergraph.load(write_district(d, None, students=400, seed=11,
                                               quirks="high"), cache=False)


@pytest.mark.parametrize("extensions", [False, True])
@pytest.mark.parametrize("seed", [1, 2])
def test_plain_rows_read_as_the_general_path_reads_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any, extensions: bool,
        seed: int) -> None:
    out = tmp_path / "or"
    write_oneroster(roster, out, extensions=extensions)
    rnd = random.Random(seed)
    _edit(out / "users.csv", _messy_users(rnd))
    _edit(out / "demographics.csv", _messy_demographics(rnd))
    taken: list[bool] = []
    real = oneroster_users.PlainRows.read
    with monkeypatch.context() as m:
        m.setattr(oneroster_users.PlainRows, "read",
                  lambda self, row, line: taken.append(real(self, row, line)) or taken[-1])
        m.setattr(oneroster_usertext, "COLUMN_USERS", False)  # (each row read by a row path)
        fast = read_oneroster(out)
    assert taken.count(True) > len(taken) // 2 and taken.count(False) > 10
    assert_same_roster(read_oneroster(out), fast)  # (and the column-wise rows read alike)
    _general_only(monkeypatch)
    general = read_oneroster(out)
    assert len(fast.problems) > 10
    assert_same_roster(fast, general)
    assert fast.provenance.notes == general.provenance.notes
    for kind in ("users", "sections"):
        for rid, rec in general.records(kind).items():
            assert list(fast.records(kind)[rid].extra) == list(rec.extra), (kind, rid)
    monkeypatch.undo()
    assert_same("oneroster", out)  # (and the row-by-row oracle's, demographics and all)


def test_plain_rows_parked_as_text_read_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any) -> None:
    """With nearly every user dict parked as text between two rows (as in a district of
    millions), the shortcuts give what the general path gives with every dict kept."""
    out = tmp_path / "or"
    write_oneroster(roster, out, extensions=False)
    rnd = random.Random(3)
    _edit(out / "users.csv", _messy_users(rnd))
    _edit(out / "demographics.csv", _messy_demographics(rnd))
    with monkeypatch.context() as m:
        _general_only(m)
        general = read_oneroster(out)
    monkeypatch.setattr(parked, "PARK_FROM", 0)
    monkeypatch.setattr(parked, "LIVE_MAX", 4)
    fast = read_oneroster(out)
    assert_same_roster(fast, general)
    assert fast.provenance.notes == general.provenance.notes
