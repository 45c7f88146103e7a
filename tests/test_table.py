"""Table: shape, conversions and notebook rendering."""

from __future__ import annotations

import io

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rostergraph.safety import csv_cell
from rostergraph.table import Table


def test_columns_rows_and_lengths() -> None:
    """Columns keep order; iteration yields row tuples; unequal columns are refused."""
    t = Table({"a": ["x", "y"], "b": [1, 2], "c": [True, False]})
    assert t.columns == ["a", "b", "c"] and len(t) == 2
    assert list(t) == [("x", 1, True), ("y", 2, False)]
    assert t["b"].dtype == np.int64 and t["c"].dtype == bool
    with pytest.raises(ValueError, match="differ in length"):
        Table({"a": [1], "b": [1, 2]})


def test_empty_table() -> None:
    """An empty table has length 0 and still renders and exports its header."""
    t = Table({"user": [], "role": []})
    assert len(t) == 0 and list(t) == []
    assert t.to_csv() == "user,role\n"
    assert t.to_json() == "[]"
    assert "0 rows" in repr(t)


def test_csv_json_and_dicts_round_trip() -> None:
    """CSV and JSON hold the same rows as to_dicts(); None is an empty CSV cell."""
    t = Table({"id": ["a", "b,c", 'q"uote'], "n": [1, 2, 3], "note": [None, "x\ny", "é"]})
    rows = t.to_dicts()
    assert orjson.loads(t.to_json()) == rows
    buf = io.StringIO()
    t.to_csv(buf)
    import csv

    back = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert [r["id"] for r in back] == ["a", "b,c", 'q"uote']
    assert [r["note"] for r in back] == ["", "x\ny", "é"]


def test_csv_to_path(tmp_path) -> None:
    """to_csv(path) writes a UTF-8 file."""
    p = tmp_path / "t.csv"
    Table({"name": ["Zoë"]}).to_csv(p)
    assert p.read_text(encoding="utf-8") == "name\nZoë\n"


def test_sort_head_take_select() -> None:
    """sort_by is stable over several columns; head/take/select return new tables."""
    t = Table({"k": ["b", "a", "b", "a"], "v": [2, 1, 1, 3]})
    assert list(t.sort_by("k", "v")) == [("a", 1), ("a", 3), ("b", 1), ("b", 2)]
    assert list(t.sort_by("v", descending=True).select("v")) == [(3,), (2,), (1,), (1,)]
    assert list(t.head(1)) == [("b", 2)]
    assert list(t.take([3, 0])) == [("a", 3), ("b", 2)]


def test_html_repr_escapes_text() -> None:
    """_repr_html_ escapes cell text and shows the row count."""
    t = Table({"name": ['<script>alert("x")</script>']}, name="<b>t</b>")
    html = t._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "1 rows" in html
    assert "&lt;b&gt;t&lt;/b&gt;" in html


def test_pandas_and_polars() -> None:
    """to_pandas/to_polars give frames with the same columns and values."""
    t = Table({"id": ["a", "b"], "n": [1, 2]})
    assert t.to_pandas().to_dict("list") == {"id": ["a", "b"], "n": [1, 2]}
    assert t.to_polars().to_dict(as_series=False) == {"id": ["a", "b"], "n": [1, 2]}


# --- CSV written column by column equals the cell-by-cell definition ----------------



def _csv_cell_by_cell(t: Table, neutralize: bool = True) -> str:
    """The definition: every cell through ``csv_cell``, rows holding a CR fully quoted."""
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w_cr = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in [t.columns, *t]:
        cells = [csv_cell(v, neutralize=neutralize) for v in row]
        (w_cr if any(isinstance(c, str) and "\r" in c for c in cells) else w).writerow(cells)
    return buf.getvalue()


_TEXT = st.one_of(st.none(), st.text(), st.sampled_from(["=1+1", "'@x", "-5", "\r", "a\rb", "+"]),
                  st.text(alphabet="=+-@'\t\r\n\"ab,", max_size=4))
_INTS = st.integers(-(2**62), 2**62)
_CELLS = st.one_of(_TEXT, _INTS, st.floats(allow_nan=False), st.booleans(),
                   st.lists(st.text(max_size=3), max_size=2))


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 6).flatmap(lambda n: st.lists(
    st.one_of(st.lists(_TEXT, min_size=n, max_size=n), st.lists(_CELLS, min_size=n, max_size=n),
              st.lists(_INTS, min_size=n, max_size=n)), min_size=1, max_size=3)),
       st.booleans())
def test_csv_columns_equal_cell_by_cell(columns: list[list[object]], neutralize: bool) -> None:
    t = Table({f"c{k}": values for k, values in enumerate(columns)})
    assert t.to_csv(neutralize=neutralize) == _csv_cell_by_cell(t, neutralize)


def test_csv_column_path_keeps_formula_guard_and_cr_quoting() -> None:
    t = Table({"a": ["=SUM(A1)", None, "x\ry", "plain"], "n": np.arange(4)})
    text = t.to_csv()
    assert text == _csv_cell_by_cell(t)
    assert "'=SUM(A1)" in text and '"x\ry"' in text


def test_csv_plain_line_path_matches_the_csv_module_on_awkward_cells() -> None:
    t = Table({"a": ["x\x00y", " lead", "tab\there", "é", "", "q"],
               "b": [float("nan"), float("inf"), -0.0, 1e16, 2.5, 3.0],
               "c": [True, False, 1, 2**62, -3, 0]})
    assert t.to_csv() == _csv_cell_by_cell(t)
    one = Table({"a": ["", "x", None]})  # a lone empty cell is written as ""
    assert one.to_csv() == _csv_cell_by_cell(one)


def test_sort_group_and_count_a_column_of_tuples() -> None:
    """A column of tuples (``RosterDiff.reach_changes()``'s ``sections`` and ``causes``) sorts,
    groups and counts by value; numpy's ``astype(str)`` raised "setting an array element
    with a sequence" (a ValueError) for every one of them."""
    t = Table({"pair": ["a", "b", "c", "d"],
               "causes": [("x",), ("y", "z"), ("x",), ()]})
    assert t.sort("causes").to_list("pair") == ["a", "c", "b", "d"]  # (by each value's str)
    assert t.value_counts("causes").to_dicts() == [
        {"causes": ("x",), "count": 2}, {"causes": ("y", "z"), "count": 1},
        {"causes": (), "count": 1}]
    assert t.group_by("causes").agg(n=("pair", "count"))["n"].tolist() == [2, 1, 1]


def test_group_and_count_columns_of_lists_and_dicts() -> None:
    """``findings_table()``'s ``ids`` (lists) and ``values`` (dicts), ``field_changes()``'s
    ``old``/``new`` (texts and lists): equal values are one group; grouping raised
    ``TypeError: unhashable type``."""
    t = Table({"ids": [["a", "b"], ["a"], ["a", "b"]],
               "values": [{"n": 1}, {"n": 1}, {"n": 2}]})
    assert t.value_counts("ids").to_dicts() == [{"ids": ["a", "b"], "count": 2},
                                                {"ids": ["a"], "count": 1}]
    assert t.group_by("values").agg(k=("ids", "count"))["k"].tolist() == [2, 1]
    assert t.group_by("ids").agg(u=("values", "nunique"))["u"].tolist() == [2, 1]


def test_an_integer_index_is_one_row() -> None:
    """``t[0]`` / ``t[-1]``: one row as the tuple iterating yields (it raised numpy's
    "TypeError: len() of unsized object"); past the end an IndexError naming the length."""
    t = Table({"user": ["u1", "u2", "u3"], "n": [1, 5, 2]}, name="t")
    assert t[0] == ("u1", 1) == next(iter(t))
    assert t[-1] == ("u3", 2) and t[np.int64(1)] == ("u2", 5)
    assert all(type(v) in (str, int) for v in t[0])
    with pytest.raises(IndexError, match="row 3 of a table of 3 rows"):
        t[3]
    with pytest.raises(IndexError):
        Table({"user": []})[0]


def test_an_unknown_column_is_named_with_the_columns_by_every_verb() -> None:
    """``sort``, ``select`` (and ``t[...]``, ``filter``, ``group_by``) name the missing column
    and the table's columns (``sort``/``select`` raised a bare ``KeyError: 'b'``)."""
    t = Table({"a": [2, 1]})
    for verb in (lambda: t.sort("b"), lambda: t.select("b"), lambda: t["b"],
                 lambda: t.filter(b=1), lambda: t.value_counts("b")):
        with pytest.raises(KeyError, match=r"no column 'b' \(columns: a\)"):
            verb()


def test_to_csv_into_the_home_folder_written_with_a_tilde(tmp_path, monkeypatch) -> None:
    """``t.to_csv("~/orphans.csv")`` (as ``rostergraph.load("~/...")`` reads) wrote nowhere:
    "the folder does not exist" for a folder named ``~``; a leading ``~`` is the home
    folder."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    Table({"user": ["u1"]}).to_csv("~/orphans.csv")
    assert (tmp_path / "orphans.csv").read_text() == "user\nu1\n"
