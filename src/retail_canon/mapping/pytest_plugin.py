"""The pytest plugin of the mapping toolkit: ``--update-goldens`` and the goldens fixture.

Register it in the top-level ``conftest.py``::

    pytest_plugins = ["retail_canon.mapping.pytest_plugin"]

or through the ``pytest11`` entry point of a package. If another plugin already added
``--update-goldens`` (with the same ``update_goldens`` destination), that option is
shared rather than added twice.
"""

from __future__ import annotations

import contextlib

import pytest

from retail_canon.mapping.testing import mapping_goldens

__all__ = ["mapping_goldens", "pytest_addoption"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--update-goldens``."""
    group = parser.getgroup("retail_canon", "retail_canon")
    # Another retail_canon plugin may have added it to this group already: share it.
    with contextlib.suppress(ValueError):
        group.addoption(
            "--update-goldens",
            action="store_true",
            default=False,
            dest="update_goldens",
            help="rewrite golden files with the current output instead of comparing",
        )
