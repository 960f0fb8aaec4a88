"""Odoo connector behaviour against the fake, over JSON-2 and over JSON-RPC."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from odoo.samples import (
    JSON2,
    JSONRPC,
    PROTOCOLS,
    START,
    make_orders,
    make_receivables,
    seeded_fake,
)
from retail_canon.connectors import AuthError, BadRequest, ConfigurationError, NotFound
from retail_canon.connectors.odoo import OdooConnector, mapping
from retail_canon.models import AmountType, InventoryBuckets, InventoryPosition
from retail_canon.testing import FakeClock, SecretScanner
from retail_canon.testing.odoo import API_KEY


@pytest.fixture(params=list(PROTOCOLS))
def protocol(request):
    return request.param


@pytest.fixture
def fake():
    return seeded_fake(clock=FakeClock())


def _connector(fake, protocol, **overrides) -> OdooConnector:
    settings = {**PROTOCOLS[protocol], **overrides}
    return OdooConnector(**settings, transport=fake, clock=fake.clock)


def test_posting_an_order_twice_gives_one_confirmed_sale_order(fake, protocol):
    odoo = _connector(fake, protocol)
    order = make_orders(1)[0]
    first = odoo.write_orders([order])
    again = odoo.write_orders([order])
    assert first.ok
    assert again.ok
    (sale_id,) = fake.orm.records["sale.order"]
    assert first.written[0].vendor_id == again.written[0].vendor_id == str(sale_id)
    assert (first.written[0].status, again.written[0].status) == (201, 200)
    sale = fake.orm.records["sale.order"][sale_id]
    assert sale["client_order_ref"] == "shop-1000"
    assert sale["state"] == "sale"
    assert sale["date_order"] == "2026-05-01 00:00:00"
    (line_id,) = sale["order_line"]
    line = fake.orm.records["sale.order.line"][line_id]
    assert line["product_id"] == fake.add_product("SKU-0")
    assert (line["product_uom_qty"], line["price_unit"]) == (2, 19.99)
    assert fake.creates == 1


def test_lines_are_sent_as_command_tuples_with_named_arguments(fake):
    seen = []

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return fake.handle_request(request)

    odoo = OdooConnector(**JSON2, transport=httpx.MockTransport(spy), clock=fake.clock)
    odoo.write_orders(make_orders(1))
    create = next(r for r in seen if r.url.path == "/json/2/sale.order/create")
    body = json.loads(create.content)
    (values,) = body["vals_list"]
    assert values["order_line"] == [
        [0, 0, {"product_id": fake.add_product("SKU-0"), "product_uom_qty": 2, "price_unit": 19.99}]
    ]
    assert create.headers["authorization"] == f"bearer {API_KEY}"
    assert create.headers["x-odoo-database"] == "acme"
    confirm = next(r for r in seen if r.url.path == "/json/2/sale.order/action_confirm")
    assert json.loads(confirm.content)["ids"] == [
        int(odoo.write_orders(make_orders(1)).written[0].vendor_id)
    ]


def test_legacy_calls_go_through_execute_kw(fake):
    seen = []

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return fake.handle_request(request)

    odoo = OdooConnector(**JSONRPC, transport=httpx.MockTransport(spy), clock=fake.clock)
    odoo.write_orders(make_orders(2))
    assert seen[0]["params"]["service"] == "common"
    assert seen[0]["params"]["method"] == "login"
    calls = [s["params"] for s in seen[1:]]
    assert all(c["service"] == "object" and c["method"] == "execute_kw" for c in calls)
    assert [c["args"][3:5] for c in calls][:3] == [
        ["sale.order", "search_read"],
        ["product.product", "search_read"],
        ["sale.order", "create"],
    ]
    assert sum(1 for s in seen if s["params"]["method"] == "login") == 1


def test_a_found_quotation_is_confirmed_not_recreated(fake, protocol):
    draft = _connector(fake, protocol, confirm=False)
    draft.write_orders(make_orders(1))
    (sale_id,) = fake.orm.records["sale.order"]
    assert fake.orm.records["sale.order"][sale_id]["state"] == "draft"
    _connector(fake, protocol).write_orders(make_orders(1))
    assert fake.orm.records["sale.order"][sale_id]["state"] == "sale"
    assert fake.creates == 1


def test_an_unknown_sku_refuses_only_that_order(fake, protocol):
    good, bad = make_orders(2)
    bad = bad.model_copy(update={"lines": (bad.lines[0].model_copy(update={"sku": "NOPE"}),)})
    report = _connector(fake, protocol).write_orders([bad, good])
    assert [w.key for w in report.written] == ["shop-1000"]
    (skip,) = report.skipped
    assert skip.vendor_code == "ProductNotFound"
    assert "NOPE" in skip.message


def test_a_user_error_is_refused_with_its_message(fake, protocol):
    fake.orm.confirm_errors["shop-1000"] = "You cannot confirm an order of an archived customer."
    report = _connector(fake, protocol).write_orders(make_orders(2))
    (skip,) = report.skipped
    assert skip.vendor_code == "UserError"
    assert "archived customer" in skip.message
    assert [w.key for w in report.written] == ["shop-1001"]


def test_a_validation_error_is_refused_with_its_message(fake, protocol):
    report = _connector(fake, protocol, partner_id=999).write_orders(make_orders(1))
    (skip,) = report.skipped
    assert skip.vendor_code == "ValidationError"
    assert "partner_id" in skip.message


def test_an_access_error_is_an_auth_error(fake, protocol):
    fake.orm.forbidden.add("account.move")
    with pytest.raises(AuthError) as info:
        list(_connector(fake, protocol).read_receivables())
    assert info.value.vendor_code == "AccessError"


def test_a_wrong_key_is_an_auth_error_without_the_key(fake, protocol):
    wrong = "rc-test-secret-wrong-key-0001"
    with pytest.raises(AuthError) as info:
        _connector(fake, protocol, api_key=wrong).write_orders(make_orders(1))
    assert not SecretScanner([wrong, API_KEY]).scan_exception(info.value)


def test_a_bad_argument_is_a_bad_request_naming_it(fake, protocol):
    odoo = _connector(fake, protocol)
    with pytest.raises(BadRequest) as info:
        odoo.execute("res.partner", "search_read", kwargs={"domain": [], "badparameter": 1})
    assert "(argument badparameter)" in info.value.message
    if protocol == "json2":
        assert info.value.status == 422


def test_a_missing_record_is_not_found(fake, protocol):
    with pytest.raises(NotFound):
        _connector(fake, protocol).execute("res.partner", "read", ids=[424242], kwargs={})


def test_receivables_page_in_write_date_order(fake, protocol):
    fake.put("receivables", make_receivables(7))
    records = _connector(fake, protocol, page_size=2).read_receivables()
    lines = list(records)
    assert [line.line_id for line in lines] == [line.line_id for line in make_receivables(7)]
    refund = lines[2]
    assert refund.amount_type is AmountType.REFUND
    assert refund.amount.amount == Decimal("-5.00")
    assert lines[0].order_id == "shop-1000"
    since = START + timedelta(minutes=2)
    later = list(_connector(fake, protocol).read_receivables(since=since))
    assert [line.posted_at >= since for line in later] == [True] * len(later)
    assert len(later) == 3


def test_an_invoiced_order_comes_back_as_its_receivable(fake, protocol):
    odoo = _connector(fake, protocol)
    report = odoo.write_orders(make_orders(1))
    fake.invoice(int(report.written[0].vendor_id))
    (line,) = odoo.read_receivables()
    assert line.order_id == "shop-1000"
    assert line.amount.amount == Decimal("39.98")
    assert {r.scheme for r in line.refs} >= {"account.move", "sale_order_name"}


def test_inventory_sums_quants_per_product_and_internal_location(fake, protocol):
    fake.put(
        "inventory",
        [
            InventoryPosition(
                sku="SKU-1",
                location_id="WH/Stock",
                buckets=InventoryBuckets(on_hand=9, committed=4),
                as_of=START,
            )
        ],
    )
    customers = fake.add_location("Partners/Customers", usage="customer")
    fake.orm.add(
        "stock.quant",
        {"product_id": fake.add_product("SKU-1"), "location_id": customers, "quantity": 5},
    )
    positions = list(_connector(fake, protocol, page_size=1).read_inventory())
    assert [(p.sku, p.location_id, p.buckets.on_hand, p.buckets.committed) for p in positions] == [
        ("SKU-1", "WH/Stock", 9, 4)
    ]
    assert len(fake.orm.records["stock.quant"]) == 3  # two quants summed, one not internal


def test_async_writes(fake, protocol):
    odoo = _connector(fake, protocol)

    async def main():
        report = await odoo.awrite_orders(make_orders(4))
        await odoo.aclose()
        return report

    assert asyncio.run(main()).ok
    assert fake.creates == 4


@pytest.mark.parametrize(
    "settings",
    [
        {k: v for k, v in JSONRPC.items() if k != "login"},
        {**JSON2, "protocol": "soap"},
        {k: v for k, v in JSON2.items() if k != "api_key"},
    ],
)
def test_invalid_configuration_is_refused_without_values(settings):
    with pytest.raises(ConfigurationError) as info:
        OdooConnector(**settings)
    assert API_KEY not in str(info.value)


def test_a_reversal_ref_is_not_an_order_id():
    record = {
        "id": 9,
        "name": "RINV/2026/00009",
        "move_type": "out_refund",
        "state": "posted",
        "ref": "Reversal of: INV/2026/00003, damaged",
        "invoice_origin": False,
        "amount_total": 12.5,
        "currency_id": [2, "EUR"],
        "write_date": "2026-05-01 10:00:00",
    }
    line = mapping.receivable_from_move(record)
    assert line.order_id is None
    assert line.amount.amount == Decimal("-12.5")
    assert line.amount.currency == "EUR"
    with pytest.raises(ValueError, match="not a receivable"):
        mapping.receivable_from_move({**record, "move_type": "in_invoice"})
