"""Postal addresses and parties (customers, sellers, carriers)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from retail_canon.models._base import CanonicalModel, pii
from retail_canon.models._refs import ExternalRef

__all__ = ["Address", "Customer", "Party", "PartyRole"]


class Address(CanonicalModel):
    """A postal address. Name, street lines, phone and email are personal data."""

    name: str | None = pii(default=None)
    """Addressee."""
    company: str | None = None
    lines: tuple[str, ...] = pii(default=())
    """Street lines, first to last."""
    city: str | None = None
    region: str | None = None
    """State, province or county, as the source wrote it (ISO 3166-2 subdivision if known)."""
    postal_code: str | None = None
    country: str = Field(pattern=r"^[A-Z]{2}$")
    """ISO 3166-1 alpha-2 country code."""
    phone: str | None = pii(default=None)
    email: str | None = pii(default=None)


class PartyRole(StrEnum):
    """What a party is to a document."""

    BUYER = "BUYER"
    SELLER = "SELLER"
    MARKETPLACE = "MARKETPLACE"
    CARRIER = "CARRIER"
    SUPPLIER = "SUPPLIER"
    OTHER = "OTHER"


class Party(CanonicalModel):
    """A person or organisation taking part in a document."""

    role: PartyRole
    name: str | None = pii(default=None)
    email: str | None = pii(default=None)
    phone: str | None = pii(default=None)
    tax_id: str | None = pii(default=None)
    """VAT or tax registration number."""
    external_refs: tuple[ExternalRef, ...] = ()


class Customer(Party):
    """The buyer of an order."""

    role: PartyRole = PartyRole.BUYER
    customer_id: str | None = None
    """The customer's id in the source system, if it has one (guests have none)."""
