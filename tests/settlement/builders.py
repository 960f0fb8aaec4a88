"""Builders of settlements in the shapes three marketplaces report them, and their ERP side.

- ``amazon``: Settlement V2 flat file rows: ItemPrice Principal/Tax/Shipping, ItemFees
  Commission and FBA fees, ItemWithheldTax, refunds and chargebacks keyed by
  ``adjustment-id``, reserve as ``Current Reserve Amount`` / ``Previous Reserve Amount
  Balance``.
- ``shopify``: Shopify Payments balance transactions: a CHARGE is its gross ``amount``
  and its ``fee`` (2.9 % + 30¢), a REFUND carries its refund id, DISPUTE withdrawals,
  reserved funds, adjustments.
- ``walmart``: Walmart recon report v1 rows: Product Price, Product tax, Commission on
  Product, Tax Withheld, refunds keyed by their transaction key, Dispute Settlement.

Every `Batch.match` runs both engines (the numpy one when numpy is installed, on one
thread and on two with the worker thread forced on) and checks they agree before returning.
Fixtures using these builders live in ``conftest.py``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from retail_canon.models import Money, SettlementRecord
from retail_canon.normalize.money import ExchangeRate
from retail_canon.settlement import ErpDocument, FeeRule, MatchPolicy, MatchResult, match

START = datetime(2026, 3, 1, tzinfo=UTC)
ENGINES = ["python"] + (["numpy"] if importlib.util.find_spec("numpy") else [])
"""The engines these tests compare: numpy is in the ``bench`` extra."""


@contextmanager
def worker_thread() -> Iterator[None]:
    """Make the numpy engine use its worker thread (``threads`` > 1) on tables of any size."""
    from retail_canon.settlement import _engine_np

    saved = _engine_np.PARALLEL_LINES
    _engine_np.PARALLEL_LINES = 0
    try:
        yield
    finally:
        _engine_np.PARALLEL_LINES = saved


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Style:
    """How one marketplace writes the same business events."""

    name: str
    channel: str
    refund_scheme: str
    fee_rule: FeeRule
    src: dict[str, str]

    def order_id(self, n: int) -> str:
        if self.name == "amazon":
            return f"111-{n:07d}-{(n * 7919) % 10_000_000:07d}"
        if self.name == "shopify":
            return f"gid://shopify/Order/{5_500_000_000 + n}"
        return f"{108_847_594_312_000 + n}"


STYLES = {
    "amazon": Style(
        "amazon",
        "amazon",
        "adjustment-id",
        FeeRule(amount_type="COMMISSION", rate=Decimal("0.15")),
        {
            "PRINCIPAL": "ItemPrice/Principal",
            "TAX": "ItemPrice/Tax",
            "SHIPPING": "ItemPrice/Shipping",
            "PROMOTION": "Promotion/Principal",
            "COMMISSION": "ItemFees/Commission",
            "FULFILLMENT_FEE": "ItemFees/FBAPerUnitFulfillmentFee",
            "TAX_WITHHELD": "ItemWithheldTax/MarketplaceFacilitatorTax-Principal",
            "REFUND_FEE": "ItemFees/RefundCommission",
            "CHARGEBACK": "Chargeback Refund/ItemPrice/Principal",
            "HOLD": "other-transaction/Current Reserve Amount",
            "RELEASE": "other-transaction/Previous Reserve Amount Balance",
            "ACCOUNT_FEE": "other-transaction/Subscription",
            "REIMBURSEMENT": "FBA Inventory Reimbursement/REVERSAL_REIMBURSEMENT",
        },
    ),
    "shopify": Style(
        "shopify",
        "shopify",
        "refund_id",
        FeeRule(amount_type="FEE", rate=Decimal("0.029"), fixed=Decimal("0.30")),
        {
            "PRINCIPAL": "CHARGE/amount",
            "FEE": "CHARGE/fee",
            "REFUND": "REFUND/amount",
            "CHARGEBACK": "DISPUTE/amount",
            "HOLD": "RESERVED_FUNDS/amount",
            "RELEASE": "RESERVED_FUNDS/release",
            "ACCOUNT_FEE": "ADJUSTMENT/billing",
            "REIMBURSEMENT": "SYSTEM_ADJUSTMENT/amount",
        },
    ),
    "walmart": Style(
        "walmart",
        "walmart",
        "refund-id",
        FeeRule(amount_type="COMMISSION", rate=Decimal("0.15")),
        {
            "PRINCIPAL": "Sale/Product Price",
            "TAX": "Sale/Product tax",
            "SHIPPING": "Sale/Shipping Price",
            "COMMISSION": "Sale/Commission on Product",
            "TAX_WITHHELD": "Sale/Tax Withheld",
            "CHARGEBACK": "Dispute Settlement/Product Price",
            "HOLD": "Statement/Reserve",
            "RELEASE": "Statement/Reserve released",
            "ACCOUNT_FEE": "Adjustment/WFS Storage Fee",
            "REIMBURSEMENT": "Adjustment/Fee/Reimbursement",
        },
    ),
}


@dataclass
class Settlement:
    """Lines of one settlement, written in a marketplace's style."""

    batch: Batch
    settlement_id: str
    start: datetime
    currency: str
    lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def style(self) -> Style:
        return self.batch.style

    def raw(
        self,
        amount_type: str,
        amount: str | Decimal,
        *,
        order: str | None = None,
        refund: str | None = None,
        src: str | None = None,
        day: int = 1,
    ) -> str:
        line_id = f"{self.settlement_id}-{len(self.lines) + 1}"
        refs = (
            []
            if refund is None
            else [
                {"system": self.style.channel, "scheme": self.style.refund_scheme, "value": refund}
            ]
        )
        self.lines.append(
            {
                "line_id": line_id,
                "amount_type": amount_type,
                "source_amount_type": src,
                "amount": {"amount": str(amount), "currency": self.currency},
                "posted_at": self.start + timedelta(days=day, hours=10),
                "order_id": order,
                "refs": refs,
            }
        )
        return line_id

    def sale(
        self,
        order: str,
        principal: str,
        *,
        tax: str = "0.00",
        shipping: str = "0.00",
        promotion: str = "0.00",
        withheld: bool = False,
        fee: str | None = None,
        day: int = 1,
    ) -> Decimal:
        """The order's lines; returns what its invoice should say."""
        p, t, s, pr = Decimal(principal), Decimal(tax), Decimal(shipping), Decimal(promotion)
        src = self.style.src
        total = p + t + s + pr
        if self.style.name == "shopify":
            self.raw("PRINCIPAL", total, order=order, src=src["PRINCIPAL"], day=day)
            expected = -(cents(total * Decimal("0.029")) + Decimal("0.30"))
            self.raw("FEE", fee or expected, order=order, src=src["FEE"], day=day)
            return total
        self.raw("PRINCIPAL", p, order=order, src=src["PRINCIPAL"], day=day)
        if t:
            self.raw("TAX", t, order=order, src=src["TAX"], day=day)
        if s:
            self.raw("SHIPPING", s, order=order, src=src["SHIPPING"], day=day)
        if pr:
            self.raw("PROMOTION", pr, order=order, src=src.get("PROMOTION"), day=day)
        self.raw(
            "COMMISSION",
            fee or -cents(p * Decimal("0.15")),
            order=order,
            src=src["COMMISSION"],
            day=day,
        )
        if self.style.name == "amazon":
            self.raw("FULFILLMENT_FEE", "-3.22", order=order, src=src["FULFILLMENT_FEE"], day=day)
        if withheld:
            self.raw("TAX_WITHHELD", -t, order=order, src=src["TAX_WITHHELD"], day=day)
        return total

    def refund(
        self, order: str, refund_id: str, principal: str, *, tax: str = "0.00", day: int = 2
    ) -> Decimal:
        """The refund's lines; returns what its credit memo should say."""
        p, t = Decimal(principal), Decimal(tax)
        src = self.style.src
        if self.style.name == "shopify":
            self.raw("REFUND", -(p + t), order=order, refund=refund_id, src=src["REFUND"], day=day)
            return p + t
        self.raw("PRINCIPAL", -p, order=order, refund=refund_id, src=src["PRINCIPAL"], day=day)
        if t:
            self.raw("TAX", -t, order=order, refund=refund_id, src=src["TAX"], day=day)
        back = cents(p * Decimal("0.15"))
        self.raw("COMMISSION", back, order=order, refund=refund_id, src=src["COMMISSION"], day=day)
        if self.style.name == "amazon":
            fee = -min(cents(back * Decimal("0.2")), Decimal("5.00"))
            self.raw("FEE", fee, order=order, refund=refund_id, src=src["REFUND_FEE"], day=day)
        return p + t

    def chargeback(self, order: str, amount: str, dispute: str) -> str:
        refund = dispute if self.style.name == "amazon" else None
        return self.raw(
            "CHARGEBACK",
            -Decimal(amount),
            order=order,
            refund=refund,
            src=self.style.src["CHARGEBACK"],
        )

    def hold(self, amount: str) -> str:
        return self.raw("RESERVE", -Decimal(amount), src=self.style.src["HOLD"], day=10)

    def release(self, amount: str) -> str:
        return self.raw("RESERVE", Decimal(amount), src=self.style.src["RELEASE"], day=0)

    def account_fee(self, amount: str) -> str:
        return self.raw("FEE", -Decimal(amount), src=self.style.src["ACCOUNT_FEE"], day=5)

    def reimbursement(self, amount: str) -> str:
        return self.raw("ADJUSTMENT", Decimal(amount), src=self.style.src["REIMBURSEMENT"], day=6)

    def repeat_last(self) -> str:
        """The last line once more, as a re-imported file would have it (new line id)."""
        copy = dict(self.lines[-1])
        copy["line_id"] = f"{self.settlement_id}-{len(self.lines) + 1}"
        self.lines.append(copy)
        return copy["line_id"]

    def record(self, *, off_by: str = "0.00") -> SettlementRecord:
        total = sum((Decimal(ln["amount"]["amount"]) for ln in self.lines), Decimal(0)) + Decimal(
            off_by
        )
        return SettlementRecord(
            settlement_id=self.settlement_id,
            channel=self.style.channel,
            marketplace_id="M1",
            currency=self.currency,
            period_start=self.start,
            period_end=self.start + timedelta(days=13, hours=23),
            total=Money(amount=total, currency=self.currency),
            lines=self.lines,
        )


@dataclass
class Batch:
    """Settlements and ERP documents of one test."""

    style: Style
    settlements: list[Settlement] = field(default_factory=list)
    documents: list[ErpDocument] = field(default_factory=list)
    off_by: dict[str, str] = field(default_factory=dict)

    def settlement(
        self, settlement_id: str = "S1", *, period: int = 0, currency: str = "USD"
    ) -> Settlement:
        built = Settlement(self, settlement_id, START + timedelta(days=14 * period), currency)
        self.settlements.append(built)
        return built

    def invoice(
        self,
        order: str | None,
        amount: Decimal | str,
        *,
        doc_id: str | None = None,
        issued: date = date(2026, 3, 2),
        currency: str = "USD",
        rate: ExchangeRate | None = None,
        kind: str = "INVOICE",
        open_amount: str | None = None,
    ) -> ErpDocument:
        doc = ErpDocument(
            document_id=doc_id or f"INV-{len(self.documents) + 1}",
            kind=kind,
            order_ref=order,
            amount=Money(amount=Decimal(amount), currency=currency),
            open_amount=None
            if open_amount is None
            else Money(amount=open_amount, currency=currency),
            issued_on=issued,
            exchange_rate=rate,
        )
        self.documents.append(doc)
        return doc

    def credit_memo(
        self,
        order: str | None,
        refund_id: str | None,
        amount: Decimal | str,
        *,
        doc_id: str | None = None,
        issued: date = date(2026, 3, 3),
        currency: str = "USD",
        rate: ExchangeRate | None = None,
    ) -> ErpDocument:
        doc = ErpDocument(
            document_id=doc_id or f"CM-{len(self.documents) + 1}",
            kind="CREDIT_MEMO",
            order_ref=order,
            refund_ref=refund_id,
            amount=Money(amount=Decimal(amount), currency=currency),
            issued_on=issued,
            exchange_rate=rate,
        )
        self.documents.append(doc)
        return doc

    def policy(self, **changes: Any) -> MatchPolicy:
        return MatchPolicy(fee_rules=[self.style.fee_rule], **changes)

    def records(self) -> list[SettlementRecord]:
        return [s.record(off_by=self.off_by.get(s.settlement_id, "0.00")) for s in self.settlements]

    def match(self, policy: MatchPolicy | None = None, **kwargs: Any) -> MatchResult:
        records = self.records()
        policy = policy or self.policy()
        pure = match(records, self.documents, policy=policy, engine="python", **kwargs)
        for engine in ENGINES[1:]:
            for threads in (1, 2):
                with worker_thread():
                    assert_same(
                        pure,
                        match(
                            records,
                            self.documents,
                            policy=policy,
                            engine=engine,
                            threads=threads,
                            **kwargs,
                        ),
                    )
        assert_conserved(pure, records, against_lines=policy.integrity == "off")
        return pure


def outputs(result: MatchResult) -> dict[str, Any]:
    return {
        "matches": result.matches,
        "variances": result.variances,
        "exceptions": result.exceptions,
        "open_items": result.open_items,
        "fx": result.fx_differences,
        "journal": result.journal_lines,
        "settlements": result.settlements,
    }


def assert_same(a: MatchResult, b: MatchResult) -> None:
    left, right = outputs(a), outputs(b)
    for name in left:
        assert left[name] == right[name], name


def assert_conserved(
    result: MatchResult, records: list[SettlementRecord], *, against_lines: bool = False
) -> None:
    """Deposit = Σ matched + Σ variances + Σ exceptions, recomputed from the public rows.

    With ``integrity="off"`` nothing checks the deposit: the lines' total stands in.
    """
    for record in records:
        booked = Money.zero(record.currency)
        for item in (*result.matches, *result.variances, *result.exceptions):
            if item.settlement_id == record.settlement_id:
                booked = booked + item.amount
        assert booked == (record.lines_total() if against_lines else record.total), (
            record.settlement_id
        )
