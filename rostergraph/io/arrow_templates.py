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

import re
import string
from collections.abc import Sequence
from graphlib import CycleError, TopologicalSorter
from typing import Any

import numpy as np

from ..intcodes import distinct_codes
from .arrow_np import arrow_bools, arrow_ints, arrow_strs, arrow_texts, text_scalar

__all__ = ["PLACEHOLDER", "TemplateLayout", "TemplateParts", "fill_templates", "placeholder",
           "placeholder_parts", "template_parts"]

#: A template as its literals (one more than its fields) and its fields (column numbers).
TemplateParts = tuple[list[str], list[int]]


#: A placeholder of a row's cell ``k`` in a template made by running a reader's own code
#: on a row of placeholders (private-use characters, which the readers' column-wise
#: rows never hold).
PLACEHOLDER = re.compile("\ue000([0-9]+)\ue001")


def placeholder(k: int) -> str:
    """The placeholder of cell ``k`` (see :data:`PLACEHOLDER`)."""
    return f"\ue000{k}\ue001"


def placeholder_parts(text: str) -> TemplateParts | None:
    """``text``'s literals and the cells its placeholders stand for; ``None`` when a
    literal holds a placeholder's character (a template could not tell it from one).

    >>> placeholder_parts('{"id":"' + placeholder(0) + '","n":"x' + placeholder(3) + '"}')
    (['{"id":"', '","n":"x', '"}'], [0, 3])
    >>> placeholder_parts("\ue0001") is None
    True
    """
    literals, fields, at = [], [], 0
    for m in PLACEHOLDER.finditer(text):
        literals.append(text[at:m.start()])
        fields.append(int(m.group(1)))
        at = m.end()
    literals.append(text[at:])
    rest = "".join(literals)
    if "\ue000" in rest or "\ue001" in rest:
        return None
    return literals, fields


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
    with ``{0}`` and ``{1}`` the other way round, say). A caller filling many batches of
    the same templates lays them out once (:class:`TemplateLayout`).

    >>> import pyarrow as pa
    >>> fill_templates([template_parts("{0}{1}"), template_parts("{1}{0}")],
    ...                np.array([0, 1]), [pa.array(["a", "b"]), pa.array(["c", "d"])]) is None
    True
    """
    used, local = distinct_codes(np.asarray(codes, dtype=np.int64))
    layout = TemplateLayout.of([parts[c] for c in used.tolist()], tail)
    return None if layout is None else layout.fill(local, columns)


class TemplateLayout:
    """Templates laid out in slots once (see the module's text), for many batches of rows.

    >>> import pyarrow as pa
    >>> layout = TemplateLayout.of([template_parts("<{0}>"), template_parts("{0}/{1}")])
    >>> layout.fill(np.array([1, 0]), [pa.array(["a", "b"]), pa.array(["c", ""])]).to_pylist()
    ['a/c', '<b>']
    """

    __slots__ = ("slots", "tail", "texts")

    def __init__(self, slots: list[tuple[int, Any, np.ndarray]], tail: Any,
                 texts: list[list[str]] | None = None) -> None:
        #: per slot: its column, each template's literal before it (pyarrow, ``None``: all
        #: empty), whether each template has it
        self.slots = slots
        self.tail = tail  # each template's literal after its last field (and the tail)
        #: per slot, then the tail: each template's literal as ``str`` (a batch whose
        #: templates all have one literal there takes it as a scalar, not per row)
        self.texts = texts

    @classmethod
    def of(cls, parts: Sequence[TemplateParts], tail: str = "") -> TemplateLayout | None:
        """The layout of templates ``parts`` (each followed by ``tail``); ``None`` when no
        one order keeps every template's own order of its fields."""
        slots = _slots(parts)
        if slots is None:
            return None
        tails = [lits[-1] + tail for lits, _ in parts]
        return cls([(field, _literals(before), np.array(uses, dtype=bool))
                    for field, before, uses in slots], _literals(tails),
                   [before for _, before, _ in slots] + [tails])

    def fill(self, codes: np.ndarray, columns: Sequence[Any]) -> Any:
        """Row ``i``: template ``codes[i]`` filled with row ``i`` of ``columns`` (see
        :func:`fill_templates`)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        codes = np.asarray(codes, dtype=np.int64)
        at = arrow_ints(codes)
        empty = text_scalar("")
        used = np.unique(codes).tolist() if self.texts is not None and len(codes) else []

        def literal(k: int, literals: Any) -> Any:
            # (one literal for every row of the batch: a scalar, no take)
            if self.texts is not None and len({self.texts[k][c] for c in used}) == 1:
                return text_scalar(self.texts[k][used[0]])
            return literals.take(at)

        pieces: list[Any] = []
        for k, (field, literals, uses) in enumerate(self.slots):
            if literals is not None:
                pieces.append(literal(k, literals))
            col = columns[field]
            if col is None:
                continue
            here = uses[codes]
            if here.all():
                pieces.append(col)
            elif here.any():
                pieces.append(pc.if_else(arrow_bools(here), col, empty))
        if self.tail is not None:
            pieces.append(literal(len(self.slots), self.tail))
        if not any(isinstance(p, (pa.Array, pa.ChunkedArray)) for p in pieces):
            # (scalars only: every row's text is the same)
            text = "".join(p.as_py() for p in pieces).encode()
            return arrow_texts([text] * len(codes))
        if len(pieces) == 1:
            pieces.append(empty)
        out = pc.binary_join_element_wise(*pieces, empty)
        return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def _literals(values: list[str]) -> Any:
    """A pyarrow array of ``values`` (``None`` when every one is empty)."""
    return arrow_strs(values) if any(values) else None


def _slots(chosen: Sequence[TemplateParts]
           ) -> list[tuple[int, list[str], list[bool]]] | None:
    """One order of every template's fields (a field a template holds twice is two
    slots): per slot, its column, each template's literal before it, and whether each
    template has it; ``None`` when no order keeps every template's own."""
    order: TopologicalSorter[tuple[int, int]] = TopologicalSorter()
    # (each distinct sequence of fields once: thousands of templates share a few)
    by_fields: dict[tuple[int, ...], list[tuple[int, int]]] = {}
    for _, fields in chosen:
        key = tuple(fields)
        if key in by_fields:
            continue
        seen: dict[int, int] = {}
        nodes = []
        for f in fields:
            seen[f] = seen.get(f, -1) + 1
            nodes.append((f, seen[f]))
        by_fields[key] = nodes
        for k, node in enumerate(nodes):
            order.add(node, *nodes[k - 1:k])
    named = [by_fields[tuple(fields)] for _, fields in chosen]
    try:
        slots = list(order.static_order())
    except CycleError:
        return None
    # (each template's literals put at their slots: work in its own fields, not in slots
    # times templates)
    slot_of = {node: k for k, node in enumerate(slots)}
    before = [[""] * len(chosen) for _ in slots]
    uses = [[False] * len(chosen) for _ in slots]
    for t, (nodes, (lits, _)) in enumerate(zip(named, chosen)):
        for node, lit in zip(nodes, lits):
            k = slot_of[node]
            before[k][t] = lit
            uses[k][t] = True
    return [(node[0], before[k], uses[k]) for k, node in enumerate(slots)]
