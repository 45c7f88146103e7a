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
>>> from rostergraph.columns import Columns
>>> from rostergraph.io import scan
>>> from rostergraph.model import User
>>> decode = msgspec.json.Decoder(scan.struct_for(User, True, True)).decode
>>> t = decode(b'{"id":"\\ue000","email":"\\ue0010\\ue002",'
...            b'"roles":{"student":{"school":"s1","grade":"3"}}}')
>>> shape = UserShape.of(t, {"\\ue0010\\ue002": 0}, None)
>>> acc = Columns("users")
>>> add_shaped(acc, ["u1", "u2"], [shape, shape], [["a@x.org", "b"]], [])
>>> acc.ids, acc.cols["attends"][1], acc.fields["email_no_at"].tolist()
(['u1', 'u2'], ['s1', 's1'], [0, 1])
"""

from __future__ import annotations

from itertools import chain, repeat
from typing import Any

from ..columns import Columns
from ..fields import email_without_at

__all__ = ["UserShape", "add_shaped"]

#: The field columns whose values are a user's own strings, and the column (index in the
#: reader's per-user strings) each is, or a constant for the whole shape.
_PER_USER = ("email", "student_email")
#: The field columns derived from those (recomputed per user).
_DERIVED = {"email_no_at": "email", "email_hash": "email",
            "student_email_no_at": "student_email"}


class UserShape:
    """What the columns take from each user of one shape (see the module's text)."""

    __slots__ = ("agents", "edges", "fields", "own", "role")

    def __init__(self) -> None:
        self.role = 0
        #: relation → (references, *attributes) of one user, constants
        self.edges: dict[str, tuple[list[Any], ...]] = {}
        #: the contact's relationship and type, each student its own (None: no links)
        self.agents: tuple[Any, Any] | None = None
        self.fields: dict[str, Any] = {}  # field column → its value (constant)
        self.own: dict[str, int] = {}  # field column → the per-user strings it is

    @classmethod
    def of(cls, struct: Any, holders: dict[str, int], agents: str | None) -> UserShape | None:
        """The shape of template user ``struct``: ``holders`` maps each placeholder string
        to the per-user strings it stands for, ``agents`` is the placeholder standing for
        a contact's students (each one relationship). ``None`` when a placeholder is
        somewhere the columns would not take it as the user's own string."""
        tc = Columns("users")
        tc.add([struct])
        shape = cls()
        shape.role = int(tc.cols["roles"][0])
        for name, col in tc.cols.items():
            if name == "roles":
                continue
            refs = list(col[1])
            if name == "contact_for" and refs:
                if agents is None or refs != [agents]:
                    return None
                shape.agents = (col[2][0], col[3][0])
                continue
            if any(isinstance(r, str) and r in holders for r in refs):
                return None
            shape.edges[name] = (refs, *(list(a) for a in col[2:]))
        for name, values in tc.fields.items():
            v = values[0]
            if name in _DERIVED:
                continue
            if name in _PER_USER and isinstance(v, str) and v in holders:
                shape.own[name] = holders[v]
            elif isinstance(v, str) and (v in holders or v == agents):
                return None
            else:
                shape.fields[name] = v
        return shape


def add_shaped(acc: Columns, ids: list[str], shapes: list[UserShape],
               strings: list[list[str]], students: list[list[str]]) -> None:
    """Append the columns of users ``ids`` (in roster order) to ``acc``, user ``i`` of
    shape ``shapes[i]``; ``strings[k][i]`` is user ``i``'s own string ``k`` (as
    :meth:`UserShape.of`'s ``holders`` number them), ``students[i]`` a contact's students
    (a list per user, empty for a user that is no contact)."""
    base = len(acc.ids)
    n = len(ids)
    acc.ids.extend(ids)
    rows = range(base, base + n)
    cols, f = acc.cols, acc.fields
    cols["roles"].frombytes(bytes(s.role for s in shapes))
    for name, col in cols.items():
        if name in ("roles", "contact_for"):
            continue
        got = [s.edges.get(name) for s in shapes]
        if not any(g is not None and g[0] for g in got):
            continue
        counts = [len(g[0]) if g is not None else 0 for g in got]
        col[0].extend(chain.from_iterable(map(repeat, rows, counts)))
        for k in range(1, len(col)):
            col[k].extend(chain.from_iterable(g[k - 1] for g in got if g is not None))
    if students:
        c_rows, c_refs, c_rel, c_type = cols["contact_for"]
        canon = acc.canon.setdefault
        counts = [len(named) if s.agents is not None else 0
                  for s, named in zip(shapes, students)]
        linked: list[tuple[Any, Any]] = [s.agents if s.agents is not None and c else (None, None)
                                         for s, c in zip(shapes, counts)]
        c_rows.extend(chain.from_iterable(map(repeat, rows, counts)))
        c_refs.extend(chain.from_iterable(n for n, c in zip(students, counts) if c))
        c_rel.extend(chain.from_iterable(map(repeat, (canon(r, r) for r, _ in linked),
                                             counts)))
        c_type.extend(chain.from_iterable(map(repeat, (canon(t, t) for _, t in linked),
                                              counts)))
    if not acc.with_fields:
        return
    own: dict[str, list[Any]] = {}
    for name in f:
        if name in _DERIVED:
            continue
        if any(name in s.own for s in shapes):
            values = [strings[s.own[name]][i] if name in s.own else s.fields.get(name)
                      for i, s in enumerate(shapes)]
        else:  # (a constant of each shape)
            values = [s.fields.get(name) for s in shapes]
        if name in _PER_USER:
            own[name] = values
        column = f[name]
        if isinstance(column, list):
            canon = acc.canon.setdefault
            column.extend(map(canon, values, values) if name == "student_grade" else values)
        else:
            column.frombytes(bytes(1 if v else 0 for v in values))
    for name, source in _DERIVED.items():
        if name in f:
            values = own[source]
            if name == "email_hash":
                f[name].extend(map(hash, values))
            else:
                f[name].frombytes(bytes(map(email_without_at, values)))
