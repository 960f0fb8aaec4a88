"""ATS rules: nodes, channels, pools, safety stock, eligibility, thresholds, kits.

Rules are immutable values; `Rules` checks them as a whole when it is built, so a
contradiction (an unknown node, a ring-fenced pool that shares a node, shares over 100 %)
fails at construction with `InvalidRules`, not in the middle of a computation.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TYPE_CHECKING

import attrs

from retail_canon.ats._errors import InvalidRules
from retail_canon.ats._types import FulfilmentMode

if TYPE_CHECKING:
    from retail_canon.models import Location

__all__ = [
    "Channel",
    "Eligibility",
    "Kit",
    "Node",
    "Pool",
    "Rules",
    "SafetyStock",
    "SafetyStockLevel",
    "Share",
    "Threshold",
]

_CAPABILITY_MODES = {
    "SHIP": FulfilmentMode.SHIP,
    "PICKUP": FulfilmentMode.PICKUP,
    "SHIP_FROM_STORE": FulfilmentMode.SHIP_FROM_STORE,
}


def _modes(value: Iterable[FulfilmentMode | str]) -> frozenset[FulfilmentMode]:
    return frozenset(FulfilmentMode(m) for m in value)


def _names(value: Iterable[str] | None) -> frozenset[str] | None:
    if isinstance(value, str):
        msg = f"expected a collection of names, got the string {value!r}"
        raise InvalidRules(msg)
    return None if value is None else frozenset(value)


def _percent(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        msg = f"percentage {value!r} is a binary float; use a Decimal or a string"
        raise InvalidRules(msg)
    try:
        result = Decimal(value)
    except InvalidOperation:
        msg = f"percentage {value!r} is not a number"
        raise InvalidRules(msg) from None
    if not result.is_finite() or not 0 <= result <= 100:
        msg = f"percentage {value!r} must be between 0 and 100"
        raise InvalidRules(msg)
    return result


def _whole(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"{what} must be a whole number of units, at least 0; got {value!r}"
        raise InvalidRules(msg)
    return value


@attrs.frozen
class Node:
    """A node of the network: its type (for rules) and the fulfilment modes it offers."""

    node_id: str
    node_type: str
    modes: frozenset[FulfilmentMode] = attrs.field(
        default=frozenset({FulfilmentMode.SHIP}), converter=_modes
    )

    @classmethod
    def from_location(cls, location: Location) -> Node:
        """The node of a canonical `Location`: its kind is the type, capabilities the modes."""
        modes = [
            _CAPABILITY_MODES[c.value] for c in location.capabilities if c in _CAPABILITY_MODES
        ]
        return cls(location.location_id, location.kind.value, frozenset(modes))


@attrs.frozen
class Channel:
    """A sales channel that sells from its eligible nodes.

    A node is eligible when it offers one of the channel's ``modes``, is in ``nodes`` (if
    given) and has one of the ``node_types`` (if given), unless an `Eligibility` rule says
    otherwise.
    """

    channel_id: str
    modes: frozenset[FulfilmentMode] = attrs.field(
        default=frozenset({FulfilmentMode.SHIP}), converter=_modes
    )
    node_types: frozenset[str] | None = attrs.field(default=None, converter=_names)
    nodes: frozenset[str] | None = attrs.field(default=None, converter=_names)


@attrs.frozen
class Share:
    """A channel's percentage of a pool."""

    channel: str
    percent: Decimal = attrs.field(converter=_percent)


def _shares(value: Iterable[Share | tuple[str, Decimal | int | str]]) -> tuple[Share, ...]:
    return tuple(s if isinstance(s, Share) else Share(*s) for s in value)


@attrs.frozen
class Pool:
    """Stock computed like a channel's, then split between member channels by percentages.

    ``shares`` are in priority order: rounding remainders go to the largest fractional
    share first and ties to the earlier channel, and the members never get more than the
    pool together. A ``ring_fenced`` pool's nodes may serve no other channel or pool.
    """

    pool_id: str
    shares: tuple[Share, ...] = attrs.field(converter=_shares)
    modes: frozenset[FulfilmentMode] = attrs.field(
        default=frozenset({FulfilmentMode.SHIP}), converter=_modes
    )
    node_types: frozenset[str] | None = attrs.field(default=None, converter=_names)
    nodes: frozenset[str] | None = attrs.field(default=None, converter=_names)
    ring_fenced: bool = False


class SafetyStockLevel(StrEnum):
    """Where a safety-stock rule applies; the more specific level wins."""

    GLOBAL = "global"
    CHANNEL = "channel"
    NODE_TYPE = "node_type"
    NODE = "node"
    SKU_NODE = "sku_node"


_LEVEL_OF_SCOPE = {
    (): SafetyStockLevel.GLOBAL,
    ("channel",): SafetyStockLevel.CHANNEL,
    ("node_type",): SafetyStockLevel.NODE_TYPE,
    ("node",): SafetyStockLevel.NODE,
    ("node", "sku"): SafetyStockLevel.SKU_NODE,
}


@attrs.frozen
class SafetyStock:
    """Units held back per node: a fixed ``quantity`` or a ``percent`` of the node's net stock.

    The scope decides the level: nothing (global), ``channel`` (a channel or pool id),
    ``node_type``, ``node``, or ``sku`` with ``node``. For each position and channel the
    most specific level wins (SKU × node > node > node type > channel > global); within a
    level the later rule wins. A percentage is rounded up, so it never lets a unit through
    that the percentage would hold back.
    """

    quantity: int | None = None
    percent: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(_percent)
    )
    channel: str | None = attrs.field(default=None, kw_only=True)
    node_type: str | None = attrs.field(default=None, kw_only=True)
    node: str | None = attrs.field(default=None, kw_only=True)
    sku: str | None = attrs.field(default=None, kw_only=True)
    rule_id: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if (self.quantity is None) == (self.percent is None):
            msg = "a safety-stock rule needs exactly one of quantity and percent"
            raise InvalidRules(msg)
        if self.quantity is not None:
            _whole(self.quantity, "safety-stock quantity")
        _ = self.level

    @property
    def level(self) -> SafetyStockLevel:
        """The precedence level this rule's scope puts it at."""
        names = ("channel", "node", "node_type", "sku")
        scope = tuple(n for n in names if getattr(self, n) is not None)
        level = _LEVEL_OF_SCOPE.get(scope)
        if level is None:
            msg = (
                f"safety-stock scope {scope} is not a level; use one of: nothing (global), "
                "channel, node_type, node, or sku with node"
            )
            raise InvalidRules(msg)
        return level


@attrs.frozen
class Eligibility:
    """Allow or forbid nodes for a channel or pool, optionally for one mode or one SKU.

    Scope: ``node_type``, ``node``, or ``sku`` with ``node``. The most specific matching
    rule wins (SKU × node > node > node type; a rule for the mode beats one for all modes at
    the same level); with none, the channel's own node filters decide. A node still has to
    offer one of the channel's modes.
    """

    channel: str
    allowed: bool
    mode: FulfilmentMode | None = attrs.field(
        default=None, kw_only=True, converter=attrs.converters.optional(FulfilmentMode)
    )
    node_type: str | None = attrs.field(default=None, kw_only=True)
    node: str | None = attrs.field(default=None, kw_only=True)
    sku: str | None = attrs.field(default=None, kw_only=True)
    rule_id: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if (self.node is None) == (self.node_type is None) or (
            self.sku is not None and self.node is None
        ):
            msg = "an eligibility rule names exactly one of node_type and node (sku needs node)"
            raise InvalidRules(msg)


@attrs.frozen
class Threshold:
    """A network buffer subtracted from a channel's (or pool's) total, optionally per SKU.

    For a pool it applies before the split; for a pool member, to its share.
    """

    channel: str
    quantity: int
    sku: str | None = None

    def __attrs_post_init__(self) -> None:
        _whole(self.quantity, "threshold")


def _components(value: Iterable[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    return tuple((sku, qty) for sku, qty in value)


@attrs.frozen
class Kit:
    """A kit or bundle: ``quantity`` units of each component SKU make one kit."""

    sku: str
    components: tuple[tuple[str, int], ...] = attrs.field(converter=_components)

    def __attrs_post_init__(self) -> None:
        if not self.components:
            msg = f"kit {self.sku!r} has no components"
            raise InvalidRules(msg)
        names = [c for c, _ in self.components]
        if len(set(names)) != len(names) or self.sku in names:
            msg = f"kit {self.sku!r}: components repeat or include the kit itself"
            raise InvalidRules(msg)
        for name, qty in self.components:
            if _whole(qty, f"kit {self.sku!r} component {name!r} quantity") == 0:
                msg = f"kit {self.sku!r}: component {name!r} quantity must be at least 1"
                raise InvalidRules(msg)


@attrs.frozen
class Rules:
    """Everything that turns positions into per-channel ATS; checked as a whole when built.

    Rules compile once, on first use, into the lookup tables the computations use; build a
    new `Rules` to change them (the engine's `Engine.update_rules` recomputes only the
    positions the change affects).
    """

    nodes: tuple[Node, ...] = attrs.field(converter=tuple)
    channels: tuple[Channel, ...] = attrs.field(default=(), converter=tuple)
    pools: tuple[Pool, ...] = attrs.field(default=(), converter=tuple)
    safety_stock: tuple[SafetyStock, ...] = attrs.field(default=(), converter=tuple)
    eligibility: tuple[Eligibility, ...] = attrs.field(default=(), converter=tuple)
    thresholds: tuple[Threshold, ...] = attrs.field(default=(), converter=tuple)
    kits: tuple[Kit, ...] = attrs.field(default=(), converter=tuple)
    _compiled: object = attrs.field(init=False, default=None, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        from retail_canon.ats._check import check_rules

        check_rules(self)
