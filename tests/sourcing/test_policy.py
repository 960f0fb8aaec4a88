"""The policy as data: JSON in and out, and the combinations it refuses."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pydantic import ValidationError

from retail_canon.models import LocationKind
from retail_canon.sourcing import (
    Costs,
    Goal,
    InventoryRule,
    NodeSort,
    SourcingPolicy,
    Split,
    SplitMode,
    UnfilledAction,
    Zone,
)

DOCUMENT = """
{
  "eligibility": {"radius_km": {"STORE": 300}, "hazmat_skus": ["AEROSOL-1"],
                  "safety_stock": {"store-7": 2}, "ship_from_store_off": ["store-9"]},
  "capacity": {"orders_per_day_by_kind": {"STORE": 20}, "orders_per_day": {"store-7": 5}},
  "costs": {"package": {"WAREHOUSE": 6, "STORE": 9.5},
            "zones": [{"up_to_km": 200, "unit_cost": 0.4}, {"unit_cost": 1.2}]},
  "split": {"mode": "above_value", "min_order_value": "25"},
  "unfilled": "reject",
  "objective": ["fill", "cost"],
  "rules": [
    {"name": "nearby stores", "node_kinds": ["STORE"], "radius_km": 50, "single_node": true,
     "sorts": ["proximity", "inventory_balance"]},
    {"name": "warehouses", "node_kinds": ["WAREHOUSE"], "sorts": ["priority"]}
  ]
}
"""


def test_policy_reads_from_json_exactly():
    policy = SourcingPolicy.model_validate_json(DOCUMENT)
    assert policy.eligibility.radius_km == {LocationKind.STORE: Decimal(300)}
    assert policy.costs.package[LocationKind.STORE] == Decimal("9.5")
    assert policy.costs.zones[0] == Zone(up_to_km=200, unit_cost=Decimal("0.4"))
    assert policy.split.mode is SplitMode.ABOVE_VALUE
    assert policy.unfilled is UnfilledAction.REJECT
    assert policy.objective == (Goal.FILL, Goal.COST)
    assert policy.rules[0].sorts == (NodeSort.PROXIMITY, NodeSort.INVENTORY_BALANCE)
    again = SourcingPolicy.model_validate_json(policy.model_dump_json())
    assert again == policy


def test_policy_json_schema_exists():
    schema = SourcingPolicy.model_json_schema()
    assert "rules" in schema["properties"]
    json.dumps(schema)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"objective": ["packages", "fill", "cost"]}, "'fill' first"),
        ({"objective": ["fill", "packages"]}, "'cost' is required"),
        ({"objective": ["fill", "cost", "cost"]}, "each once"),
        ({"rules": []}, "at least one rule"),
        ({"rules": [{"name": "a"}, {"name": "a"}]}, "unique"),
        ({"split": {"mode": "above_value"}}, "min_order_value is required"),
        ({"split": {"mode": "allowed", "min_order_value": 5}}, "min_order_value is required"),
        ({"costs": {"zones": []}}, "at least one zone"),
        ({"costs": {"zones": [{"up_to_km": 5, "unit_cost": 1}]}}, "only the last zone is open"),
        ({"costs": {"zones": [{"unit_cost": 1}, {"unit_cost": 1}]}}, "only the last zone is open"),
        (
            {
                "costs": {
                    "zones": [
                        {"up_to_km": 9, "unit_cost": 1},
                        {"up_to_km": 5, "unit_cost": 1},
                        {"unit_cost": 1},
                    ]
                }
            },
            "rise strictly",
        ),
        ({"eligibility": {"radius": 3}}, "Extra inputs"),
        ({"eligibility": {"default_safety_stock": -1}}, "greater than or equal"),
        ({"costs": {"default_package": 1.5}}, "exact decimal"),
    ],
)
def test_policy_refuses(data, message):
    with pytest.raises(ValidationError, match=message):
        SourcingPolicy.model_validate(data)


def test_defaults():
    policy = SourcingPolicy()
    assert policy.split == Split()
    assert policy.rules == (InventoryRule(name="all nodes"),)
    assert policy.costs == Costs()
    assert [z.up_to_km for z in policy.costs.zones] == [150, 600, 1500, None]
