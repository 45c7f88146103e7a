"""A OneRoster 1.2 ``users.csv`` that still has 1.1's ``role`` column, beside a
``roles.csv``: the roles ``roles.csv`` gives take the row's cells (``identifier``,
``username``) as the row's own role does; they were applied without them."""

from __future__ import annotations

from pathlib import Path

from rostergraph.io.oneroster import read_oneroster
from tests.test_oneroster_variants import ORGS, ROLES_12_HEADER, write


def test_roles_csv_roles_take_the_row_cells_when_the_row_has_a_role(tmp_path: Path) -> None:
    src = write(tmp_path / "b", {
        "manifest.csv": "propertyName,value\noneroster.version,1.2\n", "orgs.csv": ORGS,
        "users.csv": "sourcedId,role,orgSourcedIds,username,givenName,identifier\n"
                     "t1,teacher,sA,tlee,Tom,T1\n",
        "roles.csv": ROLES_12_HEADER + "r1,,,t1,primary,teacher,,,sA,\n"
                                       "r2,,,t1,secondary,aide,,,sB,\n"})
    r = read_oneroster(src)
    t1 = r.users["t1"]
    assert t1.roles.teacher is not None and t1.roles.teacher.sis_id == "T1"
    assert t1.roles.staff is not None and t1.roles.staff.staff_id == "T1"
    assert t1.roles.staff.credentials is not None
    assert t1.roles.staff.credentials.district_username == "tlee"
