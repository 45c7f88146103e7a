"""Field-level differences between two records, and applying them back.

A record is compared through :func:`rostergraph.model.record_to_dict`
(lossless), flattened to ``path → value`` where a path is a tuple of keys
(``("roles", "student", "school")``, shown as ``roles.student.school``).
Nested objects are walked; lists and empty objects are leaf values, so the
presence of an empty role (``roles.staff = {}``) is a change of its own.

Absent is not ``None``: a field missing from the record is :data:`ABSENT`
(an unknown key may really hold ``null`` in ``extra``). A known field the
source sent as an explicit ``null`` compares as absent (its value is
``None`` either way, and a source that starts or stops sending ``null``
has not changed the roster); :func:`apply_changes` keeps the record's own
explicit nulls.

Examples
--------
>>> from rostergraph.model import Term
>>> a = Term(id="t1", name="Fall", start_date="2025-08-15")
>>> b = Term(id="t1", name="Fall 2025", start_date="2025-08-15", end_date="2025-12-19")
>>> [(c.field, c.old, c.new) for c in field_changes(a, b)]
[('name', 'Fall', 'Fall 2025'), ('end_date', ABSENT, '2025-12-19')]
>>> apply_changes(a, field_changes(a, b)) == b
True
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from ..io.credentials import holds_credential
from ..io.csv_rowchecks import is_secret_column
from ..model import _spec, record_from_dict, record_to_dict

__all__ = [
    "ABSENT",
    "TIMESTAMP_FIELDS",
    "FieldChange",
    "apply_changes",
    "field_changes",
    "flatten",
    "is_sensitive",
]

#: Leaf names that are sync bookkeeping rather than roster content.
TIMESTAMP_FIELDS: tuple[str, ...] = ("last_modified", "created")


class _Absent:
    """The value of a field that the record does not have."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:  # noqa: PYI034 (a singleton)
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "ABSENT"


#: Sentinel for "the field is not there" (distinct from a stored ``None``).
ABSENT: Any = _Absent()

Path = tuple[str, ...]


@attrs.frozen(slots=True)
class FieldChange:
    """One field of one record, old value → new value (either may be ``ABSENT``)."""

    path: Path
    old: Any
    new: Any

    @property
    def field(self) -> str:
        """The dotted path, e.g. ``roles.student.school``."""
        return ".".join(self.path)

    @property
    def leaf(self) -> str:
        """The last key of the path."""
        return self.path[-1]


def flatten(record: Any) -> dict[Path, Any]:
    """``path → value`` of a record (via ``record_to_dict``); ``id`` included.

    Examples
    --------
    >>> from rostergraph.model import User, Roles, StudentRole
    >>> flatten(User(id="u1", roles=Roles(student=StudentRole(school="sc1"))))
    {('id',): 'u1', ('roles', 'student', 'school'): 'sc1'}
    """
    out: dict[Path, Any] = {}
    _walk(record_to_dict(record, nulls=False), (), out)
    return out


def _walk(d: dict[str, Any], prefix: Path, out: dict[Path, Any]) -> None:
    for k, v in d.items():
        p = prefix + (k,)
        if isinstance(v, dict) and v:
            _walk(v, p, out)
        else:
            out[p] = v


def _same(a: Any, b: Any) -> bool:
    # 1 == True == 1.0 in Python; a roster value that changes type has changed
    return type(a) is type(b) and a == b


def field_changes(old: Any, new: Any, *, ignore_id: bool = True) -> list[FieldChange]:
    """The fields that differ between two records.

    Parameters
    ----------
    old, new:
        Records of the same class.
    ignore_id:
        Leave the ``id`` field out (the default; a re-identified record's id
        change is reported by the change itself).

    Returns
    -------
    list of FieldChange
        The same changes as comparing :func:`flatten` of both records: every
        path whose value differs, is only in ``old`` (new value ``ABSENT``)
        or only in ``new``. Fields come in schema order.

    Examples
    --------
    >>> from rostergraph.model import Section
    >>> a = Section(id="s1", school="sc1", students=("u1", "u2"))
    >>> b = Section(id="s2", school="sc2", students=("u1", "u2"))
    >>> [c.field for c in field_changes(a, b)], len(field_changes(a, b, ignore_id=False))
    (['school'], 2)
    """
    out: list[FieldChange] = []
    _diff_records(old, new, (), out, ignore_id)
    if ignore_id:
        out = [c for c in out if c.path != ("id",)]
    return out


def _diff_records(a: Any, b: Any, prefix: Path, out: list[FieldChange], ignore_id: bool) -> None:
    # fast path: walk the schema, descend only into fields that differ
    # (both records are non-empty here: an empty nested record is a leaf ``{}``
    # of its parent and is compared there)
    if type(a) is not type(b) or a.extra or b.extra:
        _diff_dicts(record_to_dict(a, nulls=False), record_to_dict(b, nulls=False), prefix, out)
        return
    for name, kind, _ in _spec(type(a)):
        if ignore_id and name == "id" and not prefix:
            continue
        va, vb = getattr(a, name), getattr(b, name)
        if va is vb or (type(va) is type(vb) and va == vb):
            continue
        p = prefix + (name,)
        if kind == "obj" and va is not None and vb is not None and not (_empty(va) or
                                                                         _empty(vb)):
            _diff_records(va, vb, p, out, False)
        else:
            _diff_dicts(_field_dict(name, va, kind), _field_dict(name, vb, kind), prefix, out)


def _empty(rec: Any) -> bool:
    return not rec.extra and all(getattr(rec, n) is None for n, _, _ in _spec(type(rec)))


def _field_dict(name: str, value: Any, kind: str) -> dict[str, Any]:
    if value is None:
        return {}
    if kind == "strs":
        return {name: list(value)}
    if kind == "obj":
        return {name: record_to_dict(value, nulls=False)}
    if kind == "objs":
        return {name: [record_to_dict(v, nulls=False) for v in value]}
    if kind == "map":
        return {name: dict(value)}
    return {name: value}


def _diff_dicts(da: dict[str, Any], db: dict[str, Any], prefix: Path,
                out: list[FieldChange]) -> None:
    fo: dict[Path, Any] = {}
    fn: dict[Path, Any] = {}
    _walk(da, prefix, fo)
    _walk(db, prefix, fn)
    for p, v in fo.items():
        if p not in fn:
            out.append(FieldChange(p, v, ABSENT))
        elif not _same(v, fn[p]):
            out.append(FieldChange(p, v, fn[p]))
    for p, w in fn.items():
        if p not in fo:
            out.append(FieldChange(p, ABSENT, w))


#: Per kind, the fields listing members whose order says nothing: a section's students
#: are a membership (its ``teachers`` are not here: the primary comes first).
_ORDERLESS: dict[str, frozenset[Path]] = {"sections": frozenset({("students",)})}


def _reordered(c: FieldChange) -> bool:
    """Whether ``c`` only reorders a list: the same items, each as many times."""
    return (isinstance(c.old, list) and isinstance(c.new, list)
            and Counter(c.old) == Counter(c.new))


def split_ignored(changes: Iterable[FieldChange], ignore: Sequence[str],
                  kind: str | None = None
                  ) -> tuple[tuple[FieldChange, ...], tuple[FieldChange, ...]]:
    """``(kept, ignored)``: a change is ignored when its dotted path or leaf is in
    ``ignore``, or when it only reorders a member list of a record of ``kind`` whose order
    says nothing (a section's ``students``): kept all the same, so ``apply`` stays exact.

    Examples
    --------
    >>> c = FieldChange(("students",), ["u1", "u2"], ["u2", "u1"])
    >>> split_ignored([c], (), "sections") == ((), (c,))
    True
    """
    orderless = _ORDERLESS.get(kind or "", frozenset())
    if not ignore and not orderless:
        return tuple(changes), ()
    ig = set(ignore)
    kept: list[FieldChange] = []
    dropped: list[FieldChange] = []
    for c in changes:
        quiet = c.leaf in ig or c.field in ig or (c.path in orderless and _reordered(c))
        (dropped if quiet else kept).append(c)
    return tuple(kept), tuple(dropped)


def apply_changes(record: Any, changes: Iterable[FieldChange], *, new_id: str | None = None,
                  cls: type | None = None) -> Any:
    """The record with ``changes`` applied (each field set to its new value).

    Deletions are applied first (emptied parent objects are pruned), then
    assignments, so a value that turns from a scalar into an object (or
    back) is rebuilt exactly.

    Examples
    --------
    >>> from rostergraph.model import Course
    >>> c = Course(id="c1", name="Algebra")
    >>> apply_changes(c, [FieldChange(("number",), ABSENT, "MA101")], new_id="c9")
    Course(id='c9', district=None, name='Algebra', number='MA101')
    """
    d = record_to_dict(record)
    changes = list(changes)
    for c in changes:
        if c.new is ABSENT:
            _delete(d, c.path)
    for c in changes:
        if c.new is not ABSENT:
            _set(d, c.path, c.new)
    if new_id is not None:
        d["id"] = new_id
    rec: Any = record_from_dict(cls or type(record), d)[0]
    return rec


def _delete(d: dict[str, Any], path: Path) -> None:
    chain = [d]
    for k in path[:-1]:
        nxt = chain[-1].get(k)
        if not isinstance(nxt, dict):
            return
        chain.append(nxt)
    chain[-1].pop(path[-1], None)
    # prune objects this deletion emptied (an object that was empty before
    # is a leaf of its own and is restored by an assignment)
    for i in range(len(chain) - 1, 0, -1):
        if chain[i]:
            break
        chain[i - 1].pop(path[i - 1], None)


def _set(d: dict[str, Any], path: Path, value: Any) -> None:
    cur = d
    for k in path[:-1]:
        nxt = cur.get(k)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[k] = nxt
        cur = nxt
    cur[path[-1]] = value


# Values of user fields that may be shown in reports (ids, schools, grades);
# everything else about a person (names, emails, dates of birth, demographics,
# phone numbers, addresses, credentials) is redacted in rendered output.
_USER_SHOWN_LEAVES = frozenset({
    "district", "school", "schools", "grade", "graduation_year", "legacy_id", "title",
    "department", "created", "last_modified", "student", "relationship", "type",
    "student_relationships", "teacher", "staff", "district_admin", "contact",
})


def is_sensitive(kind: str, path: Path, *values: Any) -> bool:
    """Whether a field's values (``values``: the field's old and new, when given) must not
    appear in rendered output.

    Every user field is sensitive except references (district, schools),
    grades, titles and timestamps; records of other kinds are not. A credential
    (:func:`~rostergraph.io.csv_rowchecks.is_secret_column`: ``password``, ``api_token``,
    ...), which a record's ``extra`` may hold, is sensitive in every kind, as is a value
    holding one (a list of objects).

    Examples
    --------
    >>> is_sensitive("users", ("email",)), is_sensitive("users", ("roles", "student", "school"))
    (True, False)
    >>> is_sensitive("sections", ("name",)), is_sensitive("sections", ("sis_password",))
    (False, True)
    >>> is_sensitive("schools", ("vendor",), [{"secret": "x"}], ABSENT)
    True
    """
    if any(isinstance(p, str) and is_secret_column(p) for p in path) or any(
            holds_credential(v) for v in values):
        return True
    if kind != "users":
        return False
    if path and path[0] == "name":
        return True
    return path[-1] not in _USER_SHOWN_LEAVES
