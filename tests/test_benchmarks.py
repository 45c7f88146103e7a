"""CI smoke test of benchmarks/run.py: the S benchmark runs and the three engines agree."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_small_benchmark_answers_agree(tmp_path: Path) -> None:
    """rostergraph, DuckDB and networkx give equal counts on a generated S district."""
    pytest.importorskip("duckdb")
    data = tmp_path / "S"
    out = tmp_path / "bench.json"
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--size", "S",
                        "--seed", "4", "--data", str(data), "--json", str(out),
                        "--repeat", "2"],
                       capture_output=True, text=True, timeout=300, check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    report = json.loads(out.read_text())
    assert report["answers_equal"] is True
    engines = {r["engine"]: r for r in report["results"]}
    assert set(engines) == {"rostergraph", "duckdb", "networkx"}
    # (--repeat 2: every engine ran twice, its faster run reported)
    assert sorted(r["engine"] for r in report["runs"]) == sorted(2 * list(engines))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import run  # type: ignore[import-not-found]

    for name, kept in engines.items():
        assert run.load_build(kept) == min(run.load_build(r) for r in report["runs"]
                                           if r["engine"] == name)
    answers = engines["rostergraph"]["answers"]
    assert answers["reach_pairs"] > 0
    assert answers["orphans"]["student/no_section"] > 0
    steps = [s[0] for s in engines["rostergraph"]["steps"]]
    assert steps[:5] == ["load", "build", "reach", "cross_school", "orphans"]
    assert "| total |" in p.stdout


def test_fastest_run_is_the_least_load_and_build() -> None:
    """Of an engine's runs, the one with the least load + build is kept; a failed run
    only when none succeeded."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import run  # type: ignore[import-not-found]

    slow = {"engine": "e", "steps": [["load", 3.0, 10], ["build", 1.0, 10], ["reach", 0.1, 10]]}
    quick = {"engine": "e", "steps": [["load", 2.0, 10], ["build", 1.5, 10], ["reach", 9.0, 10]]}
    failed = {"engine": "e", "error": "timed out"}
    assert run.fastest([slow, failed, quick]) is quick
    assert run.fastest([failed]) is failed
    assert run.load_build(slow) == 4.0


def test_answers_are_compared_before_times(tmp_path: Path) -> None:
    """A disagreement between engines is reported and no timing table is printed."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import run  # type: ignore[import-not-found]

    a = {"engine": "rostergraph", "answers": {"reach_pairs": 3}, "steps": []}
    b = {"engine": "duckdb", "answers": {"reach_pairs": 4}, "steps": []}
    assert run.compare([a, b]) == ["reach_pairs: rostergraph=3 duckdb=4"]
    assert run.compare([a, dict(b, answers={"reach_pairs": 3})]) == []


@pytest.mark.parametrize(("fmt", "plain"), [("oneroster", False), ("sftp", False),
                                            ("oneroster", True), ("sftp", True)])
def test_csv_format_benchmark_answers_agree(tmp_path: Path, fmt: str, plain: bool) -> None:
    """With --format oneroster|sftp the district is converted once, and rostergraph on the
    CSV, rostergraph on the JSON Lines and DuckDB's read_csv give equal counts; with
    --plain, from files without rostergraph's extension files and columns."""
    pytest.importorskip("duckdb")
    data = tmp_path / "S"
    out = tmp_path / "bench.json"
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--size", "S",
                        "--seed", "4", "--data", str(data), "--json", str(out),
                        "--format", fmt, *(["--plain"] if plain else [])],
                       capture_output=True, text=True, timeout=300, check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    report = json.loads(out.read_text())
    assert report["answers_equal"] is True and report["format"] == fmt
    assert report["plain"] is plain
    engines = {r["engine"]: r for r in report["results"]}
    assert set(engines) == {"rostergraph", "rostergraph-jsonl", "duckdb"}
    folder = tmp_path / f"S-{fmt}{'-sis' if plain else ''}"
    assert (folder / "enrollments.csv").exists()
    # (the extension files are rostergraph_*.csv for SFTP; OneRoster's are columns)
    assert any(folder.glob("rostergraph_*")) is (not plain and fmt == "sftp")
    if fmt == "oneroster":  # (as an SIS exports them: enrollments with ids of their own)
        with (folder / "enrollments.csv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        made_up = [r["sourcedId"].startswith(r["classSourcedId"] + ":") for r in rows]
        assert all(made_up) is not plain and any(made_up) is not plain
        assert len({r["sourcedId"] for r in rows}) == len(rows)
    assert engines["duckdb"]["answers"]["reach_pairs"] > 0
    assert "rostergraph / rostergraph-jsonl" in p.stdout


@pytest.mark.parametrize("plain", [False, True])
def test_oneroster12_benchmark_writes_roles_with_sis_ids_when_plain(
        tmp_path: Path, plain: bool) -> None:
    """--format oneroster12 converts the district to OneRoster 1.2 (roles.csv) and times
    rostergraph on it beside the JSON Lines; with --plain its role rows and enrollments
    carry ids of their own, as an SIS exports them, not the writer's made-up ones."""
    data = tmp_path / "S"
    out = tmp_path / "bench.json"
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--size", "S",
                        "--seed", "4", "--data", str(data), "--json", str(out),
                        "--format", "oneroster12", *(["--plain"] if plain else [])],
                       capture_output=True, text=True, timeout=300, check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    report = json.loads(out.read_text())
    assert report["answers_equal"] is True and report["format"] == "oneroster12"
    assert {r["engine"] for r in report["results"]} == {"rostergraph", "rostergraph-jsonl"}
    folder = tmp_path / f"S-oneroster12{'-sis' if plain else ''}"
    with (folder / "roles.csv").open(encoding="utf-8") as f:
        roles = list(csv.DictReader(f))
    with (folder / "enrollments.csv").open(encoding="utf-8") as f:
        enrolled = list(csv.DictReader(f))
    assert roles and "role" not in next(csv.reader((folder / "users.csv").open()))
    made_up = [r["sourcedId"].startswith(r["userSourcedId"] + ":role:") for r in roles]
    assert all(made_up) is not plain and any(made_up) is not plain
    assert len({r["sourcedId"] for r in roles}) == len(roles)
    made_up = [r["sourcedId"].startswith(r["classSourcedId"] + ":") for r in enrolled]
    assert all(made_up) is not plain and any(made_up) is not plain


def test_validate_cpu_script_times_validate_on_a_small_district(tmp_path: Path) -> None:
    """benchmarks/validate_cpu.py prints wall and CPU seconds and the findings count."""
    from rostergraph.synth import write_district

    d = write_district(tmp_path / "d", students=300, seed=3, quirks="high")
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "validate_cpu.py"), str(d)],
                       capture_output=True, text=True, timeout=300, check=False,
                       cwd=ROOT)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["findings"] > 0 and out["cpu"] >= 0 and out["wall"] >= 0


def test_load_validate_script_on_a_small_csv_district(tmp_path: Path) -> None:
    """benchmarks/load_validate.py times load, build and validate of a CSV folder."""
    import rostergraph
    from rostergraph.io.write_oneroster import write_oneroster
    from rostergraph.synth import write_district

    d = write_district(tmp_path / "d", students=300, seed=3)
    write_oneroster(rostergraph.load(d), tmp_path / "or")
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load_validate.py"),
                        str(tmp_path / "or")], capture_output=True, text=True, timeout=300,
                       check=False, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    line = p.stdout.strip().splitlines()[-1]
    for part in ("load ", "build ", "validate ", "findings", "peak ", "after load ", "after build "):
        assert part in line, line


def test_edited_copy_reads_as_the_original_but_for_its_cells(tmp_path: Path) -> None:
    """benchmarks/edit_cells.py copies a folder with a line break in one name, and
    benchmarks/roster_digest.py tells the two loads apart by that user's record only."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    import edit_cells  # type: ignore[import-not-found]
    import roster_digest  # type: ignore[import-not-found]

    import rostergraph
    from rostergraph.io.write_oneroster import write_oneroster
    from rostergraph.synth import write_district

    src = tmp_path / "src"
    write_oneroster(rostergraph.load(write_district(tmp_path / "d", None, students=40, seed=2),
                                     cache=False), src, extensions=False)
    edit_cells.main([str(src), str(tmp_path / "same")])
    edit_cells.main([str(src), str(tmp_path / "edited"), "users.csv:5:givenName:Ann\\nJr"])
    assert (tmp_path / "same" / "users.csv").read_bytes() == (src / "users.csv").read_bytes()
    assert b'"Ann\nJr"' in (tmp_path / "edited" / "users.csv").read_bytes()
    same, edited = (roster_digest.digest_lines(str(tmp_path / x)) for x in ("same", "edited"))
    assert same == roster_digest.digest_lines(str(src))
    assert len(edited) == len(same) and sum(a != b for a, b in zip(same, edited)) == 1
