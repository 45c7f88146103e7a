"""A folder's large CSV files parsed by pyarrow ahead of their turn, while the reader
works through the files before them in Python.

A reader's Python steps (records made, references checked) hold one core; pyarrow's
parse of the next large file can use the other. :class:`ParsedAhead` runs
:func:`~rostergraph.io.csv_stream.arrow_columns_from_file` for the files it is given, one
after another, on one thread of its own, each once the reader has taken the one before
(so at most one table waits beside the one in use): the thread only starts pyarrow's parse (on
pyarrow's own threads) and the checks of the file's bytes, and touches nothing of the
reader or its builder. A file's result is handed over when the reader comes to that
file (:meth:`ParsedAhead.take`), as if it had been parsed then; problems are told by the
reader, in its own order. The thread is always joined before the reader returns or
raises (:meth:`ParsedAhead.close`); no process-wide state is changed.

Examples
--------
>>> import pathlib, tempfile
>>> from rostergraph.io.limits import DEFAULT_LIMITS
>>> p = pathlib.Path(tempfile.mkdtemp()) / "users.csv"
>>> _ = p.write_bytes(b"sourcedId,role\\n1,student\\n")
>>> ahead = ParsedAhead([("users.csv", p, None)], DEFAULT_LIMITS)
>>> header, columns, size, _ = ahead.take("users.csv", None)
>>> header, [c.to_pylist() for c in columns], size
(['sourcedId', 'role'], [['1'], ['student']], 25)
>>> ahead.take("users.csv") is NOT_AHEAD  # (handed over once)
True
>>> ahead.close()
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from .bundle import Files
from .csv_stream import arrow_columns_from_file
from .limits import Limits

__all__ = ["NOT_AHEAD", "ParsedAhead", "parse_ahead", "parsed_now_or_ahead"]

#: What :meth:`ParsedAhead.take` returns for a file it was not given (or gave already).
NOT_AHEAD: Any = object()


class ParsedAhead:
    """The files ``(name, path, coded)`` parsed one after another, in the order given, on
    a thread started here (``coded``: the columns to parse dictionary-encoded, as
    :func:`~rostergraph.io.csv_stream.arrow_columns_from_file` takes it); none for no
    file."""

    def __init__(self, files: Sequence[tuple[str, Path, Callable[[str], bool] | None]],
                 limits: Limits) -> None:
        self._files = list(files)
        self._limits = limits
        self._waiting = {name for name, _, _ in self._files}
        self._order = {name: k for k, (name, _, _) in enumerate(self._files)}
        self._done: dict[str, tuple[bool, Any]] = {}
        self._passed: set[str] = set()  # (files the reader went past without them)
        self._ready = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="rostergraph-parse-ahead",
                                        daemon=True) if self._files else None
        if self._thread is not None:
            self._thread.start()

    def _run(self) -> None:
        before: str | None = None
        for name, path, coded in self._files:
            with self._ready:  # (the file before taken: its table is the reader's now)
                self._ready.wait_for(partial(self._may_start, before))
                if self._stop:
                    return
            before = name
            try:
                got: tuple[bool, Any] = (True, arrow_columns_from_file(path, self._limits,
                                                                       coded))
            except BaseException as exc:  # noqa: BLE001 (take raises it in the reader's thread)
                got = (False, exc)
            with self._ready:
                if name not in self._passed:
                    self._done[name] = got
                self._ready.notify_all()

    def _may_start(self, before: str | None) -> bool:
        """Whether the next file's parse may start (``before``: the file parsed last)."""
        return self._stop or before not in self._waiting

    def take(self, name: str, coded: Callable[[str], bool] | None = None) -> Any:
        """``name``'s :func:`~rostergraph.io.csv_stream.arrow_columns_from_file` result
        (waiting for its parse to end; what it raised is raised here), or
        :data:`NOT_AHEAD` (also for a file parsed with other ``coded`` columns)."""
        with self._ready:
            if name not in self._waiting:
                return NOT_AHEAD
            at = self._order[name]
            wanted = self._files[at][2] is coded
            # (the files before it, which the reader went past, and it when parsed with
            # other columns coded: not waited for any more)
            for earlier, _, _ in self._files[:at + 1]:
                self._waiting.discard(earlier)
                if earlier != name or not wanted:
                    self._passed.add(earlier)
                    self._done.pop(earlier, None)
            self._ready.notify_all()
            if not wanted:
                return NOT_AHEAD
            self._ready.wait_for(lambda: name in self._done)
            ok, got = self._done.pop(name)
        if not ok:
            raise got
        return got

    def close(self) -> None:
        """Stop after the file being parsed, wait for it, and let go of what was not
        taken."""
        with self._ready:
            self._stop = True
            self._ready.notify_all()
        if self._thread is not None:
            self._thread.join()
        self._done.clear()
        self._waiting.clear()


def parse_ahead(bundle: Files, files: Sequence[tuple[str, Callable[[str], bool] | None]],
                limits: Limits, min_size: int) -> ParsedAhead:
    """Those of ``files`` (``(name, coded)``, in the order a reader reads them) that are
    files of a folder ``bundle`` holds of ``min_size`` bytes or more, parsed ahead
    (:class:`ParsedAhead`; a zip's files are read whole, none ahead).

    >>> import pathlib, tempfile
    >>> from rostergraph.io.bundle import Bundle
    >>> from rostergraph.io.limits import DEFAULT_LIMITS
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "users.csv").write_bytes(b"sourcedId\\n1\\n")
    >>> big = parse_ahead(Bundle(d), [("users.csv", None)], DEFAULT_LIMITS, 1 << 20)
    >>> big.take("users.csv", None) is NOT_AHEAD
    True
    >>> ahead = parse_ahead(Bundle(d), [("users.csv", None)], DEFAULT_LIMITS, 1)
    >>> ahead.take("users.csv", None)[0]
    ['sourcedId']
    >>> ahead.close()
    """
    big = []
    for name, coded in files:
        path = bundle.file_path(name) if name in bundle else None
        try:
            if path is not None and path.stat().st_size >= min_size:
                big.append((name, path, coded))
        except OSError:  # (told when the reader comes to it)
            continue
    return ParsedAhead(big, limits)


def parsed_now_or_ahead(ahead: ParsedAhead | None, name: str, path: Path, limits: Limits,
                        coded: Callable[[str], bool] | None) -> Any:
    """:func:`~rostergraph.io.csv_stream.arrow_columns_from_file` of the file ``name`` at
    ``path``: ``ahead``'s when it parsed it (with the same ``coded``), else parsed now."""
    got = ahead.take(name, coded) if ahead is not None else NOT_AHEAD
    return arrow_columns_from_file(path, limits, coded) if got is NOT_AHEAD else got
