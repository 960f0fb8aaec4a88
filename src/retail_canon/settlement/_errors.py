"""The errors of settlement matching.

Every error has a stable ``code``. Bad input is refused before any matching starts;
money that cannot be explained is never an error: it becomes a reason-coded exception in
the `MatchResult`.

```
RetailCanonError
└── SettlementError
    ├── SettlementInputError (ValueError)      bad input, nothing matched
    │   ├── NotMinorUnits                      an amount is not a whole number of minor units
    │   ├── MissingAmountType                  a line has no (or an unknown) amount type
    │   └── UnknownDocumentKind                a document kind code out of range
    ├── EngineUnavailable (ImportError)        engine="numpy" without numpy installed
    └── ConservationError (AssertionError)     a bug: the result does not add up to the deposit
```
"""

from __future__ import annotations

from retail_canon._exceptions import RetailCanonError

__all__ = [
    "ConservationError",
    "EngineUnavailable",
    "MissingAmountType",
    "NotMinorUnits",
    "SettlementError",
    "SettlementInputError",
    "UnknownDocumentKind",
]


class SettlementError(RetailCanonError):
    """Root of the errors raised by `retail_canon.settlement`."""

    code = "settlement_error"


class SettlementInputError(SettlementError, ValueError):
    """Settlements, documents or the policy cannot be matched as given; nothing was matched."""

    code = "settlement_input"


class NotMinorUnits(SettlementInputError):
    """An amount is not a whole number of its currency's minor units (or it has none).

    Marketplace files and ERP documents carry whole minor units; round a computed amount
    with `retail_canon.normalize.money.round_money` before matching it.
    """

    code = "not_minor_units"


class MissingAmountType(SettlementInputError):
    """A settlement line without an amount type, or with a code outside `AMOUNT_TYPES`."""

    code = "missing_amount_type"


class UnknownDocumentKind(SettlementInputError):
    """A document kind code outside `DOCUMENT_KINDS`."""

    code = "unknown_document_kind"


class EngineUnavailable(SettlementError, ImportError):
    """``engine="numpy"`` was asked for and numpy cannot be imported."""

    code = "engine_unavailable"


class ConservationError(SettlementError, AssertionError):
    """The result does not add up to a settlement's deposit: a bug, please report it."""

    code = "conservation_violated"
