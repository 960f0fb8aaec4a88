"""Build a canonical order, write it as JSON, read it back, move it through its states.

Run: python examples/round_trip.py
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from retail_canon import InvalidTransition
from retail_canon.models import Money, OrderLine, OrderStatus, Quantity, SalesOrder, TaxLine

order = SalesOrder(
    order_id="shopify-1001",
    order_number="#1001",
    channel="shopify",
    placed_at="2026-11-20T09:15:00-05:00",
    currency="USD",
    lines=[
        OrderLine(
            line_id="1",
            sku="TEE-M-RED",
            quantity=Quantity(value=2, uom="EA"),
            unit_price=Money(amount="19.99", currency="USD"),
            tax_lines=[
                TaxLine(
                    rate=Decimal("0.0825"),
                    amount=(Money(amount="39.98", currency="USD") * Decimal("0.0825")).round(
                        ROUND_HALF_UP
                    ),
                )
            ],
        )
    ],
)

document = order.model_dump_json()
assert SalesOrder.model_validate_json(document) == order
print(document)

fulfilled = order.transition_to(OrderStatus.FULFILLED, source_status="fulfilled")
print("status:", order.status, "->", fulfilled.status)
try:
    fulfilled.transition_to(OrderStatus.OPEN)
except InvalidTransition as exc:
    print("refused:", exc)
