"""Privacy of the free text a record's ``extra`` keeps (a vendor's column, ``sftp.<Column>``,
``oneroster.<column>``, an unknown Clever JSON key, and ``ext``) where a policy shows the
record's fields: sections, schools, courses, terms and districts in the redacted and
pseudonymized modes, and teachers, staff and admins in the redacted mode without
``redact_staff`` (a person whose values are hidden has the extra hidden whole).

Such text is no person's field, but it may name one (a vendor's seat list holding a
student's id or sis id): it is scrubbed as report text is
(:meth:`~rostergraph.privacy.PrivacyPolicy.apply_text`), the people of the bound roster
it names hidden (ids pseudonymized in the pseudonymized mode, names, emails and sis ids
redacted or pseudonymized) and the rest kept. Not scrubbed: the section's enrollment keys
(:func:`~rostergraph.privacy_enrollments.section_people` hides those) and the keys of
references to places and courses (``oneroster.termSourcedIds``: ids shown in every mode).

Examples
--------
>>> import rostergraph
>>> from rostergraph.privacy import PrivacyPolicy
>>> r = rostergraph.sample()
>>> p = PrivacyPolicy("pseudonymized", key=b"k" * 32).bind(r)
>>> d = extras_scrubbed(p, {"id": "se1", "seats": "5f7a57d00000000000000028 row 3"})
>>> d["seats"].startswith("anon-"), d["seats"].endswith(" row 3")
(True, True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .io.credentials import FIELD_NAMES
from .io.enrollcells import ENROLLMENT_CELLS_KEY
from .io.enrollcols import OTHER_ROLES_KEY
from .io.oneroster_cols import ENROLLMENT_IDS_KEY

if TYPE_CHECKING:
    from .privacy import PrivacyPolicy

__all__ = ["extras_scrubbed"]

#: the section keys :func:`~rostergraph.privacy_enrollments.section_people` hides
_SECTION_PEOPLE = (OTHER_ROLES_KEY, ENROLLMENT_IDS_KEY, ENROLLMENT_CELLS_KEY)
#: how the OneRoster reader names a key holding references (to orgs, terms, courses)
_REFERENCES = ("SourcedId", "SourcedIds")


def extras_scrubbed(policy: PrivacyPolicy, d: dict[str, Any]) -> dict[str, Any]:
    """Record dict ``d`` with the free text of its ``extra`` (at any depth) and of its
    ``ext`` scrubbed by ``policy`` (redacted or pseudonymized); its fields as they are.

    Examples
    --------
    >>> from rostergraph.privacy import PrivacyPolicy
    >>> p = PrivacyPolicy("redacted")
    >>> extras_scrubbed(p, {"id": "sc1", "name": "a@b.org", "note": "mail a@b.org"})
    {'id': 'sc1', 'name': 'a@b.org', 'note': 'mail [redacted]'}
    """
    out: dict[str, Any] = {}
    for k, v in d.items():
        if k.startswith(_SECTION_PEOPLE) or k.endswith(_REFERENCES):
            out[k] = v
        elif k == "ext" or k not in FIELD_NAMES:
            out[k] = _scrubbed(policy, v)
        elif isinstance(v, dict):  # a nested object: its own extra
            out[k] = extras_scrubbed(policy, v)
        elif isinstance(v, list):
            out[k] = [extras_scrubbed(policy, x) if isinstance(x, dict) else x for x in v]
        else:
            out[k] = v
    return out


def _scrubbed(policy: PrivacyPolicy, value: Any) -> Any:
    """Every string in ``value`` (keys of its objects too: a vendor's map may be keyed by
    student) scrubbed; numbers, booleans and nulls as they are."""
    if isinstance(value, str):
        return policy.apply_text(value)
    if isinstance(value, list):
        return [_scrubbed(policy, v) for v in value]
    if isinstance(value, dict):
        return {policy.apply_text(k) if isinstance(k, str) else k: _scrubbed(policy, v)
                for k, v in value.items()}
    return value
