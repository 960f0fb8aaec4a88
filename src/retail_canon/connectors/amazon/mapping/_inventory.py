"""FBA inventory summaries → `InventoryPosition`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from retail_canon.connectors.amazon._dto import InventoryDetails, InventorySummary
from retail_canon.connectors.amazon.mapping._orders import CHANNEL
from retail_canon.models import ExternalRef, InventoryBuckets, InventoryPosition
from retail_canon.normalize.dates import parse_timestamp

__all__ = ["fba_location", "inventory_position"]


def fba_location(marketplace_id: str) -> str:
    """The canonical location of Amazon's fulfillment network in one marketplace."""
    return f"amazon-fba-{marketplace_id}"


def inventory_position(
    summary: InventorySummary, marketplace_id: str, fallback_as_of: datetime
) -> InventoryPosition:
    """An FBA inventory summary as the position of its SKU at the FBA location.

    ``on_hand`` = fulfillable + reserved + unfulfillable + researching; ``reserved``,
    ``damaged`` (unfulfillable) and ``quality_control`` (researching) are the parts that
    cannot be sold, so what is available is the fulfillable quantity; ``incoming`` is the
    inbound working, shipped and receiving quantities.
    """
    d = summary.inventory_details or InventoryDetails()
    reserved = d.reserved_quantity.total_reserved_quantity if d.reserved_quantity else Decimal(0)
    research = d.researching_quantity
    researching = research.total_researching_quantity if research else Decimal(0)
    bad = d.unfulfillable_quantity
    unfulfillable = bad.total_unfulfillable_quantity if bad else Decimal(0)
    refs = [
        ExternalRef(system=CHANNEL, scheme=s, value=v)
        for s, v in (("ASIN", summary.asin), ("FNSKU", summary.fn_sku))
        if v
    ]
    stamp = summary.last_updated_time
    return InventoryPosition(
        sku=summary.seller_sku,
        location_id=fba_location(marketplace_id),
        buckets=InventoryBuckets(
            on_hand=d.fulfillable_quantity + reserved + unfulfillable + researching,
            reserved=reserved,
            damaged=unfulfillable,
            quality_control=researching,
            incoming=d.inbound_working_quantity
            + d.inbound_shipped_quantity
            + d.inbound_receiving_quantity,
        ),
        as_of=parse_timestamp(stamp, field="lastUpdatedTime") if stamp else fallback_as_of,
        external_refs=tuple(refs),
    )
