"""Shared pytest configuration.

Hypothesis profiles (select with ``--hypothesis-profile=NAME``):

- ``dev`` (default locally): 100 examples per property;
- ``ci`` (chosen automatically when the ``CI`` environment variable is set):
  40 examples, no deadline, derandomized so CI runs are reproducible;
- ``long``: 2,000 examples per property, for a local fuzzing session,
  e.g. ``python -m pytest tests/test_fuzz_readers.py --hypothesis-profile=long``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from rostergraph.io import csv_arrow, csvutil, oneroster_usertext, parked

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile("dev", max_examples=100, deadline=None,
                          suppress_health_check=_SLOW_OK)
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=_SLOW_OK)
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=_SLOW_OK)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _large_file_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """The small files of the tests take the paths a large district's files take (with
    the default bounds they never would):

    - the CSV readers park every user dict they are not using as text at each row (a
      large district's load parks all but the newest few thousand), on shelves of 256
      bytes (32 MiB), so texts fill many shelves and shelves are let go; at the end, the
      shelves texts taken left sparse are tidied every two records (65,536);
    - a CSV file's cells are made into ``str`` objects three rows at a time (a large
      file's, 65,536 rows at a time), so rows cross slice boundaries;
    - pyarrow parses a CSV file 64 bytes at a time (a large file's, 16 MiB at a time), so
      files span blocks, and a row longer than a block takes the whole-file retry;
    - a folder's CSV file is parsed by pyarrow as it is read from disk, whatever its size
      (a file of 128 MiB or more), and the file's bytes read only when that declines;
    - the OneRoster readers hand every run of column-wise users by shape, however short
      (else a run of fewer than 64 goes as text, and a small test district has few
      longer ones)."""
    monkeypatch.setattr(parked, "LIVE_MAX", 1)
    monkeypatch.setattr(parked, "PARK_FROM", 0)
    monkeypatch.setattr(parked, "SHELF", 256)
    monkeypatch.setattr(parked, "TIDY_EVERY", 2)
    monkeypatch.setattr(csv_arrow, "ROWS_AT_ONCE", 3)
    monkeypatch.setattr(csv_arrow, "BLOCK", 64)
    monkeypatch.setattr(csvutil, "STREAM_FROM", 0)
    monkeypatch.setattr(oneroster_usertext, "SHAPED_FROM", 1)
