"""Static checks: mypy on the package and ruff on the package, tests and benchmarks are clean.

Both tools come from the ``test`` extra and read their settings from ``pyproject.toml``;
they run as subprocesses of this interpreter, from the project root.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)


def _assert_clean(proc: subprocess.CompletedProcess[str]) -> None:
    """Fail with the tool's own output (not a repr of the process) when it exits non-zero."""
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, proc.args[2:]))} exited {proc.returncode}:\n"
                    f"{proc.stdout}{proc.stderr}", pytrace=False)


def test_mypy_finds_no_errors_in_the_package() -> None:
    """`mypy rostergraph` exits 0 (no type errors in the package)."""
    _assert_clean(_run("mypy", "rostergraph"))


def test_ruff_finds_nothing_in_package_tests_and_benchmarks() -> None:
    """`ruff check rostergraph tests benchmarks` exits 0 (no lint findings)."""
    _assert_clean(_run("ruff", "check", "--output-format", "concise",
                       "rostergraph", "tests", "benchmarks"))
