"""Finances: v0 events (+ by group) and 2024-06-19 transactions → SettlementLine; groups →
SettlementRecord; NextToken paging, empty pages, exact money, faults."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amazon.samples import connector, make_fake, make_settlements
from retail_canon.connectors.amazon import mapping
from retail_canon.models import AmountType, Money, SettlementStatus
from retail_canon.testing import FaultKind, FaultRule


def usd(amount: str) -> dict[str, object]:
    return {"CurrencyCode": "USD", "CurrencyAmount": Decimal(amount)}


SHIPMENT = {
    "AmazonOrderId": "113-4410325-0773100",
    "SellerOrderId": "S-7",
    "MarketplaceName": "Amazon.com",
    "PostedDate": "2026-05-04T10:15:00Z",
    "ShipmentItemList": [
        {
            "SellerSKU": "KETTLE-1",
            "OrderItemId": "61129410723842",
            "QuantityShipped": 2,
            "ItemChargeList": [
                {"ChargeType": "Principal", "ChargeAmount": usd("39.98")},
                {"ChargeType": "Tax", "ChargeAmount": usd("3.30")},
                {"ChargeType": "ShippingCharge", "ChargeAmount": usd("4.99")},
            ],
            "ItemFeeList": [
                {"FeeType": "Commission", "FeeAmount": usd("-6.75")},
                {"FeeType": "FBAPerUnitFulfillmentFee", "FeeAmount": usd("-7.04")},
            ],
            "ItemTaxWithheldList": [
                {
                    "TaxCollectionModel": "MarketplaceFacilitator",
                    "TaxesWithheld": [
                        {
                            "ChargeType": "MarketplaceFacilitatorTax-Principal",
                            "ChargeAmount": usd("-3.30"),
                        }
                    ],
                }
            ],
            "PromotionList": [
                {
                    "PromotionType": "PromotionMetaDataDefinitionValue",
                    "PromotionId": "SPRING-5",
                    "PromotionAmount": usd("-5.00"),
                }
            ],
        }
    ],
}
REFUND = {
    "AmazonOrderId": "113-4410325-0773100",
    "PostedDate": "2026-05-09T08:00:00Z",
    "ShipmentItemAdjustmentList": [
        {
            "SellerSKU": "KETTLE-1",
            "OrderAdjustmentItemId": "77120038711",
            "QuantityShipped": 1,
            "ItemChargeAdjustmentList": [
                {"ChargeType": "Principal", "ChargeAmount": usd("-19.99")}
            ],
            "ItemFeeAdjustmentList": [{"FeeType": "RefundCommission", "FeeAmount": usd("0.68")}],
        }
    ],
}
EVENTS = {
    "ShipmentEventList": [SHIPMENT],
    "RefundEventList": [REFUND],
    "ServiceFeeEventList": [
        {
            "FeeReason": "Subscription",
            "FeeList": [{"FeeType": "Subscription", "FeeAmount": usd("-39.99")}],
        }
    ],
    "AdjustmentEventList": [
        {
            "AdjustmentType": "FBAInventoryReimbursement",
            "PostedDate": "2026-05-10T00:00:00Z",
            "AdjustmentAmount": usd("12.40"),
            "AdjustmentItemList": [
                {"SellerSKU": "KETTLE-1", "Quantity": "1", "TotalAmount": usd("12.40")}
            ],
        }
    ],
    "ProductAdsPaymentEventList": [
        {
            "postedDate": "2026-05-11T00:00:00Z",
            "transactionType": "charge",
            "invoiceId": "TR1T7Y7DN",
            "baseValue": usd("-10.00"),
            "taxValue": usd("-0.80"),
            "transactionValue": usd("-10.80"),
        }
    ],
    "ChargebackEventList": [],
}
GROUP = {
    "FinancialEventGroupId": "GRP-0001",
    "ProcessingStatus": "Closed",
    "FundTransferStatus": "Succeeded",
    "OriginalTotal": usd("-31.52"),
    "BeginningBalance": usd("0"),
    "FundTransferDate": "2026-05-16T02:00:00Z",
    "TraceId": "TRACE-88",
    "AccountTail": "1234",
    "FinancialEventGroupStart": "2026-05-01T00:00:00Z",
    "FinancialEventGroupEnd": "2026-05-15T00:00:00Z",
}


def _sum(lines) -> Decimal:
    return sum((line.amount.amount for line in lines), Decimal(0))


def test_events_become_one_line_per_leaf_amount():
    lines = [mapping.settlement_line_of(d) for d in mapping.event_lines(EVENTS, "GRP-0001")]
    by_source = {line.source_amount_type: line for line in lines}
    principal = by_source["ShipmentEventList/ItemChargeList/Principal"]
    assert principal.amount == Money(amount=Decimal("39.98"), currency="USD")
    assert principal.amount_type is AmountType.PRINCIPAL
    assert (principal.order_id, principal.sku) == ("113-4410325-0773100", "KETTLE-1")
    assert principal.posted_at == datetime(2026, 5, 4, 10, 15, tzinfo=UTC)
    refs = {r.scheme: r.value for r in principal.refs}
    assert refs == {"order-item-code": "61129410723842", "financial-event-group-id": "GRP-0001"}
    kinds = {s: line.amount_type for s, line in by_source.items()}
    assert kinds["ShipmentEventList/ItemChargeList/Tax"] is AmountType.TAX
    assert kinds["ShipmentEventList/ItemChargeList/ShippingCharge"] is AmountType.SHIPPING
    assert kinds["ShipmentEventList/ItemFeeList/Commission"] is AmountType.COMMISSION
    assert (
        kinds["ShipmentEventList/ItemFeeList/FBAPerUnitFulfillmentFee"]
        is AmountType.FULFILLMENT_FEE
    )
    withheld = "ShipmentEventList/ItemTaxWithheldList/MarketplaceFacilitator:" + (
        "MarketplaceFacilitatorTax-Principal"
    )
    assert kinds[withheld] is AmountType.TAX_WITHHELD
    assert kinds["ShipmentEventList/PromotionList/PromotionMetaDataDefinitionValue"] is (
        AmountType.PROMOTION
    )
    assert kinds["RefundEventList/ItemChargeAdjustmentList/Principal"] is AmountType.PRINCIPAL
    assert kinds["RefundEventList/ItemFeeAdjustmentList/RefundCommission"] is (
        AmountType.COMMISSION
    )
    assert kinds["ServiceFeeEventList/Subscription/Subscription"] is AmountType.FEE
    assert kinds["AdjustmentEventList/FBAInventoryReimbursement"] is AmountType.ADJUSTMENT
    assert by_source["ProductAdsPaymentEventList/charge"].amount.amount == Decimal("-10.80")
    assert len(lines) == 12
    assert len({line.line_id for line in lines}) == 12
    assert _sum(lines) == Decimal("-31.52")  # what the group moved
    again = [mapping.settlement_line_of(d) for d in mapping.event_lines(EVENTS, "GRP-0001")]
    assert [x.line_id for x in again] == [x.line_id for x in lines]  # stable ids


def test_chargebacks_are_chargebacks():
    chargeback = {**SHIPMENT, "PostedDate": "2026-05-12T00:00:00Z"}
    drafts = list(mapping.event_lines({"ChargebackEventList": [chargeback]}))
    assert {d.amount_type for d in drafts} == {AmountType.CHARGEBACK}


def test_unknown_event_lists_are_reported_not_dropped():
    (unmapped,) = mapping.event_lines({"LoanServicingEventList": [{"LoanAmount": usd("100")}]})
    assert "LoanServicingEventList" in unmapped.reason


def _m24(amount: str) -> dict[str, object]:
    return {"currencyCode": "USD", "currencyAmount": Decimal(amount)}


def _related(name: str, value: str) -> dict[str, str]:
    return {"relatedIdentifierName": name, "relatedIdentifierValue": value}


def _transaction(tid: str, group: str, amount: str) -> dict[str, object]:
    return {
        "transactionId": tid,
        "transactionType": "Shipment",
        "postedDate": "2026-05-04T10:15:00Z",
        "relatedIdentifiers": [
            _related("FINANCIAL_EVENT_GROUP_ID", group),
            _related("ORDER_ID", "113-4410325-0773100"),
        ],
        "totalAmount": _m24(amount),
        "breakdowns": [{"breakdownType": "ProductCharges", "breakdownAmount": _m24(amount)}],
    }


def _group_fake(**options: object):
    fake = make_fake(**options)
    fake.add_financial_group(GROUP, EVENTS)
    fake.add_financial_group(
        {**GROUP, "FinancialEventGroupId": "GRP-0002", "ProcessingStatus": "Open",
         "FundTransferStatus": "", "FinancialEventGroupStart": "2026-05-15T00:00:00Z"}
        | {"OriginalTotal": None},
        {"ServiceFeeEventList": EVENTS["ServiceFeeEventList"]},
    )  # fmt: skip
    return fake


@pytest.mark.parametrize("source", ["finances_v0", "finances_2024"])
def test_groups_are_settlements(source):
    fake = _group_fake()
    if source == "finances_2024":  # the same money, as transactions of the groups
        fake.add_transactions(
            _transaction(f"T-{n}", group, amount)
            for n, (group, amount) in enumerate([("GRP-0001", "-31.52"), ("GRP-0002", "-39.99")])
        )
    records = connector(fake, settlements_from=source, page_size=5).read_settlements()
    closed, open_ = list(records)
    assert closed.settlement_id == "GRP-0001"
    assert closed.status is SettlementStatus.PAID
    assert closed.total == Money(amount=Decimal("-31.52"), currency="USD")
    assert closed.lines_total() == closed.total
    assert closed.payout.trace_id == "TRACE-88"
    assert closed.payout.account_tail == "1234"
    assert closed.period_end == datetime(2026, 5, 15, tzinfo=UTC)
    assert open_.status is SettlementStatus.OPEN
    assert open_.total == Money(amount=Decimal("-39.99"), currency="USD")  # lines so far


def test_a_group_with_unmapped_events_is_skipped_whole():
    fake = _group_fake()
    fake.financial_events.append(("GRP-0001", "LoanServicingEventList", {"LoanAmount": usd("1")}))
    records = connector(fake, settlements_from="finances_v0").read_settlements()
    assert [r.settlement_id for r in records] == ["GRP-0002"]
    (skipped,) = records.skipped
    assert skipped.record_id == "GRP-0001"
    assert "LoanServicingEventList" in str(skipped)


def test_groups_resume_from_a_checkpoint():
    fake = _group_fake()
    amazon = connector(fake, settlements_from="finances_v0")
    with amazon.read_settlements() as records:
        first = next(records)
        checkpoint = records.checkpoint
    rest = list(amazon.read_settlements(checkpoint=checkpoint))
    assert [first.settlement_id] + [r.settlement_id for r in rest] == ["GRP-0001", "GRP-0002"]


def test_financial_events_page_through_empty_pages_and_expiring_tokens():
    fake = make_fake(faults=[FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=3, limit=2)])
    fake.finance_page_size = 1
    fake.empty_finance_pages = True
    fake.add_financial_group(GROUP, EVENTS)
    records = connector(fake).read_financial_events(since=datetime(2026, 5, 1, tzinfo=UTC))
    lines = list(records)
    assert len(lines) == 12
    assert len({x.line_id for x in lines}) == 12
    assert _sum(lines) == Decimal("-31.52")
    assert records.resumes > 0
    by_group = list(connector(fake).read_financial_events(group_id="GRP-0001"))
    assert sorted(x.line_id for x in by_group) == sorted(x.line_id for x in lines)


def test_events_posted_after_since():
    fake = make_fake()
    fake.add_financial_group(GROUP, EVENTS)
    lines = list(connector(fake).read_financial_events(since=datetime(2026, 5, 9, tzinfo=UTC)))
    assert {x.posted_at.date().isoformat() for x in lines if x.posted_at} == {
        "2026-05-09",
        "2026-05-10",
        "2026-05-11",
    }


TRANSACTION = {
    "sellingPartnerMetadata": {"accountType": "PAYABLE", "marketplaceId": "ATVPDKIKX0DER"},
    "relatedIdentifiers": [
        _related("ORDER_ID", "113-4410325-0773100"),
        _related("FINANCIAL_EVENT_GROUP_ID", "GRP-0001"),
    ],
    "transactionType": "Shipment",
    "transactionId": "amzn1.tx.1",
    "transactionStatus": "RELEASED",
    "description": "Order Payment",
    "postedDate": "2026-05-04T10:15:00Z",
    "totalAmount": _m24("26.19"),
    "contexts": [{"contextType": "ProductContext", "asin": "B00551Q3CS", "sku": "KETTLE-1"}],
    "breakdowns": [
        {
            "breakdownType": "ProductCharges",
            "breakdownAmount": _m24("43.28"),
            "breakdowns": [
                {"breakdownType": "OurPricePrincipal", "breakdownAmount": _m24("39.98")},
                {"breakdownType": "OurPriceTax", "breakdownAmount": _m24("3.30")},
            ],
        },
        {
            "breakdownType": "AmazonFees",
            "breakdownAmount": _m24("-13.79"),
            "breakdowns": [
                {"breakdownType": "Commission", "breakdownAmount": _m24("-6.75")},
                {"breakdownType": "FBAFulfillmentFee", "breakdownAmount": _m24("-7.04")},
            ],
        },
        {"breakdownType": "MarketplaceFacilitatorTaxWithheld", "breakdownAmount": _m24("-3.30")},
    ],
}


def test_transactions_become_one_line_per_leaf_breakdown():
    drafts = mapping.transaction_lines(TRANSACTION)
    assert not isinstance(drafts, mapping._finances.UnmappedEvent)
    lines = [mapping.settlement_line_of(d) for d in drafts]
    assert [x.amount_type for x in lines] == [
        AmountType.PRINCIPAL,
        AmountType.TAX,
        AmountType.COMMISSION,
        AmountType.FULFILLMENT_FEE,
        AmountType.TAX_WITHHELD,
    ]
    assert _sum(lines) == Decimal("26.19")
    assert lines[0].line_id == "amzn1.tx.1-0"
    assert lines[0].source_amount_type == "Shipment/ProductCharges/OurPricePrincipal"
    assert (lines[0].order_id, lines[0].sku) == ("113-4410325-0773100", "KETTLE-1")
    assert {r.scheme: r.value for r in lines[0].refs} == {
        "financial-event-group-id": "GRP-0001",
        "transaction-status": "RELEASED",  # no status field on SettlementLine
    }


def test_a_transaction_that_does_not_add_up_is_reported():
    broken = {
        **TRANSACTION,
        "totalAmount": {"currencyCode": "USD", "currencyAmount": Decimal("26.18")},
    }
    fake = make_fake()
    fake.add_transactions([TRANSACTION | {"transactionId": "amzn1.tx.0"}, broken])
    records = connector(fake).read_transactions(since=datetime(2026, 5, 1, tzinfo=UTC))
    assert len(list(records)) == 5
    (skipped,) = records.skipped
    assert "26.18" in str(skipped)
    assert "26.19" in str(skipped)


def test_a_transaction_without_breakdowns_is_one_line():
    transfer = {
        "transactionId": "amzn1.tx.9",
        "transactionType": "Transfer",
        "description": "Disbursement",
        "postedDate": "2026-05-16T02:00:00Z",
        "totalAmount": {"currencyCode": "USD", "currencyAmount": -100},
    }
    (line,) = [mapping.settlement_line_of(d) for d in mapping.transaction_lines(transfer)]
    assert line.amount_type is AmountType.TRANSFER
    assert line.amount == Money(amount=Decimal(-100), currency="USD")


def test_canonical_settlements_round_trip_through_both_finances_apis():
    fake = make_fake()
    seeded = make_settlements(3)
    fake.add_finances(seeded)
    for source in ("finances_v0", "finances_2024"):
        got = list(connector(fake, settlements_from=source).read_settlements())
        assert [r.settlement_id for r in got] == [r.settlement_id for r in seeded]
        for record, original in zip(got, seeded, strict=True):
            assert record.lines_total() == original.lines_total()
            assert sorted((x.amount, x.amount_type, x.order_id) for x in record.lines) == sorted(
                (x.amount, x.amount_type, x.order_id) for x in original.lines
            )


@pytest.mark.parametrize("source", ["finances_v0", "finances_2024"])
def test_finance_reads_survive_faults(source):
    fake = make_fake(
        faults=[
            FaultRule(FaultKind.RATE_LIMIT, every=5, retry_after=1.0),
            FaultRule(FaultKind.SERVER_ERROR, every=7),
            FaultRule(FaultKind.TIMEOUT, every=11),
            FaultRule(FaultKind.TRUNCATED_BODY, every=13),
            FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=4, limit=3),
        ]
    )
    fake.finance_page_size = 2
    seeded = make_settlements(4)
    fake.add_finances(seeded)
    got = list(connector(fake, settlements_from=source).read_settlements())
    assert [r.lines_total() for r in got] == [r.lines_total() for r in seeded]
    assert any(e.fault is not None for e in fake.exchanges)


def test_async_finance_reads_match_sync():
    fake = _group_fake()

    async def collect(records):
        return [x async for x in records]

    sync = list(connector(fake).read_financial_events(since=datetime(2026, 5, 1, tzinfo=UTC)))
    other = asyncio.run(
        collect(connector(fake).aread_financial_events(since=datetime(2026, 5, 1, tzinfo=UTC)))
    )
    assert other == sync
    fake.add_transactions([TRANSACTION])
    sync_t = list(connector(fake).read_transactions(since=datetime(2026, 5, 1, tzinfo=UTC)))
    async_t = asyncio.run(
        collect(connector(fake).aread_transactions(since=datetime(2026, 5, 1, tzinfo=UTC)))
    )
    assert async_t == sync_t
    groups = asyncio.run(
        collect(connector(fake, settlements_from="finances_v0").aread_settlements())
    )
    assert [g.settlement_id for g in groups] == ["GRP-0001", "GRP-0002"]


def test_expired_group_page_tokens_restart_the_listing():
    fake = make_fake(
        faults=[FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=1, limit=2, path="Groups$")]
    )
    fake.finance_page_size = 2
    seeded = make_settlements(5)
    fake.add_finances(seeded)
    records = connector(fake, settlements_from="finances_v0").read_settlements()
    assert [r.settlement_id for r in records] == [r.settlement_id for r in seeded]
    assert sum(1 for e in fake.exchanges if e.fault is FaultKind.PAGE_TOKEN_EXPIRY) == 2


@given(
    st.lists(
        st.lists(st.decimals(min_value=-1000, max_value=1000, places=2), min_size=0, max_size=4),
        min_size=1,
        max_size=4,
    )
)
def test_transaction_leaves_conserve_the_total(groups):
    breakdowns = []
    total = Decimal(0)
    for n, amounts in enumerate(groups):
        if amounts:
            children = [
                {"breakdownType": f"Fee{n}{k}", "breakdownAmount": _m24(str(a))}
                for k, a in enumerate(amounts)
            ]
            subtotal = sum(amounts, Decimal(0))
            breakdowns.append(
                {
                    "breakdownType": f"G{n}",
                    "breakdownAmount": _m24(str(subtotal)),
                    "breakdowns": children,
                }
            )
            total += subtotal
    transaction = {
        "transactionId": "tx",
        "transactionType": "Shipment",
        "totalAmount": _m24(str(total)),
        "breakdowns": breakdowns,
    }
    drafts = mapping.transaction_lines(transaction)
    lines = [mapping.settlement_line_of(d) for d in drafts]  # type: ignore[union-attr]
    assert _sum(lines) == total
    assert len({x.line_id for x in lines}) == len(lines)
