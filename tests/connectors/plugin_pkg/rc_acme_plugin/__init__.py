"""A minimal third-party connector: reads orders from an API shaped like the demo vendor."""

from __future__ import annotations

from datetime import datetime

from retail_canon.connectors import (
    ConnectorConfig,
    HttpConnector,
    OrderSource,
    Page,
    ReadStream,
)
from retail_canon.testing._demo import order_from_vendor

NOT_A_CONNECTOR = "an entry point that does not lead to a connector class"


class AcmePluginConfig(ConnectorConfig):
    base_url: str = "https://demo.retail-canon.test"


class _Orders(ReadStream):
    operation = "listOrders"
    path = "/v1/orders"

    def params(self, *, start, page_token):
        return {"page_token": page_token} if page_token else {}

    def parse_page(self, body, response):
        return Page(body["orders"], body.get("next_token"))

    def to_canonical(self, record):
        return order_from_vendor(record)

    def checkpoint_value(self, record):
        return datetime.fromisoformat(record["updated_at"])


class AcmePluginConnector(HttpConnector[AcmePluginConfig], OrderSource):
    name = "acme-plugin"
    config_model = AcmePluginConfig

    def read_orders(self, *, since=None, checkpoint=None):
        return self.read(_Orders(self), since=since, checkpoint=checkpoint)

    def aread_orders(self, *, since=None, checkpoint=None):
        return self.aread(_Orders(self), since=since, checkpoint=checkpoint)
