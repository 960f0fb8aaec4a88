"""retail_canon's pytest plugin, loaded through the ``pytest11`` entry point.

- Registers the ``sandbox`` marker. Tests carrying it (the sandbox runs of
  `connector_suite` classes, or your own) are skipped unless ``-m`` selects them, e.g.
  ``pytest -m sandbox``.
- Fixtures: ``rc_fake_clock`` (a `FakeClock`), ``rc_demo_fake`` (a `DemoVendorFake` on that
  clock), ``rc_demo_connector`` (a `DemoConnector` wired to it), and ``rc_secret_scanner``
  (a `SecretScanner` capturing every log record of the test, failing it on a leak).

Importing this module loads pytest only; the fixtures import the kit when first used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from retail_canon.testing import (
        DemoConnector,
        DemoVendorFake,
        FakeClock,
        SecretScanner,
    )

SANDBOX_HELP = "talks to a real vendor sandbox; needs credentials and opt-in (-m sandbox)"


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``sandbox`` marker."""
    config.addinivalue_line("markers", f"sandbox: {SANDBOX_HELP}")


def _selects_sandbox(markexpr: str) -> bool:
    words = markexpr.replace("(", " ").replace(")", " ").split()
    return any(
        word == "sandbox" and (i == 0 or words[i - 1] != "not") for i, word in enumerate(words)
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip sandbox tests unless the mark expression asks for them."""
    if _selects_sandbox(str(config.getoption("markexpr", "") or "")):
        return
    skip = pytest.mark.skip(reason="sandbox test: select it with -m sandbox")
    for item in items:
        if item.get_closest_marker("sandbox") is not None:
            item.add_marker(skip)


@pytest.fixture
def rc_fake_clock() -> FakeClock:
    """A fresh simulated clock."""
    from retail_canon.testing import FakeClock

    return FakeClock()


@pytest.fixture
def rc_demo_fake(rc_fake_clock: FakeClock) -> DemoVendorFake:
    """A demo vendor on ``rc_fake_clock``, empty."""
    from retail_canon.testing import DemoVendorFake

    return DemoVendorFake(clock=rc_fake_clock)


@pytest.fixture
def rc_demo_connector(
    rc_demo_fake: DemoVendorFake, rc_fake_clock: FakeClock
) -> Iterator[DemoConnector]:
    """A demo connector talking to ``rc_demo_fake``."""
    from retail_canon.testing import DemoConnector

    connector = DemoConnector(
        transport=rc_demo_fake,
        clock=rc_fake_clock,
        client_id=rc_demo_fake.client_id,
        client_secret=rc_demo_fake.client_secret,
        refresh_token=rc_demo_fake.refresh_token,
    )
    yield connector
    connector.close()


@pytest.fixture
def rc_secret_scanner() -> Iterator[SecretScanner]:
    """Scans every log record of the test; the test fails if a secret leaked.

    Add the test's secret values with ``rc_secret_scanner.add(...)``; values with
    retail_canon's test-secret and fake-token prefixes are found without adding them.
    """
    from retail_canon.testing import SecretScanner

    scanner = SecretScanner()
    with scanner.capture():
        yield scanner
    if scanner.leaks:
        pytest.fail("secrets leaked: " + "; ".join(str(leak) for leak in scanner.leaks))
