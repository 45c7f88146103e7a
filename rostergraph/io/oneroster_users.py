"""The users of a OneRoster bundle: ``users.csv``, 1.2 ``roles.csv``, and the contacts'
students (``agentSourcedIds``), as Clever users with Clever roles.

OneRoster roles map onto Clever's (matched ignoring case): ``student`` and ``teacher`` to
the same roles, ``administrator`` to ``district_admin`` when one of its orgs is a district
and to ``staff`` otherwise, ``aide``, ``proctor``, ``principal``, ``counselor`` and
``siteAdministrator`` to ``staff`` (the value kept in ``staff.roles``),
``districtAdministrator`` and ``systemAdministrator`` to ``district_admin``, and
``parent``, ``guardian`` and ``relative`` to ``contact`` (linked to the students their
``agentSourcedIds`` name). Any other value is a problem and the user loads without that
role (the value kept in ``extra["oneroster.role"]``). In 1.1 a user with several roles is
one row per role; the ``metadata.rostergraph.userId`` extension column joins them back.

The functions take the bundle's reader (:mod:`rostergraph.io.oneroster`), which holds the
orgs read before and the users' tables the later files use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..roster import Roster
from . import oneroster_cols
from .csv_rowchecks import row_text
from .csvutil import split_ids, split_list
from .enrollcols import canonical_role
from .mapping import CEDS_TO_CLEVER, passwords_left_out
from .oneroster_cols import (
    CARRY_COLUMN,
    PLACING_ROLES,
    PREFIX,
    ROLES_KEY,
    USER_ID_COLUMN,
    kept_role_row,
)
from .oneroster_grants import (
    CONTACT_ROLES,
    DISTRICT_ADMIN_ROLES,
    STAFF_ROLES,
    clever_role,
    grants,
)
from .oneroster_primary import says_primary
from .oneroster_roles_told import tell_primaries, tell_role_rows
from .oneroster_user_cells import keep_cell, keep_orgs, kept_apart, other_districts

if TYPE_CHECKING:
    from .oneroster import _Reader

__all__ = ["PENDING", "PLAIN_ROLES", "ROLES_KEY", "USER_ID_COLUMN", "PlainRows", "apply_role",
           "differing_cells", "keep_base_roles", "keep_unplaced", "link_contacts",
           "link_pending", "read_roles", "read_users"]

#: The reader's key, in a contact's dict, for its own row's ``agentSourcedIds`` not yet
#: linked: ``[line, cell]`` (see :func:`link_contacts`).
PENDING = "_agents"


_USER_COLS = {"sourcedId": "id", "givenName": "name.first", "familyName": "name.last",
              "middleName": "name.middle", "email": "email",
              "dateLastModified": "last_modified"}
_USER_CONSUMED = {"role", "orgSourcedIds", "username", "identifier", "grades",
                  "agentSourcedIds", "primaryOrgSourcedId", USER_ID_COLUMN,
                  CARRY_COLUMN,
                  "password"}  # (a login credential: never kept, counted in a note)

_USER_MAPPED = frozenset(_USER_COLS) | _USER_CONSUMED
_USER_MAPPED_CONTACT = _USER_MAPPED | {"phone"}

#: The single-id cells of users.csv and 1.2 roles.csv that name a record: (column, kind)
#: (a cell named only without the spaces around it is read so, with a problem)
_USER_REFS = (("primaryOrgSourcedId", "orgs"),)
_ROLE_REFS = (("userSourcedId", "users"), ("orgSourcedId", "orgs"))
#: users.csv columns read for a role (kept in extra when no role of the user takes them)
_ROLE_CELLS = ("orgSourcedIds", "username", "identifier", "grades", "primaryOrgSourcedId")
_TAKES_NOTHING: frozenset[str] = frozenset()
#: the role cells each kind of role takes (a student with one grade takes ``grades`` too)
_TAKES = {"student": frozenset({"orgSourcedIds", "identifier", "username", "grades"}),
          "teacher": frozenset({"orgSourcedIds", "identifier", "username"}),
          "districtAdministrator": frozenset({"orgSourcedIds"}),
          "parent": frozenset({"identifier"}), "guardian": frozenset({"identifier"}),
          "relative": frozenset({"identifier"})}


def _orgs_split(rd: _Reader, ids: list[str], admin: bool = False, staff: bool = False
                ) -> tuple[list[str], list[str]]:
    schools: list[str] = []
    districts: list[str] = []
    for o in ids:
        o = rd.org_school.get(o, o)  # a department's users belong to its school
        t = rd.orgs.get(o, ("school", None))[0]
        if o in rd.school_too:  # a district's and a school's id: a district admin's district
            t = "district" if admin else "school"
        out = districts if t == "district" else schools
        out += [x for x in (_regional(rd, o) if staff else None) or [o] if x not in out]
    return schools, districts


def _regional(rd: _Reader, org: str) -> list[str]:
    """The schools under ``org`` when it is a ``local`` or ``state`` org (Clever has no
    record of it): its staff are staff at those schools (none: placed at ``org``, as any
    other org, which RG-REF-001 then tells)."""
    return rd.schools_under(org) if rd.orgs.get(org, ("",))[0] in ("local", "state") else []


def _add_schools(r: dict[str, Any], schools: list[str]) -> None:
    """``schools`` appended to role dict ``r``'s ``schools`` (each once; none: no list)."""
    for s in schools:
        have = r.setdefault("schools", [])
        if s not in have:
            have.append(s)


def apply_role(rd: _Reader, u: dict[str, Any], role: str, orgs: list[str],
               primary: str | None, row: dict[str, str], file: str, line: int,
               joined: bool = False) -> frozenset[str]:
    """Put OneRoster role ``role`` at ``orgs`` on user dict ``u`` (a problem, and the value
    kept in extra, for a role with no Clever equivalent). Returns the users.csv columns
    of :data:`_ROLE_CELLS` the role took (dropped from the user's cells kept so far, but,
    for a later 1.1 row of the user (``joined``), an earlier row's cell the user does not
    hold: the row took its own cell, not that one; see
    :func:`~rostergraph.io.oneroster_user_cells.kept_apart`)."""
    schools, districts = _orgs_split(rd, orgs, role in DISTRICT_ADMIN_ROLES)
    staff = role in STAFF_ROLES or (role == "administrator" and not districts)
    regional = [o for o in orgs if _regional(rd, o)] if staff else []
    if regional:  # (a local org's staff: at its schools)
        schools, districts = _orgs_split(rd, orgs, staff=True)
    if role in DISTRICT_ADMIN_ROLES:  # orgs that were not delivered are districts here
        districts += [o for o in schools if o not in rd.orgs]
        schools = [o for o in schools if o in rd.orgs]
    if primary and primary in schools:
        schools.remove(primary)
        schools.insert(0, primary)
    if not u.get("district"):
        dist = (districts[0] if districts else None) or next(
            (rd.district_of(s) for s in schools if rd.district_of(s)), None
        ) or rd.sole_district()
        if dist:
            u["district"] = dist
    roles = u.setdefault("roles", {})
    username = row.get("username")
    ident = row.get("identifier") or None
    taken = _TAKES.get(role, _TAKES_NOTHING)
    if role in ("student", "teacher"):
        r = roles.setdefault(role, {})
        _add_schools(r, schools)
        if schools and "school" not in r:
            r["school"] = schools[0]
        if ident is not None:
            r["sis_id"] = ident
        if username:
            r.setdefault("credentials", {})["district_username"] = username
        if role == "student":
            grades = split_list(row.get("grades"))
            if grades:
                r["grade"] = CEDS_TO_CLEVER.get(grades[0], grades[0])
            if len(grades) != 1:  # (several: the list is kept in extra, as for a class)
                taken = _TAKES["teacher"]
    elif role in DISTRICT_ADMIN_ROLES or (role == "administrator" and districts):
        taken = _TAKES["districtAdministrator"]
        roles.setdefault("district_admin", {})
        if schools:
            u[PREFIX + "schools"] = ",".join(schools)
        if other_districts(rd, u, districts, orgs, row, file, line):
            taken = _TAKES_NOTHING  # (its cell kept: the role's own districts)
    elif staff:
        taken = _TAKES["teacher"]
        if regional:  # (the org itself kept: a 1.1 row's cell, a 1.2 row's org)
            taken = taken - {"orgSourcedIds"}
            keep_orgs(rd, u, regional, row)
        r = roles.setdefault("staff", {})
        _add_schools(r, schools)
        if ident is not None:
            r["staff_id"] = ident
        if username:
            r.setdefault("credentials", {})["district_username"] = username
        if role != "administrator":
            r.setdefault("roles", [])
            if role not in r["roles"]:
                r["roles"].append(role)
    elif role in CONTACT_ROLES:
        keep_orgs(rd, u, orgs, row)
        r = roles.setdefault("contact", {})
        if ident is not None:
            r["sis_id"] = ident
        if row.get("phone"):
            r["phone"] = row["phone"]
        rd.contact_role.setdefault(u["id"], role)
    else:
        rd.b.problem("other", f"user role {role!r} has no Clever role; the user is kept "
                     "without it", file=file, line=line, kind="users",
                     record_id=u.get("id"))
        u[PREFIX + "role"] = role
        keep_orgs(rd, u, orgs, row)
    if (staff or role in ("student", "teacher")) and not schools and file == "users.csv" \
            and row.get("orgSourcedIds"):  # (districts only: kept, as no school says them)
        taken = taken - {"orgSourcedIds"}
    cell, clever = row.get("primaryOrgSourcedId") or None, clever_role(role, districts)
    said = says_primary(roles, clever, cell, primary, schools + districts)
    if said:
        taken = taken | {"primaryOrgSourcedId"}
    cells = rd.role_cells.get(u["id"])
    if cells:
        for col in taken:
            if not (joined and kept_apart(rd, u, col, cells.get(col))):
                cells.pop(col, None)
    if said is None and cells is not None:  # (written first, at another org: kept again)
        cells.setdefault("primaryOrgSourcedId", cell)  # type: ignore[arg-type]
    return taken


def keep_unplaced(rd: _Reader) -> None:
    """The users.csv cells that no role of their user took (a district admin's
    ``username``, a teacher's ``grades``, a student's second grade, the orgs of a contact
    or of a role with no Clever equivalent, a 1.2 user with no role) kept in ``extra`` as
    ``oneroster.<column>``: the columns are read for the roles, so nothing else keeps them."""
    for uid, cells in rd.role_cells.items():
        rd.users.settle()  # (between two users: none is in use)
        u = rd.users.get(uid)
        if u is None:
            continue
        for col, value in cells.items():
            u.setdefault(PREFIX + col, value)


def differing_cells(u: dict[str, Any], row: dict[str, str],
                    defaults: dict[str, str]) -> list[str]:
    """The user-level cells of a later ``users.csv`` row of user dict ``u`` (a row joined to
    it by :data:`USER_ID_COLUMN`) that say something else than what ``u`` holds from its
    first row: the mapped columns (name, email, ...) and those kept in ``extra`` (a cell
    equal to its writer's default, ``defaults``, says what an empty one says). Role cells
    and ``phone`` (a contact role's) are the role's, not the user's."""
    out = []
    for col, v in row.items():
        if v == "" or col == "sourcedId":
            continue
        path = _USER_COLS.get(col)
        if path is not None:
            parent, dot, key = path.partition(".")
            have = (u.get(parent) or {}).get(key) if dot else u.get(path)
            if have != v:
                out.append(col)
        elif col not in _USER_MAPPED_CONTACT and col != CARRY_COLUMN and v != u.get(
                PREFIX + col, defaults.get(col)):
            out.append(col)
    return out


#: The roles of the rows :class:`PlainRows` reads.
PLAIN_ROLES = frozenset({"student", "teacher", *CONTACT_ROLES})


class PlainRows:
    """The ``users.csv`` rows of a bulk load without ``roles.csv`` that :func:`read_users`
    reads without its general path: a new user's (its id neither repeated nor joined by
    the userId column, no ``primaryOrgSourcedId``) with a student's,
    teacher's or contact's role. Each gives the same dict, and the same state of the
    reader, as :func:`read_users` and :func:`apply_role` give it (its keys in the same
    order); what depends on one cell only (the role's spelling, an ``orgSourcedIds``
    cell's orgs, schools and district) is worked out once per distinct cell. Any other
    row is left to the general path (:meth:`read` says ``False``)."""

    __slots__ = ("any_role", "orgs", "passwords", "paths", "plans", "rd", "roles")

    def __init__(self, rd: _Reader, plans: dict[bool, list[tuple[str, str, str | None]]]
                 ) -> None:
        self.rd = rd
        self.plans = plans  # (read_users' own: the same plan for the general rows)
        #: (column, key, key in the key's dict or None) of :data:`_USER_COLS`
        self.paths = [(col, path.partition(".")[0], path.partition(".")[2] or None)
                      for col, path in _USER_COLS.items()]
        self.roles: dict[str, str] = {}  # role cell → its canonical_role
        #: orgSourcedIds cell → (its orgs, their schools, the user's district)
        self.orgs: dict[str | None, tuple[list[str], list[str], str | None]] = {}
        self.passwords = 0
        self.any_role = False

    def orgs_of(self, cell: str | None) -> tuple[list[str], list[str], str | None]:
        """An ``orgSourcedIds`` cell's orgs, their schools and the user's district (as
        :func:`apply_role` works them out), remembered for the next row with that cell."""
        got = self.orgs.get(cell)
        if got is None:
            rd = self.rd
            orgs = split_ids(cell, rd.orgs)
            schools, districts = _orgs_split(rd, orgs)
            dist = (districts[0] if districts else None) or next(
                (rd.district_of(s) for s in schools if rd.district_of(s)), None
            ) or rd.sole_district()
            got = self.orgs[cell] = (orgs, schools, dist)
        return got

    def read(self, row: dict[str, str], line: int) -> bool:
        """Read users.csv row ``row`` at ``line`` when it is plain (see the class)."""
        rd = self.rd
        get = row.get
        sid = get("sourcedId")
        if not sid or sid in rd.alias or sid in rd.users.ids or get("primaryOrgSourcedId") or get(
                oneroster_cols.LISTS_COLUMN) or get(USER_ID_COLUMN) not in (None, "", sid):
            return False
        cell = get("role") or ""
        role = self.roles.get(cell)
        if role is None:
            role = self.roles[cell] = canonical_role(cell)
        if role not in PLAIN_ROLES:
            return False
        if get("password"):
            self.passwords += 1
        self.any_role = True
        rd.alias[sid] = sid
        u: dict[str, Any] = {}
        for col, key, sub in self.paths:  # (rd.mapped_fields)
            v = get(col)
            if v:
                if sub is None:
                    u[key] = v
                else:
                    d = u.get(key)
                    if not isinstance(d, dict):
                        d = u[key] = {}
                    d[sub] = v
        u["id"] = sid
        contact = role in CONTACT_ROLES
        plan = self.plans.get(contact)
        if plan is None:
            plan = self.plans[contact] = rd.extra_plan(
                row, _USER_MAPPED_CONTACT if contact else _USER_MAPPED)
        if get(CARRY_COLUMN):
            rd.put_extra(u, row, (), plan)
        else:  # (put_extra's loop, without its call)
            for col, key, default in plan:
                v = row[col]
                if v != "" and v != default:
                    u[key] = v
        rd.users[sid] = u
        rd.user_lines[sid] = line
        orgs_cell = get("orgSourcedIds")
        _, schools, dist = self.orgs_of(orgs_cell)
        # (apply_role: a contact's orgs are its row's cell, so none is kept apart)
        if dist:
            u["district"] = dist
        roles: dict[str, Any] = {}
        u["roles"] = roles
        ident = get("identifier") or None
        taken = _TAKES[role]
        if contact:
            r: dict[str, Any] = {}
            roles["contact"] = r
            if ident is not None:
                r["sis_id"] = ident
            if get("phone"):
                r["phone"] = row["phone"]
            rd.contact_role.setdefault(sid, role)
        else:
            r = {}
            roles[role] = r
            if schools:
                r["schools"] = list(schools)
                r["school"] = schools[0]
            if ident is not None:
                r["sis_id"] = ident
            username = get("username")
            if username:
                r["credentials"] = {"district_username": username}
            if role == "student":
                grades = split_list(get("grades"))
                if grades:
                    r["grade"] = CEDS_TO_CLEVER.get(grades[0], grades[0])
                if len(grades) != 1:
                    taken = _TAKES["teacher"]
            if not schools and orgs_cell:  # (apply_role: a cell of districts only is kept)
                taken = taken - {"orgSourcedIds"}
        cells = rd.role_cells.get(sid)
        if cells:
            for col in taken:
                cells.pop(col, None)
        agents = get("agentSourcedIds")
        if agents:  # (read_users': a bulk load)
            if contact and PENDING not in u:
                u[PENDING] = [line, agents]
            else:
                rd.agents[sid] = (line, agents)
        left = [col for col in _ROLE_CELLS if col not in taken and get(col)]
        if left:
            cells = rd.role_cells.setdefault(sid, {})
            for col in left:
                cells.setdefault(col, row[col])
        return True


def read_users(rd: _Reader) -> None:
    """``users.csv``: one user per row (1.1 rows of one user joined by its userId
    column), each row's role applied; a row with no id or a repeated id is a problem."""
    plans: dict[bool, list[tuple[str, str, str | None]]] = {}  # contact? → _extra plan
    plain = PlainRows(rd, plans) if rd.base is None and "roles.csv" not in rd.bundle else None
    any_role = rd.any_role = False
    passwords = 0
    roles_file = "roles.csv" in rd.bundle and rd.wanted("roles.csv")
    for line, given in rd.rows("users.csv", "users"):
        if plain is not None and plain.read(given, line):
            continue
        row = rd.respelt(given, _USER_REFS, "users.csv", line, "users")
        if row.get("password"):
            passwords += 1
        sid = row.get("sourcedId")
        if not sid:
            rd.b.problem("no_id", "user without a sourcedId", file="users.csv", line=line,
                         kind="users", raw=row_text(given))
            continue
        uid = row.get(USER_ID_COLUMN) or sid
        if rd.base is not None:  # (a repeated id too: it says the row is given again)
            rd.delta_rows.setdefault(rd.alias.get(sid, uid), []).append(
                (line, sid, canonical_role(row.get("role") or "")))
        if sid in rd.alias:
            rd.b.problem("duplicate_id", f"duplicate user id {sid!r}: the first record "
                         "is kept", file="users.csv", line=line, kind="users",
                         record_id=sid, raw=row_text(given))
            continue
        rd.alias[sid] = uid
        if uid != sid:
            rd.joined_ids = True
        u = rd.users.get(uid)
        joined = u is not None  # a later row of a 1.1 user with several roles
        role = canonical_role(row.get("role") or "")
        any_role = rd.any_role = any_role or bool(role)
        if u is None:
            u = rd.mapped_fields(row, _USER_COLS)
            u["id"] = uid
            contact = role in CONTACT_ROLES
            plan = plans.get(contact)
            if plan is None:  # (every row of the file has the same columns)
                plan = plans[contact] = rd.extra_plan(
                    row, _USER_MAPPED_CONTACT if contact else _USER_MAPPED)
            rd.put_extra(u, row, (), plan)
            rd.users[uid] = u
            rd.user_lines[uid] = line
        else:
            contact = role in CONTACT_ROLES
            plan = plans.get(contact)
            if plan is None:
                plan = plans[contact] = rd.extra_plan(
                    row, _USER_MAPPED_CONTACT if contact else _USER_MAPPED)
            differ = differing_cells(u, row, {c: d for c, _, d in plan if d is not None})
            if differ:
                rd.b.problem("other", f"row joins user {uid!r} ({USER_ID_COLUMN}) but its "
                             f"{', '.join(differ)} differ from the user's first row; the first "
                             "row's values are kept", file="users.csv", line=line,
                             kind="users", record_id=sid, raw=row_text(given))
            if row.get(CARRY_COLUMN):
                rd.put_extra(u, {CARRY_COLUMN: row[CARRY_COLUMN]}, ())
        taken = _TAKES_NOTHING
        if role and roles_file:  # (1.2 with 1.1's role column: after roles.csv's roles)
            rd.later_roles.append((uid, role, line, row))
        elif role:
            orgs = oneroster_cols.listed_ids(row, "orgSourcedIds", rd.orgs)
            taken = apply_role(rd, u, role, orgs, row.get("primaryOrgSourcedId") or None, row,
                               "users.csv", line, joined)
        agents = row.get("agentSourcedIds")
        if agents:  # (a row's sourcedId is never repeated: see above)
            if rd.base is None and role in CONTACT_ROLES and PENDING not in u:
                u[PENDING] = [line, agents]  # (linked when the dict is next at hand)
            else:
                rd.agents[sid] = (line, agents)
        left = [col for col in _ROLE_CELLS if col not in taken and row.get(col)]
        if left and joined:  # what an earlier role of the user holds is not kept twice
            left = [col for col in left if kept_apart(rd, u, col, row[col])]
        for col in left:  # cells the row's role did not take (1.2: all, until roles.csv's)
            keep_cell(rd, u, col, row[col], line, joined)
        # 1.2: the roles come from roles.csv, with this row's fields (a row that still has
        # 1.1's role column too: roles.csv's roles take its cells as its own role did)
        if not role or roles_file:
            rd.user_rows.setdefault(uid, row)
            if row.get("primaryOrgSourcedId"):
                u["_primary_org"] = row["primaryOrgSourcedId"]
    if plain is not None:
        passwords += plain.passwords
        any_role = rd.any_role = any_role or plain.any_role
    if rd.column_users is not None:  # (the rows read column-wise: see oneroster_usertext)
        passwords += rd.column_users.passwords
        any_role = rd.any_role = any_role or rd.column_users.any_role
    if passwords:
        rd.b.notes.append(passwords_left_out("users.csv", passwords))
    if rd.users and not any_role and "roles.csv" not in rd.bundle and rd.base is None:
        rd.b.problem("other", "no user has a role (is the role column missing?) and there "
                     "is no roles.csv: every user is loaded without one", file="users.csv")


def read_roles(rd: _Reader, merge: Callable[[_Reader, list[tuple[int, dict[str, str]]]],
                                          Any] | None = None) -> None:
    """1.2 ``roles.csv``: each row's role applied to its user, primary roles first (a
    ``sourcedId`` given again: ``duplicate_id``, the first row kept, as in the other files).
    ``merge``: a delta's, read with a base roster, gives the base's role rows left to the
    users the rows name, before the delta's in file order, and applies them
    (:func:`~rostergraph.io.oneroster_delta_roles.merge_base_roles`)."""
    rows: list[tuple[int, dict[str, str]]] = []
    ids: set[str] = set()
    no_ids: list[int] = []  # lines of the rows without a sourcedId
    odd_types: dict[int, str] = {}  # line → a roleType neither primary nor secondary
    for line, given in rd.rows("roles.csv", "users"):
        row = rd.respelt(given, _ROLE_REFS, "roles.csv", line, "users")
        sid = row.get("sourcedId")
        if not sid:
            no_ids.append(line)
        kind = row.get("roleType")
        if kind is not None and kind.strip().lower() not in ("primary", "secondary"):
            odd_types[line] = kind
        if sid and sid in ids:
            rd.b.problem("duplicate_id", f"duplicate role id {sid!r}: the first row is kept",
                         file="roles.csv", line=line, kind="users",
                         record_id=row.get("userSourcedId") or None, field="sourcedId",
                         raw=row_text(given))
            continue
        if sid:
            ids.add(sid)
        rows.append((line, row))
    # (none left when every row is a column-wise user's: the header says the columns)
    tell_role_rows(rd, rows[0][1] if rows else rd.role_header, no_ids, odd_types)
    tell_primaries(rd, rows, lambda row: rd.alias.get(row.get("userSourcedId") or "",
                                                      row.get("userSourcedId") or ""))
    merged = merge(rd, rows) if merge is not None and rd.base is not None else None
    every = rows + merged.rows if merged is not None else rows
    pending = sorted(every, key=_primary_first(rd, every))  # (the primary org: the school)
    for line, row in pending:
        rd.users.settle()  # (between two rows: no user is in use)
        usid = row.get("userSourcedId") or ""
        uid = rd.alias.get(usid, usid)
        u = rd.users.get(uid)
        if u is None:
            rd.b.problem("other", f"role for unknown user {usid!r}; not loaded (the row "
                         "is in raw)", file="roles.csv", line=line, kind="users",
                         record_id=usid, raw=row_text(row))
            continue
        if not (row.get("role") or "").strip():  # (required: no role to grant)
            rd.b.problem("other", "role row without a role (OneRoster requires one); it "
                         "grants nothing (the row is in raw)", file="roles.csv", line=line,
                         kind="users", record_id=uid, field="role", raw=row_text(row))
            continue
        if rd.base is not None:  # (what a delta delivered: see apply_delta)
            rd.delivered.setdefault(("roles", uid), line)
        org = row.get("orgSourcedId") or ""
        primary = org if _primary(row) else u.get("_primary_org")
        if merged is not None and merged.apply(u, row, primary, line):
            continue
        apply_role(rd, u, canonical_role(row.get("role") or ""), [org] if org else [],
                       primary, rd.user_rows.get(uid, {}), "roles.csv", line)
    _apply_later_roles(rd)
    for _, row in rows:  # (file order) what a Clever role cannot hold: the row is kept
        rd.users.settle()
        u = rd.users.get(rd.alias.get(row.get("userSourcedId") or "", ""))
        if u is None:
            continue
        kept = kept_role_row(row)
        if kept is None and (_other_contact_role(rd, u["id"], row) or _at_district(rd, row)):
            kept = {k: v for k, v in row.items() if v != "" and k != "userSourcedId"}
        if kept is not None:
            u.setdefault(ROLES_KEY, []).append(kept)


def _at_district(rd: _Reader, row: dict[str, str]) -> bool:
    """Whether roles.csv ``row`` grants a student, teacher or staff role at a district (no
    school: the user's district alone would not say that the row named it)."""
    org, role = row.get("orgSourcedId") or "", canonical_role(row.get("role") or "")
    return role in PLACING_ROLES and org not in \
        rd.school_too and rd.orgs.get(org, ("",))[0] == "district"


def _other_contact_role(rd: _Reader, uid: str, row: dict[str, str]) -> bool:
    """Whether roles.csv ``row`` grants user ``uid`` a contact role other than the one its
    contact says (a ``guardian`` who is ``parent`` too: Clever has one contact role)."""
    role = canonical_role(row.get("role") or "")
    return role in CONTACT_ROLES and role != rd.contact_role.get(uid)


def _apply_later_roles(rd: _Reader) -> None:
    """The roles of the 1.1 ``role`` column a 1.2 ``users.csv`` still has, applied after
    ``roles.csv``'s, so its ``roleType=primary`` row says the school (``orgSourcedIds``
    may list the orgs in any order). An ``administrator`` without orgs (1.1's role splits
    into 1.2's) adds nothing to a user whose roles.csv rows made it staff or district admin."""
    later, rd.later_roles = rd.later_roles, []
    for uid, role, line, row in later:
        rd.users.settle()
        u = rd.users.get(uid)
        if u is None:
            continue
        orgs = oneroster_cols.listed_ids(row, "orgSourcedIds", rd.orgs)
        if role == "administrator" and not orgs and not u.get("roles", {}).keys().isdisjoint(
                ("staff", "district_admin")):
            continue
        apply_role(rd, u, role, orgs, row.get("primaryOrgSourcedId") or None, row,
                   "users.csv", line)


def _primary_first(rd: _Reader, rows: list[tuple[int, dict[str, str]]]
                   ) -> Callable[[tuple[int, dict[str, str]]], tuple[bool, int]]:
    """The sort key that puts each user's primary role rows first, in file order: its
    ``roleType=primary`` rows, or, for a user with none (all ``secondary``, or the cell
    left empty), its rows at the org its ``users.csv`` ``primaryOrgSourcedId`` names."""
    def uid_of(row: dict[str, str]) -> str:
        usid = row.get("userSourcedId") or ""
        return rd.alias.get(usid, usid)

    with_primary = {uid_of(row) for _, row in rows if _primary(row)}

    def key(lr: tuple[int, dict[str, str]]) -> tuple[bool, int]:
        line, row = lr
        if _primary(row):
            return False, line
        uid = uid_of(row)
        org = row.get("orgSourcedId")
        return not (uid not in with_primary and org and org == rd.user_rows.get(
            uid, {}).get("primaryOrgSourcedId")), line
    return key


def keep_base_roles(rd: _Reader) -> None:
    """A delta read onto a base roster: each 1.2 ``users.csv`` row whose user no role of
    the delta names (its roles are in the base's ``roles.csv``, which a delta that only
    updates users does not repeat) takes the base user's roles, applied with the row's
    cells (``identifier``, ``username``, ``grades``, ...), as a bulk load of the new row
    with the base's roles would give (the user lost every role and its district)."""
    base = rd.base
    if base is None:
        return
    for uid, row in rd.user_rows.items():
        u = rd.users.get(uid)
        old = base.users.get(uid)
        if u is None or old is None or u.get("roles"):
            continue
        line = rd.user_lines[uid]
        given = grants(old)
        primary = u.get("_primary_org") or next((o[0] for _, o in given if o), None)
        for role, orgs in given:
            apply_role(rd, u, role, orgs, primary, row, "users.csv", line)


def _primary(row: dict[str, str]) -> bool:
    """Whether a roles.csv row's ``roleType`` is ``primary`` (in any case)."""
    return (row.get("roleType") or "").strip().lower() == "primary"


def link_contacts(rd: _Reader) -> None:
    """Each contact's ``agentSourcedIds`` (or a student's naming its contacts) as the
    contact's student relationships. A row of a user that is no contact keeps its value in
    ``extra["oneroster.agentSourcedIds"]`` too (its side of the links: what a delta that
    updates the contact's row needs). In a delta, a row naming a contact that only the base
    has links it (:func:`~rostergraph.io.oneroster_delta.apply_delta`), and a contact's row
    keeps the links the base's students' rows give it."""
    base = rd.base
    agents_of, rd.agents = rd.agents, {}  # (no other step reads them: let go when done)
    for sid, (line, cell) in agents_of.items():
        rd.users.settle()  # (between two users: none is in use)
        uid = rd.alias.get(sid, sid)
        u = rd.users.get(uid)
        agents = split_list(cell)
        if u is None or not agents:
            continue
        if "contact" in u.get("roles", {}):
            link_pending(rd, u, line)
            _link(rd, u, *(rd.alias.get(a, a) for a in agents))
            continue
        u.setdefault(PREFIX + "agentSourcedIds", cell)  # (as given: "U1, U2" keeps its space)
        for a in agents:
            aid = rd.alias.get(a, a)
            other = rd.users.get(aid)
            if other is not None:
                if "contact" in other.get("roles", {}):
                    link_pending(rd, other, line)
                    _link(rd, other, uid)
            elif base is not None and _base_contact(rd, aid):
                rd.contact_adds.setdefault(aid, {})[uid] = None  # (in order, each once)
    if base is not None:
        _link_base_students(rd, base)


def link_pending(rd: _Reader, contact: dict[str, Any], before: int | None = None) -> None:
    """The links of user dict ``contact``'s own row (:data:`PENDING`, a contact of a bulk
    load: its ``agentSourcedIds``), made now when that row comes before line ``before``
    (``None``: whatever its line), so links keep the order of the rows that give them.

    A contact's own row is linked when its dict is next at hand, not in a pass of its
    own: for a million parents, reading each back and parking it again cost more than
    the links."""
    pending = contact.get(PENDING)
    if pending is None or (before is not None and pending[0] > before):
        return
    del contact[PENDING]
    alias = rd.alias
    _link(rd, contact, *(alias.get(a, a) for a in split_list(pending[1])))


def _link(rd: _Reader, contact: dict[str, Any], *students: str) -> None:
    """``students`` among user dict ``contact``'s student relationships (each once)."""
    if not students:
        return
    rels = contact["roles"]["contact"].setdefault("student_relationships", [])
    have = {r.get("student") for r in rels}
    rel, typ = CONTACT_ROLES.get(rd.contact_role.get(contact["id"], ""), ("", ""))
    for student in students:
        if student not in have:
            have.add(student)
            rels.append({"student": student, "relationship": rel, "type": typ})


def _base_contact(rd: _Reader, uid: str) -> bool:
    """Whether ``uid`` is a contact of the base roster that the delta does not delete."""
    old = rd.base.users.get(uid) if rd.base is not None else None
    return old is not None and old.roles.contact is not None and uid not in rd.gone("users")


def _link_base_students(rd: _Reader, base: Roster) -> None:
    """A delta's contacts that the base has: linked to the base's users whose rows named
    them (their ``extra["oneroster.agentSourcedIds"]``), but those the delta updates (their
    new rows say) or deletes, as a bulk load of the final rows links them."""
    wanted = {uid for uid, u in rd.users.items()
              if uid in base.users and "contact" in u.get("roles", {})}
    if not wanted:
        return
    gone = rd.gone("users")
    for uid, user in base.users.items():
        named = user.extra.get(PREFIX + "agentSourcedIds")
        if not isinstance(named, str) or uid in rd.users or uid in gone:
            continue
        for a in split_list(named):
            cid = rd.alias.get(a, a)
            if cid in wanted:
                _link(rd, rd.users[cid], uid)
