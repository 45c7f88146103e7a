"""Sections handed to the builder with their students as codes, not as text to decode.

A CSV reader puts each enrollment's student into its section's ``students`` list (a
million-student district: 6M ids in 300k sections). At the reader's end each section
goes to the builder as its JSON text, which the builder decodes into a struct for the
graph's columns. Decoding those lists made a ``str`` per id again, and coding the ids
for the graph turned each back into bytes: most of the time the sections took there.

The enrollments were read column-wise, so the ids of each section's students are
already codes into the distinct ids of the ``Student_id`` / ``userSourcedId`` column.
:class:`StudentLists` keeps those codes, in each list's order, with the list object
they made. :class:`SectionRuns` writes a section's text with its list last, and when
the list in the dict is still that object with its length unchanged, hands the text
with the codes (:meth:`~rostergraph.io.collect.ColumnarBuilder.add_listed`): the
builder decodes the text without the list and takes the list's references from the
codes. Any other section takes :class:`~rostergraph.io.text_runs.TextRuns` as before.
The records are those the text alone gives: the text holds the list.

Examples
--------
>>> import numpy as np
>>> from rostergraph.io.collect import ColumnarBuilder
>>> from rostergraph.io.enrollcols import _extend_grouped
>>> secs = [{"id": "c1"}, {"id": "c2"}]
>>> users = np.array(["u1", "u2"], dtype=object)
>>> lists = _extend_grouped(secs, "students", np.arange(3), np.array([1, 0, 1]),
...                         users, np.array([0, 1, 1]))
>>> b = ColumnarBuilder(source="mem", format="test")
>>> runs = SectionRuns(b, lists)
>>> for d in secs:
...     runs.add(d, file="sections.csv", line=2)
>>> runs.flush()
>>> r = b.build()
>>> r.sections["c2"].students, r.sections["c1"].students
(('u1', 'u2'), ('u2',))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .collect import utf8_array
from .parked import _text_reading_back
from .scan import MAX_STRING, unread_key
from .shaped_users import spans
from .text_runs import RUN, TextRuns

__all__ = ["SectionRuns", "StudentLists"]

#: Whether sections are handed with their lists as codes (tests compare both ways).
LISTED_SECTIONS = True

#: The list a section's text holds last, whose ids :class:`StudentLists` has as codes.
LISTED = "students"
_UNREAD = unread_key(LISTED)


class StudentLists:
    """Each section's ``students`` list as codes into ``names`` (see the module's text).

    ``codes[bounds[k]:bounds[k + 1]]`` are the codes of list ``lists[k]``, section
    ``sid``'s where ``heads[sid]`` is ``k``; ``names`` holds the ids (an object array of
    ``str``).
    """

    __slots__ = ("_arrow", "bounds", "codes", "heads", "lists", "names")

    def __init__(self, codes: np.ndarray, names: np.ndarray, bounds: list[int],
                 heads: dict[str, int], lists: list[list[str] | None]) -> None:
        # (kept from the enrollments to the reader's end: as small as they can be)
        self.codes = codes.astype(np.int32) if len(names) < 2**31 else codes
        self.names, self.lists = names, lists
        self.bounds = np.array(bounds, dtype=np.int64)
        # (an id over the string bound is the builder's to report: every list then takes
        # the text path, where the decoder finds it)
        items = names.tolist()
        fits = all(map(str.__instancecheck__, items)) and max(map(len, items),
                                                              default=0) <= MAX_STRING
        self.heads = heads if fits else {}
        self._arrow: Any = None

    def span(self, sid: Any, listed: Any) -> tuple[int, int] | None:
        """Where section ``sid``'s list is in :attr:`codes`, when ``listed`` is still the
        list the codes were taken with (nothing replaced it or added to it). Asked once
        per section: the list is let go here."""
        k = self.heads.pop(sid, None) if type(sid) is str else None
        if k is None:
            return None
        mine, self.lists[k] = self.lists[k], None
        a, z = int(self.bounds[k]), int(self.bounds[k + 1])
        return (a, z) if mine is not None and mine is listed and len(mine) == z - a else None

    def arrow_names(self) -> Any:
        """:attr:`names` as the builder's reference columns hold ids (made once)."""
        if self._arrow is None:
            self._arrow = utf8_array(self.names.tolist())
        return self._arrow


def listed_text(d: dict[str, Any]) -> bytes | None:
    """Section dict ``d``'s JSON text with its ``students`` list last (``None``: a value
    that does not read back as itself, as for :func:`~rostergraph.io.parked.json_text`).
    The list is moved to the last of ``d``'s keys."""
    d[LISTED] = d.pop(LISTED)
    return _text_reading_back(d)


class SectionRuns:
    """:class:`~rostergraph.io.text_runs.TextRuns` of sections, each whose list
    :class:`StudentLists` has handed with its codes (see the module's text). Call
    :meth:`flush` at the end."""

    __slots__ = ("add_listed", "file", "lines", "lists", "runs", "spans", "texts")

    def __init__(self, b: Any, lists: StudentLists | None) -> None:
        self.runs = TextRuns(b, "sections")
        self.add_listed = getattr(b, "add_listed", None)
        self.lists = lists if self.add_listed is not None and LISTED_SECTIONS else None
        self.texts: list[bytes] = []
        self.lines: list[int] = []
        self.spans: list[tuple[int, int]] = []
        self.file: str | None = None

    def add(self, d: dict[str, Any], *, file: str, line: int) -> None:
        """Hand section dict ``d`` (of ``file``'s ``line``), after those added before."""
        lists = self.lists
        span = lists.span(d.get("id"), d.get(LISTED)) if lists is not None else None
        if span is not None and _UNREAD not in d:
            text = listed_text(d)
            if text is not None:
                if self.runs.texts:  # (the texts it holds go first)
                    self.runs.flush()
                if file != self.file:
                    self._flush()
                    self.file = file
                self.texts.append(text)
                self.lines.append(line)
                self.spans.append(span)
                if len(self.texts) >= RUN:
                    self._flush()
                return
        self._flush()
        self.runs.add(d, None, file=file, line=line)

    def flush(self) -> None:
        """Hand the sections held to the builder (at the end: the codes are let go)."""
        self._flush()
        self.runs.flush()
        self.lists = None

    def _flush(self) -> None:
        if not self.texts:
            return
        assert self.lists is not None and self.add_listed is not None
        a, z = np.array(self.spans, dtype=np.int64).reshape(-1, 2).T
        counts = z - a
        at = spans(a, counts)  # (each list's codes, one after another)
        texts, lines = self.texts, self.lines
        self.texts, self.lines, self.spans = [], [], []
        self.add_listed("sections", texts, lines, counts, self.lists.codes[at],
                        self.lists.arrow_names(), file=self.file)
