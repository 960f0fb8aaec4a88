"""Settlement matching: marketplace payouts against ERP receivables, every cent explained.

`match` takes settlements (canonical `SettlementRecord` objects, or a columnar
`SettlementTable`) and open ERP documents (`ErpDocument`, or a `DocumentTable`) and
returns a `MatchResult`: matches with the rule that made each, reason-coded variances and
exceptions, open items, FX differences, suggested journal lines and summary figures. For
every settlement, deposit = Σ matched + Σ variances + Σ exceptions, to the cent.

Importing this package loads pydantic, attrs and the models; numpy loads only when the
numpy engine runs.
"""

from __future__ import annotations

from retail_canon.settlement._errors import (
    ConservationError,
    EngineUnavailable,
    MissingAmountType,
    NotMinorUnits,
    SettlementError,
    SettlementInputError,
    UnknownDocumentKind,
)
from retail_canon.settlement._match import Engine, match
from retail_canon.settlement._policy import (
    DEFAULT_ACCOUNTS,
    DEFAULT_REFUND_REF_SCHEMES,
    FeeRule,
    MatchPolicy,
    Tolerance,
)
from retail_canon.settlement._records import (
    FxDifference,
    JournalLine,
    Match,
    OpenItem,
    SettlementException,
    SettlementSummary,
    Variance,
)
from retail_canon.settlement._result import MatchResult
from retail_canon.settlement._tables import DocumentTable, SettlementTable
from retail_canon.settlement._types import (
    AMOUNT_TYPES,
    DOCUMENT_KINDS,
    DocumentKind,
    ErpDocument,
    MatchRule,
    ReasonCode,
    RefResolver,
)

__all__ = [
    "AMOUNT_TYPES",
    "ConservationError",
    "DEFAULT_ACCOUNTS",
    "DEFAULT_REFUND_REF_SCHEMES",
    "DOCUMENT_KINDS",
    "DocumentKind",
    "DocumentTable",
    "Engine",
    "EngineUnavailable",
    "ErpDocument",
    "FeeRule",
    "FxDifference",
    "JournalLine",
    "match",
    "Match",
    "MatchPolicy",
    "MatchResult",
    "MatchRule",
    "MissingAmountType",
    "NotMinorUnits",
    "OpenItem",
    "ReasonCode",
    "RefResolver",
    "SettlementError",
    "SettlementException",
    "SettlementInputError",
    "SettlementSummary",
    "SettlementTable",
    "Tolerance",
    "UnknownDocumentKind",
    "Variance",
]
