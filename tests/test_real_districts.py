"""Answers on real-shaped districts equal counts made with pandas over the raw files.

Each oracle here reads the source files with ``json``/``pandas`` only, never
rostergraph, and applies the definitions of docs/queries.md: a school, term
or course without a record is a place known by its id (compared and grouped
by id); a user or section without a record is no one.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import rostergraph
from rostergraph import RosterGraph
from rostergraph import queries as q

PUBLIC = Path(__file__).parent / "data" / "public-samples"
SAMPLE = Path(rostergraph.sample_path())
EDFI = PUBLIC / "oneroster" / "edfi-lms-toolkit-v1.1"
RUBY = PUBLIC / "clever" / "clever-ruby-v1.1-vcr-bodies"


# --- oracles over raw Clever v3 JSON --------------------------------------------------


def _records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    body = json.loads(path.read_text(encoding="utf-8"))
    items = body["data"] if isinstance(body, dict) else body
    return [it.get("data", it) for it in items]


class CleverRaw:
    """A Clever v3 JSON dump read with json + pandas, and the questions answered on it."""

    def __init__(self, folder: Path) -> None:
        self.users = pd.DataFrame(_records(folder / "users.json"))
        self.sections = pd.DataFrame(_records(folder / "sections.json"))
        self.schools = {r["id"] for r in _records(folder / "schools.json")}
        self.user_ids = set(self.users["id"])

    def role(self, name: str) -> pd.DataFrame:
        """id, school, schools for users holding role ``name``."""
        rows = []
        for uid, roles in zip(self.users["id"], self.users["roles"]):
            r = roles.get(name)
            if r is not None:
                rows.append({"id": uid, "school": r.get("school"),
                             "schools": list(r.get("schools") or []),
                             "student_relationships": r.get("student_relationships") or []})
        return pd.DataFrame(rows, columns=["id", "school", "schools", "student_relationships"])

    def members(self, column: str) -> pd.DataFrame:
        """(section, school, user) for every student (``students``) or teacher listed."""
        s = self.sections[["id", "school", column]].rename(columns={"id": "section"})
        s = s.explode(column).dropna(subset=[column]).rename(columns={column: "user"})
        return s.drop_duplicates(["section", "user"])

    def cross(self, role: str) -> set[tuple[str, str, str, str, bool, bool]]:
        column = "students" if role == "student" else "teachers"
        m = self.members(column).merge(self.role(role), left_on="user", right_on="id",
                                       suffixes=("", "_home"))
        m = m[m["school"].notna() & m["school_home"].notna()]
        m = m[m["school"] != m["school_home"]]
        return {(u, s, sc, h, sc not in self.schools, h not in self.schools)
                for u, s, sc, h in zip(m["user"], m["section"], m["school"], m["school_home"])}

    def reach(self) -> dict[tuple[str, str], int]:
        st = self.members("students").merge(self.role("student")[["id"]], left_on="user",
                                            right_on="id")
        te = self.members("teachers").merge(self.role("teacher")[["id"]], left_on="user",
                                            right_on="id")
        j = te.merge(st, on="section", suffixes=("_t", "_s"))
        counts = j.groupby(["user_t", "user_s"]).size()
        return {k: int(v) for k, v in counts.items()}

    def orphans(self) -> set[tuple[str, str, str]]:
        out = set()
        enrolled = set(self.members("students")["user"])
        teaching = set(self.members("teachers")["user"])
        students = set(self.role("student")["id"])
        out |= {(u, "student", "no_section") for u in students - enrolled}
        out |= {(u, "teacher", "no_section") for u in set(self.role("teacher")["id"]) - teaching}
        for uid, rels in zip(self.role("contact")["id"], self.role("contact")
                             ["student_relationships"]):
            if not any(r.get("student") in students for r in rels):
                out.add((uid, "contact", "no_student"))
        staff = self.role("staff")
        out |= {(u, "staff", "no_school") for u, sc in zip(staff["id"], staff["schools"])
                if not sc}
        return out

    def staff_visible(self, staff_id: str) -> set[str]:
        mine = set(self.role("staff").set_index("id").loc[staff_id, "schools"])
        seen = set()
        for role in ("student", "teacher", "staff"):
            for uid, sc, scs in self.role(role)[["id", "school", "schools"]].itertuples(
                    index=False):
                if ({sc} | set(scs)) & mine:
                    seen.add(uid)
        return seen - {staff_id}


def _without_schools(tmp: Path) -> Path:
    out = tmp / "no-schools"
    out.mkdir()
    for f in SAMPLE.glob("*.json"):
        if f.name != "schools.json":
            shutil.copy(f, out / f.name)
    return out


@pytest.fixture(params=["sample", "no-schools"])
def clever_dump(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    yield SAMPLE if request.param == "sample" else _without_schools(tmp_path)


def _cross_rows(t: rostergraph.Table, who: str) -> set[tuple[Any, ...]]:
    return set(zip(t[who].tolist(), t["section"].tolist(), t["school"].tolist(),
                   t["primary_school"].tolist(), t["school_missing"].tolist(),
                   t["primary_school_missing"].tolist()))


def test_cross_school_equals_pandas_count(clever_dump: Path) -> None:
    """Cross-school enrollment and teaching pairs equal a pandas count by school id."""
    raw = CleverRaw(clever_dump)
    g = RosterGraph.from_roster(rostergraph.load(clever_dump))
    assert _cross_rows(q.cross_school_enrollments(g), "student") == raw.cross("student")
    assert _cross_rows(q.cross_school_teaching(g), "teacher") == raw.cross("teacher")
    assert len(raw.cross("student")) > 0  # the oracle is not vacuous


def test_school_flow_equals_pandas_groupby(clever_dump: Path) -> None:
    """The school-flow cells equal a pandas group-by of cross-school pairs, by school id."""
    raw = CleverRaw(clever_dump)
    pairs = pd.DataFrame(sorted(raw.cross("student")),
                         columns=["student", "section", "school", "home", "sm", "hm"])
    expect = {(h, s): (len(grp), grp["student"].nunique(), hm, sm)
              for (h, s, hm, sm), grp in pairs.groupby(["home", "school", "hm", "sm"])}
    g = RosterGraph.from_roster(rostergraph.load(clever_dump))
    got = {(h, s): (p, n, hm, sm) for h, s, p, n, hm, sm in q.school_flow(g)}
    assert got == expect


def test_reach_and_orphans_equal_pandas(clever_dump: Path) -> None:
    """Reach pairs (with link counts) and orphaned (user, role, reason) equal pandas counts."""
    raw = CleverRaw(clever_dump)
    g = RosterGraph.from_roster(rostergraph.load(clever_dump))
    got = {(t, s): n for t, s, n in q.reach_pairs(g)}
    assert got == raw.reach()
    assert set(q.orphaned_users(g)) == raw.orphans()


def test_staff_visibility_intersects_school_ids(clever_dump: Path) -> None:
    """A staff member sees the users whose school ids meet theirs, delivered or not."""
    raw = CleverRaw(clever_dump)
    g = RosterGraph.from_roster(rostergraph.load(clever_dump))
    staff = sorted(raw.role("staff")["id"])
    assert staff
    for sid in staff:
        t = q.visible_users(g, sid)
        got = {u for u, by in zip(t["user"].tolist(), t["granted_by"].tolist()) if by == "staff"}
        assert got == raw.staff_visible(sid), sid


def test_district_without_schools_answers_as_with_them(tmp_path: Path) -> None:
    """Leaving schools.json out changes no cross-school, orphan or reach answer: ids suffice."""
    full = RosterGraph.from_roster(rostergraph.sample())
    part = RosterGraph.from_roster(rostergraph.load(_without_schools(tmp_path)))
    cols = ("student", "section", "school", "primary_school", "in_schools")
    assert (set(q.cross_school_enrollments(part).select(*cols))
            == set(q.cross_school_enrollments(full).select(*cols)))
    assert bool(q.cross_school_enrollments(part)["school_missing"].all())
    assert set(q.orphaned_users(part)) == set(q.orphaned_users(full))
    assert len(q.reach_pairs(part)) == len(q.reach_pairs(full))


def test_staff_with_undelivered_schools_is_not_orphaned(tmp_path: Path) -> None:
    """Without schools.json, no staff member is no_school and RG-STF-001 reports none of them."""
    dump = _without_schools(tmp_path)
    raw = CleverRaw(dump)
    with_schools = {u for u, sc in zip(raw.role("staff")["id"], raw.role("staff")["schools"])
                    if sc}
    assert with_schools
    roster = rostergraph.load(dump)
    report = rostergraph.validate(roster, select="RG-STF-001")
    flagged = {i for f in report.findings if f.values.get("reason") == "no_school"
               for i in f.ids}
    assert not flagged & with_schools
    refs = rostergraph.validate(roster, select="RG-REF-001")
    assert any(f.values.get("relation") in ("works_at", "attends", "taught_at")
               or "school" in f.message for f in refs.findings)


def test_coverage_says_schools_are_compared_by_id(tmp_path: Path) -> None:
    """coverage() marks cross-school answers by_id when schools were not delivered."""
    g = RosterGraph.from_roster(rostergraph.load(_without_schools(tmp_path)))
    status = dict(zip(rostergraph.coverage(g).column("question"),
                      rostergraph.coverage(g).column("status")))
    assert status["cross_school_enrollments"] == "by_id"
    assert status["cross_school_teaching"] == "by_id"
    d = {r["kind"]: r for r in rostergraph.delivery(g).to_dicts()}
    assert d["schools"]["status"] == "not_delivered"
    assert d["schools"]["referenced_missing"] == len(
        {s for s in CleverRaw(tmp_path / "no-schools").sections["school"].dropna()})


def test_cannot_answer_when_no_student_has_a_primary_school(tmp_path: Path) -> None:
    """With every student's school removed, coverage says cross-school cannot be answered."""
    out = tmp_path / "no-home"
    shutil.copytree(SAMPLE, out)
    body = json.loads((out / "users.json").read_text(encoding="utf-8"))
    for item in body["data"]:
        st = item["data"]["roles"].get("student")
        if st is not None:
            st.pop("school", None)
            st.pop("schools", None)
    (out / "users.json").write_text(json.dumps(body), encoding="utf-8")
    g = RosterGraph.from_roster(rostergraph.load(out))
    assert len(q.cross_school_enrollments(g)) == 0
    rows = {r["question"]: r for r in rostergraph.coverage(g).to_dicts()}
    assert rows["cross_school_enrollments"]["status"] == "cannot_answer"
    assert "primary school" in rows["cross_school_enrollments"]["note"]
    report = rostergraph.validate(rostergraph.load(out))
    assert "cross_school_enrollments: cannot answer" in report.to_text()


# --- public samples ---------------------------------------------------------------------


def test_oneroster_public_sample_equals_pandas() -> None:
    """Ed-Fi's OneRoster 1.1 sample: reach, cross-school and orphans equal a pandas count."""
    header = (EDFI / "users.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    users = pd.read_csv(EDFI / "users.csv", dtype=str, skiprows=1,  # two rows end in ","
                        names=[*header, "_trailing"])
    enr = pd.read_csv(EDFI / "enrollments.csv", dtype=str)
    classes = pd.read_csv(EDFI / "classes.csv", dtype=str)
    role = dict(zip(users["sourcedId"], users["role"]))
    home = {u: str(o).split(",")[0] for u, o in zip(users["sourcedId"], users["orgSourcedIds"])}
    enr = enr[enr["userSourcedId"].isin(set(users["sourcedId"]))]
    enr = enr.drop_duplicates(["classSourcedId", "userSourcedId", "role"])  # once per term
    enr = enr.merge(classes[["sourcedId", "schoolSourcedId"]], left_on="classSourcedId",
                    right_on="sourcedId", suffixes=("", "_class"))
    st = enr[enr["role"] == "student"]
    te = enr[enr["role"] == "teacher"]
    j = te.merge(st, on="classSourcedId", suffixes=("_t", "_s"))
    expect_reach = {k: int(v) for k, v in
                    j.groupby(["userSourcedId_t", "userSourcedId_s"]).size().items()}
    expect_cross = {(u, c) for u, c, s in zip(st["userSourcedId"], st["classSourcedId"],
                                              st["schoolSourcedId_class"]) if home[u] != s}
    in_class = set(enr["userSourcedId"])
    expect_orphans = {(u, r, "no_section") for u, r in role.items()
                      if r in ("student", "teacher") and u not in in_class}
    g = RosterGraph.from_roster(rostergraph.load(EDFI))
    assert {(t, s): n for t, s, n in q.reach_pairs(g)} == expect_reach
    assert set(zip(*(q.cross_school_enrollments(g)[c].tolist()
                     for c in ("student", "section")))) == expect_cross
    assert set(q.orphaned_users(g)) == expect_orphans
    assert expect_reach  # not vacuous


def test_legacy_sections_only_sample_says_what_it_lacks() -> None:
    """Clever's v1.1 recorded sections (no student or teacher records): no one is reached,
    and coverage and the report say the questions cannot be answered instead of 0."""
    students: set[str] = set()
    for f in sorted(RUBY.glob("sections_page*.json")):
        for it in json.loads(f.read_text(encoding="utf-8"))["data"]:
            students |= set(it["data"].get("students") or [])
    assert students  # the sections list students ...
    users = set()
    for f in ("district_admins_list.json", "school_admins_list.json"):
        users |= {it["data"]["id"] for it in json.loads((RUBY / f).read_text("utf-8"))["data"]}
    assert not students & users  # ... none of whom has a record
    g = RosterGraph.from_roster(rostergraph.load(RUBY))
    assert len(q.reach_pairs(g)) == 0
    rows = {r["question"]: r["status"] for r in rostergraph.coverage(g).to_dicts()}
    assert rows["reach"] == "cannot_answer"
    assert rows["cross_school_enrollments"] == "cannot_answer"
    text = rostergraph.validate(rostergraph.load(RUBY), select="RG-SEC-001").to_text()
    assert "reach: cannot answer" in text


def test_flow_plot_and_report_label_schools_without_record(tmp_path: Path) -> None:
    """The school-flow heatmap and the HTML report label undelivered schools by id, marked."""
    import matplotlib

    matplotlib.use("Agg")
    from rostergraph import plot

    roster = rostergraph.load(_without_schools(tmp_path))
    g = RosterGraph.from_roster(roster)
    ax = plot.school_flow_heatmap(g)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    flow = q.school_flow(g)
    assert labels and all(lbl.endswith("(no record)") for lbl in labels)
    assert {lbl.split(" ")[0] for lbl in labels} == set(flow["school"].tolist()
                                                        + flow["primary_school"].tolist())
    ax2 = plot.school_flow_heatmap(flow)  # the table alone carries the flags
    assert [t.get_text() for t in ax2.get_xticklabels()] == labels
    html = rostergraph.validate(roster).to_html()
    assert "(no record)" in html and "Partial roster" in html


def test_html_schools_table_lists_undelivered_schools_by_id(tmp_path: Path) -> None:
    """Without schools.json the report's Schools table still counts students per school id."""
    roster = rostergraph.load(_without_schools(tmp_path))
    html = rostergraph.validate(roster).to_html()
    section = html.split('<section id="schools">', 1)[1].split("</section>", 1)[0]
    assert "No schools." not in section
    assert "4 schools without a record" in section
    raw = CleverRaw(tmp_path / "no-schools")
    assert all(s in section for s in raw.role("student")["school"].dropna().unique())
