"""Credential-named keys (``password``, ``sis_password``, ``api_token``, ``secret``) that a
Clever JSON source carries on any record: the reader keeps them in ``extra`` (nothing is
lost in memory), but no privacy mode writes them out and no report or diff prints them.

Every test runs the real command line in-process on files written to disk and checks
that no fake secret value appears in anything written or printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import rostergraph
from rostergraph.cli import main
from rostergraph.io.csv_rowchecks import is_secret_column
from rostergraph.privacy import MODES, PrivacyPolicy

KEY = "0123456789abcdef-test-key"
#: every fake credential value starts so
SECRET = "FAKESECRET"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROSTERGRAPH_PSEUDONYM_KEY", KEY)


def _lines(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def _district(folder: Path, tag: str = "") -> Path:
    """A Clever JSON Lines district whose records of every kind (a teacher, a staff member,
    a student, a contact, an admin, a section, a school, a district, a course, a term)
    carry credential-named keys, at the top and inside a role and an ``ext``."""
    folder.mkdir()

    def s(where: str) -> str:
        return f"{SECRET}-{tag}{where}"

    (folder / "users.jsonl").write_text(_lines(
        {"id": "t1", "name": {"first": "Tia", "last": "Moss"}, "password": s("teacher"),
         "roles": {"teacher": {"school": "sc1", "sis_password": s("teacher-role")}}},
        {"id": "st1", "name": {"first": "Sal", "last": "Ray"}, "api_token": s("staff"),
         "roles": {"staff": {"schools": ["sc1"]}}},
        {"id": "s1", "name": {"first": "Ann", "last": "Lee"}, "secret": s("student"),
         "roles": {"student": {"school": "sc1", "sis_id": "9001",
                               "ext": {"Student Password": s("student-ext")}}}},
        {"id": "c1", "name": {"first": "Cy", "last": "Lee"}, "Password": s("contact"),
         "roles": {"contact": {"student_relationships": [
             {"student": "s1", "relationship": "Parent", "pin_password": s("rel")}]}}},
        {"id": "a1", "roles": {"district_admin": {}}, "access-token": s("admin")},
    ))
    (folder / "sections.jsonl").write_text(_lines(
        {"id": "se1", "school": "sc1", "name": "Math", "teacher": "t1", "teachers": ["t1"],
         "students": ["s1"], "course": "co1", "term_id": "te1",
         "sis_password": s("section"), "vendor": {"client_secret": s("section-nested")}}))
    (folder / "schools.jsonl").write_text(_lines(
        {"id": "sc1", "name": "North", "district": "d1", "api_token": s("school")}))
    (folder / "districts.jsonl").write_text(_lines(
        {"id": "d1", "name": "D", "secret": s("district")}))
    (folder / "courses.jsonl").write_text(_lines(
        {"id": "co1", "name": "Algebra", "district": "d1", "passwd": s("course")}))
    (folder / "terms.jsonl").write_text(_lines(
        {"id": "te1", "name": "Fall", "district": "d1", "apiKey": s("term")}))
    return folder


def _run(capsys: Any, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def _written(folder: Path) -> str:
    """Every byte written under ``folder`` (a zip's members included), as text."""
    import zipfile

    parts = []
    for p in sorted(folder.rglob("*") if folder.is_dir() else [folder]):
        if p.is_file() and p.suffix == ".zip":
            with zipfile.ZipFile(p) as z:
                parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        elif p.is_file():
            parts.append(p.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def test_the_reader_keeps_credentials_in_memory(tmp_path: Path) -> None:
    """Lossless in memory: the model still holds every credential the source gave."""
    r = rostergraph.load(_district(tmp_path / "d"))
    assert r.users["t1"].extra["password"].startswith(SECRET)
    assert r.sections["se1"].extra["sis_password"].startswith(SECRET)
    assert r.schools["sc1"].extra["api_token"].startswith(SECRET)


def test_one_definition_names_tokens_and_secrets() -> None:
    """The readers' credential test knows tokens, secrets and API keys, not only passwords,
    and still lets ordinary names through."""
    assert all(map(is_secret_column, ["api_token", "secret", "client_secret", "apiKey",
                                      "access-token", "Student Password", "sis_password"]))
    assert not any(map(is_secret_column, ["credentials", "district_username", "Passport",
                                          "secret_question", "tokens_used", "sis_id"]))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("to", ["clever-jsonl", "clever-csv", "oneroster"])
def test_convert_writes_no_credential(tmp_path: Path, capsys: Any, mode: str,
                                      to: str) -> None:
    """No mode's conversion writes a credential of any record, whatever the target; the
    converted roster still loads with every record."""
    src = _district(tmp_path / "d")
    out = tmp_path / ("out.zip" if to == "oneroster" else "out")
    code, printed = _run(capsys, "convert", str(src), str(out), "--to", to, "--privacy", mode,
                         "--quiet")
    assert code == 0, printed
    assert SECRET not in _written(out) and SECRET not in printed
    back = rostergraph.load(out)
    assert len(back.users) == 5 and len(back.sections) == 1 and len(back.schools) == 1


@pytest.mark.parametrize("to", ["clever-json", "clever-jsonl", "clever-csv", "oneroster",
                                "oneroster-1.2"])
def test_writers_called_on_a_roster_write_no_credential(tmp_path: Path, to: str) -> None:
    """The writers themselves leave credentials out (a conversion in any mode goes through
    them), with their extension files and columns, while the roster in memory keeps them."""
    from rostergraph.io.write_oneroster import write_oneroster
    from rostergraph.io.write_sftp import write_clever_csv

    r = rostergraph.load(_district(tmp_path / "d"))
    out = tmp_path / "out"
    if to.startswith("clever-json"):
        rostergraph.write_clever_json(r, out, jsonl=to == "clever-jsonl")
    elif to == "clever-csv":
        write_clever_csv(r, out, extensions=True)
    else:
        write_oneroster(r, out, extensions=True, version="1.2" if to.endswith("1.2") else "1.1")
    written = _written(out)
    assert SECRET not in written and "Tia" in written  # (the rest is written)
    assert r.users["t1"].extra["password"].startswith(SECRET)
    back = rostergraph.load(out)
    assert len(back.users) == 5 and len(back.sections) == 1


@pytest.mark.parametrize("mode", MODES)
def test_apply_record_drops_credentials_of_every_kind(tmp_path: Path, mode: str) -> None:
    """``apply_record``/``apply_roster``: no record of any kind keeps a credential-named key,
    in any mode, at any depth; the other keys stay."""
    r = rostergraph.load(_district(tmp_path / "d"))
    p = PrivacyPolicy(mode, key=KEY).bind(r)
    safe = p.apply_roster(r)
    for kind in ("users", "sections", "schools", "districts", "courses", "terms"):
        for rec in safe.records(kind).values():
            text = repr(rostergraph.model.record_to_dict(rec))
            assert SECRET not in text, (mode, kind)
    assert safe.sections["se1"].extra["vendor"] == {}
    assert safe.schools["sc1"].name == "North"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fmt", ["markdown", "json", "html"])
def test_report_prints_no_credential(tmp_path: Path, capsys: Any, mode: str, fmt: str) -> None:
    src = _district(tmp_path / "d")
    out = tmp_path / f"report.{fmt}"
    code, printed = _run(capsys, "report", str(src), "--no-cache", "--quiet", "--privacy",
                         mode, "--format", fmt, "-o", str(out))
    assert code in (0, 1), printed
    assert out.stat().st_size > 0
    assert SECRET not in out.read_text() and SECRET not in printed
    code, printed = _run(capsys, "validate", str(src), "--no-cache", "--quiet", "--privacy",
                         mode)
    assert SECRET not in printed


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_diff_prints_no_credential(tmp_path: Path, capsys: Any, mode: str, fmt: str) -> None:
    """A changed credential of any record shows as changed, never with its values."""
    old = _district(tmp_path / "old")
    new = _district(tmp_path / "new", tag="new-")
    code, printed = _run(capsys, "diff", str(old), str(new), "--no-cache", "--quiet",
                         "--privacy", mode, "--format", fmt)
    assert code in (0, 1), printed
    assert SECRET not in printed
    assert "password" in printed and "token" in printed  # the change is told (escaped in md)


def test_no_field_of_the_schema_is_named_as_a_credential() -> None:
    """The credential walk skips the schema's own field names (a test per key is costly):
    that holds only while none of them is a credential's name."""
    from rostergraph.io.credentials import FIELD_NAMES

    assert "district_username" in FIELD_NAMES and "credentials" in FIELD_NAMES
    assert not [f for f in FIELD_NAMES if is_secret_column(f)]
