"""Small OneRoster bundles shared by the delta tests: the files' headers, a district of
two schools, two classes, and a writer of delta bundles."""

from __future__ import annotations

from pathlib import Path

from rostergraph.io.oneroster import read_oneroster
from tests.test_oneroster_variants import write

ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
        "D1,,,District,district,,\nS1,,,North,school,,D1\nS2,,,South,school,,D1\n")
CLASSES_HEAD = ("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
                "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,"
                "periods\n")
CLASSES = (CLASSES_HEAD + "C1,,,Math,05,,,scheduled,,S1,,,,\n"
           "C2,,,Art,05,,,scheduled,,S1,,,,\n")
ENR_HEAD = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,"
            "role,primary,beginDate,endDate\n")
BASE_MANIFEST = ("propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\n"
                 "file.users,bulk\nfile.classes,bulk\nfile.enrollments,bulk\n")


def base(tmp_path: Path, users: str, enrollments: str) -> object:
    """The base roster of ``users.csv`` and ``enrollments.csv`` text with :data:`ORGS` and
    :data:`CLASSES` (OneRoster 1.1, every file bulk)."""
    return read_oneroster(write(tmp_path / "base", {
        "manifest.csv": BASE_MANIFEST, "orgs.csv": ORGS, "users.csv": users,
        "classes.csv": CLASSES, "enrollments.csv": enrollments}))


def delta(folder: Path, version: str = "1.1", **files: str) -> Path:
    """A delta bundle of ``files`` (``users_csv=...``), each listed ``delta``."""
    named = {k.replace("_csv", ".csv"): v for k, v in files.items()}
    rows = "".join(f"file.{name[:-4]},delta\n" for name in named)
    return write(folder, {"manifest.csv": f"propertyName,value\noneroster.version,{version}\n"
                                          + rows, **named})
