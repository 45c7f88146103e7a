"""Every example printed by every `--help` runs: against --sample, or against folders made from it.

The examples are read from the real parser tree (every command and subcommand). Paths the
examples name (``./dump``, ``old/``, ``./districts``, ...) are made from the embedded sample
in a scratch folder; ``fetch`` and ``sync`` examples run against the fake Clever API on
127.0.0.1 (``--base-url`` added, tokens from the environment and a token file). An example
may exit 1 (findings, a sync hold, a dropped field: documented exit statuses) but never 2 or
with a traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rostergraph
from rostergraph.cli import build_parser

from .fake_clever import FakeClever, make_district
from .fake_oneroster import FakeOneRoster, csv_to_rest

TOKEN = "example-token-0123456789"
OR_SECRET = "example-or-secret-0123456789"
#: the OneRoster address the help's examples name (a fake server stands in for it)
_OR_EXAMPLE_URL = "https://sis.example.org/ims/oneroster/v1p1"
ROOT = Path(__file__).resolve().parents[1]


def _parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    out = []

    def walk(p: argparse.ArgumentParser, name: str) -> None:
        out.append((name, p))
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction):
                for n, sp in a.choices.items():
                    walk(sp, f"{name} {n}")

    walk(build_parser(), "rostergraph")
    return out


def examples() -> list[tuple[str, str]]:
    """(parser name, command line) for every example line of every help epilog."""
    found = []
    for name, p in _parsers():
        for line in (p.epilog or "").splitlines():
            line = line.strip()
            if line.startswith("rostergraph "):
                found.append((name, re.split(r"\s{2,}#", line)[0].strip()))
    return found


def test_every_command_has_runnable_examples() -> None:
    """Each command's help has at least one example, and every example names a real command."""
    ex = examples()
    commands = {n.split()[1] for n, _ in _parsers() if len(n.split()) == 2}
    assert commands <= {n.split()[1] for n, _ in ex}, commands - {n.split()[1] for n, _ in ex}
    assert len(ex) >= 30
    for _, line in ex:
        assert line.split()[1] in commands, line


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding every path the examples name, made from the sample."""
    base = tmp_path_factory.mktemp("examples")
    dump = base / "dump"
    rostergraph.convert(rostergraph.sample_path(), dump, to="clever-jsonl")
    for name in ("clever-dump", "sync-monday", "sync-tuesday", "old", "new", "d1", "d2",
                 "districts/north", "districts/south"):
        shutil.copytree(dump, base / name)
    rostergraph.convert(rostergraph.sample_path(), base / "d3.zip", to="oneroster")
    rostergraph.write_oneroster(rostergraph.sample(), base / "or-csv")  # served by a fake
    shim = base / "bin" / "rostergraph"
    shim.parent.mkdir()
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m rostergraph \"$@\"\n")
    shim.chmod(0o755)
    (base / ".clever-token").write_text(TOKEN + "\n")
    return base


def _env(base: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PATH=f"{base / 'bin'}{os.pathsep}{env.get('PATH', '')}", HOME=str(base),
               CLEVER_TOKEN=TOKEN, MY_DISTRICT_TOKEN=TOKEN, NO_COLOR="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]))
    return env


@pytest.mark.parametrize("parser_name", sorted({n for n, _ in examples()}))
def test_help_examples_run(parser_name: str, scratch: Path, tmp_path: Path) -> None:
    """Each example of this help runs in a fresh copy of the scratch folder and exits 0 or 1."""
    work = tmp_path / "work"
    shutil.copytree(scratch, work, symlinks=True)
    lines = [line for n, line in examples() if n == parser_name]
    with FakeClever(make_district(seed=3), token=TOKEN) as srv:
        if parser_name.endswith(" sync"):  # a dump fetched from the API, to sync
            shutil.rmtree(work / "dump")
            prep = subprocess.run(["rostergraph", "fetch", "--out", "./dump", "--quiet",
                                   "--base-url", srv.base_url], cwd=work, env=_env(work),
                                  capture_output=True, text=True, timeout=300, check=False)
            assert prep.returncode == 0, prep.stderr
        if parser_name.endswith(" fetch"):
            shutil.rmtree(work / "dump")
        for line in lines:
            cmd, env = line, _env(work)
            if "--oneroster" in line:  # a fake OneRoster server on 127.0.0.1 instead
                with FakeOneRoster(csv_to_rest(work / "or-csv", "1.1"),
                                   client_secret=OR_SECRET) as ors:
                    cmd = line.replace(_OR_EXAMPLE_URL, ors.base_url)
                    env.update(ONEROSTER_CLIENT_ID=ors.client_id, ONEROSTER_CLIENT_SECRET=OR_SECRET,
                               ONEROSTER_TOKEN_URL=ors.token_url)
                    if line.split()[1] == "sync":  # the dump it syncs, fetched first
                        prep = subprocess.run(
                            ["rostergraph", "fetch", "--oneroster", ors.base_url, "--out",
                             line.split()[2], "--quiet"], cwd=work, env=env,
                            capture_output=True, text=True, timeout=300, check=False)
                        assert prep.returncode == 0, prep.stderr
                    out = subprocess.run(["bash", "-c", cmd], cwd=work, env=env,
                                         capture_output=True, text=True, timeout=300,
                                         check=False)
            else:
                if line.split()[1] in ("fetch", "sync"):  # the API address is never a dump's
                    cmd += f" --base-url {srv.base_url}"
                out = subprocess.run(["bash", "-c", cmd], cwd=work, env=env,
                                     capture_output=True, text=True, timeout=300, check=False)
            assert out.returncode in (0, 1), f"{line}\nexit {out.returncode}\n{out.stderr[-2000:]}"
            assert "Traceback" not in out.stderr, line
            assert "error:" not in out.stderr, f"{line}\n{out.stderr[-2000:]}"


def doc_command_lines() -> list[tuple[str, str]]:
    """(file:line, command) for every `rostergraph ...` line in a code block of the docs.

    Synopses (``[--limit N]``, ``text|json``) are left out: they are not commands.
    """
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        in_block = False
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith("```"):
                in_block = not in_block
                continue
            text = re.sub(r"^\$ ", "", line.strip())
            text = re.sub(r"^(\w+=\S+ )+", "", text)  # VAR=... before the command
            if not in_block or not text.startswith("rostergraph ") or re.search(r"[\[|]", text):
                continue
            text = re.split(r"\s+#|\s*>", text)[0].strip()  # a comment, a redirection
            found.append((f"{path.name}:{n}", text))
    return found


def test_doc_command_lines_parse() -> None:
    """Every command line the docs show names options and choices the parser has."""
    lines = doc_command_lines()
    assert len(lines) >= 60
    bad = []
    for where, text in lines:
        argv = text.split()[1:]
        try:
            build_parser().parse_args(argv)
        except SystemExit as exc:
            if exc.code:
                bad.append(f"{where}: {text}")
    assert bad == []
