"""Privacy of the people a section's ``extra`` names: what the OneRoster reader keeps of
the enrollments Clever has no field for (the users of roles such as ``aide``, the
enrollments' own ids and their other cells, each keyed or listed by user id).

A section is no person, so a policy keeps its fields; these keys are people's, though:
pseudonymized, every user id in them becomes its pseudonym (and the enrollment ids,
which sources often make of the user's id, pseudonyms of their own); redacted or
pseudonymized, a student's or contact's enrollment cell other than a date in
``beginDate``/``endDate`` (a vendor's column: free text) becomes the redaction mark, as a
teacher's does with ``redact_staff`` or pseudonymized. A key of a shape the readers
never write (a hand-made Clever JSON) is hidden whole: whatever ids or text it holds
are not passed on.

Examples
--------
>>> from rostergraph.privacy import PrivacyPolicy
>>> d = {"id": "c1", "oneroster.enrollments.aide": ["u9"],
...      "oneroster.enrollmentCells": {"metadata.note": {"student": {"moved": ["u1"]}}}}
>>> section_people(PrivacyPolicy("redacted"), d, "[redacted]")["oneroster.enrollmentCells"]
{'metadata.note': {'student': {'[redacted]': ['u1']}}}
>>> p = PrivacyPolicy("pseudonymized", key=b"k" * 32)
>>> section_people(p, d, "[redacted]")["oneroster.enrollments.aide"][0].startswith("anon-")
True
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .io.enrollcells import ENROLLMENT_CELLS_KEY, by_enrollment
from .io.enrollcols import OTHER_ROLES_KEY, canonical_role
from .io.oneroster_cols import ENROLLMENT_IDS_KEY
from .io.oneroster_grants import CONTACT_ROLES

if TYPE_CHECKING:
    from .privacy import PrivacyPolicy

__all__ = ["cell_shown", "section_people"]

#: enrollment cells shown in every mode (an enrollment's dates say nothing of a person)
_DATES = frozenset({"beginDate", "endDate"})
#: the roles whose cells are hidden in the redacted mode without ``redact_staff``: a
#: student's and a contact's (OneRoster's contact roles)
_PROTECTED = frozenset({"student", "contact", *CONTACT_ROLES})
#: a date (and time) as OneRoster exports write one: shown in a date column, where any
#: other text (a note typed in the wrong column) is hidden as free text is
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
                   r"|\d{1,2}/\d{1,2}/\d{2,4}")


def section_people(policy: PrivacyPolicy, d: dict[str, Any], mark: str) -> dict[str, Any]:
    """Section dict ``d`` (a record dict) with the people its enrollment keys name hidden
    as ``policy`` (redacted or pseudonymized) says, a hidden cell as ``mark``; ``d`` is
    changed and returned."""
    pseudo = policy.mode == "pseudonymized"
    pid = policy.person_id
    if pseudo:
        for key, users in list(d.items()):
            if key.startswith(OTHER_ROLES_KEY):
                d[key] = [pid(u) if isinstance(u, str) else mark for u in users] \
                    if isinstance(users, list) else mark
        if ENROLLMENT_IDS_KEY in d:
            d[ENROLLMENT_IDS_KEY] = _ids_hidden(policy, d[ENROLLMENT_IDS_KEY], mark)
    cells = d.get(ENROLLMENT_CELLS_KEY)
    if cells is not None:
        d[ENROLLMENT_CELLS_KEY] = {col: _hidden(policy, col, by_role, mark)
                                   for col, by_role in cells.items()} \
            if by_enrollment(cells) is not None else mark
    return d


def _ids_hidden(policy: PrivacyPolicy, ids: Any, mark: str) -> Any:
    """Enrollment ids ``{role: {user: id}}`` pseudonymized; ``mark`` when not of that
    shape."""
    if not (isinstance(ids, dict) and all(
            isinstance(users, dict) and all(isinstance(u, str) and isinstance(e, str)
                                            for u, e in users.items())
            for users in ids.values())):
        return mark
    return {role: {policy.person_id(u): policy.pseudonym(e, "enrollment") if e else e
                   for u, e in users.items()} for role, users in ids.items()}


def cell_shown(policy: PrivacyPolicy, column: str, role: str, value: str, mark: str) -> str:
    """How ``policy`` (redacted or pseudonymized) shows enrollment cell ``value`` of
    ``column`` for a ``role``'s enrollment: as it is, or as ``mark``.

    Examples
    --------
    >>> from rostergraph.privacy import PrivacyPolicy
    >>> p = PrivacyPolicy("redacted")
    >>> cell_shown(p, "endDate", "student", "2025-06-01", "[x]"), cell_shown(
    ...     p, "endDate", "student", "moved", "[x]"), cell_shown(p, "note", "aide", "B", "[x]")
    ('2025-06-01', '[x]', 'B')
    """
    hide = (policy.mode == "pseudonymized" or policy.redact_staff
            or canonical_role(role) in _PROTECTED)
    return mark if hide and not (column in _DATES and _DATE.fullmatch(value)) else value


def _hidden(policy: PrivacyPolicy, col: str, by_role: dict[str, Any], mark: str
            ) -> dict[str, Any]:
    """One column's cells ``{role: {value: [user, ...]}}`` (of the reader's shape) under
    ``policy``."""
    out: dict[str, Any] = {}
    for role, by_value in by_role.items():
        groups: dict[str, list[Any]] = {}
        for value, users in by_value.items():
            groups.setdefault(cell_shown(policy, col, role, value, mark), []).extend(
                policy.person_id(u) for u in users)
        out[role] = groups
    return out
