"""A 1.2 ``users.csv`` ``primaryOrgSourcedId`` that says another org than the user's
``roleType=primary`` row of ``roles.csv``: the primary row decides the role's school, and
the cell, which nothing then says, is kept in ``extra["oneroster.primaryOrgSourcedId"]``
and written back (it was dropped)."""

from __future__ import annotations

import csv
from pathlib import Path

import rostergraph
from rostergraph.io.oneroster import read_oneroster
from rostergraph.model import record_to_dict
from tests.test_oneroster_variants import ORGS, ROLES_12_HEADER, write

_USERS = ("sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,"
          "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
          "password,userMasterIdentifier,preferredGivenName,preferredMiddleName,"
          "preferredFamilyName,primaryOrgSourcedId,pronouns\n"
          "t1,,,true,tlee,,Tom,Lee,,T1,,,,,,,,,,,sB,\n"   # says sB; roles.csv: sA
          "t2,,,true,tkim,,Tia,Kim,,T2,,,,,,,,,,,sA,\n")  # agrees with roles.csv
_ROLES = (ROLES_12_HEADER + "r1,,,t1,primary,teacher,,,sA,\nr2,,,t1,secondary,teacher,,,sB,\n"
          "r3,,,t2,primary,teacher,,,sA,\nr4,,,t2,secondary,teacher,,,sB,\n")


def test_a_primary_org_cell_the_primary_role_contradicts_is_kept(tmp_path: Path) -> None:
    src = write(tmp_path / "b", {
        "manifest.csv": "propertyName,value\noneroster.version,1.2\n", "orgs.csv": ORGS,
        "users.csv": _USERS, "roles.csv": _ROLES})
    r = read_oneroster(src)
    t1, t2 = r.users["t1"], r.users["t2"]
    assert t1.roles.teacher is not None and t1.roles.teacher.school == "sA"
    assert t1.extra.get("oneroster.primaryOrgSourcedId") == "sB"  # (was lost)
    assert "oneroster.primaryOrgSourcedId" not in t2.extra  # (the role says it)
    rostergraph.write_oneroster(r, tmp_path / "out", version="1.2")
    with open(tmp_path / "out" / "users.csv", newline="", encoding="utf-8") as fh:
        written = {row["sourcedId"]: row for row in csv.DictReader(fh)}
    assert written["t2"]["primaryOrgSourcedId"] == "sA"
    again = read_oneroster(tmp_path / "out")
    assert record_to_dict(again.users["t1"]) == record_to_dict(t1)
    assert record_to_dict(again.users["t2"]) == record_to_dict(t2)


def test_a_primary_org_cell_only_an_aide_role_names_is_kept(tmp_path: Path) -> None:
    """A teacher (``roleType=primary`` at sA) who is an aide at sB, the cell saying sB: the
    aide's org does not say it (a writer writes the teacher's school first), so the cell
    is kept; in the other order of rows too, and for a staff member only at sB it is said."""
    for roles in ("r1,,,t1,primary,teacher,,,sA,\nr2,,,t1,secondary,aide,,,sB,\n",
                  "r2,,,t1,secondary,aide,,,sB,\nr1,,,t1,secondary,teacher,,,sA,\n"):
        src = write(tmp_path / str(len(list(tmp_path.iterdir()))), {
            "manifest.csv": "propertyName,value\noneroster.version,1.2\n", "orgs.csv": ORGS,
            "users.csv": _USERS, "roles.csv": ROLES_12_HEADER + roles
            + "r3,,,t2,primary,aide,,,sA,\n"})
        r = read_oneroster(src)
        t1, t2 = r.users["t1"], r.users["t2"]
        assert t1.roles.teacher.school == "sA" and t1.roles.staff.schools == ("sB",)
        assert t1.extra.get("oneroster.primaryOrgSourcedId") == "sB"
        assert t2.roles.staff.schools == ("sA",)
        assert "oneroster.primaryOrgSourcedId" not in t2.extra  # (the aide's org says it)
        out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
        rostergraph.write_oneroster(r, out, version="1.2")
        again = read_oneroster(out)
        assert record_to_dict(again.users["t1"]) == record_to_dict(t1)
