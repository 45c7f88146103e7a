"""What a roster delivered, and which questions it can answer.

Real exports are often partial: Clever builds terms and courses from
sections, many dumps carry users and sections only, and a download can stop
half way. A school, term, course or district that is referenced but was not
delivered is still a place known by its id, and the queries compare and
group by those ids. A user or section without a record is no one. These two
functions say, in numbers, what that means for one roster:

- :func:`delivery`: per kind, whether it was delivered (with records),
  delivered empty (a file of that kind with no records), or not delivered at
  all, and how many of its ids are referenced without a record;
- :func:`coverage`: per question, whether it is answered in full, answered
  with places known only by id, answered in part, or cannot be answered
  (e.g. no student has a primary school, so no enrollment can be called
  cross-school), with the counts behind the verdict.

Answering 0 because records are missing would be a silent wrong answer;
these tables are how the report, ``summary`` and ``validate`` say so
instead.
"""

from __future__ import annotations

import re

import numpy as np

from .columns import NEEDED_ROLE
from .graph import ROLE_BITS, RosterGraph
from .roster import Roster
from .table import Table

__all__ = ["coverage", "delivered_files", "delivery", "gap_lines"]

KINDS = ("districts", "schools", "terms", "courses", "sections", "users")
_NODE_KIND = {"districts": "district", "schools": "school", "terms": "term",
              "courses": "course", "sections": "section", "users": "user"}
#: the kinds without which the reach, cross-school and orphan questions have no answer
NEEDED = ("sections", "users")

# file names → the kinds of records they carry (Clever JSON/CSV, legacy, OneRoster)
_FILE_KINDS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(p, re.IGNORECASE), kinds) for p, kinds in (
        (r"orgs", ("districts", "schools")),
        (r"district(?!_?admin)", ("districts",)),
        (r"school(?!_?admin)", ("schools",)),
        (r"term|academicsession", ("terms",)),
        (r"course", ("courses",)),
        (r"section|class|enrollment", ("sections",)),
        (r"user|student|teacher|staff|admin|contact|demographic", ("users",)),
    ))


def _graph(obj: Roster | RosterGraph) -> RosterGraph:
    if isinstance(obj, RosterGraph):
        return obj
    if isinstance(obj, Roster):
        return RosterGraph.from_roster(obj)
    raise TypeError(f"expected a Roster or RosterGraph, not {type(obj).__name__}")


def delivered_files(roster: Roster) -> dict[str, list[str]]:
    """Kind → the source files that carry records of that kind (a manifest carries none).

    Examples
    --------
    >>> import rostergraph
    >>> files = delivered_files(rostergraph.sample())
    >>> sorted(k for k, paths in files.items() if paths)[:2]
    ['courses', 'districts']
    """
    out: dict[str, list[str]] = {k: [] for k in KINDS}
    for f in roster.provenance.files:
        name = f.path.replace("\\", "/").rsplit("/", 1)[-1]
        if name.lower() == "manifest.csv":
            continue
        kinds: tuple[str, ...] = (f.kind,) if f.kind in out else ()
        if not kinds:
            for pattern, ks in _FILE_KINDS:
                if pattern.search(name):
                    kinds = ks
                    break
        for k in kinds:
            out[k].append(f.path)
    return out


def delivery(g: Roster | RosterGraph) -> Table:
    """Per kind of record: delivered, delivered empty or not delivered, and missing ids.

    Parameters
    ----------
    g:
        A RosterGraph (or a Roster, whose graph is built).

    Returns
    -------
    Table
        ``kind`` (``districts`` … ``users``), ``status`` (``delivered``: it
        has records; ``delivered_empty``: a source file of that kind was
        read and held no records; ``not_delivered``: no file of that kind),
        ``records``, ``files`` (how many source files carry that kind),
        ``referenced_missing`` (distinct ids of that kind referenced by
        other records but without a record of their own) and ``needed``
        (the reach, cross-school and orphan questions cannot be answered
        without it: sections and users).

    Notes
    -----
    Terms and courses that a reader builds from sections (Clever's legacy
    API embeds them; Clever constructs them) count as delivered. A roster
    built in memory has no files: a kind without records is then
    ``not_delivered``.

    Examples
    --------
    >>> import rostergraph
    >>> t = delivery(rostergraph.sample())
    >>> dict(zip(t.column("kind"), t.column("status")))["sections"]
    'delivered'
    >>> int(t["referenced_missing"].sum()) >= 1   # the sample references a missing course
    True
    """
    graph = _graph(g)
    files = delivered_files(graph.roster)
    counts, stubs = graph.counts(), graph.stub_counts()
    status, records, n_files, missing = [], [], [], []
    for kind in KINDS:
        node = _NODE_KIND[kind]
        n = int(counts.get(node, counts.get(kind, 0)))
        records.append(n)
        n_files.append(len(files[kind]))
        missing.append(int(stubs.get(node, stubs.get(kind, 0))))
        status.append("delivered" if n else "delivered_empty" if files[kind] else "not_delivered")
    return Table({"kind": list(KINDS), "status": status, "records": records,
                  "files": n_files, "referenced_missing": missing,
                  "needed": [k in NEEDED for k in KINDS]}, name="delivery")


def _school_places(g: RosterGraph, relation: str, role: str) -> tuple[int, int, int]:
    """(users with the role, those with a primary school, those whose primary school
    has no record) for ``attends``/``works_at``."""
    from .queries import _home_schools

    n_u = g.n_records("user")
    has = (g.roles[:n_u] & ROLE_BITS[role]) != 0
    home = _home_schools(g, relation)[:n_u].astype(np.int64)
    placed = has & (home >= 0)
    return int(has.sum()), int(placed.sum()), int((placed & (home >= g.n_records("school"))).sum())


def _cross_rows(g: RosterGraph, relation: str, role: str, link: str) -> tuple[str, str]:
    """(status, note) of a cross-school question: ``attends``/students or
    ``works_at``/teachers."""
    from .queries import _section_schools

    n_people, placed, by_id = _school_places(g, relation, role)
    n_s = g.n_records("section")
    sec_school = _section_schools(g)[:n_s].astype(np.int64)
    n_sec_placed = int((sec_school >= 0).sum())
    sec_by_id = int((sec_school >= g.n_records("school")).sum())
    if not n_s:
        return "cannot_answer", "no sections were delivered"
    if not n_people:
        return "cannot_answer", f"no user holds the {role} role"
    if not placed:
        return "cannot_answer", (f"no {role} has a primary school, so no {link} can be called "
                                 "cross-school")
    if not n_sec_placed:
        return "cannot_answer", "no section has a school"
    notes = []
    status = "answered"
    if placed < n_people:
        status = "partial"
        notes.append(f"{n_people - placed:,} of {n_people:,} {role}s have no primary school; "
                     "their sections are not compared")
    if n_sec_placed < n_s:
        status = "partial"
        notes.append(f"{n_s - n_sec_placed:,} of {n_s:,} sections have no school")
    if by_id or sec_by_id:
        if status == "answered":
            status = "by_id"
        n_stub = g.n_nodes("school") - g.n_records("school")
        notes.append(f"{n_stub:,} school{'s' if n_stub != 1 else ''} without a record "
                     f"(the primary school of {by_id:,} {role}s, the school of "
                     f"{sec_by_id:,} sections) compared by id")
    return status, "; ".join(notes)


def coverage(g: Roster | RosterGraph) -> Table:
    """Which questions this roster can answer, and what its gaps do to each answer.

    Parameters
    ----------
    g:
        A RosterGraph (or a Roster, whose graph is built).

    Returns
    -------
    Table
        ``question`` (``reach``, ``cross_school_enrollments``,
        ``cross_school_teaching``, ``orphaned_users``, ``staff_visibility``),
        ``status`` and ``note``. ``status`` is ``answered`` (nothing
        missing), ``by_id`` (answered; some schools are known only by their
        id, because their records were not delivered), ``partial`` (answered
        for part of the roster; the note says which part is left out) or
        ``cannot_answer`` (the note says why; the query's empty or
        all-orphan answer must not be read as a count).

    Notes
    -----
    A school, term, course or district referenced without a record is a
    place known by its id: queries compare and group by it. A user or
    section without a record is no one. So a dump without ``schools`` still
    answers cross-school questions (``by_id``), while a dump without
    sections answers no reach or orphan question.

    Examples
    --------
    >>> import rostergraph
    >>> t = coverage(rostergraph.sample())
    >>> dict(zip(t.column("question"), t.column("status")))["reach"]
    'answered'
    """
    graph = _graph(g)
    n_u, n_s = graph.n_records("user"), graph.n_records("section")
    rows: list[tuple[str, str, str]] = []
    # reach: sections listing users with records on both sides
    if not n_s or not n_u:
        rows.append(("reach", "cannot_answer",
                     f"no {'sections' if not n_s else 'users'} were delivered"))
    else:
        linked = {}
        for rel, role in NEEDED_ROLE.items():
            linked[rel] = int(graph.has_role(role)[graph.relations[rel].src].sum())
        if not linked["enrolled_in"] or not linked["teaches"]:
            who = "student" if not linked["enrolled_in"] else "teacher"
            rows.append(("reach", "cannot_answer",
                         f"no section lists a {who} (a user record with the {who} role)"))
        else:
            rows.append(("reach", "answered", ""))
    rows.append(("cross_school_enrollments",
                 *_cross_rows(graph, "attends", "student", "enrollment")))
    rows.append(("cross_school_teaching",
                 *_cross_rows(graph, "works_at", "teacher", "teaching assignment")))
    if not n_u:
        rows.append(("orphaned_users", "cannot_answer", "no users were delivered"))
    elif not n_s:
        rows.append(("orphaned_users", "cannot_answer",
                     ("no sections were delivered: every student and teacher would be "
                     "no_section")))
    else:
        rows.append(("orphaned_users", "answered", ""))
    staff = int(((graph.roles[:n_u] & ROLE_BITS["staff"]) != 0).sum())
    stub_schools = graph.n_nodes("school") - graph.n_records("school")
    if staff and stub_schools:
        rows.append(("staff_visibility", "by_id",
                     (f"{stub_schools:,} school{'s' if stub_schools != 1 else ''} without a "
                     "record intersected by id")))
    else:
        rows.append(("staff_visibility", "answered", "" if staff else "no staff"))
    return Table({"question": [r[0] for r in rows], "status": [r[1] for r in rows],
                  "note": [r[2] for r in rows]}, name="coverage")


def gap_lines(g: Roster | RosterGraph) -> list[str]:
    """One line per kind not fully delivered and per question not fully answered.

    Used by ``summary``, ``validate`` and the report's banner; empty when the
    roster is complete.

    Examples
    --------
    >>> import rostergraph
    >>> [line for line in gap_lines(rostergraph.sample()) if "sections" in line]
    []
    """
    graph = _graph(g)
    out = []
    for kind, status, n, _, miss, needed in delivery(graph):
        if status != "delivered" or (miss and n == 0):
            what = "delivered empty" if status == "delivered_empty" else "not delivered"
            ref = f"; {miss:,} referenced by id" if miss else ""
            out.append(f"{kind}: {what}{ref}" + (" (needed)" if needed else ""))
        elif miss and miss >= max(10, n // 10):
            out.append(f"{kind}: {miss:,} referenced without a record ({n:,} delivered)")
    for question, status, note in coverage(graph):
        if status != "answered":
            out.append(f"{question}: {status.replace('_', ' ')}" + (f": {note}" if note else ""))
    return out
