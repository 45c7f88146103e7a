"""Per-record field columns the rules read, and how each is computed from a record.

A fast reader extracts these columns from the text of the records it scans; for
rosters from any other reader the rules compute them from the records with the
same getters. Both import them from here, a module below both the readers and
the rules. (``text_suspect``, whether a record may hold a string the string
rules report, is not here: it comes from the text itself.)

Examples
--------
>>> from rostergraph.model import Name, User
>>> FIELD_GETTERS["users"]["name_only_last"](User(id="u", name=Name(last="Lee")))
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["FIELD_GETTERS", "email_without_at", "name_only_last", "school_unlisted"]


def _student(u: Any) -> Any:
    return u.roles.student if u.roles is not None else None


def school_unlisted(role: Any) -> bool:
    """A role's primary ``school`` is missing from its non-empty ``schools`` (RG-SCH-001;
    the JSON Lines scan marks its rows with this too)."""
    return (role is not None and role.school is not None and bool(role.schools)
            and role.school not in role.schools)


def email_without_at(email: Any) -> bool:
    """A non-empty email without ``@`` (RG-USR-001; the JSON Lines scan marks its rows with
    this too)."""
    return bool(email) and "@" not in email


def name_only_last(n: Any) -> bool:
    """A name with a last name only (no first, no middle): RG-USR-004 (the JSON
    Lines scan marks its rows with this too)."""
    return n is not None and bool(n.last) and not n.first and not n.middle


#: kind → field column → its value from a record.
FIELD_GETTERS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "users": {
        "email": lambda u: u.email,
        # Python's hash of the email: valid in this process only, so never stored
        "email_hash": lambda u: hash(u.email),
        "student_email": lambda u: st.email if (st := _student(u)) is not None else None,
        "student_grade": lambda u: st.grade if (st := _student(u)) is not None else None,
        "name_only_last": lambda u: name_only_last(u.name),
        "email_no_at": lambda u: email_without_at(u.email),
        "student_email_no_at": lambda u: email_without_at(
            st.email if (st := _student(u)) is not None else None),
        "student_school_unlisted": lambda u: school_unlisted(_student(u)),
        "teacher_school_unlisted": lambda u: school_unlisted(
            u.roles.teacher if u.roles is not None else None),
    },
    "sections": {
        "name": lambda s: s.name,
        "name_hash": lambda s: hash(s.name),  # (valid in this process only: never stored)
        "grade": lambda s: s.grade,
        "teacher": lambda s: s.teacher,
        "teachers_0": lambda s: s.teachers[0] if s.teachers else None,
    },
}
