"""A CLI that guides: suggestions, bare help, clear errors, the closing line, progress, `list`."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import orjson

import rostergraph
from rostergraph.cli.guide import Steps, colour_enabled, counts_line, did_you_mean, progress
from rostergraph.labels import label_of
from rostergraph.listing import list_records

G = rostergraph.RosterGraph.from_roster(rostergraph.sample())


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rostergraph", *args], capture_output=True,
                          text=True, timeout=300, check=False, env=env)


def run_tty(*args: str, env: dict[str, str]) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo-terminal; (exit code, everything printed)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "rostergraph", *args], stdout=slave,
                            stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=300), b"".join(chunks).decode("utf-8", "replace")


def test_did_you_mean_for_commands_options_and_choices() -> None:
    """A typo in a command, an option or a --format value gets a 'did you mean' hint, exit 2."""
    for args, hint in ((["valdate", "--sample"], "did you mean 'validate'?"),
                       (["validate", "--sample", "--fomat", "json"], "did you mean --format?"),
                       (["validate", "--sample", "--format", "jsn"], "did you mean 'json'?"),
                       (["query", "reach", "--sample", "--techer", "x"], "did you mean --teacher?"),
                       (["list", "techers", "--sample"], "did you mean 'teachers'?")):
        out = run(*args)
        assert out.returncode == 2 and hint in out.stderr, (args, out.stderr)
    assert did_you_mean("zzzz", ["validate", "report"]) is None


def test_bare_command_prints_help() -> None:
    """`rostergraph` alone prints the help (with the command list) and exits 0."""
    out = run()
    assert out.returncode == 0 and "usage: rostergraph" in out.stdout
    assert "validate" in out.stdout and "list" in out.stdout and out.stderr == ""


def test_missing_output_folder_is_named(tmp_path: Path) -> None:
    """-o into a folder that does not exist names that folder, not a temporary file."""
    missing = tmp_path / "missing" / "dir"
    out = run("report", "--sample", "-o", str(missing / "x.html"))
    assert out.returncode == 2
    assert f"{missing}: cannot write {missing / 'x.html'}: the folder does not exist" in out.stderr
    assert ".tmp" not in out.stderr and "Traceback" not in out.stderr


def test_wrong_type_finding_names_the_field(tmp_path: Path) -> None:
    """A value of the wrong type is reported with its field's name."""
    (tmp_path / "terms.jsonl").write_text('{"id": "5f7a7ea00000000000000099", "name": 7}\n')
    (tmp_path / "schools.jsonl").write_text('{"id": "5f7a7ea00000000000000098", "name": "S"}\n')
    out = run("validate", str(tmp_path), "--select", "RG-LOAD-004")
    assert "terms.jsonl:1: field 'name': expected a string, found number" in out.stdout


def test_validate_closing_line_plain_when_piped_or_no_color() -> None:
    """The last line of validate is the counts; no colour codes when piped or with NO_COLOR."""
    c = rostergraph.validate(rostergraph.sample()).counts()
    want = counts_line(c, colour=False)
    out = run("validate", "--sample")
    assert out.stdout.rstrip("\n").splitlines()[-1] == want and "\x1b[" not in out.stdout
    as_json = run("validate", "--sample", "--format", "json")
    assert orjson.loads(as_json.stdout)["validation"]["counts"] == c  # stdout stays JSON
    assert as_json.stderr.strip().splitlines()[-1] == want
    env = {**os.environ, "NO_COLOR": "1"}
    code, text = run_tty("validate", "--sample", env=env)
    assert code == 1 and want in text and "\x1b[1;31m" not in text
    assert not colour_enabled(io.StringIO())


def test_validate_closing_line_coloured_on_a_terminal() -> None:
    """On a terminal without NO_COLOR the closing line's counts are coloured by severity."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    code, text = run_tty("validate", "--sample", "--quiet", env=env)
    c = rostergraph.validate(rostergraph.sample()).counts()
    assert code == 1 and counts_line(c, colour=True) in text
    assert f"\x1b[1;31m{c['error']:,} errors\x1b[0m" in text


def test_counts_line_format() -> None:
    """Thousands separators, singular/plural, 'info' never pluralised."""
    assert counts_line({"error": 602, "warning": 6683, "info": 1747}, colour=False) == \
        "602 errors, 6,683 warnings, 1,747 info"
    assert counts_line({"error": 1, "warning": 1, "info": 0}, colour=False) == \
        "1 error, 1 warning, 0 info"


def test_progress_only_on_a_terminal_and_not_quiet() -> None:
    """The step bar draws on a terminal stream, never on a pipe or with quiet."""
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    s = Steps("report", 3, stream=tty)
    s.step("loading")
    s.step("validating")
    s.close()
    assert "report: validating" in tty.getvalue() and s.done == 2
    quiet = Tty()
    q = Steps("report", 3, stream=quiet, quiet=True)
    q.step("loading")
    q.close()
    assert quiet.getvalue() == ""
    pipe = io.StringIO()
    with progress("x", stream=pipe) as bar:
        bar.update(1)
    assert pipe.getvalue() == ""


def test_report_progress_on_terminal_and_quiet_flag(tmp_path: Path) -> None:
    """`report` on a terminal shows its steps on stderr; --quiet shows none."""
    env = {**os.environ, "NO_COLOR": "1"}
    code, text = run_tty("report", "--sample", "-o", str(tmp_path / "r.md"), env=env)
    assert code == 0 and "report: validating" in text
    code, text = run_tty("report", "--sample", "-o", str(tmp_path / "r.md"), "--quiet", env=env)
    assert code == 0 and "report: validating" not in text
    piped = run("report", "--sample", "-o", str(tmp_path / "r.md"))
    assert "report:" not in piped.stderr


def test_list_teachers_ids_work_in_queries() -> None:
    """`list teachers` gives every teacher with a name; its ids are accepted by the queries."""
    out = run("list", "teachers", "--sample", "--format", "json")
    rows = orjson.loads(out.stdout)
    teachers = {u.id for u in G.roster.users.values() if u.roles.teacher is not None}
    assert {r["user"] for r in rows} == teachers
    assert all(r["user_name"] == label_of(G.roster.users[r["user"]], "user") for r in rows)
    for r in rows:
        assert r["sections"] == len(G.neighbors(r["user"], "teaches"))
    busy = max(rows, key=lambda r: r["sections"])
    q = run("query", "students-of", "--sample", "--teacher", busy["user"], "--format", "json")
    assert q.returncode == 0 and len(orjson.loads(q.stdout)) > 0


def test_list_filters_and_counts_agree_with_the_graph() -> None:
    """--school and --name filter; section counts match the queries; schools are named."""
    school = "5f7a5c000000000000000003"
    students = list_records(G, "students", school=school)
    for u in students.to_list("user"):
        role = G.roster.users[u].roles.student
        assert school == role.school or school in (role.schools or ())
    secs = list_records(G, "sections")
    users = G.roster.users
    for sec, n in zip(secs.to_list("section"), secs.to_list("students")):
        # (distinct students with records, as the queries count them: the sample's sections
        # also list an id with no user record)
        assert n == len({u for u in G.roster.sections[sec].students or ()
                         if u in users and users[u].roles.student is not None})
    assert sum(secs.to_list("students")) < sum(
        len(G.neighbors(s, "enrolled_in", reverse=True)) for s in secs.to_list("section"))
    named = list_records(G, "sections", name="ALGEBRA")
    assert len(named) and all("algebra" in n.lower() for n in named.to_list("name"))
    schools = list_records(G, "schools")
    assert schools.to_list("name") == [G.roster.schools[s].name for s in schools.to_list("school")]
    assert sum(schools.to_list("sections")) <= len(G.roster.sections)


def test_list_redacted_shows_no_names() -> None:
    """`list students --privacy redacted` replaces every student's name."""
    out = run("list", "students", "--sample", "--privacy", "redacted", "--format", "json")
    rows = orjson.loads(out.stdout)
    assert rows and {r["user_name"] for r in rows} == {"[redacted]"}


def test_options_between_positional_arguments(tmp_path: Path) -> None:
    """`convert SOURCE --to F OUTPUT` and `batch A --steps S B` read as written: options may
    come between the positional arguments (argparse alone takes the first path for the
    output and refuses the second as unrecognized)."""
    src = tmp_path / "src"
    rostergraph.write_clever_json(rostergraph.sample(), src, jsonl=True)
    out_dir = tmp_path / "out"
    out = run("convert", str(src), "--to", "oneroster", "--quiet", str(out_dir))
    assert out.returncode == 0, out.stderr
    assert (out_dir / "users.csv").exists()
    assert len(rostergraph.load(out_dir).users) == len(rostergraph.sample().users)
    dup = tmp_path / "src2"
    rostergraph.write_clever_json(rostergraph.sample(), dup, jsonl=True)
    both = run("batch", str(src), "--steps", "summary", str(dup), "-o", str(tmp_path / "b"))
    assert both.returncode in (0, 1), both.stderr
    assert "unrecognized" not in both.stderr
    # a stray word is still refused, with the command's own message
    stray = run("convert", str(src), "--to", "oneroster", str(out_dir), "extra")
    assert stray.returncode == 2 and "unrecognized arguments: extra" in stray.stderr


def test_dash_output_is_standard_output(tmp_path: Path) -> None:
    """`-o -` writes to standard output (report, validate, diff), not to a file named '-'."""
    src = tmp_path / "src"
    rostergraph.write_clever_json(rostergraph.sample(), src, jsonl=True)
    cases = ((["report", "--sample", "-o", "-"], "# "),
             (["validate", "--sample", "--format", "json", "-o", "-"], '"schema_version"'),
             (["diff", str(src), str(src), "-o", "-", "--format", "json"], '"summary"'))
    root = str(Path(__file__).resolve().parents[1])  # (this package, run from tmp_path)
    env = {**os.environ, "PYTHONPATH": root}
    for args, start in cases:
        out = subprocess.run([sys.executable, "-m", "rostergraph", *args, "--quiet"],
                             capture_output=True, text=True, timeout=300, check=False,
                             cwd=tmp_path, env=env)
        assert out.returncode in (0, 1), (args, out.stderr)
        assert start in out.stdout, args
        assert "wrote" not in out.stderr, args
        assert not (tmp_path / "-").exists(), args


def test_choices_in_other_cases(tmp_path: Path) -> None:
    """`--format JSON`, `--to OneRoster`, `--fail-on Warning`: a choice typed in other cases
    is that choice (it was refused as an invalid choice, without a suggestion)."""
    out = run("summary", "--sample", "--format", "JSON")
    assert out.returncode == 0, out.stderr
    assert orjson.loads(out.stdout)["format"] == "clever-json"
    conv = run("convert", "--sample", str(tmp_path / "or"), "--to", "OneRoster", "--quiet")
    assert conv.returncode == 0, conv.stderr
    assert (tmp_path / "or" / "manifest.csv").exists()
    val = run("validate", "--sample", "--fail-on", "NEVER", "--format=Markdown", "--quiet")
    assert val.returncode == 0 and val.stdout.startswith("#"), val.stderr
    wrong = run("summary", "--sample", "--format", "JSN")
    assert wrong.returncode == 2 and "did you mean 'json'?" in wrong.stderr


def test_options_before_the_command_name() -> None:
    """`rostergraph query --sample orphans` and `rostergraph --quiet summary --sample`: an
    option of the command typed before its name is taken as the command's (it was refused
    as "unrecognized arguments: --sample; did you mean --sample?")."""
    out = run("query", "--sample", "orphans", "--format=json", "--no-labels")
    assert out.returncode == 0, out.stderr
    assert orjson.loads(out.stdout) == rostergraph.orphaned_users(G).to_dicts()
    top = run("--quiet", "summary", "--format=json", "--sample")
    assert top.returncode == 0, top.stderr
    assert orjson.loads(top.stdout)["format"] == "clever-json"
    # an option no parser on the way has is still refused, with no suggestion of itself
    bad = run("query", "--no-such", "orphans", "--sample")
    assert bad.returncode == 2 and "unrecognized arguments: --no-such" in bad.stderr
    assert "did you mean --no-such" not in bad.stderr


def test_a_tilde_the_shell_left_is_the_home_folder(tmp_path: Path) -> None:
    """`--output=~/r.md` or `--pseudonym-key-file=~/key` (a `~` after `=` the shell does not
    expand): the home folder, not a folder named `~` ("the folder does not exist")."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "key").write_text("0123456789abcdef0123456789abcdef")
    rostergraph.write_clever_json(rostergraph.sample(), home / "dump", jsonl=True)
    env = {**os.environ, "HOME": str(home)}
    out = run("report", "~/dump", "--output=~/r.md", "--quiet", "--privacy=pseudonymized",
              "--pseudonym-key-file=~/key", env=env)
    assert out.returncode == 0, out.stderr
    assert (home / "r.md").read_text().startswith("# ")
    assert "random key" not in out.stderr  # (the key file was read)


def test_an_unknown_id_points_at_the_list_command() -> None:
    """`query students-of --teacher "Ms. Rivera"` (a name where the id goes), `list students
    --school "Larkspur"`: the error says which `rostergraph list` shows the ids."""
    for args, hint in ((["query", "students-of", "--sample", "--teacher", "Ms. Rivera"],
                        "rostergraph list teachers|students --name TEXT"),
                       (["list", "students", "--sample", "--school", "Larkspur"],
                        "rostergraph list schools --name TEXT"),
                       (["query", "why", "--sample", "--teacher", "5f7a7ea00000000000000004",
                         "--student", "nobody"],
                        "rostergraph list teachers|students --name TEXT")):
        out = run(*args)
        assert out.returncode == 2, out.stderr
        assert "unknown id" in out.stderr and hint in out.stderr, (args, out.stderr)
        assert len(out.stderr.strip().splitlines()) == 1


def test_convert_and_diff_take_the_zip_limit_their_error_names(tmp_path: Path) -> None:
    """A zip over the inflate limit says "--max-inflated-mib 2048", but `convert` and `diff`
    refused that option as unrecognized: a large district's OneRoster zip could not be
    converted or compared from the command line. Both take it now."""
    import zipfile

    from rostergraph.io.write_oneroster import write_oneroster

    z = tmp_path / "or.zip"
    write_oneroster(rostergraph.sample(), z)
    with zipfile.ZipFile(z, "a") as zf:
        zf.writestr("notes.txt", b"\0" * (2 << 20))  # (2 MiB inflated)
    small = run("convert", str(z), str(tmp_path / "j"), "--to", "clever-json",
                "--max-inflated-mib", "1")
    assert small.returncode == 2 and "--max-inflated-mib" in small.stderr
    assert "unrecognized" not in small.stderr and not (tmp_path / "j").exists()
    ok = run("convert", str(z), str(tmp_path / "j"), "--to", "clever-json",
             "--max-inflated-mib", "3", "--quiet")
    assert ok.returncode == 0, ok.stderr
    d = run("diff", str(z), str(tmp_path / "j"), "--max-inflated-mib", "1", "--quiet")
    assert d.returncode == 2 and "unrecognized" not in d.stderr and "inflate" in d.stderr
    assert run("diff", str(z), str(tmp_path / "j"), "--max-inflated-mib", "3",
               "--quiet").returncode in (0, 1)


def test_a_mistyped_required_option_gets_its_suggestion() -> None:
    """`convert SRC --too oneroster OUT`: argparse reports the missing `--to` first; the
    message now adds the near miss it was typed as."""
    out = run("convert", "--sample", "--too", "oneroster", "out")
    assert out.returncode == 2
    assert "required: --to" in out.stderr and "did you mean --to?" in out.stderr
    out = run("query", "reach", "--sample", "--techer", "x")
    assert "did you mean --teacher?" in out.stderr
