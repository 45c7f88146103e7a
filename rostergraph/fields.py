"""Per-record field columns the rules read: their names and types, and the tests they hold.

Every reader's columns come from one collector,
:class:`rostergraph.columns.Columns`: a fast reader fills them from the text of
the records it scans, and :func:`rostergraph.columns.field_columns` computes
them from records for rosters from any other reader. (``text_suspect``, whether a
record may hold a string the string rules report, is not here: it comes from the
text itself.)

Examples
--------
>>> FIELDS["users"]["name_only_last"], name_only_last(None)
('bool', False)
"""

from __future__ import annotations

from typing import Any

__all__ = ["FIELDS", "email_without_at", "name_only_last", "school_unlisted"]


def school_unlisted(role: Any) -> bool:
    """A role's primary ``school`` is missing from its non-empty ``schools`` (RG-SCH-001;
    the JSON Lines scan marks its rows with this too). An empty id names no school: ``""``
    is no primary school, and a list of ``""`` only lists none."""
    return (role is not None and bool(role.school) and any(role.schools or ())
            and role.school not in role.schools)


def email_without_at(email: Any) -> bool:
    """A non-empty email without ``@`` (RG-USR-001; the JSON Lines scan marks its rows with
    this too)."""
    return bool(email) and "@" not in email


def name_only_last(n: Any) -> bool:
    """A name with a last name only (no first, no middle): RG-USR-004 (the JSON
    Lines scan marks its rows with this too)."""
    return n is not None and bool(n.last) and not n.first and not n.middle


#: kind → field column → its values' type: ``"str"`` (``str`` or ``None``), ``"bool"``, or
#: ``"hash"`` (``int64``: Python's hash of a string, valid in this process only, so never
#: stored). Users: ``email``, ``email_hash`` (of ``email``; RG-USR-002/003 group emails by
#: it), the student role's ``student_email`` and ``student_grade``, ``name_only_last``
#: (:func:`name_only_last` of ``name``), ``email_no_at`` and ``student_email_no_at``
#: (:func:`email_without_at`), ``student_school_unlisted`` and ``teacher_school_unlisted``
#: (:func:`school_unlisted` of the role). Sections: ``name``, ``name_hash`` (RG-SEC-004
#: groups names by it), ``grade``, ``teacher`` and ``teachers_0`` (the first of
#: ``teachers``).
FIELDS: dict[str, dict[str, str]] = {
    "users": {"email": "str", "email_hash": "hash", "student_email": "str",
              "student_grade": "str", "name_only_last": "bool", "email_no_at": "bool",
              "student_email_no_at": "bool", "student_school_unlisted": "bool",
              "teacher_school_unlisted": "bool"},
    "sections": {"name": "str", "name_hash": "hash", "grade": "str", "teacher": "str",
                 "teachers_0": "str"},
}
