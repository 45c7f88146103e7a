"""Contacts made from per-shape templates (rostergraph/io/sftp_contacts.py) give exactly
what the row path gives: the same records in the same order, the same problems, notes,
graph and rule columns, on messy uploads (siblings sharing a contact with the same or
other cells or relationships, a student naming one contact twice, a contact id that is a
student's, cells JSON escapes, long cells, columns missing, records of the extension
file merged into a contact)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rostergraph
from rostergraph.io import handed_runs, sftp_contacts, sftp_students
from rostergraph.io.clever_csv import read_clever_csv
from tests.test_collect import assert_same_roster, same_either_way
from tests.test_sftp_students import generated_sftp


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _both(path: Path, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> tuple[Any, list[Any]]:
    """The roster read with contacts from templates and on the row path, compared; and
    what each plan made (one entry per read with contacts)."""
    plans: list[Any] = []
    real = sftp_contacts.ShapedContacts.plan.__func__  # type: ignore[attr-defined]

    def spy(cls: Any, *args: Any) -> Any:
        got = real(cls, *args)
        plans.append(got)
        return got

    monkeypatch.setattr(sftp_contacts.ShapedContacts, "plan", classmethod(spy))
    new, _ = same_either_way(lambda: read_clever_csv(path, **kw), monkeypatch,
                             sftp_contacts, "SHAPED_CONTACTS")
    return new, plans


_HEAD = ["School_id", "Student_id", "Last_name", "Grade", "Student_email", "Contact_id",
         "Contact_name", "Contact_email", "Contact_phone", "Contact_sis_id",
         "Contact_relationship", "Contact_type", "Contact_2_name", "Contact_2_sis_id",
         "Contact_2_relationship"]


def _upload(tmp: Path, students: list[list[str]], head: list[str] = _HEAD, *,
            records: list[list[str]] | None = None) -> Path:
    (tmp / "schools.csv").write_text("School_id,School_name\nsch1,One\n", encoding="utf-8")
    (tmp / "students.csv").write_text(_csv([head, *students]), encoding="utf-8")
    (tmp / "teachers.csv").write_text("School_id,Teacher_id,Teacher_email\nsch1,t1,t@x.org\n",
                                      encoding="utf-8")
    (tmp / "sections.csv").write_text("School_id,Section_id,Teacher_id,Name\n"
                                      "sch1,sec1,t1,Math\n", encoding="utf-8")
    (tmp / "enrollments.csv").write_text("School_id,Section_id,Student_id\nsch1,sec1,s1\n",
                                         encoding="utf-8")
    if records is not None:
        (tmp / "rostergraph_records.csv").write_text(
            _csv([["Kind", "Id", "Clever_json"], *records]), encoding="utf-8")
    return tmp


def _row(sid: str, *contact: str) -> list[str]:
    return ["sch1", sid, "Last" + sid, "3", f"{sid}@x.org", *contact]


_ROWS = [
    # siblings sharing p1 with the same cells and relationship
    _row("s1", "", "Pat One", "p1@x.org", "555", "p1", "Mother", "Family", "Al", "", "Uncle"),
    _row("s2", "", "Pat One", "p1@x.org", "555", "p1", "Mother", "Family", "", "", ""),
    # a sibling naming p1 as another relationship and type (each student its own)
    _row("s3", "", "Pat One", "p1@x.org", "555", "p1", "Aunt", "Emergency", "", "", ""),
    # p2 named again with another phone: a problem, the row path
    _row("s4", "", "Pam Two", "p2@x.org", "555", "p2", "Father", "", "", "", ""),
    _row("s5", "", "Pam Two", "p2@x.org", "556", "p2", "Father", "", "", "", ""),
    # one student naming p3 in both groups
    _row("s6", "", "Pim", "", "", "p3", "Mother", "", "Pim", "p3", "Mother"),
    # a contact whose id is a student's
    _row("s7", "s1", "Sib", "", "", "", "", "", "", "", ""),
    # cells JSON escapes, a placeholder's character, a long cell
    _row("s8", "", 'Say "hi"', "q@x.org", "", "p4", "Mother", "", "", "", ""),
    _row("s9", "", "Back\\slash", "", "", "p5", "", "", "Pri\ue000", "p6", ""),
    _row("s10", "", "L" * 300, "", "", "p7", "", "", "", "", ""),
    # no sis id: one contact per student and group
    _row("s11", "", "Nameless", "", "", "", "Other", "", "Second", "", ""),
    # an empty cell named again with a value (filled from the later row)
    _row("s12", "", "", "e@x.org", "", "p8", "Mother", "", "", "", ""),
    _row("s13", "", "Eve", "e@x.org", "", "p8", "Mother", "", "", "", ""),
    # a percent sign and a template's own characters in cells
    _row("s14", "", "100% Pat", "%s@x.org", "%d", "p9", "%%", "", "", "", ""),
    _row("s15", "", "100% Pat", "%s@x.org", "%d", "p9", "Mother", "", "", "", ""),
    # a student given twice (the row path's rows) naming p1 again
    _row("s16", "", "Pat One", "p1@x.org", "555", "p1", "Mother", "Family", "", "", ""),
    _row("s16", "", "Pat One", "p1@x.org", "555", "p1", "Mother", "Family", "Al", "", "Uncle"),
    # a student given twice naming p10 as two relationships (a problem, the row path)
    _row("s17", "", "Ten", "", "", "p10", "Mother", "", "", "", ""),
    _row("s17", "", "Ten", "", "", "p10", "Aunt", "", "", "", ""),
]


@pytest.mark.parametrize("column_students", [True, False])
def test_messy_contacts_read_as_the_row_path_does(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  column_students: bool) -> None:
    """Students read column-wise (their groups as columns, the repeated student's as
    tuples between them) or all on the row path (every group a tuple: then every contact
    takes the row path too)."""
    monkeypatch.setattr(sftp_students, "COLUMN_STUDENTS", column_students)
    new, plans = _both(_upload(tmp_path, _ROWS), monkeypatch)
    if not column_students:
        assert plans == []
        return
    made = plans[0]
    assert made is not None
    shaped = set(made.ids)
    # (the siblings' shared contact, each its own relationship; the plain ones)
    assert {"sftp-contact:p1", "sftp-contact:p9", "sftp-contact:s11:1",
            "sftp-contact:s11:2"} <= shaped
    # (named again with other cells, twice by one student, a student's id, cells JSON
    # escapes or too long: the row path)
    assert not shaped & {"sftp-contact:p2", "sftp-contact:p3", "s1", "sftp-contact:p4",
                         "sftp-contact:p5", "sftp-contact:p6", "sftp-contact:p7",
                         "sftp-contact:p8", "sftp-contact:p10"}
    p1 = new.users["sftp-contact:p1"].roles.contact
    assert [(r.student, r.relationship, r.type) for r in p1.student_relationships] == [
        ("s1", "Mother", "Family"), ("s2", "Mother", "Family"), ("s3", "Aunt", "Emergency"),
        ("s16", "Mother", "Family")]
    assert new.users["sftp-contact:p9"].email == "%s@x.org"
    assert any(p.record_id == "sftp-contact:p2" for p in new.problems)
    g = rostergraph.RosterGraph.from_roster(new)
    assert g is not None


def test_records_merged_columns_missing_and_a_district(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A record of the extension file merged into a shaped contact (it then goes as text);
    a header without relationship, type or sis id columns; a district's id in every
    user."""
    rows = [_row(f"s{k}", "", f"P{k % 3}", f"p{k % 3}@x.org", "", f"p{k % 3}", "Mother",
                 "Family", "", "", "") for k in range(1, 10)]
    path = _upload(tmp_path, rows, records=[
        ["users", "sftp-contact:p1", '{"name": {"first": "Q"}}'],
        ["districts", "d1", '{"name": "D"}']])
    (path / "rostergraph_districts.csv").write_text("District_id,District_name\nd1,D\n",
                                                    encoding="utf-8")
    new, plans = _both(path, monkeypatch)
    assert plans[0] is not None and "sftp-contact:p1" in plans[0].ids
    assert new.users["sftp-contact:p1"].name.first == "Q"
    assert new.users["sftp-contact:p2"].district == "d1"
    head = ["School_id", "Student_id", "Contact_name", "Contact_email"]
    (tmp_path / "bare").mkdir()
    bare = _upload(tmp_path / "bare", [["sch1", f"s{k}", f"P{k}", ""] for k in range(5)],
                   head)
    new, plans = _both(bare, monkeypatch)
    assert plans[0] is not None and len(plans[0].ids) == 5
    assert new.users["sftp-contact:s3:1"].name.last == "P3"


def test_a_contact_every_student_names(tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """An SIS giving every student one contact sis id: each student's first relationship
    is found by a dict once the contact has many (a scan per row was quadratic), with
    the problems and relationships the scan gives."""
    rows = [_row(f"s{k}", "", "Nobody", "", "", "0", "Mother", "", "", "", "")
            for k in range(120)]
    rows += [_row(f"s{k}", "", "Nobody", "", "", "0", "Aunt", "", "", "", "")
             for k in (5, 50, 100)]  # (three students again, another relationship)
    path = _upload(tmp_path, rows)
    new, _ = _both(path, monkeypatch)
    monkeypatch.setattr(sftp_contacts, "_SCAN_NAMED", 10**9)
    scanned = read_clever_csv(path)
    assert_same_roster(new, scanned)
    rels = new.users["sftp-contact:0"].roles.contact.student_relationships
    assert len(rels) == 120 and {r.relationship for r in rels} == {"Mother"}
    told = [p for p in new.problems if p.record_id == "sftp-contact:0"]
    assert len(told) == 3 and all("another" in p.message for p in told)


def test_a_contact_many_students_name(tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A contact named by more students than a template is made for takes the row path;
    one named by fewer is made from one."""
    rows = [_row(f"s{k}", "", "Pat", "", "", "many" if k < 70 else "few", "Mother", "", "",
                 "", "") for k in range(80)]
    new, plans = _both(_upload(tmp_path, rows), monkeypatch)
    assert plans[0].ids == ["sftp-contact:few"]
    assert len(new.users["sftp-contact:many"].roles.contact.student_relationships) == 70


@pytest.mark.parametrize(("seed", "quirks", "run", "park", "short"), [
    (3, "high", 16_384, 65_536, 32), (4, "default", 2, 3, 32), (5, "high", 1, 1, 0),
    (6, "high", 16_384, 65_536, 0), (7, "high", 16_384, 65_536, 10**9)])
def test_generated_districts_read_as_the_row_path_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, quirks: str,
        run: int, park: int, short: int) -> None:
    """Generated districts (siblings sharing contacts), handed in runs of several sizes,
    parked a few at a time (the row path's groups between chunks), short runs handed by
    shape or as text (``short``: 0, every run by shape; 10**9, every run but a full
    one as text)."""
    monkeypatch.setattr(handed_runs, "_RUN", run)
    monkeypatch.setattr(handed_runs, "_SHORT", short)
    monkeypatch.setattr(sftp_contacts, "_PARK", park)
    new, plans = _both(generated_sftp(tmp_path, seed, quirks), monkeypatch)
    contacts = [u for u in new.users.values() if u.roles and u.roles.contact]
    assert plans[0] is not None and len(plans[0].ids) > len(contacts) // 2


_CELL = st.sampled_from(["", "p1", "p2", "s1", "Mother", "Aunt", "Family", "x@y.org",
                         'a"b', "a\\b", "\ue001", "%s", "y" * 260, "Pat", "  "])


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.tuples(st.sampled_from(["s1", "s2", "s3", "s4", " s2"]),
                               st.lists(_CELL, min_size=10, max_size=10)),
                     min_size=1, max_size=10))
def test_random_contacts_read_as_the_row_path_does(rows: list[tuple[str, list[str]]]) -> None:
    with tempfile.TemporaryDirectory() as d, pytest.MonkeyPatch.context() as mp:
        _both(_upload(Path(d), [_row(sid, *cells) for sid, cells in rows]), mp)


def test_contact_id() -> None:
    assert sftp_contacts.contact_id("s1", "1", {"id": "c9", "sis_id": "p"}) == "c9"
    assert sftp_contacts.contact_id("s1", "3", {"sis_id": ""}) == "sftp-contact:s1:3"


def test_a_cell_utf8_cannot_hold_is_no_template_cell() -> None:
    """A row path's cell with a lone surrogate (no CSV decoding makes one, but a cell is
    untrusted) marks its group for the row path, which takes its own tuple as it is."""
    from rostergraph.io.contact_cells import ContactCells

    cells = ContactCells.of_entries([("s1", 2, "1", {"name": "a\udcff"}, "1"),
                                     ("s2", 3, "1", {"name": "b"}, "1")])
    assert cells.unplain.tolist() == [True, False]
    assert cells.cells["name"].to_pylist() == ["a?", "b"]
