"""The plain users.csv rows a bulk OneRoster load reads as whole columns give, text for
text, what the reader's row path gives them.

Each test edits a written bundle so that some rows, or their demographics rows, are what
the column-wise reading must leave to the row path (or hand over to it: a user whose
demographics row is not plain), reads it both ways, and compares records (their JSON text
byte for byte, their order), problems, notes, the graph and the findings.
"""

from __future__ import annotations

import csv
import io
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.io import cell_flags, oneroster_usertext
from rostergraph.io.collect import ColumnarBuilder
from rostergraph.io.oneroster import read_oneroster
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.roster import Roster
from rostergraph.synth import write_district
from tests.test_collect import assert_same_roster, read_by_the_csv_module
from tests.test_oneroster_plain_paths import _messy_demographics, _messy_users


@pytest.fixture(scope="module")
def roster() -> Any:
    with tempfile.TemporaryDirectory() as d:
        return rostergraph.load(write_district(d, None, students=300, seed=5,
                                               quirks="high"), cache=False)


def _edit(path: Path, change: Any) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(change(rows[0], rows[1:]))
    path.write_text(out.getvalue(), encoding="utf-8")


def _texts(r: Roster) -> list[bytes | None]:
    users = r.users
    n = len(users)
    got = users.texts(range(n)) if hasattr(users, "texts") else [None] * n
    return [bytes(t) if t is not None else None for t in got]


def _both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Roster, Roster, int]:
    """The bundle read with the column-wise rows, and by the row path alone; how many
    rows the column-wise reading handed the builder."""
    handed: list[int] = []
    real = oneroster_usertext.ColumnUsers._add
    with monkeypatch.context() as m:
        m.setattr(oneroster_usertext.ColumnUsers, "_add",
                  lambda self, b, ks, held: handed.append(len(ks)) or real(self, b, ks, held))
        columns = read_oneroster(path)
    with monkeypatch.context() as m:
        m.setattr(oneroster_usertext, "COLUMN_USERS", False)
        rows = read_oneroster(path)
    return columns, rows, sum(handed)


def _assert_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    columns, rows, handed = _both_ways(path, monkeypatch)
    assert_same_roster(columns, rows)
    assert columns.provenance.notes == rows.provenance.notes
    assert _texts(columns) == _texts(rows)
    for rid, rec in rows.users.items():
        assert list(columns.users[rid].extra) == list(rec.extra), rid
    return handed


def test_a_clean_bundle_is_read_column_wise_alike(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any) -> None:
    write_oneroster(roster, tmp_path / "b", extensions=False)
    handed = _assert_same(tmp_path / "b", monkeypatch)
    assert handed > len(roster.users) // 2


@pytest.mark.parametrize("shaped_from", [1, oneroster_usertext.SHAPED_FROM])
@pytest.mark.parametrize("chunk", [1, 3, 50])
def test_row_path_records_interleaved_in_line_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any, chunk: int,
        shaped_from: int) -> None:
    """The row path's records (administrators, rows holding a private-use character, users
    whose demographics are not plain) are held and handed among the column-wise rows in line order, however
    the batches fall, and whether the short runs between them go by shape or as text: the
    roster's order, texts and problems are the row path's."""
    monkeypatch.setattr(oneroster_usertext, "SHAPED_FROM", shaped_from)
    out = tmp_path / "b"
    write_oneroster(roster, out, extensions=False)
    students = _first_rows(out, "users.csv", "role", "student")
    _cell_edit(out, "users.csv", "givenName", {k: "Ann \ue000Jr" for k in students[3::7]})
    # (emails without "@", RG-USR-001's, worked out for a whole column at once)
    _cell_edit(out, "users.csv", "email", {k: "no-at-sign" for k in students[1::5]})
    mixed: list[tuple[int, int]] = []
    real = oneroster_usertext.ColumnUsers._add

    def add(self: Any, b: Any, ks: Any, held: Any) -> None:
        mixed.append((len(ks), len(held)))
        real(self, b, ks, held)

    monkeypatch.setattr(oneroster_usertext, "_CHUNK", chunk)
    monkeypatch.setattr(oneroster_usertext.ColumnUsers, "_add", add)
    assert _assert_same(out, monkeypatch) > 0
    assert any(rows and held for rows, held in mixed)


def test_short_runs_go_as_text_and_long_runs_by_shape(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Column-wise users between row-path records: a run shorter than ``SHAPED_FROM`` is
    handed as text, a longer one by shape, and the roster is the row path's either way."""
    out = tmp_path / "b"
    clean = rostergraph.load(write_district(tmp_path / "d", None, students=400, seed=3),
                             cache=False)
    write_oneroster(clean, out, extensions=False)
    students = _first_rows(out, "users.csv", "role", "student")
    # (a private-use character, the row path's, in every 5th student's name from the 300th
    # on: short runs there, long ones before)
    _cell_edit(out, "users.csv", "givenName", {k: "Ann \ue000Jr" for k in students[300::5]})
    runs: dict[str, list[int]] = {"shaped": [], "text": []}
    real_shaped, real_texts = ColumnarBuilder.add_shaped, ColumnarBuilder.add_texts

    def add_shaped(self: Any, texts: Any, ids: Any, *a: Any, **k: Any) -> Any:
        runs["shaped"].append(len(ids))
        return real_shaped(self, texts, ids, *a, **k)

    def add_texts(self: Any, kind: str, texts: Any, *a: Any, **k: Any) -> Any:
        if kind == "users":
            runs["text"].append(len(texts))
        return real_texts(self, kind, texts, *a, **k)

    monkeypatch.setattr(ColumnarBuilder, "add_shaped", add_shaped)
    monkeypatch.setattr(ColumnarBuilder, "add_texts", add_texts)
    limit = 16  # (the tests' fixture hands every run by shape: a limit set here)
    monkeypatch.setattr(oneroster_usertext, "SHAPED_FROM", limit)
    _assert_same(out, monkeypatch)
    assert runs["shaped"] and min(runs["shaped"]) >= limit
    assert any(0 < n < limit for n in runs["text"])



class _NoLayout:
    """Stands for :class:`~rostergraph.io.arrow_templates.TemplateLayout` where no one
    layout keeps every shape's template."""

    @classmethod
    def of(cls, parts: Any, tail: str = "") -> None:
        return None


@pytest.mark.parametrize("kernels", [True, False])
def test_templates_filled_without_a_layout_of_them_all(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any, kernels: bool) -> None:
    """When no one layout keeps every shape's template, each batch's templates are laid
    out alone; when not even those are, the reader fills each row's itself: the same
    records either way. Messy demographics and contacts' links keep every template part in
    play."""
    out = tmp_path / "b"
    write_oneroster(roster, out, extensions=False)
    rnd = random.Random(4)

    def live(rows: list[list[str]], at: int) -> list[list[str]]:
        for r in rows:  # (no deleted row: the column-wise reading is wanted)
            if r[at] in ("tobedeleted", "inactive"):
                r[at] = ""
        return rows

    _edit(out / "demographics.csv", lambda h, body: [
        h, *live(_messy_demographics(rnd)(h, body), h.index("status"))])
    asked: list[int] = []
    real = oneroster_usertext.fill_templates

    def fill(parts: Any, codes: Any, columns: Any, tail: str = "") -> Any:
        asked.append(len(codes))
        return real(parts, codes, columns, tail) if kernels else None

    monkeypatch.setattr(oneroster_usertext, "TemplateLayout", _NoLayout)
    monkeypatch.setattr(oneroster_usertext, "fill_templates", fill)
    assert _assert_same(out, monkeypatch) > 0
    assert len(asked) >= 2  # (the users' texts and their demographics fragments)


def test_rostergraph_extension_columns_go_the_row_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any) -> None:
    """A bundle rostergraph wrote with its extension columns carries each user's other
    Clever fields as JSON in a cell: merged by the row path."""
    write_oneroster(roster, tmp_path / "b", extensions=True)
    _assert_same(tmp_path / "b", monkeypatch)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_messy_rows_left_to_the_row_path_read_alike(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any, seed: int) -> None:
    """Roles in other cases or none, repeated and missing ids, spaced ids, several grades,
    passwords, statuses, demographics cells that are no booleans or dates, repeated and
    unknown demographics ids: the rows the column-wise reading cannot stand for."""
    out = tmp_path / "b"
    write_oneroster(roster, out, extensions=False)
    rnd = random.Random(seed)

    def live(rows: list[list[str]], at: int) -> list[list[str]]:
        # (a deleted row sends the whole table the row path's way: seed 3 keeps its own)
        for r in rows:
            if seed != 3 and r[at] in ("tobedeleted", "inactive"):
                r[at] = ""
        return rows

    _edit(out / "users.csv", lambda h, body: [h, *live(_messy_users(rnd)(h, body),
                                                        h.index("status"))])
    _edit(out / "demographics.csv", lambda h, body: [
        h, *live(_messy_demographics(rnd)(h, body), h.index("status"))])
    handed = _assert_same(out, monkeypatch)
    assert handed > 0 if seed != 3 else handed == 0


def _cell_edit(out: Path, name: str, column: str, values: dict[int, str]) -> None:
    """Set ``column`` of the rows numbered by ``values`` (0: the first row) of ``name``."""
    def change(head: list[str], body: list[list[str]]) -> list[list[str]]:
        at = head.index(column)
        for k, v in values.items():
            body[k][at] = v
        return [head, *body]
    _edit(out / name, change)


def _first_rows(out: Path, name: str, column: str, value: str) -> list[int]:
    with open(out / name, encoding="utf-8", newline="") as f:
        return [k for k, row in enumerate(csv.DictReader(f)) if row.get(column) == value]


@pytest.mark.parametrize("cell", ['Ann "Jr"', "back\\slash", "tab\there", "\ue000x",
                                  "\ue010", "987654321987", "{0}", "a}b{"])
def test_cells_json_would_escape_or_templates_hold(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any, cell: str) -> None:
    out = tmp_path / "b"
    write_oneroster(roster, out, extensions=False)
    students = _first_rows(out, "users.csv", "role", "student")
    _cell_edit(out, "users.csv", "givenName", {k: cell for k in students[:5]})
    _cell_edit(out, "users.csv", "identifier", {students[7]: cell})
    assert _assert_same(out, monkeypatch) > 0


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_free_text_cells_json_escapes_are_read_column_wise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    """A quote, a backslash or a control character in a name, an email or another
    free-text cell (a nickname in quotes, a pasted tab) is escaped into the user's text
    and the row read column-wise: the records, texts and problems are the row path's, and
    no more rows go the row path than in the same bundle without those cells."""
    out = tmp_path / "b"
    clean = rostergraph.load(write_district(tmp_path / "d", None, students=200, seed=3),
                             cache=False)
    write_oneroster(clean, out, extensions=False, version=version)
    before = _both_ways(out, monkeypatch)[2]
    # (no line break or NUL: a file holding one is read row by row, as a whole)
    cells = ['Ann "Jr"', "back\\slash", "tab\there", "bell\x07", "\tlead", "x\x1fy",
             'a\\"b', "\x08\x0c"]
    students = range(0, 300, 3)
    for k, column in enumerate(("givenName", "familyName", "email", "identifier")):
        _cell_edit(out, "users.csv", column,
                   {r + k: cells[(r + k) % len(cells)] for r in students})
    assert _assert_same(out, monkeypatch) == before


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_cells_holding_line_breaks_keep_their_files_column_wise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    """Quoted cells holding a line break (a name pasted with its break, a CRLF, a blank
    line inside a cell) in users.csv and classes.csv: the files are still read
    column-wise (as many column-wise rows as without those cells), and the records,
    texts and problems with their lines are the csv module's reading of the files."""
    out = tmp_path / "b"
    clean = rostergraph.load(write_district(tmp_path / "d", None, students=200, seed=3),
                             cache=False)
    write_oneroster(clean, out, extensions=False, version=version)
    _cell_edit(out, "users.csv", "status", {250: "gone"})  # (a problem after them: its line)
    before = _both_ways(out, monkeypatch)[2]
    cells = ["Ann\nJr", "a\r\nb", "x\n\ny", "\n", 'say\n"hi"']
    for k, column in enumerate(("givenName", "familyName", "email", "middleName")):
        _cell_edit(out, "users.csv", column,
                   {r + k: cells[(r + k) % len(cells)] for r in range(0, 300, 7)})
    _cell_edit(out, "classes.csv", "title", {1: "Alg\nebra", 4: "x\r\ny"})
    assert _assert_same(out, monkeypatch) == before
    fast = read_oneroster(out)
    careful = read_by_the_csv_module(lambda: read_oneroster(out), monkeypatch)
    assert_same_roster(fast, careful)
    assert _texts(fast) == _texts(careful)
    told = [p for p in fast.problems if p.file == "users.csv"]
    assert told and all(p.line is not None and p.line > 252 for p in told)


@pytest.mark.parametrize("org", ["D\ue000x", "D\ue001", "D\ue0000\ue001", "D\ue003"])
def test_an_org_id_holding_a_placeholder_character(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any, org: str) -> None:
    """A user's district (and schools) come from orgs.csv, not from its own cells: an org
    id holding a private-use character of the range the placeholders are made of is read
    as the row path reads it (not taken for a placeholder, nor a crash)."""
    out = tmp_path / "b"
    write_oneroster(roster, out, extensions=False)
    with open(out / "orgs.csv", encoding="utf-8", newline="") as f:
        district = next(r["sourcedId"] for r in csv.DictReader(f) if r["type"] == "district")
    for path in out.glob("*.csv"):
        path.write_text(path.read_text(encoding="utf-8").replace(district, org),
                        encoding="utf-8")
    columns, rows, _ = _both_ways(out, monkeypatch)
    assert_same_roster(columns, rows)
    assert _texts(columns) == _texts(rows)
    assert any(u.district == org for u in rows.users.values())


@pytest.mark.parametrize("name", ["users.csv", "demographics.csv"])
@pytest.mark.parametrize("column", ["metadata.x\ue000y", "metadata.\ue001",
                                    "metadata.\ue0000\ue001", "metadata.\ue003"])
def test_a_column_name_holding_a_placeholder_character(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any, name: str,
        column: str) -> None:
    """A column's name is a key of the users' dicts (kept in extra), not a cell: one
    holding a private-use character of the placeholders' range is read as the row path
    reads it."""
    out = tmp_path / "b"
    write_oneroster(roster, out, extensions=False)
    _edit(out / name, lambda head, body: [[*head, column],
                                          *([*r, "v" if k % 3 else ""] for k, r in
                                            enumerate(body))])
    columns, rows, _ = _both_ways(out, monkeypatch)
    assert_same_roster(columns, rows)
    assert _texts(columns) == _texts(rows)


def test_demographics_rows_hand_their_users_to_the_row_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any) -> None:
    """A student's demographics row given twice, with a birth date that is no date, with a
    race cell that is no boolean, or naming the student with spaces around its id: that
    user is read by the row path from its users.csv row on (demoted), others column-wise."""
    out = tmp_path / "b"
    write_oneroster(roster, out, extensions=False)

    def change(head: list[str], body: list[list[str]]) -> list[list[str]]:
        at = {c: i for i, c in enumerate(head)}
        body[1][at["birthDate"]] = "2010-13-45"
        body[2][at["asian"]] = "Y"
        again = list(body[3])  # (the spaced row's user named plainly too, later: both apply)
        again[at["cityOfBirth"]] = "Lyon"
        body[3][at["sourcedId"]] = " " + body[3][at["sourcedId"]] + " "
        body[5][at["cityOfBirth"]] = 'Quote " here'
        return [head, *body, list(body[4]), again]  # (the fifth row given again, at the end)
    _edit(out / "demographics.csv", change)
    assert _assert_same(out, monkeypatch) > 0


@pytest.mark.parametrize("where", ["district", "grades"])
def test_the_stand_in_line_in_a_demoted_users_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any, where: str) -> None:
    """The digits standing in for a contact's line in a shape's template, in the text a
    user takes from elsewhere (its district's id, its grades cell), stay as they are for a
    user its demographics rows hand to the row path."""
    stand_in = str(oneroster_usertext._LINE)
    out = tmp_path / "b"
    write_oneroster(roster, out, extensions=False)
    if where == "district":
        with open(out / "orgs.csv", encoding="utf-8", newline="") as f:
            district = next(r["sourcedId"] for r in csv.DictReader(f)
                            if r["type"] == "district")
        for path in out.glob("*.csv"):
            path.write_text(path.read_text(encoding="utf-8").replace(
                district, "D" + stand_in), encoding="utf-8")
    else:
        students = _first_rows(out, "users.csv", "role", "student")
        _cell_edit(out, "users.csv", "grades", {k: stand_in for k in students[:40]})
    # (each demographics row given twice: its user goes the row path's way)
    _edit(out / "demographics.csv", lambda head, body: [head, *body, *body[:60]])
    columns, rows, handed = _both_ways(out, monkeypatch)
    assert handed > 0 or where == "district"  # (every user's text holds those digits)
    assert_same_roster(columns, rows)
    assert _texts(columns) == _texts(rows)


def test_contacts_links_read_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   roster: Any) -> None:
    """Contacts naming several students (joined with commas, one spaced, one twice, one
    with an empty item) and a student row naming its contacts (every contact then goes to
    the row path, whose links such a row changes)."""
    out = tmp_path / "b"
    write_oneroster(roster, out, extensions=False)
    students = _first_rows(out, "users.csv", "role", "student")
    with open(out / "users.csv", encoding="utf-8", newline="") as f:
        ids = [row["sourcedId"] for row in csv.DictReader(f)]
    contacts = [k for k in range(len(ids)) if k not in students][-30:]
    a, b = ids[students[0]], ids[students[1]]
    _cell_edit(out, "users.csv", "agentSourcedIds", {
        contacts[0]: f"{a},{b}", contacts[1]: f"{a}, {b}", contacts[2]: f"{a},{a}",
        contacts[3]: f"{a},,{b}", contacts[4]: "no-such-student"})
    assert _assert_same(out, monkeypatch) > 0
    _cell_edit(out, "users.csv", "agentSourcedIds", {students[2]: ids[contacts[5]]})
    assert _assert_same(out, monkeypatch) > 0


def test_rows_joined_by_the_user_id_column_read_alike(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any) -> None:
    """The rostergraph userId column joining two rows into one user: both rows, and the
    user they join into, on the row path."""
    out = tmp_path / "b"
    write_oneroster(roster, out, extensions=False)
    column = "metadata.rostergraph.userId"

    def change(head: list[str], body: list[list[str]]) -> list[list[str]]:
        cells = [""] * len(body)
        cells[3] = body[0][0]  # (row 4 joins the first row's user)
        cells[5] = body[5][0]  # (row 6 names itself: a plain row still)
        return [[*head, column], *([*r, c] for r, c in zip(body, cells))]
    _edit(out / "users.csv", change)
    assert _assert_same(out, monkeypatch) > 0


def test_the_column_wise_reading_needs_plain_tables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any) -> None:
    """A users.csv row marked tobedeleted (the table then goes row by row), and a bundle
    with userProfiles.csv: read by the row path alone, as before."""
    out = tmp_path / "b"
    write_oneroster(roster, out, extensions=False)
    _cell_edit(out, "users.csv", "status", {4: "tobedeleted"})
    assert _assert_same(out, monkeypatch) == 0
    (out / "userProfiles.csv").write_text("sourcedId,userSourcedId,profileType\n"
                                          "p1,no-one,app\n", encoding="utf-8")
    _cell_edit(out, "users.csv", "status", {4: ""})
    assert _assert_same(out, monkeypatch) == 0


def test_a_demographics_table_read_row_by_row_takes_every_user_along(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any) -> None:
    """A demographics row marked tobedeleted sends that whole table the row path's way:
    every column-wise user is handed to the row path first (all demoted at once)."""
    out = tmp_path / "b"
    write_oneroster(roster, out, extensions=False)
    _cell_edit(out, "demographics.csv", "status", {3: "tobedeleted"})
    demoted: list[int] = []
    real = oneroster_usertext.ColumnUsers.demote
    with monkeypatch.context() as m:
        m.setattr(oneroster_usertext.ColumnUsers, "demote", lambda self, rd, ks: (
            real(self, rd, ks), demoted.append(self.demoted)))
        _assert_same(out, monkeypatch)
    assert demoted and demoted[-1] > len(roster.users) // 2


def test_distinct_rows_packs_columns() -> None:
    parts = [np.array([0, 1, 0, 1]), np.array([2, 2, 2, 0]), np.array([1, 1, 1, 1])]
    keys, inverse = cell_flags.distinct_rows(parts)
    assert [keys[i] for i in inverse.tolist()] == [list(r) for r in zip(*map(list, parts))]
    wide = [np.array([1 << 40, 0]), np.array([1 << 40, 1 << 40])]  # (two words)
    keys, inverse = cell_flags.distinct_rows(wide)
    assert [keys[i] for i in inverse.tolist()] == [[1 << 40, 1 << 40], [0, 1 << 40]]


def test_a_oneroster_load_brings_no_pandas_in(tmp_path: Path, roster: Any) -> None:
    """pyarrow imports pandas (half a second) when it converts a numpy array or a Python
    value; the reader hands it buffers instead, so a load stays free of it."""
    import subprocess
    import sys

    write_oneroster(roster, tmp_path / "b", extensions=False)
    code = ("import sys, rostergraph; r = rostergraph.load(sys.argv[1]); "
            "rostergraph.RosterGraph.from_roster(r); print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "b")], check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "False"


# -- random bundles: any cell, either way ---------------------------------------------

_IDS = ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", " u5", "U1"]
#: mostly what a plain row holds (so that most rows are read column-wise), now and then
#: what sends a row to the row path
_CELL = st.integers(0, 29).flatmap(lambda k: st.one_of(
    st.sampled_from(['say "hi"', "back\\slash", "\ue000", "tab\t"]), st.text(max_size=6))
    if k == 0 else st.sampled_from(["", "", "a", "Ann", "Zoë", "a,b", "{0}", "x" * 300, "Ünï"]))


@st.composite
def _bundles(draw: Any) -> dict[str, list[list[str]]]:
    n = draw(st.integers(1, 8))
    users = [["sourcedId", "status", "enabledUser", "orgSourcedIds", "role", "username",
              "givenName", "familyName", "middleName", "identifier", "email", "phone",
              "agentSourcedIds", "grades", "password"]]
    for k in range(n):
        users.append([
            f"id{k}" if draw(st.integers(0, 3)) else draw(st.sampled_from(_IDS)),
            draw(st.sampled_from(["", "active", "odd"])),
            draw(st.sampled_from(["true", "false", ""])),
            draw(st.sampled_from(["s1", "s2", "s1,s2", "", "d1", "nowhere", "s1, s2",
                                  "s2,s1", "s1,s1", "s1,d1"])),
            draw(st.sampled_from(["parent", "guardian", "relative"]) if k % 3 == 0 else
                 st.sampled_from(["student", "student", "teacher", "administrator", "Student",
                                  "aide", "", "parent"])),
            draw(_CELL), draw(_CELL), draw(_CELL), draw(_CELL), draw(_CELL), draw(_CELL),
            draw(_CELL), draw(st.sampled_from(["", "", "", "", "u1"]) if k % 3 else
                              st.sampled_from(["", "u1", "u1,u2", "u1, u2", "u1,u1", ",u2",
                                               "id0,id1", "u9"])),
            draw(st.sampled_from(["", "05", "KG", "09,10", " 03"])),
            draw(st.sampled_from(["", "secret"]))])
    demo = [["sourcedId", "birthDate", "sex", "asian", "white", "hispanicOrLatinoEthnicity",
             "cityOfBirth"]]
    for _ in range(draw(st.integers(0, 5))):
        demo.append([draw(st.sampled_from([*_IDS, "", "id0", "id1", "id2"])),
                     draw(st.sampled_from(["", "2010-01-02", "2010-13-40"])),
                     draw(st.sampled_from(["", "male", "female", "unspecified"])),
                     draw(st.sampled_from(["", "true", "false", "Y"])),
                     draw(st.sampled_from(["", "true", "false"])),
                     draw(st.sampled_from(["", "true", "false"])), draw(_CELL)])
    return {"users.csv": users, "demographics.csv": demo}


@settings(max_examples=60, deadline=None)
@given(_bundles())
def test_random_bundles_read_alike_either_way(files: dict[str, list[list[str]]]) -> None:
    with tempfile.TemporaryDirectory() as d:
        out = Path(d)
        (out / "manifest.csv").write_text("propertyName,value\nmanifest.version,1.0\n"
                                          "oneroster.version,1.1\n", encoding="utf-8")
        (out / "orgs.csv").write_text("sourcedId,name,type,parentSourcedId\nd1,D,district,\n"
                                      "s1,S1,school,d1\ns2,S2,school,d1\n", encoding="utf-8")
        for name, rows in files.items():
            text = io.StringIO(newline="")
            csv.writer(text, lineterminator="\n").writerows(rows)
            (out / name).write_text(text.getvalue(), encoding="utf-8")
        columns = read_oneroster(out)
        try:
            oneroster_usertext.COLUMN_USERS = False  # (test only: the row path alone)
            rows_only = read_oneroster(out)
        finally:
            oneroster_usertext.COLUMN_USERS = True
        assert_same_roster(columns, rows_only)
        assert columns.provenance.notes == rows_only.provenance.notes
        assert _texts(columns) == _texts(rows_only)


@pytest.mark.parametrize("dropped", [("sourcedId",), ("sourcedId", "userSourcedId")])
def test_demographics_without_an_id_column_read_as_the_row_path_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any,
        dropped: tuple[str, ...]) -> None:
    """A demographics file whose header lacks the id column: every row is told, none is
    lost, and the column-wise reading gives what the row path gives (it failed on the ids
    of a file with no id column at all)."""
    out = tmp_path / "b"
    write_oneroster(roster, out, extensions=False)

    def drop(h: list[str], body: list[list[str]]) -> list[list[str]]:
        keep = [i for i, c in enumerate(h) if c not in dropped]
        return [[r[i] for i in keep] for r in [h, *body]]

    _edit(out / "demographics.csv", drop)
    _assert_same(out, monkeypatch)
    r = read_oneroster(out)
    told = [p for p in r.problems if p.file == "demographics.csv"]
    body = list(csv.reader(io.StringIO((out / "demographics.csv").read_text(encoding="utf-8"))))[1:]
    assert len(told) == len(body) and all(p.raw for p in told)
