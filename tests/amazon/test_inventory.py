"""FBA inventory summaries → InventoryPosition buckets."""

from __future__ import annotations

from decimal import Decimal

from amazon.samples import connector, make_fake, make_positions
from retail_canon.connectors.amazon import mapping
from retail_canon.connectors.amazon._dto import V2026, InventorySummary
from retail_canon.testing import FaultKind, FaultRule

SUMMARY = {
    "asin": "B0020MLK00",
    "fnSku": "X0012ABCDE",
    "sellerSku": "KETTLE-1",
    "condition": "NewItem",
    "lastUpdatedTime": "2026-05-03T10:00:00Z",
    "totalQuantity": 63,
    "inventoryDetails": {
        "fulfillableQuantity": 40,
        "inboundWorkingQuantity": 5,
        "inboundShippedQuantity": 3,
        "inboundReceivingQuantity": 2,
        "reservedQuantity": {"totalReservedQuantity": 6, "pendingCustomerOrderQuantity": 6},
        "researchingQuantity": {"totalResearchingQuantity": 1},
        "unfulfillableQuantity": {"totalUnfulfillableQuantity": 6, "customerDamagedQuantity": 6},
    },
}


def test_summary_buckets():
    summary = V2026.structure(SUMMARY, InventorySummary)
    position = mapping.inventory_position(summary, "ATVPDKIKX0DER", None)  # type: ignore[arg-type]
    b = position.buckets
    assert position.location_id == "amazon-fba-ATVPDKIKX0DER"
    assert (b.on_hand, b.reserved, b.damaged, b.quality_control, b.incoming) == (
        Decimal(53),
        Decimal(6),
        Decimal(6),
        Decimal(1),
        Decimal(10),
    )
    available = b.on_hand - b.reserved - b.damaged - b.quality_control
    assert available == 40  # the fulfillable quantity
    assert {r.scheme: r.value for r in position.external_refs} == {
        "ASIN": "B0020MLK00",
        "FNSKU": "X0012ABCDE",
    }


def test_summary_without_details_is_zero():
    summary = V2026.structure(
        {"sellerSku": "A", "lastUpdatedTime": "2026-05-03T10:00:00Z"}, InventorySummary
    )
    position = mapping.inventory_position(summary, "ATVPDKIKX0DER", None)  # type: ignore[arg-type]
    assert position.buckets.on_hand == 0


def test_read_survives_expiring_next_tokens():
    fake = make_fake(faults=[FaultRule(FaultKind.PAGE_TOKEN_EXPIRY, every=4, limit=3)])
    fake.inventory_page_size = 7
    seeded = make_positions(60)
    fake.add_inventory(seeded)
    records = connector(fake).read_inventory()
    got = list(records)
    assert sorted(p.sku for p in got) == sorted(p.sku for p in seeded)
    assert records.resumes > 0
    assert got == sorted(seeded, key=lambda p: p.sku)


def test_since_is_start_date_time():
    fake = make_fake()
    seeded = make_positions(20)
    fake.add_inventory(seeded)
    cut = seeded[12].as_of
    got = {p.sku for p in connector(fake).read_inventory(since=cut)}
    assert got == {p.sku for p in seeded if p.as_of >= cut}
