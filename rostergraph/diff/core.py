"""``diff(old, new)``: what changed between two rosters, and applying it back.

Examples
--------
>>> import rostergraph
>>> r = rostergraph.sample()
>>> d = diff(r, r)
>>> d.is_empty(), len(d.summary())
(True, 6)
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs
import numpy as np

from .._collector import collector_paused
from ..errors import UnknownIdError
from ..lazy import LazyRecords
from ..model import KINDS, RECORD_CLASSES
from ..roster import Provenance, Roster
from ..table import Table
from .fields import (
    ABSENT,
    TIMESTAMP_FIELDS,
    FieldChange,
    apply_changes,
    field_changes,
    is_sensitive,
    split_ignored,
)
from .reid import EMPLOYEE_ROLES, AmbiguousMatch, Merge, match_records, match_users, roles_of

__all__ = ["CHANGE_TYPES", "RecordChange", "RosterDiff", "diff"]

#: The kinds of record change, in report order.
CHANGE_TYPES: tuple[str, ...] = ("added", "removed", "changed", "reidentified")
_ORDER = {c: i for i, c in enumerate(CHANGE_TYPES)}
_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}


@attrs.frozen(slots=True)
class RecordChange:
    """One record added, removed, changed or re-identified.

    ``fields`` are the field changes old → new (for ``changed`` and
    ``reidentified``); ``ignored`` the changes left out by ``ignore=`` (kept
    so that :meth:`RosterDiff.apply` stays exact). ``record`` is the new
    record of an ``added`` change. ``key`` names the natural key that
    matched a ``reidentified`` record.
    """

    kind: str
    change: str
    old_id: str | None
    new_id: str | None
    fields: tuple[FieldChange, ...] = ()
    ignored: tuple[FieldChange, ...] = ()
    key: str | None = None
    record: Any = attrs.field(default=None, repr=False)

    @property
    def id(self) -> str:
        """The new id, or the old one for a removed record."""
        return self.new_id if self.new_id is not None else self.old_id  # type: ignore[return-value]

    def sort_key(self) -> tuple[Any, ...]:
        """Kind (roster order), change type, id."""
        return (_KIND_ORDER.get(self.kind, 99), _ORDER[self.change], self.old_id or "",
                self.new_id or "")


class RosterDiff:
    """The differences between an old and a new roster.

    Build it with :func:`diff`. Changes are kept per record
    (:attr:`changes`), with re-identified records, employee merges and
    splits (:attr:`merges`) and ambiguous key matches (:attr:`ambiguous`)
    reported apart from plain adds and removes. Impact on who can reach
    whom, sync holds and rule findings are computed on demand.

    Examples
    --------
    >>> import rostergraph
    >>> r = rostergraph.sample()
    >>> d = rostergraph.diff(r, r)
    >>> bool(d), d.reach_changes().columns
    (False, ['teacher', 'student', 'change', 'sections', 'causes'])
    """

    def __init__(self, old: Roster, new: Roster, changes: list[RecordChange],
                 merges: list[Merge], ambiguous: list[AmbiguousMatch],
                 ignore: tuple[str, ...]) -> None:
        self.old = old
        self.new = new
        #: every record change, sorted by kind, change type, id
        self.changes: list[RecordChange] = sorted(changes, key=RecordChange.sort_key)
        #: employee merges and splits, course merges
        self.merges: list[Merge] = merges
        #: removed/added records sharing a natural key without a unique match
        self.ambiguous: list[AmbiguousMatch] = ambiguous
        #: field names left out of ``changed`` (see :func:`diff`)
        self.ignore = ignore
        self._cache: dict[str, Any] = {}

    # -- the record changes ----------------------------------------------------------
    def __bool__(self) -> bool:
        return not self.is_empty()

    def is_empty(self) -> bool:
        """``True`` when nothing (outside ignored fields) changed."""
        return not (self.merges or any(c.change != "changed" or c.fields for c in self.changes))

    def records(self, kind: str | None = None, change: str | None = None) -> list[RecordChange]:
        """Record changes, optionally of one kind (``"users"``) and change type.

        Records whose only changes are in ignored fields are left out.

        Examples
        --------
        >>> import rostergraph
        >>> r = rostergraph.sample()
        >>> rostergraph.diff(r, r).records("users", "added")
        []
        """
        if kind is not None and kind not in RECORD_CLASSES:
            kind = kind + "s"
        return [c for c in self.changes
                if (kind is None or c.kind == kind) and (change is None or c.change == change)
                and (c.change != "changed" or c.fields)]

    def ids(self, kind: str, change: str) -> list[str]:
        """Ids of one kind and change type (new ids, old ids for ``removed``)."""
        return [c.id for c in self.records(kind, change)]

    def id_map(self, kind: str) -> dict[str, str]:
        """old id → new id of the re-identified records of ``kind`` (merges included).

        A merged-away id maps to the merged user; a split user maps to the
        new user holding its teacher role (else the first new id).
        """
        kind = kind if kind in RECORD_CLASSES else kind + "s"
        key = "idmap:" + kind
        if key not in self._cache:
            m = {c.old_id: c.new_id for c in self.changes
                 if c.kind == kind and c.change == "reidentified"}
            for mg in self.merges:
                if mg.kind != kind:
                    continue
                if mg.change == "merged":
                    for o in mg.old_ids:
                        if o != mg.new_ids[0]:
                            m[o] = mg.new_ids[0]
                else:
                    (o,) = mg.old_ids
                    if o not in mg.new_ids:
                        m[o] = _teacher_first(mg.new_ids, self.new.users)
            self._cache[key] = m
        return self._cache[key]

    def summary(self) -> Table:
        """Counts per kind: records before and after, and each kind of change.

        Returns
        -------
        Table
            ``kind, old, new, added, removed, changed, reidentified, merged,
            split, ambiguous``.

        Examples
        --------
        >>> import rostergraph
        >>> r = rostergraph.sample()
        >>> rostergraph.diff(r, r).summary().to_list("kind")[:2]
        ['districts', 'schools']
        """
        rows: dict[str, list[Any]] = {c: [] for c in (
            "kind", "old", "new", "added", "removed", "changed", "reidentified", "merged",
            "split", "ambiguous")}
        for kind in KINDS:
            rows["kind"].append(kind)
            rows["old"].append(len(self.old.records(kind)))
            rows["new"].append(len(self.new.records(kind)))
            for ch in CHANGE_TYPES:
                rows[ch].append(len(self.records(kind, ch)))
            for ch in ("merged", "split"):
                rows[ch].append(sum(1 for m in self.merges if m.kind == kind and m.change == ch))
            rows["ambiguous"].append(sum(1 for a in self.ambiguous if a.kind == kind))
        return Table(rows, name="diff summary")

    def table(self) -> Table:
        """Every change as one row: ``kind, change, old_id, new_id, key, fields``.

        Merges and splits are rows too (``old_id``/``new_id`` joined by
        ``;``); ``fields`` is the comma-separated list of changed fields.

        Examples
        --------
        >>> import rostergraph
        >>> r = rostergraph.sample()
        >>> rostergraph.diff(r, r).table().columns
        ['kind', 'change', 'old_id', 'new_id', 'key', 'fields']
        """
        cols: dict[str, list[Any]] = {c: [] for c in ("kind", "change", "old_id", "new_id",
                                                      "key", "fields")}
        for c in self.records():
            for name, v in (("kind", c.kind), ("change", c.change), ("old_id", c.old_id),
                            ("new_id", c.new_id), ("key", c.key),
                            ("fields", ",".join(f.field for f in c.fields))):
                cols[name].append(v)
        for m in self.merges:
            for name, v in (("kind", m.kind), ("change", m.change),
                            ("old_id", ";".join(m.old_ids)), ("new_id", ";".join(m.new_ids)),
                            ("key", m.key), ("fields", "")):
                cols[name].append(v)
        return Table(cols, name="changes")

    def field_changes(self, *, redact: bool = True) -> Table:
        """Every field change: ``kind, id, field, old, new`` (absent values are ``None``).

        With ``redact=True`` (the default) values of personal user fields
        (names, emails, dates of birth, demographics, contact details) are
        replaced by ``"<redacted>"``; ids, schools and grades are shown.

        Examples
        --------
        >>> import rostergraph
        >>> r = rostergraph.sample()
        >>> len(rostergraph.diff(r, r).field_changes())
        0
        """
        cols: dict[str, list[Any]] = {c: [] for c in ("kind", "id", "field", "old", "new")}
        for c in self.records():
            for f in c.fields:
                hide = redact and is_sensitive(c.kind, f.path, f.old, f.new)
                cols["kind"].append(c.kind)
                cols["id"].append(c.id)
                cols["field"].append(f.field)
                cols["old"].append(_shown(f.old, hide))
                cols["new"].append(_shown(f.new, hide))
        return Table(cols, name="field changes")

    # -- impact, holds, findings (computed on demand) -------------------------------
    def graphs(self) -> tuple[Any, Any]:
        """The two rosters' :class:`~rostergraph.RosterGraph`, built once."""
        if "graphs" not in self._cache:
            from ..graph import RosterGraph

            with paused_gc():
                self._cache["graphs"] = (RosterGraph.from_roster(self.old),
                                         RosterGraph.from_roster(self.new))
        return self._cache["graphs"]

    def reach_changes(self, *, follow_reid: bool = True) -> Table:
        """Teacher–student pairs gained and lost, with the sections that caused them.

        See :func:`rostergraph.diff.impact.reach_changes`.

        Examples
        --------
        >>> import rostergraph
        >>> r = rostergraph.sample()
        >>> len(rostergraph.diff(r, r).reach_changes())
        0
        """
        from .impact import reach_changes

        key = f"reach:{follow_reid}"
        if key not in self._cache:
            with paused_gc():
                self._cache[key] = reach_changes(self, follow_reid=follow_reid)
        return self._cache[key]

    def primary_school_changes(self) -> Table:
        """Students whose primary school changed: ``student, old_school, new_school``.

        Examples
        --------
        >>> import rostergraph
        >>> r = rostergraph.sample()
        >>> rostergraph.diff(r, r).primary_school_changes().columns
        ['student', 'old_id', 'old_school', 'new_school']
        """
        from .impact import primary_school_changes

        with paused_gc():
            return primary_school_changes(self)

    def orphan_changes(self) -> Table:
        """(user, role) pairs that became or stopped being orphaned.

        Examples
        --------
        >>> import rostergraph
        >>> r = rostergraph.sample()
        >>> rostergraph.diff(r, r).orphan_changes().columns
        ['user', 'role', 'change', 'reason']
        """
        from .impact import orphan_changes

        with paused_gc():
            return orphan_changes(self)

    def hold_reasons(self, thresholds: Any = None) -> list[Any]:
        """Why a sync of this change should be held (empty: no hold).

        See :func:`rostergraph.diff.holds.hold_reasons` for the measures and
        the default thresholds.

        Examples
        --------
        >>> import rostergraph
        >>> r = rostergraph.sample()
        >>> rostergraph.diff(r, r).hold_reasons()
        []
        """
        from .holds import hold_reasons

        with paused_gc():
            return hold_reasons(self, thresholds)

    def findings(self) -> list[Any]:
        """Findings of the diff rules RG-ID-001..003 (re-created terms, courses, users).

        Examples
        --------
        >>> import rostergraph
        >>> r = rostergraph.sample()
        >>> rostergraph.diff(r, r).findings()
        []
        """
        from .findings import diff_findings

        with paused_gc():
            return diff_findings(self)

    def render(self, format: str = "text", **options: Any) -> str:
        """The diff as ``"text"``, ``"markdown"`` or ``"json"`` (see :mod:`.render`).

        Examples
        --------
        >>> import rostergraph
        >>> r = rostergraph.sample()
        >>> print(rostergraph.diff(r, r).render().splitlines()[0])
        rostergraph diff: no changes
        """
        from .render import render_diff

        with paused_gc():
            return render_diff(self, format, **options)

    # -- applying ----------------------------------------------------------------------
    def apply(self, roster: Roster | None = None) -> Roster:
        """Apply this diff's changes to ``roster`` (by default the old roster).

        Applying the diff of A → B to A gives a roster with the same records
        as B (per kind, equal records under equal ids; dict order may
        differ). Changes of ignored fields are applied too.

        Raises
        ------
        UnknownIdError
            When ``roster`` lacks a record the diff changes or re-identifies.

        Examples
        --------
        >>> import rostergraph
        >>> r = rostergraph.sample()
        >>> dict(rostergraph.diff(r, r).apply().users) == dict(r.users)
        True
        """
        base = self.old if roster is None else roster
        kinds: dict[str, dict[str, Any]] = {k: dict(base.records(k)) for k in KINDS}
        for c in self.changes:
            recs = kinds[c.kind]
            if c.change in ("changed", "reidentified") and c.old_id not in recs:
                raise UnknownIdError(c.old_id or "", (c.kind,), f"cannot apply the diff: "
                                     f"{c.kind} {c.old_id!r} ({c.change}) is not in the roster")
            if c.change == "removed":
                recs.pop(c.old_id, None)  # type: ignore[arg-type]
            elif c.change == "added":
                recs[c.new_id] = c.record  # type: ignore[index]
            elif c.change == "changed":
                recs[c.new_id] = apply_changes(recs[c.old_id], c.fields + c.ignored)  # type: ignore[index]
            else:
                old = recs.pop(c.old_id)  # type: ignore[arg-type]
                recs[c.new_id] = apply_changes(old, c.fields + c.ignored,  # type: ignore[index]
                                               new_id=c.new_id)
        for m in self.merges:
            recs = kinds[m.kind]
            for o in m.old_ids:
                if o not in m.new_ids:
                    recs.pop(o, None)
            for n in m.new_ids:
                if n not in m.old_ids:
                    recs[n] = self.new.records(m.kind)[n]
        prov = Provenance(source=f"{base.provenance.source} + diff", format="diff",
                          notes=(f"diff to {self.new.provenance.source} applied",))
        return Roster(**kinds, problems=list(base.problems), provenance=prov)

    def __repr__(self) -> str:
        s = self.summary()
        parts = []
        for ch in CHANGE_TYPES + ("merged", "split", "ambiguous"):
            n = int(s[ch].sum())
            if n:
                parts.append(f"{ch}={n}")
        return f"<RosterDiff {', '.join(parts) or 'no changes'}>"


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while allocating many small acyclic objects.

    With two large rosters in memory every automatic collection rescans
    millions of records; a diff of two M districts ran 2-10x slower with it. What was
    made meanwhile is moved to the oldest generation, so the first collection after it
    does not walk it all either.
    """
    with collector_paused(settle=True):
        yield


def _shown(value: Any, hide: bool) -> Any:
    if value is ABSENT:
        return None
    return "<redacted>" if hide else value


def _teacher_first(ids: Iterable[str], users: Mapping[str, Any]) -> str:
    ids = list(ids)
    for i in ids:
        u = users.get(i)
        if u is not None and u.roles.teacher is not None:
            return i
    return ids[0]


def diff(old: Roster, new: Roster, *, ignore: Iterable[str] = (),
         ignore_timestamps: bool = False, detect_reid: bool = True) -> RosterDiff:
    """Compare two rosters: records added, removed, changed and re-identified.

    Parameters
    ----------
    old, new:
        The earlier and the later roster (e.g. two syncs of one district).
    ignore:
        Field names (a leaf such as ``"last_modified"`` or a dotted path
        such as ``"roles.student.grade"``) whose changes alone do not make
        a record ``changed``. They are still kept (``RecordChange.ignored``)
        so :meth:`RosterDiff.apply` reproduces ``new`` exactly.
    ignore_timestamps:
        Shorthand adding ``last_modified`` and ``created`` to ``ignore``.
    detect_reid:
        Match removed and added records by natural key (see
        :mod:`rostergraph.diff.reid`); ``False`` reports plain adds and
        removes.

    Returns
    -------
    RosterDiff

    Notes
    -----
    A removed and an added record that match on a natural key (term:
    name+dates; course: number, else name; user: sis_id+role, else
    email+name) are reported as one re-identified record, not a delete plus
    a create (``docs/diff.md``). Sections match on sis_id+school. Records are compared by id
    (exactly); field changes come from :func:`rostergraph.model.record_to_dict`.

    Examples
    --------
    >>> import rostergraph
    >>> from rostergraph.model import Term
    >>> r = rostergraph.sample()
    >>> t = next(iter(r.terms.values()))
    >>> moved = r.replace(terms={**{k: v for k, v in r.terms.items() if k != t.id},
    ...                          "new-term-id": Term(id="new-term-id", name=t.name,
    ...                                              start_date=t.start_date, end_date=t.end_date,
    ...                                              district=t.district)})
    >>> d = rostergraph.diff(r, moved)
    >>> [(c.change, c.old_id == t.id, c.new_id, c.key) for c in d.records("terms")]
    [('reidentified', True, 'new-term-id', 'name+dates')]
    """
    if not (isinstance(old, Roster) and isinstance(new, Roster)):
        raise TypeError(f"diff() takes two Rosters, not {type(old).__name__} and "
                        f"{type(new).__name__}: rostergraph.load(path) reads one")
    ig = tuple(dict.fromkeys(tuple(ignore) + (TIMESTAMP_FIELDS if ignore_timestamps else ())))
    with paused_gc():
        return _diff(old, new, ig, detect_reid)


def _lazy_sides(o: LazyRecords, n: LazyRecords) -> tuple[
        dict[str, Any], dict[str, Any], Iterator[tuple[str, Any, Any]]]:
    """Removed and added records, and the (id, old, new) pairs of ids in both, of two kinds
    whose records are built on first access. A record whose source text is byte for byte
    the same in both is the same record, so it is left out of the pairs unbuilt: two syncs
    of a district mostly repeat themselves, and building every record of both would cost
    far more time and memory than reading the texts."""
    old_ids, new_ids = list(o), list(n)
    at_new = n.rows(old_ids)
    gone = at_new < 0
    # (records by row: each side's rows are known, no id is looked up again)
    removed = {old_ids[r]: o.at(r) for r in np.flatnonzero(gone).tolist()}
    added = {new_ids[r]: n.at(r) for r in np.flatnonzero(o.rows(new_ids) < 0).tolist()}
    in_both = np.flatnonzero(~gone)
    same = o.same_texts(in_both, n, at_new[in_both])
    pairs = ((old_ids[r], o.at(r), n.at(int(at_new[r])))
             for r in itertools.compress(in_both.tolist(), [not x for x in same]))
    return removed, added, pairs


def _diff(old: Roster, new: Roster, ig: tuple[str, ...], detect_reid: bool) -> RosterDiff:
    changes: list[RecordChange] = []
    merges: list[Merge] = []
    ambiguous: list[AmbiguousMatch] = []
    for kind in KINDS:
        o, n = old.records(kind), new.records(kind)
        if isinstance(o, LazyRecords) and isinstance(n, LazyRecords):
            removed, added, both = _lazy_sides(o, n)
        else:
            removed = {i: r for i, r in o.items() if i not in n}
            added = {i: r for i, r in n.items() if i not in o}
            both = ((i, rec, n.get(i)) for i, rec in o.items())
        kept_old: dict[str, Any] = {}
        kept_new: dict[str, Any] = {}
        for i, rec, other in both:
            if other is None or other == rec:
                continue
            kept, quiet = split_ignored(field_changes(rec, other), ig, kind)
            if kept or quiet:
                changes.append(RecordChange(kind, "changed", i, i, kept, quiet))
            if kind == "users" and (roles_of(rec) & EMPLOYEE_ROLES) != \
                    (roles_of(other) & EMPLOYEE_ROLES):
                kept_old[i], kept_new[i] = rec, other
        if detect_reid and kind == "users":
            m = match_users(removed, added, kept_old, kept_new)
        elif detect_reid:
            m = match_records(kind, removed, added)
        else:
            m = None
        if m is not None:
            for oid, nid, key in m.pairs:
                kept, quiet = split_ignored(field_changes(removed[oid], added[nid]), ig,
                                            kind)
                changes.append(RecordChange(kind, "reidentified", oid, nid, kept, quiet, key))
                del removed[oid], added[nid]
            for mg in m.merges:
                merges.append(mg)
                for i in mg.old_ids:
                    removed.pop(i, None)
                for i in mg.new_ids:
                    added.pop(i, None)
            ambiguous.extend(m.ambiguous)
        changes += [RecordChange(kind, "removed", i, None) for i in removed]
        changes += [RecordChange(kind, "added", None, i, record=r) for i, r in added.items()]
    return RosterDiff(old, new, changes, merges, ambiguous, ig)

