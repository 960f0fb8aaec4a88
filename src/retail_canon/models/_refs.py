"""External references: where a canonical object came from in another system."""

from __future__ import annotations

from pydantic import Field

from retail_canon.models._base import CanonicalModel

__all__ = ["ExternalRef"]


class ExternalRef(CanonicalModel):
    """An identifier of this object (or of a related one) in another system.

    >>> ref = ExternalRef(system="amazon", scheme="asin", value="B00EXAMPLE", scope="ATVPDKIKX0DER")
    >>> ref.scope
    'ATVPDKIKX0DER'
    """

    system: str = Field(min_length=1)
    """The system that issued the value: ``amazon``, ``shopify``, ``tryton``, ``wms``, ..."""
    scheme: str = Field(min_length=1)
    """What kind of identifier it is in that system: ``AmazonOrderId``, ``asin``, ``gtin``."""
    value: str = Field(min_length=1)
    """The identifier itself, as the system writes it."""
    scope: str | None = None
    """Where the value is unique, for scoped schemes: marketplace id, seller, store, company."""
