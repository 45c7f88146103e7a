"""Per-cell flags of whole pyarrow columns against the same test made cell by cell."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from rostergraph.io.cell_flags import split_plainly

_IDS = st.lists(st.sampled_from(["u1", "u2", "u3", "é4", "", " ", "u1 ", ","]), max_size=5)


def _plain(cell: str) -> bool:
    parts = cell.split(",")
    return cell == "" or (" " not in cell and all(parts) and len(set(parts)) == len(parts))


@given(st.lists(st.lists(_IDS.map(",".join), max_size=6), min_size=1, max_size=3))
def test_split_plainly_is_the_cells_own_split(chunks: list[list[str]]) -> None:
    """A cell splits plainly when it has no space, no empty item and no id twice; cells
    in several chunks (the first chunk sliced, as a table's may be)."""
    arrays = [pa.array(c, type=pa.string()) for c in chunks]
    arrays[0] = pa.array(["x,x", *chunks[0]], type=pa.string()).slice(1)
    col = pa.chunked_array(arrays, type=pa.string())
    cells = [c for chunk in chunks for c in chunk]
    assert split_plainly(col).tolist() == [_plain(c) for c in cells]
