"""The plain users of a OneRoster 1.2 bundle (``users.csv`` joined to one ``roles.csv`` row
each) read as whole columns give, text for text, what the reader's row path gives them.

Each test edits a written 1.2 bundle so that some users or role rows are what the
column-wise reading must leave to the row path, reads it both ways, and compares records
(their JSON text byte for byte, their order), problems, notes, the graph and the findings.
"""

from __future__ import annotations

import csv
import io
import random
import tempfile
import zipfile
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.io import oneroster_roles, oneroster_usertext
from rostergraph.io.oneroster import read_oneroster
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.roster import Roster
from rostergraph.synth import write_district
from tests.test_collect import assert_same_roster
from tests.test_oneroster_plain_paths import _messy_demographics
from tests.test_oneroster_usertext import _edit, _texts


@pytest.fixture(scope="module")
def roster() -> Any:
    with tempfile.TemporaryDirectory() as d:
        return rostergraph.load(write_district(d, None, students=300, seed=5,
                                               quirks="high"), cache=False)


def _written(roster: Any, out: Path) -> Path:
    write_oneroster(roster, out, extensions=False, version="1.2")
    return out


def _both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Roster, Roster, int]:
    """The bundle read with the column-wise users, and by the row path alone; how many
    users the column-wise reading handed the builder."""
    handed: list[int] = []
    real = oneroster_usertext.ColumnUsers._add
    with monkeypatch.context() as m:
        m.setattr(oneroster_usertext.ColumnUsers, "_add",
                  lambda self, b, ks, held: handed.append(len(ks)) or real(self, b, ks, held))
        columns = read_oneroster(path)
    with monkeypatch.context() as m:
        m.setattr(oneroster_roles, "COLUMN_ROLES", False)
        m.setattr(oneroster_usertext.ColumnUsers, "_add",
                  lambda self, b, ks, held: handed.append(-10**9) or real(self, b, ks, held))
        rows = read_oneroster(path)
    return columns, rows, sum(handed)


def _assert_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    columns, rows, handed = _both_ways(path, monkeypatch)
    assert handed >= 0  # (the switch sends every user the row path's way)
    _same(columns, rows)
    return handed


def _same(columns: Roster, rows: Roster) -> None:
    assert_same_roster(columns, rows)
    assert columns.provenance.notes == rows.provenance.notes
    assert _texts(columns) == _texts(rows)
    for rid, rec in rows.users.items():
        assert list(columns.users[rid].extra) == list(rec.extra), rid


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    return rows[0], rows[1:]


def test_a_clean_bundle_is_read_column_wise_alike(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any) -> None:
    out = _written(roster, tmp_path / "b")
    handed = _assert_same(out, monkeypatch)
    assert handed > len(roster.users) * 3 // 4


def test_role_ids_of_an_sis_are_kept_alike(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any) -> None:
    """Role rows with ids of their own (kept in extra with the row) and with cells a
    Clever role cannot hold (beginDate, userProfileSourcedId)."""
    out = _written(roster, tmp_path / "b")

    def change(head: list[str], body: list[list[str]]) -> list[list[str]]:
        sid, begin, prof = (head.index(c) for c in ("sourcedId", "beginDate",
                                                     "userProfileSourcedId"))
        for k, r in enumerate(body):
            if k % 5:
                r[sid] = f"R{(k * 2654435761) % 2**32:08x}"
            if k % 7 == 0:
                r[begin] = "2024-08-01"
            if k % 11 == 0:
                r[prof] = f"p{k}"
        return [head, *body]
    _edit(out / "roles.csv", change)
    assert _assert_same(out, monkeypatch) > len(roster.users) // 2
    r = read_oneroster(out)
    assert any("oneroster.roles" in u.extra for u in r.users.values())


def _messy_roles(rnd: random.Random, users: list[str], orgs: list[str]) -> Any:
    """An edit of roles.csv: users with no role row, two or three, primary at two orgs,
    odd roleTypes and roles, rows for unknown users or naming them with spaces, unknown
    and spaced orgs, repeated and missing role ids."""
    def change(head: list[str], body: list[list[str]]) -> list[list[str]]:
        at = {c: head.index(c) for c in head}
        out = []
        for k, r in enumerate(body):
            pick = rnd.random()
            r = list(r)
            if pick < 0.04:
                continue  # (a user without a role)
            if pick < 0.08:
                r[at["roleType"]] = rnd.choice(["", "Primary ", "other", "SECONDARY"])
            elif pick < 0.10:
                r[at["role"]] = rnd.choice(["", "Teacher", "aide", "wizard"])
            elif pick < 0.12:
                r[at["userSourcedId"]] = rnd.choice([" " + r[at["userSourcedId"]],
                                                     "nobody", r[at["userSourcedId"]] + " "])
            elif pick < 0.14:
                r[at["orgSourcedId"]] = rnd.choice(["", "no-such-org", " " + rnd.choice(orgs)])
            elif pick < 0.16:
                r[at["sourcedId"]] = rnd.choice(["", body[0][at["sourcedId"]]])
            out.append(r)
            if pick > 0.95:  # (a second row: at another org, primary or not)
                two = list(r)
                two[at["sourcedId"]] = f"x{k}"
                two[at["orgSourcedId"]] = rnd.choice(orgs)
                two[at["roleType"]] = rnd.choice(["primary", "secondary"])
                two[at["role"]] = rnd.choice([r[at["role"]], "teacher", "aide"])
                out.append(two)
        out.append(["zz1", "", "", rnd.choice(users), "primary", "student", "", "", orgs[0],
                    ""][:len(head)])
        return [head, *out]
    return change


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_messy_role_rows_left_to_the_row_path_read_alike(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any, seed: int) -> None:
    out = _written(roster, tmp_path / "b")
    rnd = random.Random(seed)
    users = [r[0] for r in _rows(out / "users.csv")[1]]
    orgs = [r[0] for r in _rows(out / "orgs.csv")[1]]
    _edit(out / "roles.csv", _messy_roles(rnd, users, orgs))

    def primary(head: list[str], body: list[list[str]]) -> list[list[str]]:
        at = head.index("primaryOrgSourcedId")
        for r in body:  # (another org, none, or one spelt with spaces)
            if rnd.random() < 0.1:
                r[at] = rnd.choice(["", rnd.choice(orgs), " " + rnd.choice(orgs), "nowhere"])
        return [head, *body]
    _edit(out / "users.csv", primary)
    _edit(out / "demographics.csv", lambda h, body: [
        h, *(r for r in _messy_demographics(rnd)(h, body)
             if r[h.index("status")] not in ("tobedeleted", "inactive"))])
    assert _assert_same(out, monkeypatch) > len(roster.users) // 3


def test_users_with_two_role_rows_read_column_wise_alike(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any) -> None:
    """A second role row: at another school or the same org, primary or secondary, before
    or after the first, another role (teacher and staff, student and teacher), the
    user's primaryOrgSourcedId naming either org: read column-wise, the row path's
    records."""
    out = _written(roster, tmp_path / "b")
    orgs = [r[0] for r in _rows(out / "orgs.csv")[1]]
    rnd = random.Random(7)

    def change(head: list[str], body: list[list[str]]) -> list[list[str]]:
        at = {c: head.index(c) for c in head}
        rows = []
        for k, r in enumerate(body):
            if k % 3 or r[at["role"]] not in ("student", "teacher", "counselor"):
                rows.append(r)
                continue
            two = list(r)
            two[at["sourcedId"]] = f"two{k}" if k % 2 else r[at["sourcedId"]][:-1] + "2"
            two[at["orgSourcedId"]] = rnd.choice([*orgs, r[at["orgSourcedId"]]])
            two[at["roleType"]] = rnd.choice(["secondary", "secondary", "primary"])
            two[at["role"]] = rnd.choice([r[at["role"]], "teacher", "aide", "student"])
            two[at["beginDate"]] = rnd.choice(["", "", "2024-01-01"])
            rows += [two, r] if k % 4 == 0 else [r, two]
        return [head, *rows]
    _edit(out / "roles.csv", change)
    head, body = _rows(out / "roles.csv")
    role_org = {r[head.index("userSourcedId")]: r[head.index("orgSourcedId")] for r in body}

    def primary(head: list[str], body: list[list[str]]) -> list[list[str]]:
        at, sid = head.index("primaryOrgSourcedId"), head.index("sourcedId")
        for r in body:  # (the org of the user's last role row, now and then)
            if rnd.random() < 0.3 and r[sid] in role_org:
                r[at] = role_org[r[sid]]
        return [head, *body]
    _edit(out / "users.csv", primary)
    # (a small bundle of many shapes: each is read column-wise all the same)
    monkeypatch.setattr(oneroster_roles, "_SHAPES_PER_ROW", 0.5)
    assert _assert_same(out, monkeypatch) > len(roster.users) * 3 // 4


def test_roles_without_a_sourcedId_column_read_alike(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any) -> None:
    out = _written(roster, tmp_path / "b")
    _edit(out / "roles.csv", lambda h, body: [h[1:], *(r[1:] for r in body)])
    columns, rows, _ = _both_ways(out, monkeypatch)
    _same(columns, rows)
    assert any(p.field == "sourcedId" and p.file == "roles.csv" for p in rows.problems)



@pytest.mark.parametrize("bad", ['"{}" ', '"{}"x', '"{}'])
def test_a_role_row_the_csv_module_cannot_read_is_told(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any, bad: str) -> None:
    """A roles.csv row whose quoting the csv module refuses (text after a closing quote, a
    quote never closed): told as the row path tells it (the column-wise planning parsed
    the file with a builder of its own, and the problem went there and was lost)."""
    out = _written(roster, tmp_path / "b")
    path = out / "roles.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines[0].split(",").index("userSourcedId")
    cells = lines[5].split(",")
    cells[at] = bad.format(cells[at])
    lines[5] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    columns, rows, _ = _both_ways(out, monkeypatch)
    _same(columns, rows)
    assert any(p.code == "syntax" and p.file == "roles.csv" and p.line == 6
               for p in columns.problems)


def test_role_rows_in_another_order_and_roles_first_in_the_zip(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any) -> None:
    """roles.csv's rows in no order of the users', and the zip holding roles.csv before
    users.csv: the records keep users.csv's order."""
    out = _written(roster, tmp_path / "b")
    rnd = random.Random(9)
    _edit(out / "roles.csv", lambda h, body: [h, *rnd.sample(body, len(body))])
    z = tmp_path / "b.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for name in ["roles.csv", *sorted(p.name for p in out.iterdir()
                                          if p.name != "roles.csv")]:
            zf.write(out / name, name)
    assert _assert_same(z, monkeypatch) > len(roster.users) // 2


def test_a_student_naming_its_contacts_sends_those_contacts_the_row_path_way(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any) -> None:
    """A student's agentSourcedIds link its contacts too: the student and the contacts it
    names go the row path's way (links in the order the rows give them), the others stay
    column-wise."""
    out = _written(roster, tmp_path / "b")
    head, body = _rows(out / "users.csv")
    at, sid = head.index("agentSourcedIds"), head.index("sourcedId")
    contacts = [r for r in body if r[at]]
    assert contacts
    named = contacts[0][at].split(",")[0]

    def change(head: list[str], body: list[list[str]]) -> list[list[str]]:
        for r in body:
            if r[sid] == named:
                r[at] = contacts[0][sid] + "," + contacts[-1][sid]
        return [head, *body]
    _edit(out / "users.csv", change)
    handed = _assert_same(out, monkeypatch)
    assert len(body) // 2 < handed <= len(body) - 3


def test_the_switch_forces_the_row_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, roster: Any) -> None:
    out = _written(roster, tmp_path / "b")
    monkeypatch.setattr(oneroster_roles, "COLUMN_ROLES", False)
    assert read_oneroster(out).users
    called: list[int] = []
    monkeypatch.setattr(oneroster_usertext.ColumnUsers, "_add",
                        lambda *a: called.append(1))
    read_oneroster(out)
    assert not called


_IDS = ["u1", "u2", "u3", "u4", " u1", "u5 "]


@st.composite
def _bundles(draw: Any) -> dict[str, list[list[str]]]:
    # (half the bundles mostly plain, so that the column-wise reading has users to read)
    messy = draw(st.booleans())

    def pick(plain: list[str], odd: list[str]) -> str:
        if not odd or (not messy and draw(st.integers(0, 11))):
            return draw(st.sampled_from(plain))
        return draw(st.sampled_from(plain + odd))
    cell = partial(pick, ["", "x", "Ann", "a@b.org", "2024"], ["q\"uote", "é", "u1,u2"])
    users = [["sourcedId", "givenName", "email", "identifier", "username", "grades",
              "agentSourcedIds", "primaryOrgSourcedId", "enabledUser", "phone"]]
    for k in range(draw(st.integers(0, 7))):
        users.append([pick([f"u{k + 1}"], _IDS), cell(), cell(), cell(), cell(),
                      pick(["", "09", "KG"], ["09,10"]),
                      pick([""], ["u1", "u2,u3", "nobody", "u1, u2"]),
                      pick(["", "s1", "s2"], ["d1", " s1", "dep", "s3"]),
                      pick(["", "true", "false"], []), pick(["", "555"], ["x"])])
    roles = [["sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId", "beginDate"]]
    for k in range(draw(st.integers(0, 9))):
        roles.append([pick([f"r{k}", f"u{k + 1}:role:1"], ["r0", "", "u2:role:3"]),
                      pick([f"u{k + 1}", f"u{k + 1}", f"u{k}"], [*_IDS, "u9"]),
                      pick(["primary", "secondary"], ["", "Primary"]),
                      pick(["student", "teacher", "parent", "guardian"],
                           ["relative", "aide", "administrator", "districtAdministrator",
                            "", "x"]),
                      pick(["s1", "s2"], ["d1", "", "zz", " s2", "dep", "s3", "d2"]),
                      pick([""], ["2024-01-01"])])
    if draw(st.booleans()) and messy:
        roles = [r[1:] for r in roles]  # (no sourcedId column)
    orgs = draw(st.sampled_from([
        [],  # (a department of a school, a second district, an id both district and school)
        [["dep", "Dep", "department", "s1"], ["d2", "D2", "district", ""],
         ["s3", "S3", "school", "d2"]],
        [["d1", "D1 too", "school", "d1"]]]))
    demo = [["sourcedId", "birthDate", "sex"]]
    for _ in range(draw(st.integers(0, 4))):
        demo.append([draw(st.sampled_from(_IDS)),
                     draw(st.sampled_from(["", "2010-01-02", "2010-13-40"])),
                     draw(st.sampled_from(["", "male", "female"]))])
    return {"users.csv": users, "roles.csv": roles, "demographics.csv": demo,
            "orgs.csv": [["sourcedId", "name", "type", "parentSourcedId"],
                         ["d1", "D", "district", ""], ["s1", "S1", "school", "d1"],
                         ["s2", "S2", "school", "d1"], *orgs]}


@settings(max_examples=80, deadline=None)
@given(_bundles())
def test_random_bundles_read_alike_either_way(files: dict[str, list[list[str]]]) -> None:
    with tempfile.TemporaryDirectory() as d:
        out = Path(d)
        (out / "manifest.csv").write_text("propertyName,value\nmanifest.version,1.0\n"
                                          "oneroster.version,1.2\n", encoding="utf-8")
        for name, rows in files.items():
            text = io.StringIO(newline="")
            csv.writer(text, lineterminator="\n").writerows(rows)
            (out / name).write_text(text.getvalue(), encoding="utf-8")
        columns = read_oneroster(out)
        try:
            oneroster_roles.COLUMN_ROLES = False  # (test only: the row path alone)
            rows_only = read_oneroster(out)
        finally:
            oneroster_roles.COLUMN_ROLES = True
        _same(columns, rows_only)


_ODD_IDS = ["u1", " u1", "u1 ", "\tu1", "u1\u00a0", "\u2003u1", "u1\u3000", "\u0085u1",
            "é", "éa", "aé", "\u00a1x", "x\u00e1", "", "u1\x1f", "\u200bx"]


def test_spaced_cells_are_those_strip_changes() -> None:
    import pyarrow as pa

    col = pa.chunked_array([_ODD_IDS[:7], [], _ODD_IDS[7:]])
    want = [c != c.strip() for c in _ODD_IDS]
    assert oneroster_roles._spaced_cells(col).tolist() == want


def test_made_up_role_ids_are_those_the_row_path_makes_up() -> None:
    import pyarrow as pa

    from rostergraph.io.oneroster_cols import _made_up_role_id

    pairs = [("u1:role:1", "u1"), ("u1-role-12", "u1"), ("u1:role:", "u1"),
             ("u1:role:1x", "u1"), ("u2:role:1", "u1"), ("R000", "u1"), ("é:role:3", "é"),
             ("é-role-٣", "é"), ("u1:role:٣", "u1"), ("xu1:role:1", "u1"),
             ("u1:role-1", "u1"), ("", "u1"), (":role:1", "")]
    rsid = pa.chunked_array([[s for s, _ in pairs[:5]], [s for s, _ in pairs[5:]]])
    usid = pa.chunked_array([[u for _, u in pairs[:5]], [u for _, u in pairs[5:]]])
    want = [_made_up_role_id(s, u) for s, u in pairs]
    assert oneroster_roles._made_up(rsid, usid).tolist() == want
    assert not oneroster_roles._made_up(rsid.slice(5, 1), usid.slice(5, 1)).any()


def test_role_cells_are_placed_at_their_users_only() -> None:
    import numpy as np
    import pyarrow as pa

    col = pa.chunked_array([pa.array(["x", "r0", "r1"]).slice(1), ["", "r3", "ré4"]])
    role_at = np.array([4, 0, 3, 1, 0])
    got = oneroster_roles._cells_at_users(col, role_at, np.array([0, 2, 3]), 5)
    assert got.to_pylist() == ["ré4", "", "r3", "r1", ""]
    big = pa.chunked_array([pa.array(["a", "bc"], type=pa.large_string())])
    got = oneroster_roles._cells_at_users(big, np.array([1, 0]), np.array([0, 1]), 3)
    assert got.to_pylist() == ["bc", "a", ""] and got.type == pa.large_string()


@pytest.mark.parametrize("named", [
    ["a", "b", "b", "c", "d"],  # (in users.csv's order, each user's rows together)
    ["a", "b", "c", "d"],
    ["a", "b", "c", "c", "c"],  # (a user without a row)
    ["a", "b", "a", "c", "d"],  # (a user's rows apart)
    ["b", "a", "c", "d"],  # (another order)
    ["a", "b", "c", "d", "e"],  # (an id of no user)
    ["a", "b ", "c", "d"],
    [],
])
def test_role_links_of_rows_in_users_order_are_those_looked_up(named: list[str]) -> None:
    import numpy as np
    import pyarrow as pa

    sid = pa.chunked_array([["a", "b"], ["c"], ["d"]])
    usid = pa.chunked_array([named[:3], named[3:]], type=pa.string())
    fast = oneroster_roles._role_links(sid, usid, True)
    slow = oneroster_roles._role_links(sid, usid, False)
    assert (oneroster_roles._runs_of_users(sid, usid) is not None) == (named in (
        ["a", "b", "b", "c", "d"], ["a", "b", "c", "d"]))
    for got, want in zip([fast[0], fast[1], *fast[2]], [slow[0], slow[1], *slow[2]]):
        assert np.array_equal(got, want)
