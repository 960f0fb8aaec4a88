from __future__ import annotations

import doctest
import re
import uuid
import warnings
from enum import StrEnum
from pathlib import Path

import pytest

from retail_canon import UnknownStatusValue
from retail_canon.models import (
    FulfillmentStatus,
    OrderStatus,
    PaymentStatus,
    ReturnStatus,
    SettlementStatus,
    ShipmentStatus,
    TransferStatus,
)
from retail_canon.normalize import status
from retail_canon.normalize.status import (
    AMAZON_FULFILLMENT_STATUS,
    AMAZON_ORDER_STATUS_V0,
    SHOPIFY_FINANCIAL_STATUS,
    SHOPIFY_FULFILLMENT_STATUS,
    TABLES,
    TRYTON_SALE_STATE,
    WALMART_ORDER_LINE_STATUS,
    StatusMapping,
    StatusTable,
    map_status,
    shopify_order_status,
    tryton_sale_status,
)

DOCS = Path(__file__).parents[2] / "docs" / "normalize" / "status.md"

EXPECTED_ENUMS = {
    "amazon.orders_v0.OrderStatus": OrderStatus,
    "amazon.orders_2026_01_01.fulfillmentStatus": OrderStatus,
    "amazon.orders_2026_01_01.packageStatus": ShipmentStatus,
    "amazon.fulfillment_outbound.FulfillmentOrderStatus": FulfillmentStatus,
    "amazon.finances.ProcessingStatus": SettlementStatus,
    "shopify.Order.displayFinancialStatus": PaymentStatus,
    "shopify.Order.displayFulfillmentStatus": OrderStatus,
    "shopify.FulfillmentOrder.status": FulfillmentStatus,
    "shopify.Return.status": ReturnStatus,
    "shopify.InventoryTransfer.status": TransferStatus,
    "shopify.ShopifyPaymentsPayout.status": SettlementStatus,
    "walmart.orders.orderLineStatus": OrderStatus,
    "tryton.sale.sale.state": OrderStatus,
    "tryton.sale.sale.shipment_state": OrderStatus,
    "tryton.sale.sale.invoice_state": PaymentStatus,
}

# The vendor values the reference documents list; every one must be in its table.
DOCUMENTED = {
    "amazon.orders_v0.OrderStatus": {
        "Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled", "Unfulfillable",
        "InvoiceUnconfirmed", "PendingAvailability",
    },
    "amazon.orders_2026_01_01.fulfillmentStatus": {
        "PENDING_AVAILABILITY", "PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED",
        "CANCELLED", "UNFULFILLABLE",
    },
    "shopify.Order.displayFinancialStatus": {
        "PENDING", "AUTHORIZED", "PARTIALLY_PAID", "PAID", "PARTIALLY_REFUNDED", "REFUNDED",
        "VOIDED", "EXPIRED",
    },
    "shopify.Order.displayFulfillmentStatus": {
        "UNFULFILLED", "PARTIALLY_FULFILLED", "FULFILLED", "RESTOCKED", "PENDING_FULFILLMENT",
        "OPEN", "IN_PROGRESS", "ON_HOLD", "SCHEDULED", "REQUEST_DECLINED",
        "FULFILLMENT_NOT_REQUIRED",
    },
    "shopify.FulfillmentOrder.status": {
        "OPEN", "IN_PROGRESS", "SCHEDULED", "ON_HOLD", "INCOMPLETE", "CLOSED", "CANCELLED",
    },
    "walmart.orders.orderLineStatus": {
        "Created", "Acknowledged", "Shipped", "Delivered", "Cancelled", "Refund",
    },
    "tryton.sale.sale.state": {
        "draft", "quotation", "confirmed", "processing", "done", "cancelled",
    },
    "tryton.sale.sale.shipment_state": {
        "none", "waiting", "partially shipped", "sent", "exception",
    },
    "tryton.sale.sale.invoice_state": {
        "none", "pending", "awaiting payment", "partially paid", "paid", "exception",
    },
}  # fmt: skip


def _unique(prefix: str = "Brand-new") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def test_every_table_is_registered_with_the_right_enum():
    assert set(TABLES) == set(EXPECTED_ENUMS)
    for name, table in TABLES.items():
        assert table.name == name
        assert table.enum is EXPECTED_ENUMS[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_ENUMS))
def test_every_entry_maps_to_a_member_of_the_right_enum(name):
    table = TABLES[name]
    assert table.values, name
    for raw, expected in table.values.items():
        assert isinstance(expected, EXPECTED_ENUMS[name])
        # filterwarnings=error: a known value must not warn.
        mapping = map_status(name, raw)
        assert mapping == StatusMapping(status=expected, raw=raw, table=name, known=True)
        assert table.map(raw) == mapping
        assert map_status(table, raw) == mapping


@pytest.mark.parametrize(("name", "values"), sorted(DOCUMENTED.items()))
def test_documented_vendor_values_are_all_mapped(name, values):
    assert values <= set(TABLES[name].values)


def test_module_constants_are_the_registered_tables():
    constants = [
        getattr(status, name) for name in status.__all__ if name.isupper() and name != "TABLES"
    ]
    assert sorted(t.name for t in constants) == sorted(TABLES)
    assert all(TABLES[t.name] is t for t in constants)


def test_both_amazon_spellings_of_cancel_map_to_cancelled():
    assert map_status(AMAZON_ORDER_STATUS_V0, "Canceled").status is OrderStatus.CANCELLED
    assert map_status(AMAZON_FULFILLMENT_STATUS, "CANCELLED").status is OrderStatus.CANCELLED


@pytest.mark.parametrize(
    ("table", "raw"),
    [
        (AMAZON_ORDER_STATUS_V0, "CANCELLED"),  # the other API's spelling
        (AMAZON_FULFILLMENT_STATUS, "Canceled"),
        (AMAZON_ORDER_STATUS_V0, "canceled"),  # case matters
        (AMAZON_ORDER_STATUS_V0, " Canceled"),  # no trimming
    ],
)
def test_matching_is_exact(table, raw):
    with pytest.warns(UnknownStatusValue):
        mapping = map_status(table, raw)
    assert mapping.status is OrderStatus.OTHER
    assert not mapping.known


def test_unknown_value_maps_to_other_keeps_raw_and_warns_once():
    raw = _unique()
    with pytest.warns(UnknownStatusValue, match=re.escape(repr(raw))) as caught:
        first = map_status(WALMART_ORDER_LINE_STATUS, raw)
    assert len(caught) == 1
    assert caught[0].filename == __file__  # points at the caller
    assert first == StatusMapping(
        status=OrderStatus.OTHER, raw=raw, table=WALMART_ORDER_LINE_STATUS.name, known=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = map_status("walmart.orders.orderLineStatus", raw)
        also = WALMART_ORDER_LINE_STATUS.map(raw)
    assert again == also == first


def test_the_same_unknown_value_warns_again_for_another_table():
    raw = _unique()
    with pytest.warns(UnknownStatusValue):
        map_status(WALMART_ORDER_LINE_STATUS, raw)
    with pytest.warns(UnknownStatusValue, match="tryton.sale.sale.state"):
        mapping = map_status(TRYTON_SALE_STATE, raw)
    assert mapping.status is OrderStatus.OTHER


def test_an_unknown_value_in_an_other_enum_table_maps_to_that_enums_other():
    with pytest.warns(UnknownStatusValue, match="PaymentStatus.OTHER"):
        mapping = map_status(SHOPIFY_FINANCIAL_STATUS, _unique())
    assert mapping.status is PaymentStatus.OTHER


def test_a_value_the_table_maps_to_other_is_known_and_silent():
    mapping = map_status(AMAZON_ORDER_STATUS_V0, "InvoiceUnconfirmed")
    assert mapping.status is OrderStatus.OTHER
    assert mapping.known


def test_tables_are_read_only():
    with pytest.raises(TypeError):
        TABLES["mine"] = AMAZON_ORDER_STATUS_V0  # type: ignore[index]
    with pytest.raises(TypeError):
        AMAZON_ORDER_STATUS_V0.values["New"] = OrderStatus.OPEN  # type: ignore[index]
    with pytest.raises(AttributeError):
        AMAZON_ORDER_STATUS_V0.name = "mine"  # type: ignore[misc]


def test_tables_copy_their_input():
    values = {"A": OrderStatus.OPEN}
    table = StatusTable(name="mine.A", enum=OrderStatus, values=values)
    values["B"] = OrderStatus.CLOSED
    assert set(table.values) == {"A"}


def test_extended_adds_values_without_touching_the_original():
    raw = _unique("NewValue")
    bigger = AMAZON_ORDER_STATUS_V0.extended({raw: OrderStatus.OPEN}, notes={raw: "seen 2026"})
    assert bigger.map(raw) == StatusMapping(
        status=OrderStatus.OPEN, raw=raw, table=AMAZON_ORDER_STATUS_V0.name, known=True
    )
    assert bigger.map("Canceled").status is OrderStatus.CANCELLED
    assert raw not in AMAZON_ORDER_STATUS_V0.values
    assert TABLES[AMAZON_ORDER_STATUS_V0.name] is AMAZON_ORDER_STATUS_V0
    assert AMAZON_ORDER_STATUS_V0.extended({}, name="mine.v0").name == "mine.v0"


def test_custom_tables_are_checked():
    class NoOther(StrEnum):
        A = "A"

    with pytest.raises(TypeError, match="no OTHER member"):
        StatusTable(name="bad.enum", enum=NoOther, values={"a": NoOther.A})
    with pytest.raises(TypeError, match="not str → OrderStatus"):
        StatusTable(name="bad.member", enum=OrderStatus, values={"a": PaymentStatus.PAID})
    with pytest.raises(TypeError, match="not str → OrderStatus"):
        StatusTable(name="bad.key", enum=OrderStatus, values={1: OrderStatus.OPEN})
    with pytest.raises(ValueError, match="notes for values it does not list"):
        StatusTable(name="bad.notes", enum=OrderStatus, values={}, notes={"x": "?"})


def test_unknown_table_names_and_non_text_values_are_errors():
    with pytest.raises(LookupError, match=r"no status table named 'amazon\.nope'"):
        map_status("amazon.nope", "Shipped")
    with pytest.raises(TypeError, match="expected a str"):
        map_status(AMAZON_ORDER_STATUS_V0, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fulfillment", "kwargs", "expected"),
    [
        ("UNFULFILLED", {"display_financial_status": "PAID"}, OrderStatus.OPEN),
        ("UNFULFILLED", {"display_financial_status": "PENDING"}, OrderStatus.PENDING),
        ("UNFULFILLED", {"display_financial_status": "AUTHORIZED"}, OrderStatus.PENDING),
        ("UNFULFILLED", {}, OrderStatus.OPEN),
        ("FULFILLED", {"display_financial_status": "PENDING"}, OrderStatus.FULFILLED),
        ("FULFILLED", {"closed": True}, OrderStatus.CLOSED),
        ("UNFULFILLED", {"closed": True, "cancelled": True}, OrderStatus.CANCELLED),
        ("PARTIALLY_FULFILLED", {}, OrderStatus.PARTIALLY_FULFILLED),
    ],
)
def test_shopify_order_status(fulfillment, kwargs, expected):
    mapping = shopify_order_status(fulfillment, **kwargs)
    assert mapping.status is expected
    assert mapping.raw == fulfillment
    assert mapping.table == SHOPIFY_FULFILLMENT_STATUS.name
    assert mapping.known


def test_shopify_order_status_warns_for_unknown_fulfillment_values():
    raw = _unique()
    with pytest.warns(UnknownStatusValue) as caught:
        mapping = shopify_order_status(raw, display_financial_status="PAID")
    assert caught[0].filename == __file__
    assert mapping.status is OrderStatus.OTHER
    assert not mapping.known


@pytest.mark.parametrize(
    ("state", "shipment_state", "expected", "raw"),
    [
        ("draft", None, OrderStatus.PENDING, "draft"),
        ("confirmed", "none", OrderStatus.OPEN, "confirmed"),
        ("processing", None, OrderStatus.OPEN, "processing"),
        ("processing", "waiting", OrderStatus.OPEN, "waiting"),
        ("processing", "partially shipped", OrderStatus.PARTIALLY_FULFILLED, "partially shipped"),
        ("processing", "sent", OrderStatus.FULFILLED, "sent"),
        ("processing", "exception", OrderStatus.OTHER, "exception"),
        ("done", "sent", OrderStatus.CLOSED, "done"),
        ("cancelled", "none", OrderStatus.CANCELLED, "cancelled"),
    ],
)
def test_tryton_sale_status(state, shipment_state, expected, raw):
    mapping = tryton_sale_status(state, shipment_state)
    assert (mapping.status, mapping.raw, mapping.known) == (expected, raw, True)


def _markdown_table(table: StatusTable) -> str:
    lines = [f"| Vendor value | `{table.enum.__name__}` | Note |", "|---|---|---|"]
    for raw, member in table.values.items():
        note = table.notes.get(raw, "")
        lines.append(f"| `{raw}` | `{member.value}` | {note} |")
    return "\n".join(lines)


def test_docs_show_every_table_as_it_is_in_the_code():
    text = DOCS.read_text(encoding="utf-8")
    for name, table in TABLES.items():
        section = re.split(rf"^#+ `{re.escape(name)}`$", text, maxsplit=1, flags=re.MULTILINE)
        assert len(section) == 2, f"no section for {name} in {DOCS.name}"
        body = section[1].split("\n#", 1)[0]
        assert _markdown_table(table) in body, name


def test_docs_examples_run():
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
