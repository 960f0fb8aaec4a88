"""The errors retail_canon raises.

Every error derives from `RetailCanonError` and carries a stable, machine-readable
``code``. Errors about bad values also subclass `ValueError`, so pydantic turns them into
a `pydantic.ValidationError` that names the field path when they happen inside a model.

```
RetailCanonError
├── CanonicalValueError (ValueError)
│   ├── UnknownCurrency
│   ├── CurrencyMismatch
│   ├── RoundingNotPossible
│   ├── UnknownUnit
│   ├── IncompatibleUnits
│   ├── InexactConversion
│   ├── InvalidTimestamp
│   │   └── NaiveTimestamp
│   ├── InvalidNumber
│   ├── InvalidExchangeRate
│   └── InvalidIdentifier
│       ├── InvalidFormat
│       │   └── InvalidLength
│       ├── InvalidChecksum
│       └── InvalidComponent
└── InvalidTransition (ValueError)

RetailCanonWarning (UserWarning)
└── UnknownStatusValue
```

Connector and engine errors join this tree in their own layers.
"""

from __future__ import annotations

__all__ = [
    "CanonicalValueError",
    "CurrencyMismatch",
    "IncompatibleUnits",
    "InexactConversion",
    "InvalidChecksum",
    "InvalidComponent",
    "InvalidExchangeRate",
    "InvalidFormat",
    "InvalidIdentifier",
    "InvalidLength",
    "InvalidNumber",
    "InvalidTimestamp",
    "InvalidTransition",
    "NaiveTimestamp",
    "RetailCanonError",
    "RetailCanonWarning",
    "RoundingNotPossible",
    "UnknownCurrency",
    "UnknownStatusValue",
    "UnknownUnit",
]


class RetailCanonError(Exception):
    """Root of every error raised by retail_canon."""

    code: str = "retail_canon_error"


class CanonicalValueError(RetailCanonError, ValueError):
    """A value cannot be part of a canonical object."""

    code = "invalid_value"


class UnknownCurrency(CanonicalValueError):
    """A currency code is not an active ISO 4217 code."""

    code = "unknown_currency"


class CurrencyMismatch(CanonicalValueError):
    """Arithmetic or comparison between amounts in different currencies."""

    code = "currency_mismatch"


class RoundingNotPossible(CanonicalValueError):
    """An amount cannot be rounded to minor units (the currency has none, e.g. XAU)."""

    code = "rounding_not_possible"


class UnknownUnit(CanonicalValueError):
    """A unit of measure that is neither a known code nor a declared alias."""

    code = "unknown_unit"


class IncompatibleUnits(CanonicalValueError):
    """A conversion between units of different dimensions (mass to length, each to kg)."""

    code = "incompatible_units"


class InexactConversion(CanonicalValueError):
    """A conversion whose result is not exact where it must be (e.g. 7 each to cases of 12)."""

    code = "inexact_conversion"


class InvalidTimestamp(CanonicalValueError):
    """A vendor timestamp that cannot be read."""

    code = "invalid_timestamp"


class NaiveTimestamp(InvalidTimestamp):
    """A timestamp without a time zone, and no source time zone was declared for it."""

    code = "naive_timestamp"


class InvalidNumber(CanonicalValueError):
    """A number in a report or payload that cannot be read exactly."""

    code = "invalid_number"


class InvalidExchangeRate(CanonicalValueError):
    """An exchange rate that is missing, not positive, or for other currencies."""

    code = "invalid_exchange_rate"


class InvalidIdentifier(CanonicalValueError):
    """An identifier (GTIN, GLN, SSCC, ISBN, ASIN, ...) that is not valid."""

    code = "invalid_identifier"


class InvalidFormat(InvalidIdentifier):
    """The identifier has characters or a shape its scheme does not allow."""

    code = "invalid_format"


class InvalidLength(InvalidFormat):
    """The identifier has a length its scheme does not allow."""

    code = "invalid_length"


class InvalidChecksum(InvalidIdentifier):
    """The identifier's check digit does not match the rest of it."""

    code = "invalid_checksum"


class InvalidComponent(InvalidIdentifier):
    """A part of the identifier (prefix, indicator, ...) has a value that is not allowed."""

    code = "invalid_component"


class InvalidTransition(RetailCanonError, ValueError):
    """A status change that the object's state machine does not allow.

    Attributes:
        kind: the object kind, e.g. ``"SalesOrder"``.
        current: the status the object is in.
        target: the status that was asked for.
        allowed: the statuses ``current`` may move to instead.
    """

    code = "invalid_transition"

    def __init__(self, kind: str, current: str, target: str, allowed: frozenset[str]) -> None:
        self.kind = kind
        self.current = current
        self.target = target
        self.allowed = allowed
        choices = ", ".join(sorted(allowed)) or "none: it is terminal"
        msg = f"{kind}: cannot go from {current!r} to {target!r} (allowed: {choices})"
        super().__init__(msg)


class RetailCanonWarning(UserWarning):
    """Root of the warnings retail_canon emits."""

    code: str = "retail_canon_warning"


class UnknownStatusValue(RetailCanonWarning):
    """A vendor status with no canonical mapping; it was mapped to ``OTHER``, raw value kept."""

    code = "unknown_status_value"
