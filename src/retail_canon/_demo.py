"""The ``retail-canon demo`` scenario: the seed's retailer, end to end, on embedded defaults.

Amazon, Shopify and Walmart (the real connectors, driven through httpx transports onto
the vendor fakes of `retail_canon.testing`, on a simulated clock), an ERP (an in-process
fake, or a Tryton server with ``--erp tryton``), SQLite for the workflow stores and the
cross-reference, two warehouses and 120 stores. The run:

1. seeds the catalogue from the ERP item master and cross-references it (`retail_canon.xref`);
2. computes ATS per channel and publishes it through each connector's `InventorySink`;
3. ingests a burst of orders from the three channels (with one duplicate delivery and one
   order with an unknown SKU) and runs each through an `OrderPipeline`: normalisation,
   SKU resolution, tax check, fraud hook, sourcing (warehouse + store splits), ERP
   posting, shipping and confirmation back to the channel with tracking;
4. replays the order the ERP refused once, processes one return, reconciles one
   settlement per channel (`retail_canon.settlement.match`);
5. prints a KPI summary and the exception queue, and writes an HTML report.

`run_demo` returns the figures (`DemoFigures`) the end-to-end test checks. The phases live
in ``retail_canon.testing._demo_world`` (options, figures, the world, catalogue, ATS,
orders, the pipeline) and ``retail_canon.testing._demo_flows`` (return, settlements, KPIs,
summary, report); the generated retailer in ``retail_canon.testing._demo_retailer``.
"""

from __future__ import annotations

import sys
import tempfile
from contextlib import ExitStack
from decimal import ROUND_HALF_UP
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from retail_canon._exceptions import InvalidTransition
from retail_canon.models import (
    Address,
    Customer,
    ExternalRef,
    FulfilledBy,
    Money,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    Quantity,
    SalesOrder,
    ShippingLine,
    TaxLiability,
    TaxLine,
)
from retail_canon.testing._demo_flows import (
    compute_kpis,
    process_return,
    reconcile,
    write_report,
    write_summary,
)
from retail_canon.testing._demo_world import (
    START,
    DemoFigures,
    DemoOptions,
    Progress,
    SettlementFigures,
    Stock,
    World,
    ingest_orders,
    make_erp,
    order_pipeline,
    publish_ats,
    seed_catalogue,
)

if TYPE_CHECKING:
    from retail_canon.workflow import PipelineResult

__all__ = [
    "SAMPLE_ORDER",
    "START",
    "DemoFigures",
    "DemoOptions",
    "SettlementFigures",
    "order_from_sample",
    "run",
    "run_demo",
    "run_round_trip",
]

# -- the canonical round trip (the first demo; kept for `run_round_trip` and the tests) -----

SAMPLE_ORDER: dict[str, Any] = {
    "AmazonOrderId": "113-0000000-0000001",
    "MarketplaceId": "ATVPDKIKX0DER",
    "PurchaseDate": "2026-11-20T17:04:11Z",
    "OrderStatus": "Unshipped",
    "FulfillmentChannel": "MFN",
    "CurrencyCode": "USD",
    "BuyerName": "Avery Example",
    "BuyerEmail": "avery@example.invalid",
    "ShippingAddress": {
        "Name": "Avery Example",
        "AddressLine1": "12 Sample Street",
        "City": "Springfield",
        "StateOrRegion": "IL",
        "PostalCode": "62701",
        "CountryCode": "US",
    },
    "Items": [
        {
            "OrderItemId": "41000000000001",
            "SellerSKU": "MUG-BLUE-12OZ",
            "ASIN": "B0EXAMPLE1",
            "Title": "Blue mug, 12 oz",
            "QuantityOrdered": 3,
            # Amazon's ItemPrice is the extended price (unit price × quantity).
            "ItemPrice": "38.97",
            "ItemTax": "3.22",
            "ShippingPrice": "4.99",
        },
    ],
}


def _amazon_ref(scheme: str, value: str, raw: dict[str, Any]) -> ExternalRef:
    return ExternalRef(system="amazon", scheme=scheme, value=value, scope=raw["MarketplaceId"])


def order_from_sample(raw: dict[str, Any]) -> SalesOrder:
    """Map the sample marketplace payload onto a canonical `SalesOrder`."""
    currency = raw["CurrencyCode"]
    address = raw["ShippingAddress"]
    lines: list[OrderLine] = []
    shipping = Money.zero(currency)
    for item in raw["Items"]:
        quantity = Quantity(value=item["QuantityOrdered"], uom="EA")
        extended = Money(amount=item["ItemPrice"], currency=currency)
        tax = TaxLine(
            amount=Money(amount=item["ItemTax"], currency=currency),
            liability=TaxLiability.MARKETPLACE,
            responsible_party="Amazon Services, Inc.",
        )
        lines.append(
            OrderLine(
                line_id=str(len(lines) + 1),
                source_line_id=item["OrderItemId"],
                sku=item["SellerSKU"],
                item_refs=(
                    ExternalRef(
                        system="amazon",
                        scheme="asin",
                        value=item["ASIN"],
                        scope=raw["MarketplaceId"],
                    ),
                ),
                title=item["Title"],
                quantity=quantity,
                unit_price=Money(amount=extended.amount / quantity.value, currency=currency).round(
                    ROUND_HALF_UP
                ),
                tax_lines=(tax,),
            )
        )
        shipping = shipping + Money(amount=item["ShippingPrice"], currency=currency)
    return SalesOrder(
        order_id=f"amazon-{raw['AmazonOrderId']}",
        order_number=raw["AmazonOrderId"],
        channel="amazon",
        marketplace_id=raw["MarketplaceId"],
        placed_at=raw["PurchaseDate"],
        currency=currency,
        status=OrderStatus.OPEN,
        source_status=raw["OrderStatus"],
        payment_status=PaymentStatus.PAID,
        fulfilled_by=FulfilledBy.SELLER
        if raw["FulfillmentChannel"] == "MFN"
        else FulfilledBy.MARKETPLACE,
        customer=Customer(name=raw["BuyerName"], email=raw["BuyerEmail"]),
        ship_to=Address(
            name=address["Name"],
            lines=(address["AddressLine1"],),
            city=address["City"],
            region=address["StateOrRegion"],
            postal_code=address["PostalCode"],
            country=address["CountryCode"],
        ),
        lines=tuple(lines),
        shipping_lines=(ShippingLine(title="Standard", price=shipping),),
        external_refs=(_amazon_ref("AmazonOrderId", raw["AmazonOrderId"], raw),),
    )


def run_round_trip(out: TextIO) -> int:
    """The canonical round trip of one marketplace order; return the exit code."""
    order = order_from_sample(SAMPLE_ORDER)
    line = order.lines[0]
    out.write(f"1. mapped marketplace order {order.order_number} → SalesOrder {order.order_id}\n")
    price = line.unit_price
    out.write(
        f"   {line.sku}: {line.quantity.value} × {price.amount} {price.currency}"
        f" = {line.subtotal().amount} (marketplace sent the extended price)\n"
    )
    document = order.model_dump_json()
    out.write(f"2. canonical JSON: {len(document)} bytes, amounts as strings, e.g. ")
    out.write(f"{line.unit_price.model_dump_json()}\n")
    again = SalesOrder.model_validate_json(document)
    lossless = again == order and again.model_dump_json() == document
    out.write(f"3. read back from JSON: {'identical' if lossless else 'DIFFERENT'}\n")
    shipped = order.transition_to(OrderStatus.FULFILLED, source_status="Shipped")
    out.write(
        f"4. status {order.status} → {shipped.status} (source said {shipped.source_status!r})\n"
    )
    try:
        shipped.transition_to(OrderStatus.PENDING)
    except InvalidTransition as exc:
        out.write(f"5. refused: {exc}\n")
    out.write(f"6. personal data stays out of logs: {order.customer!r}\n")
    return 0 if lossless else 1


# -- the retailer demo ---------------------------------------------------------------------


def run_demo(options: DemoOptions, out: TextIO, err: TextIO) -> DemoFigures:
    """Run the retailer demo; write the summary to ``out`` and progress to ``err``."""
    from retail_canon.workflow import PipelineStatus

    figures = DemoFigures(options.seed)
    progress = Progress(err, options.progress)
    with ExitStack() as stack:
        if options.workdir is None:
            workdir = Path(tempfile.mkdtemp(prefix=f"retail-canon-demo-{options.seed}-"))
        else:
            workdir = options.workdir
            workdir.mkdir(parents=True, exist_ok=True)
            for name in ("workflow.db", "xref.db"):
                for suffix in ("", "-wal", "-shm"):
                    (workdir / f"{name}{suffix}").unlink(missing_ok=True)
        world = World(options, workdir, stack)
        retailer = world.retailer
        erp = make_erp(world, options, figures)
        world.xref = seed_catalogue(world, erp, figures, stack)
        inventory = publish_ats(world, figures)
        world.clock.advance(300)
        deliveries = ingest_orders(world, progress, figures)
        amazon = [d for d in deliveries if d.source == "/channels/amazon"]
        world.refuse_once = str(amazon[min(6, len(amazon) - 1)].subject)
        stock = Stock(retailer.stock)
        pipeline = order_pipeline(world, erp, stock)
        results: dict[str, PipelineResult] = {}
        for envelope in progress.track("processing orders", deliveries):
            result = pipeline.run(envelope)
            if result.status is PipelineStatus.DUPLICATE:
                figures.duplicates += 1
                continue
            results[result.order.order_id] = result
        # Someone reopens the posting period; the refused order is replayed.
        world.clock.advance(900)
        world.erp_fixed = True
        replay = pipeline.replay(on_result=lambda r: results.__setitem__(r.order.order_id, r))
        figures.replayed = len(replay.resolved)
        processed_at = world.now()
        for oid, result in results.items():
            if result.completed:
                figures.posted.append(oid)
                detail = result.outcomes["sourced"].detail
                kinds = set(detail.get("split", []))
                label = " + ".join(k.lower() for k in ("WAREHOUSE", "STORE") if k in kinds)
                label = label or "none"
                figures.splits[label] += 1
                figures.shipments[result.order.channel] += len(detail.get("nodes", []))
                figures.channel_shipments[result.order.channel] += 1
            else:
                figures.exception_orders.append(oid)
        sales = getattr(erp, "sales", None)
        figures.erp_sales = sorted(sales) if sales is not None else sorted(figures.posted)
        figures.erp_repeats = getattr(erp, "repeats", 0)
        world.clock.advance(3600)
        refunds = process_return(world, erp, results, figures)
        world.clock.advance(86400)
        matches = reconcile(world, erp, results, refunds, figures)
        for record in world.queue.records():
            order = record.envelope.subject or ""
            figures.exceptions.append(
                (
                    record.id,
                    record.reason.value,
                    record.status.value,
                    record.attempts,
                    order,
                    record.message,
                )
            )
        compute_kpis(world, deliveries, inventory, [replay], figures, processed_at)
        write_summary(figures, retailer, out)
        figures.report_path = write_report(
            options.report or workdir / "report.html", figures, world, results, matches
        )
        out.write(f"\nReport: {figures.report_path}\n")
    return figures


def run(
    out: TextIO,
    options: DemoOptions | None = None,
    *,
    err: TextIO | None = None,
) -> int:
    """Run the demo, writing to ``out`` (progress to ``err``); return the exit code."""
    figures = run_demo(options or DemoOptions(), out, err or sys.stderr)
    ok = (
        len(figures.posted) + len(figures.exception_orders) == figures.orders_in
        and len(figures.erp_sales) == len(set(figures.erp_sales))
        and all(s.balanced and s.integrity_ok for s in figures.settlements)
    )
    return 0 if ok else 1
