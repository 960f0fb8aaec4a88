"""Amazon SP-API wire DTOs (Orders v0 and 2026-01-01, FBA inventory), lenient attrs classes.

Unknown fields are ignored, open enums stay strings, and one cattrs converter per API
renames fields (PascalCase for v0, camelCase for 2026-01-01). Both APIs' money shapes
(``{"CurrencyCode", "Amount"}`` and ``{"currencyCode", "amount"}``) structure into the
same `AmzMoney`, with string or number amounts.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from retail_canon.connectors._wire import camel_case, pascal_case, wire_converter

__all__ = [
    "V0",
    "V2026",
    "AmzMoney",
    "InventorySummary",
    "ItemV0",
    "ItemV2026",
    "OrderV0",
    "OrderV2026",
]

_frozen = attrs.frozen(slots=True)


@_frozen
class AmzMoney:
    currency_code: str
    amount: Decimal


@_frozen
class TaxCollection:
    model: str | None = None
    responsible_party: str | None = None


@_frozen
class BuyerInfoV0:
    buyer_email: str | None = None
    buyer_name: str | None = None


@_frozen
class AddressV0:
    country_code: str
    name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    address_line3: str | None = None
    city: str | None = None
    state_or_region: str | None = None
    postal_code: str | None = None
    phone: str | None = None


@_frozen
class OrderV0:
    amazon_order_id: str
    purchase_date: str
    last_update_date: str
    order_status: str
    fulfillment_channel: str | None = None
    marketplace_id: str | None = None
    seller_order_id: str | None = None
    order_total: AmzMoney | None = None
    ship_service_level: str | None = None
    latest_ship_date: str | None = None
    latest_delivery_date: str | None = None
    buyer_info: BuyerInfoV0 | None = None
    shipping_address: AddressV0 | None = None


@_frozen
class ItemV0:
    asin: str
    order_item_id: str
    quantity_ordered: Decimal
    seller_sku: str | None = None
    title: str | None = None
    quantity_shipped: Decimal | None = None
    item_price: AmzMoney | None = None
    shipping_price: AmzMoney | None = None
    item_tax: AmzMoney | None = None
    shipping_tax: AmzMoney | None = None
    shipping_discount: AmzMoney | None = None
    promotion_discount: AmzMoney | None = None
    promotion_ids: list[str] = attrs.field(factory=list)
    tax_collection: TaxCollection | None = None


@_frozen
class Detail2026:
    subtype: str
    value: AmzMoney


@_frozen
class Breakdown2026:
    type: str
    subtotal: AmzMoney | None = None
    detailed_breakdowns: list[Detail2026] = attrs.field(factory=list)


@_frozen
class Proceeds2026:
    grand_total: AmzMoney | None = None
    proceeds_total: AmzMoney | None = None
    breakdowns: list[Breakdown2026] = attrs.field(factory=list)


@_frozen
class Price2026:
    unit_price: AmzMoney | None = None


@_frozen
class Product2026:
    asin: str
    seller_sku: str | None = None
    title: str | None = None
    price: Price2026 | None = None


@_frozen
class PromotionRef2026:
    promotion_id: str | None = None


@_frozen
class Promotion2026:
    breakdowns: list[PromotionRef2026] = attrs.field(factory=list)


@_frozen
class ItemFulfillment2026:
    quantity_fulfilled: Decimal | None = None


@_frozen
class ItemTax2026:
    tax_collections: list[TaxCollection] = attrs.field(factory=list)


@_frozen
class ItemV2026:
    order_item_id: str
    quantity_ordered: Decimal
    product: Product2026
    proceeds: Proceeds2026 | None = None
    promotion: Promotion2026 | None = None
    fulfillment: ItemFulfillment2026 | None = None
    tax: ItemTax2026 | None = None


@_frozen
class Window2026:
    earliest_date_time: str | None = None
    latest_date_time: str | None = None


@_frozen
class Fulfillment2026:
    fulfillment_status: str
    fulfilled_by: str | None = None
    fulfillment_service_level: str | None = None
    ship_by_window: Window2026 | None = None
    deliver_by_window: Window2026 | None = None


@_frozen
class SalesChannel2026:
    marketplace_id: str | None = None
    channel_name: str | None = None


@_frozen
class Alias2026:
    alias_id: str
    alias_type: str


@_frozen
class Buyer2026:
    buyer_email: str | None = None
    buyer_name: str | None = None


@_frozen
class Recipient2026:
    delivery_address: AddressV0 | None = None


@_frozen
class OrderV2026:
    order_id: str
    created_time: str
    last_updated_time: str
    fulfillment: Fulfillment2026
    order_items: list[ItemV2026] = attrs.field(factory=list)
    sales_channel: SalesChannel2026 | None = None
    order_aliases: list[Alias2026] = attrs.field(factory=list)
    proceeds: Proceeds2026 | None = None
    buyer: Buyer2026 | None = None
    recipient: Recipient2026 | None = None


_V0_NAMES = {"asin": "ASIN", "seller_sku": "SellerSKU", "promotion_ids": "PromotionIds"}


V0 = wire_converter(pascal_case, _V0_NAMES)
"""Structures Orders v0 bodies (PascalCase)."""
V2026 = wire_converter(camel_case)
"""Structures Orders 2026-01-01 bodies (camelCase)."""


@_frozen
class Reserved:
    total_reserved_quantity: Decimal = Decimal(0)


@_frozen
class Researching:
    total_researching_quantity: Decimal = Decimal(0)


@_frozen
class Unfulfillable:
    total_unfulfillable_quantity: Decimal = Decimal(0)


@_frozen
class InventoryDetails:
    fulfillable_quantity: Decimal = Decimal(0)
    inbound_working_quantity: Decimal = Decimal(0)
    inbound_shipped_quantity: Decimal = Decimal(0)
    inbound_receiving_quantity: Decimal = Decimal(0)
    reserved_quantity: Reserved | None = None
    researching_quantity: Researching | None = None
    unfulfillable_quantity: Unfulfillable | None = None


@_frozen
class InventorySummary:
    """FBA Inventory v1 ``InventorySummary`` (camelCase: structure with `V2026`)."""

    seller_sku: str
    asin: str | None = None
    fn_sku: str | None = None
    condition: str | None = None
    last_updated_time: str | None = None
    total_quantity: Decimal | None = None
    inventory_details: InventoryDetails | None = None
