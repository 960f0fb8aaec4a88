"""Nodes that can ship or hand over an order, and the network they form.

Distances are great-circle distances on a sphere of radius `EARTH_RADIUS_KM`. The engine
compares them as dot products of unit vectors, so the hot path needs no trigonometry.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

from retail_canon.models import Address, Location, LocationCapability, LocationKind
from retail_canon.sourcing._errors import InvalidNetwork, UnknownNode

if TYPE_CHECKING:
    from retail_canon.sourcing._policy import SourcingPolicy

__all__ = ["EARTH_RADIUS_KM", "FulfillmentNode", "GeoPoint", "Network", "unit_vector"]

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), the sphere distances are measured on."""


def _latitude(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not -90.0 <= value <= 90.0:
        msg = f"latitude must be within [-90, 90], got {value}"
        raise ValueError(msg)


def _longitude(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not -180.0 <= value <= 180.0:
        msg = f"longitude must be within [-180, 180], got {value}"
        raise ValueError(msg)


def _groups(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def unit_vector(latitude: float, longitude: float) -> tuple[float, float, float]:
    """The point on the unit sphere at ``latitude``, ``longitude`` (degrees).

    >>> unit_vector(0.0, 0.0)
    (1.0, 0.0, 0.0)
    """
    lat, lon = math.radians(latitude), math.radians(longitude)
    cos_lat = math.cos(lat)
    return (cos_lat * math.cos(lon), cos_lat * math.sin(lon), math.sin(lat))


@attrs.frozen
class GeoPoint:
    """A point given by latitude and longitude in degrees (WGS 84, read as a sphere).

    >>> round(GeoPoint(52.52, 13.405).distance_km(GeoPoint(48.1374, 11.5755)))
    504
    """

    latitude: float = attrs.field(converter=float, validator=_latitude)
    longitude: float = attrs.field(converter=float, validator=_longitude)

    def distance_km(self, other: GeoPoint) -> float:
        """Great-circle distance to ``other`` (haversine)."""
        lat1, lat2 = math.radians(self.latitude), math.radians(other.latitude)
        dlat = lat2 - lat1
        dlon = math.radians(other.longitude - self.longitude)
        h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
        return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))

    def vector(self) -> tuple[float, float, float]:
        """This point on the unit sphere."""
        return unit_vector(self.latitude, self.longitude)


@attrs.frozen
class FulfillmentNode:
    """A node as sourcing sees it: a warehouse, store or dropshipper that may ship.

    ``ships`` says whether the node ships to customers at all; for a store that is its
    ship-from-store capability (the policy can still switch it off). ``pickup`` says
    whether customers can collect orders there.

    >>> FulfillmentNode("wh-east", LocationKind.WAREHOUSE).ships
    True
    """

    node_id: str
    kind: LocationKind
    location: GeoPoint | None = None
    ships: bool = True
    pickup: bool = False
    priority: int = 0
    """Position in a configured sequence; lower first (`NodeSort.PRIORITY`)."""
    groups: frozenset[str] = attrs.field(default=frozenset(), converter=_groups)
    """Facility groups the node belongs to, for rule filters."""
    address: Address | None = attrs.field(default=None, eq=False, repr=False)
    """Postal address; the destination of ship-to-store fulfilment orders."""

    @classmethod
    def from_location(
        cls, location: Location, *, priority: int = 0, groups: Iterable[str] = ()
    ) -> FulfillmentNode:
        """The node for a canonical `Location`.

        A store ships if it offers ``SHIP_FROM_STORE`` (or ``SHIP``); any other kind ships
        if it offers ``SHIP`` or declares no capabilities at all. Marketplace-fulfilled
        locations never ship for the seller.
        """
        caps = set(location.capabilities)
        if location.kind is LocationKind.STORE:
            ships = bool(caps & {LocationCapability.SHIP_FROM_STORE, LocationCapability.SHIP})
        elif location.kind is LocationKind.MARKETPLACE_FULFILLED:
            ships = False
        else:
            ships = not caps or LocationCapability.SHIP in caps
        point = None
        if location.latitude is not None and location.longitude is not None:
            point = GeoPoint(float(location.latitude), float(location.longitude))
        return cls(
            node_id=location.location_id,
            kind=location.kind,
            location=point,
            ships=ships,
            pickup=LocationCapability.PICKUP in caps,
            priority=priority,
            groups=frozenset(groups),
            address=location.address,
        )


class Network:
    """The nodes sourcing may choose from, ordered by node id. Build it once and reuse it.

    Accepts `FulfillmentNode` and canonical `Location` objects. A network keeps the
    compiled form of the last few policies it was used with, so repeated calls are cheap.

    >>> net = Network([
    ...     FulfillmentNode("b", LocationKind.STORE),
    ...     FulfillmentNode("a", LocationKind.WAREHOUSE),
    ... ])
    >>> [node.node_id for node in net]
    ['a', 'b']
    """

    __slots__ = ("_compiled", "index", "nodes")

    def __init__(self, nodes: Iterable[FulfillmentNode | Location]) -> None:
        converted = [
            node if isinstance(node, FulfillmentNode) else FulfillmentNode.from_location(node)
            for node in nodes
        ]
        converted.sort(key=lambda node: node.node_id)
        self.nodes: tuple[FulfillmentNode, ...] = tuple(converted)
        self.index: dict[str, int] = {}
        for i, node in enumerate(self.nodes):
            if node.node_id in self.index:
                msg = f"network: node id {node.node_id!r} appears twice"
                raise InvalidNetwork(msg)
            self.index[node.node_id] = i
        self._compiled: dict[int, tuple[SourcingPolicy, Any]] = {}

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[FulfillmentNode]:
        return iter(self.nodes)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.index

    def __getitem__(self, node_id: str) -> FulfillmentNode:
        try:
            return self.nodes[self.index[node_id]]
        except KeyError:
            msg = f"node {node_id!r} is not part of the network"
            raise UnknownNode(msg) from None

    def __repr__(self) -> str:
        return f"Network({len(self.nodes)} nodes)"

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickles (for Spark/Dask/Ray workers) without the compiled-policy cache.
        return (Network, (self.nodes,))
