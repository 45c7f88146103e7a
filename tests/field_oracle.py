"""The rules' per-record field columns, written out record by record: the reference the
collector's columns (``rostergraph.columns.Columns``, from text or from records) are
checked against. Kept apart from the package on purpose: a second, plain reading of what
each field means."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _student(u: Any) -> Any:
    return u.roles.student if u.roles is not None else None


def _no_at(email: Any) -> bool:
    return bool(email) and "@" not in email


def _unlisted(role: Any) -> bool:
    """The role's primary school is missing from its schools (an empty id names no school:
    ``""`` is no primary school, and a list of ``""`` only lists none)."""
    if role is None or not role.school:
        return False
    listed = [x for x in role.schools or () if x]
    return bool(listed) and role.school not in listed


#: kind → field column → its value from a record.
FIELD_GETTERS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "users": {
        "email": lambda u: u.email,
        "email_hash": lambda u: hash(u.email),
        "student_email": lambda u: st.email if (st := _student(u)) is not None else None,
        "student_grade": lambda u: st.grade if (st := _student(u)) is not None else None,
        "name_only_last": lambda u: (u.name is not None and bool(u.name.last)
                                     and not u.name.first and not u.name.middle),
        "email_no_at": lambda u: _no_at(u.email),
        "student_email_no_at": lambda u: _no_at(
            st.email if (st := _student(u)) is not None else None),
        "student_school_unlisted": lambda u: _unlisted(_student(u)),
        "teacher_school_unlisted": lambda u: _unlisted(
            u.roles.teacher if u.roles is not None else None),
    },
    "sections": {
        "name": lambda s: s.name,
        "name_hash": lambda s: hash(s.name),
        "grade": lambda s: s.grade,
        "teacher": lambda s: s.teacher,
        "teachers_0": lambda s: next((t for t in s.teachers or () if t != ""), None),
    },
}


def record_fields(kind: str, rec: Any) -> dict[str, Any]:
    """Every field column's value for one record."""
    return {name: get(rec) for name, get in FIELD_GETTERS.get(kind, {}).items()}
