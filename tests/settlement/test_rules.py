"""The rules that match: key joins 1:1, 1:n, n:1, n:m, refund by order, tokens, fuzzy, xref."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from retail_canon.models import ExternalRef, Money
from retail_canon.settlement import MatchRule, ReasonCode
from settlement.builders import STYLES, Batch


def usd(amount: str) -> Money:
    return Money(amount=amount, currency="USD")


def rules(result, key=None):
    return [
        (m.rule, m.amount, m.document_ids) for m in result.matches if key is None or m.key == key
    ]


def test_one_to_one(vendor: Batch) -> None:
    order = vendor.style.order_id(1)
    vendor.settlement().raw("PRINCIPAL", "43.20", order=order)
    vendor.invoice(order, "43.20", doc_id="INV-1")
    assert rules(vendor.match()) == [(MatchRule.KEY, usd("43.20"), ("INV-1",))]


def test_a_payment_request_is_settled_like_an_invoice(vendor: Batch) -> None:
    order = vendor.style.order_id(1)
    vendor.settlement().raw("PRINCIPAL", "43.20", order=order)
    vendor.invoice(order, "43.20", doc_id="PAY-1", kind="PAYMENT")
    result = vendor.match()
    assert rules(result) == [(MatchRule.KEY, usd("43.20"), ("PAY-1",))]
    assert not result.open_items


def test_one_order_invoiced_per_shipment(vendor: Batch) -> None:
    order = vendor.style.order_id(1)
    vendor.settlement().raw("PRINCIPAL", "43.20", order=order)
    vendor.invoice(order, "20.00", doc_id="INV-1")
    vendor.invoice(order, "23.20", doc_id="INV-2")
    result = vendor.match()
    assert rules(result) == [(MatchRule.KEY_SPLIT_DOCUMENTS, usd("43.20"), ("INV-1", "INV-2"))]
    assert not result.open_items


def test_oldest_document_is_settled_first(vendor: Batch) -> None:
    order = vendor.style.order_id(1)
    vendor.settlement().raw("PRINCIPAL", "25.00", order=order)
    vendor.invoice(order, "20.00", doc_id="INV-NEW", issued=date(2026, 3, 10))
    vendor.invoice(order, "20.00", doc_id="INV-OLD", issued=date(2026, 3, 1))
    result = vendor.match()
    assert [(o.document_id, o.reason, o.open_amount) for o in result.open_items] == [
        ("INV-NEW", ReasonCode.PARTIAL_SETTLEMENT, usd("15.00"))
    ]


def test_many_to_many(vendor: Batch) -> None:
    order = vendor.style.order_id(1)
    vendor.settlement("S1", period=0).raw("PRINCIPAL", "30.00", order=order)
    vendor.settlement("S2", period=1).raw("PRINCIPAL", "13.20", order=order)
    vendor.invoice(order, "20.00", doc_id="INV-1")
    vendor.invoice(order, "23.20", doc_id="INV-2")
    assert {r for r, _, _ in rules(vendor.match())} == {MatchRule.KEY_MANY_TO_MANY}


def test_variance_lands_in_the_last_settlement(vendor: Batch) -> None:
    order = vendor.style.order_id(1)
    vendor.settlement("S2", period=1).raw("PRINCIPAL", "13.21", order=order)
    vendor.settlement("S1", period=0).raw("PRINCIPAL", "30.00", order=order)
    vendor.invoice(order, "43.20")
    result = vendor.match()
    (rounding,) = result.variances
    assert (rounding.settlement_id, rounding.reason, rounding.amount) == (
        "S2",
        ReasonCode.ROUNDING,
        usd("0.01"),
    )


def test_refund_joined_by_order_when_the_erp_lacks_the_refund_id(vendor: Batch) -> None:
    order = vendor.style.order_id(1)
    vendor.settlement().raw("PRINCIPAL", "-20.00", order=order, refund="R-1")
    vendor.credit_memo(order, None, "20.00", doc_id="CM-1")
    assert rules(vendor.match()) == [(MatchRule.REFUND_BY_ORDER, usd("-20.00"), ("CM-1",))]


def test_token_match_ignores_punctuation_and_case() -> None:
    batch = Batch(STYLES["amazon"])
    batch.settlement().raw("PRINCIPAL", "43.20", order="111-0000001-0007919")
    batch.invoice("1110000001 0007919", "43.20", doc_id="INV-1")
    assert rules(batch.match()) == [(MatchRule.TOKEN, usd("43.20"), ("INV-1",))]


def test_ambiguous_token_is_not_matched() -> None:
    batch = Batch(STYLES["shopify"])
    s = batch.settlement()
    s.raw("PRINCIPAL", "10.00", order="#1001")
    s.raw("PRINCIPAL", "10.00", order="1001.")
    batch.invoice("1001", "10.00", issued=date(2025, 1, 2))
    result = batch.match()
    assert {e.reason for e in result.exceptions} == {ReasonCode.UNMATCHED}
    assert [o.reason for o in result.open_items] == [ReasonCode.UNMATCHED]


@pytest.mark.parametrize(
    ("amounts", "size"),
    [(["43.20"], 1), (["20.00", "23.20"], 2), (["10.00", "13.20", "20.00"], 3)],
)
def test_fuzzy_finds_up_to_three_documents(vendor: Batch, amounts: list[str], size: int) -> None:
    vendor.settlement().raw("PRINCIPAL", "43.20", day=1)  # no order id
    vendor.invoice(None, "99.00", doc_id="DECOY", issued=date(2026, 3, 2))
    for i, amount in enumerate(amounts):
        vendor.invoice(None, amount, doc_id=f"INV-{i}", issued=date(2026, 3, 2 + i % 2))
    result = vendor.match()
    (found,) = result.matches
    assert found.rule == MatchRule.FUZZY
    assert found.document_ids == tuple(f"INV-{i}" for i in range(size))
    assert [o.document_id for o in result.open_items] == ["DECOY"]


def test_fuzzy_stops_at_three_documents(vendor: Batch) -> None:
    vendor.settlement().raw("PRINCIPAL", "40.00")
    for i in range(4):
        vendor.invoice(None, "10.00", doc_id=f"INV-{i}")
    result = vendor.match()
    assert result.matches == ()
    assert [e.reason for e in result.exceptions] == [ReasonCode.UNMATCHED]
    assert len(result.open_items) == 4


def test_fuzzy_leaves_an_ambiguous_choice_to_a_person(vendor: Batch) -> None:
    vendor.settlement().raw("PRINCIPAL", "43.20")
    vendor.invoice(None, "43.20", doc_id="A")
    vendor.invoice(None, "43.20", doc_id="B")
    result = vendor.match()
    assert result.matches == ()
    assert len(result.open_items) == 2


def test_fuzzy_respects_the_date_window(vendor: Batch) -> None:
    vendor.settlement().raw("PRINCIPAL", "43.20", day=1)  # posted 2026-03-02
    vendor.invoice(None, "43.20", doc_id="FAR", issued=date(2026, 3, 9))
    assert vendor.match().matches == ()
    wide = vendor.match(vendor.policy(fuzzy_window_days=7))
    assert [m.document_ids for m in wide.matches] == [("FAR",)]
    assert vendor.match(vendor.policy(fuzzy_max_documents=0, fuzzy_window_days=7)).matches == ()


def test_fuzzy_never_overrides_two_different_keys(vendor: Batch) -> None:
    vendor.settlement().raw("PRINCIPAL", "43.20", order=vendor.style.order_id(1))
    vendor.invoice(vendor.style.order_id(2), "43.20")
    result = vendor.match()
    assert result.matches == ()
    assert [e.reason for e in result.exceptions] == [ReasonCode.UNMATCHED]


def test_keyed_lines_may_meet_a_document_without_key(vendor: Batch) -> None:
    order = vendor.style.order_id(1)
    vendor.settlement().raw("PRINCIPAL", "43.20", order=order)
    vendor.invoice(None, "43.20", doc_id="MANUAL")
    assert rules(vendor.match()) == [(MatchRule.FUZZY, usd("43.20"), ("MANUAL",))]


def test_unkeyed_lines_posted_together_are_one_group(vendor: Batch) -> None:
    s = vendor.settlement()
    s.raw("PRINCIPAL", "40.00", day=1)
    s.raw("TAX", "3.20", day=1)
    vendor.invoice(None, "43.20", doc_id="INV-1")
    assert rules(vendor.match()) == [(MatchRule.FUZZY, usd("43.20"), ("INV-1",))]


@dataclass
class Resolution:
    status: str
    ref: ExternalRef | None = None


class FakeResolver:
    """Shaped like the xref resolver: explicit none / one / conflict answers."""

    def __init__(self, table: dict[str, Resolution | str | ExternalRef | None]) -> None:
        self.table = table
        self.calls: list[tuple[ExternalRef, str, str | None]] = []

    def resolve(self, ref: ExternalRef, *, to_system: str, to_scheme: str | None = None) -> object:
        self.calls.append((ref, to_system, to_scheme))
        return self.table.get(ref.value)


def test_marketplace_ids_are_mapped_through_the_resolver(vendor: Batch) -> None:
    s = vendor.settlement()
    for n in range(1, 5):
        s.raw("PRINCIPAL", f"{n}0.00", order=vendor.style.order_id(n))
        vendor.invoice(f"SO-{n}", f"{n}0.00", doc_id=f"INV-{n}", issued=date(2025, 1, 1))
    erp = ExternalRef(system="erp", scheme="sale", value="SO-3")
    resolver = FakeResolver(
        {
            vendor.style.order_id(1): Resolution(
                "one", ExternalRef(system="erp", scheme="sale", value="SO-1")
            ),
            vendor.style.order_id(2): Resolution("conflict"),
            vendor.style.order_id(3): erp,
            vendor.style.order_id(4): "SO-4",
        }
    )
    result = vendor.match(resolver=resolver)
    assert sorted(d for m in result.matches for d in m.document_ids) == ["INV-1", "INV-3", "INV-4"]
    assert [e.key for e in result.exceptions] == [vendor.style.order_id(2)]
    ref, to_system, _ = resolver.calls[0]
    assert (ref.system, ref.scheme, ref.scope, to_system) == (
        vendor.style.channel,
        "order_id",
        "M1",
        "erp",
    )
