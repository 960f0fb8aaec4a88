"""The Tryton mapping and JSON-RPC encoding without a server."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest

from retail_canon.connectors import BadRequest, Conflict, Redactor, ServerError
from retail_canon.connectors.tryton import TrytonConnector, mapping
from retail_canon.connectors.tryton._rpc import decode, encode, rpc_error
from tryton.conftest import make_order


def test_encode_decode_round_trip() -> None:
    value = {"d": Decimal("9.50"), "day": date(2026, 5, 1), "at": datetime(2026, 5, 1, 9, 30)}
    assert decode(encode(value)) == value


def test_sale_values() -> None:
    order = make_order("SHOP-1", ["A", "B"], "C1")
    values = mapping.sale_values(order, party=3, address=4, products={"A": (1, 9), "B": (2, 9)})
    assert values["reference"] == "SHOP-1"
    assert values["shipment_address"] == values["invoice_address"] == 4
    lines = values["lines"][0][1]
    assert [(line["product"], line["quantity"], line["unit_price"]) for line in lines] == [
        (1, 2.0, Decimal("9.50")),
        (2, 2.0, Decimal("9.50")),
    ]
    assert mapping.party_values(order)["code"] == "shopify:C1"


def test_credit_note_is_a_refund() -> None:
    line = mapping.receivable_from_invoice(
        {
            "id": 7,
            "number": "7",
            "reference": "SHOP-1",
            "total_amount": Decimal("-5.00"),
            "currency.": {"id": 1, "code": "USD"},
            "write_date": datetime(2026, 11, 27, 9, 0),
        }
    )
    assert line.amount_type == "REFUND"
    assert line.amount.amount == Decimal("-5.00")
    assert line.posted_at == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "cls"),
    [("UserError", BadRequest), ("ConcurrencyException", Conflict), ("KeyError", ServerError)],
)
def test_rpc_errors_are_typed(kind: str, cls: type[Exception]) -> None:
    response = httpx.Response(200, json={"id": 1, "error": [kind, ["boom", "", None]]})
    error = rpc_error(response, "model.x.create", Redactor([]))
    assert isinstance(error, cls)


def test_password_stays_secret() -> None:
    erp = TrytonConnector(
        base_url="http://127.0.0.1:1", database="db", login="admin", password="rc-test-secret-x"
    )
    assert "rc-test-secret-x" not in repr(erp) + repr(erp.config) + repr(erp.auth_provider)


def test_registered_under_tryton() -> None:
    import retail_canon.connectors as connectors

    assert connectors.available()["tryton"].target == (
        "retail_canon.connectors.tryton:TrytonConnector"
    )


def test_address_matching_ignores_empty_values() -> None:
    order = make_order("SHOP-2", ["A"], "C1")
    assert order.ship_to is not None
    record = {"street": "1 Main St", "city": "Springfield", "postal_code": "", "party_name": None}
    assert not mapping.address_matches(record, order.ship_to)  # the name differs
    record["party_name"] = "Ada Lovelace"
    assert mapping.address_matches(record, order.ship_to)
    assert mapping.address_digest(order.ship_to) == mapping.address_digest(order.ship_to)


def test_position_quantities() -> None:
    at = datetime(2026, 11, 27, tzinfo=UTC)
    row = {"id": 7, "code": "A", "quantity": 10.0, "forecast_quantity": 7.5}
    position = mapping.position_from_record(
        row, location_id="WH", location=3, uom_symbol="kg", as_of=at
    )
    assert (position.buckets.on_hand, position.buckets.committed) == (10, Decimal("2.5"))
    assert position.buckets.incoming == 0
    assert position.uom == "KGM"
    row["quantity"] = -1.0
    with pytest.raises(ValueError, match="negative quantity"):
        mapping.position_from_record(row, location_id="WH", location=3, uom_symbol="u", as_of=at)


def _shipment(*references: str | None) -> dict[str, object]:
    return {
        "id": 5,
        "number": "S5",
        "state": "done",
        "warehouse": 4,
        "warehouse.": {"code": "WH"},
        "write_date": datetime(2026, 11, 27, 10, 0),
        "outgoing_moves.": [
            {
                "id": 10 + n,
                "quantity": 2.0,
                "origin": f"sale.line,{n}",
                "product.": {"code": "A"},
                "sale.": {"reference": ref} if ref else None,
            }
            for n, ref in enumerate(references)
        ],
    }


def test_fulfillment_from_shipment() -> None:
    fulfillment = mapping.fulfillment_from_shipment(_shipment("SHOP-1", "SHOP-1"))
    assert fulfillment.sales_order_id == "SHOP-1"
    assert [line.sales_order_line_id for line in fulfillment.lines] == [
        "sale.line,0",
        "sale.line,1",
    ]
    assert fulfillment.shipments[0].delivered_at == datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="several sales"):
        mapping.fulfillment_from_shipment(_shipment("SHOP-1", "SHOP-2"))
    with pytest.raises(ValueError, match="no sale"):
        mapping.fulfillment_from_shipment(_shipment(None))


def test_credit_note_values_negates_and_checks_quantities() -> None:
    from retail_canon.models import Quantity, ReturnAuthorization, ReturnLine

    rma = ReturnAuthorization(
        rma_id="R1",
        sales_order_id="SHOP-1",
        requested_at=datetime(2026, 11, 28, tzinfo=UTC),
        lines=(
            ReturnLine(
                line_id="r1",
                sales_order_line_id="l1",
                sku="A",
                quantity_authorized=Quantity(value="1"),
            ),
        ),
    )
    invoice = {"party": 2, "invoice_address": 3, "account": 4, "journal": 5, "currency": 1}
    line = {
        "id": 9,
        "type": "line",
        "product": 6,
        "product.": {"code": "A"},
        "quantity": 2.0,
        "unit": 1,
        "unit_price": Decimal("9.50"),
        "account": 7,
        "taxes": [],
    }
    values = mapping.credit_note_values(rma, invoice, [line])
    (credit,) = values["lines"][0][1]
    assert (credit["quantity"], credit["unit_price"]) == (-1.0, Decimal("9.50"))
    assert credit["origin"] == "account.invoice.line,9"
    assert (values["reference"], values["description"]) == ("SHOP-1", "RMA R1")
    with pytest.raises(ValueError, match="is not invoiced"):
        mapping.credit_note_values(rma, invoice, [{**line, "product.": {"code": "B"}}])
    with pytest.raises(ValueError, match="invoiced"):
        mapping.credit_note_values(rma, invoice, [{**line, "quantity": 0.5}])
