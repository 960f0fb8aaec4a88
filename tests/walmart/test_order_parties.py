"""Ship-to and customer of Walmart purchase orders: ``shippingInfo.postalAddress`` (alpha-3
country), ``shippingInfo.phone`` and ``customerEmailId``; personal data masked in reprs;
absent parts are `None`; an unknown country skips the order, named."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from _samples import ada_ship_to
from retail_canon.connectors.walmart import WalmartConnector, _dto, mapping
from retail_canon.models import Customer
from retail_canon.testing import FakeClock
from retail_canon.testing.walmart import CLIENT_ID, CLIENT_SECRET, WalmartFake
from walmart.samples import POSTAL, make_orders


def _record(**fields: object) -> dict[str, object]:
    record: dict[str, object] = {
        "purchaseOrderId": "1796277083022",
        "customerOrderId": "5281956426648",
        "customerEmailId": "3A31739D8B0A45A1B23F7F8C81C8747F@relay.walmart.com",
        "orderDate": 1777629600250,
        "shippingInfo": {
            "phone": "2065550100",
            "methodCode": "Standard",
            "postalAddress": POSTAL,
        },
        "orderLines": {
            "orderLine": [
                {
                    "lineNumber": "1",
                    "item": {"sku": "MUG-1", "productName": "Mug"},
                    "charges": {
                        "charge": [
                            {
                                "chargeType": "PRODUCT",
                                "chargeAmount": {"currency": "USD", "amount": 12.49},
                            }
                        ]
                    },
                    "orderLineQuantity": {"unitOfMeasurement": "EACH", "amount": "1"},
                }
            ]
        },
    }
    record.update(fields)
    return json.loads(json.dumps(record), parse_float=Decimal)


def _map(record: dict[str, object]):
    return mapping.sales_order(_dto.structure(record, _dto.Order))


def test_the_postal_address_phone_and_email_are_mapped():
    order = _map(_record())
    assert order.ship_to == ada_ship_to("2065550100")
    assert order.customer == Customer(email="3A31739D8B0A45A1B23F7F8C81C8747F@relay.walmart.com")
    assert order.bill_to is None  # Walmart sends none


def test_personal_data_is_masked_in_reprs():
    dto = _dto.structure(_record(), _dto.Order)
    order = mapping.sales_order(dto)
    for text in (repr(order), repr(order.ship_to), repr(order.customer), repr(dto)):
        for secret in ("Ada", "Harbour", "2065550100", "relay.walmart"):
            assert secret not in text, (secret, text)


def test_absent_parts_are_none_not_errors():
    order = _map(_record(customerEmailId=None, shippingInfo={"methodCode": "Standard"}))
    assert (order.customer, order.ship_to) == (None, None)
    bare = _record()
    del bare["customerEmailId"], bare["shippingInfo"]
    assert _map(bare).ship_to is None
    no_country = _record(shippingInfo={"postalAddress": {**POSTAL, "country": None}})
    assert _map(no_country).ship_to is None


@pytest.mark.parametrize(
    ("country", "code"), [("USA", "US"), ("usa", "US"), ("PRI", "PR"), ("US", "US")]
)
def test_alpha3_countries_become_alpha2(country, code):
    record = _record(shippingInfo={"postalAddress": {**POSTAL, "country": country}})
    ship_to = _map(record).ship_to
    assert ship_to is not None
    assert ship_to.country == code
    assert ship_to.phone is None


def test_an_unknown_country_is_named_and_the_read_skips_the_order():
    record = _record(shippingInfo={"postalAddress": {**POSTAL, "country": "Atlantis"}})
    with pytest.raises(ValueError, match=r"1796277083022.*postalAddress.country 'Atlantis'"):
        _map(record)
    fake = WalmartFake(clock=FakeClock())
    good, bad = make_orders(2)
    fake.put("orders", [good, bad])
    po = bad.order_id.removeprefix("walmart-")
    fake.orders[po]["shippingInfo"] = {"postalAddress": {**POSTAL, "country": "Atlantis"}}
    walmart = WalmartConnector(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, transport=fake, clock=fake.clock
    )
    records = walmart.read_orders()
    assert [o.order_id for o in records] == [good.order_id]
    assert [e.record_id for e in records.skipped] == [po]
