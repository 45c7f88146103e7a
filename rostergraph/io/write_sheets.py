"""CSV files of the CSV writers, written as their rows are made.

A writer adds each row to its file's :class:`Sheet` as a dict (column → value). The sheet
keeps the row's values in the order its columns were first seen, and every
:data:`_CHUNK` rows it spills them (``marshal``) to an unnamed temporary file beside the
output. A file's header is only known once every row is in (a writer adds a column the
first time a record has it, and the SFTP writer orders its header by which columns any
row has), so the CSV text is made at the end, a chunk at a time, straight into the
output file: a district's rows are never all held, as dicts, lists or text.

Examples
--------
>>> import io
>>> from rostergraph.io.write import WriteReport
>>> s = Sheet(["id", "name"])
>>> s.add({"id": "1", "name": "a"}); s.add({"id": "2", "late": "x"})
>>> out = io.BytesIO()
>>> s.write(out, WriteReport(), "x.csv")
>>> out.getvalue()
b'id,name,late\\r\\n1,a,\\r\\n2,,x\\r\\n'
"""

from __future__ import annotations

import marshal
import re
import tempfile
from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from .csvcells import to_csv_text

if TYPE_CHECKING:
    from .write import WriteReport

__all__ = ["Sheet"]

#: rows of a sheet held before they are spilled to its temporary file (a chunk of
#: ``students.csv`` read back, ~35 cells a row, is ~40 MB of Python strings)
_CHUNK = 20_000

_SURROGATE = re.compile("[\ud800-\udfff]")


class Sheet:
    """The rows of one CSV file: a fixed header, plus columns seen on the way.

    ``standard_only``: a column the header does not name is dropped (and counted), unless
    it is a ``metadata.*`` one (OneRoster without extension columns). ``spill_dir``: the
    folder of the temporary file (the output's, so a district's rows do not go to a
    ``/tmp`` that may be memory)."""

    def __init__(self, header: Sequence[str], *, standard_only: bool = False,
                 spill_dir: str | None = None) -> None:
        self.keys = list(header)  # every column, in the order first seen
        self.columns = set(header)
        # each row's values in the order of ``keys`` as they were when it came (columns
        # seen later are only appended, so a short row is padded when written)
        self.rows: list[tuple[Any, ...]] = []
        self.n_rows = 0
        self.standard = frozenset(header) if standard_only else None
        self.dropped: dict[str, int] = {}
        self._spill_dir = spill_dir
        self._spill: IO[bytes] | None = None
        self._spilled: list[int] = []  # the byte length of each spilled chunk, in order

    def add(self, row: dict[str, Any]) -> None:
        """One row (column → value; ``None`` is an empty cell)."""
        if self.standard is not None and not self.standard.issuperset(row):
            for k in [k for k in row if k not in self.standard and not k.startswith("metadata.")]:
                if row.pop(k) not in (None, ""):
                    self.dropped[k] = self.dropped.get(k, 0) + 1
        if not self.columns.issuperset(row):
            for k in row:
                if k not in self.columns:
                    self.columns.add(k)
                    self.keys.append(k)
        self.rows.append(tuple(map(row.get, self.keys)))
        self.n_rows += 1
        if len(self.rows) >= _CHUNK:
            self._spill_rows()

    def _spill_rows(self) -> None:
        if self._spill is None:
            # (closed once read back, or by close(): it lives as long as the sheet)
            self._spill = tempfile.TemporaryFile(dir=self._spill_dir)  # noqa: SIM115
        data = _dumped(self.rows)
        self.rows = []
        self._spill.write(data)
        self._spilled.append(len(data))

    def _chunks(self) -> Iterator[list[tuple[Any, ...]]]:
        """The rows, a chunk at a time, in order; each is let go as the next is read (once:
        the temporary file is closed, which deletes it)."""
        spill, self._spill = self._spill, None
        if spill is not None:
            with spill:
                spill.seek(0)
                for n in self._spilled:
                    yield marshal.loads(spill.read(n))  # type: ignore[no-any-return]
        self._spilled = []
        rows, self.rows = self.rows, []
        yield rows

    def close(self) -> None:
        """Let the rows and the temporary file go without writing them."""
        if self._spill is not None:
            self._spill.close()
            self._spill = None
        self.rows = []

    def write(self, out: BinaryIO, report: WriteReport, name: str,
              header: Sequence[str] | None = None) -> None:
        """The CSV file (UTF-8, CRLF) into ``out``: ``header`` (by default every column in
        the order first seen; any order of any columns), then every row. Lone surrogates,
        which UTF-8 cannot hold, become U+FFFD and are counted in ``report`` as
        ``name``'s, as are the columns ``standard_only`` dropped."""
        for col, n in sorted(self.dropped.items()):
            report.add(name, f"{col} (not a OneRoster column)", "dropped", n)
        header = list(self.keys if header is None else header)
        width = len(self.keys)
        pad: tuple[Any, ...] = (None,) * (width + 1)  # (+1: the cell of a column no row has)
        pick, need = (None, width) if header == self.keys else _picker(self.keys, header)
        bad = _put(out, to_csv_text([header]))
        for rows in self._chunks():
            # (a row made before a later column was first seen is short: padded)
            cells = [r if len(r) >= need else r + pad[len(r):need] for r in rows]
            del rows
            if pick is not None:
                cells = list(map(pick, cells))
            bad += _put(out, to_csv_text(cells))  # type: ignore[arg-type]
        if bad:
            report.add(name, f"(text with {bad} lone surrogates: replaced by U+FFFD)",
                       "changed")


def _picker(keys: list[str], header: list[str]) -> tuple[Any, int]:
    """What takes a row's cells in ``header`` order from its values in ``keys`` order, and
    the length a row needs for it (one more than ``keys`` when a header column is no
    row's: its cell is that last, empty, value)."""
    at = {k: i for i, k in enumerate(keys)}
    idx = [at.get(h, len(keys)) for h in header]
    need = max(idx, default=-1) + 1
    if len(idx) == 1:  # (itemgetter of one index gives the value, not a 1-tuple)
        i = idx[0]
        return (lambda r: (r[i],)), need
    return itemgetter(*idx), need


def _dumped(rows: list[tuple[Any, ...]]) -> bytes:
    """``marshal`` of rows; a value marshal cannot hold is replaced by the text the csv
    module writes for it (``str(value)``), which makes no difference to the file."""
    try:
        return marshal.dumps(rows)
    except ValueError:
        plain = (str, int, float, type(None))
        return marshal.dumps([tuple(v if type(v) in plain else str(v) for v in r)
                              for r in rows])


def _put(out: BinaryIO, text: str) -> int:
    """Write ``text`` as UTF-8; the number of lone surrogates replaced by U+FFFD."""
    try:
        out.write(text.encode("utf-8"))
        return 0
    except UnicodeEncodeError:
        out.write(_SURROGATE.sub("\ufffd", text).encode("utf-8"))
        return len(_SURROGATE.findall(text))
