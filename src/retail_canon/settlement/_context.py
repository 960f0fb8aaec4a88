"""What a matching run knows: prepared inputs, the ledger of entries, open items, FX rows.

Both engines fill the same `Context`; everything that decides a reason code lives in
`_classify`, `_integrity` and `_residual`, which work on small Python tuples:

- a *line* is ``(row, settlement, amount_type, units, posted, source, order_key)``;
- a *document* is ``(index, kind, currency, open_units, issued, rate, order_key,
  refund_key)``.

Group ids: ``key`` for orders, ``K + key`` for refunds by refund id, ``2K + key`` for
refunds by order id, where ``K`` is the size of the unified key dictionary; ``-1`` is a
line or document without a key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

from retail_canon.models import AmountType, ExternalRef
from retail_canon.normalize.money import ExchangeRate
from retail_canon.settlement._arith import ToleranceUnits
from retail_canon.settlement._policy import MatchPolicy, Tolerance
from retail_canon.settlement._tables import (
    DocumentTable,
    SettlementTable,
    currency_digits,
    to_units,
)
from retail_canon.settlement._types import (
    AMOUNT_TYPES,
    DOCUMENT_KINDS,
    DocumentKind,
    MatchRule,
    ReasonCode,
    RefResolver,
)

__all__ = [
    "ADJ",
    "AMOUNT_TYPE_CODE",
    "CB",
    "CLASS_OF",
    "CODE",
    "CODES",
    "COM",
    "CREDIT_MEMO",
    "EXCEPTION",
    "FEE",
    "FEE_CLASSES",
    "FEE_CLASS_TYPE",
    "FUL",
    "MATCH",
    "OTH",
    "REFUND_TYPE",
    "RES",
    "RESERVE_TYPE",
    "TRF",
    "VARIANCE",
    "WH",
    "Context",
    "Doc",
    "Entry",
    "EntryChunk",
    "Ledger",
    "Line",
    "P",
    "R",
    "resolved_value",
]

Line = tuple[int, int, int, int, int, int, int]
Doc = tuple[int, int, int, int, int, int, int, int]

# Component classes of amount types.
P, R, COM, FUL, FEE, WH, CB, RES, ADJ, TRF, OTH = range(11)
_CLASS = {
    AmountType.PRINCIPAL: P,
    AmountType.TAX: R,
    AmountType.SHIPPING: R,
    AmountType.GIFT_WRAP: R,
    AmountType.PROMOTION: R,
    AmountType.REFUND: R,
    AmountType.COMMISSION: COM,
    AmountType.FULFILLMENT_FEE: FUL,
    AmountType.FEE: FEE,
    AmountType.TAX_WITHHELD: WH,
    AmountType.CHARGEBACK: CB,
    AmountType.RESERVE: RES,
    AmountType.ADJUSTMENT: ADJ,
    AmountType.TRANSFER: TRF,
}
CLASS_OF: tuple[int, ...] = tuple(_CLASS.get(t, OTH) for t in AMOUNT_TYPES)
"""Component class by amount-type code."""
FEE_CLASSES = (COM, FUL, FEE)
AMOUNT_TYPE_CODE = {t: i for i, t in enumerate(AMOUNT_TYPES)}
REFUND_TYPE = AMOUNT_TYPE_CODE[AmountType.REFUND]
RESERVE_TYPE = AMOUNT_TYPE_CODE[AmountType.RESERVE]
FEE_CLASS_TYPE = {
    COM: AMOUNT_TYPE_CODE[AmountType.COMMISSION],
    FUL: AMOUNT_TYPE_CODE[AmountType.FULFILLMENT_FEE],
    FEE: AMOUNT_TYPE_CODE[AmountType.FEE],
}
CREDIT_MEMO = DOCUMENT_KINDS.index(DocumentKind.CREDIT_MEMO)

MATCH, VARIANCE, EXCEPTION = 0, 1, 2
CODES: tuple[MatchRule | ReasonCode, ...] = (*MatchRule, *ReasonCode)
"""Rules and reasons by entry code."""
CODE: dict[MatchRule | ReasonCode, int] = {c: i for i, c in enumerate(CODES)}


Entry = tuple[int, int, int, int, int, int, tuple[int, ...], tuple[int, ...], str]
"""(settlement, kind, group, code, amount type, units, documents, lines, detail)."""


class EntryChunk(Protocol):
    """Entries held as arrays by the numpy engine."""

    def entries(self) -> Iterator[Entry]:
        """Every entry of the chunk."""
        ...

    def totals(self) -> Iterable[tuple[int, int, int, int, int]]:
        """(settlement, kind, code, sign, units) sums; sign 1 for positive units, else 0."""
        ...


class Ledger:
    """Entries: every cent of every settlement lands in exactly one."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: list[Entry] = []

    def __len__(self) -> int:
        return len(self.entries)

    def add(
        self,
        kind: int,
        code: MatchRule | ReasonCode,
        s: int,
        units: int,
        *,
        group: int = -1,
        atype: int = -1,
        docs: tuple[int, ...] = (),
        lines: tuple[int, ...] = (),
        detail: str = "",
    ) -> None:
        """Append one entry."""
        self.entries.append((s, kind, group, CODE[code], atype, units, docs, lines, detail))


class Context:
    """Prepared inputs and outputs of one run."""

    def __init__(
        self,
        table: SettlementTable,
        docs: DocumentTable,
        policy: MatchPolicy,
        rates: Mapping[str, ExchangeRate] | None,
    ) -> None:
        self.table = table
        self.docs = docs
        self.policy = policy
        headers = table.settlements
        self.n_settlements = len(headers)
        self.s_id = [h.settlement_id for h in headers]
        self.s_currency = [h.currency for h in headers]
        self.s_digits = [currency_digits(c) for c in self.s_currency]
        self.s_total = [
            to_units(h.total.amount, d, f"settlement {h.settlement_id} total")
            for h, d in zip(headers, self.s_digits, strict=True)
        ]
        order = sorted(range(len(headers)), key=lambda i: (headers[i].period_start, i))
        self.s_rank = [0] * len(headers)
        for rank, index in enumerate(order):
            self.s_rank[index] = rank
        ends = [(h.period_end or h.period_start).astimezone(UTC).date() for h in headers]
        self.batch_end: int | None = max(ends).toordinal() if ends else None
        self.doc_currency = list(docs.currencies)
        self.doc_digits = [currency_digits(c) for c in self.doc_currency]
        self.keys, self.doc_key_map = _unify(table.keys, docs.keys)
        self.n_keys = len(self.keys)
        self.resolver: RefResolver | None = None
        self.resolved: dict[tuple[int, int], int] = {}
        """(settlement, order key) → the key the xref resolver mapped it to."""
        self.rates = rates or {}
        self.s_rate: list[ExchangeRate | None] = [self.rates.get(i) for i in self.s_id]
        self.functional_digits = (
            None
            if policy.functional_currency is None
            else currency_digits(policy.functional_currency)
        )
        self.fee_rules: dict[int, tuple[int, int, Tolerance, Decimal]] = {}
        """Fee rules by fee class: (rate numerator, rate denominator, tolerance, fixed)."""
        for rule in policy.fee_rules:
            rate = Fraction(rule.rate)
            cls = CLASS_OF[AMOUNT_TYPE_CODE[rule.amount_type]]
            self.fee_rules[cls] = (rate.numerator, rate.denominator, rule.tolerance, rule.fixed)
        self._fixed: dict[tuple[int, int], int] = {}
        for cls in self.fee_rules:  # refuse a fixed fee a settlement currency cannot hold
            for digits in set(self.s_digits):
                self.fee_fixed(cls, digits)
        self._tolerances: dict[tuple[Tolerance, int], ToleranceUnits] = {}
        self._kind_tolerances: dict[tuple[bool, int], ToleranceUnits] = {}
        self._fee_tolerances: dict[tuple[int, int], ToleranceUnits] = {}
        per_line = policy.rounding_per_line
        self.per_line = (per_line.numerator, per_line.denominator)
        # Filled by the integrity stage.
        self.excluded: set[int] = set()
        self.duplicates: set[int] = set()
        self.held: set[int] = set()
        self.chain_ok = [True] * len(headers)
        self.notes: list[list[str]] = [[] for _ in headers]
        self.lines_total = [0] * len(headers)
        # Outputs.
        self.ledger = Ledger()
        self.open_items: list[tuple[int, int, int, int, int, str]] = []
        """(document, group, reason code, open units, settled units, detail)."""
        self.fx: list[tuple[int, int, int, int]] = []
        """(settlement, document, applied units, FX difference in functional units)."""
        self.chunks: list[EntryChunk] = []
        """Entry chunks of the numpy engine (see `_engine_np`)."""
        self.open_columns: list[tuple[Sequence[int], Sequence[int], int, Sequence[int]]] = []
        """Open items of the numpy engine as columns (document, group, code, open units);
        nothing of them was settled."""
        self.fx_columns: list[
            tuple[Sequence[int], Sequence[int], Sequence[int], Sequence[int]]
        ] = []
        """FX rows of the numpy engine as columns (settlement, document, applied, FX)."""

    def tolerance(self, tolerance: Tolerance, digits: int) -> ToleranceUnits:
        """A tolerance in minor units of a currency with ``digits`` decimals (cached)."""
        key = (tolerance, digits)
        units = self._tolerances.get(key)
        if units is None:
            units = self._tolerances[key] = ToleranceUnits(tolerance, digits)
        return units

    def group_tolerance(self, refund: bool, digits: int) -> ToleranceUnits:
        """The ``REFUND`` (or ``PRINCIPAL``) tolerance in minor units (cached)."""
        key = (refund, digits)
        units = self._kind_tolerances.get(key)
        if units is None:
            kind = AmountType.REFUND if refund else AmountType.PRINCIPAL
            units = self._kind_tolerances[key] = self.tolerance(self.policy.tolerance(kind), digits)
        return units

    def fee_tolerance(self, cls: int, digits: int) -> ToleranceUnits:
        """The tolerance of the fee rule of class ``cls`` in minor units (cached)."""
        key = (cls, digits)
        units = self._fee_tolerances.get(key)
        if units is None:
            units = self._fee_tolerances[key] = self.tolerance(self.fee_rules[cls][2], digits)
        return units

    def fee_fixed(self, cls: int, digits: int) -> int:
        """The fixed part of the fee rule of class ``cls`` in minor units (cached).

        Raises:
            NotMinorUnits: the fixed part has more decimals than the currency.
        """
        key = (cls, digits)
        units = self._fixed.get(key)
        if units is None:
            fixed = self.fee_rules[cls][3]
            units = self._fixed[key] = to_units(fixed, digits, "fixed part of a fee rule")
        return units

    def rounding_bound(self, lines: int) -> int:
        """ceil(lines × rounding_per_line), in minor units."""
        num, den = self.per_line
        return -(-lines * num // den)

    def resolve_keys(self, resolver: RefResolver, pairs: Iterable[tuple[int, int]]) -> None:
        """Map ``(settlement, order key)`` pairs through ``resolver``; extends the keys.

        Call before any group id is computed: it fixes ``n_keys``.
        """
        headers = self.table.settlements
        policy = self.policy
        cache: dict[tuple[str, str | None, int], int] = {}
        keys = self.keys = list(self.keys)  # the input tables' dictionaries stay as they are
        codes = {k: i for i, k in enumerate(keys)}
        for s, code in pairs:
            header = headers[s]
            scope = (header.channel, header.marketplace_id, code)
            target = cache.get(scope)
            if target is None:
                ref = ExternalRef(
                    system=header.channel,
                    scheme=policy.order_scheme,
                    value=keys[code],
                    scope=header.marketplace_id,
                )
                found = resolved_value(
                    resolver.resolve(
                        ref, to_system=policy.xref_system, to_scheme=policy.xref_scheme
                    )
                )
                if found is None:
                    target = code
                else:
                    target = codes.get(found, -1)
                    if target < 0:
                        target = codes[found] = len(keys)
                        keys.append(found)
                cache[scope] = target
            self.resolved[(s, code)] = target
        self.n_keys = len(self.keys)

    def key_of(self, group: int) -> tuple[str, str | None]:
        """``(kind, key)`` of a group id: kind ``order`` or ``refund``."""
        if group < 0:
            return "unkeyed", None
        namespace, code = divmod(group, self.n_keys)
        return ("order" if namespace == 0 else "refund"), self.keys[code]

    def unsettled_reason(self, group: int, refund: bool, issued: int) -> ReasonCode:
        """Why a document nothing settled is still open."""
        if group >= 0 and group in self.held:
            return ReasonCode.PAYOUT_INTEGRITY
        lag = self.policy.settlement_lag_days
        if self.batch_end is None or issued > self.batch_end - lag:
            return ReasonCode.TIMING
        return ReasonCode.REFUND_NOT_SETTLED if refund else ReasonCode.UNMATCHED


def _unify(
    line_keys: Sequence[str], doc_keys: Sequence[str]
) -> tuple[Sequence[str], list[int] | None]:
    """One key dictionary for lines and documents: the lines' codes stay as they are.

    When the documents' dictionary is the lines' one, or extends it, nothing is remapped
    (nor copied).
    """
    n = len(line_keys)
    if doc_keys is line_keys or (len(doc_keys) >= n and list(doc_keys[:n]) == list(line_keys)):
        return doc_keys, None
    keys = list(line_keys)
    codes = {k: i for i, k in enumerate(keys)}
    mapping = []
    for key in doc_keys:
        code = codes.get(key)
        if code is None:
            code = codes[key] = len(keys)
            keys.append(key)
        mapping.append(code)
    return keys, mapping


def resolved_value(result: object) -> str | None:
    """The target value in a resolver's answer, or ``None`` when it does not map one.

    >>> resolved_value(None), resolved_value("SO-1")
    (None, 'SO-1')
    >>> resolved_value(ExternalRef(system="erp", scheme="order", value="SO-2"))
    'SO-2'
    """
    if result is None:
        return None
    if isinstance(result, str):
        return result or None
    status = getattr(result, "status", None)
    if status is not None:
        if str(getattr(status, "value", status)).lower() not in {"one", "found", "resolved"}:
            return None
        for name in ("ref", "target", "match"):
            inner = getattr(result, name, None)
            if inner is not None:
                return resolved_value(inner)
        refs = getattr(result, "refs", None)
        if isinstance(refs, Sequence) and len(refs) == 1:
            return resolved_value(refs[0])
        return None
    value = getattr(result, "value", None)
    return value if isinstance(value, str) and value else None
