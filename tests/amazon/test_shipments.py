"""ShipmentSink: confirmShipment from canonical shipments."""

from __future__ import annotations

from amazon.samples import connector, make_fake, make_order, make_shipments
from retail_canon.connectors.amazon._shipments import confirmation_body


def test_confirmation_body_carrier_tracking_and_items():
    fo = make_shipments(2)[1]
    body = confirmation_body(fo, fo.shipments[0], "ATVPDKIKX0DER")
    package = body["packageDetail"]
    assert body["marketplaceId"] == "ATVPDKIKX0DER"
    assert package["carrierCode"] == "UPS"
    assert "carrierName" not in package
    assert package["trackingNumber"] == "1Z999AA10000000001"
    assert package["shippingMethod"] == "Ground"
    assert package["shipDate"] == "2026-05-01T01:00:00Z"
    assert package["orderItems"] == [{"orderItemId": "400010000", "quantity": 2}]


def test_unknown_carriers_go_as_other_with_their_name():
    fo = make_shipments(1)[0]
    package = confirmation_body(fo, fo.shipments[0], "X")["packageDetail"]
    assert (package["carrierCode"], package["carrierName"]) == ("Other", "Evri")


def test_shipments_land_and_confirming_again_updates():
    fake = make_fake()
    amazon = connector(fake)
    items = make_shipments(3)
    assert amazon.write_shipments(items).ok
    assert amazon.write_shipments(items[:1]).ok
    assert sorted(f.fulfillment_order_id for f in fake.get("shipments")) == [
        "PKG-00000",
        "PKG-00001",
        "PKG-00002",
    ]


def test_a_shipment_without_tracking_is_reported_not_sent():
    fake = make_fake()
    good, bad = make_shipments(2)
    bad = bad.model_copy(
        update={"shipments": (bad.shipments[0].model_copy(update={"tracking_number": None}),)}
    )
    report = connector(fake).write_shipments([bad, good])
    assert [w.key for w in report.written] == ["PKG-00000"]
    (skipped,) = report.skipped
    assert skipped.record_id == "PKG-00001"
    assert "tracking number" in str(skipped)


def test_several_shipments_are_confirmed_package_by_package():
    fake = make_fake()
    first, second = make_shipments(2)
    both = first.model_copy(update={"shipments": (first.shipments[0], second.shipments[0])})
    report = connector(fake).write_shipments([both])
    assert len(report.written) == 2
    assert len(fake.confirmations) == 2


def test_unknown_orders_are_refused_when_the_fake_holds_orders():
    fake = make_fake()
    fake.add_orders([make_order(0)])
    report = connector(fake).write_shipments(make_shipments(2))
    assert [w.key for w in report.written] == ["PKG-00000"]
    assert [e.status for e in report.skipped] == [404]
