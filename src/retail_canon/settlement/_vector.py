"""Array kernels of the numpy engine: exact int64 arithmetic and the clean groups' rows.

Every function here mirrors a pure-Python one: `_accepts` is `ToleranceUnits.accepts`,
`_half_up` and `_half_even` are `_arith.half_up` and `_arith.half_even`, `clean_fx` is
`_classify.fx_row` for documents applied in full. Callers make sure products stay below
2**62 (see `_engine_np`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from retail_canon.settlement._arith import ToleranceUnits
from retail_canon.settlement._classify import fx_row
from retail_canon.settlement._context import COM, FEE, FUL, Context, P

__all__ = [
    "EXACT",
    "LIMIT",
    "Array",
    "Chunk",
    "accepts",
    "accepted",
    "clean_fx",
    "fee_checks",
    "half_even",
    "half_up",
    "ints",
    "sum_at",
]

Array = np.ndarray[Any, Any]
I8 = np.int64
LIMIT = 1 << 62
Total = tuple[int, int, int, int, int]
"""(settlement, kind, code, sign, units): a chunk's sum (`Chunk.totals`)."""
EXACT = 1 << 53
"""Integers below this in magnitude are exact in float64, and so are their sums."""


def ints(column: Any) -> Array:
    return np.asarray(column, dtype=I8)


def sum_at(size: int, index: Array, values: Array, bound: int | None = None) -> Array:
    """Sums of ``values`` by ``index`` (in ``0..size-1``), exactly, as int64.

    ``np.bincount`` with weights adds in float64, which is exact while every partial sum
    stays below 2**53: guaranteed when ``len(values) × max|value|`` does (``bound``, when
    the caller knows it, is max|value|). It is several times faster than ``np.add.at``,
    which is the fallback.
    """
    if bound is None:
        bound = max(int(values.max()), -int(values.min())) if values.size else 0
    if bound * values.size < EXACT:
        exact: Array = np.bincount(index, weights=values, minlength=size).astype(I8)
        return exact
    out = np.zeros(size, dtype=I8)
    np.add.at(out, index, values)
    return out


def accepts(diff: Array, ref: Array, absolute: Array, num: Array, den: Array) -> Array:
    size = np.abs(diff)
    out: Array = (size <= absolute) | (size * den <= num * np.abs(ref))
    return out


def accepted(
    mask: Array, diff: Array, ref: Array, tolerances: Sequence[ToleranceUnits], pick: Array
) -> Array:
    """`accepts` on the ``mask`` rows only (the others: ``False``), tolerance ``pick``."""
    rows = np.flatnonzero(mask)
    at = pick[rows]
    out = np.zeros(mask.size, dtype=bool)
    out[rows] = accepts(
        diff[rows],
        ref[rows],
        np.array([t.absolute for t in tolerances] or [0], dtype=I8)[at],
        np.array([t.num for t in tolerances] or [0], dtype=I8)[at],
        np.array([t.den for t in tolerances] or [1], dtype=I8)[at],
    )
    return out


def fee_checks(
    ctx: Context, sums: Array, extent: Callable[[], tuple[Array, Array, Array]]
) -> list[tuple[int, Array | None, Array]]:
    """Fees against their rules on every group: (class, duplicable groups, drift) per rule.

    ``sums`` and ``extent()``'s counts are by (slot, group), its second array each group's
    settlement. A fee off its rule beyond tolerance drifts; on more than one line a
    duplicate line could explain it (those groups go to the general classifier).
    Duplicable ``None``: the products could overflow int64 (no group is clean then).
    """
    counts, rep_s, _ = extent()
    principal = sums[P]
    out: list[tuple[int, Array | None, Array]] = []
    for c in (COM, FUL, FEE):
        rule = ctx.fee_rules.get(c)
        if rule is None:
            continue
        num, den = rule[0], rule[1]
        if (int(np.abs(principal).max(initial=0)) + 1) * num >= LIMIT:
            out.append((c, None, principal[:0]))
            continue
        fee_tol = [ctx.fee_tolerance(c, d) for d in ctx.s_digits]
        fixed = np.array([ctx.fee_fixed(c, d) for d in ctx.s_digits] or [0], dtype=I8)
        fee_expected = half_up(-num * principal, den)
        fee_expected -= np.where(principal > 0, fixed[rep_s], 0)
        d = sums[c] - fee_expected
        bad = (counts[c] > 0) & (d != 0)
        bad &= ~accepted(bad, d, fee_expected, fee_tol, rep_s)
        out.append((c, bad & (counts[c] > 1), np.where(bad, d, 0)))
    return out


def half_up(num: Array, den: int) -> Array:
    sign = np.where(num < 0, -1, 1)
    out: Array = sign * ((2 * np.abs(num) + den) // (2 * den))
    return out


def half_even(num: Array, den: Array) -> Array:
    sign = np.where(num < 0, -1, 1)
    quotient, rest = np.divmod(np.abs(num), den)
    up = (2 * rest > den) | ((2 * rest == den) & (quotient % 2 == 1))
    out: Array = sign * (quotient + up)
    return out


class Chunk:
    """Entries of the clean groups, as arrays: one part per (kind, code, amount type).

    A part's entries carry the documents of their group (``docs``) and, when the chunk
    was given line rows, the rows of their group's lines (``lines``), both built only when
    the entries are read.
    """

    def __init__(self, n_settlements: int, doc_group: Array, doc_index: Array) -> None:
        self.parts: list[tuple[int, int, int, bool, Array, Array, Array, bool]] = []
        self._n = n_settlements
        self._doc_group = doc_group
        self._doc_index = doc_index
        self._line_group: Array = doc_group[:0]
        self._line_row: Array = doc_index[:0]

    def add_lines(self, groups: Array, rows: Array) -> None:
        """Line rows of groups, for the parts added with ``lines=True``."""
        self._line_group = np.concatenate([self._line_group, groups])
        self._line_row = np.concatenate([self._line_row, rows])

    def add(
        self,
        kind: int,
        code: int,
        atype: int,
        docs: bool,
        s: Array,
        groups: Array,
        units: Array,
        *,
        lines: bool = False,
    ) -> None:
        if groups.size:
            self.parts.append((kind, code, atype, docs, s, groups, units, lines))

    @staticmethod
    def _by_group(groups: Array, index: Array) -> dict[int, tuple[int, ...]]:
        order = np.lexsort((index, groups))
        by_group: dict[int, list[int]] = {}
        for g, i in zip(groups[order].tolist(), index[order].tolist(), strict=True):
            found = by_group.get(g)
            if found is None:
                by_group[g] = [i]
            else:
                found.append(i)
        return {g: tuple(v) for g, v in by_group.items()}

    def entries(
        self,
    ) -> Iterator[tuple[int, int, int, int, int, int, tuple[int, ...], tuple[int, ...], str]]:
        docs = self._by_group(self._doc_group, self._doc_index)
        rows = self._by_group(self._line_group, self._line_row)
        for kind, code, atype, with_docs, s, groups, units, with_lines in self.parts:
            for si, g, u in zip(s.tolist(), groups.tolist(), units.tolist(), strict=True):
                yield (
                    si,
                    kind,
                    g,
                    code,
                    atype,
                    u,
                    docs[g] if with_docs else (),
                    rows[g] if with_lines else (),
                    "",
                )

    def totals(self) -> Iterable[Total]:
        for kind, code, _, _, s, _, units, _ in self.parts:
            key = s * 2 + (units > 0)
            sums = sum_at(self._n * 2, key, units)
            for index in np.flatnonzero(np.bincount(key, minlength=self._n * 2)).tolist():
                yield index // 2, kind, code, index % 2, int(sums[index])


def clean_fx(ctx: Context, rows: Array, s_of: Array, applied: Array, rate: Array) -> None:
    """FX rows of the clean groups' documents: each is applied in full in one settlement."""
    if ctx.functional_digits is None:
        return
    has_rate = np.array([r is not None for r in ctx.s_rate] or [False], dtype=bool)
    keep = (rate >= 0) & (applied != 0) & has_rate[s_of]
    rows, s_of, applied, rate = rows[keep], s_of[keep], applied[keep], rate[keep]
    if not rows.size:
        return
    fd = ctx.functional_digits
    f_s = [Fraction(r.rate) if r is not None else Fraction(0) for r in ctx.s_rate]
    f_d = [Fraction(r.rate) for r in ctx.docs.rates]
    biggest = max(f.numerator for f in f_s + f_d) * int(np.abs(applied).max()) * 10**fd
    widest = max(f.denominator for f in f_s + f_d) * 10 ** max(ctx.s_digits)
    if biggest >= LIMIT or widest >= LIMIT:
        for row, s, units, r in zip(
            rows.tolist(), s_of.tolist(), applied.tolist(), rate.tolist(), strict=True
        ):
            fx_row(ctx, s, row, r, units)
        return
    scale = 10**fd
    den_scale = np.array([10**d for d in ctx.s_digits], dtype=I8)[s_of]
    now = half_even(
        applied * np.array([f.numerator for f in f_s], dtype=I8)[s_of] * scale,
        np.array([f.denominator for f in f_s], dtype=I8)[s_of] * den_scale,
    )
    then = half_even(
        applied * np.array([f.numerator for f in f_d], dtype=I8)[rate] * scale,
        np.array([f.denominator for f in f_d], dtype=I8)[rate] * den_scale,
    )
    fx = now - then
    nonzero = fx != 0
    ctx.fx_columns.append((s_of[nonzero], rows[nonzero], applied[nonzero], fx[nonzero]))
