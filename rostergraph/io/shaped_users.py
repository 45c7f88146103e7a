"""The graph and rule columns of many users of one shape, from one template user.

A reader that makes users' text from per-shape templates (see
:mod:`~rostergraph.io.oneroster_usertext`) knows, for a whole run of users, everything the
columns read but a few strings per user: its id, its email, its contact's students. What
:class:`~rostergraph.columns.Columns` takes from a user (its role bits, school edges,
contact edges, the rules' field columns) is worked out once per shape, by
:class:`~rostergraph.columns.Columns` itself on the template's decoded struct (whose
per-user strings are placeholders), and repeated for each user of the shape with that
user's strings put in: no struct is decoded per user.

Examples
--------
>>> import msgspec
>>> import numpy as np
>>> from rostergraph.columns import Columns
>>> from rostergraph.io import scan
>>> from rostergraph.model import User
>>> decode = msgspec.json.Decoder(scan.struct_for(User, True, True)).decode
>>> t = decode(('{"id":"\\ue000","email":"\\ue0010\\ue002",'
...             '"roles":{"student":{"school":"s1","grade":"3"}}}').encode())
>>> shape = UserShape.of(t, {"\\ue0010\\ue002": 0}, None)
>>> acc = Columns("users")
>>> add_shaped(acc, ["u1", "u2"], [shape], np.array([0, 0]), [["a@x.org", "b"]], [])
>>> acc.ids, acc.cols["attends"][1], acc.fields["email_no_at"].tolist()
(['u1', 'u2'], ['s1', 's1'], [0, 1])
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain, compress
from typing import Any

import numpy as np

from ..columns import Columns
from .arrow_np import arrow_bools, arrow_ints, arrow_strs

__all__ = ["UserShape", "add_shaped", "spans"]

#: The field columns whose values are a user's own strings, and the column (index in the
#: reader's per-user strings) each is, or a constant for the whole shape.
_PER_USER = ("email", "student_email")
#: The field columns derived from those (recomputed per user).
_DERIVED = {"email_no_at": "email", "email_hash": "email",
            "student_email_no_at": "student_email"}


class UserShape:
    """What the columns take from each user of one shape (see the module's text)."""

    __slots__ = ("agents", "edges", "fields", "own", "own_refs", "role")

    def __init__(self) -> None:
        self.role = 0
        #: relation → (references, *attributes) of one user, constants
        self.edges: dict[str, tuple[list[Any], ...]] = {}
        #: the contact's relationship and type, each student its own (None: no links)
        self.agents: tuple[Any, Any] | None = None
        self.fields: dict[str, Any] = {}  # field column → its value (constant)
        self.own: dict[str, int] = {}  # field column → the per-user strings it is
        #: relation → per reference of ``edges``, the per-user strings it is (``None``:
        #: the reference itself, a constant); only relations with any
        self.own_refs: dict[str, list[int | None]] = {}

    @property
    def ref_cells(self) -> set[int]:
        """The per-user strings this shape takes as the user's own references."""
        return {k for ks in self.own_refs.values() for k in ks if k is not None}

    @classmethod
    def of(cls, struct: Any, holders: dict[str, int], agents: str | None) -> UserShape | None:
        """The shape of template user ``struct``: ``holders`` maps each placeholder string
        to the per-user strings it stands for, ``agents`` is the placeholder standing for
        a contact's students (each one relationship). ``None`` when a placeholder is
        somewhere the columns would not take it as the user's own string. A relation's
        references may be placeholders only (a user's schools, say): the caller promises
        that two placeholders there stand, for each user, for two different strings (the
        columns would make an edge fewer of two equal ones)."""
        return cls.of_many([struct], holders, agents)[0]

    @classmethod
    def of_many(cls, structs: list[Any], holders: dict[str, int], agents: str | None
                ) -> list[UserShape | None]:
        """:meth:`of` of each of ``structs``, their columns taken together (one
        :class:`~rostergraph.columns.Columns` for all: one each was most of the cost of
        24k shapes)."""
        tc = Columns("users")
        tc.add(structs)
        n = len(structs)
        shapes: list[UserShape | None] = [cls() for _ in range(n)]
        for k, role in enumerate(tc.cols["roles"]):
            shapes[k].role = int(role)  # type: ignore[union-attr]
        for name, col in tc.cols.items():
            if name == "roles":
                continue
            rows = np.frombuffer(col[0], dtype=np.int64)
            bounds = np.searchsorted(rows, np.arange(n + 1)).tolist()  # (rows ascend)
            for k in range(n):
                shape = shapes[k]
                if shape is None:
                    continue
                lo, hi = bounds[k], bounds[k + 1]
                refs = col[1][lo:hi]
                if name == "contact_for" and refs:
                    if agents is None or refs != [agents]:
                        shapes[k] = None
                    else:
                        shape.agents = (col[2][lo], col[3][lo])
                    continue
                if agents is not None and agents in refs:
                    shapes[k] = None
                    continue
                if any(isinstance(r, str) and r in holders for r in refs):
                    # (a school named by the user's own cell: each user's own reference;
                    # one the shape names too might be the user's, an edge fewer)
                    if not all(isinstance(r, str) and r in holders for r in refs):
                        shapes[k] = None
                        continue
                    shape.own_refs[name] = [holders[r] for r in refs]
                shape.edges[name] = (refs, *(a[lo:hi] for a in col[2:]))
        for name, values in tc.fields.items():
            if name in _DERIVED:
                continue
            for k, v in enumerate(values):
                shape = shapes[k]
                if shape is None:
                    continue
                if name in _PER_USER and isinstance(v, str) and v in holders:
                    shape.own[name] = holders[v]
                elif isinstance(v, str) and (v in holders or v == agents):
                    shapes[k] = None
                else:
                    shape.fields[name] = v
        return shapes


def _shapes_refs(refs: list[list[str]], sizes: np.ndarray, codes: np.ndarray) -> Any:
    """The references of users of shapes ``codes`` (shape ``s`` giving ``refs[s]``, of
    ``sizes[s]`` ids), in order, as one pyarrow dictionary array: each distinct id once.

    >>> refs = _shapes_refs([["a", "b"], [], ["b"]], np.array([2, 0, 1]), np.array([2, 0, 1]))
    >>> refs.to_pylist(), refs.dictionary.to_pylist()
    (['b', 'a', 'b'], ['a', 'b'])
    """
    import pyarrow as pa

    ids: dict[str, int] = {}
    shape_codes = np.fromiter((ids.setdefault(r, len(ids)) for group in refs for r in group),
                              dtype=np.int64, count=int(sizes.sum()))
    picked = shape_codes[_ref_places(sizes, codes)[0]]
    return pa.DictionaryArray.from_arrays(arrow_ints(picked),
                                          arrow_strs(list(ids)))


def _ref_places(sizes: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For users of shapes ``codes`` (shape ``s`` holding ``sizes[s]`` references, all
    shapes' laid end to end): where each user's references are among them, user after
    user, and how many each user has.

    >>> at, lens = _ref_places(np.array([2, 1]), np.array([1, 0, 1]))
    >>> at.tolist(), lens.tolist()
    ([2, 0, 1, 2], [1, 2, 1])
    """
    first = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=first[1:])
    lens = sizes[codes]
    return spans(first[codes], lens), lens


def spans(starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """The positions ``starts[i] .. starts[i] + lens[i] - 1`` of each ``i``, in order.

    >>> spans(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    first = np.cumsum(lens) - lens  # (where each run starts in the result)
    return np.repeat(starts - first, lens) + np.arange(int(lens.sum()), dtype=np.int64)


def _own_refs(refs: list[list[str]], owns: list[list[int | None] | None], sizes: np.ndarray,
              codes: np.ndarray, strings: list[Any]) -> Any:
    """The references of users of shapes ``codes`` (see :func:`_shapes_refs`) where shape
    ``s``'s reference ``j`` is, when ``owns[s][j]`` is a number ``k``, each user's own
    string ``k`` (``strings[k]``: a list or a pyarrow string array), as one pyarrow array.

    >>> refs = _own_refs([["a", "H"], ["b"]], [[None, 0], None], np.array([2, 1]),
    ...                  np.array([0, 1, 0]), [["x", "y", "z"]])
    >>> refs.to_pylist()
    ['a', 'x', 'b', 'a', 'z']
    """
    import pyarrow as pa

    ids: dict[str, int] = {}
    src: list[int] = []  # per shape's reference: its constant's code, or -1 - k
    for group, own in zip(refs, owns):
        for j, r in enumerate(group):
            k = own[j] if own is not None else None
            src.append(-1 - k if k is not None else ids.setdefault(r, len(ids)))
    shape_src = np.array(src, dtype=np.int64)
    places, lens = _ref_places(sizes, codes)
    picked = shape_src[places]
    user = np.repeat(np.arange(len(codes), dtype=np.int64), lens)
    # (one array of the constants, then each own string column used: every reference an
    # index into it)
    pieces = [arrow_strs(list(ids))]
    at = len(ids)
    index = picked.copy()
    for k in sorted({-1 - int(p) for p in np.unique(picked[picked < 0]).tolist()}):
        col = strings[k]
        if isinstance(col, list):
            col = arrow_strs(col)
        elif isinstance(col, pa.ChunkedArray):
            col = col.combine_chunks()
        mine = picked == -1 - k
        index[mine] = at + user[mine]
        pieces.append(col.cast(pieces[0].type) if col.type != pieces[0].type else col)
        at += len(col)
    return pa.concat_arrays(pieces).take(arrow_ints(index))


def add_shaped(acc: Columns, ids: list[str], shapes: list[UserShape], codes: np.ndarray,
               strings: list[list[str]],
               students: list[list[str]] | tuple[np.ndarray, Any],
               no_at: dict[int, np.ndarray] | None = None,
               refs_to: Callable[[str, Any], None] | None = None,
               agents: tuple[list[Any], list[Any]] | None = None) -> None:
    """Append the columns of users ``ids`` (in roster order) to ``acc``, user ``i`` of
    shape ``shapes[codes[i]]``; ``strings[k][i]`` is user ``i``'s own string ``k`` (as
    :meth:`UserShape.of`'s ``holders`` number them), ``students[i]`` a contact's students
    (a list per user, empty for a user that is no contact; no list at all: none is), or
    ``students`` as how many each user names (an array) and all of them in order (a list
    or a pyarrow string array). ``no_at[k][i]``, where given, says whether
    ``strings[k][i]`` is a non-empty string without ``@`` (worked out by the caller for a
    whole column at once). With ``refs_to``, each relation's references are handed to
    ``refs_to(relation, refs)`` as a pyarrow array (the shapes' own dictionary-encoded:
    no ``str`` per reference) instead of appended to the relation's list. ``agents``,
    where given, is the relationship and the type of each student named (in order, every
    user of a shape that links students), instead of each shape's own."""
    base = len(acc.ids)
    n = len(ids)
    acc.ids.extend(ids)
    codes = np.asarray(codes, dtype=np.int64)
    at = codes.tolist()
    every = np.arange(base, base + n, dtype=np.int64)
    cols, f = acc.cols, acc.fields
    cols["roles"].frombytes(np.array([s.role for s in shapes], np.uint8)[codes].tobytes())
    for name, col in cols.items():
        if name in ("roles", "contact_for"):
            continue
        per = [s.edges.get(name) or ([],) for s in shapes]
        sizes = np.array([len(g[0]) for g in per], dtype=np.int64)
        if not sizes.any():
            continue
        col[0].frombytes(np.repeat(every, sizes[codes]).tobytes())
        owns = [s.own_refs.get(name) for s in shapes]
        mixed = any(o is not None for o in owns)
        if mixed:  # (some users' references are their own strings)
            refs = _own_refs([g[0] for g in per], owns, sizes, codes, strings)
            if refs_to is not None:
                refs_to(name, refs)
            else:
                col[1].extend(refs.to_pylist())
        elif refs_to is not None:
            refs_to(name, _shapes_refs([g[0] for g in per], sizes, codes))
        for k in range(1 if refs_to is None and not mixed else 2, len(col)):
            parts = [g[k - 1] if g[0] else [] for g in per]
            col[k].extend(chain.from_iterable(map(parts.__getitem__, at)))
    if isinstance(students, tuple):
        named, flat = students
    elif students:
        named = np.fromiter(map(len, students), dtype=np.int64, count=n)
        flat = list(chain.from_iterable(students))
    else:
        named, flat = np.zeros(0, np.int64), []
    if len(flat):
        c_rows, c_refs, c_rel, c_type = cols["contact_for"]
        canon = acc.canon.setdefault
        linking = np.array([s.agents is not None for s in shapes], dtype=bool)[codes]
        counts = named * linking
        c_rows.frombytes(np.repeat(every, counts).tobytes())
        if not isinstance(flat, list):  # (a pyarrow array)
            if not (counts == named).all():  # (a user that is no contact of its shape names none)
                flat = flat.filter(arrow_bools(np.repeat(linking, named)))
            if refs_to is not None:
                refs_to("contact_for", flat)
            else:
                c_refs.extend(flat.to_pylist())
        else:
            if not (counts == named).all():
                flat = list(compress(flat, np.repeat(linking, named).tolist()))
            if refs_to is not None:
                refs_to("contact_for", arrow_strs(flat))
            else:
                c_refs.extend(flat)
        for k, out in ((0, c_rel), (1, c_type)):
            if agents is not None:
                if not (counts == named).all():
                    raise ValueError("each student's relationship given for users that "
                                     "link none")
                out.extend([canon(v, v) for v in agents[k]])
                continue
            said = np.empty(len(shapes), dtype=object)
            said[:] = [canon(s.agents[k], s.agents[k]) if s.agents is not None else None
                       for s in shapes]
            out.extend(np.repeat(said[codes], counts).tolist())
    if not acc.with_fields:
        return
    own: dict[str, list[Any]] = {}
    const_of: dict[str, list[Any]] = {}  # a per-user string column that is a shape's constant
    sole: dict[str, int] = {}  # one that is every user's own string k
    owned = {name for s in shapes for name in s.own}
    canon = acc.canon.setdefault
    for name in f:
        if name in _DERIVED:
            continue
        const = [s.fields.get(name) for s in shapes]
        if name == "student_grade":
            const = [canon(v, v) for v in const]
        column = f[name]
        if name not in owned:  # (a constant of each shape)
            if isinstance(column, list):
                values = list(map(const.__getitem__, at))
                column.extend(values)
                const_of[name] = const
            else:
                values = []
                column.frombytes(np.array([1 if v else 0 for v in const],
                                          np.uint8)[codes].tobytes())
        else:
            fields = [s.own.get(name) for s in shapes]
            owners = {fields[c] for c in set(at)}
            if len(owners) == 1 and None not in owners:  # (every user's own: the usual case)
                sole[name] = owners.pop()  # type: ignore[assignment]
                values = list(strings[sole[name]])
            else:
                values = [strings[fields[c]][i] if fields[c] is not None  # type: ignore[index]
                          else const[c] for i, c in enumerate(at)]
            column.extend(values)  # (the own strings: emails, lists)
        if name in _PER_USER:
            own[name] = values
    for name, source in _DERIVED.items():
        if name in f:
            values = own[source]
            if name == "email_hash":
                f[name].extend(map(hash, values))
            elif source in const_of:  # (worked out per shape)
                f[name].frombytes(np.array([1 if v and "@" not in v else 0
                                            for v in const_of[source]], np.uint8)[codes].tobytes())
            elif no_at is not None and sole.get(source) in no_at:
                f[name].frombytes(no_at[sole[source]].astype(np.uint8).tobytes())
            else:
                # (email_without_at written inline: a call per user was 40 % of this)
                f[name].frombytes(bytes([1 if v and "@" not in v else 0 for v in values]))
