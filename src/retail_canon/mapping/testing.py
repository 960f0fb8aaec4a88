"""pytest support for mapping golden files: a helper and a fixture.

Use the fixture in a test::

    from retail_canon.mapping import load_mapping

    def test_marketplace_goldens(mapping_goldens):
        mapper = load_mapping("mappings/marketplace.json")
        mapping_goldens(mapper, "tests/samples/marketplace", "tests/goldens/marketplace")

and make it (and the ``--update-goldens`` option) available by registering the plugin in
the top-level ``conftest.py``::

    pytest_plugins = ["retail_canon.mapping.pytest_plugin"]

``pytest --update-goldens`` then rewrites the golden files instead of failing; so does the
environment variable ``RETAIL_CANON_UPDATE_GOLDENS=1`` where the option is not registered.
Outside pytest, call `retail_canon.mapping.check_goldens` directly. Importing this module
(or the plugin) loads pytest only; the mapping machinery loads when a check runs.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pathlib import Path

    from retail_canon.mapping._golden import GoldenReport
    from retail_canon.mapping._mapper import Mapper

__all__ = ["UPDATE_ENV", "GoldenChecker", "mapping_goldens"]

UPDATE_ENV = "RETAIL_CANON_UPDATE_GOLDENS"
"""Set to ``1`` to update golden files where the pytest option is not registered."""


class GoldenChecker:
    """`check_goldens` with the ``update`` flag taken from the pytest run."""

    def __init__(self, update: bool) -> None:
        self.update = update

    def __call__(
        self, mapper: Mapper[Any], samples: str | Path, goldens: str | Path
    ) -> GoldenReport:
        """Check (or, with ``--update-goldens``, rewrite) the goldens of ``samples``."""
        from retail_canon.mapping._golden import check_goldens

        return check_goldens(mapper, samples, goldens, update=self.update)


@pytest.fixture
def mapping_goldens(request: pytest.FixtureRequest) -> GoldenChecker:
    """A `GoldenChecker` honouring ``--update-goldens`` and ``RETAIL_CANON_UPDATE_GOLDENS``."""
    option = bool(request.config.getoption("update_goldens", default=False))
    return GoldenChecker(option or os.environ.get(UPDATE_ENV) == "1")
