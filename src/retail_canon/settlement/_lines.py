"""Input checks and per-group aggregates of the numpy engine, on up to two threads.

numpy releases the GIL inside its large array operations, so two of them can run at
once: the engine hands some *independent* whole-array steps to one worker thread while
the calling thread does others, and joins before anything is booked. Each step computes
the same arrays in either case and nothing is booked in the worker, so the result does
not depend on the number of threads or on timing. ``threads=1`` (or a table smaller than
`PARALLEL_LINES`) runs every step in the calling thread.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

import numpy as np

from retail_canon.settlement._context import Context
from retail_canon.settlement._engine_py import check_codes
from retail_canon.settlement._errors import (
    MissingAmountType,
    SettlementInputError,
    UnknownDocumentKind,
)
from retail_canon.settlement._types import AMOUNT_TYPES, DOCUMENT_KINDS
from retail_canon.settlement._vector import LIMIT, Array, ints, sum_at

__all__ = [
    "PARALLEL_LINES",
    "Later",
    "check_docs",
    "check_inputs",
    "check_lines",
    "columns",
    "group_extent",
    "group_ids_of",
    "later",
]

PARALLEL_LINES = 100_000
"""Below this many lines the engine stays on one thread (a hand-off costs more)."""

T = TypeVar("T")
_I8 = np.int64
_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _worker() -> ThreadPoolExecutor:
    """The worker thread, made on first use (again in a forked child, which has none)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(1, "retail-canon-settlement"))
        return _pool[1]


def _after_fork() -> None:  # the child has neither the worker nor a lock another thread held
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


class Later(Generic[T]):
    """A step's result: computed in the worker thread, or already in the calling one."""

    __slots__ = ("_future", "_value")

    def __init__(self, future: Future[T] | None, value: tuple[T] | None = None) -> None:
        self._future = future
        self._value = value

    def get(self) -> T:
        """The result (waits for the worker); re-raises what the step raised."""
        if self._future is not None:
            return self._future.result()
        assert self._value is not None
        return self._value[0]


def later(parallel: bool, fn: Callable[..., T], *args: object) -> Later[T]:
    """Run ``fn(*args)`` in the worker thread when ``parallel``, else here and now."""
    if parallel:
        try:
            return Later(_worker().submit(fn, *args))
        except RuntimeError:  # no new threads while the interpreter shuts down
            pass
    return Later(None, (fn(*args),))


def columns(ctx: Context) -> tuple[tuple[Array, ...], tuple[Array, ...]]:
    """The lines' and the documents' int64 columns, in the order the checks take them."""
    table, docs = ctx.table, ctx.docs
    names = ("settlement", "amount_type", "amount", "order_key", "refund_key")
    lines = tuple(ints(getattr(table, name)) for name in names)
    kind = ints(docs.kind)
    rate = ints(docs.rate) if len(docs.rate) else np.full(kind.size, -1, _I8)
    other = (ints(c) for c in (docs.currency, docs.open_amount, docs.order_key, docs.refund_key))
    return lines, (kind, *other, rate)


def check_inputs(
    ctx: Context, lines: tuple[Array, ...], docs: tuple[Array, ...]
) -> tuple[tuple[int, list[int]] | None, int | None]:
    """`check_lines` and `check_docs`."""
    return check_lines(ctx, *lines), check_docs(ctx, *docs)


def check_lines(
    ctx: Context, st: Array, at: Array, amt: Array, okey: Array, akey: Array
) -> tuple[int, list[int]] | None:
    """Refuse out-of-range codes; the largest |amount| and each settlement's line total.

    ``None``: amounts too large for exact int64 arithmetic (the engine falls back).
    """
    n, table = st.size, ctx.table
    if not n:
        return 0, [0] * ctx.n_settlements
    for name, column, lowest, size, error in (
        ("settlement", st, 0, ctx.n_settlements, SettlementInputError),
        ("amount_type", at, 0, len(AMOUNT_TYPES), MissingAmountType),
        ("order_key", okey, -1, len(table.keys), SettlementInputError),
        ("refund_key", akey, -1, len(table.keys), SettlementInputError),
    ):
        check_codes(name, int(column.min()), int(column.max()), lowest, size, error)
    big = max(int(amt.max()), -int(amt.min()))
    if big >= LIMIT // n // 10**6:
        return None
    totals: list[int] = sum_at(ctx.n_settlements, st, amt, big).tolist()
    return big, totals


def check_docs(
    ctx: Context,
    kind: Array,
    currency: Array,
    open_units: Array,
    order: Array,
    refund: Array,
    rate: Array,
) -> int | None:
    """Refuse out-of-range document codes; the largest |open amount| (``None``: too large)."""
    docs = ctx.docs
    if not kind.size:
        return 0
    for name, column, lowest, size, error in (
        ("kind", kind, 0, len(DOCUMENT_KINDS), UnknownDocumentKind),
        ("currency", currency, 0, len(docs.currencies), SettlementInputError),
        ("rate", rate, -1, len(docs.rates), SettlementInputError),
        ("order_key", order, -1, len(docs.keys), SettlementInputError),
        ("refund_key", refund, -1, len(docs.keys), SettlementInputError),
    ):
        check_codes(name, int(column.min()), int(column.max()), lowest, size, error)
    big = max(int(open_units.max()), -int(open_units.min()))
    return None if big >= LIMIT // kind.size // 10**6 else big


def group_ids_of(n_keys: int, okey: Array, akey: Array, by_order: Array) -> Array:
    """Each line's group id (see `_context`); ``by_order``: the rows of refund lines."""
    g = np.where(akey >= 0, akey + n_keys, okey)
    g[by_order[(akey[by_order] < 0) & (okey[by_order] >= 0)]] += 2 * n_keys
    return g


def group_extent(
    size: int, n_groups: int, group: Array, settlement: Array, slot: Array
) -> tuple[Array, Array, Array]:
    """Line counts by ``slot`` (``0..size-1``); each group's first settlement and split flag.

    A group is *split* when its lines fall in more than one settlement. Every group takes
    the settlement of one of its lines (``np.put`` keeps one of the values written to the
    same place; which one does not matter): a group is split exactly when some line
    differs from that, and its first settlement is the smallest of that one and of the
    differing lines'. Only those (few) lines go through ``np.minimum.at``.
    """
    counts = np.bincount(slot, minlength=size)
    first = np.zeros(n_groups, dtype=_I8)
    first[group] = settlement
    differ = np.flatnonzero(settlement != first[group])
    split = np.zeros(n_groups, dtype=bool)
    if differ.size:
        split[group[differ]] = True
        np.minimum.at(first, group[differ], settlement[differ])
    return counts, first, split
