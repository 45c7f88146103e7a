"""Privacy of the people a section's ``extra`` names: what the OneRoster reader keeps of
the enrollments Clever has no field for (the users of roles such as ``aide``, the
enrollments' own ids and their other cells, each keyed or listed by user id).

A section is no person, so a policy keeps its fields; these keys are people's, though:
pseudonymized, every user id in them becomes its pseudonym (and the enrollment ids,
which sources often make of the user's id, pseudonyms of their own); redacted or
pseudonymized, a student's or contact's enrollment cell other than its dates (a
vendor's column: free text) becomes the redaction mark, as a teacher's does with
``redact_staff`` or pseudonymized.

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

from typing import TYPE_CHECKING, Any

from .io.enrollcells import ENROLLMENT_CELLS_KEY
from .io.enrollcols import OTHER_ROLES_KEY
from .io.oneroster_cols import ENROLLMENT_IDS_KEY

if TYPE_CHECKING:
    from .privacy import PrivacyPolicy

__all__ = ["section_people"]

#: enrollment cells shown in every mode (an enrollment's dates say nothing of a person)
_DATES = frozenset({"beginDate", "endDate"})
#: the roles whose cells are hidden in the redacted mode without ``redact_staff``
_PROTECTED = frozenset({"student", "contact", "guardian", "parent", "relative"})


def section_people(policy: PrivacyPolicy, d: dict[str, Any], mark: str) -> dict[str, Any]:
    """Section dict ``d`` (a record dict) with the people its enrollment keys name hidden
    as ``policy`` (redacted or pseudonymized) says, a hidden cell as ``mark``; ``d`` is
    changed and returned."""
    pseudo = policy.mode == "pseudonymized"
    pid = policy.person_id
    if pseudo:
        for key, users in list(d.items()):
            if key.startswith(OTHER_ROLES_KEY) and isinstance(users, list):
                d[key] = [pid(u) for u in users]
        ids = d.get(ENROLLMENT_IDS_KEY)
        if isinstance(ids, dict):
            d[ENROLLMENT_IDS_KEY] = {
                role: ({pid(u): policy.pseudonym(e, "enrollment") if isinstance(e, str) and e
                        else e for u, e in users.items()} if isinstance(users, dict) else users)
                for role, users in ids.items()}
    cells = d.get(ENROLLMENT_CELLS_KEY)
    if isinstance(cells, dict):
        d[ENROLLMENT_CELLS_KEY] = {col: _hidden(policy, col, by_role, pseudo, mark)
                                   for col, by_role in cells.items()}
    return d


def _hidden(policy: PrivacyPolicy, col: Any, by_role: Any, pseudo: bool, mark: str) -> Any:
    """One column's cells ``{role: {value: [user, ...]}}`` under ``policy``."""
    if not isinstance(by_role, dict):
        return by_role
    out: dict[Any, Any] = {}
    for role, by_value in by_role.items():
        if not isinstance(by_value, dict):
            out[role] = by_value
            continue
        hide = col not in _DATES and (pseudo or policy.redact_staff or role in _PROTECTED)
        groups: dict[Any, list[Any]] = {}
        for value, users in by_value.items():
            shown = mark if hide else value
            listed = [policy.person_id(u) for u in users] if isinstance(users, list) else users
            if isinstance(listed, list):
                groups.setdefault(shown, []).extend(listed)
            else:
                groups[shown] = listed
        out[role] = groups
    return out
