"""Order sourcing: which warehouses and stores ship which lines of an order, and why.

`source_order` takes an order, an inventory view (anything with ``available(sku)``), the
node network and a policy, and returns a `SourcingPlan`: fulfilment orders per node, the
lines that cannot ship now (backorder or reject), the cost, and a decision trace that names
for every line the candidate nodes, why each was rejected or lost, and why the winner won.
`source_batch` does the same for many orders against decrementing stock and daily
capacity.

Plans are compared lexicographically: fill the order, then fewest packages, then lowest
cost (fixed cost per package by node kind plus per-unit distance-zone cost), then the
rule's sorts and node ids. Orders with few distinct SKUs get an exact search over candidate
node sets; larger ones a greedy start improved by a bounded search. The policy is data:
eligibility, capacity, split policy, objective and HotWax-style rule sets.

Everything here is deterministic and pure: no clock, no randomness, no I/O. The solver
that checks optimality in the benchmarks (HiGHS) is never imported here.

>>> from retail_canon.models import LocationKind
>>> net = Network([
...     FulfillmentNode("wh-1", LocationKind.WAREHOUSE, GeoPoint(41.9, -87.6)),
...     FulfillmentNode("store-7", LocationKind.STORE, GeoPoint(39.8, -89.6)),
... ])
>>> stock = StockTable({"MUG": {"wh-1": 10, "store-7": 2}, "TEA": {"store-7": 1}})
>>> order = OrderRequest("o-1", (RequestLine("1", "MUG", 1), RequestLine("2", "TEA", 1)),
...                      destination=GeoPoint(39.78, -89.65))
>>> plan = source_order(order, stock, net)
>>> plan.nodes, plan.packages, plan.cost
(('store-7',), 1, Decimal('10.00'))
"""

from __future__ import annotations

from retail_canon.sourcing._engine import DEFAULT_POLICY, source_batch, source_order
from retail_canon.sourcing._errors import (
    InvalidNetwork,
    SourcingError,
    UnknownNode,
    UnsourceableOrder,
)
from retail_canon.sourcing._inventory import AllocatedInventory, InventoryView, StockTable
from retail_canon.sourcing._network import EARTH_RADIUS_KM, FulfillmentNode, GeoPoint, Network
from retail_canon.sourcing._plan import Allocation, BatchResult, SourcingPlan, UnfilledLine
from retail_canon.sourcing._policy import (
    Capacity,
    Costs,
    Eligibility,
    Goal,
    InventoryRule,
    NodeSort,
    SourcingPolicy,
    Split,
    SplitMode,
    UnfilledAction,
    Zone,
)
from retail_canon.sourcing._request import OrderRequest, RequestLine
from retail_canon.sourcing._trace import (
    Alternative,
    Basis,
    Candidate,
    LineTrace,
    Method,
    Outcome,
    Reason,
    StepDecision,
)

__all__ = [
    "AllocatedInventory",
    "Allocation",
    "Alternative",
    "Basis",
    "BatchResult",
    "Candidate",
    "Capacity",
    "Costs",
    "DEFAULT_POLICY",
    "EARTH_RADIUS_KM",
    "Eligibility",
    "FulfillmentNode",
    "GeoPoint",
    "Goal",
    "InvalidNetwork",
    "InventoryRule",
    "InventoryView",
    "LineTrace",
    "Method",
    "Network",
    "NodeSort",
    "OrderRequest",
    "Outcome",
    "Reason",
    "RequestLine",
    "source_batch",
    "source_order",
    "SourcingError",
    "SourcingPlan",
    "SourcingPolicy",
    "Split",
    "SplitMode",
    "StepDecision",
    "StockTable",
    "UnfilledAction",
    "UnfilledLine",
    "UnknownNode",
    "UnsourceableOrder",
    "Zone",
]
