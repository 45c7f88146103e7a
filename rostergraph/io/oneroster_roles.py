"""The plain users of a bulk OneRoster 1.2 load (``users.csv`` with ``roles.csv``) read as
whole columns, straight into the text of their records.

A 1.2 user's roles are rows of ``roles.csv``; most users have one, a few two (a teacher
at two schools). Such a user's record depends on its ``users.csv`` row and its role rows
as a 1.1 row's depends on that row alone: through its strings, which cells are empty,
and a few cells of few distinct values (each role, its ``roleType``, its org's kind and
district, whether its ``sourcedId`` is one rostergraph makes up; the ``grades`` cell,
which role's org ``primaryOrgSourcedId`` names, whether both rows name one org). So each
row of ``users.csv`` is joined to its role rows (pyarrow), in file order, and they are
read as one row of a shape
(:mod:`~rostergraph.io.oneroster_usertext`): the reader's own row path (:func:`read_users`,
:func:`read_roles`, the cells no role took, the demographics, the mends at the end) runs
once per shape on placeholders, and each user's text is its shape's template filled with
its cells, handed to the builder in line order among the row path's users.

Left to the row path, row by row as before: a user with no role row or more than two, a
contact with two (its orgs are kept but for those its other role holds), a role row
that tells something (no ``sourcedId``, an id given twice, an odd ``roleType``, an unknown
org or one spelt with spaces, a row naming a user with spaces around its id; two rows of a
user marked primary at two orgs: their shape tells it on its placeholders), a user that
is no contact but names users in ``agentSourcedIds`` and the contacts it names (its links
go into their records), a row that is not plain for the 1.1 reading
(:func:`~rostergraph.io.oneroster_usertext.plan_users`). A contact's own
``agentSourcedIds`` are its template's links, as for 1.1. A bundle with a ``role`` or
``orgSourcedIds`` column in ``users.csv``, a userId column, ``userProfiles.csv``, rows of a
status, or files whose parse tells anything, is read by the row path whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

from ..roster import RosterBuilder
from .arrow_np import (
    array_chunks,
    arrow_bools,
    arrow_ints,
    arrow_joined,
    arrow_strs,
    ints_or,
    numpy_of,
    text_buffers,
    text_scalar,
)
from .cell_flags import (
    bit_words,
    bits_of,
    cell_codes,
    cell_sizes,
    clean_cells,
    distinct_rows,
    nonempty_cells,
    placeholder_like,
    split_plainly,
    template_cells,
)
from .csv_arrow import cells_at, taken_by_block
from .csv_rowchecks import is_secret_column, row_dicts_at
from .enrollcols import canonical_role, live_status
from .oneroster_cols import (
    _ROLE_ROW_READ,
    CARRY_COLUMN,
    LISTS_COLUMN,
    PLACING_ROLES,
    USER_ID_COLUMN,
    WRITER_DEFAULTS,
)
from .oneroster_grants import CONTACT_ROLES
from .oneroster_users import PENDING, read_roles, read_users
from .oneroster_usertext import (
    _SHAPES_PER_ROW,
    ColumnUsers,
    _arrow_columns,
    _holder,
    _scratch,
    _Shape,
)
from .scan import MAX_STRING

if TYPE_CHECKING:
    from .csvutil import CsvTable
    from .oneroster import _Reader

__all__ = ["COLUMN_ROLES", "plan_role_users"]

#: Whether a bulk 1.2 load reads its plain users column-wise (a switch for the tests that
#: compare it with the row path; never changed by the library).
COLUMN_ROLES = True

#: The most roles.csv rows a user read column-wise has (a teacher at two schools, say).
_MOST_ROLES = 2


def _rkey(j: int, col: str) -> str:
    """The key of role row ``j``'s cell ``col`` in a joined row (no column name holds
    U+E0FF: headers with private-use characters are left to the row path)."""
    return f"\ue0ffroles{j}.{col}"


#: The roles.csv columns whose value shapes the record.
_ROLE_SHAPED = ("role", "roleType")


class _Joined:
    """Reads a joined row (a users.csv row and its role rows, keyed by :func:`_rkey`)
    on a scratch reader with the row path's own functions, as :class:`_Shape` wants."""

    __slots__ = ("role_header", "sc", "user_header")

    def __init__(self, sc: Any, user_header: list[str], role_header: list[str]) -> None:
        self.sc = sc
        self.user_header = user_header
        self.role_header = role_header

    def read(self, row: dict[str, str], line: int) -> bool:
        sc = self.sc
        user = {c: row[c] for c in self.user_header}
        roles = [{c: row[_rkey(j, c)] for c in self.role_header}
                 for j in range(_MOST_ROLES) if _rkey(j, "userSourcedId") in row]

        def rows(name: str, kind: str | None) -> Iterator[tuple[int, dict[str, str]]]:
            if name == "users.csv":
                yield line, user
            else:  # (in file order)
                yield from enumerate(roles, 2)
        sc.rows = rows
        read_users(sc)
        read_roles(sc)
        sid = user["sourcedId"]
        u = sc.users.get(sid)
        agents = sc.agents.pop(sid, None)
        if u is None:
            return False
        if agents is not None:
            if "contact" not in u.get("roles", {}):
                sc.agents[sid] = agents  # (a non-contact's links: not plain, see _Shape)
            else:  # (linked when the record is mended, as link_contacts would now)
                u[PENDING] = [line, agents[1]]
                sc.users[sid] = u
        return True


def _scratch_of(rd: _Reader, sc: Any, orgs: dict[str, tuple[str, str | None]]) -> Any:
    """:func:`_scratch` with the state the 1.2 row path writes its own (the orgs: with the
    placeholders of a shape's org ids)."""
    sc = _scratch(rd, sc)
    sc.user_rows, sc.later_roles, sc.delivered, sc.statuses = {}, [], {}, []
    sc.parsed, sc.cuts, sc._spaced = {}, {}, {}
    sc.orgs, sc._district_memo, sc._sole = orgs, None, None
    return sc


def _role_table(rd: _Reader) -> tuple[CsvTable | None, list[Any]]:
    """roles.csv parsed ahead of its reading when parsing it tells nothing (else ``None``:
    the row path parses it, telling what it tells in its place). The reader's ``rows()``
    then gives its rows (all until :func:`plan_role_users` cuts them), and the file is
    listed among those read when they are read, as the row path lists it."""
    sc = _scratch_of(rd, None, rd.orgs)
    sc.b = RosterBuilder(source="", format="oneroster")
    name = "roles.csv"
    t = sc.table(name, "users")
    # (a table not clean reads its rows as they are asked for, telling the scratch
    # builder of a row it cannot read: the row path parses such a file itself)
    if t is None or not t.clean or sc.b.problems or sc.b.notes or sc.statuses:
        return None, []
    t._where = (name, rd.b, "users")  # (a problem of its rows is the reader's)
    rd.parsed[name] = t
    rd.cuts[name] = partial(_role_rows, rd, sc.b.files, None)
    return t, sc.b.files


def _role_rows(rd: _Reader, files: list[Any], rest: np.ndarray | None, t: CsvTable
               ) -> Iterator[tuple[int, dict[str, str]]]:
    """roles.csv's rows left to the row path (``rest``: their positions; ``None``: all),
    its file listed first."""
    rd.b.files += files
    return row_dicts_at(t, rest) if rest is not None else t.dicts(consume=True)


def _made_up(rsid: Any, usid: Any) -> np.ndarray:
    """Per role row: whether its ``sourcedId`` is one rostergraph makes up for its user
    (``<user>:role:<n>``, ``<user>-role-<n>``: see ``kept_role_row``), in C but for the
    rows whose ids are not ASCII."""
    import pyarrow.compute as pc

    from .oneroster_cols import _made_up_role_id

    made = np.zeros(len(rsid), dtype=bool)
    # (only an id holding "role" may be one: most files have none, and a substring search
    # costs a fraction of the regular expressions)
    cand = np.flatnonzero(numpy_of(pc.match_substring(rsid, "role")))
    if not len(cand):
        return made
    rsid, usid = taken_by_block(rsid, cand), taken_by_block(usid, cand)
    stem = pc.replace_substring_regex(rsid, pattern="[0-9]+$", replacement="")
    digits = numpy_of(pc.match_substring_regex(rsid, pattern="[0-9]$"))
    found = np.zeros(len(cand), dtype=bool)
    for sep in (":role:", "-role-"):
        want = pc.binary_join_element_wise(usid, text_scalar(sep), text_scalar(""))
        found |= numpy_of(pc.equal(stem, want))
    found &= digits
    odd = np.flatnonzero(~numpy_of(pc.string_is_ascii(rsid)) | ~numpy_of(
        pc.string_is_ascii(usid)))
    at = arrow_ints(odd)
    for k, s, u in zip(odd.tolist(), rsid.take(at).to_pylist(), usid.take(at).to_pylist()):
        found[k] = _made_up_role_id(s, u)
    made[cand] = found
    return made


def _role_links(sid: Any, usid: Any, distinct: bool
                ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Each role row's user (its row in users.csv, -1: none named exactly), each user's
    count of role rows, and ``role_at[j][u]``: user ``u``'s ``j``-th role row in file
    order (0 where it has none). ``distinct``: whether no user id is given twice."""
    import pyarrow.compute as pc

    n = len(sid)
    starts = _runs_of_users(sid, usid) if distinct else None
    if starts is not None:  # (each user's rows one after another, in users.csv's order)
        count = np.diff(np.append(starts, len(usid)))
        user = np.repeat(np.arange(n, dtype=np.int64), count)
        return user, count, [np.where(count > j, starts + j, 0) for j in range(_MOST_ROLES)]
    user = ints_or(pc.index_in(usid, value_set=sid.combine_chunks()), -1)
    matched = user >= 0
    count = np.bincount(user[matched], minlength=n)
    mine = np.flatnonzero(matched)
    mine = mine[np.argsort(user[mine], kind="stable")]
    first = np.searchsorted(user[mine], np.arange(n))
    role_at = [np.where(count > j, mine[np.minimum(first + j, max(len(mine) - 1, 0))], 0)
               if len(mine) else np.zeros(n, np.int64) for j in range(_MOST_ROLES)]
    return user, count, role_at


def _runs_of_users(sid: Any, usid: Any) -> np.ndarray | None:
    """Where each user's role rows start, when roles.csv names every user of users.csv
    (ids ``sid``, none twice) in its order, a user's rows one after another, and no other
    id (``None`` otherwise): an export that writes each user's roles as it goes. Read from
    where the named id changes and checked cell by cell, in C, with no id hashed (at 2M
    users, 0.9 s to look each id up against 0.01 s to compare two columns)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n, m = len(sid), len(usid)
    if not n or m < n:
        return None
    changed = np.ones(m, dtype=bool)  # (row 0 starts a run)
    changed[1:] = ~numpy_of(pc.equal(usid.slice(1), usid.slice(0, m - 1)))
    starts = np.flatnonzero(changed)
    if len(starts) != n or not pc.all(pc.equal(
            pa.chunked_array([taken_by_block(usid, starts)]), sid)).as_py():
        return None
    return starts


def _cells_at_users(col: Any, role_at: np.ndarray, users: np.ndarray, n: int) -> Any:
    """A chunked string array of ``n`` cells: at each of ``users`` (ascending, not empty)
    the cell of ``col`` at its role row ``role_at[u]``, empty elsewhere. A user without the
    row, or read by the row path, takes no copy of another's cell (the array is held until
    the reader's end)."""
    import pyarrow as pa

    taken = taken_by_block(col, role_at[users])
    off, _ = text_buffers(taken)
    offsets = np.zeros(n + 1, dtype=np.int64)
    offsets[users + 1] = np.diff(off)
    np.cumsum(offsets, out=offsets)
    offsets += off[0]
    wide = pa.types.is_large_string(taken.type)
    return pa.chunked_array([pa.Array.from_buffers(
        taken.type, n, [None, pa.py_buffer(offsets if wide else offsets.astype(np.int32)),
                        taken.buffers()[2]])])


class _RoleCells:
    """The role rows that tell nothing and may shape a template (``good``), and the
    coded cells the shapes take: roleType, role and org codes with their distinct cells,
    whether each row's ``sourcedId`` is made up, and which of the cells no field reads
    (``extra``) each row fills."""

    __slots__ = ("extra", "good", "made", "org_cells", "org_codes", "role_cells",
                 "role_codes", "said_extra", "type_cells", "type_codes")

    def __init__(self, rd: _Reader, rt: CsvTable, rcols: dict[str, Any],
                 matched: np.ndarray) -> None:
        header = rt.header
        good = matched & nonempty_cells(rcols["sourcedId"])
        if not rt.distinct("sourcedId"):  # (hashed: no code per cell when none repeats)
            codes, _ = cell_codes(rcols["sourcedId"])
            good &= np.bincount(codes, minlength=1)[codes] == 1
        self.type_codes, self.type_cells = cell_codes(rcols["roleType"])
        good &= np.array([v.strip().lower() in ("primary", "secondary")
                          for v in self.type_cells], dtype=bool)[self.type_codes]
        self.role_codes, self.role_cells = cell_codes(rcols["role"])
        good &= np.array([bool(v.strip()) for v in self.role_cells], dtype=bool)[
            self.role_codes]
        self.org_codes, self.org_cells = cell_codes(rcols["orgSourcedId"])
        good &= np.array([not v or v in rd.orgs for v in self.org_cells], dtype=bool)[
            self.org_codes]
        for arr in rcols.values():
            good &= clean_cells(arr)
        self.made = _made_up(rcols["sourcedId"], rcols["userSourcedId"])
        self.extra = [c for c in header if c not in _ROLE_ROW_READ and c != "sourcedId"]
        # (a row per column: a user's cells gathered from one array at a time)
        self.said_extra = np.zeros((len(self.extra), len(matched)), dtype=bool)
        for k, c in enumerate(self.extra):
            self.said_extra[k] = nonempty_cells(rcols[c])
        # (a row kept whole with a made-up id: the row path's, as is a student's, teacher's
        # or staff member's at a district, which is kept whole too: per distinct cell)
        placing = np.array([canonical_role(v) in PLACING_ROLES for v in self.role_cells],
                           dtype=bool)
        district = np.array([rd.orgs.get(v, ("",))[0] == "district" and v not in rd.school_too
                             for v in self.org_cells], dtype=bool)
        kept = self.said_extra.any(axis=0) | (placing[self.role_codes] & district[self.org_codes])
        self.good = good & ~(self.made & kept)


def _ascii_space(b: np.ndarray) -> np.ndarray:
    # the ASCII characters str.strip takes for spaces (tab to CR, FS to US, space)
    return (b == 0x20) | ((b >= 0x09) & (b <= 0x0D)) | ((b >= 0x1C) & (b <= 0x1F))


def _spaced_cells(col: Any) -> np.ndarray:
    """Per cell of a pyarrow string column: whether ``str.strip`` would change it, read
    from the bytes at its ends (a cell with a byte not ASCII at an end is checked as
    ``str``: it may be a wider space)."""
    out = []
    for chunk in array_chunks(col):
        off, data = text_buffers(chunk)
        full = np.flatnonzero(np.diff(off) > 0)
        first, last = data[off[full]], data[off[full + 1] - 1]
        spaced = np.zeros(len(chunk), dtype=bool)
        spaced[full] = _ascii_space(first) | _ascii_space(last)
        wide = full[(first >= 0x80) | (last >= 0x80)]
        if len(wide):
            cells = chunk.take(arrow_ints(wide)).to_pylist()
            spaced[wide] |= np.array([c != c.strip() for c in cells], dtype=bool)
        out.append(spaced)
    return np.concatenate(out) if out else np.zeros(0, dtype=bool)


def _org_classes(rd: _Reader, org_cells: list[str]) -> tuple[np.ndarray, list[Any]]:
    """Each distinct org cell's class (its code, and the classes): a plain school is
    ``("school", its district)``, a placeholder's part of a shape; any other org is
    itself, a literal of the shape."""
    org_class: dict[Any, int] = {}
    org_values: list[Any] = []
    classes = np.zeros(len(org_cells), dtype=np.int64)
    for k, v in enumerate(org_cells):
        if v in rd.orgs and rd.orgs[v][0] == "school" and v not in rd.org_school and (
                v not in rd.school_too):
            key: Any = ("school", rd.district_of(v))
        else:
            key = v
        if key not in org_class:
            org_class[key] = len(org_values)
            org_values.append(key)
        classes[k] = org_class[key]
    return classes, org_values


def plan_role_users(rd: _Reader) -> None:
    """Parse ``users.csv`` and ``roles.csv`` and work out which users the reader reads
    column-wise (see the module's text): ``rd.column_users`` then holds them, and the
    reader's ``rows()`` gives the others' rows of both files."""
    import pyarrow as pa
    import pyarrow.compute as pc

    name = "users.csv"
    if not COLUMN_ROLES or rd.base is not None or "userProfiles.csv" in rd.bundle or (
            name not in rd.bundle) or not rd.wanted("roles.csv"):
        return
    t = rd.table(name, "users")
    rd.parsed[name] = t
    cols = _arrow_columns(t) if t is not None else None
    if t is None or cols is None or "sourcedId" not in cols or live_status(t) or (
            {"role", "orgSourcedIds", USER_ID_COLUMN} & cols.keys()) or (
            placeholder_like(chain(t.header, rd.orgs, rd.org_school.values()))):
        return
    rt, files = _role_table(rd)
    rcols = _arrow_columns(rt) if rt is not None else None
    if rt is None or rcols is None or live_status(rt) or placeholder_like(rt.header) or not (
            {"sourcedId", "userSourcedId", "role", "roleType", "orgSourcedId"} <= rcols.keys()):
        return
    n, m = len(t.lines), len(rt.lines)
    sid, usid = cols["sourcedId"], rcols["userSourcedId"]
    user, count, role_at = _role_links(sid, usid, bool(t.distinct("sourcedId")))
    matched = user >= 0
    rr = _RoleCells(rd, rt, rcols, matched)
    good, made, extra, said_extra = rr.good, rr.made, rr.extra, rr.said_extra
    type_codes, type_cells, role_codes, role_cells = (
        rr.type_codes, rr.type_cells, rr.role_codes, rr.role_cells)
    org_codes, org_cells = rr.org_codes, rr.org_cells
    # -- the users
    ok = nonempty_cells(sid) & (count >= 1) & (count <= _MOST_ROLES)
    ok &= np.bincount(np.where(matched, user, n), weights=good, minlength=n + 1)[:n] == count
    if not t.distinct("sourcedId"):
        s_codes, _ = cell_codes(sid)
        ok &= np.bincount(s_codes)[s_codes] == 1
    for col in (LISTS_COLUMN, CARRY_COLUMN):
        if col in cols:
            ok &= ~nonempty_cells(cols[col])
    fine, escape = template_cells(cols)
    ok &= fine
    ok &= ~_spaced_cells(sid)  # (an id with spaces around it: the row path's)
    # (a role row naming a user with spaces around the ids: that user's rows on the row path)
    unmatched = {v.strip() for v in cells_at(usid, np.flatnonzero(~matched))}
    if unmatched:
        ok &= ~numpy_of(pc.is_in(sid, value_set=arrow_strs(sorted(unmatched))))
    primary = cols.get("primaryOrgSourcedId")
    if primary is not None:
        p_codes, p_cells = cell_codes(primary)
        ok &= np.array([not v or v in rd.orgs for v in p_cells], dtype=bool)[p_codes]
    contact_role = np.array([canonical_role(r) in CONTACT_ROLES for r in role_cells],
                            dtype=bool)[role_codes]
    contact = np.zeros(n, dtype=bool)
    contact[user[good & contact_role]] = True
    # (a contact's orgs are kept but for those its other roles hold: any of its strings,
    # which placeholders would not say, so a contact with several roles is the row path's)
    ok &= ~(contact & (count > 1))
    agents = cols.get("agentSourcedIds")
    if agents is not None:
        named = nonempty_cells(agents)
        others = np.flatnonzero(named & ~contact)
        if len(others):  # (links from other users' rows: the contacts they name, row path)
            linked = {a.strip() for cell in cells_at(agents, others) for a in cell.split(",")}
            ok &= ~(contact & numpy_of(pc.is_in(sid, value_set=arrow_strs(sorted(linked)))))
        ok &= ~(named & ~contact) & split_plainly(agents)
    rows = np.flatnonzero(ok)
    if not len(rows):
        return
    ats = [r[rows] for r in role_at]  # each chosen user's role rows, in file order
    has = [count[rows] > j for j in range(_MOST_ROLES)]
    # -- each user's shape
    classes, org_values = _org_classes(rd, org_cells)
    literal = np.array([not isinstance(v, tuple) for v in org_values], dtype=bool)
    # (a user with an org that is part of its shape has all its orgs so: a department
    # names its school, which a placeholder of another row's org would not be)
    plain_orgs = np.ones(len(rows), dtype=bool)
    for a, h in zip(ats, has):
        plain_orgs &= ~h | ~literal[classes[org_codes[a]]]
    lit0 = len(org_values)  # (an org code from here: the cell org_cells[code - lit0])
    grades = cols.get("grades")
    g_codes, g_cells = cell_codes(grades) if grades is not None else (
        np.zeros(n, np.int64), [""])
    p_of = np.zeros(len(rows), np.int64)
    if primary is not None:
        # (0: empty, 1 + j: role row j's org, _MOST_ROLES + 1: another org as the
        # user's own string, and from _MOST_ROLES + 2 its cell's code: another org beside
        # orgs that are part of the shape)
        other = np.where(plain_orgs, _MOST_ROLES + 1, _MOST_ROLES + 2 + p_codes[rows])
        # (whether it is role row j's org, from the two columns' codes: no cell taken)
        org_at = {v: k for k, v in enumerate(org_cells)}
        p_org = np.array([org_at.get(v, -1) for v in p_cells], dtype=np.int64)[p_codes[rows]]
        same = [(p_org == org_codes[a]) & h for a, h in zip(ats, has)]
        for j in reversed(range(_MOST_ROLES)):
            other = np.where(same[j], 1 + j, other)
        p_of = np.where(nonempty_cells(primary)[rows], other, 0)
    opaque = [c for c in t.header if c not in ("grades", "primaryOrgSourcedId")
              and not is_secret_column(c) and c not in (LISTS_COLUMN, CARRY_COLUMN)]
    says = np.empty((len(rows), len(opaque) + _MOST_ROLES * len(extra)), dtype=bool)
    for k, col in enumerate(opaque):
        said = nonempty_cells(cols[col])
        default = WRITER_DEFAULTS.get(col)
        if default is not None:
            said &= numpy_of(pc.not_equal(cols[col], text_scalar(default)))
        says[:, k] = said[rows]
    parts = [g_codes[rows], p_of]
    if _MOST_ROLES > 1:  # (whether its second row names the first's org)
        parts.append((has[1] & (org_codes[ats[0]] == org_codes[ats[1]])).astype(np.int64))
    for j, (a, h) in enumerate(zip(ats, has)):
        o = np.where(plain_orgs, classes[org_codes[a]], lit0 + org_codes[a])
        parts += [h.astype(np.int64), *(np.where(h, v, 0) for v in (
            role_codes[a], type_codes[a], o, made[a].astype(np.int64)))]
        at_k = len(opaque) + j * len(extra)
        for k in range(len(extra)):
            says[:, at_k + k] = said_extra[k][a] & h
    fixed = len(parts)
    keys, inverse = distinct_rows([*parts, *bit_words(says)])
    keys = [key[:fixed] + bits_of(key[fixed:], says.shape[1]) for key in keys]
    if len(keys) > max(64, _SHAPES_PER_ROW * len(rows)):
        return
    # the fields: users.csv's opaque columns, its primaryOrgSourcedId, then each role row's
    # sourcedId, orgSourcedId and other cells
    every = [*opaque, "primaryOrgSourcedId", *(_rkey(j, c) for j in range(_MOST_ROLES)
                                               for c in ("sourcedId", "orgSourcedId", *extra))]
    f_primary = len(opaque)

    def f_role(j: int, k: int) -> int:  # (role row j's k-th field: its id, org, others)
        return len(opaque) + 1 + j * (2 + len(extra)) + k
    # (each role row's cells at its user's place, of the chosen users whose template takes
    # them: not a made-up id, an org the shape names, an org that is the user's
    # primaryOrgSourcedId (filled from that column), an empty cell; a column no chosen user
    # fills shares one array of empty cells)
    # (chunked, as the table's columns are)
    empty = pa.chunked_array([arrow_joined(b"", np.zeros(n, dtype=np.int64))])
    arrays = [cols[c] for c in opaque] + [primary if primary is not None else empty]
    for j, (a, h) in enumerate(zip(ats, has)):
        at_k = len(opaque) + j * len(extra)
        wants = [h & ~made[a], h & plain_orgs & (p_of != 1 + j),
                 *says[:, at_k:at_k + len(extra)].T]
        arrays += [_cells_at_users(rcols[c], role_at[j], rows[w], n) if w.any() else empty
                   for c, w in zip(("sourcedId", "orgSourcedId", *extra), wants)]
    sc: Any = None
    shapes = []
    for key in keys:
        g_code, p_code = key[0], key[1]
        same_org = _MOST_ROLES > 1 and bool(key[2])
        bits = key[fixed:]
        orgs = dict(rd.orgs)
        row: dict[str, str] = {}
        for k, col in enumerate(opaque):
            row[col] = _holder(k) if bits[k] else ""
        user_id = row["sourcedId"]
        row_orgs: list[str] = []  # each role row's org
        for j in range(_MOST_ROLES):
            at_k = 3 + 5 * j if _MOST_ROLES > 1 else 2 + 5 * j
            present, r_code, ty_code, o_code, made_up = key[at_k:at_k + 5]
            if not present:
                break
            if o_code >= lit0:
                org = org_cells[o_code - lit0]
            elif j and same_org:
                org = row_orgs[0]
            else:  # (the user's primaryOrgSourcedId when it names this org)
                org = _holder(f_primary if p_code == 1 + j else f_role(j, 1))
                orgs[org] = org_values[o_code]
            row_orgs.append(org)
            for col in rt.header:
                row[_rkey(j, col)] = ""
            row[_rkey(j, "userSourcedId")] = user_id
            row[_rkey(j, "role")] = role_cells[r_code]
            row[_rkey(j, "roleType")] = type_cells[ty_code]
            row[_rkey(j, "orgSourcedId")] = org
            row[_rkey(j, "sourcedId")] = (f"{user_id}:role:{j + 1}" if made_up
                                          else _holder(f_role(j, 0)))
            for k, col in enumerate(extra):
                if bits[len(opaque) + j * len(extra) + k]:
                    row[_rkey(j, col)] = _holder(f_role(j, 2 + k))
        for col in t.header:
            if col == "grades":
                row[col] = g_cells[g_code]
            elif col == "primaryOrgSourcedId":
                if p_code == _MOST_ROLES + 1:
                    row[col] = _holder(f_primary)
                    orgs[row[col]] = ("school", None)  # (its kind: never read)
                else:
                    row[col] = ("", *row_orgs)[p_code] if p_code <= _MOST_ROLES else p_cells[
                        p_code - _MOST_ROLES - 2]
            elif col not in row:
                row[col] = ""
        sc = _scratch_of(rd, sc, orgs)
        reader: Any = _Joined(sc, t.header, rt.header)  # (read as _Shape reads a PlainRows)
        shapes.append(_Shape(sc, reader, row, every, every.index("agentSourcedIds")
                             if "agentSourcedIds" in opaque else None))
    keep = np.array([bool(sh.final) for sh in shapes], dtype=bool)[inverse]
    if not keep.all():  # (a shape whose rows would tell something: the row path's)
        rows, inverse = rows[keep], inverse[keep]
        ats, has = [a[keep] for a in ats], [h[keep] for h in has]
        ok[:] = False
        ok[rows] = True
    if not len(rows):
        return
    cu = ColumnUsers(t, rows, np.flatnonzero(~ok))
    cu.any_role = False  # (a 1.2 users.csv row grants no role itself)
    cu.opaque, cu.arrays = every, arrays
    cu.escape = {k: escape[c] for k, c in enumerate(opaque) if c in escape}
    for a in arrays:  # (a cell over the typed decoder's bound in bytes: its row decoded)
        cu.fits &= cell_sizes(a)[rows] <= MAX_STRING
    cu.agents = every.index("agentSourcedIds") if "agentSourcedIds" in opaque else None
    cu.sid_array = sid.filter(arrow_bools(ok))
    cu.sids = cu.sid_array.to_pylist()
    cu.take_shapes(shapes, inverse)
    if "password" in cols:
        cu.passwords = int(nonempty_cells(cols["password"])[rows].sum())
    rd.column_users = cu
    rd.cuts[name] = partial(cu.rest_rows, rd)
    left = np.ones(m, dtype=bool)
    for a, h in zip(ats, has):
        left[a[h]] = False
    rd.cuts["roles.csv"] = partial(_role_rows, rd, files, np.flatnonzero(left))
    rd.role_header = dict.fromkeys(rt.header, "")
