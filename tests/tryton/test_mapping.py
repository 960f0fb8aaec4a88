"""The Tryton mapping and JSON-RPC encoding without a server."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest

from retail_canon.connectors import BadRequest, Conflict, Redactor, ServerError
from retail_canon.connectors.tryton import TrytonConnector, mapping
from retail_canon.connectors.tryton._rpc import decode, encode, rpc_error
from tryton.test_tryton_server import make_order


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
