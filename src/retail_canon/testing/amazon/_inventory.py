"""FBA Inventory v1 (``getInventorySummaries``) for `AmazonFake`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

import httpx

from retail_canon.models import InventoryPosition
from retail_canon.testing._fake import FakeRequest, route
from retail_canon.testing.amazon._render import iso

if TYPE_CHECKING:
    from retail_canon.testing.amazon._fake import AmazonFake

__all__ = ["FbaInventoryRoutes", "inventory_summary"]


def inventory_summary(position: InventoryPosition) -> dict[str, Any]:
    """A canonical FBA position as an ``InventorySummary`` (details included)."""
    b = position.buckets
    refs = {ref.scheme: ref.value for ref in position.external_refs}
    fulfillable = b.on_hand - b.reserved - b.damaged - b.quality_control
    return {
        "asin": refs.get("ASIN", "B000000000"),
        "fnSku": refs.get("FNSKU", "X000000000"),
        "sellerSku": position.sku,
        "condition": "NewItem",
        "lastUpdatedTime": iso(position.as_of),
        "productName": position.sku,
        "totalQuantity": int(b.on_hand + b.incoming),
        "inventoryDetails": {
            "fulfillableQuantity": int(fulfillable),
            "inboundWorkingQuantity": int(b.incoming),
            "inboundShippedQuantity": 0,
            "inboundReceivingQuantity": 0,
            "reservedQuantity": {
                "totalReservedQuantity": int(b.reserved),
                "pendingCustomerOrderQuantity": int(b.reserved),
                "pendingTransshipmentQuantity": 0,
                "fcProcessingQuantity": 0,
            },
            "researchingQuantity": {"totalResearchingQuantity": int(b.quality_control)},
            "unfulfillableQuantity": {"totalUnfulfillableQuantity": int(b.damaged)},
        },
    }


class FbaInventoryRoutes:
    """The FBA inventory store and route of `AmazonFake` (a mixin)."""

    inventory: dict[str, InventoryPosition]
    inventory_page_size: int = 50

    def add_inventory(self, positions: Iterable[InventoryPosition]) -> None:
        """Store FBA positions (one per SKU)."""
        for position in positions:
            self.inventory[position.sku] = position

    @route("GET", "/fba/inventory/v1/summaries")
    def get_inventory_summaries(self, request: FakeRequest) -> httpx.Response:
        """``getInventorySummaries``: ``{payload: {inventorySummaries}, pagination}``."""
        fake = cast("AmazonFake", self)
        if (denied := fake.check_token(request)) is not None:
            return denied
        params = request.params
        if params.get("granularityType") != "Marketplace" or not params.get("granularityId"):
            return fake.error_response(400, "InvalidInput", "granularityType is required.")
        offset = 0
        if token := params.get("nextToken"):
            state = fake._read_token(token)
            if state is None:
                return fake.expired_page_token_response()
            offset = int(state["after"][1])
        rows = sorted(self.inventory.values(), key=lambda p: p.sku)
        if since := params.get("startDateTime"):
            rows = [p for p in rows if (iso(p.as_of) or "") >= since]
        size = self.inventory_page_size
        body: dict[str, Any] = {
            "payload": {
                "granularity": {
                    "granularityType": "Marketplace",
                    "granularityId": params["granularityId"],
                },
                "inventorySummaries": [inventory_summary(p) for p in rows[offset : offset + size]],
            }
        }
        if offset + size < len(rows):
            body["pagination"] = {"nextToken": fake._make_token("", ("", str(offset + size)))}
        return httpx.Response(200, json=body)
