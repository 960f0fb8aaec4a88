"""`source_order` and `source_batch`, the public entry points (the work is in `_route`).

Both are pure functions of their inputs: no clock, no randomness, no global state, the
same plan for the same order, stock, nodes and policy. They run unchanged inside a Spark,
Dask or Ray task on a partition of orders (plans, networks and policies pickle).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from retail_canon.models import Location, SalesOrder
from retail_canon.sourcing._compile import compiled
from retail_canon.sourcing._inventory import AllocatedInventory, InventoryView
from retail_canon.sourcing._network import FulfillmentNode, GeoPoint, Network
from retail_canon.sourcing._plan import BatchResult, SourcingPlan
from retail_canon.sourcing._policy import SourcingPolicy
from retail_canon.sourcing._request import OrderRequest
from retail_canon.sourcing._route import SkuCache, route

__all__ = ["DEFAULT_POLICY", "source_batch", "source_order"]

DEFAULT_POLICY = SourcingPolicy()
"""The policy used when none is given: every eligible node, split allowed."""

Nodes = Network | Iterable[FulfillmentNode | Location]


def _network(nodes: Nodes) -> Network:
    return nodes if isinstance(nodes, Network) else Network(nodes)


def source_order(
    order: SalesOrder | OrderRequest,
    inventory: InventoryView,
    nodes: Nodes,
    policy: SourcingPolicy | None = None,
    *,
    destination: GeoPoint | None = None,
    pickup_at: str | None = None,
    orders_today: Mapping[str, int] | None = None,
) -> SourcingPlan:
    """Decide which nodes ship which lines of one order.

    Args:
        order: a canonical `SalesOrder` (its open quantities are sourced) or an
            `OrderRequest`.
        inventory: sellable units per SKU and node.
        nodes: a `Network` (build it once) or the nodes / locations themselves.
        policy: eligibility, capacity, costs, split policy, objective and rules;
            `DEFAULT_POLICY` if ``None``.
        destination: where the order goes, for radius and zone costs (overrides the
            request's).
        pickup_at: the store the customer collects the order from (overrides the
            request's).
        orders_today: orders per node already counted against today's capacity.

    Returns:
        The plan: allocations, unfilled lines, packages, cost and the decision trace.

    Raises:
        UnsourceableOrder: a line's quantity is not a whole number of units.
        UnknownNode: ``pickup_at`` is not part of the network.
    """
    network = _network(nodes)
    request = _request(order, destination, pickup_at)
    comp = compiled(network, policy or DEFAULT_POLICY)
    counts = [orders_today.get(i, 0) for i in comp.ids] if orders_today else comp.no_orders
    return route(request, comp, inventory, None, counts, SkuCache(comp))[0]


def _request(
    order: SalesOrder | OrderRequest, destination: GeoPoint | None, pickup_at: str | None
) -> OrderRequest:
    if isinstance(order, SalesOrder):
        return OrderRequest.from_sales_order(order, destination=destination, pickup_at=pickup_at)
    if destination is None and pickup_at is None:
        return order
    import attrs

    return attrs.evolve(
        order,
        destination=destination or order.destination,
        pickup_at=pickup_at or order.pickup_at,
    )


def _when(moment: datetime | None) -> float:
    if moment is None:
        return float("inf")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def batch_order(request: OrderRequest) -> tuple[int, float, float, str]:
    """The processing order of `source_batch`: priority, promise date, placed, order id."""
    return (
        -request.priority,
        _when(request.promise_date),
        _when(request.placed_at),
        request.order_id,
    )


def source_batch(
    orders: Iterable[SalesOrder | OrderRequest],
    inventory: InventoryView,
    nodes: Nodes,
    policy: SourcingPolicy | None = None,
    *,
    orders_today: Mapping[str, int] | None = None,
) -> BatchResult:
    """Source orders one after another against decrementing stock and daily capacity.

    Orders run by higher ``priority``, then earlier promise date, then earlier placement,
    then order id (sales orders are read with `OrderRequest.from_sales_order`, without a
    destination). Each order sees the stock and capacity the earlier ones left. The input
    view is not changed: the result carries an `AllocatedInventory` over it.

    Raises:
        UnsourceableOrder: a line's quantity is not a whole number of units.
        UnknownNode: a pickup store is not part of the network.
    """
    network = _network(nodes)
    comp = compiled(network, policy or DEFAULT_POLICY)
    requests = [
        o if isinstance(o, OrderRequest) else OrderRequest.from_sales_order(o) for o in orders
    ]
    requests.sort(key=batch_order)
    after = AllocatedInventory(inventory)
    base, taken = after.base, after._taken
    today = dict(orders_today or {})
    ids = comp.ids
    counts = [today.get(i, 0) for i in ids]
    plans = []
    cache = SkuCache(comp)
    entries = cache.entries
    for request in requests:
        # Stock is read per SKU once per batch; each cache entry is kept current below.
        plan, used = route(request, comp, base, taken, counts, cache)
        for node_id, _, sku, quantity, _, _ in plan._allocs:
            at = taken.get(sku)
            if at is None:
                taken[sku] = {node_id: quantity}
            else:
                at[node_id] = at.get(node_id, 0) + quantity
            entries[sku][0][node_id] -= quantity
        # Node indices run in node id order, as `SourcingPlan.nodes` does.
        for n in sorted(used) if len(used) > 1 else used:
            node_id = ids[n]
            today[node_id] = today.get(node_id, 0) + 1
            counts[n] += 1
        plans.append(plan)
    return BatchResult(tuple(plans), after, today)
