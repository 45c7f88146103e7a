"""1.1 ``users.csv`` rows joined into one user by ``metadata.rostergraph.userId`` (one row
per role, as the writer splits a multi-role user): a later row whose user-level cells
(name, email, a vendor's column, ...) say something else than the first row's is an
``other`` problem at its line naming those columns, its raw text the row; the first
row's values are kept. The later row's values were dropped silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from rostergraph.errors import FormatError
from rostergraph.io.oneroster import read_oneroster
from tests.test_oneroster_variants import bundle

_HEAD = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
         "userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,"
         "grades,password,metadata.room,metadata.rostergraph.userId\n")
_SAME = ("p1,,,true,sA,teacher,tl,,Tea,Lee,,T1,t@x.org,,,,,,R1,P\n"
         "p1#c,,,true,sA,guardian,,,Tea,Lee,,G1,t@x.org,,555,s1,,,R1,P\n")
_OTHER = ("q1,,,true,sA,teacher,ql,,Quinn,Ray,,Q1,q@x.org,,,,,,R2,Q\n"
          "q1#c,,,false,sA,guardian,,,Quincy,Ray,,G2,other@x.org,,,s1,,,R9,Q\n")
_STUDENT = "s1,,,true,sA,student,s1,,Stu,Dent,,S1,,,,,04,,,\n"


def test_joined_rows_that_disagree_are_a_problem_at_the_later_line(tmp_path: Path) -> None:
    src = bundle(tmp_path / "b", users_csv=_HEAD + _SAME + _OTHER + _STUDENT)
    r = read_oneroster(src)
    assert r.users["P"].roles.contact is not None and r.users["Q"].roles.contact is not None
    assert r.users["Q"].name.first == "Quinn" and r.users["Q"].email == "q@x.org"
    told = [p for p in r.problems if p.file == "users.csv"]
    assert [(p.code, p.line, p.record_id) for p in told] == [("other", 5, "q1#c")]
    for col in ("enabledUser", "givenName", "email", "metadata.room"):
        assert col in told[0].message
    assert "familyName" not in told[0].message and "Quincy" in (told[0].raw or "")
    with pytest.raises(FormatError, match=r"users\.csv:5"):
        read_oneroster(src, strict=True)
