"""The column-wise CSV readers give exactly what the row-by-row readers gave.

The OneRoster and Clever SFTP CSV readers build records from whole columns with a
per-header plan. The row-by-row readers they replaced are kept under
``tests/csv_oracle`` as the oracle: for every bundle here (the sample district and
generated districts written by the writers, the defect and public fixtures, zips,
deltas, and hypothesis-made messy files) both must give the same records in the same
order (every field and ``extra``), the same ``roster.problems`` (order, codes,
messages, lines, raw text), the same provenance notes and files, and, in strict mode,
the same first error. The graph, the rules' field columns and the findings made from the
columns the new readers keep equal those the oracle's records give.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.io.clever_csv import read_clever_csv
from rostergraph.io.limits import Limits
from rostergraph.io.oneroster import read_oneroster
from rostergraph.io.write_oneroster import write_oneroster
from rostergraph.io.write_sftp import write_clever_csv
from rostergraph.model import KINDS
from rostergraph.synth import write_district
from tests.csv_oracle import clever_csv as old_sftp
from tests.csv_oracle import oneroster as old_oneroster
from tests.strategies import byte_mutations
from tests.test_collect import assert_same_columns

DATA = Path(__file__).parent / "data"
READERS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "oneroster": (read_oneroster, old_oneroster.read_oneroster),
    "sftp": (read_clever_csv, old_sftp.read_clever_csv),
}


def _outcome(read: Callable[..., Any], path: Path, **kw: Any) -> Any:
    try:
        return read(path, **kw)
    except Exception as exc:  # noqa: BLE001 - the same error, or the same roster
        return (type(exc).__name__, str(exc))


def assert_same(fmt: str, path: Path, **kw: Any) -> Any:
    """Read ``path`` with the new and the old reader of ``fmt`` and compare everything."""
    new_read, old_read = READERS[fmt]
    new, old = _outcome(new_read, path, **kw), _outcome(old_read, path, **kw)
    if isinstance(old, tuple) or isinstance(new, tuple):
        assert new == old
        return new
    # (first: building the records would hide a rule that reads only built ones)
    assert_same_columns(new, old)  # the graph and the rules read the reader's columns
    for kind in KINDS:
        a, b = new.records(kind), old.records(kind)
        assert list(a) == list(b), kind
        for rid, rec in b.items():
            assert a[rid] == rec, (kind, rid)
            assert a[rid].extra == rec.extra, (kind, rid)
    assert [(p.code, p.line, p.file, p.message[:60]) for p in new.problems] == [
        (p.code, p.line, p.file, p.message[:60]) for p in old.problems]
    assert new.problems == old.problems
    pn, po = new.provenance, old.provenance
    assert (pn.source, pn.format, pn.version, pn.files, pn.notes) == (
        po.source, po.format, po.version, po.files, po.notes)
    return new


def district(size: str | None = "S", *, students: int | None = None, seed: int = 0,
             quirks: str = "default") -> Any:
    """A generated district, as the roster its JSON Lines files load to."""
    with tempfile.TemporaryDirectory() as d:
        return rostergraph.load(write_district(d, size, students=students, seed=seed,
                                               quirks=quirks), cache=False)


def _written(tmp: Path, fmt: str, roster: Any, **kw: Any) -> Path:
    out = tmp / fmt
    if fmt == "oneroster":
        write_oneroster(roster, out, **kw)
    else:
        write_clever_csv(roster, out, **kw)
    return out


@pytest.mark.parametrize("fmt", sorted(READERS))
@pytest.mark.parametrize("extensions", [True, False])
def test_sample_district_reads_the_same(tmp_path: Path, fmt: str, extensions: bool) -> None:
    """The sample district written as OneRoster or SFTP CSV (with and without the
    rostergraph extension columns) reads to the same roster as the row-by-row reader."""
    r = assert_same(fmt, _written(tmp_path, fmt, rostergraph.sample(), extensions=extensions))
    assert len(r.users) > 0


@pytest.mark.parametrize("fmt", sorted(READERS))
@pytest.mark.parametrize("seed", [1, 7])
def test_generated_district_reads_the_same(tmp_path: Path, fmt: str, seed: int) -> None:
    """A generated district (contacts, staff, multi-school teachers, defects the
    generator plants) written as CSV reads to the same roster as the oracle."""
    roster = district("S", seed=seed, quirks="high" if seed == 7 else "default")
    r = assert_same(fmt, _written(tmp_path, fmt, roster))
    assert len(r.sections) > 0


def test_enrollment_cells_of_a_column_without_a_name_read_the_same(tmp_path: Path) -> None:
    """An ``enrollments.csv`` whose ``schoolSourcedId`` name is missing (``classSourcedId,,
    userSourcedId``): its cells are kept per section, each value's users sorted (a group
    is a set) as the oracle sorts them, though the note names no column."""
    out = _written(tmp_path, "oneroster", district(students=40, seed=11))
    path = out / "enrollments.csv"
    text = path.read_text(encoding="utf-8")
    assert "classSourcedId,schoolSourcedId," in text
    path.write_text(text.replace("classSourcedId,schoolSourcedId,", "classSourcedId,,", 1),
                    encoding="utf-8")
    r = assert_same("oneroster", out)
    kept = [sec.extra["oneroster.enrollmentCells"][""] for sec in r.sections.values()
            if "oneroster.enrollmentCells" in sec.extra]
    assert kept and all(users == sorted(users) for by_role in kept
                        for by_value in by_role.values() for users in by_value.values())


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_zip_and_strict_read_the_same(tmp_path: Path, fmt: str) -> None:
    """A zip of a bundle, strict mode and small limits give what the oracle gives."""
    out = _written(tmp_path, fmt, district("S", seed=3))
    z = Path(shutil.make_archive(str(tmp_path / "bundle"), "zip", out))
    assert_same(fmt, z)
    assert_same(fmt, out, strict=True)
    assert_same(fmt, out, limits=Limits(max_field_bytes=64, max_json_depth=3,
                                        max_problems=25))


@pytest.mark.parametrize("path", [
    DATA / "defects" / "oneroster-lms", DATA / "defects" / "oneroster-trailing-header",
    DATA / "oneroster" / "edfi-lms-toolkit-v1.1",
    DATA / "public-samples" / "oneroster" / "edfi-lms-toolkit-v1.1",
], ids=lambda p: p.name)
def test_oneroster_fixtures_read_the_same(path: Path) -> None:
    """Each OneRoster fixture of the repository reads the same, in both modes."""
    r = assert_same("oneroster", path)
    assert len(r.users) + len(r.sections) > 0
    assert_same("oneroster", path, strict=True)


def test_sftp_fixture_reads_the_same() -> None:
    """The Clever sandbox SFTP fixture reads the same, in both modes."""
    r = assert_same("sftp", DATA / "defects" / "sftp-sandbox")
    assert len(r.users) > 0
    assert_same("sftp", DATA / "defects" / "sftp-sandbox", strict=True)


def test_oneroster_delta_reads_the_same(tmp_path: Path) -> None:
    """A delta bundle applied to a base (replaced, deleted and added rows) reads the same."""
    base = district("S", seed=5)
    out = _written(tmp_path, "oneroster", base)
    users = (out / "users.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    head = users[0].split(",")
    status = head.index("status")
    rows = []
    for i, line in enumerate(users[1:40]):
        cells = line.split(",")
        if i % 3 == 0 and len(cells) > status:
            cells[status] = "tobedeleted"
        rows.append(",".join(cells))
    (out / "users.csv").write_text(users[0] + "".join(rows), encoding="utf-8")
    (out / "manifest.csv").write_text(
        (out / "manifest.csv").read_text(encoding="utf-8").replace("bulk", "delta"),
        encoding="utf-8")
    new = assert_same("oneroster", out, base=base)
    assert len(new.users) < len(base.users)


def test_contact_links_from_both_sides_keep_the_rows_order(tmp_path: Path) -> None:
    """A contact's own row and students' rows naming it (before and after it), a 1.1
    contact with a second row, a contact named again and an unknown student: every
    contact's student relationships come in the order of the rows that give them, as
    the oracle links them."""
    (tmp_path / "manifest.csv").write_text(
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
        "file.orgs,bulk\nfile.users,bulk\n", encoding="utf-8")
    (tmp_path / "orgs.csv").write_text("sourcedId,name,type\nsch,School,school\n",
                                       encoding="utf-8")
    rows = [("s3", "student", "p1", ""), ("p1", "parent", "s1,s2", ""),
            ("s1", "student", "", ""), ("s2", "student", "p1", ""),
            ("s4", "student", "p1,p2", ""), ("p1b", "guardian", "s5,zz", "p1"),
            ("p2", "relative", "s4,s1", ""), ("s5", "student", "", ""),
            ("p3", "guardian", "s1", ""), ("s6", "student", "p3", "")]
    (tmp_path / "users.csv").write_text(
        "sourcedId,role,orgSourcedIds,givenName,agentSourcedIds,"
        "metadata.rostergraph.userId\n" + "".join(
            f"{sid},{role},sch,N,\"{agents}\",{uid}\n" for sid, role, agents, uid in rows),
        encoding="utf-8")
    r = assert_same("oneroster", tmp_path)
    students = {uid: [rel.student for rel in r.users[uid].roles.contact.student_relationships]
                for uid in ("p1", "p2", "p3")}
    assert students == {"p1": ["s3", "s1", "s2", "s4", "s5", "zz"], "p2": ["s4", "s1"],
                        "p3": ["s1", "s6"]}


# --- messy files ------------------------------------------------------------------

_CELLS = ["", " ", '"', 'say "hi", ok', "a,b", "line\nbreak", "tobedeleted", "inactive",
          "01/02/2020", "2020-13-45", "not a date", "\ufeffx", "TRUE", "primary",
          '{"roles": {"student": {"grade": "9"}}}', '{"name": {"first": 5}}', "[[[[[1]]]]]",
          "{bad json", "student", "teacher", "parent", "aide", "districtAdministrator",
          "t1, t2,", "KG,01", "\x00", "x" * 300]


def _bundles() -> dict[str, dict[str, bytes]]:
    """name → file bytes of small OneRoster and SFTP bundles (written once)."""
    roster = district(students=40, seed=11)
    out: dict[str, dict[str, bytes]] = {}
    with tempfile.TemporaryDirectory() as d:
        for fmt in READERS:
            p = _written(Path(d), fmt, roster)
            out[fmt] = {f.name: f.read_bytes() for f in sorted(p.iterdir())}
    return out


_BUNDLES = _bundles()


@st.composite
def _cell_edits(draw: Any, data: bytes) -> bytes:
    """``data`` (a CSV file) with cells, header names or whole rows changed."""
    text = data.decode("utf-8", "surrogateescape")
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(["cell", "cell", "header", "dup_row", "dup_col",
                                    "blank_line", "extra_cells", "bom"]))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        cells = lines[at].split(",") if lines else [""]
        if how == "cell" and at > 0 and lines[at]:
            i = draw(st.integers(0, len(cells) - 1))
            v = draw(st.sampled_from(_CELLS) | st.text(max_size=6))
            cells[i] = '"' + v.replace('"', '""') + '"' if any(
                c in v for c in ',"\n\r') else v
            lines[at] = ",".join(cells)
        elif how == "header" and lines:
            head = lines[0].split(",")
            i = draw(st.integers(0, len(head) - 1))
            head[i] = draw(st.sampled_from([head[i].upper(), head[i].lower(), f" {head[i]} ",
                                            "", head[0], "Teacher_2_id", "contact_name",
                                            # (spelt as SIS exports do: Student ID, SectionID)
                                            head[i].replace("_", " "),
                                            head[i].replace("_", "").upper(),
                                            head[i].replace("_", "-"), "Teacher 1 id",
                                            "Contact 2 Email", "Frist_name"]))
            lines[0] = ",".join(head)
        elif how == "dup_row" and at > 0:
            lines.insert(at, lines[at])
        elif how == "dup_col" and lines:
            head = lines[0].split(",")
            lines[0] += "," + head[draw(st.integers(0, len(head) - 1))]
        elif how == "blank_line":
            lines.insert(at, "")
        elif how == "extra_cells" and at > 0:
            lines[at] += draw(st.sampled_from([",", ",,", ",x"]))
        elif how == "bom" and lines:
            lines[0] = "\ufeff" + lines[0].lstrip("\ufeff")
    return "\n".join(lines).encode("utf-8", "surrogateescape")


@st.composite
def _messy(draw: Any, fmt: str) -> dict[str, bytes]:
    files = dict(_BUNDLES[fmt])
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(files)))
        edit = draw(st.sampled_from(["cells", "cells", "bytes", "drop"]))
        if edit == "cells":
            files[name] = draw(_cell_edits(files[name]))
        elif edit == "bytes":
            files[name] = draw(byte_mutations(files[name]))
        elif len(files) > 1:
            del files[name]
    return files


def _check_messy(fmt: str, files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "bundle"
        p.mkdir()
        for name, data in files.items():
            (p / name).write_bytes(data)
        assert_same(fmt, p)
        assert_same(fmt, p, limits=Limits(max_field_bytes=100, max_json_depth=4))


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(files=_messy("oneroster"))
def test_messy_oneroster_reads_the_same(files: dict[str, bytes]) -> None:
    """OneRoster bundles with odd cells, headers, quotes, BOMs, blank lines, repeated
    rows and damaged bytes give the same records and problems as the oracle."""
    _check_messy("oneroster", files)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(files=_messy("sftp"))
def test_messy_sftp_reads_the_same(files: dict[str, bytes]) -> None:
    """SFTP bundles with odd cells (dates, repeated teachers, contacts), case-changed
    headers, quotes, BOMs and damaged bytes give the same records and problems."""
    _check_messy("sftp", files)


def test_utf16_bundle_reads_the_same(tmp_path: Path) -> None:
    """A SFTP bundle written as UTF-16 (a Windows tool's byte order mark) reads the same."""
    d = tmp_path / "u16"
    write_clever_csv(rostergraph.sample(), d)
    for f in d.iterdir():
        f.write_bytes(f.read_text("utf-8").encode("utf-16"))
    r = assert_same("sftp", d)
    assert len(r.users) == len(rostergraph.sample().users)


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_nan_in_a_json_cell_reads_the_same(tmp_path: Path, fmt: str) -> None:
    """``NaN`` and ``Infinity`` in a JSON cell (read by ``json.loads``, which takes them)
    give the oracle's problem and values, not the ``null`` JSON text writes for them."""
    import csv

    out = _written(tmp_path, fmt, rostergraph.sample())
    r = rostergraph.load(out, cache=False)
    uid, sid = next(iter(r.users)), next(iter(r.sections))
    if fmt == "sftp":
        with open(out / "rostergraph_records.csv", "a", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["users", uid, '{"email": NaN}'])
            w.writerow(["sections", sid, '{"ext": {"a": Infinity}}'])
    else:
        p = out / "users.csv"
        with open(p, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        col = rows[0].index("metadata.rostergraph.clever")
        rows[1][col] = '{"name": {"first": NaN}}'
        with open(p, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    assert_same(fmt, out)


def test_sftp_carried_json_names_its_record_by_the_row(tmp_path: Path) -> None:
    """A ``Clever_json`` cell of ``rostergraph_records.csv`` is kept as text until its
    record is built: an ``id`` inside it never renames the record (the row's ``Id``
    does), two rows of one record merge in row order, and a row of a record no other
    file gave still makes that record."""
    import csv

    out = _written(tmp_path, "sftp", rostergraph.sample())
    r = rostergraph.load(out, cache=False)
    uid = next(iter(r.users))
    with open(out / "rostergraph_records.csv", "a", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["users", uid, '{"id": "someone-else", "email": "carried@x.org"}'])
        w.writerow(["users", uid, '{"id": "another", "name": {"first": "Zed"}}'])
        w.writerow(["terms", "t-carried", '{"id": "t-other", "name": "Carried term"}'])
    got = assert_same("sftp", out)
    u = got.users[uid]
    assert (u.id, u.email, u.name.first) == (uid, "carried@x.org", "Zed")
    assert "someone-else" not in got.users and "another" not in got.users
    assert got.terms["t-carried"].name == "Carried term" and "t-other" not in got.terms


@pytest.mark.parametrize("kw", [{}, {"strict": True}, {"limits": Limits(max_problems=1)},
                                {"limits": Limits(max_problems=2)}], ids=str)
def test_two_pass_files_at_the_cap_and_strict_read_the_same(tmp_path: Path,
                                                            kw: dict[str, Any]) -> None:
    """orgs.csv and academicSessions.csv (read in two passes) keep their first problems in
    line order at the cap and raise the first in strict mode, as the oracle does."""
    out = _written(tmp_path, "oneroster", district("S", seed=3))
    orgs = (out / "orgs.csv").read_text()  # (8 columns: 7 commas a row)
    (out / "orgs.csv").write_text(
        orgs.replace("\n", "\nx1,active,2024-01-01,Region,region,,,\n", 1)  # line 2
        + "zD,active,2024-01-01,Z,district,,,\nzD,active,2024-01-01,Z,school,,,\n")
    sessions = (out / "academicSessions.csv").read_text()
    (out / "academicSessions.csv").write_text(sessions.replace(
        "\n", "\n,active,2024-01-01,No id,term,2024-01-01,2024-06-01,,2024\n", 1))
    assert_same("oneroster", out, **kw)


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_files_separated_otherwise_read_the_same(tmp_path: Path, fmt: str) -> None:
    """Files whose cells are separated by semicolons, tabs or vertical bars, one with a
    spreadsheet's separator line (``sep=|``) and one whose semicolon-separated header
    names a column twice read as the oracle reads them (it once read them as one column)."""
    import csv

    out = _written(tmp_path, fmt, rostergraph.sample())
    names = sorted(p.name for p in out.iterdir() if p.name != "manifest.csv")
    for name, sep, line in zip(names, [";", "\t", "|", ";"], ["", "", "sep=|\r\n", ""],
                               strict=False):
        with open(out / name, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        with open(out / name, "w", newline="", encoding="utf-8") as f:
            f.write(line)
            csv.writer(f, delimiter=sep).writerows(rows)
    (out / names[-1]).write_bytes(b"x;x\r\n1;2\r\n")
    r = assert_same(fmt, out)
    assert any("separated by semicolons" in p.message for p in r.problems)


def test_users_at_districts_only_read_the_same(tmp_path: Path) -> None:
    """Students, teachers and staff whose only orgs are districts (1.1's cell kept, on a
    user's later row too, 1.2's role row kept, a made-up id too), and joined 1.1 rows at
    two districts: the oracle reads them alike."""
    from tests.test_oneroster_users import (
        _JOINED_11,
        _ORGS_2,
        _ROLES_HEAD,
        _TWO_CELLS_11,
        _TWO_DISTRICTS_11,
        _USERS_11,
        _USERS_12,
        _bundle,
    )

    r = assert_same("oneroster", _bundle(tmp_path / "a", "1.1", {
        "users": _USERS_11 + "C1,,,true,D2,counselor,c1,,Ha,Po,,i10,,,,,,\n"}))
    assert r.users["C1"].extra["oneroster.orgSourcedIds"] == "D2"
    r = assert_same("oneroster", _bundle(tmp_path / "j", "1.1", {"users": _JOINED_11}))
    assert [r.users[u].extra.get("oneroster.orgSourcedIds") for u in ("M1", "M2")] == [
        "D2", "D2"]
    # (joined rows at two districts: a district administrator's other district, a
    # contact's school before another role's)
    r = assert_same("oneroster", _bundle(tmp_path / "k", "1.1", {"users": _TWO_DISTRICTS_11},
                                         _ORGS_2))
    assert [r.users[u].extra.get("oneroster.orgSourcedIds") for u in ("X1", "X3", "G1")] == [
        "D2", "D1,D2", "S1"]
    assert len(r.problems) == 3
    r = assert_same("oneroster", _bundle(tmp_path / "m", "1.1", {"users": _TWO_CELLS_11},
                                         _ORGS_2))
    assert r.users["Y1"].extra["oneroster.orgSourcedIds"] == "D2,S1"
    assert [p.field for p in r.problems] == ["orgSourcedIds", "username"]
    roles = _ROLES_HEAD + ("T1:role:1,,,T1,primary,teacher,,,D2\nRA,,,A1,primary,aide,,,D2\n"
                           "P1:role:1,,,P1,primary,student,,,D2\nR4,,,T2,primary,teacher,,,S1\n")
    r = assert_same("oneroster", _bundle(tmp_path / "b", "1.2", {"users": _USERS_12,
                                                                  "roles": roles}))
    assert r.users["T1"].extra["oneroster.roles"][0]["orgSourcedId"] == "D2"


@pytest.mark.parametrize("edit", ["none", "no_id", "odd_role_type", "no_role", "two_primaries",
                                  "no_rows"])
def test_oneroster_12_roles_read_the_same(tmp_path: Path, edit: str) -> None:
    """A generated district written as OneRoster 1.2 (with and without extension columns)
    reads as the oracle reads it, with a roles.csv row the reader tells of: no sourcedId, a
    roleType neither primary nor secondary, no role, a user primary at a second org, or a
    file of no row (the oracle told none of these)."""
    import csv

    roster = district(students=60, seed=2)
    for extensions in (True, False):
        out = _written(tmp_path / str(extensions), "oneroster", roster, version="1.2",
                       extensions=extensions)
        with open(out / "roles.csv", newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        col = {name: k for k, name in enumerate(rows[0])}
        if edit == "no_id":
            rows[1][col["sourcedId"]] = ""
        elif edit == "odd_role_type":
            rows[2][col["roleType"]] = "main"
        elif edit == "no_role":
            rows[1][col["role"]] = ""
        elif edit == "two_primaries":
            again = list(rows[1])
            again[col["sourcedId"]] += "-again"
            again[col["orgSourcedId"]] = "another-org"
            rows.insert(2, again)
        elif edit == "no_rows":
            del rows[1:]
        with open(out / "roles.csv", "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
        r = assert_same("oneroster", out)
        assert any(p.file == "roles.csv" for p in r.problems) == (edit != "none")


@pytest.mark.parametrize("strict", [False, True])
def test_classes_in_several_terms_read_the_same(tmp_path: Path, strict: bool) -> None:
    """Year-long classes (both semesters listed), one given again and one without an id
    (the row path's reading), a delta's class so too: one problem for the file counting
    the classes loaded, as the oracle tells it (in strict mode the same error)."""
    from tests.test_oneroster_sessions import _SEMESTERS, _bundle

    classes = {"Y0": "S2,S1"} | {f"Y{i}": "S1,S2" for i in range(1, 6)} | {"H1": "S1",
                                                                           "": "S1,S2"}
    path = _bundle(tmp_path / "b", classes, _SEMESTERS)
    with open(path / "classes.csv", "a", encoding="utf-8", newline="") as f:
        f.write('Y2,,,Again,,,,scheduled,,S1,"S1,S2",,,\n,,,No id,,,,scheduled,,S1,"S2,S1",,,\n')
    r = assert_same("oneroster", path, strict=strict)
    if not strict:
        told = [p for p in r.problems if p.field == "termSourcedIds"]
        assert len(told) == 1 and told[0].message.startswith(
            "6 classes of classes.csv (line 2 and 5 more)")
    delta = tmp_path / "delta"
    delta.mkdir()
    (delta / "manifest.csv").write_text("propertyName,value\noneroster.version,1.1\n"
                                        "file.classes,delta\n", encoding="utf-8")
    with open(path / "classes.csv", encoding="utf-8", newline="") as f:
        (delta / "classes.csv").write_text(f.read(), encoding="utf-8", newline="")
    base = read_oneroster(_bundle(tmp_path / "base", {"H1": "S1"}, _SEMESTERS))
    assert_same("oneroster", delta, base=base, strict=strict)


def test_a_role_column_without_a_name_and_no_roles_file(tmp_path: Path) -> None:
    """A 1.1 ``users.csv`` whose ``role`` name is missing and no ``roles.csv``: one problem
    says no user has a role and there is no roles.csv; none says roles.csv grants none
    (the row path said so of the file it does not have)."""
    out = _written(tmp_path, "oneroster", district(students=40, seed=11))
    path = out / "users.csv"
    head, rest = path.read_text(encoding="utf-8").split("\n", 1)
    cells = head.split(",")
    cells[cells.index("role")] = ""
    path.write_text(",".join(cells) + "\n" + rest, encoding="utf-8")
    r = assert_same("oneroster", out)
    told = [p for p in r.problems if "no user has a role" in p.message]
    assert [p.file for p in told] == ["users.csv"]


@pytest.mark.parametrize(("roles", "kept"), [
    ("r1,,,t1,primary,teacher,,,sA,\nr2,,,t1,secondary,teacher,,,sB,\n", "sB"),
    ("r1,,,t1,primary,teacher,,,sA,\nr2,,,t1,secondary,aide,,,sB,\n", "sB"),
    ("r1,,,t1,primary,student,,,elsewhere,\n", "sB"),
    ("r1,,,t1,primary,teacher,,,sB,\n", None)])
def test_a_primary_org_cell_no_role_says_reads_the_same(tmp_path: Path, roles: str,
                                                         kept: str | None) -> None:
    """A 1.2 ``users.csv`` ``primaryOrgSourcedId`` (sB) that the ``roleType=primary`` row
    contradicts (a school, an org not delivered), or that only an aide's org names, is
    kept in extra by both readers (the oracle dropped it whenever the primary row's org
    was a school of the role); one the role says is taken by both."""
    from tests.test_oneroster_primary_org import _USERS
    from tests.test_oneroster_variants import ORGS, ROLES_12_HEADER, write

    src = write(tmp_path / "b", {
        "manifest.csv": "propertyName,value\noneroster.version,1.2\n", "orgs.csv": ORGS,
        "users.csv": _USERS, "roles.csv": ROLES_12_HEADER + roles})
    r = assert_same("oneroster", src)
    assert r.users["t1"].extra.get("oneroster.primaryOrgSourcedId") == kept


def test_a_roles_file_naming_org_sourced_id_twice_reads_the_same(tmp_path: Path) -> None:
    """A 1.2 ``roles.csv`` whose ``sourcedId`` column is named ``orgSourcedId`` (so the
    header names it twice, the first used): each user's role is at the first column's
    value, which contradicts its ``primaryOrgSourcedId``; both readers keep that cell."""
    out = _written(tmp_path, "oneroster", district(students=20, seed=5), version="1.2")
    path = out / "roles.csv"
    head, rest = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(head.replace("sourcedId", "orgSourcedId", 1) + "\n" + rest,
                    encoding="utf-8")
    r = assert_same("oneroster", out)
    kept = [u for u in r.users.values() if "oneroster.primaryOrgSourcedId" in u.extra]
    assert len(kept) > 10


def test_a_status_column_of_the_manifest_reads_the_same(tmp_path: Path) -> None:
    """A ``manifest.csv`` with a ``status`` column (a property's, not a record's): no
    problem tells its cells as record statuses, on either reader."""
    out = _written(tmp_path, "oneroster", rostergraph.sample())
    path = out / "manifest.csv"
    head, *rows = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([head + ",status", *(r + ",checked" for r in rows)]) + "\n",
                    encoding="utf-8")
    r = assert_same("oneroster", out)
    assert not [p for p in r.problems if p.file == "manifest.csv" and p.field == "status"]


@pytest.mark.parametrize("roles_head", [
    "sourcedId,status,dateLastModified,userSourcedId,roleType,role,orgSourcedId",
    "sourcedId,status,dateLastModified,userSourcedId,roleType,orgSourcedId"])
def test_a_12_users_role_column_beside_roles_csv_reads_the_same(tmp_path: Path,
                                                                roles_head: str) -> None:
    """A 1.2 ``users.csv`` that still has 1.1's ``role`` and ``orgSourcedIds`` columns: its
    roles are applied after roles.csv's on both readers (the primary row says the school;
    a role Clever lacks is told after roles.csv's own problems), with or without
    roles.csv's ``role`` column."""
    from tests.test_oneroster_variants import ORGS, write

    users = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
             "givenName,familyName,identifier,grades,primaryOrgSourcedId\n"
             "t1,,,true,sB,teacher,a,A,B,I1,,\nt2,,,true,sB,robot,b,C,D,I2,,\n")
    rows = ("r1,,,t1,primary,teacher,sA\nr2,,,t2,primary,teacher,sA\n" if "role," in roles_head
            else "r1,,,t1,primary,sA\nr2,,,t2,primary,sA\n")
    src = write(tmp_path / "b", {
        "manifest.csv": "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n",
        "orgs.csv": ORGS, "users.csv": users, "roles.csv": roles_head + "\n" + rows})
    r = assert_same("oneroster", src)
    t1 = r.users["t1"].roles.teacher
    assert t1 is not None and (t1.school, t1.schools) == (
        ("sA", ("sA", "sB")) if "role," in roles_head else ("sB", ("sB",)))
    files = [p.file for p in r.problems if p.file in ("users.csv", "roles.csv")]
    assert files[-1] == "users.csv" and ("roles.csv" in files) == ("role," not in roles_head)


def test_a_delta_with_bulk_files_reads_the_same(tmp_path: Path) -> None:
    """A bundle whose manifest lists users.csv as delta and the other files as bulk, read
    with a base, classes.csv leaving base classes out: both readers tell that bulk file at
    its manifest line (the oracle failed, with no manifest lines kept for the delta code
    it shares)."""
    base = district("S", seed=5)
    out = _written(tmp_path, "oneroster", base)
    manifest = out / "manifest.csv"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "file.users,bulk", "file.users,delta"), encoding="utf-8")
    classes = (out / "classes.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (out / "classes.csv").write_text("".join(classes[:-3]), encoding="utf-8")
    r = assert_same("oneroster", out, base=base)
    told = [p for p in r.problems if p.file == "manifest.csv" and "bulk" in p.message]
    assert told and all(p.line is not None and p.line > 1 for p in told)


@pytest.mark.parametrize("again", [False, True])
def test_a_delta_deleting_a_class_reads_the_same(tmp_path: Path, again: bool) -> None:
    """A delta whose classes.csv marks a class ``tobedeleted`` (and, ``again``, gives it
    again on a later row): both readers delete it, or keep it and tell the later row (the
    oracle failed on any such row, with no class lines kept for the delta code it
    shares)."""
    import csv

    base = district("S", seed=5)
    out = _written(tmp_path, "oneroster", base)
    with open(out / "classes.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    status, gone = rows[0].index("status"), rows[1][0]
    deleting = list(rows[1])
    deleting[status] = "tobedeleted"
    rows = [rows[0], deleting, *rows[2:5], *([rows[1]] if again else [])]
    with open(out / "classes.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    manifest = out / "manifest.csv"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "file.classes,bulk", "file.classes,delta"), encoding="utf-8")
    r = assert_same("oneroster", out, base=base)
    assert (gone in r.sections) == again
