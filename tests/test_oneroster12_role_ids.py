"""A OneRoster 1.2 ``roles.csv`` that gives a ``sourcedId`` twice: as in ``users.csv``,
``classes.csv`` and ``enrollments.csv``, the repeat is a ``duplicate_id`` problem naming
file, line and user, with the row's text (nothing of it is lost), and the first row is
kept; it was applied silently (two rows then written back under one id)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_csv_equivalence import assert_same
from tests.test_oneroster_variants import CLASSES, ORGS, ROLES_12_HEADER, write


def test_a_repeated_role_id_is_a_duplicate_id_problem(tmp_path: Path) -> None:
    src = write(tmp_path / "b", {
        "manifest.csv": "propertyName,value\noneroster.version,1.2\n", "orgs.csv": ORGS,
        "classes.csv": CLASSES,
        "users.csv": "sourcedId,username,givenName,password\nt1,tlee,Tom,pw1\ns1,sfox,Sam,\n",
        "roles.csv": ROLES_12_HEADER + ("r1,,,t1,primary,teacher,,,sA,\n"
                                        "r2,,,t1,secondary,teacher,,,sB,\n"
                                        "r2,,,t1,secondary,teacher,,,sB,\n"
                                        "r3,,,s1,primary,student,,,sA,\n")})
    r = assert_same("oneroster", src)
    said = [p for p in r.problems if p.file == "roles.csv"]
    assert [(p.code, p.line, p.record_id, p.field) for p in said] == [
        ("duplicate_id", 4, "t1", "sourcedId")]
    assert json.loads(said[0].raw or "")["orgSourcedId"] == "sB"
    t1 = r.users["t1"]
    assert t1.roles.teacher is not None and t1.roles.teacher.schools == ("sA", "sB")
    assert [row["sourcedId"] for row in t1.extra["oneroster.roles"]] == ["r1", "r2"]
    assert r.users["s1"].roles.student is not None


def test_a_role_for_a_padded_user_id_finds_it_and_one_for_no_user_keeps_its_row(
        tmp_path: Path) -> None:
    """roles.csv names its user as every other OneRoster reference does: ``" t1"`` is t1
    once spaces around ids are ignored (read so, said with the cell as given), and a role
    for no user is not applied but kept whole in its problem (checked against the
    row-by-row reader too)."""
    src = write(tmp_path / "b", {
        "manifest.csv": "propertyName,value\noneroster.version,1.2\n", "orgs.csv": ORGS,
        "classes.csv": CLASSES,
        "users.csv": "sourcedId,username,givenName,password\nt1,tlee,Tom,pw1\n",
        "roles.csv": ROLES_12_HEADER + ("r1,,,t1,primary,teacher,,,sA,\n"
                                        "r2,,, t1,secondary,teacher,,,sB,\n"
                                        "r3,,,t9,primary,teacher,,,sB,\n")})
    r = assert_same("oneroster", src)
    said = {p.line: p for p in r.problems if p.file == "roles.csv"}
    assert sorted(said) == [3, 4]
    assert (said[3].record_id, said[3].field, said[3].raw) == ("r2", "userSourcedId", " t1")
    assert "unknown user 't9'" in said[4].message
    assert json.loads(said[4].raw or "")["sourcedId"] == "r3"
    t1 = r.users["t1"]
    assert t1.roles.teacher is not None and t1.roles.teacher.schools == ("sA", "sB")
