"""Table: shape, conversions and notebook rendering."""

from __future__ import annotations

import io

import numpy as np
import orjson
import pytest

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
