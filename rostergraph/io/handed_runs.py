"""Users handed to the builder by their shapes at the end of a Clever SFTP read, in
their place among the others.

Most of an upload's students and contacts are made from templates
(:mod:`~rostergraph.io.sftp_students`, :mod:`~rostergraph.io.sftp_contacts`), so their
graph and rule columns are known by shape. At the reader's end, those nothing changed
since reach the builder a run at a time
(:meth:`~rostergraph.io.collect.ColumnarBuilder.add_shaped`: no text decoded), every
other user as its text (:class:`~rostergraph.io.text_runs.TextRuns`: decoded), each in
its place in the reader's order, which is the roster's.

A user of the row path between two rows of a run (a student whose id is written with a
space, a cell with a quote: about one row in a hundred of a generated district) would
part the run, and each run handed costs a fixed fifth of a millisecond (7,400 runs in a
1M-student upload). Such a user *rides* in the run instead, when nothing is merged into
it at the end, it was read from the run's file and its text decodes: the columns of its
decoded struct are made a shape of its own, of constants only
(:meth:`~rostergraph.io.shaped_users.UserShape.of_many`, the same code the templates'
shapes come from), and it is put in its place among the run's users. A user whose
struct no shape holds (a contact naming students) goes as text, between two runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from .arrow_np import arrow_ints, arrow_joined, arrow_texts, text_scalar
from .collect import line_texts
from .parked import ParkedDicts, _text_reading_back
from .shaped_users import UserShape
from .text_runs import TextRuns

__all__ = ["RIDE", "Handed", "hand_in_order", "unchanged_rows"]

#: Rows handed by their shapes: their ids, which of them to hand (in order), how
#: (``hand(builder, run, texts)``) and where each was read (``where(k)``: file, line).
Handed = tuple[list[str], list[int], Callable[[Any, list[int], Any], None],
               Callable[[int], tuple[str, int]]]

#: Whether a row path's user rides in a run of shaped users (a switch for the tests that
#: compare it with handing such users as text; never changed by the library).
RIDE = True

#: Users handed to the builder at a time.
_RUN = 16_384
#: Rows of a run under this many go to the builder as text, with the other users (the
#: columns of one run by shape cost about what 30 users' texts decoded cost).
_SHORT = 32
#: Users of the row path that ride in a run one after another, at most (a longer
#: stretch of them ends it).
_RIDERS = 8


def unchanged_rows(users: ParkedDicts, ids: list[str], places: list[int | bytes],
                   ready: np.ndarray, carry: Any) -> list[int]:
    """The rows ``k`` (of ``ids``, each parked at ``places[k]``) that are ``ready`` and
    that nothing changed since they were parked: their users still there, on a shelf, and
    no record of the extension file (``carry``) to merge into them.

    >>> users = ParkedDicts()
    >>> places = users.park_new(["a", "b"], np.array([0, 10, 20]),
    ...                         np.frombuffer(b'{"id":"a"}{"id":"b"}', np.uint8))
    >>> users["b"]["email"] = "x@y.org"
    >>> unchanged_rows(users, ["a", "b"], places, np.array([True, True]), {})
    [0]
    """
    now = users.places(ids)
    ks = [k for k, (ok, had, got) in enumerate(zip(ready.tolist(), places, now))
          if ok and had == got and isinstance(got, int)]
    if len(carry):
        ks = [k for k in ks if ("users", ids[k]) not in carry]
    return ks


class _Rider:
    """A row path's user riding in a run: its place in the run, id, text and line (and,
    once worked out, its shape: ``None`` when none holds it)."""

    __slots__ = ("at", "line", "shape", "text", "uid")

    def __init__(self, at: int, uid: str, text: bytes, line: int) -> None:
        self.at, self.uid, self.text, self.line = at, uid, text, line
        self.shape: UserShape | None = None


def hand_in_order(b: Any, users: ParkedDicts, order: Iterable[str], sets: list[Handed],
                  runs: TextRuns, plain_at: Callable[[str], tuple[str, int] | None]
                  ) -> Iterator[tuple[str, Any]]:
    """The users of ``order`` (the reader's, in order) the caller hands through ``runs``,
    each with its value when taken from ``users`` here (``None``: still there). The rows
    of ``sets`` (each set's rows come in ``order`` in the set's order, every one still
    parked where it was put) are handed to the builder here, by their shapes, in runs, in
    their place among the others (``runs`` is flushed before each run). Users between
    two rows of a run ride in it where they may (see the module's text):
    ``plain_at(uid)`` tells where a user was read (file, line), ``None`` when something
    is merged into it at the end. A run of fewer than :data:`_SHORT` users goes through
    ``runs`` as text."""
    aheads = [_Ahead(sids, users, ks) for sids, ks, _, _ in sets]
    at = [0] * len(sets)
    # (the id each set but the held one hands next → the set: one lookup per user of
    # the row path; the held set's next id is ``expect``, one comparison per row)
    nxt = {sids[ks[0]]: i for i, (sids, ks, _, _) in enumerate(sets) if ks}
    run: list[int] = []
    riders: list[_Rider] = []
    held = 0  # the set of the run
    expect: str | None = None  # the id of the held set's next row
    file = ""  # the file the run's rows were read from
    odd = 0  # users of the row path in a row since the run's last row

    def flush(full: bool = False) -> None:
        hand_run(b, sets[held], aheads[held], run, riders, runs, full)
        run.clear()
        riders.clear()

    def ride(uid: str) -> _Rider | Any:
        """``uid`` as a rider of the run, else its value when taken (or ``None``)."""
        place = plain_at(uid)
        if place is None or place[0] != file:
            return None
        value = users.pop_text(uid)
        text = value if isinstance(value, bytes) else _text_reading_back(value)
        if text is None:
            return value
        return _Rider(len(run) + len(riders), uid, text, place[1])

    sids, ks, _, where = sets[held] if sets else ([], [], None, None)
    for uid in order:
        if uid != expect:
            i = nxt.pop(uid, None)
            if i is None:
                if run:
                    odd += 1
                    got = ride(uid) if RIDE and odd <= _RIDERS else None
                    if type(got) is _Rider:
                        riders.append(got)
                        continue
                    flush()
                    yield uid, got
                    continue
                yield uid, None
                continue
            if i != held:
                if run:
                    flush()
                if expect is not None:  # (the set left: found by its next id again)
                    nxt[expect] = held
                held = i
                sids, ks, _, where = sets[i]
        if not run:
            file = where(ks[at[held]])[0]  # type: ignore[misc]
        odd = 0
        k = at[held]
        run.append(ks[k])
        at[held] = k + 1
        expect = sids[ks[k + 1]] if k + 1 < len(ks) else None
        if len(run) >= _RUN - len(riders):
            flush(True)
    if run:
        flush()


def hand_run(b: Any, handed: Handed, ahead: _Ahead, run: list[int], riders: list[_Rider],
             runs: TextRuns, full: bool) -> None:
    """Hand a run: rows ``run`` of set ``handed`` with ``riders`` among them. A rider no
    shape holds (its text not plain, a contact naming students) goes as text between the
    parts before and after it."""
    seq: list[Any] = list(run)
    for r in riders:
        seq.insert(r.at, r)
    if riders and (full or len(seq) >= _SHORT):  # (else all go as text: no shape needed)
        structs = [b.struct_of("users", r.text) for r in riders]
        fit = [s is not None and s.id == r.uid for s, r in zip(structs, riders)]
        # (a contact naming students: no shape of constants holds it, of_many says None)
        shapes = iter(UserShape.of_many([s for s, ok in zip(structs, fit) if ok], {}, None))
        for r, ok in zip(riders, fit):
            r.shape = next(shapes) if ok else None
    else:
        riders = []
    file = handed[3](run[0])[0]  # (the riders' file too)
    lo = 0
    for r in riders:
        if r.shape is None:
            _hand_part(b, handed, ahead, seq[lo:r.at], runs, file, False)
            runs.add(r.text, None, file=file, line=r.line)
            lo = r.at + 1
    _hand_part(b, handed, ahead, seq[lo:], runs, file, full)


def _hand_part(b: Any, handed: Handed, ahead: _Ahead, part: list[Any], runs: TextRuns,
               file: str, full: bool) -> None:
    """Hand rows and riders ``part`` (in order; the riders read from ``file``): by their
    shapes, or, when fewer than :data:`_SHORT` and not a full run, as texts through
    ``runs``."""
    _, _, hand, where = handed
    rows = [x for x in part if type(x) is int]
    texts = ahead.take(rows) if rows else None
    if rows and (full or len(part) >= _SHORT):
        runs.flush()
        mine = [(k, x) for k, x in enumerate(part) if type(x) is not int]
        hand(_Riding(b, mine) if mine else b, rows, texts)
        return
    row_texts = iter(line_texts(texts) if rows else [])
    for x in part:
        if type(x) is int:
            row_file, line = where(x)
            runs.add(next(row_texts), None, file=row_file, line=line)
        else:
            runs.add(x.text, None, file=file, line=x.line)


def _merged(items: list[Any], at: list[int], extra: list[Any]) -> list[Any]:
    """``items`` with ``extra[j]`` put at ``at[j]`` of the result (``at`` ascending).

    >>> _merged(["a", "b", "c"], [0, 2], ["X", "Y"])
    ['X', 'a', 'Y', 'b', 'c']
    """
    out: list[Any] = []
    lo = 0
    for p, x in zip(at, extra):
        take = p - len(out)
        out += items[lo:lo + take]
        lo += take
        out.append(x)
    out += items[lo:]
    return out


class _Riding:
    """The builder, as a set's ``hand`` sees it, with riders put in their places in the
    run it hands (``riders``: each one's place in the run and itself)."""

    __slots__ = ("b", "riders")

    def __init__(self, b: Any, riders: list[tuple[int, _Rider]]) -> None:
        self.b, self.riders = b, riders

    def add_shaped(self, texts: Any, ids: list[str], lines: list[int],
                   shapes: list[UserShape], codes: np.ndarray, strings: list[list[str]],
                   students: list[list[str]] | tuple[np.ndarray, Any], *,
                   file: str | None = None, no_at: dict[int, np.ndarray] | None = None,
                   agents: tuple[list[Any], list[Any]] | None = None) -> None:
        import pyarrow as pa

        at = [k for k, _ in self.riders]
        rs = [r for _, r in self.riders]
        n = len(ids)

        def put(items: list[Any], fill: Any) -> list[Any]:
            return _merged(items, at, [fill] * len(rs))

        theirs = arrow_texts([r.text + b"\n" for r in rs])
        if theirs.type != texts.type:
            theirs = theirs.cast(texts.type)
        order = _merged(list(range(n)), at, list(range(n, n + len(rs))))
        texts = pa.concat_arrays([texts, theirs]).take(arrow_ints(np.array(order, np.int64)))
        codes = np.array(_merged(np.asarray(codes).tolist(), at,
                                 list(range(len(shapes), len(shapes) + len(rs)))), np.int64)
        strings = [put(list(col), "") if len(col) == n else col for col in strings]
        if isinstance(students, tuple):  # (how many each names: a rider none)
            students = (np.array(put(np.asarray(students[0]).tolist(), 0), np.int64),
                        students[1])
        elif students:
            students = put(students, [])
        if no_at is not None:  # (a rider's own strings are empty: not without @)
            no_at = {k: np.array(put(v.tolist(), False), dtype=bool) for k, v in no_at.items()}
        self.b.add_shaped(texts, _merged(ids, at, [r.uid for r in rs]),
                          _merged(lines, at, [r.line for r in rs]),
                          [*shapes, *(r.shape for r in rs)], codes, strings, students,
                          file=file, no_at=no_at, agents=agents)


class _Ahead:
    """The texts of the rows handed at the end (``ks`` of ``sids``, in the order they are
    handed), taken from the reader's users a chunk at a time rather than a run at a
    time: a run is often a few dozen rows (the row path's rows part them), and taking
    each run's texts cost a fifth of a millisecond."""

    __slots__ = ("at", "hi", "ks", "sids", "texts", "users")

    def __init__(self, sids: list[str], users: ParkedDicts, ks: list[int]) -> None:
        self.sids, self.users, self.ks = sids, users, ks
        self.texts: Any = None  # the texts of ks[at:hi], each ending in a newline
        self.at = self.hi = 0

    def take(self, run: list[int]) -> Any:
        """The texts of the rows of ``run``, the next ones of ``ks``."""
        import pyarrow as pa

        parts = []
        done = 0
        while done < len(run):
            got = self._take(run[done:])
            parts.append(got)
            done += len(got)
        return parts[0] if len(parts) == 1 else pa.concat_arrays(parts)

    def _take(self, run: list[int]) -> Any:
        """The texts of the rows of ``run`` (of its first rows where a chunk ends; at
        least one)."""
        import pyarrow.compute as pc

        if self.at == self.hi:
            lo, self.hi = self.hi, min(len(self.ks), self.hi + _RUN)
            sids = self.sids
            blob, sizes = self.users.pop_texts([sids[k] for k in self.ks[lo:self.hi]])
            self.texts = pc.binary_join_element_wise(
                arrow_joined(blob, sizes), text_scalar("\n"), text_scalar(""))
            self.at = lo
        n = min(len(run), self.hi - self.at)
        assert n > 0, "rows handed past the last"
        if run[:n] != self.ks[self.at:self.at + n]:
            raise AssertionError("rows handed out of order")
        got = self.texts.slice(self.at - (self.hi - len(self.texts)), n)
        self.at += n
        return got
