"""Roster: typed records by kind, what the reader could not take, and provenance.

A Roster is what every reader returns and what the graph is built from.
Records are keyed by their id (compared exactly, never by email or sis_id).
Nothing is dropped silently: every record or field the reader could not take
as is appears in ``roster.problems`` with file, line or record index, record
id and the raw text.

Examples
--------
>>> import rostergraph
>>> roster = rostergraph.sample()
>>> sorted(roster.counts())
['courses', 'districts', 'schools', 'sections', 'terms', 'users']
>>> sec = next(iter(roster.sections.values()))
>>> sec.id in roster.sections
True
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

import attrs

from .columns import ReaderColumns
from .errors import FormatError
from .fastrec import build_record
from .lazy import LazyRecords
from .model import KINDS, RECORD_CLASSES, ROLE_NAMES, User

__all__ = ["FileInfo", "Problem", "Provenance", "Roster", "RosterBuilder"]

#: Problem codes; each becomes a finding of rule family ``RG-LOAD``.
PROBLEM_CODES: dict[str, str] = {
    "syntax": "text that is not valid JSON/CSV (the record is lost; raw text kept)",
    "not_object": "an item that is not a JSON object",
    "no_id": "a record without a string id",
    "bad_field": "a known field with a value of the wrong type (kept in extra)",
    "duplicate_id": "a second record with an id already seen (the first is kept)",
    "envelope": "a file whose top level is not a Clever envelope, array or JSON Lines",
    "encoding": "bytes that are not valid UTF-8",
    "limit": "a value over a configured size or depth limit",
    "repeated_id": "an id listed twice in one list (e.g. a section's teachers): kept once",
    "missing_file": "a file the source declares (a OneRoster manifest's bulk file) is absent",
    "other": "anything else a reader could not take as is",
}


@attrs.frozen(slots=True)
class Problem:
    """Something a reader could not take as is.

    ``line`` is 1-based (JSON Lines, CSV); ``index`` is the 0-based position
    of the record in a JSON array when there are no lines. ``raw`` is the
    source text of an unreadable record, truncated to 2,000 characters.
    """

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    index: int | None = None
    kind: str | None = None
    record_id: str | None = None
    field: str | None = None
    raw: str | None = None

    def location(self) -> str:
        """``file:line`` or ``file[#index]``, for messages."""
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        elif self.index is not None:
            where += f"[#{self.index}]"
        return where

    def to_error(self) -> FormatError:
        """The same problem as a :class:`FormatError` (used by ``strict=True``); a problem
        placed by its item's position in a JSON array (no line) names it in the message.

        Examples
        --------
        >>> str(Problem("no_id", "record without an id", file="users.json", index=2).to_error())
        'users.json: record without an id (item 2 of the array, counted from 0)'
        """
        message = self.message
        if self.line is None and self.index is not None:
            message += f" (item {self.index} of the array, counted from 0)"
        return FormatError(message, path=self.file, line=self.line, field=self.field,
                           record_id=self.record_id)


@attrs.frozen(slots=True)
class FileInfo:
    """One source file: path relative to the source, size in bytes, SHA-256."""

    path: str
    size: int
    sha256: str
    kind: str | None = None


@attrs.frozen(slots=True)
class Provenance:
    """Where a roster came from and when it was read.

    ``source`` is the path as it was given; ``resolved`` the same path made absolute
    when it was read (``None`` for a roster made in memory): writers find the
    district's own folder by it even after the working folder changed (a notebook's
    ``%cd``), and never remove the files there.
    """

    source: str
    format: str
    version: str | None = None
    files: tuple[FileInfo, ...] = ()
    loaded_at: str = ""
    seconds: float = 0.0
    notes: tuple[str, ...] = ()
    resolved: str | None = attrs.field(default=None, eq=False, repr=False)


#: How the note a warm load adds to ``Provenance.notes`` begins
#: (``from cache <snapshot folder> (cold load took 1.234 s)``, by :mod:`rostergraph.cache`).
CACHE_NOTE_PREFIX = "from cache "


def is_cache_note(note: str) -> bool:
    """Whether a provenance note says the roster was read from a warm snapshot.

    It describes this run, not the data: reports leave it out, so that a warm
    and a cold load give the same bytes.

    Examples
    --------
    >>> is_cache_note("from cache /tmp/c/0a1b (cold load took 2.100 s)"), is_cache_note("delta files")
    (True, False)
    """
    return note.startswith(CACHE_NOTE_PREFIX)


_RAW_LIMIT = 2000


def raw_text(raw: bytes | str | Any) -> str:
    """Printable raw text of an unreadable record (bounded, never raises)."""
    if isinstance(raw, bytes):
        text = raw.decode("utf-8", errors="backslashreplace")
    elif isinstance(raw, str):
        text = raw
    else:
        text = repr(raw)
    return text if len(text) <= _RAW_LIMIT else text[:_RAW_LIMIT] + "…"


def sha256_of(data: bytes) -> str:
    """Hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


class Roster:
    """Records by kind, keyed by id, with problems and provenance.

    Parameters
    ----------
    districts, schools, terms, courses, sections, users:
        Records of each kind, as a mapping id → record or an iterable of
        records (ids taken from the records; duplicates are an error here:
        readers report them as problems instead).
    problems:
        What the reader could not take as is.
    provenance:
        Where the data came from.

    Examples
    --------
    >>> from rostergraph.model import School, Section
    >>> r = Roster(schools=[School(id="sc1", name="North")],
    ...            sections=[Section(id="s1", school="sc1")])
    >>> r.schools["sc1"].name, len(r.sections), r.problems
    ('North', 1, [])
    """

    __slots__ = ("_columns", "_kinds", "problems", "provenance")

    def __init__(
        self,
        *,
        districts: Mapping[str, Any] | Iterable[Any] = (),
        schools: Mapping[str, Any] | Iterable[Any] = (),
        terms: Mapping[str, Any] | Iterable[Any] = (),
        courses: Mapping[str, Any] | Iterable[Any] = (),
        sections: Mapping[str, Any] | Iterable[Any] = (),
        users: Mapping[str, Any] | Iterable[Any] = (),
        problems: Iterable[Problem] = (),
        provenance: Provenance | None = None,
    ) -> None:
        given: dict[str, Mapping[str, Any] | Iterable[Any]] = {
            "districts": districts, "schools": schools, "terms": terms, "courses": courses,
            "sections": sections, "users": users}
        kinds: dict[str, Mapping[str, Any]] = {}
        for kind in KINDS:
            value = given[kind]
            if isinstance(value, LazyRecords):
                kinds[kind] = value  # already read-only; records are built on access
                continue
            if isinstance(value, Mapping):
                d = dict(value)
            else:
                d = {}
                records: Iterable[Any] = value  # mypy does not narrow the Mapping out of the union
                for rec in records:
                    if rec.id in d:
                        raise ValueError(f"duplicate {kind} id {rec.id!r}")
                    d[rec.id] = rec
            kinds[kind] = MappingProxyType(d)
        self._kinds = kinds
        self.problems: list[Problem] = list(problems)
        self.provenance = provenance or Provenance(source="<memory>", format="records")
        #: columns a reader or snapshot extracted (graph, fields, a stored graph); used only
        #: while the mapping they describe is still this roster's
        self._columns = ReaderColumns()

    # read-only views, one per kind
    @property
    def districts(self) -> Mapping[str, Any]:
        """District records by id."""
        return self._kinds["districts"]

    @property
    def schools(self) -> Mapping[str, Any]:
        """School records by id."""
        return self._kinds["schools"]

    @property
    def terms(self) -> Mapping[str, Any]:
        """Term records by id."""
        return self._kinds["terms"]

    @property
    def courses(self) -> Mapping[str, Any]:
        """Course records by id."""
        return self._kinds["courses"]

    @property
    def sections(self) -> Mapping[str, Any]:
        """Section records by id."""
        return self._kinds["sections"]

    @property
    def users(self) -> Mapping[str, User]:
        """User records by id (every role)."""
        return self._kinds["users"]  # type: ignore[return-value]

    def records(self, kind: str) -> Mapping[str, Any]:
        """Records of one kind (``"sections"`` or ``"section"``)."""
        k = kind if kind in self._kinds else kind + "s"
        if k not in self._kinds:
            raise KeyError(f"unknown record kind {kind!r}; expected one of {', '.join(KINDS)}")
        return self._kinds[k]

    def records_by_kind(self) -> dict[str, Mapping[str, Any]]:
        """Every kind's records (kind → the mapping :meth:`records` gives), in
        :data:`~rostergraph.model.KINDS` order: what columns kept with the roster are
        checked against (a kind replaced since is a different mapping).

        Examples
        --------
        >>> import rostergraph
        >>> r = rostergraph.sample()
        >>> by_kind = r.records_by_kind()
        >>> list(by_kind)[:3], by_kind["users"] is r.users
        (['districts', 'schools', 'terms'], True)
        """
        return {k: self._kinds[k] for k in KINDS}

    def find(self, id: str) -> tuple[str, Any] | None:
        """``(kind, record)`` of the record with this id, searching every kind."""
        for kind in KINDS:
            rec = self._kinds[kind].get(id)
            if rec is not None:
                return kind, rec
        return None

    def counts(self) -> dict[str, int]:
        """Number of records per kind.

        Examples
        --------
        >>> import rostergraph
        >>> rostergraph.sample().counts()["schools"] >= 3
        True
        """
        return {k: len(v) for k, v in self._kinds.items()}

    def role_counts(self) -> dict[str, int]:
        """Number of users holding each role (a multi-role user counts once per role)."""
        out = dict.fromkeys(ROLE_NAMES, 0)
        for u in self.users.values():
            roles = u.roles
            for r in ROLE_NAMES:
                if getattr(roles, r) is not None:
                    out[r] += 1
        return out

    def replace(self, **changes: Any) -> Roster:
        """A new Roster with some kinds, problems or provenance replaced."""
        args: dict[str, Any] = dict(self._kinds)
        args["problems"] = self.problems
        args["provenance"] = self.provenance
        args.update(changes)
        new = Roster(**args)
        new._columns = self._columns.copy()  # checked by identity of each kind's mapping
        return new

    def __iter__(self) -> Iterator[Any]:
        for kind in KINDS:
            yield from self._kinds[kind].values()

    def _repr_html_(self) -> str:
        """A notebook's view: the source, records per kind and problems per code (counts
        only: no record's data, no message, which may quote one)."""
        from html import escape

        def table(rows: Iterable[tuple[str, int]]) -> str:
            return "<table>" + "".join(f"<tr><td>{escape(k)}</td><td>{n:,}</td></tr>"
                                       for k, n in rows) + "</table>"

        codes: dict[str, int] = {}
        for p in self.problems:
            codes[p.code] = codes.get(p.code, 0) + 1
        prov = self.provenance
        return (f"<div><b>Roster</b> from <code>{escape(prov.source)}</code> "
                f"({escape(prov.format)})"
                + table((k, len(v)) for k, v in self._kinds.items())
                + (f"<b>problems</b> ({len(self.problems):,})" + table(sorted(codes.items()))
                   if codes else "<p>no problems</p>") + "</div>")

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={len(v)}" for k, v in self._kinds.items())
        return (f"<Roster {counts}, problems={len(self.problems)}, "
                f"source={self.provenance.source!r} ({self.provenance.format})>")


#: Most problems a reader keeps by default (``Limits.max_problems``).
MAX_PROBLEMS = 100_000


#: An id a spreadsheet wrote as a number in scientific notation, quoted as messages quote ids.
_SCIENTIFIC = re.compile(r"'(\d(?:\.\d+)?E\+\d+)'")


def _scientific_hint(message: str) -> str:
    """What a problem's message adds when it names an id in scientific notation: a
    spreadsheet saves a long number so (``100301000001`` as ``1.00301E+11``), its last
    digits lost, so that ids that differed may have become one."""
    m = _SCIENTIFIC.search(message)
    return "" if m is None else (
        f" ({m.group(0)} is a number in scientific notation: a spreadsheet saves long "
        "numbers so, rounding away their last digits, and ids that differed may now be "
        "one; export the file again rather than save it from a spreadsheet)")


class RosterBuilder:
    """Collects records and problems while a reader runs (used by readers).

    ``add(kind, obj, ...)`` converts a decoded JSON object to a record, keeps
    a record whose fields are partly bad (noting each bad field), lists an
    item that cannot be a record at all (with its raw text), and turns a
    second record with a seen id into a ``duplicate_id`` problem.

    Examples
    --------
    >>> b = RosterBuilder(source="mem", format="test")
    >>> b.add("terms", {"id": "t1", "name": "Fall"}, file="terms.jsonl", line=1).name
    'Fall'
    >>> b.add("terms", {"id": "t1", "name": "Again"}, file="terms.jsonl", line=2) is None
    True
    >>> b.add("terms", ["not", "a", "record"], file="terms.jsonl", line=3) is None
    True
    >>> r = b.build()
    >>> r.terms["t1"].name, [p.code for p in r.problems]
    ('Fall', ['duplicate_id', 'not_object'])
    """

    def __init__(self, *, source: str, format: str, strict: bool = False,
                 max_problems: int = MAX_PROBLEMS,
                 raw_filter: Callable[[str], str] | None = None) -> None:
        self.source = source
        self.format = format
        self.strict = strict
        self.max_problems = max_problems
        #: what every problem's ``raw`` text goes through before it is kept or raised (a
        #: JSON reader's: :func:`~rostergraph.io.credentials.raw_without_credentials`)
        self.raw_filter = raw_filter
        #: problems counted past ``max_problems`` but not kept
        self.dropped_problems = 0
        self.kinds: dict[str, dict[str, Any]] = {k: {} for k in KINDS}
        #: ``(kind, id) → bool``: ids that records kept outside ``kinds`` hold already (a
        #: fast reader's rows on earlier lines): a record with one is a duplicate too
        self.held_elsewhere: Callable[[str, str], bool] | None = None
        self.problems: list[Problem] = []
        self.files: list[FileInfo] = []
        self.notes: list[str] = []
        self.version: str | None = None
        self._started = _dt.datetime.now(_dt.UTC)
        self._t0 = _perf()

    def problem(self, code: str, message: str, **where: Any) -> None:
        """Record a problem (or raise it at once in strict mode). A CSV reader's message
        naming an id in scientific notation (``'1.00301E+11'``) says what it is.

        Examples
        --------
        >>> b = RosterBuilder(source="m", format="oneroster")
        >>> b.problem("duplicate_id", "duplicate user id '1.2E+11'"); b.problems[0].message
        "duplicate user id '1.2E+11' ('1.2E+11' is a number in scientific notation: ..."
        """
        if not self.strict and len(self.problems) >= self.max_problems:
            self.dropped_problems += 1  # counted, not kept: memory stays bounded
            return
        if "E+" in message and self.format in ("oneroster", "clever-csv"):
            message += _scientific_hint(message)
        if self.raw_filter is not None and where.get("raw") is not None:
            where["raw"] = self.raw_filter(where["raw"])
        self._tell(Problem(code=code, message=message, **where))

    def _tell(self, p: Problem) -> None:
        if self.strict:
            raise p.to_error()
        if len(self.problems) >= self.max_problems:
            self.dropped_problems += 1
            return
        self.problems.append(p)

    @contextmanager
    def problems_in_line_order(self) -> Iterator[None]:
        """Hold the problems told within, then tell them in line order (problems of one
        line keep their order): for a file read in two passes (its ids first, so that a
        reference to a row later in the file is known). Held, they all count: at
        ``max_problems`` the first in line order are kept, and strict mode raises the
        first in line order.

        Examples
        --------
        >>> b = RosterBuilder(source="mem", format="test", max_problems=2)
        >>> with b.problems_in_line_order():
        ...     for m, n in (("a", 9), ("b", 3), ("c", 3)):
        ...         b.problem("other", m, line=n)
        >>> [p.message for p in b.problems], b.dropped_problems
        (['b', 'c'], 1)
        """
        strict, cap, kept = self.strict, self.max_problems, self.problems
        self.strict, self.max_problems, self.problems = False, sys.maxsize, []
        done = False
        try:
            yield
            done = True
        finally:
            held = sorted(self.problems, key=lambda p: p.line or 0)
            self.strict, self.max_problems, self.problems = strict and done, cap, kept
            try:
                for p in held:
                    self._tell(p)
            finally:
                self.strict = strict

    def add(self, kind: str, obj: Any, *, file: str | None = None, line: int | None = None,
            index: int | None = None, raw: bytes | str | None = None) -> Any:
        """Convert ``obj`` to a record of ``kind`` and keep it; return it or ``None``."""
        if len(self.problems) >= self.max_problems and not self.strict and not (
                isinstance(obj, Mapping) and isinstance(obj.get("id"), str) and obj["id"]):
            self.dropped_problems += 1  # past the cap: an item that cannot be a record
            return None                 # costs a count, not a record build
        cls = RECORD_CLASSES[kind]
        where = {"file": file, "line": line, "index": index, "kind": kind}
        if not isinstance(obj, Mapping):
            self.problem("not_object", f"expected a JSON object for a {cls.kind}, found "
                         f"{type(obj).__name__}", raw=raw_text(raw if raw is not None else obj),
                         **where)
            return None
        if obj.get("id") == "":  # names nothing (an empty CSV id cell is no id either)
            self.problem("no_id", f"{cls.kind} with an empty id", raw=raw_text(
                raw if raw is not None else _dumps(obj)), **where)
            return None
        try:
            rec, bad = build_record(cls, obj)
        except TypeError as exc:
            self.problem("no_id", f"{cls.kind} {exc}", raw=raw_text(
                raw if raw is not None else _dumps(obj)), **where)
            return None
        table = self.kinds[kind]
        if rec.id in table or (self.held_elsewhere is not None
                               and self.held_elsewhere(kind, rec.id)):
            self.problem("duplicate_id", f"duplicate {cls.kind} id {rec.id!r}: the first "
                         "record is kept", record_id=rec.id,
                         raw=raw_text(raw if raw is not None else _dumps(obj)), **where)
            return None
        for field, message, value in bad:
            self.problem("bad_field", message, record_id=rec.id, field=field,
                         raw=raw_text(_dumps(value)), **where)
        table[rec.id] = rec
        return rec

    def add_file(self, path: str, data: bytes, kind: str | None = None) -> None:
        """Note a source file's size and hash for provenance."""
        self.files.append(FileInfo(path=path, size=len(data), sha256=sha256_of(data), kind=kind))

    def build(self) -> Roster:
        """The Roster with everything collected so far."""
        notes = list(self.notes)
        problems = self.problems
        if self.dropped_problems:
            said = (f"{self.dropped_problems:,} more problems were found but not kept (at most "
                    f"{self.max_problems:,} are kept: Limits.max_problems; raise it with "
                    "rostergraph.load(path, limits=Limits(max_problems=...)))")
            notes.append(said)
            problems = [*problems, Problem(code="limit", message=said)]
        prov = Provenance(
            source=self.source, format=self.format, version=self.version,
            files=tuple(self.files), loaded_at=self._started.isoformat(timespec="seconds"),
            seconds=round(_perf() - self._t0, 6), notes=tuple(notes),
            resolved=resolved_source(self.source),
        )
        return Roster(**self.kinds, problems=problems, provenance=prov)


def resolved_source(source: str) -> str | None:
    """``source`` as an absolute path when it names a file or folder, else ``None``
    (a roster built in memory names none).

    Examples
    --------
    >>> import os
    >>> resolved_source(".") == os.getcwd(), resolved_source("<memory>")
    (True, None)
    """
    return os.path.abspath(source) if source and os.path.exists(source) else None


def source_path(provenance: Provenance) -> str:
    """The path a roster was read from, absolute when it was taken so (see
    :class:`Provenance`).

    Examples
    --------
    >>> source_path(Provenance(source="dump", format="t", resolved="/data/dump"))
    '/data/dump'
    >>> source_path(Provenance(source="<memory>", format="t"))
    '<memory>'
    """
    return provenance.resolved or provenance.source


def _perf() -> float:
    import time

    return time.perf_counter()


def _dumps(value: Any) -> str:
    import orjson

    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return repr(value)
