"""Identifier cross-reference: one durable, audited map between the ids of every system.

A marketplace knows a product by ASIN, the ERP by item code, the WMS by SKU, the POS by
barcode. `XrefResolver` links each such external ref to a canonical id and answers "what
is this ref in that system?" explicitly: none, one, or a conflict, with the rule that
matched. Links are effective-dated and every change is audited; the store (`SQLiteStore`
by default, `PostgresStore` for shared use) enforces one canonical id per ref at a time.

>>> from retail_canon.models import ExternalRef
>>> from retail_canon.xref import SQLiteStore, XrefResolver
>>> with SQLiteStore(":memory:") as store:
...     xref = XrefResolver(store)
...     asin = ExternalRef(system="amazon", scheme="asin", value="b00example", scope="A1PA")
...     item = ExternalRef(system="erp", scheme="item_code", value="TEE-001", scope="acme")
...     _ = xref.link("product", "P1", asin, actor="ana", reason="listing")
...     _ = xref.link("product", "P1", item, actor="ana", reason="item master")
...     xref.resolve(asin, to_system="erp").target.value
'TEE-001'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from retail_canon.xref._cache import ResolutionCache
from retail_canon.xref._csv import CSV_COLUMNS, ImportIssue, ImportReport, ImportRow
from retail_canon.xref._errors import (
    EffectiveDateError,
    ImportRejected,
    MalformedValue,
    MissingScope,
    SchemaVersionError,
    StoreUnavailable,
    UnexpectedScope,
    UnknownScheme,
    XrefConflict,
    XrefError,
    XrefInputError,
    XrefStoreError,
)
from retail_canon.xref._resolver import XrefResolver
from retail_canon.xref._schemes import DEFAULT_SCHEMES, Key, Scheme, SchemeRegistry, ScopeRule
from retail_canon.xref._sqlite import SQLiteStore
from retail_canon.xref._store import XrefStore
from retail_canon.xref._types import (
    DIRECT,
    AuditEntry,
    Canonical,
    ChainStep,
    FallbackChain,
    Link,
    Resolution,
    ResolutionStatus,
)

if TYPE_CHECKING:
    from retail_canon.xref._postgres import PostgresStore

__all__ = [
    "AuditEntry",
    "Canonical",
    "ChainStep",
    "CSV_COLUMNS",
    "DEFAULT_SCHEMES",
    "DIRECT",
    "EffectiveDateError",
    "FallbackChain",
    "ImportIssue",
    "ImportRejected",
    "ImportReport",
    "ImportRow",
    "Key",
    "Link",
    "MalformedValue",
    "MissingScope",
    "PostgresStore",
    "Resolution",
    "ResolutionCache",
    "ResolutionStatus",
    "SchemaVersionError",
    "Scheme",
    "SchemeRegistry",
    "ScopeRule",
    "SQLiteStore",
    "StoreUnavailable",
    "UnexpectedScope",
    "UnknownScheme",
    "XrefConflict",
    "XrefError",
    "XrefInputError",
    "XrefResolver",
    "XrefStore",
    "XrefStoreError",
]


def __getattr__(name: str) -> Any:
    # PostgresStore's module is light, but psycopg only loads when a store is created.
    if name == "PostgresStore":
        from retail_canon.xref._postgres import PostgresStore

        globals()[name] = PostgresStore
        return PostgresStore
    msg = f"module 'retail_canon.xref' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"PostgresStore"})
