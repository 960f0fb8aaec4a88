"""Input checks and per-group aggregates of the numpy engine, on up to two threads.

numpy releases the GIL inside its large array operations, so two of them can run at
once: the engine hands some *independent* whole-array steps to one worker thread while
the calling thread does others, and joins before anything is booked. Each step computes
the same arrays in either case and nothing is booked in the worker, so the result does
not depend on the number of threads or on timing. ``threads=1`` (or a table smaller than
`PARALLEL_LINES`) runs every step in the calling thread.

The worker takes, in order: each settlement's line total (`settlement_totals`), the input
checks, the documents' keys (`doc_keys`), then the line counts and first settlement of
each group (`group_extent`) once the calling thread has laid the lines out (`layout`, which
it does before the checks are done, keeping nothing if they fail). Its steps allocate
little: large arrays are made in the calling thread (memory freed in a worker thread's
malloc arena goes back to the system, and is faulted in again on the next call).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, NamedTuple, TypeVar

import numpy as np

from retail_canon.settlement._context import CREDIT_MEMO, Context
from retail_canon.settlement._engine_py import check_codes
from retail_canon.settlement._errors import (
    MissingAmountType,
    SettlementInputError,
    UnknownDocumentKind,
)
from retail_canon.settlement._split import SLOT, SLOTS
from retail_canon.settlement._types import AMOUNT_TYPES, DOCUMENT_KINDS
from retail_canon.settlement._vector import LIMIT, Array, ints, sum_at

__all__ = [
    "PARALLEL_LINES",
    "DocKeys",
    "DocSide",
    "Extent",
    "Later",
    "Layout",
    "check_docs",
    "check_inputs",
    "check_lines",
    "columns",
    "doc_keys",
    "doc_side",
    "group_extent",
    "group_ids_of",
    "later",
    "layout",
    "settlement_totals",
    "slot_sums",
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
) -> tuple[int | None, int | None]:
    """`check_lines` and `check_docs`: the largest |amount| of each (``None``: too large)."""
    return check_lines(ctx, *lines), check_docs(ctx, *docs)


def check_lines(
    ctx: Context, st: Array, at: Array, amt: Array, okey: Array, akey: Array
) -> int | None:
    """Refuse out-of-range codes; the largest |amount|.

    ``None``: amounts too large for exact int64 arithmetic (the engine falls back). Else
    every product |amount| × lines stays below ``LIMIT`` / 10**6 < 2**53, which keeps the
    float64 sums of `layout` and `settlement_totals` exact.
    """
    n, table = st.size, ctx.table
    if not n:
        return 0
    for name, column, lowest, size, error in (
        ("settlement", st, 0, ctx.n_settlements, SettlementInputError),
        ("amount_type", at, 0, len(AMOUNT_TYPES), MissingAmountType),
        ("order_key", okey, -1, len(table.keys), SettlementInputError),
        ("refund_key", akey, -1, len(table.keys), SettlementInputError),
    ):
        check_codes(name, int(column.min()), int(column.max()), lowest, size, error)
    big = max(int(amt.max()), -int(amt.min()))
    return None if big >= LIMIT // n // 10**6 else big


def settlement_totals(n_settlements: int, st: Array, amt: Array) -> list[int] | None:
    """Each settlement's line total: exact once `check_lines` passed (float64 sums).

    ``None``: a settlement code too large (`check_lines` says so); a negative one raises
    ``ValueError``.
    """
    if st.size and int(st.max()) >= n_settlements:
        return None
    totals: list[int] = np.bincount(st, amt, n_settlements).astype(_I8).tolist()
    return totals


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
    g = okey.copy()
    refund = np.flatnonzero(akey >= 0)  # few: set apart from the order key's copy
    g[refund] = akey[refund] + n_keys
    g[by_order[(akey[by_order] < 0) & (okey[by_order] >= 0)]] += 2 * n_keys
    return g


Layout = tuple[Array, Array, Array, Array]
"""`layout`: (compact, group ids, compact group, slot)."""


def layout(n_keys: int, g: Array, amount_type: Array) -> Layout:
    """The lines' groups compacted to the ids that occur; their cells of (slot, group).

    ``compact`` is indexed by group id (``0..3 * n_keys``), with the lines without a group
    (``-1``) at the last position, where numpy's negative index puts them: it gives the
    compact id of each id that occurs (``-1``: none), in ascending order of group id from
    1, compact group 0 collecting the lines without a group (so that no line has to be
    selected first); ``group_ids`` maps back (``-1`` first). ``slot`` is each line's cell
    of the (slot, compact group) matrix, a slot's row being contiguous. Out-of-range codes
    raise ``IndexError`` or give arrays the caller discards (the checks raise their error).
    """
    present = np.zeros(3 * n_keys + 2, dtype=bool)
    present[g] = True
    ids = np.flatnonzero(present[:-1])
    n_groups = ids.size + 1
    compact = np.full(present.size, -1, dtype=_I8)
    compact[ids] = np.arange(1, n_groups, dtype=_I8)
    compact[-1] = 0
    cg = compact[g]  # every line's id occurs: none is -1
    slot = (SLOT * n_groups)[amount_type]
    slot += cg
    group_ids = np.concatenate([np.array([-1], dtype=_I8), ids])
    return compact, group_ids, cg, slot


def slot_sums(n_groups: int, slot: Array, amount: Array) -> Array:
    """Sums of the lines' amounts by (slot, group) (`layout`), as int64.

    Float64 ``bincount`` sums, exact whenever the engine goes on: it falls back to Python
    unless every line's |amount| × the number of lines stays below ``LIMIT`` / 10**6 <
    2**53 (`check_lines`).
    """
    sums = np.bincount(slot, amount, n_groups * SLOTS)
    out: Array = sums.astype(_I8).reshape(SLOTS, n_groups)
    return out


class DocSide(NamedTuple):
    """The documents in the compact group space of `layout` (`doc_side`)."""

    order: Array
    """Order key, in the lines' key space."""
    refund: Array
    """Refund key, in the lines' key space."""
    memo: Array
    """Whether a credit memo."""
    group: Array
    """Group id (``-1``: none)."""
    signed: Array
    """Open units signed as the settlement carries them."""
    compact: Array
    """Compact group (``-1``: no active line has their key)."""
    linked: Array
    """Rows with a compact group."""
    n_docs: Array
    """Documents by compact group."""
    expected: Array
    """Signed open units by compact group."""
    currency: Array
    """Currency of a group's documents (``-1``: none)."""
    bad: Array
    """Groups with documents in several currencies or a negative open amount."""


DocKeys = tuple[Array, Array, Array, Array, Array]
"""`doc_keys`: (order key, refund key, credit-memo flag, group id, signed open units)."""


def doc_keys(ctx: Context, doc_columns: tuple[Array, ...]) -> DocKeys:
    """The documents' keys in the lines' key space, group ids (``-1``: none), signed units.

    Call once ``ctx.n_keys`` is final (after the resolver).
    """
    kind, _, open_units, order, refund, _ = doc_columns
    n_keys = ctx.n_keys
    if ctx.doc_key_map is not None and kind.size:
        mapping = np.array([*ctx.doc_key_map, -1], dtype=_I8)
        order, refund = mapping[order], mapping[refund]
    memo = kind == CREDIT_MEMO
    memos = np.flatnonzero(memo)  # few: set apart from the copies
    m_order, m_refund = order[memos], refund[memos]
    group, signed = order.copy(), open_units.copy()
    group[memos] = np.where(
        m_refund >= 0, n_keys + m_refund, np.where(m_order >= 0, 2 * n_keys + m_order, -1)
    )
    signed[memos] = -open_units[memos]
    return order, refund, memo, group, signed


def doc_side(doc_columns: tuple[Array, ...], keys: DocKeys, laid: Layout, bound: int) -> DocSide:
    """`doc_keys` in the compact group space of `layout`, and per-group sums.

    ``bound``: the largest |open amount|.
    """
    currency, open_units = doc_columns[1], doc_columns[2]
    group, signed = keys[3], keys[4]
    compact, group_ids = laid[:2]
    n_groups = group_ids.size
    dgc = compact[group]
    dgc[group < 0] = -1
    linked = np.flatnonzero(dgc >= 0)
    lg = dgc[linked]
    count = np.bincount(lg, minlength=n_groups)
    expected = sum_at(n_groups, lg, signed[linked], bound)
    rep_cur = np.full(n_groups, -1, dtype=_I8)
    rep_cur[lg] = currency[linked]
    bad = np.zeros(n_groups, dtype=bool)
    bad[lg[(currency[linked] != rep_cur[lg]) | (open_units[linked] < 0)]] = True
    return DocSide(*keys, dgc, linked, count, expected, rep_cur, bad)


Extent = tuple[Array, Array, Array]
"""`group_extent`: (line counts by slot and group, first settlement, split flag)."""


def group_extent(n_groups: int, group: Array, settlement: Array, slot: Array) -> Extent:
    """Line counts by (slot, group) (`layout`); each group's first settlement and split flag.

    A group is *split* when its lines fall in more than one settlement. Every group takes
    the settlement of one of its lines (``np.put`` keeps one of the values written to the
    same place; which one does not matter): a group is split exactly when some line
    differs from that, and its first settlement is the smallest of that one and of the
    differing lines'. Only those (few) lines go through ``np.minimum.at``.
    """
    counts = np.bincount(slot, minlength=n_groups * SLOTS).reshape(SLOTS, n_groups)
    first = np.zeros(n_groups, dtype=_I8)
    first[group] = settlement
    differ = np.flatnonzero(settlement != first[group])
    split = np.zeros(n_groups, dtype=bool)
    if differ.size:
        split[group[differ]] = True
        np.minimum.at(first, group[differ], settlement[differ])
    first[0] = 0  # group 0 (lines without a group) may have no line at all
    return counts, first, split
