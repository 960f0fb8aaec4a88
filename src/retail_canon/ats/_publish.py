"""Change-only publication: what changed, and when it is worth telling a channel.

`Engine.changes` hands out ``Change(channel, sku, old, new)`` for values that changed since
the previous call, ``old`` being what that call handed out. `Publisher` sits between the
engine and a channel: it passes a change on at once when it crosses zero or the low-stock
threshold (a channel must stop or start selling), and batches the rest until `flush`, when
several changes of one value collapse into one. ``old`` is always the value last
published for that key, the compare-and-swap value a push needs (Shopify's
``changeFromQuantity``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

__all__ = ["Change", "Publisher"]


class Change(NamedTuple):
    """A channel's ATS for a SKU went from ``old`` to ``new``."""

    channel: str
    sku: str
    old: int
    new: int


class Publisher:
    """Suppresses chatter: urgent changes go out at once, the others in batches.

    Args:
        low_stock: a change that crosses this level (or zero) is urgent.
        published: values the channels already have, (channel, SKU) → units; keys not in
            it take the ``old`` of their first change.

    >>> pub = Publisher(low_stock=5, published={("web", "MUG"): 40})
    >>> pub.offer([Change("web", "MUG", 40, 39), Change("web", "MUG", 39, 38)])
    []
    >>> pub.offer([Change("web", "MUG", 38, 4)])
    [Change(channel='web', sku='MUG', old=40, new=4)]
    >>> pub.offer([Change("web", "MUG", 4, 3)]), pub.flush()
    ([], [Change(channel='web', sku='MUG', old=4, new=3)])
    """

    def __init__(
        self, *, low_stock: int = 0, published: Mapping[tuple[str, str], int] | None = None
    ) -> None:
        self.low_stock = low_stock
        self._published: dict[tuple[str, str], int] = dict(published or {})
        self._pending: dict[tuple[str, str], int] = {}

    @property
    def published(self) -> Mapping[tuple[str, str], int]:
        """The last value published per (channel, SKU)."""
        return self._published

    def _urgent(self, old: int, new: int) -> bool:
        low = self.low_stock
        return (old > 0) != (new > 0) or (old > low) != (new > low)

    def offer(self, changes: Iterable[Change]) -> list[Change]:
        """Take engine changes; return those to publish now (the rest wait for `flush`)."""
        now: dict[tuple[str, str], Change] = {}
        for change in changes:
            key = (change.channel, change.sku)
            published = self._published.setdefault(key, change.old)
            if self._urgent(published, change.new):
                first = now.get(key)
                old = published if first is None else first.old
                self._published[key] = change.new
                self._pending.pop(key, None)
                now[key] = Change(change.channel, change.sku, old, change.new)
            else:
                self._pending[key] = change.new
        return [c for c in now.values() if c.old != c.new]

    def flush(self) -> list[Change]:
        """Every waiting change, one per key, with the value last published as ``old``."""
        out = []
        for (channel, sku), new in self._pending.items():
            old = self._published[channel, sku]
            if new != old:
                out.append(Change(channel, sku, old, new))
                self._published[channel, sku] = new
        self._pending.clear()
        return out
