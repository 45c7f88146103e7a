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


def test_a_padded_row_with_a_cell_starting_with_a_space_is_named(tmp_path: Path) -> None:
    """``Lee, Jr.`` written without quotes splits the row after ``Lee``; ``users.csv``'s
    last cell (``password``) is empty, so the row looks like an export slip (an empty cell
    past the header), and loads with its cells shifted, as the Ed-Fi sample's teacher rows
    load. The problem about such rows names this one: its `` Jr.`` cell starts with a
    space, as the rest of a cell split at ``", "`` does."""
    users = (HEAD + row("s1") + "s2,,,true,sA,student,s2,,Ann,Lee, Jr.,,s2,,,,,04,\n"
             + row("s3")[:-1] + ",\n")  # (s3: a plain export slip, an empty cell more)
    r = rostergraph.load(bundle(tmp_path / "b", users))
    assert set(r.users) == {"s1", "s2", "s3"}  # (loaded, as before: no cell is lost)
    (p,) = [p for p in r.problems if p.file == "users.csv"]
    assert (p.code, p.line) == ("other", 3)
    assert p.message.startswith("2 rows (line 3 and 1 more) had only empty cells past")
    assert "line 3 holds a cell that starts with a space" in p.message
    assert "line 4" not in p.message
