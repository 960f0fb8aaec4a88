"""`ErpFake`: an in-process ERP for the demo and for tests of order and settlement flows.

It keeps what the demo needs from an ERP, in canonical objects, with no HTTP in between:

- the item master (`ErpFake.read_products`, as `TrytonConnector.read_products`);
- sales orders, through `OrderSink`: one sale per channel order id, so writing the same
  order again returns the first sale (status 200) instead of creating a second one;
- an invoice per sale and a credit memo per refunded return (`ErpFake.credit`), read as
  open receivables through `ReceivableSource` (a `SettlementLine` each, as Tryton's
  ``receivable_from_invoice`` gives them).

``refuse(order)`` can return a reason to refuse an order (a `SkippableRecordError` on the
report), to rehearse ERP rejections; `ErpFake.refused` counts them.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from retail_canon.connectors import (
    AsyncRecords,
    Checkpoint,
    OrderSink,
    ReceivableSource,
    Records,
    SkippableRecordError,
    WriteReport,
    WriteResult,
)
from retail_canon.connectors._records import ReadState
from retail_canon.models import (
    AmountType,
    ExternalRef,
    Money,
    Product,
    ReturnAuthorization,
    SalesOrder,
    SettlementLine,
)

__all__ = ["ErpFake", "ErpSale", "order_total"]


def order_total(order: SalesOrder) -> Money:
    """What the customer pays: lines less discounts, plus shipping and every tax line.

    Taxes marked ``included_in_price`` are already in the prices and are not added again.
    """
    total = Money.zero(order.currency)
    for line in order.lines:
        total = total + line.subtotal()
        for discount in line.discounts:
            total = total - discount.amount
        for tax in line.tax_lines:
            if not (tax.included_in_price or order.prices_include_tax):
                total = total + tax.amount
    for ship in order.shipping_lines:
        total = total + ship.price
        for discount in ship.discounts:
            total = total - discount.amount
        for tax in ship.tax_lines:
            if not (tax.included_in_price or order.prices_include_tax):
                total = total + tax.amount
    for discount in order.discounts:
        total = total - discount.amount
    for tax in order.tax_lines:
        if not (tax.included_in_price or order.prices_include_tax):
            total = total + tax.amount
    return total


@dataclass(frozen=True, slots=True)
class ErpSale:
    """One sale: the ERP's number for a channel order, and its invoice."""

    number: str
    order: SalesOrder
    invoice: str
    total: Money


class ErpFake(OrderSink, ReceivableSource):
    """An in-process ERP (see the module docstring).

    Args:
        products: the item master.
        clock: the time of postings (``time()`` in epoch seconds, e.g. a `FakeClock`);
            the wall clock if ``None``.
        refuse: called with each new order; a reason refuses it.
    """

    name = "erp-fake"

    def __init__(
        self,
        products: Iterable[Product] = (),
        *,
        clock: object | None = None,
        refuse: Callable[[SalesOrder], str | None] | None = None,
    ) -> None:
        self.products = {p.sku: p for p in products}
        self.sales: dict[str, ErpSale] = {}
        self.credit_memos: dict[str, SettlementLine] = {}
        self.refused = 0
        self.repeats = 0
        self._receivables: list[SettlementLine] = []
        self._clock = clock
        self._refuse = refuse
        self._lock = threading.Lock()

    def _now(self) -> datetime:
        clock = self._clock
        if clock is None:
            return datetime.now(UTC)
        return datetime.fromtimestamp(clock.time(), UTC)  # type: ignore[attr-defined]

    # -- item master ------------------------------------------------------------------------

    def read_products(self) -> list[Product]:
        """The item master, by SKU."""
        return [self.products[sku] for sku in sorted(self.products)]

    # -- OrderSink --------------------------------------------------------------------------

    def write_orders(self, orders: Iterable[SalesOrder]) -> WriteReport:
        """Create one sale (and its invoice) per channel order id; repeats return it."""
        report = WriteReport()
        with self._lock:
            for order in orders:
                sale = self.sales.get(order.order_id)
                if sale is not None:
                    self.repeats += 1
                    report.written.append(WriteResult(order.order_id, 200, sale.number))
                    continue
                reason = self._refuse(order) if self._refuse is not None else None
                if reason:
                    self.refused += 1
                    error = SkippableRecordError(
                        f"ERP refused order {order.order_id}: {reason}",
                        record_id=order.order_id,
                        operation="createSale",
                        status=422,
                    )
                    report.skipped.append(error)
                    continue
                report.written.append(WriteResult(order.order_id, 201, self._post(order)))
        return report

    async def awrite_orders(self, orders: Iterable[SalesOrder]) -> WriteReport:
        """Async twin of `write_orders`."""
        return self.write_orders(orders)

    def _post(self, order: SalesOrder) -> str:
        n = len(self.sales) + 1
        number, invoice = f"SO{n:05d}", f"INV{n:05d}"
        total = order_total(order)
        self.sales[order.order_id] = ErpSale(number, order, invoice, total)
        self._receivables.append(
            SettlementLine(
                line_id=f"erp-invoice-{n}",
                amount_type=AmountType.PRINCIPAL,
                source_amount_type="invoice",
                amount=total,
                posted_at=self._now(),
                order_id=order.order_id,
                refs=(
                    ExternalRef(system="erp", scheme="invoice_number", value=invoice),
                    ExternalRef(system="erp", scheme="sale", value=number),
                ),
            )
        )
        return number

    # -- returns ----------------------------------------------------------------------------

    def credit(self, rma: ReturnAuthorization) -> SettlementLine:
        """Book the credit memo of a refunded return (once per RMA); return its receivable.

        The amount is the refund's items, tax and shipping less any restocking fee; the
        refund id is kept as an ``adjustment-id`` ref, the key settlement matching uses.
        """
        with self._lock:
            memo = self.credit_memos.get(rma.rma_id)
            if memo is not None:
                return memo
            sale = self.sales.get(rma.sales_order_id)
            refund = rma.refund
            if sale is None or refund is None:
                msg = f"return {rma.rma_id}: no sale {rma.sales_order_id} or no refund to credit"
                raise SkippableRecordError(msg, record_id=rma.rma_id, operation="createCredit")
            amount = refund.item_amount
            for extra in (refund.tax_amount, refund.shipping_amount):
                if extra is not None:
                    amount = amount + extra
            if refund.restocking_fee is not None:
                amount = amount - refund.restocking_fee
            n = len(self.credit_memos) + 1
            refs = [ExternalRef(system="erp", scheme="credit_memo", value=f"CM{n:05d}")]
            if refund.refund_id:
                system = rma.channel or "erp"
                refs.append(
                    ExternalRef(system=system, scheme="adjustment-id", value=refund.refund_id)
                )
            memo = SettlementLine(
                line_id=f"erp-credit-{n}",
                amount_type=AmountType.REFUND,
                source_amount_type="credit_note",
                amount=Money(amount=-amount.amount, currency=amount.currency),
                posted_at=self._now(),
                order_id=rma.sales_order_id,
                refs=tuple(refs),
            )
            self.credit_memos[rma.rma_id] = memo
            self._receivables.append(memo)
            return memo

    # -- ReceivableSource -------------------------------------------------------------------

    def _open(self, since: datetime | None, checkpoint: Checkpoint | None) -> list[SettlementLine]:
        with self._lock:
            lines = list(self._receivables)
        out = []
        for line in lines:
            posted = line.posted_at or datetime.min.replace(tzinfo=UTC)
            if since is not None and posted < since:
                continue
            if checkpoint is not None and checkpoint.covers(line.line_id, posted):
                continue
            out.append(line)
        return out

    def read_receivables(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[SettlementLine]:
        """Invoices (positive) and credit memos (negative), oldest first."""
        state = ReadState(checkpoint)

        def items() -> Iterator[SettlementLine]:
            for line in self._open(since, checkpoint):
                posted = line.posted_at or datetime.min.replace(tzinfo=UTC)
                state.checkpoint = (
                    Checkpoint(posted, frozenset({line.line_id}))
                    if state.checkpoint is None
                    else state.checkpoint.advance(line.line_id, posted)
                )
                state.emitted += 1
                yield line

        return Records(items(), state)

    def aread_receivables(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[SettlementLine]:
        """Async twin of `read_receivables`."""
        lines = self._open(since, checkpoint)

        async def items() -> AsyncIterator[SettlementLine]:
            for line in lines:
                yield line

        return AsyncRecords(items(), ReadState(checkpoint))
