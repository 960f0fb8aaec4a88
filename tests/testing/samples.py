"""Canonical sample objects for the conformance suite runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from retail_canon.models import Customer, Money, OrderLine, Quantity, SalesOrder


def make_orders(n: int) -> list[SalesOrder]:
    """``n`` orders, two per timestamp, with a buyer e-mail (personal data)."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    return [
        SalesOrder(
            order_id=f"s-{i:04d}",
            order_number=f"#{i}",
            channel="demo",
            placed_at=start + timedelta(minutes=i // 2),
            updated_at=start + timedelta(minutes=i // 2),
            currency="EUR",
            source_status="open",
            customer=Customer(email=f"sample{i}@example.com"),
            lines=[
                OrderLine(
                    line_id=f"s-{i:04d}-1",
                    sku=f"SKU-{i}",
                    quantity=Quantity(value=Decimal(1 + i % 3)),
                    unit_price=Money(amount=Decimal("12.50"), currency="EUR"),
                )
            ],
        )
        for i in range(n)
    ]
