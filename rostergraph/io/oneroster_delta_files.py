"""A OneRoster delta's ``demographics.csv`` and 1.2 ``userProfiles.csv`` rows applied to the
base roster's users record by record (``read_oneroster(..., base=)``).

In the OneRoster 1.1 and 1.2 CSV bindings each row of a delta file is a record that
changed, keyed by its ``sourcedId``: a demographics row is the demographics record of the
user of its ``sourcedId``, a user profile row a profile record of its own. So such a row
for a user of the base applies to that user whether or not the delta's ``users.csv``
re-sends it (a user whose record did not change is left out of it):

- a user the delta does not send is its base record (:func:`base_user`), read again with
  the delta's rows; a user neither the base nor the delta holds, or one the delta's
  ``users.csv`` deletes, stays "unknown user" at the row's line;
- a demographics row replaces the user's demographics record whole
  (:func:`without_demographics`: what the base's row gave goes first), as a bulk load of
  the file with that row in place of the base's reads it;
- a profile row replaces the base's profile of its ``sourcedId``, whichever user holds
  it, or adds one; the user's other profiles stay, the base's before the delta's, as in
  the file of a bulk load after the change (:func:`merged_profiles`).

Rows ``status=tobedeleted`` are :mod:`~rostergraph.io.oneroster_delta_users`'; a row
given and deleted in one file is followed in file order (the last word wins).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from ..model import record_to_dict
from .oneroster_cols import DEMOGRAPHIC_FIELDS, DEMOGRAPHICS_PREFIX, PROFILES_KEY

__all__ = ["base_user", "merged_profiles", "profile_ids", "without_demographics",
           "without_profiles"]


def base_user(r: Any, uid: str, line: int) -> dict[str, Any] | None:
    """The reader's dict of base user ``uid`` (``r`` is the reader of a delta read with a
    base) for a row at ``line`` of a per-user file naming it when the delta's
    ``users.csv`` does not send it: its base record, its profiles left for
    :func:`merged_profiles` to put back with the delta's; ``None`` when the base holds no
    such user or the delta deletes it (the row then names no user, as in a bulk load)."""
    old = r.base.users.get(uid) if r.base is not None else None
    if old is None or uid in r.gone("users"):
        return None
    d = record_to_dict(old)
    d.pop(PROFILES_KEY, None)
    r.users[uid] = d
    r.user_lines[uid] = line
    r.alias.setdefault(uid, uid)  # (as a users.csv row's own id)
    r.from_base.add(uid)
    return d


def without_demographics(u: dict[str, Any]) -> None:
    """Take from user dict ``u`` what a demographics row gave it (a student's fields on
    its student role, the other cells in ``extra`` keys): a delta's row replaces them."""
    st = u.get("roles", {}).get("student")
    for d in (u, st) if isinstance(st, dict) else (u,):
        for k in [k for k in d if k.startswith(DEMOGRAPHICS_PREFIX)]:
            del d[k]
    if isinstance(st, dict):
        for f in DEMOGRAPHIC_FIELDS:
            st.pop(f, None)


def _sid(profile: Any) -> str:
    sid = profile.get("sourcedId") if isinstance(profile, Mapping) else None
    return sid.strip() if isinstance(sid, str) else ""


def profile_ids(users: Iterable[Any]) -> set[str]:
    """The ``sourcedId`` (without spaces around it) of each profile ``users`` (the delta's
    records: the rows of its own ``userProfiles.csv``) hold."""
    out: set[str] = set()
    for u in users:
        rows = u.extra.get(PROFILES_KEY)
        if isinstance(rows, list):
            out.update(filter(None, map(_sid, rows)))
    return out


def merged_profiles(old: Any, new: Any, resent: set[str]) -> list[Any] | None:
    """The profiles of a user once the delta is applied: base record ``old``'s but those
    of a ``sourcedId`` the delta gives again (``resent``, to this user or another), then
    the delta's record ``new``'s (``None``: none)."""
    have = old.extra.get(PROFILES_KEY) if old is not None else None
    out = [p for p in have if _sid(p) not in resent] if isinstance(have, list) else []
    mine = new.extra.get(PROFILES_KEY) if new is not None else None
    if isinstance(mine, list):
        out += mine
    return out or None


def without_profiles(users: dict[str, Any], base_users: Mapping[str, Any],
                     resent: set[str], delta_users: Mapping[str, Any]) -> None:
    """Take from the base's records in ``users`` (those the delta does not send:
    not in ``delta_users``) the profiles whose ``sourcedId`` a row of the delta gives
    again for another user (``resent``): the profile record is that user's now."""
    for uid, old in base_users.items():
        rows = old.extra.get(PROFILES_KEY) if old.extra else None
        if uid in delta_users or not isinstance(rows, list) or not any(
                _sid(p) in resent for p in rows):
            continue
        user = users.get(uid)
        if user is None or not isinstance(rows := user.extra.get(PROFILES_KEY), list):
            continue
        left = [p for p in rows if _sid(p) not in resent]
        extra = {k: v for k, v in user.extra.items() if k != PROFILES_KEY}
        if left:
            extra[PROFILES_KEY] = left
        users[uid] = attrs.evolve(user, extra=MappingProxyType(extra))
