"""Records handed to the builder a run at a time at the end of a CSV read.

The reader's end hands each section and user to the builder as its JSON text
(:func:`~rostergraph.io.parked.add_parked`). One call per record cost more in Python
calls than the builder's own work on it (writing the text, decoding it into a struct),
so :class:`TextRuns` gathers the texts of records nothing changes and hands them
together (:meth:`~rostergraph.io.collect.ColumnarBuilder.add_texts`), which decodes
them with ``map`` and keeps them in one step. The records, their order and the problems
of an id given twice are those one call each gives: a run is handed before anything
else reaches the builder, and a run holding a repeated or unreadable record is added
one record at a time by the builder itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .parked import _text_reading_back, add_parked

__all__ = ["TextRuns"]

#: Texts held before they are handed (a few MB at most).
RUN = 512


class TextRuns:
    """:func:`~rostergraph.io.parked.add_parked` of records of one kind, in order, a run
    at a time (see the module's text). Call :meth:`flush` before anything else is added
    to the builder, and at the end.

    Examples
    --------
    >>> from rostergraph.io.collect import ColumnarBuilder
    >>> b = ColumnarBuilder(source="mem", format="test")
    >>> runs = TextRuns(b, "users")
    >>> runs.add({"id": "u1"}, None, file="students.csv", line=2)
    >>> runs.add(b'{"id":"u1"}', None, file="students.csv", line=3)
    >>> runs.add(b'{"id":"u2"}', None, file="teachers.csv", line=2)
    >>> runs.flush()
    >>> r = b.build()
    >>> sorted(r.users), [(p.code, p.line) for p in r.problems]
    (['u1', 'u2'], [('duplicate_id', 3)])
    """

    __slots__ = ("add_texts", "b", "file", "kind", "lines", "texts")

    def __init__(self, b: Any, kind: str) -> None:
        self.b, self.kind = b, kind
        # (a builder keeping no text takes each record as add_parked gives it)
        self.add_texts = getattr(b, "add_texts", None)
        self.texts: list[bytes] = []
        self.lines: list[int] = []
        self.file: str | None = None  # the file of the texts held

    def add(self, value: dict[str, Any] | bytes,
            mend: Callable[[dict[str, Any]], dict[str, Any]] | None, *, file: str,
            line: int) -> None:
        """:func:`~rostergraph.io.parked.add_parked` of ``value``, after the records held
        (held itself when nothing changes it and its text reads back)."""
        if mend is None and self.add_texts is not None:
            text = value if isinstance(value, bytes) else _text_reading_back(value)
            if text is not None:
                if file != self.file:  # (a run is of one file: add_texts takes one)
                    self.flush()
                    self.file = file
                self.texts.append(text)
                self.lines.append(line)
                if len(self.texts) >= RUN:
                    self.flush()
                return
        self.flush()
        add_parked(self.b, self.kind, value, mend, file=file, line=line)

    def extend(self, texts: list[bytes], lines: list[int], *, file: str) -> None:
        """:meth:`add` of ``texts`` (of ``lines``), each the text of a record nothing
        changes that reads back (as a reader's template makes it), in order."""
        if self.add_texts is None:
            for text, line in zip(texts, lines):
                add_parked(self.b, self.kind, text, None, file=file, line=line)
            return
        if file != self.file:
            self.flush()
            self.file = file
        self.texts += texts
        self.lines += lines
        if len(self.texts) >= RUN:
            self.flush()

    def flush(self) -> None:
        """Hand the records held to the builder."""
        if self.texts:
            texts, lines, self.texts, self.lines = self.texts, self.lines, [], []
            self.add_texts(self.kind, texts, lines, file=self.file)  # type: ignore[misc]
