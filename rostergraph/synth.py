"""Synthetic districts: deterministic, realistic, any size, streamed to disk.

:func:`district` draws a whole district as numpy arrays (a few hundred MB at
L) and :meth:`SynthDistrict.write` streams it to disk as Clever JSON Lines
(one record per line, ``users.jsonl`` grouped by role the way Clever's
endpoints deliver them), never holding the district's JSON text in memory.

Sizes (``students`` sets everything else in proportion):

====  ==========  =========  ========  =====  =======  ========
size  students    contacts   teachers  staff  schools  sections
====  ==========  =========  ========  =====  =======  ========
S     500         500        ~40       ~3     1        ~150
M     100,000     100,000    7,500     500    180      30,000
L     1,000,000   1,000,000  75,000    5,000  1,800    300,000
====  ==========  =========  ========  =====  =======  ========

Structure: students take ~6 sections of their grade at their primary school;
~2% of students also take one section at another school (cross-school);
~10% of sections have co-teachers; a few percent of students, teachers,
contacts and staff are orphans (no section / no student / no school). Every
quirk of ``seed/clever-data-model-quirks.txt`` occurs at a low rate (at least
once when the district is big enough): emails without ``@``, employees sharing
an email, contacts sharing one, contact names only in ``last``, UTF-8 and
over-long strings, control characters, terms without name/dates or ending
before they start, courses without a name or sharing a number, duplicate
section names, section grades unlike their students', sections without
students, ``teacher`` ≠ ``teachers[0]``, more than 9 co-teachers, staff with a
singular ``school``, illegal role combinations, relationship types outside the
enum, and references to ids that have no record.

Examples
--------
>>> d = district("S", seed=1)
>>> d.counts()["schools"], d.counts()["students"]
(1, 500)
>>> district("S", seed=1).digest() == d.digest()
True
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .synth_files import write_envelope, write_lines
from .synth_names import FIRST, GRADES, LAST, ODD_REL, ODD_TYPE, REL, SUBJECTS, TYPE, check_shape

__all__ = ["QUIRK_RATES", "SHAPE_RATES", "SIZES", "SynthDistrict", "district", "write_district"]

#: students per named size
SIZES: dict[str, int] = {"S": 500, "M": 100_000, "L": 1_000_000}

#: Quirk rates by level: the share of each quirk's candidates that have it. ``default`` is
#: what a real district shows (every quirk rare); ``high`` makes each rule fire on about
#: 5–20 % of its candidates, for benchmarking validation where findings are common.
QUIRK_RATES: dict[str, dict[str, float]] = {
    "default": {
        "orphan_students": 0.02, "empty_sections": 0.001, "idle_teachers": 0.03,
        "many_co_teachers": 0.0002, "no_teacher": 0.0005, "teacher_mismatch": 0.01,
        "staff_no_school": 0.02, "staff_singular": 0.005, "student_contact": 0.000005,
        "orphan_contacts": 0.015, "contact_missing_student": 0.005, "odd_relationship": 0.003,
        "email_no_at": 0.0005, "long_string": 0.0001, "control_char": 0.0001,
        "employees_sharing_email": 0.001, "contact_sharing_email": 0.004,
        "duplicate_section_name": 0.002, "section_grade": 0.01, "missing_course": 0.0005,
        "missing_student": 0.0002, "course_no_name": 0.001, "course_same_number": 0.005,
        "term_no_name": 0.0005, "term_bad_dates": 0.0005,
    },
    "high": {
        "orphan_students": 0.10, "empty_sections": 0.08, "idle_teachers": 0.10,
        "many_co_teachers": 0.05, "no_teacher": 0.05, "teacher_mismatch": 0.20,
        "staff_no_school": 0.10, "staff_singular": 0.10, "student_contact": 0.05,
        "orphan_contacts": 0.10, "contact_missing_student": 0.05, "odd_relationship": 0.10,
        "email_no_at": 0.10, "long_string": 0.05, "control_char": 0.05,
        "employees_sharing_email": 0.10, "contact_sharing_email": 0.15,
        "duplicate_section_name": 0.10, "section_grade": 0.15, "missing_course": 0.05,
        "missing_student": 0.05, "course_no_name": 0.05, "course_same_number": 0.10,
        "term_no_name": 0.10, "term_bad_dates": 0.10,
    },
}

#: Structure rates, the same at every quirk level (cross-school students and teachers, second
#: schools, co-taught sections, teachers with more roles, contacts of two students).
SHAPE_RATES: dict[str, float] = {
    "cross_school_students": 0.02, "second_school_students": 0.01,
    "second_school_teachers": 0.05, "co_taught": 0.10, "cross_school_teachers": 0.01,
    "teachers_also_staff": 0.01, "teachers_also_admin": 0.0001, "two_student_contacts": 0.25}

#: formats :meth:`SynthDistrict.write` writes; the JSON ones are streamed, the CSV ones go
#: through an in-memory Roster and the writers of :mod:`rostergraph.io.write`
FORMATS = ("clever-jsonl", "clever-json", "clever-csv", "oneroster")

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct 24-hex ids (ObjectId-like), as a numpy ``S24`` array."""
    raw = rng.integers(0, 256, size=(n, 12), dtype=np.uint8)
    raw[:, 0] = 0x5e + (raw[:, 0] % 8)  # a plausible 2020s timestamp prefix
    chars = np.empty((n, 24), dtype=np.uint8)
    chars[:, 0::2] = _HEX[raw >> 4]
    chars[:, 1::2] = _HEX[raw & 15]
    return chars.view("S24").ravel()


def _pick(rng: np.random.Generator, n: int, rate: float, at_least: int = 1) -> np.ndarray:
    """Sorted distinct indices: about ``rate·n`` of ``range(n)`` (:func:`_share`)."""
    k = _share(n, rate, at_least)
    return np.sort(rng.choice(n, size=k, replace=False)) if k else np.zeros(0, np.int64)


def _share(n: int, rate: float, at_least: int = 1) -> int:
    """How many of ``n`` records a quirk at ``rate`` is on (at least ``at_least`` unless
    ``rate`` is 0)."""
    return min(n, max(at_least if n and rate > 0 else 0, round(rate * n)))


def _elsewhere(draw: np.ndarray, lo: np.ndarray, own: np.ndarray, n: int) -> np.ndarray:
    """Positions in ``range(n)`` outside each run ``[lo, lo + own)`` (a record's own
    school's), from ``draw``; anywhere when the run is all of ``n``."""
    other = draw % np.maximum(n - own, 1)
    return np.where(n > own, other + np.where(other >= lo, own, 0), draw % max(n, 1))


def _timestamps(rng: np.random.Generator, n: int, lo: str, hi: str) -> np.ndarray:
    a = np.datetime64(lo, "ms").astype(np.int64)
    b = np.datetime64(hi, "ms").astype(np.int64)
    t = rng.integers(a, b, size=n).astype("datetime64[ms]")
    return np.char.add(np.datetime_as_string(t, unit="ms"), "Z").astype(object)


class SynthDistrict:
    """A generated district held as numpy arrays; write it with :meth:`write`.

    Build it with :func:`district`. Arrays index users as students, then
    teachers, staff, district admins and contacts (the order of
    ``users.jsonl``).
    """

    def __init__(self, students: int, seed: int, quirks: str = "default",
                 rates: dict[str, float] | None = None,
                 counts: dict[str, int] | None = None) -> None:
        self.seed, self.quirks = seed, quirks if not rates else "custom"
        self.rates = {**QUIRK_RATES[quirks], **SHAPE_RATES, **(rates or {})}
        self.n_students = students
        f = students / 1_000_000
        # (numpy takes no negative seed: its magnitude on a branch of its own)
        ss = np.random.SeedSequence([abs(seed), students], spawn_key=(1,) if seed < 0 else ())
        r = [np.random.default_rng(s) for s in ss.spawn(12)]
        n = self.n = {
            "students": students,
            "contacts": students,
            "teachers": max(3, round(75_000 * f)),
            "staff": max(2, round(5_000 * f)),
            "admins": max(2, round(40 * f)),
            "schools": max(1, round(1_800 * f)),
            "sections": max(10, round(300_000 * f)),
            "terms": 6,
            "courses": max(12, round(30_000 * f)),
            **(counts or {}),
        }
        self.ids = {k: _hex_ids(r[0], n[k]) for k in ("schools", "terms", "courses", "sections")}
        n_users = sum(n[k] for k in ("students", "teachers", "staff", "admins", "contacts"))
        self.user_ids = _hex_ids(r[0], n_users)
        self.district_id = _hex_ids(r[0], 1)[0]
        off = np.cumsum([0, n["students"], n["teachers"], n["staff"], n["admins"]])
        self.off = dict(zip(("students", "teachers", "staff", "admins", "contacts"), off))
        self._schools(r[1])
        self._sections(r[2])
        self._enroll(r[3])
        self._teach(r[4])
        self._people(r[5])
        self._contacts(r[6])
        self._quirks(r[7])
        self._rng_write = r[8]

    # -- structure --------------------------------------------------------------
    def _schools(self, rng: np.random.Generator) -> None:
        ns = self.n["schools"]
        level = rng.choice(3, size=ns, p=[0.55, 0.25, 0.20])  # elementary, middle, high
        level[0] = 0 if ns > 1 else 2
        self.school_lo = np.array([0, 6, 9])[level]
        self.school_hi = np.array([5, 8, 12])[level]
        if ns == 1:
            self.school_lo[:], self.school_hi[:] = 6, 12  # a single 6-12 school
        w = rng.lognormal(0.0, 0.5, size=ns)
        w /= w.sum()
        st = rng.choice(ns, size=self.n["students"], p=w)
        st.sort()
        self.student_school = st
        span = self.school_hi[st] - self.school_lo[st] + 1
        self.student_grade = self.school_lo[st] + rng.integers(0, 1 << 30, size=len(st)) % span
        tw = np.bincount(st, minlength=ns) + 1.0
        tw /= tw.sum()
        self.teacher_school = np.sort(rng.choice(ns, size=self.n["teachers"], p=tw))
        self.school_weight = tw

    def _sections(self, rng: np.random.Generator) -> None:
        ns, nsec = self.n["schools"], self.n["sections"]
        sc = np.sort(rng.choice(ns, size=nsec, p=self.school_weight))
        span = self.school_hi[sc] - self.school_lo[sc] + 1
        grade = self.school_lo[sc] + rng.integers(0, 1 << 30, size=nsec) % span
        group = sc * 13 + grade
        order = np.argsort(group, kind="stable")
        self.section_school, self.section_grade = sc[order], grade[order]
        self.section_group = group[order]
        self.section_subject = rng.integers(0, len(SUBJECTS), size=nsec)
        self.section_period = rng.integers(1, 8, size=nsec)
        self.section_term = rng.choice(4, size=nsec, p=[0.35, 0.35, 0.25, 0.05])
        self.section_course = rng.integers(0, self.n["courses"], size=nsec)

    def _enroll(self, rng: np.random.Generator) -> None:
        n, nsec = self.n["students"], self.n["sections"]
        k = np.clip(rng.poisson(6.7, size=n), 3, 10) * (nsec > 0)  # no sections: in none
        orphan = _pick(rng, n, self.rates["orphan_students"])
        k[orphan] = 0
        self.orphan_students = orphan
        stu = np.repeat(np.arange(n), k)
        g = self.section_group
        groups = self.student_school * 13 + self.student_grade
        lo = np.searchsorted(g, groups, side="left")
        cnt = np.searchsorted(g, groups, side="right") - lo
        # a grade with no section at the school: any section of the school
        slo = np.searchsorted(self.section_school, self.student_school, side="left")
        scnt = np.searchsorted(self.section_school, self.student_school, side="right") - slo
        empty = cnt == 0
        lo[empty], cnt[empty] = slo[empty], scnt[empty]
        none = cnt == 0  # a school with no section at all: anywhere
        lo[none], cnt[none] = 0, nsec
        sec = lo[stu] + rng.integers(0, 1 << 40, size=len(stu)) % cnt[stu]
        # cross-school: ~2% of students take one section anywhere in the district
        first = np.cumsum(k) - k
        cross = _pick(rng, n, self.rates["cross_school_students"])
        cross = cross[k[cross] > 0]
        # a section at another school (sections are sorted by school)
        sec[first[cross]] = _elsewhere(rng.integers(0, 1 << 40, size=len(cross)), slo[cross],
                                       scnt[cross], nsec)
        # (sorted and distinct by a sort: numpy 2's np.unique hashes them, 5 s at L)
        code = np.sort(sec.astype(np.int64) * n + stu)
        code = code[np.append(True, code[1:] != code[:-1])[:len(code)]]
        sec, stu = code // n, code % n
        # a few sections without students (a documented rule, broken at a low rate)
        empty_sec = _pick(rng, nsec, self.rates["empty_sections"])
        keep = ~np.isin(sec, empty_sec)
        self.enr_sec, self.enr_stu = sec[keep], stu[keep]
        self.sec_ptr = np.searchsorted(self.enr_sec, np.arange(nsec + 1))

    def _teach(self, rng: np.random.Generator) -> None:
        nsec, nt = self.n["sections"], self.n["teachers"]
        if nt == 0:  # no one to teach: every section untaught
            self.primary_teacher, self.co_ptr = np.zeros(nsec, np.int64), np.zeros(nsec + 1, np.int64)
            self.co_teacher = self.teacher_mismatch = np.zeros(0, np.int64)
            self.no_teacher = np.arange(nsec)
            return
        ts = self.teacher_school
        lo = np.searchsorted(ts, self.section_school, side="left")
        cnt = np.searchsorted(ts, self.section_school, side="right") - lo
        none = cnt == 0
        lo[none], cnt[none] = 0, nt
        # ~3% of teachers teach nothing: draw from the others
        idle = _pick(rng, nt, self.rates["idle_teachers"])[: nt - 1]  # one teacher teaches
        active = np.setdiff1d(np.arange(nt), idle)
        pos_lo = np.searchsorted(active, lo)
        pos_hi = np.searchsorted(active, lo + cnt)
        c2 = pos_hi - pos_lo
        bad = c2 == 0
        pos_lo[bad], c2[bad] = 0, len(active)
        # a school's sections go to its active teachers in turn from a drawn one, so each
        # teaches when the school has as many sections (a draw per section missed some)
        first = np.searchsorted(self.section_school, self.section_school, side="left")
        turn = rng.integers(0, 1 << 40, size=nsec)[first] + np.arange(nsec) - first
        primary = active[pos_lo + turn % c2]
        cross = _pick(rng, nsec, self.rates["cross_school_teachers"])  # teachers teaching at another school
        # an active teacher of another school (teachers are sorted by school)
        sc = self.section_school[cross]
        own_lo = np.searchsorted(active, np.searchsorted(ts, sc, side="left"))
        own_n = np.searchsorted(active, np.searchsorted(ts, sc, side="right")) - own_lo
        primary[cross] = active[_elsewhere(rng.integers(0, 1 << 40, size=len(cross)), own_lo,
                                           own_n, len(active))]
        self.primary_teacher = primary
        n_co = np.zeros(nsec, dtype=np.int64)
        co = _pick(rng, nsec, self.rates["co_taught"])
        n_co[co] = 1 + (rng.random(len(co)) < 0.15)
        many = _pick(rng, nsec, self.rates["many_co_teachers"])
        n_co[many] = 10 + rng.integers(0, 2, size=len(many))  # more than 9 co-teachers
        # distinct co-teachers, never idle ones (the orphan rate is the quirk rate): from a
        # drawn active teacher of the school on in turn (then other schools'), one more
        # than asked, so skipping the section's own teacher leaves as many as asked
        sec_rep = np.repeat(np.arange(nsec), n_co)
        draw = rng.integers(0, 1 << 40, size=len(sec_rep))
        start = np.zeros(nsec, dtype=np.int64)
        start[n_co > 0] = draw[(np.cumsum(n_co) - n_co)[n_co > 0]]
        m = n_co + (n_co > 0)
        rep = np.repeat(np.arange(nsec), m)
        i = np.arange(len(rep)) - np.repeat(np.cumsum(m) - m, m)
        c, lr = c2[rep], pos_lo[rep]
        same = active[np.where(i < c, lr + (start[rep] % c + i) % c, (lr + i) % len(active))]
        # a co-teacher who is the section's own teacher, or one listed already, is none;
        # then at most the number asked for
        keep = np.zeros(len(rep), dtype=bool)
        keep[np.unique(rep * nt + same, return_index=True)[1]] = True
        keep &= same != primary[rep]
        kept = np.flatnonzero(keep)
        pos = np.arange(len(kept)) - np.searchsorted(rep[kept], rep[kept])
        kept = kept[pos < n_co[rep[kept]]]
        same, n_co = same[kept], np.bincount(rep[kept], minlength=nsec)
        self.co_ptr = np.concatenate([[0], np.cumsum(n_co)])
        self.co_teacher = same
        self.no_teacher = _pick(rng, nsec, self.rates["no_teacher"])
        # `teacher` ≠ teachers[0] in ~1% of the sections with co-teachers (every one of
        # them at a rate of 1)
        cands = np.setdiff1d(np.flatnonzero(n_co > 0), self.no_teacher)
        self.teacher_mismatch = cands[_pick(rng, len(cands), self.rates["teacher_mismatch"])]

    def _people(self, rng: np.random.Generator) -> None:
        nu = len(self.user_ids)
        self.first = rng.integers(0, len(FIRST), size=nu)
        self.last = rng.integers(0, len(LAST), size=nu)
        self.created = _timestamps(rng, nu, "2019-06-01", "2024-06-01")
        self.modified = _timestamps(rng, nu, "2024-06-01", "2025-06-01")
        self.student_extra_school = _pick(rng, self.n["students"],
                                          self.rates["second_school_students"])
        self.teacher_extra_school = _pick(rng, self.n["teachers"],
                                          self.rates["second_school_teachers"])
        nst, ns = self.n["staff"], self.n["schools"]
        k = rng.choice([1, 1, 1, 2, 3], size=nst)
        self.staff_ptr = np.concatenate([[0], np.cumsum(k)])
        self.staff_schools = rng.integers(0, ns, size=int(k.sum()))
        self.staff_no_school = _pick(rng, nst, self.rates["staff_no_school"])
        self.staff_singular = _pick(rng, nst, self.rates["staff_singular"])
        self.teacher_also_staff = _pick(rng, self.n["teachers"], self.rates["teachers_also_staff"])
        self.teacher_also_admin = _pick(rng, self.n["teachers"], self.rates["teachers_also_admin"])

    def _contacts(self, rng: np.random.Generator) -> None:
        nc, n = self.n["contacts"], self.n["students"]
        k = np.where(rng.random(nc) < self.rates["two_student_contacts"], 2 if n > 1 else 1, 1)
        none = _pick(rng, nc, self.rates["orphan_contacts"])
        k[none] = 0
        self.con_ptr = np.concatenate([[0], np.cumsum(k)])
        con_student = rng.integers(0, n, size=int(k.sum()))
        # a contact's second student is another student (a draw could repeat the first)
        second = np.flatnonzero(np.repeat(k, k) == 2)[1::2]
        if n > 1:
            same = con_student[second] == con_student[second - 1]
            con_student[second[same]] = (con_student[second[same]] + 1) % n
        self.con_student = con_student
        self.con_rel = rng.integers(0, len(REL), size=int(k.sum()))
        self.con_type = rng.integers(0, len(TYPE), size=int(k.sum()))
        self.con_missing = _pick(rng, nc, self.rates["contact_missing_student"])  # relationship to a student with no record
        self.con_odd = _pick(rng, int(k.sum()), self.rates["odd_relationship"])  # relationship/type outside the enum

    def _quirks(self, rng: np.random.Generator) -> None:
        nu = len(self.user_ids)
        q = self.rates
        self.q_no_at = set(_pick(rng, nu, q["email_no_at"]).tolist())
        self.q_long = set(_pick(rng, nu, q["long_string"]).tolist())
        self.q_ctrl = set(_pick(rng, nu, q["control_char"]).tolist())
        t0 = self.off["teachers"]
        pairs = _pick(rng, self.n["teachers"], q["employees_sharing_email"], at_least=2)
        # employees sharing an email (should have been merged): odd → the even one's
        self.q_shared_employee = {int(t0 + pairs[i + 1]): int(t0 + pairs[i])
                                  for i in range(0, len(pairs) - 1, 2)}
        c0 = self.off["contacts"]
        cs = _pick(rng, self.n["contacts"], q["contact_sharing_email"])
        self.q_shared_contact = {int(c0 + c): int(rng.integers(0, self.n["students"]))
                                 for c in cs.tolist()}
        self.q_student_contact = set(_pick(rng, self.n["students"], q["student_contact"]).tolist())
        self.q_dup_section_name = set(
            _pick(rng, self.n["sections"], q["duplicate_section_name"]).tolist())
        self.q_grade = set(_pick(rng, self.n["sections"], q["section_grade"]).tolist())
        self.q_missing_course = set(_pick(rng, self.n["sections"], q["missing_course"]).tolist())
        self.q_missing_student = set(
            _pick(rng, self.n["sections"], q["missing_student"]).tolist())
        self.q_course_noname = set(_pick(rng, self.n["courses"], q["course_no_name"]).tolist())
        self.q_course_dupnum = set(
            _pick(rng, self.n["courses"], q["course_same_number"], at_least=2).tolist())
        self.missing_ids = _hex_ids(rng, 64).astype("U24").tolist()

    # -- reporting --------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Records per kind and users per (main) role, as generated."""
        n = self.n
        return {"districts": 1, "schools": n["schools"], "terms": n["terms"],
                "courses": n["courses"], "sections": n["sections"],
                "users": len(self.user_ids), "students": n["students"],
                "teachers": n["teachers"], "staff": n["staff"], "district_admins": n["admins"],
                "contacts": n["contacts"], "enrollments": len(self.enr_sec)}

    def digest(self) -> str:
        """A short hash of the generated structure (equal seeds → equal digests)."""
        h = hashlib.sha256()
        for a in (self.user_ids, self.enr_sec, self.enr_stu, self.primary_teacher,
                  self.co_teacher, self.con_student):
            h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()[:16]

    # -- records ------------------------------------------------------------------
    def records(self, kind: str) -> Iterator[dict[str, Any]]:
        """The records of one kind (``"schools"``, ``"users"``...) as JSON-ready dicts."""
        return getattr(self, f"_rec_{kind}")()

    def _rec_districts(self) -> Iterator[dict[str, Any]]:
        yield {"id": self.district_id.decode(), "name": f"Synthetic District {self.seed}",
               "sis_type": "Generic", "state": "success", "last_sync": "2025-06-01T03:00:00.000Z",
               "launch_date": "2020-08-01", "portal_url": "https://clever.com/in/synthetic",
               "login_methods": ["clever", "google"], "mdr_number": "01234567",
               "nces_id": "0100001",
               "district_contact": {"id": "dc" + self.district_id.decode()[2:],
                                    "district": self.district_id.decode(),
                                    "email": "it@district.example.org", "title": "IT Director",
                                    "name": {"first": "Pat", "last": "Jones"}}}

    def _rec_schools(self) -> Iterator[dict[str, Any]]:
        did = self.district_id.decode()
        kind = {0: "Elementary", 6: "Middle", 9: "High"}
        for i, sid in enumerate(self.ids["schools"].astype("U24").tolist()):
            lo, hi = int(self.school_lo[i]), int(self.school_hi[i])
            yield {"id": sid, "district": did,
                   "name": f"{LAST[i % len(LAST)]} {kind.get(lo, 'Secondary')} School {i}",
                   "school_number": str(1000 + i), "sis_id": str(1000 + i),
                   "state_id": f"ST-{i:05d}", "nces_id": f"{100000000 + i}",
                   "mdr_number": f"{5000000 + i}", "phone": f"(555) 01{i % 100:02d}-{i % 10000:04d}",
                   "low_grade": GRADES[lo], "high_grade": GRADES[hi],
                   "location": {"address": f"{100 + i} Main St", "city": "Springfield",
                                "state": "CA", "zip": f"9{i % 10000:04d}"},
                   "principal": {"name": f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}",
                                 "email": f"principal{i}@district.example.org"},
                   "created": "2019-07-01T00:00:00.000Z",
                   "last_modified": "2024-08-01T00:00:00.000Z"}

    def _rec_terms(self) -> Iterator[dict[str, Any]]:
        did = self.district_id.decode()
        spec = [("Fall 2024", "2024-08-19", "2024-12-20"), ("Spring 2025", "2025-01-06",
                "2025-05-30"), ("2024-2025", "2024-08-19", "2025-05-30"),
                ("Summer 2025", "2025-06-16", "2025-07-25"), ("Q1 2024", "2024-08-19",
                "2024-10-25"), ("Summer II 2025", "2025-07-28", "2025-08-15")]
        # the quirks' terms in a fixed order: first the two no section uses (as before)
        no_name = [4, 0, 1, 2, 3, 5][: _share(len(spec), self.rates["term_no_name"])]
        bad = [5, 1, 0, 2, 3, 4][: _share(len(spec), self.rates["term_bad_dates"])]
        for i, tid in enumerate(self.ids["terms"].astype("U24").tolist()):
            name, start, end = spec[i % len(spec)]
            rec: dict[str, Any] = {"id": tid, "district": did}
            if i in no_name:
                yield rec  # a term with none of name, start, end
                continue
            if i == 5 and i in bad:
                name, start, end = "Q5 2025", "2025-06-30", "2025-02-30"  # and a bad date
            elif i in bad:
                start, end = end, start  # ends before it starts
            rec.update(name=name, start_date=start, end_date=end)
            yield rec

    def _course_name(self, i: int) -> tuple[str, str]:
        subj, names = SUBJECTS[i % len(SUBJECTS)]
        return subj, f"{names[(i // len(SUBJECTS)) % len(names)]} {i // 40 + 1}"

    def _rec_courses(self) -> Iterator[dict[str, Any]]:
        did = self.district_id.decode()
        dup = sorted(self.q_course_dupnum)
        for i, cid in enumerate(self.ids["courses"].astype("U24").tolist()):
            rec: dict[str, Any] = {"id": cid, "district": did,
                                   "number": f"C{(dup[0] if i in self.q_course_dupnum else i):06d}"}
            if i not in self.q_course_noname:
                rec["name"] = self._course_name(i)[1]
            yield rec

    def _rec_sections(self) -> Iterator[dict[str, Any]]:
        did = self.district_id.decode()
        uids = self.user_ids.astype("U24").astype(object)
        school_ids = self.ids["schools"].astype("U24").tolist()
        term_ids = self.ids["terms"].astype("U24").tolist()
        course_ids = self.ids["courses"].astype("U24").tolist()
        t0 = self.off["teachers"]
        ptr, stu, cptr = self.sec_ptr.tolist(), self.enr_stu, self.co_ptr.tolist()
        no_teacher = set(self.no_teacher.tolist())
        mismatch = set(self.teacher_mismatch.tolist())
        primary = self.primary_teacher.tolist()
        school, grade = self.section_school.tolist(), self.section_grade.tolist()
        period = self.section_period.tolist()
        term, course = self.section_term.tolist(), self.section_course.tolist()
        created = self.created
        prev_name, seen = "", dict[tuple[int, str], int]()
        for j, sid in enumerate(self.ids["sections"].astype("U24").tolist()):
            students = uids[stu[ptr[j]: ptr[j + 1]]].tolist()
            if j in self.q_missing_student and students:
                students.append(self.missing_ids[j % 64])
            c = course[j]
            subj, cname = self._course_name(c)
            per = period[j]
            name = f"{cname} - Period {per}"
            # another section of the course in that period at the school: a second class,
            # named apart, so only the quirk below gives a school two sections of one name
            seen[school[j], name] = n_seen = seen.get((school[j], name), 0) + 1
            if n_seen > 1:
                name = f"{name} ({n_seen})"
            # the name of the school's previous section as written (its own, or the one it
            # took in turn), so a rate of 1 names every section of a school alike
            if j in self.q_dup_section_name and j > 0 and school[j - 1] == school[j]:
                name = prev_name
            prev_name = name
            g = grade[j]
            if j in self.q_grade:
                g = (g + 3) % 13
            rec: dict[str, Any] = {"id": sid, "district": did, "school": school_ids[school[j]],
                                   "course": (self.missing_ids[(j + 7) % 64]
                                              if j in self.q_missing_course else course_ids[c]),
                                   "term_id": term_ids[term[j]], "name": name,
                                   "sis_id": f"SEC-{j}", "section_number": str(100 + per),
                                   "period": str(per), "grade": GRADES[g], "subject": subj,
                                   "created": created[j % len(created)],
                                   "last_modified": "2024-08-15T12:00:00.000Z"}
            if j not in no_teacher:
                teachers = [uids[t0 + primary[j]]]
                teachers.extend(uids[t0 + self.co_teacher[cptr[j]: cptr[j + 1]]].tolist())
                rec["teacher"] = teachers[-1] if (j in mismatch and len(teachers) > 1) else \
                    teachers[0]
                rec["teachers"] = teachers
            rec["students"] = students
            yield rec

    def _email(self, u: int, first: str, last: str, domain: str) -> str:
        e = f"{_ascii(first)}.{_ascii(last)}{u}@{domain}"
        if u in self.q_shared_employee:
            o = self.q_shared_employee[u]
            e = f"{_ascii(FIRST[self.first[o]])}.{_ascii(LAST[self.last[o]])}{o}@{domain}"
        if u in self.q_no_at:
            e = e.replace("@", ".at.")
        return e

    def _name(self, u: int) -> tuple[str, str]:
        first, last = FIRST[self.first[u]], LAST[self.last[u]]
        if u in self.q_long:
            last = last + "-" + "x" * 300
        if u in self.q_ctrl:
            first = first + "\u0007"
        return first, last

    def _rec_users(self) -> Iterator[dict[str, Any]]:
        did = self.district_id.decode()
        uids = self.user_ids.astype("U24").tolist()
        school_ids = self.ids["schools"].astype("U24").tolist()
        off, n = self.off, self.n
        created, modified = self.created, self.modified
        st_school, st_grade = self.student_school.tolist(), self.student_grade.tolist()
        extra_st = set(self.student_extra_school.tolist())
        ns = n["schools"]
        student_contact = self.q_student_contact

        def base(u: int, domain: str) -> dict[str, Any]:
            first, last = self._name(u)
            return {"id": uids[u], "district": did, "email": self._email(u, first, last, domain),
                    "name": {"first": first, "middle": "", "last": last},
                    "created": created[u], "last_modified": modified[u]}

        for s in range(n["students"]):
            rec = base(s, "students.district.example.org")
            sc = st_school[s]
            schools = [school_ids[sc]]
            if s in extra_st and ns > 1:  # another school
                schools.append(school_ids[(sc + 1 + s % max(1, ns - 1)) % ns])
            g = st_grade[s]
            role: dict[str, Any] = {
                "school": school_ids[sc], "schools": schools, "sis_id": f"S{s:08d}",
                "student_number": f"{s:08d}", "state_id": f"CA{s:010d}", "grade": GRADES[g],
                "graduation_year": str(2037 - g), "dob": f"{2019 - g}-{1 + s % 12:02d}-"
                f"{1 + s % 28:02d}", "gender": "MF"[s % 2], "hispanic_ethnicity": "YN"[s % 3 == 0],
                "ell_status": "N", "frl_status": "Y" if s % 4 == 0 else "N", "iep_status": "N",
                "home_language": "English" if s % 5 else "Spanish",
                "credentials": {"district_username": f"s{s:08d}"},
                "legacy_id": uids[s],
                "enrollments": [{"school": school_ids[sc], "start_date": "2024-08-19"}]}
            rec["roles"] = {"student": role}
            if s in student_contact:  # an illegal role combination
                rec["roles"]["contact"] = {"legacy_id": uids[s], "student_relationships": []}
            yield rec
        t0 = off["teachers"]
        extra_t = set(self.teacher_extra_school.tolist())
        also_staff = set(self.teacher_also_staff.tolist())
        also_admin = set(self.teacher_also_admin.tolist())
        t_school = self.teacher_school.tolist()
        for t in range(n["teachers"]):
            u = t0 + t
            rec = base(u, "district.example.org")
            sc = t_school[t]
            schools = [school_ids[sc]]
            if t in extra_t and ns > 1:
                schools.append(school_ids[(sc + 1 + t % (ns - 1)) % ns])  # never its own
            roles: dict[str, Any] = {"teacher": {
                "school": school_ids[sc], "schools": schools, "sis_id": f"T{t:06d}",
                "teacher_number": f"{t:06d}", "state_id": f"TCA{t:07d}", "title": "Teacher",
                "legacy_id": uids[u], "credentials": {"district_username": f"t{t:06d}"}}}
            if t in also_staff:
                roles["staff"] = {"schools": schools, "staff_id": f"F{t:06d}",
                                  "title": "Department Head", "department": "Math",
                                  "roles": ["department_head"], "legacy_id": uids[u]}
            if t in also_admin:
                roles["district_admin"] = {"title": "Curriculum Lead", "legacy_id": uids[u]}
            rec["roles"] = roles
            yield rec
        f0 = off["staff"]
        sptr, ssch = self.staff_ptr.tolist(), self.staff_schools.tolist()
        no_school, singular = set(self.staff_no_school.tolist()), set(self.staff_singular.tolist())
        for f in range(n["staff"]):
            u = f0 + f
            rec = base(u, "district.example.org")
            role = {"staff_id": f"F{100000 + f}", "title": "Counselor", "department": "Student "
                    "Services", "roles": ["counselor"], "legacy_id": uids[u],
                    "credentials": {"district_username": f"f{f:06d}"}}
            scs = [school_ids[x] for x in dict.fromkeys(ssch[sptr[f]: sptr[f + 1]])]
            if f in singular:
                role["school"] = scs[0]  # the v2 singular field: not in the schema
            elif f not in no_school:
                role["schools"] = scs
            rec["roles"] = {"staff": role}
            yield rec
        a0 = off["admins"]
        for a in range(n["admins"]):
            u = a0 + a
            rec = base(u, "district.example.org")
            rec["roles"] = {"district_admin": {"title": "District Administrator",
                                               "legacy_id": uids[u]}}
            yield rec
        c0 = off["contacts"]
        cptr = self.con_ptr.tolist()
        cst, crel, ctyp = self.con_student.tolist(), self.con_rel.tolist(), self.con_type.tolist()
        odd = set(self.con_odd.tolist())
        missing = set(self.con_missing.tolist())
        shared = self.q_shared_contact
        for c in range(n["contacts"]):
            u = c0 + c
            first, last = self._name(u)
            rels = []
            for e in range(cptr[c], cptr[c + 1]):
                rel, typ = REL[crel[e]], TYPE[ctyp[e]]
                if e in odd:
                    rel, typ = ODD_REL[e % len(ODD_REL)], ODD_TYPE[e % len(ODD_TYPE)]
                rels.append({"student": uids[cst[e]], "relationship": rel, "type": typ})
            if c in missing:
                rels = [{"student": self.missing_ids[c % 64], "relationship": "Parent",
                         "type": "Parent/Guardian"}]
            email = f"{_ascii(first)}.{_ascii(last)}.{c}@mail.example.com"
            if u in shared:  # a contact sharing a student's email (allowed)
                s = shared[u]
                email = self._email(s, *self._name(s), "students.district.example.org")
            if u in self.q_no_at:
                email = email.replace("@", "")
            yield {"id": uids[u], "district": did, "email": email,
                   "name": {"last": f"{first} {last}"},  # full name in `last`, by design
                   "created": created[u], "last_modified": modified[u],
                   "roles": {"contact": {"legacy_id": uids[u], "sis_id": f"C{c:08d}",
                                         "phone": f"555{c % 10_000_000:07d}",
                                         "phone_type": "Cell", "student_relationships": rels}}}

    # -- writing ----------------------------------------------------------------------
    def write(self, path: str | os.PathLike[str], *, format: str = "clever-jsonl") -> Path:
        """Stream the district to the folder ``path`` (created if needed).

        Parameters
        ----------
        path:
            Output folder; its roster files (of any format) are replaced.
        format:
            ``clever-jsonl`` (``<kind>.jsonl``, one record per line),
            ``clever-json`` (``<kind>.json`` as a Clever list envelope), both
            streamed; or ``clever-csv`` (Clever SFTP CSV) / ``oneroster``
            (OneRoster 1.1 CSV), written by :mod:`rostergraph.io.write` from a
            roster held in memory (the JSON Lines text plus every record: a
            few GB at L).

        Returns
        -------
        Path
            The folder.

        Raises
        ------
        ValueError
            For a format the generator cannot write (see :data:`FORMATS`).

        Examples
        --------
        >>> import tempfile, rostergraph
        >>> out = district("S", seed=3).write(tempfile.mkdtemp())
        >>> len(rostergraph.load(out).users) == district("S", seed=3).counts()["users"]
        True
        """
        if format not in FORMATS:
            raise ValueError(f"unknown synth format {format!r}; expected one of "
                             f"{', '.join(FORMATS)}")
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        if format in ("clever-csv", "oneroster"):
            import functools
            import tempfile

            from .io.detect import load
            from .io.write_oneroster import write_oneroster
            from .io.write_sftp import write_clever_csv

            with tempfile.TemporaryDirectory(dir=out, prefix=".synth-") as tmp:
                roster = load(self.write(tmp))
            (write_clever_csv if format == "clever-csv"  # (a folder, even one named x.zip)
             else functools.partial(write_oneroster, zip=False))(roster, out)
        for kind in ("districts", "schools", "terms", "courses", "sections", "users"):
            if format == "clever-jsonl":
                write_lines(out / f"{kind}.jsonl", self.records(kind))
            elif format == "clever-json":
                write_envelope(out / f"{kind}.json", self.records(kind), kind)
        from .io.convert import remove_other_formats
        remove_other_formats(out, format)  # else the folder reads as an earlier district
        return out


def _ascii(s: str) -> str:
    return s.encode("ascii", "ignore").decode().lower().replace("'", "") or "x"


def district(size: str | None = "S", *, students: int | None = None, seed: int = 0,
             quirks: str = "default", rates: dict[str, float] | None = None,
             counts: dict[str, int] | None = None) -> SynthDistrict:
    """Generate a district deterministically.

    Parameters
    ----------
    size:
        ``"S"`` (1 school, ~500 students), ``"M"`` (100k students) or ``"L"``
        (1M students); ignored when ``students`` is given.
    students:
        Number of students; everything else scales with it.
    seed:
        Same seed and size → the same district, byte for byte (any integer; a negative
        one gives another district than its magnitude).
    quirks:
        ``"default"`` (every quirk at a realistic, low rate) or ``"high"`` (each
        validation rule fires on about 5–20 % of its candidates); see
        :data:`QUIRK_RATES`.
    rates:
        Rates in [0, 1] replacing those of the level or :data:`SHAPE_RATES` (0: none).
    counts:
        Records per kind replacing the ones scaled from ``students``: ``schools``,
        ``courses`` (at least 1), ``teachers``, ``sections``, ``staff``, ``admins``,
        ``contacts`` (at least 0: no teachers leaves every section untaught, no sections
        every student in none).

    Returns
    -------
    SynthDistrict
        Arrays of the district; :meth:`SynthDistrict.write` writes it.

    Raises
    ------
    ValueError
        For an unknown size, quirk level, rate or count, a rate outside [0, 1], a
        count below its minimum, or no student.

    Examples
    --------
    >>> d = district(students=2000, seed=7)
    >>> c = d.counts()
    >>> c["students"], c["contacts"], c["sections"] >= 10
    (2000, 2000, True)
    >>> len(district(students=2000, seed=7, quirks="high").orphan_students) > 5 * len(
    ...     d.orphan_students) // 2
    True
    """
    if quirks not in QUIRK_RATES:
        raise ValueError(f"unknown quirk level {quirks!r}; expected one of "
                         f"{', '.join(QUIRK_RATES)}")
    if students is None:
        if size not in SIZES:
            raise ValueError(f"unknown size {size!r}; expected one of {', '.join(SIZES)}")
        students = SIZES[size]
    if students < 1:
        raise ValueError("a synthetic district needs at least 1 student")
    check_shape(rates or {}, counts or {}, [*QUIRK_RATES["default"], *SHAPE_RATES])
    return SynthDistrict(int(students), int(seed), quirks,
                         {k: float(v) for k, v in (rates or {}).items()},
                         {k: int(v) for k, v in (counts or {}).items()})


def write_district(path: str | os.PathLike[str], size: str | None = "S", *,
                   students: int | None = None, seed: int = 0, format: str = "clever-jsonl",
                   quirks: str = "default", rates: dict[str, float] | None = None,
                   counts: dict[str, int] | None = None) -> Path:
    """Generate a district and write it to ``path`` (see :func:`district`).

    Examples
    --------
    >>> import tempfile
    >>> p = write_district(tempfile.mkdtemp(), "S", seed=2)
    >>> sorted(x.name for x in p.iterdir())[:2]
    ['courses.jsonl', 'districts.jsonl']
    """
    return district(size, students=students, seed=seed, quirks=quirks, rates=rates,
                    counts=counts).write(path, format=format)
