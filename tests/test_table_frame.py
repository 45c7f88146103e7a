"""Table's DataFrame verbs: shape, masks, filter, sort, group_by, value_counts and hand-offs."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import rostergraph
from rostergraph.errors import MissingExtraError, RosterError
from rostergraph.table import LazyTake, Table


def _t() -> Table:
    return Table({"user": ["u1", "u2", "u3", "u4", "u5"],
                  "role": ["student", "teacher", "student", "staff", "student"],
                  "school": ["a", "a", "b", "b", "a"],
                  "n": [3, 1, 4, 1, 5]}, name="people")


def test_shape_and_column_access_agree() -> None:
    """shape is (rows, columns); t[col] and t.column(col) are the same array; to_list is a list."""
    t = _t()
    assert t.shape == (5, 4)
    assert Table().shape == (0, 0)
    assert t["n"] is t.column("n") and isinstance(t["n"], np.ndarray)
    assert t.to_list("n") == [3, 1, 4, 1, 5] and type(t.to_list("n")[0]) is int
    lazy = Table({"u": LazyTake(np.array(["x", "y"], dtype=object), np.array([1, 0]))})
    assert lazy["u"] is lazy.column("u") and lazy.to_list("u") == ["y", "x"]


def test_getitem_masks_slices_positions_and_column_lists() -> None:
    """t[mask], t[slice], t[positions] select rows; t[[names]] selects columns."""
    t = _t()
    assert t[t["n"] > 2].to_list("user") == ["u1", "u3", "u5"]
    assert t[1:3].to_list("user") == ["u2", "u3"]
    assert t[[4, 0]].to_list("user") == ["u5", "u1"]
    assert t[["n", "user"]].columns == ["n", "user"]
    assert t[np.zeros(5, dtype=bool)].shape == (0, 4)
    with pytest.raises(ValueError, match="boolean mask of 2"):
        t[np.array([True, False])]


def test_unknown_column_names_the_columns_and_a_near_match() -> None:
    """A typo in a column name raises KeyError listing the columns and suggesting one."""
    with pytest.raises(KeyError, match="did you mean 'school'"):
        _t()["shcool"]


def test_filter_by_mask_and_keywords() -> None:
    """filter takes a boolean mask and column=value (equality) or column=[...] (membership)."""
    t = _t()
    assert t.filter(role="student").to_list("user") == ["u1", "u3", "u5"]
    assert t.filter(t["n"] < 4, school="a").to_list("user") == ["u1", "u2"]
    assert t.filter(role=["staff", "teacher"]).to_list("user") == ["u2", "u4"]
    assert t.filter().shape == t.shape
    with pytest.raises(ValueError, match="5 booleans"):
        t.filter([1, 0, 1, 0, 1])


def test_head_tail_and_sort() -> None:
    """head/tail take the ends; sort takes one name or a list and sorts stably."""
    t = _t()
    assert t.head(2).to_list("user") == ["u1", "u2"]
    assert t.tail(2).to_list("user") == ["u4", "u5"] and t.tail(99).shape == t.shape
    assert t.sort("n").to_list("user") == ["u2", "u4", "u1", "u3", "u5"]
    assert t.sort(["school", "n"]).to_list("user") == ["u2", "u1", "u5", "u4", "u3"]
    assert t.sort("n", descending=True).to_list("n") == [5, 4, 3, 1, 1]


def test_group_by_aggregations() -> None:
    """group_by(...).agg computes count/sum/mean/min/max/nunique/first/list per key, sorted by key."""
    t = _t()
    got = t.group_by("school").agg(rows=("n", "count"), total=("n", "sum"), avg=("n", "mean"),
                                    lo=("n", "min"), hi=("n", "max"),
                                    roles=("role", "nunique"), first=("user", "first"),
                                    users=("user", "list"))
    assert got.to_dicts() == [
        {"school": "a", "rows": 3, "total": 9, "avg": 3.0, "lo": 1, "hi": 5, "roles": 2,
         "first": "u1", "users": ["u1", "u2", "u5"]},
        {"school": "b", "rows": 2, "total": 5, "avg": 2.5, "lo": 1, "hi": 4, "roles": 2,
         "first": "u3", "users": ["u3", "u4"]}]
    two = t.group_by("school", "role").count()
    assert two.to_dicts()[0] == {"school": "a", "role": "student", "count": 2}
    assert sum(two.to_list("count")) == len(t)
    with pytest.raises(ValueError, match="unknown aggregation 'median'"):
        t.group_by("school").agg(x=("n", "median"))
    with pytest.raises(ValueError, match="numeric"):
        t.group_by("school").agg(x=("user", "sum"))


def test_value_counts_most_frequent_first() -> None:
    """value_counts gives each value's count, most frequent first, ties by value."""
    vc = _t().value_counts("role")
    assert vc.to_dicts() == [{"role": "student", "count": 3}, {"role": "staff", "count": 1},
                             {"role": "teacher", "count": 1}]
    assert Table({"role": []}).value_counts("role").shape == (0, 2)


def test_hand_offs_keep_values_and_types() -> None:
    """to_pandas, to_polars, to_arrow and to_duckdb hold the same rows as to_dicts."""
    t = _t()
    rows = t.to_dicts()
    assert t.to_pandas().to_dict("records") == rows
    assert t.to_polars().to_dicts() == rows
    assert t.to_arrow().to_pylist() == rows
    assert str(t.to_arrow().schema.field("n").type) == "int64"
    rel = t.to_duckdb()
    assert rel.filter("school = 'a'").aggregate("sum(n)::BIGINT").fetchall() == [(9,)]


def test_query_result_hand_off_on_the_sample() -> None:
    """A real query result converts to pandas with the same rows and groups like pandas."""
    g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    pairs = rostergraph.reach_pairs(g)
    df = pairs.to_pandas()
    assert len(df) == len(pairs) and list(df.columns) == pairs.columns
    ours = pairs.group_by("teacher").count()
    theirs = df.groupby("teacher").size()
    assert dict(zip(ours.to_list("teacher"), ours.to_list("count"))) == theirs.to_dict()


@pytest.mark.parametrize("module, method, extra", [
    ("pandas", "to_pandas", "dataframe"), ("polars", "to_polars", "dataframe"),
    ("pyarrow", "to_arrow", "dataframe"), ("duckdb", "to_duckdb", "duckdb")])
def test_missing_extra_names_the_extra(monkeypatch, module, method, extra) -> None:
    """Without the optional package, the error is a RosterError naming the pip extra."""
    monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    with pytest.raises(MissingExtraError) as info:
        getattr(_t(), method)()
    assert isinstance(info.value, RosterError) and isinstance(info.value, ImportError)
    assert f"pip install 'rostergraph[{extra}]'" in str(info.value)
    assert info.value.module == module


def test_list_and_dict_columns_export_everywhere() -> None:
    """A list column stays a list in Arrow, polars and DuckDB; a dict column whose value
    types vary by row becomes JSON text there and in CSV, and stays a dict in pandas."""
    t = Table({"ids": [["u1", "u2"], [], ["u3"]],
               "values": [{"n": 1}, {"n": "x", "field": "email"}, {}]})
    assert t.to_arrow().column("ids").to_pylist() == [["u1", "u2"], [], ["u3"]]
    assert t.to_arrow().column("values").to_pylist() == [
        '{"n":1}', '{"n":"x","field":"email"}', "{}"]
    assert t.to_polars()["ids"].to_list() == [["u1", "u2"], [], ["u3"]]
    assert t.to_polars()["values"].to_list()[1] == '{"n":"x","field":"email"}'
    assert t.to_duckdb().query("t", "select len(ids) from t").fetchall() == [(2,), (0,), (1,)]
    assert t.to_pandas()["values"].tolist()[1] == {"n": "x", "field": "email"}
    assert t.to_csv().splitlines()[1] == '"[""u1"",""u2""]","{""n"":1}"'


def test_a_column_of_texts_and_lists_goes_to_arrow_polars_and_duckdb() -> None:
    """``RosterDiff.field_changes()``'s ``old``/``new`` hold a text for one field and a list
    for another (``students``): the column is exported as text, each list as its JSON
    (Arrow and polars refused a column of both: "Expected bytes, got a 'list' object")."""
    pytest.importorskip("pyarrow")
    t = Table({"field": ["name", "students", "grade"],
               "old": ["Math", ["s1", "s2"], None], "new": ["Algebra", ("s1",), "5"]})
    rows = t.to_arrow().to_pylist()
    assert [r["old"] for r in rows] == ["Math", '["s1","s2"]', None]
    assert [r["new"] for r in rows] == ["Algebra", '["s1"]', "5"]
    pl = pytest.importorskip("polars")
    assert t.to_polars()["old"].to_list() == ["Math", '["s1","s2"]', None]
    assert isinstance(t.to_polars(), pl.DataFrame)
    pytest.importorskip("duckdb")
    assert t.to_duckdb().fetchall()[1] == ("students", '["s1","s2"]', '["s1"]')


def test_an_empty_answer_has_the_schema_of_a_full_one() -> None:
    """A query's empty answer (no pair over 1,000 sections; no cross-school teaching in
    one school) exports its id columns as text, as a full answer does: they were of type
    null, and a concat of the districts' answers failed."""
    import polars as pl
    import pyarrow as pa

    g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    full = rostergraph.reach_pairs(g)
    empty = full[full["sections"] > 1000]
    assert len(empty) == 0 and empty.to_arrow().schema == full.to_arrow().schema
    assert pa.concat_tables([full.to_arrow(), empty.to_arrow()]).num_rows == len(full)
    assert pl.concat([full.to_polars(), empty.to_polars()]).height == len(full)
