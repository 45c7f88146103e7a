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

from hypothesis import HealthCheck, settings

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile("dev", max_examples=100, deadline=None,
                          suppress_health_check=_SLOW_OK)
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=_SLOW_OK)
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=_SLOW_OK)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
