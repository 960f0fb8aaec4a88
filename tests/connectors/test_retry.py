"""The retry policy: only retriable errors, only when safe, jittered, bounded, Retry-After."""

from __future__ import annotations

import random

import pytest

from retail_canon.connectors import (
    BadRequest,
    RateLimited,
    RetryPolicy,
    ServerError,
    TransportFailure,
)

POLICY = RetryPolicy(max_attempts=5, max_elapsed=60.0, base_delay=0.5, max_delay=8.0)


def delay(error, attempt=1, elapsed=0.0, safe=True, seed=1):
    return POLICY.delay(error, attempt=attempt, elapsed=elapsed, safe=safe, rng=random.Random(seed))


def test_fatal_errors_are_not_retried():
    assert delay(BadRequest("400")) is None


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 6])
def test_backoff_is_full_jitter_capped_exponential(attempt):
    cap = min(8.0, 0.5 * 2 ** (attempt - 1))
    waits = [delay(ServerError("503"), attempt=attempt, seed=s) for s in range(200)]
    if attempt >= 5:
        assert waits == [None] * 200
        return
    assert all(0.0 <= w <= cap for w in waits)
    assert max(waits) > cap * 0.9  # jitter spreads over the whole range
    assert min(waits) < cap * 0.1


def test_retry_after_is_a_floor():
    assert delay(RateLimited("429", retry_after=5.0)) == 5.0
    # A jittered backoff larger than Retry-After wins.
    waits = {delay(ServerError("503", retry_after=0.01), attempt=4, seed=s) for s in range(50)}
    assert max(waits) > 0.01


def test_nothing_starts_after_max_elapsed():
    assert delay(RateLimited("429", retry_after=30.0), elapsed=29.0) == 30.0
    assert delay(RateLimited("429", retry_after=30.0), elapsed=31.0) is None


def test_unsafe_requests_are_retried_only_when_the_vendor_cannot_have_acted():
    assert delay(ServerError("503"), safe=False) is None
    assert delay(TransportFailure("read timeout", maybe_applied=True), safe=False) is None
    assert delay(TransportFailure("refused", maybe_applied=False), safe=False) is not None
    assert delay(RateLimited("429"), safe=False) is not None
