"""`.ci/run` runs the README's test command, with the parallel runner the test extras
install: what a new user types is what CI checks."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_test_command() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)\n```", text, flags=re.DOTALL)
    tests = [b for b in blocks if "pytest" in b]
    assert len(tests) == 1, tests
    return tests[0].split(" && ", 2)[-1]  # (after making and entering the venv)


def test_ci_runs_the_readme_test_command() -> None:
    command = _readme_test_command()
    assert command.startswith('pip install -e ".[test]" && pytest')
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in lines


def test_the_parallel_runner_is_a_test_extra() -> None:
    command = _readme_test_command()
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["optional-dependencies"]["test"]
    if " -n " in command:  # (pytest-xdist's option: without it, pytest stops at usage)
        assert any(req.startswith("pytest-xdist") for req in extras)
