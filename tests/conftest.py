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

from rostergraph.io import parked

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile("dev", max_examples=100, deadline=None,
                          suppress_health_check=_SLOW_OK)
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=_SLOW_OK)
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=_SLOW_OK)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _users_parked_at_every_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CSV readers park every user dict they are not using as text at each row: what
    a large district's load does to all but the newest few thousand. The small files of
    the tests then take that path too (with the default bound they would never park)."""
    monkeypatch.setattr(parked, "LIVE_MAX", 1)
