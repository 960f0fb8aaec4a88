"""V2 settlement flat files (``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2``) for tests."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from retail_canon.connectors.amazon.settlement import HEADER
from retail_canon.models import SettlementLine, SettlementRecord

__all__ = ["settlement_v2_file", "settlement_v2_lines"]

_ORDER_ROWS = (
    ("ItemPrice", "Principal", 1),
    ("ItemPrice", "Tax", 0),
    ("ItemFees", "Commission", -1),
    ("ItemFees", "FBAPerUnitFulfillmentFee", -1),
    ("ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", 0),
)


def _number(value: Decimal, comma: bool) -> str:
    text = f"{value:.2f}"
    if not comma:
        return text
    whole, frac = text.split(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return f"{sign}{'.'.join(groups)},{frac}"


def _date(moment: datetime, eu: bool) -> str:
    if eu:
        return moment.strftime("%d.%m.%Y %H:%M:%S UTC")
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def settlement_v2_lines(
    rows: int,
    *,
    settlement_id: str = "14823917021",
    currency: str = "USD",
    marketplace: str = "Amazon.com",
    eu: bool = False,
    columns: int = 24,
    seed: int = 0,
    total_offset: Decimal = Decimal(0),
) -> Iterator[str]:
    r"""The lines (with ``\n``) of a settlement file with ``rows`` amount rows.

    Orders of five rows (principal, tax, commission, FBA fee, withheld facilitator tax),
    refunds and promotions mixed in; ``eu`` writes day-first dates and decimal commas;
    ``columns=23`` leaves out ``promotion-id``. The summary row's ``total-amount`` is the
    sum of the rows plus ``total_offset`` (non-zero: a file that does not add up).

    The rows are generated twice (once to sum them for the summary row, once to write
    them), so a million-row file never sits in memory.
    """
    start = datetime(2026, 5, 1, tzinfo=UTC)
    end = start + timedelta(days=14)
    total = sum((amount for _, amount in _rows(rows, seed, start)), Decimal(0)) + total_offset
    yield "\t".join(HEADER[:columns]) + "\n"
    summary = [settlement_id, _date(start, eu), _date(end, eu), _date(end + timedelta(days=2), eu)]
    summary += [_number(total, eu), currency]
    yield "\t".join(summary + [""] * (columns - 6)) + "\n"
    for fields, amount in _rows(rows, seed, start):
        fields[14] = _number(amount, eu)
        fields[0] = settlement_id
        fields[11] = marketplace
        fields[16] = _date(start, eu)[:10]
        out = fields[:columns]
        yield "\t".join(out) + "\n"


def _rows(count: int, seed: int, start: datetime) -> Iterator[tuple[list[str], Decimal]]:
    rng = random.Random(seed)
    made = 0
    order = 0
    while made < count:
        order += 1
        order_id = f"{100 + order % 900}-{order:07d}-{(order * 7919) % 10_000_000:07d}"
        price = Decimal(rng.randrange(599, 9999)) / 100
        kind = "Refund" if order % 20 == 0 else "Order"
        sign = -1 if kind == "Refund" else 1
        posted = (start + timedelta(seconds=order * 37)).strftime("%Y-%m-%d %H:%M:%S UTC")
        sku = f"SKU-{order % 1733:05d}"
        for amount_type, description, factor in _ORDER_ROWS:
            if made >= count:
                return
            if factor == 1:
                amount = price * sign
            elif factor == -1:
                amount = -(price * Decimal("0.15")).quantize(Decimal("0.01")) * sign
            else:
                amount = (price * Decimal("0.0725")).quantize(Decimal("0.01")) * sign
                if description.startswith("Marketplace"):
                    amount = -amount
            promotion = f"PROMO-{order % 7}" if order % 11 == 0 else ""
            fields = [
                "", "", "", "", "", "", kind, order_id, "", "", f"S{order:09d}", "",
                amount_type, description, "", "AFN" if order % 3 else "MFN", "", posted,
                f"{order:014d}", "", "", sku, "1" if factor == 1 else "", promotion,
            ]  # fmt: skip
            made += 1
            yield fields, amount


def _stamp(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


_SOURCE_FORM = "transaction-type/amount-type/amount-description"


def _source_columns(line: SettlementLine, settlement_id: str) -> tuple[str, str, str]:
    """A line's ``source_amount_type`` as its three V2 columns (default: an order's principal).

    Raises:
        ValueError: the value is not ``transaction-type/amount-type/amount-description``
            with a non-empty transaction and amount type (named with the line and value).
    """
    value = line.source_amount_type or "Order/ItemPrice/Principal"
    parts = value.split("/", 2)
    if len(parts) != 3 or not parts[0] or not parts[1] or any(c in value for c in "\t\r\n"):
        msg = (
            f"settlement {settlement_id} line {line.line_id}: source_amount_type {value!r} "
            f"is not in the V2 form {_SOURCE_FORM!r} (for example "
            f"'Order/ItemPrice/Principal' or 'Order/ItemFees/Commission')"
        )
        raise ValueError(msg)
    kind, amount_type, description = parts
    return kind, amount_type, description


def settlement_v2_file(record: SettlementRecord) -> bytes:
    """A canonical `SettlementRecord` as a V2 settlement file (UTF-8, 24 columns).

    Each line's ``source_amount_type`` is read as ``transaction-type/amount-type/
    amount-description`` (the connector writes it so; `None` is an order's
    ``Order/ItemPrice/Principal``); its refs fill ``adjustment-id``, ``shipment-id``,
    ``order-item-code`` and ``promotion-id``.

    Raises:
        ValueError: a line's ``source_amount_type`` is not in that form (the message names
            the line, the value and the form expected).
    """
    paid = record.payout.paid_at if record.payout else None
    summary = [record.settlement_id, _stamp(record.period_start), _stamp(record.period_end)]
    summary += [_stamp(paid), str(record.total.amount), record.currency]
    out = ["\t".join(HEADER), "\t".join(summary + [""] * 18)]
    for line in record.lines:
        kind, amount_type, description = _source_columns(line, record.settlement_id)
        refs = {ref.scheme: ref.value for ref in line.refs}
        stamp = _stamp(line.posted_at)
        row = [
            record.settlement_id, "", "", "", "", "", kind, line.order_id or "", "",
            refs.get("adjustment-id", ""), refs.get("shipment-id", ""), "Amazon.com",
            amount_type, description, str(line.amount.amount), "MFN", stamp[:10], stamp,
            refs.get("order-item-code", ""), "", "", line.sku or "", "",
            refs.get("promotion-id", ""),
        ]  # fmt: skip
        out.append("\t".join(row))
    return ("\n".join(out) + "\n").encode("utf-8")
