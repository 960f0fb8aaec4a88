"""Shopify returns and refunds → ReturnAuthorization: status mapping, refunds, nothing cut."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from retail_canon.connectors.shopify import ShopifyConnector, _dto, mapping
from retail_canon.models import RefundStatus, ReturnReason, ReturnStatus
from retail_canon.testing import FakeClock, FaultKind, FaultRule
from retail_canon.testing.shopify import ACCESS_TOKEN, SHOP, ShopifyFake
from shopify.samples import START, make_returns


def _connector(fake: ShopifyFake, **settings: object) -> ShopifyConnector:
    options = {"shop": SHOP, "access_token": ACCESS_TOKEN, **settings}
    return ShopifyConnector(transport=fake, clock=fake.clock, **options)


def _bag(amount: str) -> dict[str, object]:
    money = {"amount": amount, "currencyCode": "USD"}
    return {"shopMoney": money, "presentmentMoney": {"amount": amount, "currencyCode": "EUR"}}


def _return(status: str = "OPEN", **fields: object) -> dict[str, object]:
    node: dict[str, object] = {
        "id": "gid://shopify/Return/31",
        "name": "#1001-R1",
        "status": status,
        "createdAt": "2026-05-03T09:00:00Z",
        "requestApprovedAt": "2026-05-03T11:00:00Z",
        "closedAt": None,
        "returnLineItems": [
            {
                "id": "gid://shopify/ReturnLineItem/41",
                "quantity": 2,
                "returnReason": "SIZE_TOO_SMALL",
                "returnReasonNote": "runs small",
                "fulfillmentLineItem": {
                    "lineItem": {"id": "gid://shopify/LineItem/51", "sku": "T"}
                },
            }
        ],
    }
    node.update(fields)
    return node


def _refund(n: int, subtotal: str, tax: str, at: str, **fields: object) -> dict[str, object]:
    node: dict[str, object] = {
        "id": f"gid://shopify/Refund/{n}",
        "createdAt": at,
        "note": None,
        "return": {"id": "gid://shopify/Return/31"},
        "totalRefundedSet": None,
        "refundLineItems": [
            {
                "quantity": 1,
                "restockType": "RETURN",
                "lineItem": {"id": "gid://shopify/LineItem/51", "sku": "T"},
                "subtotalSet": _bag(subtotal),
                "totalTaxSet": _bag(tax),
            }
        ],
    }
    node.update(fields)
    return node


@pytest.mark.parametrize(
    ("shopify", "canonical"),
    [
        ("REQUESTED", ReturnStatus.REQUESTED),
        ("OPEN", ReturnStatus.AUTHORIZED),
        ("CLOSED", ReturnStatus.CLOSED),
        ("DECLINED", ReturnStatus.DECLINED),
        ("CANCELED", ReturnStatus.CANCELLED),
    ],
)
def test_return_status_mapping(shopify, canonical):
    ret = _dto.structure(_return(shopify), _dto.Return)
    ra = mapping.return_authorization(ret, order_gid="gid://shopify/Order/1001", shop=SHOP)
    assert ra.status is canonical
    assert ra.source_status == shopify


def test_an_unknown_return_status_is_other_and_kept_raw():
    ret = _dto.structure(_return("ARCHIVED_SOMEHOW"), _dto.Return)
    with pytest.warns(Warning, match="ARCHIVED_SOMEHOW"):
        ra = mapping.return_authorization(ret, order_gid="gid://shopify/Order/1", shop=SHOP)
    assert ra.status is ReturnStatus.OTHER
    assert ra.source_status == "ARCHIVED_SOMEHOW"


def test_a_return_with_two_refunds_maps_lines_reasons_and_summed_money():
    ret = _dto.structure(_return(), _dto.Return)
    refunds = [
        _dto.structure(_refund(71, "10.00", "0.73", "2026-05-04T10:00:00Z"), _dto.Refund),
        _dto.structure(_refund(72, "10.01", "0.72", "2026-05-05T10:00:00Z"), _dto.Refund),
    ]
    ra = mapping.return_authorization(
        ret, order_gid="gid://shopify/Order/1001", refunds=refunds, shop=SHOP
    )
    assert ra.rma_id == "shopify-return-31"
    assert ra.sales_order_id == "shopify-1001"
    assert ra.authorized_at is not None
    assert ra.authorized_at.isoformat() == "2026-05-03T11:00:00+00:00"
    [line] = ra.lines
    assert (line.line_id, line.sales_order_line_id, line.sku) == ("shopify-41", "shopify-51", "T")
    assert line.quantity_authorized.value == Decimal(2)
    assert line.reason is ReturnReason.SIZE_OR_FIT
    assert (line.source_reason, line.inspection_note) == ("SIZE_TOO_SMALL", "runs small")
    assert ra.refund is not None
    assert ra.refund.status is RefundStatus.ISSUED
    assert ra.refund.refund_id == "gid://shopify/Refund/72"
    assert ra.refund.item_amount.amount == Decimal("20.01")
    assert ra.refund.tax_amount is not None
    assert ra.refund.tax_amount.amount == Decimal("1.45")
    eur = mapping.return_authorization(
        ret, order_gid="gid://shopify/Order/1001", refunds=refunds, shop=SHOP, presentment=True
    )
    assert eur.refund is not None
    assert eur.refund.item_amount.currency == "EUR"
    refs = {(r.scheme, r.value) for r in ra.external_refs}
    assert ("refund_gid", "gid://shopify/Refund/71") in refs
    assert ("return_name", "#1001-R1") in refs


def test_a_refund_of_items_without_a_return_is_a_closed_rma():
    node = _refund(80, "5.00", "0.00", "2026-05-06T10:00:00Z", **{"return": None})
    ra = mapping.refund_authorization(
        _dto.structure(node, _dto.Refund), order_gid="gid://shopify/Order/9", shop=SHOP
    )
    assert ra.rma_id == "shopify-refund-80"
    assert ra.status is ReturnStatus.CLOSED
    assert ra.lines[0].quantity_received == Decimal(1)  # restocked as a return


def test_a_refund_without_items_is_not_a_return():
    node = _refund(81, "5.00", "0.00", "2026-05-06T10:00:00Z", refundLineItems=[])
    with pytest.raises(ValueError, match="not a return"):
        mapping.refund_authorization(
            _dto.structure(node, _dto.Refund), order_gid="gid://shopify/Order/9", shop=SHOP
        )


def test_read_returns_pages_through_orders_and_resumes():
    fake = ShopifyFake(clock=FakeClock())
    fake.put("returns", make_returns(11))
    shop = _connector(fake, returns_page_size=2)
    everything = [ra.rma_id for ra in shop.read_returns()]
    assert sorted(everything) == sorted(ra.rma_id for ra in make_returns(11))
    records = shop.read_returns()
    head = [next(records).rma_id for _ in range(4)]
    rest = [ra.rma_id for ra in shop.read_returns(checkpoint=records.checkpoint)]
    assert head + rest == everything
    seeded = {ra.rma_id: ra for ra in make_returns(11)}
    for ra in shop.read_returns():  # the money and lines survive the round trip
        want = seeded[ra.rma_id]
        assert ra.refund is not None
        assert want.refund is not None
        assert ra.refund.item_amount == want.refund.item_amount
        assert ra.refund.tax_amount == want.refund.tax_amount
        assert ra.refund.issued_at == want.refund.issued_at
        assert [line.sku for line in ra.lines] == [line.sku for line in want.lines]
    later = [ra.rma_id for ra in shop.read_returns(since=START.replace(hour=3))]
    assert later == everything[6:]


def test_appeasement_refunds_are_not_returns_and_overflow_is_reported():
    fake = ShopifyFake(clock=FakeClock())
    fake.put("returns", make_returns(2))
    order = fake.order_returns["gid://shopify/Order/1000"]
    order["refunds"].append(
        _refund(90, "3.00", "0.00", "2026-05-01T00:00:00Z", refundLineItems=[], **{"return": None})
    )
    records = _connector(fake).read_returns()
    assert [ra.rma_id for ra in records] == ["shopify-return-400", "shopify-return-401"]
    assert records.skipped == []
    for n in range(3):  # now more refunds than returns_per_order reads
        order["refunds"].append(_refund(100 + n, "1.00", "0.00", "2026-05-01T00:00:00Z"))
    records = _connector(fake).read_returns()
    assert [ra.rma_id for ra in records] == ["shopify-return-401"]
    [skip] = records.skipped
    assert "returns_per_order=3" in skip.message
    lines = order["returns"][0]["returnLineItems"]
    order["refunds"] = []
    lines.extend(dict(lines[0]) for _ in range(10))
    records = _connector(fake).read_returns()
    assert [ra.rma_id for ra in records] == ["shopify-return-401"]
    assert "more than return_lines=10 lines" in records.skipped[0].message


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule(FaultKind.RATE_LIMIT, every=2),
        FaultRule(FaultKind.SERVER_ERROR, every=3, status=503),
        FaultRule(FaultKind.TIMEOUT, every=3),
        FaultRule(FaultKind.TRUNCATED_BODY, every=2),
        FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=2),
    ],
    ids=lambda r: str(r.kind),
)
def test_a_returns_read_survives_faults(rule):
    fake = ShopifyFake(clock=FakeClock())
    fake.put("returns", make_returns(15))
    clean = [ra.model_dump() for ra in _connector(fake, returns_page_size=2).read_returns()]
    fake.faults.add(rule)
    shop = _connector(fake, returns_page_size=2, max_attempts=8)

    async def main():
        records = shop.aread_returns()
        return [ra.model_dump() async for ra in records]

    assert asyncio.run(main()) == clean
    assert fake.faults.count(rule.kind) >= 3
