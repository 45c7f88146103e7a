"""Settings for every test and doctest (``tests/`` and the package's own doctests).

The command line keeps a warm snapshot of each roster it loads, and snapshots
hold student records: no test may write one into the real user cache folder, so
each test gets its own empty ``$ROSTERGRAPH_CACHE_DIR``.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point ``$ROSTERGRAPH_CACHE_DIR`` at a fresh folder for this test."""
    path = tmp_path_factory.mktemp("rostergraph-cache")
    monkeypatch.setenv("ROSTERGRAPH_CACHE_DIR", str(path))
    return path
