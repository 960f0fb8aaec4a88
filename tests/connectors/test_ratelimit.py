"""Token buckets: reservation math, sharing across threads, adapting to vendor signals."""

from __future__ import annotations

import threading

import httpx
import pytest

from retail_canon.connectors import (
    Feedback,
    GraphQLCostSignals,
    RateLimiter,
    RateLimitHeader,
    TokenCountHeaders,
)
from retail_canon.connectors._ratelimit import TokenBucket


def test_burst_then_rate_keeping_one_token_in_reserve():
    bucket = TokenBucket(rate=2.0, capacity=3.0, now=0.0)
    assert bucket.headroom == 1.0
    waits = [bucket.reserve(0.0) for _ in range(6)]
    assert waits == [0.0, 0.0, 0.5, 1.0, 1.5, 2.0]


def test_a_burst_of_one_keeps_nothing_in_reserve():
    bucket = TokenBucket(rate=2.0, capacity=1.0, now=0.0)
    assert bucket.headroom == 0.0
    assert [bucket.reserve(0.0) for _ in range(3)] == [0.0, 0.5, 1.0]


def test_tokens_refill_up_to_capacity():
    bucket = TokenBucket(rate=1.0, capacity=3.0, now=0.0)
    assert [bucket.reserve(0.0) for _ in range(2)] == [0.0, 0.0]
    assert bucket.reserve(100.0) == 0.0
    assert bucket.reserve(100.0) == 0.0
    assert bucket.reserve(100.0) == 1.0


def test_cost_takes_several_tokens():
    bucket = TokenBucket(rate=50.0, capacity=1000.0, now=0.0)
    assert bucket.reserve(0.0, cost=900) == 0.0
    assert bucket.reserve(0.0, cost=200) == pytest.approx(2.02)


def test_unlimited_bucket_only_waits_for_pauses():
    bucket = TokenBucket(rate=None, capacity=None, now=0.0)
    assert [bucket.reserve(0.0) for _ in range(100)] == [0.0] * 100
    bucket.throttled(0.0, retry_after=3.0, explained=False)
    assert bucket.reserve(1.0) == 2.0


def test_a_limiter_is_shared_by_threads():
    limiter = RateLimiter({"getOrders": (10.0, 5.0)})
    waits: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(25):
            wait = limiter.reserve("getOrders", 0.0)
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 200 reservations at one instant: the burst less one in reserve, then one per 0.1 s.
    expected = [0.0] * 4 + [round(0.1 * i, 6) for i in range(1, 197)]
    assert sorted(round(w, 6) for w in waits) == expected


def test_operations_have_their_own_buckets_and_star_is_the_default():
    limiter = RateLimiter({"*": (1.0, 1.0), "getOrder": (100.0, 100.0)})
    assert limiter.reserve("getOrders", 0.0) == 0.0
    assert limiter.reserve("getOrders", 0.0) == 1.0
    assert limiter.reserve("getOrder", 0.0) == 0.0
    assert limiter.snapshot("getOrder")["rate"] == 100.0
    assert limiter.snapshot("unknown") == {}


def test_vendor_rate_header_replaces_the_configured_rate():
    bucket = TokenBucket(rate=10.0, capacity=3.0, now=0.0)
    bucket.observe(Feedback(rate=0.5), now=0.0, wall=0.0)
    assert [bucket.reserve(0.0) for _ in range(3)] == [0.0, 0.0, 2.0]


def test_learning_a_rate_without_a_burst_assumes_one():
    bucket = TokenBucket(rate=None, capacity=None, now=0.0)
    bucket.observe(Feedback(rate=4.0), now=0.0, wall=0.0)
    assert [bucket.reserve(0.0) for _ in range(3)] == [0.0, 0.25, 0.5]


def test_remaining_and_reset_time_pause_the_bucket():
    bucket = TokenBucket(rate=None, capacity=None, now=100.0)
    bucket.observe(Feedback(remaining=0, resume_at=5_000.0 + 2.5), now=100.0, wall=5_000.0)
    assert bucket.reserve(100.0) == pytest.approx(2.5)


def test_unexplained_429_empties_the_bucket_and_halves_a_burst_that_was_too_big():
    bucket = TokenBucket(rate=1.0, capacity=8.0, now=0.0)
    bucket.throttled(0.0, retry_after=None, explained=False)
    assert bucket.capacity == 4.0
    assert bucket.reserve(0.0) == 2.0  # one token of debt, one in reserve
    # Already in debt: a further 429 says nothing new about the burst.
    bucket.throttled(0.0, retry_after=None, explained=False)
    assert bucket.capacity == 4.0


def test_explained_429_trusts_the_vendors_numbers():
    bucket = TokenBucket(rate=1.0, capacity=8.0, now=0.0)
    bucket.throttled(0.0, retry_after=None, explained=True)
    assert bucket.capacity == 8.0


def test_amazon_rate_limit_header():
    reader = RateLimitHeader()
    assert reader.read(
        httpx.Response(200, headers={"x-amzn-RateLimit-Limit": "0.0167"})
    ) == Feedback(rate=0.0167)
    assert reader.read(httpx.Response(429)) is None
    assert reader.read(httpx.Response(200, headers={"x-amzn-RateLimit-Limit": "n/a"})) is None
    assert reader.read(httpx.Response(200, headers={"x-amzn-RateLimit-Limit": "0"})) is None


@pytest.mark.parametrize("name", ["x-next-replenish-time", "X-Next-Replenishment-Time"])
def test_walmart_token_headers_both_spellings_ms_or_s(name):
    reader = TokenCountHeaders()
    ms = httpx.Response(429, headers={"x-current-token-count": "0", name: "1767225612000"})
    assert reader.read(ms) == Feedback(remaining=0.0, resume_at=1767225612.0)
    s = httpx.Response(200, headers={"X-Current-Token-Count": "7", name: "1767225612"})
    assert reader.read(s) == Feedback(remaining=7.0)
    assert reader.read(httpx.Response(200)) is None


def test_shopify_throttle_status():
    body = {
        "data": {},
        "extensions": {
            "cost": {
                "requestedQueryCost": 101,
                "actualQueryCost": 46,
                "throttleStatus": {
                    "maximumAvailable": 2000.0,
                    "currentlyAvailable": 1954,
                    "restoreRate": 100.0,
                },
            }
        },
    }
    feedback = GraphQLCostSignals().read(httpx.Response(200, json=body))
    assert feedback == Feedback(rate=100.0, capacity=2000.0, remaining=1954.0)
    assert GraphQLCostSignals().read(httpx.Response(200, json={"data": {}})) is None
    assert GraphQLCostSignals().read(httpx.Response(200, content=b"<html>")) is None


def test_feedback_merge_keeps_known_fields():
    merged = Feedback(rate=1.0).merge(Feedback(remaining=3.0))
    assert merged == Feedback(rate=1.0, remaining=3.0)
    assert Feedback(rate=1.0).merge(None) == Feedback(rate=1.0)
