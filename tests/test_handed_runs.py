"""Users handed to the builder by their shapes at the end of a Clever SFTP read
(rostergraph/io/handed_runs.py): a row path's user between two rows of a run rides in
it, and the roster (records, order, problems, notes, graph and rule columns) is the one
handing each such user as text gives."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from rostergraph.io import handed_runs, parked
from rostergraph.io.clever_csv import read_clever_csv
from tests.test_collect import assert_same_columns, same_either_way
from tests.test_sftp_students import _ROWS, _messy, generated_sftp


def _riding(path: Path, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The roster read with riders and without, compared; how many riders rode, how
    many of them no shape held (they went as text), and how many runs there were, in
    the read with riders.
    Shelves hold a student's text (the tests' own shelves of 256 bytes hold none: a
    text parked as its own place is not handed by shape)."""
    monkeypatch.setattr(parked, "SHELF", 1 << 14)
    seen: Counter[str] = Counter()
    real = handed_runs.hand_run

    def spy(b: Any, handed: Any, ahead: Any, run: list[int], riders: list[Any],
            runs: Any, full: bool) -> None:
        real(b, handed, ahead, run, riders, runs, full)
        if handed_runs.RIDE:  # (the read with riders)
            seen["runs"] += 1
            seen["riders"] += len(riders)
            seen["shapeless"] += sum(r.shape is None for r in riders)

    monkeypatch.setattr(handed_runs, "hand_run", spy)
    new, old = same_either_way(lambda: read_clever_csv(path), monkeypatch, handed_runs,
                               "RIDE")
    assert_same_columns(new, old)
    return seen


@pytest.mark.parametrize(("seed", "quirks", "riders", "short"), [
    (21, "high", 8, 32), (22, "high", 1, 0), (23, "default", 8, 32),
    (24, "default", 2, 10**9)])
def test_generated_districts_read_as_without_riders(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, quirks: str,
        riders: int, short: int) -> None:
    """Generated districts, riders up to ``riders`` in a row, runs under ``short`` as
    text (10**9: every run but a full one, riders included)."""
    monkeypatch.setattr(handed_runs, "_RIDERS", riders)
    monkeypatch.setattr(handed_runs, "_SHORT", short)
    path = generated_sftp(tmp_path, seed, quirks)
    _private_use_in_names(path / "students.csv", every=9)  # (row path's, with a shape)
    seen = _riding(path, monkeypatch)
    assert seen["riders"] > 0, seen
    if quirks == "high" and short == 0:  # (contacts naming students, unreadable texts)
        assert 0 < seen["shapeless"] < seen["riders"]


def _private_use_in_names(path: Path, every: int) -> None:
    """A private-use character (which a template cannot take) in every ``every``-th
    student's first name of students.csv ``path``: those students take the row path,
    and their records are plain (they ride with a shape)."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    at = rows[0].index("First_name")
    for row in rows[1::every]:
        row[at] += "\ue000"
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def test_messy_upload_reads_as_without_riders(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Spaced ids, formulas, unknown schools, quotes, long cells and a record of the
    extension file merged into a student (which never rides) between plain rows."""
    monkeypatch.setattr(handed_runs, "_SHORT", 0)
    seen = _riding(_messy(tmp_path, _ROWS), monkeypatch)
    assert seen["riders"] > 0


def test_a_run_with_riders_is_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Row path's students between plain ones do not part the run (each part would be
    handed on its own)."""
    rows = [["sch1", f"p{k}", "N", "F", "3", "", f"e{k}@x.org", *[""] * 8] for k in range(60)]
    for k in range(5, 60, 10):
        rows[k][1] = f" p{k}"  # (a spaced id: the row path's)
    monkeypatch.setattr(handed_runs, "_SHORT", 0)
    seen = _riding(_messy(tmp_path, rows, records=False), monkeypatch)
    assert seen["riders"] == 6 and seen["shapeless"] == 0
    assert seen["runs"] == 1
