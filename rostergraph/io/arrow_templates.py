"""Many ``str.format`` templates filled at once by pyarrow's string kernels.

A reader that knows each row's text as one of a few templates filled with the row's cells
(see :mod:`~rostergraph.io.oneroster_usertext`) can make all rows' texts without a Python
step per row. The templates' fields are laid out in one order that keeps each template's
own order; every row's text is then the join of, slot by slot, the literal its template
has before that field and the field's cell (empty where its template has no such field).
Each slot is one pyarrow kernel over the whole batch of rows.

Examples
--------
>>> import numpy as np
>>> import pyarrow as pa
>>> parts = [template_parts('{{"a":"{0}"}}'), template_parts('{{"b":"{1}","a":"{0}"}}')]
>>> texts = fill_templates(parts, np.array([0, 1, 0]),
...                        [pa.array(["x", "y", "z"]), pa.array(["", "q", ""])], tail="\\n")
>>> texts.to_pylist()
['{"a":"x"}\\n', '{"b":"q","a":"y"}\\n', '{"a":"z"}\\n']
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from graphlib import CycleError, TopologicalSorter
from typing import Any

import numpy as np

from .arrow_np import arrow_bools, arrow_ints, arrow_texts, text_scalar

__all__ = ["TemplateParts", "fill_templates", "template_parts"]

#: A template as its literals (one more than its fields) and its fields (column numbers).
TemplateParts = tuple[list[str], list[int]]


def template_parts(fmt: str) -> TemplateParts:
    """``fmt``'s literals and numbered fields (``{0}``, ``{1}``...: no name, conversion or
    format spec, a :class:`ValueError` otherwise).

    >>> template_parts("{{x}}{2}-{0}")
    (['{x}', '-', ''], [2, 0])
    """
    literals: list[str] = []
    fields: list[int] = []
    text = ""
    for literal, field, spec, conversion in string.Formatter().parse(fmt):
        text += literal
        if field is None:
            continue
        if spec or conversion or not field.isdigit():
            raise ValueError(f"not a numbered field: {field!r}")
        literals.append(text)
        fields.append(int(field))
        text = ""
    literals.append(text)
    return literals, fields


def fill_templates(parts: Sequence[TemplateParts], codes: np.ndarray,
                   columns: Sequence[Any], tail: str = "") -> Any | None:
    """The pyarrow string array whose row ``i`` is template ``parts[codes[i]]`` filled with
    row ``i`` of ``columns`` (pyarrow string arrays as long as ``codes``; ``None``: a column
    no used template reads), followed by ``tail``: what ``str.format`` would give. ``None``
    when the used templates order their fields in ways no one order keeps (two templates
    with ``{0}`` and ``{1}`` the other way round, say).

    >>> import pyarrow as pa
    >>> fill_templates([template_parts("{0}{1}"), template_parts("{1}{0}")],
    ...                np.array([0, 1]), [pa.array(["a", "b"]), pa.array(["c", "d"])]) is None
    True
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(codes)
    used, local = np.unique(np.asarray(codes, dtype=np.int64), return_inverse=True)
    chosen = [parts[c] for c in used.tolist()]
    slots = _slots(chosen)
    if slots is None:
        return None
    at = arrow_ints(local.astype(np.int64))
    pieces: list[Any] = []
    empty = text_scalar("")

    def literal(values: list[str]) -> None:
        if any(values):
            pieces.append(arrow_texts([v.encode() for v in values]).take(at))

    for field, before, uses in slots:
        literal(before)
        col = columns[field]
        if col is None or not any(uses):
            continue
        if all(uses):
            pieces.append(col)
        else:
            pieces.append(pc.if_else(arrow_bools(np.array(uses, dtype=bool)[local]), col,
                                     empty))
    literal([lits[-1] + tail for lits, _ in chosen])
    if not pieces:
        return arrow_texts([b""] * n)
    if len(pieces) == 1:
        pieces.append(empty)
    out = pc.binary_join_element_wise(*pieces, empty)
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def _slots(chosen: Sequence[TemplateParts]
           ) -> list[tuple[int, list[str], list[bool]]] | None:
    """One order of every template's fields (a field a template holds twice is two
    slots): per slot, its column, each template's literal before it, and whether each
    template has it; ``None`` when no order keeps every template's own."""
    order: TopologicalSorter[tuple[int, int]] = TopologicalSorter()
    named: list[list[tuple[int, int]]] = []
    for _, fields in chosen:
        seen: dict[int, int] = {}
        nodes = []
        for f in fields:
            seen[f] = seen.get(f, -1) + 1
            nodes.append((f, seen[f]))
        named.append(nodes)
        for k, node in enumerate(nodes):
            order.add(node, *nodes[k - 1:k])
    try:
        slots = list(order.static_order())
    except CycleError:
        return None
    before: list[dict[tuple[int, int], str]] = [dict(zip(nodes, lits))
                                                for nodes, (lits, _) in zip(named, chosen)]
    return [(node[0], [b.get(node, "") for b in before], [node in b for b in before])
            for node in slots]
