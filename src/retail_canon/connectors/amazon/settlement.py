"""Streaming parser of the V2 settlement flat file (``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2``).

Tab-separated, one header row of 23 or 24 columns (``promotion-id`` last), then a summary
row (settlement id, period, deposit date, ``total-amount``, currency) and one row per
amount. `SettlementFile` reads it from a binary stream row by row in constant memory,
detects the encoding (UTF-8, cp1252, Shift_JIS for JPY files) and the decimal separator
(EU files write ``1.234,56`` and ``31.01.2026``), and checks when the rows are exhausted
that they add up to the deposit.

```python
with gzip.open("settlement.tsv.gz") as stream:
    report = SettlementFile(stream)
    for row in report:  # raises SettlementFormatError at the end if it does not add up
        ...
print(report.summary.total, report.lines_total, report.rows)
```
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import attrs

from retail_canon.normalize.numbers import parse_locale_decimal

__all__ = [
    "HEADER",
    "SettlementFile",
    "SettlementFormatError",
    "SettlementRow",
    "SettlementSummary",
]

HEADER = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "merchant-order-id",
    "adjustment-id",
    "shipment-id",
    "marketplace-name",
    "amount-type",
    "amount-description",
    "amount",
    "fulfillment-id",
    "posted-date",
    "posted-date-time",
    "order-item-code",
    "merchant-order-item-id",
    "merchant-adjustment-item-id",
    "sku",
    "quantity-purchased",
    "promotion-id",
)
"""The 24 columns; files with the first 23 (no ``promotion-id``) are accepted too."""

_COMMA = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d+$|^-?\d+,\d+$")
_SAMPLE = 1 << 16


class SettlementFormatError(ValueError):
    """The file is not a V2 settlement flat file, or its rows do not add up."""


@attrs.frozen(slots=True)
class SettlementSummary:
    """The summary row: the settlement, its period and the deposit."""

    settlement_id: str
    start: str
    end: str
    deposit_date: str
    total: Decimal
    currency: str


@attrs.frozen(slots=True)
class SettlementRow:
    """One amount row, fields as in the file (dates as text; amount exact)."""

    settlement_id: str
    transaction_type: str
    order_id: str
    merchant_order_id: str
    adjustment_id: str
    shipment_id: str
    marketplace_name: str
    amount_type: str
    amount_description: str
    amount: Decimal
    fulfillment_id: str
    posted_date: str
    posted_date_time: str
    order_item_code: str
    merchant_order_item_id: str
    merchant_adjustment_item_id: str
    sku: str
    quantity_purchased: str
    promotion_id: str
    line_number: int


def _sniff_encoding(sample: bytes) -> str:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start > len(sample) - 4:  # a character cut at the sample's end
            return "utf-8"
        return "shift_jis" if b"\tJPY\t" in sample else "cp1252"
    return "utf-8-sig"


class SettlementFile:
    """A V2 settlement flat file read row by row (iterate it once).

    Args:
        stream: the file, binary (a report document, already un-gzipped).
        encoding: its encoding; detected when `None` (UTF-8, else Shift_JIS for JPY
            files, else cp1252).
        locale: the number format for ``locale``-formatted amounts (``"de_DE"``); detected
            from the summary row when `None` (a decimal comma means ``"de_DE"``).
        strict: raise `SettlementFormatError` at the end if the rows do not add up to
            ``total-amount``; otherwise only set `balanced`.

    Attributes:
        summary: the summary row (read on construction).
        encoding, locale: as detected.
        lines_total: the sum of the rows read so far.
        rows: how many amount rows were read.
    """

    def __init__(
        self,
        stream: IO[bytes],
        *,
        encoding: str | None = None,
        locale: str | None = None,
        strict: bool = True,
    ) -> None:
        if encoding is None:
            buffered: Any = stream
            if not hasattr(buffered, "peek"):
                buffered = io.BufferedReader(buffered, _SAMPLE)
            encoding = _sniff_encoding(buffered.peek(_SAMPLE)[:_SAMPLE])
            stream = buffered
        codecs.lookup(encoding)
        self.encoding = encoding
        self._text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        self._reader = csv.reader(self._text, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(self._reader, None)
        if header is None or tuple(h.strip() for h in header) not in (HEADER, HEADER[:23]):
            msg = "not a V2 settlement flat file: unexpected header row"
            raise SettlementFormatError(msg)
        self._width = len(header)
        first = next(self._reader, None)
        if first is None or len(first) < 6 or (len(first) > 6 and first[6]):
            msg = "not a V2 settlement flat file: the second row is not the summary row"
            raise SettlementFormatError(msg)
        raw_total = first[4].strip()
        self.locale = locale or ("de_DE" if _COMMA.match(raw_total) else None)
        self.summary = SettlementSummary(
            first[0], first[1], first[2], first[3], self._amount(raw_total, 2), first[5]
        )
        self.strict = strict
        self.lines_total = Decimal(0)
        self.rows = 0
        self._done = False

    def _amount(self, text: str, line: int) -> Decimal:
        try:
            if self.locale is not None:
                return parse_locale_decimal(text, self.locale)
            return Decimal(text)
        except (InvalidOperation, ValueError):
            msg = f"line {line}: amount {text!r} is not a number"
            raise SettlementFormatError(msg) from None

    @property
    def balanced(self) -> bool:
        """Whether the rows read add up to ``total-amount`` (meaningful once all are read)."""
        return self.lines_total == self.summary.total

    def __iter__(self) -> Iterator[SettlementRow]:
        if self._done:
            return
        total = Decimal(0)
        line = 2
        pad = [""] * (24 - self._width)
        locale = self.locale
        for row in self._reader:
            line += 1
            if not row:
                continue
            if pad:
                row = row + pad
            text = row[14]
            try:
                amount = Decimal(text) if locale is None else parse_locale_decimal(text, locale)
            except (InvalidOperation, ValueError):
                msg = f"line {line}: amount {text!r} is not a number"
                raise SettlementFormatError(msg) from None
            total += amount
            yield SettlementRow(
                row[0], row[6], row[7], row[8], row[9], row[10], row[11], row[12], row[13],
                amount, row[15], row[16], row[17], row[18], row[19], row[20], row[21], row[22],
                row[23], line,
            )  # fmt: skip
            self.rows += 1
            self.lines_total = total
        self._done = True
        if self.strict and not self.balanced:
            msg = (
                f"settlement {self.summary.settlement_id}: the rows add up to "
                f"{self.lines_total}, the deposit (total-amount) is {self.summary.total}"
            )
            raise SettlementFormatError(msg)
