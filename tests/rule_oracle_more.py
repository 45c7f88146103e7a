"""Per-record reference implementations of the rules ``tests/rule_oracle.py`` does not cover.

Written from ``docs/rules.md`` (and, for the orphan and cross-school rules, from the query
definitions of ``docs/queries.md``), not from the library's code: each function walks the
built records of a roster one at a time, the plainest reading of the rule's trigger, and
returns its findings as ``(rule, kind, ids, message, values)`` tuples. The messages and
value names are the library's (the documentation's examples give their shape); only which
records are reported, and with which facts, is this module's own reading.

Where the documentation leaves a case open, this module reads it as the library does and
the choice is named here: a student's grade ``Ungraded`` or ``Other`` is a grade (only an
empty one is none); the students' most common grade breaks a tie by the string order of the
grades' Clever spellings, and is named in the spelling most of its students have (a tie: the
first in string order); an empty string in a reference field is an id; a ``teacher`` that is
not in ``teachers`` is a reference (RG-REF-001/002) and counts in RG-SEC-003, but links no
one (reach, orphans); a relationship entry without a ``student`` is not judged by
RG-CON-002.

``all_rules(roster)`` gives every rule's findings (these and ``tests/rule_oracle.py``'s),
for comparison with ``rostergraph.validate``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

import attrs

from rostergraph.model import KINDS, ROLE_NAMES, Section, User
from rostergraph.roster import Roster

from . import rule_oracle

Row = rule_oracle.Row

EMPLOYEE_ROLES = ("teacher", "staff", "district_admin")
NON_SPECIFIC_GRADES = ("", "Ungraded", "Other", "UG")
#: One grade, several spellings (RG-SEC-005 compares grades by what they name): the
#: OneRoster v1.1 CSV (CEDS) codes and Clever's older short forms, as the Clever data model
#: spells them. Written out here, not taken from the library.
SAME_GRADE = {
    "KG": "Kindergarten", "K": "Kindergarten", "PK": "PreKindergarten",
    "PreK": "PreKindergarten", "TK": "TransitionalKindergarten", "IT": "InfantToddler",
    "PR": "Preschool", "PS": "PostGraduate", "UG": "Ungraded",
    "01": "1", "02": "2", "03": "3", "04": "4", "05": "5", "06": "6", "07": "7",
    "08": "8", "09": "9", "10": "10", "11": "11", "12": "12", "13": "13",
}
RELATIONSHIPS = ("Parent", "Grandparent", "Self", "Aunt/Uncle", "Sibling", "Other", "")
RELATIONSHIP_TYPES = ("Parent/Guardian", "Emergency", "Primary", "Secondary", "Family",
                      "Other", "")
IDS_SHOWN = 10


# --- reading records ---------------------------------------------------------------------

def roles_of(u: User) -> tuple[str, ...]:
    """The roles a user holds, in Clever's order."""
    return tuple(r for r in ROLE_NAMES if getattr(u.roles, r, None) is not None)


def section_teachers(sec: Section) -> list[str]:
    """A section's teachers: ``teachers``, else the lone ``teacher`` (each id once, in order)."""
    listed = sec.teachers or ((sec.teacher,) if sec.teacher is not None else ())
    return list(dict.fromkeys(listed))


def section_students(sec: Section) -> list[str]:
    return list(dict.fromkeys(sec.students or ()))


def _has_role(r: Roster, uid: str | None, role: str) -> bool:
    u = r.users.get(uid) if uid is not None else None
    return u is not None and getattr(u.roles, role) is not None


def _id(v: str | None) -> str | None:
    return None if v == "" else v


def _id_list(v: tuple[str, ...] | None) -> tuple[str, ...] | None:
    return None if v is None else tuple(x for x in v if x != "")


def without_empty_ids(r: Roster) -> Roster:
    """``r`` as the reference rules read it: an empty id names nothing (docs/queries.md),
    so a reference given as ``""`` is absent and a list leaves it out (the strings stay
    for the string rules, which read ``r`` itself)."""
    def user(u: User) -> User:
        ro = u.roles
        roles = attrs.evolve(
            ro,
            **{k: attrs.evolve(getattr(ro, k), school=_id(getattr(ro, k).school),
                               schools=_id_list(getattr(ro, k).schools))
               for k in ("student", "teacher") if getattr(ro, k) is not None},
            **({"staff": attrs.evolve(ro.staff, schools=_id_list(ro.staff.schools))}
               if ro.staff is not None else {}),
            **({"contact": attrs.evolve(ro.contact, student_relationships=tuple(
                attrs.evolve(rel, student=_id(rel.student))
                for rel in ro.contact.student_relationships))}
               if ro.contact is not None and ro.contact.student_relationships else {}))
        return attrs.evolve(u, district=_id(u.district), roles=roles)

    return r.replace(
        schools={k: attrs.evolve(v, district=_id(v.district)) for k, v in r.schools.items()},
        sections={k: attrs.evolve(v, school=_id(v.school), course=_id(v.course),
                                  term_id=_id(v.term_id), teacher=_id(v.teacher),
                                  teachers=_id_list(v.teachers), students=_id_list(v.students))
                  for k, v in r.sections.items()},
        users={k: user(v) for k, v in r.users.items()})


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(ids)


# --- sections ------------------------------------------------------------------------------

def sec_rules(r: Roster) -> list[Row]:
    """RG-SEC-001, -002, -004, -005 and -006 (RG-SEC-003 is ``rule_oracle.too_many_teachers``)."""
    out: list[Row] = []
    by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
    for sid, sec in r.sections.items():
        if not sec.students:
            out.append(("RG-SEC-001", "section", (sid,), f"section {sid} has no students",
                        {"students": 0}))
        if sec.teacher is None and not sec.teachers:
            out.append(("RG-SEC-002", "section", (sid,), f"section {sid} has no teacher",
                        {"reason": "no_teacher"}))
        elif sec.teacher is not None and (not sec.teachers or sec.teachers[0] != sec.teacher):
            first = sec.teachers[0] if sec.teachers else None
            where = (f"is not teachers[0] ({first})" if sec.teacher in (sec.teachers or ())
                     else "is not in teachers")
            out.append(("RG-SEC-002", "section", (sid, sec.teacher),
                        f"section {sid}: primary teacher {sec.teacher} {where}",
                        {"reason": "teacher_not_first", "teacher": sec.teacher,
                         "teachers_0": first}))
        if sec.school is not None and sec.name:
            by_name[(sec.school, sec.name)].append(sid)
        if sec.school is None:
            out.append(("RG-SEC-006", "section", (sid,), f"section {sid} has no school",
                        {"reason": "no_school"}))
    for (school, name), sids in by_name.items():
        if len(sids) > 1:
            sids = sorted(sids)
            out.append(("RG-SEC-004", "section", tuple(sids),
                        (f"{len(sids)} sections of school {school} share the name {name!r}: "
                        f"{_ids(sids)}"),
                        {"school": school, "name": name, "sections": len(sids)}))
    out += _grade_mismatch(r)
    return out


def _grade_mismatch(r: Roster) -> list[Row]:
    """RG-SEC-005. Grades are compared by what they name (``SAME_GRADE``); the students'
    most common grade breaks a tie by the string order of Clever's spelling of the grades
    (not the records' order), and is named in the spelling most of those students have
    (a tie: the first in string order)."""
    grade: dict[str, str] = {}
    for uid, u in r.users.items():
        g = u.roles.student.grade if u.roles.student is not None else None
        if g:  # a student's "Ungraded" or "Other" is a grade; only empty is none
            grade[uid] = g
    out: list[Row] = []
    for sid, sec in r.sections.items():
        if sec.grade in (None, *NON_SPECIFIC_GRADES):
            continue
        own = SAME_GRADE.get(sec.grade, sec.grade)
        # a OneRoster class's `grades` cell listing several grades (kept in extra): a
        # student of any of them is in the section's grade
        cell = (sec.extra or {}).get("oneroster.grades")
        listed = [v.strip() for v in cell.split(",")] if isinstance(cell, str) else []
        several = len(listed) > 1
        owns = {SAME_GRADE.get(v, v) for v in listed if v} | {own} if several else {own}
        grades = [grade[s] for s in section_students(sec) if s in grade]
        meant = [SAME_GRADE.get(g, g) for g in grades]
        n, same = len(grades), sum(m in owns for m in meant)
        if (n - same) * 2 <= n:
            continue
        counts = Counter(meant)
        top = min(counts, key=lambda g: (-counts[g], g))
        spelled = Counter(g for g, m in zip(grades, meant) if m == top)
        top_as_given = min(spelled, key=lambda g: (-spelled[g], g))
        if several:
            has = f"grades {cell!r}"
            most = (f"most common {top_as_given!r}" if top not in owns else
                    f"spread over several grades; the most common single grade is one of "
                    f"the section's, {top_as_given!r}")
        else:
            has = f"grade {sec.grade!r}"
            most = (f"most common {top_as_given!r}" if top != own else
                    f"spread over several grades; the most common single grade is the "
                    f"section's own, {sec.grade!r}")
        word = "student" if n == 1 else "students"
        out.append(("RG-SEC-005", "section", (sid,),
                    (f"section {sid} has {has} but {n - same} of {n} {word} with "
                    f"a grade are in another grade ({most})"),
                    {"grade": sec.grade, "students_grade": top_as_given,
                     "students_matching": same, "students_with_grade": n}))
    return out


# --- references ----------------------------------------------------------------------------

def references(r: Roster) -> Iterator[tuple[str, str, str, str, str, str]]:
    """Every reference docs/rules.md's RG-REF-001 lists, as ``(relation, field, referring
    kind, referring id, target kind, target id)``."""
    for sid, s in r.schools.items():
        if s.district is not None:
            yield "in_district", "district", "school", sid, "district", s.district
    for sid, sec in r.sections.items():
        for rel, field, kind, ref in (("taught_at", "school", "school", sec.school),
                                      ("of_course", "course", "course", sec.course),
                                      ("in_term", "term_id", "term", sec.term_id)):
            if ref is not None:
                yield rel, field, "section", sid, kind, ref
        for uid in section_students(sec):
            yield "enrolled_in", "students", "section", sid, "user", uid
        for uid in section_teachers(sec):
            yield "teaches", "teachers", "section", sid, "user", uid
        if sec.teacher is not None and sec.teacher not in section_teachers(sec):
            yield "teaches", "teacher", "section", sid, "user", sec.teacher
    for uid, u in r.users.items():
        ro = u.roles
        if ro.student is not None:
            for sc in dict.fromkeys([ro.student.school, *(ro.student.schools or ())]):
                if sc is not None:
                    yield ("attends", "roles.student.school/schools", "user", uid, "school",
                           sc)
        works = [*((ro.teacher.school, *(ro.teacher.schools or ())) if ro.teacher is not None
                   else ()),
                 *((ro.staff.schools or ()) if ro.staff is not None else ())]
        for sc in dict.fromkeys(works):
            if sc is not None:  # the field is named from the roles the user holds
                yield "works_at", "", "user", uid, "school", sc
        if ro.district_admin is not None and u.district is not None:
            yield "administers", "district", "user", uid, "district", u.district
        if ro.contact is not None:
            for rel in ro.contact.student_relationships or ():
                if rel.student is not None:
                    yield ("contact_for", "roles.contact.student_relationships[].student",
                           "user", uid, "user", rel.student)


def _works_at_field(u: User) -> str:
    teacher = "roles.teacher.school/schools"
    staff = "roles.staff.schools"
    has = roles_of(u)
    if "teacher" in has and "staff" in has:
        return f"{teacher}, {staff}"
    return teacher if "teacher" in has else staff


#: a record kind → the OneRoster file whose rows are its records
_ONEROSTER_FILE = {"user": "users.csv", "section": "classes.csv", "course": "courses.csv",
                   "school": "orgs.csv", "district": "orgs.csv", "term": "academicSessions.csv"}


def _tobedeleted(r: Roster, kind: str) -> set[str]:
    """The ids the OneRoster reader's notes say the file of ``kind``'s records gave in
    rows with status tobedeleted (``users: 2 rows with status tobedeleted not loaded: u1,
    u2``; the first 20, then `` …``)."""
    head = _ONEROSTER_FILE.get(kind, "?").removesuffix(".csv") + ": "
    ids: set[str] = set()
    for note in r.provenance.notes:
        rest = note[len(head):] if note.startswith(head) else ""
        n, _, listed = rest.partition(" rows with status tobedeleted not loaded: ")
        if n.isdigit() and listed:
            ids.update(listed.removesuffix(" …").split(", "))
    return ids


def ref_rules(r: Roster) -> list[Row]:
    """RG-REF-001 (an id with no record of the expected kind) and RG-REF-002 (a user
    without the role the reference needs)."""
    out: list[Row] = []
    seen: set[tuple[str, str, str]] = set()
    for rel, field, rkind, rid, mkind, mid in references(r):
        if (rel, rid, mid) in seen:
            continue
        seen.add((rel, rid, mid))
        if rel == "works_at":
            field = _works_at_field(r.users[rid])
        if mid not in r.records(mkind + "s"):
            values: dict[str, Any] = {"relation": rel, "field": field, "missing_kind": mkind,
                                      "missing": mid}
            message = f"{rkind} {rid}: {field} refers to {mkind} {mid}, which has no record"
            other = next((k[:-1] for k in KINDS if mid in r.records(k)), None)
            if other is not None:  # "found_as when the id is a record of another kind"
                values["found_as"] = other
                message += f" (the id is a {other})"
            elif mid.lower() == "null":  # the text an SQL export writes for no value
                message += f" (the id is the text {mid}: an SQL export's empty value?)"
            elif mid in _tobedeleted(r, mkind):  # a row left out on purpose, not unknown
                file = _ONEROSTER_FILE[mkind]
                values["tobedeleted_in"] = file
                message += f" ({file} has it as a row with status tobedeleted, which is not loaded)"
            out.append(("RG-REF-001", rkind, (rid, mid), message, values))
            continue
        need = {"enrolled_in": "student", "teaches": "teacher", "contact_for": "student"}
        if rel in need and not _has_role(r, mid, need[rel]):
            role = need[rel]
            have = roles_of(r.users[mid])
            out.append(("RG-REF-002", rkind, (rid, mid),
                        (f"{rkind} {rid}: {field} lists user {mid}, who has no {role} role "
                        f"(roles: {', '.join(have) if have else 'none'})"),
                        {"relation": rel, "field": field, "user": mid, "expected_role": role,
                         "roles": have}))
    return out


# --- users -------------------------------------------------------------------------------

def usr_rules(r: Roster) -> list[Row]:
    """RG-USR-001..005."""
    out: list[Row] = []
    by_email: dict[str, list[User]] = defaultdict(list)
    contacts: list[str] = []
    for uid, u in r.users.items():
        st = u.roles.student
        for field, email in (("email", u.email),
                             ("roles.student.email", st.email if st is not None else None)):
            if email and "@" not in email:
                out.append(("RG-USR-001", "user", (uid,), f"user {uid}: {field} has no '@'",
                            {"field": field}))
        if u.email:
            by_email[u.email].append(u)
        have = roles_of(u)
        n = u.name
        if n is not None and n.last and not n.first and not n.middle:
            if "contact" in have:
                contacts.append(uid)
            else:
                out.append(("RG-USR-004", "user", (uid,),
                            (f"user {uid} ({', '.join(have) or 'no role'}) has a name only in "
                            "name.last"), {"roles": have, "contact": False}))
        if not have:
            out.append(("RG-USR-005", "user", (uid,), f"user {uid} has no role",
                        {"roles": (), "reason": "no_role"}))
        elif len(have) > 1 and ({"student", "contact"} & set(have)
                                or not {"teacher", "staff"} & set(have)):
            out.append(("RG-USR-005", "user", (uid,),
                        (f"user {uid} holds roles {' + '.join(have)}, a combination Clever does "
                        "not merge"), {"roles": have, "reason": "illegal_combination"}))
    for users in by_email.values():
        if len(users) < 2:
            continue
        emp = sorted(u.id for u in users if set(roles_of(u)) & set(EMPLOYEE_ROLES))
        if len(emp) > 1:
            out.append(("RG-USR-002", "user", tuple(emp),
                        f"{len(emp)} staff-type users share one email: {_ids(emp)}",
                        {"users": len(emp)}))
        n_st = sum(u.roles.student is not None for u in users)
        n_co = sum(u.roles.contact is not None for u in users)
        if n_st or n_co:
            ids = sorted(u.id for u in users)
            out.append(("RG-USR-003", "user", tuple(ids),
                        (f"{len(ids)} users share one email, including {n_st} student(s) and "
                        f"{n_co} contact(s): {_ids(ids)}"),
                        {"users": len(ids), "students": n_st, "contacts": n_co}))
    if contacts:
        shown = sorted(contacts)[:IDS_SHOWN]
        n = len(contacts)
        more = f" and {n - len(shown):,} more" if n > len(shown) else ""
        out.append(("RG-USR-004", "user", tuple(shown),
                    (f"{n:,} {'contact has' if n == 1 else 'contacts have'} a name only in "
                    f"name.last (as Clever does for contacts): {_ids(shown)}{more}"),
                    {"contact": True, "users": n, "shown": len(shown)}))
    return out


def orphan_rules(r: Roster) -> list[Row]:
    """RG-STU-001, RG-TEA-001, RG-STF-001 (no schools) and RG-CON-001, from the orphan
    definitions of docs/queries.md; no student or teacher is reported when the roster has
    no sections at all."""
    in_sections = {"student": {s for sec in r.sections.values() for s in section_students(sec)},
                   "teacher": {t for sec in r.sections.values() for t in section_teachers(sec)}}
    out: list[Row] = []
    for uid, u in r.users.items():
        ro = u.roles
        for role, rid, message in (("student", "RG-STU-001", f"student {uid} is in no section"),
                                   ("teacher", "RG-TEA-001", f"teacher {uid} teaches no section")):
            if getattr(ro, role) is not None and r.sections and uid not in in_sections[role]:
                out.append((rid, "user", (uid,), message, {"role": role, "reason": "no_section"}))
        if ro.staff is not None and not ro.staff.schools:
            out.append(("RG-STF-001", "user", (uid,), f"staff {uid} has no school in schools",
                        {"role": "staff", "reason": "no_school"}))
        if ro.contact is not None and not any(
                _has_role(r, rel.student, "student")
                for rel in ro.contact.student_relationships or ()):
            out.append(("RG-CON-001", "user", (uid,),
                        f"contact {uid} is related to no existing student",
                        {"role": "contact", "reason": "no_student"}))
    return out


def contact_enum(r: Roster) -> list[Row]:
    """RG-CON-002: one finding per relationship entry and field outside the enum."""
    out: list[Row] = []
    for uid, u in r.users.items():
        if u.roles.contact is None:
            continue
        for rel in u.roles.contact.student_relationships or ():
            if rel.student is None:  # an entry with no student links to no one: not judged
                continue
            for field, allowed in (("relationship", RELATIONSHIPS), ("type", RELATIONSHIP_TYPES)):
                v = getattr(rel, field)
                if v is not None and v not in allowed:
                    expected = ", ".join(sorted(x for x in allowed if x)) + " or empty"
                    out.append(("RG-CON-002", "user", (uid, rel.student),
                                (f"contact {uid}: {field} {v!r} for student {rel.student} is not "
                                f"a Clever value ({expected})"),
                                {"field": field, "value": v, "student": rel.student}))
    return out


# --- schools -------------------------------------------------------------------------------

def sch_rules(r: Roster) -> list[Row]:
    """RG-SCH-001, RG-SCH-002 (a cross-school pair whose section's school is in none of
    the user's schools; schools are compared by id, with or without a record, as the
    cross-school queries of docs/queries.md do) and RG-SCH-003 (a student, or a teacher
    who is not staff at a school either, with no school at all)."""
    out: list[Row] = []
    for uid, u in r.users.items():
        for role in ("student", "teacher"):
            ro = getattr(u.roles, role)
            if ro is None or ro.school is not None or ro.schools:
                continue
            if role == "teacher" and u.roles.staff is not None and u.roles.staff.schools:
                continue
            out.append(("RG-SCH-003", "user", (uid,),
                        f"{role} {uid} is at no school (no school, no schools)",
                        {"role": role, "reason": "no_school"}))
        for role in ("student", "teacher"):
            ro = getattr(u.roles, role)
            if ro is not None and ro.school is not None and ro.schools and \
                    ro.school not in ro.schools:
                out.append(("RG-SCH-001", "user", (uid,),
                            (f"{role} {uid}: primary school {ro.school} is not in "
                            f"roles.{role}.schools"),
                            {"role": role, "school": ro.school, "schools": len(ro.schools)}))
    for sid, sec in r.sections.items():
        if sec.school is None:
            continue
        for role, listed, verb in (("student", section_students(sec), "is enrolled in"),
                                   ("teacher", section_teachers(sec), "teaches")):
            for uid in listed:
                u = r.users.get(uid)
                ro = getattr(u.roles, role) if u is not None else None
                if ro is None or ro.school is None or ro.school == sec.school:
                    continue
                schools = {ro.school, *(ro.schools or ())}
                if role == "teacher" and u is not None and u.roles.staff is not None:
                    schools |= set(u.roles.staff.schools or ())
                if sec.school not in schools:
                    out.append(("RG-SCH-002", "user", (uid, sid),
                                (f"{role} {uid} {verb} section {sid} at school {sec.school}, "
                                f"which is not in the {role}'s schools (primary {ro.school})"),
                                {"role": role, "section": sid, "school": sec.school,
                                 "primary_school": ro.school}))
    return out


# --- terms and courses ---------------------------------------------------------------------

# a time of day a spreadsheet writes after M/D/YYYY or YYYY/MM/DD: 12:00:00 AM, 00:00
_CLOCK = (r"(?:[ T](?:(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?"
          r"|(?:0?[1-9]|1[0-2]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)? ?[AaPp][Mm]))?")
# ISO 8601's time of day after T or a space, seconds and fraction optional, then an
# optional UTC offset (Z, +05, -05:00, +0000; SQL Server writes a space before it)
# (then a zone's name: " UTC", " GMT" or "[Europe/Paris]"; t and z in lower case and a
# leap second's :60 as RFC 3339 allows)
_ISO_CLOCK = (r"(?:[Tt ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::(?:[0-5][0-9]|60)(?:[.,][0-9]+)?)?"
              r"(?: ?(?:[Zz]|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?))?"
              r"(?: ?(?:UTC|GMT))?(?:\[[A-Za-z][\w/+\-]{0,63}\])?)?")
_DATES = ((re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:" + _ISO_CLOCK + "|" + _CLOCK + ")"),
           "ymd"),
          (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})" + _CLOCK), "mdy"),
          (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2})"), "mdy"),
          (re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})" + _CLOCK), "ymd"),
          (re.compile(r"(\d{4})(\d{2})(\d{2})"), "ymd"))


def doc_date(s: str) -> date | None:
    """A date in a form docs/rules.md names: ``YYYY-MM-DD`` or an ISO timestamp, ``M/D/YYYY``,
    ``M/D/YY`` (below 69: 20YY), ``YYYY/MM/DD`` or ``YYYYMMDD`` (``M/D/YYYY`` and
    ``YYYY/MM/DD`` with a time of day or not); surrounding spaces are ignored."""
    for rx, order in _DATES:
        m = rx.fullmatch(s.strip())
        if m:
            a, b, c = m.groups()
            y, mo, d = (a, b, c) if order == "ymd" else (c, a, b)
            year = int(y) + ((2000 if int(y) < 69 else 1900) if len(y) == 2 else 0)
            try:
                return date(year, int(mo), int(d))
            except ValueError:
                return None
    return None


def term_course_rules(r: Roster) -> list[Row]:
    """RG-TRM-001/002, RG-CRS-001/002."""
    out: list[Row] = []
    for tid, t in r.terms.items():
        if not t.name and not t.start_date and not t.end_date:
            out.append(("RG-TRM-001", "term", (tid,),
                        f"term {tid} has no name, start_date or end_date", {}))
        parsed = {}
        for field in ("start_date", "end_date"):
            raw = getattr(t, field)
            parsed[field] = doc_date(raw) if raw else None
            if raw and parsed[field] is None:
                out.append(("RG-TRM-002", "term", (tid,), (f"term {tid}: {field} {raw!r} is not "
                            "a date"), {"reason": "unparseable", "field": field, "value": raw}))
        start, end = parsed["start_date"], parsed["end_date"]
        if start is not None and end is not None and end < start:
            out.append(("RG-TRM-002", "term", (tid,),
                        f"term {tid} ends ({t.end_date}) before it starts ({t.start_date})",
                        {"reason": "end_before_start", "start_date": t.start_date,
                         "end_date": t.end_date}))
    numbers: dict[str, list[str]] = defaultdict(list)
    for cid, c in r.courses.items():
        if not (c.name or "").strip():
            out.append(("RG-CRS-001", "course", (cid,), f"course {cid} has no name", {}))
        if c.number:
            numbers[c.number].append(cid)
    for number, cids in numbers.items():
        if len(cids) > 1:
            cids = sorted(cids)
            out.append(("RG-CRS-002", "course", tuple(cids),
                        f"{len(cids)} courses share course number {number!r}: {_ids(cids)}",
                        {"number": number, "courses": len(cids)}))
    return out


def all_rules(r: Roster) -> list[Row]:
    """Every record rule's findings (RG-LOAD and RG-SRC, which read the reader's problems
    and the files, are left out), unsorted."""
    refs = without_empty_ids(r)
    return [*rule_oracle.string_rules(r), *rule_oracle.too_many_teachers(refs),
            *rule_oracle.singular_staff_school(r), *sec_rules(refs), *ref_rules(refs),
            *usr_rules(r), *orphan_rules(refs), *contact_enum(refs), *sch_rules(refs),
            *term_course_rules(r)]


# --- load problems and partial sources -----------------------------------------------------

LOAD_CODES = ("syntax", "not_object", "no_id", "bad_field", "duplicate_id", "envelope",
              "encoding", "limit", "other", "missing_file", "repeated_id")


def load_rules(r: Roster) -> list[Row]:
    """RG-LOAD-001..011: one finding per reader problem, by its code (an unknown code is
    RG-LOAD-009's, as "other")."""
    out: list[Row] = []
    for p in r.problems:
        code = p.code if p.code in LOAD_CODES else "other"
        where = (p.file or "(input)") + (f":{p.line}" if p.line is not None else
                                         f"[{p.index}]" if p.index is not None else "")
        field = f"field {p.field!r}: " if p.field and p.field not in p.message else ""
        values = {k: v for k, v in (("code", p.code), ("file", p.file), ("line", p.line),
                                    ("index", p.index), ("field", p.field)) if v is not None}
        out.append((f"RG-LOAD-{LOAD_CODES.index(code) + 1:03d}", p.kind or "file",
                    (p.record_id,) if p.record_id else (), f"{where}: {field}{p.message}",
                    values))
    return out


def referenced_missing(r: Roster) -> dict[str, int]:
    """Per kind (plural), the distinct ids referenced by a record without a record."""
    ids: dict[str, set[str]] = defaultdict(set)
    for _, field, _, _, mkind, mid in references(r):
        # a `teacher` that is not in `teachers` is no edge of the graph, so no stub node:
        # `delivery` (which counts stubs) leaves it out, and so does this count
        if field != "teacher" and mid not in r.records(mkind + "s"):
            ids[mkind + "s"].add(mid)
    return {k: len(ids[k]) for k in KINDS}


def src_rules(r: Roster, status: dict[str, str], files: dict[str, int],
              names: dict[str, list[str]]) -> list[Row]:
    """RG-SRC-001 (sections or users not delivered, or empty) and RG-SRC-002 (a kind with
    all its referenced ids missing, or at least 10 of them and 10 %). ``status`` and
    ``files`` are ``delivery``'s per kind (what files the reader saw); ``names`` the
    paths of those files, in reading order (a message names up to four)."""
    out: list[Row] = []
    missing = referenced_missing(without_empty_ids(r))
    if not any(len(r.records(k)) for k in KINDS) and not any(files.values()):
        return out
    for kind in ("sections", "users"):
        st = status[kind]
        if st == "delivered":
            continue
        n = files[kind]
        seen = names[kind] if len(names[kind]) <= 4 else [*names[kind][:3],
                                                          f"{len(names[kind]) - 3:,} more files"]
        listed = seen[0] if len(seen) == 1 else ", ".join(seen[:-1]) + " or " + seen[-1]
        what = (f"delivered empty (no {kind[:-1]} in {listed})"
                if st == "delivered_empty" else "not delivered (no file of that kind)")
        ref = f"; {missing[kind]:,} {kind} referenced by id" if missing[kind] else ""
        out.append(("RG-SRC-001", "file", (),
                    (f"{kind}: {what}{ref}; reach, cross-school and orphan answers are not "
                    "available"), {"kind": kind, "status": st, "files": n,
                                  "referenced_missing": missing[kind]}))
    for kind in KINDS:
        m, n = missing[kind], len(r.records(kind))
        if not m or (n and (m < 10 or m / (n + m) < 0.1)):
            continue
        meaning = ("known by id only" if kind in ("districts", "schools", "terms", "courses")
                   else "no one: they take part in no answer")
        out.append(("RG-SRC-002", "file", (),
                    (f"{kind}: {m:,} referenced without a record, {n:,} delivered "
                    f"({m / (n + m):.0%} missing); those are {meaning}"),
                    {"kind": kind, "status": status[kind], "records": n,
                     "referenced_missing": m}))
    return out
