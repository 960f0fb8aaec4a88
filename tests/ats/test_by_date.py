"""ATS by date: incoming supply counts from eta + receiving lead time, never in ATS now."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ats.strategies import T0
from retail_canon.ats import (
    Channel,
    Incoming,
    Kit,
    Node,
    Pool,
    Position,
    Rules,
    SafetyStock,
    UnknownChannel,
    ats_by_date,
    compute,
)

DAY = timedelta(days=1)
RULES = Rules(
    nodes=[Node("DC1", "DC"), Node("S1", "STORE", {"PICKUP"})],
    channels=[Channel("web", {"SHIP", "PICKUP"}), Channel("ship")],
    pools=[Pool("mkt", [("amz", 50), ("ebay", 50)])],
    safety_stock=[SafetyStock(percent=10, node="DC1")],
    kits=[Kit("SET", [("MUG", 2), ("TEA", 1)])],
)


def at_days(steps):
    return [((when - T0) / DAY, units) for when, units in steps]


def test_supply_counts_from_eta_plus_lead_before_the_clamp():
    now = compute(
        [Position("MUG", "DC1", on_hand=-5), Position("TEA", "DC1", on_hand=40)],
        [],
        RULES,
        as_of=T0,
    )
    supply = [
        Incoming("MUG", "DC1", 25, eta=T0 + 2 * DAY, reference="PO-1/1"),
        Incoming("MUG", "DC1", 10, eta=T0 + 5 * DAY, reference="PO-2/1"),
        Incoming("MUG", "S1", 10, eta=T0 + DAY, kind="transfer"),
    ]
    timeline = ats_by_date(now, supply, receiving_lead={"DC1": DAY})
    assert now["web", "MUG"] == 0
    # DC1: −5 + 25 = 20 less 10 % = 18 on day 3, 30 − 3 = 27 on day 6; S1 picks up for web only
    assert at_days(timeline["web", "MUG"]) == [(0, 0), (1, 10), (3, 28), (6, 37)]
    assert at_days(timeline["ship", "MUG"]) == [(0, 0), (3, 18), (6, 27)]
    assert at_days(timeline["amz", "MUG"]) == [(0, 0), (3, 9), (6, 14)]
    assert timeline.at("ship", "MUG", T0 + 4 * DAY) == 18
    assert timeline.at("ship", "MUG", T0 - DAY) == 0
    assert timeline["web", "TEA"] == ((T0, now["web", "TEA"]),)
    # kits follow their components
    assert at_days(timeline["ship", "SET"]) == [(0, 0), (3, 9), (6, 13)]
    assert set(timeline) == set(now)
    assert len(timeline) == len(now)
    with pytest.raises(UnknownChannel):
        timeline.at("nope", "MUG", T0)


def test_overdue_supply_counts_from_as_of_and_one_lead_for_all_nodes():
    now = compute([Position("MUG", "DC1", on_hand=0)], [], RULES, as_of=T0)
    late = Incoming("MUG", "DC1", 20, eta=T0 - 3 * DAY)
    soon = Incoming("MUG", "DC1", 10, eta=T0)
    timeline = ats_by_date(now, [late, soon], receiving_lead=2 * DAY)
    assert at_days(timeline["ship", "MUG"]) == [(0, 18), (2, 27)]
