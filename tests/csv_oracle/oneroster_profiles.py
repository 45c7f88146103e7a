"""Reference copy of the row-by-row ``rostergraph.io.oneroster_profiles`` reader, kept only as
the oracle of the equivalence tests (tests/test_csv_equivalence.py): the package's
column-wise readers must give exactly the records and problems this code gives.
Not imported by the package; not maintained beyond bug-for-bug parity."""

from __future__ import annotations

from typing import Any

__all__ = ["read_user_profiles"]

#: columns never kept (a credential's secret)
PROFILE_SECRET = frozenset({"password"})
PROFILES_KEY = "oneroster.userProfiles"


def read_user_profiles(r: Any) -> None:
    """Put each ``userProfiles.csv`` row into its user's extra (``r`` is the OneRoster
    reader: ``rows``, ``users``, ``alias`` and the builder ``b``)."""
    kept = secrets = 0
    for line, row in r.rows("userProfiles.csv", "users"):
        usid = row.get("userSourcedId") or ""
        u = r.users.get(r.alias.get(usid, usid))
        if u is None:
            r.b.problem("other", f"user profile for unknown user {usid!r}; not loaded",
                        file="userProfiles.csv", line=line, kind="users", record_id=usid)
            continue
        prof = {k: v for k, v in row.items()
                if k not in PROFILE_SECRET and k != "userSourcedId" and v != ""}
        secrets += any(bool(row.get(k)) for k in PROFILE_SECRET)
        u.setdefault(PROFILES_KEY, []).append(prof)
        kept += 1
    if kept or secrets:
        r.b.notes.append(f"userProfiles.csv: {kept} profiles kept in the users' extra "
                         f"{PROFILES_KEY!r}"
                         + (f"; {secrets} password{'s' if secrets != 1 else ''} not kept"
                            if secrets else ""))
