"""Whole-rules checks: names that exist, pools that add up, ring fences that hold."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from retail_canon.ats._errors import InvalidRules

if TYPE_CHECKING:
    from retail_canon.ats._rules import Channel, Node, Pool, Rules

__all__ = ["base_eligible", "check_rules"]


def _unique(kind: str, names: Iterable[str]) -> None:
    repeated = sorted(name for name, n in Counter(names).items() if n > 1)
    if repeated:
        msg = f"{kind} defined more than once: {', '.join(map(repr, repeated))}"
        raise InvalidRules(msg)


def base_eligible(source: Channel | Pool, node: Node) -> bool:
    """Whether the source's own filters and modes admit ``node`` (no `Eligibility` rules)."""
    return (
        bool(source.modes & node.modes)
        and (source.nodes is None or node.node_id in source.nodes)
        and (source.node_types is None or node.node_type in source.node_types)
    )


def check_rules(rules: Rules) -> None:
    """Raise `InvalidRules` for the first contradiction found in ``rules``."""
    nodes = {n.node_id: n for n in rules.nodes}
    types = {n.node_type for n in rules.nodes}
    _unique("node", (n.node_id for n in rules.nodes))
    sources: dict[str, Channel | Pool] = {c.channel_id: c for c in rules.channels}
    _unique("channel or pool", [*sources, *(p.pool_id for p in rules.pools)])
    sources.update((p.pool_id, p) for p in rules.pools)
    member_of: dict[str, str] = {}
    for pool in rules.pools:
        for share in pool.shares:
            if share.channel in sources:
                msg = f"pool {pool.pool_id!r}: {share.channel!r} is a channel or pool itself"
                raise InvalidRules(msg)
            if share.channel in member_of:
                msg = (
                    f"channel {share.channel!r} takes shares of both {member_of[share.channel]!r}"
                    f" and {pool.pool_id!r}; a channel belongs to at most one pool"
                )
                raise InvalidRules(msg)
            member_of[share.channel] = pool.pool_id
        if sum(s.percent for s in pool.shares) > 100:
            msg = f"pool {pool.pool_id!r}: shares add up to more than 100 %"
            raise InvalidRules(msg)
    for source_id, source in sources.items():
        unknown = sorted((source.nodes or frozenset()) - nodes.keys())
        unknown_types = sorted((source.node_types or frozenset()) - types)
        if unknown or unknown_types:
            msg = f"{source_id!r} names unknown nodes or node types: {unknown + unknown_types}"
            raise InvalidRules(msg)

    def check_scope(
        what: str, channel: str | None, node: str | None, node_type: str | None
    ) -> None:
        if channel is not None and channel not in sources:
            msg = f"{what} names channel {channel!r}, which is not a channel or pool"
            if channel in member_of:
                msg += f" (it takes its stock from pool {member_of[channel]!r}: name the pool)"
            raise InvalidRules(msg)
        if node is not None and node not in nodes:
            msg = f"{what} names unknown node {node!r}"
            raise InvalidRules(msg)
        if node_type is not None and node_type not in types:
            msg = f"{what} names node type {node_type!r}, which no node has"
            raise InvalidRules(msg)

    for rule in rules.safety_stock:
        check_scope("a safety-stock rule", rule.channel, rule.node, rule.node_type)
    for elig in rules.eligibility:
        check_scope("an eligibility rule", elig.channel, elig.node, elig.node_type)
    for threshold in rules.thresholds:
        if threshold.channel not in sources and threshold.channel not in member_of:
            msg = f"a threshold names unknown channel {threshold.channel!r}"
            raise InvalidRules(msg)
    _unique("kit", (k.sku for k in rules.kits))
    kit_skus = {k.sku for k in rules.kits}
    for kit in rules.kits:
        nested = [c for c, _ in kit.components if c in kit_skus]
        if nested:
            msg = f"kit {kit.sku!r} has kits as components ({nested}); flatten them"
            raise InvalidRules(msg)
    _check_ring_fences(rules, sources, nodes)


def _check_ring_fences(
    rules: Rules, sources: dict[str, Channel | Pool], nodes: dict[str, Node]
) -> None:
    fenced = [p for p in rules.pools if p.ring_fenced]
    if not fenced:
        return
    # The nodes a source may ever use: its own filters, plus any node an Eligibility rule
    # allows for it (for any SKU or mode), if the node offers one of the source's modes.
    reach: dict[str, set[str]] = {
        sid: {n.node_id for n in nodes.values() if base_eligible(s, n)}
        for sid, s in sources.items()
    }
    for elig in rules.eligibility:
        if not elig.allowed:
            continue
        source = sources[elig.channel]
        reach[elig.channel] |= {
            n.node_id
            for n in nodes.values()
            if (n.node_id == elig.node or n.node_type == elig.node_type) and source.modes & n.modes
        }
    for pool in fenced:
        for other, used in reach.items():
            shared = sorted(reach[pool.pool_id] & used) if other != pool.pool_id else []
            if shared:
                msg = f"ring-fenced pool {pool.pool_id!r} shares nodes {shared} with {other!r}"
                raise InvalidRules(msg)
