"""Shared test configuration: hypothesis profiles, and the throwaway PostgreSQL cluster.

``ci`` (the default) keeps the whole suite fast on a small runner; pick another profile
with ``HYPOTHESIS_PROFILE=dev`` (more examples) or ``HYPOTHESIS_PROFILE=thorough``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from _postgres import PgCluster, start_cluster

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "dev",
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A real PostgreSQL server for the session (see ``tests/_postgres.py``)."""
    yield from start_cluster()
