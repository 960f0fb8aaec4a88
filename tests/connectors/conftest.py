"""Shared fixtures of the connector tests, and the secret-leak check of the whole run.

Every secret value in these tests starts with ``rc-test-secret-`` and every access token
the fakes issue with ``rc-fake-token-``. An autouse fixture captures every log record of
every test (all loggers, retail_canon's at DEBUG) and the exception of every failed test,
and fails the test if any of them holds such a value. The terminal summary reports how
much was scanned.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.helpers import demo_connector
from retail_canon.testing import DemoConnector, DemoVendorFake, FakeClock, SecretScanner

# A separate distribution, built and installed by test_registry.py: never import it here
# (``--doctest-modules`` would, and put its directory on sys.path).
collect_ignore = ["plugin_pkg"]

_totals = {"tests": 0, "scanned": 0, "leaks": 0}


@pytest.fixture(autouse=True)
def _secrets_never_leak() -> Iterator[SecretScanner]:
    scanner = SecretScanner()
    with scanner.capture():
        yield scanner
    _totals["tests"] += 1
    _totals["scanned"] += scanner.scanned
    _totals["leaks"] += len(scanner.leaks)
    if scanner.leaks:
        pytest.fail("secrets leaked: " + "; ".join(str(leak) for leak in scanner.leaks))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    if call.excinfo is not None:
        leaks = SecretScanner().scan_exception(call.excinfo.value, f"test {item.name}")
        if leaks:
            _totals["leaks"] += len(leaks)
            report.outcome = "failed"
            report.longrepr = "secrets leaked: " + "; ".join(str(leak) for leak in leaks)
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # Registered by tests/testing/conftest.py too: report once.
    if _totals["tests"] and not _totals.get("reported"):
        _totals["reported"] = 1
        terminalreporter.write_line(
            f"secret scan (tests/connectors, tests/testing): {_totals['tests']} tests, "
            f"{_totals['scanned']} log records, {_totals['leaks']} leaks"
        )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def demo(clock: FakeClock) -> DemoVendorFake:
    return DemoVendorFake(clock=clock)


@pytest.fixture
def connector(demo: DemoVendorFake) -> Iterator[DemoConnector]:
    conn = demo_connector(demo)
    yield conn
    conn.close()
