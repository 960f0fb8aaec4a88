"""Bench ``mapping``: a compiled declarative mapping against a hand-written mapping function.

Both turn the same Fjordline Market order payloads (the worked example of docs/mapping.md,
declared in ``examples/fjordline_market/mapping.json``) into the same `SalesOrder` objects,
record by record, calling the same normalizers (Oslo local timestamps, Norwegian decimal
commas, GTINs). The hand-written function is what a careful engineer writes: one nested
dict, one ``SalesOrder.model_validate``. Ours is ``Mapper.apply`` (which also collects
every problem of a record and keeps provenance available on demand); the ratio says what
the declarative layer costs. Records come from a pool of distinct payloads, cycled to the
tier's count, and are timed in chunks of 5,000, ours and the baseline alternating chunk by
chunk (best of the tier's repeats for each chunk).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from _harness import Record, interleaved_best_rates, register, tier_value

SIZES: dict[str, tuple[int, int]] = {
    "XS": (50, 1),
    "S": (5_000, 3),
    "M": (100_000, 3),
    "L": (300_000, 3),
}
POOL = 5_000
CHUNK = 5_000
SPEC = Path(__file__).resolve().parents[1] / "examples" / "fjordline_market" / "mapping.json"

_STATES = ("NEW", "AWAITING_DISPATCH", "PARTLY_SENT", "SENT", "COMPLETED", "CANCELLED")
_PAYMENTS = ("PENDING", "RESERVED", "CAPTURED", "PART_REFUNDED", "REFUNDED")


def _nok(value: Decimal) -> str:
    """``1249.50`` as Norwegians write it: ``1 249,50``."""
    whole, fraction = f"{value:.2f}".split(".")
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    return " ".join([whole, *groups]) + "," + fraction


def sample_orders(count: int, seed: int = 20261120) -> list[dict[str, Any]]:
    """``count`` valid Fjordline Market order payloads with 1 to 4 lines each."""
    from retail_canon.normalize.identifiers import gtin

    rng = random.Random(seed)
    orders = []
    for n in range(count):
        items, goods, vat_total = [], Decimal(0), Decimal(0)
        for line in range(1, rng.randint(1, 4) + 1):
            qty = rng.randint(1, 5)
            price = Decimal(rng.randint(1_500, 250_000)).scaleb(-2)
            rate = rng.choice((25, 15))
            vat = (price * qty * rate / (100 + rate)).quantize(Decimal("0.01"))
            data = f"70380100{rng.randint(0, 9999):04d}"
            item = {
                "lineNo": line,
                "sku": f"SKU-{rng.randint(1, 999):03d}",
                "ean": data + gtin.calc_check_digit(data) if rng.random() < 0.7 else None,
                "name": f"Vare {line}",
                "qty": str(qty),
                "unit": rng.choice(("stk", "stk", "par")),
                "unitPrice": _nok(price),
                "vatRate": str(rate),
                "vat": _nok(vat),
            }
            items.append(item)
            goods += price * qty
            vat_total += vat
        fee = Decimal(rng.choice((0, 99, 149)))
        order: dict[str, Any] = {
            "orderRef": f"FJM-2026-{n:06d}",
            "shop": {"id": f"fjm-no-{rng.randint(1, 9):02d}", "name": "Butikk"},
            "created": f"2026-11-{rng.randint(1, 28):02d} {rng.randint(8, 20):02d}:"
            f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
            "modified": "2026-11-29T10:00:00Z",
            "state": rng.choice(_STATES),
            "payment": {"state": rng.choice(_PAYMENTS), "method": "vipps"},
            "currency": "NOK",
            "pricesInclVat": True,
            "fulfilment": rng.choice(("SELLER", "FJM_LAGER")),
            "buyer": {"id": f"b-{n}", "fullName": "Kari Nordmann", "email": "k@example.invalid"},
            "delivery": {
                "name": "Kari Nordmann",
                "street": ["Storgata 1"],
                "zip": "0155",
                "city": "Oslo",
                "country": "NO",
                "method": "Pakke i postkassen",
                "carrier": "posten",
                "fee": _nok(fee),
            },
            "items": items,
            "totals": {
                "goods": _nok(goods),
                "shipping": _nok(fee),
                "vat": _nok(vat_total),
                "grand": _nok(goods + fee),
            },
        }
        orders.append(order)
    return orders


def handwritten() -> Any:
    """The hand-written mapping function: the same SalesOrder, built directly."""
    from retail_canon.models import OrderStatus, PaymentStatus, SalesOrder
    from retail_canon.normalize.dates import parse_timestamp
    from retail_canon.normalize.identifiers import gtin
    from retail_canon.normalize.numbers import parse_decimal, parse_locale_decimal
    from retail_canon.normalize.status import StatusTable, map_status

    order_status = StatusTable(
        "bench.status",
        OrderStatus,
        {
            "NEW": OrderStatus.PENDING,
            "AWAITING_DISPATCH": OrderStatus.OPEN,
            "PARTLY_SENT": OrderStatus.PARTIALLY_FULFILLED,
            "SENT": OrderStatus.FULFILLED,
            "COMPLETED": OrderStatus.CLOSED,
            "CANCELLED": OrderStatus.CANCELLED,
        },
    )
    payment_status = StatusTable(
        "bench.payment",
        PaymentStatus,
        {
            "PENDING": PaymentStatus.PENDING,
            "RESERVED": PaymentStatus.AUTHORIZED,
            "CAPTURED": PaymentStatus.PAID,
            "PART_REFUNDED": PaymentStatus.PARTIALLY_REFUNDED,
            "REFUNDED": PaymentStatus.REFUNDED,
        },
    )
    units = {"stk": "EA", "par": "PR"}
    fulfilled = {"SELLER": "SELLER", "FJM_LAGER": "MARKETPLACE"}
    validate = SalesOrder.model_validate

    def nok(text: str) -> Decimal:
        return parse_locale_decimal(text, "nb_NO")

    def map_order(raw: dict[str, Any]) -> Any:
        currency = raw["currency"]
        included = raw["pricesInclVat"]
        lines = []
        for item in raw["items"]:
            refs = []
            if item.get("ean"):
                refs.append(
                    {"system": "gs1", "scheme": "gtin", "value": gtin.to_gtin14(item["ean"])}
                )
            lines.append(
                {
                    "line_id": str(item["lineNo"]),
                    "source_line_id": str(item["lineNo"]),
                    "sku": item["sku"],
                    "title": item["name"],
                    "item_refs": refs,
                    "quantity": {"value": item["qty"], "uom": units[item["unit"]]},
                    "unit_price": {"amount": nok(item["unitPrice"]), "currency": currency},
                    "tax_lines": [
                        {
                            "kind": "VAT",
                            "rate": parse_decimal(item["vatRate"]).scaleb(-2),
                            "amount": {"amount": nok(item["vat"]), "currency": currency},
                            "included_in_price": included,
                        }
                    ],
                }
            )
        buyer, delivery, totals = raw["buyer"], raw["delivery"], raw["totals"]
        return validate(
            {
                "order_id": f"fjordline-{raw['orderRef']}",
                "order_number": raw["orderRef"],
                "channel": "fjordline",
                "marketplace_id": raw["shop"]["id"],
                "placed_at": parse_timestamp(raw["created"], tz="Europe/Oslo"),
                "updated_at": parse_timestamp(raw["modified"]),
                "currency": currency,
                "prices_include_tax": included,
                "status": map_status(order_status, raw["state"]).status,
                "source_status": raw["state"],
                "payment_status": map_status(payment_status, raw["payment"]["state"]).status,
                "fulfilled_by": fulfilled[raw["fulfilment"]],
                "customer": {
                    "customer_id": buyer["id"],
                    "name": buyer["fullName"],
                    "email": buyer["email"],
                },
                "ship_to": {
                    "name": delivery["name"],
                    "lines": delivery["street"],
                    "postal_code": delivery["zip"],
                    "city": delivery["city"],
                    "country": delivery["country"],
                },
                "service_level": delivery["method"],
                "lines": lines,
                "shipping_lines": [
                    {
                        "title": delivery["method"],
                        "carrier": delivery["carrier"],
                        "price": {"amount": nok(delivery["fee"]), "currency": currency},
                    }
                ],
                "totals": {
                    name: {"amount": nok(totals[key]), "currency": currency}
                    for name, key in (
                        ("subtotal", "goods"),
                        ("shipping", "shipping"),
                        ("tax", "vat"),
                        ("grand_total", "grand"),
                    )
                },
                "external_refs": [
                    {
                        "system": "fjordline",
                        "scheme": "orderRef",
                        "value": raw["orderRef"],
                        "scope": raw["shop"]["id"],
                    }
                ],
            }
        )

    return map_order


@register("mapping", "compiled declarative mapping vs a hand-written mapping function")
def run(tier: str) -> Iterator[Record]:
    from retail_canon.mapping import load_mapping

    count, repeats = tier_value(tier, SIZES)
    pool = sample_orders(min(count, POOL))
    records = [pool[i % len(pool)] for i in range(count)]
    mapper = load_mapping(SPEC)
    by_hand = handwritten()
    for raw in pool[:200]:
        ours = mapper.apply(raw)
        if ours.canonical is None or ours.canonical != by_hand(raw):  # pragma: no cover
            msg = f"mapping: the two mappings disagree on {raw['orderRef']}: {ours.problems}"
            raise AssertionError(msg)

    def compiled(chunk: list[dict[str, Any]]) -> None:
        apply = mapper.apply
        for raw in chunk:
            apply(raw)

    def baseline(chunk: list[dict[str, Any]]) -> None:
        for raw in chunk:
            by_hand(raw)

    # Chunk by chunk, ours and the baseline alternate (best of ``repeats`` each), so a
    # change of machine load during a long run hits both alike.
    ours_time = base_time = 0.0
    for start in range(0, count, CHUNK):
        chunk = records[start : start + CHUNK]
        fns = [lambda c=chunk: compiled(c), lambda c=chunk: baseline(c)]
        ours_rate, base_rate = interleaved_best_rates(fns, 1, repeats)
        ours_time += 1 / ours_rate
        base_time += 1 / base_rate
    yield Record(
        bench="mapping",
        case="sales_order",
        metric="records_per_s",
        value=count / ours_time,
        unit="records/s",
        baseline=f"handwritten: a hand-written function building the same SalesOrder "
        f"({count:,} records)",
        baseline_value=count / base_time,
        better="higher",
        target=0.5,
    )
