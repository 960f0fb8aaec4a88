"""The running demo: its options and figures, the simulated world, and the first phases.

The world is the demo's clock, the vendor fakes and the real connectors onto them, the
workflow stores and the cross-reference. The phases here seed the catalogue, publish ATS,
read the burst of orders and build the order pipeline; `retail_canon.testing._demo_flows`
has the later ones. `retail_canon._demo.run_demo` runs them in order.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from retail_canon.models import ExternalRef, OrderLine, SalesOrder

if TYPE_CHECKING:
    from retail_canon.models import FulfillmentOrder
    from retail_canon.sourcing import SourcingPlan
    from retail_canon.testing._demo_retailer import Retailer
    from retail_canon.workflow import DurationStats, Envelope

__all__ = [
    "LOCATIONS",
    "START",
    "DemoFigures",
    "DemoOptions",
    "Progress",
    "SettlementFigures",
    "Stock",
    "World",
    "compute_ats",
    "ingest_orders",
    "make_erp",
    "money",
    "order_pipeline",
    "publish_ats",
    "seconds",
    "seed_catalogue",
]

START = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
"""When the demo's simulated day begins."""
LOCATIONS = {"amazon": "amazon-mfn-ATVPDKIKX0DER", "shopify": "1", "walmart": "node-1"}


@dataclass
class DemoOptions:
    """How to run the demo (the ``retail-canon demo`` options)."""

    seed: int = 7
    orders_per_channel: int = 20
    erp: str = "fake"
    """``fake`` (in-process) or ``tryton``."""
    erp_url: str | None = None
    erp_database: str = "retail_canon_demo"
    erp_login: str = "admin"
    erp_password: str | None = None
    workdir: Path | None = None
    """Where the SQLite files and the report go (default: a new temporary directory)."""
    report: Path | None = None
    progress: bool | None = None
    """Progress on stderr: on a terminal by default."""


@dataclass
class SettlementFigures:
    """One channel's reconciliation."""

    channel: str
    settlement_id: str
    source: str
    deposit: Decimal
    matched: Decimal
    variances: Decimal
    exceptions: Decimal
    by_reason: dict[str, Decimal]
    integrity_ok: bool
    ledger_total: Decimal

    @property
    def balanced(self) -> bool:
        """Whether deposit = matched + variances + exceptions, to the cent."""
        return self.deposit == self.matched + self.variances + self.exceptions


@dataclass
class DemoFigures:
    """What a demo run did, for the summary, the report and the end-to-end test."""

    seed: int
    deliveries: int = 0
    orders_in: int = 0
    duplicates: int = 0
    posted: list[str] = field(default_factory=list)
    exception_orders: list[str] = field(default_factory=list)
    erp_sales: list[str] = field(default_factory=list)
    erp_repeats: int = 0
    replayed: int = 0
    catalogue: int = 0
    xref_links: int = 0
    ats: dict[str, int] = field(default_factory=dict)
    published: dict[str, int] = field(default_factory=dict)
    splits: Counter[str] = field(default_factory=Counter)
    shipments: Counter[str] = field(default_factory=Counter)
    channel_shipments: Counter[str] = field(default_factory=Counter)
    returns: list[str] = field(default_factory=list)
    settlements: list[SettlementFigures] = field(default_factory=list)
    exceptions: list[tuple[int, str, str, int, str, str]] = field(default_factory=list)
    kpis: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    report_path: Path | None = None


class Progress:
    """Progress of a long step on stderr: a counter on a terminal, a line otherwise."""

    def __init__(self, stream: TextIO, enabled: bool | None) -> None:
        self.stream = stream
        tty = getattr(stream, "isatty", lambda: False)()
        self.enabled = tty if enabled is None else enabled
        self.tty = tty

    def track(self, label: str, items: list[Any]) -> Iterator[Any]:
        total = len(items)
        if self.enabled and not self.tty:
            self.stream.write(f"  … {label}: {total}\n")
        for n, item in enumerate(items, start=1):
            if self.enabled and self.tty:
                self.stream.write(f"\r  … {label}: {n}/{total}")
                self.stream.flush()
            yield item
        if self.enabled and self.tty:
            self.stream.write("\n")


class Stock:
    """Physical units per SKU and node, less what sourcing took (an `InventoryView`)."""

    def __init__(self, stock: dict[str, dict[str, int]]) -> None:
        self.units = {sku: dict(nodes) for sku, nodes in stock.items()}

    def available(self, sku: str) -> dict[str, int]:
        return self.units.get(sku, {})

    def take(self, plan: SourcingPlan) -> None:
        for allocation in plan.allocations:
            nodes = self.units.setdefault(allocation.sku, {})
            nodes[allocation.node_id] = nodes.get(allocation.node_id, 0) - allocation.quantity


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def seconds(stats: DurationStats) -> str:
    if not stats.count:
        return "n/a"

    def s(delta: timedelta) -> str:
        return f"{delta.total_seconds():.1f} s"

    return f"p50 {s(stats.p50)} · p95 {s(stats.p95)} · max {s(stats.max)} (n={stats.count})"


class World:
    """The running demo: clock, fakes, connectors, stores and what happened so far."""

    def __init__(self, options: DemoOptions, workdir: Path, stack: ExitStack) -> None:
        from retail_canon.connectors.amazon import AmazonConnector
        from retail_canon.connectors.shopify import ShopifyConnector
        from retail_canon.connectors.walmart import WalmartConnector
        from retail_canon.testing import FakeClock
        from retail_canon.testing._demo_retailer import build_retailer
        from retail_canon.testing.amazon import AmazonFake
        from retail_canon.testing.shopify import ACCESS_TOKEN, SHOP, ShopifyFake
        from retail_canon.testing.walmart import CLIENT_ID, CLIENT_SECRET, WalmartFake
        from retail_canon.workflow import (
            SQLiteAuditTrail,
            SQLiteExceptionQueue,
            SQLiteIdempotencyStore,
        )

        self.options = options
        self.rng = random.Random(options.seed)
        self.clock = FakeClock(wall=START.timestamp())
        self.retailer: Retailer = build_retailer(
            options.seed, orders_per_channel=options.orders_per_channel, start=START
        )
        seed = options.seed
        self.fakes: dict[str, Any] = {
            "amazon": AmazonFake(clock=self.clock, pii=True, seed=seed),
            "shopify": ShopifyFake(clock=self.clock, seed=seed),
            "walmart": WalmartFake(clock=self.clock, seed=seed),
        }
        common: dict[str, Any] = {"clock": self.clock}
        amazon = self.fakes["amazon"]
        self.connectors: dict[str, Any] = {
            "amazon": AmazonConnector(
                transport=amazon,
                rng=random.Random(seed),
                client_id=amazon.client_id,
                client_secret=amazon.client_secret,
                refresh_token=amazon.refresh_token,
                seller_id=amazon.seller_id,
                **common,
            ),
            "shopify": ShopifyConnector(
                transport=self.fakes["shopify"],
                rng=random.Random(seed + 1),
                shop=SHOP,
                access_token=ACCESS_TOKEN,
                **common,
            ),
            "walmart": WalmartConnector(
                transport=self.fakes["walmart"],
                rng=random.Random(seed + 2),
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                **common,
            ),
        }
        for connector in self.connectors.values():
            stack.callback(connector.close)
        db = str(workdir / "workflow.db")
        self.keys = stack.enter_context(SQLiteIdempotencyStore(db))
        self.audit = stack.enter_context(SQLiteAuditTrail(db, clock=self._tick))
        self.queue = stack.enter_context(SQLiteExceptionQueue(db, clock=self.now))
        self.xref_path = str(workdir / "xref.db")
        self._ids = 0
        self.xref: Any = None
        self.ats_result: Any = None
        self.erp_fixed = False
        self.refuse_once = ""

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.time(), UTC)

    def _tick(self) -> datetime:
        """The audit trail's clock: each step takes a moment of simulated time."""
        self.clock.advance(round(self.rng.uniform(0.2, 2.5), 3))
        return self.now()

    def event_id(self) -> str:
        self._ids += 1
        return f"evt-{self.options.seed}-{self._ids:05d}"

    def envelope(self, source: str, type_: str, data: Any, **kwargs: Any) -> Envelope:
        from retail_canon.workflow import Envelope

        return Envelope.new(
            source, type_, data, time=self.now(), id_factory=self.event_id, **kwargs
        )


def make_erp(world: World, options: DemoOptions, figures: DemoFigures) -> Any:
    if options.erp == "tryton":
        from retail_canon.connectors.tryton import TrytonConnector

        password = options.erp_password or os.environ.get("RC_TRYTON_PASSWORD", "")
        if not options.erp_url:
            msg = "--erp tryton needs --erp-url (and RC_TRYTON_PASSWORD in the environment)"
            raise SystemExit(msg)
        figures.notes.append(f"ERP: Tryton at {options.erp_url} ({options.erp_database})")
        return TrytonConnector(
            base_url=options.erp_url,
            database=options.erp_database,
            login=options.erp_login,
            password=password,
        )
    from retail_canon.testing._erp import ErpFake

    def refuse(order: SalesOrder) -> str | None:
        if order.order_id == world.refuse_once and not world.erp_fixed:
            return "posting period is locked for closing"
        return None

    products = [item.product() for item in world.retailer.items]
    return ErpFake(products, clock=world.clock, refuse=refuse)


def seed_catalogue(world: World, erp: Any, figures: DemoFigures, stack: ExitStack) -> Any:
    from retail_canon.xref import SQLiteStore, XrefResolver

    master = {product.sku for product in erp.read_products()}
    figures.catalogue = len(master)
    store = SQLiteStore(world.xref_path)
    stack.callback(store.close)
    xref = XrefResolver(store)
    for item in world.retailer.items:
        if item.sku not in master:
            figures.notes.append(f"item {item.sku} is not in the ERP item master")
            continue
        for ref in item.refs():
            xref.link("product", item.sku, ref, actor="demo", reason="catalogue seed", at=START)
            figures.xref_links += 1
    return xref


def publish_ats(world: World, figures: DemoFigures) -> dict[str, list[Envelope]]:
    from retail_canon.ats import Channel, Node, Pool, Position, Rules, SafetyStock, Threshold
    from retail_canon.connectors import InventorySink
    from retail_canon.models import InventoryBuckets, InventoryPosition, LocationKind
    from retail_canon.testing._demo_retailer import CHANNELS, channel_sku

    retailer = world.retailer
    nodes = [
        Node(n.node_id, "DC", {"SHIP"})
        if n.kind is LocationKind.WAREHOUSE
        else Node(n.node_id, "STORE", {"SHIP_FROM_STORE", "PICKUP"})
        for n in retailer.nodes
    ]
    # (keyword arguments through a dict: attrs' converters type these as Iterable[_T_co])
    setup: dict[str, Any] = {
        "nodes": nodes,
        "channels": [Channel("shopify", {"SHIP", "SHIP_FROM_STORE"})],
        "pools": [Pool("marketplaces", [("amazon", 60), ("walmart", 40)], modes={"SHIP"})],
        "safety_stock": [SafetyStock(1, node_type="STORE", rule_id="store-floor")],
        "thresholds": [Threshold("marketplaces", 2)],
    }
    rules = Rules(**setup)
    positions = [
        Position(sku, node, on_hand=units)
        for sku, per_node in sorted(retailer.stock.items())
        for node, units in sorted(per_node.items())
    ]
    result = compute_ats(positions, rules, world.now())
    published: dict[str, list[Envelope]] = {}
    for channel in CHANNELS:
        column = result.column(channel)
        figures.ats[channel] = sum(column.values())
        feed = [
            InventoryPosition(
                sku=channel_sku(channel, sku),
                location_id=LOCATIONS[channel],
                buckets=InventoryBuckets(on_hand=units),
                as_of=world.now(),
            )
            for sku, units in sorted(column.items())
        ]
        connector = world.connectors[channel]
        if not isinstance(connector, InventorySink):
            figures.notes.append(f"{channel}: connector has no InventorySink; ATS not published")
            continue
        report = connector.write_inventory(feed)
        figures.published[channel] = len(report.written)
        if report.skipped:
            figures.notes.append(
                f"{channel}: {len(report.skipped)} ATS position(s) refused: {report.skipped[0]}"
            )
        published[channel] = [
            world.envelope(
                f"/channels/{channel}",
                "com.retail-canon.demo.inventory.published",
                {"positions": len(report.written)},
                subject=LOCATIONS[channel],
            )
        ]
    world.ats_result = result
    return published


def compute_ats(positions: list[Any], rules: Any, now: datetime) -> Any:
    """`retail_canon.ats.compute` with no reservations (a function, so tests can patch it)."""
    from retail_canon.ats import compute

    return compute(positions, [], rules, as_of=now)


def order_pipeline(world: World, erp: Any, stock: Stock) -> Any:
    from retail_canon.models import LocationKind
    from retail_canon.sourcing import (
        Eligibility,
        FulfillmentNode,
        GeoPoint,
        Network,
        SourcingPolicy,
    )
    from retail_canon.testing._demo_retailer import SELLER, ship
    from retail_canon.workflow import (
        ConfirmToChannel,
        NormalizeParties,
        OrderPipeline,
        PostToErp,
        ResolveItems,
        ScreenFraud,
        ShipFulfillments,
        SourceOrder,
        Step,
        ValidateTax,
    )
    from retail_canon.xref import ResolutionStatus

    network = Network(
        [
            FulfillmentNode(n.node_id, n.kind, GeoPoint(n.latitude, n.longitude))
            for n in world.retailer.nodes
        ]
    )
    policy = SourcingPolicy(eligibility=Eligibility(radius_km={LocationKind.STORE: 300}))
    xref = world.xref
    ship_rng = random.Random(world.options.seed * 31 + 1)

    def resolve(order: SalesOrder, line: OrderLine) -> str | None:
        ref = ExternalRef(system=order.channel, scheme="sku", value=line.sku, scope=SELLER)
        answer = xref.resolve(ref, to_system="erp")
        if answer.status is ResolutionStatus.ONE and answer.target is not None:
            return str(answer.target.value)
        if answer.status is ResolutionStatus.CONFLICT:
            from retail_canon.workflow import ReasonCode, StepFailed

            msg = f"{order.channel} SKU {line.sku!r} maps to several ERP items"
            raise StepFailed(ReasonCode.XREF_CONFLICT, msg)
        return None

    def destination(order: SalesOrder) -> GeoPoint | None:
        shopper = world.retailer.customers.get(order.order_id)
        return None if shopper is None else GeoPoint(shopper.latitude, shopper.longitude)

    def screen(order: SalesOrder) -> str | None:
        units = sum(line.quantity.value for line in order.lines)
        return "more than 20 units in one order" if units > 20 else None

    def shipped(order: SalesOrder, fulfillment: FulfillmentOrder) -> FulfillmentOrder:
        return ship(fulfillment, shipped_at=world.now(), rng=ship_rng)

    steps: list[Step] = [
        NormalizeParties(),
        ResolveItems(resolve),
        ValidateTax(),
        ScreenFraud(screen),
        SourceOrder(stock, network, policy=policy, destination=destination, reserve=stock.take),
        PostToErp(erp),
        ShipFulfillments(shipped),
        ConfirmToChannel(world.connectors),
    ]
    return OrderPipeline(
        steps,
        idempotency=world.keys,
        audit=world.audit,
        exceptions=world.queue,
        name="demo-order",
        owner="demo",
    )


def ingest_orders(world: World, progress: Progress, figures: DemoFigures) -> list[Envelope]:
    from retail_canon.testing._demo_retailer import CHANNELS

    for channel in CHANNELS:
        world.fakes[channel].put("orders", world.retailer.orders[channel])
    world.clock.advance(60)
    deliveries: list[Envelope] = []
    for channel in progress.track("reading orders", list(CHANNELS)):
        with world.connectors[channel].read_orders(since=START - timedelta(hours=1)) as records:
            for order in records:
                deliveries.append(
                    world.envelope(
                        f"/channels/{channel}",
                        "com.retail-canon.demo.order.received",
                        order,
                        subject=order.order_id,
                        idempotency_key=f"{channel}:{order.order_id}",
                    )
                )
    # A webhook retry: the fifth Shopify order arrives a second time, late in the burst.
    shopify = [d for d in deliveries if d.source == "/channels/shopify"]
    again = shopify[min(4, len(shopify) - 1)]
    deliveries.insert(
        len(deliveries) - 3,
        world.envelope(
            again.source,
            again.type,
            again.data,
            subject=again.subject,
            idempotency_key=again.idempotency_key,
        ),
    )
    figures.deliveries = len(deliveries)
    figures.orders_in = len({d.idempotency_key for d in deliveries})
    return deliveries
