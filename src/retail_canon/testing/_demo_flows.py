"""The demo's later phases: the return, the settlements, the KPIs, the summary, the report."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from retail_canon.models import Money, Quantity
from retail_canon.testing._demo_world import (
    START,
    DemoFigures,
    SettlementFigures,
    World,
    money,
    seconds,
)

if TYPE_CHECKING:
    from retail_canon.models import SettlementRecord
    from retail_canon.settlement import MatchResult
    from retail_canon.testing._demo_retailer import Retailer
    from retail_canon.workflow import Envelope, PipelineResult

__all__ = [
    "compute_kpis",
    "erp_documents",
    "join_flow",
    "process_return",
    "reconcile",
    "write_report",
    "write_summary",
]


def process_return(
    world: World, erp: Any, results: dict[str, PipelineResult], figures: DemoFigures
) -> list[tuple[str, str, Money]]:
    from retail_canon.connectors import ReturnSource
    from retail_canon.models import (
        Disposition,
        Refund,
        RefundStatus,
        ReturnAuthorization,
        ReturnLine,
        ReturnReason,
        ReturnStatus,
    )

    done = [r for r in results.values() if r.completed and r.order.channel == "shopify"]
    if not done:
        return []
    result = done[0]
    order, line = result.order, result.order.lines[0]
    tax = sum((t.amount.amount for t in line.tax_lines), Decimal(0)) / line.quantity.value
    refund = Refund(
        refund_id=f"RF-{world.options.seed}-0001",
        status=RefundStatus.ISSUED,
        item_amount=line.unit_price,
        tax_amount=Money(amount=tax, currency=order.currency).round(ROUND_HALF_UP),
        issued_at=world.now(),
    )
    rma: ReturnAuthorization = ReturnAuthorization(
        rma_id=f"RMA-{world.options.seed}-0001",
        sales_order_id=order.order_id,
        channel="shopify",
        status=ReturnStatus.CLOSED,
        lines=(
            ReturnLine(
                line_id="1",
                sales_order_line_id=line.line_id,
                sku=line.sku,
                quantity_authorized=Quantity(value=1),
                quantity_received=Decimal(1),
                reason=ReturnReason.UNWANTED,
                disposition=Disposition.SELLABLE,
            ),
        ),
        refund=refund,
        requested_at=world.now(),
    )
    connector = world.connectors["shopify"]
    if isinstance(connector, ReturnSource):
        try:
            world.fakes["shopify"].put("returns", [rma])
            read = [r for r in connector.read_returns() if r.sales_order_id == order.order_id]
            figures.notes.append(
                f"return read back through ShopifyConnector.read_returns: {len(read)} record(s)"
            )
        except Exception as exc:  # an optional path: the demo goes on without it
            figures.notes.append(f"Shopify returns not read through the connector: {exc}")
    envelope = world.envelope(
        "/channels/shopify",
        "com.retail-canon.demo.return.received",
        {"rma": rma.rma_id},
        subject=order.order_id,
    )
    envelope = join_flow(envelope, result.correlation_id)
    world.audit.record(envelope, "return_received", detail={"rma": rma.rma_id, "units": 1})
    credit = getattr(erp, "credit", None)
    amount = refund.item_amount + refund.tax_amount if refund.tax_amount else refund.item_amount
    if credit is not None:
        memo = credit(rma)
        world.audit.record(
            envelope, "refund_credited", detail={"credit_memo": memo.line_id, "rma": rma.rma_id}
        )
    else:
        figures.notes.append("the ERP has no credit memo operation: the refund stays open")
    figures.returns.append(
        f"{rma.rma_id} on {order.order_id}: 1 × {line.sku} refunded {money(amount.amount)}"
    )
    return [(order.order_id, str(refund.refund_id), amount)]


def join_flow(envelope: Envelope, correlation_id: str) -> Envelope:

    return dataclasses.replace(envelope, correlation_id=correlation_id)


def erp_documents(erp: Any, channel_of: dict[str, str]) -> dict[str, list[Any]]:
    from retail_canon.settlement import ErpDocument

    by_channel: dict[str, list[Any]] = {}
    for line in erp.read_receivables():
        if line.order_id is None or line.order_id not in channel_of:
            continue
        refs = {ref.scheme: ref.value for ref in line.refs}
        credit = line.amount.amount < 0
        number = refs.get("credit_memo" if credit else "invoice_number", line.line_id)
        document = ErpDocument(
            document_id=number,
            kind="CREDIT_MEMO" if credit else "INVOICE",
            order_ref=line.order_id,
            refund_ref=refs.get("adjustment-id") if credit else None,
            amount=Money(amount=abs(line.amount.amount), currency=line.amount.currency),
            issued_on=(line.posted_at or START).date(),
        )
        by_channel.setdefault(channel_of[line.order_id], []).append(document)
    return by_channel


def reconcile(
    world: World,
    erp: Any,
    results: dict[str, PipelineResult],
    refunds: list[tuple[str, str, Money]],
    figures: DemoFigures,
) -> list[MatchResult]:
    from retail_canon.connectors import SettlementSource
    from retail_canon.settlement import FeeRule, MatchPolicy, match
    from retail_canon.testing._demo_retailer import CHANNELS, fee_rate, settlement_for

    channel_of = {r.order.order_id: r.order.channel for r in results.values()}
    documents = erp_documents(erp, channel_of)
    if not any(documents.values()):
        figures.notes.append(
            "the ERP has no open receivables for these orders (no posted invoices): "
            "their settlement lines stay unmatched"
        )
    sales = getattr(erp, "sales", {})
    out = []
    end = world.now() + timedelta(days=1)
    for n, channel in enumerate(CHANNELS):
        # The channel pays for everything it sold, including the order that is still in
        # our exception queue: the ERP has no invoice for it, so its money is UNMATCHED.
        sold = [
            sales[oid].order if oid in sales else r.order
            for oid, r in results.items()
            if r.order.channel == channel
        ]
        ledger = settlement_for(
            channel,
            sold,
            [r for r in refunds if channel_of.get(r[0]) == channel],
            settlement_id=f"{24_000_000 + world.options.seed * 10 + n}",
            period_start=START,
            period_end=end,
            overcharge=sold[len(sold) // 2].order_id if channel == "walmart" and sold else None,
        )
        # Built from the demo's own ledger of what was sold; the channel's connector reads
        # it back from its fake (Amazon: a V2 settlement flat file; Shopify: Payments
        # payouts; Walmart: reconciliation reports) when it is a SettlementSource.
        record: SettlementRecord = ledger
        source = "demo ledger"
        connector = world.connectors[channel]
        if isinstance(connector, SettlementSource):
            try:
                world.fakes[channel].put("settlements", [ledger])
                with connector.read_settlements(since=START - timedelta(days=1)) as records:
                    read = list(records)
                if read:
                    record, source = read[-1], "connector"
                else:
                    figures.notes.append(f"{channel}: the connector read no settlement back")
            except Exception as exc:  # an optional path: fall back to the ledger's record
                figures.notes.append(
                    f"{channel}: settlement not read through the connector "
                    f"({type(exc).__name__}: {exc}); used the demo ledger"
                )
        kind, rate, fixed = fee_rate(channel)
        policy = MatchPolicy(fee_rules=[FeeRule(amount_type=kind, rate=rate, fixed=fixed)])
        result = match([record], documents.get(channel, []), policy=policy)
        summary = result.settlements[0]
        by_reason: dict[str, Decimal] = {}
        for reason, total in summary.by_reason.items():
            key = str(reason.value)
            by_reason[key] = by_reason.get(key, Decimal(0)) + total.amount
        figures.settlements.append(
            SettlementFigures(
                channel,
                record.settlement_id,
                source,
                summary.deposit.amount,
                summary.matched.amount,
                summary.variances.amount,
                summary.exceptions.amount,
                by_reason,
                summary.integrity_ok,
                ledger.total.amount,
            )
        )
        settled = {m.key for m in result.matches}
        for oid, r in results.items():
            if r.completed and r.order.channel == channel and oid in settled:
                event = world.envelope(
                    f"/channels/{channel}",
                    "com.retail-canon.demo.order.settled",
                    {"settlement": record.settlement_id},
                    subject=oid,
                )
                world.audit.record(join_flow(event, r.correlation_id), "settled")
        if not summary.integrity_ok:
            event = world.envelope(
                f"/channels/{channel}",
                "com.retail-canon.demo.settlement.received",
                {"settlement": record.settlement_id},
                subject=record.settlement_id,
            )
            world.queue.add(event, "payout_integrity", "settlement lines do not add up")
        out.append(result)
    return out


def compute_kpis(
    world: World,
    deliveries: list[Envelope],
    inventory: dict[str, list[Envelope]],
    replays: list[Any],
    figures: DemoFigures,
    processed_at: datetime,
) -> None:
    from retail_canon.workflow import (
        duplicate_rate,
        exception_resolution_time,
        interface_failure_rate,
        inventory_freshness,
        replay_volume,
        step_latency,
    )

    trail = world.audit.entries()
    fresh = inventory_freshness(
        [e for events in inventory.values() for e in events],
        processed_at,
        type_prefix="com.retail-canon.demo.inventory",
    )
    oldest = max(fresh.values(), default=timedelta(0))
    variance = sum((s.variances for s in figures.settlements), Decimal(0))
    unexplained = sum((s.exceptions for s in figures.settlements), Decimal(0))
    deposits = sum((s.deposit for s in figures.settlements), Decimal(0))
    figures.kpis = [
        (
            "order processing latency (ingested → ERP)",
            seconds(step_latency(trail, "ingested", "erp_posted")),
        ),
        (
            "shipment status propagation (shipped → channel)",
            seconds(step_latency(trail, "shipment_confirmed", "channel_confirmed")),
        ),
        (
            "interface failure rate",
            f"{interface_failure_rate(trail):.1%} of {len(trail)} audit entries",
        ),
        ("duplicate rate", f"{duplicate_rate(deliveries):.1%} of {len(deliveries)} deliveries"),
        ("replay volume", f"{replay_volume(replays)} record(s) replayed"),
        ("exception resolution time", seconds(exception_resolution_time(world.queue.records()))),
        (
            "inventory freshness",
            f"{len(fresh)} channel feed(s), oldest {oldest.total_seconds() / 60:.1f} min "
            "when the burst was processed",
        ),
        (
            "settlement variance",
            f"{money(variance)} USD explained, {money(unexplained)} USD to look at, "
            f"on {money(deposits)} USD deposited",
        ),
    ]


def write_summary(figures: DemoFigures, retailer: Retailer, out: TextIO) -> None:
    from retail_canon.models import LocationKind

    stores = sum(1 for n in retailer.nodes if n.kind is LocationKind.STORE)
    warehouses = len(retailer.nodes) - stores
    w = out.write
    w(f"retail-canon demo (seed {figures.seed}): the seed's retailer on embedded defaults\n")
    w(f"  channels amazon, shopify, walmart · {warehouses} warehouses · {stores} stores\n")
    w(
        f"1. catalogue    {figures.catalogue} items from the ERP item master, "
        f"{figures.xref_links} cross-references (ERP code, GTIN, ASIN, channel SKUs)\n"
    )
    units = " · ".join(f"{c} {u:,} units" for c, u in figures.ats.items())
    positions = sum(figures.published.values())
    w(f"2. ATS          {units}; {positions} positions published\n")
    w(
        f"3. orders       {figures.deliveries} deliveries: {figures.orders_in} orders, "
        f"{figures.duplicates} duplicate delivery ignored\n"
    )
    open_ = len(figures.exception_orders)
    w(
        f"4. pipeline     {len(figures.posted)} posted to the ERP ({figures.replayed} after a "
        f"replay) · {open_} in the exception queue\n"
    )
    splits = " · ".join(f"{k} {v}" for k, v in sorted(figures.splits.items()))
    w(f"5. sourcing     {splits}\n")
    shipped = " · ".join(f"{c} {n}" for c, n in sorted(figures.channel_shipments.items()))
    parcels = sum(figures.shipments.values())
    w(f"6. shipments    {parcels} parcels with tracking, confirmed to {shipped}\n")
    for text in figures.returns:
        w(f"7. return       {text}\n")
    for i, s in enumerate(figures.settlements):
        head = "8. settlements " if i == 0 else "               "
        check = "✓" if s.balanced and s.integrity_ok else "✗"
        w(
            f"{head}{s.channel:<8} {s.settlement_id}: deposit {money(s.deposit)} = matched "
            f"{money(s.matched)} + variances {money(s.variances)} + exceptions "
            f"{money(s.exceptions)} {check} ({s.source})\n"
        )
        reasons = ", ".join(f"{r} {money(a)}" for r, a in sorted(s.by_reason.items()))
        w(f"               {'':<8} by reason: {reasons or 'none'}\n")
    w("\nKPIs\n")
    for name, value in figures.kpis:
        w(f"  {name:<50} {value}\n")
    w("\nException queue\n")
    for rid, reason, status, attempts, order, message in figures.exceptions:
        w(f"  #{rid} {reason:<16} {status:<9} attempts {attempts}  {order}\n")
        w(f"      {message}\n")
    balanced = all(s.balanced and s.integrity_ok for s in figures.settlements)
    w(
        f"\nChecks: {figures.orders_in} orders in = {len(figures.posted)} posted + "
        f"{open_} exception(s); ERP holds {len(figures.erp_sales)} sales for "
        f"{len(set(figures.erp_sales))} orders; every cent of "
        f"{len(figures.settlements)} settlements accounted for: {'yes' if balanced else 'NO'}\n"
    )
    for note in figures.notes:
        w(f"  note: {note}\n")


def write_report(
    path: Path,
    figures: DemoFigures,
    world: World,
    results: dict[str, PipelineResult],
    matches: list[MatchResult],
) -> Path:
    from retail_canon.testing._demo_report import ReportData, render_report
    from retail_canon.testing._demo_retailer import CHANNELS

    ats = world.ats_result
    totals: Counter[str] = Counter()
    for channel in CHANNELS:
        for sku, units in ats.column(channel).items():
            totals[sku] += units
    top = [
        (sku, {c: ats.column(c).get(sku, 0) for c in CHANNELS})
        for sku, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    ]
    examples = []
    trace: list[tuple[str, str, str, str]] = []
    trace_title = ""
    for oid in world.retailer.split_orders:
        result = results.get(oid)
        if result is not None and result.completed:
            detail = result.outcomes["sourced"].detail
            examples.append(
                (oid, ", ".join(detail["nodes"]), f"{detail['packages']} parcels, {detail['cost']}")
            )
            if not trace:
                trace_title = f"The audit trail of {oid}: AuditTrail.trace(correlation id)"
                trace = [
                    (
                        e.recorded_at.strftime("%H:%M:%S"),
                        e.step,
                        e.status,
                        json.dumps(e.detail, sort_keys=True)[:160],
                    )
                    for e in world.audit.trace(result.correlation_id)
                ]
    variance: dict[str, Decimal] = {}
    for s in figures.settlements:
        for reason, amount in s.by_reason.items():
            variance[reason] = variance.get(reason, Decimal(0)) + amount
    balanced = all(s.balanced and s.integrity_ok for s in figures.settlements)
    data = ReportData(
        title=f"retail-canon demo, seed {figures.seed}",
        subtitle=(
            f"{figures.orders_in} orders from Amazon, Shopify and Walmart through the "
            f"workflow building blocks; {len(figures.posted)} posted to the ERP."
        ),
        kpis=figures.kpis,
        ats=figures.ats,
        ats_top=top,
        splits=dict(figures.splits),
        split_examples=examples,
        settlements=[
            (
                s.channel,
                s.settlement_id,
                s.source,
                money(s.deposit),
                money(s.matched),
                money(s.variances),
                money(s.exceptions),
                "yes" if s.balanced and s.integrity_ok else "NO",
            )
            for s in figures.settlements
        ],
        variance_by_reason=variance,
        trace_title=trace_title,
        trace=trace,
        exceptions=figures.exceptions,
        checks=[
            f"{figures.orders_in} orders in = {len(figures.posted)} posted + "
            f"{len(figures.exception_orders)} in the exception queue",
            f"{figures.deliveries} deliveries, {figures.duplicates} duplicate ignored; the ERP "
            f"holds {len(figures.erp_sales)} sales ({figures.erp_repeats} repeated writes "
            "answered with the existing sale)",
            f"every cent of every settlement accounted for: {'yes' if balanced else 'NO'}",
        ],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(data), encoding="utf-8")
    del matches
    return path
