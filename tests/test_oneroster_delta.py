"""A OneRoster delta applied onto a base roster (``read_oneroster(..., base=)``) agrees
with the bulk load of the same rows, for enrollments of every role."""

from __future__ import annotations

from pathlib import Path

from rostergraph.io.oneroster import read_oneroster

_ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
         "D1,,,District,district,,\nS1,,,North,school,,D1\n")
_USERS = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
          "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
          "password\n"
          "T1,,,true,S1,teacher,,,Ann,Lee,,,,,,,,\n"
          "U1,,,true,S1,student,,,Bo,Kim,,,,,,,05,\n"
          "A1,,,true,S1,aide,,,Cy,Day,,,,,,,,\n"
          "P1,,,true,S1,proctor,,,Di,Eze,,,,,,,,\n"
          "M1,,,true,S1,administrator,,,Ed,Fox,,,,,,,,\n")
_CLASSES_HEAD = ("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
                 "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,"
                 "periods\n")
_CLASS = "C1,,,Math,05,,,scheduled,,S1,,,,\n"
_ENR_HEAD = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,"
             "role,primary,beginDate,endDate\n")
_AIDE = "e3,,,C1,S1,A1,aide,,,\n"
_A = "e1,,,C1,S1,T1,teacher,true,,\ne2,,,C1,S1,U1,student,,,\n" + _AIDE
_B = ("e4,active,,C1,S1,P1,proctor,,,\ne5,active,,C1,S1,M1,Administrator,,,\n"
      "e6,active,,C1,S1,A1,aide,,,\n")
_DELTA_MANIFEST = "propertyName,value\noneroster.version,1.1\nfile.enrollments,delta\n"


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return folder


def _bundle(folder: Path, enrollments: str) -> Path:
    return _write(folder, {"orgs.csv": _ORGS, "users.csv": _USERS,
                           "classes.csv": _CLASSES_HEAD + _CLASS,
                           "enrollments.csv": _ENR_HEAD + enrollments})


def test_delta_enrollments_of_other_roles_join_a_base_class(tmp_path: Path) -> None:
    """bulk(A + B) == base(A) + delta(B) when B enrolls aides, proctors and
    administrators in a class of the base."""
    bulk = read_oneroster(_bundle(tmp_path / "bulk", _A + _B))
    base = read_oneroster(_bundle(tmp_path / "base", _A))
    delta = _write(tmp_path / "delta", {"manifest.csv": _DELTA_MANIFEST,
                                        "enrollments.csv": _ENR_HEAD + _B})
    got = read_oneroster(delta, base=base)
    assert dict(bulk.sections["C1"].extra) == {
        "oneroster.enrollments.aide": ["A1"], "oneroster.enrollments.proctor": ["P1"],
        "oneroster.enrollments.administrator": ["M1"]}
    assert got.sections == bulk.sections
    assert got.problems == []


def test_delta_class_row_keeps_the_base_enrollments_of_other_roles(tmp_path: Path) -> None:
    """A delta that updates a class (its title) and enrolls a proctor keeps the base's aide:
    the result equals the bulk load of the updated class with every enrollment."""
    renamed = _CLASS.replace("Math", "Algebra")
    bulk = _write(tmp_path / "bulk", {"orgs.csv": _ORGS, "users.csv": _USERS,
                                      "classes.csv": _CLASSES_HEAD + renamed,
                                      "enrollments.csv": _ENR_HEAD + _A + _B})
    base = read_oneroster(_bundle(tmp_path / "base", _A))
    delta = _write(tmp_path / "delta", {"manifest.csv": _DELTA_MANIFEST + "file.classes,delta\n",
                                        "classes.csv": _CLASSES_HEAD + renamed,
                                        "enrollments.csv": _ENR_HEAD + _B})
    got = read_oneroster(delta, base=base)
    assert got.sections["C1"].name == "Algebra"
    assert got.sections == read_oneroster(bulk).sections


def test_delta_deletes_an_enrollment_of_another_role(tmp_path: Path) -> None:
    """An aide's enrollment row with status=tobedeleted removes the aide from the base
    class, as the bulk load without that row has it; other roles stay."""
    base = read_oneroster(_bundle(tmp_path / "base", _A + _B))
    delta = _write(tmp_path / "delta", {
        "manifest.csv": _DELTA_MANIFEST,
        "enrollments.csv": _ENR_HEAD + "e3,tobedeleted,,C1,S1,A1,Aide,,,\n"
                                       "e2,tobedeleted,,C1,S1,U1,Student,,,\n"})
    got = read_oneroster(delta, base=base)
    without = _A.replace(_AIDE, "").replace(
        "e2,,,C1,S1,U1,student,,,\n", "")
    bulk = read_oneroster(_bundle(tmp_path / "bulk", without + _B.replace(
        "e6,active,,C1,S1,A1,aide,,,\n", "")))
    assert "oneroster.enrollments.aide" not in got.sections["C1"].extra
    assert got.sections["C1"].students is None
    assert got.sections == bulk.sections


def test_delta_aide_in_a_base_class_without_enrollments(tmp_path: Path) -> None:
    """An aide enrolled by a delta in a base class that had no enrollment at all: the
    class is as the bulk load makes it (no empty student or teacher list)."""
    base = read_oneroster(_bundle(tmp_path / "base", ""))
    delta = _write(tmp_path / "delta", {"manifest.csv": _DELTA_MANIFEST,
                                        "enrollments.csv": _ENR_HEAD + _AIDE})
    got = read_oneroster(delta, base=base)
    assert got.sections["C1"].extra["oneroster.enrollments.aide"] == ["A1"]
    assert got.sections == read_oneroster(_bundle(tmp_path / "bulk", _AIDE)).sections
