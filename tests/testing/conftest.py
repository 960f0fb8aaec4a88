"""The testing kit's tests share the connector tests' secret-leak check."""

from __future__ import annotations

from connectors.conftest import (
    _secrets_never_leak,
    pytest_runtest_makereport,
    pytest_terminal_summary,
)

__all__ = ["_secrets_never_leak", "pytest_runtest_makereport", "pytest_terminal_summary"]
