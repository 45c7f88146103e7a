"""The people a section's ``extra`` names (the OneRoster reader's enrollment ids, users of
roles Clever has no place for, enrollment cells) are hidden as the section's own
students and teachers are: a pseudonymized conversion names no real user id anywhere,
and a student's free-text enrollment cell is redacted while the dates stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from rostergraph.io.convert import convert
from rostergraph.io.oneroster import read_oneroster
from rostergraph.privacy import MARK, PrivacyPolicy
from tests.test_oneroster_variants import write

KEY = b"test key for rostergraph privacy"
_PEOPLE = ("stu-7731", "stu-7732", "tch-4410", "aide-9902")


def _bundle(folder: Path) -> Path:
    return write(folder, {
        "manifest.csv": "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n",
        "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
                    "sA,,,North,school,,\n",
        "classes.csv": "sourcedId,title,schoolSourcedId\nc1,Math,sA\n",
        "users.csv": "sourcedId,role,orgSourcedIds\nstu-7731,student,sA\nstu-7732,student,sA\n"
                     "tch-4410,teacher,sA\naide-9902,aide,sA\n",
        "enrollments.csv": "sourcedId,classSourcedId,userSourcedId,role,primary,beginDate,"
                           "metadata.note\n"
                           "enr-stu-7731,c1,stu-7731,student,,2024-08-19,moved from Lincoln\n"
                           "enr-stu-7732,c1,stu-7732,student,,2024-08-19,\n"
                           "enr-tch-4410,c1,tch-4410,teacher,true,,\n"
                           "enr-aide-9902,c1,aide-9902,aide,,2024-09-01,\n"})


def _text(folder: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.mark.parametrize("to", ["clever-json", "oneroster"])
def test_pseudonymized_conversion_names_no_real_user_id(to: str, tmp_path: Path) -> None:
    src = _bundle(tmp_path / "src")
    convert(src, tmp_path / "full", to=to)
    assert all(uid in _text(tmp_path / "full") for uid in _PEOPLE)  # (the check can fail)
    convert(src, tmp_path / "anon", to=to, privacy=PrivacyPolicy("pseudonymized", key=KEY))
    text = _text(tmp_path / "anon")
    assert [uid for uid in _PEOPLE if uid in text] == []
    assert "moved from Lincoln" not in text and "2024-08-19" in text


def test_redacted_hides_a_students_free_text_cell_keeps_ids_and_dates(tmp_path: Path) -> None:
    src = _bundle(tmp_path / "src")
    convert(src, tmp_path / "red", to="oneroster", privacy=PrivacyPolicy("redacted"))
    rows = {line.split(",")[0]: line for line in
            (tmp_path / "red" / "enrollments.csv").read_text().splitlines()[1:]}
    assert "moved from Lincoln" not in rows["enr-stu-7731"] and MARK in rows["enr-stu-7731"]
    assert "2024-08-19" in rows["enr-stu-7732"] and "2024-09-01" in rows["enr-aide-9902"]


def _forged_json(folder: Path, extra: dict[str, object]) -> Path:
    """A Clever JSON dump of one section of two students whose ``extra`` is ``extra``."""
    import json

    folder.mkdir(parents=True)
    users = [{"data": {"id": u, "name": {"first": "Ann", "last": "Lee"},
                       "roles": {"student": {"school": "sA"}}}} for u in _PEOPLE[:2]]
    files = {"schools": [{"data": {"id": "sA", "name": "North"}}], "users": users,
             "sections": [{"data": {"id": "c1", "school": "sA", "students": list(_PEOPLE[:2]),
                                    **extra}}]}
    for kind, data in files.items():
        (folder / f"{kind}.json").write_text(json.dumps({"data": data}))
    return folder


_FORGED = {
    "oneroster.enrollmentCells": {"metadata.note": ["free text Xyzzy", "stu-7731"],
                                  "endDate": {"student": ["stu-7732"]}},
    "oneroster.enrollmentIds": {"student": ["stu-7731"]},
    "oneroster.enrollments.aide": ["stu-7732", 7731]}


@pytest.mark.parametrize("to", ["clever-json", "oneroster"])
def test_pseudonymized_hides_enrollment_keys_of_another_shape(to: str, tmp_path: Path) -> None:
    """Keys of a shape the readers never write (a hand-made or hostile Clever JSON) are
    hidden whole, not passed on with the real user ids and free text they hold."""
    src = _forged_json(tmp_path / "src", _FORGED)
    convert(src, tmp_path / "full", to=to)
    assert "Xyzzy" in _text(tmp_path / "full")  # (the check can fail)
    convert(src, tmp_path / "anon", to=to, privacy=PrivacyPolicy("pseudonymized", key=KEY))
    text = _text(tmp_path / "anon")
    assert [uid for uid in (*_PEOPLE, "Xyzzy", "7731") if uid in text] == []


@pytest.mark.parametrize("mode", ["redacted", "pseudonymized"])
def test_a_date_column_holding_free_text_is_hidden(mode: str, tmp_path: Path) -> None:
    """beginDate/endDate are shown as dates only: free text in them (or in a role spelt
    in another case) is a person's cell like any other."""
    src = _forged_json(tmp_path / "src", {"oneroster.enrollmentCells": {
        "beginDate": {"student": {"moved from Lincoln": ["stu-7731"],
                                  "2024-08-19": ["stu-7732"]}},
        "metadata.note": {"Student": {"Plugh": ["stu-7732"]}}}})
    convert(src, tmp_path / "out", to="clever-json", privacy=PrivacyPolicy(mode, key=KEY))
    text = _text(tmp_path / "out")
    assert "Lincoln" not in text and "Plugh" not in text
    assert "2024-08-19" in text and MARK in text


@pytest.mark.parametrize("mode", ["redacted", "pseudonymized"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_a_diff_of_enrollment_cells_shows_no_free_text(mode: str, fmt: str,
                                                       tmp_path: Path) -> None:
    """A changed cell is a field named by its value (``...metadata.note.student.<value>``):
    the value is hidden there as in a conversion, the dates stay."""
    import rostergraph
    from rostergraph.diff.render import render_diff

    old = rostergraph.load(_bundle(tmp_path / "old"))
    new_folder = _bundle(tmp_path / "new")
    enr = new_folder / "enrollments.csv"
    enr.write_text(enr.read_text().replace("moved from Lincoln", "moved to Jefferson")
                   .replace("enr-stu-7732,c1,stu-7732,student,,2024-08-19,",
                            "enr-stu-7732,c1,stu-7732,student,,2024-09-03,"))
    d = rostergraph.diff(old, rostergraph.load(new_folder))
    assert "Lincoln" in render_diff(d, fmt)  # (the check can fail)
    out = render_diff(d, fmt, privacy=PrivacyPolicy(mode, key=KEY))
    assert "Lincoln" not in out and "Jefferson" not in out
    assert "2024-09-03" in out and "metadata.note" in out
    if mode == "pseudonymized":
        assert [uid for uid in _PEOPLE if uid in out] == []


def test_enrollment_id_pseudonyms_do_not_collide(tmp_path: Path) -> None:
    """Two enrollment ids whose pseudonyms agreed in 40 bits (a pair found for KEY by
    trying ids; at 600k enrollments one such pair is likely) stay two ids: the
    pseudonymized bundle loads both enrollments (the second was a duplicate_id, lost)."""
    pair = ("enr-365665", "enr-2096777")
    src = _bundle(tmp_path / "src")
    enr = src / "enrollments.csv"
    enr.write_text(enr.read_text().replace("enr-stu-7731", pair[0])
                   .replace("enr-stu-7732", pair[1]))
    convert(src, tmp_path / "anon", to="oneroster",
            privacy=PrivacyPolicy("pseudonymized", key=KEY))
    back = read_oneroster(tmp_path / "anon")
    assert [p.code for p in back.problems if p.code == "duplicate_id"] == []
    assert len(back.sections["c1"].students or ()) == 2
