"""String columns as flat arrays: every str/None column comes back exactly, and the reader
columns' field columns round-trip through them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rostergraph.columns import ReaderColumns
from rostergraph.strcols import StoredStrings, UnsupportedColumn, encode_strings

from .strategies import HOSTILE_TEXT
from .test_cache import AWKWARD


def _columns_round_trip(values: list[Any], tmp_path: Path, unique: bool = False) -> Any:
    arrays: dict[str, np.ndarray] = {}
    desc = encode_strings(values, "c", arrays, unique)
    for key, arr in arrays.items():  # through real .npy files, read back without pickle
        np.save(tmp_path / f"{key}.npy", arr, allow_pickle=False)
    back = {k: np.load(tmp_path / f"{k}.npy", allow_pickle=False) for k in arrays}
    col = StoredStrings(orjson.loads(orjson.dumps(desc)), back, "c")
    return col.distinct() if unique else col.column(), desc


@pytest.mark.parametrize("values", [
    pytest.param([None, *AWKWARD, None, "é", ""], id="awkward"),
    pytest.param([*AWKWARD, None, *(f"v{i}é" for i in range(300)), None, "v7é", "", None],
                 id="mostly-distinct"),
    pytest.param([s for s in AWKWARD if "\n" not in s], id="nul-joiner"),
    pytest.param([s for s in AWKWARD if "\n" not in s and "\x00" not in s], id="newline-joiner"),
    pytest.param([], id="empty"), pytest.param([None, None], id="only-none"),
    pytest.param([""], id="one-empty"), pytest.param(["\n"], id="one-newline"),
    pytest.param(["\ud800", "\udfff\ud83d", "\ud83d\ude00"], id="lone-surrogates"),
])
def test_string_columns_round_trip(tmp_path: Path, values: list[Any]) -> None:
    """A str/None column comes back equal, value by value and type by type, by any path."""
    col, desc = _columns_round_trip(values, tmp_path)
    assert col.dtype == object and len(col) == len(values)
    assert [(type(v), v) for v in col.tolist()] == [(type(v), v) for v in values]
    if any("\n" in v for v in values if v) and any("\x00" in v for v in values if v):
        assert desc["sep"] is None  # every joiner occurs: stored with offsets
    ids, _ = _columns_round_trip([v for v in dict.fromkeys(values) if v is not None], tmp_path,
                                 unique=True)
    assert ids == [v for v in dict.fromkeys(values) if v is not None]


@given(st.lists(st.one_of(st.none(), st.text(), st.sampled_from(HOSTILE_TEXT)), max_size=30),
       st.integers(0, 100))
def test_string_columns_round_trip_any(values: list[Any], n_distinct: int) -> None:
    """Any list of str (any code point, lone surrogates too) and None survives the encoding,
    whether its repeats are shared (few distinct values) or not (mostly distinct)."""
    values = values + [f"distinct {i}" for i in range(n_distinct)]
    arrays: dict[str, np.ndarray] = {}
    desc = encode_strings(values, "c", arrays)
    col = StoredStrings(desc, arrays, "c").column()
    assert [(type(v), v) for v in col.tolist()] == [(type(v), v) for v in values]


def test_column_of_other_values_is_not_stored() -> None:
    """A column holding something other than str/None is refused (never pickled)."""
    with pytest.raises(UnsupportedColumn):
        encode_strings(["a", 3], "c", {})


def _through_disk(arrays: dict[str, np.ndarray], desc: Any,
                  tmp_path: Path) -> tuple[dict[str, np.ndarray], Any]:
    for key, arr in arrays.items():
        np.save(tmp_path / f"{key}.npy", arr, allow_pickle=False)
    return ({k: np.load(tmp_path / f"{k}.npy", allow_pickle=False) for k in arrays},
            orjson.loads(orjson.dumps(desc)))


def test_reader_columns_round_trip(tmp_path: Path) -> None:
    """Text and boolean field columns of every kept kind come back equal (through real .npy
    files and JSON); hash columns and columns of other values are left out; a kind whose
    mapping the roster no longer holds is not written."""
    users, sections, stale = {"u1": 1, "u2": 2, "u3": 3}, {"s1": 1}, {"x": 1}
    cols = ReaderColumns()
    email = np.array([None, *AWKWARD[:2]], dtype=object)
    cols.put("users", users, fields={"email": email, "no_at": np.array([True, False, True]),
                                      "hash": np.array([1, 2, 3]),
                                      "odd": np.array([("t",), None, None], dtype=object),
                                      "listed": ["x", "y", "x"]})
    cols.put("sections", sections, fields={"name": np.array(["\n\x00"], dtype=object)})
    cols.put("terms", stale, fields={"name": np.array(["t"], dtype=object)})
    arrays, desc = cols.to_arrays({"users": users, "sections": sections, "terms": {"x": 2}})
    assert desc["fields"] == {"users": ["email", "no_at", "listed"], "sections": ["name"]}
    arrays, desc = _through_disk(arrays, desc, tmp_path)
    back = ReaderColumns.from_arrays({"users": users, "sections": sections}, arrays, desc)
    got = back.fields("users", users)
    assert got is not None and got["email"].tolist() == email.tolist()
    assert got["no_at"].tolist() == [True, False, True] and "hash" not in got
    assert got["listed"].tolist() == ["x", "y", "x"]
    assert back.fields("sections", sections)["name"].tolist() == ["\n\x00"]  # type: ignore[index]
    assert back.fields("users", dict(users)) is None  # another mapping: not handed out


def _email_as(name: str) -> Any:
    """A damage giving the email text column's parts under field ``name`` too."""
    def damage(a: dict[str, Any], d: dict[str, Any]) -> None:
        for part in [k for k in a if k.startswith("users.fields.email.")]:
            a[part.replace(".email.", f".{name}.")] = a[part]
        d["columns"][f"users.fields.{name}"] = d["columns"]["users.fields.email"]
        d["fields"]["users"].append(name)
    return damage


@pytest.mark.parametrize("damage", [
    pytest.param(lambda a, d: a.__setitem__("users.fields.email", np.zeros(3, bool)),
                 id="text-field-as-booleans"),
    pytest.param(_email_as("name_only_last"), id="bool-field-as-text"),
    pytest.param(_email_as("email_hash"), id="hash-field-as-text"),
    pytest.param(_email_as("text_suspect"), id="text-suspect-as-text"),
    pytest.param(lambda a, d: a.__setitem__("users.fields.no_at", np.zeros(2, bool)),
                 id="short-booleans"),
    pytest.param(lambda a, d: a.__setitem__("users.fields.no_at", np.zeros(3, np.int8)),
                 id="booleans-not-bool"),
    pytest.param(lambda a, d: d["columns"]["users.fields.email"].__setitem__("n", 2),
                 id="wrong-count"),
    pytest.param(lambda a, d: a.pop("users.fields.email.text"), id="missing-text"),
    pytest.param(lambda a, d: d["fields"].__setitem__("nope", ["email"]), id="unknown-kind"),
    pytest.param(lambda a, d: d["fields"].__setitem__("users", "email"), id="names-not-list"),
    pytest.param(lambda a, d: d.__setitem__("columns", []), id="columns-not-dict"),
])
def test_reader_columns_from_damaged_arrays(damage: Any) -> None:
    """Parts that do not fit the records or the rules' fields (a hand-edited or hostile
    snapshot) raise ValueError, never another error and never columns of the wrong length
    or type."""
    users = {"u1": 1, "u2": 2, "u3": 3}
    cols = ReaderColumns()
    cols.put("users", users, fields={"email": np.array(["a", None, "b"], dtype=object),
                                      "no_at": np.array([True, False, True])})
    arrays, desc = cols.to_arrays({"users": users})
    damage(arrays, desc)
    with pytest.raises(ValueError):
        ReaderColumns.from_arrays({"users": users}, arrays, desc)
