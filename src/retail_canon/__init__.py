"""retail_canon: typed canonical objects and building blocks for retail integrations.

``import retail_canon`` is cheap: it loads the error classes and nothing else. Subpackages
(`retail_canon.models`, ...) load on first attribute access or explicit import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from retail_canon._exceptions import (
    CanonicalValueError,
    CurrencyMismatch,
    IncompatibleUnits,
    InexactConversion,
    InvalidChecksum,
    InvalidComponent,
    InvalidExchangeRate,
    InvalidFormat,
    InvalidIdentifier,
    InvalidLength,
    InvalidNumber,
    InvalidTimestamp,
    InvalidTransition,
    NaiveTimestamp,
    RetailCanonError,
    RetailCanonWarning,
    RoundingNotPossible,
    UnknownCurrency,
    UnknownStatusValue,
    UnknownUnit,
)
from retail_canon._version import __version__

if TYPE_CHECKING:
    from retail_canon import (
        ats,
        connectors,
        mapping,
        models,
        normalize,
        settlement,
        sourcing,
        workflow,
        xref,
    )

__all__ = [
    "__version__",
    "ats",
    "CanonicalValueError",
    "connectors",
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
    "mapping",
    "models",
    "NaiveTimestamp",
    "normalize",
    "RetailCanonError",
    "RetailCanonWarning",
    "RoundingNotPossible",
    "settlement",
    "sourcing",
    "UnknownCurrency",
    "UnknownStatusValue",
    "UnknownUnit",
    "workflow",
    "xref",
]

_SUBPACKAGES = frozenset(
    {
        "ats",
        "connectors",
        "mapping",
        "models",
        "normalize",
        "settlement",
        "sourcing",
        "workflow",
        "xref",
    }
)


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        module = importlib.import_module(f"retail_canon.{name}")
        globals()[name] = module
        return module
    msg = f"module 'retail_canon' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBPACKAGES)
