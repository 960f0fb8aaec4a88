"""Helpers shared by the connector tests."""

from __future__ import annotations

from typing import Any

from retail_canon.connectors import AuthProvider, ConnectorConfig, HttpConnector
from retail_canon.testing import DemoConnector, DemoVendorFake


def demo_connector(fake: DemoVendorFake, **settings: Any) -> DemoConnector:
    """A demo connector talking to ``fake``, with its fake's credentials."""
    return DemoConnector(
        transport=fake,
        clock=fake.clock,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        refresh_token=fake.refresh_token,
        **settings,
    )


class PlainConnector(HttpConnector[ConnectorConfig]):
    """A connector with no streams, for testing the request core with `call`."""

    name = "plain"
    provider: AuthProvider | None = None

    def auth(self) -> AuthProvider:
        return self.provider or super().auth()


def plain(
    provider: AuthProvider | None = None, attrs: dict[str, Any] | None = None, **settings: Any
) -> PlainConnector:
    """A `PlainConnector` using ``provider`` and class attributes ``attrs``.

    Settings default to ``base_url="https://v.test"``.
    """
    cls = type("Plain", (PlainConnector,), {"provider": provider, **(attrs or {})})
    settings.setdefault("base_url", "https://v.test")
    return cls(**settings)
