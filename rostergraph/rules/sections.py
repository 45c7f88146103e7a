"""Section rules: RG-SEC-001..006."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..columns import Codes
from ..graph import ROLE_BITS, RosterGraph
from ..queries import _expand, _section_csr
from ..roster import Roster
from ._util import (
    field_column,
    field_values_at,
    group_members,
    ids_given,
    maybe_repeated,
    reader_column,
    records_at,
    string_codes,
    without_edges,
)
from .findings import FindingBlock, dense_codes
from .registry import RULES, rule

#: Grade spellings that name a grade Clever spells otherwise → Clever's spelling (the grade
#: enum of the Clever data model). The OneRoster v1.1 CSV grade codes (CEDS "Entry Grade
#: Level": ``IT``, ``PR``, ``PK``, ``TK``, ``KG``, ``01`` … ``13``, ``PS``, ``UG``,
#: ``Other``), and ``K`` and ``PreK``, the short forms of Clever's older API (which the
#: legacy Clever reader maps). Any other spelling is compared exactly as given.
GRADE_KEYS: dict[str, str] = {
    "IT": "InfantToddler", "PR": "Preschool", "PK": "PreKindergarten",
    "TK": "TransitionalKindergarten", "KG": "Kindergarten",
    **{f"{i:02d}": str(i) for i in range(1, 14)},
    "PS": "PostGraduate", "UG": "Ungraded",
    "K": "Kindergarten", "PreK": "PreKindergarten",
}
#: Section grades that do not name one grade; RG-SEC-005 does not judge them.
NON_SPECIFIC_GRADES = frozenset({"", "Ungraded", "Other", "UG"})
#: "Sections can have only one primary teacher, and up to 9 additional co-teachers."
MAX_CO_TEACHERS = 9


def grade_key(grade: str) -> str:
    """The key RG-SEC-005 compares a grade by: Clever's spelling of the grade ``grade``
    names (a OneRoster / CEDS code or a short form, see :data:`GRADE_KEYS`), else
    ``grade`` itself. Records keep their grades as given; only comparisons use the key.

    Examples
    --------
    >>> grade_key("KG"), grade_key("K"), grade_key("Kindergarten")
    ('Kindergarten', 'Kindergarten', 'Kindergarten')
    >>> grade_key("01"), grade_key("1"), grade_key("UG")
    ('1', '1', 'Ungraded')
    >>> grade_key("1st")  # no vocabulary spells a grade so: compared as given
    '1st'
    """
    return GRADE_KEYS.get(grade, grade)


@rule("RG-SEC-001", "error", "section with no students")
def sec_no_students(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """A section whose ``students`` is absent or empty."""
    me = RULES["RG-SEC-001"]
    empty = without_edges(g, "section", "enrolled_in", incoming=True)
    yield FindingBlock(me, "section", ids=(g.ids("section")[empty],),
                       message="section {id0} has no students", values={"students": 0})


@rule("RG-SEC-002", "error", "section with no primary teacher, or teacher ≠ teachers[0]")
def sec_primary_teacher(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """No ``teacher`` and no ``teachers``; or ``teacher`` set but not first in ``teachers``."""
    me = RULES["RG-SEC-002"]
    n_s = g.n_records("section")
    rel = g.relations["teaches"]
    sids = g.ids("section")
    deg = np.diff(rel.rindptr[: n_s + 1])
    # no `teacher` and no `teachers` is exactly a section with no teaches edge
    yield FindingBlock(me, "section", ids=(sids[deg == 0],),
                       message="section {id0} has no teacher", values={"reason": "no_teacher"})
    teacher = field_column(g, "section", "teacher")
    first = field_column(g, "section", "teachers_0")
    bad = np.flatnonzero(ids_given(teacher) & (teacher != first))
    if not len(bad):
        return
    # is the `teacher` among the section's teachers (its teaches edges)?
    lo, hi = rel.rindptr[bad], rel.rindptr[bad + 1]
    which = np.repeat(np.arange(len(bad)), hi - lo)
    edge = np.arange(int((hi - lo).sum())) - np.repeat(np.cumsum(hi - lo) - (hi - lo), hi - lo)
    same = g.ids("user")[rel.rsrc[lo[which] + edge]] == teacher[bad][which]
    listed = (np.bincount(which[same], minlength=len(bad)) > 0) & (first[bad] != None)
    for keep, where in ((listed, "is not teachers[0] ({teachers_0})"),
                        (~listed, "is not in teachers")):
        at = bad[keep]
        yield FindingBlock(me, "section", ids=(sids[at], teacher[at]),
                           message="section {id0}: primary teacher {id1} " + where,
                           values={"reason": "teacher_not_first", "teacher": teacher[at],
                                   "teachers_0": first[at]})


@rule("RG-SEC-003", "warning", f"section with more than {MAX_CO_TEACHERS} co-teachers")
def sec_too_many_teachers(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """More than one primary plus nine co-teachers (distinct ids)."""
    me = RULES["RG-SEC-003"]
    n_s = g.n_records("section")
    # a section's teaches edges are its `teachers` (or the lone `teacher`): only sections
    # with at least ten of them can have more than ten distinct teachers. Those are
    # counted from the edges (distinct user nodes, one per id), plus `teacher` when it is
    # set and none of them.
    rel = g.relations["teaches"]
    cand = np.flatnonzero(np.diff(rel.rindptr[: n_s + 1]) >= MAX_CO_TEACHERS + 1)
    if not len(cand):
        return
    lo, hi = rel.rindptr[cand], rel.rindptr[cand + 1]
    which = np.repeat(np.arange(len(cand), dtype=np.int64), hi - lo)
    edge = np.arange(int((hi - lo).sum())) - np.repeat(np.cumsum(hi - lo) - (hi - lo), hi - lo)
    users = rel.rsrc[lo[which] + edge].astype(np.int64)
    pairs = np.unique(which * g.n_nodes("user") + users)
    distinct = np.bincount(pairs // g.n_nodes("user"), minlength=len(cand))
    teacher = field_column(g, "section", "teacher")[cand]
    listed = np.bincount(which[g.ids("user")[users] == teacher[which]], minlength=len(cand))
    n = distinct + (ids_given(teacher) & (listed == 0))
    at = np.flatnonzero(n > MAX_CO_TEACHERS + 1)
    n_t = n[at].astype(np.int64)
    yield FindingBlock(me, "section", ids=(g.ids("section")[cand[at]],),
                       message=("section {id0} has {teachers} teachers ({co_teachers} "
                                f"co-teachers; at most {MAX_CO_TEACHERS})"),
                       values={"teachers": n_t, "co_teachers": n_t - 1})


@rule("RG-SEC-004", "info", "duplicate section names within a school")
def sec_duplicate_names(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """Two or more sections of one school with the same (exact) name; one finding per name."""
    me = RULES["RG-SEC-004"]
    rel = g.relations["taught_at"]  # one edge per section with a `school`
    # the names' hashes (the JSON Lines scan takes them as it reads the names)
    h = reader_column(g.roster, "sections", "name_hash")
    if h is None:
        h = np.fromiter(map(hash, field_column(g, "section", "name")), dtype=np.int64)
    h = h[rel.src]
    # only names whose (school, hash of the name) repeats can repeat: read those only
    named = maybe_repeated(rel.dst.astype(np.int64) * 1_000_003 ^ h)
    sec_names = np.empty(len(rel.src), dtype=object)
    sec_names[named] = field_values_at(g, "section", "name", rel.src[named])
    # absent and empty names are no name
    named = named[(sec_names[named] != None) & (sec_names[named] != "")]  # element-wise
    if len(named) < 2:
        return
    # one key per (school, name): the name's code among the named sections' names
    key = rel.dst[named].astype(np.int64) * (len(named) + 1) + string_codes(sec_names[named])
    flat, start, first = group_members(key, g.ids("section")[rel.src[named]])
    if not len(first):
        return
    at = named[first]
    yield FindingBlock(me, "section", groups=(flat, start),
                       message=("{sections} sections of school {school} share the name "
                                "{name!r}: {ids}"),
                       values={"school": g.ids("school")[rel.dst[at]], "name": sec_names[at],
                               "sections": np.diff(start)})


@rule("RG-SEC-005", "info", "section grade differs from most of its students' grades")
def sec_grade_mismatch(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """More than half of the students with a grade have a grade other than the section's."""
    me = RULES["RG-SEC-005"]
    n_s = g.n_records("section")
    sec_grades = field_column(g, "section", "grade").tolist()
    # grade codes (one per spelling) in order of first appearance: the sections' specific
    # grades, then the students'
    names: list[str] = []
    codes = Codes(dict.fromkeys([None, *NON_SPECIFIC_GRADES], -1), names)
    sec_grade = np.fromiter(map(codes.__getitem__, sec_grades), dtype=np.int32, count=n_s)
    if not names:
        return
    # a student's "Ungraded" or "Other" is a grade of its own (only "" and None are none)
    stu_codes = Codes({**dict(zip(names, range(len(names)))), None: -1, "": -1}, names)
    # only students have a student grade: the other users' None are not looked up
    col = field_column(g, "user", "student_grade")
    students = np.flatnonzero(g.roles[: len(col)] & ROLE_BITS["student"])
    stu_grade = np.full(g.n_nodes("user"), -1, dtype=np.int32)
    stu_grade[students] = np.fromiter(map(stu_codes.__getitem__, col[students].tolist()),
                                      dtype=np.int32, count=len(students))
    n_codes = len(names)
    grade_names = np.empty(n_codes, dtype=object)
    grade_names[:] = names
    # grades are compared by their key (one per grade, whatever its spelling)
    key_names: list[str] = []
    key_codes = Codes({}, key_names)
    canon = np.fromiter((key_codes[grade_key(n)] for n in names), dtype=np.int32,
                        count=n_codes)
    sec_key = np.where(sec_grade >= 0, canon[sec_grade], -1)
    stu_key = np.where(stu_grade >= 0, canon[stu_grade], -1)
    # each section's distinct students with a record (a repeated listing counts once)
    indptr, studs, _ = _section_csr(g, "enrolled_in")
    n_known, n_match = _graded_students(indptr, studs, stu_key, sec_key)
    bad = np.flatnonzero((n_known - n_match) * 2 > n_known)
    if not len(bad):
        return
    # a OneRoster class may be for several grades (`grades` "09,10,11": the section's
    # grade is the first, the cell kept in extra); a student of any of them is of its grade
    key_index = {k: i for i, k in enumerate(key_names)}
    listed = _listed_grade_keys(g, bad, key_index)
    if listed:
        for k, (_, owns) in listed.items():
            n_match[k] = int(np.isin(stu_key[studs[indptr[k]:indptr[k + 1]]], owns).sum())
        bad = np.flatnonzero((n_known - n_match) * 2 > n_known)
        if not len(bad):
            return
    # the students' most common grade per reported section (ties: the first in string
    # order of the grades' keys, not in record order: the same data in another order names
    # the same grade), then its most common spelling there (ties: the first in string order)
    which, pos = _expand(indptr, bad)
    grades = stu_grade[studs[pos]].astype(np.int64)
    keep = grades >= 0
    which, grades = which[keep], grades[keep]
    top_key = _most_common(which, canon[grades].astype(np.int64), key_names)
    mine = canon[grades] == top_key[which]
    top_of = _most_common(which[mine], grades[mine], names)
    nk, nm = n_known[bad], n_match[bad]
    own = top_key == sec_key[bad]
    most = _most_common_words(names, sec_grade[bad], top_of, own)
    has = np.array([f"grade {g!r}" for g in grade_names[sec_grade[bad]].tolist()] + [""],
                   dtype=object)[:-1]
    for i, k in enumerate(bad.tolist()):
        if k in listed:  # named by its whole cell; its own grades are all of those listed
            cell, owns = listed[k]
            has[i] = f"grades {cell!r}"
            most[i] = (f"most common {names[top_of[i]]!r}" if top_key[i] not in owns else
                       "spread over several grades; the most common single grade is one of "
                       f"the section's, {names[top_of[i]]!r}")
    yield FindingBlock(
        me, "section", ids=(g.ids("section")[bad],),
        message=("section {id0} has {has} but {others} of {students_with_grade} "
                 "{student_word} with a grade are in another grade ({most})"),
        values={"grade": grade_names[sec_grade[bad]], "students_grade": grade_names[top_of],
                "students_matching": nm, "students_with_grade": nk},
        params={"has": has, "others": nk - nm,
                "student_word": np.where(nk == 1, "student", "students"), "most": most})


#: The key a OneRoster reader keeps a class's ``grades`` cell under when it lists several
LISTED_GRADES = "oneroster.grades"


def _listed_grade_keys(g: RosterGraph, rows: np.ndarray, key_index: dict[str, int]
                       ) -> dict[int, tuple[str, np.ndarray]]:
    """Sections at ``rows`` (graph indices) whose OneRoster ``grades`` cell lists several
    grades: row → ``(the cell as given, the codes in ``key_index`` of the grades it
    lists)``. Only these sections' records are built (the rule's flagged ones)."""
    out: dict[int, tuple[str, np.ndarray]] = {}
    for k, (_, sec) in zip(rows.tolist(), records_at(g, "section", rows.tolist())):
        cell = sec.extra.get(LISTED_GRADES) if sec.extra else None
        if isinstance(cell, str):
            items = [v.strip() for v in cell.split(",")]
        elif isinstance(cell, (list, tuple)):  # a REST dump's list
            items = [v.strip() for v in cell if isinstance(v, str)]
            cell = ",".join(items)
        else:
            continue
        keys = sorted({key_index[grade_key(v)] for v in items if grade_key(v) in key_index})
        if len(items) > 1:
            out[k] = (cell, np.array(keys, dtype=np.int32))
    return out


def _most_common(which: np.ndarray, code: np.ndarray, names: list[str]) -> np.ndarray:
    """Per group ``0 … which.max()`` (each present in ``which``): its most common ``code``
    (a code into ``names``), ties to the first of ``names`` in string order."""
    n = len(names)
    key, inv = dense_codes(which * n + code)
    count = np.bincount(inv, minlength=len(key))
    b, c = key // n, key % n
    rank = np.empty(n, dtype=np.int64)
    rank[sorted(range(n), key=names.__getitem__)] = np.arange(n)
    first = np.lexsort((rank[c], -count, b))
    b, c = b[first], c[first]
    return c[np.r_[True, b[1:] != b[:-1]]]


#: Enrollment entries looked at per step of :func:`_graded_students`
_BLOCK = 1 << 18


def _graded_students(indptr: np.ndarray, studs: np.ndarray, stu_grade: np.ndarray,
                     sec_grade: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per section (with a grade): its students with a grade, and those of its grade.

    ``studs[indptr[k]:indptr[k + 1]]`` are section ``k``'s students. Counted by running
    sums read at the sections' bounds, a block of sections at a time: arrays the size of
    every enrollment of a large district are fresh memory, slower to fault in than the
    counting itself.
    """
    n_s = len(sec_grade)
    n_known = np.zeros(n_s, dtype=np.int64)
    n_match = np.zeros(n_s, dtype=np.int64)
    ends = indptr[1: n_s + 1]
    cuts = np.searchsorted(ends, np.arange(_BLOCK, int(indptr[n_s]) + _BLOCK, _BLOCK))
    cuts = np.unique(np.concatenate([[0], np.minimum(cuts + 1, n_s), [n_s]]))
    for s0, s1 in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
        e0, e1 = int(indptr[s0]), int(indptr[s1])
        ug = stu_grade[studs[e0:e1]]
        sg = np.repeat(sec_grade[s0:s1], np.diff(indptr[s0:s1 + 1]))
        lo, hi = indptr[s0:s1] - e0, indptr[s0 + 1:s1 + 1] - e0
        run = np.zeros(e1 - e0 + 1, dtype=np.int64)
        for out, mask in ((n_known, ug >= 0), (n_match, ug == sg)):
            np.cumsum(mask, out=run[1:])
            out[s0:s1] = run[hi] - run[lo]
    graded = sec_grade >= 0
    return np.where(graded, n_known, 0), np.where(graded, n_match, 0)


def _most_common_words(names: list[str], grade: np.ndarray, top: np.ndarray,
                       own: np.ndarray) -> np.ndarray:
    """How RG-SEC-005 names the students' most common grade (``top``, a code into
    ``names``, as ``grade`` is the section's): plainly when it is not the section's own
    grade, else (``own``: the same grade, in any spelling) as a spread (the most common
    single grade being its own, spelled as the section spells it). Each distinct
    grade's words are written once."""
    plain = np.array([f"most common {g!r}" for g in names] + [""], dtype=object)[:-1]
    spread = np.array(["spread over several grades; the most common single grade is the "
                       f"section's own, {g!r}" for g in names] + [""], dtype=object)[:-1]
    return np.where(own, spread[grade], plain[top])


@rule("RG-SEC-006", "warning", "section with no school")
def sec_no_school(roster: Roster, g: RosterGraph) -> Iterator[FindingBlock]:
    """A section whose ``school`` is absent (a school id without a record is RG-REF-001's)."""
    me = RULES["RG-SEC-006"]
    none = without_edges(g, "section", "taught_at")  # (exactly the sections with no school)
    yield FindingBlock(me, "section", ids=(g.ids("section")[none],),
                       message="section {id0} has no school", values={"reason": "no_school"})
