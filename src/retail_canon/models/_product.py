"""Product: the item master, with variants, identifiers and pack hierarchy."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from retail_canon.models._base import (
    CanonicalModel,
    NonNegativeDecimal,
    PositiveDecimal,
    schema_version_field,
)
from retail_canon.models._quantity import PositiveQuantity, UomCode
from retail_canon.models._refs import ExternalRef
from retail_canon.models._states import StatefulModel, StateMachine

__all__ = ["Dimensions", "PackLevel", "Product", "ProductStatus", "ProductVariant"]


class ProductStatus(StrEnum):
    """Lifecycle of an item: ``DRAFT → ACTIVE ⇄ INACTIVE → DISCONTINUED``."""

    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    DISCONTINUED = "DISCONTINUED"
    OTHER = "OTHER"


PRODUCT_STATES = StateMachine(
    "Product",
    {
        ProductStatus.DRAFT: {ProductStatus.ACTIVE, ProductStatus.DISCONTINUED},
        ProductStatus.ACTIVE: {ProductStatus.INACTIVE, ProductStatus.DISCONTINUED},
        ProductStatus.INACTIVE: {ProductStatus.ACTIVE, ProductStatus.DISCONTINUED},
    },
    ProductStatus.OTHER,
)


class Dimensions(CanonicalModel):
    """Length × width × height in one length unit (Rec 20: CMT, MMT, INH, ...)."""

    length: NonNegativeDecimal
    width: NonNegativeDecimal
    height: NonNegativeDecimal
    uom: UomCode


class PackLevel(CanonicalModel):
    """One packaging level of an item: "a case of this item holds 12 each"."""

    uom: UomCode
    """Rec 21 package code with its X prefix: XCS case, XPK pack, XPX pallet, ..."""
    quantity_of_base: PositiveDecimal
    """How many base units one of this level holds."""
    gtin: str | None = Field(default=None, pattern=r"^[0-9]{14}$")
    """GTIN-14 of this level, if it has one."""
    dimensions: Dimensions | None = None
    weight: PositiveQuantity | None = None


class ProductVariant(CanonicalModel):
    """A sellable variant (size, colour, ...) of a product."""

    sku: str = Field(min_length=1)
    title: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    """Option name and value pairs, in display order: ``(("Size", "M"), ("Color", "Red"))``."""
    identifiers: tuple[ExternalRef, ...] = ()
    """GTIN, ASIN, vendor codes of this variant."""
    weight: PositiveQuantity | None = None
    dimensions: Dimensions | None = None


class Product(StatefulModel):
    """An item in the retailer's catalogue."""

    SCHEMA_VERSION: ClassVar[str] = "1.0"
    state_machine: ClassVar[StateMachine[ProductStatus]] = PRODUCT_STATES

    schema_version: str = schema_version_field(SCHEMA_VERSION)
    product_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    """Seller / ERP item code."""
    title: str
    brand: str | None = None
    description: str | None = None
    status: ProductStatus = ProductStatus.ACTIVE
    source_status: str | None = None
    """The source system's status value, verbatim."""
    identifiers: tuple[ExternalRef, ...] = ()
    """GTIN-14, ISBN, ASIN (scoped by marketplace), MPN, ..."""
    base_uom: UomCode = "EA"
    """The unit stock is counted in."""
    pack_levels: tuple[PackLevel, ...] = ()
    variants: tuple[ProductVariant, ...] = ()
    tax_code: str | None = None
    hs_code: str | None = Field(default=None, pattern=r"^[0-9]{6,10}$")
    country_of_origin: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    weight: PositiveQuantity | None = None
    dimensions: Dimensions | None = None
    external_refs: tuple[ExternalRef, ...] = ()
