"""The fake answers in the shapes of Amazon's static-sandbox responses.

Reads the official sandbox cases from the shared reference (skipped when it is absent) and
checks that every key the fake writes, at every level, is one Amazon's own examples use.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from amazon.samples import make_order, make_positions
from retail_canon.testing.amazon import AmazonFake

SANDBOX = Path(__file__).parents[3] / "shared" / "reference" / "amazon-spapi" / "spapi-sandbox"
pytestmark = pytest.mark.skipif(not SANDBOX.is_dir(), reason="no shared SP-API reference")


def _keys(value: Any, prefix: str = "") -> set[str]:
    """Every key path in a JSON value; list items share the path ``[]``."""
    out: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            out.add(f"{prefix}.{key}")
            out |= _keys(item, f"{prefix}.{key}")
    elif isinstance(value, list):
        for item in value:
            out |= _keys(item, f"{prefix}[]")
    return out


def _sandbox_keys(name: str) -> set[str]:
    cases = json.loads((SANDBOX / name).read_text())
    out: set[str] = set()
    for case in cases:
        if case["status"] == 200:
            out |= _keys(case["response"])
    return out


def _get(fake: AmazonFake, path: str, **params: str) -> Any:
    token = fake.issue_token()["access_token"]
    request = httpx.Request(
        "GET",
        f"{fake.base_url}{path}",
        params=params,
        headers={"x-amz-access-token": token},
    )
    response = fake.handle_request(request)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def fake() -> AmazonFake:
    fake = AmazonFake(page_token_ttl=None)
    fake.add_orders(make_order(i, pii=False) for i in range(9))
    fake.add_inventory(make_positions(3))
    return fake


# Keys the sandbox's few examples happen not to show, though the models define them.
MODEL_ONLY = {
    ".payload.Orders[].SellerOrderId",
    ".payload.Orders[].LatestDeliveryDate",
    ".payload.OrderItems[].ShippingTax",
    ".payload.OrderItems[].ShippingDiscount",
    ".payload.OrderItems[].ItemTax",
    ".payload.OrderItems[].PromotionDiscount",
    ".payload.OrderItems[].PromotionIds",
    ".payload.OrderItems[].QuantityShipped",
    ".payload.OrderItems[].TaxCollection",
    ".payload.OrderItems[].TaxCollection.Model",
    ".payload.OrderItems[].TaxCollection.ResponsibleParty",
    ".payload.OrderItems[].ShippingPrice",
    ".payload.OrderItems[].ShippingPrice.Amount",
    ".payload.OrderItems[].ShippingPrice.CurrencyCode",
}


def _extra(ours: set[str], sandbox: set[str]) -> set[str]:
    return {k for k in ours - sandbox - MODEL_ONLY if not k.endswith((".Amount", ".CurrencyCode"))}


def test_get_orders_v0(fake):
    body = _get(
        fake,
        "/orders/v0/orders",
        MarketplaceIds="ATVPDKIKX0DER",
        LastUpdatedAfter="2026-01-01T00:00:00Z",
        MaxResultsPerPage="4",
    )
    sandbox = _sandbox_keys("orders_getOrders.json")
    sandbox |= {
        k.replace(".payload", ".payload.Orders[]", 1) for k in _sandbox_keys("orders_getOrder.json")
    }
    assert _extra(_keys(body), sandbox) == set()
    assert ".payload.NextToken" in _keys(body)


def test_get_order_items_v0(fake):
    order_id = next(iter(fake.orders))
    body = _get(fake, f"/orders/v0/orders/{order_id}/orderItems")
    assert _extra(_keys(body), _sandbox_keys("orders_getOrderItems.json")) == set()


def test_search_orders_2026(fake):
    body = _get(
        fake,
        "/orders/2026-01-01/orders",
        marketplaceIds="ATVPDKIKX0DER",
        lastUpdatedAfter="2026-01-01T00:00:00Z",
        maxResultsPerPage="4",
    )
    sandbox = _sandbox_keys("orders20260101_searchOrders.json")
    sandbox |= {
        k.replace(".order", ".orders[]", 1) for k in _sandbox_keys("orders20260101_getOrder.json")
    }
    extra = _extra(_keys(body), sandbox)
    assert {
        k for k in extra if "detailedBreakdowns" not in k and "taxCollections" not in k
    } == set()


def test_inventory_summaries(fake):
    body = _get(
        fake,
        "/fba/inventory/v1/summaries",
        details="true",
        granularityType="Marketplace",
        granularityId="ATVPDKIKX0DER",
        marketplaceIds="ATVPDKIKX0DER",
    )
    assert _extra(_keys(body), _sandbox_keys("fbaInventory_getInventorySummaries.json")) == set()
