"""Templates filled by pyarrow's kernels against ``str.format`` row by row."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rostergraph.io.arrow_templates import TemplateLayout, fill_templates, template_parts

_TEXT = st.text(st.sampled_from('ab,{}":é\U0001F600\\'), max_size=6)


def _fmt(literals: list[str], fields: list[int]) -> str:
    esc = [lit.replace("{", "{{").replace("}", "}}") for lit in literals]
    return "".join(e + f"{{{f}}}" for e, f in zip(esc, fields)) + esc[-1]


@st.composite
def _templates(draw: st.DrawFn) -> tuple[list[str], int]:
    width = draw(st.integers(1, 5))
    shared = draw(st.permutations(range(width)))  # (one order every template keeps)
    out = []
    for _ in range(draw(st.integers(1, 6))):
        fields = [f for f in shared if draw(st.booleans())]
        if draw(st.booleans()) and fields:  # (a field given twice, in order)
            k = draw(st.integers(0, len(fields) - 1))
            fields.insert(k, fields[k])
        literals = [draw(_TEXT) for _ in range(len(fields) + 1)]
        out.append(_fmt(literals, fields))
    return out, width


@given(_templates(), st.data())
def test_fill_templates_is_str_format(templates: tuple[list[str], int],
                                      data: st.DataObject) -> None:
    """Each row's text is its template's ``str.format`` of its cells, braces, commas,
    multi-byte characters and all, whichever fields each template holds."""
    fmts, width = templates
    n = data.draw(st.integers(0, 12))
    codes = np.array(data.draw(st.lists(st.integers(0, len(fmts) - 1), min_size=n,
                                        max_size=n)), dtype=np.int64)
    cells = [data.draw(st.lists(_TEXT, min_size=n, max_size=n)) for _ in range(width)]
    got = fill_templates([template_parts(f) for f in fmts], codes,
                         [pa.array(c, type=pa.string()) for c in cells], tail="\n")
    assert got is not None
    want = [fmts[c].format(*(col[i] for col in cells)) + "\n"
            for i, c in enumerate(codes.tolist())]
    assert got.to_pylist() == want


@given(_templates(), st.data())
def test_a_layout_of_all_templates_fills_batches_of_some(
        templates: tuple[list[str], int], data: st.DataObject) -> None:
    """Every template laid out once, then batches using some of them (one only, say:
    its literals taken as scalars): each row ``str.format``'s text."""
    fmts, width = templates
    layout = TemplateLayout.of([template_parts(f) for f in fmts], tail="\n")
    assert layout is not None
    for _ in range(3):
        some = data.draw(st.lists(st.integers(0, len(fmts) - 1), min_size=1, max_size=2))
        n = data.draw(st.integers(0, 8))
        codes = np.array(data.draw(st.lists(st.sampled_from(some), min_size=n, max_size=n)),
                         dtype=np.int64)
        cells = [data.draw(st.lists(_TEXT, min_size=n, max_size=n)) for _ in range(width)]
        got = layout.fill(codes, [pa.array(c, type=pa.string()) for c in cells])
        assert got.to_pylist() == [fmts[c].format(*(col[i] for col in cells)) + "\n"
                                   for i, c in enumerate(codes.tolist())]


def test_fill_templates_refuses_orders_no_layout_keeps() -> None:
    """Two templates holding two fields the other way round: no slot order keeps both, so
    the caller fills them itself; either alone is filled."""
    parts = [template_parts("<{0}|{1}>"), template_parts("<{1}|{0}>")]
    cols = [pa.array(["a", "b"]), pa.array(["c", "d"])]
    assert fill_templates(parts, np.array([0, 1]), cols) is None
    assert fill_templates(parts, np.array([1, 1]), cols).to_pylist() == ["<c|a>", "<d|b>"]


def test_a_column_no_template_reads_may_be_absent() -> None:
    """``None`` stands for a column no used template reads; a template of literals only
    gives its literal on every row."""
    got = fill_templates([template_parts("{1}!"), template_parts("only")],
                         np.array([0, 1, 0]), [None, pa.array(["x", "y", "z"])])
    assert got.to_pylist() == ["x!", "only", "z!"]


@pytest.mark.parametrize("fmt", ["{0!r}", "{0:>3}", "{name}", "{}"])
def test_template_parts_takes_numbered_fields_only(fmt: str) -> None:
    with pytest.raises(ValueError):
        template_parts(fmt)
