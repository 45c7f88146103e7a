"""Privacy policy: every output of the embedded sample, in every mode, leaks no student or
contact name, email, date of birth or sis id; pseudonyms are keyed and stable; counts and
findings do not depend on the mode."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rostergraph
from rostergraph.model import record_to_dict
from rostergraph.privacy import MARK, MODES, SENSITIVE_FIELDS, PrivacyPolicy, load_key
from rostergraph.table import Table

KEY = b"test key for rostergraph privacy"
OTHER_KEY = b"another key, also long enough!!"


@pytest.fixture(scope="module")
def roster() -> Any:
    return rostergraph.sample()


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


@pytest.fixture(scope="module")
def secrets_of(roster: Any) -> dict[str, list[bytes]]:
    """Every student/contact name, email, dob and sis id of the sample, as bytes to search."""
    names: set[str] = set()
    values: set[str] = set()
    for u in roster.users.values():
        roles = u.roles
        if roles.student is None and roles.contact is None:
            continue
        if u.name is not None:
            parts = [p for p in (u.name.first, u.name.middle, u.name.last) if p]
            full = " ".join(parts)
            names.add(full)
            # single name words of 5+ characters (shorter ones occur inside ordinary words)
            names.update(w for p in parts if "<" not in p  # markup quirk: keep it whole
                         for w in _words(p) if len(w) >= 5 or ord(w[0]) > 0x7F)
            names.update(p for p in parts if "<" in p)
        values.update(e for e in (u.email, getattr(roles.student, "email", None)) if e)
        for role in (roles.student, roles.contact):
            if role is None:
                continue
            for f in ("dob", "sis_id", "state_id", "student_number", "phone"):
                v = getattr(role, f, None)
                if v:
                    values.add(v)
    staff_words = {w for u in roster.users.values() if u.name is not None
                   for p in (u.name.first, u.name.middle, u.name.last) if p for w in _words(p)
                   if u.roles.student is None and u.roles.contact is None}
    staff_words |= {w for sc in roster.schools.values() if sc.principal is not None
                    for w in _words(sc.principal.name or "")}
    names -= staff_words  # a word staff share (kept in redacted mode) is not a student secret
    return {"names": sorted(n.encode() for n in names),
            "values": sorted(v.encode() for v in values)}


def _leaks(data: bytes, secrets: dict[str, list[bytes]]) -> list[bytes]:
    return [s for group in secrets.values() for s in group if s in data]


def _leaks_as_json_too(data: bytes, secrets: dict[str, list[bytes]]) -> list[bytes]:
    # JSON writers may escape non-ASCII; search both spellings
    out = _leaks(data, secrets)
    for group in secrets.values():
        for s in group:
            esc = json.dumps(s.decode())[1:-1].encode()
            if esc != s and esc in data:
                out.append(s)
    return out


def _policy(mode: str, key: bytes = KEY, **kw: Any) -> PrivacyPolicy:
    return PrivacyPolicy(mode, key=key, **kw)


def test_secrets_fixture_finds_the_sample_people(roster: Any, secrets_of: Any) -> None:
    """The leak search is not vacuous: the raw sample users file contains every secret."""
    raw = (rostergraph.sample_path() / "users.json").read_bytes()
    raw_text = raw.decode()
    missing = [s for s in secrets_of["names"] + secrets_of["values"]
               if b" " not in s and s not in raw and json.dumps(s.decode())[1:-1] not in raw_text]
    assert not missing
    assert len(secrets_of["values"]) > 100


@pytest.mark.parametrize("mode", MODES)
def test_reports_leak_nothing_in_any_mode(roster: Any, secrets_of: Any, mode: str) -> None:
    """Reports and the findings table hold no student/contact secret; in full mode only the
    Markdown and HTML reports' people tables name people (names, never emails, dob or ids)."""
    report = _policy(mode).apply_report(rostergraph.validate(roster))
    outputs = {
        "text": report.to_text(examples=10_000), "markdown": report.to_markdown(examples=10_000),
        "json": report.to_json(), "html": report.to_html(rows=10_000, plots=True),
        "findings.csv": report.findings_table().to_csv(),
        "findings.json": report.findings_table().to_json(),
    }
    named = {"markdown", "html"} if mode == "full" else set()
    for name, text in outputs.items():
        secrets = {"values": secrets_of["values"]} if name in named else secrets_of
        assert not _leaks_as_json_too(text.encode(), secrets), name
    if mode == "full":  # the names really are there, next to their ids
        assert _leaks(outputs["html"].encode(), {"names": secrets_of["names"]})


@pytest.mark.parametrize("mode", MODES)
def test_html_report_states_its_mode(roster: Any, mode: str) -> None:
    """Every HTML report names its privacy mode at the top of the page."""
    report = _policy(mode).apply_report(rostergraph.validate(roster))
    page = report.to_html(plots=False)
    head = page[: page.index("<main>")]
    assert f"privacy: {mode}" in head


def test_findings_and_counts_do_not_depend_on_mode(roster: Any) -> None:
    """Rule ids, per-rule counts, severities and summary counts are the same in every mode."""
    seen = []
    for mode in MODES:
        report = _policy(mode).apply_report(rostergraph.validate(roster))
        data = json.loads(report.to_json())
        seen.append((
            [(r["id"], r["count"]) for r in data["rules"]],
            [(f["rule"], f["severity"], f["kind"], len(f["ids"])) for f in data["findings"]],
            data["validation"]["counts"], data["summary"]["records"], data["summary"]["roles"],
        ))
    assert seen[0] == seen[1] == seen[2]
    assert sum(c for _, c in seen[0][0]) > 0


def test_pseudonymized_report_hides_person_ids_keeps_others(roster: Any) -> None:
    """Pseudonymized: no user id of the sample appears; section and school ids still do."""
    report = _policy("pseudonymized").apply_report(rostergraph.validate(roster))
    text = report.to_json() + report.to_markdown(examples=10_000) + report.to_html(plots=False)
    assert not [i for i in roster.users if i in text]
    assert "5f7a57d00000000000000998" not in text  # a dangling student reference
    assert "5f7a5ec00000000000000018" in text      # the 11-teacher section (RG-SEC-003)
    assert "anon-" in text


def test_redacted_report_keeps_record_ids(roster: Any) -> None:
    """Redacted keeps record ids so a finding can be acted on (the orphan student is named)."""
    report = _policy("redacted").apply_report(rostergraph.validate(roster))
    assert "5f7a57d00000000000000014" in report.to_markdown(examples=10_000)


def test_pseudonyms_stable_with_same_key_and_differ_with_another(roster: Any) -> None:
    """Two runs with one key give the same report; another key gives other pseudonyms."""
    def run(key: bytes) -> str:
        return _policy("pseudonymized", key).apply_report(rostergraph.validate(roster)).to_json()

    strip = re.compile(r'"(loaded_at|seconds|load_seconds)": [^,\n]+')
    a, b, c = (strip.sub("", run(k)) for k in (KEY, KEY, OTHER_KEY))
    assert a == b
    assert a != c
    pa = set(re.findall(r"anon-[0-9a-f]{20}", a))
    pc = set(re.findall(r"anon-[0-9a-f]{20}", c))
    assert pa and pc and not pa & pc


def test_random_key_when_none_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a key in the environment, each policy gets its own random key."""
    monkeypatch.delenv("ROSTERGRAPH_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("ROSTERGRAPH_PSEUDONYM_KEY_FILE", raising=False)
    a, b = PrivacyPolicy("pseudonymized"), PrivacyPolicy("pseudonymized")
    assert a.random_key and b.random_key
    assert a.pseudonym("u1") != b.pseudonym("u1")


def test_key_from_env_and_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A key from a named variable, the default variable or a file gives the same pseudonyms."""
    secret = "a district-wide shared key 2026"
    monkeypatch.setenv("MY_KEY", secret)
    monkeypatch.setenv("ROSTERGRAPH_PSEUDONYM_KEY", secret)
    f = tmp_path / "key"
    f.write_text(secret + "\n")
    by_env = PrivacyPolicy("pseudonymized", key=load_key("MY_KEY")).pseudonym("u1")
    by_default = PrivacyPolicy("pseudonymized").pseudonym("u1")
    by_file = PrivacyPolicy("pseudonymized", key=load_key(file=f)).pseudonym("u1")
    assert by_env == by_default == by_file


def test_short_or_missing_key_is_refused_without_echoing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A short key or an unset named variable is an error that names the variable, not the key."""
    monkeypatch.setenv("SHORT_KEY", "s3cr3t")
    with pytest.raises(ValueError) as exc:
        load_key("SHORT_KEY")
    assert "SHORT_KEY" in str(exc.value) and "s3cr3t" not in str(exc.value)
    monkeypatch.delenv("UNSET_KEY", raising=False)
    with pytest.raises(ValueError, match="UNSET_KEY"):
        load_key("UNSET_KEY")


def test_bad_mode_and_field_are_refused() -> None:
    """Unknown modes and non-sensitive --include-field names are errors."""
    with pytest.raises(ValueError):
        PrivacyPolicy("anonymous")
    with pytest.raises(ValueError):
        PrivacyPolicy("full", include_fields=["name"])
    # (full mode would show the staff it is asked to hide)
    with pytest.raises(ValueError, match="redact_staff"):
        PrivacyPolicy("full", redact_staff=True)
    assert PrivacyPolicy("redacted", redact_staff=True).redact_staff


@pytest.mark.parametrize("mode", MODES)
def test_sensitive_fields_dropped_unless_included(roster: Any, mode: str) -> None:
    """Demographic fields leave every record in every mode; an included one stays."""
    u = record_to_dict(roster.users["5f7a57d00000000000000028"])
    out = _policy(mode).bind(roster).apply_record("users", u)
    st_role = out["roles"]["student"]
    assert not SENSITIVE_FIELDS & st_role.keys()
    kept = _policy(mode, include_fields=["home_language", "gpa"]).bind(roster).apply_record(
        "users", u)
    assert kept["roles"]["student"]["home_language"] == "Arabic"
    assert "gender" not in kept["roles"]["student"]


def test_redacted_hides_students_and_contacts_not_staff(roster: Any) -> None:
    """Redacted: a student's and a contact's values are marked; a teacher keeps name and email
    unless redact_staff."""
    p = _policy("redacted").bind(roster)
    stu = p.apply_record("users", record_to_dict(roster.users["5f7a57d00000000000000028"]))
    assert stu["name"] == {"first": MARK, "last": MARK} and stu["email"] == MARK
    assert stu["roles"]["student"]["sis_id"] == MARK
    assert stu["roles"]["student"]["ext"] == {"nickname": MARK, "bus_route": MARK}
    assert stu["roles"]["student"]["school"] == "5f7a5c000000000000000002"
    assert stu["id"] == "5f7a57d00000000000000028"
    con = p.apply_record("users", record_to_dict(roster.users["5f7ac0470000000000000011"]))
    assert con["roles"]["contact"]["phone"] == MARK
    assert con["roles"]["contact"]["relationship" if False else "student_relationships"][0] == {
        "student": "5f7a57d00000000000000009", "relationship": "Step-parent", "type": "Guardian"}
    teacher = record_to_dict(roster.users["5f7a7ea00000000000000009"])
    assert p.apply_record("users", teacher) == teacher
    hidden = _policy("redacted", redact_staff=True).bind(roster).apply_record("users", teacher)
    assert hidden["name"]["last"] == MARK and hidden["email"] == MARK


def test_pseudonymized_record_is_stable_and_keeps_structure(roster: Any) -> None:
    """Pseudonymized: ids, names, emails, sis ids become pseudonyms that repeat with the key;
    references to schools stay."""
    u = record_to_dict(roster.users["5f7ac0470000000000000011"])
    a = _policy("pseudonymized").apply_record("users", u)
    b = _policy("pseudonymized").apply_record("users", u)
    c = _policy("pseudonymized", OTHER_KEY).apply_record("users", u)
    assert a == b and a != c
    assert a["id"].startswith("anon-") and a["email"].endswith("@pseudonym.invalid")
    assert a["roles"]["contact"]["student_relationships"][0]["student"] == \
        _policy("pseudonymized").id("5f7a57d00000000000000009")
    sec = record_to_dict(roster.sections["5f7a5ec00000000000000012"])
    ps = _policy("pseudonymized").apply_record("sections", sec)
    assert ps["school"] == sec["school"] and len(ps["students"]) == len(sec["students"])
    assert not set(ps["students"]) & set(sec["students"])


@pytest.mark.parametrize("mode", ("redacted", "pseudonymized"))
def test_roster_under_policy_leaks_nothing(roster: Any, secrets_of: Any, mode: str) -> None:
    """apply_roster: every record of the sample, serialized, holds no student/contact secret,
    and the record counts are unchanged."""
    safe = _policy(mode).apply_roster(roster)
    assert safe.counts() == roster.counts()
    blob = json.dumps([record_to_dict(u) for u in safe.users.values()],
                      ensure_ascii=False).encode()
    blob += json.dumps([record_to_dict(d) for d in safe.districts.values()],
                       ensure_ascii=False).encode()
    assert not _leaks(blob, secrets_of)
    g1 = rostergraph.RosterGraph.from_roster(roster)
    g2 = rostergraph.RosterGraph.from_roster(safe)
    assert g1.relation_counts() == g2.relation_counts()


def test_validate_findings_equal_on_pseudonymized_roster(roster: Any) -> None:
    """Rules on a pseudonymized roster find the same rule ids and counts (except email rules,
    which see pseudonymized emails)."""
    before = rostergraph.validate(roster)
    after = rostergraph.validate(_policy("pseudonymized",
                                         include_fields=sorted(SENSITIVE_FIELDS)).apply_roster(
        roster))
    count = lambda r: {k: len(v) for k, v in r.by_rule().items()}
    cb, ca = count(before), count(after)
    for rule in ("RG-USR-001", "RG-STR-001", "RG-STR-002", "RG-USR-004"):
        cb.pop(rule), ca.pop(rule)  # these look at the (now replaced) strings themselves
    assert cb == ca


@pytest.mark.parametrize("mode", MODES)
def test_query_tables_leak_nothing(roster: Any, secrets_of: Any, mode: str) -> None:
    """Every query table as CSV and JSON under a policy holds no secret; pseudonymized hides ids."""
    from rostergraph import queries as q

    g = rostergraph.RosterGraph.from_roster(roster)
    p = _policy(mode).bind(roster)
    tables = [q.students_of(g, "5f7a7ea00000000000000004"),
              q.teachers_of(g, "5f7a57d00000000000000026"),
              q.linking_sections(g, "5f7a7ea00000000000000004", "5f7a57d00000000000000026"),
              q.reach_pairs(g), q.visible_users(g, "5f7aad000000000000000001"),
              q.cross_school_enrollments(g), q.cross_school_teaching(g), q.school_flow(g),
              q.orphaned_users(g), g.edges("contact_for"), g.stubs()]
    tables += list(q.summary(g).values())
    for t in tables:
        data = (t.to_csv(policy=p) + t.to_json(policy=p)).encode()
        assert not _leaks_as_json_too(data, secrets_of), t.name
        if mode == "pseudonymized":
            assert not [i for i in roster.users if i.encode() in data], t.name
    n = [len(t) for t in tables]
    assert n == [len(p.apply_table(t)) for t in tables]


def test_table_columns_by_meaning() -> None:
    """Person columns are pseudonymized even unbound; sensitive columns dropped in full mode."""
    t = Table({"student": ["s1", "s2"], "section": ["x", "y"], "dob": ["1/1/2010", "2/2/2011"],
               "email": ["a@b.org", "c@d.org"], "note": ["mail a@b.org", "ok"]})
    full = PrivacyPolicy("full").apply_table(t)
    assert full.columns == ["student", "section", "email", "note"]
    assert full.to_list("email") == ["a@b.org", "c@d.org"]
    ps = _policy("pseudonymized").apply_table(t)
    assert ps.to_list("section") == ["x", "y"]
    assert all(v.startswith("anon-") for v in ps.to_list("student"))
    assert "a@b.org" not in ps.to_csv()
    assert _policy("redacted").apply_table(t).to_list("note") == [f"mail {MARK}", "ok"]
    assert "dob" in PrivacyPolicy("full", include_fields=["dob"]).apply_table(t).columns


@given(st.text(min_size=1, max_size=40))
def test_pseudonym_is_a_function_of_key_and_value(value: str) -> None:
    """Same key and value → same pseudonym; it never contains the value (for values of 4+ chars)."""
    a = _policy("pseudonymized").pseudonym(value)
    assert a == _policy("pseudonymized").pseudonym(value)
    assert re.fullmatch(r"anon-[0-9a-f]{20}", a)


def test_sis_pseudonyms_are_wide_enough_for_a_million_students() -> None:
    """A sis id's pseudonym has 80 bits, as a record id's: in 48 bits two of a million
    students' sis ids were expected to share one (about 2 collisions), merging them in a
    converted roster that matches users on sis id."""
    p = _policy("pseudonymized")
    assert re.fullmatch(r"sis-[0-9a-f]{20}", p.pseudonym("900123", "sis"))
    rec = p.apply_record("users", {"id": "u1", "roles": {"student": {"sis_id": "900123"}}})
    assert rec["roles"]["student"]["sis_id"] == p.pseudonym("900123", "sis")


# --- more outputs: diff, plots, batch, convert, the CLI --------------------------------------


def _changed_sample(roster: Any) -> Any:
    """The sample after a sync: one student gone, one renamed (new email), one re-created."""
    import attrs

    users = dict(roster.users)
    del users["5f7a57d00000000000000001"]
    u = users["5f7a57d00000000000000002"]
    users["5f7a57d00000000000000002"] = attrs.evolve(
        u, email="renamed.student@students.example.org",
        name=attrs.evolve(u.name, last="Renamedsurname"))
    u3 = users.pop("5f7a57d00000000000000003")
    users["5f7a57d00000000000000903"] = attrs.evolve(u3, id="5f7a57d00000000000000903")
    sections = {}
    for sid, s in roster.sections.items():
        st_ids = tuple("5f7a57d00000000000000903" if x == "5f7a57d00000000000000003" else x
                       for x in (s.students or ()) if x != "5f7a57d00000000000000001")
        sections[sid] = attrs.evolve(s, students=st_ids)
    return roster.replace(users=users, sections=sections)


@pytest.mark.parametrize("mode", MODES)
def test_diff_output_leaks_nothing(roster: Any, secrets_of: Any, mode: str) -> None:
    """Diff text, Markdown and JSON under each policy hold no secret of either sync; in
    pseudonymized mode no user id either; the change counts do not depend on the mode."""
    from rostergraph.diff.render import render_diff

    new = _changed_sample(roster)
    d = rostergraph.diff(roster, new)
    extra = dict(secrets_of, more=[b"renamed.student@students.example.org", b"Renamedsurname"])
    counts = []
    for fmt in ("text", "markdown", "json"):
        out = render_diff(d, fmt, privacy=_policy(mode))
        if mode != "full":
            assert not _leaks_as_json_too(out.encode(), extra), fmt
        else:  # diff output never shows personal values, even in full mode
            assert not _leaks_as_json_too(out.encode(), secrets_of), fmt
        if mode == "pseudonymized":
            ids = set(roster.users) | set(new.users)
            assert not [i for i in ids if i in out], fmt
        if fmt == "json":
            data = json.loads(out)
            counts.append((data["summary"], len(data["changes"]), data["reach"]["lost"]))
    full = json.loads(render_diff(d, "json"))
    assert counts[0] == (full["summary"], len(full["changes"]), full["reach"]["lost"])


def test_pseudonymized_diff_stable_with_key(roster: Any) -> None:
    """Two diffs of the same syncs with one key are identical; another key differs."""
    from rostergraph.diff.render import render_diff

    d = rostergraph.diff(roster, _changed_sample(roster))
    a = render_diff(d, "json", privacy=_policy("pseudonymized"), impact=False)
    b = render_diff(d, "json", privacy=_policy("pseudonymized"), impact=False)
    c = render_diff(d, "json", privacy=_policy("pseudonymized", OTHER_KEY), impact=False)
    assert a == b != c


def test_neighbourhood_plot_labels_use_pseudonyms(roster: Any) -> None:
    """A neighbourhood drawing under a pseudonymized policy labels no person by their id."""
    import matplotlib

    matplotlib.use("Agg")
    from rostergraph.plot import neighbourhood

    g = rostergraph.RosterGraph.from_roster(roster)
    ax = neighbourhood(g, "5f7a57d00000000000000026", radius=2, labels=True,
                       privacy=_policy("pseudonymized"))
    texts = [t.get_text() for t in ax.texts] + [ax.get_title()]
    shown = " ".join(texts)
    assert not [i for i in roster.users if i[-8:] in shown]
    plain = neighbourhood(g, "5f7a57d00000000000000026", radius=2, labels=True)
    assert "00000026" in " ".join(t.get_text() for t in plain.texts)


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def _unzipped(path: Path) -> bytes:
    import zipfile

    if path.is_file() and path.suffix == ".zip":
        with zipfile.ZipFile(path) as z:
            return b"".join(z.read(n) for n in z.namelist())
    return _all_bytes(path)


@pytest.mark.parametrize("to", ("clever-json", "clever-jsonl", "clever-csv", "oneroster"))
@pytest.mark.parametrize("mode", ("redacted", "pseudonymized"))
def test_convert_outputs_leak_nothing(roster: Any, secrets_of: Any, tmp_path: Path, mode: str,
                                      to: str) -> None:
    """convert in redacted/pseudonymized mode writes no secret and no demographic value, and
    the written roster loads back with the same counts."""
    from rostergraph.io.convert import convert

    out = tmp_path / ("out.zip" if to == "oneroster" else "out")
    convert(rostergraph.sample_path(), out, to=to, privacy=_policy(mode))
    data = _unzipped(out)
    assert not _leaks_as_json_too(data, secrets_of)
    assert b"Reduced" not in data and b"Arabic" not in data  # frl_status, home_language
    back = rostergraph.load(out)
    assert back.counts() == roster.counts()
    if mode == "pseudonymized":
        assert not [i for i in roster.users if i.encode() in data]


def test_convert_full_is_lossless(roster: Any, tmp_path: Path) -> None:
    """convert with privacy full (the default) keeps every value, demographics included."""
    from rostergraph.io.convert import convert

    convert(rostergraph.sample_path(), tmp_path / "out", to="clever-json",
            privacy=PrivacyPolicy("full"))
    back = rostergraph.load(tmp_path / "out")
    assert [record_to_dict(u) for u in back.users.values()] == \
        [record_to_dict(u) for u in roster.users.values()]


@pytest.mark.parametrize("mode", MODES)
def test_batch_outputs_leak_nothing(secrets_of: Any, tmp_path: Path, mode: str) -> None:
    """Every file a batch writes holds no secret; pseudonymized batches show no user id."""
    from rostergraph import batch

    roster = rostergraph.sample()
    result = batch.run([rostergraph.sample_path()], max_workers=1, output=tmp_path / "b",
                       privacy=_policy(mode))
    for step, t in result.tables.items():
        t.to_csv(tmp_path / "b" / f"{step}.csv")
    data = _all_bytes(tmp_path / "b")
    assert not _leaks_as_json_too(data, secrets_of)
    if mode == "pseudonymized":
        assert not [i for i in roster.users if i.encode() in data]
        assert b"anon-" in data
    assert len(result.tables["validate"]) == len(rostergraph.validate(roster).findings)


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, bytes]:
    from rostergraph.cli import main

    code = main(args)
    out = capsys.readouterr()
    return code, (out.out + out.err).encode()


_QUERIES = [["students-of", "--teacher", "5f7a7ea00000000000000004"],
            ["teachers-of", "--student", "5f7a57d00000000000000026"],
            ["why", "--teacher", "5f7a7ea00000000000000004", "--student",
             "5f7a57d00000000000000026"],
            ["reach"], ["cross-school"], ["cross-school", "--teachers"], ["cross-school", "--flow"],
            ["orphans"], ["visible", "--user", "5f7aad000000000000000001"]]


@pytest.mark.parametrize("mode", MODES)
def test_cli_outputs_leak_nothing(secrets_of: Any, tmp_path: Path, mode: str,
                                  capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """validate, report (md/json/html/txt/csv), query (every query, csv/json/text), diff, batch and
    convert run with --privacy MODE write no secret to stdout, stderr or their files."""
    monkeypatch.setenv("PRIV_TEST_KEY", KEY.decode())
    opts = ["--privacy", mode, "--pseudonym-key-env", "PRIV_TEST_KEY"]
    roster = rostergraph.sample()
    runs: list[tuple[list[str], Path | None]] = []
    runs.append((["validate", "--sample", "--format", "json", *opts], None))
    runs.append((["validate", "--sample", "--examples", "1000", *opts], None))
    for ext in ("md", "json", "html", "txt", "csv"):
        runs.append((["report", "--sample", "-o", str(tmp_path / f"r.{ext}"), *opts],
                     tmp_path / f"r.{ext}"))
    for q in _QUERIES:
        for fmt in ("text", "csv", "json"):
            runs.append((["query", q[0], "--sample", *q[1:], "--format", fmt, *opts], None))
    old = tmp_path / "old"
    from rostergraph.io.write import write_clever_json

    write_clever_json(roster, old)
    write_clever_json(_changed_sample(roster), tmp_path / "new")
    for fmt in ("text", "markdown", "json"):
        runs.append((["diff", str(old), str(tmp_path / "new"), "--format", fmt, *opts], None))
    runs.append((["batch", str(rostergraph.sample_path()), "-o", str(tmp_path / "batch"),
                  "--workers", "1", "--quiet", *opts], tmp_path / "batch"))
    if mode != "full":
        runs.append((["convert", "--sample", str(tmp_path / "conv"), "--to", "clever-csv",
                      *opts], tmp_path / "conv"))
    for args, out in runs:
        code, printed = _cli(args, capsys)
        assert code in (0, 1), args
        data = printed + (_all_bytes(out) if out is not None and out.is_dir() else
                          out.read_bytes() if out is not None else b"")
        # full mode names people next to their ids in query tables and md/html reports;
        # emails, dates of birth, sis ids and phones never appear
        names_ok = mode == "full" and (args[0] == "query" or (
            args[0] == "report" and out is not None and out.suffix in (".md", ".html")))
        secrets = {"values": secrets_of["values"]} if names_ok else secrets_of
        assert not _leaks_as_json_too(data, secrets), args
        if mode == "pseudonymized":
            assert not [i for i in roster.users if i.encode() in data], args
    if mode != "full":
        page = (tmp_path / "r.html").read_text()
        assert f"privacy: {mode}" in page[: page.index("<main>")]


def test_cli_pseudonyms_stable_across_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Two CLI runs with the same --pseudonym-key-env give identical query output; another
    key gives other pseudonyms; without a key a note says the key is random."""
    args = ["query", "orphans", "--sample", "--format", "csv", "--privacy", "pseudonymized"]
    monkeypatch.setenv("K1", KEY.decode())
    monkeypatch.setenv("K2", OTHER_KEY.decode())
    a = _cli([*args, "--pseudonym-key-env", "K1"], capsys)[1]
    b = _cli([*args, "--pseudonym-key-env", "K1"], capsys)[1]
    c = _cli([*args, "--pseudonym-key-env", "K2"], capsys)[1]
    assert a == b != c
    monkeypatch.delenv("ROSTERGRAPH_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("ROSTERGRAPH_PSEUDONYM_KEY_FILE", raising=False)
    assert b"random key" in _cli(args, capsys)[1]


def test_cli_include_field_and_bad_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """--include-field keeps one demographic field in a converted roster; a short key is a
    usage error (exit 2) whose message does not contain the key."""
    code, _ = _cli(["convert", "--sample", str(tmp_path / "c"), "--to", "clever-json",
                    "--privacy", "redacted", "--include-field", "home_language"], capsys)
    assert code == 0
    data = _all_bytes(tmp_path / "c")
    assert b"Arabic" in data and b"Reduced" not in data
    monkeypatch.setenv("SHORTK", "abc123")
    code, printed = _cli(["validate", "--sample", "--privacy", "pseudonymized",
                          "--pseudonym-key-env", "SHORTK"], capsys)
    assert code == 2 and b"SHORTK" in printed and b"abc123" not in printed


def test_redacted_hides_an_id_made_of_a_sis_id() -> None:
    """SFTP CSV contacts get ids built from their sis id; redacted mode hides that part."""
    from rostergraph import Roster
    from rostergraph.model import ContactRole, Name, Roles, StudentRelationship, User

    contact = User(id="sftp-contact:C3011", email="jw@example.net", name=Name(last="J W"),
                   roles=Roles(contact=ContactRole(sis_id="C3011", student_relationships=(
                       StudentRelationship(student="s1"),))))
    p = PrivacyPolicy("redacted").bind(Roster(users=[contact]))
    assert "C3011" not in p.id("sftp-contact:C3011")
    assert p.id("s1") == "s1"


def test_free_text_pseudonymizes_ids_with_punctuation() -> None:
    """Person ids with hyphens or colons (OneRoster UUIDs) are found whole in free text."""
    from rostergraph import Roster
    from rostergraph.model import Name, Roles, StudentRole, User

    uid = "3f2a9c1e-77b0-4d5e-9a61-0c2b8e4f1a00"
    stu = User(id=uid, name=Name(first="Xiomara", last="Quintero-Lund"),
               roles=Roles(student=StudentRole(sis_id="S-000123")))
    p = _policy("pseudonymized").bind(Roster(users=[stu]))
    out = p.apply_text(f"student {uid}. sis S-000123, name Xiomara Quintero-Lund")
    assert uid not in out and "S-000123" not in out and "Xiomara" not in out
    assert "Quintero" not in out and "Lund" not in out
    assert p.id(uid) in out


_HIDDEN_LEAVES = {"email", "sis_id", "state_id", "student_number", "teacher_number", "staff_id",
                  "dob", "phone", "district_username", "address", "city", "zip", "lat", "lon"}


def _leaves(value: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in _leaves(v, path + (k,))]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v, path)]
    return [(path, value)]


@given(st.data())
def test_any_student_record_keeps_shape_and_hides_values(data: st.DataObject) -> None:
    """For any valid user record that is a student or contact: redacted and pseudonymized
    output reads back with no problem, has no demographic field, and every name, email,
    id-number, contact, address and ext value is hidden."""
    from rostergraph.model import User, record_from_dict

    from .strategies import record_dicts

    d = data.draw(record_dicts(User))
    roles = d.get("roles") or {}
    if not (isinstance(roles, dict) and ("student" in roles or "contact" in roles)):
        roles = dict(roles) if isinstance(roles, dict) else {}
        roles["contact"] = {"sis_id": "C-1", "phone": "555"}
        d["roles"] = roles
    for mode in ("redacted", "pseudonymized"):
        out = _policy(mode).apply_record("users", d)
        assert record_from_dict(User, out)[1] == []
        for path, v in _leaves(out):
            assert not SENSITIVE_FIELDS & set(path), path
            if v is None:
                continue
            if path[0] == "name" or "ext" in path or path[-1] in _HIDDEN_LEAVES:
                original = dict(_leaves(d)).get(path)
                assert v != original or v in (MARK, ""), (mode, path, v)


@pytest.mark.parametrize("mode", MODES)
def test_findings_table_holds_the_json_ids_and_values(roster: Any, mode: str) -> None:
    """findings_table(): ``ids`` a list and ``values`` a dict, equal to the JSON report's,
    the policy applied to both (pseudonymized: no user id of the sample in either)."""
    report = _policy(mode).apply_report(rostergraph.validate(roster))
    findings = json.loads(report.to_json())["findings"]
    rows = report.findings_table().to_dicts()
    assert [r["ids"] for r in rows] == [f["ids"] for f in findings]
    assert [r["values"] for r in rows] == [f["values"] for f in findings]
    assert any(r["values"] for r in rows) and all(isinstance(r["ids"], list) for r in rows)
    cells = json.dumps([[r["ids"], r["values"]] for r in rows])
    users_shown = [i for i in roster.users if i in cells]
    assert (users_shown == []) == (mode == "pseudonymized")


#: A name no sample record holds (so finding it in an output is a leak).
PREFERRED = ("Zephyrine", "Quillfeather")
V31_VALUES = (b"Zephyrine", b"Quillfeather", b"Deaf-blindness", b"504 plan", b"xx-unlisted",
              b"Gifted-and-talented")


def _v31_roster(roster: Any) -> Any:
    """The sample with the Clever API v3.1 student fields on every student (values inside
    Clever's enumerations and outside them)."""
    import attrs

    from rostergraph.model import Disability, Name

    users = {}
    for u in roster.users.values():
        if u.roles.student is not None:
            st_role = attrs.evolve(
                u.roles.student, gifted_status="Gifted-and-talented",
                section_504_status="504 plan", home_language_code="xx-unlisted",
                disability=Disability(disability_status="Y", disability_type="Deaf-blindness",
                                      disability_code="db"),
                preferred_name=Name(first=PREFERRED[0], last=PREFERRED[1]))
            u = attrs.evolve(u, roles=attrs.evolve(u.roles, student=st_role))
        users[u.id] = u
    return roster.replace(users=users)


@pytest.mark.parametrize("mode", MODES)
def test_v31_demographics_dropped_unless_included(roster: Any, mode: str) -> None:
    """The Clever API v3.1 demographics (gifted, Section 504, disability, home language
    code) are sensitive fields: dropped in every mode unless included by name; a preferred
    name is hidden as a name is."""
    r = _v31_roster(roster)
    u = record_to_dict(r.users["5f7a57d00000000000000028"])
    v31 = {"gifted_status", "section_504_status", "home_language_code", "disability"}
    assert v31 <= SENSITIVE_FIELDS and v31 <= u["roles"]["student"].keys()
    out = _policy(mode).bind(r).apply_record("users", u)
    assert not v31 & out["roles"]["student"].keys()
    pref = out["roles"]["student"]["preferred_name"]
    if mode == "full":
        assert pref == {"first": PREFERRED[0], "last": PREFERRED[1]}
    else:
        assert not set(PREFERRED) & set(pref.values())
    kept = _policy(mode, include_fields=["disability", "gifted_status"]).bind(r).apply_record(
        "users", u)["roles"]["student"]
    assert kept["disability"] == u["roles"]["student"]["disability"]
    assert kept["gifted_status"] == "Gifted-and-talented" and "section_504_status" not in kept


@pytest.mark.parametrize("mode", ("redacted", "pseudonymized"))
def test_v31_preferred_name_scrubbed_from_free_text(roster: Any, mode: str) -> None:
    """A bound policy hides a student's preferred name in free text as it hides the name."""
    p = _policy(mode).bind(_v31_roster(roster))
    assert not set(PREFERRED) & set(_words(p.apply_text(f"ask {PREFERRED[0]} about it")))


@pytest.mark.parametrize("to", ("clever-jsonl", "clever-csv", "oneroster"))
@pytest.mark.parametrize("mode", ("redacted", "pseudonymized"))
def test_v31_convert_outputs_leak_nothing(roster: Any, tmp_path: Path, mode: str,
                                          to: str) -> None:
    """convert of a v3.1 roster under a policy writes no v3.1 demographic value and no
    preferred name, in any format (extension columns included)."""
    from rostergraph.io.convert import convert
    from rostergraph.io.write import write_clever_json

    src = tmp_path / "src"
    write_clever_json(_v31_roster(roster), src)
    assert all(v in _all_bytes(src) for v in V31_VALUES)
    out = tmp_path / ("out.zip" if to == "oneroster" else "out")
    convert(src, out, to=to, privacy=_policy(mode))
    data = _unzipped(out)
    assert not [v for v in V31_VALUES if v in data]


def _numbered() -> Any:
    """A roster whose every kind is numbered from 1 (as SIS exports and some generators
    number them): user ``1`` and section ``1``, user ``2`` and school ``2``."""
    from rostergraph.model import Roles, School, Section, StudentRole, TeacherRole, User
    from rostergraph.roster import Roster

    return Roster(schools=[School(id="1"), School(id="2")],
                  sections=[Section(id="1", school="2", teacher="2", teachers=("2",),
                                    students=("1", "3"))],
                  users=[User(id="1", roles=Roles(student=StudentRole(school="1"))),
                         User(id="2", roles=Roles(teacher=TeacherRole(school="1"))),
                         User(id="3", roles=Roles(student=StudentRole(school="1")))])


def test_pseudonyms_in_text_are_not_rewritten_by_the_next_id() -> None:
    """Short person ids (``1``, ``2``, ``e``: digits and hex letters a pseudonym holds) are
    each replaced once, by their own pseudonym: the next id's replacement wrote into the
    pseudonyms already put in the text (``anon-cf44…`` became ``anon-cf44anon-7671…``)."""
    p = PrivacyPolicy("pseudonymized", key=KEY).bind(_numbered())
    got = p.apply_text("teacher 2 reaches 1 and 3")
    assert got == (f"teacher {p.pseudonym('2')} reaches {p.pseudonym('1')} and "
                   f"{p.pseudonym('3')}")


@pytest.mark.parametrize("mode", ["redacted", "pseudonymized"])
def test_place_columns_keep_their_ids_when_a_person_has_the_same_id(mode: str) -> None:
    """Ids of sections and schools are shown in every mode, also when a person's id is the
    same string (ids are per kind): section ``1`` was pseudonymized as user ``1`` was."""
    from rostergraph.graph import RosterGraph
    from rostergraph.queries import cross_school_enrollments

    r = _numbered()
    t = cross_school_enrollments(RosterGraph.from_roster(r))
    got = PrivacyPolicy(mode, key=KEY).bind(r).apply_table(t)
    assert got.to_list("section") == ["1", "1"] and got.to_list("school") == ["2", "2"]
    assert got.to_list("primary_school") == ["1", "1"]
    if mode == "pseudonymized":
        assert got.to_list("student") == [PrivacyPolicy(mode, key=KEY).pseudonym(u)
                                          for u in ("1", "3")]
