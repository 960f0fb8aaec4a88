"""Fixtures: a fresh `Batch` per marketplace style (see ``builders.py``)."""

from __future__ import annotations

import pytest

from settlement.builders import STYLES, Batch


@pytest.fixture(params=sorted(STYLES))
def vendor(request: pytest.FixtureRequest) -> Batch:
    """A fresh batch in each marketplace's style."""
    return Batch(STYLES[request.param])


@pytest.fixture
def amazon() -> Batch:
    return Batch(STYLES["amazon"])
