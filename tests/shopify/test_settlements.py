"""Shopify Payments payouts → SettlementRecord: exact money, every transaction accounted for."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retail_canon.connectors.shopify import ShopifyConnector, _dto, mapping
from retail_canon.models import AmountType, SettlementStatus
from retail_canon.settlement import ErpDocument, match
from retail_canon.testing import FakeClock, FaultKind, FaultRule
from retail_canon.testing.shopify import ACCESS_TOKEN, SHOP, ShopifyFake
from shopify.samples import START, make_settlements


def _connector(fake: ShopifyFake, **settings: object) -> ShopifyConnector:
    options = {"shop": SHOP, "access_token": ACCESS_TOKEN, **settings}
    return ShopifyConnector(transport=fake, clock=fake.clock, **options)


def _m(amount: str, currency: str = "USD") -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


def _tx(n: int, kind: str, amount: str, fee: str = "0.00", **fields: object) -> dict[str, object]:
    net = str(Decimal(amount) - Decimal(fee))
    node: dict[str, object] = {
        "id": f"gid://shopify/ShopifyPaymentsBalanceTransaction/{n}",
        "type": kind,
        "test": False,
        "transactionDate": "2026-05-01T10:00:00Z",
        "sourceType": kind if kind != "PAYOUT" else "TRANSFER",
        "sourceId": str(9000 + n),
        "sourceOrderTransactionId": None,
        "adjustmentReason": None,
        "amount": _m(amount),
        "fee": _m(fee),
        "net": _m(net),
        "associatedOrder": {"id": "gid://shopify/Order/1001"} if kind == "CHARGE" else None,
    }
    node.update(fields)
    return node


def _payout(net: str, transactions: list[dict[str, object]], **fields: object):
    node: dict[str, object] = {
        "id": "gid://shopify/ShopifyPaymentsPayout/77",
        "legacyResourceId": "77",
        "issuedAt": "2026-05-02T00:00:00Z",
        "status": "PAID",
        "transactionType": "DEPOSIT",
        "externalTraceId": "TRACE-77",
        "net": _m(net),
        "transactions": transactions,
    }
    node.update(fields)
    return _dto.structure(node, _dto.Payout)


def test_every_kind_of_balance_transaction_maps_to_a_signed_line():
    payout = _payout(
        "55.97",
        [
            _tx(1, "CHARGE", "100.00", "3.20"),
            _tx(2, "REFUND", "-20.00", "-0.30", sourceType="REFUND"),
            _tx(3, "ADJUSTMENT", "1.50", adjustmentReason="fee_refund"),
            _tx(4, "DISPUTE_WITHDRAWAL", "-15.00", "15.00"),
            _tx(5, "RESERVED_FUNDS_WITHDRAWAL", "-5.00"),
            _tx(6, "DISPUTE_REVERSAL", "10.00"),
            _tx(7, "SOME_NEW_TYPE", "2.37"),
            _tx(8, "PAYOUT", "-55.97"),
        ],
    )
    record = mapping.settlement_record(payout, shop=SHOP)
    assert record.settlement_id == "shopify-payout-77"
    assert record.status is SettlementStatus.PAID
    assert record.total.amount == Decimal("55.97")
    assert record.lines_total() == record.total
    kinds = [(line.line_id, line.amount_type, line.amount.amount) for line in record.lines]
    assert kinds == [
        ("shopify-bt-1", AmountType.PRINCIPAL, Decimal("100.00")),
        ("shopify-bt-1-fee", AmountType.FEE, Decimal("-3.20")),
        ("shopify-bt-2", AmountType.REFUND, Decimal("-20.00")),
        ("shopify-bt-2-fee", AmountType.FEE, Decimal("0.30")),
        ("shopify-bt-3", AmountType.ADJUSTMENT, Decimal("1.50")),
        ("shopify-bt-4", AmountType.CHARGEBACK, Decimal("-15.00")),
        ("shopify-bt-4-fee", AmountType.FEE, Decimal("-15.00")),
        ("shopify-bt-5", AmountType.RESERVE, Decimal("-5.00")),
        ("shopify-bt-6", AmountType.CHARGEBACK, Decimal("10.00")),
        ("shopify-bt-7", AmountType.OTHER, Decimal("2.37")),
    ]
    assert record.lines[0].order_id == "shopify-1001"
    assert record.lines[4].source_amount_type == "ADJUSTMENT/fee_refund"
    refund_refs = {(r.scheme, r.value) for r in record.lines[2].refs}
    assert ("refund_id", "9002") in refund_refs
    assert record.payout is not None
    assert record.payout.trace_id == "TRACE-77"
    assert str(record.payout.paid_at) == "2026-05-02 00:00:00+00:00"


def test_a_withdrawal_is_a_negative_settlement():
    payout = _payout(
        "12.00",
        [_tx(1, "DISPUTE_WITHDRAWAL", "-12.00"), _tx(2, "PAYOUT", "12.00")],
        transactionType="WITHDRAWAL",
        status="SCHEDULED",
    )
    record = mapping.settlement_record(payout, shop=SHOP)
    assert record.total.amount == Decimal("-12.00")
    assert record.status is SettlementStatus.CLOSED
    assert record.payout is not None
    assert record.payout.paid_at is None


@pytest.mark.parametrize(
    ("transactions", "reason"),
    [
        ([_tx(1, "CHARGE", "50.00", "1.00")], "add up to 49.00 USD, the payout's net is 50.00"),
        ([_tx(1, "CHARGE", "50.00", net=_m("49.00"))], "net 49.00 is not amount 50.00 - fee 0.00"),
        ([{**_tx(1, "CHARGE", "50.00"), "fee": _m("0.00", "CAD")}], "is in CAD, the payout in USD"),
        ([_tx(1, "CHARGE", "50.00"), _tx(2, "PAYOUT", "-49.00")], "PAYOUT transaction"),
    ],
    ids=["missing-transaction", "net-not-amount-minus-fee", "currency", "payout-transaction"],
)
def test_a_payout_that_does_not_add_up_is_an_integrity_error(transactions, reason):
    with pytest.raises(mapping.PayoutIntegrityError, match=reason) as info:
        mapping.settlement_record(_payout("50.00", transactions), shop=SHOP)
    assert info.value.payout_id == "gid://shopify/ShopifyPaymentsPayout/77"
    assert info.value.expected == Decimal("50.00")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["CHARGE", "REFUND", "ADJUSTMENT", "DISPUTE_WITHDRAWAL", "X"]),
            st.integers(-(10**9), 10**9),
            st.integers(0, 10**6),
        ),
        max_size=30,
    )
)
def test_lines_always_add_up_to_the_payout_exactly(rows):
    transactions = [
        _tx(i, kind, str(Decimal(cents).scaleb(-2)), str(Decimal(fee).scaleb(-2)))
        for i, (kind, cents, fee) in enumerate(rows, start=1)
    ]
    net = sum((Decimal(c - f).scaleb(-2) for _, c, f in rows), Decimal("0.00"))
    record = mapping.settlement_record(_payout(str(net), transactions), shop=SHOP)
    assert record.lines_total().amount == record.total.amount == net
    assert all(isinstance(line.amount.amount, Decimal) for line in record.lines)


def test_read_pages_through_payouts_and_every_transaction_of_each():
    fake = ShopifyFake(clock=FakeClock())
    fake.put("settlements", make_settlements(9))
    big = next(iter(fake.balance_transactions))
    payout_tx = fake.balance_transactions[big].pop()
    for n in range(40):  # 40 more charges of 1.00 each with a 0.10 fee
        fake.balance_transactions[big].append(
            _tx(50000 + n, "CHARGE", "1.00", "0.10", associatedOrder=None)
        )
    fake.payouts[big]["net"] = _m("74.58")
    payout_tx["amount"] = payout_tx["net"] = _m("-74.58")
    fake.balance_transactions[big].append(payout_tx)
    shop = _connector(fake, payout_page_size=2, transaction_page_size=7)
    records = shop.read_settlements()
    got = list(records)
    assert records.skipped == []
    assert [r.settlement_id for r in got] == [f"shopify-payout-{600 + i}" for i in range(9)]
    assert len(got[0].lines) == 4 + 80
    assert got[0].lines_total().amount == Decimal("74.58")
    assert all(r.lines_total() == r.total for r in got)


def test_a_payout_that_does_not_add_up_is_skipped_and_reported():
    fake = ShopifyFake(clock=FakeClock())
    fake.put("settlements", make_settlements(3))
    broken = "gid://shopify/ShopifyPaymentsPayout/601"
    del fake.balance_transactions[broken][0]  # a charge went missing
    records = _connector(fake).read_settlements()
    assert [r.settlement_id for r in records] == ["shopify-payout-600", "shopify-payout-602"]
    [skip] = records.skipped
    assert skip.record_id == broken
    assert "PayoutIntegrityError" in skip.message
    assert "its 2 lines add up to -9.67 USD, the payout's net is 38.58 USD" in skip.message


def test_since_and_checkpoint():
    fake = ShopifyFake(clock=FakeClock())
    fake.put("settlements", make_settlements(6))
    shop = _connector(fake, payout_page_size=2)
    since = START.replace(day=2)
    assert [r.settlement_id for r in shop.read_settlements(since=since)] == [
        "shopify-payout-602",
        "shopify-payout-603",
        "shopify-payout-604",
        "shopify-payout-605",
    ]
    records = shop.read_settlements()
    first = [next(records).settlement_id for _ in range(3)]
    rest = [r.settlement_id for r in shop.read_settlements(checkpoint=records.checkpoint)]
    assert first + rest == [f"shopify-payout-{600 + i}" for i in range(6)]


FAULTS = [
    FaultRule(FaultKind.RATE_LIMIT, every=3),
    FaultRule(FaultKind.SERVER_ERROR, every=4, status=503),
    FaultRule(FaultKind.TIMEOUT, every=4),
    FaultRule(FaultKind.CONNECTION_RESET, every=5),
    FaultRule(FaultKind.TRUNCATED_BODY, every=3),
    FaultRule(FaultKind.MALFORMED_BODY, every=4),
    FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=3),
    FaultRule(FaultKind.SLOW_RESPONSE, every=3, delay=45.0),
]


@pytest.mark.parametrize("rule", FAULTS, ids=lambda r: str(r.kind))
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_settlement_read_survives_every_fault(rule, mode):
    fake = ShopifyFake(clock=FakeClock(), latency=0.05)
    fake.put("settlements", make_settlements(12))
    clean = [
        r.model_dump()
        for r in _connector(fake, payout_page_size=3, transaction_page_size=2).read_settlements()
    ]
    fake.faults.add(rule)
    shop = _connector(fake, payout_page_size=3, transaction_page_size=2, max_attempts=8)
    if mode == "sync":
        records = shop.read_settlements()
        got = [r.model_dump() for r in records]
    else:

        async def main():
            records = shop.aread_settlements()
            return [r.model_dump() async for r in records], records

        got, records = asyncio.run(main())
    assert got == clean  # nothing lost, nothing duplicated, the same money
    assert records.skipped == []
    assert fake.faults.count(rule.kind) >= 3


def test_settlement_matching_consumes_the_records():
    fake = ShopifyFake(clock=FakeClock())
    fake.put("settlements", make_settlements(2))
    records = list(_connector(fake).read_settlements())
    docs = [
        ErpDocument(
            document_id=f"INV-{i}",
            kind="INVOICE",
            order_ref=f"shopify-{1000 + i}",
            amount={"amount": "50.00", "currency": "USD"},
            issued_on=date(2026, 4, 30),
        )
        for i in range(2)
    ]
    result = match(records, docs, engine="python")
    assert [s.integrity_ok for s in result.settlements] == [True, True]
    assert [s.deposit.amount for s in result.settlements] == [Decimal("38.58")] * 2
    matched = {d for m in result.matches for d in m.document_ids}
    assert matched >= {"INV-0", "INV-1"}
    assert {m.key for m in result.matches if m.document_ids} >= {"shopify-1000", "shopify-1001"}
