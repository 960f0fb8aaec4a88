"""Bench ``ratelimit``: how close the connectors' rate limiter runs to a vendor's limit.

A `DemoVendorFake` enforces a token bucket of R requests/s with burst B and answers 429
beyond it; the `DemoConnector` reads every record, page by page, through it. Two figures
per case:

``achieved_over_allowed``: successful requests per second between the first and the last
successful request (T seconds apart), against the most the vendor's bucket admits in that
window, (B + R·T) / T. The ratio is the share of the allowed throughput we used; it cannot
exceed 1 because the fake enforces the limit. Target ≥ 0.95.

``429_after_warmup``: a count whose target is 0 cannot be a ratio (and records must be
positive), so it is expressed as its complement: value = requests after the warm-up that
did *not* get a 429, baseline = all requests after the warm-up. The ratio is then 1.00
exactly when no request after the warm-up was throttled; the number of 429s is
``baseline_value - value``. Target ≥ 1.00. The warm-up is the first half second after the
first request: the time a client may need to learn a limit from the vendor's signals.

Cases:

- ``configured``: the client is configured with the vendor's exact limit.
- ``amazon_signals``: the client is configured 3× too fast with twice the burst; the vendor
  announces its rate in ``x-amzn-RateLimit-Limit`` on successes and answers bare 429s
  (``QuotaExceeded``, no headers), as SP-API does.
- ``walmart_signals``: the client has no configured limit; the vendor sends
  ``x-current-token-count`` and ``x-next-replenish-time`` on every answer, as Walmart does.
- ``real_clock``: the configured case on the real clock with real sleeps (R = 40/s, B = 4),
  to include sleep overshoot and scheduling; short on purpose.

The first three run on a simulated clock (`FakeClock`, 5 ms simulated latency per
request): deterministic, exact, and a 5,000-record read at 10 requests/s (about 50
simulated seconds) takes well under a second. The limiter's logic is what is measured;
``real_clock`` adds what the operating system's sleep costs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from _harness import Record, register, tier_value

RATE, BURST = 10.0, 20.0
REAL_RATE, REAL_BURST = 40.0, 4.0
WARMUP = 0.5  # seconds after the first request
LATENCY = 0.005

# (records, page size) for the simulated cases, records (page size 5) for real_clock.
SIZES: dict[str, tuple[int, int, int]] = {
    "XS": (400, 10, 150),
    "S": (5_000, 10, 400),
    "M": (5_000, 5, 1_000),
    "L": (50_000, 10, 2_000),
}

CASES: dict[str, dict[str, Any]] = {
    "configured": {"signals": "none", "limit": (RATE, BURST)},
    "amazon_signals": {"signals": "amazon", "limit": (3 * RATE, 2 * BURST)},
    "walmart_signals": {"signals": "walmart", "limit": None},
}


def _read(
    clock: Any,
    signals: str,
    records: int,
    page: int,
    rate: float,
    burst: float,
    client_limit: tuple[float, float] | None,
    latency: float,
) -> Any:
    import random

    from retail_canon.connectors import RateLimit
    from retail_canon.testing import DemoConnector, DemoVendorFake

    fake = DemoVendorFake(clock=clock, signals=signals, latency=latency)  # type: ignore[arg-type]
    fake.seed_orders(records, ties=1)
    fake.rate_limit(rate, burst)
    limits = {}
    if client_limit is not None:
        limits = {"listOrders": RateLimit(rate=client_limit[0], burst=client_limit[1])}
    connector = DemoConnector(
        transport=fake,
        clock=clock,
        rng=random.Random(20260101),
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        refresh_token=fake.refresh_token,
        page_size=page,
        rate_limits=limits,
        max_attempts=10,
        max_elapsed=3600,
    )
    read = sum(1 for _ in connector.read_orders())
    if read != records:  # pragma: no cover - self-check
        msg = f"ratelimit: read {read} of {records} records"
        raise AssertionError(msg)
    connector.close()
    return fake


def _records(case: str, fake: Any, rate: float, burst: float, clock_text: str) -> Iterator[Record]:
    pages = [e for e in fake.exchanges if e.path == "/v1/orders"]
    ok = [e for e in pages if e.status == 200]
    start = pages[0].at
    window = ok[-1].at - ok[0].at
    allowed = (burst + rate * window) / window
    yield Record(
        bench="ratelimit",
        case=case,
        metric="achieved_over_allowed",
        value=len(ok) / window,
        unit="requests/s",
        baseline=(
            f"allowed by the vendor's bucket (R={rate:g}/s, B={burst:g}) over the same "
            f"{window:.1f} s, (B + R*T)/T; {clock_text}"
        ),
        baseline_value=allowed,
        better="higher",
        target=0.95,
    )
    after = [e for e in pages if e.at - start > WARMUP]
    clean = [e for e in after if e.status != 429]
    early = sum(1 for e in pages if e.at - start <= WARMUP and e.status == 429)
    yield Record(
        bench="ratelimit",
        case=case,
        metric="429_after_warmup",
        value=float(len(clean)),
        unit="requests without 429",
        baseline=(
            f"all requests after the {WARMUP:g} s warm-up; ratio 1.00 = no 429, "
            f"429s = baseline - value ({early} 429s during the warm-up); {clock_text}"
        ),
        baseline_value=float(len(after)),
        better="higher",
        target=1.0,
    )


@register("ratelimit", "5,000-record read through a vendor limit of R req/s, burst B")
def run(tier: str) -> Iterator[Record]:
    from retail_canon.connectors import SystemClock
    from retail_canon.testing import FakeClock

    records, page, real_records = tier_value(tier, SIZES)
    for case, spec in CASES.items():
        fake = _read(
            FakeClock(), spec["signals"], records, page, RATE, BURST, spec["limit"], LATENCY
        )
        text = f"{records:,} records, {page}/page, simulated clock"
        yield from _records(case, fake, RATE, BURST, text)
    limit = (REAL_RATE, REAL_BURST)
    fake = _read(SystemClock(), "none", real_records, 5, REAL_RATE, REAL_BURST, limit, 0.0)
    yield from _records(
        "real_clock", fake, REAL_RATE, REAL_BURST, f"{real_records:,} records, real clock"
    )
