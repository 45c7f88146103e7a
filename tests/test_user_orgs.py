"""users.csv rows whose ``orgSourcedIds`` ids are per-user strings of their shape read as
the row path reads them, in a handful of shapes however many schools the district has."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from rostergraph.io import oneroster_usertext
from rostergraph.io.oneroster import read_oneroster
from tests.test_collect import assert_same_roster
from tests.test_oneroster_usertext import _texts

SCHOOLS = [f"s{k}" for k in range(12)]
HEADER = ["sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role",
          "username", "givenName", "familyName", "identifier", "email", "phone",
          "agentSourcedIds", "grades"]


def _bundle(out: Path, cells: list[str], two_districts: bool = False) -> None:
    """A bundle with a student, a teacher and a contact naming the orgs of each of
    ``cells`` (every other cell of a role alike but for the user's own strings)."""
    out.mkdir()
    (out / "manifest.csv").write_text("propertyName,value\nmanifest.version,1.0\n"
                                      "oneroster.version,1.1\n", encoding="utf-8")
    orgs = [["sourcedId", "name", "type", "parentSourcedId"], ["d1", "D1", "district", ""],
            ["d2", "D2", "district", ""]]
    orgs += [[s, s.upper(), "school", "d2" if two_districts and k % 2 else "d1"]
             for k, s in enumerate(SCHOOLS)]
    orgs += [["dep1", "Dep", "department", "s3"]]
    users = [HEADER]
    for k, (cell, role) in enumerate((c, r) for c in cells
                                     for r in ("student", "teacher", "guardian")):
        users.append([f"u{k}", "", "2024-01-01", "true", cell, role, f"n{k}", f"G{k}", f"F{k}",
                      f"I{k}", f"e{k}@x.org", "555" if role == "guardian" else "",
                      "u0" if role == "guardian" else "", "05" if role == "student" else ""])
    for name, rows in (("orgs.csv", orgs), ("users.csv", users)):
        text = io.StringIO(newline="")
        csv.writer(text, lineterminator="\n").writerows(rows)
        (out / name).write_text(text.getvalue(), encoding="utf-8")


def _read_both(out: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """The bundle read column-wise and by the row path alone, alike; how many shapes the
    column-wise reading made."""
    shapes: list[int] = []
    real = oneroster_usertext.ColumnUsers._add
    with monkeypatch.context() as m:
        m.setattr(oneroster_usertext.ColumnUsers, "_add", lambda self, b, ks, held: (
            shapes.append(len(self.shapes)), real(self, b, ks, held))[1])
        columns = read_oneroster(out)
    with monkeypatch.context() as m:
        m.setattr(oneroster_usertext, "COLUMN_USERS", False)
        rows = read_oneroster(out)
    assert_same_roster(columns, rows)
    assert columns.provenance.notes == rows.provenance.notes
    assert _texts(columns) == _texts(rows)
    assert shapes
    return shapes[0]


@pytest.mark.parametrize("two_districts", [False, True])
def test_one_shape_per_role_however_many_schools(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, two_districts: bool) -> None:
    """Users at a dozen schools: a shape per role (and district), not per school."""
    _bundle(tmp_path / "b", SCHOOLS * 6, two_districts)
    assert _read_both(tmp_path / "b", monkeypatch) == 3 * (1 + two_districts)


def test_cells_naming_several_schools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                      ) -> None:
    """Cells naming two, three or four distinct schools: a shape per role and count."""
    cells = [",".join(SCHOOLS[k:k + m]) for m in (1, 2, 3, 4) for k in range(6)]
    _bundle(tmp_path / "b", cells * 3)
    assert _read_both(tmp_path / "b", monkeypatch) == 3 * 4


@pytest.mark.parametrize("odd", ["s1,s1", "s1, s2", " s1", "d1", "s1,d1", "dep1",
                                 "s1,dep1", "nowhere", "s1,nowhere", "s1,s2,s3,s4,s5",
                                 "s1,,s2", ",s1", "s1,", "", "d1,s1"])
def test_cells_the_row_path_reads_otherwise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, odd: str) -> None:
    """A cell naming a school twice, with spaces, a district, a department, an org not
    delivered, too many schools, an empty item: a shape of its own, read alike."""
    _bundle(tmp_path / "b", [*SCHOOLS, odd, odd] * 2)
    assert _read_both(tmp_path / "b", monkeypatch) >= 3


def test_demoted_users_keep_their_schools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    """A user whose demographics row goes the row path's way (given twice) takes its
    schools from its own cell."""
    out = tmp_path / "b"
    _bundle(out, [*SCHOOLS, "s1,s2"] * 2)
    rows = ["sourcedId,birthDate,sex"] + [f"u{k},2010-01-0{1 + k % 9},female"
                                          for k in range(0, 60, 3)] + ["u3,,male", "u6,,"]
    (out / "demographics.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert _read_both(out, monkeypatch) == 6


@pytest.mark.parametrize("most", [0, 1, 2])
def test_fewer_ids_per_user_leave_the_other_cells_in_their_shapes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, most: int) -> None:
    """With at most ``most`` ids taken as a user's own strings (none: every cell its own
    shape, as before), the cells naming more keep shapes of their own: read alike."""
    from rostergraph.io import user_orgs

    monkeypatch.setattr(user_orgs, "MAX_ORGS", most)
    cells = [",".join(SCHOOLS[k:k + m]) for m in (1, 2, 3) for k in range(6)]
    _bundle(tmp_path / "b", cells * 2)
    # (a shape per role and cell of more than `most` ids, and per role and count of the others)
    assert _read_both(tmp_path / "b", monkeypatch) == 3 * (most + (3 - most) * 6)


@pytest.mark.parametrize("role", ["parent", "guardian", "relative"])
def test_demographics_of_contacts_with_keys_after_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    """Demographics rows of contacts naming no student: their cells among the record's
    own keys, a parent's or relative's role kept after them, a guardian's not."""
    out = tmp_path / "b"
    _bundle(out, SCHOOLS * 2)
    text = (out / "users.csv").read_text(encoding="utf-8").replace(",guardian,", f",{role},")
    (out / "users.csv").write_text(text.replace(",u0,", ",,"), encoding="utf-8")
    rows = ["sourcedId,birthDate,sex,cityOfBirth"] + [
        f"u{k},2010-01-0{1 + k % 9},{'female' if k % 2 else ''},{'C' if k % 4 else ''}"
        for k in range(72)]
    (out / "demographics.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert _read_both(out, monkeypatch) == 3


def test_demographics_of_students_whose_role_says_nothing_else(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A student whose row names no org, username, identifier or grade: its demographics
    cells alone in its role's object (no comma on either side)."""
    out = tmp_path / "b"
    _bundle(out, SCHOOLS * 2)
    rows = list(csv.reader(io.StringIO((out / "users.csv").read_text(encoding="utf-8"))))
    at = {c: i for i, c in enumerate(rows[0])}
    for k, row in enumerate(rows[1:]):
        if row[at["role"]] == "student" and k % 2:
            for col in ("orgSourcedIds", "username", "identifier", "grades"):
                row[at[col]] = ""
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\n").writerows(rows)
    (out / "users.csv").write_text(text.getvalue(), encoding="utf-8")
    demo = ["sourcedId,birthDate,sex"] + [f"u{k},2010-01-0{1 + k % 9},{'male' if k % 4 else ''}"
                                          for k in range(72)]
    (out / "demographics.csv").write_text("\n".join(demo) + "\n", encoding="utf-8")
    assert _read_both(out, monkeypatch) == 4
