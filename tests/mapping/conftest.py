"""Fixtures of the mapping tests: the worked example's mapping and samples.

The goldens fixture comes from the package, as users get it; the ``--update-goldens``
option needs the plugin registered at the top level (``retail_canon.mapping.pytest_plugin``),
and without it ``RETAIL_CANON_UPDATE_GOLDENS=1`` does the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from retail_canon.mapping import Mapper, load_mapping, load_samples
from retail_canon.mapping.testing import mapping_goldens  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "fjordline_market"


@pytest.fixture(scope="session")
def example_mapper() -> Mapper:
    return load_mapping(EXAMPLE / "mapping.json")


@pytest.fixture(scope="session")
def example_samples() -> list:
    return load_samples(EXAMPLE / "samples")
