"""The numpy accelerator of the full recompute; same arithmetic, same results as pure Python.

Every position gets a profile id (its node's, or its own when a rule names the SKU × node);
the safety-stock parameters of each source are gathered from small per-profile arrays,
contributions are clamped per position and summed per SKU with ``bincount``. Integer
arithmetic throughout; ``bincount`` sums in float64, exact below 2**53 units.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import numpy as np

from retail_canon.ats._allocate import split
from retail_canon.ats._compile import Compiled, Profile
from retail_canon.ats._compute import apply_kits
from retail_canon.ats._types import PositionTable, Reservation, ReservationTable, epoch_us

__all__ = ["compute_vectorised"]

Array = Any  # numpy arrays (numpy's typing is optional at run time)
_INT = np.int64


class _Tables:
    """Per-profile parameter arrays of a compiled rule set (built once, kept on it)."""

    def __init__(self, comp: Compiled) -> None:
        ids: dict[Profile, int] = {}

        def pid(prof: Profile) -> int:
            return ids.setdefault(prof, len(ids))

        self.node_pid = np.array([pid(p) for p in comp.base_profiles] + [pid(())], dtype=_INT)
        keys = list(comp.overrides)
        self.ov_sku = [k for k, _ in keys]
        self.ov_node = np.array([n for _, n in keys], dtype=_INT)
        self.ov_pid = np.array([pid(comp.overrides[k]) for k in keys], dtype=_INT)
        n = len(ids)
        self.params = []
        for s in range(len(comp.sources)):
            elig = np.zeros(n, dtype=bool)
            fixed = np.zeros(n, dtype=_INT)
            num = np.zeros(n, dtype=_INT)
            den = np.ones(n, dtype=_INT)
            for prof, i in ids.items():
                for entry in prof:
                    if entry[0] == s:
                        elig[i] = True
                        fixed[i], num[i], den[i] = entry[1:]
            self.params.append((elig, fixed, num, den, bool(num.any())))


def _tables(comp: Compiled) -> _Tables:
    if not isinstance(comp.vector_cache, _Tables):
        comp.vector_cache = _Tables(comp)
    return comp.vector_cache


def _column(values: Any) -> Array:
    return np.asarray(values, dtype=_INT)


def _rows_of_keys(pkey: Array, keys: Array, space: int) -> Array:
    """Row index of each of ``keys`` in ``pkey`` (unique), or -1."""
    n = len(pkey)
    if space <= max(4 * n, 1 << 20):
        dense = np.full(space, -1, dtype=_INT)
        dense[pkey] = np.arange(n, dtype=_INT)
        return dense[keys]
    order = np.argsort(pkey, kind="stable")
    ordered = pkey[order]
    at = np.minimum(np.searchsorted(ordered, keys), n - 1)
    return np.where(ordered[at] == keys, order[at], -1)


def compute_vectorised(
    comp: Compiled,
    table: PositionTable,
    reservations: Iterable[Reservation] | ReservationTable,
    as_of: datetime,
    demand: list[dict[str, int]],
) -> tuple[list[str], dict[str, list[int]], dict[str, list[int]]]:
    """Skus, values per channel and totals per source; see `retail_canon.ats.compute`."""
    tables = _tables(comp)
    skus = list(table.skus)
    n_skus, width, n = len(skus), len(table.nodes), len(table)
    sku = _column(table.sku)
    node = _column(table.node)
    net = _column(table.on_hand) - _column(table.committed) - _column(table.reserved)
    net -= _column(table.damaged) + _column(table.quality_control) + _column(table.safety_stock)
    pkey = sku * width + node
    space = max(n_skus * width, 1)
    code = {s: i for i, s in enumerate(skus)}
    node_code = {name: i for i, name in enumerate(table.nodes)}
    res = (
        reservations
        if isinstance(reservations, ReservationTable)
        else ReservationTable.from_rows(reservations)
    )
    if len(res) and n:
        r_sku = np.array([code.get(s, -1) for s in res.skus], dtype=_INT)[_column(res.sku)]
        r_node = np.array([node_code.get(x, -1) for x in res.nodes], dtype=_INT)
        r_node = r_node[_column(res.node)]
        keep = (_column(res.expires_at_us) > epoch_us(as_of)) & (r_sku >= 0) & (r_node >= 0)
        rows = _rows_of_keys(pkey, r_sku[keep] * width + r_node[keep], space)
        found = rows >= 0
        held = np.bincount(rows[found], weights=_column(res.quantity)[keep][found], minlength=n)
        net -= held.astype(_INT)
    # profile id per position: the node's, or the SKU × node override's
    to_comp = np.array([comp.node_index.get(x, -1) for x in table.nodes], dtype=_INT)
    pid = tables.node_pid[to_comp][node]
    if len(tables.ov_sku) and n:
        ov_sku = np.array([code.get(s, -1) for s in tables.ov_sku], dtype=_INT)
        to_table = np.full(len(comp.nodes), -1, dtype=_INT)
        known = to_comp >= 0
        to_table[to_comp[known]] = np.arange(width, dtype=_INT)[known]
        ov_node = to_table[tables.ov_node]
        ok = (ov_sku >= 0) & (ov_node >= 0)
        rows = _rows_of_keys(pkey, ov_sku[ok] * width + ov_node[ok], space)
        found = rows >= 0
        pid[rows[found]] = tables.ov_pid[ok][found]
    positive = np.maximum(net, 0)
    aggregates: list[Array] = []
    for elig, fixed, num, den, has_percent in tables.params:
        c = net - fixed[pid]
        if has_percent:
            c += (-positive * num[pid]) // den[pid]
        np.maximum(c, 0, out=c)
        c *= elig[pid]
        aggregates.append(np.bincount(sku, weights=c, minlength=n_skus).astype(_INT))
    return _finish(comp, skus, code, aggregates, demand)


def _per_sku(code: dict[str, int], size: int, default: int, per_sku: dict[str, int]) -> Array:
    out = np.full(size, default, dtype=_INT)
    for sku, qty in per_sku.items():
        i = code.get(sku)
        if i is not None:
            out[i] = qty
    return out


def _less(agg: Array, code: dict[str, int], demand: dict[str, int], thr: Any) -> Array:
    out = agg.copy()
    if thr is not None:
        out -= _per_sku(code, len(out), thr[0], thr[1])
    if demand:
        out -= np.maximum(_per_sku(code, len(out), 0, demand), 0)
    return np.maximum(out, 0)


def _split(total: Array, nums: tuple[int, ...], den: int, total_num: int) -> list[Array]:
    if den >= 1 << 31 or (len(total) and int(total.max()) >= 1 << 31):
        parts = [split(int(t), nums, den, total_num) for t in total.tolist()]
        return [np.array([p[m] for p in parts], dtype=_INT) for m in range(len(nums))]
    q = [num * total // den for num in nums]
    r = [num * total % den for num in nums]
    extra = total_num * total // den - sum(q, np.zeros_like(total))
    out = []
    for m in range(len(nums)):
        rank = np.zeros_like(total)
        for j in range(len(nums)):
            if j != m:
                rank += (r[j] > r[m]) | ((r[j] == r[m]) & (j < m))
        out.append(q[m] + (rank < extra))
    return out


def _finish(
    comp: Compiled,
    skus: list[str],
    code: dict[str, int],
    aggregates: list[Array],
    demand: list[dict[str, int]],
) -> tuple[list[str], dict[str, list[int]], dict[str, list[int]]]:
    missing = [kit for kit in comp.kits if kit not in code]
    for kit in missing:
        code[kit] = len(skus)
        skus.append(kit)
    if missing:
        aggregates = [np.concatenate([a, np.zeros(len(missing), dtype=_INT)]) for a in aggregates]
    values: dict[str, Array] = {}
    totals: dict[str, list[int]] = {}
    for s, source in enumerate(comp.sources):
        total = _less(aggregates[s], code, demand[s], comp.thresholds.get(source))
        totals[source] = total.tolist()
        spec = comp.pools[s]
        if spec is None:
            values[source] = total
            continue
        parts = _split(total, spec.nums, spec.den, spec.total_num)
        for m, member in enumerate(spec.members):
            values[member] = _less(parts[m], code, {}, comp.thresholds.get(member))
    lists = {c: values[c].tolist() for c in comp.outputs}
    apply_kits(comp, code, lists)
    return skus, lists, totals
