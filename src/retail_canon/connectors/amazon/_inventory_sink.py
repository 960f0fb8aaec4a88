"""``InventorySink`` for merchant-fulfilled (MFN) offers: quantities through Listings Items.

Amazon keeps one seller-fulfilled quantity per SKU (the ``DEFAULT`` fulfillment channel
of ``fulfillment_availability``); FBA quantities are Amazon's own and never written. A
canonical position at the connector's MFN location (``mfn_location_id``, by default
``amazon-mfn-<marketplaceId>``) is that quantity: what can be sold of it,

    on_hand − committed − reserved − damaged − quality_control − safety_stock (at least 0),

sent as an absolute number. Few SKUs go as one ``patchListingsItem`` each, more than
``inventory_feed_threshold`` as a ``JSON_LISTINGS_FEED``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from retail_canon.connectors import SkippableRecordError, WriteReport
from retail_canon.connectors._writes import canonical_key, refusal
from retail_canon.connectors.amazon._feeds import submit_listings_flow
from retail_canon.connectors.amazon._listings import ListingWrite, seller_id

if TYPE_CHECKING:
    from retail_canon.connectors._flow import Flow
    from retail_canon.connectors._http import HttpConnector
    from retail_canon.models import InventoryPosition

__all__ = ["inventory_flow", "mfn_location", "quantity_patch", "sellable"]


def mfn_location(connector: HttpConnector[Any]) -> str:
    """The location whose positions are the seller-fulfilled quantities on Amazon."""
    config = connector.config
    configured: str | None = config.mfn_location_id
    return configured or f"amazon-mfn-{config.marketplace_ids[0]}"


def sellable(position: InventoryPosition) -> Decimal:
    """What can be sold of a position: on hand less the parts that cannot, never negative.

    >>> from datetime import UTC, datetime
    >>> from retail_canon.models import InventoryBuckets, InventoryPosition
    >>> sellable(InventoryPosition(sku="A", location_id="L", as_of=datetime(2026, 1, 1, tzinfo=UTC),
    ...     buckets=InventoryBuckets(on_hand=10, committed=2, reserved=1, safety_stock=3)))
    Decimal('4')
    """
    b = position.buckets
    held = b.committed + b.reserved + b.damaged + b.quality_control + b.safety_stock
    return max(Decimal(0), b.on_hand - held)


def quantity_patch(quantity: int) -> dict[str, Any]:
    """The ``patchListingsItem`` body setting the seller-fulfilled quantity."""
    return {
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
            }
        ],
    }


def _plan(
    connector: HttpConnector[Any], positions: Iterable[InventoryPosition]
) -> tuple[list[ListingWrite], list[SkippableRecordError]]:
    location = mfn_location(connector)
    writes: list[ListingWrite] = []
    refused: list[SkippableRecordError] = []
    seen: set[str] = set()
    for index, position in enumerate(positions):
        key = canonical_key(position)
        problem = None
        quantity = sellable(position)
        if position.location_id != location:
            problem = (
                f"location {position.location_id!r} is not the merchant-fulfilled location "
                f"{location!r} (Amazon holds one seller-fulfilled quantity per SKU; set "
                "mfn_location_id or aggregate your nodes first)"
            )
        elif position.sku in seen:
            problem = "the SKU appears twice in one write"
        elif quantity != quantity.to_integral_value():
            problem = f"quantity {quantity} is not a whole number of units"
        if problem is not None:
            refused.append(refusal("write_inventory", key, index, position, problem))
            continue
        seen.add(position.sku)
        writes.append(
            ListingWrite(key, position.sku, "PATCH", quantity_patch(int(quantity)), position)
        )
    return writes, refused


def inventory_flow(
    connector: HttpConnector[Any], positions: Iterable[InventoryPosition]
) -> Flow[WriteReport]:
    """The whole inventory write: checks, then patches or a listings feed by count."""
    seller_id(connector, "writing merchant-fulfilled inventory")
    writes, refused = _plan(connector, positions)
    threshold = connector.config.inventory_feed_threshold
    report = yield from submit_listings_flow(connector, writes, refused, feed_threshold=threshold)
    return report
