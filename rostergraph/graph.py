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

import gc
import html
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from .errors import UnknownIdError, WrongKindError
from .lazy import LazyRecords
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

NODE_KINDS: tuple[str, ...] = ("district", "school", "term", "course", "section", "user")
_RECORDS_OF = {"district": "districts", "school": "schools", "term": "terms",
               "course": "courses", "section": "sections", "user": "users"}

#: relation → (from kind, to kind, attribute names)
RELATIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "in_district": ("school", "district", ()),
    "taught_at": ("section", "school", ()),
    "of_course": ("section", "course", ()),
    "in_term": ("section", "term", ()),
    "enrolled_in": ("user", "section", ()),
    "teaches": ("user", "section", ("primary",)),
    "attends": ("user", "school", ("primary",)),
    "works_at": ("user", "school", ("primary",)),
    "administers": ("user", "district", ()),
    "contact_for": ("user", "user", ("relationship", "type")),
}

#: Bit of each role in :attr:`RosterGraph.roles`.
ROLE_BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(ROLE_NAMES)}


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


#: A relation each kind with graph columns owns (a reader's columns may hold only fields).
_OWNS = {"schools": "in_district", "sections": "taught_at", "users": "attends"}


def _record_index(recs: Any) -> _Index:
    """id → record position for one kind (a LazyRecords' own dict is copied, not rebuilt;
    its insertion order may differ from record order)."""
    own = recs._index if isinstance(recs, LazyRecords) else None
    if own is not None and len(own) == len(recs):
        return _Index(own)
    return _Index(zip(recs.keys(), range(len(recs))))


def _id_array(recs: Any, index: dict[str, int]) -> np.ndarray:
    """Node ids by index: record ids in record order, then the stubs in the order they
    were added (stubs always come after every record in ``index``)."""
    ids = list(recs.keys())
    if len(index) > len(ids):
        ids.extend(islice(index.keys(), len(ids), None))
    arr = np.empty(len(ids), dtype=object)
    arr[:] = ids
    return arr


class CodedRefs:
    """References a fast reader already turned into record positions.

    ``codes[i]`` is the position of the referenced record, or -1 for an id
    with no record; ``missing`` holds those ids, in order. The graph gives
    them stub indices in that order, as it would for plain id references.

    Examples
    --------
    >>> c = CodedRefs.from_refs(["a", "x", "b"], {"a": 0, "b": 1})
    >>> c.codes.tolist(), c.missing, c.take([2, 1]).missing
    ([0, -1, 1], ['x'], ['x'])
    """

    __slots__ = ("codes", "missing")

    def __init__(self, codes: Any, missing: list[str]) -> None:
        self.codes = np.asarray(codes, dtype=np.int64)
        self.missing = missing

    @classmethod
    def from_refs(cls, refs: Sequence[str], index: dict[str, int]) -> CodedRefs:
        """Code ``refs`` with ``index`` (one C-level dict lookup each)."""
        codes = np.fromiter(map(index.get, refs, [-1] * len(refs)), dtype=np.int64,
                            count=len(refs))
        return cls(codes, [refs[i] for i in np.flatnonzero(codes < 0).tolist()])

    @classmethod
    def concat(cls, parts: Sequence[CodedRefs]) -> CodedRefs:
        codes = np.concatenate([p.codes for p in parts]) if parts else np.zeros(0, np.int64)
        return cls(codes, [m for p in parts for m in p.missing])

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, idx: Any) -> CodedRefs:
        """The references at positions ``idx`` (in that order)."""
        codes = self.codes[idx]
        if not self.missing:
            return CodedRefs(codes, [])
        full = np.full(len(self.codes), None, dtype=object)
        for i, ref in zip(np.flatnonzero(self.codes < 0).tolist(), self.missing):
            full[i] = ref
        return CodedRefs(codes, full[idx][codes < 0].tolist())


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

    def __init__(self, roster: Roster, ids: dict[str, np.ndarray], n_records: dict[str, int],
                 relations: dict[str, Relation], roles: np.ndarray,
                 index: dict[str, dict[str, int]]) -> None:
        self.roster = roster
        self._ids = ids
        self._n_records = n_records
        self.relations = relations
        #: role bitmask per user index (see :data:`ROLE_BITS`); 0 for stubs
        self.roles = roles
        self._index = index

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
        snap = getattr(roster, "_columns", {}).get("_graph")
        if snap is not None and all(m is roster.records(k) for k, m in snap[0].items()):
            return cls._from_snapshot(roster, snap[1])  # a warm reload (rostergraph.cache)
        cols: dict[str, dict[str, Any]] = {}
        for kind in ("schools", "sections", "users"):
            mapping = roster.records(kind)
            got = getattr(roster, "_columns", {}).get(kind)
            if got is not None and got[0] is mapping and _OWNS[kind] in got[1]:
                cols[kind] = got[1]  # extracted by a fast reader: no record is built
            else:
                cols[kind] = record_columns(kind, enumerate(mapping.values()))
        return cls._from_columns(roster, cols)

    @classmethod
    def _from_snapshot(cls, roster: Roster, snap: dict[str, Any]) -> RosterGraph:
        """Rebuild from the arrays :mod:`rostergraph.cache` stored (no id lookups)."""
        arrays, strings = snap["arrays"], snap["strings"]
        index: dict[str, _Index] = {}
        ids: dict[str, np.ndarray] = {}
        n_records: dict[str, int] = {}
        for kind in NODE_KINDS:
            recs = roster.records(_RECORDS_OF[kind])
            idx = _record_index(recs)
            for stub in strings[f"stubs.{kind}"]:
                idx[stub]  # appended in order by __missing__
            index[kind] = idx
            n_records[kind] = len(recs)
            ids[kind] = _id_array(recs, idx)
        relations: dict[str, Relation] = {}
        for name, (sk, dk, attr_names) in RELATIONS.items():
            at: dict[str, np.ndarray] = {}
            for a in attr_names:
                if f"{name}.attr.{a}" in arrays:
                    at[a] = arrays[f"{name}.attr.{a}"]
                else:
                    vals = strings[f"{name}.attr.{a}"]
                    obj = np.empty(len(vals), dtype=object)
                    obj[:] = vals
                    at[a] = obj
            relations[name] = Relation(
                name=name, src_kind=sk, dst_kind=dk,
                **{f: arrays[f"{name}.{f}"] for f in ("src", "dst", "indptr", "rindptr", "rsrc",
                                                       "redge")}, attrs=at)
        return cls(roster, ids, n_records, relations, arrays["roles"], dict(index))

    @classmethod
    def _from_columns(cls, roster: Roster, cols: dict[str, dict[str, Any]]) -> RosterGraph:
        """Build from per-kind columns (see :func:`record_columns`)."""
        index: dict[str, _Index] = {}
        n_records: dict[str, int] = {}
        for kind in NODE_KINDS:
            recs = roster.records(_RECORDS_OF[kind])
            index[kind] = _record_index(recs)
            n_records[kind] = len(recs)
        owner = {"in_district": "schools", "taught_at": "sections", "of_course": "sections",
                 "in_term": "sections", "enrolled_in": "sections", "teaches": "sections",
                 "attends": "users", "works_at": "users", "administers": "users",
                 "contact_for": "users"}
        # the record's own end is a position; the other end is an id reference
        ref_is_src = {"enrolled_in", "teaches"}
        coded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name, (sk, dk, _) in RELATIONS.items():
            pos, refs = cols[owner[name]][name][:2]
            pos = np.asarray(pos, dtype=np.int32)
            if name in ref_is_src:
                coded[name] = (_codes(index[sk], refs), pos)
            else:
                coded[name] = (pos, _codes(index[dk], refs))
        ids: dict[str, np.ndarray] = {}
        for kind in NODE_KINDS:
            ids[kind] = _id_array(roster.records(_RECORDS_OF[kind]), index[kind])
        relations: dict[str, Relation] = {}
        for name, (sk, dk, attr_names) in RELATIONS.items():
            s, d = coded[name]
            at: dict[str, np.ndarray] = {}
            for k, a in enumerate(attr_names):
                vals = cols[owner[name]][name][2 + k]
                if a == "primary":
                    at[a] = np.asarray(vals, dtype=bool)
                else:
                    arr = np.empty(len(vals), dtype=object)
                    arr[:] = vals
                    at[a] = arr
            relations[name] = _csr(s, d, len(ids[sk]), len(ids[dk]), at, name, (sk, dk))
        roles = np.zeros(len(ids["user"]), dtype=np.uint8)
        given = np.asarray(cols["users"]["roles"], dtype=np.uint8)
        roles[: len(given)] = given
        graph = cls(roster, ids, n_records, relations, roles, dict(index))
        gc.freeze()  # the id arrays and index dicts: to the oldest generation, unwalked
        gc.unfreeze()
        return graph

    # -- nodes ------------------------------------------------------------------
    def ids(self, kind: str) -> np.ndarray:
        """Ids of every node of ``kind`` by dense index (records, then stubs)."""
        return self._ids[kind]

    def n_nodes(self, kind: str) -> int:
        """Number of nodes of ``kind``, stubs included."""
        return len(self._ids[kind])

    def missing(self, kind: str) -> np.ndarray:
        """Boolean mask over ``kind``'s index: ``True`` for stub nodes."""
        m = np.zeros(len(self._ids[kind]), dtype=bool)
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
            i = self._index[kind].get(node_id)
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
        i = self._index[kind].get(node_id)
        if i is not None and (allow_missing or i < self._n_records[kind]):
            if role is not None and kind == "user" and not self.roles[i] & ROLE_BITS[role]:
                have = self.role_names(i)
                raise WrongKindError(node_id, (role,), "user with roles " + (
                    ", ".join(have) if have else "none"))
            return int(i)
        for other in NODE_KINDS:
            j = self._index[other].get(node_id)
            if other != kind and j is not None and j < self._n_records[other]:
                raise WrongKindError(node_id, (role or kind,), other)
        if i is not None:
            raise UnknownIdError(node_id, (kind,), f"id {node_id!r} is referenced but has no "
                                 f"{kind} record (a stub node)")
        raise UnknownIdError(node_id, (kind,))

    def role_names(self, user_index: int) -> tuple[str, ...]:
        """Role names of the user at a dense index."""
        m = int(self.roles[user_index])
        return tuple(r for r in ROLE_NAMES if m & ROLE_BITS[r])

    def has_role(self, role: str) -> np.ndarray:
        """Boolean mask over the user index: users (with a record) holding ``role``."""
        return (self.roles & ROLE_BITS[role]) != 0

    def record(self, kind: str, node_id: str) -> Any:
        """The record behind a node, or ``None`` for a stub."""
        return self.roster.records(_RECORDS_OF[kind]).get(node_id)

    # -- edges ------------------------------------------------------------------
    def relation(self, name: str) -> Relation:
        """One relation's CSR arrays; ``KeyError`` lists the known relations."""
        try:
            return self.relations[name]
        except KeyError:
            raise KeyError(f"unknown relation {name!r}; known: {', '.join(RELATIONS)}") from None

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
        return {k: len(self._ids[k]) - self._n_records[k] for k in NODE_KINDS}

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
        with the teacher's ``primary`` flag. Only users with records take part
        (stubs are left to rule RG-REF-001).

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
        for j in range(self._n_records["section"]):
            studs = [s for s in enr.into(j).tolist() if s < n_users]
            t_lo, t_hi = tea.rindptr[j], tea.rindptr[j + 1]
            teach = [(int(t), bool(primary[e])) for t, e in
                     zip(tea.rsrc[t_lo:t_hi].tolist(), tea.redge[t_lo:t_hi].tolist())
                     if t < n_users]
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
                i = self._index[kind].get(node_id)
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


def _school_edges(rows: Any, refs: list[str], prim: list[bool], pos: int,
                  primary: str | None, schools: Sequence[str] | None) -> None:
    """User→school edges: the primary school, then every other listed school, once each.

    ``rows`` is a list or an ``array``; the usual shapes (no list, or one school) skip
    the set. Fast readers call this too, so their columns equal :func:`record_columns`'.
    """
    if primary is not None:
        rows.append(pos)
        refs.append(primary)
        prim.append(True)
        if not schools:
            return
        if len(schools) == 1:
            if schools[0] != primary:
                rows.append(pos)
                refs.append(schools[0])
                prim.append(False)
            return
    elif not schools:
        return
    seen = {primary}
    for s in schools:
        if s not in seen:
            seen.add(s)
            rows.append(pos)
            refs.append(s)
            prim.append(False)


def record_columns(kind: str, items: Iterable[tuple[int, Any]]) -> dict[str, Any]:
    """The graph columns of some records of one kind (``schools``, ``sections``, ``users``).

    ``items`` are ``(position, record)`` pairs in roster order. Each relation
    the kind owns becomes ``(positions, references, *attributes)``: the
    position of the owning record (repeated per edge) and the referenced id;
    ``users`` also gives ``roles`` (role bits by position). Fast readers
    produce the same columns without building records.

    Examples
    --------
    >>> from rostergraph.model import Section
    >>> c = record_columns("sections", [(0, Section(id="s", teachers=("t1", "t2"),
    ...                                               students=("u1",)))])
    >>> c["teaches"], c["enrolled_in"]
    (([0, 0], ['t1', 't2'], [True, False]), ([0], ['u1']))
    """
    if kind == "schools":
        rows: list[int] = []
        refs: list[str] = []
        for pos, sc in items:
            if sc.district is not None:
                rows.append(pos)
                refs.append(sc.district)
        return {"in_district": (rows, refs)}
    if kind == "sections":
        out: dict[str, Any] = {n: ([], []) for n in ("taught_at", "of_course", "in_term",
                                                     "enrolled_in")}
        out["teaches"] = ([], [], [])
        taught, course, term = out["taught_at"], out["of_course"], out["in_term"]
        enr, tea = out["enrolled_in"], out["teaches"]
        for pos, sec in items:
            if sec.school is not None:
                taught[0].append(pos)
                taught[1].append(sec.school)
            if sec.course is not None:
                course[0].append(pos)
                course[1].append(sec.course)
            if sec.term_id is not None:
                term[0].append(pos)
                term[1].append(sec.term_id)
            if sec.students:
                enr[0].extend([pos] * len(sec.students))
                enr[1].extend(sec.students)
            teachers = sec.teachers
            if not teachers and sec.teacher is not None:
                teachers = (sec.teacher,)
            if teachers:
                tea[0].extend([pos] * len(teachers))
                tea[1].extend(teachers)
                # the primary teacher is `teacher`, else the first of `teachers`
                primary = sec.teacher if sec.teacher is not None else teachers[0]
                tea[2].extend([t == primary for t in teachers])
        return out
    if kind != "users":
        raise ValueError(f"no graph columns for {kind!r}")
    att: tuple[list[Any], ...] = ([], [], [])
    works: tuple[list[Any], ...] = ([], [], [])
    adm: tuple[list[Any], ...] = ([], [])
    con: tuple[list[Any], ...] = ([], [], [], [])
    roles_list: list[int] = []
    bits = ROLE_BITS
    for pos, u in items:
        r = u.roles
        mask = 0
        st = r.student
        if st is not None:
            mask |= bits["student"]
            _school_edges(att[0], att[1], att[2], pos, st.school, st.schools)
        te, sf = r.teacher, r.staff
        if te is not None:
            mask |= bits["teacher"]
        if sf is not None:
            mask |= bits["staff"]
        if te is not None or sf is not None:
            schools = list(te.schools or ()) if te is not None else []
            if sf is not None and sf.schools:
                schools.extend(sf.schools)
            _school_edges(works[0], works[1], works[2], pos,
                          te.school if te is not None else None, schools)
        if r.district_admin is not None:
            mask |= bits["district_admin"]
            if u.district is not None:
                adm[0].append(pos)
                adm[1].append(u.district)
        ct = r.contact
        if ct is not None:
            mask |= bits["contact"]
            for rel in ct.student_relationships or ():
                if rel.student is not None:
                    con[0].append(pos)
                    con[1].append(rel.student)
                    con[2].append(rel.relationship)
                    con[3].append(rel.type)
        roles_list.append(mask)
    return {"roles": roles_list, "attends": att, "works_at": works, "administers": adm,
            "contact_for": con}
