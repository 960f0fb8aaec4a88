"""Amazon Orders v0 and 2026-01-01 DTOs → `SalesOrder`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from retail_canon.connectors.amazon._dto import (
    AddressV0,
    AmzMoney,
    ItemV0,
    ItemV2026,
    OrderV0,
    OrderV2026,
    TaxCollection,
    Window2026,
)
from retail_canon.models import (
    Address,
    Customer,
    Discount,
    ExternalRef,
    FulfilledBy,
    Money,
    OrderLine,
    OrderTotals,
    Quantity,
    SalesOrder,
    ShippingLine,
    TaxLiability,
    TaxLine,
)
from retail_canon.normalize.dates import parse_timestamp
from retail_canon.normalize.status import (
    AMAZON_FULFILLMENT_STATUS,
    AMAZON_ORDER_STATUS_V0,
    map_status,
)

__all__ = ["CHANNEL", "MARKETPLACE_CURRENCY", "money", "order_from_v0", "order_from_v2026"]

CHANNEL = "amazon"

MARKETPLACE_CURRENCY = {
    "ATVPDKIKX0DER": "USD",
    "A2EUQ1WTGCTBG2": "CAD",
    "A1AM78C64UM0Y8": "MXN",
    "A2Q3Y263D00KWC": "BRL",
    "A1F83G8C2ARO7P": "GBP",
    "A1PA6795UKMFR9": "EUR",
    "A13V1IB3VIYZZH": "EUR",
    "APJ6JRA9NG5V4": "EUR",
    "A1RKKUPIHCS9HS": "EUR",
    "A1805IZSGTT6HS": "EUR",
    "AMEN7PMS3EDWL": "EUR",
    "A2NODRKZP88ZB9": "SEK",
    "A1C3SOZRARQ6R3": "PLN",
    "A33AVAJ2PDY3EV": "TRY",
    "A21TJRUUN4KGV": "INR",
    "A1VC38T7YXB528": "JPY",
    "A39IBJ37TRP1C6": "AUD",
    "A19VAU5U5O7RUS": "SGD",
}
"""The currency of each marketplace, for orders that carry no amount yet (``Pending``)."""

_FACILITATOR = {"MarketplaceFacilitator", "MARKETPLACE_FACILITATOR"}


def money(value: AmzMoney | None) -> Money | None:
    """Any Amazon money shape (already structured) as canonical `Money`."""
    if value is None:
        return None
    return Money(amount=value.amount, currency=value.currency_code)


def _positive(value: Money | None) -> Money | None:
    if value is None or value.amount == 0:
        return None
    return Money(amount=abs(value.amount), currency=value.currency)


def _unit(extended: Money, quantity: Decimal) -> Money:
    unit = extended.amount / quantity
    exponent = extended.amount.as_tuple().exponent
    if isinstance(exponent, int):
        rounded = unit.quantize(Decimal(1).scaleb(exponent))
        if rounded * quantity == extended.amount:
            unit = rounded
    return Money(amount=unit, currency=extended.currency)


def _taxes(amount: Money | None, collection: TaxCollection | None) -> tuple[TaxLine, ...]:
    if amount is None or amount.amount == 0:
        return ()
    if collection is not None and collection.model in _FACILITATOR:
        return (
            TaxLine(
                amount=amount,
                liability=TaxLiability.MARKETPLACE,
                responsible_party=collection.responsible_party,
            ),
        )
    return (TaxLine(amount=amount, liability=TaxLiability.SELLER),)


def _discounts(amount: Money | None, codes: Sequence[str]) -> tuple[Discount, ...]:
    positive = _positive(amount)
    if positive is None:
        return ()
    return (Discount(amount=positive, code=",".join(codes) or None),)


def _address(address: AddressV0 | None) -> Address | None:
    if address is None or not address.country_code:
        return None
    lines = tuple(
        line
        for line in (address.address_line1, address.address_line2, address.address_line3)
        if line
    )
    return Address(
        name=address.name or None,
        lines=lines,
        city=address.city or None,
        region=address.state_or_region or None,
        postal_code=address.postal_code or None,
        country=address.country_code,
        phone=address.phone or None,
    )


def _customer(email: str | None, name: str | None) -> Customer | None:
    if not email and not name:
        return None
    return Customer(email=email or None, name=name or None)


def _when(value: str | None, field: str) -> Any:
    return None if not value else parse_timestamp(value, field=field)


def _line(
    order_id: str,
    item_id: str,
    *,
    sku: str | None,
    asin: str,
    title: str | None,
    quantity: Decimal,
    unit_price: Money,
    discounts: tuple[Discount, ...],
    taxes: tuple[TaxLine, ...],
    fulfilled: Decimal | None,
) -> OrderLine:
    return OrderLine(
        line_id=f"{order_id}-{item_id}",
        source_line_id=item_id,
        sku=sku or asin,
        item_refs=(ExternalRef(system=CHANNEL, scheme="ASIN", value=asin),),
        title=title,
        quantity=Quantity(value=quantity),
        unit_price=unit_price,
        discounts=discounts,
        tax_lines=taxes,
        quantity_fulfilled=min(fulfilled or Decimal(0), quantity),
    )


def _shipping(
    item_id: str,
    price: Money | None,
    discount: Money | None,
    tax: Money | None,
    collection: TaxCollection | None,
    level: str | None,
) -> ShippingLine | None:
    if price is None or price.amount == 0:
        return None
    return ShippingLine(
        title=item_id,
        service_level=level,
        price=price,
        discounts=_discounts(discount, ()),
        tax_lines=_taxes(tax, collection),
    )


def _currency(marketplace: str | None, amounts: Iterable[Money | None]) -> str:
    for amount in amounts:
        if amount is not None:
            return amount.currency
    return MARKETPLACE_CURRENCY.get(marketplace or "", "USD")


def order_from_v0(order: OrderV0, items: Sequence[ItemV0]) -> SalesOrder:
    """An Orders v0 order and its items (``getOrderItems``) as a `SalesOrder`."""
    total = money(order.order_total)
    currency = _currency(order.marketplace_id, [total, *(money(item.item_price) for item in items)])
    lines, shipping = [], []
    for item in items:
        extended = money(item.item_price) or Money.zero(currency)
        lines.append(
            _line(
                order.amazon_order_id,
                item.order_item_id,
                sku=item.seller_sku,
                asin=item.asin,
                title=item.title,
                quantity=item.quantity_ordered,
                unit_price=_unit(extended, item.quantity_ordered),
                discounts=_discounts(money(item.promotion_discount), item.promotion_ids),
                taxes=_taxes(money(item.item_tax), item.tax_collection),
                fulfilled=item.quantity_shipped,
            )
        )
        ship = _shipping(
            item.order_item_id,
            money(item.shipping_price),
            money(item.shipping_discount),
            money(item.shipping_tax),
            item.tax_collection,
            order.ship_service_level,
        )
        if ship is not None:
            shipping.append(ship)
    status = map_status(AMAZON_ORDER_STATUS_V0, order.order_status)
    buyer = order.buyer_info
    return SalesOrder(
        order_id=order.amazon_order_id,
        order_number=order.seller_order_id,
        channel=CHANNEL,
        marketplace_id=order.marketplace_id,
        placed_at=parse_timestamp(order.purchase_date, field="PurchaseDate"),
        updated_at=parse_timestamp(order.last_update_date, field="LastUpdateDate"),
        currency=currency,
        status=status.status,
        source_status=order.order_status,
        fulfilled_by=(
            FulfilledBy.MARKETPLACE if order.fulfillment_channel == "AFN" else FulfilledBy.SELLER
        ),
        customer=None if buyer is None else _customer(buyer.buyer_email, buyer.buyer_name),
        ship_to=_address(order.shipping_address),
        service_level=order.ship_service_level,
        ship_by=_when(order.latest_ship_date, "LatestShipDate"),
        deliver_by=_when(order.latest_delivery_date, "LatestDeliveryDate"),
        lines=tuple(lines),
        shipping_lines=tuple(shipping),
        totals=None if total is None else OrderTotals(grand_total=total),
        external_refs=(
            ExternalRef(system=CHANNEL, scheme="AmazonOrderId", value=order.amazon_order_id),
        ),
    )


def _latest(window: Window2026 | None) -> str | None:
    return None if window is None else window.latest_date_time


def _breakdown(item: ItemV2026, kind: str, subtype: str | None = None) -> Money | None:
    if item.proceeds is None:
        return None
    for part in item.proceeds.breakdowns:
        if part.type != kind:
            continue
        if subtype is None:
            return money(part.subtotal)
        for detail in part.detailed_breakdowns:
            if detail.subtype == subtype:
                return money(detail.value)
    return None


def order_from_v2026(order: OrderV2026) -> SalesOrder:
    """An Orders 2026-01-01 order (with its items) as a `SalesOrder`."""
    fulfillment = order.fulfillment
    marketplace = order.sales_channel.marketplace_id if order.sales_channel else None
    total = money(order.proceeds.grand_total) if order.proceeds else None
    prices = [
        money(i.product.price.unit_price) if i.product.price else None for i in order.order_items
    ]
    currency = _currency(marketplace, [total, *prices])
    level = fulfillment.fulfillment_service_level
    lines, shipping = [], []
    for item, price in zip(order.order_items, prices, strict=True):
        collection = item.tax.tax_collections[0] if item.tax and item.tax.tax_collections else None
        promotions = (
            [p.promotion_id for p in item.promotion.breakdowns if p.promotion_id]
            if item.promotion
            else []
        )
        lines.append(
            _line(
                order.order_id,
                item.order_item_id,
                sku=item.product.seller_sku,
                asin=item.product.asin,
                title=item.product.title,
                quantity=item.quantity_ordered,
                unit_price=price or Money.zero(currency),
                discounts=_discounts(_breakdown(item, "DISCOUNT", "ITEM"), promotions),
                taxes=_taxes(_breakdown(item, "TAX", "ITEM"), collection),
                fulfilled=item.fulfillment.quantity_fulfilled if item.fulfillment else None,
            )
        )
        ship = _shipping(
            item.order_item_id,
            _breakdown(item, "SHIPPING"),
            _breakdown(item, "DISCOUNT", "SHIPPING"),
            _breakdown(item, "TAX", "SHIPPING"),
            collection,
            level,
        )
        if ship is not None:
            shipping.append(ship)
    status = map_status(AMAZON_FULFILLMENT_STATUS, fulfillment.fulfillment_status)
    alias = next(
        (a.alias_id for a in order.order_aliases if a.alias_type == "SELLER_ORDER_ID"), None
    )
    buyer = order.buyer
    recipient = order.recipient
    return SalesOrder(
        order_id=order.order_id,
        order_number=alias,
        channel=CHANNEL,
        marketplace_id=marketplace,
        placed_at=parse_timestamp(order.created_time, field="createdTime"),
        updated_at=parse_timestamp(order.last_updated_time, field="lastUpdatedTime"),
        currency=currency,
        status=status.status,
        source_status=fulfillment.fulfillment_status,
        fulfilled_by=(
            FulfilledBy.MARKETPLACE if fulfillment.fulfilled_by == "AMAZON" else FulfilledBy.SELLER
        ),
        customer=None if buyer is None else _customer(buyer.buyer_email, buyer.buyer_name),
        ship_to=None if recipient is None else _address(recipient.delivery_address),
        service_level=level,
        ship_by=_when(
            _latest(fulfillment.ship_by_window),
            "shipByWindow",
        ),
        deliver_by=_when(
            _latest(fulfillment.deliver_by_window),
            "deliverByWindow",
        ),
        lines=tuple(lines),
        shipping_lines=tuple(shipping),
        totals=None if total is None else OrderTotals(grand_total=total),
        external_refs=(ExternalRef(system=CHANNEL, scheme="AmazonOrderId", value=order.order_id),),
    )
