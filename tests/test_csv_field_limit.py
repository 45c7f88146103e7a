"""Long CSV fields without touching the process-wide ``csv.field_size_limit``: concurrent
loads in several threads read the same rows as one load alone."""

from __future__ import annotations

import csv
import threading
from pathlib import Path
from typing import Any

import pytest

import rostergraph
from rostergraph.io.csvutil import read_csv
from rostergraph.io.limits import Limits
from rostergraph.roster import RosterBuilder

ONEROSTER = Path(__file__).parent / "data" / "oneroster" / "edfi-lms-toolkit-v1.1"


def _read(data: bytes, limit: int = 1 << 20) -> tuple[list[tuple[int, dict[str, int]]],
                                                       list[tuple[str, int | None]]]:
    b = RosterBuilder(source="mem", format="test")
    _, rows = read_csv(data, "t.csv", b, limits=Limits(max_field_bytes=limit))
    got = [(line, {k: len(v) for k, v in row.items()}) for line, row in rows]
    return got, [(p.code, p.line) for p in b.problems]


def test_fields_longer_than_the_csv_module_limit_load_without_changing_it() -> None:
    """Fields between the csv module's default limit and max_field_bytes load (quoted ones
    spanning lines too), longer ones are `limit` problems; the global limit is untouched."""
    before = csv.field_size_limit()
    assert before < 200_000
    long_quoted = '"' + "a,\r\n" * 60_000 + '"'  # 240,000 characters over 60,001 lines
    data = ("id,note\n1,short\n2," + "x" * 200_000 + "\n3," + long_quoted + "\n4,ok\n5,"
            + "y" * 1_100_000 + "\n6,last").encode()
    rows, problems = _read(data)
    assert rows == [(2, {"id": 1, "note": 5}), (3, {"id": 1, "note": 200_000}),
                    (4, {"id": 1, "note": 240_000}), (60_005, {"id": 1, "note": 2}),
                    (60_007, {"id": 1, "note": 4})]
    assert problems == [("limit", 60_006)]
    assert csv.field_size_limit() == before


def test_a_small_max_field_bytes_still_bounds_every_field() -> None:
    """With max_field_bytes under the csv module's limit, a longer field is a `limit`
    problem for its row and the neighbours load."""
    rows, problems = _read(b"id,note\n1,abc\n2," + b"z" * 500 + b"\n3,def\n", limit=100)
    assert [line for line, _ in rows] == [2, 4]
    assert problems == [("limit", 3)]


def test_quoting_error_inside_a_long_row_is_a_syntax_problem() -> None:
    """A quoting error in a row re-read for its long field is a `syntax` problem; the next
    rows load at their own lines."""
    data = b'id,note\n1,"' + b"q" * 200_000 + b'"oops,x\n2,fine\n'
    rows, problems = _read(data)
    assert rows == [(3, {"id": 1, "note": 4})]
    assert problems == [("syntax", 2)]


def _bundle(folder: Path, width: int) -> Path:
    """The public OneRoster sample with 60 users, each with a long note column."""
    folder.mkdir()
    for f in ONEROSTER.iterdir():
        if f.suffix == ".csv":
            (folder / f.name).write_bytes(f.read_bytes())
    header, template = (folder / "users.csv").read_text().splitlines()[:2]
    rest = template.split(",", 1)[1]
    out = [header + ",note"] + [f"u{i:04d},{rest},{'n' * width}" for i in range(60)]
    (folder / "users.csv").write_text("\n".join(out) + "\n")
    return folder


@pytest.mark.timeout(300)
def test_concurrent_csv_loads_read_what_one_load_reads(tmp_path: Path) -> None:
    """Eight threads loading CSV bundles with 140,000-character fields at once get exactly
    the users and problems a single-threaded load gets."""
    bundles = [_bundle(tmp_path / f"d{i}", 140_000 + i) for i in range(2)]
    alone = {str(p): (sorted(r.users), [(x.code, x.line) for x in r.problems])
             for p in bundles for r in [rostergraph.load(p)]}
    assert all(len(users) == 60 for users, _ in alone.values())
    results: list[tuple[str, Any]] = []
    errors: list[BaseException] = []

    def work(p: Path) -> None:
        try:
            for _ in range(2):
                r = rostergraph.load(p)
                results.append((str(p), (sorted(r.users), [(x.code, x.line)
                                                            for x in r.problems])))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(bundles[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 16
    for path, got in results:
        assert got == alone[path]
