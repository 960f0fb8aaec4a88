"""The fake answers in the shapes of Amazon's static-sandbox responses.

Reads the official static-sandbox cases kept in ``data/spapi-sandbox`` (see its README) and
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

SANDBOX = Path(__file__).parent / "data" / "spapi-sandbox"


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


def _send(fake: AmazonFake, method: str, path: str, body: Any = None, **params: str) -> Any:
    token = fake.issue_token()["access_token"]
    request = httpx.Request(
        method,
        f"{fake.base_url}{path}",
        params=params,
        json=body,
        headers={"x-amz-access-token": token},
    )
    response = fake.handle_request(request)
    assert response.status_code < 300, response.text
    return response.json()


def _sandbox_keys_any(name: str) -> set[str]:
    cases = json.loads((SANDBOX / name).read_text())
    out: set[str] = set()
    for case in cases:
        if case["status"] < 300 and case["response"]:
            out |= _keys(case["response"])
    return out


def test_report_lifecycle(fake):
    fake.define_report("GET_MERCHANT_LISTINGS_ALL_DATA", b"sku\tquantity\n", queue_seconds=0)
    body = {"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": ["ATVPDKIKX0DER"]}
    created = _send(fake, "POST", "/reports/2021-06-30/reports", body)
    assert _keys(created) == _sandbox_keys_any("reports_createReport.json")
    fake.clock.advance(3600)
    report = _send(fake, "GET", f"/reports/2021-06-30/reports/{created['reportId']}")
    # The sandbox shows an IN_PROGRESS report; a DONE one adds its document id (model).
    extra = _keys(report) - _sandbox_keys_any("reports_getReport.json")
    assert extra == {".reportDocumentId", ".marketplaceIds"}
    document = _send(fake, "GET", f"/reports/2021-06-30/documents/{report['reportDocumentId']}")
    extra = _keys(document) - _sandbox_keys_any("reports_getReportDocument.json")
    assert extra == {".compressionAlgorithm"}  # in the model, not in the sandbox example


def test_patch_listings_item(fake):
    body = {
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}],
            }
        ],
    }
    path = f"/listings/2021-08-01/items/{fake.seller_id}/KETTLE-1"
    answer = _send(fake, "PATCH", path, body, marketplaceIds="ATVPDKIKX0DER")
    assert _keys(answer) <= _sandbox_keys_any("listingsItems_patchListingsItem.json")
    fake.refuse_listing("KETTLE-2", "90220", "'condition_type' is required.", "condition_type")
    path = f"/listings/2021-08-01/items/{fake.seller_id}/KETTLE-2"
    answer = _send(fake, "PATCH", path, body, marketplaceIds="ATVPDKIKX0DER")
    assert answer["status"] == "INVALID"
    assert _keys(answer) <= _sandbox_keys_any("listingsItems_patchListingsItem.json")


def test_feed_lifecycle(fake):
    created = _send(
        fake, "POST", "/feeds/2021-06-30/documents", {"contentType": "application/json"}
    )
    assert _keys(created) == _sandbox_keys_any("feeds_createFeedDocument.json")
    upload = httpx.Request(
        "PUT",
        created["url"],
        content=json.dumps(
            {"header": {"sellerId": fake.seller_id, "version": "2.0"}, "messages": []}
        ).encode(),
        headers={"content-type": "application/json"},
    )
    assert fake.handle_request(upload).status_code == 200
    body = {
        "feedType": "JSON_LISTINGS_FEED",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "inputFeedDocumentId": created["feedDocumentId"],
    }
    feed = _send(fake, "POST", "/feeds/2021-06-30/feeds", body)
    assert _keys(feed) == _sandbox_keys_any("feeds_createFeed.json")
    fake.clock.advance(3600)
    state = _send(fake, "GET", f"/feeds/2021-06-30/feeds/{feed['feedId']}")
    extra = _keys(state) - _sandbox_keys_any("feeds_getFeed.json")
    assert extra == {".marketplaceIds", ".resultFeedDocumentId"}  # in the model
    result = _send(fake, "GET", f"/feeds/2021-06-30/documents/{state['resultFeedDocumentId']}")
    extra = _keys(result) - _sandbox_keys_any("feeds_getFeedDocument.json")
    assert extra == {".compressionAlgorithm"}


def test_finances(fake):
    from amazon.samples import make_settlements

    fake.add_finances(make_settlements(2))
    groups = _get(
        fake,
        "/finances/v0/financialEventGroups",
        FinancialEventGroupStartedAfter="2019-10-13",
        MaxResultsPerPage="1",
    )
    assert _keys(groups) <= _sandbox_keys_any("finances_listFinancialEventGroups.json") | {
        ".payload.FinancialEventGroupList[].FundTransferStatus"
    }
    group_id = groups["payload"]["FinancialEventGroupList"][0]["FinancialEventGroupId"]
    events = _get(fake, f"/finances/v0/financialEventGroups/{group_id}/financialEvents")
    sandbox = _sandbox_keys_any("finances_listFinancialEventsByGroupId.json")
    sandbox |= _sandbox_keys_any("finances_listFinancialEvents.json")
    # The sandbox shows the ShipmentEvent shape under ChargebackEventList.
    ours = {k.replace(".ShipmentEventList", ".ChargebackEventList") for k in _keys(events)}
    assert ours - sandbox == set(), ours - sandbox
    transactions = _get(fake, "/finances/2024-06-19/transactions", postedAfter="2019-01-01")
    extra = _keys(transactions) - _sandbox_keys_any("finances20240619_listTransactions.json")
    # In the model (Transaction, ItemRelatedIdentifier...), not in the sandbox example:
    assert extra <= {
        ".payload.transactions[].transactionId",
        ".payload.transactions[].transactionStatus",
        ".payload.transactions[].description",
        ".payload.transactions[].breakdowns",
        ".payload.transactions[].breakdowns[].breakdownType",
        ".payload.transactions[].breakdowns[].breakdownAmount",
        ".payload.transactions[].breakdowns[].breakdownAmount.currencyCode",
        ".payload.transactions[].breakdowns[].breakdownAmount.currencyAmount",
        ".payload.transactions[].contexts",
        ".payload.transactions[].contexts[].contextType",
        ".payload.transactions[].contexts[].sku",
    }
