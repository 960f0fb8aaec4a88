"""Shipment confirmation: ``fulfillmentCreate`` for a fulfillment order's latest shipment."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from retail_canon.connectors import RequestSpec, WriteOperation, WriteResult
from retail_canon.connectors.shopify import mapping
from retail_canon.connectors.shopify._graphql import FULFILLMENT_CREATE
from retail_canon.models import FulfillmentOrder

if TYPE_CHECKING:
    import httpx

__all__ = ["CreateFulfillment"]


class CreateFulfillment(WriteOperation[FulfillmentOrder]):
    operation = "FulfillmentCreate"

    def request(self, item: FulfillmentOrder) -> RequestSpec:
        variables = {"fulfillment": mapping.fulfillment_input(item)}
        return RequestSpec(
            "POST",
            "/graphql.json",
            self.operation,
            json={
                "query": FULFILLMENT_CREATE,
                "variables": variables,
                "operationName": self.operation,
            },
            cost=10,
        )

    def result(self, item: FulfillmentOrder, response: httpx.Response) -> WriteResult:
        payload = json.loads(response.content)["data"]["fulfillmentCreate"]
        fulfillment = payload.get("fulfillment") or {}
        return WriteResult(self.key(item), response.status_code, fulfillment.get("id"), None)
