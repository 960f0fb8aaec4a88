"""Rules compiled into the lookup tables of the hot paths.

A *source* is what a number is computed for: a channel that sells from its own nodes, or a
pool whose number is then split between member channels. A *profile* says, for one
position, which sources it feeds and with which safety stock: a tuple of
``(source index, fixed units, percent numerator, percent denominator)``. Every node has a
base profile; SKU × node pairs named by a rule get their own.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

from retail_canon.ats._check import base_eligible
from retail_canon.ats._rules import Channel, Pool, SafetyStock, SafetyStockLevel

if TYPE_CHECKING:
    from retail_canon.ats._rules import Eligibility, Kit, Node, Rules

__all__ = ["Compiled", "Entry", "Profile", "compiled", "contribution"]

Entry = tuple[int, int, int, int]
Profile = tuple[Entry, ...]


def contribution(net: int, fixed: int, num: int, den: int) -> int:
    """What a node gives a source: net stock less safety stock, clamped at zero.

    >>> contribution(10, 2, 0, 1), contribution(10, 0, 1, 4), contribution(-3, 0, 0, 1)
    (8, 7, 0)
    """
    if net <= 0:
        return 0
    c = net - fixed - (-(-net * num // den) if num else 0)
    return c if c > 0 else 0


class PoolSpec:
    """A pool's split: member channels in priority order and their shares as num / den."""

    __slots__ = ("den", "members", "nums", "total_num")

    def __init__(self, pool: Pool) -> None:
        fractions = [Fraction(s.percent) / 100 for s in pool.shares]
        den = 1
        for f in fractions:
            den = math.lcm(den, f.denominator)
        self.members = tuple(s.channel for s in pool.shares)
        self.nums = tuple(int(f * den) for f in fractions)
        self.den = den
        self.total_num = sum(self.nums)


class Compiled:
    """The compiled form of one `Rules` value (build with `compiled`)."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        defs: list[Channel | Pool] = [*rules.channels, *rules.pools]
        self.source_defs = tuple(defs)
        self.sources = tuple(d.channel_id if isinstance(d, Channel) else d.pool_id for d in defs)
        self.source_index = {s: i for i, s in enumerate(self.sources)}
        self.pools = tuple(PoolSpec(d) if isinstance(d, Pool) else None for d in defs)
        outputs: dict[str, tuple[int, int]] = {}
        for i, d in enumerate(defs):
            if isinstance(d, Channel):
                outputs[d.channel_id] = (i, -1)
            else:
                outputs.update((s.channel, (i, m)) for m, s in enumerate(d.shares))
        self.output_source = outputs
        self.outputs = tuple(outputs)
        self.nodes = rules.nodes
        self.node_index = {n.node_id: i for i, n in enumerate(rules.nodes)}
        self._index_safety_stock(rules.safety_stock)
        self._index_eligibility(rules.eligibility)
        self.thresholds: dict[str, tuple[int, dict[str, int]]] = {}
        for t in rules.thresholds:
            default, per_sku = self.thresholds.get(t.channel, (0, {}))
            if t.sku is None:
                default = t.quantity
            else:
                per_sku[t.sku] = t.quantity
            self.thresholds[t.channel] = (default, per_sku)
        self.kits: dict[str, Kit] = {k.sku: k for k in rules.kits}
        self.kits_of: dict[str, tuple[str, ...]] = {}
        for kit in rules.kits:
            for component, _ in kit.components:
                self.kits_of[component] = (*self.kits_of.get(component, ()), kit.sku)
        self._interned: dict[Profile, Profile] = {}
        self.base_profiles = tuple(self.profile(i, None) for i in range(len(self.nodes)))
        keys = set(self.ss_sku_node) | {(k, n) for _, k, n, _ in self.el_sku}
        self.overrides: dict[tuple[str, int], Profile] = {}
        self.override_by_node: list[dict[str, Profile]] = [{} for _ in self.nodes]
        sku_eligibility = {(k, n) for _, k, n, _ in self.el_sku}
        for sku, node in sorted(keys):
            if (sku, node) in sku_eligibility:
                prof = self.profile(node, sku)
            else:  # only the safety stock differs from the node's profile, for every source
                params = ss_parameters(self.ss_sku_node[sku, node])
                prof = tuple((entry[0], *params) for entry in self.base_profiles[node])
                prof = self._interned.setdefault(prof, prof)
            self.overrides[sku, node] = prof
            self.override_by_node[node][sku] = prof
        self.vector_cache: object = None

    # -- rule indexes ------------------------------------------------------------------

    def _index_safety_stock(self, rules: tuple[SafetyStock, ...]) -> None:
        self.ss_global: SafetyStock | None = None
        self.ss_channel: dict[int, SafetyStock] = {}
        self.ss_type: dict[str, SafetyStock] = {}
        self.ss_node: dict[int, SafetyStock] = {}
        self.ss_sku_node: dict[tuple[str, int], SafetyStock] = {}
        self.ss_label: dict[int, str] = {}
        for i, rule in enumerate(rules):
            self.ss_label[id(rule)] = rule.rule_id or f"safety_stock[{i}]"
            level = rule.level
            if level is SafetyStockLevel.GLOBAL:
                self.ss_global = rule
            elif level is SafetyStockLevel.CHANNEL:
                self.ss_channel[self.source_index[str(rule.channel)]] = rule
            elif level is SafetyStockLevel.NODE_TYPE:
                self.ss_type[str(rule.node_type)] = rule
            elif level is SafetyStockLevel.NODE:
                self.ss_node[self.node_index[str(rule.node)]] = rule
            else:
                self.ss_sku_node[str(rule.sku), self.node_index[str(rule.node)]] = rule

    def _index_eligibility(self, rules: tuple[Eligibility, ...]) -> None:
        # keys: (source, node_type | node index | (sku, node index), mode or None)
        self.el_type: dict[tuple[int, str, str | None], Eligibility] = {}
        self.el_node: dict[tuple[int, int, str | None], Eligibility] = {}
        self.el_sku: dict[tuple[int, str, int, str | None], Eligibility] = {}
        self.el_label: dict[int, str] = {}
        for i, rule in enumerate(rules):
            self.el_label[id(rule)] = rule.rule_id or f"eligibility[{i}]"
            s = self.source_index[rule.channel]
            mode = None if rule.mode is None else rule.mode.value
            if rule.node_type is not None:
                self.el_type[s, rule.node_type, mode] = rule
            elif rule.sku is None:
                self.el_node[s, self.node_index[str(rule.node)], mode] = rule
            else:
                self.el_sku[s, rule.sku, self.node_index[str(rule.node)], mode] = rule

    # -- resolution (also used by explanations) ----------------------------------------

    def safety_stock_rule(self, source: int, node: int, sku: str | None) -> SafetyStock | None:
        """The rule that sets the safety stock of ``sku`` at ``node`` for ``source``."""
        if sku is not None:
            rule = self.ss_sku_node.get((sku, node))
            if rule is not None:
                return rule
        return (
            self.ss_node.get(node)
            or self.ss_type.get(self.nodes[node].node_type)
            or self.ss_channel.get(source)
            or self.ss_global
        )

    def eligibility(self, source: int, node: int, sku: str | None) -> tuple[bool, str]:
        """Whether ``node`` serves ``source`` (for ``sku``), and why, in words."""
        source_def = self.source_defs[source]
        n = self.nodes[node]
        modes = sorted(source_def.modes & n.modes)
        if not modes:
            offered = ", ".join(sorted(n.modes)) or "none"
            return False, f"offers none of its modes (node offers {offered})"
        reasons = []
        for mode in modes:
            rule = self._eligibility_rule(source, node, sku, mode.value)
            if rule is None:
                ok = base_eligible(source_def, n)
                reasons.append(f"{mode}: " + ("allowed" if ok else _filtered_out(source_def, n)))
            else:
                ok = rule.allowed
                label = self.el_label[id(rule)]
                reasons.append(f"{mode}: {'allowed' if ok else 'excluded'} by rule {label}")
            if ok:
                return True, reasons[-1]
        return False, "; ".join(reasons)

    def _eligibility_rule(
        self, s: int, node: int, sku: str | None, mode: str
    ) -> Eligibility | None:
        if sku is not None and self.el_sku:
            rule = self.el_sku.get((s, sku, node, mode)) or self.el_sku.get((s, sku, node, None))
            if rule is not None:
                return rule
        node_type = self.nodes[node].node_type
        return (
            self.el_node.get((s, node, mode))
            or self.el_node.get((s, node, None))
            or self.el_type.get((s, node_type, mode))
            or self.el_type.get((s, node_type, None))
        )

    def profile(self, node: int, sku: str | None) -> Profile:
        """The sources ``sku`` at ``node`` feeds, with their safety stock parameters."""
        entries = []
        for s in range(len(self.sources)):
            if not self.eligibility(s, node, sku)[0]:
                continue
            rule = self.safety_stock_rule(s, node, sku)
            entries.append((s, *ss_parameters(rule)))
        prof = tuple(entries)
        return self._interned.setdefault(prof, prof)

    def profile_of(self, sku: str, node: int) -> Profile:
        """The profile of one position (its own if a rule names it, else its node's)."""
        prof = self.override_by_node[node].get(sku)
        return self.base_profiles[node] if prof is None else prof

    def threshold(self, target: str, sku: str) -> int:
        """The network threshold of a channel or pool for ``sku``."""
        entry = self.thresholds.get(target)
        if entry is None:
            return 0
        return entry[1].get(sku, entry[0])

    def demand_source(self, channel: str) -> int | None:
        """The source whose total a channel's unassigned demand reduces."""
        spec = self.output_source.get(channel)
        return None if spec is None else spec[0]


def _filtered_out(source: Channel | Pool, node: Node) -> str:
    if source.nodes is not None and node.node_id not in source.nodes:
        return f"excluded, not one of the nodes {sorted(source.nodes)}"
    types = sorted(source.node_types or ())
    return f"excluded, node type {node.node_type} is not one of {types}"


def ss_parameters(rule: SafetyStock | None) -> tuple[int, int, int]:
    """``(fixed, num, den)`` of a safety-stock rule (no rule: nothing held back)."""
    if rule is None:
        return 0, 0, 1
    if rule.percent is None:
        return int(rule.quantity or 0), 0, 1
    f = Fraction(rule.percent) / 100
    return 0, f.numerator, f.denominator


def compiled(rules: Rules) -> Compiled:
    """The compiled form of ``rules``, built on first use and kept with them."""
    found = rules._compiled
    if isinstance(found, Compiled):
        return found
    result = Compiled(rules)
    object.__setattr__(rules, "_compiled", result)
    return result
