"""RosterGraph: the typed roster multigraph, stored as numpy CSR arrays.

Node kinds are ``district``, ``school``, ``term``, ``course``, ``section`` and
``user``; each kind has its own dense integer index (records first, then
stub nodes for referenced ids that have no record, flagged ``missing``).
Every relation below is a pair of CSR arrays (forward and reverse):

====================  ==========================  ===============================
relation              from → to                   attributes
====================  ==========================  ===============================
``in_district``       school → district
``taught_at``         section → school
``of_course``         section → course
``in_term``           section → term
``enrolled_in``       user(student) → section
``teaches``           user(teacher) → section     ``primary``
``attends``           user(student) → school      ``primary``
``works_at``          user(teacher/staff) → school ``primary``
``administers``       user(district_admin) → district
``contact_for``       user(contact) → user(student) ``relationship``, ``type``
====================  ==========================  ===============================

Invariant: **no edge links a student to a teacher**; every student–teacher
association is the path ``student ─enrolled_in▶ section ◀teaches─ teacher``.

Examples
--------
>>> import rostergraph
>>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
>>> sorted(g.relations)[:3]
['administers', 'attends', 'contact_for']
>>> sec = next(iter(g.roster.sections))
>>> set(g.neighbors(sec, "teaches", reverse=True)) == set(g.roster.sections[sec].teachers)
True
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from ._collector import settle_new_objects
from .columns import (
    NODE_KINDS,
    RECORDS_OF,
    RELATION_SPECS,
    RELATIONS,
    ROLE_BITS,
    CodedRefs,
    object_array,
    record_columns,
    without_empty_refs,
)
from .errors import FormatError, UnknownIdError, WrongKindError
from .lazy import LazyColumns, LazyRecords
from .model import ROLE_NAMES
from .roster import Roster
from .table import Table

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "NODE_KINDS",
    "RELATIONS",
    "ROLE_BITS",
    "Relation",
    "RosterGraph",
]


@attrs.frozen(slots=True, eq=False)
class Relation:
    """One relation as CSR arrays in both directions.

    ``src``/``dst`` are the edges sorted by source (forward order);
    ``indptr[i]:indptr[i+1]`` is the slice of source ``i``'s edges.
    ``rindptr``/``rsrc``/``redge`` are the reverse CSR: for target ``j``,
    ``rsrc[rindptr[j]:rindptr[j+1]]`` are its sources and ``redge`` the
    forward edge positions (to read attributes). ``attrs`` arrays follow the
    forward order.
    """

    name: str
    src_kind: str
    dst_kind: str
    src: np.ndarray
    dst: np.ndarray
    indptr: np.ndarray
    rindptr: np.ndarray
    rsrc: np.ndarray
    redge: np.ndarray
    attrs: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.src)

    def out(self, i: int) -> np.ndarray:
        """Targets of source ``i`` (forward neighbours)."""
        return self.dst[self.indptr[i]: self.indptr[i + 1]]

    def into(self, j: int) -> np.ndarray:
        """Sources of target ``j`` (reverse neighbours)."""
        return self.rsrc[self.rindptr[j]: self.rindptr[j + 1]]

    def out_degree(self) -> np.ndarray:
        """Number of edges leaving each source node."""
        return np.diff(self.indptr)

    def in_degree(self) -> np.ndarray:
        """Number of edges entering each target node."""
        return np.diff(self.rindptr)


def _stable_order(keys: np.ndarray) -> np.ndarray | None:
    """``np.argsort(keys, kind="stable")``, or ``None`` when already sorted (fast paths)."""
    n = len(keys)
    if n < 2 or bool(np.all(keys[1:] >= keys[:-1])):
        return None
    lo, hi = int(keys.min()), int(keys.max())
    if lo >= 0 and hi < (1 << 32):
        # numpy's stable sort of 16-bit keys is a radix sort: two passes (low then high
        # half) beat both a stable argsort of int32 and a sort of (key, position) pairs
        order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
        if hi >= (1 << 16):
            order = order[np.argsort((keys[order] >> 16).astype(np.uint16), kind="stable")]
        return order
    return np.argsort(keys, kind="stable")


def _csr(src: np.ndarray, dst: np.ndarray, n_src: int, n_dst: int,
         attrs_: dict[str, np.ndarray], name: str, kinds: tuple[str, str]) -> Relation:
    order = _stable_order(src)
    if order is not None:
        src, dst = src[order], dst[order]
        attrs_ = {k: v[order] for k, v in attrs_.items()}
    indptr = np.zeros(n_src + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n_src), out=indptr[1:])
    rorder = _stable_order(dst)
    if rorder is None:
        rorder = np.arange(len(dst), dtype=np.int64)
    rindptr = np.zeros(n_dst + 1, dtype=np.int64)
    np.cumsum(np.bincount(dst, minlength=n_dst), out=rindptr[1:])
    return Relation(name=name, src_kind=kinds[0], dst_kind=kinds[1], src=src, dst=dst,
                    indptr=indptr, rindptr=rindptr, rsrc=src[rorder],
                    redge=rorder.astype(np.int64), attrs=attrs_)


class _Index(dict):  # type: ignore[type-arg]
    """id → dense int; an unseen id becomes the next stub index on lookup."""

    def __missing__(self, key: str) -> int:
        i = len(self)
        self[key] = i
        return i


def _record_index(recs: Any) -> _Index:
    """id → record position for one kind (a LazyRecords' own dict is copied, not rebuilt;
    its insertion order may differ from record order)."""
    own = recs._index if isinstance(recs, LazyRecords) else None
    if own is not None and len(own) == len(recs):
        return _Index(own)
    return _Index(zip(recs.keys(), range(len(recs))))


def _id_array(recs: Any, stubs: Sequence[str]) -> np.ndarray:
    """Node ids by index: record ids in record order, then the stubs."""
    ids = recs._ids if isinstance(recs, LazyRecords) else list(recs.keys())
    arr = np.empty(len(ids) + len(stubs), dtype=object)
    arr[: len(ids)] = ids
    arr[len(ids):] = stubs
    return arr


def _stub_index(recs: Any, stubs: Sequence[str]) -> _Index:
    idx = _record_index(recs)
    for stub in stubs:
        idx[stub]  # appended in order by __missing__
    return idx


def _codes(index: _Index, refs: Sequence[str] | CodedRefs) -> np.ndarray:
    if isinstance(refs, CodedRefs):  # ids without a record get stub indices, in order
        codes = refs.codes.astype(np.int32)
        for i, ref in zip(np.flatnonzero(codes < 0).tolist(), refs.missing):
            codes[i] = index[ref]
        return codes
    # one C-level dict lookup per reference; stubs are added by __missing__
    return np.fromiter(map(index.__getitem__, refs), dtype=np.int32, count=len(refs))


class RosterGraph:
    """The roster as a typed multigraph with CSR adjacency per relation.

    Build it with :meth:`from_roster`. Node ids are the records' ids; each
    kind has a dense integer index (:meth:`index_of`, :meth:`ids`).

    Examples
    --------
    >>> import rostergraph
    >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    >>> g.counts()["section"] > 10
    True
    >>> g.kind_of(next(iter(g.roster.users)))
    'user'
    """

    def __init__(self, roster: Roster, ids: Mapping[str, np.ndarray], n_records: dict[str, int],
                 relations: dict[str, Relation], roles: np.ndarray,
                 index: Mapping[str, dict[str, int]],
                 stubs: dict[str, tuple[Any, dict[str, int]]] | None = None) -> None:
        self.roster = roster
        #: per kind, made on first use when rebuilt from arrays (a warm load)
        self._ids = ids
        self._n_records = n_records
        self._n_nodes = {k: n_records[k] + len(stubs[k][1]) for k in stubs} if stubs else \
            {k: len(v) for k, v in ids.items()}
        #: kinds whose ``_index`` is made on first use: their records and stub indices
        self._lazy = stubs or {}
        self.relations = relations
        #: role bitmask per user index (see :data:`ROLE_BITS`); 0 for stubs
        self.roles = roles
        self._index = index
        #: arrays derived by queries and rules, computed once (a graph never changes)
        self._derived: dict[str, Any] = {}

    # -- construction ---------------------------------------------------------
    @classmethod
    def from_roster(cls, roster: Roster) -> RosterGraph:
        """Build the graph of a roster.

        References to ids without a record become stub nodes (``missing``).

        Examples
        --------
        >>> import rostergraph
        >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
        >>> int(g.missing("course").sum()) >= 1   # the sample's missing course
        True
        """
        if not isinstance(roster, Roster):  # (a path: it failed on a private attribute)
            raise TypeError(f"from_roster() takes a Roster, not {type(roster).__name__}: "
                            "rostergraph.load(path) reads one")
        kept = roster._columns
        current = roster.records_by_kind()
        snap = kept.stored_graph(current)
        if snap is not None:
            return cls._from_snapshot(roster, snap)  # a warm reload (rostergraph.cache)
        cols: dict[str, dict[str, Any]] = {}
        for kind in ("schools", "sections", "users"):
            mapping = current[kind]
            got = kept.graph(kind, mapping, current)
            if got is not None and all(n in got for n, r in RELATION_SPECS.items()
                                       if r.held_by == kind):
                cols[kind] = got  # extracted by a fast reader: no record is built
            else:
                cols[kind] = record_columns(kind, enumerate(mapping.values()))
        return cls._from_columns(roster, cols)

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, list[Any]]]:
        """The graph as flat arrays plus string columns (edge attributes that are text,
        and the ids of stub nodes): what :meth:`from_arrays` rebuilds it from with no id
        lookup and no sort. The arrays are shared, not copied.

        Examples
        --------
        >>> import rostergraph
        >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
        >>> arrays, strings = g.to_arrays()
        >>> h = rostergraph.RosterGraph.from_arrays(g.roster, arrays, strings)
        >>> h.counts() == g.counts()
        True
        >>> all((h.relations[n].dst == r.dst).all() for n, r in g.relations.items())
        True
        """
        arrays: dict[str, np.ndarray] = {"roles": self.roles}
        strings: dict[str, list[Any]] = {}
        for name, rel in self.relations.items():
            for field in _REL_FIELDS:
                arrays[f"{name}.{field}"] = getattr(rel, field)
            for attr, val in rel.attrs.items():
                if val.dtype == bool:
                    arrays[f"{name}.attr.{attr}"] = val
                else:
                    strings[f"{name}.attr.{attr}"] = val.tolist()
        for kind in NODE_KINDS:
            strings[f"stubs.{kind}"] = self.ids(kind)[self.n_records(kind):].tolist()
        return arrays, strings

    @classmethod
    def from_arrays(cls, roster: Roster, arrays: dict[str, np.ndarray],
                    strings: dict[str, list[Any]]) -> RosterGraph:
        """Rebuild the graph of ``roster`` from :meth:`to_arrays`' parts.

        Every part is checked against the roster's record counts first (the parts
        may come from a snapshot on disk, which is untrusted).

        Raises
        ------
        FormatError
            When a part is missing, of the wrong type, or does not fit the node counts.
        """
        n_records = {k: len(roster.records(RECORDS_OF[k])) for k in NODE_KINDS}
        try:
            check_arrays(arrays, strings, n_records)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise FormatError(f"graph arrays do not fit the roster: {e}") from None
        return cls._from_snapshot(roster, {"arrays": arrays, "strings": strings})

    @classmethod
    def _from_snapshot(cls, roster: Roster, snap: dict[str, Any]) -> RosterGraph:
        """Rebuild from the arrays :mod:`rostergraph.cache` stored (no id lookups)."""
        arrays, strings = snap["arrays"], snap["strings"]
        # the id arrays and id → index dicts are made per kind on first use: a graph
        # that is only walked by index never makes two million strings or a dict of them
        stubs: dict[str, tuple[Any, dict[str, int]]] = {}
        for kind in NODE_KINDS:
            recs, names = roster.records(RECORDS_OF[kind]), strings[f"stubs.{kind}"]
            # (the snapshot reader checked them: distinct, and none a record's id)
            stubs[kind] = (recs, dict(zip(names, range(len(recs), len(recs) + len(names)))))
        index = LazyColumns({}, {k: partial(_stub_index, recs, strings[f"stubs.{k}"])
                                 for k, (recs, _) in stubs.items()})
        ids = LazyColumns({}, {k: partial(_id_array, recs, strings[f"stubs.{k}"])
                               for k, (recs, _) in stubs.items()})
        n_records = {k: len(recs) for k, (recs, _) in stubs.items()}
        relations: dict[str, Relation] = {}
        for name, (sk, dk, attr_names) in RELATIONS.items():
            at: dict[str, np.ndarray] = {}
            for a in attr_names:
                if f"{name}.attr.{a}" in arrays:
                    at[a] = arrays[f"{name}.attr.{a}"]
                else:
                    at[a] = object_array(strings[f"{name}.attr.{a}"])
            relations[name] = Relation(
                name=name, src_kind=sk, dst_kind=dk,
                **{f: arrays[f"{name}.{f}"] for f in ("src", "dst", "indptr", "rindptr", "rsrc",
                                                       "redge")}, attrs=at)
        return cls(roster, ids, n_records, relations, arrays["roles"], index, stubs)

    @classmethod
    def _from_columns(cls, roster: Roster, cols: dict[str, dict[str, Any]]) -> RosterGraph:
        """Build from per-kind columns (see :func:`record_columns`)."""
        index: dict[str, _Index] = {}
        n_records: dict[str, int] = {}
        for kind in NODE_KINDS:
            recs = roster.records(RECORDS_OF[kind])
            index[kind] = _record_index(recs)
            n_records[kind] = len(recs)
        # the holding record's end is a position; the other end is an id reference
        coded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        kept: dict[str, tuple[Any, ...]] = {}
        for name, spec in RELATION_SPECS.items():
            kept[name] = without_empty_refs(cols[spec.held_by][name])
            pos, refs = kept[name][:2]
            pos = np.asarray(pos, dtype=np.int32)
            if spec.ref_is_src:
                coded[name] = (_codes(index[spec.src], refs), pos)
            else:
                coded[name] = (pos, _codes(index[spec.dst], refs))
        ids: dict[str, np.ndarray] = {}
        for kind in NODE_KINDS:
            recs = roster.records(RECORDS_OF[kind])
            ids[kind] = _id_array(recs, list(islice(index[kind].keys(), len(recs), None)))
        relations: dict[str, Relation] = {}
        for name, (sk, dk, attr_names) in RELATIONS.items():
            s, d = coded[name]
            at: dict[str, np.ndarray] = {}
            for k, a in enumerate(attr_names):
                vals = kept[name][2 + k]
                if a == "primary":
                    at[a] = np.asarray(vals, dtype=bool)
                else:
                    at[a] = object_array(vals)
            relations[name] = _csr(s, d, len(ids[sk]), len(ids[dk]), at, name, (sk, dk))
        roles = np.zeros(len(ids["user"]), dtype=np.uint8)
        given = np.asarray(cols["users"]["roles"], dtype=np.uint8)
        roles[: len(given)] = given
        graph = cls(roster, ids, n_records, relations, roles, dict(index))
        settle_new_objects()  # the id arrays and index dicts: to the oldest generation
        return graph

    # -- nodes ------------------------------------------------------------------
    def ids(self, kind: str) -> np.ndarray:
        """Ids of every node of ``kind`` by dense index (records, then stubs)."""
        return self._ids[kind]

    def n_nodes(self, kind: str) -> int:
        """Number of nodes of ``kind``, stubs included."""
        return self._n_nodes[kind]

    def missing(self, kind: str) -> np.ndarray:
        """Boolean mask over ``kind``'s index: ``True`` for stub nodes."""
        m = np.zeros(self._n_nodes[kind], dtype=bool)
        m[self._n_records[kind]:] = True
        return m

    def n_records(self, kind: str) -> int:
        """Number of nodes of ``kind`` that have a record (stubs come after them)."""
        return self._n_records[kind]

    def kind_of(self, node_id: str) -> str | None:
        """The kind of the node with this id, or ``None`` (records before stubs)."""
        found = self.kinds_of(node_id)
        for kind, missing in found:
            if not missing:
                return kind
        return found[0][0] if found else None

    def kinds_of(self, node_id: str) -> list[tuple[str, bool]]:
        """Every ``(kind, missing)`` a node id appears as."""
        out = []
        for kind in NODE_KINDS:
            i = self._find(kind, node_id)
            if i is not None:
                out.append((kind, i >= self._n_records[kind]))
        return out

    def index_of(self, kind: str, node_id: str, *, role: str | None = None,
                 allow_missing: bool = False) -> int:
        """The dense index of ``node_id`` among ``kind`` nodes.

        Raises
        ------
        UnknownIdError
            When no node of ``kind`` has this id (or only a stub, unless
            ``allow_missing``).
        WrongKindError
            When the id names a node of another kind, or a user without
            ``role``; the message says what it is.

        Examples
        --------
        >>> import rostergraph
        >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
        >>> sec = next(iter(g.roster.sections))
        >>> g.index_of("user", sec)
        Traceback (most recent call last):
        ...
        rostergraph.errors.WrongKindError: id '...' is a section, not a user
        """
        i = self._find(kind, node_id)
        if i is not None and (allow_missing or i < self._n_records[kind]):
            if role is not None and kind == "user" and not self.roles[i] & ROLE_BITS[role]:
                have = self.role_names(i)
                raise WrongKindError(node_id, (role,), "user with roles " + (
                    ", ".join(have) if have else "none"))
            return int(i)
        for other in NODE_KINDS:
            j = self._find(other, node_id)
            if other != kind and j is not None and j < self._n_records[other]:
                raise WrongKindError(node_id, (role or kind,), other)
        if i is not None:
            raise UnknownIdError(node_id, (kind,), f"id {node_id!r} is referenced but has no "
                                 f"{kind} record (a stub node)")
        raise UnknownIdError(node_id, (kind,))

    def _find(self, kind: str, node_id: str) -> int | None:
        """The dense index of ``node_id`` among ``kind``'s nodes, or ``None``; while a
        kind's dict is not made, from its records' lookup and its stubs."""
        if (lazy := self._pending(kind)) is None:
            return self._index[kind].get(node_id)
        row = lazy[0]._row(node_id)
        return row if row is not None else lazy[1].get(node_id)

    def _pending(self, kind: str) -> tuple[LazyRecords, dict[str, int]] | None:
        """``(records, stub → index)`` of a kind whose id dict is not made yet, else None."""
        lazy = self._lazy.get(kind)
        if (lazy is None or not isinstance(lazy[0], LazyRecords)
                or kind not in self._index.pending()):  # type: ignore[attr-defined]
            return None
        return lazy  # type: ignore[no-any-return]

    def role_names(self, user_index: int) -> tuple[str, ...]:
        """Role names of the user at a dense index."""
        m = int(self.roles[user_index])
        return tuple(r for r in ROLE_NAMES if m & ROLE_BITS[r])

    def has_role(self, role: str) -> np.ndarray:
        """Boolean mask over the user index: users (with a record) holding ``role``."""
        return (self.roles & ROLE_BITS[role]) != 0

    def record(self, kind: str, node_id: str) -> Any:
        """The record behind a node, or ``None`` for a stub."""
        return self.roster.records(RECORDS_OF[kind]).get(node_id)

    # -- edges ------------------------------------------------------------------
    def relation(self, name: str) -> Relation:
        """One relation's CSR arrays; an unknown name raises :class:`UnknownIdError` (a
        ``KeyError`` too) listing the known relations."""
        try:
            return self.relations[name]
        except KeyError:
            raise UnknownIdError(name, ("relation",), f"unknown relation {name!r}; known: "
                                 f"{', '.join(RELATIONS)}") from None

    def neighbors(self, node_id: str, relation: str, reverse: bool = False) -> list[str]:
        """Ids of the nodes ``node_id`` points to through ``relation``.

        With ``reverse=True``, the nodes that point to ``node_id``. A node of
        the wrong kind for the relation raises :class:`WrongKindError`.

        Examples
        --------
        >>> import rostergraph
        >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
        >>> sec = next(iter(g.roster.sections.values()))
        >>> g.neighbors(sec.id, "taught_at") == [sec.school]
        True
        """
        rel = self.relation(relation)
        if reverse:
            j = self.index_of(rel.dst_kind, node_id, allow_missing=True)
            return self._ids[rel.src_kind][rel.into(j)].tolist()
        i = self.index_of(rel.src_kind, node_id, allow_missing=True)
        return self._ids[rel.dst_kind][rel.out(i)].tolist()

    def edges(self, relation: str) -> Table:
        """Every edge of a relation as a Table (``source``, ``target``, attributes).

        Examples
        --------
        >>> import rostergraph
        >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
        >>> g.edges("teaches").columns
        ['source', 'target', 'primary']
        """
        rel = self.relation(relation)
        cols: dict[str, Any] = {
            "source": self._ids[rel.src_kind][rel.src],
            "target": self._ids[rel.dst_kind][rel.dst],
        }
        cols.update(rel.attrs)
        return Table(cols, name=relation)

    # -- summaries ----------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Nodes with a record, per kind."""
        return dict(self._n_records)

    def stub_counts(self) -> dict[str, int]:
        """Stub nodes (referenced ids without a record), per kind."""
        return {k: self._n_nodes[k] - self._n_records[k] for k in NODE_KINDS}

    def role_counts(self) -> dict[str, int]:
        """Users holding each role (a multi-role user counts once per role)."""
        return {r: int(np.count_nonzero(self.roles & b)) for r, b in ROLE_BITS.items()}

    def relation_counts(self) -> dict[str, int]:
        """Edges per relation."""
        return {name: len(rel) for name, rel in self.relations.items()}

    def stubs(self) -> Table:
        """Every stub node with the relations that reference it.

        Columns: ``kind``, ``id``, ``relation``, ``referenced_by`` (count of edges).
        """
        kinds, ids_, rels, counts = [], [], [], []
        for name, rel in self.relations.items():
            for end, kind, arr in (("dst", rel.dst_kind, rel.dst), ("src", rel.src_kind, rel.src)):
                n0 = self._n_records[kind]
                sel = arr[arr >= n0]
                if not len(sel):
                    continue
                uniq, cnt = np.unique(sel, return_counts=True)
                for u, c in zip(uniq.tolist(), cnt.tolist()):
                    kinds.append(kind)
                    ids_.append(self._ids[kind][u])
                    rels.append(name)
                    counts.append(c)
        t = Table({"kind": kinds, "id": ids_, "relation": rels, "referenced_by": counts},
                  name="stub nodes")
        return t.sort_by("kind", "id", "relation") if len(t) else t

    # -- networkx views -----------------------------------------------------------
    def to_networkx(self, kinds: Iterable[str] | None = None,
                    relations: Iterable[str] | None = None,
                    around: str | Iterable[str] | None = None,
                    radius: int = 1) -> nx.MultiDiGraph:
        """A ``networkx.MultiDiGraph`` view with node and edge attributes.

        Nodes are keyed by id (by ``"kind:id"`` for an id that names nodes of
        two kinds) and carry ``kind``, ``missing``, ``roles`` (users) and the
        record's top-level string fields; edges carry ``relation`` and the
        relation's attributes.

        Parameters
        ----------
        kinds, relations:
            Keep only these node kinds / relations.
        around, radius:
            Keep only nodes within ``radius`` hops (in either direction) of
            these node ids.

        Examples
        --------
        >>> import rostergraph
        >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
        >>> G = g.to_networkx()
        >>> G.number_of_edges() == sum(g.relation_counts().values())
        True
        """
        import networkx as nx

        kind_set = set(kinds) if kinds is not None else set(NODE_KINDS)
        rel_names = [r for r in (relations if relations is not None else RELATIONS)
                     if RELATIONS[r][0] in kind_set and RELATIONS[r][1] in kind_set]
        keep = self._around(around, radius, rel_names) if around is not None else None
        key = self._nx_key()
        G = nx.MultiDiGraph()
        for kind in NODE_KINDS:
            if kind not in kind_set:
                continue
            n_rec = self._n_records[kind]
            for i, node_id in enumerate(self._ids[kind].tolist()):
                if keep is not None and i not in keep.get(kind, ()):
                    continue
                G.add_node(key(kind, node_id), **self._node_attrs(kind, i, node_id, i >= n_rec))
        for name in rel_names:
            rel = self.relations[name]
            sids, dids = self._ids[rel.src_kind], self._ids[rel.dst_kind]
            attr_items = list(rel.attrs.items())
            for e, (s, d) in enumerate(zip(rel.src.tolist(), rel.dst.tolist())):
                if keep is not None and (s not in keep.get(rel.src_kind, ()) or
                                         d not in keep.get(rel.dst_kind, ())):
                    continue
                data = {"relation": name}
                for a, arr in attr_items:
                    v = arr[e]
                    data[a] = v.item() if isinstance(v, np.generic) else v
                G.add_edge(key(rel.src_kind, sids[s]), key(rel.dst_kind, dids[d]), **data)
        return G

    def student_teacher_graph(self) -> nx.MultiGraph:
        """The student–teacher projection as a ``networkx.MultiGraph``.

        One edge per (student, teacher, shared section), ``key`` = section id,
        with the teacher's ``primary`` flag. Only users with records and the role
        the listing needs take part (a section's ``students`` link users with the
        student role, its ``teachers`` users with the teacher role; stubs are left to
        rule RG-REF-001, other users to RG-REF-002).

        Examples
        --------
        >>> import rostergraph
        >>> g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
        >>> P = g.student_teacher_graph()
        >>> all(k in g.roster.sections for _, _, k in P.edges(keys=True))
        True
        """
        import networkx as nx

        P = nx.MultiGraph()
        enr, tea = self.relations["enrolled_in"], self.relations["teaches"]
        users, secs = self._ids["user"], self._ids["section"]
        n_users = self._n_records["user"]
        primary = tea.attrs["primary"]
        is_student, is_teacher = self.has_role("student"), self.has_role("teacher")
        for j in range(self._n_records["section"]):
            studs = [s for s in enr.into(j).tolist() if is_student[s]]
            t_lo, t_hi = tea.rindptr[j], tea.rindptr[j + 1]
            teach = [(int(t), bool(primary[e])) for t, e in
                     zip(tea.rsrc[t_lo:t_hi].tolist(), tea.redge[t_lo:t_hi].tolist())
                     if is_teacher[t]]
            for t, is_primary in teach:
                for s in studs:
                    P.add_edge(users[s], users[t], key=secs[j], primary=is_primary)
        for i in np.flatnonzero(self.roles[:n_users] & (ROLE_BITS["student"] |
                                                        ROLE_BITS["teacher"])).tolist():
            P.add_node(users[i], roles=self.role_names(i))
        return P

    def _nx_key(self) -> Any:
        seen: dict[str, int] = {}
        for kind in NODE_KINDS:
            for node_id in self._index[kind]:
                seen[node_id] = seen.get(node_id, 0) + 1
        clash = {k for k, c in seen.items() if c > 1}
        if not clash:
            return lambda kind, node_id: node_id
        return lambda kind, node_id: f"{kind}:{node_id}" if node_id in clash else node_id

    def _node_attrs(self, kind: str, i: int, node_id: str, missing: bool) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": kind, "missing": missing}
        if kind == "user":
            data["roles"] = self.role_names(i)
        rec = None if missing else self.record(kind, node_id)
        if rec is not None:
            for a in attrs.fields(type(rec)):
                v = getattr(rec, a.name)
                if isinstance(v, str) and a.name != "id":
                    data[a.name] = v
            name = getattr(rec, "name", None)
            if kind == "user" and name is not None:
                data["name"] = " ".join(p for p in (name.first, name.last) if p)
        return data

    def _around(self, around: str | Iterable[str], radius: int,
                rel_names: list[str]) -> dict[str, set[int]]:
        starts = [around] if isinstance(around, str) else list(around)
        frontier: dict[str, set[int]] = {}
        for node_id in starts:
            found = False
            for kind in NODE_KINDS:
                i = self._find(kind, node_id)
                if i is not None:
                    frontier.setdefault(kind, set()).add(i)
                    found = True
            if not found:
                raise UnknownIdError(node_id, NODE_KINDS)
        seen = {k: set(v) for k, v in frontier.items()}
        for _ in range(radius):
            nxt: dict[str, set[int]] = {}
            for name in rel_names:
                rel = self.relations[name]
                for i in frontier.get(rel.src_kind, ()):
                    nxt.setdefault(rel.dst_kind, set()).update(rel.out(i).tolist())
                for j in frontier.get(rel.dst_kind, ()):
                    nxt.setdefault(rel.src_kind, set()).update(rel.into(j).tolist())
            frontier = {k: v - seen.get(k, set()) for k, v in nxt.items()}
            for k, v in frontier.items():
                seen.setdefault(k, set()).update(v)
        return seen

    # -- display --------------------------------------------------------------------
    def summary_text(self) -> str:
        """A few lines: nodes per kind (with stubs), users per role, edges per relation."""
        stubs = self.stub_counts()
        lines = ["RosterGraph"]
        lines.append("  nodes: " + ", ".join(
            f"{k} {n}" + (f" (+{stubs[k]} missing)" if stubs[k] else "")
            for k, n in self._n_records.items()))
        lines.append("  roles: " + ", ".join(f"{r} {n}" for r, n in self.role_counts().items()))
        lines.append("  edges: " + ", ".join(f"{r} {n}" for r, n in self.relation_counts().items()))
        return "\n".join(lines)

    def __repr__(self) -> str:
        c = self._n_records
        return (f"<RosterGraph {c['school']} schools, {c['section']} sections, {c['user']} users, "
                f"{sum(self.relation_counts().values())} edges>")

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(self.summary_text()) + "</pre>"


_REL_FIELDS = ("src", "dst", "indptr", "rindptr", "rsrc", "redge")


def _check_csr(arrays: dict[str, Any], name: str, m: int, want: Any) -> None:
    """The CSR indexes of relation ``name`` (forward and reverse) start at 0, never fall
    and end at ``m``: with the bounds of the edge arrays, what keeps any query, given
    any arrays, from reading outside them. (Whether the edges agree with their indexes
    is not checked here: a snapshot's checksums catch damage, and who can write a
    snapshot could as well write the roster itself.)"""
    for index in ("indptr", "rindptr"):
        ptr = arrays[f"{name}.{index}"]
        want(int(ptr[0]) == 0 and int(ptr[-1]) == m and not (np.diff(ptr) < 0).any(),
             f"{name}.{index}")


def check_arrays(arrays: dict[str, Any], strings: dict[str, Any],
                 n_records: dict[str, int]) -> None:
    """Check that every part :meth:`RosterGraph.from_arrays` reads is there and fits the
    node counts (``n_records``: records per node kind); raise ``ValueError`` if not."""
    def want(ok: Any, what: str) -> None:
        if not ok:
            raise ValueError(what)

    def ints(arr: Any, n: int, what: str) -> None:
        want(isinstance(arr, np.ndarray) and arr.dtype.kind in "iu" and arr.shape == (n,),
             f"{what}: not {n} integers")

    nodes = {k: n + len(strings[f"stubs.{k}"]) for k, n in n_records.items()}
    roles = arrays["roles"]
    want(isinstance(roles, np.ndarray) and roles.dtype == np.uint8
         and roles.shape == (nodes["user"],), "bad roles")
    for name, (sk, dk, attr_names) in RELATIONS.items():
        m = len(arrays[f"{name}.src"])
        for field in ("src", "dst", "rsrc", "redge"):
            ints(arrays[f"{name}.{field}"], m, f"{name}.{field}")
        ints(arrays[f"{name}.indptr"], nodes[sk] + 1, f"{name}.indptr")
        ints(arrays[f"{name}.rindptr"], nodes[dk] + 1, f"{name}.rindptr")
        if m:
            for field, bound in (("src", nodes[sk]), ("rsrc", nodes[sk]), ("dst", nodes[dk]),
                                 ("redge", m)):
                a = arrays[f"{name}.{field}"]
                want(0 <= int(a.min()) and int(a.max()) < bound, f"{name}.{field}")
        _check_csr(arrays, name, m, want)
        for a in attr_names:
            key = f"{name}.attr.{a}"
            want(len(arrays[key] if key in arrays else strings[key]) == m, key)
