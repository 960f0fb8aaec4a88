"""The errors of the cross-reference resolver.

Every error has a stable ``code``. Bad input is refused before anything is written, and
"not found" is never an error: `XrefResolver.resolve` answers it with a resolution whose
status is ``none``.

```
RetailCanonError
└── XrefError
    ├── XrefInputError (ValueError)      bad input, nothing written
    │   ├── UnknownScheme
    │   ├── MissingScope
    │   ├── UnexpectedScope
    │   ├── MalformedValue
    │   └── EffectiveDateError
    ├── XrefConflict                     the ref is linked to another canonical id
    ├── ImportRejected                   a CSV import with conflicts or errors
    └── XrefStoreError                   the store cannot be used
        ├── SchemaVersionError
        └── StoreUnavailable (ImportError)
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retail_canon._exceptions import RetailCanonError

if TYPE_CHECKING:
    from retail_canon.models import ExternalRef
    from retail_canon.xref._csv import ImportReport
    from retail_canon.xref._types import Canonical

__all__ = [
    "EffectiveDateError",
    "ImportRejected",
    "MalformedValue",
    "MissingScope",
    "SchemaVersionError",
    "StoreUnavailable",
    "UnexpectedScope",
    "UnknownScheme",
    "XrefConflict",
    "XrefError",
    "XrefInputError",
    "XrefStoreError",
]


class XrefError(RetailCanonError):
    """Root of the errors of `retail_canon.xref`."""

    code = "xref_error"


class XrefInputError(XrefError, ValueError):
    """An argument the resolver refuses (empty id, naive timestamp, ...); nothing written."""

    code = "xref_invalid_input"


class UnknownScheme(XrefInputError):
    """The ref's scheme is not in the resolver's scheme registry."""

    code = "xref_unknown_scheme"


class MissingScope(XrefInputError):
    """A scoped scheme (ASIN, seller SKU, restricted-circulation GTIN, ...) without scope."""

    code = "xref_missing_scope"


class UnexpectedScope(XrefInputError):
    """A scope on a globally unique value (a GTIN outside the restricted ranges, a GLN)."""

    code = "xref_unexpected_scope"


class MalformedValue(XrefInputError):
    """The value is not valid for its scheme; ``__cause__`` is the normaliser's error.

    Attributes:
        reason_code: the ``code`` of the normaliser's error, e.g. ``invalid_checksum``.
    """

    code = "xref_malformed_value"

    def __init__(self, message: str, reason_code: str) -> None:
        super().__init__(message)
        self.reason_code = reason_code


class EffectiveDateError(XrefInputError):
    """An effective date that would rewrite history or lies in the future."""

    code = "xref_effective_date"


class XrefConflict(XrefError):
    """The ref is linked to another canonical id; the existing link was left alone.

    Attributes:
        ref: the normalised ref.
        existing: the `Canonical` ``(entity, canonical_id)`` the ref is linked to.
        requested: the `Canonical` that was asked for.
    """

    code = "xref_conflict"

    def __init__(self, ref: ExternalRef, existing: Canonical, requested: Canonical) -> None:
        self.ref = ref
        self.existing = existing
        self.requested = requested
        scope = f" @ {ref.scope}" if ref.scope is not None else ""
        msg = (
            f"{ref.system}/{ref.scheme} {ref.value!r}{scope} is linked to "
            f"{existing[0]} {existing[1]!r}, not {requested[0]} {requested[1]!r}"
        )
        super().__init__(msg)


class ImportRejected(XrefError):
    """A CSV import was not applied because of conflicts or errors; nothing was written.

    Attributes:
        report: the import report, with the conflicts and errors.
    """

    code = "xref_import_rejected"

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        msg = (
            f"import not applied: {len(report.conflicts)} conflict(s), "
            f"{len(report.errors)} error(s)"
        )
        super().__init__(msg)


class XrefStoreError(XrefError):
    """The store cannot be used as it is."""

    code = "xref_store_error"


class SchemaVersionError(XrefStoreError):
    """The database has a schema version newer than this retail_canon knows."""

    code = "xref_schema_version"


class StoreUnavailable(XrefStoreError, ImportError):
    """The store's driver is not installed (``pip install 'retail-canon[postgres]'``)."""

    code = "xref_store_unavailable"
