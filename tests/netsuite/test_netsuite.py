"""NetSuite connector behaviour against the fake: upserts, errors, SuiteQL paging, auth."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from netsuite.samples import CONFIG, START, make_orders, make_receivables, seeded_fake
from retail_canon.connectors import (
    AuthError,
    BadRequest,
    ConfigurationError,
    Conflict,
    FatalConnectorError,
    NotFound,
    RateLimited,
    RequestSpec,
)
from retail_canon.connectors.netsuite import NetSuiteConnector, mapping
from retail_canon.models import AmountType
from retail_canon.testing import FakeClock, SecretScanner
from retail_canon.testing.netsuite import CONSUMER_SECRET, TOKEN_SECRET, NetSuiteFake


def _connector(fake: NetSuiteFake, **overrides) -> NetSuiteConnector:
    return NetSuiteConnector(**{**CONFIG, **overrides}, transport=fake, clock=fake.clock)


@pytest.fixture
def fake():
    return seeded_fake(clock=FakeClock())


def test_posting_an_order_twice_upserts_one_sales_order(fake):
    ns = _connector(fake)
    order = make_orders(1)[0]
    first = ns.write_orders([order])
    again = ns.write_orders([order])
    assert first.ok
    assert again.ok
    assert len(fake.sales_orders) == 1
    (record_id,) = fake.sales_orders
    assert first.written[0].vendor_id == again.written[0].vendor_id == str(record_id)
    assert first.written[0].status == 204
    assert fake.upserts == 2
    record = fake.sales_orders[record_id]
    assert record["externalId"] == "shop-1000"
    assert record["otherRefNum"] == "shop-1000"
    assert record["item"]["items"][0] == {
        "item": {"id": str(fake.add_item("SKU-0"))},
        "quantity": 2,
        "rate": 19.99,
        "amount": 39.98,
    }
    puts = [e for e in fake.exchanges if e.method == "PUT"]
    assert [e.path for e in puts] == ["/services/rest/record/v1/salesOrder/eid:shop-1000"] * 2


def test_order_ids_netsuite_refuses_become_safe_external_ids(fake):
    ns = _connector(fake)
    order = make_orders(1)[0].model_copy(update={"order_id": "amazon:113-1 2"})
    report = ns.write_orders([order, order])
    assert report.ok
    (eid,) = fake.external_ids
    assert eid == mapping.external_id("amazon:113-1 2")
    assert eid.startswith("amazon_113-1_2-")
    assert mapping.external_id("amazon:113-1_2") != eid


def test_an_unknown_sku_refuses_only_that_order(fake):
    ns = _connector(fake)
    good, bad = make_orders(2)
    bad = bad.model_copy(update={"lines": (bad.lines[0].model_copy(update={"sku": "NOPE"}),)})
    report = ns.write_orders([bad, good])
    assert [w.key for w in report.written] == ["shop-1000"]
    (skip,) = report.skipped
    assert skip.record_id == "shop-1001"
    assert skip.vendor_code == "ItemNotFound"
    assert "NOPE" in skip.message


def test_item_ids_are_looked_up_once(fake):
    ns = _connector(fake)
    ns.write_orders(make_orders(3))
    ns.write_orders(make_orders(3))
    lookups = [e for e in fake.exchanges if e.path.endswith("/suiteql")]
    assert len(lookups) == 3  # SKU-0, SKU-1, SKU-2 the first time; cached after


def test_error_details_name_the_field(fake):
    ns = _connector(fake, customer_id="999")
    report = ns.write_orders(make_orders(1))
    (skip,) = report.skipped
    assert skip.status == 400
    assert skip.vendor_code == "USER_ERROR"
    assert "field entity" in skip.message
    (detail,) = mapping.error_details(skip.body)
    assert detail.path == "entity"


def _response(status: int, code: str, path: str | None = None) -> httpx.Response:
    entry = {"detail": "it went wrong", "o:errorCode": code}
    if path:
        entry["o:errorPath"] = path
    body = {"type": "x", "title": "t", "status": status, "o:errorDetails": [entry]}
    return httpx.Response(status, json=body, request=httpx.Request("PUT", "https://h.example/x"))


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "INVALID_CONTENT", BadRequest),
        (400, "USER_ERROR", BadRequest),
        (400, "SSS_REQUEST_LIMIT_EXCEEDED", RateLimited),
        (429, "CONCURRENCY_LIMIT_EXCEEDED", RateLimited),
        (400, "RCRD_HAS_BEEN_CHANGED", Conflict),
        (401, "INVALID_LOGIN", AuthError),
        (403, "INSUFFICIENT_PERMISSION", AuthError),
        (400, "INSUFFICIENT_PERMISSION", AuthError),
        (404, "NONEXISTENT_ID", NotFound),
    ],
)
def test_error_codes_map_to_typed_errors(fake, status, code, expected):
    ns = _connector(fake)
    error = ns.classify(_response(status, code, "item.items[0].quantity"), _SPEC)
    assert type(error) is expected
    assert error.vendor_code == code
    assert "field item.items[0].quantity" in error.message


_SPEC = RequestSpec("PUT", "/x", "upsertSalesOrder")


def test_a_bad_signature_is_an_auth_error_without_secrets(fake):
    ns = _connector(fake, token_secret="rc-test-secret-wrong-0001")
    with pytest.raises(AuthError) as info:
        list(ns.read_receivables())
    assert info.value.status == 401
    assert info.value.vendor_code == "INVALID_LOGIN"
    scanner = SecretScanner([CONSUMER_SECRET, TOKEN_SECRET, "rc-test-secret-wrong-0001"])
    assert not scanner.scan_exception(info.value)


def test_the_fake_refuses_a_replayed_nonce(fake):
    ns = _connector(fake)
    request = httpx.Request(
        "POST",
        f"{fake.base_url}/services/rest/query/v1/suiteql?limit=5&offset=0",
        headers={"prefer": "transient"},
        json={"q": mapping.inventory_query()},
    )
    request.headers["Authorization"] = ns.auth_provider.sign(
        request.method, str(request.url), timestamp=int(fake.clock.time()), nonce="n-1"
    )
    assert fake.handle_request(request).status_code == 200
    assert fake.handle_request(request).status_code == 401


def test_oauth2_bearer_tokens_work_too():
    fake = seeded_fake(clock=FakeClock(), bearer_tokens=["rc-test-secret-bearer-0001"])
    ns = NetSuiteConnector(
        account_id="1234567_SB1",
        customer_id="42",
        access_token="rc-test-secret-bearer-0001",
        transport=fake,
        clock=fake.clock,
    )
    assert ns.write_orders(make_orders(2)).ok
    assert len(fake.sales_orders) == 2


def test_receivables_page_through_suiteql(fake):
    fake.put("receivables", make_receivables(7))
    ns = _connector(fake, page_size=2)
    records = ns.read_receivables()
    lines = list(records)
    assert [line.line_id for line in lines] == [line.line_id for line in make_receivables(7)]
    assert records.pages == 4
    credit = lines[2]
    assert credit.amount_type is AmountType.REFUND
    assert credit.amount.amount == Decimal("-5.00")
    assert lines[0].amount.amount == Decimal("39.98")
    assert lines[0].order_id == "shop-1000"
    sent = [e for e in fake.exchanges if e.path.endswith("/suiteql")]
    assert len(sent) == 4


def test_suiteql_requests_are_transient_paged_and_uniquely_ordered(fake):
    fake.put("receivables", make_receivables(3))
    seen: list[httpx.Request] = []

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return fake.handle_request(request)

    ns = NetSuiteConnector(
        **CONFIG, page_size=2, transport=httpx.MockTransport(spy), clock=fake.clock
    )
    list(ns.read_receivables())
    assert [r.url.params["offset"] for r in seen] == ["0", "2"]
    assert all(r.headers["prefer"] == "transient" for r in seen)
    query = json.loads(seen[0].content)["q"]
    assert query.endswith("ORDER BY t.lastmodifieddate, t.id")


def test_since_filters_in_the_account_time_zone():
    fake = seeded_fake(clock=FakeClock(), time_zone="America/Los_Angeles")
    fake.put("receivables", make_receivables(6))
    ns = _connector(fake, time_zone="America/Los_Angeles")
    since = START + timedelta(minutes=1)
    lines = list(ns.read_receivables(since=since))
    assert [line.line_id for line in lines] == [
        line.line_id for line in make_receivables(6) if line.posted_at >= since
    ]
    assert lines[0].posted_at == since
    assert lines[0].posted_at.tzinfo is UTC


def test_a_billed_order_comes_back_as_its_receivable(fake):
    ns = _connector(fake)
    order = make_orders(1)[0]
    report = ns.write_orders([order])
    fake.bill(int(report.written[0].vendor_id))
    (line,) = ns.read_receivables()
    assert line.order_id == order.order_id
    assert line.amount.amount == Decimal("39.98")
    assert line.source_amount_type == "CustInvc"


def test_inventory_sums_a_position_per_item_and_location(fake):
    item = fake.add_item("SKU-1")
    dc = fake.add_location("DC-1")
    fake.balances[(item, dc)] = (Decimal("12"), Decimal("9"))
    (position,) = _connector(fake).read_inventory()
    assert (position.sku, position.location_id) == ("SKU-1", "DC-1")
    assert position.buckets.on_hand == 12
    assert position.buckets.committed == 3
    (by_id,) = _connector(fake, location_key="id").read_inventory()
    assert by_id.location_id == f"netsuite-location-{dc}"


def test_async_writes_and_reads(fake):
    ns = _connector(fake)

    async def main():
        report = await ns.awrite_orders(make_orders(4))
        await ns.aclose()
        return report

    assert asyncio.run(main()).ok
    assert len(fake.sales_orders) == 4


@pytest.mark.parametrize(
    "settings",
    [
        {k: v for k, v in CONFIG.items() if k != "token_secret"},
        {**CONFIG, "access_token": "rc-test-secret-both-0001"},
        {**CONFIG, "time_zone": "Mars/Olympus"},
        {**CONFIG, "account_id": "12 34"},
    ],
)
def test_invalid_configuration_is_refused_without_values(settings):
    with pytest.raises(ConfigurationError) as info:
        NetSuiteConnector(**settings)
    assert CONSUMER_SECRET not in str(info.value)
    assert "rc-test-secret" not in str(info.value)


def test_the_host_follows_the_account_id():
    ns = NetSuiteConnector(**{**CONFIG, "account_id": "7654321"})
    assert ns.config.base_url == "https://7654321.suitetalk.api.netsuite.com"
    assert ns.config.realm == "7654321"
    assert CONSUMER_SECRET not in repr(ns) + repr(ns.config)


def test_a_decimal_a_json_number_cannot_carry_is_refused(fake):
    order = make_orders(1)[0]
    line = order.lines[0].model_copy(
        update={
            "unit_price": order.lines[0].unit_price.model_copy(
                update={"amount": Decimal("0.12345678901234567890")}
            )
        }
    )
    report = _connector(fake).write_orders([order.model_copy(update={"lines": (line,)})])
    assert report.skipped[0].vendor_code == "Unmappable"
    assert not fake.sales_orders


def test_posted_at_is_aware():
    row = {
        "id": "7",
        "type": "CustInvc",
        "tranid": "INV7",
        "otherrefnum": None,
        "foreigntotal": "10.5",
        "currency": "EUR",
        "lastmodified": "2026-05-01 10:00:00",
    }
    line = mapping.receivable_from_row(row, UTC)
    assert line.posted_at == datetime(2026, 5, 1, 10, tzinfo=UTC)
    assert line.order_id is None
    with pytest.raises(ValueError, match="not a receivable"):
        mapping.receivable_from_row({**row, "type": "VendBill"}, UTC)


def test_create_answers_204_and_the_id_is_read_from_location(fake):
    ns = _connector(fake)
    body = {
        "entity": {"id": "42"},
        "item": {"items": [{"item": {"id": str(fake.add_item("SKU-1"))}, "quantity": 1}]},
    }
    record_id = ns.create_record("salesOrder", body)
    assert int(record_id) in fake.sales_orders
    assert fake.exchanges[-1].status == 204
    assert ns.upsert_record("salesOrder", "ext-1", body) == ns.upsert_record(
        "salesOrder", "ext-1", body
    )
    with pytest.raises(ConfigurationError):
        ns.upsert_record("salesOrder", "not valid!", body)


def test_a_2xx_without_location_is_malformed_and_repeated(fake):
    answers = iter([httpx.Response(204), None])

    def handler(request: httpx.Request) -> httpx.Response:
        canned = next(answers, None)
        return canned if canned is not None else fake.handle_request(request)

    ns = NetSuiteConnector(**CONFIG, transport=httpx.MockTransport(handler), clock=fake.clock)
    body = {
        "entity": {"id": "42"},
        "item": {"items": [{"item": {"id": str(fake.add_item("SKU-1"))}, "quantity": 1}]},
    }
    assert ns.upsert_record("salesOrder", "ext-2", body) == str(fake.external_ids["ext-2"])


class _SmallLimit(NetSuiteConnector):
    max_rows = 10


def test_receivables_past_the_row_limit_restart_from_the_last_change():
    fake = seeded_fake(clock=FakeClock(), max_rows=10)
    lines = make_receivables(25)  # pairs share a timestamp: restarts land inside a pair
    fake.put("receivables", lines)
    ns = _SmallLimit(**CONFIG, page_size=3, transport=fake, clock=fake.clock)
    got = [line.line_id for line in ns.read_receivables()]
    assert got == [line.line_id for line in lines]
    offsets = [e for e in fake.exchanges if e.path.endswith("/suiteql")]
    assert len(offsets) > 9  # three windows of at most 10 rows


def test_too_many_rows_in_one_instant_is_an_error_not_a_loop():
    fake = seeded_fake(clock=FakeClock(), max_rows=4)
    lines = [line.model_copy(update={"posted_at": START}) for line in make_receivables(6)]
    fake.put("receivables", lines)
    ns = _SmallLimit(**CONFIG, page_size=2, transport=fake, clock=fake.clock)
    ns.max_rows = 4
    with pytest.raises(FatalConnectorError, match="changed at"):
        list(ns.read_receivables())


def test_a_connector_without_a_transport_builds_and_closes_offline():
    ns = NetSuiteConnector(**CONFIG)
    assert ns.gate.limit == 5
    ns.close()
