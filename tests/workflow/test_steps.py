"""The built-in steps of `OrderPipeline`, end to end on in-memory stores."""

from __future__ import annotations

from decimal import Decimal

import pytest

from retail_canon.connectors import SkippableRecordError, WriteReport, WriteResult
from retail_canon.models import (
    LocationKind,
    OrderTotals,
    Shipment,
    ShipmentLine,
    TaxLine,
)
from retail_canon.sourcing import FulfillmentNode, GeoPoint, Network, StockTable
from retail_canon.workflow import (
    ConfirmToChannel,
    Envelope,
    NormalizeParties,
    OrderPipeline,
    PostToErp,
    ReasonCode,
    ResolveItems,
    ScreenFraud,
    ShipFulfillments,
    SourceOrder,
    SQLiteAuditTrail,
    SQLiteExceptionQueue,
    SQLiteIdempotencyStore,
    ValidateTax,
)
from workflow.test_orchestrate import delivery, make_order

NETWORK = Network(
    [
        FulfillmentNode("wh-1", LocationKind.WAREHOUSE, GeoPoint(41.85, -87.65)),
        FulfillmentNode("store-1", LocationKind.STORE, GeoPoint(39.80, -89.64)),
    ]
)


class Erp:
    def __init__(self, refuse: bool = False) -> None:
        self.orders: list[str] = []
        self.refuse = refuse

    def write_orders(self, orders):
        report = WriteReport()
        for order in orders:
            if self.refuse:
                report.skipped.append(SkippableRecordError("customer on credit hold"))
            else:
                self.orders.append(order.order_id)
                report.written.append(WriteResult(order.order_id, 201, f"SO/{len(self.orders)}"))
        return report


class Channel:
    def __init__(self) -> None:
        self.confirmed: list[str] = []

    def write_shipments(self, fulfillments):
        report = WriteReport()
        for fo in fulfillments:
            self.confirmed.append(fo.shipments[0].tracking_number)
            report.written.append(WriteResult(fo.fulfillment_order_id, 200))
        return report


def ship(order, fo):
    tracking = f"1Z{len(fo.fulfillment_order_id):04d}{fo.origin_location_id}"
    lines = tuple(
        ShipmentLine(fulfillment_line_id=fl.line_id, sku=fl.sku, quantity=fl.quantity)
        for fl in fo.lines
    )
    return fo.model_copy(
        update={
            "shipments": (
                Shipment(
                    shipment_id=f"{fo.fulfillment_order_id}:1",
                    carrier="UPS",
                    tracking_number=tracking,
                    lines=lines,
                ),
            )
        }
    )


def with_tax(order, *, reported: str):
    """The order with 2.00 of tax on its line, and ``reported`` as its total tax."""
    usd = {"currency": "USD"}
    line = order.lines[0].model_copy(
        update={"tax_lines": (TaxLine(amount={"amount": "2.00", **usd}),)}
    )
    totals = OrderTotals(grand_total={"amount": "27.00", **usd}, tax={"amount": reported, **usd})
    return order.model_copy(update={"lines": (line,), "totals": totals})


@pytest.fixture
def stores():
    with (
        SQLiteIdempotencyStore() as keys,
        SQLiteAuditTrail() as audit,
        SQLiteExceptionQueue() as queue,
    ):
        yield {"idempotency": keys, "audit": audit, "exceptions": queue}


def standard(stores, erp, channel, stock, **options):
    steps = [
        NormalizeParties(),
        ResolveItems(lambda order, line: {"WEB-MUG": "MUG", "MUG": "MUG"}.get(line.sku)),
        ValidateTax(),
        ScreenFraud(options.get("screen")),
        SourceOrder(StockTable(stock), NETWORK, destination=lambda o: GeoPoint(39.78, -89.65)),
        PostToErp(erp),
        ShipFulfillments(ship),
        ConfirmToChannel({"shopify": channel}),
    ]
    return OrderPipeline(steps, **stores)


def test_the_standard_steps_take_an_order_from_channel_to_confirmation(stores):
    erp, channel = Erp(), Channel()
    pipeline = standard(stores, erp, channel, {"MUG": {"wh-1": 1, "store-1": 1}})
    env = delivery(make_order(sku="WEB-MUG"))
    result = pipeline.run(env)
    assert result.completed, result.message
    order = result.order
    assert order.customer.name == "Avery Example"
    assert order.customer.email == "avery@example.com"
    assert (order.ship_to.lines, order.ship_to.region) == (("12 Sample Street",), "IL")
    assert order.ship_to.postal_code == "62701-1234"
    assert order.lines[0].sku == "MUG"
    assert order.lines[0].item_refs[0].value == "WEB-MUG"
    assert erp.orders == ["shopify-1001"]
    assert len(channel.confirmed) == 2  # one unit from the warehouse, one from the store
    trace = {e.step: e.detail for e in pipeline.audit.trace(env.correlation_id)}
    assert trace["sourced"]["split"] == ["STORE", "WAREHOUSE"]
    assert trace["sourced"]["packages"] == 2
    assert trace["erp_posted"] == {"erp_id": "SO/1"}
    assert trace["fraud_screened"] == {"screened": False}
    assert "customer.email" in trace["normalized"]["changed"]
    assert "Avery" not in str(trace)  # no personal data in the audit trail


@pytest.mark.parametrize(
    ("change", "reason", "step"),
    [
        ({"ship_to": None}, ReasonCode.INVALID_ADDRESS, "normalized"),
        ({"postal_code": "6270"}, ReasonCode.INVALID_ADDRESS, "normalized"),
        ({"sku": "NOPE"}, ReasonCode.UNKNOWN_SKU, "items_resolved"),
        ({"totals": "1.00"}, ReasonCode.TAX_MISMATCH, "tax_checked"),
        ({"screen": "velocity"}, ReasonCode.FRAUD_SUSPECTED, "fraud_screened"),
        ({"stock": 1}, ReasonCode.OVERSELL_RISK, "sourced"),
        ({"erp_refuses": True}, ReasonCode.VENDOR_REJECTED, "erp_posted"),
    ],
)
def test_each_step_refuses_with_its_reason_code(stores, change, reason, step):
    order = make_order(sku=change.get("sku", "MUG"))
    if "ship_to" in change:
        order = order.model_copy(update={"ship_to": None})
    if "postal_code" in change:
        address = order.ship_to.model_copy(update={"postal_code": change["postal_code"]})
        order = order.model_copy(update={"ship_to": address})
    if "totals" in change:
        order = with_tax(order, reported=change["totals"])
    erp = Erp(refuse=change.get("erp_refuses", False))
    units = change.get("stock", 5)
    screen = (lambda o: change["screen"]) if "screen" in change else None
    pipeline = standard(stores, erp, Channel(), {"MUG": {"wh-1": units}}, screen=screen)
    result = pipeline.run(delivery(order))
    assert (result.failed_step, result.reason) == (step, reason)
    assert result.exception.reason is reason
    assert erp.orders == []  # nothing half-done reaches the ERP


def test_a_channel_without_a_shipment_sink_is_an_exception(stores):
    pipeline = standard(stores, Erp(), Channel(), {"MUG": {"wh-1": 5}})
    pipeline = pipeline.replace("channel_confirmed", ConfirmToChannel({}))
    result = pipeline.run(delivery(make_order()))
    assert (result.failed_step, result.reason) == ("channel_confirmed", ReasonCode.OTHER)


def test_tax_tolerance_lets_rounding_through(stores):
    order = with_tax(make_order(), reported="2.01")
    step = ValidateTax(tolerance=Decimal("0.01"))
    pipeline = OrderPipeline([step], **stores)
    assert pipeline.run(delivery(order)).completed
    strict = OrderPipeline([ValidateTax(name="strict")], name="strict", **stores)
    assert strict.run(Envelope.new("/x", "order", order)).reason is ReasonCode.TAX_MISMATCH


def test_a_store_pickup_without_address_passes_when_not_required(stores):
    order = make_order().model_copy(update={"ship_to": None})
    pipeline = OrderPipeline([NormalizeParties(require_address=False)], **stores)
    assert pipeline.run(delivery(order)).completed
