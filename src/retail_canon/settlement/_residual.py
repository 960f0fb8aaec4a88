"""Layers 6 and 7: what the key join left, in three bounded steps, then exceptions.

1. Refund by order: a refund whose refund id no credit memo carries, joined to open credit
   memos of the same order (``REFUND_BY_ORDER``).
2. Tokens: keys equal once reduced to upper-case letters and digits, when exactly one
   line group carries the token (``TOKEN``), as Odoo's reconciliation does.
3. Fuzzy: a line group with no key match and open documents with no key of their own (or a
   group of unkeyed lines and any open document), same currency, issued within
   ``fuzzy_window_days`` of the lines, whose open amounts add up to the lines' within the
   rounding bound, using at most ``fuzzy_max_documents`` documents out of the
   ``fuzzy_max_candidates`` nearest in date. Only a unique smallest solution is taken
   (``FUZZY``); an ambiguous one is left for a person.

Whatever remains becomes an exception (lines) or an open item (documents).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from retail_canon.settlement._classify import settle_group, unsettled_documents
from retail_canon.settlement._context import (
    CLASS_OF,
    CREDIT_MEMO,
    REFUND_TYPE,
    Context,
    Doc,
    Line,
    R,
)
from retail_canon.settlement._types import MatchRule

__all__ = ["settle_residuals", "token", "tokens"]

_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()


_DROP = str.maketrans("", "", "".join(chr(c) for c in range(128) if not chr(c).isalnum()))


def token(key: str) -> str:
    """A key reduced to upper-case letters and digits.

    >>> token("#1001"), token("902-1845936-5435065"), token("so 77/b"), token("Nº 7")
    ('1001', '90218459365435065', 'SO77B', 'Nº7')
    """
    reduced = key.translate(_DROP)
    if not reduced.isascii():
        reduced = "".join(filter(str.isalnum, reduced))
    return reduced.upper()


_SEPARATOR = "\x00"
_DROP_BUT_SEPARATOR = str.maketrans(
    "", "", "".join(chr(c) for c in range(1, 128) if not chr(c).isalnum())
)


def tokens(keys: Sequence[str]) -> list[str]:
    """`token` of each of ``keys``, in one pass over their text when they are ASCII.

    >>> tokens(["#1001", "so 77/b", "Nº 7", ""])
    ['1001', 'SO77B', 'Nº7', '']
    """
    joined = _SEPARATOR.join(keys)
    if not joined.isascii() or joined.count(_SEPARATOR) != max(len(keys) - 1, 0):
        return [token(key) for key in keys]
    if not keys:
        return []
    return joined.translate(_DROP_BUT_SEPARATOR).upper().split(_SEPARATOR)


Residual = tuple[int, bool, list[Line]]
"""(group id or -1, refund, lines)."""


def settle_residuals(
    ctx: Context,
    groups: dict[int, tuple[bool, list[Line]]],
    unkeyed: Sequence[Line],
    docs: Sequence[tuple[int, Doc]],
) -> None:
    """Settle line groups without documents and documents without lines.

    Documents whose key has lines in a quarantined settlement are held, not matched again.
    """
    held = ctx.held
    if held:
        unsettled_documents(ctx, [(g, d) for g, d in docs if g >= 0 and g in held])
        docs = [(g, d) for g, d in docs if g < 0 or g not in held]
    free: dict[int, tuple[int, Doc]] = {doc[0]: (group, doc) for group, doc in docs}
    _refund_by_order(ctx, groups, free)
    _tokens(ctx, groups, free)
    residuals: list[Residual] = [(g, refund, lines) for g, (refund, lines) in groups.items()]
    residuals += _unkeyed_groups(unkeyed)
    residuals.sort(key=_order)
    index = _Index(ctx, free)
    for group, refund, lines in residuals:
        found = (
            _fuzzy(ctx, group, refund, lines, free, index)
            if ctx.policy.fuzzy_max_documents
            else None
        )
        if found:
            for doc in found:
                del free[doc[0]]
            settle_group(ctx, group, refund, lines, found, MatchRule.FUZZY)
        else:
            settle_group(ctx, group, refund, lines, [])
    unsettled_documents(ctx, sorted(free.values(), key=lambda item: item[1][0]))


def _order(item: Residual) -> tuple[int, int, int]:
    group, _, lines = item
    days = [ln[4] for ln in lines if ln[4] >= 0]
    return (min(days) if days else -1, group, lines[0][0])


def _unkeyed_groups(lines: Sequence[Line]) -> list[Residual]:
    """Unkeyed receivable lines posted at the same second of one settlement belong together."""
    together: dict[tuple[int, int, bool], list[Line]] = {}
    out: list[Residual] = []
    for line in lines:
        refund = line[2] == REFUND_TYPE
        if line[4] < 0:
            out.append((-1, refund, [line]))
        else:
            together.setdefault((line[1], line[4], refund), []).append(line)
    out += [(-1, refund, group) for (_, _, refund), group in together.items()]
    return out


def _refund_by_order(
    ctx: Context, groups: dict[int, tuple[bool, list[Line]]], free: dict[int, tuple[int, Doc]]
) -> None:
    by_order: dict[int, list[int]] = {}
    for group, (refund, lines) in groups.items():
        orders = {ln[6] for ln in lines}
        if refund and len(orders) == 1 and min(orders) >= 0:
            by_order.setdefault(min(orders), []).append(group)
    memos: dict[int, list[Doc]] = {}
    for _, doc in free.values():
        if doc[1] == CREDIT_MEMO and doc[6] >= 0:
            memos.setdefault(doc[6], []).append(doc)
    for order in sorted(by_order):
        found = memos.get(order)
        if not found:
            continue
        members = sorted(by_order[order])
        lines = [ln for g in members for ln in groups.pop(g)[1]]
        group = members[0] if len(members) == 1 else 2 * ctx.n_keys + order
        for doc in found:
            del free[doc[0]]
        settle_group(ctx, group, True, lines, found, MatchRule.REFUND_BY_ORDER)


def _tokens(
    ctx: Context, groups: dict[int, tuple[bool, list[Line]]], free: dict[int, tuple[int, Doc]]
) -> None:
    by_token: dict[tuple[bool, str], list[int]] = {}
    for group, (refund, _) in groups.items():
        key = (refund, token(ctx.keys[group % ctx.n_keys]))
        if key[1]:
            by_token.setdefault(key, []).append(group)
    if not by_token:
        return
    keys = ctx.keys
    docs: dict[tuple[bool, str], list[Doc]] = {}
    for _, doc in free.values():
        refund = doc[1] == CREDIT_MEMO
        for code in (doc[7], doc[6]) if refund else (doc[6],):
            if code >= 0:
                key = (refund, token(keys[code]))
                if key in by_token:
                    found = docs.setdefault(key, [])
                    if doc not in found:
                        found.append(doc)
    for key in sorted(docs):
        members = by_token[key]
        if len(members) != 1:
            continue
        found = [d for d in docs[key] if d[0] in free]
        if not found:
            continue
        group = members[0]
        refund, lines = groups.pop(group)
        for doc in found:
            del free[doc[0]]
        settle_group(ctx, group, refund, lines, found, MatchRule.TOKEN)


class _Index:
    """Open documents by (keyed lines?, refund, currency), sorted by issue date.

    Built on first use per side: lines with a key only meet documents without one.
    """

    def __init__(self, ctx: Context, free: dict[int, tuple[int, Doc]]) -> None:
        self._ctx = ctx
        self._free = free
        self._by: dict[bool, dict[tuple[bool, str], tuple[list[int], list[Doc]]]] = {}

    def _build(self, keyed_lines: bool) -> dict[tuple[bool, str], tuple[list[int], list[Doc]]]:
        docs = [d for _, d in self._free.values() if not keyed_lines or (d[6] < 0 and d[7] < 0)]
        by: dict[tuple[bool, str], tuple[list[int], list[Doc]]] = {}
        for doc in sorted(docs, key=lambda d: (d[4], d[0])):
            days, found = by.setdefault(
                (doc[1] == CREDIT_MEMO, self._ctx.doc_currency[doc[2]]), ([], [])
            )
            days.append(doc[4])
            found.append(doc)
        return by

    def _side(self, keyed_lines: bool) -> dict[tuple[bool, str], tuple[list[int], list[Doc]]]:
        by = self._by.get(keyed_lines)
        if by is None:
            by = self._by[keyed_lines] = self._build(keyed_lines)
        return by

    def any(self, keyed_lines: bool, refund: bool) -> bool:
        """Whether any open document could meet such lines at all."""
        return any(key[0] == refund for key in self._side(keyed_lines))

    def window(
        self, keyed_lines: bool, refund: bool, currency: str, day: int, width: int
    ) -> list[Doc]:
        days, docs = self._side(keyed_lines).get((refund, currency), ([], []))
        return docs[bisect_left(days, day - width) : bisect_right(days, day + width)]


def _fuzzy(
    ctx: Context,
    group: int,
    refund: bool,
    lines: Sequence[Line],
    free: dict[int, tuple[int, Doc]],
    index: _Index,
) -> list[Doc] | None:
    if not index.any(group >= 0, refund):
        return None
    days = [ln[4] for ln in lines if ln[4] >= 0]
    currencies = {ctx.s_currency[ln[1]] for ln in lines}
    if not days or len(currencies) != 1:
        return None
    day = _EPOCH_ORDINAL + min(days) // 86400
    currency = currencies.pop()
    orient = -1 if refund else 1
    target = orient * sum(ln[3] for ln in lines if CLASS_OF[ln[2]] <= R)
    if target <= 0:
        return None
    policy = ctx.policy
    window = policy.fuzzy_window_days
    # Keyed lines only meet documents without a key: two keys that differ are evidence
    # against a match.
    candidates = [
        (abs(doc[4] - day), doc[0], doc)
        for doc in index.window(group >= 0, refund, currency, day, window)
        if doc[0] in free and doc[3] > 0
    ]
    candidates.sort()
    docs = [c[2] for c in candidates[: policy.fuzzy_max_candidates]]
    bound = ctx.rounding_bound(len(lines))
    for size in range(1, policy.fuzzy_max_documents + 1):
        solutions = subsets([d[3] for d in docs], target, bound, size)
        if len(solutions) > 1:
            return None  # ambiguous: leave it to a person
        if solutions:
            return [docs[i] for i in solutions[0]]
    return None


def subsets(amounts: Sequence[int], target: int, bound: int, size: int) -> list[tuple[int, ...]]:
    """Up to two sets of ``size`` positions whose amounts add up to ``target`` ± ``bound``.

    Hash lookups instead of a scan of all combinations: O(n) for one or two amounts,
    O(n²) for three.

    >>> subsets([500, 700, 300, 200], 1000, 0, 2)
    [(1, 2)]
    >>> subsets([500, 700, 300, 200], 1000, 0, 3)
    [(0, 2, 3)]
    >>> subsets([500, 500, 500], 1000, 0, 2)
    [(0, 1), (0, 2)]
    """
    at: dict[int, list[int]] = {}
    for i, amount in enumerate(amounts):
        at.setdefault(amount, []).append(i)
    deltas = range(-bound, bound + 1)
    found: list[tuple[int, ...]] = []
    if size == 1:
        singles: list[tuple[int, ...]] = [
            (i,) for i, a in enumerate(amounts) if abs(a - target) <= bound
        ]
        return singles[:2]
    n = len(amounts)
    for i in range(n):
        for j in range(i + 1, n) if size == 3 else (i,):
            base = amounts[i] + (amounts[j] if size == 3 else 0)
            last = j if size == 3 else i
            for delta in deltas:
                for k in at.get(target + delta - base, ()):
                    if k > last:
                        found.append((i, j, k) if size == 3 else (i, k))
                        if len(found) > 1:
                            return found
    return found
