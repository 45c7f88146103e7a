"""Determinism: the same input gives byte-identical reports and exports under any hash seed."""

from __future__ import annotations

import difflib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parent.parent

# Users, sections and schools with hostile text, written in a shuffled order
# (hash-seed dependent set iteration would show up as reordered output).
_USERS = [{"id": f"u{i}", "name": {"first": f"=cmd{i}", "last": "<b>x</b>"},
           "roles": {"student": {"school": "sc1", "schools": ["sc1", "sc2"]}} if i % 3 else
           {"teacher": {"school": "sc2", "schools": ["sc2", "sc1"]}}} for i in range(30, 0, -1)]
_SECTIONS = [{"id": f"se{i}", "school": "sc1" if i % 2 else "sc2", "teacher": f"u{3 * i}",
              "teachers": [f"u{3 * i}", "u3"], "students": [f"u{j}" for j in range(1, 30)
                                                            if j % (i + 1)]}
             for i in range(8, 0, -1)]
_SCHOOLS = [{"id": "sc2", "name": "-South"}, {"id": "sc1", "name": "@North\u0000"}]


def _district(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for kind, recs in (("users", _USERS), ("sections", _SECTIONS), ("schools", _SCHOOLS)):
        (folder / f"{kind}.jsonl").write_bytes(b"\n".join(orjson.dumps(r) for r in recs)
                                               + b"\n{broken\n")
    return folder


_DRIVER = """
import contextlib, io, json, sys
from rostergraph.cli import main
out = {}
for args in json.loads(sys.argv[1]):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(args)
    out[" ".join(args)] = [code, buf.getvalue()]
sys.stdout.write(json.dumps(out))
"""


def _run_all(commands: list[list[str]], seed: str, cwd: Path,
             **extra_env: str) -> dict[str, list[object]]:
    """Run CLI commands in one fresh interpreter with the given hash seed."""
    env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT), **extra_env)
    p = subprocess.run([sys.executable, "-c", _DRIVER, json.dumps(commands)], env=env,
                       cwd=cwd, capture_output=True, timeout=300, check=False)
    assert p.returncode == 0, p.stderr.decode()[-2000:]
    return json.loads(p.stdout)


# Wall-clock facts a report states on purpose (when it was loaded, how long it took);
# everything else must be byte-identical.
_CLOCK = re.compile(rb'("(?:loaded_at|load_seconds|seconds)": ?)("[^"]*"|[0-9.e-]+)'
                    rb"|(loaded at: )[^\n]*|(Generated )[^<]*|( rules in )[0-9.]+ s")


def _no_clock(out: bytes) -> bytes:
    def keep_label(m: re.Match[bytes]) -> bytes:
        label = next(g for i, g in enumerate(m.groups()) if g is not None and i != 1)
        return label + b"<clock>"

    return _CLOCK.sub(keep_label, out)


def _have(command: str) -> bool:
    from rostergraph.cli import build_parser

    return command in build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]


CASES = [
    ["summary", "{src}", "--format", "json"],
    ["validate", "{src}", "--format", "json"],
    ["report", "{src}", "--format", "json"],
    ["report", "{src}", "--format", "markdown"],
    ["query", "reach", "{src}", "--format", "csv"],
    ["query", "orphans", "{src}", "--format", "json"],
    ["query", "cross-school", "{src}", "--format", "csv"],
]


def test_cli_output_is_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    """Reports, findings, queries and exports: the same bytes under PYTHONHASHSEED 0 and 4242."""
    for case in CASES:
        assert _have(case[0]), f"command {case[0]!r} is missing from the CLI"
    src = _district(tmp_path / "d")
    runs = []
    for seed in ("0", "4242"):
        commands = [[a.replace("{src}", str(src)) for a in case] for case in CASES]
        commands += [["convert", str(src), str(tmp_path / f"{to}-{seed}"), "--to", to]
                     for to in ("oneroster", "clever-csv", "clever-jsonl")]
        outs = _run_all(commands, seed, tmp_path)
        # strip the per-seed output folder suffix only (a bare "-0" also occurs in rule ids)
        folder = re.compile(rf"(oneroster|clever-csv|clever-jsonl)-{seed}\b")
        texts = {folder.sub(r"\1", k): [code, _no_clock(folder.sub(r"\1", text).encode())]
                 for k, (code, text) in outs.items()}
        for to in ("oneroster", "clever-csv", "clever-jsonl"):
            out = tmp_path / f"{to}-{seed}"
            texts.update({f"{to}/{p.relative_to(out)}": [0, p.read_bytes()]
                          for p in sorted(out.rglob("*")) if p.is_file()})
        runs.append(texts)
    for key, (code, text) in runs[0].items():
        assert code in (0, 1), key
        assert text or "/" in key, f"{key}: no output"  # exported files may be empty
    assert runs[0].keys() == runs[1].keys()
    for key in runs[0]:
        a, b = runs[0][key][1], runs[1][key][1]
        if a != b:
            diff = difflib.unified_diff(a.decode(errors="replace").splitlines(),
                                        b.decode(errors="replace").splitlines(), lineterm="", n=1)
            pytest.fail(f"{key} differs between hash seeds:\n" + "\n".join(list(diff)[:30]))


def test_source_date_epoch_makes_reports_byte_identical(tmp_path: Path) -> None:
    """With $SOURCE_DATE_EPOCH set, reports state that time and zero durations, so two
    runs (other hash seeds, other moments) give the same bytes, clock fields included."""
    src = _district(tmp_path / "d")
    runs = []
    for seed in ("1", "77"):
        html = tmp_path / f"report-{seed}.html"
        commands = [["report", str(src), "--format", "json"],
                    ["report", str(src), "--format", "markdown"],
                    ["validate", str(src), "--format", "json"],
                    ["report", str(src), "--format", "html", "-o", str(html)]]
        outs = _run_all(commands, seed, tmp_path, SOURCE_DATE_EPOCH="1700000000")
        runs.append({k.replace(f"report-{seed}", "report"): text
                     for k, (_code, text) in outs.items()} | {"html": html.read_text()})
    assert runs[0] == runs[1]
    report = json.loads(runs[0][f"report {src} --format json"])
    assert report["provenance"]["loaded_at"] == "2023-11-14T22:13:20Z"
    assert report["provenance"]["load_seconds"] == 0 and report["validation"]["seconds"] == 0
    assert "Generated 2023-11-14 22:13:20 UTC" in runs[0]["html"]
