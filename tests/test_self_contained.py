"""The repository stands alone: no file cites documents, work sessions or tickets outside it.

Every text file of the project (package, tests, docs, notebooks, benchmarks, README,
CHANGELOG, CI scripts) is scanned for references a reader of the repository cannot follow:
an internal design document and its numbered sections, a sibling ``shared`` folder, internal
work sessions or rounds, bare ticket or issue numbers, and absolute paths of one machine.
Public sources are cited by title and URL instead; a GitHub reference qualified by its
repository (``owner/repo#123``) is a public citation and allowed.

The patterns are assembled from pieces so this file does not match itself.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Suffixes of the text files scanned (data payloads under tests/data are skipped by suffix).
SUFFIXES = {".py", ".md", ".ipynb", ".toml", ".cfg", ".txt", ".yml", ".yaml", ".sh", ".rst",
            ".html", ".css"}
SKIP_DIRS = {".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "build",
             "dist", ".venv", "venv", "bench-data", "node_modules", ".ipynb_checkpoints"}

_SEC = "\u00a7"
PATTERNS: dict[str, re.Pattern[str]] = {
    "internal design document": re.compile(r"\b" + "DES" + r"IGN\b"),
    "section sign": re.compile(_SEC),
    "shared folder": re.compile("sha" + r"red/"),
    "work session": re.compile(r"\b[Ss]" + r"essions? \d"),
    "work round": re.compile(r"\b[Rr]" + r"ounds? \d"),
    "ticket or issue number": re.compile(
        r"\b(?:[Ii]ss" + r"ues?|[Tt]ick" + r"ets?)\s+#?\d+|(?<![\w/.&-])#\d{1,5}(?=[\s).,:]|$)"),
    "absolute path": re.compile("/wo" + "rk/|/ho" + "me/|/Us" + "ers/[a-z]"),
}


def _files() -> list[Path]:
    out = []
    for p in ROOT.rglob("*"):
        rel = p.relative_to(ROOT)
        if any(part in SKIP_DIRS or part.endswith(".egg-info") or part.startswith((".venv", "venv"))
               for part in rel.parts):  # (.venv-ci: the environment .ci/run makes here)
            continue
        if p.is_file() and (p.suffix in SUFFIXES or rel.parts[0] == ".ci"):
            out.append(p)
    return sorted(out)


def scan(text: str) -> list[tuple[int, str]]:
    """(line number, kind) for every reference ``text`` makes outside the repository."""
    hits = []
    for n, line in enumerate(text.splitlines(), 1):
        for kind, pat in PATTERNS.items():
            if pat.search(line):
                hits.append((n, kind))
    return hits


def test_patterns_catch_each_kind():
    """Each pattern finds the reference it is for and leaves ordinary text alone."""
    bad = ["see " + "DES" + "IGN " + _SEC + "5", "sha" + "red/seed/x.txt",
           "in s" + "ession 3", "r" + "ound 2 of review", "fixes " + "#" + "12", "(" + "#" + "7)",
           "iss" + "ue 8", "/ho" + "me/me/x", "/wo" + "rk/main"]
    for text in bad:
        assert scan(text), text
    good = ["round(x, 2)", "a round trip", "color: #1f77b4;", 'color="#555")', "Ed-Fi/LMS-Toolkit#387",
            "shared by two users", "&#39;", "the design of the graph"]
    for text in good:
        assert not scan(text), text


def test_no_file_cites_outside_the_repository():
    """No scanned file names an internal document, session, ticket or absolute path (file:line)."""
    files = _files()
    assert len(files) > 50  # the scan really walked the tree
    assert any(f.name == "README.md" for f in files) and any(f.suffix == ".ipynb" for f in files)
    hits = []
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for n, kind in scan(text):
            hits.append(f"{f.relative_to(ROOT)}:{n}: {kind}")
    assert not hits, "references outside the repository:\n" + "\n".join(hits)
