"""Table: the one result type of every query, rule listing and summary.

A Table is a set of named, equally long columns held as numpy arrays (ids and
other strings in object arrays), so a query over a million-student district
returns without building a Python object per row. It has the everyday
DataFrame verbs (``shape``, boolean masks and ``filter``, ``head``, ``sort``,
``value_counts``, ``group_by``), converts out to dicts, CSV, JSON, pandas,
polars, Arrow and DuckDB, and renders in notebooks.

``t["col"]`` and ``t.column("col")`` are the same numpy array;
``t.to_list("col")`` is that column as a Python list. Iterating a Table
yields its rows as tuples (as ``iter_rows()`` does), not its column names.

Examples
--------
>>> t = Table({"teacher": ["t1", "t2"], "sections": [3, 1]})
>>> t.shape, t.columns
((2, 2), ['teacher', 'sections'])
>>> t[t["sections"] > 1].to_list("teacher")
['t1']
>>> list(t)
[('t1', 3), ('t2', 1)]
>>> t.to_dicts()[0]
{'teacher': 't1', 'sections': 3}
>>> print(t.to_csv(), end="")
teacher,sections
t1,3
t2,1
"""

from __future__ import annotations

import csv
import html
import importlib
import io
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, TextIO, overload

import numpy as np

from .errors import MissingExtraError
from .safety import (
    atomic_write,
    csv_cell,
    escape_surrogates,
    home_path,
    json_dumps,
    neutralize_cells,
    terminal_text,
)
from .table_group import GroupBy

if TYPE_CHECKING:
    import duckdb
    import pandas
    import polars
    import pyarrow

__all__ = ["LazyTake", "Table"]


def _optional(module: str, extra: str, feature: str) -> ModuleType:
    """Import an optional dependency, or raise :class:`MissingExtraError` naming its extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(module, extra, feature) from exc


class LazyTake:
    """A column that is ``values[index]``, gathered only when first read.

    Queries over a large district return millions of rows of ids; building a
    Python string reference per row is most of their cost when the caller
    only wants the count or a few rows. A :class:`Table` holding a
    ``LazyTake`` column has the same length and gives the same values
    (``t[col]``, iteration, exports) as one built from ``values[index]``:
    the gather happens on first access to that column and is kept.

    Parameters
    ----------
    values:
        The array to gather from (e.g. ``graph.ids("user")``); not copied,
        so it must not change afterwards.
    index:
        Integer positions into ``values`` (any integer dtype, may be a view),
        or a list of such arrays: the index is their concatenation (a large
        result made in parts need not be copied into one array).

    Examples
    --------
    >>> import numpy as np
    >>> ids = np.array(["u0", "u1", "u2"], dtype=object)
    >>> t = Table({"user": LazyTake(ids, np.array([2, 0])), "n": [5, 7]})
    >>> len(t), t.to_list("user")
    (2, ['u2', 'u0'])
    >>> LazyTake(ids, [np.array([1]), np.array([0, 2])]).materialize().tolist()
    ['u1', 'u0', 'u2']
    """

    __slots__ = ("_parts", "values")

    def __init__(self, values: np.ndarray, index: np.ndarray | Sequence[np.ndarray]) -> None:
        self.values = values
        parts = list(index) if isinstance(index, (list, tuple)) else [index]
        self._parts = [np.asarray(p) for p in parts]
        if any(p.ndim != 1 for p in self._parts):
            raise ValueError("a lazy column's index must be one-dimensional")

    @property
    def index(self) -> np.ndarray:
        """The positions into ``values`` as one array."""
        if len(self._parts) != 1:
            self._parts = [np.concatenate(self._parts) if self._parts
                           else np.zeros(0, dtype=np.int64)]
        return self._parts[0]

    def __len__(self) -> int:
        return sum(len(p) for p in self._parts)

    def take(self, idx: Any) -> LazyTake:
        """The lazy column of the rows at ``idx`` (positions, a slice or a mask)."""
        return LazyTake(self.values, self.index[idx])

    def materialize(self) -> np.ndarray:
        """The gathered array ``values[index]``."""
        if len(self._parts) == 1:
            return np.take(self.values, self._parts[0])
        out = np.empty(len(self), dtype=self.values.dtype)
        at = 0
        for p in self._parts:
            np.take(self.values, p, out=out[at:at + len(p)])
            at += len(p)
        return out


def _as_array(values: Any) -> np.ndarray | LazyTake:
    if isinstance(values, (np.ndarray, LazyTake)):
        return values
    values = list(values)
    if not values:
        return np.empty(0, dtype=object)
    first = values[0]
    if isinstance(first, bool) and all(isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=bool)
    if isinstance(first, int) and not isinstance(first, bool) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in values
    ):
        return np.asarray(values, dtype=np.int64)
    if isinstance(first, float) and all(isinstance(v, (int, float)) for v in values):
        return np.asarray(values, dtype=np.float64)
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


def _py(value: Any) -> Any:
    """A plain Python value for JSON/CSV (numpy scalars → int/float/bool)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


class Table:
    """Named columns of equal length.

    Parameters
    ----------
    columns:
        Mapping of column name to a sequence, numpy array or :class:`LazyTake`
        (gathered on first access); order is kept.
    name:
        Optional title used by ``repr`` and reports.

    Examples
    --------
    >>> t = Table({"student": ["s1", "s2", "s3"], "sections": [2, 0, 5]}, name="load")
    >>> int(t["sections"].sum())
    7
    >>> t.sort("sections", descending=True).to_list("student")
    ['s3', 's1', 's2']
    >>> t.filter(t["sections"] > 0).shape
    (2, 2)
    """

    __slots__ = ("_cols", "name")

    def __init__(self, columns: Mapping[str, Any] | None = None, *, name: str | None = None):
        cols = {str(k): _as_array(v) for k, v in (columns or {}).items()}
        lengths = {len(v) for v in cols.values()}
        if len(lengths) > 1:
            raise ValueError(
                "columns differ in length: "
                + ", ".join(f"{k}={len(v)}" for k, v in cols.items())
            )
        self._cols = cols
        self.name = name

    def _col(self, name: str) -> np.ndarray:
        """Column ``name`` as an array (gathering a lazy column once)."""
        if name not in self._cols:
            raise KeyError(_no_column(name, self.columns))
        col = self._cols[name]
        if isinstance(col, LazyTake):
            col = col.materialize()
            self._cols[name] = col
        return col

    def _arrays(self) -> list[np.ndarray]:
        return [self._col(c) for c in self._cols]

    def _items(self) -> list[tuple[str, np.ndarray]]:
        return [(c, self._col(c)) for c in self._cols]

    # -- shape -------------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        """Column names, in order."""
        return list(self._cols)

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, columns)``, as in pandas and polars."""
        return len(self), len(self._cols)

    def __len__(self) -> int:
        for v in self._cols.values():
            return len(v)
        return 0

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return self.iter_rows()

    def iter_rows(self) -> Iterator[tuple[Any, ...]]:
        """The rows as tuples of plain Python values, in column order."""
        cols = [c.tolist() for c in self._arrays()]
        return iter(zip(*cols)) if cols else iter(())

    @overload
    def __getitem__(self, key: str) -> np.ndarray: ...
    @overload
    def __getitem__(self, key: int | np.integer[Any]) -> tuple[Any, ...]: ...
    @overload
    def __getitem__(self, key: list[str] | slice | np.ndarray | Sequence[int]) -> Table: ...

    def __getitem__(self, key: Any) -> np.ndarray | Table | tuple[Any, ...]:
        """``t["col"]`` a column (numpy array); ``t[["a", "b"]]`` those columns;
        ``t[mask]`` (boolean array), ``t[positions]`` or ``t[2:5]`` those rows; ``t[0]``
        one row, as the tuple iterating yields.

        Examples
        --------
        >>> t = Table({"user": ["u1", "u2", "u3"], "n": [1, 5, 2]})
        >>> t["n"].tolist(), t[["user"]].columns, t[1:].to_list("user")
        ([1, 5, 2], ['user'], ['u2', 'u3'])
        >>> t[t["n"] >= 2].to_list("user")
        ['u2', 'u3']
        >>> t[0], t[-1]
        (('u1', 1), ('u3', 2))
        """
        if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
            n = len(self)
            if not -n <= key < n:
                raise IndexError(f"row {int(key)} of a table of {n} rows")
            return next(self.take([int(key) % n]).iter_rows())  # (gathers one row only)
        if isinstance(key, str):
            if key not in self._cols:
                raise KeyError(_no_column(key, self.columns))
            return self._col(key)
        if isinstance(key, slice):
            return self.take(np.arange(len(self))[key])
        if isinstance(key, (list, tuple)) and key and all(isinstance(k, str) for k in key):
            return self.select(*key)
        return self.take(key)

    def __contains__(self, column: object) -> bool:
        return column in self._cols

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Table):
            return NotImplemented
        return self.columns == other.columns and all(
            self._col(c).tolist() == other._col(c).tolist() for c in self._cols
        )

    __hash__ = None  # type: ignore[assignment]

    def column(self, name: str) -> np.ndarray:
        """One column as a numpy array: the same array as ``t[name]``."""
        return self[name]

    def to_list(self, name: str) -> list[Any]:
        """One column as a Python list of plain values."""
        return self[name].tolist()

    # -- transforms (return new tables) -------------------------------------
    def head(self, n: int = 10) -> Table:
        """The first ``n`` rows."""
        return Table({k: v.take(slice(None, n)) if isinstance(v, LazyTake) else v[:n]
                      for k, v in self._cols.items()}, name=self.name)

    def tail(self, n: int = 10) -> Table:
        """The last ``n`` rows."""
        return self[max(len(self) - n, 0):]

    def take(self, index: Sequence[int] | np.ndarray) -> Table:
        """Rows at the given positions (or where a boolean mask is true)."""
        idx = np.asarray(index)
        if idx.dtype == bool and len(idx) != len(self):
            raise ValueError(f"a boolean mask of {len(idx)} values for a table of "
                             f"{len(self)} rows")
        if idx.dtype != bool and len(idx) == 0:
            idx = idx.astype(np.intp)
        return Table({k: v.take(idx) if isinstance(v, LazyTake) else v[idx]
                      for k, v in self._cols.items()}, name=self.name)

    def filter(self, mask: Any = None, /, **equals: Any) -> Table:
        """Rows where ``mask`` is true and each ``column=value`` holds.

        ``mask`` is a boolean array (``t["n"] > 2``); a keyword's value is
        matched for equality, or for membership when it is a list, tuple or set.

        Examples
        --------
        >>> t = Table({"user": ["u1", "u2", "u3"], "role": ["student", "teacher", "student"],
        ...            "n": [1, 5, 2]})
        >>> t.filter(role="student").to_list("user")
        ['u1', 'u3']
        >>> t.filter(t["n"] > 1, role=["teacher", "staff"]).to_list("user")
        ['u2']
        """
        keep = np.ones(len(self), dtype=bool)
        if mask is not None:
            m = np.asarray(mask)
            if m.dtype != bool or m.shape != (len(self),):
                raise ValueError(f"filter's mask must be {len(self)} booleans, one per row")
            keep &= m
        for name, value in equals.items():
            col = self[name]
            if isinstance(value, (list, tuple, set, frozenset)):
                wanted = set(value)
                keep &= np.fromiter((v in wanted for v in col.tolist()), dtype=bool,
                                    count=len(col))
            else:
                keep &= np.asarray(col == value, dtype=bool)
        return self.take(keep)

    def select(self, *columns: str) -> Table:
        """A table with only the given columns, in that order."""
        for c in columns:
            if c not in self._cols:
                raise KeyError(_no_column(c, self.columns))
        return Table({c: self._cols[c] for c in columns}, name=self.name)

    def sort(self, by: str | Sequence[str], *more: str, descending: bool = False) -> Table:
        """Rows sorted by one or more columns (stable; the first most significant).

        ``t.sort("n")``, ``t.sort(["school", "n"], descending=True)``; the same
        as :meth:`sort_by`.
        """
        return self.sort_by(*([by] if isinstance(by, str) else list(by)), *more,
                            descending=descending)

    def sort_by(self, *columns: str, descending: bool = False) -> Table:
        """Rows sorted by the given columns (stable; first column most significant)."""
        if not len(self) or not columns:
            return self
        keys = []
        for c in reversed(columns):
            col = self._col(c)
            if col.dtype == object:
                # rank strings first: lexsort cannot compare mixed objects (each value's
                # str: astype(str) takes a tuple of a column of tuples for a sequence)
                col = np.unique(np.array([str(v) for v in col.tolist()], dtype=str),
                                return_inverse=True)[1].reshape(-1)
            keys.append(col)
        order = np.lexsort(keys)
        if descending:
            order = order[::-1]
        return self.take(order)

    def with_column(self, name: str, values: Any) -> Table:
        """A copy with one column added or replaced."""
        cols = dict(self._cols)
        cols[name] = _as_array(values)
        return Table(cols, name=self.name)

    def rename(self, mapping: Mapping[str, str]) -> Table:
        """A copy with columns renamed (``{"old": "new"}``), order kept."""
        return Table({mapping.get(k, k): v for k, v in self._cols.items()}, name=self.name)

    def group_by(self, *keys: str) -> GroupBy:
        """Rows grouped by the values of ``keys``; aggregate with the result's methods.

        Examples
        --------
        >>> t = Table({"school": ["a", "b", "a"], "n": [1, 5, 2]})
        >>> t.group_by("school").agg(rows=("n", "count"), total=("n", "sum")).to_dicts()
        [{'school': 'a', 'rows': 2, 'total': 3}, {'school': 'b', 'rows': 1, 'total': 5}]
        """
        return GroupBy(self, keys)

    def value_counts(self, *columns: str) -> Table:
        """Rows per distinct value of ``columns``: those columns and ``count``,
        most frequent first (ties by value).

        Examples
        --------
        >>> Table({"role": ["student", "teacher", "student"]}).value_counts("role").to_dicts()
        [{'role': 'student', 'count': 2}, {'role': 'teacher', 'count': 1}]
        """
        counted = self.group_by(*columns).count()  # sorted by the values
        return counted.take(np.argsort(-counted["count"], kind="stable"))

    # -- conversion ----------------------------------------------------------
    def to_dicts(self) -> list[dict[str, Any]]:
        """Rows as a list of dicts (plain Python values)."""
        names = self.columns
        return [dict(zip(names, row)) for row in self]

    def to_csv(self, path_or_buffer: str | os.PathLike[str] | TextIO | None = None, *,
               neutralize: bool = True, policy: Any = None) -> str | None:
        """Write CSV (header row first); return the text when no target is given.

        ``None`` is written as an empty cell, lists as JSON arrays. Text that a
        spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
        ``@``, tab or CR) gets a ``'`` in front; undo it with
        :func:`rostergraph.safety.restore_cell`, or pass ``neutralize=False``
        for raw cells (see ``SECURITY.md``). A path is written atomically (a leading ``~`` is
        the home folder).
        ``policy`` (a :class:`rostergraph.privacy.PrivacyPolicy`) is applied first.

        Examples
        --------
        >>> print(Table({"name": ["=1+1", "Ann"]}).to_csv(), end="")
        name
        '=1+1
        Ann
        """
        if policy is not None:
            return policy.apply_table(self).to_csv(path_or_buffer, neutralize=neutralize)
        if path_or_buffer is None:
            buf = io.StringIO()
            self._write_csv(buf, neutralize)
            return buf.getvalue()
        if hasattr(path_or_buffer, "write"):
            self._write_csv(path_or_buffer, neutralize)  # type: ignore[arg-type]
            return None
        buf = io.StringIO()
        self._write_csv(buf, neutralize)
        # (the home folder for a leading ~, as load() reads it)
        path = home_path(os.fspath(path_or_buffer))  # type: ignore[arg-type]
        atomic_write(path, buf.getvalue())
        return None

    def _write_csv(self, fh: TextIO, neutralize: bool = True) -> None:
        w = csv.writer(fh, lineterminator="\n")
        # the csv module quotes only the line terminator's characters: a lone CR in a
        # cell would end the row for a reader, so rows holding one are fully quoted
        w_cr = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_ALL)
        cols = [_csv_column(c.tolist(), neutralize) for c in self._arrays()]
        head = [_csv_cell(v, neutralize) for v in self.columns]
        rows = list(zip(*(cells for cells, _ in cols))) if cols else []
        if any(quoted is None for _, quoted in cols) or any("\r" in c for c in head):
            for row in [head, *rows]:
                (w_cr if any(isinstance(c, str) and "\r" in c for c in row) else w).writerow(row)
            return
        w.writerow(head)
        if len(cols) > 1 and not any(quoted for _, quoted in cols):
            # no cell needs quoting: the lines the csv module would write (a number as its
            # str, which is its repr), joined in C
            fh.write("".join(map("%s\n".__mod__, map(",".join, zip(*(
                map(str, cells) for cells, _ in cols))))))
        else:
            w.writerows(rows)

    def to_json(self, *, policy: Any = None) -> str:
        """The rows as a JSON array of objects (UTF-8 text).

        Always valid JSON: control characters and lone surrogates are
        escaped, NaN/Infinity are ``null`` (:func:`rostergraph.safety.json_dumps`).
        ``policy`` (a :class:`rostergraph.privacy.PrivacyPolicy`) is applied first.
        """
        if policy is not None:
            return policy.apply_table(self).to_json()
        return json_dumps(self.to_dicts())

    def to_pandas(self) -> pandas.DataFrame:
        """A ``pandas.DataFrame`` (numeric columns are not copied).

        Needs pandas: ``pip install 'rostergraph[dataframe]'``, else
        :class:`rostergraph.errors.MissingExtraError` says so.
        """
        pd = _optional("pandas", "dataframe", "Table.to_pandas()")
        return pd.DataFrame(dict(self._items()), copy=False)

    def to_polars(self) -> polars.DataFrame:
        """A ``polars.DataFrame`` (a column of lists becomes a list column; a column
        of dicts, whose keys and value types vary by row, becomes JSON text).

        Needs polars: ``pip install 'rostergraph[dataframe]'``, else
        :class:`rostergraph.errors.MissingExtraError` says so.
        """
        pl = _optional("polars", "dataframe", "Table.to_polars()")
        return pl.DataFrame({k: pl.Series(k, _exported(v), dtype=pl.String)
                             if _no_values(v) else _exported(v) for k, v in self._items()})

    def to_arrow(self) -> pyarrow.Table:
        """A ``pyarrow.Table`` (numeric and boolean columns are not copied; a column of
        lists becomes a list column, a column of dicts JSON text, as in CSV, and a column
        mixing texts and lists, as a diff's ``old``/``new``, text with each list as JSON).

        Examples
        --------
        >>> t = Table({"ids": [["u1", "u2"], []], "values": [{"n": 1}, {"n": "x"}]})
        >>> t.to_arrow().to_pylist()
        [{'ids': ['u1', 'u2'], 'values': '{"n":1}'}, {'ids': [], 'values': '{"n":"x"}'}]

        Needs pyarrow: ``pip install 'rostergraph[dataframe]'``, else
        :class:`rostergraph.errors.MissingExtraError` says so.
        """
        pa = _optional("pyarrow", "dataframe", "Table.to_arrow()")
        return pa.table({k: pa.array(_exported(v), type=pa.string() if _no_values(v) else None)
                         for k, v in self._items()})

    def to_duckdb(self, connection: duckdb.DuckDBPyConnection | None = None
                  ) -> duckdb.DuckDBPyRelation:
        """A DuckDB relation over this table (through Arrow), to query with SQL.

        ``connection`` defaults to a new in-memory database (DuckDB's default
        connection is left alone). Needs ``pip install 'rostergraph[duckdb]'``.

        Examples
        --------
        >>> t = Table({"school": ["a", "b", "a"], "n": [1, 5, 2]})
        >>> rel = t.to_duckdb()
        >>> rel.aggregate("school, sum(n)::BIGINT", "school").order("school").fetchall()
        [('a', 3), ('b', 5)]
        """
        ddb = _optional("duckdb", "duckdb", "Table.to_duckdb()")
        con = connection if connection is not None else ddb.connect()
        return con.from_arrow(self.to_arrow())

    # -- display -------------------------------------------------------------
    def to_text(self, limit: int | None = None, width: int = 10_000) -> str:
        """Aligned plain-text rows with a header (all rows unless ``limit``); a cell
        longer than ``width`` characters is shortened with an ellipsis.

        Examples
        --------
        >>> print(Table({"user": ["u1", "u22"], "n": [1, 10]}).to_text())
        user  n
        u1    1
        u22   10
        """
        shown = self if limit is None else self.head(limit)
        rows = [self.columns] + [[_short(v, width) for v in row] for row in shown]
        if not rows[0]:
            return ""
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        if limit is not None and len(self) > limit:
            lines.append(f"… {len(self) - limit} more rows")
        return "\n".join(lines)

    def __repr__(self) -> str:
        n = len(self)
        title = f"Table {self.name!r}" if self.name else "Table"
        head = f"{title}: {n} row{'s' if n != 1 else ''} × {len(self._cols)} columns"
        if not self._cols:
            return head
        rows = [self.columns] + [[_short(v) for v in row] for row in self.head(10)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [head] + ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        if n > 10:
            lines.append(f"… {n - 10} more rows")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        n = len(self)
        esc = html.escape
        parts = ['<div class="rostergraph-table">']
        if self.name:
            parts.append(f"<strong>{esc(self.name)}</strong> ")
        parts.append(f"<small>{n} rows × {len(self._cols)} columns</small>")
        parts.append("<table><thead><tr>")
        parts += [f"<th>{esc(c)}</th>" for c in self.columns]
        parts.append("</tr></thead><tbody>")
        for row in self.head(20):
            parts.append("<tr>" + "".join(f"<td>{esc(_short(v, 80))}</td>" for v in row) + "</tr>")
        parts.append("</tbody></table>")
        if n > 20:
            parts.append(f"<small>… {n - 20} more rows</small>")
        parts.append("</div>")
        return "".join(parts)


def _no_values(col: np.ndarray) -> bool:
    """Whether a column of Python objects holds no value (no row, or ``None`` in each):
    exported as text, the type of the ids and names such columns hold, so that an empty
    answer has the schema of a full one (its type was null: a concat failed)."""
    return col.dtype == object and all(v is None for v in col.tolist())


def _exported(col: np.ndarray) -> Any:
    """A column for Arrow or polars: object columns as lists, with any dict (its keys
    and value types vary by row, which a struct column cannot hold) as JSON text."""
    if col.dtype != object:
        return col
    values = col.tolist()
    if any(isinstance(v, Mapping) for v in values):
        return [json_dumps(v) if isinstance(v, Mapping) else v for v in values]
    if len({_export_kind(v) for v in values if v is not None}) > 1:
        # texts and lists in one column (diff's old/new values): text, a list as its JSON
        return [v if v is None or isinstance(v, str) else json_dumps(v) for v in values]
    return values


def _export_kind(value: Any) -> str:
    """What Arrow makes of a value: a list, a number, a boolean, a text, ..."""
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
            value, (bool, np.bool_)):
        return "number"
    return type(value).__name__


def _no_column(name: str, columns: list[str]) -> str:
    import difflib

    near = difflib.get_close_matches(name, columns, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"no column {name!r} (columns: {', '.join(columns) or 'none'}){hint}"


def _csv_cell(value: Any, neutralize: bool = True) -> Any:
    return csv_cell(value, neutralize=neutralize)


_TEXT_OR_NONE = frozenset({str, type(None)})
#: characters that make the csv module quote a cell (its delimiter, quote and line ends)
_NEEDS_QUOTES = re.compile('[,"\r\n]')


def _csv_column(values: list[Any], neutralize: bool) -> tuple[list[Any], bool | None]:
    """One column's CSV cells (what :func:`~rostergraph.safety.csv_cell` gives for each
    value) and whether the csv module would quote any of them: ``None`` when one holds a
    carriage return (its row is then written fully quoted), ``True`` too when the column
    is neither plain numbers nor text. A column of plain numbers, or of text and ``None``
    without lone surrogates, is done in a few C-level passes; only the cells a spreadsheet
    would read as a formula are changed one by one. Any other column takes the per-cell
    path."""
    kinds = set(map(type, values))
    if kinds <= {int, float, bool}:
        return values, False
    if not kinds <= _TEXT_OR_NONE:
        cells = [_csv_cell(v, neutralize) for v in values]
        return cells, None if any(isinstance(c, str) and "\r" in c for c in cells) else True
    cells = ["" if v is None else v for v in values] if type(None) in kinds else values
    text = "\x00".join(cells)
    # (the `'` neutralizing adds never needs quoting)
    quoted = None if "\r" in text else _NEEDS_QUOTES.search(text) is not None
    if not text.isascii() and len(escape_surrogates(text)) != len(text):
        # lone surrogates (each written as a 6-character escape) are escaped cell by cell
        return [_csv_cell(v, neutralize) for v in values], quoted
    return (neutralize_cells(cells) if neutralize else cells), quoted


def _short(value: Any, width: int = 40) -> str:
    # control characters, escape sequences, lone CR and surrogates as visible escapes
    s = terminal_text(value)
    return s if len(s) <= width else s[: width - 1] + "…"
