"""The built-in steps of an `OrderPipeline`, in their usual order.

| step | name | refuses with |
|---|---|---|
| `NormalizeParties` | ``normalized`` | `ReasonCode.INVALID_ADDRESS` |
| `ResolveItems` | ``items_resolved`` | `ReasonCode.UNKNOWN_SKU`, `ReasonCode.XREF_CONFLICT` |
| `ValidateTax` | ``tax_checked`` | `ReasonCode.TAX_MISMATCH` |
| `ScreenFraud` | ``fraud_screened`` | `ReasonCode.FRAUD_SUSPECTED` |
| `SourceOrder` | ``sourced`` | `ReasonCode.OVERSELL_RISK` |
| `PostToErp` | ``erp_posted`` | `ReasonCode.VENDOR_REJECTED` (or the connector error's code) |
| `ShipFulfillments` | ``shipment_confirmed`` | what the ``ship`` hook raises |
| `ConfirmToChannel` | ``channel_confirmed`` | `ReasonCode.VENDOR_REJECTED` |

Each is a small class with a ``name`` attribute (pass ``name=`` to run two of a kind) and
keyword-only options; replace any of them with your own `Step`. They import sourcing, the
tax check and the models when they run, so ``import retail_canon.workflow`` stays cheap.
Connectors are used through their capability methods only (``write_orders``,
``write_shipments``): any object with those methods will do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from retail_canon.workflow._errors import StepFailed
from retail_canon.workflow._exception_queue import ReasonCode
from retail_canon.workflow._orchestrate import OrderContext, StepOutcome

if TYPE_CHECKING:
    from retail_canon.models import Address, FulfillmentOrder, OrderLine, SalesOrder
    from retail_canon.normalize.tax import TaxPolicy
    from retail_canon.sourcing import GeoPoint, InventoryView, Network, SourcingPlan
    from retail_canon.sourcing import SourcingPolicy as SourcingPolicyT

__all__ = [
    "ConfirmToChannel",
    "NormalizeParties",
    "PostToErp",
    "ResolveItems",
    "ScreenFraud",
    "ShipFulfillments",
    "SourceOrder",
    "ValidateTax",
]

_SPACES = re.compile(r"\s+")
_POSTAL = {
    "US": re.compile(r"^\d{5}(-\d{4})?$"),
    "CA": re.compile(r"^[A-Z]\d[A-Z] \d[A-Z]\d$"),
    "DE": re.compile(r"^\d{5}$"),
    "FR": re.compile(r"^\d{5}$"),
}


class _Writes(Protocol):
    """What a write capability returns: `retail_canon.connectors.WriteReport`."""

    @property
    def ok(self) -> bool: ...


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = _SPACES.sub(" ", text).strip()
    return cleaned or None


def _postal(code: str | None, country: str) -> str | None:
    code = _clean(code)
    if code is None:
        return None
    code = code.upper()
    if country == "US" and re.fullmatch(r"\d{9}", code):
        code = f"{code[:5]}-{code[5:]}"
    if country == "CA" and re.fullmatch(r"[A-Z]\d[A-Z]\d[A-Z]\d", code):
        code = f"{code[:3]} {code[3:]}"
    return code


class NormalizeParties:
    """Customer and address normalisation, and the address check.

    Collapses white space in names, street lines and cities; lower-cases e-mail addresses;
    upper-cases regions and postal codes and puts US ZIP+4 and Canadian postal codes in
    their usual form. An order the seller ships must have a ship-to address with a
    street line, a city and a postal code (of the country's form, for the countries it
    knows); otherwise it is refused with `ReasonCode.INVALID_ADDRESS`. The audit detail
    names the fields that changed, never their values (they are personal data).

    Args:
        name: the step's name.
        require_address: refuse seller-fulfilled orders without a usable address.
    """

    def __init__(self, *, name: str = "normalized", require_address: bool = True) -> None:
        self.name = name
        self.require_address = require_address

    def _address(self, address: Address, where: str, changed: list[str]) -> Address:
        lines = tuple(x for x in (_clean(line) for line in address.lines) if x)
        update: dict[str, Any] = {
            "name": _clean(address.name),
            "company": _clean(address.company),
            "lines": lines,
            "city": _clean(address.city),
            "region": (_clean(address.region) or "").upper() or None,
            "postal_code": _postal(address.postal_code, address.country),
            "email": (_clean(address.email) or "").lower() or None,
            "phone": _clean(address.phone),
        }
        changed.extend(f"{where}.{k}" for k, v in update.items() if getattr(address, k) != v)
        return address.model_copy(update=update)

    def _check(self, address: Address | None, order: SalesOrder) -> None:
        if address is None:
            msg = f"order {order.order_id}: no ship-to address"
            raise StepFailed(ReasonCode.INVALID_ADDRESS, msg, detail={"field": "ship_to"})
        for field in ("lines", "city", "postal_code"):
            if not getattr(address, field):
                msg = f"order {order.order_id}: ship-to address has no {field}"
                raise StepFailed(
                    ReasonCode.INVALID_ADDRESS, msg, detail={"field": f"ship_to.{field}"}
                )
        pattern = _POSTAL.get(address.country)
        if pattern is not None and not pattern.match(address.postal_code or ""):
            msg = f"order {order.order_id}: postal code is not a valid {address.country} code"
            raise StepFailed(
                ReasonCode.INVALID_ADDRESS, msg, detail={"field": "ship_to.postal_code"}
            )

    def __call__(self, context: OrderContext) -> StepOutcome:
        """Normalise the parties of the order, then check its ship-to address."""
        from retail_canon.models import FulfilledBy

        order = context.order
        changed: list[str] = []
        update: dict[str, Any] = {}
        for where in ("ship_to", "bill_to"):
            address = getattr(order, where)
            if address is not None:
                update[where] = self._address(address, where, changed)
        if order.customer is not None:
            customer = order.customer
            fields = {
                "name": _clean(customer.name),
                "email": (_clean(customer.email) or "").lower() or None,
                "phone": _clean(customer.phone),
            }
            changed.extend(f"customer.{k}" for k, v in fields.items() if getattr(customer, k) != v)
            update["customer"] = customer.model_copy(update=fields)
        normalized = order.model_copy(update=update) if changed else order
        if self.require_address and order.fulfilled_by is FulfilledBy.SELLER:
            self._check(normalized.ship_to, order)
        return StepOutcome(
            detail={"changed": sorted(changed)}, order=normalized if changed else None
        )


class ResolveItems:
    """Map each line's channel SKU to the item it is (e.g. through `retail_canon.xref`).

    ``resolve(order, line)`` returns the canonical SKU, ``None`` for an unknown item
    (`ReasonCode.UNKNOWN_SKU`), or raises `StepFailed` itself (e.g. with
    `ReasonCode.XREF_CONFLICT` when the cross-reference has two answers). Lines get the
    resolved SKU; the channel's SKU is kept in the line's ``item_refs``.

    Args:
        resolve: the lookup.
        name: the step's name.
    """

    def __init__(
        self,
        resolve: Callable[[SalesOrder, OrderLine], str | None],
        *,
        name: str = "items_resolved",
    ) -> None:
        self.resolve = resolve
        self.name = name

    def __call__(self, context: OrderContext) -> StepOutcome:
        """Resolve every line, or refuse the order naming the first unknown SKU."""
        from retail_canon.models import ExternalRef

        order = context.order
        lines = []
        mapped: dict[str, str] = {}
        for line in order.lines:
            sku = self.resolve(order, line)
            if sku is None:
                msg = (
                    f"order {order.order_id} line {line.line_id}: {order.channel} SKU "
                    f"{line.sku!r} has no cross-reference to an item"
                )
                raise StepFailed(
                    ReasonCode.UNKNOWN_SKU, msg, detail={"line": line.line_id, "sku": line.sku}
                )
            if sku != line.sku:
                ref = ExternalRef(system=order.channel, scheme="sku", value=line.sku)
                refs = line.item_refs if ref in line.item_refs else (*line.item_refs, ref)
                line = line.model_copy(update={"sku": sku, "item_refs": refs})
                mapped[ref.value] = sku
            lines.append(line)
        changed = order.model_copy(update={"lines": tuple(lines)}) if mapped else None
        return StepOutcome(detail={"lines": len(lines), "mapped": mapped}, order=changed)


class ValidateTax:
    """The normalizers' tax check (`retail_canon.normalize.tax.check_order_tax`).

    Any discrepancy beyond ``tolerance`` refuses the order with `ReasonCode.TAX_MISMATCH`;
    the audit detail lists where.

    Args:
        policy: the rounding policy to recompute rated tax lines with; ``None`` checks
            only that ``totals.tax`` equals the tax lines.
        tolerance: an amount in the order's currency.
        name: the step's name.
    """

    def __init__(
        self,
        *,
        policy: TaxPolicy | None = None,
        tolerance: Decimal | int = 0,
        name: str = "tax_checked",
    ) -> None:
        self.policy = policy
        self.tolerance = tolerance
        self.name = name

    def __call__(self, context: OrderContext) -> StepOutcome:
        """Check the order's tax."""
        from retail_canon.normalize.tax import check_order_tax

        found = check_order_tax(context.order, self.policy, tolerance=self.tolerance)
        if found:
            msg = f"order {context.order.order_id}: " + "; ".join(str(d) for d in found)
            detail = {"discrepancies": [d.where for d in found]}
            raise StepFailed(ReasonCode.TAX_MISMATCH, msg, detail=detail)
        return StepOutcome(detail={"discrepancies": []})


class ScreenFraud:
    """The fraud-screening hook.

    ``screen(order)`` returns ``None`` to accept the order, or a short reason to hold it
    (`ReasonCode.FRAUD_SUSPECTED`); call your screening service from it. Without a
    ``screen`` every order passes, and the audit says it was not screened.

    Args:
        screen: the hook.
        name: the step's name.
    """

    def __init__(
        self,
        screen: Callable[[SalesOrder], str | None] | None = None,
        *,
        name: str = "fraud_screened",
    ) -> None:
        self.screen = screen
        self.name = name

    def __call__(self, context: OrderContext) -> StepOutcome:
        """Screen the order."""
        if self.screen is None:
            return StepOutcome(detail={"screened": False})
        held = self.screen(context.order)
        if held:
            msg = f"order {context.order.order_id} held by fraud screening: {held}"
            raise StepFailed(ReasonCode.FRAUD_SUSPECTED, msg, detail={"held": held})
        return StepOutcome(detail={"screened": True})


class SourceOrder:
    """Sourcing (`retail_canon.sourcing.source_order`): which nodes ship which lines.

    A line no node can ship now refuses the order with `ReasonCode.OVERSELL_RISK`. The
    fulfilment orders of the plan are the step's ``data["fulfillment_orders"]`` (JSON),
    for `ShipFulfillments`; the audit detail has the nodes, packages, cost and whether the
    order was split across a warehouse and a store.

    Args:
        inventory: sellable units per SKU and node (an ATS view, a `StockTable`, ...).
        network: the fulfilment nodes.
        policy: the sourcing policy (`retail_canon.sourcing.DEFAULT_POLICY` if ``None``).
        destination: coordinates of an order's ship-to (geocoding is yours).
        reserve: called with each plan, to reserve its units upstream (an ATS engine's
            ``Reserve`` events, a decrementing view).
        name: the step's name.
    """

    def __init__(
        self,
        inventory: InventoryView,
        network: Network,
        *,
        policy: SourcingPolicyT | None = None,
        destination: Callable[[SalesOrder], GeoPoint | None] | None = None,
        reserve: Callable[[SourcingPlan], None] | None = None,
        name: str = "sourced",
    ) -> None:
        self.inventory = inventory
        self.network = network
        self.policy = policy
        self.destination = destination
        self.reserve = reserve
        self.name = name

    def __call__(self, context: OrderContext) -> StepOutcome:
        """Source the order."""
        from retail_canon.sourcing import source_order

        order = context.order
        where = self.destination(order) if self.destination is not None else None
        plan = source_order(order, self.inventory, self.network, self.policy, destination=where)
        if plan.unfilled:
            short = ", ".join(f"{u.sku} x {u.quantity} ({u.reason})" for u in plan.unfilled)
            msg = f"order {order.order_id}: no node can ship {short}"
            detail = {"unfilled": [u.line_id for u in plan.unfilled]}
            raise StepFailed(ReasonCode.OVERSELL_RISK, msg, detail=detail)
        if self.reserve is not None:
            self.reserve(plan)
        kinds = {self.network[n].kind.value for n in plan.nodes}
        fulfillment_orders = [fo.model_dump(mode="json") for fo in plan.fulfillment_orders()]
        return StepOutcome(
            detail={
                "nodes": list(plan.nodes),
                "packages": plan.packages,
                "cost": str(plan.cost),
                "split": sorted(kinds),
            },
            data={"fulfillment_orders": fulfillment_orders},
        )


def _report_failure(report: Any, what: str) -> StepFailed | None:
    if report.ok:
        return None
    first = report.skipped[0]
    reason = ReasonCode.VENDOR_REJECTED
    if getattr(first, "code", "") == "rate_limited":
        reason = ReasonCode.RATE_LIMITED
    message = str(first) or what
    return StepFailed(reason, message, detail={"refused": len(report.skipped)})


class PostToErp:
    """ERP posting: the order, once, through an `OrderSink` (``write_orders``).

    A refused write (on the report's ``skipped``) refuses the order with
    `ReasonCode.VENDOR_REJECTED`; a connector error is classified by the pipeline. The
    audit detail has the ERP's id for the order.

    Args:
        sink: the ERP (any object with ``write_orders``).
        name: the step's name.
    """

    def __init__(self, sink: Any, *, name: str = "erp_posted") -> None:
        self.sink = sink
        self.name = name

    def __call__(self, context: OrderContext) -> StepOutcome:
        """Post the order."""
        report = self.sink.write_orders([context.order])
        failure = _report_failure(report, f"ERP refused order {context.order.order_id}")
        if failure is not None:
            raise failure
        written = report.written[0] if report.written else None
        erp_id = None if written is None else (written.vendor_id or written.key)
        return StepOutcome(detail={"erp_id": erp_id}, data={"erp_id": erp_id})


def _fulfillment_orders(context: OrderContext, step: str) -> list[FulfillmentOrder]:
    from retail_canon.models import FulfillmentOrder

    raw = context.data(step).get("fulfillment_orders", [])
    return [FulfillmentOrder.model_validate(fo) for fo in raw]


class ShipFulfillments:
    """Warehouse release and shipment: the ``ship`` hook ships each fulfilment order.

    ``ship(order, fulfillment_order)`` hands a fulfilment order of the ``sourced`` step to
    the warehouse or store and returns it with its shipments (carrier, tracking). The
    shipped fulfilment orders are this step's ``data``, for `ConfirmToChannel`.

    Args:
        ship: the hook (your WMS / store system).
        source_step: the name of the sourcing step.
        name: the step's name.
    """

    def __init__(
        self,
        ship: Callable[[SalesOrder, FulfillmentOrder], FulfillmentOrder],
        *,
        source_step: str = "sourced",
        name: str = "shipment_confirmed",
    ) -> None:
        self.ship = ship
        self.source_step = source_step
        self.name = name

    def __call__(self, context: OrderContext) -> StepOutcome:
        """Ship each fulfilment order."""
        shipped = [
            self.ship(context.order, fo) for fo in _fulfillment_orders(context, self.source_step)
        ]
        tracking = [s.tracking_number for fo in shipped for s in fo.shipments if s.tracking_number]
        return StepOutcome(
            detail={"shipments": sum(len(fo.shipments) for fo in shipped), "tracking": tracking},
            data={"fulfillment_orders": [fo.model_dump(mode="json") for fo in shipped]},
        )


class ConfirmToChannel:
    """Confirmation back to the channel: shipments with tracking, through a `ShipmentSink`.

    The fulfilment orders of the ``shipment_confirmed`` step go to the sink of the
    order's channel (``write_shipments``). A channel without a sink is refused with
    `ReasonCode.OTHER` (a configuration gap, not a vendor problem).

    Args:
        sinks: the `ShipmentSink` of each channel, by the orders' ``channel``.
        ship_step: the name of the shipping step.
        name: the step's name.
    """

    def __init__(
        self,
        sinks: Mapping[str, Any],
        *,
        ship_step: str = "shipment_confirmed",
        name: str = "channel_confirmed",
    ) -> None:
        self.sinks = dict(sinks)
        self.ship_step = ship_step
        self.name = name

    def __call__(self, context: OrderContext) -> StepOutcome:
        """Confirm the shipments to the channel."""
        order = context.order
        sink = self.sinks.get(order.channel)
        if sink is None:
            msg = f"order {order.order_id}: no shipment sink for channel {order.channel!r}"
            raise StepFailed(ReasonCode.OTHER, msg)
        shipped = _fulfillment_orders(context, self.ship_step)
        report = sink.write_shipments(shipped)
        failure = _report_failure(report, f"{order.channel} refused shipments of {order.order_id}")
        if failure is not None:
            raise failure
        return StepOutcome(detail={"channel": order.channel, "fulfillment_orders": len(shipped)})
