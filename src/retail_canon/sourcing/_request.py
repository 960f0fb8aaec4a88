"""The hot-path form of an order: what sourcing needs from a `SalesOrder`, as attrs rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from retail_canon.models import Address, SalesOrder
from retail_canon.sourcing._errors import UnsourceableOrder
from retail_canon.sourcing._network import GeoPoint

__all__ = ["OrderRequest", "RequestLine"]

_ZERO = Decimal(0)


@attrs.frozen
class RequestLine:
    """One order line to source: whole units of one SKU.

    >>> RequestLine("1", "MUG", 2, unit_value=Decimal("12.99")).quantity
    2
    """

    line_id: str
    sku: str
    quantity: int
    unit_value: Decimal = _ZERO
    """Price of one unit; only the split-above-value policy reads it."""
    uom: str = "EA"

    def __attrs_post_init__(self) -> None:
        if type(self.quantity) is not int or self.quantity <= 0:
            got = self.quantity
            msg = f"line {self.line_id!r}: quantity must be a positive whole number, got {got!r}"
            raise UnsourceableOrder(msg)


@attrs.frozen
class OrderRequest:
    """An order as sourcing reads it.

    ``destination`` is where the order goes (geocoded by the caller, e.g. a postcode
    centroid); without it, radius rules reject the nodes they apply to and per-unit costs
    use `Costs.unknown_distance_unit_cost`. ``pickup_at`` names the store a customer
    collects the order from. `source_batch` handles higher ``priority`` first, then earlier
    ``promise_date``, then earlier ``placed_at``, then ``order_id``.
    """

    order_id: str
    lines: tuple[RequestLine, ...]
    destination: GeoPoint | None = None
    pickup_at: str | None = None
    priority: int = 0
    promise_date: datetime | None = None
    placed_at: datetime | None = None
    ship_to: Address | None = attrs.field(default=None, eq=False, repr=False)
    """The customer's address, copied onto the fulfilment orders."""

    def __attrs_post_init__(self) -> None:
        ids = [line.line_id for line in self.lines]
        if len(set(ids)) != len(ids):
            msg = f"order {self.order_id!r}: line ids must be unique, got {ids}"
            raise UnsourceableOrder(msg)

    @property
    def value(self) -> Decimal:
        """Merchandise value: the sum of unit value × quantity."""
        return sum((line.unit_value * line.quantity for line in self.lines), _ZERO)

    @classmethod
    def from_sales_order(
        cls,
        order: SalesOrder,
        *,
        destination: GeoPoint | None = None,
        pickup_at: str | None = None,
        priority: int = 0,
    ) -> OrderRequest:
        """The request for the open quantity of every line of ``order``.

        Open quantity is ordered − fulfilled − cancelled; fully handled lines are left out.
        The promise date is the order's ``deliver_by``, else its ``ship_by``.

        Raises:
            UnsourceableOrder: a line's open quantity is not a whole number.
        """
        lines = []
        for line in order.lines:
            open_units = line.quantity.value - line.quantity_fulfilled - line.quantity_cancelled
            if open_units != open_units.to_integral_value():
                msg = (
                    f"order {order.order_id!r} line {line.line_id!r}: open quantity "
                    f"{open_units} {line.quantity.uom} is not a whole number of units"
                )
                raise UnsourceableOrder(msg)
            if open_units > 0:
                lines.append(
                    RequestLine(
                        line.line_id,
                        line.sku,
                        int(open_units),
                        unit_value=line.unit_price.amount,
                        uom=line.quantity.uom,
                    )
                )
        return cls(
            order_id=order.order_id,
            lines=tuple(lines),
            destination=destination,
            pickup_at=pickup_at,
            priority=priority,
            promise_date=order.deliver_by or order.ship_by,
            placed_at=order.placed_at,
            ship_to=order.ship_to,
        )
