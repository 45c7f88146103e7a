"""The command line's warm snapshot: on by default, the same bytes as a cold load,
said once on stderr, private on disk, and ``rostergraph cache clear``."""

from __future__ import annotations

import contextlib
import io
import os
import stat
from pathlib import Path

import pytest

from rostergraph.cache import cache_dir
from rostergraph.cli import main
from rostergraph.synth import write_district

WARM = "loaded from the warm snapshot of"


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def _snapshots(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "meta.json").is_file()) \
        if root.is_dir() else []


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic district (every documented quirk at a low rate) as JSON Lines."""
    return Path(write_district(tmp_path_factory.mktemp("d"), "S", seed=3))


def test_tests_never_write_the_real_user_cache(_private_cache_dir: Path) -> None:
    """The suite's autouse fixture points the snapshots at a per-test folder."""
    assert cache_dir() == _private_cache_dir
    assert Path(os.path.expanduser("~")) not in cache_dir().parents


def test_cold_and_warm_runs_print_the_same_bytes(district: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports (JSON, Markdown, HTML), findings, query tables and lists: byte-identical
    read from the files (--no-cache) and from the warm snapshot."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the load time is a stated fact
    src = str(district)
    cases = [["summary", src, "--format", "json"],
             ["validate", src, "--format", "json"],
             ["validate", src],
             ["report", src, "--format", "json"],
             ["report", src, "--format", "markdown"],
             ["report", src, "-o", "{out}/report.html"],
             ["query", "reach", src, "--format", "csv"],
             ["query", "orphans", src, "--format", "json"],
             ["query", "cross-school", src, "--flow"],
             ["list", "students", src, "--format", "csv", "--privacy", "redacted"]]

    def outputs(mode: str, *extra: str) -> list[tuple[int, str, str]]:
        folder = tmp_path / mode
        folder.mkdir()
        got = []
        for case in cases:
            code, out, err = _run(*[a.replace("{out}", str(folder)) for a in case], *extra)
            files = "".join(p.read_text() for p in sorted(folder.iterdir()))
            got.append((code, out, files))
            assert (WARM in err) == (mode == "warm"), (mode, case, err)
        return got

    cold = outputs("cold", "--no-cache")
    assert _snapshots(cache_dir()) == []           # --no-cache writes no snapshot either
    _run("summary", src)                             # the first default run writes it
    assert len(_snapshots(cache_dir())) == 1
    warm = outputs("warm")
    assert all(out for _code, out, _files in cold[:5])
    for case, c, w in zip(cases, cold, warm, strict=True):
        assert c == w, f"{' '.join(case)} differs warm and cold"
    assert "from cache" not in "".join(out + files for _code, out, files in warm)


def test_warm_note_once_on_stderr_and_not_when_quiet(district: Path) -> None:
    """A warm load says so in one line on stderr, naming the source and --no-cache;
    --quiet says nothing."""
    _run("summary", str(district))
    code, _out, err = _run("summary", str(district))
    assert code == 0
    assert err.count(WARM) == 1
    assert str(district) in err and "--no-cache" in err
    code, _out, err = _run("summary", str(district), "--quiet")
    assert code == 0 and err == ""


def test_diff_uses_a_snapshot_per_source(district: Path, tmp_path: Path) -> None:
    """diff loads both sides through their snapshots, with one note for each."""
    other = Path(write_district(tmp_path / "other", "S", seed=4))
    first = _run("diff", str(district), str(other), "--format", "json")
    assert WARM not in first[2] and len(_snapshots(cache_dir())) == 2
    second = _run("diff", str(district), str(other), "--format", "json")
    assert second[2].count(WARM) == 2
    assert second[:2] == first[:2]


def test_snapshots_are_private_whatever_the_umask(district: Path) -> None:
    """The cache folder and snapshot folders are 0700, every file 0600, even under umask 022."""
    old = os.umask(0o022)
    try:
        _run("summary", str(district), "--quiet")
    finally:
        os.umask(old)
    root = cache_dir()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    (entry,) = _snapshots(root)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o700
    modes = {stat.S_IMODE(f.stat().st_mode) for f in entry.iterdir()}
    assert modes == {0o600}


def test_a_shared_cache_folder_is_made_private(district: Path) -> None:
    """An existing cache folder others could read becomes owner-only on the next snapshot."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    _run("summary", str(district), "--quiet")
    assert stat.S_IMODE(root.stat().st_mode) == 0o700


def test_sample_and_no_cache_write_no_snapshot(district: Path) -> None:
    """The embedded sample and --no-cache runs leave the cache folder without snapshots."""
    assert _run("summary", "--sample")[0] == 0
    assert _run("validate", str(district), "--no-cache", "--format", "json")[0] in (0, 1)
    assert _snapshots(cache_dir()) == []


def test_cache_clear_removes_snapshots_only(district: Path) -> None:
    """`cache info` counts the snapshots; `cache clear` removes them and nothing else
    in the folder (which $ROSTERGRAPH_CACHE_DIR may point anywhere)."""
    _run("summary", str(district), "--quiet")
    root = cache_dir()
    keep = root / "notes.txt"
    keep.write_text("not a snapshot")
    (root / "0123").mkdir()
    # (named as a snapshot, but no snapshot: a user's folder of that name, one with a
    # file of another name, a link to a folder)
    (root / ("a" * 32)).mkdir()
    (root / ("b" * 32)).mkdir()
    (root / ("b" * 32) / "meta.json").write_text("{}")
    (root / ("b" * 32) / "thesis.docx").write_text("mine")
    (root / ("c" * 32)).symlink_to(root / "0123")
    code, out, _err = _run("cache", "info")
    assert code == 0 and "1 snapshot," in out and str(root) in out
    code, out, _err = _run("cache", "clear")
    assert code == 0 and out.startswith("removed 1 snapshot ")
    assert _snapshots(root) == [root / ("b" * 32)]  # (not a snapshot: left alone)
    assert keep.read_text() == "not a snapshot" and (root / "0123").is_dir()
    assert (root / ("b" * 32) / "thesis.docx").is_file() and (root / ("a" * 32)).is_dir()
    assert (root / ("c" * 32)).is_symlink()
    assert "0 snapshots" in _run("cache", "info")[1]


@pytest.mark.parametrize("to, name", [("oneroster", "or.zip"), ("clever-csv", "sftp")])
def test_zip_and_csv_sources_are_the_same_warm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               to: str, name: str) -> None:
    """A OneRoster zip and a Clever SFTP CSV folder (records kept in the snapshot, not
    read from the source text) give the same report and query bytes warm as cold."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    src = str(tmp_path / name)
    assert _run("convert", "--sample", src, "--to", to, "--quiet")[0] == 0
    cases = [["report", src, "--format", "json"], ["query", "reach", src, "--format", "csv"],
             ["list", "sections", src, "--format", "json"]]
    cold = [_run(*c, "--no-cache")[:2] for c in cases]
    _run("summary", src)
    warm = [_run(*c) for c in cases]
    assert all(WARM in err for _code, _out, err in warm)
    assert [w[:2] for w in warm] == cold
    assert len(cold[0][1]) > 1000


def test_warm_output_names_the_path_as_given(district: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A snapshot written for `d` and read for `./d/` names the source `./d/`, as a cold
    load does: the output does not depend on how the first run spelled the path."""
    monkeypatch.chdir(district.parent)
    _run("summary", district.name, "--quiet")
    spelled = f"./{district.name}/"
    code, warm, err = _run("summary", spelled, "--format", "json")
    assert code == 0 and WARM in err
    assert warm == _run("summary", spelled, "--format", "json", "--no-cache")[1]
    assert f'"source": "{spelled}"' in warm


def test_warm_note_on_a_terminal_is_printed_once_above_the_bar(district: Path,
                                                               tmp_path: Path) -> None:
    """On a terminal (progress bar drawn), a warm `report` prints the note once, whole."""
    from .test_cli_guide import run_tty

    env = {**os.environ, "NO_COLOR": "1"}
    code, _text = run_tty("summary", str(district), "--quiet", env=env)
    assert code == 0
    code, text = run_tty("report", str(district), "-o", str(tmp_path / "r.md"), env=env)
    assert code == 0
    line = f"rostergraph: loaded from the warm snapshot of {district} (rostergraph --no-cache"
    assert text.count(WARM) == 1 and line in text
    assert "report: " in text  # the bar's steps were drawn too


def test_help_names_every_default_place_of_the_snapshots(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The help that says where snapshots live names $XDG_CACHE_HOME, which the default uses."""
    from rostergraph.cli import build_parser
    from rostergraph.cli._common import NO_CACHE_HELP

    monkeypatch.delenv("ROSTERGRAPH_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "rostergraph"  # the place the help must name
    for text in (NO_CACHE_HELP, build_parser().epilog or ""):
        assert "$XDG_CACHE_HOME/rostergraph" in " ".join(text.split()), text


def test_a_cache_folder_that_is_a_file_is_said_once_on_stderr(district: Path,
                                                               tmp_path: Path) -> None:
    """``$ROSTERGRAPH_CACHE_DIR`` naming a file: the command runs (no snapshot) and says
    why on stderr, naming the file, rather than costing every later run silently."""
    import subprocess
    import sys

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    env = {**os.environ, "ROSTERGRAPH_CACHE_DIR": str(blocker)}
    out = subprocess.run([sys.executable, "-m", "rostergraph", "summary", str(district)],
                         capture_output=True, text=True, env=env, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    assert "records:" in out.stdout
    assert out.stderr.count("no warm snapshot kept") == 1
    assert str(blocker) in out.stderr and "Traceback" not in out.stderr
    assert blocker.read_text() == "x"
