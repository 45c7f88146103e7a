"""The ``manifest.csv`` of a OneRoster bundle: its version, and the mode of each file.

The OneRoster CSV specification (1.1 and 1.2) has a manifest row ``file.<name>`` per file,
``bulk``, ``delta`` or ``absent``, and ``oneroster.version``. The reader reads every file
the bundle holds whatever its row says, and tells where the manifest and the files disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .oneroster_cols import ONEROSTER_FILES, ONLY_12_FILES, before_12, manifest_property

if TYPE_CHECKING:
    from .oneroster import _Reader

__all__ = ["read_manifest"]


def read_manifest(rd: _Reader) -> None:
    """``manifest.csv``: the version, each file's mode (``bulk``, ``delta``, ``absent``), the
    properties not kept (a note), files the manifest and the bundle disagree on (problems)."""
    if "manifest.csv" not in rd.bundle:
        rd.b.notes.append("no manifest.csv: version taken from the columns")
        return
    t = rd.table("manifest.csv", None)
    files = {f[:-4].lower(): f[:-4] for f in ONEROSTER_FILES}
    other: list[str] = []
    for line, row in t.dicts() if t is not None else ():
        prop, value = (row.get("propertyName") or "").strip(), (row.get("value") or "").strip()
        if prop.lower() == "oneroster.version":
            rd.b.version = value
            rd.version_line = line
        elif prop.lower().startswith("file."):
            f = files.get(prop[5:].lower(), prop[5:])
            rd.modes[f] = value.lower()
            rd.mode_lines[f] = line
            if value.lower() not in ("bulk", "delta", "absent"):
                # (an empty value for a file the bundle does not hold is read as nothing at all)
                how = ("the file is read as bulk" if f + ".csv" in rd.bundle else
                       f"the source holds no {f}.csv")
                rd.b.problem("other", f"manifest says file.{f}={value!r}, which is none "
                               f"of bulk, delta and absent: {how}",
                               file="manifest.csv", line=line, field=prop)
        elif prop.lower() != "manifest.version" and (prop or value):
            other.append(manifest_property(prop, value))
    if other:  # (source.systemName, source.systemCode, a vendor's own): not kept
        rd.b.notes.append("manifest.csv properties not kept: " + ", ".join(other))
    for f, mode in rd.modes.items():
        present = f + ".csv" in rd.bundle
        if mode in ("bulk", "delta") and not present:
            rd.b.problem("missing_file", f"manifest declares file.{f}={mode} but "
                           f"{f}.csv is not in the source: its records were not delivered",
                           file="manifest.csv", line=rd.mode_lines[f])
        elif mode in ("bulk", "delta") and not rd.bundle.size(f + ".csv"):
            rd.b.problem("missing_file", f"manifest declares file.{f}={mode} but "
                           f"{f}.csv is empty (0 bytes, not even its header): its "
                           "records were not delivered", file="manifest.csv", line=rd.mode_lines[f])
        elif mode == "absent" and present:
            rd.absent_but_present.add(f + ".csv")
    delta = sorted(f for f, m in rd.modes.items() if m == "delta")
    if delta:
        rd.b.notes.append("delta files: " + ", ".join(delta))
    _unlisted_files(rd)

def _unlisted_files(rd: _Reader) -> None:
    """Tell each roster file the bundle holds that the manifest has no ``file.<name>``
    row for (the spec has one for every file): it is read all the same, as this
    reader reads every file, whatever its row says, without a base or with one. A 1.2
    file under an older version is told so instead (that manifest has no row for it)."""
    how = "applied to the base as a delta" if rd.base is not None else "read as bulk"
    version = rd.b.version or ""
    older = rd.version_line is not None and before_12(version)
    for name in ONEROSTER_FILES[1:]:
        f = name[:-4]
        if name not in rd.bundle:
            continue
        if older and name in ONLY_12_FILES:
            rd.b.problem("other", f"{name} is a OneRoster 1.2 file, but manifest.csv "
                           "says " + manifest_property("oneroster.version", version)
                           + ": it was read all the same", file="manifest.csv",
                           line=rd.version_line, field="oneroster.version")
        elif f not in rd.modes:
            rd.b.problem("other", f"manifest.csv has no file.{f} row; {name} was {how}",
                           file="manifest.csv", field=f"file.{f}")
