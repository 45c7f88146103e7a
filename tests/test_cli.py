"""The command line through the real console entry point (subprocess)."""

from __future__ import annotations

import subprocess
import sys

import orjson

import rostergraph


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rostergraph", *args], capture_output=True,
                          text=True, timeout=300, check=False)


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


def test_query_commands_match_library_tables() -> None:
    """Each `query` subcommand prints the same rows as the library function (JSON/CSV)."""
    g = rostergraph.RosterGraph.from_roster(rostergraph.sample())
    t, s, _ = next(iter(rostergraph.reach_pairs(g)))
    cases = [
        (["students-of", "--teacher", t], rostergraph.students_of(g, t)),
        (["teachers-of", "--student", s], rostergraph.teachers_of(g, s)),
        (["why", "--teacher", t, "--student", s], rostergraph.linking_sections(g, t, s)),
        (["reach"], rostergraph.reach_pairs(g)),
        (["cross-school"], rostergraph.cross_school_enrollments(g)),
        (["cross-school", "--teachers"], rostergraph.cross_school_teaching(g)),
        (["cross-school", "--flow"], rostergraph.school_flow(g)),
        (["orphans"], rostergraph.orphaned_users(g)),
        (["visible", "--user", t], rostergraph.visible_users(g, t)),
    ]
    for args, table in cases:
        out = run("query", args[0], "--sample", *args[1:], "--format", "json", "--no-labels")
        assert out.returncode == 0, (args, out.stderr)
        assert orjson.loads(out.stdout) == table.to_dicts(), args
    csv_out = run("query", "orphans", "--sample", "--format", "csv")
    assert csv_out.stdout.splitlines()[0] == "user,user_name,role,reason"
    assert len(csv_out.stdout.splitlines()) == len(rostergraph.orphaned_users(g)) + 1


def test_query_wrong_kind_is_clear_error() -> None:
    """Passing a section id as a teacher exits 2 saying what the id is."""
    sec = next(iter(rostergraph.sample().sections))
    out = run("query", "students-of", "--sample", "--teacher", sec)
    assert out.returncode == 2 and "is a section" in out.stderr and "Traceback" not in out.stderr


def test_an_empty_teacher_id_is_an_unknown_id_not_every_teacher() -> None:
    """`query reach --teacher ""` (a script's empty variable) is an unknown id, as for the
    other id options: it printed every pair, names and all."""
    out = run("query", "reach", "--sample", "--teacher", "")
    assert out.returncode == 2 and "unknown id ''" in out.stderr and not out.stdout


def test_a_folder_output_of_dash_is_refused(tmp_path) -> None:
    """`convert SRC -`, `synth -o -`, `batch -o -`: '-' is standard output elsewhere; a
    folder named '-' was written in the current folder, exit 0."""
    for args in (("convert", "--sample", "-", "--to", "clever-csv"),
                 ("synth", "--students", "5", "-o", "-"),
                 ("batch", str(rostergraph.sample_path()), "-o", "-")):
        out = subprocess.run([sys.executable, "-m", "rostergraph", *args], cwd=tmp_path,
                             check=False,
                             capture_output=True, text=True)
        assert out.returncode == 2 and "standard output" in out.stderr, args
    assert not (tmp_path / "-").exists()


def test_a_strict_diff_names_the_roster_at_fault(tmp_path) -> None:
    """Both rosters of a diff hold a ``terms.jsonl``: a strict load's error names the
    one at fault by its folder."""
    from rostergraph.synth import district

    for name in ("old", "new"):
        district(None, students=30, seed=1).write(tmp_path / name)
    with open(tmp_path / "new" / "terms.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"id": 5}\n')
    out = run("diff", str(tmp_path / "old"), str(tmp_path / "new"), "--strict", "--quiet")
    assert out.returncode == 2 and str(tmp_path / "new" / "terms.jsonl") in out.stderr


def test_value_errors_print_the_commands_usage_and_os_errors_name_the_path(tmp_path) -> None:
    """A bad value (``synth --students 0``) prints the command's usage lines, not the
    top-level ones; an unwritable output says ``path: reason``, not ``[Errno 17] ...``."""
    out = run("synth", "--students", "0", "-o", str(tmp_path / "x"))
    assert out.returncode == 2 and out.stderr.startswith("usage: rostergraph synth")
    taken = tmp_path / "afile.txt"
    taken.write_text("mine", encoding="utf-8")
    out = run("synth", "--students", "5", "-o", str(taken))
    assert out.returncode == 2 and "[Errno" not in out.stderr
    assert f"error: {taken}: " in out.stderr


def test_output_into_a_closed_pipe_is_quiet() -> None:
    """`rostergraph list students ... | head` (the reader gone before the rows are written)
    ends quietly with exit 0: no "error: [Errno 32] Broken pipe", no "Exception ignored"."""
    p = subprocess.Popen([sys.executable, "-m", "rostergraph", "list", "students", "--sample",
                          "--format", "csv"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # the reader leaves before the command writes anything
    err = p.stderr.read().decode()
    assert p.wait(timeout=300) == 0, err
    assert err == ""


def test_sync_of_a_missing_folder_says_so(tmp_path) -> None:
    """`rostergraph sync ./dumb` (a typo) said "no manifest.json: not a dump written by
    'rostergraph fetch'" of a folder that is not there; it says there is no such folder."""
    out = run("sync", str(tmp_path / "dumb"))
    assert out.returncode == 2
    assert "dumb: no such folder" in out.stderr and "manifest" not in out.stderr


def test_options_that_would_be_ignored_are_usage_errors(tmp_path) -> None:
    """An option that does nothing with the others given is refused (exit 2, the
    command's usage) rather than ignored: ``--redact-staff`` with ``--privacy full``
    would show the staff it was asked to hide."""
    out = run("report", "--sample", "-o", str(tmp_path / "r.md"), "--redact-staff")
    assert out.returncode == 2 and "redact_staff" in out.stderr
    assert not (tmp_path / "r.md").exists()
    out = run("convert", "--sample", str(tmp_path / "o"), "--to", "clever-csv",
              "--oneroster-version", "1.2")
    assert out.returncode == 2 and "--oneroster-version applies to --to oneroster" in out.stderr
    assert not (tmp_path / "o").exists()
    out = run("fetch", "--out", str(tmp_path / "f"), "--scope", "roster", "--auth", "oauth1")
    assert out.returncode == 2
    assert "--auth, --scope apply to a OneRoster server" in out.stderr
    (tmp_path / "dump").mkdir()
    out = run("sync", str(tmp_path / "dump"), "--no-check-deletions")
    assert out.returncode == 2 and "--no-check-deletions applies to" in out.stderr
    # (given with what they apply to, the same options work)
    out = run("convert", "--sample", str(tmp_path / "o12"), "--to", "oneroster",
              "--oneroster-version", "1.2")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "o12" / "roles.csv").is_file()
    out = run("report", "--sample", "-o", str(tmp_path / "r.md"), "--privacy", "redacted",
              "--redact-staff")
    assert out.returncode == 0, out.stderr


def test_convert_takes_its_output_as_o_as_the_other_writers_do(tmp_path) -> None:
    """`convert --sample -o OUT` (as `synth`, `report` and `diff` take it) writes OUT;
    OUTPUT and -o together, or neither, are usage errors, and nothing is written."""
    out = run("convert", "--sample", "-o", str(tmp_path / "a"), "--to", "clever-csv")
    assert out.returncode == 0 and (tmp_path / "a" / "students.csv").is_file(), out.stderr
    src = str(tmp_path / "a")
    out = run("convert", src, "--output", str(tmp_path / "b"), "--to", "oneroster")
    assert out.returncode == 0 and (tmp_path / "b" / "manifest.csv").is_file(), out.stderr
    both = run("convert", src, str(tmp_path / "c"), "-o", str(tmp_path / "d"), "--to",
               "oneroster")
    assert both.returncode == 2 and "not both" in both.stderr
    neither = run("convert", src, "--to", "oneroster")
    assert neither.returncode == 2 and "-o OUTPUT" in neither.stderr
    assert not (tmp_path / "c").exists() and not (tmp_path / "d").exists()


def test_fetch_takes_its_dump_folder_as_o() -> None:
    """`fetch -o DIR` is `fetch --out DIR` (the spelling the other writers take)."""
    from rostergraph.cli import build_parser

    args = build_parser().parse_args(["fetch", "-o", "dump"])
    assert args.out == "dump"
