"""The command line through the real console entry point (subprocess)."""

from __future__ import annotations

import subprocess
import sys

import orjson

import rostergraph


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rostergraph", *args], capture_output=True,
                          text=True, timeout=300)


def test_summary_of_sample_json_matches_library() -> None:
    """`summary --sample --format json` reports the library's own counts."""
    out = run("summary", "--sample", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = orjson.loads(out.stdout)
    r = rostergraph.sample()
    g = rostergraph.RosterGraph.from_roster(r)
    assert data["records"] == r.counts()
    assert data["roles"] == g.role_counts()
    assert data["relations"] == g.relation_counts()
    assert data["stub_nodes"] == g.stub_counts()


def test_summary_text_has_sections() -> None:
    """The text summary lists records, roles, relations, stubs and problems."""
    out = run("summary", "--sample")
    assert out.returncode == 0
    for heading in ("records:", "users by role:", "edges by relation:", "stub nodes:",
                    "problems:"):
        assert heading in out.stdout


def test_missing_path_is_one_line_error_exit_2(tmp_path) -> None:
    """A missing path gives a one-line error and exit 2, no traceback."""
    out = run("summary", str(tmp_path / "nope"))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and "no such file" in out.stderr


def test_unreadable_data_exit_2(tmp_path) -> None:
    """Unreadable JSON gives exit 2 with file, line and column."""
    (tmp_path / "schools.json").write_text('{"data": [ {oops ] }')
    out = run("summary", str(tmp_path))
    assert out.returncode == 2
    assert "schools.json:1:" in out.stderr and "Traceback" not in out.stderr


def test_usage_errors_exit_2() -> None:
    """No source, or both a path and --sample, is a usage error (exit 2)."""
    assert run("summary").returncode == 2
    assert run("summary", "x", "--sample").returncode == 2
    assert run("no-such-command").returncode == 2
