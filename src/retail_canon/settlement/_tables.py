"""Columnar inputs: settlement lines and ERP documents as plain columns of integers.

`match` accepts canonical objects (`SettlementRecord`, `ErpDocument`) and turns them into
these tables; large batches and dataframe partitions (Spark, Dask, Ray, Arrow, pandas)
can build the tables directly from their columns and skip the objects. Money is a column
of whole minor units (exact integers); keys are codes into a key dictionary, so that a
dictionary-encoded column (Arrow dictionary, pandas categorical) passes through as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal

import attrs

from retail_canon.models import AmountType, SettlementRecord, minor_units
from retail_canon.normalize.money import ExchangeRate
from retail_canon.settlement._errors import NotMinorUnits, SettlementInputError
from retail_canon.settlement._policy import DEFAULT_REFUND_REF_SCHEMES
from retail_canon.settlement._types import AMOUNT_TYPES, DOCUMENT_KINDS, ErpDocument

__all__ = ["DocumentTable", "SettlementTable", "currency_digits", "to_units"]

_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
_AMOUNT_TYPE_CODE = {t: i for i, t in enumerate(AMOUNT_TYPES)}
_KIND_CODE = {k: i for i, k in enumerate(DOCUMENT_KINDS)}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def currency_digits(currency: str) -> int:
    """The minor units of ``currency``; refuses currencies without any.

    Raises:
        UnknownCurrency: ``currency`` is not an active ISO 4217 code.
        NotMinorUnits: the currency has no minor units (XAU, XDR, ...).

    >>> currency_digits("JPY"), currency_digits("EUR")
    (0, 2)
    """
    digits = minor_units(currency)
    if digits is None:
        msg = f"{currency} has no minor units: it cannot be settled to the cent"
        raise NotMinorUnits(msg)
    return digits


def to_units(amount: Decimal, digits: int, what: str) -> int:
    """``amount`` as a whole number of minor units (``digits`` decimals), exactly.

    Raises:
        NotMinorUnits: ``amount`` has more decimals than the currency's minor units.

    >>> to_units(Decimal("-12.30"), 2, "line 1")
    -1230
    >>> to_units(Decimal("1.005"), 2, "line 2")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    NotMinorUnits: line 2: 1.005 is not a whole number of minor units (2 decimals)
    """
    units = _EXACT.scaleb(amount, digits)
    if units != units.to_integral_value():
        msg = f"{what}: {amount} is not a whole number of minor units ({digits} decimals)"
        raise NotMinorUnits(msg)
    return int(units)


class _Keys:
    """A growing key dictionary: string → code."""

    __slots__ = ("codes", "values")

    def __init__(self, values: Sequence[str] = ()) -> None:
        self.values: list[str] = list(values)
        self.codes: dict[str, int] = {v: i for i, v in enumerate(self.values)}

    def code(self, value: str | None) -> int:
        if value is None or value == "":
            return -1
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code


def _length(name: str, column: Sequence[object], expected: int) -> None:
    if len(column) != expected:
        msg = f"column {name} has {len(column)} rows, expected {expected}"
        raise SettlementInputError(msg)


@attrs.frozen(kw_only=True, eq=False)
class SettlementTable:
    """Settlement lines as columns: one row per line, amounts in minor units.

    ``settlements`` are the headers (id, channel, currency, deposit ``total``, period);
    their own ``lines`` are not read. ``settlement`` holds each row's index into them.
    Columns may be lists or numpy arrays; ``-1`` marks a missing key or time.

    >>> from retail_canon.models import Money
    >>> record = SettlementRecord(
    ...     settlement_id="S1", channel="amazon", currency="USD",
    ...     period_start=datetime(2026, 3, 1, tzinfo=UTC),
    ...     total=Money(amount="18.68", currency="USD"),
    ...     lines=[
    ...         {"line_id": "1", "amount_type": "PRINCIPAL", "order_id": "A",
    ...          "amount": {"amount": "21.98", "currency": "USD"}},
    ...         {"line_id": "2", "amount_type": "COMMISSION", "order_id": "A",
    ...          "amount": {"amount": "-3.30", "currency": "USD"}},
    ...     ],
    ... )
    >>> table = SettlementTable.from_records([record])
    >>> list(table.amount), list(table.order_key), table.keys
    ([2198, -330], [0, 0], ['A'])
    """

    settlements: tuple[SettlementRecord, ...]
    settlement: Sequence[int]
    """Index into ``settlements``."""
    amount_type: Sequence[int]
    """Index into `AMOUNT_TYPES`."""
    amount: Sequence[int]
    """Signed minor units of the settlement's currency (positive: the seller receives)."""
    order_key: Sequence[int]
    """Code of the marketplace order id in ``keys`` (``-1``: none)."""
    refund_key: Sequence[int]
    """Code of the refund or adjustment id in ``keys`` (``-1``: none)."""
    posted: Sequence[int]
    """Seconds since 1970-01-01 UTC (``-1``: unknown)."""
    line_id: Sequence[str]
    keys: Sequence[str]
    source_type: Sequence[int] = ()
    """Code of the marketplace's own amount type in ``source_types`` (``-1``: none);
    empty when there are none."""
    source_types: Sequence[str] = ()

    def __attrs_post_init__(self) -> None:
        n = len(self.settlement)
        for name in ("amount_type", "amount", "order_key", "refund_key", "posted", "line_id"):
            _length(name, getattr(self, name), n)
        if len(self.source_type):
            _length("source_type", self.source_type, n)

    def __len__(self) -> int:
        return len(self.settlement)

    @classmethod
    def from_records(
        cls,
        records: Iterable[SettlementRecord],
        *,
        refund_ref_schemes: frozenset[str] = DEFAULT_REFUND_REF_SCHEMES,
        keys: Sequence[str] = (),
    ) -> SettlementTable:
        """The lines of ``records`` as a table.

        A line's refund key is the value of its first `ExternalRef` whose scheme is in
        ``refund_ref_schemes``. ``keys`` starts the key dictionary (to share one).

        Raises:
            NotMinorUnits: an amount with more decimals than its currency's minor units.
        """
        encoder = _Keys(keys)
        sources = _Keys()
        headers: list[SettlementRecord] = []
        settlement: list[int] = []
        amount_type: list[int] = []
        amount: list[int] = []
        order_key: list[int] = []
        refund_key: list[int] = []
        posted: list[int] = []
        line_id: list[str] = []
        source_type: list[int] = []
        for index, record in enumerate(records):
            headers.append(record.model_copy(update={"lines": ()}))
            digits = currency_digits(record.currency)
            for line in record.lines:
                what = f"settlement {record.settlement_id} line {line.line_id}"
                settlement.append(index)
                amount_type.append(_AMOUNT_TYPE_CODE[AmountType(line.amount_type)])
                amount.append(to_units(line.amount.amount, digits, what))
                order_key.append(encoder.code(line.order_id))
                refund = next((r.value for r in line.refs if r.scheme in refund_ref_schemes), None)
                refund_key.append(encoder.code(refund))
                at = line.posted_at
                posted.append(-1 if at is None else int((at - _EPOCH).total_seconds()))
                line_id.append(line.line_id)
                source_type.append(sources.code(line.source_amount_type))
        return cls(
            settlements=tuple(headers),
            settlement=settlement,
            amount_type=amount_type,
            amount=amount,
            order_key=order_key,
            refund_key=refund_key,
            posted=posted,
            line_id=line_id,
            keys=encoder.values,
            source_type=source_type,
            source_types=sources.values,
        )


@attrs.frozen(kw_only=True, eq=False)
class DocumentTable:
    """ERP documents as columns: one row per document, amounts in minor units.

    >>> from datetime import date
    >>> from retail_canon.models import Money
    >>> doc = ErpDocument(document_id="INV-1", kind="INVOICE", order_ref="A",
    ...     amount=Money(amount="21.98", currency="USD"), issued_on=date(2026, 3, 2))
    >>> table = DocumentTable.from_documents([doc])
    >>> list(table.open_amount), table.currencies, list(table.order_key)
    ([2198], ['USD'], [0])
    """

    document_id: Sequence[str]
    kind: Sequence[int]
    """Index into `DOCUMENT_KINDS`."""
    currency: Sequence[int]
    """Index into ``currencies``."""
    currencies: Sequence[str]
    amount: Sequence[int]
    """Minor units, as the ERP shows them (positive for invoices and credit memos)."""
    open_amount: Sequence[int]
    order_key: Sequence[int]
    """Code of the order reference in ``keys`` (``-1``: none)."""
    refund_key: Sequence[int]
    """Code of the refund or adjustment id in ``keys`` (``-1``: none)."""
    issued: Sequence[int]
    """`date.toordinal` of the issue date."""
    keys: Sequence[str]
    rate: Sequence[int] = ()
    """Index into ``rates`` of the booking rate (``-1``: none); empty when there are none."""
    rates: Sequence[ExchangeRate] = ()

    def __attrs_post_init__(self) -> None:
        n = len(self.document_id)
        for name in ("kind", "currency", "amount", "open_amount", "order_key", "refund_key"):
            _length(name, getattr(self, name), n)
        _length("issued", self.issued, n)
        if len(self.rate):
            _length("rate", self.rate, n)
        for code in self.currencies:
            currency_digits(code)

    def __len__(self) -> int:
        return len(self.document_id)

    @classmethod
    def from_documents(
        cls, documents: Iterable[ErpDocument], *, keys: Sequence[str] = ()
    ) -> DocumentTable:
        """``documents`` as a table; ``keys`` starts the key dictionary (to share one).

        Raises:
            NotMinorUnits: an amount with more decimals than its currency's minor units.
        """
        encoder = _Keys(keys)
        currencies = _Keys()
        rates: dict[ExchangeRate, int] = {}
        columns: dict[str, list[int]] = {
            name: []
            for name in (
                "kind",
                "currency",
                "amount",
                "open_amount",
                "order_key",
                "refund_key",
                "issued",
                "rate",
            )
        }
        document_id: list[str] = []
        for doc in documents:
            digits = currency_digits(doc.amount.currency)
            what = f"document {doc.document_id}"
            document_id.append(doc.document_id)
            columns["kind"].append(_KIND_CODE[doc.kind])
            columns["currency"].append(currencies.code(doc.amount.currency))
            columns["amount"].append(to_units(doc.amount.amount, digits, what))
            columns["open_amount"].append(to_units(doc.open.amount, digits, what))
            columns["order_key"].append(encoder.code(doc.order_ref))
            columns["refund_key"].append(encoder.code(doc.refund_ref))
            columns["issued"].append(doc.issued_on.toordinal())
            rate = doc.exchange_rate
            columns["rate"].append(-1 if rate is None else rates.setdefault(rate, len(rates)))
        return cls(
            document_id=document_id,
            currencies=currencies.values,
            keys=encoder.values,
            rates=list(rates),
            **columns,
        )
