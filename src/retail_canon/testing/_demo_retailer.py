"""The seed's retailer, as data: catalogue, network, stock, customers and orders.

Everything here is generated from one ``random.Random(seed)``, so a seed always gives the
same retailer: 24 items in the ERP item master, two warehouses and 120 stores in 24 US
metro areas, physical stock per node (some items only in warehouses, some only in stores,
some in both), and a burst of orders per channel in each channel's own id shapes (Amazon
``113-1234567-1234567``, Shopify ``shopify-<n>``, Walmart ``walmart-<purchase order>``)
with each channel's own SKUs (cross-referenced to the ERP item codes).

The demo (``retail_canon._demo``) drives the real connectors onto the vendor fakes with
these orders; the settlement builders turn what the ERP booked into each channel's payout.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from retail_canon.models import (
    Address,
    AmountType,
    Customer,
    ExternalRef,
    FulfillmentOrder,
    LocationKind,
    Money,
    OrderLine,
    PaymentStatus,
    Payout,
    Product,
    Quantity,
    SalesOrder,
    SettlementLine,
    SettlementRecord,
    SettlementStatus,
    Shipment,
    ShipmentLine,
    TaxLiability,
    TaxLine,
)
from retail_canon.normalize.identifiers import gtin

__all__ = [
    "CHANNELS",
    "MARKETPLACE_ID",
    "SELLER",
    "Shopper",
    "DemoItem",
    "Retailer",
    "StoreSite",
    "build_retailer",
    "channel_sku",
    "fee_rate",
    "settlement_for",
    "ship",
]

CHANNELS = ("amazon", "shopify", "walmart")
MARKETPLACE_ID = "ATVPDKIKX0DER"
SELLER = "demo-seller"
"""The scope of the channels' seller SKUs in the cross-reference."""
COMPANY = "demo"
"""The scope of the ERP item codes."""

_FAMILIES = (
    # (code, title, price, where): where the item is stocked.
    ("MUG", "Stoneware mug", "12.99", "dc"),
    ("TEAPOT", "Cast iron teapot", "34.50", "dc"),
    ("TOWEL", "Linen tea towel", "9.75", "both"),
    ("CANDLE", "Beeswax candle", "14.20", "both"),
    ("LAMP", "Oak table lamp", "49.00", "store"),
    ("VASE", "Hand-thrown vase", "27.40", "store"),
)
_COLOURS = ("BLUE", "SAND", "SAGE", "RUST")
_METROS = (
    # (city, region, postal code, latitude, longitude)
    ("New York", "NY", "10001", 40.75, -73.99),
    ("Philadelphia", "PA", "19103", 39.95, -75.17),
    ("Boston", "MA", "02110", 42.36, -71.06),
    ("Washington", "DC", "20001", 38.91, -77.02),
    ("Pittsburgh", "PA", "15222", 40.44, -80.00),
    ("Baltimore", "MD", "21201", 39.29, -76.62),
    ("Chicago", "IL", "60601", 41.88, -87.63),
    ("Springfield", "IL", "62701", 39.80, -89.64),
    ("Milwaukee", "WI", "53202", 43.04, -87.91),
    ("Detroit", "MI", "48226", 42.33, -83.05),
    ("Indianapolis", "IN", "46204", 39.77, -86.16),
    ("Columbus", "OH", "43215", 39.96, -83.00),
    ("St. Louis", "MO", "63101", 38.63, -90.19),
    ("Minneapolis", "MN", "55401", 44.98, -93.27),
    ("Atlanta", "GA", "30303", 33.75, -84.39),
    ("Nashville", "TN", "37203", 36.16, -86.78),
    ("Charlotte", "NC", "28202", 35.23, -80.84),
    ("Dallas", "TX", "75201", 32.78, -96.80),
    ("Houston", "TX", "77002", 29.76, -95.37),
    ("Denver", "CO", "80202", 39.74, -104.99),
    ("Phoenix", "AZ", "85004", 33.45, -112.07),
    ("Seattle", "WA", "98101", 47.61, -122.33),
    ("Portland", "OR", "97204", 45.52, -122.68),
    ("San Diego", "CA", "92101", 32.72, -117.16),
)
WAREHOUSES = (
    # (node id, city, latitude, longitude)
    ("wh-east", "Edison", 40.52, -74.41),
    ("wh-central", "Joliet", 41.53, -88.08),
)
_FIRST = ("Avery", "Jordan", "Riley", "Morgan", "Casey", "Quinn", "Rowan", "Sam", "Drew", "Kai")
_LAST = ("Example", "Sample", "Tester", "Demo", "Placeholder", "Fictional")
_STREETS = ("Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Lake Rd")
_USD = "USD"


def _usd(amount: Decimal | str) -> Money:
    return Money(amount=Decimal(amount), currency=_USD)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), ROUND_HALF_UP)


def channel_sku(channel: str, sku: str) -> str:
    """The SKU a channel lists an item under (the web shop uses the ERP's)."""
    if channel == "amazon":
        return f"AMZ-{sku}"
    if channel == "walmart":
        return f"WM-{sku}"
    return sku


@dataclass(frozen=True, slots=True)
class DemoItem:
    """One item of the item master and where it is stocked (``dc``, ``store``, ``both``)."""

    sku: str
    title: str
    price: Decimal
    gtin: str
    asin: str
    where: str

    def product(self) -> Product:
        """The item as the ERP's item master gives it."""
        return Product(
            product_id=self.sku,
            sku=self.sku,
            title=self.title,
            brand="Fjord & Field",
            identifiers=(ExternalRef(system="gs1", scheme="gtin", value=self.gtin),),
            external_refs=(
                ExternalRef(system="erp", scheme="item_code", value=self.sku, scope=COMPANY),
            ),
        )

    def refs(self) -> list[ExternalRef]:
        """Every identifier the channels know the item by, for the cross-reference."""
        return [
            ExternalRef(system="erp", scheme="item_code", value=self.sku, scope=COMPANY),
            ExternalRef(system="gs1", scheme="gtin", value=self.gtin),
            ExternalRef(system="amazon", scheme="asin", value=self.asin, scope=MARKETPLACE_ID),
            *(
                ExternalRef(system=ch, scheme="sku", value=channel_sku(ch, self.sku), scope=SELLER)
                for ch in CHANNELS
            ),
        ]


@dataclass(frozen=True, slots=True)
class StoreSite:
    """A node of the network: a warehouse or a store, where it is, and what it holds."""

    node_id: str
    kind: LocationKind
    city: str
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Shopper:
    """A customer of the demo: name, e-mail, address and coordinates (for sourcing)."""

    name: str
    email: str
    address: Address
    latitude: float
    longitude: float


@dataclass
class Retailer:
    """The generated retailer (see the module docstring)."""

    seed: int
    items: list[DemoItem]
    nodes: list[StoreSite]
    stock: dict[str, dict[str, int]]
    """Physical units per SKU and node."""
    orders: dict[str, list[SalesOrder]] = field(default_factory=dict)
    """The burst of orders per channel, as each channel holds them."""
    customers: dict[str, Shopper] = field(default_factory=dict)
    """The customer of each order, by order id."""
    unknown_sku: str = ""
    """The order id whose line has a SKU no cross-reference knows."""
    split_orders: list[str] = field(default_factory=list)
    """Order ids built to need a warehouse + store split."""

    def item(self, sku: str) -> DemoItem:
        """The item of an ERP SKU."""
        return next(i for i in self.items if i.sku == sku)


def _items(rng: random.Random) -> list[DemoItem]:
    items = []
    for f, (code, title, price, where) in enumerate(_FAMILIES):
        for c, colour in enumerate(_COLOURS):
            n = f * len(_COLOURS) + c
            body = f"0614141{n:05d}"
            items.append(
                DemoItem(
                    sku=f"{code}-{colour}",
                    title=f"{title}, {colour.lower()}",
                    price=_cents(Decimal(price) + Decimal(rng.randrange(0, 300)) / 100),
                    gtin=body + gtin.calc_check_digit(body),
                    asin=f"B0FJ{n:06d}",
                    where=where,
                )
            )
    return items


def _nodes(rng: random.Random) -> list[StoreSite]:
    nodes = [StoreSite(i, LocationKind.WAREHOUSE, c, lat, lon) for i, c, lat, lon in WAREHOUSES]
    for n in range(120):
        city, _, _, lat, lon = _METROS[n % len(_METROS)]
        nodes.append(
            StoreSite(
                f"store-{n + 1:03d}",
                LocationKind.STORE,
                city,
                round(lat + rng.uniform(-0.25, 0.25), 4),
                round(lon + rng.uniform(-0.25, 0.25), 4),
            )
        )
    return nodes


def _stock(
    rng: random.Random, items: list[DemoItem], nodes: list[StoreSite]
) -> dict[str, dict[str, int]]:
    stock: dict[str, dict[str, int]] = {}
    for item in items:
        per_node: dict[str, int] = {}
        for node in nodes:
            warehouse = node.kind is LocationKind.WAREHOUSE
            if warehouse and item.where in ("dc", "both"):
                per_node[node.node_id] = rng.randrange(40, 120)
            elif not warehouse and item.where == "store" and rng.random() < 0.6:
                per_node[node.node_id] = rng.randrange(2, 6)
            elif not warehouse and item.where == "both" and rng.random() < 0.3:
                per_node[node.node_id] = rng.randrange(1, 4)
        stock[item.sku] = per_node
    return stock


def _customer(rng: random.Random, n: int) -> Shopper:
    city, region, postal, lat, lon = _METROS[rng.randrange(len(_METROS))]
    name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    email = f"{name.replace(' ', '.').lower()}.{n}@example.invalid"
    address = Address(
        name=name,
        lines=(f"{rng.randrange(1, 999)} {rng.choice(_STREETS)}",),
        city=city,
        region=region,
        postal_code=postal,
        country="US",
    )
    return Shopper(
        name,
        email,
        address,
        round(lat + rng.uniform(-0.1, 0.1), 4),
        round(lon + rng.uniform(-0.1, 0.1), 4),
    )


def _tax(channel: str, amount: Decimal) -> TaxLine:
    rate = Decimal("0.0725")
    if channel == "shopify":
        return TaxLine(amount=_usd(_cents(amount * rate)), liability=TaxLiability.SELLER)
    party = "Amazon Services, Inc." if channel == "amazon" else "Walmart Inc."
    return TaxLine(
        amount=_usd(_cents(amount * rate)),
        liability=TaxLiability.MARKETPLACE,
        responsible_party=party,
    )


def _order(
    channel: str,
    n: int,
    picks: Sequence[tuple[DemoItem, int]],
    customer: Shopper,
    placed: datetime,
    rng: random.Random,
) -> SalesOrder:
    if channel == "amazon":
        order_id = f"113-{rng.randrange(10**6, 10**7):07d}-{rng.randrange(10**6, 10**7):07d}"
    elif channel == "shopify":
        order_id = f"shopify-{5001 + n}"
    else:
        order_id = f"walmart-{108_800_000_000 + n * 7919}"
    lines = []
    for j, (item, qty) in enumerate(picks, start=1):
        subtotal = item.price * qty
        if channel == "amazon":
            item_id = f"{41_000_000_000_000 + n * 10 + j}"
            line_id, source = f"{order_id}-{item_id}", item_id
        elif channel == "shopify":
            line_id, source = f"shopify-{(5001 + n) * 10 + j}", None
        else:
            line_id, source = f"{order_id}-{j}", str(j)
        lines.append(
            OrderLine(
                line_id=line_id,
                source_line_id=source,
                sku=channel_sku(channel, item.sku),
                item_refs=(
                    ExternalRef(
                        system="amazon", scheme="ASIN", value=item.asin, scope=MARKETPLACE_ID
                    ),
                )
                if channel == "amazon"
                else (),
                title=item.title if channel == "amazon" else None,
                quantity=Quantity(value=qty),
                unit_price=_usd(item.price),
                tax_lines=(_tax(channel, subtotal),) if channel == "amazon" else (),
            )
        )
    refs: tuple[ExternalRef, ...] = ()
    if channel == "amazon":
        refs = (ExternalRef(system="amazon", scheme="AmazonOrderId", value=order_id),)
    return SalesOrder(
        order_id=order_id,
        channel=channel,
        marketplace_id=MARKETPLACE_ID if channel == "amazon" else None,
        placed_at=placed,
        currency=_USD,
        payment_status=PaymentStatus.PAID,
        customer=Customer(name=customer.name, email=customer.email),
        ship_to=customer.address,
        service_level="Std US Dom_1" if channel == "amazon" else None,
        lines=tuple(lines),
        external_refs=refs,
    )


def build_retailer(seed: int, *, orders_per_channel: int, start: datetime) -> Retailer:
    """The retailer of ``seed`` with a burst of ``orders_per_channel`` orders per channel.

    Orders are placed a few seconds apart from ``start``. Shopify sells everything
    (warehouses and ship-from-store); the marketplaces sell what the warehouses hold.
    Every tenth Shopify order pairs a warehouse item with a store-only item (the seed's
    warehouse + store split), and the last Walmart order carries a SKU nobody linked.
    """
    rng = random.Random(seed)
    items = _items(rng)
    nodes = _nodes(rng)
    retailer = Retailer(seed, items, nodes, _stock(rng, items, nodes))
    warehouse_items = [i for i in items if i.where in ("dc", "both")]
    store_items = [i for i in items if i.where == "store"]
    placed = start
    for channel in CHANNELS:
        retailer.orders[channel] = []
        for n in range(orders_per_channel):
            placed += timedelta(seconds=rng.randrange(2, 20))
            customer = _customer(rng, len(retailer.customers))
            split = channel == "shopify" and n % 10 == 3
            pool = items if channel == "shopify" else warehouse_items
            picks: list[tuple[DemoItem, int]]
            if split:
                picks = [(rng.choice(warehouse_items), 1), (rng.choice(store_items), 1)]
            else:
                chosen = rng.sample(pool, rng.choice((1, 1, 2, 3)))
                picks = [(item, rng.choice((1, 1, 2))) for item in chosen]
            order = _order(channel, n, picks, customer, placed, rng)
            if channel == "walmart" and n == orders_per_channel - 1:
                ghost = order.lines[0].model_copy(update={"sku": "WM-GHOST-1"})
                order = order.model_copy(update={"lines": (ghost, *order.lines[1:])})
                retailer.unknown_sku = order.order_id
            if split:
                retailer.split_orders.append(order.order_id)
            retailer.orders[channel].append(order)
            retailer.customers[order.order_id] = customer
    return retailer


_CARRIERS = (("UPS", "1Z"), ("FedEx", "7"), ("USPS", "94"))


def ship(
    fulfillment: FulfillmentOrder, *, shipped_at: datetime, rng: random.Random
) -> FulfillmentOrder:
    """The node packs and ships a fulfilment order: one parcel with a tracking number."""
    carrier, prefix = _CARRIERS[rng.randrange(len(_CARRIERS))]
    tracking = f"{prefix}{rng.randrange(10**11, 10**12)}"
    lines = tuple(
        ShipmentLine(fulfillment_line_id=fl.line_id, sku=fl.sku, quantity=fl.quantity)
        for fl in fulfillment.lines
    )
    shipment = Shipment(
        shipment_id=f"{fulfillment.fulfillment_order_id}:1",
        carrier=carrier,
        service="Ground",
        tracking_number=tracking,
        shipped_at=shipped_at,
        lines=lines,
    )
    return fulfillment.model_copy(update={"shipments": (shipment,)})


_FEES = {
    # channel: (amount type, source name, rate, fixed per order)
    "amazon": (AmountType.COMMISSION, "Order/ItemFees/Commission", Decimal("0.15"), Decimal("0")),
    "walmart": (AmountType.COMMISSION, "Commission", Decimal("0.15"), Decimal("0")),
    "shopify": (AmountType.FEE, "Shopify Payments fee", Decimal("0.029"), Decimal("0.30")),
}


_NAMES = {"principal": "Principal", "tax": "Tax", "withheld": "Withheld tax", "refund": "Refund"}
_AMAZON_NAMES = {
    # transaction-type/amount-type/amount-description, as in a V2 settlement file
    "principal": "Order/ItemPrice/Principal",
    "tax": "Order/ItemPrice/Tax",
    "withheld": "Order/ItemWithheldTax/MarketplaceFacilitatorTax-Principal",
    "refund": "Refund/ItemPrice/Principal",
}


def fee_rate(channel: str) -> tuple[AmountType, Decimal, Decimal]:
    """The channel's fee schedule: amount type, rate of the principal, fixed part."""
    kind, _, rate, fixed = _FEES[channel]
    return kind, rate, fixed


def settlement_for(
    channel: str,
    sold: Iterable[SalesOrder],
    refunds: Iterable[tuple[str, str, Money]],
    *,
    settlement_id: str,
    period_start: datetime,
    period_end: datetime,
    overcharge: str | None = None,
) -> SettlementRecord:
    """The channel's payout for what it sold, as the demo's own ledger says it should be.

    Per order: the principal (lines and shipping), the tax (and, for marketplace
    facilitator tax, the same amount withheld), and the fee of the channel's schedule.
    Per refund ``(order id, refund id, amount)``: the amount taken back. The deposit is the
    sum of the lines, so the record passes payout integrity. The order ``overcharge``
    names is charged one dollar more than the schedule says (a fee to dispute).
    """
    kind, source, rate, fixed = _FEES[channel]
    names = _AMAZON_NAMES if channel == "amazon" else _NAMES
    lines: list[SettlementLine] = []
    when = period_start

    def add(
        amount_type: AmountType,
        src: str,
        amount: Decimal,
        order: str | None,
        line_id: str | None = None,
        **kw: object,
    ) -> str:
        nonlocal when
        when += timedelta(minutes=7)
        line_id = line_id or f"{settlement_id}-{len(lines) + 1}"
        lines.append(
            SettlementLine(
                line_id=line_id,
                amount_type=amount_type,
                source_amount_type=src,
                amount=_usd(amount),
                posted_at=when,
                order_id=order,
                **kw,
            )
        )
        return line_id

    for order in sold:
        principal = sum((line.subtotal().amount for line in order.lines), Decimal(0))
        principal += sum((s.price.amount for s in order.shipping_lines), Decimal(0))
        tax = sum((t.amount.amount for line in order.lines for t in line.tax_lines), Decimal(0))
        charge = add(AmountType.PRINCIPAL, names["principal"], principal, order.order_id)
        if tax:
            add(AmountType.TAX, names["tax"], tax, order.order_id)
            liable = {t.liability for line in order.lines for t in line.tax_lines}
            if liable == {TaxLiability.MARKETPLACE}:
                add(AmountType.TAX_WITHHELD, names["withheld"], -tax, order.order_id)
        fee = _cents(principal * rate + fixed) + (1 if order.order_id == overcharge else 0)
        # Shopify Payments takes its fee out of the charge: ``<charge>-fee`` says whose it is.
        fee_id = f"{charge}-fee" if channel == "shopify" else None
        add(kind, source, -fee, order.order_id, fee_id)
    for order_id, refund_id, amount in refunds:
        ref = ExternalRef(system=channel, scheme="adjustment-id", value=refund_id)
        add(AmountType.REFUND, names["refund"], -amount.amount, order_id, refs=(ref,))
    total = sum((line.amount.amount for line in lines), Decimal(0))
    return SettlementRecord(
        settlement_id=settlement_id,
        channel=channel,
        marketplace_id=MARKETPLACE_ID if channel == "amazon" else None,
        currency=_USD,
        status=SettlementStatus.CLOSED,
        period_start=period_start,
        period_end=period_end,
        total=_usd(total),
        payout=Payout(payout_id=settlement_id, paid_at=period_end + timedelta(days=2)),
        lines=tuple(lines),
        external_refs=(ExternalRef(system=channel, scheme="settlement-id", value=settlement_id),),
    )
