"""``Roster`` in a notebook: its HTML view shows counts, never a record's data."""

from __future__ import annotations

import rostergraph
from rostergraph.model import School, Section
from rostergraph.roster import Problem, Roster


def test_html_view_counts_kinds_and_problems_without_record_data() -> None:
    r = Roster(schools=[School(id="sc1", name="North <High>")],
               sections=[Section(id="s1", school="sc1")],
               problems=[Problem(code="bad_field", message="x", file="a.json", line=3),
                         Problem(code="bad_field", message="y", file="a.json", line=4),
                         Problem(code="no_id", message="z", file="b.json", line=1)])
    page = r._repr_html_()
    assert "<td>schools</td><td>1</td>" in page and "<td>users</td><td>0</td>" in page
    assert "<td>bad_field</td><td>2</td>" in page and "<td>no_id</td><td>1</td>" in page
    assert "North" not in page  # (counts only: no name, no message)
    assert "&lt;memory&gt;" in page  # (the source, escaped)


def test_html_view_of_a_clean_sample_says_no_problems() -> None:
    page = rostergraph.sample()._repr_html_()
    assert "no problems" in page and "clever-json" in page
