"""The resolver's in-process cache of resolutions: bounded, and dropped on any change.

Entries are keyed by the raw ref (as the caller wrote it) and the requested target, so a
hit costs one dictionary lookup: no normalisation, no query. The whole cache is dropped
when the store's change token moves (a write through any store of this process; on SQLite
also a write by another process), when this resolver writes, and, if ``ttl`` is set,
every ``ttl`` seconds. Least recently used entries go first once ``size`` is reached.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence

from retail_canon.xref._types import Resolution

__all__ = ["ResolutionCache"]


class ResolutionCache:
    """A bounded LRU map from lookup keys to resolutions.

    Args:
        size: the most entries kept; ``0`` disables the cache.
        ttl: seconds after which everything cached is dropped; ``None`` for never.
        token: the store's change token (see `XrefStore.change_token`).
    """

    def __init__(self, size: int, ttl: float | None, token: Callable[[], object]) -> None:
        if size < 0:
            msg = f"cache size must be >= 0, not {size}"
            raise ValueError(msg)
        if ttl is not None and ttl <= 0:
            msg = f"cache ttl must be > 0 seconds, not {ttl}"
            raise ValueError(msg)
        self.size = size
        self.ttl = ttl
        self._token = token
        self._seen: object = None
        self._expires = 0.0
        self._data: OrderedDict[Hashable, Resolution] = OrderedDict()

    def __len__(self) -> int:
        return len(self._data)

    def refresh(self) -> None:
        """Drop everything if the store changed or the entries are too old."""
        if not self.size:
            return
        token = self._token()
        expired = self.ttl is not None and time.monotonic() >= self._expires
        if token != self._seen or expired:
            self._data.clear()
            self._seen = token
            if self.ttl is not None:
                self._expires = time.monotonic() + self.ttl

    def get(self, key: Hashable) -> Resolution | None:
        """The cached resolution of ``key``, marked as recently used."""
        found = self._data.get(key)
        if found is not None:
            self._data.move_to_end(key)
        return found

    def get_many(self, keys: Sequence[Hashable]) -> list[Resolution | None]:
        """`get` for each of ``keys``."""
        data = self._data
        get, touch = data.get, data.move_to_end
        out: list[Resolution | None] = []
        append = out.append
        for key in keys:
            found = get(key)
            if found is not None:
                touch(key)
            append(found)
        return out

    def put(self, key: Hashable, value: Resolution) -> None:
        """Remember ``value``, evicting the least recently used entry when full."""
        if not self.size:
            return
        data = self._data
        data[key] = value
        if len(data) > self.size:
            data.popitem(last=False)

    def put_many(self, items: Iterable[tuple[Hashable, Resolution]]) -> None:
        """`put` for each ``(key, value)``."""
        if not self.size:
            return
        data = self._data
        for key, value in items:
            data[key] = value
        while len(data) > self.size:
            data.popitem(last=False)

    def clear(self) -> None:
        """Drop everything."""
        self._data.clear()
