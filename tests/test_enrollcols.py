"""The near keys of ids (case, leading zeros and a spreadsheet formula ``="..."`` ignored)
made by pyarrow's kernels are the keys Python makes, for ids holding a line break too
(a quoted cell may hold one): the OneRoster reader's hints about an unknown
``userSourcedId`` are then the same whether ``enrollments.csv`` is read column-wise or
row by row."""

from __future__ import annotations

from pathlib import Path

import pytest

from rostergraph.io.enrollcols import _kernel_near_keys, _near_key, near_id_hint, near_memo
from rostergraph.io.oneroster import read_oneroster
from tests.test_collect import assert_same_roster, read_by_the_csv_module
from tests.test_oneroster_variants import ENR_HEAD, USERS, bundle

_IDS = ['="4\n2"', '="0\r\n7"', "A\nB", '="x"', "007"]


def test_kernel_keys_are_pythons_for_ids_holding_a_line_break() -> None:
    assert _kernel_near_keys(_IDS)[1].to_pylist() == [_near_key(i) for i in _IDS]


@pytest.mark.parametrize("value", ["4\n2", '="="4\n2""', "\r\n7", "a\nb"])
def test_the_memo_of_unknown_ids_gives_the_hint_of_every_id(value: str) -> None:
    assert near_id_hint(value, _IDS, near_memo([value], _IDS), "user") == near_id_hint(
        value, _IDS, {}, "user")


@pytest.mark.parametrize(("cell", "hinted"), [('"4\n2"', True), ('"=""=""4\n2"""""', False)])
def test_an_unknown_user_id_holding_a_line_break_either_way(
        cell: str, hinted: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user ``="4<LF>2"`` and an enrollment naming ``4<LF>2`` (the user once the
    formula is left out: hinted) or ``="="4<LF>2""`` (no user's near key: not hinted),
    read column-wise and with neither fast parse: the same roster and problems."""
    users = USERS + '"=""4\n2""",active,2024-01-01,true,sA,student,u9,,X,Y,,U9,,,,,04,\n'
    path = bundle(tmp_path, users_csv=users, enrollments_csv=ENR_HEAD + (
        f"e1,,,c1,sA,s1,student,,,\ne2,,,c1,sA,{cell},student,,,\n"))
    new = read_oneroster(path)
    careful = read_by_the_csv_module(lambda: read_oneroster(path), monkeypatch)
    assert_same_roster(new, careful)
    assert new.provenance.notes == careful.provenance.notes
    told = [p for p in new.problems if p.field == "userSourcedId"]
    assert [p.line for p in told] == ([3] if hinted else [])
    assert not hinted or "user '=\"4\\n2\"' has this id once the spreadsheet formula" in (
        told[0].message)
