"""FakeClock and fault rules: schedules, bursts, limits, probabilities, the log."""

from __future__ import annotations

import asyncio

import pytest

from retail_canon.connectors import Clock
from retail_canon.testing import FakeClock, FaultKind, FaultPlan, FaultRule

ALL = list(FaultKind)


def test_fake_clock_moves_only_when_asked():
    clock = FakeClock(start=5.0, wall=1000.0)
    assert isinstance(clock, Clock)
    assert (clock.monotonic(), clock.time()) == (5.0, 1000.0)
    clock.sleep(2.5)
    clock.sleep(0)
    asyncio.run(clock.asleep(1.5))
    clock.advance(1.0)
    assert (clock.monotonic(), clock.time()) == (10.0, 1005.0)
    assert (clock.slept, clock.sleeps) == (4.0, 2)
    with pytest.raises(ValueError, match="back"):
        clock.advance(-1)


def fired(plan, n, path="/x", method="GET", kinds=ALL):
    return [plan.pick(method, path, at=float(i), applicable=kinds) is not None for i in range(n)]


def test_every_nth_request_with_bursts_after_and_limit():
    plan = FaultPlan([FaultRule(FaultKind.SERVER_ERROR, every=4, burst=2, after=2, limit=2)])
    assert fired(plan, 16) == [
        False,
        False,
        False,
        False,
        False,
        True,
        True,
        False,
        False,
        True,
        True,
        False,
        False,
        False,
        False,
        False,
    ]
    assert plan.count(FaultKind.SERVER_ERROR) == 4
    assert plan.events[0].at == 5.0


def test_probability_is_seeded():
    def run(seed):
        return fired(FaultPlan([FaultRule(FaultKind.TIMEOUT, probability=0.3)], seed=seed), 200)

    assert run(1) == run(1)
    assert run(1) != run(2)
    assert 30 < sum(run(1)) < 90


def test_rules_filter_by_path_method_and_applicable_kinds():
    plan = FaultPlan([FaultRule(FaultKind.RATE_LIMIT, every=1, path="^/orders", method="post")])
    assert fired(plan, 2, path="/orders/1", method="GET") == [False, False]
    assert fired(plan, 2, path="/items", method="POST") == [False, False]
    assert fired(plan, 2, path="/orders", method="POST") == [True, True]
    assert fired(plan, 2, path="/orders", method="POST", kinds=[FaultKind.TIMEOUT]) == [
        False,
        False,
    ]


def test_first_matching_rule_wins_and_rules_can_be_added_and_cleared():
    plan = FaultPlan([FaultRule(FaultKind.TIMEOUT, every=2)])
    plan.add(FaultRule(FaultKind.SERVER_ERROR, every=1))
    kinds = [plan.pick("GET", "/", at=0, applicable=ALL).kind for _ in range(4)]
    assert kinds == [
        FaultKind.SERVER_ERROR,
        FaultKind.TIMEOUT,
        FaultKind.SERVER_ERROR,
        FaultKind.TIMEOUT,
    ]
    plan.clear()
    assert plan.pick("GET", "/", at=0, applicable=ALL) is None
    assert plan.count() == 4


@pytest.mark.parametrize("bad", [{}, {"every": 0}])
def test_a_rule_needs_a_schedule(bad):
    with pytest.raises(ValueError, match="every"):
        FaultRule(FaultKind.TIMEOUT, **bad)
