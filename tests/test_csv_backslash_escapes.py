"""A CSV export that escapes a quote or a separator with a backslash (``"Bob \\"B\\" Lee"``,
``Lee\\, Jr.``: MySQL's ``ESCAPED BY '\\\\'``, PHP) instead of doubling the quote or quoting
the cell. The row cannot be read as the format says (it is a ``syntax`` problem, as
before); the problem says why, which "',' expected after '\\"'" or a count of cells did
not. The rows without one load."""

from __future__ import annotations

from pathlib import Path

import pytest

import rostergraph
from tests.test_csv_swallowed_rows import HEAD, bundle, row

HINT = "escaped with a backslash"


@pytest.mark.parametrize("bad", [
    's2,,,true,sA,student,s2,,"Bob \\"B\\" Ann",Lee,,s2,,,,,04,\n',  # (a quote so escaped)
    's2,,,true,sA,student,s2,,Ann,Lee\\, Jr.,,s2,,,,,04,\n',  # (a separator so escaped)
    's2,,,true,sA,student,s2,,"Ann \\",x",Lee,,s2,,,,,04,\n',  # (a quote, then a separator)
])
def test_a_backslash_escape_is_named_in_the_syntax_problem(tmp_path: Path, bad: str) -> None:
    users = HEAD + row("s1") + bad + row("s3")
    r = rostergraph.load(bundle(tmp_path / "b", users))
    assert set(r.users) == {"s1", "s3"}
    (p,) = [p for p in r.problems if p.file == "users.csv"]
    assert (p.code, p.line) == ("syntax", 3)
    assert HINT in p.message


def test_a_backslash_that_is_text_adds_nothing(tmp_path: Path) -> None:
    """A backslash in a cell that reads well (a Windows path) is text: no problem; and a
    row with a cell too few that holds no backslash gets no hint."""
    users = HEAD + row("s1", given="C:\\\\x") + "s2,,,true,sA,student\n"
    r = rostergraph.load(bundle(tmp_path / "b", users))
    assert r.users["s1"].name.first == "C:\\\\x"
    (p,) = [p for p in r.problems if p.file == "users.csv"]
    assert HINT not in p.message
