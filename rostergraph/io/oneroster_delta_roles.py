"""A OneRoster 1.2 delta's ``roles.csv`` rows applied to the role rows of the base roster's
users (``read_oneroster(..., base=)``), record by record.

In the OneRoster 1.2 CSV binding each ``roles.csv`` row is a record of its own, with its
own ``sourcedId``, and a delta carries only the records that changed. So a delta's row
whose ``sourcedId`` is one of a base user's role rows updates that row, any other row
adds one, and the user's other role rows stay as the base has them (a ``status=
tobedeleted`` row deletes the row of its ``sourcedId``, here, not the role: a row of a new
id at the same role and org grants it again; for a user the delta's ``roles.csv`` gives
no row, :mod:`~rostergraph.io.oneroster_delta_users`). A user's role rows in the base are
those the 1.2 writer writes for it (:func:`base_role_rows`): one per role and org, under
the ids the writer gives them (:func:`~rostergraph.io.oneroster_cols.role_row_ids`).

The user's roles are then read as a bulk load of its rows after the change reads them:
the base's rows left (the first one ``roleType=primary``, as written) come before the
delta's in file order. A user the delta's ``users.csv`` re-sends takes them with that
row's cells; a user it does not send (its record did not change) is the base's record,
its roles read again from those rows with the cells its roles hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..model import record_to_dict
from .csvutil import split_list
from .enrollcols import canonical_role
from .mapping import CLEVER_TO_CEDS
from .oneroster_cols import PREFIX, PROFILES_KEY, ROLES_KEY
from .oneroster_delta_users import student_cells
from .oneroster_grants import CONTACT_ROLES, STAFF_ROLES, base_role_rows, clever_role, contact_role
from .oneroster_users import apply_role

if TYPE_CHECKING:
    from .oneroster import _Reader

__all__ = ["BaseRoleRows", "base_role_rows", "in_file_order", "merge_base_roles"]

#: the users.csv cells a role takes (kept in extra, ``oneroster.<column>``, when none does)
_CELLS = ("identifier", "username", "grades", "orgSourcedIds")


def _clever_role(role: str) -> str | None:
    """The Clever role OneRoster role ``role`` (as :func:`grants` gives it) is read as;
    ``None`` for a role Clever has none for (kept in ``extra["oneroster.role"]``)."""
    return clever_role(role, [])


class BaseRoleRows:
    """The base's role rows a delta's ``roles.csv`` leaves to the users it names
    (:attr:`rows`, ``(0, row)``: before every row of the delta in file order), and how
    :func:`~rostergraph.io.oneroster_users.read_roles` applies them and the rows of the
    users the delta's ``users.csv`` does not send (:meth:`apply`)."""

    def __init__(self, rd: _Reader) -> None:
        self.rd = rd
        self.rows: list[tuple[int, dict[str, str]]] = []
        self._base_rows: set[int] = set()  # (id() of the rows of :attr:`rows`)
        self.base_only: set[str] = set()  # users read from their base record

    def add_row(self, uid: str, sid: str, role: str, org: str, primary: bool) -> None:
        row = {"sourcedId": sid, "userSourcedId": uid, "role": role, "orgSourcedId": org,
               "roleType": "primary" if primary else "secondary"}
        self._base_rows.add(id(row))
        self.rows.append((0, row))

    def apply(self, u: dict[str, Any], row: dict[str, str], primary: str | None,
              line: int) -> bool:
        """Put ``row``'s role on user dict ``u`` when it is a base row or a row of a user
        the delta does not send (``True``); ``False``: the reader applies it as ever."""
        base_row = id(row) in self._base_rows
        if not base_row and u["id"] not in self.base_only:
            return False
        role = canonical_role(row.get("role") or "")
        org = row.get("orgSourcedId") or ""
        if base_row and _clever_role(role) is None:  # (told when the base was read)
            u[PREFIX + "role"] = role
            if org:
                cells = self.rd.role_cells.setdefault(u["id"], {})
                have = split_list(cells.get("orgSourcedIds"))
                cells["orgSourcedIds"] = ",".join(have + [org] if org not in have else have)
            return True
        cells = (_role_cells(u, role, self.rd.role_cells.get(u["id"], {}))
                 if u["id"] in self.base_only else self.rd.user_rows.get(u["id"], {}))
        apply_role(self.rd, u, role, [org] if org else [], primary, cells, "roles.csv", line)
        return True


def _role_cells(u: dict[str, Any], role: str, left: Mapping[str, str]) -> dict[str, str]:
    """The users.csv cells a base user's role ``role`` is put on with: those its Clever
    role holds in user dict ``u`` (nothing changes), or, for a role it does not hold, the
    user's own (what its roles hold, or what it kept in extra: ``left``)."""
    roles = u.get("roles") or {}
    mine = roles.get(_clever_role(role) or "")
    out: dict[str, str] = {}
    for r in ([mine] if isinstance(mine, dict) else []) + [
            v for v in roles.values() if isinstance(v, dict)]:
        ident = r.get("sis_id") or r.get("staff_id")
        cred = r.get("credentials")
        name = cred.get("district_username") if isinstance(cred, dict) else None
        grade = r.get("grade")
        for col, v in (("identifier", ident), ("username", name),
                       ("grades", CLEVER_TO_CEDS.get(grade, grade) if grade else None)):
            if isinstance(v, str) and v:
                out.setdefault(col, v)
        if r is mine:  # (a role the user holds: its own cells only)
            return out
    for col in ("identifier", "username", "grades"):
        if left.get(col):
            out.setdefault(col, left[col])
    return out


def merge_base_roles(rd: _Reader, rows: list[tuple[int, dict[str, str]]]
                     ) -> BaseRoleRows | None:
    """The base's role rows that a delta's ``roles.csv`` ``rows`` leave to the base users
    they name (the base's rows but those of a ``sourcedId`` a row of the delta gives
    again, and those its tobedeleted rows delete: :func:`_deleted_rows`, each such row's
    line in ``rd.role_deletions`` with the user, role and org it deleted), the users'
    dicts made ready for them: a user the delta's ``users.csv`` sent keeps the base's kept
    role rows (``extra["oneroster.roles"]``) but those; a user it did not send is its
    base record, its roles' orgs read again from the rows. A role row deleted is so a row
    of the user's, not a role: a row the delta adds of the same role and org (an SIS
    giving it a new ``sourcedId``) grants it all the same, as in a bulk load."""
    base = rd.base
    if base is None:
        return None
    in_file_order(rd, "roles", rows)
    given: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in rows:
        usid = row.get("userSourcedId") or ""
        uid = rd.alias.get(usid, usid)
        if uid in base.users and (row.get("role") or "").strip():
            given.setdefault(uid, []).append((line, row))
    if not given:
        return None
    out = BaseRoleRows(rd)
    gone = rd.gone("users")
    deletions = list(zip(rd.deleted_rows.get("roles", ()), rd.deleted_lines.get("roles", ()),
                         strict=True))
    for uid, mine in given.items():
        rd.users.settle()  # (between two users: none is in use)
        old = base.users[uid]
        u = rd.users.get(uid)
        if u is None and uid in gone:
            continue  # (the delta deletes the user: its rows name no user)
        again = {(row.get("sourcedId") or "").strip() for _, row in mine} - {""}
        had = base_role_rows(old)
        dropped = _deleted_rows(rd, uid, had, deletions)
        again |= {had[n][0].strip() for n in dropped}
        left = [(n, role, org) for n, (sid, role, org) in enumerate(had)
                if sid.strip() not in again]
        kept = old.extra.get(ROLES_KEY)
        kept = [k for k in kept if not (isinstance(k, Mapping) and str(
            k.get("sourcedId") or "").strip() in again)] if isinstance(kept, list) else None
        if u is None:
            still = {_clever_role(role) for _, role, _ in left}
            u = _base_user(rd, old, still | {_given_role(rd, row) for _, row in mine},
                           None if "contact" in still else next(
                               (r for r in (canonical_role(row.get("role") or "")
                                            for _, row in mine) if r in CONTACT_ROLES), None))
            rd.users[uid] = u
            rd.user_lines[uid] = mine[0][0]
            rd.alias.setdefault(uid, uid)  # (as a users.csv row's own id)
            out.base_only.add(uid)
            rd.from_base.add(uid)
        u.pop(ROLES_KEY, None)
        if kept:
            u[ROLES_KEY] = kept
        for n, role, org in left:
            out.add_row(uid, "", role, org, n == 0)
    return out


def in_file_order(rd: _Reader, f: str, rows: list[tuple[int, dict[str, str]]] | None,
                  live: dict[str, int] | None = None) -> None:
    """The rows of one ``sourcedId`` that a delta's file ``f`` (``roles``, ``enrollments``,
    ``userProfiles``) both gives and deletes, followed in file order, as ``users.csv``'s
    are (the last word wins): a deletion followed by a row giving its ``sourcedId`` again
    is not applied (it leaves ``rd.deleted_rows``; a problem at its line names the later
    one), and a row followed by a deletion of its ``sourcedId`` is left out of ``rows``
    (the deletion deletes the record: the base's too). ``live``: the last line of each
    live row's id (stripped), when ``rows`` are not at hand."""
    dels = rd.deleted_rows.get(f)
    if not dels:
        return
    if live is None:
        live = {}
        for line, row in rows or ():
            live[(row.get("sourcedId") or "").strip()] = line
    live.pop("", None)
    lines, last = rd.deleted_lines[f], {}
    keep = []
    for k, (row, line) in enumerate(zip(dels, lines, strict=True)):
        sid = (row.get("sourcedId") or "").strip()
        at = live.get(sid, 0)
        if at > line:
            of_user = f != "enrollments"  # (roles, userProfiles: a user's rows)
            rd.b.problem("other", f"status tobedeleted: {f[:-1]} row {sid!r} is given again by "
                         f"a later row of this delta (line {at}), which is loaded; the "
                         "deletion is not applied", file=f + ".csv", line=line,
                         kind="users" if of_user else "sections",
                         record_id=row.get("userSourcedId" if of_user else
                                           "classSourcedId") or sid, field="sourcedId")
            continue
        keep.append(k)
        last[sid] = line
    if len(keep) < len(dels):
        rd.deleted_rows[f] = [dels[k] for k in keep]
        rd.deleted_lines[f] = [lines[k] for k in keep]
        rd.deleted[f] = [rd.deleted[f][k] for k in keep]
    if rows is None:
        return
    kept = []
    for line, row in rows:
        at_sid = (row.get("sourcedId") or "").strip()
        at = last.get(at_sid, 0)
        if at < line:
            kept.append((line, row))
            continue
        usid = row.get("userSourcedId") or ""
        uid = rd.alias.get(usid, usid)
        old = rd.base.users.get(uid) if rd.base is not None else None
        if old is None or all(sid.strip() != at_sid for sid, _, _ in base_role_rows(old)):
            # (the deletion deletes that row of the delta's only: it is applied, no more)
            rd.role_deletions[at] = (uid, canonical_role(row.get("role") or ""),
                                     row.get("orgSourcedId") or "")
    rows[:] = kept


def _deleted_rows(rd: _Reader, uid: str, had: list[tuple[str, str, str]],
                  deletions: Iterable[tuple[dict[str, str], int]]) -> set[int]:
    """The places in ``had`` (user ``uid``'s base role rows: :func:`base_role_rows`) of
    the rows the delta's tobedeleted ``roles.csv`` rows ``deletions`` delete: the row of
    its ``sourcedId``, else (an id naming none of them) the user's rows of its role at its
    org (at every org: none given). Each row that deletes one is put in
    ``rd.role_deletions`` (its line → the user, role and org of the first row it
    deletes), so that it is not applied again to the user's roles."""
    at = {sid.strip(): n for n, (sid, _, _) in enumerate(had)}
    out: set[int] = set()
    for row, line in deletions:
        n = at.get((row.get("sourcedId") or "").strip())
        if n is not None:
            hit = [n]
        else:
            usid = (row.get("userSourcedId") or "").strip()
            role = canonical_role(row.get("role") or "")
            org = (row.get("orgSourcedId") or "").strip()
            hit = [i for i, (_, r, o) in enumerate(had) if role and r == role
                   and (not org or o == org)] if rd.alias.get(usid, usid) == uid else []
        if hit:
            out.update(hit)
            rd.role_deletions[line] = (uid, *had[hit[0]][1:])
    return out


def _given_role(rd: _Reader, row: dict[str, str]) -> str | None:
    """The Clever role a delta's roles.csv ``row`` gives (``administrator`` at a district:
    district administrator, as :func:`~rostergraph.io.oneroster_users.apply_role` reads
    it)."""
    org = row.get("orgSourcedId") or ""
    return clever_role(canonical_role(row.get("role") or ""),
                       [org] if rd.orgs.get(org, ("", None))[0] == "district" else [])


def _base_user(rd: _Reader, old: Any, held: set[str | None],
               contact: str | None) -> dict[str, Any]:
    """Base record ``old`` as the reader's user dict, its roles' orgs left for its rows to
    give again: the roles no row gives (``held``: the Clever roles the rows left give)
    gone, the cells they held kept as the user's (``role_cells``: extra once no role
    takes them, a student's demographics in extra), the others without their schools. A
    contact whose every row the delta gives again as ``contact`` (``parent``,
    ``guardian``, ...) has its links say that role, as the links of a bulk load do."""
    d = record_to_dict(old)
    d.pop(PROFILES_KEY, None)  # (put back with the delta's: see oneroster_delta_files)
    roles = d.setdefault("roles", {})
    cells = rd.role_cells.setdefault(old.id, {})
    for col in _CELLS:  # (a user with no role's, or the orgs of a contact: given again)
        v = d.pop(PREFIX + col, None)
        if isinstance(v, str) and v:
            cells.setdefault(col, v)
    for col, v in _role_cells(d, "", {}).items():
        cells.setdefault(col, v)
    if None not in held:
        d.pop(PREFIX + "role", None)
    if "district_admin" not in held:
        d.pop(PREFIX + "schools", None)
    for name in list(roles):
        r = roles[name]
        if name not in held:
            if name == "student" and isinstance(r, dict) and old.roles.student is not None:
                d.update({k: v for k, v in student_cells(old.roles.student).items()
                          if k not in d})
            del roles[name]
        elif isinstance(r, dict):
            for key in ("school", "schools"):
                r.pop(key, None)
            if name == "staff" and isinstance(r.get("roles"), list):
                r["roles"] = [v for v in r["roles"] if v not in STAFF_ROLES] or None
                if r["roles"] is None:
                    del r["roles"]
    ct = roles.get("contact")
    if contact is not None and isinstance(ct, dict):
        rel, typ = CONTACT_ROLES[contact]
        for link in ct.get("student_relationships") or ():
            if isinstance(link, dict):
                link.update(relationship=rel, type=typ)
        rd.contact_role[old.id] = contact
    elif ct is not None:
        rd.contact_role.setdefault(old.id, contact_role(old))
    return d
