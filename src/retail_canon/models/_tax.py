"""Tax lines: who owes what, at which rate, included in the price or not."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from retail_canon.models._base import CanonicalModel, NonNegativeDecimal
from retail_canon.models._money import Money

__all__ = ["TaxKind", "TaxLiability", "TaxLine"]


class TaxKind(StrEnum):
    """The family of a tax."""

    SALES = "SALES"
    VAT = "VAT"
    GST = "GST"
    JCT = "JCT"
    EXCISE = "EXCISE"
    OTHER = "OTHER"


class TaxLiability(StrEnum):
    """Who must collect and remit the tax."""

    SELLER = "SELLER"
    MARKETPLACE = "MARKETPLACE"
    """Marketplace facilitator rules: the marketplace collects and remits."""
    UNKNOWN = "UNKNOWN"


class TaxLine(CanonicalModel):
    """One tax charged on a line, a shipping charge or a whole document.

    The amount is what the source reported; retail_canon never recomputes it on ingest.
    """

    kind: TaxKind = TaxKind.OTHER
    title: str | None = None
    """The source's label, e.g. ``CA State Tax`` or ``VAT 20%``."""
    jurisdiction: str | None = None
    """Taxing authority, e.g. ``US-CA`` or ``GB``."""
    rate: NonNegativeDecimal | None = None
    """Rate as a fraction (0.0825 for 8.25 %), not a percentage."""
    taxable_amount: Money | None = None
    amount: Money
    included_in_price: bool = False
    """Whether ``amount`` is already inside the price it applies to (EU, UK, AU, JP)."""
    liability: TaxLiability = TaxLiability.UNKNOWN
    responsible_party: str | None = None
    """Who remits, as the source names it, e.g. ``Amazon Services, Inc.``."""
    vat_category: str | None = Field(default=None, pattern=r"^(S|Z|E|AE|K|G|O|L|M)$")
    """EU VAT category code (UNCL5305) where the source gives one."""
